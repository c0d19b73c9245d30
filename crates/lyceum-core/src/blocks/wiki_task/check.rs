//! Judging a learner's work on a wiki against a task's criteria, in two steps: what
//! matches by the facts `list=usercontribs` / `list=logevents` give (namespace, title,
//! creation, size, tags, time), then — only for those — what the revision's text or the
//! file page says (must contain, a Wikidata statement, a category or licence).
//!
//! Titles are compared as MediaWiki normalises them ([`normalise_title`]): underscores
//! are spaces, runs of spaces are one, and the first letter of the title — and of the
//! text after a known namespace prefix — is upper case. That is the rule of every
//! Wikimedia wiki but Wiktionary's (`$wgCapitalLinks = false`), where a pattern must be
//! written with the page's own first letter.

use super::{Criteria, EditCriteria, PageRule, UploadCriteria, WikiTaskContent};
use crate::error::DomainError;
use crate::limits::{self, range};
use crate::sanitize::{try_markdown_to_html, try_sanitize_html};
use crate::wiki::{FileFacts, RevisionText, WikiEdit, WikiUpload};
use jiff::Timestamp;
use serde_json::Value;

/// Check and normalise a task's content before it is stored: the wiki named as its id,
/// instructions sanitised (rendered from Markdown when the author wrote Markdown), every
/// text within its limit, every number within its range (docs/LIMITS.md).
pub fn validate(mut c: WikiTaskContent) -> Result<WikiTaskContent, DomainError> {
    c.wiki = wiki_id(&c.wiki)?;
    c.instructions = if c.instructions_markdown.trim().is_empty() {
        c.instructions_markdown = String::new();
        limits::check(&c.instructions, limits::WIKI_TASK_INSTRUCTIONS)?;
        try_sanitize_html(&c.instructions)?
    } else {
        c.instructions_markdown =
            limits::clean(&c.instructions_markdown, limits::WIKI_TASK_INSTRUCTIONS)?;
        try_markdown_to_html(&c.instructions_markdown)?
    };
    c.criteria = match c.criteria {
        Criteria::Edit(mut e) => {
            e.namespaces = namespaces(&e.namespaces)?;
            e.title_pattern = title_pattern(&e.title_pattern)?;
            e.min_bytes = min_bytes(e.min_bytes)?;
            e.must_contain = must_contain(&e.must_contain)?;
            e.tag = limits::clean(&e.tag, limits::WIKI_TAG)?;
            e.min_edits = min_count(e.min_edits)?;
            Criteria::Edit(e)
        }
        Criteria::Upload(mut u) => {
            u.category = page_name(&u.category, "Category")?;
            u.licence_template = page_name(&u.licence_template, "Template")?;
            u.min_uploads = min_count(u.min_uploads)?;
            Criteria::Upload(u)
        }
        Criteria::Wikidata(mut w) => {
            w.property = property(&w.property)?;
            w.min_edits = min_count(w.min_edits)?;
            Criteria::Wikidata(w)
        }
    };
    c.prefill.title = title_pattern(&c.prefill.title)?;
    c.prefill.summary = limits::clean(&c.prefill.summary, limits::WIKI_SUMMARY)?;
    if let Some(w) = c.weight
        && !(w.is_finite() && (0.0..=range::WEIGHT).contains(&w))
    {
        return Err(limits::out_of_range(
            &w.to_string(),
            "0",
            &range::WEIGHT.to_string(),
        ));
    }
    Ok(c)
}

