//! Text blocks by paragraph: the runs of inline content in sanitised HTML, so that a
//! change to one paragraph, heading or list item outdates one segment, not the page.
//!
//! The input is the sanitiser's own output (html5ever's serialisation: every element
//! closed or void, attribute values quoted, `<` escaped in text), which is what text
//! blocks store; anything else is read as well as it can be and never panics.

use std::ops::Range;

/// Elements that break inline content into separate segments. Everything else (links,
/// emphasis, code, images, line breaks…) stays inside the segment it appears in.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

pub(super) const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// The byte ranges of `html`'s segments, in document order: each a maximal run of inline
/// content (text and inline elements) with something other than white space in it,
/// trimmed of the white space at its ends.
pub fn segment_ranges(html: &str) -> Vec<Range<usize>> {
    ranges(html, Markup::Html)
}

/// How a document's elements split it into segments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Markup {
    /// HTML: the elements of [`BLOCKS`] split, all others are inline.
    Html,
    /// A capa problem's XML: only HTML's inline elements are inline; every other element
    /// (`choice`, `label`, `hint`, `solution`, `p`…) splits, and the content of
    /// [`OPAQUE`] elements is never a segment (scripts, answers). Inside a dropdown
    /// (`optioninput`) only its `optionhint`s are: an option's text is also the value
    /// answers are checked against (the problem's kind gives it a label of its own).
    CapaXml,
}

const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "img", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "u",
    "var", "wbr",
];

const OPAQUE: &[&str] = &[
    "additional_answer",
    "answer",
    "formulaequationinput",
    "math",
    "option",
    "responseparam",
    "script",
    "style",
    "textline",
];

impl Markup {
    fn splits(self, name: &str) -> bool {
        match self {
            Markup::Html => BLOCKS.contains(&name),
            Markup::CapaXml => !INLINE.contains(&name),
        }
    }
}

/// [`segment_ranges`] of a capa problem's XML (see [`Markup::CapaXml`]).
pub fn capa_segment_ranges(xml: &str) -> Vec<Range<usize>> {
    ranges(xml, Markup::CapaXml)
}

fn ranges(html: &str, markup: Markup) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut run: Option<Range<usize>> = None;
    // Open inline elements inside the current run: a block tag inside them (invalid,
    // but possible) does not split the run's markup in two.
    let mut inline_depth = 0usize;
    // Inside a capa dropdown, and inside one of its option's hints.
    let (mut dropdown, mut hint) = (false, false);
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let end = tag_end(bytes, i);
            let tag = Tag::read(&html[i..end]);
            if markup == Markup::CapaXml
                && let Some(name) = tag.name.as_deref()
                && (name == "optioninput" || (dropdown && name == "optionhint"))
            {
                flush(html, &mut run, &mut out);
                inline_depth = 0;
                let open = !tag.closing && !tag.self_closing;
                if name == "optioninput" {
                    (dropdown, hint) = (open, false);
                } else {
                    hint = open;
                }
                i = end;
                continue;
            }
            if dropdown && !hint {
                // An option's text and markup: its value, never a segment.
                i = end;
                continue;
            }
            if markup == Markup::CapaXml
                && let Some(name) = tag.name.as_deref()
                && OPAQUE.contains(&name)
            {
                // Skipped whole, up to its closing tag: what is inside (a script's code,
                // a dropdown's values) is never read as markup or text.
                flush(html, &mut run, &mut out);
                i = if tag.closing || tag.self_closing {
                    end
                } else {
                    let close = format!("</{name}");
                    html[end..]
                        .to_ascii_lowercase()
                        .find(&close)
                        .map_or(html.len(), |n| tag_end(bytes, end + n))
                };
                continue;
            }
            let is_block = tag.name.as_deref().is_some_and(|n| markup.splits(n));
            if is_block && inline_depth == 0 {
                flush(html, &mut run, &mut out);
            } else {
                extend(&mut run, i, end);
                match tag.name.as_deref() {
                    Some(name) if !VOID.contains(&name) && !tag.self_closing => {
                        if tag.closing {
                            inline_depth = inline_depth.saturating_sub(1);
                        } else {
                            inline_depth += 1;
                        }
                    }
                    _ => {}
                }
            }
            i = end;
        } else {
            let next = html[i..].find('<').map_or(html.len(), |n| i + n);
            if !dropdown || hint {
                extend(&mut run, i, next);
            }
            i = next;
        }
    }
    flush(html, &mut run, &mut out);
    out
}

