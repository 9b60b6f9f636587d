//! The reusable part of the `shiming` command: reading the files operations staff really have
//! — CSV from Excel or Python (LF or CRLF, UTF-8 with or without a BOM, or GB18030 from Excel on
//! Chinese Windows) and Excel workbooks — as rows of checks with their physical line numbers.
//!
//! `shiming batch` reads its input through [`input::Input`]; so can a program that wants the
//! same rows, and so does the fuzz target of the batch input reader.
//!
//! ```
//! use shiming_cli::input::{Input, TextEncoding};
//!
//! let csv = "name,id_card\r\n陈思远,330106198805160711\r\n";
//! let mut input = Input::from_csv(csv.as_bytes(), TextEncoding::Utf8).unwrap();
//! let row = input.next_row().unwrap().unwrap();
//! assert_eq!(row.line, 2); // the header is line 1, also with CRLF endings
//! assert_eq!(row.fields.unwrap().name, "陈思远");
//! ```

#![deny(missing_docs)]

pub mod input;
