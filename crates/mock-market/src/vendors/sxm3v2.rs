//! Simulator of `sxm3v2`, 数勋 运营商三要素V2 (seed 001): `POST /mobile3/check` with `name`,
//! `mobile`, `idCard` (JSON body; a form body reaches this layer as the same parameters).
//!
//! Answers: `{"code":"200","msg":"成功","isFee":1,"seqNo":…,"data":{"result":…,"resultDesc":…,"mobileChannel":…}}`
//! with HTTP 200 (billed). Fields in the order of the page's table.
//!
//! | # | condition | HTTP | `code` | `msg` | `isFee` | `data` |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | 1 | `name`, `mobile`, `idCard` missing (in this order) | 400 | `"400"` | `name不能为空` · `mobile不能为空` · `idCard不能为空` | 0 | `null` |
//! | 2 | `name`, `mobile`, `idCard` invalid (in this order) | 400 | `"400"` | `name格式错误` · `mobile格式错误` · `idCard格式错误` | 0 | `null` |
//! | 3 | `mobile` is a virtual-operator (MVNO) number | 200 | `"200"` | 成功 | 1 | `result` 3 无记录 |
//! | 4 | registry: match | 200 | `"200"` | 成功 | 1 | `result` 1 一致 |
//! | 4 | registry: name or mobile not this ID's | 200 | `"200"` | 成功 | 1 | `result` 2 不一致 |
//! | 4 | registry: ID number unknown | 200 | `"200"` | 成功 | 1 | `result` 3 无记录 |
//!
//! `mobileChannel` is the allocated carrier of the mobile (`cmcc`, `cucc`, `ctcc`, `gdcc`; the
//! host network for MVNO numbers). "Invalid" follows [`super::common`] (a mobile in no
//! carrier's segment is invalid here: there is no channel to name).
//!
//! **Assumed** (the page's error-code tab is missing; docs/vendor-apis.md): success is
//! `"code":"200"`/`"msg":"成功"`, a parameter error is `"code":"400"` with `data` null and
//! `isFee` 0. The `msg` texts of parameter errors are this mock's. Parameter errors are sent
//! with HTTP **400**: the page says the package is charged for every 200–299 answer and that
//! callers must read the JSON of non-200 answers, and only a non-2xx status makes the gateway
//! honour `isFee: 0`. `seqNo` (shape undocumented) is 32 lower-case hex digits, unique per
//! request (`ctx.sequence`).

use serde::Serialize;

use super::common::{self, Clock, MobileCheck};
use super::VendorContext;
use crate::{Params, RegistryVerdict, VendorAnswer};

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    msg: &'a str,
    #[serde(rename = "isFee")]
    is_fee: u8,
    #[serde(rename = "seqNo")]
    seq_no: String,
    data: Option<Data>,
}

#[derive(Serialize)]
struct Data {
    result: u8,
    #[serde(rename = "resultDesc")]
    result_desc: &'static str,
    #[serde(rename = "mobileChannel")]
    mobile_channel: &'static str,
}

/// The `seqNo` of request `sequence`.
fn seq_no(sequence: u64) -> String {
    format!(
        "{:016x}{:016x}",
        common::mix64(sequence),
        common::mix64(!sequence)
    )
}

/// The `mobileChannel` code of a carrier.
fn channel(carrier: shiming_core::Carrier) -> &'static str {
    match carrier {
        shiming_core::Carrier::ChinaMobile => "cmcc",
        shiming_core::Carrier::ChinaUnicom => "cucc",
        shiming_core::Carrier::ChinaTelecom => "ctcc",
        shiming_core::Carrier::ChinaBroadnet => "gdcc",
        // The core may learn of a fifth carrier; no code is documented for it.
        _ => "",
    }
}

pub(super) fn answer(params: &Params, ctx: &VendorContext<'_>) -> VendorAnswer {
    respond(params, ctx, Clock::system())
}

pub(super) fn respond(params: &Params, ctx: &VendorContext<'_>, clock: Clock) -> VendorAnswer {
    let refuse = |msg: &str| {
        let body = Body {
            code: "400",
            msg,
            is_fee: 0,
            seq_no: seq_no(ctx.sequence),
            data: None,
        };
        common::json(http::StatusCode::BAD_REQUEST, &body)
    };

    let Some(name) = common::param(params, "name") else {
        return refuse("name不能为空");
    };
    let Some(mobile) = common::param(params, "mobile") else {
        return refuse("mobile不能为空");
    };
    let Some(id_card) = common::param(params, "idCard") else {
        return refuse("idCard不能为空");
    };
    let Some(name) = common::valid_name(name, true) else {
        return refuse("name格式错误");
    };
    let MobileCheck::Valid(mobile) = common::check_mobile(mobile) else {
        return refuse("mobile格式错误");
    };
    let Some(id) = common::valid_id(id_card, clock) else {
        return refuse("idCard格式错误");
    };

    let outcome = if mobile.is_virtual() {
        RegistryVerdict::NoRecord
    } else {
        ctx.registry
            .three(name.expose(), id.expose(), mobile.expose())
    };
    let (result, result_desc) = match outcome {
        RegistryVerdict::Match => (1, "一致"),
        RegistryVerdict::NameMismatch | RegistryVerdict::MobileMismatch => (2, "不一致"),
        RegistryVerdict::NoRecord => (3, "无记录"),
    };
    let body = Body {
        code: "200",
        msg: "成功",
        is_fee: 1,
        seq_no: seq_no(ctx.sequence),
        data: Some(Data {
            result,
            result_desc,
            mobile_channel: channel(mobile.carrier()),
        }),
    };
    common::json(http::StatusCode::OK, &body)
}
