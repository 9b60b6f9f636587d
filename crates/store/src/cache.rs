//! The dedupe cache of verdicts, with single flight.
//!
//! A paid check first claims its [`CacheKey`]: a cached verdict answers it for nothing; if no
//! one is checking the same person, the caller becomes the owner and sends the one paid call;
//! otherwise it waits for the owner's answer and claims again. The owner fills the entry with
//! the verdict (for the [`CacheTtl`] of its kind) or abandons the claim after an error —
//! errors are never cached. A claim is a lease: if its owner dies, it lapses and one waiter
//! takes over.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock, Reference};
use governor::nanos::Nanos;
use serde::{Deserialize, Serialize};
use shiming_core::{Price, Vendor, Verdict};

use crate::keys::{CacheKey, CheckKind};

/// What the cache keeps of a verdict — the verdict, who gave it, the gateway's request id of
/// the original call, when (Unix seconds) and what it cost — and nothing else: no name, ID
/// number or mobile, no vendor message or echo (vendors echo masked elements), no carrier.
/// Serialized (JSON, for a shared backend) as
/// `{"verdict":"match","vendor":"tel3","request_id":…,"at_unix":…,"price_li":200}`.
///
/// ```
/// use shiming_core::{Price, Vendor, Verdict};
/// use shiming_store::cache::CachedVerdict;
/// let cached = CachedVerdict {
///     verdict: Verdict::Match,
///     vendor: Vendor::Tel3,
///     request_id: Some("A77CDCA5-CC79-46E2-863A-7B2871B7F520".into()),
///     at_unix: 1_795_000_000,
///     price: Price::from_li(200),
/// };
/// let json = serde_json::to_string(&cached).unwrap();
/// assert_eq!(json, r#"{"verdict":"match","vendor":"tel3","request_id":"A77CDCA5-CC79-46E2-863A-7B2871B7F520","at_unix":1795000000,"price_li":200}"#);
/// assert_eq!(serde_json::from_str::<CachedVerdict>(&json).unwrap(), cached);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredVerdict", try_from = "StoredVerdict")]
pub struct CachedVerdict {
    /// The verdict.
    pub verdict: Verdict,
    /// The vendor that gave it.
    pub vendor: Vendor,
    /// The gateway's `X-Ca-Request-Id` of the call that was paid for.
    pub request_id: Option<String>,
    /// When the paid call was answered, in seconds since 1970-01-01T00:00:00Z.
    pub at_unix: i64,
    /// What the paid call cost — what a cache hit saves.
    pub price: Price,
}

/// [`CachedVerdict`] as stored: the stable codes of core's types.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredVerdict {
    verdict: String,
    vendor: String,
    request_id: Option<String>,
    at_unix: i64,
    price_li: u64,
}

impl From<CachedVerdict> for StoredVerdict {
    fn from(v: CachedVerdict) -> StoredVerdict {
        StoredVerdict {
            verdict: v.verdict.code().to_string(),
            vendor: v.vendor.id().to_string(),
            request_id: v.request_id,
            at_unix: v.at_unix,
            price_li: v.price.li(),
        }
    }
}

impl TryFrom<StoredVerdict> for CachedVerdict {
    type Error = String;

    fn try_from(s: StoredVerdict) -> Result<CachedVerdict, String> {
        let verdict = [Verdict::Match, Verdict::Mismatch, Verdict::NoRecord]
            .into_iter()
            .find(|v| v.code() == s.verdict)
            .ok_or("unknown verdict code")?;
        let vendor = Vendor::from_id(&s.vendor).ok_or("unknown vendor id")?;
        Ok(CachedVerdict {
            verdict,
            vendor,
            request_id: s.request_id,
            at_unix: s.at_unix,
            price: Price::from_li(s.price_li),
        })
    }
}

