//! The answer, decoded: the wire format ([`Answer`], [`Data`]), the vendor's codes
//! ([`CATALOGUE`], [`CHANNELS`]) and [`decode`] / [`decode_parts`], which turn every answer into
//! a [`Verification`] or a typed [`Error`].
//!
//! # How an answer maps
//!
//! | answer | result |
//! | --- | --- |
//! | `data.result` `1` (一致) | [`Verdict::Match`] |
//! | `data.result` `2` (不一致) | [`Verdict::Mismatch`] |
//! | `data.result` `3` (无记录, 库无) | [`Verdict::NoRecord`] |
//! | `data.result` anything else | [`ErrorKind::VendorFault`] keeping `code` and `msg` |
//! | no `data.result`, `code` `"400"` (参数错误, assumed) | [`ErrorKind::InvalidInput`] |
//! | no `data.result`, `code` `"200"` (成功, assumed) | [`ErrorKind::VendorFault`]: nothing was verified |
//! | no `data.result`, any other `code` | [`ErrorKind::VendorFault`] keeping `code` and `msg` |
//! | not JSON, truncated, or a field of the wrong type | [`ErrorKind::MalformedAnswer`] naming the field path |
//!
//! The verdict is decided from `data.result` alone, whatever `code` and the HTTP status say
//! (vendor-apis.md). `billed` is the marketplace's rule (HTTP 200–299), not `isFee`, which is
//! kept in [`Verification::extras`] as the vendor sent it.
//!
//! # Tolerance
//!
//! The page documents `code` as a string, `isFee` and `data.result` as integers; each is
//! accepted as a string, a number or a boolean, and compared as text (`1` and `"1"` are the
//! same). Unknown fields are ignored, `data` may be absent or `null`, `mobileChannel` is
//! compared ignoring ASCII case and an unknown channel leaves the carrier unset (the raw
//! value is kept in the extras).
//!
//! # What a verification holds
//!
//! `vendor_code` is `data.result`, `vendor_message` is `data.resultDesc` (else `msg`),
//! `vendor_reference` is `seqNo`, `carrier` comes from `mobileChannel`, and `extras` keep
//! `code`, `msg`, `isFee` and `mobileChannel` as sent. This API echoes no personal data.

use serde::Deserialize;
use shiming_core::{Billing, Carrier, Error, ErrorKind, Verdict, Verification};
use shiming_gateway::ApiResponse;
use shiming_vendor_kit::{replay, scrub, Call};

use crate::VENDOR;

/// The answer's top level, as the page's field table shows it.
///
/// ```
/// let a: shiming_sxm3v2::response::Answer =
///     serde_json::from_str(r#"{"code":200,"isFee":"1","data":{"result":"1"},"extra":true}"#).unwrap();
/// assert_eq!(a.code.as_deref(), Some("200"));
/// assert_eq!(a.data.unwrap().result.as_deref(), Some("1"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Answer {
    /// `code` (返回码): `"200"` on success, `"400"` for a parameter error (both assumed).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub code: Option<String>,
    /// `msg` (返回错误描述).
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub msg: Option<String>,
    /// `isFee` (是否计费): whether the vendor counted the call.
    #[serde(
        default,
        rename = "isFee",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub is_fee: Option<String>,
    /// `seqNo` (调用流水号): the vendor's reference for support.
    #[serde(
        default,
        rename = "seqNo",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub seq_no: Option<String>,
    /// `data` (核验结果对象); `null` on errors.
    #[serde(default, deserialize_with = "shiming_vendor_kit::object_or_null")]
    pub data: Option<Data>,
}

/// The `data` object.
///
/// ```
/// let d: shiming_sxm3v2::response::Data =
///     serde_json::from_str(r#"{"result":2,"resultDesc":"不一致","mobileChannel":"cucc"}"#).unwrap();
/// assert_eq!(d.mobile_channel.as_deref(), Some("cucc"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Data {
    /// `result` (核验结果): `1` 一致, `2` 不一致, `3` 无记录.
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
    pub result: Option<String>,
    /// `resultDesc` (核验结果描述).
    #[serde(
        default,
        rename = "resultDesc",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub result_desc: Option<String>,
    /// `mobileChannel` (运营商): `cmcc`, `cucc`, `ctcc` or `gdcc`.
    #[serde(
        default,
        rename = "mobileChannel",
        deserialize_with = "shiming_vendor_kit::lenient_text"
    )]
    pub mobile_channel: Option<String>,
}

