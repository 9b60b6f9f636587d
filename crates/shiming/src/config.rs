//! Router configuration from a TOML file and the environment.
//!
//! ```toml
//! # shiming.toml — every key is optional.
//! order = "price"            # or "priority" (default)
//! strict_regions = false     # refuse IDs whose region code was abolished before birth
//! timeout_seconds = 10       # total per call
//! connect_timeout_seconds = 3
//! # endpoint = "http://127.0.0.1:8080"   # send every vendor to this base URL (a mock market)
//!
//! [failover]
//! on_no_record = false           # try the next vendor after NoRecord (charged twice)
//! after_possible_charge = false  # try the next vendor after a timeout (may be charged twice)
//!
//! [vendors.sxm3v2]
//! priority = 1
//! price = "0.12"             # your package's price per call, CNY
//!
//! [vendors.tel3]
//! priority = 2
//! # appcode = "…"            # better: SHIMING_TEL3_APPCODE in the environment
//!
//! [vendors.sjsys]
//! enabled = false
//!
//! [vendors.phonethird]
//! consent_obtained_by_caller = true   # required: the person agreed to the vendor's 授权书
//! ```
//!
//! Credentials come from the environment first, then the file: `SHIMING_<VENDOR>_APPCODE`
//! (or `SHIMING_<VENDOR>_APP_KEY` + `SHIMING_<VENDOR>_APP_SECRET`), then `appcode` /
//! `app_key` + `app_secret` in the vendor's table, then `SHIMING_APPCODE` (or
//! `SHIMING_APP_KEY` + `SHIMING_APP_SECRET`) for every vendor — one AppCode serves every
//! product its account bought. A vendor without credentials is not routed to.
//! `SHIMING_PHONETHIRD_CONSENT=1` stands for `consent_obtained_by_caller = true`.
//!
//! What a caller sets for one run — the command line's flags — comes last, through
//! [`Config::apply`] and [`Overrides`]: flags over the environment over the file.
//!
//! # Money and rate controls: the store
//!
//! ```toml
//! [store]                          # a store is used when this table, or any key below, is given
//! url = "redis://10.0.0.5:6379/"   # a fleet's Redis (SHIMING_STORE_URL wins); absent or "memory": this process only
//! ledger = "default"               # the ledger's namespace: instances sharing one count one budget
//! cache = true                     # dedupe cache; needs SHIMING_CACHE_PEPPER (≥ 32 bytes, the same on every instance)
//! max_wait_seconds = 1             # the most a call waits for a rate limit before failing locally as throttled
//! claim_lease_seconds = 60         # how long the sender of a check holds it (waiters take over after)
//! when_ledger_down = "refuse"      # or "send": paid calls while the ledger cannot be reached
//!
//! [store.cache_ttl]                # how long each verdict is cached, in hours (0: not at all)
//! three_match_hours = 168          # 7 days: a mobile can change hands (numbers are recycled)
//! two_match_hours = 720            # 30 days: a name and ID number change rarely
//! mismatch_hours = 24
//! no_record_hours = 1
//!
//! [budget]                         # all vendors together, CNY; a call that would pass it is refused (budget_exhausted)
//! daily = "500"
//! monthly = "10000"
//! total = "50000"
//!
//! [vendors.tel3]
//! qps = 46                         # the marketplace's limit, per credential, less burst - 1 (paced at 97.5 %)
//! burst = 5                        # any second then holds at most 50 calls, the marketplace's limit
//! fallback_qps = 12.5              # this instance's share while the store's limiter is down (default: qps)
//! package_calls = 100000           # the package bought: warnings at 20 %, 5 %, 0 and 7 days before expiry;
//! package_expires = "2027-06-30"   #   used up or expired, the vendor is skipped
//! budget = { daily = "100" }       # the vendor's own budget, besides the overall one
//! ```
//!
//! See [`StoreConfig`] for how each is used, and [`Config::store`] / [`Config::router_with`]
//! for building them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use shiming_gateway::{Credentials, GatewayClient};
use shiming_store::{MemoryStore, Store};

use crate::{is_compiled_in, FailoverPolicy, Order, Price, Route, Router, RouterBuilder, Vendor};

mod store;

pub use store::{StoreConfig, StoreUrl, VendorControls, PACE, STORE_URL_ENV};

/// The environment-variable prefix for `vendor`'s credentials: `SHIMING_` and the API id in
/// capitals, read as `SHIMING_TEL3_APPCODE` or `SHIMING_TEL3_APP_KEY` +
/// `SHIMING_TEL3_APP_SECRET`. Configuration, not a vendor fact: it lives here, not in the
/// catalogue.
///
/// ```
/// assert_eq!(shiming::config::env_prefix(shiming::Vendor::Sxm3v2), "SHIMING_SXM3V2");
/// ```
#[must_use]
pub fn env_prefix(vendor: Vendor) -> String {
    format!("SHIMING_{}", vendor.id().to_ascii_uppercase())
}

