//! The block editor: the kind's own editor (`WebKind::editor`), the block's title, a
//! summary of the change and the revision it started from. Saving is a new revision of
//! the draft (`authoring::update_block`); a save over someone else's newer revision is
//! refused and shown as both versions side by side, with the author's text kept in the
//! form. "Preview" renders the block as typed, storing nothing. Long texts also save by
//! themselves with script (`autosave`, answered in JSON).

use super::unit::leaf_row;
use super::{DiffRow, Studio, block_url, line_diff, load, unit_url, with_tree};
use crate::error::{AppError, AppResult};
use crate::handlers::studio::{StudioHead, StudioTab};
use crate::handlers::{html_response, see_other, with_notice};
use crate::kinds::{self, BlockCtx, BlockState, EditorCtx, EditorForm, FieldError, WebKind};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lyceum_app::ErrorKind;
use lyceum_app::authoring::{self, BlockPatch};
use lyceum_core::BlockId;
use lyceum_core::blocks::LeafContent;
use lyceum_core::clock::from_millis;
use lyceum_core::course::{CourseTree, NodeRow};
use lyceum_store::repo::drafts::DraftRow;
use serde_json::{Value, json};

/// Fields of the page itself, not of the kind's editor.
const PAGE_FIELDS: [&str; 4] = ["title", "summary", "base_revision", "step"];

pub struct ErrorLine {
    pub line: Option<u32>,
    pub text: Html,
}

/// Their version beside yours, after a refused save.
pub struct Conflict {
    pub revision: i64,
    pub rows: Vec<DiffRow>,
}

#[derive(Template)]
#[template(path = "editors/block.html")]
struct BlockView {
    p: Page,
    title: String,
    studio: StudioHead,
    /// The block's title (or its kind's name), for the heading.
    name: String,
    kind_label: String,
    block_title: String,
    summary: String,
    base_revision: i64,
    form_url: String,
    preview_url: String,
    autosave_url: String,
    unit_url: String,
    editable: bool,
    autosave: bool,
    editor: Html,
    errors: Vec<ErrorLine>,
    preview: Option<Html>,
    conflict: Option<Conflict>,
    learners: i64,
    lang: String,
    dir: &'static str,
}

struct Input<'a> {
    form: &'a EditorForm,
    title: &'a str,
    summary: &'a str,
    base_revision: i64,
    errors: &'a [FieldError],
    preview: Option<Html>,
    conflict: Option<Conflict>,
}

fn kind_of(row: &DraftRow) -> AppResult<&'static dyn WebKind> {
    kinds::editor_kind(&row.kind).ok_or(AppError::NotFound)
}

async fn render_page(cx: &Cx, s: &Studio, row: &DraftRow, input: Input<'_>) -> AppResult<String> {
    let p = &cx.page;
    let kind = kind_of(row)?;
    let course = &s.course;
    let learners = if row.live {
        authoring::impact(&cx.app.env(), &cx.actor(), row.block())
            .await?
            .work
    } else {
        Default::default()
    };
    let lang = course.row.language.clone();
    let dir = crate::handlers::catalog::content_dir(&lang);
    let ecx = EditorCtx {
        p,
        lang: &lang,
        dir,
        errors: input.errors,
        learners: learners.learners,
    };
    let editor = Html(kind.editor(&ecx, input.form).map_err(AppError::internal)?);
    let errors = input
        .errors
        .iter()
        .map(|e| ErrorLine {
            line: e.line,
            text: kinds::message(p, &e.error),
        })
        .collect();
    let unit = row.parent_id.unwrap_or(0);
    let name = if row.title.is_empty() {
        p.text(kinds::name_key(&row.kind))
    } else {
        row.title.clone()
    };
    let v = BlockView {
        title: p.text1("lyceum-editor-block-title", name.as_str()),
        name,
        studio: StudioHead::new(cx, &s.draft, StudioTab::None),
        kind_label: p.text(kinds::name_key(&row.kind)),
        block_title: input.title.to_owned(),
        summary: input.summary.to_owned(),
        base_revision: input.base_revision,
        form_url: block_url(course, row.id),
        preview_url: course.url(&format!("studio/block/{}/preview", row.id)),
        autosave_url: course.url(&format!("studio/block/{}/autosave", row.id)),
        unit_url: format!("{}#block-row-{}", unit_url(course, unit), row.id),
        editable: kind.editable(),
        autosave: kind.autosaves() && kind.editable(),
        editor,
        errors,
        preview: input.preview,
        conflict: input.conflict,
        learners: learners.learners,
        lang: lang.clone(),
        dir,
        p: p.clone(),
    };
    v.render().map_err(AppError::internal)
}

fn with_status(body: String, status: StatusCode) -> Response {
    let mut r = html_response(body);
    *r.status_mut() = status;
    r
}

