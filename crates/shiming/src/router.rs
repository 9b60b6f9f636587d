//! Routing one check across several vendors, failing over only where that cannot charge
//! twice.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use shiming_core::id_card::ValidationOptions;
use shiming_core::{Billing, Error, ErrorKind, Identity, Verdict, Verification};
use shiming_store::cache::CacheTtl;
use shiming_store::keys::{LimitKey, Pepper};
use shiming_store::ledger::{Budget, QuotaPlan};
use shiming_store::limit::Rate;
use shiming_store::Store;
use shiming_vendor_kit::today_in_china;
use tracing::Instrument as _;

use crate::guard::{Ahead, Guard, Lookup, Unsettled};
use crate::warning::{LedgerDown, RouterWarning, Warn};
use crate::{Attempt, Attempts, Elements, Route, Vendor};

/// In which order a router tries its routes.
///
/// ```
/// assert_eq!("price".parse::<shiming::Order>(), Ok(shiming::Order::Price));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// By [`Route::priority`], lower first (ties: the order routes were added).
    #[default]
    Priority,
    /// By [`Route::price`], cheaper first (ties: by priority).
    Price,
}

impl std::str::FromStr for Order {
    type Err = String;

    /// `priority` or `price`.
    fn from_str(text: &str) -> Result<Order, String> {
        match text.trim() {
            "priority" => Ok(Order::Priority),
            "price" => Ok(Order::Price),
            other => Err(format!(
                "unknown order {:?}; expected \"priority\" or \"price\"",
                other.chars().take(32).collect::<String>()
            )),
        }
    }
}

/// When a router may try the next vendor.
///
/// After a failure, as its [`Error::retry_safety`] allows (the rule the gateway's retry
/// policy reads too; the table is [`RetrySafety`]'s): always after a failure that certainly
/// cost nothing ([`RetrySafety::Transient`], [`RetrySafety::ElsewhereOnly`]: not sent,
/// credentials, quota, flow control, a non-2xx fault…); never after an input error (the next
/// vendor would refuse it too) or a failure the marketplace charged for
/// ([`RetrySafety::Never`]); after a call that may have been charged
/// ([`RetrySafety::MayCharge`]) only when opted in ([`FailoverPolicy::after_possible_charge`]
/// — it may cost twice). After a verdict: never, except a `NoRecord` verdict when opted in
/// ([`FailoverPolicy::on_no_record`] — the next vendor is charged as well).
///
/// [`RetrySafety`]: shiming_core::RetrySafety
/// [`RetrySafety::Transient`]: shiming_core::RetrySafety::Transient
/// [`RetrySafety::ElsewhereOnly`]: shiming_core::RetrySafety::ElsewhereOnly
/// [`RetrySafety::Never`]: shiming_core::RetrySafety::Never
/// [`RetrySafety::MayCharge`]: shiming_core::RetrySafety::MayCharge
///
/// ```
/// let p = shiming::FailoverPolicy::default();
/// assert!(!p.on_no_record && !p.after_possible_charge);
/// let p = p.with_on_no_record(true);
/// assert!(p.on_no_record);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailoverPolicy {
    /// Try the next vendor after a `NoRecord` verdict (unsupported segment, no record).
    pub on_no_record: bool,
    /// Try the next vendor after a call that may have been charged (timeout, reset).
    pub after_possible_charge: bool,
}

impl FailoverPolicy {
    /// Sets [`FailoverPolicy::on_no_record`].
    ///
    /// ```
    /// assert!(shiming::FailoverPolicy::default().with_on_no_record(true).on_no_record);
    /// ```
    #[must_use]
    pub fn with_on_no_record(mut self, on: bool) -> FailoverPolicy {
        self.on_no_record = on;
        self
    }

    /// Sets [`FailoverPolicy::after_possible_charge`].
    ///
    /// ```
    /// assert!(shiming::FailoverPolicy::default().with_after_possible_charge(true).after_possible_charge);
    /// ```
    #[must_use]
    pub fn with_after_possible_charge(mut self, on: bool) -> FailoverPolicy {
        self.after_possible_charge = on;
        self
    }

    /// Whether, after `result` from one vendor, the next may be tried.
    ///
    /// ```
    /// use shiming::{Error, ErrorKind, FailoverPolicy};
    /// let p = FailoverPolicy::default();
    /// assert!(p.allows_after(&Err(Error::new(ErrorKind::QuotaExhausted, "Quota Exhausted"))));
    /// assert!(!p.allows_after(&Err(Error::new(ErrorKind::MayHaveBeenCharged, "timed out"))));
    /// assert!(!p.allows_after(&Err(Error::new(ErrorKind::InvalidInput, "手机号码有误"))));
    /// ```
    #[must_use]
    pub fn allows_after(&self, result: &Result<Verification, Error>) -> bool {
        match result {
            Ok(v) => v.verdict == Verdict::NoRecord && self.on_no_record,
            Err(e) => e.retry_safety().allows_failover(self.after_possible_charge),
        }
    }
}

