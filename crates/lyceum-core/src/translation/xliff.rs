//! XLIFF 2.0 exchange of a course's translations (issue 17): a language written as a file
//! for offline tools and machine translation, and such a file read back and checked.
//!
//! Inline HTML is not sent as escaped text: its elements become XLIFF inline codes, `<pc>`
//! for an element with content (a link, emphasis) and `<ph>` for one without (`<br>`,
//! `<img>`, a tag without its pair), with the original tags in the unit's
//! `<originalData>` for tools to show. A target read back is rebuilt with the tags of the
//! source segment as the server has it, matched by the codes' ids, never with the file's
//! `<originalData>`: a file cannot bring in an attribute or an element the source lacks.

use super::Segment;
use super::html::{VOID, tag_end};
use std::collections::{HashMap, HashSet};

/// The XLIFF 2 namespace (XLIFF 2.1 keeps it).
pub const NAMESPACE: &str = "urn:oasis:names:tc:xliff:document:2.0";

/// The largest file read back: a course's text many times over.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// How deep inline codes may nest in a file read back (sanitised HTML nests far less).
pub const MAX_CODE_DEPTH: usize = 32;

/// A place in a file: 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Inline content of a source or a target: text, and codes standing for the segment's tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// An element with content (`<a …>…</a>`), by the id of its code.
    Pc {
        id: String,
        at: Pos,
        content: Vec<Inline>,
    },
    /// A tag standing alone: an empty element (`<br>`), or a tag without its pair.
    Ph {
        id: String,
        at: Pos,
    },
}

/// Whether two contents say the same, wherever they are in a file.
pub fn same(a: &[Inline], b: &[Inline]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Inline::Text(x), Inline::Text(y)) => x == y,
            (
                Inline::Pc {
                    id: i, content: c, ..
                },
                Inline::Pc {
                    id: j, content: d, ..
                },
            ) => i == j && same(c, d),
            (Inline::Ph { id: i, .. }, Inline::Ph { id: j, .. }) => i == j,
            _ => false,
        })
}

/// A segment's state in a file, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Initial,
    Translated,
    Reviewed,
    Final,
}

impl State {
    fn parse(s: &str) -> Option<State> {
        match s {
            "initial" => Some(State::Initial),
            "translated" => Some(State::Translated),
            "reviewed" => Some(State::Reviewed),
            "final" => Some(State::Final),
            _ => None,
        }
    }
}

// ---------- A segment's inline HTML as codes ----------

/// The tags a code stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Code {
    Paired {
        name: String,
        start: String,
        end: String,
    },
    Alone {
        name: Option<String>,
        tag: String,
    },
}

impl Code {
    fn same_element(&self, other: &Code) -> bool {
        match (self, other) {
            (Code::Paired { name: a, .. }, Code::Paired { name: b, .. }) => a == b,
            (Code::Alone { name: a, .. }, Code::Alone { name: b, .. }) => a == b,
            _ => false,
        }
    }

    /// XLIFF's `type` (and `subType`) of the code, for tools that show them.
    fn kind_attributes(&self) -> &'static str {
        match self {
            Code::Paired { name, .. } => match name.as_str() {
                "a" => r#" type="link""#,
                "b" | "strong" => r#" type="fmt" subType="xlf:b""#,
                "i" | "em" => r#" type="fmt" subType="xlf:i""#,
                "u" => r#" type="fmt" subType="xlf:u""#,
                _ => r#" type="fmt""#,
            },
            Code::Alone { name, .. } => match name.as_deref() {
                Some("br") => r#" type="fmt" subType="xlf:lb""#,
                Some("img") => r#" type="image""#,
                _ => "",
            },
        }
    }
}

/// A segment as XLIFF content, with its codes numbered `1`, `2`… in reading order.
struct Split {
    content: Vec<Inline>,
    codes: Vec<(String, Code)>,
}

fn split(segment: &Segment) -> Split {
    if segment.html {
        split_html(&segment.text)
    } else {
        Split {
            content: text_content(&segment.text),
            codes: Vec::new(),
        }
    }
}

fn text_content(text: &str) -> Vec<Inline> {
    if text.is_empty() {
        Vec::new()
    } else {
        vec![Inline::Text(text.to_owned())]
    }
}

