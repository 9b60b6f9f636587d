//! The market's mutable state: usage and quota per (credential, product), the journal, queued
//! faults, flow-control windows, the nonce cache and the request counter.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::config::MarketConfig;
use crate::gateway::signature::NonceCache;
use crate::scenarios::Scenario;
use crate::{Fault, JournalEntry, Vendor};

/// Counters of one (credential, product) pair, like the marketplace's 使用情况 page.
///
/// ```
/// let u = shiming_mock_market::Usage::default();
/// assert_eq!((u.received, u.charged, u.quota_left), (0, 0, None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// The credential's label.
    pub credential: String,
    /// The product id.
    pub product: String,
    /// Requests that passed authentication.
    pub received: u64,
    /// Calls charged (2xx answers).
    pub charged: u64,
    /// Charges left; `None` = unlimited.
    pub quota_left: Option<u64>,
}

/// A fault queued for the next requests (optionally of one product).
#[derive(Debug, Clone, Copy)]
struct QueuedFault {
    fault: Fault,
    remaining: u64,
    product: Option<Vendor>,
}

/// `quota_left` value meaning "unlimited".
const UNLIMITED: u64 = u64::MAX;

/// Lock-free counters of one (credential, product) pair: the hot path touches only atomics.
#[derive(Debug)]
struct Counter {
    received: AtomicU64,
    charged: AtomicU64,
    quota_left: AtomicU64,
}

