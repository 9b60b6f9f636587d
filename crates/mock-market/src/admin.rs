//! The admin API under `/__admin/`: health, journal, usage, reset, quota, faults, scenarios.
//!
//! | method and path | body | answer |
//! | --- | --- | --- |
//! | `GET /__admin/health` | | `{"status":"ok"}` |
//! | `GET /__admin/journal` | | the journal, oldest first (masked) |
//! | `GET /__admin/usage` | | received / charged / quota left per credential and product (`?all=1`: untouched pairs too) |
//! | `GET /__admin/connections` | | `{"accepted": N}`: TCP connections accepted (keep-alive reuse) |
//! | `POST /__admin/reset` | | forgets usage, journal, queued faults and nonces |
//! | `POST /__admin/quota` | `{"credential": "<AppCode, AppKey or label>", "product": "tel3" \| null, "quota": 5 \| null}` | the new usage rows |
//! | `POST /__admin/faults` | `{"fault": "drop", "count": 3, "product": "tel3" \| null}` | `{"queued": …}` |
//! | `GET /__admin/scenarios` | | every replayable documented body: id, status, billed, description, the vendor document it comes from |
//! | `POST /__admin/scenarios` | `{"scenario": "tel3/fail-mobile", "count": 1}` | the next N requests of its API get that documented body |

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Method, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::market::{Market, Request};
use crate::{scenarios, Fault, Reply, Vendor};

/// Paths starting with this are the admin API.
pub const PREFIX: &str = "/__admin/";

fn respond(status: StatusCode, value: &serde_json::Value) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

fn bad_request(message: impl Into<String>) -> Response<Bytes> {
    respond(StatusCode::BAD_REQUEST, &json!({ "error": message.into() }))
}

#[derive(Deserialize)]
struct QuotaRequest {
    credential: String,
    product: Option<String>,
    quota: Option<u64>,
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: String,
    count: Option<u64>,
    product: Option<String>,
}

#[derive(Deserialize)]
struct ScenarioRequest {
    scenario: String,
    count: Option<u64>,
}

fn product_list(product: Option<&str>) -> Result<Vec<Vendor>, String> {
    match product {
        None => Ok(Vendor::ALL.to_vec()),
        Some(id) => Vendor::from_id(id)
            .map(|p| vec![p])
            .ok_or_else(|| format!("unknown product {id:?}")),
    }
}

/// Who may change the market (reset, quota, faults, scenarios) through the admin API on the
/// market's own port. Reading it — health, journal, usage, connections, the scenario list — is
/// always open: it is masked like the journal.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum AdminAccess {
    /// Anyone who reaches the port (the market listens on loopback).
    Open,
    /// Only with `Authorization: Bearer <token>` (or `?token=`).
    Token(String),
    /// Nobody: the market listens off loopback and was given no admin token.
    Refused,
}

impl std::fmt::Debug for AdminAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AdminAccess::Open => "Open",
            AdminAccess::Token(_) => "Token(<hidden>)",
            AdminAccess::Refused => "Refused",
        })
    }
}

impl AdminAccess {
    /// The refusal of `req`, when it is an admin change its sender may not make.
    pub(crate) fn refusal(&self, req: &Request) -> Option<Response<Bytes>> {
        if !req.path().starts_with(PREFIX) || matches!(req.method, Method::GET | Method::HEAD) {
            return None;
        }
        match self {
            AdminAccess::Open => None,
            AdminAccess::Token(expected) => {
                let given = shiming_console_assets::access::token(
                    req.headers
                        .get(http::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok()),
                    req.uri.query(),
                );
                let allowed = given.is_some_and(|given| {
                    shiming_console_assets::access::same_token(&given, expected)
                });
                (!allowed).then(|| {
                    respond(
                        StatusCode::UNAUTHORIZED,
                        &json!({ "error": "the admin API's changes need the admin token: Authorization: Bearer <token>" }),
                    )
                })
            }
            AdminAccess::Refused => Some(respond(
                StatusCode::FORBIDDEN,
                &json!({ "error": "the market listens off loopback without an admin token: the admin API's changes are refused (start it with --admin-token)" }),
            )),
        }
    }
}

