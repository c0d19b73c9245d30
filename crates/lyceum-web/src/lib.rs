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
pub mod jobs;
mod kinds;
pub mod login_limits;
pub mod mailer;
mod media_files;
mod metrics;
/// Open responses outside a request: the demo's seeding and the hourly settling job.
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
pub use session::follow_changes as follow_session_changes;
pub use state::{App, AppParts};

/// This node's own periodic work, each minute: refresh what it caches of the site's
/// settings (whether sign-up is open). Work for the site as a whole is jobs (`jobs`).
pub async fn node_tick(app: &App) {
    match lyceum_app::accounts::signup_enabled(&app.env()).await {
        Ok(open) => app.remember_signup_open(open),
        Err(e) => tracing::warn!(error = %e, "reading the sign-up setting failed"),
    }
}

/// How often the wiki tasks' background sync runs: gently, as a guest of the wikis.
pub const WIKI_SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

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
