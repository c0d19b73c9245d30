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
//! Identity: a learner's row in `wikimedia_accounts` (a Wikimedia login, or an account
//! linked from Preferences); renames are followed through its central id before each
//! read. Work counts in a window per learner: from their enrolment (or the first time
//! they opened the task's unit) to the task's due date (its own, else its subsection's).
//!
//! Evidence is written once; a re-check only flags it (`reverted`, `deleted`). When too
//! few unflagged items remain and no other qualifying work is found, the task is
//! `flagged`: the completion stays (a record that work was done), the credit is withdrawn
//! unless staff confirmed it, and the learner gets a notice either way.
//!
//! Staff confirming a task vouch for the work: the credit is recorded (and the completion)
//! whatever the check says, and no later re-check withdraws it; withdrawing the
//! confirmation of a task the check does not count as done withdraws that credit.

use crate::surveys::CourseRef;
use crate::trust::Creation;
use crate::{Env, Error, ErrorKind, Result};
use jiff::Timestamp;
use lyceum_core::blocks::wiki_task::activity::Activity;
use lyceum_core::blocks::wiki_task::check::{self as judge, Bounds};
use lyceum_core::blocks::wiki_task::{Criteria, WikiTask, WikiTaskContent, WindowStart};
use lyceum_core::course::{CourseTree, Visibility};
use lyceum_core::permissions::Action;
use lyceum_core::wiki::{WikiEdit, WikiUpload};
use lyceum_core::{BlockId, CourseId, DomainError, UserId};
use lyceum_store::repo::wiki::{self as repo, EditRow, EvidenceRow, IdentityRow, TaskStateRow};
use lyceum_store::repo::{audit, courses, learner, notifications};
use lyceum_wiki::action::{ActionApi, ApiError};
use lyceum_wiki::registry::{Wiki, Wikis};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Edits are read again from a little before the newest one stored: a wiki's recent
/// changes can show up late (replication lag), and re-reading costs nothing since a
/// revision already stored is kept as it is.
pub const OVERLAP_MS: i64 = 5 * 60 * 1000;
/// A learner checks the same task at most this often.
pub const CHECK_EVERY_MS: i64 = 15 * 1000;
/// Revision texts read per check of a task: the newest candidates.
pub const TEXTS_PER_CHECK: usize = 20;
/// A wiki that failed is retried after 5 minutes, then 10, 20… up to 6 hours.
pub const BACKOFF_MIN_MS: i64 = 5 * 60 * 1000;
pub const BACKOFF_MAX_MS: i64 = 6 * 3600 * 1000;
/// The job keeps a course's learners fresh until 14 days after it ended.
pub const ENDED_GRACE_MS: i64 = 14 * 24 * 3600 * 1000;
/// Revisions whose references the job counts per run and wiki, so the dashboard's
/// "references added" fills up over runs without one run reading a cohort's history.
pub const REFS_PER_RUN: i64 = 200;

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

// ---- helpers ----

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// How long a wiki that failed `failures` times before (this failure not counted) waits.
pub fn backoff_ms(failures: i64) -> i64 {
    let shift = u32::try_from(failures.clamp(0, 16)).unwrap_or(16);
    BACKOFF_MIN_MS
        .saturating_mul(1_i64 << shift)
        .min(BACKOFF_MAX_MS)
}

fn tags_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn edit_of(r: &EditRow) -> WikiEdit {
    let mut tags = tags_of(&r.tags);
    if r.reverted && !tags.iter().any(|t| t == "mw-reverted") {
        tags.push("mw-reverted".into());
    }
    WikiEdit {
        revid: r.revid,
        parentid: r.parentid,
        pageid: r.pageid,
        ns: r.ns,
        title: r.title.clone(),
        timestamp: ts(r.edited_at),
        size: r.size,
        sizediff: r.sizediff,
        new: r.is_new,
        tags,
    }
}

/// How many matching items complete the task.
fn minimum(c: &Criteria) -> usize {
    let n = match c {
        Criteria::Edit(e) => e.min_edits,
        Criteria::Upload(u) => u.min_uploads,
        Criteria::Wikidata(w) => w.min_edits,
    };
    usize::try_from(n.max(1)).unwrap_or(1)
}

fn reads_uploads(c: &Criteria) -> bool {
    matches!(c, Criteria::Upload(_))
}

/// Titles as MediaWiki compares them: underscores are spaces.
fn same_title(a: &str, b: &str) -> bool {
    a.replace('_', " ") == b.replace('_', " ")
}

fn add(total: &mut Activity, a: &Activity) {
    total.edits += a.edits;
    total.pages_created += a.pages_created;
    total.pages_edited += a.pages_edited;
    total.bytes_added += a.bytes_added;
    total.refs_added += a.refs_added;
    total.uploads += a.uploads;
}

fn rate_limited(key: &'static str, arg: u64, secs: u64) -> Error {
    let mut e = Error::new(
        ErrorKind::RateLimited,
        DomainError::new(key).with_arg(arg.to_string()),
    );
    e.retry_after_secs = Some(secs);
    e
}

// ---- where a task is ----

/// A wiki task block of a course's tree.
struct TaskAt<'a> {
    block: BlockId,
    idx: usize,
    unit: BlockId,
    title: &'a str,
    content: &'a WikiTaskContent,
}

fn task_at(tree: &CourseTree, idx: usize) -> Option<TaskAt<'_>> {
    let node = tree.node(idx);
    let content = node.content_of::<WikiTask>()?;
    let unit = tree.unit_of(idx)?;
    Some(TaskAt {
        block: node.id,
        idx,
        unit: tree.node(unit).id,
        title: &node.title,
        content,
    })
}

/// The task `block` of the course if the actor can see its unit; `NotFound` otherwise.
fn locate<'a>(course: &CourseRef<'a>, block: BlockId) -> Result<TaskAt<'a>> {
    let tree = course.tree;
    let idx = tree
        .index_of(block)
        .filter(|&i| {
            tree.unit_of(i)
                .is_some_and(|u| tree.is_visible(u, course.vis))
        })
        .ok_or_else(Error::not_found)?;
    task_at(tree, idx).ok_or_else(Error::not_found)
}

/// The actor, who must be enrolled or on the course team; anyone else is told the task
/// does not exist.
fn participant(course: &CourseRef<'_>) -> Result<UserId> {
    course.user_who_may(Action::ViewCourseware)
}

/// The actor, who must be on the course team with grading rights; to anyone else the
/// thing asked about does not exist.
fn staff(course: &CourseRef<'_>) -> Result<UserId> {
    course.user_who_may(Action::Grade)
}

