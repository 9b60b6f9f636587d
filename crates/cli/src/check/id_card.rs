//! `shiming check id-card`: the report on one ID number.

use std::io::{self, Write};

use serde::Serialize;
use shiming_core::id_card::{self, IdError, IdNumber, ValidationOptions};
use shiming_core::region::{Region, RegionStatus};
use shiming_core::Date;

use super::{text_prefix, write_invalid_text, write_json, Checked, Source, Undecodable};

/// One JSON object per input; field names are a stable interface (README).
#[derive(Serialize)]
struct Report<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    valid: bool,
    /// `length`, `format`, `checksum`, `birth_date` or `region` when invalid.
    reason: Option<&'static str>,
    /// A finer code for `birth_date` and `region` reasons.
    detail: Option<&'static str>,
    message: Option<String>,
    kind: Option<&'static str>,
    /// The document's Chinese name, for text output.
    #[serde(skip)]
    kind_label: Option<&'static str>,
    edition: Option<u16>,
    normalized: Option<&'a str>,
    birth_date: Option<Date>,
    sex: Option<&'static str>,
    age: Option<u16>,
    region: Option<RegionReport>,
    nationality: Option<Nationality>,
    upgraded: Option<String>,
    changes: Vec<&'static str>,
    warnings: Vec<&'static str>,
}

#[derive(Serialize)]
struct RegionReport {
    code: String,
    /// Names at the time the number was assigned.
    province: Option<&'static str>,
    prefecture: Option<&'static str>,
    county: Option<&'static str>,
    /// `in_force`, `created_after_birth`, `abolished_before_birth`, `unpublished`, `unknown`.
    status: &'static str,
    /// The code in force today that covers this place, when known.
    current: Option<Current>,
}

#[derive(Serialize)]
struct Current {
    code: String,
    name: &'static str,
}

#[derive(Serialize)]
struct Nationality {
    numeric: String,
    alpha3: &'static str,
    name: &'static str,
}

fn status_code(status: RegionStatus) -> &'static str {
    match status {
        RegionStatus::InForce => "in_force",
        RegionStatus::CreatedAfterBirth { .. } => "created_after_birth",
        RegionStatus::AbolishedBeforeBirth { .. } => "abolished_before_birth",
        RegionStatus::Unpublished => "unpublished",
        _ => "unknown",
    }
}

/// Names of the province, prefecture and county levels of `region` as of `year`.
fn names(region: Region, year: u16) -> [Option<&'static str>; 3] {
    let code = region.code();
    let province = region.province().map(|p| p.name_at_assignment(year));
    if code % 10_000 == 0 {
        return [province, None, None];
    }
    let prefecture = region.prefecture().map(|p| p.name_at_assignment(year));
    if code % 100 == 0 {
        return [province, prefecture, None];
    }
    [province, prefecture, Some(region.name_at_assignment(year))]
}

fn region_report(id: &IdNumber) -> RegionReport {
    let year = id.birth_date().year();
    let region = id.region();
    let [province, prefecture, county] = region.map_or([None; 3], |r| names(r, year));
    let current = region.and_then(|r| {
        let now = if r.is_current() { r } else { r.successor()? };
        Some(Current {
            code: now.code().to_string(),
            name: now.current_name(),
        })
    });
    RegionReport {
        code: format!("{:06}", id.region_code()),
        province,
        prefecture,
        county,
        status: status_code(id.region_status()),
        current,
    }
}

fn valid_report<'a>(id: &'a IdNumber, line: Option<u64>, today: Date) -> Report<'a> {
    Report {
        line,
        valid: true,
        reason: None,
        detail: None,
        message: None,
        kind: Some(id.kind().code()),
        kind_label: Some(id.kind().chinese_name()),
        edition: id.kind().edition(),
        normalized: Some(id.expose()),
        birth_date: Some(id.birth_date()),
        sex: id.sex().map(|s| s.code()),
        age: Some(id.age_on(today)),
        region: Some(region_report(id)),
        nationality: id.nationality().map(|c| Nationality {
            numeric: format!("{:03}", c.numeric()),
            alpha3: c.alpha3(),
            name: c.name(),
        }),
        upgraded: id.upgraded().map(|u| u.expose().to_string()),
        changes: id.normalization().codes().collect(),
        warnings: id.warnings().map(|w| w.code()).collect(),
    }
}

fn invalid_report(
    reason: &'static str,
    detail: Option<&'static str>,
    message: String,
    kind: Option<id_card::IdKind>,
    line: Option<u64>,
) -> Report<'static> {
    Report {
        line,
        valid: false,
        reason: Some(reason),
        detail,
        message: Some(message),
        kind: kind.map(|k| k.code()),
        kind_label: kind.map(|k| k.chinese_name()),
        edition: kind.and_then(|k| k.edition()),
        normalized: None,
        birth_date: None,
        sex: None,
        age: None,
        region: None,
        nationality: None,
        upgraded: None,
        changes: Vec::new(),
        warnings: Vec::new(),
    }
}

pub fn report(
    out: &mut dyn Write,
    source: Source,
    value: Result<&str, Undecodable>,
    options: &ValidationOptions,
) -> io::Result<Checked> {
    let parsed: Result<IdNumber, IdError> = match value {
        Ok(v) => id_card::parse(v, options),
        Err(undecodable) => {
            let message = undecodable.message();
            let detail = Some(undecodable.detail());
            let r = invalid_report("format", detail, message, None, source.line);
            emit(out, source, &r)?;
            return Ok(Checked { valid: false });
        }
    };
    let r = match &parsed {
        Ok(id) => valid_report(id, source.line, options.today()),
        Err(e) => invalid_report(e.reason(), e.detail(), e.to_string(), e.kind(), source.line),
    };
    emit(out, source, &r)?;
    Ok(Checked { valid: r.valid })
}

fn emit(out: &mut dyn Write, source: Source, r: &Report<'_>) -> io::Result<()> {
    if source.json {
        return write_json(out, r);
    }
    let prefix = text_prefix(source);
    if !r.valid {
        return write_invalid_text(out, source, r.reason, r.message.as_deref());
    }
    let mut line = format!("{prefix}有效 {}", r.kind_label.unwrap_or_default());
    if let Some(n) = r.normalized {
        line.push_str(&format!("  号码 {n}"));
    }
    if let Some(d) = r.birth_date {
        line.push_str(&format!("  出生 {d}"));
    }
    if let Some(s) = r.sex {
        line.push_str(if s == "male" {
            "  性别 男"
        } else {
            "  性别 女"
        });
    }
    if let Some(a) = r.age {
        line.push_str(&format!("  年龄 {a}"));
    }
    if let Some(region) = &r.region {
        let place: Vec<&str> = [region.province, region.prefecture, region.county]
            .into_iter()
            .flatten()
            .collect();
        line.push_str(&format!("  地区 {} {}", region.code, place.join(" ")));
        if let Some(cur) = &region.current {
            if cur.code != region.code {
                line.push_str(&format!(" (现 {} {})", cur.code, cur.name));
            }
        }
    }
    if let Some(n) = &r.nationality {
        line.push_str(&format!("  国籍 {} {}", n.alpha3, n.name));
    }
    if let Some(u) = &r.upgraded {
        line.push_str(&format!("  18位 {u}"));
    }
    if !r.warnings.is_empty() {
        line.push_str(&format!("  提示 {}", r.warnings.join(",")));
    }
    writeln!(out, "{line}")
}
