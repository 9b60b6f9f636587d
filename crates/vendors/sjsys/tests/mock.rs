//! `SjsysClient` against the mock market over real sockets: verdicts, the vendor's input
//! errors (billed: sjsys answers them with HTTP 200), local refusals, gateway errors, signature
//! auth and transport faults — asserting the mock's usage counters after each, so that nothing
//! is charged twice or without a reason.

use std::time::Duration;

use shiming_core::{Billing, ErrorKind, Identity, ThreeElementVerifier, Verdict};
use shiming_gateway::retry::RetryPolicy;
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{Credential, Fault, MockHandle, MockMarket, Product, Usage};
use shiming_sjsys::response::{DETAIL_ABNORMAL, DETAIL_NO_RESULT};
use shiming_sjsys::SjsysClient;

/// The registry's examples (fixtures/README.md; synthetic people).
const NAME: &str = "陈思远";
const OTHER_NAME: &str = "陈思源";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
const UNICOM_MOBILE: &str = "18675510002";
const UNKNOWN_ID: &str = "110108198510100190";

fn who(name: &str, id: &str, mobile: &str) -> Identity {
    Identity::unchecked(name, id, Some(mobile))
}

fn client(market: &MockHandle, credentials: Credentials) -> SjsysClient {
    SjsysClient::builder(credentials)
        .endpoint(market.url())
        .build()
}

fn demo(market: &MockHandle) -> SjsysClient {
    client(market, Credentials::app_code(DEMO_APPCODE))
}

fn usage(market: &MockHandle) -> (u64, u64) {
    let Usage {
        received, charged, ..
    } = market.usage_of(DEMO_APPCODE, Product::Sjsys);
    (received, charged)
}

#[tokio::test]
async fn verdicts_are_billed_once_each() {
    let m = MockMarket::start().unwrap();
    let c = demo(&m);

    let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(
        (v.verdict, v.billed, v.carrier),
        (Verdict::Match, true, None)
    );
    assert_eq!(v.vendor, "sjsys");
    assert_eq!(v.vendor_code.as_deref(), Some("10000"));
    assert_eq!(v.vendor_message.as_deref(), Some("成功"));
    assert_eq!(v.extra("state"), Some("1"));
    assert!(v.request_id.is_some());
    // The mock's seqNo follows the page's example: 8 characters, then Unix seconds.
    assert!(v.vendor_reference.as_ref().is_some_and(|r| r.len() >= 18));

    let v = c.verify_three(&who(OTHER_NAME, ID, MOBILE)).await.unwrap();
    assert_eq!((v.verdict, v.billed), (Verdict::Mismatch, true));
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
            v.billed,
            v.detail.as_deref(),
            v.vendor_code.as_deref()
        ),
        (
            Verdict::NoRecord,
            true,
            Some(DETAIL_NO_RESULT),
            Some("10001")
        )
    );
    // A virtual-operator number: state 3 异常情况.
    let v = c
        .verify_three(&who("周子轩", "420106199906122155", "17092710005"))
        .await
        .unwrap();
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

#[tokio::test]
async fn local_validation_normalizes_before_sending() {
    let m = MockMarket::start().unwrap();
    // Spaces, a lower-case check character's neighbour forms, a +86 prefix: cleaned locally,
    // so the vendor (which does not normalize) sees valid values.
    let v = demo(&m)
        .verify_three(&who(
            " 陈思远 ",
            " 330106198805160711 ",
            "+86 139-5712-0001",
        ))
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Match);
    assert_eq!(usage(&m), (1, 1));
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
    // No mobile at all, and empty values even with local validation off.
    let e = c
        .verify_three(&Identity::unchecked(NAME, ID, None))
        .await
        .unwrap_err();
    assert_eq!(e.input().map(|i| i.reason()), Some("missing"));
    let unchecked = SjsysClient::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .local_validation(false)
        .build();
    for identity in [
        who("", ID, MOBILE),
        who(NAME, "", MOBILE),
        who(NAME, ID, ""),
        Identity::unchecked(NAME, ID, None),
    ] {
        let e = unchecked.verify_three(&identity).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.input().is_some());
    }
    assert_eq!(usage(&m).0, 0, "nothing reached the market");
    assert!(m.journal().is_empty());
}

