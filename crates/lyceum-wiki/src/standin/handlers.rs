//! The stand-in's routes, answering as Extension:OAuth and league/oauth2-server 8 do.

use super::html::{self, Consent};
use super::{AuthorizeSeen, CodeGrant, Mode, REGISTERED_GRANTS, Shared, TokenGrant};
use crate::oauth::{constant_time_eq, pkce_challenge, random_token};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Authorization codes live 10 minutes (`AuthorizationCodeProvider`, PT10M).
const CODE_TTL: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
/// Wikimedia production's access-token lifetime (PT4H).
const TOKEN_TTL_SECS: i64 = 4 * 3600;

const ACCESS_DENIED: &str = "The resource owner or authorization server denied the request.";
const INVALID_REQUEST: &str = "The request is missing a required parameter, includes an invalid \
     parameter value, includes a parameter more than once, or is otherwise malformed.";
const INVALID_GRANT: &str = "The provided authorization grant (e.g., authorization code, resource \
     owner credentials) or refresh token is invalid, expired, revoked, does not match the \
     redirection URI used in the authorization request, or was issued to another client.";
const CLIENT_AUTH_FAILED: &str = "Client authentication failed";

type Params = HashMap<String, String>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/w/rest.php/oauth2/authorize", get(authorize))
        .route("/w/rest.php/oauth2/approve", post(approve))
        .route("/w/rest.php/oauth2/access_token", post(access_token))
        .route("/w/rest.php/oauth2/resource/profile", get(profile))
        .route("/w/rest.php/oauth2/resource/scopes", get(scopes))
        .with_state(shared)
}

/// Parses a query string or form body the way PHP does: the last duplicate wins.
fn parse_params(raw: &[u8]) -> Params {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

fn param<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// league/oauth2-server's error body: `error`, `error_description`, `hint`, `message`.
fn league_error(
    status: StatusCode,
    error: &str,
    description: &str,
    hint: Option<&str>,
) -> Response {
    let mut body = json!({
        "error": error,
        "error_description": description,
        "message": description,
    });
    if let (Some(hint), Some(map)) = (hint, body.as_object_mut()) {
        map.insert("hint".into(), Value::from(hint));
    }
    json_response(status, &body)
}

fn invalid_request(hint: &str) -> Response {
    league_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        INVALID_REQUEST,
        Some(hint),
    )
}

fn invalid_client() -> Response {
    league_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        CLIENT_AUTH_FAILED,
        None,
    )
}

fn access_denied(hint: &str) -> Response {
    league_error(
        StatusCode::UNAUTHORIZED,
        "access_denied",
        ACCESS_DENIED,
        Some(hint),
    )
}

/// JSON with league's headers: tokens must not be cached.
fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn garbage() -> Response {
    Html("<!DOCTYPE html><html><body><h1>Wikimedia Error</h1><p>Our servers are currently under maintenance or experiencing a technical problem.</p></body></html>").into_response()
}

/// The error page is served with 200, exactly like the real one.
fn connection_error(message: &str) -> Response {
    Html(html::connection_error(message)).into_response()
}

fn redirect(to: &url::Url) -> Response {
    match HeaderValue::from_str(to.as_str()) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => connection_error("The redirect URI cannot be used."),
    }
}

/// What Extension:OAuth answers when the person presses Cancel on the consent form
/// (REL1_39 and current master alike): `SpecialMWOAuth::showCancelPage` sends the browser back
/// to the authorize endpoint with `approval_cancel=1`, which throws
/// `ClientApprovalDenyException`: league's `OAuthServerException` with error type
/// `unauthorized_client` (not `access_denied`) and the redirect URI. league's
/// `generateHttpResponse` then answers `302` with `Location: REDIRECT_URI?` +
/// `http_build_query(['error' => …, 'error_description' => MESSAGE, 'message' => MESSAGE])`:
/// no `state` (the exception never carries it) and no code. MESSAGE is the wiki message
/// `mwoauth-oauth2-error-user-approval-deny` in the person's language; its exact wording is
/// not recorded, so the stand-in writes its own, in English or French, and clients must not
/// rely on it (only on `error`).
fn declined(redirect_uri: &str, lang: &str) -> Response {
    let message = match lang.split('-').next() {
        Some("fr") => USER_APPROVAL_DENY_FR,
        _ => USER_APPROVAL_DENY_EN,
    };
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!(
        "{redirect_uri}{separator}error=unauthorized_client&error_description={m}&message={m}",
        m = php_urlencode(message)
    );
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => connection_error("The redirect URI cannot be used."),
    }
}

