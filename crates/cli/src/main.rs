//! `shiming`: real-name checks from the command line.
//!
//! * `shiming check id-card|mobile|name` validates offline, free of charge. Exit codes: 0
//!   every input valid, 1 some input invalid, 2 usage error.
//! * `shiming verify` runs one check through the marketplace (or `--mock`). Exit codes: 0
//!   verdict, 2 usage or invalid input, 3 service error.
//! * `shiming batch` runs a CSV file of checks, crash-safe and resumable.
//! * `shiming usage` prints the store's ledger (spend, quota, cache, rate-limit waits).
//! * `shiming console` serves the web console (try a check, the ledger) on loopback.
//!
//! The README documents the exact interface, which scripts depend on.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod batch;
mod check;
mod console;
mod market;
mod usage;
mod verify;

/// shiming 实名 — Chinese real-name checks, safely and cheaply.
#[derive(Debug, Parser)]
#[command(name = "shiming", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate ID numbers, mobiles or names offline (free, no network).
    Check(CheckCommand),
    /// Verify one person through a vendor API (name + ID [+ mobile]); --mock to try it free.
    #[cfg_attr(
        not(feature = "mock"),
        command(about = "Verify one person through a vendor API (name + ID [+ mobile])")
    )]
    Verify(verify::VerifyArgs),
    /// Verify every row of a CSV file: concurrent, rate-limited, budgeted, resumable.
    Batch(batch::BatchArgs),
    /// Print the shared store's ledger: spend per vendor, quota left, cache hits, waits.
    Usage(usage::UsageArgs),
    /// Serve the web console: try a check (local validation, then the router) and see the
    /// ledger, in a browser; --mock to try it free.
    Console(console::ConsoleArgs),
}

#[derive(Debug, Args)]
struct CheckCommand {
    #[command(subcommand)]
    what: check::What,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(c) => check::run(c.what),
        Command::Verify(v) => verify::run(&v),
        Command::Batch(b) => batch::run(&b),
        Command::Usage(u) => usage::run(&u),
        Command::Console(c) => console::run(&c),
    }
}
