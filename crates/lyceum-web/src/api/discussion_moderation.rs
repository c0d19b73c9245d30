//! Moderation of course discussions over JSON (issue 15): mutes and bans
//! (`/api/v1/courses/{course_id}/discussions/mutes`), hiding, deleting and restoring
//! posts (`/api/v1/posts/{id}/hide|unhide|delete|restore`), locking threads
//! (`/api/v1/threads/{id}/lock|unlock`), held posts (`…/discussions/held`,
//! `/api/v1/posts/{id}/approve|reject`) and the course's discussion settings. The same
//! use cases as the pages (`lyceum_app::discussion_moderation`). None unenrols anyone.

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use lyceum_app::discussion_moderation::{self as uc, Mute, PostAction};
use lyceum_store::repo::discussion_settings::DiscussionSettingsRow;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/courses/{course_id}/discussions/mutes",
            get(list_mutes).post(create_mute),
        )
        .route(
            "/api/v1/courses/{course_id}/discussions/mutes/{id}",
            axum::routing::delete(delete_mute),
        )
        .route(
            "/api/v1/courses/{course_id}/discussions/mutes/{id}/lift",
            post(lift_mute),
        )
        .route(
            "/api/v1/courses/{course_id}/discussions/held",
            get(held_posts),
        )
        .route(
            "/api/v1/courses/{course_id}/discussions/settings",
            get(get_settings).put(put_settings),
        )
        .route("/api/v1/posts/{post_id}/hide", post(hide))
        .route("/api/v1/posts/{post_id}/unhide", post(unhide))
        .route("/api/v1/posts/{post_id}/delete", post(delete))
        .route("/api/v1/posts/{post_id}/restore", post(restore))
        .route("/api/v1/posts/{post_id}/approve", post(approve))
        .route("/api/v1/posts/{post_id}/reject", post(reject))
        .route("/api/v1/threads/{thread_id}/lock", post(lock))
        .route("/api/v1/threads/{thread_id}/unlock", post(unlock))
}

/// The discussion moderation API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(create_mute, list_mutes, lift_mute, delete_mute, hide, unhide, delete, restore, lock,
          unlock, held_posts, approve, reject, get_settings, put_settings),
    tags((name = "discussion-moderation", description = "Mutes, bans, hidden and deleted posts, locked threads and held posts in a course's discussions"))
)]
pub struct DiscussionModerationDoc;

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

/// An optional body (`{"reason"}` may be left out where no reason is needed).
fn optional_body<T: Default>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    match b {
        Ok(Json(x)) => Ok(x),
        Err(JsonRejection::MissingJsonContentType(_)) => Ok(T::default()),
        Err(_) => Err(AppError::bad_request("lyceum-error-bad-form")),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteBody {
    /// Who: a member of the course (enrolled or on its team).
    pub username: String,
    /// Until when: RFC 3339 (`2026-12-01T00:00:00Z`) or a date (`2026-12-01`, midnight
    /// UTC), in the future and at most 366 days ahead. Left out: a ban, with no end.
    pub until: Option<String>,
    /// Why (required): the person reads it.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct MuteJson {
    pub id: i64,
    pub course: String,
    pub username: String,
    /// RFC 3339, UTC; null for a ban.
    pub until: Option<String>,
    /// `mute` (with an end) or `ban`.
    pub kind: &'static str,
    pub reason: String,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
    pub lifted_at: Option<String>,
    pub lifted_by: Option<String>,
    /// In force now.
    pub active: bool,
}

impl From<Mute> for MuteJson {
    fn from(m: Mute) -> Self {
        MuteJson {
            id: m.id,
            course: m.course_key,
            username: m.username,
            kind: if m.until.is_some() { "mute" } else { "ban" },
            until: time(m.until),
            reason: m.reason,
            created_by: m.created_by,
            created_at: time(Some(m.created_at)),
            lifted_at: time(m.lifted_at),
            lifted_by: m.lifted_by,
            active: m.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MutesJson {
    /// Current and past, newest first.
    pub mutes: Vec<MuteJson>,
}

/// Mute a member in the course's discussions until a time, or ban them (no `until`). They
/// keep learning, reading and submitting; posting answers 403 with the reason and the end.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/discussions/mutes",
    params(("course_id" = String, Path, description = "course-v1:ORG+CODE+RUN")),
    request_body = MuteBody,
    responses((status = 201, body = MuteJson),
        (status = 400, description = "Not JSON, unknown fields, `until` neither RFC 3339 nor a date"),
        (status = 403, description = "A learner; or muting oneself, a site admin or moderator, or the course's team"),
        (status = 404, description = "No such course, or the caller is not a member of it"),
        (status = 422, description = "No reason, `until` out of range, or the person is not a member")),
    tag = "discussion-moderation")]
pub async fn create_mute(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<MuteBody>, JsonRejection>,
) -> AppResult<Response> {
    let b = body(b)?;
    let until = crate::handlers::moderation::parse_until(b.until.as_deref().unwrap_or(""))?;
    let m = uc::mute(
        &cx.app.env(),
        &cx.actor(),
        &course_id,
        &b.username,
        until,
        &b.reason,
    )
    .await?;
    Ok(json(StatusCode::CREATED, MuteJson::from(m)))
}

/// The course's mutes and bans, current and past (those who moderate its discussions).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/discussions/mutes",
    params(("course_id" = String, Path)),
    responses((status = 200, body = MutesJson),
        (status = 403, description = "A learner"),
        (status = 404, description = "No such course, or the caller is not a member of it")),
    tag = "discussion-moderation")]
