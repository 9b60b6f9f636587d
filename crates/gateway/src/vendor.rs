//! What every vendor crate needs besides the transport: "today" for local validation, local
//! validation of an [`Identity`], JSON decoding whose errors name the field path, lenient
//! field deserializers for loosely documented answers, and scrubbing of vendor text before it
//! goes into an error message.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use shiming_core::id_card::{self, IdError, ValidationOptions};
use shiming_core::identity::InputError;
use shiming_core::{Billing, Date, Error, ErrorKind, Identity};

use crate::ApiResponse;

/// Seconds east of UTC of China Standard Time.
const CST_OFFSET_SECONDS: i64 = 8 * 3600;

/// Today's date in China Standard Time, from the system clock (the core library takes "today"
/// from its caller; vendor clients call this). Falls back to 1970-01-01 only if the clock is
/// before the epoch.
///
/// ```
/// assert!(shiming_gateway::vendor::today_in_china().year() >= 2024);
/// ```
#[must_use]
pub fn today_in_china() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Date::from_days_since_unix_epoch((secs + CST_OFFSET_SECONDS).div_euclid(86_400))
        .or_else(|| Date::new(1970, 1, 1).ok())
        .unwrap_or_else(|| unreachable!("1970-01-01 is a date"))
}

/// Validates and normalizes `identity` with shiming-core before a paid call — a value refused
/// here is never sent, never charged. Identities made with [`Identity::new`] are already
/// checked and pass through unchanged (borrowed, not copied); [`Identity::unchecked`] ones are
/// checked now, with lenient region rules (a region problem is a warning, as in shiming-core's
/// default; see [`check_locally_strict`]). With `needs_mobile`, a missing mobile is refused too.
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("张三", "110105194912310021", Some("13800138000"));
/// let e = shiming_gateway::vendor::check_locally(&who, true, "tel3").unwrap_err();
/// assert_eq!(e.kind(), shiming_core::ErrorKind::InvalidInput);
/// assert_eq!(e.billing(), shiming_core::Billing::NotBilled);
/// ```
pub fn check_locally<'a>(
    identity: &'a Identity,
    needs_mobile: bool,
    vendor: &'static str,
) -> Result<Cow<'a, Identity>, Error> {
    check_identity(identity, needs_mobile, false, vendor)
}

/// [`check_locally`] with strict region rules: an ID number whose region code shiming-core
/// grades as a problem (unknown code, code abolished before the birth year, Taiwan's GB/T 2260
/// code on a resident number — [`shiming_core::id_card::IdNumber::has_region_problem`]) is
/// refused as `id_card: region`. An [`Identity::new`] identity is not checked again except
/// for that: its ID number alone is re-parsed (allocation-free) and only a region refusal
/// counts; it still passes through borrowed.
///
/// ```
/// use shiming_core::{id_card::ValidationOptions, Identity};
/// use shiming_gateway::vendor::{check_locally, check_locally_strict, today_in_china};
/// // 崇文区 (110103) was abolished in 2010; this number says born 2015.
/// let who = Identity::unchecked("张三", "110103201503071232", Some("13800138000"));
/// assert!(check_locally(&who, true, "tel3").is_ok());
/// let e = check_locally_strict(&who, true, "tel3").unwrap_err();
/// assert_eq!(e.input().map(|i| (i.field(), i.reason())), Some(("id_card", "region")));
/// let checked = Identity::new("张三", "110103201503071232", None, &ValidationOptions::new(today_in_china())).unwrap();
/// assert!(check_locally_strict(&checked, false, "sfz2").is_err());
/// ```
pub fn check_locally_strict<'a>(
    identity: &'a Identity,
    needs_mobile: bool,
    vendor: &'static str,
) -> Result<Cow<'a, Identity>, Error> {
    check_identity(identity, needs_mobile, true, vendor)
}

