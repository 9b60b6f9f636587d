//! The client side of the API Gateway AppKey/AppSecret digest signature (gateway.md §1).
//!
//! Everything here is a pure function of its arguments except [`new_nonce`], which reads the
//! operating system's random source: the caller passes the clock reading and the nonce, so a
//! request can be signed reproducibly in tests and re-signed with fresh values on a retry.
//!
//! * [`string_to_sign`] builds the StringToSign from a [`SigningInput`].
//! * [`sign`] computes its base64 HMAC with a [`SignatureMethod`].
//! * [`SignatureHeaders`] (or the shorthand [`signature_headers`]) does both and returns every
//!   `X-Ca-*` header the client must add.
//! * [`content_md5`], [`percent_encode`] and [`encode_pairs`] prepare the body and the wire form
//!   of query strings and form bodies.
//!
//! The AppSecret only ever enters the HMAC: it is not part of any returned value, and the
//! `Debug` output of [`SignatureHeaders`] redacts it.
//!
//! ```
//! use shiming_gateway::sign::{encode_pairs, signature_headers, SignatureMethod, SigningInput};
//!
//! let query = [("idcard", "11010519491231002X"), ("mobile", "13800138000"), ("name", "张三")];
//! let input = SigningInput {
//!     method: "GET",
//!     path: "/phone3",
//!     accept: "application/json",
//!     query: &query,
//!     ..SigningInput::default()
//! };
//! let headers = signature_headers(
//!     "203753385",
//!     "demo-secret",
//!     &input,
//!     1_700_000_000_000,
//!     "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44",
//!     None,
//!     SignatureMethod::HmacSha256,
//! );
//! let signature = headers.iter().find(|(name, _)| name == "X-Ca-Signature").unwrap();
//! assert_eq!(signature.1, "933b9ENT0Am+8+wggRgQaoSpZMS4vpa8eDQ+84HBXUE=");
//! // On the wire the values are percent-encoded; the signature used the raw ones.
//! assert_eq!(
//!     format!("/phone3?{}", encode_pairs(&query)),
//!     "/phone3?idcard=11010519491231002X&mobile=13800138000&name=%E5%BC%A0%E4%B8%89",
//! );
//! ```
//!
//! # Blank values
//!
//! A query or form parameter whose value is *blank* — empty, or made only of whitespace such as
//! `memo=%20%20` — is signed as its key alone (`…&memo&…`, no `=`), while the wire keeps the
//! value as it is. Whitespace means what Java's `Character.isWhitespace` accepts in current
//! Java versions: `\t \n \u{b} \u{c} \r`, U+001C–U+001F and the Unicode space, line and
//! paragraph separators except the no-break spaces U+00A0, U+2007 and U+202F. A value with
//! anything else in it, including surrounding spaces (`" x "`), is signed as `key=value`,
//! spaces and all.
//!
//! Why: Aliyun's signature documentation for the API Gateway (the "Url" part of the
//! StringToSign, summarised in gateway.md §1) says that a parameter whose value is empty is
//! signed as its key without the equal sign, and does not define "empty" further. Aliyun's Java
//! signing demo (`aliyun/api-gateway-demo-sign-java`, `SignUtil.buildResource`) — the
//! implementation gateway.md's vectors A–E were reproduced with, and the one run unmodified
//! against the mock market — decides it with `StringUtils.isBlank`, so a whitespace-only value
//! counts as empty. This crate and the mock market follow that demo, so a request signed by it
//! verifies here and the other way round. Aliyun's clients are not unanimous: the generated
//! Java SDK (`com.alibaba.cloudapi.sdk`), the Node.js SDK and the Python demo treat only `""`
//! as empty and would sign `memo=  `. The gateway's own verifier is not public; should a real
//! answer ever show the other reading, this rule (here and in the mock's verifier) is the one
//! place to change.
//!
//! ```
//! use shiming_gateway::sign::{string_to_sign, SigningInput};
//!
//! let input = SigningInput {
//!     method: "POST",
//!     path: "/p",
//!     form: &[("memo", "  "), ("empty", ""), ("pad", " x "), ("nbsp", "\u{a0}")],
//!     ..SigningInput::default()
//! };
//! assert!(string_to_sign(&input).ends_with("/p?empty&memo&nbsp=\u{a0}&pad= x "));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

/// Headers that have their own line in the StringToSign or are the signature itself, so they
/// are never written as `name:value` header lines.
const NEVER_SIGNED_AS_HEADER: [&str; 6] = [
    "accept",
    "content-md5",
    "content-type",
    "date",
    "x-ca-signature",
    "x-ca-signature-headers",
];

/// The HMAC hash named by `X-Ca-Signature-Method`.
///
/// ```
/// use shiming_gateway::sign::SignatureMethod;
/// assert_eq!(SignatureMethod::default(), SignatureMethod::HmacSha256);
/// assert_eq!(SignatureMethod::HmacSha256.as_str(), "HmacSHA256");
/// assert_eq!(SignatureMethod::HmacSha1.to_string(), "HmacSHA1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HmacSHA256`, the gateway's default.
    #[default]
    HmacSha256,
    /// `HmacSHA1`.
    HmacSha1,
}

impl SignatureMethod {
    /// The header value: `HmacSHA256` or `HmacSHA1`.
    ///
    /// ```
    /// use shiming_gateway::sign::SignatureMethod;
    /// assert_eq!(SignatureMethod::HmacSha1.as_str(), "HmacSHA1");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha256 => "HmacSHA256",
            SignatureMethod::HmacSha1 => "HmacSHA1",
        }
    }
}

