//! Open responses, the one path the pages and the JSON API share: drafts, submitting,
//! peer and self review, staff grading with locks, returning for revision, peer-step
//! steering, and settling a submission's score into the score table grades read.
//!
//! Every rule about where a submission stands lives in `lyceum_core::open_response`;
//! this module gathers the facts, stores what happened and tells people.

use crate::courses::{self, CachedCourse, CourseCx};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use lyceum_core::blocks::LeafContent;
use lyceum_core::blocks::open_response::{
    AssessmentInput, OpenResponseContent, Points, Requirement, Step, is_image,
};
use lyceum_core::clock::from_millis;
use lyceum_core::course::CourseTree;
use lyceum_core::limits;
use lyceum_core::open_response::{self as workflow, Facts, Stage, Status};
use lyceum_core::{BlockId, CourseId, DomainError, UserId};
use lyceum_store::Db;
use lyceum_store::repo::courses::course_key_of_block;
use lyceum_store::repo::notifications::{self, NewNotice};
use lyceum_store::repo::open_responses::{
    self as repo, ACTIVE, AssessmentRow, AttachmentRow, NewAssessment, RETURNED, SubmissionRow,
};
use lyceum_store::repo::users;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How long a grader holds a submission after opening it.
pub const LOCK_MINUTES: i64 = 30;

/// An open-response block of a course, as a request sees it.
pub struct Assignment {
    pub course: CourseCx,
    pub idx: usize,
    pub block: BlockId,
}

impl Assignment {
    pub fn content(&self) -> &OpenResponseContent {
        match &self.course.tree().node(self.idx).content {
            Some(Ok(LeafContent::OpenResponse(c))) => c,
            // `at` only builds assignments of this kind.
            _ => unreachable!("assignment of another kind"),
        }
    }

    pub fn title(&self) -> String {
        title_at(&self.course, self.idx)
    }

    /// The unit page the block is on, anchored at the block.
    pub fn url(&self) -> String {
        url_at(&self.course, self.idx)
    }

    pub fn due(&self) -> Option<jiff::Timestamp> {
        self.course.tree().due_of(self.idx)
    }

    /// Responses are accepted now: after the start, before the due date.
    fn open_at(&self, now: jiff::Timestamp) -> Result<(), DomainError> {
        let c = self.content();
        if c.submission_start.is_some_and(|s| now < s) {
            return Err(DomainError::new("lyceum-error-or-not-open"));
        }
        if self.due().is_some_and(|d| now > d) {
            return Err(DomainError::new("lyceum-error-or-past-due"));
        }
        Ok(())
    }
}

/// An assignment's title: its own, else its unit's.
pub fn title_at(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let node = tree.node(idx);
    if node.title.is_empty() {
        tree.unit_of(idx)
            .map(|u| tree.node(u).title.clone())
            .unwrap_or_default()
    } else {
        node.title.clone()
    }
}

/// The unit page a block is on, anchored at the block.
fn url_at(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let unit = tree
        .unit_of(idx)
        .map(|u| tree.node(u).url_name.clone())
        .unwrap_or_default();
    format!(
        "{}#block-{}",
        course.url(&format!("unit/{unit}")),
        tree.node(idx).id.0
    )
}

/// The assignment in `course` with this block id, if the viewer can see its unit.
pub fn at(course: CourseCx, block: BlockId) -> AppResult<Assignment> {
    let tree = course.tree();
    let idx = tree
        .index_of(block)
        .filter(|&i| {
            tree.unit_of(i)
                .is_some_and(|u| tree.is_visible(u, &course.vis))
        })
        .filter(|&i| matches!(tree.node(i).content, Some(Ok(LeafContent::OpenResponse(_)))))
        .ok_or(AppError::NotFound)?;
    Ok(Assignment { course, idx, block })
}

/// The assignment with this block id, for a caller enrolled in its course (or on its team).
pub async fn for_learner(cx: &Cx, block: BlockId) -> AppResult<Assignment> {
    let course = course_of_block(cx, block).await?;
    if !course.facts.enrolled && !course.on_team(cx) {
        return Err(AppError::NotFound);
    }
    at(course, block)
}

pub async fn course_of_block(cx: &Cx, block: BlockId) -> AppResult<CourseCx> {
    let mut c = cx.app.store().conn().await?;
    let key = course_key_of_block(&mut c, block)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    courses::load(cx, &key).await
}

/// A rubric option's label for the reader: the author's, or for a preset option (the
/// WikiLearn scale) the platform's message in the reader's language.
pub fn option_label(
    p: &crate::page::Page,
    o: &lyceum_core::blocks::open_response::RubricOption,
) -> String {
    if !o.label.trim().is_empty() {
        return o.label.clone();
    }
    // Spelled out, so the message catalogue check sees every key in use.
    let key = match o.name.as_str() {
        "wikilearn-poor" => "lyceum-or-scale-wikilearn-poor",
        "wikilearn-needs-improvement" => "lyceum-or-scale-wikilearn-needs-improvement",
        "wikilearn-good" => "lyceum-or-scale-wikilearn-good",
        "wikilearn-excellent" => "lyceum-or-scale-wikilearn-excellent",
        _ => return o.name.clone(),
    };
    p.text(key)
}

/// People who may just have got a notice: their cached sessions (which carry the header's
/// unread count) are dropped. Call after the commit.
fn told(app: &crate::state::App, users: impl IntoIterator<Item = i64>) {
    for u in users {
        app.sessions().forget_user(UserId(u));
    }
}

fn conflict(key: &'static str) -> AppError {
    AppError::Invalid {
        status: axum::http::StatusCode::CONFLICT,
        error: DomainError::new(key),
    }
}

// --- Facts and status -----------------------------------------------------------------

