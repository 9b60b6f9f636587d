//! What a router with a store does around a check — the dedupe cache with single flight — and
//! around each attempt — the rate limit before, the budget's reservation before and its
//! settlement after. When the store itself fails: the limiter falls back to this process's
//! own share of the rate (`fallback_qps`), the cache is a miss with single flight kept inside
//! this process, and the budget refuses the paid call (fail closed) unless configured to send
//! it uncounted; each fallback is one warning per outage, and the recovery another.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use shiming_core::{Billing, Error, ErrorKind, Identity, Vendor, Verification};
use shiming_store::cache::{CacheTtl, CachedVerdict, Claim, ClaimToken, MemoryCache};
use shiming_store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
use shiming_store::ledger::{
    Budget, Event, QuotaPlan, Refusal, Reservation, ReserveOutcome, ReserveRequest, SettleOutcome,
    Settlement,
};
use shiming_store::limit::{MemoryLimiter, Rate, RateDecision};
use shiming_store::steps::{BeginSteps, EndSteps};
use shiming_store::{Store, StoreError};
use shiming_vendor_kit::{today_in_china, unix_now};

use crate::warning::{LedgerDown, RouterWarning, StorePart, Warn};
use crate::{Route, RouteError, Routed};

/// The first pause of a waiter whose check another caller owns; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_millis(200);

/// How long a part of the store that failed is left alone before it is asked again: meanwhile
/// the router uses its fallback at once, instead of waiting for every call to fail on a dead
/// server (a reconnect attempt each), so an outage runs at the fallback's pace. Settlements
/// are always attempted: a reservation left open would hold budget.
const STORE_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How far ahead a permit is booked: a call whose permit is further away sleeps until it is
/// this close, then books it. It bounds how far the fleet's schedule runs ahead of now, and so
/// how long a process that falls back to its own limiter must hold (the fleet's booked calls
/// are still to go).
const BOOKING_HORIZON: Duration = Duration::from_secs(1);

/// A router's store and how it uses it.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) rates: HashMap<Vendor, Rate>,
    pub(crate) max_wait: Duration,
    pub(crate) cache: Option<(Pepper, CacheTtl)>,
    pub(crate) lease: Duration,
    pub(crate) budget: Budget,
    pub(crate) vendor_budgets: HashMap<Vendor, Budget>,
    pub(crate) quotas: HashMap<Vendor, QuotaPlan>,
    /// Each vendor's rate for this process alone while the store's limiter is down (default:
    /// its shared rate).
    pub(crate) fallback_rates: HashMap<Vendor, Rate>,
    pub(crate) ledger_down: LedgerDown,
    pub(crate) warn: Warn,
    pub(crate) local: Arc<Local>,
    /// Each route's rate-limit key, by vendor and credential, worked out once (a key is a
    /// digest of the credential).
    pub(crate) limit_keys: HashMap<Vendor, HashMap<String, LimitKey>>,
}

/// What this process keeps for itself while the store is down: its own limiter and cache
/// (single flight in process), and the health of each part of the store (one warning per
/// outage, and a pause before a failed part is asked again).
#[derive(Debug, Default)]
pub(crate) struct Local {
    limiter: MemoryLimiter,
    cache: MemoryCache,
    health: [Mutex<Health>; 3],
    /// Whether any part has a failure on record: while none has, nothing locks `health`.
    failing: AtomicBool,
    /// The keys whose fleet limiter was found with no permit free now (so with permits booked
    /// ahead) since this process last fell back: when it goes down, this process's own limiter
    /// holds until the fleet's booked permits have gone, so that they and this process's
    /// fallback share do not add up.
    contended: Mutex<HashSet<LimitKey>>,
}

/// One part of the store as this process last found it.
#[derive(Debug, Default)]
struct Health {
    /// When it last failed, and how: `None` once a call asked after that failure worked.
    failure: Option<(Instant, StoreError)>,
}

impl Guard {
    fn health(&self, part: StorePart) -> std::sync::MutexGuard<'_, Health> {
        self.local.health[part as usize]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The error `part` last failed with, while it is left alone ([`STORE_RETRY_AFTER`]):
    /// the caller falls back without asking the store.
    fn resting(&self, part: StorePart) -> Option<StoreError> {
        if !self.local.failing.load(Ordering::Acquire) {
            return None;
        }
        match &self.health(part).failure {
            Some((at, error)) if at.elapsed() < STORE_RETRY_AFTER => Some(error.clone()),
            _ => None,
        }
    }

