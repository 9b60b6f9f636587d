//! Chinese identity numbers: normalization, kind detection, validation and parsing.
//!
//! Six kinds of number are recognized (core-rules §1):
//!
//! | kind | shape |
//! | --- | --- |
//! | [`IdKind::Resident`] | 18 digits: region + `YYYYMMDD` + sequence + MOD 11-2 check |
//! | [`IdKind::Resident15`] | 15 digits: region + `YYMMDD` (19xx) + sequence, no check digit |
//! | [`IdKind::HkMacauPermit`] | `810000`/`820000` + birth date + sequence + check |
//! | [`IdKind::TaiwanPermit`] | `830000` + birth date + sequence + check |
//! | [`IdKind::ForeignPermanent2023`] | `9` + province + ISO numeric nationality + birth date + sequence + check |
//! | [`IdKind::ForeignPermanent2017`] | ISO alpha-3 + 4-digit region + `YYMMDD` + digit + ICAO 7-3-1 check |
//!
//! Checks run in this order and the first failure is reported: length, characters
//! ([`IdError::Format`]), check digit, birth date (a real calendar date, not after the caller's
//! "today", not before [`EARLIEST_BIRTH_YEAR`]), region. Region problems are graded (see
//! [`crate::region`]): by default they are warnings on a valid number; with
//! [`ValidationOptions::strict`] they make it invalid. An unknown *province* is always invalid.
//!
//! ```
//! use shiming_core::id_card::{self, IdKind, Sex, ValidationOptions, Warning};
//! use shiming_core::Date;
//!
//! let today = Date::new(2026, 11, 23).unwrap();
//! let opts = ValidationOptions::new(today);
//! let id = id_card::parse("110103199003071236", &opts).unwrap();
//! assert_eq!(id.kind(), IdKind::Resident);
//! assert_eq!(id.sex(), Some(Sex::Male));
//! assert_eq!(id.region().unwrap().name_at_assignment(1990), "崇文区");
//!
//! // 崇文区 was abolished in 2010: fine for someone born in 1990, impossible for 2015.
//! let late = id_card::parse("110103201503071232", &opts).unwrap();
//! assert!(late.warnings().any(|w| w == Warning::RegionAbolishedBeforeBirth));
//! assert_eq!(id_card::parse("110103201503071232", &opts.strict(true)).unwrap_err().reason(), "region");
//! ```

mod checksum;
mod error;
pub mod generate;
mod normalize;

use std::fmt;

pub use checksum::{icao_check, mod11_2_check};
pub use error::{BirthDateProblem, IdError, RegionProblem};
pub use normalize::Normalization;

use crate::nationality::{self, Country};
use crate::region::{self, Region, RegionStatus};
use crate::{mask, Date};
use normalize::{normalize, MAX_LEN};

/// Birth dates before this year are refused as impossible. Documented decision: the oldest
/// verified people in China were born after 1880; 1870 leaves margin without accepting
/// obviously broken dates such as `0001-01-01`.
pub const EARLIEST_BIRTH_YEAR: u16 = 1870;

/// A validated person older than this on the caller's "today" gets
/// [`Warning::ImplausibleAge`].
pub const IMPLAUSIBLE_AGE: u16 = 120;

/// How to validate: the caller's "today" (the core never reads a clock) and whether region
/// problems invalidate a number.
///
/// ```
/// use shiming_core::{id_card::ValidationOptions, Date};
/// let opts = ValidationOptions::new(Date::new(2026, 1, 1).unwrap()).strict(true);
/// assert!(opts.is_strict());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationOptions {
    today: Date,
    strict: bool,
}

impl ValidationOptions {
    /// Lenient options for the given "today".
    ///
    /// ```
    /// let opts = shiming_core::id_card::ValidationOptions::new(shiming_core::Date::new(2026, 1, 1).unwrap());
    /// assert!(!opts.is_strict());
    /// ```
    #[must_use]
    pub const fn new(today: Date) -> ValidationOptions {
        ValidationOptions {
            today,
            strict: false,
        }
    }

