//! `shiming batch` through the real binary, against a mock market started in the test process:
//! kill and resume without losing or re-sending a row, torn output rows, invalid and malformed
//! input, dry runs, budgets, the QPS limit, personal data in the output, failover and quota.
//!
//! Money is checked with the mock's own counters: every row reaches the market at most once,
//! and every charge is accounted for by a `billed=yes` row or a `may_have_been_charged` row.
//! The kill-and-resume test checks it per line: every person in its input is told apart in
//! the mock's (masked) journal, so each request the market received is tied to its line and
//! each output row to its request id.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{JournalEntry, MarketConfig, MockHandle, MockMarket, Vendor};

/// The mock market's registry of synthetic people.
const REGISTRY: &str = include_str!("../../mock-market/fixtures/people.tsv");
const COLUMNS: &str =
    "line,verdict,error_kind,vendor,billed,cost,request_id,tried,detail,message,cached";

#[derive(Debug, Clone)]
struct Person {
    name: String,
    id_card: String,
    mobile: String,
}

/// The registry's people, in file order.
fn people() -> Vec<Person> {
    REGISTRY
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() == 4).then(|| Person {
                name: c[0].to_string(),
                id_card: c[1].to_string(),
                mobile: c[2].to_string(),
            })
        })
        .collect()
}

/// The registry's people with a mobile (three-element checks).
fn three_element() -> Vec<Person> {
    people()
        .into_iter()
        .filter(|p| !p.mobile.is_empty())
        .collect()
}

/// A fresh, empty directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("shiming-batch-test-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// Writes `in.csv` in `dir`: the header, then `rows` people (repeating `from` in order), with
/// CRLF line endings as Excel and Python's csv module write them.
fn write_people(dir: &Path, from: &[Person], rows: usize) -> PathBuf {
    let path = dir.join("in.csv");
    let file = std::fs::File::create(&path).expect("create the input");
    let mut w = std::io::BufWriter::new(file);
    w.write_all(b"name,id_card,mobile\r\n").expect("write");
    for p in from.iter().cycle().take(rows) {
        write!(w, "{},{},{}\r\n", p.name, p.id_card, p.mobile).expect("write");
    }
    w.flush().expect("flush");
    path
}

/// `rows` people, each told apart from every other by what the mock market's journal shows of
/// them (the first character of the name, the ID number's first four and last two
/// characters, the mobile's first three and last four): the registry's people in order, the
/// first character of the name replaced by one of 20,000 Han characters and the ID number's
/// sequence digit (its 17th) by a digit, with the check digit made right again. At most
/// 200,000 rows.
fn distinguishable_people(rows: usize) -> Vec<Person> {
    const HAN: u32 = 20_000;
    assert!(rows <= 10 * HAN as usize);
    let registry = people();
    (0..rows)
        .map(|i| {
            let p = &registry[i % registry.len()];
            let first = char::from_u32(0x4E00 + i as u32 % HAN).expect("a CJK ideograph");
            let name: String = std::iter::once(first)
                .chain(p.name.chars().skip(1))
                .collect();
            let mut id: [u8; 18] = p.id_card.as_bytes().try_into().expect("18 characters");
            id[16] = b'0' + (i / HAN as usize) as u8;
            let first17: &[u8; 17] = id[..17].try_into().expect("17 digits");
            id[17] = shiming_core::id_card::mod11_2_check(first17).expect("digits");
            Person {
                name,
                id_card: String::from_utf8(id.to_vec()).expect("ASCII"),
                mobile: p.mobile.clone(),
            }
        })
        .collect()
}

/// What the mock market's journal shows of a person: masked name, ID number and mobile.
type Shown = (String, String, String);

fn shown(p: &Person) -> Shown {
    use shiming_core::mask;
    let mobile = if p.mobile.is_empty() {
        String::new()
    } else {
        mask::mask_mobile(&p.mobile)
    };
    (mask::mask_name(&p.name), mask::mask_id(&p.id_card), mobile)
}

/// What a journal entry shows of the person checked, from its masked parameters (each
/// vendor's names for them).
fn shown_in(entry: &JournalEntry) -> Shown {
    let mut shown = Shown::default();
    for pair in entry.params.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "xm" | "name" => &mut shown.0,
            "sfz" | "idcard" | "idCard" => &mut shown.1,
            "mob" | "mobile" => &mut shown.2,
            _ => continue,
        };
        *slot = value.to_string();
    }
    shown
}

