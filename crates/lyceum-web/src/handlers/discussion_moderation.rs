//! Pages of discussion moderation (issue 15), for those who moderate a course's
//! discussions: the course's moderation page (mutes and bans with the form to mute and
//! the buttons to lift, reports about posts, recent actions), the review of held posts,
//! the team's discussion settings, and the forms the thread page's moderation buttons
//! post to (hide, delete, restore a post; lock a thread). The work is
//! `lyceum_app::discussion_moderation`; none of it unenrols anyone.

use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::admin::{form_error, render, render_status};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, nav};
use crate::handlers::moderation::parse_until;
use crate::handlers::{safe_return_to, see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path};
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use lyceum_app::discussion_moderation::{self as uc, Mute, PostAction};
use lyceum_app::moderation::{self as moderation, ModAction, Target};
use lyceum_core::clock::from_millis;
use lyceum_core::limits;
use lyceum_store::repo::discussion_settings::DiscussionSettingsRow;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/courses/{key}/discussion/moderation", get(moderation_page))
        .route(
            "/courses/{key}/discussion/moderation/mutes",
            post(mute_post),
        )
        .route(
            "/courses/{key}/discussion/moderation/mutes/{id}/lift",
            post(lift_post),
        )
        .route(
            "/courses/{key}/discussion/moderation/posts/{post}/{action}",
            post(post_action),
        )
        .route(
            "/courses/{key}/discussion/moderation/threads/{thread}/{action}",
            post(thread_action),
        )
        .route(
            "/courses/{key}/discussion/moderation/reports/{post}/dismiss",
            post(dismiss_post),
        )
        .route("/courses/{key}/discussion/review", get(review_page))
        .route(
            "/courses/{key}/discussion/review/{post}/{decision}",
            post(review_post),
        )
        .route(
            "/courses/{key}/discussion/settings",
            get(settings_page).post(settings_post),
        )
        .merge(crate::api::discussion_moderation::routes())
}

/// The moderation buttons of one post, for the thread page: its `post` macro includes
/// `discussion_moderation/post_tools.html`, which builds this with [`PostModeration::of`]
/// for those who moderate, and a report link ([`report_link`]) for everyone else.
#[derive(Clone, Debug)]
pub struct PostModeration {
    pub post_id: i64,
    /// The thread's id when the post opens it (lock and unlock go with it).
    pub thread_id: Option<i64>,
    pub hidden: bool,
    pub deleted: bool,
    pub locked: bool,
    /// Where the forms post: `/courses/{key}/discussion/moderation`.
    pub base: String,
    /// Where to come back to (the thread page, at the post).
    pub back: String,
    pub reason_max: usize,
}

/// The course's URL prefix (`/courses/{key}/`) of a page under it.
fn course_prefix(page_url: &str) -> &str {
    match page_url.find("/discussion/") {
        Some(i) => &page_url[..=i],
        None => page_url,
    }
}

impl PostModeration {
    /// The buttons of `post` on the thread page at `thread_url`
    /// (`/courses/{key}/discussion/threads/{id}`).
    pub fn of(
        thread_url: &str,
        post: &lyceum_app::discussions::PostView,
        thread: &lyceum_app::discussions::ThreadSummary,
    ) -> PostModeration {
        PostModeration {
            post_id: post.id,
            thread_id: (post.depth == 0).then_some(thread.id),
            hidden: post.hidden,
            deleted: post.deleted,
            locked: thread.closed,
            base: format!("{}discussion/moderation", course_prefix(thread_url)),
            back: format!("{thread_url}#post-{}", post.id),
            reason_max: limits::MODERATION_REASON.max_chars,
        }
    }
}

/// The course's discussion moderation page, from the URL of another of its discussion
/// pages (for the Discussion tab's links).
pub fn moderation_link(discussion_url: &str) -> String {
    format!("{}discussion/moderation", course_prefix(discussion_url))
}

