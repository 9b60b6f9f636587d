//! Unit tests for `mobile`: one `check(input, expected)` line per case, then properties.

use super::segments::{self, SEGMENTS};
use super::*;
use proptest::prelude::*;

/// `"carrier kind"` for a valid number, `"!reason"` for an error.
fn outcome(input: &str) -> String {
    match parse(input) {
        Ok(m) => format!("{} {}", m.carrier().code(), m.kind().code()),
        Err(e) => format!("!{}", e.reason()),
    }
}

#[track_caller]
fn check(input: &str, expected: &str) {
    assert_eq!(outcome(input), expected, "input {input:?}");
}

/// `input` normalizes to `number`, reporting exactly the `changes` (codes, comma-separated).
#[track_caller]
fn norm(input: &str, number: &str, changes: &str) {
    match parse(input) {
        Ok(m) => {
            assert_eq!(m.expose(), number, "input {input:?}");
            let got: Vec<&str> = m.changes().iter().map(Change::code).collect();
            assert_eq!(got.join(","), changes, "input {input:?}");
        }
        Err(e) => panic!("input {input:?}: unexpected error {e}"),
    }
}

#[test]
fn every_segment_of_the_rules() {
    // china_mobile personal
    check("13401234567", "china_mobile personal");
    check("13411234567", "china_mobile personal");
    check("13421234567", "china_mobile personal");
    check("13431234567", "china_mobile personal");
    check("13441234567", "china_mobile personal");
    check("13451234567", "china_mobile personal");
    check("13461234567", "china_mobile personal");
    check("13471234567", "china_mobile personal");
    check("13481234567", "china_mobile personal");
    check("13512345678", "china_mobile personal");
    check("13612345678", "china_mobile personal");
    check("13712345678", "china_mobile personal");
    check("13812345678", "china_mobile personal");
    check("13912345678", "china_mobile personal");
    check("15012345678", "china_mobile personal");
    check("15112345678", "china_mobile personal");
    check("15212345678", "china_mobile personal");
    check("15712345678", "china_mobile personal");
    check("15812345678", "china_mobile personal");
    check("15912345678", "china_mobile personal");
    check("17212345678", "china_mobile personal");
    check("17812345678", "china_mobile personal");
    check("18212345678", "china_mobile personal");
    check("18312345678", "china_mobile personal");
    check("18412345678", "china_mobile personal");
    check("18712345678", "china_mobile personal");
    check("18812345678", "china_mobile personal");
    check("19512345678", "china_mobile personal");
    check("19712345678", "china_mobile personal");
    check("19812345678", "china_mobile personal");
    // china_mobile virtual
    check("16512345678", "china_mobile virtual");
    check("17031234567", "china_mobile virtual");
    check("17051234567", "china_mobile virtual");
    check("17061234567", "china_mobile virtual");
    // china_mobile data_only
    check("14712345678", "china_mobile data_only");
    // china_unicom personal
    check("13012345678", "china_unicom personal");
    check("13112345678", "china_unicom personal");
    check("13212345678", "china_unicom personal");
    check("15512345678", "china_unicom personal");
    check("15612345678", "china_unicom personal");
    check("16612345678", "china_unicom personal");
    check("17512345678", "china_unicom personal");
    check("17612345678", "china_unicom personal");
    check("18512345678", "china_unicom personal");
    check("18612345678", "china_unicom personal");
    check("19612345678", "china_unicom personal");
    // china_unicom virtual
    check("16712345678", "china_unicom virtual");
    check("17041234567", "china_unicom virtual");
    check("17071234567", "china_unicom virtual");
    check("17081234567", "china_unicom virtual");
    check("17091234567", "china_unicom virtual");
    check("17112345678", "china_unicom virtual");
    // china_unicom data_only
    check("14512345678", "china_unicom data_only");
    // china_telecom personal
    check("13312345678", "china_telecom personal");
    check("15312345678", "china_telecom personal");
    check("17312345678", "china_telecom personal");
    check("17712345678", "china_telecom personal");
    check("18012345678", "china_telecom personal");
    check("18112345678", "china_telecom personal");
    check("18912345678", "china_telecom personal");
    check("19012345678", "china_telecom personal");
    check("19112345678", "china_telecom personal");
    check("19312345678", "china_telecom personal");
    check("19912345678", "china_telecom personal");
    // china_telecom satellite
    check("13491234567", "china_telecom satellite");
    check("17400123456", "china_telecom satellite");
    check("17401123456", "china_telecom satellite");
    check("17402123456", "china_telecom satellite");
    check("17403123456", "china_telecom satellite");
    check("17404123456", "china_telecom satellite");
    check("17405123456", "china_telecom satellite");
    // china_telecom virtual
    check("16212345678", "china_telecom virtual");
    check("17001234567", "china_telecom virtual");
    check("17011234567", "china_telecom virtual");
    check("17021234567", "china_telecom virtual");
    // china_telecom data_only
    check("14912345678", "china_telecom data_only");
    // china_broadnet personal
    check("19212345678", "china_broadnet personal");
    check("16101234567", "china_broadnet personal");
}

