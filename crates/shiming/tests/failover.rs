//! The router against the mock market over real sockets: the order of vendors, failover only
//! where nothing was charged, the opt-ins, and the mock's usage counters showing that every
//! billed call is accounted for exactly once.

use shiming::config::Config;
use shiming::gateway::GatewayClient;
use shiming::{
    Billing, ErrorKind, FailoverPolicy, Identity, Order, Outcome, Router, Vendor, Verdict,
};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, MockHandle, MockMarket};
use shiming_test_support::market::{demo_usage, total_usage};

const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
const UNKNOWN_ID: &str = "110108198510100190";
/// A registry person without a mobile (two elements).
const TWO: (&str, &str) = ("吴秀英", "11010219560409026X");

fn who() -> Identity {
    Identity::unchecked(NAME, ID, Some(MOBILE))
}

/// A router over all five vendors at the mock, from a configuration text plus the
/// account-wide AppCode in the "environment".
fn router(m: &MockHandle, toml: &str) -> Router {
    let mut config = Config::from_toml_str(toml).unwrap();
    config.endpoint = Some(m.url());
    config.apply_env_from(|name| (name == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
    config.router(&GatewayClient::new()).expect("router")
}

/// Everything the mock charged, all credentials and products together.
fn total_charged(m: &MockHandle) -> u64 {
    total_usage(m).1
}

#[tokio::test]
async fn price_order_sends_to_the_cheapest_three_element_vendor() {
    let m = MockMarket::start().unwrap();
    let r = router(&m, "order = \"price\"");
    let order: Vec<_> = r
        .candidates(shiming::Elements::Three)
        .map(|r| r.vendor())
        .collect();
    // phonethird is left out: no consent attested.
    assert_eq!(order, ["sxm3v2", "tel3", "sjsys"]);
    let routed = r.verify(&who()).await.unwrap();
    assert_eq!(routed.verification.verdict, Verdict::Match);
    assert_eq!(routed.verification.vendor, "sxm3v2");
    assert_eq!(routed.attempts.tried(), ["sxm3v2"]);
    assert_eq!(routed.attempts.billed(), ["sxm3v2"]);
    assert_eq!(routed.attempts.cost().to_string(), "0.170");
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (1, 1));
    assert_eq!(total_charged(&m), 1);
}

#[tokio::test]
async fn priority_order_follows_the_configuration() {
    let m = MockMarket::start().unwrap();
    let r = router(
        &m,
        "[vendors.sjsys]\npriority = 1\n[vendors.tel3]\npriority = 2\n[vendors.phonethird]\nconsent_obtained_by_caller = true\npriority = 3\n",
    );
    let order: Vec<_> = r
        .candidates(shiming::Elements::Three)
        .map(|r| r.vendor())
        .collect();
    assert_eq!(order, ["sjsys", "tel3", "phonethird", "sxm3v2"]);
    let routed = r.verify(&who()).await.unwrap();
    assert_eq!(routed.verification.vendor, "sjsys");
    assert_eq!(demo_usage(&m, Vendor::Sjsys), (1, 1));
}

#[tokio::test]
async fn quota_exhausted_fails_over_with_exactly_one_charge() {
    let m = MockMarket::start().unwrap();
    m.set_quota(DEMO_APPCODE, &[Vendor::Sxm3v2], Some(0));
    let r = router(&m, "order = \"price\"");
    let routed = r.verify(&who()).await.unwrap();
    assert_eq!(routed.verification.verdict, Verdict::Match);
    assert_eq!(routed.verification.vendor, "tel3");
    assert_eq!(routed.attempts.tried(), ["sxm3v2", "tel3"]);
    assert_eq!(routed.attempts.billed(), ["tel3"]);
    assert_eq!(
        routed.attempts[0].outcome,
        Outcome::Error(ErrorKind::QuotaExhausted)
    );
    assert_eq!(routed.attempts[0].billing, Billing::NotBilled);
    assert_eq!(routed.attempts.cost().to_string(), "0.200");
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (1, 0));
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));
    assert_eq!(total_charged(&m), 1);
}