impl fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything of a request that enters the StringToSign.
///
/// Absent optional headers are `None` (an empty line in the StringToSign, exactly like an empty
/// value). `Default` gives an empty input to fill with struct-update syntax.
///
/// ```
/// use shiming_gateway::sign::{string_to_sign, SigningInput};
///
/// let input = SigningInput {
///     method: "GET",
///     path: "/phone3",
///     accept: "application/json",
///     signed_headers: &[("X-Ca-Key", "203753385")],
///     query: &[("mobile", "13800138000")],
///     ..SigningInput::default()
/// };
/// assert_eq!(
///     string_to_sign(&input),
///     "GET\napplication/json\n\n\n\nX-Ca-Key:203753385\n/phone3?mobile=13800138000",
/// );
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigningInput<'a> {
    /// The HTTP method, upper case as sent (`GET`, `POST`).
    pub method: &'a str,
    /// The request path, without the query string.
    pub path: &'a str,
    /// The `Accept` header value (always send one explicitly).
    pub accept: &'a str,
    /// The `Content-Type` header value, if sent.
    pub content_type: Option<&'a str>,
    /// The `Content-MD5` header value, if sent (non-form bodies only; see [`content_md5`]).
    pub content_md5: Option<&'a str>,
    /// The `Date` header value, if sent.
    pub date: Option<&'a str>,
    /// The `X-Ca-*` headers to sign, as `(name, value)`. Names are written exactly as given (the
    /// caller chooses the spelling, and must list the same spelling in
    /// `X-Ca-Signature-Headers`); values are written as sent.
    pub signed_headers: &'a [(&'a str, &'a str)],
    /// The query parameters, decoded (raw values), in wire order.
    pub query: &'a [(&'a str, &'a str)],
    /// The form-body parameters, decoded, in body order; empty unless the body is
    /// `application/x-www-form-urlencoded`.
    pub form: &'a [(&'a str, &'a str)],
}

