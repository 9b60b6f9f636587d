//! Telling the gateway's own error answers from vendor answers, and what each one means for
//! the caller: its [`ErrorKind`], whether it was billed, and what the error needs beyond
//! those for [`Error::retry_safety`] (a 503 is transient; `Retry-After`).
//!
//! The rules (gateway.md §2–3):
//!
//! * When `X-Ca-Error-Code` is present the gateway made the answer (VPC instances).
//! * Otherwise an `X-Ca-Error-Message` with an empty body is the gateway's (classic
//!   instances).
//! * Everything else is the vendor's, whatever its status (200, 450, 666, …): the vendor crate
//!   parses the body.
//! * The marketplace bills exactly the statuses 200–299, so a gateway error (always non-2xx)
//!   is never billed — not even a 504, after which the vendor may still have done the work.
//!
//! Messages kept from the gateway never carry request parameters: the `Invalid Signature`
//! StringToSign echo is cut off, query strings are dropped and long texts are shortened.

use std::time::Duration;

use shiming_core::{Billing, Error, ErrorKind};

/// An answer the gateway made itself (not the vendor), classified.
///
/// Built only by [`gateway_failure`]; turned into the shared error by [`into_error`].
/// Gateway answers are non-2xx, so none of them is billed (see [`billing_of`]).
///
/// ```
/// use shiming_core::ErrorKind;
/// use shiming_gateway::classify::gateway_failure;
/// let f = gateway_failure(403, None, Some("Quota Exhausted"), true).unwrap();
/// assert_eq!(f.kind, ErrorKind::QuotaExhausted);
/// assert_eq!(f.status, 403);
/// assert_eq!(f.message, "Quota Exhausted");
/// assert_eq!(f.code, None);
/// assert!(f.recognized);
/// assert!(!f.vendor_may_have_processed);
/// assert_eq!(f.retry_after, None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayFailure {
    /// What it means for the caller.
    pub kind: ErrorKind,
    /// The HTTP status.
    pub status: u16,
    /// The `X-Ca-Error-Message` text, redacted (no StringToSign echo, no query strings, at
    /// most 200 characters); when absent, a short text naming the status.
    pub message: String,
    /// The `X-Ca-Error-Code` (VPC instances), if any, as sent (at most 32 characters).
    pub code: Option<String>,
    /// The gateway gave up waiting for the vendor (504): the vendor may have done the work
    /// (and e.g. queried the carrier), although the buyer was not charged (non-2xx).
    pub vendor_may_have_processed: bool,
    /// Whether the code or message is one of the documented ones. `false` means an unknown
    /// gateway answer, kept raw as [`ErrorKind::VendorFault`] (smithy's "Unhandled").
    pub recognized: bool,
    /// The `Retry-After` header, when the caller read one
    /// ([`crate::retry::parse_retry_after`]; [`gateway_failure`] leaves it `None`).
    /// [`into_error`] keeps it only for answers that ask the caller to wait (flow control, a
    /// 503); a quota answer is repeated on the backoff alone.
    pub retry_after: Option<Duration>,
}

impl GatewayFailure {
    /// Flow control, or a 503 before the vendor did any work: the gateway asks the caller to
    /// come back later, so the failure is transient and its `Retry-After` counts.
    fn asks_to_wait(&self) -> bool {
        self.kind == ErrorKind::Throttled
            || (self.status == 503
                && self.kind == ErrorKind::VendorFault
                && !self.vendor_may_have_processed)
    }
}

/// The [`Billing`] of an answer with this status: the marketplace bills exactly 200–299.
///
/// ```
/// use shiming_core::Billing;
/// use shiming_gateway::classify::billing_of;
/// assert_eq!(billing_of(200), Billing::Billed);
/// assert_eq!(billing_of(299), Billing::Billed);
/// assert_eq!(billing_of(666), Billing::NotBilled); // 拇指云's "not charged" status
/// assert_eq!(billing_of(504), Billing::NotBilled);
/// ```
#[must_use]
pub const fn billing_of(status: u16) -> Billing {
    Billing::of(matches!(status, 200..=299))
}

