//! `cargo xtask fuzz` and `cargo xtask fuzz-seed`: run the cargo-fuzz targets of `fuzz/` one
//! after the other and report what libFuzzer says; write the seed corpus made from `fixtures/`.
//!
//! The targets are the files `fuzz/fuzz_targets/*.rs`, run in `crates/fuzz-targets`' order
//! (`TARGET_ORDER` below for the known ones, then the rest by name). One fuzzer runs at a time,
//! in one process (no `-jobs`/`-workers`). Crash, timeout and out-of-memory inputs that
//! libFuzzer writes to `fuzz/artifacts/<target>/` are copied to `fuzz/regressions/<target>/`,
//! where `crates/fuzz-targets/tests/replay.rs` replays them on stable.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{self, root};

/// The order of the first targets (the rest follow by name).
const TARGET_ORDER: &[&str] = &[
    "id_card",
    "mobile",
    "name",
    "tel3_decode",
    "sxm3v2_decode",
    "sjsys_decode",
    "sfz2_decode",
    "phonethird_decode",
    "mock_pipeline",
    "batch_csv",
];

const USAGE: &str =
    "usage: cargo xtask fuzz [SECONDS] [--runs N] [--target NAME]... [--timeout SECONDS] \
[--rss-limit-mb MB] [--max-len BYTES] [--sanitizer none|address] [--cmin]";

/// What to run.
struct Options {
    seconds: u64,
    runs: Option<u64>,
    targets: Vec<String>,
    timeout: u64,
    rss_limit_mb: u64,
    max_len: u64,
    sanitizer: String,
    cmin: bool,
}

impl Options {
    fn parse(args: &[String]) -> util::Result<Options> {
        let mut options = Options {
            seconds: 60,
            runs: None,
            targets: Vec::new(),
            timeout: 2,
            rss_limit_mb: 1024,
            max_len: 4096,
            sanitizer: "none".into(),
            cmin: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "--runs" => options.runs = Some(number(&value("--runs")?)?),
                "--target" => options.targets.push(value("--target")?),
                "--timeout" => options.timeout = number(&value("--timeout")?)?,
                "--rss-limit-mb" => options.rss_limit_mb = number(&value("--rss-limit-mb")?)?,
                "--max-len" => options.max_len = number(&value("--max-len")?)?,
                "--sanitizer" => options.sanitizer = value("--sanitizer")?,
                "--cmin" => options.cmin = true,
                seconds if !seconds.starts_with('-') => options.seconds = number(seconds)?,
                other => return Err(format!("unknown option {other}\n{USAGE}").into()),
            }
        }
        Ok(options)
    }
}

fn number(text: &str) -> util::Result<u64> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("not a number: {text}\n{USAGE}").into())
}

/// `cargo xtask fuzz-seed [TARGET]...`: the seeds made from `fixtures/` into
/// `fuzz/corpus/<target>/` (by `crates/fuzz-targets`' `fuzz-seed` binary, which knows each
/// target's input format).
pub fn seed(args: &[String]) -> util::Result<()> {
    let mut cargo_args = vec![
        "run",
        "--quiet",
        "--package",
        "shiming-fuzz-targets",
        "--bin",
        "fuzz-seed",
        "--",
    ];
    cargo_args.extend(args.iter().map(String::as_str));
    util::cargo(&cargo_args)
}

/// `cargo xtask fuzz …`: every (or each `--target`) target for SECONDS or `--runs N`.
pub fn run(args: &[String]) -> util::Result<()> {
    let options = Options::parse(args)?;
    let all = targets()?;
    let chosen: Vec<String> = if options.targets.is_empty() {
        all
    } else {
        for t in &options.targets {
            if !all.contains(t) {
                return Err(format!("no fuzz target {t} (fuzz/fuzz_targets/{t}.rs)").into());
            }
        }
        all.into_iter()
            .filter(|t| options.targets.contains(t))
            .collect()
    };
    let fuzz = Fuzz::find()?;
    // One build for every target; `cargo fuzz run` then finds them up to date.
    fuzz.cargo_fuzz(&["build", "--sanitizer", &options.sanitizer], None)?;
    let logs = root().join("target/xtask/fuzz");
    std::fs::create_dir_all(&logs)?;
    let mut reports = Vec::new();
    for target in &chosen {
        let report = run_target(&fuzz, &options, target, &logs)?;
        eprintln!("{}", report.line());
        if options.cmin && report.crashed.is_none() {
            let corpus = corpus(target);
            let corpus = corpus.to_str().ok_or("non-UTF-8 path")?;
            let rss = format!("-rss_limit_mb={}", options.rss_limit_mb);
            let timeout = format!("-timeout={}", options.timeout);
            let log = logs.join(format!("{target}.cmin.log"));
            // Hit counts off: one input per covered edge is kept, not one per count bucket,
            // which keeps the committed corpus small (a few hundred files per target).
            fuzz.cargo_fuzz(
                &[
                    "cmin",
                    "--sanitizer",
                    &options.sanitizer,
                    target,
                    corpus,
                    "--",
                    &rss,
                    &timeout,
                    "-use_counters=0",
                ],
                Some(&log),
            )?;
            eprintln!(
                "  corpus minimized: {} files",
                count_files(&corpus_path(target))
            );
        }
        reports.push(report);
    }
    print_table(&options, &reports);
    let crashed: Vec<&str> = reports
        .iter()
        .filter(|r| r.crashed.is_some())
        .map(|r| r.target.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "failing inputs of {} copied to fuzz/regressions/ (replayed by `cargo test -p shiming-fuzz-targets`)",
            crashed.join(", ")
        )
        .into())
    }
}

