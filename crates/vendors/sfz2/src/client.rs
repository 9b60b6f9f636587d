//! The sfz2 client.

use async_trait::async_trait;
use shiming_core::{Error, Identity, TwoElementVerifier, Verification};
use shiming_gateway::{Credentials, GatewayClient};

use crate::{request, response, DEFAULT_ENDPOINT, VENDOR};

/// A client of sfz2 (拇指云 身份证二要素核验). Cheap to clone: clones share the gateway's
/// connection pool.
///
/// ```
/// use shiming_core::TwoElementVerifier;
/// use shiming_gateway::Credentials;
/// let client = shiming_sfz2::Sfz2Client::new(Credentials::app_code("my-appcode"));
/// assert_eq!(client.vendor(), "sfz2");
/// assert!(!format!("{client:?}").contains("my-appcode"));
/// ```
#[derive(Clone)]
pub struct Sfz2Client {
    gateway: GatewayClient,
    credentials: Credentials,
    endpoint: String,
    local_validation: bool,
}

impl std::fmt::Debug for Sfz2Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("Sfz2Client")
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl Sfz2Client {
    /// A client with the default endpoint, local validation on and a gateway client of its
    /// own (default settings).
    ///
    /// ```
    /// let client = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(client.endpoint(), shiming_sfz2::DEFAULT_ENDPOINT);
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> Sfz2Client {
        Sfz2Client::builder(credentials).build()
    }

    /// A builder for the gateway client, endpoint and local validation.
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let shared = GatewayClient::new();
    /// let client = shiming_sfz2::Sfz2Client::builder(Credentials::app_code("c"))
    ///     .gateway(shared.clone())
    ///     .endpoint("http://127.0.0.1:8080")
    ///     .local_validation(true)
    ///     .build();
    /// assert_eq!(client.endpoint(), "http://127.0.0.1:8080");
    /// ```
    pub fn builder(credentials: Credentials) -> Sfz2ClientBuilder {
        Sfz2ClientBuilder {
            credentials,
            gateway: None,
            endpoint: DEFAULT_ENDPOINT.to_string(),
            local_validation: true,
        }
    }

    /// The base URL calls go to (no path).
    ///
    /// ```
    /// let c = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(c.endpoint(), "https://sfz2.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// let c = shiming_sfz2::Sfz2Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(c.local_validation());
    /// ```
    #[must_use]
    pub fn local_validation(&self) -> bool {
        self.local_validation
    }
}

/// Builds a [`Sfz2Client`].
///
/// ```
/// let client = shiming_sfz2::Sfz2Client::builder(shiming_gateway::Credentials::app_code("c"))
///     .local_validation(false)
///     .build();
/// assert!(!client.local_validation());
/// ```
#[must_use]
pub struct Sfz2ClientBuilder {
    credentials: Credentials,
    gateway: Option<GatewayClient>,
    endpoint: String,
    local_validation: bool,
}

impl std::fmt::Debug for Sfz2ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sfz2ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl Sfz2ClientBuilder {
    /// Uses `gateway` for the calls — share one client (one connection pool) across vendors.
    /// Default: a new [`GatewayClient`] with default settings.
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let gateway = GatewayClient::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    /// let _ = shiming_sfz2::Sfz2Client::builder(Credentials::app_code("c")).gateway(gateway).build();
    /// ```
    pub fn gateway(mut self, gateway: GatewayClient) -> Sfz2ClientBuilder {
        self.gateway = Some(gateway);
        self
    }

    /// The base URL without path (default [`DEFAULT_ENDPOINT`]), e.g. a mock market's URL.
    /// A trailing `/` is ignored.
    ///
    /// ```
    /// let c = shiming_sfz2::Sfz2Client::builder(shiming_gateway::Credentials::app_code("c"))
    ///     .endpoint("http://127.0.0.1:9000/")
    ///     .build();
    /// assert_eq!(c.endpoint(), "http://127.0.0.1:9000");
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Sfz2ClientBuilder {
        let endpoint: String = endpoint.into();
        self.endpoint = endpoint.trim_end_matches('/').to_string();
        self
    }

    /// Whether to validate and normalize identities with shiming-core before each call
    /// (default `true`). A mobile in the identity is not checked (sfz2 does not take one).
    /// Turned off, values go to sfz2 as given — except what sfz2 documents it refuses ([`crate::request::check_limits`]), which is never sent.
    ///
    /// ```
    /// let c = shiming_sfz2::Sfz2Client::builder(shiming_gateway::Credentials::app_code("c"))
    ///     .local_validation(false)
    ///     .build();
    /// assert!(!c.local_validation());
    /// ```
    pub fn local_validation(mut self, on: bool) -> Sfz2ClientBuilder {
        self.local_validation = on;
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// let _ = shiming_sfz2::Sfz2Client::builder(shiming_gateway::Credentials::app_code("c")).build();
    /// ```
    pub fn build(self) -> Sfz2Client {
        Sfz2Client {
            gateway: self.gateway.unwrap_or_default(),
            credentials: self.credentials,
            endpoint: self.endpoint,
            local_validation: self.local_validation,
        }
    }
}

#[async_trait]
impl TwoElementVerifier for Sfz2Client {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    async fn verify_two(&self, identity: &Identity) -> Result<Verification, Error> {
        let (checked, two_elements);
        let identity = if self.local_validation {
            // sfz2 takes no mobile: an unchecked one must not make the check fail.
            let input = if identity.is_checked() || identity.expose_mobile().is_none() {
                identity
            } else {
                two_elements =
                    Identity::unchecked(identity.expose_name(), identity.expose_id(), None);
                &two_elements
            };
            checked = shiming_gateway::vendor::check_locally(input, false, VENDOR)?;
            &*checked
        } else {
            identity
        };
        request::check_limits(identity)?;
        let api_request = request::encode(&self.endpoint, identity);
        let api_response = self.gateway.call(&self.credentials, &api_request).await?;
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
            "Sfz2Client { endpoint: \"http://127.0.0.1:1\", local_validation: true, \
             gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. }"
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
