//! A course's status after its first publish: reviewers approve a course in review or
//! send it back with a comment, comment on it, and mark a published course reviewed;
//! those who run it archive and reopen it. Each decision is a `course_reviews` row (the
//! history the review page shows), an audit row, and — for approve and send back — a
//! notice to the course's instructors.

use super::{decide, load, user_of};
use crate::{Env, Error, Result};
use lyceum_core::course::{CourseStatus, StatusChange};
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::{DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::course_admin as repo;
use lyceum_store::repo::{audit, notifications};

/// What a reviewer decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A course in review goes live.
    Approve,
    /// A course in review goes back to its team as a draft; a comment is required.
    SendBack,
    /// A remark in the history; the status stays.
    Comment,
    /// A published course was checked and is still right: "last reviewed" becomes now.
    MarkReviewed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::SendBack => "send_back",
            Decision::Comment => "comment",
            Decision::MarkReviewed => "reviewed",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        [
            Decision::Approve,
            Decision::SendBack,
            Decision::Comment,
            Decision::MarkReviewed,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

fn status_of(s: &str) -> Result<CourseStatus> {
    CourseStatus::parse(s).ok_or_else(|| Error::internal(format!("unknown course status {s}")))
}

fn wrong_status() -> Error {
    Error::conflict("lyceum-review-error-status")
}

/// Record a reviewer's decision on a course (`Review`).
pub async fn decide_review(
    env: &Env,
    actor: &Actor,
    key: &str,
    decision: Decision,
    comment: &str,
) -> Result<CourseStatus> {
    let me = user_of(actor)?;
    let comment = limits::clean(comment, limits::REVIEW_COMMENT)
        .map_err(Error::invalid)?
        .trim()
        .to_owned();
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::Review, Resource::Course(&course.facts)),
        "lyceum-review-error-forbidden",
    )?;
    let status = status_of(&course.row.status)?;
    let now = env.now_ms();
    let after = match decision {
        Decision::Approve => status
            .after(StatusChange::Approve, true)
            .ok_or_else(wrong_status)?,
        Decision::SendBack => {
            if comment.is_empty() {
                return Err(Error::invalid(DomainError::new(
                    "lyceum-review-error-comment-required",
                )));
            }
            status
                .after(StatusChange::SendBack, true)
                .ok_or_else(wrong_status)?
        }
        Decision::Comment => {
            if comment.is_empty() {
                return Err(Error::invalid(DomainError::new(
                    "lyceum-review-error-comment-required",
                )));
            }
            status
        }
        Decision::MarkReviewed => {
            if status != CourseStatus::Published {
                return Err(wrong_status());
            }
            status
        }
    };
    if decision == Decision::Approve {
        // The reviewed draft goes live, in this transaction: one new content version.
        crate::authoring::make_live(&mut tx, course.id(), Some(me), &comment, now).await?;
    } else if after != status {
        repo::set_status(
            &mut tx,
            course.id(),
            after.as_str(),
            after.visible_to_learners(),
            now,
        )
        .await?;
    }
    if matches!(decision, Decision::Approve | Decision::MarkReviewed) {
        repo::set_last_reviewed(&mut tx, course.id(), now).await?;
    }
    repo::add_review(&mut tx, course.id(), me, decision.as_str(), &comment, now).await?;
    let kind = match decision {
        Decision::Approve => Some("review-approved"),
        Decision::SendBack => Some("review-sent-back"),
        _ => None,
    };
    if let Some(kind) = kind {
        let link = format!("/courses/{key}/review");
        for u in repo::instructors(&mut tx, course.id()).await? {
            if u == me {
                continue;
            }
            notifications::notify(
                &mut tx,
                &notifications::NewNotice {
                    user: u,
                    course: Some(course.id()),
                    kind,
                    link: &link,
                    subject: &course.row.title,
                    now,
                },
            )
            .await?;
        }
    }
    status_audit(
        &mut tx,
        me,
        key,
        &format!("course.review.{}", decision.as_str()),
        &comment,
        status,
        after,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[allow(clippy::too_many_arguments)]
async fn status_audit(
    db: &mut impl Db,
    me: UserId,
    key: &str,
    action: &str,
    reason: &str,
    from: CourseStatus,
    to: CourseStatus,
    now: i64,
) -> Result<()> {
    audit::record(
        db,
        &audit::NewEntry {
            actor: Some(me),
            action,
            target_type: "course",
            target_id: key,
            reason,
            details: serde_json::json!({"from": from.as_str(), "to": to.as_str()}),
            now,
        },
    )
    .await?;
    Ok(())
}

/// Archive a published course or reopen an archived one (`Administer`). An archived
/// course stays readable for its learners, leaves the catalog's default list and takes
/// no new enrolments.
pub async fn change_status(
    env: &Env,
    actor: &Actor,
    key: &str,
    change: StatusChange,
    reason: &str,
) -> Result<CourseStatus> {
    let me = user_of(actor)?;
    if !matches!(change, StatusChange::Archive | StatusChange::Reopen) {
        return Err(Error::malformed("lyceum-error-bad-form"));
    }
    let reason = limits::clean(reason, limits::REASON)
        .map_err(Error::invalid)?
        .trim()
        .to_owned();
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::Administer, Resource::Course(&course.facts)),
        "lyceum-review-error-forbidden",
    )?;
    let status = status_of(&course.row.status)?;
    let after = status.after(change, false).ok_or_else(wrong_status)?;
    let now = env.now_ms();
    repo::set_status(
        &mut tx,
        course.id(),
        after.as_str(),
        after.visible_to_learners(),
        now,
    )
    .await?;
    let action = match change {
        StatusChange::Archive => "course.archive",
        _ => "course.reopen",
    };
    status_audit(&mut tx, me, key, action, &reason, status, after, now).await?;
    tx.commit().await?;
    Ok(after)
}
