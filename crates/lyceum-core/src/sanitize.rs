//! Author content is untrusted: every piece of author HTML passes through here on save.
//! Markdown is rendered first and then sanitised the same way, so raw HTML inside
//! Markdown gets no special treatment.

use crate::capa::xml::escape_attr;
use crate::error::DomainError;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Whose content is being sanitised, for its links (issue 13, trust): an untrusted
/// author's external links get `rel="nofollow ugc"` and are capped at
/// [`crate::limits::UNTRUSTED_EXTERNAL_LINKS`]; a trusted author's are followed. Content
/// of no known author (rendering, imports) keeps `nofollow`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Links {
    #[default]
    Unattributed,
    Trusted,
    Untrusted,
}

impl Links {
    pub fn of(trusted: bool) -> Links {
        if trusted {
            Links::Trusted
        } else {
            Links::Untrusted
        }
    }

    fn rel(self) -> &'static str {
        match self {
            Links::Unattributed => "noopener noreferrer nofollow",
            Links::Trusted => "noopener noreferrer",
            Links::Untrusted => "noopener noreferrer nofollow ugc",
        }
    }
}

thread_local! {
    static LINKS: std::cell::Cell<Links> = const { std::cell::Cell::new(Links::Unattributed) };
}

/// Run `f` (synchronous: a save's validation) with every sanitisation in it treating
/// links as `links` says. This is how the authoring save paths pass the author's trust
/// down to the block kinds' validation without a parameter on every kind.
pub fn with_links<T>(links: Links, f: impl FnOnce() -> T) -> T {
    let before = LINKS.with(|l| l.replace(links));
    let out = f();
    LINKS.with(|l| l.set(before));
    out
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANERS: OnceLock<[ammonia::Builder<'static>; 3]> = OnceLock::new();
    let all = CLEANERS.get_or_init(|| {
        [
            build_cleaner(Links::Unattributed),
            build_cleaner(Links::Trusted),
            build_cleaner(Links::Untrusted),
        ]
    });
    &all[LINKS.with(|l| l.get()) as usize]
}

fn build_cleaner(links: Links) -> ammonia::Builder<'static> {
    {
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
        b.link_rel(Some(links.rel()));
        b
    }
}

/// External links (absolute `http(s)` addresses) in sanitised HTML.
pub fn external_links(clean_html: &str) -> usize {
    clean_html.matches("<a href=\"http://").count()
        + clean_html.matches("<a href=\"https://").count()
}

/// Sanitise author HTML: scripts, event handlers, styles, iframes and `javascript:` URLs go.
///
/// HTML nesting deeper than [`MAX_NESTING`] never reaches the parser: it comes back as its
/// text alone, escaped. Content is refused at that depth when it is saved
/// ([`try_sanitize_html`]), so this only meets it in rows stored before the limit.
pub fn sanitize_html(html: &str) -> String {
    try_sanitize_html(html).unwrap_or_else(|_| escaped_text(html))
}

/// Sanitise author HTML, refusing it when it nests deeper than [`MAX_NESTING`]: the check
/// every path saving untrusted author HTML goes through.
pub fn try_sanitize_html(html: &str) -> Result<String, DomainError> {
    check_html_nesting(html)?;
    let clean = cleaner().clean(html).to_string();
    if LINKS.with(|l| l.get()) == Links::Untrusted {
        let max = crate::limits::UNTRUSTED_EXTERNAL_LINKS;
        let found = external_links(&clean);
        if found > max {
            return Err(DomainError::new("lyceum-trust-error-links")
                .with_arg(max.to_string())
                .with_arg(found.to_string()));
        }
    }
    Ok(clean)
}

/// Render CommonMark (with tables and strikethrough) and sanitise the result; Markdown
/// nesting too deep comes back as its text, escaped (see [`sanitize_html`]).
pub fn markdown_to_html(markdown: &str) -> String {
    try_markdown_to_html(markdown).unwrap_or_else(|_| escaped_text(markdown))
}

