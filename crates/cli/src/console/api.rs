//! The console's calls: what the page needs to know, local validation as a person types, a
//! check through the router, and the ledger.

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use serde::Deserialize;
use shiming::gateway::tap::{self, Exchange};
use shiming::store::Store;
use shiming::{today_in_china, Elements, Identity, Router, Vendor};
use shiming_core::id_card::ValidationOptions;
use shiming_core::mask::{self, Redactor};

use super::json;
use crate::market::Market;

/// The form of Try a check: the product (`auto` or a vendor id) and the elements.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Form {
    vendor: Option<String>,
    name: Option<String>,
    id_card: Option<String>,
    mobile: Option<String>,
}

/// What the console serves from: the router (with its store) and where it sends.
pub struct App {
    router: Router,
    store: Option<Arc<dyn Store>>,
    shared: bool,
    mock: bool,
    /// Keeps the built-in mock market of `--mock` running.
    _market: Market,
    /// The batch page's files and runs.
    pub batches: super::batch::Batches,
    ledger: String,
    #[cfg(feature = "mock")]
    examples: Vec<shiming_mock_market::Person>,
}

impl App {
    pub fn new(
        market: Market,
        mock: bool,
        ledger: Option<String>,
        batches: super::batch::Batches,
    ) -> App {
        App {
            router: market.router.clone(),
            store: market.store.clone(),
            shared: market.shared,
            mock,
            _market: market,
            batches,
            ledger: ledger.unwrap_or_else(|| "default".into()),
            #[cfg(feature = "mock")]
            examples: if mock {
                shiming_mock_market::Registry::builtin().people().to_vec()
            } else {
                Vec::new()
            },
        }
    }

    /// The mode, the vendors the router can use, the store, and on the mock the registry's
    /// (synthetic) people as examples.
    pub fn info(&self) -> Response<Full<Bytes>> {
        let vendors: Vec<&str> = self
            .router
            .routes()
            .iter()
            .filter(|r| r.is_enabled())
            .map(|r| r.vendor())
            .collect();
        #[cfg(feature = "mock")]
        let examples: Vec<serde_json::Value> = self
            .examples
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name, "id_card": p.id_card, "mobile": p.mobile, "note": p.note,
                })
            })
            .collect();
        #[cfg(not(feature = "mock"))]
        let examples: Vec<serde_json::Value> = Vec::new();
        json(
            StatusCode::OK,
            &serde_json::json!({
                "mode": if self.mock { "mock" } else { "market" },
                "vendors": vendors,
                "store": match (&self.store, self.shared) {
                    (None, _) => None,
                    (Some(_), true) => Some("redis"),
                    (Some(_), false) => Some("memory"),
                },
                "examples": examples,
            }),
        )
    }

    /// `check --json`'s reports of each element given, normalized values masked.
    pub fn validate(&self, form: &Form) -> Response<Full<Bytes>> {
        let options = ValidationOptions::new(today_in_china()).strict(self.router.strict_regions());
        json(
            StatusCode::OK,
            &crate::check::reports(
                form.name.as_deref(),
                form.id_card.as_deref(),
                form.mobile.as_deref(),
                &options,
            ),
        )
    }

    /// One check through the router (or its routes of the chosen vendor): the verdict object
    /// of `verify --json`, or its error object (`invalid_input` for input refused locally:
    /// nothing sent), with the person shown masked. Either is an answer (200): HTTP errors
    /// are for calls the console cannot take.
    pub async fn check(&self, form: &Form) -> Response<Full<Bytes>> {
        let name = form.name.as_deref().unwrap_or_default();
        let id_card = form.id_card.as_deref().unwrap_or_default();
        let mobile = form.mobile.as_deref().filter(|m| !m.trim().is_empty());
        let who = Identity::unchecked(name, id_card, mobile);
        let shown = serde_json::json!({
            "name": mask::mask_name(name.trim()),
            "id_card": mask::mask_id(id_card.trim()),
            "mobile": mobile.map(|m| mask::mask_mobile(m.trim())),
        });
        let router = match form.vendor.as_deref().map(str::trim) {
            None | Some("" | "auto") => self.router.clone(),
            Some(id) => match id.parse::<Vendor>() {
                Ok(vendor) => self.router.only(vendor),
                Err(e) => {
                    return super::json(
                        StatusCode::BAD_REQUEST,
                        &serde_json::json!({ "error": { "message": e.to_string() } }),
                    )
                }
            },
        };
        if let Some(none) = router.no_route(Elements::of(&who)) {
            return json(
                StatusCode::OK,
                &serde_json::json!({
                    "error": { "kind": "no_route", "message": crate::verify::no_usable_vendor(none) },
                    "identity": shown,
                }),
            );
        }
        let (result, exchanges) = tap::capture(router.verify(&who)).await;
        let mut value = match result {
            Ok(routed) => serde_json::to_value(crate::verify::verdict_json(&routed)),
            Err(failed) => serde_json::to_value(crate::verify::error_json(&failed)),
        }
        .unwrap_or(serde_json::Value::Null);
        value["identity"] = shown;
        let redactor = Redactor::new()
            .name(name)
            .id_number(id_card)
            .mobile(mobile.unwrap_or_default());
        value["exchanges"] = exchanges
            .iter()
            .map(|e| exchange_json(e, &redactor))
            .collect();
        json(StatusCode::OK, &value)
    }

    /// The ledger of `shiming usage --json` (this process's, with an in-memory store).
    pub async fn usage(&self) -> Response<Full<Bytes>> {
        let Some(store) = &self.store else {
            return json(
                StatusCode::OK,
                &serde_json::json!({ "store": null, "ledger": self.ledger }),
            );
        };
        match store.snapshot(today_in_china()).await {
            Ok(snapshot) => {
                let mut value = serde_json::to_value(&snapshot).unwrap_or(serde_json::Value::Null);
                value["ledger"] = self.ledger.clone().into();
                value["store"] = if self.shared { "redis" } else { "memory" }.into();
                json(StatusCode::OK, &value)
            }
            Err(e) => json(
                StatusCode::SERVICE_UNAVAILABLE,
                &serde_json::json!({ "error": { "message": e.to_string() } }),
            ),
        }
    }
}

/// What 开发者模式 shows of one exchange: the request as sent and the answer as received,
/// every given value masked wherever it appears (the query, the body, headers and bodies a
/// vendor or the gateway echoes), the credentials hidden by the gateway's record.
fn exchange_json(exchange: &Exchange, redactor: &Redactor) -> serde_json::Value {
    let headers = |list: &[(String, String)]| -> Vec<[String; 2]> {
        list.iter()
            .map(|(name, value)| [name.clone(), redactor.redact(value)])
            .collect()
    };
    serde_json::json!({
        "vendor": exchange.vendor,
        "attempt": exchange.attempt,
        "method": exchange.method,
        "url": redactor.redact(&exchange.url),
        "request_headers": headers(&exchange.request_headers),
        "request_body": redactor.redact(&String::from_utf8_lossy(&exchange.request_body)),
        "status": exchange.status,
        "response_headers": headers(&exchange.response_headers),
        "response_body": redactor.redact(&String::from_utf8_lossy(&exchange.response_body)),
        "failure": exchange.failure,
        "latency_ms": exchange.latency.as_secs_f64() * 1000.0,
    })
}
