//! A fleet of `shiming batch` workers, as processes, sharing one real `redis-server` and one
//! mock market: one rate limit (the market never throttles), one dedupe cache (each person is
//! charged once however many workers check them), one budget ledger (the fleet stops at the
//! budget; `--resume` finishes), no personal data at rest in Redis, and the failures of a
//! fleet — Redis killed mid-run (fail closed, or sent at the fallback rate), a worker killed
//! while it holds a check's claim (a waiter takes over after the lease; the killed worker's
//! row is reported as possibly charged, never re-sent).
//!
//! Every process is bounded by a timeout and killed on overrun (a test failure). The tests run
//! one at a time (a lock), so that the rates they measure are not skewed by each other on a
//! small machine. The figures are printed with `fleet:` for `--nocapture`.
#![cfg(feature = "redis")]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use shiming_core::mask;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, JournalEntry, MarketConfig, MockHandle, MockMarket, Throttle};
use shiming_test_support::redis::RedisServer;

/// The mock market's registry of synthetic people.
const REGISTRY: &str = include_str!("../../mock-market/fixtures/people.tsv");
const PEPPER: &str = "a-fleet-test-pepper-of-at-least-thirty-two-bytes";
/// The fleet's configured tel3 rate, and the mock market's flow control: the same.
const QPS: u32 = 25;
/// tel3's price in the workers' configuration, in 厘 (0.200 CNY).
const PRICE_LI: u64 = 200;
const COLUMNS: &str =
    "line,verdict,error_kind,vendor,billed,cost,request_id,tried,detail,message,cached";

/// One test at a time: four workers per test already fill two cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Person {
    name: String,
    id_card: String,
    mobile: String,
}

impl Person {
    /// What the mock market's (masked) journal shows of this person.
    fn shown(&self) -> [String; 3] {
        [
            mask::mask_name(&self.name),
            mask::mask_id(&self.id_card),
            mask::mask_mobile(&self.mobile),
        ]
    }

    fn values(&self) -> [&str; 3] {
        [&self.name, &self.id_card, &self.mobile]
    }
}

/// `n` registry people with a mobile of a carrier (three-element checks that every carrier
/// answers), each told apart from every other by what the market's masked journal shows.
fn population(n: usize) -> Vec<Person> {
    let all: Vec<Person> = REGISTRY
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() == 4 && c[3].starts_with("gen:china_") && !c[2].is_empty()).then(|| Person {
                name: c[0].to_string(),
                id_card: c[1].to_string(),
                mobile: c[2].to_string(),
            })
        })
        .collect();
    let mut seen: HashMap<[String; 3], usize> = HashMap::new();
    for p in &all {
        *seen.entry(p.shown()).or_default() += 1;
    }
    let people: Vec<Person> = all.into_iter().filter(|p| seen[&p.shown()] == 1).collect();
    assert!(
        people.len() >= n,
        "the registry has {} distinguishable people, {n} needed",
        people.len()
    );
    people.into_iter().take(n).collect()
}

/// A deterministic shuffle (xorshift), so that the workers meet the shared people in
/// different orders.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

/// Worker `k` of `workers`: `rows` of `crowd` (each person missing from some workers when
/// `rows` < the crowd), in an order of its own.
fn share(crowd: &[Person], k: usize, workers: usize, rows: usize) -> Vec<Person> {
    let offset = k * crowd.len() / workers;
    let mut mine: Vec<Person> = (0..rows)
        .map(|j| crowd[(offset + j) % crowd.len()].clone())
        .collect();
    shuffle(&mut mine, k as u64 + 1);
    mine
}

fn distinct(inputs: &[Vec<Person>]) -> BTreeSet<&Person> {
    inputs.iter().flatten().collect()
}

impl PartialOrd for Person {
    fn partial_cmp(&self, other: &Person) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Person {
    fn cmp(&self, other: &Person) -> std::cmp::Ordering {
        self.id_card
            .cmp(&other.id_card)
            .then_with(|| self.name.cmp(&other.name))
    }
}

/// A fresh, empty directory.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fleet-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The workers' configuration: the shared store with the cache, tel3 at [`PRICE_LI`] and
/// [`QPS`], and what a test adds to `[store]` and `[vendors.tel3]`.
fn write_config(dir: &Path, redis: &RedisServer, store: &str, tel3: &str) -> PathBuf {
    let path = dir.join("shiming.toml");
    let text = format!(
        "[store]\nurl = \"{}\"\nledger = \"fleet\"\ncache = true\nmax_wait_seconds = 10\n{store}\n\n\
         [vendors.tel3]\nprice = \"0.200\"\nqps = {QPS}\n{tel3}\n",
        redis.url()
    );
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// A mock market that throttles at [`QPS`] per credential and product, as the marketplace
/// does, and journals every request.
fn throttled_market() -> MockHandle {
    MockMarket::builder()
        .config(MarketConfig {
            throttle: Some(Throttle {
                per_second: QPS,
                vpc_style: false,
            }),
            journal_capacity: 100_000,
            ..MarketConfig::default()
        })
        .start()
        .expect("mock market")
}

/// `shiming` with the environment's `SHIMING*` variables removed and the pepper set.
fn shiming() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shiming"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SHIMING") {
            c.env_remove(key);
        }
    }
    c.env("SHIMING_CACHE_PEPPER", PEPPER);
    c
}

/// One batch worker: its directory (`in.csv`, `out.csv`, the stderr of each run) and people.
struct Worker {
    dir: PathBuf,
    people: Vec<Person>,
}

