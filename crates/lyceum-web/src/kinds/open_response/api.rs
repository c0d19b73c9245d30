//! Open responses over JSON: the learner's draft, submission, files, peer and self review
//! and results; the course team's queue, grading (with the lock), returning for revision,
//! peer-step steering; and the caller's notifications. Every operation is a use case of
//! `lyceum_app::open_responses`, the same the HTML pages call: this module only turns
//! requests into its calls and its answers into JSON.

use super::assignment::{
    self as ors, Assessment, Assignment, LearnerState, QueueFilter, StaffOutcome, SubmissionView,
    Viewer,
};
use super::files;
use crate::api::{json, time};
use crate::courses::{self, decide};
use crate::error::{AppError, AppResult};
use crate::page::{Cx, Page};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lyceum_app::open_responses as uc;
use lyceum_core::blocks::open_response::{AssessmentInput, OpenResponseContent, Step};
use lyceum_core::open_response::Status;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{BlockId, DomainError, UserId};
use lyceum_store::repo::open_responses::{self as repo, AttachmentRow, SubmissionRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

pub use super::files::UPLOAD_BODY_LIMIT;

// --- JSON shapes ----------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct OptionJson {
    /// The value an assessment picks.
    pub name: String,
    /// In the caller's language for preset scales.
    pub label: String,
    pub points: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct CriterionJson {
    pub name: String,
    pub label: String,
    pub prompt: String,
    /// `required`, `optional` or `none`.
    pub feedback: String,
    /// Empty for a feedback-only criterion.
    pub options: Vec<OptionJson>,
}

#[derive(Serialize, ToSchema)]
pub struct RubricJson {
    pub criteria: Vec<CriterionJson>,
    /// `required`, `optional` or `none`.
    pub overall_feedback: String,
    pub feedback_prompt: String,
    pub feedback_default_text: String,
    pub max_points: u32,
}

#[derive(Serialize, ToSchema)]
pub struct FileRulesJson {
    /// `required`, `optional` or `none`.
    pub requirement: String,
    /// Extensions without the dot.
    pub allowed: Vec<String>,
    pub max_mb: u32,
    pub max_files: u32,
}

#[derive(Serialize, ToSchema)]
pub struct PeerRulesJson {
    pub must_grade: u32,
    pub graded_by: u32,
    /// Days a response waits for peer reviews before the fallback applies.
    pub fallback_days: Option<u32>,
    /// `drop_requirement` or `to_staff`.
    pub fallback: Option<String>,
}

/// An open-response assignment as its learners see it.
#[derive(Serialize, ToSchema)]
pub struct AssignmentJson {
    pub block_id: i64,
    pub course_id: String,
    pub title: String,
    /// The prompt's parts, HTML.
    pub prompts: Vec<String>,
    /// Whether text is asked for: `required`, `optional` or `none`.
    pub text: String,
    pub files: Option<FileRulesJson>,
    /// The assessment steps in order: `peer`, `self`, `staff`.
    pub steps: Vec<String>,
    pub peer: Option<PeerRulesJson>,
    pub expected_minutes: Option<u32>,
    pub submission_start: Option<String>,
    pub due: Option<String>,
    pub allow_resubmission: bool,
    /// Points the assignment is worth in the grade.
    pub weight: f64,
    pub show_rubric_while_writing: bool,
    pub rubric: RubricJson,
}

#[derive(Serialize, ToSchema)]
pub struct FileJson {
    pub id: i64,
    pub file_name: String,
    pub alt: String,
    pub content_type: String,
    pub size: i64,
    /// Where to download it (`GET`).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct DraftJson {
    pub text: String,
    pub saved_at: Option<String>,
    pub files: Vec<FileJson>,
}

#[derive(Serialize, ToSchema)]
pub struct StepJson {
    /// `peer`, `self` or `staff`.
    pub step: String,
    /// `done`, `todo` (the learner's turn), `waiting` (others' turn), `skipped`, or
    /// `not_started` before anything is submitted.
    pub state: String,
}

#[derive(Serialize, ToSchema)]
pub struct CriterionResultJson {
    pub criterion: String,
    pub label: String,
    /// The option chosen (absent for feedback-only criteria).
    pub option: Option<String>,
    pub option_label: Option<String>,
    pub points: Option<u32>,
    pub feedback: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentJson {
    pub id: i64,
    /// `peer`, `self` or `staff`.
    pub step: String,
    /// For learners: `peer`, `self` or `staff` (peers are anonymous). For the course team:
    /// the assessor's name.
    pub assessor: String,
    /// The course team only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessor_id: Option<i64>,
    /// Written by the course team (a staff assessment, or a review staff added to the
    /// peer step).
    pub by_staff: bool,
    pub earned: f64,
    pub criteria: Vec<CriterionResultJson>,
    pub overall_feedback: String,
    pub created_at: Option<String>,
    /// The course team only: cancelled assessments do not count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreJson {
    /// Raw points, on the rubric's scale.
    pub earned: f64,
    pub possible: f64,
    /// Points per criterion.
    pub criteria: BTreeMap<String, f64>,
    /// The step the score came from: `peer`, `self` or `staff`.
    pub source: String,
    /// The version it is the score of.
    pub version: i64,
}

/// Where a submission stands.
#[derive(Serialize, ToSchema)]
pub struct StatusJson {
    /// `peer_review`, `self_review`, `waiting_for_peers`, `waiting_for_staff`, `done`,
    /// `returned`.
    pub stage: String,
    pub steps: Vec<StepJson>,
    pub reviews_to_give: u32,
    pub reviews_to_receive: u32,
    pub peer_requirement_dropped: bool,
    pub needs_staff: bool,
    pub peer_stuck: bool,
    pub score: Option<ScoreJson>,
}

/// One version of a response.
#[derive(Serialize, ToSchema)]
pub struct SubmissionJson {
    pub id: i64,
    pub version: i64,
    pub text: String,
    pub submitted_at: Option<String>,
    /// `active`, `returned` or `superseded`.
    pub state: String,
    pub files: Vec<FileJson>,
    /// Released assessments (for the course team: all of them, cancelled ones too).
    pub assessments: Vec<AssessmentJson>,
    /// Staff's note when the version was returned for revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_note: Option<String>,
    /// Where this version stands (absent for peers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    pub code: String,
    pub message: String,
}

/// The caller's state on an assignment.
#[derive(Serialize, ToSchema)]
pub struct LearnerStatusJson {
    pub assignment: AssignmentJson,
    pub draft: DraftJson,
    /// The caller may write and submit now.
    pub can_write: bool,
    /// Why responses are not accepted now (not open yet, past due).
    pub closed: Option<MessageJson>,
    /// `not_submitted`, or the current version's stage.
    pub stage: String,
    pub steps: Vec<StepJson>,
    pub reviews_given: i64,
    pub reviews_to_give: u32,
    pub reviews_to_receive: u32,
    /// Every version, oldest first, with its released assessments.
    pub submissions: Vec<SubmissionJson>,
    /// The score of the latest version that has one, once final.
    pub score: Option<ScoreJson>,
    /// Staff's note when the current version was returned for revision.
    pub return_note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct TextBody {
    #[serde(default)]
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct SavedJson {
    pub saved_at: Option<String>,
}

/// One review with the rubric.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct AssessmentBody {
    /// Criterion name → option name.
    #[serde(default)]
    pub criteria: BTreeMap<String, String>,
    /// Criterion name → feedback.
    #[serde(default)]
    pub criterion_feedback: BTreeMap<String, String>,
    #[serde(default)]
    pub overall_feedback: String,
}

impl AssessmentBody {
    fn input(self) -> AssessmentInput {
        AssessmentInput {
            criteria: self.criteria,
            criterion_feedback: self.criterion_feedback,
            overall_feedback: self.overall_feedback,
        }
    }
    fn of(a: AssessmentInput) -> AssessmentBody {
        AssessmentBody {
            criteria: a.criteria,
            criterion_feedback: a.criterion_feedback,
            overall_feedback: a.overall_feedback,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PeerReviewBody {
    pub submission_id: i64,
    #[serde(default)]
    pub criteria: BTreeMap<String, String>,
    #[serde(default)]
    pub criterion_feedback: BTreeMap<String, String>,
    #[serde(default)]
    pub overall_feedback: String,
}

#[derive(Deserialize, ToSchema)]
pub struct StaffAssessmentBody {
    #[serde(default)]
    pub criteria: BTreeMap<String, String>,
    #[serde(default)]
    pub criterion_feedback: BTreeMap<String, String>,
    #[serde(default)]
    pub overall_feedback: String,
    /// Add a review to the peer step instead of the staff assessment.
    #[serde(default)]
    pub as_peer: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PeerTaskJson {
    /// Review it with `POST …/peer-review`.
    pub submission_id: i64,
    pub text: String,
    pub files: Vec<FileJson>,
    pub rubric: RubricJson,
    pub reviews_given: i64,
    pub reviews_required: u32,
}

#[derive(Serialize, ToSchema)]
pub struct LearnerJson {
    pub id: i64,
    pub username: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionSummaryJson {
    pub id: i64,
    pub version: i64,
    pub state: String,
    pub submitted_at: Option<String>,
}

/// One submission, as its viewer may see it.
#[derive(Serialize, ToSchema)]
pub struct SubmissionViewJson {
    /// `learner`, `peer` or `staff`.
    pub viewer: String,
    pub block_id: i64,
    pub course_id: String,
    pub assignment_title: String,
    pub submission: SubmissionJson,
    /// The learner and the course team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusJson>,
    pub rubric: RubricJson,
    /// Every version of the learner (the learner and the course team).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionSummaryJson>,
    /// The course team only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learner: Option<LearnerJson>,
    /// Who else holds the grading lock now (the course team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_by: Option<String>,
    /// The caller's assessment kept from a lock conflict (the course team only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grader_draft: Option<AssessmentBody>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueRowJson {
    pub submission_id: i64,
    pub block_id: i64,
    pub assignment_title: String,
    pub learner: LearnerJson,
    pub version: i64,
    pub submitted_at: Option<String>,
    pub stage: String,
    pub needs_staff: bool,
    pub peer_stuck: bool,
    pub reviews_received: usize,
    pub reviews_needed: u32,
    pub locked_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueCountsJson {
    pub waiting: usize,
    pub peer_stuck: usize,
    pub resubmitted: usize,
    pub returned: usize,
    pub done: usize,
    pub all: usize,
}

#[derive(Serialize, ToSchema)]
pub struct QueueJson {
    pub filter: String,
    pub rows: Vec<QueueRowJson>,
    /// Rows per filter (of the assignment asked for, if any).
    pub counts: QueueCountsJson,
}

#[derive(Deserialize, IntoParams)]
pub struct QueueParams {
    /// `waiting` (default), `peer_stuck`, `resubmitted`, `returned`, `done`, `all`.
    pub filter: Option<String>,
    /// Only this assignment.
    pub block_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LockJson {
    pub locked_until: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReturnBody {
    /// To the learner: what to revise.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ExcuseBody {
    pub excused: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    #[serde(default)]
    pub reason: String,
}

// --- Conversions ------------------------------------------------------------------------------

fn message(p: &Page, e: &DomainError) -> String {
    let args: Vec<lyceum_i18n::Arg> = e
        .args
        .iter()
        .map(|a| lyceum_i18n::Arg::from(a.clone()))
        .collect();
    p.app.i18n().text(&p.lang, e.key.0, &args)
}

fn rubric_json(p: &Page, c: &OpenResponseContent) -> RubricJson {
    let r = &c.rubric;
    RubricJson {
        criteria: r
            .criteria
            .iter()
            .map(|cr| CriterionJson {
                name: cr.name.clone(),
                label: cr.label.clone(),
                prompt: cr.prompt.clone(),
                feedback: cr.feedback.as_olx().to_owned(),
                options: cr
                    .options
                    .iter()
                    .map(|o| OptionJson {
                        name: o.name.clone(),
                        label: ors::option_label(p, o),
                        points: o.points,
                        explanation: o.explanation.clone(),
                    })
                    .collect(),
            })
            .collect(),
        overall_feedback: r.overall_feedback.as_olx().to_owned(),
        feedback_prompt: r.feedback_prompt.clone(),
        feedback_default_text: r.feedback_default_text.clone(),
        max_points: r.max_points(),
    }
}

fn assignment_json(p: &Page, a: &Assignment) -> AssignmentJson {
    use lyceum_core::blocks::open_response::FallbackAction;
    let c = a.content();
    AssignmentJson {
        block_id: a.block.0,
        course_id: a.course.key().to_owned(),
        title: a.title(),
        prompts: c
            .prompts
            .iter()
            .map(|h| a.course.rewrite_links(h).into_owned())
            .collect(),
        text: c.text.as_olx().to_owned(),
        files: c
            .files
            .as_ref()
            .filter(|f| f.requirement.asked())
            .map(|f| FileRulesJson {
                requirement: f.requirement.as_olx().to_owned(),
                allowed: f.allowed.clone(),
                max_mb: f.max_mb,
                max_files: f.max_files,
            }),
        steps: c.steps.iter().map(|s| s.as_str().to_owned()).collect(),
        peer: c.has_step(Step::Peer).then(|| PeerRulesJson {
            must_grade: c.peer.must_grade,
            graded_by: c.peer.graded_by,
            fallback_days: c.peer.fallback.map(|f| f.after_days),
            fallback: c.peer.fallback.map(|f| {
                match f.action {
                    FallbackAction::DropRequirement => "drop_requirement",
                    FallbackAction::ToStaff => "to_staff",
                }
                .to_owned()
            }),
        }),
        expected_minutes: c.expected_minutes,
        submission_start: time(c.submission_start.map(|t| t.as_millisecond())),
        due: time(a.due().map(|t| t.as_millisecond())),
        allow_resubmission: c.allow_resubmission,
        weight: c.possible().1,
        show_rubric_while_writing: c.show_rubric_while_writing,
        rubric: rubric_json(p, c),
    }
}

fn file_json(f: &AttachmentRow) -> FileJson {
    FileJson {
        id: f.id,
        file_name: f.file_name.clone(),
        alt: f.alt.clone(),
        content_type: f.content_type.clone(),
        size: f.size,
        url: format!("/api/v1/open-responses/attachments/{}", f.id),
    }
}

fn state_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn status_json(s: &Status, version: i64) -> StatusJson {
    StatusJson {
        stage: s.stage.as_str().to_owned(),
        steps: steps_json(s),
        reviews_to_give: s.reviews_to_give,
        reviews_to_receive: s.reviews_to_receive,
        peer_requirement_dropped: s.peer_requirement_dropped,
        needs_staff: s.needs_staff,
        peer_stuck: s.peer_stuck,
        score: score_json(s, version),
    }
}

fn steps_json(s: &Status) -> Vec<StepJson> {
    s.steps
        .iter()
        .map(|st| StepJson {
            step: st.step.as_str().to_owned(),
            state: state_str(&st.state),
        })
        .collect()
}

fn score_json(s: &Status, version: i64) -> Option<ScoreJson> {
    s.score.as_ref().map(|sc| ScoreJson {
        earned: sc.earned,
        possible: sc.possible,
        criteria: sc.criteria.clone(),
        source: sc.source.as_str().to_owned(),
        version,
    })
}

/// How assessors are named: anonymously (learners) or by name (the course team).
enum Names<'a> {
    Anonymous,
    Staff(&'a HashMap<i64, String>),
}

fn assessment_json(
    p: &Page,
    c: &OpenResponseContent,
    a: &Assessment,
    names: &Names<'_>,
) -> AssessmentJson {
    let criteria = c
        .rubric
        .criteria
        .iter()
        .filter(|cr| {
            a.options.contains_key(&cr.name) || a.criterion_feedback.contains_key(&cr.name)
        })
        .map(|cr| {
            let option = a.options.get(&cr.name).cloned();
            CriterionResultJson {
                criterion: cr.name.clone(),
                label: cr.label.clone(),
                option_label: option
                    .as_deref()
                    .and_then(|o| cr.option(o))
                    .map(|o| ors::option_label(p, o)),
                option,
                points: a.points.get(&cr.name).copied(),
                feedback: a.criterion_feedback.get(&cr.name).cloned(),
            }
        })
        .collect();
    let row = &a.row;
    let (assessor, assessor_id, cancelled_at, cancel_reason) = match names {
        Names::Anonymous => (
            if row.by_staff {
                "staff".to_owned()
            } else {
                a.step.as_str().to_owned()
            },
            None,
            None,
            None,
        ),
        Names::Staff(n) => (
            row.assessor_id
                .and_then(|id| n.get(&id).cloned())
                .unwrap_or_default(),
            row.assessor_id,
            time(row.cancelled_at),
            row.cancelled_at.map(|_| row.cancel_reason.clone()),
        ),
    };
    AssessmentJson {
        id: row.id,
        step: a.step.as_str().to_owned(),
        assessor,
        assessor_id,
        by_staff: row.by_staff,
        earned: row.earned,
        criteria,
        overall_feedback: row.overall_feedback.clone(),
        created_at: time(Some(row.created_at)),
        cancelled_at,
        cancel_reason,
    }
}

fn submission_json(
    p: &Page,
    c: &OpenResponseContent,
    row: &SubmissionRow,
    files: &[AttachmentRow],
    assessments: &[Assessment],
    names: &Names<'_>,
    stage: Option<String>,
) -> SubmissionJson {
    SubmissionJson {
        id: row.id,
        version: row.version,
        text: row.text.clone(),
        submitted_at: time(Some(row.submitted_at)),
        state: row.state.clone(),
        files: files.iter().map(file_json).collect(),
        assessments: assessments
            .iter()
            .map(|a| assessment_json(p, c, a, names))
            .collect(),
        return_note: (!row.return_note.is_empty()).then(|| row.return_note.clone()),
        stage,
    }
}

fn learner_json(p: &Page, a: &Assignment, st: &LearnerState) -> LearnerStatusJson {
    let c = a.content();
    let current = st.current();
    let peer = c.has_step(Step::Peer);
    let (stage, steps, to_give, to_receive) = match current {
        Some(v) => (
            v.status.stage.as_str().to_owned(),
            steps_json(&v.status),
            v.status.reviews_to_give,
            v.status.reviews_to_receive,
        ),
        None => (
            "not_submitted".to_owned(),
            c.steps
                .iter()
                .map(|s| StepJson {
                    step: s.as_str().to_owned(),
                    state: "not_started".to_owned(),
                })
                .collect(),
            if peer { c.peer.must_grade } else { 0 },
            if peer { c.peer.graded_by } else { 0 },
        ),
    };
    let score = st
        .versions
        .iter()
        .rev()
        .find_map(|v| score_json(&v.status, v.row.version));
    LearnerStatusJson {
        assignment: assignment_json(p, a),
        draft: DraftJson {
            text: st.draft.as_ref().map(|d| d.0.clone()).unwrap_or_default(),
            saved_at: time(st.draft.as_ref().map(|d| d.1)),
            files: st.draft_files.iter().map(file_json).collect(),
        },
        can_write: st.can_write && st.closed.is_none(),
        closed: st.closed.as_ref().map(|e| MessageJson {
            code: e.key.0.to_owned(),
            message: message(p, e),
        }),
        stage,
        steps,
        reviews_given: st.reviews_given,
        reviews_to_give: to_give,
        reviews_to_receive: to_receive,
        submissions: st
            .versions
            .iter()
            .map(|v| {
                let shown = ors::released(&v.status, v.assessments.clone());
                submission_json(
                    p,
                    c,
                    &v.row,
                    &v.files,
                    &shown,
                    &Names::Anonymous,
                    Some(v.status.stage.as_str().to_owned()),
                )
            })
            .collect(),
        score,
        return_note: current
            .filter(|v| v.row.state == repo::RETURNED && !v.row.return_note.is_empty())
            .map(|v| v.row.return_note.clone()),
    }
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

async fn me_response(
    cx: &Cx,
    a: &Assignment,
    user: UserId,
    status: StatusCode,
) -> AppResult<Response> {
    let st = uc::learner_state(&cx.app.env(), &a.app(), user).await?;
    Ok(json(status, learner_json(&cx.page, a, &st)))
}

// --- The learner ------------------------------------------------------------------------------

/// The caller's state on an assignment: the assignment, their draft, every version with
/// its released assessments, and their score once final.
#[utoipa::path(get, path = "/api/v1/open-responses/{block_id}/me", params(("block_id" = i64, Path)),
    responses((status = 200, body = LearnerStatusJson), (status = 401), (status = 404, description = "No such assignment, or the caller is not enrolled")),
    tag = "open-responses")]
pub async fn me(cx: Cx, Path(block_id): Path<i64>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    me_response(&cx, &a, user, StatusCode::OK).await
}

/// Save the caller's draft.
#[utoipa::path(put, path = "/api/v1/open-responses/{block_id}/draft", params(("block_id" = i64, Path)),
    request_body = TextBody,
    responses((status = 200, body = SavedJson), (status = 401), (status = 404),
        (status = 409, description = "The response is submitted and locked"),
        (status = 422, description = "Too long")),
    tag = "open-responses")]
pub async fn save_draft(
    cx: Cx,
    Path(block_id): Path<i64>,
    b: Result<Json<TextBody>, JsonRejection>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let b = body(b)?;
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let at = uc::save_draft(&cx.app.env(), &a.app(), user, &b.text).await?;
    Ok(json(
        StatusCode::OK,
        SavedJson {
            saved_at: time(Some(at)),
        },
    ))
}

/// Submit the response: this text and the draft's files.
#[utoipa::path(post, path = "/api/v1/open-responses/{block_id}/submit", params(("block_id" = i64, Path)),
    request_body = TextBody,
    responses((status = 201, body = SubmissionJson), (status = 401), (status = 404),
        (status = 409, description = "Already submitted (and not returned), not open yet, or past due: nothing stored"),
        (status = 422, description = "The assignment's rules are not met (text or files required, too long)")),
    tag = "open-responses")]
pub async fn submit(
    cx: Cx,
    Path(block_id): Path<i64>,
    b: Result<Json<TextBody>, JsonRejection>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let b = body(b)?;
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let row = ors::told(
        &cx.app,
        uc::submit(&cx.app.env(), &a.app(), user, &b.text).await?,
    );
    let files = uc::learner::files_of(&cx.app.env(), &a.app(), &row).await?;
    let body = submission_json(
        &cx.page,
        a.content(),
        &row,
        &files,
        &[],
        &Names::Anonymous,
        None,
    );
    Ok(json(StatusCode::CREATED, body))
}

/// Attach a file to the caller's draft (multipart: `file`, and `alt`, required for
/// images). The type is checked before a byte is kept, the size while the file arrives.
#[utoipa::path(post, path = "/api/v1/open-responses/{block_id}/attachments", params(("block_id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: the file; `alt`: its description (required for images)"),
    responses((status = 201, body = FileJson), (status = 401), (status = 404),
        (status = 409, description = "The response is submitted and locked"),
        (status = 422, description = "No files asked for, a type not allowed, too large, too many, or an image without alt text: nothing stored")),
    tag = "open-responses")]
pub async fn add_attachment(
    cx: Cx,
    Path(block_id): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let form = form.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let mut got = files::Received::default();
    files::receive(&cx, &a, form, &mut got).await?;
    let row = files::store(&cx, &a, user, &got).await?;
    Ok(json(StatusCode::CREATED, file_json(&row)))
}

/// Remove a file from the caller's draft.
#[utoipa::path(delete, path = "/api/v1/open-responses/{block_id}/attachments/{id}", params(("block_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 404, description = "No such file in the caller's draft")),
    tag = "open-responses")]
pub async fn remove_attachment(
    cx: Cx,
    Path((block_id, id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    uc::remove_attachment(&cx.app.env(), &a.app(), user, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Download an attached file: for its learner, a peer it was given to, and the course
/// team; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/open-responses/attachments/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, as an attachment"), (status = 401), (status = 404)),
    tag = "open-responses")]
pub async fn download(cx: Cx, Path(id): Path<i64>, req: Request) -> AppResult<Response> {
    let f = files::readable(&cx, id).await?;
    files::serve(&cx, &f, req).await
}

/// The response the caller was given to review and has not reviewed yet; 204 when none
/// (`POST` gives one). Reads only. The author of the response is never named.
#[utoipa::path(get, path = "/api/v1/open-responses/{block_id}/peer-review/next", params(("block_id" = i64, Path)),
    responses((status = 200, body = PeerTaskJson), (status = 204, description = "No response given to the caller now"), (status = 401),
        (status = 404, description = "No such assignment, or it has no peer step"),
        (status = 409, description = "The caller has not submitted a response")),
    tag = "open-responses")]
pub async fn current_peer(cx: Cx, Path(block_id): Path<i64>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let task = uc::current_peer(&cx.app.env(), &a.app(), user).await?;
    Ok(peer_task_response(&cx, &a, task))
}

/// Give the caller a response to review (the same one until reviewed); 204 when none is
/// waiting. The author of the response is never named.
#[utoipa::path(post, path = "/api/v1/open-responses/{block_id}/peer-review/next", params(("block_id" = i64, Path)),
    responses((status = 200, body = PeerTaskJson), (status = 204, description = "Nothing to review now"), (status = 401),
        (status = 404, description = "No such assignment, or it has no peer step"),
        (status = 409, description = "The caller has not submitted a response")),
    tag = "open-responses")]
