//! Judging a learner's work on a wiki against a task's criteria, in two steps: what
//! matches by the facts `list=usercontribs` / `list=logevents` give (namespace, title,
//! creation, size, tags, time), then — only for those — what the revision's text or the
//! file page says (must contain, a Wikidata statement, a category or licence).
//!
//! SKELETON: bodies are filled in by the wiki-task core work (issue 14).

use super::{Criteria, EditCriteria, UploadCriteria, WikiTaskContent};
use crate::error::DomainError;
use crate::wiki::{FileFacts, RevisionText, WikiEdit, WikiUpload};
use jiff::Timestamp;

/// Check and normalise a task's content before it is stored.
pub fn validate(c: WikiTaskContent) -> Result<WikiTaskContent, DomainError> {
    Ok(c)
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

/// Whether `title` matches an author's pattern for the learner `username`.
pub fn title_matches(_pattern: &str, _username: &str, _title: &str) -> bool {
    todo!()
}

/// Edits that match the edit criteria by their facts (everything but `must_contain`),
/// oldest first.
pub fn edit_candidates<'a>(
    _c: &EditCriteria,
    _username: &str,
    _bounds: Bounds,
    _edits: &'a [WikiEdit],
) -> Vec<&'a WikiEdit> {
    todo!()
}

/// Edits that may add a Wikidata statement (in the window, not reverted), oldest first.
pub fn wikidata_candidates<'a>(_bounds: Bounds, _edits: &'a [WikiEdit]) -> Vec<&'a WikiEdit> {
    todo!()
}

/// Whether the criteria read the revision's text (so candidates need `prop=revisions`).
pub fn needs_text(_c: &Criteria) -> bool {
    todo!()
}

/// Whether a candidate's text meets what the criteria ask of it (must contain; a
/// Wikidata statement with the property added against the parent, with a reference if
/// asked). Always true for criteria that do not read text.
pub fn text_meets(_c: &Criteria, _text: &RevisionText) -> bool {
    todo!()
}

/// Uploads in the window, oldest first.
pub fn upload_candidates<'a>(_bounds: Bounds, _uploads: &'a [WikiUpload]) -> Vec<&'a WikiUpload> {
    todo!()
}

/// Whether a candidate file page meets the upload criteria (category, licence template).
pub fn file_meets(_c: &UploadCriteria, _facts: &FileFacts) -> bool {
    todo!()
}

/// References a revision added against its parent (`<ref` openings, named or not, self-
/// closing included; never negative).
pub fn refs_added(_content: &str, _parent: Option<&str>) -> i64 {
    todo!()
}