/// Decides whether an answer was made by the gateway and, if so, classifies it.
///
/// `error_code` and `error_message` are the `X-Ca-Error-Code` and `X-Ca-Error-Message`
/// headers (blank values count as absent). Returns `None` for a vendor answer, which the
/// vendor crate must parse whatever its status.
///
/// ```
/// use shiming_core::ErrorKind;
/// use shiming_gateway::classify::gateway_failure;
/// // VPC instance: the code header alone decides.
/// let f = gateway_failure(403, Some("B403MQ"), Some("Api Market Subscription quota exhausted"), true);
/// assert_eq!(f.unwrap().kind, ErrorKind::QuotaExhausted);
/// // Classic instance: a message header with an empty body.
/// let f = gateway_failure(400, None, Some("Invalid AppCode `not exists`"), true);
/// assert_eq!(f.unwrap().kind, ErrorKind::Unauthorized);
/// // A vendor answer with a body: not the gateway's, whatever the status.
/// assert!(gateway_failure(666, None, None, false).is_none());
/// assert!(gateway_failure(403, None, Some("whatever"), false).is_none());
/// ```
#[must_use]
pub fn gateway_failure(
    status: u16,
    error_code: Option<&str>,
    error_message: Option<&str>,
    body_is_empty: bool,
) -> Option<GatewayFailure> {
    let code = error_code.map(str::trim).filter(|c| !c.is_empty());
    let message = error_message.map(str::trim).filter(|m| !m.is_empty());
    if code.is_none() && !(message.is_some() && body_is_empty) {
        return None;
    }
    let rule = code
        .and_then(rule_for_code)
        .or_else(|| message.and_then(rule_for_message));
    let recognized = rule.is_some();
    let rule = rule.unwrap_or_else(|| rule_for_status(status));
    let message = match message {
        Some(m) => redact(m),
        None => format!("gateway error (HTTP {status})"),
    };
    Some(GatewayFailure {
        kind: rule.kind,
        status,
        message,
        code: code.map(|c| truncate_chars(c, MAX_CODE_CHARS)),
        vendor_may_have_processed: rule.processed,
        recognized,
        retry_after: None,
    })
}

/// Turns a gateway failure into the shared error: billing [`Billing::NotBilled`] (the
/// gateway answer is non-2xx), the vendor id, the `X-Ca-Error-Code` (or, without one, the
/// message) as vendor code, and the `X-Ca-Request-Id`. After a backend timeout the message
/// says that the vendor may have processed the call although nothing was billed.
///
/// For [`Error::retry_safety`], a 503 before the vendor did any work is marked transient
/// ([`Error::with_transient`]; other vendor faults are not), and the `Retry-After` is kept
/// for flow control and such a 503 ([`GatewayFailure::retry_after`]).
///
/// ```
/// use std::time::Duration;
/// use shiming_core::{Billing, ErrorKind, RetrySafety};
/// use shiming_gateway::classify::{gateway_failure, into_error};
/// let f = gateway_failure(403, Some("B403MQ"), Some("Api Market Subscription quota exhausted"), true).unwrap();
/// let e = into_error(f, "tel3", Some("A77CDCA5"));
/// assert_eq!(e.kind(), ErrorKind::QuotaExhausted);
/// assert_eq!(e.billing(), Billing::NotBilled);
/// assert_eq!(e.vendor_code(), Some("B403MQ"));
/// assert_eq!(
///     e.to_string(),
///     "tel3: quota_exhausted: Api Market Subscription quota exhausted (request A77CDCA5)"
/// );
///
/// assert_eq!(e.retry_safety(), RetrySafety::Transient { retry_after: None });
///
/// let e = into_error(gateway_failure(504, Some("D504TO"), None, true).unwrap(), "tel3", None);
/// assert_eq!(e.billing(), Billing::NotBilled);
/// assert!(e.message().contains("may have processed"));
/// assert_eq!(e.retry_safety(), RetrySafety::ElsewhereOnly);
///
/// let mut f = gateway_failure(503, None, Some("Service Unavailable"), true).unwrap();
/// f.retry_after = Some(Duration::from_secs(1));
/// let wait = RetrySafety::Transient { retry_after: Some(Duration::from_secs(1)) };
/// assert_eq!(into_error(f, "tel3", None).retry_safety(), wait);
/// ```
#[must_use]
pub fn into_error(
    failure: GatewayFailure,
    vendor: &'static str,
    request_id: Option<&str>,
) -> Error {
    let message = if failure.vendor_may_have_processed {
        format!(
            "{} (the vendor may have processed the call; not billed: the answer is non-2xx)",
            failure.message
        )
    } else {
        failure.message.clone()
    };
    let asks_to_wait = failure.asks_to_wait();
    let retry_after = failure.retry_after.filter(|_| asks_to_wait);
    let vendor_code = failure.code.unwrap_or(failure.message);
    let mut error = Error::new(failure.kind, message)
        .with_billing(Billing::NotBilled)
        .with_vendor(vendor)
        .with_vendor_code(vendor_code);
    if asks_to_wait {
        error = error.with_transient(true);
    }
    if let Some(after) = retry_after {
        error = error.with_retry_after(after);
    }
    match request_id {
        Some(id) => error.with_request_id(id),
        None => error,
    }
}

