//! Mainland China mobile numbers: normalization, validation and the allocated carrier.
//!
//! [`parse`] turns what a user typed into a [`Mobile`] — an 11-digit number starting with `1`
//! whose segment is allocated to a carrier ([`segments`]) — or a [`MobileError`] whose
//! [`reason`](MobileError::reason) is a stable code. A `Mobile` shows itself masked
//! (`138****8000`) in `Debug` and `Display`; the full number is reachable only through
//! [`Mobile::expose`]. Validation does not allocate.
//!
//! ```
//! use shiming_core::mobile::{self, MobileKind};
//! use shiming_core::Carrier;
//!
//! let m = mobile::parse("+86 138-0013-8000").unwrap();
//! assert_eq!(m.expose(), "13800138000");
//! assert_eq!(m.carrier(), Carrier::ChinaMobile);
//! assert_eq!(m.kind(), MobileKind::Personal);
//! assert_eq!(m.to_string(), "138****8000");
//!
//! assert_eq!(mobile::parse("17001234567").unwrap().kind(), MobileKind::Virtual);
//! assert_eq!(mobile::parse("1440012345678").unwrap_err().reason(), "iot");
//! ```
//!
//! # Normalization
//!
//! 1. Trim leading and trailing whitespace.
//! 2. Remove separators anywhere: Unicode whitespace (space, tab, NBSP, U+3000 ideographic
//!    space, …), hyphens and dashes (`-` `‐` `‑` `‒` `–` `—` `−` `－`) and invisible
//!    zero-width characters (U+200B–U+200D, U+2060, U+FEFF) that copy-paste leaves behind.
//! 3. Map full-width `０`–`９`, `＋`, `（`, `）` to ASCII. Any other character (letters, dots,
//!    slashes, other scripts' digits, other full-width forms) is a `format` error.
//! 4. Strip the country code:
//!    * `+86`, `(+86)`, `0086`, `(86)`, `(0086)` are unambiguous international forms and are
//!      stripped whatever follows, so `+86 1440 0123 45678` is reported as `iot` and
//!      `+86 10 1234 5678` as `length`. Another country code (`+852 …`, `(+1) …`, `(001)`)
//!      is `not_mobile`.
//!    * A bare `86` is stripped only when exactly 11 digits starting with `1` remain
//!      (`8613800138000`). No mainland mobile starts with `86` (they all start with `1`), so an
//!      11-digit `86…` is never shortened: it is `not_mobile`. A bare `86` before a 13-digit
//!      IoT number is not stripped either (`not_mobile`).
//!    * Parentheses are accepted only around a leading country code; `+` only at the start.
//!
//! What was changed is reported by [`Mobile::changes`].
//!
//! # Validation, in order
//!
//! 1. `empty`: nothing but whitespace and separators.
//! 2. `format`: a character that is not a digit, a separator or part of a country code.
//! 3. `not_mobile`: the national number does not start with `1`, or the country code is not 86.
//! 4. `iot`: 13 digits in an IoT range (`1410x`, `1440x`, `146xx`, `148xx`).
//! 5. `length`: not 11 digits. 13-digit numbers outside those four ranges (e.g. the older
//!    `10648…` IoT numbers, which the rules do not list) are `length` too.
//! 6. `special_purpose`: `1749` maritime satellite, `17406`–`17412` emergency.
//! 7. `unallocated_segment`: no table entry — including numbers starting `10`, `11`, `12`
//!    (service-number space), 11-digit numbers in IoT heads (`146…`, `148…`), `154`, `140`,
//!    `174` outside the listed ranges.
//!
//! Valid but flagged by [`Mobile::kind`]: virtual (MVNO), data-only (`145`, `147`, `149`) and
//! China Telecom satellite (`1349`, `17400`–`17405`) numbers.

use std::fmt;
use std::str::FromStr;

use crate::Carrier;

pub mod segments;

pub use segments::{segment_of, Allocation, Segment, SpecialPurpose};

use segments::{IOT_LEN, MOBILE_LEN};

#[cfg(test)]
mod tests;

