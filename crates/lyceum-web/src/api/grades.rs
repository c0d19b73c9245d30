//! Problems and grades: submit answers to a problem, read one's progress in a course.
//! The same submission path as the page form, so limits, due dates and retries behave
//! the same; input ids are Open edX's, so answers recorded there can be replayed here.

use super::json;
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::grades::{self, round2};
use crate::kinds::problem as problems;
use crate::page::Cx;
use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lyceum_app::problems::{self as app_problems, Outcome};
use lyceum_core::BlockId;
use lyceum_core::capa::{Answers, Correctness, attempts};
use lyceum_core::permissions::{Action, Decision, Resource, can};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct SubmitBody {
    /// Input id (`{problem url_name}_{k+1}_{m}`) → answer: a string, or for a checkbox
    /// input the list of selected choices (`["choice_0", "choice_2"]`). Inputs left out
    /// are submitted empty.
    #[schema(value_type = Object, example = json!({"quiz1_2_1": "choice_1", "quiz1_3_1": ["choice_0", "choice_2"], "quiz1_4_1": "3.14"}))]
    pub answers: Answers,
    /// The attempts the caller last saw: when another submission came in since, the
    /// request is refused (409) instead of silently using another attempt.
    #[serde(default)]
    pub expected_attempts: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct InputResultJson {
    /// `correct`, `partially-correct` or `incorrect`.
    #[schema(value_type = String)]
    pub correctness: Correctness,
    /// Feedback the author wrote for this answer (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SubmitResult {
    pub block_id: i64,
    /// Per input; `null` while the problem hides correctness (until its due date).
    pub results: Option<BTreeMap<String, InputResultJson>>,
    /// Weighted points earned by this submission; `null` while correctness is hidden.
    pub earned: Option<f64>,
    pub possible: f64,
    pub attempts_used: i64,
    /// `null` = unlimited.
    pub max_attempts: Option<u32>,
    /// This exact submission had been recorded already (same `Idempotency-Key`, or the
    /// same answers again): no attempt was used.
    pub duplicate: bool,
}

fn submit_result(block: BlockId, o: Outcome) -> SubmitResult {
    let shown = o.results.is_some();
    SubmitResult {
        block_id: block.0,
        results: o.results.map(|r| {
            r.into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        InputResultJson {
                            correctness: v.correctness,
                            feedback: v.feedback,
                        },
                    )
                })
                .collect()
        }),
        earned: shown.then_some(round2(o.earned)),
        possible: round2(o.possible),
        attempts_used: o.attempts,
        max_attempts: o.max_attempts,
        duplicate: o.duplicate,
    }
}

/// Submit answers to a problem. Send an `Idempotency-Key` header to make retries safe:
/// the same key never uses a second attempt.
#[utoipa::path(post, path = "/api/v1/problems/{block_id}/submit", params(("block_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = SubmitBody,
    responses(
        (status = 200, body = SubmitResult),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such problem, or the caller is not enrolled in its course"),
        (status = 409, description = "Past due, no attempts left, or a newer submission exists: nothing stored"),
        (status = 422, description = "An input that does not exist, an answer of the wrong shape, or an answer that cannot be read (an unparsable number), or an input left empty (`lyceum-error-problem-incomplete`, naming the empty parts): nothing stored, no attempt used"),
    ), tag = "problems")]
pub async fn submit(
    cx: Cx,
    Path(block_id): Path<i64>,
    headers: HeaderMap,
    body: Result<Json<SubmitBody>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let Json(b) = body.map_err(|_| AppError::bad_request("lyceum-error-bad-submission"))?;
    let block = BlockId(block_id);
    let course = courses::load_of_block(&cx, block).await?;
    courseware_or_404(&cx, &course)?;
    let tree = course.tree();
    let idx = tree
        .index_of(block)
        .filter(|&i| {
            // The block itself (hidden or unreleased on its own, or by an ancestor),
            // in a unit.
            tree.is_visible(i, &course.vis) && tree.unit_of(i).is_some()
        })
        .ok_or(AppError::NotFound)?;
    let at = problems::problem_at(&course, idx)?;
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .ok_or_else(|| AppError::bad_request("lyceum-error-bad-submission"))?,
        ),
        None => None,
    };
    let sub = app_problems::Submission {
        answers: attempts::normalize_answers(&at.problem, b.answers),
        key,
        expected_attempt: b.expected_attempts,
        at: cx.app.now(),
    };
    let outcome = app_problems::submit(&cx.app.env(), &cx.actor(), &at, sub).await?;
    Ok(json(StatusCode::OK, submit_result(block, outcome)))
}

