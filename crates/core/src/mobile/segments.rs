//! The segment table: which carrier each mobile number prefix was *originally allocated* to.
//!
//! The table is plain data ([`SEGMENTS`]), sorted by the prefix's digit string, and looked up by
//! **longest prefix**: a 4- or 5-digit entry overrides the 3-digit one it lies in (`1349` China
//! Telecom satellite inside `134` China Mobile). Since mobile number portability (2019-12-01)
//! the carrier serving a number today can differ from its allocated carrier.
//!
//! Contents (shiming `core-rules.md` §3):
//!
//! | carrier | segments | virtual (MVNO) | data-only |
//! | --- | --- | --- | --- |
//! | China Mobile | 134 (1340–1348), 135–139, 150–152, 157–159, 172, 178, 182–184, 187, 188, 195, 197, 198 | 165, 1703, 1705, 1706 | 147 |
//! | China Unicom | 130–132, 155, 156, 166, 175, 176, 185, 186, 196 | 167, 1704, 1707–1709, 171 | 145 |
//! | China Telecom | 133, 153, 173, 177, 180, 181, 189, 190, 191, 193, 199; satellite 1349, 17400–17405 | 162, 1700–1702 | 149 |
//! | China Broadnet | 192, 1610 | — | — |
//!
//! Not personal mobiles: 13-digit IoT numbers `1410x`, `1440x`, `146xx`, `148xx`; `1749`
//! maritime satellite; `17406`–`17412` emergency communication.
//!
//! Decisions on points the rules leave open:
//!
//! * IoT and special-purpose ranges carry no carrier ([`Segment::carrier`] is `None`): the rules
//!   do not name one, and such numbers are refused anyway.
//! * There is no 3-digit entry for `170` or `174`: every `170x` is listed, and the part of
//!   `174` that is not listed (`17413`–`17489`) is unallocated. Likewise `161` has only
//!   `1610`: `1611`–`1619` are unallocated.
//! * Satellite numbers (`1349`, `17400`–`17405`) and Broadnet's `1610` are ordinary 11-digit
//!   numbers; the satellite ones get [`MobileKind::Satellite`].
//!
//! ```
//! use shiming_core::mobile::segments::{segment_of, SEGMENTS};
//! use shiming_core::Carrier;
//!
//! assert!(SEGMENTS.len() > 70);
//! assert_eq!(segment_of("13412345678").and_then(|s| s.carrier()), Some(Carrier::ChinaMobile));
//! assert_eq!(segment_of("13492345678").and_then(|s| s.carrier()), Some(Carrier::ChinaTelecom));
//! ```

use std::fmt;

use super::MobileKind;
use crate::Carrier;

/// The date of the allocation data in [`SEGMENTS`].
///
/// ```
/// assert_eq!(shiming_core::mobile::segments::DATA_AS_OF.len(), "YYYY-MM-DD".len());
/// ```
pub const DATA_AS_OF: &str = "2026-11-23";

/// Where the data in [`SEGMENTS`] comes from, and under which licences.
///
/// ```
/// assert!(shiming_core::mobile::segments::DATA_SOURCE.contains("core-rules.md"));
/// ```
pub const DATA_SOURCE: &str = "shiming docs/core-rules.md section 3 (MIIT segment allocations), \
     cross-checked against libphonenumber carrier data (Apache-2.0; lacks 162, 165, 1349) and \
     VincentSit/ChinaMobilePhoneNumberRegex (MIT, 2022). The GPL-3.0 phone.dat file is not used.";

/// Length of a personal mobile number.
pub(super) const MOBILE_LEN: usize = 11;
/// Length of an IoT number.
pub(super) const IOT_LEN: usize = 13;
/// Shortest and longest prefix in [`SEGMENTS`].
const MIN_PREFIX_LEN: u8 = 3;
const MAX_PREFIX_LEN: u8 = 5;

/// A purpose for which numbers are set aside that makes them not personal mobiles.
///
/// ```
/// use shiming_core::mobile::segments::{segment_of, Allocation, SpecialPurpose};
///
/// let seg = segment_of("17491234567").unwrap();
/// assert_eq!(seg.allocation(), Allocation::SpecialPurpose(SpecialPurpose::MaritimeSatellite));
/// assert_eq!(SpecialPurpose::Emergency.code(), "emergency");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialPurpose {
    /// `1749`: maritime satellite communication.
    MaritimeSatellite,
    /// `17406`–`17412`: emergency communication.
    Emergency,
}

