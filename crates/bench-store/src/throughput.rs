//! `bench-store throughput [CHECKS] [ROUNDS]`: verifications per second through the router with
//! no store, the in-memory store and the Redis store (every call uncached), then the same people
//! again with each store (every call a cache hit).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use shiming::config::{Config, Overrides};
use shiming::core::Identity;
use shiming::store::{RedisStore, Store};
use shiming::{Router, Vendor};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::MockMarket;
use tokio::task::JoinSet;

use crate::people::people;
use crate::redis_server::{Admin, RedisServer, Stats};
use crate::scripts::Cost;
use crate::{arg, Result};

/// Checks in flight at once.
pub const CONCURRENCY: usize = 64;
const DEFAULT_CHECKS: usize = 50_000;
const DEFAULT_ROUNDS: usize = 5;
/// Calls of each Redis step measured on its own.
const SCRIPT_CALLS: usize = 10_000;
/// Checks of other people before each timed pass: connections and pools are warm.
const WARM_UP: usize = 2_000;

/// What a fleet's configuration says besides the vendor: the dedupe cache, tel3's shared rate
/// (high enough never to make a call wait: every call still takes and, on a hit, gives back a
/// permit) and a daily budget (every paid call is reserved against it, then settled).
const STORE_TOML: &str = r#"
[store]
cache = true

[budget]
daily = "100000000"

[vendors.tel3]
qps = 1000000
burst = 1000
"#;

/// The dedupe cache's secret (`SHIMING_CACHE_PEPPER`), 64 bytes.
const PEPPER: &str = "62656e63682d73746f72652d70657070657262656e63682d73746f72652d7070";

/// The stores compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    NoStore,
    Memory,
    Redis,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::NoStore => "no store",
            Mode::Memory => "memory",
            Mode::Redis => "Redis",
        }
    }
}

/// CPU seconds of this process, split between the mock market's threads and the rest (the
/// router, its runtime and the Redis client).
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    mock: f64,
    router: f64,
}

impl Cpu {
    /// Now, from `/proc/self/task/*/stat` (threads named `mock-market` are the mock's); the
    /// total from `/proc/self/stat`, so that threads that have exited still count.
    fn now() -> Cpu {
        let mut mock = 0.0;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
                let name = stat
                    .split_once('(')
                    .and_then(|(_, rest)| rest.rsplit_once(')'))
                    .map_or("", |(name, _)| name);
                if name.starts_with("mock-market") {
                    mock += thread_cpu(&stat);
                }
            }
        }
        Cpu {
            mock,
            router: crate::process_cpu_seconds() - mock,
        }
    }

    fn since(&self, before: &Cpu) -> Cpu {
        Cpu {
            mock: self.mock - before.mock,
            router: self.router - before.router,
        }
    }
}

/// `utime + stime` of one `stat` line, in seconds.
fn thread_cpu(stat: &str) -> f64 {
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// One timed pass over a list of people.
#[derive(Debug, Clone, Default)]
struct Pass {
    checks: usize,
    seconds: f64,
    cached: usize,
    errors: usize,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
    cpu: Cpu,
    /// Requests the Redis store sent ([`RedisStore::round_trips`]) and what the server counted.
    redis: Option<(u64, Stats)>,
}

impl Pass {
    fn rate(&self) -> f64 {
        self.checks as f64 / self.seconds
    }

    fn percentile_us(&self, p: f64) -> u32 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(i).copied().unwrap_or(0)
    }

    fn mean_us(&self) -> f64 {
        let sum: u64 = self.latencies_us.iter().map(|&l| u64::from(l)).sum();
        sum as f64 / self.latencies_us.len().max(1) as f64
    }

    /// Per check: `x / checks`, in the unit the caller scales it to.
    fn per_check(&self, x: f64) -> f64 {
        x / self.checks as f64
    }
}

