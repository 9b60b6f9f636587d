//! shiming's fuzz targets as plain functions, one `pub fn <target>(data: &[u8])` each.
//!
//! Each function feeds the input to one parser and checks, besides "does not panic", the
//! invariants that must hold for every input (see each function). The same functions run in
//! two places:
//!
//! * under libFuzzer, from `fuzz/fuzz_targets/<target>.rs` (`cargo xtask fuzz`, nightly);
//! * on stable, without a fuzzer, in this crate's `tests/replay.rs`: every file of
//!   `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`, and every seed made from
//!   `fixtures/` ([`seed`]), so `cargo test --workspace` (and `cargo xtask ci`) replays them.
//!
//! [`TARGETS`] lists them; a target's input format is in [`input`].
//!
//! | target | parser | input |
//! | --- | --- | --- |
//! | `id_card` | `shiming_core::id_card::parse`, lenient and strict | 2 bytes "today", then text |
//! | `mobile` | `shiming_core::mobile::parse` | text |
//! | `name` | `shiming_core::name::parse` | text |
//! | `<api>_decode` | `shiming_<api>::response::decode_parts` (five vendors) | 3 bytes billing, request id, HTTP status; then the body |
//! | `mock_pipeline` | `shiming_mock_market::Pipeline::respond` | request line, header lines, empty line, body ([`input::MockRequest`]) |
//! | `batch_csv` | `shiming_cli::input::Input` (the batch reader) | 1 byte encoding, then the CSV file ([`input::split_encoding`]) |
//!
//! ```
//! for target in shiming_fuzz_targets::TARGETS {
//!     (target.run)(b"");
//! }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::io;
use std::path::{Path, PathBuf};

mod decoders;
pub mod input;
mod market;
mod parsers;
pub mod seed;

pub use decoders::{phonethird_decode, sfz2_decode, sjsys_decode, sxm3v2_decode, tel3_decode};
pub use market::{batch_csv, mock_pipeline};
pub use parsers::{id_card, mobile, name};

use seed::Fixtures;

/// One fuzz target: its name (that of `fuzz/fuzz_targets/<name>.rs` and of its corpus
/// directories), the function that runs one input, and where its seeds come from.
///
/// ```
/// let target = shiming_fuzz_targets::target("mobile").unwrap();
/// (target.run)(b"13800138000");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Runs one input; panics when an invariant does not hold.
    pub run: fn(&[u8]),
    /// The seed inputs made from `fixtures/` (may be none).
    pub seeds: fn(&Fixtures) -> io::Result<Vec<Vec<u8>>>,
}

/// Every fuzz target, in the order `cargo xtask fuzz` runs them.
///
/// ```
/// let names: Vec<_> = shiming_fuzz_targets::TARGETS.iter().map(|t| t.name).collect();
/// assert_eq!(&names[..3], ["id_card", "mobile", "name"]);
/// ```
pub const TARGETS: &[Target] = &[
    Target {
        name: "id_card",
        run: id_card,
        seeds: seed::id_card,
    },
    Target {
        name: "mobile",
        run: mobile,
        seeds: seed::mobile,
    },
    Target {
        name: "name",
        run: name,
        seeds: seed::name,
    },
    Target {
        name: "tel3_decode",
        run: tel3_decode,
        seeds: |f| seed::vendor(f, "tel3"),
    },
    Target {
        name: "sxm3v2_decode",
        run: sxm3v2_decode,
        seeds: |f| seed::vendor(f, "sxm3v2"),
    },
    Target {
        name: "sjsys_decode",
        run: sjsys_decode,
        seeds: |f| seed::vendor(f, "sjsys"),
    },
    Target {
        name: "sfz2_decode",
        run: sfz2_decode,
        seeds: |f| seed::vendor(f, "sfz2"),
    },
    Target {
        name: "phonethird_decode",
        run: phonethird_decode,
        seeds: |f| seed::vendor(f, "phonethird"),
    },
    Target {
        name: "mock_pipeline",
        run: mock_pipeline,
        seeds: seed::mock_pipeline,
    },
    Target {
        name: "batch_csv",
        run: batch_csv,
        seeds: seed::batch_csv,
    },
];

/// The target called `name`.
///
/// ```
/// assert!(shiming_fuzz_targets::target("id_card").is_some());
/// assert!(shiming_fuzz_targets::target("nope").is_none());
/// ```
#[must_use]
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The root of the repository this crate was built from.
///
/// ```
/// assert!(shiming_fuzz_targets::repository_root().join("Cargo.toml").is_file());
/// ```
#[must_use]
pub fn repository_root() -> PathBuf {
    // crates/fuzz-targets → the repository root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `fuzz/corpus/<target>/` under `root`: the (minimized) inputs the fuzzer keeps.
///
/// ```
/// let dir = shiming_fuzz_targets::corpus_dir(std::path::Path::new("."), "name");
/// assert!(dir.ends_with("fuzz/corpus/name"));
/// ```
#[must_use]
pub fn corpus_dir(root: &Path, target: &str) -> PathBuf {
    root.join("fuzz").join("corpus").join(target)
}

/// `fuzz/regressions/<target>/` under `root`: inputs that once failed, replayed for ever.
///
/// ```
/// let dir = shiming_fuzz_targets::regressions_dir(std::path::Path::new("."), "name");
/// assert!(dir.ends_with("fuzz/regressions/name"));
/// ```
#[must_use]
pub fn regressions_dir(root: &Path, target: &str) -> PathBuf {
    root.join("fuzz").join("regressions").join(target)
}
