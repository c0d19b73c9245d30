//! The outline editor: the draft's sections, subsections and units, each with its
//! actions (rename, add after, move up/down or to another parent, duplicate, delete,
//! release date, hide from learners, and for subsections grading and due date). Every
//! action is a small form posted here and answered with a redirect back to the row, so
//! the page works without script; a refused action shows the page again with the message
//! at the row and what was typed kept. The page reads the draft once: a fixed number of
//! statements whatever the course's size.

use super::{StudioHead, StudioTab, form_error, load};
use crate::error::{AppError, AppResult};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::authoring::{self, BlockPatch, Draft, NewBlockInput};
use lyceum_core::clock::from_millis;
use lyceum_core::course::{NodeKind, StructureSettings};
use lyceum_core::{BlockId, DomainError};
use lyceum_store::repo::drafts::DraftRow;
use serde::Deserialize;
use std::collections::HashMap;

/// A place a block may be moved to: a section (for subsections) or subsection (units).
pub struct Target {
    pub id: i64,
    pub label: String,
}

/// One section, subsection or unit of the outline, with its forms' values.
pub struct Row {
    pub id: i64,
    pub kind: NodeKind,
    pub title: String,
    /// Changed since the last publish (and published before).
    pub changed: bool,
    /// Never published: learners have never seen it.
    pub new: bool,
    /// Something inside it changed (or was removed) since the last publish.
    pub inner_changed: bool,
    pub staff_only: bool,
    /// Its own release date, `YYYY-MM-DDTHH:MM` in the viewer's time zone (empty: none).
    pub release: String,
    pub graded: bool,
    pub format: String,
    pub due: String,
    /// The stored dates, for the row's markers (the fields above may hold what was typed).
    pub release_at: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub first: bool,
    pub last: bool,
    pub parent: Option<i64>,
    /// Where it may move (sections for a subsection, subsections for a unit), its own
    /// parent excepted; empty for sections.
    pub targets: Vec<Target>,
    pub children: Vec<Row>,
    /// A refused action on this row: its form (`rename`, `settings`, `move`, `add`,
    /// `add-child`) and the message.
    pub error: Option<(&'static str, Html)>,
    /// What was typed in the refused "add after" or "add inside" form.
    pub add_title: String,
    pub unit_url: String,
    pub history_url: String,
}

impl Row {
    pub fn anchor(&self) -> String {
        format!("b-{}", self.id)
    }

    pub fn error_in(&self, form: &str) -> Option<&Html> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == form)
            .map(|(_, m)| m)
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind.stored_name().unwrap_or("unit")
    }

    pub fn kind_key(&self) -> &'static str {
        kind_key(self.kind)
    }

    /// The kind of block its "add inside" form adds.
    pub fn child_kind(&self) -> Option<NodeKind> {
        match self.kind {
            NodeKind::Section => Some(NodeKind::Subsection),
            NodeKind::Subsection => Some(NodeKind::Unit),
            _ => None,
        }
    }

    pub fn child_kind_name(&self) -> &'static str {
        self.child_kind()
            .and_then(NodeKind::stored_name)
            .unwrap_or("")
    }

    pub fn add_child_key(&self) -> &'static str {
        match self.kind {
            NodeKind::Section => "lyceum-studio-add-subsection",
            _ => "lyceum-studio-add-unit",
        }
    }

    pub fn add_after_key(&self) -> &'static str {
        match self.kind {
            NodeKind::Section => "lyceum-studio-add-section-after",
            NodeKind::Subsection => "lyceum-studio-add-subsection-after",
            _ => "lyceum-studio-add-unit-after",
        }
    }

    pub fn is_subsection(&self) -> bool {
        self.kind == NodeKind::Subsection
    }

    pub fn is_unit(&self) -> bool {
        self.kind == NodeKind::Unit
    }
}

pub fn kind_key(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Section => "lyceum-studio-kind-section",
        NodeKind::Subsection => "lyceum-studio-kind-subsection",
        NodeKind::Unit => "lyceum-studio-kind-unit",
        NodeKind::Leaf => "lyceum-studio-kind-block",
    }
}