    /// Notes that `part` failed with `error`: a warning the first time since it last worked.
    fn failed(&self, part: StorePart, error: &StoreError) {
        self.local.failing.store(true, Ordering::Release);
        let first = self
            .health(part)
            .failure
            .replace((Instant::now(), error.clone()))
            .is_none();
        if first {
            self.warn.emit(&RouterWarning::StoreUnavailable {
                part,
                error: error.to_string(),
            });
        }
    }

    /// Notes that `part` worked for a call asked at `asked`: a warning when it had failed
    /// before that call was asked. (An answer to a call asked before the failure says nothing
    /// of the outage, so it does not end it.)
    fn worked(&self, part: StorePart, asked: Instant) {
        if !self.local.failing.load(Ordering::Acquire) {
            return;
        }
        let recovered = {
            let mut health = self.health(part);
            match &health.failure {
                Some((at, _)) if *at <= asked => {
                    health.failure = None;
                    true
                }
                _ => false,
            }
        };
        if recovered {
            self.warn.emit(&RouterWarning::StoreRecovered { part });
        }
    }

    /// Asks `part` of the store with `call`, unless the part is resting after a failure.
    async fn ask<T>(
        &self,
        part: StorePart,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Asked<T> {
        match self.resting(part) {
            Some(error) => Asked::Resting(error),
            None => {
                let asked = Instant::now();
                Asked::Answer(call.await, asked)
            }
        }
    }

    /// The store's answer for `part`, its failure or recovery noted.
    fn note<T>(&self, part: StorePart, asked: Asked<T>) -> Result<T, StoreError> {
        match asked {
            Asked::Answer(Ok(answer), at) => {
                self.worked(part, at);
                Ok(answer)
            }
            Asked::Answer(Err(error), _) => {
                self.failed(part, &error);
                Err(error)
            }
            Asked::Resting(error) => Err(error),
        }
    }
}

/// One step asked of the store: its answer and when it was asked, or, while the part rests
/// after a failure, that failure (nothing was asked).
enum Asked<T> {
    Answer(Result<T, StoreError>, Instant),
    Resting(StoreError),
}

impl<T> Asked<T> {
    /// A step of a combined call: its part of the answer (`None`: not asked, because the part
    /// rests with `resting`).
    fn part(
        answer: Option<Result<T, StoreError>>,
        at: Instant,
        resting: Option<StoreError>,
    ) -> Option<Asked<T>> {
        match (answer, resting) {
            (Some(answer), _) => Some(Asked::Answer(answer, at)),
            (None, Some(error)) => Some(Asked::Resting(error)),
            (None, None) => None,
        }
    }
}

/// Where a rate-limit permit came from, so that an unused one goes back there.
#[derive(Debug, Clone, Copy)]
enum Permit {
    /// The store's shared limiter.
    Shared,
    /// This process's own limiter, at this (fallback) rate, while the store's is down.
    Local(Rate),
}

/// What the cache said about a check.
pub(crate) enum Lookup {
    /// A cached answer: nothing to send.
    Hit(Verification),
    /// The caller owns the check: send it, then [`Guard::finish`].
    Owner(Owner),
    /// No cache: send it, nothing to fill.
    Miss,
}

/// A claim to fill or abandon, in the store or, while it is down, in this process.
pub(crate) struct Owner {
    key: CacheKey,
    token: ClaimToken,
    kind: CheckKind,
    local: bool,
}

/// The store's steps of one attempt, asked together with the claim (one round trip) for the
/// first route: the attempt uses their answers instead of asking again.
#[derive(Default)]
pub(crate) struct Ahead {
    acquired: Option<Asked<RateDecision>>,
    reserved: Option<Asked<ReserveOutcome>>,
    /// The first route's steps, worked out once.
    steps: Option<AttemptSteps>,
}

/// What an attempt left to settle: sent once its result is known, with the cache's fill
/// when it is the check's last attempt (one round trip).
pub(crate) struct Unsettled {
    reservation: Reservation,
    settlement: Settlement,
}

/// The store's steps of an attempt at `route`: its rate limit, and what to reserve.
struct AttemptSteps {
    vendor: Option<Vendor>,
    limit: Option<(LimitKey, Rate, Vendor)>,
    /// `Ok(None)`: nothing to reserve; `Err`: refused before asking.
    reserve: Result<Option<ReserveRequest>, Error>,
}

impl Guard {
    /// What an attempt at `route` asks the store.
    fn steps_for(&self, route: &Route) -> AttemptSteps {
        let vendor = Vendor::from_id(route.vendor());
        let limit = vendor.and_then(|vendor| {
            self.rates.get(&vendor).map(|rate| {
                let key = self
                    .limit_keys
                    .get(&vendor)
                    .and_then(|keys| keys.get(route.credential()))
                    .cloned()
                    .unwrap_or_else(|| LimitKey::new(route.credential(), vendor));
                (key, *rate, vendor)
            })
        });
        let reserve = match vendor {
            None if self.budget == Budget::UNLIMITED => Ok(None),
            None => Err(budget_error(format!(
                "{} is not in the catalogue, so the budget cannot count it",
                route.vendor()
            ))),
            Some(vendor) => {
                let mut request = ReserveRequest::new(vendor, route.price(), today_in_china())
                    .with_budget(self.budget)
                    .with_vendor_budget(
                        self.vendor_budgets
                            .get(&vendor)
                            .copied()
                            .unwrap_or(Budget::UNLIMITED),
                    );
                if let Some(plan) = self.quotas.get(&vendor) {
                    request = request.with_quota(*plan);
                }
                Ok(Some(request))
            }
        };
        AttemptSteps {
            vendor,
            limit,
            reserve,
        }
    }

