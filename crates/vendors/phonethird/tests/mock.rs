//! `PhonethirdClient` against the mock market over real sockets: verdicts, vendor input errors
//! (charged) vs the same inputs refused locally (never sent), consent, gateway errors, auth
//! modes and transport faults — asserting the mock's usage counters after each, so that
//! nothing is charged twice.

use std::time::{Duration, SystemTime};

use shiming_core::{Billing, Carrier, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::retry::RetryPolicy;
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{Credential, Fault, MockHandle, MockMarket, Product, Usage};
use shiming_phonethird::{Consent, PhonethirdClient, PhonethirdClientBuilder};

/// The registry's Match example (synthetic, fixtures/README.md).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
/// Valid, deliberately absent from the registry.
const UNKNOWN_ID: &str = "110108198510100190";

fn who(name: &str, id: &str, mobile: &str) -> Identity {
    Identity::unchecked(name, id, Some(mobile))
}

fn consent() -> Consent {
    Consent::new("授权书 v1 shown in test, accepted", SystemTime::now())
}

fn builder(m: &MockHandle, credentials: Credentials) -> PhonethirdClientBuilder {
    PhonethirdClient::builder(credentials).endpoint(m.url())
}

fn client(m: &MockHandle) -> PhonethirdClient {
    builder(m, Credentials::app_code(DEMO_APPCODE)).build()
}

fn usage(m: &MockHandle) -> (u64, u64) {
    let Usage {
        received, charged, ..
    } = m.usage_of(DEMO_APPCODE, Product::Phonethird);
    (received, charged)
}

#[tokio::test]
async fn match_mismatch_and_no_record() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    let v = c
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Match);
    assert!(v.billed);
    assert_eq!(v.carrier, Some(Carrier::ChinaMobile));
    assert_eq!(v.vendor_code.as_deref(), Some("01"));
    assert_eq!(v.vendor_message.as_deref(), Some("实名认证通过"));
    assert!(v.request_id.is_some());
    assert_eq!(
        v.vendor_reference.as_deref().map(|r| r.split('_').count()),
        Some(3)
    );
    assert_eq!(v.extra("idCard"), Some("33*****0711"));
    assert_eq!(v.extra("mobile"), Some("13*****001"));
    assert_eq!(v.extra("name"), Some("陈**"));
    assert_eq!(
        v.extra("consent"),
        Some("授权书 v1 shown in test, accepted")
    );
    assert!(v
        .extra("consent_obtained_at")
        .is_some_and(|t| t.ends_with('Z')));

    let v = c
        .verify_with_consent(&who("陈思源", ID, MOBILE), consent())
        .await
        .unwrap();
    assert_eq!(
        (v.verdict, v.billed, v.carrier),
        (Verdict::Mismatch, true, None)
    );

    let v = c
        .verify_with_consent(&who(NAME, UNKNOWN_ID, MOBILE), consent())
        .await
        .unwrap();
    assert_eq!(
        (v.verdict, v.detail.as_deref()),
        (Verdict::NoRecord, Some("cannot_verify"))
    );
    assert_eq!(usage(&m), (3, 3));
    assert_eq!(m.connections(), 1, "one pooled keep-alive connection");
}

#[tokio::test]
async fn a_virtual_operator_number_is_no_record_with_the_reason() {
    let m = MockMarket::start().unwrap();
    let v = client(&m)
        .verify_with_consent(
            &who("周子轩", "420106199906122155", "17092710005"),
            consent(),
        )
        .await
        .unwrap();
    assert_eq!(
        (v.verdict, v.vendor_code.as_deref(), v.detail.as_deref()),
        (
            Verdict::NoRecord,
            Some("203"),
            Some("virtual_operator_segment")
        )
    );
    assert!(v.billed, "phonethird charges 203 (HTTP 200)");
    assert_eq!(usage(&m), (1, 1));
}

/// Inputs the vendor refuses (or cannot check), sent as they are.
const VENDOR_REFUSED: [(&str, &str, &str, &str); 4] = [
    ("张三😀", ID, MOBILE, "204"),
    (NAME, "330106198805160712", MOBILE, "205"), // bad check digit
    (NAME, ID, "1395712000", "206"),             // 10 digits
    (NAME, ID, "15412345678", "207"),            // 154: no carrier's segment
];

#[tokio::test]
async fn vendor_input_errors_are_answered_and_charged_without_local_validation() {
    let m = MockMarket::start().unwrap();
    let c = builder(&m, Credentials::app_code(DEMO_APPCODE))
        .local_validation(false)
        .build();
    for (i, (name, id, mobile, status)) in VENDOR_REFUSED.into_iter().enumerate() {
        let outcome = c
            .verify_with_consent(&who(name, id, mobile), consent())
            .await;
        match status {
            "207" => {
                let v = outcome.unwrap();
                assert_eq!(
                    (v.verdict, v.detail.as_deref(), v.billed),
                    (Verdict::NoRecord, Some("unsupported_segment"), true)
                );
            }
            _ => {
                let e = outcome.unwrap_err();
                assert_eq!(
                    (e.kind(), e.billing(), e.vendor_code()),
                    (ErrorKind::InvalidInput, Billing::Billed, Some(status))
                );
                assert!(e.request_id().is_some());
                assert!(e.input().is_none(), "refused by the vendor, not locally");
                for secret in [name, id, mobile] {
                    assert!(!e.to_string().contains(secret), "{e}");
                }
            }
        }
        let n = i as u64 + 1;
        assert_eq!(usage(&m), (n, n), "{status}: sent once, charged once");
    }
}