impl Counter {
    fn new(quota: Option<u64>) -> Counter {
        Counter {
            received: AtomicU64::new(0),
            charged: AtomicU64::new(0),
            quota_left: AtomicU64::new(quota.unwrap_or(UNLIMITED)),
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    journal: VecDeque<JournalEntry>,
    faults: VecDeque<QueuedFault>,
    /// Documented bodies queued for the next requests of their API, with how many remain.
    scenarios: VecDeque<(&'static Scenario, u64)>,
    windows: HashMap<(String, Vendor), (Instant, u32)>,
    nonces: NonceCache,
}

/// Shared state of one market. The usage counters are atomics; the journal, queued faults,
/// flow-control windows and nonces sit behind one mutex held only for bookkeeping, never
/// across an await.
#[derive(Debug)]
pub(crate) struct State {
    inner: Mutex<Inner>,
    /// Credential labels, in configuration order; `counters[i]` belongs to `labels[i]`.
    labels: Vec<String>,
    counters: Vec<[Counter; 5]>,
    /// Connections accepted since start (or the last reset).
    connections: AtomicU64,
    /// Whether any fault is queued (spares the lock on the hot path).
    faults_queued: AtomicBool,
    /// Whether any documented body is queued (the same).
    scenarios_queued: AtomicBool,
    sequence: AtomicU64,
    default_quota: Option<u64>,
    journal_capacity: usize,
    /// Each new journal entry, for the console's live view (sent only while one listens).
    feed: tokio::sync::broadcast::Sender<Feed>,
}

/// What the console's live view is told: a new journal entry, or that the journal was reset.
#[derive(Debug, Clone)]
pub(crate) enum Feed {
    Entry(Box<JournalEntry>),
    Reset,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Entries a slow live view may fall behind by before it misses some (it is told, and
/// reloads the journal).
const FEED_CAPACITY: usize = 1024;

fn product_index(product: Vendor) -> usize {
    Vendor::ALL.iter().position(|&p| p == product).unwrap_or(0)
}

impl State {
    pub(crate) fn new(config: &MarketConfig) -> State {
        let labels: Vec<String> = config.credentials.iter().map(|c| c.label()).collect();
        let counters = labels
            .iter()
            .map(|_| std::array::from_fn(|_| Counter::new(config.quota)))
            .collect();
        State {
            inner: Mutex::new(Inner::default()),
            labels,
            counters,
            connections: AtomicU64::new(0),
            faults_queued: AtomicBool::new(false),
            scenarios_queued: AtomicBool::new(false),
            sequence: AtomicU64::new(1),
            default_quota: config.quota,
            journal_capacity: config.journal_capacity,
            feed: tokio::sync::broadcast::channel(FEED_CAPACITY).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the counters half-updated in a way
        // that matters more than stopping the mock; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn counter(&self, credential: &str, product: Vendor) -> Option<&Counter> {
        let i = self.labels.iter().position(|l| l == credential)?;
        self.counters.get(i).map(|row| &row[product_index(product)])
    }

    /// Counts an accepted connection.
    pub(crate) fn connection_accepted(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Connections accepted since start or the last reset.
    pub(crate) fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// A number unique to this request.
    pub(crate) fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts an authenticated request and reserves one unit of quota; `false` when none is
    /// left. Reserving first keeps "exactly N charged calls" true under concurrency; a call
    /// that ends up not charged gives its unit back with [`State::settle`].
    pub(crate) fn receive(&self, credential: &str, product: Vendor) -> bool {
        let Some(c) = self.counter(credential, product) else {
            return true;
        };
        c.received.fetch_add(1, Ordering::Relaxed);
        c.quota_left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| match q {
                UNLIMITED => Some(q),
                0 => None,
                q => Some(q - 1),
            })
            .is_ok()
    }

    /// Settles a received call: charges it, or returns its reserved unit of quota.
    pub(crate) fn settle(&self, credential: &str, product: Vendor, charged: bool) {
        let Some(c) = self.counter(credential, product) else {
            return;
        };
        if charged {
            c.charged.fetch_add(1, Ordering::Relaxed);
        } else {
            let _ = c
                .quota_left
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                    (q != UNLIMITED).then(|| q.saturating_add(1))
                });
        }
    }

    /// Flow control: `true` when this call exceeds `per_second` in the current one-second window.
    pub(crate) fn throttled(&self, credential: &str, product: Vendor, per_second: u32) -> bool {
        let mut inner = self.lock();
        let now = Instant::now();
        let window = inner
            .windows
            .entry((credential.to_string(), product))
            .or_insert((now, 0));
        if now.duration_since(window.0).as_secs() >= 1 {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 > per_second
    }

    /// Sets the quota of `credential` (a label) for `products`.
    pub(crate) fn set_quota(&self, credential: &str, products: &[Vendor], quota: Option<u64>) {
        for &product in products {
            if let Some(c) = self.counter(credential, product) {
                c.quota_left
                    .store(quota.unwrap_or(UNLIMITED), Ordering::Release);
            }
        }
    }

    /// Usage rows of every pair that saw a request or whose quota was changed, sorted by
    /// credential then product.
    pub(crate) fn usage(&self) -> Vec<Usage> {
        self.usage_rows(false)
    }

    /// Usage rows of every credential and product, untouched ones included (the console's
    /// table, where a quota is set before any traffic).
    pub(crate) fn usage_of_all(&self) -> Vec<Usage> {
        self.usage_rows(true)
    }

    fn usage_rows(&self, all: bool) -> Vec<Usage> {
        let mut rows = Vec::new();
        for (label, row) in self.labels.iter().zip(&self.counters) {
            for (product, c) in Vendor::ALL.iter().zip(row) {
                let quota = c.quota_left.load(Ordering::Acquire);
                let quota_left = (quota != UNLIMITED).then_some(quota);
                let received = c.received.load(Ordering::Relaxed);
                if !all && received == 0 && quota_left == self.default_quota {
                    continue;
                }
                rows.push(Usage {
                    credential: label.clone(),
                    product: product.id().to_string(),
                    received,
                    charged: c.charged.load(Ordering::Relaxed),
                    quota_left,
                });
            }
        }
        rows.sort_by(|a, b| (&a.credential, &a.product).cmp(&(&b.credential, &b.product)));
        rows
    }

    /// Appends to the journal, dropping the oldest entry beyond capacity, and tells the
    /// console's live views, if any.
    pub(crate) fn record(&self, entry: JournalEntry) {
        if self.journal_capacity == 0 {
            return;
        }
        if self.feed.receiver_count() > 0 {
            let _ = self.feed.send(Feed::Entry(Box::new(entry.clone())));
        }
        let evicted = {
            let mut inner = self.lock();
            let evicted = if inner.journal.len() >= self.journal_capacity {
                inner.journal.pop_front()
            } else {
                None
            };
            inner.journal.push_back(entry);
            evicted
        };
        drop(evicted); // freed outside the lock
    }

    /// The live feed of journal entries and resets, from now on.
    pub(crate) fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Feed> {
        self.feed.subscribe()
    }

    /// The journal, oldest first.
    pub(crate) fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal.iter().cloned().collect()
    }

    /// Queues `fault` for the next `count` requests (of `product`, if given).
    pub(crate) fn queue_fault(&self, fault: Fault, count: u64, product: Option<Vendor>) {
        if count == 0 {
            return;
        }
        let mut inner = self.lock();
        inner.faults.push_back(QueuedFault {
            fault,
            remaining: count,
            product,
        });
        self.faults_queued.store(true, Ordering::Release);
    }

    /// Takes the next queued fault that applies to `product`.
    pub(crate) fn take_fault(&self, product: Vendor) -> Option<Fault> {
        if !self.faults_queued.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.lock();
        let i = inner
            .faults
            .iter()
            .position(|q| q.product.map_or(true, |p| p == product))?;
        let q = inner.faults.get_mut(i)?;
        let fault = q.fault;
        q.remaining = q.remaining.saturating_sub(1);
        if q.remaining == 0 {
            inner.faults.remove(i);
        }
        self.faults_queued
            .store(!inner.faults.is_empty(), Ordering::Release);
        Some(fault)
    }

    /// Queues the documented body `scenario` for the next `count` requests of its API.
    pub(crate) fn queue_scenario(&self, scenario: &'static Scenario, count: u64) {
        if count == 0 {
            return;
        }
        self.lock().scenarios.push_back((scenario, count));
        self.scenarios_queued.store(true, Ordering::Release);
    }

    /// Takes the next queued documented body of `product`'s API.
    pub(crate) fn take_scenario(&self, product: Vendor) -> Option<&'static Scenario> {
        if !self.scenarios_queued.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.lock();
        let i = inner.scenarios.iter().position(|(s, _)| s.api == product)?;
        let (scenario, remaining) = inner.scenarios.get_mut(i)?;
        let scenario = *scenario;
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            inner.scenarios.remove(i);
        }
        self.scenarios_queued
            .store(!inner.scenarios.is_empty(), Ordering::Release);
        Some(scenario)
    }

    /// Runs `f` with the nonce cache.
    pub(crate) fn with_nonces<T>(&self, f: impl FnOnce(&mut NonceCache) -> T) -> T {
        f(&mut self.lock().nonces)
    }

    /// Forgets usage, journal, queued faults, windows and nonces; quotas return to the default.
    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        *inner = Inner::default();
        self.faults_queued.store(false, Ordering::Release);
        self.scenarios_queued.store(false, Ordering::Release);
        self.connections.store(0, Ordering::Relaxed);
        for c in self.counters.iter().flatten() {
            c.received.store(0, Ordering::Relaxed);
            c.charged.store(0, Ordering::Relaxed);
            c.quota_left
                .store(self.default_quota.unwrap_or(UNLIMITED), Ordering::Release);
        }
        drop(inner);
        let _ = self.feed.send(Feed::Reset);
    }
}
