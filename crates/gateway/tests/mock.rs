//! `GatewayClient` against the mock market over real sockets, for what only the transport's own
//! interface shows: a vendor's failure status is an answer (unbilled), not an error, and
//! every body kind `ApiRequest` can carry is signed as the independent verifier expects. The
//! gateway's behaviours that every client shares (billing, gateway errors, signing, faults,
//! timeouts, retries, the pool, traces) are tested once, over the gateway alone and all five
//! vendor clients, in the facade's `tests/transport.rs`.

use shiming_core::Billing;
use shiming_gateway::{ApiRequest, Credentials, GatewayClient, RequestBody};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{MockMarket, Vendor};
use shiming_test_support::market::{demo_usage, usage};
use shiming_test_support::people::{ID, MOBILE, NAME};

#[tokio::test]
async fn a_666_vendor_failure_is_an_unbilled_answer_not_an_error() {
    let m = MockMarket::start().unwrap();
    let request = ApiRequest::get("tel3", format!("{}/mobile", m.url()))
        .query("xm", NAME)
        .query("sfz", ID)
        .query("mob", "123");
    let r = GatewayClient::new()
        .call(&Credentials::app_code(DEMO_APPCODE), &request)
        .await
        .unwrap();
    assert_eq!((r.status.as_u16(), r.billing), (666, Billing::NotBilled));
    assert!(r.request_id.is_some());
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 0));
}

/// A query string, a form and a JSON body (with `Content-MD5`), each signed with a fresh nonce
/// and accepted by the mock's verifier, a separate implementation of the scheme.
#[tokio::test]
async fn every_body_kind_is_signed_as_the_independent_verifier_expects() {
    let m = MockMarket::start().unwrap();
    let signed = Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET);
    let client = GatewayClient::new();
    let query = ApiRequest::get("tel3", format!("{}/mobile", m.url()))
        .query("xm", NAME)
        .query("sfz", ID)
        .query("mob", MOBILE);
    let form = ApiRequest::post(
        "sjsys",
        format!("{}/communication/personal/1979", m.url()),
        RequestBody::Form(vec![
            ("idcard".into(), ID.into()),
            ("mobile".into(), MOBILE.into()),
            ("name".into(), NAME.into()),
        ]),
    );
    let json = ApiRequest::post(
        "sxm3v2",
        format!("{}/mobile3/check", m.url()),
        RequestBody::Json(
            format!(r#"{{"name":"{NAME}","idCard":"{ID}","mobile":"{MOBILE}"}}"#).into_bytes(),
        ),
    );
    for (kind, request) in [("query", &query), ("form", &form), ("JSON", &json)] {
        let r = client.call(&signed, request).await.unwrap();
        assert_eq!(
            (r.status.as_u16(), r.billing),
            (200, Billing::Billed),
            "{kind}"
        );
    }
    for product in [Vendor::Tel3, Vendor::Sjsys, Vendor::Sxm3v2] {
        assert_eq!(usage(&m, DEMO_APP_KEY, product), (1, 1), "{}", product.id());
    }
}
