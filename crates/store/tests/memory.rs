//! The store's rules through the `Store` trait, on the in-memory backend, under concurrency.
//! The rules shared with every backend are in `common`; here are those of this backend alone.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{runtime, today};
use shiming_core::id_card::ValidationOptions;
use shiming_core::{Identity, Price, Vendor, Verdict};
use shiming_store::cache::CachedVerdict;
use shiming_store::clock::FakeRelativeClock;
use shiming_store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
use shiming_store::limit::Rate;
use shiming_store::{MemoryStore, Store};

#[test]
fn memory_keeps_every_rule() {
    runtime().block_on(common::every_rule(|| async {
        Arc::new(MemoryStore::new()) as Arc<dyn Store>
    }));
}

#[test]
fn concurrent_acquires_take_exactly_the_burst_on_a_fake_clock() {
    let clock = FakeRelativeClock::default();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::with_clock(clock.clone()));
    let rate = Rate::new(5.0, 8).unwrap();
    let key = LimitKey::new("0123456789abcdef0123456789abcdef", Vendor::Tel3);
    runtime().block_on(async {
        let decisions = common::at_once(|_| {
            let (store, key) = (store.clone(), key.clone());
            async move { store.acquire(&key, rate).await.unwrap() }
        })
        .await;
        let allowed = decisions.iter().filter(|d| d.is_allowed()).count();
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
