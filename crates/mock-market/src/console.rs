//! The console on its own port: the embedded pages at `/__console/`, the live journal as
//! server-sent events at `/__console/events`, what the page needs to know at
//! `/__console/info`, and the admin API (`/__admin/…`) the page calls.
//!
//! Safety. Bound to loopback by default. When a token is given (the command line requires one
//! off loopback), every page, event stream and API call needs it — `Authorization: Bearer …`,
//! or `?token=…` where a browser cannot set a header (opening the page, `EventSource`); the
//! files the page loads (script, style, icon) hold nothing and need none. A state-changing
//! call also needs the `X-Shiming-Console` header, which a page of another origin cannot send
//! without the server's consent (no CORS is offered), and an `Origin`, when sent, of this
//! console: a cross-site form or script cannot change the market. The journal it streams is
//! the masked one.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use serde_json::{json, Value};
use shiming_console_assets::access;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};

use crate::console_try::{try_check, TryForm};
use crate::market::Market;
use crate::state::Feed;
use crate::{admin, server, Reply, Vendor};

/// Where the console's pages live.
pub const PREFIX: &str = "/__console/";

/// How often an idle event stream gets a comment, so that proxies and the browser keep it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Connections the console serves at once (a few browser tabs).
const MAX_CONNECTIONS: usize = 64;

/// What the console needs besides the market: where the market listens (for the page's
/// `curl` lines) and the token, if one is required.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleSettings {
    pub(crate) market_url: String,
    pub(crate) token: Option<String>,
}

type Body = BoxBody<Bytes, Infallible>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(full(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &json!({ "error": message }))
}

fn redirect(to: &str) -> Response<Body> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// An embedded file, or `304` when the browser has it.
fn asset(name: &str, if_none_match: Option<&HeaderValue>) -> Response<Body> {
    let Some(asset) = shiming_console_assets::get(name) else {
        return error(StatusCode::NOT_FOUND, "no such console file");
    };
    let mut response = if asset.is_fresh(if_none_match.map(HeaderValue::as_bytes)) {
        let mut r = Response::new(full(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(full(Bytes::from_static(asset.body)))
    };
    for (name, value) in asset.headers() {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

/// An event stream: each journal entry as `event: journal`, a reset as `event: reset`, and,
/// when the stream fell behind, `event: reload` (the page fetches the journal again).
struct EventStream {
    rx: mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// One server-sent event.
fn event(name: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// Forwards the market's feed to one event stream until the browser goes away.
async fn forward(mut feed: broadcast::Receiver<Feed>, tx: mpsc::Sender<Bytes>) {
    if tx
        .send(Bytes::from_static(b"retry: 1000\n\n"))
        .await
        .is_err()
    {
        return;
    }
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.tick().await;
    loop {
        let chunk = tokio::select! {
            received = feed.recv() => match received {
                Ok(Feed::Entry(entry)) => match serde_json::to_string(&*entry) {
                    Ok(data) => event("journal", &data),
                    Err(_) => continue,
                },
                Ok(Feed::Reset) => event("reset", "{}"),
                Err(broadcast::error::RecvError::Lagged(_)) => event("reload", "{}"),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = keep_alive.tick() => Bytes::from_static(b": keep-alive\n\n"),
        };
        if tx.send(chunk).await.is_err() {
            return;
        }
    }
}

fn events(market: &Market) -> Response<Body> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(forward(market.state.subscribe(), tx));
    let mut response = Response::new(EventStream { rx }.boxed());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn info(market: &Market, settings: &ConsoleSettings) -> Response<Body> {
    let products: Vec<&str> = Vendor::ALL.iter().map(|v| v.id()).collect();
    // The registry's people are synthetic: offered as examples for Try a check.
    let examples: Vec<Value> = market
        .registry
        .people()
        .iter()
        .map(
            |p| json!({ "name": p.name, "id_card": p.id_card, "mobile": p.mobile, "note": p.note }),
        )
        .collect();
    json_response(
        StatusCode::OK,
        &json!({ "market_url": settings.market_url, "products": products, "examples": examples }),
    )
}

/// Answers one request of the console port.
async fn serve(
    market: Arc<Market>,
    settings: Arc<ConsoleSettings>,
    req: Request<Incoming>,
) -> Result<Response<Body>, server::Closed> {
    let path = req.uri().path().to_string();
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    // The files a page loads hold nothing: served to anyone.
    if req.method() == Method::GET {
        if let Some(name) = path.strip_prefix(PREFIX) {
            if shiming_console_assets::loaded_by_pages(name).is_some() {
                return Ok(asset(name, req.headers().get(header::IF_NONE_MATCH)));
            }
        }
    }
    let asked = access::Asked::read(req.method().as_str(), req.uri().query(), |name| {
        req.headers().get(name).and_then(|v| v.to_str().ok())
    });
    if let Err(refusal) = access::check(settings.token.as_deref(), &asked) {
        let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
        return Ok(error(status, refusal.message()));
    }
    match (req.method().clone(), path.as_str()) {
        (Method::GET, "/" | "/__console") => Ok(redirect(&format!("{PREFIX}{query}"))),
        (Method::GET, "/__console/") => {
            Ok(asset("mock.html", req.headers().get(header::IF_NONE_MATCH)))
        }
        (Method::GET, "/__console/info") => Ok(info(&market, &settings)),
        (Method::GET, "/__console/events") => Ok(events(&market)),
        (Method::POST, "/__console/try") => {
            let request = server::read(req, market.config.max_body_bytes).await?;
            let Ok(form) = serde_json::from_slice::<TryForm>(&request.body) else {
                return Ok(error(
                    StatusCode::BAD_REQUEST,
                    "the form is not the expected JSON",
                ));
            };
            let now = i64::try_from(crate::state::now_millis() / 1000).unwrap_or(0);
            let Some(today) = shiming_core::Date::in_china_at(now) else {
                return Ok(error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the clock is out of range",
                ));
            };
            let (status, value) = try_check(&market, &settings.market_url, &form, today);
            Ok(json_response(status, &value))
        }
        (_, p) if p.starts_with(admin::PREFIX) => {
            let request = server::read(req, market.config.max_body_bytes).await?;
            match admin::reply(&market, &request) {
                Reply::Respond { response, .. } => Ok(response.map(full)),
                Reply::Close => Err(server::Closed),
            }
        }
        _ => Ok(error(StatusCode::NOT_FOUND, "no such console page")),
    }
}

/// Serves the console on `listener` until `shutdown` resolves.
pub(crate) async fn run(
    listener: TcpListener,
    market: Arc<Market>,
    settings: ConsoleSettings,
    shutdown: impl Future<Output = ()>,
) {
    let settings = Arc::new(settings);
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(market.config.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let (market, settings) = (Arc::clone(&market), Arc::clone(&settings));
        let service = service_fn(move |req| serve(Arc::clone(&market), Arc::clone(&settings), req));
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
}
