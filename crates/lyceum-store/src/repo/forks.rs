//! Forks: a course copied from another with its source kept (`course_forks`), block by
//! block (`fork_blocks`), with the source's history; and personal spaces, the
//! organisation of one person (`organizations.personal_user_id`).

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::{CourseId, OrgId, UserId};
use std::collections::HashMap;

/// What a fork records about its source when it is made.
#[derive(Clone, Debug)]
pub struct NewFork<'a> {
    pub course: CourseId,
    pub source: CourseId,
    pub source_key: &'a str,
    pub source_title: &'a str,
    pub source_license: &'a str,
    pub source_authors: &'a [String],
    pub version: i64,
    pub by: UserId,
    pub now: i64,
}

pub async fn record(db: &mut impl Db, f: &NewFork<'_>) -> Result<()> {
    db.exec(
        q("INSERT INTO course_forks (course_id, source_course_id, source_key, source_title, source_license, source_authors,
                                     forked_version, synced_version, forked_by, forked_at, modified)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, FALSE)")
        .bind(f.course.0)
        .bind(f.source.0)
        .bind(f.source_key)
        .bind(f.source_title)
        .bind(f.source_license)
        .bind(serde_json::to_string(f.source_authors).unwrap_or_else(|_| "[]".into()))
        .bind(f.version)
        .bind(f.by.0)
        .bind(f.now),
    )
    .await?;
    Ok(())
}

row! {
    /// A fork's record of its source.
    pub struct ForkRow {
        pub course_id: i64,
        pub source_course_id: Option<i64>,
        // The source's key now, or the last one known when it is gone.
        pub source_key: String,
        pub source_title: String,
        pub source_license: String,
        pub source_authors: String,
        pub forked_version: i64,
        pub synced_version: i64,
        pub forked_by: Option<i64>,
        pub forked_at: i64,
        pub modified: bool,
    }
}

impl ForkRow {
    pub fn authors(&self) -> Vec<String> {
        serde_json::from_str(&self.source_authors).unwrap_or_default()
    }
}

