//! Learning on the wikis (issue 14): what learners did on the wikis as the Action API
//! reported it (edits, uploads), what was read last per (learner, wiki) so each read
//! fetches only what is new, the verdicts of wiki task blocks with their immutable
//! evidence, when learners first opened units, and the cohort's sums for the course
//! team's dashboard.
//!
//! Times are milliseconds. Lists of ids go in as one list parameter each (`db::list`),
//! like every other value. The same SQL runs on both backends.

use crate::Result;
use crate::db::{Db, Elem, ints, list_rows, q, q_built, row};
use lyceum_core::wiki::{WikiEdit, WikiUpload};
use lyceum_core::{BlockId, CourseId, UserId};

// ---- identities ----

row! {
    /// A learner's wiki identity: their row in `wikimedia_accounts`.
    pub struct IdentityRow {
        pub user_id: i64,
        pub central_id: i64,
        pub username: String,
    }
}

pub async fn identity(db: &mut impl Db, user: UserId) -> Result<Option<IdentityRow>> {
    db.optional(
        q("SELECT user_id, central_id, username FROM wikimedia_accounts WHERE user_id = $1")
            .bind(user.0),
    )
    .await
}

/// The account was renamed on the wiki: keep its current name (its stored edits stay
/// the learner's, they are kept by user id).
pub async fn rename_identity(db: &mut impl Db, central_id: i64, username: &str) -> Result<()> {
    db.exec(
        q("UPDATE wikimedia_accounts SET username = $2 WHERE central_id = $1")
            .bind(central_id)
            .bind(username),
    )
    .await?;
    Ok(())
}

// ---- sync state ----

row! {
    pub struct SyncRow {
        pub user_id: i64,
        pub wiki: String,
        pub username: String,
        pub central_id: Option<i64>,
        pub edits_until: Option<i64>,
        pub uploads_until: Option<i64>,
        pub checked_at: Option<i64>,
        pub failed_at: Option<i64>,
        pub failures: i64,
        pub error: String,
        pub next_at: Option<i64>,
    }
}

const SYNC_COLUMNS: &str = "user_id, wiki, username, central_id, edits_until, uploads_until, checked_at, failed_at, failures, error, next_at";

pub async fn sync_state(db: &mut impl Db, user: UserId, wiki: &str) -> Result<Option<SyncRow>> {
    db.optional(
        q_built(format!(
            "SELECT {SYNC_COLUMNS} FROM wiki_sync_state WHERE user_id = $1 AND wiki = $2"
        ))
        .bind(user.0)
        .bind(wiki),
    )
    .await
}

/// The sync states of these learners on one wiki, in one statement.
pub async fn sync_states(db: &mut impl Db, wiki: &str, users: &[UserId]) -> Result<Vec<SyncRow>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT {SYNC_COLUMNS} FROM wiki_sync_state WHERE wiki = $1 AND user_id IN ({}) ORDER BY user_id",
            list_rows(db.backend(), "$2", Elem::Int)
        ))
        .bind(wiki)
        .bind(ints(users.iter().map(|u| u.0))),
    )
    .await
}