/// A verdict obtained through a [`Router`], with every vendor tried on the way — or, with
/// [`Routed::cached`], from the dedupe cache of a router with a store: then nothing was sent,
/// [`Routed::attempts`] is empty (the check cost 0), and the verification is the cached one
/// (verdict, vendor, the original call's request id; [`Billing::NotBilled`], no vendor code,
/// message or echoes — the cache keeps none).
///
/// ```no_run
/// # async fn demo(router: shiming::Router, who: shiming::Identity) {
/// let routed = router.verify(&who).await.unwrap();
/// println!("{} by {} — tried {}", routed.verification.verdict, routed.verification.vendor, routed.attempts);
/// # }
/// ```
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Routed {
    /// The answer of the vendor that gave the verdict.
    pub verification: Verification,
    /// Every vendor tried, the last being the one that answered (empty when cached).
    pub attempts: Attempts,
    /// Whether the verdict came from the dedupe cache ([`RouterBuilder::cache`]) instead of a
    /// call. The flag lives here, not on core's `Verification`: only the router caches.
    pub cached: bool,
}

/// A routed check that ended without a verdict: the error that ended it and every vendor
/// tried. `Display` shows both, without personal data.
///
/// ```
/// let e = shiming::RouteError::from(shiming::Error::new(shiming::ErrorKind::NotSent, "no route"));
/// assert!(e.attempts.is_empty());
/// assert_eq!(e.to_string(), "not_sent: no route");
/// ```
#[non_exhaustive]
#[derive(Debug)]
pub struct RouteError {
    /// The error that ended the check (the last vendor's, or the local refusal).
    pub error: Error,
    /// Every vendor tried (empty when the check was refused before any was).
    pub attempts: Attempts,
}

impl From<Error> for RouteError {
    fn from(error: Error) -> RouteError {
        RouteError {
            error,
            attempts: Attempts::default(),
        }
    }
}

impl RouteError {
    /// Billing over all attempts (see [`Attempts::billing`]); [`Billing::NotBilled`] when
    /// nothing was tried.
    ///
    /// ```
    /// let e = shiming::RouteError::from(shiming::Error::new(shiming::ErrorKind::NotSent, "x"));
    /// assert_eq!(e.billing(), shiming::Billing::NotBilled);
    /// ```
    #[must_use]
    pub fn billing(&self) -> Billing {
        if self.attempts.is_empty() {
            self.error.billing()
        } else {
            self.attempts.billing()
        }
    }
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if self.attempts.len() > 1 {
            write!(f, " (tried {})", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for RouteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// No enabled route checks what an identity holds ([`Router::no_route`]): why
/// [`Router::verify`] fails with [`ErrorKind::NotSent`] before trying any vendor. `Display` is
/// that error's message; [`NoRoute::message`] is the same sentence for callers who word the
/// advice themselves (the command line names its own switches).
///
/// ```
/// let router = shiming::Router::builder().build();
/// let none = router.no_route(shiming::Elements::Two).unwrap();
/// assert_eq!(
///     none.to_string(),
///     "no enabled vendor checks name + ID number without a mobile (configure sfz2)"
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRoute {
    /// What the identity holds, and no route checks.
    pub elements: Elements,
}

/// The failure of [`Router::verify`] when no route checks the identity: [`ErrorKind::NotSent`]
/// with [`NoRoute`]'s sentence, and no vendor tried.
impl From<NoRoute> for RouteError {
    fn from(none: NoRoute) -> RouteError {
        RouteError::from(Error::new(ErrorKind::NotSent, none.to_string()))
    }
}

impl NoRoute {
    /// The vendors that check these elements, in words and in the order of [`Vendor`]'s
    /// declaration: `tel3, sxm3v2, sjsys or phonethird`; `sfz2`.
    ///
    /// ```
    /// let none = shiming::Router::builder().build().no_route(shiming::Elements::Three).unwrap();
    /// assert_eq!(none.vendors(), "tel3, sxm3v2, sjsys or phonethird");
    /// ```
    #[must_use]
    pub fn vendors(self) -> String {
        let mut names: Vec<Vendor> = Vendor::ALL
            .into_iter()
            .filter(|v| v.elements() == self.elements)
            .collect();
        names.sort_unstable();
        let mut text = String::new();
        for (i, vendor) in names.iter().enumerate() {
            if i > 0 {
                text.push_str(if i + 1 == names.len() { " or " } else { ", " });
            }
            text.push_str(vendor.id());
        }
        text
    }

    /// The one sentence: `no {which} vendor checks {what the identity holds}{advice}`, where
    /// `which` says which vendors were looked at (the router's `enabled` ones, or those a
    /// configuration made `usable`) and `advice` follows as given.
    ///
    /// ```
    /// let none = shiming::Router::builder().build().no_route(shiming::Elements::Three).unwrap();
    /// assert_eq!(
    ///     none.message("usable", "; add credentials"),
    ///     "no usable vendor checks name + ID number + mobile; add credentials"
    /// );
    /// ```
    #[must_use]
    pub fn message(self, which: &str, advice: &str) -> String {
        let what = match self.elements {
            Elements::Three => "name + ID number + mobile",
            _ => "name + ID number without a mobile",
        };
        format!("no {which} vendor checks {what}{advice}")
    }
}

impl fmt::Display for NoRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("enabled", &format!(" (configure {})", self.vendors())))
    }
}

