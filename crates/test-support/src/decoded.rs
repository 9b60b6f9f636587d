//! Every documented body of one vendor through its `decode_parts`: the checks that hold for
//! every vendor, and one snapshot line per scenario in one format for all five.

use http::StatusCode;
use shiming_core::{Billing, Error, Verification};

use crate::manifest::{self, DocumentedBody};

/// A vendor crate's `response::decode_parts`.
pub type Decoder = fn(StatusCode, &[u8], Billing, Option<&str>) -> Result<Verification, Error>;

/// One documented body, decoded.
#[derive(Debug)]
pub struct Decoded {
    /// The manifest's row.
    pub scenario: DocumentedBody,
    /// The request id it was decoded with (`req-<scenario>`).
    pub request_id: String,
    /// What the decoder made of it.
    pub result: Result<Verification, Error>,
}

/// Decodes each of `vendor`'s documented bodies (there must be `count`) with
/// `req-<scenario>` as request id, and asserts what holds for every one of them: the result
/// names `vendor`, carries the request id, and is billed exactly when the manifest says so.
#[must_use]
#[track_caller]
pub fn every_documented_body(vendor: &str, count: usize, decode: Decoder) -> Vec<Decoded> {
    let scenarios = manifest::scenarios(vendor);
    assert_eq!(
        scenarios.len(),
        count,
        "the manifest lists {count} {vendor} bodies"
    );
    scenarios
        .into_iter()
        .map(|scenario| {
            let request_id = format!("req-{}", scenario.name);
            let result = decode(
                scenario.status,
                &scenario.body,
                Billing::of(scenario.billed),
                Some(&request_id),
            );
            let name = &scenario.name;
            match &result {
                Ok(v) => {
                    assert_eq!(v.vendor, vendor, "{name}");
                    assert_eq!(v.billing, Billing::of(scenario.billed), "{name}");
                    assert_eq!(v.request_id.as_deref(), Some(request_id.as_str()), "{name}");
                }
                Err(e) => {
                    assert_eq!(e.vendor(), Some(vendor), "{name}");
                    assert_eq!(e.billing(), Billing::of(scenario.billed), "{name}");
                    assert_eq!(e.request_id(), Some(request_id.as_str()), "{name}");
                }
            }
            Decoded {
                scenario,
                request_id,
                result,
            }
        })
        .collect()
}

/// The snapshot of [`every_documented_body`]: `scenario (HTTP status) → result` a line.
#[must_use]
pub fn snapshot(decoded: &[Decoded]) -> String {
    decoded
        .iter()
        .map(|d| {
            format!(
                "{} (HTTP {}) → {}",
                d.scenario.name,
                d.scenario.status.as_u16(),
                line(&d.result)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One result on one line: the verdict and everything it carries, or the error's kind,
/// billing, vendor code, request id and message.
#[must_use]
pub fn line(result: &Result<Verification, Error>) -> String {
    let opt = |value: Option<&str>| value.unwrap_or("-").to_string();
    match result {
        Ok(v) => format!(
            "{} billing={} detail={} carrier={} code={} msg={} ref={} request={} extras=[{}]",
            v.verdict,
            v.billing.code(),
            opt(v.detail.as_deref()),
            v.carrier.map_or("-", shiming_core::Carrier::code),
            opt(v.vendor_code.as_deref()),
            opt(v.vendor_message.as_deref()),
            opt(v.vendor_reference.as_deref()),
            opt(v.request_id.as_deref()),
            v.extras
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(e) => format!(
            "error {} billing={} code={} request={} message={:?}",
            e.kind().code(),
            e.billing().code(),
            opt(e.vendor_code()),
            opt(e.request_id()),
            e.message(),
        ),
    }
}

/// Asserts that `decode` finds each body of `cases` (`(status, body, message)`; billed when
/// the status is 200) malformed with exactly that message, the billing of its status and the
/// request id `req-x`.
#[track_caller]
pub fn assert_malformed(decode: Decoder, cases: &[(u16, &str, &str)]) {
    for &(status, body, message) in cases {
        let billing = Billing::of(status == 200);
        let status = StatusCode::from_u16(status).expect("a valid status");
        let e = decode(status, body.as_bytes(), billing, Some("req-x"))
            .expect_err("a malformed answer");
        assert_eq!(e.kind(), shiming_core::ErrorKind::MalformedAnswer, "{body}");
        assert_eq!(e.message(), message, "{body}");
        assert_eq!(e.billing(), billing, "{body}");
        assert_eq!(e.request_id(), Some("req-x"), "{body}");
    }
}

/// Fails when any text `result` can show — `Display` and `Debug` of an error, `Debug` of a
/// verification and each of its string fields — holds one of the people's values
/// ([`crate::people::assert_hidden`]).
#[track_caller]
pub fn assert_nothing_in_full(result: &Result<Verification, Error>) {
    let texts = match result {
        Ok(v) => {
            let mut out = vec![format!("{v:?}")];
            out.extend(
                [
                    &v.vendor_code,
                    &v.vendor_message,
                    &v.detail,
                    &v.request_id,
                    &v.vendor_reference,
                ]
                .into_iter()
                .flatten()
                .cloned(),
            );
            out.extend(v.extras.iter().map(|(_, value)| value.clone()));
            out
        }
        Err(e) => vec![format!("{e}"), format!("{e:?}"), e.message().to_string()],
    };
    for text in texts {
        crate::people::assert_hidden("a decoded answer", &text);
    }
}
