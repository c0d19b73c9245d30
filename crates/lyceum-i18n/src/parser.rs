//! Parses one banana message into a syntax tree, following banana-i18n's grammar (`src/ast.js`).
//!
//! The grammar is a PEG: every rule either matches and advances, or fails and leaves the
//! position where it was. Positions are counted in characters (Unicode scalar values), which
//! equals banana-i18n's UTF-16 positions for text in the Basic Multilingual Plane.
//!
//! Deliberate differences from banana-i18n, all of which only turn what it reports as a
//! parse error (or mangles) into something sensible:
//! - a `<` that does not start a tag, and a `$` not followed by a digit, are plain text;
//! - attribute names may contain digits and `-` (so the whitelisted `aria-*` can match);
//! - `<br>` and `<wbr>` are allowed without a closing tag;
//! - an unknown `{{magic:…}}` word is a parse error here, not a failure while rendering.

use std::fmt;

use crate::markup;

/// Magic words (`{{NAME:…}}`) the renderer knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Magic {
    Plural,
    Gender,
    Grammar,
    Bidi,
    Formatnum,
    Lc,
    Uc,
    Lcfirst,
    Ucfirst,
}

impl Magic {
    fn from_name(name: &str) -> Option<Magic> {
        Some(match name.trim().to_lowercase().as_str() {
            "plural" => Magic::Plural,
            "gender" => Magic::Gender,
            "grammar" => Magic::Grammar,
            "bidi" => Magic::Bidi,
            "formatnum" => Magic::Formatnum,
            "lc" => Magic::Lc,
            "uc" => Magic::Uc,
            "lcfirst" => Magic::Lcfirst,
            "ucfirst" => Magic::Ucfirst,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// Message text, with backslash escapes and character references already resolved.
    Text(String),
    /// `$n`, 1-based as written.
    Param(usize),
    /// `{{NAME:first|second|…}}`; `args[0]` is what follows the colon.
    Template { magic: Magic, args: Vec<Vec<Node>> },
    /// `[[target|label]]`
    WikiLink {
        target: Vec<Node>,
        label: Option<Vec<Node>>,
    },
    /// `[target label]`; `space` is kept to show a refused link as it was written.
    ExtLink {
        target: Vec<Node>,
        space: String,
        label: Vec<Node>,
    },
    /// A whitelisted element; attribute names lowercased, values decoded.
    Element {
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
        void: bool,
    },
    /// Markup that is not allowed: its tags are shown as text, its content is still parsed.
    Escaped {
        open: String,
        children: Vec<Node>,
        close: String,
    },
}

/// A message that does not follow the banana syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset (Unicode scalar values, from 0) where parsing stopped.
    pub position: usize,
    detail: String,
    input: String,
}

impl ParseError {
    /// The message text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Parse error at position {}{} in input: {}",
            self.position, self.detail, self.input
        )
    }
}

impl std::error::Error for ParseError {}

/// Deep nesting and PEG backtracking are both bounded so that a hostile message cannot
/// overflow the stack or take exponential time.
const MAX_DEPTH: usize = 40;
const BASE_STEP_BUDGET: usize = 200_000;

#[derive(Clone, Copy)]
enum LiteralKind {
    /// Top-level and element content: stops at `{ } $ < \` (and `[ ]` with wikilinks).
    Regular,
    /// Template parameters: stops at `{ } $ \ |` (and `[ ]`); `<` is plain text here.
    WithoutBar,
    /// External link targets: stops at `{ } $` and whitespace (and `[ ]`).
    WithoutSpace,
}

struct Parser<'a> {
    src: &'a str,
    chars: Vec<char>,
    pos: usize,
    wikilinks: bool,
    depth: usize,
    steps: usize,
    budget: usize,
    unknown: Option<(usize, String)>,
}