/// The link to report a post, coming back to it on the thread page.
pub fn report_link(thread_url: &str, post: &i64) -> String {
    crate::handlers::moderation::report_url(
        "post",
        &post.to_string(),
        &format!("{thread_url}#post-{post}"),
    )
}

async fn course_for(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    courses::load(cx, key).await
}

pub struct MuteLine {
    pub id: i64,
    pub username: String,
    pub until: Option<Timestamp>,
    pub reason: String,
    pub by: Option<String>,
    pub at: Timestamp,
    pub active: bool,
    pub lifted_at: Option<Timestamp>,
    pub lifted_by: Option<String>,
}

fn mute_line(m: Mute) -> MuteLine {
    MuteLine {
        id: m.id,
        username: m.username,
        until: m.until.map(from_millis),
        reason: m.reason,
        by: m.created_by,
        at: from_millis(m.created_at),
        active: m.active,
        lifted_at: m.lifted_at.map(from_millis),
        lifted_by: m.lifted_by,
    }
}

pub struct ReportLine {
    pub post_id: String,
    pub excerpt: String,
    pub link: Option<String>,
    pub reporter: Option<String>,
    pub reason_key: &'static str,
    pub text: String,
    pub at: Timestamp,
    pub report_id: i64,
}

pub struct ActionLine {
    pub at: Timestamp,
    pub actor: Option<String>,
    pub label_key: &'static str,
    pub username: Option<String>,
    pub subject: String,
    pub reason: String,
    pub until: Option<Timestamp>,
}

fn action_key(action: &str, target_type: &str) -> &'static str {
    match (action, target_type) {
        ("discussion-mute", _) => "lyceum-dmod-log-mute",
        ("discussion-ban", _) => "lyceum-dmod-log-ban",
        ("discussion-unmute", _) => "lyceum-dmod-log-unmute",
        ("lock", _) => "lyceum-dmod-log-lock",
        ("unlock", _) => "lyceum-dmod-log-unlock",
        ("hide", _) => "lyceum-dmod-log-hide",
        ("unhide", _) => "lyceum-dmod-log-unhide",
        ("delete", _) => "lyceum-dmod-log-delete",
        ("restore", _) => "lyceum-dmod-log-restore",
        ("approve", _) => "lyceum-dmod-log-approve",
        ("reject", _) => "lyceum-dmod-log-reject",
        _ => "lyceum-dmod-log-other",
    }
}

fn report_reason_key(reason: &str) -> &'static str {
    match reason {
        "spam" => "lyceum-report-reason-spam",
        "harassment" => "lyceum-report-reason-harassment",
        "copyright" => "lyceum-report-reason-copyright",
        "misinformation" => "lyceum-report-reason-misinformation",
        _ => "lyceum-report-reason-other",
    }
}

#[derive(Template)]
#[template(path = "discussion_moderation/moderation.html")]
struct ModerationView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    base: String,
    active: Vec<MuteLine>,
    past: Vec<MuteLine>,
    reports: Vec<ReportLine>,
    actions: Vec<ActionLine>,
    held: i64,
    review_url: String,
    settings_url: String,
    reason_max: usize,
    min_until: String,
    error: Option<Html>,
    form: MuteForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct MuteForm {
    #[serde(default)]
    username: String,
    /// `mute` (with `until`) or `ban`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
}

