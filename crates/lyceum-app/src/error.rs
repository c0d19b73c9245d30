//! What a use case can answer besides success. Every error has a kind the caller maps to
//! its own vocabulary in one place (the web: to an HTTP status in `lyceum-web/src/error.rs`;
//! the CLI: to a message and exit code), and a message key with arguments, never internal
//! text, so it can be shown in the user's language.

use lyceum_core::DomainError;
use lyceum_store::StoreError;

/// Why a use case did not do what was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed request (a form field that cannot exist, an unknown action).
    Malformed,
    /// Well-formed but breaks a rule (missing required answers, a number out of range).
    Invalid,
    /// The state moved on: closed, already submitted, locked by someone else, stale.
    Conflict,
    /// Not there, or private and the actor may not know it exists (the same answer, so
    /// the two cannot be told apart).
    NotFound,
    /// Visible to the actor, but this action is not theirs to take (the message says why,
    /// e.g. "enrol first").
    Forbidden,
    /// A dependency is busy or down: try again soon.
    Unavailable,
    /// Too many creations in a short time (`trust::check_rate`): try again after
    /// `Error::retry_after_secs`.
    RateLimited,
    /// The person has not accepted the code of conduct yet (`conduct::require`): show
    /// it to them, then come back.
    ConductRequired,
    /// A bug or a broken invariant: logged, shown as a plain internal error.
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[error("{kind:?}: {error}")]
pub struct Error {
    pub kind: ErrorKind,
    /// The message key and its arguments (for `Internal`, a key plus the logged detail in
    /// `detail`).
    pub error: DomainError,
    /// For `Internal`: what went wrong, for the log only.
    pub detail: Option<String>,
    /// For `RateLimited`: seconds until the action is allowed again.
    pub retry_after_secs: Option<u64>,
}

impl Error {
    pub fn new(kind: ErrorKind, error: DomainError) -> Error {
        Error {
            kind,
            error,
            detail: None,
            retry_after_secs: None,
        }
    }

    pub fn invalid(error: DomainError) -> Error {
        Error::new(ErrorKind::Invalid, error)
    }

    pub fn malformed(key: &'static str) -> Error {
        Error::new(ErrorKind::Malformed, DomainError::new(key))
    }

    pub fn conflict(key: &'static str) -> Error {
        Error::new(ErrorKind::Conflict, DomainError::new(key))
    }

    pub fn not_found() -> Error {
        Error::new(
            ErrorKind::NotFound,
            DomainError::new("lyceum-error-not-found"),
        )
    }

    pub fn forbidden(key: &'static str) -> Error {
        Error::new(ErrorKind::Forbidden, DomainError::new(key))
    }

    /// `can()`'s decision as a result: not found stays not found (the actor may not know
    /// the thing exists); forbidden and "log in first" are refused with `forbidden_key`.
    pub fn decide(
        decision: lyceum_core::permissions::Decision,
        forbidden_key: &'static str,
    ) -> Result<(), Error> {
        use lyceum_core::permissions::Decision;
        match decision {
            Decision::Allow => Ok(()),
            Decision::NotFound => Err(Error::not_found()),
            Decision::Forbidden | Decision::NeedLogin => Err(Error::forbidden(forbidden_key)),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Error {
        Error {
            kind: ErrorKind::Internal,
            error: DomainError::new("lyceum-error-internal"),
            detail: Some(detail.to_string()),
            retry_after_secs: None,
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => Error::new(
                ErrorKind::Unavailable,
                DomainError::new("lyceum-error-busy"),
            ),
            StoreError::Conflict => Error::conflict("lyceum-error-conflict"),
            other => Error::internal(other),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
