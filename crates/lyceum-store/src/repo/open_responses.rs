//! Open responses: drafts, submitted versions, attachments, assessments, peer assignments,
//! grading locks and graders' unsaved work. Private to the learner, the peers assigned to
//! a response (who never get the learner's name from here) and the course team.

use crate::db::{Db, Elem, ints, list_rows, q, q_built, row};
use crate::{Result, StoreError};
use lyceum_core::{BlockId, CourseId, UserId};

// --- Drafts ---------------------------------------------------------------------------

pub async fn save_draft(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    text: &str,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO or_drafts (user_id, block_id, course_id, text, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (user_id, block_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(text)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The learner's draft: its text and when it was saved.
pub async fn draft(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Option<(String, i64)>> {
    db.optional(
        q("SELECT text, updated_at FROM or_drafts WHERE user_id = $1 AND block_id = $2")
            .bind(user.0)
            .bind(block.0),
    )
    .await
}

// --- Submissions ----------------------------------------------------------------------

row! {
    pub struct SubmissionRow {
        pub id: i64,
        pub user_id: i64,
        pub block_id: i64,
        pub course_id: i64,
        pub version: i64,
        pub text: String,
        pub state: String,
        pub peer_excused: bool,
        pub return_note: String,
        pub submitted_at: i64,
        pub updated_at: i64,
    }
}

const SUBMISSION_COLUMNS: &str = "s.id, s.user_id, s.block_id, s.course_id, s.version, s.text, s.state, s.peer_excused, s.return_note, s.submitted_at, s.updated_at";

pub const ACTIVE: &str = "active";
pub const RETURNED: &str = "returned";
pub const SUPERSEDED: &str = "superseded";

/// Store a submitted version: earlier versions are superseded, the draft's files move to
/// it and the draft goes. Run in a transaction; `Conflict` when another request stored
/// this version first.
pub async fn submit(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    version: i64,
    text: &str,
    now: i64,
) -> Result<i64> {
    db.exec(
        q("UPDATE or_submissions SET state = 'superseded', updated_at = $3 WHERE user_id = $1 AND block_id = $2 AND state <> 'superseded'")
            .bind(user.0)
            .bind(block.0)
            .bind(now),
    )
    .await?;
    let id: i64 = db
        .scalar(
            q("INSERT INTO or_submissions (user_id, block_id, course_id, version, text, state, submitted_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, 'active', $6, $6) RETURNING id")
            .bind(user.0)
            .bind(block.0)
            .bind(course.0)
            .bind(version)
            .bind(text)
            .bind(now),
        )
        .await?;
    db.exec(
        q("UPDATE or_attachments SET submission_id = $3 WHERE user_id = $1 AND block_id = $2 AND submission_id IS NULL")
            .bind(user.0)
            .bind(block.0)
            .bind(id),
    )
    .await?;
    db.exec(
        q("DELETE FROM or_drafts WHERE user_id = $1 AND block_id = $2")
            .bind(user.0)
            .bind(block.0),
    )
    .await?;
    Ok(id)
}

pub async fn submission(db: &mut impl Db, id: i64) -> Result<Option<SubmissionRow>> {
    db.optional(
        q_built(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM or_submissions s WHERE s.id = $1"
        ))
        .bind(id),
    )
    .await
}

/// Every version a learner submitted, oldest first.
pub async fn submissions_of(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Vec<SubmissionRow>> {
    db.all(
        q_built(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM or_submissions s WHERE s.user_id = $1 AND s.block_id = $2 ORDER BY s.version"
        ))
        .bind(user.0)
        .bind(block.0),
    )
    .await
}

/// The current (not superseded) submission of every learner in a course, or of one
/// assignment, oldest first: the staff queue's rows.
pub async fn current_in_course(
    db: &mut impl Db,
    course: CourseId,
    block: Option<BlockId>,
) -> Result<Vec<SubmissionRow>> {
    let sql = format!(
        "SELECT {SUBMISSION_COLUMNS} FROM or_submissions s WHERE s.course_id = $1 AND s.state <> 'superseded' {} ORDER BY s.submitted_at, s.id",
        if block.is_some() {
            "AND s.block_id = $2"
        } else {
            ""
        }
    );
    let mut query = q_built(sql).bind(course.0);
    if let Some(b) = block {
        query = query.bind(b.0);
    }
    db.all(query).await
}

/// The current submissions of several courses at once (the dashboard's waiting work for
/// everything a person teaches): one statement however many courses.
pub async fn current_in_courses(
    db: &mut impl Db,
    courses: &[CourseId],
) -> Result<Vec<SubmissionRow>> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    db.all(q_built(format!(
        "SELECT {SUBMISSION_COLUMNS} FROM or_submissions s WHERE s.course_id IN ({}) AND s.state <> 'superseded' ORDER BY s.submitted_at, s.id",
        list_rows(db.backend(), "$1", Elem::Int)
    )).bind(ints(courses.iter().map(|c| c.0))))
    .await
}

/// The keys of courses with responses in an assessment workflow (for settling scores).
pub async fn courses_with_open_work(db: &mut impl Db) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .all(q(
            "SELECT DISTINCT c.course_key FROM or_submissions s JOIN courses c ON c.id = s.course_id WHERE s.state = 'active'",
        ))
        .await?;
    Ok(rows.into_iter().map(|(k,)| k).collect())
}

/// Every version of every learner on one assignment (the responses download).
pub async fn all_versions(db: &mut impl Db, block: BlockId) -> Result<Vec<SubmissionRow>> {
    db.all(
        q_built(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM or_submissions s WHERE s.block_id = $1 ORDER BY s.user_id, s.version"
        ))
        .bind(block.0),
    )
    .await
}

