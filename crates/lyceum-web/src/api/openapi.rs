//! The OpenAPI document of the JSON API, served at `/api/v1/openapi.json`.

use super::{courses, grades};
use axum::Json;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Lyceum API", description = "Catalog, courses, enrolment, progress, problems and grades. Authenticate with the session cookie from `POST /login` (form fields `username`, `password`)."),
    paths(courses::catalog, courses::detail, courses::enroll, courses::unenroll, courses::my_enrollments, courses::me, courses::video_progress, grades::submit, grades::my_progress),
    tags((name = "courses"), (name = "enrollment"), (name = "account"), (name = "progress"), (name = "problems"))
)]
pub struct ApiDoc;

pub async fn document() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