    /// With `true`, region problems ([`crate::region::RegionStatus::is_problem`], and a
    /// Taiwan GB/T 2260 code on a resident number) make a number invalid instead of adding a
    /// warning.
    ///
    /// ```
    /// let opts = shiming_core::id_card::ValidationOptions::new(shiming_core::Date::new(2026, 1, 1).unwrap());
    /// assert!(opts.strict(true).is_strict());
    /// ```
    #[must_use]
    pub const fn strict(mut self, strict: bool) -> ValidationOptions {
        self.strict = strict;
        self
    }

    /// Whether region problems are errors.
    ///
    /// ```
    /// # let opts = shiming_core::id_card::ValidationOptions::new(shiming_core::Date::new(2026, 1, 1).unwrap());
    /// assert!(!opts.is_strict());
    /// ```
    #[must_use]
    pub const fn is_strict(&self) -> bool {
        self.strict
    }

    /// The "today" birth dates and ages are measured against.
    ///
    /// ```
    /// # use shiming_core::Date;
    /// let opts = shiming_core::id_card::ValidationOptions::new(Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(opts.today(), Date::new(2026, 1, 1).unwrap());
    /// ```
    #[must_use]
    pub const fn today(&self) -> Date {
        self.today
    }
}

/// The kind of document a number belongs to.
///
/// ```
/// use shiming_core::id_card::IdKind;
/// assert_eq!(IdKind::HkMacauPermit.code(), "hk_macau_permit");
/// assert_eq!(IdKind::ForeignPermanent2017.code(), "foreign_permanent");
/// assert_eq!(IdKind::ForeignPermanent2017.edition(), Some(2017));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 18-digit resident identity card (GB 11643-1999), 居民身份证.
    Resident,
    /// 15-digit first-generation resident identity card (GB 11643-1989).
    Resident15,
    /// Residence permit for Hong Kong and Macau residents, 港澳居民居住证 (`810000`/`820000`).
    HkMacauPermit,
    /// Residence permit for Taiwan residents, 台湾居民居住证 (`830000`).
    TaiwanPermit,
    /// Foreigner permanent residence ID card, 2023 edition (18 characters, leading `9`).
    ForeignPermanent2023,
    /// Foreigner permanent residence ID card, 2017 edition (15 characters, alpha-3 prefix).
    ForeignPermanent2017,
}

impl IdKind {
    /// The stable snake_case code of the JSON output. Both foreigner-card editions share
    /// `foreign_permanent`; [`IdKind::edition`] tells them apart.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::IdKind::Resident15.code(), "resident15");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            IdKind::Resident => "resident",
            IdKind::Resident15 => "resident15",
            IdKind::HkMacauPermit => "hk_macau_permit",
            IdKind::TaiwanPermit => "taiwan_permit",
            IdKind::ForeignPermanent2023 | IdKind::ForeignPermanent2017 => "foreign_permanent",
        }
    }

    /// The edition year of foreigner permanent residence cards; `None` for other kinds.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::IdKind::ForeignPermanent2023.edition(), Some(2023));
    /// assert_eq!(shiming_core::id_card::IdKind::Resident.edition(), None);
    /// ```
    #[must_use]
    pub const fn edition(self) -> Option<u16> {
        match self {
            IdKind::ForeignPermanent2023 => Some(2023),
            IdKind::ForeignPermanent2017 => Some(2017),
            _ => None,
        }
    }

    /// The document's Chinese name.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::IdKind::Resident.chinese_name(), "居民身份证");
    /// ```
    #[must_use]
    pub const fn chinese_name(self) -> &'static str {
        match self {
            IdKind::Resident => "居民身份证",
            IdKind::Resident15 => "居民身份证（15位）",
            IdKind::HkMacauPermit => "港澳居民居住证",
            IdKind::TaiwanPermit => "台湾居民居住证",
            IdKind::ForeignPermanent2023 => "外国人永久居留身份证（2023版）",
            IdKind::ForeignPermanent2017 => "外国人永久居留身份证（2017版）",
        }
    }
}

