//! Log in with a Wikimedia account: OAuth 2.0 authorization code with PKCE, `state`
//! bound to a server-side session, exact redirect URI. Any failure (consent declined,
//! state mismatch, provider down or answering garbage) shows a clear message on the login
//! page and creates nothing.

use crate::accounts;
use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, safe_return_to};
use crate::page::Cx;
use crate::session::{self, PendingOAuth, SessionData};
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lyceum_store::repo::sessions;
use lyceum_wiki::oauth::{CallbackParams, OAuthError, callback_error, check_callback};
use serde::Deserialize;

/// A login round trip older than this is refused (the provider's codes live 10 minutes).
const MAX_ROUND_TRIP_MS: i64 = 15 * 60 * 1000;

#[derive(Deserialize)]
pub struct Start {
    return_to: Option<String>,
}

pub async fn start(cx: Cx, Query(q): Query<Start>) -> AppResult<Response> {
    let Some(oauth) = cx.app.oauth() else {
        return Err(AppError::NotFound);
    };
    let return_to = safe_return_to(q.return_to.as_deref());
    if cx.user().is_some() {
        return Ok(Redirect::to(&return_to).into_response());
    }
    let request = oauth.config.authorization_request(Some(&cx.page.lang));
    let data = SessionData {
        oauth: Some(PendingOAuth {
            state: request.state,
            verifier: request.pkce_verifier,
            return_to,
            started_at: cx.app.now_ms(),
        }),
    };
    let mut c = cx.app.store().conn().await?;
    let cookie = session::start(&cx.app, &mut c, cx.session.as_ref(), None, &data).await?;
    let mut r = Redirect::to(&request.url).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

fn failure(cx: &Cx, e: &OAuthError) -> AppResult<Response> {
    failure_to(cx, e, "/")
}

/// The login page with the failure's message in the person's language; after logging in
/// there, they go on to `return_to`.
fn failure_to(cx: &Cx, e: &OAuthError, return_to: &str) -> AppResult<Response> {
    if !matches!(e, OAuthError::Denied) {
        tracing::warn!(error = %e, "Wikimedia login failed");
    }
    let status = match e {
        OAuthError::ProviderUnavailable(_) | OAuthError::InvalidResponse(_) => {
            StatusCode::BAD_GATEWAY
        }
        OAuthError::ClientRejected | OAuthError::Config(_) => StatusCode::INTERNAL_SERVER_ERROR,
        OAuthError::Suppressed | OAuthError::NoCentralId => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    let message = cx.page.text(e.message_key());
    let body = crate::handlers::account::login_view_with_error(cx, return_to, message)?;
    Ok((status, html_response(body)).into_response())
}

pub async fn callback(cx: Cx, Query(params): Query<CallbackParams>) -> AppResult<Response> {
    let Some(oauth) = cx.app.oauth() else {
        return Err(AppError::NotFound);
    };
    // An error (above all a declined consent, which Extension:OAuth sends without `state`)
    // is only shown: it cannot be tied to this browser's login, so it changes nothing, not
    // even the pending login a forged link could otherwise cancel.
    if let Some(e) = callback_error(&params) {
        let return_to = cx
            .session
            .as_ref()
            .and_then(|s| s.data.oauth.as_ref())
            .map_or("/", |p| p.return_to.as_str());
        return failure_to(&cx, &e, return_to);
    }
    let Some(sess) = cx.session.as_ref() else {
        return failure(&cx, &OAuthError::StateMismatch);
    };
    let Some(pending) = sess.data.oauth.clone() else {
        return failure(&cx, &OAuthError::StateMismatch);
    };
    // The pending login is single-use, whatever happens next.
    {
        let mut c = cx.app.store().conn().await?;
        sessions::update_data(&mut c, &sess.id_hash, "{}").await?;
        cx.app.sessions().forget(&sess.id_hash);
    }
    if cx.app.now_ms() - pending.started_at > MAX_ROUND_TRIP_MS {
        return failure(&cx, &OAuthError::StateMismatch);
    }
    let code = match check_callback(&pending.state, &params) {
        Ok(code) => code,
        Err(e) => return failure(&cx, &e),
    };
    let profile = match oauth
        .client
        .complete_login(&oauth.config, &code, &pending.verifier)
        .await
    {
        Ok(p) => p,
        Err(e) => return failure(&cx, &e),
    };
    let user = accounts::login_wikimedia(cx.app.store(), &profile, cx.app.now_ms()).await?;
    // A rename on the wikis renames the user here: other sessions of theirs must reload.
    cx.app.sessions().forget_user(user);
    let mut tx = cx.app.store().begin().await?;
    let cookie = session::start(
        &cx.app,
        &mut tx,
        Some(sess),
        Some(user),
        &SessionData::default(),
    )
    .await?;
    tx.commit().await?;
    let mut r = Redirect::to(&pending.return_to).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}
