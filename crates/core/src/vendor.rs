//! The vendor catalogue: the five marketplace APIs shiming speaks, and the facts about each
//! that more than one crate needs — the API id, the product name, the gateway host and default
//! endpoint, what it checks and what it costs by default.
//!
//! It is the one place these facts are written down. The vendor crates take their `VENDOR` and
//! `DEFAULT_ENDPOINT` from it, the facade (`shiming`) re-exports it and routes by it, and the
//! mock market (which depends on no vendor crate) routes requests and counts usage by it. What
//! is not a fact about the vendor stays with the crate it belongs to: each API's request path,
//! method and body are wire format (the vendor crates, and the mock's own reading of the
//! documents); whether a vendor's client is compiled in is a cargo feature of the facade; the
//! environment variables that hold credentials are the facade's configuration.
//!
//! The authority is the vendor documents (the seeds), indexed by API id in the seeds'
//! `README.md`; a test in this crate (`tests/catalogue.rs`) reads them and fails where the
//! catalogue disagrees.

use std::fmt;
use std::str::FromStr;

use crate::{Identity, Price};

/// One of the five marketplace APIs shiming speaks: the vendor catalogue. The list is fixed;
/// every fact the workspace shares about a vendor is a method here.
///
/// ```
/// use shiming_core::{Elements, Vendor};
/// let v: Vendor = "sfz2".parse().unwrap();
/// assert_eq!(v, Vendor::Sfz2);
/// assert_eq!(v.id(), "sfz2");
/// assert_eq!(v.product_name(), "拇指云 身份证二要素核验");
/// assert_eq!(v.host(), "sfz2.market.alicloudapi.com");
/// assert_eq!(v.default_endpoint(), "https://sfz2.market.alicloudapi.com");
/// assert_eq!(v.elements(), Elements::Two);
/// assert_eq!(v.default_price().to_string(), "0.040");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Vendor {
    /// 拇指云 手机三要素核验 (seed 000).
    Tel3,
    /// 数勋 运营商三要素V2 (seed 001).
    Sxm3v2,
    /// 全网手机三要素核验 (seed 002).
    Sjsys,
    /// 拇指云 身份证二要素核验 (seed 003).
    Sfz2,
    /// 手机号三元素实名认证 (seed 004; requires the person's consent).
    Phonethird,
}

/// Which elements a vendor checks.
///
/// ```
/// assert_eq!(shiming_core::Vendor::Tel3.elements(), shiming_core::Elements::Three);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Elements {
    /// Name + ID number + mobile.
    Three,
    /// Name + ID number.
    Two,
}

impl Elements {
    /// What `identity` holds: [`Elements::Three`] with a mobile, [`Elements::Two`] without —
    /// the vendors a router sends it to, and what the command line asks for.
    ///
    /// ```
    /// use shiming_core::{Elements, Identity};
    /// let two = Identity::unchecked("吴秀英", "11010219560409026X", None);
    /// assert_eq!(Elements::of(&two), Elements::Two);
    /// ```
    #[must_use]
    pub fn of(identity: &Identity) -> Elements {
        if identity.expose_mobile().is_some() {
            Elements::Three
        } else {
            Elements::Two
        }
    }
}

/// One row of the catalogue.
struct Entry {
    id: &'static str,
    product_name: &'static str,
    host: &'static str,
    endpoint: &'static str,
    elements: Elements,
    default_price: Price,
}

/// A row. The default endpoint is always `https://` and the host: the sjsys document shows
/// `http://` and phonethird's `http(s)://`, but the gateway serves both, and the clients
/// default to HTTPS for every API (`vendor-apis.md`).
macro_rules! entry {
    (
        id: $id:literal,
        product_name: $name:literal,
        host: $host:literal,
        elements: $elements:ident,
        default_price_li: $li:literal $(,)?
    ) => {
        Entry {
            id: $id,
            product_name: $name,
            host: $host,
            endpoint: concat!("https://", $host),
            elements: Elements::$elements,
            default_price: Price::from_li($li),
        }
    };
}

impl Vendor {
    /// All five, in the order of the price table (cheapest first).
    ///
    /// ```
    /// assert_eq!(shiming_core::Vendor::ALL.len(), 5);
    /// ```
    pub const ALL: [Vendor; 5] = [
        Vendor::Sfz2,
        Vendor::Sxm3v2,
        Vendor::Tel3,
        Vendor::Sjsys,
        Vendor::Phonethird,
    ];

    /// The catalogue, one row per vendor; each accessor below says where its facts come from.
    const fn entry(self) -> Entry {
        match self {
            Vendor::Tel3 => entry! {
                id: "tel3",
                product_name: "拇指云 手机三要素核验",
                host: "tel3.market.alicloudapi.com",
                elements: Three,
                default_price_li: 200,
            },
            Vendor::Sxm3v2 => entry! {
                id: "sxm3v2",
                product_name: "数勋 运营商三要素V2",
                host: "sxm3v2.market.alicloudapi.com",
                elements: Three,
                default_price_li: 170,
            },
            Vendor::Sjsys => entry! {
                id: "sjsys",
                product_name: "全网手机三要素核验",
                host: "sjsys.market.alicloudapi.com",
                elements: Three,
                default_price_li: 420,
            },
            Vendor::Sfz2 => entry! {
                id: "sfz2",
                product_name: "拇指云 身份证二要素核验",
                host: "sfz2.market.alicloudapi.com",
                elements: Two,
                default_price_li: 40,
            },
            Vendor::Phonethird => entry! {
                id: "phonethird",
                product_name: "手机号三元素实名认证",
                host: "phonethird.market.alicloudapi.com",
                elements: Three,
                default_price_li: 475,
            },
        }
    }

