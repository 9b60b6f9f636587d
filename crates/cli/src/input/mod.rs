//! The rows of a batch input file: a header naming `name`, `id_card` and (optionally)
//! `mobile`, then one check per row, each with the **physical line number** it starts on (the
//! sheet's row number for a workbook), read one row at a time so memory does not grow with the
//! file.
//!
//! * CSV ([`Input::open`] on any other extension, or [`Input::from_csv`]): LF or CRLF endings,
//!   an optional UTF-8 byte-order mark, quoted fields holding line breaks, a last line without
//!   one. The parser works on the raw bytes and each field is decoded on its own with the
//!   [`TextEncoding`] chosen for the file ([`EncodingChoice::Auto`]: UTF-8 when the whole file
//!   is valid UTF-8, else GB18030), so a row that decodes in neither is refused as that row's
//!   [`RowProblem`], never guessed at.
//! * Workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`): the first sheet or a named one. ID
//!   numbers stored as numbers have already lost digits; they are refused with the fix
//!   ([`RowProblem::IdCardStoredAsNumber`]), never repaired.
//!
//! ```
//! use shiming_cli::input::{Input, TextEncoding};
//!
//! // GB18030 bytes, as Excel on Chinese Windows saves "CSV (逗号分隔)".
//! let mut bytes = b"name,id_card,mobile\r\n".to_vec();
//! bytes.extend_from_slice(&[0xb3, 0xc2, 0xcb, 0xbc, 0xd4, 0xb6]); // 陈思远
//! bytes.extend_from_slice(b",330106198805160711,13957120001\r\n");
//! let mut input = Input::from_csv(std::io::Cursor::new(bytes), TextEncoding::Gb18030).unwrap();
//! let row = input.next_row().unwrap().unwrap();
//! assert_eq!(row.line, 2);
//! assert_eq!(row.fields.unwrap().name, "陈思远");
//! assert!(input.next_row().unwrap().is_none());
//! ```

mod breaks;
mod csv_rows;
mod encoding;
mod problem;
mod workbook;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use encoding::{EncodingChoice, TextEncoding};
pub use problem::{FileError, RowProblem};

use csv_rows::CsvRows;
use workbook::WorkbookRows;

/// One data row: the line it starts on (the header is line 1 when it is the first line) and its
/// values, or why the row cannot be used.
///
/// ```
/// use shiming_cli::input::{Input, TextEncoding};
///
/// let mut input = Input::from_csv(&b"name,id_card\n\"a\nb\",1\nc,2"[..], TextEncoding::Utf8).unwrap();
/// assert_eq!(input.next_row().unwrap().unwrap().line, 2);
/// assert_eq!(input.next_row().unwrap().unwrap().line, 4); // the quoted field spans lines 2-3
/// ```
#[derive(Debug)]
pub struct Row {
    /// The physical line (CSV) or sheet row (workbook) the row starts on, 1-based.
    pub line: u64,
    /// The values, or why they cannot be used (the row is then refused, never sent).
    pub fields: Result<Fields, RowProblem>,
}

/// A row's values as written in the file: trimmed, decoded, not yet validated.
///
/// `Debug` masks them, as personal data must be.
///
/// ```
/// use shiming_cli::input::Fields;
///
/// let f = Fields { name: "陈思远".into(), id_card: "330106198805160711".into(), mobile: None };
/// assert!(!format!("{f:?}").contains("330106198805160711"));
/// ```
pub struct Fields {
    /// The `name` column.
    pub name: String,
    /// The `id_card` column.
    pub id_card: String,
    /// The `mobile` column; `None` when the file has none or the cell is empty.
    pub mobile: Option<String>,
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use shiming_core::mask;
        f.debug_struct("Fields")
            .field("name", &mask::mask_name(&self.name))
            .field("id_card", &mask::mask_id(&self.id_card))
            .field("mobile", &self.mobile.as_deref().map(mask::mask_mobile))
            .finish()
    }
}

/// How to read an input file.
///
/// ```
/// use shiming_cli::input::{EncodingChoice, InputOptions};
///
/// let options = InputOptions { encoding: EncodingChoice::Gb18030, sheet: None };
/// assert_eq!(InputOptions::default().encoding, EncodingChoice::Auto);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// The text encoding of a CSV file (workbooks hold Unicode text and take only `Auto`).
    pub encoding: EncodingChoice,
    /// The sheet of a workbook to read; `None` = the first sheet.
    pub sheet: Option<String>,
}

