//! `cargo xtask people [--check]`: regenerates `fixtures/people.tsv`, the registry of synthetic
//! people the mock market answers from (parsed by `crates/mock-market/src/registry.rs`).
//!
//! Deterministic: fixed examples first (stable notes used by `fixtures/README.md`), then a
//! population drawn from fixed seeds — ID numbers from [`Synthetic`] (valid check character,
//! region in force at birth), Chinese names from small lists of common characters (given
//! names chosen by the sex the ID number encodes), mobiles across the four carriers' personal
//! segments plus a few virtual-operator ones, some people without a mobile. Every row is
//! validated with shiming-core before the file is written. With `--check`, compares instead of
//! writing and fails when the file is out of date.

use std::collections::HashSet;
use std::fmt::Write as _;

use shiming_core::id_card::generate::{self, Synthetic};
use shiming_core::id_card::{self, ValidationOptions};
use shiming_core::mobile::{self, MobileKind};
use shiming_core::region::{self, RegionStatus};
use shiming_core::{name, Carrier, Date};

use crate::util::{self, Result};

/// Where the registry is written, relative to the workspace root.
const FIXTURE: &str = "fixtures/people.tsv";

/// The fixed "today" every ID number is validated against.
const TODAY: (u16, u8, u8) = (2026, 11, 23);

/// How many people the generated population has (after the examples).
const POPULATION: usize = 200;

/// Seed of the ID-number stream.
const SEED_IDS: u64 = 20_261_123;

/// Seed of the stream choosing names, mobiles and who has one.
const SEED_PICKS: u64 = 0x5348_494D_494E_4701;

/// A valid ID number that is deliberately not registered (the NoRecord example).
const NO_RECORD: Example = Example {
    note: "",
    name: "",
    region: 110_108,
    birth: (1985, 10, 10),
    sequence: 19,
    mobile: None,
};

/// A documented example row with a stable note.
struct Example {
    note: &'static str,
    name: &'static str,
    region: u32,
    birth: (u16, u8, u8),
    /// Odd for men, even for women (the 17th digit).
    sequence: u16,
    mobile: Option<&'static str>,
}

/// The rows at the top of the file, referred to by `fixtures/README.md`; keep them stable.
const EXAMPLES: &[Example] = &[
    Example {
        note: "match-example",
        name: "陈思远",
        region: 330_106,
        birth: (1988, 5, 16),
        sequence: 71,
        mobile: Some("13957120001"),
    },
    Example {
        note: "china-unicom-example",
        name: "刘晓燕",
        region: 440_305,
        birth: (1995, 11, 2),
        sequence: 82,
        mobile: Some("18675510002"),
    },
    Example {
        note: "china-telecom-example",
        name: "赵建国",
        region: 110_106,
        birth: (1972, 8, 21),
        sequence: 133,
        mobile: Some("18980660003"),
    },
    Example {
        note: "china-broadnet-example",
        name: "孙佳怡",
        region: 320_106,
        birth: (2001, 1, 30),
        sequence: 44,
        mobile: Some("19251580004"),
    },
    Example {
        note: "mvno-mobile",
        name: "周子轩",
        region: 420_106,
        birth: (1999, 6, 12),
        sequence: 215,
        mobile: Some("17092710005"),
    },
    Example {
        note: "no-mobile",
        name: "吴秀英",
        region: 110_102,
        birth: (1956, 4, 9),
        sequence: 26,
        mobile: None,
    },
    Example {
        note: "minority-name",
        name: "买买提·艾力",
        region: 650_102,
        birth: (1983, 9, 15),
        sequence: 17,
        mobile: Some("13899120006"),
    },
    Example {
        note: "rare-character",
        name: "李䶮",
        region: 440_104,
        birth: (1990, 12, 1),
        sequence: 39,
        mobile: Some("13726000007"),
    },
    Example {
        note: "compound-surname",
        name: "欧阳文博",
        region: 360_102,
        birth: (1984, 2, 29),
        sequence: 55,
        mobile: Some("15079100008"),
    },
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任",
    "卢", "姚", "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾", "夏",
];

const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "阳", "建", "国", "志", "博",
];

const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "英", "萍", "红", "燕", "婷", "雪",
    "琳", "晶", "倩", "颖", "慧", "莉", "丹", "欣", "怡", "佳", "蕾", "梅", "琴", "洁", "悦", "萱",
];

