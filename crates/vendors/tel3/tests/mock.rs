//! `Tel3Client` against the mock market over real sockets: verdicts, the vendor's input errors,
//! local refusals that send nothing, gateway errors, signature auth and transport faults —
//! asserting the mock's usage counters after each so that nothing is charged twice.

use std::time::Duration;

use http::StatusCode;
use shiming_core::id_card::ValidationOptions;
use shiming_core::{Billing, Error, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::retry::RetryPolicy;
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{Credential, Fault, MockHandle, MockMarket, Product};
use shiming_tel3::{request, response, Tel3Client};
use shiming_vendor_kit::today_in_china;

/// The registry's examples (synthetic people, fixtures/README.md).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
const UNKNOWN_ID: &str = "110108198510100190";
const UNICOM_MOBILE: &str = "18675510002";
const MVNO: (&str, &str, &str) = ("周子轩", "420106199906122155", "17092710005");
/// Valid with lenient region rules, but its region code was abolished before the birth year.
const ABOLISHED_REGION_ID: &str = "533528201101132194";

fn appcode() -> Credentials {
    Credentials::app_code(DEMO_APPCODE)
}

fn client(m: &MockHandle) -> Tel3Client {
    Tel3Client::builder(appcode()).endpoint(m.url()).build()
}

fn unvalidated(m: &MockHandle) -> Tel3Client {
    Tel3Client::builder(appcode())
        .endpoint(m.url())
        .local_validation(false)
        .build()
}

fn who(name: &str, id: &str, mobile: &str) -> Identity {
    Identity::unchecked(name, id, Some(mobile))
}

/// (received, charged) of the demo AppCode on tel3.
fn usage(m: &MockHandle) -> (u64, u64) {
    let u = m.usage_of(DEMO_APPCODE, Product::Tel3);
    (u.received, u.charged)
}

#[track_caller]
fn assert_no_personal_data(e: &Error) {
    let shown = format!("{e} {e:?}");
    for secret in [NAME, ID, MOBILE, DEMO_APPCODE] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn match_mismatch_and_no_record() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billed, v.vendor),
        (Verdict::Match, true, "tel3")
    );
    assert_eq!(v.vendor_code.as_deref(), Some("1"));
    assert_eq!(v.vendor_message.as_deref(), Some("校验通过"));
    assert!(v.request_id.is_some());
    assert_eq!(v.detail, None);
    assert_eq!(v.carrier, None, "tel3 does not tell the carrier");
    for field in ["xm", "sfz", "mob"] {
        let echo = v.extra(field).unwrap();
        assert!(echo.contains('*'), "{field}={echo}");
    }
    let cases = [
        (
            who("陈思源", ID, MOBILE),
            Verdict::Mismatch,
            Some("inconsistent"),
        ),
        (
            who(NAME, ID, UNICOM_MOBILE),
            Verdict::Mismatch,
            Some("inconsistent"),
        ),
        (
            who(NAME, UNKNOWN_ID, MOBILE),
            Verdict::NoRecord,
            Some("no_carrier_record"),
        ),
        // A virtual-operator number: the carrier does not verify it.
        (
            who(MVNO.0, MVNO.1, MVNO.2),
            Verdict::NoRecord,
            Some("no_carrier_record"),
        ),
        // Passes local (lenient) validation; the carrier says the ID is wrong — billed.
        (
            who(NAME, ABOLISHED_REGION_ID, MOBILE),
            Verdict::Mismatch,
            Some("wrong_id_card"),
        ),
    ];
    for (identity, verdict, detail) in &cases {
        let v = c.verify_three(identity).await.unwrap();
        assert_eq!(
            (v.verdict, v.detail.as_deref(), v.billed),
            (*verdict, *detail, true)
        );
    }
    assert_eq!(usage(&m), (6, 6), "every verdict is charged once");
}

