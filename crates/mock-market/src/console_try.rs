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
use shiming_core::{mobile, name, Date};

use crate::config::CredentialKind;
use crate::journal::mask_param;
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
pub(crate) fn try_check(market: &Market, form: &TryForm, today: Date) -> (StatusCode, Value) {
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
    let masked: Vec<String> = pairs
        .iter()
        .map(|(n, v)| format!("{n}={}", mask_param(n, v)))
        .collect();
    let method = routing::method(product);
    let mut headers = HeaderMap::new();
    let mut authorization = HeaderValue::from_str(&format!("APPCODE {code}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    authorization.set_sensitive(true);
    headers.insert(header::AUTHORIZATION, authorization);
    let (target, body) = if method == Method::GET {
        (format!("{path}?{encoded}"), Bytes::new())
    } else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        (path.to_string(), Bytes::from(encoded))
    };
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
    let sent = json!({
        "method": method.as_str(),
        "path": path,
        "params": masked.join("&"),
        "authorization": "APPCODE <APPCODE>",
    });
    match admin::reply(market, &request) {
        Reply::Respond { response, .. } => {
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            (
                StatusCode::OK,
                json!({
                    "sent": true,
                    "request": sent,
                    "status": response.status().as_u16(),
                    "headers": headers,
                    "body": String::from_utf8_lossy(response.body()),
                }),
            )
        }
        Reply::Close => (
            StatusCode::OK,
            json!({ "sent": true, "request": sent, "status": 0, "closed": true }),
        ),
    }
}
