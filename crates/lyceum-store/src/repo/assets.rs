//! Course assets: the metadata rows; file bytes live in the [`crate::MediaStore`].

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::CourseId;

row! {
    pub struct AssetRow {
        pub id: i64,
        pub course_id: i64,
        pub name: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub created_at: i64,
    }
}

/// Add an asset or replace the file behind an existing name.
pub async fn put(
    db: &mut impl Db,
    course: CourseId,
    name: &str,
    content_type: &str,
    size: i64,
    sha256: &str,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO assets (course_id, name, content_type, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (course_id, name) DO UPDATE SET content_type = excluded.content_type, size = excluded.size,
              sha256 = excluded.sha256, created_at = excluded.created_at")
        .bind(course.0)
        .bind(name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn find(db: &mut impl Db, course: CourseId, name: &str) -> Result<Option<AssetRow>> {
    db.optional(q("SELECT id, course_id, name, content_type, size, sha256, created_at FROM assets WHERE course_id = $1 AND name = $2").bind(course.0).bind(name)).await
}

pub async fn list(db: &mut impl Db, course: CourseId) -> Result<Vec<AssetRow>> {
    db.all(q("SELECT id, course_id, name, content_type, size, sha256, created_at FROM assets WHERE course_id = $1 ORDER BY name").bind(course.0)).await
}
