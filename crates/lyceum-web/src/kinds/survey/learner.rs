//! The learner's survey form in the unit: answered without script by a form post that
//! stores and comes back to the unit, or shows the unit again with what was typed and
//! why it was refused, in the reader's language.

use super::{course_ref, scale_label, unit_url};
use crate::courses;
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::render_unit;
use crate::handlers::see_other;
use crate::kinds::{BlockCtx, Overlay};
use crate::page::{Cx, Html, Page, Piece};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::surveys::{self, Stored};
use lyceum_core::blocks::survey::answers::{self, Answer};
use lyceum_core::blocks::survey::{
    LONG_ANSWER, QuestionType, SHORT_ANSWER, Survey, SurveyContent, Window,
};
use lyceum_core::clock::from_millis;
use lyceum_core::{BlockId, DomainError};
use serde_json::Value;
use std::collections::HashMap;

/// What a refused post leaves for the form: the values typed, per question id, and why.
pub struct Typed {
    values: HashMap<String, Vec<String>>,
    message: Html,
    per_question: HashMap<String, Html>,
}

pub struct InputView {
    value: String,
    label: String,
    /// The label is a platform message (in the interface's language).
    ui: bool,
    checked: bool,
}

pub struct QuestionView {
    field: String,
    name: String,
    text: String,
    kind: &'static str,
    required: bool,
    /// `radio` or `checkbox` for choices and scales; empty for text.
    input: &'static str,
    inputs: Vec<InputView>,
    text_value: String,
    multiline: bool,
    max_chars: usize,
    error: Option<Html>,
}

#[derive(Template)]
#[template(path = "blocks/survey.html")]
struct SurveyView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    content_lang: &'a str,
    content_dir: &'static str,
    intro: &'a str,
    questions: Vec<QuestionView>,
    action_url: String,
    /// Inputs are disabled: the learner cannot answer now.
    locked: bool,
    status: Vec<Html>,
    message: Option<Html>,
    thanks: Option<&'a str>,
    submitted: bool,
    report_url: Option<String>,
}

fn error_message(p: &Page, e: &DomainError) -> Html {
    let args: Vec<Piece> = e
        .args
        .iter()
        .map(|a| Piece::Arg(lyceum_i18n::Arg::from(a.clone())))
        .collect();
    p.tn(e.key.0, &args)
}

/// The stored answer as form values.
fn stored_values(a: &Answer) -> Vec<String> {
    match a {
        Answer::Number(n) => vec![n.to_string()],
        Answer::Text(t) => vec![t.clone()],
        Answer::Choices(c) => c.clone(),
    }
}

pub fn render(ctx: &BlockCtx<'_>, idx: usize, stored: Option<&Stored>) -> askama::Result<String> {
    let (p, course) = (ctx.p, ctx.course);
    let node = course.tree().node(idx);
    let Some(c) = node.content_of::<Survey>() else {
        return Ok(String::new());
    };
    let typed = ctx.overlay_for::<Typed>(node.id);
    let may = c.may_answer(ctx.now, stored.is_some());
    let locked = !ctx.tracking || may.is_err();
    let questions = c
        .questions
        .iter()
        .map(|q| {
            let values: Vec<String> = match typed {
                Some(t) => t.values.get(&q.id).cloned().unwrap_or_default(),
                None => stored
                    .and_then(|s| s.answers.get(&q.id))
                    .map(stored_values)
                    .unwrap_or_default(),
            };
            let field = format!("survey-{}-{}", node.id.0, q.id);
            let options: Vec<(String, String, bool)> = match q.kind {
                QuestionType::SingleChoice | QuestionType::MultipleChoice => q
                    .choices
                    .iter()
                    .map(|ch| (ch.id.clone(), ch.label.clone(), false))
                    .collect(),
                QuestionType::Likert | QuestionType::Rating => {
                    let (lo, hi) = q.scale().unwrap_or((0, 0));
                    (lo..=hi)
                        .map(|v| {
                            (
                                v.to_string(),
                                scale_label(p, q, v),
                                q.kind == QuestionType::Likert,
                            )
                        })
                        .collect()
                }
                QuestionType::ShortText | QuestionType::LongText => Vec::new(),
            };
            QuestionView {
                name: format!("q.{}", q.id),
                text: q.text.clone(),
                kind: q.kind.as_str(),
                required: q.required,
                input: match q.kind {
                    QuestionType::MultipleChoice => "checkbox",
                    QuestionType::ShortText | QuestionType::LongText => "",
                    _ => "radio",
                },
                inputs: options
                    .into_iter()
                    .map(|(value, label, ui)| InputView {
                        checked: values.contains(&value),
                        value,
                        label,
                        ui,
                    })
                    .collect(),
                text_value: if q.kind.is_text() {
                    values.first().cloned().unwrap_or_default()
                } else {
                    String::new()
                },
                multiline: q.kind == QuestionType::LongText,
                max_chars: if q.kind == QuestionType::LongText {
                    LONG_ANSWER.max_chars
                } else {
                    SHORT_ANSWER.max_chars
                },
                error: typed.and_then(|t| t.per_question.get(&q.id).cloned()),
                field,
            }
        })
        .collect();
    SurveyView {
        p,
        id: node.id.0,
        title: &node.title,
        content_lang: &course.row.language,
        content_dir: crate::handlers::catalog::content_dir(&course.row.language),
        intro: &c.intro,
        questions,
        action_url: course.url(&format!("survey/{}", node.id.0)),
        locked,
        status: status_lines(p, c, ctx, stored, may.err()),
        message: typed.map(|t| t.message.clone()),
        thanks: stored
            .filter(|_| !c.thanks.trim().is_empty())
            .map(|_| c.thanks.as_str()),
        submitted: stored.is_some(),
        report_url: ctx
            .staff
            .then(|| course.url(&format!("instructor/surveys/{}", node.id.0))),
    }
    .render()
}