impl SpecialPurpose {
    /// The stable snake_case code (`maritime_satellite`, `emergency`).
    ///
    /// ```
    /// use shiming_core::mobile::segments::SpecialPurpose;
    /// assert_eq!(SpecialPurpose::MaritimeSatellite.code(), "maritime_satellite");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            SpecialPurpose::MaritimeSatellite => "maritime_satellite",
            SpecialPurpose::Emergency => "emergency",
        }
    }

    /// A short English description (`maritime satellite`, `emergency communication`).
    ///
    /// ```
    /// use shiming_core::mobile::segments::SpecialPurpose;
    /// assert_eq!(SpecialPurpose::Emergency.description(), "emergency communication");
    /// ```
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            SpecialPurpose::MaritimeSatellite => "maritime satellite",
            SpecialPurpose::Emergency => "emergency communication",
        }
    }
}

/// What a segment is allocated for.
///
/// ```
/// use shiming_core::mobile::segments::{segment_of, Allocation};
/// use shiming_core::mobile::MobileKind;
/// use shiming_core::Carrier;
///
/// assert_eq!(
///     segment_of("17031234567").unwrap().allocation(),
///     Allocation::Mobile { carrier: Carrier::ChinaMobile, kind: MobileKind::Virtual },
/// );
/// assert_eq!(segment_of("1440012345678").unwrap().allocation(), Allocation::Iot);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allocation {
    /// 11-digit numbers that [`parse`](super::parse) accepts.
    Mobile {
        /// The allocated carrier; for virtual (MVNO) numbers the host network.
        carrier: Carrier,
        /// What kind of number it is.
        kind: MobileKind,
    },
    /// 13-digit IoT (machine-to-machine) numbers: not personal mobiles.
    Iot,
    /// 11-digit numbers set aside for a special purpose: not personal mobiles.
    SpecialPurpose(SpecialPurpose),
}

/// One row of [`SEGMENTS`]: a prefix of 3 to 5 digits and what it is allocated for.
///
/// ```
/// use shiming_core::mobile::segments::segment_of;
/// use shiming_core::mobile::MobileKind;
///
/// let seg = segment_of("17001234567").unwrap();
/// assert_eq!((seg.prefix(), seg.prefix_len()), (1700, 4));
/// assert_eq!(seg.kind(), Some(MobileKind::Virtual));
/// assert_eq!(seg.to_string(), "1700");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segment {
    prefix: u32,
    prefix_len: u8,
    allocation: Allocation,
}

impl Segment {
    /// Builds a row; the prefix length is the number of digits of `prefix` (no prefix starts
    /// with `0`).
    const fn new(prefix: u32, allocation: Allocation) -> Segment {
        let mut len = 0;
        let mut rest = prefix;
        while rest > 0 {
            len += 1;
            rest /= 10;
        }
        Segment {
            prefix,
            prefix_len: len,
            allocation,
        }
    }

    /// The prefix digits as a number (`134`, `1349`, `17400`).
    ///
    /// ```
    /// use shiming_core::mobile::segments::segment_of;
    /// assert_eq!(segment_of("17400123456").unwrap().prefix(), 17400);
    /// ```
    #[must_use]
    pub const fn prefix(&self) -> u32 {
        self.prefix
    }

    /// How many digits the prefix has (3, 4 or 5).
    ///
    /// ```
    /// use shiming_core::mobile::segments::segment_of;
    /// assert_eq!(segment_of("13800138000").unwrap().prefix_len(), 3);
    /// ```
    #[must_use]
    pub const fn prefix_len(&self) -> usize {
        self.prefix_len as usize
    }

    /// What the segment is allocated for.
    ///
    /// ```
    /// use shiming_core::mobile::segments::{segment_of, Allocation};
    /// assert_eq!(segment_of("1480012345678").unwrap().allocation(), Allocation::Iot);
    /// ```
    #[must_use]
    pub const fn allocation(&self) -> Allocation {
        self.allocation
    }

    /// The allocated carrier (the host network for virtual numbers); `None` for IoT and
    /// special-purpose ranges.
    ///
    /// ```
    /// use shiming_core::mobile::segments::segment_of;
    /// use shiming_core::Carrier;
    /// assert_eq!(segment_of("19212345678").unwrap().carrier(), Some(Carrier::ChinaBroadnet));
    /// assert_eq!(segment_of("17491234567").unwrap().carrier(), None);
    /// ```
    #[must_use]
    pub const fn carrier(&self) -> Option<Carrier> {
        match self.allocation {
            Allocation::Mobile { carrier, .. } => Some(carrier),
            Allocation::Iot | Allocation::SpecialPurpose(_) => None,
        }
    }

