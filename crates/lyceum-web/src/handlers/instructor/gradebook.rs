//! The gradebook: every enrolled learner's subsection grades and averages by assignment
//! type, with search, filters and pages; and the same as grades.csv.

use super::{NavLink, load, nav, number_text};
use crate::courses::CourseCx;
use crate::csv::Csv;
use crate::error::{AppError, AppResult};
use crate::grades::{self, whole_percent};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::html_response;
use crate::page::{Cx, Page};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use lyceum_core::UserId;
use lyceum_core::grading::learner::{LearnerGrade, learner_grade};
use lyceum_core::grading::{AssignmentType, GradingPolicy};
use lyceum_core::limits;
use lyceum_store::repo::problems::{self as problem_repo, LearnerRow};
use serde::Deserialize;
use std::collections::HashMap;

const PER_PAGE: i64 = 50;

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

pub async fn page(
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

    let (learners, total, graded) = learners_page(&cx, &course, search, status, offset).await?;

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

/// One page of learners matching the search (and, with a status filter, passing or
/// failing: that needs every matching learner's grade), how many match, and their grades.
async fn learners_page(
    cx: &Cx,
    course: &CourseCx,
    search: Option<&str>,
    status: Option<&str>,
    offset: i64,
) -> AppResult<(Vec<LearnerRow>, i64, HashMap<UserId, LearnerGrade>)> {
    // A status filter needs every matching learner's grade; otherwise one page is enough.
    let mut c = cx.app.store().conn().await?;
    Ok(match status {
        None => {
            let (rows, total) =
                problem_repo::learners(&mut c, course.id(), search, PER_PAGE, offset).await?;
            drop(c);
            let ids: Vec<UserId> = rows.iter().map(|r| UserId(r.id)).collect();
            let g = grades::grades_of(&cx.app, course, &ids).await?;
            (rows, total, g)
        }
        Some(want) => {
            let (rows, _) =
                problem_repo::learners(&mut c, course.id(), search, i64::MAX, 0).await?;
            drop(c);
            let ids: Vec<UserId> = rows.iter().map(|r| UserId(r.id)).collect();
            let g = grades::grades_of(&cx.app, course, &ids).await?;
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
    })
}

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
