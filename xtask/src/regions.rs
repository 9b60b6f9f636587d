//! `cargo xtask regions`: regenerates `crates/core/data/gb2260.tsv`.
//!
//! Source: `stdnum/cn/loc.dat` from the PyPI package python-stdnum (pinned in
//! [`crate::util::STDNUM_PIN`]), itself built from the zh.wikipedia lists
//! "中华人民共和国行政区划代码 (1–8区)" (CC BY-SA 4.0). Successor codes come from a short
//! curated list of district mergers plus a conservative inference (same province, same
//! level, created the year the old code ended, same name stem, exactly one candidate).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::util::{self, Result};

/// One name a code carried over a span of years; 0 means "open" at that end.
#[derive(Debug, Clone)]
struct Span {
    from: u16,
    until: u16,
    name: String,
}

/// District mergers whose successor cannot be inferred from names: (old, new, year).
const CURATED_SUCCESSORS: &[(u32, u32)] = &[
    (110103, 110101), // 崇文区 → 东城区 (2010)
    (110104, 110102), // 宣武区 → 西城区 (2010)
    (120107, 120116), // 塘沽区 → 滨海新区 (2009)
    (120108, 120116), // 汉沽区 → 滨海新区 (2009)
    (120109, 120116), // 大港区 → 滨海新区 (2009)
    (310102, 310101), // 南市区 → 黄浦区 (2000)
    (310103, 310101), // 卢湾区 → 黄浦区 (2011)
    (310108, 310106), // 闸北区 → 静安区 (2015)
    (320103, 320104), // 白下区 → 秦淮区 (2013)
    (320107, 320106), // 下关区 → 鼓楼区 (2013)
    (440102, 440104), // 东山区 → 越秀区 (2005)
    (440107, 440103), // 芳村区 → 荔湾区 (2005)
];

const SUFFIXES: &[&str] = &[
    "特别行政区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "矿区",
    "新区",
    "县",
    "市",
    "区",
    "旗",
    "盟",
];

pub fn run() -> Result<()> {
    let pkg = util::python_stdnum()?;
    let loc = std::fs::read_to_string(pkg.join("stdnum/cn/loc.dat"))?;
    let codes = parse_loc(&loc)?;
    let successors = successors(&codes);
    let out = render(&codes, &successors);
    let path = util::root().join("crates/core/data/gb2260.tsv");
    std::fs::write(&path, out)?;
    eprintln!(
        "wrote {} codes ({} with a successor) to {}",
        codes.len(),
        successors.len(),
        path.display()
    );
    Ok(())
}

fn parse_loc(text: &str) -> Result<BTreeMap<u32, Vec<Span>>> {
    let mut codes: BTreeMap<u32, Vec<Span>> = BTreeMap::new();
    let mut province: Option<u32> = None;
    let mut province_names: BTreeMap<u32, String> = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(' ');
        let line = line.trim();
        let (key, rest) = line
            .split_once(' ')
            .ok_or_else(|| format!("bad line {line:?}"))?;
        let value = rest
            .split_once("=\"")
            .and_then(|(_, v)| v.strip_suffix('"'))
            .ok_or_else(|| format!("bad value in {line:?}"))?;
        let number: u32 = key.parse()?;
        if !indented {
            province = Some(number);
            province_names.insert(number * 10_000, value.to_string());
            continue;
        }
        let p = province.ok_or("county before any province")?;
        let code = p * 10_000 + number;
        let spans = value
            .split(',')
            .map(parse_span)
            .collect::<Result<Vec<_>>>()?;
        codes.entry(code).or_default().extend(spans);
    }
    // Provinces listed without their own `0000` line (none today) still get a row.
    for (code, name) in province_names {
        codes.entry(code).or_insert_with(|| {
            vec![Span {
                from: 0,
                until: 0,
                name,
            }]
        });
    }
    for spans in codes.values_mut() {
        spans.sort_by_key(|s| s.from);
    }
    Ok(codes)
}

