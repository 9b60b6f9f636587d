//! The client: local checks, one gateway call, decoding.

use std::fmt;

use async_trait::async_trait;
use shiming_core::{Error, Identity, ThreeElementVerifier, Verification};
use shiming_gateway::{vendor, Credentials, GatewayClient};

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
#[derive(Clone)]
pub struct SjsysClient {
    gateway: GatewayClient,
    credentials: Credentials,
    endpoint: String,
    local_validation: bool,
}

impl fmt::Debug for SjsysClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SjsysClient")
            .field("gateway", &self.gateway)
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .finish_non_exhaustive()
    }
}

impl SjsysClient {
    /// A client of the marketplace endpoint [`DEFAULT_ENDPOINT`] with a gateway client of its
    /// own and local validation on.
    ///
    /// ```
    /// let client = shiming_sjsys::SjsysClient::new(shiming_gateway::Credentials::app_code("code"));
    /// # drop(client);
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> SjsysClient {
        SjsysClient::builder(credentials).build()
    }

    /// A builder for other settings (a shared gateway client, another endpoint, no local
    /// validation).
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let shared = GatewayClient::new();
    /// let client = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code"))
    ///     .gateway(shared.clone())
    ///     .build();
    /// # drop(client);
    /// ```
    pub fn builder(credentials: Credentials) -> SjsysClientBuilder {
        SjsysClientBuilder {
            gateway: None,
            credentials,
            endpoint: DEFAULT_ENDPOINT.to_string(),
            local_validation: true,
        }
    }
}

/// Builds a [`SjsysClient`].
///
/// ```
/// use shiming_gateway::Credentials;
/// let client = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code"))
///     .endpoint("http://127.0.0.1:8080")
///     .local_validation(false)
///     .build();
/// assert!(format!("{client:?}").contains("local_validation: false"));
/// ```
#[must_use]
pub struct SjsysClientBuilder {
    gateway: Option<GatewayClient>,
    credentials: Credentials,
    endpoint: String,
    local_validation: bool,
}

impl fmt::Debug for SjsysClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SjsysClientBuilder")
            .field("gateway", &self.gateway)
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .finish_non_exhaustive()
    }
}

impl SjsysClientBuilder {
    /// Sends through `gateway` — share one gateway client (one connection pool, one retry
    /// policy, one timeout) across every vendor. Default: a new [`GatewayClient`].
    ///
    /// ```
    /// use shiming_gateway::{Credentials, GatewayClient};
    /// let gateway = GatewayClient::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    /// let _ = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code")).gateway(gateway);
    /// ```
    pub fn gateway(mut self, gateway: GatewayClient) -> SjsysClientBuilder {
        self.gateway = Some(gateway);
        self
    }

    /// Calls `endpoint` (scheme, host and optional port, no path; a trailing `/` is ignored)
    /// instead of [`DEFAULT_ENDPOINT`] — e.g. a local mock market. Plain `http://` is refused
    /// by the gateway client except to loopback hosts.
    ///
    /// ```
    /// use shiming_gateway::Credentials;
    /// let client = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code"))
    ///     .endpoint("http://127.0.0.1:8080/")
    ///     .build();
    /// assert!(format!("{client:?}").contains(r#"endpoint: "http://127.0.0.1:8080""#));
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> SjsysClientBuilder {
        self.endpoint = endpoint.into();
        self
    }

    /// Whether to validate and normalize the identity with shiming-core before each call
    /// (default `true`). With `false`, identities made with [`Identity::unchecked`] are sent
    /// as they are, and the vendor may refuse them — **and charge for the refusal**: sjsys
    /// answers every error code with HTTP 200, which the marketplace bills. The vendor's own
    /// documented limits ([`request::check_limits`]) still apply.
    ///
    /// ```
    /// use shiming_gateway::Credentials;
    /// let _ = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code")).local_validation(false);
    /// ```
    pub fn local_validation(mut self, on: bool) -> SjsysClientBuilder {
        self.local_validation = on;
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// use shiming_gateway::Credentials;
    /// let client = shiming_sjsys::SjsysClient::builder(Credentials::app_code("code")).build();
    /// # drop(client);
    /// ```
    pub fn build(self) -> SjsysClient {
        let endpoint = self.endpoint.trim_end_matches('/').to_string();
        SjsysClient {
            gateway: self.gateway.unwrap_or_default(),
            credentials: self.credentials,
            endpoint,
            local_validation: self.local_validation,
        }
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
        let checked;
        let identity = if self.local_validation {
            checked = vendor::check_locally(identity, true, VENDOR)?;
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
        assert_eq!(client.endpoint, DEFAULT_ENDPOINT);
        assert!(client.local_validation);
        assert_eq!(client.vendor(), "sjsys");
    }
}
