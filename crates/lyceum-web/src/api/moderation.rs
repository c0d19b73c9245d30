//! Reports and moderation over JSON: `POST /api/v1/reports`, `GET
//! /api/v1/moderation/queue`, `POST /api/v1/moderation/actions`. The same use cases as
//! the pages (`lyceum_app::moderation`).

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use lyceum_app::moderation::{self as uc, ModAction, QueueFilter, Target};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/reports", post(create_report))
        .route("/api/v1/moderation/queue", get(queue))
        .route("/api/v1/moderation/actions", post(act))
}

/// The moderation API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(create_report, queue, act),
    tags((name = "moderation", description = "Reports, the moderation queue and moderators' actions"))
)]
pub struct ModerationDoc;

/// What a report or an action is about.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetJson {
    /// `course`, `block` or `user`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A course key (`course-v1:ORG+CODE+RUN`), a numeric block id (as a string or a
    /// number) or a username.
    #[schema(value_type = String)]
    pub id: serde_json::Value,
}

impl TargetJson {
    fn target(&self) -> AppResult<Target> {
        let id = match &self.id {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(AppError::bad_request("lyceum-report-error-target-id")),
        };
        Ok(Target::parse(&self.kind, &id)?)
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    pub target: TargetJson,
    /// `spam`, `harassment`, `copyright`, `misinformation` or `other`.
    pub reason: String,
    /// What is wrong, in the reporter's words (up to 5,000 characters; may be empty).
    #[serde(default)]
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCreatedJson {
    /// The report's id.
    pub id: i64,
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

/// Report a course, a block or a person to the moderators. Anything the caller cannot
/// see is 404; one open report per person and target, and a few an hour.
#[utoipa::path(post, path = "/api/v1/reports", request_body = ReportBody,
    responses((status = 201, body = ReportCreatedJson),
        (status = 400, description = "Not JSON, unknown fields, an unknown target type or a block id that is not a number"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Reporting oneself"),
        (status = 404, description = "No such target, or one the caller cannot see"),
        (status = 409, description = "Already reported by the caller and still open, or too many reports this hour"),
        (status = 422, description = "Unknown reason, or text too long")),
    tag = "moderation")]
pub async fn create_report(
    cx: Cx,
    b: Result<Json<ReportBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let target = b.target.target()?;
    let id = uc::report(&cx.app.env(), &cx.actor(), &target, &b.reason, &b.text).await?;
    Ok(json(StatusCode::CREATED, ReportCreatedJson { id }))
}

#[derive(Serialize, ToSchema)]
pub struct QueueReportJson {
    pub id: i64,
    /// `report`, or `appeal` (against `action`).
    pub kind: String,
    /// The reporter's username (null for a deleted account).
    pub reporter: Option<String>,
    /// The report's reason; `appeal` for appeals.
    pub reason: String,
    pub text: String,
    /// `open`, `resolved` or `dismissed`.
    pub status: String,
    /// What closed it: the action and its reason.
    pub resolution: String,
    pub resolved_by: Option<String>,
    /// RFC 3339, UTC.
    pub resolved_at: Option<String>,
    pub created_at: Option<String>,
    /// The moderation action an appeal is about.
    pub action: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemJson {
    pub target: TargetOutJson,
    /// The course's or block's title, the person's shown name.
    pub title: String,
    /// The course a block or course target belongs to.
    pub course: Option<String>,
    /// Where to look at it on the site.
    pub link: Option<String>,
    /// Reports (not appeals) in this list about the target.
    pub report_count: usize,
    pub hidden: bool,
    pub blocked: bool,
    pub suspended: bool,
    pub reports: Vec<QueueReportJson>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetOutJson {
    /// `course`, `block` or `user`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Course key, block id or username.
    pub id: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueueJson {
    /// Grouped by target, oldest report first (open), or most recently closed first.
    pub items: Vec<QueueItemJson>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `open` (default) or `closed`.
    pub status: Option<String>,
}

/// The moderation queue: everything for site moderators, the reports routed to their
/// organisations for organisation moderators and admins. 403 for anyone else.
#[utoipa::path(get, path = "/api/v1/moderation/queue", params(QueueParams),
    responses((status = 200, body = QueueJson),
        (status = 400, description = "Unknown status"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not a moderator")),
    tag = "moderation")]
pub async fn queue(cx: Cx, Query(p): Query<QueueParams>) -> AppResult<Response> {
    cx.require_user()?;
    let closed = match p.status.as_deref() {
        None | Some("open") => false,
        Some("closed") => true,
        Some(_) => return Err(AppError::bad_request("lyceum-mod-error-status")),
    };
    let items = uc::queue(&cx.app.env(), &cx.actor(), QueueFilter { closed }).await?;
    Ok(json(
        StatusCode::OK,
        QueueJson {
            items: items
                .into_iter()
                .map(|it| QueueItemJson {
                    report_count: it.reports.iter().filter(|r| r.kind == "report").count(),
                    target: TargetOutJson {
                        kind: it.target_type,
                        id: it.target_id,
                    },
                    title: it.title,
                    course: it.course_key,
                    link: it.link,
                    hidden: it.hidden,
                    blocked: it.blocked,
                    suspended: it.suspended,
                    reports: it
                        .reports
                        .into_iter()
                        .map(|r| QueueReportJson {
                            id: r.id,
                            kind: r.kind,
                            reporter: r.reporter,
                            reason: r.reason,
                            text: r.text,
                            status: r.status,
                            resolution: r.resolution,
                            resolved_by: r.resolved_by,
                            resolved_at: time(r.resolved_at),
                            created_at: time(Some(r.created_at)),
                            action: r.action,
                        })
                        .collect(),
                })
                .collect(),
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// The report or appeal acted on (it must be about `target` and open); closed with
    /// every other open report about the target.
    pub report: Option<i64>,
    pub target: TargetJson,
    /// `hide` or `unhide` (course, block), `warn` (anything: its authors or the person are
    /// told), `suspend` or `block` (user), `dismiss` (close the reports).
    pub action: String,
    /// Why (required, up to 2,000 characters): the person affected reads it.
    pub reason: String,
    /// `suspend` only: until when, RFC 3339 (in the future, at most 366 days ahead).
    pub until: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionDoneJson {
    /// The action's record (its notice and appeal page is `/appeals/new?action=ID`);
    /// null for dismissals.
    pub id: Option<i64>,
    /// How many open reports and appeals it closed.
    pub resolved: u64,
}

/// Act on a target as a moderator: one transaction with its audit row; the person
/// affected is notified with the reason and how to appeal.
#[utoipa::path(post, path = "/api/v1/moderation/actions", request_body = ActionBody,
    responses((status = 200, body = ActionDoneJson),
        (status = 400, description = "Not JSON, unknown fields, unknown action or target type, `until` not RFC 3339"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not a moderator of this target (or acting on oneself, an admin, a moderator, or one's own course)"),
        (status = 404, description = "No such target or report"),
        (status = 409, description = "Already hidden, not hidden, already blocked, or the report is closed"),
        (status = 422, description = "No reason, reason too long, an action that does not fit the target, a report about something else, `until` missing or out of range")),
    tag = "moderation")]
pub async fn act(cx: Cx, b: Result<Json<ActionBody>, JsonRejection>) -> AppResult<Response> {
    cx.require_user()?;
    let b = body(b)?;
    let target = b.target.target()?;
    let action = ModAction::parse(&b.action)
        .ok_or_else(|| AppError::bad_request("lyceum-mod-error-action"))?;
    let until = match b.until.as_deref() {
        Some(u) => Some(
            u.parse::<jiff::Timestamp>()
                .map_err(|_| AppError::bad_request("lyceum-mod-error-until-format"))?,
        ),
        None => None,
    };
    let out = uc::act(
        &cx.app.env(),
        &cx.actor(),
        &uc::Decision {
            report: b.report,
            target,
            action,
            reason: &b.reason,
            until,
        },
    )
    .await?;
    if let Some(u) = out.person {
        cx.app.sessions().forget_user(u);
    }
    Ok(json(
        StatusCode::OK,
        ActionDoneJson {
            id: out.action_id,
            resolved: out.resolved,
        },
    ))
}
