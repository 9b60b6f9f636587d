//! The Redis store against a real `redis-server` of its own per test: the rules every backend
//! keeps (`common`), shared by several stores as by the processes of a fleet, through a dead
//! and restarted server, and with no personal data at rest.
#![cfg(feature = "redis")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{runtime, today, CREDENTIAL, PEOPLE};
use md5::Md5;
use redis::AsyncCommands;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use shiming_core::{Price, Vendor, Verdict};
use shiming_store::cache::{CachedVerdict, Claim};
use shiming_store::keys::{CacheKey, CheckKind, LimitKey};
use shiming_store::ledger::{Budget, ReserveOutcome, ReserveRequest, Settlement};
use shiming_store::limit::{Rate, RateDecision};
use shiming_store::steps::{BeginSteps, EndSteps};
use shiming_store::{RedisStore, Store, StoreError};
use shiming_test_support::redis::RedisServer;

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Every key and its value, as text: `GET`, `HGETALL` or `SMEMBERS` by type, and `DUMP`.
async fn dump(url: &str) -> Vec<String> {
    let mut c = connection(url).await;
    let keys: Vec<String> = {
        let mut iter = c.scan::<String>().await.unwrap();
        let mut keys = Vec::new();
        while let Some(key) = futures_next(&mut iter).await {
            keys.push(key);
        }
        keys
    };
    let mut shown = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut c)
            .await
            .unwrap();
        let value = match kind.as_str() {
            "string" => {
                let v: Vec<u8> = c.get(&key).await.unwrap();
                String::from_utf8_lossy(&v).into_owned()
            }
            "hash" => {
                let v: Vec<(String, String)> = c.hgetall(&key).await.unwrap();
                format!("{v:?}")
            }
            "set" => {
                let v: Vec<String> = c.smembers(&key).await.unwrap();
                format!("{v:?}")
            }
            other => panic!("unexpected type {other} of {key}"),
        };
        let raw: Vec<u8> = redis::cmd("DUMP")
            .arg(&key)
            .query_async(&mut c)
            .await
            .unwrap();
        shown.push(format!("{key} = {value}"));
        shown.push(String::from_utf8_lossy(&raw).into_owned());
    }
    shown
}