/// Sex as encoded by the sequence digit (odd = male, even = female).
///
/// ```
/// assert_eq!(shiming_core::id_card::Sex::Female.code(), "female");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

impl Sex {
    /// `male` or `female`.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::Sex::Male.code(), "male");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// `男` or `女`.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::Sex::Male.chinese_name(), "男");
    /// ```
    #[must_use]
    pub const fn chinese_name(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }

    fn from_digit(d: u8) -> Sex {
        if (d - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

/// Something worth knowing about a valid number.
///
/// ```
/// assert_eq!(shiming_core::id_card::Warning::RegionUnknown.code(), "region_unknown");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Warning {
    /// The region code is not in the table (lenient mode only; strict mode refuses).
    RegionUnknown,
    /// The region code was abolished before the birth year (lenient mode only).
    RegionAbolishedBeforeBirth,
    /// A resident number carries Taiwan's GB/T 2260 code `71xxxx`; Taiwan residents' numbers
    /// use `830000` (lenient mode only).
    RegionNotIssued,
    /// The region code was created after the birth year: legitimate (registered later).
    RegionCreatedAfterBirth,
    /// The region code is unpublished but known to have been issued.
    RegionUnpublished,
    /// The person would be older than [`IMPLAUSIBLE_AGE`] years.
    ImplausibleAge,
    /// The 2017 foreigner card has a two-digit year; the century was chosen as the latest
    /// one that does not put the birth date after "today".
    CenturyAssumed,
}

const ALL_WARNINGS: [Warning; 7] = [
    Warning::RegionUnknown,
    Warning::RegionAbolishedBeforeBirth,
    Warning::RegionNotIssued,
    Warning::RegionCreatedAfterBirth,
    Warning::RegionUnpublished,
    Warning::ImplausibleAge,
    Warning::CenturyAssumed,
];

impl Warning {
    /// Stable snake_case code.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::Warning::ImplausibleAge.code(), "implausible_age");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Warning::RegionUnknown => "region_unknown",
            Warning::RegionAbolishedBeforeBirth => "region_abolished_before_birth",
            Warning::RegionNotIssued => "region_not_issued",
            Warning::RegionCreatedAfterBirth => "region_created_after_birth",
            Warning::RegionUnpublished => "region_unpublished",
            Warning::ImplausibleAge => "implausible_age",
            Warning::CenturyAssumed => "century_assumed",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A validated, parsed identity number. `Debug` and `Display` show it masked; the full
/// number is only available through [`IdNumber::expose`].
///
/// ```
/// use shiming_core::{id_card::{self, ValidationOptions}, Date};
/// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// let id = id_card::parse("11010519491231002x", &opts).unwrap();
/// assert_eq!(id.expose(), "11010519491231002X");
/// assert_eq!(format!("{id}"), "1101************2X");
/// assert_eq!(format!("{id:?}"), "IdNumber(\"1101************2X\", resident)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IdNumber {
    buf: [u8; MAX_LEN],
    len: u8,
    kind: IdKind,
    birth_date: Date,
    sex: Option<Sex>,
    region_code: u32,
    region_status: RegionStatus,
    nationality: Option<&'static Country>,
    normalization: Normalization,
    warnings: u8,
}

impl IdNumber {
    /// The full normalized number. Handle with care: it is personal data.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("１１０１０５１９４９１２３１００２Ｘ", &opts).unwrap().expose(), "11010519491231002X");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The number with all but its first four and last two characters starred.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("11010519491231002X", &opts).unwrap().masked(), "1101************2X");
    /// ```
    #[must_use]
    pub fn masked(&self) -> String {
        mask::mask_id(self.expose())
    }

    /// The document kind.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, IdKind, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("110105491231002", &opts).unwrap().kind(), IdKind::Resident15);
    /// ```
    #[must_use]
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The birth date encoded in the number.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("110105491231002", &opts).unwrap().birth_date(), Date::new(1949, 12, 31).unwrap());
    /// ```
    #[must_use]
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Sex from the sequence digit; `None` for the 2017 foreigner card, which does not
    /// encode it.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, Sex, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("11010519491231002X", &opts).unwrap().sex(), Some(Sex::Female));
    /// ```
    #[must_use]
    pub fn sex(&self) -> Option<Sex> {
        self.sex
    }

    /// Completed years of age on `on` (0 if `on` precedes the birth date).
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// let id = id_card::parse("11010519491231002X", &opts).unwrap();
    /// assert_eq!(id.age_on(Date::new(2019, 12, 30).unwrap()), 69);
    /// assert_eq!(id.age_on(Date::new(2019, 12, 31).unwrap()), 70);
    /// ```
    #[must_use]
    pub fn age_on(&self, on: Date) -> u16 {
        self.birth_date.years_until(on)
    }

    /// The region code the number carries: six digits for resident numbers and permits, the
    /// issuing prefecture `XXYY00` for 2017 foreigner cards, the issuing province `XX0000`
    /// for 2023 foreigner cards.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("11010519491231002X", &opts).unwrap().region_code(), 110105);
    /// ```
    #[must_use]
    pub fn region_code(&self) -> u32 {
        self.region_code
    }

    /// The region in the GB/T 2260 table, when the code is there. Taiwan permits (`830000`)
    /// resolve to Taiwan's GB/T 2260 entry `710000`.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// let id = id_card::parse("11010519491231002X", &opts).unwrap();
    /// assert_eq!(id.region().unwrap().current_name(), "朝阳区");
    /// ```
    #[must_use]
    pub fn region(&self) -> Option<Region> {
        match self.kind {
            IdKind::TaiwanPermit => region::lookup(710_000),
            _ => region::lookup(self.region_code),
        }
    }

    /// How the region code relates to the birth year.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, region::RegionStatus, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("11010519491231002X", &opts).unwrap().region_status(), RegionStatus::InForce);
    /// ```
    #[must_use]
    pub fn region_status(&self) -> RegionStatus {
        self.region_status
    }

    /// The nationality of a foreigner permanent residence card holder.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// let card = id_card::generate::foreign_permanent_2023(31, 840, Date::new(1985, 5, 6).unwrap(), 1).unwrap();
    /// assert_eq!(id_card::parse(&card, &opts).unwrap().nationality().unwrap().alpha3(), "USA");
    /// ```
    #[must_use]
    pub fn nationality(&self) -> Option<&'static Country> {
        self.nationality
    }

