//! The request tel3 documents (seed 000): `GET /mobile?xm=<name>&sfz=<id>&mob=<mobile>`, query
//! values UTF-8 percent-encoded, no body — and the input limits of its failure table, checked
//! before anything is sent.
//!
//! The request table says `sfz` String(20) and `mob` String(14); the failure table (the one
//! with messages) says 18 and 11 characters. The stricter failure table is followed.

use shiming_core::{Error, Identity};
use shiming_gateway::ApiRequest;

use shiming_vendor_kit::{Field, Limit, Rule};

use crate::VENDOR;

/// The path of the API.
///
/// ```
/// assert_eq!(shiming_tel3::request::PATH, "/mobile");
/// ```
pub const PATH: &str = "/mobile";

/// Longest `xm` (name) tel3 accepts, in characters (传入真实姓名xm字符串长度超限).
///
/// ```
/// assert_eq!(shiming_tel3::request::MAX_NAME_CHARS, 50);
/// ```
pub const MAX_NAME_CHARS: usize = 50;

/// Longest `sfz` (ID number) tel3 accepts, in characters (传入身份证号码sfz字符串长度超限).
///
/// ```
/// assert_eq!(shiming_tel3::request::MAX_ID_CHARS, 18);
/// ```
pub const MAX_ID_CHARS: usize = 18;

/// Longest `mob` (mobile) tel3 accepts, in characters (传入手机号码mob字符串长度超限).
///
/// ```
/// assert_eq!(shiming_tel3::request::MAX_MOBILE_CHARS, 11);
/// ```
pub const MAX_MOBILE_CHARS: usize = 11;

/// The request for `identity` against `endpoint` (scheme and host, e.g.
/// [`crate::DEFAULT_ENDPOINT`]; a trailing `/` is ignored): `GET {endpoint}/mobile` with the
/// query parameters `xm`, `sfz`, `mob` in this order. Without a mobile, `mob` is left out (tel3
/// would answer 未传入手机号码mob; [`check_limits`] refuses that first). Values are sent as they
/// are in `identity`; the gateway client percent-encodes them.
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("李三", "330106198805160711", Some("13957120001"));
/// let req = shiming_tel3::request::encode("https://tel3.market.alicloudapi.com", &who);
/// // `Debug` shows parameter names only, never values.
/// assert_eq!(
///     format!("{req:?}"),
///     r#"ApiRequest { vendor: "tel3", method: GET, url: "https://tel3.market.alicloudapi.com/mobile", query: ["xm", "sfz", "mob"], body: Empty }"#
/// );
/// ```
pub fn encode(endpoint: &str, identity: &Identity) -> ApiRequest {
    let url = format!("{}{PATH}", endpoint.trim_end_matches('/'));
    let request = ApiRequest::get(VENDOR, url)
        .query("xm", identity.expose_name())
        .query("sfz", identity.expose_id());
    match identity.expose_mobile() {
        Some(mobile) => request.query("mob", mobile),
        None => request,
    }
}

/// Refuses, without sending anything, what tel3's failure table says it refuses: a missing
/// (empty) value, a name over 50 / ID number over 18 / mobile over 11 characters, any value
/// containing `*` (treated as debug data), and a name with a space (不含空格). A missing mobile
/// is [`InputError::MissingMobile`](shiming_core::identity::InputError::MissingMobile); the others are [`InputError::VendorLimit`](shiming_core::identity::InputError::VendorLimit). All are
/// [`shiming_core::ErrorKind::InvalidInput`], not billed. This runs even with local validation
/// turned off. Messages never contain the value.
///
/// ```
/// use shiming_core::{identity::InputError, Identity};
/// use shiming_tel3::request::check_limits;
/// assert!(check_limits(&Identity::unchecked("李三", "330106198805160711", Some("13957120001"))).is_ok());
/// let e = check_limits(&Identity::unchecked("李*", "330106198805160711", Some("13957120001"))).unwrap_err();
/// assert_eq!(e.input().map(InputError::field), Some("name"));
/// assert_eq!(e.to_string(), "tel3: invalid_input: name: contains '*', which tel3 treats as debug data (存在*字符)");
/// ```
pub fn check_limits(identity: &Identity) -> Result<(), Error> {
    shiming_vendor_kit::check_limits(identity, LIMITS, true, VENDOR)
}