#[test]
fn segment_boundaries() {
    check("13400000000", "china_mobile personal");
    check("13489999999", "china_mobile personal");
    check("13490000000", "china_telecom satellite");
    check("13499999999", "china_telecom satellite");
    check("17000000000", "china_telecom virtual");
    check("17029999999", "china_telecom virtual");
    check("17030000000", "china_mobile virtual");
    check("17049999999", "china_unicom virtual");
    check("17069999999", "china_mobile virtual");
    check("17070000000", "china_unicom virtual");
    check("17099999999", "china_unicom virtual");
    check("17400000000", "china_telecom satellite");
    check("17405999999", "china_telecom satellite");
    check("16100000000", "china_broadnet personal");
    check("16109999999", "china_broadnet personal");
    check("19999999999", "china_telecom personal");
}

#[test]
fn unallocated_segments() {
    check("10012345678", "!unallocated_segment");
    check("10086000000", "!unallocated_segment");
    check("11012345678", "!unallocated_segment");
    check("12012345678", "!unallocated_segment");
    check("12345678901", "!unallocated_segment");
    check("14012345678", "!unallocated_segment");
    check("14112345678", "!unallocated_segment");
    check("14212345678", "!unallocated_segment");
    check("14312345678", "!unallocated_segment");
    check("14400123456", "!unallocated_segment"); // IoT head, but 11 digits
    check("14612345678", "!unallocated_segment"); // IoT head, but 11 digits
    check("14812345678", "!unallocated_segment"); // IoT head, but 11 digits
    check("15412345678", "!unallocated_segment");
    check("16012345678", "!unallocated_segment");
    check("16112345678", "!unallocated_segment"); // only 1610 is allocated
    check("16190000000", "!unallocated_segment");
    check("16312345678", "!unallocated_segment");
    check("16412345678", "!unallocated_segment");
    check("16812345678", "!unallocated_segment");
    check("16912345678", "!unallocated_segment");
    check("17413000000", "!unallocated_segment"); // first past the emergency range
    check("17450000000", "!unallocated_segment");
    check("17489999999", "!unallocated_segment");
    check("17912345678", "!unallocated_segment");
    check("19412345678", "!unallocated_segment");
    assert_eq!(
        parse("15412345678"),
        Err(MobileError::UnallocatedSegment { prefix: 154 })
    );
}

#[test]
fn special_purpose() {
    for n in [
        "17406000000",
        "17407123456",
        "17408123456",
        "17409123456",
        "17410123456",
        "17411123456",
        "17412999999",
    ] {
        check(n, "!special_purpose");
        assert_eq!(
            parse(n),
            Err(MobileError::SpecialPurpose(SpecialPurpose::Emergency))
        );
    }
    check("17490000000", "!special_purpose");
    check("17499999999", "!special_purpose");
    assert_eq!(
        parse("17491234567"),
        Err(MobileError::SpecialPurpose(
            SpecialPurpose::MaritimeSatellite
        ))
    );
}

