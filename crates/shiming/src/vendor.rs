//! The five vendor APIs by name: what each checks and what it costs by default.

use std::fmt;
use std::str::FromStr;

use crate::{Identity, Price};

/// One of the five marketplace APIs shiming speaks. The list is fixed; whether a vendor's
/// client is compiled in depends on the crate feature of the same name
/// ([`Vendor::is_compiled_in`]).
///
/// ```
/// use shiming::{Elements, Vendor};
/// let v: Vendor = "sfz2".parse().unwrap();
/// assert_eq!(v, Vendor::Sfz2);
/// assert_eq!(v.elements(), Elements::Two);
/// assert_eq!(v.default_price().to_string(), "0.040");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Vendor {
    /// 拇指云 手机三要素核验.
    Tel3,
    /// 三网手机实名认证 v2.
    Sxm3v2,
    /// 数据源 三要素.
    Sjsys,
    /// 拇指云 身份证二要素核验.
    Sfz2,
    /// 手机号三元素实名认证 (requires the person's consent).
    Phonethird,
}

/// Which elements a vendor checks.
///
/// ```
/// assert_eq!(shiming::Vendor::Tel3.elements(), shiming::Elements::Three);
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
    /// use shiming::{Elements, Identity};
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

impl Vendor {
    /// All five, in the order of the price table (cheapest first).
    ///
    /// ```
    /// assert_eq!(shiming::Vendor::ALL.len(), 5);
    /// ```
    pub const ALL: [Vendor; 5] = [
        Vendor::Sfz2,
        Vendor::Sxm3v2,
        Vendor::Tel3,
        Vendor::Sjsys,
        Vendor::Phonethird,
    ];

    /// The API id used in results, configuration and on the command line.
    ///
    /// ```
    /// assert_eq!(shiming::Vendor::Phonethird.name(), "phonethird");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Vendor::Tel3 => "tel3",
            Vendor::Sxm3v2 => "sxm3v2",
            Vendor::Sjsys => "sjsys",
            Vendor::Sfz2 => "sfz2",
            Vendor::Phonethird => "phonethird",
        }
    }

    /// What the vendor checks.
    ///
    /// ```
    /// assert_eq!(shiming::Vendor::Sjsys.elements(), shiming::Elements::Three);
    /// ```
    #[must_use]
    pub const fn elements(self) -> Elements {
        match self {
            Vendor::Sfz2 => Elements::Two,
            _ => Elements::Three,
        }
    }

    /// The price per call assumed when the configuration names none: the **dearest** package
    /// of the vendor-apis.md price table, so that budgets err on the safe side.
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
    /// assert_eq!(shiming::Vendor::Tel3.default_price().li(), 200);
    /// ```
    #[must_use]
    pub const fn default_price(self) -> Price {
        Price::from_li(match self {
            Vendor::Sfz2 => 40,
            Vendor::Sxm3v2 => 170,
            Vendor::Tel3 => 200,
            Vendor::Sjsys => 420,
            Vendor::Phonethird => 475,
        })
    }

    /// Whether this build contains the vendor's client (cargo feature of the same name).
    ///
    /// ```
    /// // With default features, all five are compiled in.
    /// assert!(shiming::Vendor::ALL.iter().all(|v| v.is_compiled_in()));
    /// ```
    #[must_use]
    pub const fn is_compiled_in(self) -> bool {
        match self {
            Vendor::Tel3 => cfg!(feature = "tel3"),
            Vendor::Sxm3v2 => cfg!(feature = "sxm3v2"),
            Vendor::Sjsys => cfg!(feature = "sjsys"),
            Vendor::Sfz2 => cfg!(feature = "sfz2"),
            Vendor::Phonethird => cfg!(feature = "phonethird"),
        }
    }

    /// The environment-variable prefix for this vendor's credentials: `SHIMING_TEL3`, read
    /// as `SHIMING_TEL3_APPCODE` or `SHIMING_TEL3_APP_KEY` + `SHIMING_TEL3_APP_SECRET`.
    ///
    /// ```
    /// assert_eq!(shiming::Vendor::Sxm3v2.env_prefix(), "SHIMING_SXM3V2");
    /// ```
    #[must_use]
    pub const fn env_prefix(self) -> &'static str {
        match self {
            Vendor::Tel3 => "SHIMING_TEL3",
            Vendor::Sxm3v2 => "SHIMING_SXM3V2",
            Vendor::Sjsys => "SHIMING_SJSYS",
            Vendor::Sfz2 => "SHIMING_SFZ2",
            Vendor::Phonethird => "SHIMING_PHONETHIRD",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A vendor name that is not one of the five.
///
/// ```
/// let e = "tel4".parse::<shiming::Vendor>().unwrap_err();
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

    /// Case-insensitive API id.
    fn from_str(text: &str) -> Result<Vendor, UnknownVendor> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownVendor(text.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in Vendor::ALL {
            assert_eq!(v.name().parse::<Vendor>(), Ok(v));
            assert_eq!(v.to_string().to_uppercase().parse::<Vendor>(), Ok(v));
            assert_eq!(
                v.env_prefix(),
                format!("SHIMING_{}", v.name().to_uppercase())
            );
        }
        assert!("".parse::<Vendor>().is_err());
    }

    #[test]
    fn all_is_sorted_by_default_price() {
        let prices: Vec<_> = Vendor::ALL.iter().map(|v| v.default_price()).collect();
        assert!(prices.windows(2).all(|w| w[0] < w[1]), "{prices:?}");
    }
}
