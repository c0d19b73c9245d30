//! What open-response actions leave behind besides their own rows: the score written to
//! the score table grades read, the notices people get, and the course's audit log. One
//! helper, [`after_staff_action`], does all three for every staff action.

use super::{Assignment, load_assessments};
use crate::{Error, Result};
use lyceum_core::open_response::{Score, Status};
use lyceum_core::{BlockId, UserId};
use lyceum_store::Db;
use lyceum_store::repo::notifications::{self, NewNotice};
use lyceum_store::repo::open_responses::{self as repo, SubmissionRow};
use lyceum_store::repo::problems::{self as scores, GradeAction};

/// A use case's answer and the people it sent a notice to. Callers that cache something
/// per person (the web's sessions carry the unread count) refresh it for `told`, after
/// the commit.
#[must_use]
#[derive(Debug)]
pub struct Told<T> {
    pub value: T,
    pub told: Vec<UserId>,
}

impl<T> Told<T> {
    pub fn new(value: T, told: Vec<UserId>) -> Told<T> {
        Told { value, told }
    }
}

/// Write a submission's final score to the score table when it differs from what is
/// stored, and notify its learner: with `kind` when given, and with "feedback" the first
/// time a version gets a score — whichever path gets there first (the action that made it
/// final, or the hourly settling for scores time made final), the learner is told once.
/// `stored` is the score table's row: (earned, possible, version). Returns whether a
/// notice was written.
pub(crate) async fn record(
    db: &mut impl Db,
    a: &Assignment<'_>,
    s: &SubmissionRow,
    score: Option<&Score>,
    stored: Option<(f64, f64, i64)>,
    kind: Option<&'static str>,
    now: jiff::Timestamp,
) -> Result<bool> {
    let mut kind = kind;
    if let Some(score) = score
        && s.state != repo::SUPERSEDED
        && stored != Some((score.earned, score.possible, s.version))
    {
        repo::record_score(
            db,
            UserId(s.user_id),
            BlockId(s.block_id),
            a.course.id,
            (score.earned, score.possible),
            s.version,
            now.as_millisecond(),
        )
        .await?;
        if stored.is_none_or(|(_, _, version)| version != s.version) {
            kind = kind.or(Some("feedback"));
        }
    }
    let Some(kind) = kind else {
        return Ok(false);
    };
    notice(db, a, UserId(s.user_id), kind, now).await?;
    Ok(true)
}

/// Tell `user` about something on an assignment (`kind`: `feedback`, `returned`,
/// `reviews-needed`), linking to the assignment.
pub(crate) async fn notice(
    db: &mut impl Db,
    a: &Assignment<'_>,
    user: UserId,
    kind: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    notifications::notify(
        db,
        &NewNotice {
            user,
            course: Some(a.course.id),
            kind,
            link: &a.url(),
            subject: &a.title(),
            now: now.as_millisecond(),
        },
    )
    .await?;
    Ok(())
}

/// Re-settle a submission after something happened to it: its status from what is stored
/// now, its score recorded, its learner told (with `notify`, or "feedback" when a score
/// first arrives). Runs in the caller's transaction; answers the status and whether the
/// learner got a notice.
pub(crate) async fn settle(
    db: &mut impl Db,
    a: &Assignment<'_>,
    submission: i64,
    notify: Option<&'static str>,
    now: jiff::Timestamp,
) -> Result<(Status, bool)> {
    let s = repo::submission(db, submission)
        .await?
        .ok_or_else(Error::not_found)?;
    let assessments = load_assessments(db, &[s.id]).await?;
    let given = repo::reviews_given(db, UserId(s.user_id), a.block).await?;
    let status = super::status_of(a, &s, &assessments, given, now);
    let stored = scores::state(db, UserId(s.user_id), a.block)
        .await?
        .and_then(|st| Some((st.raw_earned?, st.raw_possible?, st.attempts)));
    let told = record(db, a, &s, status.score.as_ref(), stored, notify, now).await?;
    Ok((status, told))
}

/// A staff action's audit entry: what was done (`or-…`) and its particulars.
pub(crate) struct Audit<'a> {
    pub action: &'a str,
    pub detail: &'a str,
}

/// What every staff action on a submission does once its own change is written, in its
/// transaction: settle the submission (score, notice of `notify`) and write the audit
/// entry. Answers the new status.
pub(crate) async fn after_staff_action(
    db: &mut impl Db,
    a: &Assignment<'_>,
    staff: UserId,
    s: &SubmissionRow,
    notify: Option<&'static str>,
    audit: Audit<'_>,
    now: jiff::Timestamp,
) -> Result<Status> {
    let (status, _) = settle(db, a, s.id, notify, now).await?;
    log(db, a, staff, Some(UserId(s.user_id)), audit, now).await?;
    Ok(status)
}

/// Write an entry of the course's audit log about this assignment.
pub(crate) async fn log(
    db: &mut impl Db,
    a: &Assignment<'_>,
    staff: UserId,
    learner: Option<UserId>,
    audit: Audit<'_>,
    now: jiff::Timestamp,
) -> Result<()> {
    scores::log_action(
        db,
        &GradeAction {
            course: a.course.id,
            user: learner,
            block: Some(a.block),
            staff,
            action: audit.action,
            detail: audit.detail,
            now: now.as_millisecond(),
        },
    )
    .await?;
    Ok(())
}
