//! What a learner does on an open response: read their state, save a draft, attach and
//! remove files, submit, assess their own response, and review peers' responses.

use super::notify::{self, Told};
use super::{Assignment, Version, load_assessments};
use crate::{Env, Error, Result};
use lyceum_core::blocks::open_response::{AssessmentInput, Step};
use lyceum_core::open_response::{Stage, Status, rules};
use lyceum_core::{DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::learner::{self as progress, CompletionSource};
use lyceum_store::repo::open_responses::{
    self as repo, AttachmentRow, NewAssessment, SubmissionRow,
};
use std::collections::BTreeMap;

/// Everything a learner's view of an assignment shows.
#[derive(Debug)]
pub struct LearnerState {
    pub draft: Option<(String, i64)>,
    pub draft_files: Vec<AttachmentRow>,
    /// Every version, oldest first.
    pub versions: Vec<Version>,
    /// The learner may write (no submission, returned, or resubmission after a result).
    pub can_write: bool,
    /// Why not, when responses are closed (not open yet, past due).
    pub closed: Option<DomainError>,
    /// Peer reviews this learner has given on this assignment.
    pub reviews_given: i64,
}

impl LearnerState {
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }
}

/// The learner's state on an assignment. Reads only: a score that time made final is
/// recorded by the hourly job (`settle_course`), one an action made final by that action.
pub async fn learner_state(env: &Env, a: &Assignment<'_>, user: UserId) -> Result<LearnerState> {
    let now = env.now();
    let mut c = env.store.conn().await?;
    let draft = repo::draft(&mut c, user, a.block).await?;
    let draft_files = repo::draft_attachments(&mut c, user, a.block).await?;
    let rows = repo::submissions_of(&mut c, user, a.block).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let assessments = load_assessments(&mut c, &ids).await?;
    let files = repo::submitted_attachments(&mut c, user, a.block).await?;
    let given = repo::reviews_given(&mut c, user, a.block).await?;
    let versions: Vec<Version> = rows
        .into_iter()
        .map(|r| Version {
            status: super::status_of(a, &r, &assessments, given, now),
            files: files
                .iter()
                .filter(|f| f.submission_id == Some(r.id))
                .cloned()
                .collect(),
            assessments: assessments
                .iter()
                .filter(|x| x.row.submission_id == r.id)
                .cloned()
                .collect(),
            row: r,
        })
        .collect();
    let can_write = rules::may_write(
        versions.last().map(|v| v.status.stage),
        a.content().allow_resubmission,
    );
    Ok(LearnerState {
        draft,
        draft_files,
        versions,
        can_write,
        closed: a.open_at(now).err(),
        reviews_given: given,
    })
}

fn locked() -> Error {
    Error::conflict("lyceum-error-or-locked-response")
}

/// Save the learner's draft; answers when it was saved. Refused (conflict) when the
/// response is submitted and not open for revision.
pub async fn save_draft(env: &Env, a: &Assignment<'_>, user: UserId, text: &str) -> Result<i64> {
    // Control characters (a NUL PostgreSQL would refuse, terminal escapes) go; lines stay.
    let text = &limits::strip(text, true);
    rules::check_text(text).map_err(Error::invalid)?;
    if !learner_state(env, a, user).await?.can_write {
        return Err(locked());
    }
    let now = env.now_ms();
    let mut c = env.store.conn().await?;
    repo::save_draft(&mut c, user, a.block, a.course.id, text, now).await?;
    Ok(now)
}

/// Save `text` as the draft when it differs from the stored one (before an upload or a
/// removal from a form that carries the text too), so nothing typed is lost.
pub async fn keep_draft(env: &Env, a: &Assignment<'_>, user: UserId, text: &str) -> Result<()> {
    let mut c = env.store.conn().await?;
    let draft = repo::draft(&mut c, user, a.block).await?;
    drop(c);
    if draft.as_ref().map_or(text.is_empty(), |d| d.0 == text) {
        return Ok(());
    }
    save_draft(env, a, user, text).await.map(|_| ())
}

