//! The API gateway in front of the vendors: authentication, throttling, quota and the
//! gateway's own error answers (text in headers, empty body).

pub mod signature;

use http::StatusCode;

/// A gateway error: the status, the `X-Ca-Error-Message` text and, for VPC instances, the
/// six-character `X-Ca-Error-Code` (gateway.md §2).
///
/// ```
/// use shiming_mock_market::gateway::GatewayError;
/// let e = GatewayError::QuotaExhausted;
/// assert_eq!(e.status().as_u16(), 403);
/// assert_eq!(e.message(), "Quota Exhausted");
/// assert_eq!(e.code(), "B403MQ");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayError {
    /// No route for this method and path.
    ApiNotFound {
        /// Request method.
        method: String,
        /// Request path.
        path: String,
    },
    /// The AppCode is not known (400).
    InvalidAppCode,
    /// The credential has not bought this product (403).
    Unauthorized,
    /// No credentials at all, or no signature (401).
    EmptySignature,
    /// A signature check failed (400); the message comes from [`signature::SignatureError`].
    Signature(signature::SignatureError),
    /// Flow control refused the call.
    Throttled {
        /// 429 with a VPC code instead of the classic 403.
        vpc_style: bool,
    },
    /// No quota left (403).
    QuotaExhausted,
    /// Request body too large (413).
    BodyTooLarge,
    /// Request URL too large (413).
    UrlTooLarge,
    /// A simulated backend failure (502/503).
    BackendUnavailable {
        /// 502 or 503.
        status: u16,
    },
    /// A simulated backend timeout (504): the vendor may have processed the call.
    BackendTimeout,
}

impl GatewayError {
    /// The HTTP status.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::gateway::GatewayError::InvalidAppCode.status().as_u16(), 400);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        let code = match self {
            GatewayError::ApiNotFound { .. } => 404,
            GatewayError::InvalidAppCode => 400,
            GatewayError::Unauthorized | GatewayError::QuotaExhausted => 403,
            GatewayError::EmptySignature => 401,
            GatewayError::Signature(e) => return e.status(),
            GatewayError::Throttled { vpc_style: true } => 429,
            GatewayError::Throttled { vpc_style: false } => 403,
            GatewayError::BodyTooLarge | GatewayError::UrlTooLarge => 413,
            GatewayError::BackendUnavailable { status } => *status,
            GatewayError::BackendTimeout => 504,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The `X-Ca-Error-Message` text.
    ///
    /// ```
    /// assert_eq!(shiming_mock_market::gateway::GatewayError::Unauthorized.message(), "Unauthorized");
    /// ```
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            GatewayError::ApiNotFound { method, path } => {
                format!("API not found with `{method} {path}`")
            }
            GatewayError::InvalidAppCode => "Invalid AppCode `not exists`".to_string(),
            GatewayError::Unauthorized => "Unauthorized".to_string(),
            GatewayError::EmptySignature => "Empty Signature".to_string(),
            GatewayError::Signature(e) => e.message(),
            GatewayError::Throttled { vpc_style: true } => {
                "Throttled by APP Flow Control".to_string()
            }
            GatewayError::Throttled { vpc_style: false } => {
                "Throttled by APP Flow Control".to_string()
            }
            GatewayError::QuotaExhausted => "Quota Exhausted".to_string(),
            GatewayError::BodyTooLarge => "Request body too Large".to_string(),
            GatewayError::UrlTooLarge => "Request URL too Large".to_string(),
            GatewayError::BackendUnavailable { status: 502 } => {
                "Failed To Invoke Backend Service".to_string()
            }
            GatewayError::BackendUnavailable { .. } => "Service Unavailable".to_string(),
            GatewayError::BackendTimeout => "Backend service request timeout".to_string(),
        }
    }

    /// The VPC-style `X-Ca-Error-Code`.
    ///
    /// ```
    /// use shiming_mock_market::gateway::{signature::SignatureError, GatewayError};
    /// assert_eq!(GatewayError::BackendTimeout.code(), "D504TO");
    /// let missing = GatewayError::Signature(SignatureError::MissingHeader("X-Ca-Nonce"));
    /// assert_eq!((missing.code(), missing.message().as_str()), ("I400MH", "Header `X-Ca-Nonce` is Required"));
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            GatewayError::ApiNotFound { .. } => "I404NF",
            GatewayError::InvalidAppCode => "A400AC",
            GatewayError::Unauthorized => "I403AA",
            GatewayError::EmptySignature => "A401AS",
            GatewayError::Signature(signature::SignatureError::MissingHeader(_)) => "I400MH",
            GatewayError::Signature(_) => "A400IS",
            GatewayError::Throttled { .. } => "T429AR",
            GatewayError::QuotaExhausted => "B403MQ",
            GatewayError::BodyTooLarge => "I413RL",
            GatewayError::UrlTooLarge => "I413UL",
            GatewayError::BackendUnavailable { status: 502 } => "D502BE",
            GatewayError::BackendUnavailable { .. } => "D503SU",
            GatewayError::BackendTimeout => "D504TO",
        }
    }
}
