//! The learner's side of a wiki task: the task in the unit (what to do, what counts, the
//! link to the wiki, "Check my work" as a form that works without script, the status and
//! evidence), the check's post, and the learner's own page of their on-wiki work.

use super::{
    course_ref, criteria_lines, require_participant, task_at, title_at, unit_url, wiki_link,
    window_line,
};
use crate::courses;
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::{html_response, see_other};
use crate::kinds::BlockCtx;
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::wiki_tasks::{self, CheckNote, Evidence, Status, TaskView};
use lyceum_core::BlockId;
use lyceum_core::blocks::wiki_task::WikiTask;
use lyceum_core::blocks::wiki_task::activity::Activity;
use lyceum_wiki::registry::WikiRegistry;

/// One piece of evidence as the block and pages list it.
pub struct EvidenceLine {
    pub wiki: String,
    pub title: String,
    pub page_url: Option<String>,
    pub diff_url: Option<String>,
    pub at: Timestamp,
    pub size: String,
    pub tags: String,
    pub upload: bool,
    /// Why it is flagged, in words.
    pub flag: Option<Html>,
}

/// A size difference as a reader reads it: signed, in their digits, with "bytes".
pub fn size_text(p: &Page, d: i64) -> String {
    let n = crate::format::number(p, d.unsigned_abs() as f64);
    // Isolated left to right: a sign stays before its number in right-to-left text.
    let signed = if d > 0 {
        format!("\u{2066}+{n}\u{2069}")
    } else if d < 0 {
        format!("\u{2066}\u{2212}{n}\u{2069}")
    } else {
        n
    };
    p.text2("lyceum-wikitask-bytes", signed, d.unsigned_abs())
}

pub fn evidence_lines(p: &Page, reg: &WikiRegistry, evidence: &[Evidence]) -> Vec<EvidenceLine> {
    evidence
        .iter()
        .map(|e| {
            let wiki = reg.get(&e.wiki);
            EvidenceLine {
                wiki: e.wiki.clone(),
                title: e.title.clone(),
                page_url: wiki.as_ref().map(|w| w.page_url(&e.title)),
                diff_url: e.diff_url.clone(),
                at: e.timestamp,
                size: if e.is_upload {
                    String::new()
                } else {
                    size_text(p, e.sizediff)
                },
                tags: e.tags.join(", "),
                upload: e.is_upload,
                flag: e.flag.as_deref().map(|f| match f {
                    "reverted" => p.t("lyceum-wikitask-flag-reverted"),
                    "deleted" => p.t("lyceum-wikitask-flag-deleted"),
                    other => p.t1("lyceum-wikitask-flag-other", other),
                }),
            }
        })
        .collect()
}

/// What the last check said, for the learner.
fn note_html(p: &Page, v: &TaskView) -> Option<(Html, &'static str)> {
    let note = v.note.as_ref()?;
    Some(match note {
        CheckNote::NoIdentity => (no_identity(p), "warning"),
        CheckNote::WikiNotAvailable => (p.t("lyceum-wikitask-note-not-available"), "warning"),
        CheckNote::WikiUnavailable => (
            match v.checked_at {
                Some(t) => p.t1("lyceum-wikitask-note-unavailable-at", p.datetime(t)),
                None => p.t("lyceum-wikitask-note-unavailable"),
            },
            "warning",
        ),
        CheckNote::NothingFoundYet => (p.t("lyceum-wikitask-note-nothing-yet"), "notice"),
    })
}

/// "Link your Wikimedia account", with the link to the Preferences section that does; on
/// a site without Wikimedia login (where Preferences cannot link one), who can help.
pub fn no_identity(p: &Page) -> Html {
    if p.app.oauth().is_none() {
        return Html(format!(
            "{} {}",
            p.t("lyceum-wikitask-note-no-identity").0,
            p.t("lyceum-wikitask-no-login-here").0
        ));
    }
    Html(format!(
        r#"{} <a href="/preferences#wikimedia">{}</a>"#,
        p.t("lyceum-wikitask-note-no-identity").0,
        p.t("lyceum-wikitask-link-account").0
    ))
}

/// The status line: not started, done ✓, or flagged and why.
pub fn status_html(p: &Page, v: Option<&TaskView>) -> (Html, &'static str) {
    match v.map(|v| v.status) {
        Some(Status::Done) => (p.t("lyceum-wikitask-status-done"), "done"),
        Some(Status::Flagged) => (p.t("lyceum-wikitask-status-flagged"), "flagged"),
        Some(Status::NotStarted) | None => {
            (p.t("lyceum-wikitask-status-not-started"), "not-started")
        }
    }
}

