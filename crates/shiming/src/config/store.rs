//! The configuration of the store: where it is (`[store] url`, `SHIMING_STORE_URL`), the dedupe
//! cache and its pepper (`SHIMING_CACHE_PEPPER`), the overall `[budget]`, and each vendor's
//! rate, fallback rate, package and budget — read from TOML and the environment, then turned
//! into a store and a router's settings.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use shiming_core::{Date, Price};
use shiming_store::cache::CacheTtl;
use shiming_store::keys::{Pepper, PEPPER_ENV, PEPPER_VERSION_ENV};
use shiming_store::ledger::{Budget, QuotaPlan};
use shiming_store::limit::Rate;
use shiming_store::{MemoryStore, Store};

use super::{positive_seconds, ConfigError};
use crate::{LedgerDown, RouterBuilder, Vendor};

/// The environment variable naming the store's URL (`redis://…`), over the file's `url`.
pub const STORE_URL_ENV: &str = "SHIMING_STORE_URL";

/// Where a fleet's shared state lives, and how the router uses it (`[store]`).
///
/// ```
/// let s = shiming::config::StoreConfig::default();
/// assert!(s.url.is_none() && !s.cache);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct StoreConfig {
    /// A Redis URL (`redis://`, `rediss://`; needs the `redis` cargo feature); `None` keeps
    /// the state in this process. Redacted in `Debug` (it may hold a password).
    pub url: Option<StoreUrl>,
    /// The ledger's namespace in Redis (default `default`): instances that share one count
    /// one budget.
    pub ledger: Option<String>,
    /// Whether the dedupe cache is on (needs [`PEPPER_ENV`]).
    pub cache: bool,
    /// How long each kind of verdict is cached.
    pub cache_ttl: CacheTtl,
    /// The most an attempt waits for a rate limit before failing locally as throttled.
    pub max_wait: Option<Duration>,
    /// How long the sender of a check holds its claim.
    pub claim_lease: Option<Duration>,
    /// What paid calls do while the ledger cannot be reached.
    pub when_ledger_down: LedgerDown,
    /// The overall budget (`[budget]`).
    pub budget: Budget,
    /// Whether the file has a `[store]` table: a store is used even when nothing else asks
    /// for one (so that every call is counted).
    pub table: bool,
    pepper: PepperSetting,
}

/// The pepper as the environment gave it: kept until the router is built, so that a cache that
/// is off does not need one.
#[derive(Debug, Clone, Default)]
enum PepperSetting {
    #[default]
    Unset,
    Set(Pepper),
    Invalid(String),
}

/// A store URL, redacted in `Debug` and `Display` to its scheme and host.
///
/// ```
/// let url = shiming::config::StoreUrl::new("redis://:s3cret@10.0.0.5:6379/0");
/// assert_eq!(format!("{url:?}"), "redis://10.0.0.5:6379/…");
/// assert_eq!(url.expose(), "redis://:s3cret@10.0.0.5:6379/0");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl(String);

impl StoreUrl {
    /// Wraps a URL.
    ///
    /// ```
    /// assert!(shiming::config::StoreUrl::new("redis://127.0.0.1/").is_redis());
    /// ```
    #[must_use]
    pub fn new(url: impl Into<String>) -> StoreUrl {
        StoreUrl(url.into())
    }

    /// The whole URL, password included.
    ///
    /// ```
    /// assert_eq!(shiming::config::StoreUrl::new("redis://h/").expose(), "redis://h/");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it names a Redis server (`redis://`, `rediss://`, `redis+unix://`, `unix://`).
    ///
    /// ```
    /// assert!(!shiming::config::StoreUrl::new("memory").is_redis());
    /// ```
    #[must_use]
    pub fn is_redis(&self) -> bool {
        ["redis://", "rediss://", "redis+unix://", "unix://"]
            .iter()
            .any(|scheme| self.0.starts_with(scheme))
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for StoreUrl {
    /// The scheme and host only. The user and password are cut at the last `@` (a password
    /// may hold `/`, `?` or `@` when it was not percent-encoded), a socket path and the query
    /// are never shown, and anything that does not end in a plain host name is shown as
    /// `(a store URL)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return f.write_str("(a store URL)");
        };
        if scheme.contains("unix") {
            return write!(f, "{scheme}://…");
        }
        let after_user = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let host = after_user.split(['/', '?', '#']).next().unwrap_or("");
        let plain = !host.is_empty()
            && host.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']')
            });
        if plain {
            write!(f, "{scheme}://{host}/…")
        } else {
            f.write_str("(a store URL)")
        }
    }
}

