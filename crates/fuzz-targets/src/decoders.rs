//! The targets of the vendor crates' answer decoders (`response::decode_parts`).

use http::StatusCode;
use shiming_core::{Billing, Error, ErrorKind, Verification};

use crate::input::VendorCall;

/// A vendor crate's `response::decode_parts`.
type DecodeParts = fn(StatusCode, &[u8], Billing, Option<&str>) -> Result<Verification, Error>;

/// Decodes the input as one answer of `vendor` ([`VendorCall`]) and checks what must hold for
/// every vendor:
///
/// * a verification names the vendor, keeps the call's billing and request id, has a
///   non-empty vendor code, and every echo of personal data among `echoes` is masked (holds
///   `*`);
/// * an error names the vendor, keeps the call's billing and request id, is of a kind an
///   answer can have (never "not sent" or "may have been charged", which only the transport
///   knows), is no local input error, and — when the answer could not be read — quotes nothing
///   of the body (its message is ASCII: field paths and fixed words);
/// * `Debug` and `Display` can be formatted.
fn decode(data: &[u8], vendor: &'static str, decode_parts: DecodeParts, echoes: &[&str]) {
    let call = VendorCall::parse(data);
    let result = decode_parts(
        call.status,
        call.body,
        Billing::of(call.billed),
        call.request_id,
    );
    match result {
        Ok(v) => {
            assert_eq!(v.vendor, vendor);
            assert_eq!(v.billing == Billing::Billed, call.billed);
            assert_eq!(v.request_id.as_deref(), call.request_id);
            assert!(
                v.vendor_code
                    .as_deref()
                    .is_some_and(|c| !c.trim().is_empty()),
                "a verdict without a vendor code"
            );
            for (name, value) in &v.extras {
                if echoes.contains(name) {
                    assert!(value.contains('*'), "the echo {name} is not masked");
                }
            }
            let _ = format!("{v:?}");
        }
        Err(e) => {
            assert_eq!(e.vendor(), Some(vendor));
            let billing = if call.billed {
                Billing::Billed
            } else {
                Billing::NotBilled
            };
            assert_eq!(e.billing(), billing);
            assert_eq!(e.request_id(), call.request_id);
            assert!(
                !matches!(e.kind(), ErrorKind::NotSent | ErrorKind::MayHaveBeenCharged),
                "an answer decoded as {:?}",
                e.kind()
            );
            assert!(
                e.input().is_none(),
                "a vendor answer is no local input error"
            );
            assert!(!e.message().is_empty());
            if e.kind() == ErrorKind::MalformedAnswer {
                assert!(
                    e.message().is_ascii(),
                    "a malformed answer's message quotes the body: {}",
                    e.message()
                );
            }
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}

/// tel3's decoder ([`shiming_tel3::response::decode_parts`]) on one answer; the masked echoes
/// are `xm`, `sfz`, `mob`.
///
/// # Panics
///
/// When an invariant of the decoders does not hold (see the crate documentation).
///
/// ```
/// let input = shiming_fuzz_targets::input::VendorCall::encode(666, false, true, r#"{"ok":0,"msg":"手机号码有误"}"#.as_bytes()).unwrap();
/// shiming_fuzz_targets::tel3_decode(&input);
/// ```
pub fn tel3_decode(data: &[u8]) {
    decode(
        data,
        shiming_tel3::VENDOR,
        shiming_tel3::response::decode_parts,
        &["xm", "sfz", "mob"],
    );
}

/// sxm3v2's decoder ([`shiming_sxm3v2::response::decode_parts`]) on one answer; it echoes no
/// personal data.
///
/// # Panics
///
/// When an invariant of the decoders does not hold (see the crate documentation).
///
/// ```
/// let body = r#"{"code":"200","msg":"成功","isFee":1,"data":{"result":1,"mobileChannel":"cmcc"}}"#;
/// let input = shiming_fuzz_targets::input::VendorCall::encode(200, true, true, body.as_bytes()).unwrap();
/// shiming_fuzz_targets::sxm3v2_decode(&input);
/// ```
pub fn sxm3v2_decode(data: &[u8]) {
    decode(
        data,
        shiming_sxm3v2::VENDOR,
        shiming_sxm3v2::response::decode_parts,
        &[],
    );
}

/// sjsys's decoder ([`shiming_sjsys::response::decode_parts`]) on one answer; it echoes no
/// personal data.
///
/// # Panics
///
/// When an invariant of the decoders does not hold (see the crate documentation).
///
/// ```
/// let body = r#"{"code":"10000","message":"成功","data":{"state":"1"},"seqNo":"S1"}"#;
/// let input = shiming_fuzz_targets::input::VendorCall::encode(200, true, false, body.as_bytes()).unwrap();
/// shiming_fuzz_targets::sjsys_decode(&input);
/// ```
pub fn sjsys_decode(data: &[u8]) {
    decode(
        data,
        shiming_sjsys::VENDOR,
        shiming_sjsys::response::decode_parts,
        &[],
    );
}

/// sfz2's decoder ([`shiming_sfz2::response::decode_parts`]) on one answer; the masked echoes
/// are `xm` and `sfz`.
///
/// # Panics
///
/// When an invariant of the decoders does not hold (see the crate documentation).
///
/// ```
/// let body = r#"{"ok":1,"msg":"实名信息正确","xm":"庆**","sfz":"3505*****12","match":true}"#;
/// let input = shiming_fuzz_targets::input::VendorCall::encode(200, true, true, body.as_bytes()).unwrap();
/// shiming_fuzz_targets::sfz2_decode(&input);
/// ```
pub fn sfz2_decode(data: &[u8]) {
    decode(
        data,
        shiming_sfz2::VENDOR,
        shiming_sfz2::response::decode_parts,
        &["xm", "sfz"],
    );
}

/// phonethird's decoder ([`shiming_phonethird::response::decode_parts`]) on one answer; the
/// masked echoes are `idCard`, `mobile` and `name`.
///
/// # Panics
///
/// When an invariant of the decoders does not hold (see the crate documentation).
///
/// ```
/// let body = r#"{"status":"01","msg":"实名认证通过","idCard":"51*****1111","mobileType":"联通"}"#;
/// let input = shiming_fuzz_targets::input::VendorCall::encode(200, true, true, body.as_bytes()).unwrap();
/// shiming_fuzz_targets::phonethird_decode(&input);
/// ```
pub fn phonethird_decode(data: &[u8]) {
    decode(
        data,
        shiming_phonethird::VENDOR,
        shiming_phonethird::response::decode_parts,
        &["idCard", "mobile", "name"],
    );
}