/// Parses `message`; `wikilinks` decides whether `[` and `]` are link syntax or text.
pub(crate) fn parse(message: &str, wikilinks: bool) -> Result<Vec<Node>, ParseError> {
    // banana-i18n only runs its grammar when the message has markup; plain messages just get
    // `$n` replaced, so stray braces or backslashes in them are text, not errors.
    let needs_grammar =
        message.contains("{{") || message.contains('<') || (wikilinks && message.contains('['));
    if !needs_grammar {
        return Ok(parse_simple(message));
    }
    let chars: Vec<char> = message.chars().collect();
    let budget = BASE_STEP_BUDGET.saturating_add(chars.len().saturating_mul(200));
    let mut p = Parser {
        src: message,
        chars,
        pos: 0,
        wikilinks,
        depth: 0,
        steps: 0,
        budget,
        unknown: None,
    };
    let nodes = p.expressions();
    if p.steps > p.budget {
        return Err(p.error(" (message too complex)".to_owned()));
    }
    if p.pos != p.chars.len() {
        return Err(p.error(String::new()));
    }
    if let Some((position, name)) = p.unknown.take() {
        return Err(ParseError {
            position,
            detail: format!(" (unknown magic word \"{}\")", name.trim()),
            input: message.to_owned(),
        });
    }
    Ok(nodes)
}

fn parse_simple(message: &str) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut text = String::new();
    let mut rest = message;
    while let Some(dollar) = rest.find('$') {
        let after = &rest[dollar + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            text.push_str(&rest[..=dollar]);
            rest = after;
            continue;
        }
        text.push_str(&rest[..dollar]);
        if !text.is_empty() {
            nodes.push(Node::Text(markup::decode_references(&text)));
            text.clear();
        }
        nodes.push(Node::Param(parse_index(&after[..digits])));
        rest = &after[digits..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        nodes.push(Node::Text(markup::decode_references(&text)));
    }
    nodes
}

fn parse_index(digits: &str) -> usize {
    // An absurd index can never have a value, so saturating keeps it a missing parameter.
    digits.parse().unwrap_or(usize::MAX)
}

fn is_template_name_char(c: char) -> bool {
    // banana-i18n's character class for names; `:` is excluded to find "PLURAL:".
    c.is_ascii_alphanumeric()
        || " !\"$&'()*,./;=?@^_`~+-".contains(c)
        || ('\u{80}'..='\u{ff}').contains(&c)
}