/// A wiki's id as a task names it: a domain (`fr.wikipedia.org`) or a site-configured
/// name (`local`), lower-cased, of `a–z 0–9 . -`, at most [`limits::WIKI_ID`].
pub fn wiki_id(typed: &str) -> Result<String, DomainError> {
    let id = limits::clean(typed, limits::WIKI_ID)?.to_lowercase();
    if id.is_empty() {
        return Err(DomainError::new("lyceum-wikitask-error-wiki-missing"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err(DomainError::new("lyceum-wikitask-error-wiki").with_arg(id));
    }
    Ok(id)
}

/// A title or title pattern: trimmed, within [`limits::WIKI_TITLE`], without the
/// characters MediaWiki refuses in titles (`# < > [ ] |`), and with no braces but the
/// `{username}` placeholder's (a typo such as `{user}` would never match anything).
pub fn title_pattern(typed: &str) -> Result<String, DomainError> {
    let t = limits::clean(typed, limits::WIKI_TITLE)?;
    if let Some(bad) = t
        .chars()
        .find(|c| matches!(c, '#' | '<' | '>' | '[' | ']' | '|'))
    {
        return Err(DomainError::new("lyceum-wikitask-error-title-char")
            .with_arg(t.clone())
            .with_arg(bad.to_string()));
    }
    if t.replace(USERNAME, "").contains(['{', '}']) {
        return Err(DomainError::new("lyceum-wikitask-error-placeholder").with_arg(t));
    }
    Ok(t)
}

/// A Wikidata property id: `P` and a number (`p31`, `Property:P31` are read as `P31`).
pub fn property(typed: &str) -> Result<String, DomainError> {
    let t = limits::strip(typed, false);
    let t = t.trim();
    if t.is_empty() {
        return Err(DomainError::new("lyceum-wikitask-error-property-missing"));
    }
    let bare = strip_prefix_ci(t, "Property").unwrap_or(t);
    let upper = bare.trim().to_uppercase();
    let digits = upper.strip_prefix('P').unwrap_or("");
    let ok = (1..=10).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if !ok {
        let shown: String = t.chars().take(30).collect();
        return Err(DomainError::new("lyceum-wikitask-error-property").with_arg(shown));
    }
    Ok(upper)
}

/// A category or template name as the author typed it, without its namespace prefix
/// (`Category:Maps of France` → `Maps of France`); empty is "any".
pub fn page_name(typed: &str, namespace: &str) -> Result<String, DomainError> {
    let t = limits::clean(typed, limits::WIKI_PAGE_NAME)?;
    let bare = strip_prefix_ci(&t, namespace).map_or(t.as_str(), str::trim);
    if let Some(bad) = bare
        .chars()
        .find(|c| matches!(c, '#' | '<' | '>' | '[' | ']' | '|' | '{' | '}'))
    {
        return Err(DomainError::new("lyceum-wikitask-error-title-char")
            .with_arg(bare.to_owned())
            .with_arg(bad.to_string()));
    }
    Ok(bare.to_owned())
}

/// Namespaces, sorted without repeats: at most [`range::WIKI_NAMESPACES`], each within
/// `range::WIKI_NAMESPACE_MIN..=range::WIKI_NAMESPACE_MAX`.
pub fn namespaces(ns: &[i64]) -> Result<Vec<i64>, DomainError> {
    let mut out = Vec::with_capacity(ns.len());
    for &n in ns {
        if !(range::WIKI_NAMESPACE_MIN..=range::WIKI_NAMESPACE_MAX).contains(&n) {
            return Err(limits::out_of_range(
                &n.to_string(),
                &range::WIKI_NAMESPACE_MIN.to_string(),
                &range::WIKI_NAMESPACE_MAX.to_string(),
            ));
        }
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    if out.len() > range::WIKI_NAMESPACES {
        return Err(DomainError::new("lyceum-wikitask-error-namespace-count")
            .with_arg(range::WIKI_NAMESPACES.to_string()));
    }
    Ok(out)
}

/// Texts an edit must contain: each non-empty (hostile characters stripped, spaces around
/// kept out), at most [`limits::WIKI_SNIPPET`] long, at most [`range::WIKI_MUST_CONTAIN`]
/// of them, repeats dropped.
pub fn must_contain(items: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let t = limits::clean(item, limits::WIKI_SNIPPET)?;
        if t.is_empty() {
            return Err(DomainError::new("lyceum-wikitask-error-must-contain-empty"));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > range::WIKI_MUST_CONTAIN {
        return Err(DomainError::new("lyceum-wikitask-error-must-contain-count")
            .with_arg(range::WIKI_MUST_CONTAIN.to_string()));
    }
    Ok(out)
}

/// How many matching edits or uploads a task asks for: `1..=range::WIKI_MIN_COUNT`.
pub fn min_count(n: u32) -> Result<u32, DomainError> {
    if (1..=range::WIKI_MIN_COUNT).contains(&n) {
        Ok(n)
    } else {
        Err(limits::out_of_range(
            &n.to_string(),
            "1",
            &range::WIKI_MIN_COUNT.to_string(),
        ))
    }
}

/// Bytes an edit must add: `0..=range::WIKI_MIN_BYTES`.
pub fn min_bytes(n: i64) -> Result<i64, DomainError> {
    if (0..=range::WIKI_MIN_BYTES).contains(&n) {
        Ok(n)
    } else {
        Err(limits::out_of_range(
            &n.to_string(),
            "0",
            &range::WIKI_MIN_BYTES.to_string(),
        ))
    }
}

/// The time in which work counts for one learner: from the window's start (enrolment or
/// unit first opened) to the due date, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

impl Bounds {
    pub fn contains(&self, t: Timestamp) -> bool {
        t >= self.from && self.until.is_none_or(|u| t <= u)
    }
}

/// The placeholder a title pattern or pre-filled title uses for the learner's user name.
pub const USERNAME: &str = "{username}";

/// Namespace names (canonical, English) whose prefix MediaWiki reads in any case and after
/// which it upper-cases the first letter. A prefix not listed is left as typed (and the
/// whole title is then a main-namespace title: only its first letter is upper-cased).
const NAMESPACES: &[&str] = &[
    "Talk",
    "User",
    "User talk",
    "Project",
    "Project talk",
    "File",
    "File talk",
    "MediaWiki",
    "MediaWiki talk",
    "Template",
    "Template talk",
    "Help",
    "Help talk",
    "Category",
    "Category talk",
    "Wikipedia",
    "Wikipedia talk",
    "Portal",
    "Portal talk",
    "Draft",
    "Draft talk",
    "Module",
    "Module talk",
];

/// A title as MediaWiki normalises it: underscores are spaces, runs of spaces one space,
/// no spaces around it or around a namespace prefix, a known namespace prefix in its
/// canonical case, and the first letter of the title (after the prefix) upper case.
pub fn normalise_title(title: &str) -> String {
    let spaced = collapse_spaces(title);
    if let Some((prefix, rest)) = spaced.split_once(':') {
        let prefix = prefix.trim();
        if let Some(canonical) = NAMESPACES
            .iter()
            .find(|n| n.to_lowercase() == prefix.to_lowercase())
        {
            return format!("{canonical}:{}", upper_first(rest.trim()));
        }
    }
    upper_first(&spaced)
}

/// Underscores as spaces, runs of white space as one space, trimmed.
fn collapse_spaces(s: &str) -> String {
    s.split(|c: char| c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first letter upper case (when it has a one-letter upper case: `ß` stays).
fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let mut up = first.to_uppercase();
            let first = match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => first,
            };
            std::iter::once(first).chain(chars).collect()
        }
    }
}

/// `s` without `prefix:` (any case, spaces around the colon allowed), if it starts so.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, rest) = s.split_once(':')?;
    (collapse_spaces(head).to_lowercase() == prefix.to_lowercase()).then_some(rest)
}

/// Private-use characters standing for `*` and `{username}` while a pattern is
/// normalised (so that normalising cannot change them, and a `*` in the learner's name
/// stays a literal star).
const STAR: char = '\u{E000}';
const NAME: char = '\u{E001}';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Star,
    Lit(char),
}