const USER_APPROVAL_DENY_EN: &str = "The user declined to authorize the application.";
const USER_APPROVAL_DENY_FR: &str =
    "L\u{2019}utilisateur a refusé d\u{2019}autoriser l\u{2019}application.";

/// PHP's `urlencode`, which `http_build_query` uses: every byte but `A-Za-z0-9-_.` is
/// percent-encoded (upper-case hex), and a space becomes `+`.
fn php_urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The scopes a request gets: known grants only, `#default` meaning the login-only grant.
fn granted_scopes(requested: Option<&str>) -> Vec<String> {
    let requested: Vec<&str> = requested.unwrap_or("").split_whitespace().collect();
    let mut granted: Vec<String> = Vec::new();
    for scope in &requested {
        if REGISTERED_GRANTS.contains(scope) && !granted.iter().any(|g| g == scope) {
            granted.push((*scope).to_owned());
        }
    }
    if granted.is_empty() {
        granted.push("mwoauth-authonly".to_owned());
    }
    granted
}

/// Checks the client and redirect URI shared by authorize and approve; `Err` is the message
/// for the error page.
fn check_client<'a>(shared: &'a Shared, p: &'a Params) -> Result<&'a str, &'static str> {
    if param(p, "client_id") != Some(shared.client_id.as_str()) {
        return Err(CLIENT_AUTH_FAILED);
    }
    // Without one the registered callback applies; with one it must match exactly.
    let redirect_uri = param(p, "redirect_uri").unwrap_or(&shared.redirect_uri);
    if redirect_uri != shared.redirect_uri {
        return Err(CLIENT_AUTH_FAILED);
    }
    Ok(redirect_uri)
}

fn is_language_tag(s: &str) -> bool {
    !s.is_empty() && s.len() <= 35 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

async fn authorize(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    let p = parse_params(uri.query().unwrap_or("").as_bytes());
    let redirect_uri = match check_client(&shared, &p) {
        Ok(r) => r,
        Err(message) => return connection_error(message),
    };
    if param(&p, "response_type") != Some("code") {
        return connection_error(
            "The authorization server does not support obtaining an authorization code using this method.",
        );
    }
    let challenge = param(&p, "code_challenge");
    let method = param(&p, "code_challenge_method");
    if challenge.is_some() && method != Some("S256") {
        return connection_error("Code challenge method must be S256 on this stand-in.");
    }
    if challenge.is_none() && method.is_some() {
        return connection_error("Check the `code_challenge` parameter");
    }
    if let Some(c) = challenge
        && (c.len() != 43
            || !c
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)))
    {
        return connection_error("Code challenge must be a base64url SHA-256 digest.");
    }

    let scopes = granted_scopes(param(&p, "scope"));
    // `ui_locales` is a preference list; the first entry becomes `uselang`.
    let lang = param(&p, "ui_locales")
        .and_then(|l| l.split_whitespace().next())
        .filter(|l| is_language_tag(l))
        .unwrap_or("en");

    let mut state = shared.state();
    state.last_authorize = Some(AuthorizeSeen {
        scope: param(&p, "scope").map(str::to_owned),
        ui_locales: param(&p, "ui_locales").map(str::to_owned),
        code_challenge_method: method.map(str::to_owned),
    });
    let page = html::consent(
        &Consent {
            client_id: &shared.client_id,
            redirect_uri,
            scopes: &scopes,
            state: param(&p, "state"),
            code_challenge: challenge,
            code_challenge_method: method,
            lang,
        },
        &state.users,
    );
    Html(page).into_response()
}