/// Longest message kept, in characters.
const MAX_MESSAGE_CHARS: usize = 200;
/// Longest error code kept, in characters (real ones have six).
const MAX_CODE_CHARS: usize = 32;

/// What a recognized (or fallback) gateway answer means. Whether it may be repeated follows
/// from the kind ([`Error::retry_safety`]), except for a 503 ([`into_error`]).
#[derive(Debug, Clone, Copy)]
struct Rule {
    kind: ErrorKind,
    /// The vendor may have processed the call (504).
    processed: bool,
}

const QUOTA: Rule = Rule {
    kind: ErrorKind::QuotaExhausted,
    processed: false,
};
const AUTH: Rule = Rule {
    kind: ErrorKind::Unauthorized,
    processed: false,
};
const THROTTLED: Rule = Rule {
    kind: ErrorKind::Throttled,
    processed: false,
};
/// A configuration error (wrong URL, API or domain): repeating cannot help.
const NOT_FOUND: Rule = Rule {
    kind: ErrorKind::VendorFault,
    processed: false,
};
const TOO_LARGE: Rule = Rule {
    kind: ErrorKind::InvalidInput,
    processed: false,
};
/// 500/502/503; a 503 is marked transient in [`into_error`].
const UNAVAILABLE: Rule = Rule {
    kind: ErrorKind::VendorFault,
    processed: false,
};
const BACKEND_TIMEOUT: Rule = Rule {
    kind: ErrorKind::VendorFault,
    processed: true,
};

/// The documented `X-Ca-Error-Code`s (VPC instances).
fn rule_for_code(code: &str) -> Option<Rule> {
    let code = code.to_ascii_uppercase();
    let rule = match code.as_str() {
        "B403MQ" | "B403ME" => QUOTA,
        "I403AA" | "A400AC" | "A401AC" => AUTH,
        "I404NF" => NOT_FOUND,
        "I413RL" | "I413UL" => TOO_LARGE,
        "D504TO" => BACKEND_TIMEOUT,
        c if c.len() == 6 && c.starts_with("T429") => THROTTLED,
        _ => return None,
    };
    Some(rule)
}

/// The documented `X-Ca-Error-Message` texts, compared by ASCII-case-insensitive prefix
/// (variable parts follow the prefix, and older gateways spell some of them differently).
const MESSAGE_RULES: &[(&str, Rule)] = &[
    ("Quota Exhausted", QUOTA),
    ("Api Market Subscription quota exhausted", QUOTA),
    ("Quota Expired", QUOTA),
    ("User Arrears", QUOTA),
    ("Expiry of Authorization", QUOTA),
    ("Unauthorized", AUTH),
    ("Invalid AppCode", AUTH),
    ("Invalid AppKey", AUTH),
    ("Invalid Signature", AUTH),
    ("Empty Signature", AUTH),
    ("Nonce Used", AUTH),
    ("Invalid Nonce", AUTH),
    ("Timestamp Expired", AUTH),
    ("Invalid Timestamp", AUTH),
    ("Invalid Content-MD5", AUTH),
    ("Throttled by", THROTTLED),
    ("Invalid Url", NOT_FOUND),
    ("API Not Found", NOT_FOUND),
    ("Invalid Domain", NOT_FOUND),
    ("Request body too Large", TOO_LARGE),
    ("Request URL too Large", TOO_LARGE),
    ("Internal Error", UNAVAILABLE),
    ("Failed To Invoke Backend Service", UNAVAILABLE),
    ("Service Unavailable", UNAVAILABLE),
    ("Async Service", BACKEND_TIMEOUT),
    ("Backend service request timeout", BACKEND_TIMEOUT),
];