#[test]
fn iot_13_digits() {
    check("1410012345678", "!iot");
    check("1410912345678", "!iot");
    check("1440012345678", "!iot");
    check("1440912345678", "!iot");
    check("1460012345678", "!iot");
    check("1469912345678", "!iot");
    check("1480012345678", "!iot");
    check("1489912345678", "!iot");
    check("148 0012 3456 78", "!iot");
    check("+86 1440 0123 45678", "!iot");
    check("+86 1440 0123 4567", "!length");
    check("0086 1480012345678", "!iot");
    check("861440012345678", "!not_mobile"); // bare 86 only before 11 digits
    check("1411012345678", "!length"); // 1411x is not an IoT range
    check("1441012345678", "!length");
    check("1064812345678", "!length"); // older IoT range, not in the rules
    check("1380013800000", "!length");
    check("144001234567", "!length");
    check("14400123456789", "!length");
}

#[test]
fn country_codes() {
    norm("+8613800138000", "13800138000", "stripped_country_code");
    norm(
        "+86 138 0013 8000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    norm(
        "+86-138-0013-8000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    norm("008613800138000", "13800138000", "stripped_country_code");
    norm(
        "0086 13800138000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    norm(
        "00 86 138 0013 8000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    norm("8613800138000", "13800138000", "stripped_country_code");
    norm(
        "86 138 0013 8000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    norm("(+86)13800138000", "13800138000", "stripped_country_code");
    norm(
        "(+86) 138 0013 8000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    norm("(86)13800138000", "13800138000", "stripped_country_code");
    norm("(0086)13800138000", "13800138000", "stripped_country_code");
    norm(
        "（+86）13800138000",
        "13800138000",
        "converted_full_width,stripped_country_code",
    );
    norm(
        "＋８６１３８００１３８０００",
        "13800138000",
        "converted_full_width,stripped_country_code",
    );
    norm(
        "+ 86 13800138000",
        "13800138000",
        "removed_separators,stripped_country_code",
    );
    let m = parse("（＋８６）13800138000").unwrap();
    assert_eq!(m.changes().stripped_country_code(), Some("(+86)"));
    assert_eq!(
        parse("0086 13800138000")
            .unwrap()
            .changes()
            .stripped_country_code(),
        Some("0086")
    );
    assert_eq!(
        parse("8613800138000")
            .unwrap()
            .changes()
            .stripped_country_code(),
        Some("86")
    );
}

#[test]
fn a_bare_86_is_stripped_only_before_eleven_digits_starting_1() {
    // No mainland mobile starts with 86, so 11 digits starting 86 are never shortened.
    check("86138001380", "!not_mobile");
    check("86100000000", "!not_mobile");
    check("861380013800", "!not_mobile");
    check("8628001380000", "!not_mobile"); // 13 digits, remainder starts with 2
    check("86861380013800", "!not_mobile");
    check("868613800138000", "!not_mobile"); // stripped once at most
    check("+868613800138000", "!not_mobile");
    check("86", "!not_mobile");
    check("8613800138000", "china_mobile personal");
}

#[test]
fn foreign_and_malformed_country_codes() {
    check("+852 9123 4567", "!not_mobile");
    check("+1 415 555 0100", "!not_mobile");
    check("+8 13800138000", "!not_mobile");
    check("(+852) 9123 4567", "!not_mobile");
    check("(001) 415 555 0100", "!not_mobile");
    check("0044 7700 900123", "!not_mobile");
    check("+86", "!length");
    check("0086", "!length");
    check("(+86)", "!length");
    check("+86 10 1234 5678", "!length"); // a Beijing landline
    check("+86 21 1234 5678", "!not_mobile"); // a Shanghai landline
    check("+86 013800138000", "!not_mobile");
    check("+", "!format");
    check("++8613800138000", "!format");
    check("+(86)13800138000", "!format");
    check("()13800138000", "!format");
    check("(+)13800138000", "!format");
    check("(00)13800138000", "!format");
    check("(010)12345678", "!format");
    check("(+86 13800138000", "!format");
    check("((+86))13800138000", "!format");
    check("(+86)(86)13800138000", "!format");
    check("+86 (138) 0013 8000", "!format");
    check("138(0013)8000", "!format");
    check("13800138000)", "!format");
    check("138+00138000", "!format");
    check("13800138000+", "!format");
    assert_eq!(parse("+"), Err(MobileError::Format { found: '+' }));
    assert_eq!(
        parse("138+0013800"),
        Err(MobileError::Format { found: '+' })
    );
    assert_eq!(parse("()1"), Err(MobileError::Format { found: '(' }));
    assert_eq!(parse("(+8+6)1"), Err(MobileError::Format { found: '+' }));
}

#[test]
fn separators_full_width_and_whitespace() {
    norm("13800138000", "13800138000", "");
    norm("  13800138000  ", "13800138000", "trimmed");
    norm("\t13800138000\r\n", "13800138000", "trimmed");
    norm("\u{3000}13800138000\u{3000}", "13800138000", "trimmed");
    norm("138 0013 8000", "13800138000", "removed_separators");
    norm("138-0013-8000", "13800138000", "removed_separators");
    norm("138　0013　8000", "13800138000", "removed_separators");
    norm(
        "138\u{00A0}0013\u{2009}8000",
        "13800138000",
        "removed_separators",
    );
    norm("138–0013—8000", "13800138000", "removed_separators");
    norm("138－0013－8000", "13800138000", "removed_separators");
    norm(
        "\u{200B}138\u{200D}0013\u{FEFF}8000",
        "13800138000",
        "removed_separators",
    );
    norm(
        "１３８００１３８０００",
        "13800138000",
        "converted_full_width",
    );
    norm(
        "１３８-００１３-８０００",
        "13800138000",
        "removed_separators,converted_full_width",
    );
    norm(
        " ＋８６　１３８　００１３　８０００ ",
        "13800138000",
        "trimmed,removed_separators,converted_full_width,stripped_country_code",
    );
    norm("1 3 8 0 0 1 3 8 0 0 0", "13800138000", "removed_separators");
}

#[test]
fn empty_format_length_not_mobile() {
    check("", "!empty");
    check(" ", "!empty");
    check("   \t\n", "!empty");
    check("\u{3000}", "!empty");
    check("-", "!empty");
    check(" - - ", "!empty");
    check("\u{200B}", "!empty");
    check("abc", "!format");
    check("13800138000abc", "!format");
    check("138OO138000", "!format");
    check("138.0013.8000", "!format");
    check("138/0013/8000", "!format");
    check("138_0013_8000", "!format");
    check("tel:13800138000", "!format");
    check("一三八〇〇一三八〇〇〇", "!format");
    check("١٣٨٠٠١٣٨٠٠٠", "!format"); // Arabic-Indic digits
    check("１３８ＯＯ１３８０００", "!format"); // full-width letter O
    check("13800138000\u{0}", "!format");
    check("1", "!length");
    check("13", "!length");
    check("138", "!length");
    check("1380013800", "!length");
    check("138001380001", "!length");
    check("138 0013 8000 1", "!length");
    check("13800138000138001380001380001", "!length"); // longer than the stack buffer
    check("1380013800013800138000138000x", "!format"); // format wins over length
    check("0", "!not_mobile");
    check("23800138000", "!not_mobile");
    check("03800138000", "!not_mobile");
    check("013800138000", "!not_mobile"); // trunk prefix 0 is not stripped
    check("99999999999", "!not_mobile");
    check("2", "!not_mobile");
    assert_eq!(parse("13 8"), Err(MobileError::Length { digits: 3 }));
    assert_eq!(parse("+86"), Err(MobileError::Length { digits: 0 }));
    assert_eq!(parse("138x"), Err(MobileError::Format { found: 'x' }));
    assert_eq!(parse("138Ｏ"), Err(MobileError::Format { found: 'Ｏ' }));
}

#[test]
fn mobile_accessors() {
    let m = parse("13800138000").unwrap();
    assert_eq!(m.expose(), "13800138000");
    assert_eq!(m.carrier(), Carrier::ChinaMobile);
    assert_eq!(m.kind(), MobileKind::Personal);
    assert!(!m.is_virtual());
    assert_eq!(m.segment().prefix(), 138);
    assert_eq!(m.masked(), "138****8000");
    assert!(m.changes().is_empty());
    assert_eq!("13800138000".parse::<Mobile>(), Ok(m));

    // MVNO numbers report their host network.
    let v = parse("17051234567").unwrap();
    assert!(v.is_virtual());
    assert_eq!(
        (v.carrier(), v.segment().prefix()),
        (Carrier::ChinaMobile, 1705)
    );
    assert!(parse("16712345678").unwrap().is_virtual());
    assert!(!parse("14712345678").unwrap().is_virtual());
    assert!(!parse("13491234567").unwrap().is_virtual());
}

#[test]
fn equality_ignores_how_the_number_was_written() {
    use std::collections::HashSet;
    let a = parse("13800138000").unwrap();
    let b = parse(" +86 １３８-0013-8000 ").unwrap();
    assert_eq!(a, b);
    assert_ne!(a.changes(), b.changes());
    assert_eq!(HashSet::from([a, b]).len(), 1);
    assert_ne!(a, parse("13800138001").unwrap());
}

#[test]
fn debug_and_display_are_masked() {
    let m = parse("13800138000").unwrap();
    assert_eq!(format!("{m:?}"), r#"Mobile("138****8000", china_mobile)"#);
    assert_eq!(format!("{m}"), "138****8000");
    assert_eq!(
        format!("{:?}", parse("17001234567").unwrap()),
        r#"Mobile("170****4567", china_telecom, virtual)"#
    );
    assert_eq!(
        format!("{:?}", parse("14912345678").unwrap()),
        r#"Mobile("149****5678", china_telecom, data_only)"#
    );
    assert!(!format!("{m:#?}").contains("13800138000"));
    for row in SEGMENTS {
        let number = format!("{}{}", row.prefix(), "00000000000");
        let number = &number[..11];
        if let Ok(m) = parse(number) {
            for shown in [
                format!("{m:?}"),
                format!("{m:#?}"),
                m.to_string(),
                m.masked(),
            ] {
                assert!(!shown.contains(number), "{shown} leaks {number}");
                assert!(!has_digit_run(&shown, 5), "{shown}");
            }
        }
    }
}

/// Whether `s` contains more than `max - 1` consecutive ASCII digits.
fn has_digit_run(s: &str, max: usize) -> bool {
    let mut run = 0;
    for c in s.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= max {
            return true;
        }
    }
    false
}

#[test]
fn error_messages_never_contain_the_number() {
    let cases = [
        ("", "mobile number is empty"),
        (
            "138-0013-800O",
            "mobile number contains an unexpected character 'O'",
        ),
        (
            "138001380001",
            "mobile number must have 11 digits, found 12",
        ),
        (
            "23800138000",
            "not a mainland China mobile number (those start with 1, country code +86)",
        ),
        ("15412345678", "mobile number in unallocated segment 154"),
        ("17413123456", "mobile number in unallocated segment 174"),
        (
            "1440012345678",
            "13-digit IoT number, not a personal mobile",
        ),
        (
            "17491234567",
            "maritime satellite number, not a personal mobile",
        ),
        (
            "17408123456",
            "emergency communication number, not a personal mobile",
        ),
    ];
    for (input, message) in cases {
        let err = parse(input).unwrap_err();
        assert_eq!(err.to_string(), message, "input {input:?}");
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!has_digit_run(&shown, 4), "{input:?}: {shown}");
        }
    }
}

#[test]
fn reasons_and_codes_are_stable() {
    let errors = [
        (MobileError::Empty, "empty"),
        (MobileError::Format { found: 'x' }, "format"),
        (MobileError::Length { digits: 3 }, "length"),
        (MobileError::NotMobile, "not_mobile"),
        (
            MobileError::UnallocatedSegment { prefix: 154 },
            "unallocated_segment",
        ),
        (MobileError::Iot, "iot"),
        (
            MobileError::SpecialPurpose(SpecialPurpose::Emergency),
            "special_purpose",
        ),
    ];
    for (err, reason) in errors {
        assert_eq!(err.reason(), reason);
    }
    let kinds = [
        (MobileKind::Personal, "personal"),
        (MobileKind::Virtual, "virtual"),
        (MobileKind::DataOnly, "data_only"),
        (MobileKind::Satellite, "satellite"),
    ];
    for (kind, code) in kinds {
        assert_eq!((kind.code(), kind.to_string()), (code, code.to_string()));
    }
    assert_eq!(
        SpecialPurpose::MaritimeSatellite.code(),
        "maritime_satellite"
    );
    assert_eq!(SpecialPurpose::Emergency.code(), "emergency");
    assert_eq!(Change::Trimmed.code(), "trimmed");
    assert_eq!(Change::RemovedSeparators.code(), "removed_separators");
}

#[test]
fn error_is_a_std_error_and_thread_safe() {
    fn assert_traits<T: std::error::Error + Send + Sync + 'static>() {}
    fn assert_send_sync<T: Send + Sync + Copy>() {}
    assert_traits::<MobileError>();
    assert_send_sync::<Mobile>();
    let boxed: Box<dyn std::error::Error> = Box::new(MobileError::Iot);
    assert_eq!(
        boxed.to_string(),
        "13-digit IoT number, not a personal mobile"
    );
}

#[test]
fn table_rows_round_trip_and_longest_prefix_wins() {
    for row in SEGMENTS {
        let prefix = row.to_string();
        assert_eq!(prefix.len(), row.prefix_len());
        assert_eq!(segments::segment_of(&prefix), Some(*row), "{prefix}");
        // Boundary numbers of every row: lowest and highest.
        for fill in ['0', '9'] {
            let mut number = prefix.clone();
            while number.len() < row.number_len() {
                number.push(fill);
            }
            let matched = segments::segment_of(&number);
            if matched != Some(*row) {
                // Only a longer row inside this one may take over (134 → 1349).
                let longer = matched.map(|m| m.to_string()).unwrap_or_default();
                assert!(
                    longer.len() > prefix.len() && longer.starts_with(&prefix),
                    "{number}"
                );
                continue;
            }
            let expected = match row.allocation() {
                Allocation::Mobile { carrier, kind } => {
                    format!("{} {}", carrier.code(), kind.code())
                }
                Allocation::Iot => "!iot".to_string(),
                Allocation::SpecialPurpose(_) => "!special_purpose".to_string(),
            };
            check(&number, &expected);
        }
    }
    assert_eq!(segments::segment_of("134").map(|s| s.prefix()), Some(134));
    assert_eq!(segments::segment_of("1349").map(|s| s.prefix()), Some(1349));
    assert_eq!(
        segments::segment_of("17400").map(|s| s.prefix()),
        Some(17400)
    );
    assert_eq!(segments::segment_of("1740"), None);
    assert_eq!(segments::segment_of("17"), None);
    assert_eq!(segments::segment_of("13a"), None);
    assert_eq!(segments::segment_of("１３８"), None);
}

#[test]
fn data_provenance_is_recorded() {
    let date = segments::DATA_AS_OF.as_bytes();
    assert_eq!(date.len(), 10);
    assert!(date.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 {
        *b == b'-'
    } else {
        b.is_ascii_digit()
    }));
    assert!(segments::DATA_SOURCE.contains("Apache-2.0"));
}

/// A number from a random allocated (personal, virtual, data-only, satellite) row.
fn valid_number() -> impl Strategy<Value = String> {
    let rows: Vec<Segment> = SEGMENTS
        .iter()
        .copied()
        .filter(|s| s.kind().is_some())
        .collect();
    (
        proptest::sample::select(rows),
        proptest::collection::vec(0u8..10, 8),
    )
        .prop_map(|(row, tail)| {
            let mut n = row.to_string();
            n.extend(tail.iter().map(|d| char::from(b'0' + d)));
            n.truncate(11);
            n
        })
}

/// `number` written the way people write it: country code, separators, full width, padding.
fn decorated() -> impl Strategy<Value = (String, String)> {
    let prefix = proptest::sample::select(vec![
        "",
        "+86",
        "+86 ",
        "0086",
        "86",
        "(+86)",
        "（＋８６）",
        "(86) ",
    ]);
    let seps = proptest::collection::vec(
        proptest::sample::select(vec!["", "", "", " ", "-", "\u{3000}", "－"]),
        11,
    );
    (valid_number(), prefix, seps, any::<bool>(), any::<bool>()).prop_map(
        |(number, prefix, seps, wide, pad)| {
            let mut s = String::from(if pad { " " } else { "" });
            s.push_str(prefix);
            for (c, sep) in number.chars().zip(seps) {
                s.push_str(sep);
                s.push(if wide {
                    char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c)
                } else {
                    c
                });
            }
            if pad {
                s.push('\u{3000}');
            }
            (s, number)
        },
    )
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_strings(s in any::<String>()) {
        let _ = parse(&s);
        let _ = segments::segment_of(&s);
    }

    #[test]
    fn never_panics_on_phone_like_strings(s in "[0-9０-９+＋()（） \u{3000}\\-]{0,32}") {
        if let Err(e) = parse(&s) {
            prop_assert!(!has_digit_run(&e.to_string(), 4));
            let debug = format!("{e:?}");
            prop_assert!(!has_digit_run(&debug, 4));
        }
    }

    #[test]
    fn parse_is_idempotent(s in "[0-9０-９+()（ -]{0,20}|1[3-9][0-9]{9}") {
        if let Ok(m) = parse(&s) {
            let again = parse(m.expose());
            prop_assert_eq!(again, Ok(m));
            prop_assert!(again.is_ok_and(|a| a.changes().is_empty()));
            prop_assert_eq!(m.expose().len(), 11);
        }
    }

    #[test]
    fn decorated_valid_numbers_normalize((input, number) in decorated()) {
        let m = parse(&input);
        prop_assert!(m.is_ok(), "{:?}: {:?}", input, m);
        if let Ok(m) = m {
            prop_assert_eq!(m.expose(), number.as_str());
            prop_assert_eq!(parse(m.expose()), Ok(m));
            prop_assert!(!m.to_string().contains(&number));
            let debug = format!("{m:?}");
            prop_assert!(!debug.contains(&number));
        }
    }

    #[test]
    fn arbitrary_eleven_digit_numbers_agree_with_the_table(n in "1[0-9]{10}") {
        match (parse(&n), segments::segment_of(&n).map(|s| s.allocation())) {
            (Ok(m), Some(Allocation::Mobile { carrier, kind })) => {
                prop_assert_eq!((m.carrier(), m.kind()), (carrier, kind));
            }
            (Err(MobileError::SpecialPurpose(_)), Some(Allocation::SpecialPurpose(_))) => {}
            (Err(MobileError::UnallocatedSegment { .. }), None | Some(Allocation::Iot)) => {}
            (got, row) => prop_assert!(false, "{:?} vs {:?}", got, row),
        }
    }
}
