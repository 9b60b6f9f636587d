//! The transport suite: every gateway behaviour, once, over all five vendor clients (each
//! behind the core trait it implements, as the router holds them) and over `GatewayClient`
//! alone, against a mock market of its own on a free port, over real sockets. Each behaviour
//! asserts the mock's usage counters, so that nothing is charged twice or without a reason,
//! and every failure names the client. What only one vendor does (its bodies, its error
//! catalogue, its request encoding, phonethird's consent) is tested in that vendor's crate.

use std::sync::Arc;
use std::time::Duration;

use shiming::gateway::retry::RetryPolicy;
use shiming::gateway::{ApiRequest, ApiResponse, Credentials, GatewayClient};
use shiming::phonethird::PhonethirdClient;
use shiming::sfz2::Sfz2Client;
use shiming::sjsys::SjsysClient;
use shiming::sxm3v2::Sxm3v2Client;
use shiming::tel3::Tel3Client;
use shiming::{
    Billing, Error, ErrorKind, Identity, ThreeElementVerifier, TwoElementVerifier, Verdict,
    Verification,
};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_KEY, DEMO_APP_SECRET};
use shiming_mock_market::{Credential, Fault, MockHandle, MockMarket, Throttle, Vendor};
use shiming_test_support::market::{demo_usage, nothing_listening, usage};
use shiming_test_support::people::{self, assert_error_hidden, ID, MOBILE, NAME};
use shiming_test_support::trace::traced;

/// What the suite runs over: the five vendor clients and the gateway alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject {
    /// `GatewayClient::call` with a tel3-shaped request, no vendor client around it.
    Gateway,
    Tel3,
    Sxm3v2,
    Sjsys,
    Sfz2,
    Phonethird,
}

/// Every subject: the gateway alone first, then the vendor clients.
const SUBJECTS: [Subject; 6] = [
    Subject::Gateway,
    Subject::Tel3,
    Subject::Sxm3v2,
    Subject::Sjsys,
    Subject::Sfz2,
    Subject::Phonethird,
];

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Subject::Gateway => "the gateway alone",
            Subject::Tel3 => "the tel3 client",
            Subject::Sxm3v2 => "the sxm3v2 client",
            Subject::Sjsys => "the sjsys client",
            Subject::Sfz2 => "the sfz2 client",
            Subject::Phonethird => "the phonethird client",
        })
    }
}

impl Subject {
    /// The product the subject calls at the mock (the gateway alone sends a tel3 request).
    fn product(self) -> Vendor {
        match self {
            Subject::Gateway | Subject::Tel3 => Vendor::Tel3,
            Subject::Sxm3v2 => Vendor::Sxm3v2,
            Subject::Sjsys => Vendor::Sjsys,
            Subject::Sfz2 => Vendor::Sfz2,
            Subject::Phonethird => Vendor::Phonethird,
        }
    }

    /// The vendor the subject's results and errors name.
    fn vendor(self) -> &'static str {
        self.product().id()
    }

    /// A product this subject does not call, for a credential subscribed to that one only.
    fn other_product(self) -> Vendor {
        if self.product() == Vendor::Sfz2 {
            Vendor::Tel3
        } else {
            Vendor::Sfz2
        }
    }

    /// One caller made from `setup`.
    fn build(self, setup: &Setup) -> Caller {
        self.build_cloned(setup, 1).remove(0)
    }

    /// One caller made from `setup`, and `copies - 1` clones of it.
    fn build_cloned(self, setup: &Setup, copies: usize) -> Vec<Caller> {
        let Setup {
            gateway,
            credentials,
            endpoint,
        } = setup.clone();
        match self {
            Subject::Gateway => (0..copies)
                .map(|_| Caller::Gateway {
                    client: gateway.clone(),
                    credentials: credentials.clone(),
                    endpoint: endpoint.clone(),
                })
                .collect(),
            Subject::Tel3 => three(
                Tel3Client::builder(credentials)
                    .gateway(gateway)
                    .endpoint(endpoint)
                    .build(),
                copies,
            ),
            Subject::Sxm3v2 => three(
                Sxm3v2Client::builder(credentials)
                    .gateway(gateway)
                    .endpoint(endpoint)
                    .build(),
                copies,
            ),
            Subject::Sjsys => three(
                SjsysClient::builder(credentials)
                    .gateway(gateway)
                    .endpoint(endpoint)
                    .build(),
                copies,
            ),
            Subject::Sfz2 => {
                let client = Sfz2Client::builder(credentials)
                    .gateway(gateway)
                    .endpoint(endpoint)
                    .build();
                (0..copies)
                    .map(|_| Caller::Two(Arc::new(client.clone())))
                    .collect()
            }
            Subject::Phonethird => three(
                PhonethirdClient::builder(credentials)
                    .gateway(gateway)
                    .endpoint(endpoint)
                    .consent_obtained_by_caller(true)
                    .build(),
                copies,
            ),
        }
    }
}

