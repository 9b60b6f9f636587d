//! Which text encoding a file is in, and decoding one field or line at a time.
//!
//! Excel on Chinese Windows saves "CSV (逗号分隔)" in GBK, which GB18030 contains. GB18030's
//! multi-byte sequences never use a byte below `0x30` after the first, so `\n`, `\r`, `,` and
//! `"` mean the same in both encodings: files are split into lines and fields on their raw
//! bytes, and only the values are decoded — exactly, without replacement characters, so a
//! value that does not decode is reported rather than silently changed.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;

/// The text encoding of an input file.
///
/// ```
/// use shiming_cli::input::TextEncoding;
///
/// assert_eq!(TextEncoding::Gb18030.decode(&[0xd5, 0xc5, 0xc8, 0xfd]).as_deref(), Some("张三"));
/// assert_eq!(TextEncoding::Utf8.decode(&[0xd5, 0xc5, 0xc8, 0xfd]), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 (a leading byte-order mark is ignored).
    Utf8,
    /// GB18030, which contains GBK and GB2312.
    Gb18030,
}

impl TextEncoding {
    /// The name users know it by.
    ///
    /// ```
    /// assert_eq!(shiming_cli::input::TextEncoding::Gb18030.name(), "GB18030");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gb18030 => "GB18030",
        }
    }

    /// Decodes `bytes` exactly; `None` when they are not valid in this encoding.
    ///
    /// ```
    /// use shiming_cli::input::TextEncoding;
    ///
    /// assert_eq!(TextEncoding::Utf8.decode(b"abc").as_deref(), Some("abc"));
    /// assert_eq!(TextEncoding::Gb18030.decode(&[0x81]), None); // a cut-off sequence
    /// ```
    pub fn decode(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            TextEncoding::Gb18030 => {
                encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
            }
        }
    }
}

/// What `--encoding` asks for.
///
/// ```
/// use shiming_cli::input::EncodingChoice;
///
/// assert_eq!("gb18030".parse::<EncodingChoice>(), Ok(EncodingChoice::Gb18030));
/// assert_eq!("GBK".parse::<EncodingChoice>(), Ok(EncodingChoice::Gb18030));
/// assert!("latin1".parse::<EncodingChoice>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EncodingChoice {
    /// UTF-8 when the file is valid UTF-8 (or starts with a UTF-8 byte-order mark), else
    /// GB18030. Standard input is judged by its first 64 KiB.
    #[default]
    Auto,
    /// Always UTF-8: a value that is not valid UTF-8 is refused.
    Utf8,
    /// Always GB18030 (GBK and GB2312 files too).
    Gb18030,
}

impl std::str::FromStr for EncodingChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(EncodingChoice::Auto),
            "utf-8" | "utf8" => Ok(EncodingChoice::Utf8),
            "gb18030" | "gbk" | "gb2312" => Ok(EncodingChoice::Gb18030),
            _ => Err("expected auto, utf-8 or gb18030".to_string()),
        }
    }
}

/// How much of standard input `auto` looks at before deciding.
const STREAM_SNIFF: usize = 64 * 1024;

/// Chooses the encoding of a file: reads it once (constant memory) when the choice is `auto`.
/// The message says what was chosen when it is not plain UTF-8.
pub(crate) fn resolve_file(
    path: &Path,
    choice: EncodingChoice,
) -> io::Result<(TextEncoding, Option<String>)> {
    match choice {
        EncodingChoice::Utf8 => Ok((TextEncoding::Utf8, None)),
        EncodingChoice::Gb18030 => Ok((TextEncoding::Gb18030, None)),
        EncodingChoice::Auto => {
            let survey = survey(File::open(path)?, false)?;
            Ok(auto_from(survey, &path.display().to_string()))
        }
    }
}

/// A stream whose first bytes were read to choose its encoding: the reader that yields it
/// whole again, the encoding, and what to say about the choice.
pub(crate) type Resolved<R> = (io::Chain<Cursor<Vec<u8>>, R>, TextEncoding, Option<String>);

