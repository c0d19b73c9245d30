//! `/admin/jobs`: the site's background work (`lyceum_app::jobs`) — jobs by kind and
//! state, the ones running (on which node, since when, which attempt), the ones waiting
//! for a retry and the ones that failed, with their errors; "retry now" on those.

use super::{NavLink, form_error, nav, render, render_status, require_admin};
use crate::error::AppResult;
use crate::format::number;
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::jobs::{self as app, JobRow, kind};
use lyceum_core::clock::from_millis;

/// The label of each kind of job; a kind missing here (a newer node's) shows its name.
const KINDS: &[(&str, &str)] = &[
    (kind::MAIL, "lyceum-jobs-kind-mail"),
    (kind::DIGESTS, "lyceum-jobs-kind-digests"),
    (kind::SETTLE, "lyceum-jobs-kind-settle"),
    (kind::SWEEP, "lyceum-jobs-kind-sweep"),
    (kind::MEDIA_SWEEP, "lyceum-jobs-kind-media-sweep"),
    (kind::WIKI_SYNC, "lyceum-jobs-kind-wiki-sync"),
];

fn kind_label(p: &Page, kind: &str) -> String {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or_else(|| kind.to_owned(), |(_, key)| p.text(key))
}

/// A kind's jobs by state, as numbers in the viewer's language.
pub struct CountLine {
    pub label: String,
    pub queued: String,
    pub running: String,
    pub done: String,
    pub failed: String,
}

pub struct JobLine {
    pub id: i64,
    pub label: String,
    pub node: String,
    pub started: Option<Timestamp>,
    /// When it runs next (waiting for a retry) or when it failed.
    pub at: Option<Timestamp>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub error: String,
    pub retry_url: String,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    error: Option<Html>,
    counts: Vec<CountLine>,
    running: Vec<JobLine>,
    retrying: Vec<JobLine>,
    failed: Vec<JobLine>,
}

fn line(p: &Page, j: JobRow, at: Option<i64>) -> JobLine {
    JobLine {
        label: kind_label(p, &j.kind),
        node: j.lease_owner.unwrap_or_default(),
        started: j.started_at.map(from_millis),
        at: at.map(from_millis),
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        error: j.last_error.unwrap_or_default(),
        retry_url: format!("/admin/jobs/{}/retry", j.id),
        id: j.id,
    }
}

async fn view(cx: &Cx, error: Option<Html>) -> AppResult<JobsView> {
    let o = app::overview(&cx.app.env(), &cx.actor()).await?;
    let p = &cx.page;
    Ok(JobsView {
        title: p.text("lyceum-jobs-title"),
        nav: nav("/admin/jobs"),
        error,
        counts: o
            .counts
            .into_iter()
            .map(|c| CountLine {
                label: kind_label(p, &c.kind),
                queued: number(p, c.queued as f64),
                running: number(p, c.running as f64),
                done: number(p, c.done as f64),
                failed: number(p, c.failed as f64),
            })
            .collect(),
        running: o.running.into_iter().map(|j| line(p, j, None)).collect(),
        retrying: o
            .retrying
            .into_iter()
            .map(|j| {
                let at = Some(j.run_after);
                line(p, j, at)
            })
            .collect(),
        failed: o
            .failed
            .into_iter()
            .map(|j| {
                let at = j.finished_at;
                line(p, j, at)
            })
            .collect(),
        p: p.clone(),
    })
}

pub async fn page(cx: Cx) -> AppResult<Response> {
    require_admin(&cx)?;
    render(&view(&cx, None).await?)
}

/// `POST /admin/jobs/{id}/retry`: run a failed job (or one waiting for a retry) now.
pub async fn retry(cx: Cx, Path(id): Path<i64>) -> AppResult<Response> {
    require_admin(&cx)?;
    match app::retry_now(&cx.app.env(), &cx.actor(), id).await {
        Ok(()) => Ok(see_other(&with_notice("/admin/jobs", "job-retried"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            let status = if status == StatusCode::OK {
                StatusCode::CONFLICT
            } else {
                status
            };
            render_status(status, &view(&cx, Some(message)).await?)
        }
    }
}
