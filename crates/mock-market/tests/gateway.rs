//! The gateway layer over real sockets: routing, AppCode and signature auth, throttling, quota,
//! billing of 2xx answers only, request ids, limits.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use shiming_mock_market::{Credential, MockMarket, Throttle, Vendor};
use support::{
    appcode_header, enc, raw, raw_within, read_until_closed, send, tel3, Exchange, APPCODE,
};

/// A documented tel3 success and a documented (unbilled, HTTP 666) failure, chosen by header.
const SUCCESS: (&str, &str) = ("X-Mock-Scenario", "tel3/success");
const FAIL: (&str, &str) = ("X-Mock-Scenario", "tel3/fail-mobile");
const SJSYS_SUCCESS: (&str, &str) = ("X-Mock-Scenario", "sjsys/success");

fn person() -> (String, String, String) {
    let r = shiming_mock_market::Registry::builtin();
    let p = r
        .people()
        .iter()
        .find(|p| p.mobile.is_some())
        .expect("a person with a mobile");
    (
        p.name.clone(),
        p.id_card.clone(),
        p.mobile.clone().unwrap_or_default(),
    )
}

#[test]
fn every_answer_has_a_request_id_and_gateway_errors_have_empty_bodies() {
    let m = MockMarket::start().unwrap();
    let unknown = send(m.addr(), "GET", "/nope", &[], b"").unwrap();
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.header("x-ca-error-message"),
        Some("API not found with `GET /nope`")
    );
    assert!(unknown.body.is_empty());
    assert!(unknown.header("x-ca-request-id").is_some());

    let (name, id, mobile) = person();
    let ok = tel3(m.addr(), &name, &id, &mobile, &[]).unwrap();
    assert_eq!(ok.status, 200, "{}", ok.text());
    let a = ok.header("x-ca-request-id").unwrap().to_string();
    let ok2 = tel3(m.addr(), &name, &id, &mobile, &[]).unwrap();
    assert_ne!(
        Some(a.as_str()),
        ok2.header("x-ca-request-id"),
        "request ids are unique"
    );
}

#[test]
fn routing_by_method_path_and_host() {
    let m = MockMarket::start().unwrap();
    let (k, v) = appcode_header();
    let wrong_method = send(m.addr(), "POST", "/mobile", &[(k, &v)], b"").unwrap();
    assert_eq!(wrong_method.status, 404);
    assert_eq!(
        wrong_method.header("x-ca-error-message"),
        Some("API not found with `POST /mobile`")
    );
    // A Host naming another product's gateway does not serve this path.
    let mut req = format!("GET /mobile?xm=a HTTP/1.1\r\nHost: sfz2.market.alicloudapi.com\r\nConnection: close\r\nAuthorization: APPCODE {APPCODE}\r\n\r\n");
    let r = raw(m.addr(), req.as_bytes()).unwrap();
    assert_eq!(r.status, 404);
    req = format!("GET /mobile?xm=a HTTP/1.1\r\nHost: tel3.market.alicloudapi.com\r\nConnection: close\r\nAuthorization: APPCODE {APPCODE}\r\nX-Mock-Scenario: tel3/success\r\n\r\n");
    assert_eq!(raw(m.addr(), req.as_bytes()).unwrap().status, 200);
}

#[test]
fn appcode_authentication_and_subscriptions() {
    let m = MockMarket::builder()
        .credential(Credential::app_code("code-tel3-only").only(&[Vendor::Tel3]))
        .start()
        .unwrap();
    let r = send(
        m.addr(),
        "GET",
        "/mobile",
        &[("Authorization", "APPCODE not-a-code")],
        b"",
    )
    .unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (400, Some("Invalid AppCode `not exists`"))
    );
    let r = send(
        m.addr(),
        "GET",
        "/idcard",
        &[("Authorization", "APPCODE code-tel3-only")],
        b"",
    )
    .unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (403, Some("Unauthorized"))
    );
    let r = send(m.addr(), "GET", "/mobile", &[], b"").unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (401, Some("Empty Signature"))
    );
    let r = send(
        m.addr(),
        "GET",
        "/mobile",
        &[("Authorization", "APPCODE code-tel3-only"), SUCCESS],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 200);
    // Nothing was charged for the refused calls.
    assert_eq!(m.usage_of("code-tel3-only", Vendor::Tel3).charged, 1);
    assert_eq!(m.usage_of("code-tel3-only", Vendor::Sfz2).charged, 0);
}

