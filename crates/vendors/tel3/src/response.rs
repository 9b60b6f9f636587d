//! tel3's answers (seed 000) and what each one means.
//!
//! * HTTP 200, billed: `{"ok":1,"msg":"校验通过","xm":"李****","sfz":"3505******12","mob":"15956*******7","match":1}`.
//!   `match` `1` → [`Verdict::Match`], `0` → [`Verdict::Mismatch`], `2` →
//!   [`Verdict::NoRecord`]; the `msg` refines it (e.g. 实名校验有误：错误的身份证证件。 inside a
//!   mismatch → detail `wrong_id_card`).
//! * HTTP 666, not billed: `{"ok":0,"msg":"手机号码有误"}` → a typed [`Error`]. The seed: "OK字段值可能为0或其他非1的值",
//!   so every `ok` other than 1 is a failure.
//!
//! Every documented `msg` is in [`CATALOGUE`]; an unknown failure message is
//! [`ErrorKind::VendorFault`] keeping the raw message (long digit runs masked).
//!
//! Tolerance: unknown fields are ignored; `ok` and `match` are accepted as numbers, numeric
//! strings (`"1"`), integral floats or booleans (`true` = 1), because the page's type column is
//! all the documentation there is; `null` counts as absent. A missing `ok`, or `ok:1` without
//! `match`, is [`ErrorKind::MalformedAnswer`].

use http::StatusCode;
use serde::Deserialize;
use shiming_core::{mask, Billing, Error, ErrorKind, Verdict, Verification};
use shiming_gateway::ApiResponse;
use shiming_vendor_kit::ok_msg::{self, MessageEntry};
use shiming_vendor_kit::{replay, with_masked_echoes, Call};

use crate::VENDOR;

/// tel3's answer on the wire: both the success shape and the failure shape (`ok` and `msg`
/// only). Every field is optional here; [`decode`] decides what is required.
///
/// ```
/// let a: shiming_tel3::response::Answer =
///     serde_json::from_str(r#"{"ok":1,"msg":"校验通过","xm":"李****","sfz":"3505******12","mob":"15956*******7","match":1}"#).unwrap();
/// assert_eq!((a.ok, a.matched), (Some(1), Some(1)));
/// let b: shiming_tel3::response::Answer = serde_json::from_str(r#"{"ok":"0","msg":"手机号码有误"}"#).unwrap();
/// assert_eq!((b.ok, b.matched), (Some(0), None));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Answer {
    /// `1` success, anything else failure.
    #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_int")]
    pub ok: Option<i64>,
    /// What happened, in Chinese (the key of [`CATALOGUE`]).
    #[serde(default)]
    pub msg: Option<String>,
    /// The name, masked by tel3 (`李****`).
    #[serde(default)]
    pub xm: Option<String>,
    /// The ID number, masked by tel3 (`3505******12`).
    #[serde(default)]
    pub sfz: Option<String>,
    /// The mobile, masked by tel3 (`15956*******7`).
    #[serde(default)]
    pub mob: Option<String>,
    /// `match`: `1` match, `0` mismatch, `2` the carrier has no record.
    #[serde(
        default,
        rename = "match",
        deserialize_with = "shiming_vendor_kit::lenient_int"
    )]
    pub matched: Option<i64>,
}

/// What a documented message means.
///
/// ```
/// use shiming_tel3::response::{lookup, Outcome};
/// assert_eq!(lookup("运营商不存在记录").unwrap().outcome, Outcome::Verdict(shiming_core::Verdict::NoRecord));
/// ```
pub use shiming_core::Outcome;

/// One row of tel3's documented messages.
///
/// ```
/// let e = shiming_tel3::response::lookup("手机号码有误").unwrap();
/// assert_eq!(e.ok, 0);
/// assert_eq!(e.meaning, "the mobile (mob) is not a valid mobile number");
/// ```
pub type CatalogueEntry = MessageEntry;

