//! What a mock market accepts: credentials, their subscriptions, quotas, throttling, limits.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crate::gateway::signature::AntiReplay;
use crate::Vendor;

/// The AppCode accepted when no credentials are configured (documented in the README).
pub const DEMO_APPCODE: &str = "shimingdemoappcode0000000000000";
/// The AppKey accepted when no credentials are configured.
pub const DEMO_APP_KEY: &str = "203753385";
/// The AppSecret of [`DEMO_APP_KEY`] (the one of gateway.md's signature vectors C–E).
pub const DEMO_APP_SECRET: &str = "demo-secret";

/// One buyer credential: an AppCode, or an AppKey with its AppSecret, subscribed to products.
///
/// ```
/// use shiming_mock_market::{Credential, Vendor};
/// let c = Credential::app_code("abc").only(&[Vendor::Tel3]);
/// assert!(c.is_subscribed(Vendor::Tel3));
/// assert!(!c.is_subscribed(Vendor::Sfz2));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub(crate) kind: CredentialKind,
    pub(crate) products: BTreeSet<Vendor>,
    /// [`Credential::label`], computed once (it is on every journal entry).
    label: Arc<str>,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    AppCode(String),
    AppKey { key: String, secret: String },
}

impl Credential {
    /// An AppCode subscribed to every product.
    ///
    /// ```
    /// assert!(shiming_mock_market::Credential::app_code("x").is_subscribed(shiming_mock_market::Vendor::Sjsys));
    /// ```
    #[must_use]
    pub fn app_code(code: &str) -> Credential {
        Credential {
            kind: CredentialKind::AppCode(code.to_string()),
            products: Vendor::ALL.into_iter().collect(),
            label: app_code_label(code).into(),
        }
    }

    /// An AppKey/AppSecret pair subscribed to every product.
    ///
    /// ```
    /// let c = shiming_mock_market::Credential::app_key("203753385", "demo-secret");
    /// assert_eq!(c.label(), "appkey:203753385");
    /// ```
    #[must_use]
    pub fn app_key(key: &str, secret: &str) -> Credential {
        Credential {
            kind: CredentialKind::AppKey {
                key: key.to_string(),
                secret: secret.to_string(),
            },
            products: Vendor::ALL.into_iter().collect(),
            label: format!("appkey:{key}").into(),
        }
    }

    /// Restricts the subscription to `products`.
    ///
    /// ```
    /// use shiming_mock_market::{Credential, Vendor};
    /// assert!(!Credential::app_code("x").only(&[]).is_subscribed(Vendor::Tel3));
    /// ```
    #[must_use]
    pub fn only(mut self, products: &[Vendor]) -> Credential {
        self.products = products.iter().copied().collect();
        self
    }

    /// Whether this credential bought `product`.
    ///
    /// ```
    /// assert!(shiming_mock_market::Credential::app_code("x").is_subscribed(shiming_mock_market::Vendor::Tel3));
    /// ```
    #[must_use]
    pub fn is_subscribed(&self, product: Vendor) -> bool {
        self.products.contains(&product)
    }

    /// How the credential is shown in usage tables and the journal: AppKeys in full (they are
    /// identifiers), AppCodes masked to their first four characters.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::Credential::app_code("0123456789abcdef").label(), "appcode:0123…(16)");
    /// ```
    #[must_use]
    pub fn label(&self) -> String {
        self.label.to_string()
    }

    /// The label, shared.
    pub(crate) fn shared_label(&self) -> Arc<str> {
        Arc::clone(&self.label)
    }

    /// Whether `id` (an AppCode, an AppKey or a [`Credential::label`]) names this credential.
    pub(crate) fn is_named(&self, id: &str) -> bool {
        let by_value = match &self.kind {
            CredentialKind::AppCode(code) => code == id,
            CredentialKind::AppKey { key, .. } => key == id,
        };
        by_value || &*self.label == id
    }
}

