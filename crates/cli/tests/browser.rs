//! Both consoles in a real, headless Chromium (Debian's `chromium` and `chromium-driver`):
//! each page loads with no JavaScript error; the mock market's journal shows a request made
//! with a plain HTTP client within a second, without a reload; a fault queued and a quota
//! edited on the page change the market's answers; `shiming console`'s Try a check shows Match
//! for the registry's Match person and refuses a bad check digit locally (nothing reaches the
//! market); the token is enforced. A screenshot of each page is saved under
//! `target/screenshots/`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket, Vendor};
use shiming_test_support::browser::Browser;
use shiming_test_support::market::{demo_usage, total_usage};

mod common;
use common::{comparable, Console};

const MATCH: [&str; 3] = ["陈思远", "330106198805160711", "13957120001"];
const TOKEN: &str = "a-browser-test-console-token";

/// A request to the market as curl would send it: status and `X-Ca-Request-Id`.
fn curl(m: &MockHandle, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(m.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\
         Authorization: APPCODE {DEMO_APPCODE}\r\nConnection: close\r\n\r\n",
        m.addr()
    )
    .unwrap();
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    let status = raw.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let request_id = raw
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("x-ca-request-id")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    (status, request_id)
}

fn tel3_target() -> String {
    let [name, id, mobile] = MATCH;
    let name: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    format!("/mobile?xm={name}&sfz={id}&mob={mobile}")
}

