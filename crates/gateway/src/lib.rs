//! The Alibaba Cloud API Gateway transport shared by every shiming vendor crate. It knows
//! HTTP, signing, gateway errors, billing and retries — nothing about identities or vendor
//! bodies (those are the vendor kit's, `shiming-vendor-kit`, and the vendor crates').
//!
//! # Crate organization
//!
//! * [`GatewayClient`] — one pooled HTTPS client (hyper 1 + rustls, certificates always
//!   verified; plain `http://` only to loopback or when explicitly allowed), cheap to clone.
//! * [`Credentials`] / [`Secret`] — AppCode or AppKey/AppSecret, redacted everywhere.
//! * [`sign`] — the AppKey/AppSecret signature scheme (gateway.md §1), pure functions.
//! * [`classify`] — gateway errors vs vendor answers, and what each means for billing.
//! * [`retry`] — retry policy as data; calls that may have been charged are never retried
//!   unless the caller opts in.
//!
//! Every call runs in a `tracing` span `gateway_call` (vendor, attempt, status, request id,
//! latency, billed) that never records names, ID numbers, mobiles or credentials.
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod classify;
mod client;
mod credentials;
pub mod retry;
pub mod sign;
pub mod tap;

pub use client::{
    ApiRequest, ApiResponse, BuildError, GatewayClient, GatewayClientBuilder, RequestBody,
};
pub use credentials::{Credentials, Secret};
/// The type of [`ApiResponse::billing`], from `shiming-core`.
pub use shiming_core::Billing;