/// `copies` clones of a three-element client, each behind the trait.
fn three<C: ThreeElementVerifier + Clone + 'static>(client: C, copies: usize) -> Vec<Caller> {
    (0..copies)
        .map(|_| Caller::Three(Arc::new(client.clone())))
        .collect()
}

/// How a caller is made: the gateway it shares, its credentials, the market's address.
#[derive(Clone)]
struct Setup {
    gateway: GatewayClient,
    credentials: Credentials,
    endpoint: String,
}

impl Setup {
    /// The demo AppCode on a default gateway (no retries), at `m`.
    fn at(m: &MockHandle) -> Setup {
        Setup::at_url(m.url())
    }

    fn at_url(endpoint: impl Into<String>) -> Setup {
        Setup {
            gateway: GatewayClient::new(),
            credentials: Credentials::app_code(DEMO_APPCODE),
            endpoint: endpoint.into(),
        }
    }

    fn gateway(mut self, gateway: GatewayClient) -> Setup {
        self.gateway = gateway;
        self
    }

    fn credentials(mut self, credentials: Credentials) -> Setup {
        self.credentials = credentials;
        self
    }

    fn endpoint(mut self, endpoint: impl Into<String>) -> Setup {
        self.endpoint = endpoint.into();
        self
    }
}

/// A gateway that retries whatever its policy allows (quickly), with an optional timeout.
fn retrying(timeout: Option<Duration>) -> GatewayClient {
    let mut builder = GatewayClient::builder()
        .retry(RetryPolicy::standard().backoff(Duration::from_millis(1), Duration::from_millis(5)));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().expect("a gateway client")
}

/// A client behind its core trait, or the gateway alone.
enum Caller {
    Three(Arc<dyn ThreeElementVerifier>),
    Two(Arc<dyn TwoElementVerifier>),
    Gateway {
        client: GatewayClient,
        credentials: Credentials,
        endpoint: String,
    },
}

/// What a call answered, alike for a client and for the gateway alone.
#[derive(Debug)]
struct Answer {
    /// The client's verdict; `None` from the gateway alone, which reads no body.
    verdict: Option<Verdict>,
    billing: Billing,
    request_id: Option<String>,
    /// The gateway alone: the status, the body as received and the attempts made.
    status: Option<u16>,
    body: Option<String>,
    attempts: Option<u32>,
}

impl From<Verification> for Answer {
    fn from(v: Verification) -> Answer {
        Answer {
            verdict: Some(v.verdict),
            billing: v.billing,
            request_id: v.request_id,
            status: None,
            body: None,
            attempts: None,
        }
    }
}

impl From<ApiResponse> for Answer {
    fn from(r: ApiResponse) -> Answer {
        Answer {
            verdict: None,
            billing: r.billing,
            request_id: r.request_id,
            status: Some(r.status.as_u16()),
            body: Some(String::from_utf8_lossy(&r.body).into_owned()),
            attempts: Some(r.attempts),
        }
    }
}

impl Caller {
    /// The registry's Match example (name, ID number, mobile; sfz2 reads the first two).
    async fn call(&self) -> Result<Answer, Error> {
        let who = people::matching();
        match self {
            Caller::Three(c) => c.verify_three(&who).await.map(Answer::from),
            Caller::Two(c) => c.verify_two(&who).await.map(Answer::from),
            Caller::Gateway {
                client,
                credentials,
                endpoint,
            } => {
                let request =
                    ApiRequest::get("tel3", format!("{}/mobile", endpoint.trim_end_matches('/')))
                        .query("xm", NAME)
                        .query("sfz", ID)
                        .query("mob", MOBILE);
                client.call(credentials, &request).await.map(Answer::from)
            }
        }
    }

