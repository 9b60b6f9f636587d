//! The one trait every backend implements.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use shiming_core::Date;

use crate::cache::{CachedVerdict, Claim, ClaimToken};
use crate::keys::{CacheKey, LimitKey};
use crate::ledger::{
    Event, LedgerSnapshot, Reservation, ReserveOutcome, ReserveRequest, SettleOutcome, Settlement,
};
use crate::limit::{Rate, RateDecision};
use crate::steps::{BeginOutcome, BeginSteps, EndOutcome, EndSteps};
use crate::StoreError;

/// Shared state for every instance of a fleet: a rate limit, a dedupe cache with single
/// flight, and a budget and quota ledger. Implemented by [`crate::MemoryStore`] (one process)
/// and, with the `redis` feature, by a Redis backend (a fleet). Every method is one atomic step
/// for the backend (in Redis: one script, one slot), so that concurrent instances never both
/// take the last permit, both send the same check, or both spend the last 厘.
///
/// Around one paid call, [`Store::begin`] asks the steps before it (claim, acquire, reserve)
/// and [`Store::end`] those after it (settle, fill or abandon) together, each part still one
/// atomic step answered on its own; a backend may send each side at once — the Redis one does,
/// so that an uncached call costs two round trips. [`Store::refund`] gives back a permit taken
/// and not used.
///
/// Errors are [`StoreError`]s about the store itself; what the caller does then (fall back to a
/// per-process limit, treat the cache as a miss, refuse paid calls) is its policy, not the
/// store's.
///
/// A claim's owner gets a [`ClaimToken`] and hands it back to [`Store::abandon`]: without it,
/// an owner whose lease lapsed while its call was still running (and whose check a waiter took
/// over) would, on failing, end the new owner's claim and let a third caller send the same
/// paid check while the second is in flight. In Redis the token is the claim's value, and
/// abandoning deletes the key only while it still holds it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use shiming_core::Vendor;
/// use shiming_store::{keys::LimitKey, limit::Rate, MemoryStore, Store};
/// let store = MemoryStore::new();
/// let key = LimitKey::new("my-appcode", Vendor::Tel3);
/// let decision = store.acquire(&key, Rate::new(50.0, 10)?).await?;
/// assert!(decision.is_allowed());
/// # Ok::<(), shiming_store::StoreError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// Takes one permit of `rate` for `key` if one is free now (GCRA: a steady `qps` with a
    /// burst of `burst`); otherwise takes nothing and says how long to wait before one is.
    /// The time is the backend's own clock (Redis `TIME`), never the caller's. The rate comes
    /// with each call, so that the configuration, not the store, says what it is.
    ///
    /// # Errors
    /// The backend failed.
    async fn acquire(&self, key: &LimitKey, rate: Rate) -> Result<RateDecision, StoreError>;

    /// Like [`Store::acquire`], but when no permit is free now and the next one comes within
    /// `within`, takes (books) that one: [`RateDecision::Booked`], wait that long, then send.
    /// One round trip however long the wait, and a waiter that wakes late loses nothing, so a
    /// fleet keeps its configured rate. The default asks [`Store::acquire`] (no booking: the
    /// caller waits and asks again).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::{Rate, RateDecision}, MemoryStore, Store};
    /// let store = MemoryStore::new();
    /// let key = LimitKey::new("my-appcode", Vendor::Tel3);
    /// let rate = Rate::new(1.0, 1)?;
    /// assert_eq!(store.acquire_within(&key, rate, Duration::from_secs(2)).await?, RateDecision::Allowed);
    /// assert!(matches!(store.acquire_within(&key, rate, Duration::from_secs(2)).await?, RateDecision::Booked(_)));
    /// assert!(matches!(store.acquire_within(&key, rate, Duration::from_secs(1)).await?, RateDecision::Wait(_)));
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// The backend failed.
    async fn acquire_within(
        &self,
        key: &LimitKey,
        rate: Rate,
        within: Duration,
    ) -> Result<RateDecision, StoreError> {
        let _ = within;
        self.acquire(key, rate).await
    }

    /// Claims the check `key` for the caller, atomically: [`Claim::Cached`] when a verdict is
    /// cached (nothing to send), [`Claim::Owner`] when the caller is now the one to send it
    /// (the claim lapses after `lease` unless filled, so that a dead owner's waiters can take
    /// over), [`Claim::InFlight`] when another caller owns it (wait, then claim again). A
    /// lease should outlast the owner's whole call, retries included: a lease that lapses
    /// while the call is still running lets a waiter pay for the same check again.
    ///
    /// # Errors
    /// The backend failed.
    async fn claim(&self, key: &CacheKey, lease: Duration) -> Result<Claim, StoreError>;

    /// Stores the answer of a claimed check for `ttl`, ending the claim: later claims get
    /// [`Claim::Cached`] until it expires. A zero `ttl` stores nothing and only ends the claim.
    /// Errors are never cached (a [`CachedVerdict`] holds a verdict) — call [`Store::abandon`]
    /// for those.
    ///
    /// # Errors
    /// The backend failed.
    async fn fill(
        &self,
        key: &CacheKey,
        verdict: &CachedVerdict,
        ttl: Duration,
    ) -> Result<(), StoreError>;

    /// Ends a claim without a verdict (the check failed), if `token` still owns it: the next
    /// claim becomes the owner. A claim someone else owns now is left alone.
    ///
    /// # Errors
    /// The backend failed.
    async fn abandon(&self, key: &CacheKey, token: &ClaimToken) -> Result<(), StoreError>;

    /// Reserves the worst-case price of one call, atomically against every limit of the
    /// request's budget (day, month, total; the vendor's and overall) and the vendor's tracked
    /// quota: [`ReserveOutcome::Reserved`] or [`ReserveOutcome::Refused`] saying which limit.
    ///
    /// # Errors
    /// The backend failed.
    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError>;

    /// Settles a reservation once the call is over: billed → spent (and one call off the
    /// quota), not billed → released, may have been charged → counted as such and kept
    /// against the budget (one call off the quota too). Returns the quota warnings this
    /// settlement crossed, each at most once per fleet.
    ///
    /// # Errors
    /// The backend failed, or [`StoreError::UnknownReservation`]: the reservation is not open
    /// (settled already), and nothing was counted.
    async fn settle(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
    ) -> Result<SettleOutcome, StoreError>;

    /// Counts an event for the ledger's figures: a cache hit (and the money it saved) or a wait
    /// imposed by the rate limit.
    ///
    /// # Errors
    /// The backend failed.
    async fn record(&self, event: Event) -> Result<(), StoreError>;

    /// The ledger as of `today` (the date in China): spend today, this month and in total per
    /// vendor, what may have been charged, quota left, cache hits and money saved, limiter
    /// waits.
    ///
    /// # Errors
    /// The backend failed.
    async fn snapshot(&self, today: Date) -> Result<LedgerSnapshot, StoreError>;
    /// Gives back one permit of `rate` for `key`, taken by [`Store::acquire`] or
    /// [`Store::begin`] and not used (the claim found the verdict cached, the budget refused):
    /// GCRA's theoretical arrival time moves back by one period (`1 / qps`), never below now,
    /// so that a refund never lets more than the burst go at once. Refund only permits that
    /// were taken: a refund without one frees a permit that was never held.
    ///
    /// The default keeps the permit (the limit is then only stricter than it needs to be);
    /// both backends of this crate give it back.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::Rate, MemoryStore, Store};
    /// let store = MemoryStore::new();
    /// let key = LimitKey::new("my-appcode", Vendor::Tel3);
    /// let rate = Rate::new(1.0, 1)?;
    /// assert!(store.acquire(&key, rate).await?.is_allowed());
    /// assert!(!store.acquire(&key, rate).await?.is_allowed());
    /// store.refund(&key, rate).await?;
    /// assert!(store.acquire(&key, rate).await?.is_allowed());
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    /// The backend failed (the permit then stays taken).
    async fn refund(&self, key: &LimitKey, rate: Rate) -> Result<(), StoreError> {
        let _ = (key, rate);
        Ok(())
    }

    /// The steps before a paid call, asked together: claim, acquire and reserve, each if
    /// asked, each answered on its own (a part not asked is `None`). Every part asked is
    /// performed whatever another answers: the caller undoes what it does not need — a permit
    /// with [`Store::refund`], a reservation by settling it [`Settlement::NotBilled`], a claim
    /// it owns by abandoning it — for instance when the claim finds the verdict cached, or the
    /// budget refuses.
    ///
    /// Each part is still one atomic step; the parts are not atomic together. The default runs
    /// them one after another; the Redis backend sends them in one round trip, so that an
    /// uncached call costs two round trips: this and [`Store::end`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use shiming_core::{Date, Identity, Price, Vendor};
    /// use shiming_store::cache::Claim;
    /// use shiming_store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
    /// use shiming_store::ledger::{ReserveOutcome, ReserveRequest};
    /// use shiming_store::limit::{Rate, RateDecision};
    /// use shiming_store::steps::BeginSteps;
    /// use shiming_store::{MemoryStore, Store};
    /// let store = MemoryStore::new();
    /// let pepper = Pepper::new(vec![7; 32])?;
    /// let key = CacheKey::new(&pepper, CheckKind::Two, &Identity::unchecked("吴秀英", "11010219560409026X", None));
    /// let limit = LimitKey::new("my-appcode", Vendor::Sfz2);
    /// let request = ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 11, 23).unwrap());
    /// let steps = BeginSteps::new()
    ///     .claim(&key, Duration::from_secs(30))
    ///     .acquire(&limit, Rate::new(20.0, 5)?)
    ///     .reserve(&request);
    /// let outcome = store.begin(&steps).await;
    /// assert!(matches!(outcome.claim, Some(Ok(Claim::Owner(_)))));
    /// assert_eq!(outcome.acquire, Some(Ok(RateDecision::Allowed)));
    /// assert!(matches!(outcome.reserve, Some(Ok(ReserveOutcome::Reserved(_)))));
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    async fn begin(&self, steps: &BeginSteps<'_>) -> BeginOutcome {
        let mut outcome = BeginOutcome::default();
        if let Some((key, lease)) = steps.claim {
            outcome.claim = Some(self.claim(key, lease).await);
        }
        if let Some((key, rate)) = steps.acquire {
            outcome.acquire = Some(self.acquire(key, rate).await);
        }
        if let Some(request) = steps.reserve {
            outcome.reserve = Some(self.reserve(request).await);
        }
        outcome
    }

    /// The steps after a paid call, asked together: settle, fill, abandon, refund and record, each if asked,
    /// each answered on its own (a part not asked is `None`), every one performed whatever
    /// another answers. The default runs them one after another; the Redis backend sends them
    /// in one round trip.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use shiming_core::{Date, Identity, Price, Vendor, Verdict};
    /// use shiming_store::cache::{CachedVerdict, Claim};
    /// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// use shiming_store::ledger::{ReserveOutcome, ReserveRequest, Settlement};
    /// use shiming_store::steps::{BeginSteps, EndSteps};
    /// use shiming_store::{MemoryStore, Store};
    /// let store = MemoryStore::new();
    /// let pepper = Pepper::new(vec![7; 32])?;
    /// let key = CacheKey::new(&pepper, CheckKind::Two, &Identity::unchecked("吴秀英", "11010219560409026X", None));
    /// let request = ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 11, 23).unwrap());
    /// let begun = store.begin(&BeginSteps::new().claim(&key, Duration::from_secs(30)).reserve(&request)).await;
    /// let Some(Ok(ReserveOutcome::Reserved(reservation))) = begun.reserve else { unreachable!() };
    /// // … the paid call answers `match` …
    /// let verdict = CachedVerdict { verdict: Verdict::Match, vendor: Vendor::Sfz2, request_id: None, at_unix: 1_795_000_000, price: Price::from_li(40) };
    /// let steps = EndSteps::new()
    ///     .settle(&reservation, Settlement::Billed(Price::from_li(40)))
    ///     .fill(&key, &verdict, Duration::from_secs(3_600));
    /// let ended = store.end(&steps).await;
    /// assert!(matches!(ended.settle, Some(Ok(_))));
    /// assert_eq!(ended.fill, Some(Ok(())));
    /// assert_eq!(ended.abandon, None);
    /// assert_eq!(store.claim(&key, Duration::from_secs(30)).await?, Claim::Cached(verdict));
    /// # Ok::<(), shiming_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    async fn end(&self, steps: &EndSteps<'_>) -> EndOutcome {
        let mut outcome = EndOutcome::default();
        if let Some((reservation, settlement)) = steps.settle {
            outcome.settle = Some(self.settle(reservation, settlement).await);
        }
        if let Some((key, verdict, ttl)) = steps.fill {
            outcome.fill = Some(self.fill(key, verdict, ttl).await);
        }
        if let Some((key, token)) = steps.abandon {
            outcome.abandon = Some(self.abandon(key, token).await);
        }
        if let Some((key, rate)) = steps.refund {
            outcome.refund = Some(self.refund(key, rate).await);
        }
        if let Some(event) = steps.record {
            outcome.record = Some(self.record(event).await);
        }
        outcome
    }
}