/// Streams the rows of a CSV file or a workbook sheet.
///
/// ```
/// use shiming_cli::input::{Input, TextEncoding};
///
/// let mut input = Input::from_csv(&b"id_card,name\n110105194912310021,x\n"[..], TextEncoding::Utf8)?;
/// while let Some(row) = input.next_row()? {
///     assert_eq!(row.line, 2);
/// }
/// # Ok::<(), shiming_cli::input::FileError>(())
/// ```
pub struct Input {
    rows: Rows,
    /// What `auto` decided, when it had to decide something worth saying.
    notice: Option<String>,
    total: Total,
}

/// How to tell the number of data rows, for a progress bar.
enum Total {
    Known(Option<u64>),
    /// Count the file's line breaks when asked (a file read once more; not for stdin).
    CountLinesOf(Option<std::path::PathBuf>),
}

enum Rows {
    Csv(Box<CsvRows<Box<dyn Read>>>),
    Workbook(WorkbookRows),
}

impl Input {
    /// Opens `path` (`-` for standard input, read as CSV) and reads its header. A path ending
    /// in `.xlsx`, `.xlsm`, `.xlsb`, `.xls` or `.ods` is read as a workbook.
    ///
    /// ```no_run
    /// use shiming_cli::input::{Input, InputOptions};
    ///
    /// let input = Input::open("people.xlsx".as_ref(), &InputOptions::default())?;
    /// # Ok::<(), shiming_cli::input::FileError>(())
    /// ```
    pub fn open(path: &Path, options: &InputOptions) -> Result<Input, FileError> {
        if workbook::is_workbook(path) {
            if options.encoding != EncodingChoice::Auto {
                return Err(FileError::EncodingOnWorkbook);
            }
            let rows = WorkbookRows::open(path, options.sheet.as_deref())?;
            let total = rows
                .last_row()
                .map(|last| last.saturating_sub(rows.header_row()));
            return Ok(Input {
                rows: Rows::Workbook(rows),
                notice: None,
                total: Total::Known(total),
            });
        }
        if options.sheet.is_some() {
            return Err(FileError::SheetOnCsv);
        }
        let display = path.display().to_string();
        let (source, encoding, notice): (Box<dyn Read>, _, _) = if path.as_os_str() == "-" {
            let (source, encoding, notice) =
                encoding::resolve_stream(std::io::stdin().lock(), options.encoding)
                    .map_err(|e| FileError::read(&display, e))?;
            (Box::new(source), encoding, notice)
        } else {
            let (encoding, notice) = encoding::resolve_file(path, options.encoding)
                .map_err(|e| FileError::read(&display, e))?;
            let file = File::open(path).map_err(|e| FileError::read(&display, e))?;
            (Box::new(file), encoding, notice)
        };
        let rows = CsvRows::new(source, encoding, &display)?;
        Ok(Input {
            rows: Rows::Csv(Box::new(rows)),
            notice,
            total: Total::CountLinesOf((path.as_os_str() != "-").then(|| path.to_path_buf())),
        })
    }

    /// Reads CSV from any reader in a known encoding (what [`Input::open`] does after choosing
    /// it): the fuzz target and tests use this.
    ///
    /// ```
    /// use shiming_cli::input::{Input, TextEncoding};
    ///
    /// assert!(Input::from_csv(&b"nom,numero\n"[..], TextEncoding::Utf8).is_err());
    /// ```
    pub fn from_csv(
        source: impl Read + 'static,
        encoding: TextEncoding,
    ) -> Result<Input, FileError> {
        let rows = CsvRows::new(Box::new(source) as Box<dyn Read>, encoding, "the input")?;
        Ok(Input {
            rows: Rows::Csv(Box::new(rows)),
            notice: None,
            total: Total::Known(None),
        })
    }

    /// The next row, `Ok(None)` at the end, or an error that stops the batch (the file cannot
    /// be read any further).
    pub fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        match &mut self.rows {
            Rows::Csv(rows) => rows.next_row(),
            Rows::Workbook(rows) => rows.next_row(),
        }
    }

    /// What encoding detection decided, when it was not plain UTF-8 — for stderr.
    ///
    /// ```
    /// use shiming_cli::input::{Input, TextEncoding};
    ///
    /// let input = Input::from_csv(&b"name,id_card\n"[..], TextEncoding::Utf8).unwrap();
    /// assert!(input.notice().is_none());
    /// ```
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// About how many data rows the input has (for a progress bar): a CSV file's line breaks
    /// are counted when this is called (one more read of the file), a sheet's rows are known.
    ///
    /// ```
    /// use shiming_cli::input::{Input, TextEncoding};
    ///
    /// let input = Input::from_csv(&b"name,id_card\n"[..], TextEncoding::Utf8).unwrap();
    /// assert_eq!(input.rows_hint(), None);
    /// ```
    pub fn rows_hint(&self) -> Option<u64> {
        match &self.total {
            Total::Known(total) => *total,
            Total::CountLinesOf(path) => count_lines(path.as_deref()?).map(|l| l.saturating_sub(1)),
        }
    }
}

