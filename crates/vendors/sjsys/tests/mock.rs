//! `SjsysClient` against the mock market over real sockets, for what is sjsys's own: its
//! verdicts and details, its request (a form POST with the page's fields), its input errors
//! (billed: sjsys answers them with HTTP 200) and the same inputs refused locally, never sent —
//! asserting the mock's usage counters after each. The transport's behaviours (quota,
//! credentials, signing, faults, timeouts, the shared pool, traces) are tested once for all
//! five clients, in the facade's `tests/transport.rs`.

use shiming_core::{Billing, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::Credentials;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket, Vendor};
use shiming_sjsys::response::{DETAIL_ABNORMAL, DETAIL_NO_RESULT};
use shiming_sjsys::SjsysClient;
use shiming_test_support::market::demo_usage;
use shiming_test_support::people::{
    three as who, ID, MOBILE, MVNO, NAME, OTHER_NAME, UNICOM_MOBILE, UNKNOWN_ID,
};

fn client(market: &MockHandle, credentials: Credentials) -> SjsysClient {
    SjsysClient::builder(credentials)
        .endpoint(market.url())
        .build()
}

fn demo(market: &MockHandle) -> SjsysClient {
    client(market, Credentials::app_code(DEMO_APPCODE))
}

fn usage(market: &MockHandle) -> (u64, u64) {
    demo_usage(market, Vendor::Sjsys)
}

#[tokio::test]
async fn verdicts_are_billed_once_each() {
    let m = MockMarket::start().unwrap();
    let c = demo(&m);

    let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billing, v.carrier),
        (Verdict::Match, Billing::Billed, None)
    );
    assert_eq!(v.vendor, "sjsys");
    assert_eq!(v.vendor_code.as_deref(), Some("10000"));
    assert_eq!(v.vendor_message.as_deref(), Some("成功"));
    assert_eq!(v.extra("state"), Some("1"));
    assert!(v.request_id.is_some());
    // The mock's seqNo follows the page's example: 8 characters, then Unix seconds.
    assert!(v.vendor_reference.as_ref().is_some_and(|r| r.len() >= 18));

    let v = c.verify_three(&who(OTHER_NAME, ID, MOBILE)).await.unwrap();
    assert_eq!((v.verdict, v.billing), (Verdict::Mismatch, Billing::Billed));
    let v = c.verify_three(&who(NAME, ID, UNICOM_MOBILE)).await.unwrap();
    assert_eq!(v.verdict, Verdict::Mismatch);
    // An unknown ID number: 10001 查询无结果.
    let v = c
        .verify_three(&who(NAME, UNKNOWN_ID, MOBILE))
        .await
        .unwrap();
    assert_eq!(
        (
            v.verdict,
            v.billing,
            v.detail.as_deref(),
            v.vendor_code.as_deref()
        ),
        (
            Verdict::NoRecord,
            Billing::Billed,
            Some(DETAIL_NO_RESULT),
            Some("10001")
        )
    );
    // A virtual-operator number: state 3 异常情况.
    let v = c.verify_three(&who(MVNO.0, MVNO.1, MVNO.2)).await.unwrap();
    assert_eq!(
        (v.verdict, v.detail.as_deref()),
        (Verdict::NoRecord, Some(DETAIL_ABNORMAL))
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
    assert_eq!(
        (&*entry.method, &*entry.path),
        ("POST", "/communication/personal/1979")
    );
    // A form body keeps its order: the page's.
    let names: Vec<&str> = entry
        .params
        .split('&')
        .map(|p| p.split('=').next().unwrap())
        .collect();
    assert_eq!(names, ["idcard", "mobile", "name"]);
    assert!(!entry.params.contains(ID), "the journal masks values");
}

/// Inputs the vendor refuses (HTTP 200, so **billed**): code and message.
const VENDOR_REFUSALS: [(&str, &str, &str, &str, &str); 3] = [
    (
        NAME,
        "330106198805160712",
        MOBILE,
        "10004",
        "请求报文格式有误",
    ), // bad check digit
    (NAME, ID, "1395712000", "10007", "手机号码错误"), // ten digits
    ("陈思远1", ID, MOBILE, "10004", "请求报文格式有误"), // a digit in the name
];

#[tokio::test]
async fn the_vendor_refuses_bad_input_and_charges_for_it() {
    let m = MockMarket::start().unwrap();
    let c = SjsysClient::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .local_validation(false)
        .build();
    for (i, (name, id, mobile, code, message)) in VENDOR_REFUSALS.into_iter().enumerate() {
        let e = c.verify_three(&who(name, id, mobile)).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::Billed),
            "{message}"
        );
        assert_eq!(e.vendor_code(), Some(code));
        assert!(e.message().contains(message), "{e}");
        assert!(e.input().is_none(), "refused by the vendor, not locally");
        assert!(e.request_id().is_some());
        assert!(!e.to_string().contains(id) && !e.to_string().contains(mobile));
        let n = i as u64 + 1;
        assert_eq!(usage(&m), (n, n), "each refusal is charged once");
    }
}

#[tokio::test]
async fn the_same_inputs_are_refused_locally_and_never_sent() {
    let m = MockMarket::start().unwrap();
    let c = demo(&m);
    for (name, id, mobile, _, _) in VENDOR_REFUSALS {
        let e = c.verify_three(&who(name, id, mobile)).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::NotBilled)
        );
        assert!(e.input().is_some(), "refused locally: {e}");
        assert_eq!(e.vendor(), Some("sjsys"));
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