/// `[1983-1994]东矿区` or `丰台区`.
fn parse_span(text: &str) -> Result<Span> {
    let Some(rest) = text.strip_prefix('[') else {
        return Ok(Span {
            from: 0,
            until: 0,
            name: text.to_string(),
        });
    };
    let (years, name) = rest
        .split_once(']')
        .ok_or_else(|| format!("bad span {text:?}"))?;
    let (from, until) = years
        .split_once('-')
        .ok_or_else(|| format!("bad years {text:?}"))?;
    let year = |s: &str| -> Result<u16> { Ok(if s.is_empty() { 0 } else { s.parse()? }) };
    Ok(Span {
        from: year(from)?,
        until: year(until)?,
        name: name.to_string(),
    })
}

fn stem(name: &str) -> &str {
    SUFFIXES
        .iter()
        .find_map(|s| {
            name.strip_suffix(s)
                .filter(|rest| rest.chars().count() >= 2)
        })
        .unwrap_or(name)
}

/// Successor per abolished code, with where the link came from.
fn successors(codes: &BTreeMap<u32, Vec<Span>>) -> BTreeMap<u32, (u32, &'static str)> {
    let mut out = BTreeMap::new();
    for &(old, new) in CURATED_SUCCESSORS {
        if codes.contains_key(&old) && codes.contains_key(&new) {
            out.insert(old, (new, "curated"));
        }
    }
    for (&code, spans) in codes {
        let Some(last) = spans.last() else { continue };
        if last.until == 0 || out.contains_key(&code) {
            continue;
        }
        let is_prefecture = code % 100 == 0;
        let old_stem = stem(&last.name);
        let candidates: Vec<u32> = codes
            .iter()
            .filter(|(&c, _)| c != code && c / 10_000 == code / 10_000)
            .filter(|(&c, _)| (c % 100 == 0) == is_prefecture)
            .filter(|(_, s)| {
                s.iter().any(|span| {
                    (span.from == last.until || span.from == last.until + 1)
                        && span.until == 0
                        && stem(&span.name) == old_stem
                })
            })
            .map(|(&c, _)| c)
            .collect();
        if let [only] = candidates[..] {
            out.insert(code, (only, "same_name"));
        }
    }
    out
}

fn render(
    codes: &BTreeMap<u32, Vec<Span>>,
    successors: &BTreeMap<u32, (u32, &'static str)>,
) -> String {
    let mut out = String::new();
    out.push_str(
        "# GB/T 2260 administrative division codes and the years each name was in force.\n\
         # Source: stdnum/cn/loc.dat of the PyPI package ",
    );
    out.push_str(util::STDNUM_PIN);
    out.push_str(
        ", built from the zh.wikipedia lists\n\
         #   \"中华人民共和国行政区划代码 (1区)\" … \"(8区)\", which follow the Ministry of Civil Affairs' publications.\n\
         # Licence of this file: CC BY-SA 4.0 (the Wikipedia lists'); the codes themselves are public facts.\n\
         # Regenerate with: cargo xtask regions\n\
         # Columns: code, from (first year in force; empty = in force before 1980), until (last year in force;\n\
         #   empty = still in force), name, successor (code that took over an abolished code; empty = unknown),\n\
         #   successor_source (curated = a known merger; same_name = created the year this one ended, same name stem).\n\
         # A code with several rows carried several names; rows of one code are in chronological order.\n",
    );
    out.push_str("code\tfrom\tuntil\tname\tsuccessor\tsuccessor_source\n");
    for (code, spans) in codes {
        for (i, span) in spans.iter().enumerate() {
            let year = |y: u16| if y == 0 { String::new() } else { y.to_string() };
            let (succ, source) = match successors.get(code) {
                Some((s, src)) if i + 1 == spans.len() => (s.to_string(), *src),
                _ => (String::new(), ""),
            };
            let _ = writeln!(
                out,
                "{code}\t{}\t{}\t{}\t{succ}\t{source}",
                year(span.from),
                year(span.until),
                span.name
            );
        }
    }
    out
}
