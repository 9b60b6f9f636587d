//! How a target reads its input bytes, and the inverse for seeds and regression tests.
//!
//! * Text targets (`mobile`, `name`) read the whole input as text, invalid UTF-8 replaced by
//!   U+FFFD ([`text`]), so that every input reaches the parser.
//! * `id_card` reads two leading bytes as "today" ([`split_today`]), then the text.
//! * The vendor decoders read a three-byte header — billing, request id, HTTP status — then
//!   the body ([`VendorCall`]).

use std::borrow::Cow;

use http::StatusCode;
use shiming_core::Date;

/// Days from 1970-01-01 back to 1900-01-01, the day [`split_today`] counts from.
const DAYS_1900_TO_1970: i64 = 25_567;

/// The input as text: invalid UTF-8 sequences become U+FFFD.
///
/// ```
/// assert_eq!(shiming_fuzz_targets::input::text(b"13800138000"), "13800138000");
/// assert_eq!(shiming_fuzz_targets::input::text(b"1\xff"), "1\u{FFFD}");
/// ```
#[must_use]
pub fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Splits an `id_card` input into "today" and the text: the first two bytes, little-endian,
/// count days after 1900-01-01 (so "today" runs from 1900-01-01 to 2079-06-06); missing bytes
/// count as zero.
///
/// ```
/// use shiming_core::Date;
/// use shiming_fuzz_targets::input::split_today;
/// let (today, rest) = split_today(b"\x00\x00110105194912310021");
/// assert_eq!((today, rest), (Date::new(1900, 1, 1).unwrap(), &b"110105194912310021"[..]));
/// assert_eq!(split_today(b"").0, Date::new(1900, 1, 1).unwrap());
/// ```
#[must_use]
pub fn split_today(data: &[u8]) -> (Date, &[u8]) {
    let (head, rest) = data.split_at(data.len().min(2));
    let mut days = [0u8; 2];
    days[..head.len()].copy_from_slice(head);
    let days = i64::from(u16::from_le_bytes(days));
    // Every offset in 0..=65535 from 1900-01-01 is a date; the fallback is never taken.
    let today = Date::from_days_since_unix_epoch(days - DAYS_1900_TO_1970)
        .or_else(|| Date::new(1900, 1, 1).ok())
        .unwrap_or_else(|| unreachable!("1900-01-01 is a date"));
    (today, rest)
}

/// The `id_card` input that [`split_today`] reads as `today` and `text`; `None` when `today`
/// is outside 1900-01-01 ..= 2079-06-06.
///
/// ```
/// use shiming_core::Date;
/// use shiming_fuzz_targets::input::{split_today, with_today};
/// let today = Date::new(2026, 11, 23).unwrap();
/// let input = with_today(today, "11010519491231002X").unwrap();
/// assert_eq!(split_today(&input), (today, &b"11010519491231002X"[..]));
/// assert!(with_today(Date::new(1899, 12, 31).unwrap(), "1").is_none());
/// ```
#[must_use]
pub fn with_today(today: Date, text: &str) -> Option<Vec<u8>> {
    let days = days_since_unix_epoch(today) + DAYS_1900_TO_1970;
    let days = u16::try_from(days).ok()?;
    let mut input = days.to_le_bytes().to_vec();
    input.extend_from_slice(text.as_bytes());
    Some(input)
}

/// Days from 1970-01-01 to `date` (Howard Hinnant's `days_from_civil`), the inverse of
/// [`Date::from_days_since_unix_epoch`].
fn days_since_unix_epoch(date: Date) -> i64 {
    let (month, day) = (i64::from(date.month()), i64::from(date.day()));
    let year = i64::from(date.year()) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The request id a vendor-decoder input asks for with [`VendorCall::request_id`].
pub const REQUEST_ID: &str = "fuzz-request-1";

/// Bit 0 of the header's first byte: the marketplace billed the call.
const BILLED: u8 = 1;
/// Bit 1 of the header's first byte: the answer carries [`REQUEST_ID`].
const WITH_REQUEST_ID: u8 = 2;
/// Header length of a vendor-decoder input.
const HEADER: usize = 3;

/// A vendor-decoder input: what `decode_parts` is called with.
///
/// The first byte holds flags (bit 0: billed, bit 1: request id [`REQUEST_ID`] present), the
/// next two the HTTP status (little-endian `n`, status `100 + n % 900`), the rest is the body.
/// An input shorter than the header is all body, with HTTP 200, billed, no request id.
///
/// ```
/// use shiming_fuzz_targets::input::{VendorCall, REQUEST_ID};
/// let body = r#"{"ok":0,"msg":"手机号码有误"}"#.as_bytes();
/// let input = VendorCall::encode(666, false, true, body).unwrap();
/// let call = VendorCall::parse(&input);
/// assert_eq!((call.status.as_u16(), call.billed, call.request_id), (666, false, Some(REQUEST_ID)));
/// assert_eq!(call.body, body);
/// assert_eq!(VendorCall::parse(b"{}").status.as_u16(), 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorCall<'a> {
    /// The HTTP status, 100–999.
    pub status: StatusCode,
    /// Whether the marketplace billed the call.
    pub billed: bool,
    /// The `X-Ca-Request-Id`, if any.
    pub request_id: Option<&'static str>,
    /// The answer body.
    pub body: &'a [u8],
}