/// A course's problems and grades are private to its learners and its team: to anyone
/// else (not enrolled), 404.
fn courseware_or_404(cx: &Cx, course: &CourseCx) -> AppResult<()> {
    match can(
        &cx.actor(),
        Action::ViewCourseware,
        Resource::Course(&course.facts),
    ) {
        Decision::Allow => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProblemScoreJson {
    pub block_id: i64,
    pub earned: f64,
    pub possible: f64,
    pub attempts: i64,
    /// Set by course staff by hand.
    pub overridden: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SubsectionProgressJson {
    /// The subsection's `url_name`.
    pub id: String,
    pub title: String,
    pub graded: bool,
    /// Assignment type, for graded subsections.
    pub assignment_type: Option<String>,
    /// Its label in the grade ("Quiz 2").
    pub label: Option<String>,
    pub due: Option<String>,
    pub earned: f64,
    pub possible: f64,
    /// 0..=100, rounded as Open edX rounds subsection grades (two decimals of the share).
    pub percent: f64,
    pub problems: Vec<ProblemScoreJson>,
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentTypeJson {
    pub name: String,
    /// Share of the course grade, 0..=100.
    pub weight: f64,
    /// The learner's average in this type after drops, 0..=100.
    pub percent: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CourseProgressJson {
    pub course_id: String,
    /// 0..=100, whole percents as Open edX rounds the course grade.
    pub percent: f64,
    /// The highest cutoff reached (`null` below every cutoff).
    pub letter_grade: Option<String>,
    pub passed: bool,
    pub assignment_types: Vec<AssignmentTypeJson>,
    pub subsections: Vec<SubsectionProgressJson>,
    pub completed_units: usize,
    pub total_units: usize,
}

/// The caller's grade in a course they are enrolled in.
#[utoipa::path(get, path = "/api/v1/me/courses/{course_id}/progress", params(("course_id" = String, Path, description = "course-v1:ORG+CODE+RUN")),
    responses((status = 200, body = CourseProgressJson), (status = 401), (status = 404, description = "No such course, or the caller is not enrolled")), tag = "progress")]
pub async fn my_progress(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let course = courses::load(&cx, &course_id).await?;
    courseware_or_404(&cx, &course)?;
    let report = grades::report(&cx.app, &course, user).await?;
    let tree = course.tree();
    let policy = course.row.grading();
    let labels = grades::labels(tree, &report.grade, &policy);
    let pct = |share: f64| round2(share * 100.0);
    let body = CourseProgressJson {
        course_id: course.key().to_owned(),
        percent: pct(report.grade.course.percent),
        letter_grade: report.grade.course.letter.clone(),
        passed: report.grade.course.passed,
        assignment_types: report
            .grade
            .course
            .types
            .iter()
            .map(|t| AssignmentTypeJson {
                name: t.name.clone(),
                weight: pct(t.weight),
                percent: pct(t.percent),
            })
            .collect(),
        subsections: report
            .grade
            .subsections
            .iter()
            .map(|s| {
                let node = tree.node(s.node);
                SubsectionProgressJson {
                    id: node.url_name.clone(),
                    title: node.title.clone(),
                    graded: s.graded,
                    assignment_type: s.graded.then(|| s.format.clone()).flatten(),
                    label: labels.get(&node.url_name).cloned(),
                    due: super::time(tree.due_of(s.node).map(|t| t.as_millisecond())),
                    earned: round2(s.earned),
                    possible: round2(s.possible),
                    percent: pct(s.percent),
                    problems: s
                        .problems
                        .iter()
                        .map(|p| ProblemScoreJson {
                            block_id: p.block.0,
                            earned: round2(p.earned),
                            possible: round2(p.possible),
                            attempts: p.attempts,
                            overridden: p.overridden,
                        })
                        .collect(),
                }
            })
            .collect(),
        completed_units: report.completion.0,
        total_units: report.completion.1,
    };
    Ok(json(StatusCode::OK, body))
}
