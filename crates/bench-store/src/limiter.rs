//! `bench-store limiter [SECONDS]`: how closely four processes sharing one Redis rate limit
//! keep to a configured `qps`. The limit is the one the configuration makes of it (paced at
//! `shiming::config::PACE`, 97.5 %). Each process asks the store's limiter directly (no
//! router, no mock) for a permit, again as soon as it has one, either as the router does
//! (`Store::acquire_within` one second: a permit within it is booked, slept for and counted
//! when it comes) or without booking (`Store::acquire`, sleeping the wait the limiter names,
//! then asking again). The first second spends the burst and is not counted; the permits of
//! the next SECONDS are, and their sum over the four processes is compared with
//! `qps × SECONDS`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shiming::store::keys::LimitKey;
use shiming::store::limit::{Rate, RateDecision};
use shiming::store::{RedisStore, Store};
use shiming::Vendor;

use crate::redis_server::RedisServer;
use crate::{arg, Result};

/// The rates measured: (configured qps, burst, whether the process books its permits as the
/// router does, rather than sleeping the named wait and asking again).
pub const RATES: [(f64, u32, bool); 6] = [
    (200.0, 1, true),
    (200.0, 20, true),
    (1000.0, 1, true),
    (1000.0, 20, true),
    (200.0, 1, false),
    (1000.0, 1, false),
];

/// How far ahead a process books (the router's horizon).
const HORIZON: Duration = Duration::from_secs(1);
/// Processes sharing each limit.
const PROCESSES: usize = 4;
/// Not counted: the burst is spent in it.
const WARM_UP_MS: u64 = 1_000;
const DEFAULT_SECONDS: u64 = 10;

/// What one worker counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    /// Permits granted during the warm-up.
    warm_up: u64,
    /// Permits granted during the counted window.
    window: u64,
    /// Requests to the limiter (granted or not).
    asks: u64,
    /// Refusals (each followed by the wait it named).
    waits: u64,
    /// Failed requests.
    errors: u64,
}

impl Counts {
    fn line(&self) -> String {
        format!(
            "warm_up={} window={} asks={} waits={} errors={}",
            self.warm_up, self.window, self.asks, self.waits, self.errors
        )
    }

