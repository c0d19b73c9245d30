//! What refers to media files: the one list of columns holding a file's SHA-256. The
//! media sweep and the removals after a delete ask only this module whether a file is
//! still in use, so a new kind of row that refers to media adds its column here (a
//! contract test fails if a table has a `sha256` column this list does not name).

use crate::Result;
use crate::db::{Backend, Db, Tx, q, q_built};
use lyceum_core::CourseId;
use std::collections::BTreeSet;

/// A column whose value is the SHA-256 of a file in the media store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaReference {
    pub table: &'static str,
    pub column: &'static str,
    /// The column of the row's course, so a re-import can list what a course refers to;
    /// `None` for files that belong to no course (an organisation's logo).
    pub course_column: Option<&'static str>,
}

/// Every reference to a media file. Video sources, subtitles and posters, images in
/// text and course pages all refer to files through a course asset's name (`/static/…`),
/// so `assets` covers them.
pub const MEDIA_REFERENCES: &[MediaReference] = &[
    // Course assets: files of imported courses, video sources, subtitles, posters.
    MediaReference {
        table: "assets",
        column: "sha256",
        course_column: Some("course_id"),
    },
    // Open-response files: in a learner's draft (no submission yet) or a submission.
    MediaReference {
        table: "or_attachments",
        column: "sha256",
        course_column: Some("course_id"),
    },
    // Organisations' logos.
    MediaReference {
        table: "organizations",
        column: "logo_sha256",
        course_column: None,
    },
];

/// At most this many hashes in one `IN (…)` (PostgreSQL and SQLite both take far more;
/// this keeps each statement small).
const CHUNK: usize = 500;

/// Of `hashes`, those some committed row refers to.
pub async fn referenced_among(db: &mut impl Db, hashes: &[String]) -> Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for chunk in hashes.chunks(CHUNK) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let list = placeholders.join(", ");
        let sql = union_of(|r| Some(format!("{} IN ({list})", r.column)));
        let mut query = q_built(sql);
        for h in chunk {
            query = query.bind(h.as_str());
        }
        let rows: Vec<(String,)> = db.all(query).await?;
        found.extend(rows.into_iter().map(|(h,)| h));
    }
    Ok(found)
}

/// Every file a course's rows refer to (its assets, its learners' files): what a change
/// to the course may leave unreferenced.
pub async fn course_hashes(db: &mut impl Db, course: CourseId) -> Result<BTreeSet<String>> {
    let sql = union_of(|r| r.course_column.map(|c| format!("{c} = $1")));
    let rows: Vec<(String,)> = db.all(q_built(sql).bind(course.0)).await?;
    Ok(rows.into_iter().map(|(h,)| h).collect())
}

/// Every file some row refers to.
pub async fn all_hashes(db: &mut impl Db) -> Result<BTreeSet<String>> {
    let rows: Vec<(String,)> = db.all(q_built(all_hashes_sql())).await?;
    Ok(rows.into_iter().map(|(h,)| h).collect())
}

/// The statement of [`all_hashes`] (also run on a raw SQLite backup copy).
pub(crate) fn all_hashes_sql() -> String {
    union_of(|_| Some("1 = 1".to_owned()))
}

/// The hashes of every reference whose row matches `condition` (references it gives no
/// condition for are left out), as one statement.
fn union_of(condition: impl Fn(&MediaReference) -> Option<String>) -> String {
    MEDIA_REFERENCES
        .iter()
        .filter_map(|r| {
            Some(format!(
                "SELECT DISTINCT {col} AS sha256 FROM {table} WHERE {cond} AND {col} IS NOT NULL",
                col = r.column,
                table = r.table,
                cond = condition(r)?
            ))
        })
        .collect::<Vec<_>>()
        .join(" UNION ")
}

// ---- Deletion candidates (the S3 backend's removals; see `crate::media_gc`) ----

/// Record `hashes` as about to be deleted (those recorded already stay as they are).
pub async fn mark_deletion_candidates(db: &mut impl Db, hashes: &[String], now: i64) -> Result<()> {
    for h in hashes {
        db.exec(
            q("INSERT INTO media_deletions (content_hash, marked_at) VALUES ($1, $2) ON CONFLICT (content_hash) DO NOTHING")
                .bind(h.as_str())
                .bind(now),
        )
        .await?;
    }
    Ok(())
}

/// Of `hashes`, the candidates still recorded, locked until the transaction ends (on
/// SQLite the transaction holds the one writer, which is a lock on every row).
pub async fn lock_deletion_candidates(tx: &mut Tx, hashes: &[String]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let lock = match tx.backend() {
        Backend::Postgres => " ORDER BY content_hash FOR UPDATE",
        Backend::Sqlite => " ORDER BY content_hash",
    };
    for chunk in hashes.chunks(CHUNK) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let mut query = q_built(format!(
            "SELECT content_hash FROM media_deletions WHERE content_hash IN ({}){lock}",
            list.join(", ")
        ));
        for h in chunk {
            query = query.bind(h.as_str());
        }
        let rows: Vec<(String,)> = tx.all(query).await?;
        found.extend(rows.into_iter().map(|(h,)| h));
    }
    Ok(found)
}

/// Take `hashes` out of any removal, for an operation about to publish them: inside the
/// transaction that refers to them. Each hash's candidate row is written (created if
/// missing) and then deleted, so until this transaction ends its row is locked: a sweep
/// holding it locked is waited for (its deletion happens before this publishes), and a
/// sweep recording or locking it later waits for this commit and then finds the rows
/// that refer to the content. (Deleting a row that is not there would lock nothing.)
pub async fn claim_for_publication(db: &mut impl Db, hashes: &[String]) -> Result<()> {
    for chunk in hashes.chunks(CHUNK) {
        if chunk.is_empty() {
            continue;
        }
        let values: Vec<String> = (1..=chunk.len()).map(|i| format!("(${i}, 0)")).collect();
        let mut query = q_built(format!(
            "INSERT INTO media_deletions (content_hash, marked_at) VALUES {} \
             ON CONFLICT (content_hash) DO UPDATE SET marked_at = 0",
            values.join(", ")
        ));
        for h in chunk {
            query = query.bind(h.as_str());
        }
        db.exec(query).await?;
    }
    clear_deletion_candidates(db, hashes).await
}

/// Delete the candidate rows of `hashes`.
pub async fn clear_deletion_candidates(db: &mut impl Db, hashes: &[String]) -> Result<()> {
    for chunk in hashes.chunks(CHUNK) {
        if chunk.is_empty() {
            continue;
        }
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let mut query = q_built(format!(
            "DELETE FROM media_deletions WHERE content_hash IN ({})",
            list.join(", ")
        ));
        for h in chunk {
            query = query.bind(h.as_str());
        }
        db.exec(query).await?;
    }
    Ok(())
}
