//! The console port over real sockets: its files (types, ETags, 304), the live journal as
//! server-sent events (a request to the market arrives within a second, masked), the admin API
//! behind it, the token when one is set, and the CSRF header on state-changing calls.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket};
use support::send;

const TOKEN: &str = "console-token-for-the-tests";

fn with_console() -> (MockHandle, SocketAddr) {
    let m = MockMarket::builder()
        .console(([127, 0, 0, 1], 0).into())
        .start()
        .unwrap();
    let console = console_addr(&m);
    (m, console)
}

fn console_addr(m: &MockHandle) -> SocketAddr {
    let url = m.console_url().expect("a console");
    url.trim_start_matches("http://")
        .trim_end_matches("/__console/")
        .parse()
        .unwrap()
}

#[test]
fn the_console_serves_its_files_with_types_and_etags() {
    let (_m, console) = with_console();
    let page = send(console, "GET", "/__console/", &[], b"").unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.text().contains("模拟云市场控制台"));
    assert!(page.header("content-security-policy").is_some());
    let etag = page.header("etag").expect("an ETag").to_string();
    let again = send(
        console,
        "GET",
        "/__console/",
        &[("If-None-Match", &etag)],
        b"",
    )
    .unwrap();
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    for (name, kind) in [
        ("console.js", "text/javascript; charset=utf-8"),
        ("mock.js", "text/javascript; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let file = send(console, "GET", &format!("/__console/{name}"), &[], b"").unwrap();
        assert_eq!(file.status, 200, "{name}");
        assert_eq!(file.header("content-type"), Some(kind), "{name}");
        assert_eq!(
            file.body.as_slice(),
            shiming_console_assets::get(name).unwrap().body
        );
    }
    let missing = send(console, "GET", "/__console/nothing.js", &[], b"").unwrap();
    assert_eq!(missing.status, 404);
    let root = send(console, "GET", "/", &[], b"").unwrap();
    assert_eq!(root.status, 302);
    assert_eq!(root.header("location"), Some("/__console/"));
    // Everything a page loads, in all.
    assert!(shiming_console_assets::total_bytes() < 64 * 1024);
}

#[test]
fn the_info_names_the_market_and_the_products() {
    let (m, console) = with_console();
    let info = send(console, "GET", "/__console/info", &[], b"").unwrap();
    assert_eq!(info.status, 200);
    let v = info.json();
    assert_eq!(v["market_url"], m.url());
    assert_eq!(v["products"].as_array().unwrap().len(), 5);
}

/// Reads server-sent events from `stream` until `wanted` is in an event's data or `deadline`.
fn read_events(reader: &mut BufReader<TcpStream>, wanted: &str, deadline: Instant) -> Vec<String> {
    let mut events = Vec::new();
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {
                if line.starts_with("event:") || line.starts_with("data:") {
                    events.push(line.trim_end().to_string());
                    if line.contains(wanted) {
                        break;
                    }
                }
            }
            Err(_) => break,
        }
    }
    events
}