/// The masked label of an AppCode: its first four characters and its length.
pub(crate) fn app_code_label(code: &str) -> String {
    let head: String = code.chars().take(4).collect();
    format!("appcode:{head}…({})", code.chars().count())
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("label", &self.label())
            .field(
                "products",
                &self.products.iter().map(|p| p.id()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// How the gateway throttles and which error style it speaks.
///
/// ```
/// let t = shiming_mock_market::Throttle { per_second: 10, vpc_style: false };
/// assert_eq!(t.per_second, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Requests per second allowed per (credential, product).
    pub per_second: u32,
    /// `true`: VPC-instance style (HTTP 429, `X-Ca-Error-Code: T429…`); `false`: classic
    /// (HTTP 403 `Throttled by APP Flow Control`).
    pub vpc_style: bool,
}

/// Everything a mock market is configured with.
///
/// ```
/// let c = shiming_mock_market::MarketConfig::default();
/// assert_eq!(c.credentials.len(), 2); // the demo AppCode and AppKey
/// assert_eq!(c.quota, None);
/// ```
#[derive(Debug, Clone)]
pub struct MarketConfig {
    /// Accepted credentials.
    pub credentials: Vec<Credential>,
    /// Charged calls allowed per credential and product; `None` = unlimited.
    pub quota: Option<u64>,
    /// Optional flow control.
    pub throttle: Option<Throttle>,
    /// Gateway errors also carry `X-Ca-Error-Code` (VPC instance style).
    pub vpc_error_codes: bool,
    /// Journal entries kept (oldest dropped first).
    pub journal_capacity: usize,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Longest accepted request target (path and query).
    pub max_url_bytes: usize,
    /// How long a client may take to send its request headers.
    pub header_read_timeout: Duration,
    /// Connections served at once; further connections are closed at once.
    pub max_connections: usize,
    /// How long "answer after the client's timeout" waits before answering.
    pub late_answer_delay: Duration,
    /// Products whose API has anti-replay on: signed requests must carry `X-Ca-Timestamp` and
    /// `X-Ca-Nonce` (else 400 ``Header `X-Ca-Nonce` is Required``). Empty by default: the
    /// gateway's documented default, where both are optional and checked when present.
    pub anti_replay: BTreeSet<Vendor>,
}

impl MarketConfig {
    /// The anti-replay setting of `product`'s API.
    ///
    /// ```
    /// use shiming_mock_market::gateway::signature::AntiReplay;
    /// use shiming_mock_market::{MarketConfig, Vendor};
    /// let mut config = MarketConfig::default();
    /// assert_eq!(config.anti_replay_of(Vendor::Tel3), AntiReplay::Optional);
    /// config.anti_replay.insert(Vendor::Tel3);
    /// assert_eq!(config.anti_replay_of(Vendor::Tel3), AntiReplay::Required);
    /// assert_eq!(config.anti_replay_of(Vendor::Sfz2), AntiReplay::Optional);
    /// ```
    #[must_use]
    pub fn anti_replay_of(&self, product: Vendor) -> AntiReplay {
        if self.anti_replay.contains(&product) {
            AntiReplay::Required
        } else {
            AntiReplay::Optional
        }
    }
}

impl Default for MarketConfig {
    fn default() -> MarketConfig {
        MarketConfig {
            credentials: vec![
                Credential::app_code(DEMO_APPCODE),
                Credential::app_key(DEMO_APP_KEY, DEMO_APP_SECRET),
            ],
            quota: None,
            throttle: None,
            vpc_error_codes: false,
            journal_capacity: 1_000,
            max_body_bytes: 64 * 1024,
            max_url_bytes: 8 * 1024,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            late_answer_delay: Duration::from_secs(30),
            anti_replay: BTreeSet::new(),
        }
    }
}

/// The `--config FILE` format (JSON).
///
/// ```
/// use shiming_mock_market::config::FileConfig;
/// let c = FileConfig::parse(r#"{
///   "credentials": [
///     {"appcode": "my-appcode", "products": ["tel3", "sfz2"]},
///     {"app_key": "203753385", "app_secret": "demo-secret"}
///   ],
///   "quota": 100,
///   "throttle": {"per_second": 20, "vpc_style": false},
///   "anti_replay": ["sjsys"]
/// }"#).unwrap().into_config();
/// assert_eq!(c.credentials.len(), 2);
/// assert_eq!(c.quota, Some(100));
/// assert!(c.anti_replay.contains(&shiming_mock_market::Vendor::Sjsys));
/// ```
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Credentials; when absent, the demo credentials.
    #[serde(default)]
    pub credentials: Vec<FileCredential>,
    /// Charges allowed per credential and product.
    pub quota: Option<u64>,
    /// Flow control.
    pub throttle: Option<FileThrottle>,
    /// Gateway errors carry `X-Ca-Error-Code`.
    #[serde(default)]
    pub vpc_error_codes: bool,
    /// Journal capacity.
    pub journal_capacity: Option<usize>,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: Option<usize>,
    /// Delay of the `late` fault in milliseconds.
    pub late_answer_delay_ms: Option<u64>,
    /// Product ids whose API has anti-replay on (`X-Ca-Timestamp` and `X-Ca-Nonce` required);
    /// absent or empty = none, the gateway's default.
    #[serde(default)]
    pub anti_replay: Vec<String>,
}

/// One credential of a [`FileConfig`]: either `appcode` or `app_key` + `app_secret`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCredential {
    /// An AppCode.
    pub appcode: Option<String>,
    /// An AppKey.
    pub app_key: Option<String>,
    /// Its AppSecret.
    pub app_secret: Option<String>,
    /// Product ids subscribed to; absent = all five.
    pub products: Option<Vec<String>>,
}