/// When work counts for a learner on a task.
fn bounds_for(tree: &CourseTree, at: &TaskAt<'_>, enrolled_at: i64, opened: Option<i64>) -> Bounds {
    let from = match at.content.window.from {
        WindowStart::Enrolment => enrolled_at,
        WindowStart::UnitOpened => opened.unwrap_or(enrolled_at).max(enrolled_at),
    };
    Bounds {
        from: ts(from),
        until: if at.content.window.until_due {
            tree.due_of(at.idx)
        } else {
            None
        },
    }
}

// ---- what the store knows of one learner ----

struct LearnerFacts {
    enrolled_at: Option<i64>,
    identity: Option<IdentityRow>,
    states: HashMap<i64, TaskStateRow>,
    evidence: HashMap<i64, Vec<EvidenceRow>>,
    opens: HashMap<i64, i64>,
}

/// Five statements whatever the number of tasks.
async fn learner_facts(
    env: &Env,
    user: UserId,
    course: CourseId,
    blocks: &[BlockId],
) -> Result<LearnerFacts> {
    let mut c = env.store.conn().await?;
    let enrolled_at = repo::enrolled_at(&mut c, user, course).await?;
    let identity = repo::identity(&mut c, user).await?;
    let states = repo::task_states_in(&mut c, user, blocks)
        .await?
        .into_iter()
        .map(|s| (s.block_id, s))
        .collect();
    let mut evidence: HashMap<i64, Vec<EvidenceRow>> = HashMap::new();
    for e in repo::evidence_in(&mut c, user, blocks).await? {
        evidence.entry(e.block_id).or_default().push(e);
    }
    let opens = repo::unit_opens(&mut c, course, Some(user))
        .await?
        .into_iter()
        .map(|(_, unit, at)| (unit, at))
        .collect();
    Ok(LearnerFacts {
        enrolled_at,
        identity,
        states,
        evidence,
        opens,
    })
}

fn evidence_view(rows: &[EvidenceRow], wikis: &Wikis) -> Vec<Evidence> {
    rows.iter()
        .map(|r| {
            let wiki = wikis.registry.get(&r.wiki);
            Evidence {
                wiki: r.wiki.clone(),
                revid: r.revid,
                is_upload: r.is_upload,
                title: r.title.clone(),
                timestamp: ts(r.edited_at),
                sizediff: r.sizediff,
                tags: tags_of(&r.tags),
                flag: (!r.flag.is_empty()).then(|| r.flag.clone()),
                diff_url: wiki.map(|w| {
                    if r.is_upload {
                        w.page_url(&r.title)
                    } else {
                        w.diff_url(r.revid)
                    }
                }),
            }
        })
        .collect()
}

fn status_of(state: Option<&TaskStateRow>) -> Status {
    match state.map(|s| s.status.as_str()) {
        Some("done") => Status::Done,
        Some("flagged") => Status::Flagged,
        _ => Status::NotStarted,
    }
}

fn build_view(wikis: &Wikis, tree: &CourseTree, at: &TaskAt<'_>, facts: &LearnerFacts) -> TaskView {
    let username = facts.identity.as_ref().map(|i| i.username.clone());
    let Some(enrolled_at) = facts.enrolled_at else {
        // The course team, not enrolled: nothing of theirs is checked.
        return TaskView {
            block: at.block,
            status: Status::NotStarted,
            evidence: Vec::new(),
            checked_at: None,
            note: username.is_none().then_some(CheckNote::NoIdentity),
            username,
            confirmed: None,
            from: None,
            until: None,
        };
    };
    let state = facts.states.get(&at.block.0);
    let status = status_of(state);
    let note = if facts.identity.is_none() {
        Some(CheckNote::NoIdentity)
    } else if wikis.registry.get(&at.content.wiki).is_none() {
        Some(CheckNote::WikiNotAvailable)
    } else if state.is_some_and(|s| !s.check_error.is_empty()) {
        Some(CheckNote::WikiUnavailable)
    } else if status == Status::NotStarted && state.is_some_and(|s| s.checked_at.is_some()) {
        Some(CheckNote::NothingFoundYet)
    } else {
        None
    };
    let bounds = bounds_for(tree, at, enrolled_at, facts.opens.get(&at.unit.0).copied());
    TaskView {
        block: at.block,
        status,
        evidence: facts
            .evidence
            .get(&at.block.0)
            .map(|e| evidence_view(e, wikis))
            .unwrap_or_default(),
        checked_at: state.and_then(|s| s.checked_at).map(ts),
        note,
        username,
        confirmed: state.and_then(|s| {
            let at = s.confirmed_at?;
            let name = lyceum_core::user::shown_name(
                s.confirmer_display_name.as_deref().unwrap_or(""),
                s.confirmer_username.as_deref().unwrap_or(""),
            );
            Some((ts(at), name.to_owned()))
        }),
        from: Some(bounds.from),
        until: bounds.until,
    }
}

/// The actor's view of the task `block` (learners enrolled; the team sees its own
/// state, always not started). `NotFound` when the actor may not see its unit.
pub async fn view(
    env: &Env,
    wikis: &Wikis,
    course: &CourseRef<'_>,
    block: BlockId,
) -> Result<TaskView> {
    let user = participant(course)?;
    let at = locate(course, block)?;
    let facts = learner_facts(env, user, course.id, &[block]).await?;
    Ok(build_view(wikis, course.tree, &at, &facts))
}

/// The views of the tasks among `blocks` (one unit's), in one read. Blocks that are not
/// wiki tasks the actor may see are left out.
pub async fn views_in(
    env: &Env,
    wikis: &Wikis,
    course: &CourseRef<'_>,
    blocks: &[BlockId],
) -> Result<Vec<TaskView>> {
    let user = participant(course)?;
    let tasks: Vec<TaskAt<'_>> = blocks
        .iter()
        .filter_map(|&b| locate(course, b).ok())
        .collect();
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<BlockId> = tasks.iter().map(|t| t.block).collect();
    let facts = learner_facts(env, user, course.id, &ids).await?;
    Ok(tasks
        .iter()
        .map(|at| build_view(wikis, course.tree, at, &facts))
        .collect())
}

// ---- reading the wiki ----

/// Follow a rename: the account's current name on `wiki`, kept when it changed. A wiki
/// that cannot say leaves the stored name; a wiki that cannot be reached at all is that
/// read's failure (`Err`), so nothing more is asked of it now.
async fn follow_rename(
    env: &Env,
    api: &ActionApi,
    wiki: &Wiki,
    identity: &mut IdentityRow,
) -> Result<std::result::Result<(), ApiError>> {
    match api.current_name(wiki, identity.central_id).await {
        Ok(Some(name)) if !name.is_empty() && name != identity.username => {
            let mut c = env.store.conn().await?;
            repo::rename_identity(&mut c, identity.central_id, &name).await?;
            identity.username = name;
        }
        Err(e @ ApiError::Unavailable(_)) => return Ok(Err(e)),
        _ => {}
    }
    Ok(Ok(()))
}

