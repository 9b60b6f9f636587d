//! Masking of personal data for `Debug`, `Display`, logs and error messages.
//!
//! Every type in shiming that holds a name, an ID number, a mobile or a credential formats
//! itself through these functions; the full value is only reachable through an explicit
//! accessor such as `expose()`.

/// Masks a name: the first character stays, every other character becomes `*`; a
/// one-character name is masked whole.
///
/// ```
/// use shiming_core::mask::mask_name;
/// assert_eq!(mask_name("张三"), "张*");
/// assert_eq!(mask_name("欧阳娜娜"), "欧***");
/// assert_eq!(mask_name(""), "");
/// ```
#[must_use]
pub fn mask_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_masked_name(&mut out, name);
    out
}

/// Appends the masked form of `name` (see [`mask_name`]) to `out`, without allocating a
/// string of its own.
///
/// ```
/// let mut line = String::from("xm=");
/// shiming_core::mask::push_masked_name(&mut line, "张三");
/// assert_eq!(line, "xm=张*");
/// ```
pub fn push_masked_name(out: &mut String, name: &str) {
    let mut chars = name.chars();
    match (chars.next(), chars.clone().next()) {
        (None, _) => {}
        (Some(_), None) => out.push('*'),
        (Some(first), Some(_)) => {
            out.push(first);
            out.extend(chars.map(|_| '*'));
        }
    }
}

/// Masks an ID number: the first four and the last two characters stay; values shorter
/// than eight characters are masked whole.
///
/// ```
/// use shiming_core::mask::mask_id;
/// assert_eq!(mask_id("11010519491231002X"), "1101************2X");
/// assert_eq!(mask_id("1234"), "****");
/// ```
#[must_use]
pub fn mask_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    push_masked_id(&mut out, id);
    out
}

/// Appends the masked form of an ID number (see [`mask_id`]) to `out`.
///
/// ```
/// let mut line = String::new();
/// shiming_core::mask::push_masked_id(&mut line, "11010519491231002X");
/// assert_eq!(line, "1101************2X");
/// ```
pub fn push_masked_id(out: &mut String, id: &str) {
    push_keeping_ends(out, id, 4, 2);
}

/// Masks a mobile number: the first three and the last four characters stay; values shorter
/// than nine characters are masked whole.
///
/// ```
/// use shiming_core::mask::mask_mobile;
/// assert_eq!(mask_mobile("13800138000"), "138****8000");
/// ```
#[must_use]
pub fn mask_mobile(mobile: &str) -> String {
    let mut out = String::with_capacity(mobile.len());
    push_masked_mobile(&mut out, mobile);
    out
}

/// Appends the masked form of a mobile (see [`mask_mobile`]) to `out`.
///
/// ```
/// let mut line = String::new();
/// shiming_core::mask::push_masked_mobile(&mut line, "13800138000");
/// assert_eq!(line, "138****8000");
/// ```
pub fn push_masked_mobile(out: &mut String, mobile: &str) {
    push_keeping_ends(out, mobile, 3, 4);
}

/// What a credential (an AppCode's `Authorization`, an AppKey, a signature) shows in a raw
/// view of a request: nothing of it.
///
/// ```
/// assert_eq!(shiming_core::mask::HIDDEN, "<hidden>");
/// ```
pub const HIDDEN: &str = "<hidden>";

/// Masks a secret (AppCode, AppSecret): only its length is shown.
///
/// ```
/// use shiming_core::mask::mask_secret;
/// assert_eq!(mask_secret("0123456789abcdef"), "** redacted (16 chars) **");
/// ```
#[must_use]
pub fn mask_secret(secret: &str) -> String {
    format!("** redacted ({} chars) **", secret.chars().count())
}

