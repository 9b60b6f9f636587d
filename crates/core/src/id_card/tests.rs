//! Data-driven tests of every rule in core-rules §1–§2 and of the pitfalls other validators
//! fall into.

use proptest::prelude::*;

use super::generate;
use super::*;

fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

fn lenient() -> ValidationOptions {
    ValidationOptions::new(today())
}

/// One line per case: `input` → `"kind"` on success (plus warnings), or the error reason and
/// detail.
#[track_caller]
fn check(input: &str, expected: &str) {
    check_with(input, &lenient(), expected);
}

#[track_caller]
fn check_strict(input: &str, expected: &str) {
    check_with(input, &lenient().strict(true), expected);
}

#[track_caller]
fn check_with(input: &str, options: &ValidationOptions, expected: &str) {
    let got = match parse(input, options) {
        Ok(id) => {
            let mut s = id.kind().code().to_string();
            for w in id.warnings() {
                s.push(' ');
                s.push_str(w.code());
            }
            s
        }
        Err(e) => e.code(),
    };
    assert_eq!(got, expected, "input {input:?}");
}

fn resident(region: u32, y: u16, m: u8, d: u8, seq: u16) -> String {
    generate::resident(region, Date::new(y, m, d).unwrap(), seq).unwrap()
}

#[test]
fn eighteen_digit_resident_numbers() {
    check("11010519491231002X", "resident");
    check("11010519491231002x", "resident"); // lower-case x
    check("110105194912310021", "checksum");
    check("11010519491231002", "length");
    check("11010519491231002X1", "length");
    check("", "length");
    check("   ", "length");
    check("1101051949123100XX", "format");
    check("11010519491231002Y", "format");
    check("A1010519491231002X", "format");
    check("11010519491231002*", "format"); // vendors treat '*' as debug data
    check(&resident(350521, 1990, 3, 7, 123), "resident");
}

#[test]
fn normalization_of_pasted_numbers() {
    check(" 110105 19491231 002X ", "resident");
    check("110105-19491231-002X", "resident");
    check("１１０１０５１９４９１２３１００２Ｘ", "resident");
    check("１１０１０５１９４９１２３１００２ｘ", "resident");
    check("110105\u{3000}19491231002X", "resident");
    check("\u{FEFF}11010519491231002X\r\n", "resident");
    let id = parse(" １１０１０５-19491231002x", &lenient()).unwrap();
    assert_eq!(id.expose(), "11010519491231002X");
    let codes: Vec<_> = id.normalization().codes().collect();
    assert_eq!(
        codes,
        [
            "trimmed",
            "separators_removed",
            "full_width_converted",
            "case_changed"
        ]
    );
}

#[test]
fn birth_dates_must_be_real_and_not_in_the_future() {
    check(&resident(110105, 2000, 2, 29, 1), "resident"); // leap day
                                                          // 1900-02-29 and 2023-02-29 do not exist: build the numbers by hand.
    check(&with_check("11010519000229001"), "birth_date:not_a_date");
    check(&with_check("11010520230229001"), "birth_date:not_a_date");
    check(&with_check("11010519901301001"), "birth_date:not_a_date");
    check(&with_check("11010519900100001"), "birth_date:not_a_date");
    check(&with_check("11010519900431001"), "birth_date:not_a_date");
    check(&resident(110105, 2026, 11, 23, 1), "resident"); // born today
    check(&resident(110105, 2026, 11, 24, 1), "birth_date:after_today");
    check(&with_check("11010518691231001"), "birth_date:too_early");
    check(&resident(110105, 1890, 1, 1, 1), "resident implausible_age");
}

fn with_check(first17: &str) -> String {
    let mut arr = [0u8; 17];
    arr.copy_from_slice(first17.as_bytes());
    format!("{first17}{}", char::from(mod11_2_check(&arr).unwrap()))
}

#[test]
fn region_codes_are_graded_against_the_birth_year() {
    // 110103 崇文区 was abolished in 2010.
    check(&resident(110103, 1990, 1, 1, 1), "resident");
    check(&resident(110103, 2010, 12, 31, 1), "resident");
    check(
        &resident(110103, 2011, 1, 1, 1),
        "resident region_abolished_before_birth",
    );
    check_strict(
        &resident(110103, 2011, 1, 1, 1),
        "region:abolished_before_birth",
    );
    // 441282 罗定市 was created in 1993: a 1981 birth registered later is legitimate, even
    // in strict mode (python-stdnum rejects it).
    check(
        &resident(441282, 1981, 5, 5, 1),
        "resident region_created_after_birth",
    );
    check_strict(
        &resident(441282, 1981, 5, 5, 1),
        "resident region_created_after_birth",
    );
    // Unknown code inside a real province.
    check(&resident(110199, 1990, 1, 1, 1), "resident region_unknown");
    check_strict(&resident(110199, 1990, 1, 1, 1), "region:unknown");
    // Province 10 / 99 / 00 never existed: refused even in lenient mode.
    check(&resident(100101, 1990, 1, 1, 1), "region:unknown_province");
    check(&resident(990101, 1990, 1, 1, 1), "region:unknown_province");
    check(&with_check("00010119900101001"), "region:unknown_province");
    // Taiwan's GB/T 2260 code is not used on resident numbers.
    check(
        &resident(710000, 1990, 1, 1, 1),
        "resident region_not_issued",
    );
    check_strict(&resident(710000, 1990, 1, 1, 1), "region:taiwan_gb_code");
}