#[tokio::test]
async fn a_verdict_ends_the_route_even_a_mismatch() {
    let m = MockMarket::start().unwrap();
    let r = router(&m, "order = \"price\"");
    let mismatch = Identity::unchecked("王五", ID, Some(MOBILE));
    let routed = r.verify(&mismatch).await.unwrap();
    assert_eq!(routed.verification.verdict, Verdict::Mismatch);
    assert_eq!(routed.attempts.tried(), ["sxm3v2"]);
    assert_eq!(total_charged(&m), 1);
}

#[tokio::test]
async fn no_record_fails_over_only_when_configured() {
    let m = MockMarket::start().unwrap();
    let unknown = Identity::unchecked(NAME, UNKNOWN_ID, Some(MOBILE));
    let plain = router(&m, "order = \"price\"");
    let routed = plain.verify(&unknown).await.unwrap();
    assert_eq!(routed.verification.verdict, Verdict::NoRecord);
    assert_eq!(routed.attempts.len(), 1);
    let charged_before = total_charged(&m);

    let eager = router(&m, "order = \"price\"\n[failover]\non_no_record = true\n");
    let routed = eager.verify(&unknown).await.unwrap();
    // Every vendor says NoRecord; each was asked and each NoRecord that was billed is named.
    assert_eq!(routed.attempts.tried(), ["sxm3v2", "tel3", "sjsys"]);
    assert_eq!(routed.verification.verdict, Verdict::NoRecord);
    let billed = routed.attempts.billed().len() as u64;
    assert_eq!(total_charged(&m) - charged_before, billed);
}

#[tokio::test]
async fn input_refused_locally_reaches_no_vendor() {
    let m = MockMarket::start().unwrap();
    let r = router(&m, "");
    let bad = Identity::unchecked(NAME, "330106198805160712", Some(MOBILE));
    let e = r.verify(&bad).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::InvalidInput);
    assert!(e.attempts.is_empty());
    assert_eq!(e.billing(), Billing::NotBilled);
    assert!(m.journal().is_empty());
    assert!(!format!("{e} {e:?}").contains("330106198805160712"));
}

#[tokio::test]
async fn may_have_been_charged_stops_unless_opted_in() {
    let m = MockMarket::start().unwrap();
    let timeout = "order = \"price\"\ntimeout_seconds = 1\n";
    // The mock takes the charge and drops the connection without answering.
    m.queue_fault(Fault::Drop, 1, Some(Vendor::Sxm3v2));
    let e = router(&m, timeout).verify(&who()).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::MayHaveBeenCharged);
    assert_eq!(e.attempts.tried(), ["sxm3v2"]);
    assert_eq!(e.billing(), Billing::Unknown);
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (1, 1));
    assert_eq!(demo_usage(&m, Vendor::Tel3), (0, 0));

    m.queue_fault(Fault::Drop, 1, Some(Vendor::Sxm3v2));
    let opted = format!("{timeout}[failover]\nafter_possible_charge = true\n");
    let routed = router(&m, &opted).verify(&who()).await.unwrap();
    assert_eq!(routed.verification.vendor, "tel3");
    assert_eq!(routed.attempts.tried(), ["sxm3v2", "tel3"]);
    assert_eq!(routed.attempts[0].billing, Billing::Unknown);
    assert_eq!(routed.attempts.cost_at_most().to_string(), "0.370");
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (2, 2));
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));
}

