//! Wiki tasks: the task in the unit with its "Do it on the wiki" link and "Check my work"
//! (`/courses/{key}/wiki-task/{block}/check`), the JSON API (`/api/v1/wiki-tasks/{block_id}…`),
//! the course team's dashboard of the cohort's on-wiki work
//! (`/courses/{key}/instructor/wiki-activity…`, `/api/v1/courses/{course_id}/wiki-activity…`)
//! and the learner's own (`/courses/{key}/wiki-activity`). Every rule lives in
//! `lyceum_app::wiki_tasks` and `lyceum_core::blocks::wiki_task`; this module turns
//! requests into their calls and answers into pages and JSON.

pub(crate) mod api;
mod editor;
mod learner;
mod staff;

use super::{
    AddEntry, BlockCtx, BlockState, BoxFuture, EditorCtx, EditorForm, FieldErrors, Own, StaffTool,
    WebKind,
};
use crate::courses::CourseCx;
use crate::error::{AppError, AppResult};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use axum::Router;
use axum::routing::{get, post};
use lyceum_app::surveys::CourseRef;
use lyceum_app::wiki_tasks::TaskView;
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::wiki_task::{Criteria, PageRule, WikiTask, WikiTaskContent};
use lyceum_core::{BlockId, UserId};
use lyceum_wiki::registry::Wiki;

pub struct WikiTaskBlock;

const TOOLS: &[StaffTool] = &[StaffTool {
    path: "wiki-activity",
    label_key: "lyceum-wikitask-staff-nav",
}];

impl WebKind for WikiTaskBlock {
    fn kind(&self) -> &'static str {
        WikiTask::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-wikitask-kind"
    }

    // --- the editor (editor.rs) ---

    fn add_entries(&self) -> &'static [AddEntry] {
        editor::ADD_ENTRIES
    }

    fn new_content(&self, p: &Page, variant: &str) -> Option<serde_json::Value> {
        editor::new_content(p, variant)
    }

    fn editor_fields(&self, content: &serde_json::Value) -> EditorForm {
        editor::fields(content)
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        editor::render(cx, form)
    }

    fn read_editor(
        &self,
        form: &EditorForm,
        old: &serde_json::Value,
    ) -> Result<serde_json::Value, FieldErrors> {
        editor::read(form, old)
    }

    fn editor_text(&self, content: &serde_json::Value) -> String {
        editor::text(content)
    }

    fn due_label(&self) -> Option<&'static str> {
        Some("lyceum-wikitask-due")
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, state: &BlockState) -> askama::Result<String> {
        learner::render(ctx, idx, state.own::<TaskView>())
    }

    /// The learner's state on the unit's tasks, in one read.
    fn unit_state<'a>(
        &'a self,
        cx: &'a Cx,
        course: &'a CourseCx,
        _user: UserId,
        unit: usize,
    ) -> BoxFuture<'a, AppResult<Vec<(BlockId, Own)>>> {
        Box::pin(async move {
            let blocks = tasks_in_unit(course, unit);
            if blocks.is_empty() {
                return Ok(Vec::new());
            }
            let cref = course_ref(cx, course);
            let views =
                lyceum_app::wiki_tasks::views_in(&cx.app.env(), cx.app.wikis(), &cref, &blocks)
                    .await?;
            Ok(views
                .into_iter()
                .map(|v| (v.block, Box::new(v) as Own))
                .collect())
        })
    }

    fn routes(&self) -> Router<App> {
        Router::new()
            .route(
                "/courses/{key}/wiki-task/{block}/check",
                post(learner::check),
            )
            .route("/courses/{key}/wiki-activity", get(learner::own_activity))
            .route("/api/v1/wiki-tasks/{block_id}", get(api::get_task))
            .route("/api/v1/wiki-tasks/{block_id}/check", post(api::check))
            .route(
                "/api/v1/courses/{course_id}/wiki-activity",
                get(api::activity),
            )
            .route(
                "/api/v1/courses/{course_id}/wiki-activity.csv",
                get(api::activity_csv),
            )
            .route(
                "/courses/{key}/instructor/wiki-activity",
                get(staff::dashboard),
            )
            .route(
                "/courses/{key}/instructor/wiki-activity.csv",
                get(staff::dashboard_csv),
            )
            .route(
                "/courses/{key}/instructor/wiki-activity/{username}",
                get(staff::learner_page),
            )
            .route(
                "/courses/{key}/instructor/wiki-activity/{username}/confirm",
                post(staff::confirm),
            )
    }

    fn staff_tools(&self) -> &'static [StaffTool] {
        TOOLS
    }
}

