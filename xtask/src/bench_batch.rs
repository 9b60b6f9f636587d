//! `cargo xtask bench-batch [ROWS]`: throughput and peak memory of `shiming batch` against the
//! mock market binary, on ROWS rows (default 100,000) and on ten times fewer, and prints a
//! Markdown report.
//!
//! Both are release builds. The input repeats the people of `fixtures/people.tsv` (three- and
//! two-element rows, every one answered with a verdict). Each size runs three times with
//! `--concurrency 64`, a fresh output file and the mock's counters reset; a run counts only if
//! it exits 0, writes one row per input row and the mock charged exactly one call per row.
//! Wall clock is spawn to exit; peak RSS is `Maximum resident set size` from `/usr/bin/time -v`
//! when it exists, else the largest `VmHWM` seen in `/proc/<pid>/status` while it runs.

use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{self, Result};

const DEFAULT_ROWS: u64 = 100_000;
const RUNS: usize = 3;
const CONCURRENCY: &str = "64";
const GNU_TIME: &str = "/usr/bin/time";
/// The mock market's demo AppCode (`shiming_mock_market::config::DEMO_APPCODE`).
const DEMO_APPCODE: &str = "shimingdemoappcode0000000000000";

pub fn run(args: &[String]) -> Result<()> {
    let rows = parse_rows(args)?;
    let small = (rows / 10).max(1);
    let root = util::root();
    let target = target_dir(&root);
    util::cargo(&[
        "build",
        "--release",
        "-p",
        "shiming-cli",
        "-p",
        "shiming-mock-market",
        "--bins",
    ])?;
    let shiming = target.join("release/shiming");
    let mock_bin = target.join("release/shiming-mock-market");
    for bin in [&shiming, &mock_bin] {
        if !bin.exists() {
            return Err(format!("{} was not built", bin.display()).into());
        }
    }
    let bench_dir = target.join("xtask/bench");
    fs::create_dir_all(&bench_dir)?;
    let people = registry(&root)?;
    let three = people.iter().filter(|p| !p.2.is_empty()).count();

    let mock = Mock::start(&mock_bin)?;
    let has_time = Path::new(GNU_TIME).exists();
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let rel = |p: &Path| -> String {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };

    let mut sizes = Vec::new();
    for n in [rows, small] {
        let input = bench_dir.join(format!("batch-{n}.csv"));
        write_input(&input, &people, n)?;
        let output = bench_dir.join(format!("batch-{n}.out.csv"));
        let bench = Bench {
            shiming: &shiming,
            input: &input,
            output: &output,
            rows: n,
            time_file: has_time.then(|| bench_dir.join("batch-time-v.txt")),
        };
        let mut runs = Vec::new();
        for i in 1..=RUNS {
            let r = bench.run_once(&root, &mock)?;
            eprintln!(
                "{n} rows, run {i}/{RUNS}: {:.3} s, peak RSS {:.1} MiB",
                r.wall.as_secs_f64(),
                r.rss_kib as f64 / 1024.0
            );
            runs.push(r);
        }
        let verdicts = verdict_counts(&output)?;
        sizes.push(Size {
            rows: n,
            input: rel(&input),
            runs,
            verdicts,
        });
    }
    drop(mock);

    print_report(&sizes, three, people.len(), has_time, load_before.trim());
    Ok(())
}

fn parse_rows(args: &[String]) -> Result<u64> {
    match args {
        [] => Ok(DEFAULT_ROWS),
        [n] => {
            let digits: String = n.chars().filter(|c| !matches!(c, '_' | ',')).collect();
            match digits.parse::<u64>() {
                Ok(v) if v >= 10 => Ok(v),
                _ => Err(format!("ROWS must be an integer ≥ 10, got {n:?}").into()),
            }
        }
        _ => Err("usage: cargo xtask bench-batch [ROWS]".into()),
    }
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}

/// (name, id_card, mobile) of every registry person.
pub(crate) fn registry(root: &Path) -> Result<Vec<(String, String, String)>> {
    let text = fs::read_to_string(root.join("fixtures/people.tsv"))?;
    let people: Vec<_> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() == 4).then(|| (c[0].to_string(), c[1].to_string(), c[2].to_string()))
        })
        .collect();
    if people.is_empty() {
        return Err("fixtures/people.tsv holds no people".into());
    }
    Ok(people)
}

