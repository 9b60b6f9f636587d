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

/// A developer's view records each attempt as it went over the wire: the URL with its
/// encoded query, the headers the connection wrote with the AppCode hidden, the answer's
/// status, headers and body exactly as the caller received them.
#[tokio::test]
async fn the_tap_records_each_attempt_as_sent_and_received() {
    let m = MockMarket::start().unwrap();
    let request = ApiRequest::get("tel3", format!("{}/mobile", m.url()))
        .query("xm", NAME)
        .query("sfz", ID)
        .query("mob", MOBILE);
    let client = GatewayClient::new();
    let (answer, exchanges) =
        shiming_gateway::tap::capture(client.call(&Credentials::app_code(DEMO_APPCODE), &request))
            .await;
    let answer = answer.unwrap();
    assert_eq!(exchanges.len(), 1);
    let sent = &exchanges[0];
    assert_eq!(
        (sent.vendor, sent.attempt, sent.method.as_str()),
        ("tel3", 1, "GET")
    );
    let encoded_name: String = NAME.bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(
        sent.url,
        format!("{}/mobile?xm={encoded_name}&sfz={ID}&mob={MOBILE}", m.url())
    );
    assert_eq!(
        header(&sent.request_headers, "host"),
        Some(m.addr().to_string().as_str())
    );
    assert_eq!(
        header(&sent.request_headers, "authorization"),
        Some(shiming_gateway::tap::HIDDEN)
    );
    assert!(sent.request_body.is_empty());
    let everything = format!("{:?}{:?}", sent.request_headers, sent.response_headers);
    assert!(!everything.contains(DEMO_APPCODE), "{everything}");
    assert_eq!(sent.status, Some(answer.status.as_u16()));
    assert_eq!(sent.response_body, answer.body);
    assert_eq!(
        header(&sent.response_headers, "x-ca-request-id"),
        answer.request_id.as_deref()
    );
    assert_eq!(m.journal().len(), 1, "recording sends nothing more");
    // Outside a capture nothing is kept, and the same call still works.
    let (_, none) = shiming_gateway::tap::capture(async {}).await;
    assert!(none.is_empty());
}

/// A signed form POST: the body as sent, the key and signature hidden, the nonce and
/// timestamp shown; a call that gets no answer is recorded with why.
#[tokio::test]
async fn the_tap_shows_signed_bodies_and_calls_without_an_answer() {
    let m = MockMarket::start().unwrap();
    let form = ApiRequest::post(
        "sjsys",
        format!("{}/communication/personal/1979", m.url()),
        RequestBody::Form(vec![
            ("idcard".into(), ID.into()),
            ("mobile".into(), MOBILE.into()),
            ("name".into(), NAME.into()),
        ]),
    );
    let client = GatewayClient::new();
    let signed = Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET);
    let (answer, exchanges) = shiming_gateway::tap::capture(client.call(&signed, &form)).await;
    assert_eq!(answer.unwrap().status.as_u16(), 200);
    let sent = &exchanges[0];
    let body = std::str::from_utf8(&sent.request_body).unwrap();
    assert!(
        body.starts_with(&format!("idcard={ID}&mobile={MOBILE}&name=%")),
        "{body}"
    );
    let value = |name: &str| header(&sent.request_headers, name);
    assert_eq!(value("x-ca-key"), Some(shiming_gateway::tap::HIDDEN));
    assert_eq!(value("x-ca-signature"), Some(shiming_gateway::tap::HIDDEN));
    assert!(value("x-ca-nonce").is_some_and(|n| n != shiming_gateway::tap::HIDDEN));
    assert_eq!(
        value("content-length"),
        Some(body.len().to_string().as_str())
    );
    let shown = format!("{:?}", sent.request_headers);
    assert!(!shown.contains(DEMO_APP_KEY) && !shown.contains(DEMO_APP_SECRET));

    m.queue_fault(shiming_mock_market::Fault::Drop, 1, Some(Vendor::Sjsys));
    let (answer, exchanges) = shiming_gateway::tap::capture(client.call(&signed, &form)).await;
    assert!(answer.is_err());
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].status, None);
    assert!(exchanges[0].failure.is_some(), "{:?}", exchanges[0]);
}

/// The value of the header `name` in a recorded header list.
fn header<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