    /// Claims the check of `identity` (checked: normalized) and, in the same round trip, takes
    /// the rate-limit permit and the reservation of the `first` route's attempt ([`Ahead`]).
    /// While another caller owns the check, waits for its answer — at most twice the lease
    /// (by then a dead owner's lease has lapsed and a waiter has taken over); past that, the
    /// check fails locally rather than pay twice. A cached answer or a wait gives the permit
    /// and the reservation back.
    pub(crate) async fn lookup(
        &self,
        identity: &Identity,
        first: Option<&Route>,
    ) -> Result<(Lookup, Option<Ahead>), Error> {
        let cache = self.cache.as_ref().map(|(pepper, _)| {
            let kind = CheckKind::of(identity);
            (CacheKey::new(pepper, kind, identity), kind)
        });
        let steps = first.map(|route| self.steps_for(route));
        let limit = steps.as_ref().and_then(|s| s.limit.as_ref());
        let reserve = steps
            .as_ref()
            .and_then(|s| s.reserve.as_ref().ok())
            .and_then(Option::as_ref);
        // A part resting after a failure is not asked: its fallback is used at once.
        let resting = |part, wanted: bool| if wanted { self.resting(part) } else { None };
        let cache_rests = resting(StorePart::Cache, cache.is_some());
        let limit_rests = resting(StorePart::RateLimit, limit.is_some());
        let ledger_rests = resting(StorePart::Ledger, reserve.is_some());
        let mut begin = BeginSteps::new();
        if let Some((key, _)) = cache.as_ref().filter(|_| cache_rests.is_none()) {
            begin = begin.claim(key, self.lease);
        }
        if let Some((key, rate, _)) = limit.filter(|_| limit_rests.is_none()) {
            begin = begin.acquire(key, *rate);
        }
        if let Some(request) = reserve.filter(|_| ledger_rests.is_none()) {
            begin = begin.reserve(request);
        }
        let asked = Instant::now();
        let outcome = self.store.begin(&begin).await;
        let mut ahead = Ahead {
            acquired: Asked::part(outcome.acquire, asked, limit_rests),
            reserved: Asked::part(outcome.reserve, asked, ledger_rests),
            steps: None,
        };
        let Some((key, kind)) = cache else {
            ahead.steps = steps;
            return Ok((Lookup::Miss, Some(ahead)));
        };
        let claimed = Asked::part(outcome.claim, asked, cache_rests)
            .map(|claimed| self.note(StorePart::Cache, claimed));
        let (claim, local) = match claimed {
            Some(Ok(claim)) => (claim, false),
            Some(Err(_)) => (self.local.cache.claim(&key, self.lease), true),
            None => {
                ahead.steps = steps;
                return Ok((Lookup::Miss, Some(ahead)));
            }
        };
        match claim {
            Claim::Owner(token) => {
                ahead.steps = steps;
                Ok((
                    Lookup::Owner(Owner {
                        key,
                        token,
                        kind,
                        local,
                    }),
                    Some(ahead),
                ))
            }
            Claim::Cached(cached) => {
                self.undo(ahead, limit, Some(hit_event(&cached))).await;
                Ok((Lookup::Hit(hit_verification(cached)), None))
            }
            Claim::InFlight => {
                self.undo(ahead, limit, None).await;
                self.wait_for_owner(key, kind).await.map(|l| (l, None))
            }
            _ => {
                self.undo(ahead, limit, None).await;
                Ok((Lookup::Miss, None))
            }
        }
    }

