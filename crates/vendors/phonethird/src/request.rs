//! The request: `GET <endpoint>/mobileCheck?idCard=<id>&mobile=<mobile>&name=<name>`
//! (seed 004, 请求参数), no body, values UTF-8 percent-encoded by the gateway client.
//!
//! The seed documents no limits besides "all three parameters are required" (必选): no
//! maximum length, no forbidden characters. [`check_limits`] enforces exactly that, because an
//! empty value would still be answered — and charged — as `204`/`205`/`206`.

use shiming_core::{Error, Identity};
use shiming_gateway::ApiRequest;

use shiming_vendor_kit::{Field, Limit, Rule};

use crate::VENDOR;

/// The API path.
///
/// ```
/// assert_eq!(shiming_phonethird::request::PATH, "/mobileCheck");
/// ```
pub const PATH: &str = "/mobileCheck";

/// Builds the call for `identity` against `endpoint` (a base URL without path, e.g.
/// [`crate::DEFAULT_ENDPOINT`] or a mock market's URL; a trailing `/` is ignored). Sends the
/// values exactly as the identity holds them; a missing mobile is sent empty (the client
/// refuses that earlier with [`check_limits`]).
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"));
/// let req = shiming_phonethird::request::encode("https://phonethird.market.alicloudapi.com/", &who);
/// let shown = format!("{req:?}");
/// assert!(shown.contains(r#"url: "https://phonethird.market.alicloudapi.com/mobileCheck""#));
/// assert!(shown.contains(r#"query: ["idCard", "mobile", "name"]"#));
/// assert!(!shown.contains("陈思远"), "Debug never shows the values");
/// ```
pub fn encode(endpoint: &str, identity: &Identity) -> ApiRequest {
    let base = endpoint.trim_end_matches('/');
    let mut url = String::with_capacity(base.len() + PATH.len());
    url.push_str(base);
    url.push_str(PATH);
    ApiRequest::get(VENDOR, url)
        .query("idCard", identity.expose_id())
        .query("mobile", identity.expose_mobile().unwrap_or_default())
        .query("name", identity.expose_name())
}

/// The vendor's own documented limits: `idCard`, `mobile` and `name` are all required (必选),
/// so a missing mobile is [`InputError::MissingMobile`](shiming_core::identity::InputError::MissingMobile) and an empty (or blank) value is
/// [`InputError::VendorLimit`](shiming_core::identity::InputError::VendorLimit). Nothing else is documented, so nothing else is refused here
/// (local validation in the client covers checksums, formats and segments).
///
/// ```
/// use shiming_core::{ErrorKind, Identity};
/// use shiming_phonethird::request::check_limits;
/// assert!(check_limits(&Identity::unchecked("张三", "x", Some("1"))).is_ok());
/// let e = check_limits(&Identity::unchecked(" ", "x", Some("1"))).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// assert_eq!(e.input().map(|i| i.field()), Some("name"));
/// let e = check_limits(&Identity::unchecked("张三", "x", None)).unwrap_err();
/// assert_eq!(e.input().map(|i| i.reason()), Some("missing"));
/// ```
pub fn check_limits(identity: &Identity) -> Result<(), Error> {
    shiming_vendor_kit::check_limits(identity, LIMITS, true, VENDOR)
}

/// The limits [`check_limits`] applies, in order.
///
/// ```
/// assert!(!shiming_phonethird::request::LIMITS.is_empty());
/// ```
pub const LIMITS: &[Limit] = &[
    Limit::new(
        Field::Name,
        Rule::NotBlank,
        "phonethird requires a value (必选) and would charge for refusing an empty one",
    ),
    Limit::new(
        Field::IdCard,
        Rule::NotBlank,
        "phonethird requires a value (必选) and would charge for refusing an empty one",
    ),
    Limit::new(
        Field::Mobile,
        Rule::NotBlank,
        "phonethird requires a value (必选) and would charge for refusing an empty one",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_get_with_the_documented_parameter_names() {
        let who = Identity::unchecked("张三", "11010519491231002X", Some("13800138000"));
        let req = encode("http://127.0.0.1:8080", &who);
        assert_eq!(
            format!("{req:?}"),
            r#"ApiRequest { vendor: "phonethird", method: GET, url: "http://127.0.0.1:8080/mobileCheck", query: ["idCard", "mobile", "name"], body: Empty }"#
        );
    }

    #[test]
    fn every_required_value_is_checked() {
        let cases = [
            (Identity::unchecked("", "1", Some("1")), "name"),
            (Identity::unchecked("a", "", Some("1")), "id_card"),
            (Identity::unchecked("a", "1", Some("")), "mobile"),
            (Identity::unchecked("a", "1", Some(" \t")), "mobile"),
            (Identity::unchecked("a", "1", None), "mobile"),
        ];
        for (who, field) in cases {
            let e = check_limits(&who).unwrap_err();
            assert_eq!(
                e.input().map(shiming_core::identity::InputError::field),
                Some(field),
                "{who:?}"
            );
            assert_eq!(e.vendor(), Some(VENDOR));
            assert_eq!(e.billing(), shiming_core::Billing::NotBilled);
        }
        // Not documented, so not refused here: long values, '*', odd characters.
        let odd = Identity::unchecked(&"名".repeat(60), "*", Some("12"));
        assert!(check_limits(&odd).is_ok());
    }
}
