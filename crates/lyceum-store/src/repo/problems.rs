//! Learners' work on problems: current state, every submission, staff overrides and the
//! log of grading actions. Private to the learner and the course team.

use crate::db::{Backend, Db, Elem, FromRow, Store, ints, json_rows, list_rows, q, q_built, row};
use crate::{Result, StoreError};
use lyceum_core::{BlockId, CourseId, UserId};

row! {
    pub struct ProblemStateRow {
        pub user_id: i64,
        pub block_id: i64,
        pub attempts: i64,
        pub answers: String,
        pub results: String,
        pub raw_earned: Option<f64>,
        pub raw_possible: Option<f64>,
        pub seed: i64,
        pub hints_shown: i64,
    }
}

const STATE_COLUMNS: &str =
    "user_id, block_id, attempts, answers, results, raw_earned, raw_possible, seed, hints_shown";

pub async fn state(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Option<ProblemStateRow>> {
    db.optional(
        q_built(format!(
            "SELECT {STATE_COLUMNS} FROM problem_states WHERE user_id = $1 AND block_id = $2"
        ))
        .bind(user.0)
        .bind(block.0),
    )
    .await
}

/// The learner's state on every problem of a unit (children of `unit`), in one statement.
pub async fn states_in_unit(
    db: &mut impl Db,
    user: UserId,
    unit: BlockId,
) -> Result<Vec<ProblemStateRow>> {
    db.all(
        q_built(format!(
            "SELECT {} FROM blocks b CROSS JOIN problem_states s WHERE b.parent_id = $2 AND s.user_id = $1 AND s.block_id = b.id",
            STATE_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(user.0)
        .bind(unit.0),
    )
    .await
}

/// A learner's score on one problem, for grades: (block, raw earned, raw possible,
/// attempts). Never-graded problems are absent.
pub type ScoreRow = (BlockId, f64, f64, i64);

/// (user, block, raw earned, raw possible, attempts) as aggregated.
type RawScoreRow = (i64, i64, Option<f64>, Option<f64>, i64);

fn parse_scores(json: &str) -> Result<Vec<(i64, ScoreRow)>> {
    let rows: Vec<RawScoreRow> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, b, e, p, a)| Some((u, (BlockId(b), e?, p?, a))))
        .collect())
}

/// One learner's scores in a course, as one aggregated row (the Progress page).
pub async fn scores_of(db: &mut impl Db, user: UserId, course: CourseId) -> Result<Vec<ScoreRow>> {
    let sql = format!(
        "SELECT {} FROM problem_states WHERE user_id = $1 AND course_id = $2",
        json_rows(
            db.backend(),
            "user_id, block_id, raw_earned, raw_possible, attempts"
        )
    );
    let json: String = db.scalar(q_built(sql).bind(user.0).bind(course.0)).await?;
    Ok(parse_scores(&json)?.into_iter().map(|(_, s)| s).collect())
}

/// Several learners' scores in a course (a gradebook page), as one aggregated row.
pub async fn scores_of_learners(
    db: &mut impl Db,
    course: CourseId,
    users: &[UserId],
) -> Result<Vec<(UserId, ScoreRow)>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {} FROM problem_states WHERE course_id = $1 AND user_id IN ({})",
        json_rows(
            db.backend(),
            "user_id, block_id, raw_earned, raw_possible, attempts"
        ),
        list_rows(db.backend(), "$2", Elem::Int)
    );
    let json: String = db
        .scalar(
            q_built(sql)
                .bind(course.0)
                .bind(ints(users.iter().map(|u| u.0))),
        )
        .await?;
    Ok(parse_scores(&json)?
        .into_iter()
        .map(|(u, s)| (UserId(u), s))
        .collect())
}

/// Staff overrides (weighted points) of some learners in a course; all learners when
/// `users` is `None`.
pub async fn overrides(
    db: &mut impl Db,
    course: CourseId,
    users: Option<&[UserId]>,
) -> Result<Vec<OverrideRow>> {
    let sql = "SELECT user_id, block_id, earned, reason, staff_id, created_at FROM score_overrides WHERE course_id = $1";
    match users {
        Some([]) => Ok(Vec::new()),
        Some(users) => {
            db.all(
                q_built(format!(
                    "{sql} AND user_id IN ({})",
                    list_rows(db.backend(), "$2", Elem::Int)
                ))
                .bind(course.0)
                .bind(ints(users.iter().map(|u| u.0))),
            )
            .await
        }
        None => db.all(q(sql).bind(course.0)).await,
    }
}

