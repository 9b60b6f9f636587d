//! The answer: one flat JSON object (seed 004, 返回示例)
//!
//! ```text
//! {"status":"01","msg":"实名认证通过","idCard":"51*****1111","mobile":"18*****000",
//!  "mobileType":"联通","name":"张*","traceId":"20201208001535_9a45ph_5e392391"}
//! ```
//!
//! and how every documented `status` becomes a [`Verification`] or an [`Error`]
//! ([`CATALOGUE`]):
//!
//! | status | msg | outcome | detail |
//! | --- | --- | --- | --- |
//! | `01` | 实名认证通过 | Match | |
//! | `02` | 实名认证不通过 | Mismatch | |
//! | `202` | 无法验证 | NoRecord | `cannot_verify` |
//! | `203` | 异常情况 | NoRecord | `virtual_operator_or_checked_too_often` |
//! | `204` | 姓名错误 | InvalidInput (billed) | field `name` |
//! | `205` | 身份证号错误 | InvalidInput (billed) | field `id_card` |
//! | `206` | 电话号码错误 | InvalidInput (billed) | field `mobile` |
//! | `207` | 不支持当前号段 | NoRecord | `unsupported_segment` |
//!
//! Any other status is [`ErrorKind::VendorFault`] keeping the raw status and message.
//! Billing always comes from the HTTP status (`billed`): every documented status is
//! **assumed** to come with HTTP 200, so all of them are charged, input errors included.
//!
//! **Tolerance** (the seed shows one example of each shape and nothing more): unknown fields
//! are ignored; every field may be absent or `null`; `status` and the other fields may be
//! strings or numbers (a numeric `status` `1`/`2` is read as `01`/`02`, the seed's two-digit
//! form); `mobileType` may be `移动` or `中国移动`, and is empty when the carrier is unknown.
//! The masked echoes (`idCard`, `mobile`, `name`) are kept in [`Verification::extras`] only if
//! they are really masked (contain `*` and show no more characters than shiming-core's own mask
//! would, [`shiming_vendor_kit::echo_is_masked`]), so that an unmasked echo — or a full
//! value with a `*` added — never travels further.

use std::fmt;

use http::StatusCode;
use serde::Deserialize;
use shiming_core::{mask, Billing, Carrier, Error, ErrorKind, Verdict, Verification};
use shiming_gateway::ApiResponse;
use shiming_vendor_kit::{echo_is_masked, replay, scrub, vendor_reference, Call, Masker};

use crate::VENDOR;

/// The vendor's answer as sent. Every field is optional; see the module docs for what is
/// tolerated. `Debug` shows echoes only if they are masked.
///
/// ```
/// let a: shiming_phonethird::response::Answer =
///     serde_json::from_str(r#"{"status":"01","msg":"实名认证通过","mobileType":"联通","extra":1}"#).unwrap();
/// assert_eq!(a.status.as_deref(), Some("01"));
/// assert_eq!(a.mobile_type.as_deref(), Some("联通"));
/// let n: shiming_phonethird::response::Answer = serde_json::from_str(r#"{"status":202,"traceId":null}"#).unwrap();
/// assert_eq!(n.status.as_deref(), Some("202"));
/// ```
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Answer {
    /// `01`, `02`, `202`…`207` (a number is kept in decimal).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub status: Option<String>,
    /// The status text (实名认证通过, …).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub msg: Option<String>,
    /// The ID number, masked by the vendor (`51*****1111`).
    #[serde(
        default,
        rename = "idCard",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub id_card: Option<String>,
    /// The mobile, masked by the vendor (`18*****000`).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub mobile: Option<String>,
    /// The carrier in Chinese (`移动`, `联通`, `电信`, `广电`), empty when unknown.
    #[serde(
        default,
        rename = "mobileType",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub mobile_type: Option<String>,
    /// The name, masked by the vendor (`张*`).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub name: Option<String>,
    /// The vendor's unique id of the call, for support tickets.
    #[serde(
        default,
        rename = "traceId",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub trace_id: Option<String>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn echo(v: &Option<String>, mask_with: Masker) -> Option<&str> {
            v.as_deref()
                .map(|s| kept_echo(s, mask_with).unwrap_or("(hidden)"))
        }
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("msg", &self.msg)
            .field("id_card", &echo(&self.id_card, mask::mask_id))
            .field("mobile", &echo(&self.mobile, mask::mask_mobile))
            .field("mobile_type", &self.mobile_type)
            .field("name", &echo(&self.name, mask::mask_name))
            .field("trace_id", &self.trace_id)
            .finish()
    }
}

