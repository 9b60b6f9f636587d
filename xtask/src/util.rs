//! Helpers shared by the xtask commands.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs `cargo ARGS` in the workspace root and fails when it fails.
pub fn cargo(args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root())
        .status()?;
    if !status.success() {
        return Err(format!("`cargo {}` failed: {status}", args.join(" ")).into());
    }
    Ok(())
}

/// Runs a command and returns its stdout as text.
pub fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program).args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// `cargo metadata --format-version 1 --no-deps` of the workspace: its members, as JSON.
pub fn metadata() -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = root().join("Cargo.toml");
    let manifest = manifest.to_str().ok_or("non-UTF-8 path")?;
    output(
        &cargo,
        &[
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
            manifest,
        ],
    )
}

/// Whether a package of [`metadata`] is published: its `publish` is `null` (any registry) or
/// a list of registries; `publish = false` in the manifest reads as `[]`.
pub fn is_published(package: &serde_json::Value) -> bool {
    package["publish"]
        .as_array()
        .map_or(true, |registries| !registries.is_empty())
}

/// Downloads python-stdnum (pinned) from PyPI into a fresh directory under `target/` and
/// returns the directory holding the unpacked `stdnum` package.
pub fn python_stdnum() -> Result<PathBuf> {
    let dir = root().join("target/xtask/python-stdnum");
    let unpacked = dir.join("pkg");
    if unpacked.join("stdnum/cn/loc.dat").exists() {
        return Ok(unpacked);
    }
    std::fs::create_dir_all(&dir)?;
    let dir_s = dir.to_str().ok_or("non-UTF-8 path")?;
    output(
        "python3",
        &[
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "-d",
            dir_s,
            STDNUM_PIN,
        ],
    )?;
    let wheel = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("pip did not download a wheel")?;
    let wheel_s = wheel.to_str().ok_or("non-UTF-8 path")?;
    let unpacked_s = unpacked.to_str().ok_or("non-UTF-8 path")?;
    output("python3", &["-m", "zipfile", "-e", wheel_s, unpacked_s])?;
    Ok(unpacked)
}

/// The python-stdnum release the region data and the cross-check corpus come from.
pub const STDNUM_PIN: &str = "python-stdnum==2.2";

/// A server process started by a benchmark (the mock market, the reference server), stopped
/// when dropped.
pub struct Server {
    pub child: std::process::Child,
    /// The URL from its first stdout line, `listening on http://HOST:PORT`.
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program` with `args` and waits for its `listening on URL` line.
pub fn start(program: &Path, args: &[&str]) -> Result<Server> {
    use std::io::{BufRead, BufReader};
    let child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Killed on drop if it does not say where it listens.
    let mut server = Server {
        child,
        url: String::new(),
    };
    let stdout = server.child.stdout.take().ok_or("no stdout")?;
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first)?;
    server.url = first
        .trim()
        .strip_prefix("listening on ")
        .ok_or("the server printed an unexpected first line (expected `listening on URL`)")?
        .to_string();
    Ok(server)
}
