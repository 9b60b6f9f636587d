//! Normalization of typed or pasted ID numbers into their ASCII form.

/// At most this many significant characters are kept; longer input is a length error.
pub(crate) const MAX_LEN: usize = 18;

/// What normalization changed in the input (a small bit set).
///
/// ```
/// use shiming_core::id_card::{self, Normalization, ValidationOptions};
/// use shiming_core::Date;
/// let opts = ValidationOptions::new(Date::new(2026, 1, 1).unwrap());
/// let id = id_card::parse(" 110105 1949 1231 002x ", &opts).unwrap();
/// let n = id.normalization();
/// assert!(n.trimmed() && n.separators_removed() && n.case_changed());
/// assert!(!n.full_width_converted());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Normalization(u8);

const TRIMMED: u8 = 1;
const SEPARATORS: u8 = 2;
const FULL_WIDTH: u8 = 4;
const CASE: u8 = 8;

impl Normalization {
    /// Leading or trailing white space was removed.
    ///
    /// ```
    /// assert!(!shiming_core::id_card::Normalization::default().trimmed());
    /// ```
    #[must_use]
    pub fn trimmed(self) -> bool {
        self.0 & TRIMMED != 0
    }

    /// Inner spaces or hyphens were removed.
    ///
    /// ```
    /// assert!(!shiming_core::id_card::Normalization::default().separators_removed());
    /// ```
    #[must_use]
    pub fn separators_removed(self) -> bool {
        self.0 & SEPARATORS != 0
    }

    /// Full-width digits or letters (`０`–`９`, `Ｘ`) were converted to ASCII.
    ///
    /// ```
    /// assert!(!shiming_core::id_card::Normalization::default().full_width_converted());
    /// ```
    #[must_use]
    pub fn full_width_converted(self) -> bool {
        self.0 & FULL_WIDTH != 0
    }

    /// Lower-case letters (`x`) were upper-cased.
    ///
    /// ```
    /// assert!(!shiming_core::id_card::Normalization::default().case_changed());
    /// ```
    #[must_use]
    pub fn case_changed(self) -> bool {
        self.0 & CASE != 0
    }

    /// Whether anything changed.
    ///
    /// ```
    /// assert!(shiming_core::id_card::Normalization::default().is_unchanged());
    /// ```
    #[must_use]
    pub fn is_unchanged(self) -> bool {
        self.0 == 0
    }

    /// The snake_case codes of the changes, in a fixed order.
    ///
    /// ```
    /// assert_eq!(shiming_core::id_card::Normalization::default().codes().count(), 0);
    /// ```
    pub fn codes(self) -> impl Iterator<Item = &'static str> {
        [
            (TRIMMED, "trimmed"),
            (SEPARATORS, "separators_removed"),
            (FULL_WIDTH, "full_width_converted"),
            (CASE, "case_changed"),
        ]
        .into_iter()
        .filter(move |(bit, _)| self.0 & bit != 0)
        .map(|(_, code)| code)
    }
}

/// The normalized characters, or where normalization failed.
pub(crate) struct Normalized {
    pub(crate) buf: [u8; MAX_LEN],
    /// Significant characters seen (may exceed `MAX_LEN`; only the first `MAX_LEN` are kept).
    pub(crate) len: usize,
    /// 1-based position (in significant characters) of the first character that is neither
    /// an ASCII letter nor a digit after mapping, if any.
    pub(crate) bad_char_at: Option<usize>,
    pub(crate) changes: Normalization,
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '-' | '\u{3000}' | '\u{00A0}' | '\u{FF0D}' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}'
    )
}

/// Trims, drops separators, maps full-width characters and upper-cases letters.
pub(crate) fn normalize(input: &str) -> Normalized {
    let mut out = Normalized {
        buf: [0; MAX_LEN],
        len: 0,
        bad_char_at: None,
        changes: Normalization::default(),
    };
    // Fast path: already clean (the common case in bulk data).
    let bytes = input.as_bytes();
    if bytes.len() <= MAX_LEN
        && bytes
            .iter()
            .all(|&b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        out.buf[..bytes.len()].copy_from_slice(bytes);
        out.len = bytes.len();
        return out;
    }
    let trimmed = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if trimmed.len() != input.len() {
        out.changes.0 |= TRIMMED;
    }
    for c in trimmed.chars() {
        let ascii = match c {
            '0'..='9' | 'A'..='Z' => c as u8,
            'a'..='z' => {
                out.changes.0 |= CASE;
                c.to_ascii_uppercase() as u8
            }
            '\u{FF10}'..='\u{FF19}' => {
                out.changes.0 |= FULL_WIDTH;
                b'0' + (c as u32 - 0xFF10) as u8
            }
            '\u{FF21}'..='\u{FF3A}' => {
                out.changes.0 |= FULL_WIDTH;
                b'A' + (c as u32 - 0xFF21) as u8
            }
            '\u{FF41}'..='\u{FF5A}' => {
                out.changes.0 |= FULL_WIDTH | CASE;
                b'A' + (c as u32 - 0xFF41) as u8
            }
            c if is_separator(c) => {
                out.changes.0 |= SEPARATORS;
                continue;
            }
            _ => {
                out.len += 1;
                out.bad_char_at.get_or_insert(out.len);
                continue;
            }
        };
        if out.len < MAX_LEN {
            out.buf[out.len] = ascii;
        }
        out.len += 1;
    }
    out
}
