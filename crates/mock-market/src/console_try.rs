//! Try a check on the mock console: the person validated locally first (a refused input is
//! never sent), then the request the vendor's API takes — its method, path and parameter
//! names — answered by this market as any client's would be (journaled, counted, charged),
//! with the first AppCode credential. The answer is shown raw: status, headers and body, as
//! the vendors' 开发者模式 does, and the request as sent with its values masked.

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use shiming_core::id_card::{self, ValidationOptions};
use shiming_core::mask::{Redactor, HIDDEN};
use shiming_core::{mobile, name, Date};

use crate::config::CredentialKind;
use crate::market::{Market, Request};
use crate::{admin, routing, Reply, Vendor};

/// The form: the product and the elements.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TryForm {
    product: String,
    name: String,
    id_card: String,
    mobile: String,
}

/// Each API's parameter names for the name, the ID number and the mobile (the documents').
fn parameter_names(product: Vendor) -> Option<[&'static str; 3]> {
    Some(match product {
        Vendor::Tel3 => ["xm", "sfz", "mob"],
        Vendor::Sfz2 => ["xm", "sfz", ""],
        Vendor::Sjsys => ["name", "idcard", "mobile"],
        Vendor::Sxm3v2 | Vendor::Phonethird => ["name", "idCard", "mobile"],
        _ => return None,
    })
}

/// Why the elements are refused locally, if they are.
fn refused(form: &TryForm, product: Vendor, today: Date) -> Option<String> {
    if let Err(e) = name::parse(&form.name) {
        return Some(format!("name: {e}"));
    }
    if let Err(e) = id_card::parse(&form.id_card, &ValidationOptions::new(today)) {
        return Some(format!("id_card: {e}"));
    }
    let needs_mobile = parameter_names(product).is_some_and(|n| !n[2].is_empty());
    if needs_mobile {
        if let Err(e) = mobile::parse(&form.mobile) {
            return Some(format!("mobile: {e}"));
        }
    }
    None
}

/// Runs the check against `market`: the answer raw, or the local refusal (nothing sent).
pub(crate) fn try_check(
    market: &Market,
    market_url: &str,
    form: &TryForm,
    today: Date,
) -> (StatusCode, Value) {
    let Some(product) = Vendor::from_id(form.product.trim()) else {
        return (
            StatusCode::BAD_REQUEST,
            json!({ "error": "choose a product: tel3, sxm3v2, sjsys, sfz2 or phonethird" }),
        );
    };
    let (Some(names), Some(path)) = (parameter_names(product), routing::path(product)) else {
        return (
            StatusCode::BAD_REQUEST,
            json!({ "error": "this market does not simulate that product" }),
        );
    };
    if let Some(why) = refused(form, product, today) {
        return (StatusCode::OK, json!({ "refused": why, "sent": false }));
    }
    let Some(code) = market
        .config
        .credentials
        .iter()
        .find_map(|c| match &c.kind {
            CredentialKind::AppCode(code) => Some(code.clone()),
            CredentialKind::AppKey { .. } => None,
        })
    else {
        return (
            StatusCode::BAD_REQUEST,
            json!({ "error": "this market has no AppCode credential to try with" }),
        );
    };
    let values = [form.name.trim(), form.id_card.trim(), form.mobile.trim()];
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .zip(values)
        .filter(|(n, _)| !n.is_empty())
        .map(|(n, v)| (*n, v))
        .collect();
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let method = routing::method(product);
    let mut headers = HeaderMap::new();
    let mut authorization = HeaderValue::from_str(&format!("APPCODE {code}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    authorization.set_sensitive(true);
    headers.insert(header::AUTHORIZATION, authorization);
    // The body each POST API's document gives: sxm3v2 a JSON object, sjsys a form.
    let content_type = match product {
        Vendor::Sxm3v2 => "application/json; charset=utf-8",
        _ => "application/x-www-form-urlencoded; charset=utf-8",
    };
    let (target, body) = if method == Method::GET {
        (format!("{path}?{encoded}"), Bytes::new())
    } else if product == Vendor::Sxm3v2 {
        // In the parameters' order (a `Map` would sort them).
        let members: Vec<String> = pairs
            .iter()
            .map(|(n, v)| format!("{}:{}", Value::from(*n), Value::from(*v)))
            .collect();
        (
            path.to_string(),
            Bytes::from(format!("{{{}}}", members.join(","))),
        )
    } else {
        (path.to_string(), Bytes::from(encoded))
    };
    if !body.is_empty() {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    let Ok(uri) = target.parse::<http::Uri>() else {
        return (
            StatusCode::BAD_REQUEST,
            json!({ "error": "unusable input" }),
        );
    };
    let request = Request {
        method: method.clone(),
        target_len: target.len(),
        uri,
        headers,
        body,
        body_too_large: false,
    };
    let redactor = Redactor::new()
        .name(values[0])
        .id_number(values[1])
        .mobile(values[2]);
    let host = market_url
        .split_once("://")
        .map_or(market_url, |(_, host)| host);
    let mut request_headers = vec![
        ["host".to_string(), host.to_string()],
        ["authorization".to_string(), HIDDEN.to_string()],
    ];
    if !request.body.is_empty() {
        request_headers.push(["content-type".to_string(), content_type.to_string()]);
        request_headers.push(["content-length".to_string(), request.body.len().to_string()]);
    }
    let started = std::time::Instant::now();
    let reply = admin::reply(market, &request);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut exchange = json!({
        "vendor": product.id(),
        "attempt": 1,
        "method": method.as_str(),
        "url": redactor.redact(&format!("{market_url}{target}")),
        "request_headers": request_headers,
        "request_body": redactor.redact(&String::from_utf8_lossy(&request.body)),
        "latency_ms": latency_ms,
    });
    match reply {
        Reply::Respond { response, .. } => {
            let headers: Vec<[String; 2]> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    [
                        n.to_string(),
                        redactor.redact(&String::from_utf8_lossy(v.as_bytes())),
                    ]
                })
                .collect();
            let status = response.status().as_u16();
            let request_id = response
                .headers()
                .get("x-ca-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            exchange["status"] = status.into();
            exchange["response_headers"] = json!(headers);
            exchange["response_body"] = redactor
                .redact(&String::from_utf8_lossy(response.body()))
                .into();
            (
                StatusCode::OK,
                json!({
                    "sent": true,
                    "vendor": product.id(),
                    "status": status,
                    "billed": (200..300).contains(&status),
                    "request_id": request_id,
                    "exchanges": [exchange],
                }),
            )
        }
        Reply::Close => {
            exchange["status"] = serde_json::Value::Null;
            exchange["failure"] = "the market closed the connection without answering".into();
            (
                StatusCode::OK,
                json!({
                    "sent": true,
                    "vendor": product.id(),
                    "status": 0,
                    "billed": serde_json::Value::Null,
                    "exchanges": [exchange],
                }),
            )
        }
    }
}
