//! The in-process backend: the three parts of the store side by side.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use governor::clock::{Clock, MonotonicClock};
use shiming_core::Date;

use crate::cache::{CachedVerdict, Claim, ClaimToken, MemoryCache};
use crate::keys::{CacheKey, LimitKey};
use crate::ledger::{
    Event, LedgerSnapshot, MemoryLedger, Reservation, ReserveOutcome, ReserveRequest,
    SettleOutcome, Settlement,
};
use crate::limit::{MemoryLimiter, Rate, RateDecision};
use crate::steps::{BeginOutcome, BeginSteps, EndOutcome, EndSteps};
use crate::{Store, StoreError};

/// The [`Store`] of one process, and the default: a [`MemoryLimiter`], a [`MemoryCache`] and a
/// [`MemoryLedger`], nothing to install. Each method is one step under its part's lock, so
/// the rules hold between the tasks and threads of the process; a fleet of processes needs a
/// shared backend. Its methods never fail but for [`StoreError::UnknownReservation`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use shiming_core::{Date, Identity, Price, Vendor, Verdict};
/// use shiming_store::cache::{CachedVerdict, Claim};
/// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
/// use shiming_store::ledger::{ReserveOutcome, ReserveRequest, Settlement};
/// use shiming_store::{MemoryStore, Store};
///
/// let store = MemoryStore::new();
/// let pepper = Pepper::new(vec![7; 32])?;
/// let who = Identity::unchecked("吴秀英", "11010219560409026X", None);
/// let key = CacheKey::new(&pepper, CheckKind::Two, &who);
/// let today = Date::new(2026, 11, 23).unwrap();
///
/// let Claim::Owner(_token) = store.claim(&key, Duration::from_secs(30)).await? else { unreachable!() };
/// let request = ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), today);
/// let ReserveOutcome::Reserved(reservation) = store.reserve(&request).await? else { unreachable!() };
/// // … the paid call answers `match` …
/// store.settle(&reservation, Settlement::Billed(Price::from_li(40))).await?;
/// let verdict = CachedVerdict { verdict: Verdict::Match, vendor: Vendor::Sfz2, request_id: None, at_unix: 1_795_000_000, price: Price::from_li(40) };
/// store.fill(&key, &verdict, Duration::from_secs(3_600)).await?;
///
/// assert_eq!(store.claim(&key, Duration::from_secs(30)).await?, Claim::Cached(verdict));
/// assert_eq!(store.snapshot(today).await?.overall.today.spent, Price::from_li(40));
/// # Ok::<(), shiming_store::StoreError>(())
/// # }).unwrap();
/// ```
pub struct MemoryStore<C: Clock = MonotonicClock> {
    limiter: MemoryLimiter<C>,
    cache: MemoryCache<C>,
    ledger: MemoryLedger,
}

impl<C: Clock> fmt::Debug for MemoryStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("limiter", &self.limiter)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// A store on the monotonic clock.
    ///
    /// ```
    /// let store = shiming_store::MemoryStore::new();
    /// assert!(store.cache().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> MemoryStore {
        MemoryStore::with_clock(MonotonicClock)
    }
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::new()
    }
}

