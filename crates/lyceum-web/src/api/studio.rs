//! The authoring API: a course's draft, its blocks, publishing and history. The same use
//! cases as the Studio pages (`lyceum_app::authoring`), for scripts and tools that write
//! courses. Block ids are the ids learners' work is attached to: they stay the same
//! through edits and publishes.

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lyceum_app::authoring::{self, BlockPatch, Draft, NewBlockInput};
use lyceum_core::{BlockId, CourseId};
use lyceum_store::repo::drafts::{DraftRow, RevisionRow};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// One block of a draft.
#[derive(Serialize, ToSchema)]
pub struct DraftBlockJson {
    pub id: i64,
    /// `section`, `subsection`, `unit`, or a leaf kind (`text`, `problem`, `video`, …).
    pub kind: String,
    pub title: String,
    /// The block it is in; `null` for a section.
    pub parent: Option<i64>,
    /// Its place among its parent's children, from 0.
    pub position: i64,
    /// The kind's authoring content: text `{"markdown"}` or `{"html"}`; problem
    /// `{"olx", "weight"?, "max_attempts"?, …}`; a section, subsection or unit
    /// `{"graded"?, "format"?, "due"?}`.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// The draft's revision: send it back as `base_revision` when changing the block.
    pub revision: i64,
    /// The revision learners see; 0 = never published.
    pub published_revision: i64,
    /// The draft differs from what learners see.
    pub changed: bool,
    pub release_at: Option<String>,
    /// Hidden from learners whatever the dates.
    pub staff_only: bool,
    /// The block's name in OLX exports and `jump_to_id` links.
    pub url_name: String,
}

/// A block the draft removes (learners see it until the next publish).
#[derive(Serialize, ToSchema)]
pub struct RemovedBlockJson {
    pub id: i64,
    pub kind: String,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct DraftJson {
    pub course_id: String,
    pub title: String,
    /// `draft`, `review`, `published` or `archived`.
    pub status: String,
    /// The content version learners see.
    pub content_version: i64,
    /// How many blocks the draft changes (0: nothing to publish).
    pub changes: i64,
    /// Every block of the draft, sections first, each list in order.
    pub blocks: Vec<DraftBlockJson>,
    pub removed: Vec<RemovedBlockJson>,
}

fn block_json(b: &DraftRow) -> DraftBlockJson {
    DraftBlockJson {
        id: b.id,
        kind: b.kind.clone(),
        title: b.title.clone(),
        parent: b.parent_id,
        position: b.position,
        content: authoring::authoring_content(b),
        revision: b.revision,
        published_revision: b.published_revision,
        changed: b.changed,
        release_at: if authoring::is_staff_only(b) {
            None
        } else {
            time(b.release_at)
        },
        staff_only: authoring::is_staff_only(b),
        url_name: b.url_name.clone(),
    }
}

fn draft_json(d: &Draft) -> DraftJson {
    // Depth first, so a block always comes after its parent.
    let mut blocks = Vec::with_capacity(d.blocks.len());
    let mut stack: Vec<&DraftRow> = d.children(None).into_iter().rev().collect();
    while let Some(b) = stack.pop() {
        blocks.push(block_json(b));
        stack.extend(d.children(Some(b.block())).into_iter().rev());
    }
    DraftJson {
        course_id: d.course.course_key.clone(),
        title: d.course.title.clone(),
        status: d.course.status.clone(),
        content_version: d.course.content_version,
        changes: d.changes,
        blocks,
        removed: d
            .removed
            .iter()
            .map(|b| RemovedBlockJson {
                id: b.id,
                kind: b.kind.clone(),
                title: b.title.clone(),
            })
            .collect(),
    }
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

async fn course_id(cx: &Cx, key: &str) -> AppResult<CourseId> {
    let mut db = cx.app.store().conn().await?;
    Ok(lyceum_store::repo::courses::find_by_key(&mut db, key)
        .await?
        .ok_or(AppError::NotFound)?
        .id())
}

/// A course's draft: every block with its authoring content and revision.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/draft", params(("course_id" = String, Path)),
    responses((status = 200, body = DraftJson), (status = 401), (status = 403, description = "On the team, but not an instructor or author"),
        (status = 404, description = "No such course, or not visible to the caller")),
    tag = "authoring")]
