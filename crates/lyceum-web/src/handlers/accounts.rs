//! Self-service accounts on the web: sign-up (page and `POST /api/v1/accounts`), e-mail
//! verification, password reset by mailed link, change of password, Wikimedia link and
//! unlink, and account deletion (the owner's, and a site admin's for anyone). Each handler
//! parses, calls one use case of `lyceum_app::accounts`, mails what it returned, renders.
//!
//! A mailed link opens a page with a button: the GET shows, the POST spends the link, so a
//! mail scanner that follows links cannot use them up.

use crate::error::{AppError, AppResult};
use crate::handlers::account::Peer;
use crate::handlers::{html_response, safe_return_to, see_other, with_notice};
use crate::login_limits::{address_key, client_ip};
use crate::mailer::{self, AccountMail};
use crate::page::{Cx, Page};
use crate::session::{self, SessionData};
use crate::state::App;
use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use lyceum_app::accounts::{self as uc, Confirmation, MailLink, RateLimited, SignUp};
use lyceum_app::{Error as UcError, ErrorKind};
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::user::{PASSWORD_MIN_CHARS, username_key};
use lyceum_store::repo::{accounts as account_repo, users};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/api/v1/accounts", post(api_create))
        .route("/email/verify/{token}", get(verify_page).post(verify))
        .route("/preferences/email/resend", post(resend))
        .route(
            "/password/reset",
            get(reset_request_page).post(reset_request),
        )
        .route(
            "/password/reset/{token}",
            get(reset_page).post(reset_password),
        )
        .route("/preferences/password", post(change_password))
        .route(
            "/preferences/wikimedia/link",
            post(crate::handlers::oauth::start_link),
        )
        .route("/preferences/wikimedia/unlink", post(unlink_wikimedia))
        .route("/preferences/delete", get(delete_page).post(delete_own))
        .route(
            "/admin/users/{username}/delete",
            get(admin_delete_page).post(admin_delete),
        )
}

