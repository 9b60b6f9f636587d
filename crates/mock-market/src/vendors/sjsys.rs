//! Simulator of `sjsys`, 全网手机三要素核验 (seed 002): `POST /communication/personal/1979`
//! with the form fields `idcard`, `mobile`, `name`.
//!
//! Every answer is HTTP 200 (**assumed**, docs/vendor-apis.md) and has the shape
//! `{"code":…,"message":…,"data":…,"seqNo":…}` (the page's field order); a verdict is
//! `"code":"10000"` with `"data":{"state":"1"|"2"|"3"}`, anything else has `"data":null`.
//!
//! Checks, in this order (common rules in [`super::common`]: empty = missing, first value
//! wins, no normalization); fields are taken in the page's order `idcard`, `mobile`, `name`:
//!
//! | # | condition | `code` | `message` | `data` |
//! | --- | --- | --- | --- | --- |
//! | 1 | a value contains U+FFFD (bytes the server could not decode as UTF-8) | 10002 | 请求报文解析错误 | null |
//! | 2 | `idcard`, `mobile` or `name` missing | 10003 | 请求报文错误 | null |
//! | 3 | `idcard` not a valid 18-character number (lenient region) | 10004 | 请求报文格式有误 | null |
//! | 4 | `mobile` malformed, or in no carrier's segment | 10007 | 手机号码错误 | null |
//! | 5 | `name` not a valid name | 10004 | 请求报文格式有误 | null |
//! | 6 | `mobile` is a virtual-operator (MVNO) number | 10000 | 成功 | `{"state":"3"}` (异常情况) |
//! | 7 | registry: match | 10000 | 成功 | `{"state":"1"}` |
//! | 7 | registry: name or mobile not this ID's | 10000 | 成功 | `{"state":"2"}` |
//! | 7 | registry: ID number unknown | 10001 | 查询无结果 | null |
//!
//! Not produced here: 10005–10006 and 10009–10014 are account, quota and access conditions
//! the marketplace gateway answers in front of the vendor; 10012 and 10015–10020 are faults
//! and rate limits (10019 needs per-number history, which this stateless layer does not keep);
//! 10008 has the same message as 10003 (请求报文错误) and nothing on the page tells them apart;
//! the documented failure example (`10000` with `data: null`) has no documented cause. The
//! request-parameter table also lists `key` (the vendor's own platform key): the marketplace
//! authenticates with the AppCode, so `key` is not required.
//!
//! `seqNo` follows the example `4XU29Z4D1704061618`: 8 upper-case base-36 characters unique per
//! request (`ctx.sequence`) then the Unix time in seconds.

use serde::Serialize;

use super::common::{self, Clock, MobileCheck};
use super::VendorContext;
use crate::{Params, RegistryVerdict, VendorAnswer};

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    data: Option<Data>,
    #[serde(rename = "seqNo")]
    seq_no: String,
}

#[derive(Serialize)]
struct Data {
    state: &'static str,
}

pub(super) fn answer(params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    respond(params, ctx, Clock::system())
}

pub(super) fn respond(params: &Params, ctx: &VendorContext<'_>, clock: Clock) -> VendorAnswer {
    let reply = |code: &str, message: &str, state: Option<&'static str>| {
        let body = Body {
            code,
            message,
            data: state.map(|state| Data { state }),
            seq_no: format!(
                "{}{}",
                common::base36(ctx.sequence, 8, true),
                clock.unix_secs()
            ),
        };
        common::json(http::StatusCode::OK, &body)
    };

    let raw = [
        params.get("idcard"),
        params.get("mobile"),
        params.get("name"),
    ];
    if raw.iter().flatten().any(|v| common::is_garbled(v)) {
        return reply("10002", "请求报文解析错误", None);
    }
    let (Some(idcard), Some(mobile), Some(name)) = (
        common::param(params, "idcard"),
        common::param(params, "mobile"),
        common::param(params, "name"),
    ) else {
        return reply("10003", "请求报文错误", None);
    };
    let Some(id) = common::valid_id(idcard, clock) else {
        return reply("10004", "请求报文格式有误", None);
    };
    let MobileCheck::Valid(mobile) = common::check_mobile(mobile) else {
        return reply("10007", "手机号码错误", None);
    };
    let Some(name) = common::valid_name(name, true) else {
        return reply("10004", "请求报文格式有误", None);
    };
    if mobile.is_virtual() {
        return reply("10000", "成功", Some("3"));
    }
    match ctx
        .registry
        .three(name.expose(), id.expose(), mobile.expose())
    {
        RegistryVerdict::Match => reply("10000", "成功", Some("1")),
        RegistryVerdict::NameMismatch | RegistryVerdict::MobileMismatch => {
            reply("10000", "成功", Some("2"))
        }
        RegistryVerdict::NoRecord => reply("10001", "查询无结果", None),
    }
}
