//! The Redis harness itself: a server that answers, dies when killed, comes back on restart;
//! and a missing server is said and recorded, never skipped silently.

use shiming_test_support::redis::{skipped_dir, RedisServer, SERVER_ENV};

#[test]
fn a_server_answers_dies_and_comes_back() {
    let Some(mut server) = RedisServer::start("a_server_answers_dies_and_comes_back") else {
        return;
    };
    assert!(server.ping());
    assert!(server.url().ends_with(&format!(":{}/", server.port())));
    server.kill();
    assert!(!server.ping(), "killed");
    server.restart();
    assert!(server.ping(), "restarted on the same port");
    let other = RedisServer::start("a_server_answers_dies_and_comes_back (second)");
    let other = other.expect("the first one started, so the binary is there");
    assert_ne!(other.port(), server.port(), "each test its own server");
}

#[test]
fn a_missing_server_is_recorded_not_skipped_silently() {
    // Run as a child process so that the environment change stays there.
    if std::env::var_os("SHIMING_HARNESS_CHILD").is_some() {
        let started = RedisServer::start("harness_missing_probe");
        assert!(started.is_none());
        return;
    }
    let _ = std::fs::remove_file(skipped_dir().join("harness_missing_probe"));
    let me = std::env::current_exe().expect("the test binary");
    let run = |require: bool| {
        let mut cmd = std::process::Command::new(&me);
        cmd.args([
            "--exact",
            "a_missing_server_is_recorded_not_skipped_silently",
            "--nocapture",
        ])
        .env("SHIMING_HARNESS_CHILD", "1")
        .env(SERVER_ENV, "/nonexistent/redis-server");
        if require {
            cmd.env("SHIMING_REQUIRE_REDIS", "1");
        } else {
            cmd.env_remove("SHIMING_REQUIRE_REDIS");
        }
        cmd.output().expect("the child test runs")
    };
    let skipped = run(false);
    assert!(skipped.status.success());
    let said = String::from_utf8_lossy(&skipped.stderr);
    assert!(
        said.contains("DID NOT RUN") && said.contains("apt-get install -y redis-server"),
        "{said}"
    );
    assert!(
        skipped_dir().join("harness_missing_probe").exists(),
        "recorded"
    );
    let _ = std::fs::remove_file(skipped_dir().join("harness_missing_probe"));
    let required = run(true);
    assert!(!required.status.success(), "a failure when required");
}
