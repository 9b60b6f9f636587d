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
    /// Parameters with masked values, in arrival order, as `name=value&name=value` (one
    /// string: the journal is written on every request).
    pub params: String,
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
    /// How the request authenticated: `appcode` or `signature` (absent when it did not: the
    /// gateway error says why).
    pub auth: Option<&'static str>,
    /// The StringToSign the gateway computed, when a signature did not match, with the
    /// parameter values masked (what a client compares with its own to find its mistake).
    pub string_to_sign: Option<String>,
    /// What the quota and flow control decided: `charged`, `not_charged`, `exhausted` or
    /// `throttled` (absent when the request stopped before them).
    pub quota: Option<&'static str>,
    /// Microseconds the market took to answer (an injected latency not included).
    pub latency_us: u64,
    /// The vendor's body as sent (long digit runs masked; at most 4 KiB), when a vendor or a
    /// documented body answered.
    pub body: Option<String>,
}

/// The largest vendor body the journal keeps.
const MAX_BODY: usize = 4096;

/// A vendor body for the journal: UTF-8 (lossy), at most [`MAX_BODY`] bytes, and every run of
/// seven or more digits masked to its first three and last two (an ID number or a mobile that
/// a body echoes in full).
///
/// ```
/// use shiming_mock_market::journal::journal_body;
/// assert_eq!(journal_body(br#"{"sfz":"330106198805160711","ok":1}"#), r#"{"sfz":"330*************11","ok":1}"#);
/// ```
#[must_use]
pub fn journal_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_BODY)]);
    mask_runs(&text, |c| c.is_ascii_digit(), |run| run.len() >= 7)
}

/// The gateway's StringToSign with each parameter value of its last line (the path and the
/// sorted parameters) masked by its name ([`mask_param`]); the other lines (method, headers)
/// as they are.
///
/// ```
/// use shiming_mock_market::journal::masked_string_to_sign;
/// let sts = "GET\n\n\n\n\nx-ca-key:203753385\n/mobile?mob=13957120001&xm=陈思远";
/// assert_eq!(masked_string_to_sign(sts), "GET\n\n\n\n\nx-ca-key:203753385\n/mobile?mob=139****0001&xm=陈**");
/// ```
#[must_use]
pub fn masked_string_to_sign(string_to_sign: &str) -> String {
    let (head, last) = match string_to_sign.rsplit_once('\n') {
        Some((head, last)) => (Some(head), last),
        None => (None, string_to_sign),
    };
    let masked_last = match last.split_once('?') {
        Some((path, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) => format!("{name}={}", mask_param(name, value)),
                    None => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", pairs.join("&"))
        }
        None => last.to_string(),
    };
    match head {
        Some(head) => format!("{head}\n{masked_last}"),
        None => masked_last,
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
    let mut out = String::new();
    push_masked_param(&mut out, name, value);
    out
}

/// Appends the masked form of a parameter value (see [`mask_param`]) to `out`.
///
/// ```
/// let mut line = String::from("sfz=");
/// shiming_mock_market::journal::push_masked_param(&mut line, "sfz", "11010519491231002X");
/// assert_eq!(line, "sfz=1101************2X");
/// ```
pub fn push_masked_param(out: &mut String, name: &str, value: &str) {
    match name {
        "xm" | "name" => mask::push_masked_name(out, value),
        "sfz" | "idcard" | "idCard" => mask::push_masked_id(out, value),
        "mob" | "mobile" => mask::push_masked_mobile(out, value),
        _ => out.extend(std::iter::repeat('*').take(value.chars().count().min(32))),
    }
}

/// The journal's `params` line for `params`: names (at most 64 characters each, scrubbed as
/// [`scrub_text`] does) and masked values, `&`-separated.
pub(crate) fn masked_params(params: &crate::Params) -> String {
    let mut line = String::with_capacity(96);
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            line.push('&');
        }
        // A name can be anything a client wrote, e.g. a bare value (`?13800138000`).
        line.push_str(&scrub_text(&name.chars().take(64).collect::<String>()));
        line.push('=');
        push_masked_param(&mut line, name, value);
    }
    line
}

/// Free text the journal keeps from a request it could not route (an unknown method or path, a
/// gateway error message quoting them): every run of 7 or more ASCII letters and digits that
/// holds 4 or more digits — the shape of an ID number, a mobile, an AppCode or an AppKey — keeps
/// its first 3 and last 2 characters, the rest masked.
///
/// ```
/// use shiming_mock_market::journal::scrub_text;
/// assert_eq!(scrub_text("/idcard/11010519491231002X"), "/idcard/110*************2X");
/// assert_eq!(scrub_text("Api Not Found: GET /v2/ping"), "Api Not Found: GET /v2/ping");
/// ```
#[must_use]
pub fn scrub_text(text: &str) -> String {
    mask_runs(
        text,
        |c| c.is_ascii_alphanumeric(),
        |run| run.len() >= 7 && run.bytes().filter(u8::is_ascii_digit).count() >= 4,
    )
}

/// `text` with each run of characters `in_run` accepts (ASCII only) that `hide` picks kept
/// to its first 3 and last 2 characters, the rest masked; everything else as it is.
fn mask_runs(text: &str, in_run: impl Fn(char) -> bool, hide: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if hide(run) {
            out.push_str(&run[..3]);
            out.extend(std::iter::repeat('*').take(run.len() - 5));
            out.push_str(&run[run.len() - 2..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if in_run(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