fn status_lines(
    p: &Page,
    c: &SurveyContent,
    ctx: &BlockCtx<'_>,
    stored: Option<&Stored>,
    refused: Option<DomainError>,
) -> Vec<Html> {
    let mut out = Vec::new();
    if c.anonymous {
        out.push(p.t("lyceum-survey-anonymous-note"));
    }
    if let Some(w) = c.credit() {
        out.push(p.t1("lyceum-survey-credit-note", crate::format::number(p, w)));
    }
    if !ctx.tracking {
        out.push(p.t("lyceum-survey-enrol-to-answer"));
        return out;
    }
    if let Some(s) = stored {
        out.push(p.t1(
            "lyceum-survey-submitted-at",
            p.datetime(from_millis(s.submitted_at)),
        ));
    }
    match (c.window(ctx.now), refused) {
        (Window::NotOpen, _) => {
            if let Some(o) = c.opens {
                out.push(p.t1("lyceum-survey-opens-at", p.datetime(o)));
            }
        }
        (Window::Closed, _) => out.push(p.t("lyceum-survey-closed-note")),
        (Window::Open, Some(_)) => out.push(p.t("lyceum-survey-final-note")),
        (Window::Open, None) => {
            if stored.is_some() {
                out.push(match c.closes {
                    Some(cl) => p.t1("lyceum-survey-editable-until", p.datetime(cl)),
                    None => p.t("lyceum-survey-editable"),
                });
            } else if let Some(cl) = c.closes {
                out.push(p.t1("lyceum-survey-closes-at", p.datetime(cl)));
            }
            if c.final_on_submit && stored.is_none() {
                out.push(p.t("lyceum-survey-final-warning"));
            }
        }
    }
    out
}

/// `POST /courses/{key}/survey/{block}`: store the answers and go back to the unit, or
/// show the unit again with what was typed and why it was refused.
pub async fn answer(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    cx.require_user()?;
    let course = courses::load(&cx, &key).await?;
    let cref = course_ref(&cx, &course);
    let at = surveys::locate(&cref, BlockId(block))?;
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body).into_owned() {
        if let Some(id) = k.strip_prefix("q.") {
            values.entry(id.to_owned()).or_default().push(v);
        }
    }
    let mut sent = serde_json::Map::new();
    for (id, vs) in &values {
        let kind = at.content.question(id).map(|q| q.kind);
        let v = match kind {
            Some(QuestionType::MultipleChoice) => {
                Value::Array(vs.iter().cloned().map(Value::String).collect())
            }
            _ => Value::String(vs.first().cloned().unwrap_or_default()),
        };
        sent.insert(id.clone(), v);
    }
    let idx = at.idx;
    let problems = answers::check(at.content, &sent).err();
    match surveys::save(&cx.app.env(), &cref, BlockId(block), &sent).await {
        Ok(_) => Ok(see_other(&unit_url(&course, idx))),
        Err(e)
            if e.kind == lyceum_app::ErrorKind::Invalid
                || e.kind == lyceum_app::ErrorKind::Conflict =>
        {
            let status = if e.kind == lyceum_app::ErrorKind::Conflict {
                axum::http::StatusCode::CONFLICT
            } else {
                axum::http::StatusCode::UNPROCESSABLE_ENTITY
            };
            let per_question = problems
                .map(|pr| {
                    at.content
                        .questions
                        .iter()
                        .filter_map(|q| {
                            pr.for_question(&q.id)
                                .map(|err| (q.id.clone(), error_message(&cx.page, &err)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let typed = Typed {
                values,
                message: error_message(&cx.page, &e.error),
                per_question,
            };
            let unit = course.tree().unit_of(idx).ok_or(AppError::NotFound)?;
            render_unit(
                &cx,
                &course,
                unit,
                Some(Overlay::new(BlockId(block), typed)),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
