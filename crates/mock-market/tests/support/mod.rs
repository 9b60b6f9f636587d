//! A deliberately small HTTP/1.1 client over `std::net::TcpStream`, so that tests speak to the
//! mock market over real sockets and can also send what a well-behaved client never would.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A parsed answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends raw bytes, reads until the server closes; `None` when it closed without answering.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Option<Reply> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request).expect("write");
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    parse(&buf)
}

pub fn parse(buf: &[u8]) -> Option<Reply> {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = buf[split + 4..].to_vec();
    Some(Reply {
        status,
        headers,
        body,
    })
}

/// Builds and sends one request with `Connection: close`.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Reply> {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// Percent-encodes a query value (RFC 3986 unreserved kept).
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub const APPCODE: &str = shiming_mock_market::config::DEMO_APPCODE;

pub fn appcode_header() -> (&'static str, String) {
    ("Authorization", format!("APPCODE {APPCODE}"))
}

/// `GET /mobile` (tel3) with the demo AppCode and extra headers.
pub fn tel3(
    addr: SocketAddr,
    name: &str,
    id: &str,
    mobile: &str,
    extra: &[(&str, &str)],
) -> Option<Reply> {
    let target = format!(
        "/mobile?xm={}&sfz={}&mob={}",
        enc(name),
        enc(id),
        enc(mobile)
    );
    let auth = format!("APPCODE {APPCODE}");
    let mut headers = vec![("Authorization", auth.as_str())];
    headers.extend_from_slice(extra);
    send(addr, "GET", &target, &headers, b"")
}

/// The demo AppCode header as borrowed strings.
pub fn appcode_header_ref() -> (&'static str, &'static str) {
    ("Authorization", "APPCODE shimingdemoappcode0000000000000")
}
