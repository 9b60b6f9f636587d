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
    Budget, Event, QuotaPlan, Refusal, Reservation, ReserveOutcome, ReserveRequest, Settlement,
};
use shiming_store::limit::{MemoryLimiter, Rate, RateDecision};
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
    /// No cache, or the cache failed: send it, nothing to fill.
    Miss,
}

/// A claim to fill or abandon, in the store or, while it is down, in this process.
pub(crate) struct Owner {
    key: CacheKey,
    token: ClaimToken,
    kind: CheckKind,
    local: bool,
}

impl Guard {
    /// Claims the check of `identity` (checked: normalized), waiting while another caller
    /// owns it, at most twice the lease (by then a dead owner's lease has lapsed and a waiter
    /// has taken over); past that, the check fails locally rather than pay twice.
    pub(crate) async fn lookup(&self, identity: &Identity) -> Result<Lookup, Error> {
        let Some((pepper, _)) = &self.cache else {
            return Ok(Lookup::Miss);
        };
        let kind = CheckKind::of(identity);
        let key = CacheKey::new(pepper, kind, identity);
        let deadline = Instant::now() + self.lease.saturating_mul(2);
        let mut backoff = FIRST_BACKOFF;
        loop {
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
                Claim::Cached(cached) => {
                    self.record(Event::CacheHit {
                        vendor: cached.vendor,
                        saved: cached.price,
                    })
                    .await;
                    let mut v =
                        Verification::new(cached.verdict, cached.vendor.id(), Billing::NotBilled);
                    v.request_id = cached.request_id;
                    return Ok(Lookup::Hit(v));
                }
                Claim::Owner(token) => {
                    return Ok(Lookup::Owner(Owner {
                        key,
                        token,
                        kind,
                        local,
                    }))
                }
                Claim::InFlight => {
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
                }
                _ => return Ok(Lookup::Miss),
            }
        }
    }

    /// Ends an owned claim: fills it with the verdict, or abandons it after an error (errors
    /// are never cached). Never fails: a store error is a warning.
    pub(crate) async fn finish(&self, owner: Owner, result: &Result<Routed, RouteError>) {
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
        let ttl = match (&verdict, &self.cache) {
            (Some(verdict), Some((_, ttl))) => ttl.for_verdict(owner.kind, verdict.verdict),
            _ => None,
        };
        if owner.local {
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
            return;
        }
        let done = match (&verdict, ttl) {
            (Some(verdict), Some(ttl)) => self.store.fill(&owner.key, verdict, ttl).await,
            (Some(verdict), None) => self.store.fill(&owner.key, verdict, Duration::ZERO).await,
            _ => self.store.abandon(&owner.key, &owner.token).await,
        };
        match done {
            Ok(()) => self.worked(StorePart::Cache),
            Err(e) => self.failed(StorePart::Cache, &e),
        }
    }

    /// One attempt at `route`: the rate limit, the reservation, the call, the settlement. A
    /// refusal of the limiter or the budget is this attempt's error, not sent, not billed.
    pub(crate) async fn attempt(
        &self,
        route: &Route,
        identity: &Identity,
    ) -> Result<Verification, Error> {
        let vendor = Vendor::from_id(route.vendor());
        if let Some(vendor) = vendor {
            if let Some(rate) = self.rates.get(&vendor) {
                self.limit(&LimitKey::new(route.credential(), vendor), *rate, vendor)
                    .await?;
            }
        }
        let reservation = self.reserve(route, vendor).await?;
        let result = route.run(identity).await;
        if let Some(reservation) = reservation {
            let billing = match &result {
                Ok(v) => v.billing,
                Err(e) => e.billing(),
            };
            let settlement = match billing {
                Billing::Billed => Settlement::Billed(route.price()),
                Billing::NotBilled => Settlement::NotBilled,
                _ => Settlement::MayHaveBeenCharged,
            };
            match self.store.settle(&reservation, settlement).await {
                Ok(outcome) => {
                    self.worked(StorePart::Ledger);
                    for warning in outcome.warnings {
                        self.warn.emit(&RouterWarning::Quota(warning));
                    }
                }
                Err(e) => self.failed(StorePart::Ledger, &e),
            }
        }
        result
    }

    /// Waits for a permit of `rate`, at most `max_wait` in all; past that, the attempt fails
    /// locally as throttled. While the store fails, the permit is this process's own, at the
    /// vendor's fallback rate.
    async fn limit(&self, key: &LimitKey, rate: Rate, vendor: Vendor) -> Result<(), Error> {
        let mut waited = Duration::ZERO;
        loop {
            let decision = match self.store.acquire(key, rate).await {
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
            let wait = RateDecision::wait(decision);
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

    /// Reserves the route's price: `None` when there is nothing to count it under (a vendor
    /// outside the catalogue under no budget), or when the ledger is down and configured to
    /// let paid calls go uncounted.
    async fn reserve(
        &self,
        route: &Route,
        vendor: Option<Vendor>,
    ) -> Result<Option<Reservation>, Error> {
        let Some(vendor) = vendor else {
            if self.budget == Budget::UNLIMITED {
                return Ok(None);
            }
            return Err(budget_error(format!(
                "{} is not in the catalogue, so the budget cannot count it",
                route.vendor()
            )));
        };
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
        match self.store.reserve(&request).await {
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
