//! Upstream sync between a fork and its source (`course_forks`, `fork_blocks`): the fork's
//! record, the links of its blocks to the source's, the source's published blocks and the
//! revisions last taken — each one statement whatever the course's size — and the writes
//! a pull or a resolution makes. The source's forks, for its team.

use crate::Result;
use crate::db::{Db, FromRow, q, q_built, row};
use crate::repo::courses::ViewerRow;
use lyceum_core::permissions::{CourseRole, OrgRole};
use lyceum_core::{BlockId, CourseId, UserId};

row! {
    /// A fork's record, with its source as it is now (absent when it was deleted).
    pub struct ForkRow {
        pub course_id: i64,
        pub source_course_id: Option<i64>,
        pub source_key: String,
        pub source_title: String,
        pub source_license: String,
        pub source_authors: String,
        pub forked_version: i64,
        pub synced_version: i64,
        pub forked_by: Option<i64>,
        pub forked_at: i64,
        pub modified: bool,
        // The source now: its key, title, licence, published content version, status.
        pub now_key: Option<String>,
        pub now_title: Option<String>,
        pub now_license: Option<String>,
        pub now_version: Option<i64>,
        pub now_published: Option<bool>,
    }
}

impl ForkRow {
    pub fn source_authors(&self) -> Vec<String> {
        serde_json::from_str(&self.source_authors).unwrap_or_default()
    }
}