/// What a catalogued status means.
///
/// ```
/// use shiming_phonethird::response::{lookup, Outcome};
/// assert_eq!(lookup("02").unwrap().outcome, Outcome::Verdict(shiming_core::Verdict::Mismatch));
/// ```
pub use shiming_core::Outcome;

/// One row of the vendor's status table (seed 004, 外部状态码).
///
/// ```
/// let e = shiming_phonethird::response::lookup("207").unwrap();
/// assert_eq!((e.message, e.detail), ("不支持当前号段", Some("unsupported_segment")));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The `status` as documented (`01`, `202`, …).
    pub status: &'static str,
    /// The documented `msg` (错误信息).
    pub message: &'static str,
    /// What it becomes.
    pub outcome: Outcome,
    /// For verdicts, the finer reason put into [`Verification::detail`]; for input errors,
    /// the refused field (`name`, `id_card`, `mobile`).
    pub detail: Option<&'static str>,
    /// A short English meaning.
    pub meaning: &'static str,
}

/// [`Verification::detail`] of `202` 无法验证.
///
/// ```
/// assert_eq!(shiming_phonethird::response::DETAIL_CANNOT_VERIFY, "cannot_verify");
/// ```
pub const DETAIL_CANNOT_VERIFY: &str = "cannot_verify";

/// [`Verification::detail`] of `203` 异常情况 when the cause is not known: a virtual-operator
/// segment, or the same number checked too often within 24 hours.
///
/// ```
/// assert!(shiming_phonethird::response::DETAIL_ABNORMAL.contains("too_often"));
/// ```
pub const DETAIL_ABNORMAL: &str = "virtual_operator_or_checked_too_often";

/// [`Verification::detail`] of `203` 异常情况 when the client knows the mobile is a
/// virtual-operator (MVNO) number, which the vendor does not support.
///
/// ```
/// assert_eq!(shiming_phonethird::response::DETAIL_VIRTUAL_OPERATOR, "virtual_operator_segment");
/// ```
pub const DETAIL_VIRTUAL_OPERATOR: &str = "virtual_operator_segment";

/// [`Verification::detail`] of `207` 不支持当前号段.
///
/// ```
/// assert_eq!(shiming_phonethird::response::DETAIL_UNSUPPORTED_SEGMENT, "unsupported_segment");
/// ```
pub const DETAIL_UNSUPPORTED_SEGMENT: &str = "unsupported_segment";

