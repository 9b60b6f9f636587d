//! A router whose store fails part by part, against the mock market over real sockets: the
//! limiter's fallback paces calls and is not asked again for every call while it is down, a
//! permit goes back to the limiter it came from, a throttled error quotes the rate it applied,
//! and each outage is one warning each way — an answer to a call asked before the failure does
//! not end it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use shiming::gateway::Credentials;
use shiming::store::cache::{CachedVerdict, Claim, ClaimToken};
use shiming::store::keys::{CacheKey, LimitKey};
use shiming::store::ledger::{
    Budget, Event, LedgerSnapshot, Reservation, ReserveOutcome, ReserveRequest, SettleOutcome,
    Settlement,
};
use shiming::store::limit::{Rate, RateDecision};
use shiming::store::{MemoryStore, Store, StoreError};
use shiming::{
    ErrorKind, Identity, LedgerDown, Price, Route, Router, RouterBuilder, RouterWarning, StorePart,
    Vendor,
};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket};
use shiming_test_support::market::demo_usage;

fn who() -> Identity {
    Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"))
}

/// A [`MemoryStore`] whose rate limit or ledger can be taken down, counting what it is asked.
/// A ledger call is slowed by `ledger_delay`, and fails when the ledger was down as it was
/// asked.
#[derive(Debug, Default)]
struct Flaky {
    inner: MemoryStore,
    limiter_down: AtomicBool,
    ledger_down: AtomicBool,
    ledger_delay: Mutex<Duration>,
    acquires: AtomicUsize,
    reserves: AtomicUsize,
}

fn refused() -> StoreError {
    StoreError::Unavailable("connection refused".into())
}

