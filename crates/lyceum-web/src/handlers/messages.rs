//! Private messages (issue 15): the viewer's conversations (`/messages`), one
//! conversation with its reply form (`/messages/{username}`), marking read, blocking and
//! unblocking a person, and reporting a message; and the JSON API
//! (`/api/v1/messages…`). The work is `lyceum_app::messages`.

use crate::error::{AppError, AppResult};
use crate::handlers::admin::{form_error, render, render_status};
use crate::handlers::moderation::{ReasonChoice, reasons};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use lyceum_app::messages as uc;
use lyceum_core::clock::from_millis;
use lyceum_core::limits;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/messages", get(list_page))
        .route("/messages/{username}", get(conversation_page).post(send))
        .route("/messages/{username}/read", post(read))
        .route("/messages/{username}/block", post(block))
        .route("/messages/{username}/unblock", post(unblock))
        .route(
            "/messages/{username}/report/{id}",
            get(report_page).post(report_post),
        )
        .merge(crate::api::messages::routes())
}

/// The conversation page of a person, as a path.
pub fn conversation_url(username: &str) -> String {
    uc::conversation_path(username)
}

/// A link to write to a person about a course (for lists of course members).
pub fn write_url(username: &str, course_key: &str) -> String {
    format!(
        "{}?course={}",
        conversation_url(username),
        url::form_urlencoded::byte_serialize(course_key.as_bytes()).collect::<String>()
    )
}

fn shown(display_name: &str, username: &str) -> String {
    if display_name.trim().is_empty() {
        username.to_owned()
    } else {
        display_name.to_owned()
    }
}

pub struct ConversationItem {
    pub name: String,
    pub url: String,
    pub snippet: String,
    pub from_me: bool,
    pub at: Timestamp,
    pub unread: i64,
}

pub struct TeamItem {
    pub name: String,
    pub course: String,
    pub role_key: &'static str,
    pub url: String,
}

fn role_key(role: &str) -> &'static str {
    match role {
        "instructor" => "lyceum-team-role-instructor",
        "author" => "lyceum-team-role-author",
        "translator" => "lyceum-team-role-translator",
        _ => "lyceum-team-role-staff",
    }
}

pub struct BlockedItem {
    pub name: String,
    pub unblock_url: String,
}

#[derive(Template)]
#[template(path = "messages/list.html")]
struct ListView {
    p: Page,
    title: String,
    conversations: Vec<ConversationItem>,
    team: Vec<TeamItem>,
    blocked: Vec<BlockedItem>,
}

pub async fn list_page(cx: Cx) -> AppResult<Response> {
    cx.require_user()?;
    let env = cx.app.env();
    let actor = cx.actor();
    let rows = uc::conversations(&env, &actor).await?;
    let blocks = uc::blocks(&env, &actor).await?;
    let team = uc::team_contacts(&env, &actor).await?;
    let p = &cx.page;
    render(&ListView {
        title: p.text("lyceum-message-title"),
        conversations: rows
            .into_iter()
            .map(|r| ConversationItem {
                name: shown(&r.display_name, &r.username),
                url: conversation_url(&r.username),
                snippet: r.snippet,
                from_me: r.last_from_me,
                at: from_millis(r.last_at),
                unread: r.unread,
            })
            .collect(),
        team: team
            .into_iter()
            .map(|t| TeamItem {
                name: shown(&t.display_name, &t.username),
                url: write_url(&t.username, &t.course_key),
                course: t.course_title,
                role_key: role_key(&t.role),
            })
            .collect(),
        blocked: blocks
            .into_iter()
            .map(|b| BlockedItem {
                name: shown(&b.display_name, &b.username),
                unblock_url: format!("{}/unblock", conversation_url(&b.username)),
            })
            .collect(),
        p: p.clone(),
    })
}

pub struct MessageItem {
    pub id: i64,
    pub mine: bool,
    pub author: String,
    pub html: Html,
    pub at: Timestamp,
    pub course: String,
    pub unread: bool,
    pub report_url: Option<String>,
}

pub struct CourseOption {
    pub key: String,
    pub title: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "messages/conversation.html")]
struct ConversationView {
    p: Page,
    title: String,
    name: String,
    url: String,
    messages: Vec<MessageItem>,
    older_url: Option<String>,
    newer_url: Option<String>,
    courses: Vec<CourseOption>,
    blocked: bool,
    unread: usize,
    suspended: bool,
    body: String,
    body_max: usize,
    error: Option<Html>,
}

#[derive(Deserialize, Default)]
pub struct ConversationQuery {
    #[serde(default)]
    before: Option<i64>,
    /// The course to write about (a "Message" link from a course page).
    #[serde(default)]
    course: Option<String>,
}

