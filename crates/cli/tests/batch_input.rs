//! `shiming batch` with the files people actually have, through the real binary against a mock
//! market started in the test process: the `line` column is the physical line (or sheet row) of
//! each record for LF, CRLF, a byte-order mark, quoted fields over several lines, empty lines
//! and a last line without a line break — in normal runs, after `--resume` and in `--dry-run`;
//! GB18030 CSV files as Excel on Chinese Windows writes them; Excel workbooks; and an output
//! with a byte-order mark for Excel.
//!
//! Every run uses `--include-input`, and each output row's values are compared with the values
//! written on that physical line of the input: a row attributed to the wrong line fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket};

const REGISTRY: &str = include_str!("../../../fixtures/people.tsv");
const EXPECTED: &str = include_str!("../../../fixtures/batch/expected.tsv");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/batch")
        .join(name)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Person {
    name: String,
    id_card: String,
    mobile: String,
}

/// The registry's people with a mobile that is not virtual (vendors answer virtual mobiles
/// with no record), in file order.
fn people() -> Vec<Person> {
    REGISTRY
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let virtual_mobile = c
                .get(3)
                .is_some_and(|n| n.contains("mvno") || n.contains("virtual"));
            (c.len() == 4 && !c[2].is_empty() && !virtual_mobile).then(|| Person {
                name: c[0].to_string(),
                id_card: c[1].to_string(),
                mobile: c[2].to_string(),
            })
        })
        .collect()
}

fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("shiming-batch-input-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// `shiming batch --output out.csv --include-input` in `dir` against the mock.
fn batch(m: &MockHandle, dir: &Path, input: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shiming"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SHIMING_") {
            c.env_remove(name);
        }
    }
    c.current_dir(dir)
        .args([
            "batch",
            "--input",
            input,
            "--output",
            "out.csv",
            "--include-input",
        ])
        .args(["--endpoint", &m.url(), "--appcode", DEMO_APPCODE])
        .args(extra);
    c
}

