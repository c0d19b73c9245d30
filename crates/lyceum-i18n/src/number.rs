//! `{{formatnum:}}`: CLDR number formatting (ICU4X), native digits, and reading numbers from text.
//!
//! Formatting matches JavaScript's `Intl.NumberFormat(locale).format(n)`, which banana-i18n
//! uses: at most three fraction digits, rounded half away from zero, CLDR separators and
//! grouping (e.g. lakh grouping for hi/ml/mr) and the locale's default digits.
//!
//! Digits: by default Arabic (`ar`) is formatted with Arabic-Indic digits (`٣٤٬٢٤٢`), as the
//! banana-i18n test vectors expect and as MediaWiki's `MessagesAr.php` does; CLDR 42+ made
//! Latin digits the default for `ar` (CLDR-10825; ICU4X 2.x formats `ar` as `1,234,567`,
//! `ar-EG` and `ar-SA` as `١٬٢٣٤٬٥٦٧`), so for that we ask ICU4X for the `arab` numbering
//! system explicitly. With [`Digits::Cldr`] every language gets CLDR's default numbering
//! system instead, which is what browsers' `Intl` APIs use too.
//!
//! A language without CLDR number data (e.g. `ban`) uses the first language in its
//! MediaWiki fallback chain that has some (`id`), as banana-i18n does.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use fixed_decimal::{Decimal, SignedRoundingMode, UnsignedRoundingMode};
use icu_decimal::DecimalFormatter;
use icu_decimal::options::{DecimalFormatterOptions, GroupingStrategy};
use icu_locale_core::Locale;

use crate::{language, plural};

/// Zero digits of the decimal digit sets used by Wikimedia languages; each set is the ten
/// code points from its zero. Used to read numbers typed with native digits.
const DIGIT_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x116C0, 0x1E950,
];

/// ASCII digits and the Latin group and decimal separators instead of native ones.
pub(crate) fn to_latin(s: &str) -> String {
    to_ascii_digits(s)
        .replace('\u{66C}', ",")
        .replace('\u{66B}', ".")
}

/// Replaces native decimal digits with ASCII digits.
pub(crate) fn to_ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            DIGIT_ZEROS
                .iter()
                .find(|zero| (**zero..**zero + 10).contains(&cp))
                .and_then(|zero| char::from_digit(cp - zero, 10))
                .unwrap_or(c)
        })
        .collect()
}

/// Longest exponents we accept; larger ones would only produce absurd digit strings.
const MAX_EXPONENT: i64 = 300;

/// Reads `[+-]digits[.digits][e[+-]digits]` from the start of `s` (after spaces), like
/// JavaScript's `parseFloat`. Returns the value and the number of bytes read.
fn scan_number(s: &str) -> Option<(Decimal, usize)> {
    let trimmed = s.trim_start();
    let offset = s.len() - trimmed.len();
    let b = trimmed.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = &trimmed[int_start..i];
    let mut frac_digits = "";
    if b.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        let mut j = frac_start;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > frac_start || !int_digits.is_empty() {
            frac_digits = &trimmed[frac_start..j];
            i = j;
        }
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let mut exponent: i64 = 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        let exp_negative = match b.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let exp_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            let digits = &trimmed[exp_start..j];
            let value: i64 = digits.parse().unwrap_or(i64::MAX);
            if value > MAX_EXPONENT {
                return None;
            }
            exponent = if exp_negative { -value } else { value };
            i = j;
        }
    }
    let mut text = String::with_capacity(int_digits.len() + frac_digits.len() + 2);
    if negative {
        text.push('-');
    }
    text.push_str(if int_digits.is_empty() {
        "0"
    } else {
        int_digits
    });
    if !frac_digits.is_empty() {
        text.push('.');
        text.push_str(frac_digits);
    }
    let mut d = Decimal::try_from_str(&text).ok()?;
    if exponent != 0 {
        d.multiply_pow10(i16::try_from(exponent).ok()?);
    }
    d.absolute.trim_start();
    Some((d, offset + i))
}

/// JavaScript `parseFloat` on text that already has ASCII digits.
pub(crate) fn parse_float_prefix(s: &str) -> Option<Decimal> {
    scan_number(s).map(|(d, _)| d)
}