/// Read what is new on `wiki` for one learner (edits, and uploads when asked), store it
/// and the sync state; a failure is kept with its backoff.
#[allow(clippy::too_many_arguments)]
async fn refresh_one(
    env: &Env,
    api: &ActionApi,
    wiki: &Wiki,
    user: UserId,
    identity: &mut IdentityRow,
    first_from: i64,
    uploads: bool,
    now: i64,
) -> Result<std::result::Result<(), ApiError>> {
    let renamed = follow_rename(env, api, wiki, identity).await?;
    let mut c = env.store.conn().await?;
    // What was read of another account (the learner linked a new one) does not count.
    let state = repo::sync_state(&mut c, user, &wiki.id)
        .await?
        .filter(|s| s.central_id == Some(identity.central_id));
    drop(c);
    let name = identity.username.clone();
    let edits_since = read_from(state.as_ref().and_then(|s| s.edits_until), first_from);
    let uploads_since = read_from(state.as_ref().and_then(|s| s.uploads_until), first_from);
    let read = async {
        renamed?;
        let edits = api
            .contributions(wiki, &[name.as_str()], Some(ts(edits_since)))
            .await?;
        let ups = if uploads {
            Some(api.uploads(wiki, &name, Some(ts(uploads_since))).await?)
        } else {
            None
        };
        Ok::<_, ApiError>((edits, ups))
    }
    .await;
    let mut tx = env.store.begin().await?;
    let outcome = match read {
        Ok((edits, ups)) => {
            let edits: Vec<WikiEdit> = edits
                .into_iter()
                .map(|(_, e)| e)
                .filter(|e| e.timestamp.as_millisecond() >= first_from)
                .collect();
            let ups: Option<Vec<WikiUpload>> = ups.map(|u| {
                u.into_iter()
                    .filter(|u| u.timestamp.as_millisecond() >= first_from)
                    .collect()
            });
            repo::insert_edits(&mut tx, &wiki.id, user, &edits).await?;
            let newest = edits.iter().map(|e| e.timestamp.as_millisecond()).max();
            let mut uploads_until = None;
            if let Some(ups) = &ups {
                repo::insert_uploads(&mut tx, &wiki.id, user, ups).await?;
                uploads_until = ups.iter().map(|u| u.timestamp.as_millisecond()).max();
            }
            let keep = |new: Option<i64>, old: Option<i64>| match (new, old) {
                (Some(n), Some(o)) => Some(n.max(o)),
                (n, o) => n.or(o),
            };
            repo::sync_succeeded(
                &mut tx,
                user,
                &wiki.id,
                &name,
                identity.central_id,
                keep(newest, state.as_ref().and_then(|s| s.edits_until)),
                keep(uploads_until, state.as_ref().and_then(|s| s.uploads_until)),
                now,
            )
            .await?;
            Ok(())
        }
        Err(e) => {
            let failures = state.as_ref().map_or(0, |s| s.failures);
            repo::sync_failed(
                &mut tx,
                user,
                &wiki.id,
                &name,
                identity.central_id,
                &e.to_string(),
                now,
                now + backoff_ms(failures),
            )
            .await?;
            Err(e)
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Where the next read starts: a little before the newest item stored (see
/// [`OVERLAP_MS`]), never before the earliest time any window of the learner's starts.
fn read_from(until: Option<i64>, from: i64) -> i64 {
    until.map_or(from, |t| (t - OVERLAP_MS).max(from))
}

/// Flag evidence whose revision was reverted or is gone, and uploads whose file page is
/// gone (a flag is set once; evidence is otherwise never changed). Returns the evidence
/// as it stands now.
async fn recheck_evidence(
    env: &Env,
    api: &ActionApi,
    wiki: &Wiki,
    evidence: Vec<EvidenceRow>,
    now: i64,
) -> Result<std::result::Result<Vec<EvidenceRow>, ApiError>> {
    let mut revids: Vec<i64> = evidence
        .iter()
        .filter(|e| e.flag.is_empty() && !e.is_upload && e.wiki == wiki.id)
        .map(|e| e.revid)
        .collect();
    revids.sort_unstable();
    revids.dedup();
    let mut files: Vec<&str> = evidence
        .iter()
        .filter(|e| e.flag.is_empty() && e.is_upload && e.wiki == wiki.id)
        .map(|e| e.title.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    // (id, is_upload) → flag
    let mut flags: HashMap<(i64, bool), &'static str> = HashMap::new();
    if !revids.is_empty() {
        let states = match api.revision_states(wiki, &revids).await {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        for s in states {
            if s.gone {
                flags.insert((s.revid, false), "deleted");
            } else if s.tags.iter().any(|t| t == "mw-reverted") {
                flags.insert((s.revid, false), "reverted");
            }
        }
    }
    if !files.is_empty() {
        let facts = match api.file_facts(wiki, &files).await {
            Ok(f) => f,
            Err(e) => return Ok(Err(e)),
        };
        for e in evidence.iter().filter(|e| e.is_upload && e.flag.is_empty()) {
            if facts
                .iter()
                .any(|f| f.missing && same_title(&f.title, &e.title))
            {
                flags.insert((e.revid, true), "deleted");
            }
        }
    }
    if flags.is_empty() {
        return Ok(Ok(evidence));
    }
    let mut tx = env.store.begin().await?;
    let mut reverted = Vec::new();
    let mut deleted = Vec::new();
    for (&(id, is_upload), &flag) in &flags {
        repo::flag_evidence(&mut tx, &wiki.id, id, is_upload, flag, now).await?;
        if is_upload {
            repo::mark_upload_deleted(&mut tx, &wiki.id, id).await?;
        } else if flag == "reverted" {
            reverted.push(id);
        } else {
            deleted.push(id);
        }
    }
    repo::mark_edits(&mut tx, &wiki.id, &reverted, true).await?;
    repo::mark_edits(&mut tx, &wiki.id, &deleted, false).await?;
    tx.commit().await?;
    Ok(Ok(evidence
        .into_iter()
        .map(|mut e| {
            if e.flag.is_empty()
                && e.wiki == wiki.id
                && let Some(f) = flags.get(&(e.revid, e.is_upload))
            {
                e.flag = (*f).to_owned();
                e.flagged_at = Some(now);
            }
            e
        })
        .collect()))
}

/// Work that meets a task's criteria.
struct Found {
    revid: i64,
    is_upload: bool,
    title: String,
    edited_at: i64,
    sizediff: i64,
    tags: Vec<String>,
}

fn found_edit(e: &WikiEdit) -> Found {
    Found {
        revid: e.revid,
        is_upload: false,
        title: e.title.clone(),
        edited_at: e.timestamp.as_millisecond(),
        sizediff: e.sizediff,
        tags: e.tags.clone(),
    }
}

/// The learner's stored work in the window that meets the criteria: candidates by their
/// facts, then — for criteria that read text or file pages — what the wiki says of the
/// newest candidates (their references added are counted on the way). `text_since`: when
/// set, texts are read only if a candidate is at least that recent (the older ones were
/// judged before). `excluded`: evidence flagged before, which no longer counts.
#[allow(clippy::too_many_arguments)]
async fn qualifying(
    env: &Env,
    api: &ActionApi,
    wiki: &Wiki,
    criteria: &Criteria,
    username: &str,
    user: UserId,
    bounds: Bounds,
    excluded: &HashSet<(i64, bool)>,
    text_since: Option<i64>,
) -> Result<std::result::Result<Vec<Found>, ApiError>> {
    let from = bounds.from.as_millisecond();
    let until = bounds.until.map(|t| t.as_millisecond());
    let mut c = env.store.conn().await?;
    if let Criteria::Upload(u) = criteria {
        let rows = repo::uploads_of(&mut c, user, &wiki.id, from, until).await?;
        drop(c);
        let ups: Vec<WikiUpload> = rows
            .iter()
            .filter(|r| !r.deleted && !excluded.contains(&(r.logid, true)))
            .map(|r| WikiUpload {
                logid: r.logid,
                title: r.title.clone(),
                timestamp: ts(r.uploaded_at),
            })
            .collect();
        let cands = judge::upload_candidates(bounds, &ups);
        if cands.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let meets: Vec<&WikiUpload> = if u.category.is_empty() && u.licence_template.is_empty() {
            cands
        } else {
            let titles: Vec<&str> = cands.iter().map(|u| u.title.as_str()).collect();
            let facts = match api.file_facts(wiki, &titles).await {
                Ok(f) => f,
                Err(e) => return Ok(Err(e)),
            };
            cands
                .into_iter()
                .filter(|up| {
                    facts.iter().any(|f| {
                        !f.missing && same_title(&f.title, &up.title) && judge::file_meets(u, f)
                    })
                })
                .collect()
        };
        return Ok(Ok(meets
            .into_iter()
            .map(|u| Found {
                revid: u.logid,
                is_upload: true,
                title: u.title.clone(),
                edited_at: u.timestamp.as_millisecond(),
                sizediff: 0,
                tags: Vec::new(),
            })
            .collect()));
    }
    let rows = repo::edits_of(&mut c, user, &wiki.id, from, until).await?;
    drop(c);
    let edits: Vec<WikiEdit> = rows
        .iter()
        .filter(|r| !r.deleted && !excluded.contains(&(r.revid, false)))
        .map(edit_of)
        .collect();
    let cands = match criteria {
        Criteria::Edit(e) => judge::edit_candidates(e, username, bounds, &edits),
        _ => judge::wikidata_candidates(bounds, &edits),
    };
    if cands.is_empty() || !judge::needs_text(criteria) {
        return Ok(Ok(cands.into_iter().map(found_edit).collect()));
    }
    if let Some(since) = text_since
        && !cands.iter().any(|e| e.timestamp.as_millisecond() >= since)
    {
        return Ok(Ok(Vec::new()));
    }
    let newest: Vec<&WikiEdit> = cands.iter().rev().take(TEXTS_PER_CHECK).copied().collect();
    let revids: Vec<i64> = newest.iter().map(|e| e.revid).collect();
    let texts = match api.revision_texts(wiki, &revids).await {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    store_refs(env, wiki, &texts).await?;
    let meets: HashSet<i64> = texts
        .iter()
        .filter(|t| t.content.is_some() && judge::text_meets(criteria, t))
        .map(|t| t.revid)
        .collect();
    Ok(Ok(cands
        .into_iter()
        .filter(|e| meets.contains(&e.revid))
        .map(found_edit)
        .collect()))
}

/// Keep the references each read revision added (wikitext only: other content models
/// hold no `<ref>`, and count 0).
async fn store_refs(
    env: &Env,
    wiki: &Wiki,
    texts: &[lyceum_core::wiki::RevisionText],
) -> Result<()> {
    let counted: Vec<(i64, i64)> = texts
        .iter()
        .filter_map(|t| {
            let content = t.content.as_deref()?;
            let n = if t.content_model == "wikitext" {
                judge::refs_added(content, t.parent_content.as_deref())
            } else {
                0
            };
            Some((t.revid, n))
        })
        .collect();
    if counted.is_empty() {
        return Ok(());
    }
    let mut tx = env.store.begin().await?;
    for (revid, n) in counted {
        repo::set_refs_added(&mut tx, &wiki.id, revid, n).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a judgement did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Done now (it was not, or it was flagged).
    Done,
    /// Done before and still.
    StillDone,
    /// Flagged now (it was done).
    Flagged,
    /// Flagged before and still.
    StillFlagged,
    NothingYet,
    /// The wiki could not be read.
    Unavailable,
}

/// Everything a judgement of one learner's task needs.
struct Judging<'a, 'b> {
    wiki: &'b Wiki,
    course: CourseId,
    at: &'b TaskAt<'a>,
    user: UserId,
    username: &'b str,
    bounds: Bounds,
    state: Option<&'b TaskStateRow>,
    /// This learner's evidence on this task, re-checked already.
    evidence: &'b [EvidenceRow],
    text_since: Option<i64>,
    /// The learner's own "Check my work" (their rate limit), not the sync job.
    by_learner: bool,
}

impl Judging<'_, '_> {
    /// Record a check of this task that read the wiki.
    async fn read_ok(&self, db: &mut impl lyceum_store::Db, now: i64) -> Result<()> {
        repo::touch_check(
            db,
            self.user,
            self.at.block,
            self.course,
            now,
            Ok(()),
            self.by_learner,
        )
        .await?;
        Ok(())
    }
}

/// Judge one learner's task from what is stored (and the texts or file pages of its
/// candidates), and store the verdict in one transaction: new evidence, the status, the
/// completion, the credit, and a notice when work it rested on was reverted or deleted.
async fn settle(env: &Env, api: &ActionApi, j: &Judging<'_, '_>, now: i64) -> Result<Outcome> {
    let status = status_of(j.state);
    let min = minimum(&j.at.content.criteria);
    let open: HashSet<(i64, bool)> = j
        .evidence
        .iter()
        .filter(|e| e.flag.is_empty())
        .map(|e| (e.revid, e.is_upload))
        .collect();
    if status == Status::Done && open.len() >= min {
        let mut c = env.store.conn().await?;
        j.read_ok(&mut c, now).await?;
        return Ok(Outcome::StillDone);
    }
    let excluded: HashSet<(i64, bool)> = j
        .evidence
        .iter()
        .filter(|e| !e.flag.is_empty())
        .map(|e| (e.revid, e.is_upload))
        .collect();
    let text_since = (status == Status::NotStarted)
        .then_some(j.text_since)
        .flatten();
    let found = match qualifying(
        env,
        api,
        j.wiki,
        &j.at.content.criteria,
        j.username,
        j.user,
        j.bounds,
        &excluded,
        text_since,
    )
    .await?
    {
        Ok(f) => f,
        Err(e) => {
            let mut c = env.store.conn().await?;
            repo::touch_check(
                &mut c,
                j.user,
                j.at.block,
                j.course,
                now,
                Err(&e.to_string()),
                j.by_learner,
            )
            .await?;
            return Ok(Outcome::Unavailable);
        }
    };
    let new: Vec<&Found> = found
        .iter()
        .filter(|f| !open.contains(&(f.revid, f.is_upload)))
        .collect();
    let graded = j.at.content.graded;
    let confirmed = j.state.is_some_and(|s| s.confirmed_at.is_some());
    let mut tx = env.store.begin().await?;
    let outcome = if open.len() + new.len() >= min {
        for f in &new {
            let tags = serde_json::to_string(&f.tags).map_err(Error::internal)?;
            repo::insert_evidence(
                &mut tx,
                j.user,
                j.at.block,
                &repo::NewEvidence {
                    wiki: &j.wiki.id,
                    revid: f.revid,
                    is_upload: f.is_upload,
                    title: &f.title,
                    edited_at: f.edited_at,
                    sizediff: f.sizediff,
                    tags: &tags,
                },
                now,
            )
            .await?;
        }
        if status == Status::Done {
            Outcome::StillDone
        } else {
            repo::set_status(&mut tx, j.user, j.at.block, j.course, "done", now).await?;
            learner::record_completions(
                &mut tx,
                j.user,
                j.course,
                &[j.at.block],
                learner::CompletionSource::Submit,
                now,
            )
            .await?;
            if graded {
                repo::set_credit(&mut tx, j.user, j.at.block, j.course, 1.0, now).await?;
            }
            Outcome::Done
        }
    } else if status == Status::Done {
        repo::set_status(&mut tx, j.user, j.at.block, j.course, "flagged", now).await?;
        let withdrawn = graded && !confirmed;
        if withdrawn {
            repo::set_credit(&mut tx, j.user, j.at.block, j.course, 0.0, now).await?;
        }
        let key = courses::get(&mut tx, j.course)
            .await?
            .map(|c| c.course_key)
            .unwrap_or_default();
        let link = format!("/courses/{key}/unit/{}", j.at.unit.0);
        notifications::notify(
            &mut tx,
            &notifications::NewNotice {
                user: j.user,
                course: Some(j.course),
                kind: if withdrawn {
                    "wikitask-withdrawn"
                } else {
                    "wikitask-flagged"
                },
                link: &link,
                subject: j.at.title,
                now,
            },
        )
        .await?;
        Outcome::Flagged
    } else if status == Status::Flagged {
        Outcome::StillFlagged
    } else {
        Outcome::NothingYet
    };
    j.read_ok(&mut tx, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// "Check my work" now. `RateLimited` (with `retry_after_secs`) when the learner checked
/// this task very recently; a wiki that cannot be read is not an error: the view says so.
/// Course team members who are not enrolled are refused (`Forbidden`: enrol to check).
pub async fn check(
    env: &Env,
    wikis: &Wikis,
    course: &CourseRef<'_>,
    block: BlockId,
) -> Result<TaskView> {
    let user = participant(course)?;
    let at = locate(course, block)?;
    if !course.facts.enrolled {
        return Err(Error::forbidden("lyceum-error-enroll-first"));
    }
    let facts = learner_facts(env, user, course.id, &[block]).await?;
    let Some(enrolled_at) = facts.enrolled_at else {
        return Err(Error::forbidden("lyceum-error-enroll-first"));
    };
    let (Some(mut identity), Some(wiki)) =
        (facts.identity.clone(), wikis.registry.get(&at.content.wiki))
    else {
        // No identity, or a wiki this site does not read: the view says which.
        return Ok(build_view(wikis, course.tree, &at, &facts));
    };
    let now = env.now_ms();
    let state = facts.states.get(&block.0);
    if let Some(last) = state.and_then(|s| s.attempted_at) {
        let wait = last + CHECK_EVERY_MS - now;
        if wait > 0 {
            let secs = u64::try_from(wait).unwrap_or(1).div_ceil(1000).max(1);
            return Err(rate_limited("lyceum-wikitask-notice-too-soon", secs, secs));
        }
    }
    let mut tx = env.store.begin().await?;
    if let Err(e) = crate::trust::check_rate(&mut tx, now, &course.actor, Creation::WikiCheck).await
    {
        if e.kind == ErrorKind::RateLimited {
            let secs = e.retry_after_secs.unwrap_or(60);
            return Err(rate_limited(
                "lyceum-wikitask-notice-rate",
                secs.div_ceil(60),
                secs,
            ));
        }
        return Err(e);
    }
    tx.commit().await?;

    let bounds = bounds_for(
        course.tree,
        &at,
        enrolled_at,
        facts.opens.get(&at.unit.0).copied(),
    );
    let criteria = &at.content.criteria;
    // The learner's whole history is never read: from the window's start at the earliest.
    let first_from = enrolled_at.min(bounds.from.as_millisecond());
    let read = refresh_one(
        env,
        &wikis.api,
        &wiki,
        user,
        &mut identity,
        first_from,
        reads_uploads(criteria),
        now,
    )
    .await?;
    let evidence = facts.evidence.get(&block.0).cloned().unwrap_or_default();
    let rechecked = match read {
        Ok(()) => recheck_evidence(env, &wikis.api, &wiki, evidence, now).await?,
        Err(e) => Err(e),
    };
    match rechecked {
        Err(e) => {
            let mut c = env.store.conn().await?;
            repo::touch_check(
                &mut c,
                user,
                block,
                course.id,
                now,
                Err(&e.to_string()),
                true,
            )
            .await?;
        }
        Ok(evidence) => {
            settle(
                env,
                &wikis.api,
                &Judging {
                    wiki: &wiki,
                    course: course.id,
                    at: &at,
                    user,
                    username: &identity.username,
                    bounds,
                    state,
                    evidence: &evidence,
                    text_since: None,
                    by_learner: true,
                },
                now,
            )
            .await?;
        }
    }
    let facts = learner_facts(env, user, course.id, &[block]).await?;
    Ok(build_view(wikis, course.tree, &at, &facts))
}

/// Staff confirm (or withdraw the confirmation of) a learner's credit on a task.
///
/// Confirming vouches for the work: the completion and (if graded) the credit are
/// recorded whatever the check says, and a later re-check never withdraws them.
/// Withdrawing a confirmation withdraws the credit only where the check does not count
/// the task done. The learner must be enrolled; one audit row per change.
pub async fn confirm(
    env: &Env,
    course: &CourseRef<'_>,
    learner_id: UserId,
    block: BlockId,
    confirmed: bool,
) -> Result<()> {
    let me = staff(course)?;
    let at = locate(course, block)?;
    let mut tx = env.store.begin().await?;
    if repo::enrolled_at(&mut tx, learner_id, course.id)
        .await?
        .is_none()
    {
        return Err(Error::not_found());
    }
    let now = env.now_ms();
    let state = repo::task_state(&mut tx, learner_id, block).await?;
    let was = state.as_ref().is_some_and(|s| s.confirmed_at.is_some());
    if was == confirmed {
        return Ok(());
    }
    let status = status_of(state.as_ref());
    repo::set_confirmed(
        &mut tx,
        learner_id,
        block,
        course.id,
        confirmed.then_some(me),
        now,
    )
    .await?;
    if confirmed {
        learner::record_completions(
            &mut tx,
            learner_id,
            course.id,
            &[block],
            learner::CompletionSource::Submit,
            now,
        )
        .await?;
        if at.content.graded {
            repo::set_credit(&mut tx, learner_id, block, course.id, 1.0, now).await?;
        }
    } else if at.content.graded && status != Status::Done {
        repo::set_credit(&mut tx, learner_id, block, course.id, 0.0, now).await?;
    }
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: if confirmed {
                "wikitask.confirm"
            } else {
                "wikitask.unconfirm"
            },
            target_type: "user",
            target_id: &learner_id.0.to_string(),
            reason: "",
            details: json!({
                "course": course.id.0,
                "block": block.0,
                "task": at.title,
                "status": status.as_str(),
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
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

/// A course the job looks after.
struct SyncCourse {
    id: CourseId,
    tree: CourseTree,
    /// Tasks whose unit learners see now, by wiki.
    tasks: BTreeMap<String, Vec<usize>>,
}

/// A learner the job reads on one wiki.
struct SyncLearner {
    user: UserId,
    identity: IdentityRow,
    /// The earliest enrolment among their courses with tasks on the wiki.
    from: i64,
    uploads: bool,
}

/// The background job: for each course with wiki tasks, refresh its enrolled learners'
/// contributions on the wikis its tasks name (batched names, in series, only what is
/// new), and re-check their tasks.
///
/// Courses count while running or for 14 days after they end. Per wiki: renames are
/// followed, all the learners' names go to one `contributions` read (the client batches
/// them by 50) from the oldest point any of them was read to (minus an overlap), then
/// uploads for learners with upload tasks; a wiki that fails backs off (5 minutes
/// doubling to 6 hours) and is skipped until then. Then evidence is re-checked (reverted,
/// deleted), every learner's tasks on the wiki are judged (texts are read only when a
/// not-done task has new candidates), and up to [`REFS_PER_RUN`] revisions get their
/// references counted for the dashboard.
pub async fn sync(env: &Env, wikis: &Wikis) -> Result<SyncReport> {
    let now = env.now_ms();
    let mut report = SyncReport::default();
    let mut c = env.store.conn().await?;
    let rows = repo::courses_with_tasks(&mut c, now - ENDED_GRACE_MS).await?;
    let mut courses_: Vec<SyncCourse> = Vec::new();
    for row in &rows {
        let id = CourseId(row.id);
        let tree = courses::load_tree(&mut c, id).await?;
        let vis = Visibility {
            now: env.now(),
            course_start: row.start_at.map(ts),
            see_unreleased: false,
        };
        let mut tasks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &u in tree.units() {
            if !tree.is_visible(u, &vis) {
                continue;
            }
            for &i in tree.children(u) {
                if let Some(t) = task_at(&tree, i) {
                    tasks.entry(t.content.wiki.clone()).or_default().push(i);
                }
            }
        }
        if !tasks.is_empty() {
            courses_.push(SyncCourse { id, tree, tasks });
        }
    }
    let ids: Vec<CourseId> = courses_.iter().map(|c| c.id).collect();
    let enrolled = repo::enrolled_identities(&mut c, &ids).await?;
    drop(c);
    let mut wiki_ids: Vec<String> = courses_
        .iter()
        .flat_map(|c| c.tasks.keys().cloned())
        .collect();
    wiki_ids.sort();
    wiki_ids.dedup();
    for wiki_id in wiki_ids {
        let Some(wiki) = wikis.registry.get(&wiki_id) else {
            continue;
        };
        sync_wiki(
            env,
            &wikis.api,
            &wiki,
            &courses_,
            &enrolled,
            now,
            &mut report,
        )
        .await?;
    }
    Ok(report)
}

async fn sync_wiki(
    env: &Env,
    api: &ActionApi,
    wiki: &Wiki,
    courses_: &[SyncCourse],
    enrolled: &[repo::EnrolledIdentityRow],
    now: i64,
    report: &mut SyncReport,
) -> Result<()> {
    // The learners to read: enrolled in a course with a task on this wiki.
    let mut learners: BTreeMap<i64, SyncLearner> = BTreeMap::new();
    for course in courses_ {
        let Some(tasks) = course.tasks.get(&wiki.id) else {
            continue;
        };
        let uploads = tasks
            .iter()
            .any(|&i| task_at(&course.tree, i).is_some_and(|t| reads_uploads(&t.content.criteria)));
        for e in enrolled.iter().filter(|e| e.course_id == course.id.0) {
            let l = learners.entry(e.user_id).or_insert_with(|| SyncLearner {
                user: UserId(e.user_id),
                identity: IdentityRow {
                    user_id: e.user_id,
                    central_id: e.central_id,
                    username: e.username.clone(),
                },
                from: e.enrolled_at,
                uploads,
            });
            l.from = l.from.min(e.enrolled_at);
            l.uploads |= uploads;
        }
    }
    if learners.is_empty() {
        return Ok(());
    }
    let users: Vec<UserId> = learners.values().map(|l| l.user).collect();
    let mut c = env.store.conn().await?;
    let states: HashMap<i64, repo::SyncRow> = repo::sync_states(&mut c, &wiki.id, &users)
        .await?
        .into_iter()
        .map(|s| (s.user_id, s))
        .collect();
    drop(c);
    // A wiki in backoff is left alone until its time.
    if states.values().any(|s| s.next_at.is_some_and(|n| n > now)) {
        return Ok(());
    }
    // What was read of another account (a learner linked a new one) does not count.
    let states: HashMap<i64, repo::SyncRow> = states
        .into_iter()
        .filter(|(u, s)| {
            learners
                .get(u)
                .is_some_and(|l| s.central_id == Some(l.identity.central_id))
        })
        .collect();
    // Renames first (one question per learner); a wiki that cannot be reached fails
    // the run at the first.
    let mut reached = Ok(());
    for l in learners.values_mut() {
        reached = follow_rename(env, api, wiki, &mut l.identity).await?;
        if reached.is_err() {
            break;
        }
    }
    let since = learners
        .values()
        .map(|l| read_from(states.get(&l.user.0).and_then(|s| s.edits_until), l.from))
        .min()
        .unwrap_or(now);
    let names: Vec<&str> = learners
        .values()
        .map(|l| l.identity.username.as_str())
        .collect();
    let read = async {
        reached?;
        let edits = api.contributions(wiki, &names, Some(ts(since))).await?;
        let mut ups = HashMap::new();
        for l in learners.values().filter(|l| l.uploads) {
            let from = read_from(states.get(&l.user.0).and_then(|s| s.uploads_until), l.from);
            let got = api
                .uploads(wiki, &l.identity.username, Some(ts(from)))
                .await?;
            ups.insert(l.user.0, got);
        }
        Ok::<_, ApiError>((edits, ups))
    }
    .await;
    let mut tx = env.store.begin().await?;
    let (edits, ups) = match read {
        Ok(r) => r,
        Err(e) => {
            for l in learners.values() {
                let failures = states.get(&l.user.0).map_or(0, |s| s.failures);
                repo::sync_failed(
                    &mut tx,
                    l.user,
                    &wiki.id,
                    &l.identity.username,
                    l.identity.central_id,
                    &e.to_string(),
                    now,
                    now + backoff_ms(failures),
                )
                .await?;
            }
            tx.commit().await?;
            report.failures += 1;
            return Ok(());
        }
    };
    let by_name: HashMap<String, i64> = learners
        .values()
        .map(|l| (l.identity.username.replace('_', " "), l.user.0))
        .collect();
    let mut per_user: HashMap<i64, Vec<WikiEdit>> = HashMap::new();
    // Each learner keeps only what is in their windows (the batch read from the oldest
    // point among them).
    for (name, e) in edits {
        if let Some(&u) = by_name.get(&name.replace('_', " "))
            && learners
                .get(&u)
                .is_some_and(|l| e.timestamp.as_millisecond() >= l.from)
        {
            per_user.entry(u).or_default().push(e);
        }
    }
    for l in learners.values() {
        let state = states.get(&l.user.0);
        let mine = per_user.remove(&l.user.0).unwrap_or_default();
        report.edits += repo::insert_edits(&mut tx, &wiki.id, l.user, &mine).await?;
        let newest = mine.iter().map(|e| e.timestamp.as_millisecond()).max();
        let mut uploads_until = None;
        if let Some(got) = ups.get(&l.user.0) {
            let got: Vec<WikiUpload> = got
                .iter()
                .filter(|u| u.timestamp.as_millisecond() >= l.from)
                .cloned()
                .collect();
            report.uploads += repo::insert_uploads(&mut tx, &wiki.id, l.user, &got).await?;
            uploads_until = got.iter().map(|u| u.timestamp.as_millisecond()).max();
        }
        let keep = |new: Option<i64>, old: Option<i64>| match (new, old) {
            (Some(n), Some(o)) => Some(n.max(o)),
            (n, o) => n.or(o),
        };
        repo::sync_succeeded(
            &mut tx,
            l.user,
            &wiki.id,
            &l.identity.username,
            l.identity.central_id,
            keep(newest, state.and_then(|s| s.edits_until)),
            keep(uploads_until, state.and_then(|s| s.uploads_until)),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    report.learners += learners.len() as u64;

    // Re-check and judge every learner's tasks on this wiki, course by course.
    for course in courses_ {
        let Some(task_idx) = course.tasks.get(&wiki.id) else {
            continue;
        };
        let tasks: Vec<TaskAt<'_>> = task_idx
            .iter()
            .filter_map(|&i| task_at(&course.tree, i))
            .collect();
        let blocks: Vec<BlockId> = tasks.iter().map(|t| t.block).collect();
        let mut c = env.store.conn().await?;
        let task_states: HashMap<(i64, i64), TaskStateRow> =
            repo::task_states_of_course(&mut c, course.id)
                .await?
                .into_iter()
                .map(|s| ((s.user_id, s.block_id), s))
                .collect();
        let all_evidence = repo::evidence_of_blocks(&mut c, &blocks).await?;
        let opens: HashMap<(i64, i64), i64> = repo::unit_opens(&mut c, course.id, None)
            .await?
            .into_iter()
            .map(|(u, unit, at)| ((u, unit), at))
            .collect();
        drop(c);
        let all_evidence = match recheck_evidence(env, api, wiki, all_evidence, now).await? {
            Ok(e) => e,
            Err(_) => {
                report.failures += 1;
                continue;
            }
        };
        let mut evidence: HashMap<(i64, i64), Vec<EvidenceRow>> = HashMap::new();
        for e in all_evidence {
            evidence.entry((e.user_id, e.block_id)).or_default().push(e);
        }
        for e in enrolled.iter().filter(|e| e.course_id == course.id.0) {
            let Some(l) = learners.get(&e.user_id) else {
                continue;
            };
            for at in &tasks {
                let key = (e.user_id, at.block.0);
                let state = task_states.get(&key);
                let bounds = bounds_for(
                    &course.tree,
                    at,
                    e.enrolled_at,
                    opens.get(&(e.user_id, at.unit.0)).copied(),
                );
                let outcome = settle(
                    env,
                    api,
                    &Judging {
                        wiki,
                        course: course.id,
                        at,
                        user: l.user,
                        username: &l.identity.username,
                        bounds,
                        state,
                        evidence: evidence.get(&key).map_or(&[], |v| v.as_slice()),
                        text_since: state.and_then(|s| s.checked_at).map(|t| t - OVERLAP_MS),
                        by_learner: false,
                    },
                    now,
                )
                .await?;
                match outcome {
                    Outcome::Done => report.tasks_done += 1,
                    Outcome::Flagged => report.tasks_flagged += 1,
                    Outcome::Unavailable => report.failures += 1,
                    _ => {}
                }
            }
        }
    }

    // References added, for the dashboard: a bounded number of revisions per run.
    let from = learners.values().map(|l| l.from).min().unwrap_or(now);
    let mut c = env.store.conn().await?;
    let revids = repo::edits_without_refs(&mut c, &wiki.id, &users, from, REFS_PER_RUN).await?;
    drop(c);
    if !revids.is_empty() {
        match api.revision_texts(wiki, &revids).await {
            Ok(texts) => {
                store_refs(env, wiki, &texts).await?;
                // Revisions whose text cannot be read (hidden, deleted) count none, so
                // they are not asked for again.
                let read: HashSet<i64> = texts
                    .iter()
                    .filter(|t| t.content.is_some())
                    .map(|t| t.revid)
                    .collect();
                let mut tx = env.store.begin().await?;
                for r in revids.iter().filter(|r| !read.contains(r)) {
                    repo::set_refs_added(&mut tx, &wiki.id, *r, 0).await?;
                }
                tx.commit().await?;
            }
            Err(_) => report.failures += 1,
        }
    }
    Ok(())
}

/// Record the first time `user` opened `unit` (idempotent).
pub async fn record_unit_open(
    env: &Env,
    user: UserId,
    course: CourseId,
    unit: BlockId,
) -> Result<()> {
    let mut c = env.store.conn().await?;
    repo::record_unit_open(&mut c, user, course, unit, env.now_ms()).await?;
    Ok(())
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

/// The window and the lines of the cohort (or of one learner): four statements whatever
/// the cohort's size.
async fn lines(
    env: &Env,
    course: CourseId,
    only: Option<UserId>,
) -> Result<(Option<i64>, Option<i64>, Vec<(LearnerLine, i64)>)> {
    let mut c = env.store.conn().await?;
    let row = courses::get(&mut c, course)
        .await?
        .ok_or_else(Error::not_found)?;
    let from = row.start_at;
    let until = row.end_at;
    let (lo, hi) = (from.unwrap_or(0), until.unwrap_or(i64::MAX));
    let people = repo::cohort(&mut c, course, only).await?;
    let edits = repo::edit_sums(&mut c, course, only, lo, hi).await?;
    let uploads = repo::upload_sums(&mut c, course, only, lo, hi).await?;
    drop(c);
    let mut per: HashMap<i64, BTreeMap<String, Activity>> = HashMap::new();
    for e in edits {
        let a = per.entry(e.user_id).or_default().entry(e.wiki).or_default();
        a.edits = e.edits;
        a.pages_created = e.pages_created;
        a.pages_edited = e.pages_edited;
        a.bytes_added = e.bytes_added;
        a.refs_added = e.refs_added;
    }
    for (user, wiki, n) in uploads {
        per.entry(user)
            .or_default()
            .entry(wiki)
            .or_default()
            .uploads = n;
    }
    let out = people
        .into_iter()
        .map(|p| {
            let per_wiki: Vec<(String, Activity)> = per
                .remove(&p.user_id)
                .unwrap_or_default()
                .into_iter()
                .collect();
            let mut total = Activity::default();
            for (_, a) in &per_wiki {
                add(&mut total, a);
            }
            (
                LearnerLine {
                    user: UserId(p.user_id),
                    username: p.username,
                    display_name: p.display_name,
                    wiki_username: p.wiki_username,
                    total,
                    per_wiki,
                    last_checked: p.last_checked.map(ts),
                },
                p.enrolled_at,
            )
        })
        .collect();
    Ok((from, until, out))
}

/// The course's on-wiki activity, for its staff (to anyone else it does not exist).
pub async fn activity(env: &Env, course: &CourseRef<'_>) -> Result<CohortActivity> {
    staff(course)?;
    let (from, until, people) = lines(env, course.id, None).await?;
    let mut total = Activity::default();
    let learners: Vec<LearnerLine> = people
        .into_iter()
        .map(|(l, _)| {
            add(&mut total, &l.total);
            l
        })
        .collect();
    Ok(CohortActivity {
        from: from.map(ts),
        until: until.map(ts),
        learners,
        total,
    })
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

/// One learner's line and items (newest first), for the course's staff or the learner
/// themselves (enrolled); anyone else, or a learner not enrolled, is `NotFound`. Six
/// statements whatever the number of edits.
pub async fn learner_activity(
    env: &Env,
    wikis: &Wikis,
    course: &CourseRef<'_>,
    learner_id: UserId,
) -> Result<LearnerActivity> {
    let me = course.actor.user.ok_or_else(Error::not_found)?;
    if me != learner_id {
        staff(course)?;
    } else {
        participant(course)?;
    }
    let (from, until, mut people) = lines(env, course.id, Some(learner_id)).await?;
    let (line, enrolled_at) = people.pop().ok_or_else(Error::not_found)?;
    let lo = from.unwrap_or(0).max(enrolled_at);
    let hi = until.unwrap_or(i64::MAX);
    let mut c = env.store.conn().await?;
    let edits = repo::learner_edits(&mut c, learner_id, lo, hi).await?;
    let uploads = repo::learner_uploads(&mut c, learner_id, lo, hi).await?;
    drop(c);
    let mut registry: HashMap<String, Option<Wiki>> = HashMap::new();
    let mut wiki_of = |id: &str| {
        registry
            .entry(id.to_owned())
            .or_insert_with(|| wikis.registry.get(id))
            .clone()
    };
    let mut items: Vec<ActivityItem> = Vec::with_capacity(edits.len() + uploads.len());
    for e in edits {
        let url = wiki_of(&e.wiki).map(|w| w.diff_url(e.revid));
        items.push(ActivityItem {
            tags: tags_of(&e.tags),
            timestamp: ts(e.edited_at),
            wiki: e.wiki,
            revid: e.revid,
            is_upload: false,
            title: e.title,
            sizediff: e.sizediff,
            new_page: e.is_new,
            refs_added: e.refs_added,
            reverted: e.reverted,
            deleted: e.deleted,
            url,
        });
    }
    for u in uploads {
        let url = wiki_of(&u.wiki).map(|w| w.page_url(&u.title));
        items.push(ActivityItem {
            timestamp: ts(u.uploaded_at),
            wiki: u.wiki,
            revid: u.logid,
            is_upload: true,
            title: u.title,
            sizediff: 0,
            new_page: false,
            refs_added: None,
            tags: Vec::new(),
            reverted: false,
            deleted: u.deleted,
            url,
        });
    }
    items.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then(b.revid.cmp(&a.revid)));
    Ok(LearnerActivity { line, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_wiki_backs_off_from_five_minutes_doubling_to_six_hours() {
        let min = 60 * 1000;
        let waits: Vec<i64> = (0..8).map(backoff_ms).collect();
        assert_eq!(
            waits,
            vec![
                5 * min,
                10 * min,
                20 * min,
                40 * min,
                80 * min,
                160 * min,
                320 * min,
                360 * min
            ]
        );
        assert_eq!(backoff_ms(1_000), BACKOFF_MAX_MS);
        assert_eq!(backoff_ms(-3), BACKOFF_MIN_MS);
    }

    #[test]
    fn reads_restart_a_little_before_the_newest_item_but_never_before_the_window() {
        assert_eq!(read_from(None, 1_000), 1_000);
        let newest = 10 * OVERLAP_MS;
        assert_eq!(read_from(Some(newest), 0), newest - OVERLAP_MS);
        assert_eq!(read_from(Some(newest), newest - 1), newest - 1);
    }
}