#[test]
fn codes_issued_but_never_published_are_accepted() {
    for code in crate::region::UNPUBLISHED_BUT_ISSUED {
        let n = resident(*code, 2005, 6, 1, 11);
        let id = parse(&n, &lenient().strict(true)).unwrap();
        assert!(
            id.warnings().any(|w| w == Warning::RegionUnpublished),
            "{code}: {:?}",
            id.warnings().collect::<Vec<_>>()
        );
    }
}

#[test]
fn fifteen_digit_numbers_validate_and_upgrade() {
    check("110105491231002", "resident15");
    check("110105490231002", "birth_date:not_a_date");
    check("11010549123100X", "format");
    check("110103" /* 崇文 */, "length");
    let old = parse("110105491231002", &lenient()).unwrap();
    assert_eq!(old.birth_date(), Date::new(1949, 12, 31).unwrap());
    assert_eq!(old.sex(), Some(Sex::Female));
    let new = old.upgraded().unwrap();
    assert_eq!(new.expose(), "11010519491231002X");
    assert_eq!(new.kind(), IdKind::Resident);
    assert_eq!(parse(new.expose(), &lenient()).unwrap(), new);
    assert!(parse("11010519491231002X", &lenient())
        .unwrap()
        .upgraded()
        .is_none());
}

/// Found by fuzzing (fuzz/regressions/id_card/): a 15-digit number with Macau's code upgraded
/// to an 18-digit "resident" number that `parse` reads as a residence permit.
#[test]
fn fifteen_digit_numbers_with_permit_codes_do_not_upgrade() {
    for old in ["820000110911216", "810000491231002"] {
        let id = parse(old, &lenient()).unwrap();
        assert_eq!(id.kind(), IdKind::Resident15, "{old}");
        assert!(id.upgraded().is_none(), "{old}");
    }
    // Other codes of those provinces are no permit prefix: the upgrade stays a resident number.
    let id = parse("810101491231002", &lenient()).unwrap();
    let new = id.upgraded().unwrap();
    assert_eq!(
        parse(new.expose(), &lenient()).unwrap().kind(),
        IdKind::Resident
    );
}

#[test]
fn residence_permits() {
    let hk = generate::permit(810000, Date::new(1988, 8, 8).unwrap(), 15).unwrap();
    let mo = generate::permit(820000, Date::new(1960, 1, 31).unwrap(), 16).unwrap();
    let tw = generate::permit(830000, Date::new(1975, 10, 1).unwrap(), 17).unwrap();
    check(&hk, "hk_macau_permit");
    check(&mo, "hk_macau_permit");
    check(&tw, "taiwan_permit");
    check_strict(&tw, "taiwan_permit");
    let tw = parse(&tw, &lenient()).unwrap();
    assert_eq!(tw.region_code(), 830000);
    assert_eq!(tw.region().unwrap().current_name(), "台湾省");
    assert_eq!(tw.sex(), Some(Sex::Male));
    // Only the exact codes are permits; 810101 is just an unknown region.
    check(&resident(810101, 1990, 1, 1, 1), "resident region_unknown");
    let mut bad = tw.expose().to_string();
    bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
    check(&bad, "checksum");
}

#[test]
fn foreigner_permanent_residence_cards_2023() {
    let card =
        generate::foreign_permanent_2023(31, 840, Date::new(1985, 5, 6).unwrap(), 1).unwrap();
    check(&card, "foreign_permanent");
    let id = parse(&card, &lenient()).unwrap();
    assert_eq!(id.kind().edition(), Some(2023));
    assert_eq!(id.nationality().unwrap().alpha3(), "USA");
    assert_eq!(id.region_code(), 310000);
    assert_eq!(id.sex(), Some(Sex::Male));
    let no_country =
        generate::foreign_permanent_2023(31, 999, Date::new(1985, 5, 6).unwrap(), 1).unwrap();
    check(&no_country, "region:unknown_nationality");
    let no_province =
        generate::foreign_permanent_2023(99, 840, Date::new(1985, 5, 6).unwrap(), 1).unwrap();
    check(&no_province, "region:unknown_province");
}

