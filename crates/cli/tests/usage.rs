//! `shiming verify` with a shared store and `shiming usage`, as processes against the mock
//! market and a real `redis-server` of their own: a repeated check is answered from the
//! cache (charged once, `cached: true`), a budget refuses locally (exit 4), and `usage` prints
//! the ledger the calls left.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::{MockHandle, MockMarket, Vendor};
use shiming_test_support::redis::RedisServer;

// The registry's synthetic people (fixtures/people.tsv).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";
/// Same ID number and mobile, another name: a mismatch.
const OTHER_NAME: &str = "王五";
/// An ID number no registry holds: no record.
const UNKNOWN_ID: &str = "110108198510100190";
const PEPPER: &str = "a-test-pepper-of-at-least-thirty-two-bytes";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} / {}", self.stdout, self.stderr))
    }
}

/// Runs `shiming` with only the `SHIMING_*` variables given.
fn shiming(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shiming"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SHIMING") {
            command.env_remove(key);
        }
    }
    let out = command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run shiming");
    let run = Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    };
    for secret in [ID, MOBILE, UNKNOWN_ID, PEPPER] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "output holds {secret} in full: {} / {}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn config(dir: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("a scratch directory");
    let path = dir.join("shiming.toml");
    std::fs::write(&path, text).expect("write the configuration");
    path
}

fn verify(m: &MockHandle, config: &Path, name: &str, id: &str) -> Run {
    let url = m.url();
    let config = config.to_str().expect("a UTF-8 path");
    let args = [
        "verify",
        "--endpoint",
        &url,
        "--appcode",
        DEMO_APPCODE,
        "--vendor",
        "tel3",
        "--json",
        "--config",
        config,
        "--name",
        name,
        "--id-card",
        id,
        "--mobile",
        MOBILE,
    ];
    shiming(&args, &[("SHIMING_CACHE_PEPPER", PEPPER)])
}

fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("usage-{name}-{}", std::process::id()))
}

#[test]
fn a_repeated_check_is_cached_a_budget_refuses_and_usage_shows_the_ledger() {
    let Some(mut redis) = RedisServer::start(
        "a_repeated_check_is_cached_a_budget_refuses_and_usage_shows_the_ledger",
    ) else {
        return;
    };
    let m = MockMarket::start().expect("mock market");
    let dir = scratch("ledger");
    let path = config(
        &dir,
        &format!(
            "[store]\nurl = \"{}\"\nledger = \"usage-test\"\ncache = true\n\n[budget]\ntotal = \"0.500\"\n\n\
             [vendors.tel3]\npackage_calls = 5\npackage_expires = \"2099-12-31\"\n",
            redis.url()
        ),
    );

    // The first check is sent and billed; the same check again comes from the cache.
    let first = verify(&m, &path, NAME, ID);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let v = first.json();
    assert_eq!(
        (
            v["verdict"].as_str(),
            v["billed"].as_bool(),
            v["cached"].as_bool()
        ),
        (Some("match"), Some(true), Some(false))
    );
    let again = verify(&m, &path, NAME, ID);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let v2 = again.json();
    assert_eq!(v2["verdict"], "match");
    assert_eq!(v2["cached"], true);
    assert_eq!(v2["billed"], false);
    assert_eq!(v2["cost"], "0.000");
    assert_eq!(
        v2["request_id"], v["request_id"],
        "the original call's request id"
    );
    assert_eq!(m.usage_of(DEMO_APPCODE, Vendor::Tel3).charged, 1);

    // A second person fits the budget (0.400 of 0.500); a third would pass it: refused
    // locally, exit 4, nothing sent.
    assert_eq!(verify(&m, &path, OTHER_NAME, ID).code, 0);
    let refused = verify(&m, &path, NAME, UNKNOWN_ID);
    assert_eq!(refused.code, 4, "{} / {}", refused.stdout, refused.stderr);
    assert_eq!(refused.json()["error"]["kind"], "budget_exhausted");
    assert_eq!(refused.json()["error"]["billed"], false);
    let tel3 = m.usage_of(DEMO_APPCODE, Vendor::Tel3);
    assert_eq!(
        (tel3.received, tel3.charged),
        (2, 2),
        "the refused check was not sent"
    );

    // The ledger, as JSON and as text.
    let config_arg = path.to_str().expect("a UTF-8 path");
    let usage = shiming(&["usage", "--json", "--config", config_arg], &[]);
    assert_eq!(usage.code, 0, "{}", usage.stderr);
    let u = usage.json();
    assert_eq!(u["ledger"], "usage-test");
    assert_eq!(u["overall"]["total"]["spent"], "0.400");
    assert_eq!(u["overall"]["total"]["may_have_been_charged"], "0.000");
    assert_eq!(u["overall"]["total"]["reserved"], "0.000");
    assert_eq!(u["overall"]["cache_hits"], 1);
    assert_eq!(u["overall"]["saved"], "0.200");
    assert_eq!(u["vendors"][0]["vendor"], "tel3");
    assert_eq!(u["vendors"][0]["quota"]["left"], 3);
    let text = shiming(&["usage", "--config", config_arg], &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("ledger usage-test at redis://127.0.0.1:"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("package: tel3 3 of 5 calls left"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("cache: 1 hits saved 0.200 CNY"),
        "{}",
        text.stdout
    );

    // Another ledger of the same Redis is empty; a dead Redis fails fast (exit 3).
    let other = shiming(
        &[
            "usage", "--json", "--config", config_arg, "--ledger", "other",
        ],
        &[],
    );
    assert_eq!(other.json()["overall"]["total"]["spent"], "0.000");
    redis.kill();
    let started = Instant::now();
    let dead = shiming(&["usage", "--config", config_arg], &[]);
    assert_eq!(dead.code, 3, "{}", dead.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_needs_a_shared_store_and_the_cache_needs_a_pepper() {
    let none = shiming(&["usage"], &[]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("SHIMING_STORE_URL"), "{}", none.stderr);

    let m = MockMarket::start().expect("mock market");
    let path = config(&scratch("pepper"), "[store]\ncache = true\n");
    let url = m.url();
    let config_arg = path.to_str().expect("a UTF-8 path");
    let args = [
        "verify",
        "--endpoint",
        &url,
        "--appcode",
        DEMO_APPCODE,
        "--config",
        config_arg,
        "--name",
        NAME,
        "--id-card",
        ID,
        "--mobile",
        MOBILE,
    ];
    let missing = shiming(&args, &[]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("SHIMING_CACHE_PEPPER"),
        "{}",
        missing.stderr
    );
    let short = shiming(&args, &[("SHIMING_CACHE_PEPPER", "short-secret")]);
    assert_eq!(short.code, 2, "{}", short.stderr);
    assert!(
        short.stderr.contains("SHIMING_CACHE_PEPPER"),
        "{}",
        short.stderr
    );
    assert!(!short.stderr.contains("short-secret"), "{}", short.stderr);
    assert!(m.journal().is_empty(), "nothing was sent");

    // SHIMING_STORE_URL names the store without a file; a password never shows.
    let unreachable = shiming(
        &["usage"],
        &[(
            "SHIMING_STORE_URL",
            "redis://:hunter2-password@127.0.0.1:1/",
        )],
    );
    assert_eq!(unreachable.code, 3, "{}", unreachable.stderr);
    assert!(
        !unreachable.stderr.contains("hunter2"),
        "{}",
        unreachable.stderr
    );
    let _ = std::fs::remove_dir_all(scratch("pepper"));
}
