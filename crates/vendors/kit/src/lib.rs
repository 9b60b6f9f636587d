//! What every shiming vendor crate shares besides the transport: the vendor client's
//! settings and builder, the local check before a paid call, "today" in China, JSON decoding
//! whose errors name the field path, lenient readers for loosely documented fields, scrubbing
//! of vendor text, masked echoes, and the typed errors about one call.
//!
//! # Crate organization
//!
//! * [`VendorApi`] / [`VendorClient`] (`api`) — the one vendor client: a vendor crate
//!   describes its API (id, endpoint, limits, encoder, decoder; [`ThreeElementApi`] or
//!   [`TwoElementApi`]) and names the client `VendorClient<ItsApi>`.
//! * [`ClientBuilder`] / [`ClientSettings`] / [`FromSettings`] (`client`) — what every vendor
//!   client is made of: gateway client, credentials, endpoint, local validation and region
//!   strictness, one builder for all of them, and the local path before a paid call (each
//!   identity validated once, [`shiming_core::Identity::validated`]).
//! * [`check_limits`], [`Limit`], [`Field`], [`Rule`] (`limits`) — a vendor's documented input
//!   limits as data, refused before anything is sent.
//! * [`unix_now`], [`today_in_china`] (`clock`) — the one place the system clock is read.
//! * [`decode_json`], [`lenient_text`], [`lenient_int`], [`object_or_null`] (`json`) —
//!   reading a vendor's JSON answer without ever quoting it.
//! * [`scrub`], [`message_matches`], [`echo_is_masked`], [`masked_echo`] (`text`) — vendor
//!   text fit for messages and results.
//! * [`Call`], [`replay`] (`answer`) — the answer
//!   being decoded: results and typed errors with its billing and request id.
//!
//! The kit sits between the transport (`shiming-gateway`: HTTP, signing, classification,
//! retries — nothing about identities or vendor bodies) and the five vendor crates, which alone
//! know their vendor's wire format.
//!
//! ```
//! use shiming_vendor_kit::{scrub, today_in_china};
//! assert_eq!(scrub("号码13957120001不对"), "号码***********不对");
//! assert!(today_in_china().year() >= 2024);
//! ```
// The README's example runs as a doc test.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod answer;
mod api;
mod client;
mod clock;
mod json;
mod limits;
pub mod ok_msg;
mod text;

pub use answer::{replay, Call};
pub use api::{ThreeElementApi, TwoElementApi, VendorApi, VendorClient};
pub use client::{ClientBuilder, ClientSettings, FromSettings};
pub use clock::{today_in_china, unix_now};
pub use json::{decode_json, lenient_int, lenient_text, object_or_null};
pub use limits::{check_limits, Field, Limit, Rule};
pub use text::{
    echo_is_masked, masked_echo, message_matches, scrub, vendor_reference, with_masked_echoes,
    Masker, MESSAGE_WILDCARD, SCRUB_MAX_CHARS, SCRUB_MIN_DIGIT_RUN,
};
