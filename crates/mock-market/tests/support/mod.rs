//! A deliberately small HTTP/1.1 client over `std::net::TcpStream`, so that tests speak to the
//! mock market over real sockets and can also send what a well-behaved client never would.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

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

/// How long [`raw`] waits for the server to answer and close the connection.
pub const WAIT: Duration = Duration::from_secs(20);

/// How a raw exchange ended. A test says which endings it accepts; waiting in vain is an
/// ending of its own, never mistaken for the server closing the connection.
#[derive(Debug)]
pub enum Exchange {
    /// A complete answer (the whole body its `Content-Length` announced), then the server
    /// closed the connection.
    Answered(Reply),
    /// The server closed the connection (end of stream or reset) before a complete answer;
    /// the bytes it had sent.
    Closed(Vec<u8>),
    /// The server neither completed an answer and closed, nor closed, within the wait; the
    /// bytes it had sent.
    TimedOut(Vec<u8>),
}

impl Exchange {
    /// The answer; panics (naming how the exchange ended) when there was none.
    #[track_caller]
    pub fn unwrap(self) -> Reply {
        self.expect("an answer")
    }

    /// The answer; panics with `what` (and how the exchange ended) when there was none.
    #[track_caller]
    pub fn expect(self, what: &str) -> Reply {
        match self {
            Exchange::Answered(reply) => reply,
            other => panic!("{what} expected, got {}", other.describe()),
        }
    }

    /// Whether the server closed the connection without a complete answer (not: timed out).
    pub fn is_closed(&self) -> bool {
        matches!(self, Exchange::Closed(_))
    }

    /// A short description for assertion messages.
    pub fn describe(&self) -> String {
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Exchange::Answered(r) => format!("an answer ({} {:?})", r.status, r.text()),
            Exchange::Closed(b) => format!("closed by the server after {:?}", lossy(b)),
            Exchange::TimedOut(b) => {
                format!("no close within the wait (received {:?})", lossy(b))
            }
        }
    }
}

/// Sends raw bytes and reads until the server closes the connection, for at most [`WAIT`].
pub fn raw(addr: SocketAddr, request: &[u8]) -> Exchange {
    raw_within(addr, request, WAIT)
}

/// [`raw`] with another wait.
pub fn raw_within(addr: SocketAddr, request: &[u8], wait: Duration) -> Exchange {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(request).expect("write");
    read_until_closed(&mut stream, wait)
}

/// Reads from `stream` until the server closes it or `wait` has passed. Once the wait is over,
/// what has already arrived (an answer, the close) is still read: a zero wait only looks.
pub fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Exchange {
    let deadline = Instant::now() + wait;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).expect("read timeout");
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Exchange::TimedOut(buf);
            }
            // Reset, aborted, broken: the server closed the connection.
            Err(_) => break,
        }
    }
    match parse(&buf) {
        Some(reply) if complete(&reply) => Exchange::Answered(reply),
        _ => Exchange::Closed(buf),
    }
}

/// Whether the body is as long as the answer's `Content-Length` says (when it says).
fn complete(reply: &Reply) -> bool {
    reply
        .header("content-length")
        .map_or(true, |n| n.parse() == Ok(reply.body.len()))
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
) -> Exchange {
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
) -> Exchange {
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