    /// What normalization changed in the input.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert!(id_card::parse("11010519491231002X", &opts).unwrap().normalization().is_unchanged());
    /// ```
    #[must_use]
    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// The warnings, in a fixed order.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("11010519491231002X", &opts).unwrap().warnings().count(), 0);
    /// ```
    pub fn warnings(&self) -> impl Iterator<Item = Warning> + '_ {
        ALL_WARNINGS
            .into_iter()
            .filter(move |w| self.warnings & w.bit() != 0)
    }

    /// Whether the number carries a region problem that strict validation refuses (unknown
    /// code, code abolished before the birth year, Taiwan's GB/T 2260 code on a resident
    /// number): `parse(n, lenient)` gives such a number, `parse(n, strict)` an error. Lets a
    /// caller apply both policies with one parse.
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert!(id_card::parse("110103201503071232", &opts).unwrap().has_region_problem());
    /// assert!(!id_card::parse("11010519491231002X", &opts).unwrap().has_region_problem());
    /// ```
    #[must_use]
    pub fn has_region_problem(&self) -> bool {
        self.warnings().any(|w| {
            matches!(
                w,
                Warning::RegionUnknown
                    | Warning::RegionAbolishedBeforeBirth
                    | Warning::RegionNotIssued
            )
        })
    }

    /// For a 15-digit number, the 18-digit number it upgrades to (insert `19`, append the
    /// check digit); `None` for other kinds, and for a 15-digit number with the region code
    /// `810000`/`820000`, whose 18-digit form would be read as a residence permit (first
    /// generation cards were never permits).
    ///
    /// ```
    /// # use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// # let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// let old = id_card::parse("110105491231002", &opts).unwrap();
    /// assert_eq!(old.upgraded().unwrap().expose(), "11010519491231002X");
    /// assert!(id_card::parse("820000491231002", &opts).unwrap().upgraded().is_none());
    /// ```
    #[must_use]
    pub fn upgraded(&self) -> Option<IdNumber> {
        if self.kind != IdKind::Resident15 {
            return None;
        }
        let b = &self.buf;
        let mut first17 = [0u8; 17];
        first17[..6].copy_from_slice(&b[..6]);
        first17[6..8].copy_from_slice(b"19");
        first17[8..].copy_from_slice(&b[6..15]);
        if kind18(&first17) != IdKind::Resident {
            return None;
        }
        let check = mod11_2_check(&first17)?;
        let mut upgraded = *self;
        upgraded.buf[..17].copy_from_slice(&first17);
        upgraded.buf[17] = check;
        upgraded.len = 18;
        upgraded.kind = IdKind::Resident;
        upgraded.normalization = Normalization::default();
        Some(upgraded)
    }

    fn warn(&mut self, w: Warning) {
        self.warnings |= w.bit();
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({:?}, {})", self.masked(), self.kind.code())
    }
}

