//! What a router with a store does around a check — the dedupe cache with single flight — and
//! around each attempt — the rate limit before, the budget's reservation before and its
//! settlement after. When the store itself fails: the limiter falls back to this process's
//! own share of the rate (`fallback_qps`), the cache is a miss with single flight kept inside
//! this process, and the budget refuses the paid call (fail closed) unless configured to send
//! it uncounted; each fallback is one warning per outage, and the recovery another.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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
}

/// What this process keeps for itself while the store is down: its own limiter and cache
/// (single flight in process), and which parts are down (one warning per outage).
#[derive(Debug, Default)]
pub(crate) struct Local {
    limiter: MemoryLimiter,
    cache: MemoryCache,
    down: [AtomicBool; 3],
}

impl Guard {
    /// Notes that `part` failed with `error`: a warning the first time since it last worked.
    fn failed(&self, part: StorePart, error: &StoreError) {
        if !self.local.down[part as usize].swap(true, Ordering::AcqRel) {
            self.warn.emit(&RouterWarning::StoreUnavailable {
                part,
                error: error.to_string(),
            });
        }
    }

    /// Notes that `part` worked: a warning when it had failed.
    fn worked(&self, part: StorePart) {
        if self.local.down[part as usize].load(Ordering::Acquire)
            && self.local.down[part as usize].swap(false, Ordering::AcqRel)
        {
            self.warn.emit(&RouterWarning::StoreRecovered { part });
        }
    }
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
    acquired: Option<Result<RateDecision, StoreError>>,
    reserved: Option<Result<ReserveOutcome, StoreError>>,
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
            self.rates
                .get(&vendor)
                .map(|rate| (LimitKey::new(route.credential(), vendor), *rate, vendor))
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
        let mut begin = BeginSteps::new();
        if let Some((key, _)) = &cache {
            begin = begin.claim(key, self.lease);
        }
        if let Some((key, rate, _)) = limit {
            begin = begin.acquire(key, *rate);
        }
        if let Some(request) = reserve {
            begin = begin.reserve(request);
        }
        let outcome = self.store.begin(&begin).await;
        let ahead = Ahead {
            acquired: outcome.acquire,
            reserved: outcome.reserve,
        };
        let Some((key, kind)) = cache else {
            return Ok((Lookup::Miss, Some(ahead)));
        };
        let (claim, local) = match outcome.claim {
            Some(Ok(claim)) => {
                self.worked(StorePart::Cache);
                (claim, false)
            }
            Some(Err(e)) => {
                self.failed(StorePart::Cache, &e);
                (self.local.cache.claim(&key, self.lease), true)
            }
            None => return Ok((Lookup::Miss, Some(ahead))),
        };
        match claim {
            Claim::Owner(token) => Ok((
                Lookup::Owner(Owner {
                    key,
                    token,
                    kind,
                    local,
                }),
                Some(ahead),
            )),
            Claim::Cached(cached) => {
                self.undo(ahead, limit).await;
                Ok((self.hit(cached).await, None))
            }
            Claim::InFlight => {
                self.undo(ahead, limit).await;
                self.wait_for_owner(key, kind).await.map(|l| (l, None))
            }
            _ => {
                self.undo(ahead, limit).await;
                Ok((Lookup::Miss, None))
            }
        }
    }

    /// A cached verdict: counted as a hit, and the money it saved.
    async fn hit(&self, cached: CachedVerdict) -> Lookup {
        self.record(Event::CacheHit {
            vendor: cached.vendor,
            saved: cached.price,
        })
        .await;
        let mut v = Verification::new(cached.verdict, cached.vendor.id(), Billing::NotBilled);
        v.request_id = cached.request_id;
        Lookup::Hit(v)
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
            let (claim, local) = match self.store.claim(&key, self.lease).await {
                Ok(claim) => {
                    self.worked(StorePart::Cache);
                    (claim, false)
                }
                Err(e) => {
                    self.failed(StorePart::Cache, &e);
                    (self.local.cache.claim(&key, self.lease), true)
                }
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

    /// Gives back what was taken ahead and is not used: the permit and the reservation.
    async fn undo(&self, ahead: Ahead, limit: Option<&(LimitKey, Rate, Vendor)>) {
        let refund = async {
            if let (Some(Ok(decision)), Some((key, rate, _))) = (&ahead.acquired, limit) {
                if decision.is_allowed() {
                    if let Err(e) = self.store.refund(key, *rate).await {
                        self.failed(StorePart::RateLimit, &e);
                    }
                }
            }
        };
        let release = async {
            if let Some(Ok(ReserveOutcome::Reserved(reservation))) = &ahead.reserved {
                self.settle(Unsettled {
                    reservation: reservation.clone(),
                    settlement: Settlement::NotBilled,
                })
                .await;
            }
        };
        tokio::join!(refund, release);
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
        if let Some(owner) = owner.as_ref().filter(|o| !o.local) {
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
        let outcome = self.store.end(&end).await;
        if let Some(settled) = outcome.settle {
            self.settled(settled);
        }
        for part in [outcome.fill, outcome.abandon].into_iter().flatten() {
            match part {
                Ok(()) => self.worked(StorePart::Cache),
                Err(e) => self.failed(StorePart::Cache, &e),
            }
        }
    }

    /// Settles one attempt on its own (an attempt the router fails over from).
    pub(crate) async fn settle(&self, unsettled: Unsettled) {
        let end = EndSteps::new().settle(&unsettled.reservation, unsettled.settlement);
        if let Some(settled) = self.store.end(&end).await.settle {
            self.settled(settled);
        }
    }

    /// The ledger's answer to a settlement: its quota warnings, or a failure.
    fn settled(&self, settled: Result<SettleOutcome, StoreError>) {
        match settled {
            Ok(outcome) => {
                self.worked(StorePart::Ledger);
                for warning in outcome.warnings {
                    self.warn.emit(&RouterWarning::Quota(warning));
                }
            }
            Err(e) => self.failed(StorePart::Ledger, &e),
        }
    }

    /// One attempt at `route`: the rate limit, the reservation (both from `ahead` when the
    /// lookup took them), the call. A refusal of the limiter or the budget is this attempt's
    /// error, not sent, not billed (and what the other step took is given back). The
    /// settlement is left to the caller ([`Guard::settle`] or [`Guard::finish`]).
    pub(crate) async fn attempt(
        &self,
        route: &Route,
        identity: &Identity,
        ahead: Option<Ahead>,
    ) -> (Result<Verification, Error>, Option<Unsettled>) {
        let steps = self.steps_for(route);
        let Ahead { acquired, reserved } = ahead.unwrap_or_default();
        let limited = match &steps.limit {
            Some((key, rate, vendor)) => self.limit(key, *rate, *vendor, acquired).await,
            None => Ok(()),
        };
        let reservation = match (&limited, steps.reserve) {
            (_, Err(e)) => Err(e),
            (_, Ok(None)) => Ok(None),
            // Throttled: reserve nothing (or give back what was reserved ahead).
            (Err(_), Ok(Some(_))) => {
                if let Some(Ok(ReserveOutcome::Reserved(reservation))) = reserved {
                    self.settle(Unsettled {
                        reservation,
                        settlement: Settlement::NotBilled,
                    })
                    .await;
                }
                Ok(None)
            }
            (Ok(()), Ok(Some(request))) => {
                let answer = match reserved {
                    Some(answer) => answer,
                    None => self.store.reserve(&request).await,
                };
                self.reserved(answer, steps.vendor)
            }
        };
        if let Err(e) = limited {
            return (Err(e), None);
        }
        let reservation = match reservation {
            Ok(reservation) => reservation,
            Err(e) => {
                if let Some((key, rate, _)) = &steps.limit {
                    // The permit was taken for a call that is not made.
                    if let Err(e) = self.store.refund(key, *rate).await {
                        self.failed(StorePart::RateLimit, &e);
                    }
                }
                return (Err(e), None);
            }
        };
        let result = route.run(identity).await;
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
    /// While the store fails, the permit is this process's own, at the vendor's fallback rate.
    async fn limit(
        &self,
        key: &LimitKey,
        rate: Rate,
        vendor: Vendor,
        mut first: Option<Result<RateDecision, StoreError>>,
    ) -> Result<(), Error> {
        let mut waited = Duration::ZERO;
        loop {
            let answer = match first.take() {
                Some(answer) => answer,
                None => self.store.acquire(key, rate).await,
            };
            let decision = match answer {
                Ok(decision) => {
                    self.worked(StorePart::RateLimit);
                    decision
                }
                Err(e) => {
                    self.failed(StorePart::RateLimit, &e);
                    let fallback = self.fallback_rates.get(&vendor).copied().unwrap_or(rate);
                    self.local.limiter.acquire(key, fallback)
                }
            };
            let wait = decision.wait();
            if wait.is_zero() {
                if !waited.is_zero() {
                    self.record(Event::LimiterWait { vendor, waited }).await;
                }
                return Ok(());
            }
            if waited + wait > self.max_wait {
                return Err(Error::new(
                    ErrorKind::Throttled,
                    format!(
                        "the {vendor} rate limit ({} per second, burst {}) has no permit within \
                         the router's max_wait of {} ms; not sent",
                        rate.qps(),
                        rate.burst(),
                        self.max_wait.as_millis()
                    ),
                ));
            }
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// The ledger's answer to a reservation: the reservation; `None` when the ledger is down
    /// and configured to let paid calls go uncounted; or the refusal.
    fn reserved(
        &self,
        answer: Result<ReserveOutcome, StoreError>,
        vendor: Option<Vendor>,
    ) -> Result<Option<Reservation>, Error> {
        match answer {
            Ok(outcome) => {
                self.worked(StorePart::Ledger);
                match outcome {
                    ReserveOutcome::Reserved(reservation) => Ok(Some(reservation)),
                    ReserveOutcome::Refused(refusal) => Err(refused(&refusal)),
                    _ => Err(budget_error("the budget ledger refused the call".into())),
                }
            }
            Err(e) => {
                self.failed(StorePart::Ledger, &e);
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

    async fn record(&self, event: Event) {
        if let Err(e) = self.store.record(event).await {
            tracing::warn!(error = %e, "the ledger failed to count an event");
        }
    }
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
