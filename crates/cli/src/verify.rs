//! `shiming verify`: one real-name check through the marketplace (or the mock market).
//!
//! Exit codes: 0 a verdict was obtained (match, mismatch or no_record), 2 usage error or
//! invalid input (nothing was sent), 3 service error (see the error's `billed`).

use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Value};
use shiming::{Billing, Elements, Identity, RouteError, Routed};

use crate::market::{error_kind, MarketArgs};

/// Arguments of `shiming verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The person's name
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The ID number
    #[arg(long = "id-card", value_name = "ID")]
    id_card: String,
    /// The mobile; without it, a two-element (name + ID) check
    #[arg(long, value_name = "MOBILE")]
    mobile: Option<String>,
    /// Print one JSON object on stdout
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    market: MarketArgs,
}

const USAGE: u8 = 2;
const SERVICE: u8 = 3;

pub fn run(args: &VerifyArgs) -> ExitCode {
    match args.market.vendor() {
        Ok(Some(vendor)) => {
            let wanted = if args.mobile.is_some() {
                Elements::Three
            } else {
                Elements::Two
            };
            if vendor.elements() != wanted {
                return usage(&match wanted {
                    Elements::Three => format!(
                        "{vendor} checks name + ID number only; drop --mobile, or choose a three-element vendor"
                    ),
                    _ => format!("{vendor} checks name + ID number + mobile; give --mobile"),
                });
            }
        }
        Ok(None) => {}
        Err(e) => return usage(&e.0),
    }
    let market = match args.market.connect() {
        Ok(m) => m,
        Err(e) => return usage(&e.0),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the async runtime: {e}")),
    };
    let who = Identity::unchecked(&args.name, &args.id_card, args.mobile.as_deref());
    let result = runtime.block_on(market.router.verify(&who));
    match result {
        Ok(routed) => {
            if args.json {
                println!("{}", verdict_json(&routed));
            } else {
                print_verdict(&routed);
            }
            ExitCode::SUCCESS
        }
        Err(failed) => {
            let input = failed.error.kind() == shiming::ErrorKind::InvalidInput;
            if args.json {
                println!("{}", error_json(&failed));
            } else {
                eprintln!(
                    "shiming: {}: {} (billed: {})",
                    error_kind(failed.error.kind()),
                    failed,
                    billed_word(failed.billing())
                );
            }
            ExitCode::from(if input { USAGE } else { SERVICE })
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("shiming: {message}");
    ExitCode::from(USAGE)
}

fn billed_word(billing: Billing) -> &'static str {
    match billing {
        Billing::Billed => "yes",
        Billing::NotBilled => "no",
        _ => "unknown",
    }
}

fn billed_json(billing: Billing) -> Value {
    match billing {
        Billing::Billed => Value::Bool(true),
        Billing::NotBilled => Value::Bool(false),
        _ => Value::Null,
    }
}

fn attempts_json(attempts: &shiming::Attempts) -> Value {
    attempts
        .iter()
        .map(|a| {
            json!({
                "vendor": a.vendor,
                "outcome": match a.outcome {
                    shiming::Outcome::Failed(kind) => error_kind(kind),
                    other => other.code(),
                },
                "billed": billed_json(a.billing),
                "price": a.price.to_string(),
            })
        })
        .collect()
}

/// The success object: the keys first, then detail, reference, cost and attempts.
fn verdict_json(routed: &Routed) -> Value {
    let v = &routed.verification;
    json!({
        "verdict": v.verdict.code(),
        "vendor": v.vendor,
        "billed": v.billed,
        "carrier": v.carrier.map(shiming::Carrier::code),
        "vendor_code": v.vendor_code,
        "vendor_message": v.vendor_message,
        "request_id": v.request_id,
        "detail": v.detail,
        "vendor_reference": v.vendor_reference,
        "cost": routed.attempts.cost().to_string(),
        "attempts": attempts_json(&routed.attempts),
    })
}

fn error_json(failed: &RouteError) -> Value {
    json!({
        "error": {
            "kind": error_kind(failed.error.kind()),
            "message": failed.error.message(),
            "billed": billed_json(failed.billing()),
            "vendor": failed.error.vendor(),
            "vendor_code": failed.error.vendor_code(),
            "request_id": failed.error.request_id(),
            "attempts": attempts_json(&failed.attempts),
        }
    })
}

fn print_verdict(routed: &Routed) {
    let v = &routed.verification;
    println!("verdict:  {}", v.verdict);
    println!(
        "vendor:   {} ({}, {} CNY)",
        v.vendor,
        if v.billed { "billed" } else { "not billed" },
        routed.attempts.cost()
    );
    if let Some(carrier) = v.carrier {
        println!("carrier:  {}", carrier.chinese_name());
    }
    if let Some(detail) = &v.detail {
        println!("detail:   {detail}");
    }
    match (&v.vendor_code, &v.vendor_message) {
        (Some(code), Some(message)) => println!("answer:   {code} {message}"),
        (Some(one), None) | (None, Some(one)) => println!("answer:   {one}"),
        (None, None) => {}
    }
    if let Some(id) = &v.request_id {
        println!("request:  {id}");
    }
    if routed.attempts.len() > 1 {
        println!("tried:    {}", routed.attempts);
    }
}
