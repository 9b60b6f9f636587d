//! A private `redis-server` on a free loopback port (no persistence), killed when dropped, and
//! the figures of its `INFO`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// The `redis-server` binary to run (default `redis-server` on the `PATH`), as in the tests.
const SERVER_ENV: &str = "SHIMING_REDIS_SERVER";

/// A running `redis-server` on `127.0.0.1`.
pub struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one and waits until it answers `PING`.
    pub fn start() -> Result<RedisServer> {
        let binary = std::env::var(SERVER_ENV).unwrap_or_else(|_| "redis-server".into());
        let port = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?
            .local_addr()?
            .port();
        let dir =
            std::env::temp_dir().join(format!("shiming-bench-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(&binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start `{binary}` ({e}): apt-get install -y redis-server")
            })?;
        let server = RedisServer { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ping(port) {
            if Instant::now() > deadline {
                return Err(format!("redis-server on port {port} did not answer PING").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

/// A connection for `INFO` and `FLUSHALL`, beside the store's own.
pub struct Admin(redis::aio::MultiplexedConnection);

/// What `INFO` says, summed where the benchmark needs a sum.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// `used_cpu_sys + used_cpu_user`, seconds.
    pub cpu: f64,
    /// `total_commands_processed` (each script run by `EVALSHA` counts one; so does each
    /// `INFO` of this benchmark).
    pub commands: u64,
    /// `cmdstat_evalsha`'s `calls`.
    pub evalsha: u64,
    /// `cmdstat_evalsha`'s `usec`: time spent running the scripts.
    pub evalsha_usec: u64,
    /// Every `cmdstat_<command>`: `calls` and `usec` (commands run inside scripts count too).
    pub by_command: BTreeMap<String, (u64, u64)>,
}

impl Stats {
    /// `self - before`.
    pub fn since(&self, before: &Stats) -> Stats {
        Stats {
            cpu: self.cpu - before.cpu,
            commands: self.commands.saturating_sub(before.commands),
            evalsha: self.evalsha.saturating_sub(before.evalsha),
            evalsha_usec: self.evalsha_usec.saturating_sub(before.evalsha_usec),
            by_command: self
                .by_command
                .iter()
                .map(|(name, &(calls, usec))| {
                    let (c, u) = before.by_command.get(name).copied().unwrap_or_default();
                    (
                        name.clone(),
                        (calls.saturating_sub(c), usec.saturating_sub(u)),
                    )
                })
                .filter(|(_, (calls, _))| *calls > 0)
                .collect(),
        }
    }
}

impl Admin {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Result<Admin> {
        let client = redis::Client::open(url)?;
        Ok(Admin(client.get_multiplexed_async_connection().await?))
    }

    /// Empties the server.
    pub async fn flush(&mut self) -> Result<()> {
        redis::cmd("FLUSHALL")
            .query_async::<()>(&mut self.0)
            .await?;
        Ok(())
    }

    /// The figures of `INFO all` now.
    pub async fn stats(&mut self) -> Result<Stats> {
        let info: String = redis::cmd("INFO")
            .arg("all")
            .query_async(&mut self.0)
            .await?;
        Ok(parse_info(&info))
    }
}

fn parse_info(info: &str) -> Stats {
    let mut stats = Stats::default();
    for line in info.lines() {
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        match key {
            "used_cpu_sys" | "used_cpu_user" => stats.cpu += value.parse().unwrap_or(0.0),
            "total_commands_processed" => stats.commands = value.parse().unwrap_or(0),
            _ => {
                let Some(command) = key.strip_prefix("cmdstat_") else {
                    continue;
                };
                let (mut calls, mut usec) = (0, 0);
                for field in value.split(',') {
                    match field.split_once('=') {
                        Some(("calls", n)) => calls = n.parse().unwrap_or(0),
                        Some(("usec", n)) => usec = n.parse().unwrap_or(0),
                        _ => {}
                    }
                }
                if command == "evalsha" {
                    (stats.evalsha, stats.evalsha_usec) = (calls, usec);
                }
                stats.by_command.insert(command.to_string(), (calls, usec));
            }
        }
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_is_read() {
        let info = "# Stats\r\ntotal_commands_processed:42\r\n# CPU\r\nused_cpu_sys:1.5\r\n\
                    used_cpu_user:2.25\r\nused_cpu_sys_children:9.0\r\n# Commandstats\r\n\
                    cmdstat_evalsha:calls=7,usec=70,usec_per_call=10.00,rejected_calls=0\r\n";
        let s = parse_info(info);
        assert_eq!(s.commands, 42);
        assert!((s.cpu - 3.75).abs() < 1e-9);
        assert_eq!((s.evalsha, s.evalsha_usec), (7, 70));
        assert_eq!(s.by_command["evalsha"], (7, 70));
    }
}
