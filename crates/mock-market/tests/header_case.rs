//! Header names on the wire are spelled the way the real gateway spells them
//! (`X-Ca-Request-Id`, `X-Ca-Error-Message`, `X-Ca-Error-Code`, `Content-Type`): Aliyun's Java
//! demo looks them up case-sensitively. Read from raw response bytes, not through a client that
//! would fold the case.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::MockMarket;

/// Writes `request` and returns the response head (status line and header lines) as sent.
fn raw_head(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    String::from_utf8(bytes[..end].to_vec()).expect("an ASCII head")
}

/// The header names of a response head, exactly as written.
fn names(head: &str) -> Vec<&str> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':').map(|(name, _)| name))
        .collect()
}

fn get(target: &str, authorization: &str) -> String {
    format!(
        "GET {target} HTTP/1.1\r\nHost: tel3.market.alicloudapi.com\r\nConnection: close\r\n\
         Authorization: {authorization}\r\nX-Mock-Scenario: tel3/success\r\n\r\n"
    )
}

#[test]
fn a_vendor_answer_spells_its_header_names_like_the_gateway() {
    let market = MockMarket::start().unwrap();
    let head = raw_head(
        market.addr(),
        &get("/mobile", &format!("APPCODE {DEMO_APPCODE}")),
    );
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let names = names(&head);
    for expected in ["X-Ca-Request-Id", "Content-Type", "Content-Length", "Date"] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    // Every name starts each dash-separated word with a capital letter.
    for name in &names {
        let title = name
            .split('-')
            .all(|word| word.starts_with(|c: char| c.is_ascii_uppercase()));
        assert!(title, "{name} is not in the gateway's spelling: {head}");
    }
}

#[test]
fn a_gateway_error_spells_its_header_names_like_the_gateway() {
    let market = MockMarket::start().unwrap();
    let head = raw_head(market.addr(), &get("/mobile", "APPCODE not-a-code"));
    assert!(head.starts_with("HTTP/1.1 400 "), "{head}");
    assert!(
        head.contains("\r\nX-Ca-Error-Message: Invalid AppCode `not exists`"),
        "{head}"
    );
    assert!(head.contains("\r\nX-Ca-Request-Id: "), "{head}");
    assert!(!head.to_ascii_lowercase().contains("x-ca-error-code"));
    assert!(!head.contains("x-ca-"), "{head}");

    let vpc = MockMarket::builder().vpc_error_codes(true).start().unwrap();
    let head = raw_head(vpc.addr(), &get("/mobile", "APPCODE not-a-code"));
    let names = names(&head);
    for expected in ["X-Ca-Error-Code", "X-Ca-Error-Message", "X-Ca-Request-Id"] {
        assert!(names.contains(&expected), "{expected} missing: {head}");
    }
    assert!(head.contains("\r\nX-Ca-Error-Code: A400AC\r\n"), "{head}");
}