/// A removed block the next publish takes away, with where to restore it.
pub struct RemovedLine {
    pub title: String,
    pub kind_key: &'static str,
    pub history_url: String,
}

#[derive(Template)]
#[template(path = "studio/outline.html")]
struct OutlineView {
    p: Page,
    title: String,
    studio: StudioHead,
    sections: Vec<Row>,
    types: Vec<String>,
    base: String,
    add_url: String,
    /// A refused "add a section" at the end: the message and what was typed.
    add_error: Option<Html>,
    add_title: String,
    removed: Vec<RemovedLine>,
    published_notice: Option<super::publish::DoneNotice>,
}

/// A date as a `datetime-local` field shows it, in the viewer's time zone.
fn local_input(p: &Page, t: Timestamp) -> String {
    t.to_zoned(p.tz.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value in the viewer's time zone; empty is `None`.
fn parse_local(p: &Page, s: &str, key: &'static str) -> Result<Option<Timestamp>, DomainError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let civil: jiff::civil::DateTime = s.parse().map_err(|_| DomainError::new(key))?;
    Ok(Some(
        civil
            .to_zoned(p.tz.clone())
            .map_err(|_| DomainError::new(key))?
            .timestamp(),
    ))
}

/// The outline's rows, built from the draft in one pass (no statement).
fn rows(p: &Page, draft: &Draft) -> Vec<Row> {
    let key = &draft.course.course_key;
    let mut by_parent: HashMap<Option<i64>, Vec<&DraftRow>> = HashMap::new();
    for b in &draft.blocks {
        by_parent.entry(b.parent_id).or_default().push(b);
    }
    for list in by_parent.values_mut() {
        list.sort_by_key(|b| (b.position, b.id));
    }
    // Rows holding a change somewhere below them (a unit whose text was edited), removed
    // blocks included: walked up once from each change.
    let parent_of: HashMap<i64, Option<i64>> = draft
        .blocks
        .iter()
        .chain(&draft.removed)
        .map(|b| (b.id, b.parent_id))
        .collect();
    let mut inner: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for b in draft
        .blocks
        .iter()
        .chain(&draft.removed)
        .filter(|b| b.changed)
    {
        let mut at = b.parent_id;
        let mut guard = 0;
        while let Some(p) = at {
            if !inner.insert(p) || guard > 8 {
                break;
            }
            at = parent_of.get(&p).copied().flatten();
            guard += 1;
        }
    }
    let empty = Vec::new();
    let kids = |id: Option<i64>, kind: NodeKind| -> Vec<&DraftRow> {
        by_parent
            .get(&id)
            .unwrap_or(&empty)
            .iter()
            .copied()
            .filter(|b| NodeKind::from_stored(&b.kind) == kind)
            .collect()
    };
    let sections = kids(None, NodeKind::Section);
    let subsections: Vec<&DraftRow> = sections
        .iter()
        .flat_map(|s| kids(Some(s.id), NodeKind::Subsection))
        .collect();
    // Move targets are listed inline only while they are few: a big course would repeat
    // hundreds of options in every row; its rows link to the move page instead.
    let inline_targets = |list: &[&DraftRow], own: Option<i64>| -> Vec<Target> {
        if list.len() > MAX_INLINE_TARGETS {
            return Vec::new();
        }
        list.iter()
            .filter(|t| Some(t.id) != own)
            .map(|t| Target {
                id: t.id,
                label: t.title.clone(),
            })
            .collect()
    };
    let make = |b: &DraftRow, i: usize, n: usize, children: Vec<Row>| -> Row {
        let kind = NodeKind::from_stored(&b.kind);
        let settings: StructureSettings = serde_json::from_str(&b.content).unwrap_or_default();
        let staff_only = authoring::is_staff_only(b);
        Row {
            id: b.id,
            kind,
            title: b.title.clone(),
            changed: b.changed && b.published_revision > 0,
            new: b.published_revision == 0,
            inner_changed: inner.contains(&b.id),
            staff_only,
            release: match b.release_at {
                Some(r) if !staff_only => local_input(p, from_millis(r)),
                _ => String::new(),
            },
            graded: settings.graded,
            format: settings.format.unwrap_or_default(),
            due: settings.due.map(|d| local_input(p, d)).unwrap_or_default(),
            release_at: b.release_at.filter(|_| !staff_only).map(from_millis),
            due_at: settings.due,
            first: i == 0,
            last: i + 1 == n,
            parent: b.parent_id,
            targets: match kind {
                NodeKind::Subsection => inline_targets(&sections, b.parent_id),
                NodeKind::Unit => inline_targets(&subsections, b.parent_id),
                _ => Vec::new(),
            },
            children,
            error: None,
            add_title: String::new(),
            unit_url: format!("/courses/{key}/studio/unit/{}", b.id),
            history_url: format!("/courses/{key}/studio/history/{}", b.id),
        }
    };
    let n = sections.len();
    sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let subs = kids(Some(s.id), NodeKind::Subsection);
            let m = subs.len();
            let children = subs
                .iter()
                .enumerate()
                .map(|(j, ss)| {
                    let units = kids(Some(ss.id), NodeKind::Unit);
                    let k = units.len();
                    let children = units
                        .iter()
                        .enumerate()
                        .map(|(l, u)| make(u, l, k, Vec::new()))
                        .collect();
                    make(ss, j, m, children)
                })
                .collect();
            make(s, i, n, children)
        })
        .collect()
}

