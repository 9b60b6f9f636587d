//! The fixtures the mock depends on: the documented vendor bodies (`fixtures/vendors/`,
//! compiled in as [`scenarios`]) and the synthetic people (`fixtures/people.tsv`, the builtin
//! [`Registry`]). See `fixtures/README.md`.
//!
//! Both live in this crate's `fixtures/` directory, which is packaged with the crate; the
//! repository's top-level `fixtures/vendors` and `fixtures/people.tsv` are links to them, and
//! `the_repository_fixtures_are_this_crates` fails if they ever become copies that differ.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use shiming_core::id_card::{self, ValidationOptions};
use shiming_core::mobile::{self, MobileKind};
use shiming_core::{name, Carrier, Date};
use shiming_mock_market::{scenarios, Registry, RegistryVerdict, Vendor, VendorAnswer};

/// This crate's fixtures: what `build.rs` and `src/registry.rs` compile in.
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The repository's top-level `fixtures/` (its README documents these fixtures).
fn repo_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).unwrap_or_else(|e| panic!("{}: {e}", next.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}

/// One source of truth: the repository's `fixtures/vendors` and `fixtures/people.tsv` are
/// links to this crate's files (fixtures/README.md). Should a checkout or a tool turn a link
/// into a copy, the copy must still hold the same bytes, or this fails.
#[test]
fn the_repository_fixtures_are_this_crates() {
    let (ours, repo) = (fixtures(), repo_fixtures());
    let (ours_vendors, repo_vendors) = (tree(&ours.join("vendors")), tree(&repo.join("vendors")));
    assert!(
        ours_vendors.len() > 1,
        "no vendor bodies in {}",
        ours.display()
    );
    assert_eq!(
        ours_vendors.keys().collect::<Vec<_>>(),
        repo_vendors.keys().collect::<Vec<_>>(),
        "fixtures/vendors and crates/mock-market/fixtures/vendors list different files"
    );
    for (file, bytes) in &ours_vendors {
        assert!(
            repo_vendors[file] == *bytes,
            "fixtures/vendors/{} differs from crates/mock-market/fixtures/vendors/{0}",
            file.display()
        );
    }
    assert!(
        fs::read(repo.join("people.tsv")).unwrap() == fs::read(ours.join("people.tsv")).unwrap(),
        "fixtures/people.tsv differs from crates/mock-market/fixtures/people.tsv"
    );
}

/// One row of `fixtures/vendors/manifest.tsv`, read independently of `build.rs`.
#[derive(Debug)]
struct Row {
    api: String,
    name: String,
    status: u16,
    billed: bool,
    seed: String,
    description: String,
}

impl Row {
    fn id(&self) -> String {
        format!("{}/{}", self.api, self.name)
    }
}

fn manifest() -> Vec<Row> {
    let text = fs::read_to_string(fixtures().join("vendors/manifest.tsv")).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some("api\tscenario\tstatus\tbilled\tseed\tdescription")
    );
    lines
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 6, "six columns: {l}");
            Row {
                api: c[0].into(),
                name: c[1].into(),
                status: c[2].parse().unwrap(),
                billed: match c[3] {
                    "yes" => true,
                    "no" => false,
                    other => panic!("billed {other:?}"),
                },
                seed: c[4].into(),
                description: c[5].into(),
            }
        })
        .collect()
}

fn json(body: &[u8]) -> serde_json::Map<String, Value> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => map,
        other => panic!("not a JSON object: {other:?}"),
    }
}

#[test]
fn every_manifest_row_has_its_file_and_every_file_is_listed() {
    let rows = manifest();
    let listed: BTreeSet<String> = rows.iter().map(Row::id).collect();
    assert_eq!(listed.len(), rows.len(), "duplicate scenario");
    let mut files = BTreeSet::new();
    for entry in fs::read_dir(fixtures().join("vendors")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        if file == "manifest.tsv" {
            continue;
        }
        assert!(path.is_dir(), "stray file fixtures/vendors/{file}");
        assert!(Vendor::from_id(&file).is_some(), "unknown api dir {file}");
        for body in fs::read_dir(&path).unwrap() {
            let body = body.unwrap().file_name().into_string().unwrap();
            let stem = body
                .strip_suffix(".json")
                .unwrap_or_else(|| panic!("not .json: {file}/{body}"));
            files.insert(format!("{file}/{stem}"));
        }
    }
    assert_eq!(listed, files);
    for p in Vendor::ALL {
        assert!(listed.contains(&format!("{}/success", p.id())), "{p:?}");
    }
}