/// `html` with each segment (as [`segment_ranges`] finds them) replaced by what
/// `replace` gives for it.
pub fn replace_segments(html: &str, replace: impl FnMut(&str) -> String) -> String {
    replace_ranges(html, segment_ranges(html), replace)
}

/// `xml` (a capa problem) with each segment as [`capa_segment_ranges`] finds them
/// replaced by what `replace` gives for it.
pub fn replace_capa_segments(xml: &str, replace: impl FnMut(&str) -> String) -> String {
    replace_ranges(xml, capa_segment_ranges(xml), replace)
}

fn replace_ranges(
    html: &str,
    ranges: Vec<Range<usize>>,
    mut replace: impl FnMut(&str) -> String,
) -> String {
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&html[at..r.start]);
        out.push_str(&replace(&html[r.clone()]));
        at = r.end;
    }
    out.push_str(&html[at..]);
    out
}

/// Visit each segment of sanitised `html` as one of the list field `field` (a text
/// block's paragraphs, a prompt's): the one way kinds make HTML translatable. When a
/// visit changed the text (a translation put in), the result is sanitised again, as
/// the source was when it was saved: a translation's attributes are nobody's to trust.
pub fn visit_paragraphs(
    html: &mut String,
    field: &str,
    visit: &mut dyn FnMut(super::Field<'_>, &mut String),
) {
    let mut changed = false;
    let out = replace_segments(html, |segment| {
        let mut text = segment.to_owned();
        visit(super::Field::list(field, true), &mut text);
        changed |= text != segment;
        text
    });
    if changed {
        *html = crate::sanitize::sanitize_html(&out);
    }
}

/// The names of the elements in an HTML fragment, opening tags only, in order: what a
/// translation must keep of its source's markup (links, emphasis, code).
pub fn element_names(html: &str) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while let Some(n) = html[i..].find('<') {
        let start = i + n;
        let end = tag_end(bytes, start);
        let tag = Tag::read(&html[start..end]);
        if let (Some(name), false) = (tag.name, tag.closing) {
            names.push(name);
        }
        i = end.max(start + 1);
    }
    names
}

fn extend(run: &mut Option<Range<usize>>, start: usize, end: usize) {
    match run {
        Some(r) => r.end = end,
        None => *run = Some(start..end),
    }
}

fn flush(html: &str, run: &mut Option<Range<usize>>, out: &mut Vec<Range<usize>>) {
    if let Some(r) = run.take() {
        let text = &html[r.clone()];
        let lead = text.len() - text.trim_start().len();
        let trimmed = r.start + lead..r.start + lead + text.trim().len();
        if has_text(&html[trimmed.clone()]) {
            out.push(trimmed);
        }
    }
}

/// Whether a run shows anything to read: text outside tags, or an image (its alt text).
fn has_text(run: &str) -> bool {
    let mut in_tag = false;
    for c in run.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => return true,
            _ => {}
        }
    }
    run.contains("<img")
}

/// The end (exclusive) of the tag starting at `start`: the first `>` outside quotes.
pub(super) fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (j, &b) in bytes.iter().enumerate().skip(start + 1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return j + 1,
            _ => {}
        }
    }
    bytes.len()
}

struct Tag {
    /// Lower-case element name; `None` for a comment, a doctype or a stray `<`.
    name: Option<String>,
    closing: bool,
    self_closing: bool,
}