/// What a catalogued code means: a verdict, or an error of some kind.
///
/// ```
/// use shiming_sxm3v2::response::Outcome;
/// assert_ne!(Outcome::Verdict(shiming_core::Verdict::Match), Outcome::Error(shiming_core::ErrorKind::VendorFault));
/// ```
pub use shiming_core::Outcome;

/// One documented (or assumed) value of the vendor's answer and what it means.
///
/// ```
/// let entry = &shiming_sxm3v2::response::CATALOGUE[0];
/// assert_eq!((entry.field, entry.value, entry.text), ("data.result", "1", "一致"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The field that carries it: `data.result` or `code`.
    pub field: &'static str,
    /// The value, as text.
    pub value: &'static str,
    /// The vendor's text for it (`resultDesc` / `msg`).
    pub text: &'static str,
    /// What it becomes.
    pub outcome: Outcome,
    /// A short English meaning.
    pub meaning: &'static str,
    /// Whether it is an assumption (the page's error-code tab is missing) rather than
    /// documented.
    pub assumed: bool,
}

/// Every value of `data.result` and `code` the adapter knows. `code` is consulted only when
/// the answer has no `data.result`; an unknown one is [`ErrorKind::VendorFault`].
///
/// ```
/// use shiming_sxm3v2::response::{Outcome, CATALOGUE};
/// let no_record = CATALOGUE.iter().find(|e| e.field == "data.result" && e.value == "3").unwrap();
/// assert_eq!(no_record.outcome, Outcome::Verdict(shiming_core::Verdict::NoRecord));
/// ```
pub const CATALOGUE: &[CatalogueEntry] = &[
    CatalogueEntry {
        field: "data.result",
        value: "1",
        text: "一致",
        outcome: Outcome::Verdict(Verdict::Match),
        meaning: "name, ID number and mobile belong together",
        assumed: false,
    },
    CatalogueEntry {
        field: "data.result",
        value: "2",
        text: "不一致",
        outcome: Outcome::Verdict(Verdict::Mismatch),
        meaning: "the carrier's record of the mobile does not match the name and ID number",
        assumed: false,
    },
    CatalogueEntry {
        field: "data.result",
        value: "3",
        text: "无记录",
        outcome: Outcome::Verdict(Verdict::NoRecord),
        meaning: "the carrier has no record to check against (库无)",
        assumed: false,
    },
    CatalogueEntry {
        field: "code",
        value: "200",
        text: "成功",
        outcome: Outcome::Error(ErrorKind::VendorFault),
        meaning: "success code but no data.result: nothing was verified",
        assumed: true,
    },
    CatalogueEntry {
        field: "code",
        value: "400",
        text: "参数错误",
        outcome: Outcome::Error(ErrorKind::InvalidInput),
        meaning: "the vendor refused a parameter",
        assumed: true,
    },
];

/// The documented `mobileChannel` codes (运营商) and their carriers.
///
/// ```
/// use shiming_core::Carrier;
/// assert!(shiming_sxm3v2::response::CHANNELS.contains(&("gdcc", "广电", Carrier::ChinaBroadnet)));
/// ```
pub const CHANNELS: &[(&str, &str, Carrier)] = &[
    ("cmcc", "移动", Carrier::ChinaMobile),
    ("cucc", "联通", Carrier::ChinaUnicom),
    ("ctcc", "电信", Carrier::ChinaTelecom),
    ("gdcc", "广电", Carrier::ChinaBroadnet),
];