/// A read that succeeded: what is stored now reaches `edits_until` / `uploads_until` (as
/// the caller computed them, the stored ones included), the failures are forgotten.
#[allow(clippy::too_many_arguments)]
pub async fn sync_succeeded(
    db: &mut impl Db,
    user: UserId,
    wiki: &str,
    username: &str,
    central_id: i64,
    edits_until: Option<i64>,
    uploads_until: Option<i64>,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO wiki_sync_state (user_id, wiki, username, central_id, edits_until, uploads_until, checked_at, failures, error, next_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '', NULL)
           ON CONFLICT (user_id, wiki) DO UPDATE SET username = excluded.username,
              central_id = excluded.central_id, edits_until = excluded.edits_until,
              uploads_until = excluded.uploads_until,
              checked_at = excluded.checked_at, failures = 0, error = '', next_at = NULL")
        .bind(user.0)
        .bind(wiki)
        .bind(username)
        .bind(central_id)
        .bind(edits_until)
        .bind(uploads_until)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// A read that failed: kept with why, and not retried by the job before `next_at`. When
/// the account is not the one read before, where reading stopped is forgotten.
#[allow(clippy::too_many_arguments)]
pub async fn sync_failed(
    db: &mut impl Db,
    user: UserId,
    wiki: &str,
    username: &str,
    central_id: i64,
    error: &str,
    now: i64,
    next_at: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO wiki_sync_state (user_id, wiki, username, central_id, failed_at, failures, error, next_at)
           VALUES ($1, $2, $3, $4, $5, 1, $6, $7)
           ON CONFLICT (user_id, wiki) DO UPDATE SET username = excluded.username,
              edits_until = CASE WHEN wiki_sync_state.central_id = excluded.central_id
                 THEN wiki_sync_state.edits_until ELSE NULL END,
              uploads_until = CASE WHEN wiki_sync_state.central_id = excluded.central_id
                 THEN wiki_sync_state.uploads_until ELSE NULL END,
              central_id = excluded.central_id,
              failed_at = excluded.failed_at, failures = wiki_sync_state.failures + 1,
              error = excluded.error, next_at = excluded.next_at")
        .bind(user.0)
        .bind(wiki)
        .bind(username)
        .bind(central_id)
        .bind(now)
        .bind(error)
        .bind(next_at),
    )
    .await?;
    Ok(())
}

// ---- edits and uploads ----

row! {
    pub struct EditRow {
        pub wiki: String,
        pub revid: i64,
        pub user_id: i64,
        pub parentid: i64,
        pub pageid: i64,
        pub ns: i64,
        pub title: String,
        pub edited_at: i64,
        pub size: i64,
        pub sizediff: i64,
        pub is_new: bool,
        pub tags: String,
        pub refs_added: Option<i64>,
        pub reverted: bool,
        pub deleted: bool,
    }
}

const EDIT_COLUMNS: &str = "wiki, revid, user_id, parentid, pageid, ns, title, edited_at, size, sizediff, is_new, tags, refs_added, reverted, deleted";

/// Store edits as read (a revision already stored is left as it is); the number new.
pub async fn insert_edits(
    db: &mut impl Db,
    wiki: &str,
    user: UserId,
    edits: &[WikiEdit],
) -> Result<u64> {
    let mut n = 0;
    for chunk in edits.chunks(50) {
        let mut sql = String::from(
            "INSERT INTO wiki_edits (wiki, revid, user_id, parentid, pageid, ns, title, edited_at, size, sizediff, is_new, tags, reverted) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 11;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "($1, ${}, $2, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10,
                b + 11,
                b + 12,
                b + 13
            ));
        }
        sql.push_str(" ON CONFLICT (wiki, revid) DO NOTHING");
        let mut query = q_built(sql).bind(wiki).bind(user.0);
        for e in chunk {
            query = query
                .bind(e.revid)
                .bind(e.parentid)
                .bind(e.pageid)
                .bind(e.ns)
                .bind(e.title.as_str())
                .bind(e.timestamp.as_millisecond())
                .bind(e.size)
                .bind(e.sizediff)
                .bind(e.new)
                .bind(serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into()))
                .bind(e.reverted());
        }
        n += db.exec(query).await?;
    }
    Ok(n)
}

/// A learner's edits on a wiki from `from` (inclusive) to `until` (inclusive, `None`:
/// no end), oldest first.
pub async fn edits_of(
    db: &mut impl Db,
    user: UserId,
    wiki: &str,
    from: i64,
    until: Option<i64>,
) -> Result<Vec<EditRow>> {
    db.all(
        q_built(format!(
            "SELECT {EDIT_COLUMNS} FROM wiki_edits WHERE user_id = $1 AND wiki = $2 AND edited_at >= $3 AND edited_at <= $4
             ORDER BY edited_at, revid"
        ))
        .bind(user.0)
        .bind(wiki)
        .bind(from)
        .bind(until.unwrap_or(i64::MAX)),
    )
    .await
}

/// The edits of several learners on one wiki from `from`, oldest first: one statement.
pub async fn edits_of_users(
    db: &mut impl Db,
    users: &[UserId],
    wiki: &str,
    from: i64,
) -> Result<Vec<EditRow>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT {EDIT_COLUMNS} FROM wiki_edits WHERE wiki = $1 AND edited_at >= $2 AND user_id IN ({})
             ORDER BY edited_at, revid",
            list_rows(db.backend(), "$3", Elem::Int)
        ))
        .bind(wiki)
        .bind(from)
        .bind(ints(users.iter().map(|u| u.0))),
    )
    .await
}

