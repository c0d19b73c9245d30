//! Course announcements over JSON (issue 15): `GET` and `POST
//! /api/v1/courses/{course_id}/announcements`, the audiences' sizes
//! (`…/announcements/audiences`) and `DELETE …/announcements/{id}`. The same use cases
//! as the pages (`lyceum_app::announcements`).

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use lyceum_app::announcements::{self as uc, Target};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/courses/{course_id}/announcements",
            get(list).post(create),
        )
        .route(
            "/api/v1/courses/{course_id}/announcements/audiences",
            get(audiences),
        )
        .route(
            "/api/v1/courses/{course_id}/announcements/{id}",
            delete(remove),
        )
}

/// The announcements API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list, create, audiences, remove),
    tags((name = "announcements", description = "Course announcements by its team"))
)]
pub struct AnnouncementsDoc;

#[derive(Serialize, ToSchema)]
pub struct AnnouncementJson {
    pub id: i64,
    pub title: String,
    /// Markdown as written, and its sanitised HTML.
    pub body: String,
    pub html: String,
    /// `all`, `not-started` or `not-passed`.
    pub audience: String,
    /// Learners it was sent to.
    pub recipients: i64,
    pub author: Option<String>,
    pub created_at: Option<String>,
}

/// A course's announcements, newest first: for those who see its courseware (enrolled
/// learners, its team); to anyone else 404.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/announcements", params(("course_id" = String, Path)),
    responses((status = 200, body = [AnnouncementJson]), (status = 404, description = "No such course, or not a member")),
    tag = "announcements")]
pub async fn list(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let rows = uc::list(&cx.app.env(), &cx.actor(), &course_id).await?;
    Ok(json(
        StatusCode::OK,
        rows.into_iter()
            .map(|a| AnnouncementJson {
                id: a.id,
                title: a.title,
                body: a.body,
                html: a.html,
                audience: a.audience,
                recipients: a.recipients,
                author: a.author_username,
                created_at: time(Some(a.created_at)),
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementBody {
    pub title: String,
    /// Markdown (sanitised).
    pub body: String,
    /// `all` (the default), `not-started` or `not-passed`.
    #[serde(default)]
    pub audience: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PostedJson {
    pub id: i64,
    /// Learners it was sent to.
    pub recipients: i64,
}

/// Post an announcement to a course's learners (all, not started, not passed); each is
/// told by a notice (e-mailed as their settings say). Those who teach the course only.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/announcements", params(("course_id" = String, Path)),
    request_body = AnnouncementBody,
    responses((status = 201, body = PostedJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not one who teaches the course"),
        (status = 404, description = "No such course, or not a member"),
        (status = 422, description = "Empty title or body, too long, or an unknown audience")),
    tag = "announcements")]
pub async fn create(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<AnnouncementBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let Json(b) = b.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let posted = uc::post(
        &cx.app.env(),
        &cx.actor(),
        &course_id,
        &b.title,
        &b.body,
        b.audience.as_deref().unwrap_or("all"),
    )
    .await?;
    Ok(json(
        StatusCode::CREATED,
        PostedJson {
            id: posted.id,
            recipients: posted.recipients,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AudiencesJson {
    pub all: i64,
    pub not_started: i64,
    pub not_passed: i64,
}

/// How many learners each audience has now.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/announcements/audiences", params(("course_id" = String, Path)),
    responses((status = 200, body = AudiencesJson), (status = 401, description = "Not logged in"),
        (status = 403, description = "Not one who teaches the course"), (status = 404, description = "No such course")),
    tag = "announcements")]
pub async fn audiences(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let (env, actor) = (cx.app.env(), cx.actor());
    Ok(json(
        StatusCode::OK,
        AudiencesJson {
            all: uc::count(&env, &actor, &course_id, Target::All).await?,
            not_started: uc::count(&env, &actor, &course_id, Target::NotStarted).await?,
            not_passed: uc::count(&env, &actor, &course_id, Target::NotPassed).await?,
        },
    ))
}

/// Delete an announcement softly.
#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/announcements/{id}", params(("course_id" = String, Path), ("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, description = "Not logged in"),
        (status = 403, description = "Not one who teaches the course"), (status = 404, description = "No such announcement")),
    tag = "announcements")]
pub async fn remove(cx: Cx, Path((course_id, id)): Path<(String, i64)>) -> AppResult<Response> {
    cx.require_user()?;
    uc::delete(&cx.app.env(), &cx.actor(), &course_id, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
