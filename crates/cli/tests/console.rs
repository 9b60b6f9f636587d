//! `shiming console` as a process, over real sockets, against a mock market of the test's own:
//! the page and its files, local validation with masked values, a check through the router
//! (Match for the registry's Match person, charged once at the mock), a local refusal that
//! sends nothing, the ledger, the CSRF rule and the token off loopback.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket, Vendor};
use shiming_test_support::market::{demo_usage, total_usage};

mod common;
use common::{comparable, Console};

const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
const TOKEN: &str = "a-console-token-for-the-tests";

/// `shiming console` against `m` with `extra` arguments and the demo AppCode.
fn console(m: &MockHandle, extra: &[&str]) -> Console {
    let endpoint = m.url();
    let args: Vec<&str> = ["--endpoint", endpoint.as_str()]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    Console::start(&args, Some(DEMO_APPCODE), Stdio::piped())
}

impl Console {
    /// Sends one request; returns the status and the body.
    fn call(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("write");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8(raw).expect("UTF-8");
        let status = text[9..12].parse().expect("a status");
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, body.to_string())
    }

    /// A call of the page: JSON in and out, with the page's CSRF header.
    fn api(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self.call(
            "POST",
            path,
            &[
                ("X-Shiming-Console", "1"),
                ("Content-Type", "application/json"),
            ],
            &body.to_string(),
        );
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }

    fn get(&self, path: &str) -> Value {
        let (status, text) = self.call("GET", path, &[], "");
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Stops the console and returns what it printed on stderr.
    fn stderr(mut self) -> String {
        let _ = self.child.kill();
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        err
    }
}

fn person(vendor: &str, id: &str) -> Value {
    serde_json::json!({ "vendor": vendor, "name": NAME, "id_card": id, "mobile": MOBILE })
}

#[test]
fn the_page_and_its_files_are_served() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &[]);
    let (status, page) = c.call("GET", "/", &[], "");
    assert_eq!(status, 200);
    assert!(page.contains("实名核验控制台"));
    for name in ["app.js", "console.js", "console.css", "favicon.svg"] {
        let (status, _) = c.call("GET", &format!("/{name}"), &[], "");
        assert_eq!(status, 200, "{name}");
    }
    assert_eq!(c.call("GET", "/nothing", &[], "").0, 404);
    let info = c.get("/api/info");
    assert_eq!(info["mode"], "market");
    assert!(info["vendors"].as_array().unwrap().len() >= 4, "{info}");
    assert_eq!(info["store"], "memory");
    // The page never receives a credential.
    assert!(!info.to_string().contains(DEMO_APPCODE));
}

#[test]
fn local_validation_shows_what_it_found_masked() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &[]);
    let (status, v) = c.api("/api/validate", &person("auto", ID));
    assert_eq!(status, 200);
    assert_eq!(v["id_card"]["valid"], true);
    assert_eq!(v["id_card"]["birth_date"], "1988-05-16");
    assert_eq!(v["id_card"]["region"]["county"], "西湖区");
    assert_eq!(v["mobile"]["carrier"], "china_mobile");
    assert_eq!(v["name"]["valid"], true);
    let (_, bad) = c.api("/api/validate", &person("auto", "330106198805160712"));
    assert_eq!(bad["id_card"]["valid"], false);
    assert_eq!(bad["id_card"]["reason"], "checksum");
    let text = format!("{v} {bad}");
    for secret in [ID, MOBILE, NAME] {
        assert!(!text.contains(secret), "validation shows {secret}: {text}");
    }
    assert_eq!(total_usage(&m), (0, 0), "validation sends nothing");
}

#[test]
fn a_check_goes_through_the_router_and_a_refusal_sends_nothing() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &[]);
    let (status, refused) = c.api("/api/check", &person("tel3", "330106198805160712"));
    assert_eq!(status, 200, "a refusal is an answer");
    assert_eq!(refused["error"]["kind"], "invalid_input");
    assert_eq!(total_usage(&m), (0, 0), "a local refusal is never sent");

    let (status, v) = c.api("/api/check", &person("tel3", ID));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["verdict"], "match");
    assert_eq!(v["vendor"], "tel3");
    assert_eq!(v["billed"], true);
    assert_eq!(v["cost"], "0.200");
    assert!(v["request_id"].as_str().is_some());
    assert_eq!(v["identity"]["id_card"], "3301************11");
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));

    let (_, auto) = c.api("/api/check", &person("auto", ID));
    assert_eq!(auto["verdict"], "match");
    let ledger = c.get("/api/usage");
    assert_eq!(ledger["store"], "memory");
    let spent = ledger["overall"]["total"]["spent"].as_str().unwrap();
    let charged: u64 = m.usage().iter().map(|u| u.charged).sum();
    assert_eq!(charged, 2);
    assert_ne!(spent, "0.000");

    let text = format!("{refused} {v} {auto} {ledger}");
    let err = c.stderr();
    for secret in [ID, MOBILE, NAME, "330106198805160712", DEMO_APPCODE] {
        assert!(!text.contains(secret), "an answer shows {secret}");
        assert!(!err.contains(secret), "stderr shows {secret}: {err}");
    }
}