/// The one implementation of [`check_locally`] and [`check_locally_strict`].
pub(crate) fn check_identity<'a>(
    identity: &'a Identity,
    needs_mobile: bool,
    strict_regions: bool,
    vendor: &'static str,
) -> Result<Cow<'a, Identity>, Error> {
    validate_identity(identity, needs_mobile, strict_regions)
        .map_err(|e| Error::invalid_input(e).with_vendor(vendor))
}

/// The validation behind [`check_locally`] and [`check_locally_strict`], for callers that
/// check before choosing a vendor (a router): an [`Identity::unchecked`] identity is
/// validated now, an [`Identity::new`] one passes through borrowed (with `strict_regions`,
/// after its ID number's region is re-checked); with `needs_mobile` a missing mobile is
/// refused.
///
/// ```
/// use shiming_core::Identity;
/// use shiming_gateway::vendor::validate_identity;
/// let who = Identity::unchecked("张三", "110103201503071232", None);
/// assert!(validate_identity(&who, false, false).is_ok());
/// let e = validate_identity(&who, false, true).unwrap_err();
/// assert_eq!((e.field(), e.reason()), ("id_card", "region"));
/// assert_eq!(validate_identity(&who, true, false).unwrap_err().field(), "mobile");
/// ```
pub fn validate_identity(
    identity: &Identity,
    needs_mobile: bool,
    strict_regions: bool,
) -> Result<Cow<'_, Identity>, InputError> {
    let options = ValidationOptions::new(today_in_china()).strict(strict_regions);
    let checked = if identity.is_checked() {
        if strict_regions {
            refuse_region_problem(identity.expose_id(), &options)?;
        }
        Cow::Borrowed(identity)
    } else {
        Cow::Owned(Identity::new(
            identity.expose_name(),
            identity.expose_id(),
            identity.expose_mobile(),
            &options,
        )?)
    };
    if needs_mobile {
        checked.require_mobile()?;
    }
    Ok(checked)
}

/// Re-checks only the region of an already checked ID number under strict `options`. Region
/// is the last of shiming-core's checks, so a region error means all the others passed; any
/// other error (the identity's maker validated against another "today") is not ours to raise.
fn refuse_region_problem(id: &str, options: &ValidationOptions) -> Result<(), InputError> {
    match id_card::parse(id, options) {
        Err(e @ IdError::Region { .. }) => Err(InputError::IdCard(e)),
        _ => Ok(()),
    }
}

/// The [`Billing`] of a call the marketplace did (`true`) or did not (`false`) charge.
///
/// ```
/// use shiming_core::Billing;
/// assert_eq!(shiming_gateway::vendor::billing(true), Billing::Billed);
/// assert_eq!(shiming_gateway::vendor::billing(false), Billing::NotBilled);
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
/// use shiming_gateway::vendor::vendor_error;
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

/// Decodes a vendor's JSON answer. A body that does not fit `T` is
/// [`ErrorKind::MalformedAnswer`] whose message names the JSON path that failed (e.g.
/// `data.result: invalid type: string "1", expected i64`), with the call's billing and request
/// id; truncation and syntax errors are reported at the root (`.`). The answer must be one
/// JSON object (`.: the answer is not a JSON object` otherwise) with
/// nothing after it. The body itself is never quoted (it may echo personal data).
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Answer { ok: i64 }
/// # fn demo(r: &shiming_gateway::ApiResponse) -> Result<(), shiming_core::Error> {
/// let answer: Answer = shiming_gateway::vendor::decode_json(r, "tel3")?;
/// # let _ = answer.ok; Ok(()) }
/// ```
pub fn decode_json<T: DeserializeOwned>(
    response: &ApiResponse,
    vendor: &'static str,
) -> Result<T, Error> {
    let malformed = |path: &str, what: &str| {
        let mut error = Error::new(ErrorKind::MalformedAnswer, format!("{path}: {what}"))
            .with_vendor(vendor)
            .with_billing(billing(response.billed));
        if let Some(id) = &response.request_id {
            error = error.with_request_id(id.clone());
        }
        error
    };
    let first = response.body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{') {
        // Valid JSON that is not an object, or not JSON at all.
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(&response.body) {
                Ok(_) => malformed(".", "the answer is not a JSON object"),
                Err(e) => malformed(".", json_failure(&e)),
            },
        );
    }
    // Fast path: plain serde_json. Field paths are tracked only to explain a failure, so on
    // error the body is decoded again with path tracking (same input, same error).
    let mut deserializer = serde_json::Deserializer::from_slice(&response.body);
    if let Ok(value) = T::deserialize(&mut deserializer) {
        if deserializer.end().is_ok() {
            return Ok(value);
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(&response.body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        // A field path only where a field is at fault; truncation and syntax are the answer's.
        let path = match e.inner().classify() {
            serde_json::error::Category::Data => e.path().to_string(),
            _ => ".".to_string(),
        };
        malformed(&path, json_failure(e.inner()))
    })?;
    deserializer
        .end()
        .map_err(|e| malformed(".", json_failure(&e)))?;
    Ok(value)
}