/// Chooses the encoding of a stream that can be read only once: `auto` looks at its first
/// 64 KiB, which the returned reader then yields again before the rest.
pub(crate) fn resolve_stream<R: Read>(
    mut source: R,
    choice: EncodingChoice,
) -> io::Result<Resolved<R>> {
    let fixed = match choice {
        EncodingChoice::Utf8 => Some(TextEncoding::Utf8),
        EncodingChoice::Gb18030 => Some(TextEncoding::Gb18030),
        EncodingChoice::Auto => None,
    };
    if let Some(encoding) = fixed {
        return Ok((Cursor::new(Vec::new()).chain(source), encoding, None));
    }
    let mut prefix = Vec::with_capacity(STREAM_SNIFF);
    (&mut source)
        .take(STREAM_SNIFF as u64)
        .read_to_end(&mut prefix)?;
    // A full prefix may end inside a line: that line is not judged.
    let survey = survey(&prefix[..], prefix.len() == STREAM_SNIFF)?;
    let (encoding, notice) = auto_from(survey, "standard input (judged by its first 64 KiB)");
    Ok((Cursor::new(prefix).chain(source), encoding, notice))
}

/// How many lines of a text decode in each encoding.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Survey {
    /// Starts with a UTF-8 byte-order mark.
    bom: bool,
    /// Lines that are not valid UTF-8, and the first of them.
    not_utf8: u64,
    first_not_utf8: Option<u64>,
    /// Lines that are not valid GB18030.
    not_gb18030: u64,
}

/// Reads `source` line by line (one reused buffer) and counts the lines each encoding cannot
/// decode. With `cut_at_end`, the last line is incomplete (a sniffing limit cut it) and is not
/// judged.
fn survey(source: impl Read, cut_at_end: bool) -> io::Result<Survey> {
    let mut reader = io::BufReader::with_capacity(64 * 1024, source);
    let mut line = Vec::with_capacity(256);
    let mut survey = Survey::default();
    let mut number = 0u64;
    loop {
        line.clear();
        if io::BufRead::read_until(&mut reader, b'\n', &mut line)? == 0 {
            return Ok(survey);
        }
        number += 1;
        if number == 1 && line.starts_with(b"\xef\xbb\xbf") {
            survey.bom = true;
        }
        if cut_at_end && !line.ends_with(b"\n") {
            return Ok(survey);
        }
        if line.is_ascii() {
            continue;
        }
        if std::str::from_utf8(&line).is_err() {
            survey.not_utf8 += 1;
            survey.first_not_utf8.get_or_insert(number);
        }
        if TextEncoding::Gb18030.decode(&line).is_none() {
            survey.not_gb18030 += 1;
        }
    }
}