/// 开发者模式: every exchange the check made, as sent and as received — a failover's first
/// vendor too — with the person masked wherever it appears and the AppCode hidden; each
/// product's own request (query, form or JSON body).
#[test]
fn a_check_shows_each_exchange_raw_and_masked() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &["--phonethird-consent"]);
    // The first vendor tried answers 503 (the gateway's, unbilled): the router fails over.
    m.queue_fault(shiming_mock_market::Fault::Unavailable(503), 1, None);
    let (_, v) = c.api("/api/check", &person("auto", ID));
    assert_eq!(v["verdict"], "match", "{v}");
    let exchanges = v["exchanges"].as_array().unwrap();
    assert_eq!(exchanges.len(), 2, "{v}");
    assert_eq!(exchanges[0]["vendor"], v["attempts"][0]["vendor"]);
    assert_ne!(exchanges[0]["vendor"], v["vendor"]);
    assert_eq!(exchanges[0]["status"], 503);
    assert_eq!(exchanges[1]["vendor"], v["vendor"]);
    assert_eq!(exchanges[1]["status"], 200);
    let journaled = m.journal().last().unwrap().body.clone();
    let body = exchanges[1]["response_body"].as_str().unwrap();
    assert_eq!(
        Some(shiming_mock_market::journal::journal_body(body.as_bytes())),
        journaled,
        "the body is the market's own"
    );
    let request_id = exchanges[1]["response_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "x-ca-request-id")
        .map(|h| h[1].clone());
    assert_eq!(request_id, Some(v["request_id"].clone()));

    let mut answers = vec![v.clone()];
    for (vendor, sent) in [
        (
            "tel3",
            "/mobile?xm=%E9%99%88**&sfz=3301************11&mob=139****0001",
        ),
        ("sfz2", "/idcard?xm=%E9%99%88**&sfz=3301************11"),
        ("phonethird", "mobileCheck?"),
        (
            "sjsys",
            "idcard=3301************11&mobile=139****0001&name=%E9%99%88**",
        ),
        ("sxm3v2", r#""name":"陈**""#),
    ] {
        let mut who = person(vendor, ID);
        if vendor == "sfz2" {
            who["mobile"] = Value::Null;
        }
        let (_, v) = c.api("/api/check", &who);
        let exchange = &v["exchanges"][0];
        assert_eq!(
            v["exchanges"].as_array().map(Vec::len),
            Some(1),
            "{vendor}: {v}"
        );
        let shown = format!(
            "{} {}",
            exchange["url"].as_str().unwrap_or_default(),
            exchange["request_body"].as_str().unwrap_or_default()
        );
        assert!(shown.contains(sent), "{vendor}: {shown}");
        assert!(exchange["url"].as_str().unwrap().starts_with(&m.url()));
        assert!(exchange["request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "authorization" || h[0] == "x-ca-key"));
        answers.push(v);
    }
    let text = serde_json::to_string(&answers).unwrap();
    for secret in [ID, MOBILE, NAME, DEMO_APPCODE] {
        assert!(!text.contains(secret), "developer mode shows {secret}");
    }
    for encoded in ["%E9%99%88%E6%80%9D", "%e9%99%88%e6%80%9d", "\\u9648\\u601d"] {
        assert!(
            !text.contains(encoded),
            "developer mode shows the name as {encoded}"
        );
    }
}

#[test]
fn only_the_page_may_check() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &[]);
    let body = person("tel3", ID).to_string();
    let (status, _) = c.call("POST", "/api/check", &[], &body);
    assert_eq!(status, 403);
    let (status, _) = c.call(
        "POST",
        "/api/check",
        &[
            ("X-Shiming-Console", "1"),
            ("Origin", "http://evil.example"),
        ],
        &body,
    );
    assert_eq!(status, 403);
    assert_eq!(total_usage(&m), (0, 0));
}

#[test]
fn off_loopback_the_console_needs_a_token_and_enforces_it() {
    let m = MockMarket::start().unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_shiming"))
        .args(["console", "--listen", "0.0.0.0:0", "--endpoint", &m.url()])
        .env("SHIMING_APPCODE", DEMO_APPCODE)
        .env_remove("SHIMING_CONSOLE_TOKEN")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--token"));

    let c = console(&m, &["--token", TOKEN]);
    assert_eq!(c.call("GET", "/", &[], "").0, 401);
    assert_eq!(c.call("GET", "/api/info", &[], "").0, 401);
    assert_eq!(c.call("GET", &format!("/?token={TOKEN}"), &[], "").0, 200);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        c.call("GET", "/api/info", &[("Authorization", &bearer)], "")
            .0,
        200
    );
    // The files a page loads hold nothing.
    assert_eq!(c.call("GET", "/app.js", &[], "").0, 200);
}