    /// The vendor the client says it is (the gateway alone: its request's).
    fn vendor(&self) -> &'static str {
        match self {
            Caller::Three(c) => c.vendor(),
            Caller::Two(c) => c.vendor(),
            Caller::Gateway { .. } => "tel3",
        }
    }
}

/// Checks an answer to the Match example: billed, with a request id, and a match (for the
/// gateway alone: HTTP 200 and tel3's body saying so, handed over as received).
#[track_caller]
fn assert_match(s: Subject, answer: &Answer) {
    assert_eq!(answer.billing, Billing::Billed, "{s}: {answer:?}");
    assert!(answer.request_id.is_some(), "{s}: {answer:?}");
    match s {
        Subject::Gateway => {
            assert_eq!(answer.status, Some(200), "{s}");
            let body = answer.body.as_deref().unwrap_or_default();
            assert!(body.contains("\"match\":1"), "{s}: {body}");
        }
        _ => assert_eq!(answer.verdict, Some(Verdict::Match), "{s}"),
    }
}

/// The answer of a call that had to succeed (a failure names the client).
#[track_caller]
fn answered(s: Subject, result: Result<Answer, Error>) -> Answer {
    result.unwrap_or_else(|e| panic!("{s}: expected an answer, failed: {e}"))
}

/// The error of a call that had to fail, checked for its kind and billing, its vendor, and
/// that it shows no personal data or credential.
#[track_caller]
fn assert_failed(
    s: Subject,
    result: Result<Answer, Error>,
    kind: ErrorKind,
    billing: Billing,
) -> Error {
    let e = match result {
        Ok(answer) => panic!("{s}: expected {kind:?}, answered {answer:?}"),
        Err(e) => e,
    };
    assert_eq!((e.kind(), e.billing()), (kind, billing), "{s}: {e}");
    assert_eq!(e.vendor(), Some(s.vendor()), "{s}: {e}");
    assert_error_hidden(&s.to_string(), &e);
    e
}

/// A verifier reached through its trait says which vendor it is, and is answered and charged
/// once per call.
#[tokio::test]
async fn an_answer_is_billed_once() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let caller = s.build(&Setup::at(&m));
        assert_eq!(caller.vendor(), s.vendor(), "{s}");
        let answer = answered(s, caller.call().await);
        assert_match(s, &answer);
        if s == Subject::Gateway {
            assert_eq!(answer.attempts, Some(1), "{s}");
        }
        assert_eq!(demo_usage(&m, s.product()), (1, 1), "{s}");
    }
}

/// What a client's local validation cleans (spaces, a `+86` prefix and separators) reaches the
/// vendor clean: the vendors do not normalize, and the registry's person matches.
#[tokio::test]
async fn local_validation_normalizes_before_sending() {
    let messy = Identity::unchecked(
        " 陈思远 ",
        " 330106198805160711 ",
        Some("+86 139-5712-0001"),
    );
    for s in SUBJECTS.into_iter().filter(|s| *s != Subject::Gateway) {
        let m = MockMarket::start().unwrap();
        let v = match s.build(&Setup::at(&m)) {
            Caller::Three(c) => c.verify_three(&messy).await,
            Caller::Two(c) => c.verify_two(&messy).await,
            Caller::Gateway { .. } => unreachable!("the gateway alone validates nothing"),
        };
        let v = v.unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(
            (v.verdict, v.billing),
            (Verdict::Match, Billing::Billed),
            "{s}"
        );
        assert_eq!(demo_usage(&m, s.product()), (1, 1), "{s}");
    }
}

#[tokio::test]
async fn quota_exhausted_is_not_billed() {
    for s in SUBJECTS {
        let m = MockMarket::builder().quota(1).start().unwrap();
        let caller = s.build(&Setup::at(&m));
        assert_match(s, &answered(s, caller.call().await));
        let e = assert_failed(
            s,
            caller.call().await,
            ErrorKind::QuotaExhausted,
            Billing::NotBilled,
        );
        assert!(e.retry_safety().allows_retry(false), "{s}");
        assert!(e.request_id().is_some(), "{s}: {e}");
        let u = m.usage_of(DEMO_APPCODE, s.product());
        assert_eq!(
            (u.received, u.charged, u.quota_left),
            (2, 1, Some(0)),
            "{s}: only the first call was charged"
        );
    }
}