/// Answers an admin request.
/// Answers one request as the server would: the admin API under `/__admin/`, everything
/// else through [`Market::handle`] (the marketplace).
pub(crate) fn reply(market: &Market, req: &Request) -> Reply {
    if req.path().starts_with(PREFIX) {
        Reply::Respond {
            response: handle(market, req),
            delay: None,
        }
    } else {
        market.handle(req)
    }
}

fn handle(market: &Market, req: &Request) -> Response<Bytes> {
    let endpoint = req.path().strip_prefix(PREFIX).unwrap_or_default();
    match (&req.method, endpoint) {
        (&Method::GET, "health") => respond(StatusCode::OK, &json!({ "status": "ok" })),
        (&Method::GET, "journal") => respond(StatusCode::OK, &json!(market.state.journal())),
        (&Method::GET, "usage") if req.query() == Some("all=1") => {
            respond(StatusCode::OK, &json!(market.state.usage_of_all()))
        }
        (&Method::GET, "usage") => respond(StatusCode::OK, &json!(market.state.usage())),
        (&Method::GET, "connections") => respond(
            StatusCode::OK,
            &json!({ "accepted": market.state.connections() }),
        ),
        (&Method::GET, "scenarios") => {
            let list: Vec<_> = scenarios::all()
                .iter()
                .map(|s| {
                    json!({
                        "id": format!("{}/{}", s.api.id(), s.name),
                        "status": s.status.as_u16(),
                        "billed": s.billed,
                        "description": s.description,
                        "seed": s.seed,
                    })
                })
                .collect();
            respond(StatusCode::OK, &json!(list))
        }
        (&Method::POST, "reset") => {
            market.state.reset();
            respond(StatusCode::OK, &json!({ "reset": true }))
        }
        (&Method::POST, "quota") => {
            let Ok(q) = serde_json::from_slice::<QuotaRequest>(&req.body) else {
                return bad_request(
                    "expected {\"credential\": …, \"product\": … | null, \"quota\": N | null}",
                );
            };
            let Some(credential) = market
                .config
                .credentials
                .iter()
                .find(|c| c.is_named(&q.credential))
            else {
                return bad_request("unknown credential");
            };
            let products = match product_list(q.product.as_deref()) {
                Ok(p) => p,
                Err(e) => return bad_request(e),
            };
            market
                .state
                .set_quota(&credential.label(), &products, q.quota);
            respond(StatusCode::OK, &json!(market.state.usage()))
        }
        (&Method::POST, "faults") => {
            let Ok(f) = serde_json::from_slice::<FaultRequest>(&req.body) else {
                return bad_request("expected {\"fault\": …, \"count\": N, \"product\": … | null}");
            };
            let fault = match f.fault.parse::<Fault>() {
                Ok(fault) => fault,
                Err(e) => return bad_request(e.to_string()),
            };
            let product = match f.product.as_deref().map(|p| product_list(Some(p))) {
                None => None,
                Some(Ok(list)) => list.first().copied(),
                Some(Err(e)) => return bad_request(e),
            };
            let count = f.count.unwrap_or(1);
            market.state.queue_fault(fault, count, product);
            respond(
                StatusCode::OK,
                &json!({ "queued": fault.to_string(), "count": count }),
            )
        }
        (&Method::POST, "scenarios") => {
            let Ok(q) = serde_json::from_slice::<ScenarioRequest>(&req.body) else {
                return bad_request("expected {\"scenario\": \"tel3/fail-mobile\", \"count\": N}");
            };
            let Some(scenario) = scenarios::find(&q.scenario) else {
                return bad_request("unknown scenario: GET /__admin/scenarios lists them");
            };
            let count = q.count.unwrap_or(1);
            market.state.queue_scenario(scenario, count);
            respond(
                StatusCode::OK,
                &json!({ "queued": format!("{}/{}", scenario.api.id(), scenario.name), "count": count }),
            )
        }
        _ => respond(
            StatusCode::NOT_FOUND,
            &json!({
                "error": "unknown admin endpoint",
                "endpoints": ["GET health", "GET journal", "GET usage", "GET connections", "GET scenarios",
                              "POST reset", "POST quota", "POST faults"],
            }),
        ),
    }
}
