use super::*;
use proptest::prelude::*;

/// Parses `input` and checks the outcome against `expected`:
///
/// * `"!reason"` or `"!reason@position"` — an error with that reason (and position);
/// * anything else — success with exactly that normalized name.
///
/// On success it also checks that `Debug`/`Display` never show the full name, that the
/// output is idempotent and that it has no look-alike dots or zero-width characters left;
/// on failure that the error never shows the input.
#[track_caller]
fn check(input: &str, expected: &str) {
    let result = parse(input);
    if let Some(want) = expected.strip_prefix('!') {
        let (reason, position) = match want.split_once('@') {
            Some((r, p)) => (r, p.parse::<usize>().ok()),
            None => (want, None),
        };
        let err = match result {
            Err(err) => err,
            Ok(name) => panic!("{input:?}: expected {want}, got Ok({:?})", name.expose()),
        };
        assert_eq!(err.reason(), reason, "{input:?}: {err}");
        if position.is_some() {
            assert_eq!(err.position(), position, "{input:?}: {err}");
        }
        assert_no_leak(input.trim(), &format!("{err} {err:?}"));
    } else {
        let name = match result {
            Ok(name) => name,
            Err(err) => panic!("{input:?}: expected Ok({expected:?}), got {err:?} ({err})"),
        };
        assert_eq!(name.expose(), expected, "{input:?}");
        assert_eq!(name.char_count(), expected.chars().count(), "{input:?}");
        assert_eq!(name.is_changed(), input != expected, "{input:?}");
        assert_eq!(name.masked(), crate::mask::mask_name(expected));
        assert_eq!(name.to_string(), name.masked());
        assert_no_leak(expected, &format!("{name} {name:?}"));
        let again = parse(name.expose()).expect("normalized output parses");
        assert_eq!(again.expose(), name.expose(), "{input:?}: not idempotent");
        assert!(
            again.changes().is_empty(),
            "{input:?}: {:?}",
            again.changes()
        );
        assert_eq!(again.warnings(), name.warnings());
        assert_eq!(again.script(), name.script());
    }
}

/// The full value must not appear in `shown` (a one-character value is masked whole, so it
/// cannot be judged by substring).
#[track_caller]
fn assert_no_leak(value: &str, shown: &str) {
    if value.chars().count() >= 2 {
        assert!(!shown.contains(value), "{shown:?} leaks {value:?}");
    }
}

#[track_caller]
fn changes(input: &str, expected: &[&str]) {
    let name = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    let codes: Vec<&str> = name.changes().iter().map(|c| c.code()).collect();
    assert_eq!(codes, expected, "{input:?}");
}

#[track_caller]
fn warnings(input: &str, expected: &[&str]) {
    let name = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    let codes: Vec<&str> = name.warnings().iter().map(|w| w.code()).collect();
    assert_eq!(codes, expected, "{input:?}");
}

#[test]
fn common_names() {
    check("张三", "张三");
    check("李四", "李四");
    check("王小明", "王小明");
    check("刘德华", "刘德华");
    check("张伟", "张伟");
    check("林志玲", "林志玲");
    check("琦", "琦");
    check("〇", "〇");
    check("李〇", "李〇");
}

#[test]
fn compound_surnames() {
    check("欧阳娜娜", "欧阳娜娜");
    check("诸葛亮", "诸葛亮");
    check("司马相如", "司马相如");
    check("上官婉儿", "上官婉儿");
    check("端木蕻良", "端木蕻良");
    check("慕容复", "慕容复");
}

#[test]
fn minority_and_foreign_names_with_separator() {
    check("买买提·艾力", "买买提·艾力");
    check("爱新觉罗·溥仪", "爱新觉罗·溥仪");
    check("阿沛·阿旺晋美", "阿沛·阿旺晋美");
    check("迪丽热巴·迪力木拉提", "迪丽热巴·迪力木拉提");
    check("约翰·克里斯托弗·史密斯", "约翰·克里斯托弗·史密斯");
}

