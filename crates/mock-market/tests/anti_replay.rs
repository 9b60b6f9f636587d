//! `X-Ca-Timestamp` and `X-Ca-Nonce` over real sockets: optional by default (checked when
//! present), required for the products whose API has anti-replay on.

mod support;

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use shiming_mock_market::config::{FileConfig, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::gateway::signature::{sign, string_to_sign, HmacAlgorithm, SignedRequest};
use shiming_mock_market::{MockMarket, Vendor};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Sends a signed `GET path` (a documented success body) with `extra` `X-Ca-*` headers, all
/// of them signed.
fn signed_get(
    addr: SocketAddr,
    path: &str,
    scenario: &str,
    extra: &[(&str, &str)],
) -> support::Reply {
    let mut headers = HeaderMap::new();
    headers.insert("accept", HeaderValue::from_static("application/json"));
    headers.insert("x-ca-key", HeaderValue::from_static(DEMO_APP_KEY));
    let mut listed = vec!["X-Ca-Key".to_string()];
    for (name, value) in extra {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        listed.push((*name).to_string());
    }
    let listed = listed.join(",");
    headers.insert(
        "x-ca-signature-headers",
        HeaderValue::from_str(&listed).unwrap(),
    );
    let request = SignedRequest {
        method: &Method::GET,
        path,
        headers: &headers,
        query: &[],
        form: &[],
        body: b"",
    };
    let signature = sign(
        DEMO_APP_SECRET,
        &string_to_sign(&request),
        HmacAlgorithm::HmacSha256,
    );
    let mut wire: Vec<(&str, &str)> = vec![
        ("Accept", "application/json"),
        ("X-Ca-Key", DEMO_APP_KEY),
        ("X-Ca-Signature-Headers", &listed),
        ("X-Ca-Signature", &signature),
        ("X-Mock-Scenario", scenario),
    ];
    wire.extend_from_slice(extra);
    support::send(addr, "GET", path, &wire, b"").expect("an answer")
}

fn outcome(reply: &support::Reply) -> (u16, Option<&str>) {
    (reply.status, reply.header("x-ca-error-message"))
}

#[test]
fn a_signed_request_without_timestamp_and_nonce_is_accepted_by_default() {
    let m = MockMarket::start().unwrap();
    for _ in 0..2 {
        let r = signed_get(m.addr(), "/mobile", "tel3/success", &[]);
        assert_eq!(outcome(&r), (200, None), "{}", r.text());
    }
    assert_eq!(m.usage_of(DEMO_APP_KEY, Vendor::Tel3).charged, 2);
}

#[test]
fn anti_replay_on_a_product_requires_both_headers_there_only() {
    let m = MockMarket::builder()
        .anti_replay(&[Vendor::Tel3])
        .vpc_error_codes(true)
        .start()
        .unwrap();
    let r = signed_get(m.addr(), "/mobile", "tel3/success", &[]);
    assert_eq!(
        outcome(&r),
        (400, Some("Header `X-Ca-Timestamp` is Required"))
    );
    assert_eq!(r.header("x-ca-error-code"), Some("I400MH"));
    assert!(r.body.is_empty());
    let now = now_ms().to_string();
    let r = signed_get(
        m.addr(),
        "/mobile",
        "tel3/success",
        &[("X-Ca-Timestamp", &now)],
    );
    assert_eq!(outcome(&r), (400, Some("Header `X-Ca-Nonce` is Required")));
    let r = signed_get(
        m.addr(),
        "/mobile",
        "tel3/success",
        &[("X-Ca-Timestamp", &now), ("X-Ca-Nonce", "n-1")],
    );
    assert_eq!(outcome(&r), (200, None));
    // Another product of the same market keeps the default.
    let r = signed_get(m.addr(), "/idcard", "sfz2/success", &[]);
    assert_eq!(outcome(&r), (200, None));
    assert_eq!(m.usage_of(DEMO_APP_KEY, Vendor::Tel3).charged, 1);
}

#[test]
fn present_but_bad_headers_are_refused_and_replays_detected_in_both_modes() {
    for anti_replay in [false, true] {
        let mut builder = MockMarket::builder();
        if anti_replay {
            builder = builder.anti_replay(&Vendor::ALL);
        }
        let m = builder.start().unwrap();
        let now = now_ms().to_string();
        let cases: [(&[(&str, &str)], &str); 4] = [
            (
                &[("X-Ca-Timestamp", "soon"), ("X-Ca-Nonce", "a")],
                "Invalid Timestamp",
            ),
            (
                &[("X-Ca-Timestamp", "1700000000000"), ("X-Ca-Nonce", "b")],
                "Timestamp Expired",
            ),
            (
                &[("X-Ca-Timestamp", &now), ("X-Ca-Nonce", "")],
                "Invalid Nonce",
            ),
            (
                &[("X-Ca-Timestamp", &now), ("X-Ca-Nonce", &"n".repeat(200))],
                "Invalid Nonce",
            ),
        ];
        for (headers, message) in cases {
            let r = signed_get(m.addr(), "/mobile", "tel3/success", headers);
            assert_eq!(
                outcome(&r),
                (400, Some(message)),
                "anti-replay {anti_replay}"
            );
        }
        let fresh = [("X-Ca-Timestamp", now.as_str()), ("X-Ca-Nonce", "once")];
        let first = signed_get(m.addr(), "/mobile", "tel3/success", &fresh);
        assert_eq!(outcome(&first), (200, None));
        let replay = signed_get(m.addr(), "/mobile", "tel3/success", &fresh);
        assert_eq!(outcome(&replay), (400, Some("Nonce Used")));
        assert_eq!(m.usage_of(DEMO_APP_KEY, Vendor::Tel3).charged, 1);
    }
}

#[test]
fn the_config_file_turns_anti_replay_on_per_product() {
    let config = FileConfig::parse(r#"{"anti_replay": ["sfz2"]}"#)
        .unwrap()
        .into_config();
    let m = MockMarket::builder().config(config).start().unwrap();
    let r = signed_get(m.addr(), "/idcard", "sfz2/success", &[]);
    assert_eq!(
        outcome(&r),
        (400, Some("Header `X-Ca-Timestamp` is Required"))
    );
    let r = signed_get(m.addr(), "/mobile", "tel3/success", &[]);
    assert_eq!(outcome(&r), (200, None));
}
