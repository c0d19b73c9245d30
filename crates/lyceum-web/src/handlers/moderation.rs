//! Governance pages: the report form (`/report`), the moderation queue and its actions
//! (`/moderation`), an action's notice with its appeal form (`/appeals/new`), a person's
//! public page (`/people/{username}`) and the site moderator grant on the admin user page;
//! and the JSON API (`/api/v1/reports`, `/api/v1/moderation/…`). The work is
//! `lyceum_app::moderation`.

use crate::error::{AppError, AppResult};
use crate::handlers::admin::{form_error, render, render_status};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use lyceum_app::moderation::{self as uc, ModAction, QueueFilter, Reason, Target};
use lyceum_core::clock::from_millis;
use lyceum_core::limits;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/report", get(report_page).post(report_post))
        .route("/moderation", get(queue_page))
        .route("/moderation/act", post(act_post))
        .route("/appeals/new", get(appeal_page))
        .route("/appeals", post(appeal_post))
        .route("/people/{username}", get(person_page))
        .route("/people/{username}/unsuspend", post(unsuspend))
        .route("/admin/users/{username}/moderator", post(set_moderator))
        .merge(crate::api::moderation::routes())
}

/// "Hidden by a moderator: REASON — appeal": what the team and moderators see on hidden
/// content.
pub struct HiddenBanner {
    pub reason: String,
    pub appeal_url: String,
}

/// The banner of a hidden course, from its row (no query).
pub fn course_banner(course: &crate::courses::CourseCx) -> Option<HiddenBanner> {
    course.row.hidden_at?;
    Some(HiddenBanner {
        reason: course.row.hidden_reason.clone(),
        appeal_url: format!(
            "/appeals/new?target=course&id={}",
            url::form_urlencoded::byte_serialize(course.key().as_bytes()).collect::<String>()
        ),
    })
}

/// The banner of a unit hidden itself or by a part above it, from the cached tree.
pub fn block_banner(course: &crate::courses::CourseCx, idx: usize) -> Option<HiddenBanner> {
    let tree = course.tree();
    if !tree.node(idx).hidden {
        return None;
    }
    let mut at = Some(idx);
    while let Some(i) = at {
        let n = tree.node(i);
        if let Some(reason) = &n.hidden_reason {
            return Some(HiddenBanner {
                reason: reason.clone(),
                appeal_url: format!("/appeals/new?target=block&id={}", n.id.0),
            });
        }
        at = tree.parent(i);
    }
    None
}

/// Whether the viewer may report things in this course (logged in and seeing it).
pub fn may_report(cx: &Cx, course: &crate::courses::CourseCx) -> bool {
    lyceum_core::permissions::can(
        &cx.actor(),
        lyceum_core::permissions::Action::Report,
        lyceum_core::permissions::Resource::Course(&course.facts),
    )
    .allowed()
}

/// Where a target is seen, for links back to it.
pub fn target_link(t: &uc::ReportTarget, unit_url_name: Option<&str>) -> String {
    match (t.target_type, &t.course_key) {
        ("user", _) => format!(
            "/people/{}",
            url::form_urlencoded::byte_serialize(t.id.as_bytes()).collect::<String>()
        ),
        ("block", Some(k)) => match unit_url_name {
            Some(u) => format!("/courses/{k}/unit/{u}"),
            None => format!("/courses/{k}/courseware"),
        },
        (_, Some(k)) => format!("/courses/{k}/about"),
        _ => "/".to_owned(),
    }
}

/// The link to report something, for pages to show; the form comes back to `back`.
pub fn report_url(target_type: &str, id: &str, back: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("type", target_type);
    s.append_pair("id", id);
    s.append_pair("back", back);
    format!("/report?{}", s.finish())
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    id: String,
    /// Where to go back to (a local path).
    #[serde(default)]
    back: Option<String>,
}

pub struct ReasonChoice {
    pub value: &'static str,
    pub label_key: &'static str,
    pub help_key: &'static str,
    pub checked: bool,
}

