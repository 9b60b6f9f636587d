//! A router with tracked packages and a store, against the mock market over real sockets: the
//! warnings at 20 %, 5 %, 0 and 7 days before expiry, each once per store (once per fleet);
//! a used-up or expired package skips its vendor for the next; and a cached answer gives back
//! the permit and the reservation its lookup took ahead.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shiming::core::Date;
use shiming::gateway::Credentials;
use shiming::store::cache::CacheTtl;
use shiming::store::keys::Pepper;
use shiming::store::ledger::{Budget, QuotaPlan, QuotaWarning};
use shiming::store::limit::Rate;
use shiming::store::{MemoryStore, Store};
use shiming::{
    today_in_china, ErrorKind, Identity, Price, Route, Router, RouterBuilder, RouterWarning,
    Vendor, Verdict,
};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket};
use shiming_test_support::market::demo_usage;

fn who() -> Identity {
    Identity::unchecked("陈思远", "330106198805160711", Some("13957120001"))
}

/// Someone else the registry does not hold (answered, and charged, as no record).
fn someone_else() -> Identity {
    Identity::unchecked("王五", "110108198510100190", Some("13800138000"))
}

/// China's date `days` from today.
fn in_days(days: i64) -> Date {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Date::in_china_at(i64::try_from(now).unwrap() + days * 86_400).unwrap()
}

type Seen = Arc<Mutex<Vec<RouterWarning>>>;

/// tel3 first, then sxm3v2, at the mock, on `store`, warnings collected in `seen`.
fn router(m: &MockHandle, store: Arc<dyn Store>, seen: &Seen) -> RouterBuilder {
    let tel3 = shiming::tel3::Tel3Client::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .build();
    let sxm3v2 = shiming::sxm3v2::Sxm3v2Client::builder(Credentials::app_code(DEMO_APPCODE))
        .endpoint(m.url())
        .build();
    let seen = Arc::clone(seen);
    Router::builder()
        .route(
            Route::three(tel3)
                .with_credential(DEMO_APPCODE)
                .with_priority(1),
        )
        .route(
            Route::three(sxm3v2)
                .with_credential(DEMO_APPCODE)
                .with_priority(2),
        )
        .store(store)
        .on_warning(move |w| seen.lock().unwrap().push(w.clone()))
}

/// The quota warnings seen, by code and vendor, in order.
fn quota_warnings(seen: &Seen) -> Vec<(String, Vendor)> {
    seen.lock()
        .unwrap()
        .iter()
        .filter_map(|w| match w {
            RouterWarning::Quota(q) => Some((q.code().to_string(), quota_vendor(q))),
            _ => None,
        })
        .collect()
}

fn quota_vendor(q: &QuotaWarning) -> Vendor {
    match q {
        QuotaWarning::Low { vendor, .. }
        | QuotaWarning::VeryLow { vendor, .. }
        | QuotaWarning::UsedUp { vendor, .. }
        | QuotaWarning::Expiring { vendor, .. } => *vendor,
        _ => panic!("a quota warning this test does not know: {q:?}"),
    }
}

#[tokio::test]
async fn a_package_warns_at_20_and_5_percent_and_at_0_then_its_vendor_is_skipped() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(MemoryStore::new());
    let seen = Seen::default();
    let r = router(&m, store.clone(), &seen)
        .quota(
            Vendor::Tel3,
            QuotaPlan {
                package_calls: 20,
                package_expires: in_days(365),
            },
        )
        .build();
    let mut codes_after = Vec::new();
    for _ in 0..20 {
        let routed = r.verify(&who()).await.unwrap();
        assert_eq!(routed.verification.vendor, "tel3");
        codes_after.push(quota_warnings(&seen).len());
    }
    assert_eq!(
        quota_warnings(&seen),
        [
            ("quota_low".to_string(), Vendor::Tel3),
            ("quota_very_low".to_string(), Vendor::Tel3),
            ("quota_used_up".to_string(), Vendor::Tel3),
        ]
    );
    // 20 % left after the 16th call, 5 % after the 19th, none after the 20th.
    assert_eq!(codes_after[14], 0);
    assert_eq!(codes_after[15], 1);
    assert_eq!(codes_after[17], 1);
    assert_eq!(codes_after[18], 2);
    assert_eq!(codes_after[19], 3);

    // Used up: tel3 is refused locally and the next vendor answers.
    let routed = r.verify(&who()).await.unwrap();
    assert_eq!(routed.verification.vendor, "sxm3v2");
    assert_eq!(routed.verification.verdict, Verdict::Match);
    assert_eq!(
        routed.attempts[0].outcome,
        shiming::Outcome::Error(ErrorKind::QuotaExhausted)
    );
    assert_eq!(
        demo_usage(&m, Vendor::Tel3),
        (20, 20),
        "the 21st was not sent"
    );
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (1, 1));
    assert_eq!(quota_warnings(&seen).len(), 3, "no warning twice");

    let ledger = store.snapshot(today_in_china()).await.unwrap();
    let tel3 = ledger
        .vendors
        .iter()
        .find(|v| v.vendor == Vendor::Tel3)
        .unwrap();
    let quota = tel3.quota.as_ref().unwrap();
    assert_eq!((quota.used, quota.left), (20, 0));
}

