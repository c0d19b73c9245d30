//! The viewer's notices (new feedback, a response returned, reviews waiting): listed on
//! `/notifications`, counted in the header, marked read one by one as they are opened (a
//! small POST, since a GET never writes) or all at once.

use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, see_other};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::clock::from_millis;
use lyceum_store::repo::notifications;

/// Notices the page lists, newest first.
const SHOWN: i64 = 100;

pub struct NoticeLine {
    pub text: Html,
    /// Where opening it goes (through `open_url`, which marks it read).
    pub link: String,
    pub open_url: String,
    /// The course it is about, so two notices about same-named assignments differ.
    /// Bidi-isolated by the template (`p.bdi`): a title in another script keeps its order
    /// inside the sentence.
    pub course: Option<String>,
    pub at: Timestamp,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsView {
    p: Page,
    title: String,
    notices: Vec<NoticeLine>,
    unread: usize,
}

pub async fn page(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    let rows = notifications::recent(&mut c, user, SHOWN).await?;
    let p = &cx.page;
    let notices: Vec<NoticeLine> = rows
        .into_iter()
        .filter_map(|n| {
            let key = crate::mailer::notice_key(&n.kind)?;
            Some(NoticeLine {
                text: p.t1(key, p.bdi(&n.subject)),
                // Links are ours (the site's own paths); anything else goes home.
                link: crate::handlers::safe_return_to(Some(&n.link)),
                open_url: format!("/notifications/{}/open", n.id),
                course: n.course_title.filter(|t| !t.trim().is_empty()),
                at: from_millis(n.created_at),
                unread: n.read_at.is_none(),
            })
        })
        .collect();
    let view = NotificationsView {
        title: p.text("lyceum-or-notifications-title"),
        unread: notices.iter().filter(|n| n.unread).count(),
        notices,
        p: p.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// `POST /notifications/{id}/open`: mark one of the viewer's notices read and go where it
/// points. Someone else's notice, or none, is 404.
pub async fn open(
    cx: Cx,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    let link = notifications::open(&mut c, user, id, cx.app.now_ms())
        .await?
        .ok_or(AppError::NotFound)?;
    cx.app.sessions().forget_user(user);
    // Links are ours (the site's own paths); anything else goes home.
    Ok(see_other(&crate::handlers::safe_return_to(Some(&link))))
}

/// `POST /notifications/read`: mark every notice read.
pub async fn read_all(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    notifications::mark_all_read(&mut c, user, cx.app.now_ms()).await?;
    cx.app.sessions().forget_user(user);
    Ok(see_other("/notifications"))
}
