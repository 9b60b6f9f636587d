//! The pooled HTTPS client every vendor crate shares.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shiming_core::{Billing, Error, ErrorKind};

use crate::classify;
use crate::retry::{self, RetryPolicy};
use crate::sign;
use crate::{tap, Credentials};

/// The body of an API request.
///
/// ```
/// let body = shiming_gateway::RequestBody::Form(vec![("name".into(), "张三".into())]);
/// assert!(matches!(body, shiming_gateway::RequestBody::Form(_)));
/// ```
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum RequestBody {
    /// No body (GET).
    Empty,
    /// `application/x-www-form-urlencoded; charset=UTF-8`, values RFC 3986-encoded.
    Form(Vec<(String, String)>),
    /// `application/json; charset=UTF-8`, sent as given.
    Json(Vec<u8>),
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Parameter values are personal data: names and sizes only.
        match self {
            RequestBody::Empty => f.write_str("Empty"),
            RequestBody::Form(pairs) => {
                let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
                f.debug_tuple("Form").field(&names).finish()
            }
            RequestBody::Json(bytes) => write!(f, "Json({} bytes)", bytes.len()),
        }
    }
}

/// One call to a marketplace API.
///
/// ```
/// use shiming_gateway::{ApiRequest, RequestBody};
/// let req = ApiRequest::get("tel3", "https://tel3.market.alicloudapi.com/mobile")
///     .query("xm", "张三");
/// assert_eq!(format!("{req:?}").contains("张三"), false);
/// ```
#[derive(Clone)]
#[must_use]
pub struct ApiRequest {
    vendor: &'static str,
    method: Method,
    url: String,
    query: Vec<(String, String)>,
    body: RequestBody,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ApiRequest")
            .field("vendor", &self.vendor)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("query", &names)
            .field("body", &self.body)
            .finish()
    }
}

impl ApiRequest {
    /// A `GET` to `url` (scheme, host and path; no query).
    ///
    /// ```
    /// let _ = shiming_gateway::ApiRequest::get("sfz2", "https://sfz2.market.alicloudapi.com/idcard");
    /// ```
    pub fn get(vendor: &'static str, url: impl Into<String>) -> ApiRequest {
        ApiRequest {
            vendor,
            method: Method::GET,
            url: url.into(),
            query: Vec::new(),
            body: RequestBody::Empty,
            timeout: None,
        }
    }

    /// A `POST` to `url` with `body`.
    ///
    /// ```
    /// use shiming_gateway::{ApiRequest, RequestBody};
    /// let _ = ApiRequest::post("sxm3v2", "https://sxm3v2.market.alicloudapi.com/mobile3/check", RequestBody::Json(b"{}".to_vec()));
    /// ```
    pub fn post(vendor: &'static str, url: impl Into<String>, body: RequestBody) -> ApiRequest {
        ApiRequest {
            method: Method::POST,
            body,
            ..ApiRequest::get(vendor, url)
        }
    }

    /// Adds a query parameter (encoded per RFC 3986 on the wire).
    ///
    /// ```
    /// let _ = shiming_gateway::ApiRequest::get("tel3", "https://x/mobile").query("mob", "13800138000");
    /// ```
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> ApiRequest {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Overrides the client's total timeout for this call.
    ///
    /// ```
    /// let _ = shiming_gateway::ApiRequest::get("tel3", "https://x/mobile").timeout(std::time::Duration::from_secs(3));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> ApiRequest {
        self.timeout = Some(timeout);
        self
    }
}

/// A vendor's answer (any status: 200, 450, 666…) that the gateway passed through.
///
/// ```
/// # fn f(r: shiming_gateway::ApiResponse) {
/// if r.billing == shiming_core::Billing::Billed { println!("charged one unit, request {:?}", r.request_id); }
/// # }
/// ```
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// The body (at most the client's response limit).
    pub body: Bytes,
    /// `X-Ca-Request-Id`.
    pub request_id: Option<String>,
    /// Whether the marketplace charged the call: [`Billing::Billed`] for status 200–299,
    /// otherwise [`Billing::NotBilled`] (an answer came, so never [`Billing::Unknown`]).
    pub billing: Billing,
    /// How many attempts were made (retries happen only as the policy allows).
    pub attempts: u32,
}

impl ApiResponse {
    /// An answer assembled from its parts — for decoders tested on recorded bodies.
    ///
    /// ```
    /// let r = shiming_gateway::ApiResponse::new(http::StatusCode::OK, bytes::Bytes::from_static(b"{}"), Some("r-1".into()));
    /// assert_eq!(r.billing, shiming_core::Billing::Billed);
    /// ```
    #[must_use]
    pub fn new(status: StatusCode, body: Bytes, request_id: Option<String>) -> ApiResponse {
        ApiResponse {
            status,
            billing: classify::billing_of(status.as_u16()),
            body,
            request_id,
            attempts: 1,
        }
    }

