//! An offline imitation of the Alibaba Cloud API Marketplace: the API gateway in front
//! (AppCode and signature auth, per-product subscriptions, quota, throttling, billing of 2xx
//! answers only) and the five identity-verification APIs behind it, answering from a registry
//! of synthetic people and replaying every documented body byte for byte.
//!
//! # Crate organization
//!
//! * [`Product`] — the five APIs, their hosts, methods and paths.
//! * [`gateway`] — authentication (AppCode, AppKey/AppSecret signatures), quota, throttling.
//! * [`vendors`] — one simulator per API.
//! * [`Registry`] — the synthetic people (`fixtures/people.tsv`).
//! * [`scenarios`] — documented bodies (`fixtures/vendors/`) replayed on request
//!   (header `X-Mock-Scenario: tel3/fail-mobile`).
//! * [`Fault`] — the closed set of injectable faults (header `X-Mock-Fault`).
//! * [`MockMarket`] / [`MockHandle`] — start a market in-process; the admin API lives under
//!   `/__admin/` (health, journal, usage, reset, quota, faults, scenarios).
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
mod faults;
pub mod gateway;
mod handle;
pub mod journal;
mod market;
mod params;
mod product;
mod registry;
pub mod scenarios;
mod server;
mod state;
pub mod vendors;

pub use answer::Answer;
pub use config::{Credential, MarketConfig, Throttle};
pub use faults::{Fault, UnknownFault};
pub use handle::{MockHandle, MockMarket, MockMarketBuilder};
pub use journal::JournalEntry;
pub use market::{FAULT_HEADER, SCENARIO_HEADER};
pub use params::Params;
pub use product::Product;
pub use registry::{Outcome, Person, Registry, RegistryError};
pub use state::Usage;