/// The consent form's target: Allow issues a code; Cancel answers as Extension:OAuth does.
async fn approve(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let p = parse_params(&body);
    let redirect_uri = match check_client(&shared, &p) {
        Ok(r) => r,
        Err(message) => return connection_error(message),
    };
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return connection_error("The registered redirect URI is not a URL.");
    };
    let client_state = param(&p, "state");

    match param(&p, "decision") {
        Some("allow") => {}
        Some("cancel") => return declined(redirect_uri, param(&p, "uselang").unwrap_or("en")),
        _ => return connection_error("Choose Allow or Cancel."),
    }

    let challenge = param(&p, "code_challenge");
    if challenge.is_some() && param(&p, "code_challenge_method") != Some("S256") {
        return connection_error("Code challenge method must be S256 on this stand-in.");
    }

    let now = shared.clock.now();
    let mut state = shared.state();
    let chosen = match param(&p, "user") {
        Some(id) => id.parse::<i64>().ok(),
        // A single configured user needs no choice.
        None if state.users.len() == 1 => state.users.first().map(|u| u.central_id),
        None => None,
    };
    let Some(central_id) = chosen.filter(|id| state.users.iter().any(|u| u.central_id == *id))
    else {
        return connection_error("Choose one of the listed accounts.");
    };

    let code = random_token();
    state.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: shared.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            central_id,
            scopes: granted_scopes(param(&p, "scope")),
            code_challenge: challenge.map(str::to_owned),
            expires: now.saturating_add(CODE_TTL).unwrap_or(now),
            used: false,
        },
    );
    drop(state);

    {
        let mut q = target.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(s) = client_state {
            q.append_pair("state", s);
        }
    }
    redirect(&target)
}

/// `Authorization: Basic base64(id:secret)`, as league reads it (no URL-decoding).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// RFC 7636 §4.1: 43–128 characters from the unreserved set.
fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

async fn access_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mode = {
        let mut state = shared.state();
        state.last_user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        state.mode
    };
    match mode {
        Mode::TokenServerError => {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({
                    "message": "Error: exception of type Wikimedia\\Rdbms\\DBConnectionError",
                    "httpCode": 500,
                    "httpReason": "Internal Server Error",
                }),
            );
        }
        Mode::TokenGarbage => return garbage(),
        Mode::SlowToken(delay) => tokio::time::sleep(delay).await,
        Mode::Normal | Mode::ProfileGarbage | Mode::ProfileUnauthorized => {}
    }

    let p = parse_params(&body);
    // The grant is chosen by `grant_type`; no match at all is `unsupported_grant_type`.
    if param(&p, "grant_type") != Some("authorization_code") {
        return league_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
            Some("Check that all required parameters have been provided"),
        );
    }

    // Body parameters take precedence over Basic credentials, as in league.
    let basic = basic_credentials(&headers);
    let client_id = param(&p, "client_id")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()));
    let client_secret = param(&p, "client_secret")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(_, secret)| secret.clone()));
    let Some(client_id) = client_id else {
        return invalid_request("Check the `client_id` parameter");
    };
    let secret_ok = client_secret
        .as_deref()
        .is_some_and(|s| constant_time_eq(s, &shared.client_secret));
    if client_id != shared.client_id || !secret_ok {
        return invalid_client();
    }
    // league's validateClient: a redirect_uri that is not the registered one fails the client.
    let redirect_uri = param(&p, "redirect_uri");
    if redirect_uri.is_some_and(|r| r != shared.redirect_uri) {
        return invalid_client();
    }

    let Some(code) = param(&p, "code") else {
        return invalid_request("Check the `code` parameter");
    };
    let now = shared.clock.now();
    let mut state = shared.state();
    let Some(grant) = state.codes.get_mut(code) else {
        return invalid_request("Cannot decrypt the authorization code");
    };
    if grant.expires < now {
        return invalid_request("Authorization code has expired");
    }
    if grant.used {
        return invalid_request("Authorization code has been revoked");
    }
    if grant.client_id != client_id {
        return invalid_request("Authorization code was not issued to this client");
    }
    if redirect_uri != Some(grant.redirect_uri.as_str()) {
        return invalid_request("Invalid redirect URI");
    }
    if let Some(challenge) = grant.code_challenge.as_deref() {
        let Some(verifier) = param(&p, "code_verifier") else {
            return invalid_request("Check the `code_verifier` parameter");
        };
        if !is_valid_verifier(verifier) {
            return invalid_request("Code Verifier must follow the specifications of RFC-7636.");
        }
        if !constant_time_eq(&pkce_challenge(verifier), challenge) {
            return league_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                INVALID_GRANT,
                Some("Failed to verify `code_verifier`."),
            );
        }
    }

    // league revokes the code once the tokens are issued.
    grant.used = true;
    let issued = TokenGrant {
        central_id: grant.central_id,
        scopes: grant.scopes.clone(),
        expires: now
            .saturating_add(jiff::SignedDuration::from_secs(TOKEN_TTL_SECS))
            .unwrap_or(now),
    };
    let access = random_token();
    let refresh = format!("def50200{}", random_token());
    state.tokens.insert(access.clone(), issued);
    state.tokens_issued += 1;
    json_response(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECS,
            "access_token": access,
            "refresh_token": refresh,
        }),
    )
}

