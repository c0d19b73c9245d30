//! `/admin/users`: find people by username, display name or e-mail; a person's page with
//! their accounts, courses, organisations and audit history; block and unblock them,
//! grant or remove site administration and course creation (`lyceum_app::users`).

use super::audit::{AuditLine, lines};
use super::{
    NavLink, form_error, nav, page_number, page_url, render, render_status, require_admin,
};
use crate::error::{AppError, AppResult};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::users as app;
use lyceum_core::UserId;
use lyceum_core::clock::from_millis;
use lyceum_core::limits;
use lyceum_core::user::username_key;
use lyceum_store::repo::{admin as repo, audit, orgs};
use serde::Deserialize;

const PER_PAGE: i64 = 50;

fn user_url(username: &str) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(username.as_bytes()).collect();
    format!("/admin/users/{enc}")
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

pub struct UserLine {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub url: String,
    pub created: Timestamp,
    pub last_login: Option<Timestamp>,
    pub admin: bool,
    pub creator: bool,
    pub blocked: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct SearchView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    q: String,
    users: Vec<UserLine>,
    first: i64,
    last: i64,
    total: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

pub async fn search(cx: Cx, Query(sq): Query<SearchQuery>) -> AppResult<Response> {
    require_admin(&cx)?;
    let terms = limits::search_terms(&sq.q);
    let page = page_number(sq.page);
    let (rows, total) = {
        let mut c = cx.app.store().conn().await?;
        repo::search_users(
            &mut c,
            (!terms.is_empty()).then_some(terms.as_str()),
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?
    };
    let first = if rows.is_empty() {
        0
    } else {
        (page - 1) * PER_PAGE + 1
    };
    let last = (page - 1) * PER_PAGE + rows.len() as i64;
    let params = [("q", terms.as_str())];
    render(&SearchView {
        title: cx.page.text("lyceum-admin-users-title"),
        nav: nav("/admin/users"),
        users: rows
            .into_iter()
            .map(|u| UserLine {
                url: user_url(&u.username),
                created: from_millis(u.created_at),
                last_login: u.last_login_at.map(from_millis),
                admin: u.is_admin,
                creator: u.can_create_courses,
                blocked: u.blocked_at.is_some(),
                username: u.username,
                display_name: u.display_name,
                email: u.email,
            })
            .collect(),
        first,
        last,
        total,
        prev_url: (page > 1).then(|| page_url("/admin/users", &params, page - 1)),
        next_url: (last < total).then(|| page_url("/admin/users", &params, page + 1)),
        q: terms,
        p: cx.page.clone(),
    })
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    display_name: String,
    base: String,
    history_url: String,
    email: Option<String>,
    email_verified: Option<Timestamp>,
    has_password: bool,
    wikimedia: Option<String>,
    created: Timestamp,
    last_login: Option<Timestamp>,
    admin: bool,
    creator: bool,
    /// A site moderator; suspended by a moderator until.
    moderator: bool,
    suspended_until: Option<Timestamp>,
    blocked: Option<Timestamp>,
    blocked_reason: String,
    /// The viewer is looking at themselves.
    own: bool,
    taught: Vec<(String, String, &'static str)>,
    orgs: Vec<(String, String, String)>,
    entries: Vec<AuditLine>,
    error: Option<Html>,
    reason: String,
    reason_max: usize,
    trust: TrustView,
}

/// The person's trust as the page shows it: whether and why (which rule), the facts
/// behind it, and the grant or revocation with who, when and why.
pub struct TrustView {
    /// `lyceum-trust-state-…`: grant, role, wiki, record, none, revoked.
    pub state: &'static str,
    pub trusted: bool,
    pub revoked: bool,
    /// Who trusted (or revoked) and when, if it was a person or a stamp.
    pub given: Option<Html>,
    pub reason: String,
    /// Age and activity against the site's thresholds.
    pub record: Html,
    /// The Wikimedia groups and edit count read at the last login.
    pub wiki: Option<Html>,
}

fn trust_view(p: &Page, s: lyceum_app::trust::TrustStatus, now: i64) -> TrustView {
    use crate::page::Piece;
    use lyceum_core::trust::TrustSource;
    use lyceum_i18n::Arg;
    let state = match (s.source, s.revoked) {
        (Some(TrustSource::Grant), _) => "lyceum-trust-state-grant",
        (Some(TrustSource::Role), _) => "lyceum-trust-state-role",
        (Some(TrustSource::Wiki), _) => "lyceum-trust-state-wiki",
        (Some(TrustSource::Record), _) => "lyceum-trust-state-record",
        (None, true) => "lyceum-trust-state-revoked",
        (None, false) => "lyceum-trust-state-none",
    };
    let num = |n: i64| Piece::Arg(Arg::from(n));
    let given = s.at.map(from_millis).map(|at| match &s.by {
        Some(by) => p.tn(
            "lyceum-trust-admin-by",
            &[Piece::Isolated(by.clone()), Piece::Html(p.datetime(at).0)],
        ),
        None => p.t1("lyceum-trust-admin-since", p.datetime(at)),
    });
    let record = p.tn(
        "lyceum-trust-admin-record",
        &[
            num(((now - s.created_at) / (24 * 3600 * 1000)).max(0)),
            num(i64::from(s.policy.min_account_days)),
            num(s.activity),
            num(i64::from(s.policy.min_activity)),
        ],
    );
    let wiki = s.wiki_groups.map(|g| {
        let groups = g
            .into_iter()
            .filter(|g| g != "*")
            .collect::<Vec<_>>()
            .join(", ");
        p.tn(
            "lyceum-trust-admin-wiki",
            &[Piece::Isolated(groups), num(s.wiki_editcount.unwrap_or(0))],
        )
    });
    TrustView {
        state,
        trusted: s.source.is_some(),
        revoked: s.revoked,
        given,
        reason: s.reason,
        record,
        wiki,
    }
}

async fn user_view(cx: &Cx, username: &str) -> AppResult<(UserView, UserId)> {
    let mut c = cx.app.store().conn().await?;
    let (u, facts) = repo::user_by_key(&mut c, &username_key(username))
        .await?
        .ok_or(AppError::NotFound)?;
    let taught = repo::courses_taught(&mut c, u.id()).await?;
    let memberships = orgs::memberships(&mut c, u.id()).await?;
    let id = u.id.to_string();
    let rows = audit::list(
        &mut c,
        &audit::Filter {
            target_type: Some("user"),
            target_id: Some(&id),
            ..audit::Filter::default()
        },
        20,
    )
    .await?;
    drop(c);
    let entries = lines(cx, rows).await?;
    let trust = trust_view(
        &cx.page,
        lyceum_app::trust::status(&cx.app.env(), &cx.actor(), u.id()).await?,
        cx.app.now_ms(),
    );
    let p = &cx.page;
    let view = UserView {
        trust,
        title: p.text1("lyceum-admin-user-title", p.bdi(&u.username)),
        nav: nav("/admin/users"),
        base: user_url(&u.username),
        history_url: format!(
            "/admin/audit?target_type=user&target={}",
            url::form_urlencoded::byte_serialize(u.username.as_bytes()).collect::<String>()
        ),
        own: cx.user_id() == Some(u.id()),
        email_verified: u.email_verified_at.map(from_millis),
        has_password: facts.has_password,
        wikimedia: facts.wikimedia_username,
        created: from_millis(u.created_at),
        last_login: u.last_login_at.map(from_millis),
        admin: u.is_admin,
        creator: u.can_create_courses,
        moderator: u.is_moderator,
        suspended_until: u
            .suspended_until
            .filter(|t| *t > cx.app.now_ms())
            .map(from_millis),
        blocked: u.blocked_at.map(from_millis),
        blocked_reason: facts.blocked_reason,
        taught: taught
            .into_iter()
            .map(|t| {
                let role = match t.role.as_str() {
                    "instructor" => "lyceum-dashboard-role-instructor",
                    "author" => "lyceum-dashboard-role-author",
                    "translator" => "lyceum-dashboard-role-translator",
                    _ => "lyceum-dashboard-role-staff",
                };
                (format!("/courses/{}/about", t.course_key), t.title, role)
            })
            .collect(),
        orgs: memberships
            .into_iter()
            .map(|m| {
                (
                    format!("/orgs/{}", m.slug),
                    m.name,
                    format!("lyceum-org-role-{}", m.role),
                )
            })
            .collect(),
        entries,
        error: None,
        reason: String::new(),
        reason_max: limits::REASON.max_chars,
        display_name: u.display_name.clone(),
        email: u.email.clone(),
        p: p.clone(),
    };
    Ok((view, u.id()))
}

pub async fn page(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    require_admin(&cx)?;
    render(&user_view(&cx, &username).await?.0)
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    reason: String,
    /// For grants: `1` to grant, anything else to remove.
    #[serde(default)]
    on: String,
}

/// Run one change to a person, then back to their page (their cached sessions
/// forgotten, so the change holds at once), or their page again with the error.
async fn change<F, Fut>(cx: Cx, username: String, f: ChangeForm, run: F) -> AppResult<Response>
where
    F: FnOnce(lyceum_app::Env, lyceum_core::permissions::Actor, UserId, ChangeForm) -> Fut,
    Fut: std::future::Future<Output = lyceum_app::Result<()>>,
{
    require_admin(&cx)?;
    let (mut view, id) = user_view(&cx, &username).await?;
    let reason = f.reason.clone();
    match run(cx.app.env(), cx.actor(), id, f).await {
        Ok(()) => {
            cx.app.sessions().forget_user(id);
            Ok(see_other(&with_notice(&view.base, "saved")))
        }
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            view.reason = reason;
            render_status(status, &view)
        }
    }
}

pub async fn block(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    change(cx, username, f, |env, actor, id, f| async move {
        app::block(&env, &actor, id, &f.reason).await.map(drop)
    })
    .await
}

pub async fn unblock(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    change(cx, username, f, |env, actor, id, f| async move {
        app::unblock(&env, &actor, id, &f.reason).await
    })
    .await
}

pub async fn set_admin(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    change(cx, username, f, |env, actor, id, f| async move {
        app::set_site_admin(&env, &actor, id, f.on == "1", &f.reason).await
    })
    .await
}

pub async fn set_creator(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    change(cx, username, f, |env, actor, id, f| async move {
        app::set_course_creation(&env, &actor, id, f.on == "1", &f.reason).await
    })
    .await
}

/// `POST /admin/users/{username}/trust`: trust the account at once, with a reason.
pub async fn trust(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    change(cx, username, f, |env, actor, id, f| async move {
        lyceum_app::trust::grant(&env, &actor, id, &f.reason).await
    })
    .await
}

/// `POST /admin/users/{username}/untrust`: revoke the account's trust, with a reason.
pub async fn untrust(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    change(cx, username, f, |env, actor, id, f| async move {
        lyceum_app::trust::revoke(&env, &actor, id, &f.reason).await
    })
    .await
}