/// How many move targets a row lists in its own select before it links to the move page.
pub const MAX_INLINE_TARGETS: usize = 40;

fn find_row(rows: &mut [Row], id: i64) -> Option<&mut Row> {
    for r in rows {
        if r.id == id {
            return Some(r);
        }
        if let Some(found) = find_row(&mut r.children, id) {
            return Some(found);
        }
    }
    None
}

fn view(cx: &Cx, draft: &Draft) -> OutlineView {
    let p = &cx.page;
    let key = &draft.course.course_key;
    let mut removed: Vec<RemovedLine> = draft
        .removed
        .iter()
        .filter(|r| NodeKind::from_stored(&r.kind) != NodeKind::Leaf)
        // Only the top of a removed subtree: its children come back with it.
        .filter(|r| {
            r.parent_id
                .is_none_or(|parent| !draft.removed.iter().any(|o| o.id == parent))
        })
        .map(|r| RemovedLine {
            title: r.title.clone(),
            kind_key: kind_key(NodeKind::from_stored(&r.kind)),
            history_url: format!("/courses/{key}/studio/history/{}", r.id),
        })
        .collect();
    removed.truncate(50);
    OutlineView {
        title: p.text("lyceum-studio-outline-title"),
        studio: StudioHead::new(cx, draft, StudioTab::Outline),
        sections: rows(p, draft),
        types: draft
            .course
            .grading()
            .types
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        base: format!("/courses/{key}/studio"),
        add_url: format!("/courses/{key}/studio/outline/add"),
        add_error: None,
        add_title: String::new(),
        removed,
        published_notice: None,
        p: p.clone(),
    }
}

fn render(v: OutlineView, status: StatusCode) -> AppResult<Response> {
    let mut r = html_response(v.render().map_err(AppError::internal)?);
    *r.status_mut() = status;
    Ok(r)
}

pub async fn page(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<super::publish::DoneQuery>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let links = lyceum_app::upstream::studio_links(&cx.app.env(), &draft).await?;
    let mut v = view(&cx, &draft);
    v.studio.upstream = links
        .pending
        .map(|n| (format!("/courses/{key}/studio/upstream"), n));
    v.studio.forks = links.forks as usize;
    v.published_notice = super::publish::done_notice(&cx.page, &draft, &q);
    render(v, StatusCode::OK)
}

/// Back to the outline at a row.
fn back(draft: &Draft, id: i64, notice: Option<&str>) -> Response {
    let url = format!("/courses/{}/studio", draft.course.course_key);
    let url = match notice {
        Some(n) => with_notice(&url, n),
        None => url,
    };
    see_other(&format!("{url}#b-{id}"))
}

