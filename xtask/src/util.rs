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
