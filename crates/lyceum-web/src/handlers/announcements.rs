//! Course announcements (issue 15): the team's page to write them (with each audience's
//! size beside its choice) and delete them, `/courses/{key}/instructor/announcements`;
//! the latest ones on the course home; and the JSON API
//! (`/api/v1/courses/{course_id}/announcements`). The work is
//! `lyceum_app::announcements`.

use crate::courses::CourseCx;
use crate::error::{AppError, AppResult};
use crate::handlers::admin::{form_error, render, render_status};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, load, nav};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path};
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use lyceum_app::announcements::{self as uc, Target};
use lyceum_core::clock::from_millis;
use lyceum_core::limits;
use lyceum_store::repo::announcements::AnnouncementRow;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/courses/{key}/instructor/announcements",
            get(page).post(post_form),
        )
        .route(
            "/courses/{key}/instructor/announcements/{id}/delete",
            post(delete),
        )
        .merge(crate::api::announcements::routes())
}

/// How many the course home shows.
const ON_HOME: i64 = 3;

/// One announcement as pages show it.
pub struct AnnouncementItem {
    pub id: i64,
    pub title: String,
    pub html: Html,
    pub author: String,
    pub at: Timestamp,
    pub audience_key: &'static str,
    pub recipients: i64,
    pub delete_url: String,
}

pub fn audience_key(audience: &str) -> &'static str {
    match audience {
        "not-started" => "lyceum-announcement-audience-not-started",
        "not-passed" => "lyceum-announcement-audience-not-passed",
        _ => "lyceum-announcement-audience-all",
    }
}

fn item(p: &Page, course: &CourseCx, a: AnnouncementRow) -> AnnouncementItem {
    AnnouncementItem {
        delete_url: course.url(&format!("instructor/announcements/{}/delete", a.id)),
        id: a.id,
        html: course.author_html(p, &a.html),
        author: match (&a.author_display_name, &a.author_username) {
            (Some(d), _) if !d.trim().is_empty() => d.clone(),
            (_, Some(u)) => u.clone(),
            _ => p.text("lyceum-account-deleted-user"),
        },
        title: a.title,
        at: from_millis(a.created_at),
        audience_key: audience_key(&a.audience),
        recipients: a.recipients,
    }
}

/// The latest announcements for the course home (one statement); the caller showed the
/// page only to those who see the courseware.
pub async fn on_home(cx: &Cx, course: &CourseCx) -> AppResult<Vec<AnnouncementItem>> {
    let rows = uc::of_course(&cx.app.env(), course.id(), ON_HOME).await?;
    Ok(rows
        .into_iter()
        .map(|a| item(&cx.page, course, a))
        .collect())
}

pub struct AudienceChoice {
    pub value: &'static str,
    pub label_key: &'static str,
    pub count: i64,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "instructor/announcements.html")]
struct AnnouncementsView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    action: String,
    audiences: Vec<AudienceChoice>,
    announcements: Vec<AnnouncementItem>,
    form_title: String,
    body: String,
    title_max: usize,
    body_max: usize,
    error: Option<Html>,
}

async fn view(cx: &Cx, key: &str, chosen: &str) -> AppResult<AnnouncementsView> {
    let course = load(cx, key).await?;
    let env = cx.app.env();
    let actor = cx.actor();
    let mut audiences = Vec::new();
    for t in Target::ALL {
        audiences.push(AudienceChoice {
            value: t.as_str(),
            label_key: audience_key(t.as_str()),
            count: uc::count(&env, &actor, key, t).await?,
            checked: t.as_str() == chosen,
        });
    }
    let rows = uc::list(&env, &actor, key).await?;
    let p = &cx.page;
    Ok(AnnouncementsView {
        title: p.text("lyceum-announcement-title"),
        head: head(cx, &course, "instructor"),
        nav: nav(&course, "announcements"),
        action: course.url("instructor/announcements"),
        audiences,
        announcements: rows.into_iter().map(|a| item(p, &course, a)).collect(),
        form_title: String::new(),
        body: String::new(),
        title_max: limits::TITLE.max_chars,
        body_max: uc::BODY.max_chars,
        error: None,
        p: p.clone(),
    })
}

pub async fn page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    render(&view(&cx, &key, "all").await?)
}

#[derive(Deserialize, Default)]
pub struct PostForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    audience: String,
}

pub async fn post_form(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<PostForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    match uc::post(
        &cx.app.env(),
        &cx.actor(),
        &key,
        &f.title,
        &f.body,
        &f.audience,
    )
    .await
    {
        Ok(_) => Ok(see_other(&with_notice(
            &format!("/courses/{key}/instructor/announcements"),
            "announcement-posted",
        ))),
        Err(e) => {
            let e: AppError = e.into();
            if matches!(e, AppError::NotFound) {
                return Err(e);
            }
            let (status, message) = form_error(&cx.page, e)?;
            let mut v = view(&cx, &key, &f.audience).await?;
            v.error = Some(message);
            v.form_title = f.title;
            v.body = f.body;
            render_status(status, &v)
        }
    }
}

pub async fn delete(cx: Cx, Path((key, id)): Path<(String, i64)>) -> AppResult<Response> {
    cx.require_user()?;
    uc::delete(&cx.app.env(), &cx.actor(), &key, id).await?;
    Ok(see_other(&with_notice(
        &format!("/courses/{key}/instructor/announcements"),
        "announcement-deleted",
    )))
}
