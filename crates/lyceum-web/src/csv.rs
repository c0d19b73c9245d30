//! CSV exports (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read
//! non-Latin names right). Cells that a spreadsheet would run as a formula are prefixed
//! with an apostrophe: learners' answers end up in staff's spreadsheets.

use axum::response::{IntoResponse, Response};

#[derive(Default)]
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new() -> Csv {
        Csv {
            out: String::from("\u{feff}"),
        }
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            cell(&mut self.out, c.as_ref());
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// A download named `filename` (see [`crate::handlers::safe_filename`]).
    pub fn into_download(self, filename: &str) -> Response {
        crate::handlers::download(
            self.finish().into_response(),
            "text/csv; charset=utf-8",
            filename,
        )
    }
}

fn cell(out: &mut String, v: &str) {
    let formula = v.starts_with(['=', '+', '-', '@', '\t', '\r']) && v.parse::<f64>().is_err();
    let quote =
        formula || v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ');
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for ch in v.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_formula_guard() {
        let mut c = Csv::new();
        c.row([
            "plain",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "=HYPERLINK(\"x\")",
            "-5",
            "+1 555",
            "@sum",
            "عربي",
        ]);
        assert_eq!(
            c.finish(),
            "\u{feff}plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"'=HYPERLINK(\"\"x\"\")\",-5,\"'+1 555\",\"'@sum\",عربي\r\n"
        );
    }
}
