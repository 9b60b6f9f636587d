//! `shiming verify`: one real-name check through the marketplace (or the mock market).
//!
//! Exit codes: 0 a verdict was obtained (match, mismatch or no_record; also from the dedupe
//! cache), 2 usage error or invalid input (nothing was sent), 3 service error (see the error's
//! `billed`), 4 refused by a budget of the ledger (`budget_exhausted`: nothing was sent).

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use shiming::{Billing, Elements, Identity, NoRoute, RouteError, Routed};

use crate::market::MarketArgs;

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
const BUDGET: u8 = 4;

pub fn run(args: &VerifyArgs) -> ExitCode {
    let who = Identity::unchecked(&args.name, &args.id_card, args.mobile.as_deref());
    let wanted = Elements::of(&who);
    let only = match args.market.vendor() {
        Ok(only) => only,
        Err(e) => return usage(&e.0),
    };
    if let Some(vendor) = only {
        if vendor.elements() != wanted {
            return usage(&match wanted {
                Elements::Three => format!(
                    "{vendor} checks name + ID number only; drop --mobile, or choose a three-element vendor"
                ),
                _ => format!("{vendor} checks name + ID number + mobile; give --mobile"),
            });
        }
    }
    let runtime = match crate::market::runtime() {
        Ok(r) => r,
        Err(e) => return usage(&e.0),
    };
    let market = match args.market.connect(only, &runtime, |_| {}) {
        Ok(m) => m,
        Err(e) => return usage(&e.0),
    };
    // A configuration without a vendor for these elements is a usage problem (nothing would be
    // sent), not a service error.
    if let Some(none) = market.router.no_route(wanted) {
        return usage(&no_usable_vendor(none));
    }
    let result = runtime.block_on(market.router.verify(&who));
    match result {
        Ok(routed) => {
            if args.json {
                print_json(&verdict_json(&routed));
            } else {
                print_verdict(&routed);
            }
            ExitCode::SUCCESS
        }
        Err(failed) => {
            if args.json {
                print_json(&error_json(&failed));
            } else {
                eprintln!("{}", error_line(&failed));
            }
            ExitCode::from(match failed.error.kind() {
                shiming::ErrorKind::InvalidInput => USAGE,
                shiming::ErrorKind::BudgetExhausted => BUDGET,
                _ => SERVICE,
            })
        }
    }
}

/// The router's sentence about a missing vendor, for the command line: the vendors looked at
/// are those the configuration and the flags made usable, and the advice names the switches.
pub(crate) fn no_usable_vendor(none: NoRoute) -> String {
    let switches = match none.elements {
        Elements::Three => {
            " (phonethird also needs --phonethird-consent), or drop --mobile for a two-element check"
        }
        _ => ", or add --mobile for a three-element check",
    };
    none.message(
        "usable",
        &format!(": give credentials for {}{switches}", none.vendors()),
    )
}

fn usage(message: &str) -> ExitCode {
    eprintln!("shiming: {message}");
    ExitCode::from(USAGE)
}

/// Prints one JSON object on stdout (serializing these plain structs cannot fail).
fn print_json(value: &impl Serialize) {
    match serde_json::to_string(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("shiming: cannot write the JSON answer: {e}"),
    }
}

/// A verdict's code, or the public name of an error kind (see [`shiming::ErrorKind::public_name`]).
fn outcome_code(outcome: shiming::Outcome) -> &'static str {
    match outcome {
        shiming::Outcome::Error(kind) => kind.public_name(),
        other => other.code(),
    }
}

/// One vendor tried, in `attempts`.
#[derive(Serialize)]
struct AttemptJson {
    vendor: &'static str,
    outcome: &'static str,
    billed: Option<bool>,
    price: String,
}

fn attempts_json(attempts: &shiming::Attempts) -> Vec<AttemptJson> {
    attempts
        .iter()
        .map(|a| AttemptJson {
            vendor: a.vendor,
            outcome: outcome_code(a.outcome),
            billed: a.billing.known(),
            price: a.price.to_string(),
        })
        .collect()
}