pub async fn set_state(
    db: &mut impl Db,
    id: i64,
    state: &str,
    note: &str,
    now: i64,
) -> Result<u64> {
    db.exec(
        q("UPDATE or_submissions SET state = $2, return_note = $3, updated_at = $4 WHERE id = $1 AND state <> 'superseded'")
            .bind(id)
            .bind(state)
            .bind(note)
            .bind(now),
    )
    .await
}

pub async fn set_peer_excused(db: &mut impl Db, id: i64, excused: bool, now: i64) -> Result<u64> {
    db.exec(
        q("UPDATE or_submissions SET peer_excused = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(excused)
            .bind(now),
    )
    .await
}

// --- Attachments ----------------------------------------------------------------------

row! {
    pub struct AttachmentRow {
        pub id: i64,
        pub user_id: i64,
        pub block_id: i64,
        pub submission_id: Option<i64>,
        pub file_name: String,
        pub alt: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub created_at: i64,
    }
}

const ATTACHMENT_COLUMNS: &str =
    "id, user_id, block_id, submission_id, file_name, alt, content_type, size, sha256, created_at";

#[derive(Clone, Debug)]
pub struct NewAttachment<'a> {
    pub user: UserId,
    pub block: BlockId,
    pub course: CourseId,
    pub file_name: &'a str,
    pub alt: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub now: i64,
}

/// Attach a stored file to the learner's draft.
pub async fn add_attachment(db: &mut impl Db, a: &NewAttachment<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO or_attachments (user_id, block_id, course_id, file_name, alt, content_type, size, sha256, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(a.user.0)
        .bind(a.block.0)
        .bind(a.course.0)
        .bind(a.file_name)
        .bind(a.alt)
        .bind(a.content_type)
        .bind(a.size)
        .bind(a.sha256)
        .bind(a.now),
    )
    .await
}

pub async fn draft_attachments(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Vec<AttachmentRow>> {
    db.all(
        q_built(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM or_attachments WHERE user_id = $1 AND block_id = $2 AND submission_id IS NULL ORDER BY id"
        ))
        .bind(user.0)
        .bind(block.0),
    )
    .await
}

/// The files of a learner's submissions on one assignment (every version).
pub async fn submitted_attachments(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
) -> Result<Vec<AttachmentRow>> {
    db.all(
        q_built(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM or_attachments WHERE user_id = $1 AND block_id = $2 AND submission_id IS NOT NULL ORDER BY id"
        ))
        .bind(user.0)
        .bind(block.0),
    )
    .await
}

/// Every submitted file of an assignment (the responses download).
pub async fn attachments_of_block(db: &mut impl Db, block: BlockId) -> Result<Vec<AttachmentRow>> {
    db.all(
        q_built(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM or_attachments WHERE block_id = $1 AND submission_id IS NOT NULL ORDER BY id"
        ))
        .bind(block.0),
    )
    .await
}