/// What went wrong, by serde_json's category only: its message may quote the offending value.
fn json_failure(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Eof => "the answer ends too early (truncated JSON)",
        serde_json::error::Category::Syntax => "the answer is not valid JSON",
        serde_json::error::Category::Data => "a field has an unexpected type or value",
        serde_json::error::Category::Io => "the answer could not be read",
    }
}

/// A scalar that a vendor's documentation types loosely.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
}

/// A `deserialize_with` for a field read as text that may arrive as a JSON string, number or
/// boolean (`1` and `"1"` are the same; an integral float is written without a fraction);
/// `null` or absent is `None` (use it with `#[serde(default)]`). Arrays and objects are
/// refused.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Answer {
///     #[serde(default, deserialize_with = "shiming_gateway::vendor::lenient_text")]
///     code: Option<String>,
/// }
/// let code = |json| serde_json::from_str::<Answer>(json).map(|a| a.code);
/// assert_eq!(code(r#"{"code":200}"#).unwrap().as_deref(), Some("200"));
/// assert_eq!(code(r#"{"code":"200"}"#).unwrap().as_deref(), Some("200"));
/// assert_eq!(code(r#"{"code":true}"#).unwrap().as_deref(), Some("true"));
/// assert_eq!(code(r#"{"code":null}"#).unwrap(), None);
/// assert!(code(r#"{"code":[1]}"#).is_err());
/// ```
pub fn lenient_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    // Errors pass through unchanged: a truncated answer stays "truncated", not "wrong type".
    Ok(
        Option::<Scalar>::deserialize(deserializer)?.map(|s| match s {
            Scalar::Text(t) => t,
            Scalar::Signed(n) => n.to_string(),
            Scalar::Unsigned(n) => n.to_string(),
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }),
    )
}

/// A `deserialize_with` for an integer field that may arrive as a number, a numeric string
/// (`"1"`, surrounding spaces ignored), an integral float or a boolean (`true` = 1); `null`,
/// absent or a blank string is `None` (use it with `#[serde(default)]`). Anything else —
/// `"yes"`, `1.5`, `[1]` — is refused.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Answer {
///     #[serde(default, deserialize_with = "shiming_gateway::vendor::lenient_int")]
///     ok: Option<i64>,
/// }
/// let ok = |json| serde_json::from_str::<Answer>(json).map(|a| a.ok);
/// assert_eq!(ok(r#"{"ok":"1"}"#).unwrap(), Some(1));
/// assert_eq!(ok(r#"{"ok":1.0}"#).unwrap(), Some(1));
/// assert_eq!(ok(r#"{"ok":true}"#).unwrap(), Some(1));
/// assert_eq!(ok(r#"{"ok":""}"#).unwrap(), None);
/// assert!(ok(r#"{"ok":1.5}"#).is_err());
/// ```
pub fn lenient_int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let invalid = || D::Error::custom("expected an integer");
    match Option::<Scalar>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Scalar::Signed(n)) => Ok(Some(n)),
        Some(Scalar::Unsigned(n)) => i64::try_from(n).map(Some).map_err(|_| invalid()),
        Some(Scalar::Bool(b)) => Ok(Some(i64::from(b))),
        Some(Scalar::Float(f)) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(Some(f as i64)),
        Some(Scalar::Float(_)) => Err(invalid()),
        Some(Scalar::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Scalar::Text(t)) => t.trim().parse().map(Some).map_err(|_| invalid()),
    }
}