#[test]
fn every_lookalike_dot_is_mapped() {
    check("买买提•艾力", "买买提·艾力"); // U+2022 bullet
    check("买买提・艾力", "买买提·艾力"); // U+30FB katakana middle dot
    check("买买提･艾力", "买买提·艾力"); // U+FF65 half-width katakana middle dot
    check("买买提．艾力", "买买提·艾力"); // U+FF0E full-width full stop
    check("买买提.艾力", "买买提·艾力"); // U+002E full stop
    check("买买提‧艾力", "买买提·艾力"); // U+2027 hyphenation point
    check("买买提∙艾力", "买买提·艾力"); // U+2219 bullet operator
    check("买买提⋅艾力", "买买提·艾力"); // U+22C5 dot operator
    check("买买提\u{0387}艾力", "买买提·艾力"); // U+0387 Greek ano teleia
    check("约翰.克里斯托弗•史密斯", "约翰·克里斯托弗·史密斯");
    check("买买提 · 艾力", "买买提·艾力");
    check("买买提 • 艾力", "买买提·艾力");
}

#[test]
fn rare_characters_are_valid() {
    check("刘䶮", "刘䶮"); // U+4DAE, Extension A
    check("䶮", "䶮");
    check("𠀀", "𠀀"); // U+20000, Extension B
    check("王𠀀", "王𠀀");
    check("李𪜀", "李𪜀"); // U+2A700, Extension C
    check("李𫝀", "李𫝀"); // U+2B740, Extension D
    check("李𫠠", "李𫠠"); // U+2B820, Extension E
    check("李𬺰", "李𬺰"); // U+2CEB0, Extension F
    check("李\u{30000}", "李\u{30000}"); // Extension G
    check("李\u{31350}", "李\u{31350}"); // Extension H
    check("李\u{2EBF0}", "李\u{2EBF0}"); // Extension I
    check("李\u{2EE5D}", "李\u{2EE5D}"); // last of Extension I
    check("李\u{323B0}", "李\u{323B0}"); // Extension J
    check("李\u{9FFF}", "李\u{9FFF}");
}

#[test]
fn compatibility_ideographs_are_kept() {
    check("李\u{F900}", "李\u{F900}"); // 豈, NFC would make it U+8C48
    check("\u{FA0C}\u{FA0D}", "\u{FA0C}\u{FA0D}"); // 兀 嗀, distinct GB 18030 characters
    check("李\u{FA0E}", "李\u{FA0E}"); // no decomposition at all
    check("李\u{2F800}", "李\u{2F800}"); // supplement
    check(" 李\u{F900} ", "李\u{F900}");
    check("李\u{F900}·王", "李\u{F900}·王");
}

#[test]
fn whitespace_is_trimmed_and_removed_from_chinese_names() {
    check(" 张三 ", "张三");
    check("\u{3000}张三\u{3000}", "张三");
    check("\t张三\n", "张三");
    check("\u{A0}张三\u{2003}", "张三");
    check("张 三", "张三");
    check("张\u{3000}三", "张三");
    check("欧阳  娜娜", "欧阳娜娜");
    check("张\u{A0}三", "张三");
}

#[test]
fn invisible_characters_are_removed() {
    check("张\u{200B}三", "张三");
    check("\u{FEFF}张三", "张三");
    check("张三\u{200D}", "张三");
    check("张\u{200C}三", "张三");
    check("张\u{2060}三", "张三");
    check("\u{200B} 张三", "张三");
    check("张\u{FE00}三", "张三");
    check("葛\u{E0100}优", "葛优");
    check("Jo\u{200B}hn", "John");
}

#[test]
fn separators_must_separate() {
    check("·艾力", "!separator@1");
    check("艾力·", "!separator@3");
    check("买买提··艾力", "!separator@5");
    check("买买提.•艾力", "!separator@5");
    check("买买提 · · 艾力", "!separator@5");
    check(".买买提", "!separator@1");
    check("买买提。", "!invalid_character@4");
}

#[test]
fn digits_are_refused() {
    check("张三1", "!digit@3");
    check("张1三", "!digit@2");
    check("张三１", "!digit@3"); // full-width digit
    check("张三②", "!digit@3");
    check("张〡", "!digit@2"); // Hangzhou numeral
    check("123", "!digit@1");
    check("John 3rd", "!digit@6");
    check("John Ⅻ", "!digit@6"); // Roman numeral
}

