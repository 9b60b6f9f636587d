//! `shiming check mobile`: the report on one mobile number.

use std::io::{self, Write};

use serde::Serialize;
use shiming_core::mobile;

use super::{text_prefix, write_invalid_text, write_json, Checked, Source, Undecodable};

/// One JSON object per input; field names are a stable interface (README).
#[derive(Serialize)]
struct Report<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    valid: bool,
    reason: Option<&'static str>,
    message: Option<String>,
    normalized: Option<&'a str>,
    /// The carrier the segment was allocated to (numbers can be ported since 2019-12-01).
    carrier: Option<&'static str>,
    #[serde(rename = "virtual")]
    is_virtual: bool,
    /// `personal`, `virtual`, `data_only`, `satellite`.
    kind: Option<&'static str>,
    changes: Vec<&'static str>,
}

pub fn report(
    out: &mut dyn Write,
    source: Source,
    value: Result<&str, Undecodable>,
) -> io::Result<Checked> {
    let parsed = value.map(mobile::parse);
    let r = match &parsed {
        Ok(Ok(m)) => Report {
            line: source.line,
            valid: true,
            reason: None,
            message: None,
            normalized: Some(m.expose()),
            carrier: Some(m.carrier().code()),
            is_virtual: m.is_virtual(),
            kind: Some(m.kind().code()),
            changes: m.changes().iter().map(|c| c.code()).collect(),
        },
        Ok(Err(e)) => invalid(source, e.reason(), e.to_string()),
        Err(undecodable) => invalid(source, "format", undecodable.message()),
    };
    if source.json {
        write_json(out, &r)?;
    } else if r.valid {
        writeln!(
            out,
            "{}有效 {}  运营商 {}  类型 {}",
            text_prefix(source),
            r.normalized.unwrap_or_default(),
            parsed
                .as_ref()
                .ok()
                .and_then(|p| p.as_ref().ok())
                .map_or("", |m| m.carrier().chinese_name()),
            r.kind.unwrap_or_default()
        )?;
    } else {
        write_invalid_text(out, source, r.reason, r.message.as_deref())?;
    }
    Ok(Checked { valid: r.valid })
}

fn invalid(source: Source, reason: &'static str, message: String) -> Report<'static> {
    Report {
        line: source.line,
        valid: false,
        reason: Some(reason),
        message: Some(message),
        normalized: None,
        carrier: None,
        is_virtual: false,
        kind: None,
        changes: Vec::new(),
    }
}