/// A report reason's label and explanation (written out: the message checker sees them).
fn reason_keys(reason: Reason) -> (&'static str, &'static str) {
    match reason {
        Reason::Spam => (
            "lyceum-report-reason-spam",
            "lyceum-report-reason-spam-help",
        ),
        Reason::Harassment => (
            "lyceum-report-reason-harassment",
            "lyceum-report-reason-harassment-help",
        ),
        Reason::Copyright => (
            "lyceum-report-reason-copyright",
            "lyceum-report-reason-copyright-help",
        ),
        Reason::Misinformation => (
            "lyceum-report-reason-misinformation",
            "lyceum-report-reason-misinformation-help",
        ),
        Reason::Other => (
            "lyceum-report-reason-other",
            "lyceum-report-reason-other-help",
        ),
    }
}

fn action_key(a: ModAction) -> &'static str {
    match a {
        ModAction::Hide => "lyceum-mod-action-hide",
        ModAction::Unhide => "lyceum-mod-action-unhide",
        ModAction::Warn => "lyceum-mod-action-warn",
        ModAction::Suspend => "lyceum-mod-action-suspend",
        ModAction::Block => "lyceum-mod-action-block",
        ModAction::Dismiss => "lyceum-mod-action-dismiss",
    }
}

fn status_key(status: &str) -> &'static str {
    match status {
        "open" => "lyceum-mod-status-open",
        "dismissed" => "lyceum-mod-status-dismissed",
        _ => "lyceum-mod-status-resolved",
    }
}

#[derive(Template)]
#[template(path = "moderation/report.html")]
struct ReportView {
    p: Page,
    title: String,
    target: uc::ReportTarget,
    kind_key: &'static str,
    back: String,
    reasons: Vec<ReasonChoice>,
    text: String,
    text_max: usize,
    error: Option<Html>,
}

pub(crate) fn reasons(chosen: &str) -> Vec<ReasonChoice> {
    Reason::ALL
        .into_iter()
        .map(|r| ReasonChoice {
            value: r.as_str(),
            label_key: reason_keys(r).0,
            help_key: reason_keys(r).1,
            checked: r.as_str() == chosen,
        })
        .collect()
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "course" => "lyceum-report-kind-course",
        "block" => "lyceum-report-kind-block",
        "post" => "lyceum-report-kind-post",
        _ => "lyceum-report-kind-user",
    }
}

async fn report_view(cx: &Cx, q: &ReportQuery) -> AppResult<ReportView> {
    cx.require_user()?;
    let target = Target::parse(&q.kind, &q.id).map_err(|_| AppError::NotFound)?;
    let t = uc::report_target(&cx.app.env(), &cx.actor(), &target).await?;
    let p = &cx.page;
    Ok(ReportView {
        title: p.text1("lyceum-report-title", p.bdi(&shown_title(p, &t.title))),
        kind_key: kind_key(t.target_type),
        back: crate::handlers::safe_return_to(
            q.back
                .as_deref()
                .filter(|b| !b.is_empty())
                .or(Some(&target_link(&t, None))),
        ),
        target: t,
        reasons: reasons(""),
        text: String::new(),
        text_max: limits::REPORT_TEXT.max_chars,
        error: None,
        p: p.clone(),
    })
}

/// A block without a title of its own (a component inside a unit) is named "(untitled)"
/// rather than shown as empty quotes.
fn shown_title(p: &crate::page::Page, title: &str) -> String {
    if title.trim().is_empty() {
        p.text("lyceum-studio-history-untitled")
    } else {
        title.to_owned()
    }
}

pub async fn report_page(cx: Cx, Query(q): Query<ReportQuery>) -> AppResult<Response> {
    render(&report_view(&cx, &q).await?)
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    back: Option<String>,
}

