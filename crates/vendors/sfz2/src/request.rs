//! The request sfz2 documents (seed 003): `GET /idcard?xm=<name>&sfz=<id>`, query values UTF-8
//! percent-encoded, no body, no mobile — and the input limits of its failure table, checked
//! before anything is sent.
//!
//! The request table says `xm` String(14) and `sfz` String(32); the failure table (the one
//! with messages) says 50 and 18 characters. The failure table is followed, as the mock
//! market does: refusing names of 15–50 characters locally could turn away names sfz2
//! accepts.

use shiming_core::{Error, Identity};
use shiming_gateway::ApiRequest;

use shiming_vendor_kit::{Field, Limit, Rule};

use crate::VENDOR;

/// The path of the API.
///
/// ```
/// assert_eq!(shiming_sfz2::request::PATH, "/idcard");
/// ```
pub const PATH: &str = "/idcard";

/// Longest `xm` (name) sfz2 accepts, in characters (传入真实姓名xm字符串长度超限).
///
/// ```
/// assert_eq!(shiming_sfz2::request::MAX_NAME_CHARS, 50);
/// ```
pub const MAX_NAME_CHARS: usize = 50;

/// Longest `sfz` (ID number) sfz2 accepts, in characters (传入身份证号码sfz字符串长度超限).
///
/// ```
/// assert_eq!(shiming_sfz2::request::MAX_ID_CHARS, 18);
/// ```
pub const MAX_ID_CHARS: usize = 18;

/// The request for `identity` against `endpoint` (scheme and host, e.g.
/// [`crate::DEFAULT_ENDPOINT`]; a trailing `/` is ignored): `GET {endpoint}/idcard` with the
/// query parameters `xm`, `sfz` in this order. A mobile in `identity` is not sent. Values are
/// sent as they are in `identity`; the gateway client percent-encodes them.
///
/// ```
/// use shiming_core::Identity;
/// let who = Identity::unchecked("李三", "330106198805160711", Some("13957120001"));
/// let req = shiming_sfz2::request::encode("https://sfz2.market.alicloudapi.com", &who);
/// // `Debug` shows parameter names only, never values.
/// assert_eq!(
///     format!("{req:?}"),
///     r#"ApiRequest { vendor: "sfz2", method: GET, url: "https://sfz2.market.alicloudapi.com/idcard", query: ["xm", "sfz"], body: Empty }"#
/// );
/// ```
pub fn encode(endpoint: &str, identity: &Identity) -> ApiRequest {
    let url = format!("{}{PATH}", endpoint.trim_end_matches('/'));
    ApiRequest::get(VENDOR, url)
        .query("xm", identity.expose_name())
        .query("sfz", identity.expose_id())
}

/// Refuses, without sending anything, what sfz2's failure table says it refuses: a missing
/// (empty) value, a name over 50 or an ID number over 18 characters, a value containing `*`
/// (treated as debug data), and a name with a space (不含空格). All are
/// [`InputError::VendorLimit`](shiming_core::identity::InputError::VendorLimit), [`shiming_core::ErrorKind::InvalidInput`], not billed. This
/// runs even with local validation turned off. The mobile is not looked at. Messages never
/// contain the value.
///
/// ```
/// use shiming_core::{identity::InputError, Identity};
/// use shiming_sfz2::request::check_limits;
/// assert!(check_limits(&Identity::unchecked("李三", "330106198805160711", None)).is_ok());
/// let e = check_limits(&Identity::unchecked("李三", "33010619880516****", None)).unwrap_err();
/// assert_eq!(e.input().map(InputError::field), Some("id_card"));
/// assert_eq!(e.to_string(), "sfz2: invalid_input: id_card: contains '*', which sfz2 treats as debug data (存在*字符)");
/// ```
pub fn check_limits(identity: &Identity) -> Result<(), Error> {
    shiming_vendor_kit::check_limits(identity, LIMITS, false, VENDOR)
}

/// The limits [`check_limits`] applies, in order.
///
/// ```
/// assert!(!shiming_sfz2::request::LIMITS.is_empty());
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
        Field::Name,
        Rule::MaxChars(MAX_NAME_CHARS),
        "sfz2 accepts at most 50 characters (传入真实姓名xm字符串长度超限)",
    ),
    Limit::new(
        Field::IdCard,
        Rule::MaxChars(MAX_ID_CHARS),
        "sfz2 accepts at most 18 characters (传入身份证号码sfz字符串长度超限)",
    ),
    Limit::new(
        Field::Name,
        Rule::Forbids('*'),
        "contains '*', which sfz2 treats as debug data (存在*字符)",
    ),
    Limit::new(
        Field::IdCard,
        Rule::Forbids('*'),
        "contains '*', which sfz2 treats as debug data (存在*字符)",
    ),
    Limit::new(
        Field::Name,
        Rule::NoWhitespace,
        "contains a space, which sfz2 does not accept (不含空格)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::{Billing, ErrorKind};

    const NAME: &str = "陈思远";
    const ID: &str = "330106198805160711";

    /// One identity → `None` (accepted) or the refused field.
    #[track_caller]
    fn check(name: &str, id: &str, mobile: Option<&str>, expected: Option<&str>) {
        let who = Identity::unchecked(name, id, mobile);
        match (check_limits(&who), expected) {
            (Ok(()), None) => {}
            (Err(e), Some(field)) => {
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
                assert_eq!(e.billing(), Billing::NotBilled);
                assert_eq!(e.vendor(), Some("sfz2"));
                let input = e.input().expect("an input error");
                assert_eq!(
                    (input.field(), input.reason()),
                    (field, "vendor_limit"),
                    "{e}"
                );
                let shown = format!("{e} {e:?}");
                for value in [name, id] {
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
        check(NAME, ID, None, None);
        // The mobile is not sfz2's business, nor is the checksum (local validation's).
        check(NAME, ID, Some("not a mobile *"), None);
        check(NAME, "330106198805160712", None, None);
        check("", ID, None, Some("name"));
        check(NAME, "", None, Some("id_card"));
        check(&"阿".repeat(50), ID, None, None);
        check(&"阿".repeat(51), ID, None, Some("name"));
        check(NAME, "3301061988051607111", None, Some("id_card"));
        check("陈*", ID, None, Some("name"));
        check(NAME, "33010619880516****", None, Some("id_card"));
        check("John Smith", ID, None, Some("name"));
        check("陈\u{3000}思远", ID, None, Some("name"));
    }

    #[test]
    fn encodes_a_get_with_two_query_parameters() {
        let who = Identity::unchecked(NAME, ID, Some("13957120001"));
        let req = encode("http://127.0.0.1:8080/", &who);
        assert_eq!(
            format!("{req:?}"),
            r#"ApiRequest { vendor: "sfz2", method: GET, url: "http://127.0.0.1:8080/idcard", query: ["xm", "sfz"], body: Empty }"#
        );
    }
}
