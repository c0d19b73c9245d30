//! The unit editor: the unit's blocks in order, each previewed as learners will see it,
//! with Edit, Move up/down, Duplicate and Delete; "Add a block" from the kinds' menu;
//! the previous and next units.

use super::{Studio, block_url, load, unit_url};
use crate::error::{AppError, AppResult};
use crate::handlers::studio::{StudioHead, StudioTab};
use crate::handlers::{html_response, see_other, with_notice};
use crate::kinds::{self, BlockCtx, BlockState};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use lyceum_app::ErrorKind;
use lyceum_app::authoring::{self, BlockPatch, NewBlockInput};
use lyceum_core::BlockId;
use lyceum_core::course::NodeKind;
use lyceum_store::repo::drafts::DraftRow;
use std::collections::HashMap;

pub struct BlockRow {
    pub id: i64,
    pub kind: Html,
    pub title: String,
    pub preview: Html,
    pub edit_url: String,
    pub move_url: String,
    pub duplicate_url: String,
    pub delete_url: String,
    pub first: bool,
    pub last: bool,
    /// Changed since the last publish (or never published).
    pub changed: bool,
}

pub struct AddButton {
    pub value: String,
    pub label: Html,
    pub icon: Html,
}

pub struct UnitLink {
    pub url: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "editors/unit.html")]
struct UnitView {
    p: Page,
    title: String,
    studio: StudioHead,
    unit_title: String,
    rename_url: String,
    add_url: String,
    outline_url: String,
    blocks: Vec<BlockRow>,
    add: Vec<AddButton>,
    prev: Option<UnitLink>,
    next: Option<UnitLink>,
    error: Option<Html>,
}

/// The unit `unit` of the draft, or 404.
fn unit_row(s: &Studio, unit: i64) -> AppResult<&DraftRow> {
    s.draft
        .get(BlockId(unit))
        .filter(|r| NodeKind::from_stored(&r.kind) == NodeKind::Unit)
        .ok_or(AppError::NotFound)
}

/// A leaf block of the draft (one a unit holds), or 404.
pub(super) fn leaf_row(s: &Studio, block: i64) -> AppResult<&DraftRow> {
    s.draft
        .get(BlockId(block))
        .filter(|r| NodeKind::from_stored(&r.kind) == NodeKind::Leaf)
        .ok_or(AppError::NotFound)
}

fn view(cx: &Cx, s: &Studio, unit: &DraftRow, error: Option<Html>) -> AppResult<UnitView> {
    let p = &cx.page;
    let course = &s.course;
    let tree = course.tree();
    let children = s.draft.children(Some(unit.block()));
    let ctx = BlockCtx {
        p,
        course,
        tracking: false,
        staff: false,
        now: cx.app.now(),
        overlay: None,
        preview: true,
    };
    let n = children.len();
    let blocks = children
        .iter()
        .enumerate()
        .map(|(i, b)| BlockRow {
            id: b.id,
            kind: p.t(kinds::name_key(&b.kind)),
            title: b.title.clone(),
            preview: tree
                .index_of(b.block())
                .map(|idx| kinds::render(&ctx, idx, &BlockState::default()))
                .unwrap_or_else(|| Html(String::new())),
            edit_url: block_url(course, b.id),
            move_url: course.url(&format!("studio/block/{}/move", b.id)),
            duplicate_url: course.url(&format!("studio/block/{}/duplicate", b.id)),
            delete_url: course.url(&format!("studio/block/{}/delete", b.id)),
            first: i == 0,
            last: i + 1 == n,
            changed: b.changed,
        })
        .collect();
    let add = kinds::add_entries()
        .map(|(kind, e)| AddButton {
            value: format!("{kind}:{}", e.variant),
            label: p.t(e.label_key),
            icon: p.icon(e.icon),
        })
        .collect();
    let units = tree.units();
    let at = tree
        .index_of(unit.block())
        .and_then(|u| units.iter().position(|&x| x == u));
    let link = |i: usize| {
        let node = tree.node(units[i]);
        UnitLink {
            url: unit_url(course, node.id.0),
            title: node.title.clone(),
        }
    };
    Ok(UnitView {
        title: p.text1("lyceum-editor-unit-title", unit.title.as_str()),
        studio: StudioHead::new(cx, &s.draft, StudioTab::None),
        unit_title: unit.title.clone(),
        rename_url: course.url(&format!("studio/unit/{}/rename", unit.id)),
        add_url: course.url(&format!("studio/unit/{}/add", unit.id)),
        outline_url: course.url("studio"),
        blocks,
        add,
        prev: at.filter(|&i| i > 0).map(|i| link(i - 1)),
        next: at.filter(|&i| i + 1 < units.len()).map(|i| link(i + 1)),
        error,
        p: p.clone(),
    })
}

