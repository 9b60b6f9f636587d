//! One rate limit per credential and vendor: GCRA, a steady rate with a burst.
//!
//! GCRA (the generic cell rate algorithm) keeps one value per key, the "theoretical arrival
//! time", and is exact under concurrency when its check-and-set is atomic. In one process that
//! is [`MemoryLimiter`] (on `governor`'s clocks); a Redis backend runs the same algorithm in
//! one Lua script with the server's clock, so that a fleet shares one limit. Both can give back
//! a permit that was not used ([`MemoryLimiter::refund`]): the arrival time moves back by one
//! period, never below now.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock, Reference};
use governor::nanos::Nanos;

use crate::keys::LimitKey;
use crate::StoreError;

/// A rate limit: a steady `qps` (calls per second, fractions allowed: `0.5` is one call every
/// two seconds) and a `burst` — how many calls may go at once after a quiet spell. With
/// `burst` 1 the calls are evenly spaced. Any one second holds at most `qps + burst - 1`
/// permits (the burst, then the steady rate; `qps` rounded up), and the marketplace's flow
/// control counts calls per second: when `qps` is the marketplace's limit, keep `burst` at 1,
/// or lower `qps` by `burst - 1`. Calls also reach the marketplace with some jitter after their
/// permits, so a `qps` a little under its limit leaves room for it (the facade's configuration
/// paces at 97.5 % of the `qps` it is given).
///
/// ```
/// use std::time::Duration;
/// use shiming_store::limit::Rate;
/// let rate = Rate::new(20.0, 5).unwrap();
/// assert_eq!((rate.qps(), rate.burst()), (20.0, 5));
/// assert_eq!(rate.period(), Duration::from_millis(50));
/// assert!(Rate::new(0.0, 5).is_err());
/// assert!(Rate::new(20.0, 0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    qps: f64,
    burst: NonZeroU32,
}

impl Rate {
    /// The highest `qps` accepted: a million calls a second (one each microsecond), far above
    /// any vendor's limit (the marketplace caps an API group at 500).
    ///
    /// ```
    /// assert!(shiming_store::limit::Rate::new(shiming_store::limit::Rate::MAX_QPS * 2.0, 1).is_err());
    /// ```
    pub const MAX_QPS: f64 = 1_000_000.0;

    /// The lowest `qps` accepted: one call every 1,000 seconds. A slower limit is a budget,
    /// not a rate.
    ///
    /// ```
    /// assert!(shiming_store::limit::Rate::new(shiming_store::limit::Rate::MIN_QPS / 2.0, 1).is_err());
    /// ```
    pub const MIN_QPS: f64 = 0.001;

    /// `qps` calls per second with bursts of `burst`. Refused (a [`StoreError::Config`]) when
    /// `qps` is not a number between [`Rate::MIN_QPS`] and [`Rate::MAX_QPS`], or `burst` is 0.
    ///
    /// ```
    /// use shiming_store::limit::Rate;
    /// assert!(Rate::new(f64::NAN, 1).is_err());
    /// assert!(Rate::new(f64::INFINITY, 1).is_err());
    /// assert!(Rate::new(0.5, 1).is_ok());
    /// ```
    pub fn new(qps: f64, burst: u32) -> Result<Rate, StoreError> {
        if !(Rate::MIN_QPS..=Rate::MAX_QPS).contains(&qps) {
            return Err(StoreError::Config(format!(
                "a rate limit's qps must be between {} and {}",
                Rate::MIN_QPS,
                Rate::MAX_QPS
            )));
        }
        let Some(burst) = NonZeroU32::new(burst) else {
            return Err(StoreError::Config(
                "a rate limit's burst must be at least 1".into(),
            ));
        };
        Ok(Rate { qps, burst })
    }

    /// Calls per second.
    ///
    /// ```
    /// assert_eq!(shiming_store::limit::Rate::new(2.5, 1).unwrap().qps(), 2.5);
    /// ```
    #[must_use]
    pub fn qps(self) -> f64 {
        self.qps
    }

    /// Calls that may go at once.
    ///
    /// ```
    /// assert_eq!(shiming_store::limit::Rate::new(2.5, 3).unwrap().burst(), 3);
    /// ```
    #[must_use]
    pub fn burst(self) -> u32 {
        self.burst.get()
    }