/// A text file opened for reading line by line (what `shiming check --file` reads): the raw
/// bytes, split on `\n` by the caller, then decoded with [`TextEncoding::decode`].
///
/// ```
/// use std::io::BufRead;
/// use shiming_cli::input::{open_lines, EncodingChoice, TextEncoding};
///
/// let path = std::env::temp_dir().join(format!("open-lines-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, b"\xd5\xc5\xc8\xfd\n")?;
/// let mut lines = open_lines(&path, EncodingChoice::Auto)?;
/// assert_eq!(lines.encoding, TextEncoding::Gb18030);
/// assert!(lines.notice.is_some());
/// let mut line = Vec::new();
/// lines.reader.read_until(b'\n', &mut line)?;
/// assert_eq!(lines.encoding.decode(&line).as_deref(), Some("张三\n"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Lines {
    /// The file's bytes (standard input's for `-`).
    pub reader: Box<dyn std::io::BufRead>,
    /// The encoding to decode each line with.
    pub encoding: TextEncoding,
    /// What `auto` decided, when it chose something other than UTF-8 — for stderr.
    pub notice: Option<String>,
}

/// Opens `path` (`-` for standard input) as text lines in the encoding `choice` resolves to.
/// See [`Lines`].
pub fn open_lines(path: &Path, choice: EncodingChoice) -> Result<Lines, FileError> {
    const BUFFER: usize = 64 * 1024;
    let display = path.display().to_string();
    if path.as_os_str() == "-" {
        let (source, encoding, notice) = encoding::resolve_stream(std::io::stdin(), choice)
            .map_err(|e| FileError::read(&display, e))?;
        return Ok(Lines {
            reader: Box::new(std::io::BufReader::with_capacity(BUFFER, source)),
            encoding,
            notice,
        });
    }
    let (encoding, notice) =
        encoding::resolve_file(path, choice).map_err(|e| FileError::read(&display, e))?;
    let file = File::open(path).map_err(|e| FileError::read(&display, e))?;
    Ok(Lines {
        reader: Box::new(std::io::BufReader::with_capacity(BUFFER, file)),
        encoding,
        notice,
    })
}

/// Counts the newline bytes of a file in constant memory (`None` if it cannot be read).
fn count_lines(path: &Path) -> Option<u64> {
    let mut file = File::open(path).ok()?;
    let mut buffer = vec![0u8; 1 << 16];
    let mut count = 0u64;
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Some(count),
            Ok(n) => count += buffer[..n].iter().filter(|&&b| b == b'\n').count() as u64,
            Err(_) => return None,
        }
    }
}

/// Finds the `name`, `id_card` and `mobile` columns of a header: by those names or the Chinese
/// ones spreadsheets use (姓名; 身份证号, 身份证号码, 身份证, 证件号码; 手机号, 手机号码,
/// 手机), case-insensitive, trimmed, a leading byte-order mark ignored.
struct Columns {
    name: usize,
    id_card: usize,
    mobile: Option<usize>,
}

/// The header names of each column.
const NAME: &[&str] = &["name", "姓名"];
const ID_CARD: &[&str] = &["id_card", "身份证号", "身份证号码", "身份证", "证件号码"];
const MOBILE: &[&str] = &["mobile", "手机号", "手机号码", "手机"];

impl Columns {
    fn find<'a>(header: impl Iterator<Item = Option<&'a str>> + Clone) -> Option<Columns> {
        let position = |wanted: &[&str]| {
            header.clone().position(|h| {
                h.is_some_and(|h| {
                    let h = h.trim().trim_start_matches('\u{feff}');
                    wanted.iter().any(|w| h.eq_ignore_ascii_case(w))
                })
            })
        };
        Some(Columns {
            name: position(NAME)?,
            id_card: position(ID_CARD)?,
            mobile: position(MOBILE),
        })
    }
}