    /// The same answer with its billing set as given — for replays whose billing was
    /// recorded rather than derived from the status.
    ///
    /// ```
    /// use shiming_core::Billing;
    /// let r = shiming_gateway::ApiResponse::new(http::StatusCode::OK, bytes::Bytes::new(), None)
    ///     .with_billing(Billing::NotBilled);
    /// assert_eq!(r.billing, Billing::NotBilled);
    /// ```
    #[must_use]
    pub fn with_billing(mut self, billing: Billing) -> ApiResponse {
        self.billing = billing;
        self
    }
}

/// Why a client could not be built.
///
/// ```
/// let e = shiming_gateway::GatewayClient::builder().max_response_bytes(0).build().unwrap_err();
/// assert!(e.to_string().contains("response"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A setting is out of range.
    #[error("invalid client setting: {0}")]
    Setting(&'static str),
}

/// Builds a [`GatewayClient`].
#[derive(Debug, Clone)]
#[must_use]
pub struct GatewayClientBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
    allow_plain_http: bool,
}

impl Default for GatewayClientBuilder {
    fn default() -> GatewayClientBuilder {
        GatewayClientBuilder {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            max_response_bytes: 64 * 1024,
            retry: RetryPolicy::none(),
            allow_plain_http: false,
        }
    }
}

impl GatewayClientBuilder {
    /// Time allowed to open a connection (TCP + TLS). A connect failure is "not sent".
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::builder().connect_timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> GatewayClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// Total time allowed per attempt. Elapsing after the request left means "may have been
    /// charged".
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::builder().timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> GatewayClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Largest accepted response body (default 64 KiB).
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::builder().max_response_bytes(16 * 1024);
    /// ```
    pub fn max_response_bytes(mut self, bytes: usize) -> GatewayClientBuilder {
        self.max_response_bytes = bytes;
        self
    }

    /// The retry policy (default: none — billable calls are not repeated).
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::builder().retry(shiming_gateway::retry::RetryPolicy::standard());
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> GatewayClientBuilder {
        self.retry = policy;
        self
    }

    /// Allows plain `http://` to hosts that are not loopback. Off by default: an AppCode
    /// travels in clear text, so only HTTPS with verified certificates is used — except to
    /// loopback addresses (a local mock market), which are always allowed.
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::builder().allow_plain_http_to_any_host(true);
    /// ```
    pub fn allow_plain_http_to_any_host(mut self, allow: bool) -> GatewayClientBuilder {
        self.allow_plain_http = allow;
        self
    }

    /// Builds the client (one connection pool, shared by clones).
    ///
    /// ```
    /// let client = shiming_gateway::GatewayClient::builder().build().unwrap();
    /// let _shared = client.clone();
    /// ```
    pub fn build(self) -> Result<GatewayClient, BuildError> {
        if self.max_response_bytes == 0 {
            return Err(BuildError::Setting("max_response_bytes must be positive"));
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(BuildError::Setting("timeouts must be positive"));
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let pool = Client::builder(TokioExecutor::new()).build(https);
        Ok(GatewayClient {
            inner: Arc::new(Inner {
                pool,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                retry: self.retry,
                allow_plain_http: self.allow_plain_http,
            }),
        })
    }
}

struct Inner {
    pool: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
    allow_plain_http: bool,
}

/// A pooled HTTPS client for the marketplace gateway: certificate verification always on,
/// keep-alive connections shared by every clone and every vendor.
///
/// ```
/// let client = shiming_gateway::GatewayClient::new();
/// # drop(client);
/// ```
#[derive(Clone)]
pub struct GatewayClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient")
            .field("timeout", &self.inner.timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish()
    }
}

impl Default for GatewayClient {
    fn default() -> GatewayClient {
        GatewayClient::new()
    }
}

/// What one attempt ended with. A failure's [`Error::retry_safety`] decides whether the
/// policy repeats it.
enum Attempt {
    Answer(ApiResponse),
    Failed(Error),
}

