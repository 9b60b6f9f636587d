//! Verifications per second through `PhonethirdClient` against the mock market, compared in
//! the same run with a bare hyper-util client sending the same request (issue 4's benchmark).
//!
//! Run: `cargo run --release -p shiming-phonethird --example throughput -- [CALLS_PER_TASK] [ROUNDS]`
//! (64 concurrent tasks; the mock market runs in-process on its own threads).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shiming_core::{id_card::ValidationOptions, Identity, ThreeElementVerifier};
use shiming_gateway::{Credentials, GatewayClient};
use shiming_mock_market::config::DEMO_APPCODE;
use shiming_mock_market::MockMarket;
use shiming_phonethird::PhonethirdClient;

const TASKS: usize = 64;
const NAME: &str = "陈思远";
const ID: &str = "330106198805160711";
const MOBILE: &str = "13957120001";

async fn shiming_round(client: &Arc<PhonethirdClient>, who: &Arc<Identity>, calls: usize) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = Arc::clone(client);
            let who = Arc::clone(who);
            tokio::spawn(async move {
                for _ in 0..calls {
                    let v = client.verify_three(&who).await.expect("verification");
                    assert_eq!(v.billing, shiming_core::Billing::Billed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (TASKS * calls) as f64 / start.elapsed().as_secs_f64()
}

type Bare = Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>;

async fn bare_round(client: &Bare, url: &Arc<String>, calls: usize) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            let url = Arc::clone(url);
            tokio::spawn(async move {
                for _ in 0..calls {
                    let req = http::Request::get(url.as_str())
                        .header("Authorization", format!("APPCODE {DEMO_APPCODE}"))
                        .header("Accept", "application/json")
                        .body(Empty::new())
                        .expect("request");
                    let resp = client.request(req).await.expect("answer");
                    assert_eq!(resp.status(), 200);
                    let _ = resp.into_body().collect().await.expect("body");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (TASKS * calls) as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let market = MockMarket::start().expect("mock market");
    let options = ValidationOptions::new(shiming_vendor_kit::today_in_china());
    let who = Arc::new(Identity::new(NAME, ID, Some(MOBILE), &options).expect("valid identity"));
    let client = Arc::new(
        PhonethirdClient::builder(Credentials::app_code(DEMO_APPCODE))
            .gateway(GatewayClient::new())
            .endpoint(market.url())
            .consent_obtained_by_caller(true)
            .build(),
    );
    let query: Vec<(&str, &str)> = vec![("idCard", ID), ("mobile", MOBILE), ("name", NAME)];
    let url = Arc::new(format!(
        "{}/mobileCheck?{}",
        market.url(),
        shiming_gateway::sign::encode_pairs(&query)
    ));
    let bare: Bare = Client::builder(TokioExecutor::new()).build_http();
    // Warm-up: open both pools, counting the connections PhonethirdClient opens.
    let before = market.connections();
    shiming_round(&client, &who, 5).await;
    let warm_up_connections = market.connections() - before;
    bare_round(&bare, &url, 5).await;
    let mut shiming_connections = 0;
    println!("| round | bare hyper-util (verifications/s) | PhonethirdClient (verifications/s) | ratio |");
    println!("|---:|---:|---:|---:|");
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let bare_rate = bare_round(&bare, &url, calls).await;
        let before = market.connections();
        let ours = shiming_round(&client, &who, calls).await;
        shiming_connections += market.connections() - before;
        let bare = bare_rate;
        ratios.push(ours / bare);
        println!("| {round} | {bare:.0} | {ours:.0} | {:.2}× |", ours / bare);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "\nmedian ratio {:.2}× (target ≥ 0.8×); {} tasks × {} calls per round; connections PhonethirdClient opened during the measured rounds: {} (its pool was warmed up with {} connections)",
        ratios[ratios.len() / 2],
        TASKS,
        calls,
        shiming_connections,
        warm_up_connections
    );
}
