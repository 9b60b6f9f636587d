//! Check characters of ID numbers.

/// Weights of ISO 7064 MOD 11-2 over the first 17 digits.
const MOD11_2_WEIGHTS: [u16; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

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
    let mut sum = 0u16;
    for (&d, &w) in first17.iter().zip(&MOD11_2_WEIGHTS) {
        if !d.is_ascii_digit() {
            return None;
        }
        sum += u16::from(d - b'0') * w;
    }
    Some(MOD11_2_CHECK[usize::from(sum % 11)])
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
