//! Mobile network operators of mainland China.

use std::fmt;

/// A mainland-China mobile network operator.
///
/// For a number this is the carrier the number *segment was allocated to*: since mobile number
/// portability (2019-12-01) the carrier serving a number today can differ.
///
/// ```
/// use shiming_core::Carrier;
/// assert_eq!(Carrier::ChinaMobile.code(), "china_mobile");
/// assert_eq!(Carrier::ChinaUnicom.chinese_name(), "中国联通");
/// assert_eq!(Carrier::from_code("china_telecom"), Some(Carrier::ChinaTelecom));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    /// 中国移动.
    ChinaMobile,
    /// 中国联通.
    ChinaUnicom,
    /// 中国电信.
    ChinaTelecom,
    /// 中国广电.
    ChinaBroadnet,
}

impl Carrier {
    /// Every carrier, in a fixed order.
    ///
    /// ```
    /// assert_eq!(shiming_core::Carrier::ALL.len(), 4);
    /// ```
    pub const ALL: [Carrier; 4] = [
        Carrier::ChinaMobile,
        Carrier::ChinaUnicom,
        Carrier::ChinaTelecom,
        Carrier::ChinaBroadnet,
    ];

    /// The stable snake_case code used in JSON output (`china_mobile`, …).
    ///
    /// ```
    /// assert_eq!(shiming_core::Carrier::ChinaBroadnet.code(), "china_broadnet");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Carrier::ChinaMobile => "china_mobile",
            Carrier::ChinaUnicom => "china_unicom",
            Carrier::ChinaTelecom => "china_telecom",
            Carrier::ChinaBroadnet => "china_broadnet",
        }
    }

    /// The carrier's Chinese name (`中国移动`, …).
    ///
    /// ```
    /// assert_eq!(shiming_core::Carrier::ChinaTelecom.chinese_name(), "中国电信");
    /// ```
    #[must_use]
    pub const fn chinese_name(self) -> &'static str {
        match self {
            Carrier::ChinaMobile => "中国移动",
            Carrier::ChinaUnicom => "中国联通",
            Carrier::ChinaTelecom => "中国电信",
            Carrier::ChinaBroadnet => "中国广电",
        }
    }

    /// Parses a code produced by [`Carrier::code`].
    ///
    /// ```
    /// assert_eq!(shiming_core::Carrier::from_code("nope"), None);
    /// ```
    #[must_use]
    pub fn from_code(code: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chinese_name())
    }
}

impl serde::Serialize for Carrier {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}
