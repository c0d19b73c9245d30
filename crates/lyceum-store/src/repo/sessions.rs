//! Server-side sessions. Only a hash of the session id is stored, so a copy of the
//! database does not let anyone take over a session.

use crate::Result;
use crate::db::{Db, run};
use crate::repo::users::UserRow;
use lyceum_core::UserId;

#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id_hash: String,
    pub data: String,
    pub expires_at: i64,
    pub user: Option<UserRow>,
}

#[derive(sqlx::FromRow)]
struct Joined {
    id_hash: String,
    data: String,
    expires_at: i64,
    user_id: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    is_admin: Option<bool>,
    language: Option<String>,
    time_zone: Option<String>,
    created_at: Option<i64>,
    last_login_at: Option<i64>,
}

pub async fn create(
    db: &mut impl Db,
    id_hash: &str,
    user: Option<UserId>,
    data: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    run!(db, |c| {
        sqlx::query("INSERT INTO sessions (id_hash, user_id, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id_hash)
        .bind(user.map(|u| u.0))
        .bind(data)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// The live session and its user, in one statement (it runs on every request).
pub async fn load(db: &mut impl Db, id_hash: &str, now: i64) -> Result<Option<SessionRow>> {
    let row: Option<Joined> = run!(db, |c| {
        sqlx::query_as::<_, Joined>(
        "SELECT s.id_hash, s.data, s.expires_at, u.id AS user_id, u.username, u.display_name, u.email, u.is_admin,
                u.language, u.time_zone, u.created_at, u.last_login_at
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.expires_at > $2"
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(c)
    .await
    })?;
    Ok(row.map(|j| {
        let user = match (j.user_id, j.username) {
            (Some(id), Some(username)) => Some(UserRow {
                id,
                username,
                display_name: j.display_name.unwrap_or_default(),
                email: j.email,
                is_admin: j.is_admin.unwrap_or(false),
                language: j.language,
                time_zone: j.time_zone,
                created_at: j.created_at.unwrap_or(0),
                last_login_at: j.last_login_at,
            }),
            _ => None,
        };
        SessionRow {
            id_hash: j.id_hash,
            data: j.data,
            expires_at: j.expires_at,
            user,
        }
    }))
}

pub async fn update_data(db: &mut impl Db, id_hash: &str, data: &str) -> Result<()> {
    run!(db, |c| sqlx::query(
        "UPDATE sessions SET data = $2 WHERE id_hash = $1"
    )
    .bind(id_hash)
    .bind(data)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn extend(db: &mut impl Db, id_hash: &str, expires_at: i64) -> Result<()> {
    run!(db, |c| sqlx::query(
        "UPDATE sessions SET expires_at = $2 WHERE id_hash = $1"
    )
    .bind(id_hash)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(db: &mut impl Db, id_hash: &str) -> Result<()> {
    run!(db, |c| sqlx::query(
        "DELETE FROM sessions WHERE id_hash = $1"
    )
    .bind(id_hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_expired(db: &mut impl Db, now: i64) -> Result<u64> {
    let r = run!(db, |c| sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1"
    )
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r)
}