row! {
    pub struct OverrideRow {
        pub user_id: i64,
        pub block_id: i64,
        pub earned: f64,
        pub reason: String,
        pub staff_id: Option<i64>,
        pub created_at: i64,
    }
}

/// What one graded submission stores.
#[derive(Clone, Debug)]
pub struct NewSubmission<'a> {
    pub user: UserId,
    pub block: BlockId,
    pub course: CourseId,
    /// The submission's number for this learner and problem: one more than their last.
    /// Two requests racing for the same number cannot both be stored.
    pub seq: i64,
    /// Attempts used after this one (the state's count, which staff can reset).
    pub attempts: i64,
    pub answers: &'a str,
    pub results: &'a str,
    pub raw_earned: f64,
    pub raw_possible: f64,
    /// The score per the grading method, over all attempts including this one.
    pub score: f64,
    pub idempotency_key: Option<&'a str>,
    pub seed: i64,
    pub now: i64,
}

// A graded submission's three writes, numbered alike so that one statement can hold them
// all (`record_graded`): each binds the first 10, 13 or 14 values of `bind_graded`.
const INSERT_SUBMISSION: &str = "INSERT INTO problem_submissions (user_id, block_id, course_id, attempt, answers, results, raw_earned, raw_possible, idempotency_key, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const UPSERT_STATE: &str = "INSERT INTO problem_states (user_id, block_id, course_id, attempts, answers, results, raw_earned, raw_possible, seed, hints_shown, updated_at)
     VALUES ($1, $2, $3, $11, $5, $6, $12, $8, $13, 0, $10)
     ON CONFLICT (user_id, block_id) DO UPDATE SET attempts = excluded.attempts, answers = excluded.answers, results = excluded.results,
        raw_earned = excluded.raw_earned, raw_possible = excluded.raw_possible, updated_at = excluded.updated_at";
const INSERT_COMPLETION: &str =
    "INSERT INTO completions (user_id, block_id, course_id, source, completed_at)
     VALUES ($1, $2, $3, $14, $10) ON CONFLICT (user_id, block_id) DO NOTHING";

/// `sql` with the first `n` values of a graded submission bound.
fn bind_graded(sql: &str, s: &NewSubmission<'_>, n: usize) -> crate::db::Query {
    let q = q_built(sql.to_owned())
        .bind(s.user.0)
        .bind(s.block.0)
        .bind(s.course.0)
        .bind(s.seq)
        .bind(s.answers)
        .bind(s.results)
        .bind(s.raw_earned)
        .bind(s.raw_possible)
        .bind(s.idempotency_key)
        .bind(s.now);
    let q = if n > 10 {
        q.bind(s.attempts).bind(s.score).bind(s.seed)
    } else {
        q
    };
    if n > 13 { q.bind("submit") } else { q }
}

/// Record a graded submission and the new state. `Conflict` when another request
/// recorded attempt N first, or the idempotency key was already used: the caller then
/// returns what is stored instead of counting an attempt twice.
pub async fn record_submission(db: &mut impl Db, s: &NewSubmission<'_>) -> Result<()> {
    db.exec(bind_graded(INSERT_SUBMISSION, s, 10)).await?;
    db.exec(bind_graded(UPSERT_STATE, s, 13)).await?;
    Ok(())
}

/// Record a graded submission, the new state and the problem's completion (as submitted,
/// if it was not complete yet), all or nothing; `Conflict` as `record_submission`. On
/// PostgreSQL it is one statement (three inserts in a `WITH`), one round trip and one
/// commit where a transaction took five; on SQLite, whose statements cost no round trip,
/// a transaction on the writer.
pub async fn record_graded(store: &Store, s: &NewSubmission<'_>) -> Result<()> {
    match store.backend() {
        Backend::Postgres => {
            static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                format!(
                    "WITH submitted AS ({INSERT_SUBMISSION} RETURNING 1), state AS ({UPSERT_STATE}),
                          completed AS ({INSERT_COMPLETION})
                     SELECT count(*) FROM submitted"
                )
            });
            store.conn().await?.exec(bind_graded(&SQL, s, 14)).await?;
            Ok(())
        }
        Backend::Sqlite => {
            let mut tx = store.begin().await?;
            record_submission(&mut tx, s).await?;
            tx.exec(bind_graded(INSERT_COMPLETION, s, 14)).await?;
            tx.commit().await
        }
    }
}

