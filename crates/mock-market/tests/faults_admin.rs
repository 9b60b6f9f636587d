//! Faults, scenario replay and the admin API over real sockets.

mod support;

use std::time::{Duration, Instant};

use shiming_mock_market::{routing, scenarios, Fault, MockMarket, Vendor};
use support::{send, tel3, APPCODE};

const SUCCESS: (&str, &str) = ("X-Mock-Scenario", "tel3/success");

#[test]
fn every_documented_body_is_replayed_byte_for_byte() {
    let m = MockMarket::start().unwrap();
    let auth = format!("APPCODE {APPCODE}");
    for s in scenarios::all() {
        let id = format!("{}/{}", s.api.id(), s.name);
        let headers = [
            ("Authorization", auth.as_str()),
            ("X-Mock-Scenario", id.as_str()),
        ];
        let path = routing::path(s.api).expect("a simulated API");
        let (target, body) = match routing::method(s.api).as_str() {
            "GET" => (path.to_string(), Vec::new()),
            _ => (path.to_string(), b"{}".to_vec()),
        };
        let r = send(
            m.addr(),
            routing::method(s.api).as_str(),
            &target,
            &headers,
            &body,
        )
        .unwrap();
        assert_eq!(r.status, s.status.as_u16(), "{id}");
        assert_eq!(r.body, s.body, "{id}");
        assert_eq!(
            r.status < 300,
            s.billed,
            "{id}: billing follows the 2xx rule"
        );
    }
    // Every product saw its scenarios; billed ones were charged, others not.
    for product in Vendor::ALL {
        let billed = scenarios::all()
            .iter()
            .filter(|s| s.api == product && s.billed)
            .count() as u64;
        assert_eq!(
            m.usage_of(APPCODE, product).charged,
            billed,
            "{}",
            product.id()
        );
    }
}

#[test]
fn unknown_or_foreign_scenarios_are_refused_loudly() {
    let m = MockMarket::start().unwrap();
    let r = tel3(
        m.addr(),
        "张三",
        "11010519491231002X",
        "13800138000",
        &[("X-Mock-Scenario", "tel3/nope")],
    )
    .unwrap();
    assert_eq!(r.status, 400);
    assert!(
        r.json()["mock_error"]
            .as_str()
            .unwrap()
            .contains("tel3/fail-mobile"),
        "lists the known ones"
    );
    let r = tel3(
        m.addr(),
        "张三",
        "11010519491231002X",
        "13800138000",
        &[("X-Mock-Scenario", "sfz2/success")],
    )
    .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(m.usage_of(APPCODE, Vendor::Tel3).received, 0);
}

#[test]
fn drop_is_charged_but_unanswered_and_reset_is_neither() {
    let m = MockMarket::start().unwrap();
    let r = tel3(
        m.addr(),
        "张三",
        "11010519491231002X",
        "13800138000",
        &[SUCCESS, ("X-Mock-Fault", "drop")],
    );
    assert!(
        matches!(&r, support::Exchange::Closed(received) if received.is_empty()),
        "drop closes the connection without an answer: {}",
        r.describe()
    );
    assert_eq!(
        m.usage_of(APPCODE, Vendor::Tel3).charged,
        1,
        "processed and charged"
    );
    let r = tel3(
        m.addr(),
        "张三",
        "11010519491231002X",
        "13800138000",
        &[SUCCESS, ("X-Mock-Fault", "reset")],
    );
    assert!(
        matches!(&r, support::Exchange::Closed(received) if received.is_empty()),
        "reset closes the connection without an answer: {}",
        r.describe()
    );
    assert_eq!(
        m.usage_of(APPCODE, Vendor::Tel3).charged,
        1,
        "reset is not charged"
    );
}

#[test]
fn broken_bodies_and_backend_failures() {
    let m = MockMarket::start().unwrap();
    let full = tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap();
    let cut = tel3(
        m.addr(),
        "a",
        "b",
        "c",
        &[SUCCESS, ("X-Mock-Fault", "truncate")],
    )
    .unwrap();
    assert_eq!(cut.status, 200);
    assert_eq!(cut.body, full.body[..full.body.len() / 2]);
    assert!(serde_json::from_slice::<serde_json::Value>(&cut.body).is_err());
    let bad = tel3(
        m.addr(),
        "a",
        "b",
        "c",
        &[SUCCESS, ("X-Mock-Fault", "malformed")],
    )
    .unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&bad.body).is_err());
    for (fault, status) in [("502", 502), ("503", 503), ("504", 504)] {
        let r = tel3(m.addr(), "a", "b", "c", &[SUCCESS, ("X-Mock-Fault", fault)]).unwrap();
        assert_eq!(r.status, status);
        assert!(r.body.is_empty());
        assert!(r.header("x-ca-error-message").is_some());
    }
    // full + truncate + malformed were 2xx; 502/503/504 were not charged.
    assert_eq!(m.usage_of(APPCODE, Vendor::Tel3).charged, 3);
    let r = tel3(m.addr(), "a", "b", "c", &[("X-Mock-Fault", "explode")]).unwrap();
    assert_eq!(r.status, 400);
}

#[test]
fn latency_and_late_answers_arrive_after_the_delay() {
    let m = MockMarket::builder()
        .late_answer_delay(Duration::from_millis(300))
        .start()
        .unwrap();
    for fault in ["latency=200ms", "late"] {
        let start = Instant::now();
        let r = tel3(m.addr(), "a", "b", "c", &[SUCCESS, ("X-Mock-Fault", fault)]).unwrap();
        assert_eq!(r.status, 200);
        assert!(start.elapsed() >= Duration::from_millis(200), "{fault}");
    }
}

