//! The answer, decoded: the wire format ([`Answer`], [`Data`]), the vendor's error-code table
//! ([`CATALOGUE`]) and [`decode`] / [`decode_parts`], which turn every answer into a
//! [`Verification`] or a typed [`Error`].
//!
//! # How an answer maps
//!
//! | answer | result |
//! | --- | --- |
//! | `code` `10000`, `data.state` `"1"` (验证一致) | [`Verdict::Match`] |
//! | `code` `10000`, `data.state` `"2"` (验证不一致) | [`Verdict::Mismatch`] |
//! | `code` `10000`, `data.state` `"3"` (异常情况) | [`Verdict::NoRecord`], detail [`DETAIL_ABNORMAL`] |
//! | `code` `10000`, `data` `null` (the page's 失败返回示例) | [`ErrorKind::VendorFault`]: no result |
//! | `code` `10000`, another `data.state` | [`ErrorKind::VendorFault`] keeping code and message |
//! | `code` `10001` (查询无结果) | [`Verdict::NoRecord`], detail [`DETAIL_NO_RESULT`] |
//! | `code` `10002`–`10020` | the error kind of its [`CATALOGUE`] row |
//! | any other `code` | [`ErrorKind::VendorFault`] keeping code and message |
//! | not JSON, truncated, no `code`, or a field of the wrong type | [`ErrorKind::MalformedAnswer`] naming the field path |
//!
//! Billing is the marketplace's rule (HTTP 200–299): the vendor answers every code with HTTP
//! 200 (**assumed**, vendor-apis.md), so its refusals are billed too — errors say so with
//! [`Billing::Billed`](shiming_core::Billing::Billed).
//!
//! # Tolerance
//!
//! The page shows `code` and `data.state` as strings; numbers (and booleans) are accepted too
//! and compared as text (`"1"`, `1` and `1.0` are the same). Unknown fields are ignored, `data`
//! may be absent or `null`.
//!
//! # What a verification holds
//!
//! `vendor_code` is `code`, `vendor_message` is `message`, `detail` the finer reason of a
//! [`Verdict::NoRecord`], `vendor_reference` is `seqNo`, and `extras` keep `state` as sent. The
//! API names no carrier and echoes no personal data.

use serde::Deserialize;
use shiming_core::{Billing, Error, ErrorKind, Verdict, Verification};
use shiming_gateway::ApiResponse;
use shiming_vendor_kit::{replay, scrub, Call};

use crate::VENDOR;

/// [`Verification::detail`] of `data.state` `"3"` 异常情况: the carrier check could not be
/// completed (e.g. a virtual-operator number).
///
/// ```
/// assert_eq!(shiming_sjsys::response::DETAIL_ABNORMAL, "abnormal");
/// ```
pub const DETAIL_ABNORMAL: &str = "abnormal";

/// [`Verification::detail`] of code `10001` 查询无结果: the vendor found nothing to check
/// against.
///
/// ```
/// assert_eq!(shiming_sjsys::response::DETAIL_NO_RESULT, "no_result");
/// ```
pub const DETAIL_NO_RESULT: &str = "no_result";

/// The answer's top level, as the page's examples show it.
///
/// ```
/// let a: shiming_sjsys::response::Answer = serde_json::from_str(
///     r#"{"code":"10000","message":"成功","data":{"state":"1"},"seqNo":"4XU29Z4D1704061618"}"#,
/// ).unwrap();
/// assert_eq!(a.data.unwrap().state.as_deref(), Some("1"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Answer {
    /// `code` (error_code): `10000` 成功, `10001`–`10020` the catalogue.
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub code: Option<String>,
    /// `message` (说明).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub message: Option<String>,
    /// `data`; `null` on errors (and in the page's failure example).
    #[serde(default, deserialize_with = "shiming_vendor_kit::object_or_null")]
    pub data: Option<Data>,
    /// `seqNo` (序号): the vendor's reference for support ("如有接口问题, 请提供此值").
    #[serde(
        default,
        rename = "seqNo",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub seq_no: Option<String>,
}