pub async fn next_peer(cx: Cx, Path(block_id): Path<i64>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let task = uc::next_peer(&cx.app.env(), &a.app(), user).await?;
    Ok(peer_task_response(&cx, &a, task))
}

fn peer_task_response(cx: &Cx, a: &ors::Assignment, task: Option<ors::PeerTask>) -> Response {
    match task {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(t) => json(
            StatusCode::OK,
            PeerTaskJson {
                submission_id: t.submission.id,
                text: t.submission.text.clone(),
                files: t.files.iter().map(file_json).collect(),
                rubric: rubric_json(&cx.page, a.content()),
                reviews_given: t.given,
                reviews_required: t.required,
            },
        ),
    }
}

/// Review a peer's response the caller was given. Answers the caller's own state.
#[utoipa::path(post, path = "/api/v1/open-responses/{block_id}/peer-review", params(("block_id" = i64, Path)),
    request_body = PeerReviewBody,
    responses((status = 201, body = LearnerStatusJson), (status = 401),
        (status = 404, description = "No such assignment, or the response was not given to the caller"),
        (status = 409, description = "Already reviewed"),
        (status = 422, description = "The review does not fit the rubric: nothing stored")),
    tag = "open-responses")]
pub async fn peer_review(
    cx: Cx,
    Path(block_id): Path<i64>,
    b: Result<Json<PeerReviewBody>, JsonRejection>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let b = body(b)?;
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let input = AssessmentInput {
        criteria: b.criteria,
        criterion_feedback: b.criterion_feedback,
        overall_feedback: b.overall_feedback,
    };
    let done = uc::peer_review(&cx.app.env(), &a.app(), user, b.submission_id, &input).await?;
    ors::told(&cx.app, done);
    me_response(&cx, &a, user, StatusCode::CREATED).await
}

