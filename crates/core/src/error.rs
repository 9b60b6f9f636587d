//! The one error type of every verifier.

use std::fmt;

use crate::identity::InputError;

/// Whether a failed call was charged.
///
/// ```
/// assert_eq!(shiming_core::Billing::Unknown.code(), "unknown");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Billing {
    /// Certainly not charged (never sent, or a non-2xx answer).
    NotBilled,
    /// Charged (a 2xx answer that still carried no verdict).
    Billed,
    /// The request left but no answer came back: it may have been charged.
    Unknown,
}

impl Billing {
    /// The billing of a call that was answered: the marketplace charged it (`true`) or not.
    ///
    /// ```
    /// use shiming_core::Billing;
    /// assert_eq!((Billing::of(true), Billing::of(false)), (Billing::Billed, Billing::NotBilled));
    /// ```
    #[must_use]
    pub const fn of(charged: bool) -> Billing {
        if charged {
            Billing::Billed
        } else {
            Billing::NotBilled
        }
    }

    /// `true` when billed, `false` when not, `None` when unknown — the JSON outputs'
    /// `billed` (`true`, `false`, `null`).
    ///
    /// ```
    /// use shiming_core::Billing;
    /// assert_eq!(Billing::Billed.known(), Some(true));
    /// assert_eq!(Billing::Unknown.known(), None);
    /// ```
    #[must_use]
    pub const fn known(self) -> Option<bool> {
        match self {
            Billing::Billed => Some(true),
            Billing::NotBilled => Some(false),
            Billing::Unknown => None,
        }
    }

    /// `yes`, `no` or `unknown` — the batch CSV's `billed` column and the command line's
    /// `(billed: …)`.
    ///
    /// ```
    /// assert_eq!(shiming_core::Billing::NotBilled.yes_no(), "no");
    /// ```
    #[must_use]
    pub const fn yes_no(self) -> &'static str {
        match self {
            Billing::Billed => "yes",
            Billing::NotBilled => "no",
            Billing::Unknown => "unknown",
        }
    }

    /// `billed`, `not billed` or `may have been billed` — in sentences and the audit trail
    /// (also `Display`).
    ///
    /// ```
    /// use shiming_core::Billing;
    /// assert_eq!(Billing::Unknown.to_string(), "may have been billed");
    /// assert_eq!(Billing::NotBilled.words(), "not billed");
    /// ```
    #[must_use]
    pub const fn words(self) -> &'static str {
        match self {
            Billing::Billed => "billed",
            Billing::NotBilled => "not billed",
            Billing::Unknown => "may have been billed",
        }
    }

    /// `not_billed`, `billed` or `unknown`.
    ///
    /// ```
    /// assert_eq!(shiming_core::Billing::Billed.code(), "billed");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Billing::NotBilled => "not_billed",
            Billing::Billed => "billed",
            Billing::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// Where and how a verification failed. The kind decides what is safe to do next.
///
/// ```
/// use shiming_core::ErrorKind;
/// assert!(ErrorKind::NotSent.is_safe_to_retry());
/// assert!(!ErrorKind::MayHaveBeenCharged.is_safe_to_retry());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input was refused (locally or by the vendor).
    InvalidInput,
    /// Credentials are wrong or not subscribed to this product.
    Unauthorized,
    /// The package is used up or expired.
    QuotaExhausted,
    /// Flow control refused the call; the vendor did no work.
    Throttled,
    /// The vendor or gateway failed (system error, unavailable, disabled).
    VendorFault,
    /// The request never left this machine (connect failure, DNS, TLS before sending).
    NotSent,
    /// The request was sent but no answer arrived (timeout, reset): it may have been charged.
    MayHaveBeenCharged,
    /// The answer could not be understood.
    MalformedAnswer,
}

impl ErrorKind {
    /// Stable snake_case code.
    ///
    /// ```
    /// assert_eq!(shiming_core::ErrorKind::QuotaExhausted.code(), "quota_exhausted");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::QuotaExhausted => "quota_exhausted",
            ErrorKind::Throttled => "throttled",
            ErrorKind::VendorFault => "vendor_fault",
            ErrorKind::NotSent => "not_sent",
            ErrorKind::MayHaveBeenCharged => "may_have_been_charged",
            ErrorKind::MalformedAnswer => "malformed_answer",
        }
    }

    /// Whether the vendor certainly did no billable work, so that retrying (later) or
    /// failing over cannot charge twice.
    ///
    /// ```
    /// assert!(shiming_core::ErrorKind::Throttled.is_safe_to_retry());
    /// ```
    #[must_use]
    pub const fn is_safe_to_retry(self) -> bool {
        matches!(
            self,
            ErrorKind::NotSent | ErrorKind::Throttled | ErrorKind::QuotaExhausted
        )
    }

    /// The kind's name in the command line's output (`shiming verify --json`, the batch CSV's
    /// `error_kind`, stderr): the same as [`ErrorKind::code`] except where the command line's
    /// public contract is coarser — [`ErrorKind::VendorFault`] and [`ErrorKind::NotSent`] are
    /// both `unavailable` (nothing was verified; see the billing for the difference), and
    /// [`ErrorKind::MalformedAnswer`] is `protocol`. The one table of both vocabularies is in
    /// ARCHITECTURE.md ("Error kinds").
    ///
    /// ```
    /// use shiming_core::ErrorKind;
    /// assert_eq!(ErrorKind::VendorFault.public_name(), "unavailable");
    /// assert_eq!(ErrorKind::MalformedAnswer.public_name(), "protocol");
    /// assert_eq!(ErrorKind::Throttled.public_name(), ErrorKind::Throttled.code());
    /// ```
    #[must_use]
    pub const fn public_name(self) -> &'static str {
        match self {
            ErrorKind::VendorFault | ErrorKind::NotSent => "unavailable",
            ErrorKind::MalformedAnswer => "protocol",
            other => other.code(),
        }
    }
}