    /// The API id used in results, configuration, on the command line and by the mock market.
    ///
    /// ```
    /// assert_eq!(shiming_core::Vendor::Phonethird.id(), "phonethird");
    /// ```
    #[must_use]
    pub const fn id(self) -> &'static str {
        self.entry().id
    }

    /// The vendor whose API id is exactly `id` (a verifier's own name, a manifest's column).
    /// People's input goes through [`FromStr`] instead, which forgives case and spaces.
    ///
    /// ```
    /// use shiming_core::Vendor;
    /// assert_eq!(Vendor::from_id("sfz2"), Some(Vendor::Sfz2));
    /// assert_eq!(Vendor::from_id("SFZ2"), None);
    /// ```
    #[must_use]
    pub fn from_id(id: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.id() == id)
    }

    /// The product's name on the marketplace, as the seeds' index (the vendor documents'
    /// `README.md`) gives it: seller, then API, where the document names a seller. Seed 001's
    /// page itself titles its API `运营商3要素V2` and names the seller only as the invoicing
    /// company, 杭州数勋科技有限公司.
    ///
    /// ```
    /// assert_eq!(shiming_core::Vendor::Tel3.product_name(), "拇指云 手机三要素核验");
    /// ```
    #[must_use]
    pub const fn product_name(self) -> &'static str {
        self.entry().product_name
    }

    /// The product's API gateway host.
    ///
    /// ```
    /// assert_eq!(shiming_core::Vendor::Sjsys.host(), "sjsys.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub const fn host(self) -> &'static str {
        self.entry().host
    }

    /// Where a client sends its calls unless told otherwise: scheme and [`Vendor::host`], no
    /// path. Always HTTPS.
    ///
    /// ```
    /// assert_eq!(
    ///     shiming_core::Vendor::Tel3.default_endpoint(),
    ///     "https://tel3.market.alicloudapi.com"
    /// );
    /// ```
    #[must_use]
    pub const fn default_endpoint(self) -> &'static str {
        self.entry().endpoint
    }

    /// What the vendor checks.
    ///
    /// ```
    /// assert_eq!(shiming_core::Vendor::Sjsys.elements(), shiming_core::Elements::Three);
    /// ```
    #[must_use]
    pub const fn elements(self) -> Elements {
        self.entry().elements
    }

    /// The price per call assumed when the configuration names none: the **dearest** package
    /// of the vendor's price list (the seeds' figures, as `vendor-apis.md` tabulates them), so
    /// that budgets err on the safe side.
    ///
    /// | API | package prices (CNY) | default |
    /// | --- | --- | --- |
    /// | sfz2 | 0.033 – 0.04 | 0.040 |
    /// | sxm3v2 | 0.12 – 0.17 | 0.170 |
    /// | tel3 | 0.18 – 0.20 | 0.200 |
    /// | sjsys | 0.30 – 0.42 | 0.420 |
    /// | phonethird | 0.38 – 0.475 | 0.475 |
    ///
    /// ```
    /// assert_eq!(shiming_core::Vendor::Tel3.default_price().li(), 200);
    /// ```
    #[must_use]
    pub const fn default_price(self) -> Price {
        self.entry().default_price
    }
}

impl fmt::Display for Vendor {
    /// The API id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A vendor name that is not one of the five.
///
/// ```
/// let e = "tel4".parse::<shiming_core::Vendor>().unwrap_err();
/// assert!(e.to_string().contains("tel3, sxm3v2, sjsys, sfz2, phonethird"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVendor(pub String);

impl fmt::Display for UnknownVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown vendor {:?}; expected one of tel3, sxm3v2, sjsys, sfz2, phonethird",
            self.0
        )
    }
}

impl std::error::Error for UnknownVendor {}

impl FromStr for Vendor {
    type Err = UnknownVendor;

    /// The API id, case-insensitive, surrounding spaces ignored (what people type).
    fn from_str(text: &str) -> Result<Vendor, UnknownVendor> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.id().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownVendor(text.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for v in Vendor::ALL {
            assert_eq!(Vendor::from_id(v.id()), Some(v));
            assert_eq!(v.id().parse::<Vendor>(), Ok(v));
            assert_eq!(v.to_string().to_uppercase().parse::<Vendor>(), Ok(v));
            assert_eq!(format!(" {v} ").parse::<Vendor>(), Ok(v));
        }
        assert!("".parse::<Vendor>().is_err());
        assert_eq!(Vendor::from_id(" tel3"), None);
    }

    #[test]
    fn all_lists_each_vendor_once_by_default_price() {
        let prices: Vec<_> = Vendor::ALL.iter().map(|v| v.default_price()).collect();
        assert!(prices.windows(2).all(|w| w[0] < w[1]), "{prices:?}");
        let mut ids: Vec<_> = Vendor::ALL.iter().map(|v| v.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Vendor::ALL.len());
    }

    #[test]
    fn the_unknown_vendor_message_names_every_id() {
        let message = UnknownVendor("x".into()).to_string();
        for v in Vendor::ALL {
            assert!(message.contains(&format!(" {}", v.id())), "{message}");
        }
    }

    #[test]
    fn endpoints_are_https_to_the_host() {
        for v in Vendor::ALL {
            assert_eq!(v.default_endpoint(), format!("https://{}", v.host()));
        }
    }
}