fn run(mut command: Command) -> Output {
    command.output().expect("run shiming")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn received(m: &MockHandle) -> u64 {
    m.usage().iter().map(|u| u.received).sum()
}

/// One output row: the outcome and the input values it was written with.
#[derive(Debug, Clone)]
struct Result {
    outcome: String,
    message: String,
    person: Person,
}

/// The output file by line; a line twice is a failure.
fn results(path: &Path) -> BTreeMap<u64, Result> {
    let mut reader = csv::Reader::from_path(path).expect("open the output");
    let mut map = BTreeMap::new();
    for record in reader.records() {
        let r = record.expect("a well-formed output row");
        let f = |i: usize| r.get(i).expect("a field").to_string();
        let line: u64 = f(0).parse().expect("a line number");
        let outcome = if f(1).is_empty() { f(2) } else { f(1) };
        assert_eq!(f(10), "no", "line {line}: nothing here comes from a cache");
        let result = Result {
            outcome,
            message: f(9),
            person: Person {
                name: f(11),
                id_card: f(12),
                mobile: f(13),
            },
        };
        assert!(map.insert(line, result).is_none(), "line {line} twice");
    }
    map
}

/// How a test CSV is laid out.
#[derive(Debug, Clone, Copy)]
struct Layout {
    label: &'static str,
    ending: &'static str,
    bom: bool,
    /// Every third record has a quoted note over two lines.
    quoted_newlines: bool,
    /// An empty line before every fifth record.
    empty_lines: bool,
    /// The last record ends without a line break.
    no_final_break: bool,
}

const LAYOUTS: [Layout; 7] = [
    Layout {
        label: "lf",
        ending: "\n",
        bom: false,
        quoted_newlines: false,
        empty_lines: false,
        no_final_break: false,
    },
    Layout {
        label: "crlf",
        ending: "\r\n",
        bom: false,
        quoted_newlines: false,
        empty_lines: false,
        no_final_break: false,
    },
    Layout {
        label: "bom-crlf",
        ending: "\r\n",
        bom: true,
        quoted_newlines: false,
        empty_lines: false,
        no_final_break: false,
    },
    Layout {
        label: "quoted-lf",
        ending: "\n",
        bom: false,
        quoted_newlines: true,
        empty_lines: false,
        no_final_break: false,
    },
    Layout {
        label: "quoted-crlf",
        ending: "\r\n",
        bom: true,
        quoted_newlines: true,
        empty_lines: false,
        no_final_break: false,
    },
    Layout {
        label: "no-final-break",
        ending: "\r\n",
        bom: false,
        quoted_newlines: false,
        empty_lines: false,
        no_final_break: true,
    },
    Layout {
        label: "empty-lines",
        ending: "\r\n",
        bom: false,
        quoted_newlines: true,
        empty_lines: true,
        no_final_break: true,
    },
];

/// A test input: what is on each physical line, and what each record should come back as.
struct Written {
    /// The line each record starts on → the person and the expected outcome.
    expected: BTreeMap<u64, (Person, &'static str)>,
}

const RECORDS: usize = 24;

/// Writes `in.csv`: records alternate a person's own mobile (match) and another's (mismatch);
/// every seventh has a wrong check digit (refused locally).
fn write_layout(dir: &Path, layout: Layout) -> Written {
    let p = people();
    let e = layout.ending;
    let mut out = String::new();
    if layout.bom {
        out.push('\u{feff}');
    }
    out += &format!("name,id_card,mobile,note{e}");
    let mut line = 2u64;
    let mut expected = BTreeMap::new();
    for i in 0..RECORDS {
        if layout.empty_lines && i % 5 == 4 {
            out += e;
            line += 1;
        }
        let mut person = Person {
            mobile: if i % 2 == 0 {
                p[i].mobile.clone()
            } else {
                p[i + 40].mobile.clone()
            },
            ..p[i].clone()
        };
        let mut outcome = if i % 2 == 0 { "match" } else { "mismatch" };
        if i % 7 == 6 {
            let last = person.id_card.pop().expect("an ID number");
            person.id_card.push(if last == '0' { '1' } else { '0' });
            outcome = "invalid_input";
        }
        let note = if layout.quoted_newlines && i % 3 == 0 {
            format!("\"first{e}second, \"\"quoted\"\"\"")
        } else {
            "plain".to_string()
        };
        out += &format!(
            "{},{},{},{note}",
            person.name, person.id_card, person.mobile
        );
        if !(layout.no_final_break && i == RECORDS - 1) {
            out += e;
        }
        expected.insert(line, (person, outcome));
        line += 1 + note.matches('\n').count() as u64;
    }
    std::fs::write(dir.join("in.csv"), out).expect("write the input");
    Written { expected }
}

fn assert_attributed(label: &str, written: &Written, got: &BTreeMap<u64, Result>) {
    let lines: Vec<u64> = got.keys().copied().collect();
    let want: Vec<u64> = written.expected.keys().copied().collect();
    assert_eq!(lines, want, "{label}: the output's lines");
    for (line, (person, outcome)) in &written.expected {
        let r = &got[line];
        assert_eq!(
            &r.person, person,
            "{label}: line {line} holds another person"
        );
        assert_eq!(r.outcome, *outcome, "{label}: line {line}: {}", r.message);
    }
}

/// The valid records of an input (the ones that may be sent).
fn valid(written: &Written) -> u64 {
    written
        .expected
        .values()
        .filter(|(_, o)| *o != "invalid_input")
        .count() as u64
}

#[test]
fn line_numbers_are_physical_lines_in_normal_runs() {
    for layout in LAYOUTS {
        let dir = scratch(&format!("normal-{}", layout.label));
        let m = MockMarket::start().expect("mock market");
        let written = write_layout(&dir, layout);
        let out = run(batch(&m, &dir, "in.csv", &[]));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_attributed(layout.label, &written, &results(&dir.join("out.csv")));
        assert_eq!(
            received(&m),
            valid(&written),
            "{}: invalid rows are never sent",
            layout.label
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn line_numbers_are_physical_lines_after_resume() {
    for layout in LAYOUTS {
        let dir = scratch(&format!("resume-{}", layout.label));
        let m = MockMarket::start().expect("mock market");
        let written = write_layout(&dir, layout);
        // One check at a time, and a budget that stops the run part of the way.
        let first = run(batch(
            &m,
            &dir,
            "in.csv",
            &["--concurrency", "1", "--budget", "1.5"],
        ));
        assert_eq!(first.status.code(), Some(3), "{}", text(&first.stderr));
        let partial = results(&dir.join("out.csv"));
        assert!(
            partial.len() > 2 && partial.len() < RECORDS,
            "{}: {} rows before the budget stopped it",
            layout.label,
            partial.len()
        );
        // The dry run of the resume sees exactly the finished rows as done.
        let dry = run(batch(&m, &dir, "in.csv", &["--resume", "--dry-run"]));
        let dry_text = text(&dry.stdout);
        assert!(
            dry_text.contains(&format!("{} rows are already done", partial.len())),
            "{}: {dry_text}",
            layout.label
        );
        let second = run(batch(&m, &dir, "in.csv", &["--resume"]));
        assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
        assert_attributed(layout.label, &written, &results(&dir.join("out.csv")));
        assert_eq!(
            received(&m),
            valid(&written),
            "{}: no row sent twice",
            layout.label
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn line_numbers_are_physical_lines_in_dry_runs() {
    for layout in LAYOUTS {
        let dir = scratch(&format!("dry-{}", layout.label));
        let m = MockMarket::start().expect("mock market");
        let written = write_layout(&dir, layout);
        let out = run(batch(&m, &dir, "in.csv", &["--dry-run"]));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let listed: Vec<u64> = text(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().strip_prefix("line "))
            .filter_map(|l| l.split(':').next()?.parse().ok())
            .collect();
        let invalid: Vec<u64> = written
            .expected
            .iter()
            .filter(|(_, (_, o))| *o == "invalid_input")
            .map(|(line, _)| *line)
            .collect();
        assert!(!invalid.is_empty());
        assert_eq!(listed, invalid, "{}: the invalid rows' lines", layout.label);
        assert_eq!(received(&m), 0);
        assert!(!dir.join("out.csv").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The expected outcomes of a fixture file (and sheet), from `fixtures/batch/expected.tsv`.
fn expected_of(file: &str, sheet: &str) -> BTreeMap<u64, String> {
    EXPECTED
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0] == file && c[1] == sheet)
                .then(|| (c[2].parse().expect("a line"), c[3].to_string()))
        })
        .collect()
}

/// Compares outcomes with `expected.tsv`'s: `kind` or `kind:words of the message`.
fn assert_outcomes(label: &str, expected: &BTreeMap<u64, String>, got: &BTreeMap<u64, Result>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{label}: lines"
    );
    for (line, want) in expected {
        let r = &got[line];
        let (kind, words) = want.split_once(':').unwrap_or((want, ""));
        assert_eq!(r.outcome, kind, "{label}: line {line}: {}", r.message);
        assert!(
            r.message.contains(words),
            "{label}: line {line}: {}",
            r.message
        );
    }
}

#[test]
fn a_gb18030_csv_from_excel_is_detected_and_checked() {
    let dir = scratch("gb18030");
    let m = MockMarket::start().expect("mock market");
    let input = fixture("people-gb18030.csv");
    let input = input.to_str().expect("a UTF-8 path");
    let out = run(batch(&m, &dir, input, &[]));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("reading it as GB18030"), "{err}");
    let expected = expected_of("people-gb18030.csv", "");
    let got = results(&dir.join("out.csv"));
    assert_outcomes("gb18030", &expected, &got);
    assert!(got
        .values()
        .any(|r| r.person.name.chars().all(|c| c > '\u{4e00}')));
    let sent = expected
        .values()
        .filter(|o| !o.starts_with("invalid"))
        .count() as u64;
    assert_eq!(received(&m), sent);

    // Read as UTF-8 on purpose: the Chinese header cannot be read, nothing starts.
    let _ = std::fs::remove_file(dir.join("out.csv"));
    let m = MockMarket::start().expect("mock market");
    let out = run(batch(&m, &dir, input, &["--encoding", "utf-8"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("header row is not valid UTF-8 (give --encoding gb18030"),
        "{err}"
    );
    // With an ASCII header, every GBK row is refused locally and none is sent.
    let p = people();
    let mut bytes = b"name,id_card,mobile\r\n".to_vec();
    for person in &p[..4] {
        let row = format!("{},{},{}\r\n", person.name, person.id_card, person.mobile);
        bytes.extend(encoding_rs::GB18030.encode(&row).0.iter());
    }
    std::fs::write(dir.join("gbk.csv"), bytes).expect("write");
    let out = run(batch(&m, &dir, "gbk.csv", &["--encoding", "utf-8"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = results(&dir.join("out.csv"));
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), [2, 3, 4, 5]);
    for r in got.values() {
        assert_eq!(r.outcome, "invalid_input");
        assert!(r.message.contains("not valid UTF-8"), "{}", r.message);
    }
    assert_eq!(received(&m), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_row_that_decodes_in_neither_encoding_is_refused_and_never_sent() {
    let dir = scratch("undecodable");
    let m = MockMarket::start().expect("mock market");
    let p = people();
    let mut bytes = "name,id_card,mobile\r\n".to_string().into_bytes();
    let gb = |s: &str| encoding_rs::GB18030.encode(s).0.into_owned();
    for person in &p[..3] {
        bytes.extend(gb(&format!(
            "{},{},{}\r\n",
            person.name, person.id_card, person.mobile
        )));
    }
    // 0x81 0x20: a GB18030 lead byte followed by a space is neither GB18030 nor UTF-8.
    bytes.extend_from_slice(b"\x81\x20,110105194912310021,13800138000\r\n");
    std::fs::write(dir.join("in.csv"), &bytes).expect("write");
    let out = run(batch(&m, &dir, "in.csv", &[]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = results(&dir.join("out.csv"));
    assert_eq!(got[&5].outcome, "invalid_input");
    assert_eq!(got[&5].message, "name is not valid GB18030");
    for line in 2..=4 {
        assert_eq!(got[&line].outcome, "match", "line {line}");
        assert_eq!(got[&line].person, p[line as usize - 2]);
    }
    assert_eq!(received(&m), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_excel_workbook_is_read_by_sheet_row() {
    let dir = scratch("xlsx");
    let m = MockMarket::start().expect("mock market");
    let input = fixture("people.xlsx");
    let input = input.to_str().expect("a UTF-8 path");
    let out = run(batch(&m, &dir, input, &[]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = expected_of("people.xlsx", "名单");
    let got = results(&dir.join("out.csv"));
    assert_outcomes("xlsx", &expected, &got);
    let numeric = got
        .values()
        .find(|r| r.message.contains("stored in the workbook as a number"))
        .expect("the numeric ID row");
    assert!(numeric.message.contains("E+17"), "{}", numeric.message);
    assert!(numeric.message.contains("Text"), "{}", numeric.message);
    assert!(
        numeric.person.id_card.is_empty(),
        "a lost number is not guessed at"
    );
    let sent = expected
        .values()
        .filter(|o| !o.starts_with("invalid"))
        .count() as u64;
    assert_eq!(received(&m), sent, "refused rows are never sent");

    // The second sheet, by name.
    std::fs::remove_file(dir.join("out.csv")).expect("remove");
    let out = run(batch(&m, &dir, input, &["--sheet", "第二批"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_outcomes(
        "second sheet",
        &expected_of("people.xlsx", "第二批"),
        &results(&dir.join("out.csv")),
    );
    // A sheet it does not have, and options that do not apply.
    std::fs::remove_file(dir.join("out.csv")).expect("remove");
    let out = run(batch(&m, &dir, input, &["--sheet", "Sheet9"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("名单, 第二批"),
        "{}",
        text(&out.stderr)
    );
    let out = run(batch(&m, &dir, input, &["--encoding", "gb18030"]));
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A workbook written here with gaps between rows: a budget stops the run, `--resume`
/// finishes it by sheet row, and no row is sent twice.
#[test]
fn a_workbook_resumes_by_sheet_row() {
    let dir = scratch("xlsx-resume");
    let m = MockMarket::start().expect("mock market");
    let p = people();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut expected = BTreeMap::new();
    for (column, title) in ["mobile", "name", "id_card"].iter().enumerate() {
        sheet
            .write_string(1, column as u16, *title)
            .expect("write the header");
    }
    let mut row = 2u32;
    for (i, person) in p.iter().take(20).enumerate() {
        row += u32::from(i % 4 == 3); // an empty row now and then
        sheet.write_string(row, 0, &person.mobile).expect("write");
        sheet.write_string(row, 1, &person.name).expect("write");
        sheet.write_string(row, 2, &person.id_card).expect("write");
        expected.insert(u64::from(row) + 1, person.clone());
        row += 1;
    }
    book.save(dir.join("in.xlsx")).expect("save the workbook");

    let first = run(batch(
        &m,
        &dir,
        "in.xlsx",
        &["--concurrency", "1", "--budget", "1.5"],
    ));
    assert_eq!(first.status.code(), Some(3), "{}", text(&first.stderr));
    let partial = results(&dir.join("out.csv")).len();
    assert!(partial > 2 && partial < 20, "{partial}");
    let second = run(batch(&m, &dir, "in.xlsx", &["--resume"]));
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let got = results(&dir.join("out.csv"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (line, person) in &expected {
        assert_eq!(&got[line].person, person, "row {line}");
        assert_eq!(got[line].outcome, "match", "row {line}");
    }
    assert_eq!(received(&m), 20, "no row sent twice");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_bom_makes_a_csv_excel_reads_as_utf8_and_survives_resume() {
    let dir = scratch("bom");
    let m = MockMarket::start().expect("mock market");
    let written = write_layout(&dir, LAYOUTS[1]);
    let first = run(batch(
        &m,
        &dir,
        "in.csv",
        &["--output-bom", "--concurrency", "1", "--budget", "1.5"],
    ));
    assert_eq!(first.status.code(), Some(3), "{}", text(&first.stderr));
    let second = run(batch(&m, &dir, "in.csv", &["--output-bom", "--resume"]));
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let bytes = std::fs::read(dir.join("out.csv")).expect("read the output");
    assert!(bytes.starts_with(b"\xef\xbb\xbfline,verdict,"));
    assert_eq!(
        bytes.windows(3).filter(|w| w == b"\xef\xbb\xbf").count(),
        1,
        "one byte-order mark, at the start"
    );
    assert_attributed("bom", &written, &results(&dir.join("out.csv")));
    // Without the option, no byte-order mark.
    std::fs::remove_file(dir.join("out.csv")).expect("remove");
    let out = run(batch(&m, &dir, "in.csv", &[]));
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read(dir.join("out.csv"))
        .expect("read")
        .starts_with(b"line,"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_file_reads_gb18030_lines() {
    let dir = scratch("check-gb");
    let gb = encoding_rs::GB18030
        .encode("陈思远\r\n欧阳娜娜\r\n")
        .0
        .into_owned();
    let path = dir.join("names.txt");
    std::fs::write(&path, gb).expect("write");
    let check = |extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shiming"));
        c.args(["check", "name", "--json", "--file"])
            .arg(&path)
            .args(extra);
        run(c)
    };
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("reading it as GB18030"));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\"normalized\":\"陈思远\""), "{stdout}");
    assert!(stdout.contains("\"normalized\":\"欧阳娜娜\""), "{stdout}");
    let out = check(&["--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("the line is not valid UTF-8"));
    let _ = std::fs::remove_dir_all(&dir);
}
