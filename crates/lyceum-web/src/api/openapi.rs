//! The OpenAPI document of the JSON API, served at `/api/v1/openapi.json`.

use super::{admin, courses, grades, notifications, studio};
use crate::kinds::open_response::api as open_responses;
use axum::Json;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Lyceum API", description = "Catalog, courses, enrolment, progress, problems and grades, and authoring (drafts, blocks, publishing, history). Authenticate with the session cookie from `POST /login` (form fields `username`, `password`)."),
    paths(courses::catalog, courses::detail, courses::enroll, courses::unenroll, courses::my_enrollments, courses::my_deadlines, courses::me, courses::video_progress, grades::submit, grades::my_progress,
        open_responses::me, open_responses::save_draft, open_responses::submit, open_responses::add_attachment, open_responses::remove_attachment, open_responses::download,
        open_responses::current_peer, open_responses::next_peer, open_responses::peer_review, open_responses::self_review,
        open_responses::queue, open_responses::submission, open_responses::lock, open_responses::unlock, open_responses::staff_assessment,
        open_responses::return_for_revision, open_responses::peer_excuse, open_responses::cancel_assessment,
        notifications::my_notifications, notifications::read_notifications,
        studio::draft, studio::add_block, studio::patch_block, studio::delete_block, studio::publish, studio::discard,
        studio::history, studio::block_history, studio::restore, studio::duplicate, admin::audit,
        crate::handlers::accounts::api_create),
    tags((name = "courses"), (name = "enrollment"), (name = "account"), (name = "progress"), (name = "problems"), (name = "open-responses"), (name = "authoring"), (name = "admin"))
)]
pub struct ApiDoc;

pub async fn document() -> impl IntoResponse {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::course_admin::CourseAdminDoc::openapi());
    doc.merge(super::forks::ForkDoc::openapi());
    doc.merge(super::translations::TranslationsDoc::openapi());
    doc.merge(super::upstream::UpstreamDoc::openapi());
    doc.merge(super::moderation::ModerationDoc::openapi());
    doc.merge(super::trust::TrustDoc::openapi());
    // Discussion moderation (issue 15).
    doc.merge(super::discussion_moderation::DiscussionModerationDoc::openapi());
    doc.merge(crate::kinds::wiki_task::api::WikiTaskDoc::openapi());
    doc.merge(super::discussions::DiscussionDoc::openapi());
    // Messages and announcements (issue 15).
    doc.merge(super::messages::MessagesDoc::openapi());
    doc.merge(super::announcements::AnnouncementsDoc::openapi());
    Json(doc)
}
