//! What every vendor client is made of: its settings ([`ClientSettings`]: gateway client,
//! credentials, endpoint, local validation, region strictness), the one builder for all of
//! them ([`ClientBuilder`]), and the local path a call takes before it is sent.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use shiming_core::id_card::ValidationOptions;
use shiming_core::{Error, Identity, Verification};
use shiming_gateway::{ApiRequest, ApiResponse, Credentials, GatewayClient};

use crate::{today_in_china, VendorApi};

/// A vendor client made from [`ClientSettings`] — what [`ClientBuilder::build`] needs to know
/// about it. Each vendor crate implements it for its client and names the builder
/// `pub type <Api>ClientBuilder = ClientBuilder<<Api>Client>;`.
///
/// ```
/// use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
/// # use shiming_gateway::Credentials;
///
/// struct DemoClient(ClientSettings);
///
/// impl FromSettings for DemoClient {
///     const VENDOR: &'static str = "demo";
///     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
///     fn from_settings(settings: ClientSettings) -> DemoClient {
///         DemoClient(settings)
///     }
/// }
///
/// let client = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
/// assert_eq!(client.0.vendor(), "demo");
/// assert_eq!(client.0.endpoint(), "https://demo.market.alicloudapi.com");
/// ```
pub trait FromSettings: Sized {
    /// The vendor API id, named in every error of the local path.
    const VENDOR: &'static str;
    /// The marketplace endpoint (scheme and host, no path, no trailing `/`).
    const DEFAULT_ENDPOINT: &'static str;
    /// The client with these settings.
    fn from_settings(settings: ClientSettings) -> Self;
}

/// The settings every vendor client shares: the [`GatewayClient`] calls go through, the
/// credentials, the endpoint, and how identities are checked locally before a paid call.
/// Cheap to clone (the gateway's connection pool is shared). `Debug` never shows the
/// credentials.
///
/// ```
/// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
/// # use shiming_gateway::Credentials;
/// # struct DemoClient(ClientSettings);
/// # impl FromSettings for DemoClient {
/// #     const VENDOR: &'static str = "demo";
/// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
/// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
/// # }
/// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("my-appcode"))
///     .endpoint("http://127.0.0.1:8080/")
///     .build();
/// assert_eq!(
///     format!("{settings:?}"),
///     "ClientSettings { vendor: \"demo\", endpoint: \"http://127.0.0.1:8080\", \
///      local_validation: true, strict_regions: false, \
///      gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. }"
/// );
/// ```
#[derive(Clone)]
pub struct ClientSettings {
    gateway: GatewayClient,
    credentials: Credentials,
    vendor: &'static str,
    endpoint: String,
    local_validation: bool,
    strict_regions: bool,
}

impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the credentials.
        f.debug_struct("ClientSettings")
            .field("vendor", &self.vendor)
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .field("strict_regions", &self.strict_regions)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl ClientSettings {
    /// The vendor API id ([`FromSettings::VENDOR`]).
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// assert_eq!(settings.vendor(), "demo");
    /// ```
    #[must_use]
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The base URL calls go to (scheme, host and optional port; no path, no trailing `/`).
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// assert_eq!(settings.endpoint(), "https://demo.market.alicloudapi.com");
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whether identities are validated locally before each call.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// assert!(settings.local_validation());
    /// ```
    #[must_use]
    pub fn local_validation(&self) -> bool {
        self.local_validation
    }

    /// Whether local validation refuses ID numbers with a region problem (see
    /// [`ClientBuilder::strict_regions`]).
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// assert!(!settings.strict_regions());
    /// ```
    #[must_use]
    pub fn strict_regions(&self) -> bool {
        self.strict_regions
    }

    /// The whole local path before a three-element call: with local validation off, the
    /// identity as given; otherwise the identity validated once
    /// ([`Identity::validated`]: an already checked identity passes borrowed) under today's
    /// date in China and this client's region rules, a missing mobile refused. A refusal is
    /// [`shiming_core::ErrorKind::InvalidInput`] naming the vendor, never sent and never
    /// charged.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// use shiming_core::Identity;
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// let who = Identity::unchecked("张三", "11010519491231002x", Some("+86 138 0013 8000"));
    /// let checked = settings.check_three(&who).unwrap();
    /// assert_eq!(checked.expose_mobile(), Some("13800138000"));
    /// let e = settings.check_three(&Identity::unchecked("张三", "11010519491231002X", None)).unwrap_err();
    /// assert_eq!((e.vendor(), e.input().map(|i| i.field())), (Some("demo"), Some("mobile")));
    /// ```
    pub fn check_three<'a>(&self, identity: &'a Identity) -> Result<Cow<'a, Identity>, Error> {
        if !self.local_validation {
            return Ok(Cow::Borrowed(identity));
        }
        check_identity(identity, true, self.strict_regions, self.vendor)
    }

    /// The whole local path before a two-element call: as [`ClientSettings::check_three`],
    /// except that the mobile is no part of it — an unchecked identity's mobile is dropped
    /// before validation (a two-element API does not take one, so it cannot make the check
    /// fail), a checked identity passes with its mobile.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// use shiming_core::Identity;
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// let who = Identity::unchecked("张三", "11010519491231002x", Some("not a mobile"));
    /// let checked = settings.check_two(&who).unwrap();
    /// assert_eq!((checked.expose_id(), checked.expose_mobile()), ("11010519491231002X", None));
    /// ```
    pub fn check_two<'a>(&self, identity: &'a Identity) -> Result<Cow<'a, Identity>, Error> {
        if !self.local_validation {
            return Ok(Cow::Borrowed(identity));
        }
        if identity.is_checked() || identity.expose_mobile().is_none() {
            return check_identity(identity, false, self.strict_regions, self.vendor);
        }
        let two_elements = Identity::unchecked(identity.expose_name(), identity.expose_id(), None);
        check_identity(&two_elements, false, self.strict_regions, self.vendor)
            .map(|checked| Cow::Owned(checked.into_owned()))
    }

    /// Sends `request` through the gateway client with these credentials
    /// ([`GatewayClient::call`]).
    ///
    /// ```no_run
    /// # async fn demo(settings: &shiming_vendor_kit::ClientSettings, request: &shiming_gateway::ApiRequest) -> Result<(), shiming_core::Error> {
    /// let answer = settings.call(request).await?;
    /// println!("HTTP {} billed={}", answer.status, answer.billing);
    /// # Ok(()) }
    /// ```
    pub async fn call(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        self.gateway.call(&self.credentials, request).await
    }

    /// The vendor's part of a call, after the local check: refuses what `A` documents it
    /// would refuse ([`VendorApi::check_limits`]), encodes, sends one request through
    /// [`ClientSettings::call`] and decodes the answer — what [`crate::VendorClient`] does,
    /// for a client with steps of its own around it (phonethird's consent).
    ///
    /// ```no_run
    /// # use shiming_vendor_kit::{ClientSettings, VendorApi};
    /// # async fn demo<Api: VendorApi>(settings: &ClientSettings, who: &shiming_core::Identity) -> Result<(), shiming_core::Error> {
    /// let checked = settings.check_three(who)?;
    /// let v = settings.exchange::<Api>(&checked).await?;
    /// println!("{}", v.verdict);
    /// # Ok(()) }
    /// ```
    pub async fn exchange<A: VendorApi>(&self, identity: &Identity) -> Result<Verification, Error> {
        A::check_limits(identity)?;
        let request = A::encode(&self.endpoint, identity);
        let response = self.call(&request).await?;
        A::decode(&response)
    }
}

/// Builds a vendor client `C` (each vendor crate names it, e.g.
/// `shiming_tel3::Tel3ClientBuilder`). Defaults: a gateway client of its own (default
/// settings), [`FromSettings::DEFAULT_ENDPOINT`], local validation on, lenient regions.
/// `Debug` never shows the credentials.
///
/// ```
/// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
/// # use shiming_gateway::{Credentials, GatewayClient};
/// # struct DemoClient(ClientSettings);
/// # impl FromSettings for DemoClient {
/// #     const VENDOR: &'static str = "demo";
/// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
/// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
/// # }
/// let shared = GatewayClient::new();
/// let builder = ClientBuilder::<DemoClient>::new(Credentials::app_code("my-appcode"))
///     .gateway(shared.clone())
///     .endpoint("http://127.0.0.1:8080")
///     .local_validation(true)
///     .strict_regions(true);
/// assert!(!format!("{builder:?}").contains("my-appcode"));
/// let DemoClient(settings) = builder.build();
/// assert!(settings.strict_regions());
/// ```
#[must_use]
pub struct ClientBuilder<C> {
    gateway: Option<GatewayClient>,
    credentials: Credentials,
    endpoint: String,
    local_validation: bool,
    strict_regions: bool,
    // `fn() -> C`: the builder is Send and Sync whatever `C` is.
    client: PhantomData<fn() -> C>,
}

