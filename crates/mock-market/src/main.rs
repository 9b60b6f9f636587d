//! `shiming-mock-market`: the marketplace imitation as a standalone server.
//!
//! ```text
//! shiming-mock-market [--listen ADDR] [--config FILE] [--appcode CODE]...
//!                     [--app-key KEY --app-secret SECRET] [--quota N]
//!                     [--console ADDR [--console-token TOKEN]] [--admin-token TOKEN]
//! ```
//!
//! The first line on stdout is exactly `listening on http://HOST:PORT`; with `--console`, the
//! second is `console on http://HOST:PORT/__console/`. It then serves until SIGINT or SIGTERM
//! and shuts down gracefully. Without credentials it accepts the demo credentials of the
//! README. A console off loopback needs `--console-token` (or `SHIMING_CONSOLE_TOKEN`); a market
//! off loopback takes the admin API's changes only with `--admin-token` (or
//! `SHIMING_ADMIN_TOKEN`), and refuses them without one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use shiming_console_assets::access::MIN_TOKEN_LEN;
use shiming_mock_market::config::FileConfig;
use shiming_mock_market::{Credential, MarketConfig, MockMarket};

/// An offline imitation of the Alibaba Cloud API Marketplace (gateway + five
/// identity-verification APIs).
#[derive(Debug, Parser)]
#[command(name = "shiming-mock-market", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// JSON configuration file (credentials, quota, throttling, limits, anti-replay per product; see the README).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Accept this AppCode (repeatable), subscribed to all five products.
    #[arg(long = "appcode", value_name = "CODE")]
    app_codes: Vec<String>,
    /// Accept this AppKey (with --app-secret) for signature auth.
    #[arg(long, requires = "app_secret")]
    app_key: Option<String>,
    /// The AppSecret of --app-key.
    #[arg(long, requires = "app_key")]
    app_secret: Option<String>,
    /// Every credential may be charged N times per product.
    #[arg(long, value_name = "N")]
    quota: Option<u64>,
    /// Serve the web console (live journal, usage and quota, faults) on this address, e.g.
    /// 127.0.0.1:8081.
    #[arg(long, value_name = "ADDR")]
    console: Option<SocketAddr>,
    /// The token the console asks for (required when --console is not a loopback address;
    /// default: the SHIMING_CONSOLE_TOKEN environment variable).
    #[arg(long, value_name = "TOKEN")]
    console_token: Option<String>,
    /// The token the admin API's changes (reset, quota, faults, scenarios) on the market's
    /// port must present as `Authorization: Bearer TOKEN`. Off loopback, they are refused
    /// without one. Default: the SHIMING_ADMIN_TOKEN environment variable.
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,
}

fn config(args: &Args) -> Result<MarketConfig, String> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            FileConfig::parse(&text)?.into_config()
        }
        None => MarketConfig::default(),
    };
    let mut given: Vec<Credential> = args
        .app_codes
        .iter()
        .map(|c| Credential::app_code(c))
        .collect();
    if let (Some(key), Some(secret)) = (&args.app_key, &args.app_secret) {
        given.push(Credential::app_key(key, secret));
    }
    if !given.is_empty() {
        config.credentials = given;
    }
    if args.quota.is_some() {
        config.quota = args.quota;
    }
    Ok(config)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("shiming-mock-market: {e}");
            return ExitCode::from(2);
        }
    };
    let mut builder = MockMarket::builder().config(config).listen(args.listen);
    let token = args
        .console_token
        .clone()
        .or_else(|| std::env::var("SHIMING_CONSOLE_TOKEN").ok());
    if let Some(console) = args.console {
        match &token {
            Some(token) if token.len() < MIN_TOKEN_LEN => {
                eprintln!(
                    "shiming-mock-market: --console-token must be at least {MIN_TOKEN_LEN} characters"
                );
                return ExitCode::from(2);
            }
            Some(token) => builder = builder.console_token(token.clone()),
            None if !console.ip().is_loopback() => {
                eprintln!(
                    "shiming-mock-market: --console {console} is not a loopback address: give \
                     --console-token (or SHIMING_CONSOLE_TOKEN), which every page and call \
                     must then present"
                );
                return ExitCode::from(2);
            }
            None => {}
        }
        builder = builder.console(console);
    }
    let admin_token = args
        .admin_token
        .clone()
        .or_else(|| std::env::var("SHIMING_ADMIN_TOKEN").ok());
    match admin_token {
        Some(token) if token.len() < MIN_TOKEN_LEN => {
            eprintln!(
                "shiming-mock-market: --admin-token must be at least {MIN_TOKEN_LEN} characters"
            );
            return ExitCode::from(2);
        }
        Some(token) => builder = builder.admin_token(token),
        None if !args.listen.ip().is_loopback() => eprintln!(
            "shiming-mock-market: warning: {} is not a loopback address: the admin API's \
             changes (reset, quota, faults, scenarios) are refused; give --admin-token (or \
             SHIMING_ADMIN_TOKEN) to allow them",
            args.listen
        ),
        None => {}
    }
    let market = match builder.start() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("shiming-mock-market: cannot listen on {}: {e}", args.listen);
            return ExitCode::from(1);
        }
    };
    println!("listening on {}", market.url());
    if let Some(console) = market.console_url() {
        println!("console on {console}");
    }
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shiming-mock-market: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(wait_for_signal());
    eprintln!("shiming-mock-market: shutting down");
    market.shutdown();
    ExitCode::SUCCESS
}

/// Resolves on SIGINT or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