/// Flow control in both of the gateway's styles (classic 403, VPC 429): refused before the
/// quota step, so not even counted as received, never charged, and not retried by default.
#[tokio::test]
async fn throttled_calls_are_not_billed() {
    for vpc_style in [false, true] {
        for s in SUBJECTS {
            let m = MockMarket::builder()
                .throttle(Throttle {
                    per_second: 0,
                    vpc_style,
                })
                .start()
                .unwrap();
            let e = assert_failed(
                s,
                s.build(&Setup::at(&m)).call().await,
                ErrorKind::Throttled,
                Billing::NotBilled,
            );
            assert!(e.retry_safety().allows_retry(false), "{s}");
            let journal = m.journal();
            assert_eq!(journal.len(), 1, "{s}, vpc {vpc_style}: sent once");
            assert_eq!(journal[0].status, if vpc_style { 429 } else { 403 }, "{s}");
            assert_eq!(demo_usage(&m, s.product()), (0, 0), "{s}");
        }
    }
}

#[tokio::test]
async fn unknown_and_unsubscribed_appcodes_are_unauthorized() {
    for s in SUBJECTS {
        let m = MockMarket::builder()
            .credential(Credential::app_code("only-another-product").only(&[s.other_product()]))
            .credential(Credential::app_code(DEMO_APPCODE))
            .start()
            .unwrap();
        let unknown = Setup::at(&m).credentials(Credentials::app_code("no-such-appcode"));
        let e = assert_failed(
            s,
            s.build(&unknown).call().await,
            ErrorKind::Unauthorized,
            Billing::NotBilled,
        );
        assert!(e.message().contains("Invalid AppCode"), "{s}: {e}");
        assert!(
            !format!("{e} {e:?}").contains("no-such-appcode"),
            "{s}: {e}"
        );
        let unsubscribed = Setup::at(&m).credentials(Credentials::app_code("only-another-product"));
        assert_failed(
            s,
            s.build(&unsubscribed).call().await,
            ErrorKind::Unauthorized,
            Billing::NotBilled,
        );
        assert_eq!(
            usage(&m, "only-another-product", s.product()),
            (0, 0),
            "{s}"
        );
        assert_eq!(demo_usage(&m, s.product()), (0, 0), "{s}");
    }
}

/// AppKey/AppSecret signing, checked by the mock's independent verifier: every body kind the
/// clients send (tel3, sfz2 and the gateway alone a query; sjsys and phonethird a form; sxm3v2
/// JSON with Content-MD5), a fresh nonce per call; a wrong secret is unauthorized and the
/// gateway's StringToSign echo (which holds the values) is not kept.
#[tokio::test]
async fn signature_mode_is_accepted_and_a_wrong_secret_is_unauthorized() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let signed = s
            .build(&Setup::at(&m).credentials(Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET)));
        for _ in 0..2 {
            assert_match(s, &answered(s, signed.call().await));
        }
        assert_eq!(usage(&m, DEMO_APP_KEY, s.product()), (2, 2), "{s}");
        let wrong = s.build(
            &Setup::at(&m).credentials(Credentials::app_key(DEMO_APP_KEY, "not-the-secret")),
        );
        let e = assert_failed(
            s,
            wrong.call().await,
            ErrorKind::Unauthorized,
            Billing::NotBilled,
        );
        assert!(!format!("{e} {e:?}").contains("not-the-secret"), "{s}: {e}");
        assert_eq!(
            usage(&m, DEMO_APP_KEY, s.product()),
            (2, 2),
            "{s}: refused before the quota step, neither counted nor charged"
        );
    }
}

/// An answer later than the timeout: the vendor processed (and the marketplace charged) the
/// call, so it may have been charged and is never re-sent, even with retries on — whether the
/// answer comes after the client's timeout (`late`) or is merely slow (`latency`).
#[tokio::test]
async fn a_late_answer_may_have_been_charged_and_is_not_retried() {
    for fault in [
        Fault::Late(Some(Duration::from_secs(2))),
        Fault::Latency(Duration::from_millis(1500)),
    ] {
        for s in SUBJECTS {
            let m = MockMarket::start().unwrap();
            m.queue_fault(fault, 1, Some(s.product()));
            let setup = Setup::at(&m).gateway(retrying(Some(Duration::from_millis(300))));
            let e = assert_failed(
                s,
                s.build(&setup).call().await,
                ErrorKind::MayHaveBeenCharged,
                Billing::Unknown,
            );
            assert_eq!(
                e.retry_safety(),
                shiming::core::RetrySafety::MayCharge,
                "{s}"
            );
            assert_eq!(
                demo_usage(&m, s.product()),
                (1, 1),
                "{s}, {fault}: processed and charged once, never re-sent"
            );
        }
    }
}