impl Flaky {
    /// Whether the ledger is down as a call is asked; then waits the ledger's delay.
    async fn ledger_call(&self) -> Result<(), StoreError> {
        let down = self.ledger_down.load(Ordering::SeqCst);
        let delay = *self.ledger_delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        if down {
            Err(refused())
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Store for Flaky {
    async fn acquire(&self, key: &LimitKey, rate: Rate) -> Result<RateDecision, StoreError> {
        self.acquires.fetch_add(1, Ordering::SeqCst);
        if self.limiter_down.load(Ordering::SeqCst) {
            return Err(refused());
        }
        self.inner.acquire(key, rate).await
    }
    async fn acquire_within(
        &self,
        key: &LimitKey,
        rate: Rate,
        within: Duration,
    ) -> Result<RateDecision, StoreError> {
        self.acquires.fetch_add(1, Ordering::SeqCst);
        if self.limiter_down.load(Ordering::SeqCst) {
            return Err(refused());
        }
        self.inner.acquire_within(key, rate, within).await
    }
    async fn claim(&self, key: &CacheKey, lease: Duration) -> Result<Claim, StoreError> {
        self.inner.claim(key, lease).await
    }
    async fn fill(
        &self,
        key: &CacheKey,
        verdict: &CachedVerdict,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.inner.fill(key, verdict, ttl).await
    }
    async fn abandon(&self, key: &CacheKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.inner.abandon(key, token).await
    }
    async fn reserve(&self, request: &ReserveRequest) -> Result<ReserveOutcome, StoreError> {
        self.reserves.fetch_add(1, Ordering::SeqCst);
        self.ledger_call().await?;
        self.inner.reserve(request).await
    }
    async fn settle(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
    ) -> Result<SettleOutcome, StoreError> {
        self.ledger_call().await?;
        self.inner.settle(reservation, settlement).await
    }
    async fn record(&self, event: Event) -> Result<(), StoreError> {
        self.inner.record(event).await
    }
    async fn snapshot(&self, today: shiming::core::Date) -> Result<LedgerSnapshot, StoreError> {
        self.inner.snapshot(today).await
    }
}

/// A router over tel3 at the mock with `store`, its warnings collected in `warnings`.
fn router(
    m: &MockHandle,
    store: Arc<Flaky>,
    warnings: &Arc<Mutex<Vec<RouterWarning>>>,
) -> RouterBuilder {
    let client = shiming::tel3::Tel3Client::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .build();
    let seen = Arc::clone(warnings);
    Router::builder()
        .route(Route::three(client).with_credential(DEMO_APPCODE))
        .store(store)
        .on_warning(move |w| seen.lock().unwrap().push(w.clone()))
}

fn down(part: StorePart) -> impl Fn(&RouterWarning) -> bool {
    move |w| matches!(w, RouterWarning::StoreUnavailable { part: p, .. } if *p == part)
}

fn up(part: StorePart) -> impl Fn(&RouterWarning) -> bool {
    move |w| matches!(w, RouterWarning::StoreRecovered { part: p } if *p == part)
}

fn count(
    warnings: &Arc<Mutex<Vec<RouterWarning>>>,
    which: impl Fn(&RouterWarning) -> bool,
) -> usize {
    warnings.lock().unwrap().iter().filter(|w| which(w)).count()
}

#[tokio::test]
async fn a_down_limiter_is_left_alone_while_the_fallback_paces_the_calls() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(Flaky::default());
    store.limiter_down.store(true, Ordering::SeqCst);
    let warnings = Arc::default();
    let r = router(&m, store.clone(), &warnings)
        .rate(Vendor::Tel3, Rate::new(100.0, 1).unwrap())
        .fallback_rate(Vendor::Tel3, Rate::new(10.0, 1).unwrap())
        .max_wait(Duration::from_secs(2))
        .build();
    let started = Instant::now();
    for _ in 0..6 {
        r.verify(&who()).await.unwrap();
    }
    let elapsed = started.elapsed();
    // Six calls at the fallback's 10 per second, burst 1: five waits of 100 ms.
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert_eq!(demo_usage(&m, Vendor::Tel3), (6, 6));
    // The dead limiter was asked once, not before each call and each wait (it rests a second
    // after a failure; the run may just reach the second ask).
    let asked = store.acquires.load(Ordering::SeqCst);
    assert!(asked <= 2, "the down limiter was asked {asked} times");
    assert_eq!(count(&warnings, down(StorePart::RateLimit)), 1);
    assert_eq!(count(&warnings, up(StorePart::RateLimit)), 0);
}

#[tokio::test]
async fn a_refused_reservation_gives_a_fallback_permit_back() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(Flaky::default());
    store.limiter_down.store(true, Ordering::SeqCst);
    let warnings = Arc::default();
    // tel3 costs 0.20 CNY: a budget of 0.10 refuses every call.
    let r = router(&m, store.clone(), &warnings)
        .rate(Vendor::Tel3, Rate::new(100.0, 1).unwrap())
        .fallback_rate(Vendor::Tel3, Rate::new(0.5, 1).unwrap())
        .max_wait(Duration::ZERO)
        .budget(Budget {
            total: Some(Price::from_li(100)),
            ..Budget::UNLIMITED
        })
        .build();
    for round in 0..3 {
        let e = r.verify(&who()).await.unwrap_err();
        // Were the permit given to the dead store, the fallback limiter (one permit per two
        // seconds, no waiting) would throttle the second round.
        assert_eq!(
            e.error.kind(),
            ErrorKind::BudgetExhausted,
            "round {round}: {e}"
        );
    }
    assert_eq!(demo_usage(&m, Vendor::Tel3), (0, 0));
}

#[tokio::test]
async fn a_throttle_while_the_limiter_is_down_quotes_the_fallback_rate() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(Flaky::default());
    store.limiter_down.store(true, Ordering::SeqCst);
    let warnings = Arc::default();
    let r = router(&m, store, &warnings)
        .rate(Vendor::Tel3, Rate::new(50.0, 10).unwrap())
        .fallback_rate(Vendor::Tel3, Rate::new(0.5, 1).unwrap())
        .max_wait(Duration::ZERO)
        .build();
    r.verify(&who()).await.unwrap();
    let e = r.verify(&who()).await.unwrap_err();
    assert_eq!(e.error.kind(), ErrorKind::Throttled);
    let message = e.error.message();
    assert!(
        message.contains("fallback") && message.contains("(0.5 per second, burst 1)"),
        "{message}"
    );
    assert_eq!(demo_usage(&m, Vendor::Tel3), (1, 1));
}