impl Parser<'_> {
    fn error(&self, detail: String) -> ParseError {
        ParseError {
            position: self.pos,
            detail,
            input: self.src.to_owned(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let start = self.pos;
        for c in s.chars() {
            if !self.eat(c) {
                self.pos = start;
                return false;
            }
        }
        true
    }

    /// Counts work; once over budget every rule fails, which ends the parse quickly.
    fn tick(&mut self) -> bool {
        self.steps += 1;
        self.steps <= self.budget
    }

    fn slice(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    fn eat_whitespace(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn ascii_word(&mut self) -> Option<String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        (self.pos > start).then(|| self.slice(start, self.pos))
    }

    /// `expression*` at the top level, in element content and in link labels.
    fn expressions(&mut self) -> Vec<Node> {
        let mut nodes = Vec::new();
        while let Some(node) = self.expression() {
            push_node(&mut nodes, node);
        }
        nodes
    }

    fn expression(&mut self) -> Option<Node> {
        if !self.tick() || self.pos >= self.chars.len() {
            return None;
        }
        if let Some(n) = self.template() {
            return Some(n);
        }
        if let Some(n) = self.replacement() {
            return Some(n);
        }
        if self.wikilinks {
            if let Some(n) = self.wikilink() {
                return Some(n);
            }
            if let Some(n) = self.extlink() {
                return Some(n);
            }
        }
        if let Some(n) = self.html() {
            return Some(n);
        }
        if let Some(n) = self.literal(LiteralKind::Regular) {
            return Some(n);
        }
        self.lenient()
    }

    /// Inside template parameters and wiki link targets.
    fn param_expression(&mut self) -> Option<Node> {
        if !self.tick() || self.pos >= self.chars.len() {
            return None;
        }
        if let Some(n) = self.template() {
            return Some(n);
        }
        if let Some(n) = self.replacement() {
            return Some(n);
        }
        if let Some(n) = self.literal(LiteralKind::WithoutBar) {
            return Some(n);
        }
        self.lenient_dollar()
    }

    /// Inside external link targets.
    fn non_whitespace_expression(&mut self) -> Option<Node> {
        if !self.tick() || self.pos >= self.chars.len() {
            return None;
        }
        if let Some(n) = self.template() {
            return Some(n);
        }
        if let Some(n) = self.replacement() {
            return Some(n);
        }
        if let Some(n) = self.wikilink() {
            return Some(n);
        }
        if let Some(n) = self.extlink() {
            return Some(n);
        }
        if let Some(n) = self.literal(LiteralKind::WithoutSpace) {
            return Some(n);
        }
        self.lenient_dollar()
    }

    fn lenient(&mut self) -> Option<Node> {
        if self.peek() == Some('<') && self.peek_at(1) != Some('/') {
            self.pos += 1;
            return Some(Node::Text("<".to_owned()));
        }
        self.lenient_dollar()
    }

    fn lenient_dollar(&mut self) -> Option<Node> {
        if self.peek() == Some('$') && !self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            return Some(Node::Text("$".to_owned()));
        }
        None
    }

    fn literal(&mut self, kind: LiteralKind) -> Option<Node> {
        let start = self.pos;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                if let Some(escaped) = self.peek_at(1) {
                    text.push(escaped);
                    self.pos += 2;
                    continue;
                }
                // A final backslash has nothing to escape; only link targets take it as text.
                if matches!(kind, LiteralKind::WithoutSpace) {
                    text.push(c);
                    self.pos += 1;
                }
                break;
            }
            let stop = matches!(c, '{' | '}' | '$')
                || (self.wikilinks && matches!(c, '[' | ']'))
                || match kind {
                    LiteralKind::Regular => c == '<',
                    LiteralKind::WithoutBar => c == '|',
                    LiteralKind::WithoutSpace => c.is_whitespace(),
                };
            if stop {
                break;
            }
            text.push(c);
            self.pos += 1;
        }
        (self.pos > start).then(|| Node::Text(markup::decode_references(&text)))
    }

    fn replacement(&mut self) -> Option<Node> {
        if self.peek() != Some('$') {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits_start {
            self.pos = start;
            return None;
        }
        Some(Node::Param(parse_index(
            &self.slice(digits_start, self.pos),
        )))
    }

    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    fn template(&mut self) -> Option<Node> {
        if self.peek() != Some('{') || self.peek_at(1) != Some('{') || !self.enter() {
            return None;
        }
        let start = self.pos;
        self.pos += 2;
        let result = self.template_contents().and_then(|(name, args)| {
            if self.eat_str("}}") {
                Some((name, args))
            } else {
                None
            }
        });
        self.depth -= 1;
        let Some((name, args)) = result else {
            self.pos = start;
            return None;
        };
        match Magic::from_name(&name) {
            Some(magic) => Some(Node::Template { magic, args }),
            None => {
                // Remember the first one in the text but keep parsing, so that a syntax error
                // earlier in the message is the one reported.
                if self.unknown.as_ref().is_none_or(|(p, _)| start < *p) {
                    self.unknown = Some((start, name));
                }
                Some(Node::Text(String::new()))
            }
        }
    }

    fn template_contents(&mut self) -> Option<(String, Vec<Vec<Node>>)> {
        let name_start = self.pos;
        while self.peek().is_some_and(is_template_name_char) {
            self.pos += 1;
        }
        if self.pos == name_start {
            return None;
        }
        let name = self.slice(name_start, self.pos);
        let mut args = Vec::new();
        if self.eat(':') {
            // The first argument is a single expression: `{{PLURAL:$1|…}}`, `{{GRAMMAR:case|…}}`
            // or empty as in `{{GENDER:|…}}`.
            let first = match self.param_expression() {
                Some(node) => vec![node],
                None => Vec::new(),
            };
            args.push(first);
        }
        while let Some(arg) = self.template_param() {
            args.push(arg);
        }
        Some((name, args))
    }

    fn template_param(&mut self) -> Option<Vec<Node>> {
        if !self.eat('|') {
            return None;
        }
        let mut nodes = Vec::new();
        while let Some(node) = self.param_expression() {
            push_node(&mut nodes, node);
        }
        Some(nodes)
    }

    fn wikilink(&mut self) -> Option<Node> {
        if self.peek() != Some('[') || self.peek_at(1) != Some('[') || !self.enter() {
            return None;
        }
        let start = self.pos;
        self.pos += 2;
        let result = self.wikilink_contents().filter(|_| self.eat_str("]]"));
        self.depth -= 1;
        if result.is_none() {
            self.pos = start;
        }
        result.map(|(target, label)| Node::WikiLink { target, label })
    }

    fn wikilink_contents(&mut self) -> Option<(Vec<Node>, Option<Vec<Node>>)> {
        let start = self.pos;
        let mut target = Vec::new();
        while let Some(node) = self.param_expression() {
            push_node(&mut target, node);
        }
        if target.is_empty() {
            self.pos = start;
            return None;
        }
        let after_target = self.pos;
        if self.eat('|') {
            let label = self.expressions();
            if !label.is_empty() {
                return Some((target, Some(label)));
            }
            self.pos = after_target;
        }
        Some((target, None))
    }

    fn extlink(&mut self) -> Option<Node> {
        if self.peek() != Some('[') || !self.enter() {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        let result = self.extlink_contents();
        self.depth -= 1;
        if result.is_none() {
            self.pos = start;
        }
        result
    }

    fn extlink_contents(&mut self) -> Option<Node> {
        let mut target = Vec::new();
        while let Some(node) = self.non_whitespace_expression() {
            push_node(&mut target, node);
        }
        if target.is_empty() {
            return None;
        }
        let space_start = self.pos;
        if !self.eat_whitespace() {
            return None;
        }
        let space = self.slice(space_start, self.pos);
        let label = self.expressions();
        if label.is_empty() || !self.eat(']') {
            return None;
        }
        Some(Node::ExtLink {
            target,
            space,
            label,
        })
    }

    /// `<tag attrs>content</tag>`; returns `None` only when no opening tag is there.
    fn html(&mut self) -> Option<Node> {
        if self.peek() != Some('<') || !self.enter() {
            return None;
        }
        let result = self.html_inner();
        self.depth -= 1;
        result
    }

    fn html_inner(&mut self) -> Option<Node> {
        let start = self.pos;
        let Some((name, attrs)) = self.open_tag() else {
            self.pos = start;
            return None;
        };
        let end_open = self.pos;
        let lower = name.to_ascii_lowercase();
        let attrs_allowed = attrs
            .iter()
            .all(|(n, v)| markup::is_allowed_attribute(n, v));
        if markup::is_void_element(&lower) && attrs_allowed {
            return Some(Node::Element {
                name: lower,
                attrs: dedup_attrs(attrs),
                children: Vec::new(),
                void: true,
            });
        }
        let children = self.expressions();
        let start_close = self.pos;
        let Some(close_name) = self.close_tag() else {
            // No closing tag: banana-i18n keeps the opening tag and the content; the tag is
            // not trusted as markup here.
            return Some(Node::Escaped {
                open: self.slice(start, end_open),
                children,
                close: String::new(),
            });
        };
        if lower == close_name.to_ascii_lowercase()
            && markup::is_allowed_element(&lower)
            && attrs_allowed
        {
            Some(Node::Element {
                name: lower,
                attrs: dedup_attrs(attrs),
                children,
                void: false,
            })
        } else {
            Some(Node::Escaped {
                open: self.slice(start, end_open),
                children,
                close: self.slice(start_close, self.pos),
            })
        }
    }

    fn open_tag(&mut self) -> Option<(String, Vec<(String, String)>)> {
        if !self.eat('<') {
            return None;
        }
        let name = self.ascii_word()?;
        let mut attrs = Vec::new();
        while let Some(attr) = self.attribute() {
            attrs.push(attr);
        }
        self.eat('/');
        self.eat_whitespace();
        self.eat('>').then_some((name, attrs))
    }

    fn close_tag(&mut self) -> Option<String> {
        let start = self.pos;
        if !self.eat_str("</") {
            return None;
        }
        let Some(name) = self.ascii_word() else {
            self.pos = start;
            return None;
        };
        self.eat_whitespace();
        if self.eat('>') {
            Some(name)
        } else {
            self.pos = start;
            None
        }
    }

    fn attribute(&mut self) -> Option<(String, String)> {
        let start = self.pos;
        let result = self.attribute_inner();
        if result.is_none() {
            self.pos = start;
        }
        result
    }

    fn attribute_inner(&mut self) -> Option<(String, String)> {
        if !self.eat_whitespace() {
            return None;
        }
        let name_start = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            self.pos += 1;
        }
        let name = self.slice(name_start, self.pos).to_ascii_lowercase();
        self.eat_whitespace();
        if !self.eat('=') {
            return None;
        }
        self.eat_whitespace();
        let quote = self.peek().filter(|c| *c == '"' || *c == '\'')?;
        self.pos += 1;
        let value_start = self.pos;
        while self.peek().is_some_and(|c| c != quote) {
            self.pos += 1;
        }
        let value = self.slice(value_start, self.pos);
        if !self.eat(quote) {
            return None;
        }
        Some((name, markup::decode_references(&value)))
    }
}

