//! What can be wrong with an input file (it cannot be used at all) or with one of its rows (the
//! row is refused locally and never sent). Messages name the column and say how to fix the
//! file; they never contain a value from it.

/// Why an input file cannot be read (the batch does not start, or stops).
///
/// ```
/// use shiming_cli::input::{Input, FileError, TextEncoding};
///
/// let e = Input::from_csv(&b"nom,numero\n"[..], TextEncoding::Utf8).err().unwrap();
/// assert!(matches!(e, FileError::NoHeader { .. }));
/// assert!(e.to_string().contains("name (姓名), id_card (身份证号)"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file cannot be opened or read.
    #[error("cannot read {what}: {source}")]
    Read {
        /// The file.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// No header names the columns (a CSV file's first row; a sheet's first row that does).
    #[error("{what}: no header row naming the columns name (姓名), id_card (身份证号) and, optionally, mobile (手机号); in a CSV file it must be the first row")]
    NoHeader {
        /// The file (and sheet).
        what: String,
    },
    /// The header row is not valid text in the encoding the file is read in.
    #[error("{what}: the header row is not valid {encoding}{hint}", hint = gbk_hint(.encoding))]
    HeaderNotDecodable {
        /// The file.
        what: String,
        /// The encoding the file is read in.
        encoding: &'static str,
    },
    /// The workbook cannot be read (not a workbook, encrypted, damaged).
    #[error("cannot read the workbook {what}: {reason}")]
    Workbook {
        /// The file.
        what: String,
        /// What the reader said.
        reason: String,
    },
    /// `--sheet` names a sheet the workbook does not have.
    #[error("{what} has no sheet named {wanted:?}; its sheets are: {sheets}")]
    NoSuchSheet {
        /// The file.
        what: String,
        /// The sheet asked for.
        wanted: String,
        /// The sheets it has, comma-separated.
        sheets: String,
    },
    /// `--encoding` was given for a workbook, whose text is Unicode already.
    #[error("--encoding applies to CSV input; a workbook's text needs no encoding")]
    EncodingOnWorkbook,
    /// `--sheet` was given for a CSV file.
    #[error("--sheet applies to workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods), not to CSV input")]
    SheetOnCsv,
}

impl FileError {
    pub(crate) fn read(what: &str, source: std::io::Error) -> FileError {
        FileError::Read {
            what: what.to_string(),
            source,
        }
    }
}

/// Why one row cannot be used; the row is written as `invalid_input` and never sent.
///
/// ```
/// use shiming_cli::input::{Input, RowProblem, TextEncoding};
///
/// let mut input = Input::from_csv(&b"name,id_card\n\xd5\xc5,1\n"[..], TextEncoding::Utf8).unwrap();
/// let problem = input.next_row().unwrap().unwrap().fields.unwrap_err();
/// assert_eq!(problem.to_string(), "name is not valid UTF-8 (give --encoding gb18030 for a GBK file)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowProblem {
    /// The row is shorter than the header: it has no such column.
    #[error("the row has no {column} column")]
    MissingColumn {
        /// `name`, `id_card` or `mobile`.
        column: &'static str,
    },
    /// A value is not valid text in the file's encoding.
    #[error("{column} is not valid {encoding}{hint}", hint = gbk_hint(.encoding))]
    NotDecodable {
        /// The column.
        column: &'static str,
        /// The encoding the file is read in.
        encoding: &'static str,
    },
    /// The CSV record cannot be parsed.
    #[error("malformed CSV record")]
    Malformed,
    /// The workbook stores the ID number as a number: Excel keeps 15 significant digits, so the
    /// last digits of an 18-digit number are already gone and cannot be recovered.
    #[error("id_card is stored in the workbook as a number ({shown}), which keeps only 15 significant digits: the ID number's last digits are lost. Format the id_card column as Text (设置单元格格式 → 文本), enter the numbers again and save; a CSV exported from the source system keeps them too")]
    IdCardStoredAsNumber {
        /// The value as Excel's General format shows it, e.g. `1.10105E+17`.
        shown: String,
    },
    /// A cell holds something other than text (a date, a truth value, a fraction, an error).
    #[error("{column} holds {what}, not text; format the column as Text (设置单元格格式 → 文本)")]
    NotText {
        /// The column.
        column: &'static str,
        /// What it holds, e.g. `a date`.
        what: &'static str,
    },
}

/// A value that is not UTF-8 is most often GBK from Excel: say how to read it.
fn gbk_hint(encoding: &str) -> &'static str {
    if encoding == "UTF-8" {
        " (give --encoding gb18030 for a GBK file)"
    } else {
        ""
    }
}
