//! Log in with a Wikimedia account: OAuth 2.0 authorization code with PKCE, `state`
//! bound to this browser, exact redirect URI. Any failure (consent declined, state
//! mismatch, provider down or answering garbage) shows a clear message on the login page
//! and creates nothing.
//!
//! Starting a login is a GET (a link on the login page) and writes nothing: the login in
//! progress (state, PKCE verifier, where to return) travels in a short-lived HttpOnly
//! cookie signed with a key derived from the OAuth client secret, so no link from
//! anywhere can make the server store anything. The callback is a GET by protocol; it
//! writes only when it completes a login this browser started (the signed `state` must
//! match), like a login form's POST.

use crate::accounts;
use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, safe_return_to};
use crate::page::Cx;
use crate::session::{self, PendingOAuth, SessionData};
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use lyceum_wiki::oauth::{CallbackParams, OAuthError, callback_error, check_callback};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// A login round trip older than this is refused (the provider's codes live 10 minutes).
const MAX_ROUND_TRIP_MS: i64 = 15 * 60 * 1000;

#[derive(Deserialize)]
pub struct Start {
    return_to: Option<String>,
}

fn pending_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-lyceum_login"
    } else {
        "lyceum_login"
    }
}

/// The key that signs logins in progress: derived from the client secret, which only
/// this site (and every server of it) knows; a new secret voids logins in progress.
fn signing_key(client_secret: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"lyceum: a Wikimedia login in progress\n")
        .chain_update(client_secret.as_bytes())
        .finalize()
        .into()
}

/// HMAC-SHA-256 (RFC 2104) of `message` under `key`.
fn mac(key: &[u8; 32]) -> hmac::Hmac<sha2_hmac::Sha256> {
    use hmac::KeyInit;
    hmac::Hmac::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
}

/// `payload.mac`, both base64url: the login in progress, readable by nobody but the
/// browser that holds the HttpOnly cookie, and changeable by nobody.
fn seal(key: &[u8; 32], pending: &PendingOAuth) -> String {
    let b64 = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json = serde_json::to_vec(pending).unwrap_or_default();
    let payload = b64.encode(json);
    let mut m = mac(key);
    hmac::Mac::update(&mut m, payload.as_bytes());
    let tag = b64.encode(hmac::Mac::finalize(m).into_bytes());
    format!("{payload}.{tag}")
}

/// The login in progress a cookie holds, if this site signed it.
fn open(key: &[u8; 32], value: &str) -> Option<PendingOAuth> {
    let b64 = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (payload, tag) = value.split_once('.')?;
    let tag = b64.decode(tag).ok()?;
    let mut m = mac(key);
    hmac::Mac::update(&mut m, payload.as_bytes());
    // Constant-time comparison.
    hmac::Mac::verify_slice(m, &tag).ok()?;
    serde_json::from_slice(&b64.decode(payload).ok()?).ok()
}

pub async fn start(cx: Cx, Query(q): Query<Start>) -> AppResult<Response> {
    let Some(oauth) = cx.app.oauth() else {
        return Err(AppError::NotFound);
    };
    let return_to = safe_return_to(q.return_to.as_deref());
    if cx.user().is_some() {
        return Ok(Redirect::to(&return_to).into_response());
    }
    redirect_to_provider(&cx, oauth, return_to, None)
}

/// Preferences → "Link Wikimedia account" (a POST: it is the logged-in user's decision):
/// the same round trip as a login, marked for this user, so the callback attaches the
/// Wikimedia identity to them.
pub async fn start_link(cx: Cx) -> AppResult<Response> {
    let Some(oauth) = cx.app.oauth() else {
        return Err(AppError::NotFound);
    };
    let user = cx.require_user()?.id();
    redirect_to_provider(&cx, oauth, "/preferences".to_owned(), Some(user.0))
}

fn redirect_to_provider(
    cx: &Cx,
    oauth: &crate::state::OAuth,
    return_to: String,
    link_user: Option<i64>,
) -> AppResult<Response> {
    let request = oauth.config.authorization_request(Some(&cx.page.lang));
    let pending = PendingOAuth {
        state: request.state,
        verifier: request.pkce_verifier,
        return_to,
        started_at: cx.app.now_ms(),
        link_user,
    };
    let key = signing_key(oauth.config.client_secret.expose());
    let secure = cx.app.config().secure_cookies();
    let mut r = Redirect::to(&request.url).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            pending_cookie_name(secure),
            &seal(&key, &pending),
            MAX_ROUND_TRIP_MS / 1000,
            secure,
            true,
        ),
    );
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

