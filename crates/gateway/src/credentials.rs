//! Credentials for the marketplace gateway, kept out of every `Debug`, `Display` and log.

use std::fmt;

/// A secret string (an AppCode or an AppSecret). `Debug` and `Display` print
/// `** redacted **`; the value is only reachable through [`Secret::expose`].
///
/// ```
/// let s = shiming_gateway::Secret::new("0123456789abcdef");
/// assert_eq!(format!("{s:?}"), "Secret(** redacted **)");
/// assert_eq!(s.expose(), "0123456789abcdef");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    ///
    /// ```
    /// let _ = shiming_gateway::Secret::new("x");
    /// ```
    #[must_use]
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself. Never log it.
    ///
    /// ```
    /// assert_eq!(shiming_gateway::Secret::new("x").expose(), "x");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(** redacted **)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// How a call authenticates: an AppCode (simple auth) or an AppKey with its AppSecret
/// (signature auth, gateway.md §1). Both come from the marketplace console (已购买的服务).
///
/// ```
/// use shiming_gateway::Credentials;
/// let c = Credentials::app_key("203753385", "demo-secret");
/// assert_eq!(format!("{c:?}"), r#"AppKey { key: "203753385", secret: Secret(** redacted **) }"#);
/// ```
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `Authorization: APPCODE <code>`.
    AppCode(Secret),
    /// `X-Ca-Key` + HMAC signature with the secret.
    AppKey {
        /// The AppKey (an identifier, not secret).
        key: String,
        /// The AppSecret.
        secret: Secret,
    },
}

impl Credentials {
    /// AppCode credentials.
    ///
    /// ```
    /// let c = shiming_gateway::Credentials::app_code("my-code");
    /// assert_eq!(format!("{c:?}"), "AppCode(Secret(** redacted **))");
    /// ```
    #[must_use]
    pub fn app_code(code: impl Into<String>) -> Credentials {
        Credentials::AppCode(Secret::new(code))
    }

    /// AppKey/AppSecret credentials.
    ///
    /// ```
    /// let _ = shiming_gateway::Credentials::app_key("k", "s");
    /// ```
    #[must_use]
    pub fn app_key(key: impl Into<String>, secret: impl Into<String>) -> Credentials {
        Credentials::AppKey {
            key: key.into(),
            secret: Secret::new(secret),
        }
    }

    /// Reads `<PREFIX>_APPCODE`, or `<PREFIX>_APP_KEY` with `<PREFIX>_APP_SECRET`, from the
    /// environment (e.g. prefix `SHIMING_TEL3`). `None` when neither is set; an AppKey
    /// without its secret is also `None`.
    ///
    /// ```
    /// assert!(shiming_gateway::Credentials::from_env("SHIMING_DOCTEST_UNSET").is_none());
    /// ```
    #[must_use]
    pub fn from_env(prefix: &str) -> Option<Credentials> {
        let var = |name: &str| {
            std::env::var(format!("{prefix}_{name}"))
                .ok()
                .filter(|v| !v.is_empty())
        };
        if let Some(code) = var("APPCODE") {
            return Some(Credentials::app_code(code));
        }
        match (var("APP_KEY"), var("APP_SECRET")) {
            (Some(key), Some(secret)) => Some(Credentials::app_key(key, secret)),
            _ => None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AppCode(code) => f.debug_tuple("AppCode").field(code).finish(),
            Credentials::AppKey { key, secret } => f
                .debug_struct("AppKey")
                .field("key", key)
                .field("secret", secret)
                .finish(),
        }
    }
}
