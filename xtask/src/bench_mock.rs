//! `cargo xtask bench-mock [SECONDS] [ROUNDS]`: load benchmark of the mock market against a minimal
//! hyper server answering a fixed body, in the same run, with `wrk` (Debian package `wrk`):
//! keep-alive, 64 connections, 2 threads, a tel3 success through the whole gateway + vendor
//! pipeline. Reports requests/s, p99 latency and the mock's resident memory afterwards.

use std::process::Command;

use crate::util::{self, start, Result};

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct WrkResult {
    requests: u64,
    rps: f64,
    p50: String,
    p99: String,
    errors: String,
}

fn wrk(url: &str, seconds: u64, headers: &[&str]) -> Result<WrkResult> {
    let duration = format!("{seconds}s");
    let mut args = vec!["-t2", "-c64", "-d", &duration, "--latency"];
    for h in headers {
        args.push("-H");
        args.push(h);
    }
    args.push(url);
    let out = util::output("wrk", &args)?;
    let find = |prefix: &str| -> Option<String> {
        out.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim().to_string())
    };
    let rps: f64 = find("Requests/sec:")
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .ok_or("wrk printed no Requests/sec")?;
    let requests: u64 = out
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0);
    let pct = |p: &str| {
        find(p)
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
            .unwrap_or_default()
    };
    let errors = out
        .lines()
        .filter(|l| l.contains("Socket errors") || l.contains("Non-2xx"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    Ok(WrkResult {
        requests,
        rps,
        p50: pct("50%"),
        p99: pct("99%"),
        errors,
    })
}

/// `GET url` with `headers` through curl: the status and the body. Fails when curl does
/// (connection refused, timeout), never reading a failure as an answer.
fn fetch(url: &str, headers: &[&str]) -> Result<(u16, String)> {
    let mut args = vec!["-sS", "--max-time", "10", "-w", "\n%{http_code}"];
    for h in headers {
        args.push("-H");
        args.push(h);
    }
    args.push(url);
    let out = util::output("curl", &args)?;
    let (status, body) =
        split_status(&out).ok_or_else(|| format!("curl printed no status for {url}: {out:?}"))?;
    Ok((status, body.to_string()))
}

/// Splits curl's output with `-w '\n%{http_code}'` into the status and the body.
fn split_status(out: &str) -> Option<(u16, &str)> {
    let (body, status) = out.rsplit_once('\n')?;
    Some((status.trim().parse().ok()?, body))
}

/// The benchmark request must be a tel3 match: HTTP 200 with `"match":1`.
fn check_mock_answer(status: u16, body: &str) -> Result<()> {
    if status == 200 && body.contains("\"match\":1") {
        Ok(())
    } else {
        Err(format!(
            "the mock does not answer the benchmark request with a tel3 match: HTTP {status}: {body}"
        )
        .into())
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let seconds: u64 = args.first().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let rounds: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    util::output("wrk", &["--version"]).or_else(|_| -> Result<String> {
        // wrk prints its version and exits non-zero; only a missing binary is an error.
        Command::new("wrk")
            .arg("--version")
            .output()
            .map(|_| String::new())
            .map_err(|_| "wrk is not installed (apt-get install -y wrk)".into())
    })?;
    util::cargo(&[
        "build",
        "--release",
        "-p",
        "shiming-mock-market",
        "--bins",
        "--example",
        "fixed_body",
    ])?;
    let release = util::root().join("target/release");
    let mock = start(
        &release.join("shiming-mock-market"),
        &["--listen", "127.0.0.1:0"],
    )?;
    let baseline = start(&release.join("examples/fixed_body"), &["127.0.0.1:0"])?;

    let registry = util::root().join("fixtures/people.tsv");
    let person = std::fs::read_to_string(&registry)?
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
        .find(|c| c.len() == 4 && !c[2].is_empty())
        .ok_or("fixtures/people.tsv has no person with a mobile")?;
    let target = format!(
        "/mobile?xm={}&sfz={}&mob={}",
        encode(&person[0]),
        person[1],
        person[2]
    );
    let auth = "Authorization: APPCODE shimingdemoappcode0000000000000";
    // Sanity check before timing anything: the mock answers the benchmark request with a
    // tel3 match (HTTP 200, `"match":1`), and the baseline with its fixed 200 body.
    let (status, body) = fetch(&format!("{}{target}", mock.url), &[auth])?;
    check_mock_answer(status, &body)?;
    eprintln!("mock answers {status} {body} to the benchmark request");
    let (status, body) = fetch(&format!("{}{target}", baseline.url), &[])?;
    if status != 200 {
        return Err(format!("the baseline server answers HTTP {status}: {body}").into());
    }

    // The machine's speed drifts over tens of seconds (shared cores), so the two servers are
    // measured in alternating rounds and compared round by round.
    let mut rows = Vec::new();
    let before = memory_kib(mock.child.id());
    let mut mock_requests = 0;
    for round in 1..=rounds {
        eprintln!("round {round}/{rounds}: baseline {seconds}s, then mock {seconds}s …");
        let base = wrk(&format!("{}{target}", baseline.url), seconds, &[])?;
        let mocked = wrk(&format!("{}{target}", mock.url), seconds, &[auth])?;
        mock_requests += mocked.requests;
        rows.push((base, mocked));
    }
    let after = memory_kib(mock.child.id());

    println!("## Mock market under load (wrk, keep-alive, 64 connections, 2 threads; {rounds} alternating rounds of {seconds} s per server)\n");
    println!("| round | server | requests | requests/s | p50 | p99 | errors | mock/baseline |");
    println!("|---:|---|---:|---:|---:|---:|---|---:|");
    let mut ratios = Vec::new();
    for (i, (base, mocked)) in rows.iter().enumerate() {
        let ratio = mocked.rps / base.rps;
        ratios.push(ratio);
        for (name, r, cell) in [
            ("minimal hyper, fixed body", base, String::new()),
            (
                "shiming-mock-market, tel3 Match",
                mocked,
                format!("{ratio:.2}×"),
            ),
        ] {
            println!(
                "| {} | {name} | {} | {:.0} | {} | {} | {} | {cell} |",
                i + 1,
                r.requests,
                r.rps,
                r.p50,
                r.p99,
                if r.errors.is_empty() {
                    "none"
                } else {
                    &r.errors
                }
            );
        }
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let worst_p99 = rows
        .iter()
        .map(|(_, m)| m.p99.clone())
        .collect::<Vec<_>>()
        .join(", ");
    println!("\nmedian mock / baseline requests/s: **{median:.2}×** (target ≥ 0.7×); mock p99 per round: {worst_p99} (target ≤ 5 ms)");
    println!(
        "mock resident memory: {:.1} MiB before, {:.1} MiB after {} requests (peak {:.1} MiB; target ≤ 64 MB)",
        before.0 as f64 / 1024.0,
        after.0 as f64 / 1024.0,
        mock_requests,
        after.1 as f64 / 1024.0
    );
    println!("\nCommands:\n\n```sh\ncargo xtask bench-mock {seconds} {rounds}\n# which runs, against release builds:\nwrk -t2 -c64 -d{seconds}s --latency '<baseline>{target}'\nwrk -t2 -c64 -d{seconds}s --latency -H '{auth}' '<mock>{target}'\n```");
    println!(
        "\nMachine: {} CPUs; wrk and the server share them.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    Ok(())
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_output_is_split_into_status_and_body() {
        assert_eq!(split_status("{\"ok\":1}\n200"), Some((200, "{\"ok\":1}")));
        assert_eq!(split_status("\n403"), Some((403, "")));
        assert_eq!(split_status("a\nb\n666"), Some((666, "a\nb")));
        assert_eq!(split_status("200"), None);
        assert_eq!(split_status("body\n000x"), None);
    }

    #[test]
    fn only_a_tel3_match_passes_the_sanity_check() {
        let matched = r#"{"ok":1,"msg":"校验通过","xm":"陈****","match":1}"#;
        assert!(check_mock_answer(200, matched).is_ok());
        assert!(check_mock_answer(200, r#"{"ok":1,"match":2}"#).is_err());
        assert!(check_mock_answer(403, matched).is_err());
        assert!(check_mock_answer(0, "").is_err());
    }
}
