//! `OptionInput.parse_options`: the dropdown's `options="('a','b')"` attribute, read with
//! the same quirks as Open edX (apostrophes between letters, `\'`, Python's `shlex`).

/// The options in order, or `None` where Open edX fails ("No closing quotation").
pub(crate) fn parse_options(options: &str) -> Option<Vec<String>> {
    let escaped = escape_quotes(options);
    let chars: Vec<char> = escaped.chars().collect();
    // options[1:-1]: drop the first and last character, whatever they are.
    let inner: &[char] = if chars.len() >= 2 {
        &chars[1..chars.len() - 1]
    } else {
        &[]
    };
    let tokens = shlex_tokens(inner)?;
    Some(
        tokens
            .into_iter()
            .map(|t| {
                let c: Vec<char> = t.chars().collect();
                let body: String = if c.len() >= 2 {
                    c[1..c.len() - 1].iter().collect()
                } else {
                    String::new()
                };
                body.replace("&#39;", "'")
            })
            .collect(),
    )
}

/// `re.sub(r"([a-zA-Z])('|\\')([a-zA-Z])", r"\1&#39;\3", s)` then `re.sub(r"\\'", "&#39;", s)`.
fn escape_quotes(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < c.len() {
        if c[i].is_ascii_alphabetic() {
            let quote_len = if c.get(i + 1) == Some(&'\'') {
                1
            } else if c.get(i + 1) == Some(&'\\') && c.get(i + 2) == Some(&'\'') {
                2
            } else {
                0
            };
            if quote_len > 0
                && c.get(i + 1 + quote_len)
                    .is_some_and(char::is_ascii_alphabetic)
            {
                out.push(c[i]);
                out.push_str("&#39;");
                out.push(c[i + 1 + quote_len]);
                i += 2 + quote_len;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out.replace("\\'", "&#39;")
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Python's non-POSIX `shlex` with `quotes = "'"` and `whitespace = ", "`; iteration
/// stops at the first empty token, as `shlex.__next__` does.
fn shlex_tokens(input: &[char]) -> Option<Vec<String>> {
    #[derive(PartialEq)]
    enum State {
        Blank,
        Word,
        Quote,
    }
    let mut tokens = Vec::new();
    let mut state = State::Blank;
    let mut token = String::new();
    let mut i = 0;
    let skip_line = |mut i: usize| {
        while i < input.len() && input[i] != '\n' {
            i += 1;
        }
        i + 1
    };
    loop {
        let next = input.get(i).copied();
        match state {
            State::Blank => match next {
                None => break,
                Some(',' | ' ') => i += 1,
                Some('#') => i = skip_line(i),
                Some(c) if is_word(c) => {
                    token.push(c);
                    state = State::Word;
                    i += 1;
                }
                Some('\'') => {
                    token.push('\'');
                    state = State::Quote;
                    i += 1;
                }
                Some(c) => {
                    tokens.push(c.to_string());
                    i += 1;
                }
            },
            State::Quote => match next {
                None => return None,
                Some('\'') => {
                    token.push('\'');
                    tokens.push(std::mem::take(&mut token));
                    state = State::Blank;
                    i += 1;
                }
                Some(c) => {
                    token.push(c);
                    i += 1;
                }
            },
            State::Word => match next {
                None => {
                    tokens.push(std::mem::take(&mut token));
                    break;
                }
                Some(',' | ' ') => {
                    tokens.push(std::mem::take(&mut token));
                    state = State::Blank;
                    i += 1;
                }
                Some('#') => i = skip_line(i),
                Some(c) if is_word(c) || c == '\'' => {
                    token.push(c);
                    i += 1;
                }
                Some(_) => {
                    // The character is pushed back and comes out as its own token next.
                    tokens.push(std::mem::take(&mut token));
                    state = State::Blank;
                }
            },
        }
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_spaced() {
        assert_eq!(
            parse_options(
                "('Dmitri Mendeleev','Albert Einstein','Jonas Salk', 'Sir Isaac Newton')"
            ),
            Some(vec![
                "Dmitri Mendeleev".to_owned(),
                "Albert Einstein".into(),
                "Jonas Salk".into(),
                "Sir Isaac Newton".into()
            ])
        );
    }

    #[test]
    fn apostrophes() {
        assert_eq!(
            parse_options("('hasnot','hasn't','has'nt')"),
            Some(vec!["hasnot".to_owned(), "hasn't".into(), "has'nt".into()])
        );
        assert_eq!(
            parse_options(r"('it\'s','b')"),
            Some(vec!["it's".to_owned(), "b".into()])
        );
    }

    #[test]
    fn unclosed_quote_fails() {
        assert_eq!(parse_options("('a','b)"), None);
    }
}
