//! Upstream sync in the JSON API: a fork's changes from its source since it last took
//! from it, pulling the chosen ones into the fork's draft, and settling a change both
//! sides made. The same use cases as the Studio page (`lyceum_app::upstream`). A course
//! that is no fork answers 409 with a message saying so (to its team; anyone else who
//! may not edit it gets 404 or 403 as for its draft).

use super::json;
use crate::error::{AppError, AppResult};
use crate::handlers::studio::history::source_text;
use crate::page::Cx;
use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::upstream::{self, BlockChange, Resolution, Version};
use lyceum_core::CourseId;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(changes, pull, resolve),
    tags((name = "upstream", description = "A fork's changes from its source: list, pull, resolve"))
)]
pub struct UpstreamDoc;

pub fn routes() -> axum::Router<crate::state::App> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/courses/{course_id}/upstream", get(changes))
        .route("/api/v1/courses/{course_id}/upstream/pull", post(pull))
        .route(
            "/api/v1/courses/{course_id}/upstream/resolve",
            post(resolve),
        )
}

/// The fork's source.
#[derive(Serialize, ToSchema)]
pub struct SourceJson {
    /// Its key now (as forked, if it was deleted).
    pub course_id: String,
    pub title: String,
    /// `open` (changes can be pulled), `deleted`, `unpublished`, or `closed` (its licence
    /// is now "all rights reserved": nothing it publishes now may be taken).
    pub state: String,
    /// The content version it publishes now; `null` when deleted.
    pub version: Option<i64>,
}