#[test]
fn foreigner_permanent_residence_cards_2017() {
    let card =
        generate::foreign_permanent_2017("USA", 3101, Date::new(1985, 5, 6).unwrap(), 0).unwrap();
    check(&card, "foreign_permanent century_assumed");
    check(&card.to_lowercase(), "foreign_permanent century_assumed");
    let id = parse(&card, &lenient()).unwrap();
    assert_eq!(id.kind().edition(), Some(2017));
    assert_eq!(id.birth_date(), Date::new(1985, 5, 6).unwrap());
    assert_eq!(id.sex(), None);
    assert_eq!(id.region_code(), 310100);
    // Two-digit years: 10 → 2010 (not after today), 30 → 1930.
    let young =
        generate::foreign_permanent_2017("JPN", 1101, Date::new(2010, 1, 2).unwrap(), 3).unwrap();
    assert_eq!(parse(&young, &lenient()).unwrap().birth_date().year(), 2010);
    let old =
        generate::foreign_permanent_2017("JPN", 1101, Date::new(1930, 1, 2).unwrap(), 3).unwrap();
    assert_eq!(parse(&old, &lenient()).unwrap().birth_date().year(), 1930);
    // Wrong check digit, unknown country, unknown province, unknown prefecture.
    let mut bad = card.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    check(&bad, "checksum");
    let xxx =
        generate::foreign_permanent_2017("XXX", 3101, Date::new(1985, 5, 6).unwrap(), 0).unwrap();
    check(&xxx, "region:unknown_nationality");
    let p99 =
        generate::foreign_permanent_2017("USA", 9901, Date::new(1985, 5, 6).unwrap(), 0).unwrap();
    check(&p99, "region:unknown_province");
    let p3199 =
        generate::foreign_permanent_2017("USA", 3199, Date::new(1985, 5, 6).unwrap(), 0).unwrap();
    check(&p3199, "foreign_permanent region_unknown century_assumed");
    check("US1310185050600", "format");
}

#[test]
fn error_messages_never_contain_the_number() {
    let inputs = [
        "110105194912310021".to_string(),
        with_check("11010520230229001"),
        resident(110105, 2027, 1, 1, 1),
        resident(990101, 1990, 1, 1, 1),
        "1101051949123100XX".to_string(),
    ];
    for input in inputs {
        let err = parse(&input, &lenient().strict(true)).unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(&input), "{text}");
            assert!(!text.contains(&input[..14]), "{text}");
        }
    }
    let id = parse("11010519491231002X", &lenient()).unwrap();
    for text in [id.to_string(), format!("{id:?}")] {
        assert!(!text.contains("11010519491231002X"), "{text}");
        assert!(!text.contains("19491231"), "{text}");
    }
}

#[test]
fn parsed_information_snapshot() {
    let cases = [
        "11010519491231002X".to_string(),
        "110105491231002".to_string(),
        resident(110103, 1990, 3, 7, 123),
        resident(441282, 1981, 5, 5, 2),
        generate::permit(830000, Date::new(1975, 10, 1).unwrap(), 17).unwrap(),
        generate::foreign_permanent_2023(44, 410, Date::new(1992, 2, 29).unwrap(), 8).unwrap(),
        generate::foreign_permanent_2017("DEU", 4403, Date::new(1970, 12, 1).unwrap(), 5).unwrap(),
    ];
    let described: Vec<String> = cases
        .iter()
        .map(|n| {
            let id = parse(n, &lenient()).unwrap();
            let region = id.region();
            format!(
                "{} kind={} edition={:?} birth={} sex={:?} age={} region={} {} status={:?} nationality={:?} warnings={:?}",
                id.masked(),
                id.kind().code(),
                id.kind().edition(),
                id.birth_date(),
                id.sex().map(Sex::code),
                id.age_on(today()),
                id.region_code(),
                region.map_or("-", |r| r.name_at_assignment(id.birth_date().year())),
                id.region_status(),
                id.nationality().map(|c| c.alpha3()),
                id.warnings().map(Warning::code).collect::<Vec<_>>(),
            )
        })
        .collect();
    insta::assert_snapshot!(described.join("\n"));
}

#[test]
fn error_messages_snapshot() {
    let cases = [
        String::new(),
        "1234".to_string(),
        "1101051949123100XX".to_string(),
        "110105194912310021".to_string(),
        with_check("11010520230229001"),
        resident(110105, 2027, 1, 1, 1),
        with_check("11010518691231001"),
        resident(990101, 1990, 1, 1, 1),
        resident(110199, 1990, 1, 1, 1),
        resident(110103, 2011, 1, 1, 1),
        resident(710000, 1990, 1, 1, 1),
        generate::foreign_permanent_2023(31, 999, Date::new(1985, 5, 6).unwrap(), 1).unwrap(),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|n| {
            let e = parse(n, &lenient().strict(true)).unwrap_err();
            format!("{} / {:?}: {e}", e.reason(), e.detail())
        })
        .collect();
    insta::assert_snapshot!(messages.join("\n"));
}