/// A `deserialize_with` for a nested object that may be `null` or absent (`None`; use it with
/// `#[serde(default)]`). Unlike a plain `Option<T>` it refuses an array where the object
/// should be, and field paths inside the object still reach [`decode_json`]'s message.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Data { #[serde(default)] state: Option<String> }
/// #[derive(serde::Deserialize)]
/// struct Answer {
///     #[serde(default, deserialize_with = "shiming_gateway::vendor::object_or_null")]
///     data: Option<Data>,
/// }
/// let data = |json| serde_json::from_str::<Answer>(json).map(|a| a.data.and_then(|d| d.state));
/// assert_eq!(data(r#"{"data":{"state":"1"}}"#).unwrap().as_deref(), Some("1"));
/// assert_eq!(data(r#"{"data":null}"#).unwrap(), None);
/// assert!(data(r#"{"data":["1"]}"#).is_err());
/// ```
pub fn object_or_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectOrNull<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOrNull<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object or null")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
    }
    deserializer.deserialize_any(ObjectOrNull(PhantomData))
}

/// Vendor text made fit for an error message: surrounding whitespace trimmed, control
/// characters turned into spaces, every run of at least `min_digit_run` characters made of
/// digits (and an ID number's trailing check letter `X`) masked with `*` — an ID number or
/// mobile echoed by the vendor never reaches a message — and at most `max_chars` characters
/// kept (then `…`).
///
/// ```
/// use shiming_gateway::vendor::scrub;
/// assert_eq!(scrub("号码13957120001不对\n", 7, 120), "号码***********不对");
/// assert_eq!(scrub("sfz 33010619880516071X", 7, 120), "sfz ******************");
/// assert_eq!(scrub("code 10015", 6, 80), "code 10015");
/// assert_eq!(scrub("a\tb", 6, 80), "a b");
/// assert_eq!(scrub(&"长".repeat(200), 6, 80).chars().count(), 81);
/// ```
#[must_use]
pub fn scrub(text: &str, min_digit_run: usize, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let len = run.chars().count();
        if len >= min_digit_run {
            out.extend(std::iter::repeat('*').take(len));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.trim().chars() {
        if c.is_ascii_digit() || (!run.is_empty() && (c == 'X' || c == 'x')) {
            run.push(c);
            continue;
        }
        flush(&mut run, &mut out);
        out.push(if c.is_control() { ' ' } else { c });
    }
    flush(&mut run, &mut out);
    match out.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &out[..at]),
        None => out,
    }
}

/// The placeholder for the variable part of a catalogued vendor message (拇指云 documents
/// `appid:XXXXXXX接口已停用`).
pub const MESSAGE_WILDCARD: &str = "XXXXXXX";

/// Whether a vendor message matches a catalogued `pattern`: equal, or — when the pattern holds
/// [`MESSAGE_WILDCARD`] — same head and tail around a non-empty middle.
///
/// ```
/// use shiming_gateway::vendor::message_matches;
/// assert!(message_matches("手机号码有误", "手机号码有误"));
/// assert!(message_matches("appid:XXXXXXX接口已停用", "appid:abc123接口已停用"));
/// assert!(!message_matches("appid:XXXXXXX接口已停用", "appid:接口已停用"));
/// ```
#[must_use]
pub fn message_matches(pattern: &str, msg: &str) -> bool {
    match pattern.split_once(MESSAGE_WILDCARD) {
        Some((head, tail)) => {
            msg.len() > head.len() + tail.len() && msg.starts_with(head) && msg.ends_with(tail)
        }
        None => pattern == msg,
    }
}

