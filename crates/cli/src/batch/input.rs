//! The input CSV: a header naming `name`, `id_card` and (optionally) `mobile`, read one
//! record at a time so that memory does not grow with the file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// One data row: its line number in the input (the header is line 1) and its values, or why
/// the row cannot be used.
pub struct Row {
    pub line: u64,
    pub fields: Result<Fields, String>,
}

/// A row's values as written in the file (not yet validated).
pub struct Fields {
    pub name: String,
    pub id_card: String,
    pub mobile: Option<String>,
}

/// Streams the rows of a CSV file.
pub struct Input {
    reader: csv::Reader<Box<dyn Read>>,
    name: usize,
    id_card: usize,
    mobile: Option<usize>,
    record: csv::ByteRecord,
}

impl Input {
    /// Opens `path` (`-` for stdin) and reads its header.
    pub fn open(path: &Path) -> Result<Input, String> {
        let source: Box<dyn Read> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?)
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(source);
        let header = reader
            .byte_headers()
            .map_err(|e| format!("{}: cannot read the header: {e}", path.display()))?
            .clone();
        let column = |wanted: &str| {
            header.iter().position(|h| {
                std::str::from_utf8(h).is_ok_and(|h| {
                    h.trim()
                        .trim_start_matches('\u{feff}')
                        .eq_ignore_ascii_case(wanted)
                })
            })
        };
        let (Some(name), Some(id_card)) = (column("name"), column("id_card")) else {
            return Err(format!(
                "{}: the first line must be a header naming the columns name, id_card and (optionally) mobile",
                path.display()
            ));
        };
        Ok(Input {
            reader,
            name,
            id_card,
            mobile: column("mobile"),
            record: csv::ByteRecord::new(),
        })
    }

    /// The next row, `Ok(None)` at the end, or an error that stops the batch (unreadable file).
    pub fn next_row(&mut self) -> Result<Option<Row>, String> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = self.record.position().map_or(0, csv::Position::line);
                Ok(Some(Row {
                    line,
                    fields: self.fields(),
                }))
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => Err(format!("cannot read the input: {e}")),
                // A malformed record: report it as that row's problem and go on.
                _ => {
                    let line = e.position().map_or(0, csv::Position::line);
                    Ok(Some(Row {
                        line,
                        fields: Err("malformed CSV record".to_string()),
                    }))
                }
            },
        }
    }

    fn fields(&self) -> Result<Fields, String> {
        let field = |i: usize, what: &str| -> Result<String, String> {
            let raw = self
                .record
                .get(i)
                .ok_or_else(|| format!("the row has no {what} column"))?;
            std::str::from_utf8(raw)
                .map(|s| s.trim().to_string())
                .map_err(|_| format!("{what} is not valid UTF-8"))
        };
        let mobile = match self.mobile {
            Some(i) if self.record.get(i).is_some() => Some(field(i, "mobile")?),
            _ => None,
        };
        Ok(Fields {
            name: field(self.name, "name")?,
            id_card: field(self.id_card, "id_card")?,
            mobile: mobile.filter(|m| !m.is_empty()),
        })
    }
}

/// Counts the newline bytes of a file (for the progress bar's length), in constant memory.
pub fn count_lines(path: &Path) -> Option<u64> {
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