pub async fn report_post(cx: Cx, Form(f): Form<ReportForm>) -> AppResult<Response> {
    let q = ReportQuery {
        kind: f.kind.clone(),
        id: f.id.clone(),
        back: f.back.clone(),
    };
    let mut view = report_view(&cx, &q).await?;
    let target = Target::parse(&f.kind, &f.id).map_err(|_| AppError::NotFound)?;
    match uc::report(&cx.app.env(), &cx.actor(), &target, &f.reason, &f.text).await {
        Ok(_) => Ok(see_other(&with_notice(&view.back, "reported"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            view.reasons = reasons(&f.reason);
            view.text = f.text;
            render_status(status, &view)
        }
    }
}

pub struct ActionChoice {
    pub value: &'static str,
    pub label_key: &'static str,
}

pub struct ReportLine {
    pub id: i64,
    pub appeal: bool,
    pub reporter: Option<String>,
    pub reason_key: &'static str,
    pub text: String,
    pub at: Timestamp,
    pub status_key: &'static str,
    pub resolution: String,
    pub resolved_by: Option<String>,
    pub action_url: Option<String>,
}

pub struct ItemLine {
    pub kind_key: &'static str,
    pub target_type: String,
    pub target_id: String,
    pub title: String,
    pub course_title: Option<String>,
    pub link: Option<String>,
    pub hidden: bool,
    pub blocked: bool,
    pub suspended: bool,
    pub count: usize,
    pub first_report: Option<i64>,
    pub reports: Vec<ReportLine>,
    pub actions: Vec<ActionChoice>,
    pub suspend: bool,
    /// Form field ids, unique on the page.
    pub form_id: String,
}

#[derive(Template)]
#[template(path = "moderation/queue.html")]
struct QueueView {
    p: Page,
    title: String,
    closed: bool,
    items: Vec<ItemLine>,
    reason_max: usize,
    error: Option<Html>,
    /// The item whose form failed, and what was typed.
    failed: Option<(String, String)>,
    min_until: String,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
}

async fn queue_view(cx: &Cx, closed: bool) -> AppResult<QueueView> {
    cx.require_user()?;
    let items = uc::queue(&cx.app.env(), &cx.actor(), QueueFilter { closed }).await?;
    let p = &cx.page;
    let lines = items
        .into_iter()
        .enumerate()
        .map(|(i, it)| {
            let actions = ModAction::ALL
                .into_iter()
                .filter(|a| a.applies_to(&it.target_type))
                .filter(|a| match a {
                    ModAction::Hide => !it.hidden,
                    ModAction::Unhide => it.hidden,
                    ModAction::Block => !it.blocked,
                    _ => true,
                })
                .map(|a| ActionChoice {
                    value: a.as_str(),
                    label_key: action_key(a),
                })
                .collect();
            ItemLine {
                kind_key: kind_key(&it.target_type),
                count: it.reports.iter().filter(|r| r.kind == "report").count(),
                first_report: it.reports.iter().find(|r| r.status == "open").map(|r| r.id),
                suspend: it.target_type == "user",
                form_id: format!("item-{i}"),
                reports: it
                    .reports
                    .into_iter()
                    .map(|r| ReportLine {
                        id: r.id,
                        appeal: r.kind == "appeal",
                        reporter: r.reporter,
                        reason_key: Reason::parse(&r.reason)
                            .map_or("lyceum-mod-appeal", |x| reason_keys(x).0),
                        text: r.text,
                        at: from_millis(r.created_at),
                        status_key: status_key(&r.status),
                        resolution: r.resolution,
                        resolved_by: r.resolved_by,
                        action_url: r.action.map(|a| format!("/appeals/new?action={a}")),
                    })
                    .collect(),
                actions,
                target_type: it.target_type,
                target_id: it.target_id,
                title: shown_title(p, &it.title),
                course_title: it.course_title,
                link: it.link,
                hidden: it.hidden,
                blocked: it.blocked,
                suspended: it.suspended,
            }
        })
        .collect();
    let tomorrow = cx
        .app
        .now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap_or(cx.app.now());
    Ok(QueueView {
        title: p.text("lyceum-mod-queue-title"),
        closed,
        items: lines,
        reason_max: limits::MODERATION_REASON.max_chars,
        error: None,
        failed: None,
        min_until: tomorrow.strftime("%Y-%m-%d").to_string(),
        p: p.clone(),
    })
}

pub async fn queue_page(cx: Cx, Query(q): Query<QueueQuery>) -> AppResult<Response> {
    render(&queue_view(&cx, q.status == "closed").await?)
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    report: Option<String>,
    #[serde(default)]
    target_type: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    /// A date (`YYYY-MM-DD`, the end of the suspension at midnight UTC) or RFC 3339.
    #[serde(default)]
    until: String,
}

/// A suspension's end as typed: a date (midnight UTC that day) or an RFC 3339 time.
pub fn parse_until(s: &str) -> Result<Option<Timestamp>, lyceum_app::Error> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(Some(t));
    }
    s.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| Some(z.timestamp()))
        .ok_or_else(|| lyceum_app::Error::malformed("lyceum-mod-error-until-format"))
}

