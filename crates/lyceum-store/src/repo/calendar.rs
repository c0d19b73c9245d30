//! Learners' private calendar feeds: the secret token in each feed's URL.

use crate::Result;
use crate::db::{Db, q, q_built};
use crate::repo::users::{USER_COLUMNS, UserRow};
use lyceum_core::UserId;

/// The user's feed token, if they made one.
pub async fn feed_token(db: &mut impl Db, user: UserId) -> Result<Option<String>> {
    Ok(db
        .optional::<(String,)>(
            q("SELECT token FROM calendar_feeds WHERE user_id = $1").bind(user.0),
        )
        .await?
        .map(|(t,)| t))
}

/// Give the user a new token; the old one (if any) stops working at once.
pub async fn set_feed_token(db: &mut impl Db, user: UserId, token: &str, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at")
        .bind(user.0)
        .bind(token)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The owner of a feed token.
pub async fn user_of_feed(db: &mut impl Db, token: &str) -> Result<Option<UserRow>> {
    let cols = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    db.optional(
        q_built(format!(
            "SELECT {cols} FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token = $1"
        ))
        .bind(token),
    )
    .await
}
