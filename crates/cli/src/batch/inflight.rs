//! The in-flight journal beside the output (`<output>.inflight`): the line number of every row
//! is appended and handed to the operating system **before** the row is sent. After a crash,
//! a line listed here without a result in the output was (or may have been) sent and charged:
//! `--resume` reports it as interrupted instead of sending it again. A row the router refused
//! locally after it was recorded (a budget exhausted: nothing sent) is cancelled with a line
//! `-<line>`, so that `--resume` sends it rather than report it. A run that finishes removes
//! the journal.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::lines::LineSet;

const HEADER: &str =
    "# shiming batch: input lines sent whose answer may not be in the output yet\n";

/// The journal file of `output`.
pub fn path_of(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".inflight");
    PathBuf::from(name)
}

/// The lines an earlier run recorded as sent that have no result in `done`, each once, in
/// the order they were sent (an absent journal has none). A last line cut short by a kill is
/// ignored: its row was not sent, since sending waits for the write. Read as a stream: the
/// journal lists every row the earlier run sent, but only the few without a result are kept.
pub fn interrupted(path: &Path, done: &LineSet) -> Result<Vec<u64>, String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut lines = Vec::new();
    let mut seen = LineSet::default();
    let mut reader = BufReader::new(file);
    let mut buffer = String::new();
    loop {
        buffer.clear();
        let n = reader
            .read_line(&mut buffer)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        if !buffer.ends_with('\n') || buffer.starts_with('#') {
            continue;
        }
        let text = buffer.trim();
        if let Some(cancelled) = text.strip_prefix('-') {
            if let Ok(line) = cancelled.parse::<u64>() {
                lines.retain(|&l| l != line);
                seen.remove(line);
            }
        } else if let Ok(line) = text.parse::<u64>() {
            if !done.contains(line) && seen.insert(line) {
                lines.push(line);
            }
        }
    }
    Ok(lines)
}

/// Appends sent lines.
pub struct Journal {
    file: File,
    path: PathBuf,
    buffer: String,
}

impl Journal {
    /// Starts a fresh journal at `path` (an old one must have been settled first).
    pub fn create(path: &Path) -> Result<Journal, String> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        file.write_all(HEADER.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            buffer: String::with_capacity(24),
        })
    }

    /// Records that `line` is about to be sent (one write: complete once this returns).
    pub fn record(&mut self, line: u64) -> std::io::Result<()> {
        use std::fmt::Write as _;
        self.buffer.clear();
        let _ = writeln!(self.buffer, "{line}");
        self.file.write_all(self.buffer.as_bytes())
    }

    /// Records that `line`, recorded before, was not sent after all (refused locally): an
    /// interrupted run's `--resume` sends it again.
    pub fn cancel(&mut self, line: u64) -> std::io::Result<()> {
        use std::fmt::Write as _;
        self.buffer.clear();
        let _ = writeln!(self.buffer, "-{line}");
        self.file.write_all(self.buffer.as_bytes())
    }

    /// Removes the journal once every sent row has its result in the output.
    pub fn finish(&mut self) -> std::io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("shiming-inflight-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn interrupted_lines_are_sent_minus_done() {
        let dir = temp_dir("minus");
        let path = dir.join("out.csv.inflight");
        let mut j = Journal::create(&path).unwrap();
        for line in [2, 3, 4, 5, 3] {
            j.record(line).unwrap();
        }
        drop(j);
        let mut done = LineSet::default();
        done.insert(2);
        done.insert(4);
        assert_eq!(interrupted(&path, &done).unwrap(), vec![3, 5]);
        // A cancelled line was not sent: not interrupted, unless recorded again after.
        let mut j = Journal::create(&path).unwrap();
        for line in [3, 5, 6] {
            j.record(line).unwrap();
        }
        j.cancel(5).unwrap();
        j.cancel(6).unwrap();
        j.record(6).unwrap();
        drop(j);
        assert_eq!(interrupted(&path, &done).unwrap(), vec![3, 6]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn journal_round_trips_and_ignores_a_torn_last_line() {
        let dir = temp_dir("torn");
        let path = dir.join("out.csv.inflight");
        let mut j = Journal::create(&path).unwrap();
        j.record(7).unwrap();
        j.record(9).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"12").unwrap();
        let none = LineSet::default();
        assert_eq!(interrupted(&path, &none).unwrap(), vec![7, 9]);
        let mut j = Journal::create(&path).unwrap();
        j.finish().unwrap();
        assert!(interrupted(&path, &none).unwrap().is_empty());
        assert_eq!(
            path_of(Path::new("a/b.csv")),
            PathBuf::from("a/b.csv.inflight")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
