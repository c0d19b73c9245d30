//! People, as site administrators manage them: block and unblock (with a reason, ending
//! the person's sessions at once), grant or remove site administration and course
//! creation. Each change is one transaction with its audit row (target: the user's id).
//! Callers that cache sessions forget the person's cached sessions afterwards.

use crate::{Env, Error, Result};
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::{DomainError, UserId};
use lyceum_store::Tx;
use lyceum_store::repo::users::UserRow;
use lyceum_store::repo::{admin, audit, users};
use serde_json::json;

fn require_site_admin(actor: &Actor) -> Result<()> {
    if can(actor, Action::Administer, Resource::Site).allowed() {
        Ok(())
    } else {
        Err(Error::not_found())
    }
}

/// A reason an administrator must give: cleaned, not empty, within the limit.
fn required_reason(reason: &str) -> Result<String> {
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    if reason.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-admin-error-reason-required",
        )));
    }
    Ok(reason)
}

/// The target inside the transaction; deleted accounts are gone for this purpose.
async fn target(tx: &mut Tx, user: UserId) -> Result<UserRow> {
    users::get_user(tx, user)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(Error::not_found)
}

async fn record(
    tx: &mut Tx,
    env: &Env,
    actor: &Actor,
    action: &str,
    user: &UserRow,
    reason: &str,
    details: serde_json::Value,
) -> Result<()> {
    let id = user.id.to_string();
    audit::record(
        tx,
        &audit::NewEntry {
            actor: actor.user,
            action,
            target_type: "user",
            target_id: &id,
            reason,
            details,
            now: env.now_ms(),
        },
    )
    .await?;
    Ok(())
}

/// Block a person: they cannot log in (told their account is blocked) and every session
/// they have ends now. Answers how many sessions ended. Administrators cannot block
/// themselves (so a site always keeps an administrator who can act).
pub async fn block(env: &Env, actor: &Actor, user: UserId, reason: &str) -> Result<u64> {
    require_site_admin(actor)?;
    let reason = required_reason(reason)?;
    if actor.user == Some(user) {
        return Err(Error::invalid(DomainError::new(
            "lyceum-admin-error-block-self",
        )));
    }
    let mut tx = env.store.begin().await?;
    let u = target(&mut tx, user).await?;
    if u.blocked_at.is_some() {
        return Err(Error::conflict("lyceum-admin-error-already-blocked"));
    }
    admin::set_blocked(&mut tx, user, Some((env.now_ms(), &reason))).await?;
    let ended = admin::delete_sessions_of(&mut tx, user).await?;
    record(
        &mut tx,
        env,
        actor,
        "user.block",
        &u,
        &reason,
        json!({ "username": u.username, "sessions_ended": ended }),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Unblock a person (they log in again as before).
pub async fn unblock(env: &Env, actor: &Actor, user: UserId, reason: &str) -> Result<()> {
    require_site_admin(actor)?;
    let reason = required_reason(reason)?;
    let mut tx = env.store.begin().await?;
    let u = target(&mut tx, user).await?;
    if u.blocked_at.is_none() {
        return Err(Error::conflict("lyceum-admin-error-not-blocked"));
    }
    admin::set_blocked(&mut tx, user, None).await?;
    record(
        &mut tx,
        env,
        actor,
        "user.unblock",
        &u,
        &reason,
        json!({ "username": u.username }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Grant or remove site administration. Removing it from the last administrator who
/// can act (oneself, necessarily) is refused: a site must keep one.
pub async fn set_site_admin(
    env: &Env,
    actor: &Actor,
    user: UserId,
    on: bool,
    reason: &str,
) -> Result<()> {
    require_site_admin(actor)?;
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let mut tx = env.store.begin().await?;
    let u = target(&mut tx, user).await?;
    if u.is_admin == on {
        return Ok(());
    }
    if !on && u.blocked_at.is_none() && admin::count_active_admins(&mut tx).await? <= 1 {
        return Err(Error::conflict("lyceum-admin-error-last-admin"));
    }
    users::set_admin(&mut tx, user, on).await?;
    let action = if on {
        "user.admin.grant"
    } else {
        "user.admin.revoke"
    };
    record(
        &mut tx,
        env,
        actor,
        action,
        &u,
        &reason,
        json!({ "username": u.username }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Allow or stop a person creating courses in the organisations they belong to.
pub async fn set_course_creation(
    env: &Env,
    actor: &Actor,
    user: UserId,
    on: bool,
    reason: &str,
) -> Result<()> {
    require_site_admin(actor)?;
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let mut tx = env.store.begin().await?;
    let u = target(&mut tx, user).await?;
    if u.can_create_courses == on {
        return Ok(());
    }
    admin::set_course_creation(&mut tx, user, on).await?;
    let action = if on {
        "user.creator.grant"
    } else {
        "user.creator.revoke"
    };
    record(
        &mut tx,
        env,
        actor,
        action,
        &u,
        &reason,
        json!({ "username": u.username }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Is this account blocked? For the login pages, after the password (or the Wikimedia
/// login) is verified, so a blocked person is told why instead of "wrong password".
pub async fn is_blocked(env: &Env, user: UserId) -> Result<bool> {
    let mut c = env.store.conn().await?;
    Ok(users::get_user(&mut c, user)
        .await?
        .is_some_and(|u| u.blocked_at.is_some()))
}
