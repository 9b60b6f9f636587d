//! The one place shiming reads the wall clock: [`unix_now`], and from it "today", the date in
//! China Standard Time that local validation measures birth dates and ages against
//! (shiming-core never reads a clock; the conversion is its [`Date::in_china_at`]).

use std::time::{SystemTime, UNIX_EPOCH};

use shiming_core::Date;

/// Today's date in China Standard Time, from the system clock. Falls back to 1970-01-01 only
/// if the clock is before the epoch or absurdly far ahead.
///
/// ```
/// assert!(shiming_vendor_kit::today_in_china().year() >= 2024);
/// ```
#[must_use]
pub fn today_in_china() -> Date {
    Date::in_china_at(unix_now())
        .or_else(|| Date::new(1970, 1, 1).ok())
        .unwrap_or_else(|| unreachable!("1970-01-01 is a date"))
}

/// The wall clock in whole seconds since the Unix epoch; 0 if the clock is before the epoch,
/// `i64::MAX` if it is absurdly far ahead.
///
/// ```
/// assert!(shiming_vendor_kit::unix_now() > 1_700_000_000);
/// ```
#[must_use]
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