/// Mark stored revisions reverted (`reverted`) or gone (`!reverted`).
pub async fn mark_edits(
    db: &mut impl Db,
    wiki: &str,
    revids: &[i64],
    reverted: bool,
) -> Result<()> {
    if revids.is_empty() {
        return Ok(());
    }
    let column = if reverted { "reverted" } else { "deleted" };
    db.exec(
        q_built(format!(
            "UPDATE wiki_edits SET {column} = TRUE WHERE wiki = $1 AND revid IN ({})",
            list_rows(db.backend(), "$2", Elem::Int)
        ))
        .bind(wiki)
        .bind(ints(revids.iter().copied())),
    )
    .await?;
    Ok(())
}

/// References a revision added against its parent, once its text was read.
pub async fn set_refs_added(db: &mut impl Db, wiki: &str, revid: i64, refs: i64) -> Result<()> {
    db.exec(
        q("UPDATE wiki_edits SET refs_added = $3 WHERE wiki = $1 AND revid = $2")
            .bind(wiki)
            .bind(revid)
            .bind(refs),
    )
    .await?;
    Ok(())
}

/// Revisions of these learners on a wiki since `from` whose references were not counted
/// yet, newest first, at most `limit`.
pub async fn edits_without_refs(
    db: &mut impl Db,
    wiki: &str,
    users: &[UserId],
    from: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64,)> = db
        .all(
            q_built(format!(
                "SELECT revid FROM wiki_edits WHERE wiki = $1 AND refs_added IS NULL AND NOT deleted AND edited_at >= $2
                   AND user_id IN ({}) ORDER BY edited_at DESC, revid DESC LIMIT $3",
                list_rows(db.backend(), "$4", Elem::Int)
            ))
            .bind(wiki)
            .bind(from)
            .bind(limit)
            .bind(ints(users.iter().map(|u| u.0))),
        )
        .await?;
    Ok(rows.into_iter().map(|(r,)| r).collect())
}

row! {
    pub struct UploadRow {
        pub wiki: String,
        pub logid: i64,
        pub user_id: i64,
        pub title: String,
        pub uploaded_at: i64,
        pub deleted: bool,
    }
}

/// Store uploads as read; the number new.
pub async fn insert_uploads(
    db: &mut impl Db,
    wiki: &str,
    user: UserId,
    uploads: &[WikiUpload],
) -> Result<u64> {
    let mut n = 0;
    for u in uploads {
        n += db
            .exec(
                q("INSERT INTO wiki_uploads (wiki, logid, user_id, title, uploaded_at) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (wiki, logid) DO NOTHING")
                .bind(wiki)
                .bind(u.logid)
                .bind(user.0)
                .bind(u.title.as_str())
                .bind(u.timestamp.as_millisecond()),
            )
            .await?;
    }
    Ok(n)
}

/// A learner's uploads on a wiki in a window, oldest first.
pub async fn uploads_of(
    db: &mut impl Db,
    user: UserId,
    wiki: &str,
    from: i64,
    until: Option<i64>,
) -> Result<Vec<UploadRow>> {
    db.all(
        q(
            "SELECT wiki, logid, user_id, title, uploaded_at, deleted FROM wiki_uploads
           WHERE user_id = $1 AND wiki = $2 AND uploaded_at >= $3 AND uploaded_at <= $4
           ORDER BY uploaded_at, logid",
        )
        .bind(user.0)
        .bind(wiki)
        .bind(from)
        .bind(until.unwrap_or(i64::MAX)),
    )
    .await
}

pub async fn mark_upload_deleted(db: &mut impl Db, wiki: &str, logid: i64) -> Result<()> {
    db.exec(
        q("UPDATE wiki_uploads SET deleted = TRUE WHERE wiki = $1 AND logid = $2")
            .bind(wiki)
            .bind(logid),
    )
    .await?;
    Ok(())
}

// ---- task states ----

