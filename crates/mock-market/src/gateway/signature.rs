//! The server side of the AppKey/AppSecret digest signature (gateway.md §1).
//!
//! Everything here is a pure function: the caller passes the clock reading (`now_millis`) and
//! the [`NonceCache`], so tests control time and nothing does I/O.
//!
//! * [`string_to_sign`] rebuilds the StringToSign the gateway signs.
//! * [`sign`] computes the base64 HMAC of it with a [`HmacAlgorithm`].
//! * [`verify`] runs every check of §1 and answers a [`VerifiedKey`] or a [`SignatureError`]
//!   whose [`status`](SignatureError::status) and [`message`](SignatureError::message) are
//!   the gateway's answer. `X-Ca-Timestamp` and `X-Ca-Nonce` are optional, as the gateway
//!   documents them: checked when present, required only where an API turns anti-replay on
//!   ([`verify_with`] and [`AntiReplay::Required`]).
//!
//! The AppSecret never leaves [`sign`] and [`verify`]: no error, `Debug` or `Display` output
//! contains it.
//!
//! ```
//! use http::{HeaderMap, Method};
//! use shiming_mock_market::gateway::signature::{
//!     sign, string_to_sign, verify, NonceCache, HmacAlgorithm, SignedRequest,
//! };
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("accept", "application/json".parse().unwrap());
//! headers.insert("x-ca-key", "203753385".parse().unwrap());
//! headers.insert("x-ca-timestamp", "1700000000000".parse().unwrap());
//! headers.insert("x-ca-nonce", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44".parse().unwrap());
//! headers.insert("x-ca-signature-headers", "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp".parse().unwrap());
//! let query = vec![("name".to_string(), "张三".to_string())];
//! fn request<'a>(headers: &'a HeaderMap, query: &'a [(String, String)]) -> SignedRequest<'a> {
//!     SignedRequest { method: &Method::GET, path: "/phone3", headers, query, form: &[], body: b"" }
//! }
//! // The client side: sign the StringToSign with the AppSecret.
//! let sts = string_to_sign(&request(&headers, &query));
//! assert!(sts.ends_with("\n/phone3?name=张三"));
//! let signature = sign("demo-secret", &sts, HmacAlgorithm::HmacSha256);
//! headers.insert("x-ca-signature", signature.parse().unwrap());
//! let req = request(&headers, &query);
//!
//! let mut nonces = NonceCache::new();
//! let lookup = |key: &str| (key == "203753385").then(|| "demo-secret".to_string());
//! let key = verify(&req, lookup, 1_700_000_000_000, &mut nonces).unwrap();
//! assert_eq!(key.app_key(), "203753385");
//! // The same signed bytes again: a replay.
//! let again = verify(&req, lookup, 1_700_000_000_000, &mut nonces).unwrap_err();
//! assert_eq!(again.message(), "Nonce Used");
//! ```

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::{HeaderMap, Method, StatusCode};
use md5::{Digest as _, Md5};
use sha1::Sha1;
use sha2::Sha256;

/// How far `X-Ca-Timestamp` may be from the gateway's clock, either way, and how long a nonce
/// stays used: 15 minutes, in milliseconds.
///
/// ```
/// assert_eq!(shiming_mock_market::gateway::signature::WINDOW_MILLIS, 15 * 60 * 1000);
/// ```
pub const WINDOW_MILLIS: u64 = 15 * 60 * 1000;

/// The longest `X-Ca-Nonce` accepted, in bytes (a UUID is 36); longer ones are refused so the
/// [`NonceCache`] stays small.
///
/// ```
/// assert!(shiming_mock_market::gateway::signature::MAX_NONCE_LEN >= 36);
/// ```
pub const MAX_NONCE_LEN: usize = 128;

const X_CA_KEY: &str = "x-ca-key";
const X_CA_SIGNATURE: &str = "x-ca-signature";
const X_CA_SIGNATURE_METHOD: &str = "x-ca-signature-method";
const X_CA_SIGNATURE_HEADERS: &str = "x-ca-signature-headers";
const X_CA_TIMESTAMP: &str = "x-ca-timestamp";
const X_CA_NONCE: &str = "x-ca-nonce";
const CONTENT_MD5: &str = "content-md5";

/// Headers that are never signed as `name:value` lines: the first four have their own lines of
/// the StringToSign, the last two carry the signature itself.
const NEVER_SIGNED_AS_HEADER: [&str; 6] = [
    "accept",
    "content-md5",
    "content-type",
    "date",
    X_CA_SIGNATURE,
    X_CA_SIGNATURE_HEADERS,
];

/// One request as the signature check sees it.
///
/// `path` is the request path without the query string (anything from a `?` on is ignored);
/// `query` and `form` are the decoded `(name, value)` pairs in arrival order (`form` only for
/// `application/x-www-form-urlencoded` bodies, empty otherwise); `body` is the raw body, used
/// for `Content-MD5`.
///
/// Its `Debug` output shows header and parameter *names* only: values may hold credentials
/// (`Authorization: APPCODE …`) or personal data.
///
/// ```
/// use shiming_mock_market::gateway::signature::SignedRequest;
/// let headers = http::HeaderMap::new();
/// let req = SignedRequest {
///     method: &http::Method::GET,
///     path: "/phone3",
///     headers: &headers,
///     query: &[],
///     form: &[],
///     body: b"",
/// };
/// assert!(format!("{req:?}").contains("/phone3"));
/// ```
#[derive(Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request path, without the query string.
    pub path: &'a str,
    /// All request headers.
    pub headers: &'a HeaderMap,
    /// Decoded query parameters, in arrival order.
    pub query: &'a [(String, String)],
    /// Decoded form-body parameters, in arrival order (empty for non-form bodies).
    pub form: &'a [(String, String)],
    /// The raw request body.
    pub body: &'a [u8],
}

impl fmt::Debug for SignedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method.as_str())
            .field("path", &self.path)
            .field(
                "headers",
                &self
                    .headers
                    .keys()
                    .map(http::HeaderName::as_str)
                    .collect::<Vec<_>>(),
            )
            .field("query", &names(self.query))
            .field("form", &names(self.form))
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn names(pairs: &[(String, String)]) -> Vec<&str> {
    pairs.iter().map(|(k, _)| k.as_str()).collect()
}

/// The HMAC named by `X-Ca-Signature-Method`.
///
/// Parsed with [`FromStr`] from the exact spellings `HmacSHA256` and `HmacSHA1`; an absent
/// header means [`HmacAlgorithm::HmacSha256`] (the [`Default`]).
///
/// Named for what it selects (the HMAC's hash), not after the header: the client's signer has
/// its own `SignatureMethod` in `shiming_gateway::sign`, and this verifier is deliberately a
/// separate implementation that never depends on it, so the two types must not be mistaken
/// for one another where a test uses both.
///
/// ```
/// use shiming_mock_market::gateway::signature::HmacAlgorithm;
/// assert_eq!("HmacSHA1".parse::<HmacAlgorithm>().unwrap(), HmacAlgorithm::HmacSha1);
/// assert_eq!(HmacAlgorithm::default().as_str(), "HmacSHA256");
/// assert!("HmacMD5".parse::<HmacAlgorithm>().is_err());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HmacAlgorithm {
    /// `HmacSHA256`, the default.
    #[default]
    HmacSha256,
    /// `HmacSHA1`.
    HmacSha1,
}

impl HmacAlgorithm {
    /// The header spelling: `HmacSHA256` or `HmacSHA1`.
    ///
    /// ```
    /// use shiming_mock_market::gateway::signature::HmacAlgorithm;
    /// assert_eq!(HmacAlgorithm::HmacSha1.as_str(), "HmacSHA1");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            HmacAlgorithm::HmacSha256 => "HmacSHA256",
            HmacAlgorithm::HmacSha1 => "HmacSHA1",
        }
    }
}

impl fmt::Display for HmacAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HmacAlgorithm {
    type Err = SignatureError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "HmacSHA256" => Ok(HmacAlgorithm::HmacSha256),
            "HmacSHA1" => Ok(HmacAlgorithm::HmacSha1),
            _ => Err(SignatureError::UnsupportedSignatureMethod),
        }
    }
}

