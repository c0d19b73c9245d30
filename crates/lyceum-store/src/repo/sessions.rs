//! Server-side sessions. Only a hash of the session id is stored, so a copy of the
//! database does not let anyone take over a session.

use crate::Result;
use crate::db::{Db, q, q_built};
use crate::repo::users::UserRow;
use lyceum_core::UserId;

#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id_hash: String,
    pub data: String,
    pub expires_at: i64,
    pub user: Option<UserRow>,
    /// The user's unread notifications (the header's count), read with the session.
    pub unread: i64,
    /// The user holds a trusted role (`trust::TRUSTED_ROLE_SQL`), read with the session.
    pub trusted_role: bool,
}

pub async fn create(
    db: &mut impl Db,
    id_hash: &str,
    user: Option<UserId>,
    data: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO sessions (id_hash, user_id, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id_hash)
            .bind(user.map(|u| u.0))
            .bind(data)
            .bind(now)
            .bind(expires_at),
    )
    .await?;
    Ok(())
}

/// The live session, its user and their unread notifications, in one statement (it runs
/// on every request).
pub async fn load(db: &mut impl Db, id_hash: &str, now: i64) -> Result<Option<SessionRow>> {
    let rows = db
        .rows(
            q_built(format!("SELECT s.id_hash, s.data, s.expires_at, u.id, u.username, u.display_name, u.email, u.is_admin,
                  u.language, u.time_zone, u.created_at, u.last_login_at,
                  u.can_create_courses, u.blocked_at, u.deleted_at, u.email_verified_at,
                  u.trust_source, u.conduct_accepted_at, u.is_moderator, u.suspended_until,
                  (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread,
                  CASE WHEN u.id IS NULL THEN FALSE ELSE {} END AS trusted_role
               FROM sessions s LEFT JOIN users u
                 ON u.id = s.user_id AND u.blocked_at IS NULL AND u.deleted_at IS NULL
               WHERE s.id_hash = $1 AND s.expires_at > $2", crate::repo::trust::TRUSTED_ROLE_SQL))
            .bind(id_hash)
            .bind(now),
        )
        .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let user = match r.get::<Option<i64>>("id")? {
        Some(_) => Some(crate::db::FromRow::from_row(r)?),
        None => None,
    };
    Ok(Some(SessionRow {
        id_hash: r.get("id_hash")?,
        data: r.get("data")?,
        expires_at: r.get("expires_at")?,
        unread: if user.is_some() { r.get("unread")? } else { 0 },
        trusted_role: user.is_some() && r.get::<bool>("trusted_role")?,
        user,
    }))
}

pub async fn update_data(db: &mut impl Db, id_hash: &str, data: &str) -> Result<()> {
    db.exec(
        q("UPDATE sessions SET data = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(data),
    )
    .await?;
    Ok(())
}

pub async fn extend(db: &mut impl Db, id_hash: &str, expires_at: i64) -> Result<()> {
    db.exec(
        q("UPDATE sessions SET expires_at = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(expires_at),
    )
    .await?;
    Ok(())
}

pub async fn delete(db: &mut impl Db, id_hash: &str) -> Result<()> {
    db.exec(q("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash))
        .await?;
    Ok(())
}

pub async fn delete_expired(db: &mut impl Db, now: i64) -> Result<u64> {
    db.exec(q("DELETE FROM sessions WHERE expires_at <= $1").bind(now))
        .await
}