pub async fn act_post(cx: Cx, Form(f): Form<ActForm>) -> AppResult<Response> {
    cx.require_user()?;
    let run = async {
        let target = Target::parse(&f.target_type, &f.target_id)?;
        let action = ModAction::parse(&f.action)
            .ok_or_else(|| lyceum_app::Error::malformed("lyceum-mod-error-action"))?;
        let report = match f.report.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(
                r.parse::<i64>()
                    .map_err(|_| lyceum_app::Error::malformed("lyceum-error-bad-form"))?,
            ),
            None => None,
        };
        let until = parse_until(&f.until)?;
        uc::act(
            &cx.app.env(),
            &cx.actor(),
            &uc::Decision {
                report,
                target,
                action,
                reason: &f.reason,
                until,
            },
        )
        .await
    };
    match run.await {
        Ok(out) => {
            if let Some(u) = out.person {
                cx.app.sessions().forget_user(u);
            }
            Ok(see_other("/moderation?notice=moderated"))
        }
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            let mut view = queue_view(&cx, false).await?;
            view.error = Some(message);
            view.failed = Some((
                format!("{}:{}", f.target_type, f.target_id),
                f.reason.clone(),
            ));
            render_status(status, &view)
        }
    }
}

#[derive(Template)]
#[template(path = "moderation/appeal.html")]
struct AppealView {
    p: Page,
    title: String,
    notice: uc::Notice,
    sentence: Html,
    /// About content (the reason is shown apart) rather than a person.
    content: bool,
    at: Timestamp,
    until: Option<Timestamp>,
    link: Option<String>,
    text: String,
    text_max: usize,
    error: Option<Html>,
}

