//! What the five simulators share: reading parameters, the vendors' common idea of a valid
//! name / ID number / mobile, the clock, reference numbers and JSON bodies.
//!
//! # Decisions shared by every simulator
//!
//! * **Empty is missing.** A parameter sent with an empty value is treated exactly like an
//!   absent one (the vendors' pages say "必填"; none distinguishes the two).
//! * **First value wins.** A repeated parameter counts with its first value; later values are
//!   ignored ([`Params::get`]).
//! * **The vendors do not normalize.** The project's client normalizes before it calls, so the
//!   mock refuses what the client should have cleaned up:
//!   * a name is valid when [`shiming_core::name::parse`] accepts it *unchanged* (no trimming,
//!     no removed inner space, no mapped dot, already NFC);
//!   * an ID number is valid when it is exactly 18 ASCII letters/digits that
//!     [`shiming_core::id_card::parse`] accepts with lenient region rules: resident numbers,
//!     HK/Macau/Taiwan residence permits and 2023 foreigner cards. A lower-case check `x` is
//!     accepted and looked up upper-cased; 15-character numbers (first-generation cards, 2017
//!     foreigner cards) are refused — carriers register 18-character numbers;
//!   * a mobile is well-formed when it is exactly 11 ASCII digits starting with `1`
//!     ([`MobileCheck::Malformed`] otherwise); a well-formed mobile whose segment the core
//!     table does not allocate to a carrier (e.g. `154…`, `1749…`) is
//!     [`MobileCheck::Unallocated`] — a vendor that forwards it finds no carrier for it.
//! * **"Today"** for birth dates is the system clock in China Standard Time (UTC+8); tests
//!   pass a fixed [`Clock`].

use serde::Serialize;
use shiming_core::date::CHINA_UTC_OFFSET_SECONDS;
use shiming_core::id_card::{self, IdNumber, ValidationOptions};
use shiming_core::mobile::{self, Mobile};
use shiming_core::name::{self, Name};
use shiming_core::Date;

use crate::{Params, VendorAnswer};

/// The value of `key`, first occurrence, `None` when absent or empty.
pub(super) fn param<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params.get(key).filter(|v| !v.is_empty())
}

/// Whether `value` holds a control character (C0, DEL or C1: `\n`, `\t`, NUL, …).
pub(super) fn has_control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

/// Whether `value` holds U+FFFD, which the server's lossy UTF-8 decoding leaves where a
/// request carried bytes that are not UTF-8 (e.g. a GBK-encoded name).
pub(super) fn is_garbled(value: &str) -> bool {
    value.contains('\u{FFFD}')
}

/// A name as the vendors accept it (see the module documentation). `allow_space`: tel3 and
/// sfz2 refuse names with spaces ("不含空格"), which only Latin names can have.
pub(super) fn valid_name(value: &str, allow_space: bool) -> Option<Name> {
    let name = name::parse(value).ok()?;
    let acceptable = !name.is_changed() && (allow_space || !name.has_space());
    acceptable.then_some(name)
}

/// An ID number as the vendors accept it, with lenient region rules.
pub(super) fn valid_id(value: &str, clock: Clock) -> Option<IdNumber> {
    if value.len() != 18 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    id_card::parse(value, &ValidationOptions::new(clock.today())).ok()
}

/// Whether a valid ID number also passes the strict region rules (its region code was in
/// force for its birth year, or is a known unpublished code).
pub(super) fn region_in_force(id: &IdNumber) -> bool {
    !id.has_region_problem()
}

/// How a mobile parameter fares.
#[derive(Debug, Clone, Copy)]
pub(super) enum MobileCheck {
    /// A number allocated to a carrier (possibly virtual, data-only or satellite).
    Valid(Mobile),
    /// Not 11 ASCII digits starting with `1`.
    Malformed,
    /// Well-formed, but in no carrier's segment (unallocated, special-purpose).
    Unallocated,
}

/// Checks a mobile parameter (see the module documentation).
pub(super) fn check_mobile(value: &str) -> MobileCheck {
    let well_formed =
        value.len() == 11 && value.starts_with('1') && value.bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return MobileCheck::Malformed;
    }
    match mobile::parse(value) {
        Ok(m) => MobileCheck::Valid(m),
        Err(_) => MobileCheck::Unallocated,
    }
}

/// The number of characters (Unicode scalar values) of `value`.
pub(super) fn chars(value: &str) -> usize {
    value.chars().count()
}

/// Used if the system clock is before 1970 or absurdly far ahead.
const FALLBACK_TODAY: Date = match Date::new(2026, 1, 1) {
    Ok(d) => d,
    Err(_) => panic!("2026-01-01 is a date"),
};

/// A point in time, as Unix seconds; the simulators read it once per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clock {
    unix_secs: i64,
}

impl Clock {
    /// The system clock.
    pub(super) fn system() -> Clock {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        Clock { unix_secs: secs }
    }

    /// A fixed time (tests).
    #[cfg(test)]
    pub(super) const fn at(unix_secs: i64) -> Clock {
        Clock { unix_secs }
    }

    /// Unix seconds.
    pub(super) const fn unix_secs(self) -> i64 {
        self.unix_secs
    }

    /// Today's date in China Standard Time.
    pub(super) fn today(self) -> Date {
        Date::in_china_at(self.unix_secs).unwrap_or(FALLBACK_TODAY)
    }

    /// `YYYYMMDDhhmmss` in China Standard Time.
    pub(super) fn compact_local(self) -> String {
        let date = self.today();
        let secs = (self.unix_secs + CHINA_UTC_OFFSET_SECONDS).rem_euclid(86_400);
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            date.year(),
            date.month(),
            date.day(),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// `width` base-36 digits that differ for every `sequence` below `36^width` (a multiplication
/// by a unit modulo `36^width`, so consecutive requests do not get consecutive references).
pub(super) fn base36(sequence: u64, width: u32, upper: bool) -> String {
    const MULTIPLIER: u128 = 0x9E37_79B9_7F4A_7C15; // odd and not a multiple of 3: a unit mod 36^n
    const OFFSET: u128 = 0x2545_F491;
    let digits: &[u8; 36] = if upper {
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    } else {
        b"0123456789abcdefghijklmnopqrstuvwxyz"
    };
    let modulus = 36u128.pow(width);
    let mut n = (u128::from(sequence) * MULTIPLIER + OFFSET) % modulus;
    let mut out = vec![b'0'; width as usize];
    for slot in out.iter_mut().rev() {
        *slot = digits[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The splitmix64 finalizer: a bijection on `u64` that scatters consecutive inputs.
pub(super) fn mix64(sequence: u64) -> u64 {
    let mut z = sequence.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A JSON answer serialized from `body`, fields in declaration order.
pub(super) fn json<T: Serialize>(status: http::StatusCode, body: &T) -> VendorAnswer {
    // Serializing these plain structs cannot fail.
    // Sized for the vendors' answers (100–300 bytes) so that serializing does not reallocate.
    let mut bytes = Vec::with_capacity(384);
    if serde_json::to_writer(&mut bytes, body).is_err() {
        bytes.clear();
    }
    VendorAnswer::json(status, bytes)
}
