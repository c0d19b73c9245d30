//! Creating a course and managing its team through the API: `POST /api/v1/courses`,
//! `GET /api/v1/courses/{course_id}/team`, `PUT` and `DELETE
//! /api/v1/courses/{course_id}/team/{username}`. The same use cases as the pages.

use super::json;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use lyceum_app::course_admin::team::{self, Member, Outcome};
use lyceum_app::course_admin::{self as uc, NewCourseInput, SettingsInput};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/courses", post(create))
        .route(
            "/api/v1/courses/{course_id}/team",
            axum::routing::get(list_team),
        )
        .route(
            "/api/v1/courses/{course_id}/team/{username}",
            put(put_member).delete(delete_member),
        )
}

/// The course API's part of the OpenAPI document (merged into `/api/v1/openapi.json`).
#[derive(OpenApi)]
#[openapi(
    paths(create, list_team, put_member, delete_member),
    tags((name = "studio", description = "Creating courses and managing their teams"))
)]
pub struct CourseAdminDoc;

/// A course to create. Its key is `course-v1:ORG+CODE+RUN`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourseBody {
    /// The organisation's slug (it must exist).
    pub org: String,
    /// The course code: 1–64 of `A–Z a–z 0–9 _ - . ~`.
    pub code: String,
    /// The run: 1–64 of `A–Z a–z 0–9 _ - . ~`.
    pub run: String,
    /// 1–200 characters.
    pub title: String,
    /// A language code the site knows (e.g. `en`, `fr`, `ar`).
    pub language: String,
    /// `CC-BY-SA-4.0` (the default), `CC-BY-4.0` or `CC0-1.0`.
    pub license: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    /// The new course's key, `course-v1:ORG+CODE+RUN`.
    pub id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// `instructor` (everything), `author` (content and settings) or `staff` (grading and
    /// learners).
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    pub username: String,
    pub display_name: String,
    /// `instructor`, `author` or `staff`.
    pub role: &'static str,
}

fn member_json(m: &Member) -> MemberJson {
    MemberJson {
        username: m.username.clone(),
        display_name: m.display_name.clone(),
        role: m.role.as_str(),
    }
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

/// Create a course, as a draft only its team sees; the caller becomes its instructor.
#[utoipa::path(post, path = "/api/v1/courses", request_body = CreateCourseBody,
    responses((status = 201, body = CreatedJson),
        (status = 400, description = "Not JSON, unknown fields, or a code or run a course key cannot hold"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "No right to create courses in this organisation"),
        (status = 409, description = "A course with this key exists"),
        (status = 422, description = "Unknown organisation, empty or overlong title, unknown language or licence")),
    tag = "studio")]
pub async fn create(
    cx: Cx,
    b: Result<Json<CreateCourseBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let input = NewCourseInput {
        org: b.org,
        code: b.code,
        run: b.run,
        settings: SettingsInput {
            title: b.title,
            language: b.language,
            license: b.license,
            self_paced: true,
            ..SettingsInput::default()
        },
    };
    let created = uc::create(&cx.app.env(), &cx.actor(), &input).await?;
    Ok(json(StatusCode::CREATED, CreatedJson { id: created.key }))
}

/// The course's team, instructors first. For the team (and the organisation's admins and
/// reviewers); 404 to anyone else.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/team", params(("course_id" = String, Path)),
    responses((status = 200, body = Vec<MemberJson>), (status = 401), (status = 404)),
    tag = "studio")]
pub async fn list_team(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let members = match team::list(&cx.app.env(), &cx.actor(), &course_id).await {
        // A learner of a published course: the team list is not theirs to read.
        Err(e) if e.kind == lyceum_app::ErrorKind::Forbidden => return Err(AppError::NotFound),
        other => other?,
    };
    Ok(json(
        StatusCode::OK,
        members.iter().map(member_json).collect::<Vec<_>>(),
    ))
}

/// Put someone on the team with a role, or change their role.
#[utoipa::path(put, path = "/api/v1/courses/{course_id}/team/{username}",
    params(("course_id" = String, Path), ("username" = String, Path)), request_body = RoleBody,
    responses((status = 201, description = "Added", body = MemberJson),
        (status = 200, description = "Role changed (or already this role)", body = MemberJson),
        (status = 400, description = "Not JSON"), (status = 401),
        (status = 403, description = "May not manage this course's team"),
        (status = 404, description = "No such course (or not visible), or no such user"),
        (status = 409, description = "Would leave the course without an instructor"),
        (status = 422, description = "Unknown role")),
    tag = "studio")]
pub async fn put_member(
    cx: Cx,
    Path((course_id, username)): Path<(String, String)>,
    b: Result<Json<RoleBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let role = team::parse_role(&b.role)?;
    let (m, outcome) =
        team::set_member(&cx.app.env(), &cx.actor(), &course_id, &username, role).await?;
    let status = if outcome == Outcome::Added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, member_json(&m)))
}

/// Take someone off the team.
#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/team/{username}",
    params(("course_id" = String, Path), ("username" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 401),
        (status = 403, description = "May not manage this course's team"),
        (status = 404, description = "No such course (or not visible), no such user, or not on the team"),
        (status = 409, description = "The last instructor")),
    tag = "studio")]
pub async fn delete_member(
    cx: Cx,
    Path((course_id, username)): Path<(String, String)>,
) -> AppResult<Response> {
    cx.require_user()?;
    team::remove_member(&cx.app.env(), &cx.actor(), &course_id, &username).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
