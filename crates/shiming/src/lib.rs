//! **shiming** (实名): real-name checks — name + resident ID number + mobile ("three
//! elements") or name + ID ("two elements") — through the identity-verification APIs of the
//! Alibaba Cloud API Marketplace, with one client over several vendors that fails over only
//! where that cannot charge twice.
//!
//! # Crate organization
//!
//! * [`Router`] / [`Route`] — one client over several vendors, ordered by priority or price
//!   ([`Order`]), failing over as [`FailoverPolicy`] allows; every result carries its
//!   [`Attempts`] (which vendors were tried, which billed, what it cost).
//! * [`store`] (re-exported `shiming-store`): shared state for a fleet — a rate limit per
//!   credential and vendor, a dedupe cache of verdicts, a budget ledger — that a router uses
//!   when given one ([`RouterBuilder::store`]).
//! * [`config`] — a router from a TOML file and `SHIMING_*` environment variables.
//! * [`Vendor`] / [`Price`] — the vendor catalogue (re-exported from `shiming-core`, which the
//!   vendor crates and the mock market read too): the five APIs, what each checks and costs by
//!   default, in exact money; [`is_compiled_in`] says whether this build holds a vendor's client.
//! * [`core`] (re-exported `shiming-core`): offline validation of ID numbers, mobiles and
//!   names, and the shared result and error types; [`gateway`] (`shiming-gateway`): the
//!   marketplace transport.
//! * One module per vendor crate, each behind the cargo feature of the same name (all on by
//!   default): [`tel3`], [`sxm3v2`], [`sjsys`], [`sfz2`], [`phonethird`]. Depend on
//!   `shiming` with `default-features = false, features = ["tel3"]` to compile only tel3.
//!
//! ```no_run
//! use shiming::{config::Config, Identity};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = Config::load("shiming.toml".as_ref())?;
//! config.apply_env(); // SHIMING_APPCODE, SHIMING_TEL3_APPCODE, …
//! let router = config.router(&config.gateway()?)?;
//! let who = Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"));
//! match router.verify(&who).await {
//!     Ok(routed) => println!("{} by {}", routed.verification.verdict, routed.verification.vendor),
//!     Err(failed) => eprintln!("{failed}; billed: {:?}", failed.billing()),
//! }
//! # Ok(()) }
//! ```
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod config;
mod guard;
mod route;
mod router;
mod trail;
mod vendor;
mod warning;

pub use route::Route;
pub use router::{FailoverPolicy, NoRoute, Order, RouteError, Routed, Router, RouterBuilder};
pub use trail::{Attempt, Attempts};
pub use vendor::is_compiled_in;
pub use warning::{LedgerDown, RouterWarning, StorePart};

pub use shiming_core as core;
pub use shiming_core::{
    Billing, Carrier, Elements, Error, ErrorKind, Identity, Outcome, Price, PriceError,
    ThreeElementVerifier, TwoElementVerifier, UnknownVendor, Vendor, Verdict, Verification,
};
pub use shiming_gateway as gateway;
pub use shiming_store as store;
pub use shiming_vendor_kit::today_in_china;

#[cfg(feature = "phonethird")]
pub use shiming_phonethird as phonethird;
#[cfg(feature = "sfz2")]
pub use shiming_sfz2 as sfz2;
#[cfg(feature = "sjsys")]
pub use shiming_sjsys as sjsys;
#[cfg(feature = "sxm3v2")]
pub use shiming_sxm3v2 as sxm3v2;
#[cfg(feature = "tel3")]
pub use shiming_tel3 as tel3;