/// One side of a change.
#[derive(Serialize, ToSchema)]
pub struct VersionJson {
    pub revision: i64,
    pub title: String,
    /// What an author edits, as text: a text's Markdown or HTML, a problem's OLX and
    /// settings, any other kind's settings as JSON. Compare these for a diff.
    pub text: String,
    pub release_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeJson {
    /// The source's block: the id to pull.
    pub id: i64,
    /// The fork's block it came from; `null` for a block the source added.
    pub block: Option<i64>,
    /// `changed`, `added`, `removed` or `moved`.
    pub change: String,
    /// `section`, `subsection`, `unit`, or a leaf kind.
    pub kind: String,
    /// A changed block the source also placed under another parent.
    pub moved: bool,
    /// The fork changed the block too: pulling takes the source's version (the fork's
    /// stays in its history); `resolve` keeps the fork's or saves a merged one.
    pub conflict: bool,
    /// Added or moved: its place exists in the fork's draft (else pull its new parent
    /// first, or restore the parent the fork removed).
    pub placeable: bool,
    /// Added: how many blocks come with it.
    pub descendants: usize,
    pub title: String,
    /// The source's version the fork last took (`null` for an added block).
    pub base: Option<VersionJson>,
    /// The source's published version (`null` for a removed block).
    pub theirs: Option<VersionJson>,
    /// The fork's draft version (`null` for an added block).
    pub mine: Option<VersionJson>,
}

#[derive(Serialize, ToSchema)]
pub struct UpstreamJson {
    pub source: SourceJson,
    /// The source's content version copied at the fork, and the latest one pulled from.
    pub forked_version: i64,
    pub synced_version: i64,
    /// What the source changed since, in its reading order (removed blocks last).
    pub changes: Vec<ChangeJson>,
}

fn version(kind: &str, v: &Option<Version>) -> Option<VersionJson> {
    v.as_ref().map(|v| VersionJson {
        revision: v.revision,
        title: v.title.clone(),
        text: source_text(kind, &v.content).0,
        release_at: super::time(v.release_at),
    })
}

fn change_json(c: &BlockChange) -> ChangeJson {
    ChangeJson {
        id: c.id(),
        block: c.change.fork_block,
        change: c.change.kind.as_str().to_owned(),
        kind: c.kind.clone(),
        moved: c.change.moved,
        conflict: c.change.conflict,
        placeable: c.change.placeable,
        descendants: c.descendants,
        title: c.title().to_owned(),
        base: version(&c.kind, &c.base),
        theirs: version(&c.kind, &c.theirs),
        mine: version(&c.kind, &c.mine),
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

/// What the fork's source changed since the fork last took from it (its published
/// content only), block by block with the texts to compare.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/upstream", params(("course_id" = String, Path, description = "The fork's course key")),
    responses((status = 200, body = UpstreamJson), (status = 401), (status = 403, description = "On the fork's team, but not an instructor or author"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 409, description = "The course is not a fork")),
    tag = "upstream")]
pub async fn changes(cx: Cx, Path(course): Path<String>) -> AppResult<Response> {
    cx.require_user()?;
    let id = course_id(&cx, &course).await?;
    let up = upstream::changes(&cx.app.env(), &cx.actor(), id).await?;
    Ok(json(
        StatusCode::OK,
        UpstreamJson {
            source: SourceJson {
                course_id: up.source_key().to_owned(),
                title: up.source_title().to_owned(),
                state: up.state.as_str().to_owned(),
                version: up.source_version(),
            },
            forked_version: up.fork.forked_version,
            synced_version: up.fork.synced_version,
            changes: up.changes.iter().map(change_json).collect(),
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PullBody {
    /// Changes to take, by the `id` (source block) or `block` (fork block) the list gives.
    pub blocks: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PulledJson {
    /// The source's block.
    pub id: i64,
    /// The fork's block carrying the change now (new for an added block).
    pub block: i64,
    pub change: String,
    /// The fork block's draft revision after the pull.
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PullResultJson {
    pub pulled: Vec<PulledJson>,
}

/// Take the chosen changes into the fork's draft (never straight to learners: publish as
/// usual). All or nothing.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/upstream/pull", params(("course_id" = String, Path, description = "The fork's course key")),
    request_body = PullBody,
    responses((status = 200, body = PullResultJson), (status = 400, description = "Not JSON of this shape"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Not a fork; the source was deleted, unpublished or is no longer free; or an added block has no place in the draft"),
        (status = 422, description = "No ids, too many, or ids that name no change (listed in the message); nothing was applied")),
    tag = "upstream")]
pub async fn pull(
    cx: Cx,
    Path(course): Path<String>,
    b: Result<Json<PullBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let id = course_id(&cx, &course).await?;
    let pulled = upstream::pull(&cx.app.env(), &cx.actor(), id, &b.blocks).await?;
    Ok(json(
        StatusCode::OK,
        PullResultJson {
            pulled: pulled
                .iter()
                .map(|p| PulledJson {
                    id: p.source_block.0,
                    block: p.fork_block.0,
                    change: p.kind.as_str().to_owned(),
                    revision: p.revision,
                })
                .collect(),
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// The change, by its `id` or `block`.
    pub block: i64,
    /// `keep-mine` (the source's change counts as seen; a removed block stays the fork's
    /// own) or `merged` (with `text`, and `title` if it changes).
    pub resolution: String,
    /// The merged title; the fork's when absent.
    pub title: Option<String>,
    /// The merged version as the `text` of the list (a text's Markdown or HTML, other
    /// kinds' authoring content as JSON).
    pub text: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResolvedJson {
    pub block: i64,
    /// The merged version's draft revision; `null` when keeping the fork's.
    pub revision: Option<i64>,
}

/// Settle a change without taking the source's version as it is.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/upstream/resolve", params(("course_id" = String, Path, description = "The fork's course key")),
    request_body = ResolveBody,
    responses((status = 200, body = ResolvedJson), (status = 400), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Not a fork, or the source is no longer open"),
        (status = 422, description = "No such change, nothing to keep or merge for it (added and moved blocks), or a merged version the block's kind refuses")),
    tag = "upstream")]
pub async fn resolve(
    cx: Cx,
    Path(course): Path<String>,
    b: Result<Json<ResolveBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let id = course_id(&cx, &course).await?;
    let env = cx.app.env();
    let actor = cx.actor();
    let resolution = match b.resolution.as_str() {
        "keep-mine" => Resolution::KeepMine,
        "merged" => {
            let up = upstream::changes(&env, &actor, id).await?;
            let c = up
                .changes
                .iter()
                .find(|c| c.id() == b.block || c.change.fork_block == Some(b.block))
                .ok_or_else(|| unknown(b.block))?;
            let mine = c.mine.as_ref().ok_or_else(|| unknown(b.block))?;
            let text = b.text.as_deref().ok_or_else(|| {
                AppError::from(lyceum_app::Error::invalid(lyceum_core::DomainError::new(
                    "lyceum-upstream-error-merged-missing",
                )))
            })?;
            Resolution::Merged {
                title: b.title.clone().unwrap_or_else(|| mine.title.clone()),
                content: upstream::content_from_text(&c.kind, &mine.content, text)?,
            }
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    let revision = upstream::resolve(&env, &actor, id, b.block, resolution).await?;
    Ok(json(
        StatusCode::OK,
        ResolvedJson {
            block: b.block,
            revision,
        },
    ))
}

fn unknown(id: i64) -> AppError {
    lyceum_app::Error::invalid(
        lyceum_core::DomainError::new("lyceum-upstream-error-unknown").with_arg(id.to_string()),
    )
    .into()
}