#[test]
fn compiled_table_equals_manifest_and_files() {
    let rows = manifest();
    let all = scenarios::all();
    assert_eq!(all.len(), rows.len());
    for (s, r) in all.iter().zip(&rows) {
        assert_eq!(s.id(), r.id());
        assert_eq!(s.status.as_u16(), r.status, "{}", r.id());
        assert_eq!(s.billed, r.billed, "{}", r.id());
        assert_eq!(s.seed, r.seed);
        assert_eq!(s.description, r.description);
        let file = fixtures().join(format!("vendors/{}/{}.json", r.api, r.name));
        assert_eq!(s.body, fs::read(file).unwrap().as_slice(), "{}", r.id());
        assert_eq!(scenarios::find(&r.id()), Some(s));
        let answer = s.answer();
        assert_eq!((answer.status, answer.body.as_ref()), (s.status, s.body));
    }
    assert_eq!(scenarios::find("tel3/"), None);
    assert_eq!(scenarios::find("tel4/success"), None);
    assert_eq!(scenarios::find("TEL3/success"), None);
}

#[test]
fn bodies_are_compact_utf8_json_without_trailing_newline() {
    for s in scenarios::all() {
        let id = s.id();
        let text = std::str::from_utf8(s.body).unwrap_or_else(|e| panic!("{id}: {e}"));
        json(s.body);
        let (mut in_string, mut escaped) = (false, false);
        for c in text.chars() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else {
                assert!(!c.is_whitespace(), "{id}: whitespace outside strings");
            }
        }
    }
}

/// Billing follows the gateway's 2xx rule; only 拇指云 uses 666; sxm3v2's parameter error
/// (`isFee: 0`) is sent with 400 so that the gateway does not charge it either.
#[test]
fn status_and_billing() {
    for s in scenarios::all() {
        assert_eq!(s.billed, s.status.is_success(), "{}", s.id());
        let code = s.status.as_u16();
        match s.api {
            Vendor::Tel3 | Vendor::Sfz2 => assert!(code == 200 || code == 666, "{}", s.id()),
            Vendor::Sxm3v2 if s.name == "fail-params" => assert_eq!(code, 400),
            _ => assert_eq!(code, 200, "{}", s.id()),
        }
        if code == 666 {
            assert_eq!(s.status, VendorAnswer::status_666());
        }
    }
}

fn keys(map: &serde_json::Map<String, Value>) -> BTreeSet<&str> {
    map.keys().map(String::as_str).collect()
}

fn set<'a>(keys: &[&'a str]) -> BTreeSet<&'a str> {
    keys.iter().copied().collect()
}

/// tel3 and sfz2 (拇指云): ok=0 ⇔ 666 and a body of `ok` and `msg` only; ok=1 carries `match`.
#[test]
fn muzhiyun_bodies_agree_with_manifest() {
    for s in scenarios::all() {
        if !matches!(s.api, Vendor::Tel3 | Vendor::Sfz2) {
            continue;
        }
        let (id, b) = (s.id(), json(s.body));
        let ok = b["ok"].as_i64().unwrap();
        assert!(!b["msg"].as_str().unwrap().is_empty(), "{id}");
        assert_eq!(ok == 0, s.status.as_u16() == 666, "{id}");
        assert_eq!(ok == 1, s.status.as_u16() == 200, "{id}");
        if ok == 0 {
            assert!(s.name.starts_with("fail-"), "{id}");
            assert_eq!(keys(&b), set(&["ok", "msg"]), "{id}");
            continue;
        }
        match s.api {
            Vendor::Tel3 => {
                assert_eq!(keys(&b), set(&["ok", "msg", "xm", "sfz", "mob", "match"]));
                let expected = match s.name {
                    "success" => 1,
                    "no-record" => 2,
                    n if n.starts_with("mismatch") => 0,
                    n => panic!("unexpected tel3 ok=1 scenario {n}"),
                };
                assert_eq!(b["match"], expected, "{id}");
            }
            _ => {
                let all = [
                    "ok", "msg", "xm", "sfz", "match", "birthday", "sex", "address",
                ];
                assert_eq!(keys(&b), set(&all));
                assert_eq!(b["match"], s.name == "success", "{id}");
                let msg = b["msg"].as_str().unwrap();
                match s.name {
                    "success" => assert_eq!(msg, "实名信息正确"),
                    "mismatch" => assert!(msg.ends_with("不匹配"), "{id}"),
                    "no-record" => assert!(msg.ends_with("查无记录"), "{id}"),
                    n => panic!("unexpected sfz2 ok=1 scenario {n}"),
                }
            }
        }
    }
    let fail = |api: &str| {
        scenarios::all()
            .iter()
            .filter(|s| s.api.id() == api && s.name.starts_with("fail-"))
            .count()
    };
    assert_eq!(fail("tel3"), 11, "tel3: 11 ok=0 messages in scope");
    assert_eq!(fail("sfz2"), 8, "sfz2: 8 ok=0 messages in scope");
}

