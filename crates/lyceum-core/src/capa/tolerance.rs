//! Open edX's `compare_with_tolerance` (xmodule/capa/util.py) and the Python number
//! parsing it relies on (`float()`, `complex()`, `Decimal(str(x))`).

use super::calc::{self, Num, num_eq, num_lt, python_isspace, python_strip};
use std::borrow::Cow;
use std::cmp::Ordering;

pub(crate) const DEFAULT_TOLERANCE: &str = "0.001%";

/// The tolerance argument: the author's string, or a number computed by the caller.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tolerance<'a> {
    Text(&'a str),
    Value(Num),
}

/// The tolerance itself could not be used (Open edX fails with an exception there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BadTolerance;

/// `compare_with_tolerance(student, instructor, tolerance, relative_tolerance)`.
pub(crate) fn compare(
    student: Num,
    instructor: Num,
    tolerance: Tolerance<'_>,
    mut relative: bool,
) -> Result<bool, BadTolerance> {
    let mut tol = match tolerance {
        Tolerance::Text(text) => {
            if text == DEFAULT_TOLERANCE {
                relative = true;
            }
            if let Some(body) = text.strip_suffix('%') {
                let v = calc::evaluate(body).map_err(|_| BadTolerance)?;
                let v = calc::mul(v, Num::Float(0.01)).map_err(|_| BadTolerance)?;
                if relative {
                    v
                } else {
                    calc::mul(v, instructor.abs()).map_err(|_| BadTolerance)?
                }
            } else {
                calc::evaluate(text).map_err(|_| BadTolerance)?
            }
        }
        Tolerance::Value(v) => v,
    };
    if relative {
        let (s, i) = (student.abs(), instructor.abs());
        // Python's max() keeps the first argument unless the second is strictly greater.
        let biggest = if num_lt(s, i) { i } else { s };
        tol = calc::mul(tol, biggest).map_err(|_| BadTolerance)?;
    }
    if student.is_inf() || instructor.is_inf() {
        return Ok(num_eq(student, instructor));
    }
    if student.im() == 0.0 && instructor.im() == 0.0 {
        if student.re().is_nan() || instructor.re().is_nan() {
            return Ok(false);
        }
        return decimal_within(student.re(), instructor.re(), tol);
    }
    if tol.is_complex() {
        return Err(BadTolerance);
    }
    let diff = (student.re() - instructor.re()).hypot(student.im() - instructor.im());
    Ok(diff <= tol.re())
}

/// `abs(Decimal(str(s)) - Decimal(str(i))) <= Decimal(str(tol))` with Python's default
/// decimal context (28 significant digits, half-even): the subtraction is rounded before
/// the comparison, which is the same as comparing the exact difference with `tol` plus
/// half a unit in its 28th digit.
fn decimal_within(s: f64, i: f64, tol: Num) -> Result<bool, BadTolerance> {
    let t = match tol {
        Num::Int(v) => Dec::from_int(v),
        Num::NpInt(v) => Dec::from_int(i128::from(v)),
        Num::Float(v) | Num::NpFloat(v) => {
            if v.is_nan() {
                return Err(BadTolerance);
            }
            if v.is_infinite() {
                return Ok(v > 0.0);
            }
            Dec::from_f64(v)
        }
        Num::Complex(..) | Num::NpComplex(..) => return Err(BadTolerance),
    };
    let diff = Dec::from_f64(s).sub(&Dec::from_f64(i)).magnitude();
    if t.negative && !t.is_zero() {
        return Ok(false);
    }
    if t.is_zero() {
        return Ok(diff.is_zero());
    }
    let lead = t.exp + t.digits.len() as i64 - 1;
    let half_ulp = Dec {
        negative: false,
        digits: vec![5],
        exp: lead - 28,
    };
    Ok(diff.cmp_magnitude(&t.add_magnitude(&half_ulp)) != Ordering::Greater)
}

/// An exact decimal: `±digits × 10^exp`, digits most significant first, no leading zeros.
#[derive(Clone, Debug)]
struct Dec {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Dec {
    fn from_int(v: i128) -> Dec {
        let digits = v
            .unsigned_abs()
            .to_string()
            .bytes()
            .map(|b| b - b'0')
            .collect();
        Dec {
            negative: v < 0,
            digits,
            exp: 0,
        }
        .normalized()
    }