/// An assessment as stored, decoded.
#[derive(Clone, Debug)]
pub struct Assessment {
    pub row: AssessmentRow,
    pub step: Step,
    pub options: BTreeMap<String, String>,
    pub points: Points,
    pub criterion_feedback: BTreeMap<String, String>,
}

impl Assessment {
    fn decode(row: AssessmentRow) -> Option<Assessment> {
        Some(Assessment {
            step: Step::parse(&row.step)?,
            options: serde_json::from_str(&row.options).ok()?,
            points: serde_json::from_str(&row.points).ok()?,
            criterion_feedback: serde_json::from_str(&row.criterion_feedback).ok()?,
            row,
        })
    }

    pub fn counts(&self) -> bool {
        self.row.cancelled_at.is_none()
    }
}

/// The facts of one submission, from its assessments and its learner's reviews given.
pub fn facts(
    s: &SubmissionRow,
    assessments: &[Assessment],
    reviews_given: i64,
    now: jiff::Timestamp,
) -> Facts {
    let counting = || {
        assessments
            .iter()
            .filter(|a| a.row.submission_id == s.id && a.counts())
    };
    let latest = |step: Step| {
        counting()
            .rfind(|a| a.step == step)
            .map(|a| a.points.clone())
    };
    Facts {
        submitted_at: from_millis(s.submitted_at),
        now,
        reviews_given: u32::try_from(reviews_given).unwrap_or(u32::MAX),
        peer: counting()
            .filter(|a| a.step == Step::Peer)
            .map(|a| a.points.clone())
            .collect(),
        self_review: latest(Step::SelfReview),
        staff: latest(Step::Staff),
        peer_excused: s.peer_excused,
        returned: s.state == RETURNED,
    }
}

/// One submission with its files, assessments and status.
#[derive(Clone, Debug)]
pub struct Version {
    pub row: SubmissionRow,
    pub files: Vec<AttachmentRow>,
    pub assessments: Vec<Assessment>,
    pub status: Status,
}

async fn load_assessments(db: &mut impl Db, ids: &[i64]) -> AppResult<Vec<Assessment>> {
    Ok(repo::assessments_of(db, ids)
        .await?
        .into_iter()
        .filter_map(Assessment::decode)
        .collect())
}