row! {
    pub struct TaskStateRow {
        pub user_id: i64,
        pub block_id: i64,
        pub course_id: i64,
        pub status: String,
        pub done_at: Option<i64>,
        pub flagged_at: Option<i64>,
        pub checked_at: Option<i64>,
        pub attempted_at: Option<i64>,
        pub check_error: String,
        pub confirmed_by: Option<i64>,
        pub confirmed_at: Option<i64>,
        pub confirmer_username: Option<String>,
        pub confirmer_display_name: Option<String>,
    }
}

const STATE_SELECT: &str = "SELECT s.user_id, s.block_id, s.course_id, s.status, s.done_at, s.flagged_at, s.checked_at, s.attempted_at,
    s.check_error, s.confirmed_by, s.confirmed_at, cu.username AS confirmer_username, cu.display_name AS confirmer_display_name
    FROM wiki_task_states s LEFT JOIN users cu ON cu.id = s.confirmed_by";

pub async fn task_state(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Option<TaskStateRow>> {
    db.optional(
        q_built(format!(
            "{STATE_SELECT} WHERE s.user_id = $1 AND s.block_id = $2"
        ))
        .bind(user.0)
        .bind(block.0),
    )
    .await
}

/// A learner's states on any of `blocks`, in one statement.
pub async fn task_states_in(
    db: &mut impl Db,
    user: UserId,
    blocks: &[BlockId],
) -> Result<Vec<TaskStateRow>> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "{STATE_SELECT} WHERE s.user_id = $1 AND s.block_id IN ({}) ORDER BY s.block_id",
            list_rows(db.backend(), "$2", Elem::Int)
        ))
        .bind(user.0)
        .bind(ints(blocks.iter().map(|b| b.0))),
    )
    .await
}

/// Every learner's state on a course's tasks, in one statement.
pub async fn task_states_of_course(
    db: &mut impl Db,
    course: CourseId,
) -> Result<Vec<TaskStateRow>> {
    db.all(
        q_built(format!(
            "{STATE_SELECT} WHERE s.course_id = $1 ORDER BY s.user_id, s.block_id"
        ))
        .bind(course.0),
    )
    .await
}

