//! Message arguments (`$1`, `$2`, …) as callers pass them.

use std::borrow::Cow;
use std::fmt;

/// One value for `$n`. Numbers stay numbers so that `{{PLURAL:}}` and `{{formatnum:}}` see
/// them exactly; as plain `$n` they are written without locale formatting, as in MediaWiki.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
}

impl fmt::Display for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Text(s) => f.write_str(s),
            Arg::Int(i) => write!(f, "{i}"),
            Arg::Float(x) => f.write_str(&crate::number::float_to_string(*x)),
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(s.as_str()))
    }
}

impl<'a> From<Cow<'a, str>> for Arg<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Arg::Text(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(i: i64) -> Self {
        Arg::Int(i)
    }
}

impl From<i32> for Arg<'_> {
    fn from(i: i32) -> Self {
        Arg::Int(i64::from(i))
    }
}

impl From<u32> for Arg<'_> {
    fn from(i: u32) -> Self {
        Arg::Int(i64::from(i))
    }
}

impl From<u64> for Arg<'_> {
    fn from(i: u64) -> Self {
        // Values above i64::MAX keep every digit as text; PLURAL and formatnum parse text.
        i64::try_from(i).map_or_else(|_| Arg::Text(Cow::Owned(i.to_string())), Arg::Int)
    }
}

impl From<usize> for Arg<'_> {
    fn from(i: usize) -> Self {
        i64::try_from(i).map_or_else(|_| Arg::Text(Cow::Owned(i.to_string())), Arg::Int)
    }
}

impl From<f64> for Arg<'_> {
    fn from(x: f64) -> Self {
        Arg::Float(x)
    }
}
