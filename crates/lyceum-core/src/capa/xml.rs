//! An owned, comment-free copy of the problem XML (what lxml's filtered element iteration
//! shows capa), and serialisation of its parts back to HTML.

use crate::error::DomainError;

/// Problems bigger than this are refused (the biggest demo problem is 9 kB).
const MAX_XML_BYTES: usize = 1 << 20;
const MAX_NODES: u32 = 50_000;
/// Deeper trees are refused so that every recursive walk here stays shallow.
pub(crate) const MAX_DEPTH: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set_attr(&mut self, name: &str, value: String) {
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_owned(), value)),
        }
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn elements_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    pub fn first_named(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// lxml's `.text`: the text before the first child element.
    pub fn text(&self) -> Option<&str> {
        match self.children.first() {
            Some(Node::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    /// All text inside, in document order.
    pub fn all_text(&self) -> String {
        let mut out = String::new();
        collect_text(self, &mut out);
        out
    }

    /// Every element below this one, in document order (not including itself).
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.elements().collect::<Vec<_>>();
        stack.reverse();
        while let Some(e) = stack.pop() {
            out.push(e);
            let mut kids: Vec<&Element> = e.elements().collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }

    /// Inner content serialised as HTML (escaped text, attributes copied).
    pub fn inner_html(&self) -> String {
        let mut out = String::new();
        for child in &self.children {
            write_node(child, &mut out);
        }
        out
    }
}

fn collect_text(e: &Element, out: &mut String) {
    for child in &e.children {
        match child {
            Node::Text(t) => out.push_str(t),
            Node::Element(inner) => collect_text(inner, out),
        }
    }
}

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

pub(crate) fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

pub(crate) fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

pub(crate) fn open_tag(name: &str, attrs: &[(String, String)], out: &mut String) {
    out.push('<');
    out.push_str(name);
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_attr(v, out);
        out.push('"');
    }
    out.push('>');
}

pub(crate) fn close_tag(name: &str, out: &mut String) {
    if !VOID.contains(&name) {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

pub(crate) fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) => escape_text(t, out),
        Node::Element(e) => {
            open_tag(&e.name, &e.attrs, out);
            for child in &e.children {
                write_node(child, out);
            }
            close_tag(&e.name, out);
        }
    }
}

/// capa turns `<startouttext/>`/`<endouttext/>` into `<text>`/`</text>` textually, before
/// parsing (`re.sub(r"startouttext\s*/", "text", …)`).
fn rewrite_outtext(xml: &str) -> String {
    let mut out = xml.to_owned();
    for (word, replacement) in [("startouttext", "text"), ("endouttext", "/text")] {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(word) {
            let after = &rest[pos + word.len()..];
            let trimmed = after.trim_start_matches(|c: char| c.is_whitespace());
            if let Some(tail) = trimmed.strip_prefix('/') {
                result.push_str(&rest[..pos]);
                result.push_str(replacement);
                rest = tail;
            } else {
                result.push_str(&rest[..pos + word.len()]);
                rest = after;
            }
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Parse problem XML: no DTD (so no custom entities), bounded size and depth.
pub(crate) fn parse_document(xml: &str) -> Result<Element, DomainError> {
    if xml.len() > MAX_XML_BYTES {
        return Err(DomainError::new("lyceum-error-capa-too-large"));
    }
    let text = rewrite_outtext(xml);
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => DomainError::new("lyceum-error-capa-dtd"),
        roxmltree::Error::NodesLimitReached => DomainError::new("lyceum-error-capa-too-large"),
        other => DomainError::new("lyceum-error-capa-xml").with_arg(other.to_string()),
    })?;
    convert(doc.root_element(), 0)
}

fn convert(node: roxmltree::Node<'_, '_>, depth: usize) -> Result<Element, DomainError> {
    if depth > MAX_DEPTH {
        return Err(DomainError::new("lyceum-error-capa-too-large"));
    }
    let attrs = node
        .attributes()
        .map(|a| {
            let name = match a.namespace() {
                Some("http://www.w3.org/XML/1998/namespace") => format!("xml:{}", a.name()),
                _ => a.name().to_owned(),
            };
            (name, a.value().to_owned())
        })
        .collect();
    let mut children = Vec::new();
    for child in node.children() {
        if child.is_element() {
            children.push(Node::Element(convert(child, depth + 1)?));
        } else if child.is_text()
            && let Some(t) = child.text()
        {
            children.push(Node::Text(t.to_owned()));
        }
    }
    Ok(Element {
        name: node.tag_name().name().to_owned(),
        attrs,
        children,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outtext_is_rewritten_and_comments_dropped() {
        let e =
            parse_document("<problem><startouttext />Hi<!-- c --> there<endouttext/></problem>")
                .unwrap();
        let text = e.first_named("text").unwrap();
        assert_eq!(text.all_text(), "Hi there");
        assert_eq!(text.text(), Some("Hi"));
    }

    #[test]
    fn dtd_is_rejected() {
        let err =
            parse_document("<!DOCTYPE p [<!ENTITY x \"y\">]><problem>&x;</problem>").unwrap_err();
        assert_eq!(err.key.0, "lyceum-error-capa-dtd");
    }

    #[test]
    fn depth_is_capped() {
        let xml = format!("{}{}", "<a>".repeat(150), "</a>".repeat(150));
        assert!(parse_document(&xml).is_err());
    }
}