    fn parse(line: &str) -> Option<Counts> {
        let mut c = Counts::default();
        for field in line.split_whitespace() {
            let (key, value) = field.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match key {
                "warm_up" => c.warm_up = value,
                "window" => c.window = value,
                "asks" => c.asks = value,
                "waits" => c.waits = value,
                "errors" => c.errors = value,
                _ => return None,
            }
        }
        Some(c)
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub fn run(args: &[String]) -> Result<()> {
    let seconds: u64 = arg(args, 0, DEFAULT_SECONDS)?.max(1);
    let server = RedisServer::start()?;
    let url = server.url();
    let exe = std::env::current_exe()?;
    let mut rows = Vec::new();
    for (qps, burst, book) in RATES {
        let retry = if book { "book" } else { "after-wait" };
        eprintln!(
            "limiter: {qps}/s, burst {burst}, retry {retry}: {PROCESSES} processes, {seconds} s …"
        );
        // Far enough ahead that every process has started and connected.
        let start = unix_ms() + 1_500;
        let credential = format!("bench-limiter-{qps}-{burst}");
        let mut children = Vec::new();
        for _ in 0..PROCESSES {
            let child = Command::new(&exe)
                .arg("limiter-worker")
                .args([
                    url.clone(),
                    credential.clone(),
                    (qps * shiming::config::PACE).to_string(),
                    burst.to_string(),
                    start.to_string(),
                    WARM_UP_MS.to_string(),
                    seconds.to_string(),
                    retry.to_string(),
                ])
                .stdout(Stdio::piped())
                .spawn()?;
            children.push(child);
        }
        let mut counts = Vec::new();
        for mut child in children {
            let mut out = String::new();
            if let Some(mut stdout) = child.stdout.take() {
                stdout.read_to_string(&mut out)?;
            }
            let status = child.wait()?;
            if !status.success() {
                return Err(format!("a limiter worker failed: {status}").into());
            }
            counts.push(
                Counts::parse(out.trim())
                    .ok_or_else(|| format!("a limiter worker printed {out:?}"))?,
            );
        }
        rows.push((qps, burst, retry, counts));
    }
    drop(server);

    println!(
        "### Rate-limit accuracy ({PROCESSES} processes sharing one Redis limit, paced at {} % \
         of the configured qps, each asking again as soon as it has a permit; {seconds} s \
         counted after a 1 s warm-up)\n",
        shiming::config::PACE * 100.0
    );
    println!(
        "| configured qps | burst | a process waiting for a permit | permits in {seconds} s (per process) \
         | aggregate rate | ÷ configured | goal 0.95–1.00 | asks/s | refused | errors | permits in \
         the warm-up second |"
    );
    println!("|---:|---:|---|---|---:|---:|---|---:|---:|---:|---:|");
    for (qps, burst, retry, counts) in rows {
        let retry = if retry == "book" {
            "books it within 1 s (the router)"
        } else {
            "sleeps the named wait, asks again"
        };
        let window: u64 = counts.iter().map(|c| c.window).sum();
        let asks: u64 = counts.iter().map(|c| c.asks).sum();
        let waits: u64 = counts.iter().map(|c| c.waits).sum();
        let errors: u64 = counts.iter().map(|c| c.errors).sum();
        let warm_up: u64 = counts.iter().map(|c| c.warm_up).sum();
        let rate = window as f64 / seconds as f64;
        let ratio = rate / qps;
        let per: Vec<String> = counts.iter().map(|c| c.window.to_string()).collect();
        println!(
            "| {qps}/s | {burst} | {retry} | {window} ({}) | {rate:.1}/s | {ratio:.3} | {} | {:.0} | {waits} \
             | {errors} | {warm_up} |",
            per.join(" / "),
            // Judged as shown: a permit more or less at the window's edges is not a miss.
            if (0.95..=1.0).contains(&((ratio * 1000.0).round() / 1000.0)) {
                "✔"
            } else {
                "✘"
            },
            asks as f64 / (seconds as f64 + WARM_UP_MS as f64 / 1000.0),
        );
    }
    Ok(())
}

/// One process of the fleet: `URL CREDENTIAL QPS BURST START_MS WARMUP_MS SECONDS RETRY`
/// (`after-wait` or `book`); prints its
/// [`Counts`] as one line.
pub fn worker(args: &[String]) -> Result<()> {
    let url: String = args.first().cloned().ok_or("no URL")?;
    let credential: String = args.get(1).cloned().ok_or("no credential")?;
    let qps: f64 = arg(args, 2, 0.0)?;
    let burst: u32 = arg(args, 3, 1)?;
    let start: u64 = arg(args, 4, 0)?;
    let warm_up: u64 = arg(args, 5, WARM_UP_MS)?;
    let seconds: u64 = arg(args, 6, DEFAULT_SECONDS)?;
    let book = args.get(7).is_some_and(|r| r == "book");
    let rate = Rate::new(qps, burst)?;
    let key = LimitKey::new(&credential, Vendor::Tel3);
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    let (window, end) = (at(start + warm_up), at(start + warm_up + seconds * 1_000));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let counts = runtime.block_on(async {
        let store = RedisStore::connect(&url).await?;
        if let Ok(wait) = at(start).duration_since(SystemTime::now()) {
            tokio::time::sleep(wait).await;
        }
        let mut c = Counts::default();
        loop {
            let now = SystemTime::now();
            let Ok(left) = end.duration_since(now) else {
                break;
            };
            c.asks += 1;
            let answer = if book {
                store.acquire_within(&key, rate, HORIZON).await
            } else {
                store.acquire(&key, rate).await
            };
            match answer {
                Ok(decision @ (RateDecision::Allowed | RateDecision::Booked(_))) => {
                    // A booked permit is used when it comes.
                    tokio::time::sleep(decision.wait()).await;
                    let t = SystemTime::now();
                    if t < window {
                        c.warm_up += 1;
                    } else if t < end {
                        c.window += 1;
                    }
                }
                Ok(decision) => {
                    c.waits += 1;
                    let wait = decision.wait();
                    let wait = if book {
                        wait.saturating_sub(HORIZON)
                    } else {
                        wait
                    };
                    tokio::time::sleep(wait.max(Duration::from_micros(100)).min(left)).await;
                }
                Err(_) => {
                    c.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10).min(left)).await;
                }
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(c)
    })?;
    println!("{}", counts.line());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_through_their_line() {
        let c = Counts {
            warm_up: 21,
            window: 500,
            asks: 9_000,
            waits: 8_479,
            errors: 0,
        };
        assert_eq!(Counts::parse(&c.line()), Some(c));
        assert_eq!(Counts::parse("window=x"), None);
    }
}