/// Normalized characters are collected into a stack buffer of this many tokens; anything
/// longer cannot be a mobile number and is reported as `length`.
const MAX_TOKENS: usize = 24;

/// Parses and validates a mainland China mobile number.
///
/// See the [module documentation](self) for the normalization and the order of checks.
/// Does not allocate and never panics.
///
/// # Errors
///
/// A [`MobileError`] whose [`reason`](MobileError::reason) says why the input is not a valid
/// personal mobile number: `empty`, `format`, `length`, `not_mobile`, `iot`,
/// `special_purpose` or `unallocated_segment`.
///
/// ```
/// use shiming_core::mobile::{parse, MobileKind};
/// use shiming_core::Carrier;
///
/// let m = parse("００８６ １３４９ ０００ ００００").unwrap();
/// assert_eq!(m.expose(), "13490000000");
/// assert_eq!(m.carrier(), Carrier::ChinaTelecom);
/// assert_eq!(m.kind(), MobileKind::Satellite);
///
/// assert_eq!(parse("").unwrap_err().reason(), "empty");
/// assert_eq!(parse("138OO138000").unwrap_err().reason(), "format");
/// assert_eq!(parse("1380013800").unwrap_err().reason(), "length");
/// assert_eq!(parse("28001380000").unwrap_err().reason(), "not_mobile");
/// assert_eq!(parse("15412345678").unwrap_err().reason(), "unallocated_segment");
/// assert_eq!(parse("17491234567").unwrap_err().reason(), "special_purpose");
/// ```
pub fn parse(input: &str) -> Result<Mobile, MobileError> {
    let scanned = scan(input)?;
    let tokens = scanned.tokens.get(..scanned.len).unwrap_or_default();
    let mut changes = scanned.changes;
    let national = split_country_code(tokens, &mut changes)?;
    validate(national, changes)
}

/// Tokens after step 1–3 of the normalization, on the stack.
struct Scanned {
    tokens: [u8; MAX_TOKENS],
    len: usize,
    changes: Changes,
}

/// Trims, drops separators, maps full-width forms and rejects stray characters.
fn scan(input: &str) -> Result<Scanned, MobileError> {
    let trimmed = input.trim();
    let mut out = Scanned {
        tokens: [0; MAX_TOKENS],
        len: 0,
        changes: Changes {
            trimmed: trimmed.len() != input.len(),
            ..Changes::default()
        },
    };
    let mut digits = 0usize;
    let mut overflow = false;
    for c in trimmed.chars() {
        let (ascii, full_width) = match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF0B}' | '\u{FF08}' | '\u{FF09}' => {
                (u32::from(c) - 0xFEE0, true)
            }
            _ => (u32::from(c), false),
        };
        let token = match char::from_u32(ascii) {
            Some(t @ ('0'..='9' | '+' | '(' | ')')) => t,
            _ if is_separator(c) => {
                out.changes.removed_separators = true;
                continue;
            }
            _ => return Err(MobileError::Format { found: c }),
        };
        out.changes.converted_full_width |= full_width;
        if token.is_ascii_digit() {
            digits += 1;
        }
        match (out.tokens.get_mut(out.len), u8::try_from(token)) {
            (Some(slot), Ok(byte)) => {
                *slot = byte;
                out.len += 1;
            }
            _ => overflow = true,
        }
    }
    if out.len == 0 {
        Err(MobileError::Empty)
    } else if overflow {
        Err(MobileError::Length { digits })
    } else {
        Ok(out)
    }
}

/// Separators removed anywhere in the input.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2014}'
                | '\u{2212}'
                | '\u{FF0D}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
        )
}