#[tokio::test]
async fn quota_exhausted_is_not_billed() {
    let m = MockMarket::builder().quota(1).start().unwrap();
    let c = demo(&m);
    c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::QuotaExhausted, Billing::NotBilled)
    );
    assert!(e.request_id().is_some());
    assert_eq!(usage(&m).1, 1, "only the first call was charged");
    assert_eq!(m.usage_of(DEMO_APPCODE, Product::Sjsys).quota_left, Some(0));
}

#[tokio::test]
async fn unknown_and_unsubscribed_credentials_are_unauthorized() {
    let m = MockMarket::builder()
        .credential(Credential::app_code("tel3-only").only(&[Product::Tel3]))
        .credential(Credential::app_code(DEMO_APPCODE))
        .start()
        .unwrap();
    let e = client(&m, Credentials::app_code("no-such-appcode"))
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert!(!e.to_string().contains("no-such-appcode"), "{e}");
    let e = client(&m, Credentials::app_code("tel3-only"))
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    assert_eq!(m.usage_of("tel3-only", Product::Sjsys).charged, 0);
    assert_eq!(usage(&m), (0, 0));
}

#[tokio::test]
async fn signature_mode_signs_the_form_body() {
    let m = MockMarket::start().unwrap();
    let c = client(&m, Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET));
    for _ in 0..2 {
        let v = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
        assert_eq!(v.verdict, Verdict::Match);
    }
    let usage = m.usage_of(DEMO_APP_KEY, Product::Sjsys);
    assert_eq!((usage.received, usage.charged), (2, 2));
    let e = client(&m, Credentials::app_key(DEMO_APP_KEY, "not-the-secret"))
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(!e.to_string().contains(ID), "{e}");
}

#[tokio::test]
async fn a_late_answer_may_have_been_charged_and_is_not_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(
        Fault::Late(Some(Duration::from_secs(2))),
        1,
        Some(Product::Sjsys),
    );
    let gateway = GatewayClient::builder()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let c = SjsysClient::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .gateway(gateway)
        .build();
    let e = c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap_err();
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
    m.queue_fault(Fault::Reset, 1, Some(Product::Sjsys));
    let e = demo(&m)
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MayHaveBeenCharged, Billing::Unknown)
    );
    assert_eq!(usage(&m).1, 0, "the mock closed before processing");
}

#[tokio::test]
async fn a_truncated_answer_is_malformed_and_billed() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Truncate, 1, Some(Product::Sjsys));
    let e = demo(&m)
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::Billed)
    );
    assert!(e.message().contains("truncated"), "{e}");
    assert!(e.request_id().is_some());
    assert_eq!(usage(&m), (1, 1));
}

#[tokio::test]
async fn a_backend_timeout_is_a_vendor_fault_not_billed() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::BackendTimeout, 1, Some(Product::Sjsys));
    let e = demo(&m)
        .verify_three(&who(NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert_eq!(usage(&m), (1, 0));
    // The next call is answered normally and charged once.
    demo(&m).verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    assert_eq!(usage(&m), (2, 1));
}

#[tokio::test]
async fn clients_sharing_a_gateway_share_its_connections() {
    let m = MockMarket::start().unwrap();
    let gateway = GatewayClient::new();
    let a = SjsysClient::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .gateway(gateway.clone())
        .build();
    let b = a.clone();
    for c in [&a, &b, &a] {
        c.verify_three(&who(NAME, ID, MOBILE)).await.unwrap();
    }
    assert_eq!(m.connections(), 1);
    assert_eq!(usage(&m), (3, 3));
}