fn rule_for_message(message: &str) -> Option<Rule> {
    MESSAGE_RULES
        .iter()
        .find(|(prefix, _)| starts_with_ignore_case(message, prefix))
        .map(|&(_, rule)| rule)
}

/// An unknown gateway answer: [`ErrorKind::VendorFault`], except that the status still says
/// "throttled" (429), "did no work" (503) or "may have processed" (504).
fn rule_for_status(status: u16) -> Rule {
    match status {
        429 => THROTTLED,
        504 => BACKEND_TIMEOUT,
        _ => UNAVAILABLE,
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle` (ASCII) in `text`.
fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// Keeps the gateway's text minus anything that can carry request data or credentials.
fn redact(raw: &str) -> String {
    let mut text: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // `Invalid Signature, Server StringToSign:`…`` echoes the request's parameters.
    if starts_with_ignore_case(&text, "Invalid Signature")
        && text["Invalid Signature".len()..].starts_with([',', ':', ' '])
        && !starts_with_ignore_case(&text, "Invalid Signature Method")
    {
        return "Invalid Signature".to_string();
    }
    // `Invalid AppCode` is followed by the reason (`not exists`); anything else is dropped.
    if starts_with_ignore_case(&text, "Invalid AppCode")
        && !text["Invalid AppCode".len()..]
            .trim()
            .eq_ignore_ascii_case("`not exists`")
    {
        return "Invalid AppCode".to_string();
    }
    // Any other StringToSign echo, or an `APPCODE <code>` credential echo (the
    // `Authorization` value, upper case): cut it off.
    let cut = [
        find_ignore_case(&text, "StringToSign"),
        text.find("APPCODE "),
    ];
    if let Some(at) = cut.into_iter().flatten().min() {
        text.truncate(at);
        let kept = text.trim_end_matches([' ', ',', ':', ';']).len();
        text.truncate(kept);
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str("(redacted)");
    }
    truncate_chars(&drop_query_strings(&text), MAX_MESSAGE_CHARS)
}

/// Removes every `?…` up to the next backtick, quote, whitespace or the end (`API not found
/// with `GET /x?idcard=…`` keeps the path, never the parameters).
fn drop_query_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_query = false;
    for c in text.chars() {
        if in_query {
            if c == '`' || c == '"' || c == '\'' || c.is_whitespace() {
                in_query = false;
                out.push(c);
            }
        } else if c == '?' {
            in_query = true;
        } else {
            out.push(c);
        }
    }
    out
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::RetrySafety::{self, ElsewhereOnly, Never};
    use ErrorKind::*;

    /// The `Retry-After` every failure below comes with.
    const AFTER: Duration = Duration::from_secs(9);
    /// Transient, repeated on the backoff alone (the `Retry-After` is not the point).
    const SAFE: RetrySafety = RetrySafety::Transient { retry_after: None };
    /// Transient, and the gateway asks to wait: `Retry-After` honoured.
    const WAIT: RetrySafety = RetrySafety::Transient {
        retry_after: Some(AFTER),
    };

    /// The retry safety of a gateway failure read with a `Retry-After` of [`AFTER`].
    fn safety(mut f: GatewayFailure) -> RetrySafety {
        f.retry_after = Some(AFTER);
        into_error(f, "tel3", None).retry_safety()
    }

    /// One gateway answer (empty body) → kind, retry safety, whether the vendor may have
    /// processed it, and whether it was recognized.
    #[track_caller]
    fn check(
        status: u16,
        code: Option<&str>,
        message: Option<&str>,
        kind: ErrorKind,
        retry: RetrySafety,
        processed: bool,
    ) {
        let f = gateway_failure(status, code, message, true)
            .unwrap_or_else(|| panic!("not a gateway failure: {status} {code:?} {message:?}"));
        assert_eq!(
            (
                f.kind,
                safety(f.clone()),
                f.vendor_may_have_processed,
                f.status
            ),
            (kind, retry, processed, status),
            "{status} {code:?} {message:?}"
        );
        assert_eq!(f.code.as_deref(), code);
        assert!(f.recognized, "{status} {code:?} {message:?}");
        assert_eq!(f.retry_after, None);
        let e = into_error(f, "tel3", Some("req-1"));
        assert_eq!(e.kind(), kind);
        assert_eq!(e.billing(), Billing::NotBilled);
        assert_eq!(e.vendor(), Some("tel3"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert!(e.vendor_code().is_some());
    }

    #[test]
    #[rustfmt::skip]
    fn table_rows() {
        let m = Some;
        // Quota and account.
        check(403, None, m("Quota Exhausted"), QuotaExhausted, SAFE, false);
        check(403, None, m("Api Market Subscription quota exhausted"), QuotaExhausted, SAFE, false);
        check(403, Some("B403MQ"), m("Api Market Subscription quota exhausted"), QuotaExhausted, SAFE, false);
        check(403, Some("B403MQ"), None, QuotaExhausted, SAFE, false);
        check(403, None, m("Quota Expired"), QuotaExhausted, SAFE, false);
        check(403, Some("B403ME"), m("Quota Expired"), QuotaExhausted, SAFE, false);
        check(403, None, m("User Arrears"), QuotaExhausted, SAFE, false);
        check(403, None, m("Expiry of Authorization"), QuotaExhausted, SAFE, false);
        // Authentication and signature.
        check(403, None, m("Unauthorized"), Unauthorized, ElsewhereOnly, false);
        check(403, Some("I403AA"), m("Unauthorized"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Invalid AppCode `not exists`"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Invalid AppCode"), Unauthorized, ElsewhereOnly, false);
        check(400, Some("A400AC"), m("Invalid AppCode `not exists`"), Unauthorized, ElsewhereOnly, false);
        check(401, Some("A401AC"), m("Invalid AppCode"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Invalid AppKey"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Invalid Signature, Server StringToSign:`GET#a`"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Nonce Used"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Timestamp Expired"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Invalid Timestamp"), Unauthorized, ElsewhereOnly, false);
        check(400, None, m("Invalid Content-MD5"), Unauthorized, ElsewhereOnly, false);
        check(401, None, m("Empty Signature"), Unauthorized, ElsewhereOnly, false);
        // Throttling.
        check(403, None, m("Throttled by USER Flow Control"), Throttled, WAIT, false);
        check(403, None, m("Throttled by APP Flow Control"), Throttled, WAIT, false);
        check(403, None, m("Throttled by API Flow Control"), Throttled, WAIT, false);
        check(403, None, m("Throttled by DOMAIN Flow Control"), Throttled, WAIT, false);
        check(403, None, m("Throttled by GROUP Flow Control"), Throttled, WAIT, false);
        check(429, Some("T429ID"), m("Throttled by APP Flow Control"), Throttled, WAIT, false);
        check(429, Some("T429SR"), None, Throttled, WAIT, false);
        // Not found: a configuration error.
        check(400, None, m("Invalid Url"), VendorFault, ElsewhereOnly, false);
        check(404, None, m("API Not Found"), VendorFault, ElsewhereOnly, false);
        check(404, None, m("Invalid Domain"), VendorFault, ElsewhereOnly, false);
        check(404, Some("I404NF"), m("API not found with `GET /x`"), VendorFault, ElsewhereOnly, false);
        // Too large.
        check(413, Some("I413RL"), m("Request body too Large"), InvalidInput, Never, false);
        check(413, Some("I413UL"), m("Request URL too Large"), InvalidInput, Never, false);
        check(413, None, m("Request body too Large"), InvalidInput, Never, false);
        // Unavailable: 503 is safe after a delay, 500/502 are not retried.
        check(500, None, m("Internal Error"), VendorFault, ElsewhereOnly, false);
        check(502, None, m("Failed To Invoke Backend Service"), VendorFault, ElsewhereOnly, false);
        check(503, None, m("Service Unavailable"), VendorFault, WAIT, false);
        check(503, None, m("Internal Error"), VendorFault, WAIT, false);
        // Backend timeout: the vendor may have processed it.
        check(504, None, m("Async Service"), VendorFault, ElsewhereOnly, true);
        check(504, Some("D504TO"), m("Backend service request timeout"), VendorFault, ElsewhereOnly, true);
    }

    #[test]
    fn invalid_appcode_is_matched_by_prefix() {
        let f = gateway_failure(400, None, Some("Invalid AppCode `not exists`"), true).unwrap();
        assert_eq!(f.kind, Unauthorized);
        assert_eq!(f.message, "Invalid AppCode `not exists`");
        let f = gateway_failure(400, None, Some("invalid appcode"), true).unwrap();
        assert_eq!(f.kind, Unauthorized);
        // Any other reason text could echo the credential: dropped.
        let f =
            gateway_failure(400, None, Some("Invalid AppCode `0123456789abcdef`"), true).unwrap();
        assert_eq!(f.message, "Invalid AppCode");
    }

    #[test]
    fn gateway_or_vendor() {
        // Code header: the gateway's, even with a body.
        assert!(gateway_failure(403, Some("B403MQ"), None, false).is_some());
        // Message header only: the gateway's only with an empty body.
        assert!(gateway_failure(403, None, Some("Quota Exhausted"), true).is_some());
        assert!(gateway_failure(403, None, Some("Quota Exhausted"), false).is_none());
        // Blank headers count as absent.
        assert!(gateway_failure(403, Some(" "), Some(""), true).is_none());
        assert!(gateway_failure(403, Some(""), Some("Unauthorized"), false).is_none());
        // Vendor answers, whatever the status.
        assert!(gateway_failure(666, None, None, false).is_none()); // {"code":"201",…}
        assert!(gateway_failure(403, None, None, false).is_none()); // 403 with a JSON body
        assert!(gateway_failure(200, None, None, false).is_none());
        assert!(gateway_failure(450, None, None, false).is_none());
        assert!(gateway_failure(500, None, None, true).is_none());
    }

    #[test]
    fn signature_echo_is_never_kept() {
        let echo = "Invalid Signature, Server StringToSign:`GET#application/json###\
                    #/phone3?idcard=11010519491231002X&mobile=13800138000&name=张三`";
        for code in [None, Some("A400IS")] {
            let f = gateway_failure(400, code, Some(echo), true).unwrap();
            assert_eq!(f.message, "Invalid Signature");
            let e = into_error(f, "tel3", None);
            let shown = format!("{e} {e:?}");
            for secret in ["11010519491231002X", "13800138000", "张三", "StringToSign"] {
                assert!(!shown.contains(secret), "{shown}");
            }
            assert!(!e.vendor_code().unwrap_or("").contains("StringToSign"));
        }
        // Without a code the vendor code is the redacted message.
        let e = into_error(
            gateway_failure(400, None, Some(echo), true).unwrap(),
            "tel3",
            None,
        );
        assert_eq!(e.vendor_code(), Some("Invalid Signature"));
        // The mock's own text for an unsupported method is kept.
        let f = gateway_failure(400, None, Some("Invalid Signature Method"), true).unwrap();
        assert_eq!(f.message, "Invalid Signature Method");
        // Any other StringToSign echo is cut off too.
        let f = gateway_failure(
            400,
            None,
            Some("Sign mismatch; StringToSign: GET#/a?mobile=1"),
            true,
        )
        .unwrap();
        assert_eq!(f.message, "Sign mismatch (redacted)");
    }

    #[test]
    fn query_strings_and_long_texts_are_dropped() {
        let f = gateway_failure(
            404,
            Some("I404NF"),
            Some("API not found with `GET /phone3?mobile=13800138000&name=x`"),
            true,
        )
        .unwrap();
        assert_eq!(f.message, "API not found with `GET /phone3`");
        let long = "x".repeat(500);
        let f = gateway_failure(500, None, Some(&long), true).unwrap();
        assert_eq!(f.message.chars().count(), MAX_MESSAGE_CHARS + 1);
        let f = gateway_failure(400, None, Some("Bad\r\nHeader"), true).unwrap();
        assert_eq!(f.message, "Bad  Header");
        let f = gateway_failure(
            400,
            None,
            Some("Invalid Header `Authorization` APPCODE abc"),
            true,
        )
        .unwrap();
        assert_eq!(f.message, "Invalid Header `Authorization` (redacted)");
    }

    #[test]
    fn unknown_gateway_answers_are_kept_raw() {
        let f = gateway_failure(
            400,
            Some("I400MH"),
            Some("Header `X-Ca-Stage` is Required"),
            true,
        )
        .unwrap();
        assert_eq!(
            (f.kind, safety(f.clone()), f.recognized),
            (VendorFault, ElsewhereOnly, false)
        );
        assert_eq!(f.code.as_deref(), Some("I400MH"));
        assert_eq!(f.message, "Header `X-Ca-Stage` is Required");
        let e = into_error(f, "sjsys", None);
        assert_eq!(e.vendor_code(), Some("I400MH"));
        assert_eq!(e.message(), "Header `X-Ca-Stage` is Required");
        // Without a code, the message is the vendor code.
        let e = into_error(
            gateway_failure(418, None, Some("Teapot"), true).unwrap(),
            "sjsys",
            None,
        );
        assert_eq!(e.vendor_code(), Some("Teapot"));
        // The status still tells throttling, "no work done" and "may have processed".
        let f = gateway_failure(429, Some("X429ZZ"), None, true).unwrap();
        assert_eq!(
            (f.kind, safety(f.clone()), f.recognized),
            (Throttled, WAIT, false)
        );
        assert_eq!(f.message, "gateway error (HTTP 429)");
        let f = gateway_failure(503, Some("S503XX"), None, true).unwrap();
        assert_eq!((f.kind, safety(f)), (VendorFault, WAIT));
        let f = gateway_failure(504, Some("D504XX"), None, true).unwrap();
        assert_eq!(
            (f.kind, safety(f.clone()), f.vendor_may_have_processed),
            (VendorFault, ElsewhereOnly, true)
        );
    }

    #[test]
    fn only_a_vendor_fault_503_without_work_becomes_transient() {
        let at_503 = |message| safety(gateway_failure(503, None, Some(message), true).unwrap());
        assert_eq!(at_503("Service Unavailable"), WAIT);
        assert_eq!(at_503("Quota Exhausted"), SAFE);
        assert_eq!(at_503("Throttled by API Flow Control"), WAIT);
        assert_eq!(at_503("Unauthorized"), ElsewhereOnly);
        assert_eq!(at_503("Request body too Large"), Never);
        assert_eq!(at_503("Async Service"), ElsewhereOnly);
    }

    #[test]
    fn codes_win_over_messages() {
        let f = gateway_failure(403, Some("B403MQ"), Some("Unauthorized"), true).unwrap();
        assert_eq!(f.kind, QuotaExhausted);
        let f = gateway_failure(403, Some("b403mq"), None, true).unwrap();
        assert_eq!(f.kind, QuotaExhausted);
        let long = "C".repeat(100);
        let f = gateway_failure(500, Some(&long), None, true).unwrap();
        assert_eq!(f.code.unwrap().chars().count(), MAX_CODE_CHARS + 1);
    }

    #[test]
    fn billing() {
        for (status, billed) in [
            (199, false),
            (200, true),
            (204, true),
            (299, true),
            (300, false),
        ] {
            assert_eq!(billing_of(status), Billing::of(billed), "{status}");
        }
        for status in [400, 403, 450, 500, 503, 504, 666] {
            assert_eq!(billing_of(status), Billing::NotBilled, "{status}");
        }
    }
}