#[test]
fn punctuation_symbols_and_emoji_are_refused() {
    check("张😀", "!invalid_character@2");
    check("张三😀", "!invalid_character@3");
    check("😀", "!invalid_character@1");
    check("张三!", "!invalid_character@3");
    check("张-三", "!invalid_character@2");
    check("张'三", "!invalid_character@2");
    check("张（三）", "!invalid_character@2");
    check("张三\u{0}", "!invalid_character@3");
    check("张\u{301}", "!invalid_character@2");
    check("张〆", "!invalid_character@2");
    check("张ー", "!invalid_character@2");
    check("张\u{2FF0}", "!invalid_character@2"); // ideographic description character
    check("张\u{31C0}", "!invalid_character@2"); // CJK stroke
    check("张\u{16FE2}", "!invalid_character@2"); // old Chinese hook mark
    check("张\u{16FF0}", "!invalid_character@2"); // Vietnamese alternate reading mark
    check("John😀", "!invalid_character@5");
    check("John_Smith", "!invalid_character@5");
    check("John·Smith", "!invalid_character@5");
    check("Иван", "!invalid_character@1");
    check("ﬁona", "!invalid_character@1"); // ligature
    check("ªna", "!invalid_character@1");
    check("\u{301}a", "!invalid_character@1");
}

#[test]
fn radicals_are_refused() {
    check("王⼩明", "!radical@2"); // U+2F29 KANGXI RADICAL SMALL
    check("⼈", "!radical@1");
    check("⺟亲", "!radical@1"); // U+2E9F CJK RADICAL MOTHER
    check("张⺅", "!radical@2"); // U+2E85, no compatibility decomposition
    assert!(matches!(
        parse("王⼩明"),
        Err(NameError::Radical {
            suggestion: Some('小'),
            ..
        })
    ));
    assert!(matches!(
        parse("张⺅"),
        Err(NameError::Radical {
            suggestion: None,
            ..
        })
    ));
}

#[test]
fn mixed_scripts_are_refused() {
    check("张三John", "!mixed_script@3");
    check("John张三", "!mixed_script@1");
    check("约翰·Smith", "!mixed_script@4");
    check("张Ａ", "!mixed_script@2");
    check("佐藤さくら", "!mixed_script@3");
    check("김철수王", "!mixed_script@1");
    check("Ivan Иванов", "!mixed_script@6");
    check("Ivan Ivanοv", "!mixed_script@10"); // Greek omicron
}

#[test]
fn latin_names() {
    check("John O'Neil-Smith", "John O'Neil-Smith");
    check("José Müller", "José Müller");
    check("J. R. R. Tolkien", "J. R. R. Tolkien");
    check("Martin Luther King Jr.", "Martin Luther King Jr.");
    check("ANNA-LENA MÜLLER", "ANNA-LENA MÜLLER");
    check("Søren Kierkegaard", "Søren Kierkegaard");
    check("Łukasz Żółć", "Łukasz Żółć");
    check("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai");
    check("Straße", "Straße");
    check("X", "X");
    check("  John   Smith  ", "John Smith");
    check("John\tSmith", "John Smith");
    check("John\u{3000}Smith", "John Smith");
    check("O’Neil", "O'Neil");
    check("Mary‐Jane", "Mary-Jane");
    check("Ｊｏｈｎ Ｓｍｉｔｈ", "John Smith");
    check("Ｊ．Ｓｍｉｔｈ", "J.Smith");
    check("Ọlá\u{301}", "Ọlá\u{301}"); // accent NFC cannot compose onto á
    check("-John", "!separator@1");
    check("'John", "!separator@1");
    check(".John", "!separator@1");
    check("- -", "!separator@1");
}

#[test]
fn nfd_input_is_composed() {
    check("Jose\u{301}", "José");
    check("Jose\u{301} Mu\u{308}ller", "José Müller");
    check("Nguye\u{302}\u{303}n", "Nguyễn");
    check("e\u{200B}\u{301}", "é");
    changes("Jose\u{301}", &["nfc"]);
}

#[test]
fn empty_inputs() {
    check("", "!empty");
    check(" ", "!empty");
    check("\u{3000}\u{3000}", "!empty");
    check("\u{200B}\u{FEFF}", "!empty");
    check(" \u{200B} \u{FE0F} ", "!empty");
}