async fn moderation_view(cx: &Cx, key: &str) -> AppResult<ModerationView> {
    let course = course_for(cx, key).await?;
    let o = uc::overview(&cx.app.env(), &cx.actor(), key).await?;
    let p = &cx.page;
    let (active, past): (Vec<MuteLine>, Vec<MuteLine>) =
        o.mutes.into_iter().map(mute_line).partition(|m| m.active);
    let now = cx.app.now_ms();
    let reports = o
        .reports
        .into_iter()
        .map(|r| {
            let item = moderation::queue_item(&r, now);
            ReportLine {
                post_id: item.target_id,
                excerpt: item.title,
                link: item.link,
                reporter: r.reporter_username,
                reason_key: report_reason_key(&r.reason),
                text: r.text,
                at: from_millis(r.created_at),
                report_id: r.id,
            }
        })
        .collect();
    let actions = o
        .actions
        .into_iter()
        .map(|a| ActionLine {
            at: from_millis(a.created_at),
            actor: a.actor,
            label_key: action_key(&a.action, &a.target_type),
            username: a.username,
            subject: a.subject,
            reason: a.reason,
            until: a.until_at.map(from_millis),
        })
        .collect();
    let tomorrow = cx
        .app
        .now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap_or(cx.app.now());
    Ok(ModerationView {
        title: p.text("lyceum-dmod-title"),
        head: head(cx, &course, "discussion"),
        nav: nav(&course, "discussion-moderation"),
        base: course.url("discussion/moderation"),
        active,
        past,
        reports,
        actions,
        held: o.held,
        review_url: course.url("discussion/review"),
        settings_url: course.url("discussion/settings"),
        reason_max: limits::MODERATION_REASON.max_chars,
        min_until: tomorrow.strftime("%Y-%m-%d").to_string(),
        error: None,
        form: MuteForm {
            kind: "mute".to_owned(),
            ..MuteForm::default()
        },
        p: p.clone(),
    })
}

pub async fn moderation_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    render(&moderation_view(&cx, &key).await?)
}

pub async fn mute_post(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<MuteForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    let run = async {
        let until = if f.kind == "ban" {
            None
        } else {
            match parse_until(&f.until)? {
                Some(t) => Some(t),
                None => {
                    return Err(lyceum_app::Error::invalid(lyceum_core::DomainError::new(
                        "lyceum-dmod-error-until-required",
                    )));
                }
            }
        };
        uc::mute(
            &cx.app.env(),
            &cx.actor(),
            &key,
            &f.username,
            until,
            &f.reason,
        )
        .await
    };
    match run.await {
        Ok(_) => Ok(see_other(&with_notice(
            &format!("/courses/{key}/discussion/moderation"),
            "moderated",
        ))),
        Err(e) => {
            let mut view = moderation_view(&cx, &key).await?;
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            view.form = f;
            render_status(status, &view)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: Option<String>,
}

fn back_or(f: &ReasonForm, fallback: String) -> String {
    match f.back.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => safe_return_to(Some(b)),
        None => fallback,
    }
}

pub async fn lift_post(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    uc::lift(&cx.app.env(), &cx.actor(), &key, id, &f.reason).await?;
    Ok(see_other(&with_notice(
        &format!("/courses/{key}/discussion/moderation"),
        "moderated",
    )))
}

pub async fn post_action(
    cx: Cx,
    Path((key, post, action)): Path<(String, i64, String)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    let action = PostAction::parse(&action).ok_or(AppError::NotFound)?;
    let d = uc::act_on_post(&cx.app.env(), &cx.actor(), post, action, &f.reason).await?;
    if d.course_key != key {
        // The post is in another course: the action is done, the URL was only wrong.
        return Ok(see_other(&with_notice(
            &format!("/courses/{}/discussion/moderation", d.course_key),
            "moderated",
        )));
    }
    let back = back_or(&f, format!("/courses/{key}/discussion/moderation"));
    Ok(see_other(&with_notice(&back, "moderated")))
}

pub async fn thread_action(
    cx: Cx,
    Path((key, thread, action)): Path<(String, i64, String)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    let lock = match action.as_str() {
        "lock" => true,
        "unlock" => false,
        _ => return Err(AppError::NotFound),
    };
    uc::lock_thread(&cx.app.env(), &cx.actor(), thread, lock, &f.reason).await?;
    let back = back_or(&f, format!("/courses/{key}/discussion/moderation"));
    Ok(see_other(&with_notice(&back, "moderated")))
}

/// Close the reports about a post without acting on it.
pub async fn dismiss_post(
    cx: Cx,
    Path((key, post)): Path<(String, i64)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    moderation::act(
        &cx.app.env(),
        &cx.actor(),
        &moderation::Decision {
            report: None,
            target: Target::Post(post),
            action: ModAction::Dismiss,
            reason: &f.reason,
            until: None,
        },
    )
    .await?;
    Ok(see_other(&with_notice(
        &format!("/courses/{key}/discussion/moderation"),
        "moderated",
    )))
}

pub struct HeldLine {
    pub id: i64,
    pub thread_title: String,
    pub reply: bool,
    pub author: Option<String>,
    /// Sanitised when it was written.
    pub html: String,
    pub at: Timestamp,
}

#[derive(Template)]
#[template(path = "discussion_moderation/review.html")]
struct ReviewView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    base: String,
    moderation_url: String,
    posts: Vec<HeldLine>,
    reason_max: usize,
}

