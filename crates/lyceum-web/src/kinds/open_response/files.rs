//! Files of open responses over HTTP, one path for the pages and the JSON API: receiving
//! an upload (its type checked before a byte is kept, its size while it arrives, reading
//! stopped past the author's limit), staging it and attaching it to the draft (the file
//! joins the media store once the row is committed), removing it, and sending a file to
//! the people allowed to read it.

use super::assignment::{self as ors, Assignment, Upload};
use crate::courses;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{Multipart, Request};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::open_responses as uc;
use lyceum_core::blocks::open_response::is_image;
use lyceum_core::{BlockId, DomainError, UserId};
use lyceum_store::repo::open_responses::AttachmentRow;
use tokio::io::AsyncWriteExt;

/// Largest request body of an upload: the largest file an author may allow, the text
/// sent along and the form around them (each upload is also capped by its block's rules).
pub const UPLOAD_BODY_LIMIT: usize = 260 * 1024 * 1024;

/// Short fields of the upload form (the response text is the longest).
const MAX_TEXT_FIELD_BYTES: usize = ors::MAX_RESPONSE_CHARS * 4 + 1024;

/// What an upload form carried: the text typed so far (pages send it along), the alt
/// text, and the file in a temporary file with its size.
#[derive(Default)]
pub struct Received {
    pub text: Option<String>,
    pub alt: String,
    pub file: Option<(String, tempfile::NamedTempFile, u64)>,
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::invalid(DomainError::new("lyceum-or-upload-too-large"))
    } else {
        AppError::bad_request("lyceum-error-bad-form")
    }
}

fn storage(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "open response: cannot store an uploaded file");
    AppError::internal(e)
}

async fn small_text(field: &mut Field<'_>, cap: usize) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > cap {
            return Err(AppError::bad_request("lyceum-error-bad-form"));
        }
    }
    String::from_utf8(bytes).map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

/// Read an upload form (`text`, `alt`, `file`) into `got`, streaming the file to disk.
/// What was read before an error stays in `got` (a page shows the typed text again).
pub async fn receive(
    cx: &Cx,
    a: &Assignment,
    mut form: Multipart,
    got: &mut Received,
) -> AppResult<()> {
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("text") => got.text = Some(small_text(&mut field, MAX_TEXT_FIELD_BYTES).await?),
            Some("alt") => got.alt = small_text(&mut field, 4096).await?,
            Some("file") if got.file.is_none() => {
                // No name means no file chosen; any other name is made safe (path, controls
                // and bidi overrides gone, at most 255 bytes with its extension kept).
                let Some(name) = field
                    .file_name()
                    .filter(|n| !n.trim().is_empty())
                    .map(lyceum_core::limits::file_name)
                else {
                    continue;
                };
                // The declared name first: nothing is kept of a refused file.
                check_file(a, &name, 0)?;
                let tmp = tempfile::Builder::new()
                    .prefix("or-upload-")
                    .tempfile_in(cx.app.media().temp_dir())
                    .map_err(storage)?;
                let mut out = tokio::fs::File::from_std(tmp.reopen().map_err(storage)?);
                let mut size = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    size = size.saturating_add(chunk.len() as u64);
                    // Past the limit, reading stops; the temporary file goes with `tmp`.
                    check_file(a, &name, size)?;
                    out.write_all(&chunk).await.map_err(storage)?;
                }
                out.flush().await.map_err(storage)?;
                if size > 0 {
                    got.file = Some((name, tmp, size));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Attach the received file to the learner's draft and put it in the media store.
pub async fn store(
    cx: &Cx,
    a: &Assignment,
    user: UserId,
    got: &Received,
) -> AppResult<AttachmentRow> {
    let Some((name, tmp, size)) = &got.file else {
        return Err(AppError::invalid(DomainError::new("lyceum-or-choose-file")));
    };
    check_file(a, name, *size)?;
    // Checked before a byte reaches the media store.
    lyceum_core::limits::clean(&got.alt, lyceum_core::limits::ALT_TEXT)
        .map_err(AppError::invalid)?;
    if is_image(name) && got.alt.trim().is_empty() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-or-alt-required",
        )));
    }
    let media = cx.app.media().clone();
    let path = tmp.path().to_owned();
    // Staged, not stored: the file joins the media store only once its row is committed.
    let (mut staged, sha, stored) = tokio::task::spawn_blocking(move || {
        let mut staged = media.stage()?;
        let (sha, stored) =
            staged.put_reader(std::io::BufReader::new(std::fs::File::open(path)?))?;
        std::io::Result::Ok((staged, sha, stored))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(storage)?;
    // If the request is cancelled while the row is written, the sweep decides.
    let added = uc::add_attachment(
        &cx.app.env(),
        &a.app(),
        user,
        &Upload {
            file_name: name,
            alt: &got.alt,
            content_type: lyceum_core::media::content_type_for(name),
            size: stored,
            sha256: &sha,
        },
        Some(&mut staged),
    )
    .await
    .map_err(AppError::from);
    match &added {
        Ok(_) => {
            if let Err(e) = tokio::task::spawn_blocking(move || staged.publish())
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
            {
                tracing::error!(sha = %sha, error = %e, "cannot move an uploaded file into the media store; the media sweep will finish it");
            }
        }
        // Refused (a rule, a lock, a constraint): no row was written.
        Err(AppError::Invalid { .. }) => staged.discard(),
        // Whether the row was written is unknown: the sweep keeps the file if it was.
        Err(_) => drop(staged),
    }
    added
}

/// The file `id` if the caller may read it — its learner, a peer its response was given
/// to, the course team (`can` on the submission) — else 404.
pub async fn readable(cx: &Cx, id: i64) -> AppResult<AttachmentRow> {
    let user = cx.require_user()?.id();
    let (f, assigned_peer) = uc::attachment_access(&cx.app.env(), id, user).await?;
    // The caller's relation to the course, whether or not they may see the course itself:
    // `can` on the submission decides.
    let course =
        courses::load_as_of_block(&cx.app, BlockId(f.block_id), Some(user), cx.actor()).await?;
    uc::viewer_of(&cx.actor(), &course.facts, UserId(f.user_id), assigned_peer)?;
    Ok(f)
}

/// The author's file rules pass this file (by name and size): checked before a byte is
/// kept and again on the bytes received.
fn check_file(a: &Assignment, name: &str, size: u64) -> AppResult<()> {
    lyceum_core::open_response::rules::check_file(a.content(), name, size)
        .map(|_| ())
        .map_err(AppError::invalid)
}

/// Send a file as a download (never shown inline: learners' files are not trusted).
pub async fn serve(cx: &Cx, f: &AttachmentRow, req: Request) -> AppResult<Response> {
    let encoded: String = url::form_urlencoded::byte_serialize(f.file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let ascii: String = f
        .file_name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_') {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let what = format!("open-response file {}", f.id);
    crate::media_files::send(
        &cx.app,
        &crate::media_files::MediaFile {
            sha256: &f.sha256,
            content_type: &f.content_type,
            cache_control: "private, no-cache",
            disposition: Some(format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
            )),
            nosniff: true,
            what: &what,
        },
        req,
    )
    .await
}