/// Every message of seed 000's answers and failure table (the trailing `key` of the table's
/// cells is extraction debris, not part of the message).
///
/// The `appid` / `sendtime` / `sign` rows, which belong to 拇指云's own platform and not to
/// the marketplace API (vendor-apis.md), are shared by both 拇指云 APIs:
/// [`shiming_vendor_kit::ok_msg::PLATFORM_MESSAGES`], which [`lookup`] reads too. 非法来源 ("禁止将API用于任何形式的攻击行为")
/// is [`ErrorKind::InvalidInput`]: the input looked like an attack (the mock answers it for
/// control characters); repeating it cannot help.
///
/// ```
/// use shiming_tel3::response::CATALOGUE;
/// assert!(CATALOGUE.iter().any(|e| e.msg == "校验通过"));
/// ```
pub const CATALOGUE: &[CatalogueEntry] = &[
    // ok=1, HTTP 200, billed.
    MessageEntry::verdict("校验通过", Verdict::Match, None, "the three elements match"),
    MessageEntry::verdict(
        "实名校验有误：传入的参数值有乱码，请检查。",
        Verdict::Mismatch,
        Some("garbled_input"),
        "a value arrived garbled (not UTF-8)",
    ),
    MessageEntry::verdict(
        "实名校验有误：错误的身份证证件。",
        Verdict::Mismatch,
        Some("wrong_id_card"),
        "the carrier says the ID number is wrong",
    ),
    MessageEntry::verdict(
        "实名校验有误：错误的手机号码。",
        Verdict::Mismatch,
        Some("wrong_mobile"),
        "the carrier says the mobile is wrong",
    ),
    MessageEntry::verdict(
        "运营商不存在记录",
        Verdict::NoRecord,
        Some("no_carrier_record"),
        "the carrier has no record of the mobile",
    ),
    MessageEntry::verdict(
        "实名校验有误：不一致",
        Verdict::Mismatch,
        Some("inconsistent"),
        "the three elements do not belong together",
    ),
    // ok=0, HTTP 666, not billed.
    MessageEntry::failure(
        "未传入真实姓名xm",
        ErrorKind::InvalidInput,
        "the name (xm) is missing",
    ),
    MessageEntry::failure(
        "未传入身份证号码sfz",
        ErrorKind::InvalidInput,
        "the ID number (sfz) is missing",
    ),
    MessageEntry::failure(
        "未传入手机号码mob",
        ErrorKind::InvalidInput,
        "the mobile (mob) is missing",
    ),
    MessageEntry::failure(
        "传入真实姓名xm字符串长度超限",
        ErrorKind::InvalidInput,
        "the name (xm) is longer than 50 characters",
    ),
    MessageEntry::failure(
        "传入身份证号码sfz字符串长度超限",
        ErrorKind::InvalidInput,
        "the ID number (sfz) is longer than 18 characters",
    ),
    MessageEntry::failure(
        "传入手机号码mob字符串长度超限",
        ErrorKind::InvalidInput,
        "the mobile (mob) is longer than 11 characters",
    ),
    MessageEntry::failure(
        "真实姓名有误",
        ErrorKind::InvalidInput,
        "the name (xm) is not a valid real name",
    ),
    MessageEntry::failure(
        "身份证号码有误",
        ErrorKind::InvalidInput,
        "the ID number (sfz) is not a valid ID number",
    ),
    MessageEntry::failure(
        "手机号码有误",
        ErrorKind::InvalidInput,
        "the mobile (mob) is not a valid mobile number",
    ),
    MessageEntry::failure(
        "存在*字符，视为调试数据。止于当前结果。",
        ErrorKind::InvalidInput,
        "a value contains '*': treated as debug data, not verified",
    ),
    MessageEntry::failure(
        "非法来源",
        ErrorKind::InvalidInput,
        "refused as an illegal source (the input looks like an attack)",
    ),
];

/// The catalogue entry of `msg` (surrounding whitespace ignored), if it is documented.
///
/// ```
/// use shiming_tel3::response::lookup;
/// assert_eq!(lookup(" 实名校验有误：错误的身份证证件。").unwrap().detail, Some("wrong_id_card"));
/// assert!(lookup("appid:abc123接口已停用").is_some());
/// assert!(lookup("something new").is_none());
/// ```
#[must_use]
pub fn lookup(msg: &str) -> Option<&'static CatalogueEntry> {
    let msg = msg.trim();
    ok_msg::find(CATALOGUE, msg)
}

/// Turns a tel3 answer that the gateway passed through (HTTP 200, 666, or any other status)
/// into a [`Verification`] or a typed [`Error`]. JSON is decoded with
/// [`shiming_vendor_kit::decode_json`], so a drifting format names the field path.
///
/// ```
/// # fn demo(response: &shiming_gateway::ApiResponse) {
/// match shiming_tel3::response::decode(response) {
///     Ok(v) => println!("{} billed={}", v.verdict, v.billing),
///     Err(e) => println!("{e}"),
/// }
/// # }
/// ```
pub fn decode(response: &ApiResponse) -> Result<Verification, Error> {
    let call = Call::of(VENDOR, response);
    interpret(&call.read_json::<Answer>(&[666])?, call)
}