/// Builds the StringToSign of gateway.md §1.
///
/// * Five lines, each ending in `\n` even when empty: method, `Accept`, `Content-MD5`,
///   `Content-Type`, `Date`.
/// * One `name:value\n` line per signed header, sorted by name in byte order. Entries with an
///   empty name, names that are never signed as header lines (`Accept`, `Content-MD5`,
///   `Content-Type`, `Date`, `X-Ca-Signature`, `X-Ca-Signature-Headers`, any case) and
///   case-insensitive repeats of an earlier name are skipped, as the gateway does.
/// * The path, then, if there are any parameters, `?` and the query and form parameters merged,
///   sorted by key in byte order, joined with `&`: raw (not percent-encoded) values, a key with
///   a blank value (empty or only whitespace, see [Blank values](self#blank-values)) written
///   alone without `=`, a repeated key keeping its first value (query before form), empty keys
///   skipped.
///
/// ```
/// use shiming_gateway::sign::{string_to_sign, SigningInput};
///
/// let input = SigningInput {
///     method: "POST",
///     path: "/communication/personal/1979",
///     accept: "application/json",
///     content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
///     form: &[("name", "张三"), ("empty", ""), ("memo", "  "), ("name", "ignored")],
///     ..SigningInput::default()
/// };
/// assert_eq!(
///     string_to_sign(&input),
///     "POST\napplication/json\n\napplication/x-www-form-urlencoded; charset=UTF-8\n\n\
///      /communication/personal/1979?empty&memo&name=张三",
/// );
/// ```
#[must_use]
pub fn string_to_sign(input: &SigningInput<'_>) -> String {
    let mut out = String::with_capacity(256);
    for line in [
        input.method,
        input.accept,
        input.content_md5.unwrap_or_default(),
        input.content_type.unwrap_or_default(),
        input.date.unwrap_or_default(),
    ] {
        out.push_str(line);
        out.push('\n');
    }

    for (name, value) in header_lines(input.signed_headers) {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }

    out.push_str(input.path);
    let mut params: BTreeMap<&str, &str> = BTreeMap::new();
    for &(key, value) in input.query.iter().chain(input.form) {
        if !key.is_empty() {
            params.entry(key).or_insert(value);
        }
    }
    for (i, (key, value)) in params.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(key);
        if !is_blank(value) {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// Whether a parameter value signs as its key alone: empty, or only characters Java's
/// `Character.isWhitespace` accepts (what `StringUtils.isBlank` tests in Aliyun's Java demo).
///
/// That is the ASCII controls `\t \n \u{b} \u{c} \r` and `\u{1c}`–`\u{1f}`, and every
/// Unicode space, line or paragraph separator except the no-break spaces U+00A0, U+2007 and
/// U+202F. It is not Rust's [`char::is_whitespace`], which differs on U+001C–U+001F, U+0085 and
/// the no-break spaces.
fn is_blank(value: &str) -> bool {
    value.chars().all(|c| {
        matches!(
            c,
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{1f}' | ' '
                | '\u{1680}'
                | '\u{2000}'..='\u{2006}'
                | '\u{2008}'..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{205f}'
                | '\u{3000}'
        )
    })
}

/// The signed header lines of `headers`: filtered as [`string_to_sign`] documents and sorted by
/// name in byte order (stable, so the sort is deterministic).
fn header_lines<'a>(headers: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut lines: Vec<(&str, &str)> = Vec::with_capacity(headers.len());
    for &(name, value) in headers {
        let skip = name.is_empty()
            || NEVER_SIGNED_AS_HEADER
                .iter()
                .any(|never| never.eq_ignore_ascii_case(name))
            || lines
                .iter()
                .any(|(seen, _)| seen.eq_ignore_ascii_case(name));
        if !skip {
            lines.push((name, value));
        }
    }
    lines.sort_by(|a, b| a.0.cmp(b.0));
    lines
}

/// `X-Ca-Signature`: the base64 (standard alphabet, padded) HMAC of `string_to_sign` keyed
/// with the AppSecret, both taken as UTF-8 bytes.
///
/// ```
/// use shiming_gateway::sign::{sign, SignatureMethod};
///
/// let sts = "GET\napplication/json\n\napplication/json\n\nx-ca-key:appKey\n\
///            x-ca-nonce:787dd0c2-7bd8-41cd-9c19-62c05ea524a2\nx-ca-timestamp:1646365291734\n\
///            /Third/Tools/checkSign";
/// assert_eq!(
///     sign("appSecret", sts, SignatureMethod::HmacSha256),
///     "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8=",
/// );
/// assert_eq!(sign("appSecret", sts, SignatureMethod::HmacSha1), "gr6OOcKuuL0badPOkKpEbWOzVwQ=");
/// ```
#[must_use]
pub fn sign(secret: &str, string_to_sign: &str, method: SignatureMethod) -> String {
    match method {
        SignatureMethod::HmacSha256 => hmac_base64::<Hmac<Sha256>>(secret, string_to_sign),
        SignatureMethod::HmacSha1 => hmac_base64::<Hmac<Sha1>>(secret, string_to_sign),
    }
}

fn hmac_base64<M: Mac + hmac::digest::KeyInit>(secret: &str, message: &str) -> String {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// `Content-MD5`: the base64 MD5 of the body bytes. Send it (and sign it) for JSON and other
/// non-form bodies; form bodies get none.
///
/// ```
/// use shiming_gateway::sign::content_md5;
///
/// let body = r#"{"idcard":"11010519491231002X","name":"张三"}"#;
/// assert_eq!(content_md5(body.as_bytes()), "R0vFkH9BE9uD6of3BPpdmg==");
/// ```
#[must_use]
pub fn content_md5(body: &[u8]) -> String {
    BASE64.encode(Md5::digest(body))
}

/// Percent-encodes a query or form value (or key) for the wire, per RFC 3986: the unreserved
/// characters `A-Z a-z 0-9 - . _ ~` stay, every other byte of the UTF-8 encoding becomes
/// `%XX` with upper-case hex. A space becomes `%20`, never `+`.
///
/// ```
/// use shiming_gateway::sign::percent_encode;
///
/// assert_eq!(percent_encode("张三 a+b/c~"), "%E5%BC%A0%E4%B8%89%20a%2Bb%2Fc~");
/// ```
#[must_use]
pub fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3);
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// A query string or form body: `k=v&k2=v2`, keys and values [`percent_encode`]d, in the given
/// order (the gateway sorts for the signature itself). An empty value is written `k=`.
///
/// ```
/// use shiming_gateway::sign::encode_pairs;
///
/// assert_eq!(encode_pairs(&[("name", "张三"), ("q", "a b"), ("empty", "")]),
///            "name=%E5%BC%A0%E4%B8%89&q=a%20b&empty=");
/// assert_eq!(encode_pairs(&[]), "");
/// ```
#[must_use]
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// A fresh `X-Ca-Nonce`: a random UUID version 4 in lower-case hyphenated form.
///
/// This is the one function here that is not pure: it reads 16 bytes from the operating
/// system's random source (`getrandom`). If that source fails, it falls back to the SHA-256 of
/// the system time in nanoseconds, the process id and a process-wide counter, so nonces stay
/// unique (if no longer unpredictable) and keep the UUID v4 shape.
///
/// ```
/// use shiming_gateway::sign::new_nonce;
///
/// let nonce = new_nonce();
/// assert_eq!(nonce.len(), 36);
/// assert_eq!(&nonce[14..15], "4");
/// assert_ne!(nonce, new_nonce());
/// ```
#[must_use]
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = fallback_entropy();
    }
    uuid_v4(bytes)
}

/// Unique-per-call bytes from the clock, the process id and a counter.
fn fallback_entropy() -> [u8; 16] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hasher = Sha256::new();
    hasher.update(nanos.to_be_bytes());
    hasher.update(std::process::id().to_be_bytes());
    hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes
}

