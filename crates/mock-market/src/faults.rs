//! The closed set of faults a client can ask for, per request (header `X-Mock-Fault`) or for
//! the next N requests (admin API).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One fault.
///
/// | header value | effect | charged? |
/// | --- | --- | --- |
/// | `latency=250ms` | answer normally after the delay | as usual |
/// | `late` / `late=40s` | process, then answer after the client's timeout (default 30 s) | as usual (2xx) |
/// | `drop` | process, then close the connection without answering | yes (2xx processed) |
/// | `reset` | close the connection before processing | no |
/// | `truncate` | send only the first half of the body (valid HTTP, broken JSON) | as usual |
/// | `malformed` | replace the body by text that is not JSON | as usual |
/// | `502`, `503` | gateway error, backend not called | no |
/// | `504` | backend processes, gateway times out | no (non-2xx) |
/// | `skew=-20m` | the gateway's clock runs off by this much for signature checks | as usual |
///
/// ```
/// use shiming_mock_market::Fault;
/// assert_eq!("drop".parse::<Fault>(), Ok(Fault::Drop));
/// assert_eq!("latency=250ms".parse::<Fault>().unwrap().to_string(), "latency=250ms");
/// assert!("explode".parse::<Fault>().is_err());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally after a delay.
    Latency(Duration),
    /// Answer after the client's timeout (`None`: the market's configured delay).
    Late(Option<Duration>),
    /// Process and charge, then close the connection without answering.
    Drop,
    /// Close the connection before processing.
    Reset,
    /// Send half of the body.
    Truncate,
    /// Send a body that is not JSON.
    Malformed,
    /// Gateway 502/503 without calling the backend.
    Unavailable(u16),
    /// Backend processed, gateway answers 504.
    BackendTimeout,
    /// Gateway clock offset in milliseconds for signature checks.
    ClockSkew(i64),
}

/// A fault description that is not in the closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {0:?}: expected latency=<d>, late[=<d>], drop, reset, truncate, malformed, 502, 503, 504 or skew=<±d>")]
pub struct UnknownFault(pub String);

/// Parses `250ms`, `3s`, `2m` (and a leading `-` when `signed`) into milliseconds.
fn parse_millis(text: &str, signed: bool) -> Option<i64> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        _ => (
            false,
            text.strip_prefix('+').filter(|_| signed).unwrap_or(text),
        ),
    };
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "ms"), |i| text.split_at(i));
    let n: i64 = number.parse().ok()?;
    let millis = match unit {
        "ms" => n,
        "s" => n.checked_mul(1_000)?,
        "m" => n.checked_mul(60_000)?,
        _ => return None,
    };
    Some(if negative { -millis } else { millis })
}

fn duration(text: &str) -> Option<Duration> {
    parse_millis(text, false)
        .and_then(|ms| u64::try_from(ms).ok())
        .map(Duration::from_millis)
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Fault, UnknownFault> {
        let s = s.trim();
        let (name, arg) = s.split_once('=').map_or((s, None), |(n, a)| (n, Some(a)));
        let fault = match (name, arg) {
            ("latency", Some(a)) => duration(a).map(Fault::Latency),
            ("late", None) => Some(Fault::Late(None)),
            ("late", Some(a)) => duration(a).map(|d| Fault::Late(Some(d))),
            ("drop", None) => Some(Fault::Drop),
            ("reset", None) => Some(Fault::Reset),
            ("truncate", None) => Some(Fault::Truncate),
            ("malformed", None) => Some(Fault::Malformed),
            ("502", None) => Some(Fault::Unavailable(502)),
            ("503", None) => Some(Fault::Unavailable(503)),
            ("504", None) => Some(Fault::BackendTimeout),
            ("skew", Some(a)) => parse_millis(a, true).map(Fault::ClockSkew),
            _ => None,
        };
        fault.ok_or_else(|| UnknownFault(s.chars().take(64).collect()))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Latency(d) => write!(f, "latency={}ms", d.as_millis()),
            Fault::Late(None) => f.write_str("late"),
            Fault::Late(Some(d)) => write!(f, "late={}ms", d.as_millis()),
            Fault::Drop => f.write_str("drop"),
            Fault::Reset => f.write_str("reset"),
            Fault::Truncate => f.write_str("truncate"),
            Fault::Malformed => f.write_str("malformed"),
            Fault::Unavailable(s) => write!(f, "{s}"),
            Fault::BackendTimeout => f.write_str("504"),
            Fault::ClockSkew(ms) => write!(f, "skew={ms}ms"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_text() {
        for text in [
            "latency=250ms",
            "late",
            "late=40000ms",
            "drop",
            "reset",
            "truncate",
            "malformed",
            "502",
            "503",
            "504",
            "skew=-1200000ms",
            "skew=60000ms",
        ] {
            let fault: Fault = text.parse().unwrap();
            assert_eq!(fault.to_string(), text);
        }
        assert_eq!(
            "skew=-20m".parse::<Fault>(),
            Ok(Fault::ClockSkew(-1_200_000))
        );
        assert_eq!(
            "latency=2s".parse::<Fault>(),
            Ok(Fault::Latency(Duration::from_secs(2)))
        );
    }

    #[test]
    fn unknown_faults_are_refused_with_a_bounded_message() {
        let long = "x".repeat(10_000);
        let err = long.parse::<Fault>().unwrap_err();
        assert!(err.to_string().len() < 300);
        for bad in [
            "latency",
            "latency=-5ms",
            "latency=5h",
            "drop=1",
            "skew",
            "",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad}");
        }
    }
}
