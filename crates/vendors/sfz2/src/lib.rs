//! shiming client for `sfz2`, 拇指云 身份证二要素核验 on the Alibaba Cloud API Marketplace: do
//! this name and ID number belong together?
//!
//! # Crate organization
//!
//! * [`Sfz2Client`] / [`Sfz2ClientBuilder`] — the client; implements
//!   [`shiming_core::TwoElementVerifier`]. Each call validates the name and ID number locally
//!   (unless turned off; a mobile in the identity is neither checked nor sent), refuses what
//!   sfz2 documents it would refuse ([`request::check_limits`]), sends one `GET /idcard`
//!   through a shared [`shiming_gateway::GatewayClient`] and decodes the answer.
//! * [`request`] — the pure encoder (`GET /idcard?xm=&sfz=`) and sfz2's own input limits.
//! * [`response`] — the wire answer (`{"ok":1,"msg":…,"match":true,"birthday":…,"sex":…,"address":…}`
//!   / HTTP 666 `{"ok":0,"msg":…}`), the catalogue of every documented message, and the decoder
//!   into a [`shiming_core::Verification`] (birthday, sex and address in its `extras`) or a
//!   typed [`shiming_core::Error`].
//!
//! Billing follows the marketplace rule: HTTP 200 answers (`ok:1`, whatever `match`) are
//! charged, sfz2's HTTP 666 failures (`ok:0`) are not. The birthday, sex and region sfz2 returns
//! can be derived from the ID number offline and free of charge with
//! [`shiming_core::id_card`]; call sfz2 for the name check only.
//!
//! ```no_run
//! use shiming_core::{id_card::ValidationOptions, Identity, TwoElementVerifier};
//! use shiming_gateway::Credentials;
//! use shiming_vendor_kit::today_in_china;
//! use shiming_sfz2::Sfz2Client;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Sfz2Client::new(Credentials::app_code("your-appcode"));
//! let options = ValidationOptions::new(today_in_china());
//! let who = Identity::new("陈思远", "330106198805160711", None, &options)?;
//! let v = client.verify_two(&who).await?;
//! println!("{} (billed: {}, sex {:?})", v.verdict, v.billing, v.extra("sex"));
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
/// assert_eq!(shiming_sfz2::VENDOR, "sfz2");
/// ```
pub const VENDOR: &str = shiming_core::Vendor::Sfz2.id();

/// The marketplace endpoint (scheme and host, no path). Always HTTPS.
///
/// ```
/// assert!(shiming_sfz2::DEFAULT_ENDPOINT.starts_with("https://"));
/// ```
pub const DEFAULT_ENDPOINT: &str = shiming_core::Vendor::Sfz2.default_endpoint();

pub mod request;
pub mod response;

use shiming_core::{Error, Identity, Verification};
use shiming_gateway::{ApiRequest, ApiResponse};
use shiming_vendor_kit::{ClientBuilder, TwoElementApi, VendorApi, VendorClient};

/// sfz2's API as the kit's [`VendorClient`] runs it: [`request::check_limits`],
/// [`request::encode`], [`response::decode`].
///
/// ```
/// use shiming_vendor_kit::VendorApi;
/// assert_eq!(shiming_sfz2::Sfz2Api::VENDOR, shiming_sfz2::VENDOR);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Sfz2Api;

impl VendorApi for Sfz2Api {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    const CLIENT: &'static str = "Sfz2Client";
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

impl TwoElementApi for Sfz2Api {}

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
pub type Sfz2Client = VendorClient<Sfz2Api>;

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