/// The wiki tasks among the blocks of unit `unit`.
fn tasks_in_unit(course: &CourseCx, unit: usize) -> Vec<BlockId> {
    let tree = course.tree();
    tree.children(unit)
        .iter()
        .map(|&i| tree.node(i))
        .filter(|n| n.content_of::<WikiTask>().is_some())
        .map(|n| n.id)
        .collect()
}

/// Whether unit `unit` holds a wiki task (the "seen" beacon records the first opening
/// only then).
pub(crate) fn unit_has_task(course: &CourseCx, unit: usize) -> bool {
    let tree = course.tree();
    tree.children(unit)
        .iter()
        .any(|&i| tree.node(i).content_of::<WikiTask>().is_some())
}

/// Whether the course holds a wiki task (the Progress page then links to the learner's
/// work on the wikis).
pub(crate) fn course_has_tasks(course: &CourseCx) -> bool {
    let tree = course.tree();
    tree.units().iter().any(|&u| unit_has_task(course, u))
}

/// The course as the use cases take it.
fn course_ref<'a>(cx: &Cx, course: &'a CourseCx) -> CourseRef<'a> {
    CourseRef {
        id: course.id(),
        tree: course.tree(),
        vis: &course.vis,
        facts: course.facts,
        actor: cx.actor(),
    }
}

