//! `cargo xtask crosscheck`: regenerates `fixtures/id-crosscheck.tsv`.
//!
//! Builds a deterministic corpus of 18-character candidates (fixed seeds, synthetic numbers
//! from [`shiming_core::id_card::generate`] and deliberate mutations of them), asks
//! python-stdnum (pinned in [`crate::util::STDNUM_PIN`]) for its verdict on each, records
//! shiming-core's own lenient and strict verdicts next to it, and writes the table. The
//! integration test `crates/core/tests/crosscheck.rs` re-validates every row and requires each
//! disagreement with python-stdnum to be explained by a documented rule; `fixtures/README.md`
//! describes the file.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use shiming_core::id_card::generate::{self, Synthetic};
use shiming_core::id_card::{self, mod11_2_check, ValidationOptions};
use shiming_core::region::{self, RegionStatus};
use shiming_core::{nationality, Date};

use crate::util::{self, Result};

/// The fixed "today" of the corpus.
const TODAY: (u16, u8, u8) = (2026, 11, 23);

/// Where the corpus is written, relative to the workspace root.
const FIXTURE: &str = "fixtures/id-crosscheck.tsv";

/// Runs `stdnum.cn.ric.validate` on every line of stdin and prints `valid` or the class name
/// of the exception. The first output line is the stdnum version.
const PYTHON: &str = r#"
import sys
import stdnum
from stdnum.cn import ric

if not ric.__file__.startswith(sys.argv[1]):
    sys.exit("stdnum was not loaded from " + sys.argv[1] + " but from " + ric.__file__)
out = [stdnum.__version__]
for line in sys.stdin:
    number = line.rstrip("\n")
    try:
        ric.validate(number)
        out.append("valid")
    except Exception as e:  # KeyError included: stdnum 2.2 raises it for some codes
        out.append(type(e).__name__)
sys.stdout.write("\n".join(out) + "\n")
"#;

pub fn run() -> Result<()> {
    let today = Date::new(TODAY.0, TODAY.1, TODAY.2)?;
    let corpus = build(today)?;
    let pkg = util::python_stdnum()?;
    let (version, stdnum) = stdnum_verdicts(&pkg, &corpus.rows)?;
    let lenient = ValidationOptions::new(today);
    let strict = lenient.strict(true);

    let mut out = String::new();
    header(&mut out, &version, corpus.rows.len());
    out.push_str("number\tstdnum\tshiming_lenient\tshiming_strict\tcategory\n");
    for ((number, category), stdnum) in corpus.rows.iter().zip(&stdnum) {
        writeln!(
            out,
            "{number}\t{stdnum}\t{}\t{}\t{category}",
            verdict(number, &lenient),
            verdict(number, &strict)
        )?;
    }
    let path = util::root().join(FIXTURE);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, out)?;
    eprintln!("wrote {} rows to {}", corpus.rows.len(), path.display());
    for (category, count) in corpus.counts() {
        eprintln!("  {category:<32} {count:>5}");
    }
    Ok(())
}

fn header(out: &mut String, stdnum_version: &str, rows: usize) {
    let lines = [
        "# Cross-check corpus: 18-character Chinese ID numbers, python-stdnum's verdict and shiming-core's.".to_owned(),
        "# Made by `cargo xtask crosscheck` (xtask/src/crosscheck.rs): deterministic, fixed seeds; rerunning it".to_owned(),
        "#   gives the same bytes. Candidates come from shiming_core::id_card::generate (incl. Synthetic) and".to_owned(),
        "#   deliberate mutations (checksum, typos, transpositions, dates, regions); see fixtures/README.md.".to_owned(),
        format!("# Reference: python-stdnum {stdnum_version} (PyPI), stdnum.cn.ric.validate; verdict = `valid` or the exception class."),
        format!(
            "# today = {:04}-{:02}-{:02} (shiming-core refuses later birth dates; python-stdnum does not check).",
            TODAY.0, TODAY.1, TODAY.2
        ),
        "# shiming_lenient / shiming_strict: shiming_core::id_card::parse at generation time, `valid` or".to_owned(),
        "#   `reason` / `reason:detail` (IdError::reason, IdError::detail).".to_owned(),
        format!("# {rows} rows. Checked by crates/core/tests/crosscheck.rs."),
        "# Licence: synthetic data, made by a program; no real people. A generated number can coincide with a".to_owned(),
        "#   real person's by chance: never use these numbers for anything but tests. Same licence as the project.".to_owned(),
    ];
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
}

