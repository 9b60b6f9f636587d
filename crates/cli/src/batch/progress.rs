//! Counting finished rows: the progress bar on stderr (only when it is a terminal) and the
//! summary at the end.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use shiming::{Billing, Price};

use super::output::RowOutcome;

/// Totals over the finished rows.
#[derive(Debug, Default)]
pub struct Tally {
    pub verdicts: BTreeMap<&'static str, u64>,
    pub errors: BTreeMap<&'static str, u64>,
    pub invalid: u64,
    pub billed_calls: u64,
    pub cost: Price,
    pub cost_at_most: Price,
    /// Lines that may have been charged without an answer (this run or an interrupted one).
    pub uncertain: Vec<u64>,
}

impl Tally {
    /// Counts one finished row.
    pub fn add(&mut self, line: u64, outcome: &RowOutcome) {
        match outcome {
            RowOutcome::Verdict(routed) => {
                *self
                    .verdicts
                    .entry(routed.verification.verdict.code())
                    .or_default() += 1;
                self.count_attempts(&routed.attempts);
            }
            RowOutcome::Failed(failed) => {
                let kind = failed.error.kind().public_name();
                if kind == "invalid_input" && failed.attempts.is_empty() {
                    self.invalid += 1;
                } else {
                    *self.errors.entry(kind).or_default() += 1;
                }
                if failed.billing() == Billing::Unknown {
                    self.uncertain.push(line);
                }
                self.count_attempts(&failed.attempts);
            }
            RowOutcome::Invalid(_) => self.invalid += 1,
            RowOutcome::Interrupted => {
                *self.errors.entry("may_have_been_charged").or_default() += 1;
                self.uncertain.push(line);
            }
        }
    }

    fn count_attempts(&mut self, attempts: &shiming::Attempts) {
        self.billed_calls += attempts
            .iter()
            .filter(|a| a.billing == Billing::Billed)
            .count() as u64;
        self.cost += attempts.cost();
        self.cost_at_most += attempts.cost_at_most();
    }

    /// Rows finished.
    pub fn rows(&self) -> u64 {
        self.verdicts.values().sum::<u64>() + self.errors.values().sum::<u64>() + self.invalid
    }

    /// Rows that ended in an error other than invalid input.
    pub fn service_errors(&self) -> u64 {
        self.errors.values().sum()
    }

    fn short(&self) -> String {
        let v = |k| self.verdicts.get(k).copied().unwrap_or(0);
        format!(
            "match {} · mismatch {} · no_record {} · invalid {} · errors {} · billed {} · ¥{}",
            v("match"),
            v("mismatch"),
            v("no_record"),
            self.invalid,
            self.service_errors(),
            self.billed_calls,
            self.cost
        )
    }
}

/// The progress display.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
}

impl Progress {
    /// A bar of `total` rows (unknown: a spinner) on stderr, drawn only on a terminal.
    pub fn new(total: Option<u64>) -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(total, target);
        let template = if total.is_some() {
            "{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}\n{msg}"
        } else {
            "{spinner} {pos} rows  {per_sec}\n{msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    /// Shows the tally after `done` more rows were written and flushed.
    pub fn advance(&self, done: u64, tally: &Tally) {
        self.bar.inc(done);
        self.bar.set_message(tally.short());
    }

    /// Removes the bar and prints the summary.
    pub fn finish(self, tally: &Tally, resumed: u64, stop: Option<&str>) {
        self.bar.finish_and_clear();
        let seconds = self.started.elapsed().as_secs_f64();
        let rows = tally.rows();
        eprintln!(
            "shiming batch: {rows} rows in {seconds:.1} s ({:.0} rows/s){}",
            if seconds > 0.0 {
                rows as f64 / seconds
            } else {
                0.0
            },
            if resumed > 0 {
                format!(", {resumed} already done by an earlier run")
            } else {
                String::new()
            }
        );
        eprintln!("  {}", tally.short());
        if !tally.errors.is_empty() {
            let kinds: Vec<String> = tally
                .errors
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            eprintln!("  errors: {}", kinds.join(" · "));
        }
        eprintln!(
            "  cost: {} CNY billed{}",
            tally.cost,
            if tally.cost_at_most > tally.cost {
                format!(
                    ", at most {} CNY with the calls that may have been charged",
                    tally.cost_at_most
                )
            } else {
                String::new()
            }
        );
        if !tally.uncertain.is_empty() {
            let mut lines = tally.uncertain.clone();
            lines.sort_unstable();
            let shown: Vec<String> = lines.iter().take(20).map(u64::to_string).collect();
            eprintln!(
                "  {} row(s) may have been charged without an answer and were NOT sent again: line(s) {}{} (error_kind may_have_been_charged in the output)",
                lines.len(),
                shown.join(", "),
                if lines.len() > 20 { ", …" } else { "" }
            );
        }
        if let Some(stop) = stop {
            eprintln!("  stopped early: {stop}");
        }
    }
}
