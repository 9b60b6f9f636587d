//! Simulator of `tel3`, 拇指云 手机三要素核验 (seed 000): `GET /mobile?xm=&sfz=&mob=`.
//!
//! Failures are `{"ok":0,"msg":…}` with HTTP **666** (not billed); answers are
//! `{"ok":1,"msg":…,"xm":…,"sfz":…,"mob":…,"match":0|1|2}` with HTTP 200 (billed), the three
//! inputs echoed in tel3's masks ([`super::mask`]: `李****`, `3505******12`, `15956*******7`).
//!
//! Checks, in this order; the first that fails answers (common rules in [`super::common`]:
//! empty = missing, first value wins, no normalization):
//!
//! | # | condition | ok | `msg` | `match` |
//! | --- | --- | --- | --- | --- |
//! | 1 | a value of `xm`/`sfz`/`mob` holds a control character (`\n`, NUL, …) | 0 | 非法来源 | |
//! | 2 | `xm`, `sfz`, `mob` missing (in this order) | 0 | 未传入真实姓名xm · 未传入身份证号码sfz · 未传入手机号码mob | |
//! | 3 | `xm` > 50, `sfz` > 18, `mob` > 11 characters (in this order) | 0 | 传入真实姓名xm字符串长度超限 · 传入身份证号码sfz字符串长度超限 · 传入手机号码mob字符串长度超限 | |
//! | 4 | a value contains `*` | 0 | 存在*字符，视为调试数据。止于当前结果。 | |
//! | 5 | a value contains U+FFFD (bytes that were not UTF-8) | 1 | 实名校验有误：传入的参数值有乱码，请检查。 | 0 |
//! | 6 | `xm` not a valid name, or with a space (不含空格) | 0 | 真实姓名有误 | |
//! | 7 | `sfz` not a valid 18-character number (structure, checksum, birth date; lenient region) | 0 | 身份证号码有误 | |
//! | 8 | `mob` not 11 digits starting with `1` | 0 | 手机号码有误 | |
//! | 9 | `sfz`'s region code was not in force for its birth year (strict region rules) | 1 | 实名校验有误：错误的身份证证件。 | 0 |
//! | 10 | `mob` in no carrier's segment (`154…`, `1749…`) | 1 | 实名校验有误：错误的手机号码。 | 0 |
//! | 11 | `mob` is a virtual-operator (MVNO) number: carriers do not verify these | 1 | 运营商不存在记录 | 2 |
//! | 12 | registry: match | 1 | 校验通过 | 1 |
//! | 12 | registry: name or mobile not this ID's | 1 | 实名校验有误：不一致 | 0 |
//! | 12 | registry: ID number unknown | 1 | 运营商不存在记录 | 2 |
//!
//! Decisions: the page gives no trigger for 非法来源 ("禁止将API用于任何形式的攻击行为"); control
//! characters, the usual sign of injection probes, are used. Rows 9 and 10 are what the
//! carrier says about numbers that pass the vendor's own format check, so they are billed
//! (the reason the project's client checks regions and segments before calling). A mobile that
//! is not the person's (registry `MobileMismatch`) is 实名校验有误：不一致 — the three elements do
//! not agree — not 错误的手机号码, which here means a number no carrier has. The `appid` /
//! `sendtime` / `sign` rows of the failure table belong to 拇指云's own platform: not simulated.

use serde::Serialize;

use super::common::{self, Clock, MobileCheck};
use super::{mask, VendorContext};
use crate::{Params, RegistryVerdict, VendorAnswer};

/// `xm` longer than this many characters is refused.
const MAX_XM: usize = 50;
/// `sfz` longer than this many characters is refused.
const MAX_SFZ: usize = 18;
/// `mob` longer than this many characters is refused.
const MAX_MOB: usize = 11;

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
    mob: String,
    #[serde(rename = "match")]
    matched: u8,
}

pub(super) fn answer(params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    respond(params, ctx, Clock::system())
}

pub(super) fn respond(params: &Params, ctx: &VendorContext<'_>, clock: Clock) -> VendorAnswer {
    let fail = |msg: &str| common::json(VendorAnswer::status_666(), &Failure { ok: 0, msg });

    let raw = [params.get("xm"), params.get("sfz"), params.get("mob")];
    if raw.iter().flatten().any(|v| common::has_control(v)) {
        return fail("非法来源");
    }
    let Some(xm) = common::param(params, "xm") else {
        return fail("未传入真实姓名xm");
    };
    let Some(sfz) = common::param(params, "sfz") else {
        return fail("未传入身份证号码sfz");
    };
    let Some(mob) = common::param(params, "mob") else {
        return fail("未传入手机号码mob");
    };
    if common::chars(xm) > MAX_XM {
        return fail("传入真实姓名xm字符串长度超限");
    }
    if common::chars(sfz) > MAX_SFZ {
        return fail("传入身份证号码sfz字符串长度超限");
    }
    if common::chars(mob) > MAX_MOB {
        return fail("传入手机号码mob字符串长度超限");
    }
    let values = [xm, sfz, mob];
    if values.iter().any(|v| v.contains('*')) {
        return fail("存在*字符，视为调试数据。止于当前结果。");
    }

    let verdict = |msg: &str, matched: u8| {
        let body = Verdict {
            ok: 1,
            msg,
            xm: mask::tel3_name(xm),
            sfz: mask::tel3_id(sfz),
            mob: mask::tel3_mobile(mob),
            matched,
        };
        common::json(http::StatusCode::OK, &body)
    };
    if values.iter().any(|v| common::is_garbled(v)) {
        return verdict("实名校验有误：传入的参数值有乱码，请检查。", 0);
    }
    let Some(name) = common::valid_name(xm, false) else {
        return fail("真实姓名有误");
    };
    let Some(id) = common::valid_id(sfz, clock) else {
        return fail("身份证号码有误");
    };
    let mobile = match common::check_mobile(mob) {
        MobileCheck::Malformed => return fail("手机号码有误"),
        MobileCheck::Unallocated => None,
        MobileCheck::Valid(m) => Some(m),
    };
    if !common::region_in_force(&id) {
        return verdict("实名校验有误：错误的身份证证件。", 0);
    }
    let Some(mobile) = mobile else {
        return verdict("实名校验有误：错误的手机号码。", 0);
    };
    if mobile.is_virtual() {
        return verdict("运营商不存在记录", 2);
    }
    match ctx
        .registry
        .three(name.expose(), id.expose(), mobile.expose())
    {
        RegistryVerdict::Match => verdict("校验通过", 1),
        RegistryVerdict::NameMismatch | RegistryVerdict::MobileMismatch => {
            verdict("实名校验有误：不一致", 0)
        }
        RegistryVerdict::NoRecord => verdict("运营商不存在记录", 2),
    }
}
