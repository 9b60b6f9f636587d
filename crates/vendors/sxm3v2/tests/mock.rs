//! `Sxm3v2Client` against the mock market over real sockets, for what is sxm3v2's own: its
//! verdicts and carriers, its request (a JSON POST with the documented fields), its input
//! errors (HTTP 400, never charged) and the same inputs refused locally, never sent —
//! asserting the mock's usage counters after each. The transport's behaviours (quota,
//! credentials, signing, faults, timeouts, the shared pool, traces) are tested once for all
//! five clients, in the facade's `tests/transport.rs`.

use shiming_core::{Billing, Carrier, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::Credentials;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket, Vendor};
use shiming_sxm3v2::Sxm3v2Client;
use shiming_test_support::market::demo_usage;
use shiming_test_support::people::{
    three as who, ID, MOBILE, MVNO, NAME, OTHER_NAME, UNICOM_MOBILE, UNKNOWN_ID,
};

fn client(market: &MockHandle, credentials: Credentials) -> Sxm3v2Client {
    Sxm3v2Client::builder(credentials)
        .endpoint(market.url())
        .build()
}

fn demo(market: &MockHandle) -> Sxm3v2Client {
    client(market, Credentials::app_code(DEMO_APPCODE))
}

fn usage(market: &MockHandle) -> (u64, u64) {
    demo_usage(market, Vendor::Sxm3v2)
}

#[tokio::test]
async fn verdicts_are_billed_once_each() {
    let m = MockMarket::start().unwrap();
    let c = demo(&m);

    let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billing, v.carrier),
        (Verdict::Match, Billing::Billed, Some(Carrier::ChinaMobile))
    );
    assert_eq!(v.vendor, "sxm3v2");
    assert_eq!(v.vendor_code.as_deref(), Some("1"));
    assert_eq!(v.vendor_message.as_deref(), Some("一致"));
    assert_eq!(v.extra("isFee"), Some("1"));
    assert!(v.request_id.is_some());
    assert_eq!(v.vendor_reference.as_ref().map(String::len), Some(32));

    let v = c.verify_three(&who(OTHER_NAME, ID, MOBILE)).await.unwrap();
    assert_eq!((v.verdict, v.billing), (Verdict::Mismatch, Billing::Billed));
    let v = c.verify_three(&who(NAME, ID, UNICOM_MOBILE)).await.unwrap();
    assert_eq!(
        (v.verdict, v.carrier),
        (Verdict::Mismatch, Some(Carrier::ChinaUnicom))
    );
    let v = c
        .verify_three(&who(NAME, UNKNOWN_ID, MOBILE))
        .await
        .unwrap();
    assert_eq!((v.verdict, v.billing), (Verdict::NoRecord, Billing::Billed));
    // A virtual-operator number: the carrier cannot check it (无记录), host network named.
    let v = c.verify_three(&who(MVNO.0, MVNO.1, MVNO.2)).await.unwrap();
    assert_eq!(
        (v.verdict, v.carrier),
        (Verdict::NoRecord, Some(Carrier::ChinaUnicom))
    );
    assert_eq!(usage(&m), (5, 5));
}

#[tokio::test]
async fn the_request_is_a_post_with_the_documented_fields() {
    let m = MockMarket::start().unwrap();
    demo(&m).verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    let journal = m.journal();
    assert_eq!(journal.len(), 1);
    let entry = &journal[0];
    assert_eq!((&*entry.method, &*entry.path), ("POST", "/mobile3/check"));
    // The mock reads JSON fields into a sorted map: compare the names, not their order (the
    // body's order is checked by request.rs's unit test).
    let mut names: Vec<&str> = entry
        .params
        .split('&')
        .map(|p| p.split('=').next().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["idCard", "mobile", "name"]);
    assert!(!entry.params.contains(ID), "the journal masks values");
}

/// Inputs the vendor refuses (`code` 400, HTTP 400): the right field, never charged.
const VENDOR_REFUSALS: [(&str, &str, &str, &str); 3] = [
    (NAME, "330106198805160712", MOBILE, "idCard格式错误"), // bad check digit
    (NAME, ID, "1395712000", "mobile格式错误"),             // ten digits
    ("陈思远1", ID, MOBILE, "name格式错误"),                // a digit in the name
];

#[tokio::test]
async fn the_vendor_refuses_bad_input_without_charging() {
    let m = MockMarket::start().unwrap();
    let c = Sxm3v2Client::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .local_validation(false)
        .build();
    for (i, (name, id, mobile, message)) in VENDOR_REFUSALS.into_iter().enumerate() {
        let e = c.verify_three(&who(name, id, mobile)).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::NotBilled),
            "{message}"
        );
        assert_eq!(e.vendor_code(), Some("400"));
        assert!(e.message().contains(message), "{e}");
        assert!(e.input().is_none(), "refused by the vendor, not locally");
        assert!(e.request_id().is_some());
        assert!(!e.to_string().contains(id) && !e.to_string().contains(mobile));
        assert_eq!(usage(&m), (i as u64 + 1, 0));
    }
}

#[tokio::test]
async fn the_same_inputs_are_refused_locally_and_never_sent() {
    let m = MockMarket::start().unwrap();
    let c = demo(&m);
    for (name, id, mobile, _) in VENDOR_REFUSALS {
        let e = c.verify_three(&who(name, id, mobile)).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::NotBilled)
        );
        assert!(e.input().is_some(), "refused locally: {e}");
        assert_eq!(e.vendor(), Some("sxm3v2"));
    }
    // No mobile at all.
    let e = c
        .verify_three(&Identity::unchecked(NAME, ID, None))
        .await
        .unwrap_err();
    assert_eq!(e.input().map(|i| i.reason()), Some("missing"));
    // With local validation off the vendor's limits (request::LIMITS, tested there) still
    // apply before sending: the kit's client tests show the order.
    assert_eq!(usage(&m).0, 0, "nothing reached the market");
    assert!(m.journal().is_empty());
}
