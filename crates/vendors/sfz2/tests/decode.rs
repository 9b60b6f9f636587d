//! Every documented sfz2 body (`fixtures/vendors/sfz2/*.json`, listed in the manifest) through
//! `decode_parts`, one snapshot line per scenario — and the edge cases of the decoder.

use http::StatusCode;
use shiming_core::{Billing, Error, ErrorKind, Verdict, Verification};
use shiming_sfz2::response::decode_parts;
use shiming_test_support::decoded::{self, Decoded};

#[test]
fn every_documented_body() {
    let decoded = decoded::every_documented_body("sfz2", 11, decode_parts);
    for Decoded {
        scenario, result, ..
    } in &decoded
    {
        match result {
            Ok(v) => {
                for echo in ["xm", "sfz", "birthday", "address"] {
                    assert!(
                        v.extra(echo).is_some_and(|e| e.contains('*')),
                        "{} {echo}",
                        scenario.name
                    );
                }
            }
            Err(e) => assert_ne!(
                e.kind(),
                ErrorKind::VendorFault,
                "{} is catalogued",
                scenario.name
            ),
        }
    }
    insta::assert_snapshot!(decoded::snapshot(&decoded));
}

fn parts(status: u16, body: &str, billed: bool) -> Result<Verification, Error> {
    decode_parts(
        StatusCode::from_u16(status).unwrap(),
        body.as_bytes(),
        Billing::of(billed),
        Some("req-x"),
    )
}

#[test]
fn loose_types_are_accepted() {
    let v = parts(
        200,
        r#"{"ok":"1","msg":"实名信息正确","match":"true","extra":{"a":1}}"#,
        true,
    )
    .unwrap();
    assert_eq!(
        (v.verdict, v.vendor_code.as_deref()),
        (Verdict::Match, Some("true"))
    );
    assert!(v.extras.is_empty());
    let v = parts(
        200,
        r#"{"ok":1,"msg":"实名校验失败：查无记录","match":0}"#,
        true,
    )
    .unwrap();
    assert_eq!(
        (v.verdict, v.detail.as_deref(), v.vendor_code.as_deref()),
        (Verdict::NoRecord, Some("no_record"), Some("false"))
    );
    let e = parts(666, r#"{"ok":"0","msg":" 身份证号码有误 "}"#, false).unwrap_err();
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::InvalidInput, Some("身份证号码有误"))
    );
}

#[test]
fn the_message_tells_mismatch_from_no_record() {
    // `true` is a match whatever the message; the detail only when they agree.
    let v = parts(
        200,
        r#"{"ok":1,"msg":"实名校验失败:查无记录","match":true}"#,
        true,
    )
    .unwrap();
    assert_eq!((v.verdict, v.detail), (Verdict::Match, None));
    // `false` with an unknown message: a mismatch without detail, the message kept.
    let v = parts(200, r#"{"ok":1,"msg":"新的说明","match":false}"#, true).unwrap();
    assert_eq!(
        (v.verdict, v.detail, v.vendor_message.as_deref()),
        (Verdict::Mismatch, None, Some("新的说明"))
    );
    let v = parts(200, r#"{"ok":1,"match":false}"#, true).unwrap();
    assert_eq!((v.verdict, v.vendor_message), (Verdict::Mismatch, None));
}

#[test]
fn unknown_failures_are_vendor_faults_keeping_the_raw_message() {
    let e = parts(666, r#"{"ok":0,"msg":"系统维护中"}"#, false).unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor_code()),
        (
            ErrorKind::VendorFault,
            Billing::NotBilled,
            Some("系统维护中")
        )
    );
    assert_eq!(e.message(), "unknown sfz2 failure (系统维护中)");
    // ok other than 0 and 1 is a failure too (seed: "可能为0或其他非1的值").
    let e = parts(666, r#"{"ok":2,"msg":"姓名有误"}"#, false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = parts(666, r#"{"ok":0}"#, false).unwrap_err();
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::VendorFault, Some("ok=0"))
    );
    // A message echoing a number is masked.
    let e = parts(666, r#"{"ok":0,"msg":"证件330106198805160711无效"}"#, false).unwrap_err();
    assert!(!e.to_string().contains("330106198805160711"), "{e}");
}

#[test]
fn malformed_answers_name_the_field_and_keep_the_billing() {
    let cases = [
        (
            200,
            r#"{"ok":1,"msg":"实名信息正确"}"#,
            "match: the field is missing",
        ),
        (
            200,
            r#"{"msg":"实名信息正确","match":true}"#,
            "ok: the field is missing",
        ),
        (
            200,
            r#"{"ok":1,"msg":"实名信息正确","match":"是"}"#,
            "match: a field has an unexpected type or value",
        ),
        (
            200,
            r#"{"ok":1,"msg":"实名信息正确","match":true,"sex":1}"#,
            "sex: a field has an unexpected type or value",
        ),
        (
            200,
            r#"{"ok":1,"msg":"实名"#,
            ".: the answer ends too early (truncated JSON)",
        ),
        (200, "", ".: the answer ends too early (truncated JSON)"),
        (200, "<html>", ".: the answer is not valid JSON"),
        (
            200,
            r#""实名信息正确""#,
            ".: the answer is not a JSON object",
        ),
        (666, "{ok:0}", ".: the answer is not valid JSON"),
    ];
    decoded::assert_malformed(decode_parts, &cases);
}

#[test]
fn other_statuses_without_an_sfz2_body_are_vendor_faults() {
    let e = parts(502, "<html>Bad Gateway</html>", false).unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor_code()),
        (ErrorKind::VendorFault, Billing::NotBilled, Some("502"))
    );
    assert!(e.message().contains("HTTP 502"), "{e}");
    // With an sfz2 body, the body decides.
    let e = parts(500, r#"{"ok":0,"msg":"非法来源"}"#, false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn clear_echoes_are_masked_and_extras_kept() {
    let v = parts(
        200,
        r#"{"ok":1,"msg":"实名信息正确","xm":"陈思远","sfz":"330106198805160711","match":true,"birthday":"19****16","sex":"男","address":"浙江省杭州市**区"}"#,
        true,
    )
    .unwrap();
    let shown = format!("{v:?}");
    for secret in ["陈思远", "330106198805160711"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert_eq!(v.extra("sex"), Some("男"));
    assert_eq!(v.extra("birthday"), Some("19****16"));
    assert_eq!(v.extra("address"), Some("浙江省杭州市**区"));
}

#[test]
fn echoes_with_a_star_but_a_full_value_are_masked_again() {
    let v = parts(
        200,
        r#"{"ok":1,"msg":"实名信息正确","xm":"陈思远*","sfz":"*330106198805160711","match":true}"#,
        true,
    );
    decoded::assert_nothing_in_full(&v);
    let v = v.unwrap();
    assert_eq!(v.extra("xm"), Some("陈***"));
    assert_eq!(v.extra("sfz"), Some("*330*************11"));
    // The documented masking is kept as sent.
    let v = parts(
        200,
        r#"{"ok":1,"msg":"实名信息正确","xm":"庆**","sfz":"3505*****12","match":true}"#,
        true,
    )
    .unwrap();
    let extras: Vec<_> = v.extras.iter().map(|(_, value)| value.as_str()).collect();
    assert_eq!(extras, ["庆**", "3505*****12"]);
}