/// A connection closed before the answer: the client cannot know whether the vendor did the
/// work, so it says "may have been charged" and does not re-send, even with retries on.
#[tokio::test]
async fn a_reset_or_a_drop_may_have_been_charged_and_is_not_retried() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let caller = s.build(&Setup::at(&m).gateway(retrying(None)));
        m.queue_fault(Fault::Reset, 1, Some(s.product()));
        assert_failed(
            s,
            caller.call().await,
            ErrorKind::MayHaveBeenCharged,
            Billing::Unknown,
        );
        assert_eq!(
            demo_usage(&m, s.product()),
            (1, 0),
            "{s}: not re-sent; the mock closed before processing"
        );
        m.queue_fault(Fault::Drop, 1, Some(s.product()));
        assert_failed(
            s,
            caller.call().await,
            ErrorKind::MayHaveBeenCharged,
            Billing::Unknown,
        );
        assert_eq!(
            demo_usage(&m, s.product()),
            (2, 1),
            "{s}: dropped after processing: charged, still not re-sent"
        );
    }
}

/// A 2xx answer whose body is cut short or is not JSON: a client reports a malformed answer
/// that was billed (with the request id, to claim the charge back); the gateway alone reads no
/// body and hands it over, billed.
#[tokio::test]
async fn truncated_and_malformed_answers_keep_their_billing() {
    for (fault, says) in [
        (
            Fault::Truncate,
            ": the answer ends too early (truncated JSON)",
        ),
        (Fault::Malformed, ": the answer is not valid JSON"),
    ] {
        for s in SUBJECTS {
            let m = MockMarket::start().unwrap();
            m.queue_fault(fault, 1, Some(s.product()));
            let result = s.build(&Setup::at(&m)).call().await;
            if s == Subject::Gateway {
                let r = result.unwrap_or_else(|e| panic!("{s}, {fault}: {e}"));
                assert_eq!((r.status, r.billing), (Some(200), Billing::Billed), "{s}");
            } else {
                let e = assert_failed(s, result, ErrorKind::MalformedAnswer, Billing::Billed);
                assert!(e.message().ends_with(says), "{s}, {fault}: {e}");
                assert!(e.request_id().is_some(), "{s}, {fault}: {e}");
            }
            assert_eq!(demo_usage(&m, s.product()), (1, 1), "{s}, {fault}");
        }
    }
}

/// An answer over the client's size limit is refused, and says it was billed.
#[tokio::test]
async fn an_oversized_answer_is_refused_with_its_billing() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let small = GatewayClient::builder()
            .max_response_bytes(16)
            .build()
            .unwrap();
        assert_failed(
            s,
            s.build(&Setup::at(&m).gateway(small)).call().await,
            ErrorKind::MalformedAnswer,
            Billing::Billed,
        );
        assert_eq!(demo_usage(&m, s.product()), (1, 1), "{s}");
    }
}

/// 504: the backend worked but the gateway gave up — not charged (non-2xx), a vendor fault,
/// and never retried (the vendor may have done the work); the next call is answered normally.
#[tokio::test]
async fn a_backend_timeout_is_a_vendor_fault_not_billed_nor_retried() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let caller = s.build(&Setup::at(&m).gateway(retrying(None)));
        m.queue_fault(Fault::BackendTimeout, 1, Some(s.product()));
        assert_failed(
            s,
            caller.call().await,
            ErrorKind::VendorFault,
            Billing::NotBilled,
        );
        assert_eq!(demo_usage(&m, s.product()), (1, 0), "{s}: not retried");
        assert_match(s, &answered(s, caller.call().await));
        assert_eq!(demo_usage(&m, s.product()), (2, 1), "{s}");
    }
}