/// Every documented status (seed 004, 外部状态码), in the seed's order.
///
/// ```
/// use shiming_phonethird::response::{Outcome, CATALOGUE};
/// assert_eq!(CATALOGUE.len(), 8);
/// assert!(CATALOGUE.iter().any(|e| e.outcome == Outcome::Error(shiming_core::ErrorKind::InvalidInput)));
/// ```
pub const CATALOGUE: &[CatalogueEntry] = &[
    CatalogueEntry {
        status: "01",
        message: "实名认证通过",
        outcome: Outcome::Verdict(Verdict::Match),
        detail: None,
        meaning: "name, ID number and mobile belong together",
    },
    CatalogueEntry {
        status: "02",
        message: "实名认证不通过",
        outcome: Outcome::Verdict(Verdict::Mismatch),
        detail: None,
        meaning: "name, ID number and mobile do not belong together",
    },
    CatalogueEntry {
        status: "202",
        message: "无法验证",
        outcome: Outcome::Verdict(Verdict::NoRecord),
        detail: Some(DETAIL_CANNOT_VERIFY),
        meaning: "the carrier cannot verify",
    },
    CatalogueEntry {
        status: "203",
        message: "异常情况",
        outcome: Outcome::Verdict(Verdict::NoRecord),
        detail: Some(DETAIL_ABNORMAL),
        meaning: "virtual-operator segment, or the same number checked too often within 24 h",
    },
    CatalogueEntry {
        status: "204",
        message: "姓名错误",
        outcome: Outcome::Error(ErrorKind::InvalidInput),
        detail: Some("name"),
        meaning: "the vendor refused the name",
    },
    CatalogueEntry {
        status: "205",
        message: "身份证号错误",
        outcome: Outcome::Error(ErrorKind::InvalidInput),
        detail: Some("id_card"),
        meaning: "the vendor refused the ID number",
    },
    CatalogueEntry {
        status: "206",
        message: "电话号码错误",
        outcome: Outcome::Error(ErrorKind::InvalidInput),
        detail: Some("mobile"),
        meaning: "the vendor refused the mobile",
    },
    CatalogueEntry {
        status: "207",
        message: "不支持当前号段",
        outcome: Outcome::Verdict(Verdict::NoRecord),
        detail: Some(DETAIL_UNSUPPORTED_SEGMENT),
        meaning: "the mobile's number segment is not supported",
    },
];

/// The catalogue row of a `status` as sent (surrounding spaces ignored; `1`/`2` read as
/// `01`/`02`).
///
/// ```
/// use shiming_phonethird::response::lookup;
/// assert_eq!(lookup("01").unwrap().message, "实名认证通过");
/// assert_eq!(lookup("1").unwrap().status, "01");
/// assert!(lookup("999").is_none());
/// ```
#[must_use]
pub fn lookup(status: &str) -> Option<&'static CatalogueEntry> {
    let status = status.trim();
    let status = match status {
        "1" => "01",
        "2" => "02",
        other => other,
    };
    CATALOGUE.iter().find(|e| e.status == status)
}

/// The carrier named by `mobileType` (`移动`/`联通`/`电信`/`广电`, with or without `中国`);
/// `None` when empty or unknown.
///
/// ```
/// use shiming_core::Carrier;
/// use shiming_phonethird::response::carrier_from_mobile_type;
/// assert_eq!(carrier_from_mobile_type("联通"), Some(Carrier::ChinaUnicom));
/// assert_eq!(carrier_from_mobile_type("中国广电"), Some(Carrier::ChinaBroadnet));
/// assert_eq!(carrier_from_mobile_type(""), None);
/// ```
#[must_use]
pub fn carrier_from_mobile_type(mobile_type: &str) -> Option<Carrier> {
    let short = mobile_type.trim();
    let short = short.strip_prefix("中国").unwrap_or(short);
    match short {
        "移动" => Some(Carrier::ChinaMobile),
        "联通" => Some(Carrier::ChinaUnicom),
        "电信" => Some(Carrier::ChinaTelecom),
        "广电" => Some(Carrier::ChinaBroadnet),
        _ => None,
    }
}