row! {
    pub struct SubmissionRow {
        pub id: i64,
        pub user_id: i64,
        pub block_id: i64,
        pub attempt: i64,
        pub answers: String,
        pub results: String,
        pub raw_earned: f64,
        pub raw_possible: f64,
        pub submitted_at: i64,
    }
}

const SUBMISSION_COLUMNS: &str =
    "id, user_id, block_id, attempt, answers, results, raw_earned, raw_possible, submitted_at";

pub async fn submission_by_key(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    key: &str,
) -> Result<Option<SubmissionRow>> {
    db.optional(q_built(format!("SELECT {SUBMISSION_COLUMNS} FROM problem_submissions WHERE user_id = $1 AND block_id = $2 AND idempotency_key = $3")).bind(user.0).bind(block.0).bind(key)).await
}

/// A learner's latest submission on a problem.
pub async fn last_submission(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Option<SubmissionRow>> {
    db.optional(q_built(format!("SELECT {SUBMISSION_COLUMNS} FROM problem_submissions WHERE user_id = $1 AND block_id = $2 ORDER BY attempt DESC LIMIT 1")).bind(user.0).bind(block.0)).await
}

/// A learner's state on a problem and their latest submission, read together: one
/// statement, so one snapshot (a submission committed meanwhile shows in both or in
/// neither). What a new submission is checked against.
pub async fn state_and_last(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<(Option<ProblemStateRow>, Option<SubmissionRow>)> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let state = STATE_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let last = SUBMISSION_COLUMNS
            .split(", ")
            .map(|c| format!("l.{c} AS last_{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT {state}, {last} FROM (SELECT 1 AS one) k
             LEFT JOIN problem_states s ON s.user_id = $1 AND s.block_id = $2
             LEFT JOIN problem_submissions l ON l.user_id = $1 AND l.block_id = $2
               AND l.attempt = (SELECT x.attempt FROM problem_submissions x WHERE x.user_id = $1 AND x.block_id = $2
                                 ORDER BY x.attempt DESC LIMIT 1)"
        )
    });
    let rows = db
        .rows(q_built(SQL.clone()).bind(user.0).bind(block.0))
        .await?;
    let Some(r) = rows.first() else {
        return Ok((None, None));
    };
    let state = match r.get::<Option<i64>>("attempts")? {
        Some(_) => Some(ProblemStateRow::from_row(r)?),
        None => None,
    };
    let last = match r.get::<Option<i64>>("last_id")? {
        Some(id) => Some(SubmissionRow {
            id,
            user_id: r.get("last_user_id")?,
            block_id: r.get("last_block_id")?,
            attempt: r.get("last_attempt")?,
            answers: r.get("last_answers")?,
            results: r.get("last_results")?,
            raw_earned: r.get("last_raw_earned")?,
            raw_possible: r.get("last_raw_possible")?,
            submitted_at: r.get("last_submitted_at")?,
        }),
        None => None,
    };
    Ok((state, last))
}

