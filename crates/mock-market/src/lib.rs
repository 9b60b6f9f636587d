//! An offline imitation of the Alibaba Cloud API Marketplace: the API gateway in front
//! (AppCode and signature auth, per-product subscriptions, quota, throttling, billing of 2xx
//! answers only) and the five identity-verification APIs behind it, answering from a registry
//! of synthetic people and replaying every documented body byte for byte.
//!
//! # Crate organization
//!
//! * [`Vendor`] — the five APIs (products), shiming-core's vendor catalogue re-exported: ids,
//!   hosts, product names; [`routing`] adds each API's documented method and path.
//! * [`gateway`] — authentication (AppCode, AppKey/AppSecret signatures), quota, throttling.
//!   `X-Ca-Timestamp` and `X-Ca-Nonce` are optional, as the gateway documents them (checked
//!   when present); [`MarketConfig::anti_replay`] (JSON `"anti_replay": ["tel3"]`, or
//!   [`MockMarketBuilder::anti_replay`]) requires them for chosen products.
//! * [`vendors`] — one simulator per API.
//! * [`Registry`] — the synthetic people (`fixtures/people.tsv`).
//! * [`scenarios`] — documented bodies (`fixtures/vendors/`) replayed on request
//!   (header `X-Mock-Scenario: tel3/fail-mobile`).
//! * [`Fault`] — the closed set of injectable faults (header `X-Mock-Fault`).
//! * [`MockMarket`] / [`MockHandle`] — start a market in-process; the admin API lives under
//!   `/__admin/` (health, journal, usage, reset, quota, faults, scenarios).
//! * [`Pipeline`] — the same market without a socket: [`Pipeline::respond`] takes a whole
//!   `http::Request<Bytes>` and returns the [`Reply`] the server would send (for fuzz targets
//!   and socket-free tests; synchronous, never panics).
//!
//! ```
//! let market = shiming_mock_market::MockMarket::start().unwrap();
//! println!("mock market at {}", market.url());
//! ```
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod admin;
mod answer;
pub mod config;
mod console;
mod console_try;
mod faults;
pub mod gateway;
mod handle;
pub mod journal;
mod market;
mod params;
mod pipeline;
mod registry;
mod reply;
pub mod routing;
pub mod scenarios;
mod server;
mod state;
pub mod vendors;

pub use answer::VendorAnswer;
pub use config::{Credential, MarketConfig, Throttle};
pub use faults::{Fault, UnknownFault};
pub use handle::{MockHandle, MockMarket, MockMarketBuilder};
pub use journal::JournalEntry;
pub use market::{FAULT_HEADER, SCENARIO_HEADER};
pub use params::Params;
pub use pipeline::Pipeline;
pub use registry::{Person, Registry, RegistryError, RegistryVerdict};
pub use reply::Reply;
pub use state::Usage;

pub use shiming_core::Vendor;
