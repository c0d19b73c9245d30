//! Private messages over JSON (issue 15): `GET /api/v1/messages` (conversations), `GET
//! /api/v1/messages/{username}` (one conversation, paged with `?before=`), `POST
//! /api/v1/messages` (send), `POST /api/v1/messages/{username}/read`, blocks
//! (`/api/v1/messages/blocks`) and reports (`/api/v1/messages/reports`). The same use
//! cases as the pages (`lyceum_app::messages`).

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lyceum_app::messages as uc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/messages", get(conversations).post(send))
        .route("/api/v1/messages/blocks", get(blocks).post(block))
        .route(
            "/api/v1/messages/blocks/{username}",
            axum::routing::delete(unblock),
        )
        .route("/api/v1/messages/blocks/{username}/unblock", post(unblock))
        .route("/api/v1/messages/unblock", post(unblock_body))
        .route("/api/v1/messages/reports", post(report))
        .route("/api/v1/messages/{username}", get(conversation))
        .route("/api/v1/messages/{username}/read", post(read))
}

/// The messages API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(conversations, conversation, send, read, blocks, block, unblock, unblock_body, report),
    tags((name = "messages", description = "Private messages between members of a course"))
)]
pub struct MessagesDoc;

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

#[derive(Serialize, ToSchema)]
pub struct ConversationJson {
    pub username: String,
    pub display_name: String,
    /// The latest message's time.
    pub last_at: Option<String>,
    /// The latest message's first line (Markdown as written, cut short).
    pub snippet: String,
    /// The latest message is the caller's.
    pub last_from_me: bool,
    /// Messages from this person the caller has not read.
    pub unread: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationsJson {
    pub conversations: Vec<ConversationJson>,
    /// All the caller's unread messages.
    pub unread: i64,
}

/// The caller's conversations, latest first, with unread counts.
#[utoipa::path(get, path = "/api/v1/messages",
    responses((status = 200, body = ConversationsJson), (status = 401, description = "Not logged in")),
    tag = "messages")]
pub async fn conversations(cx: Cx) -> AppResult<Response> {
    cx.require_user()?;
    let env = cx.app.env();
    let rows = uc::conversations(&env, &cx.actor()).await?;
    let unread = uc::unread(&env, &cx.actor()).await?;
    Ok(json(
        StatusCode::OK,
        ConversationsJson {
            conversations: rows
                .into_iter()
                .map(|r| ConversationJson {
                    username: r.username,
                    display_name: r.display_name,
                    last_at: time(Some(r.last_at)),
                    snippet: r.snippet,
                    last_from_me: r.last_from_me,
                    unread: r.unread,
                })
                .collect(),
            unread,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    pub id: i64,
    /// The sender's username (null for a deleted account).
    pub from: Option<String>,
    pub to: Option<String>,
    /// The course key it was written in.
    pub course: String,
    pub course_title: String,
    /// Markdown as written.
    pub body: String,
    /// Its sanitised HTML.
    pub html: String,
    pub created_at: Option<String>,
    /// When the recipient marked it read.
    pub read_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CourseChoiceJson {
    pub id: String,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationDetailJson {
    pub username: String,
    pub display_name: String,
    /// Newest first.
    pub messages: Vec<MessageJson>,
    /// Pass as `before` for older messages; null when there are none.
    pub older: Option<i64>,
    /// Courses the caller may write to this person in.
    pub courses: Vec<CourseChoiceJson>,
    /// The caller blocked this person.
    pub blocked: bool,
}

#[derive(Deserialize, IntoParams)]
pub struct ConversationQuery {
    /// Only messages older than this message id.
    pub before: Option<i64>,
}

/// The caller's conversation with a person, newest first (reading does not mark it
/// read: `POST …/read` does). Someone the caller shares no course and no message with
/// is 404.
#[utoipa::path(get, path = "/api/v1/messages/{username}", params(("username" = String, Path), ConversationQuery),
    responses((status = 200, body = ConversationDetailJson), (status = 401, description = "Not logged in"),
        (status = 404, description = "No such person, or nothing shared with them")),
    tag = "messages")]
pub async fn conversation(
    cx: Cx,
    Path(username): Path<String>,
    Query(q): Query<ConversationQuery>,
) -> AppResult<Response> {
    let me = cx.require_user()?.clone();
    let c = uc::conversation(&cx.app.env(), &cx.actor(), &username, q.before).await?;
    let name_of = |id: Option<i64>| match id {
        Some(i) if i == me.id => Some(me.username.clone()),
        Some(i) if i == c.other.id => Some(c.other.username.clone()),
        _ => None,
    };
    Ok(json(
        StatusCode::OK,
        ConversationDetailJson {
            username: c.other.username.clone(),
            display_name: c.other.display_name.clone(),
            messages: c
                .messages
                .iter()
                .map(|m| MessageJson {
                    id: m.id,
                    from: name_of(m.sender_id),
                    to: name_of(m.recipient_id),
                    course: m.course_key.clone(),
                    course_title: m.course_title.clone(),
                    body: m.body.clone(),
                    html: m.html.clone(),
                    created_at: time(Some(m.created_at)),
                    read_at: time(m.read_at),
                })
                .collect(),
            older: c.older,
            courses: c
                .courses
                .iter()
                .map(|x| CourseChoiceJson {
                    id: x.key.clone(),
                    title: x.title.clone(),
                })
                .collect(),
            blocked: c.blocked,
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    /// The recipient's username.
    pub to: String,
    /// The course key both belong to.
    pub course: String,
    /// Markdown (sanitised; an untrusted account's links are `nofollow ugc`).
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    pub id: i64,
}

/// Send a message to a member of a course the caller belongs to. Learners and the team
/// may always write to each other; learners to learners where the course allows it.
#[utoipa::path(post, path = "/api/v1/messages", request_body = SendBody,
    responses((status = 201, body = CreatedJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Suspended; two learners where the course does not allow it; or it cannot be delivered"),
        (status = 404, description = "No such person, or no such course shared with them"),
        (status = 422, description = "Empty or too long"),
        (status = 429, description = "Too many messages this hour")),
    tag = "messages")]
pub async fn send(cx: Cx, b: Result<Json<SendBody>, JsonRejection>) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let id = uc::send(&cx.app.env(), &cx.actor(), &b.to, &b.course, &b.body).await?;
    Ok(json(StatusCode::CREATED, CreatedJson { id }))
}

#[derive(Serialize, ToSchema)]
pub struct MarkedJson {
    /// Messages marked read.
    pub marked: u64,
}

/// Mark what a person sent the caller read.
#[utoipa::path(post, path = "/api/v1/messages/{username}/read", params(("username" = String, Path)),
    responses((status = 200, body = MarkedJson), (status = 401, description = "Not logged in"),
        (status = 404, description = "No such person")),
    tag = "messages")]
pub async fn read(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let marked = uc::mark_read(&cx.app.env(), &cx.actor(), &username).await?;
    Ok(json(StatusCode::OK, MarkedJson { marked }))
}

#[derive(Serialize, ToSchema)]
pub struct BlockedJson {
    pub username: String,
    pub display_name: String,
    pub since: Option<String>,
}

/// The people the caller blocked.
#[utoipa::path(get, path = "/api/v1/messages/blocks",
    responses((status = 200, body = [BlockedJson]), (status = 401, description = "Not logged in")),
    tag = "messages")]