#[test]
fn quota_runs_out_after_exactly_n_charged_calls_and_666_is_free() {
    let m = MockMarket::builder().quota(3).start().unwrap();
    let (name, id, mobile) = person();
    for _ in 0..5 {
        let r = tel3(m.addr(), &name, &id, &mobile, &[FAIL]).unwrap();
        assert_eq!(r.status, 666, "documented failures are not billed");
    }
    for i in 0..3 {
        let r = tel3(m.addr(), &name, &id, &mobile, &[SUCCESS]).unwrap();
        assert_eq!(r.status, 200, "call {i}");
    }
    let r = tel3(m.addr(), &name, &id, &mobile, &[SUCCESS]).unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-ca-error-message"), Some("Quota Exhausted"));
    assert!(r.body.is_empty());
    let usage = m.usage_of(APPCODE, Vendor::Tel3);
    assert_eq!(
        (usage.received, usage.charged, usage.quota_left),
        (9, 3, Some(0))
    );
    // Other products keep their own quota.
    assert_eq!(m.usage_of(APPCODE, Vendor::Sfz2).quota_left, Some(3));
}

#[test]
fn vpc_style_errors_carry_codes() {
    let m = MockMarket::builder()
        .quota(0)
        .vpc_error_codes(true)
        .start()
        .unwrap();
    let r = tel3(m.addr(), "张三", "11010519491231002X", "13800138000", &[]).unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-ca-error-code"), Some("B403MQ"));
    assert_eq!(
        r.header("x-ca-error-message"),
        Some("Api Market Subscription quota exhausted")
    );
}

#[test]
fn the_appcode_needs_exactly_one_space() {
    let m = MockMarket::start().unwrap();
    let auth = format!("APPCODE  {APPCODE}");
    let r = send(
        m.addr(),
        "GET",
        "/mobile",
        &[("Authorization", &auth), SUCCESS],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 400);
}