/// Whether an API requires `X-Ca-Timestamp` and `X-Ca-Nonce` (the gateway's anti-replay
/// switch, set per API).
///
/// The gateway documents both headers as optional (Aliyun's signature documentation: "Optional:
/// `X-Ca-Timestamp` … Optional: `X-Ca-Nonce`"): by default a request without them is accepted
/// when its signature is right, and each one that is present is checked all the same (the
/// 15-minute window, the nonce's replay). An API with anti-replay on requires both.
///
/// ```
/// use shiming_mock_market::gateway::signature::AntiReplay;
/// assert_eq!(AntiReplay::default(), AntiReplay::Optional);
/// assert!(AntiReplay::Required.is_required());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AntiReplay {
    /// Timestamp and nonce optional; checked when present (the gateway's default).
    #[default]
    Optional,
    /// Timestamp and nonce required; a request without one gets 400
    /// ``Header `X-Ca-Timestamp` is Required`` (or `X-Ca-Nonce`).
    Required,
}

impl AntiReplay {
    /// Whether both headers are required.
    ///
    /// ```
    /// assert!(!shiming_mock_market::gateway::signature::AntiReplay::Optional.is_required());
    /// ```
    #[must_use]
    pub fn is_required(self) -> bool {
        self == AntiReplay::Required
    }
}

/// Why the gateway refused a signed request. [`status`](Self::status) and
/// [`message`](Self::message) (also the `Display` text) are the gateway's answer: the HTTP
/// status and the `X-Ca-Error-Message` header.
///
/// No variant holds the AppSecret. [`SignatureError::InvalidSignature`] holds the server's
/// StringToSign, which the gateway echoes on purpose (it may contain request parameters).
///
/// ```
/// use shiming_mock_market::gateway::signature::SignatureError;
/// let e = SignatureError::InvalidSignature { server_string_to_sign: "GET\n\n\n\n\n/a".into() };
/// assert_eq!(e.status().as_u16(), 400);
/// assert_eq!(e.message(), "Invalid Signature, Server StringToSign:`GET#####/a`");
/// assert_eq!(SignatureError::EmptySignature.status().as_u16(), 401);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No (or an empty) `X-Ca-Signature` header: 401 `Empty Signature`.
    #[error("Empty Signature")]
    EmptySignature,
    /// `X-Ca-Key` missing, empty or unknown: 400 `Invalid AppKey`.
    #[error("Invalid AppKey")]
    InvalidAppKey,
    /// `X-Ca-Signature-Method` is neither `HmacSHA256` nor `HmacSHA1`: 400
    /// `Invalid Signature Method` (the text is this mock's choice; gateway.md has none).
    #[error("Invalid Signature Method")]
    UnsupportedSignatureMethod,
    /// A header the API requires is absent: 400 ``Header `X-Ca-Nonce` is Required`` (the
    /// VPC gateways' `I400MH`). Only [`AntiReplay::Required`] makes `X-Ca-Timestamp` and
    /// `X-Ca-Nonce` required.
    #[error("Header `{0}` is Required")]
    MissingHeader(&'static str),
    /// `X-Ca-Timestamp` present but not a number of milliseconds: 400 `Invalid Timestamp`.
    #[error("Invalid Timestamp")]
    InvalidTimestamp,
    /// `X-Ca-Timestamp` more than 15 minutes away from the gateway's clock: 400
    /// `Timestamp Expired`.
    #[error("Timestamp Expired")]
    TimestampExpired,
    /// `X-Ca-Nonce` present but empty, not visible ASCII or longer than [`MAX_NONCE_LEN`]: 400
    /// `Invalid Nonce` (the text is this mock's choice; gateway.md has none).
    #[error("Invalid Nonce")]
    InvalidNonce,
    /// `Content-MD5` present but not base64(md5(body)): 400 `Invalid Content-MD5`.
    #[error("Invalid Content-MD5")]
    InvalidContentMd5,
    /// (AppKey, API path, nonce) already accepted within 15 minutes: 400 `Nonce Used`.
    #[error("Nonce Used")]
    NonceUsed,
    /// The signature does not match: 400 with the server's StringToSign echoed, each `\n`
    /// shown as `#`.
    #[error("Invalid Signature, Server StringToSign:`{}`", server_string_to_sign.replace('\n', "#"))]
    InvalidSignature {
        /// The StringToSign the server computed, with real `\n`s.
        server_string_to_sign: String,
    },
}

impl SignatureError {
    /// The HTTP status: 401 for [`SignatureError::EmptySignature`], 400 otherwise.
    ///
    /// ```
    /// use shiming_mock_market::gateway::signature::SignatureError;
    /// assert_eq!(SignatureError::NonceUsed.status(), http::StatusCode::BAD_REQUEST);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            SignatureError::EmptySignature => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `X-Ca-Error-Message` text (same as `Display`).
    ///
    /// ```
    /// use shiming_mock_market::gateway::signature::SignatureError;
    /// assert_eq!(SignatureError::InvalidContentMd5.message(), "Invalid Content-MD5");
    /// ```
    #[must_use]
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// A request whose signature checked out.
///
/// ```
/// # use http::{HeaderMap, Method};
/// # use shiming_mock_market::gateway::signature::*;
/// # let mut h = HeaderMap::new();
/// # h.insert("x-ca-key", "k".parse().unwrap());
/// # h.insert("x-ca-timestamp", "1000".parse().unwrap());
/// # h.insert("x-ca-nonce", "n".parse().unwrap());
/// # fn req(h: &HeaderMap) -> SignedRequest<'_> {
/// #     SignedRequest { method: &Method::GET, path: "/", headers: h, query: &[], form: &[], body: b"" }
/// # }
/// # let s = sign("s", &string_to_sign(&req(&h)), HmacAlgorithm::HmacSha256);
/// # h.insert("x-ca-signature", s.parse().unwrap());
/// # let r = req(&h);
/// let key = verify(&r, |_| Some("s".into()), 1000, &mut NonceCache::new()).unwrap();
/// assert_eq!(key.app_key(), "k");
/// assert_eq!(key.signature_method(), HmacAlgorithm::HmacSha256);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedKey {
    app_key: String,
    method: HmacAlgorithm,
}

impl VerifiedKey {
    /// The AppKey (`X-Ca-Key`) of the request.
    ///
    /// See [`VerifiedKey`] for an example.
    #[must_use]
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// The HMAC the request was signed with.
    ///
    /// See [`VerifiedKey`] for an example.
    #[must_use]
    pub fn signature_method(&self) -> HmacAlgorithm {
        self.method
    }
}

/// The (AppKey, API path, nonce) triples accepted in the last 15 minutes, for replay
/// detection.
///
/// Memory is bounded: each insertion first drops entries older than [`WINDOW_MILLIS`], then,
/// while the cache is full, the oldest entries (default capacity 100,000). Not synchronised:
/// share it behind a `Mutex`.
///
/// ```
/// use shiming_mock_market::gateway::signature::NonceCache;
/// let cache = NonceCache::default();
/// assert!(cache.is_empty());
/// assert_eq!(cache.capacity(), 100_000);
/// ```
pub struct NonceCache {
    /// Key → when it was accepted.
    seen: HashMap<NonceKey, u64>,
    /// Keys in insertion order with their acceptance time; may hold stale duplicates of a key
    /// that was accepted again, which are skipped on eviction.
    order: VecDeque<(NonceKey, u64)>,
    capacity: usize,
}

/// `app_key \n path \n nonce` (none of the three can contain a line feed).
type NonceKey = std::sync::Arc<str>;

impl NonceCache {
    /// The default hard cap on entries.
    const DEFAULT_CAPACITY: usize = 100_000;

