//! Data-driven tests of the five simulators, against a registry built here (independent of
//! `fixtures/people.tsv`) and a fixed clock.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::common::{self, Clock};
use super::{mask, phonethird, sfz2, sjsys, sxm3v2, tel3, VendorContext};
use crate::{Params, Registry, Vendor, VendorAnswer};

/// 2024-01-01 06:26:58 China Standard Time (the Unix time in the sjsys example).
const NOW: i64 = 1_704_061_618;
const SEQ: u64 = 7;

/// 张三: registered with a China Mobile number.
const ZHANG_ID: &str = "11010519491231002X";
const ZHANG_MOB: &str = "13800138000";
/// 李四: 福建省泉州市惠安县, born 1990-03-16, male; a China Unicom number.
const LI_ID: &str = "350521199003160019";
const LI_MOB: &str = "18612345678";
/// 王五: a China Broadnet number.
const WANG_ID: &str = "441282198101010035";
const WANG_MOB: &str = "19212345678";
/// Valid, not registered.
const UNKNOWN_ID: &str = "110101198001010053";
/// 110103 崇文区 was abolished in 2010: valid with lenient region rules, not with strict ones.
const ABOLISHED_ID: &str = "110103201503071232";
/// Wrong check digit.
const BAD_CHECK_ID: &str = "110105194912310021";
/// Born in 2099.
const FUTURE_ID: &str = "110105209901010012";
/// A first-generation (15-digit) number.
const OLD_ID: &str = "110105491231002";
/// A Hong Kong residence permit, not registered.
const HK_ID: &str = "810000198808080152";
/// Virtual operator (1700, on China Telecom).
const MVNO_MOB: &str = "17001234567";
/// Well-formed, unallocated segment 154.
const UNALLOCATED_MOB: &str = "15412345678";
/// Well-formed, maritime satellite 1749.
const SPECIAL_MOB: &str = "17491234567";
/// Another China Mobile number, nobody's.
const OTHER_MOB: &str = "13912345678";

fn registry() -> Registry {
    let text = format!(
        "# test registry\nname\tid_card\tmobile\tnote\n\
         张三\t{ZHANG_ID}\t{ZHANG_MOB}\tmobile\n\
         李四\t{LI_ID}\t{LI_MOB}\tunicom\n\
         王五\t{WANG_ID}\t{WANG_MOB}\tbroadnet\n"
    );
    Registry::parse(&text).unwrap()
}

fn respond(product: Vendor, params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    let clock = Clock::at(NOW);
    match product {
        Vendor::Tel3 => tel3::respond(params, ctx, clock),
        Vendor::Sxm3v2 => sxm3v2::respond(params, ctx, clock),
        Vendor::Sjsys => sjsys::respond(params, ctx, clock),
        Vendor::Sfz2 => sfz2::respond(params, ctx, clock),
        Vendor::Phonethird => phonethird::respond(params, ctx, clock),
        other => panic!("no simulator for {other}"),
    }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    Params::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
    )
}

/// Calls `product` with sequence [`SEQ`]; returns the status and the body text.
fn call(product: Vendor, pairs: &[(&str, &str)]) -> (u16, String) {
    let registry = registry();
    let ctx = VendorContext {
        registry: &registry,
        sequence: SEQ,
    };
    let answer = respond(product, &params(pairs), &ctx);
    let body = String::from_utf8(answer.body.to_vec()).unwrap();
    (answer.status.as_u16(), body)
}

