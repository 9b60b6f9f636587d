//! Names of people: normalization and validation.
//!
//! Two kinds of names are accepted:
//!
//! * **Chinese names** ([`NameScript::Han`]): Han characters (Unicode `Script=Han`, every CJK
//!   extension A–I and the compatibility ideographs, e.g. 䶮 U+4DAE) and the separator `·`
//!   U+00B7 used by minority and foreign names (民委发〔2016〕33号), 1–50 characters.
//! * **Latin names** ([`NameScript::Latin`]) of foreign permanent-residence card holders:
//!   Latin letters (with diacritics), spaces, `-`, `'` and `.`, starting with a letter,
//!   at most 50 characters.
//!
//! [`parse`] first normalizes the input and records every change it made ([`NameChange`]),
//! then validates it. A [`Name`] shows only its masked form in `Debug` and `Display`; the full
//! name is reachable only through [`Name::expose`]. Errors ([`NameError`]) point at a position
//! and a code point, never at the name itself.
//!
//! ```
//! use shiming_core::name::{self, NameChange, NameScript};
//!
//! let name = name::parse(" 买买提•艾力 ").unwrap();
//! assert_eq!(name.expose(), "买买提·艾力");
//! assert_eq!(name.script(), NameScript::Han);
//! assert_eq!(name.changes(), &[NameChange::Trimmed, NameChange::DotMapped]);
//! assert_eq!(name.to_string(), "买*****");
//!
//! let err = name::parse("张三1").unwrap_err();
//! assert_eq!(err.reason(), "digit");
//! assert_eq!(err.to_string(), "character 3 (U+0031) is a digit; a name has no digits");
//! ```
//!
//! # Decisions
//!
//! * **NFC keeps compatibility ideographs.** NFC would replace a CJK compatibility ideograph
//!   (U+F900–U+FAFF, U+2F800–U+2FA1F) by its unified twin, e.g. 兀 U+FA0C by 兀 U+5140; both
//!   are distinct GB 18030 characters and the register stores one of them, so the name is kept
//!   as written. Everything else is NFC.
//! * **Inner spaces of a Chinese name are removed** (reported as
//!   [`NameChange::InnerSpaceRemoved`]): a Chinese name has no spaces.
//! * **Radicals are refused** ([`NameError::Radical`]): Kangxi Radicals U+2F00–U+2FDF and CJK
//!   Radicals Supplement U+2E80–U+2EFF are `Script=Han` and look like ideographs (they often
//!   come from text copied out of PDFs), but they are not name characters and a register
//!   lookup with them fails. The error suggests the ideograph when Unicode names one.
//! * **Hangzhou numerals** (〡–〩, 〸–〺) are `Script=Han` but are numerals: refused as
//!   [`NameError::Digit`]. 〇 U+3007 is accepted.
//! * **Invisible characters**: zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and
//!   variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF, which select a glyph, not a
//!   character) are removed.
//! * **Latin names**: full-width ASCII forms (`Ｊｏｈｎ`, typed in a Chinese IME's full-width
//!   mode) are folded to ASCII; `’` U+2019 and `ʼ` U+02BC become `'`, `‐` U+2010 and `‑`
//!   U+2011 become `-`; compatibility letters (ligatures such as `ﬁ`, `ª`, superscripts) are
//!   refused; combining accents U+0300–U+036F that NFC cannot compose are kept after a letter;
//!   a Latin name is capped at 50 characters like a Chinese one (vendors cap `xm` at 50).
//! * **Positions** in errors are 1-based character positions in the *normalized* name.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};

use crate::mask::mask_name;

#[cfg(test)]
mod tests;

/// The most characters a name may have (Chinese or Latin), counted after normalization.
///
/// ```
/// use shiming_core::name::{self, MAX_CHARS};
/// assert_eq!(MAX_CHARS, 50);
/// assert!(name::parse(&"张".repeat(MAX_CHARS)).is_ok());
/// assert_eq!(name::parse(&"张".repeat(MAX_CHARS + 1)).unwrap_err().reason(), "too_long");
/// ```
pub const MAX_CHARS: usize = 50;

