//! The vendor catalogue against its authority, the vendor documents: the seeds' index
//! (`shared/seeds/README.md`: file, API id, product name, method and URL), each seed document
//! itself, and the price table that `shared/docs/vendor-apis.md` distils from them.
//!
//! The documents sit beside the repository (`../shared` from its root), not in it: where they
//! are absent (a clone on its own, this crate's package) the test says so and checks nothing.

use std::fs;
use std::path::PathBuf;

use shiming_core::{Elements, Price, Vendor};

/// `../shared` from the repository's root, if it is there.
fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("seeds/README.md").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "the vendor documents are not at {}: catalogue not checked against them",
            dir.display()
        );
        None
    }
}

/// The cells of a Markdown table row (`| a | b |`), trimmed; `None` for any other line.
fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

fn unquote(cell: &str) -> &str {
    cell.trim_matches('`')
}

/// One row of the seeds' index.
#[derive(Debug)]
struct Seed {
    file: String,
    id: String,
    product_name: String,
    host: String,
}

/// The seeds' index: `` | `000_….txt` | `tel3` | 拇指云 手机三要素核验 — GET `https://tel3.…/mobile` (…) | ``.
fn seed_index(readme: &str) -> Vec<Seed> {
    readme
        .lines()
        .filter_map(cells)
        .filter(|c| c.len() == 3 && c[0].ends_with(".txt`"))
        .map(|c| {
            let (name, request) = c[2]
                .split_once(" — ")
                .unwrap_or_else(|| panic!("no ' — ' in {c:?}"));
            let url = request
                .split('`')
                .nth(1)
                .unwrap_or_else(|| panic!("no `URL` in {c:?}"));
            let host = url
                .split_once("://")
                .and_then(|(_, rest)| rest.split('/').next())
                .unwrap_or_else(|| panic!("no host in {url:?}"));
            Seed {
                file: unquote(c[0]).to_string(),
                id: unquote(c[1]).to_string(),
                product_name: name.to_string(),
                host: host.to_string(),
            }
        })
        .collect()
}

#[test]
fn every_seed_is_catalogued_with_its_product_name_and_host() {
    let Some(shared) = shared() else { return };
    let seeds = shared.join("seeds");
    let index = seed_index(&fs::read_to_string(seeds.join("README.md")).unwrap());
    let mut ids: Vec<&str> = index.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    let mut catalogued: Vec<&str> = Vendor::ALL.iter().map(|v| v.id()).collect();
    catalogued.sort_unstable();
    assert_eq!(ids, catalogued, "the seeds' APIs and the catalogue's");
    for seed in &index {
        let vendor = Vendor::from_id(&seed.id).unwrap();
        assert_eq!(vendor.product_name(), seed.product_name, "{seed:?}");
        assert_eq!(vendor.host(), seed.host, "{seed:?}");
        let document = fs::read_to_string(seeds.join(&seed.file)).unwrap();
        assert!(
            document.contains(vendor.host()),
            "{} does not name {}",
            seed.file,
            vendor.host()
        );
    }
}

#[test]
fn elements_and_default_prices_are_the_price_tables() {
    let Some(shared) = shared() else { return };
    let text = fs::read_to_string(shared.join("docs/vendor-apis.md")).unwrap();
    let table = text
        .split_once("## Prices")
        .map(|(_, after)| after)
        .expect("a Prices section");
    let mut seen = Vec::new();
    for row in table.lines().filter_map(cells) {
        let [id, elements, prices] = row[..] else {
            continue;
        };
        let Some(vendor) = Vendor::from_id(id) else {
            assert!(matches!(id, "API" | "---"), "an uncatalogued API: {row:?}");
            continue;
        };
        let expected = match elements {
            "name + ID + mobile" => Elements::Three,
            "name + ID" => Elements::Two,
            other => panic!("elements {other:?} of {id}"),
        };
        assert_eq!(vendor.elements(), expected, "{row:?}");
        let dearest: Price = prices
            .rsplit('–')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("prices {prices:?} of {id}"));
        assert_eq!(vendor.default_price(), dearest, "{row:?}");
        seen.push(vendor);
    }
    seen.sort_unstable();
    let mut all = Vendor::ALL.to_vec();
    all.sort_unstable();
    assert_eq!(seen, all);
}
