//! `cargo xtask bench-store [CHECKS] [SECONDS]`: the fleet store's benchmark (`crates/bench-store`,
//! release build), printed as Markdown for BENCHMARKS.md.
//!
//! 1. `bench-store throughput CHECKS` — the facade's router (built from a `shiming::Config`:
//!    tel3 at the mock market, which runs inside the benchmark's process on its own two
//!    threads) at concurrency 64 over CHECKS (default 50,000) distinct synthetic people, so
//!    that every call is uncached: no store, the in-memory store, the Redis store (a private
//!    `redis-server` on a free port, killed after), in five alternating rounds; then the same
//!    people again (all cache hits) with each store; then each step of the Redis store alone.
//!    Checks/s, memory ÷ no store, Redis round trips (`RedisStore::round_trips`), commands and
//!    server CPU (`INFO`) per check.
//! 2. `bench-store limiter SECONDS` — four processes sharing one Redis rate limit, each asking
//!    `Store::acquire` as fast as permits are granted, for SECONDS (default 10) after a
//!    one-second warm-up: the aggregate rate ÷ the configured one.
//!
//! Needs `redis-server` (Debian package `redis-server`; or `SHIMING_REDIS_SERVER`).

use std::process::Command;

use crate::bench_batch::target_dir;
use crate::util::{self, Result};

pub fn run(args: &[String]) -> Result<()> {
    let checks: u64 = args
        .first()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(50_000);
    let seconds: u64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(10);
    if checks == 0 || seconds == 0 {
        return Err("CHECKS and SECONDS must be at least 1".into());
    }
    let redis = util::output("redis-server", &["--version"])
        .map_err(|_| "redis-server is not installed (apt-get install -y redis-server)")?;
    util::cargo(&["build", "--release", "-p", "bench-store"])?;
    let root = util::root();
    let bench = target_dir(&root).join("release/bench-store");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let throughput = capture(&bench, &["throughput", &checks.to_string()])?;
    let limiter = capture(&bench, &["limiter", &seconds.to_string()])?;

    println!("## Fleet store (`cargo xtask bench-store {checks} {seconds}`)\n");
    println!("{throughput}\n{limiter}");
    println!(
        "\nMachine: {} CPUs (`nproc`) shared by the benchmark's process (the router's runtime, \
         two worker threads; the mock market's, two more), redis-server and, for the limiter, \
         the four processes; {}.\nLoad average before the runs (/proc/loadavg): {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        redis
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        load.trim()
    );
    Ok(())
}

/// Runs the benchmark binary with `args`, its progress on stderr, and returns its stdout.
fn capture(bench: &std::path::Path, args: &[&str]) -> Result<String> {
    eprintln!("$ {} {}", bench.display(), args.join(" "));
    let out = Command::new(bench)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("`bench-store {}` failed: {}", args.join(" "), out.status).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}