    /// The kind of the segment's numbers; `None` for IoT and special-purpose ranges.
    ///
    /// ```
    /// use shiming_core::mobile::segments::segment_of;
    /// use shiming_core::mobile::MobileKind;
    /// assert_eq!(segment_of("14712345678").unwrap().kind(), Some(MobileKind::DataOnly));
    /// ```
    #[must_use]
    pub const fn kind(&self) -> Option<MobileKind> {
        match self.allocation {
            Allocation::Mobile { kind, .. } => Some(kind),
            Allocation::Iot | Allocation::SpecialPurpose(_) => None,
        }
    }

    /// How many digits the segment's numbers have: 13 for IoT, 11 otherwise.
    ///
    /// ```
    /// use shiming_core::mobile::segments::segment_of;
    /// assert_eq!(segment_of("1410012345678").unwrap().number_len(), 13);
    /// assert_eq!(segment_of("13800138000").unwrap().number_len(), 11);
    /// ```
    #[must_use]
    pub const fn number_len(&self) -> usize {
        match self.allocation {
            Allocation::Iot => IOT_LEN,
            Allocation::Mobile { .. } | Allocation::SpecialPurpose(_) => MOBILE_LEN,
        }
    }

    /// The key the table is sorted by; see [`sort_key`].
    const fn sort_key(self) -> (u32, u8) {
        sort_key(self.prefix, self.prefix_len)
    }
}

/// Orders prefixes like their digit strings: the prefix padded to five digits, then the
/// prefix length (`134` < `1349` < `135`).
const fn sort_key(prefix: u32, len: u8) -> (u32, u8) {
    let mut padded = prefix;
    let mut digits = len;
    while digits < MAX_PREFIX_LEN {
        padded *= 10;
        digits += 1;
    }
    (padded, len)
}

impl fmt::Display for Segment {
    /// Writes the prefix digits, e.g. `1703`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.prefix)
    }
}

const CM: Carrier = Carrier::ChinaMobile;
const CU: Carrier = Carrier::ChinaUnicom;
const CT: Carrier = Carrier::ChinaTelecom;
const CB: Carrier = Carrier::ChinaBroadnet;

const fn personal(prefix: u32, carrier: Carrier) -> Segment {
    Segment::new(
        prefix,
        Allocation::Mobile {
            carrier,
            kind: MobileKind::Personal,
        },
    )
}
const fn mvno(prefix: u32, host: Carrier) -> Segment {
    Segment::new(
        prefix,
        Allocation::Mobile {
            carrier: host,
            kind: MobileKind::Virtual,
        },
    )
}
const fn data(prefix: u32, carrier: Carrier) -> Segment {
    Segment::new(
        prefix,
        Allocation::Mobile {
            carrier,
            kind: MobileKind::DataOnly,
        },
    )
}
const fn satellite(prefix: u32, carrier: Carrier) -> Segment {
    Segment::new(
        prefix,
        Allocation::Mobile {
            carrier,
            kind: MobileKind::Satellite,
        },
    )
}
const fn iot(prefix: u32) -> Segment {
    Segment::new(prefix, Allocation::Iot)
}
const fn special(prefix: u32, purpose: SpecialPurpose) -> Segment {
    Segment::new(prefix, Allocation::SpecialPurpose(purpose))
}

const MARITIME: SpecialPurpose = SpecialPurpose::MaritimeSatellite;
const EMERGENCY: SpecialPurpose = SpecialPurpose::Emergency;

