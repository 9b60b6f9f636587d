//! Every documented sxm3v2 body of `fixtures/vendors/` decoded, one snapshot line per
//! scenario, plus the decoder's tolerance and its malformed-answer messages.

use http::StatusCode;
use shiming_core::{Billing, Carrier, Error, ErrorKind, Verdict, Verification};
use shiming_sxm3v2::response::decode_parts;
use shiming_test_support::decoded;

#[test]
fn every_documented_body() {
    // Billing follows the marketplace's rule for every body, verdict or error.
    let decoded = decoded::every_documented_body("sxm3v2", 7, decode_parts);
    insta::assert_snapshot!(decoded::snapshot(&decoded));
}

#[track_caller]
fn verdict(body: &str) -> Verification {
    decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None)
        .unwrap_or_else(|e| panic!("{body}: {e}"))
}

#[track_caller]
fn error(status: u16, body: &str) -> Error {
    let status = StatusCode::from_u16(status).unwrap();
    match decode_parts(
        status,
        body.as_bytes(),
        Billing::of(status.is_success()),
        Some("r"),
    ) {
        Ok(v) => panic!("{body}: decoded as {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn loosely_typed_fields_are_accepted() {
    // result and code as strings or numbers, isFee as a boolean, unknown fields, odd case.
    for body in [
        r#"{"code":"200","msg":"成功","isFee":1,"seqNo":"S","data":{"result":1,"resultDesc":"一致","mobileChannel":"cmcc"}}"#,
        r#"{"code":200,"msg":"成功","isFee":"1","seqNo":"S","data":{"result":"1","resultDesc":"一致","mobileChannel":"CMCC"}}"#,
        r#"{"code":200,"isFee":true,"seqNo":"S","data":{"result":1.0,"mobileChannel":" cmcc ","new":{"x":1}},"more":[1]}"#,
    ] {
        let v = verdict(body);
        assert_eq!(
            (v.verdict, v.carrier),
            (Verdict::Match, Some(Carrier::ChinaMobile)),
            "{body}"
        );
        assert_eq!(v.vendor_code.as_deref(), Some("1"));
    }
    // The verdict comes from data.result, whatever code says.
    let v = verdict(r#"{"code":"0","data":{"result":2}}"#);
    assert_eq!(
        (v.verdict, v.carrier, v.vendor_reference),
        (Verdict::Mismatch, None, None)
    );
    // Without resultDesc the message is msg; an unknown channel keeps the raw value only.
    let v = verdict(r#"{"code":"200","msg":"成功","data":{"result":3,"mobileChannel":"xxcc"}}"#);
    assert_eq!(v.verdict, Verdict::NoRecord);
    assert_eq!(v.vendor_message.as_deref(), Some("成功"));
    assert_eq!((v.carrier, v.extra("mobileChannel")), (None, Some("xxcc")));
    // A verdict on a non-2xx answer is still a verdict, not billed.
    let v = decode_parts(
        StatusCode::BAD_REQUEST,
        br#"{"code":"200","data":{"result":1}}"#,
        Billing::NotBilled,
        None,
    )
    .unwrap();
    assert_eq!(v.billing, Billing::NotBilled);
}

#[test]
fn answers_without_a_result_are_errors_keeping_code_and_message() {
    let e = error(
        200,
        r#"{"code":"200","msg":"成功","isFee":1,"seqNo":"S","data":null}"#,
    );
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::Billed)
    );
    assert_eq!(e.vendor_code(), Some("200"));
    let e = error(
        200,
        r#"{"code":"200","msg":"成功","data":{"resultDesc":"一致"}}"#,
    );
    assert_eq!(e.kind(), ErrorKind::VendorFault);
    // Unknown codes and results: VendorFault with the raw code and message.
    let e = error(
        500,
        r#"{"code":"500","msg":"系统繁忙","isFee":0,"data":null}"#,
    );
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert_eq!(e.vendor_code(), Some("500"));
    assert_eq!(
        e.message(),
        "unknown answer without a result (code 500: 系统繁忙) [HTTP 500]"
    );
    let e = error(200, r#"{"code":"200","msg":"成功","data":{"result":9}}"#);
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::VendorFault, Some("200"))
    );
    assert!(e.message().contains("data.result 9"), "{}", e.message());
    // The parameter error, on 200 or 400.
    for status in [200, 400] {
        let e = error(
            status,
            r#"{"code":400,"msg":"idCard格式错误","isFee":0,"data":null}"#,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("idCard格式错误"), "{}", e.message());
    }
    // Nothing at all.
    let e = error(200, "{}");
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::MalformedAnswer, Billing::Billed)
    );
    assert!(e.message().starts_with("data.result: "), "{}", e.message());
}

#[test]
fn malformed_answers_name_the_path_and_never_quote_the_body() {
    for (body, path) in [
        (r#"{"code":{"x":"13800138000"},"data":null}"#, "code: "),
        (
            r#"{"code":"200","data":{"result":["13800138000"]}}"#,
            "data.result: ",
        ),
        (
            r#"{"code":"200","data":{"result":1,"mobileChannel":{}}}"#,
            "data.mobileChannel: ",
        ),
        (r#"{"code":"200","data":"13800138000"}"#, "data: "),
        (r#"{"code":"200","seqNo":[1],"data":null}"#, "seqNo: "),
        (r#"["13800138000"]"#, ".: "),
        (
            r#"{"code":"200","msg":"13800138000","data":{"result":1"#,
            ".: ",
        ),
        ("13800138000 not json", ".: "),
        ("", ".: "),
    ] {
        let e = error(200, body);
        assert_eq!(e.kind(), ErrorKind::MalformedAnswer, "{body}");
        assert_eq!(e.billing(), Billing::Billed);
        assert!(e.message().starts_with(path), "{body}: {}", e.message());
        assert!(!e.to_string().contains("13800138000"), "{e}");
    }
    let e = error(200, r#"{"code":"200","data":{"result":1"#);
    assert!(e.message().contains("truncated"), "{}", e.message());
}

#[test]
fn vendor_texts_in_errors_are_masked() {
    let e = error(
        200,
        r#"{"code":"400","msg":"身份证11010519491231002X与手机13800138000不符","data":null}"#,
    );
    let shown = format!("{e} {e:?}");
    for secret in ["11010519491231002X", "13800138000", "1101051949"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
