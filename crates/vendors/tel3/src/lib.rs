//! shiming client for `tel3`, 拇指云 手机三要素核验 on the Alibaba Cloud API Marketplace: does
//! this name, ID number and mobile belong together?
//!
//! # Crate organization
//!
//! * [`Tel3Client`] / [`Tel3ClientBuilder`] — the client; implements
//!   [`shiming_core::ThreeElementVerifier`]. Each call validates the identity locally (unless
//!   turned off), refuses what tel3 documents it would refuse ([`request::check_limits`]), sends
//!   one `GET /mobile` through a shared [`shiming_gateway::GatewayClient`] and decodes the answer.
//! * [`request`] — the pure encoder (`GET /mobile?xm=&sfz=&mob=`) and tel3's own input limits.
//! * [`response`] — the wire answer (`{"ok":1,"msg":…,"match":1}` / HTTP 666 `{"ok":0,"msg":…}`),
//!   the catalogue of every documented message, and the decoder into a
//!   [`shiming_core::Verification`] or a typed [`shiming_core::Error`].
//!
//! Billing follows the marketplace rule: HTTP 200 answers (`ok:1`, any `match`) are charged,
//! tel3's HTTP 666 failures (`ok:0`) are not.
//!
//! ```no_run
//! use shiming_core::{id_card::ValidationOptions, Identity, ThreeElementVerifier};
//! use shiming_gateway::Credentials;
//! use shiming_vendor_kit::today_in_china;
//! use shiming_tel3::Tel3Client;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Tel3Client::new(Credentials::app_code("your-appcode"));
//! let options = ValidationOptions::new(today_in_china());
//! let who = Identity::new("陈思远", "330106198805160711", Some("13957120001"), &options)?;
//! let v = client.verify_three(&who).await?;
//! println!("{} (billed: {}, request {:?})", v.verdict, v.billing, v.request_id);
//! # Ok(())
//! # }
//! ```
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The API id of this vendor, as used in [`shiming_core::Verification::vendor`] and errors.
///
/// ```
/// assert_eq!(shiming_tel3::VENDOR, "tel3");
/// ```
pub const VENDOR: &str = shiming_core::Vendor::Tel3.id();

/// The marketplace endpoint (scheme and host, no path). Always HTTPS.
///
/// ```
/// assert!(shiming_tel3::DEFAULT_ENDPOINT.starts_with("https://"));
/// ```
pub const DEFAULT_ENDPOINT: &str = shiming_core::Vendor::Tel3.default_endpoint();

pub mod request;
pub mod response;

use shiming_core::{Error, Identity, Verification};
use shiming_gateway::{ApiRequest, ApiResponse};
use shiming_vendor_kit::{ClientBuilder, ThreeElementApi, VendorApi, VendorClient};

/// tel3's API as the kit's [`VendorClient`] runs it: [`request::check_limits`],
/// [`request::encode`], [`response::decode`].
///
/// ```
/// use shiming_vendor_kit::VendorApi;
/// assert_eq!(shiming_tel3::Tel3Api::VENDOR, shiming_tel3::VENDOR);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Tel3Api;

impl VendorApi for Tel3Api {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    const CLIENT: &'static str = "Tel3Client";
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

impl ThreeElementApi for Tel3Api {}

/// A client of tel3 (拇指云 手机三要素核验). Cheap to clone: clones share the gateway's
/// connection pool. `Debug` never shows the credentials.
///
/// ```
/// use shiming_core::ThreeElementVerifier;
/// use shiming_gateway::Credentials;
/// let client = shiming_tel3::Tel3Client::new(Credentials::app_code("my-appcode"));
/// assert_eq!(client.vendor(), "tel3");
/// assert!(!format!("{client:?}").contains("my-appcode"));
/// ```
pub type Tel3Client = VendorClient<Tel3Api>;

/// Builds a [`Tel3Client`]: the shared [`ClientBuilder`] (gateway client, endpoint, local
/// validation, region strictness).
///
/// ```
/// let client = shiming_tel3::Tel3Client::builder(shiming_gateway::Credentials::app_code("c"))
///     .local_validation(false)
///     .build();
/// assert!(!client.local_validation());
/// ```
pub type Tel3ClientBuilder = ClientBuilder<Tel3Client>;
