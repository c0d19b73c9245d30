//! Open responses: every operation on them, for the pages, the JSON API, the demo and the
//! hourly job alike — drafts, submitting and files (`learner`), peer and self review
//! (`learner`), grading with locks, returning, excusing and cancelling (`staff`), the queue
//! and settling scores time made final (`queue`), the author's settings (`settings`), and
//! what each of them records and tells (`notify`).
//!
//! Every rule about where a submission stands, and what may be written when, is in
//! `lyceum_core::open_response`; these functions gather the facts, apply those rules, and
//! store what happened in one transaction.

pub mod learner;
pub mod notify;
pub mod queue;
pub mod settings;
pub mod staff;

pub use learner::{
    LearnerState, PeerTask, Upload, add_attachment, current_peer, learner_state, next_peer,
    peer_review, remove_attachment, save_draft, self_review, submit,
};
pub use notify::Told;
pub use queue::{QueueRow, queue, settle_course, waiting_in_courses};
pub use settings::{copy_rubric, save_settings};
pub use staff::{
    Access, LockState, StaffOutcome, SubmissionDetails, Viewer, attachment_access,
    cancel_assessment, details, excuse_peer, lock, lock_state, return_for_revision, staff_assess,
    submission_access, unlock, viewer_of,
};

use crate::Result;
use lyceum_core::blocks::Registered;
use lyceum_core::blocks::open_response::{OpenResponse, OpenResponseContent, Points, Step};
use lyceum_core::clock::from_millis;
use lyceum_core::course::CourseTree;
use lyceum_core::open_response::{Facts, Status, rules};
use lyceum_core::{BlockId, CourseId, DomainError};
use lyceum_store::Db;
use lyceum_store::repo::open_responses::{
    self as repo, AssessmentRow, AttachmentRow, SubmissionRow,
};
use std::collections::BTreeMap;

/// A course as these use cases need it: its id, its key (for links in notices) and its
/// content tree. Cheap to copy.
#[derive(Clone, Copy)]
pub struct CourseRef<'a> {
    pub id: CourseId,
    pub key: &'a str,
    pub tree: &'a CourseTree,
}

impl<'a> CourseRef<'a> {
    /// The open-response block at `idx`, whatever its release (callers decide who may
    /// see it).
    pub fn assignment(self, idx: usize) -> Option<Assignment<'a>> {
        content_at(self.tree, idx)?;
        Some(Assignment {
            course: self,
            idx,
            block: self.tree.node(idx).id,
        })
    }

    /// The open-response block with this id.
    pub fn assignment_of(self, block: BlockId) -> Option<Assignment<'a>> {
        self.assignment(self.tree.index_of(block)?)
    }
}

/// The open-response content of a course node, if it is one.
pub fn content_at(tree: &CourseTree, idx: usize) -> Option<&OpenResponseContent> {
    let leaf = tree.node(idx).content.as_ref()?.as_ref().ok()?;
    OpenResponse::of(leaf)
}

/// Whether a course has an open-response assignment (only those have a grading queue).
pub fn has_open_responses(tree: &CourseTree) -> bool {
    tree.units().iter().any(|&u| {
        tree.children(u)
            .iter()
            .any(|&l| content_at(tree, l).is_some())
    })
}

/// One open-response block of a course.
#[derive(Clone, Copy)]
pub struct Assignment<'a> {
    pub course: CourseRef<'a>,
    pub idx: usize,
    pub block: BlockId,
}

impl<'a> Assignment<'a> {
    pub fn content(&self) -> &'a OpenResponseContent {
        // Built only by `CourseRef::assignment`, which checked the kind.
        content_at(self.course.tree, self.idx)
            .unwrap_or_else(|| unreachable!("not an open response"))
    }

    /// Its title: its own, else its unit's.
    pub fn title(&self) -> String {
        let tree = self.course.tree;
        let node = tree.node(self.idx);
        if node.title.is_empty() {
            tree.unit_of(self.idx)
                .map(|u| tree.node(u).title.clone())
                .unwrap_or_default()
        } else {
            node.title.clone()
        }
    }

    /// The unit page it is on, anchored at the block.
    pub fn url(&self) -> String {
        let tree = self.course.tree;
        let unit = tree
            .unit_of(self.idx)
            .map(|u| tree.node(u).url_name.clone())
            .unwrap_or_default();
        format!(
            "/courses/{}/unit/{unit}#block-{}",
            self.course.key, self.block.0
        )
    }

    pub fn due(&self) -> Option<jiff::Timestamp> {
        self.course.tree.due_of(self.idx)
    }

    /// Responses are accepted now (after the start, before the due date).
    pub fn open_at(&self, now: jiff::Timestamp) -> Result<(), DomainError> {
        rules::submission_open(self.content().submission_start, self.due(), now)
    }
}

/// An assessment as stored, decoded.
#[derive(Clone, Debug)]
pub struct Assessment {
    pub row: AssessmentRow,
    pub step: Step,
    pub options: BTreeMap<String, String>,
    pub points: Points,
    pub criterion_feedback: BTreeMap<String, String>,
}

impl Assessment {
    fn decode(row: AssessmentRow) -> Option<Assessment> {
        Some(Assessment {
            step: Step::parse(&row.step)?,
            options: serde_json::from_str(&row.options).ok()?,
            points: serde_json::from_str(&row.points).ok()?,
            criterion_feedback: serde_json::from_str(&row.criterion_feedback).ok()?,
            row,
        })
    }

    /// Not cancelled.
    pub fn counts(&self) -> bool {
        self.row.cancelled_at.is_none()
    }
}

/// The assessments a learner sees (see `rules::released_to_learner`).
pub fn released(status: &Status, assessments: Vec<Assessment>) -> Vec<Assessment> {
    assessments
        .into_iter()
        .filter(|a| rules::released_to_learner(status, a.step, a.counts()))
        .collect()
}

/// One submission with its files, assessments and status.
#[derive(Clone, Debug)]
pub struct Version {
    pub row: SubmissionRow,
    pub files: Vec<AttachmentRow>,
    pub assessments: Vec<Assessment>,
    pub status: Status,
}

/// The facts of one submission, from its assessments and its learner's reviews given.
pub fn facts(
    s: &SubmissionRow,
    assessments: &[Assessment],
    reviews_given: i64,
    now: jiff::Timestamp,
) -> Facts {
    let counting = || {
        assessments
            .iter()
            .filter(|a| a.row.submission_id == s.id && a.counts())
    };
    let latest = |step: Step| {
        counting()
            .rfind(|a| a.step == step)
            .map(|a| a.points.clone())
    };
    Facts {
        submitted_at: from_millis(s.submitted_at),
        now,
        reviews_given: u32::try_from(reviews_given).unwrap_or(u32::MAX),
        peer: counting()
            .filter(|a| a.step == Step::Peer)
            .map(|a| a.points.clone())
            .collect(),
        self_review: latest(Step::SelfReview),
        staff: latest(Step::Staff),
        peer_excused: s.peer_excused,
        returned: s.state == repo::RETURNED,
    }
}

/// Where a submission stands.
pub fn status_of(
    a: &Assignment<'_>,
    s: &SubmissionRow,
    assessments: &[Assessment],
    reviews_given: i64,
    now: jiff::Timestamp,
) -> Status {
    lyceum_core::open_response::status(a.content(), &facts(s, assessments, reviews_given, now))
}

async fn load_assessments(db: &mut impl Db, ids: &[i64]) -> Result<Vec<Assessment>> {
    Ok(repo::assessments_of(db, ids)
        .await?
        .into_iter()
        .filter_map(Assessment::decode)
        .collect())
}
