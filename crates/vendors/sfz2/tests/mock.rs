//! `Sfz2Client` against the mock market over real sockets: verdicts, the vendor's input errors,
//! local refusals that send nothing, gateway errors, signature auth and transport faults —
//! asserting the mock's usage counters after each so that nothing is charged twice.

use std::time::Duration;

use http::StatusCode;
use shiming_core::{Billing, Error, ErrorKind, Identity, TwoElementVerifier, Verdict};
use shiming_gateway::retry::RetryPolicy;
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{Credential, Fault, MockHandle, MockMarket, Product};
use shiming_sfz2::{request, response, Sfz2Client};

/// The registry's examples (synthetic people, fixtures/README.md).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const UNKNOWN_ID: &str = "110108198510100190";
const BAD_CHECKSUM: &str = "330106198805160712";

fn appcode() -> Credentials {
    Credentials::app_code(DEMO_APPCODE)
}

fn client(m: &MockHandle) -> Sfz2Client {
    Sfz2Client::builder(appcode()).endpoint(m.url()).build()
}

fn unvalidated(m: &MockHandle) -> Sfz2Client {
    Sfz2Client::builder(appcode())
        .endpoint(m.url())
        .local_validation(false)
        .build()
}

fn who(name: &str, id: &str) -> Identity {
    Identity::unchecked(name, id, None)
}

/// (received, charged) of the demo AppCode on sfz2.
fn usage(m: &MockHandle) -> (u64, u64) {
    let u = m.usage_of(DEMO_APPCODE, Product::Sfz2);
    (u.received, u.charged)
}

#[track_caller]
fn assert_no_personal_data(e: &Error) {
    let shown = format!("{e} {e:?}");
    for secret in [NAME, ID, DEMO_APPCODE] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn match_mismatch_and_no_record() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    let v = c.verify_two(&who(NAME, ID)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billed, v.vendor),
        (Verdict::Match, true, "sfz2")
    );
    assert_eq!(v.vendor_code.as_deref(), Some("true"));
    assert_eq!(v.vendor_message.as_deref(), Some("实名信息正确"));
    assert!(v.request_id.is_some());
    assert_eq!((v.detail.as_deref(), v.carrier), (None, None));
    for field in ["xm", "sfz", "birthday"] {
        let echo = v.extra(field).unwrap();
        assert!(echo.contains('*'), "{field}={echo}");
    }
    // 1988-05-16, a male number (odd sequence digit), registered in Hangzhou.
    assert_eq!(v.extra("birthday"), Some("19****16"));
    assert_eq!(v.extra("sex"), Some("男"));
    assert!(v.extra("address").is_some_and(|a| a.starts_with("浙江省")));
    let shown = format!("{v:?}");
    assert!(!shown.contains(NAME) && !shown.contains(ID), "{shown}");
    let cases = [
        (who("陈思源", ID), Verdict::Mismatch, Some("name_mismatch")),
        (who(NAME, UNKNOWN_ID), Verdict::NoRecord, Some("no_record")),
    ];
    for (identity, verdict, detail) in &cases {
        let v = c.verify_two(identity).await.unwrap();
        assert_eq!(
            (v.verdict, v.detail.as_deref(), v.billed),
            (*verdict, *detail, true)
        );
        assert!(v.extra("sex").is_some(), "extras come with every verdict");
    }
    assert_eq!(usage(&m), (3, 3), "every verdict is charged once");
}

#[tokio::test]
async fn a_mobile_in_the_identity_is_neither_checked_nor_sent() {
    let m = MockMarket::start().unwrap();
    let v = client(&m)
        .verify_two(&Identity::unchecked(NAME, ID, Some("not a mobile")))
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Match);
    let journal = m.journal();
    assert_eq!(journal.len(), 1);
    let params = &journal[0].params;
    assert!(
        params.contains("xm=") && params.contains("sfz="),
        "{params}"
    );
    assert!(!params.contains("mob"), "{params}");
    assert_eq!(usage(&m), (1, 1));
}

