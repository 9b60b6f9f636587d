//! CSV rows: parsed on the raw bytes, numbered by physical line, decoded one value at a time.

use std::io::Read;

use super::breaks::Breaks;
use super::{Columns, Fields, FileError, Row, RowProblem, TextEncoding};

/// Streams the data rows of a CSV source.
pub(crate) struct CsvRows<R: Read> {
    reader: csv::Reader<Breaks<R>>,
    columns: Columns,
    encoding: TextEncoding,
    record: csv::ByteRecord,
}

impl<R: Read> CsvRows<R> {
    /// Reads the header of `source` (`what` names it in errors).
    pub(crate) fn new(
        source: R,
        encoding: TextEncoding,
        what: &str,
    ) -> Result<CsvRows<R>, FileError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(Breaks::new(source));
        let header = match reader.byte_headers() {
            Ok(header) => header.clone(),
            Err(e) => match e.into_kind() {
                csv::ErrorKind::Io(e) => return Err(FileError::read(what, e)),
                _ => {
                    return Err(FileError::NoHeader {
                        what: what.to_string(),
                    })
                }
            },
        };
        let names: Vec<_> = header.iter().map(|h| encoding.decode(h)).collect();
        if names.iter().any(Option::is_none)
            && Columns::find(names.iter().map(Option::as_deref)).is_none()
        {
            return Err(FileError::HeaderNotDecodable {
                what: what.to_string(),
                encoding: encoding.name(),
            });
        }
        let columns = Columns::find(names.iter().map(Option::as_deref)).ok_or_else(|| {
            FileError::NoHeader {
                what: what.to_string(),
            }
        })?;
        Ok(CsvRows {
            reader,
            columns,
            encoding,
            record: csv::ByteRecord::new(),
        })
    }

    /// The next row, `Ok(None)` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let start = self.record.position().map_or(0, csv::Position::byte);
                let line = self.reader.get_mut().line_at(start);
                Ok(Some(Row {
                    line,
                    fields: self.fields(),
                }))
            }
            Err(e) => {
                let start = e.position().map(csv::Position::byte);
                match e.into_kind() {
                    csv::ErrorKind::Io(e) => Err(FileError::read("the input", e)),
                    // A malformed record: that row's problem; go on.
                    _ => Ok(Some(Row {
                        line: self.reader.get_mut().line_at(start.unwrap_or(0)),
                        fields: Err(RowProblem::Malformed),
                    })),
                }
            }
        }
    }

    fn fields(&self) -> Result<Fields, RowProblem> {
        let field = |i: usize, column: &'static str| -> Result<String, RowProblem> {
            let raw = self
                .record
                .get(i)
                .ok_or(RowProblem::MissingColumn { column })?;
            self.encoding
                .decode(raw)
                .map(|s| s.trim().to_string())
                .ok_or(RowProblem::NotDecodable {
                    column,
                    encoding: self.encoding.name(),
                })
        };
        let mobile = match self.columns.mobile {
            Some(i) if self.record.get(i).is_some() => Some(field(i, "mobile")?),
            _ => None,
        };
        Ok(Fields {
            name: field(self.columns.name, "name")?,
            id_card: field(self.columns.id_card, "id_card")?,
            mobile: mobile.filter(|m| !m.is_empty()),
        })
    }
}
