//! The budget and quota ledger, in whole 厘 (0.001 CNY, [`Price`]): never a float.
//!
//! Before a paid call its worst-case price is **reserved**, in one atomic step against every
//! limit that applies — the day's, the month's and the total budget, the vendor's and the
//! overall one, and the vendor's tracked quota — so that concurrent callers, in one process
//! or a fleet, never pass a limit together. After the call the reservation is **settled**:
//!
//! | [`Settlement`] | money | quota |
//! | --- | --- | --- |
//! | `Billed(price)` | the reservation is released and `price` spent | one call used |
//! | `NotBilled` | the reservation is released | nothing |
//! | `MayHaveBeenCharged` | the reservation becomes "may have been charged", which counts against every budget like spend (fail safe: it is never released) | one call used |
//!
//! A reservation's money stays on the day and month it was made for, whenever it is
//! settled. Days and months are the `today` each request gives (the date in China): the
//! ledger never reads a clock, so a new day starts a new daily budget as soon as a request
//! says it is one.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Serialize, Serializer};
use shiming_core::{Date, Price, Vendor};

use crate::StoreError;

/// Spending limits, each optional (`None`: no limit): per day, per calendar month, and in
/// total. A request carries one for the vendor it is about and one overall.
///
/// ```
/// use shiming_core::Price;
/// use shiming_store::ledger::{Budget, Period};
/// let budget = Budget { daily: Some(Price::from_li(50_000)), ..Budget::UNLIMITED };
/// assert_eq!(budget.cap(Period::Day), Some(Price::from_li(50_000)));
/// assert_eq!(budget.cap(Period::Total), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    /// At most this much per day.
    pub daily: Option<Price>,
    /// At most this much per calendar month.
    pub monthly: Option<Price>,
    /// At most this much ever (as long as the store keeps its books).
    pub total: Option<Price>,
}

impl Budget {
    /// No limit at all.
    ///
    /// ```
    /// assert_eq!(shiming_store::ledger::Budget::UNLIMITED, Default::default());
    /// ```
    pub const UNLIMITED: Budget = Budget {
        daily: None,
        monthly: None,
        total: None,
    };

    /// The limit for `period`.
    ///
    /// ```
    /// use shiming_store::ledger::{Budget, Period};
    /// assert_eq!(Budget::UNLIMITED.cap(Period::Month), None);
    /// ```
    #[must_use]
    pub fn cap(&self, period: Period) -> Option<Price> {
        match period {
            Period::Day => self.daily,
            Period::Month => self.monthly,
            Period::Total => self.total,
        }
    }
}

/// The period a budget limit covers.
///
/// ```
/// assert_eq!(shiming_store::ledger::Period::Month.code(), "monthly");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// The day (in China).
    Day,
    /// The calendar month.
    Month,
    /// Since the store's books began.
    Total,
}

impl Period {
    /// The three, shortest first.
    const ALL: [Period; 3] = [Period::Day, Period::Month, Period::Total];

    /// `daily`, `monthly` or `total`.
    ///
    /// ```
    /// assert_eq!(shiming_store::ledger::Period::Day.code(), "daily");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Period::Day => "daily",
            Period::Month => "monthly",
            Period::Total => "total",
        }
    }
}

/// Whose budget: one vendor's, or everything's.
///
/// ```
/// use shiming_store::ledger::Scope;
/// assert_eq!(Scope::Vendor(shiming_core::Vendor::Tel3).to_string(), "tel3");
/// assert_eq!(Scope::Overall.to_string(), "overall");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// All vendors together.
    Overall,
    /// One vendor.
    Vendor(Vendor),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Overall => f.write_str("overall"),
            Scope::Vendor(v) => f.write_str(v.id()),
        }
    }
}

/// A vendor package bought on the marketplace: how many calls, and until when. Calls charged
/// (or that may have been) since the plan was first given count against it; a different plan
/// (a new package) starts a new count.
///
/// ```
/// use shiming_core::Date;
/// use shiming_store::ledger::QuotaPlan;
/// let plan = QuotaPlan { package_calls: 10_000, package_expires: Date::new(2027, 6, 30).unwrap() };
/// assert_eq!(plan.package_calls, 10_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaPlan {
    /// The calls the package holds.
    pub package_calls: u64,
    /// The last day the package can be used.
    pub package_expires: Date,
}

/// What to reserve: the worst-case price of one call to `vendor` on `today`, under the
/// vendor's and the overall budget and the vendor's quota plan, if tracked.
///
/// ```
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::ledger::{Budget, ReserveRequest};
/// let request = ReserveRequest::new(Vendor::Tel3, Price::from_li(200), Date::new(2026, 11, 23).unwrap())
///     .with_budget(Budget { daily: Some(Price::from_li(100_000)), ..Budget::UNLIMITED });
/// assert_eq!(request.budget.daily, Some(Price::from_li(100_000)));
/// assert_eq!(request.vendor_budget, Budget::UNLIMITED);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRequest {
    /// The vendor about to be called.
    pub vendor: Vendor,
    /// The most the call can cost.
    pub worst_case: Price,
    /// The date in China.
    pub today: Date,
    /// The overall budget.
    pub budget: Budget,
    /// The vendor's own budget.
    pub vendor_budget: Budget,
    /// The vendor's package, when tracked.
    pub quota: Option<QuotaPlan>,
}

impl ReserveRequest {
    /// A request without limits: it is always reserved (and counted).
    ///
    /// ```
    /// use shiming_core::{Date, Price, Vendor};
    /// let r = shiming_store::ledger::ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap());
    /// assert!(r.quota.is_none());
    /// ```
    #[must_use]
    pub fn new(vendor: Vendor, worst_case: Price, today: Date) -> ReserveRequest {
        ReserveRequest {
            vendor,
            worst_case,
            today,
            budget: Budget::UNLIMITED,
            vendor_budget: Budget::UNLIMITED,
            quota: None,
        }
    }

    /// Under this overall budget.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # use shiming_store::ledger::{Budget, ReserveRequest};
    /// let b = Budget { total: Some(Price::from_li(1)), ..Budget::UNLIMITED };
    /// assert_eq!(ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap()).with_budget(b).budget, b);
    /// ```
    #[must_use]
    pub fn with_budget(mut self, budget: Budget) -> ReserveRequest {
        self.budget = budget;
        self
    }

    /// Under this budget of the vendor's.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # use shiming_store::ledger::{Budget, ReserveRequest};
    /// let b = Budget { monthly: Some(Price::from_li(1)), ..Budget::UNLIMITED };
    /// assert_eq!(ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap()).with_vendor_budget(b).vendor_budget, b);
    /// ```
    #[must_use]
    pub fn with_vendor_budget(mut self, budget: Budget) -> ReserveRequest {
        self.vendor_budget = budget;
        self
    }