/// Hides given personal data wherever a text carries it: a raw request or answer shown to a
/// developer (the URL's query, a form or JSON body, headers a gateway echoes, a vendor body).
///
/// Each value is found as written, percent-encoded (upper- or lower-case hex, as a query or a
/// form carries it) and JSON-escaped (`\uXXXX`, either case), an ID number's check
/// character in either case, and is replaced by its masked form ([`mask_name`], [`mask_id`],
/// [`mask_mobile`]) written the same way, the hidden characters as `*`. Text that does not
/// hold a given value is left as it is.
///
/// ```
/// use shiming_core::mask::Redactor;
/// let redactor = Redactor::new().name("张三").id_number("11010519491231002x").mobile("13800138000");
/// assert_eq!(
///     redactor.redact("/mobile?xm=%E5%BC%A0%E4%B8%89&sfz=11010519491231002X&mob=13800138000"),
///     "/mobile?xm=%E5%BC%A0*&sfz=1101************2X&mob=138****8000"
/// );
/// assert_eq!(redactor.redact(r#"{"name":"\u5f20\u4e09","ok":1}"#), r#"{"name":"\u5f20*","ok":1}"#);
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    /// (what to find, what to write instead), longest first once sorted.
    replacements: Vec<(String, String)>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &self.replacements.len())
            .finish()
    }
}

/// The ways a request or an answer writes one character.
#[derive(Clone, Copy)]
enum Spelling {
    Plain,
    Percent { upper: bool },
    JsonEscape { upper: bool },
}

impl Spelling {
    const ALL: [Spelling; 5] = [
        Spelling::Plain,
        Spelling::Percent { upper: true },
        Spelling::Percent { upper: false },
        Spelling::JsonEscape { upper: true },
        Spelling::JsonEscape { upper: false },
    ];

    fn push(self, out: &mut String, c: char) {
        use std::fmt::Write as _;
        match self {
            Spelling::Plain => out.push(c),
            Spelling::Percent { upper } => {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
                    out.push(c);
                    return;
                }
                let mut bytes = [0u8; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    let _ = if upper {
                        write!(out, "%{byte:02X}")
                    } else {
                        write!(out, "%{byte:02x}")
                    };
                }
            }
            Spelling::JsonEscape { upper } => {
                if c.is_ascii() {
                    out.push(c);
                    return;
                }
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = if upper {
                        write!(out, "\\u{unit:04X}")
                    } else {
                        write!(out, "\\u{unit:04x}")
                    };
                }
            }
        }
    }
}

impl Redactor {
    /// A redactor that hides nothing yet.
    ///
    /// ```
    /// assert_eq!(shiming_core::mask::Redactor::new().redact("13800138000"), "13800138000");
    /// ```
    #[must_use]
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Also hides `name` (shown as [`mask_name`] shows it).
    ///
    /// ```
    /// let r = shiming_core::mask::Redactor::new().name(" 欧阳娜娜 ");
    /// assert_eq!(r.redact("xm=欧阳娜娜"), "xm=欧***");
    /// ```
    #[must_use]
    pub fn name(self, name: &str) -> Redactor {
        self.hide(name.trim(), mask_name)
    }

    /// Also hides `id` (shown as [`mask_id`] shows it), its check character in either case.
    ///
    /// ```
    /// let r = shiming_core::mask::Redactor::new().id_number("11010519491231002X");
    /// assert_eq!(r.redact("sfz=11010519491231002x"), "sfz=1101************2x");
    /// ```
    #[must_use]
    pub fn id_number(self, id: &str) -> Redactor {
        let id = id.trim();
        self.hide(&id.to_ascii_uppercase(), mask_id)
            .hide(&id.to_ascii_lowercase(), mask_id)
    }

    /// Also hides `mobile` (shown as [`mask_mobile`] shows it).
    ///
    /// ```
    /// let r = shiming_core::mask::Redactor::new().mobile("13800138000");
    /// assert_eq!(r.redact("+8613800138000"), "+86138****8000");
    /// ```
    #[must_use]
    pub fn mobile(self, mobile: &str) -> Redactor {
        self.hide(mobile.trim(), mask_mobile)
    }