impl Tag {
    fn read(tag: &str) -> Tag {
        let inner = tag.trim_start_matches('<').trim_end_matches('>');
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
            .collect();
        Tag {
            name: (!name.is_empty() && inner.starts_with(|c: char| c.is_ascii_alphabetic()))
                .then(|| name.to_ascii_lowercase()),
            closing,
            self_closing: inner.ends_with('/'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(html: &str) -> Vec<&str> {
        segment_ranges(html).into_iter().map(|r| &html[r]).collect()
    }

    #[test]
    fn paragraphs_headings_and_items_are_segments_of_their_own() {
        let html = "<h2>Partners</h2>\n<p>Find <a href=\"https://x.org/\">allies</a> early.</p>\n\
                    <ul>\n<li>Listen</li>\n<li>Agree <em>in writing</em></li>\n</ul>\n";
        assert_eq!(
            segments(html),
            [
                "Partners",
                "Find <a href=\"https://x.org/\">allies</a> early.",
                "Listen",
                "Agree <em>in writing</em>"
            ]
        );
    }

    #[test]
    fn nested_lists_and_tables_split_at_every_block() {
        let html = "<ol><li>One<ul><li>One a</li></ul></li><li>Two</li></ol>\
                    <table><thead><tr><th>Name</th></tr></thead><tbody><tr><td>Ada</td></tr></tbody></table>\
                    <blockquote><p>Quoted</p></blockquote><div>Loose text <br> here</div>";
        assert_eq!(
            segments(html),
            [
                "One",
                "One a",
                "Two",
                "Name",
                "Ada",
                "Quoted",
                "Loose text <br> here"
            ]
        );
    }

    #[test]
    fn empty_runs_and_markup_only_runs_are_not_segments() {
        assert!(segments("<p> </p>\n<hr>\n<p><br></p>").is_empty());
        assert_eq!(
            segments("<p><img src=\"a.png\" alt=\"A map\"></p>"),
            ["<img src=\"a.png\" alt=\"A map\">"]
        );
    }

    #[test]
    fn a_quoted_greater_than_sign_does_not_end_a_tag() {
        let html = "<p><a title=\"a > b\" href=\"#x\">x</a> y</p>";
        assert_eq!(segments(html), ["<a title=\"a > b\" href=\"#x\">x</a> y"]);
    }

    #[test]
    fn replacing_keeps_everything_around_the_segments() {
        let html = "<h2>Hello</h2>\n<p>World <b>here</b></p>\n";
        let out = replace_segments(html, |s| format!("[{s}]"));
        assert_eq!(out, "<h2>[Hello]</h2>\n<p>[World <b>here</b>]</p>\n");
    }

    #[test]
    fn element_names_are_the_opening_tags_in_order() {
        assert_eq!(
            element_names("Find <a href=\"x\">allies <em>early</em></a><br>"),
            ["a", "em", "br"]
        );
        assert!(element_names("plain & simple").is_empty());
    }

    #[test]
    fn a_problem_is_split_by_its_elements_and_never_at_its_machine_values() {
        let xml = "<problem>\n<multiplechoiceresponse>\n\
            <label>Which is a <b>free</b> licence?</label>\n\
            <choicegroup type=\"MultipleChoice\">\n\
            <choice correct=\"true\" name=\"bysa\">CC BY-SA<choicehint>Yes: free.</choicehint></choice>\n\
            <choice correct=\"false\">All rights reserved</choice>\n\
            </choicegroup></multiplechoiceresponse>\n\
            <optionresponse><p>Pick one</p><optioninput options=\"('yes','no')\" correct=\"yes\"/></optionresponse>\n\
            <optionresponse><optioninput><option correct=\"True\">oui<optionhint>Yes, <b>this</b>.</optionhint></option><option>non <i>x</i></option></optioninput></optionresponse>\n\
            <stringresponse answer=\"Paris\"><additional_answer answer=\"paris\">x</additional_answer><textline size=\"20\"/></stringresponse>\n\
            <script type=\"loncapa/python\">x = 1 < 2</script>\n\
            <demandhint><hint>Think of Wikipedia.</hint></demandhint>\n\
            <solution><div><p>BY-SA is free.</p></div></solution>\n\
            </problem>";
        let found: Vec<&str> = capa_segment_ranges(xml)
            .into_iter()
            .map(|r| &xml[r])
            .collect();
        assert_eq!(
            found,
            [
                "Which is a <b>free</b> licence?",
                "CC BY-SA",
                "Yes: free.",
                "All rights reserved",
                "Pick one",
                "Yes, <b>this</b>.",
                "Think of Wikipedia.",
                "BY-SA is free."
            ]
        );
    }

    #[test]
    fn a_translation_put_in_is_sanitised() {
        let mut html = "<p>Find <a href=\"https://x.org/\">allies</a></p>".to_owned();
        visit_paragraphs(&mut html, "p", &mut |_, t| {
            *t = "Trouvez <a href=\"javascript:alert(1)\" onclick=\"x()\">des alliés</a><script>x()</script>".into();
        });
        assert!(
            !html.contains("javascript") && !html.contains("onclick") && !html.contains("<script"),
            "{html}"
        );
        assert!(html.contains("des alliés"));
    }

    #[test]
    fn broken_markup_never_panics() {
        for html in [
            "<",
            "<p",
            "<p>x",
            "</p>",
            "<a href=\"x>y",
            "<<>>",
            "<é>é</é>",
        ] {
            let _ = segment_ranges(html);
            let _ = element_names(html);
            let _ = replace_segments(html, |s| s.to_owned());
            let _ = capa_segment_ranges(html);
        }
    }
}
