//! Each learner's private calendar feed of their due dates (iCalendar), at a secret URL
//! they can reset from Preferences. Calendar apps fetch it without a session, so the
//! token in the URL is the only key: 256 random bits, and resetting replaces it.

use crate::deadlines::DueItem;
use crate::error::{AppError, AppResult};
use crate::handlers::dashboard::progress_of;
use crate::handlers::{see_other, with_notice};
use crate::ical::{self, Event};
use crate::page::Cx;
use crate::state::App;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lyceum_core::permissions::Actor;
use lyceum_i18n::Arg;
use lyceum_store::repo::calendar;

/// The feed's URL for a token, absolute (it is pasted into calendar apps).
pub fn feed_url(app: &App, token: &str) -> String {
    format!(
        "{}/calendar/{token}.ics",
        app.config().public_url.trim_end_matches('/')
    )
}

/// The same feed as a `webcal:` link, which phones and desktop calendar apps open as
/// "subscribe to this calendar" (they fetch it over HTTPS, or HTTP for an `http:` site).
pub fn subscribe_url(feed_url: &str) -> String {
    let rest = feed_url
        .strip_prefix("https://")
        .or_else(|| feed_url.strip_prefix("http://"))
        .unwrap_or(feed_url);
    format!("webcal://{rest}")
}

/// Tokens are 32 random bytes in unpadded base64url: 43 characters.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /calendar/{token}.ics`: every due date of the token's owner in released content
/// of the courses they are enrolled in, done or not. An unknown token is 404.
pub async fn feed(State(app): State<App>, Path(file): Path<String>) -> AppResult<Response> {
    let token = file
        .strip_suffix(".ics")
        .filter(|t| well_formed(t))
        .ok_or(AppError::NotFound)?;
    let user = {
        let mut c = app.store().conn().await?;
        calendar::user_of_feed(&mut c, token)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let actor = Actor::user(user.id(), user.is_admin);
    let courses = progress_of(&app, user.id(), &actor).await?;
    let lang = user
        .language
        .as_deref()
        .filter(|l| app.is_ui_language(l))
        .unwrap_or("en")
        .to_owned();
    let base = app.config().public_url.trim_end_matches('/').to_owned();
    let host = url::Url::parse(&base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "lyceum".to_owned());
    let mut items: Vec<DueItem> = courses.into_iter().flat_map(|(_, p)| p.deadlines).collect();
    items.sort_by(|a, b| a.due.cmp(&b.due).then(a.block.cmp(&b.block)));
    let events: Vec<Event> = items
        .iter()
        .map(|d| Event {
            uid: format!("deadline-{}-{}@{host}", d.block.0, d.kind.as_str()),
            start: d.due,
            summary: app.i18n().text(
                &lang,
                "lyceum-calendar-event-summary",
                &[Arg::from(d.title.clone())],
            ),
            description: app.i18n().text(
                &lang,
                "lyceum-calendar-event-description",
                &[Arg::from(d.course_title.clone())],
            ),
            url: format!("{base}{}", d.url),
        })
        .collect();
    let name = app.i18n().text(
        &lang,
        "lyceum-calendar-name",
        &[Arg::from(app.config().site_name.clone())],
    );
    let body = ical::calendar(&name, app.now(), &events);
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    // Private to its owner; calendar apps poll it every hour or so.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=900"),
    );
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(r)
}

/// Create the viewer's feed, or reset it (a new URL; the old one stops working).
pub async fn reset(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let token = crate::session::new_id();
    let mut c = cx.app.store().conn().await?;
    calendar::set_feed_token(&mut c, user, &token, cx.app.now_ms()).await?;
    Ok(see_other(&with_notice(
        "/preferences#calendar",
        "calendar-reset",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(well_formed(&crate::session::new_id()));
        assert!(!well_formed(""));
        assert!(!well_formed(&"a".repeat(42)));
        assert!(!well_formed(&format!("{}.", "a".repeat(42))));
    }
}