/// A router over tel3 at the mock, built from a configuration as a deployment builds it, with
/// `store` (`None`: no store, and no store settings).
fn router(mock_url: &str, store: Option<Arc<dyn Store>>) -> Result<Router> {
    let text = if store.is_some() { STORE_TOML } else { "" };
    let mut config = Config::from_toml_str(text)?;
    config.apply_env_from(|name| match name {
        "SHIMING_APPCODE" => Some(DEMO_APPCODE.to_string()),
        "SHIMING_CACHE_PEPPER" => Some(PEPPER.to_string()),
        _ => None,
    });
    config.apply(
        &Overrides::default()
            .with_only(Some(Vendor::Tel3))
            .with_endpoint(Some(mock_url.to_string())),
    );
    let router = config
        .router_builder(&config.gateway()?, store)?
        .on_warning(|w| eprintln!("router warning: {w}"))
        .build();
    if router.routes().len() != 1 {
        return Err(format!("expected one route (tel3), got {}", router.routes().len()).into());
    }
    Ok(router)
}

/// Checks every one of `people` through `router`, [`CONCURRENCY`] at a time.
async fn drive(router: &Arc<Router>, people: &Arc<Vec<Identity>>) -> Pass {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (router, people, next) = (Arc::clone(router), Arc::clone(people), Arc::clone(&next));
        tasks.spawn(async move {
            let mut pass = Pass::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(who) = people.get(i) else { break };
                let t = Instant::now();
                let result = router.verify(who).await;
                pass.latencies_us
                    .push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                match result {
                    Ok(routed) => pass.cached += usize::from(routed.cached),
                    Err(e) => {
                        pass.errors += 1;
                        pass.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            pass
        });
    }
    let mut total = Pass::default();
    while let Some(done) = tasks.join_next().await {
        let Ok(pass) = done else { continue };
        total.cached += pass.cached;
        total.errors += pass.errors;
        if total.first_error.is_none() {
            total.first_error = pass.first_error;
        }
        total.latencies_us.extend(pass.latencies_us);
    }
    total.seconds = started.elapsed().as_secs_f64();
    total.checks = total.latencies_us.len();
    total
}

/// A timed pass, with the CPU and (for Redis) the store's and the server's counters around it.
async fn timed(
    router: &Arc<Router>,
    people: &Arc<Vec<Identity>>,
    mut redis: Option<(&RedisStore, &mut Admin)>,
) -> Result<Pass> {
    let mut before = None;
    if let Some((store, admin)) = redis.as_mut() {
        before = Some((store.round_trips(), admin.stats().await?));
    }
    let cpu = Cpu::now();
    let mut pass = drive(router, people).await;
    pass.cpu = Cpu::now().since(&cpu);
    if let (Some((store, admin)), Some((trips, stats))) = (redis, before) {
        let after = admin.stats().await?;
        pass.redis = Some((store.round_trips() - trips, after.since(&stats)));
    }
    Ok(pass)
}

/// The two passes of one store in one round: uncached, then the same people cached.
struct Round {
    mode: Mode,
    uncached: Pass,
    cached: Option<Pass>,
}

pub fn run(args: &[String]) -> Result<()> {
    let checks: usize = arg(args, 0, DEFAULT_CHECKS)?;
    let rounds: usize = arg(args, 1, DEFAULT_ROUNDS)?.max(1);
    let mock = MockMarket::start()?;
    let server = RedisServer::start()?;
    let url = server.url();
    let people = Arc::new(people(0, checks));
    let warm = Arc::new(crate::people::people(checks, WARM_UP));
    eprintln!(
        "mock market at {} (in this process), redis-server at {url}; {checks} people, \
         {CONCURRENCY} in flight, {rounds} rounds",
        mock.url()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        let mut admin = Admin::connect(&url).await?;
        let mut results: Vec<Vec<Round>> = Vec::new();
        for round in 1..=rounds {
            let mut this = Vec::new();
            for mode in [Mode::NoStore, Mode::Memory, Mode::Redis] {
                eprintln!("round {round}/{rounds}: {} …", mode.label());
                let r = one(mode, &mock.url(), &url, &mut admin, &people, &warm).await?;
                eprintln!(
                    "  uncached: {:.0} checks/s{}",
                    r.uncached.rate(),
                    r.cached
                        .as_ref()
                        .map(|c| format!("; cached: {:.0} checks/s", c.rate()))
                        .unwrap_or_default()
                );
                this.push(r);
            }
            results.push(this);
        }
        eprintln!("each Redis step alone, {SCRIPT_CALLS} calls …");
        admin.flush().await?;
        let store = RedisStore::connect(&url).await?;
        let fresh = crate::people::people(checks + WARM_UP, SCRIPT_CALLS);
        let costs = crate::scripts::costs(&store, &mut admin, &fresh, SCRIPT_CALLS).await?;
        Ok::<_, Box<dyn std::error::Error>>((results, costs))
    })?;
    drop(server);
    let (results, costs) = results;
    report(&results, checks, rounds);
    report_redis(&results, &costs);
    Ok(())
}

