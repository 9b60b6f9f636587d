//! A real, headless Chromium per test, driven through WebDriver: `chromedriver` on a free
//! loopback port of its own (killed when the [`Browser`] is dropped) and one session in it,
//! through the [`fantoccini`] client.
//!
//! The session is headless (`--headless=new`), sandbox-free (CI runs as root), with a
//! 1280×900 viewport ([`WINDOW`]), in Chinese (`zh-CN`: `--lang` and the `Accept-Language`
//! header) unless [`Browser::start_with_lang`] asks otherwise, and records the browser's
//! console, so that [`Browser::js_errors`] can fail a test on a JavaScript error or a resource
//! that did not load, without the page's cooperation.
//!
//! ```no_run
//! use shiming_test_support::browser::Browser;
//!
//! #[tokio::main(flavor = "current_thread")] // in a test file: #[tokio::test]
//! async fn main() {
//!     let Some(browser) = Browser::start("the_console_shows_its_title").await else {
//!         return; // said on stderr and recorded; a failure under SHIMING_REQUIRE_BROWSER
//!     };
//!     browser.goto("http://127.0.0.1:8080/").await;
//!     assert_eq!(browser.text("h1").await, "实名核验");
//!     browser.fill("#name", "张三").await;
//!     browser.click("#check").await;
//!     browser.wait_for(".result").await;
//!     browser.screenshot("console-result").await; // target/screenshots/console-result.png
//!     browser.assert_no_js_errors().await;
//! }
//! ```
//!
//! The helpers ([`goto`](Browser::goto), [`wait_for`](Browser::wait_for),
//! [`text`](Browser::text), [`click`](Browser::click), [`fill`](Browser::fill),
//! [`eval`](Browser::eval), [`screenshot`](Browser::screenshot)) panic with the selector and
//! the page's address when WebDriver refuses; [`Browser::client`] gives the whole client for
//! anything else (or to handle the errors).
//!
//! Screenshots of Chinese text need a CJK font (`fonts-wqy-microhei`, which CI installs);
//! without one the text reads right through WebDriver but shows as boxes in the pictures.
//!
//! A page must leave nothing to fail: a missing `/favicon.ico` is a failed resource load like
//! any other (serve one, or declare `<link rel="icon" href="data:,">`).
//!
//! Environment:
//!
//! * [`REQUIRE_ENV`] (`SHIMING_REQUIRE_BROWSER`, set by CI): a missing `chromium` or
//!   `chromedriver` fails the test with the install command ([`INSTALL_HINT`]). Without it the
//!   test says on stderr that it did not run and is recorded under `target/browser-skipped/`,
//!   which `cargo xtask ci` lists at the end: never a silent skip.
//! * [`DRIVER_ENV`] (`SHIMING_CHROMEDRIVER`): the `chromedriver` to run (default: the one on
//!   the `PATH`).
//! * [`CHROMIUM_ENV`] (`SHIMING_CHROMIUM`): the browser binary (default: `chromium`, else
//!   `chromium-browser`, `google-chrome`, found on the `PATH`).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// When set (to anything), a missing `chromium` or `chromedriver` fails the test instead of
/// skipping it.
pub const REQUIRE_ENV: &str = "SHIMING_REQUIRE_BROWSER";

/// The `chromedriver` binary to run (default `chromedriver` on the `PATH`).
pub const DRIVER_ENV: &str = "SHIMING_CHROMEDRIVER";

/// The browser binary (default: `chromium`, `chromium-browser` or `google-chrome` on the
/// `PATH`, the first found).
pub const CHROMIUM_ENV: &str = "SHIMING_CHROMIUM";

/// How to install the browser and its driver, said wherever they are missing.
pub const INSTALL_HINT: &str = "apt-get install -y chromium chromium-driver";

/// The language a session starts in unless [`Browser::start_with_lang`] says otherwise.
pub const DEFAULT_LANG: &str = "zh-CN";

/// The viewport's size in CSS pixels (width, height), whatever the window's frame takes:
/// screenshots are comparable.
pub const WINDOW: (u32, u32) = (1280, 900);

/// How long [`Browser::wait_for`] and the helpers built on it wait for an element.
pub const WAIT: Duration = Duration::from_secs(5);

/// Where the names of the tests that did not run for want of a browser are recorded.
#[must_use]
pub fn skipped_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-skipped")
}

