//! Retry policy as data (after async-stripe's `RequestStrategy`).
//!
//! A [`RetryPolicy`] says how many attempts a call may take and how long to wait between
//! them; [`RetryPolicy::next_delay`] is a pure function of the attempts made, how the last one
//! failed ([`RetryInput`]) and a jitter value the caller supplies (see [`jitter`]).
//!
//! Every call is billable, so the default is [`RetryPolicy::none`]: one attempt. Even when
//! retries are enabled, a call that may have been charged (sent, then no answer) is repeated
//! only when the caller opted in with [`RetryPolicy::retry_may_have_been_charged`].
//!
//! ```
//! use std::time::Duration;
//! use shiming_gateway::retry::{RetryInput, RetryPolicy};
//! let policy = RetryPolicy::standard();
//! let delay = policy.next_delay(1, &RetryInput::NotSent, 1.0);
//! assert_eq!(delay, Some(Duration::from_millis(100)));
//! assert_eq!(policy.next_delay(1, &RetryInput::MayHaveBeenCharged, 1.0), None);
//! ```

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shiming_core::ErrorKind;

use crate::classify::{GatewayFailure, RetryClass};

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
    /// use shiming_gateway::retry::{RetryInput, RetryPolicy};
    /// assert_eq!(RetryPolicy::none().next_delay(1, &RetryInput::NotSent, 0.5), None);
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
    /// use shiming_gateway::retry::{RetryInput, RetryPolicy};
    /// let p = RetryPolicy::standard();
    /// assert!(p.next_delay(2, &RetryInput::QuotaExhausted, 0.5).is_some());
    /// assert!(p.next_delay(3, &RetryInput::QuotaExhausted, 0.5).is_none());
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
    /// use shiming_gateway::retry::{RetryInput, RetryPolicy};
    /// let p = RetryPolicy::standard().backoff(Duration::from_secs(1), Duration::from_secs(3));
    /// assert_eq!(p.next_delay(2, &RetryInput::NotSent, 1.0), Some(Duration::from_secs(2)));
    /// ```
    pub const fn backoff(mut self, initial: Duration, max: Duration) -> RetryPolicy {
        self.initial = initial;
        self.max = max;
        self
    }

    /// Whether a call that may have been charged (sent, then a timeout or a dropped
    /// connection) is retried too. Off by default: opting in accepts that the vendor may bill
    /// both attempts. (Signed requests are re-signed with a fresh nonce on every attempt.)
    ///
    /// ```
    /// use shiming_gateway::retry::{RetryInput, RetryPolicy};
    /// let p = RetryPolicy::standard().retry_may_have_been_charged(true);
    /// assert!(p.next_delay(1, &RetryInput::MayHaveBeenCharged, 0.5).is_some());
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

    /// Whether this kind of failure is retried at all (attempts left aside).
    ///
    /// ```
    /// use shiming_gateway::retry::{RetryInput, RetryPolicy};
    /// assert!(RetryPolicy::none().retries(&RetryInput::NotSent));
    /// assert!(!RetryPolicy::standard().retries(&RetryInput::Other));
    /// ```
    #[must_use]
    pub const fn retries(&self, failure: &RetryInput) -> bool {
        match failure {
            RetryInput::NotSent
            | RetryInput::Throttled { .. }
            | RetryInput::Unavailable { .. }
            | RetryInput::QuotaExhausted => true,
            RetryInput::MayHaveBeenCharged => self.retry_may_have_been_charged,
            RetryInput::Other => false,
        }
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
    /// use shiming_gateway::retry::{RetryInput, RetryPolicy};
    /// let p = RetryPolicy::standard();
    /// assert_eq!(p.next_delay(1, &RetryInput::NotSent, 0.0), Some(Duration::from_millis(50)));
    /// assert_eq!(p.next_delay(2, &RetryInput::NotSent, 1.0), Some(Duration::from_millis(200)));
    /// let wait = RetryInput::Throttled { retry_after: Some(Duration::from_secs(1)) };
    /// assert_eq!(p.next_delay(1, &wait, 0.0), Some(Duration::from_secs(1)));
    /// assert_eq!(p.next_delay(3, &RetryInput::NotSent, 0.0), None);
    /// ```
    #[must_use]
    pub fn next_delay(&self, attempt: u32, failure: &RetryInput, jitter: f64) -> Option<Duration> {
        if !self.retries(failure) || attempt.max(1) >= self.max_attempts {
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
        let delay = match failure.retry_after() {
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

/// How an attempt failed, as far as retrying is concerned.
///
/// ```
/// use std::time::Duration;
/// use shiming_gateway::retry::RetryInput;
/// let t = RetryInput::Throttled { retry_after: Some(Duration::from_secs(2)) };
/// assert_eq!(t.retry_after(), Some(Duration::from_secs(2)));
/// assert_eq!(RetryInput::NotSent.retry_after(), None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryInput {
    /// The request never left this machine: safe.
    NotSent,
    /// Flow control refused it (the vendor did no work): safe after a delay.
    Throttled {
        /// The `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },
    /// The gateway answered 503 before the vendor processed it: safe after a delay.
    Unavailable {
        /// The `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },
    /// The package is used up or expired (the vendor did no work): safe, though the same
    /// credential usually keeps failing.
    QuotaExhausted,
    /// Sent, then no answer (timeout, reset): may have been charged. Retried only when the
    /// policy opted in.
    MayHaveBeenCharged,
    /// Anything else (credentials, configuration, input, a backend timeout, an unknown
    /// failure): never retried.
    Other,
}

impl RetryInput {
    /// The server's `Retry-After`, for [`RetryInput::Throttled`] and
    /// [`RetryInput::Unavailable`].
    ///
    /// ```
    /// use shiming_gateway::retry::RetryInput;
    /// assert_eq!(RetryInput::Unavailable { retry_after: None }.retry_after(), None);
    /// ```
    #[must_use]
    pub const fn retry_after(&self) -> Option<Duration> {
        match self {
            RetryInput::Throttled { retry_after } | RetryInput::Unavailable { retry_after } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The retry input for a classified gateway answer, with its `Retry-After` (see
    /// [`parse_retry_after`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_gateway::{classify::gateway_failure, retry::RetryInput};
    /// let f = gateway_failure(503, None, Some("Service Unavailable"), true).unwrap();
    /// let after = Some(Duration::from_secs(1));
    /// assert_eq!(RetryInput::from_failure(&f, after), RetryInput::Unavailable { retry_after: after });
    /// let f = gateway_failure(504, Some("D504TO"), None, true).unwrap();
    /// assert_eq!(RetryInput::from_failure(&f, None), RetryInput::Other);
    /// ```
    #[must_use]
    pub fn from_failure(failure: &GatewayFailure, retry_after: Option<Duration>) -> RetryInput {
        match (failure.retry, failure.kind) {
            (RetryClass::AfterDelay, ErrorKind::Throttled) => RetryInput::Throttled { retry_after },
            (RetryClass::AfterDelay, _) => RetryInput::Unavailable { retry_after },
            (RetryClass::SafeToRetry, _) => RetryInput::QuotaExhausted,
            _ => RetryInput::Other,
        }
    }

    /// The retry input for an error kind alone (a 503 cannot be told from other vendor
    /// faults this way; use [`RetryInput::from_failure`] for gateway answers).
    ///
    /// ```
    /// use shiming_core::ErrorKind;
    /// use shiming_gateway::retry::RetryInput;
    /// assert_eq!(RetryInput::from_kind(ErrorKind::NotSent), RetryInput::NotSent);
    /// assert_eq!(RetryInput::from_kind(ErrorKind::VendorFault), RetryInput::Other);
    /// ```
    #[must_use]
    pub const fn from_kind(kind: ErrorKind) -> RetryInput {
        match kind {
            ErrorKind::NotSent => RetryInput::NotSent,
            ErrorKind::Throttled => RetryInput::Throttled { retry_after: None },
            ErrorKind::QuotaExhausted => RetryInput::QuotaExhausted,
            ErrorKind::MayHaveBeenCharged => RetryInput::MayHaveBeenCharged,
            _ => RetryInput::Other,
        }
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
    use crate::classify::gateway_failure;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn safe_inputs() -> [RetryInput; 6] {
        [
            RetryInput::NotSent,
            RetryInput::Throttled { retry_after: None },
            RetryInput::Throttled {
                retry_after: Some(MS(10)),
            },
            RetryInput::Unavailable { retry_after: None },
            RetryInput::Unavailable {
                retry_after: Some(MS(10)),
            },
            RetryInput::QuotaExhausted,
        ]
    }

    #[test]
    fn none_never_retries() {
        let p = RetryPolicy::none();
        assert_eq!(p, RetryPolicy::default());
        assert_eq!(p.attempts(), 1);
        for input in safe_inputs()
            .into_iter()
            .chain([RetryInput::MayHaveBeenCharged, RetryInput::Other])
        {
            for attempt in 0..5 {
                assert_eq!(p.next_delay(attempt, &input, 0.5), None, "{input:?}");
            }
        }
        // Even opting in to "may have been charged" does not add attempts.
        let p = RetryPolicy::none().retry_may_have_been_charged(true);
        assert_eq!(p.next_delay(1, &RetryInput::MayHaveBeenCharged, 0.5), None);
    }

    #[test]
    fn standard_retries_only_what_did_no_work() {
        let p = RetryPolicy::standard();
        for input in safe_inputs() {
            assert!(p.next_delay(1, &input, 0.5).is_some(), "{input:?}");
            assert!(p.next_delay(2, &input, 0.5).is_some(), "{input:?}");
            assert_eq!(p.next_delay(3, &input, 0.5), None, "{input:?}");
        }
        assert_eq!(p.next_delay(1, &RetryInput::MayHaveBeenCharged, 0.5), None);
        assert_eq!(p.next_delay(1, &RetryInput::Other, 0.5), None);
        let p = p.retry_may_have_been_charged(true);
        assert!(p
            .next_delay(1, &RetryInput::MayHaveBeenCharged, 0.5)
            .is_some());
        assert_eq!(p.next_delay(1, &RetryInput::Other, 0.5), None);
    }

    #[test]
    fn attempts_cap() {
        let p = RetryPolicy::standard().max_attempts(5);
        for attempt in 1..5 {
            assert!(p.next_delay(attempt, &RetryInput::NotSent, 0.5).is_some());
        }
        for attempt in [5, 6, u32::MAX] {
            assert_eq!(p.next_delay(attempt, &RetryInput::NotSent, 0.5), None);
        }
        assert_eq!(RetryPolicy::standard().max_attempts(0).attempts(), 1);
        assert_eq!(
            RetryPolicy::standard()
                .max_attempts(1)
                .next_delay(1, &RetryInput::NotSent, 0.5),
            None
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::standard().max_attempts(u32::MAX);
        let full: Vec<_> = (1..=7)
            .map(|a| p.next_delay(a, &RetryInput::NotSent, 1.0).unwrap())
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
            assert_eq!(
                p.next_delay(attempt, &RetryInput::NotSent, 1.0),
                Some(MS(2000))
            );
        }
        let p = RetryPolicy::standard()
            .max_attempts(10)
            .backoff(Duration::from_secs(1), Duration::from_secs(5));
        assert_eq!(
            p.next_delay(3, &RetryInput::NotSent, 1.0),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            p.next_delay(4, &RetryInput::NotSent, 1.0),
            Some(Duration::from_secs(5))
        );
        let zero = p.backoff(Duration::ZERO, Duration::ZERO);
        assert_eq!(
            zero.next_delay(1, &RetryInput::NotSent, 1.0),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn jitter_scales_between_half_and_full() {
        let p = RetryPolicy::standard();
        let at = |j: f64| p.next_delay(2, &RetryInput::NotSent, j).unwrap();
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
        let throttled = |s: u64| RetryInput::Throttled {
            retry_after: Some(MS(s)),
        };
        // Longer than the backoff: used.
        assert_eq!(p.next_delay(1, &throttled(700), 1.0), Some(MS(700)));
        let unavailable = RetryInput::Unavailable {
            retry_after: Some(MS(1500)),
        };
        assert_eq!(p.next_delay(1, &unavailable, 0.0), Some(MS(1500)));
        // Shorter than the backoff: the backoff wins.
        assert_eq!(p.next_delay(2, &throttled(10), 1.0), Some(MS(200)));
        // Longer than the cap: capped.
        assert_eq!(p.next_delay(1, &throttled(60_000), 0.0), Some(MS(2000)));
        // Not a retryable failure: still none.
        assert_eq!(p.next_delay(1, &RetryInput::Other, 0.0), None);
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

    #[test]
    fn inputs_from_gateway_failures_and_kinds() {
        let after = Some(Duration::from_secs(1));
        let input = |status, code, message| {
            RetryInput::from_failure(
                &gateway_failure(status, code, Some(message), true).unwrap(),
                after,
            )
        };
        assert_eq!(
            input(403, None, "Throttled by APP Flow Control"),
            RetryInput::Throttled { retry_after: after }
        );
        assert_eq!(
            input(429, Some("T429ID"), "x"),
            RetryInput::Throttled { retry_after: after }
        );
        assert_eq!(
            input(503, None, "Service Unavailable"),
            RetryInput::Unavailable { retry_after: after }
        );
        assert_eq!(input(403, Some("B403MQ"), "x"), RetryInput::QuotaExhausted);
        for (status, message) in [
            (504, "Async Service"),
            (500, "Internal Error"),
            (502, "Failed To Invoke Backend Service"),
            (403, "Unauthorized"),
            (404, "API Not Found"),
            (413, "Request body too Large"),
        ] {
            assert_eq!(input(status, None, message), RetryInput::Other, "{message}");
        }
        assert_eq!(
            RetryInput::from_kind(ErrorKind::Throttled),
            RetryInput::Throttled { retry_after: None }
        );
        assert_eq!(
            RetryInput::from_kind(ErrorKind::QuotaExhausted),
            RetryInput::QuotaExhausted
        );
        assert_eq!(
            RetryInput::from_kind(ErrorKind::MayHaveBeenCharged),
            RetryInput::MayHaveBeenCharged
        );
        assert_eq!(
            RetryInput::from_kind(ErrorKind::Unauthorized),
            RetryInput::Other
        );
    }
}