/// Render CommonMark and sanitise the result, refusing Markdown whose lists and quotes, or
/// whose rendering, nest deeper than [`MAX_NESTING`].
pub fn try_markdown_to_html(markdown: &str) -> Result<String, DomainError> {
    use pulldown_cmark::{Options, Parser, html};
    check_markdown_nesting(markdown)?;
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(markdown, opts);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    try_sanitize_html(&out)
}

/// Content refused for its depth, shown as what it says: its text in one paragraph,
/// escaped (no parser is involved, so this takes time linear in its length).
pub fn escaped_text(source: &str) -> String {
    let text = strip_tags(source);
    if text.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(text.len() + 7);
    out.push_str("<p>");
    escape_attr(&text, &mut out);
    out.push_str("</p>");
    out
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

/// The deepest nesting author content may have: HTML elements inside each other, or
/// Markdown lists and block quotes inside each other. Real course text stays far below
/// (a list in a table in a quote is a handful of levels); the parsers behind
/// [`sanitize_html`] and [`markdown_to_html`] take time quadratic in nesting depth, so
/// content nesting deeper is refused before it reaches them. docs/LIMITS.md.
pub const MAX_NESTING: usize = 100;

/// The error for content nesting deeper than [`MAX_NESTING`].
pub fn too_deep() -> DomainError {
    DomainError::new("lyceum-error-content-too-deep").with_arg(MAX_NESTING.to_string())
}

/// Elements that never hold anything (a start tag is the whole element).
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is text up to their own end tag, not markup.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// The parser's formatting elements: closed out of order, they are re-opened later (the
/// "active formatting elements"), so closing a block around one does not end its nesting.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// SVG and MathML elements whose content is HTML again.
const HTML_ISLANDS: &[&str] = &[
    "foreignobject",
    "desc",
    "title",
    "annotation-xml",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
];

/// HTML elements that end SVG or MathML content when they start inside it.
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
    "font",
];

/// Phrasing elements an omitted end tag closes through (`<li><span>a<li>` closes both).
const PHRASING: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var",
];

/// Parts of a table: an end tag or a new cell closes through anything but a table.
const TABLE_PARTS: &[&str] = &[
    "caption", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// What an end tag of a block cannot close through (the parser's "default scope").
const SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "svg",
    "math",
];

/// The open elements a start tag closes when their end tag was left out (`<li>a<li>b`,
/// `<dt>a<dd>b`, `<td>1<td>2`); `None` for elements that simply nest.
fn closed_by(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "li" => &["li"],
        "dt" | "dd" => &["dt", "dd"],
        "p" => &["p"],
        "option" => &["option"],
        "optgroup" => &["optgroup", "option"],
        "rb" | "rt" | "rp" | "rtc" => &["rb", "rt", "rp", "rtc"],
        "td" | "th" => &["td", "th"],
        "tr" => &["tr", "td", "th"],
        "tbody" | "thead" | "tfoot" => &["tbody", "thead", "tfoot", "tr", "td", "th"],
        "caption" | "colgroup" => &["caption", "colgroup"],
        _ => return None,
    })
}

/// The elements a new start tag of the same name closes, when its end tag was left out
/// (`<li>a<li>b`, `<td>1<td>2`), and the open elements it may close through.
fn closes_sibling_through(name: &str, between: &str) -> bool {
    match name {
        "li" | "dt" | "dd" | "p" => {
            PHRASING.contains(&between) || matches!(between, "div" | "address" | "p")
        }
        "option" | "optgroup" | "rb" | "rt" | "rp" | "rtc" => PHRASING.contains(&between),
        _ if TABLE_PARTS.contains(&name) => !matches!(between, "table" | "html" | "template"),
        _ => false,
    }
}