/// A CSV of `rows` checks over the mock registry's people (header name,id_card,mobile).
fn people_csv(rows: usize) -> String {
    let people = shiming_mock_market::Registry::builtin().people().to_vec();
    let mut csv = String::from("name,id_card,mobile\n");
    for i in 0..rows {
        let p = &people[i % people.len()];
        csv.push_str(&format!(
            "{},{},{}\n",
            p.name,
            p.id_card,
            p.mobile.as_deref().unwrap_or("")
        ));
    }
    csv
}

#[test]
fn a_batch_runs_from_the_page_like_shiming_batch() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &[]);
    let input = people_csv(300);
    let (status, text) = c.call(
        "POST",
        "/api/batch?name=people.csv",
        &[("X-Shiming-Console", "1")],
        &input,
    );
    assert_eq!(status, 200, "{text}");
    let job: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(job["state"], "ready", "{job}");
    assert!(job["dry_run"]["estimated_cost"].as_str().is_some(), "{job}");
    assert_eq!(job["dry_run"]["invalid"], serde_json::json!([]));
    assert_eq!(job["total"], 300);
    assert_eq!(total_usage(&m), (0, 0), "a dry run sends nothing");
    let id = job["id"].as_u64().unwrap();

    let (_, started) = c.api(&format!("/api/batch/{id}/start"), &Value::Null);
    assert!(started.get("error").is_none(), "{started}");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let finished = loop {
        let status = c.get(&format!("/api/batch/{id}"));
        if status["state"] != "running" {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running: {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(finished["state"], "finished", "{finished}");
    assert_eq!(finished["rows"], 300);
    let (status, from_page) = c.call("GET", &format!("/api/batch/{id}/output.csv"), &[], "");
    assert_eq!(status, 200);

    // The same file through `shiming batch` against the same market.
    let dir = std::env::temp_dir().join(format!("shiming-console-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (file, out) = (dir.join("people.csv"), dir.join("out.csv"));
    std::fs::write(&file, &input).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_shiming"))
        .args(["batch", "--vendor", "auto", "--endpoint", &m.url()])
        .arg("--input")
        .arg(&file)
        .arg("--output")
        .arg(&out)
        .env("SHIMING_APPCODE", DEMO_APPCODE)
        .env_remove("SHIMING_CONFIG")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let from_batch = std::fs::read_to_string(&out).unwrap();
    assert_eq!(comparable(&from_page), comparable(&from_batch));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_batch_refuses_a_file_it_cannot_read() {
    let m = MockMarket::start().unwrap();
    let c = console(&m, &[]);
    let (_, v) = c.api("/api/batch?name=notes.txt", &Value::String("x".into()));
    assert!(
        v["error"]["message"].as_str().unwrap().contains("csv"),
        "{v}"
    );
    let (status, _) = c.call("POST", "/api/batch?name=people.csv", &[], "name,id_card\n");
    assert_eq!(status, 403, "only the page may upload");
}

#[test]
fn a_batch_stopped_from_the_page_resumes_to_the_end_and_bills_no_row_twice() {
    let m = MockMarket::start().unwrap();
    // Slow answers, so that the batch is still running when it is stopped.
    m.queue_fault(
        shiming_mock_market::Fault::Latency(Duration::from_millis(100)),
        10_000,
        None,
    );
    let c = console(&m, &[]);
    let (_, job) = c.api("/api/batch?name=people.csv", &Value::Null);
    assert!(
        job["error"].is_object(),
        "an empty upload is refused: {job}"
    );
    let (status, text) = c.call(
        "POST",
        "/api/batch?name=people.csv",
        &[("X-Shiming-Console", "1")],
        &people_csv(120),
    );
    assert_eq!(status, 200);
    let id = serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_u64()
        .unwrap();
    c.api(&format!("/api/batch/{id}/start"), &Value::Null);
    let wait = |wanted: &dyn Fn(&Value) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let status = c.get(&format!("/api/batch/{id}"));
            if wanted(&status) {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "{status}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait(&|s| s["rows"].as_u64().unwrap_or(0) >= 8);
    let (_, stopping) = c.api(&format!("/api/batch/{id}/stop"), &Value::Null);
    assert!(stopping.get("error").is_none(), "{stopping}");
    let stopped = wait(&|s| s["state"] == "stopped");
    let done = stopped["rows"].as_u64().unwrap();
    assert!(done < 120, "stopped after {done} rows");
    let (_, resumed) = c.api(&format!("/api/batch/{id}/start"), &Value::Null);
    assert!(resumed.get("error").is_none(), "{resumed}");
    let finished = wait(&|s| s["state"] != "running");
    assert_eq!(finished["state"], "finished", "{finished}");
    assert_eq!(finished["rows"], 120);
    let charged: u64 = m.usage().iter().map(|u| u.charged).sum();
    let billed = finished["billed"].as_u64().unwrap();
    assert_eq!(
        charged, billed,
        "every charged call is one billed row, none twice"
    );
}