#[test]
fn throttling_classic_and_vpc() {
    for (vpc, status) in [(false, 403), (true, 429)] {
        let m = MockMarket::builder()
            .throttle(Throttle {
                per_second: 2,
                vpc_style: vpc,
            })
            .start()
            .unwrap();
        let statuses: Vec<u16> = (0..4)
            .map(|_| {
                tel3(
                    m.addr(),
                    "张三",
                    "11010519491231002X",
                    "13800138000",
                    &[SUCCESS],
                )
                .unwrap()
                .status
            })
            .collect();
        assert_eq!(&statuses[..2], &[200, 200]);
        assert!(statuses[2..].iter().all(|&s| s == status), "{statuses:?}");
        assert_eq!(
            m.usage_of(APPCODE, Vendor::Tel3).charged,
            2,
            "throttled calls are not charged"
        );
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// gateway.md vector E, sent for real: the signature was computed by Aliyun's own demo for
/// timestamp 1700000000000, so the gateway's clock is skewed back to that moment.
fn vector_e(addr: std::net::SocketAddr, nonce: &str, signature: &str) -> support::Reply {
    let skew = format!("skew={}ms", 1_700_000_000_000i64 - now_ms());
    let body = format!(
        "idcard=11010519491231002X&mobile=13800138000&name={}&empty=",
        enc("张三")
    );
    send(
        addr,
        "POST",
        "/communication/personal/1979",
        &[
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            ),
            ("Accept", "application/json"),
            ("X-Ca-Key", "203753385"),
            ("X-Ca-Timestamp", "1700000000000"),
            ("X-Ca-Nonce", nonce),
            ("X-Ca-Stage", "RELEASE"),
            (
                "X-Ca-Signature-Headers",
                "X-Ca-Key,X-Ca-Nonce,X-Ca-Stage,X-Ca-Timestamp",
            ),
            ("X-Ca-Signature", signature),
            ("X-Mock-Fault", &skew),
        ],
        body.as_bytes(),
    )
    .unwrap()
}

#[test]
fn signature_vector_e_is_accepted_once_and_replays_are_refused() {
    let m = MockMarket::start().unwrap();
    let signature = "89pri5phZUSgtllVcicDkClMJACwumgnKpeMrHoiph8=";
    let first = vector_e(m.addr(), "2d9a6c3e-1111-4222-8333-444455556666", signature);
    assert_eq!(
        first.status,
        200,
        "{:?} {}",
        first.header("x-ca-error-message"),
        first.text()
    );
    let replay = vector_e(m.addr(), "2d9a6c3e-1111-4222-8333-444455556666", signature);
    assert_eq!(
        (replay.status, replay.header("x-ca-error-message")),
        (400, Some("Nonce Used"))
    );
    assert_eq!(m.usage_of("203753385", Vendor::Sjsys).charged, 1);
}

/// Vector F (a blank and an empty form value, both signed as the bare key, as Aliyun's Java
/// demo signs them), sent for real; the body carries the spaces.
#[test]
fn a_blank_form_value_is_signed_as_its_key_alone() {
    let m = MockMarket::start().unwrap();
    let skew = format!("skew={}ms", 1_700_000_000_000i64 - now_ms());
    let send_f = |signature: &str| {
        send(
            m.addr(),
            "POST",
            "/communication/personal/1979",
            &[
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                ),
                ("Accept", "application/json"),
                ("X-Ca-Key", "203753385"),
                ("X-Ca-Timestamp", "1700000000000"),
                ("X-Ca-Nonce", "3c1f0b6e-2222-4333-8444-555566667777"),
                (
                    "X-Ca-Signature-Headers",
                    "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp",
                ),
                ("X-Ca-Signature", signature),
                ("X-Mock-Fault", &skew),
                SJSYS_SUCCESS,
            ],
            b"idcard=11010519491231002X&memo=%20%20&empty=&name=%E5%BC%A0%E4%B8%89&pad=%20x%20",
        )
        .unwrap()
    };
    // Signed over `memo=  `: refused, and the echo shows the gateway's reading.
    let spaces = send_f("JkdOU/Pe5ObYYEBD2RUErEduFHMs+vGFjf3+uU/MGes=");
    assert_eq!(spaces.status, 400);
    let message = spaces.header("x-ca-error-message").unwrap();
    assert!(
        message.ends_with("1979?empty&idcard=11010519491231002X&memo&name=张三&pad= x `"),
        "{message}"
    );
    let bare = send_f("oDF6oGgd+CjRbXk8tC+qbizwDFBKjBsI/jSxtLcGeKg=");
    assert_eq!(
        (bare.status, bare.header("x-ca-error-message")),
        (200, None),
        "{}",
        bare.text()
    );
}

#[test]
fn a_wrong_signature_is_answered_with_the_servers_string_to_sign() {
    let m = MockMarket::start().unwrap();
    let r = vector_e(
        m.addr(),
        "2d9a6c3e-1111-4222-8333-444455556666",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    );
    assert_eq!(r.status, 400);
    let message = r.header("x-ca-error-message").unwrap();
    assert!(
        message.starts_with("Invalid Signature, Server StringToSign:`POST#application/json#"),
        "{message}"
    );
    assert!(message.ends_with("/communication/personal/1979?empty&idcard=11010519491231002X&mobile=13800138000&name=张三`"), "{message}");
    // The journal keeps no raw values from the echo.
    let journal = serde_json::to_string(&m.journal()).unwrap();
    assert!(!journal.contains("11010519491231002X"), "{journal}");
}

#[test]
fn expired_timestamps_and_unknown_keys_are_refused() {
    let m = MockMarket::start().unwrap();
    let r = send(
        m.addr(),
        "GET",
        "/idcard",
        &[
            ("X-Ca-Key", "203753385"),
            ("X-Ca-Timestamp", "1700000000000"),
            ("X-Ca-Nonce", "n1"),
            ("X-Ca-Signature", "x"),
        ],
        b"",
    )
    .unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (400, Some("Timestamp Expired"))
    );
    let r = send(
        m.addr(),
        "GET",
        "/idcard",
        &[("X-Ca-Key", "nobody"), ("X-Ca-Signature", "x")],
        b"",
    )
    .unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (400, Some("Invalid AppKey"))
    );
}