impl Worker {
    fn new(base: &Path, name: &str, people: Vec<Person>) -> Worker {
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).expect("a worker directory");
        let file = std::fs::File::create(dir.join("in.csv")).expect("create the input");
        let mut w = std::io::BufWriter::new(file);
        w.write_all(b"name,id_card,mobile\n").expect("write");
        for p in &people {
            writeln!(w, "{},{},{}", p.name, p.id_card, p.mobile).expect("write");
        }
        w.flush().expect("flush");
        Worker { dir, people }
    }

    /// Starts `shiming batch` on this worker's input (tel3 only, at the mock market).
    fn spawn(&self, m: &MockHandle, config: &Path, run: &str, extra: &[&str]) -> Child {
        let out = |kind: &str| {
            std::fs::File::create(self.dir.join(format!("{run}.{kind}")))
                .expect("a file for the worker's output")
        };
        let mut c = shiming();
        c.current_dir(&self.dir)
            .args(["batch", "--input", "in.csv", "--output", "out.csv"])
            .args(["--endpoint", &m.url(), "--appcode", DEMO_APPCODE])
            .args(["--vendor", "tel3", "--config"])
            .arg(config)
            .args(extra)
            .args(if extra.contains(&"--concurrency") {
                &[][..]
            } else {
                &["--concurrency", "4"][..]
            })
            .stdin(Stdio::null())
            .stdout(out("stdout"))
            .stderr(out("stderr"));
        c.spawn().expect("spawn shiming batch")
    }

    /// What run `run` printed on stderr (and stdout), checked for personal data.
    fn stderr(&self, run: &str) -> String {
        let read = |kind: &str| {
            std::fs::read_to_string(self.dir.join(format!("{run}.{kind}"))).unwrap_or_default()
        };
        let (err, out) = (read("stderr"), read("stdout"));
        for p in &self.people {
            for value in p.values() {
                assert!(
                    !err.contains(value) && !out.contains(value),
                    "the worker's output shows an input value in full: {err}\n{out}"
                );
            }
        }
        err
    }

    fn out(&self) -> PathBuf {
        self.dir.join("out.csv")
    }

    fn rows(&self) -> Vec<Row> {
        read_rows(&self.out())
    }

    /// Output rows written so far (complete lines, header excepted).
    fn written(&self) -> usize {
        std::fs::read(self.out())
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
            .saturating_sub(1)
    }
}

/// Waits for `child`, at most `limit`; past that it is killed and the test fails.
fn finish(mut child: Child, limit: Duration, what: &str) -> i32 {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("poll the worker") {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}, killed (it hangs)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One output row.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    verdict: String,
    error_kind: String,
    billed: String,
    cost: String,
    cached: String,
}

fn read_rows(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).expect("open the output");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header.join(","), COLUMNS, "{}", path.display());
    reader
        .records()
        .map(|r| {
            let r = r.expect("a well-formed output row");
            let f = |i: usize| r.get(i).expect("a field").to_string();
            Row {
                line: f(0).parse().expect("a line number"),
                verdict: f(1),
                error_kind: f(2),
                billed: f(4),
                cost: f(5),
                cached: f(10),
            }
        })
        .collect()
}

/// Every input line (2..=rows+1) has exactly one row; returns them by line.
fn one_row_per_line(rows: &[Row], inputs: usize, what: &str) -> BTreeMap<u64, Row> {
    let mut by_line = BTreeMap::new();
    for r in rows {
        assert!(
            by_line.insert(r.line, r.clone()).is_none(),
            "{what}: line {} has two rows",
            r.line
        );
    }
    assert!(
        by_line.keys().copied().eq(2..=inputs as u64 + 1),
        "{what}: rows for lines {:?}, expected 2..={}",
        by_line.keys().collect::<Vec<_>>(),
        inputs + 1
    );
    by_line
}

/// A row with a verdict: billed once at the price, or answered by the cache for nothing.
fn assert_verdict(r: &Row, what: &str) {
    assert!(
        !r.verdict.is_empty() && r.error_kind.is_empty(),
        "{what}: line {} has no verdict: {r:?}",
        r.line
    );
    match r.cached.as_str() {
        "yes" => assert_eq!(
            (r.billed.as_str(), r.cost.as_str()),
            ("no", "0.000"),
            "{r:?}"
        ),
        "no" => assert_eq!(
            (r.billed.as_str(), r.cost.as_str()),
            ("yes", "0.200"),
            "{r:?}"
        ),
        other => panic!("{what}: cached is {other:?}: {r:?}"),
    }
}

/// The values of a journal entry's (masked) parameters.
fn shown_values(entry: &JournalEntry) -> BTreeSet<&str> {
    entry
        .params
        .split('&')
        .filter_map(|pair| pair.split_once('=').map(|(_, v)| v))
        .collect()
}

/// The market's requests per person (each request tied to the one person it shows); a
/// request for nobody in `people` fails.
fn requests_per_person<'a>(
    journal: &'a [JournalEntry],
    people: &[&Person],
) -> HashMap<Person, Vec<&'a JournalEntry>> {
    let shown: Vec<([String; 3], &Person)> = people.iter().map(|p| (p.shown(), *p)).collect();
    let mut per: HashMap<Person, Vec<&JournalEntry>> = HashMap::new();
    for entry in journal {
        let values = shown_values(entry);
        let who = shown
            .iter()
            .find(|(s, _)| s.iter().all(|v| values.contains(v.as_str())))
            .map(|(_, p)| (*p).clone())
            .unwrap_or_else(|| panic!("a request for nobody of the inputs: {entry:?}"));
        per.entry(who).or_default().push(entry);
    }
    per
}

fn throttled(journal: &[JournalEntry]) -> usize {
    journal
        .iter()
        .filter(|e| {
            e.gateway_error
                .as_deref()
                .is_some_and(|g| g.contains("Throttled"))
        })
        .count()
}

