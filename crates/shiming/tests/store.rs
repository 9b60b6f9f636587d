//! A router with a store against the mock market over real sockets: the dedupe cache with
//! single flight, the budget, the rate limit, and a failing ledger — each checked against
//! what the mock received and charged.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use shiming::gateway::Credentials;
use shiming::store::cache::{CacheTtl, CachedVerdict, Claim, ClaimToken};
use shiming::store::keys::{CacheKey, LimitKey, Pepper};
use shiming::store::ledger::{
    Budget, Event, LedgerSnapshot, Reservation, ReserveOutcome, ReserveRequest, SettleOutcome,
    Settlement,
};
use shiming::store::limit::{Rate, RateDecision};
use shiming::store::{MemoryStore, Store, StoreError};
use shiming::{
    today_in_china, Billing, ErrorKind, Identity, Outcome, Price, Route, Router, RouterBuilder,
    Vendor, Verdict,
};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket};
use shiming_test_support::market::{demo_usage, total_usage};

fn who() -> Identity {
    Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"))
}

fn tel3(m: &MockHandle) -> Route {
    let client = shiming::tel3::Tel3Client::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .build();
    Route::three(client).with_credential(DEMO_APPCODE)
}

fn sxm3v2(m: &MockHandle) -> Route {
    let client = shiming::sxm3v2::Sxm3v2Client::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .build();
    Route::three(client).with_credential(DEMO_APPCODE)
}

fn pepper() -> Pepper {
    Pepper::new(vec![0x5a; 32]).unwrap()
}

/// A router over tel3 at the mock, sharing `store`.
fn with_store(m: &MockHandle, store: Arc<dyn Store>) -> RouterBuilder {
    Router::builder().route(tel3(m)).store(store)
}

#[tokio::test]
async fn two_identical_concurrent_checks_are_charged_once() {
    let m = MockMarket::start().unwrap();
    let r = with_store(&m, Arc::new(MemoryStore::new()))
        .cache(pepper(), CacheTtl::default())
        .build();
    let (one, two) = (who(), who());
    let (a, b) = tokio::join!(r.verify(&one), r.verify(&two));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.verification.verdict, Verdict::Match);
    assert_eq!(b.verification.verdict, Verdict::Match);
    assert_eq!(
        [a.cached, b.cached].iter().filter(|c| **c).count(),
        1,
        "exactly one answer is the cached one"
    );
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));
    assert_eq!(total_usage(&m), (1, 1));
}

#[tokio::test]
async fn a_cached_answer_costs_nothing_and_is_not_sent() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(MemoryStore::new());
    let r = with_store(&m, store.clone())
        .cache(pepper(), CacheTtl::default())
        .build();
    let first = r.verify(&who()).await.unwrap();
    assert!(!first.cached);
    assert_eq!(first.attempts.cost(), Price::from_li(200));
    let sent = m.journal().len();

    // The same person, typed another way: the checked identity is normalized first.
    let again = Identity::unchecked(" 陈思远 ", "330106198805160711", Some("+86 139 5712 0001"));
    let second = r.verify(&again).await.unwrap();
    assert!(second.cached);
    assert_eq!(second.verification.verdict, Verdict::Match);
    assert_eq!(second.verification.vendor, "tel3");
    assert_eq!(second.verification.billing, Billing::NotBilled);
    assert_eq!(
        second.verification.request_id,
        first.verification.request_id
    );
    assert!(second.attempts.is_empty());
    assert_eq!(second.attempts.cost(), Price::ZERO);
    assert_eq!(m.journal().len(), sent, "nothing more was sent");
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));

    let ledger = store.snapshot(today_in_china()).await.unwrap();
    assert_eq!(ledger.overall.cache_hits, 1);
    assert_eq!(ledger.overall.saved, Price::from_li(200));
    assert_eq!(ledger.overall.today.spent, Price::from_li(200));
}

#[tokio::test]
async fn errors_are_not_cached() {
    let m = MockMarket::start().unwrap();
    m.set_quota(DEMO_APPCODE, &[Vendor::Tel3], Some(0));
    let r = with_store(&m, Arc::new(MemoryStore::new()))
        .cache(pepper(), CacheTtl::default())
        .build();
    let e = r.verify(&who()).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::QuotaExhausted);
    m.set_quota(DEMO_APPCODE, &[Vendor::Tel3], None);
    let routed = r.verify(&who()).await.unwrap();
    assert!(!routed.cached);
    assert_eq!(routed.verification.verdict, Verdict::Match);
}

#[tokio::test]
async fn a_budget_for_n_calls_stops_the_next_one_locally() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(MemoryStore::new());
    // tel3 costs 0.200: the budget holds three calls.
    let r = with_store(&m, store.clone())
        .budget(Budget {
            total: Some(Price::from_li(600)),
            ..Budget::UNLIMITED
        })
        .build();
    for _ in 0..3 {
        let routed = r.verify(&who()).await.unwrap();
        assert_eq!(routed.verification.verdict, Verdict::Match);
    }
    let sent = m.journal().len();
    let e = r.verify(&who()).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::BudgetExhausted);
    assert!(e.error.message().contains("budget"), "{}", e.error);
    assert_eq!(e.attempts.tried(), ["tel3"]);
    assert_eq!(e.billing(), Billing::NotBilled);
    assert_eq!(m.journal().len(), sent);
    assert_eq!(demo_usage(&m, Vendor::Tel3), (3, 3));

    let ledger = store.snapshot(today_in_china()).await.unwrap();
    assert_eq!(ledger.overall.total.spent, Price::from_li(600));
    assert_eq!(ledger.overall.total.reserved, Price::ZERO);
}

