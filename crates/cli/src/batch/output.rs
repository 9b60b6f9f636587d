//! The results CSV: one row per finished input row, written and flushed before the row
//! counts as done; and, for `--resume`, what an earlier run already finished.
//!
//! Columns: `line,verdict,error_kind,vendor,billed,cost,request_id,tried,detail,message,cached`,
//! then `name,id_card,mobile` with `--include-input`. `billed` is `yes`, `no` or `unknown`;
//! `cost` is what the row certainly cost in CNY; `tried` lists the vendors asked, `;`-separated;
//! `cached` is `yes` when the verdict came from the dedupe cache (nothing sent, cost 0).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use std::collections::BTreeMap;

use shiming::{Price, RouteError, Routed};

use super::lines::LineSet;
use shiming_cli::input::Fields;

const COLUMNS: [&str; 11] = [
    "line",
    "verdict",
    "error_kind",
    "vendor",
    "billed",
    "cost",
    "request_id",
    "tried",
    "detail",
    "message",
    "cached",
];
const INPUT_COLUMNS: [&str; 3] = ["name", "id_card", "mobile"];
/// Written first with `--output-bom`: Excel reads a CSV as UTF-8 only when it starts with one.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// How one row ended.
pub enum RowOutcome {
    /// A vendor gave a verdict.
    Verdict(Routed),
    /// No verdict: the error and every vendor tried.
    Failed(RouteError),
    /// Refused before sending (local validation or an unreadable row).
    Invalid(String),
    /// Sent by an earlier run that stopped before recording the answer: may have been
    /// charged, so not sent again.
    Interrupted,
}

/// A finished row.
pub struct Finished {
    pub line: u64,
    pub outcome: RowOutcome,
    /// The input values, kept only with `--include-input`.
    pub input: Option<Fields>,
}

/// Appends finished rows to the output file.
pub struct Output {
    writer: csv::Writer<BufWriter<File>>,
    include_input: bool,
}