#[tokio::test]
async fn the_vendors_input_errors_are_unbilled() {
    let m = MockMarket::start().unwrap();
    let c = unvalidated(&m);
    let cases = [
        (who(NAME, BAD_CHECKSUM), "身份证号码有误"),
        (who(NAME, "110105491231002"), "身份证号码有误"),
        (who("陈思远1", ID), "姓名有误"),
        (who("陈\u{7}思远", ID), "非法来源"),
    ];
    for (identity, msg) in &cases {
        let e = c.verify_two(identity).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing(), e.vendor_code()),
            (ErrorKind::InvalidInput, Billing::NotBilled, Some(*msg))
        );
        assert!(e.input().is_none(), "refused by the vendor, not locally");
        assert!(e.request_id().is_some());
        assert_no_personal_data(&e);
    }
    assert_eq!(usage(&m), (4, 0), "sent, answered with 666, never charged");
}

#[tokio::test]
async fn refused_locally_means_never_sent() {
    let m = MockMarket::start().unwrap();
    // Local validation on: the checksum is refused before sending.
    let e = client(&m)
        .verify_two(&who(NAME, BAD_CHECKSUM))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor()),
        (ErrorKind::InvalidInput, Billing::NotBilled, Some("sfz2"))
    );
    assert_eq!(
        e.input().map(|i| (i.field(), i.reason())),
        Some(("id_card", "checksum"))
    );
    assert_no_personal_data(&e);
    // sfz2's own limits apply even with local validation off.
    let c = unvalidated(&m);
    let long_name = "阿".repeat(51);
    let limits = [
        (who("陈*", ID), "name"),
        (who(&long_name, ID), "name"),
        (who("John Smith", ID), "name"),
        (who("", ID), "name"),
        (who(NAME, "3301061988051607111"), "id_card"),
        (who(NAME, "33010619880516****"), "id_card"),
    ];
    for (identity, field) in &limits {
        let e = c.verify_two(identity).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::NotBilled)
        );
        assert_eq!(
            e.input().map(|i| (i.field(), i.reason())),
            Some((*field, "vendor_limit"))
        );
        assert_no_personal_data(&e);
    }
    assert_eq!(usage(&m), (0, 0), "nothing reached the market");
    assert!(m.journal().is_empty());
}

#[tokio::test]
async fn quota_exhausted_is_not_billed() {
    let m = MockMarket::builder().quota(1).start().unwrap();
    let c = client(&m);
    assert_eq!(
        c.verify_two(&who(NAME, ID)).await.unwrap().verdict,
        Verdict::Match
    );
    let e = c.verify_two(&who(NAME, ID)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::QuotaExhausted, Billing::NotBilled)
    );
    assert!(e.kind().is_safe_to_retry());
    assert!(e.request_id().is_some());
    let u = m.usage_of(DEMO_APPCODE, Product::Sfz2);
    assert_eq!((u.charged, u.quota_left), (1, Some(0)));
}