#[tokio::test]
async fn the_vendors_input_errors_are_unbilled() {
    let m = MockMarket::start().unwrap();
    let c = unvalidated(&m);
    let cases = [
        (who(NAME, "330106198805160712", MOBILE), "身份证号码有误"),
        (who("陈思远1", ID, MOBILE), "真实姓名有误"),
        (who(NAME, ID, "23957120001"), "手机号码有误"),
        (who(NAME, ID, "1395712000"), "手机号码有误"),
        (who("陈\u{7}思远", ID, MOBILE), "非法来源"),
    ];
    for (identity, msg) in &cases {
        let e = c.verify_three(identity).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing(), e.vendor_code()),
            (ErrorKind::InvalidInput, Billing::NotBilled, Some(*msg))
        );
        assert!(e.input().is_none(), "refused by the vendor, not locally");
        assert!(e.request_id().is_some());
        assert_no_personal_data(&e);
    }
    assert_eq!(usage(&m), (5, 0), "sent, answered with 666, never charged");
    // Billed refinements inside a mismatch, reachable only without local validation.
    let cases = [
        (who("陈\u{FFFD}远", ID, MOBILE), "garbled_input"),
        (who(NAME, ID, "15412345678"), "wrong_mobile"),
    ];
    for (identity, detail) in &cases {
        let v = c.verify_three(identity).await.unwrap();
        assert_eq!(
            (v.verdict, v.detail.as_deref(), v.billed),
            (Verdict::Mismatch, Some(*detail), true)
        );
    }
    assert_eq!(usage(&m), (7, 2));
}

#[tokio::test]
async fn refused_locally_means_never_sent() {
    let m = MockMarket::start().unwrap();
    let bad_checksum = who(NAME, "330106198805160712", MOBILE);
    // Local validation on: the checksum is refused before sending.
    let e = client(&m).verify_three(&bad_checksum).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor()),
        (ErrorKind::InvalidInput, Billing::NotBilled, Some("tel3"))
    );
    assert_eq!(
        e.input().map(|i| (i.field(), i.reason())),
        Some(("id_card", "checksum"))
    );
    let e = client(&m)
        .verify_three(&who(NAME, ID, "15412345678"))
        .await
        .unwrap_err();
    assert_eq!(e.input().map(|i| i.field()), Some("mobile"));
    // tel3's own limits apply even with local validation off.
    let c = unvalidated(&m);
    let long_name = "阿".repeat(51);
    let limits = [
        (who("陈*", ID, MOBILE), "name", "vendor_limit"),
        (who(&long_name, ID, MOBILE), "name", "vendor_limit"),
        (who("John Smith", ID, MOBILE), "name", "vendor_limit"),
        (
            who(NAME, "3301061988051607111", MOBILE),
            "id_card",
            "vendor_limit",
        ),
        (who(NAME, ID, "139571200011"), "mobile", "vendor_limit"),
        (who(NAME, ID, ""), "mobile", "vendor_limit"),
        (Identity::unchecked(NAME, ID, None), "mobile", "missing"),
    ];
    for (identity, field, reason) in &limits {
        let e = c.verify_three(identity).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::NotBilled)
        );
        assert_eq!(
            e.input().map(|i| (i.field(), i.reason())),
            Some((*field, *reason))
        );
        assert_no_personal_data(&e);
    }
    assert_eq!(usage(&m), (0, 0), "nothing reached the market");
    assert!(m.journal().is_empty());
}

/// Strict regions refuse locally what lenient ones send and tel3 charges for refusing: an ID
/// number whose region code was abolished before the birth year.
#[tokio::test]
async fn strict_regions_save_the_charge_for_an_abolished_region() {
    let m = MockMarket::start().unwrap();
    let options = ValidationOptions::new(today_in_china());
    let unchecked = who(NAME, ABOLISHED_REGION_ID, MOBILE);
    let checked = Identity::new(NAME, ABOLISHED_REGION_ID, Some(MOBILE), &options).unwrap();
    let strict = Tel3Client::builder(appcode())
        .endpoint(m.url())
        .strict_regions(true)
        .build();
    assert!(strict.strict_regions());
    for identity in [&unchecked, &checked] {
        let e = strict.verify_three(identity).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing(), e.vendor()),
            (ErrorKind::InvalidInput, Billing::NotBilled, Some("tel3"))
        );
        assert_eq!(
            e.input().map(|i| (i.field(), i.reason())),
            Some(("id_card", "region"))
        );
        assert!(!format!("{e} {e:?}").contains(ABOLISHED_REGION_ID), "{e}");
        assert_no_personal_data(&e);
    }
    assert_eq!(
        usage(&m),
        (0, 0),
        "refused locally: nothing sent, nothing charged"
    );
    assert!(m.journal().is_empty());

    // Lenient regions (the default) send both, and tel3 charges for its refusal.
    let lenient = client(&m);
    assert!(!lenient.strict_regions());
    for identity in [&unchecked, &checked] {
        let v = lenient.verify_three(identity).await.unwrap();
        assert_eq!(
            (v.verdict, v.detail.as_deref(), v.billed),
            (Verdict::Mismatch, Some("wrong_id_card"), true)
        );
    }
    assert_eq!(usage(&m), (2, 2));

    // Strict regions refuse nothing else.
    let v = strict.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!((v.verdict, v.billed), (Verdict::Match, true));
    assert_eq!(usage(&m), (3, 3));
}