    /// The value of `str(x)` for a finite float: its shortest round-trip digits.
    fn from_f64(x: f64) -> Dec {
        let text = format!("{:e}", x.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let exponent: i64 = exponent.parse().unwrap_or(0);
        let digits: Vec<u8> = mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let frac_len = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
        Dec {
            negative: x.is_sign_negative(),
            digits,
            exp: exponent - frac_len,
        }
        .normalized()
    }

    fn normalized(mut self) -> Dec {
        let first = self.digits.iter().position(|&d| d != 0);
        match first {
            None => {
                self.digits.clear();
                self.negative = false;
            }
            Some(k) => {
                self.digits.drain(..k);
            }
        }
        self
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn magnitude(mut self) -> Dec {
        self.negative = false;
        self
    }

    /// Both magnitudes as little-endian digit vectors on a common exponent.
    fn aligned(&self, other: &Dec) -> (Vec<u8>, Vec<u8>) {
        let exp = self.exp.min(other.exp);
        let widen = |d: &Dec| {
            let mut v: Vec<u8> = d.digits.iter().rev().copied().collect();
            let shift = (d.exp - exp) as usize;
            let mut out = vec![0u8; shift];
            out.append(&mut v);
            out
        };
        (widen(self), widen(other))
    }

    fn cmp_magnitude(&self, other: &Dec) -> Ordering {
        let (a, b) = self.aligned(other);
        let len = a.len().max(b.len());
        for k in (0..len).rev() {
            let (x, y) = (
                a.get(k).copied().unwrap_or(0),
                b.get(k).copied().unwrap_or(0),
            );
            match x.cmp(&y) {
                Ordering::Equal => continue,
                other => return other,
            }
        }
        Ordering::Equal
    }

    fn from_le(digits: Vec<u8>, exp: i64, negative: bool) -> Dec {
        Dec {
            negative,
            digits: digits.into_iter().rev().collect(),
            exp,
        }
        .normalized()
    }

    fn add_magnitude(&self, other: &Dec) -> Dec {
        let (a, b) = self.aligned(other);
        let exp = self.exp.min(other.exp);
        let len = a.len().max(b.len());
        let mut out = Vec::with_capacity(len + 1);
        let mut carry = 0u8;
        for k in 0..len {
            let s = a.get(k).copied().unwrap_or(0) + b.get(k).copied().unwrap_or(0) + carry;
            out.push(s % 10);
            carry = s / 10;
        }
        if carry > 0 {
            out.push(carry);
        }
        Dec::from_le(out, exp, false)
    }

    /// |self| - |other| assuming |self| >= |other|.
    fn sub_magnitude(&self, other: &Dec) -> Dec {
        let (a, b) = self.aligned(other);
        let exp = self.exp.min(other.exp);
        let mut out = Vec::with_capacity(a.len());
        let mut borrow = 0i16;
        for (k, &digit) in a.iter().enumerate() {
            let mut d = i16::from(digit) - i16::from(b.get(k).copied().unwrap_or(0)) - borrow;
            borrow = 0;
            if d < 0 {
                d += 10;
                borrow = 1;
            }
            out.push(d as u8);
        }
        Dec::from_le(out, exp, false)
    }

    fn sub(&self, other: &Dec) -> Dec {
        if self.negative != other.negative {
            let mut r = self.add_magnitude(other);
            r.negative = self.negative && !r.is_zero();
            return r;
        }
        match self.cmp_magnitude(other) {
            Ordering::Less => {
                let mut r = other.sub_magnitude(self);
                r.negative = !self.negative && !r.is_zero();
                r
            }
            _ => {
                let mut r = self.sub_magnitude(other);
                r.negative = self.negative && !r.is_zero();
                r
            }
        }
    }
}

fn digit_part(s: &[u8], mut i: usize) -> Option<usize> {
    let start = i;
    while i < s.len() {
        let underscore_between =
            s[i] == b'_' && i > start && i + 1 < s.len() && s[i + 1].is_ascii_digit();
        if s[i].is_ascii_digit() || underscore_between {
            i += 1;
        } else {
            break;
        }
    }
    (i > start).then_some(i)
}

/// Python's `float(text)` without the surrounding-whitespace strip.
fn python_float_exact(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if lower.len() - unsigned.len() <= 1 && matches!(unsigned, "inf" | "infinity" | "nan") {
        let v = if unsigned == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if lower.starts_with('-') { -v } else { v });
    }
    let s = text.as_bytes();
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    match digit_part(s, i) {
        Some(end) => {
            i = end;
            if s.get(i) == Some(&b'.') {
                i += 1;
                if let Some(end) = digit_part(s, i) {
                    i = end;
                }
            }
        }
        None => {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i = digit_part(s, i + 1)?;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digit_part(s, i)?;
    }
    if i != s.len() {
        return None;
    }
    text.replace('_', "").parse().ok()
}

/// The code points of the digit zero of every Unicode decimal digit run (category `Nd`,
/// Unicode 14 as in Python 3.11); each run holds the digits 0–9 in order.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit (`٣` → 3, `３` → 3).
fn decimal_value(c: char) -> Option<u32> {
    let cp = u32::from(c);
    let k = DECIMAL_ZEROS.partition_point(|&zero| zero <= cp);
    let zero = *DECIMAL_ZEROS.get(k.checked_sub(1)?)?;
    (cp - zero < 10).then_some(cp - zero)
}

/// `_PyUnicode_TransformDecimalAndSpaceToASCII`, which `float()`, `complex()` and `int()`
/// apply first: every non-ASCII decimal digit becomes its ASCII digit and every
/// non-ASCII space a plain space. So `float("٣٫٥")` fails (the separator is no `.`) but
/// `float("٣")` is 3.0, while the calculator, which students' answers go through,
/// knows ASCII digits only.
pub(crate) fn python_number_text(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                c if c.is_ascii() => c,
                c if python_isspace(c) => ' ',
                c => decimal_value(c)
                    .and_then(|d| char::from_digit(d, 10))
                    .unwrap_or(c),
            })
            .collect(),
    )
}