pub async fn attachment(db: &mut impl Db, id: i64) -> Result<Option<AttachmentRow>> {
    db.optional(
        q_built(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM or_attachments WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

/// Remove a file from the learner's draft (submitted files are never removed).
pub async fn remove_draft_attachment(db: &mut impl Db, user: UserId, id: i64) -> Result<u64> {
    db.exec(
        q("DELETE FROM or_attachments WHERE id = $1 AND user_id = $2 AND submission_id IS NULL")
            .bind(id)
            .bind(user.0),
    )
    .await
}

// --- Assessments ----------------------------------------------------------------------

row! {
    pub struct AssessmentRow {
        pub id: i64,
        pub submission_id: i64,
        pub block_id: i64,
        pub assessor_id: Option<i64>,
        pub step: String,
        pub by_staff: bool,
        pub options: String,
        pub points: String,
        pub earned: f64,
        pub criterion_feedback: String,
        pub overall_feedback: String,
        pub cancelled_at: Option<i64>,
        pub cancel_reason: String,
        pub created_at: i64,
    }
}

const ASSESSMENT_COLUMNS: &str = "id, submission_id, block_id, assessor_id, step, by_staff, options, points, earned, criterion_feedback, overall_feedback, cancelled_at, cancel_reason, created_at";

#[derive(Clone, Debug)]
pub struct NewAssessment<'a> {
    pub submission: i64,
    pub block: BlockId,
    pub assessor: UserId,
    pub step: &'a str,
    pub by_staff: bool,
    /// JSON objects: criterion → option, criterion → points, criterion → feedback.
    pub options: &'a str,
    pub points: &'a str,
    pub earned: f64,
    pub criterion_feedback: &'a str,
    pub overall_feedback: &'a str,
    pub now: i64,
}

pub async fn add_assessment(db: &mut impl Db, a: &NewAssessment<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO or_assessments (submission_id, block_id, assessor_id, step, by_staff, options, points, earned, criterion_feedback, overall_feedback, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
        .bind(a.submission)
        .bind(a.block.0)
        .bind(a.assessor.0)
        .bind(a.step)
        .bind(a.by_staff)
        .bind(a.options)
        .bind(a.points)
        .bind(a.earned)
        .bind(a.criterion_feedback)
        .bind(a.overall_feedback)
        .bind(a.now),
    )
    .await
}

/// The assessments of the given submissions (cancelled ones included), oldest first.
pub async fn assessments_of(db: &mut impl Db, submissions: &[i64]) -> Result<Vec<AssessmentRow>> {
    if submissions.is_empty() {
        return Ok(Vec::new());
    }
    db.all(q_built(format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM or_assessments WHERE submission_id IN ({}) ORDER BY created_at, id",
        list_rows(db.backend(), "$1", Elem::Int)
    )).bind(ints(submissions.iter().copied())))
    .await
}

pub async fn assessment(db: &mut impl Db, id: i64) -> Result<Option<AssessmentRow>> {
    db.optional(
        q_built(format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM or_assessments WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

pub async fn cancel_assessment(
    db: &mut impl Db,
    id: i64,
    staff: UserId,
    reason: &str,
    now: i64,
) -> Result<u64> {
    db.exec(
        q("UPDATE or_assessments SET cancelled_at = $2, cancelled_by = $3, cancel_reason = $4 WHERE id = $1 AND cancelled_at IS NULL")
            .bind(id)
            .bind(now)
            .bind(staff.0)
            .bind(reason),
    )
    .await
}

/// Assessments (that count) made on an assignment: the settings page warns that changing
/// the rubric changes their scores.
pub async fn assessment_count(db: &mut impl Db, block: BlockId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM or_assessments WHERE block_id = $1 AND cancelled_at IS NULL")
            .bind(block.0),
    )
    .await
}

/// Peer reviews a learner has completed (and not had cancelled) on one assignment.
pub async fn reviews_given(db: &mut impl Db, user: UserId, block: BlockId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM or_assessments WHERE assessor_id = $1 AND block_id = $2 AND step = 'peer' AND by_staff = $3 AND cancelled_at IS NULL")
            .bind(user.0)
            .bind(block.0)
            .bind(false),
    )
    .await
}

/// (learner, block, peer reviews given) for every learner of a course who gave any.
pub async fn reviews_given_in_course(
    db: &mut impl Db,
    course: CourseId,
) -> Result<Vec<(i64, i64, i64)>> {
    db.all(
        q("SELECT a.assessor_id, a.block_id, COUNT(*) FROM or_assessments a JOIN or_submissions s ON s.id = a.submission_id
           WHERE s.course_id = $1 AND a.step = 'peer' AND a.by_staff = $2 AND a.cancelled_at IS NULL AND a.assessor_id IS NOT NULL
           GROUP BY a.assessor_id, a.block_id")
        .bind(course.0)
        .bind(false),
    )
    .await
}

/// [`reviews_given_in_course`] for several courses at once: (assessor, block, count).
pub async fn reviews_given_in_courses(
    db: &mut impl Db,
    courses: &[CourseId],
) -> Result<Vec<(i64, i64, i64)>> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT a.assessor_id, a.block_id, COUNT(*) FROM or_assessments a JOIN or_submissions s ON s.id = a.submission_id
           WHERE s.course_id IN ({}) AND a.step = 'peer' AND a.by_staff = $1 AND a.cancelled_at IS NULL AND a.assessor_id IS NOT NULL
           GROUP BY a.assessor_id, a.block_id",
            list_rows(db.backend(), "$2", Elem::Int)
        ))
        .bind(false)
        .bind(ints(courses.iter().map(|c| c.0))),
    )
    .await
}

