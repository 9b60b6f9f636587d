//! Trace capture: a `tracing` subscriber at `TRACE` level whose output is kept, to check that
//! spans and events never carry personal data or credentials.

use std::future::Future;
use std::sync::{Arc, Mutex};

/// A writer that keeps everything `tracing` prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with a `TRACE`-level `fmt` subscriber (no colours) as this thread's default, and
/// returns its result with everything the subscriber printed meanwhile.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let bytes = captured.0.lock().map(|b| b.clone()).unwrap_or_default();
    (result, String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `future` to completion on a current-thread runtime (time and I/O enabled) under
/// [`capture`]: every span and event of the future is recorded. (A mock market serves on a
/// thread of its own, so its own logging is not.)
pub fn traced<F: Future>(future: F) -> (F::Output, String) {
    capture(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
            .block_on(future)
    })
}
