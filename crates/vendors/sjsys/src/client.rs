//! The client: local checks, one gateway call, decoding. A thin wrapper over
//! [`ClientSettings`], whose builder is the shared [`ClientBuilder`].

use async_trait::async_trait;
use shiming_core::{Error, Identity, ThreeElementVerifier, Verification};
use shiming_gateway::Credentials;
use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};

use crate::{request, response, DEFAULT_ENDPOINT, VENDOR};

/// A client of `sjsys` (全网手机三要素核验). Cheap to clone: clones share the gateway's
/// connection pool.
///
/// `Debug` never shows the credentials.
///
/// ```
/// use shiming_gateway::Credentials;
/// use shiming_sjsys::SjsysClient;
///
/// let client = SjsysClient::new(Credentials::app_code("0123456789abcdef"));
/// let shown = format!("{client:?}");
/// assert!(shown.contains("https://sjsys.market.alicloudapi.com"));
/// assert!(!shown.contains("0123456789abcdef"));
/// ```
#[derive(Clone, Debug)]
pub struct SjsysClient {
    settings: ClientSettings,
}

/// Builds a [`SjsysClient`]: the shared [`ClientBuilder`] (gateway client, endpoint, local
/// validation, region strictness). With local validation off, identities made with
/// [`Identity::unchecked`] are sent as they are, and the vendor may refuse them — **and
/// charge for the refusal**: sjsys answers every error code with HTTP 200, which the
/// marketplace bills. The vendor's own documented limits ([`request::check_limits`]) still
/// apply.
///
/// ```
/// use shiming_gateway::Credentials;
/// let client = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code"))
///     .endpoint("http://127.0.0.1:8080")
///     .local_validation(false)
///     .build();
/// assert!(format!("{client:?}").contains("local_validation: false"));
/// ```
pub type SjsysClientBuilder = ClientBuilder<SjsysClient>;

impl FromSettings for SjsysClient {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    fn from_settings(settings: ClientSettings) -> SjsysClient {
        SjsysClient { settings }
    }
}

impl SjsysClient {
    /// A client of the marketplace endpoint [`DEFAULT_ENDPOINT`] with a gateway client of its
    /// own and local validation on (lenient regions).
    ///
    /// ```
    /// let client = shiming_sjsys::SjsysClient::new(shiming_gateway::Credentials::app_code("code"));
    /// assert_eq!(client.endpoint(), shiming_sjsys::DEFAULT_ENDPOINT);
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> SjsysClient {
        SjsysClient::builder(credentials).build()
    }

    /// A builder for other settings (a shared gateway client, another endpoint, no local
    /// validation, strict regions).
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let shared = GatewayClient::new();
    /// let client = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code"))
    ///     .gateway(shared.clone())
    ///     .endpoint("http://127.0.0.1:8080/")
    ///     .build();
    /// assert_eq!(client.endpoint(), "http://127.0.0.1:8080");
    /// ```
    pub fn builder(credentials: Credentials) -> SjsysClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// The base URL calls go to (no path).
    ///
    /// ```
    /// let c = shiming_sjsys::SjsysClient::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(c.endpoint(), "https://sjsys.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.settings.endpoint()
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// let c = shiming_sjsys::SjsysClient::new(shiming_gateway::Credentials::app_code("c"));
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
    /// let c = shiming_sjsys::SjsysClient::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(!c.strict_regions());
    /// ```
    #[must_use]
    pub fn strict_regions(&self) -> bool {
        self.settings.strict_regions()
    }
}

#[async_trait]
impl ThreeElementVerifier for SjsysClient {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    /// Validates locally (unless turned off), checks the vendor's limits, then makes one call.
    /// Refusals before the call are [`shiming_core::ErrorKind::InvalidInput`], never sent and
    /// never charged.
    async fn verify_three(&self, identity: &Identity) -> Result<Verification, Error> {
        let identity = self.settings.check_three(identity)?;
        request::check_limits(&identity)?;
        let api_request = request::encode(self.settings.endpoint(), &identity);
        let api_response = self.settings.call(&api_request).await?;
        response::decode(&api_response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_credentials() {
        for credentials in [
            Credentials::app_code("appcode-0123456789"),
            Credentials::app_key("203753385", "secret-0123456789"),
        ] {
            let builder = SjsysClient::builder(credentials);
            let shown = format!("{builder:?}");
            let client = builder.build();
            let shown = format!("{shown} {client:?}");
            for secret in ["appcode-0123456789", "secret-0123456789", "203753385"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    #[test]
    fn defaults() {
        let client = SjsysClient::new(Credentials::app_code("x"));
        assert_eq!(client.endpoint(), DEFAULT_ENDPOINT);
        assert!(client.local_validation());
        assert!(!client.strict_regions());
        assert_eq!(client.vendor(), "sjsys");
    }
}
