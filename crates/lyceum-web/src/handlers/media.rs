//! Course media (videos, subtitles, posters): HTTP Range requests for seeking, a year of
//! caching (URLs carry the file's hash), and `?download=1` for saving the file.

use crate::courses;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use axum::body::Body;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

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
    let path = cx.app.media().path(&asset.sha256);
    let res = ServeFile::new(path)
        .oneshot(req)
        .await
        .map_err(AppError::internal)?;
    if res.status() == axum::http::StatusCode::NOT_FOUND {
        tracing::error!(asset = %asset.name, sha = %asset.sha256, "media file missing from the media directory");
        return Err(AppError::NotFound);
    }
    let mut res = res.map(Body::new).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&asset.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Published media may sit in shared caches; an unpublished course's may not.
    let cache = if course.row.published {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=31536000, immutable"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if download {
        // Asset names are restricted to [A-Za-z0-9._%-], so they need no quoting rules.
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", asset.name)) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}