/// One vendor's money and rate controls (`qps`, `burst`, `fallback_qps`, `package_calls`,
/// `package_expires`, `budget` in its `[vendors.<id>]` table).
///
/// ```
/// let c = shiming::config::VendorControls::default();
/// assert!(c.rate.is_none() && c.quota.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VendorControls {
    /// The fleet's rate for this vendor (per credential).
    pub rate: Option<Rate>,
    /// This process's rate while the store's limiter is down.
    pub fallback_rate: Option<Rate>,
    /// The package bought, when tracked.
    pub quota: Option<QuotaPlan>,
    /// The vendor's own budget.
    pub budget: Budget,
}

impl VendorControls {
    /// Whether any control is set.
    fn any(&self) -> bool {
        self.rate.is_some() || self.quota.is_some() || self.budget != Budget::UNLIMITED
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    url: Option<String>,
    ledger: Option<String>,
    cache: Option<bool>,
    cache_ttl: Option<RawTtl>,
    max_wait_seconds: Option<f64>,
    claim_lease_seconds: Option<f64>,
    when_ledger_down: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTtl {
    three_match_hours: Option<f64>,
    two_match_hours: Option<f64>,
    mismatch_hours: Option<f64>,
    no_record_hours: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBudget {
    daily: Option<super::RawPrice>,
    monthly: Option<super::RawPrice>,
    total: Option<super::RawPrice>,
}

/// The store keys of a `[vendors.<id>]` table.
/// (Read as part of `RawVendor`: serde's `flatten` does not work with `deny_unknown_fields`.)
#[derive(Default)]
pub(super) struct RawControls {
    pub(super) qps: Option<f64>,
    pub(super) burst: Option<u32>,
    pub(super) fallback_qps: Option<f64>,
    pub(super) package_calls: Option<u64>,
    pub(super) package_expires: Option<String>,
    pub(super) budget: Option<RawBudget>,
}

impl StoreConfig {
    /// `[store]` and `[budget]` of a file.
    pub(super) fn from_raw(
        raw: Option<RawStore>,
        budget: Option<RawBudget>,
    ) -> Result<StoreConfig, ConfigError> {
        let mut config = StoreConfig {
            budget: budget
                .map(|b| b.parse("[budget]"))
                .transpose()?
                .unwrap_or_default(),
            ..StoreConfig::default()
        };
        let Some(raw) = raw else {
            return Ok(config);
        };
        let key = |k: &str| format!("[store] {k}");
        config.table = true;
        config.url = raw.url.filter(|u| u.trim() != "memory").map(StoreUrl::new);
        config.ledger = raw.ledger;
        config.cache = raw.cache.unwrap_or(false);
        config.max_wait = raw
            .max_wait_seconds
            .map(|s| non_negative_seconds(&key("max_wait_seconds"), s))
            .transpose()?;
        config.claim_lease = raw
            .claim_lease_seconds
            .map(|s| {
                positive_seconds(s)
                    .map_err(|e| ConfigError(format!("{}: {e}", key("claim_lease_seconds"))))
            })
            .transpose()?;
        config.when_ledger_down = match raw.when_ledger_down.as_deref() {
            None | Some("refuse") => LedgerDown::Refuse,
            Some("send") => LedgerDown::Send,
            Some(other) => {
                return Err(ConfigError(format!(
                    "{}: \"{other}\" is neither \"refuse\" nor \"send\"",
                    key("when_ledger_down")
                )))
            }
        };
        if let Some(ttl) = raw.cache_ttl {
            let hours = |name: &str, value: Option<f64>, default: Duration| {
                value.map_or(Ok(default), |h| {
                    non_negative_seconds(&format!("[store.cache_ttl] {name}"), h * 3600.0)
                })
            };
            let d = CacheTtl::default();
            config.cache_ttl = CacheTtl {
                three_match: hours("three_match_hours", ttl.three_match_hours, d.three_match)?,
                two_match: hours("two_match_hours", ttl.two_match_hours, d.two_match)?,
                mismatch: hours("mismatch_hours", ttl.mismatch_hours, d.mismatch)?,
                no_record: hours("no_record_hours", ttl.no_record_hours, d.no_record)?,
            };
        }
        Ok(config)
    }

    /// Takes `SHIMING_STORE_URL` (over the file's url) and the cache's pepper from `lookup`.
    pub(super) fn apply_env(&mut self, lookup: &impl Fn(&str) -> Option<String>) {
        if let Some(url) = lookup(STORE_URL_ENV).filter(|u| !u.trim().is_empty()) {
            self.url = (url.trim() != "memory").then(|| StoreUrl::new(url.trim()));
        }
        let secret = lookup(PEPPER_ENV).filter(|v| !v.is_empty());
        let version = lookup(PEPPER_VERSION_ENV).filter(|v| !v.trim().is_empty());
        self.pepper = match secret {
            None => PepperSetting::Unset,
            Some(secret) => match Pepper::new(secret.into_bytes()) {
                Err(e) => PepperSetting::Invalid(format!("{PEPPER_ENV}: {e}")),
                Ok(pepper) => match version.map(|v| v.trim().parse::<u32>()) {
                    None => PepperSetting::Set(pepper),
                    Some(Ok(v)) => PepperSetting::Set(pepper.with_version(v)),
                    Some(Err(_)) => PepperSetting::Invalid(format!(
                        "{PEPPER_VERSION_ENV} must be a whole number such as 2"
                    )),
                },
            },
        };
    }

    /// Connects to the configured store: Redis for a URL, otherwise a new in-memory store
    /// (this process only).
    pub(super) async fn connect(&self) -> Result<Arc<dyn Store>, ConfigError> {
        let Some(url) = &self.url else {
            return Ok(Arc::new(MemoryStore::new()));
        };
        if !url.is_redis() {
            return Err(ConfigError(format!(
                "store url {url}: expected redis://, rediss:// or unix://, or memory"
            )));
        }
        connect_redis(url, self.ledger.as_deref()).await
    }

    /// Puts the store's settings on `builder` (the store itself is already on it).
    pub(super) fn configure(
        &self,
        mut builder: RouterBuilder,
        vendors: &BTreeMap<Vendor, VendorControls>,
    ) -> Result<RouterBuilder, ConfigError> {
        if self.cache {
            let pepper = match &self.pepper {
                PepperSetting::Set(pepper) => pepper.clone(),
                PepperSetting::Invalid(why) => {
                    return Err(ConfigError(format!("[store] cache: {why}")))
                }
                PepperSetting::Unset => {
                    return Err(ConfigError(format!(
                        "[store] cache = true needs {PEPPER_ENV}: a secret of at least {} bytes \
                         that every instance shares (e.g. `openssl rand -hex 32`)",
                        Pepper::MIN_BYTES
                    )))
                }
            };
            builder = builder.cache(pepper, self.cache_ttl);
        }
        if let Some(max_wait) = self.max_wait {
            builder = builder.max_wait(max_wait);
        }
        if let Some(lease) = self.claim_lease {
            builder = builder.claim_lease(lease);
        }
        builder = builder
            .budget(self.budget)
            .when_ledger_down(self.when_ledger_down);
        for (vendor, controls) in vendors {
            if let Some(rate) = controls.rate {
                builder = builder.rate(*vendor, rate);
            }
            if let Some(rate) = controls.fallback_rate {
                builder = builder.fallback_rate(*vendor, rate);
            }
            if let Some(plan) = controls.quota {
                builder = builder.quota(*vendor, plan);
            }
            if controls.budget != Budget::UNLIMITED {
                builder = builder.vendor_budget(*vendor, controls.budget);
            }
        }
        Ok(builder)
    }

    /// Whether the router needs a store: one is configured, or something only a store keeps.
    pub(super) fn wanted(&self, vendors: &BTreeMap<Vendor, VendorControls>) -> bool {
        self.table
            || self.url.is_some()
            || self.cache
            || self.budget != Budget::UNLIMITED
            || vendors.values().any(VendorControls::any)
    }
}

#[cfg(feature = "redis")]
async fn connect_redis(
    url: &StoreUrl,
    ledger: Option<&str>,
) -> Result<Arc<dyn Store>, ConfigError> {
    let fail = |e: shiming_store::StoreError| ConfigError(format!("store {url}: {e}"));
    let mut store = shiming_store::RedisStore::connect(url.expose())
        .await
        .map_err(fail)?;
    if let Some(ledger) = ledger {
        store = store.with_namespace(ledger).map_err(fail)?;
    }
    Ok(Arc::new(store))
}

#[cfg(not(feature = "redis"))]
async fn connect_redis(url: &StoreUrl, _: Option<&str>) -> Result<Arc<dyn Store>, ConfigError> {
    Err(ConfigError(format!(
        "store {url}: this build has no Redis backend (the shiming crate's `redis` feature)"
    )))
}

impl RawBudget {
    fn parse(self, table: &str) -> Result<Budget, ConfigError> {
        let price = |name: &str, raw: Option<super::RawPrice>| {
            raw.map(|p| {
                p.parse()
                    .map_err(|e| ConfigError(format!("{table} {name}: {e}")))
            })
            .transpose()
        };
        Ok(Budget {
            daily: price("daily", self.daily)?,
            monthly: price("monthly", self.monthly)?,
            total: price("total", self.total)?,
        })
    }
}

/// The share of a configured `qps` (or `fallback_qps`) the limiter paces calls at: 97.5 %.
/// `qps` is the marketplace's limit, and the marketplace counts calls per second as they
/// arrive; calls reach it with some jitter after their permits, and a fleet paced exactly at
/// the limit sees a throttle whenever one call of a second is late and the next on time.
/// 2.5 % is 25 ms of slack in every second, at any rate.
///
/// ```
/// let c = shiming::config::Config::from_toml_str("[vendors.tel3]\nqps = 40").unwrap();
/// let rate = c.vendors[&shiming::Vendor::Tel3].controls.rate.unwrap();
/// assert_eq!(rate.qps(), 40.0 * shiming::config::PACE); // 39 calls a second
/// ```
pub const PACE: f64 = 0.975;

impl RawControls {
    /// The controls of `[vendors.<name>]`.
    pub(super) fn parse(self, name: &str) -> Result<VendorControls, ConfigError> {
        let at = |key: &str| format!("[vendors.{name}] {key}");
        let rate = |key: &str, qps: f64, burst: u32| {
            Rate::new(qps, burst).map_err(|e| ConfigError(format!("{}: {e}", at(key))))
        };
        let burst = self.burst.unwrap_or(1);
        if self.burst.is_some() && self.qps.is_none() {
            return Err(ConfigError(format!("{}: needs qps", at("burst"))));
        }
        match (self.fallback_qps, self.qps) {
            (Some(_), None) => {
                return Err(ConfigError(format!(
                    "{}: needs qps (it is this instance's share of the fleet's rate while the \
                     store is down)",
                    at("fallback_qps")
                )))
            }
            (Some(fallback), Some(qps)) if fallback > qps => {
                return Err(ConfigError(format!(
                    "{}: {fallback} is above qps {qps} (a share of the fleet's rate cannot \
                     exceed it)",
                    at("fallback_qps")
                )))
            }
            _ => {}
        }
        let quota = match (self.package_calls, self.package_expires) {
            (None, None) => None,
            (Some(package_calls), Some(expires)) => Some(QuotaPlan {
                package_calls,
                package_expires: expires.trim().parse::<Date>().map_err(|e| {
                    ConfigError(format!(
                        "{}: {e} (expected YYYY-MM-DD)",
                        at("package_expires")
                    ))
                })?,
            }),
            _ => {
                return Err(ConfigError(format!(
                    "[vendors.{name}]: give package_calls and package_expires together"
                )))
            }
        };
        Ok(VendorControls {
            rate: self.qps.map(|q| rate("qps", q * PACE, burst)).transpose()?,
            fallback_rate: self
                .fallback_qps
                .map(|q| {
                    rate(
                        "fallback_qps",
                        q * PACE,
                        burst.min(q.ceil().max(1.0) as u32),
                    )
                })
                .transpose()?,
            quota,
            budget: self
                .budget
                .map(|b| b.parse(&format!("[vendors.{name}.budget]")))
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

impl super::RawPrice {
    /// The price a file gave, as text (`"0.18"`) or a number (`0.18`).
    pub(super) fn parse(self) -> Result<Price, String> {
        match self {
            super::RawPrice::Text(t) => t.parse::<Price>().map_err(|e| e.to_string()),
            super::RawPrice::Number(n) => n.to_string().parse::<Price>().map_err(|e| e.to_string()),
        }
    }
}

/// Seconds that may be zero (a `max_wait` of 0 never waits; a TTL of 0 caches nothing).
fn non_negative_seconds(key: &str, seconds: f64) -> Result<Duration, ConfigError> {
    if seconds == 0.0 {
        return Ok(Duration::ZERO);
    }
    positive_seconds(seconds).map_err(|e| ConfigError(format!("{key}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::StoreUrl;
    use crate::config::Config;

    #[test]
    fn a_store_url_shows_its_host_and_never_its_password() {
        for (url, shown) in [
            ("redis://:s3cret@10.0.0.5:6379/0", "redis://10.0.0.5:6379/…"),
            (
                "redis://app:pa/ss@cache.internal:6380/2",
                "redis://cache.internal:6380/…",
            ),
            (
                "rediss://u:a@b/c?d@redis.example.com/0",
                "rediss://redis.example.com/…",
            ),
            ("redis://[::1]:6379", "redis://[::1]:6379/…"),
            (
                "redis://127.0.0.1/?password=hunter2hunter2",
                "redis://127.0.0.1/…",
            ),
            (
                "redis+unix:///run/redis.sock?pass=hunter2hunter2",
                "redis+unix://…",
            ),
            ("redis://user:pw with space@", "(a store URL)"),
            ("memory", "(a store URL)"),
        ] {
            let text = StoreUrl::new(url).to_string();
            assert_eq!(text, shown, "{url}");
            assert_eq!(format!("{:?}", StoreUrl::new(url)), shown, "{url}");
            for secret in ["s3cret", "pa/ss", "hunter2", "pw with"] {
                assert!(!text.contains(secret), "{url} shows {secret}: {text}");
            }
        }
    }

    #[test]
    fn fallback_qps_is_a_share_of_qps() {
        for (text, expected) in [
            ("[vendors.tel3]\nfallback_qps = 5", "needs qps"),
            ("[vendors.tel3]\nqps = 10\nfallback_qps = 12", "above qps"),
            ("[vendors.tel3]\nqps = 10\nfallback_qps = 0", "fallback_qps"),
        ] {
            let e = Config::from_toml_str(text).unwrap_err().to_string();
            assert!(
                e.contains(expected) && e.contains("[vendors.tel3] fallback_qps"),
                "{text:?}: {e}"
            );
        }
        let c = Config::from_toml_str("[vendors.tel3]\nqps = 10\nburst = 4\nfallback_qps = 2.5")
            .unwrap();
        let controls = &c.vendors[&shiming_core::Vendor::Tel3].controls;
        let fallback = controls.fallback_rate.expect("a fallback rate");
        assert!((fallback.qps() - 2.5 * super::PACE).abs() < 1e-9);
        let shared = controls.rate.expect("a rate");
        assert!((shared.qps() - 10.0 * super::PACE).abs() < 1e-9);
        assert_eq!(shared.burst(), 4);
        // Its burst is the shared burst, at most the fallback's own whole calls per second.
        assert_eq!(fallback.burst(), 3);
    }
}
