//! Store errors: the few cases callers handle (conflict, busy) and the rest.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. a username already taken).
    #[error("conflict with existing data")]
    Conflict,
    /// No connection became free in time, or the database is locked: answer 503.
    #[error("database busy")]
    Busy,
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