    /// Against this package of the vendor's.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # use shiming_store::ledger::{QuotaPlan, ReserveRequest};
    /// let plan = QuotaPlan { package_calls: 100, package_expires: Date::new(2026, 12, 31).unwrap() };
    /// assert_eq!(ReserveRequest::new(Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap()).with_quota(plan).quota, Some(plan));
    /// ```
    #[must_use]
    pub fn with_quota(mut self, plan: QuotaPlan) -> ReserveRequest {
        self.quota = Some(plan);
        self
    }
}

/// Money set aside for one call, to be settled exactly once ([`crate::Store::settle`]).
///
/// ```
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::ledger::Reservation;
/// let r = Reservation::new(7, Vendor::Tel3, Price::from_li(200), Date::new(2026, 11, 23).unwrap());
/// assert_eq!(r.month(), Date::new(2026, 11, 1).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    id: u64,
    vendor: Vendor,
    amount: Price,
    day: Date,
}

impl Reservation {
    /// A reservation as a backend records it: its id (unique in the backend), the vendor,
    /// the amount set aside and the day it counts on.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// let r = shiming_store::ledger::Reservation::new(1, Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(r.id(), 1);
    /// ```
    #[must_use]
    pub fn new(id: u64, vendor: Vendor, amount: Price, day: Date) -> Reservation {
        Reservation {
            id,
            vendor,
            amount,
            day,
        }
    }

    /// The backend's id of it.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # let r = shiming_store::ledger::Reservation::new(1, Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(r.id(), 1);
    /// ```
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The vendor to be called.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # let r = shiming_store::ledger::Reservation::new(1, Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(r.vendor(), Vendor::Sfz2);
    /// ```
    #[must_use]
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// The amount set aside (the request's worst case).
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # let r = shiming_store::ledger::Reservation::new(1, Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(r.amount(), Price::from_li(40));
    /// ```
    #[must_use]
    pub fn amount(&self) -> Price {
        self.amount
    }

    /// The day its money counts on.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// # let r = shiming_store::ledger::Reservation::new(1, Vendor::Sfz2, Price::from_li(40), Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(r.day(), Date::new(2026, 1, 1).unwrap());
    /// ```
    #[must_use]
    pub fn day(&self) -> Date {
        self.day
    }

    /// The month its money counts in, as its first day.
    ///
    /// ```
    /// # use shiming_core::{Date, Price, Vendor};
    /// let r = shiming_store::ledger::Reservation::new(1, Vendor::Sfz2, Price::from_li(40), Date::new(2026, 2, 28).unwrap());
    /// assert_eq!(r.month(), Date::new(2026, 2, 1).unwrap());
    /// ```
    #[must_use]
    pub fn month(&self) -> Date {
        month_of(self.day)
    }
}

/// The answer to a reservation.
///
/// ```
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::ledger::{MemoryLedger, ReserveOutcome, ReserveRequest};
/// let ledger = MemoryLedger::new();
/// let request = ReserveRequest::new(Vendor::Tel3, Price::from_li(200), Date::new(2026, 11, 23).unwrap());
/// assert!(matches!(ledger.reserve(&request), ReserveOutcome::Reserved(_)));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// The money is set aside: make the call, then settle.
    Reserved(Reservation),
    /// A limit would be passed: do not make the call.
    Refused(Refusal),
}

/// Which limit refused a reservation. Its [`Refusal::code`] is the typed error name callers
/// report: `budget_exhausted` or `quota_exhausted`.
///
/// ```
/// use shiming_core::{Price, Vendor};
/// use shiming_store::ledger::{Period, Refusal, Scope};
/// let r = Refusal::Budget {
///     scope: Scope::Overall,
///     period: Period::Day,
///     cap: Price::from_li(1_000),
///     committed: Price::from_li(900),
///     worst_case: Price::from_li(200),
/// };
/// assert_eq!(r.code(), "budget_exhausted");
/// assert_eq!(r.to_string(), "the overall daily budget of 1.000 CNY would be passed: 0.900 CNY is spent, reserved or may have been charged, and the call may cost 0.200 CNY");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A budget would be passed.
    Budget {
        /// Whose budget.
        scope: Scope,
        /// Which of its limits.
        period: Period,
        /// The limit.
        cap: Price,
        /// Already spent, reserved or possibly charged in the period.
        committed: Price,
        /// What the call may cost.
        worst_case: Price,
    },
    /// The vendor's package has no call left to reserve.
    QuotaUsedUp {
        /// The vendor.
        vendor: Vendor,
        /// The calls the package holds.
        package_calls: u64,
        /// Calls charged or possibly charged against it.
        used: u64,
        /// Calls reserved against it and not yet settled.
        in_flight: u64,
    },
    /// The vendor's package expired before `today`.
    QuotaExpired {
        /// The vendor.
        vendor: Vendor,
        /// The package's last day.
        expired_on: Date,
    },
}

impl Refusal {
    /// `budget_exhausted` (a budget) or `quota_exhausted` (a package used up or expired).
    ///
    /// ```
    /// use shiming_core::{Date, Vendor};
    /// let r = shiming_store::ledger::Refusal::QuotaExpired { vendor: Vendor::Tel3, expired_on: Date::new(2026, 1, 1).unwrap() };
    /// assert_eq!(r.code(), "quota_exhausted");
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Refusal::Budget { .. } => "budget_exhausted",
            Refusal::QuotaUsedUp { .. } | Refusal::QuotaExpired { .. } => "quota_exhausted",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Budget {
                scope,
                period,
                cap,
                committed,
                worst_case,
            } => write!(
                f,
                "the {scope} {} budget of {cap} CNY would be passed: {committed} CNY is spent, \
                 reserved or may have been charged, and the call may cost {worst_case} CNY",
                period.code()
            ),
            Refusal::QuotaUsedUp {
                vendor,
                package_calls,
                used,
                in_flight,
            } => write!(
                f,
                "the {vendor} package's {package_calls} calls are used up: {used} charged or \
                 may have been, {in_flight} in flight"
            ),
            Refusal::QuotaExpired { vendor, expired_on } => {
                write!(f, "the {vendor} package expired on {expired_on}")
            }
        }
    }
}

/// How a reserved call ended.
///
/// ```
/// use shiming_core::Price;
/// use shiming_store::ledger::Settlement;
/// let s = Settlement::Billed(Price::from_li(180));
/// assert_ne!(s, Settlement::NotBilled);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Charged this much (the vendor's price, even when it passes the reservation).
    Billed(Price),
    /// Certainly not charged: the reservation is released.
    NotBilled,
    /// Sent without a known answer: counted as "may have been charged", kept against every
    /// budget and one call off the quota — never released (fail safe).
    MayHaveBeenCharged,
}

/// What a settlement brought: the quota warnings it crossed, each once per store.
///
/// ```
/// let outcome = shiming_store::ledger::SettleOutcome::default();
/// assert!(outcome.warnings.is_empty());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettleOutcome {
    /// Quota warnings crossed by this settlement, lowest threshold last.
    pub warnings: Vec<QuotaWarning>,
}

