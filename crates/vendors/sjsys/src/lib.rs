//! shiming client for `sjsys`, 全网手机三要素核验 on the Alibaba Cloud API Marketplace: does this
//! name, ID number and mobile belong together, according to the mobile's carrier?
//!
//! The API is `POST https://sjsys.market.alicloudapi.com/communication/personal/1979` with the
//! form fields `idcard`, `mobile` and `name` (seed 002; `shared/docs/vendor-apis.md`). It
//! answers `{"code":…,"message":…,"data":{"state":"1"|"2"|"3"},"seqNo":…}`: `code` `10000`
//! with `data.state` is a verdict, the twenty codes `10001`–`10020` are the vendor's error
//! catalogue.
//!
//! **Every answer is billed** (they come with HTTP 200, assumed in vendor-apis.md), refusals
//! included, and this is the dearest of the three-element APIs (0.30–0.42 CNY per call): keep
//! local validation on.
//!
//! # Crate organization
//!
//! * [`SjsysClient`] / [`SjsysClientBuilder`] — the client: validates the identity locally
//!   (a refused value is never sent, never charged), checks the vendor's own limits, sends
//!   the request through a shared [`shiming_gateway::GatewayClient`] and decodes the answer.
//!   It implements [`shiming_core::ThreeElementVerifier`].
//! * [`request`] — the pure encoder: [`request::encode`] builds the form `POST`,
//!   [`request::check_limits`] refuses what the vendor documents it does not accept.
//! * [`response`] — the wire answer ([`response::Answer`]), the vendor's error-code table
//!   ([`response::CATALOGUE`]) and [`response::decode`], which turns every documented answer
//!   into a [`shiming_core::Verification`] or a typed [`shiming_core::Error`].
//!
//! The page shows `http://`; the client always uses `https://` (the gateway serves both, and
//! the AppCode travels in a header).
//!
//! # Example
//!
//! ```no_run
//! use shiming_core::{id_card::ValidationOptions, Identity, ThreeElementVerifier, Verdict};
//! use shiming_gateway::Credentials;
//! use shiming_vendor_kit::today_in_china;
//! use shiming_sjsys::SjsysClient;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = SjsysClient::new(Credentials::app_code("your-appcode"));
//! let options = ValidationOptions::new(today_in_china());
//! let who = Identity::new("张三", "11010519491231002X", Some("13800138000"), &options)?;
//! let verification = client.verify_three(&who).await?;
//! match verification.verdict {
//!     Verdict::Match => println!("match (seqNo {:?})", verification.vendor_reference),
//!     other => println!("{other}: {:?}", verification.detail),
//! }
//! # Ok(())
//! # }
//! ```
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The vendor API id, as in [`shiming_core::Verification::vendor`] and error messages.
///
/// ```
/// assert_eq!(shiming_sjsys::VENDOR, "sjsys");
/// ```
pub const VENDOR: &str = shiming_core::Vendor::Sjsys.id();

/// The marketplace endpoint (scheme and host, no path). Always `https`, although the vendor's
/// page shows `http://`: the AppCode travels in a header.
///
/// ```
/// assert!(shiming_sjsys::DEFAULT_ENDPOINT.starts_with("https://"));
/// ```
pub const DEFAULT_ENDPOINT: &str = shiming_core::Vendor::Sjsys.default_endpoint();

pub mod request;
pub mod response;

use shiming_core::{Error, Identity, Verification};
use shiming_gateway::{ApiRequest, ApiResponse};
use shiming_vendor_kit::{ClientBuilder, ThreeElementApi, VendorApi, VendorClient};

/// sjsys's API as the kit's [`VendorClient`] runs it: [`request::check_limits`],
/// [`request::encode`], [`response::decode`].
///
/// ```
/// use shiming_vendor_kit::VendorApi;
/// assert_eq!(shiming_sjsys::SjsysApi::VENDOR, shiming_sjsys::VENDOR);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SjsysApi;

impl VendorApi for SjsysApi {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    const CLIENT: &'static str = "SjsysClient";
    fn check_limits(identity: &Identity) -> Result<(), Error> {
        request::check_limits(identity)
    }
    fn encode(endpoint: &str, identity: &Identity) -> ApiRequest {
        request::encode(endpoint, identity)
    }
    fn decode(response: &ApiResponse) -> Result<Verification, Error> {
        response::decode(response)
    }
}

impl ThreeElementApi for SjsysApi {}

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
pub type SjsysClient = VendorClient<SjsysApi>;

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
