//! The store's rules as functions over `Arc<dyn Store>`, so that every backend is held to the
//! same ones: `tests/memory.rs` runs them on the in-memory store, `tests/redis.rs` on Redis.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shiming_core::id_card::ValidationOptions;
use shiming_core::{Date, Identity, Price, Vendor, Verdict};
use shiming_store::cache::{CachedVerdict, Claim};
use shiming_store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
use shiming_store::ledger::{
    Budget, Event, Period, QuotaPlan, QuotaWarning, Refusal, Reservation, ReserveOutcome,
    ReserveRequest, Scope, Settlement,
};
use shiming_store::limit::{Rate, RateDecision};
use shiming_store::steps::{BeginSteps, EndSteps};
use shiming_store::{Store, StoreError};
use tokio::sync::Barrier;

pub const TASKS: usize = 64;

/// The people the suite checks: what a backend must never store.
pub const PEOPLE: &[(&str, &str, Option<&str>)] = &[
    ("吴秀英", "11010219560409026X", None),
    ("陈思远", "330106198805160711", Some("13957120001")),
];

/// The credential of the suite's rate limits: a backend must never store it either.
pub const CREDENTIAL: &str = "0123456789abcdef0123456789abcdef";

/// Runs the futures `task(0)`, …, `task(TASKS - 1)` as tasks released all at once by one
/// barrier, and returns their results in order.
pub async fn at_once<T, Fut>(task: impl Fn(usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(TASKS));
    let handles: Vec<_> = (0..TASKS)
        .map(|i| {
            let (barrier, work) = (barrier.clone(), task(i));
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(TASKS);
    for handle in handles {
        results.push(handle.await.expect("a task of the suite"));
    }
    results
}

pub fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

pub fn key(person: usize, kind: CheckKind) -> CacheKey {
    let pepper = Pepper::new(vec![42; 32]).unwrap();
    let options = ValidationOptions::new(today());
    let (name, id, mobile) = PEOPLE[person];
    let who = Identity::new(name, id, mobile, &options).unwrap();
    CacheKey::new(&pepper, kind, &who)
}

fn li(n: u64) -> Price {
    Price::from_li(n)
}

async fn reserved(store: &Arc<dyn Store>, request: &ReserveRequest) -> Reservation {
    match store.reserve(request).await.unwrap() {
        ReserveOutcome::Reserved(r) => r,
        other => panic!("not reserved: {other:?}"),
    }
}

async fn refused(store: &Arc<dyn Store>, request: &ReserveRequest) -> Refusal {
    match store.reserve(request).await.unwrap() {
        ReserveOutcome::Refused(why) => why,
        other => panic!("not refused: {other:?}"),
    }
}

/// Many tasks reserve at once against one budget: exactly as many reservations as fit are
/// made, and the budget is never passed, by even one 厘.
pub async fn concurrent_reservations_never_pass_the_budget(store: Arc<dyn Store>) {
    let price = Price::from_li(33);
    let cap = Price::from_li(10_000); // 303 calls fit: 9,999 厘.
    let budget = Budget {
        daily: Some(cap),
        ..Budget::UNLIMITED
    };
    let request = ReserveRequest::new(Vendor::Sfz2, price, today()).with_budget(budget);
    let reservations: Vec<Reservation> = at_once(|_| {
        let (store, request) = (store.clone(), request.clone());
        async move {
            let mut mine = Vec::new();
            loop {
                match store.reserve(&request).await.unwrap() {
                    ReserveOutcome::Reserved(r) => mine.push(r),
                    ReserveOutcome::Refused(why) => {
                        assert_eq!(why.code(), "budget_exhausted");
                        return mine;
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    })
    .await
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(reservations.len(), 303);
    let snapshot = store.snapshot(today()).await.unwrap();
    assert_eq!(snapshot.overall.today.reserved, price.times(303));
    assert!(snapshot.overall.today.committed() <= cap);

    // Settling at a lower actual price frees room, which concurrent reservations take — still
    // never past the cap.
    let chunks: Vec<Vec<_>> = reservations.chunks(5).map(<[_]>::to_vec).collect();
    let chunks = std::sync::Mutex::new(chunks.into_iter());
    let made = Arc::new(AtomicUsize::new(0));
    at_once(|i| {
        let chunk = chunks
            .lock()
            .expect("the chunks")
            .next()
            .unwrap_or_default();
        let (store, request, made) = (store.clone(), request.clone(), made.clone());
        async move {
            for r in chunk {
                let settlement = if i % 2 == 0 {
                    Settlement::Billed(Price::from_li(30))
                } else {
                    Settlement::NotBilled
                };
                store.settle(&r, settlement).await.unwrap();
                if let ReserveOutcome::Reserved(_) = store.reserve(&request).await.unwrap() {
                    made.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    })
    .await;
    let snapshot = store.snapshot(today()).await.unwrap();
    let committed = snapshot.overall.today.committed();
    assert!(committed <= cap, "{committed} > {cap}");
    assert_eq!(
        snapshot.overall.today.reserved,
        price.times(made.load(Ordering::Relaxed) as u64)
    );
    // Whatever is left is less than one more call.
    assert!(cap.li() - committed.li() < price.li() || made.load(Ordering::Relaxed) == 303);
}

/// Many tasks check the same person at once: one owns the check, the others see it in
/// flight; once filled, everyone reads the verdict.
pub async fn concurrent_claims_have_one_owner(store: Arc<dyn Store>) {
    let key = key(0, CheckKind::Two);
    let lease = Duration::from_secs(60);
    let claims = at_once(|_| {
        let (store, key) = (store.clone(), key.clone());
        async move { store.claim(&key, lease).await.unwrap() }
    })
    .await;
    let mut owners = 0;
    for claim in claims {
        match claim {
            Claim::Owner(_) => owners += 1,
            Claim::InFlight => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(owners, 1);
    let verdict = CachedVerdict {
        verdict: Verdict::Match,
        vendor: Vendor::Sfz2,
        request_id: Some("3F1E".into()),
        at_unix: 1_795_000_000,
        price: Price::from_li(40),
    };
    store
        .fill(&key, &verdict, Duration::from_secs(3_600))
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            store.claim(&key, lease).await.unwrap(),
            Claim::Cached(verdict.clone())
        );
    }
}

/// Many tasks take permits of a slow rate at once: exactly the burst is allowed, and the
/// next permit is about one period away.
pub async fn concurrent_acquires_take_exactly_the_burst(store: Arc<dyn Store>) {
    let rate = Rate::new(0.1, 8).unwrap();
    let key = LimitKey::new(CREDENTIAL, Vendor::Tel3);
    let decisions = at_once(|_| {
        let (store, key) = (store.clone(), key.clone());
        async move { store.acquire(&key, rate).await.unwrap() }
    })
    .await;
    let allowed = decisions.iter().filter(|d| d.is_allowed()).count();
    assert_eq!(allowed, 8);
    let wait = store.acquire(&key, rate).await.unwrap().wait();
    assert!(
        wait > Duration::from_secs(8) && wait <= Duration::from_secs(10),
        "{wait:?}"
    );
    // Another key has its own permits.
    let other = LimitKey::new(CREDENTIAL, Vendor::Sjsys);
    assert!(store.acquire(&other, rate).await.unwrap().is_allowed());
}

/// A fast rate refills: after one period a permit is free again.
pub async fn permits_come_back_after_a_period(store: Arc<dyn Store>) {
    // Slow enough that a loaded machine cannot stall past a period between two calls.
    let rate = Rate::new(2.0, 1).unwrap();
    let key = LimitKey::new(CREDENTIAL, Vendor::Sfz2);
    assert!(store.acquire(&key, rate).await.unwrap().is_allowed());
    let wait = store.acquire(&key, rate).await.unwrap().wait();
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_millis(500),
        "{wait:?}"
    );
    tokio::time::sleep(wait + Duration::from_millis(20)).await;
    assert!(store.acquire(&key, rate).await.unwrap().is_allowed());
}

/// Abandoning needs the owner's token; a lapsed lease lets the next caller own the check, and
/// the old owner's token then ends nothing; a zero TTL caches nothing.
pub async fn claims_are_ended_by_their_owner_only(store: Arc<dyn Store>) {
    let key = key(1, CheckKind::Three);
    let lease = Duration::from_secs(60);
    let Claim::Owner(first) = store.claim(&key, lease).await.unwrap() else {
        panic!("the first claim owns")
    };
    store
        .abandon(
            &key,
            &shiming_store::cache::ClaimToken::new("not-the-owner"),
        )
        .await
        .unwrap();
    assert_eq!(store.claim(&key, lease).await.unwrap(), Claim::InFlight);
    store.abandon(&key, &first).await.unwrap();
    let Claim::Owner(second) = store.claim(&key, Duration::from_millis(50)).await.unwrap() else {
        panic!("abandoned: the next claim owns")
    };
    assert_ne!(first, second);
    tokio::time::sleep(Duration::from_millis(120)).await;
    let Claim::Owner(third) = store.claim(&key, lease).await.unwrap() else {
        panic!("the lease lapsed: the next claim owns")
    };
    assert_ne!(second, third);
    store.abandon(&key, &second).await.unwrap();
    assert_eq!(store.claim(&key, lease).await.unwrap(), Claim::InFlight);
    let verdict = CachedVerdict {
        verdict: Verdict::Mismatch,
        vendor: Vendor::Tel3,
        request_id: None,
        at_unix: 1_795_000_000,
        price: li(200),
    };
    store.fill(&key, &verdict, Duration::ZERO).await.unwrap();
    assert!(store.claim(&key, lease).await.unwrap().is_owner());
    store
        .fill(&key, &verdict, Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(
        store.claim(&key, lease).await.unwrap(),
        Claim::Cached(verdict)
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(store.claim(&key, lease).await.unwrap().is_owner());
}

/// Each limit refuses by its own period and scope, and says which; a limit may be reached
/// exactly, never passed.
pub async fn each_limit_refuses_by_its_own_period_and_scope(store: Arc<dyn Store>) {
    let budget = Budget {
        daily: Some(li(500)),
        monthly: Some(li(700)),
        total: Some(li(900)),
    };
    let day = |d| Date::new(2026, 11, d).unwrap();
    let on = |d, price| ReserveRequest::new(Vendor::Sfz2, li(price), day(d)).with_budget(budget);
    reserved(&store, &on(1, 500)).await;
    let why = refused(&store, &on(1, 1)).await;
    assert!(
        matches!(why, Refusal::Budget { scope: Scope::Overall, period: Period::Day, cap, committed, .. } if cap == li(500) && committed == li(500)),
        "{why:?}"
    );
    reserved(&store, &on(2, 200)).await;
    let why = refused(&store, &on(3, 1)).await;
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
    let december = ReserveRequest::new(Vendor::Sfz2, li(200), Date::new(2026, 12, 1).unwrap())
        .with_budget(budget);
    reserved(&store, &december).await;
    let why = refused(&store, &december).await;
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
    assert_eq!(why.code(), "budget_exhausted");

    // A vendor's own budget holds that vendor only.
    let mine = Budget {
        daily: Some(li(100)),
        ..Budget::UNLIMITED
    };
    let tel3 = ReserveRequest::new(Vendor::Tel3, li(60), day(5)).with_vendor_budget(mine);
    reserved(&store, &tel3).await;
    let why = refused(&store, &tel3).await;
    assert!(
        matches!(
            why,
            Refusal::Budget {
                scope: Scope::Vendor(Vendor::Tel3),
                period: Period::Day,
                ..
            }
        ),
        "{why:?}"
    );
    reserved(
        &store,
        &ReserveRequest::new(Vendor::Sjsys, li(60), day(5)).with_vendor_budget(mine),
    )
    .await;
}

/// Billed spends the actual price, not billed releases, may-have-been-charged keeps the
/// reservation against the budget; a settled reservation cannot be settled again.
pub async fn settlements_spend_release_or_keep(store: Arc<dyn Store>) {
    let request = ReserveRequest::new(Vendor::Tel3, li(300), today());
    let billed = reserved(&store, &request).await;
    let released = reserved(&store, &request).await;
    let maybe = reserved(&store, &request).await;
    let open = reserved(&store, &request).await;
    assert_ne!(billed.id(), released.id());
    store
        .settle(&billed, Settlement::Billed(li(200)))
        .await
        .unwrap();
    store
        .settle(&released, Settlement::NotBilled)
        .await
        .unwrap();
    store
        .settle(&maybe, Settlement::MayHaveBeenCharged)
        .await
        .unwrap();
    assert_eq!(
        store.settle(&billed, Settlement::NotBilled).await,
        Err(StoreError::UnknownReservation(billed.id()))
    );
    let snapshot = store.snapshot(today()).await.unwrap();
    for spend in [
        snapshot.overall.today,
        snapshot.overall.this_month,
        snapshot.overall.total,
    ] {
        assert_eq!(spend.spent, li(200));
        assert_eq!(spend.may_have_been_charged, li(300));
        assert_eq!(spend.reserved, li(300));
    }
    assert_eq!(snapshot.vendors.len(), 1);
    assert_eq!(snapshot.vendors[0].vendor, Vendor::Tel3);
    assert_eq!(snapshot.vendors[0].tally.total.committed(), li(800));
    assert!(snapshot.vendors[0].quota.is_none());
    // Tomorrow, today's money is this month's, not today's.
    let tomorrow = store
        .snapshot(Date::new(2026, 11, 24).unwrap())
        .await
        .unwrap();
    assert_eq!(tomorrow.overall.today.committed(), li(0));
    assert_eq!(tomorrow.overall.this_month.committed(), li(800));
    store.settle(&open, Settlement::NotBilled).await.unwrap();
}

/// Charged calls count against the package; each warning comes once; a used-up or expired
/// package refuses.
pub async fn quota_counts_warns_once_and_refuses(store: Arc<dyn Store>) {
    let plan = QuotaPlan {
        package_calls: 10,
        package_expires: Date::new(2026, 11, 28).unwrap(),
    };
    let request = ReserveRequest::new(Vendor::Sjsys, li(100), today()).with_quota(plan);
    let mut warnings = Vec::new();
    for i in 0..10 {
        let r = reserved(&store, &request).await;
        let settlement = if i == 3 {
            Settlement::MayHaveBeenCharged
        } else {
            Settlement::Billed(li(100))
        };
        let outcome = store.settle(&r, settlement).await.unwrap();
        warnings.extend(outcome.warnings.into_iter().map(|w| (i, w)));
    }
    let codes: Vec<(i32, &str)> = warnings.iter().map(|(i, w)| (*i, w.code())).collect();
    assert_eq!(
        codes,
        [
            (0, "quota_expiring"),
            (7, "quota_low"),
            (9, "quota_very_low"),
            (9, "quota_used_up")
        ]
    );
    assert!(warnings.iter().all(|(_, w)| w.vendor() == Vendor::Sjsys));
    assert!(warnings
        .iter()
        .any(|(_, w)| matches!(w, QuotaWarning::Expiring { days_left: 5, .. })));
    assert!(warnings.iter().any(|(_, w)| matches!(
        w,
        QuotaWarning::Low {
            left: 2,
            package_calls: 10,
            ..
        }
    )));
    let why = refused(&store, &request).await;
    assert!(
        matches!(
            why,
            Refusal::QuotaUsedUp {
                used: 10,
                in_flight: 0,
                ..
            }
        ),
        "{why:?}"
    );
    assert_eq!(why.code(), "quota_exhausted");
    let snapshot = store.snapshot(today()).await.unwrap();
    let quota = snapshot.vendors[0].quota.unwrap();
    assert_eq!(
        (
            quota.package_calls,
            quota.used,
            quota.may_have_been_charged,
            quota.left
        ),
        (10, 10, 1, 0)
    );
    assert_eq!(quota.expires, plan.package_expires);

    // A new package starts afresh, and warns afresh.
    let bigger = QuotaPlan {
        package_calls: 1_000,
        package_expires: Date::new(2027, 11, 28).unwrap(),
    };
    let request = request.clone().with_quota(bigger);
    let r = reserved(&store, &request).await;
    let snapshot = store.snapshot(today()).await.unwrap();
    assert_eq!(snapshot.vendors[0].quota.unwrap().in_flight, 1);
    assert!(store
        .settle(&r, Settlement::NotBilled)
        .await
        .unwrap()
        .warnings
        .is_empty());
    let late = ReserveRequest::new(Vendor::Sjsys, li(100), Date::new(2027, 11, 29).unwrap())
        .with_quota(bigger);
    let why = refused(&store, &late).await;
    assert!(matches!(why, Refusal::QuotaExpired { .. }), "{why:?}");
}

/// Cache hits, the money they saved and limiter waits are counted per vendor and overall.
pub async fn events_are_counted(store: Arc<dyn Store>) {
    store
        .record(Event::CacheHit {
            vendor: Vendor::Tel3,
            saved: li(200),
        })
        .await
        .unwrap();
    store
        .record(Event::CacheHit {
            vendor: Vendor::Sfz2,
            saved: li(40),
        })
        .await
        .unwrap();
    store
        .record(Event::LimiterWait {
            vendor: Vendor::Tel3,
            waited: Duration::from_micros(1_500),
        })
        .await
        .unwrap();
    let snapshot = store.snapshot(today()).await.unwrap();
    assert_eq!(snapshot.overall.cache_hits, 2);
    assert_eq!(snapshot.overall.saved, li(240));
    assert_eq!(snapshot.overall.limiter_waits, 1);
    assert_eq!(snapshot.overall.waited, Duration::from_micros(1_500));
    let vendors: Vec<Vendor> = snapshot.vendors.iter().map(|v| v.vendor).collect();
    let mut sorted = vendors.clone();
    sorted.sort();
    assert_eq!(vendors, sorted);
    let tel3 = snapshot
        .vendors
        .iter()
        .find(|v| v.vendor == Vendor::Tel3)
        .unwrap();
    assert_eq!((tel3.tally.cache_hits, tel3.tally.saved), (1, li(200)));
    assert_eq!(tel3.tally.waited, Duration::from_micros(1_500));
}

/// `begin` asks claim, acquire and reserve together, each answered on its own: a fresh check
/// is owned, allowed and reserved; a second `begin` of it finds it in flight, and its permit
/// and reservation are real (given back by `refund` and a not-billed settlement through
/// `end`); once `end` settles and fills, the next `begin` finds the verdict cached.
pub async fn begin_and_end_answer_each_part(store: Arc<dyn Store>) {
    let key = key(0, CheckKind::Three);
    let lease = Duration::from_secs(60);
    let limit = LimitKey::new(CREDENTIAL, Vendor::Tel3);
    let rate = Rate::new(0.1, 2).unwrap();
    let budget = Budget {
        daily: Some(li(400)),
        ..Budget::UNLIMITED
    };
    let request = ReserveRequest::new(Vendor::Tel3, li(200), today()).with_budget(budget);
    let all = BeginSteps::new()
        .claim(&key, lease)
        .acquire(&limit, rate)
        .reserve(&request);

    let first = store.begin(&all).await;
    let Some(Ok(Claim::Owner(token))) = first.claim.clone() else {
        panic!("{first:?}")
    };
    assert_eq!(first.acquire, Some(Ok(RateDecision::Allowed)));
    let Some(Ok(ReserveOutcome::Reserved(reservation))) = first.reserve.clone() else {
        panic!("{first:?}")
    };

    // The same check again: in flight, and its permit and reservation were taken all the same.
    let second = store.begin(&all).await;
    assert_eq!(second.claim, Some(Ok(Claim::InFlight)));
    assert_eq!(second.acquire, Some(Ok(RateDecision::Allowed)));
    let Some(Ok(ReserveOutcome::Reserved(unneeded))) = second.reserve.clone() else {
        panic!("{second:?}")
    };
    // The burst of 2 and the daily cap of 400 are both spent now.
    assert!(!store.acquire(&limit, rate).await.unwrap().is_allowed());
    assert!(matches!(
        store.reserve(&request).await.unwrap(),
        ReserveOutcome::Refused(Refusal::Budget { .. })
    ));
    // The waiter undoes what it does not need: the permit and the reservation come back.
    store.refund(&limit, rate).await.unwrap();
    let undone = store
        .end(&EndSteps::new().settle(&unneeded, Settlement::NotBilled))
        .await;
    assert!(matches!(undone.settle, Some(Ok(_))), "{undone:?}");
    assert_eq!((undone.fill, undone.abandon), (None, None));
    assert_eq!(
        store
            .snapshot(today())
            .await
            .unwrap()
            .overall
            .today
            .reserved,
        li(200)
    );
    let only_reserve = store
        .begin(&BeginSteps::new().acquire(&limit, rate).reserve(&request))
        .await;
    assert_eq!(only_reserve.claim, None);
    assert_eq!(only_reserve.acquire, Some(Ok(RateDecision::Allowed)));
    let Some(Ok(ReserveOutcome::Reserved(again))) = only_reserve.reserve.clone() else {
        panic!("{only_reserve:?}")
    };
    store.settle(&again, Settlement::NotBilled).await.unwrap();

    // The owner's call answers: settle and fill in one `end`.
    let verdict = CachedVerdict {
        verdict: Verdict::Match,
        vendor: Vendor::Tel3,
        request_id: Some("9C2A".into()),
        at_unix: 1_795_000_000,
        price: li(200),
    };
    let ended = store
        .end(
            &EndSteps::new()
                .settle(&reservation, Settlement::Billed(li(200)))
                .fill(&key, &verdict, Duration::from_secs(3_600)),
        )
        .await;
    assert!(matches!(ended.settle, Some(Ok(_))), "{ended:?}");
    assert_eq!(ended.fill, Some(Ok(())));
    assert_eq!(ended.abandon, None);
    // The token is spent: abandoning with it now leaves the verdict alone.
    let late = store.end(&EndSteps::new().abandon(&key, &token)).await;
    assert_eq!(late.abandon, Some(Ok(())));
    assert_eq!(
        store
            .begin(&BeginSteps::new().claim(&key, lease))
            .await
            .claim,
        Some(Ok(Claim::Cached(verdict)))
    );
    // A settled reservation is unknown to a second `end`, in its own part only.
    let twice = store
        .end(&EndSteps::new().settle(&reservation, Settlement::NotBilled))
        .await;
    assert_eq!(
        twice.settle,
        Some(Err(StoreError::UnknownReservation(reservation.id())))
    );
    let snapshot = store.snapshot(today()).await.unwrap();
    assert_eq!(snapshot.overall.today.spent, li(200));
    assert_eq!(snapshot.overall.today.reserved, li(0));

    // Nothing asked, nothing answered.
    let nothing = store.begin(&BeginSteps::new()).await;
    assert_eq!(
        (nothing.claim, nothing.acquire, nothing.reserve),
        (None, None, None)
    );
    let nothing = store.end(&EndSteps::new()).await;
    assert_eq!(
        (nothing.settle, nothing.fill, nothing.abandon),
        (None, None, None)
    );
}

/// A refund gives a permit back at once, and no more than one: with a burst of 1, the
/// permit after a refund goes now, the next one waits a whole period; a refund on a full
/// bucket adds nothing.
pub async fn a_refund_gives_one_permit_back(store: Arc<dyn Store>) {
    let rate = Rate::new(0.1, 1).unwrap();
    let key = LimitKey::new(CREDENTIAL, Vendor::Sjsys);
    assert!(store.acquire(&key, rate).await.unwrap().is_allowed());
    assert!(!store.acquire(&key, rate).await.unwrap().is_allowed());
    store.refund(&key, rate).await.unwrap();
    assert!(store.acquire(&key, rate).await.unwrap().is_allowed());
    let wait = store.acquire(&key, rate).await.unwrap().wait();
    assert!(
        wait > Duration::from_secs(9) && wait <= Duration::from_secs(10),
        "{wait:?}"
    );
    // Never below now: two refunds give back the one permit taken, not two.
    store.refund(&key, rate).await.unwrap();
    store.refund(&key, rate).await.unwrap();
    assert!(store.acquire(&key, rate).await.unwrap().is_allowed());
    assert!(!store.acquire(&key, rate).await.unwrap().is_allowed());
    // A refund of a key never asked changes nothing.
    let fresh = LimitKey::new(CREDENTIAL, Vendor::Sfz2);
    store.refund(&fresh, rate).await.unwrap();
    assert!(store.acquire(&fresh, rate).await.unwrap().is_allowed());
    assert!(!store.acquire(&fresh, rate).await.unwrap().is_allowed());
}

/// Concurrent callers that may wait book the next free permits: each gets its own slot, one
/// period after the other (no two the same), until a slot would come later than `within`;
/// those take nothing. An `acquire` (no booking) takes nothing while slots are booked.
pub async fn permits_are_booked_one_period_apart_within_the_wait(store: Arc<dyn Store>) {
    let rate = Rate::new(10.0, 1).unwrap();
    let key = LimitKey::new(CREDENTIAL, Vendor::Tel3);
    let within = Duration::from_millis(1_050);
    let decisions = at_once(|_| {
        let (store, key) = (store.clone(), key.clone());
        async move { store.acquire_within(&key, rate, within).await.unwrap() }
    })
    .await;
    let allowed = decisions
        .iter()
        .filter(|d| matches!(d, RateDecision::Allowed))
        .count();
    let mut booked: Vec<Duration> = decisions
        .iter()
        .filter_map(|d| match d {
            RateDecision::Booked(wait) => Some(*wait),
            _ => None,
        })
        .collect();
    booked.sort();
    // The one free now, then the slots at 100 ms, 200 ms, … 1,000 ms (a slow machine may
    // shift them by the time the callers took to arrive, never bunch them).
    assert_eq!(allowed, 1, "{decisions:?}");
    assert!((10..=11).contains(&booked.len()), "{decisions:?}");
    for pair in booked.windows(2) {
        let gap = pair[1].saturating_sub(pair[0]);
        assert!(
            gap >= Duration::from_millis(95) && gap <= Duration::from_millis(101),
            "slots {pair:?} are not one period apart"
        );
    }
    assert!(booked.iter().all(|wait| *wait <= within));
    let refused = decisions
        .iter()
        .filter(|d| matches!(d, RateDecision::Wait(_)))
        .count();
    assert_eq!(allowed + booked.len() + refused, decisions.len());
    assert!(!store.acquire(&key, rate).await.unwrap().is_allowed());
}

/// A check answered from the cache after its permit and reservation were taken ahead ends
/// with one `end`: the permit back, the reservation released, the hit counted.
pub async fn end_gives_back_what_a_hit_took_ahead(store: Arc<dyn Store>) {
    let rate = Rate::new(0.1, 1).unwrap();
    let limit = LimitKey::new(CREDENTIAL, Vendor::Tel3);
    let request = ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today());
    let begun = store
        .begin(&BeginSteps::new().acquire(&limit, rate).reserve(&request))
        .await;
    assert_eq!(begun.acquire, Some(Ok(RateDecision::Allowed)));
    let Some(Ok(ReserveOutcome::Reserved(reservation))) = begun.reserve else {
        panic!("not reserved: {:?}", begun.reserve);
    };
    let hit = Event::CacheHit {
        vendor: Vendor::Tel3,
        saved: Price::from_li(200),
    };
    let ended = store
        .end(
            &EndSteps::new()
                .settle(&reservation, Settlement::NotBilled)
                .refund(&limit, rate)
                .record(hit),
        )
        .await;
    assert!(matches!(ended.settle, Some(Ok(_))), "{ended:?}");
    assert_eq!(ended.refund, Some(Ok(())));
    assert_eq!(ended.record, Some(Ok(())));
    assert_eq!(ended.fill, None);
    // The permit is back: the next goes at once, the one after waits a period.
    assert!(store.acquire(&limit, rate).await.unwrap().is_allowed());
    assert!(!store.acquire(&limit, rate).await.unwrap().is_allowed());
    let snapshot = store.snapshot(today()).await.unwrap();
    assert_eq!(snapshot.overall.total.reserved, Price::ZERO);
    assert_eq!(snapshot.overall.total.spent, Price::ZERO);
    assert_eq!(snapshot.overall.cache_hits, 1);
    assert_eq!(snapshot.overall.saved, Price::from_li(200));
}

/// Every rule, each on a fresh store from `fresh`.
pub async fn every_rule<F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn Store>>,
{
    concurrent_reservations_never_pass_the_budget(fresh().await).await;
    concurrent_claims_have_one_owner(fresh().await).await;
    concurrent_acquires_take_exactly_the_burst(fresh().await).await;
    permits_come_back_after_a_period(fresh().await).await;
    claims_are_ended_by_their_owner_only(fresh().await).await;
    each_limit_refuses_by_its_own_period_and_scope(fresh().await).await;
    settlements_spend_release_or_keep(fresh().await).await;
    quota_counts_warns_once_and_refuses(fresh().await).await;
    events_are_counted(fresh().await).await;
    begin_and_end_answer_each_part(fresh().await).await;
    a_refund_gives_one_permit_back(fresh().await).await;
    permits_are_booked_one_period_apart_within_the_wait(fresh().await).await;
    end_gives_back_what_a_hit_took_ahead(fresh().await).await;
}
