//! The courseware: outline with progress, unit pages with navigation, bookmarks, dates,
//! and the learner's "mark as done" and "bookmark" actions.

use crate::courses::{self, CourseCx, UnitPrefetch, decide};
use crate::deadlines;
use crate::error::{AppError, AppResult};
use crate::handlers::about::course_footer;
use crate::handlers::catalog::content_dir;
use crate::handlers::{html_response, see_other, with_notice};
use crate::kinds::{self, BlockCtx, BlockState, Overlay};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use lyceum_core::BlockId;
use lyceum_core::blocks::CompletionRule;
use lyceum_core::clock::from_millis;
use lyceum_core::completion::WatchedRanges;
use lyceum_core::course::NodeKind;
use lyceum_core::course::tree::{is_staff_only_release, percent};
use lyceum_core::permissions::{Action, Decision, Resource, can};
use lyceum_store::repo::learner::{self, CompletionSource};
use serde::Deserialize;
use std::collections::HashSet;

pub struct Tab {
    pub label_key: &'static str,
    /// A course's own tab is named by its authors, in the course's language; built-in
    /// tabs have an empty title and a message key.
    pub title: String,
    pub url: String,
    pub current: bool,
}

impl Tab {
    fn builtin(label_key: &'static str, url: String, current: bool) -> Tab {
        Tab {
            label_key,
            title: String::new(),
            url,
            current,
        }
    }
}

/// The course title and tabs above every courseware page.
pub struct CourseHead {
    pub title: String,
    pub org_name: String,
    pub code: String,
    pub language: String,
    pub dir: &'static str,
    pub about_url: String,
    pub tabs: Vec<Tab>,
    /// The footer line with the course's licence.
    pub license_footer: Html,
    /// Hidden by a moderator (only its team and moderators see it): the banner.
    pub hidden: Option<crate::handlers::moderation::HiddenBanner>,
    /// The languages the course can be read in, when it has translations (issue 17):
    /// the switcher posts to `language_action` and comes back to `here`.
    pub languages: Vec<LanguageChoice>,
    pub language_action: String,
    pub here: String,
}

/// One language of the switcher.
pub struct LanguageChoice {
    pub code: String,
    /// The language's name in itself.
    pub name: String,
    pub dir: &'static str,
    pub current: bool,
}

/// `current` names the tab of the page: `courseware`, `dates`…, or `page:SLUG` for a
/// course's own tab.
pub(crate) fn head(cx: &Cx, course: &CourseCx, current: &str) -> CourseHead {
    let mut tabs = vec![Tab::builtin(
        "lyceum-tab-course",
        course.url("courseware"),
        current == "courseware",
    )];
    // The course's own pages come from the cached content: no query on any page.
    let pages = &course.content.pages;
    let courseware = can(
        &cx.actor(),
        Action::ViewCourseware,
        Resource::Course(&course.facts),
    )
    .allowed();
    if courseware && pages.has_info() {
        tabs.push(Tab::builtin(
            "lyceum-tab-info",
            course.url("info"),
            current == "info",
        ));
    }
    tabs.push(Tab::builtin(
        "lyceum-tab-dates",
        course.url("dates"),
        current == "dates",
    ));
    if cx.user().is_some() && (course.facts.enrolled || course.on_team(cx)) {
        tabs.push(Tab::builtin(
            "lyceum-tab-progress",
            course.url("progress"),
            current == "progress",
        ));
    }
    // Course discussions (issue 15): members only, as `can` says.
    if can(
        &cx.actor(),
        Action::Discuss,
        Resource::Course(&course.facts),
    )
    .allowed()
    {
        tabs.push(Tab::builtin(
            "lyceum-discussion-tab",
            course.url("discussion"),
            current == "discussion",
        ));
    }
    if cx.user().is_some() {
        tabs.push(Tab::builtin(
            "lyceum-tab-bookmarks",
            course.url("bookmarks"),
            current == "bookmarks",
        ));
    }
    // Translators (issue 17) and the course's writers: its translation pages.
    if cx.user().is_some()
        && can(
            &cx.actor(),
            Action::Translate,
            Resource::Course(&course.facts),
        )
        .allowed()
    {
        tabs.push(Tab::builtin(
            "lyceum-tab-translate",
            course.url("translate"),
            current == "translate",
        ));
    }
    // A translator is on the team (unreleased parts are theirs to translate) but has no
    // business with its learners or its settings: their tab is Translate.
    let translates_only = course.facts.role
        == Some(lyceum_core::permissions::CourseRole::Translator)
        && !can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed()
        && !can(&cx.actor(), Action::Grade, Resource::Course(&course.facts)).allowed();
    if course.on_team(cx) && !translates_only {
        tabs.push(Tab::builtin(
            "lyceum-tab-instructor",
            course.url("instructor/gradebook"),
            current == "instructor",
        ));
    }
    if can(&cx.actor(), Action::Edit, Resource::Course(&course.facts)).allowed() {
        tabs.push(Tab::builtin(
            "lyceum-studio-name",
            course.url("studio"),
            false,
        ));
    }
    tabs.push(Tab::builtin("lyceum-tab-about", course.url("about"), false));
    if courseware {
        for t in &pages.tabs {
            tabs.push(Tab {
                label_key: "",
                title: t.title.clone(),
                url: course.url(&format!("pages/{}", t.slug)),
                current: current.strip_prefix("page:") == Some(t.slug.as_str()),
            });
        }
    }
    CourseHead {
        title: course.row.title.clone(),
        org_name: crate::handlers::about::org_name(&cx.page, &course.row),
        code: course.row.code.clone(),
        language: course.row.language.clone(),
        dir: content_dir(&course.row.language),
        about_url: course.url("about"),
        tabs,
        license_footer: course_footer(&cx.page, &course.row),
        hidden: crate::handlers::moderation::course_banner(course),
        languages: language_choices(course),
        language_action: course.url("content-language"),
        here: cx.page.path.clone(),
    }
}

