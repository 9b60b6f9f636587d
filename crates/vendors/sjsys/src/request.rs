//! The request, exactly as documented (seed 002): `POST /communication/personal/1979` with a
//! form body (`application/x-www-form-urlencoded; charset=UTF-8`, set by the gateway client for
//! [`RequestBody::Form`]) holding `idcard`, `mobile` and `name`, in the page's order.
//!
//! The page's second parameter table also lists `key` (the vendor's own platform key): the
//! marketplace authenticates with the AppCode or signature instead, so it is not sent.

use shiming_core::{Error, Identity};
use shiming_gateway::{ApiRequest, RequestBody};

use shiming_vendor_kit::{Field, Limit, Rule};

use crate::VENDOR;

/// The API's path.
///
/// ```
/// assert_eq!(shiming_sjsys::request::PATH, "/communication/personal/1979");
/// ```
pub const PATH: &str = "/communication/personal/1979";

/// The form fields in the page's order. A missing mobile is sent as an empty value
/// ([`check_limits`] refuses that before anything is sent).
fn form(identity: &Identity) -> Vec<(String, String)> {
    vec![
        ("idcard".to_string(), identity.expose_id().to_string()),
        (
            "mobile".to_string(),
            identity.expose_mobile().unwrap_or_default().to_string(),
        ),
        ("name".to_string(), identity.expose_name().to_string()),
    ]
}

/// Builds the call for `identity` to `endpoint` (scheme and host, e.g.
/// [`crate::DEFAULT_ENDPOINT`], no trailing `/`). Pure: nothing is validated or sent; the
/// values go out exactly as the identity holds them (the gateway client percent-encodes them
/// per RFC 3986).
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("张三", "11010519491231002X", Some("13800138000"));
/// let req = shiming_sjsys::request::encode(shiming_sjsys::DEFAULT_ENDPOINT, &who);
/// let shown = format!("{req:?}"); // parameter values are never shown
/// assert!(shown.contains(r#"Form(["idcard", "mobile", "name"])"#));
/// assert!(shown.contains("https://sjsys.market.alicloudapi.com/communication/personal/1979"));
/// assert!(!shown.contains("13800138000"));
/// ```
pub fn encode(endpoint: &str, identity: &Identity) -> ApiRequest {
    ApiRequest::post(
        VENDOR,
        format!("{endpoint}{PATH}"),
        RequestBody::Form(form(identity)),
    )
}

/// The vendor's own documented limits, checked before anything is sent: the page's parameter
/// description marks `name`, `idcard` and `mobile` as required (必填 是; its body table says
/// 可选, the stricter reading wins because a refusal, code `10003`, is billed), so none may be
/// missing or empty. The page documents no length or character limits, so nothing else is
/// refused here; shiming-core's local validation covers the rest.
///
/// # Errors
///
/// [`shiming_core::ErrorKind::InvalidInput`] (never sent, never charged):
/// [`InputError::MissingMobile`](shiming_core::identity::InputError::MissingMobile) without a mobile, [`InputError::VendorLimit`](shiming_core::identity::InputError::VendorLimit) for an empty
/// value.
///
/// ```
/// use shiming_core::Identity;
/// use shiming_sjsys::request::check_limits;
/// assert!(check_limits(&Identity::unchecked("张三", "110105194912310021", Some("13800138000"))).is_ok());
/// let e = check_limits(&Identity::unchecked("张三", "", Some("13800138000"))).unwrap_err();
/// assert_eq!(e.input().map(|i| (i.field(), i.reason())), Some(("id_card", "vendor_limit")));
/// assert!(check_limits(&Identity::unchecked("张三", "11010519491231002X", None)).is_err());
/// ```
pub fn check_limits(identity: &Identity) -> Result<(), Error> {
    shiming_vendor_kit::check_limits(identity, LIMITS, true, VENDOR)
}

/// The limits [`check_limits`] applies, in order.
///
/// ```
/// assert!(!shiming_sjsys::request::LIMITS.is_empty());
/// ```
pub const LIMITS: &[Limit] = &[
    Limit::new(
        Field::IdCard,
        Rule::Required,
        "sjsys requires a value (必填)",
    ),
    Limit::new(
        Field::Mobile,
        Rule::Required,
        "sjsys requires a value (必填)",
    ),
    Limit::new(Field::Name, Rule::Required, "sjsys requires a value (必填)"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::{Billing, ErrorKind};

    #[test]
    fn form_holds_the_documented_fields_in_the_page_order() {
        let who = Identity::unchecked("张三", "32132419860817421X", Some("13636643334"));
        assert_eq!(
            form(&who),
            [
                ("idcard".to_string(), "32132419860817421X".to_string()),
                ("mobile".to_string(), "13636643334".to_string()),
                ("name".to_string(), "张三".to_string()),
            ]
        );
    }

    #[test]
    fn encode_is_a_form_post_to_the_path() {
        let who = Identity::unchecked("张三", "32132419860817421X", Some("13636643334"));
        assert_eq!(
            format!("{:?}", encode("http://127.0.0.1:9", &who)),
            r#"ApiRequest { vendor: "sjsys", method: POST, url: "http://127.0.0.1:9/communication/personal/1979", query: [], body: Form(["idcard", "mobile", "name"]) }"#
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
