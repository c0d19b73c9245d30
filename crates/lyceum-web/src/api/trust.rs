//! Trusting an account over JSON (issue 13): `POST /api/v1/users/{username}/trust`, the
//! same use cases as the admin user page and an organisation's people page.

use super::json;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use lyceum_core::user::username_key;
use lyceum_store::repo::users;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new().route("/api/v1/users/{username}/trust", post(set_trust))
}

/// The trust API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(set_trust),
    tags((name = "admin", description = "Site and organisation administration"))
)]
pub struct TrustDoc;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustBody {
    /// `true`: trust the account at once (site admins, and admins of an organisation
    /// the person belongs to). `false`: revoke its trust (site admins only).
    pub trusted: bool,
    /// Why (required, at most 500 characters); kept in the audit log.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct TrustJson {
    pub username: String,
    pub trusted: bool,
}

/// Trust an account, or revoke its trust.
#[utoipa::path(post, path = "/api/v1/users/{username}/trust",
    params(("username" = String, Path)), request_body = TrustBody,
    responses((status = 200, body = TrustJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such person, or not theirs to trust"),
        (status = 422, description = "No reason, or one over 500 characters")),
    tag = "admin")]
pub async fn set_trust(
    cx: Cx,
    Path(username): Path<String>,
    b: Result<Json<TrustBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let Json(b) = b.map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let target = {
        let mut c = cx.app.store().conn().await?;
        users::find_user_by_key(&mut c, &username_key(&username))
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(AppError::NotFound)?
    };
    let env = cx.app.env();
    if b.trusted {
        lyceum_app::trust::grant(&env, &cx.actor(), target.id(), &b.reason).await?;
    } else {
        lyceum_app::trust::revoke(&env, &cx.actor(), target.id(), &b.reason).await?;
    }
    cx.app.sessions().forget_user(target.id());
    Ok(json(
        StatusCode::OK,
        TrustJson {
            username: target.username,
            trusted: b.trusted,
        },
    ))
}
