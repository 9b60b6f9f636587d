//! `shiming-mock-market`: the marketplace imitation as a standalone server.
//!
//! ```text
//! shiming-mock-market [--listen ADDR] [--config FILE] [--appcode CODE]...
//!                     [--app-key KEY --app-secret SECRET] [--quota N]
//! ```
//!
//! The first line on stdout is exactly `listening on http://HOST:PORT`; it then serves until
//! SIGINT or SIGTERM and shuts down gracefully. Without credentials it accepts the demo
//! credentials of the README.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

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
    let market = match MockMarket::builder()
        .config(config)
        .listen(args.listen)
        .start()
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("shiming-mock-market: cannot listen on {}: {e}", args.listen);
            return ExitCode::from(1);
        }
    };
    println!("listening on {}", market.url());
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