/// A failed verification. `Display` never shows personal data or credentials.
///
/// ```
/// use shiming_core::{Billing, Error, ErrorKind};
/// let e = Error::new(ErrorKind::QuotaExhausted, "Quota Exhausted")
///     .with_vendor("tel3")
///     .with_request_id("A77CDCA5");
/// assert_eq!(e.kind(), ErrorKind::QuotaExhausted);
/// assert_eq!(e.billing(), Billing::NotBilled);
/// assert_eq!(e.to_string(), "tel3: quota_exhausted: Quota Exhausted (request A77CDCA5)");
/// ```
#[derive(Debug)]
pub struct Error {
    // Boxed: results stay one pointer wide on the error side.
    inner: Box<ErrorInner>,
}

#[derive(Debug)]
struct ErrorInner {
    kind: ErrorKind,
    billing: Billing,
    message: String,
    vendor: Option<&'static str>,
    vendor_code: Option<String>,
    request_id: Option<String>,
    input: Option<InputError>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind`. Billing defaults to [`Billing::Unknown`] for
    /// [`ErrorKind::MayHaveBeenCharged`] and [`Billing::NotBilled`] otherwise. The message
    /// must not contain personal data.
    ///
    /// ```
    /// let e = shiming_core::Error::new(shiming_core::ErrorKind::MayHaveBeenCharged, "timed out after 5 s");
    /// assert_eq!(e.billing(), shiming_core::Billing::Unknown);
    /// ```
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        let billing = match kind {
            ErrorKind::MayHaveBeenCharged => Billing::Unknown,
            _ => Billing::NotBilled,
        };
        Error {
            inner: Box::new(ErrorInner {
                kind,
                billing,
                message: message.into(),
                vendor: None,
                vendor_code: None,
                request_id: None,
                input: None,
                source: None,
            }),
        }
    }

    /// An input refused before anything was sent.
    ///
    /// ```
    /// let e = shiming_core::Error::invalid_input(shiming_core::identity::InputError::MissingMobile);
    /// assert_eq!(e.input().unwrap().field(), "mobile");
    /// ```
    #[must_use]
    pub fn invalid_input(input: InputError) -> Error {
        let mut e = Error::new(ErrorKind::InvalidInput, input.to_string());
        e.inner.input = Some(input);
        e
    }

    /// Sets whether the call was billed.
    ///
    /// ```
    /// # use shiming_core::*;
    /// let e = Error::new(ErrorKind::MalformedAnswer, "bad json").with_billing(Billing::Billed);
    /// assert_eq!(e.billing(), Billing::Billed);
    /// ```
    #[must_use]
    pub fn with_billing(mut self, billing: Billing) -> Error {
        self.inner.billing = billing;
        self
    }

    /// Names the vendor API.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "x").with_vendor("sjsys").vendor(), Some("sjsys"));
    /// ```
    #[must_use]
    pub fn with_vendor(mut self, vendor: &'static str) -> Error {
        self.inner.vendor = Some(vendor);
        self
    }

    /// Keeps the vendor's or gateway's own error code.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::VendorFault, "x").with_vendor_code("10015").vendor_code(), Some("10015"));
    /// ```
    #[must_use]
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Error {
        self.inner.vendor_code = Some(code.into());
        self
    }

    /// Keeps the request id for support.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::VendorFault, "x").with_request_id("r").request_id(), Some("r"));
    /// ```
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Error {
        self.inner.request_id = Some(id.into());
        self
    }

    /// Attaches the underlying cause (it must not format personal data either).
    ///
    /// ```
    /// # use shiming_core::*;
    /// use std::error::Error as _;
    /// let io = std::io::Error::other("reset");
    /// assert!(Error::new(ErrorKind::MayHaveBeenCharged, "x").with_source(io).source().is_some());
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The kind.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "x").kind(), ErrorKind::Throttled);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Whether the call was billed.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "x").billing(), Billing::NotBilled);
    /// ```
    #[must_use]
    pub fn billing(&self) -> Billing {
        self.inner.billing
    }

    /// The message (no personal data).
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "slow down").message(), "slow down");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The vendor API id, if known.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "x").vendor(), None);
    /// ```
    #[must_use]
    pub fn vendor(&self) -> Option<&'static str> {
        self.inner.vendor
    }

    /// The vendor's or gateway's own code, if any.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "x").vendor_code(), None);
    /// ```
    #[must_use]
    pub fn vendor_code(&self) -> Option<&str> {
        self.inner.vendor_code.as_deref()
    }

    /// The request id, if any.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Throttled, "x").request_id(), None);
    /// ```
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The refused input, for [`ErrorKind::InvalidInput`] raised locally.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert!(Error::new(ErrorKind::Throttled, "x").input().is_none());
    /// ```
    #[must_use]
    pub fn input(&self) -> Option<&InputError> {
        self.inner.input.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(vendor) = self.inner.vendor {
            write!(f, "{vendor}: ")?;
        }
        write!(f, "{}: {}", self.inner.kind.code(), self.inner.message)?;
        if let Some(id) = &self.inner.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match (&self.inner.input, &self.inner.source) {
            (Some(input), _) => Some(input),
            (None, Some(source)) => Some(source.as_ref()),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 192,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
