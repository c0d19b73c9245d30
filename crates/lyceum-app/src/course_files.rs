//! A course's files (its assets: images, videos, subtitles, documents linked as
//! `/static/NAME`), as its authors manage them in the Studio.

use crate::authoring;
use crate::{Env, Error, Result};
use lyceum_core::media::check_upload;
use lyceum_core::permissions::Actor;
use lyceum_store::repo::assets::{self, AssetRow};
use lyceum_store::repo::courses::CourseRow;

/// A course's files, by name, for those who may edit it.
pub async fn list(env: &Env, actor: &Actor, key: &str) -> Result<(CourseRow, Vec<AssetRow>)> {
    let draft = authoring::draft_by_key(env, actor, key).await?;
    let mut db = env.store.conn().await?;
    let files = assets::list(&mut db, draft.course.id()).await?;
    Ok((draft.course, files))
}

/// Add a file to a course (or replace the one of the same name). Its name, type and size
/// are checked, and subtitles parsed, before anything is stored; the file joins the media
/// store only with the row that refers to it, so a refusal leaves nothing behind.
pub async fn upload(
    env: &Env,
    actor: &Actor,
    key: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<String> {
    let draft = authoring::draft_by_key(env, actor, key).await?;
    let now = env.now_ms();
    let actor = &{
        let mut c = env.store.conn().await?;
        crate::trust::decide(
            &mut c,
            now,
            actor,
            lyceum_core::permissions::Action::Upload,
            lyceum_core::permissions::Resource::Course(&draft.facts),
            "lyceum-error-studio-forbidden",
            "lyceum-trust-error-upload",
        )
        .await?
    };
    let name = check_upload(file_name, bytes.len()).map_err(Error::invalid)?;
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".vtt") || lower.ends_with(".srt") {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Error::invalid(lyceum_core::DomainError::new(
                "lyceum-files-error-subtitles-utf8",
            ))
        })?;
        lyceum_core::subtitles::parse(text).map_err(Error::invalid)?;
    }
    let mut staged = env.media.stage().map_err(Error::internal)?;
    let (sha, size) = staged.put(bytes).map_err(Error::internal)?;
    let mut tx = env.store.begin().await?;
    crate::trust::check_rate(&mut tx, now, actor, crate::trust::Creation::Upload).await?;
    assets::put(
        &mut tx,
        draft.course.id(),
        &name,
        lyceum_core::media::content_type_for(&name),
        size as i64,
        &sha,
        now,
    )
    .await?;
    staged.committing(&mut tx).await?;
    tx.commit().await?;
    match tokio::task::spawn_blocking(move || staged.publish()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(course = %key, error = %e, "cannot move an upload into the media store; the media sweep will finish it")
        }
        Err(e) => tracing::error!(course = %key, error = %e, "moving an upload panicked"),
    }
    Ok(name)
}
