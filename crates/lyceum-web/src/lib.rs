//! Lyceum's web interface: the router, handlers, templates, static assets and JSON API.
//! Handlers stay thin: they gather facts, ask `lyceum_core::permissions::can`, call the
//! store and render a view.

mod accounts;
mod api;
mod assets;
mod blocks;
mod config;
mod courses;
mod error;
mod format;
mod handlers;
mod page;
mod routes;
mod security;
mod session;
mod state;

pub use accounts::create_local_user;
pub use config::{WebConfig, WikimediaLogin};
pub use error::AppError;
pub use routes::router;
pub use state::{App, AppParts};

/// The interface message files (`i18n/*.json`), embedded at build time.
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
        AppError::NotFound => ("lyceum-error-not-found", vec![]),
        AppError::Forbidden(k) | AppError::Unavailable(k) => (k, vec![]),
        AppError::LoginRequired { .. } => ("lyceum-error-login-required", vec![]),
        AppError::RateLimited { .. } => ("lyceum-error-rate-limited-title", vec![]),
    };
    let args: Vec<lyceum_i18n::Arg> = args.into_iter().map(lyceum_i18n::Arg::from).collect();
    catalog
        .as_ref()
        .map_or_else(|| key.to_owned(), |c| c.text("en", key, &args))
}

const MESSAGE_FILES_EN: [(&str, &str); 1] = [("en", include_str!("../../../i18n/en.json"))];