/// The success object, keys in the documented order: the keys first, then detail,
/// reference, cost, attempts and cached (the verdict came from the dedupe cache: nothing
/// sent, cost 0, `billed` false; `request_id` is the original call's).
#[derive(Serialize)]
pub(crate) struct VerdictJson<'a> {
    verdict: &'static str,
    vendor: &'static str,
    billed: bool,
    carrier: Option<&'static str>,
    vendor_code: Option<&'a str>,
    vendor_message: Option<&'a str>,
    request_id: Option<&'a str>,
    detail: Option<&'a str>,
    vendor_reference: Option<&'a str>,
    cost: String,
    attempts: Vec<AttemptJson>,
    cached: bool,
}

pub(crate) fn verdict_json(routed: &Routed) -> VerdictJson<'_> {
    let v = &routed.verification;
    VerdictJson {
        verdict: v.verdict.code(),
        vendor: v.vendor,
        billed: v.billing == Billing::Billed,
        carrier: v.carrier.map(shiming::Carrier::code),
        vendor_code: v.vendor_code.as_deref(),
        vendor_message: v.vendor_message.as_deref(),
        request_id: v.request_id.as_deref(),
        detail: v.detail.as_deref(),
        vendor_reference: v.vendor_reference.as_deref(),
        cost: routed.attempts.cost().to_string(),
        attempts: attempts_json(&routed.attempts),
        cached: routed.cached,
    }
}

/// The failure object: `{"error": {...}}`.
#[derive(Serialize)]
pub(crate) struct ErrorJson<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    kind: &'static str,
    message: &'a str,
    billed: Option<bool>,
    vendor: Option<&'static str>,
    vendor_code: Option<&'a str>,
    request_id: Option<&'a str>,
    attempts: Vec<AttemptJson>,
}

pub(crate) fn error_json(failed: &RouteError) -> ErrorJson<'_> {
    ErrorJson {
        error: ErrorBody {
            kind: failed.error.kind().public_name(),
            message: failed.error.message(),
            billed: failed.billing().known(),
            vendor: failed.error.vendor(),
            vendor_code: failed.error.vendor_code(),
            request_id: failed.error.request_id(),
            attempts: attempts_json(&failed.attempts),
        },
    }
}

/// The vendors tried, with the public outcome names of `--json`:
/// `sxm3v2: quota_exhausted (not billed, 0.170) → tel3: match (billed, 0.200)`.
fn tried(attempts: &shiming::Attempts) -> String {
    let mut text = String::new();
    for (i, a) in attempts.iter().enumerate() {
        if i > 0 {
            text.push_str(" → ");
        }
        let outcome = outcome_code(a.outcome);
        let _ = write!(text, "{}: {outcome} ({}, {})", a.vendor, a.billing, a.price);
    }
    text
}

/// The failure on stderr, with the public kind (the one `--json` prints) said once:
/// `shiming: unavailable: tel3: Service Unavailable (request …) (billed: no)`.
fn error_line(failed: &RouteError) -> String {
    let e = &failed.error;
    let mut line = format!("shiming: {}: ", e.kind().public_name());
    if let Some(vendor) = e.vendor() {
        let _ = write!(line, "{vendor}: ");
    }
    line.push_str(e.message());
    if let Some(id) = e.request_id() {
        let _ = write!(line, " (request {id})");
    }
    if failed.attempts.len() > 1 {
        let _ = write!(line, " (tried {})", tried(&failed.attempts));
    }
    let _ = write!(line, " (billed: {})", failed.billing().yes_no());
    line
}

fn print_verdict(routed: &Routed) {
    let v = &routed.verification;
    println!("verdict:  {}", v.verdict);
    if routed.cached {
        println!("vendor:   {} (cached: nothing sent, 0.000 CNY)", v.vendor);
    } else {
        println!(
            "vendor:   {} ({}, {} CNY)",
            v.vendor,
            v.billing,
            routed.attempts.cost()
        );
    }
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
        println!("tried:    {}", tried(&routed.attempts));
    }
}