#[test]
fn length_limit_is_fifty_characters() {
    check(&"张".repeat(50), &"张".repeat(50));
    check(&"张".repeat(51), "!too_long");
    check(&format!(" {} ", "张".repeat(50)), &"张".repeat(50));
    check(&"张 ".repeat(50), &"张".repeat(50)); // spaces removed before counting
    let dotted = format!("{}·{}", "阿".repeat(24), "阿".repeat(25));
    check(&dotted, &dotted);
    check(
        &format!("{}·{}", "阿".repeat(25), "阿".repeat(25)),
        "!too_long",
    );
    check(&"𠀀".repeat(50), &"𠀀".repeat(50)); // characters, not bytes or UTF-16 units
    check(&"a".repeat(50), &"a".repeat(50));
    check(&"a".repeat(51), "!too_long");
    check(&"张".repeat(10_000), "!too_long");
    assert_eq!(
        parse(&"张".repeat(51)),
        Err(NameError::TooLong { chars: 51, max: 50 })
    );
}

#[test]
fn recorded_changes() {
    changes("张三", &[]);
    changes(" 张三", &["trimmed"]);
    changes(
        "\u{200B}张 三\u{3000}",
        &["zero_width_removed", "trimmed", "inner_space_removed"],
    );
    changes("张\u{FE01}三", &["variation_selector_removed"]);
    changes("买买提•艾力", &["dot_mapped"]);
    changes("买买提·艾力", &[]);
    changes("买买提\u{0387}艾力", &["dot_mapped"]);
    changes("John  Smith", &["space_collapsed"]);
    changes("John\u{A0}Smith", &["space_collapsed"]);
    changes("John Smith", &[]);
    changes("Ｊｏｈｎ", &["full_width_folded"]);
    changes("O’Neil", &["punctuation_mapped"]);
    changes(
        "\u{FEFF} Ｏ’Ne\u{301}il  Smith ",
        &[
            "zero_width_removed",
            "trimmed",
            "space_collapsed",
            "full_width_folded",
            "punctuation_mapped",
            "nfc",
        ],
    );
}

#[test]
fn recorded_warnings() {
    warnings("张三", &[]);
    warnings("琦", &["single_character"]);
    warnings("X", &["single_character"]);
    warnings("John Smith", &["contains_space"]);
    warnings("刘䶮", &["rare_character"]);
    warnings("王𠀀", &["rare_character"]);
    warnings("李\u{F900}", &["rare_character"]);
    warnings("李〇", &[]);
    warnings("𠀀", &["single_character", "rare_character"]);
}

#[test]
fn accessors() {
    let name = parse("买买提•艾力").expect("valid");
    assert_eq!(name.script(), NameScript::Han);
    assert_eq!(name.char_count(), 6);
    assert!(!name.has_space());
    assert_eq!(name.masked(), "买*****");
    let latin = parse("José Müller").expect("valid");
    assert_eq!(latin.script(), NameScript::Latin);
    assert!(latin.has_space());
    assert_eq!(latin.char_count(), 11);
    assert_eq!("张三".parse::<Name>(), parse("张三"));
}

#[test]
fn debug_and_display_show_only_the_masked_name() {
    let name = parse("欧阳娜娜").expect("valid");
    assert_eq!(format!("{name}"), "欧***");
    assert_eq!(format!("{name:?}"), "Name(\"欧***\")");
    assert_eq!(format!("{name:#?}"), "Name(\n    \"欧***\",\n)");
    let latin = parse("John Smith").expect("valid");
    assert_eq!(latin.to_string(), "J*********");
    assert!(!format!("{latin:?}").contains("Smith"));
}

#[test]
fn error_messages() {
    let msg = |input: &str| parse(input).map(|_| ()).unwrap_err().to_string();
    assert_eq!(msg(""), "the name is empty");
    assert_eq!(
        msg("张三1"),
        "character 3 (U+0031) is a digit; a name has no digits"
    );
    assert_eq!(
        msg(&"张".repeat(51)),
        "the name has 51 characters; at most 50 are allowed"
    );
    assert_eq!(
        msg("张三!"),
        "character 3 (U+0021) is not allowed in a Chinese name"
    );
    assert_eq!(
        msg("John!"),
        "character 5 (U+0021) is not allowed in a Latin name"
    );
    assert_eq!(
        msg("张三A"),
        "character 3 (U+0041) is a letter of another script; a Chinese name cannot mix scripts"
    );
    assert_eq!(
        msg("·艾力"),
        "character 1: the name starts with a separator"
    );
    assert_eq!(msg("艾力·"), "character 3: the name ends with a separator");
    assert_eq!(msg("艾··力"), "character 3: two separators in a row");
    assert_eq!(
        msg("⼈"),
        "character 1 (U+2F08) is a Kangxi radical, not an ideograph; use U+4EBA instead"
    );
    assert_eq!(
        msg("张⺅"),
        "character 2 (U+2E85) is a CJK radical, not an ideograph"
    );
    let err: Box<dyn std::error::Error> = Box::new(NameError::Empty);
    assert_eq!(err.to_string(), "the name is empty");
}

