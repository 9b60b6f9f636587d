//! One market: configuration, state and the request pipeline of gateway.md §4.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, Method, Response, StatusCode};

use crate::config::{CredentialKind, MarketConfig};
use crate::gateway::signature::{self, SignedRequest};
use crate::gateway::GatewayError;
use crate::journal::{masked_params, scrub_text};
use crate::state::{now_millis, State};
use crate::vendors::{self, VendorContext};
use crate::{
    routing, scenarios, Credential, Fault, JournalEntry, Params, Registry, Reply, Usage, Vendor,
    VendorAnswer,
};
use std::borrow::Cow;

/// Header choosing a documented body to replay.
pub const SCENARIO_HEADER: &str = "x-mock-scenario";
/// Header choosing a fault for this request.
pub const FAULT_HEADER: &str = "x-mock-fault";

/// A request as read off the wire (body fully read, within limits).
pub(crate) struct Request {
    pub method: Method,
    pub uri: http::Uri,
    pub target_len: usize,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The body exceeded the limit and was not read.
    pub body_too_large: bool,
}

impl Request {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.uri.query()
    }
}

/// Configuration, registry and state of one running market.
pub(crate) struct Market {
    pub config: MarketConfig,
    pub registry: Registry,
    pub state: State,
}

/// The pipeline's result before it becomes a response.
enum Handled {
    Gateway(GatewayError),
    Mock(StatusCode, String),
    Vendor(VendorAnswer),
    /// Closed before processing: nothing charged.
    Close,
    /// Processed, then closed without answering: charged if the answer was 2xx.
    Dropped {
        charged: bool,
    },
}

fn decode_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// JSON object fields as strings (numbers and booleans by their JSON text).
fn json_pairs(body: &[u8]) -> Vec<(String, String)> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn header_str<K: http::header::AsHeaderName>(headers: &HeaderMap, name: K) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Header names looked up on every request, parsed once.
static FAULT: HeaderName = HeaderName::from_static(FAULT_HEADER);
static SCENARIO: HeaderName = HeaderName::from_static(SCENARIO_HEADER);
static CA_KEY: HeaderName = HeaderName::from_static("x-ca-key");
static CA_SIGNATURE: HeaderName = HeaderName::from_static("x-ca-signature");
static CA_REQUEST_ID: HeaderName = HeaderName::from_static("x-ca-request-id");

fn is_form(headers: &HeaderMap) -> bool {
    header_str(headers, &CONTENT_TYPE).is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

fn is_json(headers: &HeaderMap, body: &[u8]) -> bool {
    header_str(headers, &CONTENT_TYPE).map_or(body.first() == Some(&b'{'), |ct| {
        ct.to_ascii_lowercase().contains("json")
    })
}

/// Replaces control characters so that a value is safe in a header.
fn header_value(text: &str) -> HeaderValue {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    HeaderValue::from_bytes(clean.as_bytes()).unwrap_or_else(|_| HeaderValue::from_static("?"))
}

/// A UUID-shaped request id from the request's sequence number (no formatting machinery:
/// this runs on every request).
fn request_id(sequence: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut id = *b"00000000-4D4B-4000-8000-000000000000";
    let high = sequence >> 16;
    for (i, slot) in id[..8].iter_mut().rev().enumerate() {
        *slot = HEX[((high >> (4 * i)) & 0xF) as usize];
    }
    for (i, slot) in id[24..].iter_mut().rev().enumerate() {
        *slot = HEX[((sequence >> (4 * i)) & 0xF) as usize];
    }
    String::from_utf8_lossy(&id).into_owned()
}

/// A JSON answer with the gateway's request id.
fn json_response(status: StatusCode, body: Bytes, request_id: &str) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    h.insert(CA_REQUEST_ID.clone(), request_id_value(request_id));
    response
}