/// For the first throttled requests, the arrivals of the requests before each, in
/// milliseconds after the first of them (what the market's one-second window saw).
fn throttle_context(journal: &[JournalEntry]) -> String {
    let mut out = String::new();
    for (i, e) in journal.iter().enumerate() {
        if out.lines().count() >= 3 {
            out += "…\n";
            break;
        }
        if e.gateway_error
            .as_deref()
            .is_some_and(|g| g.contains("Throttled"))
        {
            let before = &journal[i.saturating_sub(30)..=i];
            let first = before[0].received_at_ms;
            let times: Vec<i64> = before
                .iter()
                .map(|x| x.received_at_ms as i64 - first as i64)
                .collect();
            out += &format!("throttled request {i}: arrivals (ms) {times:?}\n");
        }
    }
    out
}

fn charged(journal: &[JournalEntry]) -> u64 {
    journal.iter().filter(|e| e.charged).count() as u64
}

/// The average rate over the arrivals (per second), and the most arrivals in any window of
/// one second ([t, t + 1000 ms)).
fn rates(arrivals_ms: &[u64]) -> (f64, usize) {
    let mut t = arrivals_ms.to_vec();
    t.sort_unstable();
    let average = match (t.first(), t.last()) {
        (Some(first), Some(last)) if last > first => {
            (t.len() - 1) as f64 * 1000.0 / (last - first) as f64
        }
        _ => 0.0,
    };
    let mut most = 0;
    let mut start = 0;
    for end in 0..t.len() {
        while t[end] >= t[start] + 1000 {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    (average, most)
}

/// Now, in milliseconds since 1970 (the market journal's clock).
fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as u64
}

/// 厘 as the ledger writes CNY: `1.200`.
fn cny(li: u64) -> String {
    format!("{}.{:03}", li / 1000, li % 1000)
}

/// `shiming usage --json` of the workers' store and ledger.
fn usage(config: &Path) -> Value {
    let out = shiming()
        .args(["usage", "--json", "--config"])
        .arg(config)
        .output()
        .expect("run shiming usage");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn ledger_li(usage: &Value, field: &str) -> u64 {
    let text = usage["overall"]["total"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no overall total {field}: {usage}"));
    let (whole, frac) = text.split_once('.').unwrap_or((text, "0"));
    whole.parse::<u64>().expect("CNY") * 1000
        + format!("{frac:0<3}")[..3].parse::<u64>().expect("厘")
}

/// Every key and value in Redis, as text (lossy: the values searched for are UTF-8).
fn dump_redis(url: &str) -> Vec<(String, String)> {
    let client = redis::Client::open(url).expect("a Redis URL");
    let mut con = client.get_connection().expect("connect to Redis");
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(1000)
            .query(&mut con)
            .expect("SCAN");
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    let text = |parts: Vec<Vec<u8>>| -> String {
        parts
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect::<Vec<_>>()
            .join("\u{1}")
    };
    let mut dump = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE").arg(&key).query(&mut con).expect("TYPE");
        let value = match kind.as_str() {
            "string" => {
                let v: Option<Vec<u8>> = redis::cmd("GET").arg(&key).query(&mut con).expect("GET");
                text(v.into_iter().collect())
            }
            "hash" => text(
                redis::cmd("HGETALL")
                    .arg(&key)
                    .query(&mut con)
                    .expect("HGETALL"),
            ),
            "set" => text(
                redis::cmd("SMEMBERS")
                    .arg(&key)
                    .query(&mut con)
                    .expect("SMEMBERS"),
            ),
            "zset" => text(
                redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES")
                    .query(&mut con)
                    .expect("ZRANGE"),
            ),
            "list" => text(
                redis::cmd("LRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query(&mut con)
                    .expect("LRANGE"),
            ),
            // Expired between SCAN and TYPE.
            "none" => continue,
            other => panic!(
                "a key of type {other} the scan cannot read: {}",
                String::from_utf8_lossy(&key)
            ),
        };
        dump.push((String::from_utf8_lossy(&key).into_owned(), value));
    }
    dump
}

/// Everything that would give a person away: each value, its JSON `\u` and percent escapes,
/// and the lowercase and uppercase hex MD5, SHA-1 and SHA-256 of it.
fn giveaways(people: &[&Person]) -> Vec<String> {
    let mut out = Vec::new();
    for p in people {
        for value in p.values() {
            let mut forms = vec![value.to_string(), value.to_lowercase()];
            if !value.is_ascii() {
                forms.push(
                    value
                        .chars()
                        .map(|c| format!("\\u{:04x}", c as u32))
                        .collect(),
                );
                forms.push(
                    value
                        .chars()
                        .map(|c| format!("\\u{:04X}", c as u32))
                        .collect(),
                );
                forms.push(value.bytes().map(|b| format!("%{b:02X}")).collect());
            }
            let hashes = [
                format!("{:x}", Md5::digest(value.as_bytes())),
                format!("{:x}", Sha1::digest(value.as_bytes())),
                format!("{:x}", Sha256::digest(value.as_bytes())),
            ];
            for h in hashes {
                forms.push(h.to_uppercase());
                forms.push(h);
            }
            out.extend(forms);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Scans Redis and fails when any key or value shows a giveaway; the number of keys.
fn assert_nothing_personal(url: &str, giveaways: &[String]) -> (usize, Vec<(String, String)>) {
    let dump = dump_redis(url);
    for (key, value) in &dump {
        assert!(
            key.starts_with("shiming:"),
            "a key outside shiming's: {key}"
        );
        for g in giveaways {
            assert!(
                !key.contains(g.as_str()) && !value.contains(g.as_str()),
                "Redis holds personal data (or a plain hash of it) {g:?} at {key}: {value}"
            );
        }
    }
    (dump.len(), dump)
}

/// Four workers on shared people, one Redis, a market throttling at the configured qps:
/// not one request throttled, each person charged exactly once, every row one result, the
/// cache's rows marked as such, the rate at the market within the limit, and the ledger's
/// spend equal to what the market charged.
#[test]
fn four_workers_share_one_rate_limit_one_cache_and_one_ledger() {
    let _serial = serial();
    let Some(redis) =
        RedisServer::start("four_workers_share_one_rate_limit_one_cache_and_one_ledger")
    else {
        return;
    };
    let m = throttled_market();
    let base = scratch("shared");
    let config = write_config(&base, &redis, "", "");
    let crowd = population(80);
    let workers: Vec<Worker> = (0..4)
        .map(|k| Worker::new(&base, &format!("w{k}"), share(&crowd, k, 4, 60)))
        .collect();
    let inputs: Vec<Vec<Person>> = workers.iter().map(|w| w.people.clone()).collect();
    let people = distinct(&inputs);
    let rows_in: usize = inputs.iter().map(Vec::len).sum();

    let started = Instant::now();
    let children: Vec<Child> = workers
        .iter()
        .map(|w| w.spawn(&m, &config, "run", &[]))
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .enumerate()
        .map(|(k, c)| finish(c, Duration::from_secs(60), &format!("worker {k}")))
        .collect();
    let elapsed = started.elapsed();
    for (k, code) in codes.iter().enumerate() {
        assert_eq!(
            *code,
            0,
            "worker {k}: {}\n{}",
            workers[k].stderr("run"),
            throttle_context(&m.journal())
        );
    }

    let mut cached_rows = 0usize;
    let mut sent_rows = 0u64;
    for (k, w) in workers.iter().enumerate() {
        let what = format!("worker {k}");
        w.stderr("run");
        let rows = one_row_per_line(&w.rows(), w.people.len(), &what);
        for r in rows.values() {
            assert_verdict(r, &what);
        }
        cached_rows += rows.values().filter(|r| r.cached == "yes").count();
        sent_rows += rows.values().filter(|r| r.cached == "no").count() as u64;
    }

    let journal = m.journal();
    let list: Vec<&Person> = people.iter().copied().collect();
    let per = requests_per_person(&journal, &list);
    let received = journal.len() as u64;
    let charged_calls = charged(&journal);
    let throttled_calls = throttled(&journal);
    let arrivals: Vec<u64> = journal.iter().map(|e| e.received_at_ms).collect();
    let (average, most) = rates(&arrivals);
    let u = usage(&config);
    let spent = ledger_li(&u, "spent");
    let hits = u["overall"]["cache_hits"].as_u64().expect("cache_hits");
    eprintln!(
        "fleet: shared: {} workers, {rows_in} rows, {} distinct people; market received {received}, \
         charged {charged_calls}, throttled {throttled_calls}; rows sent {sent_rows}, cached {cached_rows} \
         (ledger cache hits {hits}); ledger spent {} CNY vs market cost {} CNY; rate {average:.1}/s \
         on average, at most {most} in one second (limit {QPS}); {:.1} s",
        workers.len(),
        people.len(),
        cny(spent),
        cny(charged_calls * PRICE_LI),
        elapsed.as_secs_f64()
    );

    assert_eq!(
        throttled_calls,
        0,
        "the market throttled the fleet:\n{}",
        throttle_context(&journal)
    );
    assert_eq!(
        (received, charged_calls),
        (people.len() as u64, people.len() as u64),
        "each distinct person reaches the market and is charged once"
    );
    for p in &people {
        let requests = per.get(*p).map_or(0, Vec::len);
        assert_eq!(
            requests,
            1,
            "{:?} reached the market {requests} times",
            p.shown()
        );
    }
    assert_eq!(
        sent_rows, charged_calls,
        "the rows not cached are the calls charged"
    );
    assert_eq!(cached_rows + sent_rows as usize, rows_in);
    assert!(cached_rows > 0, "shared people were answered by the cache");
    assert_eq!(
        hits, cached_rows as u64,
        "the ledger counts every cached row"
    );
    assert!(
        average <= f64::from(QPS) * 1.05,
        "the fleet's average rate {average:.1}/s passes the limit {QPS}"
    );
    // The limiter spaces calls on the Redis clock, the market counts them on its own: one
    // call of arrival jitter is measurement, not a breach.
    assert!(most <= QPS as usize + 1, "{most} calls within one second");
    assert_eq!(
        spent,
        charged_calls * PRICE_LI,
        "ledger spend vs market cost"
    );
    assert_eq!(ledger_li(&u, "may_have_been_charged"), 0, "{u}");
    assert_eq!(ledger_li(&u, "reserved"), 0, "{u}");
    drop(redis);
    let _ = std::fs::remove_dir_all(&base);
}

/// While four workers run and after, no Redis key or value holds a name, ID number or
/// mobile of the input, nor a plain MD5, SHA-1 or SHA-256 of one — claims in flight included.
#[test]
fn redis_holds_no_personal_data_nor_a_plain_hash_of_it() {
    let _serial = serial();
    let Some(redis) = RedisServer::start("redis_holds_no_personal_data_nor_a_plain_hash_of_it")
    else {
        return;
    };
    let m = throttled_market();
    // Slow answers keep claims and reservations live while Redis is scanned.
    m.queue_fault(
        Fault::Latency(Duration::from_millis(300)),
        12,
        Some(shiming_mock_market::Vendor::Tel3),
    );
    let base = scratch("at-rest");
    let config = write_config(&base, &redis, "", "");
    let crowd = population(30);
    let workers: Vec<Worker> = (0..4)
        .map(|k| Worker::new(&base, &format!("w{k}"), share(&crowd, k, 4, 25)))
        .collect();
    let inputs: Vec<Vec<Person>> = workers.iter().map(|w| w.people.clone()).collect();
    let people: Vec<&Person> = distinct(&inputs).into_iter().collect();
    let giveaways = giveaways(&people);

    let mut children: Vec<Option<Child>> = workers
        .iter()
        .map(|w| Some(w.spawn(&m, &config, "run", &[])))
        .collect();
    let (mut scans, mut keys_seen, mut claims_seen) = (0usize, 0usize, 0usize);
    let deadline = Instant::now() + Duration::from_secs(60);
    while children.iter().any(Option::is_some) {
        let (keys, dump) = assert_nothing_personal(&redis.url(), &giveaways);
        scans += 1;
        keys_seen += keys;
        claims_seen += dump.iter().filter(|(_, v)| v.starts_with("claim:")).count();
        for (k, slot) in children.iter_mut().enumerate() {
            if let Some(child) = slot {
                if let Some(status) = child.try_wait().expect("poll") {
                    assert_eq!(
                        status.code(),
                        Some(0),
                        "worker {k}: {}\n{}",
                        workers[k].stderr("run"),
                        throttle_context(&m.journal())
                    );
                    *slot = None;
                }
            }
        }
        if Instant::now() > deadline {
            for child in children.iter_mut().flatten() {
                let _ = child.kill();
                let _ = child.wait();
            }
            panic!("the workers still run after 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for w in &workers {
        w.stderr("run");
    }
    let journal = m.journal();
    assert_eq!(
        throttled(&journal),
        0,
        "the market throttled the fleet:\n{}",
        throttle_context(&journal)
    );
    let (keys, dump) = assert_nothing_personal(&redis.url(), &giveaways);
    let cache_entries = dump
        .iter()
        .filter(|(k, _)| k.starts_with("shiming:c:"))
        .count();
    let ledger_keys = dump
        .iter()
        .filter(|(k, _)| k.starts_with("shiming:ledger:"))
        .count();
    eprintln!(
        "fleet: at rest: {} distinct people, {} giveaways searched; {scans} scans during the run \
         ({keys_seen} keys, {claims_seen} live claims); after: {keys} keys scanned \
         ({cache_entries} cache entries, {ledger_keys} ledger keys); none personal",
        people.len(),
        giveaways.len()
    );
    assert!(scans >= 2, "Redis was scanned while the workers ran");
    assert_eq!(
        cache_entries,
        people.len(),
        "one cache entry per person: the scan read the cache"
    );
    assert!(ledger_keys > 0, "the scan read the ledger");
    drop(redis);
    let _ = std::fs::remove_dir_all(&base);
}

/// A budget shared by four workers stops the fleet within one price of it, each worker
/// saying to `--resume`; `--resume` with a larger budget finishes every row, and no person is
/// billed twice.
#[test]
fn a_shared_budget_stops_the_fleet_and_resume_finishes_it() {
    let _serial = serial();
    let Some(redis) = RedisServer::start("a_shared_budget_stops_the_fleet_and_resume_finishes_it")
    else {
        return;
    };
    let m = throttled_market();
    let base = scratch("budget");
    let config = write_config(&base, &redis, "", "");
    let crowd = population(40);
    let workers: Vec<Worker> = (0..4)
        .map(|k| Worker::new(&base, &format!("w{k}"), share(&crowd, k, 4, 30)))
        .collect();
    let inputs: Vec<Vec<Person>> = workers.iter().map(|w| w.people.clone()).collect();
    let people: Vec<&Person> = distinct(&inputs).into_iter().collect();
    const BUDGET_LI: u64 = 2_000;
    let budget = cny(BUDGET_LI);

    let started = Instant::now();
    let children: Vec<Child> = workers
        .iter()
        .map(|w| w.spawn(&m, &config, "first", &["--budget", &budget]))
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .enumerate()
        .map(|(k, c)| finish(c, Duration::from_secs(60), &format!("worker {k}")))
        .collect();
    let stopped_after = started.elapsed();
    let first_charged = charged(&m.journal());
    let first_rows: usize = workers.iter().map(Worker::written).sum();
    let u = usage(&config);
    eprintln!(
        "fleet: budget {budget} CNY over {} workers ({} distinct people): stopped after {:.1} s \
         with {first_charged} calls charged = {} CNY (ledger spent {}, reserved {}), {first_rows} \
         rows written, exit codes {codes:?}",
        workers.len(),
        people.len(),
        stopped_after.as_secs_f64(),
        cny(first_charged * PRICE_LI),
        u["overall"]["total"]["spent"],
        u["overall"]["total"]["reserved"],
    );
    for (k, w) in workers.iter().enumerate() {
        let err = w.stderr("first");
        assert_eq!(codes[k], 3, "worker {k} stops early (exit 3): {err}");
        assert!(
            err.contains("stopped early: budget_exhausted")
                && err.contains(&format!(
                    "continue with --resume and a --budget above {budget} CNY"
                )),
            "worker {k}: {err}"
        );
        for r in w.rows() {
            assert_verdict(&r, &format!("worker {k}"));
        }
    }
    assert!(
        first_charged * PRICE_LI <= BUDGET_LI,
        "the fleet spent {} of a {budget} CNY budget",
        cny(first_charged * PRICE_LI)
    );
    assert!(
        first_charged * PRICE_LI + PRICE_LI >= BUDGET_LI,
        "the fleet stopped at {} CNY, more than one price under the {budget} CNY budget",
        cny(first_charged * PRICE_LI)
    );
    assert_eq!(ledger_li(&u, "spent"), first_charged * PRICE_LI, "{u}");
    assert_eq!(ledger_li(&u, "reserved"), 0, "{u}");
    assert_eq!(throttled(&m.journal()), 0);

    let children: Vec<Child> = workers
        .iter()
        .map(|w| w.spawn(&m, &config, "resume", &["--budget", "100", "--resume"]))
        .collect();
    for (k, child) in children.into_iter().enumerate() {
        let code = finish(
            child,
            Duration::from_secs(60),
            &format!("worker {k} --resume"),
        );
        assert_eq!(code, 0, "worker {k}: {}", workers[k].stderr("resume"));
    }
    for (k, w) in workers.iter().enumerate() {
        w.stderr("resume");
        for r in one_row_per_line(&w.rows(), w.people.len(), &format!("worker {k}")).values() {
            assert_verdict(r, &format!("worker {k}"));
        }
    }
    let journal = m.journal();
    let per = requests_per_person(&journal, &people);
    let total = charged(&journal);
    let u = usage(&config);
    eprintln!(
        "fleet: budget: after --resume {total} calls charged for {} distinct people; ledger spent {} \
         CNY vs market cost {} CNY",
        people.len(),
        u["overall"]["total"]["spent"],
        cny(total * PRICE_LI)
    );
    assert_eq!(
        total,
        people.len() as u64,
        "each person charged once in all"
    );
    for p in &people {
        let n = per.get(*p).map_or(0, Vec::len);
        assert_eq!(n, 1, "{:?} reached the market {n} times", p.shown());
    }
    assert_eq!(ledger_li(&u, "spent"), total * PRICE_LI, "{u}");
    drop(redis);
    let _ = std::fs::remove_dir_all(&base);
}

/// Redis killed (SIGKILL) while four workers run, ledger down = refuse: every worker stops
/// promptly, fail closed — nothing sent uncounted is lost, nothing charged twice — and says
/// the store failed; with Redis back, `--resume` finishes every row.
#[test]
fn redis_killed_mid_run_fails_closed_and_resume_finishes() {
    let _serial = serial();
    let Some(mut redis) =
        RedisServer::start("redis_killed_mid_run_fails_closed_and_resume_finishes")
    else {
        return;
    };
    let m = throttled_market();
    let base = scratch("redis-killed");
    let config = write_config(&base, &redis, "", "");
    // Disjoint inputs: every row is its own person, so "charged once" is per row even after
    // the restarted Redis has forgotten the cache.
    let crowd = population(80);
    let workers: Vec<Worker> = (0..4)
        .map(|k| {
            Worker::new(
                &base,
                &format!("w{k}"),
                crowd[k * 20..(k + 1) * 20].to_vec(),
            )
        })
        .collect();
    let people: Vec<&Person> = crowd.iter().collect();

    let children: Vec<Child> = workers
        .iter()
        .map(|w| w.spawn(&m, &config, "first", &[]))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while workers.iter().map(Worker::written).sum::<usize>() < 12 {
        assert!(Instant::now() < deadline, "no progress before the kill");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill_ms = unix_ms();
    redis.kill();
    let killed = Instant::now();
    let written_at_kill: usize = workers.iter().map(Worker::written).sum();
    let mut stops = Vec::new();
    for (k, child) in children.into_iter().enumerate() {
        let code = finish(
            child,
            Duration::from_secs(30),
            &format!("worker {k} after the kill"),
        );
        stops.push((code, killed.elapsed()));
    }
    let written: usize = workers.iter().map(Worker::written).sum();
    let charged_then = charged(&m.journal());
    let sent_after = m
        .journal()
        .iter()
        .filter(|e| e.received_at_ms > kill_ms)
        .count();
    eprintln!(
        "fleet: redis killed after {written_at_kill} rows: workers stopped (exit code, seconds \
         after the kill) {:?}; {written} rows written, {charged_then} calls charged, \
         {sent_after} of them sent after the kill (checks reserved before it)",
        stops
            .iter()
            .map(|(c, t)| (*c, (t.as_secs_f64() * 10.0).round() / 10.0))
            .collect::<Vec<_>>()
    );
    // Fail closed: after the kill only the checks already begun (reserved) may go out — at
    // most each worker's concurrency — and nothing new.
    assert!(
        sent_after <= 4 * 4,
        "{sent_after} calls sent after the ledger went down"
    );
    let mut stopped = 0;
    for (k, w) in workers.iter().enumerate() {
        let err = w.stderr("first");
        let (code, after) = stops[k];
        assert!(
            after < Duration::from_secs(10),
            "worker {k} took {after:?} to stop"
        );
        if code == 0 {
            // Finished before the kill reached it.
            one_row_per_line(&w.rows(), w.people.len(), &format!("worker {k}"));
            continue;
        }
        stopped += 1;
        assert_eq!(code, 3, "worker {k}: {err}");
        assert!(
            err.contains("shiming: warning: the store's") && err.contains("failed"),
            "worker {k} says the store failed: {err}"
        );
        assert!(
            err.contains("the store's ledger failed")
                && err.contains("the budget ledger cannot be reached"),
            "worker {k} refuses paid calls while the ledger is down: {err}"
        );
        for r in w.rows() {
            assert_verdict(&r, &format!("worker {k}"));
        }
    }
    assert!(stopped > 0, "the kill stopped workers mid-run");
    assert_eq!(
        charged_then, written as u64,
        "every call charged has its row: nothing was sent uncounted and lost"
    );

    redis.restart();
    let children: Vec<Child> = workers
        .iter()
        .map(|w| w.spawn(&m, &config, "resume", &["--resume"]))
        .collect();
    for (k, child) in children.into_iter().enumerate() {
        let code = finish(
            child,
            Duration::from_secs(60),
            &format!("worker {k} --resume"),
        );
        assert_eq!(code, 0, "worker {k}: {}", workers[k].stderr("resume"));
    }
    for (k, w) in workers.iter().enumerate() {
        w.stderr("resume");
        for r in one_row_per_line(&w.rows(), w.people.len(), &format!("worker {k}")).values() {
            assert_verdict(r, &format!("worker {k}"));
            assert_eq!(r.cached, "no", "disjoint inputs: nothing to cache");
        }
    }
    let journal = m.journal();
    let per = requests_per_person(&journal, &people);
    for p in &people {
        let n = per.get(*p).map_or(0, Vec::len);
        assert_eq!(n, 1, "{:?} reached the market {n} times", p.shown());
    }
    assert_eq!(charged(&journal), people.len() as u64);
    assert_eq!(throttled(&journal), 0);
    eprintln!(
        "fleet: redis killed: after restart and --resume, {} rows, {} calls charged, 0 twice",
        people.len(),
        charged(&journal)
    );
    drop(redis);
    let _ = std::fs::remove_dir_all(&base);
}

/// Redis killed with `when_ledger_down = "send"` and a `fallback_qps` share per worker:
/// the calls go on, at about the workers' fallback rates together, and the market throttles
/// none of them.
#[test]
fn redis_killed_with_send_continues_at_the_fallback_rate() {
    let _serial = serial();
    let Some(mut redis) =
        RedisServer::start("redis_killed_with_send_continues_at_the_fallback_rate")
    else {
        return;
    };
    const FALLBACK: u32 = 5;
    let m = throttled_market();
    let base = scratch("redis-send");
    let config = write_config(
        &base,
        &redis,
        "when_ledger_down = \"send\"",
        &format!("fallback_qps = {FALLBACK}"),
    );
    let crowd = population(80);
    let workers: Vec<Worker> = (0..4)
        .map(|k| {
            Worker::new(
                &base,
                &format!("w{k}"),
                crowd[k * 20..(k + 1) * 20].to_vec(),
            )
        })
        .collect();
    let people: Vec<&Person> = crowd.iter().collect();

    // Enough checks in flight that each worker's own limiter, not the dead store's time-outs,
    // sets its pace.
    let children: Vec<Child> = workers
        .iter()
        .map(|w| w.spawn(&m, &config, "run", &["--concurrency", "8"]))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while workers.iter().map(Worker::written).sum::<usize>() < 12 {
        assert!(Instant::now() < deadline, "no progress before the kill");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill_ms = unix_ms();
    redis.kill();
    for (k, child) in children.into_iter().enumerate() {
        let code = finish(child, Duration::from_secs(60), &format!("worker {k}"));
        assert_eq!(code, 0, "worker {k}: {}", workers[k].stderr("run"));
    }
    let mut warned = 0;
    for (k, w) in workers.iter().enumerate() {
        let err = w.stderr("run");
        for r in one_row_per_line(&w.rows(), w.people.len(), &format!("worker {k}")).values() {
            assert_verdict(r, &format!("worker {k}"));
        }
        if err.contains("the store's rate limit failed")
            && err.contains("the store's ledger failed")
        {
            warned += 1;
        }
    }
    let journal = m.journal();
    let per = requests_per_person(&journal, &people);
    for p in &people {
        let n = per.get(*p).map_or(0, Vec::len);
        assert_eq!(n, 1, "{:?} reached the market {n} times", p.shown());
    }
    // After the kill, the permits the fleet booked (at most a second ahead) go first; then the
    // workers' own limiters: the fleet's rate, and each worker's (its requests told apart by
    // its people).
    let after = |who: &dyn Fn(&Person) -> bool| -> Vec<u64> {
        journal
            .iter()
            .filter(|e| e.received_at_ms >= kill_ms + 1_300)
            .filter(|e| {
                per.iter()
                    .any(|(p, es)| who(p) && es.iter().any(|x| std::ptr::eq(*x, *e)))
            })
            .map(|e| e.received_at_ms)
            .collect()
    };
    let fleet = after(&|_| true);
    let (average, most) = rates(&fleet);
    let each: Vec<(usize, f64, usize)> = workers
        .iter()
        .map(|w| {
            let calls = after(&|p| w.people.contains(p));
            let (average, most) = rates(&calls);
            (calls.len(), average, most)
        })
        .collect();
    let fleet_fallback = 4 * FALLBACK;
    eprintln!(
        "fleet: redis killed, ledger down = send: {} calls after the kill at {average:.1}/s on \
         average, at most {most} in one second (fallback {FALLBACK}/s × 4 = {fleet_fallback}); \
         per worker (calls, average/s, most in one second) {:?}; throttled {}; {warned} of 4 \
         workers warned",
        fleet.len(),
        each.iter()
            .map(|(n, a, m)| (*n, (a * 10.0).round() / 10.0, *m))
            .collect::<Vec<_>>(),
        throttled(&journal)
    );
    assert_eq!(throttled(&journal), 0, "the market throttled the fleet");
    assert_eq!(warned, 4, "every worker says the store failed");
    assert!(fleet.len() >= 30, "calls went on after the kill");
    assert!(
        average <= f64::from(fleet_fallback) * 1.1 && most <= fleet_fallback as usize + 4,
        "the fleet's rate without Redis passes its fallback rates"
    );
    for (k, (calls, average, most)) in each.iter().enumerate() {
        assert!(
            *average <= f64::from(FALLBACK) * 1.1 && *most <= FALLBACK as usize + 1,
            "worker {k}: {calls} calls at {average:.1}/s, {most} in one second, over its \
             fallback_qps of {FALLBACK}"
        );
        assert!(
            *average >= f64::from(FALLBACK) * 0.5,
            "worker {k}: {calls} calls at {average:.1}/s: far under its fallback_qps of {FALLBACK}"
        );
    }
    drop(redis);
    let _ = std::fs::remove_dir_all(&base);
}

/// A worker killed (SIGKILL) while it holds a check's claim: a worker waiting for the same
/// person takes over once the lease lapses and completes the row; the killed worker's
/// `--resume` reports that row as possibly charged (billing unknown) without sending it again,
/// and completes its other rows.
#[test]
fn a_killed_claim_holder_is_taken_over_after_the_lease() {
    let _serial = serial();
    let Some(redis) = RedisServer::start("a_killed_claim_holder_is_taken_over_after_the_lease")
    else {
        return;
    };
    const LEASE_MS: u64 = 2_000;
    let m = throttled_market();
    let base = scratch("claim");
    let config = write_config(&base, &redis, "claim_lease_seconds = 2", "");
    let crowd = population(6);
    let (shared, rest) = crowd.split_first().expect("people");
    let mut a_people = vec![shared.clone()];
    a_people.extend(rest.iter().cloned());
    let holder = Worker::new(&base, "holder", a_people);
    let waiter = Worker::new(&base, "waiter", vec![shared.clone()]);
    let people: Vec<&Person> = crowd.iter().collect();

    // The holder's first call is answered only after 30 s: it holds the claim meanwhile.
    m.queue_fault(
        Fault::Latency(Duration::from_secs(30)),
        1,
        Some(shiming_mock_market::Vendor::Tel3),
    );
    let mut a = holder.spawn(&m, &config, "first", &["--concurrency", "1"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while m.journal().is_empty() {
        assert!(Instant::now() < deadline, "the holder's call never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    let b = waiter.spawn(&m, &config, "run", &[]);
    let inflight = waiter.dir.join("out.csv.inflight");
    while !std::fs::read_to_string(&inflight).is_ok_and(|t| t.lines().any(|l| l == "2")) {
        assert!(Instant::now() < deadline, "the waiter never began its row");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Let the waiter find the claim held, then kill the holder.
    std::thread::sleep(Duration::from_millis(300));
    a.kill().expect("kill the holder");
    a.wait().expect("reap the holder");
    let killed = Instant::now();
    let code = finish(b, Duration::from_secs(20), "the waiter");
    let waited = killed.elapsed();
    assert_eq!(code, 0, "{}", waiter.stderr("run"));
    waiter.stderr("run");
    let b_rows = one_row_per_line(&waiter.rows(), 1, "the waiter");
    let b_row = &b_rows[&2];
    assert_verdict(b_row, "the waiter");
    assert_eq!(
        b_row.cached, "no",
        "the waiter sent the check itself: {b_row:?}"
    );

    let journal = m.journal();
    let per = requests_per_person(&journal, &people);
    let shared_calls = &per[shared];
    assert_eq!(shared_calls.len(), 2, "the holder's call and the waiter's");
    let gap = shared_calls[1].received_at_ms - shared_calls[0].received_at_ms;

    // The holder resumes: its row in flight is reported, not sent; the rest are done.
    let resumed = holder.spawn(&m, &config, "resume", &["--resume"]);
    let code = finish(resumed, Duration::from_secs(30), "the holder's --resume");
    let err = holder.stderr("resume");
    assert_eq!(
        code, 3,
        "an interrupted row makes the run incomplete: {err}"
    );
    assert!(
        err.contains(
            "1 row(s) may have been charged without an answer and were NOT sent again: line(s) 2 "
        ),
        "{err}"
    );
    let a_rows = one_row_per_line(&holder.rows(), holder.people.len(), "the holder");
    let interrupted = &a_rows[&2];
    assert_eq!(
        (
            interrupted.error_kind.as_str(),
            interrupted.billed.as_str(),
            interrupted.verdict.as_str()
        ),
        ("may_have_been_charged", "unknown", ""),
        "{interrupted:?}"
    );
    for r in a_rows.values().filter(|r| r.line != 2) {
        assert_verdict(r, "the holder");
    }
    let journal = m.journal();
    let per = requests_per_person(&journal, &people);
    assert_eq!(
        per[shared].len(),
        2,
        "the interrupted row was not sent again"
    );
    for p in rest {
        assert_eq!(per[p].len(), 1, "{:?}", p.shown());
    }
    let cost = charged(&journal) * PRICE_LI;
    let u = usage(&config);
    let committed = ["spent", "may_have_been_charged", "reserved"]
        .iter()
        .map(|f| ledger_li(&u, f))
        .sum::<u64>();
    eprintln!(
        "fleet: claim holder killed: the waiter's call came {gap} ms after the holder's (lease \
         {LEASE_MS} ms), the waiter finished {:.1} s after the kill; holder's --resume: line 2 \
         {} / billed {}; market charged {} CNY; ledger spent {}, may have been charged {}, \
         reserved {}",
        waited.as_secs_f64(),
        interrupted.error_kind,
        interrupted.billed,
        cny(cost),
        u["overall"]["total"]["spent"],
        u["overall"]["total"]["may_have_been_charged"],
        u["overall"]["total"]["reserved"],
    );
    assert!(
        gap + 50 >= LEASE_MS,
        "the waiter took over {gap} ms after the holder's call, before its lease of {LEASE_MS} ms lapsed"
    );
    assert!(
        gap <= 2 * LEASE_MS + 1_000,
        "the waiter took over {gap} ms after the holder's call"
    );
    assert_eq!(
        committed, cost,
        "the ledger counts every call the market may have charged, the killed one included"
    );
    drop(redis);
    let _ = std::fs::remove_dir_all(&base);
}
