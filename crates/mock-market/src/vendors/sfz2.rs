//! Simulator of `sfz2`, 拇指云 身份证二要素核验 (seed 003): `GET /idcard?xm=&sfz=`.
//!
//! Failures are `{"ok":0,"msg":…}` with HTTP **666** (not billed); answers are
//! `{"ok":1,"msg":…,"xm":"庆**","sfz":"3505*****12","match":true,"birthday":"19****16","sex":"男","address":"福建省泉州市**县"}`
//! with HTTP 200 (billed). `match` is a boolean here (tel3's is a number). `birthday`, `sex`
//! and `address` are derived from the ID number with shiming-core and are present in every
//! ok=1 answer, whatever the verdict (the page: "并同时返回与身份证相关联的基本信息"). Masks in
//! [`super::mask`].
//!
//! Checks, in this order (common rules in [`super::common`]: empty = missing, first value
//! wins, no normalization):
//!
//! | # | condition | ok | `msg` | `match` |
//! | --- | --- | --- | --- | --- |
//! | 1 | a value of `xm`/`sfz` holds a control character | 0 | 非法来源 | |
//! | 2 | `xm`, `sfz` missing (in this order) | 0 | 未传入真实姓名xm · 未传入身份证号码sfz | |
//! | 3 | `xm` > 50, `sfz` > 18 characters (in this order) | 0 | 传入真实姓名xm字符串长度超限 · 传入身份证号码sfz字符串长度超限 | |
//! | 4 | a value contains `*` | 0 | 存在*字符，视为调试数据。止于当前结果。 | |
//! | 5 | `xm` not a valid name, or with a space | 0 | 姓名有误 | |
//! | 6 | `sfz` not a valid 18-character number (lenient region) | 0 | 身份证号码有误 | |
//! | 7 | registry: match | 1 | 实名信息正确 | `true` |
//! | 7 | registry: the ID number is registered under another name | 1 | 实名校验失败:身份证与姓名不匹配 | `false` |
//! | 7 | registry: ID number unknown | 1 | 实名校验失败:查无记录 | `false` |
//!
//! The request table says `xm` String(14) and `sfz` String(32); the failure table says 50 and
//! 18 characters: the failure table (the one with messages) is followed. The two verdict
//! messages keep the page's ASCII colon (tel3's use a full-width `：`).

use serde::Serialize;

use super::common::{self, Clock};
use super::{mask, VendorContext};
use crate::{Params, RegistryVerdict, VendorAnswer};

/// `xm` longer than this many characters is refused.
const MAX_XM: usize = 50;
/// `sfz` longer than this many characters is refused.
const MAX_SFZ: usize = 18;

#[derive(Serialize)]
struct Failure<'a> {
    ok: u8,
    msg: &'a str,
}

#[derive(Serialize)]
struct Verdict<'a> {
    ok: u8,
    msg: &'a str,
    xm: String,
    sfz: String,
    #[serde(rename = "match")]
    matched: bool,
    birthday: String,
    sex: &'static str,
    address: String,
}

pub(super) fn answer(params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    respond(params, ctx, Clock::system())
}

pub(super) fn respond(params: &Params, ctx: &VendorContext<'_>, clock: Clock) -> VendorAnswer {
    let fail = |msg: &str| common::json(VendorAnswer::status_666(), &Failure { ok: 0, msg });

    let raw = [params.get("xm"), params.get("sfz")];
    if raw.iter().flatten().any(|v| common::has_control(v)) {
        return fail("非法来源");
    }
    let Some(xm) = common::param(params, "xm") else {
        return fail("未传入真实姓名xm");
    };
    let Some(sfz) = common::param(params, "sfz") else {
        return fail("未传入身份证号码sfz");
    };
    if common::chars(xm) > MAX_XM {
        return fail("传入真实姓名xm字符串长度超限");
    }
    if common::chars(sfz) > MAX_SFZ {
        return fail("传入身份证号码sfz字符串长度超限");
    }
    if xm.contains('*') || sfz.contains('*') {
        return fail("存在*字符，视为调试数据。止于当前结果。");
    }
    let Some(name) = common::valid_name(xm, false) else {
        return fail("姓名有误");
    };
    let Some(id) = common::valid_id(sfz, clock) else {
        return fail("身份证号码有误");
    };
    let (msg, matched) = match ctx.registry.two(name.expose(), id.expose()) {
        RegistryVerdict::Match => ("实名信息正确", true),
        RegistryVerdict::NameMismatch | RegistryVerdict::MobileMismatch => {
            ("实名校验失败:身份证与姓名不匹配", false)
        }
        RegistryVerdict::NoRecord => ("实名校验失败:查无记录", false),
    };
    let body = Verdict {
        ok: 1,
        msg,
        xm: mask::mask_name(xm),
        sfz: mask::sfz2_id(sfz),
        matched,
        birthday: mask::sfz2_birthday(&id),
        sex: id.sex().map_or("", |s| s.chinese_name()),
        address: mask::sfz2_address(&id),
    };
    common::json(http::StatusCode::OK, &body)
}