    /// A cached verdict: counted as a hit, and the money it saved.
    async fn hit(&self, cached: CachedVerdict) -> Lookup {
        self.record(hit_event(&cached)).await;
        Lookup::Hit(hit_verification(cached))
    }

    /// Claims `key` again and again while another caller owns it, backing off, for at most
    /// twice the lease.
    async fn wait_for_owner(&self, key: CacheKey, kind: CheckKind) -> Result<Lookup, Error> {
        let deadline = Instant::now() + self.lease.saturating_mul(2);
        let mut backoff = FIRST_BACKOFF;
        loop {
            if Instant::now() + backoff > deadline {
                return Err(Error::new(
                    ErrorKind::NotSent,
                    "the same check is still in flight elsewhere after waiting twice \
                     its lease; not sent, so as not to pay for it twice",
                )
                .with_transient(false));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            let claimed = self
                .ask(StorePart::Cache, self.store.claim(&key, self.lease))
                .await;
            let (claim, local) = match self.note(StorePart::Cache, claimed) {
                Ok(claim) => (claim, false),
                Err(_) => (self.local.cache.claim(&key, self.lease), true),
            };
            match claim {
                Claim::Cached(cached) => return Ok(self.hit(cached).await),
                Claim::Owner(token) => {
                    return Ok(Lookup::Owner(Owner {
                        key,
                        token,
                        kind,
                        local,
                    }))
                }
                Claim::InFlight => {}
                _ => return Ok(Lookup::Miss),
            }
        }
    }

    /// Gives back what was taken ahead and is not used — the permit and the reservation —
    /// and counts `event` (a cache hit), in one round trip.
    async fn undo(
        &self,
        ahead: Ahead,
        limit: Option<&(LimitKey, Rate, Vendor)>,
        event: Option<Event>,
    ) {
        let mut end = EndSteps::new();
        if let (Some(Asked::Answer(Ok(decision), _)), Some((key, rate, _))) =
            (&ahead.acquired, limit)
        {
            if decision.is_allowed() {
                end = end.refund(key, *rate);
            }
        }
        if let Some(Asked::Answer(Ok(ReserveOutcome::Reserved(reservation)), _)) = &ahead.reserved {
            end = end.settle(reservation, Settlement::NotBilled);
        }
        if let Some(event) = event.filter(|_| self.resting(StorePart::Ledger).is_none()) {
            end = end.record(event);
        }
        let asked = Instant::now();
        let outcome = self.store.end(&end).await;
        if let Some(settled) = outcome.settle {
            self.settled(Asked::Answer(settled, asked));
        }
        if let Some(refunded) = outcome.refund {
            let _ = self.note(StorePart::RateLimit, Asked::Answer(refunded, asked));
        }
        if let Some(recorded) = outcome.record {
            let _ = self.note(StorePart::Ledger, Asked::Answer(recorded, asked));
        }
    }

    /// Ends the check in one round trip: settles its last attempt and fills its claim with the
    /// verdict, or abandons the claim after an error (errors are never cached). Never fails:
    /// a store error is a warning.
    pub(crate) async fn finish(
        &self,
        owner: Option<Owner>,
        unsettled: Option<Unsettled>,
        result: &Result<Routed, RouteError>,
    ) {
        let verdict = match result {
            Ok(routed) => Vendor::from_id(routed.verification.vendor).map(|vendor| CachedVerdict {
                verdict: routed.verification.verdict,
                vendor,
                request_id: routed.verification.request_id.clone(),
                at_unix: unix_now(),
                price: routed
                    .attempts
                    .last()
                    .map_or_else(|| shiming_core::Price::ZERO, |attempt| attempt.price),
            }),
            Err(_) => None,
        };
        let ttl = match (&verdict, &self.cache, &owner) {
            (Some(verdict), Some((_, ttl)), Some(owner)) => {
                ttl.for_verdict(owner.kind, verdict.verdict)
            }
            _ => None,
        };
        let mut end = EndSteps::new();
        if let Some(unsettled) = &unsettled {
            end = end.settle(&unsettled.reservation, unsettled.settlement);
        }
        // A claim in the store is filled or abandoned there, unless the cache rests after a
        // failure (then its lease lapses by itself).
        let cache_rests = self.resting(StorePart::Cache).is_some();
        if let Some(owner) = owner.as_ref().filter(|o| !o.local && !cache_rests) {
            end = match &verdict {
                Some(verdict) => end.fill(&owner.key, verdict, ttl.unwrap_or(Duration::ZERO)),
                None => end.abandon(&owner.key, &owner.token),
            };
        }
        if let Some(owner) = owner.as_ref().filter(|o| o.local) {
            // Kept for the claim's waiters in this process only, and no longer than a lease:
            // the fleet's cache is the store's.
            match (&verdict, ttl) {
                (Some(verdict), Some(ttl)) => {
                    self.local
                        .cache
                        .fill(&owner.key, verdict, ttl.min(self.lease));
                }
                _ => self.local.cache.abandon(&owner.key, &owner.token),
            }
        }
        let asked = Instant::now();
        let outcome = self.store.end(&end).await;
        if let Some(settled) = outcome.settle {
            self.settled(Asked::Answer(settled, asked));
        }
        for part in [outcome.fill, outcome.abandon].into_iter().flatten() {
            let _ = self.note(StorePart::Cache, Asked::Answer(part, asked));
        }
    }

    /// Settles one attempt on its own (an attempt the router fails over from).
    pub(crate) async fn settle(&self, unsettled: Unsettled) {
        let end = EndSteps::new().settle(&unsettled.reservation, unsettled.settlement);
        let asked = Instant::now();
        if let Some(settled) = self.store.end(&end).await.settle {
            self.settled(Asked::Answer(settled, asked));
        }
    }

    /// The ledger's answer to a settlement: its quota warnings, or a failure.
    fn settled(&self, settled: Asked<SettleOutcome>) {
        if let Ok(outcome) = self.note(StorePart::Ledger, settled) {
            for warning in outcome.warnings {
                self.warn.emit(&RouterWarning::Quota(warning));
            }
        }
    }

    /// One attempt at `route`: the reservation, the rate limit (both from `ahead` when the
    /// lookup took them), the call. A refusal of the limiter or the budget is this attempt's
    /// error, not sent, not billed (and what the other step took is given back). The
    /// settlement is left to the caller ([`Guard::settle`] or [`Guard::finish`]).
    pub(crate) async fn attempt(
        &self,
        route: &Route,
        identity: &Identity,
        ahead: Option<Ahead>,
    ) -> (Result<Verification, Error>, Option<Unsettled>) {
        let Ahead {
            acquired,
            reserved,
            steps,
        } = ahead.unwrap_or_default();
        let steps = steps.unwrap_or_else(|| self.steps_for(route));
        // The reservation first, the permit last: nothing stands between a permit and its
        // call, so calls go out at their permits' pace even when the ledger is slow to answer.
        let reservation = match steps.reserve {
            Err(e) => Err(e),
            Ok(None) => Ok(None),
            Ok(Some(request)) => {
                let answer = match reserved {
                    Some(answer) => answer,
                    None => {
                        self.ask(StorePart::Ledger, self.store.reserve(&request))
                            .await
                    }
                };
                self.reserved(answer, steps.vendor)
            }
        };
        let reservation = match reservation {
            Ok(reservation) => reservation,
            Err(e) => {
                // A permit the lookup took ahead is for a call that is not made.
                if let (Some((key, rate, _)), Some(Asked::Answer(Ok(decision), _))) =
                    (&steps.limit, &acquired)
                {
                    if decision.is_allowed() {
                        self.give_back(key, *rate, Permit::Shared).await;
                    }
                }
                return (Err(e), None);
            }
        };
        let mut waited = None;
        if let Some((key, rate, vendor)) = &steps.limit {
            match self.limit(key, *rate, *vendor, acquired).await {
                Ok((_, wait)) if !wait.is_zero() => waited = Some((*vendor, wait)),
                Ok(_) => {}
                Err(e) => {
                    // Throttled: the reservation goes back.
                    if let Some(reservation) = reservation {
                        self.settle(Unsettled {
                            reservation,
                            settlement: Settlement::NotBilled,
                        })
                        .await;
                    }
                    return (Err(e), None);
                }
            }
        }
        let result = route.run(identity).await;
        // Counted after the call, so that nothing stands between a permit and its call.
        if let Some((vendor, waited)) = waited {
            self.record(Event::LimiterWait { vendor, waited }).await;
        }
        let unsettled = reservation.map(|reservation| {
            let billing = match &result {
                Ok(v) => v.billing,
                Err(e) => e.billing(),
            };
            Unsettled {
                reservation,
                settlement: match billing {
                    Billing::Billed => Settlement::Billed(route.price()),
                    Billing::NotBilled => Settlement::NotBilled,
                    _ => Settlement::MayHaveBeenCharged,
                },
            }
        });
        (result, unsettled)
    }

    /// Waits for a permit of `rate`, at most `max_wait` in all; past that, the attempt fails
    /// locally as throttled. `first` is the store's answer when the lookup asked already.
    /// A permit is booked at most [`BOOKING_HORIZON`] ahead: a longer wait sleeps until its
    /// permit is that close, then books it. While the store fails, the permit is this
    /// process's own, at the vendor's fallback rate (which the throttled error then quotes).
    async fn limit(
        &self,
        key: &LimitKey,
        rate: Rate,
        vendor: Vendor,
        mut first: Option<Asked<RateDecision>>,
    ) -> Result<(Permit, Duration), Error> {
        let mut waited = Duration::ZERO;
        loop {
            let remaining = self.max_wait.saturating_sub(waited);
            let horizon = remaining.min(BOOKING_HORIZON);
            // The lookup's answer took a permit only if one was free now; past it, the next
            // free permit within the horizon is booked (one round trip).
            let (answer, asked_ahead) = match first.take() {
                Some(answer) => (answer, true),
                None => {
                    let asked = self
                        .ask(
                            StorePart::RateLimit,
                            self.store.acquire_within(key, rate, horizon),
                        )
                        .await;
                    (asked, false)
                }
            };
            let (decision, permit) = match self.note(StorePart::RateLimit, answer) {
                Ok(decision) => {
                    if !decision.wait().is_zero() {
                        self.contended(key);
                    }
                    (decision, Permit::Shared)
                }
                Err(_) => {
                    let fallback = self.fallback_rates.get(&vendor).copied().unwrap_or(rate);
                    self.hold_after_contention(key, fallback);
                    (
                        self.local.limiter.acquire_within(key, fallback, horizon),
                        Permit::Local(fallback),
                    )
                }
            };
            let wait = decision.wait();
            match decision {
                RateDecision::Allowed | RateDecision::Booked(_) => {
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                        waited += wait;
                    }
                    return Ok((permit, waited));
                }
                _ if wait > remaining => {
                    return Err(throttled(rate, permit, vendor, self.max_wait))
                }
                _ if asked_ahead => {}
                _ => {
                    // Nothing taken: sleep until the permit is within the horizon (or, from a
                    // store that does not book, until it is free), then ask again.
                    let sleep = if wait > horizon { wait - horizon } else { wait };
                    let sleep = sleep.max(Duration::from_millis(1));
                    tokio::time::sleep(sleep).await;
                    waited += sleep;
                }
            }
        }
    }

