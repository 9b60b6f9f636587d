//! Spacing this process's sends to at most N per second (`--qps`; the fleet's rate is the
//! store's, per vendor), and the most one row can cost (for `--dry-run` and the ledger's seed).

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

#[cfg(test)]
mod tests {
    use super::*;

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
