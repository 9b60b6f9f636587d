//! Request parameters as the vendor layer sees them: query, form or JSON fields merged, in
//! arrival order, decoded as UTF-8 (invalid sequences become U+FFFD).
//!
//! All names and values live in one buffer (two allocations per request instead of two per
//! parameter); `Debug` shows the names only, since values are personal data.

use std::fmt;
use std::ops::Range;

/// The parameters of one request.
///
/// ```
/// use shiming_mock_market::Params;
/// let p = Params::from_pairs(vec![("xm".into(), "李三".into()), ("xm".into(), "王五".into())]);
/// assert_eq!(p.get("xm"), Some("李三"));
/// assert_eq!(p.count("xm"), 2);
/// assert_eq!(p.get("sfz"), None);
/// assert_eq!(format!("{p:?}"), r#"Params { names: ["xm", "xm"] }"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    text: String,
    spans: Vec<(Range<usize>, Range<usize>)>,
}

impl Params {
    /// Parameters from decoded `(name, value)` pairs.
    ///
    /// ```
    /// assert!(shiming_mock_market::Params::from_pairs(vec![]).is_empty());
    /// ```
    #[must_use]
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        let mut params = Params::default();
        for (name, value) in &pairs {
            params.push(name, value);
        }
        params
    }

    /// Decodes `application/x-www-form-urlencoded` text (a query string or a form body) and
    /// appends its pairs.
    ///
    /// ```
    /// let mut p = shiming_mock_market::Params::default();
    /// p.extend_urlencoded(b"xm=%E6%9D%8E%E4%B8%89&mob=138");
    /// assert_eq!(p.get("xm"), Some("李三"));
    /// ```
    pub fn extend_urlencoded(&mut self, encoded: &[u8]) {
        for (name, value) in form_urlencoded::parse(encoded) {
            self.push(&name, &value);
        }
    }

    /// Appends one pair.
    ///
    /// ```
    /// let mut p = shiming_mock_market::Params::default();
    /// p.push("name", "张三");
    /// assert_eq!(p.count("name"), 1);
    /// ```
    pub fn push(&mut self, name: &str, value: &str) {
        let name_start = self.text.len();
        self.text.push_str(name);
        let value_start = self.text.len();
        self.text.push_str(value);
        self.spans
            .push((name_start..value_start, value_start..self.text.len()));
    }

    /// The first value of `name`.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert_eq!(Params::from_pairs(vec![("a".into(), "1".into())]).get("a"), Some("1"));
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// How many times `name` occurs.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert_eq!(Params::from_pairs(vec![]).count("a"), 0);
    /// ```
    #[must_use]
    pub fn count(&self, name: &str) -> usize {
        self.iter().filter(|(k, _)| *k == name).count()
    }

    /// Whether there are no parameters.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert!(Params::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// All `(name, value)` pairs in arrival order.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// let p = Params::from_pairs(vec![("a".into(), "1".into()), ("b".into(), "".into())]);
    /// assert_eq!(p.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "")]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|(k, v)| {
            (
                self.text.get(k.clone()).unwrap_or_default(),
                self.text.get(v.clone()).unwrap_or_default(),
            )
        })
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("names", &self.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}
