//! The problem's form on the unit page: submit answers, reset them, ask for the next
//! hint, or show the answer — each one use case of `lyceum_app::problems`. Answers that
//! could not be graded come back on the unit page with the message and what was typed.

use super::{Overlay, problem_at};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{load_courseware, render_unit};
use crate::handlers::see_other;
use crate::kinds;
use crate::page::Cx;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::problems as app_problems;
use lyceum_core::{BlockId, capa};

/// A problem's form: submit, reset, next hint, or show the answer.
pub async fn form(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    cx.require_user()?;
    let tree = course.tree();
    let idx = tree
        .index_of(BlockId(block))
        .filter(|&i| tree.is_visible(i, &course.vis))
        .ok_or(AppError::NotFound)?;
    let unit = tree.unit_of(idx).ok_or(AppError::NotFound)?;
    let at = problem_at(&course, idx)?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let unit_url = course.url(&format!("unit/{}", tree.node(unit).url_name));
    let back = format!("{unit_url}#block-{block}");
    let (env, actor) = (cx.app.env(), cx.actor());
    match field("action").unwrap_or("submit") {
        "submit" => {
            let answers = capa::attempts::answers_from_form(&at.problem, &pairs);
            let sub = app_problems::Submission {
                answers: answers.clone(),
                key: field("key"),
                expected_attempt: field("attempt").and_then(|a| a.parse().ok()),
                at: cx.app.now(),
            };
            match app_problems::submit(&env, &actor, &at, sub)
                .await
                .map_err(AppError::from)
            {
                Ok(_) => Ok(see_other(&back)),
                // Not graded (unreadable number, closed, stale): show why, keep what was typed.
                Err(AppError::Invalid { status, error }) => {
                    let overlay = refused_overlay(&cx, &at.problem, answers, &error);
                    let overlay = Some(kinds::Overlay::new(at.block, overlay));
                    render_unit(&cx, &course, unit, overlay, status).await
                }
                Err(e) => Err(e),
            }
        }
        "reset" => {
            app_problems::reset(&env, &actor, &at).await?;
            Ok(see_other(&back))
        }
        "hint" => {
            app_problems::next_hint(&env, &actor, &at).await?;
            Ok(see_other(&back))
        }
        "show" => Ok(see_other(&format!("{unit_url}?show={block}#block-{block}"))),
        _ => Err(AppError::bad_request("lyceum-error-bad-form")),
    }
}

/// What the unit page shows at a refused submission: the answers as typed, why they
/// were refused, and the inputs left empty marked where they are.
fn refused_overlay(
    cx: &Cx,
    problem: &capa::Problem,
    answers: capa::Answers,
    error: &lyceum_core::DomainError,
) -> Overlay {
    let args: Vec<crate::page::Piece> =
        crate::page::message_args(&cx.page.app, &cx.page.lang, error.key.0, &error.args)
            .into_iter()
            .map(crate::page::Piece::Arg)
            .collect();
    let missing = capa::missing_inputs(problem, &answers)
        .into_iter()
        .map(|(_, i)| i.id.clone())
        .collect();
    Overlay {
        message: Some(cx.page.tn(error.key.0, &args)),
        answers: Some(answers),
        show_answer: false,
        missing,
    }
}
