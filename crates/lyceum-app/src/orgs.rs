//! Organisations: site administrators create them, rename them and decide whether their
//! courses need review; an organisation's admins describe it, give it a logo and manage
//! its people. Each change is one transaction with its audit row; every decision is
//! `can` on `Resource::Org` with the actor's role in that organisation.

use crate::{Env, Error, Result};
use lyceum_core::course::key::is_valid_key_part;
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Actor, Decision, OrgFacts, OrgRole, Resource, can};
use lyceum_core::user::username_key;
use lyceum_core::{DomainError, OrgId, UserId};
use lyceum_store::repo::orgs::{self as repo, OrgDetail};
use lyceum_store::repo::{audit, users};
use lyceum_store::{Db, StoreError};
use serde_json::json;

/// The largest logo accepted, in bytes.
pub const LOGO_MAX_BYTES: usize = 1024 * 1024;

/// What a site administrator types to create an organisation.
#[derive(Clone, Debug, Default)]
pub struct NewOrg<'a> {
    /// Its short code: the organisation part of its courses' keys.
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub website: &'a str,
}

/// What an organisation's edit form sends. `name` and `requires_review` are for site
/// administrators only: `None` keeps them.
#[derive(Clone, Debug, Default)]
pub struct OrgEdit<'a> {
    pub name: Option<&'a str>,
    pub requires_review: Option<bool>,
    pub description: &'a str,
    pub website: &'a str,
}

/// The organisation and what the actor may do with it.
#[derive(Clone, Debug)]
pub struct OrgView {
    pub org: OrgDetail,
    pub facts: OrgFacts,
}

impl OrgView {
    pub fn may(&self, actor: &Actor, action: Action) -> bool {
        can(actor, action, Resource::Org(&self.facts)).allowed()
    }
}

/// An organisation by slug, with the actor's role in it (one statement). Everyone may see
/// an organisation.
pub async fn find(db: &mut impl Db, actor: &Actor, slug: &str) -> Result<OrgView> {
    let (org, role) = repo::detail_by_slug(db, slug, actor.user)
        .await?
        .ok_or_else(Error::not_found)?;
    Ok(OrgView {
        org,
        facts: OrgFacts { role },
    })
}

/// Refuse unless `can` allows; an anonymous actor is asked to log in, which the web
/// turns into its login page through `Forbidden`'s key.
fn require(actor: &Actor, action: Action, facts: &OrgFacts) -> Result<()> {
    match can(actor, action, Resource::Org(facts)) {
        Decision::Allow => Ok(()),
        Decision::NeedLogin | Decision::NotFound => Err(Error::not_found()),
        Decision::Forbidden => Err(Error::forbidden("lyceum-org-error-forbidden")),
    }
}

fn require_site_admin(actor: &Actor) -> Result<()> {
    if can(actor, Action::Administer, Resource::Site).allowed() {
        Ok(())
    } else {
        Err(Error::not_found())
    }
}

/// A slug as typed: trimmed; a course key's part (letters, digits, `_ - . ~`, at most 64).
pub fn check_slug(slug: &str) -> Result<String, DomainError> {
    let slug = slug.trim();
    if is_valid_key_part(slug) {
        Ok(slug.to_owned())
    } else {
        Err(DomainError::new("lyceum-org-error-slug")
            .with_arg(slug.chars().take(70).collect::<String>()))
    }
}

fn check_name(name: &str) -> Result<String, DomainError> {
    let name = limits::clean(name, limits::ORG_NAME)?;
    if name.is_empty() {
        return Err(DomainError::new("lyceum-org-error-name-required"));
    }
    Ok(name)
}

fn check_description(text: &str) -> Result<String, DomainError> {
    Ok(limits::clean(text, limits::ORG_DESCRIPTION)?
        .trim()
        .to_owned())
}

