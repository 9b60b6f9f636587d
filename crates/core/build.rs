//! Compiles the data files in `data/` into static tables (`$OUT_DIR/*.rs`), so that lookups
//! at run time read constant memory and allocate nothing.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=data/gb2260.tsv");
    println!("cargo:rerun-if-changed=data/iso3166-1.tsv");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let gb2260 = read("data/gb2260.tsv");
    fs::write(Path::new(&out_dir).join("gb2260.rs"), regions(&gb2260)).expect("write gb2260.rs");
    fs::write(Path::new(&out_dir).join("gb2260_codes.rs"), codes(&gb2260)).expect("write codes");
    let countries = countries(&read("data/iso3166-1.tsv"));
    fs::write(Path::new(&out_dir).join("iso3166.rs"), countries).expect("write iso3166.rs");
}

fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Data rows: no `#` comment lines, no column header.
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split('\t').collect())
}

fn year(field: &str) -> u16 {
    if field.is_empty() {
        0
    } else {
        field
            .parse()
            .unwrap_or_else(|_| panic!("bad year {field:?}"))
    }
}

fn regions(text: &str) -> String {
    let mut out = String::from("&[\n");
    let mut previous = 0u32;
    for cols in rows(text) {
        assert_eq!(
            cols.len(),
            6,
            "gb2260.tsv: six columns expected in {cols:?}"
        );
        let code: u32 = cols[0].parse().expect("numeric code");
        assert!(
            (100_000..=999_999).contains(&code),
            "six-digit code expected: {code}"
        );
        assert!(code >= previous, "gb2260.tsv must be sorted by code");
        previous = code;
        let successor: u32 = if cols[4].is_empty() {
            0
        } else {
            cols[4].parse().expect("code")
        };
        writeln!(
            out,
            "    RegionRow {{ code: {code}, from: {}, until: {}, name: {:?}, successor: {successor} }},",
            year(cols[1]),
            year(cols[2]),
            cols[3]
        )
        .expect("write to String");
    }
    out.push(']');
    out
}

fn codes(text: &str) -> String {
    let mut codes: Vec<&str> = rows(text).map(|cols| cols[0]).collect();
    codes.dedup();
    format!("&[{}]", codes.join(", "))
}

fn countries(text: &str) -> String {
    let mut out = String::from("&[\n");
    let mut previous = 0u16;
    for cols in rows(text) {
        assert_eq!(
            cols.len(),
            4,
            "iso3166-1.tsv: four columns expected in {cols:?}"
        );
        let numeric: u16 = cols[0].parse().expect("numeric code");
        assert!(
            numeric > previous,
            "iso3166-1.tsv must be sorted by numeric code"
        );
        previous = numeric;
        writeln!(
            out,
            "    Country {{ numeric: {numeric}, alpha3: {:?}, alpha2: {:?}, name: {:?} }},",
            cols[1], cols[2], cols[3]
        )
        .expect("write to String");
    }
    out.push(']');
    out
}