/// A check was tried: `checked_at` moves only when the wiki was read (`read` is `Ok`),
/// the error is kept ('' when there was none); `attempted_at`, the learner's rate limit,
/// moves only for the learner's own checks (`by_learner`).
pub async fn touch_check(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    now: i64,
    read: std::result::Result<(), &str>,
    by_learner: bool,
) -> Result<()> {
    let (checked, error) = match read {
        Ok(()) => (Some(now), ""),
        Err(e) => (None, e),
    };
    // Only the learner's own checks count towards their rate limit: the sync job reading
    // the wiki a moment ago must not make "Check my work" wait after an edit.
    let attempted = by_learner.then_some(now);
    db.exec(
        q("INSERT INTO wiki_task_states (user_id, block_id, course_id, checked_at, attempted_at, check_error)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (user_id, block_id) DO UPDATE SET
              checked_at = COALESCE(excluded.checked_at, wiki_task_states.checked_at),
              attempted_at = COALESCE(excluded.attempted_at, wiki_task_states.attempted_at),
              check_error = excluded.check_error")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(checked)
        .bind(attempted)
        .bind(error),
    )
    .await?;
    Ok(())
}

/// Status `done` (first done time kept) or `flagged`.
pub async fn set_status(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    status: &str,
    now: i64,
) -> Result<()> {
    let (done, flagged) = match status {
        "done" => (Some(now), None),
        "flagged" => (None, Some(now)),
        _ => (None, None),
    };
    db.exec(
        q("INSERT INTO wiki_task_states (user_id, block_id, course_id, status, done_at, flagged_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (user_id, block_id) DO UPDATE SET status = excluded.status,
              done_at = COALESCE(wiki_task_states.done_at, excluded.done_at),
              flagged_at = excluded.flagged_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(status)
        .bind(done)
        .bind(flagged),
    )
    .await?;
    Ok(())
}

/// Staff confirm (`by`) or withdraw their confirmation (`None`).
pub async fn set_confirmed(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    by: Option<UserId>,
    now: i64,
) -> Result<()> {
    let at = by.map(|_| now);
    db.exec(
        q("INSERT INTO wiki_task_states (user_id, block_id, course_id, confirmed_by, confirmed_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (user_id, block_id) DO UPDATE SET confirmed_by = excluded.confirmed_by,
              confirmed_at = excluded.confirmed_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(by.map(|u| u.0))
        .bind(at),
    )
    .await?;
    Ok(())
}

/// The task's score: its one raw point earned (`1.0`) or withdrawn (`0.0`), in the
/// table grades read.
pub async fn set_credit(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    earned: f64,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO problem_states (user_id, block_id, course_id, attempts, raw_earned, raw_possible, updated_at)
           VALUES ($1, $2, $3, 1, $4, 1.0, $5)
           ON CONFLICT (user_id, block_id) DO UPDATE SET attempts = 1, raw_earned = excluded.raw_earned,
              raw_possible = 1.0, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(earned)
        .bind(now),
    )
    .await?;
    Ok(())
}

// ---- evidence ----

row! {
    pub struct EvidenceRow {
        pub user_id: i64,
        pub block_id: i64,
        pub wiki: String,
        pub revid: i64,
        pub is_upload: bool,
        pub title: String,
        pub edited_at: i64,
        pub sizediff: i64,
        pub tags: String,
        pub found_at: i64,
        pub flag: String,
        pub flagged_at: Option<i64>,
    }
}

const EVIDENCE_COLUMNS: &str = "user_id, block_id, wiki, revid, is_upload, title, edited_at, sizediff, tags, found_at, flag, flagged_at";

pub struct NewEvidence<'a> {
    pub wiki: &'a str,
    pub revid: i64,
    pub is_upload: bool,
    pub title: &'a str,
    pub edited_at: i64,
    pub sizediff: i64,
    /// JSON array.
    pub tags: &'a str,
}

/// Evidence is written once: a row already there is left as it is.
pub async fn insert_evidence(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    e: &NewEvidence<'_>,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO wiki_task_evidence (user_id, block_id, wiki, revid, is_upload, title, edited_at, sizediff, tags, found_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (user_id, block_id, wiki, revid, is_upload) DO NOTHING")
        .bind(user.0)
        .bind(block.0)
        .bind(e.wiki)
        .bind(e.revid)
        .bind(e.is_upload)
        .bind(e.title)
        .bind(e.edited_at)
        .bind(e.sizediff)
        .bind(e.tags)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// A learner's evidence on any of `blocks`, oldest first.
pub async fn evidence_in(
    db: &mut impl Db,
    user: UserId,
    blocks: &[BlockId],
) -> Result<Vec<EvidenceRow>> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT {EVIDENCE_COLUMNS} FROM wiki_task_evidence WHERE user_id = $1 AND block_id IN ({})
             ORDER BY block_id, edited_at, revid",
            list_rows(db.backend(), "$2", Elem::Int)
        ))
        .bind(user.0)
        .bind(ints(blocks.iter().map(|b| b.0))),
    )
    .await
}

/// Every learner's evidence on any of `blocks` (a course's tasks), in one statement.
pub async fn evidence_of_blocks(db: &mut impl Db, blocks: &[BlockId]) -> Result<Vec<EvidenceRow>> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT {EVIDENCE_COLUMNS} FROM wiki_task_evidence WHERE block_id IN ({})
         ORDER BY user_id, block_id, edited_at, revid",
            list_rows(db.backend(), "$1", Elem::Int)
        ))
        .bind(ints(blocks.iter().map(|b| b.0))),
    )
    .await
}

