//! Forking through the API: `POST /api/v1/courses/{course_id}/fork`. The same use case
//! as the "Fork this course" form.

use super::json;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use lyceum_app::forks::{self as uc, ForkInput, ForkTarget};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/courses/{course_id}/fork", post(fork))
        .route("/api/v1/courses/{course_id}/move", post(move_course))
}

/// The fork API's part of the OpenAPI document (merged into `/api/v1/openapi.json`).
#[derive(OpenApi)]
#[openapi(
    paths(fork, move_course),
    tags((name = "forks", description = "Forking courses under their free licence"))
)]
pub struct ForkDoc;

/// Where to fork a course, and optionally what to call the copy.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForkBody {
    /// The slug of an organisation where the caller may create courses, or `null` for
    /// the caller's personal space (made at their first personal fork; unlisted).
    pub org: Option<String>,
    /// The copy's title (1–200 characters); the source's when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// The copy's course code; the source's when absent.
    #[serde(default)]
    pub code: Option<String>,
    /// The copy's run; when absent the first free one of `RUN-fork`, `RUN-fork-2`, …
    #[serde(default)]
    pub run: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ForkedJson {
    /// The fork's key, `course-v1:ORG+CODE+RUN`.
    pub id: String,
}

/// Fork a course: its published content (not its unpublished draft), files and pages,
/// with its history and authors, become a new draft course whose instructor is the
/// caller, linked to its source for attribution and upstream changes. The fork keeps
/// the source's licence (a CC BY-SA source's fork stays CC BY-SA).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/fork",
    params(("course_id" = String, Path, description = "The source course's key")),
    request_body = ForkBody,
    responses((status = 201, body = ForkedJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "The course's licence does not allow adaptations (all rights reserved), or no right to create courses in this organisation"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 409, description = "A course with the chosen key exists"),
        (status = 422, description = "Unknown organisation, or a bad title, code or run")),
    tag = "forks")]
pub async fn fork(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<ForkBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = b
        .map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let target = match b.org {
        Some(slug) => ForkTarget::Org(slug),
        None => ForkTarget::Personal,
    };
    let input = ForkInput {
        title: b.title.unwrap_or_default(),
        code: b.code.unwrap_or_default(),
        run: b.run.unwrap_or_default(),
    };
    let created = uc::fork(&cx.app.env(), &cx.actor(), &course_id, &target, &input).await?;
    Ok(json(StatusCode::CREATED, ForkedJson { id: created.key }))
}

/// Where to move a course out of its personal space.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The slug of an organisation where the caller may create courses.
    pub org: String,
}

/// Move a course out of the caller's personal space into an organisation (for those who
/// run the course). Its key becomes `course-v1:ORG+CODE+RUN`; its old key keeps leading
/// to it (pages redirect with 301).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/move",
    params(("course_id" = String, Path, description = "The course's key in the personal space")),
    request_body = MoveBody,
    responses((status = 200, description = "Moved; its new key", body = ForkedJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Does not run the course, or no right to create courses in this organisation"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 409, description = "The organisation has a course with this key"),
        (status = 422, description = "Not in a personal space, or unknown organisation")),
    tag = "forks")]
pub async fn move_course(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<MoveBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = b
        .map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let key = uc::move_to_org(&cx.app.env(), &cx.actor(), &course_id, &b.org).await?;
    Ok(json(StatusCode::OK, ForkedJson { id: key }))
}
