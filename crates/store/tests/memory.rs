//! The store's rules through the `Store` trait, on the in-memory backend, under concurrency.
//! Each rule is a function over `Arc<dyn Store>`, so that every backend can be held to it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shiming_core::id_card::ValidationOptions;
use shiming_core::{Date, Identity, Price, Vendor, Verdict};
use shiming_store::cache::{CachedVerdict, Claim};
use shiming_store::clock::FakeRelativeClock;
use shiming_store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
use shiming_store::ledger::{Budget, ReserveOutcome, ReserveRequest, Settlement};
use shiming_store::limit::Rate;
use shiming_store::{MemoryStore, Store};
use tokio::sync::Barrier;

const TASKS: usize = 64;

fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap()
}

/// Many tasks reserve at once against one budget: exactly as many reservations as fit are
/// made, and the budget is never passed, by even one 厘.
async fn concurrent_reservations_never_pass_the_budget(store: Arc<dyn Store>) {
    let price = Price::from_li(33);
    let cap = Price::from_li(10_000); // 303 calls fit: 9,999 厘.
    let budget = Budget {
        daily: Some(cap),
        ..Budget::UNLIMITED
    };
    let request = ReserveRequest::new(Vendor::Sfz2, price, today()).with_budget(budget);
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, request, barrier) = (store.clone(), request.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
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
        }));
    }
    let mut reservations = Vec::new();
    for t in tasks {
        reservations.extend(t.await.unwrap());
    }
    assert_eq!(reservations.len(), 303);
    let snapshot = store.snapshot(today()).await.unwrap();
    assert_eq!(snapshot.overall.today.reserved, price.times(303));
    assert!(snapshot.overall.today.committed() <= cap);

    // Settling at a lower actual price frees room, which concurrent reservations take — still
    // never past the cap.
    let barrier = Arc::new(Barrier::new(TASKS));
    let chunks: Vec<Vec<_>> = reservations.chunks(5).map(<[_]>::to_vec).collect();
    let made = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, chunk) in (0..TASKS).zip(chunks.into_iter().chain(std::iter::repeat(Vec::new()))) {
        let (store, request, barrier, made) = (
            store.clone(),
            request.clone(),
            barrier.clone(),
            made.clone(),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
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
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
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

#[test]
fn memory_concurrent_reservations_never_pass_the_budget() {
    runtime().block_on(concurrent_reservations_never_pass_the_budget(Arc::new(
        MemoryStore::new(),
    )));
}

/// Many tasks check the same person at once: one owns the check, the others see it in
/// flight; once filled, everyone reads the verdict.
async fn concurrent_claims_have_one_owner(store: Arc<dyn Store>) {
    let pepper = Pepper::new(vec![42; 32]).unwrap();
    let options = ValidationOptions::new(today());
    let who = Identity::new("吴秀英", "11010219560409026X", None, &options).unwrap();
    let key = CacheKey::new(&pepper, CheckKind::Two, &who);
    let lease = Duration::from_secs(60);
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, key, barrier) = (store.clone(), key.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.claim(&key, lease).await.unwrap()
        }));
    }
    let mut owners = 0;
    for t in tasks {
        match t.await.unwrap() {
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

#[test]
fn memory_concurrent_claims_have_one_owner() {
    runtime().block_on(concurrent_claims_have_one_owner(Arc::new(
        MemoryStore::new(),
    )));
}

#[test]
fn concurrent_acquires_take_exactly_the_burst() {
    let clock = FakeRelativeClock::default();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_clock(clock.clone()));
    let rate = Rate::new(5.0, 8).unwrap();
    let key = LimitKey::new("0123456789abcdef0123456789abcdef", Vendor::Tel3);
    runtime().block_on(async {
        let barrier = Arc::new(Barrier::new(TASKS));
        let mut tasks = Vec::new();
        for _ in 0..TASKS {
            let (store, key, barrier) = (store.clone(), key.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.acquire(&key, rate).await.unwrap()
            }));
        }
        let mut allowed = 0;
        for t in tasks {
            if t.await.unwrap().is_allowed() {
                allowed += 1;
            }
        }
        // The clock stood still: the burst and nothing more.
        assert_eq!(allowed, 8);
        clock.advance(Duration::from_millis(200));
        assert!(store.acquire(&key, rate).await.unwrap().is_allowed());
        assert_eq!(
            store.acquire(&key, rate).await.unwrap().wait(),
            Duration::from_millis(200)
        );
    });
}

#[test]
fn what_the_store_shows_holds_no_personal_data() {
    let store = MemoryStore::new();
    let pepper = Pepper::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
    let options = ValidationOptions::new(today());
    let (name, id, mobile) = ("陈思远", "330106198805160711", "13957120001");
    let who = Identity::new(name, id, Some(mobile), &options).unwrap();
    let key = CacheKey::new(&pepper, CheckKind::Three, &who);
    let limit = LimitKey::new("0123456789abcdef0123456789abcdef", Vendor::Tel3);
    let shown = runtime().block_on(async {
        let mut shown = vec![format!("{key:?}"), key.redis_key(), limit.redis_key()];
        let claim = store.claim(&key, Duration::from_secs(30)).await.unwrap();
        shown.push(format!("{claim:?}"));
        let verdict = CachedVerdict {
            verdict: Verdict::Match,
            vendor: Vendor::Tel3,
            request_id: Some("A77CDCA5-CC79-46E2-863A-7B2871B7F520".into()),
            at_unix: 1_795_000_000,
            price: Price::from_li(200),
        };
        shown.push(serde_json::to_string(&verdict).unwrap());
        store
            .fill(&key, &verdict, Duration::from_secs(60))
            .await
            .unwrap();
        store
            .acquire(&limit, Rate::new(1.0, 1).unwrap())
            .await
            .unwrap();
        let snapshot = store.snapshot(today()).await.unwrap();
        shown.push(serde_json::to_string(&snapshot).unwrap());
        shown.push(format!("{store:?}"));
        shown
    });
    for text in &shown {
        for element in [name, id, mobile, "0123456789abcdef0123456789abcdef"] {
            assert!(!text.contains(element), "{text}");
        }
    }
}