/// The separator of minority and foreign names in Chinese script: `·` U+00B7 MIDDLE DOT.
///
/// ```
/// use shiming_core::name::{self, SEPARATOR};
/// assert_eq!(SEPARATOR, '\u{B7}');
/// assert!(name::parse("爱新觉罗·溥仪").unwrap().expose().contains(SEPARATOR));
/// ```
pub const SEPARATOR: char = '\u{B7}';

/// Normalizes and validates a person's name.
///
/// Normalization, in this order: remove zero-width characters and variation selectors; trim
/// Unicode whitespace (including U+3000); then, if the name contains a Han character, remove
/// every inner space and map the look-alike dots (• ・ ･ ． . ‧ ∙ ⋅ ·) to `·` U+00B7;
/// otherwise fold full-width ASCII, map typographic apostrophes and hyphens and collapse runs
/// of whitespace to one space; finally NFC (keeping compatibility ideographs). What changed is
/// in [`Name::changes`].
///
/// # Errors
///
/// A [`NameError`] when the normalized name is empty, longer than [`MAX_CHARS`], or holds a
/// character a name cannot have; see [`NameError::reason`] for the codes.
///
/// ```
/// use shiming_core::name::{self, NameScript, NameWarning};
///
/// assert_eq!(name::parse("欧阳 娜娜").unwrap().expose(), "欧阳娜娜");
/// assert_eq!(
///     name::parse("䶮").unwrap().warnings(),
///     &[NameWarning::SingleCharacter, NameWarning::RareCharacter],
/// );
/// let latin = name::parse("  John   O’Neil-Smith ").unwrap();
/// assert_eq!(latin.expose(), "John O'Neil-Smith");
/// assert_eq!(latin.script(), NameScript::Latin);
/// assert_eq!(name::parse("张三John").unwrap_err().reason(), "mixed_script");
/// assert_eq!(name::parse("·艾力").unwrap_err().reason(), "separator");
/// assert_eq!(name::parse(" \u{3000}\u{200B}").unwrap_err().reason(), "empty");
/// ```
pub fn parse(input: &str) -> Result<Name, NameError> {
    let mut changes = Vec::new();

    // 1. Invisible characters.
    let mut visible = String::with_capacity(input.len());
    let (mut zero_width, mut selector) = (false, false);
    for c in input.chars() {
        if is_zero_width(c) {
            zero_width = true;
        } else if is_variation_selector(c) {
            selector = true;
        } else {
            visible.push(c);
        }
    }
    if zero_width {
        changes.push(NameChange::ZeroWidthRemoved);
    }
    if selector {
        changes.push(NameChange::VariationSelectorRemoved);
    }

    // 2. Surrounding whitespace.
    let trimmed = visible.trim();
    if trimmed.len() != visible.len() {
        changes.push(NameChange::Trimmed);
    }
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }

    // 3. Script-specific clean-up. Compatibility ideographs are Han too, and NFC maps no
    // non-Han character to a Han one, so the script can be decided before NFC.
    let script = if trimmed.chars().any(|c| script_of(c) == Script::Han) {
        NameScript::Han
    } else {
        NameScript::Latin
    };
    let cleaned = match script {
        NameScript::Han => clean_han(trimmed, &mut changes),
        NameScript::Latin => clean_latin(trimmed, &mut changes),
    };

    // 4. NFC.
    let value = nfc_keeping_compatibility_ideographs(&cleaned);
    if value != cleaned {
        changes.push(NameChange::Nfc);
    }

    // 5. Validation.
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return Err(NameError::Empty);
    }
    if chars.len() > MAX_CHARS {
        return Err(NameError::TooLong {
            chars: chars.len(),
            max: MAX_CHARS,
        });
    }
    match script {
        NameScript::Han => validate_han(&chars)?,
        NameScript::Latin => validate_latin(&chars)?,
    }

    let mut warnings = Vec::new();
    if chars.len() == 1 {
        warnings.push(NameWarning::SingleCharacter);
    }
    if chars.contains(&' ') {
        warnings.push(NameWarning::ContainsSpace);
    }
    if script == NameScript::Han && chars.iter().any(|&c| is_rare_han(c)) {
        warnings.push(NameWarning::RareCharacter);
    }

    Ok(Name {
        char_count: chars.len(),
        value,
        script,
        warnings,
        changes,
    })
}

