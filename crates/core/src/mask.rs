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
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(_) if name.chars().nth(1).is_none() => "*".to_string(),
        Some(first) => {
            let mut out = String::with_capacity(name.len());
            out.push(first);
            out.extend(chars.map(|_| '*'));
            out
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
    keep_ends(id, 4, 2)
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
    keep_ends(mobile, 3, 4)
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
fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let count = value.chars().count();
    if count < head + tail + 2 {
        return "*".repeat(count);
    }
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= count - tail {
                c
            } else {
                '*'
            }
        })
        .collect()
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
