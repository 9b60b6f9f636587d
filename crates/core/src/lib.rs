//! Offline validation of Chinese resident ID numbers, mobiles and names, and the shared types
//! every other shiming crate builds on.
//!
//! # Crate organization
//!
//! * [`id_card`] — normalizes, detects, validates and parses the six kinds of 15/18-character
//!   identity numbers (resident ID, first-generation resident ID, HK/Macau and Taiwan
//!   residence permits, both editions of the foreigner permanent residence card), and
//!   generates synthetic numbers for tests.
//! * [`region`] — the GB/T 2260 administrative-division table with the years each code was in
//!   force, compiled into the binary.
//! * [`nationality`] — ISO 3166-1 countries, used by foreigner permanent residence cards.
//! * [`mobile`] — mainland mobile numbers: normalization, validation, allocated carrier.
//! * [`name`] — names of people: normalization and validation.
//! * [`Date`] — a calendar date; the core never reads the system clock.
//! * [`Identity`], [`Verdict`], [`Verification`], [`Error`] and the verifier traits
//!   [`ThreeElementVerifier`] / [`TwoElementVerifier`] — what every vendor crate returns.
//! * [`mask`] — how personal data is shown in `Debug`, `Display`, logs and errors.
//! * [`Vendor`] — the vendor catalogue: the five marketplace APIs, each with its API id,
//!   product name, gateway host and default endpoint, [`Elements`] and default [`Price`]
//!   (money as whole 厘, never a float). The vendor crates, the `shiming` facade and the mock
//!   market all read their vendor facts here.
//!
//! **This crate does no I/O**: no network, no files, no clock. Everything time-dependent
//! takes the caller's "today".
//!
//! ```
//! use shiming_core::{id_card::{self, IdKind, ValidationOptions}, Date};
//!
//! let opts = ValidationOptions::new(Date::new(2026, 11, 23).unwrap());
//! let id = id_card::parse("11010519491231002X", &opts).unwrap();
//! assert_eq!(id.kind(), IdKind::Resident);
//! assert_eq!(id.birth_date().to_string(), "1949-12-31");
//! assert_eq!(id.age_on(Date::new(2026, 11, 23).unwrap()), 76);
//! ```
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod carrier;
pub mod date;
mod error;
pub mod id_card;
pub mod identity;
pub mod mask;
pub mod mobile;
pub mod name;
pub mod nationality;
mod price;
pub mod region;
mod vendor;
mod verification;
mod verifier;

pub use carrier::Carrier;
pub use date::{Date, DateError};
pub use error::{Billing, Error, ErrorKind, RetrySafety};
pub use identity::Identity;
pub use price::{Price, PriceError};
pub use vendor::{Elements, UnknownVendor, Vendor};
pub use verification::{Outcome, Verdict, Verification};
pub use verifier::{ThreeElementVerifier, TwoElementVerifier};
