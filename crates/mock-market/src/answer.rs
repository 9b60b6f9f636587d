//! What the vendor layer answers: a status and a JSON body.

use bytes::Bytes;
use http::StatusCode;

/// A vendor's answer before the gateway adds its headers and decides on billing.
///
/// ```
/// use shiming_mock_market::VendorAnswer;
/// let a = VendorAnswer::json(http::StatusCode::OK, r#"{"ok":1}"#);
/// assert_eq!(a.body.as_ref(), br#"{"ok":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorAnswer {
    /// HTTP status (vendors use 200, 666, …).
    pub status: StatusCode,
    /// The body bytes, sent as they are.
    pub body: Bytes,
}

impl VendorAnswer {
    /// A JSON answer (`Content-Type: application/json; charset=UTF-8`).
    ///
    /// ```
    /// let a = shiming_mock_market::VendorAnswer::json(http::StatusCode::OK, "{}");
    /// assert!(a.status.is_success());
    /// ```
    #[must_use]
    pub fn json(status: StatusCode, body: impl Into<Bytes>) -> VendorAnswer {
        VendorAnswer {
            status,
            body: body.into(),
        }
    }

    /// A JSON answer serialized from `value`.
    ///
    /// ```
    /// let a = shiming_mock_market::VendorAnswer::from_value(http::StatusCode::OK, &serde_json::json!({"ok": 1}));
    /// assert_eq!(a.body.as_ref(), br#"{"ok":1}"#);
    /// ```
    #[must_use]
    pub fn from_value(status: StatusCode, value: &serde_json::Value) -> VendorAnswer {
        VendorAnswer::json(status, serde_json::to_vec(value).unwrap_or_default())
    }

    /// The non-standard status 拇指云 (tel3, sfz2) uses for unbilled failures.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::VendorAnswer::status_666().as_u16(), 666);
    /// ```
    #[must_use]
    pub fn status_666() -> StatusCode {
        StatusCode::from_u16(666).unwrap_or(StatusCode::BAD_REQUEST)
    }
}
