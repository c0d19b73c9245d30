//! The course's problems for the course team: where each is, how many learners answered
//! it, rescoring it for everyone after its answer was corrected, and every answer as
//! answers.csv.

use super as problems;
use crate::csv::Csv;
use crate::error::{AppError, AppResult};
use crate::grades::round2;
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{
    ActionLine, NavLink, action_line, load, nav, number_text, problem_title,
};
use crate::handlers::{html_response, see_other};
use crate::page::{Cx, Html, Page, Piece};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use lyceum_app::problems as app_problems;
use lyceum_core::capa::{self, AnswerValue, Answers, attempts};
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::problems as problem_repo;
use lyceum_store::repo::users;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

pub struct ProblemRow {
    pub location: String,
    pub title: String,
    pub url: String,
    pub points: f64,
    pub graded: bool,
    pub learners: i64,
    pub attempts: i64,
    pub rescore_url: Option<String>,
    pub unsupported: bool,
}

#[derive(Template)]
#[template(path = "instructor/problems.html")]
struct ProblemsView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    problems: Vec<ProblemRow>,
    actions: Vec<ActionLine>,
    result: Option<Html>,
}

#[derive(Deserialize, Default)]
pub struct ProblemsQuery {
    rescored: Option<String>,
    learners: Option<i64>,
    changed: Option<i64>,
}

pub async fn list(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<ProblemsQuery>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let p = &cx.page;
    let mut c = cx.app.store().conn().await?;
    let stats: HashMap<BlockId, (i64, i64)> = problem_repo::problem_stats(&mut c, course.id())
        .await?
        .into_iter()
        .map(|(b, l, a)| (b, (l, a)))
        .collect();
    let actions = problem_repo::actions_in_course(&mut c, course.id(), 50).await?;
    let staff_ids: Vec<UserId> = actions
        .iter()
        .filter_map(|a| a.staff_id.map(UserId))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Staff who have since deleted their account show as "deleted user".
    let staff: HashMap<i64, String> = users::get_users(&mut c, &staff_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, cx.page.person_name(&u)))
        .collect();
    drop(c);
    let tree = course.tree();
    let mut rows = Vec::new();
    for &unit in tree.units() {
        for &leaf in tree.children(unit) {
            let node = tree.node(leaf);
            let Some(content) = problems::content_at(&course, leaf) else {
                continue;
            };
            let (l, a) = stats.get(&node.id).copied().unwrap_or((0, 0));
            let unsupported = content
                .parsed
                .as_ref()
                .is_none_or(|p| p.unsupported.is_some());
            rows.push(ProblemRow {
                location: tree
                    .ancestors(leaf)
                    .iter()
                    .map(|&x| tree.node(x).title.clone())
                    .collect::<Vec<_>>()
                    .join(" › "),
                title: problem_title(tree, leaf),
                url: format!(
                    "{}#block-{}",
                    course.url(&format!("unit/{}", tree.node(unit).url_name)),
                    node.id.0
                ),
                points: round2(content.possible().1),
                graded: tree
                    .subsection_of(leaf)
                    .is_some_and(|s| tree.node(s).settings.graded),
                learners: l,
                attempts: a,
                rescore_url: (l > 0 && !unsupported)
                    .then(|| course.url(&format!("instructor/problems/{}/rescore", node.id.0))),
                unsupported,
            });
        }
    }
    let result = q.rescored.map(|title| {
        p.tn(
            "lyceum-instructor-rescored",
            &[
                Piece::Isolated(title.to_owned()),
                Piece::Arg(q.learners.unwrap_or(0).into()),
                Piece::Arg(q.changed.unwrap_or(0).into()),
            ],
        )
    });
    let view = ProblemsView {
        title: p.text("lyceum-instructor-problems"),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "problems"),
        problems: rows,
        actions: actions
            .iter()
            .map(|a| action_line(p, &course, a, &staff))
            .collect(),
        result,
        p: p.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

pub async fn rescore(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let tree = course.tree();
    let idx = tree.index_of(BlockId(block)).ok_or(AppError::NotFound)?;
    let at = problems::problem_at(&course, idx)?;
    let summary = app_problems::rescore(&cx.app.env(), &cx.actor(), &at).await?;
    let title = problem_title(tree, idx);
    let mut qs = url::form_urlencoded::Serializer::new(String::new());
    qs.append_pair("rescored", &title)
        .append_pair("learners", &summary.learners.to_string())
        .append_pair("changed", &summary.changed.to_string());
    Ok(see_other(&format!(
        "{}?{}",
        course.url("instructor/problems"),
        qs.finish()
    )))
}

/// Every submission, one row per answered input: who, which problem, when, what, and
/// whether it was right.
pub async fn answers_csv(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let mut c = cx.app.store().conn().await?;
    let subs = problem_repo::submissions_in_course(&mut c, course.id()).await?;
    let ids: Vec<UserId> = subs
        .iter()
        .map(|s| UserId(s.user_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = users::get_users(&mut c, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    drop(c);
    let tree = course.tree();
    let mut csv = Csv::new();
    csv.row([
        "user_id",
        "username",
        "block_id",
        "location",
        "problem",
        "attempt",
        "submitted_at",
        "input_id",
        "answer",
        "answer_text",
        "correctness",
        "problem_earned",
        "problem_possible",
    ]);
    for s in &subs {
        let Some(idx) = tree.index_of(BlockId(s.block_id)) else {
            continue;
        };
        let Ok(at) = problems::problem_at(&course, idx) else {
            continue;
        };
        let node = tree.node(idx);
        let answers: Answers = serde_json::from_str(&s.answers).unwrap_or_default();
        let results: problems::Results = serde_json::from_str(&s.results).unwrap_or_default();
        let (earned, possible) = capa::weighted(s.raw_earned, s.raw_possible, at.content.weight);
        let when = crate::api::time(Some(s.submitted_at)).unwrap_or_default();
        let title = problem_title(tree, idx);
        for input in at.problem.inputs() {
            let value = answers.get(&input.id);
            let raw = match value {
                Some(AnswerValue::One(v)) => v.clone(),
                Some(AnswerValue::Many(vs)) => serde_json::to_string(vs).unwrap_or_default(),
                None => String::new(),
            };
            let correctness = results
                .get(&input.id)
                .map(|r| {
                    serde_json::to_value(r.correctness)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            csv.row([
                s.user_id.to_string(),
                names.get(&s.user_id).cloned().unwrap_or_default(),
                s.block_id.to_string(),
                node.url_name.clone(),
                title.clone(),
                s.attempt.to_string(),
                when.clone(),
                input.id.clone(),
                raw,
                value
                    .map(|v| attempts::answer_text(&at.problem, &input.id, v))
                    .unwrap_or_default(),
                correctness,
                number_text(earned),
                number_text(possible),
            ]);
        }
    }
    Ok(csv.into_download(&format!("{}-answers.csv", course.key())))
}