/// Strips a country code (step 4) and returns the national digits, which are checked to be
/// digits only.
fn split_country_code<'a>(
    tokens: &'a [u8],
    changes: &mut Changes,
) -> Result<&'a [u8], MobileError> {
    let (form, rest): (Option<&'static str>, &[u8]) = match tokens {
        [b'(', inner_and_rest @ ..] => {
            let close = inner_and_rest
                .iter()
                .position(|&t| t == b')')
                .ok_or(MobileError::Format { found: '(' })?;
            let (inner, rest) = inner_and_rest.split_at(close);
            let rest = rest.get(1..).unwrap_or_default();
            let form = match inner {
                b"+86" => "(+86)",
                b"86" => "(86)",
                b"0086" => "(0086)",
                [b'+', code @ ..] | [b'0', b'0', code @ ..]
                    if !code.is_empty() && all_digits(code) =>
                {
                    return Err(MobileError::NotMobile)
                }
                _ => {
                    return Err(format_error(
                        inner.iter().find(|t| !t.is_ascii_digit()),
                        '(',
                    ))
                }
            };
            (Some(form), rest)
        }
        [b'+', b'8', b'6', rest @ ..] => (Some("+86"), rest),
        [b'+', first, ..] if first.is_ascii_digit() => return Err(MobileError::NotMobile),
        [b'+', rest @ ..] => return Err(format_error(rest.first(), '+')),
        [b'0', b'0', b'8', b'6', rest @ ..] => (Some("0086"), rest),
        [b'8', b'6', rest @ ..] if rest.len() == MOBILE_LEN && rest.first() == Some(&b'1') => {
            (Some("86"), rest)
        }
        rest => (None, rest),
    };
    if let Some(bad) = rest.iter().find(|t| !t.is_ascii_digit()) {
        return Err(MobileError::Format {
            found: char::from(*bad),
        });
    }
    changes.country_code = form;
    Ok(rest)
}

fn all_digits(tokens: &[u8]) -> bool {
    tokens.iter().all(u8::is_ascii_digit)
}

fn format_error(bad: Option<&u8>, fallback: char) -> MobileError {
    MobileError::Format {
        found: bad.map_or(fallback, |&b| char::from(b)),
    }
}

/// Steps 3–7 of the validation on the national digits.
fn validate(digits: &[u8], changes: Changes) -> Result<Mobile, MobileError> {
    if digits.first() != Some(&b'1') {
        return Err(if digits.is_empty() {
            MobileError::Length { digits: 0 }
        } else {
            MobileError::NotMobile
        });
    }
    let segment = segments::lookup(digits);
    let allocation = segment.map(|s| s.allocation());
    if digits.len() == IOT_LEN && allocation == Some(Allocation::Iot) {
        return Err(MobileError::Iot);
    }
    let number: [u8; MOBILE_LEN] = digits.try_into().map_err(|_| MobileError::Length {
        digits: digits.len(),
    })?;
    match (segment, allocation) {
        (Some(segment), Some(Allocation::Mobile { carrier, kind })) => Ok(Mobile {
            digits: number,
            carrier,
            kind,
            segment,
            changes,
        }),
        (_, Some(Allocation::SpecialPurpose(purpose))) => Err(MobileError::SpecialPurpose(purpose)),
        _ => Err(MobileError::UnallocatedSegment {
            prefix: head(&number),
        }),
    }
}

/// The first three digits as a number (`154`).
fn head(number: &[u8; MOBILE_LEN]) -> u16 {
    number
        .iter()
        .take(3)
        .fold(0, |acc, &d| acc * 10 + u16::from(d - b'0'))
}

/// A validated mainland China mobile number.
///
/// Holds the normalized 11 digits inline (no heap). `Debug` and `Display` show only the
/// masked form; [`expose`](Mobile::expose) is the only way to the full number. Two values are
/// equal when their numbers are, whatever normalization produced them. Deliberately not
/// `Serialize`: serialize `expose()` or `masked()` explicitly.
///
/// ```
/// use shiming_core::mobile::parse;
///
/// let m = parse("13800138000").unwrap();
/// assert_eq!(format!("{m:?}"), r#"Mobile("138****8000", china_mobile)"#);
/// assert_eq!(format!("{m}"), "138****8000");
/// assert_eq!(m, parse("+86 138 0013 8000").unwrap());
/// ```
#[derive(Clone, Copy)]
pub struct Mobile {
    digits: [u8; MOBILE_LEN],
    carrier: Carrier,
    kind: MobileKind,
    segment: Segment,
    changes: Changes,
}

