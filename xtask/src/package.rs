//! `cargo xtask package`: the publishable crates build from what would be uploaded.
//!
//! 1. `cargo package --workspace --exclude <tool>… --allow-dirty`, the tools being the members
//!    `cargo metadata` lists with `publish = false`: every other crate is packaged in
//!    dependency order (cargo resolves the unpublished siblings through its own temporary
//!    registry) and each package's libraries and binaries are built from the unpacked
//!    `.crate` (the verification step). The `.crate` files stay in `target/package/`.
//! 2. The `.crate` files are unpacked into an empty directory outside the repository, with a
//!    `.cargo/config.toml` whose `[patch.crates-io]` points each sibling at its unpacked
//!    copy (what crates.io will hold once they are published), and `shiming-mock-market` and
//!    `shiming-cli` are installed from there with `cargo install --debug --path` into a root
//!    in the same directory. The installs use the workspace's own target directory in the dev
//!    profile, so they reuse the dependencies the verification step (and the tests) compiled
//!    and build only the shiming crates: a cold CI run does not compile the dependency tree a
//!    third time with optimizations (that took longer than everything else together on a
//!    two-core machine). What a user's `cargo install` adds — the release profile — changes
//!    no source, feature or dependency, so it cannot make a package that builds here fail.
//! 3. The installed `shiming` runs `check id-card 11010519491231002X` and every command the
//!    `crates/cli/README.md` example shows (output compared line for line); the installed
//!    `shiming-mock-market` is started on a free port and asked for every documented body
//!    (`X-Mock-Scenario`), each compared byte for byte, with its status, with the file in
//!    `crates/mock-market/fixtures/vendors/`.
//!
//! Prints a short report: crates packaged and their sizes, how long each step took.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{self, Result};

/// The binaries installed from the packages, in install order: the mock market first, whose
/// dependencies are a subset of the command line's.
const INSTALLED: [(&str, &str); 2] = [
    ("shiming-mock-market", "shiming-mock-market"),
    ("shiming-cli", "shiming"),
];
/// The mock market's demo AppCode (`shiming_mock_market::config::DEMO_APPCODE`).
const DEMO_APPCODE: &str = "shimingdemoappcode0000000000000";
/// The person every scenario request names (the registry's Match example, synthetic).
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";