/// Settings for one vendor.
///
/// ```
/// let v = shiming::config::VendorConfig::default();
/// assert!(v.enabled && v.credentials.is_none() && v.price.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct VendorConfig {
    /// Whether the vendor may be routed to (default `true`).
    pub enabled: bool,
    /// Lower goes first; default: after every vendor given a priority, by the price table
    /// (`100 +` the vendor's rank, cheapest first).
    pub priority: Option<u32>,
    /// Price per billed call; default [`Vendor::default_price`].
    pub price: Option<Price>,
    /// Credentials (redacted in `Debug`).
    pub credentials: Option<Credentials>,
    /// Base URL overriding the vendor's default endpoint.
    pub endpoint: Option<String>,
    /// phonethird only: your application obtains the person's consent to the vendor's
    /// authorization text before every check. Without it phonethird is not routed to.
    pub consent_obtained_by_caller: bool,
    /// Its rate, package and budget (used through the store).
    pub controls: VendorControls,
}

impl Default for VendorConfig {
    fn default() -> VendorConfig {
        VendorConfig {
            enabled: true,
            priority: None,
            price: None,
            credentials: None,
            endpoint: None,
            consent_obtained_by_caller: false,
            controls: VendorControls::default(),
        }
    }
}

/// Everything a [`Router`] is built from.
///
/// ```
/// use shiming::{config::Config, Vendor};
/// let mut config = Config::from_toml_str("order = \"price\"\n[vendors.tel3]\nprice = \"0.18\"\n").unwrap();
/// config.apply_env_from(|name| (name == "SHIMING_APPCODE").then(|| "my-appcode".to_string()));
/// let router = config.router(&shiming::gateway::GatewayClient::new()).unwrap();
/// let first = router.candidates(shiming::Elements::Three).next().unwrap();
/// assert_eq!((first.vendor(), first.price().to_string()), ("sxm3v2", "0.170".to_string()));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Route order.
    pub order: Order,
    /// When to fail over.
    pub failover: FailoverPolicy,
    /// Refuse region-abolished ID numbers locally.
    pub strict_regions: bool,
    /// Base URL for every vendor (a mock market), overriding per-vendor endpoints.
    pub endpoint: Option<String>,
    /// Total time per call.
    pub timeout: Option<Duration>,
    /// Time to connect.
    pub connect_timeout: Option<Duration>,
    /// Per-vendor settings (a vendor not listed has the defaults).
    pub vendors: BTreeMap<Vendor, VendorConfig>,
    /// The store, the cache and the overall budget.
    pub store: StoreConfig,
}

/// A configuration that cannot be used: which file or key, and why. Never contains
/// credentials.
///
/// ```
/// let e = shiming::config::Config::from_toml_str("order = \"random\"").unwrap_err();
/// assert!(e.to_string().contains("order"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Why a vendor is not routed to ([`Config::unusable_because`]). `Display` says it for
/// people, naming the setting to change.
///
/// ```
/// use shiming::config::Unusable;
/// assert_eq!(Unusable::Disabled.to_string(), "disabled");
/// assert!(Unusable::NoConsent.to_string().contains("consent_obtained_by_caller"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// `enabled = false`, or another vendor was chosen.
    Disabled,
    /// The crate feature of this vendor is off.
    NotCompiledIn,
    /// No AppCode or AppKey/AppSecret for this vendor.
    NoCredentials(Vendor),
    /// phonethird without the consent attestation.
    NoConsent,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::Disabled => f.write_str("disabled"),
            Unusable::NotCompiledIn => {
                f.write_str("not compiled in (enable the shiming crate feature of the same name)")
            }
            Unusable::NoCredentials(vendor) => write!(
                f,
                "no credentials (set {}_APPCODE or SHIMING_APPCODE)",
                env_prefix(*vendor)
            ),
            Unusable::NoConsent => f.write_str(
                "phonethird needs the person's consent to its authorization text before every check; attest it with consent_obtained_by_caller = true (or SHIMING_PHONETHIRD_CONSENT=1)",
            ),
        }
    }
}

/// What one run sets over the file and the environment: the command line's `--vendor`,
/// `--appcode`, `--endpoint`, `--timeout`, `--strict` and `--phonethird-consent`, as values.
/// [`Config::apply`] takes them last, so they win; what is left unset (`None`, `false`) keeps
/// the file's and the environment's setting.
///
/// ```
/// use shiming::config::Overrides;
/// let o = Overrides::default().with_strict_regions(true);
/// assert!(o.strict_regions && o.only.is_none() && o.credentials.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Use this vendor alone (`--vendor tel3`): every other is disabled, and this one is
    /// enabled even where the file disables it. `None` (`--vendor auto`) leaves the choice to
    /// the configuration.
    pub only: Option<Vendor>,
    /// Credentials (`--appcode`) for [`Overrides::only`], or for every vendor when no vendor
    /// is chosen; they replace the environment's and the file's. Redacted in `Debug`.
    pub credentials: Option<Credentials>,
    /// Base URL for every vendor (`--endpoint`, or the built-in mock market's), replacing the
    /// file's `endpoint`.
    pub endpoint: Option<String>,
    /// Total time per call (`--timeout`), replacing the file's `timeout_seconds`.
    pub timeout: Option<Duration>,
    /// `true` (`--strict`) refuses region-abolished ID numbers whatever the file says; `false`
    /// keeps the file's `strict_regions`.
    pub strict_regions: bool,
    /// `true` (`--phonethird-consent`) attests phonethird's consent, as
    /// `consent_obtained_by_caller = true` does; `false` keeps the file's and the
    /// environment's setting.
    pub phonethird_consent: bool,
}

