//! Cross-check against python-stdnum: `fixtures/id-crosscheck.tsv` (made by
//! `cargo xtask crosscheck`, described in `fixtures/README.md`).
//!
//! 1. Every number still gets the lenient and strict verdicts recorded at generation time, so
//!    a behaviour change shows up here.
//! 2. Every row where python-stdnum and shiming-core (strict mode) disagree is explained by a
//!    documented rule, decided from the number itself (never from the `category` column).
//! 3. The counts per explanation are snapshotted and must also appear in `fixtures/README.md`.
//!
//! Assertion messages show numbers masked (first 4 + last 2 characters).

use std::collections::BTreeMap;
use std::path::PathBuf;

use shiming_core::id_card::{self, ValidationOptions};
use shiming_core::mask::mask_id;
use shiming_core::region::{self, RegionStatus};
use shiming_core::Date;

const TODAY: (u16, u8, u8) = (2026, 11, 23);
const MIN_ROWS: usize = 10_000;

struct Row {
    number: String,
    stdnum: String,
    lenient: String,
    strict: String,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn rows() -> Vec<Row> {
    let path = fixtures().join("id-crosscheck.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask crosscheck`)", path.display()));
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some("number\tstdnum\tshiming_lenient\tshiming_strict\tcategory"),
        "column header"
    );
    lines
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 5, "data row {} has {} fields", i + 1, f.len());
            Row {
                number: f[0].to_owned(),
                stdnum: f[1].to_owned(),
                lenient: f[2].to_owned(),
                strict: f[3].to_owned(),
            }
        })
        .collect()
}

fn today() -> Date {
    Date::new(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

/// shiming-core's verdict, in the fixture's notation.
fn verdict(number: &str, options: &ValidationOptions) -> String {
    match id_card::parse(number, options) {
        Ok(_) => "valid".to_owned(),
        Err(e) => e.code(),
    }
}

/// python-stdnum's verdict reduced to the step that refused the number. `KeyError` is what
/// stdnum 2.2 raises (instead of `InvalidComponent`) for a code missing from `loc.dat` inside a
/// province it knows: still a refusal of the region.
fn stdnum_class(v: &str) -> &str {
    match v {
        "valid" => "valid",
        "InvalidLength" => "length",
        "InvalidFormat" => "format",
        "InvalidChecksum" => "checksum",
        "InvalidComponent" | "KeyError" => "component",
        other => panic!("unexpected python-stdnum verdict {other:?}"),
    }
}

/// Our strict verdict reduced the same way (stdnum's `InvalidComponent` covers date and region).
fn our_class(v: &str) -> &str {
    match v.split(':').next().unwrap_or(v) {
        "birth_date" | "region" => "component",
        other => other,
    }
}

/// What the number itself says, independent of how it was made.
struct Facts {
    first: u8,
    code: u32,
    /// The birth date, when positions 7–14 are a calendar date.
    birth: Option<Date>,
}

impl Facts {
    fn of(number: &str) -> Option<Facts> {
        let b = number.as_bytes();
        if b.len() != 18 || !b[..14].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> u32 {
            b[r].iter().fold(0, |a, &d| a * 10 + u32::from(d - b'0'))
        };
        let birth = Date::new(num(6..10) as u16, num(10..12) as u8, num(12..14) as u8).ok();
        Some(Facts {
            first: b[0],
            code: num(0..6),
            birth,
        })
    }

    fn year(&self) -> Option<u16> {
        self.birth.map(Date::year)
    }

    fn status(&self) -> Option<RegionStatus> {
        self.year().map(|y| region::status_at_birth(self.code, y))
    }
}

/// The documented explanations of a disagreement, with the rule each one rests on.
const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "foreigner_card_2023",
        "2023 foreigner card (leading 9, core-rules §1); stdnum looks up region 9x, no province",
    ),
    (
        "permit_830000",
        "Taiwan residents' permit 830000 (core-rules §1); not in stdnum's loc.dat",
    ),
    (
        "permit_before_handover",
        "810000/820000 permit of someone born before 1997/1999; stdnum applies the code's start year",
    ),
    (
        "region_created_after_birth",
        "code created after the birth year: registered later, legitimate (core-rules §2)",
    ),
    (
        "region_name_gap",
        "birth year in a gap between two names of one code; in force later, so as above (region.rs)",
    ),
    (
        "unpublished_but_issued",
        "code on region::UNPUBLISHED_BUT_ISSUED (core-rules §2); stdnum lacks it or has it ended",
    ),
    (
        "birth_after_today",
        "birth date after today 2026-11-23; stdnum does not check",
    ),
    (
        "birth_before_1870",
        "birth year before EARLIEST_BIRTH_YEAR 1870; stdnum does not check",
    ),
    (
        "taiwan_gb_code",
        "Taiwan's GB/T 2260 code 710000 on a resident number; permits use 830000 (strict refuses)",
    ),
];

