//! `GatewayClient` against the mock market over real sockets: auth modes, billing, gateway
//! errors, transport failures, timeouts and retries — asserting the mock's usage counters so
//! that nothing is charged twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use shiming_core::{Billing, ErrorKind};
use shiming_gateway::retry::RetryPolicy;
use shiming_gateway::{ApiRequest, Credentials, GatewayClient};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{Fault, MockMarket, Product};

/// The registry's Match example (synthetic).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";

fn tel3(base: &str, name: &str, id: &str, mobile: &str) -> ApiRequest {
    ApiRequest::get("tel3", format!("{base}/mobile"))
        .query("xm", name)
        .query("sfz", id)
        .query("mob", mobile)
}

fn appcode() -> Credentials {
    Credentials::app_code(DEMO_APPCODE)
}

#[tokio::test]
async fn appcode_call_is_answered_and_billed() {
    let m = MockMarket::start().unwrap();
    let client = GatewayClient::new();
    let r = client
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.billed);
    assert!(r.request_id.is_some());
    assert_eq!(r.attempts, 1);
    assert!(std::str::from_utf8(&r.body)
        .unwrap()
        .contains("\"match\":1"));
    assert_eq!(m.usage_of(DEMO_APPCODE, Product::Tel3).charged, 1);
}

#[tokio::test]
async fn a_666_vendor_failure_is_an_unbilled_answer_not_an_error() {
    let m = MockMarket::start().unwrap();
    let r = GatewayClient::new()
        .call(&appcode(), &tel3(&m.url(), NAME, ID, "123"))
        .await
        .unwrap();
    assert_eq!((r.status.as_u16(), r.billed), (666, false));
    assert_eq!(m.usage_of(DEMO_APPCODE, Product::Tel3).charged, 0);
}

#[tokio::test]
async fn signature_auth_is_accepted_by_the_independent_verifier() {
    let m = MockMarket::start().unwrap();
    let creds = Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET);
    let client = GatewayClient::new();
    for _ in 0..3 {
        // A fresh nonce each call: no "Nonce Used".
        let r = client
            .call(&creds, &tel3(&m.url(), NAME, ID, MOBILE))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    let form = ApiRequest::post(
        "sjsys",
        format!("{}/communication/personal/1979", m.url()),
        shiming_gateway::RequestBody::Form(vec![
            ("idcard".into(), ID.into()),
            ("mobile".into(), MOBILE.into()),
            ("name".into(), NAME.into()),
        ]),
    );
    assert_eq!(client.call(&creds, &form).await.unwrap().status, 200);
    let json = ApiRequest::post(
        "sxm3v2",
        format!("{}/mobile3/check", m.url()),
        shiming_gateway::RequestBody::Json(
            format!(r#"{{"name":"{NAME}","idCard":"{ID}","mobile":"{MOBILE}"}}"#).into_bytes(),
        ),
    );
    assert_eq!(
        client.call(&creds, &json).await.unwrap().status,
        200,
        "JSON body with Content-MD5"
    );
    assert_eq!(m.usage_of(DEMO_APP_KEY, Product::Tel3).charged, 3);
}

#[tokio::test]
async fn gateway_errors_are_classified_and_not_billed() {
    let m = MockMarket::builder()
        .credential(shiming_mock_market::Credential::app_code("only-tel3").only(&[Product::Tel3]))
        .credential(shiming_mock_market::Credential::app_key(
            DEMO_APP_KEY,
            DEMO_APP_SECRET,
        ))
        .quota(1)
        .start()
        .unwrap();
    let client = GatewayClient::new();
    let unknown = client
        .call(
            &Credentials::app_code("nope"),
            &tel3(&m.url(), NAME, ID, MOBILE),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.kind(), unknown.billing()),
        (ErrorKind::Unauthorized, Billing::NotBilled)
    );
    let sfz2 = ApiRequest::get("sfz2", format!("{}/idcard", m.url()))
        .query("xm", NAME)
        .query("sfz", ID);
    let unsubscribed = client
        .call(&Credentials::app_code("only-tel3"), &sfz2)
        .await
        .unwrap_err();
    assert_eq!(unsubscribed.kind(), ErrorKind::Unauthorized);
    let wrong_secret = Credentials::app_key(DEMO_APP_KEY, "not-the-secret");
    let e = client
        .call(&wrong_secret, &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(
        !e.to_string().contains(ID),
        "the StringToSign echo is not kept: {e}"
    );
    let code = Credentials::app_code("only-tel3");
    assert!(client
        .call(&code, &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .is_ok());
    let quota = client
        .call(&code, &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (quota.kind(), quota.billing()),
        (ErrorKind::QuotaExhausted, Billing::NotBilled)
    );
    assert!(quota.request_id().is_some());
}

#[tokio::test]
async fn a_late_answer_may_have_been_charged_and_is_not_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Late(Some(Duration::from_secs(2))), 1, None);
    let client = GatewayClient::builder()
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let e = client
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MayHaveBeenCharged, Billing::Unknown)
    );
    let usage = m.usage_of(DEMO_APPCODE, Product::Tel3);
    assert_eq!(
        (usage.received, usage.charged),
        (1, 1),
        "processed and charged once, never re-sent"
    );
}

