//! How the gateway finds the API a request is for. The vendors are shiming-core's catalogue
//! ([`Vendor`], re-exported by this crate: ids, hosts, product names); each API's documented
//! method and path are wire format, read from the vendor documents by this crate on its own,
//! like the bodies it answers with.

use http::Method;
use shiming_core::Vendor;

/// The documented method of `vendor`'s API: `POST` for sxm3v2 and sjsys, `GET` for the
/// others.
///
/// ```
/// use shiming_mock_market::{routing, Vendor};
/// assert_eq!(routing::method(Vendor::Sxm3v2), http::Method::POST);
/// ```
#[must_use]
pub fn method(vendor: Vendor) -> Method {
    match vendor {
        Vendor::Sxm3v2 | Vendor::Sjsys => Method::POST,
        _ => Method::GET,
    }
}

/// The documented path of `vendor`'s API, or `None` for a vendor the catalogue lists and
/// this market does not simulate (none today):
///
/// | vendor | request |
/// | --- | --- |
/// | tel3 | `GET /mobile` |
/// | sxm3v2 | `POST /mobile3/check` (JSON body; form accepted) |
/// | sjsys | `POST /communication/personal/1979` (form body) |
/// | sfz2 | `GET /idcard` |
/// | phonethird | `GET /mobileCheck` |
///
/// ```
/// use shiming_mock_market::{routing, Vendor};
/// assert_eq!(routing::path(Vendor::Sfz2), Some("/idcard"));
/// assert!(Vendor::ALL.into_iter().all(|v| routing::path(v).is_some()));
/// ```
#[must_use]
pub const fn path(vendor: Vendor) -> Option<&'static str> {
    Some(match vendor {
        Vendor::Tel3 => "/mobile",
        Vendor::Sxm3v2 => "/mobile3/check",
        Vendor::Sjsys => "/communication/personal/1979",
        Vendor::Sfz2 => "/idcard",
        Vendor::Phonethird => "/mobileCheck",
        _ => return None,
    })
}

/// The vendor whose API is at `path`, if any.
///
/// ```
/// use shiming_mock_market::{routing, Vendor};
/// assert_eq!(routing::by_path("/mobile3/check"), Some(Vendor::Sxm3v2));
/// assert_eq!(routing::by_path("/nope"), None);
/// ```
#[must_use]
pub fn by_path(path: &str) -> Option<Vendor> {
    Vendor::ALL
        .into_iter()
        .find(|&v| self::path(v) == Some(path))
}

/// The vendor whose gateway host ([`Vendor::host`]) is `host` (port ignored,
/// case-insensitive).
///
/// ```
/// use shiming_mock_market::{routing, Vendor};
/// assert_eq!(routing::by_host("TEL3.market.alicloudapi.com:443"), Some(Vendor::Tel3));
/// assert_eq!(routing::by_host("127.0.0.1:8080"), None);
/// ```
#[must_use]
pub fn by_host(host: &str) -> Option<Vendor> {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    Vendor::ALL
        .into_iter()
        .find(|v| v.host().eq_ignore_ascii_case(name))
}