/// A use case's refusal as a sentence in the page's language, and the status to send it
/// with (the statuses of `error.rs`).
fn refusal(cx: &Cx, e: &UcError) -> (StatusCode, String) {
    let status = match e.kind {
        ErrorKind::Malformed => StatusCode::BAD_REQUEST,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let args = crate::page::message_args(&cx.app, &cx.page.lang, e.error.key.0, &e.error.args);
    (
        status,
        cx.app.i18n().text(&cx.page.lang, e.error.key.0, &args),
    )
}

/// Refusals a form shows beside what was typed; anything else (an outage, a bug) is the
/// error page's.
fn shown_on_form(e: &UcError) -> bool {
    matches!(
        e.kind,
        ErrorKind::Malformed | ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::Forbidden
    )
}

fn rate_limited(r: RateLimited) -> AppError {
    AppError::RateLimited {
        key: "lyceum-error-rate-limited",
        retry_after_secs: r.0,
    }
}

fn mail_on(app: &App) -> bool {
    app.config().email.is_some()
}

/// Mail a link now; a failure is logged (the person can ask again, and the page does not
/// say whether an account exists).
async fn mail(app: &App, link: &MailLink, kind: AccountMail) {
    if let Err(e) = mailer::send_account_link(app, link, kind).await {
        tracing::warn!(user = link.user.0, error = %e, "mailing an account link failed");
    }
}

fn address(cx: &Cx, headers: &HeaderMap, peer: &Peer) -> String {
    address_key(client_ip(
        cx.app.config().trust_forwarded_for,
        headers,
        peer.0,
    ))
}

// --- Sign-up ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/signup.html")]
struct SignupView {
    p: Page,
    title: String,
    open: bool,
    error: Option<String>,
    username: String,
    email: String,
    mail: bool,
    min: usize,
    return_to: String,
}

#[derive(Deserialize)]
pub struct SignupQuery {
    return_to: Option<String>,
}

fn signup_view(cx: &Cx, open: bool, f: &SignupForm, error: Option<String>) -> AppResult<String> {
    SignupView {
        title: cx.page.text("lyceum-signup-title"),
        open,
        error,
        username: f.username.clone(),
        email: f.email.clone(),
        mail: mail_on(&cx.app),
        min: PASSWORD_MIN_CHARS,
        return_to: safe_return_to(f.return_to.as_deref()),
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

pub async fn signup_page(cx: Cx, Query(q): Query<SignupQuery>) -> AppResult<Response> {
    let return_to = safe_return_to(q.return_to.as_deref());
    if cx.user().is_some() {
        return Ok(see_other(&return_to));
    }
    let open = uc::signup_enabled(&cx.app.env()).await?;
    cx.app.remember_signup_open(open);
    let form = SignupForm {
        return_to: Some(return_to),
        ..SignupForm::default()
    };
    let body = signup_view(&cx, open, &form, None)?;
    let status = if open {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    Ok((status, html_response(body)).into_response())
}

#[derive(Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    email: String,
    return_to: Option<String>,
}

pub async fn signup(
    cx: Cx,
    headers: HeaderMap,
    peer: Peer,
    Form(f): Form<SignupForm>,
) -> AppResult<Response> {
    if cx.user().is_some() {
        return Ok(see_other(&safe_return_to(f.return_to.as_deref())));
    }
    if f.password != f.password2 {
        let msg = cx.page.text("lyceum-signup-error-mismatch");
        let body = signup_view(&cx, true, &f, Some(msg))?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html_response(body)).into_response());
    }
    let address = address(&cx, &headers, &peer);
    let input = SignUp {
        username: &f.username,
        password: &f.password,
        email: Some(&f.email),
        address: &address,
        language: Some(&cx.page.lang)
            .filter(|l| cx.app.is_ui_language(l))
            .map(|l| l.as_str()),
    };
    let made = match uc::sign_up(&cx.app.env(), &input, mail_on(&cx.app)).await {
        Ok(Ok(made)) => made,
        Ok(Err(limited)) => return Err(rate_limited(limited)),
        Err(e) if shown_on_form(&e) => {
            let open = e.kind != ErrorKind::Forbidden;
            cx.app.remember_signup_open(open);
            let (status, msg) = refusal(&cx, &e);
            let body = signup_view(&cx, open, &f, Some(msg))?;
            return Ok((status, html_response(body)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(link) = &made.verification {
        mail(&cx.app, link, AccountMail::Verify).await;
    }
    // The new account is logged in, in a new session (no fixation).
    let mut tx = cx.app.store().begin().await?;
    let cookie = session::start(
        &cx.app,
        &mut tx,
        cx.session.as_ref(),
        Some(made.user),
        &SessionData::default(),
    )
    .await?;
    users::touch_login(&mut tx, made.user, cx.app.now_ms()).await?;
    tx.commit().await?;
    let mut r = see_other(&with_notice(
        &safe_return_to(f.return_to.as_deref()),
        "signed-up",
    ));
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

/// `POST /api/v1/accounts`: what the sign-up form takes, as JSON.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 1–85 characters, none of `@ : = # < > [ ] | { } / \`; unique regardless of case.
    username: String,
    /// At least 10 characters, at most 1,024 bytes; not the username nor containing it,
    /// not one of the 10,000 most common passwords.
    password: String,
    /// Optional. Verified by a mailed link when the site mails; kept unverified otherwise.
    #[serde(default)]
    email: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedAccount {
    id: i64,
    username: String,
    /// Whether a verification link was mailed to the address given.
    verification_sent: bool,
}

/// Sign up for a local account. Open while the site setting `signup_enabled` is on (the
/// default). The account is created, not logged in (log in with `POST /login`). At most 5
/// accounts per hour from one address (IPv6: per /64).
#[utoipa::path(post, path = "/api/v1/accounts", request_body = NewAccount,
    responses(
        (status = 201, body = CreatedAccount),
        (status = 400, description = "The body is not JSON of this shape (`lyceum-error-bad-form`)"),
        (status = 403, description = "Sign-up is closed on this site (`lyceum-signup-error-closed`)"),
        (status = 409, description = "The username is taken (`lyceum-error-username-taken`)"),
        (status = 422, description = "A rule is broken: the `code` names it (`lyceum-error-password-short`, `lyceum-password-error-common`, `lyceum-password-error-has-username`, `lyceum-error-username-invalid`, `lyceum-error-email`…) and `message` says it in the caller's language"),
        (status = 429, description = "Too many sign-ups from this address; `Retry-After` says when to try again")),
    tag = "account")]
pub async fn api_create(
    cx: Cx,
    headers: HeaderMap,
    peer: Peer,
    body: Result<Json<NewAccount>, JsonRejection>,
) -> AppResult<Response> {
    let Json(b) = body.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let address = address(&cx, &headers, &peer);
    let input = SignUp {
        username: &b.username,
        password: &b.password,
        email: b.email.as_deref(),
        address: &address,
        language: Some(&cx.page.lang)
            .filter(|l| cx.app.is_ui_language(l))
            .map(|l| l.as_str()),
    };
    let made = match uc::sign_up(&cx.app.env(), &input, mail_on(&cx.app)).await? {
        Ok(made) => made,
        Err(limited) => return Err(rate_limited(limited)),
    };
    if let Some(link) = &made.verification {
        mail(&cx.app, link, AccountMail::Verify).await;
    }
    Ok(crate::api::json(
        StatusCode::CREATED,
        CreatedAccount {
            id: made.user.0,
            username: made.username,
            verification_sent: made.verification.is_some(),
        },
    ))
}

// --- E-mail verification -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/verify_email.html")]
struct VerifyView {
    p: Page,
    title: String,
    token: String,
    error: Option<String>,
}

fn verify_view(cx: &Cx, token: &str, error: Option<String>) -> AppResult<String> {
    VerifyView {
        title: cx.page.text("lyceum-account-verify-title"),
        token: token.to_owned(),
        error,
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

/// The link from the mail: a page with a button (opening it spends nothing).
pub async fn verify_page(cx: Cx, Path(token): Path<String>) -> AppResult<Response> {
    Ok(html_response(verify_view(&cx, &token, None)?))
}

pub async fn verify(cx: Cx, Path(token): Path<String>) -> AppResult<Response> {
    match uc::verify_email(&cx.app.env(), &token).await {
        Ok(user) => {
            cx.app.sessions().forget_user(user);
            let to = if cx.user_id() == Some(user) {
                "/preferences"
            } else {
                "/"
            };
            Ok(see_other(&with_notice(to, "account-verified")))
        }
        Err(e) if e.kind == ErrorKind::NotFound => {
            let msg = cx.page.text("lyceum-account-link-invalid");
            let body = verify_view(&cx, &token, Some(msg))?;
            Ok((StatusCode::NOT_FOUND, html_response(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn resend(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    if !mail_on(&cx.app) {
        return Err(AppError::NotFound);
    }
    let link = uc::resend_verification(&cx.app.env(), user).await?;
    mail(&cx.app, &link, AccountMail::Verify).await;
    Ok(see_other(&with_notice(
        "/preferences",
        "account-verify-sent",
    )))
}

// --- Password reset ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/password_reset.html")]
struct ResetRequestView {
    p: Page,
    title: String,
    mail: bool,
    sent: bool,
    who: String,
    error: Option<String>,
}

fn reset_request_view(cx: &Cx, sent: bool, who: &str, error: Option<String>) -> AppResult<String> {
    ResetRequestView {
        title: cx.page.text("lyceum-password-reset-title"),
        mail: mail_on(&cx.app),
        sent,
        who: who.to_owned(),
        error,
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

pub async fn reset_request_page(cx: Cx) -> AppResult<Response> {
    Ok(html_response(reset_request_view(&cx, false, "", None)?))
}

#[derive(Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    who: String,
}

/// Answers the same whether or not an account matches (only the per-address limit shows).
pub async fn reset_request(
    cx: Cx,
    headers: HeaderMap,
    peer: Peer,
    Form(f): Form<ResetRequestForm>,
) -> AppResult<Response> {
    if !mail_on(&cx.app) {
        let body = reset_request_view(&cx, false, &f.who, None)?;
        return Ok((StatusCode::SERVICE_UNAVAILABLE, html_response(body)).into_response());
    }
    let address = address(&cx, &headers, &peer);
    let links = match uc::request_password_reset(&cx.app.env(), &f.who, &address).await {
        Ok(Ok(links)) => links,
        Ok(Err(limited)) => return Err(rate_limited(limited)),
        Err(e) if shown_on_form(&e) => {
            let (status, msg) = refusal(&cx, &e);
            let body = reset_request_view(&cx, false, &f.who, Some(msg))?;
            return Ok((status, html_response(body)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    for link in &links {
        mail(&cx.app, link, AccountMail::Reset).await;
    }
    Ok(html_response(reset_request_view(&cx, true, "", None)?))
}

#[derive(Template)]
#[template(path = "account/password_set.html")]
struct ResetView {
    p: Page,
    title: String,
    username: String,
    token: String,
    min: usize,
    error: Option<String>,
}

fn reset_view(cx: &Cx, username: &str, token: &str, error: Option<String>) -> AppResult<String> {
    ResetView {
        title: cx.page.text("lyceum-password-set-title"),
        username: username.to_owned(),
        token: token.to_owned(),
        min: PASSWORD_MIN_CHARS,
        error,
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

/// An unknown, spent or expired link: one page for all three.
fn link_invalid(cx: &Cx) -> AppResult<Response> {
    let body = reset_request_view(
        cx,
        false,
        "",
        Some(cx.page.text("lyceum-account-link-invalid")),
    )?;
    Ok((StatusCode::NOT_FOUND, html_response(body)).into_response())
}

pub async fn reset_page(cx: Cx, Path(token): Path<String>) -> AppResult<Response> {
    match uc::reset_link_account(&cx.app.env(), &token).await {
        Ok(user) => Ok(html_response(reset_view(
            &cx,
            &user.username,
            &token,
            None,
        )?)),
        Err(e) if e.kind == ErrorKind::NotFound => link_invalid(&cx),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn reset_password(
    cx: Cx,
    Path(token): Path<String>,
    Form(f): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let user = match uc::reset_link_account(&cx.app.env(), &token).await {
        Ok(u) => u,
        Err(e) if e.kind == ErrorKind::NotFound => return link_invalid(&cx),
        Err(e) => return Err(e.into()),
    };
    let refused = |msg: String, status: StatusCode| -> AppResult<Response> {
        let body = reset_view(&cx, &user.username, &token, Some(msg))?;
        Ok((status, html_response(body)).into_response())
    };
    if f.password != f.password2 {
        return refused(
            cx.page.text("lyceum-signup-error-mismatch"),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let id = match uc::reset_password(&cx.app.env(), &token, &f.password).await {
        Ok(id) => id,
        Err(e) if e.kind == ErrorKind::NotFound => return link_invalid(&cx),
        Err(e) if shown_on_form(&e) => {
            let (status, msg) = refusal(&cx, &e);
            return refused(msg, status);
        }
        Err(e) => return Err(e.into()),
    };
    // Every session of the account ended; this browser logs in anew.
    cx.app.sessions().forget_user(id);
    let mut tx = cx.app.store().begin().await?;
    let cookie = session::start(
        &cx.app,
        &mut tx,
        cx.session.as_ref(),
        Some(id),
        &SessionData::default(),
    )
    .await?;
    users::touch_login(&mut tx, id, cx.app.now_ms()).await?;
    tx.commit().await?;
    let mut r = see_other(&with_notice("/preferences", "account-password-reset"));
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}

// --- Preferences: password, Wikimedia, deletion ------------------------------------------

/// Change the password (the current one required), or for an account without one (a
/// Wikimedia login) add a local password. Other sessions end.
pub async fn change_password(
    cx: Cx,
    headers: HeaderMap,
    Form(f): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let keep = cx.session.as_ref().map(|s| s.id_hash.clone());
    let result = if f.password != f.password2 {
        Err(UcError::invalid(lyceum_core::DomainError::new(
            "lyceum-signup-error-mismatch",
        )))
    } else {
        let has_password = {
            let mut c = cx.app.store().conn().await?;
            account_repo::password_hash(&mut c, user).await?.is_some()
        };
        if has_password {
            uc::change_password(
                &cx.app.env(),
                user,
                &f.current,
                &f.password,
                keep.as_deref(),
            )
            .await
        } else {
            uc::add_local_password(&cx.app.env(), user, &f.password, keep.as_deref()).await
        }
    };
    match result {
        Ok(()) => {
            cx.app.sessions().forget_user(user);
            Ok(see_other(&with_notice(
                "/preferences",
                "account-password-changed",
            )))
        }
        Err(e) if shown_on_form(&e) => {
            let (status, msg) = refusal(&cx, &e);
            crate::handlers::account::preferences_with_error(&cx, &headers, status, msg).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn unlink_wikimedia(cx: Cx, headers: HeaderMap) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    match uc::unlink_wikimedia(&cx.app.env(), user).await {
        Ok(()) => Ok(see_other(&with_notice(
            "/preferences",
            "account-wikimedia-unlinked",
        ))),
        Err(e) if shown_on_form(&e) => {
            let (status, msg) = refusal(&cx, &e);
            crate::handlers::account::preferences_with_error(&cx, &headers, status, msg).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/delete.html")]
struct DeleteView {
    p: Page,
    title: String,
    /// The account to delete, as shown.
    username: String,
    /// A site admin deleting someone (a reason is asked), or the owner.
    admin: bool,
    /// The owner confirms with the password (else by typing the username).
    has_password: bool,
    action: String,
    reason: String,
    error: Option<String>,
}

async fn own_delete_view(cx: &Cx, error: Option<String>) -> AppResult<String> {
    let user = cx.require_user()?;
    let has_password = {
        let mut c = cx.app.store().conn().await?;
        account_repo::password_hash(&mut c, user.id())
            .await?
            .is_some()
    };
    DeleteView {
        title: cx.page.text("lyceum-account-delete-title"),
        username: user.username.clone(),
        admin: false,
        has_password,
        action: "/preferences/delete".to_owned(),
        reason: String::new(),
        error,
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

pub async fn delete_page(cx: Cx) -> AppResult<Response> {
    cx.require_user()?;
    Ok(html_response(own_delete_view(&cx, None).await?))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_username: String,
    #[serde(default)]
    reason: String,
}

pub async fn delete_own(cx: Cx, Form(f): Form<DeleteForm>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let confirm = if f.password.is_empty() {
        Confirmation::Username(&f.confirm_username)
    } else {
        Confirmation::Password(&f.password)
    };
    match uc::delete_own_account(&cx.app.env(), user, confirm).await {
        Ok(_) => {
            cx.app.sessions().forget_user(user);
            let mut r = see_other(&with_notice("/", "account-deleted"));
            r.headers_mut()
                .append(header::SET_COOKIE, session::clear(&cx.app));
            Ok(r)
        }
        Err(e) if shown_on_form(&e) => {
            let (status, msg) = refusal(&cx, &e);
            let body = own_delete_view(&cx, Some(msg)).await?;
            Ok((status, html_response(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The account a site admin is about to delete; anyone else, and a deleted or unknown
/// account, gets 404.
async fn admin_target(cx: &Cx, username: &str) -> AppResult<users::UserRow> {
    cx.require_user()?;
    if !can(&cx.actor(), Action::Administer, Resource::Site).allowed() {
        return Err(AppError::NotFound);
    }
    let mut c = cx.app.store().conn().await?;
    users::find_user_by_key(&mut c, &username_key(username))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)
}

fn admin_delete_view(
    cx: &Cx,
    target: &users::UserRow,
    reason: &str,
    error: Option<String>,
) -> AppResult<String> {
    let encoded: String =
        url::form_urlencoded::byte_serialize(target.username.as_bytes()).collect();
    DeleteView {
        title: cx.page.text("lyceum-account-admin-delete-title"),
        username: target.username.clone(),
        admin: true,
        has_password: false,
        action: format!("/admin/users/{}/delete", encoded.replace('+', "%20")),
        reason: reason.to_owned(),
        error,
        p: cx.page.clone(),
    }
    .render()
    .map_err(AppError::internal)
}

pub async fn admin_delete_page(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    let target = admin_target(&cx, &username).await?;
    Ok(html_response(admin_delete_view(&cx, &target, "", None)?))
}

/// A site admin deletes an account: the username typed out confirms it, the reason goes
/// to the audit log (`user.delete`).
pub async fn admin_delete(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    let target = admin_target(&cx, &username).await?;
    let refused = |msg: String, status: StatusCode| -> AppResult<Response> {
        let body = admin_delete_view(&cx, &target, &f.reason, Some(msg))?;
        Ok((status, html_response(body)).into_response())
    };
    if username_key(&f.confirm_username) != username_key(&target.username) {
        return refused(
            cx.page.text("lyceum-account-delete-confirm-name"),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if f.reason.trim().is_empty() {
        return refused(
            cx.page.text("lyceum-account-admin-delete-reason-needed"),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match uc::delete_account(&cx.app.env(), &cx.actor(), target.id(), &f.reason).await {
        Ok(_) => {
            cx.app.sessions().forget_user(target.id());
            let back = if cx.user_id() == Some(target.id()) {
                "/"
            } else {
                "/admin/users"
            };
            let mut r = see_other(&with_notice(back, "account-deleted"));
            if cx.user_id() == Some(target.id()) {
                r.headers_mut()
                    .append(header::SET_COOKIE, session::clear(&cx.app));
            }
            Ok(r)
        }
        Err(e) if shown_on_form(&e) => {
            let (status, msg) = refusal(&cx, &e);
            refused(msg, status)
        }
        Err(e) => Err(e.into()),
    }
}
