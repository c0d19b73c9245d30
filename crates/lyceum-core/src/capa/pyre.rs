//! Python `re` patterns (as Open edX compiles them for `stringresponse type="regexp"`,
//! with `re.UNICODE` and, for `ci`, `re.IGNORECASE`) run on `fancy-regex`, which has the
//! lookarounds and backreferences Python has. The syntax and the Unicode rules that
//! differ are translated here:
//!
//! - `\w`/`\W`/`\b`/`\B` use Python's word characters, `str.isalnum()` or `_` (letters
//!   and numbers but no combining marks: `^\w+$` does not match a decomposed `é`, nor
//!   Devanagari or vowelled Arabic);
//! - `\s`/`\S` add the ASCII separators `\x1c`–`\x1f`, which Python counts as space;
//! - `$` also matches before a final newline, `\Z` is the very end;
//! - `(?P=name)`, `{,n}`, a `{` that is no repetition, `[`, `&`, `~` in classes, a `]`
//!   right after `[`, `\` before a non-ASCII character;
//! - a global flag group such as `(?i)` anywhere but at the very start is an error since
//!   Python 3.11, and Open edX always puts `^` first;
//! - with `ci`, Python makes `i`, `I`, `İ` and the dotless `ı` all equal (its lower-case
//!   mapping of `İ` is `i`, and it adds `ı`), while Unicode case folding relates neither
//!   `İ` nor `ı` to `i`: both are read as `i`, in the pattern and in the answer.

use std::borrow::Cow;

/// Python's `\w` for `str` patterns, as the inside of a class.
const WORD: &str = r"\p{L}\p{N}_";
/// Python's `\s` for `str` patterns (`str.isspace()`), as the inside of a class.
const SPACE: &str = r"\s\x1C-\x1F";

/// A compiled pattern and whether it ignores case.
pub(crate) struct PyRegex {
    /// With `$` as the very end: right for every text that does not end with a newline,
    /// and simple enough for `fancy-regex` to hand plain patterns to the linear-time
    /// `regex` engine.
    re: fancy_regex::Regex,
    /// The pattern with Python's `$` (a lookahead), for a text ending with a newline.
    newline_pattern: Option<String>,
    ci: bool,
}

fn compile(translated: &str, ci: bool) -> Result<fancy_regex::Regex, String> {
    let with_flags = if ci {
        format!("(?i){translated}")
    } else {
        translated.to_owned()
    };
    fancy_regex::Regex::new(&with_flags).map_err(|e| e.to_string())
}

impl PyRegex {
    /// `re.compile(pattern, flags=(re.IGNORECASE if ci else 0) | re.UNICODE)`; the error
    /// message when Python would refuse the pattern.
    pub(crate) fn new(pattern: &str, ci: bool) -> Result<PyRegex, String> {
        let plain = translate(pattern, ci, false)?;
        let python = translate(pattern, ci, true)?;
        let re = compile(&plain, ci)?;
        let newline_pattern = (python != plain).then_some(python);
        Ok(PyRegex {
            re,
            newline_pattern,
            ci,
        })
    }

    /// `re.search(pattern, text)` found a match.
    pub(crate) fn search(&self, text: &str) -> Result<bool, String> {
        let subject = if self.ci {
            turkish_i(text)
        } else {
            Cow::Borrowed(text)
        };
        match &self.newline_pattern {
            Some(pattern) if text.ends_with('\n') => compile(pattern, self.ci)?
                .is_match(subject.as_ref())
                .map_err(|e| e.to_string()),
            _ => self
                .re
                .is_match(subject.as_ref())
                .map_err(|e| e.to_string()),
        }
    }
}

/// `İ` and `ı` read as `i` (only ever used together with `(?i)`).
fn turkish_i(text: &str) -> Cow<'_, str> {
    if text.contains(['\u{130}', '\u{131}']) {
        Cow::Owned(text.replace(['\u{130}', '\u{131}'], "i"))
    } else {
        Cow::Borrowed(text)
    }
}

