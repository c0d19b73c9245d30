//! Studio: where a course's instructors and authors edit its draft. This module draws
//! the header every Studio page shares ([`StudioHead`], `templates/studio/chrome.html`)
//! and loads a course's draft for a page; the outline editor, publishing and previewing,
//! and the history pages are its submodules. Everything goes through
//! `lyceum_app::authoring`, which checks `can()`: a learner gets 404, the course's staff
//! (teaching assistants) 403.

pub mod history;
pub mod outline;
pub mod publish;
pub mod upstream;

use crate::error::{AppError, AppResult};
use crate::handlers::catalog::content_dir;
use crate::page::{Cx, Page};
use crate::state::App;
use axum::Router;
use axum::routing::{get, post};
use lyceum_app::authoring::{self, Draft};
use lyceum_core::course::CourseStatus;
use lyceum_core::permissions::{Action, Resource, can};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/courses/{key}/studio", get(outline::page))
        .route("/courses/{key}/studio/outline/add", post(outline::add))
        .route(
            "/courses/{key}/studio/outline/{block}/rename",
            post(outline::rename),
        )
        .route(
            "/courses/{key}/studio/outline/{block}/move",
            get(outline::move_page).post(outline::move_block),
        )
        .route(
            "/courses/{key}/studio/outline/{block}/settings",
            post(outline::settings),
        )
        .route(
            "/courses/{key}/studio/outline/{block}/duplicate",
            post(outline::duplicate),
        )
        .route(
            "/courses/{key}/studio/outline/{block}/delete",
            get(outline::delete_page).post(outline::delete),
        )
        .route("/courses/{key}/studio/publish", post(publish::publish))
        .route(
            "/courses/{key}/studio/discard",
            get(publish::discard_page).post(publish::discard),
        )
        .route("/courses/{key}/studio/preview", get(publish::preview_start))
        .route(
            "/courses/{key}/studio/preview/unit/{unit}",
            get(publish::preview_unit),
        )
        .route("/courses/{key}/studio/history", get(history::course))
        .route("/courses/{key}/studio/upstream", get(upstream::page))
        .route("/courses/{key}/studio/upstream/pull", post(upstream::pull))
        .route(
            "/courses/{key}/studio/upstream/{block}/resolve",
            post(upstream::resolve),
        )
        .route("/courses/{key}/studio/forks", get(upstream::forks))
        .route("/courses/{key}/fork-changes", get(upstream::fork_changes))
        .route("/courses/{key}/studio/history/{block}", get(history::block))
        .route(
            "/courses/{key}/studio/history/{block}/{revision}",
            get(history::revision),
        )
        .route(
            "/courses/{key}/studio/history/{block}/{revision}/restore",
            post(history::restore),
        )
}

/// One link of Studio's navigation.
pub struct StudioLink {
    pub label_key: &'static str,
    pub url: String,
    pub current: bool,
}

/// Which part of Studio a page belongs to (its navigation entry is marked current).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudioTab {
    Outline,
    Files,
    History,
    Settings,
    Team,
    Translations,
    /// A page under none of them (a unit or block editor, a preview).
    None,
}

/// The header of every Studio page: the course, its status, how many changes wait to be
/// published, the Publish / Preview / Discard controls and Studio's navigation. A page's
/// template includes `studio/chrome.html` with this as `studio` (and the `Page` as `p`).
pub struct StudioHead {
    pub title: String,
    /// The course's language and direction (its title is in it).
    pub language: String,
    pub dir: &'static str,
    /// "ORG · CODE · RUN".
    pub code_line: String,
    pub status: CourseStatus,
    /// Blocks the draft changes (0: learners see exactly the draft).
    pub changes: i64,
    /// Publishing sends the course to the organisation's reviewers instead.
    pub goes_to_review: bool,
    /// Publishing is possible now (not in review, not archived).
    pub may_publish: bool,
    pub publish_url: String,
    pub discard_url: String,
    pub preview_url: String,
    pub live_url: String,
    pub nav: Vec<StudioLink>,
    /// A fork: its upstream page and how many changes of its source it has not taken
    /// (set by the pages that know: the outline and the upstream page).
    pub upstream: Option<(String, usize)>,
    /// How many forks the course has (its forks page is linked when there are).
    pub forks: usize,
    pub forks_url: String,
}

