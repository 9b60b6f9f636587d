//! `shiming console`: the web console for the people who run checks — Try a check (local
//! validation as you type, then the check through the configured router, with its failover,
//! cache, limits and budget) and the ledger of `shiming usage` — on a loopback port by
//! default. Credentials stay in this process: the page never receives an AppCode or secret.
//! Off loopback it needs a token; a state-changing call must come from the page (the rules of
//! `shiming_console_assets::access`). Nothing typed into the form is logged or kept.

mod api;
mod batch;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use clap::Args;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use shiming_console_assets::access::{self, MIN_TOKEN_LEN};

use crate::market::{MarketArgs, UsageError};

/// Options of `shiming console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub market: MarketArgs,
    /// Address to serve the console on (loopback by default; any other needs --token)
    #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The token every page and call must present (at least 16 characters; default: the
    /// SHIMING_CONSOLE_TOKEN environment variable). Required off loopback.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}

/// Largest request body the console reads (a check's form).
const MAX_BODY: usize = 16 * 1024;

/// Largest file the batch page takes.
const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn run(args: &ConsoleArgs) -> ExitCode {
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(UsageError(message)) => {
            eprintln!("shiming console: {message}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: &ConsoleArgs) -> Result<(), UsageError> {
    let token = args
        .token
        .clone()
        .or_else(|| std::env::var("SHIMING_CONSOLE_TOKEN").ok());
    match &token {
        Some(t) if t.len() < MIN_TOKEN_LEN => {
            return Err(UsageError(format!(
                "--token must be at least {MIN_TOKEN_LEN} characters"
            )))
        }
        None if !args.listen.ip().is_loopback() => {
            return Err(UsageError(format!(
                "--listen {} is not a loopback address: give --token (or SHIMING_CONSOLE_TOKEN), \
                 which every page and call must then present",
                args.listen
            )))
        }
        _ => {}
    }
    let runtime = crate::market::runtime()?;
    let only = args.market.vendor()?;
    // Every call is counted, so that the Usage page has a ledger: in memory unless the
    // configuration names a shared store.
    let market = args
        .market
        .connect(only, &runtime, |config| config.store.table = true)?;
    let batches = batch::Batches::new(&args.market)
        .map_err(|e| UsageError(format!("cannot make the console's work directory: {e}")))?;
    let app = Arc::new(api::App::new(
        market,
        args.market.mock,
        args.market.ledger.clone(),
        batches,
    ));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| UsageError(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| UsageError(e.to_string()))?;
        println!("console on http://{addr}/");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let token = token.map(Arc::<str>::from);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(_) => continue,
                },
                _ = tokio::signal::ctrl_c() => break,
            };
            let (app, token) = (Arc::clone(&app), token.clone());
            let service = service_fn(move |req| {
                let (app, token) = (Arc::clone(&app), token.clone());
                async move { Ok::<_, Infallible>(answer(&app, token.as_deref(), req).await) }
            });
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
        Ok(())
    })
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<Full<Bytes>> {
    respond(
        status,
        "application/json; charset=utf-8",
        Bytes::from(value.to_string()),
    )
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        &serde_json::json!({ "error": { "message": message } }),
    )
}

/// An embedded file, or `304` when the browser has it.
fn asset(name: &str, if_none_match: Option<&HeaderValue>) -> Response<Full<Bytes>> {
    let Some(asset) = shiming_console_assets::get(name) else {
        return error(StatusCode::NOT_FOUND, "no such page");
    };
    let (status, body) = if asset.is_fresh(if_none_match.map(HeaderValue::as_bytes)) {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else {
        (StatusCode::OK, Bytes::from_static(asset.body))
    };
    let mut response = respond(status, asset.content_type, body);
    for (name, value) in asset.headers() {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A batch call's answer: its status, or why it cannot be done (an answer the page shows).
fn batch_answer(result: Result<serde_json::Value, String>) -> Response<Full<Bytes>> {
    match result {
        Ok(value) => json(StatusCode::OK, &value),
        Err(message) => json(
            StatusCode::OK,
            &serde_json::json!({ "error": { "message": message } }),
        ),
    }
}

/// `%XX` and `+` decoded, as a browser encodes a file name in a query.
fn percent_decode(text: &str) -> String {
    form_urlencoded::parse(format!("n={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Answers one request.
async fn answer(
    app: &api::App,
    token: Option<&str>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    // The files a page loads hold nothing: served to anyone.
    if req.method() == Method::GET {
        if let Some(name) = path.strip_prefix('/') {
            if shiming_console_assets::loaded_by_pages(name).is_some() {
                return asset(name, req.headers().get(header::IF_NONE_MATCH));
            }
        }
    }
    let asked = access::Asked::read(req.method().as_str(), req.uri().query(), |name| {
        req.headers().get(name).and_then(|v| v.to_str().ok())
    });
    if let Err(refusal) = access::check(token, &asked) {
        let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
        return error(status, refusal.message());
    }
    match (req.method().clone(), path.as_str()) {
        (Method::GET, "/") => asset("app.html", req.headers().get(header::IF_NONE_MATCH)),
        (Method::GET, "/api/info") => app.info(),
        (Method::GET, "/api/usage") => app.usage().await,
        (Method::POST, "/api/batch") => {
            let name = req
                .uri()
                .query()
                .and_then(|q| {
                    q.split('&')
                        .find_map(|p| p.strip_prefix("name="))
                        .map(str::to_string)
                })
                .unwrap_or_default();
            let name = percent_decode(&name);
            match Limited::new(req.into_body(), MAX_UPLOAD).collect().await {
                Ok(body) => batch_answer(app.batches.upload(&name, &body.to_bytes())),
                Err(_) => error(StatusCode::PAYLOAD_TOO_LARGE, "the file is over 64 MiB"),
            }
        }
        (method, p) if p.starts_with("/api/batch/") => {
            let rest = &p["/api/batch/".len()..];
            let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
            let Ok(id) = id.parse::<u64>() else {
                return error(StatusCode::NOT_FOUND, "no such batch");
            };
            match (method, action) {
                (Method::GET, "") => batch_answer(app.batches.status(id)),
                (Method::POST, "start") => batch_answer(app.batches.start(id)),
                (Method::POST, "stop") => batch_answer(app.batches.stop(id)),
                (Method::GET, "output.csv") => match app.batches.output(id) {
                    Ok(bytes) => {
                        let mut response = respond(
                            StatusCode::OK,
                            "text/csv; charset=utf-8",
                            Bytes::from(bytes),
                        );
                        response.headers_mut().insert(
                            header::CONTENT_DISPOSITION,
                            HeaderValue::from_static("attachment; filename=\"shiming-batch.csv\""),
                        );
                        response
                    }
                    Err(e) => error(StatusCode::NOT_FOUND, &e),
                },
                _ => error(StatusCode::NOT_FOUND, "no such page"),
            }
        }
        (Method::POST, "/api/validate" | "/api/check") => {
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(body) => body.to_bytes(),
                Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"),
            };
            let form: api::Form = match serde_json::from_slice(&body) {
                Ok(form) => form,
                Err(_) => {
                    return error(StatusCode::BAD_REQUEST, "the form is not the expected JSON")
                }
            };
            if path == "/api/validate" {
                app.validate(&form)
            } else {
                app.check(&form).await
            }
        }
        _ => error(StatusCode::NOT_FOUND, "no such page"),
    }
}