/// Decodes a gateway-passed answer: [`decode_parts`] with the response's status, body,
/// billing and request id.
///
/// ```
/// # fn demo(r: &shiming_gateway::ApiResponse) -> Result<(), shiming_core::Error> {
/// let v = shiming_phonethird::response::decode(r)?;
/// println!("{} (billed: {})", v.verdict, v.billing);
/// # Ok(()) }
/// ```
pub fn decode(response: &ApiResponse) -> Result<Verification, Error> {
    let call = Call::of(VENDOR, response);
    // Every phonethird answer comes with HTTP 200 (assumed, vendor-apis.md): no status of its
    // own outside 2xx, unlike 拇指云's 666.
    let answer = call.read_json::<Answer>(&[])?;
    let Some(raw_status) = answer.status.as_deref() else {
        return Err(call.unreadable(call.malformed("status", "missing"), &[]));
    };
    let trace_id = answer
        .trace_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    // Cleaned only for the error paths that quote it.
    let sent_message = || answer.msg.as_deref().map(scrub);
    let Some(entry) = lookup(raw_status) else {
        let message = format!(
            "unknown phonethird status {} ({}){}",
            scrub(raw_status),
            sent_message().as_deref().unwrap_or("no msg"),
            trace_suffix(trace_id)
        );
        return Err(call.error(ErrorKind::VendorFault, message, Some(&scrub(raw_status))));
    };
    match entry.outcome {
        Outcome::Error(kind) => {
            let message = format!(
                "status {} {}: {}{}",
                entry.status,
                sent_message().as_deref().unwrap_or(entry.message),
                entry.meaning,
                trace_suffix(trace_id)
            );
            Err(call.error(kind, message, Some(&scrub(raw_status))))
        }
        Outcome::Verdict(verdict) => {
            let mobile_type = answer
                .mobile_type
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty());
            let mut v = call
                .verification(verdict)
                .with_carrier(mobile_type.and_then(carrier_from_mobile_type))
                .with_vendor_code(raw_status);
            if let Some(msg) = &answer.msg {
                v = v.with_vendor_message(scrub(msg));
            }
            if let Some(detail) = entry.detail {
                v = v.with_detail(detail);
            }
            if let Some(trace) = trace_id {
                v = v.with_vendor_reference(trace);
            }
            let echoes: [(&'static str, &Option<String>, Masker); 3] = [
                ("idCard", &answer.id_card, mask::mask_id),
                ("mobile", &answer.mobile, mask::mask_mobile),
                ("name", &answer.name, mask::mask_name),
            ];
            for (key, echo, mask_with) in echoes {
                if let Some(masked) = echo.as_deref().and_then(|e| kept_echo(e, mask_with)) {
                    v = v.with_extra(key, masked);
                }
            }
            if let Some(t) = mobile_type {
                v = v.with_extra("mobileType", t);
            }
            Ok(v)
        }
    }
}

/// Turns an answer into a [`Verification`] or an [`Error`] (see the module docs):
///
/// * `01`, `02`, `202`, `203`, `207` — a verdict with `billed`, the carrier from
///   `mobileType`, the status as `vendor_code`, `msg` as `vendor_message`, the finer reason as
///   `detail`, `traceId` as `vendor_reference` and the masked echoes (plus a non-empty
///   `mobileType`) as extras;
/// * `204`, `205`, `206` — [`ErrorKind::InvalidInput`] naming the field;
/// * another status — [`ErrorKind::VendorFault`] keeping the raw status and message;
/// * a body that cannot be read — [`ErrorKind::MalformedAnswer`] naming the field path (or
///   saying it is truncated / not JSON), or [`ErrorKind::VendorFault`] when the HTTP status
///   is not 2xx (an error page rather than an answer).
///
/// Errors carry the billing (`billed` → [`Billing::Billed`](shiming_core::Billing::Billed)), the request id, the status as
/// vendor code (the HTTP status for an error page; none for a malformed answer) and the
/// `traceId` in the message. No message quotes the body.
///
/// ```
/// use http::StatusCode;
/// use shiming_core::{Billing, Carrier, ErrorKind, Verdict};
/// use shiming_phonethird::response::decode_parts;
///
/// let body = r#"{"status":"01","msg":"实名认证通过","idCard":"51*****1111","mobile":"18*****000","mobileType":"联通","name":"张*","traceId":"t-1"}"#;
/// let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, Some("req-1")).unwrap();
/// assert_eq!((v.verdict, v.carrier, v.billing), (Verdict::Match, Some(Carrier::ChinaUnicom), Billing::Billed));
/// assert_eq!(v.vendor_reference.as_deref(), Some("t-1"));
/// assert_eq!(v.extra("idCard"), Some("51*****1111"));
///
/// let e = decode_parts(StatusCode::OK, r#"{"status":"205","msg":"身份证号错误"}"#.as_bytes(), Billing::Billed, None).unwrap_err();
/// assert_eq!((e.kind(), e.billing(), e.vendor_code()), (ErrorKind::InvalidInput, Billing::Billed, Some("205")));
/// ```
pub fn decode_parts(
    status: StatusCode,
    body: &[u8],
    billing: Billing,
    request_id: Option<&str>,
) -> Result<Verification, Error> {
    decode(&replay(status, body, billing, request_id))
}