/// A vendor package running low or out: at 20 % left (the marketplace's own threshold), at
/// 5 %, at 0, and 7 days before it expires. Each is given once per store and plan.
///
/// ```
/// use shiming_core::Vendor;
/// use shiming_store::ledger::QuotaWarning;
/// let w = QuotaWarning::Low { vendor: Vendor::Tel3, left: 2_000, package_calls: 10_000 };
/// assert_eq!(w.code(), "quota_low");
/// assert_eq!(w.to_string(), "tel3: 2000 of the package's 10000 calls left (20 % or less)");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaWarning {
    /// 20 % or less of the package left.
    Low {
        /// The vendor.
        vendor: Vendor,
        /// Calls left.
        left: u64,
        /// The calls the package holds.
        package_calls: u64,
    },
    /// 5 % or less of the package left.
    VeryLow {
        /// The vendor.
        vendor: Vendor,
        /// Calls left.
        left: u64,
        /// The calls the package holds.
        package_calls: u64,
    },
    /// No call left: the vendor's calls are refused (`quota_exhausted`) until a new plan.
    UsedUp {
        /// The vendor.
        vendor: Vendor,
        /// The calls the package held.
        package_calls: u64,
    },
    /// The package expires within 7 days.
    Expiring {
        /// The vendor.
        vendor: Vendor,
        /// The package's last day.
        expires: Date,
        /// Days from the settled call's day to the last day (0: it is the last day).
        days_left: u32,
    },
}

impl QuotaWarning {
    /// `quota_low`, `quota_very_low`, `quota_used_up` or `quota_expiring`.
    ///
    /// ```
    /// let w = shiming_store::ledger::QuotaWarning::UsedUp { vendor: shiming_core::Vendor::Sfz2, package_calls: 10 };
    /// assert_eq!(w.code(), "quota_used_up");
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            QuotaWarning::Low { .. } => "quota_low",
            QuotaWarning::VeryLow { .. } => "quota_very_low",
            QuotaWarning::UsedUp { .. } => "quota_used_up",
            QuotaWarning::Expiring { .. } => "quota_expiring",
        }
    }

    /// The vendor whose package it is about.
    ///
    /// ```
    /// let w = shiming_store::ledger::QuotaWarning::UsedUp { vendor: shiming_core::Vendor::Sfz2, package_calls: 10 };
    /// assert_eq!(w.vendor(), shiming_core::Vendor::Sfz2);
    /// ```
    #[must_use]
    pub const fn vendor(&self) -> Vendor {
        match self {
            QuotaWarning::Low { vendor, .. }
            | QuotaWarning::VeryLow { vendor, .. }
            | QuotaWarning::UsedUp { vendor, .. }
            | QuotaWarning::Expiring { vendor, .. } => *vendor,
        }
    }

    /// This warning's bit in a plan's record of warnings given.
    const fn bit(&self) -> u8 {
        match self {
            QuotaWarning::Low { .. } => 1,
            QuotaWarning::VeryLow { .. } => 2,
            QuotaWarning::UsedUp { .. } => 4,
            QuotaWarning::Expiring { .. } => 8,
        }
    }
}

impl fmt::Display for QuotaWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuotaWarning::Low {
                vendor,
                left,
                package_calls,
            } => write!(
                f,
                "{vendor}: {left} of the package's {package_calls} calls left (20 % or less)"
            ),
            QuotaWarning::VeryLow {
                vendor,
                left,
                package_calls,
            } => write!(
                f,
                "{vendor}: {left} of the package's {package_calls} calls left (5 % or less)"
            ),
            QuotaWarning::UsedUp {
                vendor,
                package_calls,
            } => write!(
                f,
                "{vendor}: all {package_calls} calls of the package are used; its calls are \
                 refused until a new package is configured"
            ),
            QuotaWarning::Expiring {
                vendor,
                expires,
                days_left,
            } => write!(
                f,
                "{vendor}: the package expires on {expires} ({days_left} days left)"
            ),
        }
    }
}

/// Something the ledger counts besides money spent: a cache hit (the call not made, and its
/// price saved) or a wait the rate limit imposed.
///
/// ```
/// use shiming_core::{Price, Vendor};
/// let e = shiming_store::ledger::Event::CacheHit { vendor: Vendor::Tel3, saved: Price::from_li(200) };
/// assert!(matches!(e, shiming_store::ledger::Event::CacheHit { .. }));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A check answered from the cache: `saved` is the cached call's price.
    CacheHit {
        /// The vendor whose cached verdict answered.
        vendor: Vendor,
        /// What the call would have cost.
        saved: Price,
    },
    /// A call waited for the vendor's rate limit.
    LimiterWait {
        /// The vendor.
        vendor: Vendor,
        /// How long.
        waited: Duration,
    },
}

/// The ledger's figures as of a day, for `shiming usage` (text, or JSON through serde:
/// amounts as CNY strings with three decimals, waits in milliseconds, vendors by id).
///
/// ```
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::ledger::{MemoryLedger, ReserveOutcome, ReserveRequest, Settlement};
/// let ledger = MemoryLedger::new();
/// let today = Date::new(2026, 11, 23).unwrap();
/// let ReserveOutcome::Reserved(r) = ledger.reserve(&ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today)) else { unreachable!() };
/// ledger.settle(&r, Settlement::Billed(Price::from_li(180))).unwrap();
/// let snapshot = ledger.snapshot(today);
/// assert_eq!(snapshot.overall.today.spent, Price::from_li(180));
/// assert_eq!(snapshot.vendors[0].vendor, Vendor::Tel3);
/// let json = serde_json::to_value(&snapshot).unwrap();
/// assert_eq!(json["overall"]["today"]["spent"], "0.180");
/// assert_eq!(json["vendors"][0]["vendor"], "tel3");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerSnapshot {
    /// The day the figures are for.
    pub today: Date,
    /// All vendors together.
    pub overall: Tally,
    /// Each vendor the ledger has seen, in catalogue order.
    pub vendors: Vec<VendorTally>,
}

/// One scope's figures.
///
/// ```
/// let t = shiming_store::ledger::Tally::default();
/// assert_eq!(t.cache_hits, 0);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Money today.
    pub today: Spend,
    /// Money this calendar month.
    pub this_month: Spend,
    /// Money ever.
    pub total: Spend,
    /// Checks answered from the cache.
    pub cache_hits: u64,
    /// What those checks would have cost.
    #[serde(serialize_with = "yuan")]
    pub saved: Price,
    /// Calls that waited for a rate limit.
    pub limiter_waits: u64,
    /// How long they waited, together.
    #[serde(rename = "waited_ms", serialize_with = "millis")]
    pub waited: Duration,
}

/// Money in one period.
///
/// ```
/// let s = shiming_store::ledger::Spend::default();
/// assert_eq!(s.committed(), shiming_core::Price::ZERO);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Spend {
    /// Charged.
    #[serde(serialize_with = "yuan")]
    pub spent: Price,
    /// Sent without a known answer: may have been charged.
    #[serde(serialize_with = "yuan")]
    pub may_have_been_charged: Price,
    /// Set aside for calls not yet settled.
    #[serde(serialize_with = "yuan")]
    pub reserved: Price,
}