/// A validated, normalized name.
///
/// `Debug` and `Display` show only the masked form ([`crate::mask::mask_name`]); the full name
/// is reachable only through [`Name::expose`].
///
/// ```
/// use shiming_core::name::Name;
///
/// let name: Name = "诸葛亮".parse().unwrap();
/// assert_eq!(name.expose(), "诸葛亮");
/// assert_eq!(format!("{name}"), "诸**");
/// assert_eq!(format!("{name:?}"), "Name(\"诸**\")");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name {
    value: String,
    script: NameScript,
    char_count: usize,
    warnings: Vec<NameWarning>,
    changes: Vec<NameChange>,
}

impl Name {
    /// The full normalized name. This is the only way to read it: log [`Name::masked`]
    /// instead.
    ///
    /// ```
    /// let name = shiming_core::name::parse("张\u{3000}三").unwrap();
    /// assert_eq!(name.expose(), "张三");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Whether this is a Chinese (Han) or a Latin name.
    ///
    /// ```
    /// use shiming_core::name::{self, NameScript};
    /// assert_eq!(name::parse("王小明").unwrap().script(), NameScript::Han);
    /// assert_eq!(name::parse("José Müller").unwrap().script(), NameScript::Latin);
    /// ```
    #[must_use]
    pub fn script(&self) -> NameScript {
        self.script
    }

    /// Things that are legal but worth telling the caller, in a fixed order.
    ///
    /// ```
    /// use shiming_core::name::{self, NameWarning};
    /// assert!(name::parse("李四").unwrap().warnings().is_empty());
    /// assert_eq!(name::parse("琦").unwrap().warnings(), &[NameWarning::SingleCharacter]);
    /// ```
    #[must_use]
    pub fn warnings(&self) -> &[NameWarning] {
        &self.warnings
    }

    /// What normalization changed, each change at most once, in the order it was applied.
    /// Empty when the input was already normalized.
    ///
    /// ```
    /// use shiming_core::name::{self, NameChange};
    /// assert!(name::parse("李四").unwrap().changes().is_empty());
    /// assert_eq!(
    ///     name::parse("\u{FEFF}李 四").unwrap().changes(),
    ///     &[NameChange::ZeroWidthRemoved, NameChange::InnerSpaceRemoved],
    /// );
    /// ```
    #[must_use]
    pub fn changes(&self) -> &[NameChange] {
        &self.changes
    }

    /// Whether normalization changed anything, i.e. `!self.changes().is_empty()`.
    ///
    /// ```
    /// assert!(shiming_core::name::parse(" 李四").unwrap().is_changed());
    /// assert!(!shiming_core::name::parse("李四").unwrap().is_changed());
    /// ```
    #[must_use]
    pub fn is_changed(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The number of characters (Unicode scalar values, not bytes) of the normalized name,
    /// separators and spaces included.
    ///
    /// ```
    /// assert_eq!(shiming_core::name::parse("买买提·艾力").unwrap().char_count(), 6);
    /// assert_eq!(shiming_core::name::parse("𠀀𠀁").unwrap().char_count(), 2);
    /// ```
    #[must_use]
    pub fn char_count(&self) -> usize {
        self.char_count
    }

    /// Whether the name contains a space. Only Latin names can; some vendors (tel3, sfz2)
    /// refuse such names.
    ///
    /// ```
    /// assert!(shiming_core::name::parse("John Smith").unwrap().has_space());
    /// assert!(!shiming_core::name::parse("张 三").unwrap().has_space());
    /// ```
    #[must_use]
    pub fn has_space(&self) -> bool {
        self.value.contains(' ')
    }

    /// The masked name: first character kept, every other character `*`
    /// ([`crate::mask::mask_name`]).
    ///
    /// ```
    /// assert_eq!(shiming_core::name::parse("欧阳娜娜").unwrap().masked(), "欧***");
    /// ```
    #[must_use]
    pub fn masked(&self) -> String {
        mask_name(&self.value)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Name").field(&self.masked()).finish()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for Name {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// The writing system of a name.
///
/// ```
/// use shiming_core::name::NameScript;
/// assert_eq!(NameScript::Han.code(), "han");
/// assert_eq!(NameScript::from_code("latin"), Some(NameScript::Latin));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameScript {
    /// A Chinese name: Han characters and `·`.
    Han,
    /// A Latin-script name (foreign permanent-residence card holders).
    Latin,
}

impl NameScript {
    /// Every script, in a fixed order.
    ///
    /// ```
    /// assert_eq!(shiming_core::name::NameScript::ALL.len(), 2);
    /// ```
    pub const ALL: [NameScript; 2] = [NameScript::Han, NameScript::Latin];

    /// The stable snake-case code (`han`, `latin`).
    ///
    /// ```
    /// assert_eq!(shiming_core::name::NameScript::Latin.code(), "latin");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            NameScript::Han => "han",
            NameScript::Latin => "latin",
        }
    }