    /// An empty cache holding at most 100,000 entries.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::gateway::signature::NonceCache::new().len(), 0);
    /// ```
    #[must_use]
    pub fn new() -> NonceCache {
        NonceCache::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// An empty cache holding at most `capacity` entries (at least one).
    ///
    /// ```
    /// use shiming_mock_market::gateway::signature::NonceCache;
    /// assert_eq!(NonceCache::with_capacity(10).capacity(), 10);
    /// assert_eq!(NonceCache::with_capacity(0).capacity(), 1);
    /// ```
    #[must_use]
    pub fn with_capacity(capacity: usize) -> NonceCache {
        NonceCache {
            seen: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// The hard cap on entries.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::gateway::signature::NonceCache::new().capacity(), 100_000);
    /// ```
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many nonces are remembered (expired ones may linger until the next insertion).
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::gateway::signature::NonceCache::new().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no nonce is remembered.
    ///
    /// ```
    /// assert!(shiming_mock_market::gateway::signature::NonceCache::new().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    fn key(app_key: &str, path: &str, nonce: &str) -> NonceKey {
        format!("{app_key}\n{path}\n{nonce}").into()
    }

    /// Whether `key` was accepted less than [`WINDOW_MILLIS`] before `now_millis` (a clock
    /// that went backwards counts as "within").
    fn is_used(&self, key: &str, now_millis: u64) -> bool {
        self.seen
            .get(key)
            .is_some_and(|&at| now_millis.saturating_sub(at) < WINDOW_MILLIS)
    }

    /// Remembers `key` as accepted at `now_millis`, evicting expired entries and, when full,
    /// the oldest ones.
    fn record(&mut self, key: NonceKey, now_millis: u64) {
        while let Some((_, at)) = self.order.front() {
            let expired = now_millis.saturating_sub(*at) >= WINDOW_MILLIS;
            if !expired && self.order.len() < self.capacity {
                break;
            }
            if let Some((old, at)) = self.order.pop_front() {
                if let Entry::Occupied(e) = self.seen.entry(old) {
                    if *e.get() == at {
                        e.remove();
                    }
                }
            }
        }
        self.seen.insert(key.clone(), now_millis);
        self.order.push_back((key, now_millis));
    }
}

impl Default for NonceCache {
    fn default() -> Self {
        NonceCache::new()
    }
}

impl fmt::Debug for NonceCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// `Content-MD5` of a body: base64 of its MD5 digest.
///
/// ```
/// use shiming_mock_market::gateway::signature::content_md5;
/// let body = r#"{"idcard":"11010519491231002X","name":"张三"}"#;
/// assert_eq!(content_md5(body.as_bytes()), "R0vFkH9BE9uD6of3BPpdmg==");
/// ```
#[must_use]
pub fn content_md5(body: &[u8]) -> String {
    BASE64.encode(Md5::digest(body))
}

/// The StringToSign of a request, exactly as gateway.md §1 defines it.
///
/// Five lines (method, `Accept`, `Content-MD5`, `Content-Type`, `Date`, each ending in `\n`
/// even when empty), one `name:value\n` line per header listed in `X-Ca-Signature-Headers`
/// (names trimmed, written as listed, sorted in byte order, looked up case-insensitively,
/// duplicates and the never-signed headers dropped; an absent header signs as `name:`), then
/// the path with the query and form parameters merged, sorted by name, raw values, `k` alone
/// for a blank value, the first value of a repeated name, empty names skipped.
///
/// A value is blank when it is empty or made only of whitespace as Java's
/// `Character.isWhitespace` defines it (tab, line feed, U+000B, form feed, carriage return,
/// U+001C–U+001F and the Unicode space, line and paragraph separators other than the no-break
/// spaces U+00A0, U+2007, U+202F): Aliyun's Java signing demo tests values with
/// `StringUtils.isBlank`, so `memo=%20%20` is signed as `memo` although the request carries
/// the spaces. The documentation only says "empty"; the reasons for this reading are in the
/// gateway client's signing docs (`shiming_gateway::sign`, "Blank values").
///
/// ```
/// use http::{HeaderMap, Method};
/// use shiming_mock_market::gateway::signature::{string_to_sign, SignedRequest};
/// let mut headers = HeaderMap::new();
/// headers.insert("accept", "application/json".parse().unwrap());
/// headers.insert("x-ca-key", "203753385".parse().unwrap());
/// headers.insert("x-ca-signature-headers", "X-Ca-Key".parse().unwrap());
/// let query = vec![
///     ("b".to_string(), "张三".to_string()),
///     ("a".to_string(), String::new()),
///     ("c".to_string(), "  ".to_string()),
/// ];
/// let req = SignedRequest {
///     method: &Method::GET,
///     path: "/phone3",
///     headers: &headers,
///     query: &query,
///     form: &[],
///     body: b"",
/// };
/// assert_eq!(
///     string_to_sign(&req),
///     "GET\napplication/json\n\n\n\nX-Ca-Key:203753385\n/phone3?a&b=张三&c"
/// );
/// ```
#[must_use]
pub fn string_to_sign(req: &SignedRequest<'_>) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(req.method.as_str());
    out.push('\n');
    for name in ["accept", "content-md5", "content-type", "date"] {
        out.push_str(&header_value(req.headers, name));
        out.push('\n');
    }
    for name in signed_header_names(req.headers) {
        out.push_str(name);
        out.push(':');
        out.push_str(&header_value(req.headers, name));
        out.push('\n');
    }

    let path = req.path.split('?').next().unwrap_or_default();
    out.push_str(path);
    let mut params: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for (name, value) in req.query.iter().chain(req.form) {
        if !name.is_empty() {
            params.entry(name).or_insert(value);
        }
    }
    for (i, (name, value)) in params.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(name);
        if !blank(value) {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// Whether `value` is signed as its key alone: every character is whitespace to Java's
/// `Character.isWhitespace` (true of the empty string).
fn blank(value: &str) -> bool {
    value.chars().all(java_whitespace)
}

/// Java's `Character.isWhitespace`: a Unicode space separator (Zs) that is not a no-break
/// space, a line (Zl) or paragraph (Zp) separator, or one of nine ASCII controls.
fn java_whitespace(c: char) -> bool {
    const SPACE_SEPARATORS: [char; 13] = [
        ' ', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}',
        '\u{2006}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{205f}',
    ];
    match c {
        '\u{09}'..='\u{0d}' | '\u{1c}'..='\u{1f}' => true,
        '\u{2028}' | '\u{2029}' | '\u{3000}' => true,
        _ => SPACE_SEPARATORS.contains(&c),
    }
}

/// The value of header `name` (first occurrence, case-insensitive), empty when absent;
/// non-UTF-8 bytes are replaced.
fn header_value<'h>(headers: &'h HeaderMap, name: &str) -> std::borrow::Cow<'h, str> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
        .unwrap_or_default()
}

/// The names listed in every `X-Ca-Signature-Headers` header, trimmed, without empty names,
/// never-signed headers and case-insensitive duplicates (first spelling kept), sorted in byte
/// order.
fn signed_header_names(headers: &HeaderMap) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let listed = headers
        .get_all(X_CA_SIGNATURE_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim);
    for name in listed {
        let skip = name.is_empty()
            || NEVER_SIGNED_AS_HEADER
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
            || names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if !skip {
            names.push(name);
        }
    }
    names.sort_unstable();
    names
}

/// `X-Ca-Signature = base64(HMAC(secret, string_to_sign))` with the given hash.
///
/// ```
/// use shiming_mock_market::gateway::signature::{sign, HmacAlgorithm};
/// let sts = "GET\napplication/json\n\napplication/json\n\nx-ca-key:appKey\nx-ca-nonce:787dd0c2-7bd8-41cd-9c19-62c05ea524a2\nx-ca-timestamp:1646365291734\n/Third/Tools/checkSign";
/// assert_eq!(sign("appSecret", sts, HmacAlgorithm::HmacSha256), "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8=");
/// assert_eq!(sign("appSecret", sts, HmacAlgorithm::HmacSha1), "gr6OOcKuuL0badPOkKpEbWOzVwQ=");
/// ```
#[must_use]
pub fn sign(secret: &str, string_to_sign: &str, method: HmacAlgorithm) -> String {
    let tag = match method {
        HmacAlgorithm::HmacSha256 => keyed::<Hmac<Sha256>>(secret, string_to_sign)
            .finalize()
            .into_bytes()
            .to_vec(),
        HmacAlgorithm::HmacSha1 => keyed::<Hmac<Sha1>>(secret, string_to_sign)
            .finalize()
            .into_bytes()
            .to_vec(),
    };
    BASE64.encode(tag)
}

/// Whether `tag` is the HMAC of `string_to_sign`, compared in constant time.
fn tag_matches(secret: &str, string_to_sign: &str, method: HmacAlgorithm, tag: &[u8]) -> bool {
    match method {
        HmacAlgorithm::HmacSha256 => keyed::<Hmac<Sha256>>(secret, string_to_sign)
            .verify_slice(tag)
            .is_ok(),
        HmacAlgorithm::HmacSha1 => keyed::<Hmac<Sha1>>(secret, string_to_sign)
            .verify_slice(tag)
            .is_ok(),
    }
}

fn keyed<M: Mac + hmac::digest::KeyInit>(secret: &str, message: &str) -> M {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(message.as_bytes());
    mac
}