/// Refuse HTML whose elements nest deeper than [`MAX_NESTING`]: one pass over the text,
/// following the HTML parser's rules closely enough that ordinary content with omitted
/// end tags (`<li>`, `<p>`, `<td>`) is counted at its real depth. Where the parser's rules
/// are subtler, the count errs on the deep side, never the shallow one: an element the
/// parser would keep open (`<div/>` is an open `<div>`; `</div>` inside a table cell is
/// ignored; a `<b>` closed out of order is re-opened later) is never counted as closed.
pub fn check_html_nesting(html: &str) -> Result<(), DomainError> {
    let b = html.as_bytes();
    // Open elements: the name, for a formatting element its whole start tag, and whether
    // it is SVG or MathML (where `/>` closes an element and no element holds raw text).
    let mut open: Vec<(String, String, bool)> = Vec::new();
    // Formatting elements closed by something else, keyed by their whole start tag: the
    // parser re-opens up to three alike (its "Noah's Ark" clause).
    let mut lingering: std::collections::HashMap<String, usize> = Default::default();
    let mut lingering_total = 0usize;
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|c| *c == b'<') {
        i += off + 1;
        let rest = &b[i..];
        if rest.starts_with(b"!--") {
            // `<!-->` and `<!--->` are whole comments; `--!>` ends one as `-->` does.
            let body = &rest[3..];
            i += 3 + if body.starts_with(b">") {
                1
            } else if body.starts_with(b"->") {
                2
            } else {
                // One pass to the first `--` followed by `>` or `!>`.
                let mut from = 0;
                loop {
                    let Some(p) = find(&body[from..], b"--") else {
                        break body.len();
                    };
                    let after = &body[from + p + 2..];
                    if after.starts_with(b">") {
                        break from + p + 3;
                    }
                    if after.starts_with(b"!>") {
                        break from + p + 4;
                    }
                    from += p + 1;
                }
            };
            continue;
        }
        if rest.first().is_some_and(|c| *c == b'!' || *c == b'?') {
            i += find(rest, b">").map_or(rest.len(), |p| p + 1);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        if !rest.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            continue; // a `<` in text
        }
        let name_len = rest[name_start..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
            .unwrap_or(rest.len() - name_start);
        let name =
            String::from_utf8_lossy(&rest[name_start..name_start + name_len]).to_ascii_lowercase();
        // The rest of the tag: attributes, following the tokenizer's states, since only a
        // value right after `=` can be quoted (and hold `>`): a quote anywhere else is
        // part of a name or an unquoted value.
        #[derive(PartialEq)]
        enum At {
            Between,
            Name,
            AfterName,
            BeforeValue,
            Unquoted,
        }
        let mut at = At::Between;
        let mut self_closed = false;
        let mut j = name_start + name_len;
        while let Some(&c) = rest.get(j) {
            if c == b'>' {
                break;
            }
            let space = c.is_ascii_whitespace();
            self_closed = false;
            at = match at {
                At::Between | At::Name | At::AfterName if c == b'/' => {
                    self_closed = true;
                    At::Between
                }
                At::Between if space => At::Between,
                At::Name | At::AfterName if space => At::AfterName,
                At::Name | At::AfterName if c == b'=' => At::BeforeValue,
                At::Between | At::Name | At::AfterName => At::Name,
                At::BeforeValue if space => At::BeforeValue,
                At::BeforeValue if c == b'"' || c == b'\'' => {
                    let close = rest[j + 1..].iter().position(|&d| d == c);
                    j = close.map_or(rest.len(), |p| j + 1 + p);
                    At::Between
                }
                At::BeforeValue | At::Unquoted if !space => At::Unquoted,
                At::BeforeValue | At::Unquoted => At::Between,
            };
            j += 1;
        }
        let whole_tag = &rest[..j.min(rest.len())];
        i += (j + 1).min(rest.len());
        if closing {
            let formatting = FORMATTING.contains(&name.as_str());
            let mut target = None;
            for (at, (n, _, _)) in open.iter().enumerate().rev() {
                if *n == name {
                    target = Some(at);
                    break;
                }
                let stops = if TABLE_PARTS.contains(&name.as_str()) || name == "table" {
                    matches!(n.as_str(), "table" | "html" | "template")
                } else if formatting || PHRASING.contains(&name.as_str()) {
                    !PHRASING.contains(&n.as_str())
                } else {
                    SCOPE.contains(&n.as_str())
                };
                if stops && !formatting {
                    break;
                }
            }
            match target {
                // A formatting element closed out of order leaves what it held open.
                Some(at) if formatting => {
                    open.remove(at);
                }
                Some(at) => {
                    for (n, tag, _) in open.drain(at + 1..) {
                        if FORMATTING.contains(&n.as_str()) {
                            let alike = lingering.entry(tag).or_default();
                            if *alike < 3 {
                                *alike += 1;
                                lingering_total += 1;
                            }
                        }
                    }
                    open.truncate(at);
                }
                None if formatting => {
                    let alike = lingering
                        .iter_mut()
                        .find(|(tag, a)| **a > 0 && tag_name(tag) == name);
                    if let Some((_, a)) = alike {
                        *a -= 1;
                        lingering_total -= 1;
                    }
                }
                None => {}
            }
            continue;
        }
        // SVG and MathML: inside them, elements are theirs, except in the HTML islands
        // (`foreignObject`, `mtext`…) and for the HTML elements that break out (counted
        // here as staying inside, which can only count deeper).
        let foreign = matches!(name.as_str(), "svg" | "math")
            || open
                .last()
                .is_some_and(|(n, _, foreign)| *foreign && !HTML_ISLANDS.contains(&n.as_str()))
                && !BREAKOUT.contains(&name.as_str());
        if foreign {
            // `/>` closes an element only there.
            if self_closed {
                continue;
            }
        } else if VOID.contains(&name.as_str()) {
            continue;
        } else if RAW_TEXT.contains(&name.as_str()) {
            let end = format!("</{name}");
            let tail = &b[i..];
            i += tail
                .windows(end.len())
                .position(|w| w.eq_ignore_ascii_case(end.as_bytes()))
                .unwrap_or(tail.len());
            continue;
        }
        if name == "plaintext" && !foreign {
            break;
        }
        if let Some(siblings) = closed_by(&name) {
            // The outermost one it reaches: a new row closes the open cell and its row.
            let mut close = None;
            for at in (0..open.len()).rev() {
                if siblings.contains(&open[at].0.as_str()) {
                    close = Some(at);
                } else if !closes_sibling_through(&name, &open[at].0) {
                    break;
                }
            }
            if let Some(at) = close {
                open.truncate(at);
            }
        }
        let tag = if FORMATTING.contains(&name.as_str()) {
            String::from_utf8_lossy(whole_tag).to_ascii_lowercase()
        } else {
            String::new()
        };
        open.push((name, tag, foreign));
        if open.len() + lingering_total > MAX_NESTING {
            return Err(too_deep());
        }
    }
    Ok(())
}