impl Spend {
    /// What counts against a budget: all three.
    ///
    /// ```
    /// let s = shiming_store::ledger::Spend::default();
    /// assert_eq!(s.committed().li(), 0);
    /// ```
    #[must_use]
    pub fn committed(&self) -> Price {
        self.spent + self.may_have_been_charged + self.reserved
    }
}

/// One vendor's figures, and its package when tracked.
///
/// ```
/// use shiming_core::Vendor;
/// use shiming_store::ledger::{MemoryLedger, Event};
/// let ledger = MemoryLedger::new();
/// ledger.record(Event::CacheHit { vendor: Vendor::Sfz2, saved: shiming_core::Price::from_li(40) });
/// let snapshot = ledger.snapshot(shiming_core::Date::new(2026, 1, 1).unwrap());
/// assert_eq!(snapshot.vendors[0].tally.cache_hits, 1);
/// assert!(snapshot.vendors[0].quota.is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorTally {
    /// The vendor.
    #[serde(serialize_with = "vendor_id")]
    pub vendor: Vendor,
    /// Its figures.
    #[serde(flatten)]
    pub tally: Tally,
    /// Its package, when a request gave one.
    pub quota: Option<QuotaStatus>,
}

/// Where a vendor's package stands.
///
/// ```
/// let q = shiming_store::ledger::QuotaStatus {
///     package_calls: 100, used: 30, may_have_been_charged: 1, in_flight: 2, left: 70,
///     expires: shiming_core::Date::new(2026, 12, 31).unwrap(),
/// };
/// assert_eq!(q.left, q.package_calls - q.used);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaStatus {
    /// The calls the package holds.
    pub package_calls: u64,
    /// Calls charged or possibly charged against it.
    pub used: u64,
    /// Of those, calls that may have been charged.
    pub may_have_been_charged: u64,
    /// Calls reserved against it and not yet settled.
    pub in_flight: u64,
    /// Calls left: `package_calls - used`.
    pub left: u64,
    /// The package's last day.
    pub expires: Date,
}

/// Serializes money as CNY with three decimals, exactly (`"0.180"`).
fn yuan<S: Serializer>(price: &Price, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(price)
}

