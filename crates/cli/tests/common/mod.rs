//! What the console's process tests and browser tests share: starting `shiming console` and
//! comparing the CSV a batch wrote.

// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// A running `shiming console` on a free loopback port, killed when dropped.
pub struct Console {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Console {
    /// Starts `shiming console --listen 127.0.0.1:0` with `args`, the AppCode `appcode` in
    /// the environment (if any) and no configuration or token from the test's environment;
    /// waits for the address its first stdout line gives.
    pub fn start(args: &[&str], appcode: Option<&str>, stderr: Stdio) -> Console {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shiming"));
        command
            .args(["console", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("SHIMING_APPCODE")
            .env_remove("SHIMING_CONFIG")
            .env_remove("SHIMING_CONSOLE_TOKEN")
            .stdout(Stdio::piped())
            .stderr(stderr);
        if let Some(code) = appcode {
            command.env("SHIMING_APPCODE", code);
        }
        let mut child = command.spawn().expect("run shiming console");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the console's first line");
        let addr = line
            .trim()
            .strip_prefix("console on http://")
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("not the console's first line: {line:?}"));
        Console { child, addr }
    }

    /// The page's address, `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// A batch's output rows without the request id (the market's, different on each run),
/// sorted, each as its fields joined: two runs of the same file compare equal.
pub fn comparable(csv: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let skip = headers.iter().position(|h| h == "request_id").unwrap();
    let mut rows: Vec<String> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            r.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    rows.sort();
    rows
}
