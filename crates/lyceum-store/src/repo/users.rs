//! Accounts: local (username + password hash) and Wikimedia (keyed on the central id).

use crate::db::{Db, Elem, ints, list_rows, q, q_built, row, texts};
use crate::{Result, StoreError};
use lyceum_core::UserId;

row! {
    pub struct UserRow {
        pub id: i64,
        pub username: String,
        pub display_name: String,
        pub email: Option<String>,
        pub is_admin: bool,
        pub language: Option<String>,
        pub time_zone: Option<String>,
        pub created_at: i64,
        pub last_login_at: Option<i64>,
        pub can_create_courses: bool,
        pub blocked_at: Option<i64>,
        pub deleted_at: Option<i64>,
        pub email_verified_at: Option<i64>,
        pub trust_source: Option<String>,
        pub conduct_accepted_at: Option<i64>,
        pub is_moderator: bool,
        pub suspended_until: Option<i64>,
    }
}

impl UserRow {
    pub fn id(&self) -> UserId {
        UserId(self.id)
    }

    /// Suspended by a moderator at `now`: no publishing or creating courses.
    pub fn suspended_at(&self, now: i64) -> bool {
        self.suspended_until.is_some_and(|t| t > now)
    }

    /// What to call the user: their display name, else their username.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, email, is_admin, language, time_zone, created_at, last_login_at, can_create_courses, blocked_at, deleted_at, email_verified_at, trust_source, conduct_accepted_at, is_moderator, suspended_until";

pub async fn create_user(
    db: &mut impl Db,
    username: &str,
    username_key: &str,
    display_name: &str,
    is_admin: bool,
    now: i64,
) -> Result<UserId> {
    let id: i64 = db
        .scalar(
            q("INSERT INTO users (username, username_key, display_name, is_admin, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(username)
                .bind(username_key)
                .bind(display_name)
                .bind(is_admin)
                .bind(now),
        )
        .await?;
    Ok(UserId(id))
}

pub async fn set_password_hash(db: &mut impl Db, user: UserId, hash: &str, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO local_credentials (user_id, password_hash, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(hash)
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn get_user(db: &mut impl Db, id: UserId) -> Result<Option<UserRow>> {
    db.optional(q_built(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id.0))
        .await
}

pub async fn find_user_by_key(db: &mut impl Db, username_key: &str) -> Result<Option<UserRow>> {
    db.optional(
        q_built(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username_key = $1"
        ))
        .bind(username_key),
    )
    .await
}

/// The local credentials of a username, if it has any.
pub async fn find_password_hash(
    db: &mut impl Db,
    username_key: &str,
) -> Result<Option<(UserId, String)>> {
    let row: Option<(i64, String)> =
        db.optional(q("SELECT u.id, l.password_hash FROM users u JOIN local_credentials l ON l.user_id = u.id WHERE u.username_key = $1").bind(username_key)).await?;
    Ok(row.map(|(id, h)| (UserId(id), h)))
}

pub async fn touch_login(db: &mut impl Db, user: UserId, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE users SET last_login_at = $2 WHERE id = $1")
            .bind(user.0)
            .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn set_admin(db: &mut impl Db, user: UserId, is_admin: bool) -> Result<()> {
    db.exec(
        q("UPDATE users SET is_admin = $2 WHERE id = $1")
            .bind(user.0)
            .bind(is_admin),
    )
    .await?;
    Ok(())
}

pub async fn update_preferences(
    db: &mut impl Db,
    user: UserId,
    display_name: &str,
    language: Option<&str>,
    time_zone: Option<&str>,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET display_name = $2, language = $3, time_zone = $4 WHERE id = $1")
            .bind(user.0)
            .bind(display_name)
            .bind(language)
            .bind(time_zone),
    )
    .await?;
    Ok(())
}

/// The address notices are mailed to; `None` removes it.
pub async fn set_email(db: &mut impl Db, user: UserId, email: Option<&str>) -> Result<()> {
    db.exec(
        q("UPDATE users SET email = $2 WHERE id = $1")
            .bind(user.0)
            .bind(email),
    )
    .await?;
    Ok(())
}

pub async fn set_language(db: &mut impl Db, user: UserId, language: &str) -> Result<()> {
    db.exec(
        q("UPDATE users SET language = $2 WHERE id = $1")
            .bind(user.0)
            .bind(language),
    )
    .await?;
    Ok(())
}

row! {
    pub struct WikimediaAccountRow {
        pub central_id: i64,
        pub user_id: i64,
        pub username: String,
        pub registered_at: Option<i64>,
    }
}

pub async fn find_wikimedia_account(
    db: &mut impl Db,
    central_id: i64,
) -> Result<Option<WikimediaAccountRow>> {
    db.optional(q("SELECT central_id, user_id, username, registered_at FROM wikimedia_accounts WHERE central_id = $1").bind(central_id)).await
}

pub async fn find_wikimedia_account_of_user(
    db: &mut impl Db,
    user: UserId,
) -> Result<Option<WikimediaAccountRow>> {
    db.optional(q("SELECT central_id, user_id, username, registered_at FROM wikimedia_accounts WHERE user_id = $1").bind(user.0)).await
}

pub async fn insert_wikimedia_account(
    db: &mut impl Db,
    central_id: i64,
    user: UserId,
    username: &str,
    registered_at: Option<i64>,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO wikimedia_accounts (central_id, user_id, username, registered_at, first_login_at, last_login_at) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(central_id)
            .bind(user.0)
            .bind(username)
            .bind(registered_at)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// Refresh what may change on the wiki side: global renames happen.
pub async fn refresh_wikimedia_account(
    db: &mut impl Db,
    central_id: i64,
    username: &str,
    registered_at: Option<i64>,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE wikimedia_accounts SET username = $2, registered_at = $3, last_login_at = $4 WHERE central_id = $1").bind(central_id).bind(username).bind(registered_at).bind(now),
    )
    .await?;
    Ok(())
}

/// Rename a user; `Conflict` when the new name is taken.
pub async fn rename_user(
    db: &mut impl Db,
    user: UserId,
    username: &str,
    username_key: &str,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET username = $2, username_key = $3 WHERE id = $1")
            .bind(user.0)
            .bind(username)
            .bind(username_key),
    )
    .await?;
    Ok(())
}

pub async fn count_users(db: &mut impl Db) -> Result<i64> {
    db.scalar(q("SELECT COUNT(*) FROM users")).await
}

/// Look up many users at once (for lists), in one statement.
pub async fn get_users(db: &mut impl Db, ids: &[UserId]) -> Result<Vec<UserRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN ({})",
            list_rows(db.backend(), "$1", Elem::Int)
        ))
        .bind(ints(ids.iter().map(|i| i.0))),
    )
    .await
}

pub fn is_conflict(e: &StoreError) -> bool {
    matches!(e, StoreError::Conflict)
}

/// Ids of the users with these username keys, as (key, id), in one statement.
pub async fn ids_by_keys(db: &mut impl Db, keys: &[String]) -> Result<Vec<(String, i64)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    db.all(
        q_built(format!(
            "SELECT username_key, id FROM users WHERE username_key IN ({})",
            list_rows(db.backend(), "$1", Elem::Text)
        ))
        .bind(texts(keys)),
    )
    .await
}
