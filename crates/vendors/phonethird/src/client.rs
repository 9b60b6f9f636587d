//! The client: consent, local validation, vendor limits, encode, call, decode.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use shiming_core::{Date, Error, ErrorKind, Identity, ThreeElementVerifier, Verification};
use shiming_gateway::{Credentials, GatewayClient};
use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};

use crate::{response, PhonethirdApi, DEFAULT_ENDPOINT, VENDOR};

/// How far in the future a consent time may lie (clock differences between machines).
const CONSENT_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Evidence that the person being verified was shown the vendor's authorization text
/// (个人信息授权书, seed 004 §六) and agreed before the check: how (a description such as
/// which text, which version, which screen or signed form) and when.
///
/// It is copied into the result's extras as `consent` and `consent_obtained_at`
/// (`YYYY-MM-DDThh:mm:ssZ`, UTC), so the **description must not contain personal data**
/// (refer to your own record instead: "授权书 v3, record #8812").
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use shiming_phonethird::Consent;
/// let at = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
/// let c = Consent::new("授权书 v3 accepted in app, record #8812", at);
/// assert_eq!(c.description, "授权书 v3 accepted in app, record #8812");
/// assert_eq!(c.obtained_at, at);
/// assert_eq!(c.obtained_at_utc(), "2025-11-24T16:00:00Z");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// How consent was obtained (caller's words; no personal data).
    pub description: String,
    /// When it was obtained.
    pub obtained_at: SystemTime,
}

impl Consent {
    /// Records consent obtained at `obtained_at`, described by `description`. Checked when
    /// used: a blank description or a time in the future is refused.
    ///
    /// ```
    /// let c = shiming_phonethird::Consent::new("paper form signed at the counter", std::time::SystemTime::now());
    /// assert!(!c.description.is_empty());
    /// ```
    #[must_use]
    pub fn new(description: impl Into<String>, obtained_at: SystemTime) -> Consent {
        Consent {
            description: description.into(),
            obtained_at,
        }
    }

    /// `obtained_at` as `YYYY-MM-DDThh:mm:ssZ` (UTC).
    ///
    /// ```
    /// let c = shiming_phonethird::Consent::new("x", std::time::UNIX_EPOCH);
    /// assert_eq!(c.obtained_at_utc(), "1970-01-01T00:00:00Z");
    /// ```
    #[must_use]
    pub fn obtained_at_utc(&self) -> String {
        let secs = match self.obtained_at.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // One buffer for the whole text (this runs on every check).
        let mut out = String::with_capacity(24);
        let _ = match Date::from_days_since_unix_epoch(days) {
            Some(date) => write!(out, "{date}"),
            None => write!(out, "day {days}"),
        };
        let _ = write!(
            out,
            "T{:02}:{:02}:{:02}Z",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        );
        out
    }

    /// The consent a client built with `consent_obtained_by_caller(true)` records for the
    /// trait method: the caller's standing attestation, timed at the call.
    fn attested_by_configuration() -> Consent {
        Consent::new(
            "attested by the caller for every check (consent_obtained_by_caller); time of the call",
            SystemTime::now(),
        )
    }

    /// Refuses a blank description or a time in the future. Nothing is sent then.
    fn check(&self) -> Result<(), Error> {
        let refuse = |why: &str| {
            Err(Error::new(ErrorKind::InvalidInput, format!("consent: {why}")).with_vendor(VENDOR))
        };
        if self.description.trim().is_empty() {
            return refuse(
                "the description is blank; say how the person agreed to the authorization text (seed 004 §六)",
            );
        }
        if self.obtained_at > SystemTime::now() + CONSENT_CLOCK_SKEW {
            return refuse("obtained_at lies in the future; consent must precede the check");
        }
        Ok(())
    }
}

/// The `phonethird` client. Cheap to clone (the gateway's connection pool is shared).
/// `Debug` never shows the credentials.
///
/// ```
/// use shiming_gateway::Credentials;
/// let client = shiming_phonethird::PhonethirdClient::new(Credentials::app_code("my-appcode"));
/// assert_eq!(client.endpoint(), shiming_phonethird::DEFAULT_ENDPOINT);
/// assert!(!format!("{client:?}").contains("my-appcode"));
/// ```
#[derive(Clone, Debug)]
pub struct PhonethirdClient {
    settings: ClientSettings,
    consent_obtained_by_caller: bool,
}

