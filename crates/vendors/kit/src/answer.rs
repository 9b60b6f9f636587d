//! One vendor call's answer being decoded ([`Call`]): its [`Billing`], the results and typed
//! errors naming the vendor, an answer that could not be read, and answers replayed from
//! their parts ([`replay`]).

use shiming_core::{Billing, Error, ErrorKind, Verdict, Verification};
use shiming_gateway::ApiResponse;

/// One answer being decoded, and what every result and error about it carries: the vendor,
/// the HTTP status, whether the marketplace billed it, the gateway's request id. Each vendor
/// crate's `decode` starts with `Call::of(VENDOR, response)` and builds its results with it.
///
/// ```
/// use http::StatusCode;
/// use shiming_core::{Billing, ErrorKind, Verdict};
/// use shiming_gateway::ApiResponse;
/// use shiming_vendor_kit::Call;
///
/// let answer = ApiResponse::new(StatusCode::OK, r#"{"ok":1}"#.into(), Some("req-1".into())).with_billing(Billing::Billed);
/// let call = Call::of("tel3", &answer);
/// let v = call.verification(Verdict::Match);
/// assert_eq!((v.vendor, v.billing, v.request_id.as_deref()), ("tel3", Billing::Billed, Some("req-1")));
/// let e = call.malformed("match", "the field is missing");
/// assert_eq!((e.kind(), e.message(), e.billing()), (ErrorKind::MalformedAnswer, "match: the field is missing", Billing::Billed));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    vendor: &'static str,
    response: &'a ApiResponse,
}