/// Every submission of a learner on a problem, oldest first.
pub async fn submissions_of(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Vec<SubmissionRow>> {
    db.all(q_built(format!("SELECT {SUBMISSION_COLUMNS} FROM problem_submissions WHERE user_id = $1 AND block_id = $2 ORDER BY attempt")).bind(user.0).bind(block.0)).await
}

/// Every submission on one problem (rescoring).
pub async fn submissions_for_block(db: &mut impl Db, block: BlockId) -> Result<Vec<SubmissionRow>> {
    db.all(q_built(format!("SELECT {SUBMISSION_COLUMNS} FROM problem_submissions WHERE block_id = $1 ORDER BY user_id, attempt")).bind(block.0)).await
}

/// Every submission in a course, for the answers export, oldest first.
pub async fn submissions_in_course(
    db: &mut impl Db,
    course: CourseId,
) -> Result<Vec<SubmissionRow>> {
    db.all(q_built(format!("SELECT {SUBMISSION_COLUMNS} FROM problem_submissions WHERE course_id = $1 ORDER BY user_id, block_id, attempt")).bind(course.0)).await
}

/// One learner's submissions in a course, oldest first (their page in the gradebook).
pub async fn submissions_of_learner(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
) -> Result<Vec<SubmissionRow>> {
    db.all(q_built(format!("SELECT {SUBMISSION_COLUMNS} FROM problem_submissions WHERE course_id = $1 AND user_id = $2 ORDER BY block_id, attempt")).bind(course.0).bind(user.0)).await
}

/// One learner's state on every problem of a course.
pub async fn states_of_learner(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
) -> Result<Vec<ProblemStateRow>> {
    db.all(
        q_built(format!(
            "SELECT {STATE_COLUMNS} FROM problem_states WHERE course_id = $1 AND user_id = $2"
        ))
        .bind(course.0)
        .bind(user.0),
    )
    .await
}

pub async fn set_submission_score(
    db: &mut impl Db,
    id: i64,
    results: &str,
    raw_earned: f64,
    raw_possible: f64,
) -> Result<()> {
    db.exec(q("UPDATE problem_submissions SET results = $2, raw_earned = $3, raw_possible = $4 WHERE id = $1").bind(id).bind(results).bind(raw_earned).bind(raw_possible)).await?;
    Ok(())
}

/// Set a state's score and last results (after rescoring).
pub async fn set_score(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    results: &str,
    raw_earned: f64,
    raw_possible: f64,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE problem_states SET results = $3, raw_earned = $4, raw_possible = $5, updated_at = $6 WHERE user_id = $1 AND block_id = $2")
            .bind(user.0)
            .bind(block.0)
            .bind(results)
            .bind(raw_earned)
            .bind(raw_possible)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// The learner's Reset: clear the answers (and take a new seed); attempts stay.
pub async fn reset_answers(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    seed: i64,
    now: i64,
) -> Result<()> {
    db.exec(q("UPDATE problem_states SET answers = '{}', results = '{}', seed = $3, updated_at = $4 WHERE user_id = $1 AND block_id = $2").bind(user.0).bind(block.0).bind(seed).bind(now)).await?;
    Ok(())
}

/// Staff: give the learner their attempts back. History and score stay.
pub async fn reset_attempts(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    now: i64,
) -> Result<u64> {
    // Submission numbers continue after the old ones, so the history stays whole.
    db.exec(q("UPDATE problem_states SET attempts = 0, updated_at = $3 WHERE user_id = $1 AND block_id = $2").bind(user.0).bind(block.0).bind(now)).await
}

/// The learner asked for the next hint.
pub async fn show_hint(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    seed: i64,
    shown: i64,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO problem_states (user_id, block_id, course_id, seed, hints_shown, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (user_id, block_id) DO UPDATE SET hints_shown = excluded.hints_shown, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(seed)
        .bind(shown)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// A score set by staff: weighted points, with the reason and who set it.
#[derive(Clone, Debug)]
pub struct NewOverride<'a> {
    pub user: UserId,
    pub block: BlockId,
    pub course: CourseId,
    pub earned: f64,
    pub reason: &'a str,
    pub staff: UserId,
    pub now: i64,
}

pub async fn set_override(db: &mut impl Db, o: &NewOverride<'_>) -> Result<()> {
    let NewOverride {
        user,
        block,
        course,
        earned,
        reason,
        staff,
        now,
    } = *o;
    db.exec(
        q("INSERT INTO score_overrides (user_id, block_id, course_id, earned, reason, staff_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (user_id, block_id) DO UPDATE SET earned = excluded.earned, reason = excluded.reason, staff_id = excluded.staff_id, created_at = excluded.created_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(earned)
        .bind(reason)
        .bind(staff.0)
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn remove_override(db: &mut impl Db, user: UserId, block: BlockId) -> Result<u64> {
    db.exec(
        q("DELETE FROM score_overrides WHERE user_id = $1 AND block_id = $2")
            .bind(user.0)
            .bind(block.0),
    )
    .await
}

/// A grading action for the audit log: `user` is `None` when it concerns every learner.
#[derive(Clone, Debug)]
pub struct GradeAction<'a> {
    pub course: CourseId,
    pub user: Option<UserId>,
    pub block: Option<BlockId>,
    pub staff: UserId,
    pub action: &'a str,
    /// JSON with the particulars (points and reason, counts).
    pub detail: &'a str,
    pub now: i64,
}

pub async fn log_action(db: &mut impl Db, a: &GradeAction<'_>) -> Result<()> {
    let GradeAction {
        course,
        user,
        block,
        staff,
        action,
        detail,
        now,
    } = *a;
    db.exec(
        q("INSERT INTO grade_actions (course_id, user_id, block_id, staff_id, action, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(course.0)
            .bind(user.map(|u| u.0))
            .bind(block.map(|b| b.0))
            .bind(staff.0)
            .bind(action)
            .bind(detail)
            .bind(now),
    )
    .await?;
    Ok(())
}

row! {
    pub struct ActionRow {
        pub id: i64,
        pub user_id: Option<i64>,
        pub block_id: Option<i64>,
        pub staff_id: Option<i64>,
        pub action: String,
        pub detail: String,
        pub created_at: i64,
    }
}

/// The grading actions concerning one learner (theirs, and course-wide rescoring).
pub async fn actions_for(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
) -> Result<Vec<ActionRow>> {
    db.all(
        q("SELECT id, user_id, block_id, staff_id, action, detail, created_at FROM grade_actions
           WHERE course_id = $1 AND (user_id = $2 OR user_id IS NULL) ORDER BY created_at DESC, id DESC LIMIT 200")
        .bind(course.0)
        .bind(user.0),
    )
    .await
}

row! {
    pub struct LearnerRow {
        pub id: i64,
        pub username: String,
        pub display_name: String,
        pub enrolled_at: i64,
    }
}

/// Enrolled learners of a course, by name, optionally matching `search` (username or
/// display name, case-insensitive): one page and the total.
pub async fn learners(
    db: &mut impl Db,
    course: CourseId,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LearnerRow>, i64)> {
    let pattern = search.map(|s| {
        format!(
            "%{}%",
            s.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let filter = "e.course_id = $1 AND e.active AND ($2 IS NULL OR u.username_key LIKE $2 ESCAPE '\\' OR LOWER(u.display_name) LIKE $2 ESCAPE '\\')";
    let rows = db
        .all(
            q_built(format!(
                "SELECT u.id, u.username, u.display_name, e.created_at AS enrolled_at FROM enrollments e JOIN users u ON u.id = e.user_id
                 WHERE {filter} ORDER BY u.username_key LIMIT $3 OFFSET $4"
            ))
            .bind(course.0)
            .bind(pattern.as_deref())
            .bind(limit)
            .bind(offset),
        )
        .await?;
    let total: i64 = db
        .scalar(
            q_built(format!(
                "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user_id WHERE {filter}"
            ))
            .bind(course.0)
            .bind(pattern.as_deref()),
        )
        .await?;
    Ok((rows, total))
}

/// Per problem of a course: learners with a score, and attempts used by all of them.
pub async fn problem_stats(db: &mut impl Db, course: CourseId) -> Result<Vec<(BlockId, i64, i64)>> {
    let rows = db
        .rows(
            q("SELECT block_id, COUNT(*) AS learners, CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS attempts FROM problem_states
               WHERE course_id = $1 AND raw_earned IS NOT NULL GROUP BY block_id")
            .bind(course.0),
        )
        .await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok((
                r.get::<i64>("block_id")?,
                r.get::<i64>("learners")?,
                r.get::<i64>("attempts")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|(b, l, a)| (BlockId(b), l, a))
        .collect())
}

/// The latest grading actions of a course (for the course-wide log).
pub async fn actions_in_course(
    db: &mut impl Db,
    course: CourseId,
    limit: i64,
) -> Result<Vec<ActionRow>> {
    db.all(
        q(
            "SELECT id, user_id, block_id, staff_id, action, detail, created_at FROM grade_actions
           WHERE course_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(course.0)
        .bind(limit),
    )
    .await
}

/// Scores per submission after rescoring one learner's problem, and the state's new score.
pub struct Rescored<'a> {
    pub user: UserId,
    pub block: BlockId,
    /// (submission id, results, raw earned, raw possible)
    pub submissions: Vec<(i64, String, f64, f64)>,
    pub results: &'a str,
    pub score: f64,
    pub possible: f64,
    pub now: i64,
}

/// Store a learner's rescored submissions and score.
pub async fn store_rescore(db: &mut impl Db, r: &Rescored<'_>) -> Result<()> {
    for (id, results, earned, possible) in &r.submissions {
        set_submission_score(db, *id, results, *earned, *possible).await?;
    }
    set_score(db, r.user, r.block, r.results, r.score, r.possible, r.now).await
}