pub async fn draft(cx: Cx, Path(course): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let id = course_id(&cx, &course).await?;
    let d = authoring::draft(&cx.app.env(), &cx.actor(), id).await?;
    Ok(json(StatusCode::OK, draft_json(&d)))
}

/// `null` and absent are different for `parent`: absent leaves it, `null` makes the
/// block a section.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBlockBody {
    /// The section, subsection or unit it goes into; `null` for a section.
    pub parent: Option<i64>,
    /// `section`, `subsection`, `unit`, or a leaf kind (`text`, `problem`, …).
    pub kind: String,
    pub title: String,
    /// The kind's authoring content (see the draft's blocks); optional for kinds that
    /// can start empty (text, discussion, and the outline's kinds).
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
    /// Its place among its siblings, from 0; last when absent.
    pub position: Option<usize>,
    /// A summary for the block's first revision.
    #[serde(default)]
    pub summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct SavedJson {
    pub id: i64,
    pub revision: i64,
}

/// Add a block to a course's draft.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/blocks", params(("course_id" = String, Path)),
    request_body = NewBlockBody,
    responses((status = 201, body = SavedJson), (status = 400, description = "Not JSON of this shape"), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "A kind that does not exist or does not fit there, content the kind refuses (the message says why, e.g. the line of an OLX error), a title too long, a due date before the release date")),
    tag = "authoring")]
pub async fn add_block(
    cx: Cx,
    Path(course): Path<String>,
    b: Result<Json<NewBlockBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let id = course_id(&cx, &course).await?;
    let saved = authoring::add_block(
        &cx.app.env(),
        &cx.actor(),
        id,
        NewBlockInput {
            parent: b.parent.map(BlockId),
            kind: b.kind,
            title: b.title,
            content: b.content,
            position: b.position,
            summary: b.summary,
        },
    )
    .await?;
    Ok(json(
        StatusCode::CREATED,
        SavedJson {
            id: saved.block.0,
            revision: saved.revision,
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockPatchBody {
    pub title: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
    /// Move into another block (`null`: a section moves among sections).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub parent: Option<Option<i64>>,
    pub position: Option<usize>,
    /// RFC 3339, or `null` to clear.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub release_at: Option<Option<String>>,
    pub staff_only: Option<bool>,
    /// The revision the change starts from: refused with 409 if someone saved since.
    pub base_revision: Option<i64>,
    #[serde(default)]
    pub summary: String,
}

/// Change a block of the draft: title, content, place, dates. A change of title,
/// content or dates is a new revision; a move is not.
#[utoipa::path(patch, path = "/api/v1/blocks/{block_id}", params(("block_id" = i64, Path)),
    request_body = BlockPatchBody,
    responses((status = 200, body = SavedJson), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "`base_revision` is not the block's current revision: someone saved it since; nothing was written"),
        (status = 422, description = "Content, place or dates refused (the message says why)")),
    tag = "authoring")]
pub async fn patch_block(
    cx: Cx,
    Path(block): Path<i64>,
    b: Result<Json<BlockPatchBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let release_at = match b.release_at {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) => Some(Some(text.parse::<jiff::Timestamp>().map_err(|_| {
            AppError::Invalid {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                error: lyceum_core::DomainError::new("lyceum-error-bad-date").with_arg(text),
            }
        })?)),
    };
    let saved = authoring::update_block(
        &cx.app.env(),
        &cx.actor(),
        BlockId(block),
        BlockPatch {
            title: b.title,
            content: b.content,
            parent: b.parent.map(|p| p.map(BlockId)),
            position: b.position,
            release_at,
            staff_only: b.staff_only,
            base_revision: b.base_revision,
            summary: b.summary,
        },
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        SavedJson {
            id: saved.block.0,
            revision: saved.revision,
        },
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DeleteParams {
    /// Set when learners have work in the block (or under it): their work stays stored
    /// but leaves their grades after the next publish.
    #[serde(default)]
    pub confirm: bool,
}

/// Remove a block (and everything in it) from the draft.
#[utoipa::path(delete, path = "/api/v1/blocks/{block_id}", params(("block_id" = i64, Path), DeleteParams),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Learners have work in it: repeat with `?confirm=true` (the message says how many)")),
    tag = "authoring")]