/// Serializes a duration as whole milliseconds.
fn millis<S: Serializer>(d: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Serializes a vendor as its API id.
fn vendor_id<S: Serializer>(vendor: &Vendor, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(vendor.id())
}

/// The first day of `day`'s month.
pub(crate) fn month_of(day: Date) -> Date {
    Date::new(day.year(), day.month(), 1).unwrap_or(day)
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_since_epoch(d: Date) -> i64 {
    let (m, day) = (i64::from(d.month()), i64::from(d.day()));
    let y = i64::from(d.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Price arithmetic the core does not need: saturating subtraction.
fn minus(a: Price, b: Price) -> Price {
    Price::from_li(a.li().saturating_sub(b.li()))
}

/// One scope's books: money by day, by month and in total, and the counters.
#[derive(Debug, Default)]
struct Books {
    days: BTreeMap<Date, Spend>,
    months: BTreeMap<Date, Spend>,
    total: Spend,
    cache_hits: u64,
    saved: Price,
    limiter_waits: u64,
    waited: Duration,
}

impl Books {
    /// The money of `period` as of `day`.
    fn spend(&self, period: Period, day: Date) -> Spend {
        match period {
            Period::Day => self.days.get(&day).copied().unwrap_or_default(),
            Period::Month => self.months.get(&month_of(day)).copied().unwrap_or_default(),
            Period::Total => self.total,
        }
    }

    /// Applies `change` to the day's, the month's and the total money of `day`.
    fn change(&mut self, day: Date, change: impl Fn(&mut Spend)) {
        change(self.days.entry(day).or_default());
        change(self.months.entry(month_of(day)).or_default());
        change(&mut self.total);
    }

    fn tally(&self, today: Date) -> Tally {
        Tally {
            today: self.spend(Period::Day, today),
            this_month: self.spend(Period::Month, today),
            total: self.total,
            cache_hits: self.cache_hits,
            saved: self.saved,
            limiter_waits: self.limiter_waits,
            waited: self.waited,
        }
    }

    fn record(&mut self, event: Event) {
        match event {
            Event::CacheHit { saved, .. } => {
                self.cache_hits += 1;
                self.saved += saved;
            }
            Event::LimiterWait { waited, .. } => {
                self.limiter_waits += 1;
                self.waited = self.waited.saturating_add(waited);
            }
        }
    }
}

/// A vendor's package and what was counted against it.
#[derive(Debug)]
struct QuotaBooks {
    plan: QuotaPlan,
    /// Charged or possibly charged.
    used: u64,
    /// Of `used`, possibly charged.
    maybe: u64,
    in_flight: u64,
    /// The warnings given for this plan ([`QuotaWarning::bit`]).
    warned: u8,
}

impl QuotaBooks {
    fn new(plan: QuotaPlan) -> QuotaBooks {
        QuotaBooks {
            plan,
            used: 0,
            maybe: 0,
            in_flight: 0,
            warned: 0,
        }
    }

    fn left(&self) -> u64 {
        self.plan.package_calls.saturating_sub(self.used)
    }

    /// The warnings due on `day` and not yet given, marked as given.
    fn warnings(&mut self, vendor: Vendor, day: Date) -> Vec<QuotaWarning> {
        let (calls, left) = (u128::from(self.plan.package_calls), u128::from(self.left()));
        let mut due = Vec::new();
        if self.used > 0 && left * 5 <= calls {
            due.push(QuotaWarning::Low {
                vendor,
                left: self.left(),
                package_calls: self.plan.package_calls,
            });
        }
        if self.used > 0 && left * 20 <= calls {
            due.push(QuotaWarning::VeryLow {
                vendor,
                left: self.left(),
                package_calls: self.plan.package_calls,
            });
        }
        if self.used > 0 && left == 0 {
            due.push(QuotaWarning::UsedUp {
                vendor,
                package_calls: self.plan.package_calls,
            });
        }
        let days_left = days_since_epoch(self.plan.package_expires) - days_since_epoch(day);
        if (0..=7).contains(&days_left) {
            due.push(QuotaWarning::Expiring {
                vendor,
                expires: self.plan.package_expires,
                days_left: u32::try_from(days_left).unwrap_or(0),
            });
        }
        due.retain(|w| self.warned & w.bit() == 0);
        for w in &due {
            self.warned |= w.bit();
        }
        due
    }
}

/// A vendor's books and package.
#[derive(Debug, Default)]
struct VendorBooks {
    books: Books,
    quota: Option<QuotaBooks>,
}

/// An open reservation and whether it holds a call of the vendor's package.
#[derive(Debug)]
struct Open {
    reservation: Reservation,
    holds_quota: bool,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    open: HashMap<u64, Open>,
    overall: Books,
    vendors: BTreeMap<Vendor, VendorBooks>,
}

/// The ledger in one process: all of it behind one mutex, so that each reservation is checked
/// against every limit and set aside in one step.
///
/// ```
/// use shiming_core::{Date, Price, Vendor};
/// use shiming_store::ledger::{Budget, MemoryLedger, ReserveOutcome, ReserveRequest};
/// let ledger = MemoryLedger::new();
/// let today = Date::new(2026, 11, 23).unwrap();
/// let budget = Budget { daily: Some(Price::from_li(300)), ..Budget::UNLIMITED };
/// let request = ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today).with_budget(budget);
/// assert!(matches!(ledger.reserve(&request), ReserveOutcome::Reserved(_)));
/// let ReserveOutcome::Refused(why) = ledger.reserve(&request) else { unreachable!() };
/// assert_eq!(why.code(), "budget_exhausted");
/// ```
#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<State>,
}

impl MemoryLedger {
    /// An empty ledger.
    ///
    /// ```
    /// let ledger = shiming_store::ledger::MemoryLedger::new();
    /// assert!(ledger.snapshot(shiming_core::Date::new(2026, 1, 1).unwrap()).vendors.is_empty());
    /// ```
    #[must_use]
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every step changes the state only after all its checks: a panic leaves it whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves `request.worst_case` if no limit would be passed: the vendor's package
    /// (expired, or no call left beside those in flight), then the vendor's budget, then the
    /// overall one, each by day, month and total; the first limit that would be passed
    /// refuses, and nothing is set aside. A limit may be reached exactly.
    ///
    /// ```
    /// use shiming_core::{Date, Price, Vendor};
    /// use shiming_store::ledger::{MemoryLedger, QuotaPlan, ReserveOutcome, ReserveRequest};
    /// let ledger = MemoryLedger::new();
    /// let today = Date::new(2026, 11, 23).unwrap();
    /// let plan = QuotaPlan { package_calls: 1, package_expires: Date::new(2026, 12, 31).unwrap() };
    /// let request = ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today).with_quota(plan);
    /// assert!(matches!(ledger.reserve(&request), ReserveOutcome::Reserved(_)));
    /// let ReserveOutcome::Refused(why) = ledger.reserve(&request) else { unreachable!() };
    /// assert_eq!(why.code(), "quota_exhausted");
    /// ```
    pub fn reserve(&self, request: &ReserveRequest) -> ReserveOutcome {
        let mut state = self.lock();
        let state = &mut *state;
        let vendor = state.vendors.entry(request.vendor).or_default();
        if let Some(plan) = request.quota {
            let quota = match &mut vendor.quota {
                Some(q) if q.plan == plan => q,
                slot => {
                    // A new package: a new count (calls in flight still hold their place).
                    let in_flight = slot.as_ref().map_or(0, |q| q.in_flight);
                    let q = slot.insert(QuotaBooks::new(plan));
                    q.in_flight = in_flight;
                    q
                }
            };
            if request.today > plan.package_expires {
                return ReserveOutcome::Refused(Refusal::QuotaExpired {
                    vendor: request.vendor,
                    expired_on: plan.package_expires,
                });
            }
            if u128::from(quota.used) + u128::from(quota.in_flight)
                >= u128::from(plan.package_calls)
            {
                return ReserveOutcome::Refused(Refusal::QuotaUsedUp {
                    vendor: request.vendor,
                    package_calls: plan.package_calls,
                    used: quota.used,
                    in_flight: quota.in_flight,
                });
            }
        }
        let scopes = [
            (
                Scope::Vendor(request.vendor),
                &request.vendor_budget,
                &vendor.books,
            ),
            (Scope::Overall, &request.budget, &state.overall),
        ];
        for (scope, budget, books) in scopes {
            for period in Period::ALL {
                let Some(cap) = budget.cap(period) else {
                    continue;
                };
                let committed = books.spend(period, request.today).committed();
                if u128::from(committed.li()) + u128::from(request.worst_case.li())
                    > u128::from(cap.li())
                {
                    return ReserveOutcome::Refused(Refusal::Budget {
                        scope,
                        period,
                        cap,
                        committed,
                        worst_case: request.worst_case,
                    });
                }
            }
        }
        let amount = request.worst_case;
        let add = |s: &mut Spend| s.reserved += amount;
        vendor.books.change(request.today, add);
        state.overall.change(request.today, add);
        let holds_quota = request.quota.is_some();
        if let (true, Some(q)) = (holds_quota, vendor.quota.as_mut()) {
            q.in_flight += 1;
        }
        state.next_id += 1;
        let reservation = Reservation::new(state.next_id, request.vendor, amount, request.today);
        state.open.insert(
            reservation.id,
            Open {
                reservation: reservation.clone(),
                holds_quota,
            },
        );
        ReserveOutcome::Reserved(reservation)
    }

    /// Settles `reservation` (see the module's table) and returns the quota warnings it
    /// crossed. The amounts are the ledger's own record of the reservation.
    ///
    /// # Errors
    /// [`StoreError::UnknownReservation`] when the reservation is not open here (settled
    /// already, or made by another store): nothing changes, so a second settlement never
    /// counts twice.
    ///
    /// ```
    /// use shiming_core::{Date, Price, Vendor};
    /// use shiming_store::ledger::{MemoryLedger, ReserveOutcome, ReserveRequest, Settlement};
    /// let ledger = MemoryLedger::new();
    /// let today = Date::new(2026, 11, 23).unwrap();
    /// let ReserveOutcome::Reserved(r) = ledger.reserve(&ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today)) else { unreachable!() };
    /// ledger.settle(&r, Settlement::NotBilled).unwrap();
    /// assert!(ledger.settle(&r, Settlement::NotBilled).is_err());
    /// assert_eq!(ledger.snapshot(today).overall.today.committed(), Price::ZERO);
    /// ```
    pub fn settle(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
    ) -> Result<SettleOutcome, StoreError> {
        let mut state = self.lock();
        let state = &mut *state;
        let Some(open) = state.open.remove(&reservation.id) else {
            return Err(StoreError::UnknownReservation(reservation.id));
        };
        let r = open.reservation;
        let apply = |s: &mut Spend| {
            s.reserved = minus(s.reserved, r.amount);
            match settlement {
                Settlement::Billed(price) => s.spent += price,
                Settlement::MayHaveBeenCharged => s.may_have_been_charged += r.amount,
                Settlement::NotBilled => {}
            }
        };
        let vendor = state.vendors.entry(r.vendor).or_default();
        vendor.books.change(r.day, apply);
        state.overall.change(r.day, apply);
        let mut outcome = SettleOutcome::default();
        if let Some(quota) = vendor.quota.as_mut() {
            if open.holds_quota {
                quota.in_flight = quota.in_flight.saturating_sub(1);
                match settlement {
                    Settlement::Billed(_) => quota.used += 1,
                    Settlement::MayHaveBeenCharged => {
                        quota.used += 1;
                        quota.maybe += 1;
                    }
                    Settlement::NotBilled => {}
                }
            }
            outcome.warnings = quota.warnings(r.vendor, r.day);
        }
        Ok(outcome)
    }

    /// Counts `event`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::{Date, Vendor};
    /// use shiming_store::ledger::{Event, MemoryLedger};
    /// let ledger = MemoryLedger::new();
    /// ledger.record(Event::LimiterWait { vendor: Vendor::Tel3, waited: Duration::from_millis(40) });
    /// let snapshot = ledger.snapshot(Date::new(2026, 1, 1).unwrap());
    /// assert_eq!((snapshot.overall.limiter_waits, snapshot.overall.waited), (1, Duration::from_millis(40)));
    /// ```
    pub fn record(&self, event: Event) {
        let vendor = match event {
            Event::CacheHit { vendor, .. } | Event::LimiterWait { vendor, .. } => vendor,
        };
        let mut state = self.lock();
        state.vendors.entry(vendor).or_default().books.record(event);
        state.overall.record(event);
    }

    /// The figures as of `today`.
    ///
    /// ```
    /// let ledger = shiming_store::ledger::MemoryLedger::new();
    /// let s = ledger.snapshot(shiming_core::Date::new(2026, 1, 1).unwrap());
    /// assert_eq!(s.overall.total.spent, shiming_core::Price::ZERO);
    /// ```
    #[must_use]
    pub fn snapshot(&self, today: Date) -> LedgerSnapshot {
        let state = self.lock();
        LedgerSnapshot {
            today,
            overall: state.overall.tally(today),
            vendors: state
                .vendors
                .iter()
                .map(|(vendor, books)| VendorTally {
                    vendor: *vendor,
                    tally: books.books.tally(today),
                    quota: books.quota.as_ref().map(|q| QuotaStatus {
                        package_calls: q.plan.package_calls,
                        used: q.used,
                        may_have_been_charged: q.maybe,
                        in_flight: q.in_flight,
                        left: q.left(),
                        expires: q.plan.package_expires,
                    }),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: u16, m: u8, d: u8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    const TODAY: (u16, u8, u8) = (2026, 11, 23);

    fn today() -> Date {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    fn li(n: u64) -> Price {
        Price::from_li(n)
    }

    fn reserve(ledger: &MemoryLedger, request: &ReserveRequest) -> Reservation {
        match ledger.reserve(request) {
            ReserveOutcome::Reserved(r) => r,
            ReserveOutcome::Refused(why) => panic!("refused: {why}"),
        }
    }

    fn refusal(ledger: &MemoryLedger, request: &ReserveRequest) -> Refusal {
        match ledger.reserve(request) {
            ReserveOutcome::Refused(why) => why,
            ReserveOutcome::Reserved(r) => panic!("reserved {r:?}"),
        }
    }

    #[test]
    fn days_since_epoch_agrees_with_the_core() {
        for days in [-1, 0, 11_016, 19_723, 20_415, 2_932_896] {
            let d = Date::from_days_since_unix_epoch(days).unwrap();
            assert_eq!(days_since_epoch(d), days, "{d}");
        }
    }

    #[test]
    fn each_limit_refuses_by_its_own_period() {
        let ledger = MemoryLedger::new();
        let budget = Budget {
            daily: Some(li(500)),
            monthly: Some(li(700)),
            total: Some(li(900)),
        };
        let on = |d: Date| ReserveRequest::new(Vendor::Tel3, li(200), d).with_budget(budget);
        // Day one: 200 + 200 = 400 ≤ 500; a third would make 600.
        reserve(&ledger, &on(today()));
        reserve(&ledger, &on(today()));
        let why = refusal(&ledger, &on(today()));
        assert!(
            matches!(why, Refusal::Budget { scope: Scope::Overall, period: Period::Day, committed, .. } if committed == li(400)),
            "{why:?}"
        );
        // The next day's budget is new, but the month has 700 - 400 = 300 left: one more.
        let next = day(2026, 11, 24);
        reserve(&ledger, &on(next));
        let why = refusal(&ledger, &on(next));
        assert!(
            matches!(
                why,
                Refusal::Budget {
                    period: Period::Month,
                    ..
                }
            ),
            "{why:?}"
        );
        // A new month: the total (900) has 300 left.
        let december = day(2026, 12, 1);
        reserve(&ledger, &on(december));
        let why = refusal(&ledger, &on(december));
        assert!(
            matches!(
                why,
                Refusal::Budget {
                    period: Period::Total,
                    ..
                }
            ),
            "{why:?}"
        );
        let snapshot = ledger.snapshot(december);
        assert_eq!(snapshot.overall.today.reserved, li(200));
        assert_eq!(snapshot.overall.this_month.reserved, li(200));
        assert_eq!(snapshot.overall.total.reserved, li(800));
    }

    #[test]
    fn a_limit_may_be_reached_exactly_never_passed() {
        let ledger = MemoryLedger::new();
        let budget = Budget {
            total: Some(li(600)),
            ..Budget::UNLIMITED
        };
        let request = ReserveRequest::new(Vendor::Sjsys, li(200), today()).with_budget(budget);
        for _ in 0..3 {
            reserve(&ledger, &request);
        }
        let why = refusal(&ledger, &request);
        assert_eq!(
            why,
            Refusal::Budget {
                scope: Scope::Overall,
                period: Period::Total,
                cap: li(600),
                committed: li(600),
                worst_case: li(200),
            }
        );
        // A cheaper call does not fit either; a free one does.
        let one = ReserveRequest::new(Vendor::Sjsys, li(1), today()).with_budget(budget);
        assert!(matches!(ledger.reserve(&one), ReserveOutcome::Refused(_)));
        let free = ReserveRequest::new(Vendor::Sjsys, Price::ZERO, today()).with_budget(budget);
        assert!(matches!(ledger.reserve(&free), ReserveOutcome::Reserved(_)));
    }

    #[test]
    fn vendor_budgets_hold_each_vendor_and_the_overall_one_all() {
        let ledger = MemoryLedger::new();
        let vendor_budget = Budget {
            daily: Some(li(200)),
            ..Budget::UNLIMITED
        };
        let overall = Budget {
            daily: Some(li(300)),
            ..Budget::UNLIMITED
        };
        let to = |v: Vendor| {
            ReserveRequest::new(v, li(200), today())
                .with_budget(overall)
                .with_vendor_budget(vendor_budget)
        };
        reserve(&ledger, &to(Vendor::Tel3));
        let why = refusal(&ledger, &to(Vendor::Tel3));
        assert!(
            matches!(
                why,
                Refusal::Budget {
                    scope: Scope::Vendor(Vendor::Tel3),
                    ..
                }
            ),
            "{why:?}"
        );
        // Sjsys's own budget is untouched, but the overall one has 100 left.
        let why = refusal(&ledger, &to(Vendor::Sjsys));
        assert!(
            matches!(
                why,
                Refusal::Budget {
                    scope: Scope::Overall,
                    ..
                }
            ),
            "{why:?}"
        );
        assert_eq!(why.code(), "budget_exhausted");
    }

    #[test]
    fn settlements_spend_release_or_keep_as_possibly_charged() {
        let ledger = MemoryLedger::new();
        let request = ReserveRequest::new(Vendor::Tel3, li(200), today());
        let billed = reserve(&ledger, &request);
        let not_billed = reserve(&ledger, &request);
        let unknown = reserve(&ledger, &request);
        let open = reserve(&ledger, &request);
        ledger.settle(&billed, Settlement::Billed(li(180))).unwrap();
        ledger.settle(&not_billed, Settlement::NotBilled).unwrap();
        ledger
            .settle(&unknown, Settlement::MayHaveBeenCharged)
            .unwrap();
        let s = ledger.snapshot(today());
        for spend in [s.overall.today, s.overall.this_month, s.overall.total] {
            assert_eq!(spend.spent, li(180));
            assert_eq!(spend.may_have_been_charged, li(200));
            assert_eq!(spend.reserved, li(200));
            assert_eq!(spend.committed(), li(580));
        }
        assert_eq!(s.vendors.len(), 1);
        assert_eq!(s.vendors[0].tally.total, s.overall.total);
        // Settled once only; the open one still can be.
        for r in [&billed, &not_billed, &unknown] {
            assert_eq!(
                ledger.settle(r, Settlement::NotBilled),
                Err(StoreError::UnknownReservation(r.id()))
            );
        }
        assert_eq!(ledger.snapshot(today()).overall.total, s.overall.total);
        ledger.settle(&open, Settlement::Billed(li(200))).unwrap();
        assert_eq!(ledger.snapshot(today()).overall.total.spent, li(380));
    }

    #[test]
    fn a_possible_charge_keeps_counting_against_the_budget() {
        let ledger = MemoryLedger::new();
        let budget = Budget {
            daily: Some(li(400)),
            ..Budget::UNLIMITED
        };
        let request = ReserveRequest::new(Vendor::Tel3, li(200), today()).with_budget(budget);
        let a = reserve(&ledger, &request);
        let b = reserve(&ledger, &request);
        ledger.settle(&a, Settlement::MayHaveBeenCharged).unwrap();
        ledger.settle(&b, Settlement::NotBilled).unwrap();
        reserve(&ledger, &request);
        assert!(matches!(
            ledger.reserve(&request),
            ReserveOutcome::Refused(_)
        ));
    }

    #[test]
    fn money_stays_on_the_day_it_was_reserved_for() {
        let ledger = MemoryLedger::new();
        let r = reserve(
            &ledger,
            &ReserveRequest::new(Vendor::Tel3, li(200), day(2026, 11, 30)),
        );
        ledger.settle(&r, Settlement::Billed(li(200))).unwrap();
        let december = ledger.snapshot(day(2026, 12, 1));
        assert_eq!(december.overall.today.spent, Price::ZERO);
        assert_eq!(december.overall.this_month.spent, Price::ZERO);
        assert_eq!(december.overall.total.spent, li(200));
        let november = ledger.snapshot(day(2026, 11, 30));
        assert_eq!(november.overall.today.spent, li(200));
        assert_eq!(november.overall.this_month.spent, li(200));
    }

    fn plan(calls: u64) -> QuotaPlan {
        QuotaPlan {
            package_calls: calls,
            package_expires: day(2027, 6, 30),
        }
    }

    #[test]
    fn quota_counts_charged_calls_and_refuses_when_none_is_left() {
        let ledger = MemoryLedger::new();
        let request = ReserveRequest::new(Vendor::Sfz2, li(40), today()).with_quota(plan(3));
        let a = reserve(&ledger, &request);
        let b = reserve(&ledger, &request);
        let c = reserve(&ledger, &request);
        // Three in flight: a fourth would pass the package.
        let why = refusal(&ledger, &request);
        assert_eq!(why.code(), "quota_exhausted");
        ledger.settle(&a, Settlement::NotBilled).unwrap();
        let d = reserve(&ledger, &request);
        ledger.settle(&b, Settlement::Billed(li(40))).unwrap();
        ledger.settle(&c, Settlement::MayHaveBeenCharged).unwrap();
        ledger.settle(&d, Settlement::Billed(li(40))).unwrap();
        let why = refusal(&ledger, &request);
        assert_eq!(
            why,
            Refusal::QuotaUsedUp {
                vendor: Vendor::Sfz2,
                package_calls: 3,
                used: 3,
                in_flight: 0
            }
        );
        let q = ledger.snapshot(today()).vendors[0].quota.unwrap();
        assert_eq!((q.used, q.may_have_been_charged, q.left), (3, 1, 0));
        // A new package starts a new count.
        let renewed = ReserveRequest::new(Vendor::Sfz2, li(40), today()).with_quota(plan(10));
        reserve(&ledger, &renewed);
        let q = ledger.snapshot(today()).vendors[0].quota.unwrap();
        assert_eq!(
            (q.package_calls, q.used, q.in_flight, q.left),
            (10, 0, 1, 10)
        );
    }

    #[test]
    fn an_expired_package_refuses_from_the_next_day() {
        let ledger = MemoryLedger::new();
        let last_day = QuotaPlan {
            package_calls: 100,
            package_expires: today(),
        };
        let on = |d: Date| ReserveRequest::new(Vendor::Tel3, li(200), d).with_quota(last_day);
        reserve(&ledger, &on(today()));
        assert_eq!(
            refusal(&ledger, &on(day(2026, 11, 24))),
            Refusal::QuotaExpired {
                vendor: Vendor::Tel3,
                expired_on: today()
            }
        );
    }

    #[test]
    fn each_quota_warning_comes_exactly_once() {
        let ledger = MemoryLedger::new();
        // 100 calls, expiring far away.
        let request = ReserveRequest::new(Vendor::Tel3, li(200), today()).with_quota(plan(100));
        let mut seen: Vec<(u64, &'static str)> = Vec::new();
        for call in 1..=100 {
            let r = reserve(&ledger, &request);
            let outcome = ledger.settle(&r, Settlement::Billed(li(200))).unwrap();
            seen.extend(outcome.warnings.iter().map(|w| (call, w.code())));
        }
        assert_eq!(
            seen,
            [
                (80, "quota_low"),
                (95, "quota_very_low"),
                (100, "quota_used_up")
            ]
        );
        let r = refusal(&ledger, &request);
        assert_eq!(r.code(), "quota_exhausted");
    }

    #[test]
    fn possible_charges_and_not_billed_calls_move_the_warnings_as_they_count() {
        let ledger = MemoryLedger::new();
        let request = ReserveRequest::new(Vendor::Tel3, li(200), today()).with_quota(plan(5));
        let mut codes = Vec::new();
        for settlement in [
            Settlement::NotBilled,
            Settlement::MayHaveBeenCharged,
            Settlement::Billed(li(200)),
            Settlement::Billed(li(200)),
            Settlement::NotBilled,
            Settlement::MayHaveBeenCharged,
        ] {
            let r = reserve(&ledger, &request);
            let outcome = ledger.settle(&r, settlement).unwrap();
            codes.push(
                outcome
                    .warnings
                    .iter()
                    .map(QuotaWarning::code)
                    .collect::<Vec<_>>(),
            );
        }
        // Used: 0, 1, 2, 3, 3, 4 of 5: 20 % left after the fourth charged one.
        let none: Vec<&str> = Vec::new();
        assert_eq!(
            codes,
            [
                none.clone(),
                none.clone(),
                none.clone(),
                none.clone(),
                none,
                vec!["quota_low"]
            ]
        );
    }

    #[test]
    fn the_expiry_warning_comes_once_within_seven_days() {
        let ledger = MemoryLedger::new();
        let plan = QuotaPlan {
            package_calls: 1_000,
            package_expires: day(2026, 12, 1),
        };
        let mut seen = Vec::new();
        for d in [
            day(2026, 11, 23),
            day(2026, 11, 24),
            day(2026, 11, 25),
            day(2026, 12, 1),
        ] {
            let r = reserve(
                &ledger,
                &ReserveRequest::new(Vendor::Tel3, li(200), d).with_quota(plan),
            );
            let outcome = ledger.settle(&r, Settlement::NotBilled).unwrap();
            seen.extend(outcome.warnings);
        }
        assert_eq!(
            seen,
            [QuotaWarning::Expiring {
                vendor: Vendor::Tel3,
                expires: day(2026, 12, 1),
                days_left: 7
            }]
        );
    }

    #[test]
    fn events_are_counted_per_vendor_and_overall() {
        let ledger = MemoryLedger::new();
        ledger.record(Event::CacheHit {
            vendor: Vendor::Tel3,
            saved: li(200),
        });
        ledger.record(Event::CacheHit {
            vendor: Vendor::Sfz2,
            saved: li(40),
        });
        ledger.record(Event::LimiterWait {
            vendor: Vendor::Tel3,
            waited: Duration::from_millis(250),
        });
        let s = ledger.snapshot(today());
        assert_eq!((s.overall.cache_hits, s.overall.saved), (2, li(240)));
        assert_eq!(s.overall.waited, Duration::from_millis(250));
        let vendors: Vec<Vendor> = s.vendors.iter().map(|v| v.vendor).collect();
        assert_eq!(vendors, [Vendor::Tel3, Vendor::Sfz2]);
        assert_eq!(s.vendors[0].tally.limiter_waits, 1);
        assert_eq!(s.vendors[1].tally.limiter_waits, 0);
    }

    /// One step of a random run: reserve (vendor, worst case) or settle the n-th open
    /// reservation (billed at a share of its amount, not billed, or possibly charged).
    #[derive(Debug, Clone)]
    enum Step {
        Reserve(bool, u64),
        Settle(usize, u8),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (any::<bool>(), 0..400u64).prop_map(|(v, li)| Step::Reserve(v, li)),
            (any::<usize>(), 0..4u8).prop_map(|(n, how)| Step::Settle(n, how)),
        ]
    }

    proptest::proptest! {
        /// Whatever the order of reservations and settlements, the books balance and no limit
        /// is passed (a billed price at most its reservation, as the worst case promises).
        #[test]
        fn the_books_balance_and_no_limit_is_passed(steps in proptest::collection::vec(step(), 1..200)) {
            let ledger = MemoryLedger::new();
            let overall = Budget { daily: Some(li(5_000)), monthly: None, total: Some(li(8_000)) };
            let tel3 = Budget { total: Some(li(3_000)), ..Budget::UNLIMITED };
            let mut open: Vec<Reservation> = Vec::new();
            let (mut spent, mut maybe) = (Price::ZERO, Price::ZERO);
            for step in steps {
                match step {
                    Step::Reserve(is_tel3, worst) => {
                        let vendor = if is_tel3 { Vendor::Tel3 } else { Vendor::Sjsys };
                        let mut request = ReserveRequest::new(vendor, li(worst), today()).with_budget(overall);
                        if is_tel3 {
                            request = request.with_vendor_budget(tel3);
                        }
                        if let ReserveOutcome::Reserved(r) = ledger.reserve(&request) {
                            open.push(r);
                        }
                    }
                    Step::Settle(n, how) if !open.is_empty() => {
                        let r = open.swap_remove(n % open.len());
                        let settlement = match how {
                            0 => Settlement::NotBilled,
                            1 => Settlement::MayHaveBeenCharged,
                            2 => Settlement::Billed(r.amount()),
                            _ => Settlement::Billed(li(r.amount().li() / 2)),
                        };
                        match settlement {
                            Settlement::Billed(p) => spent += p,
                            Settlement::MayHaveBeenCharged => maybe += r.amount(),
                            _ => {}
                        }
                        ledger.settle(&r, settlement).unwrap();
                    }
                    Step::Settle(..) => {}
                }
                let s = ledger.snapshot(today());
                let reserved: Price = open.iter().map(Reservation::amount).sum();
                proptest::prop_assert_eq!(s.overall.total, Spend { spent, may_have_been_charged: maybe, reserved });
                proptest::prop_assert_eq!(s.overall.today, s.overall.total);
                proptest::prop_assert!(s.overall.today.committed() <= li(5_000));
                let by_vendor: Price = s.vendors.iter().map(|v| v.tally.total.committed()).sum();
                proptest::prop_assert_eq!(by_vendor, s.overall.total.committed());
                if let Some(t) = s.vendors.iter().find(|v| v.vendor == Vendor::Tel3) {
                    proptest::prop_assert!(t.tally.total.committed() <= li(3_000));
                }
            }
        }
    }

    #[test]
    fn snapshots_serialize_as_documented() {
        let ledger = MemoryLedger::new();
        let r = reserve(
            &ledger,
            &ReserveRequest::new(Vendor::Tel3, li(200), today()).with_quota(plan(10)),
        );
        ledger.settle(&r, Settlement::Billed(li(180))).unwrap();
        ledger.record(Event::LimiterWait {
            vendor: Vendor::Tel3,
            waited: Duration::from_micros(1_500),
        });
        let json = serde_json::to_value(ledger.snapshot(today())).unwrap();
        let spend = serde_json::json!({"spent": "0.180", "may_have_been_charged": "0.000", "reserved": "0.000"});
        let tally = serde_json::json!({
            "today": spend, "this_month": spend, "total": spend,
            "cache_hits": 0, "saved": "0.000", "limiter_waits": 1, "waited_ms": 1,
        });
        let mut tel3 = tally.clone();
        tel3["vendor"] = "tel3".into();
        tel3["quota"] = serde_json::json!({
            "package_calls": 10, "used": 1, "may_have_been_charged": 0, "in_flight": 0,
            "left": 9, "expires": "2027-06-30",
        });
        assert_eq!(
            json,
            serde_json::json!({"today": "2026-11-23", "overall": tally, "vendors": [tel3]})
        );
    }
}
