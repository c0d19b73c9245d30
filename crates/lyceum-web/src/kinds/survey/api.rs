//! Surveys over JSON: the survey with the caller's response, saving a response, and the
//! course team's report (JSON and CSV).

use super::staff::{self, label_text};
use super::{course_ref, scale_label, title_at};
use crate::api::{json, time};
use crate::courses::{self};
use crate::error::{AppError, AppResult};
use crate::page::{Cx, Page, Piece};
use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::surveys::{self, Stored, View};
use lyceum_core::BlockId;
use lyceum_core::blocks::survey::answers::missing_ids;
use lyceum_core::blocks::survey::{QuestionType, Window};
use serde::Deserialize;
use serde_json::{Value, json as j};

fn question_json(p: &Page, v: &View<'_>) -> Vec<Value> {
    v.at.content
        .questions
        .iter()
        .map(|q| {
            let options: Vec<Value> = match q.kind {
                QuestionType::SingleChoice | QuestionType::MultipleChoice => q
                    .choices
                    .iter()
                    .map(|c| j!({"id": c.id, "label": c.label}))
                    .collect(),
                QuestionType::Likert | QuestionType::Rating => {
                    let (lo, hi) = q.scale().unwrap_or((0, 0));
                    (lo..=hi)
                        .map(|n| j!({"id": n, "label": scale_label(p, q, n)}))
                        .collect()
                }
                QuestionType::ShortText | QuestionType::LongText => Vec::new(),
            };
            j!({
                "id": q.id,
                "type": q.kind.as_str(),
                "text": q.text,
                "options": options,
                "required": q.required,
            })
        })
        .collect()
}

fn response_json(s: &Stored) -> Value {
    j!({
        "answers": s.answers,
        "submitted_at": time(Some(s.submitted_at)),
        "updated_at": time(Some(s.updated_at)),
    })
}

fn survey_json(p: &Page, course: &courses::CourseCx, v: &View<'_>) -> Value {
    let c = v.at.content;
    j!({
        "block_id": v.at.block.0,
        "course_id": course.key(),
        "title": title_at(course, v.at.idx),
        "intro": c.intro,
        "questions": question_json(p, v),
        "response": v.response.as_ref().map(response_json),
        "settings": {
            "anonymous": c.anonymous,
            "editable": !c.final_on_submit,
            "final_on_submit": c.final_on_submit,
            "opens_at": c.opens.map(crate::api::timestamp),
            "closes_at": c.closes.map(crate::api::timestamp),
            "participation_weight": c.credit(),
            "before": c.before,
        },
        "open": v.window == Window::Open,
        "closed": v.window == Window::Closed,
        "can_answer": v.may_answer.is_ok(),
    })
}

/// `GET /api/v1/surveys/{block_id}`: the questions and the caller's response.
pub async fn get_survey(cx: Cx, Path(block_id): Path<i64>) -> AppResult<Response> {
    cx.require_user()?;
    let course = crate::courses::load_of_block(&cx, BlockId(block_id)).await?;
    let cref = course_ref(&cx, &course);
    let v = surveys::view(&cx.app.env(), &cref, BlockId(block_id)).await?;
    Ok(json(StatusCode::OK, survey_json(&cx.page, &course, &v)))
}

#[derive(Deserialize)]
pub struct ResponseBody {
    answers: serde_json::Map<String, Value>,
}

/// `PUT /api/v1/surveys/{block_id}/response` with `{"answers": {QUESTION_ID: value}}`.
pub async fn put_response(
    cx: Cx,
    Path(block_id): Path<i64>,
    body: Result<Json<ResponseBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let block = BlockId(block_id);
    let course = crate::courses::load_of_block(&cx, block).await?;
    let cref = course_ref(&cx, &course);
    // Access first: a survey the caller cannot see is 404 whatever the body.
    surveys::view(&cx.app.env(), &cref, block).await?;
    let Json(b) = body.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    match surveys::save(&cx.app.env(), &cref, block, &b.answers).await {
        Ok(_) => {
            let v = surveys::view(&cx.app.env(), &cref, block).await?;
            Ok(json(StatusCode::OK, survey_json(&cx.page, &course, &v)))
        }
        Err(e) if e.error.key.0 == "lyceum-error-survey-missing" => {
            let args: Vec<Piece> = e
                .error
                .args
                .iter()
                .map(|a| Piece::Arg(lyceum_i18n::Arg::from(a.clone())))
                .collect();
            let message = lyceum_core::sanitize::strip_tags(&cx.page.tn(e.error.key.0, &args).0);
            Ok(json(
                StatusCode::UNPROCESSABLE_ENTITY,
                j!({
                    "error": {"code": e.error.key.0, "message": message},
                    "missing": missing_ids(&e.error),
                }),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn report_json(p: &Page, course: &courses::CourseCx, r: &surveys::SurveyReport<'_>) -> Value {
    let rep = &r.report;
    let questions: Vec<Value> = rep
        .questions
        .iter()
        .map(|q| {
            let options: Vec<Value> = q
                .options
                .iter()
                .map(|o| {
                    j!({
                        "value": o.value,
                        "label": label_text(p, &o.label).0,
                        "count": o.count,
                        "percent": o.percent,
                    })
                })
                .collect();
            let mut v = j!({
                "id": q.id,
                "type": q.kind.as_str(),
                "text": q.text,
                "answered": q.answered,
                "suppressed": q.suppressed,
                "options": options,
                "mean": q.mean,
                "texts": q.texts.iter().map(|t| match &t.name {
                    Some(n) => j!({"name": n, "text": t.text}),
                    None => j!({"text": t.text}),
                }).collect::<Vec<_>>(),
            });
            if let Some(pr) = &q.paired {
                v["paired"] = j!({
                    "learners": pr.learners,
                    "improved": pr.improved,
                    "same": pr.same,
                    "declined": pr.declined,
                    "mean_before": pr.mean_before,
                    "mean_after": pr.mean_after,
                    "suppressed": pr.suppressed,
                });
            }
            v
        })
        .collect();
    j!({
        "block_id": r.at.block.0,
        "course_id": course.key(),
        "title": title_at(course, r.at.idx),
        "anonymous": rep.anonymous,
        "min_group": lyceum_core::blocks::survey::report::MIN_GROUP,
        "responses": rep.responses,
        "enrolled": rep.enrolled,
        "response_rate": rep.rate,
        "before": r.before.map(|(id, idx)| j!({"block_id": id.0, "title": title_at(course, idx)})),
        "questions": questions,
    })
}

/// `GET /api/v1/courses/{course_id}/surveys/{block_id}/report`: the course team's report.
pub async fn report(
    cx: Cx,
    Path((course_id, block_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    cx.require_user()?;
    let course = courses::load(&cx, &course_id).await?;
    let r = staff::report_for_api(&cx, &course, block_id).await?;
    Ok(json(StatusCode::OK, report_json(&cx.page, &course, &r)))
}

/// `GET /api/v1/courses/{course_id}/surveys/{block_id}/report.csv`: the same as CSV.
pub async fn report_csv(
    cx: Cx,
    Path((course_id, block_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    cx.require_user()?;
    let course = courses::load(&cx, &course_id).await?;
    let r = staff::report_for_api(&cx, &course, block_id).await?;
    Ok(staff::csv(&cx.page, &r).into_download(&format!("survey-{block_id}-report.csv")))
}
