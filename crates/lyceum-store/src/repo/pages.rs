//! A course's own pages (Open edX's `about/`, `info/` and `tabs/`): kind `about`, `info`
//! or `tab`, a slug unique within its kind, and content as written.
//!
//! The web layer caches a course's pages with its content tree, keyed on the course's
//! content version: whoever changes pages bumps that version in the same transaction
//! (`courses::bump_content_version`), as for blocks.

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::CourseId;

row! {
    pub struct PageRow {
        pub course_id: i64,
        pub kind: String,
        pub slug: String,
        pub title: String,
        pub content: String,
        pub position: i64,
    }
}

/// A page to store; its position is its place in the list given to [`replace_all`].
#[derive(Clone, Copy, Debug)]
pub struct NewPage<'a> {
    pub kind: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    pub content: &'a str,
}

/// Replace all of a course's pages with `pages`, in order (a re-import replaces the set).
pub async fn replace_all(db: &mut impl Db, course: CourseId, pages: &[NewPage<'_>]) -> Result<()> {
    db.exec(q("DELETE FROM course_pages WHERE course_id = $1").bind(course.0))
        .await?;
    for (position, p) in pages.iter().enumerate() {
        db.exec(
            q("INSERT INTO course_pages (course_id, kind, slug, title, content, position) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(course.0)
                .bind(p.kind)
                .bind(p.slug)
                .bind(p.title)
                .bind(p.content)
                .bind(position as i64),
        )
        .await?;
    }
    Ok(())
}

/// Every page of the course, by kind, then in the order they were given.
pub async fn list(db: &mut impl Db, course: CourseId) -> Result<Vec<PageRow>> {
    db.all(q("SELECT course_id, kind, slug, title, content, position FROM course_pages WHERE course_id = $1 ORDER BY kind, position").bind(course.0)).await
}

pub async fn find(
    db: &mut impl Db,
    course: CourseId,
    kind: &str,
    slug: &str,
) -> Result<Option<PageRow>> {
    db.optional(q("SELECT course_id, kind, slug, title, content, position FROM course_pages WHERE course_id = $1 AND kind = $2 AND slug = $3").bind(course.0).bind(kind).bind(slug)).await
}
