//! The `shiming-mock-market` binary: first line, serving, graceful shutdown on SIGTERM.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_its_address_first_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shiming-mock-market"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--appcode",
            "cli-code",
            "--quota",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .expect("first line format");
    assert!(first.ends_with('\n') && !addr.contains(' '), "{first:?}");
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let ok = support::send(
        addr,
        "GET",
        "/mobile",
        &[
            ("Authorization", "APPCODE cli-code"),
            ("X-Mock-Scenario", "tel3/success"),
        ],
        b"",
    )
    .unwrap();
    assert_eq!(ok.status, 200);
    let quota = support::send(
        addr,
        "GET",
        "/mobile",
        &[("Authorization", "APPCODE cli-code")],
        b"",
    )
    .unwrap();
    assert_eq!(quota.header("x-ca-error-message"), Some("Quota Exhausted"));
    let demo = support::send(
        addr,
        "GET",
        "/mobile",
        &[support::appcode_header_ref()],
        b"",
    )
    .unwrap();
    assert_eq!(
        demo.status, 400,
        "demo credentials are off when --appcode is given"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "graceful shutdown exits 0");
}

#[test]
fn bad_config_is_a_usage_error() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("mock-bad-config.json");
    std::fs::write(
        &path,
        r#"{"credentials":[{"appcode":"x","products":["nope"]}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shiming-mock-market"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--config",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown product"));
}

/// A short admin token is a usage error; a market off loopback without one says, before
/// serving, that the admin API's changes are refused.
#[test]
fn the_admin_token_is_checked_and_its_absence_off_loopback_is_announced() {
    let out = Command::new(env!("CARGO_BIN_EXE_shiming-mock-market"))
        .args(["--listen", "127.0.0.1:0", "--admin-token", "short"])
        .env_remove("SHIMING_ADMIN_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_shiming-mock-market"))
        .args(["--listen", "0.0.0.0:0"])
        .env_remove("SHIMING_ADMIN_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with("listening on http://0.0.0.0:"), "{first}");
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("admin API's changes") && err.contains("--admin-token"),
        "{err}"
    );
}