#[tokio::test]
async fn wrong_or_unsubscribed_credentials_are_unauthorized() {
    let m = MockMarket::builder()
        .credential(Credential::app_code("only-tel3").only(&[Product::Tel3]))
        .credential(Credential::app_code(DEMO_APPCODE))
        .start()
        .unwrap();
    let unknown = Sfz2Client::builder(Credentials::app_code("nope"))
        .endpoint(m.url())
        .build();
    let e = unknown.verify_two(&who(NAME, ID)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    let unsubscribed = Sfz2Client::builder(Credentials::app_code("only-tel3"))
        .endpoint(m.url())
        .build();
    let e = unsubscribed.verify_two(&who(NAME, ID)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert_no_personal_data(&e);
    let u = m.usage_of("only-tel3", Product::Sfz2);
    assert_eq!((u.received, u.charged), (0, 0));
    assert_eq!(usage(&m), (0, 0));
}

#[tokio::test]
async fn signature_mode_is_accepted() {
    let m = MockMarket::start().unwrap();
    let c = Sfz2Client::builder(Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET))
        .endpoint(m.url())
        .build();
    for _ in 0..2 {
        let v = c.verify_two(&who(NAME, ID)).await.unwrap();
        assert_eq!((v.verdict, v.billed), (Verdict::Match, true));
    }
    let u = m.usage_of(DEMO_APP_KEY, Product::Sfz2);
    assert_eq!((u.received, u.charged), (2, 2));
    let wrong = Sfz2Client::builder(Credentials::app_key(DEMO_APP_KEY, "not-the-secret"))
        .endpoint(m.url())
        .build();
    let e = wrong.verify_two(&who(NAME, ID)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_no_personal_data(&e);
}

#[tokio::test]
async fn a_late_answer_may_have_been_charged_and_is_not_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(
        Fault::Latency(Duration::from_millis(1500)),
        1,
        Some(Product::Sfz2),
    );
    let gateway = GatewayClient::builder()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let c = Sfz2Client::builder(appcode())
        .gateway(gateway)
        .endpoint(m.url())
        .build();
    let e = c.verify_two(&who(NAME, ID)).await.unwrap_err();
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
    m.queue_fault(Fault::Reset, 1, Some(Product::Sfz2));
    let gateway = GatewayClient::builder()
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let c = Sfz2Client::builder(appcode())
        .gateway(gateway)
        .endpoint(m.url())
        .build();
    let e = c.verify_two(&who(NAME, ID)).await.unwrap_err();
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
    m.queue_fault(Fault::Drop, 1, Some(Product::Sfz2));
    let e = c.verify_two(&who(NAME, ID)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MayHaveBeenCharged);
    assert_eq!(usage(&m), (2, 1));
}

#[tokio::test]
async fn truncated_and_malformed_answers_keep_their_billing() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    m.queue_fault(Fault::Truncate, 1, Some(Product::Sfz2));
    let e = c.verify_two(&who(NAME, ID)).await.unwrap_err();
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
    m.queue_fault(Fault::Truncate, 1, Some(Product::Sfz2));
    let e = unvalidated(&m)
        .verify_two(&who(NAME, BAD_CHECKSUM))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (2, 1));
    m.queue_fault(Fault::Malformed, 1, Some(Product::Sfz2));
    let e = c.verify_two(&who(NAME, ID)).await.unwrap_err();
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
    m.queue_fault(Fault::BackendTimeout, 1, Some(Product::Sfz2));
    let e = client(&m).verify_two(&who(NAME, ID)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (1, 0));
    // 503: not processed, not billed.
    m.queue_fault(Fault::Unavailable(503), 1, Some(Product::Sfz2));
    let e = client(&m).verify_two(&who(NAME, ID)).await.unwrap_err();
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
    let cases = [
        (who(NAME, ID), None),
        (who("陈思源", ID), None),
        (who(NAME, UNKNOWN_ID), None),
        (who(NAME, BAD_CHECKSUM), None),
        (who(NAME, ID), Some(Fault::Truncate)),
        (who(NAME, BAD_CHECKSUM), Some(Fault::Truncate)),
        (who(NAME, ID), Some(Fault::Malformed)),
    ];
    for (identity, fault) in &cases {
        if let Some(fault) = fault {
            m.queue_fault(*fault, 1, Some(Product::Sfz2));
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
    let a = Sfz2Client::builder(appcode())
        .gateway(shared.clone())
        .endpoint(m.url())
        .build();
    let b = a.clone();
    let c = Sfz2Client::builder(appcode())
        .gateway(shared)
        .endpoint(format!("{}/", m.url()))
        .build();
    for client in [&a, &b, &c] {
        client.verify_two(&who(NAME, ID)).await.unwrap();
    }
    assert_eq!(m.connections(), 1);
    assert_eq!(usage(&m), (3, 3));
}

#[tokio::test]
async fn usable_as_a_trait_object() {
    let m = MockMarket::start().unwrap();
    let verifier: Box<dyn TwoElementVerifier> = Box::new(client(&m));
    assert_eq!(verifier.vendor(), "sfz2");
    let v = verifier.verify_two(&who(NAME, ID)).await.unwrap();
    assert_eq!(v.verdict, Verdict::Match);
}