/// Whether `title` matches an author's pattern for the learner `username`: both are
/// normalised as MediaWiki normalises titles, `{username}` stands for the learner's name
/// (normalised as a title: first letter upper case, underscores as spaces), `*` for any
/// run of characters (slashes included), everything else for itself. An empty pattern
/// matches every title.
pub fn title_matches(pattern: &str, username: &str, title: &str) -> bool {
    if pattern.trim().is_empty() {
        return true;
    }
    let marked = pattern
        .replace(USERNAME, &NAME.to_string())
        .replace('*', &STAR.to_string());
    let name = upper_first(&collapse_spaces(username));
    let tokens: Vec<Token> = normalise_title(&marked)
        .chars()
        .flat_map(|c| match c {
            STAR => vec![Token::Star],
            NAME => name.chars().map(Token::Lit).collect(),
            c => vec![Token::Lit(c)],
        })
        .collect();
    let title: Vec<char> = normalise_title(title).chars().collect();
    glob(&tokens, &title)
}

/// Wildcard matching with one backtracking point (the last `*` seen): linear in practice,
/// at worst the product of the lengths.
fn glob(pattern: &[Token], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::Lit(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|tok| *tok == Token::Star)
}

fn by_time<T>(mut items: Vec<&T>, key: impl Fn(&T) -> (Timestamp, i64)) -> Vec<&T> {
    items.sort_by_key(|i| key(i));
    items
}