/// Normalizes, detects the kind of, validates and parses an identity number.
///
/// ```
/// use shiming_core::{id_card::{self, ValidationOptions}, Date};
/// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// assert_eq!(id_card::parse("11010519491231002X", &opts).unwrap().kind().code(), "resident");
/// assert_eq!(id_card::parse("110105194912310021", &opts).unwrap_err().reason(), "checksum");
/// assert_eq!(id_card::parse("1101051949", &opts).unwrap_err().reason(), "length");
/// ```
pub fn parse(input: &str, options: &ValidationOptions) -> Result<IdNumber, IdError> {
    let n = normalize(input);
    if let Some(position) = n.bad_char_at {
        if n.len == 18 || n.len == 15 {
            return Err(IdError::Format {
                position,
                kind: None,
            });
        }
    }
    match n.len {
        18 => parse18(&n.buf, n.changes, options),
        15 => {
            let mut b = [0u8; 15];
            b.copy_from_slice(&n.buf[..15]);
            parse15(&b, n.changes, options)
        }
        found => Err(IdError::Length { found }),
    }
}

fn first_non_digit(b: &[u8], offset: usize) -> Option<usize> {
    b.iter()
        .position(|c| !c.is_ascii_digit())
        .map(|p| p + offset + 1)
}

fn num(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
}

/// The kind of an 18-character number, told by its first characters (at least six).
fn kind18(b: &[u8]) -> IdKind {
    match (b.first(), b.get(..6)) {
        (Some(b'9'), _) => IdKind::ForeignPermanent2023,
        (_, Some(b"810000" | b"820000")) => IdKind::HkMacauPermit,
        (_, Some(b"830000")) => IdKind::TaiwanPermit,
        _ => IdKind::Resident,
    }
}