/// Assess one's own current response. Answers the caller's state.
#[utoipa::path(post, path = "/api/v1/open-responses/{block_id}/self-review", params(("block_id" = i64, Path)),
    request_body = AssessmentBody,
    responses((status = 201, body = LearnerStatusJson), (status = 401),
        (status = 404, description = "No such assignment, or it has no self step"),
        (status = 409, description = "Nothing submitted, or not the self step's turn"),
        (status = 422, description = "The review does not fit the rubric: nothing stored")),
    tag = "open-responses")]
pub async fn self_review(
    cx: Cx,
    Path(block_id): Path<i64>,
    b: Result<Json<AssessmentBody>, JsonRejection>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let b = body(b)?;
    let a = ors::for_learner(&cx, BlockId(block_id)).await?;
    let done = uc::self_review(&cx.app.env(), &a.app(), user, &b.input()).await?;
    ors::told(&cx.app, done);
    me_response(&cx, &a, user, StatusCode::CREATED).await
}

// --- Staff --------------------------------------------------------------------------------------

fn parse_filter(s: Option<&str>) -> AppResult<QueueFilter> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(QueueFilter::default()),
        Some(s) => QueueFilter::parse(s).ok_or(AppError::bad_request("lyceum-error-bad-form")),
    }
}

/// The course team's queue of responses, by filter.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/open-responses/queue", params(("course_id" = String, Path, description = "course-v1:ORG+CODE+RUN"), QueueParams),
    responses((status = 200, body = QueueJson), (status = 400, description = "Unknown filter"), (status = 401),
        (status = 403, description = "Not allowed to grade in this course"), (status = 404)),
    tag = "open-responses")]
