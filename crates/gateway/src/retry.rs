//! Retry policy as data (after async-stripe's `RequestStrategy`).
//!
//! A [`RetryPolicy`] says how many attempts a call may take and how long to wait between
//! them; [`RetryPolicy::next_delay`] is a pure function of the attempts made, how the last one
//! failed (its [`Error::retry_safety`], the rule the router's failover reads too) and a
//! jitter value the caller supplies (see [`jitter`]).
//!
//! Every call is billable, so the default is [`RetryPolicy::none`]: one attempt. Even when
//! retries are enabled, only [`RetrySafety::Transient`](shiming_core::RetrySafety::Transient) failures are repeated; a call that
//! may have been charged ([`RetrySafety::MayCharge`](shiming_core::RetrySafety::MayCharge): sent, then no answer) is repeated only
//! when the caller opted in with [`RetryPolicy::retry_may_have_been_charged`].
//!
//! ```
//! use std::time::Duration;
//! use shiming_core::{Error, ErrorKind};
//! use shiming_gateway::retry::RetryPolicy;
//! let policy = RetryPolicy::standard();
//! let delay = policy.next_delay(1, &Error::new(ErrorKind::NotSent, "refused"), 1.0);
//! assert_eq!(delay, Some(Duration::from_millis(100)));
//! let timeout = Error::new(ErrorKind::MayHaveBeenCharged, "timed out");
//! assert_eq!(policy.next_delay(1, &timeout, 1.0), None);
//! ```

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shiming_core::Error;

/// How many attempts a call may take and how long to wait between them.
///
/// The delay before attempt `n + 1` is `initial × 2^(n − 1)`, capped at `max`, then scaled by
/// a jitter factor between ½ and 1 ("equal jitter"), and raised to the server's `Retry-After`
/// when that is longer — but never above `max`.
///
/// ```
/// use std::time::Duration;
/// use shiming_gateway::retry::RetryPolicy;
/// let policy = RetryPolicy::standard()
///     .max_attempts(5)
///     .backoff(Duration::from_millis(50), Duration::from_secs(1));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(RetryPolicy::default(), RetryPolicy::none());
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial: Duration,
    max: Duration,
    retry_may_have_been_charged: bool,
}