fn parse18(
    b: &[u8; 18],
    normalization: Normalization,
    options: &ValidationOptions,
) -> Result<IdNumber, IdError> {
    let kind = kind18(b);
    // One pass: digits checked and weighted together (the hot path of bulk validation).
    let expected = checksum::mod11_2_scan(b).map_err(|position| IdError::Format {
        position,
        kind: Some(kind),
    })?;
    if !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(IdError::Format {
            position: 18,
            kind: Some(kind),
        });
    }
    if expected != b[17] {
        return Err(IdError::Checksum {
            kind,
            expected: char::from(expected),
            found: char::from(b[17]),
        });
    }
    let mut date = [0u8; 8];
    date.copy_from_slice(&b[6..14]);
    let birth_date = birth_date(&date, kind, options)?;
    let mut id = IdNumber {
        buf: *b,
        len: 18,
        kind,
        birth_date,
        sex: Some(Sex::from_digit(b[16])),
        region_code: num(&b[..6]),
        region_status: RegionStatus::InForce,
        nationality: None,
        normalization,
        warnings: 0,
    };
    match kind {
        IdKind::ForeignPermanent2023 => {
            let province = num(&b[1..3]);
            if !region::is_province(province) {
                return Err(IdError::Region {
                    kind,
                    problem: RegionProblem::UnknownProvince,
                });
            }
            id.region_code = province * 10_000;
            let numeric = num(&b[3..6]) as u16;
            id.nationality = Some(nationality::by_numeric(numeric).ok_or(IdError::Region {
                kind,
                problem: RegionProblem::UnknownNationality,
            })?);
        }
        IdKind::HkMacauPermit | IdKind::TaiwanPermit => {}
        _ => grade_resident_region(&mut id, options)?,
    }
    finish(id, options)
}

fn parse15(
    b: &[u8; 15],
    normalization: Normalization,
    options: &ValidationOptions,
) -> Result<IdNumber, IdError> {
    let foreign = b[..3].iter().all(u8::is_ascii_uppercase);
    let kind = if foreign {
        IdKind::ForeignPermanent2017
    } else {
        IdKind::Resident15
    };
    let digits_from = if foreign { 3 } else { 0 };
    if let Some(position) = first_non_digit(&b[digits_from..], digits_from) {
        return Err(IdError::Format {
            position,
            kind: Some(kind),
        });
    }
    let mut buf = [0u8; MAX_LEN];
    buf[..15].copy_from_slice(b);
    if foreign {
        return parse_foreign_2017(b, buf, normalization, options);
    }
    let mut date = [b'1', b'9', 0, 0, 0, 0, 0, 0];
    date[2..].copy_from_slice(&b[6..12]);
    let birth_date = birth_date(&date, kind, options)?;
    let mut id = IdNumber {
        buf,
        len: 15,
        kind,
        birth_date,
        sex: Some(Sex::from_digit(b[14])),
        region_code: num(&b[..6]),
        region_status: RegionStatus::InForce,
        nationality: None,
        normalization,
        warnings: 0,
    };
    grade_resident_region(&mut id, options)?;
    finish(id, options)
}

fn parse_foreign_2017(
    b: &[u8; 15],
    buf: [u8; MAX_LEN],
    normalization: Normalization,
    options: &ValidationOptions,
) -> Result<IdNumber, IdError> {
    let kind = IdKind::ForeignPermanent2017;
    let expected = icao_check(&b[..14]).unwrap_or(b'?');
    if expected != b[14] {
        return Err(IdError::Checksum {
            kind,
            expected: char::from(expected),
            found: char::from(b[14]),
        });
    }
    // Two-digit year: the latest century that does not put the birth after "today".
    let mut date = [b'2', b'0', 0, 0, 0, 0, 0, 0];
    date[2..].copy_from_slice(&b[7..13]);
    let birth_date = match Date::from_yyyymmdd(&date) {
        Ok(d) if d <= options.today => d,
        _ => {
            date[..2].copy_from_slice(b"19");
            birth_date(&date, kind, options)?
        }
    };
    let alpha3 = std::str::from_utf8(&b[..3]).unwrap_or_default();
    let country = nationality::by_alpha3(alpha3).ok_or(IdError::Region {
        kind,
        problem: RegionProblem::UnknownNationality,
    })?;
    let prefecture = num(&b[3..7]);
    if !region::is_province(prefecture / 100) {
        return Err(IdError::Region {
            kind,
            problem: RegionProblem::UnknownProvince,
        });
    }
    let mut id = IdNumber {
        buf,
        len: 15,
        kind,
        birth_date,
        sex: None,
        region_code: prefecture * 100,
        region_status: RegionStatus::InForce,
        nationality: Some(country),
        normalization,
        warnings: 0,
    };
    id.warn(Warning::CenturyAssumed);
    if region::lookup(id.region_code).is_none() {
        id.region_status = RegionStatus::Unknown;
        region_problem(
            &mut id,
            options,
            RegionProblem::Unknown,
            Warning::RegionUnknown,
        )?;
    }
    finish(id, options)
}

