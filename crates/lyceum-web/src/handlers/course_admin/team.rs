//! The "Course team" page: who works on the course with which role; those who may manage
//! the team add people by username, change roles and remove people.

use super::{message, rendered, shown_in_form, status_of};
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, nav};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::course_admin::team as uc;
use lyceum_core::permissions::{Action, CourseRole, Resource, can};

pub struct MemberView {
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub role_key: &'static str,
    pub is_me: bool,
}

pub struct RoleChoice {
    pub value: &'static str,
    pub label_key: &'static str,
    pub help_key: &'static str,
}

#[derive(Template)]
#[template(path = "course_admin/team.html")]
struct TeamView {
    p: Page,
    title: String,
    studio: Option<crate::handlers::studio::StudioHead>,
    head: CourseHead,
    nav: Vec<NavLink>,
    members: Vec<MemberView>,
    roles: Vec<RoleChoice>,
    can_manage: bool,
    error: Option<Html>,
    add_username: String,
    add_role: String,
    form_url: String,
    remove_url: String,
    username_max: usize,
}

pub(crate) fn role_key(r: CourseRole) -> &'static str {
    match r {
        CourseRole::Instructor => "lyceum-team-role-instructor",
        CourseRole::Author => "lyceum-team-role-author",
        CourseRole::Staff => "lyceum-team-role-staff",
        CourseRole::Translator => "lyceum-team-role-translator",
    }
}

fn role_help(r: CourseRole) -> &'static str {
    match r {
        CourseRole::Instructor => "lyceum-team-role-instructor-help",
        CourseRole::Author => "lyceum-team-role-author-help",
        CourseRole::Staff => "lyceum-team-role-staff-help",
        CourseRole::Translator => "lyceum-team-role-translator-help",
    }
}

/// The team page's course: anyone on the team sees it; 404 to everyone else.
async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    cx.require_user()?;
    if !course.on_team(cx) {
        return Err(AppError::NotFound);
    }
    Ok(course)
}

async fn view(
    cx: &Cx,
    course: &CourseCx,
    error: Option<Html>,
    add: (String, String),
) -> AppResult<TeamView> {
    let p = &cx.page;
    let members = uc::list(&cx.app.env(), &cx.actor(), course.key()).await?;
    let me = cx.user_id();
    let studio =
        super::studio_head(cx, course.key(), crate::handlers::studio::StudioTab::Team).await?;
    Ok(TeamView {
        studio,
        title: p.text("lyceum-team-title"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "team"),
        members: members
            .iter()
            .map(|m| MemberView {
                username: m.username.clone(),
                name: if m.display_name.trim().is_empty() {
                    m.username.clone()
                } else {
                    m.display_name.clone()
                },
                role: m.role.as_str(),
                role_key: role_key(m.role),
                is_me: Some(m.user) == me,
            })
            .collect(),
        roles: CourseRole::ALL
            .into_iter()
            .map(|r| RoleChoice {
                value: r.as_str(),
                label_key: role_key(r),
                help_key: role_help(r),
            })
            .collect(),
        can_manage: can(
            &cx.actor(),
            Action::ManageTeam,
            Resource::Course(&course.facts),
        )
        .allowed(),
        error,
        add_username: add.0,
        add_role: if add.1.is_empty() {
            "author".to_owned()
        } else {
            add.1
        },
        form_url: course.url("team"),
        remove_url: course.url("team/remove"),
        username_max: lyceum_core::limits::USERNAME.max_chars,
        p: p.clone(),
    })
}

pub async fn page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let v = view(&cx, &course, None, Default::default()).await?;
    rendered(v, StatusCode::OK)
}

fn fields(body: &[u8]) -> (String, String) {
    let mut user = String::new();
    let mut role = String::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "username" => user = v.into_owned(),
            "role" => role = v.into_owned(),
            _ => {}
        }
    }
    (user, role)
}

/// Add someone (`username`, `role`) or change a member's role.
pub async fn save(cx: Cx, Path(key): Path<String>, body: axum::body::Bytes) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let (username, role) = fields(&body);
    let result = match uc::parse_role(&role) {
        Ok(r) => uc::set_member(&cx.app.env(), &cx.actor(), &key, &username, r)
            .await
            .map(|(_, outcome)| outcome),
        Err(e) => Err(e),
    };
    match result {
        Ok(outcome) => {
            let notice = match outcome {
                uc::Outcome::Added => "team-added",
                _ => "team-changed",
            };
            Ok(see_other(&with_notice(&course.url("team"), notice)))
        }
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            let msg = message(&cx.page, &e.error);
            let v = view(&cx, &course, Some(msg), (username, role)).await?;
            rendered(v, status)
        }
        Err(e) => Err(e.into()),
    }
}

/// Remove a member (`username`).
pub async fn remove(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let (username, _) = fields(&body);
    match uc::remove_member(&cx.app.env(), &cx.actor(), &key, &username).await {
        Ok(()) => Ok(see_other(&with_notice(&course.url("team"), "team-removed"))),
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            let msg = message(&cx.page, &e.error);
            let v = view(&cx, &course, Some(msg), Default::default()).await?;
            rendered(v, status)
        }
        Err(e) => Err(e.into()),
    }
}