/// The `data` object.
///
/// ```
/// let d: shiming_sjsys::response::Data = serde_json::from_str(r#"{"state":2}"#).unwrap();
/// assert_eq!(d.state.as_deref(), Some("2"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Data {
    /// `state`: `"1"` 验证一致, `"2"` 验证不一致, `"3"` 异常情况.
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub state: Option<String>,
}

/// What a catalogued code means: a verdict, or an error of some kind.
///
/// ```
/// use shiming_sjsys::response::Outcome;
/// assert_ne!(Outcome::Verdict(shiming_core::Verdict::NoRecord), Outcome::Error(shiming_core::ErrorKind::VendorFault));
/// ```
pub use shiming_core::Outcome;

/// One documented value of the vendor's answer and what it means.
///
/// ```
/// use shiming_sjsys::response::CATALOGUE;
/// let row = CATALOGUE.iter().find(|e| e.value == "10009").unwrap();
/// assert_eq!((row.field, row.text), ("code", "余额不足，请充值"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The field that carries it: `data.state` (with code `10000`) or `code`.
    pub field: &'static str,
    /// The value, as text.
    pub value: &'static str,
    /// The page's text for it (说明).
    pub text: &'static str,
    /// What it becomes.
    pub outcome: Outcome,
    /// For verdicts, the finer reason kept in [`Verification::detail`].
    pub detail: Option<&'static str>,
    /// A short English meaning (used in error messages).
    pub meaning: &'static str,
}

const fn verdict(
    field: &'static str,
    value: &'static str,
    text: &'static str,
    verdict: Verdict,
    detail: Option<&'static str>,
    meaning: &'static str,
) -> CatalogueEntry {
    CatalogueEntry {
        field,
        value,
        text,
        outcome: Outcome::Verdict(verdict),
        detail,
        meaning,
    }
}

const fn error(
    value: &'static str,
    text: &'static str,
    kind: ErrorKind,
    meaning: &'static str,
) -> CatalogueEntry {
    CatalogueEntry {
        field: "code",
        value,
        text,
        outcome: Outcome::Error(kind),
        detail: None,
        meaning,
    }
}

