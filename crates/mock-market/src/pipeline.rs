//! The market without a socket: a whole request in, the reply out ([`Pipeline::respond`]).

use bytes::Bytes;

use crate::admin;
use crate::market::{self, Market};
use crate::{JournalEntry, Reply, Usage, Vendor};

/// A market that answers requests handed to it in memory — for fuzz targets and tests that
/// want the full request pipeline without a socket, a thread or a runtime.
///
/// [`Pipeline::respond`] runs exactly what the server runs for a request whose body it has
/// read: the admin API under `/__admin/`, otherwise routing by method, path and `Host`, query,
/// form or JSON parameters, the mock controls (`X-Mock-Fault`, `X-Mock-Scenario`),
/// authentication (AppCode or signature, nonces), throttling, quota, the vendor simulator or
/// documented body, billing and the journal. Only the transport is missing: header names come
/// back in the `http` crate's lower case (the server writes them title-cased), and delays and
/// closed connections are [`Reply`] values rather than waits.
///
/// It is synchronous, `Send` and `Sync`, and never panics on any request; build it once and
/// call it from as many threads as you like. State (usage, quota, journal, nonces, queued
/// faults) persists across calls as it does in a running market.
///
/// A fuzz target (a plain `fn(&[u8])`) builds it once and turns its input into a request:
///
/// ```
/// use std::sync::OnceLock;
///
/// use bytes::Bytes;
/// use shiming_mock_market::{MockMarket, Pipeline};
///
/// fn fuzz_one(data: &[u8]) {
///     static MARKET: OnceLock<Pipeline> = OnceLock::new();
///     let market = MARKET.get_or_init(MockMarket::pipeline);
///     // Any split of the input will do; here: first line = target, the rest = body.
///     let (target, body) = match data.iter().position(|&b| b == b'\n') {
///         Some(i) => (&data[..i], &data[i + 1..]),
///         None => (data, &[][..]),
///     };
///     let Ok(request) = http::Request::post(target)
///         .header("Authorization", "APPCODE shimingdemoappcode0000000000000")
///         .header("Content-Type", "application/x-www-form-urlencoded")
///         .body(Bytes::copy_from_slice(body))
///     else {
///         return; // not a valid URI: the server would never see it either
///     };
///     let _ = market.respond(request);
/// }
///
/// fuzz_one(b"/communication/personal/1979\nname=%E5%BC%A0%E4%B8%89&idcard=1&mobile=2");
/// fuzz_one(b"/\xff\n\x00");
/// ```
pub struct Pipeline {
    market: Market,
}

impl Pipeline {
    pub(crate) fn new(market: Market) -> Pipeline {
        Pipeline { market }
    }

    /// Answers `request` as the market would over a connection: see [`Pipeline`].
    ///
    /// A body longer than the configured limit is treated as the server treats it (not read,
    /// answered 413 `Request body too Large`); so is a target longer than the URL limit.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use shiming_mock_market::{config::DEMO_APPCODE, MockMarket, Vendor};
    ///
    /// let market = MockMarket::pipeline();
    /// let request = http::Request::get("/mobile?xm=%E9%99%88%E6%80%9D%E8%BF%9C&sfz=330106198805160711&mob=13957120001")
    ///     .header("Host", "tel3.market.alicloudapi.com")
    ///     .header("Authorization", format!("APPCODE {DEMO_APPCODE}"))
    ///     .body(Bytes::new())
    ///     .unwrap();
    /// let response = market.respond(request).into_response().unwrap();
    /// assert_eq!(response.status(), 200);
    /// assert!(response.headers().contains_key("x-ca-request-id"));
    /// let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    /// assert_eq!(body["msg"], "校验通过");
    /// assert_eq!(market.usage_of(DEMO_APPCODE, Vendor::Tel3).charged, 1);
    /// ```
    #[must_use]
    pub fn respond(&self, request: http::Request<Bytes>) -> Reply {
        let (parts, body) = request.into_parts();
        let body_too_large = body.len() > self.market.config.max_body_bytes;
        let request = market::Request {
            method: parts.method,
            target_len: parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len()),
            uri: parts.uri,
            headers: parts.headers,
            body: if body_too_large { Bytes::new() } else { body },
            body_too_large,
        };
        admin::reply(&self.market, &request)
    }

    /// The journal, oldest first (masked), as `GET /__admin/journal` shows it.
    ///
    /// ```
    /// let market = shiming_mock_market::MockMarket::pipeline();
    /// let _ = market.respond(http::Request::get("/nope").body(bytes::Bytes::new()).unwrap());
    /// assert_eq!(market.journal()[0].status, 404);
    /// ```
    #[must_use]
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.market.state.journal()
    }

    /// The usage row of one credential (AppCode, AppKey or label) and product.
    ///
    /// ```
    /// use shiming_mock_market::{config::DEMO_APPCODE, MockMarket, Vendor};
    /// assert_eq!(MockMarket::pipeline().usage_of(DEMO_APPCODE, Vendor::Sfz2).received, 0);
    /// ```
    #[must_use]
    pub fn usage_of(&self, credential: &str, product: Vendor) -> Usage {
        self.market.usage_of(credential, product)
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("credentials", &self.market.config.credentials)
            .finish_non_exhaustive()
    }
}