/// JavaScript `Number(text)` for decimal text: the whole text, apart from surrounding
/// spaces, must be the number.
fn parse_whole(s: &str) -> Option<Decimal> {
    let trimmed = s.trim();
    match scan_number(trimmed) {
        Some((d, used)) if used == trimmed.len() => Some(d),
        _ => None,
    }
}

/// A float as a plain decimal string without exponent, for exact decimal parsing.
pub(crate) fn plain_decimal(f: f64) -> String {
    // Display for f64 prints the shortest round-trip digits and never uses an exponent.
    format!("{f}")
}

/// A float as JavaScript's `String(n)` writes it, for `$n` and `{{formatnum:$1|R}}`.
pub(crate) fn float_to_string(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if f == 0.0 {
        return "0".to_owned();
    }
    let abs = f.abs();
    if !(1e-7..1e21).contains(&abs) {
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        };
    }
    format!("{f}")
}

/// `{{formatnum:…|R}}`: native digits to ASCII, then the leading number (banana-i18n's
/// `convertNumber(n, true)`, which stops at a native decimal separator). Text without a
/// number is returned as it is.
pub(crate) fn unformat(text: &str) -> String {
    match parse_float_prefix(&to_ascii_digits(text)) {
        Some(d) => {
            let mut d = d;
            d.absolute.trim_end();
            d.to_string()
        }
        None => text.to_owned(),
    }
}

/// Which digits a language's numbers are written with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Digits {
    /// CLDR's default numbering system, except Arabic-Indic digits for `ar` (MediaWiki's
    /// `MessagesAr.php`, banana-i18n).
    #[default]
    MediaWiki,
    /// CLDR's default numbering system for every language (Latin digits for `ar`).
    Cldr,
}

pub(crate) fn format_int(locale: &str, i: i64, no_separators: bool, digits: Digits) -> String {
    format_decimal(locale, Decimal::from(i), no_separators, digits)
}

pub(crate) fn format_float(locale: &str, f: f64, no_separators: bool, digits: Digits) -> String {
    if !f.is_finite() {
        return float_to_string(f);
    }
    match Decimal::try_from_str(&plain_decimal(f)) {
        Ok(d) => format_decimal(locale, d, no_separators, digits),
        Err(_) => float_to_string(f),
    }
}

/// Text that is not a plain decimal number (including numbers already formatted with
/// separators or native digits) comes back unchanged, as from `Intl.NumberFormat`'s NaN.
pub(crate) fn format_text(locale: &str, text: &str, no_separators: bool, digits: Digits) -> String {
    match parse_whole(text) {
        Some(d) => format_decimal(locale, d, no_separators, digits),
        None => text.to_owned(),
    }
}

fn format_decimal(locale: &str, mut d: Decimal, no_separators: bool, digits: Digits) -> String {
    d.round_with_mode(
        -3,
        SignedRoundingMode::Unsigned(UnsignedRoundingMode::HalfExpand),
    );
    d.absolute.trim_end();
    match formatter_for(locale, no_separators, digits) {
        Some(f) => f.format(&d).to_string(),
        None => d.to_string(),
    }
}

