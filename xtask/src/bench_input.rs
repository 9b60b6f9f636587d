//! `cargo xtask bench-input [ROWS]`: how fast, and in how much memory, `shiming batch` reads
//! the files users have — a UTF-8 CSV with LF endings, a GB18030 CSV with CRLF endings (as
//! Excel on Chinese Windows saves it, read with `--encoding auto`, so the file is surveyed
//! first) and an `.xlsx` workbook — on ROWS rows (default 1,000,000) and on ten times fewer.
//!
//! It runs `shiming batch --dry-run` (release build): every row is read, decoded and validated
//! locally, nothing is sent, so the figures are the input reader's and the validator's alone.
//! Each file runs three times; the best wall time and the largest peak RSS are reported. Peak
//! RSS is `Maximum resident set size` from `/usr/bin/time -v` when it exists, else the largest
//! `VmHWM` seen while the process runs. A run counts only if the dry run reports every row as
//! one that would be sent.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench_batch::{registry, target_dir, vm_hwm_kib};
use crate::util::{self, Result};

const DEFAULT_ROWS: u64 = 1_000_000;
const RUNS: usize = 3;
const GNU_TIME: &str = "/usr/bin/time";

/// The three input forms.
#[derive(Clone, Copy)]
enum Form {
    Utf8Lf,
    Gb18030Crlf,
    Xlsx,
}

impl Form {
    const ALL: [Form; 3] = [Form::Utf8Lf, Form::Gb18030Crlf, Form::Xlsx];

    fn label(self) -> &'static str {
        match self {
            Form::Utf8Lf => "CSV, UTF-8, LF",
            Form::Gb18030Crlf => "CSV, GB18030, CRLF (auto)",
            Form::Xlsx => "xlsx (streamed)",
        }
    }

    fn file_name(self, rows: u64) -> String {
        match self {
            Form::Utf8Lf => format!("input-{rows}-utf8.csv"),
            Form::Gb18030Crlf => format!("input-{rows}-gb18030.csv"),
            Form::Xlsx => format!("input-{rows}.xlsx"),
        }
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let rows = match args {
        [] => DEFAULT_ROWS,
        [n] => n
            .replace(['_', ','], "")
            .parse::<u64>()
            .ok()
            .filter(|&n| n >= 10)
            .ok_or_else(|| format!("ROWS must be an integer ≥ 10, got {n:?}"))?,
        _ => return Err("usage: cargo xtask bench-input [ROWS]".into()),
    };
    let root = util::root();
    let target = target_dir(&root);
    util::cargo(&["build", "--release", "-p", "shiming-cli", "--bins"])?;
    let shiming = target.join("release/shiming");
    let dir = target.join("xtask/bench-input");
    fs::create_dir_all(&dir)?;
    let people: Vec<_> = registry(&root)?
        .into_iter()
        .filter(|p| !p.2.is_empty())
        .collect();
    let has_time = Path::new(GNU_TIME).exists();

    let mut table = Vec::new();
    for n in [rows, (rows / 10).max(1)] {
        for form in Form::ALL {
            let input = dir.join(form.file_name(n));
            write_input(&input, form, &people, n)?;
            let size = fs::metadata(&input)?.len();
            let mut best = Duration::MAX;
            let mut rss = 0;
            for i in 1..=RUNS {
                let (wall, kib) = dry_run(&shiming, &input, &dir, n, has_time)?;
                eprintln!(
                    "{} × {n}, run {i}/{RUNS}: {:.3} s, peak RSS {:.1} MiB",
                    form.label(),
                    wall.as_secs_f64(),
                    kib as f64 / 1024.0
                );
                best = best.min(wall);
                rss = rss.max(kib);
            }
            table.push((form, n, size, best, rss));
        }
    }

    println!("| input | rows | file size | best of {RUNS} (s) | rows/s | peak RSS |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (form, n, size, best, rss) in &table {
        println!(
            "| {} | {n} | {:.1} MiB | {:.3} | {:.0} | {:.1} MiB |",
            form.label(),
            *size as f64 / 1_048_576.0,
            best.as_secs_f64(),
            *n as f64 / best.as_secs_f64(),
            *rss as f64 / 1024.0
        );
    }
    println!(
        "\n`shiming batch --dry-run` (release build): read, decode and validate every row; nothing sent. Peak RSS is {}.",
        if has_time {
            "GNU time's maximum resident set size"
        } else {
            "the largest VmHWM seen"
        }
    );
    Ok(())
}

