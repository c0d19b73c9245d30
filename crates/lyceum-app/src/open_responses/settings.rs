//! The author's settings of an open response: saving them, and copying another
//! assignment's rubric. Each is one transaction with the new content, a new content
//! version (so every cached tree reloads) and an audit entry.

use super::notify::{self, Audit};
use super::{Assignment, CourseRef};
use crate::{Env, Error, Result};
use lyceum_core::blocks::open_response::{OpenResponse, OpenResponseContent};
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::courses as course_repo;
use lyceum_store::repo::open_responses as repo;

/// Store new settings (already parsed; validated here) and title for an assignment.
pub async fn save_settings(
    env: &Env,
    a: &Assignment<'_>,
    staff: UserId,
    title: &str,
    content: OpenResponseContent,
) -> Result<()> {
    let content = OpenResponse::validate(content).map_err(Error::invalid)?;
    store(env, a, staff, title, &content, "or-settings").await
}

/// Replace an assignment's rubric with the rubric of another assignment of the course.
pub async fn copy_rubric(
    env: &Env,
    course: CourseRef<'_>,
    a: &Assignment<'_>,
    from: BlockId,
    staff: UserId,
) -> Result<()> {
    let source = course.assignment_of(from).ok_or_else(Error::not_found)?;
    let mut content = a.content().clone();
    content.rubric = source.content().rubric.clone();
    let content = OpenResponse::validate(content).map_err(Error::invalid)?;
    let title = course.tree.node(a.idx).title.clone();
    store(env, a, staff, &title, &content, "or-rubric-copied").await
}

/// How many assessments were made on an assignment (its settings page warns that a
/// rubric change affects them). Reads only.
pub async fn assessments_made(env: &Env, a: &Assignment<'_>) -> Result<i64> {
    let mut c = env.store.conn().await?;
    Ok(repo::assessment_count(&mut c, a.block).await?)
}

async fn store(
    env: &Env,
    a: &Assignment<'_>,
    staff: UserId,
    title: &str,
    content: &OpenResponseContent,
    action: &str,
) -> Result<()> {
    let now = env.now();
    let encoded = OpenResponse::into_leaf(content.clone()).encode();
    let mut tx = env.store.begin().await?;
    course_repo::update_block(
        &mut tx,
        a.block,
        title,
        &encoded,
        Some(staff),
        now.as_millisecond(),
    )
    .await?;
    course_repo::bump_content_version(&mut tx, a.course.id, now.as_millisecond()).await?;
    notify::log(&mut tx, a, staff, None, Audit { action, detail: "" }, now).await?;
    tx.commit().await?;
    Ok(())
}