/// Uyghur personal names (first part of a `·` name) and fathers' names (second part).
const MINORITY_MALE: &[&str] = &["艾尔肯", "阿不都", "库尔班", "依明", "艾山", "吐尔洪"];
const MINORITY_FEMALE: &[&str] = &["阿依古丽", "努尔古丽", "帕提古丽", "热依拉", "阿依努尔"];
const MINORITY_FATHER: &[&str] = &["吐尔逊", "阿不都拉", "热合曼", "卡德尔", "玉素甫", "依明"];

/// Personal segments per carrier (all allocated, none overridden by a satellite or data range).
const SEGMENTS: &[(Carrier, &[&str])] = &[
    (
        Carrier::ChinaMobile,
        &[
            "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "172",
            "178", "182", "183", "184", "187", "188", "195", "197", "198",
        ],
    ),
    (
        Carrier::ChinaUnicom,
        &[
            "130", "131", "132", "155", "156", "166", "175", "176", "185", "186", "196",
        ],
    ),
    (
        Carrier::ChinaTelecom,
        &[
            "133", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199",
        ],
    ),
    (Carrier::ChinaBroadnet, &["192", "1610"]),
];

/// Virtual-operator (MVNO) segments.
const VIRTUAL: &[&str] = &["1700", "1703", "1705", "1709", "171", "162", "165", "167"];

pub fn run(args: &[String]) -> Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask people [--check]".into()),
    };
    let text = render()?;
    let path = util::root().join(FIXTURE);
    if check {
        let current = std::fs::read_to_string(&path)?;
        if current != text {
            return Err(format!("{FIXTURE} is out of date: run `cargo xtask people`").into());
        }
        eprintln!("{FIXTURE} is up to date");
        return Ok(());
    }
    std::fs::write(&path, &text)?;
    let people = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .count()
        .saturating_sub(1);
    eprintln!("wrote {people} people to {}", path.display());
    Ok(())
}

struct Row {
    name: String,
    id_card: String,
    mobile: Option<String>,
    note: String,
}

/// The whole file.
fn render() -> Result<String> {
    let today = Date::new(TODAY.0, TODAY.1, TODAY.2)?;
    let options = ValidationOptions::new(today).strict(true);
    let no_record = example_id(&NO_RECORD)?;

    let mut rows = Vec::new();
    for e in EXAMPLES {
        rows.push(Row {
            name: e.name.to_string(),
            id_card: example_id(e)?,
            mobile: e.mobile.map(str::to_string),
            note: e.note.to_string(),
        });
    }
    population(&mut rows, &no_record)?;

    let mut ids = HashSet::new();
    let mut mobiles = HashSet::new();
    for r in &rows {
        check_row(r, &options)?;
        if r.id_card == no_record || !ids.insert(r.id_card.clone()) {
            return Err(format!("ID number of {:?} repeated", r.note).into());
        }
        if let Some(m) = &r.mobile {
            if !mobiles.insert(m.clone()) {
                return Err(format!("mobile of {:?} repeated", r.note).into());
            }
        }
    }
    id_card::parse(&no_record, &options)?;

    let mut out = String::new();
    header(&mut out, rows.len(), &no_record);
    out.push_str("name\tid_card\tmobile\tnote\n");
    for r in &rows {
        let mobile = r.mobile.as_deref().unwrap_or("");
        writeln!(out, "{}\t{}\t{mobile}\t{}", r.name, r.id_card, r.note)?;
    }
    Ok(out)
}

fn header(out: &mut String, rows: usize, no_record: &str) {
    let _ = write!(
        out,
        "\
# The people registry of shiming-mock-market ({rows} people).
# SYNTHETIC: made by a program, these are not real people. A generated ID number or mobile can
# coincide with a real person's by chance: use them for tests only, never against a paid API.
# Regenerate (deterministic, same bytes every run): cargo xtask people  (xtask/src/people.rs)
# Columns: name; id_card (18 characters, valid check character, region in force at birth,
# valid under shiming-core's strict rules with today {y:04}-{m:02}-{d:02}); mobile (valid per
# shiming_core::mobile::parse, registered to this person; empty: no mobile, two elements
# only); note. Rows with a plain note are the examples of fixtures/README.md, keep them
# stable; `gen:` rows are the generated population, the note says the mobile's carrier.
# Deliberately absent (the NoRecord example): {no_record}
",
        y = TODAY.0,
        m = TODAY.1,
        d = TODAY.2,
    );
}

fn example_id(e: &Example) -> Result<String> {
    let (y, m, d) = e.birth;
    let birth = Date::new(y, m, d)?;
    if region::status_at_birth(e.region, y) != RegionStatus::InForce {
        return Err(format!(
            "example {:?}: region {} not in force in {y}",
            e.note, e.region
        )
        .into());
    }
    Ok(generate::resident(e.region, birth, e.sequence)?)
}

