//! Shared state for a fleet of shiming instances that use one AppCode — so that the fleet, not
//! each process, holds the marketplace's QPS limit, pays once for a person checked a minute
//! ago, and stays inside one budget.
//!
//! # Crate organization
//!
//! * [`Store`] (`store`) — the one small trait every backend implements: a GCRA rate limit per
//!   [`LimitKey`](keys::LimitKey), a dedupe cache of verdicts with single flight, and a budget
//!   and quota ledger. [`MemoryStore`] (`memory`) is the in-process backend (the default: nothing to
//!   install); `RedisStore` (`redis_store`, cargo feature `redis`) is the backend of a
//!   fleet.
//! * [`steps`] — the steps around one paid call, asked together: [`Store::begin`] takes
//!   [`BeginSteps`] (claim, acquire, reserve; each optional) and answers each part on its own
//!   in a [`BeginOutcome`]; [`Store::end`] takes [`EndSteps`] (settle, fill, abandon) and
//!   answers an [`EndOutcome`]. Every part asked is performed whatever another answers; the
//!   caller undoes what it does not need — a permit with [`Store::refund`], a reservation by
//!   settling it not billed, a claim by abandoning it.
//! * [`keys`] — what the store is keyed by, without personal data: [`keys::Pepper`] (the
//!   secret of the cache's HMAC), [`keys::CacheKey`] (HMAC-SHA256 of the check kind and the
//!   normalized elements, versioned so the pepper can rotate), [`keys::LimitKey`] (a
//!   credential's fingerprint and a vendor). Every key carries a Redis Cluster hash tag.
//! * [`limit`] — [`limit::Rate`] (`qps`, `burst`) and [`limit::MemoryLimiter`] (GCRA on
//!   `governor`'s clocks, with refunds).
//! * [`cache`] — [`cache::CachedVerdict`] (verdict, vendor, request id, time, price — nothing
//!   else), [`cache::CacheTtl`] (per verdict kind), [`cache::Claim`], [`cache::ClaimToken`]
//!   and [`cache::MemoryCache`] (single flight in one process).
//! * [`ledger`] — [`ledger::Budget`] (per day, month and in total, per vendor and overall, in
//!   whole 厘), reservations and their settlement, quota packages and their warnings, the
//!   figures of `shiming usage` ([`ledger::LedgerSnapshot`]), and [`ledger::MemoryLedger`].
//! * [`clock`] — `governor`'s clocks, re-exported: the in-memory limiter, leases and TTLs run
//!   on [`clock::MonotonicClock`], or on [`clock::FakeRelativeClock`] in tests.
//!
//! The store never sees a name, an ID number, a mobile or a credential: only keys derived from
//! them, verdicts and money.
//!
//! # Redis
//!
//! With the `redis` feature, `RedisStore::connect(url)` shares the store between every
//! instance that connects to one Redis (version 7 or later; a cluster works too). Each
//! [`Store`] method is one Lua script, sent by `EVALSHA`, whose keys all carry one Cluster hash
//! tag, so that each step is atomic across the fleet:
//!
//! * `acquire`, `acquire_within`, `refund` — `shiming:rl:{<credential fingerprint>:<vendor>}`
//!   holds GCRA's theoretical arrival time in microseconds of the server's `TIME` (never an
//!   instance's clock); `acquire_within` books the next free permit when it comes within the
//!   caller's wait; a refund moves it back one period, never below the server's now.
//! * `claim`, `fill`, `abandon` — `shiming:c:{v<pepper version>:<hmac>}` holds
//!   `claim:<token>` while a check is claimed (`SET NX`-like, `PX` the lease), then the
//!   verdict's JSON (`PX` its TTL); abandoning deletes it only while the token still owns it.
//! * `reserve`, `settle`, `record`, `snapshot` — `shiming:ledger:{<namespace>}:…` (`seq`,
//!   `open`, `day:<date>`, `month:<yyyy-mm>`, `total`, `quota`, `vendors`, `events`): every
//!   budget limit and the quota are checked and changed in one script, and each quota warning
//!   is a flag set by the settling script, so it comes once per fleet.
//!
//! `begin` and `end` send their parts' scripts as one pipeline: one round trip each, whatever
//! slots the parts' keys are on (each script is atomic; the pipeline is not, nor need it be).
//! So an uncached call — `begin` with claim, acquire and reserve, the paid call, `end` with
//! settle and fill — costs **two round trips** to Redis, the most the product allows; a
//! cached one costs one. `RedisStore::round_trips` counts the requests a store has sent (a
//! command or a whole pipeline each count one), the figure behind that rule. After a restart
//! of Redis (its script cache empty), a request whose scripts Redis no longer knows costs one
//! more: the scripts are loaded and the parts that were refused run again, once.
//!
//! The rules are the in-memory backend's, held to the same tests; the two differences are the
//! clock (Redis's) and that a limit key's state survives a change of its rate. A Redis that is
//! down makes calls fail with [`StoreError::Unavailable`] (`begin` and `end`: in every part
//! asked) within about a second, never hang, and the store reconnects by itself once Redis is
//! back.
// The README's examples run as doc tests; the crate docs above are what docs.rs shows.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cache;
mod error;
pub mod keys;
pub mod ledger;
pub mod limit;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
pub mod steps;
mod store;

pub use error::StoreError;
/// `governor`'s clocks: what the in-memory limiter, leases and TTLs measure time with.
pub use governor::clock;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use steps::{BeginOutcome, BeginSteps, EndOutcome, EndSteps};
pub use store::Store;