/// The request id as a header value (ASCII by construction).
fn request_id_value(id: &str) -> HeaderValue {
    HeaderValue::from_str(id).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

impl Market {
    pub(crate) fn new(config: MarketConfig, registry: Registry) -> Market {
        let state = State::new(&config);
        Market {
            config,
            registry,
            state,
        }
    }

    /// The label of a configured credential named by AppCode, AppKey or label (or `credential`
    /// itself when none matches).
    pub(crate) fn label_of(&self, credential: &str) -> String {
        self.config
            .credentials
            .iter()
            .find(|c| c.is_named(credential))
            .map_or_else(|| credential.to_string(), Credential::label)
    }

    /// The usage row of one credential (AppCode, AppKey or label) and product.
    pub(crate) fn usage_of(&self, credential: &str, product: Vendor) -> Usage {
        let label = self.label_of(credential);
        self.state
            .usage()
            .into_iter()
            .find(|u| u.credential == label && u.product == product.id())
            .unwrap_or_else(|| Usage {
                credential: label,
                product: product.id().to_string(),
                received: 0,
                charged: 0,
                quota_left: self.config.quota,
            })
    }

    fn credential_by_app_code(&self, code: &str) -> Option<&Credential> {
        self.config
            .credentials
            .iter()
            .find(|c| matches!(&c.kind, CredentialKind::AppCode(x) if x == code))
    }

    fn credential_by_app_key(&self, key: &str) -> Option<&Credential> {
        self.config
            .credentials
            .iter()
            .find(|c| matches!(&c.kind, CredentialKind::AppKey { key: k, .. } if k == key))
    }

    /// Authenticates by AppCode or signature (gateway.md §1).
    fn authenticate(
        &self,
        req: &Request,
        product: Vendor,
        skew_ms: i64,
    ) -> Result<&Credential, GatewayError> {
        if let Some(auth) = header_str(&req.headers, &AUTHORIZATION) {
            if let Some(code) = auth.strip_prefix("APPCODE ") {
                // Exactly one space after APPCODE (gateway.md §1): extra spaces are a client
                // bug the real gateway would refuse, so they are not trimmed here.
                return self
                    .credential_by_app_code(code)
                    .ok_or(GatewayError::InvalidAppCode);
            }
        }
        let signed = req.headers.contains_key(&CA_KEY) || req.headers.contains_key(&CA_SIGNATURE);
        if !signed {
            return Err(GatewayError::EmptySignature);
        }
        // Signature mode is the rare path: decode query and form separately only here.
        let query = req
            .query()
            .map(|q| decode_pairs(q.as_bytes()))
            .unwrap_or_default();
        let form = if is_form(&req.headers) {
            decode_pairs(&req.body)
        } else {
            Vec::new()
        };
        let signed_request = SignedRequest {
            method: &req.method,
            path: req.path(),
            headers: &req.headers,
            query: &query,
            form: &form,
            body: &req.body,
        };
        let lookup = |key: &str| match self.credential_by_app_key(key).map(|c| &c.kind) {
            Some(CredentialKind::AppKey { secret, .. }) => Some(secret.clone()),
            _ => None,
        };
        let now = now_millis().saturating_add_signed(skew_ms);
        let anti_replay = self.config.anti_replay_of(product);
        let verified = self
            .state
            .with_nonces(|nonces| {
                signature::verify_with(&signed_request, lookup, now, nonces, anti_replay)
            })
            .map_err(GatewayError::Signature)?;
        self.credential_by_app_key(verified.app_key())
            .ok_or(GatewayError::Signature(
                signature::SignatureError::InvalidAppKey,
            ))
    }

    /// Runs one request through gateway.md §4 and the vendor layer.
    pub(crate) fn handle(&self, req: &Request) -> Reply {
        let started = std::time::Instant::now();
        let sequence = self.state.next_sequence();
        let request_id = request_id(sequence);
        let mut entry = JournalEntry {
            request_id: request_id.clone(),
            received_at_ms: now_millis(),
            method: match req.method.as_str() {
                "GET" => Cow::Borrowed("GET"),
                "POST" => Cow::Borrowed("POST"),
                other => Cow::Owned(scrub_text(&other.chars().take(16).collect::<String>())),
            },
            path: match routing::by_path(req.path()).and_then(routing::path) {
                Some(path) => Cow::Borrowed(path),
                None => Cow::Owned(scrub_text(
                    &req.path().chars().take(256).collect::<String>(),
                )),
            },
            ..JournalEntry::default()
        };
        let mut delay = None;
        let handled = self.pipeline(req, sequence, &mut entry, &mut delay);
        let reply = match handled {
            Handled::Close | Handled::Dropped { .. } => {
                entry.status = 0;
                Reply::Close
            }
            Handled::Gateway(e) => {
                entry.status = e.status().as_u16();
                if let GatewayError::Signature(signature::SignatureError::InvalidSignature {
                    server_string_to_sign,
                }) = &e
                {
                    entry.string_to_sign =
                        Some(crate::journal::masked_string_to_sign(server_string_to_sign));
                }
                entry.gateway_error = Some(match &e {
                    // The echo holds raw parameter values: keep it out of the journal.
                    GatewayError::Signature(_) => e
                        .message()
                        .split(',')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    // It may quote an unknown method or path, which may hold anything.
                    _ => scrub_text(&e.message()),
                });
                Reply::Respond {
                    response: self.gateway_response(&e, &request_id),
                    delay,
                }
            }
            Handled::Mock(status, message) => {
                entry.status = status.as_u16();
                let body = serde_json::json!({ "mock_error": message }).to_string();
                let response = json_response(status, Bytes::from(body), &request_id);
                Reply::Respond { response, delay }
            }
            Handled::Vendor(answer) => {
                entry.status = answer.status.as_u16();
                entry.body = Some(crate::journal::journal_body(&answer.body));
                let response = json_response(answer.status, answer.body, &request_id);
                Reply::Respond { response, delay }
            }
        };
        entry.latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.state.record(entry);
        reply
    }

    fn gateway_response(&self, e: &GatewayError, request_id: &str) -> Response<Bytes> {
        let mut response = Response::new(Bytes::new());
        *response.status_mut() = e.status();
        let h = response.headers_mut();
        h.insert(CA_REQUEST_ID.clone(), request_id_value(request_id));
        let vpc = match e {
            // Throttling has its own style: classic 403 has no code, VPC 429 always has one.
            GatewayError::Throttled { vpc_style } => *vpc_style,
            _ => self.config.vpc_error_codes,
        };
        let message = match e {
            // The text VPC instances send with B403MQ (gateway.md §2, captured answer).
            GatewayError::QuotaExhausted if vpc => {
                "Api Market Subscription quota exhausted".to_string()
            }
            _ => e.message(),
        };
        h.insert("x-ca-error-message", header_value(&message));
        if vpc {
            h.insert("x-ca-error-code", HeaderValue::from_static(e.code()));
        }
        response
    }

    fn pipeline(
        &self,
        req: &Request,
        sequence: u64,
        entry: &mut JournalEntry,
        delay: &mut Option<Duration>,
    ) -> Handled {
        let not_found = || {
            Handled::Gateway(GatewayError::ApiNotFound {
                method: req.method.to_string(),
                path: req.path().chars().take(256).collect(),
            })
        };
        // 1. Route by path, method and (when it names a product) Host.
        if req.target_len > self.config.max_url_bytes {
            return Handled::Gateway(GatewayError::UrlTooLarge);
        }
        let Some(product) = routing::by_path(req.path()) else {
            return not_found();
        };
        entry.product = Some(product.id());
        if req.method != routing::method(product) {
            return not_found();
        }
        if let Some(host_product) = header_str(&req.headers, &HOST).and_then(routing::by_host) {
            if host_product != product {
                return not_found();
            }
        }
        if req.body_too_large {
            return Handled::Gateway(GatewayError::BodyTooLarge);
        }
        // Parameters: query, then form or JSON body.
        let mut params = Params::default();
        if let Some(q) = req.query() {
            params.extend_urlencoded(q.as_bytes());
        }
        if is_form(&req.headers) {
            params.extend_urlencoded(&req.body);
        } else if !req.body.is_empty() && is_json(&req.headers, &req.body) {
            for (name, value) in json_pairs(&req.body) {
                params.push(&name, &value);
            }
        }
        entry.params = masked_params(&params);
        // Mock controls: a fault and a scenario.
        let fault = match header_str(&req.headers, &FAULT) {
            Some(text) => match text.parse::<Fault>() {
                Ok(f) => Some(f),
                Err(e) => return Handled::Mock(StatusCode::BAD_REQUEST, e.to_string()),
            },
            None => self.state.take_fault(product),
        };
        entry.fault = fault.map(|f| f.to_string());
        let scenario = match header_str(&req.headers, &SCENARIO) {
            Some(id) => match scenarios::find(id) {
                Some(s) if s.api == product => Some(s),
                Some(s) => {
                    let msg = format!(
                        "scenario {id} belongs to {}, not {}",
                        s.api.id(),
                        product.id()
                    );
                    return Handled::Mock(StatusCode::BAD_REQUEST, msg);
                }
                None => {
                    let known: Vec<String> = scenarios::all()
                        .iter()
                        .filter(|s| s.api == product)
                        .map(|s| format!("{}/{}", s.api.id(), s.name))
                        .collect();
                    let id: String = id.chars().take(64).collect();
                    let msg = format!(
                        "unknown scenario {id:?}; {} has: {}",
                        product.id(),
                        known.join(", ")
                    );
                    return Handled::Mock(StatusCode::BAD_REQUEST, msg);
                }
            },
            None => self.state.take_scenario(product),
        };
        entry.scenario = scenario.map(|s| format!("{}/{}", s.api.id(), s.name));
        // 2. Authenticate.
        let skew = match fault {
            Some(Fault::ClockSkew(ms)) => ms,
            _ => 0,
        };
        let credential = match self.authenticate(req, product, skew) {
            Ok(c) => c,
            Err(e) => return Handled::Gateway(e),
        };
        let label = credential.shared_label();
        entry.credential = Some(Arc::clone(&label));
        entry.auth = Some(
            if header_str(&req.headers, &AUTHORIZATION).is_some_and(|a| a.starts_with("APPCODE ")) {
                "appcode"
            } else {
                "signature"
            },
        );
        if !credential.is_subscribed(product) {
            return Handled::Gateway(GatewayError::Unauthorized);
        }
        // 3. Throttle.
        if let Some(t) = self.config.throttle {
            if self.state.throttled(&label, product, t.per_second) {
                entry.quota = Some("throttled");
                return Handled::Gateway(GatewayError::Throttled {
                    vpc_style: t.vpc_style,
                });
            }
        }
        // 4. Quota (one unit reserved; settled below).
        if !self.state.receive(&label, product) {
            entry.quota = Some("exhausted");
            return Handled::Gateway(GatewayError::QuotaExhausted);
        }
        let handled = self.backend(product, &params, sequence, scenario, fault);
        // 6. Charge only 2xx answers that were processed (a drop after processing counts).
        let charged = match &handled {
            Handled::Vendor(answer) => answer.status.is_success(),
            Handled::Dropped { charged } => *charged,
            _ => false,
        };
        self.state.settle(&label, product, charged);
        entry.charged = charged;
        entry.quota = Some(if charged { "charged" } else { "not_charged" });
        if let (Handled::Vendor(_), Some(Fault::Latency(d))) = (&handled, fault) {
            *delay = Some(d);
        }
        if let (Handled::Vendor(_), Some(Fault::Late(d))) = (&handled, fault) {
            *delay = Some(d.unwrap_or(self.config.late_answer_delay));
        }
        handled
    }

    /// 5. The vendor (or a documented body), with the faults that act around it.
    fn backend(
        &self,
        product: Vendor,
        params: &Params,
        sequence: u64,
        scenario: Option<&scenarios::Scenario>,
        fault: Option<Fault>,
    ) -> Handled {
        match fault {
            Some(Fault::Reset) => return Handled::Close,
            Some(Fault::Unavailable(status)) => {
                return Handled::Gateway(GatewayError::BackendUnavailable { status })
            }
            _ => {}
        }
        let ctx = VendorContext {
            registry: &self.registry,
            sequence,
        };
        let mut answer = match scenario {
            Some(s) => s.answer(),
            None => vendors::answer(product, params, &ctx),
        };
        match fault {
            Some(Fault::BackendTimeout) => return Handled::Gateway(GatewayError::BackendTimeout),
            Some(Fault::Drop) => {
                return Handled::Dropped {
                    charged: answer.status.is_success(),
                }
            }
            Some(Fault::Truncate) => answer.body = answer.body.slice(..answer.body.len() / 2),
            Some(Fault::Malformed) => {
                answer.body = Bytes::from_static(b"{ok:1, msg: \xe6\xa0\xa1\xe9\xaa\x8c <html>");
            }
            _ => {}
        }
        Handled::Vendor(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::request_id;

    #[test]
    fn request_ids_are_uuid_shaped_and_carry_the_sequence() {
        assert_eq!(request_id(1), "00000000-4D4B-4000-8000-000000000001");
        assert_eq!(
            request_id(0x1_2345_6789),
            "00012345-4D4B-4000-8000-000123456789"
        );
        assert_eq!(request_id(u64::MAX).len(), 36);
    }
}
