//! Author content is untrusted: every piece of author HTML passes through here on save.
//! Markdown is rendered first and then sanitised the same way, so raw HTML inside
//! Markdown gets no special treatment.

use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        // Multilingual content needs lang/dir on any element (an Arabic quote in a French
        // course); nothing else is allowed globally.
        b.add_generic_attributes(["lang", "dir", "title"]);
        b.add_tags([
            "figure",
            "figcaption",
            "caption",
            "mark",
            "bdi",
            "bdo",
            "time",
        ]);
        b.add_tag_attributes("td", ["colspan", "rowspan"]);
        b.add_tag_attributes("th", ["colspan", "rowspan", "scope"]);
        b.add_tag_attributes("img", ["width", "height", "loading"]);
        b.add_tag_attributes("time", ["datetime"]);
        b.url_schemes(HashSet::from(["http", "https", "mailto"]));
        b.link_rel(Some("noopener noreferrer nofollow"));
        b
    })
}

/// Sanitise author HTML: scripts, event handlers, styles, iframes and `javascript:` URLs go.
pub fn sanitize_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Render CommonMark (with tables and strikethrough) and sanitise the result.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(markdown, opts);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    sanitize_html(&out)
}

/// Plain text of a fragment of HTML, for previews and search: tags dropped, entities kept
/// as they are (the caller escapes again when it renders).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markdown and HTML come from archives too (a text's exported Markdown source):
    /// nesting them thousands deep must not exhaust a server thread's stack. (Not tens of
    /// thousands here: both parsers take time quadratic in such nesting.)
    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let inputs = [
            format!("{}deep", "> ".repeat(5_000)),
            format!("{}deep", "- ".repeat(5_000)),
            format!("{}x{}", "[".repeat(5_000), "]".repeat(5_000)),
            format!("{}x{}", "*".repeat(5_000), "*".repeat(5_000)),
            format!("{}x{}", "<div>".repeat(5_000), "</div>".repeat(5_000)),
        ];
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                for input in &inputs {
                    markdown_to_html(input);
                    sanitize_html(input);
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><iframe src="https://evil"></iframe>"#;
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(!clean.contains("iframe"), "{clean}");
        assert!(clean.contains("<p>Hi</p>"), "{clean}");
    }

    #[test]
    fn styles_are_removed_but_language_attributes_kept() {
        let clean = sanitize_html(r#"<p style="color:red" lang="ar" dir="rtl">مرحبا</p>"#);
        assert_eq!(clean, r#"<p lang="ar" dir="rtl">مرحبا</p>"#);
    }

    #[test]
    fn links_get_safe_rel() {
        let clean = sanitize_html(r#"<a href="https://meta.wikimedia.org/">Meta</a>"#);
        assert!(
            clean.contains(r#"rel="noopener noreferrer nofollow""#),
            "{clean}"
        );
    }

    #[test]
    fn markdown_tables_render_and_raw_html_is_sanitised() {
        let html =
            markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n<img src=x onerror=alert(1)>");
        assert!(html.contains("<table>"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn strip_tags_collapses_whitespace() {
        assert_eq!(
            strip_tags("<p>One <b>two</b></p>\n<p>three</p>"),
            "One two three"
        );
    }
}

/// Author tables in a box of their own that scrolls sideways, so a wide table never makes
/// the whole page wider than a phone's screen. The box can take the keyboard focus (so a
/// keyboard can scroll it) and is a region named `label` for screen readers.
///
/// Works on sanitised HTML only: there every `<table` starts a table element and every
/// `</table>` ends one (the sanitiser escapes `<` everywhere else).
pub fn scrollable_tables<'h>(html: &'h str, label: &str) -> std::borrow::Cow<'h, str> {
    if !html.contains("<table") {
        return std::borrow::Cow::Borrowed(html);
    }
    let open = format!(
        r#"<div class="table-scroll" role="region" tabindex="0" aria-label="{}">"#,
        escape_attr(label)
    );
    let mut out = String::with_capacity(html.len() + 128);
    let mut rest = html;
    while let Some(pos) = rest
        .find("<table")
        .into_iter()
        .chain(rest.find("</table>"))
        .min()
    {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if let Some(after) = rest.strip_prefix("</table>") {
            out.push_str("</table></div>");
            rest = after;
        } else {
            // `<table` followed by `>` or white space opens a table (not `<tablex`).
            let opens = matches!(
                rest.as_bytes().get(6),
                Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')
            );
            if opens {
                out.push_str(&open);
            }
            out.push_str("<table");
            rest = &rest[6..];
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod table_tests {
    use super::scrollable_tables;

    #[test]
    fn tables_get_a_scrolling_box() {
        let cases = [
            ("<p>no table</p>", "<p>no table</p>"),
            (
                "<p>a</p><table><tr><td>1</td></tr></table><p>b</p>",
                r#"<p>a</p><div class="table-scroll" role="region" tabindex="0" aria-label="T &quot;x&quot;"><table><tr><td>1</td></tr></table></div><p>b</p>"#,
            ),
            (
                r#"<table class="x"><tr><td><table><tr><td>in</td></tr></table></td></tr></table>"#,
                r#"<div class="table-scroll" role="region" tabindex="0" aria-label="T &quot;x&quot;"><table class="x"><tr><td><div class="table-scroll" role="region" tabindex="0" aria-label="T &quot;x&quot;"><table><tr><td>in</td></tr></table></div></td></tr></table></div>"#,
            ),
            ("<tablex>", "<tablex>"),
        ];
        for (input, want) in cases {
            assert_eq!(scrollable_tables(input, "T \"x\""), want, "{input}");
        }
    }
}