/// How long a verdict is kept, by verdict and check kind; zero keeps it not at all. The
/// defaults ([`CacheTtl::default`]):
///
/// | verdict | default | why |
/// | --- | --- | --- |
/// | three-element `match` | 7 days | Mobiles are recycled: a number whose holder cancels it goes to someone else after the carrier's cooling-off period. A week keeps the window in which a cached match outlives its holder's number short, and still absorbs what repeats a check — a retried sign-up, a re-run batch, one person in several files of a fleet. |
/// | two-element `match` | 30 days | An ID number never changes hands; only a legal change of name ends the match, and that is rare and slow. A month saves the most money at little risk, and bounds how long a verdict outlives a name change. |
/// | `mismatch` | 1 day | A mismatch can end on the authority's side (a new SIM's registration arriving, a record corrected): keep it long enough to stop a client that retries the same wrong input from paying each time (vendors also limit repeats of one identity: sjsys 10019, phonethird 203), no longer. |
/// | `no_record` | 1 hour | Often a gap at the source (a new number, a segment the vendor does not cover, an upstream outage) that another hour may close, or another vendor may answer. |
///
/// ```
/// use std::time::Duration;
/// use shiming_core::Verdict;
/// use shiming_store::{cache::CacheTtl, keys::CheckKind};
/// let ttl = CacheTtl::default();
/// assert_eq!(ttl.for_verdict(CheckKind::Three, Verdict::Match), Some(Duration::from_secs(7 * 86_400)));
/// assert_eq!(ttl.for_verdict(CheckKind::Two, Verdict::Match), Some(Duration::from_secs(30 * 86_400)));
/// let none = CacheTtl { no_record: Duration::ZERO, ..CacheTtl::default() };
/// assert_eq!(none.for_verdict(CheckKind::Two, Verdict::NoRecord), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheTtl {
    /// A three-element (name, ID number, mobile) `match`.
    pub three_match: Duration,
    /// A two-element (name, ID number) `match`.
    pub two_match: Duration,
    /// A `mismatch` of either kind.
    pub mismatch: Duration,
    /// A `no_record` of either kind.
    pub no_record: Duration,
}

impl Default for CacheTtl {
    fn default() -> CacheTtl {
        const DAY: u64 = 86_400;
        CacheTtl {
            three_match: Duration::from_secs(7 * DAY),
            two_match: Duration::from_secs(30 * DAY),
            mismatch: Duration::from_secs(DAY),
            no_record: Duration::from_secs(3_600),
        }
    }
}

impl CacheTtl {
    /// How long to keep `verdict` of a `kind` check, or `None` to keep it not at all (a zero
    /// TTL, or a verdict this version does not know).
    ///
    /// ```
    /// use shiming_core::Verdict;
    /// use shiming_store::{cache::CacheTtl, keys::CheckKind};
    /// let ttl = CacheTtl::default();
    /// assert_eq!(ttl.for_verdict(CheckKind::Three, Verdict::Mismatch), Some(ttl.mismatch));
    /// ```
    #[must_use]
    pub fn for_verdict(&self, kind: CheckKind, verdict: Verdict) -> Option<Duration> {
        let ttl = match (verdict, kind) {
            (Verdict::Match, CheckKind::Three) => self.three_match,
            (Verdict::Match, CheckKind::Two) => self.two_match,
            (Verdict::Mismatch, _) => self.mismatch,
            (Verdict::NoRecord, _) => self.no_record,
            _ => Duration::ZERO,
        };
        (!ttl.is_zero()).then_some(ttl)
    }
}

/// Proof of owning a claim, handed back to [`crate::Store::abandon`]: abandoning ends the
/// claim only while it is still this owner's, so that an owner whose lease lapsed (and whose
/// check another caller took over) cannot end the new owner's claim and let a third caller
/// send the same check again.
///
/// ```
/// let token = shiming_store::cache::ClaimToken::new("7f3a");
/// assert_eq!(token.as_str(), "7f3a");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken(String);

impl ClaimToken {
    /// A token with this text (each backend chooses its own: unique among live claims).
    ///
    /// ```
    /// assert_ne!(shiming_store::cache::ClaimToken::new("1"), shiming_store::cache::ClaimToken::new("2"));
    /// ```
    #[must_use]
    pub fn new(text: impl Into<String>) -> ClaimToken {
        ClaimToken(text.into())
    }

    /// The token's text.
    ///
    /// ```
    /// assert_eq!(shiming_store::cache::ClaimToken::new("1").as_str(), "1");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The answer to a claim.
///
/// ```
/// use shiming_store::cache::{Claim, ClaimToken};
/// assert!(Claim::Owner(ClaimToken::new("1")).is_owner());
/// assert!(!Claim::InFlight.is_owner());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A verdict is cached: nothing to send (and nothing to pay).
    Cached(CachedVerdict),
    /// The caller owns the check: send it, then fill or abandon with this token.
    Owner(ClaimToken),
    /// Another caller owns the check: wait, then claim again.
    InFlight,
}

