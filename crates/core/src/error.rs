//! The one error type of every verifier.

use std::fmt;
use std::time::Duration;

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

/// Where and how a verification failed. With the [`Billing`] it decides what is safe to do
/// next ([`Error::retry_safety`]).
///
/// ```
/// use shiming_core::{Error, ErrorKind, RetrySafety};
/// let e = Error::new(ErrorKind::MayHaveBeenCharged, "timed out");
/// assert_eq!(e.retry_safety(), RetrySafety::MayCharge);
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
    /// A budget of the store's ledger (per day, month or in total; a vendor's or overall)
    /// has no room for the call's worst-case price, or the ledger cannot be reached and paid
    /// calls are refused until it can: refused locally, not sent, not billed. Another vendor,
    /// under its own budget, may still be tried.
    BudgetExhausted,
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
            ErrorKind::BudgetExhausted => "budget_exhausted",
        }
    }

    /// Whether a failure of this kind, not billed, is transient unless the error says
    /// otherwise ([`Error::with_transient`]): the vendor did no work and the same call may
    /// succeed when repeated. The first column of [`RetrySafety`]'s table.
    const fn is_transient_by_default(self) -> bool {
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

/// What may be done after a failed call without risking a second charge: the one rule the
/// retry policy (the same call to the same vendor again) and the failover policy (the next
/// vendor) both read. [`Error::retry_safety`] derives it from the error's [`ErrorKind`] and
/// [`Billing`]:
///
/// | kind | not billed | billed | billing unknown |
/// | --- | --- | --- | --- |
/// | [`ErrorKind::InvalidInput`] | `Never` | `Never` | `Never` |
/// | [`ErrorKind::Unauthorized`] | `ElsewhereOnly` | `Never` | `MayCharge` |
/// | [`ErrorKind::QuotaExhausted`] | `Transient` | `Never` | `MayCharge` |
/// | [`ErrorKind::Throttled`] | `Transient` | `Never` | `MayCharge` |
/// | [`ErrorKind::VendorFault`] | `ElsewhereOnly` (`Transient` when marked: a gateway 503) | `Never` | `MayCharge` |
/// | [`ErrorKind::NotSent`] | `Transient` (`ElsewhereOnly` when marked: the client refused its own configuration) | `Never` | `MayCharge` |
/// | [`ErrorKind::MayHaveBeenCharged`] | `MayCharge` | `Never` | `MayCharge` |
/// | [`ErrorKind::MalformedAnswer`] | `ElsewhereOnly` | `Never` | `MayCharge` |
/// | [`ErrorKind::BudgetExhausted`] | `ElsewhereOnly` | `Never` | `MayCharge` |
///
/// "Marked" is [`Error::with_transient`], which only ever chooses between `Transient` and
/// `ElsewhereOnly`: no mark makes refused input, a billed call or a possible charge
/// repeatable. `Transient` carries the server's `Retry-After` ([`Error::with_retry_after`]).
///
/// | variant | retry on the same vendor | fail over to the next vendor |
/// | --- | --- | --- |
/// | `Never` | no | no |
/// | `ElsewhereOnly` | no | yes |
/// | `Transient` | yes (backoff, raised to `Retry-After`) | yes |
/// | `MayCharge` | only when the caller opted in | only when the caller opted in |
///
/// ```
/// use std::time::Duration;
/// use shiming_core::{Billing, Error, ErrorKind, RetrySafety};
/// let throttled = Error::new(ErrorKind::Throttled, "Throttled by APP Flow Control")
///     .with_retry_after(Duration::from_secs(2));
/// assert_eq!(
///     throttled.retry_safety(),
///     RetrySafety::Transient { retry_after: Some(Duration::from_secs(2)) }
/// );
/// let billed = Error::new(ErrorKind::MalformedAnswer, "bad json").with_billing(Billing::Billed);
/// assert_eq!(billed.retry_safety(), RetrySafety::Never);
/// assert!(!RetrySafety::Never.allows_failover(true));
/// assert!(RetrySafety::ElsewhereOnly.allows_failover(false));
/// assert!(!RetrySafety::ElsewhereOnly.allows_retry(true));
/// assert!(RetrySafety::MayCharge.allows_retry(true) && !RetrySafety::MayCharge.allows_retry(false));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetrySafety {
    /// Neither again nor elsewhere: the input was refused (every vendor would refuse it), or
    /// the call was billed (a repeat is billed again).
    Never,
    /// Not charged, but the same call here fails the same way (credentials, configuration,
    /// a fault, an answer not understood): another vendor may be tried.
    ElsewhereOnly,
    /// Not charged and transient (not sent, flow control, quota, a gateway 503): the call may
    /// be repeated here or sent to another vendor.
    Transient {
        /// How long the server asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The call may have been charged (sent, then no answer; or billing unknown): repeated
    /// here or elsewhere only when the caller opted in, accepting a possible second charge.
    MayCharge,
}

impl RetrySafety {
    /// Whether the same call may be sent to the same vendor again; `opted_in` is whether the
    /// caller accepts a possible second charge (for [`RetrySafety::MayCharge`]).
    ///
    /// ```
    /// use shiming_core::RetrySafety;
    /// assert!(RetrySafety::Transient { retry_after: None }.allows_retry(false));
    /// assert!(!RetrySafety::ElsewhereOnly.allows_retry(true));
    /// ```
    #[must_use]
    pub const fn allows_retry(self, opted_in: bool) -> bool {
        match self {
            RetrySafety::Transient { .. } => true,
            RetrySafety::MayCharge => opted_in,
            RetrySafety::Never | RetrySafety::ElsewhereOnly => false,
        }
    }

    /// Whether the next vendor may be tried; `opted_in` is whether the caller accepts a
    /// possible second charge (for [`RetrySafety::MayCharge`]).
    ///
    /// ```
    /// use shiming_core::RetrySafety;
    /// assert!(RetrySafety::ElsewhereOnly.allows_failover(false));
    /// assert!(!RetrySafety::MayCharge.allows_failover(false));
    /// ```
    #[must_use]
    pub const fn allows_failover(self, opted_in: bool) -> bool {
        match self {
            RetrySafety::Transient { .. } | RetrySafety::ElsewhereOnly => true,
            RetrySafety::MayCharge => opted_in,
            RetrySafety::Never => false,
        }
    }

    /// The server's `Retry-After`, for [`RetrySafety::Transient`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use shiming_core::RetrySafety;
    /// let wait = RetrySafety::Transient { retry_after: Some(Duration::from_secs(1)) };
    /// assert_eq!(wait.retry_after(), Some(Duration::from_secs(1)));
    /// assert_eq!(RetrySafety::MayCharge.retry_after(), None);
    /// ```
    #[must_use]
    pub const fn retry_after(self) -> Option<Duration> {
        match self {
            RetrySafety::Transient { retry_after } => retry_after,
            _ => None,
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
    /// Overrides the kind's default in [`Error::retry_safety`].
    transient: Option<bool>,
    retry_after: Option<Duration>,
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
                transient: None,
                retry_after: None,
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

    /// Says whether this failure is transient when its kind alone does not tell (see
    /// [`RetrySafety`]'s table): `true` for a gateway 503 (a [`ErrorKind::VendorFault`] after
    /// which the vendor did no work), `false` for a request the client refused to send (a
    /// [`ErrorKind::NotSent`] that its own configuration causes again). It chooses only
    /// between [`RetrySafety::Transient`] and [`RetrySafety::ElsewhereOnly`]: refused input,
    /// billed calls and possible charges stay as they are.
    ///
    /// ```
    /// # use shiming_core::*;
    /// let e = Error::new(ErrorKind::NotSent, "plain http:// refused");
    /// assert!(e.retry_safety().allows_retry(false));
    /// assert_eq!(e.with_transient(false).retry_safety(), RetrySafety::ElsewhereOnly);
    /// let e = Error::new(ErrorKind::MayHaveBeenCharged, "timed out").with_transient(true);
    /// assert_eq!(e.retry_safety(), RetrySafety::MayCharge);
    /// ```
    #[must_use]
    pub fn with_transient(mut self, transient: bool) -> Error {
        self.inner.transient = Some(transient);
        self
    }

    /// Keeps the server's `Retry-After`: how long it asked to wait before a repeat. It shows
    /// in [`RetrySafety::Transient`] (other safeties are not repeated on a timer).
    ///
    /// ```
    /// # use shiming_core::*;
    /// use std::time::Duration;
    /// let e = Error::new(ErrorKind::Throttled, "x").with_retry_after(Duration::from_secs(3));
    /// assert_eq!(e.retry_safety().retry_after(), Some(Duration::from_secs(3)));
    /// ```
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Error {
        self.inner.retry_after = Some(after);
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

    /// What may be done next without risking a second charge: the rule of [`RetrySafety`]'s
    /// table, from the kind, the billing and the error's own marks
    /// ([`Error::with_transient`], [`Error::with_retry_after`]).
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Error::new(ErrorKind::Unauthorized, "x").retry_safety(), RetrySafety::ElsewhereOnly);
    /// assert_eq!(
    ///     Error::new(ErrorKind::NotSent, "x").retry_safety(),
    ///     RetrySafety::Transient { retry_after: None }
    /// );
    /// ```
    #[must_use]
    pub fn retry_safety(&self) -> RetrySafety {
        let inner = &self.inner;
        match (inner.kind, inner.billing) {
            (ErrorKind::InvalidInput, _) | (_, Billing::Billed) => RetrySafety::Never,
            (ErrorKind::MayHaveBeenCharged, _) | (_, Billing::Unknown) => RetrySafety::MayCharge,
            (kind, Billing::NotBilled) => {
                if inner
                    .transient
                    .unwrap_or_else(|| kind.is_transient_by_default())
                {
                    RetrySafety::Transient {
                        retry_after: inner.retry_after,
                    }
                } else {
                    RetrySafety::ElsewhereOnly
                }
            }
        }
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

    /// [`RetrySafety`]'s table, row by row: every kind × billing, unmarked and marked either
    /// way, with a `Retry-After` that shows only where the result is transient.
    #[test]
    fn retry_safety_table() {
        use Billing::{Billed, NotBilled, Unknown};
        use ErrorKind::*;
        use RetrySafety::{ElsewhereOnly, MayCharge, Never};
        const T: RetrySafety = RetrySafety::Transient { retry_after: None };
        // A new kind must get a row here (and in the docs' tables).
        let every_kind = |k: ErrorKind| match k {
            InvalidInput | Unauthorized | QuotaExhausted | Throttled | VendorFault | NotSent
            | MayHaveBeenCharged | MalformedAnswer | BudgetExhausted => (),
        };
        // (kind, not billed: unmarked, marked transient, marked lasting)
        let table = [
            (InvalidInput, Never, Never, Never),
            (Unauthorized, ElsewhereOnly, T, ElsewhereOnly),
            (QuotaExhausted, T, T, ElsewhereOnly),
            (Throttled, T, T, ElsewhereOnly),
            (VendorFault, ElsewhereOnly, T, ElsewhereOnly),
            (NotSent, T, T, ElsewhereOnly),
            (MayHaveBeenCharged, MayCharge, MayCharge, MayCharge),
            (MalformedAnswer, ElsewhereOnly, T, ElsewhereOnly),
            (BudgetExhausted, ElsewhereOnly, T, ElsewhereOnly),
        ];
        let after = Duration::from_secs(7);
        for (kind, unmarked, transient, lasting) in table {
            every_kind(kind);
            let e = |billing| Error::new(kind, "x").with_billing(billing);
            let with_after = |s: RetrySafety| match s {
                RetrySafety::Transient { .. } => RetrySafety::Transient {
                    retry_after: Some(after),
                },
                other => other,
            };
            for (mark, expected) in [
                (None, unmarked),
                (Some(true), transient),
                (Some(false), lasting),
            ] {
                let marked = |e: Error| match mark {
                    Some(m) => e.with_transient(m),
                    None => e,
                };
                let at = |billing| marked(e(billing));
                assert_eq!(at(NotBilled).retry_safety(), expected, "{kind:?} {mark:?}");
                assert_eq!(
                    at(NotBilled).with_retry_after(after).retry_safety(),
                    with_after(expected),
                    "{kind:?} {mark:?}"
                );
                assert_eq!(
                    at(Billed).with_retry_after(after).retry_safety(),
                    Never,
                    "{kind:?}"
                );
                let unknown = if kind == InvalidInput {
                    Never
                } else {
                    MayCharge
                };
                assert_eq!(
                    at(Unknown).with_retry_after(after).retry_safety(),
                    unknown,
                    "{kind:?}"
                );
            }
        }
        // `Error::new`'s default billing: unknown only for a possible charge.
        assert_eq!(
            Error::new(MayHaveBeenCharged, "x").retry_safety(),
            MayCharge
        );
        assert_eq!(Error::new(Throttled, "x").retry_safety(), T);
    }

    #[test]
    fn retry_safety_allows() {
        use RetrySafety::*;
        let t = Transient {
            retry_after: Some(Duration::from_secs(1)),
        };
        // (safety, retry: default, opted in; failover: default, opted in)
        for (s, retry, retry_opted, failover, failover_opted) in [
            (Never, false, false, false, false),
            (ElsewhereOnly, false, false, true, true),
            (t, true, true, true, true),
            (MayCharge, false, true, false, true),
        ] {
            assert_eq!(
                (
                    s.allows_retry(false),
                    s.allows_retry(true),
                    s.allows_failover(false),
                    s.allows_failover(true)
                ),
                (retry, retry_opted, failover, failover_opted),
                "{s:?}"
            );
        }
        assert_eq!(t.retry_after(), Some(Duration::from_secs(1)));
        assert_eq!(ElsewhereOnly.retry_after(), None);
    }

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