fn block_id(s: &str) -> AppResult<i64> {
    s.parse::<i64>().map_err(|_| AppError::NotFound)
}

/// The block `id` of this course's draft, or 404 (another course's block, a stale id).
fn block_in<'d>(draft: &'d Draft, id: &str) -> AppResult<&'d DraftRow> {
    let id = block_id(id)?;
    draft
        .get(BlockId(id))
        .filter(|b| NodeKind::from_stored(&b.kind) != NodeKind::Leaf)
        .ok_or(AppError::NotFound)
}

/// The page again, with a refused form's message at its row (or at the end).
async fn refused(
    cx: &Cx,
    key: &str,
    at: Option<i64>,
    form: &'static str,
    message: Html,
    keep: impl FnOnce(&mut Row),
) -> AppResult<Response> {
    // Read the draft again: the refused action changed nothing, but the page shows the
    // course as it is now.
    let draft = load(cx, key).await?;
    let mut v = view(cx, &draft);
    match at.and_then(|id| find_row(&mut v.sections, id)) {
        Some(row) => {
            row.error = Some((form, message));
            keep(row);
        }
        None => {
            v.add_error = Some(message);
            let mut scratch = Row {
                id: 0,
                kind: NodeKind::Section,
                title: String::new(),
                changed: false,
                new: false,
                inner_changed: false,
                staff_only: false,
                release: String::new(),
                graded: false,
                format: String::new(),
                due: String::new(),
                release_at: None,
                due_at: None,
                first: false,
                last: false,
                parent: None,
                targets: Vec::new(),
                children: Vec::new(),
                error: None,
                add_title: String::new(),
                unit_url: String::new(),
                history_url: String::new(),
            };
            keep(&mut scratch);
            v.add_title = scratch.add_title;
        }
    }
    render(v, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Deserialize)]
pub struct AddForm {
    kind: String,
    #[serde(default)]
    parent: String,
    /// Add right after this sibling; empty: at the end.
    #[serde(default)]
    after: String,
    #[serde(default)]
    title: String,
}

pub async fn add(cx: Cx, Path(key): Path<String>, Form(f): Form<AddForm>) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let kind = NodeKind::from_stored(&f.kind);
    if kind == NodeKind::Leaf {
        return Err(AppError::bad_request("lyceum-error-studio-placement"));
    }
    let parent = match f.parent.trim() {
        "" => None,
        s => Some(block_in(&draft, s).map_err(|_| stale())?.id),
    };
    let after = match f.after.trim() {
        "" => None,
        s => Some(block_in(&draft, s).map_err(|_| stale())?.id),
    };
    let position = match after {
        Some(a) => {
            let siblings = draft.children(parent.map(BlockId));
            let i = siblings
                .iter()
                .position(|b| b.id == a)
                .ok_or_else(|| AppError::invalid(DomainError::new("lyceum-error-studio-parent")))?;
            Some(i + 1)
        }
        None => None,
    };
    let input = NewBlockInput {
        parent: parent.map(BlockId),
        kind: f.kind.trim().to_owned(),
        title: f.title.clone(),
        content: None,
        position,
        summary: String::new(),
    };
    match authoring::add_block(&cx.app.env(), &cx.actor(), draft.course.id(), input).await {
        Ok(saved) => Ok(back(&draft, saved.block.0, None)),
        Err(e) => {
            let message = form_error(&cx.page, e)?;
            let (at, form) = match (after, parent) {
                (Some(a), _) => (Some(a), "add"),
                (None, Some(p)) => (Some(p), "add-child"),
                (None, None) => (None, "add"),
            };
            let title = f.title;
            refused(&cx, &key, at, form, message, move |r| r.add_title = title).await
        }
    }
}

/// A form naming a block this draft no longer has (another author deleted it).
fn stale() -> AppError {
    AppError::Invalid {
        status: StatusCode::CONFLICT,
        error: DomainError::new("lyceum-error-studio-parent"),
    }
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    title: String,
}

