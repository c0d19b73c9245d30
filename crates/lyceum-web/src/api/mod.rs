//! The JSON API under `/api/v1`, for apps and integrations. It uses the same session
//! cookie as the pages (`POST /login`), the same permission checks, and errors as
//! `{"error": {"code", "message"}}` in the caller's language. Described by the OpenAPI
//! document at `/api/v1/openapi.json`.

pub mod admin;
pub mod announcements;
pub mod course_admin;
pub mod courses;
pub mod discussion_moderation;
pub mod discussions;
pub mod forks;
pub mod grades;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod openapi;
pub mod studio;
pub mod translations;
pub mod trust;
pub mod upstream;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub fn json<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, Json(body)).into_response()
}

/// RFC 3339 in UTC, the API's time format.
pub fn time(ms: Option<i64>) -> Option<String> {
    ms.map(|m| timestamp(lyceum_core::clock::from_millis(m)))
}

/// [`time`] of a timestamp.
pub fn timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
