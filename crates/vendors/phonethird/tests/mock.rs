//! `PhonethirdClient` against the mock market over real sockets, for what is phonethird's own:
//! its verdicts and echoes, a virtual-operator number, its input errors (charged) against the
//! same inputs refused locally (never sent), and the consent it requires — asserting the mock's
//! usage counters after each. The transport's behaviours (quota, credentials, signing, faults,
//! timeouts, the shared pool, traces) are tested once for all five clients, in the facade's
//! `tests/transport.rs`.

use std::time::{Duration, SystemTime};

use shiming_core::{Billing, Carrier, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::Credentials;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket, Vendor};
use shiming_phonethird::{Consent, PhonethirdClient, PhonethirdClientBuilder};
use shiming_test_support::market::demo_usage;
use shiming_test_support::people::{three as who, ID, MOBILE, MVNO, NAME, OTHER_NAME, UNKNOWN_ID};

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
    demo_usage(m, Vendor::Phonethird)
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
    assert_eq!(v.billing, Billing::Billed);
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
        .verify_with_consent(&who(OTHER_NAME, ID, MOBILE), consent())
        .await
        .unwrap();
    assert_eq!(
        (v.verdict, v.billing, v.carrier),
        (Verdict::Mismatch, Billing::Billed, None)
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
        .verify_with_consent(&who(MVNO.0, MVNO.1, MVNO.2), consent())
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
    assert_eq!(
        v.billing,
        Billing::Billed,
        "phonethird charges 203 (HTTP 200)"
    );
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
                    (v.verdict, v.detail.as_deref(), v.billing),
                    (
                        Verdict::NoRecord,
                        Some("unsupported_segment"),
                        Billing::Billed
                    )
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