impl RetryPolicy {
    /// One attempt, never a retry (the default: every call is billable).
    ///
    /// ```
    /// use shiming_core::{Error, ErrorKind};
    /// use shiming_gateway::retry::RetryPolicy;
    /// let not_sent = Error::new(ErrorKind::NotSent, "x");
    /// assert_eq!(RetryPolicy::none().next_delay(1, &not_sent, 0.5), None);
    /// ```
    pub const fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            retry_may_have_been_charged: false,
        }
    }

    /// Up to 3 attempts, jittered exponential backoff from 100 ms up to 2 s; calls that may
    /// have been charged are still not retried.
    ///
    /// ```
    /// use shiming_core::{Error, ErrorKind};
    /// use shiming_gateway::retry::RetryPolicy;
    /// let p = RetryPolicy::standard();
    /// let quota = Error::new(ErrorKind::QuotaExhausted, "Quota Exhausted");
    /// assert!(p.next_delay(2, &quota, 0.5).is_some());
    /// assert!(p.next_delay(3, &quota, 0.5).is_none());
    /// ```
    pub const fn standard() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::none()
        }
    }

    /// The total number of attempts allowed, the first one included (0 is taken as 1).
    ///
    /// ```
    /// use shiming_gateway::retry::RetryPolicy;
    /// assert_eq!(RetryPolicy::none().max_attempts(0).attempts(), 1);
    /// ```
    pub const fn max_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.max_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// The first delay and the cap on every delay (`Retry-After` included).
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::{Error, ErrorKind};
    /// use shiming_gateway::retry::RetryPolicy;
    /// let p = RetryPolicy::standard().backoff(Duration::from_secs(1), Duration::from_secs(3));
    /// let not_sent = Error::new(ErrorKind::NotSent, "x");
    /// assert_eq!(p.next_delay(2, &not_sent, 1.0), Some(Duration::from_secs(2)));
    /// ```
    pub const fn backoff(mut self, initial: Duration, max: Duration) -> RetryPolicy {
        self.initial = initial;
        self.max = max;
        self
    }

    /// Whether a call that may have been charged ([`RetrySafety::MayCharge`](shiming_core::RetrySafety::MayCharge): sent, then a
    /// timeout or a dropped connection) is retried too. Off by default: opting in accepts that
    /// the vendor may bill both attempts. (Signed requests are re-signed with a fresh nonce on
    /// every attempt.)
    ///
    /// ```
    /// use shiming_core::{Error, ErrorKind};
    /// use shiming_gateway::retry::RetryPolicy;
    /// let p = RetryPolicy::standard().retry_may_have_been_charged(true);
    /// let timeout = Error::new(ErrorKind::MayHaveBeenCharged, "timed out");
    /// assert!(p.next_delay(1, &timeout, 0.5).is_some());
    /// ```
    pub const fn retry_may_have_been_charged(mut self, retry: bool) -> RetryPolicy {
        self.retry_may_have_been_charged = retry;
        self
    }

    /// The total number of attempts allowed, the first one included.
    ///
    /// ```
    /// assert_eq!(shiming_gateway::retry::RetryPolicy::standard().attempts(), 3);
    /// ```
    #[must_use]
    pub const fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether this failure is retried at all (attempts left aside): its
    /// [`Error::retry_safety`] allows a retry, with this policy's
    /// [`RetryPolicy::retry_may_have_been_charged`] as the opt-in.
    ///
    /// ```
    /// use shiming_core::{Error, ErrorKind};
    /// use shiming_gateway::retry::RetryPolicy;
    /// assert!(RetryPolicy::none().retries(&Error::new(ErrorKind::NotSent, "x")));
    /// assert!(!RetryPolicy::standard().retries(&Error::new(ErrorKind::Unauthorized, "x")));
    /// ```
    #[must_use]
    pub fn retries(&self, failure: &Error) -> bool {
        failure
            .retry_safety()
            .allows_retry(self.retry_may_have_been_charged)
    }

    /// How long to wait before the next attempt, or `None` to give up.
    ///
    /// `attempt` is the number of attempts already made (1 after the first; 0 counts as 1);
    /// `jitter` is a number in `0..=1` from the caller (usually [`jitter`]; values outside
    /// are clamped), so that the function is pure and tests are deterministic. A longer `Retry-After` replaces
    /// the backoff, but the result never exceeds the policy's maximum delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::{Error, ErrorKind};
    /// use shiming_gateway::retry::RetryPolicy;
    /// let p = RetryPolicy::standard();
    /// let not_sent = Error::new(ErrorKind::NotSent, "x");
    /// assert_eq!(p.next_delay(1, &not_sent, 0.0), Some(Duration::from_millis(50)));
    /// assert_eq!(p.next_delay(2, &not_sent, 1.0), Some(Duration::from_millis(200)));
    /// let wait = Error::new(ErrorKind::Throttled, "x").with_retry_after(Duration::from_secs(1));
    /// assert_eq!(p.next_delay(1, &wait, 0.0), Some(Duration::from_secs(1)));
    /// assert_eq!(p.next_delay(3, &not_sent, 0.0), None);
    /// ```
    #[must_use]
    pub fn next_delay(&self, attempt: u32, failure: &Error, jitter: f64) -> Option<Duration> {
        let safety = failure.retry_safety();
        if !safety.allows_retry(self.retry_may_have_been_charged)
            || attempt.max(1) >= self.max_attempts
        {
            return None;
        }
        let doublings = attempt.saturating_sub(1);
        let backoff = 1u32
            .checked_shl(doublings)
            .and_then(|factor| self.initial.checked_mul(factor))
            .map_or(self.max, |d| d.min(self.max));
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let factor = 0.5 + jitter / 2.0;
        // `try_from`: a huge `max` must not make the float round trip overflow.
        let delay = Duration::try_from_secs_f64(backoff.as_secs_f64() * factor)
            .map_or(backoff, |d| d.min(backoff));
        let delay = match safety.retry_after() {
            Some(after) if after > delay => after,
            _ => delay,
        };
        Some(delay.min(self.max))
    }
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::none`].
    fn default() -> RetryPolicy {
        RetryPolicy::none()
    }
}

/// A jitter value in `0..1` for [`RetryPolicy::next_delay`].
///
/// Cheap and not cryptographic: the current time hashed with std's randomly keyed
/// `RandomState` (SipHash; each `RandomState` gets fresh keys), so concurrent clients spread
/// their retries. Not for anything secret.
///
/// ```
/// let j = shiming_gateway::retry::jitter();
/// assert!((0.0..1.0).contains(&j));
/// ```
#[must_use]
pub fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let hash = RandomState::new().hash_one(nanos);
    // The top 53 bits, as a fraction of 2^53: exactly representable, below 1.
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses a `Retry-After` header given in delta-seconds (`"120"`).
///
/// The HTTP-date form (`"Wed, 21 Oct 2015 07:28:00 GMT"`) gives `None` (the gateway is not
/// known to send it, and comparing clocks would need the server's `Date`), as do empty,
/// signed, fractional or overflowing values.
///
/// ```
/// use std::time::Duration;
/// use shiming_gateway::retry::parse_retry_after;
/// assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
/// ```
#[must_use]
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{gateway_failure, into_error};
    use shiming_core::{ErrorKind, RetrySafety};

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn not_sent() -> Error {
        Error::new(ErrorKind::NotSent, "could not connect")
    }

    /// Flow control, with the server's `Retry-After` if any.
    fn throttled(retry_after: Option<Duration>) -> Error {
        let e = Error::new(ErrorKind::Throttled, "Throttled by APP Flow Control");
        match retry_after {
            Some(after) => e.with_retry_after(after),
            None => e,
        }
    }

    /// A gateway 503 before the vendor did any work, with its `Retry-After` if any.
    fn unavailable(retry_after: Option<Duration>) -> Error {
        let e = Error::new(ErrorKind::VendorFault, "Service Unavailable").with_transient(true);
        match retry_after {
            Some(after) => e.with_retry_after(after),
            None => e,
        }
    }

    fn may_have_been_charged() -> Error {
        Error::new(ErrorKind::MayHaveBeenCharged, "timed out")
    }

    /// Not retried whatever the policy: credentials.
    fn other() -> Error {
        Error::new(ErrorKind::Unauthorized, "Unauthorized")
    }

    fn safe_failures() -> [Error; 6] {
        [
            not_sent(),
            throttled(None),
            throttled(Some(MS(10))),
            unavailable(None),
            unavailable(Some(MS(10))),
            Error::new(ErrorKind::QuotaExhausted, "Quota Exhausted"),
        ]
    }

    #[test]
    fn none_never_retries() {
        let p = RetryPolicy::none();
        assert_eq!(p, RetryPolicy::default());
        assert_eq!(p.attempts(), 1);
        for failure in safe_failures()
            .into_iter()
            .chain([may_have_been_charged(), other()])
        {
            for attempt in 0..5 {
                assert_eq!(p.next_delay(attempt, &failure, 0.5), None, "{failure:?}");
            }
        }
        // Even opting in to "may have been charged" does not add attempts.
        let p = RetryPolicy::none().retry_may_have_been_charged(true);
        assert_eq!(p.next_delay(1, &may_have_been_charged(), 0.5), None);
    }

    #[test]
    fn standard_retries_only_what_did_no_work() {
        let p = RetryPolicy::standard();
        for failure in safe_failures() {
            assert!(p.next_delay(1, &failure, 0.5).is_some(), "{failure:?}");
            assert!(p.next_delay(2, &failure, 0.5).is_some(), "{failure:?}");
            assert_eq!(p.next_delay(3, &failure, 0.5), None, "{failure:?}");
        }
        assert_eq!(p.next_delay(1, &may_have_been_charged(), 0.5), None);
        assert_eq!(p.next_delay(1, &other(), 0.5), None);
        let p = p.retry_may_have_been_charged(true);
        assert!(p.next_delay(1, &may_have_been_charged(), 0.5).is_some());
        assert_eq!(p.next_delay(1, &other(), 0.5), None);
    }

    #[test]
    fn attempts_cap() {
        let p = RetryPolicy::standard().max_attempts(5);
        for attempt in 1..5 {
            assert!(p.next_delay(attempt, &not_sent(), 0.5).is_some());
        }
        for attempt in [5, 6, u32::MAX] {
            assert_eq!(p.next_delay(attempt, &not_sent(), 0.5), None);
        }
        assert_eq!(RetryPolicy::standard().max_attempts(0).attempts(), 1);
        assert_eq!(
            RetryPolicy::standard()
                .max_attempts(1)
                .next_delay(1, &not_sent(), 0.5),
            None
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::standard().max_attempts(u32::MAX);
        let full: Vec<_> = (1..=7)
            .map(|a| p.next_delay(a, &not_sent(), 1.0).unwrap())
            .collect();
        assert_eq!(
            full,
            [
                MS(100),
                MS(200),
                MS(400),
                MS(800),
                MS(1600),
                MS(2000),
                MS(2000)
            ]
        );
        // Huge attempt numbers neither overflow nor exceed the cap.
        for attempt in [31, 32, 33, 1000, u32::MAX - 1] {
            assert_eq!(p.next_delay(attempt, &not_sent(), 1.0), Some(MS(2000)));
        }
        let p = RetryPolicy::standard()
            .max_attempts(10)
            .backoff(Duration::from_secs(1), Duration::from_secs(5));
        assert_eq!(
            p.next_delay(3, &not_sent(), 1.0),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            p.next_delay(4, &not_sent(), 1.0),
            Some(Duration::from_secs(5))
        );
        let zero = p.backoff(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.next_delay(1, &not_sent(), 1.0), Some(Duration::ZERO));
    }

    #[test]
    fn jitter_scales_between_half_and_full() {
        let p = RetryPolicy::standard();
        let at = |j: f64| p.next_delay(2, &not_sent(), j).unwrap();
        assert_eq!(at(0.0), MS(100));
        assert_eq!(at(0.5), MS(150));
        assert_eq!(at(1.0), MS(200));
        // Out-of-range values are clamped.
        assert_eq!(at(-3.0), MS(100));
        assert_eq!(at(7.0), MS(200));
        assert_eq!(at(f64::NAN), MS(100));
        assert_eq!(at(f64::INFINITY), MS(200));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::standard();
        let throttled = |s: u64| throttled(Some(MS(s)));
        // Longer than the backoff: used.
        assert_eq!(p.next_delay(1, &throttled(700), 1.0), Some(MS(700)));
        let unavailable = unavailable(Some(MS(1500)));
        assert_eq!(p.next_delay(1, &unavailable, 0.0), Some(MS(1500)));
        // Shorter than the backoff: the backoff wins.
        assert_eq!(p.next_delay(2, &throttled(10), 1.0), Some(MS(200)));
        // Longer than the cap: capped.
        assert_eq!(p.next_delay(1, &throttled(60_000), 0.0), Some(MS(2000)));
        // Not a retryable failure: still none.
        assert_eq!(p.next_delay(1, &other(), 0.0), None);
        let lasting =
            Error::new(ErrorKind::VendorFault, "Internal Error").with_retry_after(MS(1500));
        assert_eq!(p.next_delay(1, &lasting, 0.0), None);
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(values.iter().all(|j| (0.0..1.0).contains(j)));
        let distinct = values
            .iter()
            .map(|j| j.to_bits())
            .collect::<std::collections::HashSet<_>>();
        assert!(distinct.len() > 900, "{}", distinct.len());
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((0.4..0.6).contains(&mean), "{mean}");
    }

    #[test]
    fn retry_after_parsing() {
        for (value, expected) in [
            ("0", Some(0)),
            ("120", Some(120)),
            ("  5\t", Some(5)),
            ("", None),
            ("   ", None),
            ("-1", None),
            ("+5", None),
            ("1.5", None),
            ("5s", None),
            ("99999999999999999999999", None),
            ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ] {
            assert_eq!(
                parse_retry_after(value),
                expected.map(Duration::from_secs),
                "{value:?}"
            );
        }
    }

    /// What the client's gateway failures (read with a `Retry-After`) and errors of a kind
    /// alone are, for retrying.
    #[test]
    fn safety_of_gateway_failures_and_kinds() {
        let after = Some(Duration::from_secs(1));
        let safety = |status, code, message| {
            let mut f = gateway_failure(status, code, Some(message), true).unwrap();
            f.retry_after = after;
            into_error(f, "tel3", None).retry_safety()
        };
        let wait = RetrySafety::Transient { retry_after: after };
        let now = RetrySafety::Transient { retry_after: None };
        assert_eq!(safety(403, None, "Throttled by APP Flow Control"), wait);
        assert_eq!(safety(429, Some("T429ID"), "x"), wait);
        assert_eq!(safety(503, None, "Service Unavailable"), wait);
        assert_eq!(safety(403, Some("B403MQ"), "x"), now);
        for (status, message) in [
            (504, "Async Service"),
            (500, "Internal Error"),
            (502, "Failed To Invoke Backend Service"),
            (403, "Unauthorized"),
            (404, "API Not Found"),
            (413, "Request body too Large"),
        ] {
            let s = safety(status, None, message);
            assert!(!s.allows_retry(true), "{message}: {s:?}");
        }
        let of_kind = |kind| Error::new(kind, "x").retry_safety();
        assert_eq!(of_kind(ErrorKind::NotSent), now);
        assert_eq!(of_kind(ErrorKind::Throttled), now);
        assert_eq!(of_kind(ErrorKind::QuotaExhausted), now);
        assert_eq!(
            of_kind(ErrorKind::MayHaveBeenCharged),
            RetrySafety::MayCharge
        );
        assert_eq!(of_kind(ErrorKind::Unauthorized), RetrySafety::ElsewhereOnly);
        assert_eq!(of_kind(ErrorKind::VendorFault), RetrySafety::ElsewhereOnly);
    }
}
