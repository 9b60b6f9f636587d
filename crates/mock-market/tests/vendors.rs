//! The five vendor simulators over real sockets, answering from the registry: Match, Mismatch,
//! NoRecord, virtual-operator mobiles and input errors, with billing by status.

mod support;

use serde_json::Value;
use shiming_mock_market::{MockMarket, Vendor};
use support::{enc, send, APPCODE};

/// README examples in `fixtures/people.tsv`.
const MATCH: (&str, &str, &str) = ("陈思远", "330106198805160711", "13957120001");
const MVNO: (&str, &str, &str) = ("周子轩", "420106199906122155", "17092710005");
const UNKNOWN_ID: &str = "110108198510100190";

fn auth() -> String {
    format!("APPCODE {APPCODE}")
}

fn get(m: &shiming_mock_market::MockHandle, path: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let target = format!("{path}?{}", query.join("&"));
    let a = auth();
    let r = send(m.addr(), "GET", &target, &[("Authorization", &a)], b"").unwrap();
    (r.status, r.json())
}

fn post_form(
    m: &shiming_mock_market::MockHandle,
    path: &str,
    params: &[(&str, &str)],
) -> (u16, Value) {
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let a = auth();
    let r = send(
        m.addr(),
        "POST",
        path,
        &[
            ("Authorization", &a),
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            ),
        ],
        body.join("&").as_bytes(),
    )
    .unwrap();
    (r.status, r.json())
}

fn post_json(m: &shiming_mock_market::MockHandle, path: &str, body: &Value) -> (u16, Value) {
    let a = auth();
    let r = send(
        m.addr(),
        "POST",
        path,
        &[
            ("Authorization", &a),
            ("Content-Type", "application/json; charset=UTF-8"),
        ],
        body.to_string().as_bytes(),
    )
    .unwrap();
    (r.status, r.json())
}

#[test]
fn tel3_outcomes_and_unbilled_failures() {
    let m = MockMarket::start().unwrap();
    let (n, i, p) = MATCH;
    let (status, v) = get(&m, "/mobile", &[("xm", n), ("sfz", i), ("mob", p)]);
    assert_eq!(
        (status, v["ok"].as_i64(), v["match"].as_i64()),
        (200, Some(1), Some(1))
    );
    assert_eq!(v["msg"], "校验通过");
    for echoed in ["xm", "sfz", "mob"] {
        let text = v[echoed].as_str().unwrap();
        assert!(
            text.contains('*') && text != n && text != i && text != p,
            "{echoed}: {text}"
        );
    }
    let (_, v) = get(&m, "/mobile", &[("xm", "王五"), ("sfz", i), ("mob", p)]);
    assert_eq!(v["match"], 0, "name differs: mismatch");
    let (_, v) = get(&m, "/mobile", &[("xm", n), ("sfz", UNKNOWN_ID), ("mob", p)]);
    assert_eq!(
        (v["match"].as_i64(), v["msg"].as_str()),
        (Some(2), Some("运营商不存在记录"))
    );
    let (mn, mi, mp) = MVNO;
    let (_, v) = get(&m, "/mobile", &[("xm", mn), ("sfz", mi), ("mob", mp)]);
    assert_eq!(v["match"], 2, "carriers do not verify MVNO numbers");
    // Documented failures: HTTP 666, ok 0, not billed.
    let before = m.usage_of(APPCODE, Vendor::Tel3).charged;
    for (params, msg) in [
        (vec![("sfz", i), ("mob", p)], "未传入真实姓名xm"),
        (vec![("xm", n), ("mob", p)], "未传入身份证号码sfz"),
        (vec![("xm", n), ("sfz", i)], "未传入手机号码mob"),
        (
            vec![("xm", n), ("sfz", "110105194912310021"), ("mob", p)],
            "身份证号码有误",
        ),
        (
            vec![("xm", n), ("sfz", i), ("mob", "1380013800")],
            "手机号码有误",
        ),
        (
            vec![("xm", "李*"), ("sfz", i), ("mob", p)],
            "存在*字符，视为调试数据。止于当前结果。",
        ),
    ] {
        let (status, v) = get(&m, "/mobile", &params);
        assert_eq!(
            (status, v["ok"].as_i64(), v["msg"].as_str()),
            (666, Some(0), Some(msg))
        );
    }
    assert_eq!(m.usage_of(APPCODE, Vendor::Tel3).charged, before);
}

