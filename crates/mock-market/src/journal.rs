//! The request journal: what arrived and what the market answered, with names, ID numbers,
//! mobiles and credentials masked.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use shiming_core::mask;

/// One journaled request. Personal data and credentials are masked when the entry is made;
/// the full values are never stored.
///
/// ```
/// let e = shiming_mock_market::JournalEntry::default();
/// assert_eq!(e.status, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    /// The `X-Ca-Request-Id` sent back.
    pub request_id: String,
    /// Milliseconds since the Unix epoch when the request arrived.
    pub received_at_ms: u64,
    /// Method.
    pub method: Cow<'static, str>,
    /// Path (without the query).
    pub path: Cow<'static, str>,
    /// The product, when the path named one.
    pub product: Option<&'static str>,
    /// The credential's label (AppKey, or masked AppCode), when one was presented.
    pub credential: Option<Arc<str>>,
    /// Parameters with masked values, in arrival order.
    pub params: Vec<(Cow<'static, str>, String)>,
    /// Requested scenario, if any.
    pub scenario: Option<String>,
    /// Injected fault, if any.
    pub fault: Option<String>,
    /// Final HTTP status (0 when the connection was closed without an answer).
    pub status: u16,
    /// Whether the call was charged.
    pub charged: bool,
    /// The gateway error message, if the gateway answered.
    pub gateway_error: Option<String>,
}

/// The parameter names of the five APIs, so that journal entries need not copy them.
const KNOWN_PARAMS: &[&str] = &["xm", "sfz", "mob", "name", "mobile", "idCard", "idcard"];

/// A parameter name for the journal: borrowed when it is a known one, else copied (bounded).
#[must_use]
pub(crate) fn param_name(name: &str) -> Cow<'static, str> {
    match KNOWN_PARAMS.iter().find(|k| **k == name) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(name.chars().take(64).collect()),
    }
}

/// Masks a parameter value by what its name says it holds. Unknown parameters are masked
/// whole (they may hold anything).
///
/// ```
/// use shiming_mock_market::journal::mask_param;
/// assert_eq!(mask_param("xm", "张三"), "张*");
/// assert_eq!(mask_param("mobile", "13800138000"), "138****8000");
/// assert_eq!(mask_param("idCard", "11010519491231002X"), "1101************2X");
/// assert_eq!(mask_param("other", "secret"), "******");
/// ```
#[must_use]
pub fn mask_param(name: &str, value: &str) -> String {
    match name {
        "xm" | "name" => mask::mask_name(value),
        "sfz" | "idcard" | "idCard" => mask::mask_id(value),
        "mob" | "mobile" => mask::mask_mobile(value),
        _ => "*".repeat(value.chars().count().min(32)),
    }
}