/// Where [`Browser::screenshot`] writes: `target/screenshots/` of the workspace.
#[must_use]
pub fn screenshots_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}

/// One entry of the browser's console log, as chromedriver reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO` or `DEBUG`.
    pub level: String,
    /// Where it came from: `javascript` (uncaught errors), `network` (failed loads),
    /// `console-api` (`console.error` and friends), …
    pub source: String,
    /// The text, usually led by the address of the page or resource.
    pub message: String,
}

/// A headless Chromium session with its own `chromedriver`, both gone when dropped.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    session: String,
    driver: Child,
    port: u16,
    test: String,
}

impl Browser {
    /// Starts `chromedriver` and a session in [`DEFAULT_LANG`] for the test named `test`.
    /// `None` when `chromium` or `chromedriver` is not installed and [`REQUIRE_ENV`] is not set
    /// (the skip is said on stderr and recorded); panics when it is set, or when an installed
    /// browser does not come up.
    pub async fn start(test: &str) -> Option<Browser> {
        Browser::start_with_lang(test, DEFAULT_LANG).await
    }

    /// [`Browser::start`] in the language `lang` (a BCP 47 tag such as `en-US`): the browser's
    /// interface language (`navigator.language`) and the `Accept-Language` it sends.
    pub async fn start_with_lang(test: &str, lang: &str) -> Option<Browser> {
        let driver_binary = driver_binary();
        if Command::new(&driver_binary)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return missing(test, &driver_binary);
        }
        let Some(chromium) = chromium_binary() else {
            let wanted = std::env::var(CHROMIUM_ENV).unwrap_or_else(|_| "chromium".to_string());
            return missing(test, &wanted);
        };

        let port = crate::missing::free_port();
        let driver = Command::new(&driver_binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{test}: `{driver_binary}` does not start: {e}"));
        // From here on a panic kills the driver: it is owned before anything can fail.
        let mut starting = Starting {
            driver: Some(driver),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !driver_ready(port) {
            assert!(
                Instant::now() < deadline,
                "{test}: chromedriver on port {port} did not answer /status within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&chromium, lang))
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                panic!("{test}: no Chromium session ({}): {e}", chromium.display())
            });
        let session = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a new session has an id");
        let browser = Browser {
            client,
            session,
            driver: starting.driver.take().expect("still owned"),
            port,
            test: test.to_string(),
        };
        browser.size_viewport().await;
        Some(browser)
    }

    /// The WebDriver client, for what the helpers do not cover.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The port `chromedriver` listens on.
    #[must_use]
    pub fn driver_port(&self) -> u16 {
        self.port
    }

    /// Opens `url` and waits until it has loaded (its `load` event).
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: cannot open {url}: {e}", self.test));
    }

