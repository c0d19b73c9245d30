//! The audit log: everything administrators and course teams do to people,
//! organisations and courses — who, what, to what, when and why. Rows are only added.

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::UserId;

#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    pub actor: Option<UserId>,
    /// What was done, a stable dotted name: `user.block`, `org.create`, `course.publish`,
    /// `course.team.add` … (the page shows it through a message `lyceum-audit-action-…`).
    pub action: &'a str,
    /// `user`, `org`, `course`, `site`.
    pub target_type: &'a str,
    /// The target's id or key, as text.
    pub target_id: &'a str,
    /// Why, as the person wrote it (required for blocking, optional elsewhere).
    pub reason: &'a str,
    /// What changed, as a JSON object (old and new values, a role, a title).
    pub details: serde_json::Value,
    pub now: i64,
}

pub async fn record(db: &mut impl Db, e: &NewEntry<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO audit_log (actor_id, action, target_type, target_id, reason, details, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(e.actor.map(|a| a.0))
        .bind(e.action)
        .bind(e.target_type)
        .bind(e.target_id)
        .bind(e.reason)
        .bind(e.details.to_string())
        .bind(e.now),
    )
    .await
}

row! {
    pub struct EntryRow {
        pub id: i64,
        pub actor_id: Option<i64>,
        pub actor_username: Option<String>,
        pub action: String,
        pub target_type: String,
        pub target_id: String,
        pub reason: String,
        pub details: String,
        pub created_at: i64,
    }
}

/// Filters for reading the log; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    pub actor: Option<UserId>,
    pub target_type: Option<&'a str>,
    pub target_id: Option<&'a str>,
    /// Entries older than this id (for paging backwards).
    pub before: Option<i64>,
}

/// The newest entries first, at most `limit`.
pub async fn list(db: &mut impl Db, f: &Filter<'_>, limit: i64) -> Result<Vec<EntryRow>> {
    db.all(
        q("SELECT a.id, a.actor_id, u.username AS actor_username, a.action, a.target_type, a.target_id,
                  a.reason, a.details, a.created_at
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
           WHERE ($1 IS NULL OR a.actor_id = $1) AND ($2 IS NULL OR a.target_type = $2)
             AND ($3 IS NULL OR a.target_id = $3) AND ($4 IS NULL OR a.id < $4)
           ORDER BY a.id DESC LIMIT $5")
        .bind(f.actor.map(|a| a.0))
        .bind(f.target_type)
        .bind(f.target_id)
        .bind(f.before)
        .bind(limit),
    )
    .await
}
