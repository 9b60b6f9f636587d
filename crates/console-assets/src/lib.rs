//! The web console's files, embedded: `web/*` compiled in with [`include_bytes!`], each with
//! its content type and an `ETag` worked out at compile time, so that a server answers
//! `If-None-Match` with `304` without hashing anything at run time.
//!
//! No CDN and no build step: the pages are plain HTML, one script in plain JavaScript and one
//! style sheet. Chinese first, with an English switch (the script's dictionary).
//!
//! ```
//! let page = shiming_console_assets::get("mock.html").unwrap();
//! assert_eq!(page.content_type, "text/html; charset=utf-8");
//! assert!(page.etag.starts_with('"') && page.etag.ends_with('"'));
//! assert!(shiming_console_assets::get("../Cargo.toml").is_none());
//! ```

#![deny(missing_docs)]

pub mod access;

/// One embedded file.
///
/// ```
/// let script = shiming_console_assets::get("console.js").unwrap();
/// assert_eq!(script.name, "console.js");
/// assert!(!script.body.is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// Its name under the console's path (`mock.html`, `console.js`, …).
    pub name: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its strong `ETag`, quoted: a hash of its bytes.
    pub etag: &'static str,
}

/// The Content-Security-Policy of every console page: nothing from elsewhere, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; frame-ancestors 'none'";

impl Asset {
    /// Whether a request's `If-None-Match` names this file as it is (answer `304`).
    ///
    /// ```
    /// let page = shiming_console_assets::get("app.html").unwrap();
    /// assert!(page.is_fresh(Some(page.etag.as_bytes())));
    /// assert!(!page.is_fresh(Some(b"\"0000000000000000\"")) && !page.is_fresh(None));
    /// ```
    #[must_use]
    pub fn is_fresh(&self, if_none_match: Option<&[u8]>) -> bool {
        if_none_match.is_some_and(|tag| tag == self.etag.as_bytes())
    }

    /// The response headers a console serves this file with, by name: its type and ETag,
    /// revalidation on every load (a new build's files are picked up at once), no type
    /// sniffing, and for a page the [`CONTENT_SECURITY_POLICY`].
    ///
    /// ```
    /// let page = shiming_console_assets::get("mock.html").unwrap();
    /// let headers: Vec<_> = page.headers().collect();
    /// assert!(headers.contains(&("cache-control", "no-cache")));
    /// assert!(headers.iter().any(|(name, _)| *name == "content-security-policy"));
    /// let script = shiming_console_assets::get("mock.js").unwrap();
    /// assert!(script.headers().all(|(name, _)| name != "content-security-policy"));
    /// ```
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        let page = self.content_type.starts_with("text/html");
        [
            ("content-type", self.content_type),
            ("etag", self.etag),
            ("cache-control", "no-cache"),
            ("x-content-type-options", "nosniff"),
        ]
        .into_iter()
        .chain(page.then_some(("content-security-policy", CONTENT_SECURITY_POLICY)))
    }
}

/// FNV-1a (64 bits) of `bytes`, at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `"` + 16 hex digits of `hash` + `"`.
const fn quoted_hex(hash: u64) -> [u8; 18] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'"'; 18];
    let mut i = 0;
    while i < 16 {
        out[1 + i] = DIGITS[((hash >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

macro_rules! asset {
    ($name:literal, $type:literal) => {{
        const BODY: &[u8] = include_bytes!(concat!("../web/", $name));
        const TAG: [u8; 18] = quoted_hex(fnv1a(BODY));
        Asset {
            name: $name,
            body: BODY,
            content_type: $type,
            etag: match std::str::from_utf8(&TAG) {
                Ok(tag) => tag,
                Err(_) => panic!("an ETag is ASCII"),
            },
        }
    }};
}

/// Every embedded file.
///
/// ```
/// assert!(shiming_console_assets::ASSETS.iter().any(|a| a.name == "console.css"));
/// ```
pub const ASSETS: &[Asset] = &[
    asset!("mock.html", "text/html; charset=utf-8"),
    asset!("app.html", "text/html; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("console.js", "text/javascript; charset=utf-8"),
    asset!("mock.js", "text/javascript; charset=utf-8"),
    asset!("console.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("fields.tsv", "text/tab-separated-values; charset=utf-8"),
];

/// The file named `name` (no directories: anything else is `None`).
///
/// ```
/// assert!(shiming_console_assets::get("mock.js").is_some());
/// assert!(shiming_console_assets::get("nothing.js").is_none());
/// ```
#[must_use]
pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// The file named `name` when it is one a page loads (a script, the style, the icon, the
/// field tables), not a page: these hold nothing and are served to anyone, token or not.
///
/// ```
/// assert!(shiming_console_assets::loaded_by_pages("console.js").is_some());
/// assert!(shiming_console_assets::loaded_by_pages("app.html").is_none());
/// ```
#[must_use]
pub fn loaded_by_pages(name: &str) -> Option<&'static Asset> {
    get(name).filter(|asset| !asset.content_type.starts_with("text/html"))
}

/// The total size of the embedded files, in bytes (a console page loads all of them).
///
/// ```
/// assert!(shiming_console_assets::total_bytes() < 200 * 1024);
/// ```
#[must_use]
pub fn total_bytes() -> usize {
    ASSETS.iter().map(|asset| asset.body.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_differ_by_content_and_are_quoted_hex() {
        let tags: Vec<&str> = ASSETS.iter().map(|a| a.etag).collect();
        for tag in &tags {
            assert_eq!(tag.len(), 18);
            assert!(tag[1..17].chars().all(|c| c.is_ascii_hexdigit()));
        }
        let mut unique = tags.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), tags.len());
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn pages_load_nothing_from_elsewhere() {
        for asset in ASSETS.iter().filter(|a| !a.name.ends_with(".svg")) {
            let text = std::str::from_utf8(asset.body).unwrap();
            for outside in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(outside), "{} mentions {outside}", asset.name);
            }
        }
    }
}