pub fn run(args: &[String]) -> Result<()> {
    if let Some(unknown) = args.first() {
        return Err(format!("package takes no arguments (got {unknown:?})").into());
    }
    let started = Instant::now();
    let root = util::root();
    let packages = root.join("target/package");

    // 1. Package and verify. Old `.crate` files go first, so the report lists this run's.
    if let Ok(entries) = fs::read_dir(&packages) {
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.extension().is_some_and(|x| x == "crate") {
                fs::remove_file(&path)?;
            }
        }
    }
    forget_unpacked_siblings()?;
    let members = Members::of(&util::metadata()?)?;
    // Cargo takes a registry crate of an unchanged version for immutable, so the target
    // directory may still hold a sibling compiled from an earlier run's package (a stale
    // `shiming-core` then fails the mock market's verification). Clean ours by name; the
    // verification builds them from their packages anyway.
    let mut clean = vec!["clean"];
    for name in &members.published {
        clean.extend(["-p", name]);
    }
    util::cargo(&clean)?;
    let t = Instant::now();
    let mut package = vec!["package", "--workspace"];
    for name in &members.tools {
        package.extend(["--exclude", name]);
    }
    package.push("--allow-dirty");
    util::cargo(&package)?;
    let package_time = t.elapsed();
    let mut crates: Vec<(String, PathBuf, u64)> = Vec::new();
    for entry in fs::read_dir(&packages)? {
        let path = entry?.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crate"))
        else {
            continue;
        };
        crates.push((stem.to_string(), path.clone(), fs::metadata(&path)?.len()));
    }
    crates.sort();
    for (bin_crate, _) in INSTALLED {
        if !crates.iter().any(|(stem, ..)| name_of(stem) == bin_crate) {
            return Err(format!("cargo package left no {bin_crate} package").into());
        }
    }

    // 2. Unpack outside the repository and install from the unpacked packages.
    let scratch = scratch_dir(&root);
    if scratch.exists() {
        fs::remove_dir_all(&scratch)?;
    }
    let unpacked = scratch.join("crates");
    fs::create_dir_all(&unpacked)?;
    fs::create_dir_all(scratch.join(".cargo"))?;
    let mut patch = String::from(
        "# Written by `cargo xtask package`: the siblings as crates.io will serve them.\n\
         [patch.crates-io]\n",
    );
    for (stem, path, _) in &crates {
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(path)
            .arg("-C")
            .arg(&unpacked)
            .status()?;
        if !status.success() {
            return Err(format!("cannot unpack {}: {status}", path.display()).into());
        }
        let dir = unpacked.join(stem);
        patch.push_str(&format!(
            "{} = {{ path = {:?} }}\n",
            name_of(stem),
            dir.to_str().ok_or("non-UTF-8 temporary directory")?
        ));
    }
    fs::write(scratch.join(".cargo/config.toml"), patch)?;
    let install_root = scratch.join("root");
    let target_dir = root.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut install_times = Vec::new();
    for (crate_name, _) in INSTALLED {
        let (stem, ..) = crates
            .iter()
            .find(|(stem, ..)| name_of(stem) == crate_name)
            .ok_or("package vanished")?;
        let dir = unpacked.join(stem);
        eprintln!(
            "$ cargo install --debug --path {} --root {}   (CARGO_TARGET_DIR={})",
            dir.display(),
            install_root.display(),
            target_dir.display()
        );
        let t = Instant::now();
        let status = Command::new(&cargo)
            .args(["install", "--quiet", "--debug", "--path"])
            .arg(&dir)
            .arg("--root")
            .arg(&install_root)
            .current_dir(&scratch)
            .env("CARGO_TARGET_DIR", &target_dir)
            .status()?;
        if !status.success() {
            return Err(format!(
                "`cargo install --path {}` failed: {status} (kept {})",
                dir.display(),
                scratch.display()
            )
            .into());
        }
        install_times.push((crate_name, t.elapsed()));
    }

    // 3. Run what was installed.
    let bin = install_root.join("bin");
    let shiming = bin.join(exe("shiming"));
    let check = Command::new(&shiming)
        .args(["check", "id-card", "11010519491231002X"])
        .output()?;
    let check_line = String::from_utf8(check.stdout)?;
    if !check.status.success() || !check_line.starts_with("有效") {
        return Err(format!(
            "installed `shiming check id-card 11010519491231002X` said {:?} ({})",
            check_line.trim_end(),
            check.status
        )
        .into());
    }
    let readme_commands = cli_readme(&root, &shiming)?;
    let mock = util::start(
        &bin.join(exe("shiming-mock-market")),
        &["--listen", "127.0.0.1:0"],
    )?;
    let served = scenarios(&root, &mock.url)?;
    drop(mock);
    fs::remove_dir_all(&scratch)?;

    println!("\n## Packaging check\n");
    println!("| crate | .crate size |\n| --- | ---: |");
    let mut total = 0;
    for (stem, _, size) in &crates {
        total += size;
        println!("| {stem} | {} |", kib(*size));
    }
    println!("| **{} crates** | **{}** |\n", crates.len(), kib(total));
    println!(
        "cargo package --workspace (with verification): {}",
        secs(package_time)
    );
    for (crate_name, time) in &install_times {
        println!(
            "cargo install --debug --path <unpacked {crate_name}>: {}",
            secs(*time)
        );
    }
    println!(
        "installed `shiming check id-card 11010519491231002X`: {}",
        check_line.trim_end()
    );
    println!("installed `shiming`: {readme_commands} commands of crates/cli/README.md gave the output shown there");
    println!(
        "installed `shiming-mock-market`: served all {served} documented bodies byte for byte (X-Mock-Scenario)"
    );
    println!("total: {}", secs(started.elapsed()));
    Ok(())
}

/// The workspace members, from `cargo metadata --format-version 1 --no-deps`.
#[derive(Debug, PartialEq, Eq)]
struct Members {
    /// Published: no `publish = false` in the manifest. Packaged, and cleaned first.
    published: Vec<String>,
    /// `publish = false` (`xtask`, the fuzz targets, the test support): left out.
    tools: Vec<String>,
}