/// Write a submission's final score to the score table when it differs from what is
/// stored, and notify its learner: with `kind` when given, and with "feedback" the first
/// time a version gets a score — whichever path gets there first (the action that made it
/// final, or the hourly settling for scores time made final), the learner is told once. `stored` is the score
/// table's row: (earned, possible, version). Returns whether a notice was written.
#[allow(clippy::too_many_arguments)]
async fn record(
    db: &mut impl Db,
    course: &CourseCx,
    idx: usize,
    s: &SubmissionRow,
    score: Option<&workflow::Score>,
    stored: Option<(f64, f64, i64)>,
    kind: Option<&'static str>,
    now: jiff::Timestamp,
) -> AppResult<bool> {
    let mut kind = kind;
    if let Some(score) = score
        && s.state != repo::SUPERSEDED
        && stored != Some((score.earned, score.possible, s.version))
    {
        repo::record_score(
            db,
            UserId(s.user_id),
            BlockId(s.block_id),
            course.id(),
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
    notifications::notify(
        db,
        &NewNotice {
            user: UserId(s.user_id),
            course: Some(course.id()),
            kind,
            link: &url_at(course, idx),
            subject: &title_at(course, idx),
            now: now.as_millisecond(),
        },
    )
    .await?;
    Ok(true)
}

/// Settle a submission: compute its status and record its score (see [`record`]), with a
/// notice of `kind` if given. Returns the status and whether its learner got a notice.
async fn settle(
    db: &mut impl Db,
    a: &Assignment,
    s: &SubmissionRow,
    assessments: &[Assessment],
    reviews_given: i64,
    now: jiff::Timestamp,
    kind: Option<&'static str>,
) -> AppResult<(Status, bool)> {
    let status = workflow::status(a.content(), &facts(s, assessments, reviews_given, now));
    let stored = lyceum_store::repo::problems::state(db, UserId(s.user_id), a.block)
        .await?
        .and_then(|st| Some((st.raw_earned?, st.raw_possible?, st.attempts)));
    let told = record(
        db,
        &a.course,
        a.idx,
        s,
        status.score.as_ref(),
        stored,
        kind,
        now,
    )
    .await?;
    Ok((status, told))
}

// --- The learner ----------------------------------------------------------------------

/// Everything a learner's view of an assignment shows.
pub struct LearnerState {
    pub draft: Option<(String, i64)>,
    pub draft_files: Vec<AttachmentRow>,
    /// Every version, oldest first.
    pub versions: Vec<Version>,
    /// The learner may write (no submission, returned, or resubmission after a result).
    pub can_write: bool,
    /// Why not, when responses are closed (not open yet, past due).
    pub closed: Option<DomainError>,
    /// Whether a peer response is waiting for this learner to review.
    pub reviews_given: i64,
}

impl LearnerState {
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }
}

/// The learner's state on an assignment. Reads only.
pub async fn learner_state(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
) -> AppResult<LearnerState> {
    let now = app.now();
    let mut c = app.store().conn().await?;
    let draft = repo::draft(&mut c, user, a.block).await?;
    let draft_files = repo::draft_attachments(&mut c, user, a.block).await?;
    let rows = repo::submissions_of(&mut c, user, a.block).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let assessments = load_assessments(&mut c, &ids).await?;
    let files = repo::submitted_attachments(&mut c, user, a.block).await?;
    let given = repo::reviews_given(&mut c, user, a.block).await?;
    let mut versions = Vec::new();
    for r in rows {
        // Only read: a score that time made final is recorded by the hourly job
        // (`settle_all`), one that an action made final by that action.
        let status = workflow::status(a.content(), &facts(&r, &assessments, given, now));
        versions.push(Version {
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
            status,
            row: r,
        });
    }
    let can_write = match versions.last() {
        None => true,
        Some(v) => {
            v.status.stage == Stage::Returned
                || (a.content().allow_resubmission && v.status.stage == Stage::Done)
        }
    };
    Ok(LearnerState {
        draft,
        draft_files,
        versions,
        can_write,
        closed: a.open_at(now).err(),
        reviews_given: given,
    })
}

/// Longest response text, in characters.
pub const MAX_RESPONSE_CHARS: usize = limits::RESPONSE.max_chars;

fn check_text(text: &str) -> Result<(), DomainError> {
    if text.chars().count() > MAX_RESPONSE_CHARS {
        return Err(
            DomainError::new("lyceum-error-or-too-long").with_arg(MAX_RESPONSE_CHARS.to_string())
        );
    }
    Ok(())
}

/// Save the learner's draft. Refused (409) when the response is locked.
pub async fn save_draft(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
    text: &str,
) -> AppResult<i64> {
    // Control characters (a NUL PostgreSQL would refuse, terminal escapes) go; lines stay.
    let text = &limits::strip(text, true);
    check_text(text).map_err(AppError::invalid)?;
    let state = learner_state(app, a, user).await?;
    if !state.can_write {
        return Err(conflict("lyceum-error-or-locked-response"));
    }
    let now = app.now_ms();
    let mut c = app.store().conn().await?;
    repo::save_draft(&mut c, user, a.block, a.course.id(), text, now).await?;
    Ok(now)
}

/// Submit the response (the text given, the draft's files). One transaction: a submit
/// racing the due date or a second submit is either stored whole or refused whole.
pub async fn submit(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
    text: &str,
) -> AppResult<SubmissionRow> {
    let text = limits::strip(text, true);
    let text = text.trim();
    check_text(text).map_err(AppError::invalid)?;
    let c = a.content();
    let state = learner_state(app, a, user).await?;
    if !state.can_write {
        return Err(conflict("lyceum-error-or-locked-response"));
    }
    if c.text == Requirement::Required && text.is_empty() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-text-required",
        )));
    }
    if c.text == Requirement::None && !text.is_empty() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-no-text",
        )));
    }
    let files_required = c
        .files
        .as_ref()
        .is_some_and(|f| f.requirement == Requirement::Required);
    if files_required && state.draft_files.is_empty() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-files-required",
        )));
    }
    if text.is_empty() && state.draft_files.is_empty() {
        return Err(AppError::invalid(DomainError::new("lyceum-error-or-empty")));
    }
    let version = state.versions.last().map_or(1, |v| v.row.version + 1);
    // The clock is read once, inside the transaction that stores the response.
    let mut tx = app.store().begin().await?;
    let now = app.now();
    a.open_at(now).map_err(|e| AppError::Invalid {
        status: axum::http::StatusCode::CONFLICT,
        error: e,
    })?;
    let id = repo::submit(
        &mut tx,
        user,
        a.block,
        a.course.id(),
        version,
        text,
        now.as_millisecond(),
    )
    .await?;
    let row = repo::submission(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Submitting is what completes an open response (its completion rule), and what
    // meets its due date: recorded with the response, or not at all.
    lyceum_store::repo::learner::record_completions(
        &mut tx,
        user,
        a.course.id(),
        &[a.block],
        lyceum_store::repo::learner::CompletionSource::Submit,
        now.as_millisecond(),
    )
    .await?;
    // Learners waiting for something to review are told a response has arrived.
    let mut notified = Vec::new();
    if a.content().has_step(Step::Peer) {
        let subject = a.title();
        let link = a.url();
        let must_grade = a.content().peer.must_grade;
        for reviewer in repo::idle_reviewers(&mut tx, a.block, user, must_grade).await? {
            notified.push(reviewer);
            notifications::notify(
                &mut tx,
                &NewNotice {
                    user: UserId(reviewer),
                    course: Some(a.course.id()),
                    kind: "reviews-needed",
                    link: &link,
                    subject: &subject,
                    now: now.as_millisecond(),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    told(app, notified);
    Ok(row)
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
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
    up: &Upload<'_>,
) -> AppResult<i64> {
    let Upload {
        file_name,
        alt,
        content_type,
        size,
        sha256,
    } = *up;
    // The one place attachments are recorded: names and alt text are made safe here,
    // whichever way they came (docs/LIMITS.md).
    let file_name = &limits::file_name(file_name);
    let alt = &limits::clean(alt, limits::ALT_TEXT).map_err(AppError::invalid)?;
    let rules = check_file(a, file_name, size)?;
    if is_image(file_name) && alt.is_empty() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-alt-required",
        )));
    }
    let state = learner_state(app, a, user).await?;
    if !state.can_write {
        return Err(conflict("lyceum-error-or-locked-response"));
    }
    if state.draft_files.len() >= rules.max_files as usize {
        return Err(AppError::invalid(
            DomainError::new("lyceum-error-or-too-many-files")
                .with_arg(rules.max_files.to_string()),
        ));
    }
    let mut c = app.store().conn().await?;
    Ok(repo::add_attachment(
        &mut c,
        &repo::NewAttachment {
            user,
            block: a.block,
            course: a.course.id(),
            file_name,
            alt,
            content_type,
            size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256,
            now: app.now_ms(),
        },
    )
    .await?)
}