async fn futures_next(iter: &mut redis::AsyncIter<'_, String>) -> Option<String> {
    iter.next_item().await.transpose().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What must never be at rest: each person's elements, the credential, and the MD5, SHA-1
/// and SHA-256 of each (lower- and upper-case hex).
fn forbidden() -> Vec<String> {
    let mut plain: Vec<String> = shiming_test_support::people::SECRETS
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    for (name, id, mobile) in PEOPLE {
        plain.extend([name, id].map(|s| (*s).to_string()));
        plain.extend(mobile.map(str::to_string));
    }
    plain.push(CREDENTIAL.to_string());
    let mut all = plain.clone();
    for s in &plain {
        for digest in [
            hex(&Md5::digest(s.as_bytes())),
            hex(&Sha1::digest(s.as_bytes())),
            hex(&Sha256::digest(s.as_bytes())),
        ] {
            all.push(digest.to_uppercase());
            all.push(digest);
        }
    }
    all
}

fn assert_nothing_personal(shown: &[String]) {
    let forbidden = forbidden();
    for text in shown {
        for secret in &forbidden {
            assert!(
                !text.contains(secret.as_str()),
                "a stored key or value shows a secret"
            );
        }
    }
}

#[test]
fn redis_keeps_every_rule_and_stores_nothing_personal() {
    let Some(server) = RedisServer::start("redis_keeps_every_rule_and_stores_nothing_personal")
    else {
        return;
    };
    let url = server.url();
    let shown = Arc::new(Mutex::new(Vec::new()));
    runtime().block_on(async {
        let fresh = || {
            let (url, shown) = (url.clone(), shown.clone());
            async move {
                // Each rule on an empty Redis: what the last one stored is checked, then gone.
                let stored = dump(&url).await;
                shown.lock().unwrap().extend(stored);
                let mut c = connection(&url).await;
                let () = redis::cmd("FLUSHALL").query_async(&mut c).await.unwrap();
                Arc::new(RedisStore::connect(&url).await.unwrap()) as Arc<dyn Store>
            }
        };
        common::every_rule(fresh).await;
        let stored = dump(&url).await;
        shown.lock().unwrap().extend(stored);
    });
    let shown = shown.lock().unwrap();
    assert!(
        shown.len() > 20,
        "the suite stored {} keys",
        shown.len() / 2
    );
    assert!(shown.iter().any(|s| s.starts_with("shiming:c:{v1:")));
    assert!(shown.iter().any(|s| s.starts_with("shiming:rl:{")));
    assert!(shown
        .iter()
        .any(|s| s.starts_with("shiming:ledger:{default}:")));
    assert_nothing_personal(&shown);
}

/// Two stores on two connections — two processes of a fleet — share one limit, one claim
/// owner and one budget; either settles what the other reserved.
#[test]
fn two_stores_share_one_limit_one_owner_one_budget() {
    let Some(server) = RedisServer::start("two_stores_share_one_limit_one_owner_one_budget") else {
        return;
    };
    runtime().block_on(async {
        let a: Arc<dyn Store> = Arc::new(RedisStore::connect(&server.url()).await.unwrap());
        let b: Arc<dyn Store> = Arc::new(RedisStore::connect(&server.url()).await.unwrap());
        let stores = [a.clone(), b.clone()];

        let rate = Rate::new(0.1, 5).unwrap();
        let limit = LimitKey::new(CREDENTIAL, Vendor::Tel3);
        let key = common::key(1, CheckKind::Three);
        let budget = Budget {
            daily: Some(Price::from_li(1_000)),
            ..Budget::UNLIMITED
        };
        let request =
            ReserveRequest::new(Vendor::Tel3, Price::from_li(100), today()).with_budget(budget);
        let results = common::at_once(|i| {
            let store = stores[i % 2].clone();
            let (limit, key, request) = (limit.clone(), key.clone(), request.clone());
            async move {
                let allowed = store.acquire(&limit, rate).await.unwrap().is_allowed();
                let owner = store
                    .claim(&key, Duration::from_secs(60))
                    .await
                    .unwrap()
                    .is_owner();
                let reservation = match store.reserve(&request).await.unwrap() {
                    ReserveOutcome::Reserved(r) => Some(r),
                    _ => None,
                };
                (allowed, owner, reservation)
            }
        })
        .await;
        let (mut allowed, mut owners, mut reservations) = (0, 0, Vec::new());
        for (a, o, r) in results {
            allowed += usize::from(a);
            owners += usize::from(o);
            reservations.extend(r);
        }
        assert_eq!(allowed, 5);
        assert_eq!(owners, 1);
        assert_eq!(reservations.len(), 10);

        let verdict = CachedVerdict {
            verdict: Verdict::Match,
            vendor: Vendor::Tel3,
            request_id: Some("A77CDCA5-CC79-46E2-863A-7B2871B7F520".into()),
            at_unix: 1_795_000_000,
            price: Price::from_li(100),
        };
        a.fill(&key, &verdict, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(
            b.claim(&key, Duration::from_secs(60)).await.unwrap(),
            Claim::Cached(verdict)
        );
        // What one reserved, the other settles; once.
        for (i, r) in reservations.iter().enumerate() {
            stores[i % 2]
                .settle(r, Settlement::NotBilled)
                .await
                .unwrap();
            assert_eq!(
                stores[(i + 1) % 2].settle(r, Settlement::NotBilled).await,
                Err(StoreError::UnknownReservation(r.id()))
            );
        }
        let (sa, sb) = (
            a.snapshot(today()).await.unwrap(),
            b.snapshot(today()).await.unwrap(),
        );
        assert_eq!(sa, sb);
        assert_eq!(sa.overall.today.committed(), Price::from_li(0));
    });
}

/// A killed server makes every call fail soon as unavailable — nothing hangs — and once it
/// is back the same store works again, without being rebuilt.
#[test]
fn a_dead_redis_fails_fast_and_the_store_reconnects() {
    let Some(mut server) = RedisServer::start("a_dead_redis_fails_fast_and_the_store_reconnects")
    else {
        return;
    };
    runtime().block_on(async {
        let store = RedisStore::connect(&server.url()).await.unwrap();
        let limit = LimitKey::new(CREDENTIAL, Vendor::Sfz2);
        let rate = Rate::new(100.0, 100).unwrap();
        assert!(store.acquire(&limit, rate).await.unwrap().is_allowed());

        server.kill();
        for _ in 0..5 {
            let started = Instant::now();
            let result = store.acquire(&limit, rate).await;
            let took = started.elapsed();
            assert!(
                matches!(result, Err(StoreError::Unavailable(_))),
                "{result:?}"
            );
            assert!(took < Duration::from_secs(3), "took {took:?}");
            let snapshot = store.snapshot(today()).await;
            assert!(matches!(snapshot, Err(StoreError::Unavailable(_))));
        }
        // Connecting anew fails fast too.
        let started = Instant::now();
        assert!(matches!(
            RedisStore::connect(&server.url()).await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(5));

        server.restart();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match store.acquire(&limit, rate).await {
                Ok(decision) => {
                    assert!(decision.is_allowed());
                    break;
                }
                Err(e) => {
                    assert!(Instant::now() < deadline, "no reconnect: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        let key = common::key(0, CheckKind::Two);
        assert!(store
            .claim(&key, Duration::from_secs(5))
            .await
            .unwrap()
            .is_owner());
    });
}

/// A server that answers nothing (busy in a script) makes a call fail after the response
/// timeout instead of waiting for it; the store then works again.
#[test]
fn a_stalled_redis_times_out_instead_of_hanging() {
    let Some(server) = RedisServer::start("a_stalled_redis_times_out_instead_of_hanging") else {
        return;
    };
    runtime().block_on(async {
        let store = RedisStore::connect(&server.url()).await.unwrap();
        let limit = LimitKey::new(CREDENTIAL, Vendor::Sjsys);
        let rate = Rate::new(100.0, 100).unwrap();
        assert!(store.acquire(&limit, rate).await.unwrap().is_allowed());
        // Another client keeps the server busy for 3 s (under its 5 s script time limit).
        let mut other = connection(&server.url()).await;
        let stall = tokio::spawn(async move {
            let busy = "local s = tonumber(redis.call('TIME')[1]) \
                        while tonumber(redis.call('TIME')[1]) - s < 3 do end return 1";
            let _: Result<i64, _> = redis::cmd("EVAL")
                .arg(busy)
                .arg(0)
                .query_async(&mut other)
                .await;
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let result = store.acquire(&limit, rate).await;
        let took = started.elapsed();
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{result:?}"
        );
        assert!(took < Duration::from_millis(2_500), "took {took:?}");
        stall.await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while store.acquire(&limit, rate).await.is_err() {
            assert!(Instant::now() < deadline, "the store did not recover");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

/// The figures of uncached check `n` (0 to 3: two people, two kinds) through a cache, a rate
/// limit and a budget.
fn uncached_check(n: usize) -> (CacheKey, LimitKey, Rate, ReserveRequest) {
    let budget = Budget {
        daily: Some(Price::from_li(10_000)),
        ..Budget::UNLIMITED
    };
    (
        common::key(n % 2, [CheckKind::Two, CheckKind::Three][n / 2]),
        LimitKey::new(CREDENTIAL, Vendor::Tel3),
        Rate::new(100.0, 100).unwrap(),
        ReserveRequest::new(Vendor::Tel3, Price::from_li(200), today()).with_budget(budget),
    )
}

fn verdict() -> CachedVerdict {
    CachedVerdict {
        verdict: Verdict::Match,
        vendor: Vendor::Tel3,
        request_id: None,
        at_unix: 1_795_000_000,
        price: Price::from_li(200),
    }
}

/// What the router does for uncached check `n`: `begin` (claim, acquire, reserve), the paid
/// call, `end` (settle, fill).
async fn uncached_call(store: &RedisStore, n: usize) {
    let (key, limit, rate, request) = uncached_check(n);
    let begun = store
        .begin(
            &BeginSteps::new()
                .claim(&key, Duration::from_secs(60))
                .acquire(&limit, rate)
                .reserve(&request),
        )
        .await;
    assert!(
        matches!(begun.claim, Some(Ok(Claim::Owner(_)))),
        "{begun:?}"
    );
    assert_eq!(begun.acquire, Some(Ok(RateDecision::Allowed)));
    let Some(Ok(ReserveOutcome::Reserved(reservation))) = begun.reserve.clone() else {
        panic!("{begun:?}")
    };
    let ended = store
        .end(
            &EndSteps::new()
                .settle(&reservation, Settlement::Billed(Price::from_li(200)))
                .fill(&key, &verdict(), Duration::from_secs(60)),
        )
        .await;
    assert!(matches!(ended.settle, Some(Ok(_))), "{ended:?}");
    assert_eq!(ended.fill, Some(Ok(())));
}

/// The product's rule: an uncached call costs at most two round trips to Redis — `begin`
/// (claim, acquire, reserve) and `end` (settle, fill) — counted by `round_trips`, which
/// clones share.
#[test]
fn an_uncached_call_costs_two_round_trips() {
    let Some(server) = RedisServer::start("an_uncached_call_costs_two_round_trips") else {
        return;
    };
    runtime().block_on(async {
        let store = RedisStore::connect(&server.url()).await.unwrap();
        assert_eq!(store.round_trips(), 0);
        // A new Redis knows no script yet: `begin` and `end` each load theirs once
        // (NOSCRIPT, then load and run), two round trips more.
        uncached_call(&store, 0).await;
        assert_eq!(store.round_trips(), 4);

        // From then on: two, counted on the store and its clones alike.
        let clone = store.clone();
        for n in [1, 2, 3] {
            let before = store.round_trips();
            uncached_call(&clone, n).await;
            assert_eq!(store.round_trips() - before, 2);
        }

        // A cached check costs one: `begin` with the claim alone.
        let (key, _, _, _) = uncached_check(1);
        let before = store.round_trips();
        let cached = store
            .begin(&BeginSteps::new().claim(&key, Duration::from_secs(60)))
            .await;
        assert_eq!(cached.claim, Some(Ok(Claim::Cached(verdict()))));
        assert_eq!(store.round_trips() - before, 1);
        // Nothing asked, nothing sent.
        store.begin(&BeginSteps::new()).await;
        store.end(&EndSteps::new()).await;
        assert_eq!(store.round_trips() - before, 1);
        assert_eq!(
            store.snapshot(today()).await.unwrap().overall.today.spent,
            Price::from_li(800)
        );
    });
}

/// After Redis restarts (its script cache empty), `begin` and `end` load the scripts and run
/// them again, in one more round trip; with Redis dead, every part asked fails as
/// unavailable, soon.
#[test]
fn begin_survives_a_restart_and_fails_fast_when_redis_is_dead() {
    let Some(mut server) =
        RedisServer::start("begin_survives_a_restart_and_fails_fast_when_redis_is_dead")
    else {
        return;
    };
    runtime().block_on(async {
        let store = RedisStore::connect(&server.url()).await.unwrap();
        let (key, limit, rate, request) = uncached_check(0);
        let steps = BeginSteps::new()
            .claim(&key, Duration::from_secs(60))
            .acquire(&limit, rate)
            .reserve(&request);

        server.kill();
        for _ in 0..3 {
            let started = Instant::now();
            let begun = store.begin(&steps).await;
            let took = started.elapsed();
            assert!(took < Duration::from_secs(2), "took {took:?}");
            assert!(
                matches!(begun.claim, Some(Err(StoreError::Unavailable(_)))),
                "{begun:?}"
            );
            assert!(matches!(
                begun.acquire,
                Some(Err(StoreError::Unavailable(_)))
            ));
            assert!(matches!(
                begun.reserve,
                Some(Err(StoreError::Unavailable(_)))
            ));
        }

        server.restart();
        let deadline = Instant::now() + Duration::from_secs(10);
        let begun = loop {
            let begun = store.begin(&steps).await;
            if begun.claim.as_ref().is_some_and(Result::is_ok) {
                break begun;
            }
            assert!(Instant::now() < deadline, "no reconnect: {begun:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(matches!(begun.claim, Some(Ok(Claim::Owner(_)))));
        assert_eq!(begun.acquire, Some(Ok(RateDecision::Allowed)));
        let Some(Ok(ReserveOutcome::Reserved(reservation))) = begun.reserve.clone() else {
            panic!("{begun:?}")
        };
        // The scripts of `end` are loaded on its NOSCRIPT too, in one more round trip.
        let mut c = connection(&server.url()).await;
        let () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut c)
            .await
            .unwrap();
        let before = store.round_trips();
        let ended = store
            .end(&EndSteps::new().settle(&reservation, Settlement::NotBilled))
            .await;
        assert!(matches!(ended.settle, Some(Ok(_))), "{ended:?}");
        assert_eq!(store.round_trips() - before, 2);
        assert_eq!(
            store
                .snapshot(today())
                .await
                .unwrap()
                .overall
                .today
                .committed(),
            Price::from_li(0)
        );
    });
}