pub async fn page(cx: Cx, Path((key, unit)): Path<(String, i64)>) -> AppResult<Response> {
    let s = load(&cx, &key).await?;
    let row = unit_row(&s, unit)?;
    let v = view(&cx, &s, row, None)?;
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

fn fields(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Add a block from the menu (`entry` = `KIND:VARIANT`) at the end of the unit, and
/// open its editor.
pub async fn add(
    cx: Cx,
    Path((key, unit)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f = fields(&body);
    let s = load(&cx, &key).await?;
    unit_row(&s, unit)?;
    let entry = f.get("entry").map_or("", |e| e.as_str());
    let (kind_name, variant) = entry.split_once(':').unwrap_or((entry, ""));
    let offered = kinds::add_entries().any(|(k, e)| k == kind_name && e.variant == variant);
    let kind = kinds::editor_kind(kind_name)
        .filter(|_| offered)
        .ok_or_else(|| AppError::bad_request("lyceum-editor-add-unknown"))?;
    let content = kind.new_content(&cx.page, variant);
    let saved = authoring::add_block(
        &cx.app.env(),
        &cx.actor(),
        s.draft.course.id(),
        NewBlockInput {
            parent: Some(BlockId(unit)),
            kind: kind_name.to_owned(),
            title: String::new(),
            content,
            position: None,
            summary: String::new(),
        },
    )
    .await?;
    Ok(see_other(&block_url(&s.course, saved.block.0)))
}

/// Rename the unit.
pub async fn rename(
    cx: Cx,
    Path((key, unit)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f = fields(&body);
    let s = load(&cx, &key).await?;
    let row = unit_row(&s, unit)?;
    let title = f.get("title").cloned().unwrap_or_default();
    let patch = BlockPatch {
        title: Some(title.clone()),
        ..BlockPatch::default()
    };
    match authoring::update_block(&cx.app.env(), &cx.actor(), row.block(), patch).await {
        Ok(_) => Ok(see_other(&with_notice(&unit_url(&s.course, unit), "saved"))),
        Err(e) if e.kind == ErrorKind::Invalid => {
            let mut v = view(&cx, &s, row, Some(kinds::message(&cx.page, &e.error)))?;
            v.unit_title = title;
            let mut r = html_response(v.render().map_err(AppError::internal)?);
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// Move a block one place up or down among its unit's blocks.
pub async fn move_block(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f = fields(&body);
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let unit = row.parent_id.ok_or(AppError::NotFound)?;
    let siblings = s.draft.children(Some(BlockId(unit)));
    let at = siblings
        .iter()
        .position(|b| b.id == block)
        .ok_or(AppError::NotFound)?;
    let to = match f.get("dir").map(String::as_str) {
        Some("up") => at.checked_sub(1),
        Some("down") => Some(at + 1).filter(|&t| t < siblings.len()),
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    if let Some(to) = to {
        let patch = BlockPatch {
            position: Some(to),
            ..BlockPatch::default()
        };
        authoring::update_block(&cx.app.env(), &cx.actor(), BlockId(block), patch).await?;
    }
    Ok(see_other(&format!(
        "{}#block-row-{block}",
        unit_url(&s.course, unit)
    )))
}

/// Copy a block (placed right after it).
pub async fn duplicate(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let unit = row.parent_id.ok_or(AppError::NotFound)?;
    let saved = authoring::duplicate_block(&cx.app.env(), &cx.actor(), BlockId(block)).await?;
    Ok(see_other(&format!(
        "{}#block-row-{}",
        unit_url(&s.course, unit),
        saved.block.0
    )))
}

#[derive(Template)]
#[template(path = "editors/delete.html")]
struct DeleteView {
    p: Page,
    title: String,
    studio: StudioHead,
    block_title: String,
    learners: i64,
    scored: i64,
    form_url: String,
    back_url: String,
}

/// "Delete this block?": what happens to learners' work and grades.
pub async fn delete_page(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let unit = row.parent_id.ok_or(AppError::NotFound)?;
    let impact = authoring::impact(&cx.app.env(), &cx.actor(), BlockId(block)).await?;
    let p = &cx.page;
    let v = DeleteView {
        title: p.text("lyceum-editor-delete-title"),
        studio: StudioHead::new(&cx, &s.draft, StudioTab::None),
        block_title: row.title.clone(),
        learners: impact.work.learners,
        scored: impact.work.scored,
        form_url: s.course.url(&format!("studio/block/{block}/delete")),
        back_url: format!("{}#block-row-{block}", unit_url(&s.course, unit)),
        p: p.clone(),
    };
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

/// Delete a block. When learners have work on it, the confirmation page must have been
/// seen (`confirm`); otherwise it is shown.
pub async fn delete(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let f = fields(&body);
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let unit = row.parent_id.ok_or(AppError::NotFound)?;
    let confirmed = f.contains_key("confirm");
    match authoring::delete_block(&cx.app.env(), &cx.actor(), BlockId(block), confirmed).await {
        Ok(_) => Ok(see_other(&with_notice(&unit_url(&s.course, unit), "saved"))),
        Err(e) if e.kind == ErrorKind::Conflict => Ok(see_other(
            &s.course.url(&format!("studio/block/{block}/delete")),
        )),
        Err(e) => Err(e.into()),
    }
}
