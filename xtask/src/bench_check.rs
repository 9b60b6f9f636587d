//! `cargo xtask bench-check [LINES]`: times `shiming check id-card --file` on LINES lines
//! (default 1,000,000) against python-stdnum's `stdnum.cn.ric.is_valid` on the same file, in
//! the same run, and prints a Markdown report.
//!
//! Both sides are timed as whole processes (wall clock from spawn to exit, interpreter and
//! binary start-up included), best of three, with their output going to `/dev/null` (the
//! Python script prints only one summary line, which is read back). A run counts only if the
//! tool says it read every line (shiming's summary on stderr, the script's line), with the
//! same verdicts as the tool's other runs. Peak RSS comes from `/usr/bin/time -v` when it
//! exists.
//!
//! The input is cached in `target/xtask/bench/ids-N.txt` with a key file `ids-N.txt.key`
//! (format, line count, seeds, checksum); it is reused only when the key matches, the bytes
//! match the checksum and its first lines are what the generator writes, else written again.

use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shiming_core::id_card::generate::Synthetic;
use shiming_core::id_card::mod11_2_check;

use crate::util::{self, Result};

const DEFAULT_LINES: u64 = 1_000_000;
const RUNS: usize = 3;
const TODAY: &str = "2026-11-23";
const TARGET_LINES_PER_SEC: f64 = 1_000_000.0;
/// Seeds of the input file; changing them changes every benchmark input.
const MIX_SEED: u64 = 0x5348_494D_494E_4701;
const ID_SEED: u64 = 0x5348_494D_494E_4702;
const GNU_TIME: &str = "/usr/bin/time";

const PY_SCRIPT: &str = r#"import sys
from stdnum.cn import ric

total = valid = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        total += 1
        if ric.is_valid(line.rstrip("\r\n")):
            valid += 1
print(total, valid)
"#;