/// Formats 16 bytes as a UUID, forcing the version (4) and variant (RFC 4122) bits.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Signs a request with an AppKey/AppSecret and returns every header the client must add.
///
/// The returned headers, in this order: `X-Ca-Key`, `X-Ca-Timestamp`, `X-Ca-Nonce`,
/// `X-Ca-Signature-Method`, `X-Ca-Stage` (only if set), `X-Ca-Signature-Headers`,
/// `X-Ca-Signature`. Every one of them except the last two is signed, and
/// `X-Ca-Signature-Headers` lists the signed names, sorted in byte order, comma-separated.
///
/// Names are spelled `X-Ca-Key` by default, or `x-ca-key` after [`lowercase_names`]; the
/// spelling is what gets signed and listed (HTTP itself ignores case).
///
/// The [`SigningInput::signed_headers`] of the input are extra `X-Ca-*` headers the caller
/// sends itself: they are signed and listed too, but not returned. Extra entries named like a
/// header this adds (any case) are ignored, so the returned values always win.
///
/// Build a new signature (fresh nonce and timestamp) for every attempt, retries included.
///
/// ```
/// use shiming_gateway::sign::{SignatureHeaders, SignatureMethod, SigningInput};
///
/// let form = [("empty", ""), ("idcard", "11010519491231002X"),
///             ("mobile", "13800138000"), ("name", "张三")];
/// let input = SigningInput {
///     method: "POST",
///     path: "/communication/personal/1979",
///     accept: "application/json",
///     content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
///     form: &form,
///     ..SigningInput::default()
/// };
/// let headers = SignatureHeaders::new("203753385", "demo-secret")
///     .timestamp_ms(1_700_000_000_000)
///     .nonce("2d9a6c3e-1111-4222-8333-444455556666")
///     .stage("RELEASE")
///     .method(SignatureMethod::HmacSha1)
///     .headers(&input);
/// let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
/// assert_eq!(names, [
///     "X-Ca-Key", "X-Ca-Timestamp", "X-Ca-Nonce", "X-Ca-Signature-Method", "X-Ca-Stage",
///     "X-Ca-Signature-Headers", "X-Ca-Signature",
/// ]);
/// assert_eq!(headers[5].1, "X-Ca-Key,X-Ca-Nonce,X-Ca-Signature-Method,X-Ca-Stage,X-Ca-Timestamp");
/// // The secret is never printed.
/// assert!(!format!("{:?}", SignatureHeaders::new("203753385", "demo-secret")).contains("demo-secret"));
/// ```
///
/// [`lowercase_names`]: SignatureHeaders::lowercase_names
#[derive(Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct SignatureHeaders<'a> {
    app_key: &'a str,
    app_secret: &'a str,
    timestamp_ms: u64,
    nonce: &'a str,
    stage: Option<&'a str>,
    method: SignatureMethod,
    lowercase: bool,
}

impl fmt::Debug for SignatureHeaders<'_> {
    // Manual implementation so the AppSecret is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureHeaders")
            .field("app_key", &self.app_key)
            .field("app_secret", &"** redacted **")
            .field("timestamp_ms", &self.timestamp_ms)
            .field("nonce", &self.nonce)
            .field("stage", &self.stage)
            .field("method", &self.method)
            .field("lowercase", &self.lowercase)
            .finish()
    }
}

impl<'a> SignatureHeaders<'a> {
    /// Starts a signature with the AppKey and AppSecret; timestamp 0, empty nonce, no stage,
    /// `HmacSHA256`, canonical name spelling until set.
    ///
    /// ```
    /// use shiming_gateway::sign::SignatureHeaders;
    /// let signer = SignatureHeaders::new("203753385", "demo-secret");
    /// # let _ = signer;
    /// ```
    pub fn new(app_key: &'a str, app_secret: &'a str) -> Self {
        SignatureHeaders {
            app_key,
            app_secret,
            timestamp_ms: 0,
            nonce: "",
            stage: None,
            method: SignatureMethod::default(),
            lowercase: false,
        }
    }

    /// `X-Ca-Timestamp`: the client's clock in milliseconds since the Unix epoch (the gateway
    /// accepts ±15 minutes).
    ///
    /// ```
    /// use shiming_gateway::sign::{SignatureHeaders, SigningInput};
    /// let headers = SignatureHeaders::new("k", "s").timestamp_ms(1_700_000_000_000)
    ///     .headers(&SigningInput::default());
    /// assert!(headers.contains(&("X-Ca-Timestamp".to_string(), "1700000000000".to_string())));
    /// ```
    pub fn timestamp_ms(mut self, timestamp_ms: u64) -> Self {
        self.timestamp_ms = timestamp_ms;
        self
    }

    /// `X-Ca-Nonce`: a value never reused within 15 minutes, normally [`new_nonce`].
    ///
    /// ```
    /// use shiming_gateway::sign::{new_nonce, SignatureHeaders, SigningInput};
    /// let nonce = new_nonce();
    /// let headers = SignatureHeaders::new("k", "s").nonce(&nonce).headers(&SigningInput::default());
    /// assert!(headers.contains(&("X-Ca-Nonce".to_string(), nonce.clone())));
    /// ```
    pub fn nonce(mut self, nonce: &'a str) -> Self {
        self.nonce = nonce;
        self
    }

    /// `X-Ca-Stage` (`RELEASE`, `PRE`, `TEST`); not sent unless set.
    ///
    /// ```
    /// use shiming_gateway::sign::{SignatureHeaders, SigningInput};
    /// let headers = SignatureHeaders::new("k", "s").stage("RELEASE").headers(&SigningInput::default());
    /// assert!(headers.contains(&("X-Ca-Stage".to_string(), "RELEASE".to_string())));
    /// ```
    pub fn stage(mut self, stage: &'a str) -> Self {
        self.stage = Some(stage);
        self
    }

    /// `X-Ca-Signature-Method`; `HmacSHA256` unless set.
    ///
    /// ```
    /// use shiming_gateway::sign::{SignatureHeaders, SignatureMethod, SigningInput};
    /// let headers = SignatureHeaders::new("k", "s").method(SignatureMethod::HmacSha1)
    ///     .headers(&SigningInput::default());
    /// assert!(headers.contains(&("X-Ca-Signature-Method".to_string(), "HmacSHA1".to_string())));
    /// ```
    pub fn method(mut self, method: SignatureMethod) -> Self {
        self.method = method;
        self
    }