#[tokio::test]
async fn an_expired_package_is_skipped_and_an_expiring_one_warns_once() {
    let m = MockMarket::start().unwrap();
    let seen = Seen::default();
    let r = router(&m, Arc::new(MemoryStore::new()), &seen)
        .quota(
            Vendor::Tel3,
            QuotaPlan {
                package_calls: 1_000,
                package_expires: in_days(-1),
            },
        )
        .quota(
            Vendor::Sxm3v2,
            QuotaPlan {
                package_calls: 1_000,
                package_expires: in_days(3),
            },
        )
        .build();
    for _ in 0..4 {
        let routed = r.verify(&who()).await.unwrap();
        assert_eq!(routed.verification.vendor, "sxm3v2");
    }
    assert_eq!(demo_usage(&m, Vendor::Tel3), (0, 0), "expired: never sent");
    assert_eq!(demo_usage(&m, Vendor::Sxm3v2), (4, 4));
    assert_eq!(
        quota_warnings(&seen),
        [("quota_expiring".to_string(), Vendor::Sxm3v2)]
    );
}

#[tokio::test]
async fn instances_on_one_store_are_warned_once_between_them() {
    let m = MockMarket::start().unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (seen_a, seen_b) = (Seen::default(), Seen::default());
    let plan = QuotaPlan {
        package_calls: 10,
        package_expires: in_days(365),
    };
    let a = router(&m, store.clone(), &seen_a)
        .quota(Vendor::Tel3, plan)
        .build();
    let b = router(&m, store, &seen_b).quota(Vendor::Tel3, plan).build();
    for _ in 0..5 {
        a.verify(&who()).await.unwrap();
        b.verify(&who()).await.unwrap();
    }
    let mut all = quota_warnings(&seen_a);
    all.extend(quota_warnings(&seen_b));
    all.sort();
    assert_eq!(
        all,
        [
            ("quota_low".to_string(), Vendor::Tel3),
            ("quota_used_up".to_string(), Vendor::Tel3),
            ("quota_very_low".to_string(), Vendor::Tel3),
        ]
    );
    assert_eq!(demo_usage(&m, Vendor::Tel3), (10, 10));
}

#[tokio::test]
async fn a_cached_answer_gives_back_its_permit_and_its_reservation() {
    let m = MockMarket::start().unwrap();
    let store = Arc::new(MemoryStore::new());
    let seen = Seen::default();
    // Two permits and no refill to speak of, and a budget of two tel3 calls: a cached
    // answer that kept what its lookup took ahead would leave nothing for the next person.
    let r = router(&m, store.clone(), &seen)
        .cache(Pepper::new(vec![0x5a; 32]).unwrap(), CacheTtl::default())
        .rate(Vendor::Tel3, Rate::new(0.01, 2).unwrap())
        .max_wait(Duration::ZERO)
        .budget(Budget {
            total: Some(Price::from_li(400)),
            ..Budget::UNLIMITED
        })
        .build();
    assert!(!r.verify(&who()).await.unwrap().cached);
    for _ in 0..3 {
        assert!(r.verify(&who()).await.unwrap().cached);
    }
    let other = r.verify(&someone_else()).await.unwrap();
    assert!(!other.cached);
    assert_eq!(other.verification.vendor, "tel3");
    assert_eq!(demo_usage(&m, Vendor::Tel3), (2, 2));

    let ledger = store.snapshot(today_in_china()).await.unwrap();
    assert_eq!(ledger.overall.total.spent, Price::from_li(400));
    assert_eq!(ledger.overall.total.reserved, Price::ZERO);
    assert_eq!(ledger.overall.cache_hits, 3);
    assert_eq!(ledger.overall.saved, Price::from_li(600));
}