impl Claim {
    /// Whether the caller now owns the check.
    ///
    /// ```
    /// assert!(!shiming_store::cache::Claim::InFlight.is_owner());
    /// ```
    #[must_use]
    pub fn is_owner(&self) -> bool {
        matches!(self, Claim::Owner(_))
    }
}

/// One key's state.
enum Entry<I> {
    /// A verdict, kept until `until`.
    Filled { verdict: CachedVerdict, until: I },
    /// A check in flight, owned by `token` until `until`.
    Claimed { token: u64, until: I },
}

impl<I: Reference> Entry<I> {
    fn until(&self) -> I {
        match self {
            Entry::Filled { until, .. } | Entry::Claimed { until, .. } => *until,
        }
    }
}

/// The entries and the claims' counter.
struct Entries<I> {
    map: HashMap<CacheKey, Entry<I>>,
    next_token: u64,
    /// The size at which the next sweep of lapsed entries runs.
    sweep_at: usize,
}

/// The least size of the map that triggers a sweep.
const SWEEP_FLOOR: usize = 1_024;

/// The dedupe cache in one process: entries and claims in a map behind one lock, each
/// operation one step under it. Leases and TTLs run on `governor`'s clock, like the limiter's
/// ([`MemoryCache::with_clock`]). Lapsed entries are swept whenever the map has doubled since
/// the last sweep; at [`MemoryCache::DEFAULT_MAX_ENTRIES`] (or the limit given) new verdicts
/// are not kept until old ones expire — a miss costs a call, never a wrong answer.
///
/// ```
/// use std::time::Duration;
/// use shiming_core::{Identity, Price, Vendor, Verdict};
/// use shiming_store::cache::{CachedVerdict, Claim, MemoryCache};
/// use shiming_store::keys::{CacheKey, CheckKind, Pepper};
/// let cache = MemoryCache::new();
/// let pepper = Pepper::new(vec![7; 32]).unwrap();
/// let key = CacheKey::new(&pepper, CheckKind::Two, &Identity::unchecked("吴秀英", "11010219560409026X", None));
/// let lease = Duration::from_secs(30);
/// assert!(cache.claim(&key, lease).is_owner());
/// assert_eq!(cache.claim(&key, lease), Claim::InFlight);
/// let verdict = CachedVerdict { verdict: Verdict::Match, vendor: Vendor::Sfz2, request_id: None, at_unix: 0, price: Price::from_li(40) };
/// cache.fill(&key, &verdict, Duration::from_secs(60));
/// assert_eq!(cache.claim(&key, lease), Claim::Cached(verdict));
/// ```
pub struct MemoryCache<C: Clock = MonotonicClock> {
    clock: C,
    max_entries: usize,
    entries: Mutex<Entries<C::Instant>>,
}

impl<C: Clock> fmt::Debug for MemoryCache<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.len())
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

impl MemoryCache {
    /// A cache on the monotonic clock.
    ///
    /// ```
    /// assert_eq!(shiming_store::cache::MemoryCache::new().len(), 0);
    /// ```
    #[must_use]
    pub fn new() -> MemoryCache {
        MemoryCache::with_clock(MonotonicClock)
    }
}

impl Default for MemoryCache {
    fn default() -> MemoryCache {
        MemoryCache::new()
    }
}

impl<C: Clock> MemoryCache<C> {
    /// How many entries (verdicts and claims) a cache keeps by default: 100,000, a few dozen
    /// megabytes. A fleet, or a batch of millions of distinct people, wants a shared backend.
    ///
    /// ```
    /// assert_eq!(shiming_store::cache::MemoryCache::<shiming_store::clock::MonotonicClock>::DEFAULT_MAX_ENTRIES, 100_000);
    /// ```
    pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

