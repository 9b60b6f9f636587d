//! The command line's notion of "today": the date in China Standard Time (UTC+8), since the
//! core library takes "today" from its caller and never reads a clock.

use std::time::{SystemTime, UNIX_EPOCH};

use shiming_core::Date;

/// Seconds east of UTC of China Standard Time.
const CST_OFFSET_SECONDS: i64 = 8 * 3600;

/// Today's date in China Standard Time; `None` if the system clock is before 1970 or absurd.
pub fn today_in_china() -> Option<Date> {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    let secs = i64::try_from(secs).ok()? + CST_OFFSET_SECONDS;
    Date::from_days_since_unix_epoch(secs.div_euclid(86_400))
}