    /// Spells the added names in lower case (`x-ca-key`) instead of `X-Ca-Key`, both in the
    /// returned headers and in what is signed and listed.
    ///
    /// ```
    /// use shiming_gateway::sign::{SignatureHeaders, SigningInput};
    /// let headers = SignatureHeaders::new("k", "s").lowercase_names().headers(&SigningInput::default());
    /// assert!(headers.iter().all(|(name, _)| name.starts_with("x-ca-")));
    /// ```
    pub fn lowercase_names(mut self) -> Self {
        self.lowercase = true;
        self
    }

    /// Computes the signature of `input` and returns the headers to add, as the type-level
    /// documentation describes.
    ///
    /// ```
    /// use shiming_gateway::sign::{SignatureHeaders, SigningInput};
    /// let headers = SignatureHeaders::new("k", "s").headers(&SigningInput::default());
    /// assert_eq!(headers.last().unwrap().0, "X-Ca-Signature");
    /// ```
    #[must_use]
    pub fn headers(&self, input: &SigningInput<'_>) -> Vec<(String, String)> {
        let name = |canonical: &str| {
            if self.lowercase {
                canonical.to_ascii_lowercase()
            } else {
                canonical.to_string()
            }
        };
        let mut added: Vec<(String, String)> = vec![
            (name("X-Ca-Key"), self.app_key.to_string()),
            (name("X-Ca-Timestamp"), self.timestamp_ms.to_string()),
            (name("X-Ca-Nonce"), self.nonce.to_string()),
            (
                name("X-Ca-Signature-Method"),
                self.method.as_str().to_string(),
            ),
        ];
        if let Some(stage) = self.stage {
            added.push((name("X-Ca-Stage"), stage.to_string()));
        }

        let mut signed: Vec<(&str, &str)> = added
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        for &(extra, value) in input.signed_headers {
            if !added.iter().any(|(n, _)| n.eq_ignore_ascii_case(extra)) {
                signed.push((extra, value));
            }
        }
        // Filter and sort exactly as the StringToSign does, so the list matches the lines.
        let signed = header_lines(&signed);
        let listed = signed.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(",");
        let string_to_sign = string_to_sign(&SigningInput {
            signed_headers: &signed,
            ..*input
        });
        let signature = sign(self.app_secret, &string_to_sign, self.method);

        added.push((name("X-Ca-Signature-Headers"), listed));
        added.push((name("X-Ca-Signature"), signature));
        added
    }
}

