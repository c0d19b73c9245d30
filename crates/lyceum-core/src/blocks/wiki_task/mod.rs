//! Wiki task blocks: an exercise done on a wiki — an edit, an upload, a Wikidata
//! statement — that the course checks through the wiki's Action API. The author names
//! one wiki and what counts; the learner does the task there and presses "Check my
//! work"; the verdict keeps immutable evidence (wiki, revision, time, size difference,
//! tags, title) and, when the task is graded, earns its credit.
//!
//! This module is the content and its validation; [`check`] judges a learner's edits and
//! uploads against the criteria, [`activity`] sums a learner's on-wiki work for the
//! course team's dashboard. All pure: reading the wiki is `lyceum_wiki::action`'s, keeping
//! what was read is the store's.

pub mod activity;
pub mod check;

use super::{BlockKind, CompletionRule, Scoring};
use crate::error::DomainError;
use crate::translation::Field;
use crate::translation::html::visit_paragraphs;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The content of a wiki task block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WikiTaskContent {
    /// The wiki the task is done on: a Wikimedia wiki by its domain (`en.wikipedia.org`,
    /// `commons.wikimedia.org`, `www.wikidata.org`) or a wiki the site configures, by the
    /// name the site gives it (`lyceum_wiki::registry`). Whether this site may read it is
    /// the registry's question, asked when the task is shown and checked.
    pub wiki: String,
    /// What to do, as sanitised HTML (authors write Markdown in the editor).
    #[serde(default)]
    pub instructions: String,
    /// What the author wrote for `instructions`, when they wrote Markdown (the editor and
    /// the demo do): kept so the editor gives it back, and `instructions` is rendered from
    /// it on every save. Empty: `instructions` is the author's own HTML, sanitised.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instructions_markdown: String,
    /// What counts.
    pub criteria: Criteria,
    /// When the work counts.
    #[serde(default)]
    pub window: Window,
    /// What the "Do it on the wiki" link pre-fills.
    #[serde(default)]
    pub prefill: Prefill,
    /// Counts in the grade (one raw point, earned when done).
    #[serde(default)]
    pub graded: bool,
    /// The block's weight in its assignment type (`None`: its one raw point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The task's own due date (else its subsection's applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
}

/// What counts as doing the task: one of three checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Criteria {
    Edit(EditCriteria),
    Upload(UploadCriteria),
    Wikidata(WikidataCriteria),
}

/// Edits: `list=usercontribs`, with the revision's content read where the criteria need
/// it (must contain).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditCriteria {
    /// Namespace numbers (0 main, 2 User, 118 Draft…); empty: any.
    #[serde(default)]
    pub namespaces: Vec<i64>,
    /// A title pattern with `*` (any characters) and `{username}` (the learner's wiki
    /// user name): `User:{username}/*`, `Draft:*`. Empty: any title. Compared as
    /// MediaWiki normalises titles (underscores are spaces, first letter upper case).
    #[serde(default)]
    pub title_pattern: String,
    #[serde(default)]
    pub page: PageRule,
    /// Bytes the edit must add (its size difference), at least.
    #[serde(default)]
    pub min_bytes: i64,
    /// Each of these must appear in the revision's text (`<ref`, `{{Infobox`,
    /// `[[Category:`). Case-sensitive, as wikitext is.
    #[serde(default)]
    pub must_contain: Vec<String>,
    /// A change tag the edit must carry; empty: none needed.
    #[serde(default)]
    pub tag: String,
    /// How many matching edits complete the task (at least 1).
    #[serde(default = "one")]
    pub min_edits: u32,
}

/// Whether the edit must create the page, edit an existing one, or either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRule {
    #[default]
    Any,
    Created,
    Edited,
}

/// Uploads (on Commons, or the wiki named): `list=logevents&letype=upload`, with the
/// file page's categories and templates where the criteria need them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCriteria {
    /// A category the file page must be in (without `Category:`); empty: any.
    #[serde(default)]
    pub category: String,
    /// A licence template the file page must use (without `Template:`, e.g.
    /// `Cc-by-sa-4.0`); empty: any.
    #[serde(default)]
    pub licence_template: String,
    #[serde(default = "one")]
    pub min_uploads: u32,
}

/// Wikidata: an edit to an item (or an entity page) that adds a statement with property
/// `property`, read from the revision's content against its parent's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WikidataCriteria {
    /// `P31`, `P569`…
    pub property: String,
    /// The added statement must carry a reference.
    #[serde(default)]
    pub with_reference: bool,
    #[serde(default = "one")]
    pub min_edits: u32,
}

fn one() -> u32 {
    1
}

/// When work counts: from a start to the due date (if the task or its subsection has one
/// and `until_due`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    #[serde(default)]
    pub from: WindowStart,
    #[serde(default = "yes")]
    pub until_due: bool,
}

fn yes() -> bool {
    true
}

impl Default for Window {
    fn default() -> Self {
        Window {
            from: WindowStart::Enrolment,
            until_due: true,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStart {
    /// The learner's enrolment in the course.
    #[default]
    Enrolment,
    /// The first time the learner opened the task's unit (enrolment when not recorded).
    UnitOpened,
}

/// What the link to the wiki pre-fills, where the wiki allows it (the edit form takes a
/// title and a summary from the URL; change tags cannot be set from a URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    /// The page to open (`{username}` replaced): `User:{username}/Draft`.
    #[serde(default)]
    pub title: String,
    /// The edit summary.
    #[serde(default)]
    pub summary: String,
}

pub struct WikiTask;

impl BlockKind for WikiTask {
    const KIND: &'static str = "wiki_task";
    type Content = WikiTaskContent;

    fn validate(c: WikiTaskContent) -> Result<WikiTaskContent, DomainError> {
        check::validate(c)
    }

    /// Done when a check found the work (or staff confirmed it): like a submission, so a
    /// unit holding a task is not "marked done" by hand.
    fn completion(_: &WikiTaskContent) -> Option<CompletionRule> {
        Some(CompletionRule::Submitted)
    }

    fn scoring(c: &WikiTaskContent) -> Option<Scoring> {
        c.graded.then_some(Scoring {
            raw_possible: 1.0,
            weight: c.weight,
        })
    }

    fn takes_due_date(_: &WikiTaskContent) -> bool {
        true
    }

    fn due(c: &WikiTaskContent) -> Option<Timestamp> {
        c.due
    }

    /// The instructions, by paragraph (what the wiki checks — pages, categories, edit
    /// counts — is not text to translate).
    fn translatable(c: &mut WikiTaskContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        visit_paragraphs(&mut c.instructions, "instructions", visit);
    }
}