/// ASCII digits in `s` written in the locale's digits (the digits its numbers are
/// formatted with), other characters unchanged: for numbers that are not quantities but
/// are written with digits all the same, such as times of day ("09:05") or years.
pub(crate) fn native_digits(locale: &str, s: &str, digits: Digits) -> String {
    let zero = format_int(locale, 0, true, digits)
        .chars()
        .next()
        .unwrap_or('0');
    if zero == '0' {
        return s.to_owned();
    }
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(zero as u32 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

const CACHE_LIMIT: usize = 256;

thread_local! {
    // ICU4X data handles are not Send, so each thread keeps its own small cache.
    static FORMATTERS: RefCell<HashMap<(String, bool, Digits), Rc<DecimalFormatter>>> =
        RefCell::new(HashMap::new());
}

fn formatter_for(
    locale: &str,
    no_separators: bool,
    digits: Digits,
) -> Option<Rc<DecimalFormatter>> {
    let key = (locale.to_ascii_lowercase(), no_separators, digits);
    if let Some(f) = FORMATTERS.with(|c| c.borrow().get(&key).cloned()) {
        return Some(f);
    }
    let f = Rc::new(build_formatter(&key.0, no_separators, digits)?);
    FORMATTERS.with(|c| {
        let mut c = c.borrow_mut();
        // Locale strings can come from requests; a full cache just stops caching.
        if c.len() < CACHE_LIMIT {
            c.insert(key, Rc::clone(&f));
        }
    });
    Some(f)
}

fn options(no_separators: bool) -> DecimalFormatterOptions {
    let mut options = DecimalFormatterOptions::default();
    if no_separators {
        options.grouping_strategy = Some(GroupingStrategy::Never);
    }
    options
}

fn new_formatter(locale: &Locale, no_separators: bool) -> Option<DecimalFormatter> {
    DecimalFormatter::try_new(locale.into(), options(no_separators)).ok()
}

/// What a formatter makes of a few numbers; equal to the root locale's output means ICU4X
/// fell back to root, i.e. has no data of its own for the language.
fn probe(f: &DecimalFormatter) -> String {
    let mut out = String::new();
    for n in ["-1234567.891", "1234"] {
        if let Ok(d) = Decimal::try_from_str(n) {
            out.push_str(&f.format(&d).to_string());
            out.push('|');
        }
    }
    out
}

fn build_formatter(code: &str, no_separators: bool, digits: Digits) -> Option<DecimalFormatter> {
    let root = new_formatter(&Locale::UNKNOWN, no_separators).map(|f| probe(&f));
    let mut candidates = vec![code.to_owned()];
    candidates.extend(language::fallback_chain(code));
    for candidate in &candidates {
        let Some(mut locale) = plural::parse_locale(candidate) else {
            continue;
        };
        if digits == Digits::MediaWiki && locale.id.language.as_str() == "ar" {
            // See the module comment: Arabic-Indic digits for Arabic.
            if let Ok(arab) = "ar-u-nu-arab".parse::<Locale>() {
                locale = arab;
            }
        }
        let Some(formatter) = new_formatter(&locale, no_separators) else {
            continue;
        };
        if root.as_deref() != Some(probe(&formatter).as_str()) {
            return Some(formatter);
        }
    }
    let locale = plural::parse_locale(code).unwrap_or(Locale::UNKNOWN);
    new_formatter(&locale, no_separators)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(to_ascii_digits("۰۱۲٣x१"), "0123x1");
    }

    #[test]
    fn parse_float() {
        let p = |s: &str| parse_float_prefix(s).map(|d| d.to_string());
        assert_eq!(p("  -12.89abc"), Some("-12.89".to_owned()));
        assert_eq!(p("0123456789"), Some("123456789".to_owned()));
        assert_eq!(p(".5"), Some("0.5".to_owned()));
        assert_eq!(p("1e3"), Some("1000".to_owned()));
        assert_eq!(p("abc"), None);
        assert_eq!(p("1e99999"), None);
        assert_eq!(
            parse_whole(" 12 ").map(|d| d.to_string()),
            Some("12".to_owned())
        );
        assert_eq!(parse_whole("12,3"), None);
    }

    #[test]
    fn js_strings() {
        assert_eq!(float_to_string(8.0), "8");
        assert_eq!(float_to_string(-0.0), "0");
        assert_eq!(float_to_string(1.7), "1.7");
        assert_eq!(float_to_string(1e21), "1e+21");
    }

    #[test]
    fn formats() {
        let mw = Digits::MediaWiki;
        assert_eq!(
            format_text("en", "1234567.8915", false, mw),
            "1,234,567.892"
        );
        assert_eq!(format_text("en", "1234567", true, mw), "1234567");
        assert_eq!(format_int("de", -1234, false, mw), "-1.234");
        assert_eq!(format_int("es", 1234, false, mw), "1234");
        assert_eq!(format_text("ban", "1234.5", false, mw), "1.234,5");
        assert_eq!(unformat("١٢٣"), "123");
        assert_eq!(unformat("abc"), "abc");
    }
}
