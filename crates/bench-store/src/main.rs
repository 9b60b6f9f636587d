//! The fleet store's benchmark, run by `cargo xtask bench-store [CHECKS] [SECONDS]` (release
//! build). Three modes, each printing Markdown on stdout and progress on stderr:
//!
//! * `bench-store throughput [CHECKS] [ROUNDS]` — starts the mock market in this process (on
//!   its own two-thread runtime) and a private `redis-server` on a free port, then drives the
//!   facade's router, built by `shiming::config::Config` as a deployment would build it (tel3
//!   at the mock with the demo AppCode, the dedupe cache, a tel3 rate and a daily budget), with
//!   64 concurrent tasks over CHECKS distinct synthetic people (every call uncached), with no
//!   store, the in-memory store and the Redis store, in ROUNDS alternating rounds; then the
//!   same people a second time (every call a cache hit) with each store. It reports checks/s,
//!   latency, Redis round trips per check (`RedisStore::round_trips`), Redis commands and
//!   Redis server CPU per check (`INFO`), and this process's CPU per check; then what each
//!   step of the Redis store (one Lua script) costs the server on its own (`scripts`).
//! * `bench-store limiter [SECONDS]` — starts a private `redis-server` and, for each rate of
//!   [`limiter::RATES`], four `limiter-worker` processes that share one Redis rate-limit key and
//!   each ask the store's limiter (`Store::acquire`, no router) for permits as fast as it grants
//!   them for SECONDS, after a one-second warm-up that spends the burst — after a refusal,
//!   again once the wait it names has passed (or, for burst 1, also at once); reports the
//!   aggregate rate against the configured one.
//! * `bench-store limiter-worker URL CREDENTIAL QPS BURST START_MS WARMUP_MS SECONDS RETRY` —
//!   one such process (started by `limiter`).

use std::process::ExitCode;

mod limiter;
mod people;
mod redis_server;
mod scripts;
mod throughput;

/// What every mode returns.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: bench-store <throughput [CHECKS] [ROUNDS] | limiter [SECONDS] | \
                     limiter-worker URL CREDENTIAL QPS BURST START_MS WARMUP_MS SECONDS RETRY>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("throughput") => throughput::run(&args[1..]),
        Some("limiter") => limiter::run(&args[1..]),
        Some("limiter-worker") => limiter::worker(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-store: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The `index`th argument parsed, or `default` when it is absent.
fn arg<T>(args: &[String], index: usize, default: T) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + 'static,
{
    match args.get(index) {
        Some(text) => text
            .parse()
            .map_err(|e| format!("argument {}: {text:?}: {e}", index + 1).into()),
        None => Ok(default),
    }
}

/// `utime + stime` of this process (all its threads), in seconds (`/proc/self/stat`, 100 ticks
/// per second, as on every Linux this runs on).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces: the fields counted here start after its `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After `)`: state (0), …, utime (11), stime (12).
    (ticks(11) + ticks(12)) as f64 / 100.0
}
