//! `shiming batch`: every row of a CSV file through the router, with bounded concurrency, a
//! QPS limit and a budget — crash-safe and resumable.
//!
//! Crash safety rests on two files and one order of events:
//! 1. before a row is sent, its line number is appended to `<output>.inflight` ([`inflight`]);
//! 2. when its answer arrives, its result row is appended to the output and flushed
//!    ([`output`]) before the progress counts it as done.
//!
//! A kill at any moment therefore leaves every finished row in the output, and every row that
//! may have reached a vendor in the journal. `--resume` skips the rows in the output, writes
//! the rows that are only in the journal as `may_have_been_charged` (listed on stderr, never
//! sent again), and continues with the rest. Both files are handed to the operating system
//! with each write, which survives the process being killed; surviving a power cut would need
//! an fsync per row and is not attempted.
//!
//! The budget (`--budget`, and the configuration's budgets) is the store's ledger: the router
//! reserves each call's price before sending it and refuses it locally (`budget_exhausted`)
//! when it would not fit. A row refused that way was not sent: it is cancelled in the journal
//! (`-<line>`), left out of the output, and the run stops; `--resume` with a larger budget
//! sends it. With a shared store (Redis) the ledger already holds what earlier runs and the
//! other workers spent; with the in-memory store the run seeds it with the costs of the rows
//! in the output (and the worst case of each row that may have been charged), so a budget is
//! cumulative across `--resume` either way.
//!
//! Exit codes: 0 every row has a verdict or was refused as invalid, 2 usage error, 3 some rows
//! ended in a service error or the run stopped early (budget, Ctrl-C, write error).

mod inflight;
mod lines;
mod output;
mod pace;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Args;
use shiming::store::ledger::{ReserveOutcome, ReserveRequest, Settlement};
use shiming::store::{Store, StoreError};
use shiming::{Billing, Elements, ErrorKind, Identity, Price, RouteError, Router, Vendor};
use tokio::sync::{mpsc, Semaphore};

use crate::market::MarketArgs;
use lines::LineSet;
use output::{Finished, Output, RowOutcome};
use progress::{Progress, Tally};
use shiming_cli::input::{EncodingChoice, Fields, Input, InputOptions, RowProblem};

/// Arguments of `shiming batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Input with a header naming name,id_card[,mobile]: a CSV file (`-` for stdin, not with
    /// --resume) or a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods)
    #[arg(long, value_name = "PATH")]
    input: PathBuf,
    /// Text encoding of a CSV input: auto (UTF-8 if the file is valid UTF-8, else GB18030, as
    /// Excel on Chinese Windows saves CSV), utf-8 or gb18030
    #[arg(long, value_name = "ENCODING", default_value = "auto")]
    encoding: EncodingChoice,
    /// The sheet of a workbook input to read (default: the first)
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// Output CSV (one row per input row, in the order they finish)
    #[arg(long, value_name = "PATH")]
    output: PathBuf,
    /// Start a new output with a UTF-8 byte-order mark, so that Excel shows its Chinese text
    /// correctly when the file is opened with a double click
    #[arg(long)]
    output_bom: bool,
    /// Checks in flight at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// At most this many checks sent per second
    #[arg(long, value_name = "N", value_parser = positive)]
    qps: Option<f64>,
    /// Stop before the ledger's total passes this many CNY (counting calls that may have been
    /// charged): cumulative across --resume, and across the workers that count in one --ledger
    /// of a shared store
    #[arg(long, value_name = "CNY")]
    budget: Option<Price>,
    /// Validate every row and print how many would be sent and what it would cost; send nothing
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: print the report as one JSON object (for programs, e.g. the console)
    #[arg(long, requires = "dry_run")]
    json: bool,
    /// Continue an interrupted run: skip rows already in the output, never re-send a row that
    /// may have been charged
    #[arg(long)]
    resume: bool,
    /// Copy name, id_card and mobile into the output (personal data: off by default)
    #[arg(long)]
    include_input: bool,
    #[command(flatten)]
    market: MarketArgs,
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(q) if q.is_finite() && q > 0.0 => Ok(q),
        _ => Err("expected a positive number".to_string()),
    }
}