/// The author's file rules, and whether this file passes them (checked before a byte is
/// stored, from the name and the declared size, and again on the bytes received).
pub fn check_file(
    a: &Assignment,
    file_name: &str,
    size: u64,
) -> AppResult<lyceum_core::blocks::open_response::FileRules> {
    let rules = a
        .content()
        .files
        .clone()
        .filter(|f| f.requirement.asked())
        .ok_or_else(|| AppError::invalid(DomainError::new("lyceum-error-or-no-files")))?;
    if rules.allows(file_name).is_none() {
        return Err(AppError::invalid(
            DomainError::new("lyceum-error-or-file-type").with_arg(rules.allowed.join(", ")),
        ));
    }
    if size > rules.max_bytes() {
        return Err(AppError::invalid(
            DomainError::new("lyceum-error-or-file-too-large").with_arg(rules.max_mb.to_string()),
        ));
    }
    Ok(rules)
}

pub async fn remove_attachment(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
    id: i64,
) -> AppResult<()> {
    let mut c = app.store().conn().await?;
    let file = repo::attachment(&mut c, id)
        .await?
        .filter(|f| f.block_id == a.block.0);
    let Some(file) = file else {
        return Err(AppError::NotFound);
    };
    if repo::remove_draft_attachment(&mut c, user, id).await? == 0 {
        return Err(AppError::NotFound);
    }
    drop(c);
    // The file goes too, unless another row refers to the same content.
    if let Err(e) = lyceum_store::media_gc::release(app.store(), app.media(), [file.sha256]).await {
        tracing::warn!(file = id, error = %e, "cannot remove a deleted attachment's file; the media sweep will");
    }
    Ok(())
}

// --- Assessing --------------------------------------------------------------------------

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