/// Edits that match the edit criteria by their facts (everything but `must_contain`),
/// oldest first: in the window, in one of the namespaces (any when none are named),
/// titled as the pattern says, creating or editing a page as the page rule says, adding
/// at least `min_bytes`, carrying the tag (when one is named) — and never an edit a later
/// one reverted (`mw-reverted`).
pub fn edit_candidates<'a>(
    c: &EditCriteria,
    username: &str,
    bounds: Bounds,
    edits: &'a [WikiEdit],
) -> Vec<&'a WikiEdit> {
    let found = edits
        .iter()
        .filter(|e| bounds.contains(e.timestamp) && !e.reverted())
        .filter(|e| c.namespaces.is_empty() || c.namespaces.contains(&e.ns))
        .filter(|e| match c.page {
            PageRule::Any => true,
            PageRule::Created => e.new,
            PageRule::Edited => !e.new,
        })
        .filter(|e| c.min_bytes <= 0 || e.sizediff >= c.min_bytes)
        .filter(|e| c.tag.is_empty() || e.tags.contains(&c.tag))
        .filter(|e| title_matches(&c.title_pattern, username, &e.title))
        .collect();
    by_time(found, |e| (e.timestamp, e.revid))
}

/// Edits that may add a Wikidata statement (in the window, not reverted), oldest first.
pub fn wikidata_candidates(bounds: Bounds, edits: &[WikiEdit]) -> Vec<&WikiEdit> {
    let found = edits
        .iter()
        .filter(|e| bounds.contains(e.timestamp) && !e.reverted())
        .collect();
    by_time(found, |e| (e.timestamp, e.revid))
}

/// Whether the criteria read the revision's text (so candidates need `prop=revisions`):
/// edits that must contain something, and every Wikidata statement.
pub fn needs_text(c: &Criteria) -> bool {
    match c {
        Criteria::Edit(e) => !e.must_contain.is_empty(),
        Criteria::Upload(_) => false,
        Criteria::Wikidata(_) => true,
    }
}

/// Whether a candidate's text meets what the criteria ask of it (must contain; a
/// Wikidata statement with the property added against the parent, with a reference if
/// asked). Always true for criteria that do not read text; false when the text is needed
/// and hidden, deleted or unreadable.
pub fn text_meets(c: &Criteria, text: &RevisionText) -> bool {
    match c {
        Criteria::Upload(_) => true,
        Criteria::Edit(e) if e.must_contain.is_empty() => true,
        Criteria::Edit(e) => text
            .content
            .as_deref()
            .is_some_and(|content| e.must_contain.iter().all(|s| content.contains(s.as_str()))),
        Criteria::Wikidata(w) => statement_added(text, &w.property, w.with_reference),
    }
}

/// Content models whose text is an entity's JSON: Wikibase's own (`wikibase-item`,
/// `wikibase-property`, `wikibase-mediainfo`…) and plain `json` (a test wiki's stand-in).
fn is_entity_model(model: &str) -> bool {
    model == "json" || model.starts_with("wikibase-")
}

/// Whether the revision adds a statement with `property` to the entity its parent held
/// (statements compared by id when every one has an id, else by count); with
/// `with_reference`, one of the added statements must carry a reference.
fn statement_added(text: &RevisionText, property: &str, with_reference: bool) -> bool {
    if !is_entity_model(&text.content_model) {
        return false;
    }
    let Some(now) = text
        .content
        .as_deref()
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
    else {
        return false;
    };
    let before = match text.parent_content.as_deref() {
        None => None,
        Some(p) => match serde_json::from_str::<Value>(p) {
            Ok(v) => Some(v),
            Err(_) => return false,
        },
    };
    let Some(now) = statements(&now, property) else {
        return false;
    };
    let before = match &before {
        None => Vec::new(),
        Some(v) => match statements(v, property) {
            Some(s) => s,
            None => return false,
        },
    };
    let added = added_statements(&now, &before);
    if with_reference {
        added.iter().any(|s| {
            s.get("references")
                .is_some_and(|r| r.as_array().is_some_and(|a| !a.is_empty()))
        })
    } else {
        !added.is_empty()
    }
}

