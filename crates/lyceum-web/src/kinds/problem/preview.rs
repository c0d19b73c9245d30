//! "Check" in the editor's preview: an author answers the draft problem as a learner
//! would and sees it graded by the same grader, with nothing stored (no attempt, no
//! score, no state).

use super::{LearnerProblem, Overlay, RenderInput, problem_at, render};
use crate::editors;
use crate::error::{AppError, AppResult};
use crate::handlers::html_response;
use crate::handlers::studio::{StudioHead, StudioTab};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::problems as app_problems;
use lyceum_core::{BlockId, capa};

#[derive(Template)]
#[template(path = "editors/problem_check.html")]
struct CheckView {
    p: Page,
    title: String,
    studio: StudioHead,
    problem: Html,
    editor_url: String,
}

pub async fn check(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let s = editors::load(&cx, &key).await?;
    let course = &s.course;
    let tree = course.tree();
    let idx = tree.index_of(BlockId(block)).ok_or(AppError::NotFound)?;
    let at = problem_at(course, idx)?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let answers = capa::attempts::answers_from_form(&at.problem, &pairs);
    let seed = LearnerProblem::default().seed;
    let (learner, overlay, status) = match app_problems::check_only(&at, &answers, seed) {
        Ok(l) => (l, Overlay::default(), StatusCode::OK),
        Err(e) => {
            let message = crate::kinds::message(&cx.page, &e.error);
            let missing = capa::missing_inputs(&at.problem, &answers)
                .into_iter()
                .map(|(_, i)| i.id.clone())
                .collect();
            (
                LearnerProblem::default(),
                Overlay {
                    answers: Some(answers.clone()),
                    message: Some(message),
                    show_answer: false,
                    missing,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let problem = render(
        &cx.page,
        RenderInput {
            course,
            idx,
            learner: &learner,
            tracking: false,
            staff: false,
            overlay,
            now: cx.app.now(),
            preview_url: Some(course.url(&format!("problem/{block}/check"))),
        },
    );
    let p = &cx.page;
    let v = CheckView {
        title: p.text("lyceum-editor-check-title"),
        studio: StudioHead::new(&cx, &s.draft, StudioTab::None),
        problem,
        editor_url: editors::block_url(course, block),
        p: p.clone(),
    };
    let mut r = html_response(v.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}