/// Sanitised inline HTML read as it comes: text (entities decoded), and tags.
enum Token<'a> {
    Text(String),
    Open { name: String, raw: &'a str },
    Close { name: String, raw: &'a str },
    Alone { name: Option<String>, raw: &'a str },
}

fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with('<')
            && let Some((len, token)) = tag(rest)
        {
            if !text.is_empty() {
                out.push(Token::Text(std::mem::take(&mut text)));
            }
            out.push(token);
            i += len;
        } else if rest.starts_with('&')
            && let Some((c, len)) = entity(rest)
        {
            text.push(c);
            i += len;
        } else {
            let len = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c == '<' || c == '&')
                .map_or(rest.len(), |(n, _)| n);
            text.push_str(&rest[..len]);
            i += len;
        }
    }
    if !text.is_empty() {
        out.push(Token::Text(text));
    }
    out
}

/// The tag `rest` starts with, and its length; `None` for a `<` that starts no tag.
fn tag(rest: &str) -> Option<(usize, Token<'_>)> {
    if rest.starts_with("<!--") {
        let len = rest.find("-->").map_or(rest.len(), |n| n + 3);
        let raw = &rest[..len];
        return Some((len, Token::Alone { name: None, raw }));
    }
    let b = rest.as_bytes();
    let closing = b.get(1) == Some(&b'/');
    let first = *b.get(if closing { 2 } else { 1 })?;
    let other = !closing && matches!(first, b'!' | b'?');
    if !first.is_ascii_alphabetic() && !other {
        return None;
    }
    let len = tag_end(b, 0);
    let raw = &rest[..len];
    if other {
        return Some((len, Token::Alone { name: None, raw }));
    }
    let name = raw[if closing { 2 } else { 1 }..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        .collect::<String>()
        .to_ascii_lowercase();
    let token = if closing {
        Token::Close { name, raw }
    } else if raw.trim_end_matches('>').ends_with('/') || VOID.contains(&name.as_str()) {
        Token::Alone {
            name: Some(name),
            raw,
        }
    } else {
        Token::Open { name, raw }
    };
    Some((len, token))
}

/// The character an entity at the start of `rest` stands for, and the entity's length.
/// The sanitiser writes only `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&nbsp;`; a problem's
/// XML may have `&apos;` and numeric references. Anything else stays as it is written.
fn entity(rest: &str) -> Option<(char, usize)> {
    let end = rest.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let c = match &rest[1..end] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        name => {
            let num = name.strip_prefix('#')?;
            let n = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(n).filter(|&c| c != '\0')?
        }
    };
    Some((c, end + 1))
}

fn split_html(html: &str) -> Split {
    let tokens = tokens(html);
    // Each opening tag's closing tag: the nearest open element of its name; elements
    // opened inside it and never closed stand alone.
    let mut partner: Vec<Option<usize>> = vec![None; tokens.len()];
    let mut open: Vec<usize> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        match t {
            Token::Open { .. } => open.push(k),
            Token::Close { name, .. } => {
                let found = open
                    .iter()
                    .rposition(|&o| matches!(&tokens[o], Token::Open { name: n, .. } if n == name));
                if let Some(depth) = found {
                    partner[open[depth]] = Some(k);
                    open.truncate(depth);
                }
            }
            _ => {}
        }
    }
    let mut codes = Vec::new();
    let content = build(&tokens, &partner, 0..tokens.len(), &mut codes);
    Split { content, codes }
}

fn build(
    tokens: &[Token<'_>],
    partner: &[Option<usize>],
    range: std::ops::Range<usize>,
    codes: &mut Vec<(String, Code)>,
) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut k = range.start;
    while k < range.end {
        let id = || (codes.len() + 1).to_string();
        match (&tokens[k], partner[k]) {
            (Token::Open { name, raw }, Some(end)) => {
                let close = match &tokens[end] {
                    Token::Close { raw, .. } => *raw,
                    _ => "",
                };
                let id = id();
                codes.push((
                    id.clone(),
                    Code::Paired {
                        name: name.clone(),
                        start: (*raw).to_owned(),
                        end: close.to_owned(),
                    },
                ));
                let content = build(tokens, partner, k + 1..end, codes);
                out.push(Inline::Pc {
                    id,
                    at: Pos::default(),
                    content,
                });
                k = end + 1;
                continue;
            }
            (Token::Text(t), _) => out.push(Inline::Text(t.clone())),
            (Token::Open { name, raw } | Token::Close { name, raw }, _) => {
                let id = id();
                codes.push((
                    id.clone(),
                    Code::Alone {
                        name: Some(name.clone()),
                        tag: (*raw).to_owned(),
                    },
                ));
                out.push(Inline::Ph {
                    id,
                    at: Pos::default(),
                });
            }
            (Token::Alone { name, raw }, _) => {
                let id = id();
                codes.push((
                    id.clone(),
                    Code::Alone {
                        name: name.clone(),
                        tag: (*raw).to_owned(),
                    },
                ));
                out.push(Inline::Ph {
                    id,
                    at: Pos::default(),
                });
            }
        }
        k += 1;
    }
    out
}