pub async fn blocks(cx: Cx) -> AppResult<Response> {
    cx.require_user()?;
    let rows = uc::blocks(&cx.app.env(), &cx.actor()).await?;
    Ok(json(
        StatusCode::OK,
        rows.into_iter()
            .map(|b| BlockedJson {
                username: b.username,
                display_name: b.display_name,
                since: time(Some(b.created_at)),
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockBody {
    pub username: String,
}

/// Block a person: their messages are no longer delivered to the caller (they are told
/// only that a message cannot be delivered).
#[utoipa::path(post, path = "/api/v1/messages/blocks", request_body = BlockBody,
    responses((status = 201, description = "Blocked"), (status = 401, description = "Not logged in"),
        (status = 404, description = "No such person"), (status = 422, description = "Oneself")),
    tag = "messages")]
pub async fn block(cx: Cx, b: Result<Json<BlockBody>, JsonRejection>) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    uc::block(&cx.app.env(), &cx.actor(), &b.username).await?;
    Ok(json(
        StatusCode::CREATED,
        serde_json::json!({"username": b.username, "blocked": true}),
    ))
}

/// Unblock a person (`DELETE /api/v1/messages/blocks/{username}`, or `POST
/// …/{username}/unblock`).
#[utoipa::path(delete, path = "/api/v1/messages/blocks/{username}", params(("username" = String, Path)),
    responses((status = 204, description = "Unblocked (or was not blocked)"), (status = 401, description = "Not logged in"),
        (status = 404, description = "No such person")),
    tag = "messages")]
pub async fn unblock(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    uc::unblock(&cx.app.env(), &cx.actor(), &username).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Unblock a person named in the body (`{"username"}`), like `DELETE
/// /api/v1/messages/blocks/{username}`.
#[utoipa::path(post, path = "/api/v1/messages/unblock", request_body = BlockBody,
    responses((status = 204, description = "Unblocked (or was not blocked)"), (status = 401, description = "Not logged in"),
        (status = 404, description = "No such person")),
    tag = "messages")]
pub async fn unblock_body(
    cx: Cx,
    b: Result<Json<BlockBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    uc::unblock(&cx.app.env(), &cx.actor(), &b.username).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// The message's id (one the caller received).
    pub message: i64,
    /// `spam`, `harassment`, `copyright`, `misinformation` or `other`.
    pub reason: String,
    #[serde(default)]
    pub text: String,
}

/// Report a message the caller received: a report about its sender, the message quoted.
#[utoipa::path(post, path = "/api/v1/messages/reports", request_body = ReportBody,
    responses((status = 201, body = CreatedJson), (status = 401, description = "Not logged in"),
        (status = 404, description = "No such message received by the caller"),
        (status = 409, description = "Already reported and still open"),
        (status = 422, description = "Unknown reason, or text too long")),
    tag = "messages")]
pub async fn report(cx: Cx, b: Result<Json<ReportBody>, JsonRejection>) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let id = uc::report(&cx.app.env(), &cx.actor(), b.message, &b.reason, &b.text).await?;
    Ok(json(StatusCode::CREATED, CreatedJson { id }))
}