/// Flow control of a [`FileConfig`].
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileThrottle {
    /// Requests per second per credential and product.
    pub per_second: u32,
    /// 429 VPC style instead of the classic 403.
    #[serde(default)]
    pub vpc_style: bool,
}

impl FileConfig {
    /// Parses and checks a configuration (unknown fields, products or half credentials are
    /// errors that say where).
    ///
    /// ```
    /// use shiming_mock_market::config::FileConfig;
    /// assert!(FileConfig::parse(r#"{"credentials":[{"appcode":"x","products":["nope"]}]}"#).is_err());
    /// let e = FileConfig::parse(r#"{"anti_replay":["tel3","nope"]}"#).unwrap_err();
    /// assert!(e.contains("anti_replay") && e.contains("nope"), "{e}");
    /// ```
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        let config: FileConfig = serde_json::from_str(text).map_err(|e| format!("config: {e}"))?;
        for (i, c) in config.credentials.iter().enumerate() {
            match (&c.appcode, &c.app_key, &c.app_secret) {
                (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                _ => {
                    return Err(format!(
                        "config: credentials[{i}] needs either \"appcode\" or both \"app_key\" and \"app_secret\""
                    ))
                }
            }
            for p in c.products.iter().flatten() {
                if Vendor::from_id(p).is_none() {
                    return Err(format!("config: credentials[{i}]: unknown product {p:?}"));
                }
            }
        }
        for p in &config.anti_replay {
            if Vendor::from_id(p).is_none() {
                return Err(format!("config: anti_replay: unknown product {p:?}"));
            }
        }
        Ok(config)
    }

    /// The market configuration it describes.
    ///
    /// ```
    /// let c = shiming_mock_market::config::FileConfig::default().into_config();
    /// assert_eq!(c.credentials.len(), 2);
    /// ```
    #[must_use]
    pub fn into_config(self) -> MarketConfig {
        let mut config = MarketConfig::default();
        if !self.credentials.is_empty() {
            config.credentials = self
                .credentials
                .into_iter()
                .map(|c| {
                    let credential = match (c.appcode, c.app_key, c.app_secret) {
                        (Some(code), _, _) => Credential::app_code(&code),
                        (None, Some(key), Some(secret)) => Credential::app_key(&key, &secret),
                        _ => Credential::app_code(""),
                    };
                    match c.products {
                        Some(ids) => {
                            let products: Vec<Vendor> =
                                ids.iter().filter_map(|id| Vendor::from_id(id)).collect();
                            credential.only(&products)
                        }
                        None => credential,
                    }
                })
                .collect();
        }
        config.quota = self.quota;
        config.throttle = self.throttle.map(|t| Throttle {
            per_second: t.per_second,
            vpc_style: t.vpc_style,
        });
        config.vpc_error_codes = self.vpc_error_codes;
        if let Some(n) = self.journal_capacity {
            config.journal_capacity = n;
        }
        if let Some(n) = self.max_body_bytes {
            config.max_body_bytes = n;
        }
        if let Some(ms) = self.late_answer_delay_ms {
            config.late_answer_delay = Duration::from_millis(ms);
        }
        config.anti_replay = self
            .anti_replay
            .iter()
            .filter_map(|id| Vendor::from_id(id))
            .collect();
        config
    }
}