/// sjsys: the scenario's code is the body's; the error-code table of seed 002.
#[test]
fn sjsys_bodies_agree_with_manifest() {
    let table = [
        "查询无结果",
        "请求报文解析错误",
        "请求报文错误",
        "请求报文格式有误",
        "用户验证失败",
        "权限不足",
        "手机号码错误",
        "请求报文错误",
        "余额不足，请充值",
        "调用次数不足",
        "访问受限",
        "连接超时",
        "该接口已停用",
        "该用户已停用",
        "系统错误",
        "系统异常",
        "系统繁忙",
        "其他异常",
        "同一参数请求次数超限",
        "接口调用失败",
    ];
    let mut codes = BTreeSet::new();
    for s in scenarios::all().iter().filter(|s| s.api == Vendor::Sjsys) {
        let (id, b) = (s.id(), json(s.body));
        assert_eq!(keys(&b), set(&["code", "message", "data", "seqNo"]), "{id}");
        assert_eq!(b["seqNo"], "4XU29Z4D1704061618", "{id}");
        let code = b["code"].as_str().unwrap();
        if let Some(expected) = s.name.strip_prefix("code-") {
            assert_eq!(code, expected, "{id}");
            let n: usize = code.parse().unwrap();
            assert_eq!(b["message"], table[n - 10001], "{id}");
            assert!(b["data"].is_null(), "{id}");
            codes.insert(n);
            continue;
        }
        assert_eq!(
            (code, &b["message"]),
            ("10000", &Value::from("成功")),
            "{id}"
        );
        let state = match s.name {
            "success" => Value::from("1"),
            "mismatch" => Value::from("2"),
            "abnormal" => Value::from("3"),
            "no-data" => Value::Null,
            n => panic!("unexpected sjsys scenario {n}"),
        };
        let got = if b["data"].is_null() {
            Value::Null
        } else {
            b["data"]["state"].clone()
        };
        assert_eq!(got, state, "{id}");
    }
    assert_eq!(codes, (10001..=10020).collect(), "one body per error code");
}

/// sxm3v2: `code` "200" ⇔ a `data.result`; the channel in the name is the body's.
#[test]
fn sxm3v2_bodies_agree_with_manifest() {
    let mut channels = BTreeSet::new();
    let mut results = BTreeSet::new();
    for s in scenarios::all().iter().filter(|s| s.api == Vendor::Sxm3v2) {
        let (id, b) = (s.id(), json(s.body));
        assert_eq!(
            keys(&b),
            set(&["code", "msg", "isFee", "seqNo", "data"]),
            "{id}"
        );
        if s.name.starts_with("fail-") {
            assert_ne!(b["code"], "200", "{id}");
            assert!(b["data"].is_null(), "{id}");
            assert_eq!(b["isFee"], 0, "{id}");
            continue;
        }
        assert_eq!(b["code"], "200", "{id}");
        assert_eq!(b["isFee"], 1, "{id}");
        let result = b["data"]["result"].as_i64().unwrap();
        let channel = b["data"]["mobileChannel"].as_str().unwrap();
        let expected = match s.name {
            "mismatch" => 2,
            "no-record" => 3,
            n if n == "success" || n.starts_with("success-") => 1,
            n => panic!("unexpected sxm3v2 scenario {n}"),
        };
        assert_eq!(result, expected, "{id}");
        if let Some(ch) = s.name.strip_prefix("success-") {
            assert_eq!(channel, ch, "{id}");
        }
        results.insert(result);
        channels.insert(channel.to_string());
    }
    assert_eq!(results, BTreeSet::from([1, 2, 3]));
    assert_eq!(
        channels,
        ["cmcc", "ctcc", "cucc", "gdcc"].map(String::from).into()
    );
}

