//! Course keys in Open edX's form, `course-v1:ORG+CODE+RUN`, so links and ids survive a
//! migration from learn.wiki.

use crate::error::DomainError;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CourseKey {
    pub org: String,
    pub code: String,
    pub run: String,
}

const PREFIX: &str = "course-v1:";

/// The longest part of a course key (organisation, code, run), in bytes (ASCII).
pub const KEY_PART_MAX: usize = 64;

/// Open edX allows `[\w\-~.:]` in key parts; `:` is left out here so a key stays one
/// unambiguous URL path segment.
pub fn is_valid_key_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= KEY_PART_MAX
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~'))
}

impl CourseKey {
    pub fn new(org: &str, code: &str, run: &str) -> Result<Self, DomainError> {
        for part in [org, code, run] {
            if !is_valid_key_part(part) {
                return Err(DomainError::new("lyceum-error-course-key").with_arg(part));
            }
        }
        Ok(Self {
            org: org.to_owned(),
            code: code.to_owned(),
            run: run.to_owned(),
        })
    }
}

impl fmt::Display for CourseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}+{}+{}", self.org, self.code, self.run)
    }
}

impl FromStr for CourseKey {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DomainError::new("lyceum-error-course-key").with_arg(s);
        let rest = s.strip_prefix(PREFIX).ok_or_else(bad)?;
        let mut parts = rest.split('+');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(o), Some(c), Some(r), None) => CourseKey::new(o, c, r).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let k: CourseKey = "course-v1:LEARNCO+PB101+2026".parse().unwrap();
        assert_eq!(k.org, "LEARNCO");
        assert_eq!(k.code, "PB101");
        assert_eq!(k.run, "2026");
        assert_eq!(k.to_string(), "course-v1:LEARNCO+PB101+2026");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "LEARNCO+PB101+2026",
            "course-v1:A+B",
            "course-v1:A+B+C+D",
            "course-v1:A+B/x+C",
            "course-v1:A++C",
            "course-v1:A+B+C D",
        ] {
            assert!(bad.parse::<CourseKey>().is_err(), "{bad}");
        }
    }
}