/// Polls `js` (an expression) until it is `true`, for at most `within`; returns how long it took.
async fn until(browser: &Browser, js: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if browser.eval(&format!("return Boolean({js});")).await == serde_json::Value::Bool(true) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "not true within {within:?}: {js}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How long the page took to load, from the browser's navigation timing.
async fn load_ms(browser: &Browser) -> f64 {
    browser
        .eval("const t = performance.getEntriesByType('navigation')[0]; return t ? t.loadEventEnd - t.startTime : -1;")
        .await
        .as_f64()
        .unwrap_or(-1.0)
}

#[tokio::test]
async fn the_mock_console_shows_the_journal_live_and_steers_the_market() {
    let Some(browser) =
        Browser::start("the_mock_console_shows_the_journal_live_and_steers_the_market").await
    else {
        return;
    };
    let m = MockMarket::builder()
        .console(([127, 0, 0, 1], 0).into())
        .start()
        .unwrap();
    let console = m.console_url().unwrap();
    browser.goto(&console).await;
    browser.wait_for("#journal-table").await;
    until(
        &browser,
        "document.getElementById('live').classList.contains('on')",
        Duration::from_secs(5),
    )
    .await;
    eprintln!(
        "browser: mock console loaded in {:.0} ms ({} bytes of embedded files)",
        load_ms(&browser).await,
        shiming_console_assets::total_bytes()
    );

    // A request made outside the page appears in the journal, pushed, within a second.
    let sent = Instant::now();
    let (status, request_id) = curl(&m, &tel3_target());
    assert_eq!(status, 200);
    let row = format!("document.querySelector('tr[data-request-id=\"{request_id}\"]')");
    until(&browser, &row, Duration::from_secs(1)).await;
    let shown = sent.elapsed();
    eprintln!(
        "browser: a request reached the live journal {} ms after it was sent",
        shown.as_millis()
    );
    assert!(shown < Duration::from_secs(1), "{shown:?}");
    let text = browser.text("#journal-table").await;
    assert!(text.contains("tel3") && text.contains("已计费"), "{text}");
    for secret in MATCH {
        assert!(!text.contains(secret), "the journal page shows {secret}");
    }
    // The row's details: the vendor's body as sent.
    browser
        .click(&format!(
            "tr[data-request-id=\"{request_id}\"] button.details"
        ))
        .await;
    let body = browser.text("tr.detail pre.body").await;
    assert!(body.contains("\"match\":1"), "{body}");
    browser.screenshot("mock-console-journal").await;

    // A fault queued on the page answers the next request of its product.
    browser.click("a[data-tab=faults]").await;
    browser.wait_for("#scenario-table tbody tr").await;
    browser
        .eval("document.getElementById('fault-product').value = 'tel3'; document.getElementById('fault-kind').value = '503'; return true;")
        .await;
    browser.fill("#fault-count", "1").await;
    browser.click("#fault-form button[type=submit]").await;
    until(
        &browser,
        "document.getElementById('fault-result').textContent.length > 0",
        Duration::from_secs(5),
    )
    .await;
    browser.screenshot("mock-console-faults").await;
    assert_eq!(curl(&m, &tel3_target()).0, 503);
    assert_eq!(
        curl(&m, &tel3_target()).0,
        200,
        "the fault was for one request"
    );

    // A documented body chosen on the page, with the vendor document it comes from, answers
    // the next two requests of its API.
    let row = "#scenario-table tr[data-scenario=\"tel3/fail-missing-name\"]";
    let shown = browser.text(row).await;
    assert!(shown.contains("000_834a8aa3981596ce.txt"), "{shown}");
    browser.fill("#scenario-count", "2").await;
    let next = format!("{row} button.next");
    browser.click(&next).await;
    until(
        &browser,
        &format!(
            "document.querySelector('{}').textContent.includes('(2)')",
            next.replace('\'', "\\'")
        ),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(curl(&m, &tel3_target()).0, 666);
    assert_eq!(curl(&m, &tel3_target()).0, 666);
    assert_eq!(
        curl(&m, &tel3_target()).0,
        200,
        "the body was for two requests"
    );

    // A quota edited on the page changes the gateway's answer.
    browser.click("a[data-tab=usage]").await;
    let usage_row = "#usage-table tr[data-product=tel3]";
    browser.wait_for(usage_row).await;
    browser.fill(&format!("{usage_row} input"), "0").await;
    browser.click(&format!("{usage_row} button")).await;
    until(&browser, "document.querySelector('#usage-table tr[data-product=tel3] td.quota').textContent.trim() === '0'", Duration::from_secs(5)).await;
    browser.screenshot("mock-console-usage").await;
    assert_eq!(
        curl(&m, &tel3_target()).0,
        403,
        "quota exhausted at the gateway"
    );
    assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Tel3).quota_left, Some(0));

    // Try a check on the mock: the registry's Match person, answered raw (developer mode), on
    // sxm3v2 (tel3's quota is 0 now).
    browser.click("a[data-tab=try]").await;
    browser.wait_for("#try-examples button.example").await;
    browser
        .click("#try-examples li:first-child button.example")
        .await;
    browser
        .eval("document.getElementById('try-product').value = 'sxm3v2'; return true;")
        .await;
    browser.click("#try-submit").await;
    browser
        .wait_for("#try-result pre.answer[data-status=\"200\"]")
        .await;
    let raw = browser.text("#try-result pre.answer").await;
    assert!(
        raw.starts_with("HTTP 200") && raw.to_lowercase().contains("x-ca-request-id"),
        "{raw}"
    );
    let sent = browser.text("#try-result pre.request").await;
    assert!(
        sent.contains("authorization: <hidden>")
            && sent.contains("/mobile3/check")
            && !sent.contains(DEMO_APPCODE),
        "{sent}"
    );
    for secret in MATCH {
        let shown = browser.text("#try-result").await;
        assert!(
            !shown.contains(secret),
            "Try a check shows {secret}: {shown}"
        );
    }
    // 报文解析: each field of sxm3v2's answer with the vendor document's description.
    browser.click("#explain").await;
    browser
        .wait_for("table.explain tr[data-field=\"data.result\"]")
        .await;
    let explained = browser
        .text("table.explain tr[data-field=\"data.result\"]")
        .await;
    assert!(
        explained.contains("核验结果(1:一致,2:不一致,3:无记录)"),
        "{explained}"
    );
    browser.screenshot("mock-console-try").await;
    // A bad check digit: refused locally, nothing reaches the market.
    let before = m.journal().len();
    browser.fill("#try-name", MATCH[0]).await;
    browser.fill("#try-id", "330106198805160712").await;
    browser.fill("#try-mobile", MATCH[2]).await;
    browser.click("#try-submit").await;
    browser.wait_for("#try-result [data-refused]").await;
    assert_eq!(
        m.journal().len(),
        before,
        "the refused check reached the market"
    );

    // English on the switch.
    browser.click("#lang").await;
    assert_eq!(browser.text("h1").await, "Mock market console");
    browser.assert_no_js_errors().await;
}

