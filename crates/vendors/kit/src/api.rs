//! The one vendor client: a vendor crate describes its API ([`VendorApi`]: id, endpoint,
//! limits, encoder, decoder) and names the client `VendorClient<ItsApi>`; everything else a
//! client does — settings, builder, the local check, the call — is here, once.

use std::fmt;
use std::marker::PhantomData;

use async_trait::async_trait;
use shiming_core::{Error, Identity, ThreeElementVerifier, TwoElementVerifier, Verification};
use shiming_gateway::{ApiRequest, ApiResponse, Credentials};

use crate::{ClientBuilder, ClientSettings, FromSettings};

/// What a vendor crate tells the kit about its API: the pure parts of a call. The kit's
/// [`VendorClient`] runs them in the one order every vendor shares — local validation
/// ([`ClientSettings::check_three`] / [`ClientSettings::check_two`]), then
/// [`VendorApi::check_limits`], [`VendorApi::encode`], one gateway call,
/// [`VendorApi::decode`]. Mark the API [`ThreeElementApi`] or [`TwoElementApi`] to say which
/// verifier trait the client implements.
///
/// ```
/// use shiming_core::{Error, Identity, ThreeElementVerifier, Verdict, Verification};
/// use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
/// use shiming_vendor_kit::{ThreeElementApi, VendorApi, VendorClient};
///
/// /// A made-up API that always matches.
/// struct DemoApi;
///
/// impl VendorApi for DemoApi {
///     const VENDOR: &'static str = "demo";
///     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
///     const CLIENT: &'static str = "DemoClient";
///     fn check_limits(_: &Identity) -> Result<(), Error> {
///         Ok(())
///     }
///     fn encode(endpoint: &str, _: &Identity) -> ApiRequest {
///         ApiRequest::get("demo", format!("{endpoint}/check"))
///     }
///     fn decode(response: &ApiResponse) -> Result<Verification, Error> {
///         Ok(Verification::new(Verdict::Match, "demo", response.billing))
///     }
/// }
/// impl ThreeElementApi for DemoApi {}
///
/// type DemoClient = VendorClient<DemoApi>;
/// let client = DemoClient::new(Credentials::app_code("my-appcode"));
/// assert_eq!(client.vendor(), "demo");
/// assert!(format!("{client:?}").starts_with("DemoClient { settings: ClientSettings {"));
/// ```
pub trait VendorApi: Send + Sync + 'static {
    /// The vendor API id (`"tel3"`), named in every result and error.
    const VENDOR: &'static str;
    /// The marketplace endpoint (scheme and host, no path, no trailing `/`).
    const DEFAULT_ENDPOINT: &'static str;
    /// The client's public name (`"Tel3Client"`), shown by its `Debug`.
    const CLIENT: &'static str;
    /// Refuses, as [`shiming_core::ErrorKind::InvalidInput`] naming the vendor, what the
    /// vendor documents it would refuse; such input is never sent.
    ///
    /// # Errors
    /// The refusal.
    fn check_limits(identity: &Identity) -> Result<(), Error>;
    /// The request for `identity` at `endpoint` (pure).
    fn encode(endpoint: &str, identity: &Identity) -> ApiRequest;
    /// The answer as a [`Verification`] or a typed [`Error`].
    ///
    /// # Errors
    /// Whatever the answer says went wrong, or that it could not be read.
    fn decode(response: &ApiResponse) -> Result<Verification, Error>;
}

/// A [`VendorApi`] that checks name + ID number + mobile: its [`VendorClient`] implements
/// [`ThreeElementVerifier`] (see [`VendorApi`]'s example).
pub trait ThreeElementApi: VendorApi {}

/// A [`VendorApi`] that checks name + ID number: its [`VendorClient`] implements
/// [`TwoElementVerifier`] (the mobile is no part of the check).
///
/// ```
/// # use shiming_core::{Error, Identity, Verdict, Verification};
/// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
/// use shiming_core::TwoElementVerifier;
/// use shiming_vendor_kit::{TwoElementApi, VendorApi, VendorClient};
/// # struct IdApi;
/// # impl VendorApi for IdApi {
/// #     const VENDOR: &'static str = "idapi";
/// #     const DEFAULT_ENDPOINT: &'static str = "https://idapi.market.alicloudapi.com";
/// #     const CLIENT: &'static str = "IdClient";
/// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
/// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("idapi", format!("{endpoint}/id")) }
/// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "idapi", r.billing)) }
/// # }
/// impl TwoElementApi for IdApi {}
/// let client = VendorClient::<IdApi>::new(Credentials::app_code("c"));
/// assert_eq!(TwoElementVerifier::vendor(&client), "idapi");
/// ```
pub trait TwoElementApi: VendorApi {}

/// The client of a vendor API `A` (each vendor crate names it, e.g.
/// `pub type Tel3Client = VendorClient<Tel3Api>;`): [`ClientSettings`] plus `A`'s pure parts.
/// Cheap to clone (clones share the gateway's connection pool). `Debug` shows `A`'s client
/// name and the settings, never the credentials.
///
/// See [`VendorApi`] for a complete example.
pub struct VendorClient<A> {
    settings: ClientSettings,
    // `fn() -> A`: the client is Send, Sync and Clone whatever `A` is.
    api: PhantomData<fn() -> A>,
}

