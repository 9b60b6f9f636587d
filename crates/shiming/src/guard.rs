//! What a router with a store does around a check — the dedupe cache with single flight — and
//! around each attempt — the rate limit before, the budget's reservation before and its
//! settlement after. When the store itself fails: the limiter lets the call go, the cache is a
//! miss, and the budget refuses the paid call (fail closed); each a warning without personal
//! data.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shiming_core::{Billing, Error, ErrorKind, Identity, Vendor, Verification};
use shiming_store::cache::{CacheTtl, CachedVerdict, Claim, ClaimToken};
use shiming_store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
use shiming_store::ledger::{
    Budget, Event, Refusal, Reservation, ReserveOutcome, ReserveRequest, Settlement,
};
use shiming_store::limit::Rate;
use shiming_store::Store;
use shiming_vendor_kit::{today_in_china, unix_now};

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

/// A claim to fill or abandon.
pub(crate) struct Owner {
    key: CacheKey,
    token: ClaimToken,
    kind: CheckKind,
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
            match self.store.claim(&key, self.lease).await {
                Ok(Claim::Cached(cached)) => {
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
                Ok(Claim::Owner(token)) => return Ok(Lookup::Owner(Owner { key, token, kind })),
                Ok(Claim::InFlight) => {
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
                Ok(_) => return Ok(Lookup::Miss),
                Err(e) => {
                    tracing::warn!(error = %e, "the dedupe cache failed; checking without it");
                    return Ok(Lookup::Miss);
                }
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
        let done = match (&verdict, &self.cache) {
            (Some(verdict), Some((_, ttl))) => {
                let ttl = ttl
                    .for_verdict(owner.kind, verdict.verdict)
                    .unwrap_or(Duration::ZERO);
                self.store.fill(&owner.key, verdict, ttl).await
            }
            _ => self.store.abandon(&owner.key, &owner.token).await,
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, "the dedupe cache failed to end a claim; it lapses with its lease");
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
                    for warning in outcome.warnings {
                        tracing::warn!(vendor = route.vendor(), "{warning}");
                    }
                }
                Err(e) => {
                    tracing::warn!(vendor = route.vendor(), error = %e, "the budget ledger failed to settle a call");
                }
            }
        }
        result
    }

    /// Waits for a permit of `rate`, at most `max_wait` in all; past that, the attempt fails
    /// locally as throttled. A failing store lets the call go.
    async fn limit(&self, key: &LimitKey, rate: Rate, vendor: Vendor) -> Result<(), Error> {
        let mut waited = Duration::ZERO;
        loop {
            let wait = match self.store.acquire(key, rate).await {
                Ok(decision) => decision.wait(),
                Err(e) => {
                    tracing::warn!(vendor = vendor.id(), error = %e, "the rate limiter failed; sending without it");
                    Duration::ZERO
                }
            };
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

    /// Reserves the route's price: `None` only for a vendor outside the catalogue under no
    /// budget (nothing to count it under).
    async fn reserve(
        &self,
        route: &Route,
        vendor: Option<Vendor>,
    ) -> Result<Option<Reservation>, Error> {
        let Some(vendor) = vendor else {
            if self.budget == Budget::UNLIMITED {
                return Ok(None);
            }
            return Err(Error::new(
                ErrorKind::NotSent,
                format!(
                    "budget_exhausted: {} is not in the catalogue, so the budget cannot count it; not sent",
                    route.vendor()
                ),
            )
            .with_transient(false));
        };
        let request = ReserveRequest::new(vendor, route.price(), today_in_china())
            .with_budget(self.budget)
            .with_vendor_budget(
                self.vendor_budgets
                    .get(&vendor)
                    .copied()
                    .unwrap_or(Budget::UNLIMITED),
            );
        match self.store.reserve(&request).await {
            Ok(ReserveOutcome::Reserved(reservation)) => Ok(Some(reservation)),
            Ok(ReserveOutcome::Refused(refusal)) => Err(refused(&refusal)),
            Ok(_) => Err(Error::new(
                ErrorKind::NotSent,
                "budget_exhausted: the budget ledger refused the call; not sent",
            )
            .with_transient(false)),
            Err(e) => {
                tracing::warn!(vendor = vendor.id(), error = %e, "the budget ledger failed; refusing the paid call");
                Err(Error::new(
                    ErrorKind::NotSent,
                    format!(
                        "budget_exhausted: the budget ledger cannot be reached, and paid calls are \
                         refused until it can ({e}); not sent"
                    ),
                )
                .with_transient(false))
            }
        }
    }

    async fn record(&self, event: Event) {
        if let Err(e) = self.store.record(event).await {
            tracing::warn!(error = %e, "the ledger failed to count an event");
        }
    }
}

/// The local error of a refused reservation: a budget is [`ErrorKind::NotSent`] whose message
/// starts with `budget_exhausted:` (not transient: only another vendor, under its own budget,
/// may be tried); a package used up or expired is [`ErrorKind::QuotaExhausted`].
fn refused(refusal: &Refusal) -> Error {
    match refusal {
        Refusal::QuotaUsedUp { .. } | Refusal::QuotaExpired { .. } => {
            Error::new(ErrorKind::QuotaExhausted, format!("{refusal}; not sent"))
                .with_transient(false)
        }
        _ => Error::new(
            ErrorKind::NotSent,
            format!("{}: {refusal}; not sent", refusal.code()),
        )
        .with_transient(false),
    }
}