/// The `auto` rule: UTF-8 when the text is valid UTF-8 (or starts with a UTF-8 byte-order
/// mark); else GB18030 when it is valid GB18030; valid in neither, the one fewer lines fail in
/// (UTF-8 on a tie) — so that a UTF-8 file with a few broken rows is not read whole as
/// GB18030, where its names would turn into other, valid-looking characters.
fn auto_from(survey: Survey, what: &str) -> (TextEncoding, Option<String>) {
    if survey.bom || survey.not_utf8 == 0 {
        return (TextEncoding::Utf8, None);
    }
    let first = survey.first_not_utf8.unwrap_or(1);
    if survey.not_gb18030 == 0 {
        return (
            TextEncoding::Gb18030,
            Some(format!(
                "{what} is not UTF-8 (line {first} is the first that is not); reading it as GB18030 (give --encoding to choose)"
            )),
        );
    }
    let chosen = if survey.not_gb18030 < survey.not_utf8 {
        TextEncoding::Gb18030
    } else {
        TextEncoding::Utf8
    };
    (
        chosen,
        Some(format!(
            "{what} is valid in neither UTF-8 ({} lines are not, the first is line {first}) nor GB18030 ({} lines are not); reading it as {}, lines that do not decode are refused (give --encoding to choose)",
            survey.not_utf8,
            survey.not_gb18030,
            chosen.name()
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(bytes: &[u8]) -> (TextEncoding, Option<String>) {
        auto_from(survey(bytes, false).unwrap(), "in.csv")
    }

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn utf8_is_found_valid_across_buffer_boundaries() {
        let text = "陈思远,330106198805160711\n".repeat(10_000);
        assert_eq!(chosen(text.as_bytes()), (TextEncoding::Utf8, None));
    }

    #[test]
    fn gb18030_is_chosen_with_the_first_line_that_is_not_utf8() {
        let text = gbk("name,id_card\n张三,1\n李四,2\n");
        let (encoding, notice) = chosen(&text);
        assert_eq!(encoding, TextEncoding::Gb18030);
        assert!(notice.unwrap().contains("line 2 is the first"));
    }

    #[test]
    fn a_utf8_file_with_a_broken_row_stays_utf8() {
        // Three-character names are an odd number of UTF-8 bytes: not valid GB18030.
        let mut text = "name,id_card\n陈思远,1\n欧阳娜,2\n".as_bytes().to_vec();
        text.extend_from_slice(b"\xff\xfe,3\n");
        let (encoding, notice) = chosen(&text);
        assert_eq!(encoding, TextEncoding::Utf8);
        let notice = notice.unwrap();
        assert!(notice.contains("neither UTF-8 (1 lines"), "{notice}");
    }

    #[test]
    fn a_gbk_file_with_a_broken_row_stays_gb18030() {
        let mut text = gbk("name,id_card\n张三,1\n李四,2\n");
        text.extend_from_slice(b"\x81\x20,3\n");
        assert_eq!(chosen(&text).0, TextEncoding::Gb18030);
    }

    #[test]
    fn a_line_cut_by_the_sniffing_limit_is_not_judged() {
        let text = &"陈思远".as_bytes()[..4];
        assert_eq!(survey(text, true).unwrap(), Survey::default());
        assert_eq!(survey(text, false).unwrap().not_utf8, 1);
    }

    #[test]
    fn a_byte_order_mark_decides_utf8() {
        assert_eq!(chosen(b"\xef\xbb\xbfa,\xd5\xc5").0, TextEncoding::Utf8);
    }

    #[test]
    fn gb18030_never_hides_a_separator_inside_a_character() {
        // Encode every character of the Basic Multilingual Plane and a sample beyond it: no byte
        // after the first of a multi-byte sequence is a line break, a comma or a quote.
        let mut encoder = encoding_rs::GB18030.new_encoder();
        let mut out = [0u8; 16];
        let mut checked = 0;
        for c in (0x80u32..0x3_0000).filter_map(char::from_u32) {
            let mut text = [0u8; 4];
            let (_, _, written, _) =
                encoder.encode_from_utf8(c.encode_utf8(&mut text), &mut out, true);
            assert!(written >= 2, "U+{:04X} encodes to one byte", c as u32);
            for &b in &out[1..written] {
                assert!(
                    ![b'\n', b'\r', b',', b'"'].contains(&b),
                    "U+{:04X}",
                    c as u32
                );
            }
            checked += 1;
        }
        assert!(checked > 190_000);
        assert_eq!(
            TextEncoding::Gb18030
                .decode(&[0xb3, 0xc2, 0xcb, 0xbc, 0xd4, 0xb6])
                .as_deref(),
            Some("陈思远")
        );
    }

    #[test]
    fn standard_input_is_judged_by_its_start_and_read_whole() {
        let mut text = "陈思远\n".repeat(STREAM_SNIFF / 5).into_bytes();
        text.extend_from_slice(&[0xd5, 0xc5, b'\n']);
        let (mut reader, encoding, notice) =
            resolve_stream(&text[..], EncodingChoice::Auto).unwrap();
        assert_eq!(
            encoding,
            TextEncoding::Utf8,
            "the GBK bytes are past 64 KiB"
        );
        assert!(notice.is_none());
        let mut again = Vec::new();
        reader.read_to_end(&mut again).unwrap();
        assert_eq!(again, text);
        let (_, encoding, notice) =
            resolve_stream(&[0xd5u8, 0xc5, b'\n'][..], EncodingChoice::Auto).unwrap();
        assert_eq!(encoding, TextEncoding::Gb18030);
        assert!(notice.unwrap().contains("line 1"));
    }
}