pub async fn delete_block(
    cx: Cx,
    Path(block): Path<i64>,
    Query(p): Query<DeleteParams>,
) -> AppResult<Response> {
    cx.require_user()?;
    authoring::delete_block(&cx.app.env(), &cx.actor(), BlockId(block), p.confirm).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// What changed, for the history.
    #[serde(default)]
    pub summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublishedJson {
    /// The content version learners see now.
    pub content_version: i64,
    /// Blocks whose published state changed.
    pub changed: i64,
    /// The course's status: `review` when its organisation reviews courses before their
    /// first publication (nothing went live yet), else `published`.
    pub status: String,
}

/// Publish the draft: all of it goes live at once (or, for a first publication in an
/// organisation that reviews courses, it goes to review). The body is optional.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/publish", params(("course_id" = String, Path)),
    request_body(content = Option<PublishBody>),
    responses((status = 200, body = PublishedJson), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "In review already, or archived")),
    tag = "authoring")]
pub async fn publish(
    cx: Cx,
    Path(course): Path<String>,
    b: Option<Json<PublishBody>>,
) -> AppResult<Response> {
    cx.require_user()?;
    let summary = b.map(|Json(b)| b.summary).unwrap_or_default();
    let id = course_id(&cx, &course).await?;
    let p = authoring::publish(&cx.app.env(), &cx.actor(), id, &summary).await?;
    Ok(json(
        StatusCode::OK,
        PublishedJson {
            content_version: p.version,
            changed: p.changed,
            status: p.status.as_str().to_owned(),
        },
    ))
}

