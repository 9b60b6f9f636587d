//! The tel3 client.

use async_trait::async_trait;
use shiming_core::{Error, Identity, ThreeElementVerifier, Verification};
use shiming_gateway::{Credentials, GatewayClient};

use crate::{request, response, DEFAULT_ENDPOINT, VENDOR};

/// A client of tel3 (拇指云 手机三要素核验). Cheap to clone: clones share the gateway's
/// connection pool.
///
/// ```
/// use shiming_core::ThreeElementVerifier;
/// use shiming_gateway::Credentials;
/// let client = shiming_tel3::Tel3Client::new(Credentials::app_code("my-appcode"));
/// assert_eq!(client.vendor(), "tel3");
/// assert!(!format!("{client:?}").contains("my-appcode"));
/// ```
#[derive(Clone)]
pub struct Tel3Client {
    gateway: GatewayClient,
    credentials: Credentials,
    endpoint: String,
    local_validation: bool,
}

impl std::fmt::Debug for Tel3Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("Tel3Client")
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl Tel3Client {
    /// A client with the default endpoint, local validation on and a gateway client of its
    /// own (default settings).
    ///
    /// ```
    /// let client = shiming_tel3::Tel3Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(client.endpoint(), shiming_tel3::DEFAULT_ENDPOINT);
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> Tel3Client {
        Tel3Client::builder(credentials).build()
    }

    /// A builder for the gateway client, endpoint and local validation.
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let shared = GatewayClient::new();
    /// let client = shiming_tel3::Tel3Client::builder(Credentials::app_code("c"))
    ///     .gateway(shared.clone())
    ///     .endpoint("http://127.0.0.1:8080")
    ///     .local_validation(true)
    ///     .build();
    /// assert_eq!(client.endpoint(), "http://127.0.0.1:8080");
    /// ```
    pub fn builder(credentials: Credentials) -> Tel3ClientBuilder {
        Tel3ClientBuilder {
            credentials,
            gateway: None,
            endpoint: DEFAULT_ENDPOINT.to_string(),
            local_validation: true,
        }
    }

    /// The base URL calls go to (no path).
    ///
    /// ```
    /// let c = shiming_tel3::Tel3Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert_eq!(c.endpoint(), "https://tel3.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// let c = shiming_tel3::Tel3Client::new(shiming_gateway::Credentials::app_code("c"));
    /// assert!(c.local_validation());
    /// ```
    #[must_use]
    pub fn local_validation(&self) -> bool {
        self.local_validation
    }
}

/// Builds a [`Tel3Client`].
///
/// ```
/// let client = shiming_tel3::Tel3Client::builder(shiming_gateway::Credentials::app_code("c"))
///     .local_validation(false)
///     .build();
/// assert!(!client.local_validation());
/// ```
#[must_use]
pub struct Tel3ClientBuilder {
    credentials: Credentials,
    gateway: Option<GatewayClient>,
    endpoint: String,
    local_validation: bool,
}

impl std::fmt::Debug for Tel3ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tel3ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl Tel3ClientBuilder {
    /// Uses `gateway` for the calls — share one client (one connection pool) across vendors.
    /// Default: a new [`GatewayClient`] with default settings.
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let gateway = GatewayClient::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    /// let _ = shiming_tel3::Tel3Client::builder(Credentials::app_code("c")).gateway(gateway).build();
    /// ```
    pub fn gateway(mut self, gateway: GatewayClient) -> Tel3ClientBuilder {
        self.gateway = Some(gateway);
        self
    }

    /// The base URL without path (default [`DEFAULT_ENDPOINT`]), e.g. a mock market's URL.
    /// A trailing `/` is ignored.
    ///
    /// ```
    /// let c = shiming_tel3::Tel3Client::builder(shiming_gateway::Credentials::app_code("c"))
    ///     .endpoint("http://127.0.0.1:9000/")
    ///     .build();
    /// assert_eq!(c.endpoint(), "http://127.0.0.1:9000");
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Tel3ClientBuilder {
        let endpoint: String = endpoint.into();
        self.endpoint = endpoint.trim_end_matches('/').to_string();
        self
    }

    /// Whether to validate and normalize identities with shiming-core before each call
    /// (default `true`). Turned off, values go to tel3 as given — except what tel3 documents
    /// it refuses ([`crate::request::check_limits`]), which is never sent.
    ///
    /// ```
    /// let c = shiming_tel3::Tel3Client::builder(shiming_gateway::Credentials::app_code("c"))
    ///     .local_validation(false)
    ///     .build();
    /// assert!(!c.local_validation());
    /// ```
    pub fn local_validation(mut self, on: bool) -> Tel3ClientBuilder {
        self.local_validation = on;
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// let _ = shiming_tel3::Tel3Client::builder(shiming_gateway::Credentials::app_code("c")).build();
    /// ```
    pub fn build(self) -> Tel3Client {
        Tel3Client {
            gateway: self.gateway.unwrap_or_default(),
            credentials: self.credentials,
            endpoint: self.endpoint,
            local_validation: self.local_validation,
        }
    }
}

#[async_trait]
impl ThreeElementVerifier for Tel3Client {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    async fn verify_three(&self, identity: &Identity) -> Result<Verification, Error> {
        let checked;
        let identity = if self.local_validation {
            checked = shiming_gateway::vendor::check_locally(identity, true, VENDOR)?;
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
        let client = Tel3Client::builder(Credentials::app_code("secret-appcode"))
            .endpoint("http://127.0.0.1:1")
            .build();
        let shown = format!("{client:?}");
        assert_eq!(
            shown,
            "Tel3Client { endpoint: \"http://127.0.0.1:1\", local_validation: true, \
             gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. }"
        );
        let builder = Tel3Client::builder(Credentials::app_key("key", "secret-secret"));
        let shown = format!("{builder:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn client_is_send_sync_and_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Tel3Client>();
    }
}
