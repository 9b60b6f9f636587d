//! Why an identity number is invalid.

use std::fmt;

use super::IdKind;

/// Why an identity number was refused. Messages never contain the number.
///
/// ```
/// use shiming_core::{id_card::{self, ValidationOptions}, Date};
/// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
/// let err = id_card::parse("110105194912310021", &opts).unwrap_err();
/// assert_eq!(err.reason(), "checksum");
/// assert_eq!(err.to_string(), "check digit is '1' but should be 'X'");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// Not 15 or 18 significant characters (0 for empty input).
    Length {
        /// How many significant characters were found.
        found: usize,
    },
    /// A character that cannot stand at this position.
    Format {
        /// 1-based position among the significant characters.
        position: usize,
        /// The detected kind, when the length and prefix told it.
        kind: Option<IdKind>,
    },
    /// The check character does not match.
    Checksum {
        /// The detected kind.
        kind: IdKind,
        /// The check character the rest of the number implies.
        expected: char,
        /// The check character found.
        found: char,
    },
    /// The birth date is not acceptable.
    BirthDate {
        /// The detected kind.
        kind: IdKind,
        /// What is wrong with it.
        problem: BirthDateProblem,
    },
    /// The region or nationality part is not acceptable.
    Region {
        /// The detected kind.
        kind: IdKind,
        /// What is wrong with it.
        problem: RegionProblem,
    },
}

/// What is wrong with a birth date.
///
/// ```
/// assert_eq!(shiming_core::id_card::BirthDateProblem::AfterToday.code(), "after_today");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDateProblem {
    /// Not a calendar date (e.g. February 30th, month 13).
    NotADate,
    /// After the caller's "today".
    AfterToday,
    /// Before [`super::EARLIEST_BIRTH_YEAR`].
    TooEarly,
}

impl BirthDateProblem {
    /// Stable snake_case code.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::BirthDateProblem::NotADate.code(), "not_a_date");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            BirthDateProblem::NotADate => "not_a_date",
            BirthDateProblem::AfterToday => "after_today",
            BirthDateProblem::TooEarly => "too_early",
        }
    }
}

/// What is wrong with a region or nationality part.
///
/// ```
/// assert_eq!(shiming_core::id_card::RegionProblem::UnknownProvince.code(), "unknown_province");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionProblem {
    /// The first two digits are no province-level code (always refused).
    UnknownProvince,
    /// The nationality code is not an ISO 3166-1 country (always refused).
    UnknownNationality,
    /// The code is not in the GB/T 2260 table (refused in strict mode).
    Unknown,
    /// The code was abolished before the birth year (refused in strict mode).
    AbolishedBeforeBirth {
        /// Last year the code was in force.
        until: u16,
    },
    /// A resident number with Taiwan's GB/T 2260 code; Taiwan residents' numbers use
    /// `830000` (refused in strict mode).
    TaiwanGbCode,
}

impl RegionProblem {
    /// Stable snake_case code.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::RegionProblem::Unknown.code(), "unknown");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            RegionProblem::UnknownProvince => "unknown_province",
            RegionProblem::UnknownNationality => "unknown_nationality",
            RegionProblem::Unknown => "unknown",
            RegionProblem::AbolishedBeforeBirth { .. } => "abolished_before_birth",
            RegionProblem::TaiwanGbCode => "taiwan_gb_code",
        }
    }
}

impl IdError {
    /// The short snake_case reason: `length`, `format`, `checksum`, `birth_date` or `region`.
    ///
    /// ```
    /// use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("", &opts).unwrap_err().reason(), "length");
    /// ```
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            IdError::Length { .. } => "length",
            IdError::Format { .. } => "format",
            IdError::Checksum { .. } => "checksum",
            IdError::BirthDate { .. } => "birth_date",
            IdError::Region { .. } => "region",
        }
    }

    /// The finer snake_case detail, when there is one (e.g. `after_today`, `unknown_province`).
    ///
    /// ```
    /// use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("110105202712310022", &opts).unwrap_err().detail(), Some("after_today"));
    /// ```
    #[must_use]
    pub const fn detail(&self) -> Option<&'static str> {
        match self {
            IdError::BirthDate { problem, .. } => Some(problem.code()),
            IdError::Region { problem, .. } => Some(problem.code()),
            _ => None,
        }
    }

    /// `reason` alone, or `reason:detail` when there is a detail — one token for logs,
    /// fixtures and tables.
    ///
    /// ```
    /// use shiming_core::{id_card::{self, ValidationOptions}, Date};
    /// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("110105202712310022", &opts).unwrap_err().code(), "birth_date:after_today");
    /// assert_eq!(id_card::parse("1", &opts).unwrap_err().code(), "length");
    /// ```
    #[must_use]
    pub fn code(&self) -> String {
        match self.detail() {
            Some(detail) => format!("{}:{detail}", self.reason()),
            None => self.reason().to_string(),
        }
    }

    /// The kind of number detected before the failure, if any.
    ///
    /// ```
    /// use shiming_core::{id_card::{self, IdKind, ValidationOptions}, Date};
    /// let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
    /// assert_eq!(id_card::parse("110105194912310021", &opts).unwrap_err().kind(), Some(IdKind::Resident));
    /// ```
    #[must_use]
    pub const fn kind(&self) -> Option<IdKind> {
        match self {
            IdError::Length { .. } => None,
            IdError::Format { kind, .. } => *kind,
            IdError::Checksum { kind, .. }
            | IdError::BirthDate { kind, .. }
            | IdError::Region { kind, .. } => Some(*kind),
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Length { found: 0 } => f.write_str("empty: an ID number has 15 or 18 characters"),
            IdError::Length { found } => {
                write!(f, "{found} characters: an ID number has 15 or 18")
            }
            IdError::Format { position, .. } => {
                write!(f, "character {position} is not allowed at that position")
            }
            IdError::Checksum { expected, found, .. } => {
                write!(f, "check digit is '{found}' but should be '{expected}'")
            }
            IdError::BirthDate { problem, .. } => f.write_str(match problem {
                BirthDateProblem::NotADate => "the birth date is not a calendar date",
                BirthDateProblem::AfterToday => "the birth date is after today",
                BirthDateProblem::TooEarly => "the birth date is before 1870",
            }),
            IdError::Region { problem, .. } => match problem {
                RegionProblem::UnknownProvince => f.write_str("no such province code"),
                RegionProblem::UnknownNationality => f.write_str("no such ISO 3166-1 nationality code"),
                RegionProblem::Unknown => f.write_str("region code not in GB/T 2260"),
                RegionProblem::AbolishedBeforeBirth { until } => {
                    write!(f, "region code abolished in {until}, before the birth year")
                }
                RegionProblem::TaiwanGbCode => {
                    f.write_str("Taiwan's GB/T 2260 code 71xxxx is not issued on ID numbers (permits use 830000)")
                }
            },
        }
    }
}

impl std::error::Error for IdError {}
