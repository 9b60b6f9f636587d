//! Money per call, exact: in 厘 (0.001 CNY), never floating point.

use std::fmt;
use std::str::FromStr;

/// An amount of money in CNY, held exactly as a whole number of 厘 (0.001 CNY) — the
/// marketplace's prices have three decimals (`0.033`, `0.475`).
///
/// ```
/// use shiming_core::Price;
/// let p: Price = "0.475".parse().unwrap();
/// assert_eq!(p.li(), 475);
/// assert_eq!(p.to_string(), "0.475");
/// assert_eq!((p + p).to_string(), "0.950");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(u64);

impl Price {
    /// Nothing.
    ///
    /// ```
    /// assert_eq!(shiming_core::Price::ZERO.li(), 0);
    /// ```
    pub const ZERO: Price = Price(0);

    /// `li` 厘 (thousandths of a yuan).
    ///
    /// ```
    /// assert_eq!(shiming_core::Price::from_li(33).to_string(), "0.033");
    /// ```
    #[must_use]
    pub const fn from_li(li: u64) -> Price {
        Price(li)
    }

    /// The amount in 厘.
    ///
    /// ```
    /// assert_eq!(shiming_core::Price::from_li(200).li(), 200);
    /// ```
    #[must_use]
    pub const fn li(self) -> u64 {
        self.0
    }

    /// `self × n`, saturating.
    ///
    /// ```
    /// assert_eq!(shiming_core::Price::from_li(33).times(1000).to_string(), "33.000");
    /// ```
    #[must_use]
    pub const fn times(self, n: u64) -> Price {
        Price(self.0.saturating_mul(n))
    }
}

impl std::ops::Add for Price {
    type Output = Price;
    fn add(self, other: Price) -> Price {
        Price(self.0.saturating_add(other.0))
    }
}

impl std::ops::AddAssign for Price {
    fn add_assign(&mut self, other: Price) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Price {
    fn sum<I: Iterator<Item = Price>>(iter: I) -> Price {
        iter.fold(Price::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Price {
    /// Yuan with three decimals: `0.180`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// Why a text is not a price.
///
/// ```
/// let e = "0.0001".parse::<shiming_core::Price>().unwrap_err();
/// assert!(e.to_string().contains("three decimals"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceError(&'static str);

impl fmt::Display for PriceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a price in CNY: {}", self.0)
    }
}

impl std::error::Error for PriceError {}

impl FromStr for Price {
    type Err = PriceError;

    /// Parses yuan such as `12`, `0.18`, `0.475` (at most three decimals, no sign, no
    /// exponent; an optional leading `¥` and surrounding spaces are ignored).
    fn from_str(text: &str) -> Result<Price, PriceError> {
        let text = text.trim();
        let text = text.strip_prefix('¥').unwrap_or(text).trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(PriceError("empty"));
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(PriceError("use digits and one '.', e.g. 0.18"));
        }
        if fraction.len() > 3 {
            return Err(PriceError("at most three decimals (0.001 CNY)"));
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| PriceError("too large"))?
        };
        let mut li_part = 0u64;
        for (i, digit) in fraction.bytes().enumerate() {
            li_part += u64::from(digit - b'0') * 10u64.pow(2 - i as u32);
        }
        whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(li_part))
            .map(Price)
            .ok_or(PriceError("too large"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yuan_exactly() {
        let li = |t: &str| t.parse::<Price>().map(Price::li);
        assert_eq!(li("0.033"), Ok(33));
        assert_eq!(li("0.18"), Ok(180));
        assert_eq!(li("0.2"), Ok(200));
        assert_eq!(li("12"), Ok(12_000));
        assert_eq!(li(" ¥1.5 "), Ok(1_500));
        assert_eq!(li(".5"), Ok(500));
        assert_eq!(li("3."), Ok(3_000));
        for bad in [
            "",
            ".",
            "-1",
            "1e3",
            "0.0001",
            "1,5",
            "abc",
            "99999999999999999999",
        ] {
            assert!(li(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_three_decimals_and_round_trips() {
        for li in [0, 1, 33, 180, 475, 1_000, 123_456] {
            let p = Price::from_li(li);
            assert_eq!(p.to_string().parse::<Price>(), Ok(p));
        }
        assert_eq!(Price::from_li(5).to_string(), "0.005");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            Price::from_li(u64::MAX) + Price::from_li(1),
            Price::from_li(u64::MAX)
        );
        assert_eq!(Price::from_li(u64::MAX).times(2), Price::from_li(u64::MAX));
        let total: Price = [Price::from_li(1), Price::from_li(2)].into_iter().sum();
        assert_eq!(total.li(), 3);
    }
}
