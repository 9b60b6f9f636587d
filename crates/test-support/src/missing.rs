//! What the harnesses of outside programs (`redis-server`, Chromium) share: a test that cannot
//! run for want of one fails when it is required and is otherwise recorded, loudly; and a free
//! loopback port for the program to listen on.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;

/// `test` cannot run because `binary` is not installed: panics when `require_env` is set
/// (with `install_hint`), otherwise says so on stderr and records the test's name in
/// `skipped_dir`, where `cargo xtask ci` lists it.
pub(crate) fn record(
    test: &str,
    binary: &str,
    require_env: &str,
    install_hint: &str,
    skipped_dir: &Path,
) {
    assert!(
        std::env::var_os(require_env).is_none(),
        "{test}: `{binary}` is not installed and {require_env} is set: install it ({install_hint})"
    );
    eprintln!(
        "*** {test} DID NOT RUN: `{binary}` is not installed ({install_hint}); \
         set {require_env}=1 to make this a failure ***"
    );
    if std::fs::create_dir_all(skipped_dir).is_ok() {
        let _ = std::fs::write(skipped_dir.join(test), binary);
    }
}

/// A port nothing listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
