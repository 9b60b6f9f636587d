//! What a router with a store tells its operator: a vendor package running low or out, and the
//! store failing or working again. Each is a `tracing` warning and, when the builder was given
//! one ([`crate::RouterBuilder::on_warning`]), a call of the operator's callback — the command
//! line prints them on stderr.

use std::fmt;
use std::sync::Arc;

use shiming_store::ledger::QuotaWarning;

/// Which part of the store failed, and so what the router does instead until it works again.
///
/// ```
/// assert_eq!(shiming::StorePart::Ledger.code(), "ledger");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorePart {
    /// The shared rate limit: this process falls back to its own share (`fallback_qps`).
    RateLimit,
    /// The dedupe cache: every check is a miss, and single flight holds within this process.
    Cache,
    /// The budget ledger: paid calls are refused (the default) or sent uncounted, as
    /// configured ([`crate::LedgerDown`]).
    Ledger,
}

impl StorePart {
    /// `rate_limit`, `cache` or `ledger`.
    ///
    /// ```
    /// assert_eq!(shiming::StorePart::RateLimit.code(), "rate_limit");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            StorePart::RateLimit => "rate_limit",
            StorePart::Cache => "cache",
            StorePart::Ledger => "ledger",
        }
    }

    /// What the router does while this part is down.
    const fn fallback(self) -> &'static str {
        match self {
            StorePart::RateLimit => "this process limits itself to its fallback_qps",
            StorePart::Cache => {
                "checks are not cached; identical checks in this process still send one call"
            }
            StorePart::Ledger => "the budget cannot be kept",
        }
    }
}

/// A warning of a router with a store. None holds personal data or a credential.
///
/// ```
/// use shiming::{RouterWarning, StorePart};
/// let w = RouterWarning::StoreRecovered { part: StorePart::Cache };
/// assert_eq!(w.code(), "store_recovered");
/// assert_eq!(w.to_string(), "the store's cache works again");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterWarning {
    /// A tracked package is at 20 % or 5 % left, used up, or expires within 7 days: given
    /// once per store (once per fleet with Redis) and package.
    Quota(QuotaWarning),
    /// The store failed for `part`; the router falls back until it works again. Given once
    /// per outage in each process.
    StoreUnavailable {
        /// The part that failed.
        part: StorePart,
        /// The store's error (no key input, no credential).
        error: String,
    },
    /// The store works again for `part` (the Redis backend reconnects by itself).
    StoreRecovered {
        /// The part that works again.
        part: StorePart,
    },
}

impl RouterWarning {
    /// A stable code: the quota warning's (`quota_low`, `quota_very_low`, `quota_used_up`,
    /// `quota_expiring`), `store_unavailable` or `store_recovered`.
    ///
    /// ```
    /// let w = shiming::RouterWarning::StoreUnavailable { part: shiming::StorePart::Ledger, error: "down".into() };
    /// assert_eq!(w.code(), "store_unavailable");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RouterWarning::Quota(quota) => quota.code(),
            RouterWarning::StoreUnavailable { .. } => "store_unavailable",
            RouterWarning::StoreRecovered { .. } => "store_recovered",
        }
    }
}

impl fmt::Display for RouterWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouterWarning::Quota(quota) => quota.fmt(f),
            RouterWarning::StoreUnavailable { part, error } => write!(
                f,
                "the store's {} failed ({error}); {}",
                part.code().replace('_', " "),
                part.fallback()
            ),
            RouterWarning::StoreRecovered { part } => {
                write!(
                    f,
                    "the store's {} works again",
                    part.code().replace('_', " ")
                )
            }
        }
    }
}

/// What the router does with paid calls while the budget ledger cannot be reached.
///
/// ```
/// assert_eq!(shiming::LedgerDown::default(), shiming::LedgerDown::Refuse);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LedgerDown {
    /// Refuse them ([`crate::ErrorKind::BudgetExhausted`], not sent): no budget is passed
    /// while nobody can count (fail closed; the default).
    #[default]
    Refuse,
    /// Send them uncounted: availability over the budget.
    Send,
}

/// What [`crate::RouterBuilder::on_warning`] is given.
type Callback = dyn Fn(&RouterWarning) + Send + Sync;

/// The operator's callback, shared by the router's clones.
#[derive(Clone, Default)]
pub(crate) struct Warn(Option<Arc<Callback>>);

impl Warn {
    pub(crate) fn new(callback: Arc<Callback>) -> Warn {
        Warn(Some(callback))
    }

    /// Logs `warning` and hands it to the callback.
    pub(crate) fn emit(&self, warning: &RouterWarning) {
        tracing::warn!(code = warning.code(), "{warning}");
        if let Some(callback) = &self.0 {
            callback(warning);
        }
    }
}

impl fmt::Debug for Warn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Warn(callback)"
        } else {
            "Warn(tracing only)"
        })
    }
}
