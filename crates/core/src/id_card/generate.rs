//! Synthetic identity numbers **for tests and fixtures only**.
//!
//! Numbers made here have valid structure and check digits, so they pass local validation;
//! they are not anybody's number as far as this crate knows, but a generated number can
//! coincide with a real person's. Never use them to impersonate anyone, and never send them
//! to a paid API except in a sandbox.
//!
//! ```
//! use shiming_core::{id_card::{self, generate, ValidationOptions}, Date};
//! let n = generate::resident(350521, Date::new(1990, 3, 7).unwrap(), 123).unwrap();
//! assert_eq!(n, "350521199003071235");
//! let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap()).strict(true);
//! assert!(id_card::is_valid(&n, &opts));
//! ```

use super::{icao_check, mod11_2_check};
use crate::{region, Date};

/// Why a synthetic number could not be built.
///
/// ```
/// use shiming_core::{id_card::generate, Date};
/// let err = generate::resident(35052, Date::new(1990, 3, 7).unwrap(), 1).unwrap_err();
/// assert_eq!(err, generate::GenerateError::Region);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// The region code does not have the required number of digits.
    #[error("region code has the wrong number of digits")]
    Region,
    /// The sequence number does not fit its field.
    #[error("sequence number does not fit its field")]
    Sequence,
    /// The birth year cannot be written in this kind of number.
    #[error("birth year cannot be written in this kind of number")]
    Year,
    /// The nationality is not three upper-case letters or a three-digit number.
    #[error("nationality code has the wrong form")]
    Nationality,
}

fn push_digits(out: &mut Vec<u8>, value: u32, width: usize) {
    let s = format!("{value:0width$}");
    out.extend_from_slice(s.as_bytes());
}

fn push_date(out: &mut Vec<u8>, date: Date, four_digit_year: bool) {
    if four_digit_year {
        push_digits(out, u32::from(date.year()), 4);
    } else {
        push_digits(out, u32::from(date.year() % 100), 2);
    }
    push_digits(out, u32::from(date.month()), 2);
    push_digits(out, u32::from(date.day()), 2);
}

fn with_mod11_2(mut first17: Vec<u8>) -> String {
    let mut arr = [0u8; 17];
    arr.copy_from_slice(&first17);
    // Built from digits only, so a check character always exists.
    first17.push(mod11_2_check(&arr).unwrap_or(b'0'));
    String::from_utf8(first17).unwrap_or_default()
}

/// An 18-digit resident number: 6-digit `region`, `birth`, `sequence` 0–999 (odd = male).
///
/// ```
/// let n = shiming_core::id_card::generate::resident(110105, shiming_core::Date::new(1949, 12, 31).unwrap(), 2).unwrap();
/// assert_eq!(n, "11010519491231002X");
/// ```
pub fn resident(region: u32, birth: Date, sequence: u16) -> Result<String, GenerateError> {
    if !(100_000..=999_999).contains(&region) {
        return Err(GenerateError::Region);
    }
    if sequence > 999 {
        return Err(GenerateError::Sequence);
    }
    let mut out = Vec::with_capacity(18);
    push_digits(&mut out, region, 6);
    push_date(&mut out, birth, true);
    push_digits(&mut out, u32::from(sequence), 3);
    Ok(with_mod11_2(out))
}