/// [`decode`] from the parts of an answer (for tests and replays): the same decoding, with
/// the billing as given rather than derived from the status.
///
/// ```
/// use http::StatusCode;
/// use shiming_core::{Billing, ErrorKind, Verdict};
/// use shiming_tel3::response::decode_parts;
/// let body = r#"{"ok":1,"msg":"实名校验有误：错误的身份证证件。","xm":"李****","sfz":"3505******12","mob":"15956*******7","match":0}"#;
/// let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, Some("req-1")).unwrap();
/// assert_eq!((v.verdict, v.detail.as_deref(), v.billing), (Verdict::Mismatch, Some("wrong_id_card"), Billing::Billed));
/// let e = decode_parts(StatusCode::from_u16(666).unwrap(), r#"{"ok":0,"msg":"手机号码有误"}"#.as_bytes(), Billing::NotBilled, None).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// assert_eq!(e.vendor_code(), Some("手机号码有误"));
/// ```
pub fn decode_parts(
    status: StatusCode,
    body: &[u8],
    billing: Billing,
    request_id: Option<&str>,
) -> Result<Verification, Error> {
    decode(&replay(status, body, billing, request_id))
}

fn interpret(answer: &Answer, call: Call<'_>) -> Result<Verification, Error> {
    let msg = answer.msg.as_deref().map_or("", str::trim);
    let accepted = ok_msg::accept(call, answer.ok, msg, lookup(msg))?;
    let Some(matched) = answer.matched else {
        return Err(call.malformed("match", "the field is missing"));
    };
    let verdict = match matched {
        1 => Verdict::Match,
        0 => Verdict::Mismatch,
        2 => Verdict::NoRecord,
        other => {
            return Err(call.error(
                ErrorKind::VendorFault,
                format!(
                    "unknown tel3 match value {other} ({})",
                    accepted.shown_message()
                ),
                Some(&other.to_string()),
            ));
        }
    };
    let v = accepted.verification(verdict, &matched.to_string());
    Ok(with_masked_echoes(
        v,
        [
            ("xm", answer.xm.as_deref(), mask::mask_name),
            ("sfz", answer.sfz.as_deref(), mask::mask_id),
            ("mob", answer.mob.as_deref(), mask::mask_mobile),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `msg` of seed 000 (answers and the failure table, `key` debris removed) with
    /// its documented `ok`, but the 拇指云 platform rows (the kit's
    /// `ok_msg::PLATFORM_MESSAGES`, tested there).
    const DOCUMENTED: &[(u8, &str)] = &[
        (1, "校验通过"),
        (0, "手机号码有误"),
        (0, "未传入真实姓名xm"),
        (0, "未传入身份证号码sfz"),
        (0, "未传入手机号码mob"),
        (0, "传入真实姓名xm字符串长度超限"),
        (0, "传入身份证号码sfz字符串长度超限"),
        (0, "传入手机号码mob字符串长度超限"),
        (0, "真实姓名有误"),
        (0, "身份证号码有误"),
        (1, "实名校验有误：传入的参数值有乱码，请检查。"),
        (1, "实名校验有误：错误的身份证证件。"),
        (1, "实名校验有误：错误的手机号码。"),
        (1, "运营商不存在记录"),
        (1, "实名校验有误：不一致"),
        (0, "存在*字符，视为调试数据。止于当前结果。"),
        (0, "非法来源"),
    ];

    #[test]
    fn every_documented_message_is_catalogued() {
        for &(ok, msg) in DOCUMENTED {
            let entry = lookup(msg).unwrap_or_else(|| panic!("{msg} is not catalogued"));
            // `ok` 1 entries are verdicts and `ok` 0 ones failures by construction
            // (`MessageEntry::verdict` / `failure`).
            assert_eq!(entry.ok, ok, "{msg}");
            let malformed = Outcome::Error(ErrorKind::MalformedAnswer);
            assert_ne!(entry.outcome, malformed, "{msg}");
        }
        assert_eq!(CATALOGUE.len(), DOCUMENTED.len(), "nothing undocumented");
        // The `match` values of vendor-apis.md.
        for (msg, verdict) in [
            ("校验通过", Verdict::Match),
            ("运营商不存在记录", Verdict::NoRecord),
            ("实名校验有误：不一致", Verdict::Mismatch),
            ("实名校验有误：错误的手机号码。", Verdict::Mismatch),
        ] {
            assert_eq!(
                lookup(msg).map(|e| e.outcome),
                Some(Outcome::Verdict(verdict))
            );
        }
    }

    #[test]
    fn loose_numbers() {
        for (json, ok, matched) in [
            (r#"{"ok":1,"match":2}"#, Some(1), Some(2)),
            (r#"{"ok":"1","match":"0"}"#, Some(1), Some(0)),
            (r#"{"ok":1.0,"match":true}"#, Some(1), Some(1)),
            (r#"{"ok":null,"match":""}"#, None, None),
            (r#"{"unknown":[1,2]}"#, None, None),
        ] {
            let a: Answer = serde_json::from_str(json).unwrap();
            assert_eq!((a.ok, a.matched), (ok, matched), "{json}");
        }
        for json in [r#"{"ok":"yes"}"#, r#"{"match":1.5}"#, r#"{"ok":[1]}"#] {
            assert!(serde_json::from_str::<Answer>(json).is_err(), "{json}");
        }
    }
}
