//! Workbook rows: the first sheet (or a named one) of an `.xlsx`/`.xlsm` file, streamed cell by
//! cell, or of an `.xlsb`/`.xls`/`.ods` file, loaded sheet by sheet. A reading thread owns the
//! workbook and hands rows over a bounded channel, so an `.xlsx` sheet of any length is read
//! in constant memory (besides the workbook's shared strings).
//!
//! The header is the first row that names the columns (title rows above it are skipped); each
//! data row's `line` is its row number in the sheet, as Excel shows it. Values must be text: an ID number stored as a number has
//! already lost its last digits and is refused with the fix, never repaired.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use calamine::{open_workbook, open_workbook_auto, Data, DataRef, Reader, Xlsx};

use super::{Columns, Fields, FileError, Row, RowProblem};

/// Whether `path` names a workbook, by its extension.
pub(crate) fn is_workbook(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["xlsx", "xlsm", "xlsb", "xls", "ods"]
            .iter()
            .any(|w| e.eq_ignore_ascii_case(w))
    })
}

/// Rows handed over by the reading thread before it waits for the batch to take them.
const AHEAD: usize = 256;

enum Message {
    /// The header was found on this sheet row; the sheet's last row.
    Started {
        header_row: u64,
        last_row: u64,
    },
    Row(Row),
    Failed(FileError),
}

/// Streams the rows of one sheet.
pub(crate) struct WorkbookRows {
    rows: Receiver<Message>,
    header_row: u64,
    last_row: u64,
    finished: bool,
}

impl WorkbookRows {
    /// Opens the workbook and reads up to its header.
    pub(crate) fn open(path: &Path, sheet: Option<&str>) -> Result<WorkbookRows, FileError> {
        let (tx, rx) = sync_channel(AHEAD);
        let (path, sheet) = (path.to_path_buf(), sheet.map(str::to_string));
        std::thread::Builder::new()
            .name("workbook".to_string())
            .spawn(move || read(&path, sheet.as_deref(), &tx))
            .map_err(|e| FileError::read("the workbook", e))?;
        match rx.recv() {
            Ok(Message::Started {
                header_row,
                last_row,
            }) => Ok(WorkbookRows {
                rows: rx,
                header_row,
                last_row,
                finished: false,
            }),
            Ok(Message::Failed(e)) => Err(e),
            Ok(Message::Row(_)) | Err(_) => Err(FileError::Workbook {
                what: "the input".to_string(),
                reason: "the reader stopped before the header".to_string(),
            }),
        }
    }

    /// The sheet row of the header.
    pub(crate) fn header_row(&self) -> u64 {
        self.header_row
    }

    /// The sheet's last row.
    pub(crate) fn last_row(&self) -> Option<u64> {
        Some(self.last_row)
    }

    /// The next row, `Ok(None)` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        if self.finished {
            return Ok(None);
        }
        match self.rows.recv() {
            Ok(Message::Row(row)) => Ok(Some(row)),
            Ok(Message::Failed(e)) => {
                self.finished = true;
                Err(e)
            }
            Ok(Message::Started { .. }) | Err(_) => {
                self.finished = true;
                Ok(None)
            }
        }
    }
}

/// A cell's value, owned, as far as a row of checks cares.
enum Cell {
    Text(String),
    Number(f64),
    Other(&'static str),
    Empty,
}

impl From<DataRef<'_>> for Cell {
    fn from(value: DataRef<'_>) -> Cell {
        match value {
            DataRef::String(s) => Cell::Text(s),
            DataRef::SharedString(s) => Cell::Text(s.to_string()),
            DataRef::Int(i) => Cell::Number(i as f64),
            DataRef::Float(f) => Cell::Number(f),
            DataRef::Bool(_) => Cell::Other("a truth value"),
            DataRef::DateTime(_) | DataRef::DateTimeIso(_) => Cell::Other("a date"),
            DataRef::DurationIso(_) => Cell::Other("a duration"),
            DataRef::Error(_) => Cell::Other("an error value"),
            DataRef::Empty => Cell::Empty,
        }
    }
}

impl From<&Data> for Cell {
    fn from(value: &Data) -> Cell {
        match value {
            Data::String(s) => Cell::Text(s.clone()),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(_) => Cell::Other("a truth value"),
            Data::DateTime(_) | Data::DateTimeIso(_) => Cell::Other("a date"),
            Data::DurationIso(_) => Cell::Other("a duration"),
            Data::Error(_) => Cell::Other("an error value"),
            Data::Empty => Cell::Empty,
        }
    }
}

