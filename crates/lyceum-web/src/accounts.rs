//! Accounts: local ones (username + Argon2id password hash) and Wikimedia ones (keyed on
//! the central user id, username refreshed at every login).

use crate::error::{AppError, AppResult};
use lyceum_core::user::{username_key, validate_username};
use lyceum_core::{DomainError, UserId};
use lyceum_store::Store;
use lyceum_store::repo::users;
use lyceum_wiki::oauth::Profile;

pub use lyceum_app::accounts::verify_password;

/// Create a local account: [`lyceum_app::accounts::create_local_user`], for the web's
/// tests and callers that hold a web error.
pub async fn create_local_user(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    admin: bool,
    now: i64,
) -> AppResult<UserId> {
    let user = lyceum_app::accounts::NewLocalUser {
        username,
        display_name,
        password,
        admin,
    };
    Ok(lyceum_app::accounts::create_local_user(store, &user, now).await?)
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
