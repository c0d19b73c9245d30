//! What the course team does to submissions: look at one (what each viewer may see), take
//! and release the grading lock, assess, return for revision, excuse from the peer step,
//! cancel an assessment. Each action is one transaction that ends with
//! [`after_staff_action`](super::notify::after_staff_action): the score settled, the
//! learner told, the audit entry written.

use super::learner::{grader_draft_json, store_assessment};
use super::notify::{Audit, Told, after_staff_action};
use super::{Assessment, Assignment, Version, load_assessments, released};
use crate::{Env, Error, Result};
use lyceum_core::blocks::open_response::{AssessmentInput, Step};
use lyceum_core::open_response::{Status, rules};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Resource, can};
use lyceum_core::{BlockId, DomainError, UserId, limits};
use lyceum_store::repo::open_responses::{
    self as repo, ACTIVE, AttachmentRow, RETURNED, SubmissionRow,
};
use lyceum_store::repo::users::{self, UserRow};
use std::collections::HashMap;

/// Who is looking at a submission, and so what they see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Its learner: released assessments.
    Learner,
    /// A peer it was given to: the response only, never the learner's name or others'
    /// reviews.
    Peer,
    /// The course team: everything.
    Staff,
}

/// A submission and whether `user` was given it to review: what access to it turns on.
pub struct Access {
    pub submission: SubmissionRow,
    pub assigned_peer: bool,
}

/// The submission with this id and whether `user` was given it as a peer (before the
/// caller loads its course and asks [`Access::viewer`]).
pub async fn submission_access(env: &Env, id: i64, user: UserId) -> Result<Access> {
    let mut c = env.store.conn().await?;
    let submission = repo::submission(&mut c, id)
        .await?
        .ok_or_else(Error::not_found)?;
    let assigned_peer = submission.user_id != user.0 && repo::is_assigned(&mut c, id, user).await?;
    Ok(Access {
        submission,
        assigned_peer,
    })
}

impl Access {
    /// How `actor` (with these facts about the submission's course) sees it; not found
    /// for anyone who may not.
    pub fn viewer(&self, actor: &Actor, course: &CourseFacts) -> Result<Viewer> {
        viewer_of(
            actor,
            course,
            UserId(self.submission.user_id),
            self.assigned_peer,
        )
    }
}

/// How `actor` sees the work of `learner` in a course (`can` on the submission): the
/// team grades it, its learner and a peer it was given see it, anyone else: not found.
pub fn viewer_of(
    actor: &Actor,
    course: &CourseFacts,
    learner: UserId,
    assigned_peer: bool,
) -> Result<Viewer> {
    let resource = Resource::Submission {
        course,
        learner,
        assigned_peer,
    };
    if can(actor, Action::Grade, resource).allowed() {
        Ok(Viewer::Staff)
    } else if !can(actor, Action::View, resource).allowed() {
        Err(Error::not_found())
    } else if actor.user == Some(learner) {
        Ok(Viewer::Learner)
    } else {
        Ok(Viewer::Peer)
    }
}

/// An attached file and whether `user` was given its response to review (before the
/// caller asks [`viewer_of`] about its learner).
pub async fn attachment_access(env: &Env, id: i64, user: UserId) -> Result<(AttachmentRow, bool)> {
    let mut c = env.store.conn().await?;
    let f = repo::attachment(&mut c, id)
        .await?
        .ok_or_else(Error::not_found)?;
    let assigned_peer = match f.submission_id {
        Some(s) if f.user_id != user.0 => repo::is_assigned(&mut c, s, user).await?,
        _ => false,
    };
    Ok((f, assigned_peer))
}

