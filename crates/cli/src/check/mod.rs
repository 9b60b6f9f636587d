//! `shiming check`: offline validation of single values or of files, one value per line.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use shiming_cli::input::{open_lines, EncodingChoice, TextEncoding};
use shiming_core::id_card::ValidationOptions;
use shiming_core::Date;

mod id_card;
mod mobile;
mod name;

/// What to check.
#[derive(Debug, Subcommand)]
pub enum What {
    /// Resident ID numbers (18/15 digits), HK/Macau/Taiwan residence permits and foreigner
    /// permanent residence cards.
    IdCard(IdCardArgs),
    /// Mainland China mobile numbers.
    Mobile(Common),
    /// Personal names (Chinese or Latin).
    Name(Common),
}

/// Options every check shares.
#[derive(Debug, Args)]
pub struct Common {
    /// The value to check.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    value: Option<String>,
    /// Check every line of a file instead (`-` reads standard input).
    #[arg(long, value_name = "PATH|-")]
    file: Option<PathBuf>,
    /// Print one JSON object per input on stdout.
    #[arg(long)]
    json: bool,
    /// Text encoding of --file: auto (UTF-8 if the file is valid UTF-8, else GB18030), utf-8
    /// or gb18030
    #[arg(
        long,
        value_name = "ENCODING",
        default_value = "auto",
        requires = "file"
    )]
    encoding: EncodingChoice,
}

/// Options of `check id-card`.
#[derive(Debug, Args)]
pub struct IdCardArgs {
    #[command(flatten)]
    common: Common,
    /// The date birth dates and ages are measured against (default: today in China).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<Date>,
    /// Treat region problems (unknown code, code abolished before birth) as invalid.
    #[arg(long)]
    strict: bool,
}

/// The outcome of checking one input.
pub struct Checked {
    pub valid: bool,
}

/// Exit code when some input is invalid.
const EXIT_INVALID: u8 = 1;
/// Exit code for usage and I/O errors.
const EXIT_USAGE: u8 = 2;

pub fn run(what: What) -> ExitCode {
    match what {
        What::IdCard(args) => {
            let today = args.today.unwrap_or_else(shiming::today_in_china);
            let options = ValidationOptions::new(today).strict(args.strict);
            drive(&args.common, |out, line, value| {
                id_card::report(out, line, value, &options)
            })
        }
        What::Mobile(common) => drive(&common, mobile::report),
        What::Name(common) => drive(&common, name::report),
    }
}

/// Where a value came from, for the output.
#[derive(Clone, Copy)]
pub struct Source {
    /// 1-based line number in batch mode.
    pub line: Option<u64>,
    /// Whether to print JSON.
    pub json: bool,
}

/// The JSON reports of `check --json` for a name, an ID number and a mobile, each when given
/// (`null` otherwise), with the normalized values masked: what the console shows as a person
/// types. `today` is the date ages are measured against.
pub fn reports(
    name: Option<&str>,
    id: Option<&str>,
    mobile: Option<&str>,
    options: &ValidationOptions,
) -> serde_json::Value {
    let source = Source {
        line: None,
        json: true,
    };
    let one = |report: &dyn Fn(&mut Vec<u8>) -> io::Result<Checked>,
               mask: fn(&str) -> String|
     -> serde_json::Value {
        let mut out = Vec::new();
        if report(&mut out).is_err() {
            return serde_json::Value::Null;
        }
        let mut value: serde_json::Value =
            serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null);
        if let Some(normalized) = value.get_mut("normalized") {
            if let Some(text) = normalized.as_str() {
                *normalized = serde_json::Value::String(mask(text));
            }
        }
        value
    };
    let absent = |v: Option<&str>| v.map_or(true, |v| v.trim().is_empty());
    serde_json::json!({
        "name": if absent(name) { serde_json::Value::Null } else {
            one(&|out| name::report(out, source, Ok(name.unwrap_or_default())), shiming_core::mask::mask_name)
        },
        "id_card": if absent(id) { serde_json::Value::Null } else {
            one(&|out| id_card::report(out, source, Ok(id.unwrap_or_default()), options), shiming_core::mask::mask_id)
        },
        "mobile": if absent(mobile) { serde_json::Value::Null } else {
            one(&|out| mobile::report(out, source, Ok(mobile.unwrap_or_default())), shiming_core::mask::mask_mobile)
        },
    })
}