/// 503: the backend was not called — not charged; returned at once by default, retried once
/// when the caller opted in to retries.
#[tokio::test]
async fn a_gateway_503_is_not_billed_and_retried_only_when_opted_in() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        m.queue_fault(Fault::Unavailable(503), 1, Some(s.product()));
        assert_failed(
            s,
            s.build(&Setup::at(&m)).call().await,
            ErrorKind::VendorFault,
            Billing::NotBilled,
        );
        assert_eq!(demo_usage(&m, s.product()), (1, 0), "{s}: not retried");
        m.queue_fault(Fault::Unavailable(503), 1, Some(s.product()));
        let answer = s
            .build(&Setup::at(&m).gateway(retrying(None)))
            .call()
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_match(s, &answer);
        if s == Subject::Gateway {
            assert_eq!(answer.attempts, Some(2), "{s}");
        }
        assert_eq!(
            demo_usage(&m, s.product()),
            (3, 1),
            "{s}: the 503 retried once, the answer charged once"
        );
    }
}

#[tokio::test]
async fn nothing_listening_is_not_sent() {
    let closed = nothing_listening();
    for s in SUBJECTS {
        let caller = s.build(&Setup::at_url(closed.clone()).gateway(retrying(None)));
        let e = assert_failed(
            s,
            caller.call().await,
            ErrorKind::NotSent,
            Billing::NotBilled,
        );
        assert!(e.retry_safety().allows_retry(false), "{s}");
    }
}

/// Plain `http://` goes only to loopback: a remote host is refused before any traffic.
#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_without_any_traffic() {
    for s in SUBJECTS {
        let caller = s.build(&Setup::at_url("http://tel3.market.alicloudapi.com"));
        let e = assert_failed(
            s,
            caller.call().await,
            ErrorKind::NotSent,
            Billing::NotBilled,
        );
        assert!(e.message().contains("https"), "{s}: {e}");
    }
}

/// Clients built on one gateway (and clones of a client) share its pool: one keep-alive
/// connection serves them all.
#[tokio::test]
async fn clients_sharing_a_gateway_share_its_connections() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let shared = GatewayClient::new();
        let mut callers = s.build_cloned(&Setup::at(&m).gateway(shared.clone()), 2);
        // A second client on the same gateway (a clone of it), the base URL spelled otherwise.
        callers.push(
            s.build(
                &Setup::at(&m)
                    .gateway(shared)
                    .endpoint(format!("{}/", m.url())),
            ),
        );
        for _ in 0..3 {
            for caller in &callers {
                assert_match(s, &answered(s, caller.call().await));
            }
        }
        assert_eq!(
            m.connections(),
            1,
            "{s}: one keep-alive connection served all nine calls"
        );
        assert_eq!(demo_usage(&m, s.product()), (9, 9), "{s}");
    }
}

/// Everything logged at trace level while a client answers, is refused for a wrong secret and
/// meets a 503 (then a retry) shows neither the person's data nor a credential; the gateway's
/// span is there.
#[test]
fn traces_show_no_personal_data_or_credentials() {
    for s in SUBJECTS {
        let m = MockMarket::start().unwrap();
        let ((), text) = traced(async {
            let gateway = retrying(None);
            let appcode = s.build(&Setup::at(&m).gateway(gateway.clone()));
            assert_match(s, &answered(s, appcode.call().await));
            let signed = s.build(
                &Setup::at(&m)
                    .gateway(gateway.clone())
                    .credentials(Credentials::app_key(DEMO_APP_KEY, DEMO_APP_SECRET)),
            );
            assert_match(s, &answered(s, signed.call().await));
            let wrong = s.build(
                &Setup::at(&m)
                    .gateway(gateway.clone())
                    .credentials(Credentials::app_key(DEMO_APP_KEY, "wrong-secret")),
            );
            let e = wrong.call().await.err();
            assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::Unauthorized), "{s}");
            m.queue_fault(Fault::Unavailable(503), 1, Some(s.product()));
            assert_match(s, &answered(s, appcode.call().await));
        });
        assert_eq!(demo_usage(&m, s.product()), (3, 2), "{s}");
        assert!(
            text.contains("gateway_call"),
            "{s}: spans were recorded: {text}"
        );
        people::assert_hidden(&format!("{s}'s trace"), &text);
        assert!(!text.contains("wrong-secret"), "{s}: {text}");
    }
}
