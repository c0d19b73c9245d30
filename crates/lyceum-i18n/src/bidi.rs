//! The direction of a text's first strongly directional character (Unicode bidi rule P2), for `{{BIDI:}}`.

use crate::Direction;

/// Blocks whose letters are right to left: Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan,
/// Mandaic, Arabic extensions and presentation forms, and the RTL ranges of the
/// supplementary planes (Rohingya, Adlam, …).
const RTL_RANGES: &[(u32, u32)] = &[
    (0x0590, 0x08FF),
    (0xFB1D, 0xFDFF),
    (0xFE70, 0xFEFF),
    (0x10800, 0x10FFF),
    (0x1E800, 0x1EFFF),
];

fn is_rtl_char(c: char) -> bool {
    let cp = c as u32;
    RTL_RANGES.iter().any(|(lo, hi)| (*lo..=*hi).contains(&cp))
}

/// `None` when the text has no strong character (only digits, punctuation, spaces).
pub(crate) fn strong_direction(text: &str) -> Option<Direction> {
    for c in text.chars() {
        match c {
            '\u{200E}' => return Some(Direction::Ltr),
            '\u{200F}' => return Some(Direction::Rtl),
            // Digits are weak (European or Arabic numbers), whatever block they are in.
            _ if c.is_numeric() => {}
            _ if c.is_alphabetic() => {
                return Some(if is_rtl_char(c) {
                    Direction::Rtl
                } else {
                    Direction::Ltr
                });
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_strong() {
        assert_eq!(strong_direction("123 (x)"), Some(Direction::Ltr));
        assert_eq!(strong_direction("(יהודי) abc"), Some(Direction::Rtl));
        assert_eq!(strong_direction("١٢٣ عربي"), Some(Direction::Rtl));
        assert_eq!(strong_direction("123 !"), None);
        assert_eq!(strong_direction("中文"), Some(Direction::Ltr));
    }
}