/// Learners enrolled and the course team only: to anyone else a task's data does not
/// exist.
fn require_participant(cx: &Cx, course: &CourseCx) -> AppResult<()> {
    if course.facts.enrolled || course.on_team(cx) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The task block `block` of the course: its index and content, or 404.
fn task_at(course: &CourseCx, block: BlockId) -> AppResult<(usize, &WikiTaskContent)> {
    let tree = course.tree();
    let idx = tree.index_of(block).ok_or(AppError::NotFound)?;
    let c = tree
        .node(idx)
        .content_of::<WikiTask>()
        .ok_or(AppError::NotFound)?;
    Ok((idx, c))
}

/// A task's title: its own, else its unit's.
fn title_at(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let node = tree.node(idx);
    if node.title.trim().is_empty() {
        tree.unit_of(idx)
            .map(|u| tree.node(u).title.clone())
            .unwrap_or_default()
    } else {
        node.title.clone()
    }
}

/// The unit page a block is on, anchored at the block.
fn unit_url(course: &CourseCx, idx: usize) -> String {
    let tree = course.tree();
    let unit = tree
        .unit_of(idx)
        .map(|u| tree.node(u).url_name.clone())
        .unwrap_or_default();
    format!(
        "{}#block-{}",
        course.url(&format!("unit/{unit}")),
        tree.node(idx).id.0
    )
}

/// `{username}` replaced by the learner's wiki user name, when known.
fn with_username(pattern: &str, username: Option<&str>) -> String {
    match username {
        Some(u) => pattern.replace("{username}", u),
        None => pattern.to_owned(),
    }
}

/// Where "Do it on the wiki" leads: the edit form of the pre-filled page (its title and
/// summary where the wiki takes them from the URL), the upload form, or the item.
fn wiki_link(wiki: &Wiki, c: &WikiTaskContent, username: Option<&str>) -> String {
    let title = |t: &str| -> String {
        match username {
            Some(_) => with_username(t, username),
            // Without the learner's wiki name, their own user page is `Special:MyPage`
            // (the wiki redirects to it once they are logged in there).
            None => t
                .replacen("User:{username}", "Special:MyPage", 1)
                .replace("{username}", ""),
        }
    };
    match &c.criteria {
        Criteria::Upload(_) => wiki.special_url("Upload"),
        Criteria::Wikidata(_) => {
            if c.prefill.title.trim().is_empty() {
                wiki.special_url("NewItem")
            } else {
                wiki.page_url(&title(&c.prefill.title))
            }
        }
        Criteria::Edit(e) => {
            let page = if !c.prefill.title.trim().is_empty() {
                title(&c.prefill.title)
            } else if !e.title_pattern.is_empty() && !e.title_pattern.contains('*') {
                title(&e.title_pattern)
            } else {
                String::new()
            };
            if page.is_empty() {
                wiki.page_url("")
            } else {
                wiki.edit_url(&page, &c.prefill.summary)
            }
        }
    }
}

/// What counts, in plain words, one line per condition.
fn criteria_lines(p: &Page, c: &WikiTaskContent, username: Option<&str>) -> Vec<Html> {
    let mut out = Vec::new();
    let pat = |s: &str| with_username(s, username);
    match &c.criteria {
        Criteria::Edit(e) => {
            let key = match (e.page, e.title_pattern.is_empty()) {
                (PageRule::Created, false) => "lyceum-wikitask-crit-create-matching",
                (PageRule::Edited, false) => "lyceum-wikitask-crit-edit-matching",
                (PageRule::Any, false) => "lyceum-wikitask-crit-any-matching",
                (PageRule::Created, true) => "lyceum-wikitask-crit-create",
                (PageRule::Edited, true) => "lyceum-wikitask-crit-edit",
                (PageRule::Any, true) => "lyceum-wikitask-crit-any",
            };
            out.push(p.t1(key, p.bdi(&pat(&e.title_pattern))));
            if !e.namespaces.is_empty() {
                let list = e
                    .namespaces
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(p.t2(
                    "lyceum-wikitask-crit-namespaces",
                    p.bdi(&list),
                    e.namespaces.len(),
                ));
            }
            if e.min_bytes > 0 {
                out.push(p.t1("lyceum-wikitask-crit-min-bytes", e.min_bytes));
            }
            for m in &e.must_contain {
                if m.starts_with("<ref") {
                    out.push(p.t1("lyceum-wikitask-crit-reference", p.bdi(m)));
                } else {
                    out.push(p.t1("lyceum-wikitask-crit-contains", p.bdi(m)));
                }
            }
            if !e.tag.is_empty() {
                out.push(p.t1("lyceum-wikitask-crit-tag", p.bdi(&e.tag)));
            }
            if e.min_edits > 1 {
                out.push(p.t1("lyceum-wikitask-crit-min-edits", e.min_edits));
            }
        }
        Criteria::Upload(u) => {
            out.push(p.t("lyceum-wikitask-crit-upload"));
            if !u.category.is_empty() {
                out.push(p.t1("lyceum-wikitask-crit-category", p.bdi(&u.category)));
            }
            if !u.licence_template.is_empty() {
                out.push(p.t1("lyceum-wikitask-crit-licence", p.bdi(&u.licence_template)));
            }
            if u.min_uploads > 1 {
                out.push(p.t1("lyceum-wikitask-crit-min-uploads", u.min_uploads));
            }
        }
        Criteria::Wikidata(w) => {
            out.push(p.t1("lyceum-wikitask-crit-statement", p.bdi(&w.property)));
            if w.with_reference {
                out.push(p.t("lyceum-wikitask-crit-statement-reference"));
            }
            if w.min_edits > 1 {
                out.push(p.t1("lyceum-wikitask-crit-min-edits", w.min_edits));
            }
        }
    }
    out
}

/// When the work counts, in words: "from DATE until DATE" for this learner, or the
/// rule when the dates are not known yet (before enrolment, or for the course team).
fn window_line(p: &Page, c: &WikiTaskContent, v: Option<&TaskView>) -> Html {
    use lyceum_core::blocks::wiki_task::WindowStart;
    let from = v.and_then(|v| v.from);
    let until = v
        .and_then(|v| v.until)
        .or(c.due.filter(|_| c.window.until_due));
    match (from, until) {
        (Some(f), Some(u)) => p.t2("lyceum-wikitask-window-from-until", p.date(f), p.date(u)),
        (Some(f), None) => p.t1("lyceum-wikitask-window-from", p.date(f)),
        (None, u) => {
            let start = match c.window.from {
                WindowStart::Enrolment => p.t("lyceum-wikitask-window-enrolment"),
                WindowStart::UnitOpened => p.t("lyceum-wikitask-window-unit-opened"),
            };
            match u {
                Some(u) => p.t2("lyceum-wikitask-window-rule-until", start, p.date(u)),
                None => start,
            }
        }
    }
}
