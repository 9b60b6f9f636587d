//! `shiming usage`: the store's ledger — spend today, this month and in total per vendor, what
//! may have been charged, quota left and expiry, cache hits and money saved, rate-limit waits —
//! as text or `--json`.
//!
//! Exit codes: 0 printed, 2 usage error (no shared store configured, a bad configuration),
//! 3 the store cannot be reached.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use shiming::config::Config;
use shiming::store::ledger::{LedgerSnapshot, QuotaStatus, Spend, Tally};

/// Arguments of `shiming usage`.
#[derive(Debug, Args)]
pub struct UsageArgs {
    /// Print one JSON object on stdout
    #[arg(long)]
    json: bool,
    /// Configuration file (TOML; default: $SHIMING_CONFIG if set) naming the store
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// The ledger to read (default: the configuration's `[store] ledger`, else `default`)
    #[arg(long, value_name = "NAME")]
    ledger: Option<String>,
}

const USAGE: u8 = 2;
const UNAVAILABLE: u8 = 3;

/// The JSON object: the ledger's name and the store's address (without a password), then
/// the snapshot's fields.
#[derive(Serialize)]
struct UsageJson<'a> {
    ledger: &'a str,
    store: String,
    #[serde(flatten)]
    snapshot: &'a LedgerSnapshot,
}

pub fn run(args: &UsageArgs) -> ExitCode {
    let mut config = match configuration(args) {
        Ok(c) => c,
        Err(e) => return fail(USAGE, &e),
    };
    if let Some(ledger) = &args.ledger {
        config.store.ledger = Some(ledger.clone());
    }
    let Some(url) = config.store.url.clone() else {
        return fail(
            USAGE,
            "no shared store is configured, and an in-memory ledger lives and dies with its \
             process: set [store] url in the configuration (or SHIMING_STORE_URL) to the \
             fleet's Redis",
        );
    };
    let runtime = match crate::market::runtime() {
        Ok(r) => r,
        Err(e) => return fail(USAGE, &e.0),
    };
    let snapshot = runtime.block_on(async {
        let store = config.store().await.map_err(|e| e.to_string())?;
        let Some(store) = store else {
            return Err("no store is configured".to_string());
        };
        store
            .snapshot(shiming::today_in_china())
            .await
            .map_err(|e| e.to_string())
    });
    let snapshot = match snapshot {
        Ok(s) => s,
        Err(e) => return fail(UNAVAILABLE, &e),
    };
    let ledger = config.store.ledger.as_deref().unwrap_or("default");
    if args.json {
        let json = UsageJson {
            ledger,
            store: url.to_string(),
            snapshot: &snapshot,
        };
        match serde_json::to_string(&json) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(UNAVAILABLE, &format!("cannot write the JSON: {e}")),
        }
    } else {
        print!("{}", text(ledger, &url.to_string(), &snapshot));
    }
    ExitCode::SUCCESS
}

