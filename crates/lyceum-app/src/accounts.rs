//! Accounts: local ones (username + Argon2id password hash). Wikimedia logins stay with
//! the web, which holds the OAuth exchange.

use crate::{Error, Result};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use lyceum_core::user::{username_key, validate_password, validate_username};
use lyceum_core::{DomainError, UserId};
use lyceum_store::repo::users;
use lyceum_store::{Store, StoreError};
use std::sync::OnceLock;

/// How long a failed login counts against the limits (the window of the login limiter).
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long an address an account logged in from stays exempt from the account-wide limit.
pub const LOGIN_TRUST_MS: i64 = 90 * 24 * 3600 * 1000;

/// A local account to create.
#[derive(Clone, Copy, Debug)]
pub struct NewLocalUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    /// A site administrator.
    pub admin: bool,
}

/// Hash a password with Argon2id (default parameters: 19 MiB, 2 passes). Slow on
/// purpose, so it runs off the async threads.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::internal)
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

/// Create a local account (`lyceum user add`, the demo, tests), in one transaction. Needs
/// only the store: it runs before anything else of a site exists. A taken name (in any
/// case) is `Invalid` (`lyceum-error-username-taken`).
pub async fn create_local_user(store: &Store, user: &NewLocalUser<'_>, now: i64) -> Result<UserId> {
    let name = validate_username(user.username).map_err(Error::invalid)?;
    validate_password(user.password).map_err(Error::invalid)?;
    let hash = hash_password(user.password.to_owned()).await?;
    let mut tx = store.begin().await?;
    let id = match users::create_user(
        &mut tx,
        &name,
        &username_key(&name),
        user.display_name,
        user.admin,
        now,
    )
    .await
    {
        Err(StoreError::Conflict) => {
            return Err(Error::invalid(
                DomainError::new("lyceum-error-username-taken").with_arg(name),
            ));
        }
        other => other?,
    };
    users::set_password_hash(&mut tx, id, &hash, now).await?;
    tx.commit().await?;
    Ok(id)
}