/// A website: empty, or an `http(s)://` address without spaces.
fn check_website(text: &str) -> Result<Option<String>, DomainError> {
    let url = limits::clean(text, limits::URL)?;
    if url.is_empty() {
        return Ok(None);
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !url.contains(char::is_whitespace) => Ok(Some(url)),
        _ => Err(DomainError::new("lyceum-org-error-website")
            .with_arg(url.chars().take(70).collect::<String>())),
    }
}

/// Create an organisation (site administrators). A slug taken in any case is refused.
pub async fn create(env: &Env, actor: &Actor, new: &NewOrg<'_>) -> Result<OrgId> {
    require_site_admin(actor)?;
    let slug = check_slug(new.slug).map_err(Error::invalid)?;
    let name = check_name(new.name).map_err(Error::invalid)?;
    let description = check_description(new.description).map_err(Error::invalid)?;
    let website = check_website(new.website).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let id = match repo::create(&mut tx, &slug, &name, &description, website.as_deref(), now).await
    {
        Err(StoreError::Conflict) => {
            return Err(Error::invalid(
                DomainError::new("lyceum-org-error-slug-taken").with_arg(slug),
            ));
        }
        other => other?,
    };
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "org.create",
            target_type: "org",
            target_id: &slug,
            reason: "",
            details: json!({ "name": name, "website": website }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Change an organisation: its description and website (its admins and site admins),
/// its name and whether its courses need review (site admins). One audit row listing
/// what changed; nothing is written when nothing changed.
pub async fn update(env: &Env, actor: &Actor, slug: &str, edit: &OrgEdit<'_>) -> Result<()> {
    let mut tx = env.store.begin().await?;
    let view = find(&mut tx, actor, slug).await?;
    require(actor, Action::Edit, &view.facts)?;
    let old = &view.org;
    let administer = edit.name.is_some_and(|n| n.trim() != old.name)
        || edit
            .requires_review
            .is_some_and(|r| r != old.requires_review);
    if administer {
        require(actor, Action::Administer, &view.facts)?;
    }
    let name = match edit.name {
        Some(n) => check_name(n).map_err(Error::invalid)?,
        None => old.name.clone(),
    };
    let description = check_description(edit.description).map_err(Error::invalid)?;
    let website = check_website(edit.website).map_err(Error::invalid)?;
    let requires_review = edit.requires_review.unwrap_or(old.requires_review);
    let mut changed = serde_json::Map::new();
    if name != old.name {
        changed.insert("name".into(), json!({ "old": old.name, "new": name }));
    }
    if description != old.description {
        changed.insert(
            "description".into(),
            json!({ "old": old.description, "new": description }),
        );
    }
    if website != old.website {
        changed.insert(
            "website".into(),
            json!({ "old": old.website, "new": website }),
        );
    }
    if requires_review != old.requires_review {
        changed.insert(
            "requires_review".into(),
            json!({ "old": old.requires_review, "new": requires_review }),
        );
    }
    if changed.is_empty() {
        return Ok(());
    }
    let now = env.now_ms();
    repo::update_profile(&mut tx, old.id(), &name, &description, website.as_deref()).await?;
    if requires_review != old.requires_review {
        repo::set_requires_review(&mut tx, old.id(), requires_review).await?;
    }
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "org.update",
            target_type: "org",
            target_id: &old.slug,
            reason: "",
            details: serde_json::Value::Object(changed),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The type of an image from its first bytes: PNG, JPEG or WebP. SVG (and anything else)
/// is refused: an SVG is a document that can carry script, and a logo does not need one.
pub fn sniff_logo(bytes: &[u8]) -> Result<&'static str, DomainError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok("image/jpeg");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok("image/webp");
    }
    Err(DomainError::new("lyceum-org-error-logo-type"))
}

/// Check a logo's size and type before anything is stored.
pub fn check_logo(bytes: &[u8]) -> Result<&'static str, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::new("lyceum-org-error-logo-missing"));
    }
    if bytes.len() > LOGO_MAX_BYTES {
        return Err(DomainError::new("lyceum-org-error-logo-size")
            .with_arg((LOGO_MAX_BYTES / 1024).to_string()));
    }
    sniff_logo(bytes)
}