/// The block as learners would see it with `content` (authoring JSON) in place of its
/// draft content: the kind's own learner view, no learner state.
fn preview_of(cx: &Cx, s: &Studio, row: &DraftRow, content: Option<&Value>) -> AppResult<Html> {
    let stored = match content {
        Some(v) => LeafContent::from_authoring(&row.kind, v.clone())
            .map_err(AppError::invalid)?
            .encode(),
        None => row.content.clone(),
    };
    let rows = s
        .draft
        .blocks
        .iter()
        .map(|r| NodeRow {
            id: r.block(),
            parent_id: r.parent_id.map(BlockId),
            position: r.position,
            kind: r.kind.clone(),
            url_name: r.url_name.clone(),
            title: r.title.clone(),
            release_at: r.release_at.map(from_millis),
            content: if r.id == row.id {
                stored.clone()
            } else {
                r.content.clone()
            },
        })
        .collect();
    let course = with_tree(clone_course(&s.course), CourseTree::build(rows));
    let idx = course
        .tree()
        .index_of(row.block())
        .ok_or(AppError::NotFound)?;
    let ctx = BlockCtx {
        p: &cx.page,
        course: &course,
        tracking: false,
        staff: false,
        now: cx.app.now(),
        overlay: None,
        preview: true,
    };
    Ok(kinds::render(&ctx, idx, &BlockState::default()))
}

fn clone_course(c: &crate::courses::CourseCx) -> crate::courses::CourseCx {
    crate::courses::CourseCx {
        row: c.row.clone(),
        viewer: c.viewer.clone(),
        facts: c.facts,
        content: c.content.clone(),
        vis: c.vis,
        actor: c.actor,
        languages: c.languages.clone(),
        source_language: c.source_language.clone(),
        in_languages: Vec::new(),
    }
}

pub async fn page(cx: Cx, Path((key, block)): Path<(String, i64)>) -> AppResult<Response> {
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let kind = kind_of(row)?;
    let content = authoring::authoring_content(row);
    let form = kind.editor_fields(&content);
    let preview = Some(preview_of(&cx, &s, row, None)?);
    let body = render_page(
        &cx,
        &s,
        row,
        Input {
            form: &form,
            title: &row.title,
            summary: "",
            base_revision: row.revision,
            errors: &[],
            preview,
            conflict: None,
        },
    )
    .await?;
    Ok(html_response(body))
}

/// The posted editor: the kind's fields, and the page's own.
fn posted(body: &[u8]) -> (EditorForm, PageFields) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let page = PageFields {
        title: pairs
            .iter()
            .find(|(n, _)| n == "title")
            .map(|(_, v)| v.clone()),
        summary: get("summary"),
        base_revision: get("base_revision").trim().parse().ok(),
        step: get("step"),
    };
    let form = EditorForm::from_pairs(
        pairs
            .into_iter()
            .filter(|(k, _)| !PAGE_FIELDS.contains(&k.as_str()))
            .collect(),
    );
    (form, page)
}

struct PageFields {
    /// `None` when the form sent no title: the block keeps its own.
    title: Option<String>,
    summary: String,
    base_revision: Option<i64>,
    step: String,
}

/// What a save did, or why it did not.
enum Outcome {
    Saved(i64),
    Faults(Vec<FieldError>),
    Stale { current: i64, yours: Value },
}

async fn try_save(
    cx: &Cx,
    row: &DraftRow,
    kind: &dyn WebKind,
    form: &EditorForm,
    page: &PageFields,
) -> AppResult<Outcome> {
    let old = authoring::authoring_content(row);
    let content = match kind.read_editor(form, &old) {
        Ok(c) => c,
        Err(faults) => return Ok(Outcome::Faults(faults)),
    };
    let patch = BlockPatch {
        title: page.title.clone(),
        content: Some(content.clone()),
        base_revision: Some(page.base_revision.unwrap_or(row.revision)),
        summary: page.summary.clone(),
        ..BlockPatch::default()
    };
    match authoring::update_block(&cx.app.env(), &cx.actor(), row.block(), patch).await {
        Ok(saved) => Ok(Outcome::Saved(saved.revision)),
        Err(e) if e.kind == ErrorKind::Conflict => Ok(Outcome::Stale {
            current: row.revision,
            yours: content,
        }),
        Err(e) if e.kind == ErrorKind::Invalid => {
            Ok(Outcome::Faults(vec![FieldError::at("", e.error, None)]))
        }
        Err(e) => Err(e.into()),
    }
}