/// Checks a signed request the way the gateway does by default ([`AntiReplay::Optional`]:
/// `X-Ca-Timestamp` and `X-Ca-Nonce` checked only when present). See [`verify_with`] for the
/// checks and their order.
///
/// # Errors
///
/// The first failed check, as a [`SignatureError`] carrying the gateway's status and message.
///
/// ```
/// use http::{HeaderMap, Method};
/// use shiming_mock_market::gateway::signature::{verify, NonceCache, SignatureError, SignedRequest};
/// let mut headers = HeaderMap::new();
/// headers.insert("x-ca-key", "203753385".parse().unwrap());
/// headers.insert("x-ca-signature", "bm90IGl0".parse().unwrap());
/// headers.insert("x-ca-timestamp", "1700000000000".parse().unwrap());
/// headers.insert("x-ca-nonce", "2d9a6c3e-1111-4222-8333-444455556666".parse().unwrap());
/// let req = SignedRequest {
///     method: &Method::GET, path: "/phone3", headers: &headers, query: &[], form: &[], body: b"",
/// };
/// let lookup = |key: &str| (key == "203753385").then(|| "demo-secret".to_string());
/// let err = verify(&req, lookup, 1_700_000_000_000, &mut NonceCache::new()).unwrap_err();
/// assert_eq!(err.message(), "Invalid Signature, Server StringToSign:`GET#####/phone3`");
/// ```
pub fn verify(
    req: &SignedRequest<'_>,
    lookup_secret: impl Fn(&str) -> Option<String>,
    now_millis: u64,
    nonces: &mut NonceCache,
) -> Result<VerifiedKey, SignatureError> {
    verify_with(req, lookup_secret, now_millis, nonces, AntiReplay::Optional)
}

/// Checks a signed request the way the gateway does for an API with the given anti-replay
/// setting, in this order:
///
/// 1. `X-Ca-Signature` present and non-empty, else [`SignatureError::EmptySignature`];
/// 2. `X-Ca-Key` present and known to `lookup_secret` (AppKey → AppSecret), else
///    [`SignatureError::InvalidAppKey`];
/// 3. `X-Ca-Signature-Method` absent, `HmacSHA256` or `HmacSHA1`;
/// 4. `X-Ca-Timestamp`, when present, a number of epoch milliseconds within
///    [`WINDOW_MILLIS`] of `now_millis` (inclusive); when absent, refused only under
///    [`AntiReplay::Required`] ([`SignatureError::MissingHeader`]);
/// 5. `X-Ca-Nonce`, when present, non-empty visible ASCII of at most [`MAX_NONCE_LEN`]
///    bytes; when absent, refused only under [`AntiReplay::Required`];
/// 6. `Content-MD5`, when present, equal to [`content_md5`] of the body;
/// 7. when a nonce was sent: (AppKey, path, nonce) not accepted in the last 15 minutes, else
///    [`SignatureError::NonceUsed`];
/// 8. the signature equal to [`sign`] of [`string_to_sign`], else
///    [`SignatureError::InvalidSignature`] with the server's StringToSign.
///
/// Only a request that passes every check has its nonce (if any) recorded in `nonces`.
///
/// # Errors
///
/// The first failed check, as a [`SignatureError`] carrying the gateway's status and message.
///
/// ```
/// use http::{HeaderMap, Method};
/// use shiming_mock_market::gateway::signature::{
///     sign, string_to_sign, verify_with, AntiReplay, NonceCache, HmacAlgorithm, SignedRequest,
/// };
/// // Signed, but without X-Ca-Timestamp and X-Ca-Nonce (Aliyun's Java demo as shipped).
/// let mut headers = HeaderMap::new();
/// headers.insert("x-ca-key", "203753385".parse().unwrap());
/// fn request(headers: &HeaderMap) -> SignedRequest<'_> {
///     SignedRequest { method: &Method::GET, path: "/phone3", headers, query: &[], form: &[], body: b"" }
/// }
/// let signature = sign("demo-secret", &string_to_sign(&request(&headers)), HmacAlgorithm::HmacSha256);
/// headers.insert("x-ca-signature", signature.parse().unwrap());
/// let lookup = |key: &str| (key == "203753385").then(|| "demo-secret".to_string());
/// let now = 1_700_000_000_000;
/// let mut nonces = NonceCache::new();
/// assert!(verify_with(&request(&headers), lookup, now, &mut nonces, AntiReplay::Optional).is_ok());
/// let refused = verify_with(&request(&headers), lookup, now, &mut nonces, AntiReplay::Required);
/// assert_eq!(refused.unwrap_err().message(), "Header `X-Ca-Timestamp` is Required");
/// ```
pub fn verify_with(
    req: &SignedRequest<'_>,
    lookup_secret: impl Fn(&str) -> Option<String>,
    now_millis: u64,
    nonces: &mut NonceCache,
    anti_replay: AntiReplay,
) -> Result<VerifiedKey, SignatureError> {
    let headers = req.headers;
    let signature = headers
        .get(X_CA_SIGNATURE)
        .map(http::HeaderValue::as_bytes)
        .filter(|v| !v.is_empty())
        .ok_or(SignatureError::EmptySignature)?;

    let app_key = header_str(headers, X_CA_KEY).ok_or(SignatureError::InvalidAppKey)?;
    let secret = lookup_secret(app_key).ok_or(SignatureError::InvalidAppKey)?;

    let method = match headers.get(X_CA_SIGNATURE_METHOD) {
        None => HmacAlgorithm::default(),
        Some(v) => v
            .to_str()
            .map_err(|_| SignatureError::UnsupportedSignatureMethod)?
            .parse()?,
    };

    if headers.contains_key(X_CA_TIMESTAMP) {
        let timestamp = header_str(headers, X_CA_TIMESTAMP)
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or(SignatureError::InvalidTimestamp)?;
        if timestamp.abs_diff(now_millis) > WINDOW_MILLIS {
            return Err(SignatureError::TimestampExpired);
        }
    } else if anti_replay.is_required() {
        return Err(SignatureError::MissingHeader("X-Ca-Timestamp"));
    }

    let nonce = if headers.contains_key(X_CA_NONCE) {
        let nonce = header_str(headers, X_CA_NONCE)
            .filter(|n| n.len() <= MAX_NONCE_LEN)
            .ok_or(SignatureError::InvalidNonce)?;
        Some(nonce)
    } else if anti_replay.is_required() {
        return Err(SignatureError::MissingHeader("X-Ca-Nonce"));
    } else {
        None
    };

    if let Some(md5) = headers.get(CONTENT_MD5) {
        if md5.as_bytes() != content_md5(req.body).as_bytes() {
            return Err(SignatureError::InvalidContentMd5);
        }
    }

    let path = req.path.split('?').next().unwrap_or_default();
    let nonce_key = nonce.map(|nonce| NonceCache::key(app_key, path, nonce));
    if let Some(key) = &nonce_key {
        if nonces.is_used(key, now_millis) {
            return Err(SignatureError::NonceUsed);
        }
    }

    let server_string_to_sign = string_to_sign(req);
    let matches = BASE64
        .decode(signature)
        .is_ok_and(|tag| tag_matches(&secret, &server_string_to_sign, method, &tag));
    if !matches {
        return Err(SignatureError::InvalidSignature {
            server_string_to_sign,
        });
    }

    if let Some(key) = nonce_key {
        nonces.record(key, now_millis);
    }
    Ok(VerifiedKey {
        app_key: app_key.to_string(),
        method,
    })
}

