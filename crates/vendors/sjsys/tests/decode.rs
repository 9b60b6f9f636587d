//! Every documented sjsys body of `fixtures/vendors/` decoded, one snapshot line per
//! scenario, plus the decoder's tolerance and its malformed-answer messages.

use http::StatusCode;
use shiming_core::{Billing, Error, ErrorKind, Verdict, Verification};
use shiming_sjsys::response::{decode_parts, DETAIL_ABNORMAL, DETAIL_NO_RESULT};
use shiming_test_support::decoded::{self, Decoded};

#[test]
fn every_documented_body() {
    let decoded = decoded::every_documented_body("sjsys", 24, decode_parts);
    for Decoded { result, .. } in &decoded {
        match result {
            Ok(v) => assert_eq!(v.vendor_reference.as_deref(), Some("4XU29Z4D1704061618")),
            Err(e) => assert!(e.vendor_code().is_some()),
        }
    }
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
fn the_documented_examples() {
    // 正常返回示例, verbatim.
    let v = verdict(
        r#"{"code":"10000","message":"成功","data":{"state":"1"},"seqNo":"4XU29Z4D1704061618"}"#,
    );
    assert_eq!((v.verdict, v.billing), (Verdict::Match, Billing::Billed));
    assert_eq!(v.vendor_code.as_deref(), Some("10000"));
    assert_eq!(v.vendor_message.as_deref(), Some("成功"));
    assert_eq!(v.extra("state"), Some("1"));
    // 失败返回示例, verbatim: an error, not a verdict, and billed.
    let e = error(
        200,
        r#"{"code":"10000","message":"成功","data":null,"seqNo":"4XU29Z4D1704061618"}"#,
    );
    assert_eq!(
        (e.kind(), e.billing(), e.vendor_code()),
        (ErrorKind::VendorFault, Billing::Billed, Some("10000"))
    );
    assert!(e.message().contains("no data.state"), "{}", e.message());
}

#[test]
fn loosely_typed_fields_are_accepted() {
    for body in [
        r#"{"code":"10000","message":"成功","data":{"state":"2"},"seqNo":"S"}"#,
        r#"{"code":10000,"message":"成功","data":{"state":2},"seqNo":"S"}"#,
        r#"{"code":" 10000 ","data":{"state":2.0,"extra":[1]},"new":{"x":1}}"#,
    ] {
        assert_eq!(verdict(body).verdict, Verdict::Mismatch, "{body}");
    }
    let v = verdict(r#"{"code":"10000","data":{"state":"3"}}"#);
    assert_eq!(
        (v.verdict, v.detail.as_deref()),
        (Verdict::NoRecord, Some(DETAIL_ABNORMAL))
    );
    let v = verdict(r#"{"code":10001,"message":"查询无结果","data":null}"#);
    assert_eq!(
        (v.verdict, v.detail.as_deref(), v.extra("state")),
        (Verdict::NoRecord, Some(DETAIL_NO_RESULT), None)
    );
    // data absent or empty with code 10000: the no-result error.
    for body in [r#"{"code":"10000"}"#, r#"{"code":"10000","data":{}}"#] {
        assert_eq!(error(200, body).kind(), ErrorKind::VendorFault);
    }
}

#[test]
fn unknown_codes_and_states_are_vendor_faults_keeping_code_and_message() {
    let e = error(
        200,
        r#"{"code":"10099","message":"新错误","data":null,"seqNo":"S"}"#,
    );
    assert_eq!(
        (e.kind(), e.billing(), e.vendor_code()),
        (ErrorKind::VendorFault, Billing::Billed, Some("10099"))
    );
    assert_eq!(
        e.message(),
        "unknown answer without a result (code 10099: 新错误)"
    );
    let e = error(
        200,
        r#"{"code":"10000","message":"成功","data":{"state":"4"}}"#,
    );
    assert_eq!(
        (e.kind(), e.vendor_code()),
        (ErrorKind::VendorFault, Some("10000"))
    );
    assert!(e.message().contains("data.state 4"), "{}", e.message());
    // A known error code on a non-2xx answer: its kind, not billed.
    let e = error(500, r#"{"code":"10015","message":"系统错误","data":null}"#);
    assert_eq!(
        (e.kind(), e.billing()),
        (ErrorKind::VendorFault, Billing::NotBilled)
    );
    assert!(e.message().ends_with("[HTTP 500]"), "{}", e.message());
}

#[test]
fn malformed_answers_name_the_path_and_never_quote_the_body() {
    for (body, path) in [
        (r#"{"message":"13800138000","data":null}"#, "code: "),
        (r#"{"code":{"x":"13800138000"},"data":null}"#, "code: "),
        (
            r#"{"code":"10000","data":{"state":["13800138000"]}}"#,
            "data.state: ",
        ),
        (r#"{"code":"10000","data":"13800138000"}"#, "data: "),
        (r#"{"code":"10000","message":[1],"data":null}"#, "message: "),
        (r#"{"code":"10000","seqNo":{},"data":null}"#, "seqNo: "),
        (r#"["13800138000"]"#, ".: "),
        (
            r#"{"code":"10000","message":"13800138000","data":{"state":"1""#,
            ".: ",
        ),
        ("<html>13800138000</html>", ".: "),
        ("", ".: "),
    ] {
        let e = error(200, body);
        assert_eq!(e.kind(), ErrorKind::MalformedAnswer, "{body}");
        assert_eq!(e.billing(), Billing::Billed);
        assert!(e.message().starts_with(path), "{body}: {}", e.message());
        assert!(!e.to_string().contains("13800138000"), "{e}");
    }
    let e = error(200, r#"{"code":"10000","data":{"state":"1"#);
    assert!(e.message().contains("truncated"), "{}", e.message());
}

#[test]
fn vendor_texts_in_errors_are_masked() {
    let e = error(
        200,
        r#"{"code":"10007","message":"手机号码13800138000错误","data":null}"#,
    );
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("13800138000"), "{shown}");
}
