//! One learner's record for the course team: their grade, every problem's score with
//! its submissions, and the actions on it (override a score, remove the override, give
//! the attempts back), each a use case of `lyceum_app::problems`.

use super::{ActionLine, NavLink, action_line, load, nav, problem_title};
use crate::courses::{CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::grades::{self, round2, whole_percent};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::{html_response, see_other, with_notice};
use crate::kinds::problem as problems;
use crate::page::{Cx, Html, Page, Piece};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::ErrorKind;
use lyceum_app::problems as app_problems;
use lyceum_core::capa::{self, Answers, attempts};
use lyceum_core::clock::from_millis;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::courses as course_repo;
use lyceum_store::repo::problems as problem_repo;
use lyceum_store::repo::users;
use std::collections::{HashMap, HashSet};

pub struct SubmissionLine {
    pub attempt: i64,
    pub at: Timestamp,
    pub answers: String,
    pub earned: f64,
    pub possible: f64,
}

pub struct ProblemLine {
    pub block: i64,
    pub location: String,
    pub title: String,
    pub url: String,
    pub earned: f64,
    pub possible: f64,
    pub attempts: i64,
    pub max_attempts: Option<u32>,
    pub override_reason: Option<String>,
    pub submissions: Vec<SubmissionLine>,
    pub action_url: String,
    /// A refused override: the message, shown at the form, and what was typed.
    pub error: Option<Html>,
    pub kept_points: String,
    pub kept_reason: String,
}

/// A refused override of one problem: the message and the person's input, kept.
pub struct OverrideError {
    pub block: BlockId,
    pub message: Html,
    pub points: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "instructor/learner.html")]
struct LearnerView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    username: String,
    display_name: String,
    content_language: Option<String>,
    grade: i64,
    letter: Option<String>,
    passed: bool,
    progress_url: String,
    problems: Vec<ProblemLine>,
    actions: Vec<ActionLine>,
    back_url: String,
    /// Write to the learner (issue 15: private messages).
    message_url: String,
}

/// The learner `id` of this course (enrolled), or 404.
async fn course_learner(
    cx: &Cx,
    course: &CourseCx,
    id: i64,
) -> AppResult<(lyceum_store::repo::users::UserRow, Option<String>)> {
    let learner = UserId(id);
    decide(
        can(
            &cx.actor(),
            Action::Grade,
            Resource::LearnerRecord {
                course: &course.facts,
                learner,
            },
        ),
        cx,
        "lyceum-error-forbidden",
    )?;
    let mut c = cx.app.store().conn().await?;
    let viewer = course_repo::find_for_viewer(&mut c, course.key(), Some(learner))
        .await?
        .map(|(_, v)| v)
        .filter(|v| v.enrolled)
        .ok_or(AppError::NotFound)?;
    let user = users::get_user(&mut c, learner)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((user, viewer.content_lang))
}

