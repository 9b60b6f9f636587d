//! The documented vendor bodies: `crates/mock-market/fixtures/vendors/manifest.tsv` and the
//! `<api>/<scenario>.json` files it lists (the mock market's copy, the only one; the
//! repository's `fixtures/vendors` links to it).

use std::path::PathBuf;

use http::StatusCode;

/// The column names the manifest starts with, after its `#` comment lines.
const COLUMNS: [&str; 4] = ["api", "scenario", "status", "billed"];

/// The directory of the documented bodies and their manifest.
#[must_use]
pub fn vendors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mock-market/fixtures/vendors")
}

/// One row of the manifest, with its body: one body a vendor documents.
///
/// ```
/// let tel3 = shiming_test_support::manifest::scenarios("tel3");
/// let success = tel3.iter().find(|b| b.name == "success").unwrap();
/// assert!(success.billed);
/// ```
#[derive(Debug, Clone)]
pub struct DocumentedBody {
    /// The scenario's name, unique within its API (`success`, `fail-id`, …).
    pub name: String,
    /// The HTTP status the vendor answers with.
    pub status: StatusCode,
    /// Whether the marketplace charges the answer (the `billed` column: `yes` or `no`).
    pub billed: bool,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

/// Every documented body of `api` (`tel3`, `sxm3v2`, …), in manifest order. Panics on a
/// manifest that does not have the expected columns or a `billed` value other than `yes`/`no`.
#[must_use]
pub fn scenarios(api: &str) -> Vec<DocumentedBody> {
    let path = vendors_dir().join("manifest.tsv");
    let manifest = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = manifest.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().map_or(Vec::new(), |l| l.split('\t').collect());
    assert_eq!(
        header.get(..4),
        Some(&COLUMNS[..]),
        "the manifest's columns"
    );
    lines
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(|cols| cols[0] == api)
        .map(|cols| {
            let name = cols[1];
            let status = cols[2]
                .parse()
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or_else(|| panic!("{api}/{name}: status {:?}", cols[2]));
            let billed = match cols[3] {
                "yes" => true,
                "no" => false,
                other => panic!("{api}/{name}: billed column {other:?}"),
            };
            DocumentedBody {
                name: name.to_string(),
                status,
                billed,
                body: body(api, name),
            }
        })
        .collect()
}

/// The documented body `<api>/<scenario>.json`.
#[must_use]
pub fn body(api: &str, scenario: &str) -> Vec<u8> {
    let path = vendors_dir().join(api).join(format!("{scenario}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