impl Mobile {
    /// The full normalized number, 11 ASCII digits. Handle with care: this is personal data.
    ///
    /// ```
    /// let m = shiming_core::mobile::parse("１３８００１３８０００").unwrap();
    /// assert_eq!(m.expose(), "13800138000");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        // Always ASCII digits: `validate` only builds a `Mobile` from digit tokens.
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }

    /// The carrier the number's segment was allocated to. For virtual (MVNO) numbers this is
    /// the host network the MVNO runs on; since number portability (2019-12-01) the carrier
    /// serving the number today can differ.
    ///
    /// ```
    /// use shiming_core::{mobile::parse, Carrier};
    /// assert_eq!(parse("16512345678").unwrap().carrier(), Carrier::ChinaMobile);
    /// assert_eq!(parse("19212345678").unwrap().carrier(), Carrier::ChinaBroadnet);
    /// ```
    #[must_use]
    pub const fn carrier(&self) -> Carrier {
        self.carrier
    }

    /// What kind of number this is.
    ///
    /// ```
    /// use shiming_core::mobile::{parse, MobileKind};
    /// assert_eq!(parse("14512345678").unwrap().kind(), MobileKind::DataOnly);
    /// assert_eq!(parse("17400123456").unwrap().kind(), MobileKind::Satellite);
    /// ```
    #[must_use]
    pub const fn kind(&self) -> MobileKind {
        self.kind
    }

    /// Whether this is a virtual (MVNO) number. Carriers do not verify these in
    /// three-element checks — check before a paid call.
    ///
    /// ```
    /// use shiming_core::mobile::parse;
    /// assert!(parse("17101234567").unwrap().is_virtual());
    /// assert!(!parse("13800138000").unwrap().is_virtual());
    /// ```
    #[must_use]
    pub const fn is_virtual(&self) -> bool {
        matches!(self.kind, MobileKind::Virtual)
    }

    /// The table row the number matched (longest prefix).
    ///
    /// ```
    /// let m = shiming_core::mobile::parse("17051234567").unwrap();
    /// assert_eq!(m.segment().prefix(), 1705);
    /// ```
    #[must_use]
    pub const fn segment(&self) -> Segment {
        self.segment
    }

    /// What normalization changed in the input.
    ///
    /// ```
    /// let m = shiming_core::mobile::parse(" 0086 138-0013-8000").unwrap();
    /// let c = m.changes();
    /// assert!(c.trimmed() && c.removed_separators() && !c.converted_full_width());
    /// assert_eq!(c.stripped_country_code(), Some("0086"));
    /// ```
    #[must_use]
    pub const fn changes(&self) -> Changes {
        self.changes
    }

    /// The masked number, first three and last four digits kept (`138****8000`).
    ///
    /// ```
    /// let m = shiming_core::mobile::parse("13800138000").unwrap();
    /// assert_eq!(m.masked(), "138****8000");
    /// ```
    #[must_use]
    pub fn masked(&self) -> String {
        crate::mask::mask_mobile(self.expose())
    }
}

impl PartialEq for Mobile {
    fn eq(&self, other: &Self) -> bool {
        self.digits == other.digits
    }
}

impl Eq for Mobile {}

impl std::hash::Hash for Mobile {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.digits.hash(state);
    }
}

impl fmt::Debug for Mobile {
    /// `Mobile("138****8000", china_mobile)`; the kind is appended when it is not personal:
    /// `Mobile("170****4567", china_telecom, virtual)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = f.debug_tuple("Mobile");
        t.field(&self.masked())
            .field(&format_args!("{}", self.carrier.code()));
        if self.kind != MobileKind::Personal {
            t.field(&format_args!("{}", self.kind.code()));
        }
        t.finish()
    }
}

impl fmt::Display for Mobile {
    /// The masked number only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for Mobile {
    type Err = MobileError;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// What kind of number a valid [`Mobile`] is.
///
/// ```
/// use shiming_core::mobile::{parse, MobileKind};
/// assert_eq!(parse("16212345678").unwrap().kind(), MobileKind::Virtual);
/// assert_eq!(MobileKind::DataOnly.code(), "data_only");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MobileKind {
    /// An ordinary personal mobile.
    Personal,
    /// A virtual operator (MVNO) number on a host carrier's network.
    Virtual,
    /// A data-only (Internet-card) number: `145`, `147`, `149`.
    DataOnly,
    /// A China Telecom satellite phone number: `1349`, `17400`–`17405`.
    Satellite,
}