#[test]
fn codes_are_stable_and_round_trip() {
    let reasons = [
        (NameError::Empty, "empty"),
        (NameError::TooLong { chars: 51, max: 50 }, "too_long"),
        (
            NameError::InvalidCharacter {
                position: 1,
                character: '!',
                script: NameScript::Han,
            },
            "invalid_character",
        ),
        (
            NameError::MixedScript {
                position: 1,
                character: 'a',
                script: NameScript::Han,
            },
            "mixed_script",
        ),
        (
            NameError::Separator {
                position: 1,
                issue: SeparatorIssue::Leading,
            },
            "separator",
        ),
        (
            NameError::Radical {
                position: 1,
                character: '⼈',
                suggestion: None,
            },
            "radical",
        ),
        (
            NameError::Digit {
                position: 1,
                character: '1',
            },
            "digit",
        ),
    ];
    for (err, code) in reasons {
        assert_eq!(err.reason(), code);
    }
    for s in NameScript::ALL {
        assert_eq!(NameScript::from_code(s.code()), Some(s));
        assert_eq!(s.to_string(), s.code());
    }
    for w in NameWarning::ALL {
        assert_eq!(NameWarning::from_code(w.code()), Some(w));
        assert!(!w.to_string().is_empty());
    }
    for c in NameChange::ALL {
        assert_eq!(NameChange::from_code(c.code()), Some(c));
        assert!(!c.to_string().is_empty());
    }
    for code in NameChange::ALL.iter().map(|c| c.code()) {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code}"
        );
    }
    assert_eq!(SeparatorIssue::Trailing.code(), "trailing");
}

#[test]
fn unicode_script_knows_the_newest_extensions() {
    use unicode_script::UnicodeScript;
    for c in [
        '\u{2EBF0}',
        '\u{2EE5D}',
        '\u{30000}',
        '\u{3134A}',
        '\u{31350}',
        '\u{323AF}',
        '\u{4DAE}',
        '\u{3007}',
    ] {
        assert_eq!(c.script(), Script::Han, "U+{:04X}", u32::from(c));
    }
    assert!(unicode_script::UNICODE_VERSION >= (15, 1, 0));
}

/// Characters that exercise every normalization and validation branch.
fn interesting_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '张',
        '三',
        '欧',
        '阳',
        '䶮',
        '𠀀',
        '\u{2EBF0}',
        '\u{30000}',
        '\u{F900}',
        '\u{FA0C}',
        '\u{2F800}',
        '〇',
        '·',
        '•',
        '・',
        '･',
        '．',
        '.',
        '‧',
        '∙',
        '⋅',
        '\u{387}',
        ' ',
        '\u{3000}',
        '\u{A0}',
        '\t',
        '\u{200B}',
        '\u{200D}',
        '\u{FEFF}',
        '\u{FE00}',
        '\u{E0100}',
        'a',
        'J',
        'o',
        'h',
        'n',
        'é',
        'e',
        '\u{301}',
        '\u{308}',
        '\u{302}',
        '-',
        '\'',
        '’',
        'Ｊ',
        '１',
        '1',
        '⼈',
        '⺅',
        '〡',
        '😀',
        '!',
        'И',
        'ﬁ',
        'ª',
        '\u{0}',
    ])
}

/// Han characters for generated names: common ones, a compound surname, rare ones (extensions
/// A, B, E, G, I), compatibility ideographs (kept as written) and 〇.
const NAME_HAN: [char; 17] = [
    '张',
    '三',
    '欧',
    '阳',
    '李',
    '买',
    '提',
    '艾',
    '力',
    '䶮',
    '𠀀',
    '\u{2EBF0}',
    '\u{30000}',
    '\u{F900}',
    '\u{FA0C}',
    '\u{2F800}',
    '〇',
];