/// Writes `rows` three-element rows of the registry's people, repeated, in `form`.
fn write_input(
    path: &Path,
    form: Form,
    people: &[(String, String, String)],
    rows: u64,
) -> Result<()> {
    let rows = usize::try_from(rows)?;
    match form {
        Form::Utf8Lf | Form::Gb18030Crlf => {
            let (ending, gb) = match form {
                Form::Utf8Lf => ("\n", false),
                _ => ("\r\n", true),
            };
            let mut out = BufWriter::new(fs::File::create(path)?);
            out.write_all(format!("name,id_card,mobile{ending}").as_bytes())?;
            for (name, id_card, mobile) in people.iter().cycle().take(rows) {
                let line = format!("{name},{id_card},{mobile}{ending}");
                if gb {
                    out.write_all(&encoding_rs::GB18030.encode(&line).0)?;
                } else {
                    out.write_all(line.as_bytes())?;
                }
            }
            out.flush()?;
        }
        Form::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (column, title) in ["name", "id_card", "mobile"].iter().enumerate() {
                sheet.write_string(0, column as u16, *title)?;
            }
            for (i, (name, id_card, mobile)) in people.iter().cycle().take(rows).enumerate() {
                let row = u32::try_from(i + 1)?;
                sheet.write_string(row, 0, name)?;
                sheet.write_string(row, 1, id_card)?;
                sheet.write_string(row, 2, mobile)?;
            }
            book.save(path)?;
        }
    }
    Ok(())
}

/// One `shiming batch --dry-run`: wall time and peak RSS in KiB.
fn dry_run(
    shiming: &Path,
    input: &Path,
    dir: &Path,
    rows: u64,
    has_time: bool,
) -> Result<(Duration, u64)> {
    let time_file: Option<PathBuf> = has_time.then(|| dir.join("time-v.txt"));
    let mut cmd = match &time_file {
        Some(file) => {
            let mut c = Command::new(GNU_TIME);
            c.arg("-v").arg("-o").arg(file).arg(shiming);
            c
        }
        None => Command::new(shiming),
    };
    cmd.arg("batch")
        .arg("--mock")
        .arg("--dry-run")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(dir.join("never-written.csv"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SHIMING_") {
            cmd.env_remove(name);
        }
    }
    let start = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id();
    let watcher = (!has_time).then(|| {
        std::thread::spawn(move || {
            let mut hwm = 0;
            while Path::new(&format!("/proc/{pid}")).exists() {
                hwm = hwm.max(vm_hwm_kib(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            hwm
        })
    });
    let output = child.wait_with_output()?;
    let wall = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "shiming batch --dry-run failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    let expected = format!("{rows} three-element rows would be sent");
    if !stdout.contains(&expected) {
        return Err(format!("the dry run did not report {expected:?}: {stdout}").into());
    }
    let kib = match (&time_file, watcher) {
        (Some(file), _) => {
            let report = fs::read_to_string(file)?;
            let _ = fs::remove_file(file);
            report
                .lines()
                .find_map(|l| {
                    l.trim()
                        .strip_prefix("Maximum resident set size (kbytes):")
                        .and_then(|v| v.trim().parse().ok())
                })
                .ok_or("no maximum resident set size in the time report")?
        }
        (None, Some(watcher)) => watcher.join().unwrap_or(0),
        (None, None) => 0,
    };
    Ok((wall, kib))
}