/// Every allocated prefix, sorted by digit string (checked at compile time), looked up by
/// longest prefix with [`segment_of`].
///
/// ```
/// use shiming_core::mobile::segments::SEGMENTS;
/// assert!(SEGMENTS.windows(2).all(|w| w[0].to_string() < w[1].to_string()));
/// ```
#[rustfmt::skip]
pub const SEGMENTS: &[Segment] = &[
    personal(130, CU),
    personal(131, CU),
    personal(132, CU),
    personal(133, CT),
    personal(134, CM),     // 1340–1348
    satellite(1349, CT),   // overrides 134
    personal(135, CM),
    personal(136, CM),
    personal(137, CM),
    personal(138, CM),
    personal(139, CM),
    iot(1410),             // 13 digits
    iot(1440),             // 13 digits
    data(145, CU),
    iot(146),              // 13 digits
    data(147, CM),
    iot(148),              // 13 digits
    data(149, CT),
    personal(150, CM),
    personal(151, CM),
    personal(152, CM),
    personal(153, CT),
    personal(155, CU),
    personal(156, CU),
    personal(157, CM),
    personal(158, CM),
    personal(159, CM),
    personal(1610, CB),
    mvno(162, CT),
    mvno(165, CM),
    personal(166, CU),
    mvno(167, CU),
    mvno(1700, CT),
    mvno(1701, CT),
    mvno(1702, CT),
    mvno(1703, CM),
    mvno(1704, CU),
    mvno(1705, CM),
    mvno(1706, CM),
    mvno(1707, CU),
    mvno(1708, CU),
    mvno(1709, CU),
    mvno(171, CU),
    personal(172, CM),
    personal(173, CT),
    satellite(17400, CT),
    satellite(17401, CT),
    satellite(17402, CT),
    satellite(17403, CT),
    satellite(17404, CT),
    satellite(17405, CT),
    special(17406, EMERGENCY),
    special(17407, EMERGENCY),
    special(17408, EMERGENCY),
    special(17409, EMERGENCY),
    special(17410, EMERGENCY),
    special(17411, EMERGENCY),
    special(17412, EMERGENCY),
    special(1749, MARITIME),
    personal(175, CU),
    personal(176, CU),
    personal(177, CT),
    personal(178, CM),
    personal(180, CT),
    personal(181, CT),
    personal(182, CM),
    personal(183, CM),
    personal(184, CM),
    personal(185, CU),
    personal(186, CU),
    personal(187, CM),
    personal(188, CM),
    personal(189, CT),
    personal(190, CT),
    personal(191, CT),
    personal(192, CB),
    personal(193, CT),
    personal(195, CM),
    personal(196, CU),
    personal(197, CM),
    personal(198, CM),
    personal(199, CT),
];

/// Compile-time check that [`SEGMENTS`] is strictly sorted and every prefix has 3–5 digits,
/// which the binary search in [`segment_of`] relies on.
const fn table_is_valid(table: &[Segment]) -> bool {
    let mut i = 0;
    while i < table.len() {
        let len = table[i].prefix_len;
        if len < MIN_PREFIX_LEN || len > MAX_PREFIX_LEN {
            return false;
        }
        if i > 0 {
            let (a, a_len) = table[i - 1].sort_key();
            let (b, b_len) = table[i].sort_key();
            if !(a < b || (a == b && a_len < b_len)) {
                return false;
            }
        }
        i += 1;
    }
    true
}

const _: () = assert!(
    table_is_valid(SEGMENTS),
    "SEGMENTS must be sorted, prefixes 3-5 digits"
);

/// Finds the segment of a number by longest prefix: 5-digit entries before 4-digit before
/// 3-digit ones.
///
/// Only the leading ASCII digits of `number` are looked at, so a bare prefix works too
/// (`segment_of("1703")`). The input is expected to be normalized already — use
/// [`parse`](super::parse) for raw input. Returns `None` when no entry matches, i.e. the
/// segment is unallocated.
///
/// ```
/// use shiming_core::mobile::segments::segment_of;
/// use shiming_core::Carrier;
///
/// assert_eq!(segment_of("1703").unwrap().carrier(), Some(Carrier::ChinaMobile));
/// assert_eq!(segment_of("17041234567").unwrap().carrier(), Some(Carrier::ChinaUnicom));
/// assert!(segment_of("15412345678").is_none());
/// assert!(segment_of("17413123456").is_none());
/// assert!(segment_of("").is_none());
/// ```
#[must_use]
pub fn segment_of(number: &str) -> Option<Segment> {
    lookup(number.as_bytes())
}

/// [`segment_of`] on bytes; no allocation.
pub(super) fn lookup(digits: &[u8]) -> Option<Segment> {
    let mut value: u32 = 0;
    let mut best = None;
    for (i, &b) in digits.iter().take(usize::from(MAX_PREFIX_LEN)).enumerate() {
        if !b.is_ascii_digit() {
            break;
        }
        value = value * 10 + u32::from(b - b'0');
        let len = i + 1;
        if len >= usize::from(MIN_PREFIX_LEN) {
            if let Some(found) = find(value, len) {
                best = Some(found);
            }
        }
    }
    best
}

/// Binary search for the exact row `(prefix, len)`.
fn find(prefix: u32, len: usize) -> Option<Segment> {
    let key = sort_key(prefix, u8::try_from(len).ok()?);
    SEGMENTS
        .binary_search_by(|row| row.sort_key().cmp(&key))
        .ok()
        .and_then(|i| SEGMENTS.get(i).copied())
}