/// The switcher's languages: none for a course without published translations.
pub(crate) fn language_choices(course: &CourseCx) -> Vec<LanguageChoice> {
    if course.languages.is_empty() {
        return Vec::new();
    }
    std::iter::once(&course.source_language)
        .chain(course.languages.iter())
        .map(|code| LanguageChoice {
            name: crate::format::language_name(code),
            dir: content_dir(code),
            current: code.eq_ignore_ascii_case(&course.row.language),
            code: code.clone(),
        })
        .collect()
}

/// Load a course for its courseware: learners must be enrolled (otherwise they are sent
/// to the About page, where the Enrol button is).
pub(crate) async fn load_courseware(cx: &Cx, key: &str) -> AppResult<Result<CourseCx, Response>> {
    may_see_courseware(cx, courses::load(cx, key).await?)
}

/// [`load_courseware`] for a page of its unit `unit`, with the learner's state in it
/// (read with the course: [`courses::load_with_unit`]).
async fn load_courseware_unit(
    cx: &Cx,
    key: &str,
    unit: &str,
) -> AppResult<Result<(CourseCx, UnitPrefetch), Response>> {
    let (course, prefetch) = courses::load_with_unit(cx, key, unit).await?;
    Ok(may_see_courseware(cx, course)?.map(|c| (c, prefetch)))
}

fn may_see_courseware(cx: &Cx, course: CourseCx) -> AppResult<Result<CourseCx, Response>> {
    match can(
        &cx.actor(),
        Action::ViewCourseware,
        Resource::Course(&course.facts),
    ) {
        Decision::Forbidden => Ok(Err(see_other(&course.url("about")))),
        d => {
            decide(d, cx, "lyceum-error-forbidden")?;
            Ok(Ok(course))
        }
    }
}

/// The learner's completed blocks, when their progress is tracked here (enrolled).
async fn completed(cx: &Cx, course: &CourseCx) -> AppResult<HashSet<BlockId>> {
    match (cx.user_id(), course.facts.enrolled) {
        (Some(u), true) => {
            let mut c = cx.app.store().conn().await?;
            Ok(learner::completed_in_course(&mut c, u, course.id())
                .await?
                .into_iter()
                .collect())
        }
        _ => Ok(HashSet::new()),
    }
}

pub async fn root(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    let target = if can(
        &cx.actor(),
        Action::ViewCourseware,
        Resource::Course(&course.facts),
    )
    .allowed()
    {
        "courseware"
    } else {
        "about"
    };
    Ok(see_other(&course.url(target)))
}

pub struct UnitLine {
    pub title: String,
    pub url: String,
    pub complete: bool,
    pub bookmarked: bool,
    /// Threads in the unit's discussion topics (issue 15), for members of the discussions.
    pub threads: Option<i64>,
}

pub struct SubsectionLine {
    pub title: String,
    pub release: Option<Timestamp>,
    /// The subsection's due date and those of work in it with dates of their own.
    pub due: Vec<deadlines::DueLine>,
    pub units: Vec<UnitLine>,
}

pub struct SectionLine {
    pub title: String,
    pub release: Option<Timestamp>,
    pub complete: bool,
    pub open: bool,
    pub subsections: Vec<SubsectionLine>,
}

