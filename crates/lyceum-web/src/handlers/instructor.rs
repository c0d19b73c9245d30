//! The course team's grading tools: the gradebook (learners × assignments, search and
//! filters), one learner's scores with overrides and attempt resets, rescoring a problem
//! for everyone, the grading policy, and CSV exports of grades and answers. Only the
//! course team (and site admins) may use them; to anyone else they do not exist (404).

use super::courseware::{CourseHead, head};
use crate::courses::{self, CourseCx, decide};
use crate::csv::Csv;
use crate::error::{AppError, AppResult};
use crate::grades::{self, round2, whole_percent};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page, Piece};
use crate::problems;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::blocks::LeafContent;
use lyceum_core::capa::{AnswerValue, Answers};
use lyceum_core::clock::from_millis;
use lyceum_core::course::{NodeKind, StructureSettings};
use lyceum_core::grading::learner::{LearnerGrade, learner_grade};
use lyceum_core::grading::{AssignmentType, GradingPolicy};
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::{BlockId, DomainError, UserId};
use lyceum_store::repo::courses as course_repo;
use lyceum_store::repo::problems::{self as problem_repo, ActionRow, LearnerRow};
use lyceum_store::repo::users;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

const PER_PAGE: i64 = 50;

/// A course whose grades the viewer may see and change, or 404.
pub(crate) async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    decide(
        can(&cx.actor(), Action::Grade, Resource::Course(&course.facts)),
        cx,
        "lyceum-error-forbidden",
    )?;
    Ok(course)
}

pub struct NavLink {
    pub label_key: &'static str,
    pub url: String,
    pub current: bool,
}

pub(crate) fn nav(course: &CourseCx, current: &str) -> Vec<NavLink> {
    let tools = [
        ("gradebook", "lyceum-instructor-gradebook"),
        ("problems", "lyceum-instructor-problems"),
        ("grading", "lyceum-instructor-grading"),
    ];
    // The block kinds' tools (open responses' grading queue…) before course-wide ones.
    let kind_tools = crate::kinds::staff_tools().map(|t| (t.path, t.label_key));
    tools
        .into_iter()
        .chain(kind_tools)
        .chain([("olx", "lyceum-instructor-olx")])
        .map(|(path, key)| NavLink {
            label_key: key,
            url: course.url(&format!("instructor/{path}")),
            current: path == current,
        })
        .collect()
}

/// Graded subsections as columns: node index, label ("Q 2"), title, type.
struct Column {
    node: usize,
    label: String,
    title: String,
    format: String,
}

