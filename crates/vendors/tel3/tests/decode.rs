//! Every documented tel3 body (`fixtures/vendors/tel3/*.json`, listed in the manifest) through
//! `decode_parts`, one snapshot line per scenario — and the edge cases of the decoder.

use http::StatusCode;
use shiming_core::{Billing, Error, ErrorKind, Verdict, Verification};
use shiming_tel3::response::decode_parts;
use shiming_test_support::decoded::{self, Decoded};

#[test]
fn every_documented_body() {
    let decoded = decoded::every_documented_body("tel3", 17, decode_parts);
    for Decoded {
        scenario, result, ..
    } in &decoded
    {
        match result {
            Ok(v) => assert!(v.extras.iter().all(|(_, value)| value.contains('*'))),
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
        r#"{"ok":"1","msg":"校验通过","match":"1","extra":{"a":1}}"#,
        true,
    )
    .unwrap();
    assert_eq!(
        (v.verdict, v.vendor_code.as_deref()),
        (Verdict::Match, Some("1"))
    );
    assert!(v.extras.is_empty());
    let v = parts(
        200,
        r#"{"ok":1,"msg":"运营商不存在记录","match":2.0}"#,
        true,
    )
    .unwrap();
    assert_eq!(
        (v.verdict, v.detail.as_deref()),
        (Verdict::NoRecord, Some("no_carrier_record"))
    );
    let e = parts(666, r#"{"ok":"0","msg":" 身份证号码有误 "}"#, false).unwrap_err();
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::InvalidInput, Some("身份证号码有误"))
    );
}

#[test]
fn the_detail_is_kept_only_when_msg_and_match_agree() {
    // `match` decides the verdict; a message of another verdict adds no detail.
    let v = parts(200, r#"{"ok":1,"msg":"运营商不存在记录","match":0}"#, true).unwrap();
    assert_eq!((v.verdict, v.detail), (Verdict::Mismatch, None));
    // An unknown message with a known `match`: the verdict, the message kept.
    let v = parts(200, r#"{"ok":1,"msg":"新的说明","match":1}"#, true).unwrap();
    assert_eq!(
        (v.verdict, v.vendor_message.as_deref()),
        (Verdict::Match, Some("新的说明"))
    );
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
    assert_eq!(e.message(), "unknown tel3 failure (系统维护中)");
    // ok other than 0 and 1 is a failure too (seed: "可能为0或其他非1的值").
    let e = parts(666, r#"{"ok":-1,"msg":"手机号码有误"}"#, false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = parts(666, r#"{"ok":0}"#, false).unwrap_err();
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::VendorFault, Some("ok=0"))
    );
    // A message echoing a number is masked.
    let e = parts(666, r#"{"ok":0,"msg":"号码13957120001无效"}"#, false).unwrap_err();
    assert!(!e.to_string().contains("13957120001"), "{e}");
    // An unknown `match` value is billed and kept.
    let e = parts(200, r#"{"ok":1,"msg":"校验通过","match":7}"#, true).unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor_code()),
        (ErrorKind::VendorFault, Billing::Billed, Some("7"))
    );
}

#[test]
fn malformed_answers_name_the_field_and_keep_the_billing() {
    let cases = [
        (
            200,
            r#"{"ok":1,"msg":"校验通过"}"#,
            "match: the field is missing",
        ),
        (
            200,
            r#"{"msg":"校验通过","match":1}"#,
            "ok: the field is missing",
        ),
        (
            200,
            r#"{"ok":1,"msg":"校验通过","match":"一"}"#,
            "match: a field has an unexpected type or value",
        ),
        (
            200,
            r#"{"ok":1,"msg":["x"],"match":1}"#,
            "msg: a field has an unexpected type or value",
        ),
        (
            200,
            r#"{"ok":1,"msg":"校验"#,
            ".: the answer ends too early (truncated JSON)",
        ),
        (200, "", ".: the answer ends too early (truncated JSON)"),
        (200, "<html>", ".: the answer is not valid JSON"),
        (200, r#""校验通过""#, ".: the answer is not a JSON object"),
        (666, "{ok:0}", ".: the answer is not valid JSON"),
    ];
    decoded::assert_malformed(decode_parts, &cases);
}

#[test]
fn other_statuses_without_a_tel3_body_are_vendor_faults() {
    let e = parts(502, "<html>Bad Gateway</html>", false).unwrap_err();
    assert_eq!(
        (e.kind(), e.billing(), e.vendor_code()),
        (ErrorKind::VendorFault, Billing::NotBilled, Some("502"))
    );
    assert!(e.message().contains("HTTP 502"), "{e}");
    // With a tel3 body, the body decides.
    let e = parts(500, r#"{"ok":0,"msg":"非法来源"}"#, false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn clear_echoes_are_masked() {
    let v = parts(
        200,
        r#"{"ok":1,"msg":"校验通过","xm":"陈思远","sfz":"330106198805160711","mob":"13957120001","match":1}"#,
        true,
    )
    .unwrap();
    for (_, value) in &v.extras {
        assert!(value.contains('*'), "{value}");
    }
    let shown = format!("{v:?}");
    for secret in ["陈思远", "330106198805160711", "13957120001"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn echoes_with_a_star_but_a_full_value_are_masked_again() {
    let v = parts(
        200,
        r#"{"ok":1,"msg":"校验通过","xm":"陈思远*","sfz":"*330106198805160711","mob":"13957120001*","match":1}"#,
        true,
    );
    decoded::assert_nothing_in_full(&v);
    let v = v.unwrap();
    assert_eq!(v.extra("xm"), Some("陈***"));
    assert_eq!(v.extra("sfz"), Some("*330*************11"));
    assert_eq!(v.extra("mob"), Some("139*****001*"));
    // The documented masking is kept as sent.
    let v = parts(
        200,
        r#"{"ok":1,"msg":"校验通过","xm":"李****","sfz":"3505******12","mob":"15956*******7","match":1}"#,
        true,
    )
    .unwrap();
    let extras: Vec<_> = v.extras.iter().map(|(_, value)| value.as_str()).collect();
    assert_eq!(extras, ["李****", "3505******12", "15956*******7"]);
}