#[test]
fn oversized_requests_get_413_and_nothing_is_charged() {
    let m = MockMarket::start().unwrap();
    let (k, v) = appcode_header();
    let long = "a".repeat(9_000);
    let r = send(
        m.addr(),
        "GET",
        &format!("/mobile?xm={long}"),
        &[(k, &v)],
        b"",
    )
    .unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (413, Some("Request URL too Large"))
    );
    let body = vec![b'a'; 70_000];
    let r = send(m.addr(), "POST", "/mobile3/check", &[(k, &v)], &body).unwrap();
    assert_eq!(
        (r.status, r.header("x-ca-error-message")),
        (413, Some("Request body too Large"))
    );
    assert_eq!(m.usage_of(APPCODE, Vendor::Sxm3v2).charged, 0);
}

#[test]
fn slow_clients_are_cut_off_after_the_header_timeout() {
    let config = shiming_mock_market::MarketConfig {
        header_read_timeout: Duration::from_millis(300),
        ..shiming_mock_market::MarketConfig::default()
    };
    let m = MockMarket::builder().config(config).start().unwrap();
    // Half a request line, then silence: the server closes the connection by itself, without
    // an answer (or with a 408), long before the test stops waiting.
    let started = Instant::now();
    let ending = raw_within(m.addr(), b"GET /mobile?xm=", Duration::from_secs(10));
    let waited = started.elapsed();
    assert!(
        match &ending {
            Exchange::Closed(received) => received.is_empty(),
            Exchange::Answered(r) => r.status == 408,
            Exchange::TimedOut(_) => false,
        },
        "the slow client was not cut off: {} after {waited:?}",
        ending.describe()
    );
    assert!(
        waited >= Duration::from_millis(250),
        "closed after {waited:?}, before the header timeout"
    );
    assert_eq!(
        send(m.addr(), "GET", "/__admin/health", &[], b"")
            .unwrap()
            .status,
        200
    );
}

#[test]
fn malformed_encoding_and_duplicate_parameters_get_an_answer() {
    let m = MockMarket::start().unwrap();
    let (k, v) = appcode_header();
    for target in [
        "/mobile?xm=%E6%9D&sfz=%ZZ&mob=%",
        "/mobile?xm=%FF%FE&sfz=1&mob=1",
        "/mobile?xm=a&xm=b&sfz=1&sfz=2&mob=1",
        "/mobile?&&==&xm",
    ] {
        let r = send(m.addr(), "GET", target, &[(k, &v)], b"").unwrap();
        assert!(r.status == 666 || r.status == 200, "{target}: {}", r.status);
        r.json();
    }
}