impl MobileKind {
    /// The stable snake_case code (`personal`, `virtual`, `data_only`, `satellite`).
    ///
    /// ```
    /// use shiming_core::mobile::MobileKind;
    /// assert_eq!(MobileKind::Personal.code(), "personal");
    /// assert_eq!(MobileKind::Satellite.code(), "satellite");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            MobileKind::Personal => "personal",
            MobileKind::Virtual => "virtual",
            MobileKind::DataOnly => "data_only",
            MobileKind::Satellite => "satellite",
        }
    }
}

impl fmt::Display for MobileKind {
    /// Writes [`MobileKind::code`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for MobileKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// What normalization changed in the input of [`parse`].
///
/// ```
/// use shiming_core::mobile::{parse, Change};
///
/// let c = parse("（＋86）138 0013 8000").unwrap().changes();
/// let list: Vec<Change> = c.iter().collect();
/// assert_eq!(
///     list,
///     [Change::RemovedSeparators, Change::ConvertedFullWidth, Change::StrippedCountryCode],
/// );
/// assert_eq!(c.stripped_country_code(), Some("(+86)"));
/// assert!(parse("13800138000").unwrap().changes().is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Changes {
    trimmed: bool,
    removed_separators: bool,
    converted_full_width: bool,
    country_code: Option<&'static str>,
}

impl Changes {
    /// Whether the input was already normalized.
    ///
    /// ```
    /// assert!(!shiming_core::mobile::parse(" 13800138000").unwrap().changes().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        !self.trimmed
            && !self.removed_separators
            && !self.converted_full_width
            && self.country_code.is_none()
    }

    /// Leading or trailing whitespace was trimmed.
    ///
    /// ```
    /// assert!(shiming_core::mobile::parse("13800138000\n").unwrap().changes().trimmed());
    /// ```
    #[must_use]
    pub const fn trimmed(&self) -> bool {
        self.trimmed
    }

    /// Inner spaces, hyphens or invisible characters were removed.
    ///
    /// ```
    /// let m = shiming_core::mobile::parse("138\u{3000}0013\u{3000}8000").unwrap();
    /// assert!(m.changes().removed_separators());
    /// ```
    #[must_use]
    pub const fn removed_separators(&self) -> bool {
        self.removed_separators
    }

    /// Full-width digits, `＋` or parentheses were converted to ASCII.
    ///
    /// ```
    /// let m = shiming_core::mobile::parse("１３８００１３８０００").unwrap();
    /// assert!(m.changes().converted_full_width());
    /// ```
    #[must_use]
    pub const fn converted_full_width(&self) -> bool {
        self.converted_full_width
    }

    /// The country code that was stripped, in its (ASCII-mapped) form: `+86`, `(+86)`,
    /// `0086`, `(0086)`, `86` or `(86)`.
    ///
    /// ```
    /// let m = shiming_core::mobile::parse("8613800138000").unwrap();
    /// assert_eq!(m.changes().stripped_country_code(), Some("86"));
    /// ```
    #[must_use]
    pub const fn stripped_country_code(&self) -> Option<&'static str> {
        self.country_code
    }

    /// The changes as a list, in normalization order.
    ///
    /// ```
    /// use shiming_core::mobile::{parse, Change};
    /// let c = parse("+8613800138000").unwrap().changes();
    /// assert_eq!(c.iter().map(Change::code).collect::<Vec<_>>(), ["stripped_country_code"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Change> {
        [
            (self.trimmed, Change::Trimmed),
            (self.removed_separators, Change::RemovedSeparators),
            (self.converted_full_width, Change::ConvertedFullWidth),
            (self.country_code.is_some(), Change::StrippedCountryCode),
        ]
        .into_iter()
        .filter_map(|(done, change)| done.then_some(change))
    }
}