/// `shiming batch --input in.csv --output out.csv` in `dir` against the mock, with the
/// environment's `SHIMING_*` variables removed.
fn batch(m: &MockHandle, dir: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shiming"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SHIMING_") {
            c.env_remove(name);
        }
    }
    c.current_dir(dir)
        .args(["batch", "--input", "in.csv", "--output", "out.csv"])
        .args(["--endpoint", &m.url(), "--appcode", DEMO_APPCODE])
        .args(extra);
    c
}

fn run(mut command: Command) -> Output {
    command.output().expect("run shiming")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One output row.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    verdict: String,
    error_kind: String,
    vendor: String,
    billed: String,
    cost: String,
    request_id: String,
    tried: String,
    message: String,
    /// `yes` when the verdict came from the dedupe cache.
    cached: String,
    /// `name,id_card,mobile` with `--include-input`.
    input: Vec<String>,
}

/// Parses a whole output file strictly: one header, then rows of exactly as many fields.
fn read_rows(path: &Path) -> (Vec<String>, Vec<Row>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .expect("open the output");
    let header: Vec<String> = reader
        .headers()
        .expect("output header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a well-formed output row");
            let f = |i: usize| r.get(i).expect("field").to_string();
            Row {
                line: f(0).parse().expect("line number"),
                verdict: f(1),
                error_kind: f(2),
                vendor: f(3),
                billed: f(4),
                cost: f(5),
                request_id: f(6),
                tried: f(7),
                message: f(9),
                cached: f(10),
                input: (11..r.len()).map(f).collect(),
            }
        })
        .collect();
    (header, rows)
}

fn by_line(rows: &[Row]) -> BTreeMap<u64, Row> {
    let mut map = BTreeMap::new();
    for r in rows {
        assert!(
            map.insert(r.line, r.clone()).is_none(),
            "line {} twice",
            r.line
        );
    }
    map
}

fn total_received(m: &MockHandle) -> u64 {
    m.usage().iter().map(|u| u.received).sum()
}

fn total_charged(m: &MockHandle) -> u64 {
    m.usage().iter().map(|u| u.charged).sum()
}

/// The line numbers of the complete rows of a (possibly torn) output file, without the
/// header. Only for outputs without newlines inside fields.
fn finished_lines(path: &Path) -> BTreeSet<u64> {
    let bytes = std::fs::read(path).expect("read the output");
    let complete = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&bytes[..0], |i| &bytes[..=i]);
    String::from_utf8_lossy(complete)
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a row starting with its line number")
        })
        .collect()
}

/// The line numbers recorded in an in-flight journal (complete lines only).
fn journaled_lines(path: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |i| &text[..=i]);
    complete
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.parse().expect("a line number"))
        .collect()
}

/// What `--resume` must report as interrupted: journaled lines without a complete row.
fn expected_interrupted(dir: &Path) -> BTreeSet<u64> {
    let done = finished_lines(&dir.join("out.csv"));
    journaled_lines(&dir.join("out.csv.inflight"))
        .into_iter()
        .filter(|l| !done.contains(l))
        .collect()
}

fn count_newlines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Waits until `path` has at least `lines` lines, then kills the child (SIGKILL).
fn kill_after(mut child: Child, path: &Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            panic!(
                "shiming batch ended ({status}) before it could be killed; output has {} lines",
                count_newlines(path)
            );
        }
        if count_newlines(path) >= lines {
            break;
        }
        assert!(Instant::now() < deadline, "no progress in the output");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill shiming");
    child.wait().expect("reap shiming");
}

/// The lines listed on stderr as "may have been charged … line(s) a, b, c".
fn listed_interrupted(stderr: &str) -> Option<(usize, Vec<u64>)> {
    let line = stderr
        .lines()
        .find(|l| l.contains("may have been charged without an answer"))?;
    let count = line.split_whitespace().next()?.parse().ok()?;
    let list = line.split("line(s) ").nth(1)?;
    let list = list.split(" (").next()?;
    let lines = list
        .split(", ")
        .filter(|s| *s != "…")
        .map(|s| s.parse().expect("a listed line number"))
        .collect();
    Some((count, lines))
}

const ROWS: usize = 100_000;