    /// The first element matching the CSS selector `css`, waiting up to [`WAIT`] for it.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "{}: no `{css}` on {} within {WAIT:?}: {e}",
                self.test,
                self.here().await
            ),
        }
    }

    /// The rendered text of the first element matching `css` (waited for).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        match element.text().await {
            Ok(text) => text,
            Err(e) => panic!("{}: no text for `{css}`: {e}", self.test),
        }
    }

    /// Clicks the first element matching `css` (waited for).
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        if let Err(e) = element.click().await {
            panic!(
                "{}: cannot click `{css}` on {}: {e}",
                self.test,
                self.here().await
            );
        }
    }

    /// Empties the field matching `css` (waited for) and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        if let Err(e) = element.clear().await {
            panic!("{}: cannot clear `{css}`: {e}", self.test);
        }
        if let Err(e) = element.send_keys(text).await {
            panic!("{}: cannot type into `{css}`: {e}", self.test);
        }
    }

    /// Runs `js` as the body of a function in the page and gives back what it `return`s
    /// (`null` without a `return`).
    pub async fn eval(&self, js: &str) -> Value {
        self.client
            .execute(js, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{js}", self.test))
    }

    /// Writes a PNG of the viewport to `target/screenshots/<name>.png` and gives its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("{}: no screenshot: {e}", self.test));
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("target/screenshots can be created");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    /// Every console entry since the last call of this or [`Browser::js_errors`] (the two read
    /// the same log, which reading empties).
    pub async fn console(&self) -> Vec<LogEntry> {
        let value = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .unwrap_or_else(|e| panic!("{}: no browser log: {e}", self.test));
        let Value::Array(entries) = value else {
            panic!("{}: the browser log is not a list: {value}", self.test);
        };
        let field = |entry: &Value, key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        entries
            .iter()
            .map(|entry| LogEntry {
                level: field(entry, "level"),
                source: field(entry, "source"),
                message: field(entry, "message"),
            })
            .collect()
    }

    /// The console's `SEVERE` entries since the last call of this or [`Browser::console`]:
    /// uncaught JavaScript errors, resources that did not load, `console.error`; each as
    /// `source: message`.
    pub async fn js_errors(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|entry| entry.level == "SEVERE")
            .map(|entry| format!("{}: {}", entry.source, entry.message))
            .collect()
    }

    /// Panics, listing them, when [`Browser::js_errors`] finds any.
    pub async fn assert_no_js_errors(&self) {
        let errors = self.js_errors().await;
        assert!(
            errors.is_empty(),
            "{}: the browser reported errors on {}:\n  {}",
            self.test,
            self.here().await,
            errors.join("\n  ")
        );
    }

    /// Makes the viewport (not the window, which headless Chromium draws with an imaginary
    /// frame around it) [`WINDOW`].
    async fn size_viewport(&self) {
        let (width, height) = WINDOW;
        let frame = self
            .eval(
                "return [window.outerWidth - window.innerWidth, \
                 window.outerHeight - window.innerHeight]",
            )
            .await;
        let extra = |i: usize| {
            frame
                .get(i)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0)
        };
        if extra(0) != 0 || extra(1) != 0 {
            self.client
                .set_window_size(width + extra(0), height + extra(1))
                .await
                .unwrap_or_else(|e| panic!("{}: cannot size the window: {e}", self.test));
        }
    }

    /// The page's address, for messages.
    async fn here(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("(no address: {e})"),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session (chromedriver then quits Chromium and removes its profile), without
        // the async runtime, which may be going away; then the driver goes.
        let _ = http(
            self.port,
            &format!("DELETE /session/{} HTTP/1.1", self.session),
            Duration::from_secs(10),
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The driver while a session is being opened: killed if the opening panics.
struct Starting {
    driver: Option<Child>,
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            let _ = driver.kill();
            let _ = driver.wait();
        }
    }
}

/// Chromedriver's legacy log command (`POST /session/{id}/se/log`, `{"type": "browser"}`):
/// the browser's console since the last read, as recorded under `goog:loggingPrefs`.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// What the session asks of chromedriver.
fn capabilities(chromium: &Path, lang: &str) -> Capabilities {
    let (width, height) = WINDOW;
    let value = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                format!("--window-size={width},{height}"),
                format!("--lang={lang}"),
                "--no-first-run",
                "--no-default-browser-check",
            ],
            "prefs": { "intl.accept_languages": lang },
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("an object"),
    }
}

fn driver_binary() -> String {
    std::env::var(DRIVER_ENV).unwrap_or_else(|_| "chromedriver".to_string())
}

/// The browser: [`CHROMIUM_ENV`] if set (and there), else the first of the usual names on the
/// `PATH`.
fn chromium_binary() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os(CHROMIUM_ENV) {
        let named = PathBuf::from(named);
        return named.is_file().then_some(named);
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|candidate| candidate.is_file())
        })
}

/// The test cannot run: fail under [`REQUIRE_ENV`], otherwise say so loudly and record it.
fn missing(test: &str, binary: &str) -> Option<Browser> {
    crate::missing::record(test, binary, REQUIRE_ENV, INSTALL_HINT, &skipped_dir());
    None
}

/// Whether chromedriver answers `/status` with `"ready": true`.
fn driver_ready(port: u16) -> bool {
    http(port, "GET /status HTTP/1.1", Duration::from_millis(500))
        .is_some_and(|reply| reply.replace(' ', "").contains("\"ready\":true"))
}

/// One bodiless request to chromedriver on `port`, without the async runtime; the reply's
/// head and body. (Chromedriver says `Connection: close` but keeps the connection open, so the
/// body is read by its `Content-Length`.)
fn http(port: u16, request_line: &str, timeout: Duration) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    let request = format!(
        "{request_line}\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&reply[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if reply.len() >= end + 4 + length {
                return Some(String::from_utf8_lossy(&reply).into_owned());
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
    }
}