/// One submission with everything its viewer may see.
pub struct SubmissionDetails {
    pub version: Version,
    /// Every version of the learner (staff and the learner only).
    pub versions: Vec<SubmissionRow>,
    /// The learner (staff only).
    pub learner: Option<UserRow>,
    /// Assessors' names (staff only).
    pub names: HashMap<i64, String>,
    /// Who holds the grading lock now, if someone other than the viewer does (staff only).
    pub locked_by: Option<String>,
    /// The staff viewer's unsaved assessment, kept from a lock conflict.
    pub grader_draft: Option<AssessmentInput>,
}

/// A submission of `a` as `viewer` (the user `me`) may see it. Reads only.
pub async fn details(
    env: &Env,
    a: &Assignment<'_>,
    viewer: Viewer,
    me: UserId,
    s: SubmissionRow,
) -> Result<SubmissionDetails> {
    let now = env.now();
    let learner_id = UserId(s.user_id);
    let mut c = env.store.conn().await?;
    let assessments = load_assessments(&mut c, &[s.id]).await?;
    let given = repo::reviews_given(&mut c, learner_id, a.block).await?;
    let status = super::status_of(a, &s, &assessments, given, now);
    let files: Vec<AttachmentRow> = repo::submitted_attachments(&mut c, learner_id, a.block)
        .await?
        .into_iter()
        .filter(|f| f.submission_id == Some(s.id))
        .collect();
    let mut out = SubmissionDetails {
        version: Version {
            row: s,
            files,
            assessments: Vec::new(),
            status,
        },
        versions: Vec::new(),
        learner: None,
        names: HashMap::new(),
        locked_by: None,
        grader_draft: None,
    };
    let s = &out.version.row;
    if viewer != Viewer::Peer {
        out.versions = repo::submissions_of(&mut c, learner_id, a.block).await?;
    }
    if viewer == Viewer::Staff {
        let mut ids: Vec<UserId> = assessments
            .iter()
            .filter_map(|a| a.row.assessor_id)
            .map(UserId)
            .collect();
        ids.push(learner_id);
        let holder = repo::lock_holder(&mut c, s.id, now.as_millisecond()).await?;
        ids.extend(holder.map(UserId));
        let people = users::get_users(&mut c, &ids).await?;
        out.names = people
            .iter()
            .map(|u| (u.id, u.shown_name().to_owned()))
            .collect();
        out.locked_by = holder
            .filter(|h| *h != me.0)
            .map(|h| out.names.get(&h).cloned().unwrap_or_default());
        out.learner = people.into_iter().find(|u| u.id == learner_id.0);
        out.grader_draft = repo::grader_draft(&mut c, s.id, me)
            .await?
            .and_then(|b| serde_json::from_str(&b).ok());
    }
    out.version.assessments = match viewer {
        Viewer::Staff => assessments,
        Viewer::Learner => released(&out.version.status, assessments),
        Viewer::Peer => Vec::new(),
    };
    Ok(out)
}

/// The grading lock of a submission, as its grader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockState {
    Free,
    Mine,
    /// Held by another grader (their name).
    Other(String),
}

/// Who holds the grading lock on a submission now, as `me` sees it. Reads only.
pub async fn lock_state(env: &Env, submission: i64, me: UserId) -> Result<LockState> {
    let mut c = env.store.conn().await?;
    Ok(
        match repo::lock_holder(&mut c, submission, env.now_ms()).await? {
            None => LockState::Free,
            Some(h) if h == me.0 => LockState::Mine,
            Some(h) => LockState::Other(shown_name(&mut c, h).await?),
        },
    )
}

/// Take or renew the grading lock ("Start grading"); answers when it runs out, or
/// `Err(name)` when another grader holds it.
pub async fn lock(env: &Env, submission: i64, staff: UserId) -> Result<Result<i64, String>> {
    let now = env.now_ms();
    let mut c = env.store.conn().await?;
    let (holder, expires) =
        repo::lock(&mut c, submission, staff, now, rules::lock_expires(now)).await?;
    if holder == staff.0 {
        return Ok(Ok(expires));
    }
    Ok(Err(shown_name(&mut c, holder).await?))
}

