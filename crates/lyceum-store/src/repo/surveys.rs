//! Survey responses: one row per learner and survey, its answers as JSON by question id.
//! Private to the learner; the course team reads them only through the survey report,
//! which for anonymous surveys never shows who answered.

use crate::Result;
use crate::db::{Db, Elem, ints, list_rows, q, q_built, row};
use lyceum_core::{BlockId, CourseId, UserId};

row! {
    pub struct ResponseRow {
        pub user_id: i64,
        pub block_id: i64,
        pub answers: String,
        pub submitted_at: i64,
        pub updated_at: i64,
    }
}

row! {
    /// A response as the report reads it: with the learner's names and whether they are
    /// enrolled in the course now.
    pub struct ReportRow {
        pub user_id: i64,
        pub answers: String,
        pub username: String,
        pub display_name: String,
        pub enrolled: bool,
    }
}

const COLUMNS: &str = "user_id, block_id, answers, submitted_at, updated_at";

pub async fn response(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Option<ResponseRow>> {
    db.optional(
        q_built(format!(
            "SELECT {COLUMNS} FROM survey_responses WHERE user_id = $1 AND block_id = $2"
        ))
        .bind(user.0)
        .bind(block.0),
    )
    .await
}

/// The learner's responses to any of `blocks` (the surveys of one unit), in one statement.
pub async fn responses_in(
    db: &mut impl Db,
    user: UserId,
    blocks: &[BlockId],
) -> Result<Vec<ResponseRow>> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT {COLUMNS} FROM survey_responses WHERE user_id = $1 AND block_id IN ({}) ORDER BY block_id",
            list_rows(db.backend(), "$2", Elem::Int)
        ))
        .bind(user.0)
        .bind(ints(blocks.iter().map(|b| b.0))),
    )
    .await
}

pub struct NewResponse<'a> {
    pub user: UserId,
    pub block: BlockId,
    pub course: CourseId,
    /// JSON object by question id.
    pub answers: &'a str,
    pub now: i64,
}

/// Store a first response; `false` (and nothing changed) when the learner already has one.
pub async fn insert(db: &mut impl Db, r: &NewResponse<'_>) -> Result<bool> {
    let n = db
        .exec(
            q("INSERT INTO survey_responses (user_id, block_id, course_id, answers, submitted_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (user_id, block_id) DO NOTHING")
            .bind(r.user.0)
            .bind(r.block.0)
            .bind(r.course.0)
            .bind(r.answers)
            .bind(r.now),
        )
        .await?;
    Ok(n == 1)
}

/// Store a response, replacing the learner's answers if they have one (its first
/// submission time is kept).
pub async fn upsert(db: &mut impl Db, r: &NewResponse<'_>) -> Result<()> {
    db.exec(
        q("INSERT INTO survey_responses (user_id, block_id, course_id, answers, submitted_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (user_id, block_id) DO UPDATE SET answers = excluded.answers, updated_at = excluded.updated_at")
        .bind(r.user.0)
        .bind(r.block.0)
        .bind(r.course.0)
        .bind(r.answers)
        .bind(r.now),
    )
    .await?;
    Ok(())
}

/// Every response to one survey, oldest first, with names and current enrolment.
pub async fn for_report(db: &mut impl Db, block: BlockId) -> Result<Vec<ReportRow>> {
    db.all(
        q("SELECT r.user_id, r.answers, u.username, u.display_name,
                  (e.user_id IS NOT NULL) AS enrolled
           FROM survey_responses r
           JOIN users u ON u.id = r.user_id
           LEFT JOIN enrollments e ON e.user_id = r.user_id AND e.course_id = r.course_id AND e.active
           WHERE r.block_id = $1
           ORDER BY r.submitted_at, r.user_id")
        .bind(block.0),
    )
    .await
}

/// Learners actively enrolled in a course.
pub async fn enrolled_count(db: &mut impl Db, course: CourseId) -> Result<i64> {
    db.scalar(q("SELECT COUNT(*) FROM enrollments WHERE course_id = $1 AND active").bind(course.0))
        .await
}

/// Participation credit: the survey's one raw point, earned in full, in the score table
/// grades read.
pub async fn record_credit(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO problem_states (user_id, block_id, course_id, attempts, raw_earned, raw_possible, updated_at)
           VALUES ($1, $2, $3, 1, 1.0, 1.0, $4)
           ON CONFLICT (user_id, block_id) DO UPDATE SET attempts = 1, raw_earned = 1.0,
              raw_possible = 1.0, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(now),
    )
    .await?;
    Ok(())
}
