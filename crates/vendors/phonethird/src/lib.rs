//! shiming client for `phonethird`, 手机号三元素实名认证 (seed 004) on the Alibaba Cloud API
//! Marketplace: `GET https://phonethird.market.alicloudapi.com/mobileCheck?idCard=&mobile=&name=`,
//! answered with a JSON `status` (`01` match, `02` mismatch, `202`/`203`/`207` cannot verify,
//! `204`/`205`/`206` bad name / ID number / mobile), the carrier in Chinese (`mobileType`) and
//! the vendor's `traceId`.
//!
//! # Crate organization
//!
//! * [`PhonethirdClient`] / [`PhonethirdClientBuilder`] — the client. It implements
//!   [`shiming_core::ThreeElementVerifier`] and adds
//!   [`PhonethirdClient::verify_with_consent`]: validate locally (refused = never sent, never
//!   charged), check the vendor's own limits, encode, call through
//!   [`shiming_gateway::GatewayClient`], decode.
//! * [`Consent`] — how and when the person being verified agreed to the check (see below).
//! * [`request`] — the pure encoder ([`request::encode`]) and the vendor's documented limits
//!   ([`request::check_limits`]).
//! * [`response`] — the wire answer ([`response::Answer`]), the decoder ([`response::decode`],
//!   [`response::decode_parts`]) and the status catalogue ([`response::CATALOGUE`]).
//!
//! # Consent (seed 004, 六 隐私协议)
//!
//! The vendor requires that the person being verified was shown an authorization text
//! (个人信息授权书) and agreed **before** the call. This crate makes that explicit:
//!
//! * [`PhonethirdClient::verify_with_consent`] takes a [`Consent`] saying how and when it was
//!   obtained; the consent is copied into the result's extras (`consent`,
//!   `consent_obtained_at`), so whatever records results records the consent with them.
//! * The plain trait method [`ThreeElementVerifier::verify_three`] cannot take a consent. It
//!   works only on a client built with
//!   [`PhonethirdClientBuilder::consent_obtained_by_caller`]`(true)` — the application attests
//!   that it obtains consent for every person it checks. Otherwise it fails with
//!   [`shiming_core::ErrorKind::InvalidInput`] and sends nothing.
//!
//! # Billing
//!
//! Every documented status comes back with HTTP 200 (**assumed**, `vendor-apis.md`), so the
//! marketplace charges all of them — including the input errors `204`–`206`, which therefore
//! come back as errors with [`shiming_core::Billing::Billed`]. Local validation (on by default)
//! refuses most of those inputs for free.
//!
//! ```no_run
//! use std::time::SystemTime;
//! use shiming_core::{id_card::ValidationOptions, Identity, Verdict};
//! use shiming_gateway::Credentials;
//! use shiming_vendor_kit::today_in_china;
//! use shiming_phonethird::{Consent, PhonethirdClient};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = PhonethirdClient::new(Credentials::app_code("your-appcode"));
//! let opts = ValidationOptions::new(today_in_china());
//! let who = Identity::new("陈思远", "330106198805160711", Some("13957120001"), &opts)?;
//! let consent = Consent::new("授权书 v2 shown in the sign-up flow; box ticked", SystemTime::now());
//! let v = client.verify_with_consent(&who, consent).await?;
//! if v.verdict == Verdict::Match {
//!     println!("match, carrier {:?}, traceId {:?}", v.carrier, v.vendor_reference);
//! }
//! # Ok(()) }
//! ```
//!
//! [`ThreeElementVerifier::verify_three`]: shiming_core::ThreeElementVerifier::verify_three
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The vendor API id.
///
/// ```
/// assert_eq!(shiming_phonethird::VENDOR, "phonethird");
/// ```
pub const VENDOR: &str = shiming_core::Vendor::Phonethird.id();

/// The production base URL (always HTTPS, although the seed shows `http(s)://`).
///
/// ```
/// assert!(shiming_phonethird::DEFAULT_ENDPOINT.starts_with("https://"));
/// ```
pub const DEFAULT_ENDPOINT: &str = shiming_core::Vendor::Phonethird.default_endpoint();

mod client;
pub mod request;
pub mod response;

pub use client::{Consent, PhonethirdClient, PhonethirdClientBuilder};

use shiming_core::{Error, Identity, Verification};
use shiming_gateway::{ApiRequest, ApiResponse};
use shiming_vendor_kit::VendorApi;

/// phonethird's API as the kit runs it: [`request::check_limits`], [`request::encode`],
/// [`response::decode`]. Its client is not the kit's `VendorClient` but [`PhonethirdClient`],
/// which wraps these steps in the consent the vendor requires.
///
/// ```
/// use shiming_vendor_kit::VendorApi;
/// assert_eq!(shiming_phonethird::PhonethirdApi::VENDOR, shiming_phonethird::VENDOR);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PhonethirdApi;

impl VendorApi for PhonethirdApi {
    const VENDOR: &'static str = VENDOR;
    const DEFAULT_ENDPOINT: &'static str = DEFAULT_ENDPOINT;
    const CLIENT: &'static str = "PhonethirdClient";
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
