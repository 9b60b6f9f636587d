//! What went over the wire during one piece of work, for a developer's view of it (the
//! vendors' 开发者模式): run a future inside [`capture`] and every attempt the gateway sends
//! inside it is kept as an [`Exchange`] — the request as sent, credentials hidden, and the
//! answer as received: status, headers and body. Outside `capture` nothing is recorded and
//! nothing is copied.
//!
//! The recording follows the task: work that `capture` wraps is recorded wherever it calls
//! the gateway (a router trying vendor after vendor, retries), but not work it spawns onto
//! other tasks.
//!
//! An exchange holds personal data — the parameters, and whatever a vendor echoes — so its
//! `Debug` shows sizes only, and whoever shows one must mask it first
//! (`shiming_core::mask::Redactor` hides given values in every form a request carries them).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;

/// Credential headers (the AppCode's `Authorization`, the signature's `X-Ca-Key`,
/// `X-Ca-Signature`…) are recorded with this value instead of theirs.
pub use shiming_core::mask::HIDDEN;

/// One attempt the gateway sent: the request as it went out and what came back.
///
/// ```
/// # async fn f(client: shiming_gateway::GatewayClient, creds: shiming_gateway::Credentials) {
/// let request = shiming_gateway::ApiRequest::get("sfz2", "https://sfz2.market.alicloudapi.com/idcard");
/// let (_answer, exchanges) = shiming_gateway::tap::capture(client.call(&creds, &request)).await;
/// for exchange in &exchanges {
///     println!("{} {} -> {:?}", exchange.method, exchange.vendor, exchange.status);
/// }
/// # }
/// ```
#[non_exhaustive]
#[derive(Clone)]
pub struct Exchange {
    /// The vendor API id the request was for.
    pub vendor: &'static str,
    /// Which attempt of its call this was (1 unless the retry policy repeated it).
    pub attempt: u32,
    /// `GET` or `POST`.
    pub method: String,
    /// The URL as sent, query included.
    pub url: String,
    /// The request's headers as sent, in order; credential headers read [`HIDDEN`].
    pub request_headers: Vec<(String, String)>,
    /// The request's body as sent (empty for a `GET`).
    pub request_body: Bytes,
    /// The answer's status, when an answer came.
    pub status: Option<u16>,
    /// The answer's headers (non-UTF-8 bytes replaced), when an answer came.
    pub response_headers: Vec<(String, String)>,
    /// The answer's body, when it was read (within the client's response limit).
    pub response_body: Bytes,
    /// Why no answer (or no body) was read: a timeout, a broken connection, a body over the
    /// limit.
    pub failure: Option<String>,
    /// From sending to the answer read (or the failure).
    pub latency: Duration,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL's query, the bodies and echoed headers hold personal data: sizes only.
        f.debug_struct("Exchange")
            .field("vendor", &self.vendor)
            .field("attempt", &self.attempt)
            .field("method", &self.method)
            .field("url_bytes", &self.url.len())
            .field("request_body_bytes", &self.request_body.len())
            .field("status", &self.status)
            .field("response_body_bytes", &self.response_body.len())
            .field("failure", &self.failure)
            .field("latency", &self.latency)
            .finish_non_exhaustive()
    }
}

type Log = Arc<Mutex<Vec<Exchange>>>;

tokio::task_local! {
    static TAP: Log;
}

/// Runs `work` and returns its output with every exchange the gateway sent while it ran, in
/// order.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (answer, exchanges) = shiming_gateway::tap::capture(async { 42 }).await;
/// assert_eq!((answer, exchanges.len()), (42, 0));
/// # });
/// ```
pub async fn capture<F: Future>(work: F) -> (F::Output, Vec<Exchange>) {
    let log: Log = Arc::default();
    let output = TAP.scope(Arc::clone(&log), work).await;
    let exchanges = std::mem::take(&mut *log.lock().unwrap_or_else(PoisonError::into_inner));
    (output, exchanges)
}

/// Whether the current task is being recorded (so the client copies what it sends).
pub(crate) fn active() -> bool {
    TAP.try_with(|_| ()).is_ok()
}

/// Keeps `exchange` when the current task is being recorded.
pub(crate) fn record(exchange: Exchange) {
    let _ = TAP.try_with(|log| {
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);
    });
}

/// A request as it goes out, copied for the record before it is sent.
pub(crate) struct Sent {
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl Sent {
    /// The request's URL, its headers as the connection writes them (`host` first, the
    /// body's `content-length` last, as hyper adds them) and its body.
    pub(crate) fn new(uri: &http::Uri, headers: &http::HeaderMap, body: &Bytes) -> Sent {
        let mut list = Vec::with_capacity(headers.len() + 2);
        if let Some(authority) = uri.authority() {
            list.push(("host".to_string(), authority.to_string()));
        }
        list.extend(header_list(headers));
        if !body.is_empty() {
            list.push(("content-length".to_string(), body.len().to_string()));
        }
        Sent {
            url: uri.to_string(),
            headers: list,
            body: body.clone(),
        }
    }
}

/// A header list as recorded: names in lower case, credential values [`HIDDEN`].
pub(crate) fn header_list(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if value.is_sensitive() {
                HIDDEN.to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_string(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_hidden() {
        let mut headers = http::HeaderMap::new();
        let mut auth = http::HeaderValue::from_static("APPCODE 0123456789abcdef0123456789abcdef");
        auth.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, auth);
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        let list = header_list(&headers);
        assert!(list.contains(&("authorization".into(), HIDDEN.into())));
        assert!(list.contains(&("accept".into(), "application/json".into())));
    }

    #[test]
    fn debug_shows_sizes_only() {
        let exchange = Exchange {
            vendor: "tel3",
            attempt: 1,
            method: "GET".into(),
            url: "https://tel3.market.alicloudapi.com/mobile?xm=%E5%BC%A0%E4%B8%89&sfz=11010519491231002X".into(),
            request_headers: Vec::new(),
            request_body: Bytes::new(),
            status: Some(200),
            response_headers: vec![("x-ca-request-id".into(), "r-1".into())],
            response_body: Bytes::from_static(br#"{"mob":"13800138000"}"#),
            failure: None,
            latency: Duration::from_millis(3),
        };
        let shown = format!("{exchange:?}");
        for secret in ["11010519491231002X", "13800138000", "%E5%BC%A0"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("status: Some(200)"));
    }

    #[tokio::test]
    async fn nothing_is_recorded_outside_capture() {
        assert!(!active());
        record(Exchange {
            vendor: "tel3",
            attempt: 1,
            method: "GET".into(),
            url: String::new(),
            request_headers: Vec::new(),
            request_body: Bytes::new(),
            status: None,
            response_headers: Vec::new(),
            response_body: Bytes::new(),
            failure: None,
            latency: Duration::ZERO,
        });
        let ((), inside) = capture(async { assert!(active()) }).await;
        assert!(inside.is_empty());
    }
}
