//! Logging in and out with a local account, preferences, and the language menu.

use crate::accounts;
use crate::error::{AppError, AppResult};
use crate::handlers::calendar as feed;
use crate::handlers::{html_response, safe_return_to, see_other, with_notice};
use crate::login_limits;
use crate::page::{self, Cx, Page};
use crate::session::{self, SessionData};
use crate::time_zones::{self, ZoneGroup, ZoneOption};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyceum_core::user::{username_key, validate_display_name, validate_time_zone};
use lyceum_store::repo::{calendar, sessions, users};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginView {
    p: Page,
    title: String,
    error: Option<String>,
    wikimedia: bool,
    return_to: String,
    return_to_encoded: String,
    username: String,
}

#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

fn login_view(
    cx: &Cx,
    return_to: &str,
    username: &str,
    error: Option<String>,
) -> AppResult<String> {
    LoginView {
        title: cx.page.text("lyceum-login-title"),
        error,
        wikimedia: cx.app.oauth().is_some(),
        return_to: return_to.to_owned(),
        return_to_encoded: url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect(),
        username: username.to_owned(),
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

/// The login page showing an error (used by the Wikimedia login on failure).
pub fn login_view_with_error(cx: &Cx, return_to: &str, message: String) -> AppResult<String> {
    login_view(cx, return_to, "", Some(message))
}

pub async fn login_page(cx: Cx, Query(q): Query<ReturnTo>) -> AppResult<Response> {
    let return_to = safe_return_to(q.return_to.as_deref());
    if cx.user().is_some() {
        return Ok(see_other(&return_to));
    }
    Ok(html_response(login_view(&cx, &return_to, "", None)?))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    return_to: Option<String>,
}

/// The peer's socket address, when the server was started with connect info (tests
/// that call the router directly have none).
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

pub async fn login(
    cx: Cx,
    headers: HeaderMap,
    peer: Peer,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let return_to = safe_return_to(f.return_to.as_deref());
    let key = username_key(&f.username);
    let ip = login_limits::client_ip(cx.app.config().trust_forwarded_for, &headers, peer.0);
    // The attempt is counted before the password is checked, so guesses sent together
    // cannot all pass a limit that only failures already finished would have reached.
    let attempt = match login_limits::reserve(&cx.app, &key, ip).await? {
        Ok(a) => a,
        Err(wait) => {
            return Err(AppError::RateLimited {
                key: "lyceum-error-rate-limited",
                retry_after_secs: wait,
            });
        }
    };
    let found = {
        let mut c = cx.app.store().conn().await?;
        users::find_password_hash(&mut c, &key).await?
    };
    let ok =
        accounts::verify_password(f.password.clone(), found.as_ref().map(|(_, h)| h.clone())).await;
    let Some((user, _)) = found.filter(|_| ok) else {
        let body = login_view(
            &cx,
            &return_to,
            &f.username,
            Some(cx.page.text("lyceum-login-failed")),
        )?;
        return Ok((StatusCode::UNAUTHORIZED, html_response(body)).into_response());
    };
    // The right password for a blocked account: say it is blocked (only someone who
    // knows the password learns it), and start no session.
    if lyceum_app::users::is_blocked(&cx.app.env(), user).await? {
        let body = login_view(
            &cx,
            &return_to,
            &f.username,
            Some(cx.page.text("lyceum-admin-login-blocked")),
        )?;
        return Ok((StatusCode::FORBIDDEN, html_response(body)).into_response());
    }
    let now = cx.app.now_ms();
    let mut tx = cx.app.store().begin().await?;
    login_limits::succeeded(&mut tx, &attempt, user, now).await?;
    let cookie = session::start(
        &cx.app,
        &mut tx,
        cx.session.as_ref(),
        Some(user),
        &SessionData::default(),
    )
    .await?;
    users::touch_login(&mut tx, user, now).await?;
    tx.commit().await?;
    let mut r = see_other(&return_to);
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

pub async fn logout(cx: Cx) -> AppResult<Response> {
    if let Some(s) = &cx.session {
        let mut c = cx.app.store().conn().await?;
        sessions::delete(&mut c, &s.id_hash).await?;
        cx.app.sessions().forget(&s.id_hash);
    }
    let mut r = see_other(&with_notice("/", "logged-out"));
    r.headers_mut()
        .append(header::SET_COOKIE, session::clear(&cx.app));
    Ok(r)
}

#[derive(Template)]
#[template(path = "account/preferences.html")]
struct PreferencesView {
    p: Page,
    title: String,
    error: Option<String>,
    username: String,
    wikimedia_name: Option<String>,
    display_name: String,
    language: String,
    time_zone: String,
    detected_zone: Option<String>,
    /// Shown first in the menu: the browser's zone, and a stored zone that is no longer
    /// in the menu (an old alias), so saving the form never changes it unasked.
    first_zones: Vec<ZoneOption>,
    /// The stored zone is selected in its region unless it is already selected first.
    select_in_menu: bool,
    zones: Vec<ZoneGroup>,
    /// The account's e-mail address (the field is always there; without mail configured
    /// the page says it is not verified nor used for mail).
    email: String,
    /// The site mails (notices, verification and reset links).
    mail: bool,
    /// The stored address is verified.
    email_verified: bool,
    /// The account has a local password (else the form adds one).
    has_password: bool,
    /// Wikimedia login is configured on this site.
    wikimedia_login: bool,
    /// The viewer's private calendar feed URL, once they made one.
    calendar_url: Option<String>,
    /// The feed as a `webcal:` link that calendar apps subscribe to.
    calendar_subscribe: Option<String>,
    /// How notices reach the person (issue 15): `app`, `now` or `daily`.
    notify_email: String,
}

async fn preferences_view(
    cx: &Cx,
    headers: &HeaderMap,
    error: Option<String>,
    f: PreferencesForm,
) -> AppResult<String> {
    let PreferencesForm {
        display_name,
        language,
        time_zone,
        email,
    } = f;
    let user = cx.require_user()?;
    let (wikimedia_name, feed, has_password, notify_email) = {
        let mut c = cx.app.store().conn().await?;
        (
            users::find_wikimedia_account_of_user(&mut c, user.id())
                .await?
                .map(|a| a.username),
            calendar::feed_token(&mut c, user.id()).await?,
            lyceum_store::repo::accounts::password_hash(&mut c, user.id())
                .await?
                .is_some(),
            lyceum_store::repo::notification_settings::email(&mut c, user.id()).await?,
        )
    };
    let now = cx.app.now();
    let mut first_zones: Vec<ZoneOption> = Vec::new();
    if let Some(z) = page::browser_zone(headers).and_then(|z| time_zones::option(&z, now)) {
        first_zones.push(z);
    }
    if !time_zone.is_empty()
        && !time_zones::is_canonical(&time_zone)
        && !first_zones.iter().any(|z| z.name == time_zone)
        && let Some(z) = time_zones::option(&time_zone, now)
    {
        first_zones.push(z);
    }
    let select_in_menu = !first_zones.iter().any(|z| z.name == time_zone);
    PreferencesView {
        title: cx.page.text("lyceum-preferences-title"),
        error,
        username: user.username.clone(),
        wikimedia_name,
        display_name,
        language,
        time_zone,
        // Without a stored zone, the page's zone came from the browser.
        detected_zone: (!cx.page.tz_fallback && user.time_zone.is_none())
            .then(|| cx.page.tz_name.clone()),
        select_in_menu,
        first_zones,
        zones: time_zones::menu(now),
        email_verified: user.email_verified_at.is_some()
            && user.email.as_deref() == Some(email.trim()),
        email,
        mail: cx.app.config().email.is_some(),
        has_password,
        wikimedia_login: cx.app.oauth().is_some(),
        calendar_subscribe: feed
            .as_ref()
            .map(|t| feed::subscribe_url(&feed::feed_url(&cx.app, t))),
        calendar_url: feed.map(|t| feed::feed_url(&cx.app, &t)),
        notify_email,
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

/// The preferences page with a refusal from one of its other forms (password, Wikimedia),
/// the preferences form showing what is stored.
pub async fn preferences_with_error(
    cx: &Cx,
    headers: &HeaderMap,
    status: StatusCode,
    message: String,
) -> AppResult<Response> {
    let user = cx.require_user()?.clone();
    let form = PreferencesForm {
        display_name: user.display_name,
        language: user.language.unwrap_or_default(),
        time_zone: user.time_zone.unwrap_or_default(),
        email: user.email.unwrap_or_default(),
    };
    let body = preferences_view(cx, headers, Some(message), form).await?;
    Ok((status, html_response(body)).into_response())
}

pub async fn preferences_page(cx: Cx, headers: HeaderMap) -> AppResult<Response> {
    let user = cx.require_user()?.clone();
    let form = PreferencesForm {
        display_name: user.display_name,
        language: user.language.unwrap_or_default(),
        time_zone: user.time_zone.unwrap_or_default(),
        email: user.email.unwrap_or_default(),
    };
    let body = preferences_view(&cx, &headers, None, form).await?;
    Ok(html_response(body))
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    email: String,
}

pub async fn save_preferences(
    cx: Cx,
    headers: HeaderMap,
    Form(f): Form<PreferencesForm>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let checked = (|| {
        let name = validate_display_name(&f.display_name)?;
        let language = if f.language.is_empty() {
            None
        } else if cx.app.is_ui_language(&f.language) {
            Some(f.language.clone())
        } else {
            return Err(lyceum_core::DomainError::new("lyceum-error-language-code")
                .with_arg(f.language.clone()));
        };
        let tz = if f.time_zone.is_empty() {
            None
        } else {
            Some(validate_time_zone(&f.time_zone)?)
        };
        let email = lyceum_core::user::validate_email(&f.email)?;
        Ok((name, language, tz, email))
    })();
    match checked {
        Ok((name, language, tz, email)) => {
            let mut c = cx.app.store().conn().await?;
            users::update_preferences(&mut c, user, &name, language.as_deref(), tz.as_deref())
                .await?;
            drop(c);
            // A new address is unverified; when the site mails, it gets a link to verify it.
            let mail = cx.app.config().email.is_some();
            let link = lyceum_app::accounts::set_email(
                &cx.app.env(),
                user,
                email.as_deref().unwrap_or(""),
                mail,
            )
            .await?;
            if let Some(link) = link
                && let Err(e) = crate::mailer::send_account_link(
                    &cx.app,
                    &link,
                    crate::mailer::AccountMail::Verify,
                )
                .await
            {
                tracing::warn!(user = user.0, error = %e, "mailing a verification link failed");
            }
            cx.app.sessions().forget_user(user);
            Ok(see_other(&with_notice("/preferences", "saved")))
        }
        Err(e) => {
            let msg = cx.app.i18n().text(
                &cx.page.lang,
                e.key.0,
                &e.args
                    .iter()
                    .map(|a| lyceum_i18n::Arg::from(a.clone()))
                    .collect::<Vec<_>>(),
            );
            let body = preferences_view(&cx, &headers, Some(msg), f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html_response(body)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct NotificationsForm {
    #[serde(default)]
    email: String,
}

/// `POST /preferences/notifications`: how notices reach the person (in the app only, by
/// e-mail at once, or in a daily digest).
pub async fn save_notifications(
    cx: Cx,
    headers: HeaderMap,
    Form(f): Form<NotificationsForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    match lyceum_app::notification_settings::set_email(&cx.app.env(), &cx.actor(), &f.email).await {
        Ok(()) => Ok(see_other(&with_notice(
            "/preferences#notifications",
            "notifications-saved",
        ))),
        Err(e) => {
            let (status, message) = crate::handlers::admin::form_error(&cx.page, e)?;
            preferences_with_error(&cx, &headers, status, message.0).await
        }
    }
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    return_to: Option<String>,
}

/// The language menu: remembered for the user, and in a cookie for everyone.
pub async fn set_language(cx: Cx, Form(f): Form<LanguageForm>) -> AppResult<Response> {
    if !cx.app.is_ui_language(&f.lang) {
        return Err(AppError::invalid(
            lyceum_core::DomainError::new("lyceum-error-language-code").with_arg(f.lang),
        ));
    }
    if let Some(user) = cx.user_id() {
        let mut c = cx.app.store().conn().await?;
        users::set_language(&mut c, user, &f.lang).await?;
        cx.app.sessions().forget_user(user);
    }
    let back = strip_uselang(&safe_return_to(f.return_to.as_deref()));
    let mut r = see_other(&back);
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            "lang",
            &f.lang,
            365 * 24 * 3600,
            cx.app.config().secure_cookies(),
            false,
        ),
    );
    Ok(r)
}

/// Drop `uselang=` from a path so the new choice is not overridden on arrival.
fn strip_uselang(path: &str) -> String {
    let Some((p, q)) = path.split_once('?') else {
        return path.to_owned();
    };
    let kept: Vec<&str> = q
        .split('&')
        .filter(|kv| !kv.starts_with("uselang="))
        .collect();
    if kept.is_empty() {
        p.to_owned()
    } else {
        format!("{p}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uselang_is_dropped() {
        assert_eq!(strip_uselang("/a?uselang=fr"), "/a");
        assert_eq!(strip_uselang("/a?x=1&uselang=fr&y=2"), "/a?x=1&y=2");
        assert_eq!(strip_uselang("/a"), "/a");
    }
}
