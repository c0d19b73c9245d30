//! The code of conduct (issue 13): the site's text (site setting `conduct_text`,
//! Markdown; empty means the default text from the message files, which links to
//! Wikimedia's Universal Code of Conduct and Friendly Space Policy), each person's
//! acceptance (once, with the time and the version of the text they accepted), and the
//! one gate every path that publishes or posts calls: [`require`].

use crate::{Env, Error, ErrorKind, Result};
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::{DomainError, limits};
use lyceum_store::Db;
use lyceum_store::repo::{audit, settings as settings_repo, trust as repo};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Key: the site's code of conduct (Markdown).
pub const CONDUCT_TEXT: &str = "conduct_text";

/// The version of the default text (the message files' `lyceum-conduct-default`).
pub const DEFAULT_VERSION: &str = "default";

/// The site's own text, or `None` for the default.
pub async fn text(db: &mut impl Db) -> Result<Option<String>> {
    Ok(settings_repo::get(db, CONDUCT_TEXT)
        .await?
        .filter(|t| !t.trim().is_empty()))
}

/// The version of a text: the first 16 hex digits of its SHA-256, or
/// [`DEFAULT_VERSION`].
pub fn version(text: Option<&str>) -> String {
    match text {
        Some(t) => format!("{:x}", Sha256::digest(t.as_bytes()))[..16].to_owned(),
        None => DEFAULT_VERSION.to_owned(),
    }
}

/// The refusal of a person who has not accepted the code of conduct.
pub fn required() -> Error {
    Error::new(
        ErrorKind::ConductRequired,
        DomainError::new("lyceum-conduct-required"),
    )
}

/// Has the actor accepted the code of conduct? Refuses with `ConductRequired` if not
/// (the web sends the person to `/code-of-conduct?next=…`; the API answers 403).
/// Anonymous actors are refused by the permission check before this.
pub async fn require(db: &mut impl Db, actor: &Actor) -> Result<()> {
    let Some(user) = actor.user else {
        return Err(Error::forbidden("lyceum-error-login-required"));
    };
    match repo::conduct_acceptance(db, user).await? {
        Some(_) => Ok(()),
        None => Err(required()),
    }
}

/// Accept the code of conduct as it reads now. Once per person: a second acceptance
/// keeps the first one's time and version. Answers when it was accepted.
pub async fn accept(env: &Env, actor: &Actor) -> Result<i64> {
    let Some(user) = actor.user else {
        return Err(Error::forbidden("lyceum-error-login-required"));
    };
    let mut tx = env.store.begin().await?;
    if let Some((at, _)) = repo::conduct_acceptance(&mut tx, user).await? {
        return Ok(at);
    }
    let now = env.now_ms();
    let current = text(&mut tx).await?;
    repo::accept_conduct(&mut tx, user, &version(current.as_deref()), now).await?;
    tx.commit().await?;
    Ok(now)
}

/// When the actor accepted, if they did.
pub async fn accepted_at(env: &Env, actor: &Actor) -> Result<Option<i64>> {
    let Some(user) = actor.user else {
        return Ok(None);
    };
    let mut c = env.store.conn().await?;
    Ok(repo::conduct_acceptance(&mut c, user)
        .await?
        .map(|(at, _)| at))
}

/// Change the site's code of conduct (site admins; empty restores the default), with an
/// audit row (`site.setting`). People who accepted an earlier version are not asked
/// again; their acceptance keeps the version they read.
pub async fn set_text(env: &Env, actor: &Actor, markdown: &str, reason: &str) -> Result<()> {
    if !can(actor, Action::Administer, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let markdown = limits::clean(markdown, limits::CONDUCT_TEXT).map_err(Error::invalid)?;
    lyceum_core::sanitize::try_markdown_to_html(&markdown).map_err(Error::invalid)?;
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let old = text(&mut tx).await?;
    let new = Some(markdown.trim().to_owned()).filter(|t| !t.is_empty());
    if old == new {
        return Ok(());
    }
    settings_repo::set(&mut tx, CONDUCT_TEXT, new.as_deref().unwrap_or(""), now).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "site.setting",
            target_type: "site",
            target_id: CONDUCT_TEXT,
            reason: &reason,
            details: json!({
                "key": CONDUCT_TEXT,
                "old": version(old.as_deref()),
                "new": version(new.as_deref()),
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