/// Save, preview, or a step of the kind's editor (switching the problem editor to OLX).
pub async fn save(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let (form, page) = posted(&body);
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let kind = kind_of(row)?;
    if !kind.editable() {
        return Err(AppError::bad_request("lyceum-editor-read-only"));
    }
    let base = page.base_revision.unwrap_or(row.revision);
    let again = |form: &EditorForm,
                 errors: &[FieldError],
                 preview: Option<Html>,
                 conflict: Option<Conflict>,
                 base: i64| {
        let page = &page;
        let s = &s;
        let cx = &cx;
        let form = form.clone();
        let errors = errors.to_vec();
        async move {
            render_page(
                cx,
                s,
                row,
                Input {
                    form: &form,
                    title: page.title.as_deref().unwrap_or(&row.title),
                    summary: &page.summary,
                    base_revision: base,
                    errors: &errors,
                    preview,
                    conflict,
                },
            )
            .await
        }
    };
    match page.step.as_str() {
        "" | "save" => match try_save(&cx, row, kind, &form, &page).await? {
            Outcome::Saved(_) => Ok(see_other(&with_notice(
                &block_url(&s.course, block),
                "saved",
            ))),
            Outcome::Faults(errors) => Ok(with_status(
                again(&form, &errors, None, None, base).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            )),
            Outcome::Stale { current, yours } => {
                let theirs = kind.editor_text(&authoring::authoring_content(row));
                let conflict = Conflict {
                    revision: current,
                    rows: line_diff(&theirs, &kind.editor_text(&yours)),
                };
                // The form keeps what they typed; saving again (now over the current
                // revision) is their informed choice.
                Ok(with_status(
                    again(&form, &[], None, Some(conflict), current).await?,
                    StatusCode::CONFLICT,
                ))
            }
        },
        "preview" => {
            let old = authoring::authoring_content(row);
            match kind.read_editor(&form, &old) {
                Ok(content) => match preview_of(&cx, &s, row, Some(&content)) {
                    Ok(preview) => Ok(html_response(
                        again(&form, &[], Some(preview), None, base).await?,
                    )),
                    Err(AppError::Invalid { error, .. }) => Ok(with_status(
                        again(&form, &[FieldError::at("", error, None)], None, None, base).await?,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )),
                    Err(e) => Err(e),
                },
                Err(errors) => Ok(with_status(
                    again(&form, &errors, None, None, base).await?,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )),
            }
        }
        step => {
            let (form, errors) = kind.editor_step(&cx.page, form, step);
            Ok(html_response(
                again(&form, &errors, None, None, base).await?,
            ))
        }
    }
}

/// The live preview's fetch: the block as typed, rendered as learners will see it (an
/// HTML fragment), or the faults; nothing is stored.
pub async fn preview(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let (form, _) = posted(&body);
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let kind = kind_of(row)?;
    let old = authoring::authoring_content(row);
    let faults = match kind.read_editor(&form, &old) {
        Ok(content) => match preview_of(&cx, &s, row, Some(&content)) {
            Ok(html) => return Ok(html_response(html.0)),
            Err(AppError::Invalid { error, .. }) => vec![FieldError::at("", error, None)],
            Err(e) => return Err(e),
        },
        Err(faults) => faults,
    };
    let html: String = faults
        .iter()
        .map(|f| {
            format!(
                r#"<div class="cdx-message cdx-message--block cdx-message--error"><span class="cdx-message__icon"></span><div class="cdx-message__content">{}</div></div>"#,
                kinds::message(&cx.page, &f.error)
            )
        })
        .collect();
    Ok(with_status(html, StatusCode::UNPROCESSABLE_ENTITY))
}

/// The editor's own save every half minute (script): `{"revision"}`, 409 with the
/// current revision when someone else saved meanwhile (the page then shows both
/// versions through an ordinary save), 422 with the messages.
pub async fn autosave(
    cx: Cx,
    Path((key, block)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let (form, mut page) = posted(&body);
    let s = load(&cx, &key).await?;
    let row = leaf_row(&s, block)?;
    let kind = kind_of(row)?;
    if !kind.editable() || page.base_revision.is_none() {
        return Err(AppError::bad_request("lyceum-error-bad-form"));
    }
    if page.summary.trim().is_empty() {
        page.summary = cx.page.text("lyceum-editor-autosaved-summary");
    }
    Ok(match try_save(&cx, row, kind, &form, &page).await? {
        Outcome::Saved(revision) => axum::Json(json!({ "revision": revision })).into_response(),
        Outcome::Stale { current, .. } => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": "lyceum-error-studio-stale", "revision": current })),
        )
            .into_response(),
        Outcome::Faults(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({
                "errors": errors
                    .iter()
                    .map(|e| json!({
                        "field": e.field,
                        "line": e.line,
                        "message": kinds::message(&cx.page, &e.error).0,
                    }))
                    .collect::<Vec<_>>()
            })),
        )
            .into_response(),
    })
}
