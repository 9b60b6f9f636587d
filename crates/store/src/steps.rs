//! The steps around one paid call, asked together: [`BeginSteps`] before it (claim, acquire,
//! reserve), [`EndSteps`] after it (settle, fill, abandon; and refund and record, which end a
//! check answered from the cache), each part answered on its own in
//! [`BeginOutcome`] and [`EndOutcome`]. A backend may send all the parts of one side at once:
//! in Redis, [`Store::begin`](crate::Store::begin) and [`Store::end`](crate::Store::end) are one
//! round trip each, so that an uncached call costs two.

use std::time::Duration;

use crate::cache::{CachedVerdict, Claim, ClaimToken};
use crate::keys::{CacheKey, LimitKey};
use crate::ledger::{
    Event, Reservation, ReserveOutcome, ReserveRequest, SettleOutcome, Settlement,
};
use crate::limit::{Rate, RateDecision};
use crate::StoreError;

/// What to do before a paid call, each part optional: claim the check (single flight), take a
/// permit of the rate limit, reserve the worst-case price. Built with [`BeginSteps::new`] and
/// its builder methods; every part asked is performed whatever the others answer, and the
/// caller undoes what it does not need (a permit with [`Store::refund`](crate::Store::refund),
/// a reservation with a [`Settlement::NotBilled`], a claim with an abandon).
///
/// ```
/// use std::time::Duration;
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::keys::LimitKey;
/// use shiming_store::ledger::ReserveRequest;
/// use shiming_store::limit::Rate;
/// use shiming_store::steps::BeginSteps;
/// let limit = LimitKey::new("my-appcode", Vendor::Sfz2);
/// let request = ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 11, 23).unwrap());
/// let steps = BeginSteps::new().acquire(&limit, Rate::new(20.0, 5)?).reserve(&request);
/// assert!(steps.claim.is_none() && steps.acquire.is_some() && steps.reserve.is_some());
/// # Ok::<(), shiming_store::StoreError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default)]
pub struct BeginSteps<'a> {
    /// Claim this check for this lease ([`Store::claim`](crate::Store::claim)).
    pub claim: Option<(&'a CacheKey, Duration)>,
    /// Take one permit of this rate for this key ([`Store::acquire`](crate::Store::acquire)).
    pub acquire: Option<(&'a LimitKey, Rate)>,
    /// Reserve this request's worst case ([`Store::reserve`](crate::Store::reserve)).
    pub reserve: Option<&'a ReserveRequest>,
}

impl<'a> BeginSteps<'a> {
    /// No part asked (a [`Store::begin`](crate::Store::begin) of it does nothing).
    ///
    /// ```
    /// let steps = shiming_store::steps::BeginSteps::new();
    /// assert!(steps.claim.is_none() && steps.acquire.is_none() && steps.reserve.is_none());
    /// ```
    #[must_use]
    pub fn new() -> BeginSteps<'a> {
        BeginSteps::default()
    }

    /// Also claims `key` for `lease`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::Identity;
    /// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// let pepper = Pepper::new(vec![7; 32])?;
    /// let key = CacheKey::new(&pepper, CheckKind::Two, &Identity::unchecked("吴秀英", "11010219560409026X", None));
    /// let steps = shiming_store::steps::BeginSteps::new().claim(&key, Duration::from_secs(30));
    /// assert_eq!(steps.claim, Some((&key, Duration::from_secs(30))));
    /// # Ok::<(), shiming_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn claim(mut self, key: &'a CacheKey, lease: Duration) -> BeginSteps<'a> {
        self.claim = Some((key, lease));
        self
    }

    /// Also takes one permit of `rate` for `key`.
    ///
    /// ```
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::Rate, steps::BeginSteps};
    /// let limit = LimitKey::new("my-appcode", Vendor::Tel3);
    /// let steps = BeginSteps::new().acquire(&limit, Rate::new(50.0, 10)?);
    /// assert!(steps.acquire.is_some());
    /// # Ok::<(), shiming_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn acquire(mut self, key: &'a LimitKey, rate: Rate) -> BeginSteps<'a> {
        self.acquire = Some((key, rate));
        self
    }

    /// Also reserves `request`'s worst case.
    ///
    /// ```
    /// use shiming_core::{Date, Price, Vendor};
    /// use shiming_store::{ledger::ReserveRequest, steps::BeginSteps};
    /// let request = ReserveRequest::new(Vendor::Tel3, Price::from_li(200), Date::new(2026, 11, 23).unwrap());
    /// assert!(BeginSteps::new().reserve(&request).reserve.is_some());
    /// ```
    #[must_use]
    pub fn reserve(mut self, request: &'a ReserveRequest) -> BeginSteps<'a> {
        self.reserve = Some(request);
        self
    }
}