/// The input CSV: the header, then the registry's people in order, repeated to `rows` rows.
fn write_input(path: &Path, people: &[(String, String, String)], rows: u64) -> Result<()> {
    let mut out = BufWriter::new(fs::File::create(path)?);
    out.write_all(b"name,id_card,mobile\n")?;
    for (name, id_card, mobile) in people.iter().cycle().take(usize::try_from(rows)?) {
        writeln!(out, "{name},{id_card},{mobile}")?;
    }
    out.flush()?;
    Ok(())
}

/// The mock market binary, listening on a free port until dropped.
struct Mock {
    server: util::Server,
    addr: String,
}

impl Mock {
    fn start(program: &Path) -> Result<Mock> {
        let server = util::start(program, &["--listen", "127.0.0.1:0"])?;
        let addr = server
            .url
            .strip_prefix("http://")
            .ok_or("the mock market's URL is not http://")?
            .to_string();
        Ok(Mock { server, addr })
    }

    /// One admin request (`/__admin/<path>`), answered body.
    fn admin(&self, method: &str, path: &str) -> Result<String> {
        let mut stream = TcpStream::connect(&self.addr)?;
        write!(
            stream,
            "{method} /__admin/{path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        if !answer.starts_with("HTTP/1.1 200") {
            return Err(
                format!("mock admin {path}: {}", answer.lines().next().unwrap_or("")).into(),
            );
        }
        Ok(answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default())
    }

    /// Calls charged since the last reset, over every credential and product.
    fn charged(&self) -> Result<u64> {
        let usage = self.admin("GET", "usage")?;
        let mut total = 0;
        for part in usage.split("\"charged\":").skip(1) {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            total += digits.parse::<u64>()?;
        }
        Ok(total)
    }
}

struct Bench<'a> {
    shiming: &'a Path,
    input: &'a Path,
    output: &'a Path,
    rows: u64,
    time_file: Option<PathBuf>,
}

struct RunResult {
    wall: Duration,
    rss_kib: u64,
}

impl Bench<'_> {
    fn args(&self, url: &str) -> Vec<String> {
        [
            "batch",
            "--input",
            &self.input.to_string_lossy(),
            "--output",
            &self.output.to_string_lossy(),
            "--concurrency",
            CONCURRENCY,
            "--endpoint",
            url,
            "--appcode",
            DEMO_APPCODE,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn run_once(&self, root: &Path, mock: &Mock) -> Result<RunResult> {
        let mut journal = self.output.as_os_str().to_owned();
        journal.push(".inflight");
        for stale in [self.output.to_path_buf(), PathBuf::from(journal)] {
            match fs::remove_file(&stale) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        mock.admin("POST", "reset")?;
        let mut cmd = match &self.time_file {
            Some(time_file) => {
                let mut c = Command::new(GNU_TIME);
                c.arg("-v").arg("-o").arg(time_file).arg(self.shiming);
                c
            }
            None => Command::new(self.shiming),
        };
        cmd.args(self.args(&mock.server.url))
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SHIMING_") {
                cmd.env_remove(name);
            }
        }
        let start = Instant::now();
        let mut child = cmd.spawn()?;
        let mut stderr = child.stderr.take().ok_or("no stderr")?;
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        // Without GNU time: the largest high-water mark seen while it runs.
        let mut hwm = 0;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if self.time_file.is_none() {
                hwm = hwm.max(vm_hwm_kib(child.id()));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let wall = start.elapsed();
        let stderr = reader.join().unwrap_or_default();
        if !status.success() {
            return Err(format!("shiming batch failed ({status}): {}", stderr.trim()).into());
        }
        let written = BufReader::new(fs::File::open(self.output)?).lines().count() as u64;
        if written != self.rows + 1 {
            return Err(format!(
                "{} has {written} lines, expected {} (header + rows)",
                self.output.display(),
                self.rows + 1
            )
            .into());
        }
        let charged = mock.charged()?;
        if charged != self.rows {
            return Err(format!("the mock charged {charged} calls for {} rows", self.rows).into());
        }
        let rss_kib = match &self.time_file {
            Some(time_file) => {
                let report = fs::read_to_string(time_file)?;
                let _ = fs::remove_file(time_file);
                report
                    .lines()
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("Maximum resident set size (kbytes):")
                            .and_then(|v| v.trim().parse().ok())
                    })
                    .ok_or("no maximum resident set size in the time report")?
            }
            None => hwm,
        };
        Ok(RunResult { wall, rss_kib })
    }
}