    /// The script with this code.
    ///
    /// ```
    /// use shiming_core::name::NameScript;
    /// assert_eq!(NameScript::from_code("han"), Some(NameScript::Han));
    /// assert_eq!(NameScript::from_code("cyrillic"), None);
    /// ```
    #[must_use]
    pub fn from_code(code: &str) -> Option<NameScript> {
        NameScript::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Unicode script of the name's letters.
    fn unicode(self) -> Script {
        match self {
            NameScript::Han => Script::Han,
            NameScript::Latin => Script::Latin,
        }
    }

    /// How error messages call a name of this script (`Chinese`, `Latin`).
    const fn adjective(self) -> &'static str {
        match self {
            NameScript::Han => "Chinese",
            NameScript::Latin => "Latin",
        }
    }
}

impl fmt::Display for NameScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Something legal about a name that the caller may want to act on.
///
/// ```
/// use shiming_core::name::{self, NameWarning};
/// let name = name::parse("Anna Lee").unwrap();
/// assert_eq!(name.warnings(), &[NameWarning::ContainsSpace]);
/// assert_eq!(NameWarning::ContainsSpace.code(), "contains_space");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameWarning {
    /// The name has one character: legal for some minorities, but usually a typing mistake.
    SingleCharacter,
    /// The name contains a space (Latin names only); vendors tel3 and sfz2 refuse it.
    ContainsSpace,
    /// A Han character outside the basic CJK Unified Ideographs block U+4E00–U+9FFF (a CJK
    /// extension or a compatibility ideograph; 〇 and 々 excepted). Valid, but systems limited
    /// to GBK cannot store it, so a vendor may fail to match it.
    RareCharacter,
}

impl NameWarning {
    /// Every warning, in a fixed order.
    ///
    /// ```
    /// assert_eq!(shiming_core::name::NameWarning::ALL.len(), 3);
    /// ```
    pub const ALL: [NameWarning; 3] = [
        NameWarning::SingleCharacter,
        NameWarning::ContainsSpace,
        NameWarning::RareCharacter,
    ];

    /// The stable snake-case code (`single_character`, `contains_space`, `rare_character`).
    ///
    /// ```
    /// assert_eq!(shiming_core::name::NameWarning::SingleCharacter.code(), "single_character");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            NameWarning::SingleCharacter => "single_character",
            NameWarning::ContainsSpace => "contains_space",
            NameWarning::RareCharacter => "rare_character",
        }
    }

    /// The warning with this code.
    ///
    /// ```
    /// use shiming_core::name::NameWarning;
    /// assert_eq!(NameWarning::from_code("rare_character"), Some(NameWarning::RareCharacter));
    /// ```
    #[must_use]
    pub fn from_code(code: &str) -> Option<NameWarning> {
        NameWarning::ALL.into_iter().find(|w| w.code() == code)
    }
}

impl fmt::Display for NameWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameWarning::SingleCharacter => "the name has a single character",
            NameWarning::ContainsSpace => "the name contains a space, which some vendors refuse",
            NameWarning::RareCharacter => {
                "the name has a rare Han character that some vendors cannot match"
            }
        })
    }
}

