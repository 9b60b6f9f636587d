//! The targets of the mock market's request pipeline and of the batch input reader.

use std::io::Cursor;
use std::sync::OnceLock;

use shiming_cli::input::{Input, TextEncoding};
use shiming_mock_market::config::{MarketConfig, DEMO_APPCODE, DEMO_APP_SECRET};
use shiming_mock_market::{MockMarket, Pipeline};

use crate::input::{split_encoding, MockRequest};

/// Runs the input through the mock market's whole request pipeline without a socket
/// ([`MockRequest`]: a request line, header lines, an empty line, the body): routing by
/// method, path and Host, query, form and JSON parameters, AppCode and signature checks,
/// quota, the vendor simulators and the journal. Checks that it never panics, that a request
/// that cannot be routed is never charged, and that the journal never holds the demo AppCode
/// or AppSecret in full.
///
/// ```
/// shiming_fuzz_targets::mock_pipeline(b"GET /phone3?name=a HTTP\nauthorization: APPCODE x\n\n");
/// ```
pub fn mock_pipeline(data: &[u8]) {
    static MARKET: OnceLock<Pipeline> = OnceLock::new();
    let market = MARKET.get_or_init(|| {
        // A short journal: the check below reads it after every request.
        let config = MarketConfig {
            journal_capacity: 4,
            ..MarketConfig::default()
        };
        MockMarket::builder().config(config).pipeline()
    });
    let Some(request) = MockRequest::parse(data).and_then(|r| r.into_http()) else {
        return;
    };
    let reply = market.respond(request);
    let _ = format!("{reply:?}");
    if let Some(entry) = market.journal().last() {
        let shown = format!("{entry:?}");
        assert!(
            !shown.contains(DEMO_APPCODE),
            "the journal holds the AppCode"
        );
        assert!(
            !shown.contains(DEMO_APP_SECRET),
            "the journal holds the AppSecret"
        );
    }
}

/// Reads the input as a batch CSV file ([`split_encoding`]: one byte chooses UTF-8 or
/// GB18030, the rest is the file) through `shiming batch`'s reader. Checks that rows come in
/// strictly increasing lines that exist in the input (at most one more than its line breaks),
/// that values are trimmed and decoded, and that `Debug` of the values masks them.
///
/// ```
/// shiming_fuzz_targets::batch_csv(b"\x00name,id_card\r\n\xe9\x99\x88,1\r\n");
/// ```
pub fn batch_csv(data: &[u8]) {
    let (encoding, csv) = split_encoding(data);
    let breaks = line_breaks(csv);
    let Ok(mut input) = Input::from_csv(Cursor::new(csv.to_vec()), encoding) else {
        return;
    };
    let mut last = 0;
    // Each row holds at least one byte of the input.
    for _ in 0..=csv.len() {
        let row = match input.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(_) => return,
        };
        assert!(row.line > last, "line {} after line {last}", row.line);
        assert!(row.line >= 2, "a data row on the header's line");
        assert!(
            row.line <= breaks + 1,
            "line {} of {} lines",
            row.line,
            breaks + 1
        );
        last = row.line;
        if let Ok(fields) = &row.fields {
            for value in [&fields.name, &fields.id_card] {
                assert_eq!(value.trim(), value.as_str(), "an untrimmed value");
            }
            let shown = format!("{fields:?}");
            // A value with 7 or more digits could identify someone: Debug must not show it
            // (one already made of `*`s masks to itself).
            let digits = fields.id_card.bytes().filter(u8::is_ascii_digit).count();
            if digits >= 7 {
                assert!(
                    !shown.contains(&fields.id_card),
                    "Debug shows the ID number"
                );
            }
        }
        // Values are decoded exactly: a replacement character only where the input has one.
        if encoding == TextEncoding::Utf8 {
            if let Ok(fields) = &row.fields {
                let in_input = csv.windows(3).any(|w| w == "\u{fffd}".as_bytes());
                assert!(
                    !fields.name.contains('\u{fffd}') || in_input,
                    "a replaced byte"
                );
            }
        }
    }
    panic!("more rows than bytes");
}

/// Line breaks as the reader counts them: `\n`, `\r\n` and a lone `\r`.
fn line_breaks(bytes: &[u8]) -> u64 {
    let mut count = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' if i > 0 && bytes[i - 1] == b'\r' => {}
            b'\n' | b'\r' => count += 1,
            _ => {}
        }
    }
    count
}