#[tokio::test]
async fn a_ledger_outage_is_one_warning_each_way() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(Flaky::default());
    let warnings = Arc::default();
    let r = router(&m, store.clone(), &warnings)
        .budget(Budget {
            daily: Some(Price::from_li(100_000)),
            ..Budget::UNLIMITED
        })
        .when_ledger_down(LedgerDown::Send)
        .build();
    r.verify(&who()).await.unwrap();
    assert_eq!(store.reserves.load(Ordering::SeqCst), 1);

    store.ledger_down.store(true, Ordering::SeqCst);
    for _ in 0..5 {
        // Sent uncounted, as configured.
        r.verify(&who()).await.unwrap();
    }
    assert_eq!(demo_usage(&m, Vendor::Tel3), (6, 6));
    assert_eq!(
        store.reserves.load(Ordering::SeqCst),
        2,
        "the down ledger is left alone after its failure"
    );
    assert_eq!(count(&warnings, down(StorePart::Ledger)), 1);

    store.ledger_down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    r.verify(&who()).await.unwrap();
    assert_eq!(store.reserves.load(Ordering::SeqCst), 3);
    assert_eq!(count(&warnings, down(StorePart::Ledger)), 1);
    assert_eq!(count(&warnings, up(StorePart::Ledger)), 1);
    let text = format!("{:?}", warnings.lock().unwrap());
    assert!(!text.contains("330106198805160711") && !text.contains("13957120001"));
}

#[tokio::test]
async fn an_answer_asked_before_the_failure_does_not_end_the_outage() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(Flaky::default());
    *store.ledger_delay.lock().unwrap() = Duration::from_millis(300);
    let warnings = Arc::default();
    let r = router(&m, store.clone(), &warnings)
        .budget(Budget {
            daily: Some(Price::from_li(100_000)),
            ..Budget::UNLIMITED
        })
        .when_ledger_down(LedgerDown::Send)
        .build();
    let (early, late) = (who(), who());
    let before = r.verify(&early);
    let after = async {
        // Asked while `before`'s reservation is on its way, and answered first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        store.ledger_down.store(true, Ordering::SeqCst);
        *store.ledger_delay.lock().unwrap() = Duration::ZERO;
        r.verify(&late).await
    };
    let (before, after) = tokio::join!(before, after);
    before.unwrap();
    after.unwrap();
    assert_eq!(count(&warnings, down(StorePart::Ledger)), 1);
    assert_eq!(
        count(&warnings, up(StorePart::Ledger)),
        0,
        "a reservation asked before the outage said nothing about it: {:?}",
        warnings.lock().unwrap()
    );
}

#[tokio::test]
async fn a_fallback_limiter_waits_for_the_permits_the_fleet_booked() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(Flaky::default());
    let warnings = Arc::default();
    let r = Arc::new(
        router(&m, store.clone(), &warnings)
            .rate(Vendor::Tel3, Rate::new(10.0, 1).unwrap())
            .fallback_rate(Vendor::Tel3, Rate::new(5.0, 1).unwrap())
            .max_wait(Duration::from_secs(2))
            .build(),
    );
    let started = Instant::now();
    // Five checks at once: the permit free now, then four booked 100 ms apart.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let r = Arc::clone(&r);
        tasks.spawn(async move { r.verify(&who()).await });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    store.limiter_down.store(true, Ordering::SeqCst);
    let late = r.verify(&who()).await.unwrap();
    let sent_at = started.elapsed();
    for result in tasks.join_all().await {
        result.unwrap();
    }
    assert_eq!(late.verification.vendor, "tel3");
    // The fleet's limiter was contended, so its permits may be booked up to a second ahead:
    // this process's own limiter (one permit each 200 ms) gives nothing for a second and a
    // period after it fell back (at 50 ms).
    assert!(
        sent_at >= Duration::from_millis(1_240),
        "sent {sent_at:?} after the start"
    );
    assert_eq!(count(&warnings, down(StorePart::RateLimit)), 1);
}
