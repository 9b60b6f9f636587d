//! Spacing sends to at most N per second, and the budget: a row is sent only if what it may
//! cost still fits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use shiming::{Elements, Price, Router};
use tokio::time::Instant;

/// Evenly spaced send times (no bursts): at most `qps` sends in any second.
pub struct Pace {
    period: Option<Duration>,
    next: Instant,
}

impl Pace {
    /// `None`: no limit.
    pub fn new(qps: Option<f64>) -> Pace {
        Pace {
            period: qps.map(|q| Duration::from_secs_f64(1.0 / q)),
            next: Instant::now(),
        }
    }

    /// Waits for the next send slot.
    pub async fn wait(&mut self) {
        if let Some(period) = self.period {
            let now = Instant::now();
            if self.next > now {
                tokio::time::sleep_until(self.next).await;
            }
            self.next = self.next.max(now) + period;
        }
    }
}

/// The most one check of `elements` can cost through `router`: the dearest candidate, or
/// the sum of all candidates when the failover policy lets a billed answer be followed by
/// another call.
pub fn worst_case(router: &Router, elements: Elements) -> Price {
    let policy = router.failover();
    let prices = router.candidates(elements).map(shiming::Route::price);
    if policy.on_no_record || policy.after_possible_charge {
        prices.sum()
    } else {
        prices.max().unwrap_or(Price::ZERO)
    }
}

/// Money spent (at most) and reserved for checks in flight, against an optional budget.
#[derive(Debug)]
pub struct Budget {
    limit: Option<Price>,
    spent: AtomicU64,
    reserved: AtomicU64,
}

impl Budget {
    pub fn new(limit: Option<Price>) -> Budget {
        Budget {
            limit,
            spent: AtomicU64::new(0),
            reserved: AtomicU64::new(0),
        }
    }

    /// Reserves `worst` for a check about to be sent; `Err` (with the explanation) when it
    /// would not fit.
    pub fn reserve(&self, worst: Price) -> Result<(), String> {
        if let Some(limit) = self.limit {
            let committed =
                self.spent.load(Ordering::Acquire) + self.reserved.load(Ordering::Acquire);
            if committed + worst.li() > limit.li() {
                return Err(format!(
                    "budget {limit} CNY: {} CNY spent or committed, the next row could cost up to {worst} CNY (continue with --resume and a larger --budget)",
                    Price::from_li(committed)
                ));
            }
        }
        self.reserved.fetch_add(worst.li(), Ordering::AcqRel);
        Ok(())
    }

    /// Settles a reservation with what the check may actually have cost.
    pub fn settle(&self, reserved: Price, cost_at_most: Price) {
        self.spent.fetch_add(cost_at_most.li(), Ordering::AcqRel);
        self.reserved.fetch_sub(reserved.li(), Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_refuses_what_does_not_fit() {
        let b = Budget::new(Some(Price::from_li(500)));
        assert!(b.reserve(Price::from_li(200)).is_ok());
        assert!(b.reserve(Price::from_li(200)).is_ok());
        let e = b.reserve(Price::from_li(200)).unwrap_err();
        assert!(e.contains("0.400"), "{e}");
        b.settle(Price::from_li(200), Price::ZERO);
        assert!(b.reserve(Price::from_li(200)).is_ok());
        let unlimited = Budget::new(None);
        assert!(unlimited.reserve(Price::from_li(u64::MAX / 2)).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn pace_spaces_sends_evenly() {
        let mut pace = Pace::new(Some(10.0));
        let start = Instant::now();
        for _ in 0..5 {
            pace.wait().await;
        }
        // Sends at 0, 100, 200, 300, 400 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }
}