    /// The steady spacing of calls, `1 / qps` (to the nanosecond).
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(shiming_store::limit::Rate::new(0.5, 1).unwrap().period(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn period(self) -> Duration {
        // `qps` is in [0.001, 1e6]: the period is between 1 µs and 1,000 s.
        Duration::from_secs_f64(1.0 / self.qps)
    }
}

/// What the limit says about one call now.
///
/// ```
/// use std::time::Duration;
/// use shiming_store::limit::RateDecision;
/// assert!(RateDecision::Allowed.is_allowed());
/// assert!(!RateDecision::Wait(Duration::from_millis(20)).is_allowed());
/// assert_eq!(RateDecision::Wait(Duration::from_millis(20)).wait(), Duration::from_millis(20));
/// assert!(RateDecision::Booked(Duration::from_millis(20)).is_allowed());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// A permit was taken: send the call.
    Allowed,
    /// No permit was taken: the next one is free after this long. Ask again then (another
    /// instance may take it first), or give up if the wait passes the caller's `max_wait`.
    Wait(Duration),
    /// A permit was taken for a moment this long from now (booked by
    /// [`MemoryLimiter::acquire_within`] or [`Store::acquire_within`](crate::Store::acquire_within)):
    /// wait that long, then send. Booking keeps the schedule of permits: a waiter that wakes
    /// late loses nothing, and nobody else can take the slot meanwhile.
    Booked(Duration),
}

impl RateDecision {
    /// Whether a permit was taken.
    ///
    /// ```
    /// assert!(shiming_store::limit::RateDecision::Allowed.is_allowed());
    /// ```
    #[must_use]
    pub fn is_allowed(self) -> bool {
        matches!(self, RateDecision::Allowed | RateDecision::Booked(_))
    }

    /// How long to wait: before asking again ([`RateDecision::Wait`]), before sending
    /// ([`RateDecision::Booked`]), or zero ([`RateDecision::Allowed`]).
    ///
    /// ```
    /// assert!(shiming_store::limit::RateDecision::Allowed.wait().is_zero());
    /// ```
    #[must_use]
    pub fn wait(self) -> std::time::Duration {
        match self {
            RateDecision::Allowed => Duration::ZERO,
            RateDecision::Wait(d) | RateDecision::Booked(d) => d,
        }
    }
}

/// One key's state: the rate it was made for and GCRA's theoretical arrival time.
struct Slot<I> {
    rate: Rate,
    tat: I,
}

/// GCRA rate limits in one process, one per [`LimitKey`]. The rate comes with each call; a key
/// asked with a new rate starts afresh under it (a configuration reload). The clock is
/// `governor`'s: [`MonotonicClock`] by default, `FakeRelativeClock` in tests
/// ([`MemoryLimiter::with_clock`]).
///
/// The algorithm is GCRA itself, one arrival time per key under one lock, rather than
/// `governor`'s limiter: `governor` cannot give a permit back, and a side count of refunded
/// permits could not honour "never below now" (a refunded permit and one that came back with
/// time could then both go within one period, past the burst). Here a refund moves the
/// arrival time back exactly as the Redis script does.
///
/// ```
/// use shiming_core::Vendor;
/// use shiming_store::{keys::LimitKey, limit::{MemoryLimiter, Rate}};
/// let limiter = MemoryLimiter::new();
/// let key = LimitKey::new("appcode", Vendor::Tel3);
/// let rate = Rate::new(1.0, 2).unwrap();
/// assert!(limiter.acquire(&key, rate).is_allowed());
/// assert!(limiter.acquire(&key, rate).is_allowed());
/// assert!(!limiter.acquire(&key, rate).is_allowed()); // the burst of 2 is spent
/// ```
pub struct MemoryLimiter<C: Clock = MonotonicClock> {
    clock: C,
    slots: Mutex<HashMap<LimitKey, Slot<C::Instant>>>,
}

impl<C: Clock> fmt::Debug for MemoryLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryLimiter")
            .field("keys", &keys)
            .finish_non_exhaustive()
    }
}

impl MemoryLimiter {
    /// A limiter on the monotonic clock.
    ///
    /// ```
    /// let limiter = shiming_store::limit::MemoryLimiter::new();
    /// ```
    #[must_use]
    pub fn new() -> MemoryLimiter {
        MemoryLimiter::with_clock(MonotonicClock)
    }
}

impl Default for MemoryLimiter {
    fn default() -> MemoryLimiter {
        MemoryLimiter::new()
    }
}

