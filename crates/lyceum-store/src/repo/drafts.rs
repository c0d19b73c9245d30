//! Drafts, revisions and publishing.
//!
//! `blocks` holds what learners see. A course's draft is that published tree with the
//! rows of `block_drafts` laid over it: only changed, added and removed blocks have a
//! draft row, so reading a draft is one statement, discarding it is one, and publishing
//! copies just the changes. A block added in a draft gets its `blocks` row at once (its id
//! is stable from the start) with `live = FALSE` and published revision 0, meaning "never
//! published"; a block removed by a publish stays in `blocks` with `live = FALSE` and its
//! learners' work, so restoring it from history brings both back.
//!
//! Every saved version of a block is a row of `block_revisions` with its author: the
//! history pages, restore, and the attribution CC BY-SA asks for.

use crate::Result;
use crate::db::{Db, Elem, ints, list_rows, q, q_built, row};
use lyceum_core::{BlockId, CourseId, UserId};

row! {
    /// One block of a course's draft.
    pub struct DraftRow {
        pub id: i64,
        pub kind: String,
        pub url_name: String,
        pub parent_id: Option<i64>,
        pub position: i64,
        pub title: String,
        pub release_at: Option<i64>,
        pub content: String,
        // The draft's revision: what an edit's `base_revision` is compared with.
        pub revision: i64,
        // The revision learners see; 0 = never published.
        pub published_revision: i64,
        // Learners see this block now.
        pub live: bool,
        // The draft differs from the published block (it has a draft row).
        pub changed: bool,
        // Removed in the draft; the next publish takes it away from learners.
        pub deleted: bool,
    }
}

impl DraftRow {
    pub fn block(&self) -> BlockId {
        BlockId(self.id)
    }
}

const DRAFT_COLUMNS: &str = "b.id, b.kind, b.url_name,
    CASE WHEN d.block_id IS NULL THEN b.parent_id ELSE d.parent_id END AS parent_id,
    CASE WHEN d.block_id IS NULL THEN b.position ELSE d.position END AS position,
    CASE WHEN d.block_id IS NULL THEN b.title ELSE d.title END AS title,
    CASE WHEN d.block_id IS NULL THEN b.release_at ELSE d.release_at END AS release_at,
    CASE WHEN d.block_id IS NULL THEN b.content ELSE d.content END AS content,
    CASE WHEN d.block_id IS NULL THEN b.revision ELSE d.revision END AS revision,
    CASE WHEN b.live THEN b.revision ELSE 0 END AS published_revision,
    b.live, d.block_id IS NOT NULL AS changed,
    CASE WHEN d.block_id IS NULL THEN FALSE ELSE d.deleted END AS deleted
    FROM blocks b LEFT JOIN block_drafts d ON d.block_id = b.id";

/// Every block of a course's draft, removed ones included (marked `deleted`): one
/// statement whatever the size.
pub async fn load(db: &mut impl Db, course: CourseId) -> Result<Vec<DraftRow>> {
    db.all(
        q_built(format!(
            "SELECT {DRAFT_COLUMNS} WHERE b.course_id = $1 AND (b.live OR d.block_id IS NOT NULL)"
        ))
        .bind(course.0),
    )
    .await
}

/// One block as the draft has it, with its course, whether or not it is live (a block
/// removed by a publish can be restored).
pub async fn get(db: &mut impl Db, block: BlockId) -> Result<Option<(CourseId, DraftRow)>> {
    let rows = db
        .rows(
            q_built(format!(
                "SELECT b.course_id AS course_id, {DRAFT_COLUMNS} WHERE b.id = $1"
            ))
            .bind(block.0),
        )
        .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    Ok(Some((
        CourseId(r.get("course_id")?),
        crate::db::FromRow::from_row(r)?,
    )))
}

/// How many blocks a course's draft changes (0: the draft is the published course).
pub async fn count_changes(db: &mut impl Db, course: CourseId) -> Result<i64> {
    db.scalar(q("SELECT COUNT(*) FROM block_drafts WHERE course_id = $1").bind(course.0))
        .await
}

/// A block's state in the draft, to write.
#[derive(Clone, Debug)]
pub struct DraftWrite<'a> {
    pub block: BlockId,
    pub course: CourseId,
    pub parent: Option<BlockId>,
    pub position: i64,
    pub title: &'a str,
    pub release_at: Option<i64>,
    pub content: &'a str,
    pub revision: i64,
    pub deleted: bool,
}