/// Substitutes digit `d` at position `i` of a 17-digit body.
fn body_with(body: &[u8; 17], i: usize, d: u8) -> [u8; 17] {
    let mut b = *body;
    b[i] = d;
    b
}

#[test]
fn region_problem_flag_agrees_with_strict_validation() {
    for n in [
        resident(110103, 2011, 1, 1, 1),
        resident(110103, 1990, 1, 1, 1),
        resident(110199, 1990, 1, 1, 1),
        resident(710000, 1990, 1, 1, 1),
        resident(441282, 1981, 5, 5, 1),
        resident(430419, 2005, 6, 1, 11),
    ] {
        let lenient_id = parse(&n, &lenient()).unwrap();
        let strict_ok = parse(&n, &lenient().strict(true)).is_ok();
        assert_eq!(
            lenient_id.has_region_problem(),
            !strict_ok,
            "{}",
            lenient_id.masked()
        );
    }
}

proptest! {
    #[test]
    fn check_digit_round_trips(body in "[0-9]{17}") {
        let mut arr = [0u8; 17];
        arr.copy_from_slice(body.as_bytes());
        let check = mod11_2_check(&arr).unwrap();
        let full = format!("{body}{}", char::from(check));
        // Whatever else is wrong, the checksum stage passes.
        let err = parse(&full, &lenient()).err();
        prop_assert!(err.map_or(true, |e| e.reason() != "checksum"));
    }

    #[test]
    fn every_single_digit_change_is_detected(body in "[0-9]{17}", i in 0usize..17, d in 0u8..10) {
        let mut arr = [0u8; 17];
        arr.copy_from_slice(body.as_bytes());
        let changed = body_with(&arr, i, b'0' + d);
        prop_assume!(changed != arr);
        prop_assert_ne!(mod11_2_check(&arr), mod11_2_check(&changed));
    }

    #[test]
    fn every_adjacent_transposition_is_detected(body in "[0-9]{17}", i in 0usize..16) {
        let mut arr = [0u8; 17];
        arr.copy_from_slice(body.as_bytes());
        prop_assume!(arr[i] != arr[i + 1]);
        let mut swapped = arr;
        swapped.swap(i, i + 1);
        prop_assert_ne!(mod11_2_check(&arr), mod11_2_check(&swapped));
    }

    #[test]
    fn a_changed_check_character_is_detected(body in "[0-9]{17}", c in "[0-9X]") {
        let mut arr = [0u8; 17];
        arr.copy_from_slice(body.as_bytes());
        let check = char::from(mod11_2_check(&arr).unwrap());
        let c = c.chars().next().unwrap();
        prop_assume!(c != check);
        let err = parse(&format!("{body}{c}"), &lenient()).unwrap_err();
        prop_assert_eq!(err.reason(), "checksum");
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = parse(&s, &lenient());
        let _ = parse(&s, &lenient().strict(true));
    }

    #[test]
    fn parse_never_panics_on_id_like_text(s in "[0-9Xx９Ｘ \\-A-Z]{0,24}") {
        let _ = parse(&s, &lenient());
    }

    #[test]
    fn synthetic_numbers_pass_strict_validation(seed in any::<u64>()) {
        for n in generate::Synthetic::new(seed).take(5) {
            let id = parse(&n, &lenient().strict(true));
            prop_assert!(id.is_ok(), "{}: {:?}", n, id);
        }
    }

    #[test]
    fn region_problem_flag_matches_strict_mode(seed in any::<u64>()) {
        let mut rng = generate::Synthetic::new(seed);
        let code = crate::region::nth_code(rng.below(crate::region::code_count() as u64) as usize).unwrap_or(110101);
        let year = 1950 + rng.below(70) as u16;
        if let Ok(n) = generate::resident(code, Date::new(year, 6, 15).unwrap(), 7) {
            if let Ok(id) = parse(&n, &lenient()) {
                prop_assert_eq!(id.has_region_problem(), parse(&n, &lenient().strict(true)).is_err());
            }
        }
    }

    #[test]
    fn normalized_output_parses_to_itself(seed in any::<u64>()) {
        for n in generate::Synthetic::new(seed).take(3) {
            let spaced = format!(" {}-{} ", &n[..6], n[6..].to_lowercase());
            let a = parse(&spaced, &lenient()).unwrap();
            let b = parse(a.expose(), &lenient()).unwrap();
            prop_assert_eq!(a.expose(), b.expose());
        }
    }
}