#[derive(Deserialize, Default)]
pub struct AppealQuery {
    #[serde(default)]
    action: Option<i64>,
    /// Or the hidden content's banner: `course` or `block`, with its id.
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

async fn appeal_view(cx: &Cx, action: i64) -> AppResult<AppealView> {
    cx.require_user()?;
    let n = uc::notice(&cx.app.env(), &cx.actor(), action).await?;
    let p = &cx.page;
    let a = &n.action;
    // The same sentence as the notification: content actions name the content, actions
    // on a person quote the reason.
    let (key, subject) = match a.action.as_str() {
        "hide" => ("lyceum-mod-notice-hidden", &a.subject),
        "unhide" => ("lyceum-mod-notice-unhidden", &a.subject),
        "warn" => ("lyceum-mod-notice-warned", &a.reason),
        "suspend" => ("lyceum-mod-notice-suspended", &a.reason),
        "unsuspend" => ("lyceum-mod-notice-unsuspended", &a.reason),
        // Discussion moderation (issue 15): the course or the thread is named; the
        // reason is quoted below.
        "discussion-mute" => ("lyceum-dmod-notice-muted", &a.subject),
        "discussion-ban" => ("lyceum-dmod-notice-banned", &a.subject),
        "discussion-unmute" => ("lyceum-dmod-notice-unmuted", &a.subject),
        "delete" => ("lyceum-dmod-notice-post-deleted", &a.subject),
        "restore" => ("lyceum-dmod-notice-post-restored", &a.subject),
        "lock" => ("lyceum-dmod-notice-thread-locked", &a.subject),
        "unlock" => ("lyceum-dmod-notice-thread-unlocked", &a.subject),
        "approve" => ("lyceum-dmod-notice-post-approved", &a.subject),
        "reject" => ("lyceum-dmod-notice-post-rejected", &a.subject),
        _ => ("lyceum-mod-notice-blocked", &a.reason),
    };
    let discussion =
        a.action.starts_with("discussion-") || matches!(a.target_type.as_str(), "post" | "thread");
    let link = match (a.target_type.as_str(), &a.course_key) {
        ("course", Some(k)) => Some(format!("/courses/{k}/about")),
        ("block", Some(k)) => Some(format!("/courses/{k}/courseware")),
        (_, Some(k)) if discussion => Some(format!("/courses/{k}/discussion")),
        _ => None,
    };
    Ok(AppealView {
        title: p.text("lyceum-mod-notice-title"),
        sentence: p.t1(key, p.bdi(subject)),
        content: a.target_type != "user" || discussion,
        at: from_millis(a.created_at),
        until: a.until_at.map(from_millis),
        link,
        text: String::new(),
        text_max: limits::APPEAL_TEXT.max_chars,
        error: None,
        notice: n,
        p: p.clone(),
    })
}

pub async fn appeal_page(cx: Cx, Query(q): Query<AppealQuery>) -> AppResult<Response> {
    cx.require_user()?;
    let action = match (q.action, q.target.as_deref(), q.id.as_deref()) {
        (Some(a), _, _) => a,
        (None, Some(t), Some(id)) => uc::hiding_action(&cx.app.env(), &cx.actor(), t, id).await?,
        _ => return Err(AppError::NotFound),
    };
    render(&appeal_view(&cx, action).await?)
}

#[derive(Deserialize, Default)]
pub struct AppealForm {
    #[serde(default)]
    action: i64,
    #[serde(default)]
    text: String,
}

pub async fn appeal_post(cx: Cx, Form(f): Form<AppealForm>) -> AppResult<Response> {
    let mut view = appeal_view(&cx, f.action).await?;
    match uc::appeal(&cx.app.env(), &cx.actor(), f.action, &f.text).await {
        Ok(_) => Ok(see_other(&format!(
            "/appeals/new?action={}&notice=appealed",
            f.action
        ))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            view.text = f.text;
            render_status(status, &view)
        }
    }
}

#[derive(Template)]
#[template(path = "moderation/person.html")]
struct PersonView {
    p: Page,
    title: String,
    person: uc::Person,
    report_url: String,
    /// Moderators: suspended until (now), and where to lift it.
    suspended_until: Option<Timestamp>,
    unsuspend_url: String,
    reason_max: usize,
}

pub async fn person_page(cx: Cx, Path(username): Path<String>) -> AppResult<Response> {
    let person = uc::person(&cx.app.env(), &cx.actor(), &username).await?;
    let p = &cx.page;
    render(&PersonView {
        title: person.name.clone(),
        suspended_until: person.moderated.flatten().map(from_millis),
        unsuspend_url: format!(
            "/people/{}/unsuspend",
            url::form_urlencoded::byte_serialize(person.username.as_bytes()).collect::<String>()
        ),
        reason_max: limits::MODERATION_REASON.max_chars,
        report_url: report_url(
            "user",
            &person.username,
            &format!(
                "/people/{}",
                url::form_urlencoded::byte_serialize(person.username.as_bytes())
                    .collect::<String>()
            ),
        ),
        person,
        p: p.clone(),
    })
}

#[derive(Deserialize, Default)]
pub struct LiftForm {
    #[serde(default)]
    reason: String,
}

/// Lift a suspension from the person's page (moderators), then back to it.
pub async fn unsuspend(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<LiftForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    let user = uc::lift_suspension(&cx.app.env(), &cx.actor(), &username, &f.reason).await?;
    cx.app.sessions().forget_user(user);
    let back = format!(
        "/people/{}",
        url::form_urlencoded::byte_serialize(username.as_bytes()).collect::<String>()
    );
    Ok(see_other(&with_notice(&back, "moderated")))
}

#[derive(Deserialize, Default)]
pub struct GrantForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    on: String,
}

/// Grant or remove the site moderator role from the admin user page.
pub async fn set_moderator(
    cx: Cx,
    Path(username): Path<String>,
    Form(f): Form<GrantForm>,
) -> AppResult<Response> {
    crate::handlers::admin::require_admin(&cx)?;
    let mut c = cx.app.store().conn().await?;
    let u = lyceum_store::repo::users::find_user_by_key(
        &mut c,
        &lyceum_core::user::username_key(&username),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    drop(c);
    uc::set_site_moderator(&cx.app.env(), &cx.actor(), u.id(), f.on == "1", &f.reason).await?;
    cx.app.sessions().forget_user(u.id());
    let base = format!(
        "/admin/users/{}",
        url::form_urlencoded::byte_serialize(u.username.as_bytes()).collect::<String>()
    );
    Ok(see_other(&with_notice(&base, "saved")))
}
