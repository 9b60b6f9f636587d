//! `decode_parts` on every documented body of phonethird (`fixtures/vendors/manifest.tsv`)
//! and on the shapes the seed does not show, one snapshot line per case so that any drift in
//! the mapping shows up in review.

use std::fmt::Write as _;

use http::StatusCode;
use shiming_core::{Billing, Carrier, ErrorKind, Verdict};
use shiming_phonethird::response::decode_parts;
use shiming_test_support::decoded::{self, Decoded};
use shiming_test_support::manifest;

#[test]
fn every_documented_body() {
    let decoded = decoded::every_documented_body("phonethird", 8, decode_parts);
    for Decoded {
        scenario, result, ..
    } in &decoded
    {
        if let Err(e) = result {
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{}", scenario.name);
        }
    }
    insta::assert_snapshot!(decoded::snapshot(&decoded));
}

#[test]
fn the_documented_verdicts() {
    let rows = manifest::scenarios("phonethird");
    let decode = |name: &str| {
        let row = rows.iter().find(|r| r.name == name).unwrap();
        decode_parts(row.status, &row.body, Billing::of(row.billed), None)
    };
    let v = decode("success").unwrap();
    assert_eq!(
        (v.verdict, v.carrier),
        (Verdict::Match, Some(Carrier::ChinaUnicom))
    );
    assert_eq!(
        v.vendor_reference.as_deref(),
        Some("20201208001535_9a45ph_5e392391")
    );
    assert_eq!(decode("mismatch").unwrap().verdict, Verdict::Mismatch);
    assert_eq!(
        decode("mismatch").unwrap().carrier,
        None,
        "mobileType empty"
    );
    for (name, detail) in [
        ("status-202", "cannot_verify"),
        ("status-203", "virtual_operator_or_checked_too_often"),
        ("status-207", "unsupported_segment"),
    ] {
        let v = decode(name).unwrap();
        assert_eq!(
            (v.verdict, v.detail.as_deref()),
            (Verdict::NoRecord, Some(detail))
        );
    }
    for (name, field) in [
        ("status-204", "name"),
        ("status-205", "ID number"),
        ("status-206", "mobile"),
    ] {
        let e = decode(name).unwrap_err();
        assert_eq!(
            (e.kind(), e.billing()),
            (ErrorKind::InvalidInput, Billing::Billed)
        );
        assert!(e.message().contains(field), "{e}");
        assert!(
            e.message().contains("20201208001535_9a45ph_5e392391"),
            "{e}"
        );
    }
}

#[test]
fn shapes_the_seed_does_not_show() {
    let success = manifest::body("phonethird", "success");
    let cases: Vec<(&str, u16, bool, Vec<u8>)> = vec![
        ("numeric status 1", 200, true, r#"{"status":1,"msg":"实名认证通过","mobileType":"中国移动"}"#.as_bytes().to_vec()),
        ("numeric status 202", 200, true, r#"{"status":202,"msg":"无法验证"}"#.as_bytes().to_vec()),
        ("null fields, unknown field", 200, true, r#"{"status":"02","msg":null,"idCard":null,"traceId":null,"score":0.5}"#.as_bytes().to_vec()),
        ("unknown carrier", 200, true, r#"{"status":"01","mobileType":"卫通"}"#.as_bytes().to_vec()),
        ("unmasked echoes dropped", 200, true, r#"{"status":"01","idCard":"330106198805160711","mobile":"13957120001","name":"陈思远","mobileType":"移动"}"#.as_bytes().to_vec()),
        ("unknown status", 200, true, r#"{"status":"999","msg":"系统维护","traceId":"t-9"}"#.as_bytes().to_vec()),
        ("unknown status, no msg", 200, true, r#"{"status":"500"}"#.as_bytes().to_vec()),
        ("missing status", 200, true, r#"{"msg":"ok"}"#.as_bytes().to_vec()),
        ("status is an array", 200, true, r#"{"status":["01"]}"#.as_bytes().to_vec()),
        ("echo is an object", 200, true, r#"{"status":"01","name":{"x":"陈思远"}}"#.as_bytes().to_vec()),
        ("not an object", 200, true, r#"["陈思远"]"#.as_bytes().to_vec()),
        ("truncated", 200, true, success[..success.len() / 2].to_vec()),
        ("not JSON", 200, true, b"{ok:1, msg: <html>".to_vec()),
        ("empty", 200, true, Vec::new()),
        ("vendor error page", 502, false, b"<html>bad gateway</html>".to_vec()),
        ("vendor JSON without status, HTTP 500", 500, false, r#"{"error":"x"}"#.as_bytes().to_vec()),
        ("verdict with a non-2xx status", 500, false, r#"{"status":"01","msg":"实名认证通过"}"#.as_bytes().to_vec()),
    ];
    let mut out = String::new();
    for (name, status, billed, body) in &cases {
        let result = decode_parts(
            StatusCode::from_u16(*status).unwrap(),
            body,
            Billing::of(*billed),
            Some("req-2"),
        );
        let shown = decoded::line(&result);
        for secret in ["330106198805160711", "13957120001", "陈思远"] {
            assert!(!shown.contains(secret), "{name}: {shown}");
        }
        writeln!(out, "{name}: {shown}").unwrap();
    }
    insta::assert_snapshot!(out);
}

#[test]
fn echoes_with_a_star_but_a_full_value_are_dropped() {
    let body = r#"{"status":"01","idCard":"*330106198805160711","mobile":"13957120001*","name":"陈思远*","mobileType":"移动"}"#;
    let v = decode_parts(StatusCode::OK, body.as_bytes(), Billing::Billed, None);
    decoded::assert_nothing_in_full(&v);
    let v = v.unwrap();
    for key in ["idCard", "mobile", "name"] {
        assert_eq!(v.extra(key), None, "{key}");
    }
}