/// phonethird: the status in the name is the body's, with the message of seed 004's table.
#[test]
fn phonethird_bodies_agree_with_manifest() {
    let table = BTreeMap::from([
        ("01", "实名认证通过"),
        ("02", "实名认证不通过"),
        ("202", "无法验证"),
        ("203", "异常情况"),
        ("204", "姓名错误"),
        ("205", "身份证号错误"),
        ("206", "电话号码错误"),
        ("207", "不支持当前号段"),
    ]);
    let mut seen = BTreeSet::new();
    for s in scenarios::all()
        .iter()
        .filter(|s| s.api == Vendor::Phonethird)
    {
        let (id, b) = (s.id(), json(s.body));
        let all = [
            "status",
            "msg",
            "idCard",
            "mobile",
            "mobileType",
            "name",
            "traceId",
        ];
        assert_eq!(keys(&b), set(&all), "{id}");
        let status = b["status"].as_str().unwrap();
        let expected = match s.name {
            "success" => "01",
            "mismatch" => "02",
            n => n.strip_prefix("status-").unwrap_or_else(|| panic!("{id}")),
        };
        assert_eq!(status, expected, "{id}");
        assert_eq!(b["msg"], table[status], "{id}");
        assert_eq!(b["traceId"], "20201208001535_9a45ph_5e392391", "{id}");
        seen.insert(status.to_string());
    }
    assert_eq!(seen, table.keys().map(|s| s.to_string()).collect());
}