/// Give an organisation a logo (its admins and site admins). The file is checked first
/// (size, type sniffed from its bytes); it joins the media store only once the row that
/// refers to it is committed, and the previous logo's file goes if nothing else uses it.
pub async fn set_logo(env: &Env, actor: &Actor, slug: &str, bytes: &[u8]) -> Result<()> {
    let view = {
        let mut c = env.store.conn().await?;
        find(&mut c, actor, slug).await?
    };
    require(actor, Action::Edit, &view.facts)?;
    let now = env.now_ms();
    let actor = &{
        let mut c = env.store.conn().await?;
        crate::trust::decide(
            &mut c,
            now,
            actor,
            Action::Upload,
            Resource::Org(&view.facts),
            "lyceum-org-error-forbidden",
            "lyceum-trust-error-upload",
        )
        .await?
    };
    let content_type = check_logo(bytes).map_err(Error::invalid)?;
    let mut staged = env.media.stage().map_err(Error::internal)?;
    let (sha, size) = staged.put(bytes).map_err(Error::internal)?;
    let mut tx = env.store.begin().await?;
    crate::trust::check_rate(&mut tx, now, actor, crate::trust::Creation::Upload).await?;
    // Read again inside the transaction: the logo it replaces is the one it removes.
    let current = find(&mut tx, actor, slug).await?;
    repo::set_logo(&mut tx, current.org.id(), Some((&sha, content_type))).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "org.logo.set",
            target_type: "org",
            target_id: &current.org.slug,
            reason: "",
            details: json!({ "sha256": sha, "content_type": content_type, "bytes": size }),
            now,
        },
    )
    .await?;
    staged.committing(&mut tx).await?;
    tx.commit().await?;
    match tokio::task::spawn_blocking(move || staged.publish()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(org = %slug, error = %e, "cannot move a logo into the media store; the media sweep will finish it")
        }
        Err(e) => tracing::error!(org = %slug, error = %e, "moving a logo panicked"),
    }
    release_old(env, slug, current.org.logo_sha256.filter(|old| *old != sha)).await;
    Ok(())
}

/// Remove an organisation's logo (its admins and site admins).
pub async fn remove_logo(env: &Env, actor: &Actor, slug: &str) -> Result<()> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let view = find(&mut tx, actor, slug).await?;
    require(actor, Action::Edit, &view.facts)?;
    let Some(old) = view.org.logo_sha256.clone() else {
        return Ok(());
    };
    repo::set_logo(&mut tx, view.org.id(), None).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "org.logo.remove",
            target_type: "org",
            target_id: &view.org.slug,
            reason: "",
            details: json!({ "sha256": old }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    release_old(env, slug, Some(old)).await;
    Ok(())
}

async fn release_old(env: &Env, slug: &str, old: Option<String>) {
    if let Some(old) = old
        && let Err(e) = lyceum_store::media_gc::release(&env.store, &env.media, [old]).await
    {
        tracing::warn!(org = %slug, error = %e, "cannot remove a replaced logo; the media sweep will");
    }
}

/// A person of an organisation as its People list shows them.
pub use lyceum_store::repo::orgs::MemberRow as Member;

/// The organisation's people (its admins and site admins).
pub async fn members(env: &Env, actor: &Actor, slug: &str) -> Result<(OrgView, Vec<Member>)> {
    let mut c = env.store.conn().await?;
    let view = find(&mut c, actor, slug).await?;
    require(actor, Action::ManageTeam, &view.facts)?;
    let people = repo::members(&mut c, view.org.id()).await?;
    Ok((view, people))
}