pub async fn list_mutes(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let (_, mutes) = uc::mutes(&cx.app.env(), &cx.actor(), &course_id).await?;
    Ok(json(
        StatusCode::OK,
        MutesJson {
            mutes: mutes.into_iter().map(MuteJson::from).collect(),
        },
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why: required to hide, delete, lock and reject; optional to undo.
    #[serde(default)]
    pub reason: String,
}

/// Lift a mute or ban before its end (the record stays; the person is told).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/discussions/mutes/{id}/lift",
    params(("course_id" = String, Path), ("id" = i64, Path)),
    request_body(content = ReasonBody, description = "Optional"),
    responses((status = 200, body = MuteJson),
        (status = 403, description = "A learner"),
        (status = 404, description = "No such course or mute"),
        (status = 409, description = "Already lifted or ended")),
    tag = "discussion-moderation")]
pub async fn lift_mute(
    cx: Cx,
    Path((course_id, id)): Path<(String, i64)>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    let b = optional_body(b)?;
    let m = uc::lift(&cx.app.env(), &cx.actor(), &course_id, id, &b.reason).await?;
    Ok(json(StatusCode::OK, MuteJson::from(m)))
}

/// The same as `…/lift`.
#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/discussions/mutes/{id}",
    params(("course_id" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = MuteJson),
        (status = 403, description = "A learner"),
        (status = 404, description = "No such course or mute"),
        (status = 409, description = "Already lifted or ended")),
    tag = "discussion-moderation")]
pub async fn delete_mute(
    cx: Cx,
    Path((course_id, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = uc::lift(&cx.app.env(), &cx.actor(), &course_id, id, "").await?;
    Ok(json(StatusCode::OK, MuteJson::from(m)))
}

#[derive(Serialize, ToSchema)]
pub struct DoneJson {
    /// The moderation record (the author's notice and appeal: `/appeals/new?action=ID`).
    pub action: i64,
    pub thread: i64,
    /// Open reports about the post it closed.
    pub resolved: u64,
}

async fn on_post(
    cx: Cx,
    post_id: i64,
    action: PostAction,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    let b = optional_body(b)?;
    let d = uc::act_on_post(&cx.app.env(), &cx.actor(), post_id, action, &b.reason).await?;
    Ok(json(
        StatusCode::OK,
        DoneJson {
            action: d.action_id,
            thread: d.thread_id,
            resolved: d.resolved,
        },
    ))
}

/// Hide a post (a thread's opening post hides the thread): kept, shown to those who
/// moderate with the reason; closes the open reports about it.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/hide", params(("post_id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = DoneJson),
        (status = 403, description = "A learner"),
        (status = 404, description = "No such post, or the caller is not a member of its course"),
        (status = 409, description = "Already hidden"),
        (status = 422, description = "No reason")),
    tag = "discussion-moderation")]
pub async fn hide(
    cx: Cx,
    Path(post_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    on_post(cx, post_id, PostAction::Hide, b).await
}

/// Show a hidden post again.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/unhide", params(("post_id" = i64, Path)),
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Not hidden")),
    tag = "discussion-moderation")]
pub async fn unhide(
    cx: Cx,
    Path(post_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    on_post(cx, post_id, PostAction::Unhide, b).await
}

/// Delete a post softly (restorable; an opening post takes its thread).
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/delete", params(("post_id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Already deleted"), (status = 422, description = "No reason")),
    tag = "discussion-moderation")]
pub async fn delete(
    cx: Cx,
    Path(post_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    on_post(cx, post_id, PostAction::Delete, b).await
}

/// Restore a softly deleted post.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/restore", params(("post_id" = i64, Path)),
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Not deleted")),
    tag = "discussion-moderation")]
pub async fn restore(
    cx: Cx,
    Path(post_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    on_post(cx, post_id, PostAction::Restore, b).await
}

fn done(d: uc::Done) -> Response {
    json(
        StatusCode::OK,
        DoneJson {
            action: d.action_id,
            thread: d.thread_id,
            resolved: d.resolved,
        },
    )
}

/// Lock a thread: no new replies; the reason is shown on it.
#[utoipa::path(post, path = "/api/v1/threads/{thread_id}/lock", params(("thread_id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Already locked or closed"), (status = 422, description = "No reason")),
    tag = "discussion-moderation")]