/// One thing that normalization changed in the input.
///
/// ```
/// use shiming_core::name::{self, NameChange};
/// let name = name::parse("Jose\u{301}").unwrap();
/// assert_eq!(name.expose(), "José");
/// assert_eq!(name.changes(), &[NameChange::Nfc]);
/// assert_eq!(NameChange::Nfc.code(), "nfc");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameChange {
    /// Zero-width characters (U+200B–U+200D, U+2060, U+FEFF) were removed.
    ZeroWidthRemoved,
    /// Variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF) were removed.
    VariationSelectorRemoved,
    /// Leading or trailing whitespace (including U+3000) was removed.
    Trimmed,
    /// Whitespace inside a Chinese name was removed.
    InnerSpaceRemoved,
    /// Whitespace inside a Latin name was collapsed to single spaces.
    SpaceCollapsed,
    /// A look-alike dot in a Chinese name was replaced by `·` U+00B7.
    DotMapped,
    /// Full-width ASCII forms in a Latin name were folded to ASCII.
    FullWidthFolded,
    /// A typographic apostrophe or hyphen in a Latin name was replaced by `'` or `-`.
    PunctuationMapped,
    /// The name was not in NFC (e.g. a decomposed `é`).
    Nfc,
}

impl NameChange {
    /// Every change, in the order normalization applies them.
    ///
    /// ```
    /// assert_eq!(shiming_core::name::NameChange::ALL.len(), 9);
    /// ```
    pub const ALL: [NameChange; 9] = [
        NameChange::ZeroWidthRemoved,
        NameChange::VariationSelectorRemoved,
        NameChange::Trimmed,
        NameChange::InnerSpaceRemoved,
        NameChange::SpaceCollapsed,
        NameChange::DotMapped,
        NameChange::FullWidthFolded,
        NameChange::PunctuationMapped,
        NameChange::Nfc,
    ];

    /// The stable snake-case code (`zero_width_removed`, `trimmed`, `dot_mapped`, `nfc`, …).
    ///
    /// ```
    /// assert_eq!(shiming_core::name::NameChange::DotMapped.code(), "dot_mapped");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            NameChange::ZeroWidthRemoved => "zero_width_removed",
            NameChange::VariationSelectorRemoved => "variation_selector_removed",
            NameChange::Trimmed => "trimmed",
            NameChange::InnerSpaceRemoved => "inner_space_removed",
            NameChange::SpaceCollapsed => "space_collapsed",
            NameChange::DotMapped => "dot_mapped",
            NameChange::FullWidthFolded => "full_width_folded",
            NameChange::PunctuationMapped => "punctuation_mapped",
            NameChange::Nfc => "nfc",
        }
    }

    /// The change with this code.
    ///
    /// ```
    /// use shiming_core::name::NameChange;
    /// assert_eq!(NameChange::from_code("trimmed"), Some(NameChange::Trimmed));
    /// ```
    #[must_use]
    pub fn from_code(code: &str) -> Option<NameChange> {
        NameChange::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for NameChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameChange::ZeroWidthRemoved => "zero-width characters removed",
            NameChange::VariationSelectorRemoved => "variation selectors removed",
            NameChange::Trimmed => "surrounding whitespace removed",
            NameChange::InnerSpaceRemoved => "spaces inside the Chinese name removed",
            NameChange::SpaceCollapsed => "whitespace collapsed to single spaces",
            NameChange::DotMapped => "look-alike dots replaced by U+00B7",
            NameChange::FullWidthFolded => "full-width letters folded to ASCII",
            NameChange::PunctuationMapped => "typographic apostrophes or hyphens replaced",
            NameChange::Nfc => "normalized to NFC",
        })
    }
}

/// Where a separator is misplaced.
///
/// ```
/// use shiming_core::name::{self, NameError, SeparatorIssue};
/// assert!(matches!(
///     name::parse("买买提··艾力"),
///     Err(NameError::Separator { position: 5, issue: SeparatorIssue::Doubled })
/// ));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeparatorIssue {
    /// The name starts with a separator.
    Leading,
    /// The name ends with a separator.
    Trailing,
    /// Two separators in a row.
    Doubled,
}

impl SeparatorIssue {
    /// The stable snake-case code (`leading`, `trailing`, `doubled`).
    ///
    /// ```
    /// assert_eq!(shiming_core::name::SeparatorIssue::Doubled.code(), "doubled");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            SeparatorIssue::Leading => "leading",
            SeparatorIssue::Trailing => "trailing",
            SeparatorIssue::Doubled => "doubled",
        }
    }
}

