//! The Studio's unit and block editors: a unit's blocks in order, each previewed as
//! learners will see it, moved, duplicated, deleted (with what happens to learners'
//! grades said first) and added from the kinds' menu; and one block's editor, which is
//! its kind's own (`WebKind::editor`), saved as a new revision of the draft. Two authors
//! saving the same block never overwrite each other silently: the second sees both
//! versions side by side, with what they typed kept. What these pages do is
//! `lyceum_app::authoring`; no kind is named here.

mod block;
mod diff;
mod files;
mod unit;

use crate::courses::CourseCx;
use crate::error::AppResult;
use crate::page::Cx;
use crate::state::App;
use axum::Router;
use axum::routing::{get, post};
use lyceum_app::authoring::{self, Draft};
use lyceum_core::course::CourseTree;
use std::sync::Arc;

pub use diff::{DiffRow, line_diff};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/courses/{key}/studio/files",
            get(files::page)
                .post(files::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    lyceum_core::media::UPLOAD_MAX_BYTES + 64 * 1024,
                )),
        )
        .route("/courses/{key}/studio/unit/{unit}", get(unit::page))
        .route("/courses/{key}/studio/unit/{unit}/add", post(unit::add))
        .route(
            "/courses/{key}/studio/unit/{unit}/rename",
            post(unit::rename),
        )
        .route(
            "/courses/{key}/studio/block/{block}",
            get(block::page).post(block::save),
        )
        .route(
            "/courses/{key}/studio/block/{block}/preview",
            post(block::preview),
        )
        .route(
            "/courses/{key}/studio/block/{block}/autosave",
            post(block::autosave),
        )
        .route(
            "/courses/{key}/studio/block/{block}/move",
            post(unit::move_block),
        )
        .route(
            "/courses/{key}/studio/block/{block}/duplicate",
            post(unit::duplicate),
        )
        .route(
            "/courses/{key}/studio/block/{block}/delete",
            get(unit::delete_page).post(unit::delete),
        )
}

/// A course's draft as its editor works on it: the draft (for the authoring use cases)
/// and the course with the draft's tree (to render previews as learners will see them).
pub struct Studio {
    pub draft: Draft,
    pub course: CourseCx,
}

/// The draft of course `key`, for someone who may edit it; anyone else gets what
/// `authoring::draft` answers (not found for those who may not see the course's
/// unreleased content, forbidden for the rest of its team). A fixed number of
/// statements whatever the course's size.
pub async fn load(cx: &Cx, key: &str) -> AppResult<Studio> {
    let draft = authoring::draft_by_key(&cx.app.env(), &cx.actor(), key).await?;
    let published = crate::courses::load_as(&cx.app, key, cx.user_id(), cx.actor()).await?;
    let tree = draft.tree();
    Ok(Studio {
        course: with_tree(published, tree),
        draft,
    })
}

/// `course` showing `tree` (the draft, or the draft with one block as typed).
pub fn with_tree(course: CourseCx, tree: CourseTree) -> CourseCx {
    let content = Arc::new(course.content.showing(course.content.version, tree));
    CourseCx { content, ..course }
}

/// Where the block editor of `block` is.
pub fn block_url(course: &CourseCx, block: i64) -> String {
    course.url(&format!("studio/block/{block}"))
}

/// Where the unit editor of `unit` is.
pub fn unit_url(course: &CourseCx, unit: i64) -> String {
    course.url(&format!("studio/unit/{unit}"))
}