pub async fn queue(
    cx: Cx,
    Path(course_id): Path<String>,
    q: Result<Query<QueueParams>, QueryRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let Query(q) = q.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let filter = parse_filter(q.filter.as_deref())?;
    let course = courses::load(&cx, &course_id).await?;
    decide(
        can(&cx.actor(), Action::Grade, Resource::Course(&course.facts)),
        &cx,
        "lyceum-error-forbidden",
    )?;
    let rows = ors::queue(&cx.app, &course, q.block_id.map(BlockId)).await?;
    let count = |f: QueueFilter| rows.iter().filter(|r| r.is(f)).count();
    let counts = QueueCountsJson {
        waiting: count(QueueFilter::Waiting),
        peer_stuck: count(QueueFilter::PeerStuck),
        resubmitted: count(QueueFilter::Resubmitted),
        returned: count(QueueFilter::Returned),
        done: count(QueueFilter::Done),
        all: rows.len(),
    };
    let people = uc::queue::learners_of(&cx.app.env(), &rows).await?;
    let tree = course.tree();
    let out = rows
        .iter()
        .filter(|r| r.is(filter))
        .map(|r| {
            let s = &r.submission;
            let needed = match uc::content_at(tree, r.block_idx) {
                Some(c) if c.has_step(Step::Peer) => c.peer.graded_by,
                _ => 0,
            };
            QueueRowJson {
                submission_id: s.id,
                block_id: s.block_id,
                assignment_title: ors::title_at(&course, r.block_idx),
                learner: LearnerJson {
                    id: s.user_id,
                    username: people
                        .get(&s.user_id)
                        .map(|u| u.username.clone())
                        .unwrap_or_default(),
                    name: r.learner.clone(),
                },
                version: s.version,
                submitted_at: time(Some(s.submitted_at)),
                stage: r.status.stage.as_str().to_owned(),
                needs_staff: r.status.needs_staff,
                peer_stuck: r.status.peer_stuck,
                reviews_received: r.peer_received,
                reviews_needed: needed,
                locked_by: r.locked_by.clone(),
            }
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        QueueJson {
            filter: filter.name().to_owned(),
            rows: out,
            counts,
        },
    ))
}