#[derive(Template)]
#[template(path = "blocks/wiki_task.html")]
struct TaskBlock<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    content_lang: &'a str,
    content_dir: &'static str,
    instructions: Html,
    wiki: &'a str,
    criteria: Vec<Html>,
    window: Html,
    graded: bool,
    wiki_url: Option<String>,
    status: Html,
    status_class: &'static str,
    confirmed: Option<Html>,
    note: Option<(Html, &'static str)>,
    evidence: Vec<EvidenceLine>,
    checked: Option<Html>,
    check_url: Option<String>,
    own_url: Option<String>,
    staff_url: Option<String>,
}

pub fn render(ctx: &BlockCtx<'_>, idx: usize, view: Option<&TaskView>) -> askama::Result<String> {
    let (p, course) = (ctx.p, ctx.course);
    let node = course.tree().node(idx);
    let Some(c) = node.content_of::<WikiTask>() else {
        return Ok(String::new());
    };
    let reg = &p.app.wikis().registry;
    let wiki = reg.get(&c.wiki);
    let username = view.and_then(|v| v.username.as_deref());
    // A wiki this site does not read is said so whatever the last check said.
    let note = match wiki {
        None => Some((p.t("lyceum-wikitask-note-not-available"), "warning")),
        Some(_) => view.and_then(|v| note_html(p, v)),
    };
    let (status, status_class) = status_html(p, view);
    let learner = ctx.tracking && !ctx.preview && !ctx.staff;
    TaskBlock {
        p,
        id: node.id.0,
        title: &node.title,
        content_lang: &course.row.language,
        content_dir: crate::handlers::catalog::content_dir(&course.row.language),
        instructions: course.author_html(p, &c.instructions),
        wiki: &c.wiki,
        criteria: criteria_lines(p, c, username),
        window: window_line(p, c, view),
        graded: c.graded,
        wiki_url: wiki.as_ref().map(|w| wiki_link(w, c, username)),
        status,
        status_class,
        confirmed: view
            .and_then(|v| v.confirmed.as_ref())
            .map(|(at, by)| p.t2("lyceum-wikitask-confirmed", p.bdi(by), p.date(*at))),
        note,
        evidence: view
            .map(|v| evidence_lines(p, reg, &v.evidence))
            .unwrap_or_default(),
        checked: view
            .and_then(|v| v.checked_at)
            .map(|t| p.t1("lyceum-wikitask-last-checked", p.datetime(t))),
        check_url: (learner && wiki.is_some())
            .then(|| course.url(&format!("wiki-task/{}/check", node.id.0))),
        own_url: learner.then(|| course.url("wiki-activity")),
        staff_url: ctx.staff.then(|| course.url("instructor/wiki-activity")),
    }
    .render()
}

/// `POST /courses/{key}/wiki-task/{block}/check`: "Check my work" without script: check
/// now and go back to the task in its unit. Too soon after the last check: 429 with the
/// wait.
pub async fn check(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    cx.require_user()?;
    let course = courses::load(&cx, &key).await?;
    require_participant(&cx, &course)?;
    let block = BlockId(block);
    let (idx, _) = task_at(&course, block)?;
    let cref = course_ref(&cx, &course);
    wiki_tasks::check(&cx.app.env(), cx.app.wikis(), &cref, block).await?;
    Ok(see_other(&unit_url(&course, idx)))
}

/// A learner's sums as figures: label and value, in the reader's digits.
pub struct Figure {
    pub label: Html,
    pub value: String,
}

pub fn figures(p: &Page, a: &Activity) -> Vec<Figure> {
    let n = |x: i64| crate::format::number(p, x as f64);
    vec![
        Figure {
            label: p.t("lyceum-wikitask-col-edits"),
            value: n(a.edits),
        },
        Figure {
            label: p.t("lyceum-wikitask-col-pages-created"),
            value: n(a.pages_created),
        },
        Figure {
            label: p.t("lyceum-wikitask-col-pages-edited"),
            value: n(a.pages_edited),
        },
        Figure {
            label: p.t("lyceum-wikitask-col-bytes-added"),
            value: n(a.bytes_added),
        },
        Figure {
            label: p.t("lyceum-wikitask-col-references-added"),
            value: n(a.refs_added),
        },
        Figure {
            label: p.t("lyceum-wikitask-col-uploads"),
            value: n(a.uploads),
        },
    ]
}

/// One edit or upload on an activity page, newest first.
pub struct ItemLine {
    pub wiki: String,
    pub title: String,
    pub page_url: Option<String>,
    pub diff_url: Option<String>,
    pub at: Timestamp,
    pub size: String,
    pub upload: bool,
    pub new_page: bool,
    pub refs: Option<String>,
    pub tags: String,
    pub flag: Option<Html>,
}

/// What a learner did on the wikis, as both activity pages show it.
pub struct ActivityPart {
    pub wiki_username: Option<String>,
    pub total: Vec<Figure>,
    pub per_wiki: Vec<(String, Vec<Figure>)>,
    pub items: Vec<ItemLine>,
    pub last_checked: Option<Html>,
    pub window: Option<Html>,
    /// Said when no Wikimedia account is linked.
    pub identity_note: Option<Html>,
}