fn is_loopback(uri: &Uri) -> bool {
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `X-Ca-Request-Id`, `X-Ca-Error-Code`, `X-Ca-Error-Message` as ready-made names (a `&str`
/// name would be parsed again on every lookup).
const X_CA_REQUEST_ID: HeaderName = HeaderName::from_static("x-ca-request-id");
const X_CA_ERROR_CODE: HeaderName = HeaderName::from_static("x-ca-error-code");
const X_CA_ERROR_MESSAGE: HeaderName = HeaderName::from_static("x-ca-error-message");

/// The length of `pairs` as [`sign::encode_pairs`] writes them, at most (every byte may
/// become `%XX`).
fn encoded_len(pairs: &[(String, String)]) -> usize {
    pairs.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum()
}

/// Appends `pairs` to `out` exactly as [`sign::encode_pairs`] writes them (`k=v&k2=v2`,
/// RFC 3986 percent-encoding), without building a string per value.
fn push_encoded_pairs(out: &mut String, pairs: &[(String, String)]) {
    fn push_encoded(out: &mut String, value: &str) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for &byte in value.as_bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(out, key);
        out.push('=');
        push_encoded(out, value);
    }
}

fn header(headers: &http::HeaderMap, name: impl http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A header's text even when it carries non-ASCII bytes (the gateway's signature echo holds
/// raw UTF-8 parameter values).
fn header_lossy(
    headers: &http::HeaderMap,
    name: impl http::header::AsHeaderName,
) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

impl GatewayClient {
    /// A client with the default settings (3 s connect, 10 s total, 64 KiB responses, no
    /// retries).
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::new();
    /// ```
    #[must_use]
    pub fn new() -> GatewayClient {
        // The defaults are valid by construction.
        GatewayClientBuilder::default()
            .build()
            .unwrap_or_else(|_| unreachable!("defaults are valid"))
    }

    /// A builder for other settings.
    ///
    /// ```
    /// let _ = shiming_gateway::GatewayClient::builder().timeout(std::time::Duration::from_secs(5)).build();
    /// ```
    pub fn builder() -> GatewayClientBuilder {
        GatewayClientBuilder::default()
    }

    /// Sends `request` with `credentials`, retrying only as the policy allows, and returns the
    /// vendor's answer (whatever its status) or a classified error saying whether anything
    /// may have been charged.
    pub async fn call(
        &self,
        credentials: &Credentials,
        request: &ApiRequest,
    ) -> Result<ApiResponse, Error> {
        let policy = &self.inner.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match self.attempt(credentials, request, attempt).await {
                Attempt::Answer(response) => return Ok(response),
                Attempt::Failed(error) => {
                    match policy.next_delay(attempt, &error, retry::jitter()) {
                        Some(delay) => {
                            tracing::debug!(
                                vendor = request.vendor,
                                attempt,
                                delay_ms = delay.as_millis() as u64,
                                "retrying"
                            );
                            tokio::time::sleep(delay).await;
                        }
                        None => return Err(error),
                    }
                }
            }
        }
    }

    /// The client refuses to send: not sent, and not transient (its own configuration
    /// would refuse every repeat).
    fn refuse(vendor: &'static str, message: &str) -> Attempt {
        Attempt::Failed(
            Error::new(ErrorKind::NotSent, message)
                .with_vendor(vendor)
                .with_transient(false),
        )
    }

    async fn attempt(
        &self,
        credentials: &Credentials,
        request: &ApiRequest,
        attempt: u32,
    ) -> Attempt {
        let vendor = request.vendor;
        let span = tracing::info_span!(
            "gateway_call",
            vendor,
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            billed = tracing::field::Empty,
        );
        let _entered = span.enter();
        // The target is written once, straight into the buffer the `Uri` keeps (no
        // intermediate pair list or per-value strings, no copy when parsing).
        let mut target = String::with_capacity(request.url.len() + encoded_len(&request.query));
        target.push_str(&request.url);
        if !request.query.is_empty() {
            target.push('?');
            push_encoded_pairs(&mut target, &request.query);
        }
        let Ok(uri) = Uri::try_from(target) else {
            return Self::refuse(vendor, "the endpoint URL is not valid");
        };
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.inner.allow_plain_http || is_loopback(&uri) => {}
            Some("http") => {
                return Self::refuse(
                    vendor,
                    "plain http:// is refused for non-loopback hosts (the AppCode would travel in clear text); use https:// or allow it explicitly",
                )
            }
            _ => return Self::refuse(vendor, "the endpoint URL must be http(s)"),
        }
        let (content_type, body) = match &request.body {
            RequestBody::Empty => (None, Bytes::new()),
            RequestBody::Form(pairs) => {
                let mut form = String::with_capacity(encoded_len(pairs));
                push_encoded_pairs(&mut form, pairs);
                (
                    Some("application/x-www-form-urlencoded; charset=UTF-8"),
                    Bytes::from(form),
                )
            }
            RequestBody::Json(bytes) => (
                Some("application/json; charset=UTF-8"),
                Bytes::from(bytes.clone()),
            ),
        };
        let mut headers = http::HeaderMap::with_capacity(8);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(ct) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        if let Err(message) = self.authenticate(
            credentials,
            request,
            &uri,
            content_type,
            &body,
            &mut headers,
        ) {
            return Self::refuse(vendor, message);
        }
        // Copied only when a developer's view records this task (`tap::capture`).
        let sent = tap::active().then(|| tap::Sent::new(&uri, &headers, &body));
        let mut http_request = Request::new(Full::new(body));
        *http_request.method_mut() = request.method.clone();
        *http_request.uri_mut() = uri;
        *http_request.headers_mut() = headers;
        let started = Instant::now();
        let timeout = request.timeout.unwrap_or(self.inner.timeout);
        let outcome = tokio::time::timeout(timeout, self.exchange(http_request)).await;
        let latency = started.elapsed();
        span.record("latency_ms", latency.as_millis() as u64);
        if let Some(sent) = sent {
            tap::record(self.recorded(request, attempt, sent, &outcome, timeout, latency));
        }
        let (status, headers, body) = match outcome {
            Err(_) => {
                let error = Error::new(
                    ErrorKind::MayHaveBeenCharged,
                    format!("no answer within {} ms after sending", timeout.as_millis()),
                )
                .with_vendor(vendor);
                return Attempt::Failed(error);
            }
            Ok(Err(Failure::NotSent(message))) => {
                return Attempt::Failed(
                    Error::new(ErrorKind::NotSent, message).with_vendor(vendor),
                );
            }
            Ok(Err(Failure::AfterSend(message))) => {
                let error = Error::new(ErrorKind::MayHaveBeenCharged, message).with_vendor(vendor);
                return Attempt::Failed(error);
            }
            Ok(Err(Failure::TooLarge { status, request_id })) => {
                let mut error = Error::new(
                    ErrorKind::MalformedAnswer,
                    format!(
                        "the answer is larger than {} bytes",
                        self.inner.max_response_bytes
                    ),
                )
                .with_vendor(vendor)
                .with_billing(classify::billing_of(status.as_u16()));
                if let Some(id) = request_id {
                    error = error.with_request_id(id);
                }
                return Attempt::Failed(error);
            }
            Ok(Ok(parts)) => parts,
        };
        let request_id = header(&headers, X_CA_REQUEST_ID).map(str::to_string);
        span.record("status", status.as_u16());
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        let error_message = header_lossy(&headers, X_CA_ERROR_MESSAGE);
        let failure = classify::gateway_failure(
            status.as_u16(),
            header(&headers, X_CA_ERROR_CODE),
            error_message.as_deref(),
            body.is_empty(),
        );
        if let Some(mut failure) = failure {
            span.record("billed", false);
            failure.retry_after = header(&headers, RETRY_AFTER).and_then(retry::parse_retry_after);
            let error = classify::into_error(failure, vendor, request_id.as_deref());
            tracing::info!(
                status = status.as_u16(),
                kind = error.kind().code(),
                "gateway refused the call"
            );
            return Attempt::Failed(error);
        }
        let billing = classify::billing_of(status.as_u16());
        let billed = billing == Billing::Billed;
        span.record("billed", billed);
        tracing::info!(status = status.as_u16(), billed, "vendor answered");
        Attempt::Answer(ApiResponse {
            status,
            body,
            request_id,
            billing,
            attempts: attempt,
        })
    }

    /// What [`tap::capture`] keeps of one attempt: the request as sent and its outcome.
    fn recorded(
        &self,
        request: &ApiRequest,
        attempt: u32,
        sent: tap::Sent,
        outcome: &Result<
            Result<(StatusCode, http::HeaderMap, Bytes), Failure>,
            tokio::time::error::Elapsed,
        >,
        timeout: Duration,
        latency: Duration,
    ) -> tap::Exchange {
        let (status, response_headers, response_body, failure) = match outcome {
            Ok(Ok((status, headers, body))) => (
                Some(status.as_u16()),
                tap::header_list(headers),
                body.clone(),
                None,
            ),
            Ok(Err(Failure::TooLarge { status, .. })) => (
                Some(status.as_u16()),
                Vec::new(),
                Bytes::new(),
                Some(format!(
                    "the answer is larger than {} bytes",
                    self.inner.max_response_bytes
                )),
            ),
            Ok(Err(Failure::NotSent(message) | Failure::AfterSend(message))) => {
                (None, Vec::new(), Bytes::new(), Some(message.clone()))
            }
            Err(_) => (
                None,
                Vec::new(),
                Bytes::new(),
                Some(format!(
                    "no answer within {} ms after sending",
                    timeout.as_millis()
                )),
            ),
        };
        tap::Exchange {
            vendor: request.vendor,
            attempt,
            method: request.method.as_str().to_string(),
            url: sent.url,
            request_headers: sent.headers,
            request_body: sent.body,
            status,
            response_headers,
            response_body,
            failure,
            latency,
        }
    }

    /// Adds the auth headers: the AppCode, or a fresh signature (new nonce and timestamp on
    /// every attempt, so a retry is never a replay).
    fn authenticate(
        &self,
        credentials: &Credentials,
        request: &ApiRequest,
        uri: &Uri,
        content_type: Option<&str>,
        body: &Bytes,
        headers: &mut http::HeaderMap,
    ) -> Result<(), &'static str> {
        match credentials {
            Credentials::AppCode(code) => {
                let code = code.expose();
                let mut text = String::with_capacity("APPCODE ".len() + code.len());
                text.push_str("APPCODE ");
                text.push_str(code);
                // Same validation as `from_str`, without copying the text again.
                let mut value = HeaderValue::from_maybe_shared(Bytes::from(text))
                    .map_err(|_| "the AppCode contains characters not allowed in a header")?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
            Credentials::AppKey { key, secret } => {
                let query: Vec<(&str, &str)> = request
                    .query
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let form: Vec<(&str, &str)> = match &request.body {
                    RequestBody::Form(pairs) => pairs
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                    _ => Vec::new(),
                };
                let content_md5 = match &request.body {
                    RequestBody::Json(_) => Some(sign::content_md5(body)),
                    _ => None,
                };
                if let Some(md5) = &content_md5 {
                    let value = HeaderValue::from_str(md5).map_err(|_| "bad Content-MD5")?;
                    headers.insert(HeaderName::from_static("content-md5"), value);
                }
                let nonce = sign::new_nonce();
                let input = sign::SigningInput {
                    method: request.method.as_str(),
                    path: uri.path(),
                    accept: "application/json",
                    content_type,
                    content_md5: content_md5.as_deref(),
                    query: &query,
                    form: &form,
                    ..Default::default()
                };
                let signed = sign::signature_headers(
                    key,
                    secret.expose(),
                    &input,
                    now_millis(),
                    &nonce,
                    None,
                    sign::SignatureMethod::HmacSha256,
                );
                for (name, value) in signed {
                    let name = HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| "bad signature header")?;
                    let mut value =
                        HeaderValue::from_str(&value).map_err(|_| "bad signature header")?;
                    // The key names the credential and the signature is its work: hidden
                    // from `Debug` and from a developer's view; the nonce, timestamp and
                    // signed-header list are what a developer compares with the gateway's.
                    value.set_sensitive(matches!(name.as_str(), "x-ca-key" | "x-ca-signature"));
                    headers.insert(name, value);
                }
            }
        }
        Ok(())
    }

    /// Sends and reads the answer within the response limit.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes), Failure> {
        let response = self.inner.pool.request(request).await.map_err(|e| {
            if e.is_connect() {
                Failure::NotSent("could not connect to the gateway (nothing was sent)".into())
            } else {
                Failure::AfterSend("the connection failed after the request was sent".into())
            }
        })?;
        let (parts, body) = response.into_parts();
        match Limited::new(body, self.inner.max_response_bytes)
            .collect()
            .await
        {
            Ok(collected) => Ok((parts.status, parts.headers, collected.to_bytes())),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Failure::TooLarge {
                status: parts.status,
                request_id: header(&parts.headers, X_CA_REQUEST_ID).map(str::to_string),
            }),
            Err(_) => Err(Failure::AfterSend(
                "the connection broke while the answer was read".into(),
            )),
        }
    }
}

/// Transport failures, by whether the request may have reached the vendor.
enum Failure {
    NotSent(String),
    AfterSend(String),
    TooLarge {
        status: StatusCode,
        request_id: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_written_as_sign_encode_pairs_writes_them() {
        let cases: [&[(&str, &str)]; 4] = [
            &[],
            &[("name", "张三")],
            &[("q", "a b+c/~-._"), ("empty", ""), ("k=&", "v%\u{7f}\0")],
            &[("idCard", "33010619880516071X"), ("mobile", "13957120001")],
        ];
        for pairs in cases {
            let owned: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect();
            let mut out = String::new();
            push_encoded_pairs(&mut out, &owned);
            assert_eq!(out, sign::encode_pairs(pairs));
            assert!(out.len() <= encoded_len(&owned));
        }
    }
}