/// The file (`--config`, else `$SHIMING_CONFIG`), then the environment.
fn configuration(args: &UsageArgs) -> Result<Config, String> {
    let path = args
        .config
        .clone()
        .or_else(|| std::env::var_os("SHIMING_CONFIG").map(PathBuf::from));
    let mut config = match path {
        Some(path) => Config::load(&path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    config.apply_env();
    Ok(config)
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("shiming: {message}");
    ExitCode::from(code)
}

/// The text report: one table of money (each scope × period), then packages, cache and
/// rate-limit lines.
fn text(ledger: &str, store: &str, s: &LedgerSnapshot) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "ledger {ledger} at {store}, {} (China)\n", s.today);
    let _ = writeln!(
        out,
        "{:<10} {:<11} {:>12} {:>22} {:>12}",
        "", "", "spent CNY", "may have been charged", "reserved"
    );
    let mut scope = |name: &str, tally: &Tally| {
        for (period, spend) in [
            ("today", &tally.today),
            ("this month", &tally.this_month),
            ("total", &tally.total),
        ] {
            let Spend {
                spent,
                may_have_been_charged,
                reserved,
                ..
            } = *spend;
            // Price's Display ignores widths: pad its text.
            let (spent, maybe, reserved) = (
                spent.to_string(),
                may_have_been_charged.to_string(),
                reserved.to_string(),
            );
            let _ = writeln!(
                out,
                "{name:<10} {period:<11} {spent:>12} {maybe:>22} {reserved:>12}"
            );
        }
    };
    scope("overall", &s.overall);
    for vendor in &s.vendors {
        scope(vendor.vendor.id(), &vendor.tally);
    }
    out.push('\n');
    let packages: Vec<String> = s
        .vendors
        .iter()
        .filter_map(|v| v.quota.map(|q| package(v.vendor.id(), &q)))
        .collect();
    if packages.is_empty() {
        out.push_str("packages: none tracked (package_calls, package_expires per vendor)\n");
    } else {
        for line in packages {
            let _ = writeln!(out, "package: {line}");
        }
    }
    let _ = writeln!(
        out,
        "cache: {} hits saved {} CNY{}",
        s.overall.cache_hits,
        s.overall.saved,
        per_vendor(s, |t| (t.cache_hits > 0)
            .then(|| format!("{} / {} CNY", t.cache_hits, t.saved)))
    );
    let _ = writeln!(
        out,
        "rate limit: {} calls waited {:.1} s in all{}",
        s.overall.limiter_waits,
        s.overall.waited.as_secs_f64(),
        per_vendor(s, |t| (t.limiter_waits > 0).then(|| format!(
            "{} / {:.1} s",
            t.limiter_waits,
            t.waited.as_secs_f64()
        )))
    );
    out
}

/// ` (tel3 3 / 0.600 CNY, sfz2 …)` for the vendors `show` has something for.
fn per_vendor(s: &LedgerSnapshot, show: impl Fn(&Tally) -> Option<String>) -> String {
    let parts: Vec<String> = s
        .vendors
        .iter()
        .filter_map(|v| show(&v.tally).map(|text| format!("{} {text}", v.vendor)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn package(vendor: &str, q: &QuotaStatus) -> String {
    format!(
        "{vendor} {} of {} calls left ({} used, {} of them may have been charged; {} in flight), expires {}",
        q.left, q.package_calls, q.used, q.may_have_been_charged, q.in_flight, q.expires
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiming::core::Date;
    use shiming::store::ledger::{
        Event, MemoryLedger, QuotaPlan, ReserveOutcome, ReserveRequest, Settlement,
    };
    use shiming::{Price, Vendor};

    #[test]
    fn text_lists_every_scope_package_cache_and_waits() {
        let ledger = MemoryLedger::new();
        let today = Date::new(2026, 11, 23).unwrap();
        let plan = QuotaPlan {
            package_calls: 10,
            package_expires: Date::new(2027, 6, 30).unwrap(),
        };
        let request =
            ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today).with_quota(plan);
        let ReserveOutcome::Reserved(r) = ledger.reserve(&request) else {
            panic!("reserved")
        };
        ledger
            .settle(&r, Settlement::Billed(Price::from_li(200)))
            .unwrap();
        ledger.record(Event::CacheHit {
            vendor: Vendor::Tel3,
            saved: Price::from_li(200),
        });
        ledger.record(Event::LimiterWait {
            vendor: Vendor::Tel3,
            waited: std::time::Duration::from_millis(1500),
        });
        let t = text("jobs", "redis://h:6379/…", &ledger.snapshot(today));
        assert!(
            t.starts_with("ledger jobs at redis://h:6379/…, 2026-11-23 (China)"),
            "{t}"
        );
        assert!(
            t.contains("overall    today              0.200                  0.000        0.000"),
            "{t}"
        );
        assert!(t.contains("tel3       total              0.200"), "{t}");
        assert!(
            t.contains("package: tel3 9 of 10 calls left (1 used, 0 of them may have been charged; 0 in flight), expires 2027-06-30"),
            "{t}"
        );
        assert!(
            t.contains("cache: 1 hits saved 0.200 CNY (tel3 1 / 0.200 CNY)"),
            "{t}"
        );
        assert!(
            t.contains("rate limit: 1 calls waited 1.5 s in all (tel3 1 / 1.5 s)"),
            "{t}"
        );
    }
}