async fn member_change(
    env: &Env,
    actor: &Actor,
    slug: &str,
    username: &str,
    change: Option<OrgRole>,
    adding: bool,
) -> Result<UserId> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let view = find(&mut tx, actor, slug).await?;
    require(actor, Action::ManageTeam, &view.facts)?;
    let name = username.trim();
    if name.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-org-error-username-required",
        )));
    }
    let user = users::find_user_by_key(&mut tx, &username_key(name))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| {
            Error::invalid(
                DomainError::new("lyceum-org-error-no-such-user")
                    .with_arg(name.chars().take(90).collect::<String>()),
            )
        })?;
    let org = view.org.id();
    let before = repo::member_role(&mut tx, org, user.id()).await?;
    let action = match (before, change) {
        (Some(_), Some(_)) if adding => {
            return Err(Error::invalid(
                DomainError::new("lyceum-org-error-already-member").with_arg(user.username.clone()),
            ));
        }
        (None, Some(_)) if !adding => return Err(Error::not_found()),
        (Some(old), Some(new)) if old == new => return Ok(user.id()),
        (_, Some(role)) => {
            repo::set_member(&mut tx, org, user.id(), role, now).await?;
            if before.is_some() {
                "org.member.role"
            } else {
                "org.member.add"
            }
        }
        (None, None) => return Err(Error::not_found()),
        (Some(_), None) => {
            repo::remove_member(&mut tx, org, user.id()).await?;
            "org.member.remove"
        }
    };
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action,
            target_type: "org",
            target_id: &view.org.slug,
            reason: "",
            details: json!({
                "user": user.username,
                "user_id": user.id,
                "old": before.map(OrgRole::as_str),
                "new": change.map(OrgRole::as_str),
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user.id())
}

/// Add a person by username with a role; someone already in it is refused (change
/// their role instead).
pub async fn add_member(
    env: &Env,
    actor: &Actor,
    slug: &str,
    username: &str,
    role: OrgRole,
) -> Result<UserId> {
    member_change(env, actor, slug, username, Some(role), true).await
}

/// Change a member's role.
pub async fn set_member_role(
    env: &Env,
    actor: &Actor,
    slug: &str,
    username: &str,
    role: OrgRole,
) -> Result<UserId> {
    member_change(env, actor, slug, username, Some(role), false).await
}

/// Remove a person from the organisation.
pub async fn remove_member(env: &Env, actor: &Actor, slug: &str, username: &str) -> Result<UserId> {
    member_change(env, actor, slug, username, None, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_sniffed_from_their_bytes() {
        assert_eq!(sniff_logo(b"\x89PNG\r\n\x1a\nrest").unwrap(), "image/png");
        assert_eq!(sniff_logo(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(), "image/jpeg");
        assert_eq!(sniff_logo(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), "image/webp");
        for bad in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"GIF89a",
            b"RIFF\0\0\0\0WAVE",
            b"",
        ] {
            assert!(sniff_logo(bad).is_err());
        }
        assert_eq!(
            check_logo(&vec![0xFF; LOGO_MAX_BYTES + 1])
                .unwrap_err()
                .key
                .0,
            "lyceum-org-error-logo-size"
        );
    }

    #[test]
    fn slugs_names_and_websites() {
        assert_eq!(check_slug(" WikiEdu ").unwrap(), "WikiEdu");
        for bad in ["", "a b", "a:b", "é", &"x".repeat(65)] {
            assert!(check_slug(bad).is_err(), "{bad:?}");
        }
        assert!(check_name("  ").is_err());
        assert!(check_name(&"n".repeat(101)).is_err());
        assert_eq!(check_website("").unwrap(), None);
        assert_eq!(
            check_website(" https://wikimedia.org ").unwrap().as_deref(),
            Some("https://wikimedia.org")
        );
        for bad in [
            "javascript:alert(1)",
            "wikimedia.org",
            "https://",
            "http://a b",
        ] {
            assert!(check_website(bad).is_err(), "{bad:?}");
        }
    }
}