/// A line of `--file` that is not valid text in the file's encoding.
#[derive(Clone, Copy)]
pub struct Undecodable(TextEncoding);

impl Undecodable {
    /// The message of the report.
    pub fn message(self) -> String {
        format!("the line is not valid {}", self.0.name())
    }

    /// The JSON `detail` of an ID number report: `not_utf8` or `not_gb18030`.
    pub fn detail(self) -> &'static str {
        match self.0 {
            TextEncoding::Gb18030 => "not_gb18030",
            _ => "not_utf8",
        }
    }
}

/// A checker: writes its report on one input (`Err` = the line could not be decoded).
type Checker<'a> =
    dyn FnMut(&mut dyn Write, Source, Result<&str, Undecodable>) -> io::Result<Checked> + 'a;

fn drive(
    common: &Common,
    mut check: impl FnMut(&mut dyn Write, Source, Result<&str, Undecodable>) -> io::Result<Checked>,
) -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let result = match (&common.value, &common.file) {
        (Some(value), _) => {
            let source = Source {
                line: None,
                json: common.json,
            };
            check(&mut out, source, Ok(value)).map(|c| if c.valid { 0 } else { EXIT_INVALID })
        }
        (None, Some(path)) => match open_lines(path, common.encoding) {
            Ok(lines) => {
                if let Some(notice) = &lines.notice {
                    eprintln!("shiming: {notice}");
                }
                batch(
                    lines.reader,
                    lines.encoding,
                    &mut out,
                    common.json,
                    &mut check,
                )
            }
            Err(e) => {
                eprintln!("shiming: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        (None, None) => Ok(EXIT_USAGE), // clap enforces one of the two
    };
    match result.and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_USAGE),
        Err(e) => {
            eprintln!("shiming: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Checks every line with one reused buffer: memory stays constant whatever the input size.
/// A line that does not decode is reported as invalid, not a crash; a final line without a
/// newline counts; `\r\n` endings are accepted.
fn batch(
    mut reader: Box<dyn BufRead>,
    encoding: TextEncoding,
    out: &mut dyn Write,
    json: bool,
    check: &mut Checker<'_>,
) -> io::Result<u8> {
    let mut buf = Vec::with_capacity(256);
    let (mut line, mut valid, mut invalid) = (0u64, 0u64, 0u64);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line += 1;
        let mut bytes = buf.as_slice();
        if let Some(rest) = bytes.strip_suffix(b"\n") {
            bytes = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        let decoded = encoding.decode(bytes);
        let value = decoded.as_deref().ok_or(Undecodable(encoding));
        let source = Source {
            line: Some(line),
            json,
        };
        if check(out, source, value)?.valid {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    eprintln!("{line} lines checked: {valid} valid, {invalid} invalid");
    Ok(if invalid == 0 { 0 } else { EXIT_INVALID })
}

/// Writes one JSON object and a newline. The object is built in a reused buffer and handed
/// to `out` in one call: serde_json issues many tiny writes, and through `dyn Write` each
/// would be a dynamic call into the buffered writer.
pub fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    thread_local! {
        static LINE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(1024));
    }
    LINE.with(|line| {
        let mut line = line.borrow_mut();
        line.clear();
        serde_json::to_writer(&mut *line, value)?;
        line.push(b'\n');
        out.write_all(&line)
    })
}

/// Writes the text line of an invalid input: `[第 N 行: ]无效 (reason): message`.
pub fn write_invalid_text(
    out: &mut dyn Write,
    source: Source,
    reason: Option<&str>,
    message: Option<&str>,
) -> io::Result<()> {
    writeln!(
        out,
        "{}无效 ({}): {}",
        text_prefix(source),
        reason.unwrap_or_default(),
        message.unwrap_or_default()
    )
}

/// The prefix of a text line: `第 N 行: ` in batch mode.
pub fn text_prefix(source: Source) -> String {
    source
        .line
        .map(|n| format!("第 {n} 行: "))
        .unwrap_or_default()
}