impl<A> Clone for VendorClient<A> {
    fn clone(&self) -> VendorClient<A> {
        VendorClient {
            settings: self.settings.clone(),
            api: PhantomData,
        }
    }
}

impl<A: VendorApi> fmt::Debug for VendorClient<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(A::CLIENT)
            .field("settings", &self.settings)
            .finish()
    }
}

impl<A: VendorApi> FromSettings for VendorClient<A> {
    const VENDOR: &'static str = A::VENDOR;
    const DEFAULT_ENDPOINT: &'static str = A::DEFAULT_ENDPOINT;
    fn from_settings(settings: ClientSettings) -> VendorClient<A> {
        VendorClient {
            settings,
            api: PhantomData,
        }
    }
}

impl<A: VendorApi> VendorClient<A> {
    /// A client with the default endpoint, local validation on (lenient regions) and a
    /// gateway client of its own (default settings).
    ///
    /// ```
    /// # use shiming_core::{Error, Identity, Verdict, Verification};
    /// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
    /// # use shiming_vendor_kit::{VendorApi, VendorClient};
    /// # struct DemoApi;
    /// # impl VendorApi for DemoApi {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     const CLIENT: &'static str = "DemoClient";
    /// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
    /// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("demo", format!("{endpoint}/check")) }
    /// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "demo", r.billing)) }
    /// # }
    /// let client = VendorClient::<DemoApi>::new(Credentials::app_code("c"));
    /// assert_eq!(client.endpoint(), DemoApi::DEFAULT_ENDPOINT);
    /// ```
    #[must_use]
    pub fn new(credentials: Credentials) -> VendorClient<A> {
        VendorClient::builder(credentials).build()
    }

    /// The shared [`ClientBuilder`]: gateway client, endpoint, local validation, region
    /// strictness.
    ///
    /// ```
    /// # use shiming_core::{Error, Identity, Verdict, Verification};
    /// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
    /// # use shiming_vendor_kit::{VendorApi, VendorClient};
    /// # struct DemoApi;
    /// # impl VendorApi for DemoApi {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     const CLIENT: &'static str = "DemoClient";
    /// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
    /// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("demo", format!("{endpoint}/check")) }
    /// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "demo", r.billing)) }
    /// # }
    /// use shiming_gateway::GatewayClient;
    /// let shared = GatewayClient::new();
    /// let client = VendorClient::<DemoApi>::builder(Credentials::app_code("c"))
    ///     .gateway(shared.clone())
    ///     .endpoint("http://127.0.0.1:8080/")
    ///     .local_validation(true)
    ///     .strict_regions(true)
    ///     .build();
    /// assert_eq!(client.endpoint(), "http://127.0.0.1:8080");
    /// ```
    pub fn builder(credentials: Credentials) -> ClientBuilder<VendorClient<A>> {
        ClientBuilder::new(credentials)
    }

    /// The vendor API id ([`VendorApi::VENDOR`]).
    ///
    /// ```
    /// # use shiming_core::{Error, Identity, Verdict, Verification};
    /// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
    /// # use shiming_vendor_kit::{VendorApi, VendorClient};
    /// # struct DemoApi;
    /// # impl VendorApi for DemoApi {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     const CLIENT: &'static str = "DemoClient";
    /// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
    /// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("demo", format!("{endpoint}/check")) }
    /// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "demo", r.billing)) }
    /// # }
    /// let c = VendorClient::<DemoApi>::new(Credentials::app_code("c"));
    /// assert_eq!(c.vendor(), "demo");
    /// ```
    #[must_use]
    pub fn vendor(&self) -> &'static str {
        A::VENDOR
    }

    /// The base URL calls go to (no path).
    ///
    /// ```
    /// # use shiming_core::{Error, Identity, Verdict, Verification};
    /// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
    /// # use shiming_vendor_kit::{VendorApi, VendorClient};
    /// # struct DemoApi;
    /// # impl VendorApi for DemoApi {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     const CLIENT: &'static str = "DemoClient";
    /// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
    /// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("demo", format!("{endpoint}/check")) }
    /// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "demo", r.billing)) }
    /// # }
    /// let c = VendorClient::<DemoApi>::new(Credentials::app_code("c"));
    /// assert_eq!(c.endpoint(), "https://demo.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.settings.endpoint()
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// # use shiming_core::{Error, Identity, Verdict, Verification};
    /// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
    /// # use shiming_vendor_kit::{VendorApi, VendorClient};
    /// # struct DemoApi;
    /// # impl VendorApi for DemoApi {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     const CLIENT: &'static str = "DemoClient";
    /// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
    /// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("demo", format!("{endpoint}/check")) }
    /// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "demo", r.billing)) }
    /// # }
    /// let c = VendorClient::<DemoApi>::new(Credentials::app_code("c"));
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
    /// # use shiming_core::{Error, Identity, Verdict, Verification};
    /// # use shiming_gateway::{ApiRequest, ApiResponse, Credentials};
    /// # use shiming_vendor_kit::{VendorApi, VendorClient};
    /// # struct DemoApi;
    /// # impl VendorApi for DemoApi {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     const CLIENT: &'static str = "DemoClient";
    /// #     fn check_limits(_: &Identity) -> Result<(), Error> { Ok(()) }
    /// #     fn encode(endpoint: &str, _: &Identity) -> ApiRequest { ApiRequest::get("demo", format!("{endpoint}/check")) }
    /// #     fn decode(r: &ApiResponse) -> Result<Verification, Error> { Ok(Verification::new(Verdict::Match, "demo", r.billing)) }
    /// # }
    /// let c = VendorClient::<DemoApi>::new(Credentials::app_code("c"));
    /// assert!(!c.strict_regions());
    /// ```
    #[must_use]
    pub fn strict_regions(&self) -> bool {
        self.settings.strict_regions()
    }
}

