//! One course, many languages: what in a course is translatable (its segments), ids for
//! them that survive edits of the source, and when a translation is outdated.
//!
//! A course's segments come from its outline (titles) and from each block's kind, which
//! names its translatable fields ([`crate::blocks::BlockKind::translatable`]); machine
//! values (a choice's name, the answers checked against) are never segments. A field is
//! one segment (a title, a prompt) or a list of them (a text block's paragraphs, a video's
//! cues). Ids are `{block}.{field}` for a single field and `{block}.{field}.{n}` in a
//! list, where `n` is kept by [`assign_ids`] when the list is edited: a changed paragraph
//! keeps its id, so its translation becomes *outdated* (kept, and flagged), while a new
//! paragraph gets a new id and starts untranslated.

pub mod html;
pub mod xliff;

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A translatable field of a block, as its kind names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field's name within the block (`title`, `prompt`, `p`, `cue`, `choice.yes`…).
    pub name: &'a str,
    /// Several segments share this field, in order (paragraphs, cues); their ids are
    /// numbered and kept across edits by [`assign_ids`].
    pub list: bool,
    /// The text is inline HTML (links, emphasis), not plain text.
    pub html: bool,
}

impl<'a> Field<'a> {
    pub const fn text(name: &'a str) -> Self {
        Field {
            name,
            list: false,
            html: false,
        }
    }

    pub const fn html(name: &'a str) -> Self {
        Field {
            name,
            list: false,
            html: true,
        }
    }

    pub const fn list(name: &'a str, html: bool) -> Self {
        Field {
            name,
            list: true,
            html,
        }
    }
}

/// A translatable piece of the source as found, before it has an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// `{block}.{field}`: what the id is made of.
    pub group: String,
    pub list: bool,
    pub html: bool,
    pub text: String,
}

/// A segment of the source language with its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub html: bool,
    /// One of a list field's segments (its id ends in its number).
    #[serde(default)]
    pub list: bool,
}

impl Segment {
    /// The group (`{block}.{field}`) a segment's id belongs to.
    pub fn group(&self) -> &str {
        match self.id.rsplit_once('.') {
            Some((group, _)) if self.list => group,
            _ => &self.id,
        }
    }
}

/// Ids for `pieces` (the source as it is now, in order), keeping those of `previous` (the
/// segments as they were last given ids). In each list field:
/// - a piece whose text is unchanged keeps its id (matched in order, so reordering keeps
///   as many as a longest common subsequence allows);
/// - between two kept pieces, changed pieces take the ids of the removed ones in order (an
///   edited paragraph stays the same segment, whose translations become outdated);
/// - what is left gets a number higher than any the field uses now (the store drops a
///   removed segment's translations, so a number used again brings none back).
///
/// A single field keeps its id whatever its text.
pub fn assign_ids(previous: &[Segment], pieces: &[Piece]) -> Vec<Segment> {
    let mut old_by_group: HashMap<&str, Vec<&Segment>> = HashMap::new();
    for s in previous {
        old_by_group.entry(s.group()).or_default().push(s);
    }
    let mut out = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        let group = &pieces[i].group;
        let mut j = i;
        while j < pieces.len() && pieces[j].group == *group {
            j += 1;
        }
        let run = &pieces[i..j];
        if run[0].list {
            let old = old_by_group.get(group.as_str()).map_or(&[][..], |v| v);
            out.extend(assign_list(group, old, run));
        } else {
            // A single field: one segment (a kind naming it twice gets numbered copies).
            for (k, p) in run.iter().enumerate() {
                out.push(Segment {
                    id: if k == 0 {
                        group.clone()
                    } else {
                        format!("{group}.{k}")
                    },
                    text: p.text.clone(),
                    html: p.html,
                    list: false,
                });
            }
        }
        i = j;
    }
    out
}

fn assign_list(group: &str, old: &[&Segment], new: &[Piece]) -> Vec<Segment> {
    let matched = common_subsequence(old, new);
    let mut ids: Vec<Option<String>> = vec![None; new.len()];
    for &(o, n) in &matched {
        ids[n] = Some(old[o].id.clone());
    }
    // Between consecutive matches (and before the first, after the last), pair what was
    // removed with what was added, in order.
    let mut bounds = vec![(0usize, 0usize)];
    bounds.extend(matched.iter().map(|&(o, n)| (o + 1, n + 1)));
    let mut ends: Vec<(usize, usize)> = matched.clone();
    ends.push((old.len(), new.len()));
    for (&(o0, n0), &(o1, n1)) in bounds.iter().zip(&ends) {
        for (o, n) in (o0..o1).zip(n0..n1) {
            ids[n] = Some(old[o].id.clone());
        }
    }
    let mut next = old
        .iter()
        .filter_map(|s| {
            s.id.rsplit_once('.')
                .and_then(|(_, n)| n.parse::<u64>().ok())
        })
        .max()
        .map_or(1, |m| m + 1);
    new.iter()
        .zip(ids)
        .map(|(p, id)| Segment {
            id: id.unwrap_or_else(|| {
                let id = format!("{group}.{next}");
                next += 1;
                id
            }),
            text: p.text.clone(),
            html: p.html,
            list: true,
        })
        .collect()
}

