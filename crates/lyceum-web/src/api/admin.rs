//! Site administration over JSON: the audit log for administrators' tools.

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::handlers::admin::audit::{AuditQuery, entries, resolve};
use crate::page::Cx;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_core::permissions::{Action, Decision, Resource, can};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AuditEntryJson {
    pub id: i64,
    /// The acting user's username; null for the system or a deleted account.
    pub actor: Option<String>,
    pub actor_id: Option<i64>,
    /// A stable dotted name: `user.block`, `org.create`, `org.member.add`, `site.setting`…
    pub action: String,
    /// `user`, `org`, `course` or `site`.
    pub target_type: String,
    /// A user's id, an organisation's slug, a course key or a setting's key.
    pub target_id: String,
    /// Why, as the administrator wrote it (may be empty).
    pub reason: String,
    /// What changed (old and new values, a role…), as recorded.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// RFC 3339, UTC.
    pub created_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPageJson {
    /// Newest first.
    pub entries: Vec<AuditEntryJson>,
    /// Pass as `before` for the next (older) page; null on the last page.
    pub next_before: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries by this username.
    pub actor: Option<String>,
    /// Only entries about `user`, `org`, `course` or `site`.
    pub target_type: Option<String>,
    /// Only entries about this target: a username (with `target_type=user`), a slug, a
    /// course key or a setting's key.
    pub target: Option<String>,
    /// Only entries older than this id.
    pub before: Option<i64>,
    /// At most this many (1–200, default 50).
    pub limit: Option<i64>,
}

/// The audit log, newest first (site administrators only; 404 for everyone else).
#[utoipa::path(get, path = "/api/v1/admin/audit", params(AuditParams),
    responses((status = 200, body = AuditPageJson), (status = 401), (status = 404)),
    tag = "admin")]
pub async fn audit(cx: Cx, Query(p): Query<AuditParams>) -> AppResult<Response> {
    match can(&cx.actor(), Action::Administer, Resource::Site) {
        Decision::Allow => {}
        Decision::NeedLogin => {
            return Err(AppError::LoginRequired {
                return_to: cx.page.path.clone(),
            });
        }
        _ => return Err(AppError::NotFound),
    }
    let q = AuditQuery {
        actor: p.actor.unwrap_or_default(),
        target_type: p.target_type.unwrap_or_default(),
        target: p.target.unwrap_or_default(),
        before: p.before,
    };
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let mut c = cx.app.store().conn().await?;
    let (rows, next) = match resolve(&mut c, &q).await? {
        Some(r) => entries(&mut c, &r, q.before, limit).await?,
        None => (Vec::new(), None),
    };
    Ok(json(
        StatusCode::OK,
        AuditPageJson {
            entries: rows
                .into_iter()
                .map(|e| AuditEntryJson {
                    id: e.id,
                    actor: e.actor_username,
                    actor_id: e.actor_id,
                    action: e.action,
                    target_type: e.target_type,
                    target_id: e.target_id,
                    reason: e.reason,
                    details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
                    created_at: time(Some(e.created_at)),
                })
                .collect(),
            next_before: next,
        },
    ))
}