/// A segment's source as XLIFF content (to compare with a file's `<source>`).
pub fn source_content(segment: &Segment) -> Vec<Inline> {
    split(segment).content
}

/// A translation of `segment` as XLIFF content, its codes given the ids of the source's
/// codes for the same elements (the same tag when there is one, otherwise the first of
/// that element not taken): a translation's order of elements may differ from the
/// source's. `None` when its elements are not the source's.
pub fn target_content(segment: &Segment, translation: &str) -> Option<Vec<Inline>> {
    target_of(segment, &split(segment), translation)
}

fn target_of(segment: &Segment, source: &Split, translation: &str) -> Option<Vec<Inline>> {
    if !segment.html {
        return Some(text_content(translation));
    }
    let target = split_html(translation);
    let mut free: Vec<&(String, Code)> = source.codes.iter().collect();
    let mut ids: HashMap<&str, String> = HashMap::new();
    for (id, code) in &target.codes {
        let k = free
            .iter()
            .position(|(_, c)| c == code)
            .or_else(|| free.iter().position(|(_, c)| c.same_element(code)))?;
        ids.insert(id, free.remove(k).0.clone());
    }
    fn renumber(content: Vec<Inline>, ids: &HashMap<&str, String>) -> Vec<Inline> {
        content
            .into_iter()
            .map(|i| match i {
                Inline::Pc { id, at, content } => Inline::Pc {
                    id: ids.get(id.as_str()).cloned().unwrap_or(id),
                    at,
                    content: renumber(content, ids),
                },
                Inline::Ph { id, at } => Inline::Ph {
                    id: ids.get(id.as_str()).cloned().unwrap_or(id),
                    at,
                },
                text => text,
            })
            .collect()
    }
    Some(renumber(target.content, &ids))
}

// ---------- Writing a file ----------

/// One segment as written to a file.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub segment: &'a Segment,
    /// Its translation, if it has one.
    pub translation: Option<&'a str>,
    /// When the translation is outdated: the source text it was made from.
    pub outdated_from: Option<&'a str>,
}

/// The note's category for what Lyceum says about a unit.
const NOTE_CATEGORY: &str = "lyceum";