    fn hide(mut self, value: &str, mask: fn(&str) -> String) -> Redactor {
        if value.is_empty() {
            return self;
        }
        let masked: Vec<char> = mask(value).chars().collect();
        for spelling in Spelling::ALL {
            let mut find = String::new();
            let mut write = String::new();
            for (i, c) in value.chars().enumerate() {
                spelling.push(&mut find, c);
                match masked.get(i) {
                    Some(&shown) if shown == c => spelling.push(&mut write, c),
                    _ => write.push('*'),
                }
            }
            if !self.replacements.iter().any(|(known, _)| *known == find) {
                self.replacements.push((find, write));
            }
        }
        // Longest first, so that a value found inside a longer one is not masked first.
        self.replacements
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        self
    }

    /// `text` with every given value, in every spelling, masked.
    ///
    /// ```
    /// let r = shiming_core::mask::Redactor::new().mobile("13800138000");
    /// assert_eq!(r.redact(r#"{"mobile":"13800138000","code":"0"}"#), r#"{"mobile":"138****8000","code":"0"}"#);
    /// ```
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (find, write) in &self.replacements {
            if out.contains(find.as_str()) {
                out = out.replace(find.as_str(), write);
            }
        }
        out
    }
}

/// Keeps `head` leading and `tail` trailing characters and stars the rest. When fewer than
/// `head + tail + 2` characters are present everything is starred, so that at least two
/// characters are always hidden.
fn push_keeping_ends(out: &mut String, value: &str, head: usize, tail: usize) {
    let count = value.chars().count();
    if count < head + tail + 2 {
        out.extend(std::iter::repeat('*').take(count));
        return;
    }
    out.extend(value.chars().enumerate().map(|(i, c)| {
        if i < head || i >= count - tail {
            c
        } else {
            '*'
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever the values and however the text spells them, none survives redaction,
        /// and each leaves its masked form.
        #[test]
        fn no_given_value_survives_in_any_spelling(
            name in "[\\u{4e00}-\\u{9fa5}]{2,4}(·[\\u{4e00}-\\u{9fa5}]{2,3})?",
            id in "[1-6][0-9]{16}[0-9Xx]",
            mobile in "1[3-9][0-9]{9}",
            spelling in 0usize..5,
        ) {
            let mut text = String::from("{\"a\":\"");
            for value in [&name, &id, &mobile] {
                for c in value.chars() {
                    Spelling::ALL[spelling].push(&mut text, c);
                }
                text.push_str("\",\"b\":\"");
            }
            let redacted = Redactor::new().name(&name).id_number(&id).mobile(&mobile).redact(&text);
            for value in [&name, &id, &mobile] {
                let mut spelled = String::new();
                for c in value.chars() {
                    Spelling::ALL[spelling].push(&mut spelled, c);
                }
                proptest::prop_assert!(!redacted.contains(&spelled), "{} in {}", spelled, redacted);
            }
            proptest::prop_assert!(redacted.contains(&mask_mobile(&mobile)));
            proptest::prop_assert!(redacted.matches('*').count() >= 1 + 12 + 4);
        }
    }

    #[test]
    fn redaction_leaves_other_text_alone() {
        let r = Redactor::new()
            .name("")
            .id_number("  ")
            .mobile("13800138000");
        assert_eq!(
            r.redact("x-ca-request-id: 5C3B-77"),
            "x-ca-request-id: 5C3B-77"
        );
        assert!(!format!("{r:?}").contains("138"));
    }

    #[test]
    fn short_values_are_masked_whole() {
        assert_eq!(mask_id("1234567"), "*******");
        assert_eq!(mask_mobile("13800138"), "********");
        assert_eq!(mask_name("张"), "*");
    }

    #[test]
    fn masks_count_characters_not_bytes() {
        assert_eq!(mask_mobile("１３８００１３８０００"), "１３８****８０００");
    }
}
