//! What every vendor crate needs besides the transport: "today" for local validation, local
//! validation of an [`Identity`], and JSON decoding whose errors name the field path.

use serde::de::DeserializeOwned;
use shiming_core::id_card::ValidationOptions;
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
/// checked and pass through unchanged; [`Identity::unchecked`] ones are checked now. With
/// `needs_mobile`, a missing mobile is refused too.
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("张三", "110105194912310021", Some("13800138000"));
/// let e = shiming_gateway::vendor::check_locally(&who, true, "tel3").unwrap_err();
/// assert_eq!(e.kind(), shiming_core::ErrorKind::InvalidInput);
/// assert_eq!(e.billing(), shiming_core::Billing::NotBilled);
/// ```
pub fn check_locally(
    identity: &Identity,
    needs_mobile: bool,
    vendor: &'static str,
) -> Result<Identity, Error> {
    let checked = if identity.is_checked() {
        identity.clone()
    } else {
        let options = ValidationOptions::new(today_in_china());
        Identity::new(
            identity.expose_name(),
            identity.expose_id(),
            identity.expose_mobile(),
            &options,
        )
        .map_err(|e| Error::invalid_input(e).with_vendor(vendor))?
    };
    if needs_mobile {
        checked
            .require_mobile()
            .map_err(|e| Error::invalid_input(e).with_vendor(vendor))?;
    }
    Ok(checked)
}

/// Decodes a vendor's JSON answer. A body that does not fit `T` is
/// [`ErrorKind::MalformedAnswer`] whose message names the JSON path that failed (e.g.
/// `data.result: invalid type: string "1", expected i64`), with the call's billing and request
/// id. The body itself is never quoted (it may echo personal data).
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
    let mut deserializer = serde_json::Deserializer::from_slice(&response.body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        // serde_json's message may quote the offending value; keep only its category.
        let what = match inner.classify() {
            serde_json::error::Category::Eof => {
                "the answer ends too early (truncated JSON)".to_string()
            }
            serde_json::error::Category::Syntax => "the answer is not valid JSON".to_string(),
            serde_json::error::Category::Data => {
                "a field has an unexpected type or value".to_string()
            }
            serde_json::error::Category::Io => "the answer could not be read".to_string(),
        };
        let mut error = Error::new(ErrorKind::MalformedAnswer, format!("{path}: {what}"))
            .with_vendor(vendor)
            .with_billing(if response.billed {
                Billing::Billed
            } else {
                Billing::NotBilled
            });
        if let Some(id) = &response.request_id {
            error = error.with_request_id(id.clone());
        }
        error
    })
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
    fn checked_identities_pass_and_missing_mobiles_are_refused() {
        let opts = ValidationOptions::new(today_in_china());
        let who = Identity::new("张三", "11010519491231002X", None, &opts).unwrap();
        assert!(check_locally(&who, false, "sfz2").is_ok());
        let e = check_locally(&who, true, "tel3").unwrap_err();
        assert_eq!(e.input().map(|i| i.field()), Some("mobile"));
    }
}
