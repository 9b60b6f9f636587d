//! Compiles the documented vendor bodies (`fixtures/vendors/manifest.tsv` and the
//! `<api>/<scenario>.json` files it lists) into a static table, `$OUT_DIR/scenarios.rs`, read
//! by `src/scenarios.rs`. The manifest is checked here, so a malformed row is a build error.
//!
//! `fixtures/` is this crate's own directory (it is packaged with the crate); the repository's
//! top-level `fixtures/vendors` is a link to it.

use std::collections::HashSet;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The API ids of the manifest and the `Vendor` variant each one names.
const APIS: [(&str, &str); 5] = [
    ("tel3", "Tel3"),
    ("sxm3v2", "Sxm3v2"),
    ("sjsys", "Sjsys"),
    ("sfz2", "Sfz2"),
    ("phonethird", "Phonethird"),
];

const HEADER: &str = "api\tscenario\tstatus\tbilled\tseed\tdescription";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let vendors = manifest_dir.join("fixtures/vendors");
    let manifest = vendors.join("manifest.tsv");
    println!("cargo:rerun-if-changed={}", vendors.display());
    println!("cargo:rerun-if-changed={}", manifest.display());
    let text = fs::read_to_string(&manifest)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest.display()));
    let table = table(&text, &vendors);
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("scenarios.rs");
    fs::write(&out, table).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The generated table: a `&[Raw]` expression, one entry per manifest row, in file order.
fn table(text: &str, vendors: &Path) -> String {
    let mut out = String::from("&[\n");
    let mut header_seen = false;
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("fixtures/vendors/manifest.tsv line {}", i + 1);
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if !header_seen {
            assert_eq!(line, HEADER, "{at}: unexpected column-name line");
            header_seen = true;
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [api, name, status, billed, seed, description] = cols[..] else {
            panic!("{at}: six tab-separated columns expected");
        };
        let variant = APIS
            .iter()
            .find(|(id, _)| *id == api)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("{at}: unknown api {api:?}"));
        assert!(is_kebab(name), "{at}: scenario {name:?} is not kebab-case");
        assert!(
            seen.insert((api, name)),
            "{at}: duplicate scenario {api}/{name}"
        );
        let status: u16 = status
            .parse()
            .ok()
            .filter(|s| (100..=999).contains(s))
            .unwrap_or_else(|| panic!("{at}: bad HTTP status {status:?}"));
        let billed = match billed {
            "yes" => true,
            "no" => false,
            _ => panic!("{at}: billed must be yes or no"),
        };
        assert_eq!(
            billed,
            (200..300).contains(&status),
            "{at}: billed must follow the 2xx rule"
        );
        assert!(
            !seed.is_empty() && !description.is_empty(),
            "{at}: empty column"
        );
        let file = vendors.join(api).join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", file.display());
        let body = fs::read(&file).unwrap_or_else(|e| panic!("{at}: {}: {e}", file.display()));
        assert!(
            std::str::from_utf8(&body).is_ok(),
            "{}: not UTF-8",
            file.display()
        );
        let _ = writeln!(
            out,
            "    Raw {{ api: Vendor::{variant}, name: {name:?}, status: {status}, billed: {billed}, \
             seed: {seed:?}, description: {description:?}, body: include_bytes!(concat!(\
             env!(\"CARGO_MANIFEST_DIR\"), \"/fixtures/vendors/{api}/{name}.json\")) }},"
        );
    }
    assert!(
        header_seen,
        "fixtures/vendors/manifest.tsv: no column-name line"
    );
    out.push_str("]\n");
    out
}

/// Lower-case ASCII letters and digits in words joined by single `-`.
fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