impl<C: Clock + Clone> MemoryLimiter<C> {
    /// A limiter on `clock`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::Vendor;
    /// use shiming_store::{clock::FakeRelativeClock, keys::LimitKey, limit::{MemoryLimiter, Rate, RateDecision}};
    /// let clock = FakeRelativeClock::default();
    /// let limiter = MemoryLimiter::with_clock(clock.clone());
    /// let key = LimitKey::new("appcode", Vendor::Tel3);
    /// let rate = Rate::new(10.0, 1).unwrap();
    /// assert_eq!(limiter.acquire(&key, rate), RateDecision::Allowed);
    /// assert_eq!(limiter.acquire(&key, rate), RateDecision::Wait(Duration::from_millis(100)));
    /// clock.advance(Duration::from_millis(100));
    /// assert_eq!(limiter.acquire(&key, rate), RateDecision::Allowed);
    /// ```
    #[must_use]
    pub fn with_clock(clock: C) -> MemoryLimiter<C> {
        MemoryLimiter {
            clock,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one permit of `rate` for `key` if one is free now, or says how long until one is.
    ///
    /// ```
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::{MemoryLimiter, Rate}};
    /// let limiter = MemoryLimiter::new();
    /// assert!(limiter.acquire(&LimitKey::new("a", Vendor::Sfz2), Rate::new(5.0, 1).unwrap()).is_allowed());
    /// ```
    pub fn acquire(&self, key: &LimitKey, rate: Rate) -> RateDecision {
        self.acquire_within(key, rate, Duration::ZERO)
    }

    /// Takes one permit of `rate` for `key`: free now ([`RateDecision::Allowed`]), or the
    /// next free one when it comes within `within` ([`RateDecision::Booked`]: wait that long,
    /// then send); otherwise takes nothing and says how long until one is free.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::Vendor;
    /// use shiming_store::{clock::FakeRelativeClock, keys::LimitKey, limit::{MemoryLimiter, Rate, RateDecision}};
    /// let limiter = MemoryLimiter::with_clock(FakeRelativeClock::default());
    /// let key = LimitKey::new("appcode", Vendor::Tel3);
    /// let rate = Rate::new(10.0, 1).unwrap();
    /// let second = Duration::from_secs(1);
    /// assert_eq!(limiter.acquire_within(&key, rate, second), RateDecision::Allowed);
    /// assert_eq!(limiter.acquire_within(&key, rate, second), RateDecision::Booked(Duration::from_millis(100)));
    /// assert_eq!(limiter.acquire_within(&key, rate, second), RateDecision::Booked(Duration::from_millis(200)));
    /// assert_eq!(limiter.acquire_within(&key, rate, Duration::from_millis(250)), RateDecision::Wait(Duration::from_millis(300)));
    /// ```
    pub fn acquire_within(&self, key: &LimitKey, rate: Rate, within: Duration) -> RateDecision {
        let (period, tolerance) = gcra(rate);
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        let slot = slots.entry(key.clone()).or_insert(Slot { rate, tat: now });
        if slot.rate != rate {
            *slot = Slot { rate, tat: now };
        }
        let tat = slot.tat.max(now);
        let ahead = tat.duration_since(now);
        let wait = Duration::from(ahead.saturating_sub(tolerance));
        if ahead > tolerance && wait > within {
            return RateDecision::Wait(wait.max(Duration::from_nanos(1)));
        }
        slot.tat = tat + period;
        if ahead > tolerance {
            RateDecision::Booked(wait.max(Duration::from_nanos(1)))
        } else {
            RateDecision::Allowed
        }
    }

    /// Gives no permit of `rate` for `key` sooner than `delay` from now, and none from its
    /// burst at that moment: the steady rate resumes then. A limiter that takes over from
    /// another (a process's own, while the fleet's is down) holds until the permits the other
    /// gave have gone, so that the two do not add up.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::Vendor;
    /// use shiming_store::{clock::FakeRelativeClock, keys::LimitKey, limit::{MemoryLimiter, Rate, RateDecision}};
    /// let clock = FakeRelativeClock::default();
    /// let limiter = MemoryLimiter::with_clock(clock.clone());
    /// let key = LimitKey::new("appcode", Vendor::Tel3);
    /// let rate = Rate::new(5.0, 3).unwrap();
    /// limiter.hold(&key, rate, Duration::from_millis(500));
    /// assert_eq!(limiter.acquire(&key, rate), RateDecision::Wait(Duration::from_millis(500)));
    /// clock.advance(Duration::from_millis(500));
    /// assert_eq!(limiter.acquire(&key, rate), RateDecision::Allowed);
    /// assert!(!limiter.acquire(&key, rate).is_allowed()); // no burst
    /// ```
    pub fn hold(&self, key: &LimitKey, rate: Rate, delay: Duration) {
        let (_, tolerance) = gcra(rate);
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        let slot = slots.entry(key.clone()).or_insert(Slot { rate, tat: now });
        if slot.rate != rate {
            *slot = Slot { rate, tat: now };
        }
        let held = now + Nanos::from(delay) + tolerance;
        if held > slot.tat {
            slot.tat = held;
        }
    }

    /// Gives back one permit of `rate` for `key` that was taken and not used: the key's
    /// arrival time moves back by one period, never below now. Nothing happens for a key
    /// never asked, or asked since with another rate (it started afresh).
    ///
    /// ```
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::{MemoryLimiter, Rate}};
    /// let limiter = MemoryLimiter::new();
    /// let key = LimitKey::new("appcode", Vendor::Tel3);
    /// let rate = Rate::new(1.0, 1).unwrap();
    /// assert!(limiter.acquire(&key, rate).is_allowed());
    /// assert!(!limiter.acquire(&key, rate).is_allowed());
    /// limiter.refund(&key, rate);
    /// assert!(limiter.acquire(&key, rate).is_allowed());
    /// ```
    pub fn refund(&self, key: &LimitKey, rate: Rate) {
        let (period, _) = gcra(rate);
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        if let Some(slot) = slots.get_mut(key) {
            if slot.rate == rate {
                slot.tat = if slot.tat.duration_since(now) > period {
                    slot.tat.saturating_sub(period)
                } else {
                    now
                };
            }
        }
    }
}

