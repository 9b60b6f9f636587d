//! The vendors' own masking styles for the values they echo, inferred from their examples.
//!
//! | vendor | example | rule used here |
//! | --- | --- | --- |
//! | tel3 `xm` | `李****` | first character + a fixed `****` |
//! | tel3 `sfz` | `3505******12` | first 4 + a fixed `******` + last 2 |
//! | tel3 `mob` | `15956*******7` | first 5 + a fixed `*******` + last 1 |
//! | sfz2 `xm` | `庆**` | first character + one `*` per further character ([`mask_name`]) |
//! | sfz2 `sfz` | `3505*****12` | first 4 + a fixed `*****` + last 2 |
//! | sfz2 `birthday` | `19****16` | `YYYYMMDD` with the middle four digits starred |
//! | sfz2 `address` | `福建省泉州市**县` | province + prefecture names, `**` + the county's last character |
//! | phonethird `idCard` | `51*****1111` | first 2 + a fixed `*****` + last 4 |
//! | phonethird `mobile` | `18*****000` | first 2 + a fixed `*****` + last 3 |
//! | phonethird `name` | `张*` | [`mask_name`] |
//!
//! The tel3 examples cannot be length-preserving (`15956*******7` is 13 characters for an
//! 11-digit number; `李****` was returned for the two-character name of the request example),
//! so the star runs are fixed. sfz2's `庆**` fits both a fixed `**` and one star per character;
//! the per-character rule is the core's [`mask_name`] and is used. Whatever the rule, no echo
//! ever shows a whole input: a value too short to keep its ends with at least two characters
//! hidden is replaced by the star run alone, and a one-character name by stars.

use shiming_core::id_card::IdNumber;
use shiming_core::region;

pub(super) use shiming_core::mask::mask_name;

/// Region names GB/T 2260 uses for groupings, not places (`110100 市辖区`, `429000
/// 省直辖县级行政单位`): left out of an address.
const PLACEHOLDERS: [&str; 5] = [
    "市辖区",
    "县",
    "省直辖县级行政单位",
    "省直辖行政单位",
    "自治区直辖县级行政单位",
];

/// `head` leading characters, `stars`, `tail` trailing characters; only `stars` when `value`
/// has fewer than `head + tail + 2` characters.
pub(super) fn fixed(value: &str, head: usize, stars: &str, tail: usize) -> String {
    let count = value.chars().count();
    if count < head + tail + 2 {
        return stars.to_string();
    }
    let mut out: String = value.chars().take(head).collect();
    out.push_str(stars);
    out.extend(value.chars().skip(count - tail));
    out
}

/// tel3's name mask: first character + `****`; a one-character name is `****`.
pub(super) fn tel3_name(value: &str) -> String {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(_)) => format!("{first}****"),
        _ => "****".to_string(),
    }
}

/// tel3's ID number mask.
pub(super) fn tel3_id(value: &str) -> String {
    fixed(value, 4, "******", 2)
}

/// tel3's mobile mask.
pub(super) fn tel3_mobile(value: &str) -> String {
    fixed(value, 5, "*******", 1)
}

/// sfz2's ID number mask.
pub(super) fn sfz2_id(value: &str) -> String {
    fixed(value, 4, "*****", 2)
}

/// sfz2's birthday: `YYYYMMDD` with the middle four digits starred (`19****16`).
pub(super) fn sfz2_birthday(id: &IdNumber) -> String {
    let d = id.birth_date();
    let ymd = format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
    fixed(&ymd, 2, "****", 2)
}

/// sfz2's address: the province and prefecture names as at assignment, then `**` and the
/// last character of the county's name (`福建省泉州市**县`). Parts the table does not know are
/// left out; permits and 2023 foreigner cards give the province-level name alone.
pub(super) fn sfz2_address(id: &IdNumber) -> String {
    let year = id.birth_date().year();
    let code = id.region().map_or(id.region_code(), |r| r.code());
    let mut out = String::new();
    if let Some(province) = region::lookup(code / 10_000 * 10_000) {
        out.push_str(province.name_at_assignment(year));
    }
    if code % 10_000 != 0 {
        if let Some(prefecture) = region::lookup(code / 100 * 100) {
            let name = prefecture.name_at_assignment(year);
            if !PLACEHOLDERS.contains(&name) {
                out.push_str(name);
            }
        }
    }
    if code % 100 != 0 {
        let last = region::lookup(code).and_then(|c| c.name_at_assignment(year).chars().last());
        if let Some(last) = last {
            out.push_str("**");
            out.push(last);
        }
    }
    out
}

/// phonethird's ID number mask.
pub(super) fn phonethird_id(value: &str) -> String {
    fixed(value, 2, "*****", 4)
}

/// phonethird's mobile mask.
pub(super) fn phonethird_mobile(value: &str) -> String {
    fixed(value, 2, "*****", 3)
}