pub fn run(args: &[String]) -> Result<()> {
    let lines = parse_lines(args)?;
    let root = util::root();
    let target = target_dir(&root);

    util::cargo(&["build", "--release", "-p", "shiming-cli"])?;
    let shiming = target.join("release/shiming");
    if !shiming.exists() {
        return Err(format!("{} was not built", shiming.display()).into());
    }
    let stdnum = util::python_stdnum()?;

    let bench_dir = target.join("xtask/bench");
    fs::create_dir_all(&bench_dir)?;
    let input = bench_dir.join(format!("ids-{lines}.txt"));
    ensure_input(&input, lines)?;
    let script = bench_dir.join("stdnum_is_valid.py");
    fs::write(&script, PY_SCRIPT)?;

    let rel = |p: &Path| -> String {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let (shiming_s, input_s, script_s, stdnum_s) =
        (rel(&shiming), rel(&input), rel(&script), rel(&stdnum));
    let has_time = Path::new(GNU_TIME).exists();
    let time_file = bench_dir.join("time-v.txt");
    let time_file = has_time.then_some(time_file.as_path());
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let check = |json: bool| -> Vec<String> {
        let mut v: Vec<String> = ["check", "id-card", "--file", &input_s]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if json {
            v.push("--json".into());
        }
        v.extend(["--today".to_string(), TODAY.to_string()]);
        v
    };
    let py_args = vec![script_s.clone(), input_s.clone()];
    let benches = [
        Bench {
            tool: "shiming",
            mode: "--json",
            program: shiming_s.clone(),
            args: check(true),
            env: None,
        },
        Bench {
            tool: "shiming",
            mode: "text",
            program: shiming_s.clone(),
            args: check(false),
            env: None,
        },
        Bench {
            tool: "python-stdnum",
            mode: "is_valid",
            program: "python3".into(),
            args: py_args,
            env: Some(("PYTHONPATH", stdnum_s.clone())),
        },
    ];

    let mut results = Vec::new();
    for bench in &benches {
        let mut runs: Vec<RunResult> = Vec::new();
        for i in 1..=RUNS {
            let r = bench.run_once(&root, time_file)?;
            eprintln!(
                "{} {} run {i}/{RUNS}: {:.3} s, {} of {lines} lines read, {} valid",
                bench.tool,
                bench.mode,
                r.wall.as_secs_f64(),
                r.counted.0,
                r.counted.1
            );
            check_run(
                &bench.command_line(),
                r.counted,
                lines,
                runs.first().map(|f| f.counted),
            )?;
            runs.push(r);
        }
        results.push(runs);
    }

    // One untimed run for the verdict count, so both tools' tallies can be compared: one JSON
    // line per input line, as many valid as the timed runs reported.
    let (shiming_lines, shiming_valid) = count_shiming_valid(&root, &shiming, &check(true))?;
    if (shiming_lines, shiming_valid) != results[0][0].counted {
        return Err(format!(
            "shiming --json printed {shiming_lines} lines, {shiming_valid} valid; \
             its summary said {:?}",
            results[0][0].counted
        )
        .into());
    }
    let py_valid = results[2][0].counted.1;

    print_report(&ReportInput {
        lines,
        benches: &benches,
        results: &results,
        has_time,
        load_before: load_before.trim(),
        input: &input_s,
        shiming_valid,
        py_valid,
    })
}

/// A timed run counts only if it read the whole input (`counted` is (lines read, valid), as
/// the tool reported them), with the same verdicts as the first run of the same tool.
fn check_run(
    command: &str,
    counted: (u64, u64),
    lines: u64,
    first: Option<(u64, u64)>,
) -> Result<()> {
    if counted.0 != lines {
        return Err(format!(
            "`{command}` stopped early: it read {} of {lines} lines",
            counted.0
        )
        .into());
    }
    match first {
        Some(first) if first != counted => Err(format!(
            "`{command}` counted {counted:?} (lines, valid), an earlier run {first:?}"
        )
        .into()),
        _ => Ok(()),
    }
}

fn parse_lines(args: &[String]) -> Result<u64> {
    match args {
        [] => Ok(DEFAULT_LINES),
        [n] => {
            let digits: String = n.chars().filter(|c| !matches!(c, '_' | ',')).collect();
            match digits.parse::<u64>() {
                Ok(v) if v > 0 => Ok(v),
                _ => Err(format!("LINES must be a positive integer, got {n:?}").into()),
            }
        }
        _ => Err("usage: cargo xtask bench-check [LINES]".into()),
    }
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}

// ---------------------------------------------------------------------------------------
// Input file

/// Bump when the mix of [`mixed_line`] changes, so that cached inputs are written again.
const INPUT_FORMAT: u32 = 1;
/// How many leading lines of a cached input are generated again and compared on reuse (catches
/// a changed generator even when [`INPUT_FORMAT`] was not bumped).
const SPOT_CHECK_LINES: u64 = 1_000;

/// The generator of the input lines: the seeds and the mix.
struct InputLines {
    mix: Synthetic,
    ids: Synthetic,
}

impl InputLines {
    fn new() -> InputLines {
        InputLines {
            mix: Synthetic::new(MIX_SEED),
            ids: Synthetic::new(ID_SEED),
        }
    }

    fn next_line(&mut self) -> Result<String> {
        let id = self.ids.next().ok_or("synthetic generator ran dry")?;
        Ok(mixed_line(&mut self.mix, id))
    }
}

/// The parameters an input file was made with, as its key file records them (the last line,
/// the checksum of the file's bytes, is added after writing).
fn input_parameters(lines: u64) -> String {
    format!(
        "shiming bench-check input\nformat {INPUT_FORMAT}\nlines {lines}\n\
         mix_seed {MIX_SEED:#x}\nid_seed {ID_SEED:#x}\n"
    )
}

/// FNV-1a, 64 bits: a checksum of the input's bytes (not a security measure).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The key file of an input file: `ids-N.txt.key` next to `ids-N.txt`.
fn key_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Writes `path` with `lines` deterministic lines, unless it was written by this generator
/// with these parameters: its key file names the same format, line count and seeds, and the
/// checksum of its bytes; its first lines are generated again and compared.
fn ensure_input(path: &Path, lines: u64) -> Result<()> {
    let key = key_path(path);
    match cached_input_matches(path, &key, lines) {
        Ok(()) => {
            eprintln!(
                "reusing {} ({lines} lines, key {})",
                path.display(),
                key.display()
            );
            return Ok(());
        }
        Err(why) if path.exists() => {
            eprintln!("not reusing {}: {why}", path.display());
        }
        Err(_) => {}
    }
    let _ = fs::remove_file(&key);
    eprintln!("writing {} ({lines} lines)", path.display());
    let tmp = path.with_extension("txt.tmp");
    let mut out = BufWriter::new(fs::File::create(&tmp)?);
    let mut generator = InputLines::new();
    let mut sum = Fnv::new();
    for _ in 0..lines {
        let mut line = generator.next_line()?.into_bytes();
        line.push(b'\n');
        sum.update(&line);
        out.write_all(&line)?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::rename(&tmp, path)?;
    fs::write(
        &key,
        format!("{}fnv1a64 {:016x}\n", input_parameters(lines), sum.0),
    )?;
    Ok(())
}

/// Why the cached input at `path` cannot be reused, if it cannot.
fn cached_input_matches(path: &Path, key: &Path, lines: u64) -> Result<()> {
    let recorded = fs::read_to_string(key).map_err(|e| format!("no key file ({e})"))?;
    let checksum = recorded
        .strip_prefix(&input_parameters(lines))
        .and_then(|rest| rest.strip_prefix("fnv1a64 "))
        .map(str::trim)
        .ok_or("its key file records other parameters")?;
    let mut sum = Fnv::new();
    let mut have = 0u64;
    let mut generator = InputLines::new();
    let mut reader = BufReader::new(fs::File::open(path)?);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        sum.update(&line);
        if have < SPOT_CHECK_LINES {
            let expected = generator.next_line()?;
            if line.strip_suffix(b"\n") != Some(expected.as_bytes()) {
                return Err(format!("line {} is not what the generator writes", have + 1).into());
            }
        }
        have += 1;
        line.clear();
    }
    if have != lines {
        return Err(format!("it has {have} lines").into());
    }
    if format!("{:016x}", sum.0) != checksum {
        return Err("its bytes do not match the checksum in its key file".into());
    }
    Ok(())
}

/// Turns a valid 18-digit `id` into one line of the realistic mix:
/// 5% checksum typos, 2.5% impossible dates (with a correct check digit), 2.5% wrong length
/// (10% invalid in all); 2% 15-digit numbers (born 19xx), 3% with spaces; a quarter of the
/// numbers ending in `X` written with a lower-case `x`; the rest as generated.
fn mixed_line(rng: &mut Synthetic, id: String) -> String {
    let mut b = id.into_bytes();
    let roll = rng.below(1000);
    let line = match roll {
        0..=49 => {
            checksum_typo(rng, &mut b);
            b
        }
        50..=74 => {
            bad_date(rng, &mut b);
            b
        }
        75..=99 => wrong_length(rng, b),
        100..=119 if &b[6..8] == b"19" => {
            let mut short = b[..6].to_vec();
            short.extend_from_slice(&b[8..17]);
            short
        }
        _ => {
            if b[17] == b'X' && rng.below(4) == 0 {
                b[17] = b'x';
            }
            if (120..150).contains(&roll) {
                with_spaces(rng, &b)
            } else {
                b
            }
        }
    };
    String::from_utf8(line).unwrap_or_default()
}

/// A one-character substitution or an adjacent transposition (both caught by MOD 11-2).
fn checksum_typo(rng: &mut Synthetic, b: &mut [u8]) {
    if rng.below(3) == 0 {
        let i = 6 + rng.below(10) as usize; // within the date and sequence digits
        if b[i] != b[i + 1] {
            b.swap(i, i + 1);
            return;
        }
    }
    let i = rng.below(18) as usize;
    if i == 17 {
        const CHECKS: &[u8; 11] = b"0123456789X";
        let mut c = CHECKS[rng.below(11) as usize];
        if c == b[17] {
            c = if c == b'0' { b'1' } else { b'0' };
        }
        b[17] = c;
    } else {
        let old = b[i] - b'0';
        b[i] = b'0' + (old + 1 + rng.below(9) as u8) % 10;
    }
}

/// An impossible birth date (month 00 or 13, day 00 or 32, 30 February) with a check digit
/// that matches, so only the date is wrong.
fn bad_date(rng: &mut Synthetic, b: &mut [u8]) {
    let (pos, val): (usize, &[u8; 2]) = match rng.below(5) {
        0 => (10, b"13"),
        1 => (10, b"00"),
        2 => (12, b"32"),
        3 => (12, b"00"),
        _ => {
            b[10..12].copy_from_slice(b"02");
            (12, b"30")
        }
    };
    b[pos..pos + 2].copy_from_slice(val);
    let mut first17 = [0u8; 17];
    first17.copy_from_slice(&b[..17]);
    b[17] = mod11_2_check(&first17).unwrap_or(b'0');
}

fn wrong_length(rng: &mut Synthetic, mut b: Vec<u8>) -> Vec<u8> {
    match rng.below(3) {
        0 => {
            b.remove(rng.below(18) as usize);
        }
        1 => b.insert(rng.below(19) as usize, b'0' + rng.below(10) as u8),
        _ => b.truncate(8 + rng.below(9) as usize),
    }
    b
}

/// `110105 19491231 002X` or surrounding blanks, as pasted from documents.
fn with_spaces(rng: &mut Synthetic, b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(22);
    match rng.below(3) {
        0 => {
            out.extend_from_slice(&b[..6]);
            out.push(b' ');
            out.extend_from_slice(&b[6..14]);
            out.push(b' ');
            out.extend_from_slice(&b[14..]);
        }
        1 => {
            out.extend_from_slice(b"  ");
            out.extend_from_slice(b);
        }
        _ => {
            out.extend_from_slice(b);
            out.push(b' ');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Timing

struct Bench {
    tool: &'static str,
    mode: &'static str,
    program: String,
    args: Vec<String>,
    env: Option<(&'static str, String)>,
}

struct RunResult {
    wall: Duration,
    rss_kib: Option<u64>,
    /// (lines read, lines valid) as the tool itself reported them: shiming's summary on
    /// stderr, the Python script's one line on stdout.
    counted: (u64, u64),
}

impl Bench {
    /// The command as a shell user would type it, from the workspace root.
    fn command_line(&self) -> String {
        let mut s = String::new();
        if let Some((k, v)) = &self.env {
            s.push_str(&format!("{k}={} ", shell_quote(v)));
        }
        s.push_str(&shell_quote(&self.program));
        for a in &self.args {
            s.push(' ');
            s.push_str(&shell_quote(a));
        }
        s.push_str(" > /dev/null");
        s
    }

    fn run_once(&self, root: &Path, time_file: Option<&Path>) -> Result<RunResult> {
        let mut cmd = if let Some(time_file) = time_file {
            let mut c = Command::new(GNU_TIME);
            c.arg("-v").arg("-o").arg(time_file).arg(&self.program);
            c
        } else {
            Command::new(&self.program)
        };
        cmd.args(&self.args).current_dir(root).stdin(Stdio::null());
        if let Some((k, v)) = &self.env {
            cmd.env(k, v);
        }
        // Only the Python script's one summary line is read back; shiming writes to /dev/null.
        let python = self.tool == "python-stdnum";
        cmd.stdout(if python {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stderr(Stdio::piped());
        let start = Instant::now();
        let out = cmd.output()?;
        let wall = start.elapsed();
        // shiming: 0 all valid, 1 some invalid (expected here), 2 usage error.
        let ok = match out.status.code() {
            Some(0) => true,
            Some(1) => !python,
            _ => false,
        };
        if !ok {
            return Err(format!(
                "`{}` failed ({}): {}",
                self.command_line(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        let rss_kib = if let Some(time_file) = time_file {
            let report = fs::read_to_string(time_file)?;
            let _ = fs::remove_file(time_file);
            report.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes):")
                    .and_then(|v| v.trim().parse().ok())
            })
        } else {
            None
        };
        let counted = if python {
            parse_py_summary(&String::from_utf8_lossy(&out.stdout))?
        } else {
            parse_shiming_summary(&String::from_utf8_lossy(&out.stderr))?
        };
        Ok(RunResult {
            wall,
            rss_kib,
            counted,
        })
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Counts the lines of shiming's `--json` output and the `"valid":true` reports among them
/// (untimed).
fn count_shiming_valid(root: &Path, shiming: &Path, args: &[String]) -> Result<(u64, u64)> {
    let mut child = Command::new(shiming)
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (mut total, mut valid) = (0u64, 0u64);
    for line in BufReader::new(stdout).split(b'\n') {
        let line = line?;
        total += 1;
        if line.windows(13).any(|w| w == b"\"valid\":true,") {
            valid += 1;
        }
    }
    let status = child.wait()?;
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("shiming failed: {status}").into());
    }
    Ok((total, valid))
}

/// `N lines checked: V valid, I invalid`, shiming's summary on stderr: (N, V), checked
/// against I.
fn parse_shiming_summary(stderr: &str) -> Result<(u64, u64)> {
    let parsed = stderr.lines().rev().find_map(|l| {
        let (total, rest) = l.split_once(" lines checked: ")?;
        let (valid, rest) = rest.split_once(" valid, ")?;
        let invalid = rest.strip_suffix(" invalid")?;
        let [total, valid, invalid] = [total, valid, invalid].map(|n| n.trim().parse::<u64>());
        Some((total.ok()?, valid.ok()?, invalid.ok()?))
    });
    match parsed {
        Some((total, valid, invalid)) if valid + invalid == total => Ok((total, valid)),
        _ => Err(format!("no summary line from shiming on stderr: {stderr:?}").into()),
    }
}

fn parse_py_summary(s: &str) -> Result<(u64, u64)> {
    let mut it = s.split_whitespace().map(str::parse::<u64>);
    match (it.next(), it.next()) {
        (Some(Ok(t)), Some(Ok(v))) => Ok((t, v)),
        _ => Err(format!("unexpected output from the python script: {s:?}").into()),
    }
}

// ---------------------------------------------------------------------------------------
// Report

struct ReportInput<'a> {
    lines: u64,
    benches: &'a [Bench],
    results: &'a [Vec<RunResult>],
    has_time: bool,
    load_before: &'a str,
    input: &'a str,
    shiming_valid: u64,
    py_valid: u64,
}

fn print_report(r: &ReportInput<'_>) -> Result<()> {
    let secs = |d: Duration| d.as_secs_f64();
    let best = |runs: &[RunResult]| runs.iter().map(|x| x.wall).min().unwrap_or_default();
    let rate = |d: Duration| r.lines as f64 / secs(d).max(f64::MIN_POSITIVE);

    println!(
        "## `shiming check id-card --file` vs python-stdnum, {} lines",
        group(r.lines)
    );
    println!();
    println!("| tool | mode | lines | runs (s) | best (s) | lines/s | peak RSS |");
    println!("|---|---|---:|---|---:|---:|---:|");
    for (bench, runs) in r.benches.iter().zip(r.results) {
        let b = best(runs);
        let each: Vec<String> = runs
            .iter()
            .map(|x| format!("{:.3}", secs(x.wall)))
            .collect();
        let rss = runs
            .iter()
            .filter_map(|x| x.rss_kib)
            .max()
            .map_or("n/a".to_string(), |k| {
                format!("{:.1} MiB", k as f64 / 1024.0)
            });
        println!(
            "| {} | {} | {} | {} | {:.3} | {} | {} |",
            bench.tool,
            bench.mode,
            group(r.lines),
            each.join(" / "),
            secs(b),
            group(rate(b).round() as u64),
            rss
        );
    }
    println!();

    let json_best = best(&r.results[0]);
    let py_best = best(&r.results[2]);
    println!(
        "shiming `--json` is {:.1}× python-stdnum (best vs best).",
        secs(py_best) / secs(json_best).max(f64::MIN_POSITIVE)
    );
    let met = rate(json_best) >= TARGET_LINES_PER_SEC;
    println!(
        "Target ≥ 1,000,000 lines/s with `--json` to /dev/null: **{}** ({} lines/s{}).",
        if met { "met" } else { "NOT met" },
        group(rate(json_best).round() as u64),
        if r.lines == DEFAULT_LINES {
            String::new()
        } else {
            format!(
                "; measured on {} lines, the target is stated for 1,000,000",
                group(r.lines)
            )
        }
    );
    println!();

    println!("Commands (from the workspace root; each timed {RUNS}×, best kept):");
    println!();
    println!("```sh");
    for bench in r.benches {
        println!("{}", bench.command_line());
    }
    println!("```");
    println!();
    println!(
        "`{}` is python-stdnum's loop: `for line in f: ric.is_valid(line.rstrip(\"\\r\\n\"))`, \
         printing one summary line.",
        r.benches[2].args[0]
    );
    println!(
        "Times are whole-process wall clock (spawn to exit, start-up and Python import \
         included) for both tools; peak RSS is {}.",
        if r.has_time {
            "`Maximum resident set size` from `/usr/bin/time -v` (max over runs)"
        } else {
            "n/a (no /usr/bin/time)"
        }
    );
    println!();

    println!(
        "Every timed run read all {} lines (each tool's own count: shiming's summary on stderr, \
         the script's line), with the same verdicts in every run of a tool.",
        group(r.lines)
    );
    println!(
        "Input `{}`: deterministic (seeds {MIX_SEED:#x}/{ID_SEED:#x}) synthetic 18-digit \
         numbers; 10% invalid (5% checksum typos, 2.5% impossible dates, 2.5% wrong length), \
         2% 15-digit, 3% with spaces, a quarter of `X` check digits in lower case.",
        r.input
    );
    println!(
        "Verdicts: shiming {} valid, python-stdnum {} valid of {} (stdnum rejects 15-digit \
         numbers and inner spaces; shiming `--today {TODAY}`, not `--strict`).",
        group(r.shiming_valid),
        group(r.py_valid),
        group(r.lines)
    );
    println!();

    let nproc = util::output("nproc", &[])
        .map(|s| s.trim().to_string())
        .or_else(|_| std::thread::available_parallelism().map(|n| n.to_string()))
        .unwrap_or_else(|_| "?".into());
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let python = util::output("python3", &["--version"])
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "python3 ?".into());
    let kernel = util::output("uname", &["-sr"])
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    println!(
        "Machine: {nproc} CPUs (`nproc`), {cpu}; {kernel}; {python}, {}.",
        util::STDNUM_PIN
    );
    if !r.load_before.is_empty() {
        println!(
            "Load average before the runs (/proc/loadavg): {}.",
            r.load_before
        );
    }
    Ok(())
}

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let head = match s.len() % 3 {
        0 => 3.min(s.len()),
        r => r,
    };
    let mut out = s[..head].to_string();
    for chunk in s.as_bytes()[head..].chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_counts_only_if_it_read_every_line_with_the_same_verdicts() {
        assert!(check_run("x", (10, 7), 10, None).is_ok());
        assert!(check_run("x", (10, 7), 10, Some((10, 7))).is_ok());
        let early = check_run("x", (9, 7), 10, None).unwrap_err().to_string();
        assert!(
            early.contains("stopped early: it read 9 of 10 lines"),
            "{early}"
        );
        assert!(check_run("x", (10, 6), 10, Some((10, 7))).is_err());
    }

    #[test]
    fn summaries_are_read_and_checked() {
        assert_eq!(
            parse_shiming_summary("5 lines checked: 4 valid, 1 invalid\n").ok(),
            Some((5, 4))
        );
        // A killed run prints no summary; a summary that does not add up is refused.
        assert!(parse_shiming_summary("").is_err());
        assert!(parse_shiming_summary("5 lines checked: 4 valid, 2 invalid").is_err());
        assert_eq!(parse_py_summary("1000 873\n").ok(), Some((1000, 873)));
        assert!(parse_py_summary("1000").is_err());
    }

    /// A scratch directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("xtask-bench-check-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_cached_input_is_reused_only_when_its_key_and_bytes_match() {
        // More lines than are spot-checked, so that the checksum is tested too.
        const LINES: u64 = SPOT_CHECK_LINES + 200;
        let dir = scratch("input");
        let input = dir.join("ids-1200.txt");
        let key = key_path(&input);
        ensure_input(&input, LINES).unwrap();
        let written = fs::read(&input).unwrap();
        assert_eq!(
            written.iter().filter(|&&b| b == b'\n').count() as u64,
            LINES
        );
        assert!(fs::read_to_string(&key)
            .unwrap()
            .starts_with(&input_parameters(LINES)));
        assert!(cached_input_matches(&input, &key, LINES).is_ok());
        assert!(
            cached_input_matches(&input, &key, LINES - 1).is_err(),
            "other parameters"
        );

        // Same length, other bytes (made by something else): not reused, written again.
        let other: Vec<u8> = written
            .iter()
            .map(|&b| if b == b'7' { b'8' } else { b })
            .collect();
        fs::write(&input, &other).unwrap();
        assert!(cached_input_matches(&input, &key, LINES).is_err());
        ensure_input(&input, LINES).unwrap();
        assert_eq!(fs::read(&input).unwrap(), written);

        // A change past the spot-checked lines is caught by the checksum.
        let mut late = written.clone();
        let at = late.len() - 3;
        late[at] = if late[at] == b'1' { b'2' } else { b'1' };
        fs::write(&input, &late).unwrap();
        let why = cached_input_matches(&input, &key, LINES)
            .unwrap_err()
            .to_string();
        assert!(why.contains("checksum"), "{why}");

        // Without a key file nothing is reused.
        fs::write(&input, &written).unwrap();
        fs::remove_file(&key).unwrap();
        assert!(cached_input_matches(&input, &key, LINES).is_err());
        ensure_input(&input, LINES).unwrap();
        assert!(cached_input_matches(&input, &key, LINES).is_ok());
        let _ = fs::remove_dir_all(&dir);
    }
}