impl<'a> Call<'a> {
    /// The call `response` answers, made to `vendor`.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// let answer = ApiResponse::new(http::StatusCode::OK, "{}".into(), None);
    /// assert_eq!(shiming_vendor_kit::Call::of("sjsys", &answer).vendor(), "sjsys");
    /// ```
    #[must_use]
    pub fn of(vendor: &'static str, response: &'a ApiResponse) -> Call<'a> {
        Call { vendor, response }
    }

    /// The vendor API id.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// let answer = ApiResponse::new(http::StatusCode::OK, "{}".into(), None);
    /// assert_eq!(shiming_vendor_kit::Call::of("sfz2", &answer).vendor(), "sfz2");
    /// ```
    #[must_use]
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// The answer's JSON as `T` ([`decode_json`](crate::decode_json)); a body that cannot be
    /// read is judged by [`Call::unreadable`] with the vendor's own non-2xx answer statuses
    /// `own_statuses` (拇指云's 666).
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Answer { ok: i64 }
    /// let page = ApiResponse::new(http::StatusCode::BAD_GATEWAY, "<html>".into(), None);
    /// let e = shiming_vendor_kit::Call::of("tel3", &page).read_json::<Answer>(&[666]).unwrap_err();
    /// assert_eq!(e.vendor_code(), Some("502"));
    /// ```
    ///
    /// # Errors
    /// The body is not a `T`.
    pub fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        own_statuses: &[u16],
    ) -> Result<T, Error> {
        crate::decode_json(self.response, self.vendor)
            .map_err(|parse_error| self.unreadable(parse_error, own_statuses))
    }

    /// A body that could not be decoded (`parse_error`), judged by the answer's status. On a
    /// 2xx status or one of the vendor's own answer statuses (`own_statuses`, e.g. 拇指云's
    /// 666) it stays the [`ErrorKind::MalformedAnswer`] of `parse_error`; on any other status
    /// the vendor side failed with a body that is not the vendor's (an HTML error page):
    /// [`ErrorKind::VendorFault`] naming the status.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// use shiming_core::{Error, ErrorKind};
    /// let page = ApiResponse::new(http::StatusCode::BAD_GATEWAY, "<html>".into(), None);
    /// let call = shiming_vendor_kit::Call::of("phonethird", &page);
    /// let e = call.unreadable(call.malformed("status", "missing"), &[]);
    /// assert_eq!(e.kind(), ErrorKind::VendorFault);
    /// let parse = Error::new(ErrorKind::MalformedAnswer, ".: the answer is not valid JSON");
    /// let e = shiming_vendor_kit::Call::of("tel3", &page).unreadable(parse, &[666]);
    /// assert_eq!((e.kind(), e.vendor_code()), (ErrorKind::VendorFault, Some("502")));
    /// ```
    #[must_use]
    pub fn unreadable(&self, parse_error: Error, own_statuses: &[u16]) -> Error {
        let status = self.response.status;
        if status.is_success() || own_statuses.contains(&status.as_u16()) {
            return parse_error;
        }
        let vendor = self.vendor;
        let message = format!(
            "{vendor} answered HTTP {} without a {vendor} answer ({})",
            status.as_u16(),
            parse_error.message()
        );
        self.error(
            ErrorKind::VendorFault,
            message,
            Some(&status.as_u16().to_string()),
        )
    }

    /// The gateway's request id, if it sent one.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// let answer = ApiResponse::new(http::StatusCode::OK, "{}".into(), Some("r-9".into()));
    /// assert_eq!(shiming_vendor_kit::Call::of("tel3", &answer).request_id(), Some("r-9"));
    /// ```
    #[must_use]
    pub fn request_id(&self) -> Option<&'a str> {
        self.response.request_id.as_deref()
    }

    /// A verification with `verdict`, this call's vendor, billing and request id.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// use shiming_core::{Billing, Verdict};
    /// let answer = ApiResponse::new(http::StatusCode::OK, "{}".into(), None).with_billing(Billing::Billed);
    /// let v = shiming_vendor_kit::Call::of("tel3", &answer).verification(Verdict::NoRecord);
    /// assert!(v.billing == Billing::Billed && v.request_id.is_none());
    /// ```
    #[must_use]
    pub fn verification(&self, verdict: Verdict) -> Verification {
        let v = Verification::new(verdict, self.vendor, self.response.billing);
        match self.request_id() {
            Some(id) => v.with_request_id(id),
            None => v,
        }
    }

    /// The error `kind` with `message`, used as given (scrub vendor text with
    /// [`scrub`](crate::scrub) first), naming the vendor, with the vendor's own `code` if
    /// there is one, the call's billing and the gateway's request id if known.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// use shiming_core::{Billing, ErrorKind};
    /// let answer = ApiResponse::new(http::StatusCode::from_u16(666).unwrap(), "{}".into(), None);
    /// let e = shiming_vendor_kit::Call::of("tel3", &answer)
    ///     .error(ErrorKind::InvalidInput, "bad mobile (手机号码有误)", Some("手机号码有误"));
    /// assert_eq!((e.message(), e.vendor_code()), ("bad mobile (手机号码有误)", Some("手机号码有误")));
    /// assert_eq!((e.vendor(), e.billing(), e.request_id()), (Some("tel3"), Billing::NotBilled, None));
    /// let answer = ApiResponse::new(http::StatusCode::OK, "{}".into(), Some("r-1".into()));
    /// let e = shiming_vendor_kit::Call::of("tel3", &answer).error(ErrorKind::VendorFault, "code 9: busy", Some("9"));
    /// assert_eq!(e.kind(), ErrorKind::VendorFault);
    /// assert_eq!((e.vendor_code(), e.billing(), e.request_id()), (Some("9"), Billing::Billed, Some("r-1")));
    /// ```
    #[must_use]
    pub fn error(&self, kind: ErrorKind, message: impl Into<String>, code: Option<&str>) -> Error {
        let mut error = Error::new(kind, message)
            .with_vendor(self.vendor)
            .with_billing(self.response.billing);
        if let Some(code) = code {
            error = error.with_vendor_code(code);
        }
        if let Some(id) = self.request_id() {
            error = error.with_request_id(id);
        }
        error
    }

    /// As [`Call::error`] for vendors whose answers come with any HTTP status: a non-2xx
    /// status is noted at the end of the message (` [HTTP 400]`), and the code is scrubbed
    /// ([`scrub`](crate::scrub)).
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// let answer = ApiResponse::new(http::StatusCode::BAD_REQUEST, "{}".into(), None);
    /// let e = shiming_vendor_kit::Call::of("sxm3v2", &answer)
    ///     .error_noting_status(shiming_core::ErrorKind::InvalidInput, "参数错误", Some("400"));
    /// assert_eq!((e.message(), e.vendor_code()), ("参数错误 [HTTP 400]", Some("400")));
    /// ```
    #[must_use]
    pub fn error_noting_status(
        &self,
        kind: ErrorKind,
        message: impl Into<String>,
        code: Option<&str>,
    ) -> Error {
        let message = message.into();
        let status = self.response.status;
        let message = if status.is_success() {
            message
        } else {
            format!("{message} [HTTP {}]", status.as_u16())
        };
        let code = code.map(crate::scrub);
        self.error(kind, message, code.as_deref())
    }

    /// [`ErrorKind::MalformedAnswer`]: `path: what`, without a vendor code.
    ///
    /// ```
    /// # use shiming_gateway::ApiResponse;
    /// let answer = ApiResponse::new(http::StatusCode::OK, "{}".into(), None);
    /// let e = shiming_vendor_kit::Call::of("tel3", &answer).malformed("ok", "the field is missing");
    /// assert_eq!((e.message(), e.vendor_code()), ("ok: the field is missing", None));
    /// ```
    #[must_use]
    pub fn malformed(&self, path: &str, what: &str) -> Error {
        self.error(ErrorKind::MalformedAnswer, format!("{path}: {what}"), None)
    }
}

/// An answer as the gateway client would have returned it, from its parts (for the vendor
/// crates' `decode_parts`, tests and replays): the billing as given rather than derived from
/// the status.
///
/// ```
/// use shiming_core::Billing;
/// let r = shiming_vendor_kit::replay(http::StatusCode::OK, b"{}", Billing::NotBilled, Some("r-1"));
/// assert_eq!(r.billing, Billing::NotBilled);
/// assert_eq!(r.request_id.as_deref(), Some("r-1"));
/// ```
#[must_use]
pub fn replay(
    status: http::StatusCode,
    body: &[u8],
    billing: Billing,
    request_id: Option<&str>,
) -> ApiResponse {
    ApiResponse::new(status, body.to_vec().into(), request_id.map(str::to_owned))
        .with_billing(billing)
}