/// The targets of `fuzz/fuzz_targets/`, known ones first in their order.
fn targets() -> util::Result<Vec<String>> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("fuzz/fuzz_targets"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.insert(stem.to_owned());
            }
        }
    }
    let mut ordered: Vec<String> = TARGET_ORDER
        .iter()
        .filter(|t| names.contains(**t))
        .map(|t| (*t).to_owned())
        .collect();
    ordered.extend(
        names
            .into_iter()
            .filter(|t| !TARGET_ORDER.contains(&t.as_str())),
    );
    Ok(ordered)
}

fn corpus_path(target: &str) -> PathBuf {
    root().join("fuzz/corpus").join(target)
}

/// The corpus directory as given to cargo-fuzz (relative to the repository root).
fn corpus(target: &str) -> PathBuf {
    Path::new("fuzz/corpus").join(target)
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.filter_map(Result::ok).count())
}

/// How cargo-fuzz is invoked: `cargo +nightly fuzz`, or `cargo fuzz` with `RUSTC_BOOTSTRAP=1`
/// on a stable toolchain when no nightly is installed.
struct Fuzz {
    nightly: bool,
}

impl Fuzz {
    fn find() -> util::Result<Fuzz> {
        let nightly = clean_command("cargo")
            .args(["+nightly", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let fuzz = Fuzz { nightly };
        let installed = fuzz
            .command(&["--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            return Err("cargo-fuzz is missing: `cargo install cargo-fuzz`".into());
        }
        if !nightly {
            eprintln!("no nightly toolchain: using RUSTC_BOOTSTRAP=1 on the default one");
        }
        Ok(fuzz)
    }

    /// `cargo [+nightly] fuzz ARGS` in the repository root.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = clean_command("cargo");
        if self.nightly {
            command.arg("+nightly");
        } else {
            command.env("RUSTC_BOOTSTRAP", "1");
        }
        command.arg("fuzz").args(args).current_dir(root());
        command
    }

    /// Runs `cargo fuzz ARGS`, its output to `log` if given; fails when it fails.
    fn cargo_fuzz(&self, args: &[&str], log: Option<&Path>) -> util::Result<()> {
        eprintln!("$ cargo fuzz {}", args.join(" "));
        let mut command = self.command(args);
        if let Some(log) = log {
            let file = std::fs::File::create(log)?;
            command.stdout(file.try_clone()?).stderr(file);
        }
        let status = command.status()?;
        if !status.success() {
            return Err(format!("`cargo fuzz {}` failed: {status}", args.join(" ")).into());
        }
        Ok(())
    }
}

/// A command without what the `cargo run` of xtask put into the environment: its toolchain
/// choice, so that `+nightly` (or the default toolchain) decides, and xtask's own package
/// variables, which build scripts watch (ring's reruns when `CARGO_MANIFEST_DIR` changes), so
/// that a build by the xtask and one by hand are the same build.
fn clean_command(program: &str) -> Command {
    let mut command = Command::new(program);
    for var in [
        "RUSTUP_TOOLCHAIN",
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
    ] {
        command.env_remove(var);
    }
    let package_vars = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
        "CARGO_PRIMARY_PACKAGE",
    ];
    for (var, _) in std::env::vars_os() {
        if var
            .to_str()
            .is_some_and(|v| package_vars.iter().any(|p| v.starts_with(p)))
        {
            command.env_remove(var);
        }
    }
    command
}

/// What libFuzzer reported for one target.
struct Report {
    target: String,
    runs: Option<u64>,
    seconds: Option<u64>,
    exec_per_sec: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    corpus: Option<String>,
    peak_rss_mb: Option<u64>,
    slowest_unit_sec: Option<u64>,
    wall_seconds: u64,
    /// The failing inputs copied to `fuzz/regressions/<target>/`, if it failed.
    crashed: Option<Vec<String>>,
}

impl Report {
    fn line(&self) -> String {
        let result = match &self.crashed {
            None => "no crash".to_owned(),
            Some(files) if files.is_empty() => "FAILED (no artifact written; see the log)".into(),
            Some(files) => format!("FAILED: {}", files.join(", ")),
        };
        format!(
            "{}: {} runs in {} s, {} exec/s, cov {} ft {}, corpus {}: {result}",
            self.target,
            show(self.runs),
            show(self.seconds),
            show(self.exec_per_sec),
            show(self.cov),
            show(self.ft),
            self.corpus.as_deref().unwrap_or("?"),
        )
    }
}

fn show(value: Option<u64>) -> String {
    value.map_or_else(|| "?".to_owned(), |v| v.to_string())
}

fn run_target(fuzz: &Fuzz, options: &Options, target: &str, logs: &Path) -> util::Result<Report> {
    let artifacts = root().join("fuzz/artifacts").join(target);
    let before = listing(&artifacts);
    let corpus = corpus(target);
    std::fs::create_dir_all(root().join(&corpus))?;
    let corpus = corpus.to_str().ok_or("non-UTF-8 path")?;
    let limit = match options.runs {
        Some(runs) => format!("-runs={runs}"),
        None => format!("-max_total_time={}", options.seconds),
    };
    let flags = [
        limit,
        format!("-timeout={}", options.timeout),
        format!("-rss_limit_mb={}", options.rss_limit_mb),
        format!("-max_len={}", options.max_len),
        "-print_final_stats=1".to_owned(),
    ];
    let mut args = vec![
        "run",
        "--sanitizer",
        &options.sanitizer,
        target,
        corpus,
        "--",
    ];
    args.extend(flags.iter().map(String::as_str));
    let log = logs.join(format!("{target}.log"));
    eprintln!("$ cargo fuzz {}   (log: {})", args.join(" "), log.display());
    let file = std::fs::File::create(&log)?;
    let started = Instant::now();
    let status = fuzz
        .command(&args)
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()?;
    let wall_seconds = started.elapsed().as_secs();
    let text = String::from_utf8_lossy(&std::fs::read(&log)?).into_owned();
    let mut report = parse_log(target, &text);
    report.wall_seconds = wall_seconds;
    if !status.success() {
        let regressions = root().join("fuzz/regressions").join(target);
        std::fs::create_dir_all(&regressions)?;
        let mut copied = Vec::new();
        for name in listing(&artifacts).difference(&before) {
            std::fs::copy(artifacts.join(name), regressions.join(name))?;
            copied.push(format!("fuzz/regressions/{target}/{name}"));
        }
        report.crashed = Some(copied);
    }
    Ok(report)
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).map_or_else(
        |_| BTreeSet::new(),
        |entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        },
    )
}

