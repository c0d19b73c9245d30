//! Issue 13's trust routes. `/code-of-conduct`: the site's code of conduct (`lyceum_app::conduct`), readable by
//! anyone, with "I accept" for a logged-in person who has not accepted it yet. People
//! sent here before publishing or creating come back to `next` once they accept.

use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, safe_return_to, see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use jiff::Timestamp;
use lyceum_app::conduct;
use lyceum_core::clock::from_millis;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/code-of-conduct", get(page).post(accept))
        // Trusting an account over JSON (`crate::api::trust`).
        .merge(crate::api::trust::routes())
}

#[derive(Template)]
#[template(path = "conduct.html")]
struct ConductView {
    p: Page,
    title: String,
    text: Html,
    logged_in: bool,
    accepted: Option<Timestamp>,
    /// Where to go back to after accepting (a path on this site), if sent here.
    next: Option<String>,
    login_url: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// The next page, if it is one of ours.
fn next_of(next: Option<&str>) -> Option<String> {
    next.filter(|n| !n.is_empty())
        .map(|n| safe_return_to(Some(n)))
        .filter(|n| n != "/code-of-conduct")
}

/// `GET /code-of-conduct`: two statements for a logged-in person (the text, their
/// acceptance), one for anyone else.
pub async fn page(cx: Cx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    let custom = {
        let mut c = cx.app.store().conn().await?;
        conduct::text(&mut c).await?
    };
    let accepted = cx
        .user()
        .and_then(|u| u.conduct_accepted_at)
        .map(from_millis);
    let p = &cx.page;
    let text = match custom {
        Some(md) => Html(lyceum_core::sanitize::markdown_to_html(&md)),
        None => default_text(p),
    };
    let next = next_of(q.next.as_deref());
    let here = match &next {
        Some(n) => format!(
            "/code-of-conduct?next={}",
            url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
        ),
        None => "/code-of-conduct".to_owned(),
    };
    let view = ConductView {
        title: p.text("lyceum-conduct-title"),
        text,
        logged_in: cx.user().is_some(),
        accepted,
        login_url: format!(
            "/login?return_to={}",
            url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
        ),
        next,
        p: p.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// Wikimedia's Universal Code of Conduct and Friendly Space Policy, which the default
/// text points to.
pub const UCOC_URL: &str = "https://meta.wikimedia.org/wiki/Universal_Code_of_Conduct";
pub const FRIENDLY_SPACE_URL: &str =
    "https://foundation.wikimedia.org/wiki/Policy:Friendly_space_policy";

/// The default code of conduct, in the reader's language: the site follows Wikimedia's
/// Universal Code of Conduct and Friendly Space Policy, and what that means here.
fn default_text(p: &Page) -> Html {
    use crate::page::Piece;
    let link = |href: &str, key: &str| Piece::Html(format!("<a href=\"{href}\">{}</a>", p.t(key)));
    Html(format!(
        "<p>{}</p><ul><li>{}</li><li>{}</li><li>{}</li></ul><p>{}</p>",
        p.tn(
            "lyceum-conduct-default-intro",
            &[
                link(UCOC_URL, "lyceum-conduct-ucoc"),
                link(FRIENDLY_SPACE_URL, "lyceum-conduct-friendly-space"),
            ]
        ),
        p.t("lyceum-conduct-default-respect"),
        p.t("lyceum-conduct-default-content"),
        p.t("lyceum-conduct-default-report"),
        p.t("lyceum-conduct-default-consequences"),
    ))
}

#[derive(Deserialize, Default)]
pub struct AcceptForm {
    #[serde(default)]
    next: String,
}

/// `POST /code-of-conduct`: accept it (once; again is harmless) and go back where the
/// person was sent from, or to this page with a notice.
pub async fn accept(cx: Cx, Form(f): Form<AcceptForm>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    conduct::accept(&cx.app.env(), &cx.actor()).await?;
    cx.app.sessions().forget_user(user);
    let to = next_of(Some(&f.next)).unwrap_or_else(|| "/code-of-conduct".to_owned());
    Ok(see_other(&with_notice(&to, "conduct-accepted")))
}