pub async fn callback(
    cx: Cx,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> AppResult<Response> {
    let Some(oauth) = cx.app.oauth() else {
        return Err(AppError::NotFound);
    };
    let secure = cx.app.config().secure_cookies();
    let name = pending_cookie_name(secure);
    let key = signing_key(oauth.config.client_secret.expose());
    let pending = session::read_cookie(&headers, name).and_then(|v| open(&key, v));
    // An error (above all a declined consent, which Extension:OAuth sends without `state`)
    // is only shown: it cannot be tied to this browser's login, so it changes nothing, not
    // even the pending login a forged link could otherwise cancel.
    if let Some(e) = callback_error(&params) {
        let return_to = pending
            .as_ref()
            .map_or("/".to_owned(), |p| safe_return_to(Some(&p.return_to)));
        return failure_to(&cx, &e, &return_to);
    }
    // The pending login is single-use in this browser, whatever happens next.
    let spent = session::set_cookie(name, "", 0, secure, true);
    let mut r = complete(&cx, oauth, pending, &params).await?;
    r.headers_mut().append(header::SET_COOKIE, spent);
    Ok(r)
}

/// Finish the login this browser started, if `params` answer it.
async fn complete(
    cx: &Cx,
    oauth: &crate::state::OAuth,
    pending: Option<PendingOAuth>,
    params: &CallbackParams,
) -> AppResult<Response> {
    let Some(pending) = pending else {
        return failure(cx, &OAuthError::StateMismatch);
    };
    if cx.app.now_ms() - pending.started_at > MAX_ROUND_TRIP_MS {
        return failure(cx, &OAuthError::StateMismatch);
    }
    let code = match check_callback(&pending.state, params) {
        Ok(code) => code,
        Err(e) => return failure(cx, &e),
    };
    let profile = match oauth
        .client
        .complete_login(&oauth.config, &code, &pending.verifier)
        .await
    {
        Ok(p) => p,
        Err(e) => return failure(cx, &e),
    };
    if let Some(owner) = pending.link_user {
        // Linking: only for the user who started it, still logged in in this browser.
        if cx.user_id() != Some(lyceum_core::UserId(owner)) {
            return failure(cx, &OAuthError::StateMismatch);
        }
        let identity = lyceum_app::accounts::WikimediaIdentity {
            central_id: profile.central_id,
            username: &profile.username,
            registered_at: profile.registered.map(|t| t.as_millisecond()),
        };
        lyceum_app::accounts::link_wikimedia(&cx.app.env(), lyceum_core::UserId(owner), &identity)
            .await?;
        return Ok(Redirect::to(&crate::handlers::with_notice(
            "/preferences",
            "account-wikimedia-linked",
        ))
        .into_response());
    }
    let user = accounts::login_wikimedia(cx.app.store(), &profile, cx.app.now_ms()).await?;
    // A rename on the wikis renames the user here: other sessions of theirs must reload.
    cx.app.sessions().forget_user(user);
    // A blocked person is told so, and gets no session.
    if lyceum_app::users::is_blocked(&cx.app.env(), user).await? {
        let body = crate::handlers::account::login_view_with_error(
            cx,
            &safe_return_to(Some(&pending.return_to)),
            cx.page.text("lyceum-admin-login-blocked"),
        )?;
        let mut r = crate::handlers::html_response(body);
        *r.status_mut() = StatusCode::FORBIDDEN;
        return Ok(r);
    }
    record_standing(cx, oauth, user, &profile).await;
    let mut tx = cx.app.store().begin().await?;
    // A session the browser already had (planted or not) is replaced: no fixation.
    let cookie = session::start(
        &cx.app,
        &mut tx,
        cx.session.as_ref(),
        Some(user),
        &SessionData::default(),
    )
    .await?;
    tx.commit().await?;
    let mut r = Redirect::to(&safe_return_to(Some(&pending.return_to))).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

/// Read and store the person's Wikimedia standing (issue 13, trust): their groups and
/// edit count on the site's home wiki (its Action API, when configured), else the ones
/// the login profile reports. Autoconfirmed or better trusts the account. A wiki that
/// is down or answers oddly is logged and never fails the login.
async fn record_standing(
    cx: &Cx,
    oauth: &crate::state::OAuth,
    user: lyceum_core::UserId,
    profile: &lyceum_wiki::oauth::Profile,
) {
    let from_profile = || lyceum_core::trust::WikiStanding {
        groups: profile.groups.clone(),
        editcount: profile.editcount.unwrap_or(0),
    };
    let home = cx
        .app
        .config()
        .wikimedia
        .as_ref()
        .and_then(|w| w.home_wiki_api.clone());
    let standing = match home {
        Some(api) => match oauth.client.user_standing(&api, &profile.username).await {
            Ok(answer) => lyceum_core::trust::parse_wiki_standing(&answer),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the Wikimedia standing; the login goes on");
                None
            }
        },
        None => Some(from_profile()),
    };
    if let Some(s) = standing
        && let Err(e) = lyceum_app::trust::record_wiki_standing(&cx.app.env(), user, &s).await
    {
        tracing::warn!(error = %e.error.key.0, "cannot store the Wikimedia standing");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231 test case 1: key 0x0b × 20 (zero-padded like any short key).
        let mut key = [0u8; 32];
        key[..20].fill(0x0b);
        let mut m = mac(&key);
        hmac::Mac::update(&mut m, b"Hi There");
        let hex: String = hmac::Mac::finalize(m)
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn a_sealed_login_opens_only_unchanged_and_with_its_key() {
        let key = signing_key("secret");
        let pending = PendingOAuth {
            state: "s".repeat(43),
            verifier: "v".repeat(43),
            return_to: "/dashboard".into(),
            started_at: 7,
            link_user: None,
        };
        let sealed = seal(&key, &pending);
        let opened = open(&key, &sealed).expect("opens");
        assert_eq!(
            (opened.state, opened.return_to, opened.started_at),
            (pending.state.clone(), pending.return_to.clone(), 7)
        );
        assert!(open(&signing_key("another"), &sealed).is_none());
        let (payload, mac) = sealed.split_once('.').unwrap();
        let forged = PendingOAuth {
            return_to: "https://evil.example/".into(),
            ..pending
        };
        let b64 = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let other = b64.encode(serde_json::to_vec(&forged).unwrap());
        assert!(open(&key, &format!("{other}.{mac}")).is_none());
        assert!(open(&key, payload).is_none());
        assert!(open(&key, &format!("{payload}.")).is_none());
        assert!(open(&key, "").is_none());
    }
}