/// One client over several vendors. Each check is validated locally once (refused input
/// never reaches any vendor), then sent to the enabled routes that check what the identity
/// holds — three-element vendors when it has a mobile, two-element vendors when it has not —
/// in [`Order`], moving on only as [`FailoverPolicy`] allows.
///
/// ```
/// use shiming::{gateway::Credentials, Order, Route, Router};
/// let code = Credentials::app_code("my-appcode");
/// let router = Router::builder()
///     .route(Route::three(shiming::tel3::Tel3Client::new(code.clone())))
///     .route(Route::three(shiming::sxm3v2::Sxm3v2Client::new(code.clone())))
///     .route(Route::two(shiming::sfz2::Sfz2Client::new(code)))
///     .order(Order::Price)
///     .build();
/// let order: Vec<_> = router.candidates(shiming::Elements::Three).map(|r| r.vendor()).collect();
/// assert_eq!(order, ["sxm3v2", "tel3"]);
/// ```
#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<Route>,
    failover: FailoverPolicy,
    strict_regions: bool,
    guard: Option<Guard>,
}

/// Builds a [`Router`].
///
/// ```
/// let router = shiming::Router::builder().strict_regions(true).build();
/// assert!(router.routes().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct RouterBuilder {
    routes: Vec<Route>,
    order: Order,
    failover: FailoverPolicy,
    strict_regions: bool,
    store: Option<Arc<dyn Store>>,
    rates: HashMap<Vendor, Rate>,
    max_wait: Option<Duration>,
    cache: Option<(Pepper, CacheTtl)>,
    lease: Option<Duration>,
    budget: Budget,
    vendor_budgets: HashMap<Vendor, Budget>,
    quotas: HashMap<Vendor, QuotaPlan>,
    fallback_rates: HashMap<Vendor, Rate>,
    ledger_down: LedgerDown,
    warn: Warn,
}

/// How long a router with a store waits, in all, for a vendor's rate limit before failing
/// the attempt locally as throttled ([`RouterBuilder::max_wait`]).
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1);

/// How long the owner of a check holds its claim in the dedupe cache
/// ([`RouterBuilder::claim_lease`]): longer than the gateway's whole call, retries included.
const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// Each route's rate-limit key, by vendor and credential.
fn limit_keys(routes: &[Route]) -> HashMap<Vendor, HashMap<String, LimitKey>> {
    let mut keys: HashMap<Vendor, HashMap<String, LimitKey>> = HashMap::new();
    for route in routes {
        if let Some(vendor) = Vendor::from_id(route.vendor()) {
            keys.entry(vendor)
                .or_default()
                .entry(route.credential().to_string())
                .or_insert_with(|| LimitKey::new(route.credential(), vendor));
        }
    }
    keys
}

impl RouterBuilder {
    /// Adds a route.
    ///
    /// ```
    /// let c = shiming::sfz2::Sfz2Client::new(shiming::gateway::Credentials::app_code("c"));
    /// let r = shiming::Router::builder().route(shiming::Route::two(c)).build();
    /// assert_eq!(r.routes().len(), 1);
    /// ```
    pub fn route(mut self, route: Route) -> RouterBuilder {
        self.routes.push(route);
        self
    }

    /// The order routes are tried in (default [`Order::Priority`]).
    ///
    /// ```
    /// let _ = shiming::Router::builder().order(shiming::Order::Price);
    /// ```
    pub fn order(mut self, order: Order) -> RouterBuilder {
        self.order = order;
        self
    }