/// Raises this process's soft limit on open files to at least `needed` (up to the hard limit):
/// the connections below and the server's ends of them live in this one process.
#[cfg(unix)]
fn allow_open_files(needed: usize) {
    let needed = needed as libc::rlim_t;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < needed {
            limit.rlim_cur = limit.rlim_max.min(needed);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    assert!(
        limit.rlim_cur >= needed,
        "this test needs {needed} open files; the hard limit is {}",
        limit.rlim_max
    );
}

#[cfg(not(unix))]
fn allow_open_files(_needed: usize) {}

/// 1,600 connections open at once, each then sends a tel3 check: every connection is
/// accepted and every one gets a complete, valid answer (none refused, reset or left waiting),
/// and the market counts exactly 1,600 connections and 1,600 charged calls.
#[test]
fn sixteen_hundred_concurrent_connections_are_each_answered() {
    const THREADS: usize = 16;
    const PER_THREAD: usize = 100;
    const TOTAL: usize = THREADS * PER_THREAD;
    // Both ends of every connection, plus headroom for the runtime and the test harness.
    allow_open_files(2 * TOTAL + 256);
    let m = MockMarket::start().unwrap();
    let addr = m.addr();
    let person = person();
    let request = Arc::new(format!(
        "GET /mobile?xm={}&sfz={}&mob={} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: APPCODE {APPCODE}\r\n\r\n",
        enc(&person.0),
        enc(&person.1),
        enc(&person.2)
    ));
    let all_open = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (request, all_open) = (Arc::clone(&request), Arc::clone(&all_open));
            std::thread::spawn(move || {
                let connected: Vec<std::io::Result<TcpStream>> =
                    (0..PER_THREAD).map(|_| TcpStream::connect(addr)).collect();
                // Every connection of every thread is open before any request is sent.
                all_open.wait();
                let mut streams = Vec::new();
                let mut failures = Vec::new();
                for c in connected {
                    match c {
                        Ok(s) => streams.push(s),
                        Err(e) => failures.push(format!("connect: {e}")),
                    }
                }
                for s in &mut streams {
                    if let Err(e) = s.write_all(request.as_bytes()) {
                        failures.push(format!("write: {e}"));
                    }
                }
                let mut answered = 0;
                let deadline = Instant::now() + Duration::from_secs(30);
                for mut s in streams {
                    match read_until_closed(
                        &mut s,
                        deadline.saturating_duration_since(Instant::now()),
                    ) {
                        Exchange::Answered(r)
                            if r.status == 200 && r.json()["match"] == 1 && r.json()["ok"] == 1 =>
                        {
                            answered += 1;
                        }
                        other => failures.push(other.describe()),
                    }
                }
                (answered, failures)
            })
        })
        .collect();
    let mut answered = 0;
    let mut failures = Vec::new();
    for t in threads {
        let (a, f) = t.join().unwrap();
        answered += a;
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} of {TOTAL} connections failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(answered, TOTAL);
    assert_eq!(
        m.connections(),
        TOTAL as u64,
        "every connection accepted once"
    );
    let usage = m.usage_of(APPCODE, Vendor::Tel3);
    assert_eq!(
        (usage.received, usage.charged),
        (TOTAL as u64, TOTAL as u64)
    );
    assert_eq!(
        send(addr, "GET", "/__admin/health", &[], b"")
            .unwrap()
            .status,
        200
    );
}

#[test]
fn quota_is_exact_under_concurrency() {
    let m = MockMarket::builder().quota(10).start().unwrap();
    let addr = m.addr();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                (0..8)
                    .map(|_| tel3(addr, "a", "b", "c", &[SUCCESS]).unwrap().status)
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 10);
    assert_eq!(statuses.iter().filter(|&&s| s == 403).count(), 54);
    let usage = m.usage_of(APPCODE, Vendor::Tel3);
    assert_eq!(
        (usage.received, usage.charged, usage.quota_left),
        (64, 10, Some(0))
    );
}

#[test]
fn an_unbilled_answer_gives_its_reserved_quota_back() {
    let m = MockMarket::builder().quota(1).start().unwrap();
    for _ in 0..3 {
        assert_eq!(tel3(m.addr(), "a", "b", "c", &[FAIL]).unwrap().status, 666);
    }
    assert_eq!(
        tel3(m.addr(), "a", "b", "c", &[SUCCESS, ("X-Mock-Fault", "503")])
            .unwrap()
            .status,
        503
    );
    assert_eq!(m.usage_of(APPCODE, Vendor::Tel3).quota_left, Some(1));
    assert_eq!(
        tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap().status,
        200
    );
    assert_eq!(
        tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap().status,
        403
    );
}

/// The handle runs its own thread and runtime, so it works inside a `#[tokio::test]`
/// (current-thread runtime) and is reached with async I/O from there.
#[tokio::test]
async fn works_inside_a_tokio_test() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let m = MockMarket::start().unwrap();
    let mut stream = tokio::net::TcpStream::connect(m.addr()).await.unwrap();
    let request = format!(
        "GET /mobile HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: APPCODE {APPCODE}\r\nX-Mock-Scenario: tel3/success\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let reply = support::parse(&answer).unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(m.usage_of(APPCODE, Vendor::Tel3).charged, 1);
    drop(m); // stops the server from inside the async context without blocking it
}