/// A vendor echo worth keeping: non-empty and really masked by the vendor
/// ([`echo_is_masked`]: it shows no more than shiming-core's own mask of it would).
fn kept_echo(value: &str, mask_with: Masker) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty() && echo_is_masked(value, mask_with)).then_some(value)
}

/// The vendor's trace id for an error message, kept whole ([`vendor_reference`]).
fn trace_suffix(trace_id: Option<&str>) -> String {
    trace_id.map_or_else(String::new, |t| {
        format!(" (traceId {})", vendor_reference(t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's 外部状态码 table, verbatim (错误码, 错误信息).
    const SEED_TABLE: [(&str, &str); 8] = [
        ("01", "实名认证通过"),
        ("02", "实名认证不通过"),
        ("202", "无法验证"),
        ("203", "异常情况"),
        ("204", "姓名错误"),
        ("205", "身份证号错误"),
        ("206", "电话号码错误"),
        ("207", "不支持当前号段"),
    ];

    #[test]
    fn every_documented_status_is_catalogued_with_its_message() {
        for (status, message) in SEED_TABLE {
            let entry = lookup(status).unwrap_or_else(|| panic!("{status} missing"));
            assert_eq!(entry.message, message, "{status}");
        }
        assert_eq!(CATALOGUE.len(), SEED_TABLE.len(), "nothing undocumented");
        for entry in CATALOGUE {
            let is_input_error = entry.outcome == Outcome::Error(ErrorKind::InvalidInput);
            assert_eq!(
                is_input_error,
                matches!(entry.detail, Some("name" | "id_card" | "mobile")),
                "{}",
                entry.status
            );
            assert!(!entry.meaning.is_empty());
        }
    }

    #[test]
    fn statuses_map_as_vendor_apis_md_says() {
        use Verdict::*;
        let expect = [
            ("01", Outcome::Verdict(Match)),
            ("02", Outcome::Verdict(Mismatch)),
            ("202", Outcome::Verdict(NoRecord)),
            ("203", Outcome::Verdict(NoRecord)),
            ("204", Outcome::Error(ErrorKind::InvalidInput)),
            ("205", Outcome::Error(ErrorKind::InvalidInput)),
            ("206", Outcome::Error(ErrorKind::InvalidInput)),
            ("207", Outcome::Verdict(NoRecord)),
        ];
        for (status, outcome) in expect {
            assert_eq!(lookup(status).map(|e| e.outcome), Some(outcome), "{status}");
        }
    }

    #[test]
    fn unmasked_echoes_are_hidden_from_debug() {
        let a: Answer = serde_json::from_str(
            r#"{"status":"01","idCard":"330106198805160711","mobile":"13*****001","name":"陈思远"}"#,
        )
        .unwrap();
        let shown = format!("{a:?}");
        assert!(!shown.contains("330106198805160711"), "{shown}");
        assert!(!shown.contains("陈思远"), "{shown}");
        assert!(shown.contains("13*****001"), "{shown}");
    }

    #[test]
    fn a_verdicts_vendor_message_is_scrubbed_and_the_trace_id_kept() {
        let body = r#"{"status":"02","msg":"实名认证不通过 13957120001","traceId":"20201208001535_9a45ph"}"#;
        let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None).unwrap();
        assert_eq!(
            v.vendor_message.as_deref(),
            Some("实名认证不通过 ***********")
        );
        assert!(!format!("{v:?}").contains("13957120001"));
        let odd = r#"{"status":"99","msg":"x","traceId":"20201208001535_9a45ph"}"#;
        let e = decode_parts(StatusCode::OK, odd.as_bytes(), Billing::Billed, None).unwrap_err();
        assert!(e.to_string().contains("20201208001535_9a45ph"), "{e}");
    }
}
