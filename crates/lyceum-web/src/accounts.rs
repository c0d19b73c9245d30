//! Accounts: local ones (username + Argon2id password hash) and Wikimedia ones (keyed on
//! the central user id, username refreshed at every login).

use crate::error::{AppError, AppResult};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use lyceum_core::user::{username_key, validate_password, validate_username};
use lyceum_core::{DomainError, UserId};
use lyceum_store::repo::users;
use lyceum_store::{Store, StoreError};
use lyceum_wiki::oauth::Profile;
use std::sync::OnceLock;

/// Hash a password with Argon2id (default parameters: 19 MiB, 2 passes). Slow on
/// purpose, so it runs off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// Check a password. With no stored hash a dummy one is checked anyway, so a wrong
/// username takes as long as a wrong password and names cannot be probed by timing.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    Argon2::default()
                        .hash_password(b"dummy password")
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let ok = PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
    .unwrap_or(false)
}

/// Create a local account (used by `lyceum user add`, the demo and tests).
pub async fn create_local_user(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    admin: bool,
    now: i64,
) -> AppResult<UserId> {
    let name = validate_username(username).map_err(AppError::invalid)?;
    validate_password(password).map_err(AppError::invalid)?;
    let hash = hash_password(password.to_owned()).await?;
    let mut tx = store.begin().await?;
    let id = match users::create_user(
        &mut tx,
        &name,
        &username_key(&name),
        display_name,
        admin,
        now,
    )
    .await
    {
        Err(StoreError::Conflict) => {
            return Err(AppError::invalid(
                DomainError::new("lyceum-error-username-taken").with_arg(name),
            ));
        }
        other => other?,
    };
    users::set_password_hash(&mut tx, id, &hash, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Find or create the account of a Wikimedia user, all in one transaction: a failure
/// leaves nothing half-written. A returning user keeps their account even after a
/// global rename; their username here follows the wiki's.
pub async fn login_wikimedia(store: &Store, profile: &Profile, now: i64) -> AppResult<UserId> {
    let name = validate_username(&profile.username).map_err(AppError::invalid)?;
    let registered = profile.registered.map(|t| t.as_millisecond());
    let mut tx = store.begin().await?;
    let user = match users::find_wikimedia_account(&mut tx, profile.central_id).await? {
        Some(account) => {
            let user = UserId(account.user_id);
            users::refresh_wikimedia_account(&mut tx, profile.central_id, &name, registered, now)
                .await?;
            if account.username != name {
                // Renamed on the wikis. If a local account holds the new name, keep the old one here.
                let taken = users::find_user_by_key(&mut tx, &username_key(&name))
                    .await?
                    .is_some_and(|u| u.id() != user);
                if !taken {
                    users::rename_user(&mut tx, user, &name, &username_key(&name)).await?;
                }
            }
            user
        }
        None => {
            let handle = free_handle(&mut tx, &name).await?;
            let user = users::create_user(&mut tx, &handle, &username_key(&handle), "", false, now)
                .await?;
            users::insert_wikimedia_account(
                &mut tx,
                profile.central_id,
                user,
                &name,
                registered,
                now,
            )
            .await?;
            user
        }
    };
    users::touch_login(&mut tx, user, now).await?;
    tx.commit().await?;
    Ok(user)
}

/// The wiki username, or when a local account already has it, "Name (2)", "Name (3)"…
async fn free_handle(tx: &mut lyceum_store::Tx, name: &str) -> AppResult<String> {
    for n in 1..100 {
        let candidate = if n == 1 {
            name.to_owned()
        } else {
            format!("{name} ({n})")
        };
        if users::find_user_by_key(tx, &username_key(&candidate))
            .await?
            .is_none()
        {
            return Ok(candidate);
        }
    }
    Err(AppError::invalid(
        DomainError::new("lyceum-error-username-taken").with_arg(name),
    ))
}