type Case<'a> = (&'a [(&'a str, &'a str)], u16, Vec<(&'a str, Value)>);

/// Runs the cases of one product: status and the values at the given JSON pointers; checks
/// that no input of two or more characters is echoed whole. Returns the values found at
/// `key` (the field that names the outcome), for coverage checks.
fn run(product: Vendor, key: &str, cases: &[Case<'_>]) -> HashSet<String> {
    let mut seen = HashSet::new();
    for (pairs, status, expected) in cases {
        let (got_status, body) = call(product, pairs);
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(got_status, *status, "{product:?} {pairs:?}: {body}");
        for (pointer, want) in expected {
            assert_eq!(
                value.pointer(pointer),
                Some(want),
                "{product:?} {pairs:?} at {pointer}: {body}"
            );
        }
        for (_, input) in pairs.iter() {
            if input.chars().count() >= 2 {
                assert!(
                    !body.contains(input),
                    "{product:?} echoes an input whole: {body}"
                );
            }
        }
        if let Some(v) = value.pointer(key) {
            seen.insert(v.as_str().map_or_else(|| v.to_string(), str::to_string));
        }
    }
    seen
}

fn assert_covers(product: Vendor, seen: &HashSet<String>, documented: &[&str]) {
    for d in documented {
        assert!(seen.contains(*d), "{product:?}: {d} is never produced");
    }
}

fn msg(m: &str) -> (&'static str, Value) {
    ("/msg", json!(m))
}

fn field(pointer: &str, v: Value) -> (&str, Value) {
    (pointer, v)
}

#[test]
fn tel3_checks_in_documented_order() {
    let fifty_one = "张".repeat(51);
    let fifty = "张".repeat(50);
    let too_long = [
        ("xm", fifty_one.as_str()),
        ("sfz", ZHANG_ID),
        ("mob", ZHANG_MOB),
    ];
    let longest = [
        ("xm", fifty.as_str()),
        ("sfz", ZHANG_ID),
        ("mob", ZHANG_MOB),
    ];
    let m0 = || field("/match", json!(0));
    let cases: Vec<Case<'_>> = vec![
        (
            &[("xm", "张三\n"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("非法来源")],
        ),
        (
            &[("xm", "张三"), ("mob", "1380013800\0")],
            666,
            vec![msg("非法来源")],
        ),
        (&[], 666, vec![msg("未传入真实姓名xm")]),
        (
            &[("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("未传入真实姓名xm")],
        ),
        (
            &[("xm", ""), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("未传入真实姓名xm")],
        ),
        (
            &[("xm", "张三"), ("mob", ZHANG_MOB)],
            666,
            vec![msg("未传入身份证号码sfz")],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID)],
            666,
            vec![msg("未传入手机号码mob")],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", "")],
            666,
            vec![msg("未传入手机号码mob")],
        ),
        (&too_long, 666, vec![msg("传入真实姓名xm字符串长度超限")]),
        (
            &[
                ("xm", "张三"),
                ("sfz", "11010519491231002X1"),
                ("mob", ZHANG_MOB),
            ],
            666,
            vec![msg("传入身份证号码sfz字符串长度超限")],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", "138001380001")],
            666,
            vec![msg("传入手机号码mob字符串长度超限")],
        ),
        (
            &[
                ("xm", "李三"),
                ("sfz", "36020319**********"),
                ("mob", "1395023****"),
            ],
            666,
            vec![msg("存在*字符，视为调试数据。止于当前结果。")],
        ),
        (
            &[("xm", "张*"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("存在*字符，视为调试数据。止于当前结果。")],
        ),
        (
            &[("xm", "张\u{FFFD}"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            200,
            vec![
                msg("实名校验有误：传入的参数值有乱码，请检查。"),
                m0(),
                field("/xm", json!("张****")),
            ],
        ),
        (
            &[("xm", "张 三"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("真实姓名有误")],
        ),
        (
            &[("xm", "John Smith"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("真实姓名有误")],
        ),
        (
            &[("xm", "张三1"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("真实姓名有误")],
        ),
        (
            &[("xm", " 张三"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("真实姓名有误")],
        ),
        (
            &[("xm", "张三"), ("sfz", BAD_CHECK_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("身份证号码有误")],
        ),
        (
            &[("xm", "张三"), ("sfz", FUTURE_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("身份证号码有误")],
        ),
        (
            &[("xm", "张三"), ("sfz", OLD_ID), ("mob", ZHANG_MOB)],
            666,
            vec![msg("身份证号码有误")],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", "1380013800")],
            666,
            vec![msg("手机号码有误")],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", "23800138000")],
            666,
            vec![msg("手机号码有误")],
        ),
        (
            &[("xm", "张三"), ("sfz", ABOLISHED_ID), ("mob", ZHANG_MOB)],
            200,
            vec![msg("实名校验有误：错误的身份证证件。"), m0()],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", UNALLOCATED_MOB)],
            200,
            vec![msg("实名校验有误：错误的手机号码。"), m0()],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", SPECIAL_MOB)],
            200,
            vec![msg("实名校验有误：错误的手机号码。"), m0()],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", MVNO_MOB)],
            200,
            vec![msg("运营商不存在记录"), field("/match", json!(2))],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            200,
            vec![msg("校验通过"), field("/match", json!(1))],
        ),
        (
            &[
                ("xm", "张三"),
                ("sfz", "11010519491231002x"),
                ("mob", ZHANG_MOB),
            ],
            200,
            vec![msg("校验通过"), field("/sfz", json!("1101******2x"))],
        ),
        (
            &[
                ("xm", "张三"),
                ("xm", "李四"),
                ("sfz", ZHANG_ID),
                ("mob", ZHANG_MOB),
            ],
            200,
            vec![msg("校验通过")],
        ),
        (
            &[("xm", "李四"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)],
            200,
            vec![msg("实名校验有误：不一致"), m0()],
        ),
        (&longest, 200, vec![msg("实名校验有误：不一致"), m0()]),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", OTHER_MOB)],
            200,
            vec![msg("实名校验有误：不一致"), m0()],
        ),
        (
            &[("xm", "张三"), ("sfz", UNKNOWN_ID), ("mob", ZHANG_MOB)],
            200,
            vec![msg("运营商不存在记录"), field("/match", json!(2))],
        ),
    ];
    let seen = run(Vendor::Tel3, "/msg", &cases);
    assert_covers(
        Vendor::Tel3,
        &seen,
        &[
            "未传入真实姓名xm",
            "未传入身份证号码sfz",
            "未传入手机号码mob",
            "传入真实姓名xm字符串长度超限",
            "传入身份证号码sfz字符串长度超限",
            "传入手机号码mob字符串长度超限",
            "真实姓名有误",
            "身份证号码有误",
            "手机号码有误",
            "实名校验有误：传入的参数值有乱码，请检查。",
            "实名校验有误：错误的身份证证件。",
            "实名校验有误：错误的手机号码。",
            "运营商不存在记录",
            "实名校验有误：不一致",
            "存在*字符，视为调试数据。止于当前结果。",
            "非法来源",
            "校验通过",
        ],
    );
}

#[test]
fn tel3_exact_bodies() {
    assert_eq!(
        call(Vendor::Tel3, &[]),
        (666, r#"{"ok":0,"msg":"未传入真实姓名xm"}"#.to_string())
    );
    assert_eq!(
        call(Vendor::Tel3, &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)]),
        (
            200,
            r#"{"ok":1,"msg":"校验通过","xm":"张****","sfz":"1101******2X","mob":"13800*******0","match":1}"#
                .to_string()
        )
    );
    assert_eq!(
        call(
            Vendor::Tel3,
            &[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", "1380013800")]
        ),
        (666, r#"{"ok":0,"msg":"手机号码有误"}"#.to_string())
    );
}

#[test]
fn sfz2_checks_in_documented_order() {
    let fifty_one = "李".repeat(51);
    let too_long = [("xm", fifty_one.as_str()), ("sfz", LI_ID)];
    let f = || field("/match", json!(false));
    let cases: Vec<Case<'_>> = vec![
        (
            &[("xm", "李四"), ("sfz", "350521199003160019\r")],
            666,
            vec![msg("非法来源")],
        ),
        (&[], 666, vec![msg("未传入真实姓名xm")]),
        (
            &[("xm", ""), ("sfz", LI_ID)],
            666,
            vec![msg("未传入真实姓名xm")],
        ),
        (&[("xm", "李四")], 666, vec![msg("未传入身份证号码sfz")]),
        (&too_long, 666, vec![msg("传入真实姓名xm字符串长度超限")]),
        (
            &[("xm", "李四"), ("sfz", "3505211990031600190")],
            666,
            vec![msg("传入身份证号码sfz字符串长度超限")],
        ),
        (
            &[("xm", "李三"), ("sfz", "36020319*****")],
            666,
            vec![msg("存在*字符，视为调试数据。止于当前结果。")],
        ),
        (
            &[("xm", "李 四"), ("sfz", LI_ID)],
            666,
            vec![msg("姓名有误")],
        ),
        (
            &[("xm", "李\u{FFFD}"), ("sfz", LI_ID)],
            666,
            vec![msg("姓名有误")],
        ),
        (
            &[("xm", "李四"), ("sfz", BAD_CHECK_ID)],
            666,
            vec![msg("身份证号码有误")],
        ),
        (
            &[("xm", "李四"), ("sfz", OLD_ID)],
            666,
            vec![msg("身份证号码有误")],
        ),
        (
            &[("xm", "李四"), ("sfz", LI_ID)],
            200,
            vec![
                msg("实名信息正确"),
                field("/match", json!(true)),
                field("/address", json!("福建省泉州市**县")),
                field("/birthday", json!("19****16")),
                field("/sex", json!("男")),
            ],
        ),
        (
            &[("xm", "张三"), ("sfz", ZHANG_ID)],
            200,
            vec![
                msg("实名信息正确"),
                field("/address", json!("北京市**区")),
                field("/sex", json!("女")),
                field("/xm", json!("张*")),
            ],
        ),
        (
            &[("xm", "张三"), ("sfz", LI_ID)],
            200,
            vec![msg("实名校验失败:身份证与姓名不匹配"), f()],
        ),
        (
            &[("xm", "张三"), ("sfz", UNKNOWN_ID)],
            200,
            vec![msg("实名校验失败:查无记录"), f()],
        ),
        (
            &[("xm", "张三"), ("sfz", ABOLISHED_ID)],
            200,
            vec![msg("实名校验失败:查无记录"), f()],
        ),
        (
            &[("xm", "张三"), ("sfz", HK_ID)],
            200,
            vec![
                msg("实名校验失败:查无记录"),
                field("/address", json!("香港特别行政区")),
            ],
        ),
    ];
    let seen = run(Vendor::Sfz2, "/msg", &cases);
    assert_covers(
        Vendor::Sfz2,
        &seen,
        &[
            "未传入真实姓名xm",
            "未传入身份证号码sfz",
            "传入真实姓名xm字符串长度超限",
            "传入身份证号码sfz字符串长度超限",
            "姓名有误",
            "身份证号码有误",
            "实名校验失败:身份证与姓名不匹配",
            "实名校验失败:查无记录",
            "存在*字符，视为调试数据。止于当前结果。",
            "非法来源",
            "实名信息正确",
        ],
    );
}

#[test]
fn sfz2_exact_bodies() {
    assert_eq!(
        call(Vendor::Sfz2, &[("xm", "李四"), ("sfz", LI_ID)]),
        (
            200,
            r#"{"ok":1,"msg":"实名信息正确","xm":"李*","sfz":"3505*****19","match":true,"birthday":"19****16","sex":"男","address":"福建省泉州市**县"}"#
                .to_string()
        )
    );
    assert_eq!(
        call(Vendor::Sfz2, &[("xm", "李四"), ("sfz", BAD_CHECK_ID)]),
        (666, r#"{"ok":0,"msg":"身份证号码有误"}"#.to_string())
    );
}

#[test]
fn sxm3v2_checks_in_order() {
    let e = |m: &str| {
        vec![
            field("/code", json!("400")),
            msg(m),
            field("/isFee", json!(0)),
            field("/data", Value::Null),
        ]
    };
    let r = |result: u8, desc: &str, channel: &str| {
        vec![
            field("/code", json!("200")),
            msg("成功"),
            field("/isFee", json!(1)),
            field("/data/result", json!(result)),
            field("/data/resultDesc", json!(desc)),
            field("/data/mobileChannel", json!(channel)),
        ]
    };
    let cases: Vec<Case<'_>> = vec![
        (&[], 400, e("name不能为空")),
        (
            &[("name", ""), ("mobile", ZHANG_MOB), ("idCard", ZHANG_ID)],
            400,
            e("name不能为空"),
        ),
        (
            &[("name", "张三"), ("idCard", ZHANG_ID)],
            400,
            e("mobile不能为空"),
        ),
        (
            &[("name", "张三"), ("mobile", ZHANG_MOB)],
            400,
            e("idCard不能为空"),
        ),
        (
            &[
                ("name", "张三1"),
                ("mobile", ZHANG_MOB),
                ("idCard", ZHANG_ID),
            ],
            400,
            e("name格式错误"),
        ),
        (
            &[
                ("name", "张三"),
                ("mobile", "1380013800"),
                ("idCard", ZHANG_ID),
            ],
            400,
            e("mobile格式错误"),
        ),
        (
            &[
                ("name", "张三"),
                ("mobile", UNALLOCATED_MOB),
                ("idCard", ZHANG_ID),
            ],
            400,
            e("mobile格式错误"),
        ),
        (
            &[
                ("name", "张三"),
                ("mobile", ZHANG_MOB),
                ("idCard", BAD_CHECK_ID),
            ],
            400,
            e("idCard格式错误"),
        ),
        (
            &[("name", "张三"), ("mobile", MVNO_MOB), ("idCard", ZHANG_ID)],
            200,
            r(3, "无记录", "ctcc"),
        ),
        (
            &[
                ("name", "张三"),
                ("mobile", ZHANG_MOB),
                ("idCard", ZHANG_ID),
            ],
            200,
            r(1, "一致", "cmcc"),
        ),
        (
            &[("name", "李四"), ("mobile", LI_MOB), ("idCard", LI_ID)],
            200,
            r(1, "一致", "cucc"),
        ),
        (
            &[("name", "王五"), ("mobile", WANG_MOB), ("idCard", WANG_ID)],
            200,
            r(1, "一致", "gdcc"),
        ),
        (
            &[
                ("name", "李四"),
                ("mobile", ZHANG_MOB),
                ("idCard", ZHANG_ID),
            ],
            200,
            r(2, "不一致", "cmcc"),
        ),
        (
            &[
                ("name", "张三"),
                ("mobile", OTHER_MOB),
                ("idCard", ZHANG_ID),
            ],
            200,
            r(2, "不一致", "cmcc"),
        ),
        (
            &[
                ("name", "张三"),
                ("mobile", ZHANG_MOB),
                ("idCard", UNKNOWN_ID),
            ],
            200,
            r(3, "无记录", "cmcc"),
        ),
    ];
    let seen = run(Vendor::Sxm3v2, "/data/resultDesc", &cases);
    assert_covers(Vendor::Sxm3v2, &seen, &["一致", "不一致", "无记录"]);
}

#[test]
fn sxm3v2_exact_bodies() {
    let (status, body) = call(
        Vendor::Sxm3v2,
        &[
            ("name", "张三"),
            ("mobile", ZHANG_MOB),
            ("idCard", ZHANG_ID),
        ],
    );
    let value: Value = serde_json::from_str(&body).unwrap();
    let seq_no = value["seqNo"].as_str().unwrap();
    assert_eq!(seq_no.len(), 32);
    assert!(seq_no
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(status, 200);
    assert_eq!(
        body,
        format!(
            r#"{{"code":"200","msg":"成功","isFee":1,"seqNo":"{seq_no}","data":{{"result":1,"resultDesc":"一致","mobileChannel":"cmcc"}}}}"#
        )
    );
    let (status, body) = call(Vendor::Sxm3v2, &[("name", "张三")]);
    assert_eq!(status, 400);
    assert_eq!(
        body,
        format!(
            r#"{{"code":"400","msg":"mobile不能为空","isFee":0,"seqNo":"{seq_no}","data":null}}"#
        )
    );
}

#[test]
fn sjsys_checks_in_order() {
    let err = |code: &str, m: &str| {
        vec![
            field("/code", json!(code)),
            field("/message", json!(m)),
            field("/data", Value::Null),
        ]
    };
    let state = |s: &str| {
        vec![
            field("/code", json!("10000")),
            field("/message", json!("成功")),
            field("/data/state", json!(s)),
        ]
    };
    let cases: Vec<Case<'_>> = vec![
        (
            &[
                ("idcard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张\u{FFFD}"),
            ],
            200,
            err("10002", "请求报文解析错误"),
        ),
        (&[], 200, err("10003", "请求报文错误")),
        (
            &[("mobile", ZHANG_MOB), ("name", "张三")],
            200,
            err("10003", "请求报文错误"),
        ),
        (
            &[("idcard", ZHANG_ID), ("name", "张三")],
            200,
            err("10003", "请求报文错误"),
        ),
        (
            &[("idcard", ZHANG_ID), ("mobile", ZHANG_MOB), ("name", "")],
            200,
            err("10003", "请求报文错误"),
        ),
        (
            &[
                ("idcard", BAD_CHECK_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三"),
            ],
            200,
            err("10004", "请求报文格式有误"),
        ),
        (
            &[
                ("idcard", ZHANG_ID),
                ("mobile", "1380013800"),
                ("name", "张三"),
            ],
            200,
            err("10007", "手机号码错误"),
        ),
        (
            &[
                ("idcard", ZHANG_ID),
                ("mobile", SPECIAL_MOB),
                ("name", "张三"),
            ],
            200,
            err("10007", "手机号码错误"),
        ),
        (
            &[
                ("idcard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三!"),
            ],
            200,
            err("10004", "请求报文格式有误"),
        ),
        (
            &[("idcard", ZHANG_ID), ("mobile", MVNO_MOB), ("name", "张三")],
            200,
            state("3"),
        ),
        (
            &[
                ("idcard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三"),
            ],
            200,
            state("1"),
        ),
        (
            &[
                ("idcard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "李四"),
            ],
            200,
            state("2"),
        ),
        (
            &[("idcard", ZHANG_ID), ("mobile", LI_MOB), ("name", "张三")],
            200,
            state("2"),
        ),
        (
            &[
                ("idcard", UNKNOWN_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三"),
            ],
            200,
            err("10001", "查询无结果"),
        ),
    ];
    let seen = run(Vendor::Sjsys, "/code", &cases);
    assert_covers(
        Vendor::Sjsys,
        &seen,
        &["10000", "10001", "10002", "10003", "10004", "10007"],
    );
}

#[test]
fn sjsys_exact_bodies() {
    let seq = common::base36(SEQ, 8, true);
    assert_eq!(
        call(
            Vendor::Sjsys,
            &[
                ("idcard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三")
            ]
        ),
        (
            200,
            format!(
                r#"{{"code":"10000","message":"成功","data":{{"state":"1"}},"seqNo":"{seq}1704061618"}}"#
            )
        )
    );
    assert_eq!(
        call(Vendor::Sjsys, &[]),
        (
            200,
            format!(
                r#"{{"code":"10003","message":"请求报文错误","data":null,"seqNo":"{seq}1704061618"}}"#
            )
        )
    );
}

#[test]
fn phonethird_checks_in_order() {
    let s = |status: &str, m: &str, mobile_type: &str| {
        vec![
            field("/status", json!(status)),
            msg(m),
            field("/mobileType", json!(mobile_type)),
        ]
    };
    let cases: Vec<Case<'_>> = vec![
        (&[], 200, s("204", "姓名错误", "")),
        (
            &[
                ("idCard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三😀"),
            ],
            200,
            s("204", "姓名错误", ""),
        ),
        (
            &[("mobile", ZHANG_MOB), ("name", "张三")],
            200,
            s("205", "身份证号错误", ""),
        ),
        (
            &[
                ("idCard", FUTURE_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三"),
            ],
            200,
            s("205", "身份证号错误", ""),
        ),
        (
            &[("idCard", ZHANG_ID), ("name", "张三")],
            200,
            s("206", "电话号码错误", ""),
        ),
        (
            &[
                ("idCard", ZHANG_ID),
                ("mobile", "+8613800138000"),
                ("name", "张三"),
            ],
            200,
            s("206", "电话号码错误", ""),
        ),
        (
            &[
                ("idCard", ZHANG_ID),
                ("mobile", UNALLOCATED_MOB),
                ("name", "张三"),
            ],
            200,
            s("207", "不支持当前号段", ""),
        ),
        (
            &[("idCard", ZHANG_ID), ("mobile", MVNO_MOB), ("name", "张三")],
            200,
            s("203", "异常情况", ""),
        ),
        (
            &[
                ("idCard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三"),
            ],
            200,
            s("01", "实名认证通过", "移动"),
        ),
        (
            &[("idCard", LI_ID), ("mobile", LI_MOB), ("name", "李四")],
            200,
            s("01", "实名认证通过", "联通"),
        ),
        (
            &[("idCard", WANG_ID), ("mobile", WANG_MOB), ("name", "王五")],
            200,
            s("01", "实名认证通过", "广电"),
        ),
        (
            &[
                ("idCard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "李四"),
            ],
            200,
            s("02", "实名认证不通过", ""),
        ),
        (
            &[
                ("idCard", ZHANG_ID),
                ("mobile", OTHER_MOB),
                ("name", "张三"),
            ],
            200,
            s("02", "实名认证不通过", ""),
        ),
        (
            &[
                ("idCard", UNKNOWN_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三"),
            ],
            200,
            s("202", "无法验证", ""),
        ),
    ];
    let seen = run(Vendor::Phonethird, "/status", &cases);
    assert_covers(
        Vendor::Phonethird,
        &seen,
        &["01", "02", "202", "203", "204", "205", "206", "207"],
    );
}

#[test]
fn phonethird_exact_bodies() {
    let trace = format!(
        "20240101062658_{}_{:08x}",
        common::base36(SEQ, 6, false),
        common::mix64(SEQ) & 0xFFFF_FFFF
    );
    assert_eq!(
        call(
            Vendor::Phonethird,
            &[
                ("idCard", ZHANG_ID),
                ("mobile", ZHANG_MOB),
                ("name", "张三")
            ]
        ),
        (
            200,
            format!(
                r#"{{"status":"01","msg":"实名认证通过","idCard":"11*****002X","mobile":"13*****000","mobileType":"移动","name":"张*","traceId":"{trace}"}}"#
            )
        )
    );
    assert_eq!(
        call(Vendor::Phonethird, &[("mobile", "12")]),
        (
            200,
            format!(
                r#"{{"status":"204","msg":"姓名错误","idCard":"","mobile":"*****","mobileType":"","name":"","traceId":"{trace}"}}"#
            )
        )
    );
}

#[test]
fn references_are_unique_per_request() {
    let registry = registry();
    let p = params(&[
        ("idcard", ZHANG_ID),
        ("mobile", ZHANG_MOB),
        ("name", "张三"),
    ]);
    let q = params(&[
        ("idCard", ZHANG_ID),
        ("mobile", ZHANG_MOB),
        ("name", "张三"),
    ]);
    let r = params(&[
        ("name", "张三"),
        ("mobile", ZHANG_MOB),
        ("idCard", ZHANG_ID),
    ]);
    let (mut sjsys_refs, mut phone_refs, mut sxm_refs) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    for sequence in 0..2_000 {
        let ctx = VendorContext {
            registry: &registry,
            sequence,
        };
        let reference = |product, params: &Params, key: &str| {
            let a = respond(product, params, &ctx);
            let v: Value = serde_json::from_slice(&a.body).unwrap();
            v[key].as_str().unwrap().to_string()
        };
        let s = reference(Vendor::Sjsys, &p, "seqNo");
        assert_eq!(s.len(), 18, "{s}");
        assert!(s[..8]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
        assert!(s.ends_with("1704061618"));
        sjsys_refs.insert(s);
        let t = reference(Vendor::Phonethird, &q, "traceId");
        let parts: Vec<&str> = t.split('_').collect();
        assert_eq!(parts.len(), 3, "{t}");
        assert_eq!((parts[0].len(), parts[1].len(), parts[2].len()), (14, 6, 8));
        phone_refs.insert(t);
        sxm_refs.insert(reference(Vendor::Sxm3v2, &r, "seqNo"));
    }
    assert_eq!(sjsys_refs.len(), 2_000);
    assert_eq!(phone_refs.len(), 2_000);
    assert_eq!(sxm_refs.len(), 2_000);
}

#[test]
fn public_entry_point_dispatches() {
    let registry = registry();
    let ctx = VendorContext {
        registry: &registry,
        sequence: 1,
    };
    let a = super::answer(
        Vendor::Tel3,
        &params(&[("xm", "张三"), ("sfz", ZHANG_ID), ("mob", ZHANG_MOB)]),
        &ctx,
    );
    assert_eq!(a.status.as_u16(), 200);
    for product in Vendor::ALL {
        let a = super::answer(product, &Params::default(), &ctx);
        assert!(!a.body.is_empty(), "{product:?}");
    }
}

#[test]
fn clock_formats_china_standard_time() {
    let clock = Clock::at(NOW);
    assert_eq!(clock.compact_local(), "20240101062658");
    assert_eq!(clock.today().to_string(), "2024-01-01");
    // 2023-12-31 16:00:00 UTC is already 2024-01-01 in China.
    assert_eq!(Clock::at(1_704_038_400).compact_local(), "20240101000000");
}

#[test]
fn masks_follow_the_examples_and_hide_short_values() {
    assert_eq!(mask::tel3_name("李三"), "李****");
    assert_eq!(mask::tel3_name("李"), "****");
    assert_eq!(mask::tel3_id("350521199003160019"), "3505******19");
    assert_eq!(mask::tel3_mobile("15956781237"), "15956*******7");
    assert_eq!(mask::sfz2_id("350521199003160019"), "3505*****19");
    assert_eq!(mask::phonethird_id("511111111111111111"), "51*****1111");
    assert_eq!(mask::phonethird_mobile("18612345000"), "18*****000");
    assert_eq!(mask::mask_name("张三"), "张*");
    assert_eq!(mask::mask_name("张"), "*");
    for short in ["1", "12", "123456", "1234567"] {
        assert!(!mask::phonethird_id(short).contains(short));
        assert!(!mask::tel3_id(short).contains(short));
    }
}