/// The key property: a batch killed twice (SIGKILL) and resumed finishes with every input
/// line exactly once, never sends a row twice — checked line by line against the market's
/// journal — and accounts for every charge.
#[test]
fn killed_twice_and_resumed_every_row_once_and_no_double_charge() {
    let dir = scratch("kill");
    // The journal keeps every request of the three runs, so that each can be tied to its line.
    let journal_capacity = 2 * ROWS;
    let m = MockMarket::builder()
        .config(MarketConfig {
            journal_capacity,
            ..MarketConfig::default()
        })
        .start()
        .expect("mock market");
    let input = distinguishable_people(ROWS);
    write_people(&dir, &input, ROWS);
    let out = dir.join("out.csv");
    let journal = dir.join("out.csv.inflight");
    let spawn = |extra: &[&str]| {
        let mut c = batch(&m, &dir, &["--concurrency", "64"]);
        c.args(extra).stdout(Stdio::null()).stderr(Stdio::null());
        c.spawn().expect("spawn shiming")
    };

    // First run: killed after 20,000 rows.
    kill_after(spawn(&[]), &out, 20_000);
    assert!(journal.exists(), "a killed run leaves its journal");
    // Simulate a kill in the middle of writing the last row: cut it in half.
    let bytes = std::fs::read(&out).expect("read the output");
    let torn_line = if bytes.ends_with(b"\n") {
        let start = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let row = &bytes[start..];
        let line: u64 = String::from_utf8_lossy(row)
            .split(',')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("the last row's line number");
        let mut torn = bytes[..start].to_vec();
        torn.extend_from_slice(&row[..row.len() / 2]);
        std::fs::write(&out, torn).expect("tear the last row");
        Some(line)
    } else {
        None
    };
    let first_interrupted = expected_interrupted(&dir);
    if let Some(line) = torn_line {
        assert!(
            first_interrupted.contains(&line),
            "the torn row {line} was sent, so it is in the journal"
        );
    }

    // First resume: killed again after 50,000 lines.
    kill_after(spawn(&["--resume"]), &out, 50_000);
    let second_interrupted = expected_interrupted(&dir);

    // Second resume: to the end.
    let done = run({
        let mut c = batch(&m, &dir, &["--concurrency", "64", "--resume"]);
        c.stdin(Stdio::null());
        c
    });
    let err = stderr(&done);
    assert_eq!(
        done.status.code(),
        Some(if second_interrupted.is_empty() { 0 } else { 3 }),
        "{err}"
    );
    assert!(!journal.exists(), "a finished run removes its journal");
    if second_interrupted.is_empty() {
        assert!(listed_interrupted(&err).is_none(), "{err}");
    } else {
        let (count, listed) = listed_interrupted(&err).expect("interrupted lines on stderr");
        assert_eq!(count, second_interrupted.len(), "{err}");
        let expected: Vec<u64> = second_interrupted.iter().copied().take(20).collect();
        assert_eq!(listed, expected, "{err}");
    }

    eprintln!(
        "interrupted by the first kill: {} (torn row {torn_line:?}); by the second: {}",
        first_interrupted.len(),
        second_interrupted.len()
    );

    // Every input line exactly once, one header.
    let text = std::fs::read_to_string(&out).expect("read the output");
    assert!(text.starts_with(&format!("{COLUMNS}\n")));
    assert_eq!(text.matches("line,verdict").count(), 1, "one header");
    let (header, rows) = read_rows(&out);
    assert_eq!(header.join(","), COLUMNS);
    assert_eq!(rows.len(), ROWS);
    let lines = by_line(&rows);
    assert!(lines.keys().copied().eq(2..=ROWS as u64 + 1));

    // Rows that were in flight at a kill are reported, not re-sent; nothing else is uncertain.
    let uncertain: BTreeSet<u64> = rows
        .iter()
        .filter(|r| r.error_kind == "may_have_been_charged")
        .map(|r| r.line)
        .collect();
    let interrupted: BTreeSet<u64> = first_interrupted
        .union(&second_interrupted)
        .copied()
        .collect();
    assert_eq!(uncertain, interrupted);
    for r in rows.iter().filter(|r| !uncertain.contains(&r.line)) {
        assert!(
            !r.verdict.is_empty(),
            "row {} has no verdict: {r:?}",
            r.line
        );
        assert_eq!(r.billed, "yes", "{r:?}");
    }

    // Per line, against the market's own records: every request the market received (its
    // journal keeps them all) is tied to the one input line whose person it shows. A line
    // with an answer reached the market exactly once, and its row carries the request id the
    // market journaled for it, at the vendor the row names; a line that may have been
    // charged (in flight at a kill) reached it at most once and was not sent again.
    let journal = m.journal();
    let line_of: HashMap<Shown, u64> = input
        .iter()
        .zip(2u64..)
        .map(|(p, line)| (shown(p), line))
        .collect();
    assert_eq!(line_of.len(), ROWS, "every line shows a different person");
    assert!(
        journal.len() < journal_capacity,
        "the journal kept every request"
    );
    let mut sent: HashMap<u64, Vec<&JournalEntry>> = HashMap::new();
    for entry in &journal {
        let line = line_of
            .get(&shown_in(entry))
            .unwrap_or_else(|| panic!("a request for no input line: {entry:?}"));
        sent.entry(*line).or_default().push(entry);
    }
    let mut reached_uncertain = 0u64;
    for r in &rows {
        let requests = sent.get(&r.line).map_or(&[][..], Vec::as_slice);
        if uncertain.contains(&r.line) {
            assert!(
                requests.len() <= 1,
                "line {} (in flight at a kill) reached the market {} times: {requests:?}",
                r.line,
                requests.len()
            );
            reached_uncertain += requests.len() as u64;
        } else {
            assert_eq!(
                requests.len(),
                1,
                "line {} reached the market {} times: {requests:?}",
                r.line,
                requests.len()
            );
            let entry = requests[0];
            assert_eq!(
                (entry.request_id.as_str(), entry.product, entry.charged),
                (r.request_id.as_str(), Some(r.vendor.as_str()), true),
                "line {}: the row's request is the one the market charged for it: {r:?}",
                r.line
            );
        }
    }

    // Money: the market charged each row at most once — exactly the rows with an answer and
    // the uncertain rows that reached it.
    let billed = rows.iter().filter(|r| r.billed == "yes").count() as u64;
    let (received, charged) = (total_received(&m), total_charged(&m));
    assert_eq!(
        (received, charged),
        (billed + reached_uncertain, billed + reached_uncertain),
        "billed rows {billed}, uncertain rows that reached the market {reached_uncertain}"
    );
    assert_eq!(journal.len() as u64, received);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A last row cut short by a kill is removed on `--resume`: a sent row (in the journal) is
/// reported as interrupted and not sent again; a row that was never sent is done again.
#[test]
fn torn_last_row_is_repaired_on_resume() {
    let three = three_element();
    let m = MockMarket::start().expect("mock market");

    // The torn row was sent (it is in the journal): reported, never re-sent.
    let dir = scratch("torn-sent");
    write_people(&dir, &three, 6); // lines 2..=7
    let kept = format!(
        "{COLUMNS}\n2,match,,sxm3v2,yes,0.170,r-2,sxm3v2,,一致,no\n3,match,,sxm3v2,yes,0.170,r-3,sxm3v2,,一致,no\n"
    );
    std::fs::write(dir.join("out.csv"), format!("{kept}4,match,,sxm3v2,ye")).expect("write");
    std::fs::write(
        dir.join("out.csv.inflight"),
        "# shiming batch: input lines sent whose answer may not be in the output yet\n2\n3\n4\n5\n",
    )
    .expect("write");
    let out = run(batch(&m, &dir, &["--resume"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(listed_interrupted(&err), Some((2, vec![4, 5])), "{err}");
    let text = std::fs::read_to_string(dir.join("out.csv")).expect("read");
    assert!(
        text.starts_with(&kept),
        "finished rows are kept as they were"
    );
    let lines = by_line(&read_rows(&dir.join("out.csv")).1);
    assert!(lines.keys().copied().eq(2..=7));
    for line in [4, 5] {
        assert_eq!(lines[&line].error_kind, "may_have_been_charged");
        assert_eq!(lines[&line].billed, "unknown");
    }
    for line in [6, 7] {
        assert_eq!(lines[&line].billed, "yes");
    }
    assert_eq!(total_received(&m), 2, "only lines 6 and 7 are sent");
    assert!(!dir.join("out.csv.inflight").exists());
    let _ = std::fs::remove_dir_all(&dir);

    // The torn row was never sent (an invalid row, not in the journal), and it was cut right
    // after a newline inside a quoted field: it is done again, and the rows appended after it
    // are not swallowed by its open quote.
    let dir = scratch("torn-quoted");
    let p = &three[0];
    std::fs::write(
        dir.join("in.csv"),
        format!(
            "name,id_card,mobile\n{},{},{}\n\"王\n五\",110105194912310021,{}\n{},{},{}\n",
            p.name, p.id_card, p.mobile, p.mobile, p.name, p.id_card, p.mobile
        ),
    )
    .expect("write");
    let header = format!("{COLUMNS},name,id_card,mobile\n");
    let row2 = format!(
        "2,match,,sxm3v2,yes,0.170,r-2,sxm3v2,,一致,no,{},{},{}\n",
        p.name, p.id_card, p.mobile
    );
    std::fs::write(
        dir.join("out.csv"),
        format!("{header}{row2}3,,invalid_input,,no,0.000,,,,\"id_card: check digit\",\"王\n"),
    )
    .expect("write");
    std::fs::write(dir.join("out.csv.inflight"), "2\n").expect("write");
    let out = run(batch(&m, &dir, &["--resume", "--include-input"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(listed_interrupted(&err).is_none(), "{err}");
    let lines = by_line(&read_rows(&dir.join("out.csv")).1);
    // The quoted record spans lines 3 and 4; the next record starts on line 5.
    assert_eq!(lines.keys().copied().collect::<Vec<_>>(), [2, 3, 5]);
    assert_eq!(lines[&3].error_kind, "invalid_input");
    assert_eq!(
        lines[&3].input,
        ["王\n五", "110105194912310021", p.mobile.as_str()]
    );
    assert_eq!(lines[&5].billed, "yes");
    assert_eq!(total_received(&m), 3, "line 5 only (2 + 1 before)");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An output with nothing but a partial header (killed while creating it) is started over.
#[test]
fn torn_header_is_rewritten_on_resume() {
    let dir = scratch("torn-header");
    let m = MockMarket::start().expect("mock market");
    write_people(&dir, &three_element(), 3);
    std::fs::write(dir.join("out.csv"), "line,verd").expect("write");
    let out = run(batch(&m, &dir, &["--resume"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (header, rows) = read_rows(&dir.join("out.csv"));
    assert_eq!(header.join(","), COLUMNS);
    assert!(by_line(&rows).keys().copied().eq(2..=4));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Invalid and malformed rows are written as `invalid_input` and never sent; a missing
/// header column is a usage error.
#[test]
fn invalid_and_malformed_rows_are_written_and_never_sent() {
    let dir = scratch("invalid");
    let m = MockMarket::start().expect("mock market");
    let three = three_element();
    let two = people()
        .into_iter()
        .find(|p| p.mobile.is_empty())
        .expect("a two-element person");
    let (a, b) = (&three[0], &three[1]);
    let mut input = b"name,id_card,mobile\n".to_vec();
    let mut add = |row: &[u8]| {
        input.extend_from_slice(row);
        input.push(b'\n');
    };
    add(format!("{},{},{}", a.name, a.id_card, a.mobile).as_bytes()); // 2 sent
    add(format!("{},110105194912310021,{}", a.name, a.mobile).as_bytes()); // 3 checksum
    add(b"onlyname"); // 4 too few fields
    add(b"\xff\xfe,330106198805160711,13957120001"); // 5 name not UTF-8
    add(format!("{},{},12345", a.name, a.id_card).as_bytes()); // 6 mobile
    add(b",,"); // 7 empty
    add(format!("{},{},{},extra,fields", b.name, b.id_card, b.mobile).as_bytes()); // 8 sent
    add(format!("{},{},", two.name, two.id_card).as_bytes()); // 9 sent, two elements
    add(b"\"\xe7\x8e\x8b\n\xe4\xba\x94\",110105194912310021,13800138000"); // 10-11 quoted, bad
    add(&[
        format!("{},", a.name).as_bytes(),
        b"\xff",
        a.id_card.as_bytes(),
    ]
    .concat()); // 12 id_card not UTF-8
    add(format!("{},\"{},{}", a.name, a.id_card, a.mobile).as_bytes()); // 13 unclosed quote
    std::fs::write(dir.join("in.csv"), &input).expect("write");

    // UTF-8 on purpose: the rows that are not UTF-8 are refused.
    let out = run(batch(&m, &dir, &["--encoding", "utf-8"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines = by_line(&read_rows(&dir.join("out.csv")).1);
    assert_eq!(
        lines.keys().copied().collect::<Vec<_>>(),
        [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    );
    let sent = [2, 8, 9];
    for (line, row) in &lines {
        if sent.contains(line) {
            assert!(!row.verdict.is_empty(), "{row:?}");
            assert_eq!(row.billed, "yes", "{row:?}");
        } else {
            assert_eq!(row.error_kind, "invalid_input", "{row:?}");
            assert_eq!((row.billed.as_str(), row.cost.as_str()), ("no", "0.000"));
            assert!(row.vendor.is_empty() && row.tried.is_empty(), "{row:?}");
            assert!(!row.message.is_empty(), "{row:?}");
        }
    }
    assert!(lines[&4].message.contains("id_card"), "{:?}", lines[&4]);
    assert!(lines[&5].message.contains("UTF-8"), "{:?}", lines[&5]);
    assert!(lines[&12].message.contains("UTF-8"), "{:?}", lines[&12]);
    assert_eq!(lines[&9].vendor, "sfz2");
    assert_eq!(total_received(&m), 3);
    assert_eq!(m.journal().len(), 3, "only the valid rows reach the market");
    assert!(err.contains("invalid 8"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);

    // A header without id_card: usage error, nothing written or sent.
    let dir = scratch("no-column");
    std::fs::write(
        dir.join("in.csv"),
        format!("name,mobile\n{},{}\n", a.name, a.mobile),
    )
    .expect("write");
    let out = run(batch(&m, &dir, &[]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("id_card"), "{}", stderr(&out));
    assert!(!dir.join("out.csv").exists());
    assert!(!dir.join("out.csv.inflight").exists());
    assert_eq!(total_received(&m), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--dry-run` counts and prices the rows, sends nothing and writes nothing.
#[test]
fn dry_run_counts_and_prices_without_sending() {
    let dir = scratch("dry-run");
    let m = MockMarket::start().expect("mock market");
    let three = three_element();
    let two = people()
        .into_iter()
        .find(|p| p.mobile.is_empty())
        .expect("a two-element person");
    let mut input = String::from("name,id_card,mobile\n");
    for p in three.iter().take(5) {
        input += &format!("{},{},{}\n", p.name, p.id_card, p.mobile);
    }
    input += &format!(
        "{},{},\n{},{},\n",
        two.name, two.id_card, two.name, two.id_card
    );
    input += "张三,110105194912310021,13800138000\nonlyname\n";
    std::fs::write(dir.join("in.csv"), input).expect("write");

    let out = run(batch(&m, &dir, &["--dry-run", "--budget", "0.50"]));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(
        text.contains("5 three-element rows would be sent, first to sxm3v2 at 0.170 CNY"),
        "{text}"
    );
    assert!(
        text.contains("2 two-element rows would be sent, first to sfz2 at 0.040 CNY"),
        "{text}"
    );
    assert!(text.contains("2 rows are invalid"), "{text}");
    // 5 × 0.170 + 2 × 0.040; at most the dearest three-element vendor (sjsys, 0.420).
    assert!(
        text.contains("estimated cost: 0.930 CNY (at most 2.180 CNY"),
        "{text}"
    );
    assert!(text.contains("not enough"), "{text}");
    assert!(m.usage().is_empty(), "nothing was sent: {:?}", m.usage());
    assert!(m.journal().is_empty());
    assert!(!dir.join("out.csv").exists());
    assert!(!dir.join("out.csv.inflight").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--budget` stops the run before the spend could pass it (exit 3); `--resume` with a larger
/// budget finishes the rest without sending a row twice.
#[test]
fn budget_stops_early_and_resume_finishes_the_rest() {
    let dir = scratch("budget");
    let m = MockMarket::start().expect("mock market");
    write_people(&dir, &three_element(), 40); // lines 2..=41
                                              // tel3 costs 0.200 per call: 2.00 CNY buys exactly 10.
    let flags = ["--vendor", "tel3", "--concurrency", "4"];
    let mut first = flags.to_vec();
    first.extend(["--budget", "2.00"]);
    let out = run(batch(&m, &dir, &first));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("stopped early: budget_exhausted: the overall total budget of 2.000 CNY"),
        "{err}"
    );
    let charged = total_charged(&m);
    assert_eq!(charged, 10, "{err}");
    assert!(charged * 200 <= 2_000, "charged more than the budget");
    let rows = read_rows(&dir.join("out.csv")).1;
    assert_eq!(rows.len(), 10);
    assert!(rows
        .iter()
        .all(|r| r.billed == "yes" && r.cost == "0.200" && r.cached == "no"));
    assert!(!dir.join("out.csv.inflight").exists());

    // The budget is cumulative across --resume: 4.00 CNY in all buys 10 more rows, not 20.
    let mut again = flags.to_vec();
    again.extend(["--budget", "4.00", "--resume"]);
    let out = run(batch(&m, &dir, &again));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(total_charged(&m), 20, "{err}");
    assert_eq!(read_rows(&dir.join("out.csv")).1.len(), 20);

    let mut second = flags.to_vec();
    second.extend(["--budget", "100", "--resume"]);
    let out = run(batch(&m, &dir, &second));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("20 already done by an earlier run"), "{err}");
    let lines = by_line(&read_rows(&dir.join("out.csv")).1);
    assert!(lines.keys().copied().eq(2..=41));
    assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Tel3).received, 40);
    assert_eq!(total_charged(&m), 40, "no row was sent twice");

    // With every vendor (worst case 0.420 a row, actual 0.170), the spend stays within the
    // budget too.
    let dir2 = scratch("budget-auto");
    let m2 = MockMarket::start().expect("mock market");
    write_people(&dir2, &three_element(), 40);
    let out = run(batch(
        &m2,
        &dir2,
        &["--budget", "1.50", "--concurrency", "4"],
    ));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let charged = m2.usage_of(DEMO_APPCODE, Vendor::Sxm3v2).charged;
    assert!(
        charged >= 3 && charged * 170 <= 1_500,
        "charged {charged} × 0.170"
    );
    assert_eq!(total_charged(&m2), charged);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

/// `--qps 50` spaces the sends: 100 rows take at least 99 × 20 ms.
#[test]
fn qps_limit_spaces_the_sends() {
    let dir = scratch("qps");
    let m = MockMarket::start().expect("mock market");
    write_people(&dir, &people(), 100);
    let started = Instant::now();
    let out = run(batch(&m, &dir, &["--qps", "50", "--concurrency", "16"]));
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(elapsed >= Duration::from_millis(1_900), "{elapsed:?}");
    assert_eq!(total_received(&m), 100);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An existing output without `--resume` is refused and left as it was.
#[test]
fn existing_output_without_resume_is_refused() {
    let dir = scratch("exists");
    let m = MockMarket::start().expect("mock market");
    write_people(&dir, &people(), 5);
    let before = b"line,verdict\nsomething an earlier run wrote\n";
    std::fs::write(dir.join("out.csv"), before).expect("write");
    let out = run(batch(&m, &dir, &[]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert_eq!(std::fs::read(dir.join("out.csv")).expect("read"), before);
    assert!(!dir.join("out.csv.inflight").exists());
    assert!(m.usage().is_empty());

    // A journal without its output: refused as well (results would be lost).
    std::fs::remove_file(dir.join("out.csv")).expect("remove");
    std::fs::write(dir.join("out.csv.inflight"), "2\n").expect("write");
    let out = run(batch(&m, &dir, &["--resume"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!dir.join("out.csv").exists());
    assert!(m.usage().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without `--include-input` neither the output nor stderr holds a name, ID number or mobile;
/// with it, each row carries its input values.
#[test]
fn personal_data_only_with_include_input() {
    let dir = scratch("personal");
    let m = MockMarket::start().expect("mock market");
    let everyone = people();
    let mut input = String::from("name,id_card,mobile\n");
    for p in &everyone {
        input += &format!("{},{},{}\n", p.name, p.id_card, p.mobile);
    }
    // Invalid rows too: their messages must not echo the values either.
    input += "陈思远,330106198805160710,13957120001\n";
    input += "陈思远,330106198805160711,1395712000\n";
    std::fs::write(dir.join("in.csv"), &input).expect("write");
    let rows = everyone.len() + 2;

    let out = run(batch(&m, &dir, &["--concurrency", "16"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let bytes = std::fs::read(dir.join("out.csv")).expect("read");
    let text = String::from_utf8(bytes).expect("UTF-8 output");
    let mut secrets: Vec<&str> = vec!["330106198805160710", "1395712000"];
    for p in &everyone {
        secrets.extend([p.name.as_str(), p.id_card.as_str(), p.mobile.as_str()]);
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!text.contains(secret), "the output holds {secret}");
        assert!(!err.contains(secret), "stderr holds {secret}");
        assert!(!stdout(&out).contains(secret), "stdout holds {secret}");
    }
    let (header, written) = read_rows(&dir.join("out.csv"));
    assert_eq!(header.join(","), COLUMNS);
    assert_eq!(written.len(), rows);

    std::fs::remove_file(dir.join("out.csv")).expect("remove");
    let out = run(batch(&m, &dir, &["--concurrency", "16", "--include-input"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (header, written) = read_rows(&dir.join("out.csv"));
    assert_eq!(header.join(","), format!("{COLUMNS},name,id_card,mobile"));
    let lines = by_line(&written);
    for (i, p) in everyone.iter().enumerate() {
        let row = &lines[&(i as u64 + 2)];
        assert_eq!(
            row.input,
            [p.name.as_str(), p.id_card.as_str(), p.mobile.as_str()],
            "{row:?}"
        );
    }
    let last = &lines[&(rows as u64 + 1)];
    assert_eq!(last.error_kind, "invalid_input");
    assert_eq!(last.input, ["陈思远", "330106198805160711", "1395712000"]);

    // Resuming with the other column set is refused.
    let out = run(batch(&m, &dir, &["--resume"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--include-input"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first vendor has no quota left: every row is answered by the next one, and charged
/// exactly once.
#[test]
fn failover_to_the_next_vendor_charges_each_row_once() {
    let dir = scratch("failover");
    let m = MockMarket::start().expect("mock market");
    m.set_quota(DEMO_APPCODE, &[Vendor::Sxm3v2], Some(0));
    write_people(&dir, &three_element(), 30);
    let out = run(batch(&m, &dir, &["--concurrency", "8"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = read_rows(&dir.join("out.csv")).1;
    assert_eq!(rows.len(), 30);
    for r in &rows {
        assert!(!r.verdict.is_empty(), "{r:?}");
        assert_eq!(
            (
                r.vendor.as_str(),
                r.tried.as_str(),
                r.billed.as_str(),
                r.cost.as_str()
            ),
            ("tel3", "sxm3v2;tel3", "yes", "0.200"),
            "{r:?}"
        );
    }
    let sxm = m.usage_of(DEMO_APPCODE, Vendor::Sxm3v2);
    let tel3 = m.usage_of(DEMO_APPCODE, Vendor::Tel3);
    assert_eq!((sxm.received, sxm.charged), (30, 0));
    assert_eq!((tel3.received, tel3.charged), (30, 30));
    assert_eq!(total_charged(&m), 30);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The only vendor's quota runs out mid-batch: the rest are `quota_exhausted`, not billed,
/// and the run exits 3.
#[test]
fn quota_running_out_mid_batch() {
    let dir = scratch("quota");
    let m = MockMarket::start().expect("mock market");
    m.set_quota(DEMO_APPCODE, &[Vendor::Tel3], Some(15));
    write_people(&dir, &three_element(), 40);
    let out = run(batch(&m, &dir, &["--vendor", "tel3", "--concurrency", "8"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("quota_exhausted 25"), "{err}");
    let rows = read_rows(&dir.join("out.csv")).1;
    let lines = by_line(&rows);
    assert!(lines.keys().copied().eq(2..=41));
    let (billed, exhausted): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.billed == "yes");
    assert_eq!(billed.len(), 15);
    assert!(billed
        .iter()
        .all(|r| !r.verdict.is_empty() && r.vendor == "tel3"));
    assert_eq!(exhausted.len(), 25);
    for r in exhausted {
        assert_eq!(
            (
                r.error_kind.as_str(),
                r.billed.as_str(),
                r.cost.as_str(),
                r.verdict.as_str()
            ),
            ("quota_exhausted", "no", "0.000", ""),
            "{r:?}"
        );
    }
    assert_eq!(total_charged(&m), 15);
    assert!(!dir.join("out.csv.inflight").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