#[test]
fn queued_faults_apply_to_the_next_requests_only() {
    let m = MockMarket::start().unwrap();
    let r = send(
        m.addr(),
        "POST",
        "/__admin/faults",
        &[],
        br#"{"fault":"503","count":2,"product":"tel3"}"#,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let statuses: Vec<u16> = (0..3)
        .map(|_| tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap().status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
    m.queue_fault(Fault::Unavailable(502), 1, Some(Vendor::Sfz2));
    assert_eq!(
        tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap().status,
        200,
        "fault was for sfz2"
    );
}

#[test]
fn admin_usage_quota_reset_and_health() {
    let m = MockMarket::start().unwrap();
    assert_eq!(
        send(m.addr(), "GET", "/__admin/health", &[], b"")
            .unwrap()
            .json()["status"],
        "ok"
    );
    tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap();
    let usage = send(m.addr(), "GET", "/__admin/usage", &[], b"")
        .unwrap()
        .json();
    assert_eq!(usage[0]["product"], "tel3");
    assert_eq!(usage[0]["charged"], 1);
    assert!(
        !usage.to_string().contains(APPCODE),
        "AppCodes are masked in usage"
    );
    let body = format!(r#"{{"credential":"{APPCODE}","product":"tel3","quota":0}}"#);
    assert_eq!(
        send(m.addr(), "POST", "/__admin/quota", &[], body.as_bytes())
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap().status,
        403
    );
    assert_eq!(
        send(m.addr(), "POST", "/__admin/reset", &[], b"")
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        tel3(m.addr(), "a", "b", "c", &[SUCCESS]).unwrap().status,
        200
    );
    assert_eq!(
        send(m.addr(), "GET", "/__admin/nope", &[], b"")
            .unwrap()
            .status,
        404
    );
    assert_eq!(
        send(m.addr(), "POST", "/__admin/quota", &[], b"{")
            .unwrap()
            .status,
        400
    );
    let scenarios = send(m.addr(), "GET", "/__admin/scenarios", &[], b"")
        .unwrap()
        .json();
    assert!(scenarios
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == "tel3/fail-mobile"));
}

#[test]
fn the_journal_masks_personal_data_and_credentials() {
    let m = MockMarket::start().unwrap();
    let r = shiming_mock_market::Registry::builtin();
    let p = r
        .people()
        .iter()
        .find(|p| p.mobile.is_some() && p.name.chars().count() >= 2)
        .unwrap();
    let mobile = p.mobile.clone().unwrap();
    tel3(m.addr(), &p.name, &p.id_card, &mobile, &[]).unwrap();
    let via_http = send(m.addr(), "GET", "/__admin/journal", &[], b"")
        .unwrap()
        .text();
    let in_process = serde_json::to_string(&m.journal()).unwrap();
    for text in [via_http, in_process, format!("{:?}", m.journal())] {
        for secret in [
            p.name.as_str(),
            p.id_card.as_str(),
            mobile.as_str(),
            APPCODE,
        ] {
            assert!(!text.contains(secret), "journal leaks a value: {text}");
        }
        assert!(text.contains("/mobile"));
    }
}

/// Off loopback, the admin API's changes need the admin token: refused without one (403),
/// and with one only when it is presented (401 otherwise). Reading stays open, and the
/// marketplace itself answers as always. On loopback, they are open.
#[test]
fn off_loopback_the_admin_apis_changes_need_the_admin_token() {
    let on_all = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let at = |m: &shiming_mock_market::MockHandle| {
        std::net::SocketAddr::from(([127, 0, 0, 1], m.addr().port()))
    };
    let fault = br#"{"fault":"drop","count":1}"#;

    let refused = MockMarket::builder().listen(on_all).start().unwrap();
    let r = send(at(&refused), "POST", "/__admin/faults", &[], fault).unwrap();
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("--admin-token"), "{}", r.text());
    let r = send(at(&refused), "POST", "/__admin/reset", &[], b"").unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        send(at(&refused), "GET", "/__admin/journal", &[], b"")
            .unwrap()
            .status,
        200
    );
    let answer = tel3(
        at(&refused),
        "张三",
        "11010519491231002X",
        "13800138000",
        &[],
    );
    assert_eq!(
        answer.unwrap().status,
        200,
        "the market itself still answers"
    );

    let token = "an-admin-token-for-the-tests";
    let guarded = MockMarket::builder()
        .listen(on_all)
        .admin_token(token)
        .start()
        .unwrap();
    let r = send(at(&guarded), "POST", "/__admin/faults", &[], fault).unwrap();
    assert_eq!(r.status, 401);
    let wrong = [("Authorization", "Bearer an-admin-token-for-the-test")];
    let r = send(at(&guarded), "POST", "/__admin/faults", &wrong, fault).unwrap();
    assert_eq!(r.status, 401);
    let bearer = format!("Bearer {token}");
    let right = [("Authorization", bearer.as_str())];
    let r = send(at(&guarded), "POST", "/__admin/faults", &right, fault).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = tel3(
        at(&guarded),
        "张三",
        "11010519491231002X",
        "13800138000",
        &[],
    );
    assert!(
        matches!(answer, support::Exchange::Closed(_)),
        "the queued drop closes the next request unanswered"
    );

    let open = MockMarket::start().unwrap();
    let r = send(open.addr(), "POST", "/__admin/faults", &[], fault).unwrap();
    assert_eq!(r.status, 200, "on loopback the admin API is open");
}
