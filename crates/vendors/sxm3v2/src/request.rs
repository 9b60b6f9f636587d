//! The request, exactly as documented (seed 001): `POST /mobile3/check` with a JSON body
//! `{"name":…,"mobile":…,"idCard":…}` (fields in the page's order).
//!
//! **Assumed** (vendor-apis.md): the page's "POST JSON" means a JSON request body,
//! `Content-Type: application/json; charset=UTF-8` (set by the gateway client for
//! [`RequestBody::Json`]).

use serde::Serialize;
use shiming_core::{Error, Identity};
use shiming_gateway::{ApiRequest, RequestBody};

use shiming_vendor_kit::{Field, Limit, Rule};

use crate::VENDOR;

/// The API's path.
///
/// ```
/// assert_eq!(shiming_sxm3v2::request::PATH, "/mobile3/check");
/// ```
pub const PATH: &str = "/mobile3/check";

/// The JSON body, fields in the order of the page's parameter table.
#[derive(Serialize)]
struct Body<'a> {
    name: &'a str,
    mobile: &'a str,
    #[serde(rename = "idCard")]
    id_card: &'a str,
}

/// The body's bytes. A missing mobile is sent as an empty string ([`check_limits`] refuses
/// that before anything is sent).
fn body(identity: &Identity) -> Vec<u8> {
    let body = Body {
        name: identity.expose_name(),
        mobile: identity.expose_mobile().unwrap_or_default(),
        id_card: identity.expose_id(),
    };
    // Serializing three strings into a Vec cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Builds the call for `identity` to `endpoint` (scheme and host, e.g.
/// [`crate::DEFAULT_ENDPOINT`], no trailing `/`). Pure: nothing is validated or sent; the
/// values go out exactly as the identity holds them.
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("张三", "11010519491231002X", Some("13800138000"));
/// let req = shiming_sxm3v2::request::encode(shiming_sxm3v2::DEFAULT_ENDPOINT, &who);
/// let shown = format!("{req:?}"); // parameter values are never shown
/// assert!(shown.contains("POST"));
/// assert!(shown.contains("https://sxm3v2.market.alicloudapi.com/mobile3/check"));
/// assert!(!shown.contains("13800138000"));
/// ```
pub fn encode(endpoint: &str, identity: &Identity) -> ApiRequest {
    ApiRequest::post(
        VENDOR,
        format!("{endpoint}{PATH}"),
        RequestBody::Json(body(identity)),
    )
}

/// The vendor's own documented limits, checked before anything is sent: the page marks
/// `name`, `mobile` and `idCard` as required (必填 Y), so none may be missing or empty. The
/// page documents no length or character limits (its example values are placeholders), so
/// nothing else is refused here; shiming-core's local validation covers the rest.
///
/// # Errors
///
/// [`shiming_core::ErrorKind::InvalidInput`] (never sent, never charged):
/// [`InputError::MissingMobile`](shiming_core::identity::InputError::MissingMobile) without a mobile, [`InputError::VendorLimit`](shiming_core::identity::InputError::VendorLimit) for an empty
/// value.
///
/// ```
/// use shiming_core::Identity;
/// use shiming_sxm3v2::request::check_limits;
/// assert!(check_limits(&Identity::unchecked("张三", "110105194912310021", Some("13800138000"))).is_ok());
/// let e = check_limits(&Identity::unchecked("", "11010519491231002X", Some("13800138000"))).unwrap_err();
/// assert_eq!(e.input().map(|i| (i.field(), i.reason())), Some(("name", "vendor_limit")));
/// assert!(check_limits(&Identity::unchecked("张三", "11010519491231002X", None)).is_err());
/// ```
pub fn check_limits(identity: &Identity) -> Result<(), Error> {
    shiming_vendor_kit::check_limits(identity, LIMITS, true, VENDOR)
}

/// The limits [`check_limits`] applies, in order.
///
/// ```
/// assert!(!shiming_sxm3v2::request::LIMITS.is_empty());
/// ```
pub const LIMITS: &[Limit] = &[
    Limit::new(
        Field::Name,
        Rule::Required,
        "sxm3v2 requires a value (必填)",
    ),
    Limit::new(
        Field::IdCard,
        Rule::Required,
        "sxm3v2 requires a value (必填)",
    ),
    Limit::new(
        Field::Mobile,
        Rule::Required,
        "sxm3v2 requires a value (必填)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::{Billing, ErrorKind};

    #[test]
    fn body_is_compact_json_in_the_page_order() {
        let who = Identity::unchecked("张三", "11010519491231002X", Some("13800138000"));
        assert_eq!(
            String::from_utf8(body(&who)).unwrap(),
            r#"{"name":"张三","mobile":"13800138000","idCard":"11010519491231002X"}"#
        );
        // Whatever the values hold is escaped, never spliced into the JSON.
        let odd = Identity::unchecked("a\"b\\c", "1\n", Some("}"));
        let parsed: serde_json::Value = serde_json::from_slice(&body(&odd)).unwrap();
        assert_eq!(parsed["name"], "a\"b\\c");
        assert_eq!(parsed["idCard"], "1\n");
        assert_eq!(parsed["mobile"], "}");
    }

    #[test]
    fn encode_is_a_json_post_to_the_path() {
        let who = Identity::unchecked("张三", "11010519491231002X", Some("13800138000"));
        let shown = format!("{:?}", encode("http://127.0.0.1:9", &who));
        let len = body(&who).len();
        assert_eq!(
            shown,
            format!(
                r#"ApiRequest {{ vendor: "sxm3v2", method: POST, url: "http://127.0.0.1:9/mobile3/check", query: [], body: Json({len} bytes) }}"#
            )
        );
    }

    #[test]
    fn limits() {
        const ID: &str = "11010519491231002X";
        const MOBILE: &str = "13800138000";
        assert!(check_limits(&Identity::unchecked("张三", ID, Some(MOBILE))).is_ok());
        for (name, id, mobile, field, reason) in [
            ("张三", ID, None, "mobile", "missing"),
            ("张三", ID, Some(""), "mobile", "vendor_limit"),
            ("张三", "", Some(MOBILE), "id_card", "vendor_limit"),
            ("", ID, Some(MOBILE), "name", "vendor_limit"),
        ] {
            let e = check_limits(&Identity::unchecked(name, id, mobile)).unwrap_err();
            assert_eq!(
                (e.kind(), e.billing()),
                (ErrorKind::InvalidInput, Billing::NotBilled)
            );
            assert_eq!(e.vendor(), Some(VENDOR));
            let input = e.input().unwrap();
            assert_eq!((input.field(), input.reason()), (field, reason));
        }
    }
}
