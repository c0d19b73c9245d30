//! The course's files page: what authors uploaded (name, type, size, the `/static/NAME`
//! to link it by), paged, and the upload form — type and size checked before anything is
//! stored (`lyceum_app::course_files`).

use crate::courses::asset_url;
use crate::error::{AppError, AppResult};
use crate::handlers::studio::{StudioHead, StudioTab};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::authoring;
use lyceum_app::course_files;
use lyceum_core::media::{UPLOAD_MAX_BYTES, UPLOAD_TYPES};

/// Files per page.
const PAGE: usize = 50;

pub struct FileRow {
    pub name: String,
    pub content_type: String,
    pub size: Html,
    pub url: String,
    pub static_path: String,
}

#[derive(Template)]
#[template(path = "editors/files.html")]
struct FilesView {
    p: Page,
    title: String,
    studio: StudioHead,
    files: Vec<FileRow>,
    total: usize,
    form_url: String,
    prev: Option<String>,
    next: Option<String>,
    allowed: String,
    max_mb: usize,
    error: Option<Html>,
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    page: Option<usize>,
}

fn size_text(p: &Page, bytes: i64) -> Html {
    if bytes >= 1024 * 1024 {
        p.t1(
            "lyceum-files-size-mb",
            ((bytes as f64 / (1024.0 * 1024.0)) * 10.0).round() / 10.0,
        )
    } else {
        p.t1(
            "lyceum-files-size-kb",
            ((bytes as f64 / 1024.0).ceil()) as i64,
        )
    }
}

async fn view(cx: &Cx, key: &str, page: usize, error: Option<Html>) -> AppResult<FilesView> {
    let p = &cx.page;
    let draft = authoring::draft_by_key(&cx.app.env(), &cx.actor(), key).await?;
    let (course, all) = course_files::list(&cx.app.env(), &cx.actor(), key).await?;
    let total = all.len();
    let base = format!("/courses/{}/studio/files", course.course_key);
    let files = all
        .iter()
        .skip(page * PAGE)
        .take(PAGE)
        .map(|a| FileRow {
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: size_text(p, a.size),
            url: asset_url(&course.course_key, a),
            static_path: format!("/static/{}", a.name),
        })
        .collect();
    Ok(FilesView {
        title: p.text("lyceum-files-title"),
        studio: StudioHead::new(cx, &draft, StudioTab::Files),
        files,
        total,
        form_url: base.clone(),
        prev: (page > 0).then(|| format!("{base}?page={}", page - 1)),
        next: ((page + 1) * PAGE < total).then(|| format!("{base}?page={}", page + 1)),
        allowed: UPLOAD_TYPES.join(", "),
        max_mb: UPLOAD_MAX_BYTES / (1024 * 1024),
        error,
        p: p.clone(),
    })
}

pub async fn page(
    cx: Cx,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let v = view(&cx, &key, q.page.unwrap_or(0), None).await?;
    Ok(html_response(v.render().map_err(AppError::internal)?))
}

/// Upload one file (`file`). The request body is capped just above the size limit, so a
/// larger one is cut off before it is read whole.
pub async fn upload(cx: Cx, Path(key): Path<String>, mut form: Multipart) -> AppResult<Response> {
    let mut got: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return refused(
                    &cx,
                    &key,
                    lyceum_core::DomainError::new("lyceum-files-error-size")
                        .with_arg((UPLOAD_MAX_BYTES / (1024 * 1024)).to_string()),
                )
                .await;
            }
        };
        if field.name() == Some("file") && got.is_none() {
            let name = field.file_name().unwrap_or("").to_owned();
            // The declared name first: nothing of a refused type is read.
            if !name.trim().is_empty()
                && let Err(e) = lyceum_core::media::check_upload(&name, 1)
            {
                return refused(&cx, &key, e).await;
            }
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(_) => {
                    return refused(
                        &cx,
                        &key,
                        lyceum_core::DomainError::new("lyceum-files-error-size")
                            .with_arg((UPLOAD_MAX_BYTES / (1024 * 1024)).to_string()),
                    )
                    .await;
                }
            };
            got = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = got.filter(|(n, _)| !n.trim().is_empty()) else {
        return refused(
            &cx,
            &key,
            lyceum_core::DomainError::new("lyceum-files-error-empty"),
        )
        .await;
    };
    match course_files::upload(&cx.app.env(), &cx.actor(), &key, &name, &bytes).await {
        Ok(_) => Ok(see_other(&with_notice(
            &format!("/courses/{key}/studio/files"),
            "saved",
        ))),
        Err(e) if e.kind == lyceum_app::ErrorKind::Invalid => refused(&cx, &key, e.error).await,
        Err(e) => Err(e.into()),
    }
}

async fn refused(cx: &Cx, key: &str, e: lyceum_core::DomainError) -> AppResult<Response> {
    let v = view(cx, key, 0, Some(crate::kinds::message(&cx.page, &e))).await?;
    let mut r = html_response(v.render().map_err(AppError::internal)?);
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}
