//! `shiming check` through the real binary: interface, JSON fields, exit codes, batch mode.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const TODAY: &str = "2026-11-23";

fn shiming(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiming"))
        .args(args)
        .output()
        .expect("run shiming")
}

fn shiming_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shiming"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn shiming");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("UTF-8 stdout")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn id_json(value: &str, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["check", "id-card", value, "--json", "--today", TODAY];
    args.extend_from_slice(extra);
    let out = shiming(&args);
    let mut objects = json_lines(&out);
    assert_eq!(objects.len(), 1, "{out:?}");
    (objects.remove(0), out.status.code().expect("exit code"))
}

fn temp_file(name: &str, content: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

#[test]
fn valid_resident_number_as_json() {
    let (v, code) = id_json("11010519491231002X", &[]);
    assert_eq!(code, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], Value::Null);
    assert_eq!(v["kind"], "resident");
    assert_eq!(v["birth_date"], "1949-12-31");
    assert_eq!(v["sex"], "female");
    assert_eq!(v["age"], 76);
    assert_eq!(v["region"]["code"], "110105");
    assert_eq!(v["region"]["province"], "北京市");
    assert_eq!(v["region"]["county"], "朝阳区");
    assert_eq!(v["region"]["status"], "in_force");
    assert_eq!(v["warnings"], serde_json::json!([]));
    assert!(v.get("line").is_none(), "no line number outside batch mode");
}

#[test]
fn every_invalid_reason_and_its_exit_code() {
    for (input, reason, extra) in [
        ("1101051949", "length", &[][..]),
        ("1101051949123100XX", "format", &[]),
        ("110105194912310021", "checksum", &[]),
        ("110105202612310025", "birth_date", &[]),
        ("110103201503071232", "region", &["--strict"]),
    ] {
        let (v, code) = id_json(input, extra);
        assert_eq!(code, 1, "{input}");
        assert_eq!(v["valid"], false, "{input}");
        assert_eq!(v["reason"], reason, "{input}");
        let message = v["message"].as_str().expect("message");
        assert!(
            !message.contains(input),
            "message echoes the input: {message}"
        );
    }
}

#[test]
fn region_problems_are_warnings_unless_strict() {
    let (v, code) = id_json("110103201503071232", &[]);
    assert_eq!(code, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(
        v["warnings"],
        serde_json::json!(["region_abolished_before_birth"])
    );
    assert_eq!(v["region"]["county"], "崇文区");
    assert_eq!(v["region"]["current"]["code"], "110101");
    assert_eq!(v["region"]["current"]["name"], "东城区");
}

#[test]
fn today_decides_future_birth_dates() {
    let (v, _) = id_json("110105202612310025", &[]);
    assert_eq!(v["detail"], "after_today");
    let out = shiming(&[
        "check",
        "id-card",
        "110105202612310025",
        "--today",
        "2027-01-01",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out)[0]["age"], 0);
}

#[test]
fn other_kinds_are_detected() {
    let (v, _) = id_json("110105491231002", &[]);
    assert_eq!(v["kind"], "resident15");
    assert_eq!(v["upgraded"], "11010519491231002X");
    let (v, _) = id_json("830000197510010177", &[]);
    assert_eq!(v["kind"], "taiwan_permit");
    let (v, _) = id_json("944410199202290085", &[]);
    assert_eq!(v["kind"], "foreign_permanent");
    assert_eq!(v["edition"], 2023);
    assert_eq!(v["nationality"]["alpha3"], "KOR");
}

#[test]
fn mobile_json_fields() {
    let out = shiming(&["check", "mobile", "+86 138-0013-8000", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalized"], "13800138000");
    assert_eq!(v["carrier"], "china_mobile");
    assert_eq!(v["virtual"], false);
    assert_eq!(v["kind"], "personal");

    let out = shiming(&["check", "mobile", "17001234567", "--json"]);
    let v = &json_lines(&out)[0];
    assert_eq!(
        (v["carrier"].as_str(), v["virtual"].as_bool()),
        (Some("china_telecom"), Some(true))
    );

    let out = shiming(&["check", "mobile", "15412345678", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = &json_lines(&out)[0];
    assert_eq!(v["valid"], false);
    assert_eq!(v["carrier"], Value::Null);
    assert_eq!(v["reason"], "unallocated_segment");
}

#[test]
fn name_json_fields() {
    let out = shiming(&["check", "name", " 买买提•艾力 ", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalized"], "买买提·艾力");
    assert_eq!(v["reason"], Value::Null);

    let out = shiming(&["check", "name", "䶮", "--json"]);
    assert_eq!(out.status.code(), Some(0), "䶮 is a valid name character");

    let out = shiming(&["check", "name", "张3", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["reason"], "digit");
}

#[test]
fn batch_mode_numbers_lines_survives_bad_utf8_and_summarizes() {
    let input = b"11010519491231002X\n\xff\xfe\r\n110105194912310021\r\n\n110105491231002";
    let path = temp_file("batch.txt", input);
    let out = shiming(&[
        "check",
        "id-card",
        "--file",
        path.to_str().unwrap(),
        "--json",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let rows = json_lines(&out);
    let summary: Vec<_> = rows
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap(),
                v["valid"].as_bool().unwrap(),
                v["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, true, None),
            (2, false, Some("format")),
            (3, false, Some("checksum")),
            (4, false, Some("length")),
            (5, true, None),
        ]
    );
    assert_eq!(rows[1]["detail"], "not_utf8");
    let stderr = String::from_utf8(out.stderr).unwrap();
    // The line is valid in neither encoding: read as UTF-8, and said so.
    let (notice, summary) = stderr.trim().split_once('\n').expect("two lines");
    assert!(notice.contains("reading it as UTF-8"), "{notice}");
    assert_eq!(summary, "5 lines checked: 2 valid, 3 invalid");
}

#[test]
fn batch_mode_reads_stdin_and_exits_zero_when_all_valid() {
    let out = shiming_stdin(
        &["check", "id-card", "--file", "-", "--today", TODAY],
        b"11010519491231002X\n110105491231002\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("第 1 行: 有效"), "{text}");
    assert!(text.contains("第 2 行: 有效"), "{text}");
}

#[test]
fn batch_mode_for_mobiles_and_names() {
    let out = shiming_stdin(
        &["check", "mobile", "--file", "-", "--json"],
        b"13800138000\n12345\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let rows = json_lines(&out);
    assert_eq!(rows[1]["line"], 2);
    assert_eq!(rows[1]["valid"], false);
    let out = shiming_stdin(
        &["check", "name", "--file", "-", "--json"],
        "张三\n欧阳娜娜\n".as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn usage_errors_exit_with_two() {
    for args in [
        &["check", "id-card"][..],
        &["check", "id-card", "11010519491231002X", "--file", "-"],
        &[
            "check",
            "id-card",
            "11010519491231002X",
            "--today",
            "2026-02-30",
        ],
        &[
            "check",
            "id-card",
            "--file",
            "/nonexistent/shiming-test-input",
        ],
        &["check", "passport", "E12345678"],
        &["check"],
    ] {
        let out = shiming(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}

#[test]
fn text_output_snapshot() {
    let input = "11010519491231002X\n110103201503071232\n110105491231002\n944410199202290085\n110105194912310021\n１１０１０５１９４９１２３１００２ｘ\n";
    let out = shiming_stdin(
        &["check", "id-card", "--file", "-", "--today", TODAY],
        input.as_bytes(),
    );
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}
