//! The caller's notifications over JSON: the latest ones with how many are unread, and
//! marking them read. (Notices come from the block kinds that send them — today open
//! responses: feedback, a return, reviews waiting.)

use super::{json, time};
use crate::error::AppResult;
use crate::page::Cx;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lyceum_store::repo::notifications;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct NotificationJson {
    pub id: i64,
    /// `feedback`, `returned`, `reviews-needed`.
    pub kind: String,
    /// In the caller's language.
    pub message: String,
    /// What it is about (an assignment's title).
    pub subject: String,
    /// The title of the course it is about, if any.
    pub course_title: Option<String>,
    /// The site's path to go to.
    pub link: String,
    pub created_at: Option<String>,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationsJson {
    pub unread: i64,
    /// The latest 50, newest first.
    pub notifications: Vec<NotificationJson>,
}

/// The caller's latest notifications and how many are unread.
#[utoipa::path(get, path = "/api/v1/me/notifications",
    responses((status = 200, body = NotificationsJson), (status = 401)),
    tag = "open-responses")]
pub async fn my_notifications(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    let rows = notifications::recent(&mut c, user, 50).await?;
    let unread = notifications::unread_count(&mut c, user).await?;
    drop(c);
    let p = &cx.page;
    let list = rows
        .into_iter()
        .map(|n| NotificationJson {
            message: crate::mailer::notice_key(&n.kind)
                .map(|k| p.text1(k, n.subject.as_str()))
                .unwrap_or_default(),
            id: n.id,
            kind: n.kind,
            subject: n.subject,
            course_title: n.course_title,
            link: n.link,
            created_at: time(Some(n.created_at)),
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        NotificationsJson {
            unread,
            notifications: list,
        },
    ))
}

/// Mark every notification of the caller read.
#[utoipa::path(post, path = "/api/v1/me/notifications/read",
    responses((status = 204), (status = 401)),
    tag = "open-responses")]
pub async fn read_notifications(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    notifications::mark_all_read(&mut c, user, cx.app.now_ms()).await?;
    cx.app.sessions().forget_user(user);
    Ok(StatusCode::NO_CONTENT.into_response())
}
