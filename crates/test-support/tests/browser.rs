//! The browser harness itself, against tiny pages served here: a clean page reads, clicks and
//! photographs without errors; a page that throws, a page whose script is missing and a button
//! that throws all show up in `js_errors` (so the check can fail); the language is the one asked
//! for; and a missing browser is said and recorded, never skipped silently.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use shiming_test_support::browser::{skipped_dir, Browser, DRIVER_ENV, REQUIRE_ENV, WINDOW};

/// `<head>` of every page: UTF-8, and an icon that needs no request (a missing
/// `/favicon.ico` would be a failed load).
const HEAD: &str = r#"<meta charset="utf-8"><link rel="icon" href="data:,">"#;

/// The page at `path` (status, body), for a request that sent `accept_language`.
fn page(path: &str, accept_language: &str) -> (u16, String) {
    let body = match path {
        "/clean" => format!(
            r#"<h1 id="title">实名核验</h1>
               <p id="lang">{accept_language}</p>
               <input id="name">"#
        ),
        "/throws" => {
            r#"<p id="before">before</p><script>throw new Error("boom from the page");</script>"#
                .to_string()
        }
        "/missing-script" => r#"<p id="here">here</p><script src="/no-such.js"></script>"#.into(),
        "/button" => r#"<button id="go">开始</button> <span id="out">idle</span>
               <button id="bad">bad</button>
               <script>
                 document.getElementById("go").onclick = () => {
                   document.getElementById("out").textContent = "clicked";
                 };
                 document.getElementById("bad").onclick = () => {
                   throw new TypeError("broken handler");
                 };
               </script>"#
            .into(),
        _ => return (404, "not found".into()),
    };
    (
        200,
        format!("<!doctype html><html><head>{HEAD}</head><body>{body}</body></html>"),
    )
}

/// Serves [`page`] on a free loopback port, one thread per connection, for the test's life.
fn serve() -> String {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    format!("http://{addr}")
}

fn answer(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return, // a preconnect that never asked
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let accept_language = request
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("accept-language")
                .then(|| value.trim())
        })
        .unwrap_or("")
        .to_string();
    let (status, body) = page(path, &accept_language);
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The errors the browser reports within `within`, waiting for at least one.
async fn errors_within(browser: &Browser, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    let mut errors = browser.js_errors().await;
    while errors.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        errors = browser.js_errors().await;
    }
    errors
}

#[tokio::test]
async fn a_clean_page_reads_photographs_and_reports_no_errors() {
    let test = "a_clean_page_reads_photographs_and_reports_no_errors";
    let Some(browser) = Browser::start(test).await else {
        return;
    };
    let site = serve();
    browser.goto(&format!("{site}/clean")).await;
    assert_eq!(browser.text("#title").await, "实名核验");

    // Chinese by default: the interface and the header the server saw.
    assert_eq!(browser.eval("return navigator.language").await, "zh-CN");
    assert!(
        browser.text("#lang").await.starts_with("zh-CN"),
        "Accept-Language: {}",
        browser.text("#lang").await
    );
    let (width, height) = WINDOW;
    assert_eq!(browser.eval("return window.innerWidth").await, width);
    assert_eq!(browser.eval("return window.innerHeight").await, height);

    browser.fill("#name", "张三").await;
    browser.fill("#name", "李四").await;
    assert_eq!(
        browser
            .eval("return document.getElementById('name').value")
            .await,
        "李四",
        "fill replaces what was there"
    );

    let path = browser.screenshot(test).await;
    let png = std::fs::read(&path).expect("the screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is a PNG",
        path.display()
    );
    assert!(path.ends_with(format!("target/screenshots/{test}.png")));

    assert_eq!(browser.js_errors().await, Vec::<String>::new());
    browser.assert_no_js_errors().await;
}