/// GCRA's emission interval (the period) and tolerance (`burst - 1` periods).
fn gcra(rate: Rate) -> (Nanos, Nanos) {
    let period = Nanos::from(rate.period());
    (period, period * u64::from(rate.burst() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use shiming_core::Vendor;

    fn limiter() -> (FakeRelativeClock, MemoryLimiter<FakeRelativeClock>) {
        let clock = FakeRelativeClock::default();
        (clock.clone(), MemoryLimiter::with_clock(clock))
    }

    #[test]
    fn a_burst_then_one_permit_per_period() {
        let (clock, limiter) = limiter();
        let key = LimitKey::new("appcode", Vendor::Tel3);
        let rate = Rate::new(10.0, 3).unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.acquire(&key, rate), RateDecision::Allowed);
        }
        assert_eq!(
            limiter.acquire(&key, rate),
            RateDecision::Wait(Duration::from_millis(100))
        );
        // Asking again takes nothing: the wait only shrinks with time.
        clock.advance(Duration::from_millis(40));
        assert_eq!(
            limiter.acquire(&key, rate),
            RateDecision::Wait(Duration::from_millis(60))
        );
        clock.advance(Duration::from_millis(60));
        assert_eq!(limiter.acquire(&key, rate), RateDecision::Allowed);
        assert_eq!(
            limiter.acquire(&key, rate),
            RateDecision::Wait(Duration::from_millis(100))
        );
        // After a quiet spell the whole burst is back, and no more.
        clock.advance(Duration::from_secs(10));
        for _ in 0..3 {
            assert!(limiter.acquire(&key, rate).is_allowed());
        }
        assert!(!limiter.acquire(&key, rate).is_allowed());
    }

    #[test]
    fn the_steady_rate_over_a_long_run_is_the_configured_one() {
        let (clock, limiter) = limiter();
        let key = LimitKey::new("appcode", Vendor::Sjsys);
        let rate = Rate::new(50.0, 5).unwrap();
        let mut allowed = 0;
        // Ask every millisecond from 0 to 10 s inclusive: the burst of 5 at 0, then one each
        // 20 ms from 20 ms to 10 s (500).
        for _ in 0..=10_000 {
            if limiter.acquire(&key, rate).is_allowed() {
                allowed += 1;
            }
            clock.advance(Duration::from_millis(1));
        }
        assert_eq!(allowed, 5 + 500);
    }

    #[test]
    fn any_one_second_holds_at_most_qps_plus_burst_minus_one_permits() {
        for (qps, burst) in [(25.0, 1), (25.0, 25), (21.0, 5), (2.5, 3)] {
            let (clock, limiter) = limiter();
            let key = LimitKey::new("appcode", Vendor::Tel3);
            let rate = Rate::new(qps, burst).unwrap();
            // Ask every millisecond for 5 s, noting when each permit was given.
            let mut given = Vec::new();
            for ms in 0..5_000u64 {
                if limiter.acquire(&key, rate).is_allowed() {
                    given.push(ms);
                }
                clock.advance(Duration::from_millis(1));
            }
            let most = given
                .iter()
                .map(|start| {
                    given
                        .iter()
                        .filter(|t| **t >= *start && **t < start + 1_000)
                        .count()
                })
                .max()
                .unwrap();
            let bound = (qps.ceil() as usize) + burst as usize - 1;
            assert!(
                most <= bound,
                "qps {qps} burst {burst}: {most} in one second"
            );
            assert!(
                most + 1 >= bound,
                "qps {qps} burst {burst}: only {most} in one second"
            );
        }
    }

    #[test]
    fn keys_are_limited_apart() {
        let (_clock, limiter) = limiter();
        let rate = Rate::new(1.0, 1).unwrap();
        let tel3 = LimitKey::new("appcode", Vendor::Tel3);
        let sjsys = LimitKey::new("appcode", Vendor::Sjsys);
        let other = LimitKey::new("another appcode", Vendor::Tel3);
        assert!(limiter.acquire(&tel3, rate).is_allowed());
        assert!(!limiter.acquire(&tel3, rate).is_allowed());
        assert!(limiter.acquire(&sjsys, rate).is_allowed());
        assert!(limiter.acquire(&other, rate).is_allowed());
    }

    #[test]
    fn a_new_rate_for_a_key_starts_afresh() {
        let (_clock, limiter) = limiter();
        let key = LimitKey::new("appcode", Vendor::Tel3);
        let slow = Rate::new(1.0, 1).unwrap();
        assert!(limiter.acquire(&key, slow).is_allowed());
        assert_eq!(
            limiter.acquire(&key, slow),
            RateDecision::Wait(Duration::from_secs(1))
        );
        let fast = Rate::new(100.0, 2).unwrap();
        assert!(limiter.acquire(&key, fast).is_allowed());
        assert!(limiter.acquire(&key, fast).is_allowed());
        assert_eq!(
            limiter.acquire(&key, fast),
            RateDecision::Wait(Duration::from_millis(10))
        );
    }

    #[test]
    fn fractional_rates_space_calls_seconds_apart() {
        let (clock, limiter) = limiter();
        let key = LimitKey::new("appcode", Vendor::Sfz2);
        let rate = Rate::new(0.25, 1).unwrap();
        assert!(limiter.acquire(&key, rate).is_allowed());
        assert_eq!(
            limiter.acquire(&key, rate),
            RateDecision::Wait(Duration::from_secs(4))
        );
        clock.advance(Duration::from_secs(4));
        assert!(limiter.acquire(&key, rate).is_allowed());
    }

    #[test]
    fn a_refund_moves_the_arrival_time_back_one_period_never_below_now() {
        let (clock, limiter) = limiter();
        let key = LimitKey::new("appcode", Vendor::Tel3);
        let rate = Rate::new(10.0, 2).unwrap();
        assert!(limiter.acquire(&key, rate).is_allowed());
        assert!(limiter.acquire(&key, rate).is_allowed());
        // The burst is spent; a refund gives one permit back at once, and only one.
        limiter.refund(&key, rate);
        assert!(limiter.acquire(&key, rate).is_allowed());
        assert_eq!(
            limiter.acquire(&key, rate),
            RateDecision::Wait(Duration::from_millis(100))
        );
        // 150 ms on, the arrival time (200 ms) is less than a period ahead: a refund brings it
        // to now, a full burst, not beyond it.
        clock.advance(Duration::from_millis(150));
        limiter.refund(&key, rate);
        limiter.refund(&key, rate);
        assert!(limiter.acquire(&key, rate).is_allowed());
        assert!(limiter.acquire(&key, rate).is_allowed());
        assert_eq!(
            limiter.acquire(&key, rate),
            RateDecision::Wait(Duration::from_millis(100))
        );
        // A refund under another rate than the key's gives nothing back.
        limiter.refund(&key, Rate::new(5.0, 2).unwrap());
        assert!(!limiter.acquire(&key, rate).is_allowed());
    }

    #[test]
    fn rates_are_validated() {
        for qps in [0.0, -1.0, 0.000_9, f64::NAN, f64::INFINITY, 2e6] {
            assert!(Rate::new(qps, 1).is_err(), "{qps}");
        }
        assert!(Rate::new(1.0, 0).is_err());
        assert!(Rate::new(Rate::MAX_QPS, u32::MAX).is_ok());
        assert_eq!(
            Rate::new(Rate::MIN_QPS, 1).unwrap().period(),
            Duration::from_secs(1000)
        );
        assert_eq!(
            Rate::new(Rate::MAX_QPS, 1).unwrap().period(),
            Duration::from_micros(1)
        );
    }
}