pub async fn review_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let course = course_for(&cx, &key).await?;
    let (_, rows) = uc::held(&cx.app.env(), &cx.actor(), &key).await?;
    let p = &cx.page;
    render(&ReviewView {
        title: p.text("lyceum-dmod-review-title"),
        head: head(&cx, &course, "discussion"),
        nav: nav(&course, "discussion-moderation"),
        base: course.url("discussion/review"),
        moderation_url: course.url("discussion/moderation"),
        posts: rows
            .into_iter()
            .map(|r| HeldLine {
                id: r.id,
                thread_title: r.thread_title,
                reply: r.depth > 0,
                author: r.author_username,
                html: r.html,
                at: from_millis(r.held_at),
            })
            .collect(),
        reason_max: limits::MODERATION_REASON.max_chars,
        p: p.clone(),
    })
}

pub async fn review_post(
    cx: Cx,
    Path((key, post, decision)): Path<(String, i64, String)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    match decision.as_str() {
        "approve" => uc::approve(&cx.app.env(), &cx.actor(), post).await?,
        "reject" => uc::reject(&cx.app.env(), &cx.actor(), post, &f.reason).await?,
        _ => return Err(AppError::NotFound),
    };
    Ok(see_other(&with_notice(
        &format!("/courses/{key}/discussion/review"),
        "moderated",
    )))
}

#[derive(Template)]
#[template(path = "discussion_moderation/settings.html")]
struct SettingsView {
    p: Page,
    title: String,
    head: CourseHead,
    nav: Vec<NavLink>,
    form_url: String,
    moderation_url: String,
    s: DiscussionSettingsRow,
    error: Option<Html>,
}

pub async fn settings_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let course = course_for(&cx, &key).await?;
    let (_, s) = uc::settings(&cx.app.env(), &cx.actor(), &key).await?;
    let p = &cx.page;
    render(&SettingsView {
        title: p.text("lyceum-dmod-settings-title"),
        head: head(&cx, &course, "discussion"),
        nav: nav(&course, "discussion-settings"),
        form_url: course.url("discussion/settings"),
        moderation_url: course.url("discussion/moderation"),
        s,
        error: None,
        p: p.clone(),
    })
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    allow_anonymous: Option<String>,
    #[serde(default)]
    learner_messages: Option<String>,
    #[serde(default)]
    hold_first_posts: Option<String>,
}

pub async fn settings_post(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    cx.require_user()?;
    uc::set_settings(
        &cx.app.env(),
        &cx.actor(),
        &key,
        &DiscussionSettingsRow {
            allow_anonymous: f.allow_anonymous.is_some(),
            learner_messages: f.learner_messages.is_some(),
            hold_first_posts: f.hold_first_posts.is_some(),
        },
    )
    .await?;
    Ok(see_other(&with_notice(
        &format!("/courses/{key}/discussion/settings"),
        "saved",
    )))
}