/// Every documented `data.state` and `code`, with what it becomes. The page gives only the
/// Chinese 说明 of each code; the error kinds are this adapter's reading of them: account and
/// permission → [`ErrorKind::Unauthorized`], balance and call count →
/// [`ErrorKind::QuotaExhausted`], "busy" and "same parameters too often" →
/// [`ErrorKind::Throttled`], request errors → [`ErrorKind::InvalidInput`], timeouts, system
/// errors and the disabled API → [`ErrorKind::VendorFault`]. Access restrictions (`10011`)
/// count as [`ErrorKind::Unauthorized`], not throttling: nothing says waiting helps, and every
/// repeat is billed.
///
/// ```
/// use shiming_core::ErrorKind;
/// use shiming_sjsys::response::{Outcome, CATALOGUE};
/// let row = CATALOGUE.iter().find(|e| e.value == "10007").unwrap();
/// assert_eq!(row.outcome, Outcome::Error(ErrorKind::InvalidInput));
/// ```
#[rustfmt::skip]
pub const CATALOGUE: &[CatalogueEntry] = &[
    verdict("data.state", "1", "验证一致", Verdict::Match, None, "name, ID number and mobile belong together"),
    verdict("data.state", "2", "验证不一致", Verdict::Mismatch, None, "the carrier's record of the mobile does not match the name and ID number"),
    verdict("data.state", "3", "异常情况", Verdict::NoRecord, Some(DETAIL_ABNORMAL), "the carrier check could not be completed (e.g. a virtual-operator number)"),
    error("10000", "成功", ErrorKind::VendorFault, "success code but no data.state: nothing was verified"),
    verdict("code", "10001", "查询无结果", Verdict::NoRecord, Some(DETAIL_NO_RESULT), "no record to check against"),
    error("10002", "请求报文解析错误", ErrorKind::InvalidInput, "the vendor could not parse the request (e.g. text not in UTF-8)"),
    error("10003", "请求报文错误", ErrorKind::InvalidInput, "the vendor refused the request (e.g. a field is missing)"),
    error("10004", "请求报文格式有误", ErrorKind::InvalidInput, "a field has a format the vendor refuses (ID number or name)"),
    error("10005", "用户验证失败", ErrorKind::Unauthorized, "the vendor did not accept the caller"),
    error("10006", "权限不足", ErrorKind::Unauthorized, "the caller may not use this API"),
    error("10007", "手机号码错误", ErrorKind::InvalidInput, "the vendor refused the mobile number"),
    error("10008", "请求报文错误", ErrorKind::InvalidInput, "the vendor refused the request"),
    error("10009", "余额不足，请充值", ErrorKind::QuotaExhausted, "the balance at the vendor is used up"),
    error("10010", "调用次数不足", ErrorKind::QuotaExhausted, "no calls left"),
    error("10011", "访问受限", ErrorKind::Unauthorized, "access is restricted for this caller"),
    error("10012", "连接超时", ErrorKind::VendorFault, "the vendor's upstream timed out"),
    error("10013", "该接口已停用", ErrorKind::VendorFault, "the API is disabled"),
    error("10014", "该用户已停用", ErrorKind::Unauthorized, "the caller's account is disabled"),
    error("10015", "系统错误", ErrorKind::VendorFault, "system error at the vendor"),
    error("10016", "系统异常", ErrorKind::VendorFault, "system failure at the vendor"),
    error("10017", "系统繁忙", ErrorKind::Throttled, "the vendor is busy: try later"),
    error("10018", "其他异常", ErrorKind::VendorFault, "other failure at the vendor"),
    error("10019", "同一参数请求次数超限", ErrorKind::Throttled, "the same parameters were checked too often"),
    error("10020", "接口调用失败", ErrorKind::VendorFault, "the call failed at the vendor"),
];

/// The code of a verdict.
const SUCCESS: &str = "10000";

/// Decodes the gateway's answer (see the [module documentation](self)).
///
/// # Errors
///
/// Every answer without a verdict, as a typed [`Error`] with the call's billing and request id.
///
/// ```
/// # fn demo(r: &shiming_gateway::ApiResponse) -> Result<(), shiming_core::Error> {
/// let verification = shiming_sjsys::response::decode(r)?;
/// println!("{} (billed: {})", verification.verdict, verification.billing);
/// # Ok(()) }
/// ```
pub fn decode(response: &ApiResponse) -> Result<Verification, Error> {
    let call = Call::of(VENDOR, response);
    let answer = shiming_vendor_kit::decode_json::<Answer>(response, VENDOR)
        .map_err(|e| call.error_noting_status(ErrorKind::MalformedAnswer, e.message(), None))?;
    let Some(code) = answer.code.as_deref() else {
        return Err(call.error_noting_status(ErrorKind::MalformedAnswer, "code: missing", None));
    };
    let message = answer.message.as_deref();
    let state = answer.data.as_ref().and_then(|d| d.state.as_deref());
    let entry = match (code.trim(), state) {
        (SUCCESS, Some(state)) => lookup("data.state", state).ok_or_else(|| {
            let text = format!(
                "unknown data.state {} ({})",
                scrub(state),
                code_and_message(code, message)
            );
            call.error_noting_status(ErrorKind::VendorFault, text, Some(code))
        })?,
        (code_text, _) => match lookup("code", code_text) {
            Some(entry) => entry,
            None => {
                let text = format!(
                    "unknown answer without a result ({})",
                    code_and_message(code, message)
                );
                return Err(call.error_noting_status(ErrorKind::VendorFault, text, Some(code)));
            }
        },
    };
    match entry.outcome {
        Outcome::Verdict(verdict) => {
            let mut verification = call.verification(verdict).with_vendor_code(code);
            if let Some(message) = message {
                verification = verification.with_vendor_message(scrub(message));
            }
            if let Some(detail) = entry.detail {
                verification = verification.with_detail(detail);
            }
            if let Some(seq_no) = &answer.seq_no {
                verification = verification.with_vendor_reference(seq_no.as_str());
            }
            if let Some(state) = state {
                verification = verification.with_extra("state", state);
            }
            Ok(verification)
        }
        Outcome::Error(kind) => {
            let text = format!("{} ({})", entry.meaning, code_and_message(code, message));
            Err(call.error_noting_status(kind, text, Some(code)))
        }
    }
}