const USAGE: u8 = 2;
const INCOMPLETE: u8 = 3;

fn usage(message: &str) -> ExitCode {
    eprintln!("shiming: {message}");
    ExitCode::from(USAGE)
}

pub fn run(args: &BatchArgs) -> ExitCode {
    if args.resume && args.input.as_os_str() == "-" {
        return usage("--resume needs the same input file again, not stdin");
    }
    let same_file = args.input == args.output
        || matches!(
            (std::fs::canonicalize(&args.input), std::fs::canonicalize(&args.output)),
            (Ok(a), Ok(b)) if a == b
        );
    if same_file {
        return usage("--output must not be the input file");
    }
    let runtime = match crate::market::runtime() {
        Ok(r) => r,
        Err(e) => return usage(&e.0),
    };
    let market = match args.market.vendor().and_then(|only| {
        args.market.connect(only, &runtime, |config| {
            if let Some(budget) = args.budget {
                config.store.budget.total = Some(budget);
            }
            // A batch's rows wait for their permits (up to half the claim lease) rather than
            // end as throttled, unless the configuration says how long.
            if config.store.max_wait.is_none() {
                config.store.max_wait = Some(BATCH_MAX_WAIT);
            }
        })
    }) {
        Ok(m) => m,
        Err(e) => return usage(&e.0),
    };
    let router = Arc::new(market.router);
    if args.dry_run {
        return dry_run(args, &router);
    }
    // A store of this process only starts empty: it learns what earlier runs spent.
    let seed = market.store.filter(|_| !market.shared);
    match runtime.block_on(run_batch(args, router, seed)) {
        Ok(code) => code,
        Err(message) => usage(&message),
    }
}

/// How long a row waits for its vendor's rate limit when the configuration does not say
/// (`[store] max_wait_seconds`; `verify` waits 1 s): a batch has rows to spare, so they wait
/// rather than end as throttled. The router caps it at half the claim lease (30 s of the
/// default 60 s).
const BATCH_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// What an earlier run left: its output (finished lines, their costs), lines sent without a
/// recorded answer, and whether to append to the output.
fn settle_previous(args: &BatchArgs) -> Result<(output::Previous, Vec<u64>, bool), String> {
    let journal = inflight::path_of(&args.output);
    let exists = args.output.try_exists().unwrap_or(true);
    if !exists {
        if journal.try_exists().unwrap_or(true) {
            return Err(format!(
                "{} exists but {} does not: rows were sent whose results are missing; not starting over",
                journal.display(),
                args.output.display()
            ));
        }
        return Ok((output::Previous::default(), Vec::new(), false));
    }
    if !args.resume {
        return Err(format!(
            "{} exists: add --resume to continue that run, or choose another --output",
            args.output.display()
        ));
    }
    let previous = output::scan(&args.output, args.include_input, true)?;
    let interrupted = inflight::interrupted(&journal, &previous.done)?;
    Ok((previous, interrupted, true))
}

/// Counts in `store`'s ledger what the output says earlier runs spent — each vendor's costs,
/// and the worst case of each row that may have been charged — so that a budget in a store of
/// this process is cumulative across `--resume`.
async fn seed_ledger(
    store: &dyn Store,
    router: &Router,
    previous: &output::Previous,
    interrupted: u64,
) -> Result<(), String> {
    let fallback = router
        .routes()
        .iter()
        .find_map(|r| Vendor::from_id(r.vendor()))
        .unwrap_or(Vendor::Tel3);
    let worst =
        pace::worst_case(router, Elements::Three).max(pace::worst_case(router, Elements::Two));
    let unknown = (
        previous.unknown + interrupted,
        worst.times(previous.unknown + interrupted),
    );
    let today = shiming::today_in_china();
    let spent = previous.spent.iter().map(|(v, cost)| {
        (
            Vendor::from_id(v).unwrap_or(fallback),
            *cost,
            Settlement::Billed(*cost),
        )
    });
    let maybe = (unknown.0 > 0).then_some((fallback, unknown.1, Settlement::MayHaveBeenCharged));
    for (vendor, amount, settlement) in spent.chain(maybe) {
        let fail = |e: StoreError| format!("cannot count earlier runs in the ledger: {e}");
        let request = ReserveRequest::new(vendor, amount, today);
        if let ReserveOutcome::Reserved(reservation) =
            store.reserve(&request).await.map_err(fail)?
        {
            store.settle(&reservation, settlement).await.map_err(fail)?;
        }
    }
    Ok(())
}

