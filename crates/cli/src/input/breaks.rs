//! Physical line numbers for CSV records.
//!
//! The CSV parser reports where each record starts as a byte offset (exact), but its own line
//! counter does not count a `\r\n` ending as one line break, which made every row of a CRLF
//! file look one line earlier than it is. [`Breaks`] wraps the reader the parser reads from
//! and remembers the offsets of the line-break bytes it has handed over but the parser has not
//! yet passed; [`Breaks::line_at`] turns a record's start offset into the number of the line
//! its first byte is on. Only the breaks in the parser's read-ahead are kept, so memory stays
//! constant whatever the file size.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that notes where the line-break bytes (`\n` and `\r`) are. A line break is `\n`,
/// `\r\n` or a lone `\r` (old Mac files; the CSV parser ends records there too).
pub(crate) struct Breaks<R> {
    inner: R,
    /// Bytes handed to the parser so far.
    offset: u64,
    /// Offsets of `\r`/`\n` bytes not yet passed by [`Breaks::line_at`], each with whether it
    /// starts a new line (`false` for the `\n` of a `\r\n`).
    pending: VecDeque<(u64, bool)>,
    /// Line breaks already passed.
    passed_newlines: u64,
    /// Whether the last byte handed over was `\r`.
    after_cr: bool,
}

impl<R: Read> Breaks<R> {
    pub(crate) fn new(inner: R) -> Breaks<R> {
        Breaks {
            inner,
            offset: 0,
            pending: VecDeque::new(),
            passed_newlines: 0,
            after_cr: false,
        }
    }

    /// The 1-based line of the first byte of a record that starts at byte `start`.
    ///
    /// A record never starts with a line break (empty lines are not records), but the offset
    /// the parser gives may point at the `\n` of the previous record's `\r\n`, or at empty
    /// lines before the record: those breaks are skipped. Calls must come with
    /// non-decreasing offsets, as records do.
    pub(crate) fn line_at(&mut self, start: u64) -> u64 {
        while let Some(&(at, newline)) = self.pending.front() {
            if at >= start {
                break;
            }
            self.passed_newlines += u64::from(newline);
            self.pending.pop_front();
        }
        let mut next = start;
        while let Some(&(at, newline)) = self.pending.front() {
            if at != next {
                break;
            }
            self.passed_newlines += u64::from(newline);
            self.pending.pop_front();
            next += 1;
        }
        self.passed_newlines + 1
    }
}

impl<R: Read> Read for Breaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &byte) in buf[..n].iter().enumerate() {
            let at = self.offset + i as u64;
            match byte {
                b'\r' => self.pending.push_back((at, true)),
                b'\n' => self.pending.push_back((at, !self.after_cr)),
                _ => {}
            }
            self.after_cr = byte == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &[u8]) -> Vec<u64> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Breaks::new(text));
        let mut record = csv::ByteRecord::new();
        let mut lines = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let start = record.position().map_or(0, csv::Position::byte);
            lines.push(reader.get_mut().line_at(start));
        }
        lines
    }

    #[test]
    fn every_ending_gives_the_physical_line() {
        assert_eq!(lines_of(b"a\nb\nc\n"), [1, 2, 3]);
        assert_eq!(lines_of(b"a\r\nb\r\nc\r\n"), [1, 2, 3]);
        assert_eq!(lines_of(b"a\r\nb\r\nc"), [1, 2, 3]);
        assert_eq!(lines_of(b"a\rb\rc"), [1, 2, 3]);
        assert_eq!(lines_of(b"\xef\xbb\xbfa\r\nb\r\n"), [1, 2]);
        assert_eq!(lines_of(b"a\n\n\nb\r\n\r\nc"), [1, 4, 6]);
        assert_eq!(lines_of(b"\"x\ny\",1\r\n\"p\r\nq\r\n\",2\r\nz"), [1, 3, 6]);
    }

    #[test]
    fn memory_holds_only_the_read_ahead() {
        let text = "name,id\r\n".repeat(100_000);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(Breaks::new(text.as_bytes()));
        let mut record = csv::ByteRecord::new();
        let mut most = 0;
        let mut last = 0;
        while reader.read_byte_record(&mut record).unwrap() {
            let start = record.position().map_or(0, csv::Position::byte);
            last = reader.get_mut().line_at(start);
            most = most.max(reader.get_ref().pending.len());
        }
        assert_eq!(last, 100_000);
        assert!(most < 10_000, "{most} breaks pending");
    }
}