// --- Peer assignments -----------------------------------------------------------------

/// The response a reviewer was given and has not reviewed yet (it stays theirs until done).
pub async fn open_assignment(
    db: &mut impl Db,
    reviewer: UserId,
    block: BlockId,
) -> Result<Option<i64>> {
    db.optional(
        q("SELECT a.submission_id FROM or_peer_assignments a JOIN or_submissions s ON s.id = a.submission_id
           WHERE a.reviewer_id = $1 AND a.block_id = $2 AND a.done_at IS NULL AND s.state = 'active'
           ORDER BY a.assigned_at LIMIT 1")
        .bind(reviewer.0)
        .bind(block.0),
    )
    .await
    .map(|r: Option<(i64,)>| r.map(|(id,)| id))
}

/// The next response for a reviewer: someone else's current response they have not been
/// given before, the one with the fewest reviews (done or under way) first, then the oldest.
pub async fn next_for_review(
    db: &mut impl Db,
    reviewer: UserId,
    block: BlockId,
) -> Result<Option<i64>> {
    db.optional(
        q("SELECT s.id FROM or_submissions s
           WHERE s.block_id = $2 AND s.state = 'active' AND s.user_id <> $1
             AND NOT EXISTS (SELECT 1 FROM or_peer_assignments a WHERE a.submission_id = s.id AND a.reviewer_id = $1)
           ORDER BY (SELECT COUNT(*) FROM or_peer_assignments a WHERE a.submission_id = s.id), s.submitted_at, s.id
           LIMIT 1")
        .bind(reviewer.0)
        .bind(block.0),
    )
    .await
    .map(|r: Option<(i64,)>| r.map(|(id,)| id))
}

pub async fn assign(
    db: &mut impl Db,
    submission: i64,
    reviewer: UserId,
    block: BlockId,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO or_peer_assignments (submission_id, reviewer_id, block_id, assigned_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (submission_id, reviewer_id) DO NOTHING")
        .bind(submission)
        .bind(reviewer.0)
        .bind(block.0)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Whether the reviewer was given this response and has not reviewed it yet.
pub async fn is_assigned(db: &mut impl Db, submission: i64, reviewer: UserId) -> Result<bool> {
    let n: i64 = db
        .scalar(
            q("SELECT COUNT(*) FROM or_peer_assignments WHERE submission_id = $1 AND reviewer_id = $2")
                .bind(submission)
                .bind(reviewer.0),
        )
        .await?;
    Ok(n > 0)
}

/// Mark the reviewer's assignment done; 0 when there was no open one (a second submit).
pub async fn complete_assignment(
    db: &mut impl Db,
    submission: i64,
    reviewer: UserId,
    now: i64,
) -> Result<u64> {
    db.exec(
        q("UPDATE or_peer_assignments SET done_at = $3 WHERE submission_id = $1 AND reviewer_id = $2 AND done_at IS NULL")
            .bind(submission)
            .bind(reviewer.0)
            .bind(now),
    )
    .await
}

/// Learners with an open peer-review step on an assignment who have nothing to review
/// right now (to tell them when a response arrives): those whose own current response
/// is active, who hold no open assignment and have given fewer than `must_grade`
/// reviews (counted as [`reviews_given`] counts them).
pub async fn idle_reviewers(
    db: &mut impl Db,
    block: BlockId,
    except: UserId,
    must_grade: u32,
) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .all(
            q("SELECT s.user_id FROM or_submissions s WHERE s.block_id = $1 AND s.state = 'active' AND s.user_id <> $2
               AND NOT EXISTS (SELECT 1 FROM or_peer_assignments a WHERE a.reviewer_id = s.user_id AND a.block_id = $1 AND a.done_at IS NULL)
               AND (SELECT COUNT(*) FROM or_assessments x WHERE x.assessor_id = s.user_id AND x.block_id = $1 AND x.step = 'peer'
                    AND x.by_staff = $3 AND x.cancelled_at IS NULL) < $4")
            .bind(block.0)
            .bind(except.0)
            .bind(false)
            .bind(i64::from(must_grade)),
        )
        .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

// --- Grading locks and graders' drafts ------------------------------------------------

/// Take (or renew) the grading lock of a submission. Returns who holds it afterwards and
/// until when: the caller has it when the holder is them.
pub async fn lock(
    db: &mut impl Db,
    submission: i64,
    staff: UserId,
    now: i64,
    until: i64,
) -> Result<(i64, i64)> {
    db.exec(
        q("INSERT INTO or_locks (submission_id, staff_id, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (submission_id) DO UPDATE SET staff_id = excluded.staff_id, expires_at = excluded.expires_at
           WHERE or_locks.staff_id = excluded.staff_id OR or_locks.expires_at <= $4")
        .bind(submission)
        .bind(staff.0)
        .bind(until)
        .bind(now),
    )
    .await?;
    db.optional(
        q("SELECT staff_id, expires_at FROM or_locks WHERE submission_id = $1").bind(submission),
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("lock vanished".into()))
}

/// Who holds a submission's lock now, if anyone.
pub async fn lock_holder(db: &mut impl Db, submission: i64, now: i64) -> Result<Option<i64>> {
    let r: Option<(i64,)> = db
        .optional(
            q("SELECT staff_id FROM or_locks WHERE submission_id = $1 AND expires_at > $2")
                .bind(submission)
                .bind(now),
        )
        .await?;
    Ok(r.map(|(s,)| s))
}

/// (submission, staff holding it) for every live lock in a course.
pub async fn locks_in_course(
    db: &mut impl Db,
    course: CourseId,
    now: i64,
) -> Result<Vec<(i64, i64)>> {
    db.all(
        q("SELECT l.submission_id, l.staff_id FROM or_locks l JOIN or_submissions s ON s.id = l.submission_id
           WHERE s.course_id = $1 AND l.expires_at > $2")
        .bind(course.0)
        .bind(now),
    )
    .await
}

pub async fn unlock(db: &mut impl Db, submission: i64, staff: UserId) -> Result<()> {
    db.exec(
        q("DELETE FROM or_locks WHERE submission_id = $1 AND staff_id = $2")
            .bind(submission)
            .bind(staff.0),
    )
    .await?;
    Ok(())
}

pub async fn save_grader_draft(
    db: &mut impl Db,
    submission: i64,
    staff: UserId,
    body: &str,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO or_grader_drafts (submission_id, staff_id, body, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (submission_id, staff_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")
        .bind(submission)
        .bind(staff.0)
        .bind(body)
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn grader_draft(
    db: &mut impl Db,
    submission: i64,
    staff: UserId,
) -> Result<Option<String>> {
    let r: Option<(String,)> = db
        .optional(
            q("SELECT body FROM or_grader_drafts WHERE submission_id = $1 AND staff_id = $2")
                .bind(submission)
                .bind(staff.0),
        )
        .await?;
    Ok(r.map(|(b,)| b))
}

pub async fn delete_grader_draft(db: &mut impl Db, submission: i64, staff: UserId) -> Result<()> {
    db.exec(
        q("DELETE FROM or_grader_drafts WHERE submission_id = $1 AND staff_id = $2")
            .bind(submission)
            .bind(staff.0),
    )
    .await?;
    Ok(())
}

// --- Scores ---------------------------------------------------------------------------

/// Record an assignment's final score in the score table grades read (raw points on the
/// rubric's scale; `versions` counts as attempts).
pub async fn record_score(
    db: &mut impl Db,
    user: UserId,
    block: BlockId,
    course: CourseId,
    (earned, possible): (f64, f64),
    versions: i64,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO problem_states (user_id, block_id, course_id, attempts, raw_earned, raw_possible, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (user_id, block_id) DO UPDATE SET attempts = excluded.attempts, raw_earned = excluded.raw_earned,
              raw_possible = excluded.raw_possible, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(block.0)
        .bind(course.0)
        .bind(versions)
        .bind(earned)
        .bind(possible)
        .bind(now),
    )
    .await?;
    Ok(())
}