    /// Notes that the fleet's limiter of `key` had no permit free now: its permits may be
    /// booked up to [`BOOKING_HORIZON`] ahead.
    fn contended(&self, key: &LimitKey) {
        let mut contended = self
            .local
            .contended
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !contended.contains(key) {
            contended.insert(key.clone());
        }
    }

    /// The first fallback of `key` since the fleet's limiter was found contended: the fleet
    /// may have booked permits up to [`BOOKING_HORIZON`] ahead, whose calls are still to go,
    /// so this process's own limiter gives nothing before that horizon and one period of
    /// `fallback` have passed. (Uncontended, the fleet booked nothing ahead.)
    fn hold_after_contention(&self, key: &LimitKey, fallback: Rate) {
        let was = self
            .local
            .contended
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        if was {
            self.local
                .limiter
                .hold(key, fallback, BOOKING_HORIZON + fallback.period());
        }
    }

    /// Gives a permit that was taken and not used back to the limiter it came from.
    async fn give_back(&self, key: &LimitKey, rate: Rate, permit: Permit) {
        match permit {
            Permit::Shared => {
                let refunded = self
                    .ask(StorePart::RateLimit, self.store.refund(key, rate))
                    .await;
                let _ = self.note(StorePart::RateLimit, refunded);
            }
            Permit::Local(fallback) => self.local.limiter.refund(key, fallback),
        }
    }