/// Why a name was refused.
///
/// Positions are 1-based character positions in the normalized name. Neither the fields nor
/// the message ever hold the name: at most the one offending character.
///
/// ```
/// use shiming_core::name::{self, NameError};
/// let err = name::parse("王⼩明").unwrap_err();
/// assert_eq!(err.reason(), "radical");
/// assert_eq!(err.position(), Some(2));
/// assert_eq!(
///     err.to_string(),
///     "character 2 (U+2F29) is a Kangxi radical, not an ideograph; use U+5C0F instead"
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameError {
    /// Nothing is left after normalization.
    Empty,
    /// More than [`MAX_CHARS`] characters.
    TooLong {
        /// The number of characters after normalization.
        chars: usize,
        /// The maximum, [`MAX_CHARS`].
        max: usize,
    },
    /// A character no name of this script may have: punctuation, a symbol, an emoji, a
    /// control character, a letter of another script in a name with no letter of its own.
    InvalidCharacter {
        /// 1-based position in the normalized name.
        position: usize,
        /// The offending character.
        character: char,
        /// The script of the name.
        script: NameScript,
    },
    /// A letter of another script: Latin letters in a Chinese name, Cyrillic in a Latin one.
    MixedScript {
        /// 1-based position in the normalized name.
        position: usize,
        /// The offending character.
        character: char,
        /// The script of the name.
        script: NameScript,
    },
    /// A leading, trailing or doubled separator (`·` in a Chinese name; a Latin name must
    /// start with a letter).
    Separator {
        /// 1-based position in the normalized name.
        position: usize,
        /// What is wrong.
        issue: SeparatorIssue,
    },
    /// A Kangxi radical (U+2F00–U+2FDF) or CJK radical supplement character
    /// (U+2E80–U+2EFF): it looks like an ideograph but is not a name character.
    Radical {
        /// 1-based position in the normalized name.
        position: usize,
        /// The radical.
        character: char,
        /// The ideograph Unicode gives as its equivalent, if any.
        suggestion: Option<char>,
    },
    /// A digit or other numeral (including full-width digits and Hangzhou numerals).
    Digit {
        /// 1-based position in the normalized name.
        position: usize,
        /// The offending character.
        character: char,
    },
}

impl NameError {
    /// The stable snake-case code: `empty`, `too_long`, `invalid_character`,
    /// `mixed_script`, `separator`, `radical`, `digit`.
    ///
    /// ```
    /// use shiming_core::name;
    /// assert_eq!(name::parse("").unwrap_err().reason(), "empty");
    /// assert_eq!(name::parse("张😀").unwrap_err().reason(), "invalid_character");
    /// ```
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            NameError::Empty => "empty",
            NameError::TooLong { .. } => "too_long",
            NameError::InvalidCharacter { .. } => "invalid_character",
            NameError::MixedScript { .. } => "mixed_script",
            NameError::Separator { .. } => "separator",
            NameError::Radical { .. } => "radical",
            NameError::Digit { .. } => "digit",
        }
    }

    /// The 1-based character position the error points at, if it points at one.
    ///
    /// ```
    /// use shiming_core::name;
    /// assert_eq!(name::parse("张三!").unwrap_err().position(), Some(3));
    /// assert_eq!(name::parse("").unwrap_err().position(), None);
    /// ```
    #[must_use]
    pub const fn position(&self) -> Option<usize> {
        match self {
            NameError::Empty | NameError::TooLong { .. } => None,
            NameError::InvalidCharacter { position, .. }
            | NameError::MixedScript { position, .. }
            | NameError::Separator { position, .. }
            | NameError::Radical { position, .. }
            | NameError::Digit { position, .. } => Some(*position),
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("the name is empty"),
            NameError::TooLong { chars, max } => {
                write!(
                    f,
                    "the name has {chars} characters; at most {max} are allowed"
                )
            }
            NameError::InvalidCharacter {
                position,
                character,
                script,
            } => write!(
                f,
                "character {position} (U+{:04X}) is not allowed in a {} name",
                u32::from(*character),
                script.adjective()
            ),
            NameError::MixedScript {
                position,
                character,
                script,
            } => write!(
                f,
                "character {position} (U+{:04X}) is a letter of another script; a {} name \
                 cannot mix scripts",
                u32::from(*character),
                script.adjective()
            ),
            NameError::Separator { position, issue } => match issue {
                SeparatorIssue::Leading => {
                    write!(f, "character {position}: the name starts with a separator")
                }
                SeparatorIssue::Trailing => {
                    write!(f, "character {position}: the name ends with a separator")
                }
                SeparatorIssue::Doubled => {
                    write!(f, "character {position}: two separators in a row")
                }
            },
            NameError::Radical {
                position,
                character,
                suggestion,
            } => {
                let code = u32::from(*character);
                let block = if (0x2F00..=0x2FDF).contains(&code) {
                    "Kangxi radical"
                } else {
                    "CJK radical"
                };
                write!(
                    f,
                    "character {position} (U+{code:04X}) is a {block}, not an ideograph"
                )?;
                match suggestion {
                    Some(s) => write!(f, "; use U+{:04X} instead", u32::from(*s)),
                    None => Ok(()),
                }
            }
            NameError::Digit {
                position,
                character,
            } => write!(
                f,
                "character {position} (U+{:04X}) is a digit; a name has no digits",
                u32::from(*character)
            ),
        }
    }
}

