//! The XML layer: parsing OLX files safely, and editing an element's text in place so
//! that everything not edited stays byte for byte as the author wrote it.

use roxmltree::{Document, Node, ParsingOptions};

/// Parse an OLX file. Document type declarations (and so external or billion-laughs
/// entities) are refused; the node count is capped so one file cannot exhaust memory.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, String> {
    Document::parse_with_options(
        text,
        ParsingOptions {
            allow_dtd: false,
            nodes_limit: 1_000_000,
            ..ParsingOptions::default()
        },
    )
    .map_err(|e| e.to_string())
}

/// Open edX's pointer test (`xml_block.py` `is_pointer_tag`): no children, no text, and
/// exactly the attributes `{url_name}` (for `<course>`: `{url_name, org, course}`).
pub(crate) fn is_pointer(node: Node<'_, '_>) -> bool {
    let expected: &[&str] = if node.has_tag_name("course") {
        &["course", "org", "url_name"]
    } else {
        &["url_name"]
    };
    let mut names: Vec<&str> = node.attributes().map(|a| a.name()).collect();
    names.sort_unstable();
    names == expected
        && !node
            .children()
            .any(|c| c.is_element() || c.text().is_some_and(|t| !t.trim().is_empty()))
}

/// The element children of a node, in document order.
pub(crate) fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

/// The element's source text.
pub(crate) fn element_text<'i>(node: Node<'_, 'i>, text: &'i str) -> &'i str {
    text.get(node.range()).unwrap_or_default()
}

/// What is between the element's start and end tags, as written.
pub(crate) fn inner_text<'i>(node: Node<'_, 'i>, text: &'i str) -> &'i str {
    let mut children = node.children();
    match (children.next(), node.children().next_back()) {
        (Some(first), Some(last)) => text
            .get(first.range().start..last.range().end)
            .unwrap_or_default(),
        _ => "",
    }
}

/// Escape an attribute value for double quotes. Characters XML cannot hold at all (other
/// control characters, U+FFFE, U+FFFF) are dropped.
pub(crate) fn escape_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Escape element text. Line breaks stay as they are (unlike [`escape_attr`]); characters
/// XML cannot hold are dropped.
pub(crate) fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            // A parser would read a bare CR as a line feed.
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The element's text with some of its own attributes removed (and their leading
/// whitespace), everything else unchanged.
pub(crate) fn without_attrs(node: Node<'_, '_>, text: &str, remove: &[&str]) -> String {
    let range = node.range();
    let mut cuts: Vec<std::ops::Range<usize>> = node
        .attributes()
        .filter(|a| remove.contains(&a.name()))
        .map(|a| {
            let r = a.range();
            let before = &text[range.start..r.start];
            let ws = before.len() - before.trim_end().len();
            r.start - ws..r.end
        })
        .collect();
    cuts.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(range.len());
    let mut at = range.start;
    for cut in cuts {
        out.push_str(&text[at..cut.start]);
        at = cut.end;
    }
    out.push_str(&text[at..range.end]);
    out
}

/// Add `name="value"` right after the tag name of the element that starts `element`
/// (text beginning with `<tag`), unless the element already has that attribute.
pub(crate) fn with_attr(element: &str, name: &str, value: &str) -> String {
    let Ok(doc) = parse(element) else {
        return element.to_owned();
    };
    if doc.root_element().has_attribute(name) {
        return element.to_owned();
    }
    let tag_len = element
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_whitespace() || matches!(c, '/' | '>'))
        .map_or(element.len(), |(i, _)| i);
    format!(
        "{} {name}=\"{}\"{}",
        &element[..tag_len],
        escape_attr(value),
        &element[tag_len..]
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pointers() {
        let d = parse(r#"<v><html url_name="a"/><html url_name="b" display_name="B"/><html url_name="c"> </html><course url_name="r" org="o" course="c"/><html url_name="d">x</html></v>"#).unwrap();
        let kids: Vec<bool> = elements(d.root_element()).map(is_pointer).collect();
        assert_eq!(kids, [true, false, true, true, false]);
    }

    #[test]
    fn dtds_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><p>&lol2;</p>"#;
        assert!(parse(bomb).is_err());
        assert!(parse(r#"<!DOCTYPE p SYSTEM "file:///etc/passwd"><p/>"#).is_err());
    }

    #[test]
    fn attribute_edits_keep_the_rest() {
        let text = "<problem display_name=\"P\"\n  weight=\"2\" markdown=\"x\"><p>Hi</p></problem>";
        let d = parse(text).unwrap();
        let out = without_attrs(d.root_element(), text, &["display_name", "weight"]);
        assert_eq!(out, "<problem markdown=\"x\"><p>Hi</p></problem>");
        assert_eq!(
            with_attr("<lti a=\"1\"/>", "url_name", "x\"y"),
            "<lti url_name=\"x&quot;y\" a=\"1\"/>"
        );
        assert_eq!(
            with_attr("<lti url_name=\"z\"/>", "url_name", "x"),
            "<lti url_name=\"z\"/>"
        );
        assert_eq!(
            with_attr("<poll>t</poll>", "url_name", "p"),
            "<poll url_name=\"p\">t</poll>"
        );
    }

    #[test]
    fn text_escapes_keep_line_breaks() {
        assert_eq!(
            escape_text("a < b & \"c\"\n\td\r\u{1}"),
            "a &lt; b &amp; \"c\"\n\td&#13;"
        );
    }

    #[test]
    fn inner() {
        let text = "<html display_name=\"x\"><p>a &amp; <b>b</b></p> tail</html>";
        let d = parse(text).unwrap();
        assert_eq!(
            inner_text(d.root_element(), text),
            "<p>a &amp; <b>b</b></p> tail"
        );
    }
}
