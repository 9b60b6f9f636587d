//! What `verify` and `batch` share: where the vendors are (the real marketplace, another base
//! URL, or the built-in mock market), which credentials, which vendors, and the router built
//! from all that.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use shiming::config::{Config, Unusable};
use shiming::gateway::Credentials;
use shiming::{Router, Vendor};
use shiming_mock_market::{MockHandle, MockMarket};

/// Options naming the vendors and how to reach them.
#[derive(Debug, Args)]
pub struct MarketArgs {
    /// tel3, sxm3v2, sjsys, sfz2, phonethird, or auto (every configured vendor, with failover)
    #[arg(long, default_value = "auto", value_name = "VENDOR")]
    pub vendor: String,
    /// Send every vendor's calls to this base URL (e.g. a running mock market)
    #[arg(long, value_name = "URL", conflicts_with = "mock")]
    pub endpoint: Option<String>,
    /// AppCode for the chosen vendor (or all vendors with --vendor auto). Prefer the
    /// environment: SHIMING_APPCODE or SHIMING_<VENDOR>_APPCODE
    #[arg(long, value_name = "CODE")]
    pub appcode: Option<String>,
    /// Start the built-in mock market in this process and verify against it (synthetic data,
    /// nothing is charged)
    #[arg(long)]
    pub mock: bool,
    /// Configuration file (TOML; default: $SHIMING_CONFIG if set)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Attest that the person agreed to phonethird's authorization text (授权书) before the
    /// check; phonethird is never used without it
    #[arg(long)]
    pub phonethird_consent: bool,
    /// Total time per call in seconds (default 10)
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Refuse ID numbers whose region code was abolished before the birth year, before
    /// paying any vendor
    #[arg(long)]
    pub strict: bool,
}

/// A ready router, and the mock market it talks to if `--mock` started one (kept alive
/// until dropped).
pub struct Market {
    pub router: Router,
    _mock: Option<MockHandle>,
}

/// A usage problem: printed on stderr, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl MarketArgs {
    /// The vendor restriction: `None` for auto.
    pub fn vendor(&self) -> Result<Option<Vendor>, UsageError> {
        if self.vendor.trim().eq_ignore_ascii_case("auto") {
            return Ok(None);
        }
        self.vendor
            .parse()
            .map(Some)
            .map_err(|e| UsageError(format!("--vendor: {e}, or auto")))
    }

    /// Builds the router, starting the mock market first with `--mock`.
    pub fn connect(&self) -> Result<Market, UsageError> {
        let only = self.vendor()?;
        let path = self
            .config
            .clone()
            .or_else(|| std::env::var_os("SHIMING_CONFIG").map(PathBuf::from));
        let mut config = match path {
            Some(path) => Config::load(&path).map_err(|e| UsageError(e.to_string()))?,
            None => Config::default(),
        };
        config.apply_env();
        if self.strict {
            config.strict_regions = true;
        }
        if let Some(seconds) = self.timeout {
            config.timeout = Some(
                Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| UsageError("--timeout: a positive number of seconds".into()))?,
            );
        }
        if self.phonethird_consent {
            config
                .vendors
                .entry(Vendor::Phonethird)
                .or_default()
                .consent_obtained_by_caller = true;
        }
        let appcode = self.appcode.clone().or_else(|| {
            self.mock
                .then(|| shiming_mock_market::config::DEMO_APPCODE.to_string())
        });
        if let Some(code) = appcode {
            let targets: Vec<Vendor> = only.map_or_else(|| Vendor::ALL.to_vec(), |v| vec![v]);
            for vendor in targets {
                config.vendors.entry(vendor).or_default().credentials =
                    Some(Credentials::app_code(code.clone()));
            }
        }
        if let Some(only) = only {
            config.restrict_to(only);
            config.vendors.entry(only).or_default().enabled = true;
            if let Some(why) = config.unusable_because(only) {
                return Err(UsageError(refusal(only.name(), Some(why))));
            }
        } else if Vendor::ALL
            .iter()
            .all(|v| config.unusable_because(*v).is_some())
        {
            // Say why each vendor is out when at least one has credentials (otherwise the
            // plain "no credentials" advice is the whole story).
            let reasons: Vec<String> = Vendor::ALL
                .iter()
                .filter_map(|v| config.unusable_because(*v).map(|why| (v, why)))
                .filter(|(_, why)| !matches!(why, Unusable::NoCredentials(_)))
                .map(|(v, why)| format!("{v}: {why}"))
                .collect();
            return Err(UsageError(if reasons.is_empty() {
                refusal("any vendor", None)
            } else {
                format!(
                    "no vendor can be used ({}); the others have no credentials",
                    reasons.join("; ")
                )
            }));
        }
        // Started only once the arguments are known to be usable, so that a refusal is not
        // preceded by a note about a mock market that is not used.
        let mock = if self.mock {
            let mock = MockMarket::start()
                .map_err(|e| UsageError(format!("cannot start the built-in mock market: {e}")))?;
            eprintln!(
                "shiming: using the built-in mock market at {} (synthetic people, nothing is charged)",
                mock.url()
            );
            config.endpoint = Some(mock.url());
            Some(mock)
        } else {
            if let Some(endpoint) = &self.endpoint {
                config.endpoint = Some(endpoint.clone());
            }
            None
        };
        let gateway = config.gateway().map_err(|e| UsageError(e.to_string()))?;
        Ok(Market {
            router: config.router(&gateway),
            _mock: mock,
        })
    }
}