#[tokio::test]
async fn a_vendor_budget_refusal_fails_over_to_the_next_vendor() {
    let m = MockMarket::start().unwrap();
    let r = Router::builder()
        .route(tel3(&m).with_priority(1))
        .route(sxm3v2(&m).with_priority(2))
        .store(Arc::new(MemoryStore::new()))
        .vendor_budget(
            Vendor::Tel3,
            Budget {
                daily: Some(Price::from_li(100)),
                ..Budget::UNLIMITED
            },
        )
        .build();
    let routed = r.verify(&who()).await.unwrap();
    assert_eq!(routed.attempts.tried(), ["tel3", "sxm3v2"]);
    assert_eq!(routed.attempts.billed(), ["sxm3v2"]);
    assert_eq!(demo_usage(&m, Vendor::Tel3), (0, 0));
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (1, 1));
}

#[tokio::test]
async fn a_rate_limit_without_waiting_throttles_locally() {
    let m = MockMarket::start().unwrap();
    let r = with_store(&m, Arc::new(MemoryStore::new()))
        .rate(Vendor::Tel3, Rate::new(0.5, 1).unwrap())
        .max_wait(Duration::ZERO)
        .build();
    r.verify(&who()).await.unwrap();
    let e = r.verify(&who()).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::Throttled);
    assert_eq!(e.billing(), Billing::NotBilled);
    assert_eq!(e.attempts[0].outcome, Outcome::Error(ErrorKind::Throttled));
    assert_eq!(
        demo_usage(&m, Vendor::Tel3),
        (1, 1),
        "the refused call was not sent"
    );
}

#[tokio::test]
async fn a_rate_limit_waits_up_to_max_wait() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(MemoryStore::new());
    let r = with_store(&m, store.clone())
        .rate(Vendor::Tel3, Rate::new(20.0, 1).unwrap())
        .max_wait(Duration::from_secs(2))
        .build();
    for _ in 0..3 {
        r.verify(&who()).await.unwrap();
    }
    assert_eq!(demo_usage(&m, Vendor::Tel3), (3, 3));
    let ledger = store.snapshot(today_in_china()).await.unwrap();
    assert!(ledger.overall.limiter_waits >= 1);
}

/// A [`MemoryStore`] whose ledger is down.
#[derive(Debug, Default)]
struct LedgerDown(MemoryStore);

#[async_trait]
impl Store for LedgerDown {
    async fn acquire(&self, key: &LimitKey, rate: Rate) -> Result<RateDecision, StoreError> {
        self.0.acquire(key, rate).await
    }
    async fn claim(&self, key: &CacheKey, lease: Duration) -> Result<Claim, StoreError> {
        self.0.claim(key, lease).await
    }
    async fn fill(
        &self,
        key: &CacheKey,
        verdict: &CachedVerdict,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.0.fill(key, verdict, ttl).await
    }
    async fn abandon(&self, key: &CacheKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.0.abandon(key, token).await
    }
    async fn reserve(&self, _: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
    async fn settle(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
    ) -> Result<SettleOutcome, StoreError> {
        self.0.settle(reservation, settlement).await
    }
    async fn record(&self, event: Event) -> Result<(), StoreError> {
        self.0.record(event).await
    }
    async fn snapshot(&self, today: shiming::core::Date) -> Result<LedgerSnapshot, StoreError> {
        self.0.snapshot(today).await
    }
}

#[tokio::test]
async fn a_failing_ledger_refuses_paid_calls() {
    let m = MockMarket::start().unwrap();
    let r = with_store(&m, Arc::new(LedgerDown::default()))
        .cache(pepper(), CacheTtl::default())
        .build();
    let e = r.verify(&who()).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::BudgetExhausted);
    assert!(
        e.error.message().contains("cannot be reached"),
        "{}",
        e.error
    );
    assert_eq!(e.billing(), Billing::NotBilled);
    assert!(m.journal().is_empty());
    assert_eq!(total_usage(&m), (0, 0));
    let text = format!("{e} {e:?}");
    assert!(!text.contains("330106198805160711") && !text.contains("13957120001"));
}

#[tokio::test]
async fn concurrent_checks_book_the_permits_within_max_wait_and_the_rest_are_throttled() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(MemoryStore::new());
    // One permit each 100 ms and a wait of at most 350 ms: the permit free now and those at
    // 100, 200 and 300 ms are booked; the others are refused at once, not sent.
    let r = with_store(&m, store.clone())
        .rate(Vendor::Tel3, Rate::new(10.0, 1).unwrap())
        .max_wait(Duration::from_millis(350))
        .build();
    let r = Arc::new(r);
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let r = Arc::clone(&r);
        tasks.spawn(async move { r.verify(&who()).await });
    }
    let results = tasks.join_all().await;
    let sent = results.iter().filter(|r| r.is_ok()).count();
    let throttled: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!((4..=5).contains(&sent), "{sent} sent");
    assert!(throttled
        .iter()
        .all(|e| e.error.kind() == ErrorKind::Throttled && e.billing() == Billing::NotBilled));
    assert_eq!(demo_usage(&m, Vendor::Tel3), (sent as u64, sent as u64));
    // The booked calls went one period apart: the last no sooner than 300 ms in.
    assert!(started.elapsed() >= Duration::from_millis(290));
    let ledger = store.snapshot(today_in_china()).await.unwrap();
    assert_eq!(ledger.overall.limiter_waits, sent as u64 - 1);
}
