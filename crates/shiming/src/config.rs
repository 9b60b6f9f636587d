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

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use shiming_gateway::{Credentials, GatewayClient};

use crate::{FailoverPolicy, Order, Price, Route, Router, Vendor};

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
        }
    }
}

/// Everything a [`Router`] is built from.
///
/// ```
/// use shiming::{config::Config, Vendor};
/// let mut config = Config::from_toml_str("order = \"price\"\n[vendors.tel3]\nprice = \"0.18\"\n").unwrap();
/// config.apply_env_from(|name| (name == "SHIMING_APPCODE").then(|| "my-appcode".to_string()));
/// let router = config.router(&shiming::gateway::GatewayClient::new());
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
                vendor.env_prefix()
            ),
            Unusable::NoConsent => f.write_str(
                "phonethird needs the person's consent to its authorization text before every check; attest it with consent_obtained_by_caller = true (or SHIMING_PHONETHIRD_CONSENT=1)",
            ),
        }
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
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPrice {
    Text(String),
    Number(f64),
}

fn seconds(key: &str, value: Option<f64>) -> Result<Option<Duration>, ConfigError> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| ConfigError(format!("{key}: expected a positive number of seconds")))
        })
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
            let price = match raw.price {
                None => None,
                Some(RawPrice::Text(t)) => Some(t.parse::<Price>()),
                Some(RawPrice::Number(n)) => Some(n.to_string().parse::<Price>()),
            }
            .transpose()
            .map_err(|e| ConfigError(format!("[vendors.{name}] price: {e}")))?;
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
    /// attests phonethird's consent. Empty values count as unset.
    ///
    /// ```
    /// use shiming::{config::Config, Vendor};
    /// let mut c = Config::default();
    /// c.apply_env_from(|name| (name == "SHIMING_SFZ2_APPCODE").then(|| "code".to_string()));
    /// assert!(c.vendors[&Vendor::Sfz2].credentials.is_some());
    /// assert!(!c.vendors.contains_key(&Vendor::Tel3));
    /// ```
    pub fn apply_env_from(&mut self, lookup: impl Fn(&str) -> Option<String>) {
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
            let own = read(vendor.env_prefix());
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
        } else if !vendor.is_compiled_in() {
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

    /// A router over every usable vendor (see [`Config::unusable_because`]), all sharing
    /// `gateway`'s connection pool.
    ///
    /// ```
    /// let router = shiming::config::Config::default().router(&shiming::gateway::GatewayClient::new());
    /// assert!(router.routes().is_empty());
    /// ```
    #[must_use]
    pub fn router(&self, gateway: &GatewayClient) -> Router {
        let mut builder = Router::builder()
            .order(self.order)
            .failover(self.failover)
            .strict_regions(self.strict_regions);
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
            let Some(route) = client_route(vendor, credentials, endpoint, gateway, settings) else {
                continue;
            };
            builder = builder.route(
                route
                    .with_priority(settings.priority.unwrap_or(100 + rank))
                    .with_price(settings.price.unwrap_or(vendor.default_price())),
            );
        }
        builder.build()
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
        let router = c.router(&GatewayClient::new());
        let vendors: Vec<_> = router.routes().iter().map(Route::vendor).collect();
        assert_eq!(vendors, ["sjsys"]);
    }
}