pub async fn page(cx: Cx, Path((key, id)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let (user, content_lang) = course_learner(&cx, &course, id).await?;
    learner_page(
        &cx,
        &course,
        (&user, content_lang.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

async fn learner_page(
    cx: &Cx,
    course: &CourseCx,
    (user, content_lang): (&lyceum_store::repo::users::UserRow, Option<&str>),
    error: Option<OverrideError>,
    status: StatusCode,
) -> AppResult<Response> {
    let p = &cx.page;
    let learner = user.id();
    let report = grades::report(&cx.app, course, learner).await?;
    let mut c = cx.app.store().conn().await?;
    let subs = problem_repo::submissions_of_learner(&mut c, course.id(), learner).await?;
    let actions = problem_repo::actions_for(&mut c, course.id(), learner).await?;
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
    let mut by_block = submission_lines(course, subs);
    let mut lines = Vec::new();
    for sub in &report.grade.subsections {
        for pg in &sub.problems {
            let node = tree.node(pg.node);
            let unit = tree.parent(pg.node).unwrap_or(pg.node);
            let max_attempts = problems::content_at(course, pg.node).and_then(|c| c.max_attempts);
            let title = problem_title(tree, pg.node);
            let refused = error.as_ref().filter(|e| e.block == pg.block);
            lines.push(ProblemLine {
                block: node.id.0,
                location: tree
                    .ancestors(pg.node)
                    .iter()
                    .map(|&a| tree.node(a).title.clone())
                    .collect::<Vec<_>>()
                    .join(" › "),
                title,
                url: format!(
                    "{}#block-{}",
                    course.url(&format!("unit/{}", tree.node(unit).url_name)),
                    node.id.0
                ),
                earned: round2(pg.earned),
                possible: round2(pg.possible),
                attempts: pg.attempts,
                max_attempts,
                override_reason: report.override_reasons.get(&pg.block).cloned(),
                submissions: by_block.remove(&node.id.0).unwrap_or_default(),
                action_url: course.url(&format!(
                    "instructor/learners/{}/problems/{}",
                    learner.0, node.id.0
                )),
                error: refused.map(|e| e.message.clone()),
                kept_points: refused.map(|e| e.points.clone()).unwrap_or_default(),
                kept_reason: refused.map(|e| e.reason.clone()).unwrap_or_default(),
            });
        }
    }
    let actions = actions
        .iter()
        .map(|a| action_line(p, course, a, &staff))
        .collect();
    let view = LearnerView {
        title: p.text1(
            "lyceum-instructor-learner-title",
            user.shown_name().to_owned(),
        ),
        head: head(cx, course, "instructor"),
        nav: nav(course, ""),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        // The language they read the course in, when the course has translations: the
        // one they chose, else their interface language when the course is offered in
        // it, else the course's own (as its pages pick).
        content_language: (!course.languages.is_empty()).then(|| {
            let offered = |l: &&str| course.languages.iter().any(|c| c.eq_ignore_ascii_case(l));
            let lang = content_lang
                .or(user.language.as_deref().filter(offered))
                .unwrap_or(&course.source_language);
            crate::format::language_name(lang)
        }),
        grade: whole_percent(report.grade.course.percent),
        letter: report.grade.course.letter.clone(),
        passed: report.grade.course.passed,
        progress_url: format!("{}?learner={}", course.url("progress"), learner.0),
        problems: lines,
        actions,
        back_url: course.url("instructor/gradebook"),
        message_url: crate::handlers::messages::write_url(&user.username, course.key()),
        p: p.clone(),
    };
    let mut r = html_response(view.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

/// A learner's submissions as staff read them, by problem: answers in words (choice
/// labels), weighted points.
fn submission_lines(
    course: &CourseCx,
    subs: Vec<problem_repo::SubmissionRow>,
) -> HashMap<i64, Vec<SubmissionLine>> {
    let tree = course.tree();
    let mut by_block: HashMap<i64, Vec<SubmissionLine>> = HashMap::new();
    for s in subs {
        let Some(idx) = tree.index_of(BlockId(s.block_id)) else {
            continue;
        };
        let Ok(at) = problems::problem_at(course, idx) else {
            continue;
        };
        let answers: Answers = serde_json::from_str(&s.answers).unwrap_or_default();
        let text = answers
            .iter()
            .map(|(k, v)| attempts::answer_text(&at.problem, k, v))
            .collect::<Vec<_>>()
            .join(" | ");
        let (earned, possible) = capa::weighted(s.raw_earned, s.raw_possible, at.content.weight);
        by_block
            .entry(s.block_id)
            .or_default()
            .push(SubmissionLine {
                attempt: s.attempt,
                at: from_millis(s.submitted_at),
                answers: text,
                earned: round2(earned),
                possible: round2(possible),
            });
    }
    by_block
}

/// Override a problem's score, remove the override, or give the attempts back.
pub async fn action(
    cx: Cx,
    Path((key, id, block)): Path<(String, i64, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let (user, content_lang) = course_learner(&cx, &course, id).await?;
    let idx = course
        .tree()
        .index_of(BlockId(block))
        .ok_or(AppError::NotFound)?;
    let at = problems::problem_at(&course, idx)?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let learner = user.id();
    let (env, actor) = (cx.app.env(), cx.actor());
    let notice = match field("action").as_str() {
        "override" => {
            let (points, reason) = (field("points"), field("reason"));
            match app_problems::override_score(&env, &actor, &at, learner, &points, &reason).await {
                Ok(_) => "score-overridden",
                // Refused: the form again, with the message and what was typed.
                Err(e) if e.kind == ErrorKind::Invalid => {
                    let args: Vec<Piece> = e
                        .error
                        .args
                        .iter()
                        .map(|a| Piece::Arg(a.clone().into()))
                        .collect();
                    let refused = OverrideError {
                        block: at.block,
                        message: cx.page.tn(e.error.key.0, &args),
                        points,
                        reason,
                    };
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    return learner_page(
                        &cx,
                        &course,
                        (&user, content_lang.as_deref()),
                        Some(refused),
                        status,
                    )
                    .await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        "remove-override" => {
            app_problems::remove_override(&env, &actor, &at, learner).await?;
            "override-removed"
        }
        "reset-attempts" => {
            app_problems::reset_attempts(&env, &actor, &at, learner).await?;
            "attempts-reset"
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    let back = format!(
        "{}#problem-{block}",
        course.url(&format!("instructor/learners/{}", learner.0))
    );
    Ok(see_other(&with_notice(&back, notice)))
}