/// Throw the draft away: the draft becomes the published course again.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/discard", params(("course_id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)), tag = "authoring")]
pub async fn discard(cx: Cx, Path(course): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let id = course_id(&cx, &course).await?;
    authoring::discard(&cx.app.env(), &cx.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One revision of a block.
#[derive(Serialize, ToSchema)]
pub struct RevisionJson {
    pub block_id: i64,
    pub revision: i64,
    pub kind: String,
    pub title: String,
    /// The author's username; `null` for an import or a deleted account.
    pub author: Option<String>,
    pub created_at: Option<String>,
    /// The author's summary, or what the editor did: `lyceum:created`, `lyceum:moved`,
    /// `lyceum:deleted`, `lyceum:duplicated:<block id>`, `lyceum:restored:<revision>`.
    pub summary: String,
}

fn revision_json(r: &RevisionRow) -> RevisionJson {
    RevisionJson {
        block_id: r.block_id,
        revision: r.revision,
        kind: r.kind.clone(),
        title: r.title.clone(),
        author: r
            .author_username
            .clone()
            .filter(|_| r.author_deleted.is_none()),
        created_at: time(Some(r.created_at)),
        summary: r.comment.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicationJson {
    pub content_version: i64,
    pub published_by: Option<String>,
    pub published_at: Option<String>,
    pub changed: i64,
    pub summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryJson {
    /// Newest first.
    pub revisions: Vec<RevisionJson>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next: Option<String>,
    pub publications: Vec<PublicationJson>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct HistoryParams {
    /// The `next` of the previous page.
    pub before: Option<String>,
}

fn cursor(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.split('.').map(|p| p.parse::<i64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// A course's history: every revision of its blocks with author, time and summary
/// (attribution for reuse under CC BY-SA), and its publications.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/history", params(("course_id" = String, Path), HistoryParams),
    responses((status = 200, body = HistoryJson), (status = 400, description = "A `before` that is not a `next`"), (status = 401), (status = 404)),
    tag = "authoring")]
pub async fn history(
    cx: Cx,
    Path(course): Path<String>,
    Query(p): Query<HistoryParams>,
) -> AppResult<Response> {
    cx.require_user()?;
    let before = match p.before.as_deref() {
        None => None,
        Some(t) => Some(cursor(t).ok_or_else(|| AppError::bad_request("lyceum-error-bad-form"))?),
    };
    let id = course_id(&cx, &course).await?;
    let h = authoring::history(&cx.app.env(), &cx.actor(), id, before).await?;
    Ok(json(
        StatusCode::OK,
        HistoryJson {
            revisions: h.revisions.iter().map(revision_json).collect(),
            next: h.next.map(|(t, b, r)| format!("{t}.{b}.{r}")),
            publications: h
                .publications
                .iter()
                .map(|p| PublicationJson {
                    content_version: p.version,
                    published_by: p.publisher_username.clone(),
                    published_at: time(Some(p.published_at)),
                    changed: p.changed_blocks,
                    summary: p.summary.clone(),
                })
                .collect(),
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct BlockHistoryJson {
    pub block: DraftBlockJson,
    /// Newest first.
    pub revisions: Vec<RevisionJson>,
}

/// One block's revisions, newest first.
#[utoipa::path(get, path = "/api/v1/blocks/{block_id}/history", params(("block_id" = i64, Path)),
    responses((status = 200, body = BlockHistoryJson), (status = 401), (status = 404)), tag = "authoring")]
pub async fn block_history(cx: Cx, Path(block): Path<i64>) -> AppResult<Response> {
    cx.require_user()?;
    let (_, row, revisions) =
        authoring::block_history(&cx.app.env(), &cx.actor(), BlockId(block)).await?;
    Ok(json(
        StatusCode::OK,
        BlockHistoryJson {
            block: block_json(&row),
            revisions: revisions.iter().map(revision_json).collect(),
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    pub revision: i64,
}

/// Bring back an earlier revision of a block as its newest (a removed block comes back
/// into its parent).
#[utoipa::path(post, path = "/api/v1/blocks/{block_id}/restore", params(("block_id" = i64, Path)),
    request_body = RestoreBody,
    responses((status = 200, body = SavedJson), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Its parent was removed too: restore that first")),
    tag = "authoring")]
pub async fn restore(
    cx: Cx,
    Path(block): Path<i64>,
    b: Result<Json<RestoreBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let saved = authoring::restore(&cx.app.env(), &cx.actor(), BlockId(block), b.revision).await?;
    Ok(json(
        StatusCode::OK,
        SavedJson {
            id: saved.block.0,
            revision: saved.revision,
        },
    ))
}

/// Copy a block and everything in it, placed right after it.
#[utoipa::path(post, path = "/api/v1/blocks/{block_id}/duplicate", params(("block_id" = i64, Path)),
    responses((status = 201, body = SavedJson), (status = 401), (status = 403), (status = 404)), tag = "authoring")]
pub async fn duplicate(cx: Cx, Path(block): Path<i64>) -> AppResult<Response> {
    cx.require_user()?;
    let saved = authoring::duplicate_block(&cx.app.env(), &cx.actor(), BlockId(block)).await?;
    Ok(json(
        StatusCode::CREATED,
        SavedJson {
            id: saved.block.0,
            revision: saved.revision,
        },
    ))
}

pub fn routes() -> axum::Router<crate::state::App> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/courses/{course_id}/draft", get(draft))
        .route("/api/v1/courses/{course_id}/blocks", post(add_block))
        .route("/api/v1/courses/{course_id}/publish", post(publish))
        .route("/api/v1/courses/{course_id}/discard", post(discard))
        .route("/api/v1/courses/{course_id}/history", get(history))
        .route(
            "/api/v1/blocks/{block_id}",
            axum::routing::patch(patch_block).delete(delete_block),
        )
        .route("/api/v1/blocks/{block_id}/history", get(block_history))
        .route("/api/v1/blocks/{block_id}/restore", post(restore))
        .route("/api/v1/blocks/{block_id}/duplicate", post(duplicate))
}