/// The reading thread: opens the workbook, finds the sheet, and feeds every cell, in sheet
/// order, to an [`Assembler`].
fn read(path: &PathBuf, sheet: Option<&str>, tx: &SyncSender<Message>) {
    let what = path.display().to_string();
    let fail = |reason: String| {
        Message::Failed(FileError::Workbook {
            what: what.clone(),
            reason,
        })
    };
    let mut rows = Assembler::new(tx, what.clone());
    let streamed = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"));
    if streamed {
        let mut book: Xlsx<_> = match open_workbook(path) {
            Ok(book) => book,
            Err(e) => return drop(tx.send(fail(e.to_string()))),
        };
        let name = match choose(&book.sheet_names(), sheet, &what) {
            Ok(name) => name,
            Err(e) => return drop(tx.send(Message::Failed(e))),
        };
        let mut cells = match book.worksheet_cells_reader(&name) {
            Ok(cells) => cells,
            Err(e) => return drop(tx.send(fail(e.to_string()))),
        };
        rows.last_row = u64::from(cells.dimensions().end.0) + 1;
        loop {
            match cells.next_cell() {
                Ok(Some(cell)) => {
                    let (row, column) = cell.get_position();
                    let value = Cell::from(cell.get_value().clone());
                    if !rows.cell(u64::from(row) + 1, column as usize, value) {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => return drop(tx.send(fail(e.to_string()))),
            }
        }
    } else {
        let mut book = match open_workbook_auto(path) {
            Ok(book) => book,
            Err(e) => return drop(tx.send(fail(e.to_string()))),
        };
        let name = match choose(&book.sheet_names(), sheet, &what) {
            Ok(name) => name,
            Err(e) => return drop(tx.send(Message::Failed(e))),
        };
        let range = match book.worksheet_range(&name) {
            Ok(range) => range,
            Err(e) => return drop(tx.send(fail(e.to_string()))),
        };
        let (top, left) = range.start().unwrap_or((0, 0));
        rows.last_row = range.end().map_or(0, |(r, _)| u64::from(r) + 1);
        for (row, column, value) in range.used_cells() {
            let row = u64::from(top) + row as u64 + 1;
            if !rows.cell(row, left as usize + column, Cell::from(value)) {
                return;
            }
        }
    }
    rows.finish();
}

/// The sheet to read: the named one, or the first.
fn choose(sheets: &[String], wanted: Option<&str>, what: &str) -> Result<String, FileError> {
    match wanted {
        None => sheets.first().cloned().ok_or_else(|| FileError::NoHeader {
            what: format!("{what} (it has no sheet)"),
        }),
        Some(wanted) => sheets
            .iter()
            .find(|s| s.as_str() == wanted)
            .cloned()
            .ok_or_else(|| FileError::NoSuchSheet {
                what: what.to_string(),
                wanted: wanted.to_string(),
                sheets: sheets.join(", "),
            }),
    }
}

/// Turns cells, in sheet order, into a header and then one [`Row`] per sheet row with content.
struct Assembler<'a> {
    tx: &'a SyncSender<Message>,
    what: String,
    last_row: u64,
    /// The header's cells until it is complete, then its columns.
    header: Header,
    /// The sheet row being assembled, and whether it has any content.
    row: u64,
    content: bool,
    values: [Cell; 3],
}

enum Header {
    Collecting {
        row: u64,
        names: Vec<Option<String>>,
    },
    Found {
        columns: Columns,
    },
}

impl<'a> Assembler<'a> {
    fn new(tx: &'a SyncSender<Message>, what: String) -> Assembler<'a> {
        Assembler {
            tx,
            what,
            last_row: 0,
            header: Header::Collecting {
                row: 0,
                names: Vec::new(),
            },
            row: 0,
            content: false,
            values: [Cell::Empty, Cell::Empty, Cell::Empty],
        }
    }

    /// Takes one cell; `false` when the batch has stopped listening or the sheet is unusable.
    fn cell(&mut self, row: u64, column: usize, value: Cell) -> bool {
        if matches!(value, Cell::Empty) {
            return true;
        }
        if let Header::Collecting { row: header, .. } = &mut self.header {
            if *header != row && *header != 0 && !self.end_header() {
                return false;
            }
        }
        if let Header::Collecting { row: header, names } = &mut self.header {
            if *header != row {
                *header = row;
                names.clear();
            }
            if names.len() <= column {
                names.resize(column + 1, None);
            }
            names[column] = match value {
                Cell::Text(text) => Some(text),
                _ => None,
            };
            return true;
        }
        if row != self.row && !self.emit() {
            return false;
        }
        self.row = row;
        self.content = true;
        if let Header::Found { columns, .. } = &self.header {
            let slot = [Some(columns.name), Some(columns.id_card), columns.mobile]
                .iter()
                .position(|c| *c == Some(column));
            if let Some(slot) = slot {
                self.values[slot] = value;
            }
        }
        true
    }

    /// Ends a row before the header: if it names the columns it is the header, and the batch
    /// is told so; if not, it was a title row. `false` when the batch stopped listening.
    fn end_header(&mut self) -> bool {
        let Header::Collecting { row, names } = &self.header else {
            return true;
        };
        let row = *row;
        let Some(columns) = Columns::find(names.iter().map(Option::as_deref)) else {
            return true;
        };
        self.header = Header::Found { columns };
        self.tx
            .send(Message::Started {
                header_row: row,
                last_row: self.last_row,
            })
            .is_ok()
    }

    /// Sends the row being assembled, if it has content.
    fn emit(&mut self) -> bool {
        if !self.content {
            return true;
        }
        self.content = false;
        let [name, id_card, mobile] =
            std::mem::replace(&mut self.values, [Cell::Empty, Cell::Empty, Cell::Empty]);
        let fields = fields(name, id_card, mobile);
        self.tx
            .send(Message::Row(Row {
                line: self.row,
                fields,
            }))
            .is_ok()
    }

    /// The end of the sheet: the last row; or a sheet without a header.
    fn finish(mut self) {
        if !self.end_header() {
            return;
        }
        if matches!(self.header, Header::Collecting { .. }) {
            let _ = self.tx.send(Message::Failed(FileError::NoHeader {
                what: self.what.clone(),
            }));
            return;
        }
        let _ = self.emit();
    }
}

/// A row's values from its cells.
fn fields(name: Cell, id_card: Cell, mobile: Cell) -> Result<Fields, RowProblem> {
    let name = text(name, "name")?;
    let id_card = match id_card {
        Cell::Number(n) => {
            return Err(RowProblem::IdCardStoredAsNumber {
                shown: as_excel_shows(n),
            })
        }
        other => text(other, "id_card")?,
    };
    let mobile = match mobile {
        // An 11-digit whole number is stored exactly: its digits are the mobile's.
        Cell::Number(n) if n.fract() == 0.0 && (1.0..1e15).contains(&n) => format!("{n:.0}"),
        Cell::Number(_) => {
            return Err(RowProblem::NotText {
                column: "mobile",
                what: "a number that is not a whole number",
            })
        }
        other => text(other, "mobile")?,
    };
    Ok(Fields {
        name,
        id_card,
        mobile: Some(mobile).filter(|m| !m.is_empty()),
    })
}

fn text(cell: Cell, column: &'static str) -> Result<String, RowProblem> {
    match cell {
        Cell::Text(text) => Ok(text.trim().to_string()),
        Cell::Empty => Ok(String::new()),
        Cell::Number(_) => Err(RowProblem::NotText {
            column,
            what: "a number",
        }),
        Cell::Other(what) => Err(RowProblem::NotText { column, what }),
    }
}

/// A number as Excel's General format shows it in a normal-width cell: up to 11 characters,
/// scientific with up to 5 decimals beyond that (`110105194912310021` → `1.10105E+17`).
fn as_excel_shows(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e11 {
        return format!("{n:.0}");
    }
    let scientific = format!("{n:.5E}");
    let (mantissa, exponent) = scientific.split_once('E').unwrap_or((&scientific, "0"));
    let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exponent),
    };
    format!("{mantissa}E{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(as_excel_shows(110105194912310021.0), "1.10105E+17");
        assert_eq!(as_excel_shows(330106198805160000.0), "3.30106E+17");
        assert_eq!(as_excel_shows(110105491231002.0), "1.10105E+14");
        assert_eq!(as_excel_shows(100000000000000000.0), "1E+17");
        assert_eq!(as_excel_shows(12345.0), "12345");
    }

    #[test]
    fn a_numeric_id_card_is_refused_and_a_whole_mobile_is_kept() {
        let e = fields(
            Cell::Text("陈思远".into()),
            Cell::Number(330106198805160711.0),
            Cell::Empty,
        )
        .unwrap_err();
        assert_eq!(
            e,
            RowProblem::IdCardStoredAsNumber {
                shown: "3.30106E+17".into()
            }
        );
        assert!(e.to_string().contains("Text"));
        let f = fields(
            Cell::Text(" 陈思远 ".into()),
            Cell::Text("330106198805160711".into()),
            Cell::Number(13957120001.0),
        )
        .unwrap();
        assert_eq!(f.name, "陈思远");
        assert_eq!(f.mobile.as_deref(), Some("13957120001"));
        assert!(fields(
            Cell::Text("a".into()),
            Cell::Text("b".into()),
            Cell::Number(1.5)
        )
        .is_err());
    }
}