/// Decodes the gateway's answer (see the [module documentation](self)).
///
/// # Errors
///
/// Every answer without a verdict, as a typed [`Error`] with the call's billing and request id.
///
/// ```
/// # fn demo(r: &shiming_gateway::ApiResponse) -> Result<(), shiming_core::Error> {
/// let verification = shiming_sxm3v2::response::decode(r)?;
/// println!("{} (billed: {})", verification.verdict, verification.billing);
/// # Ok(()) }
/// ```
pub fn decode(response: &ApiResponse) -> Result<Verification, Error> {
    let call = Call::of(VENDOR, response);
    let answer = shiming_vendor_kit::decode_json::<Answer>(response, VENDOR)
        .map_err(|e| call.error_noting_status(ErrorKind::MalformedAnswer, e.message(), None))?;
    let code = answer.code.as_deref();
    let msg = answer.msg.as_deref();
    let data = answer.data.as_ref();
    let Some(result) = data.and_then(|d| d.result.as_deref()) else {
        return Err(error_without_result(&call, code, msg));
    };
    let Some(entry) = lookup("data.result", result) else {
        let message = format!(
            "unknown data.result {} ({})",
            scrub(result),
            code_and_msg(code, msg)
        );
        return Err(call.error_noting_status(ErrorKind::VendorFault, message, code));
    };
    let Outcome::Verdict(verdict) = entry.outcome else {
        // Every data.result entry is a verdict (tested); anything else is not understood.
        return Err(call.error_noting_status(
            ErrorKind::VendorFault,
            entry.meaning.to_string(),
            code,
        ));
    };
    let channel = data.and_then(|d| d.mobile_channel.as_deref());
    let mut verification = call
        .verification(verdict)
        .with_carrier(channel.and_then(carrier_of))
        .with_vendor_code(result);
    if let Some(text) = data.and_then(|d| d.result_desc.as_deref()).or(msg) {
        verification = verification.with_vendor_message(scrub(text));
    }
    if let Some(seq_no) = &answer.seq_no {
        verification = verification.with_vendor_reference(seq_no.as_str());
    }
    for (name, value) in [
        ("code", code),
        ("msg", msg),
        ("isFee", answer.is_fee.as_deref()),
        ("mobileChannel", channel),
    ] {
        if let Some(value) = value {
            verification = verification.with_extra(name, value);
        }
    }
    Ok(verification)
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
/// use shiming_core::{Billing, Carrier, ErrorKind, Verdict};
/// use shiming_sxm3v2::response::decode_parts;
///
/// let body = r#"{"code":"200","msg":"成功","isFee":1,"seqNo":"S1","data":{"result":1,"resultDesc":"一致","mobileChannel":"cmcc"}}"#;
/// let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, Some("req-1")).unwrap();
/// assert_eq!((v.verdict, v.carrier, v.billing), (Verdict::Match, Some(Carrier::ChinaMobile), Billing::Billed));
/// assert_eq!(v.vendor_reference.as_deref(), Some("S1"));
///
/// let body = r#"{"code":"400","msg":"参数错误","isFee":0,"seqNo":"S2","data":null}"#;
/// let e = decode_parts(StatusCode::BAD_REQUEST, body.as_bytes(), Billing::NotBilled, None).unwrap_err();
/// assert_eq!((e.kind(), e.billing()), (ErrorKind::InvalidInput, Billing::NotBilled));
/// assert_eq!(e.vendor_code(), Some("400"));
/// ```
pub fn decode_parts(
    status: http::StatusCode,
    body: &[u8],
    billing: Billing,
    request_id: Option<&str>,
) -> Result<Verification, Error> {
    decode(&replay(status, body, billing, request_id))
}

/// The carrier of a `mobileChannel` code (ASCII case ignored).
fn carrier_of(channel: &str) -> Option<Carrier> {
    let channel = channel.trim();
    CHANNELS
        .iter()
        .find(|(code, _, _)| code.eq_ignore_ascii_case(channel))
        .map(|&(_, _, carrier)| carrier)
}

/// The [`CATALOGUE`] entry for `value` (surrounding whitespace ignored) of `field`
/// (`data.result` or `code`), if documented.
///
/// ```
/// use shiming_sxm3v2::response::{lookup, Outcome};
/// let e = lookup("data.result", " 2 ").unwrap();
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

/// An answer without `data.result`: an error decided by `code`.
fn error_without_result(call: &Call<'_>, code: Option<&str>, msg: Option<&str>) -> Error {
    let Some(code_text) = code else {
        return call.error_noting_status(
            ErrorKind::MalformedAnswer,
            "data.result: missing, and no code says why",
            None,
        );
    };
    let (kind, meaning) = match lookup("code", code_text) {
        Some(CatalogueEntry {
            outcome: Outcome::Error(kind),
            meaning,
            ..
        }) => (*kind, *meaning),
        _ => (ErrorKind::VendorFault, "unknown answer without a result"),
    };
    let message = format!("{meaning} ({})", code_and_msg(code, msg));
    call.error_noting_status(kind, message, code)
}

/// `code 400: 参数错误` with both values cleaned.
fn code_and_msg(code: Option<&str>, msg: Option<&str>) -> String {
    let code = code.map_or_else(|| "no code".to_string(), |c| format!("code {}", scrub(c)));
    match msg {
        Some(msg) => format!("{code}: {}", scrub(msg)),
        None => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    /// What seed 001 documents (data.result 1/2/3 and the four mobileChannel codes) and what
    /// vendor-apis.md assumes (code 200 / 400).
    #[test]
    fn every_documented_value_is_catalogued() {
        // 核验结果(1:一致,2:不一致,3:无记录)
        for (value, text, verdict) in [
            ("1", "一致", Verdict::Match),
            ("2", "不一致", Verdict::Mismatch),
            ("3", "无记录", Verdict::NoRecord),
        ] {
            let entry = lookup("data.result", value).unwrap();
            assert_eq!(
                (entry.text, entry.outcome, entry.assumed),
                (text, Outcome::Verdict(verdict), false)
            );
        }
        // Assumed: success "200", parameter error "400".
        assert_eq!(
            lookup("code", "200").unwrap().outcome,
            Outcome::Error(ErrorKind::VendorFault)
        );
        assert_eq!(
            lookup("code", "400").unwrap().outcome,
            Outcome::Error(ErrorKind::InvalidInput)
        );
        // 运营商,(cmcc:移动、cucc:联通、ctcc:电信、gdcc:广电)
        for (code, name, carrier) in [
            ("cmcc", "移动", Carrier::ChinaMobile),
            ("cucc", "联通", Carrier::ChinaUnicom),
            ("ctcc", "电信", Carrier::ChinaTelecom),
            ("gdcc", "广电", Carrier::ChinaBroadnet),
        ] {
            assert!(CHANNELS.contains(&(code, name, carrier)));
            assert!(carrier.chinese_name().ends_with(name));
            assert_eq!(carrier_of(code), Some(carrier));
            assert_eq!(carrier_of(&code.to_uppercase()), Some(carrier));
        }
        // 403 Unauthorized / Quota Exhausted (the page's FAQ) are the gateway's answers,
        // classified by shiming-gateway before the body reaches this module.
        for (message, kind) in [
            ("Unauthorized", ErrorKind::Unauthorized),
            ("Quota Exhausted", ErrorKind::QuotaExhausted),
        ] {
            let f = shiming_gateway::classify::gateway_failure(403, None, Some(message), true);
            assert_eq!(f.map(|f| f.kind), Some(kind));
        }
    }

    /// Every catalogue entry decodes as it says.
    #[test]
    fn the_catalogue_is_what_decode_does() {
        let mut keys = std::collections::HashSet::new();
        for entry in CATALOGUE {
            assert!(keys.insert((entry.field, entry.value)), "{entry:?} twice");
            let body = match entry.field {
                "data.result" => format!(
                    r#"{{"code":"200","msg":"成功","isFee":1,"seqNo":"S","data":{{"result":{},"resultDesc":"{}","mobileChannel":"cmcc"}}}}"#,
                    entry.value, entry.text
                ),
                "code" => format!(
                    r#"{{"code":"{}","msg":"{}","isFee":0,"seqNo":"S","data":null}}"#,
                    entry.value, entry.text
                ),
                other => panic!("unexpected field {other}"),
            };
            let decoded = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None);
            match (entry.outcome, decoded) {
                (Outcome::Verdict(verdict), Ok(v)) => {
                    assert_eq!(v.verdict, verdict, "{entry:?}");
                    assert_eq!(v.vendor_message.as_deref(), Some(entry.text));
                }
                (Outcome::Error(kind), Err(e)) => {
                    assert_eq!(e.kind(), kind, "{entry:?}");
                    assert_eq!(e.vendor_code(), Some(entry.value));
                    assert!(e.message().contains(entry.text), "{}", e.message());
                }
                (outcome, decoded) => panic!("{outcome:?} decoded as {decoded:?}"),
            }
        }
    }

    #[test]
    fn a_verdicts_vendor_message_is_scrubbed() {
        let body = r#"{"code":"200","msg":"成功","data":{"result":2,"resultDesc":"不一致 33010619880516071X"}}"#;
        let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None).unwrap();
        assert_eq!(
            v.vendor_message.as_deref(),
            Some("不一致 ******************")
        );
        assert!(!format!("{v:?}").contains("33010619880516071"));
    }
}
