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

/// Why a console refuses a request before looking at what it asks.
///
/// ```
/// use shiming_console_assets::access::Denial;
/// assert_eq!(Denial::NoToken.status(), 401);
/// assert_eq!(Denial::NotFromThePage.status(), 403);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The console was started with a token, and the request does not present it.
    NoToken,
    /// A state-changing request (anything but `GET`) that did not come from the console's
    /// page ([`from_the_page`]).
    NotFromThePage,
}

impl Denial {
    /// The HTTP status to answer with.
    ///
    /// ```
    /// assert_eq!(shiming_console_assets::access::Denial::NoToken.status(), 401);
    /// ```
    #[must_use]
    pub const fn status(self) -> u16 {
        match self {
            Denial::NoToken => 401,
            Denial::NotFromThePage => 403,
        }
    }

    /// What the answer says.
    ///
    /// ```
    /// assert!(shiming_console_assets::access::Denial::NoToken.message().contains("token"));
    /// ```
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Denial::NoToken => "this console needs the token it was started with (?token=…)",
            Denial::NotFromThePage => {
                "a state-changing call must come from the console's page (X-Shiming-Console)"
            }
        }
    }
}

/// What a console reads of a request to decide whether to serve it.
///
/// ```
/// let req = shiming_console_assets::access::Asked { method: "GET", ..Default::default() };
/// assert_eq!(shiming_console_assets::access::check(None, &req), Ok(()));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Asked<'a> {
    /// The method.
    pub method: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The query string.
    pub query: Option<&'a str>,
    /// Whether [`CSRF_HEADER`] is present.
    pub csrf_header: bool,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Host` header.
    pub host: Option<&'a str>,
}

impl<'a> Asked<'a> {
    /// What a console reads of a request with `method` and `query`, its headers looked up by
    /// (lower-case) name through `header`.
    ///
    /// ```
    /// use shiming_console_assets::access::Asked;
    /// let asked = Asked::read("POST", None, |name| (name == "x-shiming-console").then_some("1"));
    /// assert!(asked.csrf_header && asked.origin.is_none());
    /// ```
    pub fn read(
        method: &'a str,
        query: Option<&'a str>,
        header: impl Fn(&'static str) -> Option<&'a str>,
    ) -> Asked<'a> {
        Asked {
            method,
            authorization: header("authorization"),
            query,
            csrf_header: header(CSRF_HEADER).is_some(),
            origin: header("origin"),
            host: header("host"),
        }
    }
}

/// Whether a console started with `expected` (its token, if any) serves `asked`: the token
/// first, then, for anything but `GET`, that the request came from the console's page.
///
/// ```
/// use shiming_console_assets::access::{check, Asked, Denial};
/// let post = Asked { method: "POST", ..Default::default() };
/// assert_eq!(check(None, &post), Err(Denial::NotFromThePage));
/// let get = Asked { method: "GET", query: Some("token=a-long-console-token"), ..Default::default() };
/// assert_eq!(check(Some("a-long-console-token"), &get), Ok(()));
/// assert_eq!(check(Some("another-console-token"), &get), Err(Denial::NoToken));
/// ```
///
/// # Errors
/// The [`Denial`].
pub fn check(expected: Option<&str>, asked: &Asked<'_>) -> Result<(), Denial> {
    if let Some(expected) = expected {
        if !token(asked.authorization, asked.query)
            .is_some_and(|given| same_token(&given, expected))
        {
            return Err(Denial::NoToken);
        }
    }
    if asked.method != "GET" && !from_the_page(asked.csrf_header, asked.origin, asked.host) {
        return Err(Denial::NotFromThePage);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(csrf_header: bool, origin: Option<&'static str>) -> Asked<'static> {
        Asked {
            method: "POST",
            csrf_header,
            origin,
            host: Some("127.0.0.1:8081"),
            ..Asked::default()
        }
    }

    #[test]
    fn only_the_page_may_change_state() {
        assert_eq!(check(None, &post(false, None)), Err(Denial::NotFromThePage));
        assert_eq!(check(None, &post(true, None)), Ok(()));
        assert_eq!(
            check(None, &post(true, Some("http://127.0.0.1:8081"))),
            Ok(())
        );
        assert_eq!(
            check(None, &post(true, Some("http://evil.example"))),
            Err(Denial::NotFromThePage)
        );
        let head = Asked {
            method: "HEAD",
            ..Asked::default()
        };
        assert_eq!(check(None, &head), Err(Denial::NotFromThePage));
    }

    #[test]
    fn a_token_comes_from_the_header_or_the_query() {
        let expected = Some("s3cret-console-token");
        let header = Asked {
            method: "GET",
            authorization: Some("Bearer s3cret-console-token"),
            ..Asked::default()
        };
        assert_eq!(check(expected, &header), Ok(()));
        let query = Asked {
            method: "GET",
            query: Some("a=1&token=s3cret-console-token"),
            ..Asked::default()
        };
        assert_eq!(check(expected, &query), Ok(()));
        let none = Asked {
            method: "GET",
            ..Asked::default()
        };
        assert_eq!(check(expected, &none), Err(Denial::NoToken));
        // The token is checked before the page rule.
        assert_eq!(check(expected, &post(true, None)), Err(Denial::NoToken));
        assert_eq!(token(None, Some("token=a%2Bb")).as_deref(), Some("a+b"));
    }
}
