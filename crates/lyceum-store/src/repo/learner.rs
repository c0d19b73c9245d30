//! A learner's state in courses: enrolments, completion, video progress, bookmarks.
//! Private to the learner and the course team; callers check that with `can` first.

use crate::Result;
use crate::db::{Db, run};
use crate::repo::courses::CourseRow;
use lyceum_core::{BlockId, CourseId, UserId};

/// Enrol, or re-activate an earlier enrolment (its history is kept).
pub async fn enroll(db: &mut impl Db, user: UserId, course: CourseId, now: i64) -> Result<()> {
    run!(db, |c| {
        sqlx::query(
        "INSERT INTO enrollments (user_id, course_id, active, created_at, updated_at) VALUES ($1, $2, TRUE, $3, $3)
         ON CONFLICT (user_id, course_id) DO UPDATE SET active = TRUE, updated_at = excluded.updated_at"
    )
    .bind(user.0)
    .bind(course.0)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Unenrol. Progress is kept, so re-enrolling picks up where the learner left off.
pub async fn unenroll(db: &mut impl Db, user: UserId, course: CourseId, now: i64) -> Result<bool> {
    let n = run!(db, |c| {
        sqlx::query("UPDATE enrollments SET active = FALSE, updated_at = $3 WHERE user_id = $1 AND course_id = $2 AND active")
        .bind(user.0)
        .bind(course.0)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n > 0)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnrollmentRow {
    #[sqlx(flatten)]
    pub course: CourseRow,
    pub enrolled_at: i64,
    pub last_unit_id: Option<i64>,
}

/// Active enrolments of a user with their courses, most recent first.
pub async fn enrollments_of(db: &mut impl Db, user: UserId) -> Result<Vec<EnrollmentRow>> {
    Ok(run!(db, |c| {
        sqlx::query_as::<_, EnrollmentRow>(
        "SELECT c.id, c.org_id, o.slug AS org_slug, o.name AS org_name, c.course_key, c.code, c.run, c.title,
            c.short_description, c.overview_html, c.outcomes, c.language, c.license, c.effort_minutes_per_week, c.effort_weeks,
            c.start_at, c.end_at, c.enrollment_open, c.published, c.self_paced, c.content_version,
            e.created_at AS enrolled_at, e.last_unit_id
         FROM enrollments e JOIN courses c ON c.id = e.course_id JOIN organizations o ON o.id = c.org_id
         WHERE e.user_id = $1 AND e.active
         ORDER BY e.updated_at DESC, c.id"
    )
    .bind(user.0)
    .fetch_all(c)
    .await
    })?)
}

/// Remember where the learner is, for "Resume". Writes only when it changed, so reading
/// the same unit again costs no write.
pub async fn set_last_unit(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
    unit: BlockId,
) -> Result<()> {
    run!(db, |c| {
        sqlx::query("UPDATE enrollments SET last_unit_id = $3 WHERE user_id = $1 AND course_id = $2 AND last_unit_id IS DISTINCT FROM $3")
        .bind(user.0)
        .bind(course.0)
        .bind(unit.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionSource {
    /// The learner saw the unit.
    View,
    /// The player reported enough of the video as played.
    Watch,
    /// The learner marked the unit done.
    Manual,
}

impl CompletionSource {
    fn as_str(self) -> &'static str {
        match self {
            CompletionSource::View => "view",
            CompletionSource::Watch => "watch",
            CompletionSource::Manual => "manual",
        }
    }
}

/// Record blocks as complete (already complete ones stay as they were), in one statement.
pub async fn record_completions(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
    blocks: &[BlockId],
    source: CompletionSource,
    now: i64,
) -> Result<()> {
    if blocks.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO completions (user_id, block_id, course_id, source, completed_at) VALUES ",
    );
    for (i, _) in blocks.iter().enumerate() {
        let b = 5 + i;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("($1, ${b}, $2, $3, $4)"));
    }
    sql.push_str(" ON CONFLICT (user_id, block_id) DO NOTHING");
    run!(db, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(user.0)
            .bind(course.0)
            .bind(source.as_str())
            .bind(now);
        for b in blocks {
            q = q.bind(b.0);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn remove_completion(db: &mut impl Db, user: UserId, block: BlockId) -> Result<()> {
    run!(db, |c| sqlx::query(
        "DELETE FROM completions WHERE user_id = $1 AND block_id = $2"
    )
    .bind(user.0)
    .bind(block.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Blocks the learner completed in one course.
pub async fn completed_in_course(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
) -> Result<Vec<BlockId>> {
    let ids: Vec<i64> = run!(db, |c| sqlx::query_scalar(
        "SELECT block_id FROM completions WHERE user_id = $1 AND course_id = $2"
    )
    .bind(user.0)
    .bind(course.0)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(BlockId).collect())
}

/// Blocks the learner completed in every course, for the dashboard: one statement.
pub async fn completed_everywhere(
    db: &mut impl Db,
    user: UserId,
) -> Result<Vec<(CourseId, BlockId)>> {
    let rows: Vec<(i64, i64)> = run!(db, |c| sqlx::query_as(
        "SELECT course_id, block_id FROM completions WHERE user_id = $1"
    )
    .bind(user.0)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(c, b)| (CourseId(c), BlockId(b)))
        .collect())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct VideoProgressRow {
    pub ranges: String,
    pub duration: f64,
    pub position: f64,
}

pub async fn video_progress(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Option<VideoProgressRow>> {
    Ok(run!(db, |c| sqlx::query_as::<_, VideoProgressRow>(
        "SELECT ranges, duration, position FROM video_progress WHERE user_id = $1 AND block_id = $2"
    )
    .bind(user.0)
    .bind(block.0)
    .fetch_optional(c)
    .await)?)
}

pub async fn save_video_progress(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    ranges: &str,
    duration: f64,
    position: f64,
    now: i64,
) -> Result<()> {
    run!(db, |c| {
        sqlx::query(
        "INSERT INTO video_progress (user_id, block_id, ranges, duration, position, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, block_id) DO UPDATE SET ranges = excluded.ranges, duration = excluded.duration,
            position = excluded.position, updated_at = excluded.updated_at"
    )
    .bind(user.0)
    .bind(block.0)
    .bind(ranges)
    .bind(duration)
    .bind(position)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn add_bookmark(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
    block: BlockId,
    now: i64,
) -> Result<()> {
    run!(db, |c| {
        sqlx::query(
        "INSERT INTO bookmarks (user_id, block_id, course_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, block_id) DO NOTHING"
    )
    .bind(user.0)
    .bind(block.0)
    .bind(course.0)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn remove_bookmark(db: &mut impl Db, user: UserId, block: BlockId) -> Result<()> {
    run!(db, |c| sqlx::query(
        "DELETE FROM bookmarks WHERE user_id = $1 AND block_id = $2"
    )
    .bind(user.0)
    .bind(block.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The learner's bookmarks in a course, newest first: (block, created_at).
pub async fn bookmarks_in_course(
    db: &mut impl Db,
    user: UserId,
    course: CourseId,
) -> Result<Vec<(BlockId, i64)>> {
    let rows: Vec<(i64, i64)> = run!(db, |c| {
        sqlx::query_as(
        "SELECT block_id, created_at FROM bookmarks WHERE user_id = $1 AND course_id = $2 ORDER BY created_at DESC, block_id"
    )
    .bind(user.0)
    .bind(course.0)
    .fetch_all(c)
    .await
    })?;
    Ok(rows.into_iter().map(|(b, t)| (BlockId(b), t)).collect())
}

pub async fn is_bookmarked(db: &mut impl Db, user: UserId, block: BlockId) -> Result<bool> {
    let n: i64 = run!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookmarks WHERE user_id = $1 AND block_id = $2"
    )
    .bind(user.0)
    .bind(block.0)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}
