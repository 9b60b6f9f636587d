//! A real `redis-server` per test, on a free port of its own, with no persistence, so that
//! tests share nothing and can kill and restart it for the fault tests.
//!
//! A machine without `redis-server` never skips silently: [`RedisServer::start`] then either
//! panics with the install command (when [`REQUIRE_ENV`] is set, as CI sets it), or says on
//! stderr which test did not run and records it under `target/redis-skipped/`, which
//! `cargo xtask ci` lists at the end.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// When set (to anything), a missing `redis-server` fails the test instead of skipping it.
pub const REQUIRE_ENV: &str = "SHIMING_REQUIRE_REDIS";

/// The `redis-server` binary to run (default `redis-server` on the `PATH`).
pub const SERVER_ENV: &str = "SHIMING_REDIS_SERVER";

/// How to install the server, said wherever it is missing.
pub const INSTALL_HINT: &str = "apt-get install -y redis-server";

/// Where the names of the tests that did not run for want of `redis-server` are recorded.
#[must_use]
pub fn skipped_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/redis-skipped")
}

/// A running `redis-server` on `127.0.0.1`, killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server for the test named `test` and waits until it answers `PING`.
    /// `None` when `redis-server` is not installed and [`REQUIRE_ENV`] is not set (the skip is
    /// said on stderr and recorded); panics when it is set, or when an installed server does
    /// not come up.
    #[must_use]
    pub fn start(test: &str) -> Option<RedisServer> {
        let binary = server_binary();
        if Command::new(&binary)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return missing(test, &binary);
        }
        let port = crate::missing::free_port();
        let dir = std::env::temp_dir().join(format!("shiming-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory for redis-server");
        let mut server = RedisServer {
            child: None,
            port,
            dir,
        };
        server.spawn();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether it answers `PING` now.
    #[must_use]
    pub fn ping(&self) -> bool {
        ping(self.port)
    }

    /// Kills it with SIGKILL (no shutdown, no save) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: nothing was persisted).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    fn spawn(&mut self) {
        let child = Command::new(server_binary())
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.ping() {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn server_binary() -> String {
    std::env::var(SERVER_ENV).unwrap_or_else(|_| "redis-server".to_string())
}

/// The test cannot run: fail under [`REQUIRE_ENV`], otherwise say so loudly and record it.
fn missing(test: &str, binary: &str) -> Option<RedisServer> {
    crate::missing::record(test, binary, REQUIRE_ENV, INSTALL_HINT, &skipped_dir());
    None
}

fn ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    matches!(stream.read(&mut reply), Ok(n) if reply[..n].starts_with(b"+PONG"))
}
