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
    fs::write(Path::new(&out_dir).join("gb2260_index.rs"), index(&gb2260)).expect("write index");
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

/// The per-code index: distinct codes, where each code's rows start, each code's life span
/// (first `from`, last `until`) and, per two-digit province, the range of its codes.
fn index(text: &str) -> String {
    let all: Vec<Vec<&str>> = rows(text).collect();
    let mut codes: Vec<u32> = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut lives: Vec<(u16, u16)> = Vec::new();
    for (i, cols) in all.iter().enumerate() {
        let code: u32 = cols[0].parse().expect("numeric code");
        if codes.last() != Some(&code) {
            codes.push(code);
            starts.push(i);
            lives.push((year(cols[1]), year(cols[2])));
        } else if let Some(life) = lives.last_mut() {
            life.1 = year(cols[2]);
        }
    }
    starts.push(all.len());
    let mut provinces = vec![(0usize, 0usize); 100];
    for (i, code) in codes.iter().enumerate() {
        let p = (code / 10_000) as usize;
        if provinces[p] == (0, 0) {
            provinces[p] = (i, i);
        }
        provinces[p].1 = i + 1;
    }
    // For each four-digit prefix `XXYY` (0..=9999), where its codes start; one sentinel.
    let prefix_starts: Vec<usize> = (0..=10_000u32)
        .map(|k| codes.partition_point(|&c| c / 100 < k))
        .collect();
    let join = |v: Vec<String>| v.join(", ");
    format!(
        "RegionIndex {{\n    codes: &[{}],\n    row_starts: &[{}],\n    lives: &[{}],\n    provinces: [{}],\n    prefix_starts: &[{}],\n}}",
        join(codes.iter().map(u32::to_string).collect()),
        join(starts.iter().map(usize::to_string).collect()),
        join(lives.iter().map(|(a, b)| format!("({a}, {b})")).collect()),
        join(provinces.iter().map(|(a, b)| format!("({a}, {b})")).collect()),
        join(prefix_starts.iter().map(usize::to_string).collect()),
    )
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