/// A 15-digit first-generation number (birth year 1900–1999).
///
/// ```
/// let n = shiming_core::id_card::generate::resident15(110105, shiming_core::Date::new(1949, 12, 31).unwrap(), 2).unwrap();
/// assert_eq!(n, "110105491231002");
/// ```
pub fn resident15(region: u32, birth: Date, sequence: u16) -> Result<String, GenerateError> {
    if !(100_000..=999_999).contains(&region) {
        return Err(GenerateError::Region);
    }
    if sequence > 999 {
        return Err(GenerateError::Sequence);
    }
    if !(1900..=1999).contains(&birth.year()) {
        return Err(GenerateError::Year);
    }
    let mut out = Vec::with_capacity(15);
    push_digits(&mut out, region, 6);
    push_date(&mut out, birth, false);
    push_digits(&mut out, u32::from(sequence), 3);
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// A residence permit: `code` is `810000` (Hong Kong), `820000` (Macau) or `830000` (Taiwan).
///
/// ```
/// let n = shiming_core::id_card::generate::permit(830000, shiming_core::Date::new(1988, 8, 8).unwrap(), 15).unwrap();
/// assert!(n.starts_with("83000019880808015"));
/// ```
pub fn permit(code: u32, birth: Date, sequence: u16) -> Result<String, GenerateError> {
    if !matches!(code, 810_000 | 820_000 | 830_000) {
        return Err(GenerateError::Region);
    }
    resident(code, birth, sequence)
}

/// A 2023-edition foreigner permanent residence card: `9` + 2-digit `province` + ISO numeric
/// `nationality` + birth date + 3-digit `sequence` + check.
///
/// ```
/// let n = shiming_core::id_card::generate::foreign_permanent_2023(31, 840, shiming_core::Date::new(1985, 5, 6).unwrap(), 1).unwrap();
/// assert!(n.starts_with("931840198505060"));
/// ```
pub fn foreign_permanent_2023(
    province: u32,
    nationality: u16,
    birth: Date,
    sequence: u16,
) -> Result<String, GenerateError> {
    if !(10..=99).contains(&province) {
        return Err(GenerateError::Region);
    }
    if nationality > 999 {
        return Err(GenerateError::Nationality);
    }
    if sequence > 999 {
        return Err(GenerateError::Sequence);
    }
    let mut out = Vec::with_capacity(18);
    out.push(b'9');
    push_digits(&mut out, province, 2);
    push_digits(&mut out, u32::from(nationality), 3);
    push_date(&mut out, birth, true);
    push_digits(&mut out, u32::from(sequence), 3);
    Ok(with_mod11_2(out))
}

/// A 2017-edition foreigner permanent residence card: alpha-3 `nationality` + 4-digit
/// issuing `prefecture` (`XXYY`) + `YYMMDD` + one `digit` + ICAO 7-3-1 check digit.
///
/// ```
/// let n = shiming_core::id_card::generate::foreign_permanent_2017("USA", 3101, shiming_core::Date::new(1985, 5, 6).unwrap(), 0).unwrap();
/// assert_eq!(n.len(), 15);
/// assert!(n.starts_with("USA31018505060"));
/// ```
pub fn foreign_permanent_2017(
    nationality: &str,
    prefecture: u32,
    birth: Date,
    digit: u8,
) -> Result<String, GenerateError> {
    if nationality.len() != 3 || !nationality.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(GenerateError::Nationality);
    }
    if !(1000..=9999).contains(&prefecture) {
        return Err(GenerateError::Region);
    }
    if digit > 9 {
        return Err(GenerateError::Sequence);
    }
    let mut out = Vec::with_capacity(15);
    out.extend_from_slice(nationality.as_bytes());
    push_digits(&mut out, prefecture, 4);
    push_date(&mut out, birth, false);
    out.push(b'0' + digit);
    out.push(icao_check(&out).unwrap_or(b'0'));
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// A deterministic stream of synthetic 18-digit resident numbers whose region code was in
/// force in the birth year (so they pass strict validation for any "today" after 2010).
/// The same seed always gives the same numbers.
///
/// ```
/// use shiming_core::id_card::generate::Synthetic;
/// let a: Vec<String> = Synthetic::new(7).take(3).collect();
/// let b: Vec<String> = Synthetic::new(7).take(3).collect();
/// assert_eq!(a, b);
/// ```
#[derive(Debug, Clone)]
pub struct Synthetic {
    state: u64,
}

impl Synthetic {
    /// A stream for `seed`.
    ///
    /// ```
    /// assert!(shiming_core::id_card::generate::Synthetic::new(1).next().is_some());
    /// ```
    #[must_use]
    pub fn new(seed: u64) -> Synthetic {
        Synthetic { state: seed }
    }

    /// The next pseudo-random number (SplitMix64).
    ///
    /// ```
    /// let mut s = shiming_core::id_card::generate::Synthetic::new(1);
    /// assert_ne!(s.next_u64(), s.next_u64());
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A pseudo-random value in `0..bound` (`bound` > 0).
    ///
    /// ```
    /// let mut s = shiming_core::id_card::generate::Synthetic::new(1);
    /// assert!(s.below(10) < 10);
    /// ```
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A birth date between 1940-01-01 and 2009-12-28.
    fn birth_date(&mut self) -> Date {
        loop {
            let year = 1940 + self.below(70) as u16;
            let month = 1 + self.below(12) as u8;
            let day = 1 + self.below(28) as u8;
            if let Ok(d) = Date::new(year, month, day) {
                return d;
            }
        }
    }
}

impl Iterator for Synthetic {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            let birth = self.birth_date();
            let code = region::nth_code(self.below(region::code_count() as u64) as usize)?;
            if code % 100 == 0 || code / 10_000 == 71 || code / 10_000 >= 81 {
                continue; // counties only; no Taiwan / HK / Macau GB codes
            }
            if region::status_at_birth(code, birth.year()) != region::RegionStatus::InForce {
                continue;
            }
            let sequence = self.below(1000) as u16;
            return resident(code, birth, sequence).ok();
        }
    }
}
