//! What the market does with a request: answer it (possibly late) or close the connection.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::Response;

/// The market's reply to one request, as [`Pipeline::respond`](crate::Pipeline::respond)
/// returns it and the server acts on it.
///
/// Faults that act on the connection are values here, not actions: a latency or `late` fault
/// is the `delay` the server would wait before sending, `drop` and `reset` are
/// [`Reply::Close`].
///
/// Its `Debug` output shows the status, header names and body length only: an answer may
/// carry personal data (the `Invalid Signature` echo holds raw parameter values).
///
/// ```
/// use bytes::Bytes;
/// use shiming_mock_market::{MockMarket, Reply};
///
/// let market = MockMarket::pipeline();
/// let request = http::Request::get("/__admin/health").body(Bytes::new()).unwrap();
/// match market.respond(request) {
///     Reply::Respond { response, delay } => {
///         assert_eq!(response.status(), 200);
///         assert_eq!(delay, None);
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[non_exhaustive]
pub enum Reply {
    /// Send `response`, after `delay` when a fault asked for one.
    Respond {
        /// Status, headers (names in lower case here; the server writes them title-cased,
        /// `X-Ca-Request-Id`) and body.
        response: Response<Bytes>,
        /// How long the server waits before sending (`latency=…` and `late` faults).
        delay: Option<Duration>,
    },
    /// Close the connection without answering (`drop` after processing, `reset` before).
    Close,
}

impl Reply {
    /// The response, unless the connection is closed.
    ///
    /// ```
    /// use shiming_mock_market::MockMarket;
    /// let request = http::Request::get("/nope").body(bytes::Bytes::new()).unwrap();
    /// let reply = MockMarket::pipeline().respond(request);
    /// assert_eq!(reply.response().map(|r| r.status().as_u16()), Some(404));
    /// ```
    #[must_use]
    pub fn response(&self) -> Option<&Response<Bytes>> {
        match self {
            Reply::Respond { response, .. } => Some(response),
            Reply::Close => None,
        }
    }

    /// The response, unless the connection is closed, by value.
    ///
    /// ```
    /// use shiming_mock_market::MockMarket;
    /// let request = http::Request::get("/nope").body(bytes::Bytes::new()).unwrap();
    /// let response = MockMarket::pipeline().respond(request).into_response().unwrap();
    /// assert!(response.body().is_empty(), "gateway errors have an empty body");
    /// ```
    #[must_use]
    pub fn into_response(self) -> Option<Response<Bytes>> {
        match self {
            Reply::Respond { response, .. } => Some(response),
            Reply::Close => None,
        }
    }

    /// How long the server would wait before sending (`None`: at once, or closed).
    ///
    /// ```
    /// use shiming_mock_market::MockMarket;
    /// let request = http::Request::get("/__admin/health").body(bytes::Bytes::new()).unwrap();
    /// assert_eq!(MockMarket::pipeline().respond(request).delay(), None);
    /// ```
    #[must_use]
    pub fn delay(&self) -> Option<Duration> {
        match self {
            Reply::Respond { delay, .. } => *delay,
            Reply::Close => None,
        }
    }

    /// Whether the connection is closed without an answer.
    ///
    /// ```
    /// use shiming_mock_market::MockMarket;
    /// let request = http::Request::get("/mobile")
    ///     .header("Authorization", "APPCODE shimingdemoappcode0000000000000")
    ///     .header("X-Mock-Fault", "reset")
    ///     .body(bytes::Bytes::new())
    ///     .unwrap();
    /// assert!(MockMarket::pipeline().respond(request).is_closed());
    /// ```
    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self, Reply::Close)
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Respond { response, delay } => f
                .debug_struct("Respond")
                .field("status", &response.status().as_u16())
                .field(
                    "headers",
                    &response
                        .headers()
                        .keys()
                        .map(http::HeaderName::as_str)
                        .collect::<Vec<_>>(),
                )
                .field("body_len", &response.body().len())
                .field("delay", delay)
                .finish(),
            Reply::Close => f.write_str("Close"),
        }
    }
}