fn push_literal(ch: char, ci: bool, out: &mut String) {
    if ci && (ch == '\u{130}' || ch == '\u{131}') {
        out.push('i');
    } else {
        out.push(ch);
    }
}

/// The translation of `\` + `next`, inside a character class or not.
fn push_escape(next: char, in_class: bool, ci: bool, out: &mut String) {
    if !next.is_ascii() {
        // Python: an escaped non-ASCII character is that character.
        push_literal(next, ci, out);
        return;
    }
    let word_boundary = format!("(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))");
    let not_boundary = format!("(?:(?<=[{WORD}])(?=[{WORD}])|(?<![{WORD}])(?![{WORD}]))");
    let text = match (next, in_class) {
        ('w', false) => format!("[{WORD}]"),
        ('w', true) => WORD.to_owned(),
        ('W', _) => format!("[^{WORD}]"),
        ('s', false) => format!("[{SPACE}]"),
        ('s', true) => SPACE.to_owned(),
        ('S', _) => format!("[^{SPACE}]"),
        ('b', false) => word_boundary,
        ('b', true) => r"\x08".to_owned(),
        ('B', false) => not_boundary,
        ('Z', false) => r"\z".to_owned(),
        _ => format!("\\{next}"),
    };
    out.push_str(&text);
}

/// A global flag group (`(?i)`, `(?ms)`, `(?-i)` …) starts at the beginning of `c`.
fn global_flags(c: &[char]) -> bool {
    if !c.starts_with(&['(', '?']) {
        return false;
    }
    let flags = c[2..]
        .iter()
        .take_while(|ch| "aiLmsux-".contains(**ch))
        .count();
    flags > 0 && c.get(2 + flags) == Some(&')')
}