impl<C: Clock + Clone> MemoryStore<C> {
    /// A store whose limiter, leases and TTLs run on `clock` (`FakeRelativeClock` in tests).
    ///
    /// ```
    /// let clock = shiming_store::clock::FakeRelativeClock::default();
    /// let store = shiming_store::MemoryStore::with_clock(clock.clone());
    /// clock.advance(std::time::Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn with_clock(clock: C) -> MemoryStore<C> {
        MemoryStore {
            limiter: MemoryLimiter::with_clock(clock.clone()),
            cache: MemoryCache::with_clock(clock),
            ledger: MemoryLedger::new(),
        }
    }

    /// The same store keeping at most `max_entries` cache entries
    /// ([`MemoryCache::with_max_entries`]).
    ///
    /// ```
    /// let store = shiming_store::MemoryStore::new().with_cache_max_entries(1_000);
    /// ```
    #[must_use]
    pub fn with_cache_max_entries(mut self, max_entries: usize) -> MemoryStore<C> {
        self.cache = self.cache.with_max_entries(max_entries);
        self
    }

    /// The rate limits.
    ///
    /// ```
    /// let store = shiming_store::MemoryStore::new();
    /// let _ = store.limiter();
    /// ```
    #[must_use]
    pub fn limiter(&self) -> &MemoryLimiter<C> {
        &self.limiter
    }

    /// The dedupe cache.
    ///
    /// ```
    /// assert_eq!(shiming_store::MemoryStore::new().cache().len(), 0);
    /// ```
    #[must_use]
    pub fn cache(&self) -> &MemoryCache<C> {
        &self.cache
    }

    /// The ledger.
    ///
    /// ```
    /// let store = shiming_store::MemoryStore::new();
    /// assert!(store.ledger().snapshot(shiming_core::Date::new(2026, 1, 1).unwrap()).vendors.is_empty());
    /// ```
    #[must_use]
    pub fn ledger(&self) -> &MemoryLedger {
        &self.ledger
    }
}

#[async_trait]
impl<C> Store for MemoryStore<C>
where
    C: Clock + Clone + Send + Sync + 'static,
{
    async fn acquire(&self, key: &LimitKey, rate: Rate) -> Result<RateDecision, StoreError> {
        Ok(self.limiter.acquire(key, rate))
    }

    async fn acquire_within(
        &self,
        key: &LimitKey,
        rate: Rate,
        within: Duration,
    ) -> Result<RateDecision, StoreError> {
        Ok(self.limiter.acquire_within(key, rate, within))
    }

    async fn refund(&self, key: &LimitKey, rate: Rate) -> Result<(), StoreError> {
        self.limiter.refund(key, rate);
        Ok(())
    }

    async fn claim(&self, key: &CacheKey, lease: Duration) -> Result<Claim, StoreError> {
        Ok(self.cache.claim(key, lease))
    }

    async fn fill(
        &self,
        key: &CacheKey,
        verdict: &CachedVerdict,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.cache.fill(key, verdict, ttl);
        Ok(())
    }

    async fn abandon(&self, key: &CacheKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.cache.abandon(key, token);
        Ok(())
    }

    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        Ok(self.ledger.reserve(request))
    }

    async fn settle(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
    ) -> Result<SettleOutcome, StoreError> {
        self.ledger.settle(reservation, settlement)
    }

    async fn record(&self, event: Event) -> Result<(), StoreError> {
        self.ledger.record(event);
        Ok(())
    }

    async fn snapshot(&self, today: Date) -> Result<LedgerSnapshot, StoreError> {
        Ok(self.ledger.snapshot(today))
    }

    /// Each part at once, without a future of its own.
    async fn begin(&self, steps: &BeginSteps<'_>) -> BeginOutcome {
        BeginOutcome {
            claim: steps
                .claim
                .map(|(key, lease)| Ok(self.cache.claim(key, lease))),
            acquire: steps
                .acquire
                .map(|(key, rate)| Ok(self.limiter.acquire(key, rate))),
            reserve: steps
                .reserve
                .map(|request| Ok(self.ledger.reserve(request))),
        }
    }

    /// Each part at once, without a future of its own.
    async fn end(&self, steps: &EndSteps<'_>) -> EndOutcome {
        EndOutcome {
            settle: steps
                .settle
                .map(|(reservation, settlement)| self.ledger.settle(reservation, settlement)),
            fill: steps.fill.map(|(key, verdict, ttl)| {
                self.cache.fill(key, verdict, ttl);
                Ok(())
            }),
            abandon: steps.abandon.map(|(key, token)| {
                self.cache.abandon(key, token);
                Ok(())
            }),
            refund: steps.refund.map(|(key, rate)| {
                self.limiter.refund(key, rate);
                Ok(())
            }),
            record: steps.record.map(|event| {
                self.ledger.record(event);
                Ok(())
            }),
        }
    }
}