#[tokio::test]
async fn unavailable_and_unauthorized_fail_over() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Unavailable(503), 1, Some(Vendor::Sxm3v2));
    let r = router(&m, "order = \"price\"");
    let routed = r.verify(&who()).await.unwrap();
    assert_eq!(routed.attempts.tried(), ["sxm3v2", "tel3"]);
    assert_eq!(total_charged(&m), 1);

    // A wrong AppCode for sxm3v2 only.
    let mut config = Config::from_toml_str(
        "order = \"price\"\n[vendors.sxm3v2]\nappcode = \"wrongwrongwrongwrongwrongwrong00\"\n",
    )
    .unwrap();
    config.endpoint = Some(m.url());
    config.apply_env_from(|n| (n == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
    let routed = config
        .router(&GatewayClient::new())
        .expect("router")
        .verify(&who())
        .await
        .unwrap();
    assert_eq!(
        routed.attempts[0].outcome,
        Outcome::Error(ErrorKind::Unauthorized)
    );
    assert_eq!(routed.verification.vendor, "tel3");
    assert_eq!(total_charged(&m), 2);
}

#[tokio::test]
async fn every_vendor_failing_returns_the_last_error_with_the_trail() {
    let m = MockMarket::start().unwrap();
    m.set_quota(
        DEMO_APPCODE,
        &[Vendor::Sxm3v2, Vendor::Tel3, Vendor::Sjsys],
        Some(0),
    );
    let e = router(&m, "order = \"price\"")
        .verify(&who())
        .await
        .unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(e.attempts.tried(), ["sxm3v2", "tel3", "sjsys"]);
    assert_eq!(e.billing(), Billing::NotBilled);
    assert!(e.to_string().contains("tried sxm3v2"), "{e}");
    assert_eq!(total_charged(&m), 0);
}

#[tokio::test]
async fn two_elements_go_to_sfz2_and_need_a_route() {
    let m = MockMarket::start().unwrap();
    let r = router(&m, "");
    let routed = r
        .verify(&Identity::unchecked(TWO.0, TWO.1, None))
        .await
        .unwrap();
    assert_eq!(routed.verification.vendor, "sfz2");
    assert_eq!(routed.verification.verdict, Verdict::Match);
    assert_eq!(demo_usage(&m, Vendor::Sfz2), (1, 1));

    let mut config = Config::from_toml_str("[vendors.sfz2]\nenabled = false").unwrap();
    config.endpoint = Some(m.url());
    config.apply_env_from(|n| (n == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
    assert_eq!(
        config
            .unusable_because(Vendor::Sfz2)
            .map(|why| why.to_string()),
        Some("disabled".to_string())
    );
    let e = config
        .router(&GatewayClient::new())
        .expect("router")
        .verify(&Identity::unchecked(TWO.0, TWO.1, None))
        .await
        .unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::NotSent);
    assert!(e.error.message().contains("sfz2"), "{e}");
    assert_eq!(demo_usage(&m, Vendor::Sfz2), (1, 1));
}

#[tokio::test]
async fn builder_routes_and_failover_policy_compose() {
    let m = MockMarket::start().unwrap();
    m.set_quota(DEMO_APPCODE, &[Vendor::Tel3], Some(0));
    let code = shiming::gateway::Credentials::app_code(DEMO_APPCODE);
    let tel3 = shiming::tel3::Tel3Client::builder(code.clone())
        .endpoint(m.url())
        .build();
    let sjsys = shiming::sjsys::SjsysClient::builder(code)
        .endpoint(m.url())
        .build();
    let router = Router::builder()
        .route(shiming::Route::three(sjsys).with_priority(2))
        .route(shiming::Route::three(tel3).with_priority(1))
        .order(Order::Priority)
        .failover(FailoverPolicy::default())
        .build();
    let routed = router.verify(&who()).await.unwrap();
    assert_eq!(
        routed.attempts.to_string(),
        "tel3: quota_exhausted (not billed, 0.200) → sjsys: match (billed, 0.420)"
    );
}

#[test]
fn the_example_configuration_parses_and_means_what_it_says() {
    let text = include_str!("../../../shiming.example.toml");
    let mut config = Config::from_toml_str(text).unwrap();
    assert_eq!(config.order, Order::Price);
    config.apply_env_from(|n| (n == "SHIMING_APPCODE").then(|| DEMO_APPCODE.to_string()));
    assert!(config
        .unusable_because(Vendor::Phonethird)
        .unwrap()
        .to_string()
        .contains("consent"));
    let router = config.router(&GatewayClient::new()).expect("router");
    let three: Vec<_> = router
        .candidates(shiming::Elements::Three)
        .map(|r| (r.vendor(), r.price().to_string()))
        .collect();
    assert_eq!(
        three,
        [
            ("sxm3v2", "0.120".to_string()),
            ("tel3", "0.180".to_string()),
            ("sjsys", "0.420".to_string())
        ]
    );
}
