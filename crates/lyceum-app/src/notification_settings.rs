//! How a person wants to be told (issue 15): notices in the app only, by e-mail at once
//! (the default), or in one daily digest. The mailer (lyceum-web) honours it.

use crate::{Env, Error, Result};
use lyceum_core::DomainError;
use lyceum_core::permissions::Actor;
use lyceum_store::repo::notification_settings as repo;

/// The choices, as stored.
pub const CHOICES: [&str; 3] = ["app", "now", "daily"];

/// The actor's choice (`app`, `now`, `daily`).
pub async fn email(env: &Env, actor: &Actor) -> Result<String> {
    let user = actor
        .user
        .ok_or_else(|| Error::forbidden("lyceum-error-login-required"))?;
    let mut c = env.store.conn().await?;
    Ok(repo::email(&mut c, user).await?)
}

/// Set the actor's choice; anything but `app`, `now` and `daily` is refused.
pub async fn set_email(env: &Env, actor: &Actor, choice: &str) -> Result<()> {
    let user = actor
        .user
        .ok_or_else(|| Error::forbidden("lyceum-error-login-required"))?;
    if !CHOICES.contains(&choice) {
        return Err(Error::invalid(DomainError::new(
            "lyceum-notification-settings-error",
        )));
    }
    let mut c = env.store.conn().await?;
    repo::set_email(&mut c, user, choice, env.now_ms()).await?;
    Ok(())
}