/// The fork record of `course`, if it is a fork.
pub async fn fork_of(db: &mut impl Db, course: CourseId) -> Result<Option<ForkRow>> {
    db.optional(
        q("SELECT f.course_id, f.source_course_id, f.source_key, f.source_title, f.source_license,
             f.source_authors, f.forked_version, f.synced_version, f.forked_by, f.forked_at, f.modified,
             s.course_key AS now_key, s.title AS now_title, s.license AS now_license,
             s.content_version AS now_version, s.published AS now_published
           FROM course_forks f LEFT JOIN courses s ON s.id = f.source_course_id
           WHERE f.course_id = $1")
        .bind(course.0),
    )
    .await
}

row! {
    /// Which source block a fork block came from, and both revisions when they agreed.
    pub struct LinkRow {
        pub block_id: i64,
        pub source_block_id: i64,
        pub source_revision: i64,
        pub revision: i64,
    }
}

pub async fn links(db: &mut impl Db, fork: CourseId) -> Result<Vec<LinkRow>> {
    db.all(
        q("SELECT block_id, source_block_id, source_revision, revision FROM fork_blocks WHERE course_id = $1")
            .bind(fork.0),
    )
    .await
}

row! {
    /// A published block of a course: what learners see.
    pub struct PublishedRow {
        pub id: i64,
        pub parent_id: Option<i64>,
        pub position: i64,
        pub kind: String,
        pub title: String,
        pub release_at: Option<i64>,
        pub content: String,
        pub revision: i64,
    }
}

/// A course's published blocks (never its draft).
pub async fn published(db: &mut impl Db, course: CourseId) -> Result<Vec<PublishedRow>> {
    db.all(
        q(
            "SELECT id, parent_id, position, kind, title, release_at, content, revision
           FROM blocks WHERE course_id = $1 AND live",
        )
        .bind(course.0),
    )
    .await
}

row! {
    /// A source block as the fork last took it (its revision then).
    pub struct BaseRow {
        pub block_id: i64,
        pub revision: i64,
        pub title: String,
        pub content: String,
        pub release_at: Option<i64>,
    }
}

/// The source revisions a fork last took, for every linked block: the base of the diffs.
pub async fn bases(db: &mut impl Db, fork: CourseId) -> Result<Vec<BaseRow>> {
    db.all(
        q(
            "SELECT r.block_id, r.revision, r.title, r.content, r.release_at
           FROM fork_blocks f JOIN block_revisions r
             ON r.block_id = f.source_block_id AND r.revision = f.source_revision
           WHERE f.course_id = $1",
        )
        .bind(fork.0),
    )
    .await
}

row! {
    /// A revision of a source block to append to the fork's history, with its author's
    /// shown name.
    pub struct PulledRevision {
        pub block_id: i64,
        pub revision: i64,
        pub author_id: Option<i64>,
        pub author_name: Option<String>,
        pub title: String,
        pub content: String,
        pub release_at: Option<i64>,
        pub created_at: i64,
    }
}

/// Revisions of some blocks in `(after, upto]` each, oldest first: one statement.
pub async fn revisions_between(
    db: &mut impl Db,
    ranges: &[(BlockId, i64, i64)],
) -> Result<Vec<PulledRevision>> {
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    // Numbers only, so written into the statement (as `drafts::learner_work` does).
    let cond = ranges
        .iter()
        .map(|(b, after, upto)| {
            format!(
                "(r.block_id = {} AND r.revision > {} AND r.revision <= {})",
                b.0, after, upto
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ");
    db.all(q_built(format!(
        "SELECT r.block_id, r.revision, r.author_id,
           CASE WHEN u.deleted_at IS NOT NULL THEN NULL WHEN u.display_name <> '' THEN u.display_name ELSE u.username END AS author_name,
           r.title, r.content, r.release_at, r.created_at
         FROM block_revisions r LEFT JOIN users u ON u.id = r.author_id
         WHERE {cond} ORDER BY r.block_id, r.revision"
    )))
    .await
}

/// Link a fork block to the source block it came from.
pub async fn link(
    db: &mut impl Db,
    fork: CourseId,
    block: BlockId,
    source_block: BlockId,
    source_revision: i64,
    revision: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO fork_blocks (block_id, course_id, source_block_id, source_revision, revision)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (block_id) DO UPDATE SET source_block_id = excluded.source_block_id,
             source_revision = excluded.source_revision, revision = excluded.revision")
        .bind(block.0)
        .bind(fork.0)
        .bind(source_block.0)
        .bind(source_revision)
        .bind(revision),
    )
    .await?;
    Ok(())
}

/// The fork took the source's block at `source_revision`; the two agree at the fork's
/// `revision`.
pub async fn agree(
    db: &mut impl Db,
    block: BlockId,
    source_revision: i64,
    revision: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE fork_blocks SET source_revision = $2, revision = $3 WHERE block_id = $1")
            .bind(block.0)
            .bind(source_revision)
            .bind(revision),
    )
    .await?;
    Ok(())
}

/// The fork is in step with the source's content version `version`; `authors` are the
/// source's authors credited now.
pub async fn synced(
    db: &mut impl Db,
    fork: CourseId,
    version: i64,
    authors: &[String],
) -> Result<()> {
    db.exec(
        q("UPDATE course_forks SET synced_version = $2, source_authors = $3 WHERE course_id = $1")
            .bind(fork.0)
            .bind(version)
            .bind(serde_json::to_string(authors).unwrap_or_else(|_| "[]".into())),
    )
    .await?;
    Ok(())
}

row! {
    /// A fork of a course, for the source's team.
    pub struct ForkListRow {
        pub course_id: i64,
        pub course_key: String,
        pub title: String,
        pub org_slug: String,
        pub org_name: String,
        // The fork lives in someone's personal space.
        pub personal: bool,
        pub published: bool,
        // Hidden by a moderator.
        pub hidden: bool,
        pub status: String,
        pub forked_by: Option<i64>,
        pub forked_by_name: Option<String>,
        pub forked_at: i64,
        pub forked_version: i64,
        pub synced_version: i64,
        pub modified: bool,
    }
}

/// The forks of `source`, newest first, each with the viewer's roles in it: one
/// statement.
pub async fn forks_of(
    db: &mut impl Db,
    source: CourseId,
    viewer: Option<UserId>,
) -> Result<Vec<(ForkListRow, ViewerRow)>> {
    let rows = db
        .rows(
            q("SELECT c.id AS course_id, c.course_key, c.title, o.slug AS org_slug, o.name AS org_name,
                 o.personal_user_id IS NOT NULL AS personal, c.published, c.hidden_at IS NOT NULL AS hidden, c.status,
                 f.forked_by, CASE WHEN u.deleted_at IS NOT NULL THEN NULL WHEN u.display_name <> '' THEN u.display_name ELSE u.username END AS forked_by_name,
                 f.forked_at, f.forked_version, f.synced_version, f.modified,
                 r.role AS role, m.role AS org_role
               FROM course_forks f JOIN courses c ON c.id = f.course_id
               JOIN organizations o ON o.id = c.org_id LEFT JOIN users u ON u.id = f.forked_by
               LEFT JOIN course_roles r ON r.course_id = c.id AND r.user_id = $2
               LEFT JOIN org_members m ON m.org_id = c.org_id AND m.user_id = $2
               WHERE f.source_course_id = $1 ORDER BY f.forked_at DESC, c.id DESC")
            .bind(source.0)
            .bind(viewer.map(|v| v.0)),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                ForkListRow::from_row(r)?,
                ViewerRow {
                    role: r
                        .get::<Option<String>>("role")?
                        .as_deref()
                        .and_then(CourseRole::parse),
                    org_role: r
                        .get::<Option<String>>("org_role")?
                        .as_deref()
                        .and_then(OrgRole::parse),
                    ..ViewerRow::default()
                },
            ))
        })
        .collect()
}