impl Members {
    /// The members of `json`, each list in the order cargo gives them.
    fn of(json: &str) -> Result<Members> {
        let value: serde_json::Value = serde_json::from_str(json)?;
        let mut members = Members {
            published: Vec::new(),
            tools: Vec::new(),
        };
        for p in value["packages"]
            .as_array()
            .ok_or("cargo metadata: no packages")?
        {
            let name = p["name"]
                .as_str()
                .ok_or("cargo metadata: a package without a name")?
                .to_string();
            if util::is_published(p) {
                members.published.push(name);
            } else {
                members.tools.push(name);
            }
        }
        if members.published.is_empty() {
            return Err("cargo metadata: no published crate in the workspace".into());
        }
        Ok(members)
    }
}

/// Removes the sources cargo unpacked from earlier runs' temporary registry. `cargo package
/// --workspace` publishes each sibling to a registry under `target/package/tmp-registry` and
/// unpacks it under `$CARGO_HOME/registry/src/-<hash of that path>/`; when the version has not
/// changed, cargo trusts an earlier unpack and verifies against a stale copy of the sibling
/// (a change to `shiming-core` then "fails" to build the mock market). Only directories of
/// path-named registries (`-…`) and only the workspace's own `shiming*` crates are removed.
fn forget_unpacked_siblings() -> Result<()> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = cargo_home.map(|h| h.join("registry/src")) else {
        return Ok(());
    };
    let Ok(registries) = fs::read_dir(&src) else {
        return Ok(());
    };
    for registry in registries.filter_map(|e| e.ok().map(|e| e.path())) {
        let local = registry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('-'));
        if !local {
            continue;
        }
        for unpacked in fs::read_dir(&registry)?.filter_map(|e| e.ok().map(|e| e.path())) {
            let ours = unpacked
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shiming"));
            if ours {
                fs::remove_dir_all(&unpacked)?;
            }
        }
    }
    Ok(())
}

/// The directory outside the repository the packages are unpacked and installed in: one per
/// checkout (several checkouts may run this at once), the same on every run (so the shared
/// target directory sees the same unpacked paths and only rebuilds what changed).
fn scratch_dir(root: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut hasher);
    std::env::temp_dir().join(format!("shiming-xtask-package-{:016x}", hasher.finish()))
}

/// `shiming-core` of `shiming-core-0.1.0`.
fn name_of(stem: &str) -> &str {
    stem.rsplit_once('-').map_or(stem, |(name, _)| name)
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64())
}

/// Runs every `$ shiming …` line of the ```` ```text ```` blocks of `crates/cli/README.md` with
/// the installed binary and compares its stdout with the lines below it (up to the next `$`
/// line or the end of the block). Returns how many commands ran.
fn cli_readme(root: &Path, shiming: &Path) -> Result<usize> {
    let readme = fs::read_to_string(root.join("crates/cli/README.md"))?;
    let mut in_text = false;
    let mut examples: Vec<(String, Vec<String>)> = Vec::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_text = line == "```text";
            continue;
        }
        if !in_text {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            examples.push((command.to_string(), Vec::new()));
        } else if let Some((_, expected)) = examples.last_mut() {
            expected.push(line.to_string());
        }
    }
    if examples.is_empty() {
        return Err("crates/cli/README.md shows no `$ shiming …` command".into());
    }
    for (command, expected) in &examples {
        let words: Vec<&str> = command.split_whitespace().collect();
        if words.first() != Some(&"shiming") {
            return Err(format!("crates/cli/README.md: not a shiming command: {command}").into());
        }
        let out = Command::new(shiming).args(&words[1..]).output()?;
        let got = String::from_utf8(out.stdout)?;
        let got: Vec<&str> = got.lines().collect();
        if got != *expected {
            return Err(format!(
                "crates/cli/README.md: `{command}` printed\n{}\nbut the README shows\n{}",
                got.join("\n"),
                expected.join("\n")
            )
            .into());
        }
    }
    Ok(examples.len())
}