#[tokio::test]
async fn a_dropped_connection_after_processing_is_not_retried() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Drop, 1, None);
    let client = GatewayClient::builder()
        .retry(RetryPolicy::standard())
        .build()
        .unwrap();
    let e = client
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MayHaveBeenCharged);
    let usage = m.usage_of(DEMO_APPCODE, Product::Tel3);
    assert_eq!((usage.received, usage.charged), (1, 1));
}

#[tokio::test]
async fn a_reset_before_the_answer_is_reported_conservatively() {
    let m = MockMarket::start().unwrap();
    m.queue_fault(Fault::Reset, 1, None);
    let e = GatewayClient::new()
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    // The client cannot know the vendor did nothing: it says "may have been charged".
    assert_eq!(e.kind(), ErrorKind::MayHaveBeenCharged);
    assert_eq!(m.usage_of(DEMO_APPCODE, Product::Tel3).charged, 0);
}

#[tokio::test]
async fn opted_in_retries_repeat_503_but_not_504() {
    let m = MockMarket::start().unwrap();
    let client = GatewayClient::builder()
        .retry(RetryPolicy::standard().backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();
    m.queue_fault(Fault::Unavailable(503), 1, None);
    let r = client
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap();
    assert_eq!((r.status.as_u16(), r.attempts), (200, 2));
    m.queue_fault(Fault::BackendTimeout, 1, None);
    let e = client
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    let usage = m.usage_of(DEMO_APPCODE, Product::Tel3);
    assert_eq!(
        (usage.received, usage.charged),
        (3, 1),
        "503 retried once; 504 not retried"
    );
    // Without opting in, a 503 is returned at once.
    m.queue_fault(Fault::Unavailable(503), 1, None);
    let e = GatewayClient::new()
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VendorFault);
}

#[tokio::test]
async fn nothing_listening_is_not_sent() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = GatewayClient::new()
        .call(
            &appcode(),
            &tel3(&format!("http://127.0.0.1:{port}"), NAME, ID, MOBILE),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::NotSent, Billing::NotBilled)
    );
}

#[tokio::test]
async fn plain_http_is_refused_for_remote_hosts_without_any_traffic() {
    let e = GatewayClient::new()
        .call(
            &appcode(),
            &tel3("http://tel3.market.alicloudapi.com", NAME, ID, MOBILE),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotSent);
    assert!(e.message().contains("https"), "{e}");
}

#[tokio::test]
async fn oversized_answers_are_refused_with_their_billing() {
    let m = MockMarket::start().unwrap();
    let client = GatewayClient::builder()
        .max_response_bytes(16)
        .build()
        .unwrap();
    let e = client
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::Billed)
    );
}

#[tokio::test]
async fn connections_are_reused() {
    let m = MockMarket::start().unwrap();
    let client = GatewayClient::new();
    for _ in 0..20 {
        client
            .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
            .await
            .unwrap();
    }
    assert_eq!(m.journal().len(), 20);
    assert_eq!(
        m.connections(),
        1,
        "one keep-alive connection served all twenty calls"
    );
    let clone = client.clone();
    clone
        .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
        .await
        .unwrap();
    assert_eq!(m.connections(), 1, "clones share the pool");
}

/// A writer that keeps everything `tracing` prints, for the leak test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn trace_output_never_contains_personal_data_or_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let m = MockMarket::start().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = GatewayClient::builder()
                .retry(RetryPolicy::standard())
                .build()
                .unwrap();
            let _ = client
                .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
                .await;
            let signed = Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET);
            let _ = client
                .call(&signed, &tel3(&m.url(), NAME, ID, MOBILE))
                .await;
            let _ = client
                .call(
                    &Credentials::app_key(DEMO_APP_KEY, "wrong-secret"),
                    &tel3(&m.url(), NAME, ID, MOBILE),
                )
                .await;
            m.queue_fault(Fault::Unavailable(503), 1, None);
            let _ = client
                .call(&appcode(), &tel3(&m.url(), NAME, ID, MOBILE))
                .await;
        });
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("gateway_call"), "spans were recorded: {text}");
    for secret in [
        NAME,
        ID,
        MOBILE,
        DEMO_APPCODE,
        DEMO_APP_SECRET,
        "wrong-secret",
        "%E9%99%88",
    ] {
        assert!(
            !text.contains(secret),
            "log output leaks {secret:?}:\n{text}"
        );
    }
}
