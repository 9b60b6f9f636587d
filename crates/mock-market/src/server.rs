//! The hyper server: accept loop with a connection cap, header-read timeout, bounded bodies,
//! graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::admin;
use crate::market::{self, Market};
use crate::Reply;

/// The connection is closed without an answer (a fault, or the client went away).
#[derive(Debug)]
pub(crate) struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by the mock")
    }
}

impl std::error::Error for Closed {}

/// Reads the body within the market's limit.
pub(crate) async fn read(
    req: Request<Incoming>,
    max_body: usize,
) -> Result<market::Request, Closed> {
    let (parts, body) = req.into_parts();
    let (body, body_too_large) = match Limited::new(body, max_body).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => (Bytes::new(), true),
        Err(_) => return Err(Closed),
    };
    Ok(market::Request {
        method: parts.method,
        target_len: parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len()),
        uri: parts.uri,
        headers: parts.headers,
        body,
        body_too_large,
    })
}

async fn serve(
    market: Arc<Market>,
    admin: Arc<admin::AdminAccess>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Closed> {
    let req = read(req, market.config.max_body_bytes).await?;
    if let Some(refusal) = admin.refusal(&req) {
        return Ok(refusal.map(Full::new));
    }
    match admin::reply(&market, &req) {
        Reply::Respond { response, delay } => {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            Ok(response.map(Full::new))
        }
        Reply::Close => Err(Closed),
    }
}

/// Serves `listener` until `shutdown` resolves, then lets open requests finish (up to 5 s).
pub(crate) async fn run(
    listener: TcpListener,
    market: Arc<Market>,
    admin: admin::AdminAccess,
    shutdown: impl Future<Output = ()>,
) {
    let admin = Arc::new(admin);
    let connections = Arc::new(Semaphore::new(market.config.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        // The gateway's own spelling on the wire (`X-Ca-Request-Id`, `X-Ca-Error-Message`,
        // `Content-Type`): clients that look header names up case-sensitively (Aliyun's Java
        // demo) find them. HTTP/2 names stay lower case, as that protocol requires.
        .title_case_headers(true)
        .timer(TokioTimer::new())
        .header_read_timeout(market.config.header_read_timeout)
        .max_buf_size(64 * 1024);
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            drop(stream); // over the connection cap: close at once
            continue;
        };
        let _ = stream.set_nodelay(true);
        market.state.connection_accepted();
        let market = Arc::clone(&market);
        let admin = Arc::clone(&admin);
        let service = service_fn(move |req| serve(Arc::clone(&market), Arc::clone(&admin), req));
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}