/// [`decode`] from the parts of an answer: HTTP status, body, whether the marketplace billed
/// it (its `Billing`) and the `X-Ca-Request-Id`.
///
/// # Errors
///
/// As [`decode`].
///
/// ```
/// use http::StatusCode;
/// use shiming_core::{Billing, ErrorKind, Verdict};
/// use shiming_sjsys::response::decode_parts;
///
/// let body = r#"{"code":"10000","message":"成功","data":{"state":"1"},"seqNo":"4XU29Z4D1704061618"}"#;
/// let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, Some("req-1")).unwrap();
/// assert_eq!((v.verdict, v.billing), (Verdict::Match, Billing::Billed));
/// assert_eq!(v.vendor_reference.as_deref(), Some("4XU29Z4D1704061618"));
///
/// // The page's failure example: code 10000 without data is an error, and it was billed.
/// let body = r#"{"code":"10000","message":"成功","data":null,"seqNo":"4XU29Z4D1704061618"}"#;
/// let e = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None).unwrap_err();
/// assert_eq!((e.kind(), e.billing()), (ErrorKind::VendorFault, Billing::Billed));
/// ```
pub fn decode_parts(
    status: http::StatusCode,
    body: &[u8],
    billing: Billing,
    request_id: Option<&str>,
) -> Result<Verification, Error> {
    decode(&replay(status, body, billing, request_id))
}

/// The [`CATALOGUE`] entry for `value` (surrounding whitespace ignored) of `field`
/// (`data.state` or `code`), if documented.
///
/// ```
/// use shiming_sjsys::response::{lookup, Outcome};
/// let e = lookup("data.state", " 2 ").unwrap();
/// assert_eq!(e.outcome, Outcome::Verdict(shiming_core::Verdict::Mismatch));
/// assert!(lookup("code", "no such code").is_none());
/// ```
#[must_use]
pub fn lookup(field: &str, value: &str) -> Option<&'static CatalogueEntry> {
    let value = value.trim();
    CATALOGUE
        .iter()
        .find(|e| e.field == field && e.value == value)
}