/// An XLIFF 2.0 document of a course's segments in one language, one `<unit>` per segment
/// (its id the segment's) in one `<file>` whose `original` is the course's key. A
/// translation made from the source as it is now is `translated`; an outdated one is
/// `initial` with `subState="lyceum:outdated"` and a note giving the source it was made
/// from, so tools offer it for review; an untranslated segment has no `<target>`.
pub fn write(src_lang: &str, trg_lang: &str, original: &str, entries: &[Entry<'_>]) -> String {
    let mut out = String::with_capacity(512 + entries.len() * 256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<xliff xmlns=\"");
    out.push_str(NAMESPACE);
    out.push_str("\" version=\"2.0\" srcLang=\"");
    push_attr(&mut out, src_lang);
    out.push_str("\" trgLang=\"");
    push_attr(&mut out, trg_lang);
    out.push_str("\">\n  <file id=\"f1\" original=\"");
    push_attr(&mut out, original);
    out.push_str("\" xml:space=\"preserve\">\n");
    for e in entries {
        write_unit(&mut out, e);
    }
    out.push_str("  </file>\n</xliff>\n");
    out
}

fn write_unit(out: &mut String, e: &Entry<'_>) {
    let source = split(e.segment);
    let target = e.translation.map(|t| target_of(e.segment, &source, t));
    let outdated_from = e.outdated_from.filter(|_| e.translation.is_some());
    let mut notes = Vec::new();
    if let Some(from) = outdated_from {
        let from = if e.segment.html {
            plain_text(from)
        } else {
            from.to_owned()
        };
        notes.push(format!(
            "Outdated: this translation was made from an earlier source text: {from}"
        ));
    }
    if matches!(target, Some(None)) {
        notes.push(
            "The saved translation is left out: its markup is not the source's. Translate this segment again."
                .to_owned(),
        );
    }
    let target = target.flatten();

    out.push_str("    <unit id=\"");
    push_attr(out, &e.segment.id);
    out.push_str("\">\n");
    if !notes.is_empty() {
        out.push_str("      <notes>\n");
        for n in &notes {
            out.push_str("        <note category=\"");
            out.push_str(NOTE_CATEGORY);
            out.push_str("\" appliesTo=\"target\">");
            push_text(out, n, false);
            out.push_str("</note>\n");
        }
        out.push_str("      </notes>\n");
    }
    // One `<data>` per distinct tag, shared by the codes that use it.
    let mut data: Vec<&str> = Vec::new();
    let mut refs: HashMap<&str, (&Code, String, Option<String>)> = HashMap::new();
    fn data_id<'a>(tag: &'a str, data: &mut Vec<&'a str>) -> String {
        let n = data.iter().position(|d| *d == tag).unwrap_or_else(|| {
            data.push(tag);
            data.len() - 1
        });
        format!("d{}", n + 1)
    }
    for (id, code) in &source.codes {
        let r = match code {
            Code::Paired { start, end, .. } => {
                let s = data_id(start, &mut data);
                (code, s, Some(data_id(end, &mut data)))
            }
            Code::Alone { tag, .. } => (code, data_id(tag, &mut data), None),
        };
        refs.insert(id, r);
    }
    if !data.is_empty() {
        out.push_str("      <originalData>\n");
        for (n, d) in data.iter().enumerate() {
            out.push_str(&format!("        <data id=\"d{}\">", n + 1));
            push_text(out, d, true);
            out.push_str("</data>\n");
        }
        out.push_str("      </originalData>\n");
    }
    let state = match (&target, outdated_from) {
        (Some(_), None) => "translated\"",
        (Some(_), Some(_)) => "initial\" subState=\"lyceum:outdated\"",
        (None, _) => "initial\"",
    };
    out.push_str("      <segment state=\"");
    out.push_str(state);
    out.push_str(">\n        <source>");
    write_inline(out, &source.content, &refs);
    out.push_str("</source>\n");
    if let Some(t) = &target {
        out.push_str("        <target>");
        write_inline(out, t, &refs);
        out.push_str("</target>\n");
    }
    out.push_str("      </segment>\n    </unit>\n");
}

fn write_inline(
    out: &mut String,
    content: &[Inline],
    refs: &HashMap<&str, (&Code, String, Option<String>)>,
) {
    for i in content {
        match i {
            Inline::Text(t) => push_text(out, t, true),
            Inline::Pc { id, content, .. } => {
                let (kind, start, end) = match refs.get(id.as_str()) {
                    Some((code, start, Some(end))) => (code.kind_attributes(), start, end),
                    // Never: contents are made from the source's own codes.
                    _ => {
                        write_inline(out, content, refs);
                        continue;
                    }
                };
                out.push_str("<pc id=\"");
                push_attr(out, id);
                out.push_str(&format!(
                    "\" dataRefStart=\"{start}\" dataRefEnd=\"{end}\"{kind}>"
                ));
                write_inline(out, content, refs);
                out.push_str("</pc>");
            }
            Inline::Ph { id, .. } => {
                if let Some((code, data, None)) = refs.get(id.as_str()) {
                    out.push_str("<ph id=\"");
                    push_attr(out, id);
                    out.push_str(&format!(
                        "\" dataRef=\"{data}\"{}/>",
                        code.kind_attributes()
                    ));
                }
            }
        }
    }
}

/// The text of inline HTML, its tags left out (for a note).
fn plain_text(html: &str) -> String {
    tokens(html)
        .into_iter()
        .filter_map(|t| match t {
            Token::Text(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// Characters XML 1.0 can carry.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text content. A carriage return is written as a reference (parsers would read it as a
/// line feed); a character XML cannot carry becomes XLIFF's `<cp>` where `cp` (inline
/// content and original data), and is left out elsewhere.
fn push_text(out: &mut String, s: &str, cp: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if xml_char(c) => out.push(c),
            c if cp => out.push_str(&format!("<cp hex=\"{:04X}\"/>", u32::from(c))),
            _ => {}
        }
    }
}

fn push_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

// ---------- Reading a file ----------

/// A file read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub src_lang: String,
    pub trg_lang: String,
    /// Where its root element starts.
    pub at: Pos,
    pub files: Vec<FileInfo>,
    /// Every unit of every `<file>` (in groups or not), in document order.
    pub units: Vec<Unit>,
}

/// A `<file>` of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// What it was extracted from: a course's key, in files Lyceum wrote.
    pub original: Option<String>,
    pub at: Pos,
}