/// One store's passes in one round, with a fresh store (a new `MemoryStore`; Redis emptied).
async fn one(
    mode: Mode,
    mock_url: &str,
    redis_url: &str,
    admin: &mut Admin,
    people: &Arc<Vec<Identity>>,
    warm: &Arc<Vec<Identity>>,
) -> Result<Round> {
    let redis = match mode {
        Mode::Redis => {
            admin.flush().await?;
            Some(RedisStore::connect(redis_url).await?)
        }
        _ => None,
    };
    let store: Option<Arc<dyn Store>> = match (&redis, mode) {
        (Some(redis), _) => Some(Arc::new(redis.clone())),
        (None, Mode::Memory) => Some(Arc::new(shiming::store::MemoryStore::new())),
        _ => None,
    };
    let router = Arc::new(router(mock_url, store)?);
    let warmed = drive(&router, warm).await;
    check(&warmed, mode, "warm-up", false)?;
    let uncached = timed(&router, people, redis.as_ref().map(|s| (s, &mut *admin))).await?;
    check(&uncached, mode, "uncached", false)?;
    let cached = if mode == Mode::NoStore {
        None
    } else {
        let pass = timed(&router, people, redis.as_ref().map(|s| (s, &mut *admin))).await?;
        check(&pass, mode, "cached", true)?;
        Some(pass)
    };
    Ok(Round {
        mode,
        uncached,
        cached,
    })
}