/// A submission for the course team (`can` grade it); 404 for anyone else.
async fn staff_view(cx: &Cx, id: i64) -> AppResult<SubmissionView> {
    let v = ors::view(cx, id).await?;
    if v.viewer != Viewer::Staff {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

fn view_json(p: &Page, v: SubmissionView) -> SubmissionViewJson {
    let a = &v.assignment;
    let c = a.content();
    let staff = v.viewer == Viewer::Staff;
    let names = if staff {
        Names::Staff(&v.names)
    } else {
        Names::Anonymous
    };
    let row = &v.version.row;
    let peer = v.viewer == Viewer::Peer;
    let mut submission = submission_json(
        p,
        c,
        row,
        &v.version.files,
        &v.version.assessments,
        &names,
        (!peer).then(|| v.version.status.stage.as_str().to_owned()),
    );
    if peer {
        // A peer sees the response only.
        submission.return_note = None;
        submission.assessments.clear();
    }
    SubmissionViewJson {
        viewer: match v.viewer {
            Viewer::Learner => "learner",
            Viewer::Peer => "peer",
            Viewer::Staff => "staff",
        }
        .to_owned(),
        block_id: a.block.0,
        course_id: a.course.key().to_owned(),
        assignment_title: a.title(),
        status: (!peer).then(|| status_json(&v.version.status, row.version)),
        rubric: rubric_json(p, c),
        versions: if peer {
            Vec::new()
        } else {
            v.versions
                .iter()
                .map(|s| VersionSummaryJson {
                    id: s.id,
                    version: s.version,
                    state: s.state.clone(),
                    submitted_at: time(Some(s.submitted_at)),
                })
                .collect()
        },
        learner: v.learner.as_ref().filter(|_| staff).map(|u| LearnerJson {
            id: u.id,
            username: u.username.clone(),
            name: if u.display_name.trim().is_empty() {
                u.username.clone()
            } else {
                u.display_name.clone()
            },
        }),
        locked_by: v.locked_by.clone().filter(|_| staff),
        grader_draft: v
            .grader_draft
            .clone()
            .filter(|_| staff)
            .map(AssessmentBody::of),
        submission,
    }
}

/// One submission: for its learner (with released assessments), a peer it was given to
/// (the response only, never who wrote it), or the course team (everything: the learner,
/// every version, every assessment with its assessor, the lock, the caller's kept draft).
#[utoipa::path(get, path = "/api/v1/submissions/{submission_id}", params(("submission_id" = i64, Path)),
    responses((status = 200, body = SubmissionViewJson), (status = 401), (status = 404, description = "No such submission, or not the caller's to see")),
    tag = "open-responses")]