/// Index pairs `(old, new)` of a longest common subsequence of equal texts, in order.
/// Quadratic; a list too long for that (more than 4,000,000 pairs: a video of over two
/// thousand cues edited throughout) is matched by the texts that appear once in each.
fn common_subsequence(old: &[&Segment], new: &[Piece]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    if n.saturating_mul(m) > 4_000_000 {
        return unique_matches(old, new);
    }
    // lengths[i][j]: LCS of old[i..] and new[j..].
    let w = m + 1;
    let mut lengths = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lengths[i * w + j] = if old[i].text == new[j].text {
                lengths[(i + 1) * w + j + 1] + 1
            } else {
                lengths[(i + 1) * w + j].max(lengths[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n && j < m {
        if old[i].text == new[j].text {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if lengths[(i + 1) * w + j] >= lengths[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn unique_matches(old: &[&Segment], new: &[Piece]) -> Vec<(usize, usize)> {
    let mut count: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    for (i, s) in old.iter().enumerate() {
        let e = count.entry(&s.text).or_insert((0, 0, i));
        e.0 += 1;
        e.2 = i;
    }
    for p in new {
        if let Some(e) = count.get_mut(p.text.as_str()) {
            e.1 += 1;
        }
    }
    let mut out = Vec::new();
    let mut last = None;
    for (j, p) in new.iter().enumerate() {
        if let Some(&(1, 1, i)) = count.get(p.text.as_str())
            && last.is_none_or(|l| i > l)
        {
            out.push((i, j));
            last = Some(i);
        }
    }
    out
}

/// A visitor (for [`crate::blocks::BlockKind::translatable`] and the like) that collects
/// the pieces of `owner`'s fields into `out`, each in the group `{owner}.{field}`. Empty
/// text is not a segment.
pub fn collect<'a>(
    owner: &'a str,
    out: &'a mut Vec<Piece>,
) -> impl FnMut(Field<'_>, &mut String) + 'a {
    move |field, text| {
        if text.trim().is_empty() {
            return;
        }
        out.push(Piece {
            group: format!("{owner}.{}", field.name),
            list: field.list,
            html: field.html,
            text: text.clone(),
        });
    }
}

/// Puts translations into a copy of what [`collect`] walked, walked again in the same
/// order: each non-empty field takes the next segment of its group (`{owner}.{field}`),
/// and that segment's translation when the segment lines up with it (the same source
/// text); otherwise, or untranslated, the source's text stays. Groups are matched by
/// name, so segments taken before a kind named a new field (a video's cues) or after a
/// block lost one leave every other group lined up.
pub struct Apply<'s, F> {
    /// Each group's segments in order, and how many of them were taken.
    groups: HashMap<&'s str, (Vec<&'s Segment>, usize)>,
    translate: F,
}

impl<'s, F: FnMut(&str, &Segment) -> Option<String>> Apply<'s, F> {
    /// `segments`: the ids given to the collected pieces, in their order
    /// ([`assign_ids`]); `translate`: a segment's translation, if any.
    pub fn new(segments: &'s [Segment], translate: F) -> Self {
        let mut groups: HashMap<&str, (Vec<&Segment>, usize)> = HashMap::new();
        for s in segments {
            groups.entry(s.group()).or_default().0.push(s);
        }
        Apply { groups, translate }
    }

    /// One field of `owner`, as [`collect`] saw it.
    pub fn visit(&mut self, owner: &str, field: Field<'_>, text: &mut String) {
        if text.trim().is_empty() {
            return;
        }
        let group = format!("{owner}.{}", field.name);
        let Some((segments, taken)) = self.groups.get_mut(group.as_str()) else {
            return;
        };
        let Some(seg) = segments.get(*taken).copied() else {
            return;
        };
        *taken += 1;
        if seg.text == *text
            && let Some(t) = (self.translate)(owner, seg)
        {
            *text = t;
        }
    }
}

/// The source's text as a translated copy shows a plain-text segment left untranslated
/// in a language of the other direction: between Unicode isolates, so its direction
/// holds inside the other's (HTML takes an element instead).
pub fn isolated(source: &str, source_rtl: bool) -> String {
    let open = if source_rtl { '\u{2067}' } else { '\u{2066}' };
    format!("{open}{source}\u{2069}")
}

/// Whether `shown`, what a translated copy put in place of the plain text `source`, is
/// the source's text itself: as it was, or [`isolated`].
pub fn is_source_text(shown: &str, source: &str) -> bool {
    shown == source
        || shown.strip_suffix('\u{2069}').and_then(|s| {
            s.strip_prefix('\u{2066}')
                .or_else(|| s.strip_prefix('\u{2067}'))
        }) == Some(source)
}

/// Where a language stands on a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentState {
    Untranslated,
    /// Translated from the source as it is now.
    Translated,
    /// Translated from an earlier text of the source: kept, and flagged.
    Outdated,
}

impl SegmentState {
    /// `translated_from`: the source text the translation was made from, if any.
    pub fn of(source: &str, translated_from: Option<&str>) -> SegmentState {
        match translated_from {
            None => SegmentState::Untranslated,
            Some(from) if from == source => SegmentState::Translated,
            Some(_) => SegmentState::Outdated,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SegmentState::Untranslated => "untranslated",
            SegmentState::Translated => "translated",
            SegmentState::Outdated => "outdated",
        }
    }
}

/// Why a translation cannot be taken for a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLong,
    /// The translation's elements are not the source's (a link lost, a tag added).
    Markup {
        source: Vec<String>,
        translation: Vec<String>,
    },
    /// Markup in a plain-text segment.
    MarkupInText,
    /// A placeholder of the source (`{name}`, `$1`, `%s`) is missing.
    Placeholder(String),
}

/// The longest translation taken for one segment.
pub const MAX_SEGMENT_BYTES: usize = 64 * 1024;

/// Check a translation of `source` before it is stored: not empty, the same elements in
/// HTML segments (so links and emphasis survive; their order may change with the
/// language's word order), no markup in plain text, every placeholder kept.
pub fn check(source: &Segment, translation: &str) -> Result<(), Refusal> {
    if translation.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    if translation.len() > MAX_SEGMENT_BYTES {
        return Err(Refusal::TooLong);
    }
    if source.html {
        let mut want = html::element_names(&source.text);
        let mut got = html::element_names(translation);
        want.sort();
        got.sort();
        if want != got {
            return Err(Refusal::Markup {
                source: want,
                translation: got,
            });
        }
    } else if !html::element_names(translation).is_empty() {
        return Err(Refusal::MarkupInText);
    }
    let have: HashSet<&str> = placeholders(translation).collect();
    if let Some(lost) = placeholders(&source.text).find(|p| !have.contains(p)) {
        return Err(Refusal::Placeholder(lost.to_owned()));
    }
    Ok(())
}

/// Placeholders a translation must keep: `{name}`, `{{name}}`, `$1` and `%s`/`%d`.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let start = i;
            i += 1;
            match b[start] {
                b'{' => {
                    let close = text[start..].find('}')? + start;
                    let inner = text[start..close].trim_start_matches('{');
                    if !inner.is_empty()
                        && inner
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'_')
                    {
                        let mut end = close + 1;
                        if text[start..].starts_with("{{") && text[end..].starts_with('}') {
                            end += 1;
                        }
                        i = end;
                        return Some(&text[start..end]);
                    }
                }
                b'$' if b.get(i).is_some_and(u8::is_ascii_digit) => {
                    while b.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    return Some(&text[start..i]);
                }
                b'%' if matches!(b.get(i), Some(b's' | b'd')) => {
                    i += 1;
                    return Some(&text[start..i]);
                }
                _ => {}
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(group: &str, texts: &[&str]) -> Vec<Piece> {
        texts
            .iter()
            .map(|t| Piece {
                group: group.to_owned(),
                list: true,
                html: true,
                text: (*t).to_owned(),
            })
            .collect()
    }

    fn ids(segs: &[Segment]) -> Vec<&str> {
        segs.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn new_lists_are_numbered_from_one() {
        let s = assign_ids(&[], &pieces("intro.p", &["A", "B", "C"]));
        assert_eq!(ids(&s), ["intro.p.1", "intro.p.2", "intro.p.3"]);
        assert_eq!(s[1].group(), "intro.p");
    }

    #[test]
    fn an_edited_paragraph_keeps_its_id_and_others_are_untouched() {
        let before = assign_ids(&[], &pieces("intro.p", &["A", "B", "C"]));
        let after = assign_ids(&before, &pieces("intro.p", &["A", "B, changed", "C"]));
        assert_eq!(ids(&after), ["intro.p.1", "intro.p.2", "intro.p.3"]);
        assert_eq!(after[1].text, "B, changed");
    }

    #[test]
    fn an_inserted_paragraph_gets_a_new_id_and_shifts_nothing() {
        let before = assign_ids(&[], &pieces("intro.p", &["A", "B", "C"]));
        let after = assign_ids(&before, &pieces("intro.p", &["New", "A", "B", "C"]));
        assert_eq!(
            ids(&after),
            ["intro.p.4", "intro.p.1", "intro.p.2", "intro.p.3"]
        );
        // An added paragraph takes a number above every one in use. (A removed
        // segment's translations are dropped when the course's segments are stored, so a
        // number freed at the end and used again brings back nothing.)
        let removed = assign_ids(&after, &pieces("intro.p", &["A", "B", "C"]));
        let again = assign_ids(&removed, &pieces("intro.p", &["A", "B", "C", "D"]));
        assert_eq!(ids(&again)[3], "intro.p.4");
    }

    #[test]
    fn reordering_keeps_what_a_common_subsequence_keeps() {
        let before = assign_ids(&[], &pieces("u.p", &["A", "B", "C"]));
        let after = assign_ids(&before, &pieces("u.p", &["C", "A", "B"]));
        // A and B kept; C moved before them: it takes no removed id (none was removed
        // before A), so it is new.
        assert_eq!(ids(&after), ["u.p.4", "u.p.1", "u.p.2"]);
    }

    #[test]
    fn single_fields_keep_their_id_whatever_the_text() {
        let one = |t: &str| Piece {
            group: "week1.title".into(),
            list: false,
            html: false,
            text: t.into(),
        };
        let before = assign_ids(&[], &[one("Week 1")]);
        let after = assign_ids(&before, &[one("Week one")]);
        assert_eq!(ids(&after), ["week1.title"]);
        assert_eq!(after[0].group(), "week1.title");
        // A single field's name may end in a number (a choice named 2): still its own group.
        let choice = Piece {
            group: "poll.choice.2".into(),
            ..one("Yes")
        };
        assert_eq!(assign_ids(&[], &[choice])[0].group(), "poll.choice.2");
    }

    #[test]
    fn groups_are_independent() {
        let mut p = pieces("a.p", &["X", "Y"]);
        p.extend(pieces("b.p", &["X"]));
        let s = assign_ids(&[], &p);
        assert_eq!(ids(&s), ["a.p.1", "a.p.2", "b.p.1"]);
        let mut p2 = pieces("a.p", &["Y"]);
        p2.extend(pieces("b.p", &["X", "Z"]));
        assert_eq!(ids(&assign_ids(&s, &p2)), ["a.p.2", "b.p.1", "b.p.2"]);
    }

    #[test]
    fn long_lists_fall_back_to_unique_texts() {
        let texts: Vec<String> = (0..2500).map(|i| format!("cue {i}")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let before = assign_ids(&[], &pieces("v.cue", &refs));
        let mut changed = refs.clone();
        changed.insert(0, "new first cue");
        let after = assign_ids(&before, &pieces("v.cue", &changed));
        assert_eq!(after[0].id, "v.cue.2501");
        assert_eq!(after[1].id, "v.cue.1");
        assert_eq!(after[2500].id, "v.cue.2500");
    }

    #[test]
    fn state_follows_the_source_the_translation_was_made_from() {
        assert_eq!(SegmentState::of("A", None), SegmentState::Untranslated);
        assert_eq!(SegmentState::of("A", Some("A")), SegmentState::Translated);
        assert_eq!(SegmentState::of("A2", Some("A")), SegmentState::Outdated);
    }

    fn seg(text: &str, html: bool) -> Segment {
        Segment {
            id: "x".into(),
            text: text.into(),
            html,
            list: false,
        }
    }

    #[test]
    fn markup_and_placeholders_must_survive() {
        let s = seg("Find <a href=\"x\">allies</a> <em>early</em>.", true);
        assert!(check(&s, "Trouvez <em>tôt</em> des <a href=\"x\">alliés</a>.").is_ok());
        assert!(matches!(
            check(&s, "Trouvez des alliés tôt."),
            Err(Refusal::Markup { .. })
        ));
        assert_eq!(check(&s, "  "), Err(Refusal::Empty));
        let t = seg("Hello {name}, you have $1 new %s", false);
        assert!(check(&t, "Bonjour {name}, $1 nouveaux %s").is_ok());
        assert_eq!(
            check(&t, "Bonjour, $1 nouveaux %s"),
            Err(Refusal::Placeholder("{name}".into()))
        );
        assert_eq!(
            check(&t, "Bonjour <b>{name}</b> $1 %s"),
            Err(Refusal::MarkupInText)
        );
        assert_eq!(
            check(&seg("{{course}} opens", false), "{{course}} ouvre"),
            Ok(())
        );
    }
}