/// Made by the shared [`ClientBuilder`] (`ClientBuilder::<PhonethirdClient>::new(..).build()`)
/// a client has consent not attested; [`PhonethirdClientBuilder`] adds that one option.
impl FromSettings for PhonethirdClient {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    fn from_settings(settings: ClientSettings) -> PhonethirdClient {
        PhonethirdClient {
            settings,
            consent_obtained_by_caller: false,
        }
    }
}

/// Builds a [`PhonethirdClient`]: the shared [`ClientBuilder`] (gateway client, endpoint,
/// local validation, region strictness — each method delegates to it) plus phonethird's own
/// option, [`PhonethirdClientBuilder::consent_obtained_by_caller`].
///
/// ```
/// use shiming_gateway::{Credentials, GatewayClient};
/// use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
/// let pool = GatewayClient::new();
/// let client = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("code"))
///     .gateway(pool.clone())
///     .endpoint("http://127.0.0.1:8080/")
///     .local_validation(true)
///     .strict_regions(false)
///     .consent_obtained_by_caller(false)
///     .build();
/// assert_eq!(client.endpoint(), "http://127.0.0.1:8080");
/// ```
#[must_use]
#[derive(Debug)]
pub struct PhonethirdClientBuilder {
    shared: ClientBuilder<PhonethirdClient>,
    consent_obtained_by_caller: bool,
}

impl PhonethirdClientBuilder {
    /// Uses `gateway` (share one pool across vendors). Default: a new
    /// [`shiming_gateway::GatewayClient`]. See [`ClientBuilder::gateway`].
    ///
    /// ```
    /// # use shiming_gateway::{Credentials, GatewayClient};
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// let _ = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("c")).gateway(GatewayClient::new());
    /// ```
    pub fn gateway(mut self, gateway: GatewayClient) -> PhonethirdClientBuilder {
        self.shared = self.shared.gateway(gateway);
        self
    }

    /// The base URL without path (default [`DEFAULT_ENDPOINT`]), e.g. a mock market's URL;
    /// a trailing `/` is ignored. See [`ClientBuilder::endpoint`].
    ///
    /// ```
    /// # use shiming_gateway::Credentials;
    /// let c = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("c")).endpoint("http://127.0.0.1:9000/").build();
    /// assert_eq!(c.endpoint(), "http://127.0.0.1:9000");
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> PhonethirdClientBuilder {
        self.shared = self.shared.endpoint(endpoint);
        self
    }

    /// Validates (and normalizes) every identity locally before the paid call (default
    /// `true`). Off: values are sent as they are, and the vendor charges for refusing them.
    /// See [`ClientBuilder::local_validation`].
    ///
    /// ```
    /// # use shiming_gateway::Credentials;
    /// let c = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("c")).local_validation(false).build();
    /// assert!(!c.local_validation());
    /// ```
    pub fn local_validation(mut self, on: bool) -> PhonethirdClientBuilder {
        self.shared = self.shared.local_validation(on);
        self
    }

    /// Whether local validation refuses ID numbers with a region problem (default `false`,
    /// lenient). See [`ClientBuilder::strict_regions`] for what it refuses and why it is off
    /// by default.
    ///
    /// ```
    /// # use shiming_gateway::Credentials;
    /// let c = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("c")).strict_regions(true).build();
    /// assert!(c.strict_regions());
    /// ```
    pub fn strict_regions(mut self, strict: bool) -> PhonethirdClientBuilder {
        self.shared = self.shared.strict_regions(strict);
        self
    }