#[tokio::test]
async fn quota_exhausted_is_not_billed() {
    let m = MockMarket::builder().quota(1).start().unwrap();
    let c = client(&m);
    assert_eq!(
        c.verify_three(&who(NAME, ID, MOBILE))
            .await
            .unwrap()
            .verdict,
        Verdict::Match
    );
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::QuotaExhausted, Billing::NotBilled)
    );
    assert!(e.kind().is_safe_to_retry());
    assert!(e.request_id().is_some());
    let u = m.usage_of(DEMO_APPCODE, Product::Tel3);
    assert_eq!((u.charged, u.quota_left), (1, Some(0)));
}

#[tokio::test]
async fn wrong_or_unsubscribed_credentials_are_unauthorized() {
    let m = MockMarket::builder()
        .credential(Credential::app_code("only-sfz2").only(&[Product::Sfz2]))
        .credential(Credential::app_code(DEMO_APPCODE))
        .start()
        .unwrap();
    let unknown = Tel3Client::builder(Credentials::app_code("nope"))
        .endpoint(m.url())
        .build();
    let e = unknown
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert!(!e.to_string().contains("nope"), "{e}");
    let unsubscribed = Tel3Client::builder(Credentials::app_code("only-sfz2"))
        .endpoint(m.url())
        .build();
    let e = unsubscribed
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert_no_personal_data(&e);
    let u = m.usage_of("only-sfz2", Product::Tel3);
    assert_eq!((u.received, u.charged), (0, 0));
    assert_eq!(usage(&m), (0, 0));
}

#[tokio::test]
async fn signature_mode_is_accepted() {
    let m = MockMarket::start().unwrap();
    let c = Tel3Client::builder(Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET))
        .endpoint(m.url())
        .build();
    for _ in 0..2 {
        let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
        assert_eq!((v.verdict, v.billed), (Verdict::Match, true));
    }
    let u = m.usage_of(DEMO_APP_KEY, Product::Tel3);
    assert_eq!((u.received, u.charged), (2, 2));
    let wrong = Tel3Client::builder(Credentials::app_key(DEMO_APP_KEY, "not-the-secret"))
        .endpoint(m.url())
        .build();
    let e = wrong
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_no_personal_data(&e);
}

#[tokio::test]
async fn a_late_answer_may_have_been_charged_and_is_not_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(
        Fault::Latency(Duration::from_millis(1500)),
        1,
        Some(Product::Tel3),
    );
    let gateway = GatewayClient::builder()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let c = Tel3Client::builder(appcode())
        .gateway(gateway)
        .endpoint(m.url())
        .build();
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MayHaveBeenCharged, Billing::Unknown)
    );
    assert!(!e.kind().is_safe_to_retry());
    assert_eq!(
        usage(&m),
        (1, 1),
        "processed and charged once, never re-sent"
    );
}

#[tokio::test]
async fn a_reset_may_have_been_charged() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Reset, 1, Some(Product::Tel3));
    let gateway = GatewayClient::builder()
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let c = Tel3Client::builder(appcode())
        .gateway(gateway)
        .endpoint(m.url())
        .build();
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MayHaveBeenCharged, Billing::Unknown)
    );
    assert_eq!(
        usage(&m),
        (1, 0),
        "not re-sent; the mock closed before processing"
    );
    // A drop after processing: charged, still not re-sent.
    m.queue_fault(Fault::Drop, 1, Some(Product::Tel3));
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MayHaveBeenCharged);
    assert_eq!(usage(&m), (2, 1));
}

