//! Decoding a vendor's JSON answer: errors that name the field path and never quote the body,
//! and lenient field readers for loosely documented answers.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use shiming_core::{Error, ErrorKind};
use shiming_gateway::ApiResponse;

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
/// let answer: Answer = shiming_vendor_kit::decode_json(r, "tel3")?;
/// # let _ = answer.ok; Ok(()) }
/// ```
pub fn decode_json<T: DeserializeOwned>(
    response: &ApiResponse,
    vendor: &'static str,
) -> Result<T, Error> {
    let malformed = |path: &str, what: &str| {
        let mut error = Error::new(ErrorKind::MalformedAnswer, format!("{path}: {what}"))
            .with_vendor(vendor)
            .with_billing(response.billing);
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
///     #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_text")]
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
///     #[serde(default, deserialize_with = "shiming_vendor_kit::lenient_int")]
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
///     #[serde(default, deserialize_with = "shiming_vendor_kit::object_or_null")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::StatusCode;
    use shiming_core::Billing;

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
        ApiResponse::new(
            StatusCode::OK,
            Bytes::from_static(body.as_bytes()),
            Some("req-1".into()),
        )
        .with_billing(shiming_core::Billing::of(billed))
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
}
