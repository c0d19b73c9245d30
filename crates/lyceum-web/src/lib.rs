//! Lyceum's web interface: the router, handlers, templates, static assets and JSON API.
//! Handlers stay thin: they gather facts, ask `lyceum_core::permissions::can`, call the
//! store and render a view.

mod accounts;
mod api;
mod assets;
mod charts;
mod config;
mod course_pages;
mod courses;
mod csv;
mod deadlines;
mod editors;
mod error;
mod format;
mod grades;
mod handlers;
mod ical;
mod kinds;
pub mod login_limits;
pub mod mailer;
mod media_files;
mod metrics;
/// Open responses outside a request: the demo's seeding and the hourly settling.
pub mod open_responses {
    pub use crate::kinds::open_response::assignment::{assess_as, settle_all, submit_as};
}
mod page;
mod routes;
mod security;
mod session;
mod state;
mod time_zones;
pub mod zipfile;

pub use accounts::create_local_user;
pub use config::{WebConfig, WikiSite, WikimediaLogin, WikisConfig};
pub use error::AppError;
pub use routes::{router, router_with};
pub use state::{App, AppParts};

/// Periodic work of a running site that needs the web's settings and code, each
/// minute: mail pending notices and the daily digests due; each hour (`settle`), settle open-response scores that
/// time made final (the peer-review fallback), so grades never wait for someone to open a
/// page. The sweeps (sessions, login limits, media) are `lyceum_app::jobs::sweep`.
pub async fn background_tick(app: &App, settle: bool) {
    match mailer::send_pending(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(mails = n, "notices mailed"),
        Err(e) => tracing::warn!(error = %e, "mailing notices failed"),
    }
    // The daily digests (issue 15): each is due a day after the last.
    match mailer::send_digests(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(mails = n, "digests mailed"),
        Err(e) => tracing::warn!(error = %e, "mailing digests failed"),
    }
    match lyceum_app::accounts::signup_enabled(&app.env()).await {
        Ok(open) => app.remember_signup_open(open),
        Err(e) => tracing::warn!(error = %e, "reading the sign-up setting failed"),
    }
    if settle && let Err(e) = open_responses::settle_all(app).await {
        tracing::warn!(error = %describe_error(&e), "settling open responses failed");
    }
}

/// How often the wiki tasks' background sync runs: gently, as a guest of the wikis.
pub const WIKI_SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// One run of the wiki tasks' background sync (`lyceum_app::wiki_tasks::sync`): enrolled
/// learners' new contributions read and their tasks re-checked. Run apart from the
/// minute's tick (a slow wiki must not hold up mail); a failure, or even a panic, is
/// logged and the next run comes as planned.
pub async fn wiki_sync_tick(app: &App) {
    let env = app.env();
    let wikis = app.wikis().clone();
    let run = tokio::spawn(async move { lyceum_app::wiki_tasks::sync(&env, &wikis).await });
    match run.await {
        Ok(Ok(r)) => tracing::info!(
            learners = r.learners,
            edits = r.edits,
            uploads = r.uploads,
            failures = r.failures,
            tasks_done = r.tasks_done,
            tasks_flagged = r.tasks_flagged,
            "wiki tasks synced"
        ),
        Ok(Err(e)) => tracing::warn!(error = %e, "syncing wiki tasks failed"),
        Err(e) => tracing::error!(error = %e, "syncing wiki tasks panicked"),
    }
}

pub fn message_files() -> &'static [(&'static str, &'static str)] {
    assets::MESSAGE_FILES
}

/// An error as an English sentence, for the command line.
pub fn describe_error(e: &AppError) -> String {
    use std::sync::OnceLock;
    static EN: OnceLock<Option<lyceum_i18n::Catalog>> = OnceLock::new();
    let catalog = EN
        .get_or_init(|| lyceum_i18n::Catalog::from_sources(MESSAGE_FILES_EN.iter().copied()).ok());
    let (key, args): (&str, Vec<String>) = match e {
        AppError::Invalid { error, .. } => (error.key.0, error.args.clone()),
        AppError::Internal(detail) => return format!("internal error: {detail}"),
        AppError::NotFound | AppError::Moved(_) => ("lyceum-error-not-found", vec![]),
        AppError::Forbidden(k) | AppError::Unavailable(k) => (k, vec![]),
        AppError::LoginRequired { .. } => ("lyceum-error-login-required", vec![]),
        AppError::RateLimited { .. } => ("lyceum-error-rate-limited-title", vec![]),
        AppError::ConductRequired => ("lyceum-conduct-required", vec![]),
    };
    let args: Vec<lyceum_i18n::Arg> = args.into_iter().map(lyceum_i18n::Arg::from).collect();
    catalog
        .as_ref()
        .map_or_else(|| key.to_owned(), |c| c.text("en", key, &args))
}

const MESSAGE_FILES_EN: [(&str, &str); 1] = [("en", include_str!("../../../i18n/en.json"))];