/// shiming-core's verdict: `valid`, `reason` or `reason:detail`.
fn verdict(number: &str, options: &ValidationOptions) -> String {
    match id_card::parse(number, options) {
        Ok(_) => "valid".to_owned(),
        Err(e) => e.code(),
    }
}

fn stdnum_verdicts(
    pkg: &std::path::Path,
    rows: &[(String, &'static str)],
) -> Result<(String, Vec<String>)> {
    let pkg_s = pkg.to_str().ok_or("non-UTF-8 path")?;
    let mut child = Command::new("python3")
        .args(["-B", "-c", PYTHON, pkg_s])
        .env("PYTHONPATH", pkg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut input = String::new();
    for (number, _) in rows {
        input.push_str(number);
        input.push('\n');
    }
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output()?;
    writer.join().map_err(|_| "stdin writer panicked")??;
    if !output.status.success() {
        return Err(format!("python-stdnum failed: {}", output.status).into());
    }
    let text = String::from_utf8(output.stdout)?;
    let mut lines = text.lines();
    let version = lines.next().ok_or("no output from python")?.to_owned();
    let verdicts: Vec<String> = lines.map(str::to_owned).collect();
    if verdicts.len() != rows.len() {
        return Err(format!(
            "python-stdnum gave {} verdicts for {} numbers",
            verdicts.len(),
            rows.len()
        )
        .into());
    }
    Ok((version, verdicts))
}

/// The candidates in generation order, each with the label of how it was made.
struct Corpus {
    rows: Vec<(String, &'static str)>,
    seen: HashSet<String>,
}

impl Corpus {
    /// Adds `number` unless it is already in the corpus; says whether it was added.
    fn push(&mut self, number: String, category: &'static str) -> bool {
        if number.len() != 18 || !self.seen.insert(number.clone()) {
            return false;
        }
        self.rows.push((number, category));
        true
    }

    fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for (_, category) in &self.rows {
            match counts.iter_mut().find(|(c, _)| c == category) {
                Some((_, n)) => *n += 1,
                None => counts.push((category, 1)),
            }
        }
        counts
    }

    /// Calls `make` until it has added `target` rows of `category` (or given up after many
    /// attempts, which would be a bug in `make`).
    fn fill(
        &mut self,
        category: &'static str,
        target: usize,
        seed: u64,
        mut make: impl FnMut(&mut Synthetic) -> Option<String>,
    ) -> Result<()> {
        let mut rng = Synthetic::new(seed);
        let mut added = 0;
        let mut attempts = 0;
        while added < target {
            attempts += 1;
            if attempts > target * 1_000 {
                return Err(format!("{category}: only {added} of {target} candidates").into());
            }
            if let Some(number) = make(&mut rng) {
                if self.push(number, category) {
                    added += 1;
                }
            }
        }
        Ok(())
    }
}

/// 17 digits plus their MOD 11-2 check character; the parts need not form a valid date or
/// region.
fn with_check(region: u32, yyyymmdd: (u16, u8, u8), sequence: u16) -> Option<String> {
    let (y, m, d) = yyyymmdd;
    let first17 = format!("{region:06}{y:04}{m:02}{d:02}{sequence:03}");
    let bytes: [u8; 17] = first17.as_bytes().try_into().ok()?;
    let check = mod11_2_check(&bytes)?;
    Some(format!("{first17}{}", char::from(check)))
}

fn below(rng: &mut Synthetic, bound: u64) -> u64 {
    rng.below(bound)
}

/// A value in `lo..=hi` (`lo <= hi`).
fn range(rng: &mut Synthetic, lo: u64, hi: u64) -> u64 {
    lo + rng.below(hi - lo + 1)
}

fn sequence(rng: &mut Synthetic) -> u16 {
    below(rng, 1000) as u16
}

/// A real calendar date with the year in `from_year..=to_year`.
fn date_in(rng: &mut Synthetic, from_year: u16, to_year: u16) -> Date {
    loop {
        let year = range(rng, u64::from(from_year), u64::from(to_year)) as u16;
        let month = range(rng, 1, 12) as u8;
        let day = range(rng, 1, 31) as u8;
        if let Ok(d) = Date::new(year, month, day) {
            return d;
        }
    }
}

/// A real calendar date with the year in `from_year..=to_year`, not after `today`.
fn past_date_in(rng: &mut Synthetic, from_year: u16, to_year: u16, today: Date) -> Date {
    loop {
        let d = date_in(rng, from_year, to_year.min(today.year()));
        if d <= today {
            return d;
        }
    }
}

fn random_code(rng: &mut Synthetic) -> u32 {
    region::nth_code(below(rng, region::code_count() as u64) as usize).unwrap_or(110_101)
}

/// Provinces whose codes carry ordinary resident numbers (not Taiwan, Hong Kong, Macau).
fn mainland(code: u32) -> bool {
    !matches!(code / 10_000, 71 | 81 | 82)
}

fn is_leap(year: u16) -> bool {
    Date::new(year, 2, 29).is_ok()
}

/// A valid resident number from the synthetic stream of `rng` (region in force at birth).
fn synthetic(rng: &mut Synthetic) -> Option<String> {
    rng.next()
}

fn build(today: Date) -> Result<Corpus> {
    let mut c = Corpus {
        rows: Vec::new(),
        seen: HashSet::new(),
    };

    // Valid numbers: the Synthetic stream (births 1940–2009, region in force at birth).
    c.fill("valid_synthetic", 3_000, 20_261_123, synthetic)?;

    // Valid numbers over the whole accepted range of years, any code level, in force at birth.
    c.fill("valid_any_year", 1_000, 1, |rng| {
        let code = random_code(rng);
        let birth = past_date_in(rng, 1870, today.year(), today);
        (mainland(code) && region::status_at_birth(code, birth.year()) == RegionStatus::InForce)
            .then(|| generate::resident(code, birth, sequence(rng)).ok())
            .flatten()
    })?;

    // Codes abolished before the birth year (strict mode refuses, lenient warns).
    c.fill("region_abolished_before_birth", 800, 2, |rng| {
        let code = random_code(rng);
        let until = region::lookup(code)?.last_year()?;
        if !mainland(code) || until >= today.year() {
            return None;
        }
        let birth = past_date_in(rng, until + 1, today.year(), today);
        generate::resident(code, birth, sequence(rng)).ok()
    })?;

    // Codes created after the birth year: legitimate (core-rules §2), stdnum rejects them.
    c.fill("region_created_after_birth", 800, 3, |rng| {
        let code = random_code(rng);
        let from = region::lookup(code)?.first_year()?;
        if !mainland(code) || from <= 1900 {
            return None;
        }
        let birth = past_date_in(rng, from.saturating_sub(50).max(1900), from - 1, today);
        generate::resident(code, birth, sequence(rng)).ok()
    })?;

    // Codes whose names leave a gap of years inside their life (treated as in force).
    let gaps = gap_years();
    if !gaps.is_empty() {
        let target = (gaps.len() * 3).min(200);
        c.fill("region_name_gap", target, 4, |rng| {
            let (code, year) = gaps[below(rng, gaps.len() as u64) as usize];
            let birth = date_in(rng, year, year);
            generate::resident(code, birth, sequence(rng)).ok()
        })?;
    }

    // Unpublished-but-issued codes (core-rules §2), 30 births each.
    for (i, &code) in region::UNPUBLISHED_BUT_ISSUED.iter().enumerate() {
        c.fill("unpublished_allow_list", 30, 100 + i as u64, |rng| {
            let birth = past_date_in(rng, 1940, 2020, today);
            generate::resident(code, birth, sequence(rng)).ok()
        })?;
    }

    // Codes not in the table inside a real province (incl. 81/82 besides 810000/820000).
    c.fill("unknown_code_in_province", 600, 5, |rng| {
        let province = random_code(rng) / 10_000;
        let code = province * 10_000 + below(rng, 10_000) as u32;
        let unknown = region::lookup(code).is_none()
            && !region::UNPUBLISHED_BUT_ISSUED.contains(&code)
            && !matches!(code, 810_000 | 820_000)
            && province != 71;
        let birth = past_date_in(rng, 1940, 2020, today);
        unknown
            .then(|| generate::resident(code, birth, sequence(rng)).ok())
            .flatten()
    })?;

    // First two digits that are no province (not 9x: foreigner cards; not 830000: permits).
    c.fill("unknown_province", 400, 6, |rng| {
        let province = below(rng, 90) as u32;
        let code = province * 10_000 + below(rng, 10_000) as u32;
        if region::is_province(province) || code == 830_000 {
            return None;
        }
        let birth = past_date_in(rng, 1940, 2020, today);
        with_check(
            code,
            (birth.year(), birth.month(), birth.day()),
            sequence(rng),
        )
    })?;

    // Valid numbers with another check character.
    let mut base = Synthetic::new(7);
    c.fill("bad_checksum", 800, 8, |rng| {
        let n = base.next()?;
        let wrong = b"0123456789X"[below(rng, 11) as usize];
        (n.as_bytes()[17] != wrong).then(|| format!("{}{}", &n[..17], char::from(wrong)))
    })?;

    // Valid numbers with one character replaced by another digit (or X at the end).
    let mut base = Synthetic::new(9);
    c.fill("typo_single_digit", 1_000, 10, |rng| {
        let n = base.next()?;
        let mut b = n.into_bytes();
        let pos = below(rng, 18) as usize;
        let choices: &[u8] = if pos == 17 {
            b"0123456789X"
        } else {
            b"0123456789"
        };
        let new = choices[below(rng, choices.len() as u64) as usize];
        if b[pos] == new {
            return None;
        }
        b[pos] = new;
        String::from_utf8(b).ok()
    })?;

    // Valid numbers with two different adjacent characters swapped.
    let mut base = Synthetic::new(11);
    c.fill("transposition_adjacent", 800, 12, |rng| {
        let n = base.next()?;
        let mut b = n.into_bytes();
        let pos = below(rng, 17) as usize;
        if b[pos] == b[pos + 1] {
            return None;
        }
        b.swap(pos, pos + 1);
        String::from_utf8(b).ok()
    })?;

    // Dates that do not exist, with a correct check digit.
    c.fill("date_impossible", 600, 13, |rng| {
        let code = random_code(rng);
        if !mainland(code) {
            return None;
        }
        let year = range(rng, 1900, 2025) as u16;
        let ymd = match below(rng, 8) {
            0 => {
                // Feb 29 of a common year (1900 included).
                let y = if below(rng, 10) == 0 { 1900 } else { year };
                if is_leap(y) {
                    return None;
                }
                (y, 2, 29)
            }
            1 => (year, 2, range(rng, 30, 31) as u8),
            2 => (year, [4, 6, 9, 11][below(rng, 4) as usize], 31),
            3 => (year, 13, range(rng, 1, 28) as u8),
            4 => (year, range(rng, 14, 99) as u8, range(rng, 1, 28) as u8),
            5 => (year, 0, range(rng, 1, 28) as u8),
            6 => (year, range(rng, 1, 12) as u8, 0),
            _ => {
                if below(rng, 20) == 0 {
                    (0, range(rng, 1, 12) as u8, range(rng, 1, 28) as u8) // year 0000
                } else {
                    (year, range(rng, 1, 12) as u8, range(rng, 32, 99) as u8)
                }
            }
        };
        with_check(code, ymd, sequence(rng))
    })?;

    // Feb 29 of leap years: real dates (2000 included, a leap century).
    c.fill("date_feb29_leap", 100, 14, |rng| {
        let code = random_code(rng);
        let year = if below(rng, 10) == 0 {
            2000
        } else {
            range(rng, 1904, 2024) as u16
        };
        if !mainland(code) || !is_leap(year) {
            return None;
        }
        let birth = Date::new(year, 2, 29).ok()?;
        (region::status_at_birth(code, year) == RegionStatus::InForce)
            .then(|| generate::resident(code, birth, sequence(rng)).ok())
            .flatten()
    })?;

    // Birth dates after "today" (the day after included); regions in force today.
    c.fill("birth_after_today", 400, 15, |rng| {
        let code = random_code(rng);
        let birth = if below(rng, 20) == 0 {
            Date::new(2026, 11, 24).ok()?
        } else {
            date_in(rng, today.year(), 2099)
        };
        let current = region::lookup(code).is_some_and(|r| r.is_current());
        (mainland(code) && current && birth > today)
            .then(|| generate::resident(code, birth, sequence(rng)).ok())
            .flatten()
    })?;

    // Birth years before 1870 (refused as impossible), mostly with codes open at the start.
    c.fill("birth_before_1870", 300, 16, |rng| {
        let code = random_code(rng);
        let birth = match below(rng, 10) {
            0 => date_in(rng, 1, 999),
            1 => date_in(rng, 1869, 1869),
            _ => date_in(rng, 1000, 1868),
        };
        mainland(code)
            .then(|| generate::resident(code, birth, sequence(rng)).ok())
            .flatten()
    })?;

    // Valid numbers ending in `X`, written with a lower-case `x`.
    let mut base = Synthetic::new(17);
    c.fill("lowercase_x", 300, 18, |_| {
        let n = base.next()?;
        n.strip_suffix('X').map(|s| format!("{s}x"))
    })?;

    // Hong Kong / Macau residents' residence permits, births before and after the handovers.
    c.fill("permit_hk_macau", 400, 19, |rng| {
        let code = if below(rng, 2) == 0 { 810_000 } else { 820_000 };
        let birth = past_date_in(rng, 1930, today.year(), today);
        generate::permit(code, birth, sequence(rng)).ok()
    })?;

    // Taiwan residents' residence permits (830000).
    c.fill("permit_taiwan", 300, 20, |rng| {
        let birth = past_date_in(rng, 1930, today.year(), today);
        generate::permit(830_000, birth, sequence(rng)).ok()
    })?;

    // 2023 foreigner permanent residence cards: real province, ISO numeric nationality.
    c.fill("foreign_2023", 400, 21, |rng| {
        let province = random_code(rng) / 10_000;
        let numeric = range(rng, 4, 894) as u16;
        nationality::by_numeric(numeric)?;
        if !mainland(province * 10_000) {
            return None;
        }
        let birth = past_date_in(rng, 1940, today.year(), today);
        generate::foreign_permanent_2023(province, numeric, birth, sequence(rng)).ok()
    })?;

    // 2023 foreigner cards with an unknown province or nationality part.
    c.fill("foreign_2023_bad_part", 100, 22, |rng| {
        let birth = past_date_in(rng, 1940, today.year(), today);
        let (province, numeric) = if below(rng, 2) == 0 {
            let province = range(rng, 10, 99) as u32;
            if region::is_province(province) {
                return None;
            }
            (province, 156)
        } else {
            let numeric = below(rng, 1000) as u16;
            if nationality::by_numeric(numeric).is_some() {
                return None;
            }
            (31, numeric)
        };
        generate::foreign_permanent_2023(province, numeric, birth, sequence(rng)).ok()
    })?;

    // Resident numbers with Taiwan's GB/T 2260 code: 710000 and other 71xxxx.
    c.fill("taiwan_gb_71", 300, 23, |rng| {
        let code = if below(rng, 2) == 0 {
            710_000
        } else {
            710_000 + range(rng, 1, 9_999) as u32
        };
        let birth = past_date_in(rng, 1940, today.year(), today);
        generate::resident(code, birth, sequence(rng)).ok()
    })?;

    Ok(c)
}

/// `(code, year)` for every year inside a code's life in which it had no name.
fn gap_years() -> Vec<(u32, u16)> {
    let mut gaps = Vec::new();
    for n in 0..region::code_count() {
        let Some(code) = region::nth_code(n) else {
            continue;
        };
        let Some(r) = region::lookup(code) else {
            continue;
        };
        let from = r.first_year().unwrap_or(1980);
        let until = r.last_year().unwrap_or(2026);
        for year in from..=until {
            if r.name_in(year).is_none() {
                gaps.push((code, year));
            }
        }
    }
    gaps
}
