//! One error type for every handler. It carries a stable message key, never internal
//! text; the `render` middleware turns it into a page (or JSON under `/api/`) in the
//! user's language.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyceum_core::DomainError;
use lyceum_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    Forbidden(&'static str),
    /// Log in first; `return_to` is where to come back.
    LoginRequired {
        return_to: String,
    },
    /// Input broke a rule: 400 for malformed requests, 422 for well-formed but invalid.
    Invalid {
        status: StatusCode,
        error: DomainError,
    },
    /// Too many attempts: `key` says which (its $1: the minutes to wait).
    RateLimited {
        retry_after_secs: u64,
        key: &'static str,
    },
    /// Accept the code of conduct first: pages redirect to `/code-of-conduct?next=…`
    /// (where the person was), the API answers 403 `lyceum-conduct-required`.
    ConductRequired,
    /// Database pool exhausted or a dependency down: try again soon.
    Unavailable(&'static str),
    /// Anything unexpected: logged with a request id, shown as a plain 500 page.
    Internal(String),
    /// The thing lives at another (local) address now: 301 there (a course moved out of
    /// a personal space keeps its old links).
    Moved(String),
}

impl AppError {
    pub fn invalid(error: DomainError) -> AppError {
        AppError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error,
        }
    }

    pub fn bad_request(key: &'static str) -> AppError {
        AppError::Invalid {
            status: StatusCode::BAD_REQUEST,
            error: DomainError::new(key),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }
}

/// The one place where a use case's error kind becomes an HTTP status.
impl From<lyceum_app::Error> for AppError {
    fn from(e: lyceum_app::Error) -> Self {
        use lyceum_app::ErrorKind as K;
        let status = match e.kind {
            K::Malformed => StatusCode::BAD_REQUEST,
            K::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            K::Conflict => StatusCode::CONFLICT,
            K::NotFound => return AppError::NotFound,
            // A refusal whose message has arguments (what a new account needs) keeps them.
            K::Forbidden if !e.error.args.is_empty() => StatusCode::FORBIDDEN,
            K::Forbidden => return AppError::Forbidden(e.error.key.0),
            K::Unavailable => return AppError::Unavailable(e.error.key.0),
            K::RateLimited => {
                return AppError::RateLimited {
                    retry_after_secs: e.retry_after_secs.unwrap_or(60),
                    key: e.error.key.0,
                };
            }
            K::ConductRequired => return AppError::ConductRequired,
            K::Internal => {
                return AppError::Internal(e.detail.unwrap_or_else(|| e.error.key.0.to_owned()));
            }
        };
        AppError::Invalid {
            status,
            error: e.error,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => AppError::Unavailable("lyceum-error-busy"),
            StoreError::Conflict => AppError::Invalid {
                status: StatusCode::CONFLICT,
                error: DomainError::new("lyceum-error-conflict"),
            },
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// What the renderer needs, attached to the bare response.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub key: &'static str,
    pub args: Vec<String>,
    pub title_key: &'static str,
    pub internal: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, info) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                info("lyceum-error-not-found", "lyceum-error-not-found-title"),
            ),
            AppError::Forbidden(key) => (
                StatusCode::FORBIDDEN,
                info(key, "lyceum-error-forbidden-title"),
            ),
            AppError::LoginRequired { return_to } => {
                let mut r = StatusCode::UNAUTHORIZED.into_response();
                r.extensions_mut().insert(LoginRedirect(return_to));
                r.extensions_mut()
                    .insert(info("lyceum-error-login-required", "lyceum-login-title"));
                return r;
            }
            AppError::Invalid { status, error } => (
                status,
                ErrorInfo {
                    key: error.key.0,
                    args: error.args,
                    title_key: "lyceum-error-invalid-title",
                    internal: None,
                },
            ),
            AppError::RateLimited {
                retry_after_secs,
                key,
            } => {
                let mut r = StatusCode::TOO_MANY_REQUESTS.into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                let mins = retry_after_secs.div_ceil(60).to_string();
                r.extensions_mut().insert(ErrorInfo {
                    key,
                    args: vec![mins],
                    title_key: "lyceum-error-rate-limited-title",
                    internal: None,
                });
                return r;
            }
            AppError::ConductRequired => {
                let mut r = StatusCode::FORBIDDEN.into_response();
                r.extensions_mut().insert(ConductRedirect);
                r.extensions_mut().insert(info(
                    "lyceum-conduct-required",
                    "lyceum-error-forbidden-title",
                ));
                return r;
            }
            AppError::Moved(to) => {
                let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
                if let Ok(v) = HeaderValue::from_str(&to) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                return r;
            }
            AppError::Unavailable(key) => (
                StatusCode::SERVICE_UNAVAILABLE,
                info(key, "lyceum-error-unavailable-title"),
            ),
            AppError::Internal(detail) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorInfo {
                    internal: Some(detail),
                    ..info("lyceum-error-internal", "lyceum-error-internal-title")
                },
            ),
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(info);
        r
    }
}

fn info(key: &'static str, title_key: &'static str) -> ErrorInfo {
    ErrorInfo {
        key,
        args: Vec::new(),
        title_key,
        internal: None,
    }
}

/// Marks a 403 that a browser should see as a redirect to the code of conduct.
#[derive(Clone, Copy, Debug)]
pub struct ConductRedirect;

/// Marks a 401 that a browser should see as a redirect to the login page.
#[derive(Clone, Debug)]
pub struct LoginRedirect(pub String);

pub type AppResult<T> = Result<T, AppError>;