/// A unit: one segment of the course, its segments and ignorable parts joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub id: String,
    pub at: Pos,
    pub source: Vec<Inline>,
    /// `None` when no segment has a target, or the targets are only white space.
    pub target: Option<Target>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub content: Vec<Inline>,
    /// Where the (first) `<target>` starts.
    pub at: Pos,
    /// The lowest state of the unit's segments.
    pub state: State,
}

/// What is wrong with a file, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XliffError {
    pub at: Pos,
    pub fault: Fault,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Not well-formed XML: the parser's words (English, technical).
    NotXml(String),
    /// Not `<xliff>` of version 2.0 or 2.1 in the XLIFF 2 namespace.
    NotXliff,
    NoSourceLanguage,
    NoTargetLanguage,
    UnitWithoutId,
    /// A unit's id given twice.
    DuplicateUnit(String),
    /// A unit without a `<segment>`.
    NoSegment(String),
    /// A segment (or ignorable part) of the unit without a `<source>`.
    NoSource(String),
    /// Not one of XLIFF's four states.
    State(String),
    /// Some of the unit's segments have a target and others none.
    IncompleteTarget(String),
    /// An element other than text, `pc`, `ph`, `mrk`, `sm`, `em` and `cp` in a source or
    /// target (`sc`/`ec`, or another namespace's).
    UnexpectedElement(String),
    /// A `pc` or `ph` without an id.
    CodeWithoutId,
    /// Codes nested deeper than [`MAX_CODE_DEPTH`].
    TooDeep,
    /// A code of the target that is none of the source's (or of another kind: a `ph`
    /// where the source has an element with content).
    UnknownCode(String),
    /// A code of the source that the target lacks.
    MissingCode(String),
    /// A code of the source given twice in the target.
    DuplicateCode(String),
}

fn fail(errors: &mut Vec<XliffError>, at: Pos, fault: Fault) {
    errors.push(XliffError { at, fault });
}

/// Read an XLIFF 2 file: every fault found, each at its place, or the document. Markers
/// (`mrk`) keep their text; `sm`/`em` are left out. Codes are not checked against a
/// segment here: see [`rebuild`].
pub fn parse(text: &str) -> Result<Document, Vec<XliffError>> {
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        let p = e.pos();
        let message = e.to_string();
        let message = message
            .strip_suffix(&format!(" at {p}"))
            .map_or(message.clone(), str::to_owned);
        vec![XliffError {
            at: Pos {
                line: p.row,
                column: p.col,
            },
            fault: Fault::NotXml(message),
        }]
    })?;
    let mut r = Reader {
        doc: &doc,
        errors: Vec::new(),
    };
    let root = doc.root_element();
    let at = r.pos(root);
    if !is(root, "xliff") || !matches!(root.attribute("version"), Some("2.0" | "2.1")) {
        return Err(vec![XliffError {
            at,
            fault: Fault::NotXliff,
        }]);
    }
    let lang = |name: &str| {
        root.attribute(name)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
    };
    let src_lang = lang("srcLang").unwrap_or_else(|| {
        fail(&mut r.errors, at, Fault::NoSourceLanguage);
        String::new()
    });
    let trg_lang = lang("trgLang").unwrap_or_else(|| {
        fail(&mut r.errors, at, Fault::NoTargetLanguage);
        String::new()
    });
    let mut files = Vec::new();
    let mut units: Vec<Unit> = Vec::new();
    let mut seen = HashSet::new();
    for file in root.children().filter(|n| is(*n, "file")) {
        files.push(FileInfo {
            original: file.attribute("original").map(str::to_owned),
            at: r.pos(file),
        });
        let in_place = |n: roxmltree::Node<'_, '_>| {
            n.parent().is_some_and(|p| is(p, "file") || is(p, "group"))
        };
        for node in file
            .descendants()
            .filter(|n| is(*n, "unit") && in_place(*n))
        {
            let Some(unit) = r.unit(node) else { continue };
            if seen.insert(unit.id.clone()) {
                units.push(unit);
            } else {
                fail(&mut r.errors, unit.at, Fault::DuplicateUnit(unit.id));
            }
        }
    }
    if r.errors.is_empty() {
        Ok(Document {
            src_lang,
            trg_lang,
            at,
            files,
            units,
        })
    } else {
        let mut errors = r.errors;
        errors.sort_by_key(|e| e.at);
        Err(errors)
    }
}