#[tokio::test]
async fn the_same_inputs_are_refused_locally_and_never_sent() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    for (name, id, mobile, status) in VENDOR_REFUSED {
        let e = c
            .verify_with_consent(&who(name, id, mobile), consent())
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::NotBilled),
            "{status}"
        );
        assert!(e.input().is_some(), "{status}: {e}");
    }
    // The vendor's own limit (必选) holds even without local validation.
    let unchecked = builder(&m, Credentials::app_code(DEMO_APPCODE))
        .local_validation(false)
        .build();
    let e = unchecked
        .verify_with_consent(&Identity::unchecked(NAME, ID, None), consent())
        .await
        .unwrap_err();
    assert_eq!(e.input().map(|i| i.reason()), Some("missing"));
    let e = unchecked
        .verify_with_consent(&who("", ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(e.input().map(|i| i.reason()), Some("vendor_limit"));
    assert_eq!(usage(&m), (0, 0));
    assert_eq!(m.connections(), 0);
}

#[tokio::test]
async fn consent_is_required_before_anything_is_sent() {
    let m = MockMarket::start().unwrap();
    // The trait method without the caller's attestation: refused.
    let plain: Box<dyn ThreeElementVerifier> = Box::new(client(&m));
    assert_eq!(plain.vendor(), "phonethird");
    let e = plain
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::InvalidInput, Billing::NotBilled)
    );
    assert!(e.message().contains("verify_with_consent"), "{e}");
    assert!(e.message().contains("consent_obtained_by_caller"), "{e}");
    // A blank description or a consent from the future: refused.
    let c = client(&m);
    for bad in [
        Consent::new(" ", SystemTime::now()),
        Consent::new("later", SystemTime::now() + Duration::from_secs(86_400)),
    ] {
        let e = c
            .verify_with_consent(&who(NAME, ID, MOBILE), bad)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().starts_with("consent: "), "{e}");
    }
    assert_eq!(usage(&m), (0, 0));
    // Attested by the caller: the trait method works and records the attestation.
    let attested: Box<dyn ThreeElementVerifier> = Box::new(
        builder(&m, Credentials::app_code(DEMO_APPCODE))
            .consent_obtained_by_caller(true)
            .build(),
    );
    let v = attested.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(v.verdict, Verdict::Match);
    assert!(v
        .extra("consent")
        .is_some_and(|c| c.contains("consent_obtained_by_caller")));
    assert_eq!(usage(&m), (1, 1));
}

#[tokio::test]
async fn quota_exhausted_is_not_charged() {
    let m = MockMarket::builder().quota(1).start().unwrap();
    let c = client(&m);
    assert!(c
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .is_ok());
    let e = c
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor()),
        (
            ErrorKind::QuotaExhausted,
            Billing::NotBilled,
            Some("phonethird")
        )
    );
    assert!(e.request_id().is_some());
    assert_eq!(usage(&m), (2, 1));
}

#[tokio::test]
async fn unknown_and_unsubscribed_credentials_are_unauthorized() {
    let m = MockMarket::builder()
        .credential(Credential::app_code("x").only(&[Product::Tel3]))
        .start()
        .unwrap();
    let unknown = builder(&m, Credentials::app_code("nope")).build();
    let e = unknown
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert!(e.message().contains("Invalid AppCode"), "{e}");
    let tel3_only = builder(&m, Credentials::app_code("x")).build();
    let e = tel3_only
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert_eq!(m.usage_of("x", Product::Phonethird).charged, 0);
}

#[tokio::test]
async fn signature_mode_is_accepted() {
    let m = MockMarket::start().unwrap();
    let c = builder(&m, Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET)).build();
    for _ in 0..2 {
        let v = c
            .verify_with_consent(&who(NAME, ID, MOBILE), consent())
            .await
            .unwrap();
        assert_eq!(v.verdict, Verdict::Match);
    }
    let u = m.usage_of(DEMO_APP_KEY, Product::Phonethird);
    assert_eq!((u.received, u.charged), (2, 2));
}

/// A client whose gateway would retry whatever its policy allows, with a short timeout.
fn impatient(m: &MockHandle) -> PhonethirdClient {
    let gateway = GatewayClient::builder()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::standard().backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();
    builder(m, Credentials::app_code(DEMO_APPCODE))
        .gateway(gateway)
        .build()
}

#[tokio::test]
async fn a_late_answer_may_have_been_charged_and_is_not_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(
        Fault::Latency(Duration::from_secs(2)),
        1,
        Some(Product::Phonethird),
    );
    let e = impatient(&m)
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MayHaveBeenCharged, Billing::Unknown)
    );
    assert_eq!(
        usage(&m),
        (1, 1),
        "processed and charged once, never re-sent"
    );
}

#[tokio::test]
async fn a_reset_may_have_been_charged() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Reset, 1, Some(Product::Phonethird));
    let e = impatient(&m)
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MayHaveBeenCharged, Billing::Unknown)
    );
    assert_eq!(
        usage(&m),
        (1, 0),
        "not re-sent; the reset came before processing"
    );
}

#[tokio::test]
async fn a_truncated_answer_is_malformed_and_charged_once() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Truncate, 1, Some(Product::Phonethird));
    let e = impatient(&m)
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::Billed)
    );
    assert!(e.message().contains("truncated"), "{e}");
    assert!(e.request_id().is_some());
    m.queue_fault(Fault::Malformed, 1, Some(Product::Phonethird));
    let e = client(&m)
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedAnswer);
    assert!(e.message().contains("not valid JSON"), "{e}");
    assert_eq!(usage(&m), (2, 2));
}

#[tokio::test]
async fn a_gateway_timeout_is_a_vendor_fault_not_charged_nor_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::BackendTimeout, 1, Some(Product::Phonethird));
    let e = impatient(&m)
        .verify_with_consent(&who(NAME, ID, MOBILE), consent())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (1, 0));
}
