//! The sfz2 client: a thin wrapper over [`ClientSettings`], whose builder is the shared
//! [`ClientBuilder`].

use async_trait::async_trait;
use shiming_core::{Error, Identity, TwoElementVerifier, Verification};
use shiming_gateway::Credentials;
use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};

use crate::{request, response, DEFAULT_ENDPOINT, VENDOR};

/// A client of sfz2 (拇指云 身份证二要素核验). Cheap to clone: clones share the gateway's
/// connection pool. `Debug` never shows the credentials.
///
/// ```
/// use shiming_core::TwoElementVerifier;
/// use shiming_gateway::Credentials;
/// let client = shiming_sfz2::Sfz2Client::new(Credentials::app_code("my-appcode"));
/// assert_eq!(client.vendor(), "sfz2");
/// assert!(!format!("{client:?}").contains("my-appcode"));
/// ```
#[derive(Clone, Debug)]
pub struct Sfz2Client {
    settings: ClientSettings,
}

/// Builds a [`Sfz2Client`]: the shared [`ClientBuilder`] (gateway client, endpoint, local
/// validation, region strictness). A mobile in the identity is not checked (sfz2 does not take
/// one). With local validation off, values go to sfz2 as given — except what sfz2 documents it
/// refuses ([`request::check_limits`]), which is never sent.
///
/// ```
/// let client = shiming_sfz2::Sfz2Client::builder(shiming_gateway::Credentials::app_code("c"))
///     .local_validation(false)
///     .build();
/// assert!(!client.local_validation());
/// ```
pub type Sfz2ClientBuilder = ClientBuilder<Sfz2Client>;

impl FromSettings for Sfz2Client {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    fn from_settings(settings: ClientSettings) -> Sfz2Client {
        Sfz2Client { settings }
    }
}

impl Sfz2Client {
    /// A client with the default endpoint, local validation on (lenient regions) and a
    /// gateway client of its own (default settings).
    ///
    /// ```
    /// let client = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(client.endpoint(), shiming_sfz2::DEFAULT_ENDPOINT);
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> Sfz2Client {
        Sfz2Client::builder(credentials).build()
    }

    /// A builder for the gateway client, endpoint, local validation and region strictness.
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let shared = GatewayClient::new();
    /// let client = shiming_sfz2::Sfz2Client::builder(Credentials::app_code("c"))
    ///     .gateway(shared.clone())
    ///     .endpoint("http://127.0.0.1:8080/")
    ///     .local_validation(true)
    ///     .strict_regions(true)
    ///     .build();
    /// assert_eq!(client.endpoint(), "http://127.0.0.1:8080");
    /// ```
    pub fn builder(credentials: Credentials) -> Sfz2ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// The base URL calls go to (no path).
    ///
    /// ```
    /// let c = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(c.endpoint(), "https://sfz2.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.settings.endpoint()
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// let c = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
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
    /// let c = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(!c.strict_regions());
    /// ```
    #[must_use]
    pub fn strict_regions(&self) -> bool {
        self.settings.strict_regions()
    }
}

#[async_trait]
impl TwoElementVerifier for Sfz2Client {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    /// Validates the name and ID number locally (unless turned off; a mobile is neither
    /// checked nor sent), refuses what sfz2 documents it would refuse
    /// ([`request::check_limits`]), then makes one call. Refusals before the call are
    /// [`shiming_core::ErrorKind::InvalidInput`], never sent and never charged.
    async fn verify_two(&self, identity: &Identity) -> Result<Verification, Error> {
        let identity = self.settings.check_two(identity)?;
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
        let client = Sfz2Client::builder(Credentials::app_code("secret-appcode"))
            .endpoint("http://127.0.0.1:1")
            .build();
        let shown = format!("{client:?}");
        assert_eq!(
            shown,
            "Sfz2Client { settings: ClientSettings { vendor: \"sfz2\", \
             endpoint: \"http://127.0.0.1:1\", local_validation: true, strict_regions: false, \
             gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. } }"
        );
        let builder = Sfz2Client::builder(Credentials::app_key("key", "secret-secret"));
        let shown = format!("{builder:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn client_is_send_sync_and_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Sfz2Client>();
    }
}
