//! Project chores: `cargo xtask <command>`.
//!
//! * `ci` — what CI runs: `cargo fmt --check`, `tidy`, clippy with `-D warnings`, every test and
//!   doc test, then `package`.
//! * `tidy` — checks the architecture invariants of `ARCHITECTURE.md` (`tidy.rs`: core does no
//!   I/O, dependencies point down the layers, only vendor crates know wire formats, public enums
//!   are `#[non_exhaustive]`, public items are documented).
//! * `regions` — regenerates `crates/core/data/gb2260.tsv` from python-stdnum's `cn/loc.dat`.
//! * `nationalities` — regenerates `crates/core/data/iso3166-1.tsv` from Debian's iso-codes.
//! * `crosscheck` — regenerates `fixtures/id-crosscheck.tsv` with python-stdnum's verdicts.
//! * `mock` — runs the mock market locally (`cargo xtask mock -- --quota 100`, default port 8080).
//! * `bench-mock` — load benchmark of the mock market against a minimal hyper server (wrk).
//! * `people` — regenerates `fixtures/people.tsv`, the mock market's synthetic people.
//! * `bench-check` — times `shiming check id-card --file` on 1,000,000 lines against python-stdnum.
//! * `bench-batch` — `shiming batch` rows/s and peak memory against the mock market binary.
//! * `bench-input` — `shiming batch --dry-run` on UTF-8 and GB18030 CSV and xlsx: rows/s and
//!   peak memory of the input reader.
//! * `bench-store` — the router's checks/s with no store, the in-memory store and Redis against
//!   the mock market, cache-hit cost, Redis round trips and server CPU per check, and the Redis
//!   rate limit's accuracy across four processes (`crates/bench-store`).
//! * `package` — `cargo package --workspace` with verification, then `cargo install` of the
//!   packaged command line and mock market outside the repository, and a run of each.
//! * `fuzz` — runs every cargo-fuzz target in turn (nightly); `fuzz-seed` — seeds from fixtures.

use std::process::ExitCode;

mod bench_batch;
mod bench_check;
mod bench_input;
mod bench_mock;
mod bench_store;
mod crosscheck;
mod fuzz;
mod nationalities;
mod package;
mod people;
mod regions;
mod tidy;
mod util;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("tidy") => tidy::run(),
        Some("regions") => regions::run(),
        Some("nationalities") => nationalities::run(),
        Some("crosscheck") => crosscheck::run(),
        Some("bench-check") => bench_check::run(&args[1..]),
        Some("people") => people::run(&args[1..]),
        Some("bench-mock") => bench_mock::run(&args[1..]),
        Some("bench-batch") => bench_batch::run(&args[1..]),
        Some("bench-input") => bench_input::run(&args[1..]),
        Some("bench-store") => bench_store::run(&args[1..]),
        Some("mock") => mock(&args[1..]),
        Some("package") => package::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("fuzz-seed") => fuzz::seed(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci|tidy|regions|nationalities|crosscheck|bench-check [LINES]|people [--check]|mock [ARGS]|bench-mock [SECONDS] [ROUNDS]|bench-batch [ROWS]|bench-input [ROWS]|bench-store [CHECKS] [SECONDS]|package|fuzz [SECONDS] [--runs N] [--target T]...|fuzz-seed [T]...>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the mock market in the foreground with `args` passed through.
fn mock(args: &[String]) -> util::Result<()> {
    let mut cargo_args = vec!["run", "--release", "-p", "shiming-mock-market", "--"];
    cargo_args.extend(args.iter().map(String::as_str).filter(|a| *a != "--"));
    util::cargo(&cargo_args)
}

/// Formatting, the invariants, lints, every test and the packaging check, exactly as CI runs
/// them.
fn ci() -> util::Result<()> {
    util::cargo(&["fmt", "--all", "--check"])?;
    // Fast, and it names the broken invariant before the long steps run.
    tidy::run()?;
    util::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    // The facade compiles with any subset of vendors: none, and one alone.
    for features in [
        &["--no-default-features"][..],
        &["--no-default-features", "--features", "tel3"],
    ] {
        let mut args = vec!["clippy", "-p", "shiming"];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--", "-D", "warnings"]);
        util::cargo(&args)?;
    }
    // The command line builds without the mock market (`--mock` is then refused).
    util::cargo(&[
        "clippy",
        "-p",
        "shiming-cli",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ])?;
    // The Redis store is behind a feature that the workspace runs leave off.
    util::cargo(&[
        "clippy",
        "-p",
        "shiming-store",
        "--all-features",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    // Tests that need a real Redis or a real browser record themselves here when it is missing
    // (and fail instead under SHIMING_REQUIRE_REDIS / SHIMING_REQUIRE_BROWSER, as CI sets
    // them): never a silent skip.
    let skips = [
        Skips {
            dir: util::root().join("target/redis-skipped"),
            missing: "redis-server is not installed",
            install: "apt-get install -y redis-server",
            require: "SHIMING_REQUIRE_REDIS",
        },
        Skips {
            dir: util::root().join("target/browser-skipped"),
            missing: "chromium or chromedriver is not installed",
            install: "apt-get install -y chromium chromium-driver",
            require: "SHIMING_REQUIRE_BROWSER",
        },
    ];
    for skip in &skips {
        let _ = std::fs::remove_dir_all(&skip.dir);
    }
    util::cargo(&["test", "--workspace", "--all-targets"])?;
    util::cargo(&["test", "--workspace", "--doc"])?;
    util::cargo(&["test", "-p", "shiming-store", "--all-features"])?;
    for skip in &skips {
        report_skips(skip);
    }
    package::run(&[])
}

/// Where tests that need an outside program record themselves when it is missing, and what to
/// say about it.
struct Skips {
    /// One file per test that did not run, named after it.
    dir: std::path::PathBuf,
    /// What is missing, as a clause: "redis-server is not installed".
    missing: &'static str,
    /// The command that installs it.
    install: &'static str,
    /// The variable that turns the skip into a failure (CI sets it).
    require: &'static str,
}

/// Says loudly which tests did not run for want of what `skips` names, and how to install it.
fn report_skips(skips: &Skips) {
    let Ok(entries) = std::fs::read_dir(&skips.dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return;
    }
    names.sort();
    eprintln!(
        "\n*** {} test(s) DID NOT RUN: {} ({}; CI sets {}=1 to fail instead):",
        names.len(),
        skips.missing,
        skips.install,
        skips.require
    );
    for name in names {
        eprintln!("***   {name}");
    }
}