#[test]
fn a_request_to_the_market_reaches_the_live_journal_within_a_second_masked() {
    let (m, console) = with_console();
    let mut stream = TcpStream::connect(console).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    stream
        .write_all(
            format!(
                "GET /__console/events HTTP/1.1\r\nHost: {console}\r\nAccept: text/event-stream\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let mut reader = BufReader::new(stream);
    let head = read_events(
        &mut reader,
        "retry",
        Instant::now() + Duration::from_secs(2),
    );
    drop(head);

    let sent = Instant::now();
    let answer = send(
        m.addr(),
        "GET",
        "/mobile?xm=%E9%99%88%E6%80%9D%E8%BF%9C&sfz=330106198805160711&mob=13957120001",
        &[("Authorization", &format!("APPCODE {DEMO_APPCODE}"))],
        b"",
    )
    .unwrap();
    assert_eq!(answer.status, 200);
    let request_id = answer.header("x-ca-request-id").unwrap().to_string();
    let events = read_events(&mut reader, &request_id, sent + Duration::from_secs(1));
    let elapsed = sent.elapsed();
    let data = events
        .iter()
        .find(|line| line.contains(&request_id))
        .unwrap_or_else(|| panic!("no event within a second: {events:?}"));
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    assert!(events.iter().any(|line| line == "event: journal"));
    let entry: serde_json::Value = serde_json::from_str(data.trim_start_matches("data: ")).unwrap();
    assert_eq!(entry["product"], "tel3");
    assert_eq!(entry["charged"], true);
    for secret in ["330106198805160711", "13957120001", "陈思远", DEMO_APPCODE] {
        assert!(!data.contains(secret), "the stream shows {secret}: {data}");
    }

    // A reset of the journal is told too.
    let reset = send(
        console,
        "POST",
        "/__admin/reset",
        &[("X-Shiming-Console", "1")],
        b"",
    )
    .unwrap();
    assert_eq!(reset.status, 200);
    let events = read_events(
        &mut reader,
        "reset",
        Instant::now() + Duration::from_secs(1),
    );
    assert!(
        events.iter().any(|line| line == "event: reset"),
        "{events:?}"
    );
}

#[test]
fn state_changing_calls_need_the_pages_header_and_origin() {
    let (m, console) = with_console();
    let body = br#"{"fault":"503","count":1,"product":"tel3"}"#;
    let bare = send(console, "POST", "/__admin/faults", &[], body).unwrap();
    assert_eq!(bare.status, 403);
    let foreign = send(
        console,
        "POST",
        "/__admin/faults",
        &[
            ("X-Shiming-Console", "1"),
            ("Origin", "http://evil.example"),
        ],
        body,
    )
    .unwrap();
    assert_eq!(foreign.status, 403);
    let own = send(
        console,
        "POST",
        "/__admin/faults",
        &[
            ("X-Shiming-Console", "1"),
            ("Origin", &format!("http://{console}")),
        ],
        body,
    )
    .unwrap();
    assert_eq!(own.status, 200, "{}", own.text());
    // The queued fault answers the next tel3 request.
    let next = send(
        m.addr(),
        "GET",
        "/mobile?xm=a&sfz=b&mob=c",
        &[("Authorization", &format!("APPCODE {DEMO_APPCODE}"))],
        b"",
    )
    .unwrap();
    assert_eq!(next.status, 503);
}

#[test]
fn a_token_guards_every_page_and_call_but_not_the_files() {
    let m = MockMarket::builder()
        .console(([127, 0, 0, 1], 0).into())
        .console_token(TOKEN)
        .start()
        .unwrap();
    let console = console_addr(&m);
    for target in [
        "/__console/",
        "/__console/info",
        "/__console/events",
        "/__admin/usage",
    ] {
        let without = send(console, "GET", target, &[], b"").unwrap();
        assert_eq!(without.status, 401, "{target}");
        assert!(!without.text().contains(TOKEN));
        let wrong = send(
            console,
            "GET",
            &format!("{target}?token=not-the-token-at-all"),
            &[],
            b"",
        )
        .unwrap();
        assert_eq!(wrong.status, 401, "{target}");
    }
    let page = send(
        console,
        "GET",
        &format!("/__console/?token={TOKEN}"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(page.status, 200);
    let usage = send(
        console,
        "GET",
        "/__admin/usage",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        b"",
    )
    .unwrap();
    assert_eq!(usage.status, 200);
    let script = send(console, "GET", "/__console/console.js", &[], b"").unwrap();
    assert_eq!(script.status, 200);
}

#[test]
fn the_command_line_refuses_a_console_off_loopback_without_a_token() {
    let exe = env!("CARGO_BIN_EXE_shiming-mock-market");
    let out = std::process::Command::new(exe)
        .args(["--listen", "127.0.0.1:0", "--console", "0.0.0.0:0"])
        .env_remove("SHIMING_CONSOLE_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--console-token"), "{err}");
    let short = std::process::Command::new(exe)
        .args(["--listen", "127.0.0.1:0", "--console", "0.0.0.0:0"])
        .args(["--console-token", "short"])
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
}

#[test]
fn the_journal_says_how_a_request_authenticated_what_the_quota_did_and_why_a_signature_failed() {
    let m = MockMarket::start().unwrap();
    let ok = send(
        m.addr(),
        "GET",
        "/mobile?xm=%E9%99%88%E6%80%9D%E8%BF%9C&sfz=330106198805160711&mob=13957120001",
        &[("Authorization", &format!("APPCODE {DEMO_APPCODE}"))],
        b"",
    )
    .unwrap();
    assert_eq!(ok.status, 200);
    let bad = send(
        m.addr(),
        "GET",
        "/mobile?xm=%E9%99%88%E6%80%9D%E8%BF%9C&sfz=330106198805160711&mob=13957120001",
        &[
            ("X-Ca-Key", "203753385"),
            ("X-Ca-Signature", "bm90IHRoZSBzaWduYXR1cmU="),
            ("X-Ca-Signature-Method", "HmacSHA256"),
            ("Accept", "application/json"),
        ],
        b"",
    )
    .unwrap();
    assert_eq!(bad.status, 400, "{}", bad.text());
    let journal = m.journal();
    let (first, second) = (&journal[0], &journal[1]);
    assert_eq!(first.auth, Some("appcode"));
    assert_eq!(first.quota, Some("charged"));
    assert!(first.latency_us > 0);
    let body = first.body.as_deref().expect("the vendor body");
    assert!(
        body.contains("\"match\":1") || body.contains("\"match\": 1"),
        "{body}"
    );
    assert_eq!(second.auth, None);
    assert_eq!(second.quota, None);
    let sts = second.string_to_sign.as_deref().expect("the StringToSign");
    assert!(
        sts.starts_with("GET\n") && sts.contains("/mobile?"),
        "{sts}"
    );
    assert!(sts.contains("mob=139****0001"), "{sts}");
    let text = format!("{journal:?} {}", serde_json::to_string(&journal).unwrap());
    for secret in ["330106198805160711", "13957120001", "陈思远", DEMO_APPCODE] {
        assert!(!text.contains(secret), "the journal shows {secret}");
    }
}

#[test]
fn a_documented_body_queued_from_the_console_answers_the_next_request_of_its_api() {
    let (m, console) = with_console();
    let queued = send(
        console,
        "POST",
        "/__admin/scenarios",
        &[("X-Shiming-Console", "1")],
        br#"{"scenario":"tel3/fail-missing-name","count":1}"#,
    )
    .unwrap();
    assert_eq!(queued.status, 200, "{}", queued.text());
    let unknown = send(
        console,
        "POST",
        "/__admin/scenarios",
        &[("X-Shiming-Console", "1")],
        br#"{"scenario":"tel3/nothing"}"#,
    )
    .unwrap();
    assert_eq!(unknown.status, 400);
    let target = "/mobile?xm=%E9%99%88%E6%80%9D%E8%BF%9C&sfz=330106198805160711&mob=13957120001";
    let auth = format!("APPCODE {DEMO_APPCODE}");
    let first = send(m.addr(), "GET", target, &[("Authorization", &auth)], b"").unwrap();
    assert_eq!(first.status, 666);
    let documented = shiming_mock_market::scenarios::find("tel3/fail-missing-name").unwrap();
    assert_eq!(first.body.as_slice(), documented.answer().body.as_ref());
    let second = send(m.addr(), "GET", target, &[("Authorization", &auth)], b"").unwrap();
    assert_eq!(second.status, 200, "one request only");
    assert_eq!(
        m.journal()[0].scenario.as_deref(),
        Some("tel3/fail-missing-name")
    );
}

#[test]
fn try_a_check_answers_raw_and_a_local_refusal_sends_nothing() {
    let (m, console) = with_console();
    let try_it = |form: &str| {
        let answer = send(
            console,
            "POST",
            "/__console/try",
            &[("X-Shiming-Console", "1")],
            form.as_bytes(),
        )
        .unwrap();
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    };
    let refused = try_it(
        r#"{"product":"tel3","name":"陈思远","id_card":"330106198805160712","mobile":"13957120001"}"#,
    );
    assert_eq!(refused["sent"], false, "{refused}");
    assert!(refused["refused"].as_str().unwrap().contains("id_card"));
    assert!(m.journal().is_empty(), "a local refusal is never sent");

    for product in ["tel3", "sxm3v2", "sjsys", "sfz2", "phonethird"] {
        let answer = try_it(&format!(
            r#"{{"product":"{product}","name":"陈思远","id_card":"330106198805160711","mobile":"13957120001"}}"#
        ));
        assert_eq!(answer["sent"], true, "{product}: {answer}");
        let status = answer["status"].as_u64().unwrap();
        assert!(
            status == 200 || status == 666,
            "{product}: the market answered {status}: {answer}"
        );
        assert_eq!(answer["billed"], status == 200, "{product}");
        let exchange = &answer["exchanges"][0];
        assert_eq!(exchange["status"], status, "{product}");
        let request_id = exchange["response_headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "x-ca-request-id")
            .map(|h| h[1].clone());
        assert_eq!(request_id, Some(answer["request_id"].clone()), "{product}");
        // The request as sent: the product's own path and parameter names, values masked.
        let url = exchange["url"].as_str().unwrap();
        assert!(url.starts_with(&m.url()), "{url}");
        let sent = format!("{url} {}", exchange["request_body"]);
        assert!(
            sent.contains("3301************11")
                && (sent.contains("%E9%99%88**") || sent.contains(r#"\"陈**\""#)),
            "{product}: {sent}"
        );
        assert!(exchange["request_headers"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["authorization", "<hidden>"])));
        let everything = answer.to_string();
        for secret in ["330106198805160711", "13957120001", DEMO_APPCODE, "陈思远"] {
            assert!(
                !everything.contains(secret),
                "{product}: the answer shows {secret}: {everything}"
            );
        }
        // The body is the market's own: the journal keeps it with its digit runs masked.
        let journaled = m.journal().last().unwrap().body.clone();
        let shown = exchange["response_body"].as_str().unwrap();
        assert_eq!(
            Some(shiming_mock_market::journal::journal_body(shown.as_bytes())),
            journaled,
            "{product}"
        );
    }
    let tel3 = m.usage_of(DEMO_APPCODE, shiming_mock_market::Vendor::Tel3);
    assert_eq!((tel3.received, tel3.charged), (1, 1));
    let info = send(console, "GET", "/__console/info", &[], b"")
        .unwrap()
        .json();
    assert!(info["examples"].as_array().unwrap().len() >= 3);
}

#[test]
fn the_consoles_usage_table_lists_every_credential_and_product_before_any_traffic() {
    let (m, console) = with_console();
    assert!(m.usage().is_empty());
    let rows = send(console, "GET", "/__admin/usage?all=1", &[], b"")
        .unwrap()
        .json();
    // The demo AppCode and the demo AppKey, each on the five products.
    assert_eq!(rows.as_array().unwrap().len(), 10, "{rows}");
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["received"] == 0 && r["quota_left"].is_null()));
    let untouched = send(console, "GET", "/__admin/usage", &[], b"")
        .unwrap()
        .json();
    assert_eq!(untouched, serde_json::json!([]));
}