    /// When to fail over (default: only where nothing was charged).
    ///
    /// ```
    /// let _ = shiming::Router::builder().failover(shiming::FailoverPolicy::default().with_on_no_record(true));
    /// ```
    pub fn failover(mut self, failover: FailoverPolicy) -> RouterBuilder {
        self.failover = failover;
        self
    }

    /// Whether local validation refuses ID numbers whose region code was abolished before
    /// the holder's birth year (default `false`: such numbers exist in real life and are
    /// sent; with `true` they are refused before any vendor is paid).
    ///
    /// ```
    /// assert!(shiming::Router::builder().strict_regions(true).build().strict_regions());
    /// ```
    pub fn strict_regions(mut self, strict: bool) -> RouterBuilder {
        self.strict_regions = strict;
        self
    }

    /// Shares state with other routers and instances through `store` (see
    /// [`shiming_store::Store`]): with one, [`Router::verify`] reserves each call's price in
    /// the store's budget ledger and settles it after the call, takes a permit of each
    /// vendor's [`RouterBuilder::rate`] first, and answers repeated checks from the dedupe
    /// cache when [`RouterBuilder::cache`] is set. Without one (the default) none of that
    /// happens.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let router = shiming::Router::builder().store(Arc::new(shiming::store::MemoryStore::new())).build();
    /// assert!(router.has_store());
    /// ```
    pub fn store(mut self, store: Arc<dyn Store>) -> RouterBuilder {
        self.store = Some(store);
        self
    }

    /// The rate limit of `vendor`, per credential ([`Route::with_credential`]; the vendor id
    /// for routes without one), held in the store across every instance. Vendors without one
    /// are not limited. Needs [`RouterBuilder::store`].
    ///
    /// ```
    /// use shiming::store::limit::Rate;
    /// let _ = shiming::Router::builder().rate(shiming::Vendor::Tel3, Rate::new(20.0, 5).unwrap());
    /// ```
    pub fn rate(mut self, vendor: Vendor, rate: Rate) -> RouterBuilder {
        self.rates.insert(vendor, rate);
        self
    }

    /// How long an attempt waits, in all, for its vendor's rate limit (default 1 s; at most
    /// half the [claim lease](RouterBuilder::claim_lease), which the check's owner holds while
    /// it waits); an attempt whose permit would come later fails at once, locally, as
    /// [`ErrorKind::Throttled`] — not sent, not billed — and the router moves on as
    /// [`FailoverPolicy`] allows.
    ///
    /// ```
    /// let _ = shiming::Router::builder().max_wait(std::time::Duration::ZERO);
    /// ```
    pub fn max_wait(mut self, max_wait: Duration) -> RouterBuilder {
        self.max_wait = Some(max_wait);
        self
    }

    /// Turns on the dedupe cache: a check is keyed by the HMAC of its kind and normalized
    /// elements under `pepper`, and its verdict kept for `ttl` of its kind; errors are never
    /// kept. Concurrent identical checks send one call (single flight). Needs
    /// [`RouterBuilder::store`].
    ///
    /// ```
    /// use shiming::store::{cache::CacheTtl, keys::Pepper};
    /// let _ = shiming::Router::builder().cache(Pepper::new(vec![7; 32]).unwrap(), CacheTtl::default());
    /// ```
    pub fn cache(mut self, pepper: Pepper, ttl: CacheTtl) -> RouterBuilder {
        self.cache = Some((pepper, ttl));
        self
    }

    /// How long the caller that sends a check holds its claim in the dedupe cache (default
    /// 60 s). Should outlast a whole call, retries included: when it lapses, one waiter takes
    /// the check over (as when the owner died). Waiters give up after twice the lease.
    ///
    /// ```
    /// let _ = shiming::Router::builder().claim_lease(std::time::Duration::from_secs(30));
    /// ```
    pub fn claim_lease(mut self, lease: Duration) -> RouterBuilder {
        self.lease = Some(lease);
        self
    }

    /// The overall budget (default: none, yet every call is still counted). A call whose
    /// price would pass it is refused locally — not sent, not billed — as
    /// [`ErrorKind::BudgetExhausted`]. Needs [`RouterBuilder::store`].
    ///
    /// ```
    /// use shiming::store::ledger::Budget;
    /// let _ = shiming::Router::builder().budget(Budget { daily: Some(shiming::Price::from_li(100_000)), ..Budget::UNLIMITED });
    /// ```
    pub fn budget(mut self, budget: Budget) -> RouterBuilder {
        self.budget = budget;
        self
    }