/// A shiming-core masking function, such as [`shiming_core::mask::mask_id`].
pub type Masker = fn(&str) -> String;

/// Whether a vendor's echo of a personal value is really masked: it holds `*` and shows no
/// more characters (anything but `*`, surrounding whitespace ignored) than `mask_with` (a
/// shiming-core masking function) leaves visible of a value as long as the echo — at most
/// one character of a name, four and two of an ID number, three and four of a mobile. Every
/// documented vendor masking shows no more (`李****`, `3505******12`, `15956*******7`,
/// `51*****1111`, `18*****000`); a full value with a `*` added (`13800138000*`) does.
///
/// ```
/// use shiming_core::mask::{mask_id, mask_mobile, mask_name};
/// use shiming_gateway::vendor::echo_is_masked;
/// assert!(echo_is_masked("15956*******7", mask_mobile));
/// assert!(echo_is_masked("51*****1111", mask_id));
/// assert!(echo_is_masked("李****", mask_name));
/// assert!(!echo_is_masked("13800138000", mask_mobile));
/// assert!(!echo_is_masked("13800138000*", mask_mobile));
/// assert!(!echo_is_masked("*33010619880516071X", mask_id));
/// assert!(!echo_is_masked("陈思*", mask_name));
/// ```
#[must_use]
pub fn echo_is_masked(value: &str, mask_with: Masker) -> bool {
    let value = value.trim();
    let length = value.chars().count();
    let visible = value.chars().filter(|&c| c != '*').count();
    // What shiming-core's own mask keeps of a value this long.
    let kept = mask_with(&"0".repeat(length))
        .chars()
        .filter(|&c| c != '*')
        .count();
    visible < length && visible <= kept
}

/// A vendor's echo of a personal value: kept as sent (surrounding whitespace trimmed) when
/// the vendor really masked it ([`echo_is_masked`]), otherwise masked here with `mask_with`
/// (a shiming-core masking function), so that a vendor that echoes in clear — or stars only
/// a character or two — never puts a full value into a `Verification`.
///
/// ```
/// use shiming_core::mask::mask_mobile;
/// use shiming_gateway::vendor::masked_echo;
/// assert_eq!(masked_echo("15956*******7", mask_mobile), "15956*******7");
/// assert_eq!(masked_echo("13800138000", mask_mobile), "138****8000");
/// assert_eq!(masked_echo("13800138000*", mask_mobile), "138*****000*");
/// ```
#[must_use]
pub fn masked_echo(value: &str, mask_with: Masker) -> String {
    let value = value.trim();
    if echo_is_masked(value, mask_with) {
        value.to_string()
    } else {
        mask_with(value)
    }
}