/// The separator of a Chinese name as people type it: `·` and every look-alike dot.
const NAME_DOTS: [char; 10] = ['·', '•', '・', '･', '．', '.', '‧', '∙', '⋅', '\u{387}'];

/// What normalization removes: zero-width characters and variation selectors.
const NAME_INVISIBLE: [char; 6] = [
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{FEFF}',
    '\u{FE00}',
    '\u{E0100}',
];

/// Whitespace trimmed around any name and removed inside a Chinese one.
const NAME_SPACES: [char; 4] = [' ', '\u{3000}', '\u{A0}', '\t'];

/// One noise character (or none) for each position of a generated name.
fn noise(chars: &'static [char]) -> impl Strategy<Value = Vec<Option<char>>> {
    prop::collection::vec(
        prop::option::weighted(0.15, prop::sample::select(chars)),
        MAX_CHARS + 2,
    )
}

/// `clean` with `noise[i]` inserted before its `i`-th character (and at its end).
fn with_noise(clean: &[char], noise: &[Option<char>]) -> String {
    let mut out = String::new();
    for (i, c) in clean.iter().enumerate() {
        out.extend(noise.get(i).copied().flatten());
        out.push(*c);
    }
    out.extend(noise.get(clean.len()).copied().flatten());
    out
}

/// A Chinese name as it may be typed, and its normalized form: 1–4 parts of 1–6 Han
/// characters joined by any look-alike dot, with whitespace and invisible characters
/// anywhere. Every one is valid.
fn typed_han_name() -> impl Strategy<Value = (String, String)> {
    let part = prop::collection::vec(prop::sample::select(&NAME_HAN[..]), 1..=6);
    (
        prop::collection::vec(part, 1..=4),
        prop::collection::vec(prop::sample::select(&NAME_DOTS[..]), 3),
        noise(&NAME_INVISIBLE),
        noise(&NAME_SPACES),
    )
        .prop_map(|(parts, dots, invisible, spaces)| {
            let (mut typed, mut normal) = (Vec::new(), String::new());
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    typed.push(dots[i - 1]);
                    normal.push(SEPARATOR);
                }
                typed.extend(part);
                normal.extend(part);
            }
            let typed = with_noise(&typed, &spaces);
            let typed: Vec<char> = typed.chars().collect();
            (with_noise(&typed, &invisible), normal)
        })
}

/// Latin letters for generated names, as typed and as normalized (full-width forms fold).
const NAME_LETTERS: [(char, char); 11] = [
    ('a', 'a'),
    ('J', 'J'),
    ('o', 'o'),
    ('h', 'h'),
    ('n', 'n'),
    ('e', 'e'),
    ('é', 'é'),
    ('Ü', 'Ü'),
    ('ø', 'ø'),
    ('Ｊ', 'J'),
    ('ｏ', 'o'),
];

/// Combining accents that may follow a letter (NFC composes some of them with it).
const NAME_ACCENTS: [char; 3] = ['\u{301}', '\u{308}', '\u{302}'];

/// Separators between the words of a Latin name, as typed and as normalized.
const NAME_LATIN_SEPARATORS: [(&str, &str); 10] = [
    (" ", " "),
    ("  ", " "),
    ("\u{3000}", " "),
    ("\t", " "),
    ("-", "-"),
    ("\u{2010}", "-"),
    ("'", "'"),
    ("\u{2019}", "'"),
    (".", "."),
    (". ", ". "),
];

