//! `Tel3Client` against the mock market over real sockets, for what is tel3's own: its verdicts
//! and their details, its input errors (HTTP 666, never charged), its limits and the local
//! refusals that send nothing, strict regions, a cut-short 666 answer, and `decode` agreeing
//! with `decode_parts` — asserting the mock's usage counters after each. The transport's
//! behaviours (quota, credentials, signing, faults, timeouts, the shared pool, traces) are
//! tested once for all five clients, in the facade's `tests/transport.rs`.

use http::StatusCode;
use shiming_core::id_card::ValidationOptions;
use shiming_core::{Billing, Error, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, MockHandle, MockMarket, Vendor};
use shiming_tel3::{request, response, Tel3Client};
use shiming_test_support::market::demo_usage;
use shiming_test_support::people::{
    assert_error_hidden, three as who, BAD_CHECKSUM_ID, ID, MOBILE, MVNO, NAME, OTHER_NAME,
    UNICOM_MOBILE, UNKNOWN_ID,
};
use shiming_vendor_kit::today_in_china;

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

/// (received, charged) of the demo AppCode on tel3.
fn usage(m: &MockHandle) -> (u64, u64) {
    demo_usage(m, Vendor::Tel3)
}

#[track_caller]
fn assert_no_personal_data(e: &Error) {
    assert_error_hidden("tel3", e);
}

#[tokio::test]
async fn match_mismatch_and_no_record() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billing, v.vendor),
        (Verdict::Match, Billing::Billed, "tel3")
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
            who(OTHER_NAME, ID, MOBILE),
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
            (v.verdict, v.detail.as_deref(), v.billing),
            (*verdict, *detail, Billing::Billed)
        );
    }
    assert_eq!(usage(&m), (6, 6), "every verdict is charged once");
}

#[tokio::test]
async fn the_vendors_input_errors_are_unbilled() {
    let m = MockMarket::start().unwrap();
    let c = unvalidated(&m);
    let cases = [
        (who(NAME, BAD_CHECKSUM_ID, MOBILE), "身份证号码有误"),
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
            (v.verdict, v.detail.as_deref(), v.billing),
            (Verdict::Mismatch, Some(*detail), Billing::Billed)
        );
    }
    assert_eq!(usage(&m), (7, 2));
}

#[tokio::test]
async fn refused_locally_means_never_sent() {
    let m = MockMarket::start().unwrap();
    let bad_checksum = who(NAME, BAD_CHECKSUM_ID, MOBILE);
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
            (v.verdict, v.detail.as_deref(), v.billing),
            (Verdict::Mismatch, Some("wrong_id_card"), Billing::Billed)
        );
    }
    assert_eq!(usage(&m), (2, 2));

    // Strict regions refuse nothing else.
    let v = strict.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!((v.verdict, v.billing), (Verdict::Match, Billing::Billed));
    assert_eq!(usage(&m), (3, 3));
}

/// A 666 failure cut short: malformed, and still not billed (the transport suite covers a cut
/// 2xx answer, billed).
#[tokio::test]
async fn a_truncated_666_failure_is_malformed_and_not_billed() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Truncate, 1, Some(Vendor::Tel3));
    let e = unvalidated(&m)
        .verify_three(&who(NAME, BAD_CHECKSUM_ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::NotBilled)
    );
    assert!(e.message().contains("truncated"), "{e}");
    assert!(e.request_id().is_some());
    assert_no_personal_data(&e);
    assert_eq!(usage(&m), (1, 0));
}

#[tokio::test]
async fn decode_and_decode_parts_agree_on_real_answers() {
    let m = MockMarket::start().unwrap();
    let gateway = GatewayClient::new();
    let checksum = who(NAME, BAD_CHECKSUM_ID, MOBILE);
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
            m.queue_fault(*fault, 1, Some(Vendor::Tel3));
        }
        let req = request::encode(&m.url(), identity);
        let r = gateway.call(&appcode(), &req).await.unwrap();
        assert!(r.status == StatusCode::OK || r.status.as_u16() == 666);
        let whole = response::decode(&r);
        let from_parts =
            response::decode_parts(r.status, &r.body, r.billing, r.request_id.as_deref());
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