/// The answer to each part of a [`BeginSteps`], on its own: `None` for a part not asked, the
/// part's own result otherwise (one part's failure says nothing about another's).
///
/// ```
/// use shiming_store::cache::Claim;
/// use shiming_store::steps::BeginOutcome;
/// let mut outcome = BeginOutcome::default();
/// outcome.claim = Some(Ok(Claim::InFlight));
/// assert!(outcome.acquire.is_none() && outcome.reserve.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BeginOutcome {
    /// The claim's answer, if one was asked.
    pub claim: Option<Result<Claim, StoreError>>,
    /// The rate limit's answer, if a permit was asked.
    pub acquire: Option<Result<RateDecision, StoreError>>,
    /// The ledger's answer, if a reservation was asked.
    pub reserve: Option<Result<ReserveOutcome, StoreError>>,
}

/// What to do after a paid call, each part optional: settle the reservation, store the
/// verdict (ending the claim), or end the claim without one. Built with [`EndSteps::new`] and
/// its builder methods; every part asked is performed whatever the others answer.
///
/// ```
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::ledger::{Reservation, Settlement};
/// use shiming_store::steps::EndSteps;
/// # let store = shiming_store::MemoryStore::new();
/// # let request = shiming_store::ledger::ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 11, 23).unwrap());
/// # let shiming_store::ledger::ReserveOutcome::Reserved(reservation) = store.ledger().reserve(&request) else { unreachable!() };
/// let steps = EndSteps::new().settle(&reservation, Settlement::NotBilled);
/// assert!(steps.settle.is_some() && steps.fill.is_none() && steps.abandon.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default)]
pub struct EndSteps<'a> {
    /// Settle this reservation so ([`Store::settle`](crate::Store::settle)).
    pub settle: Option<(&'a Reservation, Settlement)>,
    /// Store this verdict for this TTL ([`Store::fill`](crate::Store::fill)).
    pub fill: Option<(&'a CacheKey, &'a CachedVerdict, Duration)>,
    /// End this claim without a verdict ([`Store::abandon`](crate::Store::abandon)).
    pub abandon: Option<(&'a CacheKey, &'a ClaimToken)>,
    /// Give back a permit of this rate for this key ([`Store::refund`](crate::Store::refund)).
    pub refund: Option<(&'a LimitKey, Rate)>,
    /// Count this event ([`Store::record`](crate::Store::record)).
    pub record: Option<Event>,
}

impl<'a> EndSteps<'a> {
    /// No part asked (a [`Store::end`](crate::Store::end) of it does nothing).
    ///
    /// ```
    /// let steps = shiming_store::steps::EndSteps::new();
    /// assert!(steps.settle.is_none() && steps.fill.is_none() && steps.abandon.is_none());
    /// ```
    #[must_use]
    pub fn new() -> EndSteps<'a> {
        EndSteps::default()
    }

    /// Also settles `reservation` as `settlement` says.
    ///
    /// ```
    /// use shiming_core::{Date, Price, Vendor};
    /// use shiming_store::ledger::{ReserveOutcome, ReserveRequest, Settlement};
    /// let store = shiming_store::MemoryStore::new();
    /// let request = ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 11, 23).unwrap());
    /// let ReserveOutcome::Reserved(reservation) = store.ledger().reserve(&request) else { unreachable!() };
    /// let steps = shiming_store::steps::EndSteps::new().settle(&reservation, Settlement::Billed(Price::from_li(40)));
    /// assert!(steps.settle.is_some());
    /// ```
    #[must_use]
    pub fn settle(mut self, reservation: &'a Reservation, settlement: Settlement) -> EndSteps<'a> {
        self.settle = Some((reservation, settlement));
        self
    }

    /// Also stores `verdict` under `key` for `ttl` (zero: only ends the claim).
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::{Identity, Price, Vendor, Verdict};
    /// use shiming_store::cache::CachedVerdict;
    /// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// let pepper = Pepper::new(vec![7; 32])?;
    /// let key = CacheKey::new(&pepper, CheckKind::Two, &Identity::unchecked("吴秀英", "11010219560409026X", None));
    /// let verdict = CachedVerdict { verdict: Verdict::Match, vendor: Vendor::Sfz2, request_id: None, at_unix: 1_795_000_000, price: Price::from_li(40) };
    /// let steps = shiming_store::steps::EndSteps::new().fill(&key, &verdict, Duration::from_secs(3_600));
    /// assert!(steps.fill.is_some());
    /// # Ok::<(), shiming_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn fill(
        mut self,
        key: &'a CacheKey,
        verdict: &'a CachedVerdict,
        ttl: Duration,
    ) -> EndSteps<'a> {
        self.fill = Some((key, verdict, ttl));
        self
    }

    /// Also ends the claim of `key` without a verdict, if `token` still owns it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::Identity;
    /// use shiming_store::cache::Claim;
    /// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
    /// let pepper = Pepper::new(vec![7; 32])?;
    /// let key = CacheKey::new(&pepper, CheckKind::Two, &Identity::unchecked("吴秀英", "11010219560409026X", None));
    /// let store = shiming_store::MemoryStore::new();
    /// let Claim::Owner(token) = store.cache().claim(&key, Duration::from_secs(30)) else { unreachable!() };
    /// let steps = shiming_store::steps::EndSteps::new().abandon(&key, &token);
    /// assert!(steps.abandon.is_some());
    /// # Ok::<(), shiming_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn abandon(mut self, key: &'a CacheKey, token: &'a ClaimToken) -> EndSteps<'a> {
        self.abandon = Some((key, token));
        self
    }

    /// Also gives back a permit of `rate` for `key` that was taken and not used (a check
    /// answered from the cache after its permit was taken ahead).
    ///
    /// ```
    /// use shiming_core::Vendor;
    /// use shiming_store::{keys::LimitKey, limit::Rate, steps::EndSteps};
    /// let limit = LimitKey::new("my-appcode", Vendor::Tel3);
    /// let steps = EndSteps::new().refund(&limit, Rate::new(50.0, 10)?);
    /// assert!(steps.refund.is_some());
    /// # Ok::<(), shiming_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn refund(mut self, key: &'a LimitKey, rate: Rate) -> EndSteps<'a> {
        self.refund = Some((key, rate));
        self
    }

    /// Also counts `event` (a cache hit, a limiter wait).
    ///
    /// ```
    /// use shiming_core::{Price, Vendor};
    /// use shiming_store::{ledger::Event, steps::EndSteps};
    /// let steps = EndSteps::new().record(Event::CacheHit { vendor: Vendor::Tel3, saved: Price::from_li(200) });
    /// assert!(steps.record.is_some());
    /// ```
    #[must_use]
    pub fn record(mut self, event: Event) -> EndSteps<'a> {
        self.record = Some(event);
        self
    }
}

/// The answer to each part of an [`EndSteps`], on its own: `None` for a part not asked.
///
/// ```
/// use shiming_store::ledger::SettleOutcome;
/// use shiming_store::steps::EndOutcome;
/// let mut outcome = EndOutcome::default();
/// outcome.settle = Some(Ok(SettleOutcome::default()));
/// assert!(outcome.fill.is_none() && outcome.abandon.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndOutcome {
    /// The settlement's answer, if one was asked.
    pub settle: Option<Result<SettleOutcome, StoreError>>,
    /// The fill's answer, if one was asked.
    pub fill: Option<Result<(), StoreError>>,
    /// The abandon's answer, if one was asked.
    pub abandon: Option<Result<(), StoreError>>,
    /// The refund's answer, if one was asked.
    pub refund: Option<Result<(), StoreError>>,
    /// The record's answer, if one was asked.
    pub record: Option<Result<(), StoreError>>,
}