/// A pass counts only without errors, and with every answer cached (`cached`) or none.
fn check(pass: &Pass, mode: Mode, what: &str, cached: bool) -> Result<()> {
    if pass.errors > 0 {
        return Err(format!(
            "{} {what}: {} of {} checks failed; the first: {}",
            mode.label(),
            pass.errors,
            pass.checks,
            pass.first_error.as_deref().unwrap_or("?")
        )
        .into());
    }
    let expected = if cached { pass.checks } else { 0 };
    if pass.cached != expected {
        return Err(format!(
            "{} {what}: {} of {} answers came from the cache, expected {expected}",
            mode.label(),
            pass.cached,
            pass.checks
        )
        .into());
    }
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Round trips, commands, Redis CPU (µs) and script time (µs), per check; blanks without Redis.
fn redis_cells(pass: &Pass) -> [String; 4] {
    match &pass.redis {
        Some((trips, stats)) => [
            format!("{:.2}", pass.per_check(*trips as f64)),
            format!("{:.2}", pass.per_check(stats.commands as f64)),
            format!("{:.1}", pass.per_check(stats.cpu * 1e6)),
            format!("{:.1}", pass.per_check(stats.evalsha_usec as f64)),
        ],
        None => Default::default(),
    }
}

fn report(results: &[Vec<Round>], checks: usize, rounds: usize) {
    let by = |mode: Mode| -> Vec<&Round> {
        results
            .iter()
            .flatten()
            .filter(|r| r.mode == mode)
            .collect()
    };
    println!(
        "### Uncached checks ({checks} distinct people per pass, {CONCURRENCY} in flight, \
         {rounds} alternating rounds)\n"
    );
    println!(
        "| round | store | checks/s | × no store | mean latency | p99 | Redis round trips/check \
         | Redis commands/check | Redis CPU/check | of which scripts | mock CPU/check | router \
         CPU/check |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (i, round) in results.iter().enumerate() {
        let base = round
            .iter()
            .find(|r| r.mode == Mode::NoStore)
            .map_or(1.0, |r| r.uncached.rate());
        for r in round {
            let p = &r.uncached;
            let [trips, commands, cpu, scripts] = redis_cells(p);
            println!(
                "| {} | {} | {:.0} | {:.2}× | {:.0} µs | {} µs | {trips} | {commands} | {} | {} \
                 | {:.1} µs | {:.1} µs |",
                i + 1,
                r.mode.label(),
                p.rate(),
                p.rate() / base,
                p.mean_us(),
                p.percentile_us(0.99),
                if cpu.is_empty() { cpu } else { cpu + " µs" },
                if scripts.is_empty() {
                    scripts
                } else {
                    scripts + " µs"
                },
                p.per_check(p.cpu.mock * 1e6),
                p.per_check(p.cpu.router * 1e6),
            );
        }
    }

    println!(
        "\n### Cache hits (the same people again, every answer cached, {CONCURRENCY} in flight)\n"
    );
    println!(
        "| round | store | hits/s | wall µs/hit | mean latency | p99 | Redis round trips/hit | \
         Redis commands/hit | Redis CPU/hit | of which scripts | router CPU/hit |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (i, round) in results.iter().enumerate() {
        for r in round {
            let Some(p) = &r.cached else { continue };
            let [trips, commands, cpu, scripts] = redis_cells(p);
            println!(
                "| {} | {} | {:.0} | {:.1} | {:.0} µs | {} µs | {trips} | {commands} | {} | {} \
                 | {:.1} µs |",
                i + 1,
                r.mode.label(),
                p.rate(),
                1e6 / p.rate(),
                p.mean_us(),
                p.percentile_us(0.99),
                if cpu.is_empty() { cpu } else { cpu + " µs" },
                if scripts.is_empty() {
                    scripts
                } else {
                    scripts + " µs"
                },
                p.per_check(p.cpu.router * 1e6),
            );
        }
    }

    let uncached = |mode: Mode| median(by(mode).iter().map(|r| r.uncached.rate()).collect());
    let hits = |mode: Mode| {
        median(
            by(mode)
                .iter()
                .filter_map(|r| r.cached.as_ref().map(Pass::rate))
                .collect(),
        )
    };
    let ratios: Vec<f64> = results
        .iter()
        .filter_map(|round| {
            let rate = |m: Mode| {
                round
                    .iter()
                    .find(|r| r.mode == m)
                    .map(|r| r.uncached.rate())
            };
            Some(rate(Mode::Memory)? / rate(Mode::NoStore)?)
        })
        .collect();
    let trips = median(
        by(Mode::Redis)
            .iter()
            .filter_map(|r| {
                r.uncached
                    .redis
                    .as_ref()
                    .map(|(t, _)| r.uncached.per_check(*t as f64))
            })
            .collect(),
    );
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    println!("\n### Summary (medians of {rounds} rounds)\n");
    println!("| figure | measured | goal |");
    println!("|---|---:|---|");
    println!(
        "| no store, uncached | {:.0} checks/s | — |",
        uncached(Mode::NoStore)
    );
    println!(
        "| in-memory store, uncached | {:.0} checks/s | — |",
        uncached(Mode::Memory)
    );
    println!(
        "| in-memory ÷ no store (per round) | {:.2}× ({lo:.2}–{hi:.2}×) | ≥ 0.9× {} |",
        median(ratios.clone()),
        if median(ratios) >= 0.9 { "✔" } else { "✘" }
    );
    let redis_rate = uncached(Mode::Redis);
    println!(
        "| Redis store, uncached | {redis_rate:.0} checks/s | ≥ 20,000/s {} |",
        if redis_rate >= 20_000.0 { "✔" } else { "✘" }
    );
    println!(
        "| Redis round trips per uncached check | {trips:.2} | ≤ 2 {} |",
        if trips <= 2.0 { "✔" } else { "✘" }
    );
    println!(
        "| cache hits, in-memory store | {:.0} hits/s ({:.1} µs/hit) | — |",
        hits(Mode::Memory),
        1e6 / hits(Mode::Memory)
    );
    println!(
        "| cache hits, Redis store | {:.0} hits/s ({:.1} µs/hit) | — |",
        hits(Mode::Redis),
        1e6 / hits(Mode::Redis)
    );
}

/// Where the Redis server's time goes: each step alone, and the commands of the last round's
/// passes by name.
fn report_redis(results: &[Vec<Round>], costs: &[Cost]) {
    println!(
        "\n### The Redis server's work per step ({SCRIPT_CALLS} calls of each store method \
         alone, {CONCURRENCY} in flight; commands include those the script runs)\n"
    );
    println!("| step (one Lua script by EVALSHA) | Redis commands/call | Redis CPU/call | script time/call |");
    println!("|---|---:|---:|---:|");
    let per = |c: &Cost| {
        let n = c.calls as f64;
        (
            c.stats.commands as f64 / n,
            c.stats.cpu * 1e6 / n,
            c.stats.evalsha_usec as f64 / n,
        )
    };
    for c in costs {
        let (commands, cpu, script) = per(c);
        println!(
            "| {} | {commands:.1} | {cpu:.1} µs | {script:.1} µs |",
            c.step
        );
    }
    for (what, steps) in [
        (
            "= an uncached check (claim new, acquire, reserve; settle billed, fill)",
            &[
                "claim (new key)",
                "acquire",
                "reserve",
                "settle (billed)",
                "fill",
            ][..],
        ),
        (
            "= a cache hit (claim cached, acquire, reserve; refund, settle not billed, record)",
            &[
                "claim (cached)",
                "acquire",
                "reserve",
                "refund",
                "settle (not billed)",
                "record (cache hit)",
            ][..],
        ),
    ] {
        let (mut commands, mut cpu, mut script) = (0.0, 0.0, 0.0);
        for c in costs.iter().filter(|c| steps.contains(&c.step)) {
            let (a, b, d) = per(c);
            (commands, cpu, script) = (commands + a, cpu + b, script + d);
        }
        println!("| {what} | {commands:.1} | {cpu:.1} µs | {script:.1} µs |");
    }

    let Some(last) = results.last() else { return };
    let Some(redis) = last.iter().find(|r| r.mode == Mode::Redis) else {
        return;
    };
    let (Some((_, uncached)), Some((_, hits))) = (
        redis.uncached.redis.as_ref(),
        redis.cached.as_ref().and_then(|p| p.redis.as_ref()),
    ) else {
        return;
    };
    let n_uncached = redis.uncached.checks as f64;
    let n_hits = redis.cached.as_ref().map_or(1, |p| p.checks) as f64;
    let mut names: Vec<&String> = uncached.by_command.keys().collect();
    for name in hits.by_command.keys() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.sort_by_key(|name| std::cmp::Reverse(uncached.by_command.get(*name).map_or(0, |c| c.0)));
    println!(
        "\n### Redis commands by name (last round's Redis passes; `usec` of `INFO commandstats`)\n"
    );
    println!("| command | calls/uncached check | µs/uncached check | calls/hit | µs/hit |");
    println!("|---|---:|---:|---:|---:|");
    for name in names {
        let (uc, uu) = uncached.by_command.get(name).copied().unwrap_or_default();
        let (hc, hu) = hits.by_command.get(name).copied().unwrap_or_default();
        if name == "info" {
            continue;
        }
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} |",
            uc as f64 / n_uncached,
            uu as f64 / n_uncached,
            hc as f64 / n_hits,
            hu as f64 / n_hits
        );
    }
}