    /// The budget of one vendor, besides the overall one.
    ///
    /// ```
    /// use shiming::store::ledger::Budget;
    /// let _ = shiming::Router::builder().vendor_budget(shiming::Vendor::Tel3, Budget { total: Some(shiming::Price::from_li(1_000)), ..Budget::UNLIMITED });
    /// ```
    pub fn vendor_budget(mut self, vendor: Vendor, budget: Budget) -> RouterBuilder {
        self.vendor_budgets.insert(vendor, budget);
        self
    }

    /// Tracks the package bought for `vendor`: every call charged (or that may have been)
    /// counts against it in the store's ledger; warnings come at 20 % and 5 % left, at 0 and
    /// 7 days before it expires ([`RouterWarning::Quota`]), each once per store; once it is used up
    /// or expired the vendor is skipped ([`ErrorKind::QuotaExhausted`], not sent) and the next
    /// one tried. Needs [`RouterBuilder::store`].
    ///
    /// ```
    /// use shiming::store::ledger::QuotaPlan;
    /// let plan = QuotaPlan { package_calls: 10_000, package_expires: shiming::core::Date::new(2027, 6, 30).unwrap() };
    /// let _ = shiming::Router::builder().quota(shiming::Vendor::Tel3, plan);
    /// ```
    pub fn quota(mut self, vendor: Vendor, plan: QuotaPlan) -> RouterBuilder {
        self.quotas.insert(vendor, plan);
        self
    }

    /// The rate `vendor` is held to in this process alone while the store's limiter cannot be
    /// reached (default: its [`RouterBuilder::rate`], which a fleet of N instances then
    /// overruns N times; set its share, the rate divided by the instances).
    ///
    /// ```
    /// use shiming::store::limit::Rate;
    /// let _ = shiming::Router::builder().fallback_rate(shiming::Vendor::Tel3, Rate::new(5.0, 1).unwrap());
    /// ```
    pub fn fallback_rate(mut self, vendor: Vendor, rate: Rate) -> RouterBuilder {
        self.fallback_rates.insert(vendor, rate);
        self
    }

    /// What paid calls do while the budget ledger cannot be reached (default
    /// [`LedgerDown::Refuse`]).
    ///
    /// ```
    /// let _ = shiming::Router::builder().when_ledger_down(shiming::LedgerDown::Send);
    /// ```
    pub fn when_ledger_down(mut self, ledger_down: LedgerDown) -> RouterBuilder {
        self.ledger_down = ledger_down;
        self
    }

    /// Calls `callback` with each [`RouterWarning`] (a package running low, the store failing or
    /// working again), besides logging it with `tracing`.
    ///
    /// ```
    /// let _ = shiming::Router::builder().on_warning(|w| eprintln!("warning: {w}"));
    /// ```
    pub fn on_warning(
        mut self,
        callback: impl Fn(&RouterWarning) + Send + Sync + 'static,
    ) -> RouterBuilder {
        self.warn = Warn::new(Arc::new(callback));
        self
    }

    /// Builds the router (routes sorted by the chosen order, stable).
    ///
    /// ```
    /// let _ = shiming::Router::builder().build();
    /// ```
    pub fn build(mut self) -> Router {
        match self.order {
            Order::Priority => self.routes.sort_by_key(Route::priority),
            Order::Price => self.routes.sort_by_key(|r| (r.price(), r.priority())),
        }
        let lease = self.lease.unwrap_or(DEFAULT_LEASE);
        let guard = self.store.map(|store| Guard {
            store,
            rates: self.rates,
            // The owner of a check waits for its permit while holding the claim: a wait as
            // long as the lease would let a waiter take the check over and pay for it again.
            max_wait: self.max_wait.unwrap_or(DEFAULT_MAX_WAIT).min(lease / 2),
            cache: self.cache,
            lease,
            budget: self.budget,
            vendor_budgets: self.vendor_budgets,
            quotas: self.quotas,
            fallback_rates: self.fallback_rates,
            ledger_down: self.ledger_down,
            warn: self.warn,
            local: Arc::default(),
            limit_keys: limit_keys(&self.routes),
        });
        Router {
            routes: self.routes,
            failover: self.failover,
            strict_regions: self.strict_regions,
            guard,
        }
    }
}

impl Router {
    /// A builder with no routes.
    ///
    /// ```
    /// assert!(shiming::Router::builder().build().routes().is_empty());
    /// ```
    pub fn builder() -> RouterBuilder {
        RouterBuilder::default()
    }

