//! Request parameters as the vendor layer sees them: query, form or JSON fields merged, in
//! arrival order, decoded as UTF-8.

/// The parameters of one request.
///
/// ```
/// use shiming_mock_market::Params;
/// let p = Params::from_pairs(vec![("xm".into(), "李三".into()), ("xm".into(), "王五".into())]);
/// assert_eq!(p.get("xm"), Some("李三"));
/// assert_eq!(p.count("xm"), 2);
/// assert_eq!(p.get("sfz"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parameters from decoded `(name, value)` pairs.
    ///
    /// ```
    /// assert!(shiming_mock_market::Params::from_pairs(vec![]).is_empty());
    /// ```
    #[must_use]
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        Params { pairs }
    }

    /// The first value of `name`.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert_eq!(Params::from_pairs(vec![("a".into(), "1".into())]).get("a"), Some("1"));
    /// ```
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// How many times `name` occurs.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert_eq!(Params::from_pairs(vec![]).count("a"), 0);
    /// ```
    #[must_use]
    pub fn count(&self, name: &str) -> usize {
        self.pairs.iter().filter(|(k, _)| k == name).count()
    }

    /// Whether there are no parameters.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert!(Params::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// All pairs in arrival order.
    ///
    /// ```
    /// # use shiming_mock_market::Params;
    /// assert_eq!(Params::default().pairs().len(), 0);
    /// ```
    #[must_use]
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}