/// Write a block's draft state (its draft row, created or replaced).
pub async fn put(db: &mut impl Db, w: &DraftWrite<'_>, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO block_drafts (block_id, course_id, parent_id, position, title, release_at, content, revision, deleted, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (block_id) DO UPDATE SET parent_id = excluded.parent_id, position = excluded.position,
             title = excluded.title, release_at = excluded.release_at, content = excluded.content,
             revision = excluded.revision, deleted = excluded.deleted, updated_at = excluded.updated_at")
        .bind(w.block.0)
        .bind(w.course.0)
        .bind(w.parent.map(|p| p.0))
        .bind(w.position)
        .bind(w.title)
        .bind(w.release_at)
        .bind(w.content)
        .bind(w.revision)
        .bind(w.deleted)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// A block that exists only in the draft so far: its `blocks` row (not live, published
/// revision 0) so it has its id for good. The caller writes its draft row and first
/// revision.
pub async fn insert_new(
    db: &mut impl Db,
    course: CourseId,
    kind: &str,
    url_name: &str,
    title: &str,
    content: &str,
    now: i64,
) -> Result<BlockId> {
    let id: i64 = db
        .scalar(
            q("INSERT INTO blocks (course_id, parent_id, position, kind, url_name, title, release_at, content, revision, updated_at, live)
               VALUES ($1, NULL, 0, $2, $3, $4, NULL, $5, 0, $6, FALSE) RETURNING id")
            .bind(course.0)
            .bind(kind)
            .bind(url_name)
            .bind(title)
            .bind(content)
            .bind(now),
        )
        .await?;
    Ok(BlockId(id))
}

/// A saved version of a block.
#[derive(Clone, Debug)]
pub struct NewRevision<'a> {
    pub block: BlockId,
    pub revision: i64,
    pub author: Option<UserId>,
    pub title: &'a str,
    pub content: &'a str,
    pub release_at: Option<i64>,
    /// The author's summary ("Fixed the answer key"), or what the editor did ("moved").
    pub comment: &'a str,
}

pub async fn add_revision(db: &mut impl Db, r: &NewRevision<'_>, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at, release_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(r.block.0)
        .bind(r.revision)
        .bind(r.author.map(|a| a.0))
        .bind(r.title)
        .bind(r.content)
        .bind(r.comment)
        .bind(now)
        .bind(r.release_at),
    )
    .await?;
    Ok(())
}

/// The highest revision number a block has (its revisions are numbered 1, 2, …; a new
/// one takes the next).
pub async fn last_revision(db: &mut impl Db, block: BlockId) -> Result<i64> {
    db.scalar(
        q("SELECT COALESCE(MAX(revision), 0) FROM block_revisions WHERE block_id = $1")
            .bind(block.0),
    )
    .await
}

