//! The registry's synthetic people (`fixtures/people.tsv`, see `fixtures/README.md`) that the
//! tests send, and the check that a text shows none of them.

use shiming_core::{Error, Identity};
use shiming_mock_market::config::{DEMO_APPCODE, DEMO_APP_SECRET};

/// The registry's Match example: this name, ID number and mobile belong together.
pub const NAME: &str = "陈思远";
/// [`ID`]'s holder.
pub const ID: &str = "330106198805160711";
/// [`NAME`]'s China Mobile number.
pub const MOBILE: &str = "13957120001";
/// A name one character off [`NAME`]: a mismatch.
pub const OTHER_NAME: &str = "陈思源";
/// A China Unicom number that is not [`NAME`]'s: a mismatch.
pub const UNICOM_MOBILE: &str = "18675510002";
/// Valid, deliberately absent from the registry: no record.
pub const UNKNOWN_ID: &str = "110108198510100190";
/// [`ID`] with a wrong check digit.
pub const BAD_CHECKSUM_ID: &str = "330106198805160712";
/// A person with a virtual-operator (MVNO) number, which the carriers cannot check.
pub const MVNO: (&str, &str, &str) = ("周子轩", "420106199906122155", "17092710005");

/// Everything a text must never show: the values above and the mock market's demo
/// credentials, plus the first character of [`NAME`] percent-encoded (a query string).
pub const SECRETS: &[&str] = &[
    NAME,
    ID,
    MOBILE,
    OTHER_NAME,
    UNICOM_MOBILE,
    UNKNOWN_ID,
    BAD_CHECKSUM_ID,
    MVNO.0,
    MVNO.1,
    MVNO.2,
    DEMO_APPCODE,
    DEMO_APP_SECRET,
    "%E9%99%88",
];

/// An unchecked identity with a mobile (three elements).
#[must_use]
pub fn three(name: &str, id: &str, mobile: &str) -> Identity {
    Identity::unchecked(name, id, Some(mobile))
}

/// An unchecked identity without a mobile (two elements).
#[must_use]
pub fn two(name: &str, id: &str) -> Identity {
    Identity::unchecked(name, id, None)
}

/// [`NAME`], [`ID`] and [`MOBILE`]: a match.
#[must_use]
pub fn matching() -> Identity {
    three(NAME, ID, MOBILE)
}

/// Fails, naming `context`, when `text` shows any of [`SECRETS`].
#[track_caller]
pub fn assert_hidden(context: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{context}: shows {secret:?}:\n{text}"
        );
    }
}

/// Fails, naming `context`, when the error's `Display` or `Debug` shows any of [`SECRETS`].
#[track_caller]
pub fn assert_error_hidden(context: &str, e: &Error) {
    assert_hidden(context, &format!("{e} {e:?}"));
}