#[tokio::test]
async fn the_mock_console_off_loopback_needs_its_token() {
    let Some(browser) = Browser::start("the_mock_console_off_loopback_needs_its_token").await
    else {
        return;
    };
    let m = MockMarket::builder()
        .console(([127, 0, 0, 1], 0).into())
        .console_token(TOKEN)
        .start()
        .unwrap();
    let console = m.console_url().unwrap();
    browser.goto(&console).await;
    let body = browser.text("body").await;
    assert!(body.contains("token"), "{body}");
    // The 401 itself is a failed load the browser reports; read it away.
    let _ = browser.js_errors().await;
    browser.goto(&format!("{console}?token={TOKEN}")).await;
    until(
        &browser,
        "document.getElementById('live').classList.contains('on')",
        Duration::from_secs(5),
    )
    .await;
    let (_, request_id) = curl(&m, &tel3_target());
    until(
        &browser,
        &format!("document.querySelector('tr[data-request-id=\"{request_id}\"]')"),
        Duration::from_secs(1),
    )
    .await;
    browser.assert_no_js_errors().await;
}

fn shiming_console(m: &MockHandle) -> Console {
    let console = Console::start(&["--endpoint", &m.url()], Some(DEMO_APPCODE), Stdio::null());
    assert!(
        console.url().starts_with("http://127.0.0.1:"),
        "{}",
        console.url()
    );
    console
}

#[tokio::test]
async fn try_a_check_shows_match_and_refuses_a_bad_check_digit_locally() {
    let Some(browser) =
        Browser::start("try_a_check_shows_match_and_refuses_a_bad_check_digit_locally").await
    else {
        return;
    };
    let m = MockMarket::start().unwrap();
    let console = shiming_console(&m);
    browser.goto(&console.url()).await;
    browser.wait_for("#check-form").await;
    until(
        &browser,
        "document.querySelectorAll('#vendor option').length > 1",
        Duration::from_secs(5),
    )
    .await;
    eprintln!(
        "browser: shiming console loaded in {:.0} ms",
        load_ms(&browser).await
    );

    let [name, id, mobile] = MATCH;
    browser.fill("#name", name).await;
    browser.fill("#id_card", id).await;
    browser.fill("#mobile", mobile).await;
    until(
        &browser,
        "document.getElementById('v-id_card').textContent.includes('✓')",
        Duration::from_secs(5),
    )
    .await;
    let shown = browser.text("#v-id_card").await;
    assert!(
        shown.contains("1988-05-16") && shown.contains("西湖区"),
        "{shown}"
    );
    assert!(
        !shown.contains(id),
        "the validation shows the ID number in full: {shown}"
    );
    browser
        .eval("document.getElementById('vendor').value = 'tel3'; return true;")
        .await;
    browser.screenshot("console-try-typing").await;
    browser.click("#submit").await;
    browser.wait_for("table.result[data-verdict=match]").await;
    let result = browser.text("#result").await;
    assert!(
        result.contains("一致") && result.contains("tel3") && result.contains("0.200"),
        "{result}"
    );
    for secret in MATCH {
        assert!(
            !result.contains(secret),
            "the result shows {secret}: {result}"
        );
    }
    assert_eq!(
        browser
            .eval("return document.getElementById('id_card').value;")
            .await,
        ""
    );
    // The copy button copies the result as shown: masked.
    browser.click("#copy").await;
    let copied = browser
        .eval("return document.getElementById('copy').dataset.copied;")
        .await;
    let copied = copied.as_str().unwrap_or_default();
    assert!(
        copied.contains("\"verdict\": \"match\"") && copied.contains("3301************11"),
        "{copied}"
    );
    for secret in MATCH {
        assert!(!copied.contains(secret), "the copy holds {secret}");
    }
    // 开发者模式: off until switched on; then the request as sent (values masked, the AppCode
    // hidden) and the raw answer.
    assert_eq!(
        browser
            .eval("return document.querySelector('#result .raw').hidden;")
            .await,
        true
    );
    browser.click("#dev-mode").await;
    let sent = browser.text("#result pre.request").await;
    assert!(
        sent.starts_with("GET http://")
            && sent.contains("/mobile?xm=%E9%99%88*")
            && sent.contains("sfz=3301************11")
            && sent.contains("authorization: <hidden>"),
        "{sent}"
    );
    let raw = browser.text("#result pre.answer").await;
    assert!(
        raw.starts_with("HTTP 200") && raw.to_lowercase().contains("x-ca-request-id"),
        "{raw}"
    );
    // 报文解析: tel3's fields with the vendor document's words.
    browser.click("#explain").await;
    browser.wait_for("table.explain tr[data-field=match]").await;
    let explained = browser.text("table.explain tr[data-field=match]").await;
    assert!(
        explained.contains("1、实名校验通过") && explained.contains("number"),
        "{explained}"
    );
    let shown = browser.text("#result").await;
    for secret in MATCH.into_iter().chain([DEMO_APPCODE]) {
        assert!(
            !shown.contains(secret),
            "the result shows {secret}: {shown}"
        );
    }
    browser.screenshot("console-try-match").await;
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));

    // A bad check digit: refused as it is typed, and on submit, with nothing sent.
    browser.fill("#name", name).await;
    browser.fill("#id_card", "330106198805160712").await;
    browser.fill("#mobile", mobile).await;
    until(
        &browser,
        "document.getElementById('v-id_card').textContent.includes('✗')",
        Duration::from_secs(5),
    )
    .await;
    browser.click("#submit").await;
    browser
        .wait_for("table.result[data-kind=invalid_input]")
        .await;
    browser.wait_for("#result #nothing-sent").await;
    browser.screenshot("console-try-refused").await;
    assert_eq!(
        total_usage(&m),
        (1, 1),
        "the refused check reached the market"
    );

    browser.click("a[data-tab=usage]").await;
    browser.wait_for("#ledger-table").await;
    let ledger = browser.text("#ledger-table").await;
    assert!(ledger.contains("0.200"), "{ledger}");
    browser.screenshot("console-usage").await;
    browser.assert_no_js_errors().await;
    drop(console);
}