    /// Attests that the application obtains every verified person's consent to the vendor's
    /// authorization text before checking them (seed 004 §六), which lets
    /// [`ThreeElementVerifier::verify_three`] run (default `false`: it refuses, and only
    /// [`PhonethirdClient::verify_with_consent`] works).
    ///
    /// ```
    /// # use shiming_gateway::Credentials;
    /// let _ = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("c")).consent_obtained_by_caller(true);
    /// ```
    pub fn consent_obtained_by_caller(mut self, attested: bool) -> PhonethirdClientBuilder {
        self.consent_obtained_by_caller = attested;
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// # use shiming_gateway::Credentials;
    /// let client = shiming_phonethird::PhonethirdClient::builder(Credentials::app_code("c")).build();
    /// # drop(client);
    /// ```
    pub fn build(self) -> PhonethirdClient {
        PhonethirdClient {
            consent_obtained_by_caller: self.consent_obtained_by_caller,
            ..self.shared.build()
        }
    }
}

impl PhonethirdClient {
    /// A client with the defaults: [`DEFAULT_ENDPOINT`], a new gateway pool, local validation
    /// on (lenient regions), consent not attested (only
    /// [`PhonethirdClient::verify_with_consent`] works).
    ///
    /// ```
    /// let _ = shiming_phonethird::PhonethirdClient::new(shiming_gateway::Credentials::app_code("c"));
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> PhonethirdClient {
        PhonethirdClient::builder(credentials).build()
    }

    /// A builder for other settings.
    ///
    /// ```
    /// let _ = shiming_phonethird::PhonethirdClient::builder(shiming_gateway::Credentials::app_code("c")).build();
    /// ```
    pub fn builder(credentials: Credentials) -> PhonethirdClientBuilder {
        PhonethirdClientBuilder {
            shared: ClientBuilder::new(credentials),
            consent_obtained_by_caller: false,
        }
    }

    /// The base URL calls go to.
    ///
    /// ```
    /// let c = shiming_phonethird::PhonethirdClient::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(c.endpoint().starts_with("https://"));
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.settings.endpoint()
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// let c = shiming_phonethird::PhonethirdClient::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(c.local_validation());
    /// ```
    #[must_use]
    pub fn local_validation(&self) -> bool {
        self.settings.local_validation()
    }

    /// Whether local validation refuses ID numbers with a region problem
    /// ([`ClientBuilder::strict_regions`]).
    ///
    /// ```
    /// let c = shiming_phonethird::PhonethirdClient::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(!c.strict_regions());
    /// ```
    #[must_use]
    pub fn strict_regions(&self) -> bool {
        self.settings.strict_regions()
    }

    /// Whether the client was built with
    /// [`PhonethirdClientBuilder::consent_obtained_by_caller`]`(true)`, so that
    /// [`ThreeElementVerifier::verify_three`] runs.
    ///
    /// ```
    /// let c = shiming_phonethird::PhonethirdClient::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(!c.consent_obtained_by_caller());
    /// ```
    #[must_use]
    pub fn consent_obtained_by_caller(&self) -> bool {
        self.consent_obtained_by_caller
    }