/// league's ResourceServer check of `Authorization: Bearer …`; `Err` is the `access_denied` hint.
fn bearer_grant(shared: &Shared, headers: &HeaderMap) -> Result<TokenGrant, &'static str> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err("Missing \"Authorization\" header");
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let now = shared.clock.now();
    let state = shared.state();
    match state.tokens.get(token) {
        None => Err("Access token could not be verified"),
        Some(grant) if grant.expires < now => Err("Access token has expired"),
        Some(grant) => Ok(grant.clone()),
    }
}

/// Rights a grant set carries, a short stand-in for MediaWiki's grant → rights table.
fn rights_for(scopes: &[String]) -> Vec<&'static str> {
    if scopes.iter().any(|s| s == "basic") {
        vec!["read", "writeapi", "autoconfirmed", "editsemiprotected"]
    } else {
        Vec::new()
    }
}

/// `UserStatementProvider::getUserProfile`, field for field.
async fn profile(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let mode = shared.state().mode;
    match mode {
        Mode::ProfileGarbage => return garbage(),
        Mode::ProfileUnauthorized => return access_denied("Access token has been revoked"),
        _ => {}
    }
    let grant = match bearer_grant(&shared, &headers) {
        Ok(g) => g,
        Err(hint) => return access_denied(hint),
    };
    let state = shared.state();
    let Some(user) = state
        .users
        .iter()
        .find(|u| u.central_id == grant.central_id)
    else {
        return access_denied("Access token could not be verified");
    };
    let sub = user.central_id.to_string();
    if user.suppressed {
        return json_response(StatusCode::OK, &json!({ "sub": sub, "blocked": true }));
    }

    let confirmed = user.email.is_some();
    let mut body = json!({
        "sub": sub,
        "username": user.username,
        "editcount": user.editcount,
        "confirmed_email": confirmed,
        "email_verified": confirmed,
        "blocked": user.blocked,
        "registered": user.registered,
        "groups": user.groups,
        "rights": rights_for(&grant.scopes),
        "grants": grant.scopes,
    });
    let private = grant.scopes.iter().any(|s| s == "mwoauth-authonlyprivate");
    if let (true, Some(map)) = (private, body.as_object_mut()) {
        map.insert(
            "realname".into(),
            Value::from(user.realname.clone().unwrap_or_default()),
        );
        map.insert(
            "email".into(),
            Value::from(user.email.clone().unwrap_or_default()),
        );
    }
    json_response(StatusCode::OK, &body)
}

/// The consumer's grants, as `/oauth2/resource/scopes` lists them.
async fn scopes(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(hint) = bearer_grant(&shared, &headers) {
        return access_denied(hint);
    }
    json_response(StatusCode::OK, &json!({ "scopes": REGISTERED_GRANTS }))
}