/// Which documented rule explains a disagreement between `stdnum` and our strict `ours`.
fn explain(number: &str, stdnum: &str, ours: &str) -> Option<&'static str> {
    let f = Facts::of(number)?;
    let today = today();
    let stdnum_refuses_region = stdnum_class(stdnum) == "component";
    let stdnum_accepts = stdnum == "valid";
    let province = f.code / 10_000;
    if ours == "valid" && stdnum_refuses_region {
        if f.first == b'9' {
            return (!region::is_province(province)).then_some("foreigner_card_2023");
        }
        if f.code == 830_000 {
            return region::lookup(f.code).is_none().then_some("permit_830000");
        }
        let status = f.status()?;
        if matches!(f.code, 810_000 | 820_000) {
            return matches!(status, RegionStatus::CreatedAfterBirth { .. })
                .then_some("permit_before_handover");
        }
        return match status {
            RegionStatus::CreatedAfterBirth { .. } => Some("region_created_after_birth"),
            RegionStatus::InForce => {
                let year = f.year()?;
                region::lookup(f.code)
                    .is_some_and(|r| r.name_in(year).is_none())
                    .then_some("region_name_gap")
            }
            RegionStatus::Unpublished => region::UNPUBLISHED_BUT_ISSUED
                .contains(&f.code)
                .then_some("unpublished_but_issued"),
            _ => None,
        };
    }
    if stdnum_accepts {
        return match ours {
            "birth_date:after_today" if f.birth? > today => Some("birth_after_today"),
            "birth_date:too_early" if f.year()? < id_card::EARLIEST_BIRTH_YEAR => {
                Some("birth_before_1870")
            }
            "region:taiwan_gb_code" if province == 71 => Some("taiwan_gb_code"),
            _ => None,
        };
    }
    None
}

/// Renders the two count tables (also pasted into fixtures/README.md).
fn tables(
    by_explanation: &BTreeMap<(&'static str, String, String), usize>,
    crosstab: &BTreeMap<(String, String, &'static str), usize>,
    total: usize,
) -> String {
    let mut out = String::new();
    out.push_str("| explanation | python-stdnum | shiming (strict) | rows | rule |\n");
    out.push_str("| --- | --- | --- | ---: | --- |\n");
    let mut disagreements = 0;
    for (name, rule) in EXPLANATIONS {
        for ((n, stdnum, ours), count) in by_explanation.iter().filter(|((n, ..), _)| n == name) {
            out.push_str(&format!("| {n} | {stdnum} | {ours} | {count} | {rule} |\n"));
            disagreements += count;
        }
    }
    out.push_str(&format!(
        "| **total disagreements** | | | **{disagreements}** | of {total} rows |\n"
    ));
    out.push('\n');
    out.push_str("| python-stdnum | shiming (strict) | rows | explanation |\n");
    out.push_str("| --- | --- | ---: | --- |\n");
    for ((stdnum, ours, explanation), count) in crosstab {
        out.push_str(&format!(
            "| {stdnum} | {ours} | {count} | {explanation} |\n"
        ));
    }
    out
}

#[test]
fn crosscheck_corpus_agrees_with_stdnum_or_is_explained() {
    let rows = rows();
    assert!(
        rows.len() >= MIN_ROWS,
        "only {} rows, need at least {MIN_ROWS}",
        rows.len()
    );
    let lenient = ValidationOptions::new(today());
    let strict = lenient.strict(true);

    let mut changed = Vec::new();
    let mut unexplained = Vec::new();
    let mut by_explanation: BTreeMap<(&'static str, String, String), usize> = BTreeMap::new();
    let mut crosstab: BTreeMap<(String, String, &'static str), usize> = BTreeMap::new();
    for row in &rows {
        let now = (
            verdict(&row.number, &lenient),
            verdict(&row.number, &strict),
        );
        if now != (row.lenient.clone(), row.strict.clone()) {
            changed.push(format!(
                "{}: recorded {}/{}, now {}/{}",
                mask_id(&row.number),
                row.lenient,
                row.strict,
                now.0,
                now.1
            ));
        }
        let explanation = if stdnum_class(&row.stdnum) == our_class(&row.strict) {
            "agree"
        } else if let Some(name) = explain(&row.number, &row.stdnum, &row.strict) {
            *by_explanation
                .entry((name, row.stdnum.clone(), row.strict.clone()))
                .or_default() += 1;
            name
        } else {
            unexplained.push(format!(
                "{}: stdnum {}, shiming strict {}",
                mask_id(&row.number),
                row.stdnum,
                row.strict
            ));
            "UNEXPLAINED"
        };
        *crosstab
            .entry((row.stdnum.clone(), row.strict.clone(), explanation))
            .or_default() += 1;
    }
    assert!(
        changed.is_empty(),
        "{} verdicts changed since the corpus was made (lenient/strict); first: {:#?}",
        changed.len(),
        &changed[..changed.len().min(20)]
    );
    assert!(
        unexplained.is_empty(),
        "{} disagreements with python-stdnum have no documented explanation; first: {:#?}",
        unexplained.len(),
        &unexplained[..unexplained.len().min(20)]
    );

    let table = tables(&by_explanation, &crosstab, rows.len());
    insta::assert_snapshot!("crosscheck_counts", table);
    let readme_path = fixtures().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
    assert!(
        readme.contains(&table),
        "{} does not contain the current counts tables; paste them from \
         tests/snapshots/crosscheck__crosscheck_counts.snap",
        readme_path.display()
    );
}

#[test]
fn explanations_need_the_right_number() {
    // Explanations come from the number, not from a label: a valid mainland number from an
    // in-force region that stdnum refused would stay unexplained.
    let n = id_card::generate::resident(110101, Date::new(1990, 3, 7).unwrap(), 123).unwrap();
    assert_eq!(explain(&n, "InvalidComponent", "valid"), None);
    let n = id_card::generate::resident(441282, Date::new(1981, 1, 1).unwrap(), 1).unwrap();
    assert_eq!(
        explain(&n, "InvalidComponent", "valid"),
        Some("region_created_after_birth")
    );
    let n = id_card::generate::resident(110101, Date::new(2030, 1, 1).unwrap(), 1).unwrap();
    assert_eq!(
        explain(&n, "valid", "birth_date:after_today"),
        Some("birth_after_today")
    );
    assert_eq!(
        explain(&n, "InvalidChecksum", "birth_date:after_today"),
        None
    );
}
