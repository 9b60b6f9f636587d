//! sfz2's answers (seed 003) and what each one means.
//!
//! * HTTP 200, billed: `{"ok":1,"msg":"实名信息正确","xm":"庆**","sfz":"3505*****12","match":true,"birthday":"19****16","sex":"男","address":"福建省泉州市**县"}`.
//!   `match` is a **boolean** (tel3's is a number): `true` → [`Verdict::Match`]; `false` is
//!   told apart by `msg`: 实名校验失败:身份证与姓名不匹配 → [`Verdict::Mismatch`] (detail
//!   `name_mismatch`), 实名校验失败:查无记录 → [`Verdict::NoRecord`] (detail `no_record`); an
//!   unknown message with `false` is a mismatch without detail. The masked echoes `xm`, `sfz`
//!   and the extras `birthday`, `sex`, `address` go into [`Verification::extras`].
//! * HTTP 666, not billed: `{"ok":0,"msg":"身份证号码有误"}` → a typed [`Error`]. The seed: "OK字段值可能为0或其他非1的值",
//!   so every `ok` other than 1 is a failure.
//!
//! Every documented `msg` is in [`CATALOGUE`]; an unknown failure message is
//! [`ErrorKind::VendorFault`] keeping the raw message (long digit runs masked).
//!
//! Tolerance: unknown fields are ignored; `ok` is accepted as a number, a numeric string, an
//! integral float or a boolean; `match` as a boolean, `0`/`1` or the strings
//! `"true"`/`"false"`/`"0"`/`"1"`; `null` counts as absent; messages are looked up with a
//! full-width colon `：` read as `:` (the seed writes sfz2's verdicts with `:`, tel3's with
//! `：`). A missing `ok`, or `ok:1` without `match`, is [`ErrorKind::MalformedAnswer`].

use http::StatusCode;
use serde::{Deserialize, Deserializer};
use shiming_core::{mask, Billing, Error, ErrorKind, Verdict, Verification};
use shiming_gateway::ApiResponse;
use shiming_vendor_kit::ok_msg::{self, MessageEntry};
use shiming_vendor_kit::{replay, with_masked_echoes, Call};

use crate::VENDOR;

/// sfz2's answer on the wire: both the success shape and the failure shape (`ok` and `msg`
/// only). Every field is optional here; [`decode`] decides what is required.
///
/// ```
/// let a: shiming_sfz2::response::Answer = serde_json::from_str(
///     r#"{"ok":1,"msg":"实名信息正确","xm":"庆**","sfz":"3505*****12","match":true,"birthday":"19****16","sex":"男","address":"福建省泉州市**县"}"#,
/// ).unwrap();
/// assert_eq!((a.ok, a.matched, a.sex.as_deref()), (Some(1), Some(true), Some("男")));
/// let b: shiming_sfz2::response::Answer = serde_json::from_str(r#"{"ok":0,"msg":"身份证号码有误"}"#).unwrap();
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
    /// The name, masked by sfz2 (`庆**`).
    #[serde(default)]
    pub xm: Option<String>,
    /// The ID number, masked by sfz2 (`3505*****12`).
    #[serde(default)]
    pub sfz: Option<String>,
    /// `match`: `true` the name belongs to the ID number; `false` it does not, or no record
    /// (see `msg`).
    #[serde(default, rename = "match", deserialize_with = "flexible_bool")]
    pub matched: Option<bool>,
    /// The birth date read from the ID number, masked (`19****16`).
    #[serde(default)]
    pub birthday: Option<String>,
    /// The sex read from the ID number (`男` / `女`).
    #[serde(default)]
    pub sex: Option<String>,
    /// The region of the ID number, partly masked (`福建省泉州市**县`).
    #[serde(default)]
    pub address: Option<String>,
}

/// The loose shapes accepted for `match` (`ok` is read by
/// [`shiming_vendor_kit::lenient_int`]).
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Int(i64),
    Bool(bool),
    Text(String),
}

