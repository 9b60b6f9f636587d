//! What `verify` and `batch` share: where the vendors are (the real marketplace, another base
//! URL, or the built-in mock market), which credentials, which vendors, and the router built
//! from all that.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use shiming::config::{positive_seconds, Config, Overrides, Unusable};
use shiming::gateway::Credentials;
use shiming::store::Store;
use shiming::{Router, Vendor};
#[cfg(feature = "mock")]
use shiming_mock_market::{MockHandle, MockMarket};
use tokio::runtime::Runtime;

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
    // Parsed in every build, so that a build without the mock market (cargo feature `mock`
    // off) refuses it with its own message (a usage error) rather than as an unknown argument.
    #[arg(long)]
    #[cfg_attr(
        not(feature = "mock"),
        arg(help = "Not in this build (cargo feature `mock`): start the built-in mock market")
    )]
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
    /// The store's ledger to count in (default: the configuration's `[store] ledger`, else
    /// `default`): give every worker of one job the same name, and each job its own
    #[arg(long, value_name = "NAME")]
    pub ledger: Option<String>,
}

/// A ready router, its store (when the configuration uses one), and the mock market it talks
/// to if `--mock` started one (kept alive until dropped).
pub struct Market {
    pub router: Router,
    pub store: Option<Arc<dyn Store>>,
    /// Whether the store is shared with other processes (Redis), rather than this process's.
    pub shared: bool,
    #[cfg(feature = "mock")]
    _mock: Option<MockHandle>,
}

/// A usage problem: printed on stderr, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

/// `--mock` in a build without the mock market.
#[cfg(not(feature = "mock"))]
const NO_MOCK: &str =
    "--mock: this shiming was built without the mock market (cargo feature `mock`)";

impl MarketArgs {
    /// The vendor restriction: `None` for auto. Callers parse it once and hand it to
    /// [`MarketArgs::connect`].
    pub fn vendor(&self) -> Result<Option<Vendor>, UsageError> {
        if self.vendor.trim().eq_ignore_ascii_case("auto") {
            return Ok(None);
        }
        self.vendor
            .parse()
            .map(Some)
            .map_err(|e| UsageError(format!("--vendor: {e}, or auto")))
    }