#[derive(Template)]
#[template(path = "course/outline.html")]
struct OutlineView {
    p: Page,
    title: String,
    head: CourseHead,
    sections: Vec<SectionLine>,
    show_progress: bool,
    percent: u8,
    done: usize,
    total: usize,
    resume_url: Option<String>,
    started: bool,
    not_started: bool,
    start: Option<Timestamp>,
    /// For the course team: open responses (waiting for staff, stuck with peers, queue).
    /// The block kinds' notices for the course team (work waiting for them).
    staff_notices: Vec<Html>,
    /// "Edit in Studio", for those who may edit the course.
    studio_url: Option<String>,
    /// The latest announcements (issue 15), newest first.
    announcements: Vec<crate::handlers::announcements::AnnouncementItem>,
}

pub async fn outline(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let done_set = completed(&cx, &course).await?;
    let tree = course.tree();
    let vis = course.vis;
    let now = cx.app.now();
    let future = |r: Option<Timestamp>| r.filter(|r| *r > now);
    let last_unit = course
        .viewer
        .last_unit_id
        .and_then(|id| tree.index_of(id))
        .filter(|&u| tree.is_visible(u, &vis));
    let current_section = last_unit.and_then(|u| tree.ancestors(u).first().copied());
    let mut due_by_subsection: std::collections::HashMap<usize, Vec<deadlines::DueItem>> =
        std::collections::HashMap::new();
    for item in deadlines::of_course(&course.row, tree, &vis, &done_set) {
        if let Some(ss) = tree.subsection_of(item.node) {
            due_by_subsection.entry(ss).or_default().push(item);
        }
    }
    // Threads per unit topic: one statement, for members of the discussions only, and
    // only when some unit has a discussion to count.
    let has_unit_topics = tree.units().iter().any(|&u| {
        tree.children(u).iter().any(|&b| {
            tree.node(b)
                .content_of::<lyceum_core::blocks::discussion::Discussion>()
                .is_some()
        })
    });
    let discussion_counts = if has_unit_topics
        && can(
            &cx.actor(),
            Action::Discuss,
            Resource::Course(&course.facts),
        )
        .allowed()
    {
        lyceum_app::discussions::outline_counts(
            &cx.app.env(),
            &crate::api::discussions::here(&cx, &course),
        )
        .await?
    } else {
        std::collections::HashMap::new()
    };
    let unit_threads = |u: usize| -> Option<i64> {
        let mut found = None;
        for &b in tree.children(u) {
            let n = tree.node(b);
            if let Some(d) = n.content_of::<lyceum_core::blocks::discussion::Discussion>() {
                let key = lyceum_app::discussions::unit_topic_key(d, &n.url_name);
                *found.get_or_insert(0) += discussion_counts.get(&key).copied().unwrap_or(0);
            }
        }
        found.filter(|&n| n > 0)
    };
    let mut sections = Vec::new();
    for &s in tree.sections() {
        if !tree.is_visible(s, &vis) {
            continue;
        }
        let mut subs = Vec::new();
        let mut all_done = true;
        for &ss in tree.children(s) {
            if !tree.is_visible(ss, &vis) {
                continue;
            }
            let mut units = Vec::new();
            for &u in tree.children(ss) {
                if tree.node(u).kind != NodeKind::Unit || !tree.is_visible(u, &vis) {
                    continue;
                }
                let complete = tree.is_unit_complete(u, &done_set);
                all_done &= complete;
                units.push(UnitLine {
                    title: tree.node(u).title.clone(),
                    url: course.url(&format!("unit/{}", tree.node(u).url_name)),
                    complete,
                    bookmarked: false,
                    threads: unit_threads(u),
                });
            }
            subs.push(SubsectionLine {
                title: tree.node(ss).title.clone(),
                release: future(tree.node(ss).release_at),
                due: deadlines::lines(&cx.page, due_by_subsection.remove(&ss).unwrap_or_default()),
                units,
            });
        }
        let node = tree.node(s);
        sections.push(SectionLine {
            title: node.title.clone(),
            release: future(node.effective_release),
            complete: all_done && subs.iter().any(|x| !x.units.is_empty()),
            open: current_section.map_or(sections.is_empty(), |c| c == s),
            subsections: subs,
        });
    }
    let (done, total) = tree.progress(&vis, &done_set);
    let visible = tree.visible_units(&vis);
    let resume = last_unit
        .or_else(|| {
            visible
                .iter()
                .copied()
                .find(|&u| !tree.is_unit_complete(u, &done_set))
        })
        .or(visible.first().copied());
    let start = course.row.start_at.map(from_millis);
    let staff_notices = kinds::outline_notices(&cx, &course).await?;
    let announcements = crate::handlers::announcements::on_home(&cx, &course).await?;
    let view = OutlineView {
        announcements,
        staff_notices,
        studio_url: can(&cx.actor(), Action::Edit, Resource::Course(&course.facts))
            .allowed()
            .then(|| course.url("studio")),
        title: cx.page.text("lyceum-outline-title"),
        head: head(&cx, &course, "courseware"),
        sections,
        show_progress: course.facts.enrolled,
        percent: percent(done, total),
        done,
        total,
        resume_url: resume.map(|u| course.url(&format!("unit/{}", tree.node(u).url_name))),
        started: course.viewer.last_unit_id.is_some(),
        not_started: !vis.see_unreleased && start.is_some_and(|s| s > now),
        start,
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

#[derive(Template)]
#[template(path = "course/unit.html")]
struct UnitView {
    p: Page,
    title: String,
    head: CourseHead,
    outline_url: String,
    crumbs: Vec<String>,
    blocks: Vec<Html>,
    prev_url: Option<String>,
    next_url: Option<String>,
    can_track: bool,
    bookmarked: bool,
    complete: bool,
    manual_done: bool,
    /// A reading or video unit: the learner may mark it done by hand.
    may_mark_done: bool,
    bookmark_url: String,
    done_url: String,
    /// Where the page reports that it was seen (enrolled learners), by script.
    seen_url: Option<String>,
    /// Seeing the unit completes it: the page shows so once its report is taken.
    seen_completes: bool,
    unreleased_notice: bool,
    /// The unit (or a part above it) is hidden by a moderator: the team's banner.
    hidden: Option<crate::handlers::moderation::HiddenBanner>,
    /// "Report this unit", for those who may.
    report_url: Option<String>,
    /// Read in a translation that lacks some of the unit, or has it from an earlier
    /// text of the source: the notice saying so.
    translation_note: Option<TranslationNote>,
}

/// The notice on a translated unit that shows some of the source's text, or translations
/// made from an earlier text of it (issue 17).
pub struct TranslationNote {
    pub untranslated: bool,
    pub outdated: bool,
    /// The source language's name (in itself, isolated and marked as it).
    pub source_name: Html,
    /// The same page in the source language.
    pub source_url: String,
}

/// The notice for unit `idx`, when the course is read in a translation with gaps there.
fn translation_note(cx: &Cx, course: &CourseCx, idx: usize) -> Option<TranslationNote> {
    let t = course.content.translation.as_ref()?;
    let tree = course.tree();
    let names = std::iter::once(idx)
        .chain(tree.children(idx).iter().copied())
        .map(|i| tree.node(i).url_name.as_str());
    let (untranslated, outdated) = t.gaps(names);
    (untranslated || outdated).then(|| TranslationNote {
        untranslated,
        outdated,
        source_name: Html(format!(
            "<bdi lang=\"{}\">{}</bdi>",
            crate::page::escape(&course.source_language),
            crate::page::escape(&crate::format::language_name(&course.source_language))
        )),
        source_url: format!(
            "{}?content_lang={}",
            cx.page.path.split('?').next().unwrap_or_default(),
            course.source_language
        ),
    })
}

/// Find a visible unit by its url_name; hidden and unknown units are both 404.
fn find_unit(course: &CourseCx, unit: &str) -> AppResult<usize> {
    let tree = course.tree();
    tree.find_url_name(unit)
        .filter(|&i| tree.node(i).kind == NodeKind::Unit && tree.is_visible(i, &course.vis))
        .ok_or(AppError::NotFound)
}

/// When a unit the viewer may not see yet opens to them: the latest of the course start
/// and the release dates down to the unit. `None` for units that do not exist or never
/// open to learners (staff-only content), which stay unknown.
fn opens_at(course: &CourseCx, unit: &str) -> Option<Timestamp> {
    let tree = course.tree();
    let idx = tree
        .find_url_name(unit)
        .filter(|&i| tree.node(i).kind == NodeKind::Unit)?;
    course.vis.opens_at(tree.node(idx).effective_release)
}

#[derive(Template)]
#[template(path = "course/not_open.html")]
struct NotOpenView {
    p: Page,
    title: String,
    head: CourseHead,
    opens: Timestamp,
    outline_url: String,
}

/// A unit that is not released yet, to someone who may see the course: when it opens,
/// and nothing of its content (not even its title).
fn not_yet_open(cx: &Cx, course: &CourseCx, opens: Timestamp) -> AppResult<Response> {
    let view = NotOpenView {
        title: cx.page.text("lyceum-unit-not-open-title"),
        head: head(cx, course, "courseware"),
        opens,
        outline_url: course.url("courseware"),
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// The first unit under `idx` (itself for a unit) that the viewer may see.
fn first_visible_unit(course: &CourseCx, idx: usize) -> Option<usize> {
    let tree = course.tree();
    match tree.node(idx).kind {
        NodeKind::Unit => tree.is_visible(idx, &course.vis).then_some(idx),
        NodeKind::Leaf => None,
        NodeKind::Section | NodeKind::Subsection => tree
            .children(idx)
            .iter()
            .find_map(|&c| first_visible_unit(course, c)),
    }
}

/// Open edX's `/jump_to_id/URL_NAME` links: to the unit that shows the block (at the
/// block, for a leaf), or the first unit of a section or subsection. A block the viewer
/// may not see is as unknown as one that does not exist.
pub async fn jump_to_id(
    cx: Cx,
    Path((key, url_name)): Path<(String, String)>,
) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let tree = course.tree();
    let idx = tree.find_url_name(&url_name).ok_or(AppError::NotFound)?;
    let node = tree.node(idx);
    let (unit, anchor) = match node.kind {
        NodeKind::Leaf => {
            let unit = tree
                .unit_of(idx)
                .filter(|&u| tree.is_visible(u, &course.vis))
                .ok_or(AppError::NotFound)?;
            (unit, format!("#block-{}", node.id.0))
        }
        _ => (
            first_visible_unit(&course, idx).ok_or(AppError::NotFound)?,
            String::new(),
        ),
    };
    Ok(see_other(&format!(
        "{}{anchor}",
        course.url(&format!("unit/{}", tree.node(unit).url_name))
    )))
}

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    /// Show the answer of this problem (the "Show answer" button without script).
    show: Option<i64>,
}

pub async fn unit(
    cx: Cx,
    Path((key, unit)): Path<(String, String)>,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    let (course, prefetch) = match load_courseware_unit(&cx, &key, &unit).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let idx = match find_unit(&course, &unit) {
        Ok(idx) => idx,
        Err(AppError::NotFound) => {
            return match opens_at(&course, &unit) {
                Some(at) => not_yet_open(&cx, &course, at),
                None => Err(AppError::NotFound),
            };
        }
        Err(e) => return Err(e),
    };
    let overlay = q.show.map(|b| {
        Overlay::new(
            BlockId(b),
            crate::kinds::problem::Overlay {
                show_answer: true,
                ..Default::default()
            },
        )
    });
    render_unit_read(&cx, &course, idx, overlay, StatusCode::OK, prefetch).await
}

/// What seeing unit `idx` records for a learner who completed `done`: its read-only
/// blocks (completion rule "viewed"), and the unit itself when nothing in it counts.
/// Videos complete when watched and problems when answered, not by being seen.
fn completed_by_seeing(course: &CourseCx, idx: usize, done: &HashSet<BlockId>) -> Vec<BlockId> {
    let tree = course.tree();
    let unit = tree.node(idx).id;
    let mut newly: Vec<BlockId> = tree
        .completable_leaves(idx)
        .filter(|(_, r)| *r == CompletionRule::OnView)
        .map(|(l, _)| tree.node(l).id)
        .filter(|id| !done.contains(id))
        .collect();
    if tree.completable_leaves(idx).next().is_none() && !done.contains(&unit) {
        newly.push(unit);
    }
    newly
}

/// The unit page. `overlay` carries, for one block, what a refused post left to show
/// again (answers that could not be graded, a response too long) or a request to show a
/// problem's answer, in that block's kind's own type.
pub async fn render_unit(
    cx: &Cx,
    course: &CourseCx,
    idx: usize,
    overlay: Option<Overlay>,
    status: StatusCode,
) -> AppResult<Response> {
    render_unit_read(cx, course, idx, overlay, status, None).await
}

/// [`render_unit`] with the learner's state in the unit when it was read already (with
/// the course); it is read here otherwise.
async fn render_unit_read(
    cx: &Cx,
    course: &CourseCx,
    idx: usize,
    overlay: Option<Overlay>,
    status: StatusCode,
    prefetch: UnitPrefetch,
) -> AppResult<Response> {
    let tree = course.tree();
    let node = tree.node(idx);
    let staff = course.on_team(cx);
    // Enrolled learners' work is kept; the course team may try problems too.
    let tracking = cx.user().is_some() && (course.facts.enrolled || staff);
    let mut done_set = HashSet::new();
    let mut bookmarked = false;
    let mut block_state: Vec<BlockState> = Vec::with_capacity(tree.children(idx).len());
    if let Some(user) = cx.user_id() {
        // Only this unit's state: a unit page reads a handful of rows in any course.
        let state = match prefetch {
            Some((unit, state)) if unit == node.id => state,
            _ => {
                let mut c = cx.app.store().conn().await?;
                learner::unit_state(&mut c, user, node.id).await?
            }
        };
        bookmarked = state.bookmarked;
        if course.facts.enrolled {
            // Only read: seeing the unit is recorded by the page's own POST (`seen`).
            done_set = state.completed;
        }
        // Each kind present reads its own state for the unit, once.
        let mut own = if tracking {
            kinds::unit_states(cx, course, user, idx).await?
        } else {
            Default::default()
        };
        for &leaf in tree.children(idx) {
            let id = tree.node(leaf).id;
            block_state.push(BlockState {
                complete: done_set.contains(&id),
                position: state.positions.get(&id).copied().unwrap_or(0.0),
                own: own.remove(&id),
            });
        }
    } else {
        block_state.resize_with(tree.children(idx).len(), BlockState::default);
    }
    let ctx = BlockCtx {
        p: &cx.page,
        course,
        tracking,
        staff,
        now: cx.app.now(),
        overlay: overlay.as_ref(),
        preview: false,
    };
    let blocks = tree
        .children(idx)
        .iter()
        .zip(&block_state)
        .map(|(&leaf, st)| kinds::render(&ctx, leaf, st))
        .collect();
    let (prev, next) = tree.neighbours(idx, &course.vis);
    let unit_url = |u: usize| course.url(&format!("unit/{}", tree.node(u).url_name));
    let now = cx.app.now();
    let tracking = course.facts.enrolled && cx.user().is_some();
    let complete = tracking && tree.is_unit_complete(idx, &done_set);
    let seen_completes = tracking && !complete && {
        let mut after = done_set.clone();
        after.extend(completed_by_seeing(course, idx, &done_set));
        tree.is_unit_complete(idx, &after)
    };
    let view = UnitView {
        translation_note: translation_note(cx, course, idx),
        title: node.title.clone(),
        head: head(cx, course, "courseware"),
        outline_url: course.url("courseware"),
        crumbs: tree
            .ancestors(idx)
            .iter()
            .map(|&a| tree.node(a).title.clone())
            .collect(),
        blocks,
        prev_url: prev.map(unit_url),
        next_url: next.map(unit_url),
        can_track: tracking,
        bookmarked,
        complete,
        manual_done: done_set.contains(&node.id)
            && tree.completable_leaves(idx).next().is_some()
            && tree.may_mark_done(idx),
        may_mark_done: tree.may_mark_done(idx),
        bookmark_url: course.url(&format!("unit/{}/bookmark", node.url_name)),
        done_url: course.url(&format!("unit/{}/done", node.url_name)),
        seen_url: tracking.then(|| course.url(&format!("unit/{}/seen", node.url_name))),
        seen_completes,
        hidden: crate::handlers::moderation::block_banner(course, idx),
        report_url: crate::handlers::moderation::may_report(cx, course).then(|| {
            crate::handlers::moderation::report_url(
                "block",
                &node.id.0.to_string(),
                &course.url(&format!("unit/{}", node.url_name)),
            )
        }),
        unreleased_notice: node.effective_release.is_some_and(|r| r > now)
            || course
                .row
                .start_at
                .map(from_millis)
                .is_some_and(|s| s > now),
        p: cx.page.clone(),
    };
    let mut r = html_response(view.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize)]
pub struct BookmarkForm {
    action: String,
}

pub async fn bookmark(
    cx: Cx,
    Path((key, unit)): Path<(String, String)>,
    Form(f): Form<BookmarkForm>,
) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let user = cx.require_user()?.id();
    let idx = find_unit(&course, &unit)?;
    let block = course.tree().node(idx).id;
    let mut c = cx.app.store().conn().await?;
    let notice = match f.action.as_str() {
        "add" => {
            learner::add_bookmark(&mut c, user, course.id(), block, cx.app.now_ms()).await?;
            "bookmarked"
        }
        "remove" => {
            learner::remove_bookmark(&mut c, user, block).await?;
            "unbookmarked"
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    Ok(see_other(&with_notice(
        &course.url(&format!("unit/{unit}")),
        notice,
    )))
}

#[derive(Deserialize)]
pub struct DoneForm {
    done: String,
}

pub async fn mark_done(
    cx: Cx,
    Path((key, unit)): Path<(String, String)>,
    Form(f): Form<DoneForm>,
) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let user = cx.require_user()?.id();
    if !course.facts.enrolled {
        return Err(AppError::Forbidden("lyceum-error-enroll-first"));
    }
    let idx = find_unit(&course, &unit)?;
    let block = course.tree().node(idx).id;
    let mut c = cx.app.store().conn().await?;
    let notice = match f.done.as_str() {
        // A unit with questions or assignments completes when they are answered.
        "1" if !course.tree().may_mark_done(idx) => {
            return Err(AppError::Invalid {
                status: axum::http::StatusCode::CONFLICT,
                error: lyceum_core::DomainError::new("lyceum-error-unit-not-manual"),
            });
        }
        "1" => {
            learner::record_completions(
                &mut c,
                user,
                course.id(),
                &[block],
                CompletionSource::Manual,
                cx.app.now_ms(),
            )
            .await?;
            "marked-done"
        }
        "0" => {
            learner::remove_completion(&mut c, user, block).await?;
            "marked-not-done"
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    // Without script the page reports no view: the learner acting here is here.
    if course.viewer.last_unit_id != Some(block) {
        learner::set_last_unit(&mut c, user, course.id(), block).await?;
    }
    Ok(see_other(&with_notice(
        &course.url(&format!("unit/{unit}")),
        notice,
    )))
}

/// The unit page reports that it was shown (sent by the site script, as Open edX records
/// completion by a request after the unit is viewed): the unit's read-only blocks complete
/// and it becomes where "Resume" leads. Idempotent, and a no-op (still 204) for anyone
/// whose progress is not kept here (visitors, and anyone not enrolled, course team included).
/// Nothing is written when the learner's record already says it all.
pub async fn seen(cx: Cx, Path((key, unit)): Path<(String, String)>) -> AppResult<Response> {
    let nothing = || Ok(StatusCode::NO_CONTENT.into_response());
    let course = courses::load(&cx, &key).await?;
    let (Some(user), true) = (cx.user_id(), course.facts.enrolled) else {
        return nothing();
    };
    match can(
        &cx.actor(),
        Action::ViewCourseware,
        Resource::Course(&course.facts),
    ) {
        Decision::Allow => {}
        Decision::NotFound => return Err(AppError::NotFound),
        Decision::Forbidden | Decision::NeedLogin => return nothing(),
    }
    let idx = find_unit(&course, &unit)?;
    let block = course.tree().node(idx).id;
    let mut c = cx.app.store().conn().await?;
    let state = learner::unit_state(&mut c, user, block).await?;
    let newly = completed_by_seeing(&course, idx, &state.completed);
    learner::record_completions(
        &mut c,
        user,
        course.id(),
        &newly,
        CompletionSource::View,
        cx.app.now_ms(),
    )
    .await?;
    // The course query already says where the learner was: no write when unchanged.
    if course.viewer.last_unit_id != Some(block) {
        learner::set_last_unit(&mut c, user, course.id(), block).await?;
    }
    drop(c);
    // Wiki tasks may count work from the first opening of their unit: kept only for
    // units that hold one.
    if crate::kinds::wiki_task::unit_has_task(&course, idx) {
        lyceum_app::wiki_tasks::record_unit_open(&cx.app.env(), user, course.id(), block).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub struct BookmarkLine {
    pub title: String,
    pub url: String,
    pub path: String,
    pub added: Timestamp,
}

#[derive(Template)]
#[template(path = "course/bookmarks.html")]
struct BookmarksView {
    p: Page,
    title: String,
    head: CourseHead,
    items: Vec<BookmarkLine>,
}

pub async fn bookmarks(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    let marks = learner::bookmarks_in_course(&mut c, user, course.id()).await?;
    let tree = course.tree();
    let items = marks
        .into_iter()
        .filter_map(|(b, at)| {
            let i = tree
                .index_of(b)
                .filter(|&i| tree.is_visible(i, &course.vis))?;
            let n = tree.node(i);
            Some(BookmarkLine {
                title: n.title.clone(),
                url: course.url(&format!("unit/{}", n.url_name)),
                path: tree
                    .ancestors(i)
                    .iter()
                    .map(|&a| tree.node(a).title.clone())
                    .collect::<Vec<_>>()
                    .join(" › "),
                added: from_millis(at),
            })
        })
        .collect();
    let view = BookmarksView {
        title: cx.page.text("lyceum-bookmarks-title"),
        head: head(&cx, &course, "bookmarks"),
        items,
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

pub struct DateRow {
    pub at: Timestamp,
    pub label_key: &'static str,
    pub name: String,
    pub url: Option<String>,
    pub past: bool,
    /// For a due date: "Past due", "Due in 3 days"… and its badge class.
    pub status: Option<(Html, &'static str)>,
}

#[derive(Template)]
#[template(path = "course/dates.html")]
struct DatesView {
    p: Page,
    title: String,
    head: CourseHead,
    rows: Vec<DateRow>,
}

/// The course's dates: start and end, releases, and every due date the viewer has.
pub async fn dates(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let now = cx.app.now();
    let tree = course.tree();
    let done_set = completed(&cx, &course).await?;
    let mut rows = Vec::new();
    if let Some(s) = course.row.start_at.map(from_millis) {
        rows.push(DateRow {
            at: s,
            label_key: "lyceum-dates-course-start",
            name: String::new(),
            url: None,
            past: s <= now,
            status: None,
        });
    }
    for &s in tree.sections() {
        let n = tree.node(s);
        if let Some(r) = n.release_at.filter(|r| !is_staff_only_release(*r)) {
            let url = tree
                .is_visible(s, &course.vis)
                .then(|| course.url("courseware"));
            rows.push(DateRow {
                at: r,
                label_key: "lyceum-dates-section-release",
                name: n.title.clone(),
                url,
                past: r <= now,
                status: None,
            });
        }
        for &ss in tree.children(s) {
            let n = tree.node(ss);
            if let Some(r) = n.release_at.filter(|r| !is_staff_only_release(*r)) {
                rows.push(DateRow {
                    at: r,
                    label_key: "lyceum-dates-subsection-release",
                    name: n.title.clone(),
                    url: None,
                    past: r <= now,
                    status: None,
                });
            }
        }
    }
    for item in deadlines::of_course(&course.row, tree, &course.vis, &done_set) {
        rows.push(DateRow {
            at: item.due,
            label_key: item.label_key(),
            name: item.title.clone(),
            url: Some(item.url.clone()),
            past: false,
            status: Some(deadlines::status(&cx.page, &item)),
        });
    }
    if let Some(e) = course.row.end_at.map(from_millis) {
        rows.push(DateRow {
            at: e,
            label_key: "lyceum-dates-course-end",
            name: String::new(),
            url: None,
            past: e <= now,
            status: None,
        });
    }
    // Stable: a due date on the day a section opens stays after the opening.
    rows.sort_by_key(|r| r.at);
    let view = DatesView {
        title: cx.page.text("lyceum-dates-title"),
        head: head(&cx, &course, "dates"),
        rows,
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

#[derive(Deserialize)]
pub struct ProgressReport {
    pub ranges: Vec<(f64, f64)>,
    pub duration: f64,
    #[serde(default)]
    pub position: f64,
}

/// Merge a video progress report; at 90 % watched the block counts as complete.
/// Returns (watched fraction, complete).
pub async fn record_video_progress(
    cx: &Cx,
    block: BlockId,
    report: &ProgressReport,
) -> AppResult<(f64, bool)> {
    let user = cx.require_user()?.id();
    if !(report.duration.is_finite() && report.duration > 0.0 && report.duration < 24.0 * 3600.0)
        || report.ranges.len() > 100
    {
        return Err(AppError::bad_request("lyceum-error-bad-progress"));
    }
    let course = courses::load_of_block(cx, block).await?;
    if !course.facts.enrolled {
        return Err(AppError::NotFound);
    }
    let tree = course.tree();
    let idx = tree
        .index_of(block)
        .filter(|&i| tree.node(i).kind == NodeKind::Leaf)
        .ok_or(AppError::NotFound)?;
    let unit = tree
        .unit_of(idx)
        .filter(|&u| tree.is_visible(u, &course.vis))
        .ok_or(AppError::NotFound)?;
    let Some((_, CompletionRule::Watched(threshold))) =
        tree.completable_leaves(unit).find(|(l, _)| *l == idx)
    else {
        return Err(AppError::NotFound);
    };
    let mut c = cx.app.store().conn().await?;
    let mut ranges: WatchedRanges = match learner::video_progress(&mut c, user, block).await? {
        Some(p) => serde_json::from_str(&p.ranges).unwrap_or_default(),
        None => WatchedRanges::default(),
    };
    ranges.add(&report.ranges, report.duration);
    let fraction = ranges.fraction(report.duration);
    let json = serde_json::to_string(&ranges).map_err(AppError::internal)?;
    let now = cx.app.now_ms();
    let position = if report.position.is_finite() {
        report.position.clamp(0.0, report.duration)
    } else {
        0.0
    };
    learner::save_video_progress(&mut c, user, block, &json, report.duration, position, now)
        .await?;
    let complete = fraction >= threshold;
    if complete {
        learner::record_completions(
            &mut c,
            user,
            course.id(),
            &[block],
            CompletionSource::Watch,
            now,
        )
        .await?;
    }
    Ok((fraction, complete))
}