/// `code 10007: 手机号码错误` with both values cleaned.
fn code_and_message(code: &str, message: Option<&str>) -> String {
    match message {
        Some(message) => format!("code {}: {}", scrub(code), scrub(message)),
        None => format!("code {}", scrub(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use shiming_core::Billing;

    /// Seed 002, as printed: the state values of 返回参数说明 and the 错误码参照 table.
    const SEED_STATES: [(&str, &str); 3] =
        [("1", "验证一致"), ("2", "验证不一致"), ("3", "异常情况")];
    const SEED_CODES: [(&str, &str); 21] = [
        ("10000", "成功"),
        ("10001", "查询无结果"),
        ("10002", "请求报文解析错误"),
        ("10003", "请求报文错误"),
        ("10004", "请求报文格式有误"),
        ("10005", "用户验证失败"),
        ("10006", "权限不足"),
        ("10007", "手机号码错误"),
        ("10008", "请求报文错误"),
        ("10009", "余额不足，请充值"),
        ("10010", "调用次数不足"),
        ("10011", "访问受限"),
        ("10012", "连接超时"),
        ("10013", "该接口已停用"),
        ("10014", "该用户已停用"),
        ("10015", "系统错误"),
        ("10016", "系统异常"),
        ("10017", "系统繁忙"),
        ("10018", "其他异常"),
        ("10019", "同一参数请求次数超限"),
        ("10020", "接口调用失败"),
    ];

    #[test]
    fn every_documented_code_is_catalogued_once() {
        for (value, text) in SEED_STATES {
            let entry = lookup("data.state", value).unwrap();
            assert_eq!(entry.text, text);
            assert!(matches!(entry.outcome, Outcome::Verdict(_)), "{entry:?}");
        }
        for (value, text) in SEED_CODES {
            assert_eq!(lookup("code", value).map(|e| e.text), Some(text), "{value}");
        }
        assert_eq!(CATALOGUE.len(), SEED_STATES.len() + SEED_CODES.len());
        let mut keys = std::collections::HashSet::new();
        for entry in CATALOGUE {
            assert!(keys.insert((entry.field, entry.value)), "{entry:?} twice");
            assert!(!entry.meaning.is_empty());
            // Details belong to verdicts only.
            if entry.detail.is_some() {
                assert!(matches!(entry.outcome, Outcome::Verdict(_)), "{entry:?}");
            }
        }
    }

    /// The mapping, spelled out: a change to it must change this test too.
    #[test]
    fn kinds_of_the_error_codes() {
        use ErrorKind::*;
        let expected = [
            ("10000", VendorFault),
            ("10002", InvalidInput),
            ("10003", InvalidInput),
            ("10004", InvalidInput),
            ("10005", Unauthorized),
            ("10006", Unauthorized),
            ("10007", InvalidInput),
            ("10008", InvalidInput),
            ("10009", QuotaExhausted),
            ("10010", QuotaExhausted),
            ("10011", Unauthorized),
            ("10012", VendorFault),
            ("10013", VendorFault),
            ("10014", Unauthorized),
            ("10015", VendorFault),
            ("10016", VendorFault),
            ("10017", Throttled),
            ("10018", VendorFault),
            ("10019", Throttled),
            ("10020", VendorFault),
        ];
        for (code, kind) in expected {
            assert_eq!(
                lookup("code", code).map(|e| e.outcome),
                Some(Outcome::Error(kind)),
                "{code}"
            );
        }
        assert_eq!(
            lookup("code", "10001").map(|e| (e.outcome, e.detail)),
            Some((Outcome::Verdict(Verdict::NoRecord), Some(DETAIL_NO_RESULT)))
        );
    }

    /// Every catalogue entry decodes as it says.
    #[test]
    fn the_catalogue_is_what_decode_does() {
        for entry in CATALOGUE {
            let body = match entry.field {
                "data.state" => format!(
                    r#"{{"code":"10000","message":"成功","data":{{"state":"{}"}},"seqNo":"S"}}"#,
                    entry.value
                ),
                _ => format!(
                    r#"{{"code":"{}","message":"{}","data":null,"seqNo":"S"}}"#,
                    entry.value, entry.text
                ),
            };
            let decoded = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None);
            match (entry.outcome, decoded) {
                (Outcome::Verdict(verdict), Ok(v)) => {
                    assert_eq!((v.verdict, v.detail.as_deref()), (verdict, entry.detail));
                    assert_eq!(v.billing, Billing::Billed);
                }
                (Outcome::Error(kind), Err(e)) => {
                    assert_eq!(
                        (e.kind(), e.billing()),
                        (kind, Billing::Billed),
                        "{entry:?}"
                    );
                    assert_eq!(e.vendor_code(), Some(entry.value));
                    assert!(e.message().contains(entry.text), "{}", e.message());
                    assert!(e.message().contains(entry.meaning), "{}", e.message());
                }
                (outcome, decoded) => panic!("{outcome:?} decoded as {decoded:?}"),
            }
        }
    }

    #[test]
    fn a_verdicts_vendor_message_is_scrubbed() {
        let body = r#"{"code":"10000","message":"成功 13957120001\t","data":{"state":"2"}}"#;
        let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None).unwrap();
        assert_eq!(v.vendor_message.as_deref(), Some("成功 ***********"));
        assert!(!format!("{v:?}").contains("13957120001"));
    }
}
