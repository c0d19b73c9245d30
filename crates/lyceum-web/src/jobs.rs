//! The background jobs that need the web's settings, messages and code — mail, digests,
//! settling open responses, the wiki sync — registered beside the sweeps of
//! `lyceum_app::jobs`, which runs them (one node each, whichever takes the job).

use crate::state::App;
use lyceum_app::jobs::{JobResult, Ran, Registry, Worker, kind};
use std::sync::Arc;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// Every kind of background work a site runs, with its period.
pub fn registry(app: &App) -> Registry {
    let mut r = Registry::with_sweeps();
    let a = app.clone();
    r.every(kind::MAIL, MINUTE, move |_| {
        let a = a.clone();
        async move { mail(&a).await }
    });
    let a = app.clone();
    r.every(kind::DIGESTS, MINUTE, move |_| {
        let a = a.clone();
        async move { digests(&a).await }
    });
    let a = app.clone();
    r.every(kind::SETTLE, HOUR, move |_| {
        let a = a.clone();
        async move { settle(&a).await }
    });
    let a = app.clone();
    r.every(kind::WIKI_SYNC, crate::WIKI_SYNC_EVERY, move |_| {
        let a = a.clone();
        async move { wiki_sync(&a).await }
    });
    r
}

/// A worker of this site's jobs, named `node` in leases.
pub fn worker(app: &App, node: impl Into<String>) -> Worker {
    Worker::new(app.env(), Arc::new(registry(app)), node)
}

/// Enqueue one job of `kind` and run every due job here, now (tests; an operator's
/// command): the outcome of each attempt.
pub async fn run_now(app: &App, kind: &str) -> Result<Vec<Ran>, String> {
    let env = app.env();
    lyceum_app::jobs::enqueue(&env, kind, &serde_json::json!({}), None)
        .await
        .map_err(|e| e.to_string())?;
    worker(app, "here").drain().await.map_err(|e| e.to_string())
}

/// Notices mailed to people who want them at once (`mailer::send_pending`).
async fn mail(app: &App) -> JobResult {
    let n = crate::mailer::send_pending(app).await?;
    if n > 0 {
        tracing::info!(mails = n, "notices mailed");
    }
    Ok(())
}

/// The daily digests due (issue 15): each is due a day after the last.
async fn digests(app: &App) -> JobResult {
    let n = crate::mailer::send_digests(app).await?;
    if n > 0 {
        tracing::info!(mails = n, "digests mailed");
    }
    Ok(())
}

/// Open-response scores that time made final (the peer-review fallback), so grades never
/// wait for someone to open a page.
async fn settle(app: &App) -> JobResult {
    let n = crate::open_responses::settle_all(app)
        .await
        .map_err(|e| crate::describe_error(&e))?;
    if n > 0 {
        tracing::info!(settled = n, "open responses settled");
    }
    Ok(())
}

/// Enrolled learners' new contributions read and their tasks re-checked
/// (`lyceum_app::wiki_tasks::sync`). A wiki that cannot be reached is counted in the
/// report's failures, not a failure of the job: the next run reads it again.
async fn wiki_sync(app: &App) -> JobResult {
    let r = lyceum_app::wiki_tasks::sync(&app.env(), app.wikis())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        learners = r.learners,
        edits = r.edits,
        uploads = r.uploads,
        failures = r.failures,
        tasks_done = r.tasks_done,
        tasks_flagged = r.tasks_flagged,
        "wiki tasks synced"
    );
    Ok(())
}