/// An element of the XLIFF namespace named `name`.
fn is(node: roxmltree::Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(NAMESPACE)
        && node.tag_name().name() == name
}

struct Reader<'a, 'i> {
    doc: &'a roxmltree::Document<'i>,
    errors: Vec<XliffError>,
}

impl Reader<'_, '_> {
    fn pos(&self, node: roxmltree::Node<'_, '_>) -> Pos {
        let p = self.doc.text_pos_at(node.range().start);
        Pos {
            line: p.row,
            column: p.col,
        }
    }

    fn fail(&mut self, at: Pos, fault: Fault) {
        fail(&mut self.errors, at, fault);
    }

    fn unit(&mut self, node: roxmltree::Node<'_, '_>) -> Option<Unit> {
        let at = self.pos(node);
        let Some(id) = node.attribute("id").filter(|id| !id.is_empty()) else {
            self.fail(at, Fault::UnitWithoutId);
            return None;
        };
        let mut source = Vec::new();
        let mut target = Vec::new();
        let mut target_at = None;
        let mut untranslated = false;
        let mut state = State::Final;
        let mut segments = 0;
        for part in node
            .children()
            .filter(|c| is(*c, "segment") || is(*c, "ignorable"))
        {
            let segment = part.tag_name().name() == "segment";
            if segment {
                segments += 1;
                let s = match part.attribute("state") {
                    None => State::Initial,
                    Some(s) => State::parse(s).unwrap_or_else(|| {
                        self.fail(self.pos(part), Fault::State(s.to_owned()));
                        State::Initial
                    }),
                };
                state = state.min(s);
            }
            let Some(src) = part.children().find(|c| is(*c, "source")) else {
                self.fail(self.pos(part), Fault::NoSource(id.to_owned()));
                continue;
            };
            let src = self.content(src, 0);
            match part.children().find(|c| is(*c, "target")) {
                Some(t) => {
                    target_at.get_or_insert(self.pos(t));
                    let t = self.content(t, 0);
                    join(&mut target, t);
                }
                None if segment => untranslated = true,
                // An ignorable part without a target stays as it is.
                None => join(&mut target, src.clone()),
            }
            join(&mut source, src);
        }
        if segments == 0 {
            self.fail(at, Fault::NoSegment(id.to_owned()));
            return None;
        }
        let target = match target_at {
            Some(_) if untranslated => {
                self.fail(at, Fault::IncompleteTarget(id.to_owned()));
                None
            }
            Some(t_at) if !blank(&target) => Some(Target {
                content: target,
                at: t_at,
                state,
            }),
            _ => None,
        };
        Some(Unit {
            id: id.to_owned(),
            at,
            source,
            target,
        })
    }

    fn content(&mut self, node: roxmltree::Node<'_, '_>, depth: usize) -> Vec<Inline> {
        let mut out = Vec::new();
        for child in node.children() {
            if child.is_text() {
                push_inline_text(&mut out, child.text().unwrap_or_default());
                continue;
            }
            if !child.is_element() {
                continue;
            }
            let at = self.pos(child);
            let name = child.tag_name();
            if name.namespace() != Some(NAMESPACE) {
                self.fail(at, Fault::UnexpectedElement(name.name().to_owned()));
                continue;
            }
            let id = || child.attribute("id").filter(|id| !id.is_empty());
            match name.name() {
                "pc" | "ph" | "mrk" if depth >= MAX_CODE_DEPTH => self.fail(at, Fault::TooDeep),
                "pc" => {
                    let content = self.content(child, depth + 1);
                    match id() {
                        Some(id) => out.push(Inline::Pc {
                            id: id.to_owned(),
                            at,
                            content,
                        }),
                        None => self.fail(at, Fault::CodeWithoutId),
                    }
                }
                "ph" => match id() {
                    Some(id) => out.push(Inline::Ph {
                        id: id.to_owned(),
                        at,
                    }),
                    None => self.fail(at, Fault::CodeWithoutId),
                },
                "mrk" => {
                    let inner = self.content(child, depth + 1);
                    join(&mut out, inner);
                }
                "sm" | "em" => {}
                "cp" => match child
                    .attribute("hex")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32)
                {
                    Some(c) => push_inline_text(&mut out, c.encode_utf8(&mut [0; 4])),
                    None => self.fail(at, Fault::UnexpectedElement("cp".to_owned())),
                },
                other => self.fail(at, Fault::UnexpectedElement(other.to_owned())),
            }
        }
        out
    }
}