impl std::error::Error for NameError {}

// ---------------------------------------------------------------------------------------------
// Normalization helpers.

/// Zero-width characters removed everywhere.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Variation selectors (standard and ideographic), removed everywhere.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Characters that look like `·` and are mapped to it in Chinese names.
fn is_lookalike_dot(c: char) -> bool {
    matches!(
        c,
        '\u{2022}'
            | '\u{30FB}'
            | '\u{FF65}'
            | '\u{FF0E}'
            | '.'
            | '\u{2027}'
            | '\u{2219}'
            | '\u{22C5}'
            | '\u{0387}'
    )
}

/// CJK compatibility ideographs, which NFC would replace by their unified twins.
fn is_compatibility_ideograph(c: char) -> bool {
    matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}')
}

/// Chinese name: drop inner whitespace, map look-alike dots.
fn clean_han(s: &str, changes: &mut Vec<NameChange>) -> String {
    let (mut space, mut dot) = (false, false);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else if is_lookalike_dot(c) {
            dot = true;
            out.push(SEPARATOR);
        } else {
            out.push(c);
        }
    }
    if space {
        changes.push(NameChange::InnerSpaceRemoved);
    }
    if dot {
        changes.push(NameChange::DotMapped);
    }
    out
}

/// Latin name: collapse whitespace, fold full-width ASCII, map typographic punctuation.
fn clean_latin(s: &str, changes: &mut Vec<NameChange>) -> String {
    let (mut collapsed, mut folded, mut mapped) = (false, false, false);
    let mut out = String::with_capacity(s.len());
    let mut after_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if after_space || c != ' ' {
                collapsed = true;
            }
            if !after_space {
                out.push(' ');
            }
            after_space = true;
            continue;
        }
        after_space = false;
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => {
                folded = true;
                char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
            }
            '\u{2019}' | '\u{02BC}' => {
                mapped = true;
                '\''
            }
            '\u{2010}' | '\u{2011}' => {
                mapped = true;
                '-'
            }
            other => other,
        };
        out.push(c);
    }
    if collapsed {
        changes.push(NameChange::SpaceCollapsed);
    }
    if folded {
        changes.push(NameChange::FullWidthFolded);
    }
    if mapped {
        changes.push(NameChange::PunctuationMapped);
    }
    out
}