impl<C: FromSettings> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the credentials.
        f.debug_struct("ClientBuilder")
            .field("vendor", &C::VENDOR)
            .field("endpoint", &self.endpoint)
            .field("local_validation", &self.local_validation)
            .field("strict_regions", &self.strict_regions)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl<C: FromSettings> ClientBuilder<C> {
    /// A builder with the defaults, calling with `credentials`.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).build();
    /// assert!(settings.local_validation() && !settings.strict_regions());
    /// ```
    pub fn new(credentials: Credentials) -> ClientBuilder<C> {
        ClientBuilder {
            gateway: None,
            credentials,
            endpoint: C::DEFAULT_ENDPOINT.to_string(),
            local_validation: true,
            strict_regions: false,
            client: PhantomData,
        }
    }

    /// Sends through `gateway` — share one gateway client (one connection pool, one retry
    /// policy, one timeout) across every vendor. Default: a new [`GatewayClient`].
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::{Credentials, GatewayClient};
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let gateway = GatewayClient::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    /// let _ = ClientBuilder::<DemoClient>::new(Credentials::app_code("c")).gateway(gateway).build();
    /// ```
    pub fn gateway(mut self, gateway: GatewayClient) -> ClientBuilder<C> {
        self.gateway = Some(gateway);
        self
    }

    /// Calls `endpoint` (scheme, host and optional port, no path; trailing `/`s are ignored)
    /// instead of [`FromSettings::DEFAULT_ENDPOINT`] — e.g. a local mock market. Plain
    /// `http://` is refused by the gateway client except to loopback hosts.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c"))
    ///     .endpoint("http://127.0.0.1:9000/")
    ///     .build();
    /// assert_eq!(settings.endpoint(), "http://127.0.0.1:9000");
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> ClientBuilder<C> {
        let mut endpoint: String = endpoint.into();
        endpoint.truncate(endpoint.trim_end_matches('/').len());
        self.endpoint = endpoint;
        self
    }

    /// Whether to validate and normalize identities with shiming-core before each call
    /// (default `true`). Turned off, values go to the vendor as given — and the vendor may
    /// charge for refusing them; what the vendor documents it refuses (its crate's
    /// `request::check_limits`) is still never sent.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let DemoClient(settings) = ClientBuilder::<DemoClient>::new(Credentials::app_code("c"))
    ///     .local_validation(false)
    ///     .build();
    /// assert!(!settings.local_validation());
    /// ```
    pub fn local_validation(mut self, on: bool) -> ClientBuilder<C> {
        self.local_validation = on;
        self
    }

    /// Whether local validation refuses an ID number with a **region problem** (default
    /// `false`): a region code unknown to GB/T 2260, abolished before the birth year, or
    /// Taiwan's `71xxxx` on a resident number
    /// ([`shiming_core::id_card::IdNumber::has_region_problem`]). The refusal is
    /// `InvalidInput` (`id_card`, reason `region`), before anything is sent. It applies to
    /// checked identities too: an [`Identity::new`] made with lenient options has its region
    /// checked again (the ID number alone). Without local validation it has no effect.
    ///
    /// **Why lenient by default** (as shiming-core's default, and `shiming check` without
    /// `--strict`): real people hold numbers issued under region codes that were already
    /// abolished, and refusing them locally would turn genuine people away without asking
    /// anyone. **Why strict exists:** a vendor that refuses such a number still charges for
    /// the answer (tel3 answers `错误的身份证证件` as a billed mismatch); strict regions save
    /// that charge for the numbers the vendor would refuse, at the cost of refusing locally
    /// the real holders of such numbers.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// use shiming_core::Identity;
    /// // 崇文区 (110103) was abolished in 2010; this number says born 2015.
    /// let who = Identity::unchecked("张三", "110103201503071232", Some("13800138000"));
    /// let builder = || ClientBuilder::<DemoClient>::new(Credentials::app_code("c"));
    /// let DemoClient(lenient) = builder().build();
    /// assert!(lenient.check_three(&who).is_ok());
    /// let DemoClient(strict) = builder().strict_regions(true).build();
    /// let e = strict.check_three(&who).unwrap_err();
    /// assert_eq!(e.input().map(|i| (i.field(), i.reason())), Some(("id_card", "region")));
    /// ```
    pub fn strict_regions(mut self, strict: bool) -> ClientBuilder<C> {
        self.strict_regions = strict;
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// # use shiming_vendor_kit::{ClientBuilder, ClientSettings, FromSettings};
    /// # use shiming_gateway::Credentials;
    /// # struct DemoClient(ClientSettings);
    /// # impl FromSettings for DemoClient {
    /// #     const VENDOR: &'static str = "demo";
    /// #     const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
    /// #     fn from_settings(settings: ClientSettings) -> DemoClient { DemoClient(settings) }
    /// # }
    /// let client: DemoClient = ClientBuilder::new(Credentials::app_code("c")).build();
    /// # drop(client);
    /// ```
    pub fn build(self) -> C {
        C::from_settings(ClientSettings {
            gateway: self.gateway.unwrap_or_default(),
            credentials: self.credentials,
            vendor: C::VENDOR,
            endpoint: self.endpoint,
            local_validation: self.local_validation,
            strict_regions: self.strict_regions,
        })
    }
}

/// Validates `identity` once under today's date in China ([`Identity::validated`]), with
/// `needs_mobile` a missing mobile refused; a refusal is the vendor's typed `InvalidInput`.
fn check_identity<'a>(
    identity: &'a Identity,
    needs_mobile: bool,
    strict_regions: bool,
    vendor: &'static str,
) -> Result<Cow<'a, Identity>, Error> {
    let options = ValidationOptions::new(today_in_china()).strict(strict_regions);
    let refuse = |e| Error::invalid_input(e).with_vendor(vendor);
    let checked = identity.validated(&options).map_err(refuse)?;
    if needs_mobile {
        checked.require_mobile().map_err(refuse)?;
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiming_core::id_card::ValidationOptions;
    use shiming_core::{Billing, ErrorKind};

    #[derive(Debug)]
    struct Demo(ClientSettings);

    impl FromSettings for Demo {
        const VENDOR: &'static str = "demo";
        const DEFAULT_ENDPOINT: &'static str = "https://demo.market.alicloudapi.com";
        fn from_settings(settings: ClientSettings) -> Demo {
            Demo(settings)
        }
    }

    fn builder() -> ClientBuilder<Demo> {
        ClientBuilder::new(Credentials::app_code("x"))
    }

    /// 崇文区 (110103) was abolished in 2010; this number says born 2015.
    const ABOLISHED_REGION_ID: &str = "110103201503071232";

    #[test]
    fn debug_never_shows_credentials() {
        for credentials in [
            Credentials::app_code("appcode-0123456789"),
            Credentials::app_key("203753385", "secret-0123456789"),
        ] {
            let builder = ClientBuilder::<Demo>::new(credentials).endpoint("http://127.0.0.1:1");
            let shown_builder = format!("{builder:?}");
            assert_eq!(
                shown_builder,
                "ClientBuilder { vendor: \"demo\", endpoint: \"http://127.0.0.1:1\", \
                 local_validation: true, strict_regions: false, gateway: None, .. }"
            );
            let settings = builder.build().0;
            let shown = format!("{settings:?}");
            assert_eq!(
                shown,
                "ClientSettings { vendor: \"demo\", endpoint: \"http://127.0.0.1:1\", \
                 local_validation: true, strict_regions: false, \
                 gateway: GatewayClient { timeout: 10s, max_response_bytes: 65536 }, .. }"
            );
            for secret in ["appcode-0123456789", "secret-0123456789", "203753385"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    #[test]
    fn defaults_and_options() {
        let Demo(s) = builder().build();
        assert_eq!(
            (
                s.vendor(),
                s.endpoint(),
                s.local_validation(),
                s.strict_regions()
            ),
            ("demo", Demo::DEFAULT_ENDPOINT, true, false)
        );
        let Demo(s) = builder()
            .endpoint("http://127.0.0.1:9000//")
            .local_validation(false)
            .strict_regions(true)
            .build();
        assert_eq!(
            (s.endpoint(), s.local_validation(), s.strict_regions()),
            ("http://127.0.0.1:9000", false, true)
        );
    }

    #[test]
    fn settings_and_builders_are_send_sync() {
        fn assert_traits<T: Send + Sync + 'static>() {}
        assert_traits::<ClientSettings>();
        assert_traits::<ClientBuilder<Demo>>();
    }

    #[test]
    fn strict_regions_refuse_locally_lenient_ones_let_pass() {
        let options = ValidationOptions::new(today_in_china());
        let unchecked = Identity::unchecked("张三", ABOLISHED_REGION_ID, Some("13800138000"));
        let checked =
            Identity::new("张三", ABOLISHED_REGION_ID, Some("13800138000"), &options).unwrap();
        let Demo(lenient) = builder().build();
        let Demo(strict) = builder().strict_regions(true).build();
        let Demo(unvalidated) = builder()
            .strict_regions(true)
            .local_validation(false)
            .build();
        for who in [&unchecked, &checked] {
            assert!(lenient.check_three(who).is_ok());
            assert!(lenient.check_two(who).is_ok());
            for e in [
                strict.check_three(who).unwrap_err(),
                strict.check_two(who).unwrap_err(),
            ] {
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
                assert_eq!(e.vendor(), Some("demo"));
                let detail = e.input().map(|i| (i.field(), i.reason()));
                assert_eq!(detail, Some(("id_card", "region")));
            }
            assert!(
                matches!(unvalidated.check_three(who), Ok(Cow::Borrowed(_))),
                "no local validation, no region check"
            );
        }
    }

    #[test]
    fn two_element_checks_ignore_the_mobile() {
        let Demo(s) = builder().build();
        let who = Identity::unchecked("张三", "11010519491231002x", Some("12345"));
        assert!(s.check_three(&who).is_err());
        let checked = s.check_two(&who).unwrap();
        assert_eq!(checked.expose_id(), "11010519491231002X");
        assert_eq!(checked.expose_mobile(), None);
        let bad_id = Identity::unchecked("张三", "110105194912310021", Some("12345"));
        let e = s.check_two(&bad_id).unwrap_err();
        assert_eq!(e.input().map(|i| i.reason()), Some("checksum"));
    }

    #[test]
    fn checked_identities_pass_and_missing_mobiles_are_refused() {
        let opts = ValidationOptions::new(today_in_china());
        let who = Identity::new("张三", "11010519491231002X", None, &opts).unwrap();
        assert!(check_identity(&who, false, false, "sfz2").is_ok());
        let e = check_identity(&who, true, false, "tel3").unwrap_err();
        assert_eq!(e.input().map(|i| i.field()), Some("mobile"));
    }

    #[test]
    fn strict_regions_refuse_checked_and_unchecked_identities() {
        let lenient = ValidationOptions::new(today_in_china());
        let parsed = shiming_core::id_card::parse(ABOLISHED_REGION_ID, &lenient).unwrap();
        assert!(parsed.has_region_problem(), "the test number must have one");
        let unchecked = Identity::unchecked("张三", ABOLISHED_REGION_ID, Some("13800138000"));
        let checked =
            Identity::new("张三", ABOLISHED_REGION_ID, Some("13800138000"), &lenient).unwrap();
        for who in [&unchecked, &checked] {
            assert!(check_identity(who, true, false, "tel3").is_ok(), "{who:?}");
            let e = check_identity(who, true, true, "tel3").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            assert_eq!(e.billing(), Billing::NotBilled);
            assert_eq!(e.vendor(), Some("tel3"));
            let input = e.input().unwrap();
            assert_eq!((input.field(), input.reason()), ("id_card", "region"));
            assert!(
                e.message().contains("abolished"),
                "says why: {}",
                e.message()
            );
            assert!(
                !e.message().contains(ABOLISHED_REGION_ID),
                "{}",
                e.message()
            );
        }
        // An identity checked leniently has its region checked again, once: it comes back
        // carrying the strict proof, which later strict checks let through borrowed.
        let fine = Identity::new("张三", "11010519491231002X", None, &lenient).unwrap();
        let Ok(Cow::Owned(strictly)) = check_identity(&fine, false, true, "sfz2") else {
            panic!("a lenient proof is upgraded, not borrowed");
        };
        assert_eq!(
            (strictly.expose_name(), strictly.expose_id()),
            (fine.expose_name(), fine.expose_id())
        );
        assert!(matches!(
            check_identity(&strictly, false, true, "sfz2"),
            Ok(Cow::Borrowed(_))
        ));
        let strict_checked =
            Identity::new("张三", "11010519491231002X", None, &lenient.strict(true)).unwrap();
        assert!(matches!(
            check_identity(&strict_checked, false, true, "sfz2"),
            Ok(Cow::Borrowed(_))
        ));
        // Strict regions change nothing else: other refusals keep their reasons.
        let bad = Identity::unchecked("张三", "110105194912310021", None);
        let e = check_identity(&bad, false, true, "sfz2").unwrap_err();
        assert_eq!(e.input().map(|i| i.reason()), Some("checksum"));
    }
}
