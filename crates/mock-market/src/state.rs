//! The market's mutable state: usage and quota per (credential, product), the journal, queued
//! faults, flow-control windows, the nonce cache and the request counter.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::config::MarketConfig;
use crate::gateway::signature::NonceCache;
use crate::{Fault, JournalEntry, Product};

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
    product: Option<Product>,
}

#[derive(Debug, Default)]
struct Inner {
    usage: HashMap<(String, Product), Usage>,
    journal: VecDeque<JournalEntry>,
    faults: VecDeque<QueuedFault>,
    windows: HashMap<(String, Product), (Instant, u32)>,
    nonces: NonceCache,
}

/// Shared state of one market. Locks are held only for bookkeeping, never across an await.
#[derive(Debug)]
pub(crate) struct State {
    inner: Mutex<Inner>,
    sequence: AtomicU64,
    default_quota: Option<u64>,
    journal_capacity: usize,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl State {
    pub(crate) fn new(config: &MarketConfig) -> State {
        State {
            inner: Mutex::new(Inner::default()),
            sequence: AtomicU64::new(1),
            default_quota: config.quota,
            journal_capacity: config.journal_capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the counters half-updated in a way
        // that matters more than stopping the mock; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A number unique to this request.
    pub(crate) fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    fn usage_entry<'a>(
        &self,
        inner: &'a mut Inner,
        credential: &str,
        product: Product,
    ) -> &'a mut Usage {
        let default_quota = self.default_quota;
        inner
            .usage
            .entry((credential.to_string(), product))
            .or_insert_with(|| Usage {
                credential: credential.to_string(),
                product: product.id().to_string(),
                received: 0,
                charged: 0,
                quota_left: default_quota,
            })
    }

    /// Counts an authenticated request; `false` when no quota is left.
    pub(crate) fn receive(&self, credential: &str, product: Product) -> bool {
        let mut inner = self.lock();
        let usage = self.usage_entry(&mut inner, credential, product);
        usage.received += 1;
        usage.quota_left != Some(0)
    }

    /// Charges one call.
    pub(crate) fn charge(&self, credential: &str, product: Product) {
        let mut inner = self.lock();
        let usage = self.usage_entry(&mut inner, credential, product);
        usage.charged += 1;
        if let Some(left) = usage.quota_left.as_mut() {
            *left = left.saturating_sub(1);
        }
    }

    /// Flow control: `true` when this call exceeds `per_second` in the current one-second window.
    pub(crate) fn throttled(&self, credential: &str, product: Product, per_second: u32) -> bool {
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
    pub(crate) fn set_quota(&self, credential: &str, products: &[Product], quota: Option<u64>) {
        let mut inner = self.lock();
        for &product in products {
            self.usage_entry(&mut inner, credential, product).quota_left = quota;
        }
    }

    /// Every usage row, sorted by credential then product.
    pub(crate) fn usage(&self) -> Vec<Usage> {
        let inner = self.lock();
        let mut rows: Vec<Usage> = inner.usage.values().cloned().collect();
        rows.sort_by(|a, b| (&a.credential, &a.product).cmp(&(&b.credential, &b.product)));
        rows
    }

    /// Appends to the journal, dropping the oldest entry beyond capacity.
    pub(crate) fn record(&self, entry: JournalEntry) {
        let mut inner = self.lock();
        if self.journal_capacity == 0 {
            return;
        }
        while inner.journal.len() >= self.journal_capacity {
            inner.journal.pop_front();
        }
        inner.journal.push_back(entry);
    }

    /// The journal, oldest first.
    pub(crate) fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal.iter().cloned().collect()
    }

    /// Queues `fault` for the next `count` requests (of `product`, if given).
    pub(crate) fn queue_fault(&self, fault: Fault, count: u64, product: Option<Product>) {
        self.lock().faults.push_back(QueuedFault {
            fault,
            remaining: count,
            product,
        });
    }

    /// Takes the next queued fault that applies to `product`.
    pub(crate) fn take_fault(&self, product: Product) -> Option<Fault> {
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
        Some(fault)
    }

    /// Runs `f` with the nonce cache.
    pub(crate) fn with_nonces<T>(&self, f: impl FnOnce(&mut NonceCache) -> T) -> T {
        f(&mut self.lock().nonces)
    }

    /// Forgets usage, journal, queued faults, windows and nonces; quotas return to the default.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::default();
    }
}