pub async fn rename(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
    Form(f): Form<RenameForm>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let row = block_in(&draft, &block)?;
    let id = row.id;
    let patch = BlockPatch {
        title: Some(f.title.clone()),
        ..Default::default()
    };
    match authoring::update_block(&cx.app.env(), &cx.actor(), BlockId(id), patch).await {
        Ok(_) => Ok(back(&draft, id, None)),
        Err(e) => {
            let message = form_error(&cx.page, e)?;
            let title = f.title;
            refused(&cx, &key, Some(id), "rename", message, move |r| {
                r.title = title
            })
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    /// `up` or `down` among its siblings; otherwise `parent` names where it goes.
    #[serde(default)]
    direction: String,
    #[serde(default)]
    parent: String,
}

pub async fn move_block(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
    Form(f): Form<MoveForm>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let row = block_in(&draft, &block)?;
    let id = row.id;
    let siblings = draft.children(row.parent_id.map(BlockId));
    let index = siblings.iter().position(|b| b.id == id).unwrap_or(0);
    let patch = match f.direction.as_str() {
        "up" => {
            if index == 0 {
                return Ok(back(&draft, id, None));
            }
            BlockPatch {
                position: Some(index - 1),
                ..Default::default()
            }
        }
        "down" => {
            if index + 1 >= siblings.len() {
                return Ok(back(&draft, id, None));
            }
            BlockPatch {
                position: Some(index + 1),
                ..Default::default()
            }
        }
        _ => {
            let parent = match f.parent.trim() {
                "" => None,
                s => Some(BlockId(s.parse::<i64>().map_err(|_| {
                    AppError::bad_request("lyceum-error-studio-parent")
                })?)),
            };
            BlockPatch {
                parent: Some(parent),
                ..Default::default()
            }
        }
    };
    match authoring::update_block(&cx.app.env(), &cx.actor(), BlockId(id), patch).await {
        Ok(_) => Ok(back(&draft, id, None)),
        Err(e) => {
            let message = form_error(&cx.page, e)?;
            refused(&cx, &key, Some(id), "move", message, |_| {}).await
        }
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    release: String,
    #[serde(default)]
    staff_only: Option<String>,
    /// Subsections: the assignment type (empty: not graded).
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    due: Option<String>,
}

pub async fn settings(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let row = block_in(&draft, &block)?;
    let id = row.id;
    let kind = NodeKind::from_stored(&row.kind);
    let staff_only = f.staff_only.is_some();
    let parsed = (|| -> Result<BlockPatch, DomainError> {
        let release = parse_local(&cx.page, &f.release, "lyceum-studio-error-release")?;
        let mut patch = BlockPatch {
            release_at: (!staff_only).then_some(release),
            staff_only: Some(staff_only),
            ..Default::default()
        };
        if kind == NodeKind::Subsection {
            let mut settings: StructureSettings =
                serde_json::from_str(&row.content).unwrap_or_default();
            let format = f.format.as_deref().unwrap_or("").trim().to_owned();
            let types = draft.course.grading().types;
            if !format.is_empty()
                && !types.iter().any(|t| t.name == format)
                && settings.format.as_deref() != Some(format.as_str())
            {
                return Err(DomainError::new("lyceum-error-grading-format")
                    .with_arg(format)
                    .with_arg(row.title.clone()));
            }
            settings.graded = !format.is_empty();
            settings.format = (!format.is_empty()).then_some(format);
            settings.due = parse_local(
                &cx.page,
                f.due.as_deref().unwrap_or(""),
                "lyceum-studio-error-due",
            )?;
            patch.content = Some(serde_json::to_value(settings).map_err(|_| {
                DomainError::new("lyceum-error-block-content").with_arg(String::new())
            })?);
        }
        Ok(patch)
    })();
    let result = match parsed {
        Ok(patch) => authoring::update_block(&cx.app.env(), &cx.actor(), BlockId(id), patch)
            .await
            .map_err(|e| form_error(&cx.page, e)),
        Err(e) => Err(Ok(super::domain_text(&cx.page, &e))),
    };
    match result {
        Ok(_) => Ok(back(&draft, id, Some("saved"))),
        Err(message) => {
            let message = message?;
            refused(&cx, &key, Some(id), "settings", message, move |r| {
                r.release = f.release;
                r.staff_only = staff_only;
                if let Some(format) = f.format {
                    r.graded = !format.is_empty();
                    r.format = format;
                }
                if let Some(due) = f.due {
                    r.due = due;
                }
            })
            .await
        }
    }
}

pub async fn duplicate(cx: Cx, Path((key, block)): Path<(String, String)>) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let id = block_in(&draft, &block)?.id;
    let saved = authoring::duplicate_block(&cx.app.env(), &cx.actor(), BlockId(id)).await?;
    Ok(back(&draft, saved.block.0, None))
}

#[derive(Template)]
#[template(path = "studio/delete.html")]
struct DeleteView {
    p: Page,
    title: String,
    studio: StudioHead,
    block_title: String,
    kind_key: &'static str,
    blocks: usize,
    learners: i64,
    scored: i64,
    /// Learners see it now: deleting takes it from them at the next publish.
    live: bool,
    action: String,
    cancel: String,
}

pub async fn delete_page(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let row = block_in(&draft, &block)?;
    let impact = authoring::impact(&cx.app.env(), &cx.actor(), row.block()).await?;
    let kind = NodeKind::from_stored(&row.kind);
    let v = DeleteView {
        title: cx.page.text("lyceum-studio-delete-title"),
        studio: StudioHead::new(&cx, &draft, StudioTab::Outline),
        block_title: row.title.clone(),
        kind_key: kind_key(kind),
        blocks: impact.blocks,
        learners: impact.work.learners,
        scored: impact.work.scored,
        live: row.live,
        action: format!("/courses/{key}/studio/outline/{}/delete", row.id),
        cancel: format!("/courses/{key}/studio#b-{}", row.id),
        p: cx.page.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn delete(
    cx: Cx,
    Path((key, block)): Path<(String, String)>,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let row = block_in(&draft, &block)?;
    let (id, parent) = (row.id, row.parent_id);
    if f.confirm.is_none() {
        // The confirmation page says what deleting takes with it.
        return Ok(see_other(&format!(
            "/courses/{key}/studio/outline/{id}/delete"
        )));
    }
    authoring::delete_block(&cx.app.env(), &cx.actor(), BlockId(id), true).await?;
    let url = format!("/courses/{key}/studio?done=deleted");
    Ok(see_other(&match parent {
        Some(p) => format!("{url}#b-{p}"),
        None => url,
    }))
}

#[derive(Template)]
#[template(path = "studio/move.html")]
struct MoveView {
    p: Page,
    title: String,
    studio: StudioHead,
    block_title: String,
    kind_key: &'static str,
    targets: Vec<Target>,
    action: String,
    cancel: String,
}

/// "Move to…" for a course with too many places to list in every row: every section
/// (for a subsection) or subsection (for a unit), named with its section.
pub async fn move_page(cx: Cx, Path((key, block)): Path<(String, String)>) -> AppResult<Response> {
    let draft = load(&cx, &key).await?;
    let row = block_in(&draft, &block)?;
    let kind = NodeKind::from_stored(&row.kind);
    let mut targets = Vec::new();
    for s in draft.children(None) {
        match kind {
            NodeKind::Subsection if Some(s.id) != row.parent_id => targets.push(Target {
                id: s.id,
                label: s.title.clone(),
            }),
            NodeKind::Unit => {
                for ss in draft.children(Some(s.block())) {
                    if Some(ss.id) != row.parent_id {
                        targets.push(Target {
                            id: ss.id,
                            label: format!("{} › {}", s.title, ss.title),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    if kind == NodeKind::Section {
        return Err(AppError::NotFound);
    }
    let v = MoveView {
        title: cx.page.text("lyceum-studio-move-to"),
        studio: StudioHead::new(&cx, &draft, StudioTab::Outline),
        block_title: row.title.clone(),
        kind_key: kind_key(kind),
        targets,
        action: format!("/courses/{key}/studio/outline/{}/move", row.id),
        cancel: format!("/courses/{key}/studio#b-{}", row.id),
        p: cx.page.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}
