//! Check characters of ID numbers.

/// Weights of ISO 7064 MOD 11-2 over the first 17 digits.
const MOD11_2_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters indexed by `sum mod 11`.
const MOD11_2_CHECK: &[u8; 11] = b"10X98765432";

/// The ISO 7064 MOD 11-2 check character (`0`–`9` or `X`) of 17 ASCII digits, as used by
/// 18-digit resident IDs, residence permits and 2023 foreigner cards.
///
/// ```
/// use shiming_core::id_card::mod11_2_check;
/// assert_eq!(mod11_2_check(b"11010519491231002"), Some(b'X'));
/// assert_eq!(mod11_2_check(b"1101051949123100A"), None);
/// ```
#[must_use]
pub fn mod11_2_check(first17: &[u8; 17]) -> Option<u8> {
    if !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Branch-free so that the compiler can vectorize it.
    let sum: u32 = first17
        .iter()
        .zip(&MOD11_2_WEIGHTS)
        .map(|(&d, &w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    Some(MOD11_2_CHECK[(sum % 11) as usize])
}

/// The MOD 11-2 check character of the first 17 characters of `number`, or the 1-based
/// position of the first of them that is not a digit. One pass, for the hot path.
pub(crate) fn mod11_2_scan(number: &[u8; 18]) -> Result<u8, usize> {
    let mut sum = 0u32;
    for (i, (&c, &w)) in number.iter().zip(&MOD11_2_WEIGHTS).enumerate() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return Err(i + 1);
        }
        sum += u32::from(d) * w;
    }
    Ok(MOD11_2_CHECK[(sum % 11) as usize])
}

/// The ICAO 9303 check digit (weights 7, 3, 1 repeating; `A`=10 … `Z`=35; sum mod 10) of
/// upper-case ASCII letters and digits, as used by the 2017 foreigner permanent residence card.
///
/// ```
/// use shiming_core::id_card::icao_check;
/// assert_eq!(icao_check(b"L898902C3"), Some(b'6')); // ICAO 9303 part 3 example
/// assert_eq!(icao_check(b"ab"), None);
/// ```
#[must_use]
pub fn icao_check(chars: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, &c) in chars.iter().enumerate() {
        let value = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += value * WEIGHTS[i % 3];
    }
    Some(b'0' + (sum % 10) as u8)
}