    /// A cache on `clock` (`FakeRelativeClock` in tests).
    ///
    /// ```
    /// let cache = shiming_store::cache::MemoryCache::with_clock(shiming_store::clock::FakeRelativeClock::default());
    /// assert!(cache.is_empty());
    /// ```
    #[must_use]
    pub fn with_clock(clock: C) -> MemoryCache<C> {
        MemoryCache {
            clock,
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                next_token: 0,
                sweep_at: SWEEP_FLOOR,
            }),
        }
    }

    /// The same cache keeping at most `max_entries` verdicts and claims.
    ///
    /// ```
    /// let cache = shiming_store::cache::MemoryCache::new().with_max_entries(10);
    /// ```
    #[must_use]
    pub fn with_max_entries(mut self, max_entries: usize) -> MemoryCache<C> {
        self.max_entries = max_entries;
        self
    }

    /// How many entries the map holds now, lapsed ones not yet swept included.
    ///
    /// ```
    /// assert_eq!(shiming_store::cache::MemoryCache::new().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether the map is empty.
    ///
    /// ```
    /// assert!(shiming_store::cache::MemoryCache::new().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Claims `key`: the cached verdict, or ownership for `lease` (when the key is free, its
    /// verdict expired or its claim lapsed), or [`Claim::InFlight`]. A claim is always taken,
    /// even when the cache is full: single flight matters most then.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use shiming_store::{cache::{Claim, MemoryCache}, keys::{CacheKey, CheckKind, Pepper}};
    /// # let key = CacheKey::new(&Pepper::new(vec![7; 32]).unwrap(), CheckKind::Two, &shiming_core::Identity::unchecked("a", "b", None));
    /// let cache = MemoryCache::new();
    /// assert!(cache.claim(&key, Duration::from_secs(30)).is_owner());
    /// ```
    pub fn claim(&self, key: &CacheKey, lease: Duration) -> Claim {
        let now = self.clock.now();
        let mut entries = self.lock();
        match entries.map.get(key) {
            Some(Entry::Filled { verdict, until }) if *until > now => {
                return Claim::Cached(verdict.clone())
            }
            Some(Entry::Claimed { until, .. }) if *until > now => return Claim::InFlight,
            _ => {}
        }
        entries.next_token += 1;
        let token = entries.next_token;
        let until = now + Nanos::from(lease);
        entries
            .map
            .insert(key.clone(), Entry::Claimed { token, until });
        entries.sweep(now);
        Claim::Owner(ClaimToken(token.to_string()))
    }

    /// Keeps `verdict` under `key` for `ttl`, ending any claim on it (by whomever: a verdict is
    /// the answer whoever paid for it). A zero `ttl` keeps nothing and only ends the claim.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use shiming_core::{Price, Vendor, Verdict};
    /// # use shiming_store::{cache::{CachedVerdict, Claim, MemoryCache}, keys::{CacheKey, CheckKind, Pepper}};
    /// # let key = CacheKey::new(&Pepper::new(vec![7; 32]).unwrap(), CheckKind::Two, &shiming_core::Identity::unchecked("a", "b", None));
    /// # let verdict = CachedVerdict { verdict: Verdict::Mismatch, vendor: Vendor::Sfz2, request_id: None, at_unix: 0, price: Price::from_li(40) };
    /// let cache = MemoryCache::new();
    /// cache.fill(&key, &verdict, Duration::from_secs(60));
    /// assert!(matches!(cache.claim(&key, Duration::from_secs(1)), Claim::Cached(_)));
    /// ```
    pub fn fill(&self, key: &CacheKey, verdict: &CachedVerdict, ttl: Duration) {
        let now = self.clock.now();
        let mut entries = self.lock();
        if ttl.is_zero() {
            entries.map.remove(key);
            return;
        }
        if !entries.map.contains_key(key) && entries.map.len() >= self.max_entries {
            entries.sweep_now(now);
            if entries.map.len() >= self.max_entries {
                return;
            }
        }
        let until = now + Nanos::from(ttl);
        let entry = Entry::Filled {
            verdict: verdict.clone(),
            until,
        };
        if entries.map.insert(key.clone(), entry).is_none() {
            entries.sweep(now);
        }
    }

    /// Ends the claim on `key` if `token` still owns it, so that the next claim owns the check;
    /// otherwise (a verdict came, or the lease lapsed and someone else owns it) does nothing.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use shiming_store::{cache::{Claim, MemoryCache}, keys::{CacheKey, CheckKind, Pepper}};
    /// # let key = CacheKey::new(&Pepper::new(vec![7; 32]).unwrap(), CheckKind::Two, &shiming_core::Identity::unchecked("a", "b", None));
    /// let cache = MemoryCache::new();
    /// let Claim::Owner(token) = cache.claim(&key, Duration::from_secs(30)) else { unreachable!() };
    /// cache.abandon(&key, &token);
    /// assert!(cache.claim(&key, Duration::from_secs(30)).is_owner());
    /// ```
    pub fn abandon(&self, key: &CacheKey, token: &ClaimToken) {
        let mut entries = self.lock();
        if let Some(Entry::Claimed { token: owner, .. }) = entries.map.get(key) {
            if token.0.parse::<u64>() == Ok(*owner) {
                entries.map.remove(key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<C::Instant>> {
        // Every step leaves the map whole, so a panic elsewhere never leaves it half-changed.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<I: Reference> Entries<I> {
    /// Sweeps lapsed entries when the map has doubled since the last sweep: amortized O(1).
    fn sweep(&mut self, now: I) {
        if self.map.len() >= self.sweep_at {
            self.sweep_now(now);
        }
    }

    fn sweep_now(&mut self, now: I) {
        self.map.retain(|_, entry| entry.until() > now);
        self.sweep_at = (self.map.len() * 2).max(SWEEP_FLOOR);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Pepper;
    use governor::clock::FakeRelativeClock;
    use shiming_core::Identity;

    const LEASE: Duration = Duration::from_secs(30);
    const TTL: Duration = Duration::from_secs(3_600);

    fn key(n: u32) -> CacheKey {
        let pepper = Pepper::new(vec![7; 32]).unwrap();
        let who = Identity::unchecked("吴秀英", &format!("{n:018}"), None);
        CacheKey::new(&pepper, CheckKind::Two, &who)
    }

    fn verdict(v: Verdict) -> CachedVerdict {
        CachedVerdict {
            verdict: v,
            vendor: Vendor::Sfz2,
            request_id: Some("req-1".into()),
            at_unix: 1_795_000_000,
            price: Price::from_li(40),
        }
    }

    fn cache() -> (FakeRelativeClock, MemoryCache<FakeRelativeClock>) {
        let clock = FakeRelativeClock::default();
        (clock.clone(), MemoryCache::with_clock(clock))
    }

    fn owner(claim: Claim) -> ClaimToken {
        match claim {
            Claim::Owner(token) => token,
            other => panic!("expected to own the claim, got {other:?}"),
        }
    }

    #[test]
    fn one_owner_until_filled_then_everyone_reads_the_verdict() {
        let (_clock, cache) = cache();
        let k = key(1);
        let _token = owner(cache.claim(&k, LEASE));
        for _ in 0..3 {
            assert_eq!(cache.claim(&k, LEASE), Claim::InFlight);
        }
        assert!(
            cache.claim(&key(2), LEASE).is_owner(),
            "other keys are free"
        );
        cache.fill(&k, &verdict(Verdict::Match), TTL);
        assert_eq!(
            cache.claim(&k, LEASE),
            Claim::Cached(verdict(Verdict::Match))
        );
    }

    #[test]
    fn verdicts_expire_after_their_ttl() {
        let (clock, cache) = cache();
        let k = key(1);
        cache.fill(&k, &verdict(Verdict::Mismatch), TTL);
        clock.advance(TTL - Duration::from_nanos(1));
        assert!(matches!(cache.claim(&k, LEASE), Claim::Cached(_)));
        clock.advance(Duration::from_nanos(1));
        assert!(cache.claim(&k, LEASE).is_owner());
    }

    #[test]
    fn a_claim_lapses_after_its_lease_and_one_waiter_takes_over() {
        let (clock, cache) = cache();
        let k = key(1);
        let first = owner(cache.claim(&k, LEASE));
        clock.advance(LEASE - Duration::from_millis(1));
        assert_eq!(cache.claim(&k, LEASE), Claim::InFlight);
        clock.advance(Duration::from_millis(1));
        let second = owner(cache.claim(&k, LEASE));
        assert_ne!(first, second);
        assert_eq!(
            cache.claim(&k, LEASE),
            Claim::InFlight,
            "only one takes over"
        );
        // The first owner, back late with an error, cannot end the second one's claim.
        cache.abandon(&k, &first);
        assert_eq!(cache.claim(&k, LEASE), Claim::InFlight);
        cache.abandon(&k, &second);
        assert!(cache.claim(&k, LEASE).is_owner());
    }

    #[test]
    fn abandoning_lets_the_next_caller_own_the_check() {
        let (_clock, cache) = cache();
        let k = key(1);
        let token = owner(cache.claim(&k, LEASE));
        cache.abandon(&k, &token);
        assert!(cache.claim(&k, LEASE).is_owner());
        // Abandoning never removes a verdict.
        cache.fill(&k, &verdict(Verdict::Match), TTL);
        cache.abandon(&k, &token);
        assert!(matches!(cache.claim(&k, LEASE), Claim::Cached(_)));
    }

    #[test]
    fn a_zero_ttl_keeps_nothing_and_ends_the_claim() {
        let (_clock, cache) = cache();
        let k = key(1);
        let _token = owner(cache.claim(&k, LEASE));
        cache.fill(&k, &verdict(Verdict::NoRecord), Duration::ZERO);
        assert!(cache.claim(&k, LEASE).is_owner());
    }

    #[test]
    fn a_full_cache_keeps_no_new_verdicts_but_still_claims() {
        let (clock, cache) = cache();
        let cache = cache.with_max_entries(2);
        cache.fill(&key(1), &verdict(Verdict::Match), TTL);
        cache.fill(&key(2), &verdict(Verdict::Match), TTL * 2);
        cache.fill(&key(3), &verdict(Verdict::Match), TTL);
        assert!(
            cache.claim(&key(3), LEASE).is_owner(),
            "not kept, but claimed"
        );
        assert_eq!(cache.claim(&key(3), LEASE), Claim::InFlight);
        // Refilling a key already held always works.
        cache.fill(&key(1), &verdict(Verdict::Mismatch), TTL);
        assert_eq!(
            cache.claim(&key(1), LEASE),
            Claim::Cached(verdict(Verdict::Mismatch))
        );
        // Once an entry expires there is room again.
        clock.advance(TTL);
        cache.fill(&key(4), &verdict(Verdict::Match), TTL);
        assert!(matches!(cache.claim(&key(4), LEASE), Claim::Cached(_)));
    }

    #[test]
    fn lapsed_entries_are_swept() {
        let (clock, cache) = cache();
        for n in 0..SWEEP_FLOOR as u32 {
            cache.fill(&key(n), &verdict(Verdict::Match), TTL);
        }
        // Filling the SWEEP_FLOOR-th entry swept nothing: none had lapsed.
        assert_eq!(cache.len(), SWEEP_FLOOR);
        clock.advance(TTL);
        for n in 0..SWEEP_FLOOR as u32 * 2 {
            let _ = cache.claim(&key(100_000 + n), LEASE);
        }
        // The first claim past the next threshold swept the lapsed verdicts.
        assert!(cache.len() <= SWEEP_FLOOR * 2, "{}", cache.len());
        assert!(cache.len() >= SWEEP_FLOOR);
    }

    #[test]
    fn ttl_defaults_and_zero_ttls() {
        let ttl = CacheTtl::default();
        assert!(ttl.three_match < ttl.two_match, "mobiles are recycled");
        assert!(ttl.no_record < ttl.mismatch);
        assert_eq!(
            ttl.for_verdict(CheckKind::Two, Verdict::NoRecord),
            Some(Duration::from_secs(3_600))
        );
        let off = CacheTtl {
            three_match: Duration::ZERO,
            ..ttl
        };
        assert_eq!(off.for_verdict(CheckKind::Three, Verdict::Match), None);
        assert!(off.for_verdict(CheckKind::Two, Verdict::Match).is_some());
    }

    #[test]
    fn stored_verdicts_round_trip_and_refuse_what_they_do_not_know() {
        for v in [Verdict::Match, Verdict::Mismatch, Verdict::NoRecord] {
            for vendor in Vendor::ALL {
                let cached = CachedVerdict {
                    vendor,
                    ..verdict(v)
                };
                let json = serde_json::to_string(&cached).unwrap();
                assert_eq!(
                    serde_json::from_str::<CachedVerdict>(&json).unwrap(),
                    cached
                );
            }
        }
        let good = serde_json::to_value(verdict(Verdict::Match)).unwrap();
        for (field, bad) in [
            ("verdict", serde_json::json!("maybe")),
            ("vendor", serde_json::json!("tel4")),
            ("price_li", serde_json::json!(-1)),
        ] {
            let mut v = good.clone();
            v[field] = bad;
            assert!(
                serde_json::from_value::<CachedVerdict>(v).is_err(),
                "{field}"
            );
        }
        let mut extra = good;
        extra["name"] = serde_json::json!("吴秀英");
        assert!(serde_json::from_value::<CachedVerdict>(extra).is_err());
    }
}