impl<'a> VendorCall<'a> {
    /// Reads a vendor-decoder input (see [`VendorCall`]).
    ///
    /// ```
    /// let call = shiming_fuzz_targets::input::VendorCall::parse(b"\x01\x64\x00{}");
    /// assert_eq!((call.status.as_u16(), call.billed, call.request_id), (200, true, None));
    /// ```
    #[must_use]
    pub fn parse(data: &'a [u8]) -> VendorCall<'a> {
        let Some((&[flags, low, high], body)) = data.split_first_chunk::<HEADER>() else {
            return VendorCall {
                status: StatusCode::OK,
                billed: true,
                request_id: None,
                body: data,
            };
        };
        let status = 100 + u16::from_le_bytes([low, high]) % 900;
        VendorCall {
            // 100..=999 is every status `http` accepts; the fallback is never taken.
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            billed: flags & BILLED != 0,
            request_id: (flags & WITH_REQUEST_ID != 0).then_some(REQUEST_ID),
            body,
        }
    }

    /// The input that [`VendorCall::parse`] reads as these parts; `None` for a status outside
    /// 100–999.
    ///
    /// ```
    /// use shiming_fuzz_targets::input::VendorCall;
    /// assert_eq!(VendorCall::encode(200, true, false, b"{}").unwrap(), b"\x01\x64\x00{}");
    /// assert!(VendorCall::encode(99, true, false, b"{}").is_none());
    /// ```
    #[must_use]
    pub fn encode(status: u16, billed: bool, request_id: bool, body: &[u8]) -> Option<Vec<u8>> {
        if !(100..=999).contains(&status) {
            return None;
        }
        let mut flags = 0;
        if billed {
            flags |= BILLED;
        }
        if request_id {
            flags |= WITH_REQUEST_ID;
        }
        let mut input = vec![flags];
        input.extend_from_slice(&(status - 100).to_le_bytes());
        input.extend_from_slice(body);
        Some(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_today_offset_round_trips() {
        for days in 0..=u16::MAX {
            let input = days.to_le_bytes();
            let (today, rest) = split_today(&input);
            assert!(rest.is_empty());
            assert_eq!(
                with_today(today, "").as_deref(),
                Some(&input[..]),
                "{today}"
            );
        }
        let last = Date::new(2079, 6, 6).unwrap();
        assert_eq!(split_today(&[0xff, 0xff]).0, last);
    }

    #[test]
    fn every_status_round_trips() {
        for status in 100..=999 {
            let input = VendorCall::encode(status, false, false, b"x").unwrap();
            assert_eq!(VendorCall::parse(&input).status.as_u16(), status);
        }
        assert_eq!(
            VendorCall::parse(b"\x00\xff\xff").status.as_u16(),
            100 + 65_535 % 900
        );
    }
}

/// Splits a `batch_csv` input into its encoding (first byte even: UTF-8, odd: GB18030; none:
/// UTF-8) and the CSV bytes.
///
/// ```
/// use shiming_cli::input::TextEncoding;
/// use shiming_fuzz_targets::input::split_encoding;
/// assert_eq!(split_encoding(b"\x01a,b"), (TextEncoding::Gb18030, &b"a,b"[..]));
/// assert_eq!(split_encoding(b""), (shiming_cli::input::TextEncoding::Utf8, &b""[..]));
/// ```
#[must_use]
pub fn split_encoding(data: &[u8]) -> (shiming_cli::input::TextEncoding, &[u8]) {
    match data.split_first() {
        Some((&first, rest)) if first % 2 == 1 => (shiming_cli::input::TextEncoding::Gb18030, rest),
        Some((_, rest)) => (shiming_cli::input::TextEncoding::Utf8, rest),
        None => (shiming_cli::input::TextEncoding::Utf8, data),
    }
}

/// A `mock_pipeline` input: `METHOD TARGET` on the first line, then `Name: value` header lines,
/// an empty line and the body — an HTTP/1 request without the version, split on `\n` (a `\r`
/// before it is dropped).
///
/// ```
/// use shiming_fuzz_targets::input::MockRequest;
/// let bytes = MockRequest::encode("POST", "/phone3", &[("host", "x")], b"name=a");
/// let request = MockRequest::parse(&bytes).unwrap();
/// assert_eq!((request.method.as_str(), request.target.as_str()), ("POST", "/phone3"));
/// assert_eq!(request.body, b"name=a");
/// assert!(request.into_http().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockRequest {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Header names and values, as written.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl MockRequest {
    /// Reads the input; `None` when it has no request line.
    #[must_use]
    pub fn parse(data: &[u8]) -> Option<MockRequest> {
        let mut rest = data;
        let mut next_line = || -> Option<&[u8]> {
            let end = rest.iter().position(|&b| b == b'\n')?;
            let line = &rest[..end];
            rest = &rest[end + 1..];
            Some(line.strip_suffix(b"\r").unwrap_or(line))
        };
        let first = String::from_utf8_lossy(next_line()?).into_owned();
        let mut words = first.splitn(3, ' ');
        let method = words.next()?.to_string();
        let target = words.next().unwrap_or("/").to_string();
        let mut headers = Vec::new();
        while let Some(line) = next_line() {
            if line.is_empty() {
                break;
            }
            let line = String::from_utf8_lossy(line);
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        Some(MockRequest {
            method,
            target,
            headers,
            body: rest.to_vec(),
        })
    }

    /// The input that [`MockRequest::parse`] reads as this request.
    #[must_use]
    pub fn encode(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("{method} {target}\n").into_bytes();
        for (name, value) in headers {
            out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
        }
        out.push(b'\n');
        out.extend_from_slice(body);
        out
    }

    /// The request as `http` types; `None` when the method, target or a header is not valid
    /// HTTP (a server would refuse it before the pipeline).
    #[must_use]
    pub fn into_http(self) -> Option<http::Request<bytes::Bytes>> {
        let mut builder = http::Request::builder()
            .method(self.method.as_str())
            .uri(self.target.as_str());
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(bytes::Bytes::from(self.body)).ok()
    }
}