async fn shown_name(db: &mut impl lyceum_store::Db, user: i64) -> Result<String> {
    Ok(users::get_user(db, UserId(user))
        .await?
        .map(|u| u.shown_name().to_owned())
        .unwrap_or_default())
}

/// Let go of the grading lock (if the grader holds it).
pub async fn unlock(env: &Env, submission: i64, staff: UserId) -> Result<()> {
    let mut c = env.store.conn().await?;
    repo::unlock(&mut c, submission, staff).await?;
    Ok(())
}

/// What a staff assessment did.
#[derive(Debug)]
pub enum StaffOutcome {
    Graded(Status),
    /// Another grader holds the lock: nothing graded, the assessment kept as this grader's
    /// draft. Carries the holder's name.
    Locked(String),
}

async fn submission_of(
    db: &mut impl lyceum_store::Db,
    a: &Assignment<'_>,
    id: i64,
) -> Result<SubmissionRow> {
    repo::submission(db, id)
        .await?
        .filter(|s| s.block_id == a.block.0)
        .ok_or_else(Error::not_found)
}

/// A staff assessment (or, with `as_peer`, a review staff add to the peer step). Takes
/// the grading lock (the first save starts grading); when another grader holds it,
/// nothing is graded and the assessment is kept as this grader's draft.
pub async fn staff_assess(
    env: &Env,
    a: &Assignment<'_>,
    staff: UserId,
    submission: i64,
    input: &AssessmentInput,
    as_peer: bool,
) -> Result<Told<StaffOutcome>> {
    // The rubric is checked first: invalid input is an error, not a draft.
    a.content().rubric.check(input).map_err(Error::invalid)?;
    if as_peer && !a.content().has_step(Step::Peer) {
        return Err(Error::not_found());
    }
    let mut tx = env.store.begin().await?;
    let now = env.now();
    let s = submission_of(&mut tx, a, submission).await?;
    if s.state == repo::SUPERSEDED {
        return Err(Error::conflict("lyceum-error-or-superseded"));
    }
    let now_ms = now.as_millisecond();
    let (holder, _) = repo::lock(&mut tx, s.id, staff, now_ms, rules::lock_expires(now_ms)).await?;
    if holder != staff.0 {
        repo::save_grader_draft(&mut tx, s.id, staff, &grader_draft_json(input), now_ms).await?;
        let name = shown_name(&mut tx, holder).await?;
        tx.commit().await?;
        return Ok(Told::new(StaffOutcome::Locked(name), Vec::new()));
    }
    let step = if as_peer { Step::Peer } else { Step::Staff };
    store_assessment(&mut tx, a, s.id, (staff, step, as_peer), input, now_ms).await?;
    if s.state == RETURNED && !as_peer {
        repo::set_state(&mut tx, s.id, ACTIVE, "", now_ms).await?;
    }
    repo::unlock(&mut tx, s.id, staff).await?;
    repo::delete_grader_draft(&mut tx, s.id, staff).await?;
    let audit = Audit {
        action: if as_peer {
            "or-peer-review-added"
        } else {
            "or-staff-assessment"
        },
        detail: "",
    };
    let notify = (!as_peer).then_some("feedback");
    let status = after_staff_action(&mut tx, a, staff, &s, notify, audit, now).await?;
    tx.commit().await?;
    Ok(Told::new(
        StaffOutcome::Graded(status),
        vec![UserId(s.user_id)],
    ))
}

