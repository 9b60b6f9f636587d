//! `Sfz2Client` against the mock market over real sockets, for what is sfz2's own: its verdicts
//! and echoes, a mobile left out of the request, its input errors (HTTP 666, never charged),
//! its limits and the local refusals that send nothing, a cut-short 666 answer, and `decode`
//! agreeing with `decode_parts` — asserting the mock's usage counters after each. The
//! transport's behaviours (quota, credentials, signing, faults, timeouts, the shared pool,
//! traces) are tested once for all five clients, in the facade's `tests/transport.rs`.

use http::StatusCode;
use shiming_core::{Billing, Error, ErrorKind, Identity, TwoElementVerifier, Verdict};
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{Fault, MockHandle, MockMarket, Vendor};
use shiming_sfz2::{request, response, Sfz2Client};
use shiming_test_support::market::demo_usage;
use shiming_test_support::people::{
    assert_error_hidden, two as who, BAD_CHECKSUM_ID as BAD_CHECKSUM, ID, NAME, OTHER_NAME,
    UNKNOWN_ID,
};

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

/// (received, charged) of the demo AppCode on sfz2.
fn usage(m: &MockHandle) -> (u64, u64) {
    demo_usage(m, Vendor::Sfz2)
}

#[track_caller]
fn assert_no_personal_data(e: &Error) {
    assert_error_hidden("sfz2", e);
}

#[tokio::test]
async fn match_mismatch_and_no_record() {
    let m = MockMarket::start().unwrap();
    let c = client(&m);
    let v = c.verify_two(&who(NAME, ID)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billing, v.vendor),
        (Verdict::Match, Billing::Billed, "sfz2")
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
        (
            who(OTHER_NAME, ID),
            Verdict::Mismatch,
            Some("name_mismatch"),
        ),
        (who(NAME, UNKNOWN_ID), Verdict::NoRecord, Some("no_record")),
    ];
    for (identity, verdict, detail) in &cases {
        let v = c.verify_two(identity).await.unwrap();
        assert_eq!(
            (v.verdict, v.detail.as_deref(), v.billing),
            (*verdict, *detail, Billing::Billed)
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

/// A 666 failure cut short: malformed, and still not billed (the transport suite covers a cut
/// 2xx answer, billed).
#[tokio::test]
async fn a_truncated_666_failure_is_malformed_and_not_billed() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Truncate, 1, Some(Vendor::Sfz2));
    let e = unvalidated(&m)
        .verify_two(&who(NAME, BAD_CHECKSUM))
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
    let cases = [
        (who(NAME, ID), None),
        (who(OTHER_NAME, ID), None),
        (who(NAME, UNKNOWN_ID), None),
        (who(NAME, BAD_CHECKSUM), None),
        (who(NAME, ID), Some(Fault::Truncate)),
        (who(NAME, BAD_CHECKSUM), Some(Fault::Truncate)),
        (who(NAME, ID), Some(Fault::Malformed)),
    ];
    for (identity, fault) in &cases {
        if let Some(fault) = fault {
            m.queue_fault(*fault, 1, Some(Vendor::Sfz2));
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