/// A course's fork record, if it is a fork: one statement.
pub async fn of_course(db: &mut impl Db, course: CourseId) -> Result<Option<ForkRow>> {
    db.optional(
        q("SELECT f.course_id, f.source_course_id, COALESCE(s.course_key, f.source_key) AS source_key,
                  f.source_title, f.source_license, f.source_authors, f.forked_version, f.synced_version,
                  f.forked_by, f.forked_at, f.modified
           FROM course_forks f LEFT JOIN courses s ON s.id = f.source_course_id
           WHERE f.course_id = $1")
        .bind(course.0),
    )
    .await
}

row! {
    struct LiveBlock {
        pub id: i64,
        pub parent_id: Option<i64>,
        pub position: i64,
        pub kind: String,
        pub url_name: String,
        pub title: String,
        pub release_at: Option<i64>,
        pub content: String,
        pub revision: i64,
    }
}

/// Copy `from`'s published blocks into `to` (new ids, the same `url_name`s, the same
/// revision numbers), map each to its source in `fork_blocks`, and copy each block's
/// revisions up to its published one (authors, times and comments kept), so the fork's
/// history starts from the source's. A draft in progress in the source is not copied.
/// Returns how many blocks were copied.
pub async fn copy_published_blocks(
    db: &mut impl Db,
    from: CourseId,
    to: CourseId,
    by: UserId,
    now: i64,
) -> Result<usize> {
    let rows: Vec<LiveBlock> = db
        .all(
            q("SELECT id, parent_id, position, kind, url_name, title, release_at, content, revision
               FROM blocks WHERE course_id = $1 AND live")
            .bind(from.0),
        )
        .await?;
    let mut children: HashMap<Option<i64>, Vec<&LiveBlock>> = HashMap::new();
    for r in &rows {
        children.entry(r.parent_id).or_default().push(r);
    }
    for list in children.values_mut() {
        list.sort_by_key(|r| (r.position, r.id));
    }
    // Parents before children; a block whose parent is not live is not reachable and
    // not copied.
    let mut queue: std::collections::VecDeque<(Option<i64>, &LiveBlock)> = children
        .get(&None)
        .map(|l| l.iter().map(|r| (None, *r)).collect())
        .unwrap_or_default();
    let mut copied = 0;
    while let Some((parent, b)) = queue.pop_front() {
        let id: i64 = db
            .scalar(
                q("INSERT INTO blocks (course_id, parent_id, position, kind, url_name, title, release_at, content, revision, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(to.0)
                .bind(parent)
                .bind(b.position)
                .bind(&b.kind)
                .bind(&b.url_name)
                .bind(&b.title)
                .bind(b.release_at)
                .bind(&b.content)
                .bind(b.revision)
                .bind(now),
            )
            .await?;
        db.exec(
            q("INSERT INTO fork_blocks (block_id, course_id, source_block_id, source_revision, revision)
               VALUES ($1, $2, $3, $4, $4)")
            .bind(id)
            .bind(to.0)
            .bind(b.id)
            .bind(b.revision),
        )
        .await?;
        copied += 1;
        for c in children.get(&Some(b.id)).into_iter().flatten() {
            queue.push_back((Some(id), *c));
        }
    }
    db.exec(
        q("INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at, release_at)
           SELECT fb.block_id, r.revision, r.author_id, r.title, r.content, r.comment, r.created_at, r.release_at
           FROM fork_blocks fb JOIN block_revisions r ON r.block_id = fb.source_block_id AND r.revision <= fb.source_revision
           WHERE fb.course_id = $1")
        .bind(to.0),
    )
    .await?;
    // A source block without a row for its published revision (seeded, imported long
    // ago) gets one by the person forking, so every block's current version has a row.
    db.exec(
        q("INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at, release_at)
           SELECT b.id, b.revision, $2, b.title, b.content, '', $3, b.release_at FROM blocks b
           WHERE b.course_id = $1
             AND NOT EXISTS (SELECT 1 FROM block_revisions r WHERE r.block_id = b.id AND r.revision = b.revision)")
        .bind(to.0)
        .bind(by.0)
        .bind(now),
    )
    .await?;
    Ok(copied)
}

/// The shown names of the people who wrote a course's published content (its live
/// blocks' revisions up to the published one), the most prolific first: one statement.
pub async fn authors(db: &mut impl Db, course: CourseId) -> Result<Vec<String>> {
    let rows: Vec<(String, i64)> = db
        .all(
            q("SELECT COALESCE(NULLIF(u.display_name, ''), u.username) AS name, COUNT(*) AS n
               FROM blocks b JOIN block_revisions r ON r.block_id = b.id AND r.revision <= b.revision
               JOIN users u ON u.id = r.author_id
               WHERE b.course_id = $1 AND b.live
               GROUP BY u.id, u.display_name, u.username
               ORDER BY n DESC, name")
            .bind(course.0),
        )
        .await?;
    Ok(rows.into_iter().map(|(n, _)| n).collect())
}

/// Whether a fork's published content differs from what it took from its source: a live
/// block not from the source, a block from the source at another revision than taken, or
/// a block from the source no longer live. Stored on the fork; one statement. Nothing
/// happens for a course that is no fork.
pub async fn recompute_modified(db: &mut impl Db, course: CourseId) -> Result<()> {
    db.exec(
        q("UPDATE course_forks SET modified = (
               EXISTS (SELECT 1 FROM blocks b LEFT JOIN fork_blocks fb ON fb.block_id = b.id
                       WHERE b.course_id = $1 AND b.live AND (fb.block_id IS NULL OR b.revision <> fb.revision))
            OR EXISTS (SELECT 1 FROM fork_blocks fb JOIN blocks b ON b.id = fb.block_id
                       WHERE fb.course_id = $1 AND NOT b.live))
           WHERE course_id = $1")
        .bind(course.0),
    )
    .await?;
    Ok(())
}

row! {
    /// One block of a fork with the source block it came from.
    pub struct ForkBlockRow {
        pub block_id: i64,
        pub source_block_id: i64,
        pub source_revision: i64,
        pub revision: i64,
    }
}

/// A fork's map to its source's blocks, by block id.
pub async fn blocks(db: &mut impl Db, course: CourseId) -> Result<Vec<ForkBlockRow>> {
    db.all(
        q(
            "SELECT block_id, source_block_id, source_revision, revision FROM fork_blocks
           WHERE course_id = $1 ORDER BY block_id",
        )
        .bind(course.0),
    )
    .await
}

/// A person's personal space, if they have one: (id, slug).
pub async fn personal_space(db: &mut impl Db, user: UserId) -> Result<Option<(OrgId, String)>> {
    Ok(db
        .optional::<(i64, String)>(
            q("SELECT id, slug FROM organizations WHERE personal_user_id = $1").bind(user.0),
        )
        .await?
        .map(|(id, slug)| (OrgId(id), slug)))
}

/// Whether an organisation slug is taken (in any case, as [`super::orgs::create`] checks).
pub async fn slug_taken(db: &mut impl Db, slug: &str) -> Result<bool> {
    let n: i64 = db
        .scalar(q("SELECT COUNT(*) FROM organizations WHERE LOWER(slug) = LOWER($1)").bind(slug))
        .await?;
    Ok(n > 0)
}

/// Create `user`'s personal space (they are its admin). `name` is what lists that show
/// organisations by name show; pages say "NAME's space" from the translated message.
pub async fn create_personal_space(
    db: &mut impl Db,
    user: UserId,
    slug: &str,
    name: &str,
    now: i64,
) -> Result<OrgId> {
    let id: i64 = db
        .scalar(
            q(
                "INSERT INTO organizations (slug, name, description, created_at, personal_user_id)
               VALUES ($1, $2, '', $3, $4) RETURNING id",
            )
            .bind(slug)
            .bind(name)
            .bind(now)
            .bind(user.0),
        )
        .await?;
    db.exec(
        q("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, 'admin', $3)")
            .bind(id)
            .bind(user.0)
            .bind(now),
    )
    .await?;
    Ok(OrgId(id))
}

/// Move a course into another organisation under a new key; its old key becomes an
/// alias (and any alias that pointed to it keeps pointing to the course).
pub async fn move_course(
    db: &mut impl Db,
    course: CourseId,
    old_key: &str,
    org: OrgId,
    new_key: &str,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE courses SET org_id = $2, course_key = $3, updated_at = $4 WHERE id = $1")
            .bind(course.0)
            .bind(org.0)
            .bind(new_key)
            .bind(now),
    )
    .await?;
    // The new key may have been someone's old key: a course's own key wins.
    db.exec(q("DELETE FROM course_key_aliases WHERE old_key = $1").bind(new_key))
        .await?;
    db.exec(
        q("INSERT INTO course_key_aliases (old_key, course_id, created_at) VALUES ($1, $2, $3)")
            .bind(old_key)
            .bind(course.0)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// The key now of the course that had `old_key`, if one did.
pub async fn alias_target(db: &mut impl Db, old_key: &str) -> Result<Option<String>> {
    Ok(db
        .optional::<(String,)>(
            q(
                "SELECT c.course_key FROM course_key_aliases a JOIN courses c ON c.id = a.course_id
               WHERE a.old_key = $1",
            )
            .bind(old_key),
        )
        .await?
        .map(|(k,)| k))
}