/// Return a submission for revision, with a note to the learner. Refused while another
/// grader holds the lock (`Err(name)`: nothing changed).
pub async fn return_for_revision(
    env: &Env,
    a: &Assignment<'_>,
    staff: UserId,
    submission: i64,
    note: &str,
) -> Result<Told<Result<Status, String>>> {
    if note.chars().count() > limits::FEEDBACK.max_chars {
        return Err(Error::invalid(DomainError::new(
            "lyceum-error-or-feedback-too-long",
        )));
    }
    let note = limits::strip(note, true);
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-or-staff-error-note-required",
        )));
    }
    let mut tx = env.store.begin().await?;
    let now = env.now();
    let now_ms = now.as_millisecond();
    let s = submission_of(&mut tx, a, submission).await?;
    // Another grader at work on it: nothing changes.
    let (holder, _) = repo::lock(&mut tx, s.id, staff, now_ms, rules::lock_expires(now_ms)).await?;
    if holder != staff.0 {
        let name = shown_name(&mut tx, holder).await?;
        return Ok(Told::new(Err(name), Vec::new()));
    }
    if repo::set_state(&mut tx, s.id, RETURNED, note, now_ms).await? == 0 {
        return Err(Error::conflict("lyceum-error-or-superseded"));
    }
    repo::unlock(&mut tx, s.id, staff).await?;
    let audit = Audit {
        action: "or-returned",
        detail: note,
    };
    let status = after_staff_action(&mut tx, a, staff, &s, Some("returned"), audit, now).await?;
    tx.commit().await?;
    Ok(Told::new(Ok(status), vec![UserId(s.user_id)]))
}

/// The assessment with this id, of this assignment.
pub async fn assessment(env: &Env, a: &Assignment<'_>, id: i64) -> Result<Assessment> {
    let mut c = env.store.conn().await?;
    repo::assessment(&mut c, id)
        .await?
        .filter(|r| r.block_id == a.block.0)
        .and_then(Assessment::decode)
        .ok_or_else(Error::not_found)
}

/// Cancel an assessment that should not count (a careless peer review), with a reason.
pub async fn cancel_assessment(
    env: &Env,
    a: &Assignment<'_>,
    staff: UserId,
    assessment: i64,
    reason: &str,
) -> Result<Told<Status>> {
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-or-staff-error-reason-required",
        )));
    }
    let mut tx = env.store.begin().await?;
    let now = env.now();
    let row = repo::assessment(&mut tx, assessment)
        .await?
        .filter(|r| r.block_id == a.block.0)
        .ok_or_else(Error::not_found)?;
    if repo::cancel_assessment(&mut tx, row.id, staff, reason, now.as_millisecond()).await? == 0 {
        return Err(Error::conflict("lyceum-error-or-already-cancelled"));
    }
    let s = submission_of(&mut tx, a, row.submission_id).await?;
    let audit = Audit {
        action: "or-assessment-cancelled",
        detail: reason,
    };
    let status = after_staff_action(&mut tx, a, staff, &s, None, audit, now).await?;
    tx.commit().await?;
    Ok(Told::new(status, vec![UserId(s.user_id)]))
}

/// Excuse a learner from the peer step (or take the excuse back).
pub async fn excuse_peer(
    env: &Env,
    a: &Assignment<'_>,
    staff: UserId,
    submission: i64,
    excused: bool,
) -> Result<Told<Status>> {
    if !a.content().has_step(Step::Peer) {
        return Err(Error::not_found());
    }
    let mut tx = env.store.begin().await?;
    let now = env.now();
    let s = submission_of(&mut tx, a, submission).await?;
    repo::set_peer_excused(&mut tx, s.id, excused, now.as_millisecond()).await?;
    let audit = Audit {
        action: if excused {
            "or-peer-excused"
        } else {
            "or-peer-unexcused"
        },
        detail: "",
    };
    let status = after_staff_action(&mut tx, a, staff, &s, None, audit, now).await?;
    tx.commit().await?;
    Ok(Told::new(status, vec![UserId(s.user_id)]))
}

/// The block id of an assessment (to find its assignment). Not found when there is none.
pub async fn block_of_assessment(env: &Env, id: i64) -> Result<(BlockId, i64)> {
    let mut c = env.store.conn().await?;
    let row = repo::assessment(&mut c, id)
        .await?
        .ok_or_else(Error::not_found)?;
    Ok((BlockId(row.block_id), row.submission_id))
}