/// Python's `float(text)`.
pub(crate) fn python_float(text: &str) -> Option<f64> {
    python_float_exact(python_strip(&python_number_text(text)))
}

/// Python's `complex(text)`.
pub(crate) fn python_complex(text: &str) -> Option<(f64, f64)> {
    let text = python_number_text(text);
    let mut s = python_strip(&text);
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        s = python_strip(inner);
    }
    let Some(body) = s.strip_suffix(['j', 'J']) else {
        return python_float_exact(s).map(|re| (re, 0.0));
    };
    let bytes = body.as_bytes();
    let split = (1..bytes.len())
        .rev()
        .find(|&k| matches!(bytes[k], b'+' | b'-') && !matches!(bytes[k - 1], b'e' | b'E'));
    let imag = |t: &str| match t {
        "" | "+" => Some(1.0),
        "-" => Some(-1.0),
        _ => python_float_exact(t),
    };
    match split {
        Some(k) => Some((python_float_exact(&body[..k])?, imag(&body[k..])?)),
        None => Some((0.0, imag(body)?)),
    }
}

/// `NumericalResponse.get_staff_ans`: Python `complex()` first, then the calculator.
pub(crate) fn staff_answer(answer: &str) -> Option<Num> {
    if let Some((re, im)) = python_complex(answer) {
        return Some(Num::Complex(re, im));
    }
    calc::evaluate(answer).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(s: &str, a: &str, tol: &str) -> bool {
        let s = calc::evaluate(s).unwrap();
        let a = staff_answer(a).unwrap();
        compare(s, a, Tolerance::Text(tol), false).unwrap()
    }

    #[test]
    fn default_tolerance_is_relative_and_decimal() {
        assert!(within("4.00004", "4", DEFAULT_TOLERANCE));
        assert!(!within("4.00005", "4", DEFAULT_TOLERANCE));
        assert!(within("1.9*10^24", "1.9e24", DEFAULT_TOLERANCE));
        assert!(!within("1.9001*10^24", "1.9e24", DEFAULT_TOLERANCE));
        assert!(within(
            "3141592653589793115.",
            "3141592653589793238.0",
            DEFAULT_TOLERANCE
        ));
        assert!(within("0.1234561", "0.1234567", DEFAULT_TOLERANCE));
        assert!(!within("0.123451", "0.1234567", DEFAULT_TOLERANCE));
        assert!(!within("-1e-5", "1e-5", DEFAULT_TOLERANCE));
    }

    #[test]
    fn absolute_and_percent() {
        assert!(within("4.09", "4", "0.1"));
        assert!(within("3.91", "4", "0.1"));
        assert!(!within("4.11", "4", "0.1"));
        assert!(within("4.39", "4", "10%"));
        assert!(!within("4.41", "4", "10%"));
        assert!(within("2.99", "1", "200%"));
        assert!(!within("-1.01", "1", "200%"));
        // exact boundary: 4.1 - 4 is 0.1 in decimal, so it is within 0.1
        assert!(within("4.1", "4", "0.1"));
    }

    #[test]
    fn python_parsers() {
        assert_eq!(python_float(" 1_000.5 "), Some(1000.5));
        assert_eq!(python_float("1__0"), None);
        assert_eq!(python_float("1e"), None);
        assert_eq!(python_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(python_float("3,5"), None);
        assert_eq!(python_complex("1+1j"), Some((1.0, 1.0)));
        assert_eq!(python_complex("(2-j)"), Some((2.0, -1.0)));
        assert_eq!(python_complex("1e-3+2e+1j"), Some((0.001, 20.0)));
        assert_eq!(python_complex(" 7"), Some((7.0, 0.0)));
        assert_eq!(python_complex("1 + 2j"), None);
        assert_eq!(python_complex("1%"), None);
        assert_eq!(python_float("٣"), Some(3.0));
        assert_eq!(python_float("\u{a0}３.５\u{3000}"), Some(3.5));
        assert_eq!(python_float("٣٫٥"), None);
        assert_eq!(python_float("۱۲"), Some(12.0));
        assert_eq!(python_complex("٢+٣j"), Some((2.0, 3.0)));
        assert_eq!(python_float("²"), None);
        assert_eq!(decimal_value('0'), Some(0));
        assert_eq!(decimal_value('\u{1D7FF}'), Some(9));
        assert_eq!(decimal_value('\u{65F}'), None);
    }

    #[test]
    fn decimal_rounding_at_28_digits() {
        // |1e-30 - 0| is not rounded away; tolerance 0 needs exact equality.
        assert!(!decimal_within(1e-30, 0.0, Num::Int(0)).unwrap());
        assert!(decimal_within(1.5, 1.0, Num::Float(0.5)).unwrap());
        assert!(!decimal_within(1.5000000000000002, 1.0, Num::Float(0.5)).unwrap());
    }
}