/// A Latin name as it may be typed, and its normalized form: 1–3 words of 1–7 letters, each
/// perhaps followed by a combining accent, joined by spaces, hyphens, apostrophes or dots
/// in any typed form, with whitespace around and invisible characters anywhere. Every one is
/// valid.
fn typed_latin_name() -> impl Strategy<Value = (String, String)> {
    let letter = (
        prop::sample::select(&NAME_LETTERS[..]),
        prop::option::weighted(0.2, prop::sample::select(&NAME_ACCENTS[..])),
    );
    let word = prop::collection::vec(letter, 1..=7);
    (
        prop::collection::vec(word, 1..=3),
        prop::collection::vec(prop::sample::select(&NAME_LATIN_SEPARATORS[..]), 2),
        noise(&NAME_INVISIBLE),
        prop::sample::select(&NAME_SPACES[..]),
        any::<(bool, bool)>(),
    )
        .prop_map(|(words, separators, invisible, space, (before, after))| {
            let (mut typed, mut normal) = (Vec::new(), String::new());
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    typed.extend(separators[i - 1].0.chars());
                    normal.push_str(separators[i - 1].1);
                }
                for &((as_typed, normalized), accent) in word {
                    typed.push(as_typed);
                    normal.push(normalized);
                    typed.extend(accent);
                    normal.extend(accent);
                }
            }
            let mut typed = with_noise(&typed, &invisible);
            if before {
                typed.insert(0, space);
            }
            if after {
                typed.push(space);
            }
            (typed, normal.nfc().collect())
        })
}

/// Checks that `name`, parsed from `input`, parses again to itself with nothing changed.
fn assert_idempotent(input: &str, name: &Name) -> Result<(), TestCaseError> {
    let again = parse(name.expose());
    prop_assert!(again.is_ok(), "{:?} -> {:?}", input, name.expose());
    if let Ok(again) = again {
        prop_assert_eq!(again.expose(), name.expose());
        prop_assert!(again.changes().is_empty());
        prop_assert_eq!(again.warnings(), name.warnings());
        prop_assert_eq!(again.script(), name.script());
        prop_assert!(name.char_count() <= MAX_CHARS);
    }
    Ok(())
}

proptest! {
    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_interesting_input(
        chars in prop::collection::vec(interesting_char(), 0..60)
    ) {
        let s: String = chars.into_iter().collect();
        let _ = parse(&s);
    }

    /// Every case is a valid name, typed with the noise normalization removes: it parses to
    /// the expected normal form, which parses again to itself.
    #[test]
    fn parse_is_idempotent(
        (input, normal) in prop_oneof![typed_han_name(), typed_latin_name()]
    ) {
        let name = parse(&input);
        prop_assert!(name.is_ok(), "{:?}: {:?}", input, name);
        if let Ok(name) = name {
            prop_assert_eq!(name.expose(), normal.as_str(), "{:?}", input);
            prop_assert_eq!(name.is_changed(), input != normal, "{:?}", input);
            assert_idempotent(&input, &name)?;
        }
    }

    /// The same on any mix of the interesting characters (most such inputs are refused;
    /// those that parse must be idempotent too).
    #[test]
    fn parse_is_idempotent_on_interesting_input(
        chars in prop::collection::vec(interesting_char(), 0..60)
    ) {
        let s: String = chars.into_iter().collect();
        if let Ok(name) = parse(&s) {
            assert_idempotent(&s, &name)?;
        }
    }

    #[test]
    fn parse_is_idempotent_on_arbitrary_strings(s in any::<String>()) {
        if let Ok(name) = parse(&s) {
            let again = parse(name.expose());
            prop_assert_eq!(again.as_ref().map(Name::expose), Ok(name.expose()));
        }
    }

    #[test]
    fn han_names_round_trip(chars in prop::collection::vec(
        prop::sample::select(vec!['张', '三', '䶮', '𠀀', '\u{F900}', '〇']), 1..=MAX_CHARS)
    ) {
        let s: String = chars.into_iter().collect();
        let name = parse(&s);
        prop_assert_eq!(name.as_ref().map(Name::expose), Ok(s.as_str()));
        if let Ok(name) = name {
            prop_assert!(name.changes().is_empty());
            let shown = format!("{name:?}{name}");
            prop_assert!(s.chars().count() < 2 || !shown.contains(&s));
        }
    }

    #[test]
    fn errors_never_show_the_input(s in "[张三李四a-z!·. ]{2,60}") {
        if let Err(err) = parse(&s) {
            let shown = format!("{err} {err:?}");
            let trimmed = s.trim();
            prop_assert!(trimmed.chars().count() < 2 || !shown.contains(trimmed));
        }
    }
}

#[test]
fn the_script_fast_path_agrees_with_the_unicode_tables() {
    use unicode_script::UnicodeScript;
    for c in ('\u{0}'..='\u{7F}').chain('\u{4E00}'..='\u{9FFF}') {
        assert_eq!(super::script_of(c), c.script(), "U+{:04X}", c as u32);
    }
}
