//! `web/fields.tsv`, the console's explanation of each field of the vendors' answer bodies,
//! against what it explains: every field of every body the mock market replays
//! (`../mock-market/fixtures/vendors/<api>/*.json`) has a row, and each description quoted from
//! a vendor document is in that document (`shared/seeds/`, beside the repository).
//!
//! The documents are not in the repository: where they are absent the test says so and skips
//! only the checks that read them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

const COLUMNS: [&str; 7] = ["api", "field", "type", "zh", "en", "seed", "source"];
const APIS: [&str; 5] = ["tel3", "sxm3v2", "sjsys", "sfz2", "phonethird"];

/// One row of the table.
#[derive(Debug)]
struct Row {
    line: usize,
    api: String,
    field: String,
    kind: String,
    zh: String,
    seed: String,
    source: String,
}

impl Row {
    fn derived(&self) -> bool {
        self.source.starts_with("derived: ")
    }
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of `text`, after checking its shape: comments, then exactly the column-name line,
/// then rows of seven non-empty cells with a known api, each (api, field) once.
fn parse(text: &str) -> Result<Vec<Row>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| l.starts_with('#'));
    let (_, header) = lines.next().ok_or("no column-name line")?;
    if header.split('\t').collect::<Vec<_>>() != COLUMNS {
        return Err(format!("column-name line {header:?}, not {COLUMNS:?}"));
    }
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, line) in lines {
        let n = index + 1;
        if line.starts_with('#') {
            return Err(format!("line {n}: a comment among the rows"));
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != COLUMNS.len() {
            return Err(format!("line {n}: {} cells, not 7", cells.len()));
        }
        if let Some(i) = cells.iter().position(|c| c.trim().is_empty()) {
            return Err(format!("line {n}: column {} is empty", COLUMNS[i]));
        }
        if !APIS.contains(&cells[0]) {
            return Err(format!("line {n}: unknown api {:?}", cells[0]));
        }
        if !seen.insert((cells[0], cells[1])) {
            return Err(format!("line {n}: {} {} twice", cells[0], cells[1]));
        }
        rows.push(Row {
            line: n,
            api: cells[0].to_string(),
            field: cells[1].to_string(),
            kind: cells[2].to_string(),
            zh: cells[3].to_string(),
            seed: cells[5].to_string(),
            source: cells[6].to_string(),
        });
    }
    if rows.is_empty() {
        return Err("no rows".to_string());
    }
    Ok(rows)
}

fn rows() -> Vec<Row> {
    let text = fs::read_to_string(crate_dir().join("web/fields.tsv")).unwrap();
    parse(&text).unwrap_or_else(|e| panic!("web/fields.tsv: {e}"))
}

/// Every field path of `value` under `prefix` (`data`, `data.result`, …), with its JSON values.
fn walk(value: &Value, prefix: &str, out: &mut BTreeMap<String, Vec<Value>>) {
    if let Value::Object(map) = value {
        for (key, inner) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            out.entry(path.clone()).or_default().push(inner.clone());
            walk(inner, &path, out);
        }
    }
}

/// Every field of every body the mock market replays for `api`, with the values seen.
fn fixture_fields(api: &str) -> BTreeMap<String, Vec<Value>> {
    let dir = crate_dir()
        .join("../mock-market/fixtures/vendors")
        .join(api);
    let mut fields = BTreeMap::new();
    let mut bodies = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let body: Value = serde_json::from_slice(&fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            walk(&body, "", &mut fields);
            bodies += 1;
        }
    }
    assert!(bodies > 0, "no bodies for {api}");
    fields
}