fn flexible_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let loose: Option<Loose> = Option::deserialize(deserializer)?;
    let invalid = || serde::de::Error::custom("expected a boolean");
    match loose {
        None => Ok(None),
        Some(Loose::Bool(b)) => Ok(Some(b)),
        Some(Loose::Int(1)) => Ok(Some(true)),
        Some(Loose::Int(0)) => Ok(Some(false)),
        Some(Loose::Text(t)) => match t.trim() {
            "" => Ok(None),
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(invalid()),
        },
        Some(_) => Err(invalid()),
    }
}

/// What a documented message means.
///
/// ```
/// use shiming_sfz2::response::{lookup, Outcome};
/// assert_eq!(lookup("实名校验失败:查无记录").unwrap().outcome, Outcome::Verdict(shiming_core::Verdict::NoRecord));
/// ```
pub use shiming_core::Outcome;

/// One row of sfz2's documented messages.
///
/// ```
/// let e = shiming_sfz2::response::lookup("身份证号码有误").unwrap();
/// assert_eq!(e.ok, 0);
/// assert_eq!(e.meaning, "the ID number (sfz) is not a valid ID number");
/// ```
pub type CatalogueEntry = MessageEntry;

/// Every message of seed 003's answers and failure table (the trailing `key` of the table's
/// cells is extraction debris, not part of the message).
///
/// The `appid` / `sendtime` / `sign` rows, which belong to 拇指云's own platform and not to
/// the marketplace API (vendor-apis.md), are shared by both 拇指云 APIs:
/// [`shiming_vendor_kit::ok_msg::PLATFORM_MESSAGES`], which [`lookup`] reads too. 非法来源 ("禁止将API用于任何形式的攻击行为")
/// is [`ErrorKind::InvalidInput`]: the input looked like an attack (the mock answers it for
/// control characters); repeating it cannot help.
///
/// ```
/// use shiming_sfz2::response::CATALOGUE;
/// assert!(CATALOGUE.iter().any(|e| e.msg == "实名信息正确"));
/// ```
pub const CATALOGUE: &[CatalogueEntry] = &[
    // ok=1, HTTP 200, billed.
    MessageEntry::verdict(
        "实名信息正确",
        Verdict::Match,
        None,
        "the name belongs to the ID number",
    ),
    MessageEntry::verdict(
        "实名校验失败:身份证与姓名不匹配",
        Verdict::Mismatch,
        Some("name_mismatch"),
        "the ID number is registered under another name",
    ),
    MessageEntry::verdict(
        "实名校验失败:查无记录",
        Verdict::NoRecord,
        Some("no_record"),
        "the authority has no record of the ID number",
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
        "姓名有误",
        ErrorKind::InvalidInput,
        "the name (xm) is not a valid real name",
    ),
    MessageEntry::failure(
        "身份证号码有误",
        ErrorKind::InvalidInput,
        "the ID number (sfz) is not a valid ID number",
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

/// The catalogue entry of `msg` (surrounding whitespace ignored, a full-width colon `：` read
/// as `:`), if it is documented.
///
/// ```
/// use shiming_sfz2::response::lookup;
/// assert_eq!(lookup("实名校验失败：身份证与姓名不匹配").unwrap().detail, Some("name_mismatch"));
/// assert!(lookup("appid:abc123接口已停用").is_some());
/// assert!(lookup("something new").is_none());
/// ```
#[must_use]
pub fn lookup(msg: &str) -> Option<&'static CatalogueEntry> {
    let msg = msg.trim();
    let folded;
    let msg = if msg.contains('：') {
        folded = msg.replace('：', ":");
        folded.as_str()
    } else {
        msg
    };
    ok_msg::find(CATALOGUE, msg)
}

/// Turns an sfz2 answer that the gateway passed through (HTTP 200, 666, or any other status)
/// into a [`Verification`] or a typed [`Error`]. JSON is decoded with
/// [`shiming_vendor_kit::decode_json`], so a drifting format names the field path.
///
/// ```
/// # fn demo(response: &shiming_gateway::ApiResponse) {
/// match shiming_sfz2::response::decode(response) {
///     Ok(v) => println!("{} billed={} sex={:?}", v.verdict, v.billing, v.extra("sex")),
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
/// use shiming_sfz2::response::decode_parts;
/// let body = r#"{"ok":1,"msg":"实名校验失败:查无记录","xm":"庆**","sfz":"3505*****12","match":false,"birthday":"19****16","sex":"男","address":"福建省泉州市**县"}"#;
/// let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, Some("req-1")).unwrap();
/// assert_eq!((v.verdict, v.detail.as_deref(), v.billing), (Verdict::NoRecord, Some("no_record"), Billing::Billed));
/// assert_eq!(v.extra("address"), Some("福建省泉州市**县"));
/// let e = decode_parts(StatusCode::from_u16(666).unwrap(), r#"{"ok":0,"msg":"姓名有误"}"#.as_bytes(), Billing::NotBilled, None).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// assert_eq!(e.vendor_code(), Some("姓名有误"));
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
    // `true` is a match whatever the message; `false` is told apart by the message.
    let verdict = match (matched, accepted.entry().map(|e| e.outcome)) {
        (true, _) => Verdict::Match,
        (false, Some(Outcome::Verdict(Verdict::NoRecord))) => Verdict::NoRecord,
        (false, _) => Verdict::Mismatch,
    };
    let v = accepted.verification(verdict, &matched.to_string());
    let mut v = with_masked_echoes(
        v,
        [
            ("xm", answer.xm.as_deref(), mask::mask_name),
            ("sfz", answer.sfz.as_deref(), mask::mask_id),
        ],
    );
    // Read from the ID number by sfz2 (masked by sfz2 where it masks); kept as sent.
    let derived = [
        ("birthday", &answer.birthday),
        ("sex", &answer.sex),
        ("address", &answer.address),
    ];
    for (name, value) in derived {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            v = v.with_extra(name, value);
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `msg` of seed 003 (answers and the failure table, `key` debris removed) with
    /// its documented `ok`, but the 拇指云 platform rows (the kit's
    /// `ok_msg::PLATFORM_MESSAGES`, tested there).
    const DOCUMENTED: &[(u8, &str)] = &[
        (1, "实名信息正确"),
        (0, "身份证号码有误"),
        (0, "未传入真实姓名xm"),
        (0, "未传入身份证号码sfz"),
        (0, "传入真实姓名xm字符串长度超限"),
        (0, "传入身份证号码sfz字符串长度超限"),
        (0, "姓名有误"),
        (1, "实名校验失败:身份证与姓名不匹配"),
        (1, "实名校验失败:查无记录"),
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
        // The verdicts of vendor-apis.md.
        for (msg, verdict) in [
            ("实名信息正确", Verdict::Match),
            ("实名校验失败:身份证与姓名不匹配", Verdict::Mismatch),
            ("实名校验失败:查无记录", Verdict::NoRecord),
        ] {
            assert_eq!(
                lookup(msg).map(|e| e.outcome),
                Some(Outcome::Verdict(verdict))
            );
        }
    }

    #[test]
    fn loose_types() {
        for (json, ok, matched) in [
            (r#"{"ok":1,"match":true}"#, Some(1), Some(true)),
            (r#"{"ok":"1","match":"false"}"#, Some(1), Some(false)),
            (r#"{"ok":1.0,"match":1}"#, Some(1), Some(true)),
            (r#"{"ok":true,"match":"0"}"#, Some(1), Some(false)),
            (r#"{"ok":null,"match":null}"#, None, None),
            (r#"{"unknown":[1,2]}"#, None, None),
        ] {
            let a: Answer = serde_json::from_str(json).unwrap();
            assert_eq!((a.ok, a.matched), (ok, matched), "{json}");
        }
        for json in [
            r#"{"match":2}"#,
            r#"{"match":"yes"}"#,
            r#"{"match":[true]}"#,
        ] {
            assert!(serde_json::from_str::<Answer>(json).is_err(), "{json}");
        }
    }
}
