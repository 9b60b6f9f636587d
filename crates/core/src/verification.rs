//! The normalized answer of every vendor.

use std::fmt;

use crate::{Billing, Carrier, ErrorKind};

/// What a vendor said about the elements.
///
/// ```
/// assert_eq!(shiming_core::Verdict::NoRecord.code(), "no_record");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The elements belong together.
    Match,
    /// The carrier or authority has the record, and it does not match.
    Mismatch,
    /// The carrier or authority cannot verify (no record, unsupported segment, …).
    NoRecord,
}

impl Verdict {
    /// `match`, `mismatch` or `no_record`.
    ///
    /// ```
    /// assert_eq!(shiming_core::Verdict::Match.code(), "match");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
            Verdict::NoRecord => "no_record",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How a vendor answer ends: a verdict, or an error of some kind. Vendor crates map each
/// documented code onto one (their catalogues), and a router records one per vendor tried.
///
/// ```
/// use shiming_core::{ErrorKind, Outcome, Verdict};
/// assert_eq!(Outcome::Verdict(Verdict::Match).code(), "match");
/// assert_eq!(Outcome::Error(ErrorKind::QuotaExhausted).code(), "quota_exhausted");
/// ```
///
/// Deliberately exhaustive, unlike the project's other public enums: an answer is a verdict or
/// an error, like a `Result`, so that every match on it can be complete; new cases grow inside
/// the non-exhaustive [`Verdict`] and [`ErrorKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The answer is this verdict.
    Verdict(Verdict),
    /// The answer is an error of this kind.
    Error(ErrorKind),
}

impl Outcome {
    /// The verdict's or the error kind's snake_case code.
    ///
    /// ```
    /// assert_eq!(shiming_core::Outcome::Verdict(shiming_core::Verdict::NoRecord).code(), "no_record");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Outcome::Verdict(v) => v.code(),
            Outcome::Error(k) => k.code(),
        }
    }
}

/// A vendor's verdict with everything needed to account for it: who answered, whether the
/// call was billed, the vendor's own code and message, and its reference for support.
///
/// ```
/// use shiming_core::{Billing, Carrier, Verdict, Verification};
/// let v = Verification::new(Verdict::Match, "tel3", Billing::Billed)
///     .with_carrier(Some(Carrier::ChinaMobile))
///     .with_vendor_code("1")
///     .with_vendor_message("校验通过")
///     .with_request_id("A77CDCA5-CC79-46E2-863A-7B2871B7F520");
/// assert_eq!(v.billing, Billing::Billed);
/// assert_eq!(v.verdict.code(), "match");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The normalized verdict.
    pub verdict: Verdict,
    /// The vendor API id (`tel3`, `sxm3v2`, `sjsys`, `sfz2`, `phonethird`).
    pub vendor: &'static str,
    /// Whether the call was charged: [`Billing::Billed`] or [`Billing::NotBilled`] (an answer
    /// came, so it is never [`Billing::Unknown`] here).
    pub billing: Billing,
    /// The carrier, where the vendor tells it.
    pub carrier: Option<Carrier>,
    /// The vendor's own result code, as sent.
    pub vendor_code: Option<String>,
    /// The vendor's own message, as sent.
    pub vendor_message: Option<String>,
    /// A finer reason inside the verdict (e.g. "wrong ID number" inside a mismatch).
    pub detail: Option<String>,
    /// The gateway's `X-Ca-Request-Id`.
    pub request_id: Option<String>,
    /// The vendor's own reference for the call (`seqNo`, `traceId`), for support tickets.
    pub vendor_reference: Option<String>,
    /// Vendor-specific fields worth keeping, by the vendor's field name: the masked echoes
    /// (`xm`, `sfz`, `mob`, …) and extras such as sfz2's `birthday`, `sex`, `address`. Vendors
    /// mask echoes themselves; nothing here is a full name, ID number or mobile.
    pub extras: Vec<(&'static str, String)>,
}

impl Verification {
    /// A verification with only the required fields.
    ///
    /// ```
    /// let v = shiming_core::Verification::new(shiming_core::Verdict::Mismatch, "sfz2", shiming_core::Billing::Billed);
    /// assert!(v.carrier.is_none());
    /// ```
    #[must_use]
    pub fn new(verdict: Verdict, vendor: &'static str, billing: Billing) -> Verification {
        Verification {
            verdict,
            vendor,
            billing,
            carrier: None,
            vendor_code: None,
            vendor_message: None,
            detail: None,
            request_id: None,
            vendor_reference: None,
            extras: Vec::new(),
        }
    }

    /// Sets the carrier.
    ///
    /// ```
    /// # use shiming_core::*;
    /// let v = Verification::new(Verdict::Match, "tel3", Billing::Billed).with_carrier(Some(Carrier::ChinaUnicom));
    /// assert_eq!(v.carrier, Some(Carrier::ChinaUnicom));
    /// ```
    #[must_use]
    pub fn with_carrier(mut self, carrier: Option<Carrier>) -> Verification {
        self.carrier = carrier;
        self
    }

    /// Sets the vendor's code.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Verification::new(Verdict::Match, "tel3", Billing::Billed).with_vendor_code("1").vendor_code.as_deref(), Some("1"));
    /// ```
    #[must_use]
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Verification {
        self.vendor_code = Some(code.into());
        self
    }

    /// Sets the vendor's message.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert!(Verification::new(Verdict::Match, "tel3", Billing::Billed).with_vendor_message("ok").vendor_message.is_some());
    /// ```
    #[must_use]
    pub fn with_vendor_message(mut self, message: impl Into<String>) -> Verification {
        self.vendor_message = Some(message.into());
        self
    }

    /// Sets the finer reason.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert!(Verification::new(Verdict::Mismatch, "tel3", Billing::Billed).with_detail("wrong_id").detail.is_some());
    /// ```
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Verification {
        self.detail = Some(detail.into());
        self
    }

    /// Sets the vendor's own reference (`seqNo`, `traceId`).
    ///
    /// ```
    /// # use shiming_core::*;
    /// let v = Verification::new(Verdict::Match, "sjsys", Billing::Billed).with_vendor_reference("4XU29Z4D1704061618");
    /// assert_eq!(v.vendor_reference.as_deref(), Some("4XU29Z4D1704061618"));
    /// ```
    #[must_use]
    pub fn with_vendor_reference(mut self, reference: impl Into<String>) -> Verification {
        self.vendor_reference = Some(reference.into());
        self
    }

    /// Keeps a vendor-specific field (a masked echo or an extra such as `birthday`).
    ///
    /// ```
    /// # use shiming_core::*;
    /// let v = Verification::new(Verdict::Match, "sfz2", Billing::Billed).with_extra("sex", "男");
    /// assert_eq!(v.extra("sex"), Some("男"));
    /// ```
    #[must_use]
    pub fn with_extra(mut self, name: &'static str, value: impl Into<String>) -> Verification {
        self.extras.push((name, value.into()));
        self
    }

    /// A vendor-specific field kept with [`Verification::with_extra`].
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert_eq!(Verification::new(Verdict::Match, "sfz2", Billing::Billed).extra("sex"), None);
    /// ```
    #[must_use]
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets the request id.
    ///
    /// ```
    /// # use shiming_core::*;
    /// assert!(Verification::new(Verdict::Match, "tel3", Billing::Billed).with_request_id("r-1").request_id.is_some());
    /// ```
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<String>) -> Verification {
        self.request_id = Some(id.into());
        self
    }
}
