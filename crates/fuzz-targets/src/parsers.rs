//! The targets of shiming-core's parsers: ID numbers, mobiles, names.

use shiming_core::id_card::{self, IdError, IdKind, IdNumber, ValidationOptions, Warning};
use shiming_core::mobile::{self, Mobile, MobileError};
use shiming_core::name::{self, Name, NameError, MAX_CHARS};

use crate::input;

/// The longest run of ASCII digits an error message of shiming-core may hold: years (`1870`),
/// counts and positions are shorter; an ID number or a mobile is longer.
const MAX_DIGIT_RUN_IN_ERRORS: usize = 6;

/// Parses an ID number with lenient and with strict options for a "today" chosen by the
/// input ([`input::split_today`]), and checks what must hold:
///
/// * strict and lenient agree: both valid and equal (then without a region problem), or
///   lenient valid with a region problem and strict refused for a region reason, or both
///   refused for the same reason;
/// * a valid number's normalized form re-parses, unchanged, to the same value; its birth date
///   is between 1870 and "today"; sex, nationality and edition fit its kind; a 15-digit number
///   upgrades to a valid 18-digit resident number with the same birth date, sex and region
///   (except under a permit's code, `810000`/`820000`, where it has no upgrade);
/// * `Debug` and `Display` show the mask, never the number;
/// * an error message holds no run of digits longer than [`MAX_DIGIT_RUN_IN_ERRORS`].
///
/// # Panics
///
/// When one of these does not hold (that is the finding).
///
/// ```
/// use shiming_core::Date;
/// let input = shiming_fuzz_targets::input::with_today(Date::new(2026, 11, 23).unwrap(), "11010519491231002x").unwrap();
/// shiming_fuzz_targets::id_card(&input);
/// shiming_fuzz_targets::id_card(b"\xff\xff not a number");
/// ```
pub fn id_card(data: &[u8]) {
    let (today, rest) = input::split_today(data);
    let text = input::text(rest);
    let lenient = ValidationOptions::new(today);
    let strict = lenient.strict(true);
    let lenient_result = id_card::parse(&text, &lenient);
    let strict_result = id_card::parse(&text, &strict);
    match (&lenient_result, &strict_result) {
        (Ok(l), Ok(s)) => {
            assert_eq!(l, s, "strict and lenient parse differently");
            assert!(!l.has_region_problem(), "strict accepted a region problem");
        }
        (Ok(l), Err(e)) => {
            assert!(
                l.has_region_problem(),
                "strict refused ({e:?}) what lenient accepted without a region problem"
            );
            assert!(matches!(e, IdError::Region { .. }), "strict refused: {e:?}");
            assert_eq!(e.kind(), Some(l.kind()));
        }
        (Err(l), Err(s)) => assert_eq!(l, s, "strict and lenient refuse differently"),
        (Err(e), Ok(_)) => panic!("lenient refused ({e:?}) what strict accepted"),
    }
    match lenient_result {
        Ok(id) => check_valid_id(&id, &lenient),
        Err(e) => check_id_error(&e),
    }
}

