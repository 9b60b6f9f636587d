//! `shiming`: real-name checks from the command line.
//!
//! `shiming check id-card|mobile|name` validates offline, free of charge (see the README
//! for the exact interface, which scripts depend on).
//!
//! Exit codes: 0 every input valid, 1 some input invalid, 2 usage error.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod check;
mod clock;

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
    }
}