/// Whether `value` is of the seed's type `kind` (`object` allows `null`: `data: null`).
fn is_of(kind: &str, value: &Value) -> bool {
    match kind {
        "number" => value.is_number(),
        "int" => value.is_i64() || value.is_u64(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object() || value.is_null(),
        _ => false,
    }
}

/// The vendor documents, if they are beside the repository.
fn seeds() -> Option<PathBuf> {
    let dir = crate_dir().join("../../../shared/seeds");
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "the vendor documents are not at {}: descriptions not checked against them",
            dir.display()
        );
        None
    }
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The seeds' index in their README: `` | `000_….txt` | `tel3` | … | `` → tel3 → 000_….txt.
fn seed_index(seeds: &Path) -> BTreeMap<String, String> {
    let readme = fs::read_to_string(seeds.join("README.md")).unwrap();
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let file = cells.get(1)?.strip_prefix('`')?.strip_suffix(".txt`")?;
            let api = cells.get(2)?.trim_matches('`');
            Some((api.to_string(), format!("{file}.txt")))
        })
        .collect()
}

#[test]
fn the_table_parses() {
    let rows = rows();
    let asset = shiming_console_assets::get("fields.tsv").expect("fields.tsv is embedded");
    assert_eq!(
        asset.content_type,
        "text/tab-separated-values; charset=utf-8"
    );
    assert_eq!(
        asset.body,
        fs::read(crate_dir().join("web/fields.tsv")).unwrap()
    );
    for api in APIS {
        assert!(rows.iter().any(|r| r.api == api), "no rows for {api}");
    }
    let bad = "# c\napi\tfield\ttype\tzh\ten\tseed\tsource\ntel3\tok\tnumber\t\tx\ts\tt\n";
    assert!(parse(bad).is_err(), "an empty cell");
    let bad = "api\tfield\ttype\tzh\ten\tseed\n";
    assert!(parse(bad).is_err(), "six columns");
    let bad = "api\tfield\ttype\tzh\ten\tseed\tsource\nx\tok\tn\tz\te\ts\tt\n";
    assert!(parse(bad).is_err(), "an unknown api");
    let row = "tel3\tok\tn\tz\te\ts\tt\n";
    assert!(
        parse(&format!(
            "api\tfield\ttype\tzh\ten\tseed\tsource\n{row}{row}"
        ))
        .is_err(),
        "a field twice"
    );
}

#[test]
fn every_field_the_market_answers_has_a_row_of_its_type() {
    let rows = rows();
    for api in APIS {
        let fields = fixture_fields(api);
        let missing: Vec<&String> = fields
            .keys()
            .filter(|f| !rows.iter().any(|r| r.api == api && &r.field == *f))
            .collect();
        assert!(missing.is_empty(), "{api}: no row for {missing:?}");
        for row in rows.iter().filter(|r| r.api == api) {
            for value in fields.get(&row.field).into_iter().flatten() {
                assert!(
                    is_of(&row.kind, value),
                    "line {}: {api} {} is {:?} but the market answers {value}",
                    row.line,
                    row.field,
                    row.kind
                );
            }
        }
    }
}

#[test]
fn quoted_descriptions_are_the_seeds_words() {
    let Some(seeds) = seeds() else { return };
    let mut texts = BTreeMap::new();
    for row in rows().iter().filter(|r| !r.derived()) {
        let text = texts.entry(row.seed.clone()).or_insert_with(|| {
            let path = seeds.join(&row.seed);
            squeeze(&fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", row.seed)))
        });
        assert!(
            text.contains(&squeeze(&row.zh)),
            "line {}: {} {}'s description {:?} is not in {}",
            row.line,
            row.api,
            row.field,
            row.zh,
            row.seed
        );
        assert!(
            text.contains(&squeeze(row.source.trim_end_matches(" (comment)"))),
            "line {}: {} {}'s source {:?} is not a heading of {}",
            row.line,
            row.api,
            row.field,
            row.source,
            row.seed
        );
    }
}

#[test]
fn each_row_cites_its_apis_seed() {
    let Some(seeds) = seeds() else { return };
    let index = seed_index(&seeds);
    for api in APIS {
        assert!(index.contains_key(api), "the seeds' README names no {api}");
    }
    for row in rows() {
        assert_eq!(
            Some(&row.seed),
            index.get(&row.api),
            "line {}: {} {} cites the wrong seed",
            row.line,
            row.api,
            row.field
        );
    }
}