/// NFC, except that CJK compatibility ideographs are kept as they are. They are starters
/// that compose with nothing, so normalizing the runs between them separately gives NFC
/// everywhere else.
fn nfc_keeping_compatibility_ideographs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for piece in s.split_inclusive(is_compatibility_ideograph) {
        let mut chars = piece.chars();
        match chars.next_back() {
            Some(last) if is_compatibility_ideograph(last) => {
                out.extend(chars.as_str().nfc());
                out.push(last);
            }
            _ => out.extend(piece.nfc()),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Validation helpers.

/// Kangxi Radicals and CJK Radicals Supplement.
fn is_radical(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{2EFF}' | '\u{2F00}'..='\u{2FDF}')
}

/// Hangzhou (Suzhou) numerals, `Script=Han` but numerals.
/// `c.script()` with the common cases answered without the table search: the CJK Unified
/// Ideographs block (every code point of which is `Script=Han` as of Unicode 14) and ASCII.
fn script_of(c: char) -> Script {
    match c {
        '\u{4E00}'..='\u{9FFF}' => Script::Han,
        'A'..='Z' | 'a'..='z' => Script::Latin,
        '\0'..='\u{7F}' => Script::Common,
        _ => c.script(),
    }
}

fn is_hangzhou_numeral(c: char) -> bool {
    matches!(c, '\u{3021}'..='\u{3029}' | '\u{3038}'..='\u{303A}')
}

/// Ideographic Symbols and Punctuation (hook and iteration marks, Vietnamese reading marks):
/// partly `Script=Han`, never name characters.
fn is_ideographic_symbol(c: char) -> bool {
    matches!(c, '\u{16FE0}'..='\u{16FFF}')
}

/// A Han character outside the basic CJK Unified Ideographs block.
fn is_rare_han(c: char) -> bool {
    script_of(c) == Script::Han && !matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3005}' | '\u{3007}')
}

/// The ideograph a radical stands for, from its compatibility decomposition.
fn radical_suggestion(c: char) -> Option<char> {
    let mut decomposed = Vec::new();
    unicode_normalization::char::decompose_compatible(c, |d| decomposed.push(d));
    match decomposed.as_slice() {
        [d] if *d != c && script_of(*d) == Script::Han && !is_radical(*d) => Some(*d),
        _ => None,
    }
}

fn validate_han(chars: &[char]) -> Result<(), NameError> {
    let script = NameScript::Han;
    let last = chars.len().saturating_sub(1);
    for (i, &character) in chars.iter().enumerate() {
        let position = i + 1;
        if character == SEPARATOR {
            let issue = if i == 0 {
                Some(SeparatorIssue::Leading)
            } else if chars[i - 1] == SEPARATOR {
                Some(SeparatorIssue::Doubled)
            } else if i == last {
                Some(SeparatorIssue::Trailing)
            } else {
                None
            };
            if let Some(issue) = issue {
                return Err(NameError::Separator { position, issue });
            }
            continue;
        }
        if script_of(character) == Script::Han {
            if is_radical(character) {
                return Err(NameError::Radical {
                    position,
                    character,
                    suggestion: radical_suggestion(character),
                });
            }
            if is_hangzhou_numeral(character) {
                return Err(NameError::Digit {
                    position,
                    character,
                });
            }
            if is_ideographic_symbol(character) {
                return Err(NameError::InvalidCharacter {
                    position,
                    character,
                    script,
                });
            }
            continue;
        }
        return Err(refuse_other(position, character, script, true));
    }
    Ok(())
}

/// A Latin letter: `Script=Latin`, alphabetic, not a numeral (Roman numerals), not a
/// compatibility form (ligatures, superscripts, ª º).
fn is_latin_letter(c: char) -> bool {
    if script_of(c) != Script::Latin || !c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    let mut compat = std::iter::once(c).nfkc();
    compat.next() == Some(c) && compat.next().is_none()
}

fn is_latin_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '\'' | '.')
}

fn is_combining_accent(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn validate_latin(chars: &[char]) -> Result<(), NameError> {
    let script = NameScript::Latin;
    let has_letter = chars.iter().any(|&c| is_latin_letter(c));
    let mut after_letter = false;
    for (i, &character) in chars.iter().enumerate() {
        let position = i + 1;
        if is_latin_letter(character) {
            after_letter = true;
            continue;
        }
        if is_combining_accent(character) && after_letter {
            continue;
        }
        after_letter = false;
        if is_latin_separator(character) {
            if i == 0 {
                return Err(NameError::Separator {
                    position,
                    issue: SeparatorIssue::Leading,
                });
            }
            continue;
        }
        return Err(refuse_other(position, character, script, has_letter));
    }
    Ok(())
}

/// The error for a character that is neither a letter nor a separator of the name's script.
/// `mixed` says whether the name has letters of its own script, so that a letter of another
/// script mixes scripts rather than being merely invalid.
fn refuse_other(position: usize, character: char, script: NameScript, mixed: bool) -> NameError {
    if character.is_numeric() {
        NameError::Digit {
            position,
            character,
        }
    } else if mixed
        && character.is_alphabetic()
        && !matches!(
            script_of(character),
            Script::Common | Script::Inherited | Script::Unknown
        )
        && script_of(character) != script.unicode()
    {
        NameError::MixedScript {
            position,
            character,
            script,
        }
    } else {
        NameError::InvalidCharacter {
            position,
            character,
            script,
        }
    }
}