#[tokio::test]
async fn truncated_and_malformed_answers_keep_their_billing() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    m.queue_fault(Fault::Truncate, 1, Some(Product::Tel3));
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::Billed)
    );
    assert!(
        e.message().contains("truncated") || e.message().contains(':'),
        "{e}"
    );
    assert!(e.request_id().is_some());
    assert_no_personal_data(&e);
    assert_eq!(usage(&m), (1, 1));
    // The same for a 666 failure: truncated, not billed.
    m.queue_fault(Fault::Truncate, 1, Some(Product::Tel3));
    let e = unvalidated(&m)
        .verify_three(&who(NAME, "330106198805160712", MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (2, 1));
    m.queue_fault(Fault::Malformed, 1, Some(Product::Tel3));
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::Billed)
    );
    assert!(
        e.message().ends_with(": the answer is not valid JSON"),
        "{e}"
    );
    assert_eq!(usage(&m), (3, 2));
}

#[tokio::test]
async fn a_backend_timeout_is_a_vendor_fault_not_billed() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::BackendTimeout, 1, Some(Product::Tel3));
    let e = client(&m)
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (1, 0));
    // 503: not processed, not billed.
    m.queue_fault(Fault::Unavailable(503), 1, Some(Product::Tel3));
    let e = client(&m)
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (2, 0));
}

#[tokio::test]
async fn decode_and_decode_parts_agree_on_real_answers() {
    let m = MockMarket::start().unwrap();
    let gateway = GatewayClient::new();
    let checksum = who(NAME, "330106198805160712", MOBILE);
    let cases = [
        (who(NAME, ID, MOBILE), None),
        (who(NAME, UNKNOWN_ID, MOBILE), None),
        (checksum.clone(), None),
        (who(NAME, ID, MOBILE), Some(Fault::Truncate)),
        (checksum, Some(Fault::Truncate)),
        (who(NAME, ID, MOBILE), Some(Fault::Malformed)),
    ];
    for (identity, fault) in &cases {
        if let Some(fault) = fault {
            m.queue_fault(*fault, 1, Some(Product::Tel3));
        }
        let req = request::encode(&m.url(), identity);
        let r = gateway.call(&appcode(), &req).await.unwrap();
        assert!(r.status == StatusCode::OK || r.status.as_u16() == 666);
        let whole = response::decode(&r);
        let from_parts =
            response::decode_parts(r.status, &r.body, r.billed, r.request_id.as_deref());
        match (whole, from_parts) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                assert_eq!(
                    (a.kind(), a.billing(), a.vendor_code(), a.request_id()),
                    (b.kind(), b.billing(), b.vendor_code(), b.request_id())
                );
                // Same texts; the path may be more precise in `decode` (serde_path_to_error).
                let tail = |e: &Error| e.message().split_once(": ").map(|(_, t)| t.to_string());
                assert_eq!(tail(&a), tail(&b), "{a} / {b}");
            }
            (a, b) => panic!("{fault:?}: {a:?} vs {b:?}"),
        }
    }
}

#[tokio::test]
async fn clients_share_one_connection_pool() {
    let m = MockMarket::start().unwrap();
    let shared = GatewayClient::new();
    let a = Tel3Client::builder(appcode())
        .gateway(shared.clone())
        .endpoint(m.url())
        .build();
    let b = a.clone();
    let c = Tel3Client::builder(appcode())
        .gateway(shared)
        .endpoint(format!("{}/", m.url()))
        .build();
    for client in [&a, &b, &c] {
        client.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    }
    assert_eq!(m.connections(), 1);
    assert_eq!(usage(&m), (3, 3));
}

#[tokio::test]
async fn usable_as_a_trait_object() {
    let m = MockMarket::start().unwrap();
    let verifier: Box<dyn ThreeElementVerifier> = Box::new(client(&m));
    assert_eq!(verifier.vendor(), "tel3");
    let v = verifier.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(v.verdict, Verdict::Match);
}