/// `VmHWM` of a running process, in KiB (0 when unreadable).
pub(crate) fn vm_hwm_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// How many output rows have each verdict (or error kind).
fn verdict_counts(output: &Path) -> Result<Vec<(String, u64)>> {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for line in BufReader::new(fs::File::open(output)?).lines().skip(1) {
        let line = line?;
        let mut fields = line.split(',').skip(1);
        let verdict = fields.next().unwrap_or("");
        let kind = if verdict.is_empty() {
            fields.next().unwrap_or("")
        } else {
            verdict
        };
        *counts.entry(kind.to_string()).or_default() += 1;
    }
    Ok(counts.into_iter().collect())
}

struct Size {
    rows: u64,
    input: String,
    runs: Vec<RunResult>,
    verdicts: Vec<(String, u64)>,
}

fn print_report(sizes: &[Size], three: usize, people: usize, has_time: bool, load: &str) {
    println!("## `shiming batch` throughput and memory against the mock market\n");
    println!("| rows | runs (s) | best (s) | rows/s (best) | peak RSS (max of runs) |");
    println!("|---:|---|---:|---:|---:|");
    for s in sizes {
        let times: Vec<String> = s
            .runs
            .iter()
            .map(|r| format!("{:.3}", r.wall.as_secs_f64()))
            .collect();
        let best = s
            .runs
            .iter()
            .map(|r| r.wall.as_secs_f64())
            .fold(f64::INFINITY, f64::min);
        let rss = s.runs.iter().map(|r| r.rss_kib).max().unwrap_or(0);
        println!(
            "| {} | {} | {best:.3} | {:.0} | {:.1} MiB |",
            thousands(s.rows),
            times.join(" / "),
            s.rows as f64 / best,
            rss as f64 / 1024.0
        );
    }
    if let [large, small] = sizes {
        let peak = |s: &Size| s.runs.iter().map(|r| r.rss_kib).max().unwrap_or(0) as f64;
        println!(
            "\nPeak RSS with {} rows / with {} rows: {:.2}× for {}× the rows.",
            thousands(large.rows),
            thousands(small.rows),
            peak(large) / peak(small).max(1.0),
            large.rows / small.rows.max(1)
        );
    }
    println!("\nCommands:\n\n```sh\ncargo xtask bench-batch {}\n# which runs, against release builds (mock: shiming-mock-market --listen 127.0.0.1:0):", sizes.first().map_or(DEFAULT_ROWS, |s| s.rows));
    for s in sizes {
        println!(
            "target/release/shiming batch --input {} --output {} --concurrency {CONCURRENCY} --endpoint <mock URL> --appcode {DEMO_APPCODE}",
            s.input,
            s.input.replace(".csv", ".out.csv")
        );
    }
    println!("```\n");
    println!(
        "Input: the {people} people of `fixtures/people.tsv` in order, repeated ({three} with a mobile: three-element rows, the others two-element)."
    );
    for s in sizes {
        let verdicts: Vec<String> = s.verdicts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "Verdicts ({} rows, last run): {}; the mock charged exactly one call per row in every run.",
            thousands(s.rows),
            verdicts.join(", ")
        );
    }
    println!(
        "Times are whole-process wall clock (spawn to exit); peak RSS is {}.",
        if has_time {
            "`Maximum resident set size` from `/usr/bin/time -v`"
        } else {
            "the largest `VmHWM` seen in `/proc/<pid>/status`"
        }
    );
    println!(
        "Machine: {} CPUs (`nproc`), shared by `shiming batch` and the mock market. Load average before the runs (/proc/loadavg): {load}.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