/// Why the run stops early: the first reason given wins.
#[derive(Default)]
struct Stop {
    reason: std::sync::Mutex<Option<String>>,
    requested: AtomicBool,
}

impl Stop {
    fn request(&self, reason: String) {
        if let Ok(mut slot) = self.reason.lock() {
            slot.get_or_insert(reason);
        }
        self.requested.store(true, Ordering::Release);
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }

    fn reason(&self) -> Option<String> {
        self.reason.lock().ok().and_then(|slot| slot.clone())
    }
}

async fn run_batch(
    args: &BatchArgs,
    router: Arc<Router>,
    seed: Option<Arc<dyn Store>>,
) -> Result<ExitCode, String> {
    let (previous, interrupted, append) = settle_previous(args)?;
    if let Some(store) = &seed {
        seed_ledger(store.as_ref(), &router, &previous, interrupted.len() as u64).await?;
    }
    let mut done = previous.done;
    let mut input = open_input(args)?;
    let mut out = Output::open(&args.output, args.include_input, append, args.output_bom)?;
    let resumed = done.len();
    let total = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        input.rows_hint().map(|rows| rows.saturating_sub(resumed))
    } else {
        None
    };
    let progress = Progress::new(total);
    let mut tally = Tally::default();
    // Rows an interrupted run sent without recording the answer: written first, never re-sent.
    for &line in &interrupted {
        let row = Finished {
            line,
            outcome: RowOutcome::Interrupted,
            input: None,
        };
        out.write(&row)
            .map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
        tally.add(line, &row.outcome);
        done.insert(line);
    }
    out.flush()
        .map_err(|e| format!("cannot write {}: {e}", args.output.display()))?;
    progress.advance(interrupted.len() as u64, &tally);
    // Only now may the old journal be replaced.
    let journal = Arc::new(std::sync::Mutex::new(inflight::Journal::create(
        &inflight::path_of(&args.output),
    )?));

    let concurrency = args.concurrency as usize;
    let (tx, rx) = mpsc::channel::<Finished>(concurrency * 2 + 64);
    let writer = std::thread::spawn(move || write_results(rx, out, progress, tally));

    let stop = Arc::new(Stop::default());
    {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.request("interrupted (Ctrl-C); continue with --resume".to_string());
            }
        });
    }
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut pace = pace::Pace::new(args.qps);
    let mut input_error = None;
    loop {
        if stop.requested() {
            break;
        }
        let row = match input.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                input_error = Some(e.to_string());
                break;
            }
        };
        if done.contains(row.line) {
            continue;
        }
        let (identity, fields) = match check_row(row.fields, &router) {
            Checked::Ready(identity, fields) => (identity, fields),
            Checked::Refused(why, fields) => {
                let kept = fields.filter(|_| args.include_input);
                if send(&tx, row.line, RowOutcome::Invalid(why), kept)
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            break;
        };
        pace.wait().await;
        if stop.requested() {
            break;
        }
        let recorded = journal
            .lock()
            .map_err(|_| std::io::Error::other("the journal's lock is poisoned"))
            .and_then(|mut j| j.record(row.line));
        if let Err(e) = recorded {
            stop.request(format!("cannot write the in-flight journal: {e}"));
            break;
        }
        let kept = args.include_input.then_some(fields);
        let (router, tx, stop, journal) = (
            Arc::clone(&router),
            tx.clone(),
            Arc::clone(&stop),
            Arc::clone(&journal),
        );
        let budget = args.budget;
        tokio::spawn(async move {
            let outcome = match router.verify(&identity).await {
                Ok(routed) => RowOutcome::Verdict(routed),
                Err(failed) if refused_by_budget(&failed) => {
                    // Not sent: not a result. Cancelled in the journal, so that --resume
                    // sends it; the run stops.
                    if let Ok(mut j) = journal.lock() {
                        let _ = j.cancel(row.line);
                    }
                    stop.request(budget_stop(budget, &failed));
                    drop(permit);
                    return;
                }
                Err(failed) => RowOutcome::Failed(failed),
            };
            let _ = send(&tx, row.line, outcome, kept).await;
            drop(permit);
        });
    }
    // Wait for every check in flight, then let the writer drain and stop.
    let _all = slots.acquire_many(args.concurrency).await;
    drop(tx);
    let (tally, progress, write_error) = writer
        .join()
        .map_err(|_| "the output writer stopped unexpectedly".to_string())?;
    let mut stop = stop.reason();
    if let Some(e) = &write_error {
        stop = Some(format!("cannot write {}: {e}", args.output.display()));
    } else {
        let removed = journal
            .lock()
            .map_err(|_| std::io::Error::other("the journal's lock is poisoned"))
            .and_then(|mut j| j.finish());
        if let Err(e) = removed {
            eprintln!("shiming: cannot remove the in-flight journal: {e}");
        }
    }
    if let Some(e) = input_error {
        stop = Some(e);
    }
    progress.finish(&tally, resumed, stop.as_deref());
    Ok(if stop.is_some() || tally.service_errors() > 0 {
        ExitCode::from(INCOMPLETE)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether the router refused the row locally for a budget, having sent nothing that may
/// have cost money.
fn refused_by_budget(failed: &RouteError) -> bool {
    failed.error.kind() == ErrorKind::BudgetExhausted && failed.billing() == Billing::NotBilled
}

/// Why the run stops when the ledger refused a row.
fn budget_stop(budget: Option<Price>, failed: &RouteError) -> String {
    let advice = match budget {
        Some(budget) => format!("continue with --resume and a --budget above {budget} CNY"),
        None => "continue with --resume once the configured budget allows".to_string(),
    };
    format!("budget_exhausted: {} ({advice})", failed.error.message())
}

/// Opens the input as the options say, and tells stderr what encoding detection decided.
fn open_input(args: &BatchArgs) -> Result<Input, String> {
    let options = InputOptions {
        encoding: args.encoding,
        sheet: args.sheet.clone(),
    };
    let input = Input::open(&args.input, &options).map_err(|e| e.to_string())?;
    if let Some(notice) = input.notice() {
        eprintln!("shiming: {notice}");
    }
    Ok(input)
}

/// A row after local validation: ready to send, or refused before sending (with its values
/// when it had readable ones).
enum Checked {
    Ready(Identity, Fields),
    Refused(String, Option<Fields>),
}

/// Validates a row as the router would before sending it — the one check both the run and
/// `--dry-run` use.
fn check_row(fields: Result<Fields, RowProblem>, router: &Router) -> Checked {
    let fields = match fields {
        Ok(fields) => fields,
        Err(why) => return Checked::Refused(why.to_string(), None),
    };
    let unchecked = Identity::unchecked(&fields.name, &fields.id_card, fields.mobile.as_deref());
    match router.check_locally(&unchecked) {
        Ok(checked) => Checked::Ready(checked.into_owned(), fields),
        Err(e) => Checked::Refused(e.message().to_string(), Some(fields)),
    }
}

async fn send(
    tx: &mpsc::Sender<Finished>,
    line: u64,
    outcome: RowOutcome,
    input: Option<Fields>,
) -> Result<(), ()> {
    tx.send(Finished {
        line,
        outcome,
        input,
    })
    .await
    .map_err(|_| ())
}

/// The writer thread: appends results, flushing each group before counting it as done.
/// Stops at the first write error (the rows it could not record stay in the journal).
fn write_results(
    mut rx: mpsc::Receiver<Finished>,
    mut out: Output,
    progress: Progress,
    mut tally: Tally,
) -> (Tally, Progress, Option<std::io::Error>) {
    let mut group = Vec::with_capacity(256);
    while let Some(first) = rx.blocking_recv() {
        group.push(first);
        while group.len() < 256 {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let written = group
            .iter()
            .try_for_each(|row| out.write(row))
            .and_then(|()| out.flush());
        if let Err(e) = written {
            return (tally, progress, Some(e));
        }
        let written = group.len() as u64;
        for row in group.drain(..) {
            tally.add(row.line, &row.outcome);
        }
        progress.advance(written, &tally);
    }
    (tally, progress, None)
}

/// `--dry-run`: validate, count and price; nothing is sent or written. Invalid rows are listed
/// with their line numbers, so they can be fixed before paying for the rest.
fn dry_run(args: &BatchArgs, router: &Router) -> ExitCode {
    let done = if args.resume && args.output.exists() {
        match output::scan(&args.output, args.include_input, false).map(|p| p.done) {
            Ok(done) => done,
            Err(e) => return usage(&e),
        }
    } else {
        LineSet::default()
    };
    let mut input = match open_input(args) {
        Ok(i) => i,
        Err(e) => return usage(&e),
    };
    let (mut three, mut two, mut skipped) = (0u64, 0u64, 0u64);
    let mut invalid: Vec<(u64, String)> = Vec::new();
    loop {
        let row = match input.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => return usage(&e.to_string()),
        };
        if done.contains(row.line) {
            skipped += 1;
            continue;
        }
        match check_row(row.fields, router) {
            Checked::Ready(who, _) if Elements::of(&who) == Elements::Three => three += 1,
            Checked::Ready(..) => two += 1,
            Checked::Refused(why, _) => invalid.push((row.line, why.to_string())),
        }
    }
    let first = |e: Elements| router.candidates(e).next().map(|r| (r.vendor(), r.price()));
    let mut expected = Price::ZERO;
    let mut worst = Price::ZERO;
    let mut groups = Vec::new();
    for (elements, rows, label) in [
        (Elements::Three, three, "three-element"),
        (Elements::Two, two, "two-element"),
    ] {
        let route = first(elements);
        if rows > 0 && route.is_some() {
            let (_, price) = route.unwrap_or(("", Price::ZERO));
            expected += price.times(rows);
            worst += pace::worst_case(router, elements).times(rows);
        }
        groups.push((elements, rows, label, route));
    }
    let enough = args.budget.map(|budget| {
        if worst <= budget {
            "enough"
        } else if expected <= budget {
            "enough unless checks fail over"
        } else {
            "not enough; the run would stop early"
        }
    });
    if args.json {
        let group = |rows: u64, route: Option<(&str, Price)>| {
            serde_json::json!({
                "rows": rows,
                "first_vendor": route.map(|(v, _)| v),
                "price": route.map(|(_, p)| p.to_string()),
            })
        };
        let report = serde_json::json!({
            "three_element": group(groups[0].1, groups[0].3),
            "two_element": group(groups[1].1, groups[1].3),
            "invalid": invalid.iter().map(|(line, why)| serde_json::json!({ "line": line, "reason": why })).collect::<Vec<_>>(),
            "already_done": skipped,
            "rows": three + two + invalid.len() as u64,
            "estimated_cost": expected.to_string(),
            "at_most": worst.to_string(),
            "budget": args.budget.map(|b| b.to_string()),
            "budget_verdict": enough,
        });
        println!("{report}");
        return ExitCode::SUCCESS;
    }
    println!("dry run: nothing was sent");
    for (line, why) in &invalid {
        println!("  line {line}: invalid, would not be sent: {why}");
    }
    for (_, rows, label, route) in &groups {
        if *rows == 0 {
            continue;
        }
        match route {
            Some((vendor, price)) => {
                println!("  {rows} {label} rows would be sent, first to {vendor} at {price} CNY")
            }
            None => println!("  {rows} {label} rows have no configured vendor and would fail"),
        }
    }
    println!("  {} rows are invalid and would not be sent", invalid.len());
    if skipped > 0 {
        println!("  {skipped} rows are already done (--resume)");
    }
    println!("  estimated cost: {expected} CNY (at most {worst} CNY if checks fail over)");
    if let (Some(budget), Some(enough)) = (args.budget, enough) {
        println!("  budget {budget} CNY: {enough}");
    }
    ExitCode::SUCCESS
}