/// Submit the response (the text given, the draft's files). One transaction: a submit
/// racing the due date or a second submit is either stored whole or refused whole. It
/// completes the block, and tells learners waiting for something to review.
pub async fn submit(
    env: &Env,
    a: &Assignment<'_>,
    user: UserId,
    text: &str,
) -> Result<Told<SubmissionRow>> {
    let text = limits::strip(text, true);
    let text = text.trim();
    rules::check_text(text).map_err(Error::invalid)?;
    let state = learner_state(env, a, user).await?;
    if !state.can_write {
        return Err(locked());
    }
    rules::check_submission(a.content(), text, state.draft_files.len()).map_err(Error::invalid)?;
    let version = state.versions.last().map_or(1, |v| v.row.version + 1);
    // The clock is read once, inside the transaction that stores the response.
    let mut tx = env.store.begin().await?;
    let now = env.now();
    a.open_at(now)
        .map_err(|e| Error::new(crate::ErrorKind::Conflict, e))?;
    let id = repo::submit(
        &mut tx,
        user,
        a.block,
        a.course.id,
        version,
        text,
        now.as_millisecond(),
    )
    .await?;
    let row = repo::submission(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("a submission just stored is missing"))?;
    // Submitting is what completes an open response (its completion rule), and what
    // meets its due date: recorded with the response, or not at all.
    progress::record_completions(
        &mut tx,
        user,
        a.course.id,
        &[a.block],
        CompletionSource::Submit,
        now.as_millisecond(),
    )
    .await?;
    let mut told = Vec::new();
    if a.content().has_step(Step::Peer) {
        let must_grade = a.content().peer.must_grade;
        for reviewer in repo::idle_reviewers(&mut tx, a.block, user, must_grade).await? {
            notify::notice(&mut tx, a, UserId(reviewer), "reviews-needed", now).await?;
            told.push(UserId(reviewer));
        }
    }
    tx.commit().await?;
    Ok(Told::new(row, told))
}

/// A file received for a draft, staged for the media store.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub alt: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub sha256: &'a str,
}

/// Attach a file (staged for the media store) to the learner's draft, after checking it
/// against the author's rules. Nothing is recorded when a rule is broken.
pub async fn add_attachment(
    env: &Env,
    a: &Assignment<'_>,
    user: UserId,
    up: &Upload<'_>,
    staged: Option<&mut lyceum_store::Staging>,
) -> Result<AttachmentRow> {
    // The one place attachments are recorded: names and alt text are made safe here,
    // whichever way they came (docs/LIMITS.md).
    let file_name = &limits::file_name(up.file_name);
    let alt = &limits::clean(up.alt, limits::ALT_TEXT).map_err(Error::invalid)?;
    // The type and size first: they do not depend on the learner's state.
    rules::check_file(a.content(), file_name, up.size).map_err(Error::invalid)?;
    if lyceum_core::blocks::open_response::is_image(file_name) && alt.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-error-or-alt-required",
        )));
    }
    let state = learner_state(env, a, user).await?;
    if !state.can_write {
        return Err(locked());
    }
    rules::check_attachment(
        a.content(),
        file_name,
        up.size,
        alt,
        state.draft_files.len(),
    )
    .map_err(Error::invalid)?;
    // The row and the claim on its file's content commit together (see
    // `lyceum_store::Staging::committing`).
    let mut tx = env.store.begin().await?;
    let id = repo::add_attachment(
        &mut tx,
        &repo::NewAttachment {
            user,
            block: a.block,
            course: a.course.id,
            file_name,
            alt,
            content_type: up.content_type,
            size: i64::try_from(up.size).unwrap_or(i64::MAX),
            sha256: up.sha256,
            now: env.now_ms(),
        },
    )
    .await?;
    if let Some(s) = staged {
        s.committing(&mut tx).await?;
    }
    tx.commit().await?;
    let mut c = env.store.conn().await?;
    repo::attachment(&mut c, id)
        .await?
        .ok_or_else(|| Error::internal("an attachment just stored is missing"))
}

