//! What each step of the Redis store costs the server alone: many calls of one `Store` method
//! (one Lua script each, by `EVALSHA`), 64 in flight, with the server's `INFO` around them —
//! commands run per call (those the script runs included), CPU and script time per call.
//! The router's uncached check is claim (new) + acquire + reserve, then settle + fill; a cache
//! hit is claim (cached) + acquire + reserve, then refund + settle (not billed) + record.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use shiming::core::{Identity, Price, Vendor, Verdict};
use shiming::store::cache::{CachedVerdict, Claim};
use shiming::store::keys::{CacheKey, CheckKind, LimitKey, Pepper};
use shiming::store::ledger::{
    Budget, Event, Reservation, ReserveOutcome, ReserveRequest, Settlement,
};
use shiming::store::limit::Rate;
use shiming::store::{RedisStore, Store};
use tokio::task::JoinSet;

use crate::redis_server::{Admin, Stats};
use crate::Result;

/// One step's cost per call.
pub struct Cost {
    pub step: &'static str,
    pub calls: usize,
    pub stats: Stats,
}

/// Runs `f(i)` for `i` in `0..n`, 64 at a time; the answers in order.
async fn each<F, Fut, T>(n: usize, f: F) -> Vec<T>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send,
    T: Send + 'static,
{
    let mut tasks = JoinSet::new();
    for t in 0..crate::throughput::CONCURRENCY {
        let f = f.clone();
        tasks.spawn(async move {
            let mut out = Vec::new();
            let mut i = t;
            while i < n {
                out.push((i, f(i).await));
                i += crate::throughput::CONCURRENCY;
            }
            out
        });
    }
    let mut all = Vec::with_capacity(n);
    while let Some(done) = tasks.join_next().await {
        if let Ok(part) = done {
            all.extend(part);
        }
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

/// The cost of each step, `calls` calls each, on `store` (whose server `admin` reads); the
/// cache keys are those of the first `calls` of `people`, who must not be cached yet.
pub async fn costs(
    store: &RedisStore,
    admin: &mut Admin,
    people: &[Identity],
    calls: usize,
) -> Result<Vec<Cost>> {
    let store = Arc::new(store.clone());
    let pepper = Pepper::new(vec![0x5a; 32])?;
    let keys: Arc<Vec<CacheKey>> = Arc::new(
        people
            .iter()
            .take(calls)
            .map(|p| CacheKey::new(&pepper, CheckKind::Three, p))
            .collect(),
    );
    if keys.len() < calls {
        return Err(format!("{calls} calls need as many people, not {}", keys.len()).into());
    }
    let limit = Arc::new(LimitKey::new("bench-scripts", Vendor::Tel3));
    let rate = Rate::new(1_000_000.0, 1_000)?;
    let today = shiming::today_in_china();
    let request = Arc::new(
        ReserveRequest::new(Vendor::Tel3, Vendor::Tel3.default_price(), today).with_budget(
            Budget {
                daily: Some(Price::from_li(100_000_000_000)),
                ..Budget::UNLIMITED
            },
        ),
    );
    let verdict = Arc::new(CachedVerdict {
        verdict: Verdict::NoRecord,
        vendor: Vendor::Tel3,
        request_id: Some("bench-0000000000".into()),
        at_unix: 1_795_000_000,
        price: Vendor::Tel3.default_price(),
    });
    let mut out = Vec::new();
    let cost = |step: &'static str, before: Stats, after: Stats| Cost {
        step,
        calls,
        stats: after.since(&before),
    };

    let before = admin.stats().await?;
    let claims = each(calls, {
        let (store, keys) = (Arc::clone(&store), Arc::clone(&keys));
        move |i| {
            let (store, keys) = (Arc::clone(&store), Arc::clone(&keys));
            async move { store.claim(&keys[i], Duration::from_secs(60)).await }
        }
    })
    .await;
    if !claims.iter().all(|c| matches!(c, Ok(Claim::Owner(_)))) {
        return Err("claim: not every new key was claimed".into());
    }
    out.push(cost("claim (new key)", before, admin.stats().await?));

    let before = admin.stats().await?;
    each(calls, {
        let (store, keys, verdict) = (Arc::clone(&store), Arc::clone(&keys), verdict.clone());
        move |i| {
            let (store, keys, verdict) = (Arc::clone(&store), Arc::clone(&keys), verdict.clone());
            async move {
                store
                    .fill(&keys[i], &verdict, Duration::from_secs(3_600))
                    .await
            }
        }
    })
    .await
    .into_iter()
    .collect::<std::result::Result<Vec<()>, _>>()?;
    out.push(cost("fill", before, admin.stats().await?));

    let before = admin.stats().await?;
    let hits = each(calls, {
        let (store, keys) = (Arc::clone(&store), Arc::clone(&keys));
        move |i| {
            let (store, keys) = (Arc::clone(&store), Arc::clone(&keys));
            async move { store.claim(&keys[i], Duration::from_secs(60)).await }
        }
    })
    .await;
    if !hits.iter().all(|c| matches!(c, Ok(Claim::Cached(_)))) {
        return Err("claim: not every filled key was cached".into());
    }
    out.push(cost("claim (cached)", before, admin.stats().await?));

    let before = admin.stats().await?;
    each(calls, {
        let (store, limit) = (Arc::clone(&store), Arc::clone(&limit));
        move |_| {
            let (store, limit) = (Arc::clone(&store), Arc::clone(&limit));
            async move { store.acquire(&limit, rate).await }
        }
    })
    .await
    .into_iter()
    .collect::<std::result::Result<Vec<_>, _>>()?;
    out.push(cost("acquire", before, admin.stats().await?));

    let before = admin.stats().await?;
    each(calls, {
        let (store, limit) = (Arc::clone(&store), Arc::clone(&limit));
        move |_| {
            let (store, limit) = (Arc::clone(&store), Arc::clone(&limit));
            async move { store.refund(&limit, rate).await }
        }
    })
    .await
    .into_iter()
    .collect::<std::result::Result<Vec<()>, _>>()?;
    out.push(cost("refund", before, admin.stats().await?));

    for (step, settlement) in [
        (
            "settle (billed)",
            Settlement::Billed(Vendor::Tel3.default_price()),
        ),
        ("settle (not billed)", Settlement::NotBilled),
    ] {
        let before = admin.stats().await?;
        let reserved: Vec<Reservation> = each(calls, {
            let (store, request) = (Arc::clone(&store), Arc::clone(&request));
            move |_| {
                let (store, request) = (Arc::clone(&store), Arc::clone(&request));
                async move { store.reserve(&request).await }
            }
        })
        .await
        .into_iter()
        .map(|r| match r {
            Ok(ReserveOutcome::Reserved(reservation)) => Ok(reservation),
            other => Err(format!("reserve: {other:?}")),
        })
        .collect::<std::result::Result<_, _>>()?;
        if out.iter().all(|c| c.step != "reserve") {
            out.push(cost("reserve", before, admin.stats().await?));
        }
        let reserved = Arc::new(reserved);
        let before = admin.stats().await?;
        each(calls, {
            let (store, reserved) = (Arc::clone(&store), Arc::clone(&reserved));
            move |i| {
                let (store, reserved) = (Arc::clone(&store), Arc::clone(&reserved));
                async move { store.settle(&reserved[i], settlement).await }
            }
        })
        .await
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(cost(step, before, admin.stats().await?));
    }

    let before = admin.stats().await?;
    each(calls, {
        let store = Arc::clone(&store);
        move |_| {
            let store = Arc::clone(&store);
            async move {
                store
                    .record(Event::CacheHit {
                        vendor: Vendor::Tel3,
                        saved: Vendor::Tel3.default_price(),
                    })
                    .await
            }
        }
    })
    .await
    .into_iter()
    .collect::<std::result::Result<Vec<()>, _>>()?;
    out.push(cost("record (cache hit)", before, admin.stats().await?));
    Ok(out)
}
