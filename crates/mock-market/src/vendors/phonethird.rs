//! Simulator of `phonethird`, 手机号三元素实名认证 (seed 004):
//! `GET /mobileCheck?idCard=&mobile=&name=`.
//!
//! Every answer is HTTP 200 (**assumed**, docs/vendor-apis.md) and has the fields of the
//! page's success example, in its order: `status`, `msg`, `idCard`, `mobile`, `mobileType`,
//! `name`, `traceId`. The inputs are echoed masked ([`super::mask`]: `51*****1111`,
//! `18*****000`, `张*`; an absent input as `""`).
//!
//! Checks, in this order (common rules in [`super::common`]: empty = missing, first value
//! wins, no normalization); the order follows the status codes 204, 205, 206:
//!
//! | # | condition | `status` | `msg` |
//! | --- | --- | --- | --- |
//! | 1 | `name` missing or not a valid name | 204 | 姓名错误 |
//! | 2 | `idCard` missing or not a valid 18-character number (lenient region) | 205 | 身份证号错误 |
//! | 3 | `mobile` missing, or not 11 digits starting with `1` | 206 | 电话号码错误 |
//! | 4 | `mobile` in no carrier's segment (`154…`, `1749…`) | 207 | 不支持当前号段 |
//! | 5 | `mobile` is a virtual-operator (MVNO) number | 203 | 异常情况 |
//! | 6 | registry: match | 01 | 实名认证通过 |
//! | 6 | registry: name or mobile not this ID's | 02 | 实名认证不通过 |
//! | 6 | registry: ID number unknown | 202 | 无法验证 |
//!
//! 203's other cause (the same number checked too often within 24 hours) needs per-number
//! history, which this stateless layer does not keep.
//!
//! `mobileType` (移动/联通/电信/广电) is filled on `01` only: the page's `02` example has it
//! empty, and that example is followed for every status but `01`. (The `02` example also puts
//! `name` before `mobileType`; one field order is used for all answers.)
//!
//! `traceId` follows `20201208001535_9a45ph_5e392391`: the request's local time
//! `YYYYMMDDhhmmss` (China Standard Time), 6 lower-case base-36 and 8 hex characters derived
//! from `ctx.sequence`, unique per request.

use serde::Serialize;

use super::common::{self, Clock, MobileCheck};
use super::{mask, VendorContext};
use crate::{Params, RegistryVerdict, VendorAnswer};

#[derive(Serialize)]
struct Body<'a> {
    status: &'a str,
    msg: &'a str,
    #[serde(rename = "idCard")]
    id_card: String,
    mobile: String,
    #[serde(rename = "mobileType")]
    mobile_type: &'static str,
    name: String,
    #[serde(rename = "traceId")]
    trace_id: String,
}

/// The short Chinese carrier name `mobileType` uses.
fn mobile_type(carrier: shiming_core::Carrier) -> &'static str {
    match carrier {
        shiming_core::Carrier::ChinaMobile => "移动",
        shiming_core::Carrier::ChinaUnicom => "联通",
        shiming_core::Carrier::ChinaTelecom => "电信",
        shiming_core::Carrier::ChinaBroadnet => "广电",
        // The core may learn of a fifth carrier; the page names none.
        _ => "",
    }
}

pub(super) fn answer(params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    respond(params, ctx, Clock::system())
}

pub(super) fn respond(params: &Params, ctx: &VendorContext<'_>, clock: Clock) -> VendorAnswer {
    let raw_name = common::param(params, "name");
    let raw_id = common::param(params, "idCard");
    let raw_mobile = common::param(params, "mobile");
    let reply = |status: &str, msg: &str, mobile_type: &'static str| {
        let body = Body {
            status,
            msg,
            id_card: raw_id.map(mask::phonethird_id).unwrap_or_default(),
            mobile: raw_mobile.map(mask::phonethird_mobile).unwrap_or_default(),
            mobile_type,
            name: raw_name.map(mask::mask_name).unwrap_or_default(),
            trace_id: format!(
                "{}_{}_{:08x}",
                clock.compact_local(),
                common::base36(ctx.sequence, 6, false),
                common::mix64(ctx.sequence) & 0xFFFF_FFFF
            ),
        };
        common::json(http::StatusCode::OK, &body)
    };

    let Some(name) = raw_name.and_then(|v| common::valid_name(v, true)) else {
        return reply("204", "姓名错误", "");
    };
    let Some(id) = raw_id.and_then(|v| common::valid_id(v, clock)) else {
        return reply("205", "身份证号错误", "");
    };
    let mobile = match raw_mobile.map(common::check_mobile) {
        None | Some(MobileCheck::Malformed) => return reply("206", "电话号码错误", ""),
        Some(MobileCheck::Unallocated) => return reply("207", "不支持当前号段", ""),
        Some(MobileCheck::Valid(m)) => m,
    };
    if mobile.is_virtual() {
        return reply("203", "异常情况", "");
    }
    match ctx
        .registry
        .three(name.expose(), id.expose(), mobile.expose())
    {
        RegistryVerdict::Match => reply("01", "实名认证通过", mobile_type(mobile.carrier())),
        RegistryVerdict::NameMismatch | RegistryVerdict::MobileMismatch => {
            reply("02", "实名认证不通过", "")
        }
        RegistryVerdict::NoRecord => reply("202", "无法验证", ""),
    }
}