/// Asks the mock at `url` for every scenario of `crates/mock-market/fixtures/vendors/` and
/// compares status and body with the manifest and the file. Returns how many were served.
fn scenarios(root: &Path, url: &str) -> Result<usize> {
    let vendors = root.join("crates/mock-market/fixtures/vendors");
    let manifest = fs::read_to_string(vendors.join("manifest.tsv"))?;
    let addr = url
        .strip_prefix("http://")
        .ok_or("the mock's URL is not http://")?;
    let mut served = 0;
    for line in manifest.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [api, name, status, ..] = cols[..] else {
            return Err(format!("manifest.tsv: bad row {line:?}").into());
        };
        let expected = fs::read(vendors.join(api).join(format!("{name}.json")))?;
        let (got_status, body) = request(addr, api, &format!("{api}/{name}"))?;
        if got_status != status || body != expected {
            return Err(format!(
                "the installed mock answered {api}/{name} with {got_status} {:?}, the fixture is {status} {:?}",
                String::from_utf8_lossy(&body),
                String::from_utf8_lossy(&expected)
            )
            .into());
        }
        served += 1;
    }
    if served == 0 {
        return Err("manifest.tsv lists no scenario".into());
    }
    Ok(served)
}

/// One HTTP/1.1 request for `scenario` on `api`'s route; returns the status code as text and
/// the body.
fn request(addr: &str, api: &str, scenario: &str) -> Result<(String, Vec<u8>)> {
    let q = |v: &str| {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let (name, id, mobile) = (q(NAME), q(ID), q(MOBILE));
    let (method, target, content_type, body) = match api {
        "tel3" => (
            "GET",
            format!("/mobile?xm={name}&sfz={id}&mob={mobile}"),
            "",
            String::new(),
        ),
        "sfz2" => (
            "GET",
            format!("/idcard?xm={name}&sfz={id}"),
            "",
            String::new(),
        ),
        "phonethird" => (
            "GET",
            format!("/mobileCheck?idCard={id}&mobile={mobile}&name={name}"),
            "",
            String::new(),
        ),
        "sjsys" => (
            "POST",
            "/communication/personal/1979".to_string(),
            "application/x-www-form-urlencoded; charset=UTF-8",
            format!("idcard={id}&mobile={mobile}&name={name}"),
        ),
        "sxm3v2" => (
            "POST",
            "/mobile3/check".to_string(),
            "application/json; charset=UTF-8",
            format!("{{\"name\":\"{NAME}\",\"mobile\":\"{MOBILE}\",\"idCard\":\"{ID}\"}}"),
        ),
        _ => return Err(format!("manifest.tsv: unknown api {api}").into()),
    };
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: APPCODE {DEMO_APPCODE}\r\n\
         X-Mock-Scenario: {scenario}\r\nConnection: close\r\n"
    );
    if !content_type.is_empty() {
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers in the mock's answer")?;
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .ok_or("no status in the mock's answer")?
        .to_string();
    let length: Option<usize> = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())?
    });
    let body = answer[split + 4..].to_vec();
    if length.is_some_and(|n| n != body.len()) {
        return Err(format!(
            "{scenario}: Content-Length {length:?} but {} bytes",
            body.len()
        )
        .into());
    }
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_published_unless_publish_is_false() {
        // Abridged `cargo metadata --format-version 1 --no-deps`: `publish` is `null` without
        // the key, `[]` for `publish = false`, the registries for `publish = ["…"]`.
        let json = r#"{
            "packages": [
                {"name": "shiming-core", "version": "0.1.0", "publish": null},
                {"name": "xtask", "version": "0.0.0", "publish": []},
                {"name": "shiming-cli", "version": "0.1.0", "publish": ["crates-io"]},
                {"name": "shiming-test-support", "version": "0.0.0", "publish": []}
            ],
            "workspace_members": [],
            "workspace_root": "/ws"
        }"#;
        assert_eq!(
            Members::of(json).unwrap(),
            Members {
                published: vec!["shiming-core".into(), "shiming-cli".into()],
                tools: vec!["xtask".into(), "shiming-test-support".into()],
            }
        );
        let tools_only = r#"{"packages": [{"name": "xtask", "publish": []}]}"#;
        assert!(Members::of(tools_only).is_err());
        assert!(Members::of(r#"{"packages": [{"publish": null}]}"#).is_err());
        assert!(Members::of("{}").is_err());
    }
}