/// Later duplicates of an attribute win, as in banana-i18n's attribute map.
fn dedup_attrs(attrs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(attrs.len());
    for (name, value) in attrs {
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = value,
            None => out.push((name, value)),
        }
    }
    out
}

/// Appends a node, merging adjacent text so that the tree stays small.
fn push_node(nodes: &mut Vec<Node>, node: Node) {
    if let Node::Text(t) = &node {
        if t.is_empty() {
            return;
        }
        if let Some(Node::Text(prev)) = nodes.last_mut() {
            prev.push_str(t);
            return;
        }
    }
    nodes.push(node);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Node {
        Node::Text(s.to_owned())
    }

    #[test]
    fn simple_messages_never_fail() {
        assert_eq!(
            parse("50% off {today} \\o/ $1", false),
            Ok(vec![text("50% off {today} \\o/ "), Node::Param(1)])
        );
    }

    #[test]
    fn error_positions() {
        let err = parse("$1 has $2 {{plural:$2|kitten}. x", false).unwrap_err();
        assert_eq!(err.position, 10);
        assert!(
            err.to_string()
                .starts_with("Parse error at position 10 in input: ")
        );
        let err = parse("{{plural:$1|a}} {{FOO:$1}}", false).unwrap_err();
        assert_eq!(err.position, 16);
        assert!(err.to_string().contains("unknown magic word \"FOO\""));
    }

    #[test]
    fn lenient_text() {
        assert_eq!(
            parse("a < b costs $ {{plural:$1|x}}", false),
            Ok(vec![
                text("a < b costs $ "),
                Node::Template {
                    magic: Magic::Plural,
                    args: vec![vec![Node::Param(1)], vec![text("x")]]
                }
            ])
        );
    }

    #[test]
    fn void_and_aria() {
        let nodes = parse("a<br/>b <span aria-label=\"x\">c</span>", false).unwrap();
        assert!(matches!(&nodes[1], Node::Element { name, void: true, .. } if name == "br"));
        assert!(matches!(&nodes[3], Node::Element { name, attrs, .. }
            if name == "span" && attrs == &vec![("aria-label".to_owned(), "x".to_owned())]));
    }

    #[test]
    fn hostile_input_terminates() {
        let deep = "{{plural:".repeat(10_000);
        assert!(parse(&deep, true).is_err());
        let brackets = "[".repeat(5_000) + "x";
        let _ = parse(&brackets, true);
    }
}