pub async fn submission(cx: Cx, Path(submission_id): Path<i64>) -> AppResult<Response> {
    let v = ors::view(&cx, submission_id).await?;
    Ok(json(StatusCode::OK, view_json(&cx.page, v)))
}

/// Take (or renew) the grading lock on a submission.
#[utoipa::path(post, path = "/api/v1/submissions/{submission_id}/lock", params(("submission_id" = i64, Path)),
    responses((status = 200, body = LockJson), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Another grader holds the lock (named in the message)")),
    tag = "open-responses")]
pub async fn lock(cx: Cx, Path(submission_id): Path<i64>) -> AppResult<Response> {
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, submission_id).await?;
    match uc::lock(&cx.app.env(), v.version.row.id, staff).await? {
        Ok(until) => Ok(json(
            StatusCode::OK,
            LockJson {
                locked_until: time(Some(until)),
            },
        )),
        Err(name) => Err(AppError::Invalid {
            status: StatusCode::CONFLICT,
            error: DomainError::new("lyceum-error-or-lock-held").with_arg(name),
        }),
    }
}

/// Let go of the grading lock.
#[utoipa::path(delete, path = "/api/v1/submissions/{submission_id}/lock", params(("submission_id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)),
    tag = "open-responses")]
pub async fn unlock(cx: Cx, Path(submission_id): Path<i64>) -> AppResult<Response> {
    let staff = cx.require_user()?.id();
    let v = staff_view(&cx, submission_id).await?;
    uc::unlock(&cx.app.env(), v.version.row.id, staff).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Assess a submission as the course team (or, with `as_peer`, add a review to its peer
/// step). When another grader holds the lock, nothing is graded: 409, and the assessment
/// is kept as the caller's draft (echoed under `draft`).
#[utoipa::path(post, path = "/api/v1/submissions/{submission_id}/staff-assessment", params(("submission_id" = i64, Path)),
    request_body = StaffAssessmentBody,
    responses((status = 201, body = StatusJson), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Another grader holds the lock (the assessment is kept as the caller's draft), or the version was superseded"),
        (status = 422, description = "The assessment does not fit the rubric: nothing stored")),
    tag = "open-responses")]
pub async fn staff_assessment(
    cx: Cx,
    Path(submission_id): Path<i64>,
    b: Result<Json<StaffAssessmentBody>, JsonRejection>,
) -> AppResult<Response> {
    let staff = cx.require_user()?.id();
    let b = body(b)?;
    let v = staff_view(&cx, submission_id).await?;
    let as_peer = b.as_peer;
    let input = AssessmentInput {
        criteria: b.criteria,
        criterion_feedback: b.criterion_feedback,
        overall_feedback: b.overall_feedback,
    };
    let id = v.version.row.id;
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::staff_assess(&env, &a, staff, id, &input, as_peer);
    match ors::told(&cx.app, done.await?) {
        StaffOutcome::Graded(status) => {
            let version = v.version.row.version;
            Ok(json(StatusCode::CREATED, status_json(&status, version)))
        }
        StaffOutcome::Locked(name) => {
            let e = DomainError::new("lyceum-error-or-locked").with_arg(name);
            Ok(json(
                StatusCode::CONFLICT,
                serde_json::json!({
                    "error": {"code": e.key.0, "message": message(&cx.page, &e)},
                    "draft": AssessmentBody::of(input),
                }),
            ))
        }
    }
}

/// Return a submission to its learner for revision, with a note.
#[utoipa::path(post, path = "/api/v1/submissions/{submission_id}/return", params(("submission_id" = i64, Path)),
    request_body = ReturnBody,
    responses((status = 200, body = StatusJson), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "The version was superseded"), (status = 422, description = "Note too long")),
    tag = "open-responses")]