/// A body that could not be decoded. On a 2xx status or one of the vendor's own answer
/// statuses (`own_statuses`, e.g. 拇指云's 666) it stays the [`ErrorKind::MalformedAnswer`]
/// of `parse_error`; on any other status the vendor side failed with a body that is not the
/// vendor's (an HTML error page): [`ErrorKind::VendorFault`] naming the status.
///
/// ```
/// use shiming_core::{Error, ErrorKind};
/// use shiming_gateway::vendor::unreadable_answer;
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::StatusCode;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Answer {
        ok: i64,
        data: Data,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Data {
        result: i64,
    }

    fn response(body: &'static str, billed: bool) -> ApiResponse {
        ApiResponse {
            status: StatusCode::OK,
            body: Bytes::from_static(body.as_bytes()),
            request_id: Some("req-1".into()),
            billed,
            attempts: 1,
        }
    }

    #[test]
    fn decode_errors_name_the_path_and_keep_billing() {
        let e = decode_json::<Answer>(&response(r#"{"ok":1,"data":{"result":"张三"}}"#, true), "x")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedAnswer);
        assert_eq!(e.billing(), Billing::Billed);
        assert!(e.message().starts_with("data.result: "), "{}", e.message());
        assert!(
            !e.message().contains("张三"),
            "the body is not quoted: {}",
            e.message()
        );
        assert_eq!(e.request_id(), Some("req-1"));
        let truncated = decode_json::<Answer>(&response(r#"{"ok":1,"da"#, false), "x").unwrap_err();
        assert!(
            truncated.message().contains("truncated"),
            "{}",
            truncated.message()
        );
        assert_eq!(truncated.billing(), Billing::NotBilled);
    }

    #[test]
    fn decode_needs_one_object_and_nothing_after_it() {
        for (body, what) in [
            (r#"[1,{"result":1}]"#, ".: the answer is not a JSON object"),
            (r#""ok""#, ".: the answer is not a JSON object"),
            ("<html>", ".: the answer is not valid JSON"),
            (
                r#"{"ok":1,"data":{"result":1}} x"#,
                ".: the answer is not valid JSON",
            ),
            ("", ".: the answer ends too early (truncated JSON)"),
        ] {
            let e = decode_json::<Answer>(&response(body, true), "x").unwrap_err();
            assert_eq!(e.message(), what, "{body}");
            assert_eq!(e.kind(), ErrorKind::MalformedAnswer);
        }
    }

    #[test]
    fn checked_identities_pass_and_missing_mobiles_are_refused() {
        let opts = ValidationOptions::new(today_in_china());
        let who = Identity::new("张三", "11010519491231002X", None, &opts).unwrap();
        assert!(check_locally(&who, false, "sfz2").is_ok());
        let e = check_locally(&who, true, "tel3").unwrap_err();
        assert_eq!(e.input().map(|i| i.field()), Some("mobile"));
    }

    /// 崇文区 (110103) was abolished in 2010; a number saying "born 2015" under it passes
    /// lenient validation with a region warning.
    const ABOLISHED_REGION_ID: &str = "110103201503071232";

    #[test]
    fn strict_regions_refuse_checked_and_unchecked_identities() {
        let lenient = ValidationOptions::new(today_in_china());
        let parsed = id_card::parse(ABOLISHED_REGION_ID, &lenient).unwrap();
        assert!(parsed.has_region_problem(), "the test number must have one");
        let unchecked = Identity::unchecked("张三", ABOLISHED_REGION_ID, Some("13800138000"));
        let checked =
            Identity::new("张三", ABOLISHED_REGION_ID, Some("13800138000"), &lenient).unwrap();
        for who in [&unchecked, &checked] {
            assert!(check_locally(who, true, "tel3").is_ok(), "{who:?}");
            let e = check_locally_strict(who, true, "tel3").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert_eq!(e.billing(), Billing::NotBilled);
            assert_eq!(e.vendor(), Some("tel3"));
            let input = e.input().unwrap();
            assert_eq!((input.field(), input.reason()), ("id_card", "region"));
            assert!(
                e.message().contains("abolished"),
                "says why: {}",
                e.message()
            );
            assert!(
                !e.message().contains(ABOLISHED_REGION_ID),
                "{}",
                e.message()
            );
        }
        // A checked identity is still borrowed, not copied, when strict mode lets it pass.
        let fine = Identity::new("张三", "11010519491231002X", None, &lenient).unwrap();
        assert!(matches!(
            check_locally_strict(&fine, false, "sfz2"),
            Ok(Cow::Borrowed(_))
        ));
        // Strict regions change nothing else: other refusals keep their reasons.
        let bad = Identity::unchecked("张三", "110105194912310021", None);
        let e = check_locally_strict(&bad, false, "sfz2").unwrap_err();
        assert_eq!(e.input().map(|i| i.reason()), Some("checksum"));
    }
}