/// Remove a file from the learner's draft (not from a submitted version). The stored
/// file goes too, unless another row refers to the same content.
pub async fn remove_attachment(env: &Env, a: &Assignment<'_>, user: UserId, id: i64) -> Result<()> {
    let mut c = env.store.conn().await?;
    let file = repo::attachment(&mut c, id)
        .await?
        .filter(|f| f.block_id == a.block.0)
        .ok_or_else(Error::not_found)?;
    if repo::remove_draft_attachment(&mut c, user, id).await? == 0 {
        return Err(Error::not_found());
    }
    drop(c);
    if let Err(e) = lyceum_store::media_gc::release(&env.store, &env.media, [file.sha256]).await {
        tracing::warn!(file = id, error = %e, "cannot remove a deleted attachment's file; the media sweep will");
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

/// Check an assessment against the rubric and store it.
pub(crate) async fn store_assessment(
    db: &mut impl Db,
    a: &Assignment<'_>,
    submission: i64,
    (assessor, step, by_staff): (UserId, Step, bool),
    input: &AssessmentInput,
    now: i64,
) -> Result<i64> {
    let points = a.content().rubric.check(input).map_err(Error::invalid)?;
    // Feedback is prose: its control characters go, its lines stay.
    let feedback: BTreeMap<&String, String> = input
        .criterion_feedback
        .iter()
        .map(|(k, v)| (k, limits::strip(v, true).trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let overall = limits::strip(&input.overall_feedback, true);
    Ok(repo::add_assessment(
        db,
        &NewAssessment {
            submission,
            block: a.block,
            assessor,
            step: step.as_str(),
            by_staff,
            options: &to_json(&input.criteria),
            points: &to_json(&points),
            earned: points.values().map(|&p| f64::from(p)).sum(),
            criterion_feedback: &to_json(&feedback),
            overall_feedback: overall.trim(),
            now,
        },
    )
    .await?)
}

pub(crate) fn grader_draft_json(input: &AssessmentInput) -> String {
    to_json(input)
}

/// The learner's self review of their current response.
pub async fn self_review(
    env: &Env,
    a: &Assignment<'_>,
    user: UserId,
    input: &AssessmentInput,
) -> Result<Told<Status>> {
    if !a.content().has_step(Step::SelfReview) {
        return Err(Error::not_found());
    }
    let state = learner_state(env, a, user).await?;
    let current = state
        .current()
        .ok_or_else(|| Error::conflict("lyceum-error-or-nothing-submitted"))?;
    if current.status.stage != Stage::SelfReview {
        return Err(Error::conflict("lyceum-error-or-not-your-turn"));
    }
    let mut tx = env.store.begin().await?;
    let now = env.now();
    store_assessment(
        &mut tx,
        a,
        current.row.id,
        (user, Step::SelfReview, false),
        input,
        now.as_millisecond(),
    )
    .await?;
    let (status, _) = notify::settle(&mut tx, a, current.row.id, None, now).await?;
    tx.commit().await?;
    Ok(Told::new(status, vec![user]))
}

/// A response for a learner to review: theirs to keep until reviewed. Never names its
/// author.
#[derive(Debug)]
pub struct PeerTask {
    pub submission: SubmissionRow,
    pub files: Vec<AttachmentRow>,
    /// Reviews the learner has given and must give.
    pub given: i64,
    pub required: u32,
}

fn peer_step(a: &Assignment<'_>) -> Result<()> {
    if a.content().has_step(Step::Peer) {
        Ok(())
    } else {
        Err(Error::not_found())
    }
}

/// The peer response the learner was given and has not reviewed yet, if any. Reads only:
/// a GET shows it, and [`next_peer`] (a POST) gives one.
pub async fn current_peer(env: &Env, a: &Assignment<'_>, user: UserId) -> Result<Option<PeerTask>> {
    peer_step(a)?;
    let mut c = env.store.conn().await?;
    if repo::submissions_of(&mut c, user, a.block)
        .await?
        .is_empty()
    {
        return Err(Error::conflict("lyceum-error-or-submit-first"));
    }
    let given = repo::reviews_given(&mut c, user, a.block).await?;
    match repo::open_assignment(&mut c, user, a.block).await? {
        Some(id) => peer_task(&mut c, a, id, given).await.map(Some),
        None => Ok(None),
    }
}

/// Give the learner a peer response to review: the one they were given and have not
/// reviewed yet, else the next waiting one (the store's choice: the least reviewed
/// current, active response of someone else). Only learners who have submitted review.
pub async fn next_peer(env: &Env, a: &Assignment<'_>, user: UserId) -> Result<Option<PeerTask>> {
    peer_step(a)?;
    let mut tx = env.store.begin().await?;
    if repo::submissions_of(&mut tx, user, a.block)
        .await?
        .is_empty()
    {
        return Err(Error::conflict("lyceum-error-or-submit-first"));
    }
    let given = repo::reviews_given(&mut tx, user, a.block).await?;
    let id = match repo::open_assignment(&mut tx, user, a.block).await? {
        Some(id) => Some(id),
        None => {
            let next = repo::next_for_review(&mut tx, user, a.block).await?;
            if let Some(id) = next {
                repo::assign(&mut tx, id, user, a.block, env.now_ms()).await?;
            }
            next
        }
    };
    let task = match id {
        Some(id) => Some(peer_task(&mut tx, a, id, given).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(task)
}

async fn peer_task(db: &mut impl Db, a: &Assignment<'_>, id: i64, given: i64) -> Result<PeerTask> {
    let submission = repo::submission(db, id)
        .await?
        .ok_or_else(Error::not_found)?;
    let files = repo::submitted_attachments(db, UserId(submission.user_id), a.block)
        .await?
        .into_iter()
        .filter(|f| f.submission_id == Some(id))
        .collect();
    Ok(PeerTask {
        submission,
        files,
        given,
        required: a.content().peer.must_grade,
    })
}

/// A learner's review of a peer's response they were given. Answers the reviewer's own
/// status (their response may have been waiting for this review to count).
pub async fn peer_review(
    env: &Env,
    a: &Assignment<'_>,
    user: UserId,
    submission: i64,
    input: &AssessmentInput,
) -> Result<Told<Status>> {
    peer_step(a)?;
    let mut tx = env.store.begin().await?;
    let s = repo::submission(&mut tx, submission)
        .await?
        .filter(|s| s.block_id == a.block.0 && s.user_id != user.0)
        .ok_or_else(Error::not_found)?;
    if !repo::is_assigned(&mut tx, s.id, user).await? {
        return Err(Error::not_found());
    }
    let now = env.now();
    if repo::complete_assignment(&mut tx, s.id, user, now.as_millisecond()).await? == 0 {
        return Err(Error::conflict("lyceum-error-or-already-reviewed"));
    }
    store_assessment(
        &mut tx,
        a,
        s.id,
        (user, Step::Peer, false),
        input,
        now.as_millisecond(),
    )
    .await?;
    notify::settle(&mut tx, a, s.id, None, now).await?;
    let own = repo::submissions_of(&mut tx, user, a.block).await?;
    let Some(own) = own.last() else {
        return Err(Error::not_found());
    };
    let (status, _) = notify::settle(&mut tx, a, own.id, None, now).await?;
    tx.commit().await?;
    Ok(Told::new(status, vec![UserId(s.user_id), user]))
}

/// The files of one submitted version. Reads only.
pub async fn files_of(
    env: &Env,
    a: &Assignment<'_>,
    s: &SubmissionRow,
) -> Result<Vec<AttachmentRow>> {
    let mut c = env.store.conn().await?;
    Ok(
        repo::submitted_attachments(&mut c, UserId(s.user_id), a.block)
            .await?
            .into_iter()
            .filter(|f| f.submission_id == Some(s.id))
            .collect(),
    )
}

/// How many peer reviews the learner has given on this assignment. Reads only.
pub async fn reviews_given(env: &Env, a: &Assignment<'_>, user: UserId) -> Result<i64> {
    let mut c = env.store.conn().await?;
    Ok(repo::reviews_given(&mut c, user, a.block).await?)
}