fn columns(course: &CourseCx, template: &LearnerGrade, policy: &GradingPolicy) -> Vec<Column> {
    let tree = course.tree();
    let labels = grades::labels(tree, template, policy);
    template
        .subsections
        .iter()
        .filter(|s| s.graded)
        .filter_map(|s| {
            let n = tree.node(s.node);
            Some(Column {
                node: s.node,
                label: labels.get(&n.url_name)?.clone(),
                title: n.title.clone(),
                format: s.format.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// The grade of a learner with no scores: the shape of every learner's grade.
fn empty_grade(course: &CourseCx, policy: &GradingPolicy) -> LearnerGrade {
    learner_grade(
        course.tree(),
        &grades::learner_visibility(course),
        policy,
        &HashMap::new(),
        &HashMap::new(),
    )
}

// ---------- Gradebook ----------

#[derive(Deserialize, Default)]
pub struct GradebookQuery {
    q: Option<String>,
    page: Option<i64>,
    /// Only this assignment type's columns.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// `passing` or `failing`.
    status: Option<String>,
}

pub struct HeaderCell {
    pub label: String,
    pub title: String,
}

pub struct GradebookRow {
    pub username: String,
    pub display_name: String,
    pub url: String,
    pub cells: Vec<String>,
    pub grade: i64,
    pub letter: Option<String>,
    pub passed: bool,
}

#[derive(Template)]
#[template(path = "instructor/gradebook.html")]
struct GradebookView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    q: String,
    kind: String,
    status: String,
    types: Vec<String>,
    columns: Vec<HeaderCell>,
    rows: Vec<GradebookRow>,
    total: i64,
    first: i64,
    last: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    grades_csv: String,
    answers_csv: String,
}

pub async fn gradebook(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<GradebookQuery>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let p = &cx.page;
    let policy = course.row.grading();
    let search = q.q.as_deref().map(limits::search_terms);
    let search = search.as_deref().filter(|s| !s.is_empty());
    let kind = q
        .kind
        .as_deref()
        .filter(|k| policy.types.iter().any(|t| t.name == *k));
    let status = q
        .status
        .as_deref()
        .filter(|s| matches!(*s, "passing" | "failing"));
    let page = q.page.unwrap_or(1).max(1);
    let offset = (page - 1).saturating_mul(PER_PAGE);

    let mut c = cx.app.store().conn().await?;
    // A status filter needs every matching learner's grade; otherwise one page is enough.
    let (learners, total, graded): (Vec<LearnerRow>, i64, HashMap<UserId, LearnerGrade>) =
        match status {
            None => {
                let (rows, total) =
                    problem_repo::learners(&mut c, course.id(), search, PER_PAGE, offset).await?;
                drop(c);
                let ids: Vec<UserId> = rows.iter().map(|r| UserId(r.id)).collect();
                let g = grades::grades_of(&cx.app, &course, &ids).await?;
                (rows, total, g)
            }
            Some(want) => {
                let (rows, _) =
                    problem_repo::learners(&mut c, course.id(), search, i64::MAX, 0).await?;
                drop(c);
                let ids: Vec<UserId> = rows.iter().map(|r| UserId(r.id)).collect();
                let g = grades::grades_of(&cx.app, &course, &ids).await?;
                let matching: Vec<LearnerRow> = rows
                    .into_iter()
                    .filter(|r| {
                        g.get(&UserId(r.id))
                            .is_some_and(|g| g.course.passed == (want == "passing"))
                    })
                    .collect();
                let total = matching.len() as i64;
                let page_rows = matching
                    .into_iter()
                    .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                    .take(PER_PAGE as usize)
                    .collect();
                (page_rows, total, g)
            }
        };

    let template = empty_grade(&course, &policy);
    let cols: Vec<Column> = columns(&course, &template, &policy)
        .into_iter()
        .filter(|c| kind.is_none_or(|k| c.format == k))
        .collect();
    let pct = |share: f64| p.text1("lyceum-percent", whole_percent(share));
    let mut header: Vec<HeaderCell> = cols
        .iter()
        .map(|c| HeaderCell {
            label: c.label.clone(),
            title: c.title.clone(),
        })
        .collect();
    let shown_types: Vec<&AssignmentType> = policy
        .types
        .iter()
        .filter(|t| kind.is_none_or(|k| t.name == k))
        .collect();
    for t in &shown_types {
        header.push(HeaderCell {
            label: p.text1(
                "lyceum-instructor-type-average",
                t.short_label.clone().unwrap_or_else(|| t.name.clone()),
            ),
            title: p.text1("lyceum-progress-type-average", t.name.clone()),
        });
    }
    let rows = learners
        .iter()
        .map(|l| {
            let g = graded.get(&UserId(l.id));
            let mut cells: Vec<String> = cols
                .iter()
                .map(|col| {
                    g.and_then(|g| g.subsections.iter().find(|s| s.node == col.node))
                        .map_or_else(|| "–".to_owned(), |s| pct(s.percent))
                })
                .collect();
            for t in &shown_types {
                cells.push(
                    g.and_then(|g| g.course.types.iter().find(|x| x.name == t.name))
                        .map_or_else(|| "–".to_owned(), |x| pct(x.percent)),
                );
            }
            GradebookRow {
                username: l.username.clone(),
                display_name: l.display_name.clone(),
                url: course.url(&format!("instructor/learners/{}", l.id)),
                cells,
                grade: g.map_or(0, |g| whole_percent(g.course.percent)),
                letter: g.and_then(|g| g.course.letter.clone()),
                passed: g.is_some_and(|g| g.course.passed),
            }
        })
        .collect();

    let url_for = |page: i64| {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = search {
            qs.append_pair("q", s);
        }
        if let Some(k) = kind {
            qs.append_pair("type", k);
        }
        if let Some(s) = status {
            qs.append_pair("status", s);
        }
        qs.append_pair("page", &page.to_string());
        format!("{}?{}", course.url("instructor/gradebook"), qs.finish())
    };
    let shown = learners.len() as i64;
    let view = GradebookView {
        title: p.text("lyceum-instructor-gradebook"),
        head: head(&cx, &course, "instructor"),
        nav: nav(&course, "gradebook"),
        q: search.unwrap_or_default().to_owned(),
        kind: kind.unwrap_or_default().to_owned(),
        status: status.unwrap_or_default().to_owned(),
        types: policy.types.iter().map(|t| t.name.clone()).collect(),
        columns: header,
        rows,
        total,
        first: if shown == 0 { 0 } else { offset + 1 },
        last: offset + shown,
        prev_url: (page > 1).then(|| url_for(page - 1)),
        next_url: (offset + shown < total).then(|| url_for(page + 1)),
        grades_csv: course.url("instructor/grades.csv"),
        answers_csv: course.url("instructor/answers.csv"),
        p: p.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

// ---------- One learner ----------

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

pub struct ActionLine {
    pub at: Timestamp,
    pub staff: String,
    pub text: Html,
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
    grade: i64,
    letter: Option<String>,
    passed: bool,
    progress_url: String,
    problems: Vec<ProblemLine>,
    actions: Vec<ActionLine>,
    back_url: String,
}

/// The learner `id` of this course (enrolled), or 404.
async fn course_learner(
    cx: &Cx,
    course: &CourseCx,
    id: i64,
) -> AppResult<lyceum_store::repo::users::UserRow> {
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
    let enrolled = course_repo::find_for_viewer(&mut c, course.key(), Some(learner))
        .await?
        .is_some_and(|(_, v)| v.enrolled);
    users::get_user(&mut c, learner)
        .await?
        .filter(|_| enrolled)
        .ok_or(AppError::NotFound)
}

pub async fn learner(cx: Cx, Path((key, id)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let user = course_learner(&cx, &course, id).await?;
    learner_page(&cx, &course, &user, None, StatusCode::OK).await
}

async fn learner_page(
    cx: &Cx,
    course: &CourseCx,
    user: &lyceum_store::repo::users::UserRow,
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
    let staff: HashMap<i64, String> = users::get_users(&mut c, &staff_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.shown_name().to_owned()))
        .collect();
    drop(c);
    let tree = course.tree();
    let mut by_block: HashMap<i64, Vec<SubmissionLine>> = HashMap::new();
    for s in subs {
        let Some(idx) = tree.index_of(BlockId(s.block_id)) else {
            continue;
        };
        let Ok((content, problem)) = problems::problem_at(course, idx) else {
            continue;
        };
        let answers: Answers = serde_json::from_str(&s.answers).unwrap_or_default();
        let text = answers
            .iter()
            .map(|(k, v)| problems::answer_text(&problem, k, v))
            .collect::<Vec<_>>()
            .join(" | ");
        let (earned, possible) =
            lyceum_core::capa::weighted(s.raw_earned, s.raw_possible, content.weight);
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
    let mut lines = Vec::new();
    for sub in &report.grade.subsections {
        for pg in &sub.problems {
            let node = tree.node(pg.node);
            let unit = tree.parent(pg.node).unwrap_or(pg.node);
            let max_attempts = match &node.content {
                Some(Ok(LeafContent::Problem(c))) => c.max_attempts,
                _ => None,
            };
            let title = if node.title.is_empty() {
                tree.node(unit).title.clone()
            } else {
                node.title.clone()
            };
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
        grade: whole_percent(report.grade.course.percent),
        letter: report.grade.course.letter.clone(),
        passed: report.grade.course.passed,
        progress_url: format!("{}?learner={}", course.url("progress"), learner.0),
        problems: lines,
        actions,
        back_url: course.url("instructor/gradebook"),
        p: p.clone(),
    };
    let mut r = html_response(view.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

fn action_line(
    p: &Page,
    course: &CourseCx,
    a: &ActionRow,
    staff: &HashMap<i64, String>,
) -> ActionLine {
    let tree = course.tree();
    let problem = a.block_id.and_then(|b| tree.index_of(BlockId(b))).map(|i| {
        let n = tree.node(i);
        if n.title.is_empty() {
            tree.parent(i)
                .map(|u| tree.node(u).title.clone())
                .unwrap_or_default()
        } else {
            n.title.clone()
        }
    });
    let problem = problem.unwrap_or_default();
    let detail: serde_json::Value = serde_json::from_str(&a.detail).unwrap_or_default();
    let num = |k: &str| {
        detail
            .get(k)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0)
    };
    let text = match a.action.as_str() {
        "override" => p.tn(
            "lyceum-instructor-log-override",
            &[
                Piece::Isolated(problem.to_owned()),
                Piece::Arg(num("points").into()),
                Piece::Arg(
                    detail
                        .get("reason")
                        .and_then(|r| r.as_str())
                        .unwrap_or_default()
                        .to_owned()
                        .into(),
                ),
            ],
        ),
        "remove-override" => p.t1("lyceum-instructor-log-remove-override", p.bdi(&problem)),
        "reset-attempts" => p.t1("lyceum-instructor-log-reset-attempts", p.bdi(&problem)),
        "rescore" => p.tn(
            "lyceum-instructor-log-rescore",
            &[
                Piece::Isolated(problem.to_owned()),
                Piece::Arg((num("learners") as i64).into()),
                Piece::Arg((num("changed") as i64).into()),
            ],
        ),
        "policy" => p.t("lyceum-instructor-log-policy"),
        // Open responses log their note or reason as plain text. Titles and notes are
        // isolated: an English title in an Arabic sentence keeps its order.
        "or-staff-assessment" => p.t1("lyceum-instructor-log-or-graded", p.bdi(&problem)),
        "or-peer-review-added" => p.t1("lyceum-instructor-log-or-peer-added", p.bdi(&problem)),
        "or-returned" => p.t2(
            "lyceum-instructor-log-or-returned",
            p.bdi(&problem),
            p.bdi(&a.detail),
        ),
        "or-assessment-cancelled" => p.t2(
            "lyceum-instructor-log-or-cancelled",
            p.bdi(&problem),
            p.bdi(&a.detail),
        ),
        "or-peer-excused" => p.t1("lyceum-instructor-log-or-excused", p.bdi(&problem)),
        "or-peer-unexcused" => p.t1("lyceum-instructor-log-or-unexcused", p.bdi(&problem)),
        // An action a newer version logs: said in words, never by its internal name.
        _ => p.t1("lyceum-instructor-log-other", p.bdi(&problem)),
    };
    ActionLine {
        at: from_millis(a.created_at),
        staff: a
            .staff_id
            .and_then(|s| staff.get(&s).cloned())
            .unwrap_or_else(|| "–".to_owned()),
        text,
    }
}

/// Override a problem's score, remove the override, or give the attempts back.
pub async fn learner_action(
    cx: Cx,
    Path((key, id, block)): Path<(String, i64, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let user = course_learner(&cx, &course, id).await?;
    let staff = cx.require_user()?.id();
    let tree = course.tree();
    let idx = tree.index_of(BlockId(block)).ok_or(AppError::NotFound)?;
    let (content, _) = problems::problem_at(&course, idx)?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let learner = user.id();
    let block = BlockId(block);
    let now = cx.app.now_ms();
    let back = format!(
        "{}#problem-{}",
        course.url(&format!("instructor/learners/{}", learner.0)),
        block.0
    );
    match field("action").as_str() {
        "override" => {
            let (_, possible) = content.possible();
            let points = field("points")
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0 && *x <= possible + 1e-9);
            let typed_reason = field("reason");
            let reason = limits::clean(&typed_reason, limits::REASON);
            let error = match (points, &reason) {
                (None, _) => Some(
                    DomainError::new("lyceum-error-override-points")
                        .with_arg(round2(possible).to_string()),
                ),
                (_, Err(e)) => Some(e.clone()),
                (_, Ok(r)) if r.is_empty() => {
                    Some(DomainError::new("lyceum-error-override-reason"))
                }
                _ => None,
            };
            let reason = reason.unwrap_or_default();
            if let Some(e) = error {
                let args: Vec<Piece> = e
                    .args
                    .iter()
                    .map(|a| Piece::Arg(a.clone().into()))
                    .collect();
                let msg = cx.page.tn(e.key.0, &args);
                return learner_page(
                    &cx,
                    &course,
                    &user,
                    Some(OverrideError {
                        block,
                        message: msg,
                        points: field("points"),
                        reason: typed_reason,
                    }),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            let points = points.unwrap_or(0.0);
            let mut tx = cx.app.store().begin().await?;
            problem_repo::set_override(
                &mut tx,
                &problem_repo::NewOverride {
                    user: learner,
                    block,
                    course: course.id(),
                    earned: points,
                    reason: &reason,
                    staff,
                    now,
                },
            )
            .await?;
            let detail = serde_json::json!({"points": points, "reason": reason}).to_string();
            problem_repo::log_action(
                &mut tx,
                &problem_repo::GradeAction {
                    course: course.id(),
                    user: Some(learner),
                    block: Some(block),
                    staff,
                    action: "override",
                    detail: &detail,
                    now,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(see_other(&with_notice(&back, "score-overridden")))
        }
        "remove-override" => {
            let mut tx = cx.app.store().begin().await?;
            if problem_repo::remove_override(&mut tx, learner, block).await? > 0 {
                problem_repo::log_action(
                    &mut tx,
                    &problem_repo::GradeAction {
                        course: course.id(),
                        user: Some(learner),
                        block: Some(block),
                        staff,
                        action: "remove-override",
                        detail: "{}",
                        now,
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok(see_other(&with_notice(&back, "override-removed")))
        }
        "reset-attempts" => {
            let mut tx = cx.app.store().begin().await?;
            if problem_repo::reset_attempts(&mut tx, learner, block, now).await? > 0 {
                problem_repo::log_action(
                    &mut tx,
                    &problem_repo::GradeAction {
                        course: course.id(),
                        user: Some(learner),
                        block: Some(block),
                        staff,
                        action: "reset-attempts",
                        detail: "{}",
                        now,
                    },
                )
                .await?;
            }
            tx.commit().await?;
            Ok(see_other(&with_notice(&back, "attempts-reset")))
        }
        _ => Err(AppError::bad_request("lyceum-error-bad-form")),
    }
}

// ---------- Problems and rescoring ----------

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

pub async fn problem_list(
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
    let staff: HashMap<i64, String> = users::get_users(&mut c, &staff_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.shown_name().to_owned()))
        .collect();
    drop(c);
    let tree = course.tree();
    let mut rows = Vec::new();
    for &unit in tree.units() {
        for &leaf in tree.children(unit) {
            let node = tree.node(leaf);
            let Some(Ok(LeafContent::Problem(content))) = &node.content else {
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
                title: if node.title.is_empty() {
                    tree.node(unit).title.clone()
                } else {
                    node.title.clone()
                },
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
    let staff = cx.require_user()?.id();
    let tree = course.tree();
    let idx = tree.index_of(BlockId(block)).ok_or(AppError::NotFound)?;
    let summary = problems::rescore(&cx.app, &course, idx, staff).await?;
    let node = tree.node(idx);
    let title = if node.title.is_empty() {
        tree.parent(idx)
            .map(|u| tree.node(u).title.clone())
            .unwrap_or_default()
    } else {
        node.title.clone()
    };
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

// ---------- Grading policy ----------

pub struct TypeRow {
    pub i: usize,
    pub name: String,
    pub short_label: String,
    pub weight: String,
    pub min_count: String,
    pub drop_count: String,
}

pub struct CutoffRow {
    pub i: usize,
    pub name: String,
    pub value: String,
}

pub struct SubsectionRow {
    pub id: i64,
    pub location: String,
    pub title: String,
    pub format: String,
    /// `YYYY-MM-DDTHH:MM` in the viewer's time zone, for `datetime-local`.
    pub due: String,
}

#[derive(Template)]
#[template(path = "instructor/grading.html")]
struct GradingView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    can_edit: bool,
    types: Vec<TypeRow>,
    type_names: Vec<String>,
    cutoffs: Vec<CutoffRow>,
    grace_hours: String,
    subsections: Vec<SubsectionRow>,
    error: Option<Html>,
    form_url: String,
}

fn number_text(x: f64) -> String {
    let r = round2(x);
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        r.to_string()
    }
}

fn grading_form(
    cx: &Cx,
    course: &CourseCx,
    policy: &GradingPolicy,
    subs: Vec<SubsectionRow>,
    error: Option<Html>,
) -> GradingView {
    let p = &cx.page;
    let mut types: Vec<TypeRow> = policy
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| TypeRow {
            i,
            name: t.name.clone(),
            short_label: t.short_label.clone().unwrap_or_default(),
            weight: number_text(t.weight * 100.0),
            min_count: t.min_count.to_string(),
            drop_count: t.drop_count.to_string(),
        })
        .collect();
    // Two empty rows to add types without script.
    for _ in 0..2 {
        types.push(TypeRow {
            i: types.len(),
            name: String::new(),
            short_label: String::new(),
            weight: String::new(),
            min_count: String::new(),
            drop_count: String::new(),
        });
    }
    let mut cutoffs: Vec<CutoffRow> = policy
        .cutoffs
        .iter()
        .enumerate()
        .map(|(i, (n, v))| CutoffRow {
            i,
            name: n.clone(),
            value: number_text(v * 100.0),
        })
        .collect();
    while cutoffs.len() < 5 {
        cutoffs.push(CutoffRow {
            i: cutoffs.len(),
            name: String::new(),
            value: String::new(),
        });
    }
    GradingView {
        title: p.text("lyceum-instructor-grading"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "grading"),
        can_edit: can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed(),
        type_names: policy.types.iter().map(|t| t.name.clone()).collect(),
        types,
        cutoffs,
        grace_hours: number_text(policy.grace_period_secs as f64 / 3600.0),
        subsections: subs,
        error,
        form_url: course.url("instructor/grading"),
        p: p.clone(),
    }
}

fn subsection_rows(p: &Page, course: &CourseCx) -> Vec<SubsectionRow> {
    let tree = course.tree();
    let mut out = Vec::new();
    for &s in tree.sections() {
        for &ss in tree.children(s) {
            let n = tree.node(ss);
            if n.kind != NodeKind::Subsection {
                continue;
            }
            out.push(SubsectionRow {
                id: n.id.0,
                location: tree.node(s).title.clone(),
                title: n.title.clone(),
                format: if n.settings.graded {
                    n.settings.format.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                due: n
                    .settings
                    .due
                    .map(|d| {
                        d.to_zoned(p.tz.clone())
                            .strftime("%Y-%m-%dT%H:%M")
                            .to_string()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    out
}

pub async fn grading(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let view = grading_form(
        &cx,
        &course,
        &course.row.grading(),
        subsection_rows(&cx.page, &course),
        None,
    );
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// A number typed by a person: surrounding spaces and a decimal comma are fine.
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The policy and subsection settings from the form, or what is wrong with them.
fn parse_grading_form(
    pairs: &[(String, String)],
    tz: &jiff::tz::TimeZone,
    subs: &[SubsectionRow],
) -> Result<(GradingPolicy, Vec<(i64, StructureSettings)>), DomainError> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut types = Vec::new();
    for i in 0..50 {
        let name = limits::clean(&field(&format!("type_name_{i}")), limits::TITLE)?;
        if name.is_empty() {
            continue;
        }
        let weight = parse_number(&field(&format!("type_weight_{i}"))).ok_or_else(|| {
            DomainError::new("lyceum-error-grading-weight").with_arg(name.clone())
        })?;
        let count = |f: &str, key: &'static str| -> Result<u32, DomainError> {
            let v = field(&format!("{f}_{i}"));
            if v.is_empty() {
                return Ok(0);
            }
            v.parse::<u32>()
                .map_err(|_| DomainError::new(key).with_arg(name.clone()))
        };
        let short = limits::clean(&field(&format!("type_label_{i}")), limits::SHORT_LABEL)?;
        types.push(AssignmentType {
            min_count: count("type_min", "lyceum-error-grading-min-count")?,
            drop_count: count("type_drop", "lyceum-error-grading-drop-count")?,
            weight: weight / 100.0,
            short_label: (!short.is_empty()).then_some(short),
            name,
        });
    }
    let mut cutoffs = Vec::new();
    for i in 0..5 {
        let name = limits::clean(&field(&format!("cutoff_name_{i}")), limits::SHORT_LABEL)?;
        if name.is_empty() {
            continue;
        }
        let v = parse_number(&field(&format!("cutoff_value_{i}"))).ok_or_else(|| {
            DomainError::new("lyceum-error-grading-cutoff-value").with_arg(name.clone())
        })?;
        cutoffs.push((name, v / 100.0));
    }
    cutoffs.sort_by(|a, b| b.1.total_cmp(&a.1));
    let grace = parse_number(&field("grace_hours"))
        .filter(|h| *h >= 0.0 && *h <= limits::range::GRACE_HOURS)
        .ok_or_else(|| DomainError::new("lyceum-error-grading-grace"))?;
    let policy = GradingPolicy {
        types,
        cutoffs,
        grace_period_secs: (grace * 3600.0).round() as u64,
    };
    policy.validate()?;
    let mut settings = Vec::new();
    for s in subs {
        let format = field(&format!("format_{}", s.id));
        if !format.is_empty() && !policy.types.iter().any(|t| t.name == format) {
            return Err(DomainError::new("lyceum-error-grading-format")
                .with_arg(format)
                .with_arg(s.title.clone()));
        }
        let due_text = field(&format!("due_{}", s.id));
        let due = if due_text.is_empty() {
            None
        } else {
            let civil: jiff::civil::DateTime = due_text.parse().map_err(|_| {
                DomainError::new("lyceum-error-grading-due").with_arg(s.title.clone())
            })?;
            Some(
                civil
                    .to_zoned(tz.clone())
                    .map_err(|_| {
                        DomainError::new("lyceum-error-grading-due").with_arg(s.title.clone())
                    })?
                    .timestamp(),
            )
        };
        settings.push((
            s.id,
            StructureSettings {
                graded: !format.is_empty(),
                format: (!format.is_empty()).then_some(format),
                due,
            },
        ));
    }
    Ok((policy, settings))
}

pub async fn save_grading(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    decide(
        can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)),
        &cx,
        "lyceum-error-grading-edit",
    )?;
    let staff = cx.require_user()?.id();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let subs = subsection_rows(&cx.page, &course);
    let (policy, settings) = match parse_grading_form(&pairs, &cx.page.tz, &subs) {
        Ok(x) => x,
        Err(e) => {
            // Show the form as typed, with what is wrong.
            let args: Vec<Piece> = e
                .args
                .iter()
                .map(|a| Piece::Arg(a.clone().into()))
                .collect();
            let msg = cx.page.tn(e.key.0, &args);
            let field = |name: String| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut view = grading_form(&cx, &course, &course.row.grading(), subs, Some(msg));
            for t in &mut view.types {
                t.name = field(format!("type_name_{}", t.i));
                t.short_label = field(format!("type_label_{}", t.i));
                t.weight = field(format!("type_weight_{}", t.i));
                t.min_count = field(format!("type_min_{}", t.i));
                t.drop_count = field(format!("type_drop_{}", t.i));
            }
            for c in &mut view.cutoffs {
                c.name = field(format!("cutoff_name_{}", c.i));
                c.value = field(format!("cutoff_value_{}", c.i));
            }
            view.grace_hours = field("grace_hours".into());
            for s in &mut view.subsections {
                s.format = field(format!("format_{}", s.id));
                s.due = field(format!("due_{}", s.id));
            }
            let mut r = html_response(view.render().map_err(AppError::internal)?);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let tree = course.tree();
    let now = cx.app.now_ms();
    let mut tx = cx.app.store().begin().await?;
    course_repo::set_grading_policy(&mut tx, course.id(), &policy, now).await?;
    let mut changed = false;
    for (id, s) in settings {
        let Some(idx) = tree.index_of(BlockId(id)) else {
            continue;
        };
        let node = tree.node(idx);
        if node.settings != s {
            let content = serde_json::to_string(&s).map_err(AppError::internal)?;
            course_repo::update_block(&mut tx, node.id, &node.title, &content, Some(staff), now)
                .await?;
            changed = true;
        }
    }
    if changed {
        course_repo::bump_content_version(&mut tx, course.id(), now).await?;
    }
    problem_repo::log_action(
        &mut tx,
        &problem_repo::GradeAction {
            course: course.id(),
            user: None,
            block: None,
            staff,
            action: "policy",
            detail: &serde_json::to_string(&policy).map_err(AppError::internal)?,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&with_notice(
        &course.url("instructor/grading"),
        "saved",
    )))
}

// ---------- Exports ----------

/// Grades of every enrolled learner: one row each, Open edX's grade report columns.
pub async fn grades_csv(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let policy = course.row.grading();
    let mut c = cx.app.store().conn().await?;
    let (learners, _) = problem_repo::learners(&mut c, course.id(), None, i64::MAX, 0).await?;
    drop(c);
    let ids: Vec<UserId> = learners.iter().map(|l| UserId(l.id)).collect();
    let graded = grades::grades_of(&cx.app, &course, &ids).await?;
    let template = empty_grade(&course, &policy);
    let cols = columns(&course, &template, &policy);
    let mut csv = Csv::new();
    let mut head = vec![
        "user_id".to_owned(),
        "username".to_owned(),
        "grade".to_owned(),
        "letter_grade".to_owned(),
        "passed".to_owned(),
    ];
    head.extend(cols.iter().map(|c| c.label.clone()));
    head.extend(policy.types.iter().map(|t| {
        format!(
            "{} (avg)",
            t.short_label.clone().unwrap_or_else(|| t.name.clone())
        )
    }));
    csv.row(&head);
    for l in &learners {
        let Some(g) = graded.get(&UserId(l.id)) else {
            continue;
        };
        let mut row = vec![
            l.id.to_string(),
            l.username.clone(),
            number_text(g.course.percent),
            g.course.letter.clone().unwrap_or_default(),
            g.course.passed.to_string(),
        ];
        row.extend(cols.iter().map(|c| {
            g.subsections
                .iter()
                .find(|s| s.node == c.node)
                .map(|s| number_text(s.percent))
                .unwrap_or_default()
        }));
        row.extend(policy.types.iter().map(|t| {
            g.course
                .types
                .iter()
                .find(|x| x.name == t.name)
                .map(|x| number_text(x.percent))
                .unwrap_or_default()
        }));
        csv.row(&row);
    }
    Ok(csv.into_download(&format!("{}-grades.csv", course.key())))
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
        let Ok((content, problem)) = problems::problem_at(&course, idx) else {
            continue;
        };
        let node = tree.node(idx);
        let answers: Answers = serde_json::from_str(&s.answers).unwrap_or_default();
        let results: problems::Results = serde_json::from_str(&s.results).unwrap_or_default();
        let (earned, possible) =
            lyceum_core::capa::weighted(s.raw_earned, s.raw_possible, content.weight);
        let when = super::super::api::time(Some(s.submitted_at)).unwrap_or_default();
        let title = if node.title.is_empty() {
            tree.parent(idx)
                .map(|u| tree.node(u).title.clone())
                .unwrap_or_default()
        } else {
            node.title.clone()
        };
        for input in problem.inputs() {
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
                    .map(|v| problems::answer_text(&problem, &input.id, v))
                    .unwrap_or_default(),
                correctness,
                number_text(earned),
                number_text(possible),
            ]);
        }
    }
    Ok(csv.into_download(&format!("{}-answers.csv", course.key())))
}