    /// Builds the router for `only` (what [`MarketArgs::vendor`] returned), starting the mock
    /// market first with `--mock`, and connecting to the configured store on `runtime` (the
    /// one the checks then run on: a Redis connection lives on the runtime it was made on).
    /// The router's warnings (a package running low, the store failing) go to stderr.
    /// `adjust` changes the configuration last (what a subcommand's own flags set).
    pub fn connect(
        &self,
        only: Option<Vendor>,
        runtime: &Runtime,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Market, UsageError> {
        #[cfg(not(feature = "mock"))]
        if self.mock {
            return Err(UsageError(NO_MOCK.into()));
        }
        let mut config = self.configuration(only, |name| std::env::var(name).ok())?;
        adjust(&mut config);
        refuse_unusable(&config, only)?;
        #[cfg(feature = "mock")]
        let (config, mock) = self.start_mock(config)?;
        let gateway = config.gateway().map_err(|e| UsageError(e.to_string()))?;
        let store = runtime
            .block_on(config.store())
            .map_err(|e| UsageError(e.to_string()))?;
        let router = config
            .router_builder(&gateway, store.clone())
            .map_err(|e| UsageError(e.to_string()))?
            .on_warning(|warning| eprintln!("shiming: warning: {warning}"))
            .build();
        Ok(Market {
            router,
            store,
            shared: config.store.url.is_some(),
            #[cfg(feature = "mock")]
            _mock: mock,
        })
    }

    /// With `--mock`, starts the built-in mock market and points every vendor at it. Called
    /// only once the arguments are known to be usable, so that a refusal is not preceded by a
    /// note about a mock market that is not used.
    #[cfg(feature = "mock")]
    fn start_mock(&self, mut config: Config) -> Result<(Config, Option<MockHandle>), UsageError> {
        if !self.mock {
            return Ok((config, None));
        }
        let mock = MockMarket::start()
            .map_err(|e| UsageError(format!("cannot start the built-in mock market: {e}")))?;
        eprintln!(
            "shiming: using the built-in mock market at {} (synthetic people, nothing is charged)",
            mock.url()
        );
        // Its address is known only now (`--endpoint` conflicts with `--mock`).
        config.apply(&Overrides::default().with_endpoint(Some(mock.url())));
        Ok((config, Some(mock)))
    }

    /// The configuration of this run: the file (`--config`, else `$SHIMING_CONFIG`), then
    /// the environment (`env`), then the flags — each over the one before.
    fn configuration(
        &self,
        only: Option<Vendor>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, UsageError> {
        let path = self
            .config
            .clone()
            .or_else(|| std::env::var_os("SHIMING_CONFIG").map(PathBuf::from));
        let mut config = match path {
            Some(path) => Config::load(&path).map_err(|e| UsageError(e.to_string()))?,
            None => Config::default(),
        };
        config.apply_env_from(env);
        config.apply(&self.overrides(only)?);
        if let Some(ledger) = &self.ledger {
            config.store.ledger = Some(ledger.clone());
        }
        Ok(config)
    }

    /// The flags as the configuration takes them. With `--mock` and no `--appcode`, every
    /// vendor gets the mock market's AppCode.
    fn overrides(&self, only: Option<Vendor>) -> Result<Overrides, UsageError> {
        let timeout = self
            .timeout
            .map(|seconds| {
                positive_seconds(seconds)
                    .map_err(|_| UsageError("--timeout: a positive number of seconds".into()))
            })
            .transpose()?;
        let appcode = self.appcode.clone().or_else(|| self.mock_appcode());
        Ok(Overrides::default()
            .with_only(only)
            .with_credentials(appcode.map(Credentials::app_code))
            .with_endpoint(self.endpoint.clone())
            .with_timeout(timeout)
            .with_strict_regions(self.strict)
            .with_phonethird_consent(self.phonethird_consent))
    }

    /// The built-in mock market's AppCode, with `--mock`.
    #[cfg(feature = "mock")]
    fn mock_appcode(&self) -> Option<String> {
        self.mock
            .then(|| shiming_mock_market::config::DEMO_APPCODE.to_string())
    }

    /// No mock market in this build (`--mock` is refused before this is asked).
    #[cfg(not(feature = "mock"))]
    fn mock_appcode(&self) -> Option<String> {
        None
    }
}

/// Refuses a configuration that would send nothing: the chosen vendor unusable, or every
/// vendor with `--vendor auto`.
fn refuse_unusable(config: &Config, only: Option<Vendor>) -> Result<(), UsageError> {
    if let Some(only) = only {
        return match config.unusable_because(only) {
            Some(why) => Err(UsageError(refusal(only.id(), Some(why)))),
            None => Ok(()),
        };
    }
    if Vendor::ALL
        .iter()
        .any(|v| config.unusable_because(*v).is_none())
    {
        return Ok(());
    }
    // Say why each vendor is out when at least one has credentials (otherwise the plain "no
    // credentials" advice is the whole story).
    let reasons: Vec<String> = Vendor::ALL
        .iter()
        .filter_map(|v| config.unusable_because(*v).map(|why| (v, why)))
        .filter(|(_, why)| !matches!(why, Unusable::NoCredentials(_)))
        .map(|(v, why)| format!("{v}: {why}"))
        .collect();
    Err(UsageError(if reasons.is_empty() {
        refusal("any vendor", None)
    } else {
        format!(
            "no vendor can be used ({}); the others have no credentials",
            reasons.join("; ")
        )
    }))
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
        #[cfg(feature = "mock")]
        None | Some(Unusable::NoCredentials(_)) => format!(
            "cannot use {what}: no credentials. Either give an AppCode (--appcode CODE, or the \
             environment: SHIMING_APPCODE for every vendor, SHIMING_<VENDOR>_APPCODE for one), \
             or add --mock to try the built-in mock market (synthetic data, free)"
        ),
        // A build without the mock market does not suggest it.
        #[cfg(not(feature = "mock"))]
        None | Some(Unusable::NoCredentials(_)) => format!(
            "cannot use {what}: no credentials. Give an AppCode (--appcode CODE, or the \
             environment: SHIMING_APPCODE for every vendor, SHIMING_<VENDOR>_APPCODE for one)"
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::time::Duration;

    #[derive(Parser)]
    struct Line {
        #[command(flatten)]
        market: MarketArgs,
    }

    fn args(line: &[&str]) -> MarketArgs {
        Line::try_parse_from(std::iter::once("shiming").chain(line.iter().copied()))
            .unwrap()
            .market
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "SHIMING_TEL3_APPCODE" => Some("tel3-env".into()),
            "SHIMING_APPCODE" => Some("account-env".into()),
            _ => None,
        }
    }

    fn code(config: &Config, vendor: Vendor) -> String {
        match config
            .vendors
            .get(&vendor)
            .and_then(|s| s.credentials.as_ref())
        {
            Some(Credentials::AppCode(code)) => code.expose().to_string(),
            _ => "-".into(),
        }
    }

    /// What `verify` and `batch` make of their flags, the environment and the file.
    fn configuration(line: &[&str]) -> Result<Config, UsageError> {
        let market = args(line);
        market.configuration(market.vendor()?, env)
    }

    #[test]
    fn flags_over_environment_over_file() {
        let file = std::env::temp_dir().join(format!("shiming-market-{}.toml", std::process::id()));
        std::fs::write(
            &file,
            "timeout_seconds = 10\nendpoint = \"http://file.example\"\n\
             [vendors.tel3]\nenabled = false\nappcode = \"tel3-file\"\n\
             [vendors.sjsys]\nappcode = \"sjsys-file\"\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();

        let c = configuration(&["--config", path]).unwrap();
        assert_eq!(code(&c, Vendor::Tel3), "tel3-env");
        assert_eq!(code(&c, Vendor::Sjsys), "sjsys-file");
        assert_eq!(code(&c, Vendor::Sfz2), "account-env");
        assert_eq!(c.unusable_because(Vendor::Tel3), Some(Unusable::Disabled));
        assert_eq!(c.endpoint.as_deref(), Some("http://file.example"));
        assert_eq!(c.timeout, Some(Duration::from_secs(10)));
        assert!(!c.strict_regions);

        let flags = [
            "--config",
            path,
            "--vendor",
            "tel3",
            "--appcode",
            "flag",
            "--endpoint",
            "http://flag.example",
            "--timeout",
            "2.5",
            "--strict",
            "--phonethird-consent",
        ];
        let c = configuration(&flags).unwrap();
        assert_eq!(code(&c, Vendor::Tel3), "flag");
        assert_eq!(code(&c, Vendor::Sjsys), "sjsys-file");
        assert_eq!(c.unusable_because(Vendor::Tel3), None);
        assert_eq!(c.unusable_because(Vendor::Sjsys), Some(Unusable::Disabled));
        assert_eq!(c.endpoint.as_deref(), Some("http://flag.example"));
        assert_eq!(c.timeout, Some(Duration::from_millis(2500)));
        assert!(c.strict_regions && c.vendors[&Vendor::Phonethird].consent_obtained_by_caller);

        // --appcode without --vendor: every vendor.
        let c = configuration(&["--config", path, "--appcode", "flag"]).unwrap();
        assert!(Vendor::ALL.iter().all(|v| code(&c, *v) == "flag"));
        #[cfg(feature = "mock")]
        {
            // --mock gives every vendor the mock market's AppCode, over the environment's.
            let c = configuration(&["--config", path, "--mock"]).unwrap();
            let demo = shiming_mock_market::config::DEMO_APPCODE;
            assert!(Vendor::ALL.iter().all(|v| code(&c, *v) == demo));
        }
        for refused in ["0", "-0", "-1", "NaN", "inf", "-inf", "1e20", "1e-10"] {
            let e =
                configuration(&["--config", path, &format!("--timeout={refused}")]).unwrap_err();
            assert_eq!(e.0, "--timeout: a positive number of seconds", "{refused}");
        }
        let c = configuration(&["--config", path, "--timeout", "1e-9"]).unwrap();
        assert_eq!(c.timeout, Some(Duration::from_nanos(1)));
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn vendor_is_parsed_by_vendor_from_str_or_is_auto() {
        assert_eq!(args(&[]).vendor().unwrap(), None);
        assert_eq!(args(&["--vendor", " Auto "]).vendor().unwrap(), None);
        assert_eq!(
            args(&["--vendor", "SFZ2"]).vendor().unwrap(),
            Some(Vendor::Sfz2)
        );
        let e = args(&["--vendor", "tel4"]).vendor().unwrap_err();
        assert_eq!(
            e.0,
            format!(
                "--vendor: {}, or auto",
                "tel4".parse::<Vendor>().unwrap_err()
            )
        );
    }

    #[cfg(not(feature = "mock"))]
    #[test]
    fn without_the_feature_mock_is_a_usage_error() {
        let runtime = runtime().expect("a runtime");
        let Err(e) = args(&["--mock"]).connect(None, &runtime, |_| {}) else {
            panic!("--mock accepted without the mock market");
        };
        assert_eq!(e.0, NO_MOCK);
    }

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
            (K::BudgetExhausted, "budget_exhausted"),
        ];
        for (kind, name) in kinds {
            assert_eq!(kind.public_name(), name);
        }
    }
}
