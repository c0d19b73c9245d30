//! `/admin/courses`: every course on the site, whatever its status, filtered by
//! organisation, status and text, with links to the course, its Studio and its team.

use super::{NavLink, nav, page_number, page_url, render, require_admin};
use crate::error::AppResult;
use crate::handlers::catalog::content_dir;
use crate::page::{Cx, Page};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::clock::from_millis;
use lyceum_core::limits;
use lyceum_store::repo::{admin as repo, orgs};
use serde::Deserialize;

const PER_PAGE: i64 = 50;

/// The statuses a course can have, with their labels.
pub const STATUSES: [(&str, &str); 4] = [
    ("draft", "lyceum-admin-status-draft"),
    ("review", "lyceum-admin-status-review"),
    ("published", "lyceum-admin-status-published"),
    ("archived", "lyceum-admin-status-archived"),
];

#[derive(Deserialize, Default)]
pub struct CoursesQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

pub struct CourseLine {
    pub title: String,
    pub key: String,
    pub language: String,
    pub dir: &'static str,
    pub org_name: String,
    pub org_url: String,
    pub status_key: &'static str,
    pub start: Option<Timestamp>,
    pub learners: i64,
    pub about_url: String,
    pub studio_url: String,
    pub team_url: String,
}

#[derive(Template)]
#[template(path = "admin/courses.html")]
struct CoursesView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    org: String,
    status: String,
    q: String,
    orgs: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    courses: Vec<CourseLine>,
    first: i64,
    last: i64,
    total: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

pub async fn list(cx: Cx, Query(cq): Query<CoursesQuery>) -> AppResult<Response> {
    require_admin(&cx)?;
    let terms = limits::search_terms(&cq.q);
    let status = STATUSES
        .iter()
        .find(|(s, _)| *s == cq.status)
        .map(|(s, _)| *s);
    let page = page_number(cq.page);
    let (org_rows, (rows, total)) = {
        let mut c = cx.app.store().conn().await?;
        let org_rows = orgs::list(&mut c).await?;
        let org = org_rows
            .iter()
            .find(|o| o.slug == cq.org)
            .map(|o| o.slug.as_str());
        let found = repo::courses(
            &mut c,
            &repo::CourseFilter {
                org,
                status,
                text: (!terms.is_empty()).then_some(terms.as_str()),
            },
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?;
        (org_rows, found)
    };
    let first = if rows.is_empty() {
        0
    } else {
        (page - 1) * PER_PAGE + 1
    };
    let last = (page - 1) * PER_PAGE + rows.len() as i64;
    let params = [
        ("org", cq.org.as_str()),
        ("status", status.unwrap_or_default()),
        ("q", terms.as_str()),
    ];
    let status_key = |s: &str| {
        STATUSES
            .iter()
            .find(|(v, _)| *v == s)
            .map_or("lyceum-admin-status-draft", |(_, k)| *k)
    };
    render(&CoursesView {
        title: cx.page.text("lyceum-admin-courses-title"),
        nav: nav("/admin/courses"),
        orgs: org_rows.into_iter().map(|o| (o.slug, o.name)).collect(),
        statuses: STATUSES.to_vec(),
        courses: rows
            .into_iter()
            .map(|r| {
                let base = format!("/courses/{}", r.course_key);
                CourseLine {
                    about_url: format!("{base}/about"),
                    studio_url: format!("{base}/studio"),
                    team_url: format!("{base}/team"),
                    dir: content_dir(&r.language),
                    org_url: format!("/orgs/{}", r.org_slug),
                    status_key: status_key(&r.status),
                    start: r.start_at.map(from_millis),
                    title: r.title,
                    key: r.course_key,
                    language: r.language,
                    org_name: r.org_name,
                    learners: r.learners,
                }
            })
            .collect(),
        first,
        last,
        total,
        prev_url: (page > 1).then(|| page_url("/admin/courses", &params, page - 1)),
        next_url: (last < total).then(|| page_url("/admin/courses", &params, page + 1)),
        org: cq.org,
        status: status.unwrap_or_default().to_owned(),
        q: terms,
        p: cx.page.clone(),
    })
}
