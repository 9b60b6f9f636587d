//! shiming client for `sxm3v2`, 数勋 运营商三要素V2 on the Alibaba Cloud API Marketplace: does
//! this name, ID number and mobile belong together, according to the mobile's carrier?
//!
//! The API is `POST https://sxm3v2.market.alicloudapi.com/mobile3/check` with the fields
//! `name`, `mobile` and `idCard` (seed 001; `shared/docs/vendor-apis.md`). It answers
//! `{"code":…,"msg":…,"isFee":…,"seqNo":…,"data":{"result":1|2|3,"resultDesc":…,"mobileChannel":…}}`;
//! `data.result` decides the verdict, `mobileChannel` names the carrier.
//!
//! # Crate organization
//!
//! * [`Sxm3v2Client`] / [`Sxm3v2ClientBuilder`] — the client: validates the identity locally
//!   (a refused value is never sent, never charged), checks the vendor's own limits, sends
//!   the request through a shared [`shiming_gateway::GatewayClient`] and decodes the answer.
//!   It implements [`shiming_core::ThreeElementVerifier`].
//! * [`request`] — the pure encoder: [`request::encode`] builds the JSON `POST`,
//!   [`request::check_limits`] refuses what the vendor documents it does not accept.
//! * [`response`] — the wire answer ([`response::Answer`]), the vendor's catalogue of codes
//!   ([`response::CATALOGUE`]) and [`response::decode`], which turns every documented answer
//!   into a [`shiming_core::Verification`] or a typed [`shiming_core::Error`].
//!
//! # Assumptions (the vendor page is silent; `vendor-apis.md`)
//!
//! * The page says "POST JSON": the body is JSON (`application/json; charset=UTF-8`).
//! * The error-code tab is missing: success is `"code":"200"`, a parameter error is
//!   `"code":"400"` with `data` null and `isFee` 0. The verdict is decided from `data.result`
//!   alone; any answer without one is an error that keeps `code` and `msg`.
//!
//! # Example
//!
//! ```no_run
//! use shiming_core::{id_card::ValidationOptions, Identity, ThreeElementVerifier, Verdict};
//! use shiming_gateway::Credentials;
//! use shiming_vendor_kit::today_in_china;
//! use shiming_sxm3v2::Sxm3v2Client;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Sxm3v2Client::new(Credentials::app_code("your-appcode"));
//! let options = ValidationOptions::new(today_in_china());
//! let who = Identity::new("张三", "11010519491231002X", Some("13800138000"), &options)?;
//! let verification = client.verify_three(&who).await?;
//! if verification.verdict == Verdict::Match {
//!     println!("match (carrier {:?}, seqNo {:?})", verification.carrier, verification.vendor_reference);
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
/// assert_eq!(shiming_sxm3v2::VENDOR, "sxm3v2");
/// ```
pub const VENDOR: &str = shiming_core::Vendor::Sxm3v2.id();

/// The marketplace endpoint (scheme and host, no path). Always `https`: the AppCode travels in
/// a header.
///
/// ```
/// assert!(shiming_sxm3v2::DEFAULT_ENDPOINT.starts_with("https://"));
/// ```
pub const DEFAULT_ENDPOINT: &str = shiming_core::Vendor::Sxm3v2.default_endpoint();

pub mod request;
pub mod response;

use shiming_core::{Error, Identity, Verification};
use shiming_gateway::{ApiRequest, ApiResponse};
use shiming_vendor_kit::{ClientBuilder, ThreeElementApi, VendorApi, VendorClient};

/// sxm3v2's API as the kit's [`VendorClient`] runs it: [`request::check_limits`],
/// [`request::encode`], [`response::decode`].
///
/// ```
/// use shiming_vendor_kit::VendorApi;
/// assert_eq!(shiming_sxm3v2::Sxm3v2Api::VENDOR, shiming_sxm3v2::VENDOR);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Sxm3v2Api;

impl VendorApi for Sxm3v2Api {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    const CLIENT: &'static str = "Sxm3v2Client";
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

impl ThreeElementApi for Sxm3v2Api {}

/// A client of `sxm3v2` (数勋 运营商三要素V2). Cheap to clone: clones share the gateway's
/// connection pool.
///
/// `Debug` never shows the credentials.
///
/// ```
/// use shiming_gateway::Credentials;
/// use shiming_sxm3v2::Sxm3v2Client;
///
/// let client = Sxm3v2Client::new(Credentials::app_code("0123456789abcdef"));
/// let shown = format!("{client:?}");
/// assert!(shown.contains("https://sxm3v2.market.alicloudapi.com"));
/// assert!(!shown.contains("0123456789abcdef"));
/// ```
pub type Sxm3v2Client = VendorClient<Sxm3v2Api>;

/// Builds a [`Sxm3v2Client`]: the shared [`ClientBuilder`] (gateway client, endpoint, local
/// validation, region strictness). With local validation off, identities made with
/// [`Identity::unchecked`] are sent as they are, and the vendor may refuse them; the vendor's
/// own documented limits ([`request::check_limits`]) still apply.
///
/// ```
/// use shiming_gateway::Credentials;
/// let client = shiming_sxm3v2::Sxm3v2Client::builder(Credentials::app_code("code"))
///     .endpoint("http://127.0.0.1:8080")
///     .local_validation(false)
///     .build();
/// assert!(format!("{client:?}").contains("local_validation: false"));
/// ```
pub type Sxm3v2ClientBuilder = ClientBuilder<Sxm3v2Client>;