    /// The ledger's answer to a reservation: the reservation; `None` when the ledger is down
    /// and configured to let paid calls go uncounted; or the refusal.
    fn reserved(
        &self,
        answer: Asked<ReserveOutcome>,
        vendor: Option<Vendor>,
    ) -> Result<Option<Reservation>, Error> {
        match self.note(StorePart::Ledger, answer) {
            Ok(outcome) => match outcome {
                ReserveOutcome::Reserved(reservation) => Ok(Some(reservation)),
                ReserveOutcome::Refused(refusal) => Err(refused(&refusal)),
                _ => Err(budget_error("the budget ledger refused the call".into())),
            },
            Err(e) => {
                tracing::debug!(vendor = vendor.map(Vendor::id), "the ledger is down");
                match self.ledger_down {
                    LedgerDown::Send => Ok(None),
                    _ => Err(budget_error(format!(
                        "the budget ledger cannot be reached, and paid calls are refused until \
                         it can ({e})"
                    ))),
                }
            }
        }
    }

    /// Counts `event` in the ledger (not while the ledger rests after a failure).
    async fn record(&self, event: Event) {
        let recorded = self.ask(StorePart::Ledger, self.store.record(event)).await;
        let _ = self.note(StorePart::Ledger, recorded);
    }
}

/// A cached verdict's count in the ledger: a hit, and the money it saved.
fn hit_event(cached: &CachedVerdict) -> Event {
    Event::CacheHit {
        vendor: cached.vendor,
        saved: cached.price,
    }
}

/// A cached verdict as the check's answer: not billed.
fn hit_verification(cached: CachedVerdict) -> Verification {
    let mut v = Verification::new(cached.verdict, cached.vendor.id(), Billing::NotBilled);
    v.request_id = cached.request_id;
    v
}

/// The local error of an attempt that has no permit of its vendor's rate limit within
/// `max_wait`, quoting the rate applied: the shared one, or this process's fallback.
fn throttled(rate: Rate, permit: Permit, vendor: Vendor, max_wait: Duration) -> Error {
    let (applied, whose) = match permit {
        Permit::Shared => (rate, "the shared"),
        Permit::Local(fallback) => (
            fallback,
            "this process's fallback (the store's limiter is down)",
        ),
    };
    Error::new(
        ErrorKind::Throttled,
        format!(
            "{whose} {vendor} rate limit ({} per second, burst {}) has no permit within the \
             router's max_wait of {} ms; not sent",
            applied.qps(),
            applied.burst(),
            max_wait.as_millis()
        ),
    )
}

/// A budget refusal: [`ErrorKind::BudgetExhausted`], not sent, not transient (only another
/// vendor, under its own budget, may be tried).
fn budget_error(why: String) -> Error {
    Error::new(ErrorKind::BudgetExhausted, format!("{why}; not sent")).with_transient(false)
}

/// The local error of a refused reservation: a budget is [`ErrorKind::BudgetExhausted`]; a
/// package used up or expired is [`ErrorKind::QuotaExhausted`] (not transient: the vendor is
/// skipped, and the next one tried).
fn refused(refusal: &Refusal) -> Error {
    match refusal {
        Refusal::QuotaUsedUp { .. } | Refusal::QuotaExpired { .. } => {
            Error::new(ErrorKind::QuotaExhausted, format!("{refusal}; not sent"))
                .with_transient(false)
        }
        _ => budget_error(refusal.to_string()),
    }
}
