//! Site administration (`/admin`): organisations, people, every course, the audit log,
//! the site settings and the background jobs, for site administrators only — to anyone else these pages do
//! not exist (visitors are asked to log in first). The work is `lyceum_app::{orgs,
//! users, settings}`; organisations' own pages (which their admins use too) are
//! `handlers::orgs`.

pub mod audit;
pub mod courses;
pub mod jobs;
pub mod orgs;
pub mod settings;
pub mod users;

use crate::error::{AppError, AppResult};
use crate::handlers::html_response;
use crate::page::{Cx, Html, Page, Piece};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use lyceum_core::permissions::{Action, Decision, Resource, can};

/// Every route of site administration, and the organisations' pages.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/orgs", get(orgs::list).post(orgs::create))
        .route("/admin/users", get(users::search))
        .route("/admin/users/{username}", get(users::page))
        .route("/admin/users/{username}/block", post(users::block))
        .route("/admin/users/{username}/unblock", post(users::unblock))
        .route("/admin/users/{username}/admin", post(users::set_admin))
        .route("/admin/users/{username}/creator", post(users::set_creator))
        .route("/admin/users/{username}/trust", post(users::trust))
        .route("/admin/users/{username}/untrust", post(users::untrust))
        .route("/admin/courses", get(courses::list))
        .route("/admin/audit", get(audit::page))
        .route("/admin/settings", get(settings::page).post(settings::save))
        .route("/admin/jobs", get(jobs::page))
        .route("/admin/jobs/{id}/retry", post(jobs::retry))
        .route("/api/v1/admin/audit", get(audit::api))
        .merge(crate::handlers::orgs::routes())
}

/// Site administrators only: visitors log in first; to anyone else the page does not
/// exist.
pub(crate) fn require_admin(cx: &Cx) -> AppResult<()> {
    match can(&cx.actor(), Action::Administer, Resource::Site) {
        Decision::Allow => Ok(()),
        Decision::NeedLogin => Err(AppError::LoginRequired {
            return_to: cx.page.path.clone(),
        }),
        _ => Err(AppError::NotFound),
    }
}

pub struct NavLink {
    pub label_key: &'static str,
    pub url: &'static str,
    pub current: bool,
}

/// The administration's sections, `current` marked.
pub(crate) fn nav(current: &str) -> Vec<NavLink> {
    [
        ("/admin/orgs", "lyceum-admin-nav-orgs"),
        ("/admin/users", "lyceum-admin-nav-users"),
        ("/admin/courses", "lyceum-admin-nav-courses"),
        ("/admin/audit", "lyceum-admin-nav-audit"),
        ("/admin/settings", "lyceum-admin-nav-settings"),
        ("/admin/jobs", "lyceum-admin-nav-jobs"),
    ]
    .into_iter()
    .map(|(url, label_key)| NavLink {
        label_key,
        url,
        current: url == current,
    })
    .collect()
}

pub(crate) fn render(view: &impl Template) -> AppResult<Response> {
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

pub(crate) fn render_status(status: StatusCode, view: &impl Template) -> AppResult<Response> {
    let mut r = html_response(view.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

/// An error a form can show above itself (bad input, a conflict, a refusal), with its
/// status; anything else goes to the error page.
pub(crate) fn form_error(page: &Page, e: impl Into<AppError>) -> AppResult<(StatusCode, Html)> {
    match e.into() {
        AppError::Invalid { status, error } => {
            let args: Vec<Piece> = error
                .args
                .iter()
                .map(|a| Piece::Arg(a.clone().into()))
                .collect();
            Ok((status, page.tn(error.key.0, &args)))
        }
        AppError::Forbidden(key) => Ok((StatusCode::FORBIDDEN, page.t(key))),
        other => Err(other),
    }
}

/// A page number from the query (1 and up).
pub(crate) fn page_number(n: Option<i64>) -> i64 {
    n.unwrap_or(1).clamp(1, 100_000)
}

/// A link to another page of a list, keeping its filters.
pub(crate) fn page_url(base: &str, params: &[(&str, &str)], page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    let q = s.finish();
    if q.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{q}")
    }
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct HomeView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    sections: Vec<(&'static str, &'static str, &'static str)>,
}

pub async fn home(cx: Cx) -> AppResult<Response> {
    require_admin(&cx)?;
    render(&HomeView {
        title: cx.page.text("lyceum-admin-title"),
        nav: nav("/admin"),
        sections: vec![
            (
                "/admin/orgs",
                "lyceum-admin-nav-orgs",
                "lyceum-admin-home-orgs",
            ),
            (
                "/admin/users",
                "lyceum-admin-nav-users",
                "lyceum-admin-home-users",
            ),
            (
                "/admin/courses",
                "lyceum-admin-nav-courses",
                "lyceum-admin-home-courses",
            ),
            (
                "/admin/audit",
                "lyceum-admin-nav-audit",
                "lyceum-admin-home-audit",
            ),
            (
                "/admin/settings",
                "lyceum-admin-nav-settings",
                "lyceum-admin-home-settings",
            ),
            (
                "/admin/jobs",
                "lyceum-admin-nav-jobs",
                "lyceum-admin-home-jobs",
            ),
        ],
        p: cx.page.clone(),
    })
}
