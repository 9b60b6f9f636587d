//! The console's batch page: a file uploaded into the console's work directory, then run by
//! `shiming batch` itself — a child process of this same binary, with the console's own
//! market options — so the engine, the files, the crash safety and `--resume` are exactly
//! the command line's. The dry run first (`--dry-run --json`, shown), then start, progress read from
//! the output file, stop (SIGINT: the batch stops cleanly), resume, and the output file to
//! download.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde_json::{json, Value};

use crate::market::MarketArgs;

/// The file types `shiming batch` reads, by extension.
const EXTENSIONS: [&str; 6] = ["csv", "xlsx", "xlsm", "xlsb", "xls", "ods"];

/// One uploaded file and its run.
struct Job {
    name: String,
    input: PathBuf,
    output: PathBuf,
    log: PathBuf,
    dry_run: Value,
    total: u64,
    child: Option<Child>,
    started: Option<Instant>,
    done_at_start: u64,
    exit: Option<i32>,
    stopping: bool,
}

/// The batches of this console.
pub struct Batches {
    dir: PathBuf,
    exe: PathBuf,
    args: Vec<String>,
    jobs: Mutex<HashMap<u64, Job>>,
}

impl Drop for Batches {
    fn drop(&mut self) {
        let jobs = self.jobs.get_mut().unwrap_or_else(PoisonError::into_inner);
        for job in jobs.values_mut() {
            if let Some(child) = job.child.as_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The market options the console was started with, for its `shiming batch` children (the
/// AppCode goes through the environment, never the command line).
fn forwarded(market: &MarketArgs) -> Vec<String> {
    let mut args = vec!["--vendor".to_string(), market.vendor.clone()];
    if let Some(endpoint) = &market.endpoint {
        args.extend(["--endpoint".into(), endpoint.clone()]);
    }
    if market.mock {
        args.push("--mock".into());
    }
    if let Some(config) = &market.config {
        args.extend(["--config".into(), config.display().to_string()]);
    }
    if market.phonethird_consent {
        args.push("--phonethird-consent".into());
    }
    if let Some(timeout) = market.timeout {
        args.extend(["--timeout".into(), timeout.to_string()]);
    }
    if market.strict {
        args.push("--strict".into());
    }
    if let Some(ledger) = &market.ledger {
        args.extend(["--ledger".into(), ledger.clone()]);
    }
    args
}

/// What an output file holds so far: rows, verdicts, errors, billed rows and the cost.
fn tally(output: &Path) -> Value {
    let Ok(mut reader) = csv::ReaderBuilder::new().flexible(true).from_path(output) else {
        return json!({ "rows": 0 });
    };
    let headers = reader.headers().cloned().unwrap_or_default();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
    };
    let (verdict, kind, billed, cost) = (
        column("verdict"),
        column("error_kind"),
        column("billed"),
        column("cost"),
    );
    let mut verdicts: HashMap<String, u64> = HashMap::new();
    let (mut rows, mut billed_rows, mut li) = (0u64, 0u64, 0u64);
    for record in reader.records().flatten() {
        rows += 1;
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        let outcome = match field(verdict) {
            "" => field(kind).to_string(),
            v => v.to_string(),
        };
        *verdicts.entry(outcome).or_default() += 1;
        if field(billed) == "yes" {
            billed_rows += 1;
        }
        if let Ok(price) = field(cost).parse::<shiming::Price>() {
            li += price.li();
        }
    }
    json!({
        "rows": rows,
        "outcomes": verdicts,
        "billed": billed_rows,
        "cost": shiming::Price::from_li(li).to_string(),
    })
}

impl Batches {
    /// Batches run by `exe` (this binary) with `market`'s options, their files in `dir`.
    pub fn new(market: &MarketArgs) -> std::io::Result<Batches> {
        let dir = std::env::temp_dir().join(format!("shiming-console-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Batches {
            dir,
            exe: std::env::current_exe()?,
            args: forwarded(market),
            jobs: Mutex::new(HashMap::new()),
        })
    }

    fn batch(&self, job_input: &Path, job_output: &Path) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .arg("batch")
            .arg("--input")
            .arg(job_input)
            .arg("--output")
            .arg(job_output)
            .args(&self.args)
            .stdin(Stdio::null());
        command
    }

    /// Keeps `bytes` as the input of a new batch named after `name` (its extension decides
    /// the reader) and runs the dry run: the report, or why the file cannot be run.
    pub fn upload(&self, name: &str, bytes: &[u8]) -> Result<Value, String> {
        let extension = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .filter(|e| EXTENSIONS.contains(&e.as_str()))
            .ok_or_else(|| format!("a batch is a {} file", EXTENSIONS.join(", ")))?;
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let id = jobs.len() as u64 + 1;
        let input = self.dir.join(format!("{id}-input.{extension}"));
        let output = self.dir.join(format!("{id}-output.csv"));
        std::fs::write(&input, bytes).map_err(|e| format!("cannot keep the file: {e}"))?;
        let report = self
            .batch(&input, &output)
            .args(["--dry-run", "--json"])
            .output()
            .map_err(|e| format!("cannot run shiming batch: {e}"))?;
        if !report.status.success() {
            return Err(String::from_utf8_lossy(&report.stderr).trim().to_string());
        }
        let dry_run: Value = serde_json::from_slice(&report.stdout)
            .map_err(|e| format!("shiming batch --dry-run --json: {e}"))?;
        let shown: String = name.chars().filter(|c| !c.is_control()).take(128).collect();
        jobs.insert(
            id,
            Job {
                name: shown,
                input,
                output,
                log: self.dir.join(format!("{id}-stderr.txt")),
                total: dry_run["rows"].as_u64().unwrap_or(0),
                dry_run,
                child: None,
                started: None,
                done_at_start: 0,
                exit: None,
                stopping: false,
            },
        );
        drop(jobs);
        self.status(id)
    }

    /// Starts the batch, or resumes it when it has an output already (`--resume`).
    pub fn start(&self, id: u64) -> Result<Value, String> {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let job = jobs.get_mut(&id).ok_or("no such batch")?;
        if let Some(child) = job.child.as_mut() {
            if child.try_wait().ok().flatten().is_none() {
                return Err("the batch is running".into());
            }
        }
        let mut command = self.batch(&job.input, &job.output);
        if job.output.exists() {
            command.arg("--resume");
        }
        let log = std::fs::File::create(&job.log).map_err(|e| e.to_string())?;
        let child = command
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run shiming batch: {e}"))?;
        job.done_at_start = tally(&job.output)["rows"].as_u64().unwrap_or(0);
        job.child = Some(child);
        job.started = Some(Instant::now());
        job.exit = None;
        job.stopping = false;
        drop(jobs);
        self.status(id)
    }

    /// Asks a running batch to stop as Ctrl-C does: the rows in flight finish and are written.
    pub fn stop(&self, id: u64) -> Result<Value, String> {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let job = jobs.get_mut(&id).ok_or("no such batch")?;
        let Some(child) = job.child.as_ref() else {
            return Err("the batch is not running".into());
        };
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .map_err(|e| e.to_string())?;
        if !sent.success() {
            return Err("the batch could not be told to stop".into());
        }
        job.stopping = true;
        drop(jobs);
        self.status(id)
    }

    /// Where a batch stands: its dry run, state, rows done of the total, outcomes, billed
    /// rows, cost, rate and time left.
    pub fn status(&self, id: u64) -> Result<Value, String> {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let job = jobs.get_mut(&id).ok_or("no such batch")?;
        if let Some(child) = job.child.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                job.exit = status.code().or(Some(-1));
                job.child = None;
            }
        }
        let state = match (&job.child, job.exit, job.stopping) {
            (Some(_), _, true) => "stopping",
            (Some(_), _, false) => "running",
            (None, None, _) => "ready",
            (None, Some(_), true) => "stopped",
            (None, Some(0), false) => "finished",
            (None, Some(_), false) => "ended",
        };
        let mut tally = tally(&job.output);
        let done = tally["rows"].as_u64().unwrap_or(0);
        let (rate, left) = match job.started {
            Some(started) if done > job.done_at_start => {
                let rate = (done - job.done_at_start) as f64 / started.elapsed().as_secs_f64();
                let left = job.total.saturating_sub(done) as f64 / rate;
                (Some(rate), Some(left))
            }
            _ => (None, None),
        };
        let log = std::fs::read_to_string(&job.log).unwrap_or_default();
        tally["id"] = id.into();
        tally["name"] = job.name.clone().into();
        tally["state"] = state.into();
        tally["exit"] = job.exit.into();
        tally["total"] = job.total.into();
        tally["rate"] = rate.map(|r| (r * 10.0).round() / 10.0).into();
        tally["seconds_left"] = left.map(f64::round).into();
        tally["dry_run"] = job.dry_run.clone();
        // The batch's own last lines: its summary, or why it stopped.
        tally["log"] = log
            .lines()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
            .into();
        Ok(tally)
    }

    /// The output file so far.
    pub fn output(&self, id: u64) -> Result<Vec<u8>, String> {
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        let job = jobs.get(&id).ok_or("no such batch")?;
        std::fs::read(&job.output).map_err(|_| "the batch has no output yet".into())
    }
}