/// The async runtime `verify` and `batch` run on: two worker threads (the checks are
/// network-bound; the mock market, when started, has its own).
pub fn runtime() -> Result<tokio::runtime::Runtime, UsageError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))
}

fn refusal(what: &str, why: Option<Unusable>) -> String {
    match why {
        // `None`: no vendor has credentials.
        None | Some(Unusable::NoCredentials(_)) => format!(
            "cannot use {what}: no credentials. Either give an AppCode (--appcode CODE, or the \
             environment: SHIMING_APPCODE for every vendor, SHIMING_<VENDOR>_APPCODE for one), \
             or add --mock to try the built-in mock market (synthetic data, free)"
        ),
        // The configuration's wording names the file key and the variable; on the command
        // line the switch is --phonethird-consent.
        Some(Unusable::NoConsent) => format!(
            "cannot use {what}: it needs the person's consent to its authorization text \
             (授权书) before every check; attest it with --phonethird-consent (or \
             consent_obtained_by_caller = true in the configuration, or \
             SHIMING_PHONETHIRD_CONSENT=1)"
        ),
        Some(other) => format!("cannot use {what}: {other}"),
    }
}

/// Billing as the text output and the batch CSV say it: `yes`, `no` or `unknown`.
pub fn billed_word(billing: shiming::Billing) -> &'static str {
    match billing {
        shiming::Billing::Billed => "yes",
        shiming::Billing::NotBilled => "no",
        _ => "unknown",
    }
}

/// The public error kinds of `verify --json` and the batch output.
pub fn error_kind(kind: shiming::ErrorKind) -> &'static str {
    use shiming::ErrorKind as K;
    match kind {
        K::InvalidInput => "invalid_input",
        K::Unauthorized => "unauthorized",
        K::QuotaExhausted => "quota_exhausted",
        K::Throttled => "throttled",
        K::MayHaveBeenCharged => "may_have_been_charged",
        K::MalformedAnswer => "protocol",
        // Not sent, vendor or gateway fault, and anything newer: nothing was verified.
        _ => "unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_public_name() {
        use shiming::ErrorKind as K;
        let kinds = [
            (K::InvalidInput, "invalid_input"),
            (K::Unauthorized, "unauthorized"),
            (K::QuotaExhausted, "quota_exhausted"),
            (K::Throttled, "throttled"),
            (K::VendorFault, "unavailable"),
            (K::NotSent, "unavailable"),
            (K::MayHaveBeenCharged, "may_have_been_charged"),
            (K::MalformedAnswer, "protocol"),
        ];
        for (kind, name) in kinds {
            assert_eq!(error_kind(kind), name);
        }
    }
}