impl Overrides {
    /// Sets [`Overrides::only`].
    ///
    /// ```
    /// use shiming::{config::Overrides, Vendor};
    /// assert_eq!(Overrides::default().with_only(Some(Vendor::Tel3)).only, Some(Vendor::Tel3));
    /// ```
    #[must_use]
    pub fn with_only(mut self, only: Option<Vendor>) -> Overrides {
        self.only = only;
        self
    }

    /// Sets [`Overrides::credentials`].
    ///
    /// ```
    /// use shiming::{config::Overrides, gateway::Credentials};
    /// let o = Overrides::default().with_credentials(Some(Credentials::app_code("code")));
    /// assert!(o.credentials.is_some());
    /// ```
    #[must_use]
    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Overrides {
        self.credentials = credentials;
        self
    }

    /// Sets [`Overrides::endpoint`].
    ///
    /// ```
    /// let o = shiming::config::Overrides::default().with_endpoint(Some("http://127.0.0.1:8080".into()));
    /// assert_eq!(o.endpoint.as_deref(), Some("http://127.0.0.1:8080"));
    /// ```
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: Option<String>) -> Overrides {
        self.endpoint = endpoint;
        self
    }

    /// Sets [`Overrides::timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = shiming::config::Overrides::default().with_timeout(Some(Duration::from_secs(3)));
    /// assert_eq!(o.timeout, Some(Duration::from_secs(3)));
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Overrides {
        self.timeout = timeout;
        self
    }

    /// Sets [`Overrides::strict_regions`].
    ///
    /// ```
    /// assert!(shiming::config::Overrides::default().with_strict_regions(true).strict_regions);
    /// ```
    #[must_use]
    pub fn with_strict_regions(mut self, strict: bool) -> Overrides {
        self.strict_regions = strict;
        self
    }

    /// Sets [`Overrides::phonethird_consent`].
    ///
    /// ```
    /// assert!(shiming::config::Overrides::default().with_phonethird_consent(true).phonethird_consent);
    /// ```
    #[must_use]
    pub fn with_phonethird_consent(mut self, consent: bool) -> Overrides {
        self.phonethird_consent = consent;
        self
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    order: Option<String>,
    strict_regions: Option<bool>,
    endpoint: Option<String>,
    timeout_seconds: Option<f64>,
    connect_timeout_seconds: Option<f64>,
    failover: Option<RawFailover>,
    #[serde(default)]
    vendors: BTreeMap<String, RawVendor>,
    store: Option<store::RawStore>,
    budget: Option<store::RawBudget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFailover {
    on_no_record: Option<bool>,
    after_possible_charge: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    enabled: Option<bool>,
    priority: Option<u32>,
    price: Option<RawPrice>,
    appcode: Option<String>,
    app_key: Option<String>,
    app_secret: Option<String>,
    endpoint: Option<String>,
    consent_obtained_by_caller: Option<bool>,
    qps: Option<f64>,
    burst: Option<u32>,
    fallback_qps: Option<f64>,
    package_calls: Option<u64>,
    package_expires: Option<String>,
    budget: Option<store::RawBudget>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPrice {
    Text(String),
    Number(f64),
}

/// A number of seconds as a timeout: a [`Duration`] of at least one nanosecond. Zero, a
/// negative number, NaN, an infinity, a number too large for a `Duration` (above about
/// 1.8 × 10¹⁹ seconds) and one that rounds to zero nanoseconds are refused. The file's
/// `timeout_seconds` and `connect_timeout_seconds` are read with it, and so is the command
/// line's `--timeout`.
///
/// ```
/// use std::time::Duration;
/// use shiming::config::positive_seconds;
///
/// assert_eq!(positive_seconds(2.5), Ok(Duration::from_millis(2500)));
/// assert_eq!(positive_seconds(1e-9), Ok(Duration::from_nanos(1)));
/// for refused in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, 1e20, 1e-10] {
///     assert!(positive_seconds(refused).is_err(), "{refused}");
/// }
/// ```
pub fn positive_seconds(seconds: f64) -> Result<Duration, NotPositiveSeconds> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or(NotPositiveSeconds { _private: () })
}

/// Why a number of seconds is no timeout ([`positive_seconds`]).
///
/// ```
/// let e = shiming::config::positive_seconds(0.0).unwrap_err();
/// assert_eq!(e.to_string(), "expected a positive number of seconds");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPositiveSeconds {
    _private: (),
}

impl fmt::Display for NotPositiveSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected a positive number of seconds")
    }
}

impl std::error::Error for NotPositiveSeconds {}

/// The optional timeout `key` of the file.
fn seconds(key: &str, value: Option<f64>) -> Result<Option<Duration>, ConfigError> {
    value
        .map(|s| positive_seconds(s).map_err(|e| ConfigError(format!("{key}: {e}"))))
        .transpose()
}

