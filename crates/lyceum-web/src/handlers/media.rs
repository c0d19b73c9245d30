//! Course media (videos, subtitles, posters): HTTP Range requests for seeking, a year of
//! caching (URLs carry the file's hash), and `?download=1` for saving the file.

use crate::courses;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use axum::extract::{Path, Request};
use axum::response::Response;

pub async fn serve(
    cx: Cx,
    Path((key, hash, name)): Path<(String, String, String)>,
    req: Request,
) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    let asset = course
        .content
        .assets
        .get(&name)
        .filter(|a| a.sha256.starts_with(&hash) && hash.len() >= 12)
        .ok_or(AppError::NotFound)?;
    let download = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "download=1"));
    // Published media may sit in shared caches; an unpublished course's may not.
    let cache_control = if course.row.published {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=31536000, immutable"
    };
    // Asset names are restricted to [A-Za-z0-9._%-], so they need no quoting rules.
    let disposition = download.then(|| format!("attachment; filename=\"{}\"", asset.name));
    crate::media_files::send(
        &cx.app,
        &crate::media_files::MediaFile {
            sha256: &asset.sha256,
            content_type: &asset.content_type,
            cache_control,
            disposition,
            nosniff: false,
            what: &asset.name,
        },
        req,
    )
    .await
}