/// Flag a revision's (or an upload's) evidence, wherever it is, once: a flag already
/// set is kept with its time. The number of evidence rows flagged now.
pub async fn flag_evidence(
    db: &mut impl Db,
    wiki: &str,
    revid: i64,
    is_upload: bool,
    flag: &str,
    now: i64,
) -> Result<u64> {
    db.exec(
        q("UPDATE wiki_task_evidence SET flag = $4, flagged_at = $5
           WHERE wiki = $1 AND revid = $2 AND is_upload = $3 AND flag = ''")
        .bind(wiki)
        .bind(revid)
        .bind(is_upload)
        .bind(flag)
        .bind(now),
    )
    .await
}

// ---- unit opens ----

/// The first time a learner opened a unit; later opens change nothing.
pub async fn record_unit_open(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
    unit: BlockId,
    now: i64,
) -> Result<()> {
    db.exec(
        q(
            "INSERT INTO unit_opens (user_id, unit_id, course_id, first_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (user_id, unit_id) DO NOTHING",
        )
        .bind(user.0)
        .bind(unit.0)
        .bind(course.0)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// When each learner first opened each unit of a course (`None` user: all learners).
pub async fn unit_opens(
    db: &mut impl Db,
    course: CourseId,
    user: Option<UserId>,
) -> Result<Vec<(i64, i64, i64)>> {
    match user {
        Some(u) => {
            db.all(
                q("SELECT user_id, unit_id, first_at FROM unit_opens WHERE course_id = $1 AND user_id = $2")
                    .bind(course.0)
                    .bind(u.0),
            )
            .await
        }
        None => {
            db.all(
                q("SELECT user_id, unit_id, first_at FROM unit_opens WHERE course_id = $1")
                    .bind(course.0),
            )
            .await
        }
    }
}

// ---- courses and learners ----

row! {
    /// A course holding wiki tasks, running now or ended recently.
    pub struct TaskCourseRow {
        pub id: i64,
        pub course_key: String,
        pub start_at: Option<i64>,
        pub end_at: Option<i64>,
    }
}

/// Courses with live wiki task blocks that have not ended, or ended after `ended_after`.
pub async fn courses_with_tasks(db: &mut impl Db, ended_after: i64) -> Result<Vec<TaskCourseRow>> {
    db.all(
        q("SELECT c.id, c.course_key, c.start_at, c.end_at FROM courses c
           WHERE (c.end_at IS NULL OR c.end_at >= $1)
             AND EXISTS (SELECT 1 FROM blocks b WHERE b.course_id = c.id AND b.kind = 'wiki_task' AND b.live)
           ORDER BY c.id")
        .bind(ended_after),
    )
    .await
}

row! {
    /// An enrolled learner with a wiki identity.
    pub struct EnrolledIdentityRow {
        pub course_id: i64,
        pub user_id: i64,
        pub enrolled_at: i64,
        pub central_id: i64,
        pub username: String,
    }
}

/// The learners enrolled in these courses who have a wiki identity, in one statement.
pub async fn enrolled_identities(
    db: &mut impl Db,
    courses: &[CourseId],
) -> Result<Vec<EnrolledIdentityRow>> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT e.course_id, e.user_id, e.created_at AS enrolled_at, w.central_id, w.username
         FROM enrollments e JOIN wikimedia_accounts w ON w.user_id = e.user_id
         WHERE e.active AND e.course_id IN ({}) ORDER BY e.course_id, e.user_id",
            list_rows(db.backend(), "$1", Elem::Int)
        ))
        .bind(ints(courses.iter().map(|c| c.0))),
    )
    .await
}

/// When the learner enrolled in the course (`None`: not enrolled now).
pub async fn enrolled_at(db: &mut impl Db, user: UserId, course: CourseId) -> Result<Option<i64>> {
    let row: Option<(i64,)> = db
        .optional(
            q("SELECT created_at FROM enrollments WHERE user_id = $1 AND course_id = $2 AND active")
                .bind(user.0)
                .bind(course.0),
        )
        .await?;
    Ok(row.map(|(t,)| t))
}

row! {
    /// A learner on the dashboard: enrolled now (or the one learner asked about).
    pub struct CohortLearnerRow {
        pub user_id: i64,
        pub username: String,
        pub display_name: String,
        pub enrolled_at: i64,
        pub wiki_username: Option<String>,
        pub last_checked: Option<i64>,
    }
}

