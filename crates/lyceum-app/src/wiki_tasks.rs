//! Wiki tasks: a learner's exercise done on a wiki, checked through the Action API, and
//! the cohort's on-wiki work for the course team (issue 14).
//!
//! - [`view`]: the task as the learner sees it, with its status, evidence and last check;
//! - [`check`]: "Check my work": read what is new on the wiki for the learner, judge it,
//!   and on success store the evidence, the completion and the credit in one transaction
//!   (rate-limited per learner);
//! - [`confirm`]: staff confirm a learner's credit, which a later re-check never removes;
//! - [`sync`]: the background job refreshing enrolled learners' contributions for courses
//!   with wiki tasks, re-checking their tasks (reverted or deleted edits are flagged);
//! - [`activity`], [`learner_activity`]: the dashboard's numbers (and the CSV's);
//! - [`record_unit_open`]: the first time a learner opened a unit (for windows that start
//!   there).
//!
//! A wiki that is down, slow or answering garbage never fails a page: a check records
//! "could not check" with the time, and the job retries later with backoff.
//!
//! SKELETON: bodies are filled in by the wiki-task application work (issue 14).

use crate::surveys::CourseRef;
use crate::{Env, Result};
use jiff::Timestamp;
use lyceum_core::blocks::wiki_task::activity::Activity;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_wiki::registry::Wikis;

/// A learner's state on a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    Done,
    /// Done once, but an edit it rests on was reverted or deleted since (credit kept if
    /// staff confirmed it).
    Flagged,
}

impl Status {
    /// `not_started`, `done`, `flagged` (the API's words).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::Done => "done",
            Status::Flagged => "flagged",
        }
    }
}

/// One piece of evidence a check found: immutable, but for its flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub wiki: String,
    /// A revision id, or an upload's log id (`is_upload`).
    pub revid: i64,
    pub is_upload: bool,
    pub title: String,
    pub timestamp: Timestamp,
    pub sizediff: i64,
    pub tags: Vec<String>,
    /// `Some("reverted")` or `Some("deleted")` once a re-check saw it so.
    pub flag: Option<String>,
    /// Links on the wiki (None when the wiki is not one this site reads any more).
    pub diff_url: Option<String>,
}

/// Why the last check could not decide, for the learner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckNote {
    /// No Wikimedia account is linked: link one in Preferences.
    NoIdentity,
    /// The wiki named is not one this site reads.
    WikiNotAvailable,
    /// The wiki could not be read; the check is retried later.
    WikiUnavailable,
    /// The account was read, and nothing that counts was found yet.
    NothingFoundYet,
}

/// The task as the learner sees it.
#[derive(Clone, Debug)]
pub struct TaskView {
    pub block: BlockId,
    pub status: Status,
    pub evidence: Vec<Evidence>,
    pub checked_at: Option<Timestamp>,
    pub note: Option<CheckNote>,
    /// The learner's wiki user name, if linked.
    pub username: Option<String>,
    /// Staff confirmed the credit: when and by whom (display name).
    pub confirmed: Option<(Timestamp, String)>,
    /// When work starts counting and when it stops, for this learner.
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// The actor's view of the task `block` (learners enrolled; the team sees its own
/// state, always not started). `NotFound` when the actor may not see its unit.
pub async fn view(
    _env: &Env,
    _wikis: &Wikis,
    _course: &CourseRef<'_>,
    _block: BlockId,
) -> Result<TaskView> {
    todo!()
}

/// The views of the tasks among `blocks` (one unit's), in one read.
pub async fn views_in(
    _env: &Env,
    _wikis: &Wikis,
    _course: &CourseRef<'_>,
    _blocks: &[BlockId],
) -> Result<Vec<TaskView>> {
    todo!()
}

/// "Check my work" now. `RateLimited` (with `retry_after_secs`) when the learner checked
/// this task very recently; a wiki that cannot be read is not an error: the view says so.
pub async fn check(
    _env: &Env,
    _wikis: &Wikis,
    _course: &CourseRef<'_>,
    _block: BlockId,
) -> Result<TaskView> {
    todo!()
}

/// Staff confirm (or withdraw the confirmation of) a learner's credit on a task.
pub async fn confirm(
    _env: &Env,
    _course: &CourseRef<'_>,
    _learner: UserId,
    _block: BlockId,
    _confirmed: bool,
) -> Result<()> {
    todo!()
}

/// What a run of the background sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub learners: u64,
    pub edits: u64,
    pub uploads: u64,
    pub failures: u64,
    pub tasks_done: u64,
    pub tasks_flagged: u64,
}

/// The background job: for each course with wiki tasks, refresh its enrolled learners'
/// contributions on the wikis its tasks name (batched names, in series, only what is
/// new), and re-check their tasks.
pub async fn sync(_env: &Env, _wikis: &Wikis) -> Result<SyncReport> {
    todo!()
}

/// Record the first time `user` opened `unit` (idempotent).
pub async fn record_unit_open(
    _env: &Env,
    _user: UserId,
    _course: CourseId,
    _unit: BlockId,
) -> Result<()> {
    todo!()
}

/// One learner's line on the dashboard.
#[derive(Clone, Debug)]
pub struct LearnerLine {
    pub user: UserId,
    pub username: String,
    pub display_name: String,
    /// The learner's wiki user name, if linked.
    pub wiki_username: Option<String>,
    pub total: Activity,
    /// Per wiki.
    pub per_wiki: Vec<(String, Activity)>,
    pub last_checked: Option<Timestamp>,
}

/// The course's on-wiki activity: per learner and the cohort's totals, over the course's
/// window (course start, or enrolment, to course end). Course staff only.
pub struct CohortActivity {
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub learners: Vec<LearnerLine>,
    pub total: Activity,
}

pub async fn activity(_env: &Env, _course: &CourseRef<'_>) -> Result<CohortActivity> {
    todo!()
}

/// One edit or upload on a learner's page, with its diff link.
#[derive(Clone, Debug)]
pub struct ActivityItem {
    pub wiki: String,
    pub revid: i64,
    pub is_upload: bool,
    pub title: String,
    pub timestamp: Timestamp,
    pub sizediff: i64,
    pub new_page: bool,
    pub refs_added: Option<i64>,
    pub tags: Vec<String>,
    pub reverted: bool,
    pub deleted: bool,
    pub url: Option<String>,
}

/// One learner's on-wiki work in the course's window (staff, or the learner themselves).
pub struct LearnerActivity {
    pub line: LearnerLine,
    pub items: Vec<ActivityItem>,
}

pub async fn learner_activity(
    _env: &Env,
    _wikis: &Wikis,
    _course: &CourseRef<'_>,
    _learner: UserId,
) -> Result<LearnerActivity> {
    todo!()
}