/// Reads libFuzzer's final lines: `Done N runs in S second(s)`, the `stat::` lines of
/// `-print_final_stats=1` and the last status line (`#N DONE cov: … ft: … corp: …`).
fn parse_log(target: &str, text: &str) -> Report {
    let mut report = Report {
        target: target.to_owned(),
        runs: None,
        seconds: None,
        exec_per_sec: None,
        cov: None,
        ft: None,
        corpus: None,
        peak_rss_mb: None,
        slowest_unit_sec: None,
        wall_seconds: 0,
        crashed: None,
    };
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Done ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            report.runs = words.first().and_then(|w| w.parse().ok());
            report.seconds = words.get(3).and_then(|w| w.parse().ok());
        } else if let Some((key, value)) =
            line.strip_prefix("stat::").and_then(|s| s.split_once(':'))
        {
            let value = value.trim().parse().ok();
            match key {
                "number_of_executed_units" => report.runs = value,
                "average_exec_per_sec" => report.exec_per_sec = value,
                "peak_rss_mb" => report.peak_rss_mb = value,
                "slowest_unit_time_sec" => report.slowest_unit_sec = value,
                _ => {}
            }
        } else if line.starts_with('#') && line.contains("cov: ") {
            let words: Vec<&str> = line.split_whitespace().collect();
            let after = |key: &str| {
                words
                    .iter()
                    .position(|w| *w == key)
                    .and_then(|i| words.get(i + 1))
                    .map(|w| (*w).to_owned())
            };
            report.cov = after("cov:").and_then(|w| w.parse().ok());
            report.ft = after("ft:").and_then(|w| w.parse().ok());
            report.corpus = after("corp:");
        }
    }
    report
}

fn print_table(options: &Options, reports: &[Report]) {
    let limit = match options.runs {
        Some(runs) => format!("-runs={runs}"),
        None => format!("-max_total_time={}", options.seconds),
    };
    println!(
        "\nlibFuzzer {limit} -timeout={} -rss_limit_mb={} -max_len={}, sanitizer {}\n",
        options.timeout, options.rss_limit_mb, options.max_len, options.sanitizer
    );
    println!("| target | executions | time (s) | exec/s | cov | ft | corpus (files/bytes) | slowest (s) | peak RSS (MB) | wall (s) | result |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in reports {
        let result = match &r.crashed {
            None => "no crash, no timeout".to_owned(),
            Some(files) => format!("FAILED {}", files.join(" ")),
        };
        println!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {result} |",
            r.target,
            show(r.runs),
            show(r.seconds),
            show(r.exec_per_sec),
            show(r.cov),
            show(r.ft),
            r.corpus.as_deref().unwrap_or("?"),
            show(r.slowest_unit_sec),
            show(r.peak_rss_mb),
            r.wall_seconds,
        );
    }
}