#[async_trait]
impl<A: ThreeElementApi> ThreeElementVerifier for VendorClient<A> {
    fn vendor(&self) -> &'static str {
        A::VENDOR
    }

    /// Validates locally (unless turned off), refuses what the vendor documents it would
    /// refuse ([`VendorApi::check_limits`]), then makes one call. Refusals before the call
    /// are [`shiming_core::ErrorKind::InvalidInput`], never sent and never charged.
    async fn verify_three(&self, identity: &Identity) -> Result<Verification, Error> {
        let identity = self.settings.check_three(identity)?;
        self.settings.exchange::<A>(&identity).await
    }
}

#[async_trait]
impl<A: TwoElementApi> TwoElementVerifier for VendorClient<A> {
    fn vendor(&self) -> &'static str {
        A::VENDOR
    }

    /// As the three-element call, without the mobile: an unchecked identity's mobile is
    /// dropped before validation ([`ClientSettings::check_two`]).
    async fn verify_two(&self, identity: &Identity) -> Result<Verification, Error> {
        let identity = self.settings.check_two(identity)?;
        self.settings.exchange::<A>(&identity).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::{ErrorKind, Verdict};

    struct Three;
    impl VendorApi for Three {
        const VENDOR: &'static str = "three";
        const DEFAULT_ENDPOINT: &'static str = "http://127.0.0.1:1";
        const CLIENT: &'static str = "ThreeClient";
        fn check_limits(identity: &Identity) -> Result<(), Error> {
            if identity.expose_name().chars().count() > 4 {
                return Err(Error::new(ErrorKind::InvalidInput, "name too long"));
            }
            Ok(())
        }
        fn encode(endpoint: &str, _: &Identity) -> ApiRequest {
            ApiRequest::get("three", format!("{endpoint}/x"))
        }
        fn decode(response: &ApiResponse) -> Result<Verification, Error> {
            Ok(Verification::new(Verdict::Match, "three", response.billing))
        }
    }
    impl ThreeElementApi for Three {}

    #[test]
    fn debug_names_the_client_and_never_shows_credentials() {
        let client = VendorClient::<Three>::builder(Credentials::app_code("secret-appcode"))
            .endpoint("http://127.0.0.1:1")
            .build();
        assert_eq!(
            format!("{client:?}"),
            "ThreeClient { settings: ClientSettings { vendor: \"three\", \
             endpoint: \"http://127.0.0.1:1\", local_validation: true, strict_regions: false, \
             gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. } }"
        );
        let builder = VendorClient::<Three>::builder(Credentials::app_key("key", "secret-s"));
        assert!(!format!("{builder:?}").contains("secret"));
    }

    #[test]
    fn clients_are_send_sync_and_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<VendorClient<Three>>();
    }

    #[tokio::test]
    async fn refusals_come_before_the_call_in_order() {
        // Port 1 refuses connections: anything that reached the call would be `NotSent`.
        let client = VendorClient::<Three>::new(Credentials::app_code("c"));
        let bad_id = Identity::unchecked("张三", "110105194912310021", Some("13800138000"));
        let e = client.verify_three(&bad_id).await.unwrap_err();
        assert_eq!(e.input().map(|i| i.reason()), Some("checksum"));
        assert_eq!(e.vendor(), Some("three"));
        let long = Identity::unchecked("欧阳司马端木", "11010519491231002X", Some("13800138000"));
        let e = client.verify_three(&long).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::InvalidInput, "name too long")
        );
        let fine = Identity::unchecked("张三", "11010519491231002X", Some("13800138000"));
        let e = client.verify_three(&fine).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotSent);
        // Without local validation the vendor's limits still hold, and a missing mobile is
        // still refused before anything leaves.
        let unchecked = VendorClient::<Three>::builder(Credentials::app_code("c"))
            .local_validation(false)
            .build();
        let e = unchecked.verify_three(&long).await.unwrap_err();
        assert_eq!(e.message(), "name too long");
        let bad_id = Identity::unchecked("张三", "110105194912310021", Some("13800138000"));
        let e = unchecked.verify_three(&bad_id).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotSent, "no local validation: sent");
    }
}