/// Shorthand for [`SignatureHeaders`] with canonical name spelling: signs `input` (whose
/// `signed_headers` are extra `X-Ca-*` headers the caller sends itself, usually none) and
/// returns every header the client must add.
///
/// ```
/// use shiming_gateway::sign::{signature_headers, SignatureMethod, SigningInput};
///
/// let input = SigningInput { method: "GET", path: "/ping", accept: "application/json",
///                            ..SigningInput::default() };
/// let headers = signature_headers("203753385", "demo-secret", &input, 1_700_000_000_000,
///                                 "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44", Some("RELEASE"),
///                                 SignatureMethod::HmacSha256);
/// assert_eq!(headers.len(), 7);
/// assert!(headers.iter().all(|(_, value)| !value.contains("demo-secret")));
/// ```
#[must_use]
pub fn signature_headers(
    app_key: &str,
    app_secret: &str,
    input: &SigningInput<'_>,
    timestamp_ms: u64,
    nonce: &str,
    stage: Option<&str>,
    method: SignatureMethod,
) -> Vec<(String, String)> {
    let mut signer = SignatureHeaders::new(app_key, app_secret)
        .timestamp_ms(timestamp_ms)
        .nonce(nonce)
        .method(method);
    if let Some(stage) = stage {
        signer = signer.stage(stage);
    }
    signer.headers(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE_C: &str = "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44";
    const QUERY_C: [(&str, &str); 3] = [
        ("idcard", "11010519491231002X"),
        ("mobile", "13800138000"),
        ("name", "张三"),
    ];

    /// The path line: what follows the last `\n` of a StringToSign.
    fn path_line(sts: &str) -> &str {
        sts.rsplit('\n').next().unwrap()
    }

    #[test]
    fn vector_a() {
        let input = SigningInput {
            method: "GET",
            path: "/Third/Tools/checkSign",
            accept: "application/json",
            content_type: Some("application/json"),
            signed_headers: &[
                ("x-ca-timestamp", "1646365291734"),
                ("x-ca-key", "appKey"),
                ("x-ca-nonce", "787dd0c2-7bd8-41cd-9c19-62c05ea524a2"),
            ],
            ..SigningInput::default()
        };
        let sts = string_to_sign(&input);
        assert_eq!(
            sts,
            "GET\napplication/json\n\napplication/json\n\nx-ca-key:appKey\nx-ca-nonce:787dd0c2-7bd8-41cd-9c19-62c05ea524a2\nx-ca-timestamp:1646365291734\n/Third/Tools/checkSign"
        );
        assert_eq!(
            sign("appSecret", &sts, SignatureMethod::HmacSha256),
            "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8="
        );
        assert_eq!(
            sign("appSecret", &sts, SignatureMethod::HmacSha1),
            "gr6OOcKuuL0badPOkKpEbWOzVwQ="
        );
    }

    #[test]
    fn vector_b() {
        let input = SigningInput {
            method: "POST",
            path: "/Third/User/getNyAccessToken",
            accept: "application/json",
            content_type: Some("application/x-www-form-urlencoded"),
            signed_headers: &[
                ("x-ca-key", "appKey"),
                ("x-ca-nonce", "ca5a6753-b76c-4fff-a9d9-e5bb643e8cdf"),
                ("x-ca-timestamp", "1646646682418"),
            ],
            form: &[
                ("nickname", "nickname"),
                ("room_id", "6893"),
                ("uuid", "uuid"),
                ("photo", "photo"),
            ],
            ..SigningInput::default()
        };
        let sts = string_to_sign(&input);
        assert_eq!(
            path_line(&sts),
            "/Third/User/getNyAccessToken?nickname=nickname&photo=photo&room_id=6893&uuid=uuid"
        );
        assert_eq!(
            sign("appSecret", &sts, SignatureMethod::HmacSha256),
            "gmf9xq0hc95Hmt+7G+OocS009ka3v1v0rvfshKzYc3w="
        );
    }

    #[test]
    fn vector_c() {
        let input = SigningInput {
            method: "GET",
            path: "/phone3",
            accept: "application/json",
            signed_headers: &[
                ("X-Ca-Key", "203753385"),
                ("X-Ca-Timestamp", "1700000000000"),
                ("X-Ca-Nonce", NONCE_C),
                ("X-Ca-Signature-Method", "HmacSHA256"),
            ],
            query: &QUERY_C,
            ..SigningInput::default()
        };
        let sts = string_to_sign(&input);
        assert_eq!(
            sts,
            "GET\napplication/json\n\n\n\nX-Ca-Key:203753385\nX-Ca-Nonce:c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44\nX-Ca-Signature-Method:HmacSHA256\nX-Ca-Timestamp:1700000000000\n/phone3?idcard=11010519491231002X&mobile=13800138000&name=张三"
        );
        assert_eq!(
            sign("demo-secret", &sts, SignatureMethod::HmacSha256),
            "933b9ENT0Am+8+wggRgQaoSpZMS4vpa8eDQ+84HBXUE="
        );
        assert_eq!(
            format!("/phone3?{}", encode_pairs(&QUERY_C)),
            "/phone3?idcard=11010519491231002X&mobile=13800138000&name=%E5%BC%A0%E4%B8%89"
        );
    }

    #[test]
    fn signature_headers_reproduce_vector_c() {
        let input = SigningInput {
            method: "GET",
            path: "/phone3",
            accept: "application/json",
            query: &QUERY_C,
            ..SigningInput::default()
        };
        let headers = signature_headers(
            "203753385",
            "demo-secret",
            &input,
            1_700_000_000_000,
            NONCE_C,
            None,
            SignatureMethod::HmacSha256,
        );
        let expected = [
            ("X-Ca-Key", "203753385"),
            ("X-Ca-Timestamp", "1700000000000"),
            ("X-Ca-Nonce", NONCE_C),
            ("X-Ca-Signature-Method", "HmacSHA256"),
            (
                "X-Ca-Signature-Headers",
                "X-Ca-Key,X-Ca-Nonce,X-Ca-Signature-Method,X-Ca-Timestamp",
            ),
            (
                "X-Ca-Signature",
                "933b9ENT0Am+8+wggRgQaoSpZMS4vpa8eDQ+84HBXUE=",
            ),
        ];
        let got: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn vector_d() {
        let body = r#"{"idcard":"11010519491231002X","name":"张三"}"#;
        let md5 = content_md5(body.as_bytes());
        assert_eq!(md5, "R0vFkH9BE9uD6of3BPpdmg==");
        let input = SigningInput {
            method: "POST",
            path: "/idcard/verify",
            accept: "application/json",
            content_type: Some("application/json; charset=UTF-8"),
            content_md5: Some(&md5),
            signed_headers: &[
                ("X-Ca-Key", "203753385"),
                ("X-Ca-Nonce", "0b9a2c1e-0000-4000-8000-000000000001"),
                ("X-Ca-Timestamp", "1700000000000"),
            ],
            ..SigningInput::default()
        };
        let sts = string_to_sign(&input);
        assert_eq!(
            sts,
            "POST\napplication/json\nR0vFkH9BE9uD6of3BPpdmg==\napplication/json; charset=UTF-8\n\nX-Ca-Key:203753385\nX-Ca-Nonce:0b9a2c1e-0000-4000-8000-000000000001\nX-Ca-Timestamp:1700000000000\n/idcard/verify"
        );
        assert_eq!(
            sign("demo-secret", &sts, SignatureMethod::HmacSha256),
            "qbjVY8YCjYmebkuEnM4B2KF/v7ya6LIlBK9zH1dqs/I="
        );
    }

    #[test]
    fn vector_e() {
        let input = SigningInput {
            method: "POST",
            path: "/communication/personal/1979",
            accept: "application/json",
            content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
            signed_headers: &[
                ("X-Ca-Key", "203753385"),
                ("X-Ca-Timestamp", "1700000000000"),
                ("X-Ca-Nonce", "2d9a6c3e-1111-4222-8333-444455556666"),
                ("X-Ca-Stage", "RELEASE"),
            ],
            form: &[
                ("idcard", "11010519491231002X"),
                ("mobile", "13800138000"),
                ("name", "张三"),
                ("empty", ""),
            ],
            ..SigningInput::default()
        };
        let sts = string_to_sign(&input);
        assert_eq!(
            path_line(&sts),
            "/communication/personal/1979?empty&idcard=11010519491231002X&mobile=13800138000&name=张三"
        );
        assert_eq!(
            sign("demo-secret", &sts, SignatureMethod::HmacSha256),
            "89pri5phZUSgtllVcicDkClMJACwumgnKpeMrHoiph8="
        );
    }

    /// Vector F: a form with a blank value (`memo`, two spaces) and an empty one (`empty`),
    /// both signed as the bare key, as Aliyun's Java demo does; a value with surrounding
    /// spaces keeps them. The HMAC was computed independently of this code.
    #[test]
    fn vector_f_blank_and_empty_form_values() {
        let form = [
            ("idcard", "11010519491231002X"),
            ("memo", "  "),
            ("empty", ""),
            ("name", "张三"),
            ("pad", " x "),
        ];
        let input = SigningInput {
            method: "POST",
            path: "/communication/personal/1979",
            accept: "application/json",
            content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
            signed_headers: &[
                ("X-Ca-Key", "203753385"),
                ("X-Ca-Timestamp", "1700000000000"),
                ("X-Ca-Nonce", "3c1f0b6e-2222-4333-8444-555566667777"),
            ],
            form: &form,
            ..SigningInput::default()
        };
        let sts = string_to_sign(&input);
        assert_eq!(
            path_line(&sts),
            "/communication/personal/1979?empty&idcard=11010519491231002X&memo&name=张三&pad= x "
        );
        assert_eq!(
            sign("demo-secret", &sts, SignatureMethod::HmacSha256),
            "oDF6oGgd+CjRbXk8tC+qbizwDFBKjBsI/jSxtLcGeKg="
        );
        // The wire keeps the spaces.
        assert_eq!(
            encode_pairs(&form),
            "idcard=11010519491231002X&memo=%20%20&empty=&name=%E5%BC%A0%E4%B8%89&pad=%20x%20"
        );
    }

    #[test]
    fn blank_means_java_whitespace_only() {
        for blank in [
            "",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\u{b}",
            "\u{c}",
            "\u{1c}",
            "\u{1f}",
            "\u{1680}",
            "\u{2000}",
            "\u{2006}",
            "\u{2008}",
            "\u{200a}",
            "\u{2028}",
            "\u{2029}",
            "\u{205f}",
            "\u{3000}",
            " \u{3000}\t",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        // No-break spaces and U+0085 are not whitespace to Java; anything visible is a value.
        for value in [
            "\u{a0}",
            "\u{2007}",
            "\u{202f}",
            "\u{85}",
            "\u{200b}",
            " x",
            "0",
            "\u{3000}张",
        ] {
            assert!(!is_blank(value), "{value:?}");
        }
    }

    /// One-line cases for the path line: (query, form, expected path line).
    #[test]
    fn path_line_rules() {
        type Pairs<'a> = &'a [(&'a str, &'a str)];
        fn check(query: Pairs<'_>, form: Pairs<'_>, expected: &str) {
            let input = SigningInput {
                method: "GET",
                path: "/p",
                query,
                form,
                ..SigningInput::default()
            };
            assert_eq!(
                path_line(&string_to_sign(&input)),
                expected,
                "{query:?} {form:?}"
            );
        }
        check(&[], &[], "/p");
        check(&[("", "x")], &[], "/p");
        check(&[("a", "")], &[], "/p?a");
        check(&[("a", "   ")], &[], "/p?a");
        check(&[("a", "\u{3000}")], &[("b", "\t")], "/p?a&b");
        check(&[("a", " 1 ")], &[], "/p?a= 1 ");
        check(&[("b", "2"), ("a", "1")], &[], "/p?a=1&b=2");
        check(&[("a", "first"), ("a", "second")], &[], "/p?a=first");
        check(&[("a", "query")], &[("a", "form")], "/p?a=query");
        check(&[("a", "")], &[("a", "form")], "/p?a");
        check(&[("q", "1")], &[("f", "2")], "/p?f=2&q=1");
        // Byte order: upper case before lower case, `_` between them, shorter prefix first.
        check(
            &[("b", "1"), ("B", "2"), ("_", "3"), ("bb", "4")],
            &[],
            "/p?B=2&_=3&b=1&bb=4",
        );
        // Raw values: no encoding of `&`, `=`, spaces or non-ASCII.
        check(&[("k", "a b&c=d 张")], &[], "/p?k=a b&c=d 张");
    }

    #[test]
    fn header_line_rules() {
        let input = SigningInput {
            method: "GET",
            path: "/p",
            signed_headers: &[
                ("x-ca-b", "2"),
                ("X-Ca-A", "1"),
                ("Accept", "no"),
                ("Content-Type", "no"),
                ("x-ca-signature", "no"),
                ("X-Ca-Signature-Headers", "no"),
                ("", "no"),
                ("X-CA-B", "repeat"),
                ("x-ca-a", ""),
            ],
            ..SigningInput::default()
        };
        assert_eq!(
            string_to_sign(&input),
            "GET\n\n\n\n\nX-Ca-A:1\nx-ca-b:2\n/p"
        );
    }

    #[test]
    fn five_lines_even_when_empty() {
        let input = SigningInput {
            method: "PUT",
            path: "/",
            accept: "*/*",
            content_type: Some("text/plain"),
            content_md5: Some("md5"),
            date: Some("Tue, 14 Nov 2023 22:13:20 GMT"),
            ..SigningInput::default()
        };
        assert_eq!(
            string_to_sign(&input),
            "PUT\n*/*\nmd5\ntext/plain\nTue, 14 Nov 2023 22:13:20 GMT\n/"
        );
        assert_eq!(string_to_sign(&SigningInput::default()), "\n\n\n\n\n");
    }

    #[test]
    fn percent_encoding() {
        fn check(raw: &str, expected: &str) {
            assert_eq!(percent_encode(raw), expected, "{raw:?}");
        }
        check("张三 a+b/c~", "%E5%BC%A0%E4%B8%89%20a%2Bb%2Fc~");
        check("", "");
        check("AZaz09-._~", "AZaz09-._~");
        check("a b", "a%20b");
        check("&=?#%", "%26%3D%3F%23%25");
        check("\n\u{7f}é", "%0A%7F%C3%A9");
        check("😀", "%F0%9F%98%80");
        assert_eq!(
            encode_pairs(&[("a b", "c d"), ("x", ""), ("名", "值")]),
            "a%20b=c%20d&x=&%E5%90%8D=%E5%80%BC"
        );
    }

    fn assert_uuid_v4(nonce: &str) {
        assert_eq!(nonce.len(), 36, "{nonce}");
        for (i, c) in nonce.char_indices() {
            if matches!(i, 8 | 13 | 18 | 23) {
                assert_eq!(c, '-', "{nonce}");
            } else {
                assert!(matches!(c, '0'..='9' | 'a'..='f'), "{nonce}");
            }
        }
        assert_eq!(&nonce[14..15], "4", "{nonce}");
        assert!(matches!(&nonce[19..20], "8" | "9" | "a" | "b"), "{nonce}");
    }

    #[test]
    fn nonce_is_uuid_v4_and_fresh() {
        let a = new_nonce();
        let b = new_nonce();
        assert_uuid_v4(&a);
        assert_uuid_v4(&b);
        assert_ne!(a, b);
    }

    #[test]
    fn fallback_nonce_is_uuid_v4_and_fresh() {
        let a = uuid_v4(fallback_entropy());
        let b = uuid_v4(fallback_entropy());
        assert_uuid_v4(&a);
        assert_uuid_v4(&b);
        assert_ne!(a, b);
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn signature_headers_with_stage_lowercase_and_extras() {
        let input = SigningInput {
            method: "POST",
            path: "/communication/personal/1979",
            accept: "application/json",
            content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
            signed_headers: &[
                ("x-ca-request-mode", "debug"),
                // Names the signer adds itself: ignored, the signer's values win.
                ("X-Ca-Key", "someone-else"),
                ("x-ca-signature", "forged"),
            ],
            form: &[("name", "张三")],
            ..SigningInput::default()
        };
        let headers = SignatureHeaders::new("203753385", "demo-secret")
            .timestamp_ms(1_700_000_000_000)
            .nonce("2d9a6c3e-1111-4222-8333-444455556666")
            .stage("RELEASE")
            .lowercase_names()
            .headers(&input);
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert!(headers.iter().all(|(n, _)| n.starts_with("x-ca-")));
        assert_eq!(value("x-ca-key"), "203753385");
        assert_eq!(value("x-ca-stage"), "RELEASE");
        assert_eq!(
            value("x-ca-signature-headers"),
            "x-ca-key,x-ca-nonce,x-ca-request-mode,x-ca-signature-method,x-ca-stage,x-ca-timestamp"
        );
        // Independently rebuilt: the signature covers exactly the listed lines.
        let expected_sts =
            "POST\napplication/json\n\napplication/x-www-form-urlencoded; charset=UTF-8\n\n\
            x-ca-key:203753385\nx-ca-nonce:2d9a6c3e-1111-4222-8333-444455556666\n\
            x-ca-request-mode:debug\nx-ca-signature-method:HmacSHA256\nx-ca-stage:RELEASE\n\
            x-ca-timestamp:1700000000000\n/communication/personal/1979?name=张三";
        assert_eq!(
            value("x-ca-signature"),
            sign("demo-secret", expected_sts, SignatureMethod::HmacSha256)
        );
    }

    #[test]
    fn signature_headers_sign_every_added_x_ca_header() {
        let input = SigningInput::default();
        for stage in [None, Some("TEST")] {
            let headers =
                signature_headers("k", "s", &input, 1, "n", stage, SignatureMethod::HmacSha1);
            let listed = &headers[headers.len() - 2];
            assert_eq!(listed.0, "X-Ca-Signature-Headers");
            let listed: Vec<&str> = listed.1.split(',').collect();
            let mut added: Vec<&str> = headers[..headers.len() - 2]
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            added.sort_unstable();
            assert_eq!(listed, added);
        }
    }

    #[test]
    fn secret_never_shown() {
        let signer = SignatureHeaders::new("203753385", "demo-secret")
            .timestamp_ms(1)
            .nonce("n");
        assert_eq!(
            format!("{signer:?}"),
            "SignatureHeaders { app_key: \"203753385\", app_secret: \"** redacted **\", \
             timestamp_ms: 1, nonce: \"n\", stage: None, method: HmacSha256, lowercase: false }"
        );
        let headers = signer.headers(&SigningInput::default());
        assert!(headers
            .iter()
            .all(|(n, v)| !n.contains("demo-secret") && !v.contains("demo-secret")));
    }
}