/// The statements an entity holds for `property`, from its `claims` (or `statements`, as
/// Commons' MediaInfo names them): an object keyed by property (Wikibase's JSON), or a
/// list (an empty entity is serialised `[]`). `None` when the JSON is not an entity.
fn statements<'v>(entity: &'v Value, property: &str) -> Option<Vec<&'v Value>> {
    let obj = entity.as_object()?;
    let Some(claims) = obj.get("claims").or_else(|| obj.get("statements")) else {
        return Some(Vec::new());
    };
    let of_property = |s: &&Value| {
        s.get("mainsnak")
            .and_then(|m| m.get("property"))
            .and_then(Value::as_str)
            .is_none_or(|p| p.eq_ignore_ascii_case(property))
    };
    match claims {
        Value::Object(by_property) => {
            let mut out = Vec::new();
            for (key, list) in by_property {
                if !key.eq_ignore_ascii_case(property) {
                    continue;
                }
                let list = list.as_array()?;
                if !list.iter().all(Value::is_object) {
                    return None;
                }
                out.extend(list.iter().filter(of_property));
            }
            Some(out)
        }
        Value::Array(list) => Some(
            list.iter()
                .filter(|s| {
                    s.get("mainsnak")
                        .and_then(|m| m.get("property"))
                        .and_then(Value::as_str)
                        .is_some_and(|p| p.eq_ignore_ascii_case(property))
                })
                .collect(),
        ),
        _ => None,
    }
}

fn statement_id(s: &Value) -> Option<&str> {
    s.get("id").and_then(Value::as_str)
}

/// Statements of `now` that `before` did not hold: by id when every statement has one,
/// else — only when there are more than before — those left after taking away one equal
/// statement for each of `before`'s.
fn added_statements<'v>(now: &[&'v Value], before: &[&Value]) -> Vec<&'v Value> {
    let with_ids = now.iter().chain(before).all(|s| statement_id(s).is_some());
    if with_ids {
        let old: Vec<&str> = before.iter().filter_map(|s| statement_id(s)).collect();
        return now
            .iter()
            .filter(|s| statement_id(s).is_some_and(|id| !old.contains(&id)))
            .copied()
            .collect();
    }
    if now.len() <= before.len() {
        return Vec::new();
    }
    // A statement is the same as before when its main value is (a reference added to an
    // old statement in the same edit does not make it new).
    let value = |s: &Value| s.get("mainsnak").cloned().unwrap_or_else(|| s.clone());
    let mut left: Vec<&Value> = now.to_vec();
    for b in before {
        let old = value(b);
        if let Some(i) = left.iter().position(|s| value(s) == old) {
            left.remove(i);
        }
    }
    left
}

/// Uploads in the window, oldest first.
pub fn upload_candidates(bounds: Bounds, uploads: &[WikiUpload]) -> Vec<&WikiUpload> {
    let found = uploads
        .iter()
        .filter(|u| bounds.contains(u.timestamp))
        .collect();
    by_time(found, |u| (u.timestamp, u.logid))
}

/// Whether a candidate file page meets the upload criteria: it still exists, and is in
/// the category and uses the licence template when they are named (names compared as
/// MediaWiki normalises them; a namespace prefix on either side is ignored).
pub fn file_meets(c: &UploadCriteria, facts: &FileFacts) -> bool {
    if facts.missing {
        return false;
    }
    let has = |names: &[String], wanted: &str, namespace: &str| {
        let wanted = bare_name(wanted, namespace);
        wanted.is_empty() || names.iter().any(|n| bare_name(n, namespace) == wanted)
    };
    has(&facts.categories, &c.category, "Category")
        && has(&facts.templates, &c.licence_template, "Template")
}

fn bare_name(name: &str, namespace: &str) -> String {
    upper_first(&collapse_spaces(
        strip_prefix_ci(name, namespace).unwrap_or(name),
    ))
}

/// References a revision added against its parent (`<ref` openings, named or not, self-
/// closing included; never negative).
pub fn refs_added(content: &str, parent: Option<&str>) -> i64 {
    let now = ref_openings(content);
    let before = parent.map_or(0, ref_openings);
    (now - before).max(0)
}

/// `<ref>`, `<ref name=…>`, `<ref …/>`, in any case — not `<references/>`, `<refs>`.
fn ref_openings(text: &str) -> i64 {
    let bytes = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while let Some(at) = text[i..].find('<') {
        let start = i + at;
        let tag = &bytes[start + 1..];
        if tag.len() > 3
            && tag[..3].eq_ignore_ascii_case(b"ref")
            && matches!(tag[3], b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')
        {
            n += 1;
        }
        i = start + 1;
    }
    n
}

#[cfg(test)]
mod tests;