fn birth_date(
    yyyymmdd: &[u8; 8],
    kind: IdKind,
    options: &ValidationOptions,
) -> Result<Date, IdError> {
    let date = Date::from_yyyymmdd(yyyymmdd).map_err(|_| IdError::BirthDate {
        kind,
        problem: BirthDateProblem::NotADate,
    })?;
    if date > options.today {
        return Err(IdError::BirthDate {
            kind,
            problem: BirthDateProblem::AfterToday,
        });
    }
    if date.year() < EARLIEST_BIRTH_YEAR {
        return Err(IdError::BirthDate {
            kind,
            problem: BirthDateProblem::TooEarly,
        });
    }
    Ok(date)
}

/// Applies the time-aware region rules of resident numbers (18 and 15 digits).
fn grade_resident_region(id: &mut IdNumber, options: &ValidationOptions) -> Result<(), IdError> {
    let province = id.region_code / 10_000;
    if !region::is_province(province) {
        return Err(IdError::Region {
            kind: id.kind,
            problem: RegionProblem::UnknownProvince,
        });
    }
    if province == 71 {
        id.region_status = region::status_at_birth(id.region_code, id.birth_date.year());
        return region_problem(
            id,
            options,
            RegionProblem::TaiwanGbCode,
            Warning::RegionNotIssued,
        );
    }
    id.region_status = region::status_at_birth(id.region_code, id.birth_date.year());
    match id.region_status {
        RegionStatus::InForce => Ok(()),
        RegionStatus::CreatedAfterBirth { .. } => {
            id.warn(Warning::RegionCreatedAfterBirth);
            Ok(())
        }
        RegionStatus::Unpublished => {
            id.warn(Warning::RegionUnpublished);
            Ok(())
        }
        RegionStatus::AbolishedBeforeBirth { until } => region_problem(
            id,
            options,
            RegionProblem::AbolishedBeforeBirth { until },
            Warning::RegionAbolishedBeforeBirth,
        ),
        RegionStatus::Unknown => {
            region_problem(id, options, RegionProblem::Unknown, Warning::RegionUnknown)
        }
    }
}

/// A graded region problem: an error in strict mode, a warning otherwise.
fn region_problem(
    id: &mut IdNumber,
    options: &ValidationOptions,
    problem: RegionProblem,
    warning: Warning,
) -> Result<(), IdError> {
    if options.strict {
        return Err(IdError::Region {
            kind: id.kind,
            problem,
        });
    }
    id.warn(warning);
    Ok(())
}

fn finish(mut id: IdNumber, options: &ValidationOptions) -> Result<IdNumber, IdError> {
    if id.age_on(options.today) > IMPLAUSIBLE_AGE {
        id.warn(Warning::ImplausibleAge);
    }
    Ok(id)
}

/// Whether `input` is a valid number under `options` (see [`parse`]).
///
/// ```
/// use shiming_core::{id_card::{self, ValidationOptions}, Date};
/// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// assert!(id_card::is_valid("11010519491231002X", &opts));
/// ```
#[must_use]
pub fn is_valid(input: &str, options: &ValidationOptions) -> bool {
    parse(input, options).is_ok()
}

#[cfg(test)]
mod tests;