pub async fn lock(
    cx: Cx,
    Path(thread_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    let b = optional_body(b)?;
    let d = uc::lock_thread(&cx.app.env(), &cx.actor(), thread_id, true, &b.reason).await?;
    Ok(done(d))
}

/// Open a locked thread again.
#[utoipa::path(post, path = "/api/v1/threads/{thread_id}/unlock", params(("thread_id" = i64, Path)),
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Not locked")),
    tag = "discussion-moderation")]
pub async fn unlock(
    cx: Cx,
    Path(thread_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    let b = optional_body(b)?;
    let d = uc::lock_thread(&cx.app.env(), &cx.actor(), thread_id, false, &b.reason).await?;
    Ok(done(d))
}

#[derive(Serialize, ToSchema)]
pub struct HeldPostJson {
    pub id: i64,
    pub thread: i64,
    pub thread_title: String,
    /// 0: a thread's opening post; 1: a reply; 2: a comment.
    pub depth: i64,
    pub author: Option<String>,
    /// Markdown as written.
    pub body: String,
    pub held_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HeldJson {
    /// Oldest first.
    pub posts: Vec<HeldPostJson>,
}

/// Posts waiting for review (a course that holds new accounts' first posts).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/discussions/held",
    params(("course_id" = String, Path)),
    responses((status = 200, body = HeldJson), (status = 403), (status = 404)),
    tag = "discussion-moderation")]
pub async fn held_posts(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let (_, rows) = uc::held(&cx.app.env(), &cx.actor(), &course_id).await?;
    Ok(json(
        StatusCode::OK,
        HeldJson {
            posts: rows
                .into_iter()
                .map(|r| HeldPostJson {
                    id: r.id,
                    thread: r.thread_id,
                    thread_title: r.thread_title,
                    depth: r.depth,
                    author: r.author_username,
                    body: r.body,
                    held_at: time(Some(r.held_at)),
                })
                .collect(),
        },
    ))
}

/// Approve a held post: everyone reads it from now on.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/approve", params(("post_id" = i64, Path)),
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Not held")),
    tag = "discussion-moderation")]
pub async fn approve(cx: Cx, Path(post_id): Path<i64>) -> AppResult<Response> {
    let d = uc::approve(&cx.app.env(), &cx.actor(), post_id).await?;
    Ok(done(d))
}

/// Reject a held post: deleted softly, its author told why.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/reject", params(("post_id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = DoneJson), (status = 403), (status = 404),
        (status = 409, description = "Not held"), (status = 422, description = "No reason")),
    tag = "discussion-moderation")]
pub async fn reject(
    cx: Cx,
    Path(post_id): Path<i64>,
    b: Result<Json<ReasonBody>, JsonRejection>,
) -> AppResult<Response> {
    let b = optional_body(b)?;
    let d = uc::reject(&cx.app.env(), &cx.actor(), post_id, &b.reason).await?;
    Ok(done(d))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsJson {
    /// Learners may post anonymously to their peers (the team still sees who).
    pub allow_anonymous: bool,
    /// Learners may write private messages to other learners.
    pub learner_messages: bool,
    /// New accounts' first posts wait for review.
    pub hold_first_posts: bool,
}

/// The course's discussion settings (those who moderate its discussions).
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/discussions/settings",
    params(("course_id" = String, Path)),
    responses((status = 200, body = SettingsJson), (status = 403), (status = 404)),
    tag = "discussion-moderation")]
pub async fn get_settings(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let (_, s) = uc::settings(&cx.app.env(), &cx.actor(), &course_id).await?;
    Ok(json(
        StatusCode::OK,
        SettingsJson {
            allow_anonymous: s.allow_anonymous,
            learner_messages: s.learner_messages,
            hold_first_posts: s.hold_first_posts,
        },
    ))
}

/// Change the course's discussion settings (those who teach it).
#[utoipa::path(put, path = "/api/v1/courses/{course_id}/discussions/settings",
    params(("course_id" = String, Path)), request_body = SettingsJson,
    responses((status = 200, body = SettingsJson), (status = 400), (status = 403), (status = 404)),
    tag = "discussion-moderation")]
pub async fn put_settings(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<SettingsJson>, JsonRejection>,
) -> AppResult<Response> {
    let b = body(b)?;
    uc::set_settings(
        &cx.app.env(),
        &cx.actor(),
        &course_id,
        &DiscussionSettingsRow {
            allow_anonymous: b.allow_anonymous,
            learner_messages: b.learner_messages,
            hold_first_posts: b.hold_first_posts,
        },
    )
    .await?;
    Ok(json(StatusCode::OK, b))
}