impl Config {
    /// Parses a TOML configuration (see the [module documentation](self) for the keys).
    /// Unknown keys are refused, so that a typo does not silently fall back to a default.
    ///
    /// ```
    /// let e = shiming::config::Config::from_toml_str("[vendors.tel3]\nprise = 1").unwrap_err();
    /// assert!(e.to_string().contains("prise"));
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError(format!("configuration: {}", e.message())))?;
        let mut config = Config {
            order: match raw.order {
                Some(o) => o.parse().map_err(|e| ConfigError(format!("order: {e}")))?,
                None => Order::default(),
            },
            strict_regions: raw.strict_regions.unwrap_or(false),
            endpoint: raw.endpoint,
            timeout: seconds("timeout_seconds", raw.timeout_seconds)?,
            connect_timeout: seconds("connect_timeout_seconds", raw.connect_timeout_seconds)?,
            store: StoreConfig::from_raw(raw.store, raw.budget)?,
            ..Config::default()
        };
        if let Some(f) = raw.failover {
            config.failover = FailoverPolicy::default()
                .with_on_no_record(f.on_no_record.unwrap_or(false))
                .with_after_possible_charge(f.after_possible_charge.unwrap_or(false));
        }
        for (name, raw) in raw.vendors {
            let vendor: Vendor = name
                .parse()
                .map_err(|e| ConfigError(format!("[vendors.{name}]: {e}")))?;
            let price = raw
                .price
                .map(RawPrice::parse)
                .transpose()
                .map_err(|e| ConfigError(format!("[vendors.{name}] price: {e}")))?;
            let controls = store::RawControls {
                qps: raw.qps,
                burst: raw.burst,
                fallback_qps: raw.fallback_qps,
                package_calls: raw.package_calls,
                package_expires: raw.package_expires,
                budget: raw.budget,
            }
            .parse(&name)?;
            let credentials = match (raw.appcode, raw.app_key, raw.app_secret) {
                (Some(code), None, None) => Some(Credentials::app_code(code)),
                (None, Some(key), Some(secret)) => Some(Credentials::app_key(key, secret)),
                (None, None, None) => None,
                _ => {
                    return Err(ConfigError(format!(
                        "[vendors.{name}]: give either appcode, or app_key with app_secret"
                    )))
                }
            };
            config.vendors.insert(
                vendor,
                VendorConfig {
                    enabled: raw.enabled.unwrap_or(true),
                    priority: raw.priority,
                    price,
                    credentials,
                    endpoint: raw.endpoint,
                    consent_obtained_by_caller: raw.consent_obtained_by_caller.unwrap_or(false),
                    controls,
                },
            );
        }
        Ok(config)
    }

    /// Reads and parses a TOML file.
    ///
    /// ```
    /// let e = shiming::config::Config::load(std::path::Path::new("/nonexistent/shiming.toml")).unwrap_err();
    /// assert!(e.to_string().contains("cannot read"));
    /// ```
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Config::from_toml_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
    }

    /// Takes credentials (and phonethird's consent switch) from the process environment;
    /// see [`Config::apply_env_from`].
    ///
    /// ```
    /// let mut c = shiming::config::Config::default();
    /// c.apply_env();
    /// ```
    pub fn apply_env(&mut self) {
        self.apply_env_from(|name| std::env::var(name).ok());
    }

    /// Takes credentials from `lookup` (an environment): a vendor's own
    /// `SHIMING_<VENDOR>_APPCODE` or `_APP_KEY` + `_APP_SECRET` replace the file's; the
    /// account-wide `SHIMING_APPCODE` or `SHIMING_APP_KEY` + `SHIMING_APP_SECRET` fill in
    /// for vendors that still have none. `SHIMING_PHONETHIRD_CONSENT` set to `1`/`true`
    /// attests phonethird's consent. `SHIMING_STORE_URL` replaces the file's store URL, and
    /// `SHIMING_CACHE_PEPPER` (with `SHIMING_CACHE_PEPPER_VERSION`) is the cache's pepper.
    /// Empty values count as unset.
    ///
    /// ```
    /// use shiming::{config::Config, Vendor};
    /// let mut c = Config::default();
    /// c.apply_env_from(|name| (name == "SHIMING_SFZ2_APPCODE").then(|| "code".to_string()));
    /// assert!(c.vendors[&Vendor::Sfz2].credentials.is_some());
    /// assert!(!c.vendors.contains_key(&Vendor::Tel3));
    /// ```
    pub fn apply_env_from(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        self.store.apply_env(&lookup);
        let get = |name: String| lookup(&name).filter(|v| !v.trim().is_empty());
        let read = |prefix: &str| {
            if let Some(code) = get(format!("{prefix}_APPCODE")) {
                return Some(Credentials::app_code(code));
            }
            match (
                get(format!("{prefix}_APP_KEY")),
                get(format!("{prefix}_APP_SECRET")),
            ) {
                (Some(key), Some(secret)) => Some(Credentials::app_key(key, secret)),
                _ => None,
            }
        };
        let account_wide = read("SHIMING");
        for vendor in Vendor::ALL {
            let own = read(&env_prefix(vendor));
            if own.is_none() && account_wide.is_none() && !self.vendors.contains_key(&vendor) {
                continue;
            }
            let entry = self.vendors.entry(vendor).or_default();
            if let Some(own) = own {
                entry.credentials = Some(own);
            } else if entry.credentials.is_none() {
                entry.credentials.clone_from(&account_wide);
            }
        }
        if get("SHIMING_PHONETHIRD_CONSENT".to_string())
            .is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
        {
            self.vendors
                .entry(Vendor::Phonethird)
                .or_default()
                .consent_obtained_by_caller = true;
        }
    }

    /// Takes what one run sets (the command line's flags) over everything read so far: call
    /// it after [`Config::load`] and [`Config::apply_env`], so that flags win over the
    /// environment, and the environment over the file. What `overrides` leaves unset keeps
    /// its setting; see [`Overrides`] for each field.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming::{config::{Config, Overrides, Unusable}, gateway::Credentials, Vendor};
    /// let mut config = Config::from_toml_str(
    ///     "timeout_seconds = 10\n[vendors.tel3]\nenabled = false\nappcode = \"from-file\"",
    /// ).unwrap();
    /// config.apply_env_from(|name| (name == "SHIMING_TEL3_APPCODE").then(|| "from-env".to_string()));
    /// config.apply(
    ///     &Overrides::default()
    ///         .with_only(Some(Vendor::Tel3))
    ///         .with_credentials(Some(Credentials::app_code("from-flag")))
    ///         .with_timeout(Some(Duration::from_secs(3))),
    /// );
    /// // The flag enables tel3 again, disables the others, and its AppCode and timeout win.
    /// assert_eq!(config.unusable_because(Vendor::Tel3), None);
    /// assert_eq!(config.unusable_because(Vendor::Sfz2), Some(Unusable::Disabled));
    /// assert!(matches!(&config.vendors[&Vendor::Tel3].credentials,
    ///     Some(Credentials::AppCode(code)) if code.expose() == "from-flag"));
    /// assert_eq!(config.timeout, Some(Duration::from_secs(3)));
    /// ```
    pub fn apply(&mut self, overrides: &Overrides) {
        if overrides.strict_regions {
            self.strict_regions = true;
        }
        if let Some(timeout) = overrides.timeout {
            self.timeout = Some(timeout);
        }
        if overrides.phonethird_consent {
            self.vendors
                .entry(Vendor::Phonethird)
                .or_default()
                .consent_obtained_by_caller = true;
        }
        if let Some(credentials) = &overrides.credentials {
            for vendor in Vendor::ALL {
                if overrides.only.is_some_and(|only| only != vendor) {
                    continue;
                }
                self.vendors.entry(vendor).or_default().credentials = Some(credentials.clone());
            }
        }
        if let Some(only) = overrides.only {
            self.restrict_to(only);
            self.vendors.entry(only).or_default().enabled = true;
        }
        if let Some(endpoint) = &overrides.endpoint {
            self.endpoint = Some(endpoint.clone());
        }
    }

    /// Disables every vendor but `only` (as `--vendor tel3` does).
    ///
    /// ```
    /// use shiming::{config::Config, Vendor};
    /// let mut c = Config::default();
    /// c.restrict_to(Vendor::Tel3);
    /// assert!(!c.vendors[&Vendor::Sfz2].enabled);
    /// ```
    pub fn restrict_to(&mut self, only: Vendor) {
        for vendor in Vendor::ALL {
            if vendor != only {
                self.vendors.entry(vendor).or_default().enabled = false;
            }
        }
    }

    /// Why `vendor` will not be routed to, or `None` if it will be.
    ///
    /// ```
    /// use shiming::{config::{Config, Unusable}, Vendor};
    /// let c = Config::default();
    /// let why = c.unusable_because(Vendor::Tel3).unwrap();
    /// assert_eq!(why, Unusable::NoCredentials(Vendor::Tel3));
    /// assert_eq!(why.to_string(), "no credentials (set SHIMING_TEL3_APPCODE or SHIMING_APPCODE)");
    /// ```
    #[must_use]
    pub fn unusable_because(&self, vendor: Vendor) -> Option<Unusable> {
        let default = VendorConfig::default();
        let settings = self.vendors.get(&vendor).unwrap_or(&default);
        if !settings.enabled {
            Some(Unusable::Disabled)
        } else if !is_compiled_in(vendor) {
            Some(Unusable::NotCompiledIn)
        } else if settings.credentials.is_none() {
            Some(Unusable::NoCredentials(vendor))
        } else if vendor == Vendor::Phonethird && !settings.consent_obtained_by_caller {
            Some(Unusable::NoConsent)
        } else {
            None
        }
    }

    /// A gateway client with this configuration's timeouts.
    ///
    /// ```
    /// let _ = shiming::config::Config::default().gateway().unwrap();
    /// ```
    pub fn gateway(&self) -> Result<GatewayClient, ConfigError> {
        let mut builder = GatewayClient::builder();
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        builder
            .build()
            .map_err(|e| ConfigError(format!("gateway client: {e}")))
    }

    /// Connects to the configured store, when the configuration asks for one
    /// ([`StoreConfig`]): Redis for a `redis://` URL (the `redis` cargo feature), otherwise a
    /// new in-memory store; `None` when nothing needs a store. Share the result between the
    /// routers of one process.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let config = shiming::config::Config::from_toml_str("[budget]\ndaily = \"100\"").unwrap();
    /// assert!(config.store().await.unwrap().is_some());
    /// assert!(shiming::config::Config::default().store().await.unwrap().is_none());
    /// # });
    /// ```
    ///
    /// # Errors
    /// A URL that is not Redis's, a Redis backend not compiled in, or a Redis that cannot be
    /// reached (the message names the host, never a password).
    pub async fn store(&self) -> Result<Option<Arc<dyn Store>>, ConfigError> {
        if !self.store.wanted(&self.controls()) {
            return Ok(None);
        }
        self.store.connect().await.map(Some)
    }

    /// A router over every usable vendor (see [`Config::unusable_because`]), all sharing
    /// `gateway`'s connection pool, with an in-memory store when the configuration asks for
    /// one. A configuration naming a Redis store needs [`Config::store`] and
    /// [`Config::router_with`] (connecting is asynchronous).
    ///
    /// ```
    /// let router = shiming::config::Config::default().router(&shiming::gateway::GatewayClient::new()).unwrap();
    /// assert!(router.routes().is_empty() && !router.has_store());
    /// ```
    ///
    /// # Errors
    /// As [`Config::router_with`], and a Redis store URL.
    pub fn router(&self, gateway: &GatewayClient) -> Result<Router, ConfigError> {
        let store: Option<Arc<dyn Store>> = match &self.store.url {
            Some(url) => {
                return Err(ConfigError(format!(
                    "store {url}: connect with Config::store, then build with Config::router_with"
                )))
            }
            None if self.store.wanted(&self.controls()) => Some(Arc::new(MemoryStore::new())),
            None => None,
        };
        self.router_with(gateway, store)
    }

    /// A router over every usable vendor with `store` (from [`Config::store`]) and the
    /// store's settings of this configuration: rates, fallback rates, packages, budgets, the
    /// cache. Without a store those settings are not used.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let config = shiming::config::Config::from_toml_str("[store]\ncache = true").unwrap();
    /// let store = Arc::new(shiming::store::MemoryStore::new());
    /// let e = config.router_with(&shiming::gateway::GatewayClient::new(), Some(store)).unwrap_err();
    /// assert!(e.to_string().contains("SHIMING_CACHE_PEPPER"));
    /// ```
    ///
    /// # Errors
    /// The cache is on without a valid pepper (`SHIMING_CACHE_PEPPER`, at least 32 bytes).
    pub fn router_with(
        &self,
        gateway: &GatewayClient,
        store: Option<Arc<dyn Store>>,
    ) -> Result<Router, ConfigError> {
        self.router_builder(gateway, store)
            .map(RouterBuilder::build)
    }

    /// What [`Config::router_with`] builds, before it is built: to add what a file cannot
    /// say, such as [`RouterBuilder::on_warning`].
    ///
    /// ```
    /// let builder = shiming::config::Config::default()
    ///     .router_builder(&shiming::gateway::GatewayClient::new(), None)
    ///     .unwrap();
    /// let router = builder.on_warning(|w| eprintln!("{w}")).build();
    /// assert!(!router.has_store());
    /// ```
    ///
    /// # Errors
    /// As [`Config::router_with`].
    pub fn router_builder(
        &self,
        gateway: &GatewayClient,
        store: Option<Arc<dyn Store>>,
    ) -> Result<RouterBuilder, ConfigError> {
        let mut builder = Router::builder()
            .order(self.order)
            .failover(self.failover)
            .strict_regions(self.strict_regions);
        if let Some(store) = store {
            builder = self
                .store
                .configure(builder.store(store), &self.controls())?;
        }
        for (rank, vendor) in (1u32..).zip(Vendor::ALL) {
            if self.unusable_because(vendor).is_some() {
                continue;
            }
            let Some(settings) = self.vendors.get(&vendor) else {
                continue;
            };
            let Some(credentials) = settings.credentials.clone() else {
                continue;
            };
            let endpoint = self.endpoint.as_deref().or(settings.endpoint.as_deref());
            // The marketplace throttles per AppCode (or AppKey): the rate limit's key.
            let credential_id = match &credentials {
                Credentials::AppCode(code) => code.expose().to_string(),
                Credentials::AppKey { key, .. } => key.clone(),
                _ => vendor.id().to_string(),
            };
            let Some(route) = client_route(vendor, credentials, endpoint, gateway, settings) else {
                continue;
            };
            builder = builder.route(
                route
                    .with_priority(settings.priority.unwrap_or(100 + rank))
                    .with_price(settings.price.unwrap_or(vendor.default_price()))
                    .with_credential(credential_id),
            );
        }
        Ok(builder)
    }

    /// Each vendor's controls.
    fn controls(&self) -> BTreeMap<Vendor, VendorControls> {
        self.vendors
            .iter()
            .map(|(vendor, settings)| (*vendor, settings.controls))
            .collect()
    }
}

