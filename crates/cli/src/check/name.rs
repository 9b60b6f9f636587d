//! `shiming check name`: the report on one name.

use std::io::{self, Write};

use serde::Serialize;
use shiming_core::name;

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
    /// `han` or `latin`.
    script: Option<&'static str>,
    changes: Vec<&'static str>,
    warnings: Vec<&'static str>,
}

pub fn report(
    out: &mut dyn Write,
    source: Source,
    value: Result<&str, Undecodable>,
) -> io::Result<Checked> {
    let parsed = value.map(name::parse);
    let r = match &parsed {
        Ok(Ok(n)) => Report {
            line: source.line,
            valid: true,
            reason: None,
            message: None,
            normalized: Some(n.expose()),
            script: Some(n.script().code()),
            changes: n.changes().iter().map(|c| c.code()).collect(),
            warnings: n.warnings().iter().map(|w| w.code()).collect(),
        },
        Ok(Err(e)) => invalid(source, e.reason(), e.to_string()),
        Err(undecodable) => invalid(source, "invalid_character", undecodable.message()),
    };
    if source.json {
        write_json(out, &r)?;
    } else if r.valid {
        let mut line = format!(
            "{}有效 {}",
            text_prefix(source),
            r.normalized.unwrap_or_default()
        );
        if !r.warnings.is_empty() {
            line.push_str(&format!("  提示 {}", r.warnings.join(",")));
        }
        writeln!(out, "{line}")?;
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
        script: None,
        changes: Vec::new(),
        warnings: Vec::new(),
    }
}