/// One change normalization made; see [`Changes::iter`].
///
/// ```
/// use shiming_core::mobile::Change;
/// assert_eq!(Change::ConvertedFullWidth.code(), "converted_full_width");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// Leading or trailing whitespace was trimmed.
    Trimmed,
    /// Inner spaces, hyphens or invisible characters were removed.
    RemovedSeparators,
    /// Full-width characters were converted to ASCII.
    ConvertedFullWidth,
    /// A country code (`+86`, `0086`, `86`, …) was stripped.
    StrippedCountryCode,
}

impl Change {
    /// The stable snake_case code (`trimmed`, `removed_separators`, `converted_full_width`,
    /// `stripped_country_code`).
    ///
    /// ```
    /// use shiming_core::mobile::Change;
    /// assert_eq!(Change::StrippedCountryCode.code(), "stripped_country_code");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Change::Trimmed => "trimmed",
            Change::RemovedSeparators => "removed_separators",
            Change::ConvertedFullWidth => "converted_full_width",
            Change::StrippedCountryCode => "stripped_country_code",
        }
    }
}

impl serde::Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Why [`parse`] refused an input.
///
/// Errors never carry the number: at most its first three digits (which the masked form shows
/// anyway), a digit count, or the offending non-digit character.
///
/// ```
/// use shiming_core::mobile::{parse, MobileError};
///
/// let err = parse("15412345678").unwrap_err();
/// assert_eq!(err, MobileError::UnallocatedSegment { prefix: 154 });
/// assert_eq!(err.reason(), "unallocated_segment");
/// assert_eq!(err.to_string(), "mobile number in unallocated segment 154");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MobileError {
    /// Nothing but whitespace and separators.
    Empty,
    /// A character that is neither a digit, a separator nor part of a country code.
    Format {
        /// The offending character (never a digit).
        found: char,
    },
    /// Not 11 digits (and not a 13-digit IoT number).
    Length {
        /// How many digits the national number has.
        digits: usize,
    },
    /// Does not start with `1`, or has a country code other than 86.
    NotMobile,
    /// An 11-digit number whose segment is not allocated to any carrier.
    UnallocatedSegment {
        /// The number's first three digits.
        prefix: u16,
    },
    /// A 13-digit IoT number (`1410x`, `1440x`, `146xx`, `148xx`): not a personal mobile.
    Iot,
    /// A special-purpose number (`1749` maritime satellite, `17406`–`17412` emergency): not a
    /// personal mobile.
    SpecialPurpose(SpecialPurpose),
}

impl MobileError {
    /// The stable snake_case code: `empty`, `format`, `length`, `not_mobile`,
    /// `unallocated_segment`, `iot`, `special_purpose`.
    ///
    /// ```
    /// use shiming_core::mobile::parse;
    /// assert_eq!(parse("   ").unwrap_err().reason(), "empty");
    /// assert_eq!(parse("17406123456").unwrap_err().reason(), "special_purpose");
    /// ```
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            MobileError::Empty => "empty",
            MobileError::Format { .. } => "format",
            MobileError::Length { .. } => "length",
            MobileError::NotMobile => "not_mobile",
            MobileError::UnallocatedSegment { .. } => "unallocated_segment",
            MobileError::Iot => "iot",
            MobileError::SpecialPurpose(_) => "special_purpose",
        }
    }
}

impl fmt::Display for MobileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MobileError::Empty => f.write_str("mobile number is empty"),
            MobileError::Format { found } => {
                write!(
                    f,
                    "mobile number contains an unexpected character {found:?}"
                )
            }
            MobileError::Length { digits } => {
                write!(
                    f,
                    "mobile number must have {MOBILE_LEN} digits, found {digits}"
                )
            }
            MobileError::NotMobile => f.write_str(
                "not a mainland China mobile number (those start with 1, country code +86)",
            ),
            MobileError::UnallocatedSegment { prefix } => {
                write!(f, "mobile number in unallocated segment {prefix}")
            }
            MobileError::Iot => f.write_str("13-digit IoT number, not a personal mobile"),
            MobileError::SpecialPurpose(purpose) => {
                write!(f, "{} number, not a personal mobile", purpose.description())
            }
        }
    }
}

impl std::error::Error for MobileError {}