/// The limits [`check_limits`] applies, in order.
///
/// ```
/// assert!(!shiming_tel3::request::LIMITS.is_empty());
/// ```
pub const LIMITS: &[Limit] = &[
    Limit::new(
        Field::Name,
        Rule::Required,
        "must not be empty (未传入真实姓名xm)",
    ),
    Limit::new(
        Field::IdCard,
        Rule::Required,
        "must not be empty (未传入身份证号码sfz)",
    ),
    Limit::new(
        Field::Mobile,
        Rule::Required,
        "must not be empty (未传入手机号码mob)",
    ),
    Limit::new(
        Field::Name,
        Rule::MaxChars(MAX_NAME_CHARS),
        "tel3 accepts at most 50 characters (传入真实姓名xm字符串长度超限)",
    ),
    Limit::new(
        Field::IdCard,
        Rule::MaxChars(MAX_ID_CHARS),
        "tel3 accepts at most 18 characters (传入身份证号码sfz字符串长度超限)",
    ),
    Limit::new(
        Field::Mobile,
        Rule::MaxChars(MAX_MOBILE_CHARS),
        "tel3 accepts at most 11 characters (传入手机号码mob字符串长度超限)",
    ),
    Limit::new(
        Field::Name,
        Rule::Forbids('*'),
        "contains '*', which tel3 treats as debug data (存在*字符)",
    ),
    Limit::new(
        Field::IdCard,
        Rule::Forbids('*'),
        "contains '*', which tel3 treats as debug data (存在*字符)",
    ),
    Limit::new(
        Field::Mobile,
        Rule::Forbids('*'),
        "contains '*', which tel3 treats as debug data (存在*字符)",
    ),
    Limit::new(
        Field::Name,
        Rule::NoWhitespace,
        "contains a space, which tel3 does not accept (不含空格)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::{Billing, ErrorKind};

    const NAME: &str = "陈思远";
    const ID: &str = "330106198805160711";
    const MOBILE: &str = "13957120001";

    /// One identity → `None` (accepted) or the refused field and its reason.
    #[track_caller]
    fn check(name: &str, id: &str, mobile: Option<&str>, expected: Option<(&str, &str)>) {
        let who = Identity::unchecked(name, id, mobile);
        match (check_limits(&who), expected) {
            (Ok(()), None) => {}
            (Err(e), Some((field, reason))) => {
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
                assert_eq!(e.billing(), Billing::NotBilled);
                assert_eq!(e.vendor(), Some("tel3"));
                let input = e.input().expect("an input error");
                assert_eq!((input.field(), input.reason()), (field, reason), "{e}");
                let shown = format!("{e} {e:?}");
                for value in [name, id, mobile.unwrap_or("")] {
                    if value.chars().count() > 3 {
                        assert!(!shown.contains(value), "{shown}");
                    }
                }
            }
            (got, want) => panic!("{got:?}, expected {want:?}"),
        }
    }

    #[test]
    #[rustfmt::skip]
    fn limits() {
        let m = Some(MOBILE);
        check(NAME, ID, m, None);
        // Not tel3's business: the checksum (local validation's), 15-character IDs.
        check(NAME, "330106198805160712", m, None);
        check(NAME, "110105491231002", m, None);
        check("", ID, m, Some(("name", "vendor_limit")));
        check(NAME, "", m, Some(("id_card", "vendor_limit")));
        check(NAME, ID, Some(""), Some(("mobile", "vendor_limit")));
        check(NAME, ID, None, Some(("mobile", "missing")));
        check(&"阿".repeat(50), ID, m, None);
        check(&"阿".repeat(51), ID, m, Some(("name", "vendor_limit")));
        check(NAME, "3301061988051607111", m, Some(("id_card", "vendor_limit")));
        check(NAME, ID, Some("139571200011"), Some(("mobile", "vendor_limit")));
        check("陈*", ID, m, Some(("name", "vendor_limit")));
        check(NAME, "33010619880516****", m, Some(("id_card", "vendor_limit")));
        check(NAME, ID, Some("1395712****"), Some(("mobile", "vendor_limit")));
        check("John Smith", ID, m, Some(("name", "vendor_limit")));
        check("陈\u{3000}思远", ID, m, Some(("name", "vendor_limit")));
    }

    #[test]
    fn encodes_a_get_with_three_query_parameters() {
        let who = Identity::unchecked(NAME, ID, Some(MOBILE));
        let req = encode("http://127.0.0.1:8080/", &who);
        assert_eq!(
            format!("{req:?}"),
            r#"ApiRequest { vendor: "tel3", method: GET, url: "http://127.0.0.1:8080/mobile", query: ["xm", "sfz", "mob"], body: Empty }"#
        );
        let without_mobile = encode(
            crate::DEFAULT_ENDPOINT,
            &Identity::unchecked(NAME, ID, None),
        );
        assert!(format!("{without_mobile:?}").contains(r#"query: ["xm", "sfz"]"#));
    }
}
