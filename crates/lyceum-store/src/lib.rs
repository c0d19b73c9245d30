//! Persistence for Lyceum: one repository API, SQLite and PostgreSQL behind it.
//!
//! Repository functions take anything that yields a connection (`&mut impl Db`: a pooled
//! connection or a transaction the caller owns) and run the same SQL on both backends;
//! only a few statements differ per dialect. Rows are plain structs; turning them into
//! domain or view types is the caller's job.

mod db;
mod error;
pub mod media;
pub mod media_gc;
mod migrate;
pub mod repo;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{
    Backend, Conn, DEFAULT_PG_POOL, Db, FromRow, FromValue, Heard, Listener, PoolStats, Query, Row,
    Store, Tx, WriterStats, q, q_built,
};
pub use error::StoreError;
pub use media::{MediaStore, Staging};
pub use migrate::latest_version as latest_schema_version;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