/// The name in a start tag's text (`b class="x"` → `b`).
fn tag_name(tag: &str) -> &str {
    tag.split(|c: char| c.is_ascii_whitespace() || c == '/')
        .next()
        .unwrap_or("")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Refuse Markdown whose lists and block quotes nest deeper than [`MAX_NESTING`], in one
/// pass over its lines. A container opens only on a line holding its marker, inside the
/// containers its indentation continues; each level of a list indents its content by at
/// least two columns, so a line's depth is at most its markers plus half its indentation.
/// (The HTML the Markdown turns into is checked again before it is sanitised.)
pub fn check_markdown_nesting(markdown: &str) -> Result<(), DomainError> {
    for line in markdown.lines() {
        let mut cols = 0;
        for c in line.chars() {
            match c {
                ' ' => cols += 1,
                '\t' => cols += 4 - cols % 4,
                _ => break,
            }
        }
        let markers = line_containers(line);
        if markers > 0 && markers + cols / 2 > MAX_NESTING {
            return Err(too_deep());
        }
    }
    Ok(())
}

/// How many block quote and list markers open a line (`> - 1. > text` → 4).
pub fn line_containers(line: &str) -> usize {
    let mut n = 0;
    let mut rest = line.trim_start();
    loop {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = &rest[digits..];
        let marker = if let Some(r) = rest.strip_prefix('>') {
            r
        } else if digits > 0 && (after.starts_with('.') || after.starts_with(')')) {
            &after[1..]
        } else if digits == 0
            && (rest.starts_with(['-', '*', '+']))
            && rest[1..].starts_with([' ', '\t'])
        {
            &rest[1..]
        } else {
            return n;
        };
        n += 1;
        rest = marker.trim_start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markdown and HTML come from archives too (a text's exported Markdown source):
    /// nesting them deep is refused before either parser sees it (both take time quadratic
    /// in nesting), and nothing exhausts a server thread's 2 MiB stack on the way.
    #[test]
    fn deep_nesting_is_refused_without_exhausting_the_stack() {
        let n = 200_000;
        let html_inputs = [
            format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n)),
            "<div/>".repeat(n),
            "<b><div></b>".repeat(n),
            // Formatting elements closed by a paragraph are re-opened in the next one.
            (0..n).map(|k| format!("<p><b class=x{k}></p>")).collect(),
            "<li><blockquote>".repeat(n),
            "<table><tr><td><div></div>".repeat(n),
            "<table><tr><td><span></div>".repeat(n),
        ];
        let md_inputs = [
            format!("{}deep", "> ".repeat(n)),
            format!("{}deep", "- ".repeat(n)),
            (0..1_000)
                .map(|i| format!("{}- level {i}\n", "  ".repeat(i)))
                .collect::<String>(),
        ];
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                for input in &html_inputs {
                    let err = try_sanitize_html(input).map(|_| ()).unwrap_err();
                    assert_eq!(
                        err.key.0,
                        "lyceum-error-content-too-deep",
                        "{}",
                        &input[..40]
                    );
                    assert_eq!(err.args, ["100"]);
                    // The infallible form shows the text without parsing it.
                    let shown = sanitize_html(input);
                    assert!(!shown.contains("<div"), "{}", &shown[..40.min(shown.len())]);
                }
                for input in &md_inputs {
                    let err = try_markdown_to_html(input).map(|_| ()).unwrap_err();
                    assert_eq!(
                        err.key.0,
                        "lyceum-error-content-too-deep",
                        "{}",
                        &input[..40]
                    );
                    markdown_to_html(input);
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }

    /// Below the limit, the parsers themselves keep to the server's stack.
    #[test]
    fn nesting_up_to_the_limit_is_rendered_on_a_server_stack() {
        let n = MAX_NESTING - 1;
        let html = format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n));
        let md = format!("{}deep", "> ".repeat(n));
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                assert_eq!(try_sanitize_html(&html).unwrap(), html);
                assert!(try_markdown_to_html(&md).unwrap().contains("deep"));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    /// Ordinary content, with the end tags HTML lets authors leave out, counts at its real
    /// depth and passes untouched.
    #[test]
    fn ordinary_content_is_not_counted_deep() {
        let many = |s: &str| s.repeat(MAX_NESTING * 3);
        let html_inputs = [
            format!("<ul>{}</ul>", many("<li>item")),
            format!("<dl>{}</dl>", many("<dt>term<dd>meaning")),
            many("<p>para"),
            format!("<table>{}</table>", many("<tr><td>1<td>2")),
            many("<p>a <b>bold</b> <img src=x.png> <br> text</p>"),
            many("<div><!-- <div> --><script><div></script><style>x<div></style></div>"),
            format!("<svg>{}</svg>", many("<path d='M0'/>")),
            many(r#"<a title="a > b" href="https://x">x</a>"#),
            many("<p><b>left open</p>"),
            many("1 < 2 <3 a<b"),
            // Long flat content: one pass, whatever its length (an archive's HTML file may
            // run to megabytes).
            "<!--a--><p>x</p><span>y</span></x>".repeat(200_000),
        ];
        for input in &html_inputs {
            check_html_nesting(input).unwrap_or_else(|e| panic!("{e}: {}", &input[..60]));
        }
        let md_inputs = [
            many("- item\n"),
            many("> quote\n>\n"),
            "- a\n  - b\n    - c\n      1. d\n         > e\n".repeat(50),
            format!("```\n{}code\n```\n", " ".repeat(1_000)),
            many("* emphasis * and 2026. not a list\n"),
        ];
        for input in &md_inputs {
            check_markdown_nesting(input).unwrap_or_else(|e| panic!("{e}: {}", &input[..40]));
        }
    }

    #[test]
    fn html_nesting_counts_the_way_the_parser_nests() {
        let deep = |s: &str| s.repeat(MAX_NESTING + 1);
        for input in [
            deep("<span>"),
            deep("<div/>"),
            deep("<li><blockquote>"),
            deep("<b><div></b>"),
            // HTML inside SVG's islands nests as HTML: `/>` does not close there, and an
            // SVG title holds markup, not text.
            // A quote that does not open a value hides no tags.
            format!("<div x=a\">{}\">", deep("<div>")),
            format!("<div x=a=\"{}\">", deep("<span>")),
            format!("<div \"{}\">", deep("<span>")),
            format!("<!-->{}-->", deep("<div>")),
            format!("<!--->{}-->", deep("<div>")),
            format!("<!-- x --!>{}-->", deep("<div>")),
            format!("<svg><foreignObject>{}", deep("<div/>")),
            format!("<svg><title>{}", deep("<span>")),
            format!("<svg><g>{}", deep("<div/>")),
            format!("<svg><plaintext>{}", deep("<g>")),
            deep("<table><td>"),
            (0..MAX_NESTING + 1)
                .map(|k| format!("<p><em id=e{k}>text</p>"))
                .collect(),
        ] {
            assert!(check_html_nesting(&input).is_err(), "{}", &input[..40]);
        }
        // Exactly at the limit is fine.
        let at = "<i>".repeat(MAX_NESTING);
        assert!(check_html_nesting(&at).is_ok());
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
    let mut open =
        String::from(r#"<div class="table-scroll" role="region" tabindex="0" aria-label=""#);
    escape_attr(label, &mut open);
    open.push_str(r#"">"#);
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

#[cfg(test)]
mod table_tests {
    use super::*;

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

    #[test]
    fn untrusted_authors_links_are_nofollow_ugc_and_capped() {
        let html = r#"<p><a href="https://example.org/">x</a> <a href="/static/a.pdf">a</a></p>"#;
        let plain = try_sanitize_html(html).unwrap();
        assert!(
            plain.contains(r#"rel="noopener noreferrer nofollow""#),
            "{plain}"
        );
        let trusted = with_links(Links::Trusted, || try_sanitize_html(html)).unwrap();
        assert!(
            trusted.contains(r#"rel="noopener noreferrer""#),
            "{trusted}"
        );
        assert!(!trusted.contains("nofollow"), "{trusted}");
        let untrusted = with_links(Links::Untrusted, || try_sanitize_html(html)).unwrap();
        assert!(
            untrusted.contains(r#"rel="noopener noreferrer nofollow ugc""#),
            "{untrusted}"
        );
        assert_eq!(external_links(&untrusted), 1);
        // The option ends with the closure.
        assert!(!try_sanitize_html(html).unwrap().contains("ugc"));

        let max = crate::limits::UNTRUSTED_EXTERNAL_LINKS;
        let many: String = (0..=max)
            .map(|i| format!("[l{i}](https://example.org/{i}) "))
            .collect();
        let e = with_links(Links::Untrusted, || try_markdown_to_html(&many)).unwrap_err();
        assert_eq!(e.key.0, "lyceum-trust-error-links");
        assert_eq!(e.args, vec![max.to_string(), (max + 1).to_string()]);
        assert!(with_links(Links::Trusted, || try_markdown_to_html(&many)).is_ok());
        let at_limit: String = (0..max)
            .map(|i| format!("[l{i}](https://example.org/{i}) "))
            .collect();
        assert!(with_links(Links::Untrusted, || try_markdown_to_html(&at_limit)).is_ok());
    }
}