/// The non-empty visible-ASCII value of header `name`.
fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderName;

    const DEMO_KEY: &str = "203753385";
    const DEMO_SECRET: &str = "demo-secret";
    const T0: u64 = 1_700_000_000_000;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn header_map(p: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in p {
            let name = HeaderName::from_bytes(k.as_bytes()).unwrap();
            h.append(name, v.parse().unwrap());
        }
        h
    }

    /// Owns everything a [`SignedRequest`] borrows.
    struct Req {
        method: Method,
        path: String,
        headers: HeaderMap,
        query: Vec<(String, String)>,
        form: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Req {
        fn get(path: &str, headers: &[(&str, &str)]) -> Req {
            Req {
                method: Method::GET,
                path: path.to_string(),
                headers: header_map(headers),
                query: Vec::new(),
                form: Vec::new(),
                body: Vec::new(),
            }
        }

        fn as_signed(&self) -> SignedRequest<'_> {
            SignedRequest {
                method: &self.method,
                path: &self.path,
                headers: &self.headers,
                query: &self.query,
                form: &self.form,
                body: &self.body,
            }
        }

        fn sts(&self) -> String {
            string_to_sign(&self.as_signed())
        }

        fn set(&mut self, name: &'static str, value: &str) -> &mut Req {
            self.headers.insert(name, value.parse().unwrap());
            self
        }

        fn remove(&mut self, name: &'static str) -> &mut Req {
            self.headers.remove(name);
            self
        }

        /// Signs with `secret` (method taken from the headers) and sets `X-Ca-Signature`.
        fn signed_with(&mut self, secret: &str) -> &mut Req {
            let method = self
                .headers
                .get(X_CA_SIGNATURE_METHOD)
                .map_or(HmacAlgorithm::HmacSha256, |m| {
                    m.to_str().unwrap().parse().unwrap()
                });
            let sig = sign(secret, &self.sts(), method);
            self.set("x-ca-signature", &sig)
        }

        fn verify_at(
            &self,
            now: u64,
            nonces: &mut NonceCache,
        ) -> Result<VerifiedKey, SignatureError> {
            verify(&self.as_signed(), demo_lookup, now, nonces)
        }

        fn verify_in(
            &self,
            mode: AntiReplay,
            now: u64,
            nonces: &mut NonceCache,
        ) -> Result<VerifiedKey, SignatureError> {
            verify_with(&self.as_signed(), demo_lookup, now, nonces, mode)
        }
    }

    const BOTH: [AntiReplay; 2] = [AntiReplay::Optional, AntiReplay::Required];

    fn demo_lookup(key: &str) -> Option<String> {
        match key {
            DEMO_KEY => Some(DEMO_SECRET.to_string()),
            "appKey" => Some("appSecret".to_string()),
            _ => None,
        }
    }

    /// A well-formed demo request at `T0`, signed with the demo secret.
    fn demo(nonce: &str) -> Req {
        let mut r = Req::get(
            "/phone3",
            &[
                ("accept", "application/json"),
                ("x-ca-key", DEMO_KEY),
                ("x-ca-timestamp", "1700000000000"),
                ("x-ca-nonce", nonce),
                (
                    "x-ca-signature-headers",
                    "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp",
                ),
            ],
        );
        r.query = pairs(&[("mobile", "13800138000")]);
        r.signed_with(DEMO_SECRET);
        r
    }

    fn vector_a() -> Req {
        Req::get(
            "/Third/Tools/checkSign",
            &[
                ("accept", "application/json"),
                ("content-type", "application/json"),
                ("x-ca-key", "appKey"),
                ("x-ca-nonce", "787dd0c2-7bd8-41cd-9c19-62c05ea524a2"),
                ("x-ca-timestamp", "1646365291734"),
                (
                    "x-ca-signature-headers",
                    "x-ca-key,x-ca-nonce,x-ca-timestamp",
                ),
            ],
        )
    }

    #[test]
    fn vector_a_string_to_sign_and_both_hmacs() {
        let mut r = vector_a();
        let sts = r.sts();
        assert_eq!(
            sts,
            "GET\napplication/json\n\napplication/json\n\nx-ca-key:appKey\nx-ca-nonce:787dd0c2-7bd8-41cd-9c19-62c05ea524a2\nx-ca-timestamp:1646365291734\n/Third/Tools/checkSign"
        );
        assert_eq!(
            sign("appSecret", &sts, HmacAlgorithm::HmacSha256),
            "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8="
        );
        assert_eq!(
            sign("appSecret", &sts, HmacAlgorithm::HmacSha1),
            "gr6OOcKuuL0badPOkKpEbWOzVwQ="
        );

        r.set(
            "x-ca-signature",
            "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8=",
        );
        let key = r
            .verify_at(1_646_365_291_734, &mut NonceCache::new())
            .unwrap();
        assert_eq!(key.app_key(), "appKey");
        assert_eq!(key.signature_method(), HmacAlgorithm::HmacSha256);

        r.set("x-ca-signature", "gr6OOcKuuL0badPOkKpEbWOzVwQ=")
            .set("x-ca-signature-method", "HmacSHA1");
        let key = r
            .verify_at(1_646_365_291_734, &mut NonceCache::new())
            .unwrap();
        assert_eq!(key.signature_method(), HmacAlgorithm::HmacSha1);
    }

    #[test]
    fn vector_b_form_post() {
        let mut r = Req::get(
            "/Third/User/getNyAccessToken",
            &[
                ("accept", "application/json"),
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-ca-timestamp", "1646646682418"),
                ("x-ca-nonce", "ca5a6753-b76c-4fff-a9d9-e5bb643e8cdf"),
                ("x-ca-key", "appKey"),
                (
                    "x-ca-signature-headers",
                    "x-ca-key,x-ca-nonce,x-ca-timestamp",
                ),
            ],
        );
        r.method = Method::POST;
        r.body = b"nickname=nickname&room_id=6893&uuid=uuid&photo=photo".to_vec();
        r.form = pairs(&[
            ("nickname", "nickname"),
            ("room_id", "6893"),
            ("uuid", "uuid"),
            ("photo", "photo"),
        ]);
        let sts = r.sts();
        assert!(sts.ends_with(
            "\n/Third/User/getNyAccessToken?nickname=nickname&photo=photo&room_id=6893&uuid=uuid"
        ));
        let expected = "gmf9xq0hc95Hmt+7G+OocS009ka3v1v0rvfshKzYc3w=";
        assert_eq!(sign("appSecret", &sts, HmacAlgorithm::HmacSha256), expected);
        r.set("x-ca-signature", expected);
        assert!(r
            .verify_at(1_646_646_682_418, &mut NonceCache::new())
            .is_ok());
    }

    #[test]
    fn vector_c_chinese_query_keeps_header_case() {
        let mut r = Req::get(
            "/phone3",
            &[
                ("Accept", "application/json"),
                ("X-Ca-Key", DEMO_KEY),
                ("X-Ca-Timestamp", "1700000000000"),
                ("X-Ca-Nonce", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44"),
                ("X-Ca-Signature-Method", "HmacSHA256"),
                (
                    "X-Ca-Signature-Headers",
                    "X-Ca-Key,X-Ca-Nonce,X-Ca-Signature-Method,X-Ca-Timestamp",
                ),
            ],
        );
        // Decoded from `idcard=11010519491231002X&mobile=13800138000&name=%E5%BC%A0%E4%B8%89`.
        r.query = pairs(&[
            ("idcard", "11010519491231002X"),
            ("mobile", "13800138000"),
            ("name", "张三"),
        ]);
        let sts = r.sts();
        assert_eq!(
            sts,
            "GET\napplication/json\n\n\n\nX-Ca-Key:203753385\nX-Ca-Nonce:c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44\nX-Ca-Signature-Method:HmacSHA256\nX-Ca-Timestamp:1700000000000\n/phone3?idcard=11010519491231002X&mobile=13800138000&name=张三"
        );
        let expected = "933b9ENT0Am+8+wggRgQaoSpZMS4vpa8eDQ+84HBXUE=";
        assert_eq!(sign(DEMO_SECRET, &sts, HmacAlgorithm::HmacSha256), expected);
        r.set("x-ca-signature", expected);
        assert_eq!(
            r.verify_at(T0, &mut NonceCache::new()).unwrap().app_key(),
            DEMO_KEY
        );
    }

    #[test]
    fn vector_d_json_post_with_content_md5() {
        let body = r#"{"idcard":"11010519491231002X","name":"张三"}"#;
        assert_eq!(content_md5(body.as_bytes()), "R0vFkH9BE9uD6of3BPpdmg==");
        let mut r = Req::get(
            "/idcard/verify",
            &[
                ("accept", "application/json"),
                ("content-type", "application/json; charset=UTF-8"),
                ("content-md5", "R0vFkH9BE9uD6of3BPpdmg=="),
                ("x-ca-key", DEMO_KEY),
                ("x-ca-timestamp", "1700000000000"),
                ("x-ca-nonce", "0b9a2c1e-0000-4000-8000-000000000001"),
                (
                    "x-ca-signature-headers",
                    "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp",
                ),
            ],
        );
        r.method = Method::POST;
        r.body = body.as_bytes().to_vec();
        let sts = r.sts();
        assert_eq!(
            sts,
            "POST\napplication/json\nR0vFkH9BE9uD6of3BPpdmg==\napplication/json; charset=UTF-8\n\nX-Ca-Key:203753385\nX-Ca-Nonce:0b9a2c1e-0000-4000-8000-000000000001\nX-Ca-Timestamp:1700000000000\n/idcard/verify"
        );
        let expected = "qbjVY8YCjYmebkuEnM4B2KF/v7ya6LIlBK9zH1dqs/I=";
        assert_eq!(sign(DEMO_SECRET, &sts, HmacAlgorithm::HmacSha256), expected);
        r.set("x-ca-signature", expected);
        assert!(r.verify_at(T0, &mut NonceCache::new()).is_ok());
    }

    #[test]
    fn vector_e_form_post_with_empty_value_and_stage() {
        let mut r = Req::get(
            "/communication/personal/1979",
            &[
                ("accept", "application/json"),
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                ),
                ("x-ca-key", DEMO_KEY),
                ("x-ca-timestamp", "1700000000000"),
                ("x-ca-nonce", "2d9a6c3e-1111-4222-8333-444455556666"),
                ("x-ca-stage", "RELEASE"),
                (
                    "x-ca-signature-headers",
                    "X-Ca-Key,X-Ca-Nonce,X-Ca-Stage,X-Ca-Timestamp",
                ),
            ],
        );
        r.method = Method::POST;
        r.form = pairs(&[
            ("idcard", "11010519491231002X"),
            ("mobile", "13800138000"),
            ("name", "张三"),
            ("empty", ""),
        ]);
        let sts = r.sts();
        assert!(sts.ends_with("\nX-Ca-Stage:RELEASE\nX-Ca-Timestamp:1700000000000\n/communication/personal/1979?empty&idcard=11010519491231002X&mobile=13800138000&name=张三"));
        let expected = "89pri5phZUSgtllVcicDkClMJACwumgnKpeMrHoiph8=";
        assert_eq!(sign(DEMO_SECRET, &sts, HmacAlgorithm::HmacSha256), expected);
        r.set("x-ca-signature", expected);
        assert!(r.verify_at(T0, &mut NonceCache::new()).is_ok());
    }

    /// Vector F: a blank (`memo`, two spaces) and an empty (`empty`) form value, both signed
    /// as the bare key the way Aliyun's Java demo signs them; HMAC computed independently.
    #[test]
    fn vector_f_blank_and_empty_form_values() {
        let mut r = Req::get(
            "/communication/personal/1979",
            &[
                ("accept", "application/json"),
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                ),
                ("x-ca-key", DEMO_KEY),
                ("x-ca-timestamp", "1700000000000"),
                ("x-ca-nonce", "3c1f0b6e-2222-4333-8444-555566667777"),
                (
                    "x-ca-signature-headers",
                    "X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp",
                ),
            ],
        );
        r.method = Method::POST;
        r.body =
            b"idcard=11010519491231002X&memo=%20%20&empty=&name=%E5%BC%A0%E4%B8%89&pad=%20x%20"
                .to_vec();
        r.form = form_urlencoded::parse(&r.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(r.form[1], ("memo".to_string(), "  ".to_string()));
        let sts = r.sts();
        assert!(
            sts.ends_with("\n/communication/personal/1979?empty&idcard=11010519491231002X&memo&name=张三&pad= x "),
            "{sts}"
        );
        let expected = "oDF6oGgd+CjRbXk8tC+qbizwDFBKjBsI/jSxtLcGeKg=";
        assert_eq!(sign(DEMO_SECRET, &sts, HmacAlgorithm::HmacSha256), expected);
        r.set("x-ca-signature", expected);
        assert!(r.verify_at(T0, &mut NonceCache::new()).is_ok());
        // Signed with the spaces (`memo=  `): not the gateway's string, refused.
        r.set(
            "x-ca-signature",
            "JkdOU/Pe5ObYYEBD2RUErEduFHMs+vGFjf3+uU/MGes=",
        );
        assert!(matches!(
            r.verify_at(T0, &mut NonceCache::new()),
            Err(SignatureError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn blank_is_javas_whitespace() {
        let mut r = Req::get("/p", &[]);
        r.query = pairs(&[
            ("a", "\t\r\n\u{b}\u{c}"),
            ("b", "\u{1c}\u{1d}\u{1e}\u{1f}"),
            ("c", "\u{3000}\u{2028}\u{2029}\u{205f}\u{1680}"),
            (
                "d",
                "\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2008}\u{2009}\u{200a}",
            ),
            // Not whitespace to Java: the no-break spaces, NEL, zero-width space.
            ("e", "\u{a0}"),
            ("f", "\u{2007}"),
            ("g", "\u{202f}"),
            ("h", "\u{85}"),
            ("i", "\u{200b}"),
            ("j", " 1 "),
        ]);
        assert_eq!(
            r.sts(),
            "GET\n\n\n\n\n/p?a&b&c&d&e=\u{a0}&f=\u{2007}&g=\u{202f}&h=\u{85}&i=\u{200b}&j= 1 "
        );
    }

    #[test]
    fn header_names_sorted_as_listed_and_looked_up_case_insensitively() {
        let r = Req::get(
            "/a",
            &[
                ("x-ca-key", "k"),
                ("X-CA-NONCE", "n"),
                ("x-ca-stage", "TEST"),
                (
                    "x-ca-signature-headers",
                    " x-ca-nonce , X-Ca-Key,,x-ca-KEY,X-Ca-Stage,X-Ca-Missing",
                ),
            ],
        );
        // Byte order puts upper case first; the duplicate `x-ca-KEY` is dropped, names are
        // trimmed, an absent header signs with an empty value.
        assert_eq!(
            r.sts(),
            "GET\n\n\n\n\nX-Ca-Key:k\nX-Ca-Missing:\nX-Ca-Stage:TEST\nx-ca-nonce:n\n/a"
        );
    }

    #[test]
    fn own_line_headers_and_signature_headers_are_never_header_lines() {
        let r = Req::get(
            "/a",
            &[
                ("accept", "*/*"),
                ("content-md5", "md5"),
                ("content-type", "text/plain"),
                ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
                ("x-ca-signature", "sig"),
                ("x-ca-key", "k"),
                (
                    "x-ca-signature-headers",
                    "Accept,Content-MD5,content-type,DATE,X-Ca-Signature,X-Ca-Signature-Headers,X-Ca-Key",
                ),
            ],
        );
        assert_eq!(
            r.sts(),
            "GET\n*/*\nmd5\ntext/plain\nTue, 14 Nov 2023 22:13:20 GMT\nX-Ca-Key:k\n/a"
        );
    }

    #[test]
    fn no_signature_headers_header_means_no_header_lines() {
        let r = Req::get("/a", &[("x-ca-key", "k")]);
        assert_eq!(r.sts(), "GET\n\n\n\n\n/a");
    }

    #[test]
    fn params_merged_sorted_first_value_wins() {
        let mut r = Req::get("/p?ignored=1", &[]);
        r.method = Method::POST;
        r.query = pairs(&[("b", "q1"), ("a", "x y+z&"), ("b", "q2"), ("", "nameless")]);
        r.form = pairs(&[("b", "f1"), ("B", "upper"), ("c", ""), ("a1", "v")]);
        // Byte order: "B" < "a" < "a1" < "b" < "c"; raw values, no encoding.
        assert_eq!(r.sts(), "POST\n\n\n\n\n/p?B=upper&a=x y+z&&a1=v&b=q1&c");
        r.query.clear();
        r.form = pairs(&[("", "only a nameless value")]);
        assert_eq!(r.sts(), "POST\n\n\n\n\n/p");
    }

    #[test]
    fn demo_request_verifies_and_records_the_nonce() {
        let mut nonces = NonceCache::new();
        let key = demo("n-1").verify_at(T0, &mut nonces).unwrap();
        assert_eq!(key.app_key(), DEMO_KEY);
        assert_eq!(nonces.len(), 1);
    }

    #[test]
    fn empty_signature() {
        let mut nonces = NonceCache::new();
        let mut r = demo("n");
        r.remove("x-ca-signature");
        let e = r.verify_at(T0, &mut nonces).unwrap_err();
        assert_eq!(e, SignatureError::EmptySignature);
        assert_eq!(
            (e.status().as_u16(), e.message().as_str()),
            (401, "Empty Signature")
        );
        r.set("x-ca-signature", "");
        assert_eq!(
            r.verify_at(T0, &mut nonces),
            Err(SignatureError::EmptySignature)
        );
        // Checked before the AppKey.
        r.remove("x-ca-key");
        assert_eq!(
            r.verify_at(T0, &mut nonces),
            Err(SignatureError::EmptySignature)
        );
    }

    #[test]
    fn invalid_app_key() {
        let mut nonces = NonceCache::new();
        let mut r = demo("n");
        r.remove("x-ca-key");
        let e = r.verify_at(T0, &mut nonces).unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.message().as_str()),
            (400, "Invalid AppKey")
        );
        r.set("x-ca-key", "");
        assert_eq!(
            r.verify_at(T0, &mut nonces),
            Err(SignatureError::InvalidAppKey)
        );
        r.set("x-ca-key", "999").signed_with(DEMO_SECRET);
        assert_eq!(
            r.verify_at(T0, &mut nonces),
            Err(SignatureError::InvalidAppKey)
        );
    }

    #[test]
    fn signature_method() {
        let mut nonces = NonceCache::new();
        let mut r = demo("n");
        r.set("x-ca-signature-method", "HmacMD5");
        let e = r.verify_at(T0, &mut nonces).unwrap_err();
        assert_eq!(e, SignatureError::UnsupportedSignatureMethod);
        assert_eq!(e.status().as_u16(), 400);
        // Exact spelling only.
        r.set("x-ca-signature-method", "hmacsha256");
        assert_eq!(
            r.verify_at(T0, &mut nonces),
            Err(SignatureError::UnsupportedSignatureMethod)
        );
        r.set("x-ca-signature-method", "HmacSHA1")
            .signed_with(DEMO_SECRET);
        let key = r.verify_at(T0, &mut nonces).unwrap();
        assert_eq!(key.signature_method(), HmacAlgorithm::HmacSha1);
        assert_eq!(HmacAlgorithm::HmacSha1.to_string(), "HmacSHA1");
    }

    #[test]
    fn invalid_timestamp_is_refused_in_both_modes() {
        let mut nonces = NonceCache::new();
        for mode in BOTH {
            for bad in [
                "",
                "abc",
                "-1",
                "+1700000000000",
                "1700000000000.0",
                "1e12",
                " 1",
                "99999999999999999999999",
            ] {
                let mut r = demo("n");
                r.set("x-ca-timestamp", bad).signed_with(DEMO_SECRET);
                let e = r.verify_in(mode, T0, &mut nonces).unwrap_err();
                assert_eq!(e, SignatureError::InvalidTimestamp, "{bad:?} {mode:?}");
                assert_eq!(
                    (e.status().as_u16(), e.message().as_str()),
                    (400, "Invalid Timestamp")
                );
            }
            let mut r = demo("n");
            r.set("x-ca-timestamp", "1600000000000")
                .signed_with(DEMO_SECRET);
            assert_eq!(
                r.verify_in(mode, T0, &mut nonces),
                Err(SignatureError::TimestampExpired),
                "{mode:?}"
            );
        }
        assert!(nonces.is_empty());
    }

    /// A signed request without `X-Ca-Timestamp` and `X-Ca-Nonce`, as Aliyun's Java demo sends
    /// it: the signed-headers list names only the headers that are there.
    fn without_replay_headers() -> Req {
        let mut r = demo("unused");
        r.remove("x-ca-timestamp")
            .remove("x-ca-nonce")
            .set("x-ca-signature-headers", "X-Ca-Key")
            .signed_with(DEMO_SECRET);
        r
    }

    #[test]
    fn timestamp_and_nonce_are_optional_by_default() {
        let mut nonces = NonceCache::new();
        let r = without_replay_headers();
        // Accepted, with the default and with `verify`, any time, as often as sent.
        for now in [T0, T0 + 10 * WINDOW_MILLIS] {
            assert_eq!(
                r.verify_in(AntiReplay::Optional, now, &mut nonces)
                    .unwrap()
                    .app_key(),
                DEMO_KEY
            );
            assert!(r.verify_at(now, &mut nonces).is_ok());
        }
        assert!(nonces.is_empty(), "nothing to remember without a nonce");
        // The signature is still checked.
        let mut forged = without_replay_headers();
        forged.query = pairs(&[("mobile", "13900139000")]);
        assert!(matches!(
            forged.verify_at(T0, &mut nonces),
            Err(SignatureError::InvalidSignature { .. })
        ));
        // Either header alone is fine too.
        let mut only_timestamp = demo("n");
        only_timestamp.remove("x-ca-nonce").signed_with(DEMO_SECRET);
        assert!(only_timestamp.verify_at(T0, &mut nonces).is_ok());
        let mut only_nonce = demo("only-nonce");
        only_nonce.remove("x-ca-timestamp").signed_with(DEMO_SECRET);
        assert!(only_nonce.verify_at(T0, &mut nonces).is_ok());
        assert_eq!(nonces.len(), 1);
    }

    #[test]
    fn anti_replay_requires_timestamp_and_nonce() {
        let mut nonces = NonceCache::new();
        let e = without_replay_headers()
            .verify_in(AntiReplay::Required, T0, &mut nonces)
            .unwrap_err();
        assert_eq!(e, SignatureError::MissingHeader("X-Ca-Timestamp"));
        assert_eq!(
            (e.status().as_u16(), e.message().as_str()),
            (400, "Header `X-Ca-Timestamp` is Required")
        );
        let mut no_nonce = demo("n");
        no_nonce.remove("x-ca-nonce").signed_with(DEMO_SECRET);
        let e = no_nonce
            .verify_in(AntiReplay::Required, T0, &mut nonces)
            .unwrap_err();
        assert_eq!(e.message(), "Header `X-Ca-Nonce` is Required");
        let mut no_timestamp = demo("n");
        no_timestamp
            .remove("x-ca-timestamp")
            .signed_with(DEMO_SECRET);
        assert_eq!(
            no_timestamp.verify_in(AntiReplay::Required, T0, &mut nonces),
            Err(SignatureError::MissingHeader("X-Ca-Timestamp"))
        );
        // With both, as usual.
        assert!(demo("n")
            .verify_in(AntiReplay::Required, T0, &mut nonces)
            .is_ok());
        assert_eq!(nonces.len(), 1);
    }

    #[test]
    fn replay_is_detected_in_both_modes() {
        for mode in BOTH {
            let mut nonces = NonceCache::new();
            let r = demo("replayed");
            assert!(r.verify_in(mode, T0, &mut nonces).is_ok());
            assert_eq!(
                r.verify_in(mode, T0 + 1, &mut nonces),
                Err(SignatureError::NonceUsed),
                "{mode:?}"
            );
        }
        // A nonce without a timestamp is remembered too.
        let mut nonces = NonceCache::new();
        let mut r = demo("no-timestamp");
        r.remove("x-ca-timestamp").signed_with(DEMO_SECRET);
        assert!(r.verify_at(T0, &mut nonces).is_ok());
        assert_eq!(r.verify_at(T0, &mut nonces), Err(SignatureError::NonceUsed));
    }

    #[test]
    fn timestamp_window_is_15_minutes_either_way_inclusive() {
        let r = demo("n");
        for now in [T0 - WINDOW_MILLIS, T0 + WINDOW_MILLIS] {
            assert!(r.verify_at(now, &mut NonceCache::new()).is_ok());
        }
        for now in [T0 - WINDOW_MILLIS - 1, T0 + WINDOW_MILLIS + 1, 0] {
            let e = r.verify_at(now, &mut NonceCache::new()).unwrap_err();
            assert_eq!(e, SignatureError::TimestampExpired);
            assert_eq!(e.message(), "Timestamp Expired");
        }
        // Seconds instead of milliseconds: expired, not invalid.
        let mut r = demo("n");
        r.set("x-ca-timestamp", "1700000000")
            .signed_with(DEMO_SECRET);
        assert_eq!(
            r.verify_at(T0, &mut NonceCache::new()),
            Err(SignatureError::TimestampExpired)
        );
    }

    #[test]
    fn invalid_nonce_is_refused_in_both_modes() {
        for mode in BOTH {
            let mut empty = demo("n");
            empty.set("x-ca-nonce", "").signed_with(DEMO_SECRET);
            let e = empty
                .verify_in(mode, T0, &mut NonceCache::new())
                .unwrap_err();
            assert_eq!(
                (e.status().as_u16(), e.message().as_str()),
                (400, "Invalid Nonce"),
                "{mode:?}"
            );
            let long = "x".repeat(MAX_NONCE_LEN + 1);
            assert_eq!(
                demo(&long).verify_in(mode, T0, &mut NonceCache::new()),
                Err(SignatureError::InvalidNonce)
            );
            let ok = "x".repeat(MAX_NONCE_LEN);
            assert!(demo(&ok)
                .verify_in(mode, T0, &mut NonceCache::new())
                .is_ok());
        }
    }

    #[test]
    fn content_md5_checked_only_when_present() {
        let mut nonces = NonceCache::new();
        let mut r = demo("n-1");
        r.method = Method::POST;
        r.body = br#"{"a":1}"#.to_vec();
        r.set("content-type", "application/json")
            .signed_with(DEMO_SECRET);
        assert!(r.verify_at(T0, &mut nonces).is_ok());

        let mut r = demo("n-2");
        r.method = Method::POST;
        r.body = br#"{"a":1}"#.to_vec();
        r.set("content-md5", &content_md5(br#"{"a":2}"#))
            .signed_with(DEMO_SECRET);
        let e = r.verify_at(T0, &mut nonces).unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.message().as_str()),
            (400, "Invalid Content-MD5")
        );

        r.set("content-md5", &content_md5(br#"{"a":1}"#))
            .signed_with(DEMO_SECRET);
        assert!(r.verify_at(T0, &mut nonces).is_ok());
    }

    #[test]
    fn invalid_signature_echoes_the_server_string_with_hashes() {
        let mut r = demo("n");
        r.set("x-ca-key", DEMO_KEY).signed_with("wrong-secret");
        let e = r.verify_at(T0, &mut NonceCache::new()).unwrap_err();
        let expected_sts = "GET\napplication/json\n\n\n\nX-Ca-Key:203753385\nX-Ca-Nonce:n\nX-Ca-Timestamp:1700000000000\n/phone3?mobile=13800138000";
        assert_eq!(
            e,
            SignatureError::InvalidSignature {
                server_string_to_sign: expected_sts.to_string()
            }
        );
        assert_eq!(e.status().as_u16(), 400);
        assert_eq!(
            e.message(),
            "Invalid Signature, Server StringToSign:`GET#application/json####X-Ca-Key:203753385#X-Ca-Nonce:n#X-Ca-Timestamp:1700000000000#/phone3?mobile=13800138000`"
        );
        assert_eq!(e.to_string(), e.message());

        // Not base64 at all, and a tampered parameter.
        let mut r = demo("n");
        r.set("x-ca-signature", "***");
        assert!(matches!(
            r.verify_at(T0, &mut NonceCache::new()),
            Err(SignatureError::InvalidSignature { .. })
        ));
        let mut r = demo("n");
        r.query = pairs(&[("mobile", "13900139000")]);
        assert!(matches!(
            r.verify_at(T0, &mut NonceCache::new()),
            Err(SignatureError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn nonce_replay_rejected_then_accepted_after_15_minutes() {
        let mut nonces = NonceCache::new();
        let r = demo("replay");
        assert!(r.verify_at(T0, &mut nonces).is_ok());
        let e = r.verify_at(T0 + 1, &mut nonces).unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.message().as_str()),
            (400, "Nonce Used")
        );

        // Same nonce, freshly signed with a new timestamp, one ms short of 15 minutes: used.
        let later = |now: u64| {
            let mut r = demo("replay");
            r.set("x-ca-timestamp", &now.to_string())
                .signed_with(DEMO_SECRET);
            r
        };
        let almost = T0 + WINDOW_MILLIS - 1;
        assert_eq!(
            later(almost).verify_at(almost, &mut nonces),
            Err(SignatureError::NonceUsed)
        );
        let after = T0 + WINDOW_MILLIS;
        assert!(later(after).verify_at(after, &mut nonces).is_ok());
        // And now it is used again.
        assert_eq!(
            later(after).verify_at(after + 1, &mut nonces),
            Err(SignatureError::NonceUsed)
        );
    }

    #[test]
    fn nonce_is_per_app_key_and_api() {
        let mut nonces = NonceCache::new();
        assert!(demo("same").verify_at(T0, &mut nonces).is_ok());
        let mut other_api = demo("same");
        other_api.path = "/idcard/verify".to_string();
        other_api.signed_with(DEMO_SECRET);
        assert!(other_api.verify_at(T0, &mut nonces).is_ok());

        let mut other_key = vector_a();
        other_key
            .set("x-ca-nonce", "same")
            .set("x-ca-timestamp", "1700000000000");
        other_key.path = "/phone3".to_string();
        other_key.signed_with("appSecret");
        assert!(other_key.verify_at(T0, &mut nonces).is_ok());
        assert_eq!(nonces.len(), 3);
    }

    #[test]
    fn nonce_recorded_only_after_the_signature_verified() {
        let mut nonces = NonceCache::new();
        let mut bad = demo("once");
        bad.signed_with("wrong-secret");
        assert!(bad.verify_at(T0, &mut nonces).is_err());
        assert!(nonces.is_empty());
        assert!(demo("once").verify_at(T0, &mut nonces).is_ok());
        // A replay with a broken signature still reports the replay.
        assert_eq!(
            bad.verify_at(T0, &mut nonces),
            Err(SignatureError::NonceUsed)
        );
    }

    #[test]
    fn nonce_cache_evicts_oldest_when_full() {
        let mut cache = NonceCache::with_capacity(3);
        for (i, n) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            cache.record(NonceCache::key("k", "/p", n), T0 + i as u64);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.len(), 3);
        assert!(!cache.is_used(&NonceCache::key("k", "/p", "b"), T0 + 5));
        assert!(cache.is_used(&NonceCache::key("k", "/p", "c"), T0 + 5));
        assert!(cache.is_used(&NonceCache::key("k", "/p", "e"), T0 + 5));
    }

    #[test]
    fn nonce_cache_evicts_expired_on_insert() {
        let mut cache = NonceCache::new();
        for i in 0..10u64 {
            cache.record(NonceCache::key("k", "/p", &i.to_string()), T0 + i);
        }
        cache.record(NonceCache::key("k", "/p", "late"), T0 + 5 + WINDOW_MILLIS);
        // 0..=5 expired, 6..=9 and "late" remain.
        assert_eq!(cache.len(), 5);
        assert_eq!(cache.order.len(), 5);
    }

    #[test]
    fn nonce_cache_default_bound_holds() {
        let mut cache = NonceCache::default();
        let cap = cache.capacity();
        assert_eq!(cap, 100_000);
        for i in 0..cap as u64 + 10 {
            cache.record(NonceCache::key("k", "/p", &i.to_string()), T0);
        }
        assert_eq!(cache.len(), cap);
        assert!(cache.order.len() <= cap);
        assert!(!cache.is_used(&NonceCache::key("k", "/p", "9"), T0));
        assert!(cache.is_used(&NonceCache::key("k", "/p", "10"), T0));
    }

    #[test]
    fn re_recorded_key_survives_eviction_of_its_stale_entry() {
        let mut cache = NonceCache::with_capacity(3);
        let (x, y, z) = (
            NonceCache::key("k", "/p", "x"),
            NonceCache::key("k", "/p", "y"),
            NonceCache::key("k", "/p", "z"),
        );
        // The caller's clock went backwards between these two.
        cache.record(y.clone(), T0 + 100);
        cache.record(x.clone(), T0);
        // x is accepted again once its window is over; y (not expired) keeps x's stale
        // entry from being evicted.
        let again = T0 + WINDOW_MILLIS;
        assert!(!cache.is_used(&x, again));
        cache.record(x.clone(), again);
        assert_eq!(cache.order.len(), 3);
        // Evicting y and the stale x entry must keep the fresh x.
        cache.record(z.clone(), again + 101);
        assert!(!cache.is_used(&y, again + 101));
        assert!(cache.is_used(&x, again + 101));
        assert!(cache.is_used(&z, again + 101));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn no_secret_in_any_debug_or_display() {
        const SECRET: &str = "s3cr3t-DO-NOT-LEAK";
        let lookup = |key: &str| (key == DEMO_KEY).then(|| SECRET.to_string());
        let mut nonces = NonceCache::new();
        let mut outputs = Vec::new();

        let mut r = demo("leak-1");
        r.signed_with(SECRET)
            .set("authorization", "APPCODE 0123456789abcdef");
        outputs.push(format!("{:?}", r.as_signed()));
        let key = verify(&r.as_signed(), lookup, T0, &mut nonces).unwrap();
        outputs.push(format!("{key:?}"));
        outputs.push(format!("{nonces:?}"));
        outputs.push(format!("{:?}", HmacAlgorithm::default()));
        let replay = verify(&r.as_signed(), lookup, T0, &mut nonces).unwrap_err();

        let mut wrong = demo("leak-2");
        wrong.signed_with("not-the-secret");
        let invalid = verify(&wrong.as_signed(), lookup, T0, &mut nonces).unwrap_err();
        assert!(matches!(invalid, SignatureError::InvalidSignature { .. }));

        let all = [
            SignatureError::EmptySignature,
            SignatureError::InvalidAppKey,
            SignatureError::UnsupportedSignatureMethod,
            SignatureError::MissingHeader("X-Ca-Nonce"),
            SignatureError::InvalidTimestamp,
            SignatureError::TimestampExpired,
            SignatureError::InvalidNonce,
            SignatureError::InvalidContentMd5,
            replay,
            invalid,
        ];
        for e in &all {
            outputs.push(format!("{e:?}"));
            outputs.push(format!("{e}"));
            outputs.push(e.message());
        }
        for out in &outputs {
            assert!(!out.contains(SECRET), "{out}");
            assert!(!out.contains("0123456789abcdef"), "{out}");
        }
        let req_debug = format!("{:?}", r.as_signed());
        assert!(req_debug.contains("authorization"));
        assert!(!req_debug.contains("13800138000"), "{req_debug}");
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<SignatureError>();
        assert_send_sync::<NonceCache>();
        assert!(std::mem::size_of::<SignatureError>() <= 32);
    }
}
