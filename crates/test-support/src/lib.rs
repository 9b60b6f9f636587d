//! What the workspace's tests share, in one place (a tool crate: `publish = false`, used only
//! as a dev-dependency, which `cargo xtask tidy` allows for this crate alone):
//!
//! * [`manifest`] — the documented vendor bodies of the mock market's
//!   `fixtures/vendors/manifest.tsv`, read for the vendor crates' `tests/decode.rs`;
//! * [`browser`] — a real headless Chromium per test through `chromedriver`, with the page's
//!   JavaScript errors and failed loads to assert on; a missing browser fails under
//!   `SHIMING_REQUIRE_BROWSER` (CI) and is never skipped silently;
//! * [`decoded`] — every documented body of one vendor through its decoder: the checks every
//!   vendor shares and one snapshot format for all;
//! * [`people`] — the registry's synthetic people the tests send, and the check that a text
//!   shows none of them (nor a credential);
//! * [`market`] — helpers around a running mock market: usage counters, a port where nothing
//!   listens;
//! * [`redis`] — a real `redis-server` per test on a free port, killed and restarted at will;
//!   a missing server fails under `SHIMING_REQUIRE_REDIS` (CI) and is never skipped silently;
//! * [`trace`] — a `tracing` subscriber that records what it prints, to show that spans and
//!   events never carry personal data.
//!
//! The crate reads the repository (the fixtures live in the mock market's directory), so the
//! tests that use it are left out of the published packages (`exclude` in their crate's
//! `Cargo.toml`); cargo drops this dev-dependency from a package, having no version for it.

pub mod browser;
pub mod decoded;
pub mod manifest;
pub mod market;
mod missing;
pub mod people;
pub mod redis;
pub mod trace;