/// Make a course's draft what learners see, in the caller's transaction: every draft row
/// is copied into `blocks` (removed blocks stop being live), the draft is emptied, the
/// content version moves on and the publication is recorded. Returns the new content
/// version and how many blocks changed.
pub async fn publish(
    db: &mut impl Db,
    course: CourseId,
    by: Option<UserId>,
    summary: &str,
    now: i64,
) -> Result<(i64, i64)> {
    let changed = db
        .exec(
            q(
                "UPDATE blocks SET parent_id = d.parent_id, position = d.position, title = d.title,
                 release_at = d.release_at, content = d.content, revision = d.revision,
                 live = NOT d.deleted, updated_at = $2
               FROM block_drafts d WHERE d.block_id = blocks.id AND d.course_id = $1",
            )
            .bind(course.0)
            .bind(now),
        )
        .await?;
    db.exec(q("DELETE FROM block_drafts WHERE course_id = $1").bind(course.0))
        .await?;
    let version: i64 = db
        .scalar(
            q("UPDATE courses SET content_version = content_version + 1, updated_at = $2 WHERE id = $1 RETURNING content_version")
                .bind(course.0)
                .bind(now),
        )
        .await?;
    db.exec(
        q("INSERT INTO course_publications (course_id, version, published_by, published_at, changed_blocks, summary)
           VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(course.0)
        .bind(version)
        .bind(by.map(|b| b.0))
        .bind(now)
        .bind(changed as i64)
        .bind(summary),
    )
    .await?;
    Ok((version, changed as i64))
}

/// Throw a course's draft away: the published course is the draft again. Blocks that
/// were never published go with it (with their revisions).
pub async fn discard(db: &mut impl Db, course: CourseId) -> Result<u64> {
    let n = db
        .exec(q("DELETE FROM block_drafts WHERE course_id = $1").bind(course.0))
        .await?;
    db.exec(
        q("DELETE FROM blocks WHERE course_id = $1 AND NOT live AND revision = 0").bind(course.0),
    )
    .await?;
    Ok(n)
}

row! {
    /// One saved version of a block, with its author.
    pub struct RevisionRow {
        pub block_id: i64,
        pub revision: i64,
        pub kind: String,
        pub author_id: Option<i64>,
        pub author_username: Option<String>,
        pub author_deleted: Option<i64>,
        pub title: String,
        pub content: String,
        pub release_at: Option<i64>,
        pub comment: String,
        pub created_at: i64,
    }
}

const REVISION_COLUMNS: &str = "r.block_id, r.revision, b.kind, r.author_id, u.username AS author_username,
    u.deleted_at AS author_deleted, r.title, r.content, r.release_at, r.comment, r.created_at
    FROM block_revisions r JOIN blocks b ON b.id = r.block_id LEFT JOIN users u ON u.id = r.author_id";

/// A course's revisions, newest first, `limit` at most, older than `before` (a
/// `(created_at, block_id, revision)` cursor) when given.
pub async fn course_history(
    db: &mut impl Db,
    course: CourseId,
    before: Option<(i64, i64, i64)>,
    limit: i64,
) -> Result<Vec<RevisionRow>> {
    let (t, b, r) = before.unwrap_or((i64::MAX, i64::MAX, i64::MAX));
    db.all(
        q_built(format!(
            "SELECT {REVISION_COLUMNS} WHERE b.course_id = $1
               AND (r.created_at < $2 OR (r.created_at = $2 AND (r.block_id < $3 OR (r.block_id = $3 AND r.revision < $4))))
             ORDER BY r.created_at DESC, r.block_id DESC, r.revision DESC LIMIT $5"
        ))
        .bind(course.0)
        .bind(t)
        .bind(b)
        .bind(r)
        .bind(limit),
    )
    .await
}

/// Every revision of one block, newest first.
pub async fn block_history(db: &mut impl Db, block: BlockId) -> Result<Vec<RevisionRow>> {
    db.all(
        q_built(format!(
            "SELECT {REVISION_COLUMNS} WHERE r.block_id = $1 ORDER BY r.revision DESC"
        ))
        .bind(block.0),
    )
    .await
}

pub async fn revision(
    db: &mut impl Db,
    block: BlockId,
    revision: i64,
) -> Result<Option<RevisionRow>> {
    db.optional(
        q_built(format!(
            "SELECT {REVISION_COLUMNS} WHERE r.block_id = $1 AND r.revision = $2"
        ))
        .bind(block.0)
        .bind(revision),
    )
    .await
}

row! {
    pub struct PublicationRow {
        pub version: i64,
        pub published_by: Option<i64>,
        pub publisher_username: Option<String>,
        pub published_at: i64,
        pub changed_blocks: i64,
        pub summary: String,
    }
}

/// A course's publications, newest first.
pub async fn publications(
    db: &mut impl Db,
    course: CourseId,
    limit: i64,
) -> Result<Vec<PublicationRow>> {
    db.all(
        q("SELECT p.version, p.published_by, u.username AS publisher_username, p.published_at, p.changed_blocks, p.summary
           FROM course_publications p LEFT JOIN users u ON u.id = p.published_by
           WHERE p.course_id = $1 ORDER BY p.version DESC LIMIT $2")
        .bind(course.0)
        .bind(limit),
    )
    .await
}

/// Learners' work on some blocks: what removing them, or changing how they are scored,
/// touches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LearnerWork {
    /// Learners with any stored work (answers, responses, survey answers).
    pub learners: i64,
    /// Learners with a score on one of the blocks (a problem answered, an override).
    pub scored: i64,
}

pub async fn learner_work(db: &mut impl Db, blocks: &[BlockId]) -> Result<LearnerWork> {
    if blocks.is_empty() {
        return Ok(LearnerWork::default());
    }
    let list = list_rows(db.backend(), "$1", Elem::Int);
    let row: (i64, i64) = db
        .one(
            q_built(format!(
                "SELECT
               (SELECT COUNT(*) FROM (
                  SELECT user_id FROM problem_states WHERE block_id IN ({list}) AND attempts > 0
                  UNION SELECT user_id FROM or_submissions WHERE block_id IN ({list})
                  UNION SELECT user_id FROM or_drafts WHERE block_id IN ({list})
                  UNION SELECT user_id FROM survey_responses WHERE block_id IN ({list})
                  UNION SELECT user_id FROM score_overrides WHERE block_id IN ({list})) w),
               (SELECT COUNT(*) FROM (
                  SELECT user_id FROM problem_states WHERE block_id IN ({list}) AND attempts > 0
                  UNION SELECT user_id FROM score_overrides WHERE block_id IN ({list})) s)"
            ))
            .bind(ints(blocks.iter().map(|b| b.0))),
        )
        .await?;
    Ok(LearnerWork {
        learners: row.0,
        scored: row.1,
    })
}