fn check_valid_id(id: &IdNumber, options: &ValidationOptions) {
    let exposed = id.expose();
    assert!(matches!(exposed.len(), 15 | 18), "length {}", exposed.len());
    assert!(exposed
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
    let again = id_card::parse(exposed, options).expect("the normalized form re-parses");
    assert!(
        again.normalization().is_unchanged(),
        "normalization is idempotent"
    );
    assert_same_id(id, &again);

    let today = options.today();
    assert!(id.birth_date() <= today, "born after today");
    assert!(id.birth_date().year() >= id_card::EARLIEST_BIRTH_YEAR);
    assert_eq!(
        id.warnings().any(|w| w == Warning::ImplausibleAge),
        id.age_on(today) > id_card::IMPLAUSIBLE_AGE
    );
    let foreign = matches!(
        id.kind(),
        IdKind::ForeignPermanent2017 | IdKind::ForeignPermanent2023
    );
    assert_eq!(id.nationality().is_some(), foreign);
    assert_eq!(id.kind().edition().is_some(), foreign);
    assert_eq!(
        id.sex().is_none(),
        id.kind() == IdKind::ForeignPermanent2017
    );

    let masked = id.masked();
    assert_eq!(masked.chars().count(), exposed.len());
    for shown in [masked.clone(), id.to_string(), format!("{id:?}")] {
        assert!(shown.contains(&masked), "shows the mask");
        assert!(!shown.contains(exposed), "never the number");
    }

    match id.upgraded() {
        Some(upgraded) => {
            assert_eq!(id.kind(), IdKind::Resident15);
            let reparsed = id_card::parse(upgraded.expose(), options)
                .expect("an upgraded 15-digit number is valid");
            assert_eq!(reparsed.kind(), IdKind::Resident);
            assert_same_id(&upgraded, &reparsed);
            assert_eq!(
                (
                    reparsed.birth_date(),
                    reparsed.sex(),
                    reparsed.region_code()
                ),
                (id.birth_date(), id.sex(), id.region_code())
            );
        }
        // Only a permit's code keeps a 15-digit number from upgrading.
        None => assert!(
            id.kind() != IdKind::Resident15
                || matches!(exposed.get(..6), Some("810000" | "820000")),
            "a 15-digit number without its upgrade"
        ),
    }
}

/// Everything but the normalization record.
fn assert_same_id(a: &IdNumber, b: &IdNumber) {
    assert_eq!(a.expose(), b.expose());
    assert_eq!(a.kind(), b.kind());
    assert_eq!(a.birth_date(), b.birth_date());
    assert_eq!(a.sex(), b.sex());
    assert_eq!(a.region_code(), b.region_code());
    assert_eq!(a.region_status(), b.region_status());
    assert_eq!(a.nationality(), b.nationality());
    assert!(a.warnings().eq(b.warnings()), "same warnings");
}

fn check_id_error(e: &IdError) {
    assert!(matches!(
        e.reason(),
        "length" | "format" | "checksum" | "birth_date" | "region"
    ));
    assert!(e.code().starts_with(e.reason()));
    check_error_message(&e.to_string());
}

/// An error message is not empty and quotes no number.
fn check_error_message(message: &str) {
    assert!(!message.is_empty());
    assert!(
        longest_digit_run(message) <= MAX_DIGIT_RUN_IN_ERRORS,
        "an error message holds a long run of digits: {message}"
    );
}

fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Parses a mobile and checks what must hold: a valid mobile is 11 ASCII digits starting
/// with `1`; its normalized form re-parses, unchanged, to the same number, carrier, kind and
/// segment; `Debug` and `Display` show the mask, never the
/// number; an error message quotes no number.
///
/// # Panics
///
/// When one of these does not hold.
///
/// ```
/// shiming_fuzz_targets::mobile("+86 138-0013-8000".as_bytes());
/// shiming_fuzz_targets::mobile(b"\x00\xff");
/// ```
pub fn mobile(data: &[u8]) {
    let text = input::text(data);
    let result = mobile::parse(&text);
    match result {
        Ok(m) => check_valid_mobile(&m),
        Err(e) => check_mobile_error(&e),
    }
}

fn check_valid_mobile(m: &Mobile) {
    let exposed = m.expose();
    assert_eq!(exposed.len(), 11);
    assert!(exposed.starts_with('1') && exposed.bytes().all(|b| b.is_ascii_digit()));
    let again = mobile::parse(exposed).expect("the normalized form re-parses");
    assert!(again.changes().is_empty(), "normalization is idempotent");
    assert_eq!(&again, m);
    assert_eq!(
        (again.carrier(), again.kind(), again.segment().prefix()),
        (m.carrier(), m.kind(), m.segment().prefix())
    );
    let masked = m.masked();
    for shown in [masked.clone(), m.to_string(), format!("{m:?}")] {
        assert!(shown.contains(&masked), "shows the mask");
        assert!(!shown.contains(exposed), "never the number");
    }
}

fn check_mobile_error(e: &MobileError) {
    assert!(matches!(
        e.reason(),
        "empty"
            | "format"
            | "length"
            | "not_mobile"
            | "unallocated_segment"
            | "iot"
            | "special_purpose"
    ));
    if let MobileError::Format { found } = e {
        assert!(!found.is_ascii_digit(), "a digit is never a format error");
    }
    check_error_message(&e.to_string());
}

/// Parses a name and checks what must hold: a valid name has 1–[`MAX_CHARS`] characters;
/// its normalized form re-parses, unchanged, to the same name, script and warnings;
/// `Debug` and `Display` show the mask, never the name; an
/// error message is ASCII (it points at a position and a code point, never quotes the name).
///
/// # Panics
///
/// When one of these does not hold.
///
/// ```
/// shiming_fuzz_targets::name(" 买买提•艾力 ".as_bytes());
/// shiming_fuzz_targets::name(b"\xe5\xbc");
/// ```
pub fn name(data: &[u8]) {
    let text = input::text(data);
    let result = name::parse(&text);
    match result {
        Ok(n) => check_valid_name(&n),
        Err(e) => check_name_error(&e),
    }
}

fn check_valid_name(n: &Name) {
    let exposed = n.expose();
    let count = exposed.chars().count();
    assert_eq!(n.char_count(), count);
    assert!((1..=MAX_CHARS).contains(&count), "{count} characters");
    assert_eq!(n.has_space(), exposed.contains(' '));
    let again = name::parse(exposed).expect("the normalized form re-parses");
    assert!(
        !again.is_changed(),
        "normalization is idempotent: {:?}",
        again.changes()
    );
    assert_eq!(again.expose(), exposed);
    assert_eq!(again.script(), n.script());
    assert_eq!(again.warnings(), n.warnings());
    let masked = n.masked();
    assert_eq!(masked.chars().count(), count);
    assert!(!masked.contains(exposed), "the mask hides the name");
    assert_eq!(n.to_string(), masked);
    // Compared whole: a short Latin name can be part of the wrapper's text ("Na" of "Name").
    assert_eq!(format!("{n:?}"), format!("Name({masked:?})"));
}

fn check_name_error(e: &NameError) {
    assert!(matches!(
        e.reason(),
        "empty"
            | "too_long"
            | "invalid_character"
            | "mixed_script"
            | "separator"
            | "radical"
            | "digit"
    ));
    let message = e.to_string();
    assert!(!message.is_empty());
    assert!(message.is_ascii(), "the message quotes no character");
}