async fn conversation_view(
    cx: &Cx,
    username: &str,
    q: &ConversationQuery,
) -> AppResult<ConversationView> {
    let me = cx.require_user()?.clone();
    let c = uc::conversation(&cx.app.env(), &cx.actor(), username, q.before).await?;
    let p = &cx.page;
    let name = p.person_name(&c.other);
    let url = conversation_url(&c.other.username);
    let mine_name = p.person_name(&me);
    let messages = c
        .messages
        .iter()
        .map(|m| {
            let mine = m.sender_id == Some(me.id);
            MessageItem {
                id: m.id,
                mine,
                author: if mine {
                    mine_name.clone()
                } else {
                    name.clone()
                },
                html: Html(m.html.clone()),
                at: from_millis(m.created_at),
                course: m.course_title.clone(),
                unread: !mine && m.read_at.is_none(),
                report_url: (!mine).then(|| format!("{url}/report/{}", m.id)),
            }
        })
        .collect();
    let chosen = q
        .course
        .as_deref()
        .filter(|k| c.courses.iter().any(|x| x.key == *k))
        .or(c.courses.first().map(|x| x.key.as_str()))
        .unwrap_or_default()
        .to_owned();
    Ok(ConversationView {
        title: p.text1("lyceum-message-conversation-title", p.bdi(&name)),
        older_url: c.older.map(|b| format!("{url}?before={b}")),
        newer_url: q.before.map(|_| url.clone()),
        courses: c
            .courses
            .iter()
            .map(|x| CourseOption {
                selected: x.key == chosen,
                key: x.key.clone(),
                title: x.title.clone(),
            })
            .collect(),
        blocked: c.blocked,
        unread: c.unread,
        suspended: cx.actor().suspended,
        name,
        url,
        messages,
        body: String::new(),
        body_max: uc::BODY.max_chars,
        error: None,
        p: p.clone(),
    })
}

pub async fn conversation_page(
    cx: Cx,
    Path(username): Path<String>,
    Query(q): Query<ConversationQuery>,
) -> AppResult<Response> {
    render(&conversation_view(&cx, &username, &q).await?)
}

#[derive(Deserialize, Default)]
pub struct SendForm {
    #[serde(default)]
    course: String,
    #[serde(default)]
    body: String,
}

/// `POST /messages/{username}`: send the reply form's message.
pub async fn send(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<SendForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    match uc::send(&cx.app.env(), &cx.actor(), &username, &f.course, &f.body).await {
        Ok(_) => Ok(see_other(&with_notice(
            &conversation_url(&username),
            "message-sent",
        ))),
        Err(e) => {
            let e: AppError = e.into();
            if matches!(e, AppError::NotFound) {
                return Err(e);
            }
            let (status, message) = form_error(&cx.page, e)?;
            let q = ConversationQuery {
                before: None,
                course: Some(f.course.clone()),
            };
            let mut view = conversation_view(&cx, &username, &q).await?;
            view.error = Some(message);
            view.body = f.body;
            render_status(status, &view)
        }
    }
}

/// `POST /messages/{username}/read`: mark what they sent read.
pub async fn read(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    uc::mark_read(&cx.app.env(), &cx.actor(), &username).await?;
    Ok(see_other(&with_notice(
        &conversation_url(&username),
        "message-read",
    )))
}

pub async fn block(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    uc::block(&cx.app.env(), &cx.actor(), &username).await?;
    Ok(see_other(&with_notice(
        &conversation_url(&username),
        "message-blocked",
    )))
}

pub async fn unblock(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    uc::unblock(&cx.app.env(), &cx.actor(), &username).await?;
    Ok(see_other(&with_notice("/messages", "message-unblocked")))
}

#[derive(Template)]
#[template(path = "messages/report.html")]
struct ReportView {
    p: Page,
    title: String,
    action: String,
    back: String,
    quoted: Html,
    reasons: Vec<ReasonChoice>,
    text: String,
    text_max: usize,
    error: Option<Html>,
}

async fn report_view(cx: &Cx, username: &str, id: i64) -> AppResult<ReportView> {
    cx.require_user()?;
    // The message must be one the viewer received from this person.
    let c = uc::conversation(&cx.app.env(), &cx.actor(), username, Some(id + 1)).await?;
    let m = c
        .messages
        .iter()
        .find(|m| m.id == id && m.sender_id == Some(c.other.id))
        .ok_or(AppError::NotFound)?;
    let p = &cx.page;
    let url = conversation_url(&c.other.username);
    Ok(ReportView {
        title: p.text1(
            "lyceum-message-report-title",
            p.bdi(&p.person_name(&c.other)),
        ),
        action: format!("{url}/report/{id}"),
        back: url,
        quoted: Html(m.html.clone()),
        reasons: reasons(""),
        text: String::new(),
        text_max: limits::REPORT_TEXT.max_chars,
        error: None,
        p: p.clone(),
    })
}

pub async fn report_page(cx: Cx, Path((username, id)): Path<(String, i64)>) -> AppResult<Response> {
    render(&report_view(&cx, &username, id).await?)
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
}

pub async fn report_post(
    cx: Cx,
    Path((username, id)): Path<(String, i64)>,
    Form(f): Form<ReportForm>,
) -> AppResult<Response> {
    let mut view = report_view(&cx, &username, id).await?;
    match uc::report(&cx.app.env(), &cx.actor(), id, &f.reason, &f.text).await {
        Ok(_) => Ok(see_other(&with_notice(&view.back, "reported"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            view.reasons = reasons(&f.reason);
            view.text = f.text;
            render_status(status, &view)
        }
    }
}
