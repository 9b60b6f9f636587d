//! What a routed check did at each vendor: the audit trail of one check.

use std::fmt;

use shiming_core::{Billing, Error, Outcome, Verification};

use crate::Price;

/// One vendor tried during a routed check.
///
/// ```
/// use shiming::{Attempt, Outcome, Price};
/// let a = Attempt::new("tel3", Outcome::Verdict(shiming::Verdict::Match), shiming::Billing::Billed, Price::from_li(200));
/// assert_eq!(a.to_string(), "tel3: match (billed, 0.200)");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The vendor API id.
    pub vendor: &'static str,
    /// How it ended.
    pub outcome: Outcome,
    /// Whether the marketplace charged for it.
    pub billing: Billing,
    /// The route's price per billed call.
    pub price: Price,
}

impl Attempt {
    /// An attempt record.
    ///
    /// ```
    /// use shiming::{Attempt, Outcome, Price};
    /// let a = Attempt::new("sfz2", Outcome::Error(shiming::ErrorKind::Throttled), shiming::Billing::NotBilled, Price::ZERO);
    /// assert_eq!(a.vendor, "sfz2");
    /// ```
    #[must_use]
    pub fn new(vendor: &'static str, outcome: Outcome, billing: Billing, price: Price) -> Attempt {
        Attempt {
            vendor,
            outcome,
            billing,
            price,
        }
    }

    pub(crate) fn of(
        price: Price,
        result: &Result<Verification, Error>,
        vendor: &'static str,
    ) -> Attempt {
        match result {
            Ok(v) => Attempt::new(vendor, Outcome::Verdict(v.verdict), v.billing, price),
            Err(e) => Attempt::new(vendor, Outcome::Error(e.kind()), e.billing(), price),
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({}, {})",
            self.vendor,
            self.outcome.code(),
            self.billing,
            self.price
        )
    }
}

/// Every vendor a routed check tried, in order.
///
/// ```
/// use shiming::{Attempt, Attempts, Billing, Outcome, Price};
/// let trail = Attempts::from(vec![
///     Attempt::new("sxm3v2", Outcome::Error(shiming::ErrorKind::QuotaExhausted), Billing::NotBilled, Price::from_li(170)),
///     Attempt::new("tel3", Outcome::Verdict(shiming::Verdict::Match), Billing::Billed, Price::from_li(200)),
/// ]);
/// assert_eq!(trail.tried(), vec!["sxm3v2", "tel3"]);
/// assert_eq!(trail.billed(), vec!["tel3"]);
/// assert_eq!(trail.cost().to_string(), "0.200");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempts(Vec<Attempt>);

impl Attempts {
    /// The vendors tried, in order.
    ///
    /// ```
    /// assert!(shiming::Attempts::default().tried().is_empty());
    /// ```
    #[must_use]
    pub fn tried(&self) -> Vec<&'static str> {
        self.0.iter().map(|a| a.vendor).collect()
    }

    /// The vendors that charged for their part.
    ///
    /// ```
    /// assert!(shiming::Attempts::default().billed().is_empty());
    /// ```
    #[must_use]
    pub fn billed(&self) -> Vec<&'static str> {
        self.0
            .iter()
            .filter(|a| a.billing == Billing::Billed)
            .map(|a| a.vendor)
            .collect()
    }

    /// What the check certainly cost: the prices of the billed attempts.
    ///
    /// ```
    /// assert_eq!(shiming::Attempts::default().cost(), shiming::Price::ZERO);
    /// ```
    #[must_use]
    pub fn cost(&self) -> Price {
        self.0
            .iter()
            .filter(|a| a.billing == Billing::Billed)
            .map(|a| a.price)
            .sum()
    }

    /// What the check may have cost: billed attempts plus those whose billing is unknown.
    ///
    /// ```
    /// assert_eq!(shiming::Attempts::default().cost_at_most(), shiming::Price::ZERO);
    /// ```
    #[must_use]
    pub fn cost_at_most(&self) -> Price {
        self.0
            .iter()
            .filter(|a| a.billing != Billing::NotBilled)
            .map(|a| a.price)
            .sum()
    }

    /// Billing over the whole check: billed if any attempt was, unknown if any may have
    /// been (and none certainly was), otherwise not billed.
    ///
    /// ```
    /// assert_eq!(shiming::Attempts::default().billing(), shiming::Billing::NotBilled);
    /// ```
    #[must_use]
    pub fn billing(&self) -> Billing {
        if self.0.iter().any(|a| a.billing == Billing::Billed) {
            Billing::Billed
        } else if self.0.iter().any(|a| a.billing != Billing::NotBilled) {
            Billing::Unknown
        } else {
            Billing::NotBilled
        }
    }

    pub(crate) fn push(&mut self, attempt: Attempt) {
        self.0.push(attempt);
    }
}

impl From<Vec<Attempt>> for Attempts {
    fn from(attempts: Vec<Attempt>) -> Attempts {
        Attempts(attempts)
    }
}

impl std::ops::Deref for Attempts {
    type Target = [Attempt];
    fn deref(&self) -> &[Attempt] {
        &self.0
    }
}

impl fmt::Display for Attempts {
    /// `sxm3v2: quota_exhausted (not billed, 0.170) → tel3: match (billed, 0.200)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" → ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}