#[test]
fn documented_failure_example_is_replayed_byte_for_byte() {
    let s = scenarios::find("tel3/fail-mobile").unwrap();
    assert_eq!(s.body, r#"{"ok":0,"msg":"手机号码有误"}"#.as_bytes());
    let answer = s.answer();
    assert_eq!(answer.status.as_u16(), 666);
    assert!(!s.billed);
    assert_eq!(answer.body.as_ref(), s.body);
}

/// Every documented body: any change shows up here.
#[test]
fn snapshot_of_every_scenario() {
    let mut out = String::new();
    for s in scenarios::all() {
        let billed = if s.billed { "billed" } else { "unbilled" };
        let body = std::str::from_utf8(s.body).unwrap();
        writeln!(out, "{} {} {billed}\n{body}\n", s.id(), s.status.as_u16()).unwrap();
    }
    insta::assert_snapshot!("scenarios", out);
}

// ---------------------------------------------------------------------------------------
// The people registry.

/// The NoRecord example of `fixtures/README.md`: valid, deliberately not registered.
const NO_RECORD: &str = "110108198510100190";

fn options() -> ValidationOptions {
    ValidationOptions::new(Date::new(2026, 11, 23).unwrap()).strict(true)
}

fn people_text() -> String {
    fs::read_to_string(fixtures().join("people.tsv")).unwrap()
}

#[test]
fn people_registry_parses_and_is_large_enough() {
    let text = people_text();
    let parsed = Registry::parse(&text).unwrap();
    let rows = text.lines().filter(|l| !l.starts_with('#')).count() - 1;
    assert_eq!(parsed.people().len(), rows);
    assert_eq!(Registry::builtin().people(), parsed.people());
    assert!(rows >= 100, "{rows} people");
}

#[test]
fn every_person_is_valid() {
    let registry = Registry::builtin();
    let mut mobiles = HashSet::new();
    for p in registry.people() {
        let id = id_card::parse(&p.id_card, &options()).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(id.expose(), p.id_card, "{p:?} not normalized");
        let n = name::parse(&p.name).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(n.expose(), p.name, "{p:?} not normalized");
        assert!(!p.note.is_empty() && !p.note.contains(char::is_whitespace));
        if let Some(m) = &p.mobile {
            let parsed = mobile::parse(m).unwrap_or_else(|e| panic!("{p:?}: {e}"));
            assert_eq!(parsed.expose(), m, "{p:?} not normalized");
            assert!(matches!(
                parsed.kind(),
                MobileKind::Personal | MobileKind::Virtual
            ));
            assert!(mobiles.insert(m.clone()), "{p:?}: mobile registered twice");
        }
    }
}

#[test]
fn people_cover_carriers_names_and_two_element_people() {
    let people = Registry::builtin().people().to_vec();
    let carriers: BTreeSet<_> = people
        .iter()
        .filter_map(|p| p.mobile.as_deref())
        .map(|m| mobile::parse(m).unwrap())
        .filter(|m| m.kind() == MobileKind::Personal)
        .map(|m| m.carrier())
        .collect();
    assert_eq!(carriers, Carrier::ALL.into_iter().collect());
    let count =
        |f: &dyn Fn(&shiming_mock_market::Person) -> bool| people.iter().filter(|p| f(p)).count();
    assert!(count(&|p| p.mobile.is_none()) >= 10);
    assert!(count(&|p| p.name.contains('·')) >= 3);
    assert_eq!(count(&|p| p.name.contains('䶮')), 1);
    assert!(count(&|p| p.name.starts_with("欧阳")) >= 1);
    let virtual_mobiles = count(&|p| {
        p.mobile
            .as_deref()
            .is_some_and(|m| mobile::parse(m).unwrap().is_virtual())
    });
    assert!(virtual_mobiles >= 2);
}

fn example(note: &str) -> shiming_mock_market::Person {
    let registry = Registry::builtin();
    let mut found = registry.people().iter().filter(|p| p.note == note);
    let p = found.next().unwrap_or_else(|| panic!("no {note}")).clone();
    assert!(found.next().is_none(), "{note} twice");
    p
}

/// The examples of `fixtures/README.md`: stable notes, one per outcome, and the README shows
/// their data.
#[test]
fn readme_examples() {
    let registry = Registry::builtin();
    let readme = fs::read_to_string(repo_fixtures().join("README.md")).unwrap();

    let m = example("match-example");
    let mobile = m.mobile.clone().unwrap();
    assert_eq!(
        registry.three(&m.name, &m.id_card, &mobile),
        RegistryVerdict::Match
    );
    assert_eq!(registry.two(&m.name, &m.id_card), RegistryVerdict::Match);
    assert_eq!(
        registry.two("陈思源", &m.id_card),
        RegistryVerdict::NameMismatch
    );
    let other = example("china-unicom-example").mobile.unwrap();
    assert_eq!(
        registry.three(&m.name, &m.id_card, &other),
        RegistryVerdict::MobileMismatch
    );

    assert!(id_card::is_valid(NO_RECORD, &options()));
    assert!(registry.by_id(NO_RECORD).is_none());
    assert_eq!(registry.two(&m.name, NO_RECORD), RegistryVerdict::NoRecord);
    assert!(people_text().contains(&format!("(the NoRecord example): {NO_RECORD}\n")));

    let mvno = example("mvno-mobile");
    let mvno_mobile = mvno.mobile.clone().unwrap();
    assert!(mobile::parse(&mvno_mobile).unwrap().is_virtual());
    assert_eq!(
        registry.three(&mvno.name, &mvno.id_card, &mvno_mobile),
        RegistryVerdict::Match
    );

    assert!(example("no-mobile").mobile.is_none());
    assert_eq!(
        mobile::parse(&example("china-broadnet-example").mobile.unwrap())
            .unwrap()
            .carrier(),
        Carrier::ChinaBroadnet
    );

    for shown in [
        m.name.as_str(),
        &m.id_card,
        &mobile,
        "陈思源",
        NO_RECORD,
        &mvno.name,
        &mvno.id_card,
        &mvno_mobile,
        "tel3/fail-mobile",
    ] {
        assert!(
            readme.contains(shown),
            "fixtures/README.md does not show {shown}"
        );
    }
}
