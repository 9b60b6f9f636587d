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