#[tokio::test]
async fn uncaught_errors_and_missing_scripts_are_reported() {
    let Some(browser) = Browser::start("uncaught_errors_and_missing_scripts_are_reported").await
    else {
        return;
    };
    let site = serve();

    browser.goto(&format!("{site}/throws")).await;
    assert_eq!(browser.text("#before").await, "before");
    let errors = errors_within(&browser, Duration::from_secs(3)).await;
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("javascript: ")
                && e.contains("Uncaught Error: boom from the page")),
        "{errors:?}"
    );
    assert_eq!(browser.js_errors().await, Vec::<String>::new(), "read once");

    browser.goto(&format!("{site}/missing-script")).await;
    let errors = errors_within(&browser, Duration::from_secs(3)).await;
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("network: ") && e.contains("/no-such.js") && e.contains("404")),
        "{errors:?}"
    );

    // The console also holds what is not an error; `js_errors` keeps only the errors.
    browser
        .eval("console.log('just saying'); console.error('said as an error')")
        .await;
    let console = browser.console().await;
    assert!(
        console
            .iter()
            .any(|e| e.level == "INFO" && e.message.contains("just saying")),
        "{console:?}"
    );
    browser
        .eval("console.log('again'); console.error('again as an error')")
        .await;
    let errors = browser.js_errors().await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("again as an error"), "{errors:?}");
}

#[tokio::test]
async fn clicks_are_seen_and_a_throwing_handler_is_reported() {
    let Some(browser) = Browser::start("clicks_are_seen_and_a_throwing_handler_is_reported").await
    else {
        return;
    };
    let site = serve();
    browser.goto(&format!("{site}/button")).await;
    assert_eq!(browser.text("#out").await, "idle");
    browser.click("#go").await;
    assert_eq!(browser.text("#out").await, "clicked");
    assert_eq!(browser.js_errors().await, Vec::<String>::new());

    browser.click("#bad").await;
    let errors = errors_within(&browser, Duration::from_secs(3)).await;
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Uncaught TypeError: broken handler")),
        "{errors:?}"
    );
}

#[tokio::test]
async fn another_language_can_be_asked_for() {
    let Some(browser) =
        Browser::start_with_lang("another_language_can_be_asked_for", "en-US").await
    else {
        return;
    };
    let site = serve();
    browser.goto(&format!("{site}/clean")).await;
    assert_eq!(browser.eval("return navigator.language").await, "en-US");
    assert!(browser.text("#lang").await.starts_with("en-US"));
}

#[test]
fn a_missing_browser_is_recorded_not_skipped_silently() {
    // Run as a child process so that the environment change stays there.
    if std::env::var_os("SHIMING_HARNESS_CHILD").is_some() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let started = runtime.block_on(Browser::start("browser_missing_probe"));
        assert!(started.is_none());
        return;
    }
    let _ = std::fs::remove_file(skipped_dir().join("browser_missing_probe"));
    let me = std::env::current_exe().expect("the test binary");
    let run = |require: bool| {
        let mut cmd = std::process::Command::new(&me);
        cmd.args([
            "--exact",
            "a_missing_browser_is_recorded_not_skipped_silently",
            "--nocapture",
        ])
        .env("SHIMING_HARNESS_CHILD", "1")
        .env(DRIVER_ENV, "/nonexistent/chromedriver");
        if require {
            cmd.env(REQUIRE_ENV, "1");
        } else {
            cmd.env_remove(REQUIRE_ENV);
        }
        cmd.output().expect("the child test runs")
    };
    let skipped = run(false);
    assert!(skipped.status.success());
    let said = String::from_utf8_lossy(&skipped.stderr);
    assert!(
        said.contains("DID NOT RUN")
            && said.contains("apt-get install -y chromium chromium-driver"),
        "{said}"
    );
    assert!(
        skipped_dir().join("browser_missing_probe").exists(),
        "recorded"
    );
    let _ = std::fs::remove_file(skipped_dir().join("browser_missing_probe"));
    let required = run(true);
    assert!(!required.status.success(), "a failure when required");
    let said = String::from_utf8_lossy(&required.stderr).into_owned()
        + &String::from_utf8_lossy(&required.stdout);
    assert!(
        said.contains("apt-get install -y chromium chromium-driver"),
        "{said}"
    );
}