/// The dashboard's learners (everyone actively enrolled, or only `only`), with their
/// wiki identity and the last time their contributions were read.
pub async fn cohort(
    db: &mut impl Db,
    course: CourseId,
    only: Option<UserId>,
) -> Result<Vec<CohortLearnerRow>> {
    db.all(
        q("SELECT u.id AS user_id, u.username, u.display_name, e.created_at AS enrolled_at,
                  w.username AS wiki_username,
                  (SELECT MAX(s.checked_at) FROM wiki_sync_state s WHERE s.user_id = u.id) AS last_checked
           FROM enrollments e JOIN users u ON u.id = e.user_id
           LEFT JOIN wikimedia_accounts w ON w.user_id = u.id
           WHERE e.course_id = $1 AND e.active AND ($2 = 0 OR u.id = $2)
           ORDER BY u.username, u.id")
        .bind(course.0)
        .bind(only.map_or(0, |u| u.0)),
    )
    .await
}

row! {
    /// One learner's sums on one wiki.
    pub struct ActivityRow {
        pub user_id: i64,
        pub wiki: String,
        pub edits: i64,
        pub pages_created: i64,
        pub pages_edited: i64,
        pub bytes_added: i64,
        pub refs_added: i64,
    }
}

/// Each enrolled learner's edits summed per wiki over the course's window: from
/// `from` (or their enrolment, if later) to `until`. One statement whatever the cohort.
/// Counted as `lyceum_core::blocks::wiki_task::activity::Activity::of_edits` does: every
/// edit, distinct pages created and edited, positive size differences, references read.
pub async fn edit_sums(
    db: &mut impl Db,
    course: CourseId,
    only: Option<UserId>,
    from: i64,
    until: i64,
) -> Result<Vec<ActivityRow>> {
    db.all(
        q("SELECT ed.user_id, ed.wiki, COUNT(*) AS edits,
                  COUNT(DISTINCT CASE WHEN ed.is_new THEN ed.pageid END) AS pages_created,
                  COUNT(DISTINCT ed.pageid) AS pages_edited,
                  CAST(COALESCE(SUM(CASE WHEN ed.sizediff > 0 THEN ed.sizediff ELSE 0 END), 0) AS BIGINT) AS bytes_added,
                  CAST(COALESCE(SUM(ed.refs_added), 0) AS BIGINT) AS refs_added
           FROM wiki_edits ed JOIN enrollments e ON e.user_id = ed.user_id AND e.course_id = $1 AND e.active
           WHERE ed.edited_at >= CASE WHEN e.created_at > $2 THEN e.created_at ELSE $2 END
             AND ed.edited_at <= $3 AND ($4 = 0 OR ed.user_id = $4)
           GROUP BY ed.user_id, ed.wiki
           ORDER BY ed.user_id, ed.wiki")
        .bind(course.0)
        .bind(from)
        .bind(until)
        .bind(only.map_or(0, |u| u.0)),
    )
    .await
}

/// Each enrolled learner's uploads counted per wiki over the course's window.
pub async fn upload_sums(
    db: &mut impl Db,
    course: CourseId,
    only: Option<UserId>,
    from: i64,
    until: i64,
) -> Result<Vec<(i64, String, i64)>> {
    db.all(
        q("SELECT up.user_id, up.wiki, COUNT(*) AS uploads
           FROM wiki_uploads up JOIN enrollments e ON e.user_id = up.user_id AND e.course_id = $1 AND e.active
           WHERE up.uploaded_at >= CASE WHEN e.created_at > $2 THEN e.created_at ELSE $2 END
             AND up.uploaded_at <= $3 AND ($4 = 0 OR up.user_id = $4)
           GROUP BY up.user_id, up.wiki
           ORDER BY up.user_id, up.wiki")
        .bind(course.0)
        .bind(from)
        .bind(until)
        .bind(only.map_or(0, |u| u.0)),
    )
    .await
}

/// One learner's edits on every wiki in a window, newest first.
pub async fn learner_edits(
    db: &mut impl Db,
    user: UserId,
    from: i64,
    until: i64,
) -> Result<Vec<EditRow>> {
    db.all(
        q_built(format!(
            "SELECT {EDIT_COLUMNS} FROM wiki_edits WHERE user_id = $1 AND edited_at >= $2 AND edited_at <= $3
             ORDER BY edited_at DESC, revid DESC"
        ))
        .bind(user.0)
        .bind(from)
        .bind(until),
    )
    .await
}

/// One learner's uploads on every wiki in a window, newest first.
pub async fn learner_uploads(
    db: &mut impl Db,
    user: UserId,
    from: i64,
    until: i64,
) -> Result<Vec<UploadRow>> {
    db.all(
        q(
            "SELECT wiki, logid, user_id, title, uploaded_at, deleted FROM wiki_uploads
           WHERE user_id = $1 AND uploaded_at >= $2 AND uploaded_at <= $3
           ORDER BY uploaded_at DESC, logid DESC",
        )
        .bind(user.0)
        .bind(from)
        .bind(until),
    )
    .await
}