pub async fn return_for_revision(
    cx: Cx,
    Path(submission_id): Path<i64>,
    b: Result<Json<ReturnBody>, JsonRejection>,
) -> AppResult<Response> {
    let staff = cx.require_user()?.id();
    let b = body(b)?;
    let v = staff_view(&cx, submission_id).await?;
    let s = &v.version.row;
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::return_for_revision(&env, &a, staff, s.id, &b.note);
    match ors::told(&cx.app, done.await?) {
        Ok(status) => Ok(json(StatusCode::OK, status_json(&status, s.version))),
        Err(name) => Err(AppError::Invalid {
            status: StatusCode::CONFLICT,
            error: DomainError::new("lyceum-error-or-lock-held").with_arg(name),
        }),
    }
}

/// Excuse the learner from the peer step (or take the excuse back).
#[utoipa::path(post, path = "/api/v1/submissions/{submission_id}/peer-excuse", params(("submission_id" = i64, Path)),
    request_body = ExcuseBody,
    responses((status = 200, body = StatusJson), (status = 401), (status = 403), (status = 404)),
    tag = "open-responses")]
pub async fn peer_excuse(
    cx: Cx,
    Path(submission_id): Path<i64>,
    b: Result<Json<ExcuseBody>, JsonRejection>,
) -> AppResult<Response> {
    let staff = cx.require_user()?.id();
    let b = body(b)?;
    let v = staff_view(&cx, submission_id).await?;
    let s = &v.version.row;
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::excuse_peer(&env, &a, staff, s.id, b.excused);
    let status = ors::told(&cx.app, done.await?);
    Ok(json(StatusCode::OK, status_json(&status, s.version)))
}

/// Cancel an assessment (a careless peer review): it stops counting. Answers the
/// submission's new status.
#[utoipa::path(post, path = "/api/v1/open-responses/assessments/{assessment_id}/cancel", params(("assessment_id" = i64, Path)),
    request_body = CancelBody,
    responses((status = 200, body = StatusJson), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Already cancelled")),
    tag = "open-responses")]
pub async fn cancel_assessment(
    cx: Cx,
    Path(assessment_id): Path<i64>,
    b: Result<Json<CancelBody>, JsonRejection>,
) -> AppResult<Response> {
    let staff = cx.require_user()?.id();
    let b = body(b)?;
    let (_, submission) = uc::staff::block_of_assessment(&cx.app.env(), assessment_id).await?;
    let v = staff_view(&cx, submission).await?;
    let (env, a) = (cx.app.env(), v.assignment.app());
    let done = uc::cancel_assessment(&env, &a, staff, assessment_id, &b.reason);
    let status = ors::told(&cx.app, done.await?);
    Ok(json(
        StatusCode::OK,
        status_json(&status, v.version.row.version),
    ))
}