    /// Checks name + ID number + mobile for a person who agreed to the vendor's authorization
    /// text as `consent` says. In order, each step refusing without sending anything (so
    /// without charge): the consent (blank description, future time → `InvalidInput`), local
    /// validation (unless turned off), the vendor's limits ([`crate::request::check_limits`]). Then
    /// one call, decoded by [`response::decode`]; a `203` for a mobile that is locally known
    /// to be a virtual-operator number gets the detail
    /// [`response::DETAIL_VIRTUAL_OPERATOR`]. The result's extras record the consent
    /// (`consent`, `consent_obtained_at`).
    ///
    /// ```no_run
    /// # async fn demo(client: &shiming_phonethird::PhonethirdClient, who: &shiming_core::Identity) -> Result<(), shiming_core::Error> {
    /// use shiming_phonethird::Consent;
    /// let consent = Consent::new("授权书 v3 accepted in app, record #8812", std::time::SystemTime::now());
    /// let v = client.verify_with_consent(who, consent).await?;
    /// assert_eq!(v.extra("consent"), Some("授权书 v3 accepted in app, record #8812"));
    /// # Ok(()) }
    /// ```
    pub async fn verify_with_consent(
        &self,
        identity: &Identity,
        consent: Consent,
    ) -> Result<Verification, Error> {
        consent.check()?;
        let identity = self.settings.check_three(identity)?;
        let mut v = self.settings.exchange::<PhonethirdApi>(&identity).await?;
        if v.detail.as_deref() == Some(response::DETAIL_ABNORMAL) && is_virtual(&identity) {
            v.detail = Some(response::DETAIL_VIRTUAL_OPERATOR.to_string());
        }
        let at = consent.obtained_at_utc();
        Ok(v.with_extra("consent", consent.description)
            .with_extra("consent_obtained_at", at))
    }
}

/// Whether the identity's mobile is a virtual-operator (MVNO) number by the core's table.
fn is_virtual(identity: &Identity) -> bool {
    identity
        .expose_mobile()
        .and_then(|m| shiming_core::mobile::parse(m).ok())
        .is_some_and(|m| m.is_virtual())
}

/// **Requires consent.** The vendor allows a check only after the person agreed to its
/// authorization text (seed 004 §六), and this method has no way to say so: it works only on
/// a client built with [`PhonethirdClientBuilder::consent_obtained_by_caller`]`(true)`, and
/// then records that attestation as the consent. Otherwise it fails with
/// [`ErrorKind::InvalidInput`] and sends nothing; use
/// [`PhonethirdClient::verify_with_consent`] instead.
#[async_trait]
impl ThreeElementVerifier for PhonethirdClient {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    async fn verify_three(&self, identity: &Identity) -> Result<Verification, Error> {
        if !self.consent_obtained_by_caller {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "consent: phonethird requires the person's consent to its authorization text before every check (seed 004 §六); call verify_with_consent, or build the client with consent_obtained_by_caller(true) if your application obtains it",
            )
            .with_vendor(VENDOR));
        }
        self.verify_with_consent(identity, Consent::attested_by_configuration())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_credentials() {
        let client = PhonethirdClient::builder(Credentials::app_key("key-id", "top-secret"))
            .endpoint("http://127.0.0.1:1")
            .build();
        let shown = format!("{client:?}");
        assert_eq!(
            shown,
            "PhonethirdClient { settings: ClientSettings { vendor: \"phonethird\", \
             endpoint: \"http://127.0.0.1:1\", local_validation: true, strict_regions: false, \
             gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. }, \
             consent_obtained_by_caller: false }"
        );
        assert!(!shown.contains("key-id") && !shown.contains("top-secret"));
        let builder = PhonethirdClient::builder(Credentials::app_code("top-secret"))
            .consent_obtained_by_caller(true);
        let shown = format!("{builder:?}");
        assert_eq!(
            shown,
            "PhonethirdClientBuilder { shared: ClientBuilder { vendor: \"phonethird\", \
             endpoint: \"https://phonethird.market.alicloudapi.com\", local_validation: true, \
             strict_regions: false, gateway: None, .. }, consent_obtained_by_caller: true }"
        );
    }

    #[test]
    fn the_builder_delegates_every_shared_option() {
        let client = PhonethirdClient::builder(Credentials::app_code("c"))
            .endpoint("http://127.0.0.1:9/")
            .local_validation(false)
            .strict_regions(true)
            .consent_obtained_by_caller(true)
            .build();
        assert_eq!(client.endpoint(), "http://127.0.0.1:9");
        assert!(!client.local_validation());
        assert!(client.strict_regions());
        assert!(client.consent_obtained_by_caller());
        let shared = ClientBuilder::<PhonethirdClient>::new(Credentials::app_code("c")).build();
        assert!(
            !shared.consent_obtained_by_caller(),
            "never attested by default"
        );
    }

    #[test]
    fn consent_times_are_formatted_in_utc() {
        let at = |secs: u64| Consent::new("x", UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0).obtained_at_utc(), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400).obtained_at_utc(), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_478_399).obtained_at_utc(), "2026-11-23T23:59:59Z");
        let before = Consent::new("x", UNIX_EPOCH - Duration::from_secs(1));
        assert_eq!(before.obtained_at_utc(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn consent_is_checked() {
        assert!(Consent::new("form #1", SystemTime::now()).check().is_ok());
        let blank = Consent::new("  ", SystemTime::now()).check().unwrap_err();
        assert_eq!(blank.kind(), ErrorKind::InvalidInput);
        assert!(blank.message().starts_with("consent: "), "{blank}");
        let future = Consent::new("form", SystemTime::now() + Duration::from_secs(3600))
            .check()
            .unwrap_err();
        assert!(future.message().contains("future"), "{future}");
    }
}