fn push_inline_text(out: &mut Vec<Inline>, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Inline::Text(t)) => t.push_str(text),
        _ => out.push(Inline::Text(text.to_owned())),
    }
}

fn join(out: &mut Vec<Inline>, more: Vec<Inline>) {
    for i in more {
        match i {
            Inline::Text(t) => push_inline_text(out, &t),
            code => out.push(code),
        }
    }
}

fn blank(content: &[Inline]) -> bool {
    content
        .iter()
        .all(|i| matches!(i, Inline::Text(t) if t.trim().is_empty()))
}

// ---------- A target back into HTML ----------

/// A target (or a file's source) as the segment's text: its codes replaced by the tags of
/// the *segment's* codes of the same id, its text escaped for HTML. Every code of the
/// segment must be there once, and no other (faults at `at`, the target's place, or at
/// the code's own).
pub fn rebuild(segment: &Segment, content: &[Inline], at: Pos) -> Result<String, Vec<XliffError>> {
    let (text, errors) = rebuild_any(segment, content, at);
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(errors)
    }
}

/// [`rebuild`] whatever the faults: a code the segment lacks keeps only its content. For
/// a file's source that differs from the segment's (kept as the text a translation was
/// made from).
pub fn rebuild_loosely(segment: &Segment, content: &[Inline]) -> String {
    rebuild_any(segment, content, Pos::default()).0
}

fn rebuild_any(segment: &Segment, content: &[Inline], at: Pos) -> (String, Vec<XliffError>) {
    let source = split(segment);
    let mut b = Rebuild {
        codes: source
            .codes
            .iter()
            .map(|(id, c)| (id.as_str(), c))
            .collect(),
        used: HashSet::new(),
        errors: Vec::new(),
        html: segment.html,
        // Kept as the source writes it: `&nbsp;` is HTML's, not a problem's XML.
        nbsp: segment.html && segment.text.contains("&nbsp;"),
        out: String::with_capacity(segment.text.len()),
    };
    b.walk(content);
    for (id, _) in &source.codes {
        if !b.used.contains(id.as_str()) {
            fail(&mut b.errors, at, Fault::MissingCode(id.clone()));
        }
    }
    (b.out, b.errors)
}

struct Rebuild<'s> {
    codes: HashMap<&'s str, &'s Code>,
    used: HashSet<String>,
    errors: Vec<XliffError>,
    html: bool,
    nbsp: bool,
    out: String,
}

impl Rebuild<'_> {
    fn walk(&mut self, content: &[Inline]) {
        for i in content {
            match i {
                Inline::Text(t) if self.html => {
                    for c in t.chars() {
                        match c {
                            '&' => self.out.push_str("&amp;"),
                            '<' => self.out.push_str("&lt;"),
                            '>' => self.out.push_str("&gt;"),
                            '\u{a0}' if self.nbsp => self.out.push_str("&nbsp;"),
                            c => self.out.push(c),
                        }
                    }
                }
                Inline::Text(t) => self.out.push_str(t),
                Inline::Pc { id, at, content } => match self.codes.get(id.as_str()).copied() {
                    Some(Code::Paired { start, end, .. }) if self.used.insert(id.clone()) => {
                        self.out.push_str(start);
                        self.walk(content);
                        self.out.push_str(end);
                    }
                    found => {
                        let fault = if found.is_some() && self.used.contains(id) {
                            Fault::DuplicateCode(id.clone())
                        } else {
                            Fault::UnknownCode(id.clone())
                        };
                        fail(&mut self.errors, *at, fault);
                        self.walk(content);
                    }
                },
                Inline::Ph { id, at } => match self.codes.get(id.as_str()).copied() {
                    Some(Code::Alone { tag, .. }) if self.used.insert(id.clone()) => {
                        self.out.push_str(tag);
                    }
                    found => {
                        let fault = if found.is_some() && self.used.contains(id) {
                            Fault::DuplicateCode(id.clone())
                        } else {
                            Fault::UnknownCode(id.clone())
                        };
                        fail(&mut self.errors, *at, fault);
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