    /// All routes, in the order they are tried.
    ///
    /// ```
    /// assert!(shiming::Router::builder().build().routes().is_empty());
    /// ```
    #[must_use]
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// This router with only the routes of `vendor`: the same store, cache, limits, budget and
    /// warnings (a console's "this product" beside "auto"). No route when the router has none
    /// of `vendor`.
    ///
    /// ```
    /// use shiming::{gateway::Credentials, Route, Router, Vendor};
    /// let tel3 = shiming::tel3::Tel3Client::new(Credentials::app_code("code"));
    /// let sxm3v2 = shiming::sxm3v2::Sxm3v2Client::new(Credentials::app_code("code"));
    /// let r = Router::builder().route(Route::three(tel3)).route(Route::three(sxm3v2)).build();
    /// let only = r.only(Vendor::Sxm3v2);
    /// assert_eq!(only.routes().iter().map(|r| r.vendor()).collect::<Vec<_>>(), ["sxm3v2"]);
    /// assert!(r.only(Vendor::Sfz2).routes().is_empty());
    /// ```
    #[must_use]
    pub fn only(&self, vendor: Vendor) -> Router {
        let mut router = self.clone();
        router.routes.retain(|route| route.vendor() == vendor.id());
        router
    }

    /// The enabled routes that check `elements`, in the order they are tried.
    ///
    /// ```
    /// let r = shiming::Router::builder().build();
    /// assert_eq!(r.candidates(shiming::Elements::Two).count(), 0);
    /// ```
    pub fn candidates(&self, elements: Elements) -> impl Iterator<Item = &Route> + '_ {
        self.routes
            .iter()
            .filter(move |r| r.is_enabled() && r.elements() == elements)
    }

    /// `Some` when no enabled route checks `elements`: a check of them would fail with
    /// [`ErrorKind::NotSent`], nothing sent. Ask it before [`Router::verify`] to refuse such a
    /// check as a usage problem.
    ///
    /// ```
    /// let r = shiming::Router::builder().build();
    /// assert_eq!(r.no_route(shiming::Elements::Three).unwrap().elements, shiming::Elements::Three);
    /// ```
    #[must_use]
    pub fn no_route(&self, elements: Elements) -> Option<NoRoute> {
        self.candidates(elements)
            .next()
            .is_none()
            .then_some(NoRoute { elements })
    }

    /// The failover policy.
    ///
    /// ```
    /// assert_eq!(shiming::Router::builder().build().failover(), shiming::FailoverPolicy::default());
    /// ```
    #[must_use]
    pub fn failover(&self) -> FailoverPolicy {
        self.failover
    }

    /// Whether the router shares a store ([`RouterBuilder::store`]).
    ///
    /// ```
    /// assert!(!shiming::Router::builder().build().has_store());
    /// ```
    #[must_use]
    pub fn has_store(&self) -> bool {
        self.guard.is_some()
    }

    /// Whether region problems are refused locally (see [`RouterBuilder::strict_regions`]).
    ///
    /// ```
    /// assert!(!shiming::Router::builder().build().strict_regions());
    /// ```
    #[must_use]
    pub fn strict_regions(&self) -> bool {
        self.strict_regions
    }

    /// Validates `identity` as this router would before sending it: normalized values, or
    /// the typed input error. Nothing is sent.
    ///
    /// ```
    /// let r = shiming::Router::builder().build();
    /// let bad = shiming::Identity::unchecked("张三", "110105194912310021", None);
    /// assert_eq!(r.check_locally(&bad).unwrap_err().kind(), shiming::ErrorKind::InvalidInput);
    /// ```
    pub fn check_locally<'a>(&self, identity: &'a Identity) -> Result<Cow<'a, Identity>, Error> {
        let options = ValidationOptions::new(today_in_china()).strict(self.strict_regions);
        identity.validated(&options).map_err(Error::invalid_input)
    }

    /// Checks `identity`: validated locally first, then sent to the first candidate route,
    /// and to the next ones only as the failover policy allows. The result names every vendor
    /// tried and which billed.
    ///
    /// Fails with [`ErrorKind::InvalidInput`] (nothing sent) for input refused locally, and
    /// with [`ErrorKind::NotSent`] when no enabled route checks what the identity holds (the
    /// message is [`NoRoute`]'s; [`Router::no_route`] tells beforehand).
    ///
    /// With a store ([`RouterBuilder::store`]), per check: the dedupe cache first (a cached
    /// verdict answers with [`Routed::cached`] set, nothing sent, cost 0; while another caller
    /// sends the same check, wait for its answer; otherwise this caller sends it and caches
    /// the verdict — never an error); then per attempt: a permit of the vendor's rate (or,
    /// after [`RouterBuilder::max_wait`], a local [`ErrorKind::Throttled`]), a reservation of
    /// the route's price in the budget (or a local [`ErrorKind::BudgetExhausted`]; a tracked
    /// package used up is [`ErrorKind::QuotaExhausted`]), the call, and the settlement of
    /// what it was billed. Refused attempts are in the trail, not sent and not billed. When
    /// the store fails, the limiter falls back to this process's
    /// [`RouterBuilder::fallback_rate`], the cache is a miss (single flight still holds in
    /// this process), and the budget refuses the paid call unless
    /// [`RouterBuilder::when_ledger_down`] says otherwise — each a [`RouterWarning`].
    ///
    /// ```no_run
    /// # async fn demo(router: shiming::Router) -> Result<(), shiming::RouteError> {
    /// let who = shiming::Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"));
    /// let routed = router.verify(&who).await?;
    /// println!("{} (billed by {:?})", routed.verification.verdict, routed.attempts.billed());
    /// # Ok(()) }
    /// ```
    pub async fn verify(&self, identity: &Identity) -> Result<Routed, RouteError> {
        let identity = self.check_locally(identity)?;
        let Some(guard) = &self.guard else {
            return self.send(&identity, None, None).await.0;
        };
        let elements = Elements::of(&identity);
        if let Some(none) = self.no_route(elements) {
            return Err(none.into());
        }
        let first = self.candidates(elements).next();
        let (lookup, ahead) = guard.lookup(&identity, first).await?;
        let owner = match lookup {
            Lookup::Hit(verification) => {
                return Ok(Routed {
                    verification,
                    attempts: Attempts::default(),
                    cached: true,
                })
            }
            Lookup::Owner(owner) => Some(owner),
            Lookup::Miss => None,
        };
        let (result, unsettled) = self.send(&identity, Some(guard), ahead).await;
        guard.finish(owner, unsettled, &result).await;
        result
    }

    /// Sends a checked identity along the candidate routes, through `guard` when there is one
    /// (the first attempt with what the lookup took `ahead`); returns the result and what its
    /// last attempt left to settle (an attempt failed over from is settled at once).
    async fn send(
        &self,
        identity: &Identity,
        guard: Option<&Guard>,
        mut ahead: Option<Ahead>,
    ) -> (Result<Routed, RouteError>, Option<Unsettled>) {
        let elements = Elements::of(identity);
        let mut attempts = Attempts::default();
        let mut last = None;
        for route in self.candidates(elements) {
            let span = tracing::info_span!("shiming.route", vendor = route.vendor());
            let (result, unsettled) = match guard {
                None => (route.run(identity).instrument(span).await, None),
                Some(guard) => {
                    guard
                        .attempt(route, identity, ahead.take())
                        .instrument(span)
                        .await
                }
            };
            attempts.push(Attempt::of(route.price(), &result, route.vendor()));
            if !self.failover.allows_after(&result) {
                let routed = match result {
                    Ok(verification) => Ok(Routed {
                        verification,
                        attempts,
                        cached: false,
                    }),
                    Err(error) => Err(RouteError { error, attempts }),
                };
                return (routed, unsettled);
            }
            if let (Some(guard), Some(unsettled)) = (guard, unsettled) {
                guard.settle(unsettled).await;
            }
            tracing::info!(
                vendor = route.vendor(),
                outcome = attempts.last().map_or("", |a| a.outcome.code()),
                "failing over to the next vendor"
            );
            last = Some(result);
        }
        let routed = match last {
            // Every candidate allowed failover; the last answer stands.
            Some(Ok(verification)) => Ok(Routed {
                verification,
                attempts,
                cached: false,
            }),
            Some(Err(error)) => Err(RouteError { error, attempts }),
            None => Err(NoRoute { elements }.into()),
        };
        (routed, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(kind: ErrorKind, billing: Billing) -> Result<Verification, Error> {
        Err(Error::new(kind, "x").with_billing(billing))
    }

    #[test]
    fn failover_table() {
        let strict = FailoverPolicy::default();
        let eager = strict
            .with_on_no_record(true)
            .with_after_possible_charge(true);
        use Billing::{Billed, NotBilled, Unknown};
        use ErrorKind::*;
        // (kind, billing, default policy, eager policy)
        let table = [
            (InvalidInput, NotBilled, false, false),
            (InvalidInput, Billed, false, false),
            (Unauthorized, NotBilled, true, true),
            (QuotaExhausted, NotBilled, true, true),
            (Throttled, NotBilled, true, true),
            (VendorFault, NotBilled, true, true),
            (VendorFault, Billed, false, false),
            (NotSent, NotBilled, true, true),
            (MalformedAnswer, NotBilled, true, true),
            (MalformedAnswer, Billed, false, false),
            (MalformedAnswer, Unknown, false, true),
            (MayHaveBeenCharged, Unknown, false, true),
            (MayHaveBeenCharged, NotBilled, false, true),
        ];
        for (kind, billing, by_default, when_eager) in table {
            let r = failed(kind, billing);
            assert_eq!(strict.allows_after(&r), by_default, "{kind:?} {billing:?}");
            assert_eq!(eager.allows_after(&r), when_eager, "{kind:?} {billing:?}");
        }
        for (verdict, eager_moves_on) in [
            (Verdict::Match, false),
            (Verdict::Mismatch, false),
            (Verdict::NoRecord, true),
        ] {
            let r = Ok(Verification::new(verdict, "tel3", Billing::Billed));
            assert!(!strict.allows_after(&r));
            assert_eq!(eager.allows_after(&r), eager_moves_on);
        }
    }

    /// The one rule, end to end: for every kind × billing (and the two marks the gateway
    /// sets), what the gateway's retry policy and the router's failover policy do, each by
    /// default and opted in to a possible second charge.
    #[test]
    fn retry_and_failover_for_every_kind_and_billing() {
        use shiming_gateway::retry::RetryPolicy;
        use Billing::{Billed, NotBilled, Unknown};
        use ErrorKind::*;
        // (retry: default, opted in; failover: default, opted in)
        type Does = (bool, bool, bool, bool);
        const NEVER: Does = (false, false, false, false);
        const ELSEWHERE: Does = (false, false, true, true);
        const ANYWHERE: Does = (true, true, true, true);
        const OPTED_IN: Does = (false, true, false, true);
        // (kind, mark, not billed, billed, billing unknown)
        let table = [
            (InvalidInput, None, NEVER, NEVER, NEVER),
            (Unauthorized, None, ELSEWHERE, NEVER, OPTED_IN),
            (QuotaExhausted, None, ANYWHERE, NEVER, OPTED_IN),
            (Throttled, None, ANYWHERE, NEVER, OPTED_IN),
            (VendorFault, None, ELSEWHERE, NEVER, OPTED_IN),
            // A gateway 503 before the vendor did any work.
            (VendorFault, Some(true), ANYWHERE, NEVER, OPTED_IN),
            (NotSent, None, ANYWHERE, NEVER, OPTED_IN),
            // The client refused to send (its own configuration).
            (NotSent, Some(false), ELSEWHERE, NEVER, OPTED_IN),
            (MayHaveBeenCharged, None, OPTED_IN, NEVER, OPTED_IN),
            (MalformedAnswer, None, ELSEWHERE, NEVER, OPTED_IN),
        ];
        let retry = RetryPolicy::standard();
        let retry_opted = retry.retry_may_have_been_charged(true);
        let failover = FailoverPolicy::default();
        let failover_opted = failover.with_after_possible_charge(true);
        for (kind, mark, not_billed, billed, unknown) in table {
            for (billing, expected) in [
                (NotBilled, not_billed),
                (Billed, billed),
                (Unknown, unknown),
            ] {
                let error = || {
                    let e = Error::new(kind, "x").with_billing(billing);
                    match mark {
                        Some(transient) => e.with_transient(transient),
                        None => e,
                    }
                };
                let does = (
                    retry.next_delay(1, &error(), 0.5).is_some(),
                    retry_opted.next_delay(1, &error(), 0.5).is_some(),
                    failover.allows_after(&Err(error())),
                    failover_opted.allows_after(&Err(error())),
                );
                assert_eq!(does, expected, "{kind:?} {mark:?} {billing:?}");
                // The `on_no_record` switch is about verdicts only.
                let no_record = failover_opted.with_on_no_record(true);
                assert_eq!(no_record.allows_after(&Err(error())), expected.3);
            }
        }
    }

    #[test]
    fn no_route_says_what_nobody_checks() {
        let empty = Router::builder().build();
        assert_eq!(
            empty.no_route(Elements::Three).map(|n| n.to_string()).as_deref(),
            Some("no enabled vendor checks name + ID number + mobile (configure tel3, sxm3v2, sjsys or phonethird)")
        );
        assert_eq!(
            empty
                .no_route(Elements::Two)
                .map(|n| n.to_string())
                .as_deref(),
            Some("no enabled vendor checks name + ID number without a mobile (configure sfz2)")
        );
        #[cfg(feature = "sfz2")]
        {
            let code = shiming_gateway::Credentials::app_code("c");
            let two = Router::builder()
                .route(Route::two(shiming_sfz2::Sfz2Client::new(code)))
                .build();
            assert_eq!(two.no_route(Elements::Two), None);
            assert!(two.no_route(Elements::Three).is_some());
        }
    }

    #[test]
    fn order_parses() {
        assert_eq!("priority".parse::<Order>(), Ok(Order::Priority));
        assert!("cheapest".parse::<Order>().unwrap_err().contains("price"));
    }
}