/// Check an assessment against the rubric and store it.
async fn store_assessment(
    db: &mut impl Db,
    a: &Assignment,
    submission: i64,
    (assessor, step, by_staff): (UserId, Step, bool),
    input: &AssessmentInput,
    now: i64,
) -> AppResult<i64> {
    let points = a.content().rubric.check(input).map_err(AppError::invalid)?;
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

/// Re-settle a submission after something happened to it, telling its learner when new
/// feedback or a final score arrived. Runs in the caller's transaction.
async fn after_change(
    db: &mut impl Db,
    a: &Assignment,
    submission: i64,
    notify: Option<&'static str>,
    now: jiff::Timestamp,
) -> AppResult<Status> {
    let s = repo::submission(db, submission)
        .await?
        .ok_or(AppError::NotFound)?;
    let assessments = load_assessments(db, &[s.id]).await?;
    let given = repo::reviews_given(db, UserId(s.user_id), a.block).await?;
    let (status, _) = settle(db, a, &s, &assessments, given, now, notify).await?;
    Ok(status)
}

/// The learner's self review of their current response.
pub async fn self_review(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
    input: &AssessmentInput,
) -> AppResult<Status> {
    if !a.content().has_step(Step::SelfReview) {
        return Err(AppError::NotFound);
    }
    let state = learner_state(app, a, user).await?;
    let current = state
        .current()
        .ok_or_else(|| conflict("lyceum-error-or-nothing-submitted"))?;
    if current.status.stage != Stage::SelfReview {
        return Err(conflict("lyceum-error-or-not-your-turn"));
    }
    let mut tx = app.store().begin().await?;
    let now = app.now();
    store_assessment(
        &mut tx,
        a,
        current.row.id,
        (user, Step::SelfReview, false),
        input,
        now.as_millisecond(),
    )
    .await?;
    let status = after_change(&mut tx, a, current.row.id, None, now).await?;
    tx.commit().await?;
    told(app, [user.0]);
    Ok(status)
}

/// A response for a learner to review: theirs to keep until reviewed.
pub struct PeerTask {
    pub submission: SubmissionRow,
    pub files: Vec<AttachmentRow>,
    /// Reviews the learner has given and must give.
    pub given: i64,
    pub required: u32,
}

/// The peer response the learner was given and has not reviewed yet, if any. Reads only:
/// a GET shows it, and [`next_peer`] (a POST) gives one.
pub async fn current_peer(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
) -> AppResult<Option<PeerTask>> {
    if !a.content().has_step(Step::Peer) {
        return Err(AppError::NotFound);
    }
    let mut c = app.store().conn().await?;
    if repo::submissions_of(&mut c, user, a.block)
        .await?
        .is_empty()
    {
        return Err(conflict("lyceum-error-or-submit-first"));
    }
    let given = repo::reviews_given(&mut c, user, a.block).await?;
    match repo::open_assignment(&mut c, user, a.block).await? {
        Some(id) => peer_task(&mut c, a, id, given).await.map(Some),
        None => Ok(None),
    }
}

/// Give the learner a peer response to review: the one they were given and have not
/// reviewed yet, else the next waiting one. Only learners who have submitted review (and
/// only current, active responses).
pub async fn next_peer(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
) -> AppResult<Option<PeerTask>> {
    if !a.content().has_step(Step::Peer) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store().begin().await?;
    let own: Vec<SubmissionRow> = repo::submissions_of(&mut tx, user, a.block).await?;
    if own.is_empty() {
        return Err(conflict("lyceum-error-or-submit-first"));
    }
    let given = repo::reviews_given(&mut tx, user, a.block).await?;
    let id = match repo::open_assignment(&mut tx, user, a.block).await? {
        Some(id) => Some(id),
        None => {
            let next = repo::next_for_review(&mut tx, user, a.block).await?;
            if let Some(id) = next {
                repo::assign(&mut tx, id, user, a.block, app.now_ms()).await?;
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

async fn peer_task(db: &mut impl Db, a: &Assignment, id: i64, given: i64) -> AppResult<PeerTask> {
    let submission = repo::submission(db, id).await?.ok_or(AppError::NotFound)?;
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

/// A learner's review of a peer's response they were given.
pub async fn peer_review(
    app: &crate::state::App,
    a: &Assignment,
    user: UserId,
    submission: i64,
    input: &AssessmentInput,
) -> AppResult<Status> {
    if !a.content().has_step(Step::Peer) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store().begin().await?;
    let s = repo::submission(&mut tx, submission)
        .await?
        .filter(|s| s.block_id == a.block.0 && s.user_id != user.0)
        .ok_or(AppError::NotFound)?;
    if !repo::is_assigned(&mut tx, s.id, user).await? {
        return Err(AppError::NotFound);
    }
    let now = app.now();
    if repo::complete_assignment(&mut tx, s.id, user, now.as_millisecond()).await? == 0 {
        return Err(conflict("lyceum-error-or-already-reviewed"));
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
    after_change(&mut tx, a, s.id, None, now).await?;
    // The reviewer's own response may have been waiting for this review count.
    let own = repo::submissions_of(&mut tx, user, a.block).await?;
    let status = match own.last() {
        Some(o) => after_change(&mut tx, a, o.id, None, now).await?,
        None => return Err(AppError::NotFound),
    };
    tx.commit().await?;
    told(app, [s.user_id, user.0]);
    Ok(status)
}

// --- Staff --------------------------------------------------------------------------------

/// Who may see a submission, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Learner,
    /// An assigned peer: never the learner's name, never others' reviews.
    Peer,
    Staff,
}

/// One submission with everything its viewer may see.
pub struct SubmissionView {
    pub assignment: Assignment,
    pub viewer: Viewer,
    pub version: Version,
    /// Every version of the learner (staff and the learner only).
    pub versions: Vec<SubmissionRow>,
    pub learner: Option<users::UserRow>,
    /// Assessors' names (staff only).
    pub names: HashMap<i64, String>,
    /// Who holds the grading lock now, if someone else does (staff only).
    pub locked_by: Option<String>,
    /// The staff viewer's unsaved assessment, kept from a lock conflict.
    pub grader_draft: Option<AssessmentInput>,
}

/// A submission for its learner, an assigned peer or staff; 404 for anyone else.
pub async fn view(cx: &Cx, id: i64) -> AppResult<SubmissionView> {
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    let s = repo::submission(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let assigned = s.user_id != user.0 && repo::is_assigned(&mut c, id, user).await?;
    drop(c);
    let course = course_of_block(cx, BlockId(s.block_id))
        .await
        .map_err(courses::hidden_as_not_found)?;
    let viewer = if course.on_team(cx) {
        Viewer::Staff
    } else if s.user_id == user.0 {
        Viewer::Learner
    } else if assigned {
        Viewer::Peer
    } else {
        return Err(AppError::NotFound);
    };
    let assignment = if viewer == Viewer::Staff {
        // Staff see submissions of blocks not yet released too.
        let tree = course.tree();
        let idx = tree
            .index_of(BlockId(s.block_id))
            .ok_or(AppError::NotFound)?;
        if !matches!(
            tree.node(idx).content,
            Some(Ok(LeafContent::OpenResponse(_)))
        ) {
            return Err(AppError::NotFound);
        }
        Assignment {
            course,
            idx,
            block: BlockId(s.block_id),
        }
    } else {
        at(course, BlockId(s.block_id))?
    };
    let now = cx.app.now();
    let mut c = cx.app.store().conn().await?;
    let assessments = load_assessments(&mut c, &[s.id]).await?;
    let given = repo::reviews_given(&mut c, UserId(s.user_id), assignment.block).await?;
    let status = workflow::status(assignment.content(), &facts(&s, &assessments, given, now));
    let files: Vec<AttachmentRow> =
        repo::submitted_attachments(&mut c, UserId(s.user_id), assignment.block)
            .await?
            .into_iter()
            .filter(|f| f.submission_id == Some(s.id))
            .collect();
    let (versions, learner, names, locked_by, grader_draft) = if viewer == Viewer::Peer {
        (Vec::new(), None, HashMap::new(), None, None)
    } else {
        let versions = repo::submissions_of(&mut c, UserId(s.user_id), assignment.block).await?;
        if viewer == Viewer::Staff {
            let mut ids: Vec<UserId> = assessments
                .iter()
                .filter_map(|a| a.row.assessor_id)
                .map(UserId)
                .collect();
            ids.push(UserId(s.user_id));
            let holder = repo::lock_holder(&mut c, s.id, now.as_millisecond()).await?;
            if let Some(h) = holder {
                ids.push(UserId(h));
            }
            let people = users::get_users(&mut c, &ids).await?;
            let names: HashMap<i64, String> = people.iter().map(|u| (u.id, display(u))).collect();
            let learner = people.into_iter().find(|u| u.id == s.user_id);
            let locked_by = holder
                .filter(|h| *h != user.0)
                .map(|h| names.get(&h).cloned().unwrap_or_default());
            let draft = repo::grader_draft(&mut c, s.id, user)
                .await?
                .and_then(|b| serde_json::from_str(&b).ok());
            (versions, learner, names, locked_by, draft)
        } else {
            (versions, None, HashMap::new(), None, None)
        }
    };
    let visible = match viewer {
        Viewer::Staff => assessments,
        Viewer::Learner => released(&status, assessments),
        Viewer::Peer => Vec::new(),
    };
    Ok(SubmissionView {
        viewer,
        version: Version {
            row: s,
            files,
            assessments: visible,
            status,
        },
        versions,
        learner,
        names,
        locked_by,
        grader_draft,
        assignment,
    })
}

fn display(u: &users::UserRow) -> String {
    if u.display_name.trim().is_empty() {
        u.username.clone()
    } else {
        u.display_name.clone()
    }
}

/// The assessments a learner sees: those that count, of steps that are finished (staff
/// feedback as soon as it is written, a return's note with it).
pub fn released(status: &Status, assessments: Vec<Assessment>) -> Vec<Assessment> {
    use lyceum_core::open_response::StepState;
    let finished = |step: Step| {
        matches!(status.stage, Stage::Done | Stage::Returned)
            || status
                .steps
                .iter()
                .any(|s| s.step == step && s.state == StepState::Done)
    };
    assessments
        .into_iter()
        .filter(|a| a.counts() && (a.step == Step::Staff || finished(a.step)))
        .collect()
}

/// Take or renew the grading lock; `Err(name)` when someone else holds it.
pub async fn lock(
    app: &crate::state::App,
    submission: i64,
    staff: UserId,
) -> AppResult<Result<i64, String>> {
    let now = app.now_ms();
    let until = now + LOCK_MINUTES * 60_000;
    let mut c = app.store().conn().await?;
    let (holder, expires) = repo::lock(&mut c, submission, staff, now, until).await?;
    if holder == staff.0 {
        return Ok(Ok(expires));
    }
    let name = users::get_user(&mut c, UserId(holder))
        .await?
        .map(|u| display(&u))
        .unwrap_or_default();
    Ok(Err(name))
}

pub async fn unlock(app: &crate::state::App, submission: i64, staff: UserId) -> AppResult<()> {
    let mut c = app.store().conn().await?;
    repo::unlock(&mut c, submission, staff).await?;
    Ok(())
}

/// What a staff assessment did.
pub enum StaffOutcome {
    Graded(Status),
    /// Another grader holds the lock: nothing graded, the assessment kept as this grader's
    /// draft. Carries the holder's name.
    Locked(String),
}

/// A staff assessment (or, with `as_peer`, a review staff add to the peer step).
pub async fn staff_assess(
    app: &crate::state::App,
    a: &Assignment,
    staff: UserId,
    submission: i64,
    input: &AssessmentInput,
    as_peer: bool,
) -> AppResult<StaffOutcome> {
    // The rubric is checked first: invalid input is an error, not a draft.
    a.content().rubric.check(input).map_err(AppError::invalid)?;
    if as_peer && !a.content().has_step(Step::Peer) {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store().begin().await?;
    let now = app.now();
    let s = repo::submission(&mut tx, submission)
        .await?
        .filter(|s| s.block_id == a.block.0)
        .ok_or(AppError::NotFound)?;
    if s.state == repo::SUPERSEDED {
        return Err(conflict("lyceum-error-or-superseded"));
    }
    let (holder, _) = repo::lock(
        &mut tx,
        s.id,
        staff,
        now.as_millisecond(),
        now.as_millisecond() + LOCK_MINUTES * 60_000,
    )
    .await?;
    if holder != staff.0 {
        repo::save_grader_draft(&mut tx, s.id, staff, &to_json(input), now.as_millisecond())
            .await?;
        let name = users::get_user(&mut tx, UserId(holder))
            .await?
            .map(|u| display(&u))
            .unwrap_or_default();
        tx.commit().await?;
        return Ok(StaffOutcome::Locked(name));
    }
    let step = if as_peer { Step::Peer } else { Step::Staff };
    store_assessment(
        &mut tx,
        a,
        s.id,
        (staff, step, as_peer),
        input,
        now.as_millisecond(),
    )
    .await?;
    if s.state == RETURNED && !as_peer {
        repo::set_state(&mut tx, s.id, ACTIVE, "", now.as_millisecond()).await?;
    }
    let status = after_change(&mut tx, a, s.id, (!as_peer).then_some("feedback"), now).await?;
    repo::unlock(&mut tx, s.id, staff).await?;
    repo::delete_grader_draft(&mut tx, s.id, staff).await?;
    log(
        &mut tx,
        a,
        staff,
        &s,
        if as_peer {
            "or-peer-review-added"
        } else {
            "or-staff-assessment"
        },
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    told(app, [s.user_id]);
    Ok(StaffOutcome::Graded(status))
}

async fn log(
    db: &mut impl Db,
    a: &Assignment,
    staff: UserId,
    s: &SubmissionRow,
    action: &str,
    detail: &str,
    now: jiff::Timestamp,
) -> AppResult<()> {
    lyceum_store::repo::problems::log_action(
        db,
        &lyceum_store::repo::problems::GradeAction {
            course: a.course.id(),
            user: Some(UserId(s.user_id)),
            block: Some(a.block),
            staff,
            action,
            detail,
            now: now.as_millisecond(),
        },
    )
    .await?;
    Ok(())
}

/// Return a submission for revision, with a note to the learner.
pub async fn return_for_revision(
    app: &crate::state::App,
    a: &Assignment,
    staff: UserId,
    submission: i64,
    note: &str,
) -> AppResult<Status> {
    if note.chars().count() > limits::FEEDBACK.max_chars {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-feedback-too-long",
        )));
    }
    let note = &limits::strip(note, true);
    let mut tx = app.store().begin().await?;
    let now = app.now();
    let s = repo::submission(&mut tx, submission)
        .await?
        .filter(|s| s.block_id == a.block.0)
        .ok_or(AppError::NotFound)?;
    if repo::set_state(&mut tx, s.id, RETURNED, note.trim(), now.as_millisecond()).await? == 0 {
        return Err(conflict("lyceum-error-or-superseded"));
    }
    let status = after_change(&mut tx, a, s.id, Some("returned"), now).await?;
    repo::unlock(&mut tx, s.id, staff).await?;
    log(&mut tx, a, staff, &s, "or-returned", note.trim(), now).await?;
    tx.commit().await?;
    told(app, [s.user_id]);
    Ok(status)
}

/// Cancel an assessment that should not count (a careless peer review), with a reason.
pub async fn cancel_assessment(
    app: &crate::state::App,
    a: &Assignment,
    staff: UserId,
    assessment: i64,
    reason: &str,
) -> AppResult<Status> {
    // The one place both the page and the API pass: the reason's limit is checked here.
    let reason = &limits::clean(reason, limits::REASON).map_err(AppError::invalid)?;
    if reason.is_empty() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-or-staff-error-reason-required",
        )));
    }
    let mut tx = app.store().begin().await?;
    let now = app.now();
    let row = repo::assessment(&mut tx, assessment)
        .await?
        .filter(|r| r.block_id == a.block.0)
        .ok_or(AppError::NotFound)?;
    if repo::cancel_assessment(&mut tx, row.id, staff, reason.trim(), now.as_millisecond()).await?
        == 0
    {
        return Err(conflict("lyceum-error-or-already-cancelled"));
    }
    let s = repo::submission(&mut tx, row.submission_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = after_change(&mut tx, a, s.id, None, now).await?;
    log(
        &mut tx,
        a,
        staff,
        &s,
        "or-assessment-cancelled",
        reason.trim(),
        now,
    )
    .await?;
    tx.commit().await?;
    told(app, [s.user_id]);
    Ok(status)
}

/// Excuse a learner from the peer step (or take the excuse back).
pub async fn excuse_peer(
    app: &crate::state::App,
    a: &Assignment,
    staff: UserId,
    submission: i64,
    excused: bool,
) -> AppResult<Status> {
    let mut tx = app.store().begin().await?;
    let now = app.now();
    let s = repo::submission(&mut tx, submission)
        .await?
        .filter(|s| s.block_id == a.block.0)
        .ok_or(AppError::NotFound)?;
    repo::set_peer_excused(&mut tx, s.id, excused, now.as_millisecond()).await?;
    let status = after_change(&mut tx, a, s.id, None, now).await?;
    log(
        &mut tx,
        a,
        staff,
        &s,
        if excused {
            "or-peer-excused"
        } else {
            "or-peer-unexcused"
        },
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    told(app, [s.user_id]);
    Ok(status)
}

// --- The queue ------------------------------------------------------------------------

/// Filters of the staff queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueFilter {
    /// Waiting for the teaching team (the default).
    #[default]
    Waiting,
    /// Waiting for peer reviews for more than two days.
    PeerStuck,
    /// A revised version (version 2 or later) not yet assessed.
    Resubmitted,
    Returned,
    Done,
    All,
}

pub struct QueueRow {
    pub submission: SubmissionRow,
    pub block_idx: usize,
    pub learner: String,
    pub status: Status,
    pub locked_by: Option<String>,
    /// Peer reviews received that count (not cancelled).
    pub peer_received: usize,
}

impl QueueFilter {
    pub fn matches(self, r: &QueueRow) -> bool {
        let st = &r.status;
        match self {
            QueueFilter::Waiting => st.needs_staff,
            QueueFilter::PeerStuck => st.peer_stuck,
            QueueFilter::Resubmitted => {
                r.submission.version > 1 && st.score.is_none() && st.stage != Stage::Returned
            }
            QueueFilter::Returned => st.stage == Stage::Returned,
            QueueFilter::Done => st.stage == Stage::Done,
            QueueFilter::All => true,
        }
    }
}

/// Every current submission of a course (or of one assignment) with its status: a fixed
/// number of statements whatever the course size. Reads only.
pub async fn queue(
    app: &crate::state::App,
    course: &CourseCx,
    block: Option<BlockId>,
) -> AppResult<Vec<QueueRow>> {
    statuses(app, course, block, false).await
}

/// [`queue`], recording on the way the scores that became final with time (the peer
/// fallback) and telling their learners: the hourly job's work, never a page's.
async fn statuses(
    app: &crate::state::App,
    course: &CourseCx,
    block: Option<BlockId>,
    settle: bool,
) -> AppResult<Vec<QueueRow>> {
    let now = app.now();
    let mut c = app.store().conn().await?;
    let rows = repo::current_in_course(&mut c, course.id(), block).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let assessments = load_assessments(&mut c, &ids).await?;
    let given: HashMap<(i64, i64), i64> = repo::reviews_given_in_course(&mut c, course.id())
        .await?
        .into_iter()
        .map(|(u, b, n)| ((u, b), n))
        .collect();
    let locks: HashMap<i64, i64> = repo::locks_in_course(&mut c, course.id(), now.as_millisecond())
        .await?
        .into_iter()
        .collect();
    let mut people: Vec<UserId> = rows.iter().map(|r| UserId(r.user_id)).collect();
    people.extend(locks.values().map(|s| UserId(*s)));
    people.sort_unstable_by_key(|u| u.0);
    people.dedup();
    let names: HashMap<i64, String> = users::get_users(&mut c, &people)
        .await?
        .iter()
        .map(|u| (u.id, display(u)))
        .collect();
    let stored: HashMap<(UserId, BlockId), (f64, f64, i64)> = if settle {
        lyceum_store::repo::problems::scores_of_learners(&mut c, course.id(), &people)
            .await?
            .into_iter()
            .map(|(u, (b, e, p, n))| ((u, b), (e, p, n)))
            .collect()
    } else {
        HashMap::new()
    };
    let tree = course.tree();
    let mut out = Vec::new();
    let mut by_block: HashMap<i64, Vec<Assessment>> = HashMap::new();
    for a in assessments {
        by_block.entry(a.row.submission_id).or_default().push(a);
    }
    for r in rows {
        let Some(idx) = tree.index_of(BlockId(r.block_id)) else {
            continue;
        };
        let Some(Ok(LeafContent::OpenResponse(content))) = &tree.node(idx).content else {
            continue;
        };
        let mine = by_block.remove(&r.id).unwrap_or_default();
        let peer_received = mine
            .iter()
            .filter(|a| a.step == Step::Peer && a.counts())
            .count();
        let n = given.get(&(r.user_id, r.block_id)).copied().unwrap_or(0);
        let status = workflow::status(content, &facts(&r, &mine, n, now));
        if settle {
            let key = (UserId(r.user_id), BlockId(r.block_id));
            let notified = record(
                &mut c,
                course,
                idx,
                &r,
                status.score.as_ref(),
                stored.get(&key).copied(),
                None,
                now,
            )
            .await?;
            if notified {
                told(app, [r.user_id]);
            }
        }
        out.push(QueueRow {
            block_idx: idx,
            learner: names.get(&r.user_id).cloned().unwrap_or_default(),
            locked_by: locks.get(&r.id).and_then(|s| names.get(s).cloned()),
            peer_received,
            status,
            submission: r,
        });
    }
    Ok(out)
}

/// Waiting work for the course page: (waiting for staff, stuck waiting for peers).
pub async fn waiting_counts(
    app: &crate::state::App,
    course: &CourseCx,
) -> AppResult<(usize, usize)> {
    // Most courses have no open response: their team's pages pay nothing for this.
    if !has_open_responses(course.tree()) {
        return Ok((0, 0));
    }
    let rows = queue(app, course, None).await?;
    Ok((
        rows.iter()
            .filter(|r| QueueFilter::Waiting.matches(r))
            .count(),
        rows.iter()
            .filter(|r| QueueFilter::PeerStuck.matches(r))
            .count(),
    ))
}

/// Whether a course has an open-response assignment (only those have a grading queue).
pub fn has_open_responses(tree: &CourseTree) -> bool {
    tree.units().iter().any(|&u| {
        tree.children(u)
            .iter()
            .any(|&l| matches!(tree.node(l).content, Some(Ok(LeafContent::OpenResponse(_)))))
    })
}

/// Responses waiting for the teaching team in each of several courses (the dashboard's
/// "Courses you teach"), by the same rule as the queue's "Waiting for staff": three
/// statements however many courses, none when no course has an open response. Reads only.
pub async fn waiting_in_courses(
    app: &crate::state::App,
    courses: &[(CourseId, Arc<CachedCourse>)],
) -> AppResult<HashMap<CourseId, usize>> {
    let trees: HashMap<CourseId, &CourseTree> = courses
        .iter()
        .filter(|(_, c)| has_open_responses(&c.tree))
        .map(|(id, c)| (*id, &c.tree))
        .collect();
    let mut out = HashMap::new();
    if trees.is_empty() {
        return Ok(out);
    }
    let with: Vec<CourseId> = trees.keys().copied().collect();
    let now = app.now();
    let mut c = app.store().conn().await?;
    let rows = repo::current_in_courses(&mut c, &with).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_submission: HashMap<i64, Vec<Assessment>> = HashMap::new();
    for a in load_assessments(&mut c, &ids).await? {
        by_submission
            .entry(a.row.submission_id)
            .or_default()
            .push(a);
    }
    let given: HashMap<(i64, i64), i64> = repo::reviews_given_in_courses(&mut c, &with)
        .await?
        .into_iter()
        .map(|(u, b, n)| ((u, b), n))
        .collect();
    for r in rows {
        let course = CourseId(r.course_id);
        let Some(tree) = trees.get(&course) else {
            continue;
        };
        let Some(idx) = tree.index_of(BlockId(r.block_id)) else {
            continue;
        };
        let Some(Ok(LeafContent::OpenResponse(content))) = &tree.node(idx).content else {
            continue;
        };
        let mine = by_submission.remove(&r.id).unwrap_or_default();
        let n = given.get(&(r.user_id, r.block_id)).copied().unwrap_or(0);
        if workflow::status(content, &facts(&r, &mine, n, now)).needs_staff {
            *out.entry(course).or_insert(0) += 1;
        }
    }
    Ok(out)
}

// --- Seeding (the demo) -----------------------------------------------------------------

/// Submit a response as `learner` outside a request (the demo's seeding).
pub async fn submit_as(
    app: &crate::state::App,
    course_key: &str,
    block: BlockId,
    learner: UserId,
    text: &str,
) -> AppResult<SubmissionRow> {
    let actor = lyceum_core::permissions::Actor::user(learner, false);
    let course = courses::load_as(app, course_key, Some(learner), actor).await?;
    let a = at(course, block)?;
    submit(app, &a, learner, text).await
}

/// Assess a submission as `staff` outside a request (the demo's seeding).
pub async fn assess_as(
    app: &crate::state::App,
    course_key: &str,
    block: BlockId,
    staff: UserId,
    submission: i64,
    input: &AssessmentInput,
) -> AppResult<StaffOutcome> {
    let actor = lyceum_core::permissions::Actor::user(staff, false);
    let course = courses::load_as(app, course_key, Some(staff), actor).await?;
    let a = at(course, block)?;
    staff_assess(app, &a, staff, submission, input, false).await
}

/// Settle every course's open responses (scores the peer fallback made final with time).
pub async fn settle_all(app: &crate::state::App) -> AppResult<usize> {
    let mut c = app.store().conn().await?;
    let keys = repo::courses_with_open_work(&mut c).await?;
    drop(c);
    let mut n = 0;
    for key in keys {
        // As staff would see it: unreleased blocks count too.
        let course =
            courses::load_as(app, &key, None, lyceum_core::permissions::Actor::ANONYMOUS).await?;
        n += statuses(app, &course, None, true).await?.len();
    }
    Ok(n)
}