/// The vendor's client as a route, or `None` when its crate feature is off.
#[allow(unused_variables, unused_macros)]
fn client_route(
    vendor: Vendor,
    credentials: Credentials,
    endpoint: Option<&str>,
    gateway: &GatewayClient,
    settings: &VendorConfig,
) -> Option<Route> {
    macro_rules! build {
        ($client:ty) => {{
            let mut builder = <$client>::builder(credentials).gateway(gateway.clone());
            if let Some(endpoint) = endpoint {
                builder = builder.endpoint(endpoint);
            }
            builder
        }};
    }
    match vendor {
        #[cfg(feature = "tel3")]
        Vendor::Tel3 => Some(Route::three(build!(shiming_tel3::Tel3Client).build())),
        #[cfg(feature = "sxm3v2")]
        Vendor::Sxm3v2 => Some(Route::three(build!(shiming_sxm3v2::Sxm3v2Client).build())),
        #[cfg(feature = "sjsys")]
        Vendor::Sjsys => Some(Route::three(build!(shiming_sjsys::SjsysClient).build())),
        #[cfg(feature = "sfz2")]
        Vendor::Sfz2 => Some(Route::two(build!(shiming_sfz2::Sfz2Client).build())),
        #[cfg(feature = "phonethird")]
        Vendor::Phonethird => Some(Route::three(
            build!(shiming_phonethird::PhonethirdClient)
                .consent_obtained_by_caller(settings.consent_obtained_by_caller)
                .build(),
        )),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn full_file_parses() {
        let c = Config::from_toml_str(
            r#"
order = "price"
strict_regions = true
timeout_seconds = 2.5
connect_timeout_seconds = 1
endpoint = "http://127.0.0.1:8080"
[failover]
on_no_record = true
[vendors.tel3]
priority = 3
price = 0.18
appcode = "file-code"
[vendors.sjsys]
enabled = false
app_key = "k"
app_secret = "s"
[vendors.phonethird]
consent_obtained_by_caller = true
"#,
        )
        .unwrap();
        assert_eq!(c.order, Order::Price);
        assert!(c.strict_regions && c.failover.on_no_record && !c.failover.after_possible_charge);
        assert_eq!(c.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(c.connect_timeout, Some(Duration::from_secs(1)));
        let tel3 = &c.vendors[&Vendor::Tel3];
        assert_eq!(
            (tel3.priority, tel3.price),
            (Some(3), Some(Price::from_li(180)))
        );
        assert!(matches!(tel3.credentials, Some(Credentials::AppCode(_))));
        assert!(!c.vendors[&Vendor::Sjsys].enabled);
        assert!(c.vendors[&Vendor::Phonethird].consent_obtained_by_caller);
        assert!(!format!("{c:?}").contains("file-code"));
    }

    #[test]
    fn mistakes_are_named() {
        for (text, expected) in [
            ("order = 1", "configuration"),
            ("colour = \"red\"", "colour"),
            ("[vendors.tel4]", "tel4"),
            ("[vendors.tel3]\nprice = \"0.0001\"", "price"),
            ("[vendors.tel3]\nprice = -1", "price"),
            ("[vendors.tel3]\napp_key = \"k\"", "app_secret"),
            (
                "[vendors.tel3]\nappcode = \"c\"\napp_key = \"k\"\napp_secret = \"s\"",
                "either",
            ),
            ("timeout_seconds = 0", "timeout_seconds"),
            ("timeout_seconds = -3", "timeout_seconds"),
            ("timeout_seconds = nan", "timeout_seconds"),
            ("timeout_seconds = 1e30", "timeout_seconds"),
            ("connect_timeout_seconds = inf", "connect_timeout_seconds"),
            ("connect_timeout_seconds = 1e-10", "connect_timeout_seconds"),
        ] {
            let e = Config::from_toml_str(text).unwrap_err().to_string();
            assert!(e.contains(expected), "{text:?}: {e}");
        }
        let e = Config::from_toml_str(
            "[vendors.tel3]\nappcode = \"c\"\napp_key = \"k\"\napp_secret = \"secret-value\"",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("secret-value"));
    }

    #[test]
    fn environment_precedence() {
        let mut c = Config::from_toml_str(
            "[vendors.tel3]\nappcode = \"from-file\"\n[vendors.sxm3v2]\nappcode = \"sx-file\"",
        )
        .unwrap();
        c.apply_env_from(env(&[
            ("SHIMING_TEL3_APPCODE", "tel3-own"),
            ("SHIMING_APPCODE", "account"),
            ("SHIMING_SJSYS_APP_KEY", "key"),
            ("SHIMING_SJSYS_APP_SECRET", "secret"),
            ("SHIMING_SFZ2_APPCODE", "  "),
            ("SHIMING_PHONETHIRD_CONSENT", "1"),
        ]));
        let code = |v: Vendor| match &c.vendors[&v].credentials {
            Some(Credentials::AppCode(s)) => s.expose().to_string(),
            Some(Credentials::AppKey { key, .. }) => format!("key:{key}"),
            _ => "none".to_string(),
        };
        assert_eq!(code(Vendor::Tel3), "tel3-own");
        assert_eq!(code(Vendor::Sxm3v2), "sx-file");
        assert_eq!(code(Vendor::Sjsys), "key:key");
        assert_eq!(code(Vendor::Sfz2), "account");
        assert_eq!(code(Vendor::Phonethird), "account");
        assert_eq!(c.unusable_because(Vendor::Phonethird), None);
    }

    /// Who holds which credentials, as `vendor=code` (`key:…` for AppKey pairs, `-` for none).
    fn codes(c: &Config) -> String {
        let code = |v: Vendor| match c.vendors.get(&v).and_then(|s| s.credentials.as_ref()) {
            Some(Credentials::AppCode(s)) => s.expose().to_string(),
            Some(Credentials::AppKey { key, .. }) => format!("key:{key}"),
            _ => "-".to_string(),
        };
        Vendor::ALL
            .iter()
            .map(|v| format!("{v}={}", code(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The command line's layering: the file, then the environment, then the flags.
    fn layered(overrides: &Overrides) -> Config {
        let mut c = Config::from_toml_str(
            r#"
timeout_seconds = 10
endpoint = "http://file.example"
[vendors.tel3]
enabled = false
appcode = "tel3-file"
[vendors.sxm3v2]
appcode = "sx-file"
[vendors.sjsys]
appcode = "sjsys-file"
"#,
        )
        .unwrap();
        c.apply_env_from(env(&[
            ("SHIMING_SXM3V2_APPCODE", "sx-env"),
            ("SHIMING_APPCODE", "account-env"),
        ]));
        c.apply(overrides);
        c
    }

    #[test]
    fn flags_over_environment_over_file() {
        // No flags: the environment over the file — a vendor's own variable replaces the
        // file's code, the account-wide one only fills in where there is none.
        let c = layered(&Overrides::default());
        assert_eq!(
            codes(&c),
            "sfz2=account-env sxm3v2=sx-env tel3=tel3-file sjsys=sjsys-file phonethird=account-env"
        );
        assert_eq!(c.endpoint.as_deref(), Some("http://file.example"));
        assert_eq!(c.timeout, Some(Duration::from_secs(10)));
        assert!(!c.strict_regions);
        assert_eq!(c.unusable_because(Vendor::Tel3), Some(Unusable::Disabled));
        assert_eq!(
            c.unusable_because(Vendor::Phonethird),
            Some(Unusable::NoConsent)
        );

        // Every flag, no vendor chosen: they win over both, for every vendor.
        let all = Overrides::default()
            .with_credentials(Some(Credentials::app_code("flag")))
            .with_endpoint(Some("http://flag.example".into()))
            .with_timeout(Some(Duration::from_secs(3)))
            .with_strict_regions(true)
            .with_phonethird_consent(true);
        let c = layered(&all);
        assert_eq!(
            codes(&c),
            "sfz2=flag sxm3v2=flag tel3=flag sjsys=flag phonethird=flag"
        );
        assert_eq!(c.endpoint.as_deref(), Some("http://flag.example"));
        assert_eq!(c.timeout, Some(Duration::from_secs(3)));
        assert!(c.strict_regions);
        assert_eq!(c.unusable_because(Vendor::Phonethird), None);
        // `--vendor auto` leaves the file's choice of vendors alone.
        assert_eq!(c.unusable_because(Vendor::Tel3), Some(Unusable::Disabled));

        // A chosen vendor: enabled over the file, the others disabled; the flag's code goes
        // to it alone.
        let c = layered(&all.clone().with_only(Some(Vendor::Tel3)));
        assert_eq!(
            codes(&c),
            "sfz2=account-env sxm3v2=sx-env tel3=flag sjsys=sjsys-file phonethird=account-env"
        );
        assert_eq!(c.unusable_because(Vendor::Tel3), None);
        for other in Vendor::ALL.into_iter().filter(|v| *v != Vendor::Tel3) {
            assert_eq!(
                c.unusable_because(other),
                Some(Unusable::Disabled),
                "{other}"
            );
        }
        let router = c.router(&GatewayClient::new()).unwrap();
        let vendors: Vec<_> = router.routes().iter().map(Route::vendor).collect();
        assert_eq!(vendors, ["tel3"]);

        // A switch left off keeps the file's and the environment's setting.
        let mut c = Config::from_toml_str("strict_regions = true").unwrap();
        c.apply_env_from(env(&[("SHIMING_PHONETHIRD_CONSENT", "1")]));
        c.apply(&Overrides::default());
        assert!(c.strict_regions && c.vendors[&Vendor::Phonethird].consent_obtained_by_caller);
    }

    #[test]
    fn unusable_reasons() {
        let mut c = Config::default();
        c.apply_env_from(env(&[("SHIMING_APPCODE", "account")]));
        assert_eq!(c.unusable_because(Vendor::Tel3), None);
        let why = c.unusable_because(Vendor::Phonethird).unwrap();
        assert_eq!(why, Unusable::NoConsent);
        assert!(why.to_string().contains("consent"));
        c.restrict_to(Vendor::Sjsys);
        assert_eq!(c.unusable_because(Vendor::Tel3), Some(Unusable::Disabled));
        assert_eq!(Unusable::Disabled.to_string(), "disabled");
        assert_eq!(c.unusable_because(Vendor::Sjsys), None);
        let router = c.router(&GatewayClient::new()).unwrap();
        let vendors: Vec<_> = router.routes().iter().map(Route::vendor).collect();
        assert_eq!(vendors, ["sjsys"]);
    }
}