#[test]
fn sfz2_two_elements_with_derived_fields() {
    let m = MockMarket::start().unwrap();
    let (n, i, _) = MATCH;
    let (status, v) = get(&m, "/idcard", &[("xm", n), ("sfz", i)]);
    assert_eq!(
        (status, v["match"].as_bool(), v["msg"].as_str()),
        (200, Some(true), Some("实名信息正确"))
    );
    assert_eq!(v["sex"], "男");
    assert!(v["address"].as_str().unwrap().starts_with("浙江省"), "{v}");
    let (_, v) = get(&m, "/idcard", &[("xm", "王五"), ("sfz", i)]);
    assert_eq!(
        (v["match"].as_bool(), v["msg"].as_str()),
        (Some(false), Some("实名校验失败:身份证与姓名不匹配"))
    );
    let (_, v) = get(&m, "/idcard", &[("xm", n), ("sfz", UNKNOWN_ID)]);
    assert_eq!(
        (v["match"].as_bool(), v["msg"].as_str()),
        (Some(false), Some("实名校验失败:查无记录"))
    );
    let (status, v) = get(&m, "/idcard", &[("xm", n)]);
    assert_eq!(
        (status, v["msg"].as_str()),
        (666, Some("未传入身份证号码sfz"))
    );
}

#[test]
fn sxm3v2_json_and_form_bodies() {
    let m = MockMarket::start().unwrap();
    let (n, i, p) = MATCH;
    let (status, v) = post_json(
        &m,
        "/mobile3/check",
        &serde_json::json!({"name": n, "idCard": i, "mobile": p}),
    );
    assert_eq!(
        (status, v["code"].as_str(), v["data"]["result"].as_i64()),
        (200, Some("200"), Some(1))
    );
    assert_eq!(v["isFee"], 1);
    assert_eq!(v["data"]["mobileChannel"], "cmcc");
    let (_, v) = post_form(
        &m,
        "/mobile3/check",
        &[("name", "王五"), ("idCard", i), ("mobile", p)],
    );
    assert_eq!(v["data"]["result"], 2);
    let (_, v) = post_json(
        &m,
        "/mobile3/check",
        &serde_json::json!({"name": n, "idCard": UNKNOWN_ID, "mobile": p}),
    );
    assert_eq!(v["data"]["result"], 3);
    let (status, v) = post_json(
        &m,
        "/mobile3/check",
        &serde_json::json!({"idCard": i, "mobile": p}),
    );
    assert_eq!(
        (status, v["isFee"].as_i64(), v["data"].is_null()),
        (400, Some(0), true)
    );
    // Two 200 verdicts + one 200 no-record were charged; the 400 was not.
    assert_eq!(m.usage_of(APPCODE, Vendor::Sxm3v2).charged, 3);
}

#[test]
fn sjsys_form_states_and_error_codes() {
    let m = MockMarket::start().unwrap();
    let (n, i, p) = MATCH;
    let (status, v) = post_form(
        &m,
        "/communication/personal/1979",
        &[("idcard", i), ("mobile", p), ("name", n)],
    );
    assert_eq!(
        (status, v["code"].as_str(), v["data"]["state"].as_str()),
        (200, Some("10000"), Some("1"))
    );
    let (_, v) = post_form(
        &m,
        "/communication/personal/1979",
        &[("idcard", i), ("mobile", p), ("name", "王五")],
    );
    assert_eq!(v["data"]["state"], "2");
    let (mn, mi, mp) = MVNO;
    let (_, v) = post_form(
        &m,
        "/communication/personal/1979",
        &[("idcard", mi), ("mobile", mp), ("name", mn)],
    );
    assert_eq!(v["data"]["state"], "3");
    let (_, v) = post_form(
        &m,
        "/communication/personal/1979",
        &[("idcard", UNKNOWN_ID), ("mobile", p), ("name", n)],
    );
    assert_eq!(v["code"], "10001");
    let (_, v) = post_form(
        &m,
        "/communication/personal/1979",
        &[("idcard", i), ("mobile", "123"), ("name", n)],
    );
    assert_eq!(v["code"], "10007");
    assert!(v["seqNo"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn phonethird_statuses() {
    let m = MockMarket::start().unwrap();
    let (n, i, p) = MATCH;
    let q = |name, id, mobile| [("idCard", id), ("mobile", mobile), ("name", name)];
    let (status, v) = get(&m, "/mobileCheck", &q(n, i, p));
    assert_eq!(
        (status, v["status"].as_str(), v["mobileType"].as_str()),
        (200, Some("01"), Some("移动"))
    );
    assert!(v["traceId"].as_str().is_some_and(|t| t.len() > 10));
    assert_eq!(get(&m, "/mobileCheck", &q("王五", i, p)).1["status"], "02");
    assert_eq!(
        get(&m, "/mobileCheck", &q(n, UNKNOWN_ID, p)).1["status"],
        "202"
    );
    let (mn, mi, mp) = MVNO;
    assert_eq!(get(&m, "/mobileCheck", &q(mn, mi, mp)).1["status"], "203");
    assert_eq!(get(&m, "/mobileCheck", &q("张3", i, p)).1["status"], "204");
    assert_eq!(
        get(&m, "/mobileCheck", &q(n, "110105194912310021", p)).1["status"],
        "205"
    );
    assert_eq!(get(&m, "/mobileCheck", &q(n, i, "123")).1["status"], "206");
    assert_eq!(
        get(&m, "/mobileCheck", &q(n, i, "15412345678")).1["status"],
        "207"
    );
}