pub fn activity_part(
    p: &Page,
    reg: &WikiRegistry,
    a: &wiki_tasks::LearnerActivity,
    own: bool,
) -> ActivityPart {
    let mut items: Vec<ItemLine> = a
        .items
        .iter()
        .map(|i| ItemLine {
            wiki: i.wiki.clone(),
            title: i.title.clone(),
            page_url: reg.get(&i.wiki).map(|w| w.page_url(&i.title)),
            diff_url: i.url.clone(),
            at: i.timestamp,
            size: if i.is_upload {
                String::new()
            } else {
                size_text(p, i.sizediff)
            },
            upload: i.is_upload,
            new_page: i.new_page,
            refs: i
                .refs_added
                .filter(|&r| r > 0)
                .map(|r| p.text1("lyceum-wikitask-refs-added", r)),
            tags: i.tags.join(", "),
            flag: if i.deleted {
                Some(p.t("lyceum-wikitask-flag-deleted"))
            } else if i.reverted {
                Some(p.t("lyceum-wikitask-flag-reverted"))
            } else {
                None
            },
        })
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    ActivityPart {
        wiki_username: a.line.wiki_username.clone(),
        total: figures(p, &a.line.total),
        per_wiki: a
            .line
            .per_wiki
            .iter()
            .map(|(w, act)| (w.clone(), figures(p, act)))
            .collect(),
        items,
        last_checked: a
            .line
            .last_checked
            .map(|t| p.t1("lyceum-wikitask-last-checked", p.datetime(t))),
        window: None,
        identity_note: a.line.wiki_username.is_none().then(|| {
            if own {
                no_identity(p)
            } else {
                p.t("lyceum-wikitask-not-linked")
            }
        }),
    }
}

/// The course's window over which work is summed, in words.
pub fn window_text(p: &Page, from: Option<Timestamp>, until: Option<Timestamp>) -> Option<Html> {
    match (from, until) {
        (Some(f), Some(u)) => Some(p.t2("lyceum-wikitask-window-from-until", p.date(f), p.date(u))),
        (Some(f), None) => Some(p.t1("lyceum-wikitask-window-from", p.date(f))),
        (None, Some(u)) => Some(p.t1("lyceum-wikitask-window-until", p.date(u))),
        (None, None) => None,
    }
}

/// A task's line on an activity page: its title, unit link and the learner's verdict.
pub struct TaskLine {
    pub block: i64,
    pub title: String,
    pub url: String,
    pub status: Html,
    pub status_class: &'static str,
    pub confirmed: Option<Html>,
    pub is_confirmed: bool,
}

#[derive(Template)]
#[template(path = "course/wiki_activity.html")]
struct OwnView {
    p: Page,
    title: String,
    head: CourseHead,
    act: ActivityPart,
    tasks: Vec<TaskLine>,
}

/// `GET /courses/{key}/wiki-activity`: the learner's own on-wiki work in the course, and
/// where each of the course's tasks stands.
pub async fn own_activity(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let course = courses::load(&cx, &key).await?;
    require_participant(&cx, &course)?;
    let cref = course_ref(&cx, &course);
    let env = cx.app.env();
    let wikis = cx.app.wikis();
    let a = wiki_tasks::learner_activity(&env, wikis, &cref, user).await?;
    let blocks = visible_tasks(&course);
    let views = wiki_tasks::views_in(&env, wikis, &cref, &blocks).await?;
    let p = &cx.page;
    let tasks = views
        .iter()
        .filter_map(|v| {
            let (idx, _) = task_at(&course, v.block).ok()?;
            let (status, status_class) = status_html(p, Some(v));
            Some(TaskLine {
                block: v.block.0,
                title: title_at(&course, idx),
                url: unit_url(&course, idx),
                status,
                status_class,
                confirmed: v
                    .confirmed
                    .as_ref()
                    .map(|(at, by)| p.t2("lyceum-wikitask-confirmed", p.bdi(by), p.date(*at))),
                is_confirmed: v.confirmed.is_some(),
            })
        })
        .collect();
    let act = activity_part(p, &wikis.registry, &a, true);
    let view = OwnView {
        title: p.text("lyceum-wikitask-own-title"),
        head: head(&cx, &course, "courseware"),
        act,
        tasks,
        p: cx.page,
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// The course's wiki tasks in units the viewer may open, in reading order.
pub fn visible_tasks(course: &crate::courses::CourseCx) -> Vec<BlockId> {
    let tree = course.tree();
    tree.visible_units(&course.vis)
        .into_iter()
        .flat_map(|u| tree.children(u).iter().copied())
        .filter(|&i| tree.node(i).content_of::<WikiTask>().is_some())
        .map(|i| tree.node(i).id)
        .collect()
}
