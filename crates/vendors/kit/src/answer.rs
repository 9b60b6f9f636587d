//! Errors about one vendor call: its [`Billing`], the typed error naming the vendor, and an
//! answer that could not be read.

use shiming_core::{Billing, Error, ErrorKind};

/// The [`Billing`] of a call the marketplace did (`true`) or did not (`false`) charge.
///
/// ```
/// use shiming_core::Billing;
/// assert_eq!(shiming_vendor_kit::billing(true), Billing::Billed);
/// assert_eq!(shiming_vendor_kit::billing(false), Billing::NotBilled);
/// ```
#[must_use]
pub fn billing(billed: bool) -> Billing {
    if billed {
        Billing::Billed
    } else {
        Billing::NotBilled
    }
}

/// The [`Error`] a vendor crate returns about one call: `kind` and `message`, naming
/// `vendor`, with the vendor's own code if there is one, the call's billing (see
/// [`billing`]) and the gateway's request id if known. The message is used as given (scrub
/// vendor text with [`scrub`] first).
///
/// ```
/// use shiming_core::{Billing, ErrorKind};
/// use shiming_vendor_kit::vendor_error;
/// let e = vendor_error(ErrorKind::VendorFault, "code 9: busy", "tel3", Some("9"), true, Some("r-1"));
/// assert_eq!(e.kind(), ErrorKind::VendorFault);
/// assert_eq!(e.vendor(), Some("tel3"));
/// assert_eq!(e.vendor_code(), Some("9"));
/// assert_eq!(e.billing(), Billing::Billed);
/// assert_eq!(e.request_id(), Some("r-1"));
/// let e = vendor_error(ErrorKind::MalformedAnswer, "x: missing", "tel3", None, false, None);
/// assert_eq!((e.vendor_code(), e.request_id()), (None, None));
/// assert_eq!(e.billing(), Billing::NotBilled);
/// ```
#[must_use]
pub fn vendor_error(
    kind: ErrorKind,
    message: impl Into<String>,
    vendor: &'static str,
    vendor_code: Option<&str>,
    billed: bool,
    request_id: Option<&str>,
) -> Error {
    let mut error = Error::new(kind, message)
        .with_vendor(vendor)
        .with_billing(billing(billed));
    if let Some(code) = vendor_code {
        error = error.with_vendor_code(code);
    }
    if let Some(id) = request_id {
        error = error.with_request_id(id);
    }
    error
}

/// A body that could not be decoded. On a 2xx status or one of the vendor's own answer
/// statuses (`own_statuses`, e.g. 拇指云's 666) it stays the [`ErrorKind::MalformedAnswer`]
/// of `parse_error`; on any other status the vendor side failed with a body that is not the
/// vendor's (an HTML error page): [`ErrorKind::VendorFault`] naming the status.
///
/// ```
/// use shiming_core::{Error, ErrorKind};
/// use shiming_vendor_kit::unreadable_answer;
/// let parse = Error::new(ErrorKind::MalformedAnswer, ".: the answer is not valid JSON");
/// let e = unreadable_answer(http::StatusCode::BAD_GATEWAY, parse, "tel3", &[666], false, None);
/// assert_eq!(e.kind(), ErrorKind::VendorFault);
/// assert_eq!(e.vendor_code(), Some("502"));
/// ```
#[must_use]
pub fn unreadable_answer(
    status: http::StatusCode,
    parse_error: Error,
    vendor: &'static str,
    own_statuses: &[u16],
    billed: bool,
    request_id: Option<&str>,
) -> Error {
    if status.is_success() || own_statuses.contains(&status.as_u16()) {
        return parse_error;
    }
    vendor_error(
        ErrorKind::VendorFault,
        format!(
            "{vendor} answered HTTP {} without a {vendor} answer ({})",
            status.as_u16(),
            parse_error.message()
        ),
        vendor,
        Some(&status.as_u16().to_string()),
        billed,
        request_id,
    )
}