fn shiming_console_mock() -> Console {
    Console::start(&["--mock"], None, Stdio::null())
}

/// A GET of `url` (`http://host:port/path`): the body.
fn fetch(url: &str) -> String {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    raw.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_batch_page_runs_a_thousand_rows_and_its_download_is_what_shiming_batch_writes() {
    let Some(browser) = Browser::start(
        "the_batch_page_runs_a_thousand_rows_and_its_download_is_what_shiming_batch_writes",
    )
    .await
    else {
        return;
    };
    // 1,000 checks over the mock registry's synthetic people.
    let people = shiming_mock_market::Registry::builtin().people().to_vec();
    let mut csv = String::from("name,id_card,mobile\n");
    for i in 0..1_000 {
        let p = &people[i % people.len()];
        csv.push_str(&format!(
            "{},{},{}\n",
            p.name,
            p.id_card,
            p.mobile.as_deref().unwrap_or("")
        ));
    }
    let dir = std::env::temp_dir().join(format!("shiming-batch-page-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("people.csv");
    std::fs::write(&input, &csv).unwrap();

    let console = shiming_console_mock();
    browser.goto(&format!("{}#batch", console.url())).await;
    let file = browser.wait_for("#batch-file").await;
    file.send_keys(&input.display().to_string()).await.unwrap();
    browser.click("#batch-upload").await;
    browser.wait_for("#batch-progress[data-state=ready]").await;
    let dry_run = browser.text("#batch-dry-run").await;
    assert!(dry_run.contains("预估费用"), "{dry_run}");
    browser.screenshot("console-batch-ready").await;
    let started = Instant::now();
    browser.click("#batch-start").await;
    until(
        &browser,
        "document.getElementById('batch-progress').dataset.state === 'finished'",
        Duration::from_secs(120),
    )
    .await;
    eprintln!(
        "browser: the batch page ran 1,000 rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let progress = browser.text("#batch-progress").await;
    assert!(progress.contains("1000 / 1000"), "{progress}");
    browser.screenshot("console-batch-finished").await;
    let href = browser
        .eval("return document.getElementById('batch-download').href;")
        .await;
    let from_page = fetch(href.as_str().unwrap());
    assert_eq!(from_page.lines().count(), 1_001);

    let out = dir.join("out.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_shiming"))
        .args(["batch", "--mock", "--vendor", "auto"])
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&out)
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
    browser.assert_no_js_errors().await;
    let _ = std::fs::remove_dir_all(&dir);
}