/// Validates one row with shiming-core, as the test in `crates/mock-market` does.
fn check_row(r: &Row, options: &ValidationOptions) -> Result<()> {
    let at = |what: &str| format!("row {:?} ({}): {what}", r.note, r.name);
    let id = id_card::parse(&r.id_card, options).map_err(|e| at(&e.to_string()))?;
    if id.expose() != r.id_card {
        return Err(at("ID number not in normal form").into());
    }
    if id.region_status() != RegionStatus::InForce {
        return Err(at("region not in force at birth").into());
    }
    let parsed = name::parse(&r.name).map_err(|e| at(&e.to_string()))?;
    if parsed.expose() != r.name {
        return Err(at("name not in normal form").into());
    }
    if let Some(m) = &r.mobile {
        let parsed = mobile::parse(m).map_err(|e| at(&e.to_string()))?;
        if parsed.expose() != m {
            return Err(at("mobile not in normal form").into());
        }
        if !matches!(parsed.kind(), MobileKind::Personal | MobileKind::Virtual) {
            return Err(at("mobile neither personal nor virtual").into());
        }
    }
    Ok(())
}

/// The generated people, appended to `rows`.
fn population(rows: &mut Vec<Row>, no_record: &str) -> Result<()> {
    let mut ids = Synthetic::new(SEED_IDS);
    let mut picks = Synthetic::new(SEED_PICKS);
    let mut taken: HashSet<String> = rows.iter().map(|r| r.id_card.clone()).collect();
    taken.insert(no_record.to_string());
    let mut mobiles: HashSet<String> = rows.iter().filter_map(|r| r.mobile.clone()).collect();

    for i in 0..POPULATION {
        // A few Uyghur names with `·`, with ID numbers issued in Xinjiang (65xxxx).
        let minority = i % 50 == 17;
        let id_card = loop {
            let id = ids.next().ok_or("the synthetic stream ended")?;
            if (!minority || id.starts_with("65")) && !taken.contains(&id) {
                break id;
            }
        };
        taken.insert(id_card.clone());
        let male = id_card.as_bytes()[16] % 2 == 1;
        let name = if minority {
            let own = pick(
                &mut picks,
                if male { MINORITY_MALE } else { MINORITY_FEMALE },
            );
            format!("{own}·{}", pick(&mut picks, MINORITY_FATHER))
        } else {
            let given = if male { GIVEN_MALE } else { GIVEN_FEMALE };
            let mut n = pick(&mut picks, SURNAMES).to_string();
            n.push_str(pick(&mut picks, given));
            if picks.below(10) < 7 {
                n.push_str(pick(&mut picks, given));
            }
            n
        };
        let (mobile, note) = match picks.below(100) {
            0..=14 => (None, "gen:no-mobile".to_string()),
            roll => {
                let (segments, want): (&[&str], Option<Carrier>) = match roll {
                    15..=54 => (SEGMENTS[0].1, Some(SEGMENTS[0].0)),
                    55..=74 => (SEGMENTS[1].1, Some(SEGMENTS[1].0)),
                    75..=91 => (SEGMENTS[2].1, Some(SEGMENTS[2].0)),
                    92..=95 => (SEGMENTS[3].1, Some(SEGMENTS[3].0)),
                    _ => (VIRTUAL, None),
                };
                let m = loop {
                    let prefix = pick(&mut picks, segments);
                    let m = number(&mut picks, prefix);
                    let Ok(parsed) = mobile::parse(&m) else {
                        continue;
                    };
                    let fits = match want {
                        Some(c) => parsed.kind() == MobileKind::Personal && parsed.carrier() == c,
                        None => parsed.is_virtual(),
                    };
                    if fits && !mobiles.contains(&m) {
                        break parsed;
                    }
                };
                let note = if m.is_virtual() {
                    format!("gen:virtual:{}", m.carrier().code())
                } else {
                    format!("gen:{}", m.carrier().code())
                };
                mobiles.insert(m.expose().to_string());
                (Some(m.expose().to_string()), note)
            }
        };
        rows.push(Row {
            name,
            id_card,
            mobile,
            note,
        });
    }
    Ok(())
}

fn pick<'a>(rng: &mut Synthetic, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len() as u64) as usize]
}

/// `prefix` followed by random digits up to 11.
fn number(rng: &mut Synthetic, prefix: &str) -> String {
    let mut m = prefix.to_string();
    while m.len() < 11 {
        m.push(char::from(b'0' + rng.below(10) as u8));
    }
    m
}