/// The pattern in `fancy-regex` syntax, or Python's complaint about it. `python_dollar`:
/// `$` also matches before a final newline (else it is the end of the text).
fn translate(pattern: &str, ci: bool, python_dollar: bool) -> Result<String, String> {
    let c: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\\' && i + 1 < c.len() {
            push_escape(c[i + 1], in_class, ci, &mut out);
            i += 2;
            continue;
        }
        if in_class {
            match ch {
                ']' if i >= class_start => in_class = false,
                '[' | '&' | '~' => out.push('\\'),
                _ => {}
            }
            push_literal(ch, ci, &mut out);
            i += 1;
            continue;
        }
        match ch {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if c.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` right after the opening bracket is a literal.
                class_start = i + 1;
                if c.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '$' if python_dollar => {
                out.push_str(r"(?=\n?\z)");
                i += 1;
            }
            '(' if c[i..].starts_with(&['(', '?', 'P', '=']) => {
                let end = c[i..].iter().position(|&x| x == ')').map(|p| p + i);
                match end {
                    Some(end) => {
                        let name: String = c[i + 4..end].iter().collect();
                        out.push_str(&format!("\\k<{name}>"));
                        i = end + 1;
                    }
                    None => {
                        out.push(ch);
                        i += 1;
                    }
                }
            }
            '(' if global_flags(&c[i..]) => {
                return Err(format!(
                    "global flags not at the start of the expression at position {}",
                    i
                ));
            }
            '{' => {
                let close = c[i..].iter().position(|&x| x == '}').map(|p| p + i);
                let body: Option<String> = close.map(|e| c[i + 1..e].iter().collect());
                let valid = body.as_deref().is_some_and(|b| {
                    let (lo, hi) = b.split_once(',').unwrap_or((b, b));
                    (!lo.is_empty() || !hi.is_empty())
                        && lo.chars().all(|d| d.is_ascii_digit())
                        && hi.chars().all(|d| d.is_ascii_digit())
                });
                match (valid, body, close) {
                    (true, Some(b), Some(e)) => {
                        let b = if b.starts_with(',') {
                            format!("0{b}")
                        } else {
                            b
                        };
                        out.push('{');
                        out.push_str(&b);
                        out.push('}');
                        i = e + 1;
                    }
                    _ => {
                        out.push_str("\\{");
                        i += 1;
                    }
                }
            }
            _ => {
                push_literal(ch, ci, &mut out);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str) -> String {
        translate(p, false, true).unwrap()
    }

    fn search(p: &str, ci: bool, text: &str) -> bool {
        PyRegex::new(p, ci).unwrap().search(text).unwrap()
    }

    #[test]
    fn syntax_translation() {
        assert_eq!(t(r"a\Z"), r"a\z");
        assert_eq!(t(r"(?P<x>a)(?P=x)"), r"(?P<x>a)\k<x>");
        assert_eq!(t("a{,2}"), "a{0,2}");
        assert_eq!(t("a{b"), r"a\{b");
        assert_eq!(t("[[a]"), r"[\[a]");
        assert_eq!(t("[]a]"), r"[\]a]");
        // One-character classes close (they used to swallow the rest of the pattern).
        assert_eq!(t("a([.])?([d])?"), "a([.])?([d])?");
        assert_eq!(t("[^]]x"), r"[^\]]x");
        assert_eq!(t(r"^(-\|){2,5}"), r"^(-\|){2,5}");
        assert_eq!(t("a$"), r"a(?=\n?\z)");
        assert_eq!(t("[$]"), "[$]");
        assert_eq!(t(r"\é"), "é");
        assert_eq!(t(r"[\w-]"), r"[\p{L}\p{N}_-]");
        assert_eq!(translate("^a$", false, false).unwrap(), "^a$");
        assert!(translate("^(?i)a", false, false).is_err());
        assert!(translate("^a(?ms)", false, false).is_err());
        assert!(translate("^(?i:a)", false, false).is_ok());
        assert!(translate("^[(?i)]", false, false).is_ok());
    }

    #[test]
    fn python_unicode_rules() {
        // Combining marks are no word characters in Python.
        assert!(search(r"^\w+$", false, "é"));
        assert!(!search(r"^\w+$", false, "e\u{301}"));
        assert!(!search(r"^\w+$", false, "नमस्ते"));
        assert!(search(r"^\w+$", false, "٣"));
        assert!(search(r"^[\w]+$", false, "abc_1"));
        assert!(!search(r"^[\W]+$", false, "abc"));
        assert!(search(r"^a\b", false, "a b"));
        assert!(!search(r"^a\b", false, "ab"));
        assert!(search(r"^e\b", false, "e\u{301}"));
        assert!(search(r"^a\Bb", false, "ab"));
        assert!(search(r"^\s$", false, "\u{1f}"));
        assert!(search(r"^[\b]$", false, "\u{8}"));
        assert!(search(r"^a$", false, "a\n"));
        assert!(search(r"^a$", false, "a"));
        assert!(!search(r"^a$", false, "a\n\n"));
        assert!(!search(r"^a\Z", false, "a\n"));
        // Pathological patterns stay linear on texts without a final newline.
        let long = format!("{}b", "a".repeat(40));
        assert!(!search(r"^(a+)+$", false, &long));
        // Turkish i under IGNORECASE.
        for text in ["i", "I", "İ", "ı"] {
            assert!(search("^i$", true, text), "{text}");
            assert!(search("^ı$", true, text), "{text}");
            assert!(search("^[a-z]$", true, text), "{text}");
            assert!(!search("^[^i]$", true, text), "{text}");
        }
        assert!(!search("^i$", false, "ı"));
        assert!(search("^K$", true, "\u{212a}"));
        assert!(search("^σ$", true, "ς"));
        assert!(!search("^ss$", true, "ß"));
        assert!(search("^a([.])?([d])?$", true, "ad"));
        assert!(search("^sa( 4([.]0)?)?( licen[cs]e)?$", true, "sa licence"));
    }
}
