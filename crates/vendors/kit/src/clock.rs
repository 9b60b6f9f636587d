//! The one place shiming reads the clock for "today": the date in China Standard Time that
//! local validation measures birth dates and ages against (shiming-core never reads a clock;
//! the conversion is its [`Date::in_china_at`]).

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
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Date::in_china_at(secs)
        .or_else(|| Date::new(1970, 1, 1).ok())
        .unwrap_or_else(|| unreachable!("1970-01-01 is a date"))
}
