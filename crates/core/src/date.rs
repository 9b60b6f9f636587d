//! A proleptic-Gregorian calendar date, small and allocation-free.
//!
//! The core never reads the system clock: everything that depends on "today" (future birth
//! dates, ages) takes a [`Date`] from the caller.

use std::fmt;
use std::str::FromStr;

/// Seconds east of UTC of China Standard Time (UTC+8), the clock "today" is read in for every
/// check: see [`Date::in_china_at`].
///
/// ```
/// assert_eq!(shiming_core::date::CHINA_UTC_OFFSET_SECONDS, 8 * 3600);
/// ```
pub const CHINA_UTC_OFFSET_SECONDS: i64 = 8 * 3600;

/// A valid calendar date between the years 1 and 9999.
///
/// ```
/// use shiming_core::Date;
/// let d: Date = "2024-02-29".parse().unwrap();
/// assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
/// assert!(Date::new(2023, 2, 29).is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order gives the derived `Ord` chronological order.
    year: u16,
    month: u8,
    day: u8,
}

/// Why a [`Date`] could not be built or parsed.
///
/// ```
/// use shiming_core::{Date, DateError};
/// assert_eq!(Date::new(2023, 13, 1), Err(DateError::OutOfRange));
/// assert_eq!("2023/01/01".parse::<Date>(), Err(DateError::Format));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not `YYYY-MM-DD`.
    #[error("expected a date as YYYY-MM-DD")]
    Format,
    /// Year, month or day is outside the calendar (e.g. February 30th).
    #[error("no such calendar date")]
    OutOfRange,
}

impl Date {
    /// Builds a date, checking it exists in the Gregorian calendar.
    ///
    /// ```
    /// assert!(shiming_core::Date::new(1900, 2, 29).is_err()); // 1900 was not a leap year
    /// assert!(shiming_core::Date::new(2000, 2, 29).is_ok());
    /// ```
    pub const fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        if year == 0 || year > 9999 || month == 0 || month > 12 || day == 0 {
            return Err(DateError::OutOfRange);
        }
        if day > days_in_month(year, month) {
            return Err(DateError::OutOfRange);
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    ///
    /// ```
    /// assert_eq!(shiming_core::Date::new(1999, 1, 2).unwrap().year(), 1999);
    /// ```
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    ///
    /// ```
    /// assert_eq!(shiming_core::Date::new(1999, 1, 2).unwrap().month(), 1);
    /// ```
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    ///
    /// ```
    /// assert_eq!(shiming_core::Date::new(1999, 1, 2).unwrap().day(), 2);
    /// ```
    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }

    /// The date in China Standard Time (UTC+8, no daylight saving since 1991) at
    /// `unix_seconds` seconds after 1970-01-01T00:00:00Z — the one conversion every caller
    /// that owns a clock uses for "today" (the core itself never reads one). `None` when the
    /// date falls outside the years [`Date`] holds.
    ///
    /// ```
    /// use shiming_core::Date;
    /// // 2024-01-01T15:59:59Z is still 23:59:59 on 2024-01-01 in Beijing; a second later it is the 2nd.
    /// assert_eq!(Date::in_china_at(1_704_124_799), Some(Date::new(2024, 1, 1).unwrap()));
    /// assert_eq!(Date::in_china_at(1_704_124_800), Some(Date::new(2024, 1, 2).unwrap()));
    /// ```
    #[must_use]
    pub fn in_china_at(unix_seconds: i64) -> Option<Date> {
        let local = unix_seconds.checked_add(CHINA_UTC_OFFSET_SECONDS)?;
        Date::from_days_since_unix_epoch(local.div_euclid(86_400))
    }

    /// The date `days` days after 1970-01-01 (negative: before). Callers that own a clock
    /// use this to turn it into a date, e.g. `unix_seconds / 86_400` (after adding the
    /// UTC offset they mean, such as +8 h for China Standard Time).
    ///
    /// ```
    /// use shiming_core::Date;
    /// assert_eq!(Date::from_days_since_unix_epoch(0), Some(Date::new(1970, 1, 1).unwrap()));
    /// assert_eq!(Date::from_days_since_unix_epoch(19_723), Some(Date::new(2024, 1, 1).unwrap()));
    /// ```
    #[must_use]
    pub fn from_days_since_unix_epoch(days: i64) -> Option<Date> {
        // Howard Hinnant's civil_from_days.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = u16::try_from(year).ok()?;
        Date::new(year, month as u8, day as u8).ok()
    }

    /// Whole years completed between `self` (a birth date) and `on`; 0 when `on` is
    /// earlier. Someone born on 29 February turns a year older on 1 March in common years
    /// (the day after 28 February), the usual reading of Chinese civil law.
    ///
    /// ```
    /// use shiming_core::Date;
    /// let born = Date::new(2000, 2, 29).unwrap();
    /// assert_eq!(born.years_until(Date::new(2018, 2, 28).unwrap()), 17);
    /// assert_eq!(born.years_until(Date::new(2018, 3, 1).unwrap()), 18);
    /// ```
    #[must_use]
    pub const fn years_until(self, on: Date) -> u16 {
        if on.year < self.year {
            return 0;
        }
        let mut years = on.year - self.year;
        let birthday_passed =
            on.month > self.month || (on.month == self.month && on.day >= self.day);
        if !birthday_passed && years > 0 {
            years -= 1;
        }
        years
    }

    /// Parses exactly 8 ASCII digits `YYYYMMDD`, as inside an ID number.
    pub(crate) const fn from_yyyymmdd(d: &[u8; 8]) -> Result<Date, DateError> {
        let year = digits4(d[0], d[1], d[2], d[3]);
        let month = digits2(d[4], d[5]);
        let day = digits2(d[6], d[7]);
        Date::new(year, month, day)
    }
}

const fn digits2(a: u8, b: u8) -> u8 {
    (a - b'0') * 10 + (b - b'0')
}

const fn digits4(a: u8, b: u8, c: u8, d: u8) -> u16 {
    (a - b'0') as u16 * 1000 + (b - b'0') as u16 * 100 + (c - b'0') as u16 * 10 + (d - b'0') as u16
}

/// Whether `year` is a Gregorian leap year.
const fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Format);
        }
        let digits = [b[0], b[1], b[2], b[3], b[5], b[6], b[8], b[9]];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(DateError::Format);
        }
        Date::from_yyyymmdd(&digits)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        for (year, leap) in [(1900, false), (2000, true), (2024, true), (2023, false)] {
            assert_eq!(Date::new(year, 2, 29).is_ok(), leap, "{year}");
        }
    }

    #[test]
    fn parse_rejects_malformed_text() {
        for bad in [
            "",
            "2024-1-01",
            "2024-01-1 ",
            "２０２４-01-01",
            "2024-00-10",
            "abcd-ef-gh",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn days_since_epoch_round_trip_through_known_dates() {
        assert_eq!(
            Date::from_days_since_unix_epoch(-1),
            Date::new(1969, 12, 31).ok()
        );
        assert_eq!(
            Date::from_days_since_unix_epoch(11_016),
            Date::new(2000, 2, 29).ok()
        );
        assert_eq!(Date::from_days_since_unix_epoch(i64::MAX), None);
    }

    #[test]
    fn ages_count_completed_years() {
        let born = Date::new(1990, 6, 15).unwrap();
        assert_eq!(born.years_until(Date::new(2020, 6, 14).unwrap()), 29);
        assert_eq!(born.years_until(Date::new(2020, 6, 15).unwrap()), 30);
        assert_eq!(born.years_until(Date::new(1980, 1, 1).unwrap()), 0);
    }
}