impl Output {
    /// Creates `path` (which must not exist unless `append`) and writes the header, or opens
    /// it for appending after [`scan`] (writing the header first if the file is empty: a run
    /// killed between creating the file and writing its header).
    pub fn open(
        path: &Path,
        include_input: bool,
        append: bool,
        bom: bool,
    ) -> Result<Output, String> {
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
        let file = if append {
            OpenOptions::new().append(true).open(path)
        } else {
            OpenOptions::new().write(true).create_new(true).open(path)
        }
        .map_err(fail)?;
        let empty = file.metadata().map_err(fail)?.len() == 0;
        let mut buffered = BufWriter::new(file);
        if empty && bom {
            buffered.write_all(UTF8_BOM).map_err(fail)?;
        }
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(buffered);
        if empty {
            let mut header: Vec<&str> = COLUMNS.to_vec();
            if include_input {
                header.extend(INPUT_COLUMNS);
            }
            writer
                .write_record(&header)
                .and_then(|()| writer.flush().map_err(csv::Error::from))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(Output {
            writer,
            include_input,
        })
    }

    /// Writes one row (buffered; call [`Output::flush`] before reporting it done).
    pub fn write(&mut self, row: &Finished) -> std::io::Result<()> {
        let line = row.line.to_string();
        let tried;
        let cost;
        let mut record: Vec<&str> = match &row.outcome {
            RowOutcome::Verdict(routed) => {
                let v = &routed.verification;
                tried = routed.attempts.tried().join(";");
                cost = routed.attempts.cost().to_string();
                vec![
                    &line,
                    v.verdict.code(),
                    "",
                    v.vendor,
                    routed.attempts.billing().yes_no(),
                    &cost,
                    v.request_id.as_deref().unwrap_or(""),
                    &tried,
                    v.detail.as_deref().unwrap_or(""),
                    v.vendor_message.as_deref().unwrap_or(""),
                    if routed.cached { "yes" } else { "no" },
                ]
            }
            RowOutcome::Failed(failed) => {
                tried = failed.attempts.tried().join(";");
                cost = failed.attempts.cost().to_string();
                vec![
                    &line,
                    "",
                    failed.error.kind().public_name(),
                    failed.error.vendor().unwrap_or(""),
                    failed.billing().yes_no(),
                    &cost,
                    failed.error.request_id().unwrap_or(""),
                    &tried,
                    "",
                    failed.error.message(),
                    "no",
                ]
            }
            RowOutcome::Invalid(why) => {
                vec![
                    &line,
                    "",
                    "invalid_input",
                    "",
                    "no",
                    "0.000",
                    "",
                    "",
                    "",
                    why,
                    "no",
                ]
            }
            RowOutcome::Interrupted => vec![
                &line,
                "",
                "may_have_been_charged",
                "",
                "unknown",
                "",
                "",
                "",
                "",
                "sent by an interrupted run whose answer was not recorded; not sent again",
                "no",
            ],
        };
        if self.include_input {
            match &row.input {
                Some(f) => {
                    record.extend([f.name.as_str(), f.id_card.as_str()]);
                    record.push(f.mobile.as_deref().unwrap_or(""));
                }
                None => record.extend(["", "", ""]),
            }
        }
        self.writer
            .write_record(&record)
            .map_err(std::io::Error::other)
    }

    /// Hands everything written so far to the operating system: after this, killing the
    /// process loses none of it.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// What an earlier run left in the output file.
#[derive(Default)]
pub struct Previous {
    /// Lines with a result.
    pub done: LineSet,
    /// What its rows certainly cost, by the vendor that answered (`""`: none did).
    pub spent: BTreeMap<String, Price>,
    /// Its rows whose billing is unknown: they may have been charged.
    pub unknown: u64,
}

/// Reads an existing output file for `--resume`: checks its header, collects the finished
/// lines and, with `repair`, cuts off a last row that was being written when the run was
/// killed (its answer is lost: a row that was sent is reported as interrupted, one that was
/// not is done again). Without `repair` (`--dry-run`) the file is not modified and a torn
/// last row is simply not counted. A file without a complete header line (killed while
/// writing it) has no finished lines; with `repair` it is emptied, and [`Output::open`]
/// writes the header again.
pub fn scan(path: &Path, include_input: bool, repair: bool) -> Result<Previous, String> {
    let fail = |e: std::io::Error| format!("cannot resume from {}: {e}", path.display());
    let mut file = OpenOptions::new()
        .read(true)
        .write(repair)
        .open(path)
        .map_err(fail)?;
    // Keep only complete records: up to the last newline outside quotes. A quoted field may
    // hold a newline (a vendor message, or a name with --include-input); a row cut short
    // right after one ends in a newline but is not complete. The writer doubles quotes
    // inside quoted fields, so counting them tells inside from outside.
    let mut complete = 0u64;
    {
        let mut reader = BufReader::new(&mut file);
        let mut position = 0u64;
        let mut quoted = false;
        loop {
            let chunk = reader.fill_buf().map_err(fail)?;
            if chunk.is_empty() {
                break;
            }
            for (i, &byte) in chunk.iter().enumerate() {
                match byte {
                    b'"' => quoted = !quoted,
                    b'\n' if !quoted => complete = position + i as u64 + 1,
                    _ => {}
                }
            }
            let n = chunk.len();
            position += n as u64;
            reader.consume(n);
        }
    }
    if repair {
        file.set_len(complete).map_err(fail)?;
    }
    if complete == 0 {
        return Ok(Previous {
            done: LineSet::default(),
            spent: BTreeMap::new(),
            unknown: 0,
        });
    }
    file.seek(SeekFrom::Start(0)).map_err(fail)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(file.take(complete)));
    let header = reader
        .headers()
        .map_err(|e| format!("cannot resume from {}: {e}", path.display()))?
        .clone();
    let mut expected: Vec<&str> = COLUMNS.to_vec();
    if include_input {
        expected.extend(INPUT_COLUMNS);
    }
    if !header.iter().eq(expected.iter().copied()) {
        return Err(format!(
            "cannot resume from {}: its columns are not the ones this run would write (was --include-input {}? a file written before the `cached` column was added is finished with the version that started it)",
            path.display(),
            if include_input { "left out" } else { "given" }
        ));
    }
    let mut done = LineSet::default();
    let mut spent = BTreeMap::<String, Price>::new();
    let mut unknown = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .get(0)
                    .and_then(|l| l.parse::<u64>().ok())
                    .ok_or_else(|| {
                        format!(
                            "cannot resume from {}: a row without a line number",
                            path.display()
                        )
                    })?;
                done.insert(line);
                let cost = record.get(5).and_then(|c| c.parse::<Price>().ok());
                if let Some(cost) = cost.filter(|c| *c > Price::ZERO) {
                    *spent
                        .entry(record.get(3).unwrap_or("").to_string())
                        .or_insert(Price::ZERO) += cost;
                }
                if record.get(4) == Some("unknown") {
                    unknown += 1;
                }
            }
            Err(e) => return Err(format!("cannot resume from {}: {e}", path.display())),
        }
    }
    Ok(Previous {
        done,
        spent,
        unknown,
    })
}