impl StudioHead {
    pub fn new(cx: &Cx, draft: &Draft, current: StudioTab) -> StudioHead {
        let key = &draft.course.course_key;
        let url = |rest: &str| format!("/courses/{key}/{rest}");
        let status = draft.status();
        let goes_to_review = matches!(status, CourseStatus::Draft) && draft.requires_review;
        let links = [
            (
                StudioTab::Outline,
                "lyceum-studio-nav-outline",
                url("studio"),
            ),
            (
                StudioTab::Files,
                "lyceum-studio-nav-files",
                url("studio/files"),
            ),
            (
                StudioTab::History,
                "lyceum-studio-nav-history",
                url("studio/history"),
            ),
            (
                StudioTab::Settings,
                "lyceum-studio-nav-settings",
                url("settings"),
            ),
            (StudioTab::Team, "lyceum-studio-nav-team", url("team")),
            (
                StudioTab::Translations,
                "lyceum-studio-nav-translations",
                url("translate"),
            ),
        ];
        StudioHead {
            title: draft.course.title.clone(),
            language: draft.course.language.clone(),
            dir: content_dir(&draft.course.language),
            code_line: format!(
                "{} · {} · {}",
                crate::handlers::about::org_name(&cx.page, &draft.course),
                draft.course.code,
                draft.course.run
            ),
            status,
            changes: draft.changes,
            goes_to_review,
            may_publish: matches!(status, CourseStatus::Draft | CourseStatus::Published)
                && can(&cx.actor(), Action::Publish, Resource::Course(&draft.facts)).allowed(),
            publish_url: url("studio/publish"),
            discard_url: url("studio/discard"),
            preview_url: url("studio/preview"),
            live_url: url("courseware"),
            upstream: None,
            forks: 0,
            forks_url: url("studio/forks"),
            nav: links
                .into_iter()
                .map(|(tab, label_key, url)| StudioLink {
                    label_key,
                    url,
                    current: tab == current,
                })
                .collect(),
        }
    }

    /// The message naming the course's status.
    pub fn status_key(&self) -> &'static str {
        status_key(self.status)
    }

    /// The status chip's Codex class.
    pub fn status_class(&self) -> &'static str {
        match self.status {
            CourseStatus::Draft => "cdx-info-chip--notice",
            CourseStatus::Review => "cdx-info-chip--warning",
            CourseStatus::Published => "cdx-info-chip--success",
            CourseStatus::Archived => "",
        }
    }
}

pub fn status_key(status: CourseStatus) -> &'static str {
    match status {
        CourseStatus::Draft => "lyceum-studio-status-draft",
        CourseStatus::Review => "lyceum-studio-status-review",
        CourseStatus::Published => "lyceum-studio-status-published",
        CourseStatus::Archived => "lyceum-studio-status-archived",
    }
}

/// A course's draft for a Studio page: one statement for the course and the viewer's
/// relation to it, one for the draft, whatever the course's size. Someone not logged in
/// is asked to log in (nothing is said about the course); a learner gets 404, a teaching
/// assistant 403 (`lyceum_app::authoring` decides through `can()`).
pub async fn load(cx: &Cx, key: &str) -> AppResult<Draft> {
    if cx.user().is_none() {
        return Err(AppError::LoginRequired {
            return_to: cx.page.path.clone(),
        });
    }
    if key.parse::<lyceum_core::course::CourseKey>().is_err() {
        return Err(AppError::NotFound);
    }
    Ok(authoring::draft_by_key(&cx.app.env(), &cx.actor(), key).await?)
}

/// The message of an error a form shows in place (with the person's input kept); any
/// other error is the error page.
pub fn form_error(p: &Page, e: lyceum_app::Error) -> AppResult<crate::page::Html> {
    use lyceum_app::ErrorKind as K;
    match e.kind {
        K::Invalid | K::Malformed | K::Conflict => Ok(domain_text(p, &e.error)),
        _ => Err(e.into()),
    }
}

/// A domain error's message in the page's language.
pub fn domain_text(p: &Page, e: &lyceum_core::DomainError) -> crate::page::Html {
    let args: Vec<crate::page::Piece> = e
        .args
        .iter()
        .map(|a| crate::page::Piece::Arg(a.clone().into()))
        .collect();
    p.tn(e.key.0, &args)
}
