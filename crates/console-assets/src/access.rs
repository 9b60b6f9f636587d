//! Who may use a console: the token it was started with, and the rule that a state-changing
//! call comes from the console's own page. Both consoles (the mock market's and
//! `shiming console`) apply these, over the header values they read.
//!
//! ```
//! use shiming_console_assets::access;
//! assert_eq!(access::token(Some("Bearer s3cret"), None).as_deref(), Some("s3cret"));
//! assert!(access::from_the_page(true, Some("http://127.0.0.1:8090"), Some("127.0.0.1:8090")));
//! ```

/// The header every state-changing call of a console page carries (the CSRF defence: a page
/// of another origin cannot send it without the server's consent, and no CORS is offered).
pub const CSRF_HEADER: &str = "x-shiming-console";

/// The shortest token a console accepts: guessing it must be out of reach.
pub const MIN_TOKEN_LEN: usize = 16;

/// The token a request presents: `Authorization: Bearer …`, else `token=…` in its query (where
/// a browser cannot set a header: opening the page, `EventSource`).
///
/// ```
/// use shiming_console_assets::access::token;
/// assert_eq!(token(None, Some("a=1&token=s3cret")).as_deref(), Some("s3cret"));
/// assert_eq!(token(Some("Basic xyz"), Some("a=1")), None);
/// ```
#[must_use]
pub fn token(authorization: Option<&str>, query: Option<&str>) -> Option<String> {
    if let Some(bearer) = authorization.and_then(|v| v.strip_prefix("Bearer ")) {
        return Some(bearer.trim().to_string());
    }
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(percent_decoded)
}

/// `%XX` escapes decoded (a token is ASCII; anything undecodable is kept as it is).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `given` is `expected`, compared without stopping at the first difference.
///
/// ```
/// use shiming_console_assets::access::same_token;
/// assert!(same_token("abc", "abc"));
/// assert!(!same_token("abd", "abc") && !same_token("abcd", "abc"));
/// ```
#[must_use]
pub fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Whether a state-changing request came from the console's own page: it carries
/// [`CSRF_HEADER`], and its `Origin`, when there is one, names the host it was sent to.
///
/// ```
/// use shiming_console_assets::access::from_the_page;
/// assert!(from_the_page(true, None, Some("127.0.0.1:8090")));
/// assert!(!from_the_page(false, None, Some("127.0.0.1:8090")));
/// assert!(!from_the_page(true, Some("http://evil.example"), Some("127.0.0.1:8090")));
/// ```
#[must_use]
pub fn from_the_page(csrf_header: bool, origin: Option<&str>, host: Option<&str>) -> bool {
    if !csrf_header {
        return false;
    }
    match (origin, host) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin.strip_prefix("http://") == Some(host)
                || origin.strip_prefix("https://") == Some(host)
        }
        (Some(_), None) => false,
    }
}
