//! Prometheus' text exposition format 0.0.4, written by hand: families with their HELP
//! and TYPE lines, samples with escaped label values.
//! <https://prometheus.io/docs/instrumenting/exposition_formats/>

use std::fmt::Write as _;

/// The `Content-Type` of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A scrape's text, family after family.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Begin a family: its HELP and TYPE lines; its samples follow through the handle.
    /// A family with one sample is one statement:
    /// `e.family("x_total", Kind::Counter, "Xs seen.").sample(&[], n);`
    pub fn family(&mut self, name: &'static str, kind: Kind, help: &str) -> Family<'_> {
        debug_assert!(valid_name(name, true), "metric name {name}");
        let _ = writeln!(self.out, "# HELP {name} {}", escape(help, false));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.word());
        Family {
            out: &mut self.out,
            name,
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// The samples of one family.
pub struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
}

impl Family<'_> {
    /// One sample of the family itself.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: impl Into<Number>) -> &mut Self {
        self.sample_of("", labels, value)
    }

    /// One sample of a series the family's type implies: a histogram's `_bucket`, `_sum`
    /// and `_count`.
    pub fn sample_of(
        &mut self,
        suffix: &'static str,
        labels: &[(&str, &str)],
        value: impl Into<Number>,
    ) -> &mut Self {
        self.out.push_str(self.name);
        self.out.push_str(suffix);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (name, value)) in labels.iter().enumerate() {
                debug_assert!(valid_name(name, false), "label name {name}");
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{name}=\"{}\"", escape(value, true));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", value.into());
        self
    }
}

/// A sample's value, written as the format wants it (`+Inf`, not Rust's `inf`).
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i128),
    Float(f64),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) if x.is_nan() => f.write_str("NaN"),
            Number::Float(x) if x == f64::INFINITY => f.write_str("+Inf"),
            Number::Float(x) if x == f64::NEG_INFINITY => f.write_str("-Inf"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(v: $t) -> Number {
                Number::Int(i128::from(v))
            }
        }
    )*};
}
ints!(u8, u32, u64, i32, i64);

impl From<usize> for Number {
    fn from(v: usize) -> Number {
        Number::Int(i128::try_from(v).unwrap_or(i128::MAX))
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Number {
        Number::Float(v)
    }
}

impl From<bool> for Number {
    fn from(v: bool) -> Number {
        Number::Int(i128::from(u8::from(v)))
    }
}

/// HELP text escapes backslash and newline; label values also the double quote.
fn escape(text: &str, quote: bool) -> std::borrow::Cow<'_, str> {
    let special = |c: char| c == '\\' || c == '\n' || (quote && c == '"');
    if !text.contains(special) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Metric names may also hold colons; label names may not.
fn valid_name(name: &str, metric: bool) -> bool {
    let ok = |c: char, first: bool| {
        c.is_ascii_alphabetic()
            || c == '_'
            || (metric && c == ':')
            || (!first && c.is_ascii_digit())
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_samples_are_written_as_the_format_says() {
        let mut e = Exposition::default();
        e.family("a_total", Kind::Counter, "Line one\nand a back\\slash.")
            .sample(&[], 3u64);
        e.family("b", Kind::Gauge, "Bs.")
            .sample(&[("path", "say \"hi\"\\\n")], 1.5)
            .sample(&[("x", "1"), ("y", "2")], f64::INFINITY);
        assert_eq!(
            e.finish(),
            "# HELP a_total Line one\\nand a back\\\\slash.\n# TYPE a_total counter\na_total 3\n\
             # HELP b Bs.\n# TYPE b gauge\nb{path=\"say \\\"hi\\\"\\\\\\n\"} 1.5\nb{x=\"1\",y=\"2\"} +Inf\n"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("lyceum_http_requests_total", true));
        assert!(valid_name("a:b", true));
        assert!(!valid_name("a:b", false));
        assert!(!valid_name("9a", true));
        assert!(!valid_name("", false));
    }
}
