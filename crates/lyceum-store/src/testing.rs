//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL schema, per test —
//! no shared state between tests, so they run in parallel.

use crate::{Result, Store};
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

/// The environment variable naming the PostgreSQL server the tests use.
pub const POSTGRES_URL_VAR: &str = "LYCEUM_TEST_POSTGRES_URL";

pub struct TestDb {
    pub store: Store,
    /// For PostgreSQL: a URL that reaches this test's schema (for a child process).
    pub url: Option<String>,
    /// Keeps the SQLite file alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Result<TestDb> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_sqlite(&dir.path().join("test.sqlite")).await?;
    store.migrate().await?;
    Ok(TestDb {
        store,
        url: None,
        _dir: Some(dir),
    })
}

/// A store on a schema of its own in the test PostgreSQL server. Panics with a clear
/// message when the server is not configured: the suite runs on both backends, always.
pub async fn postgres() -> Result<TestDb> {
    let url = std::env::var(POSTGRES_URL_VAR)
        .unwrap_or_else(|_| panic!("{POSTGRES_URL_VAR} is not set: start PostgreSQL with scripts/test-postgres.sh (the README's test command does this)"));
    let schema = format!("t_{}_{}", std::process::id(), next_id());
    let options = |url: &str| {
        PgConnectOptions::from_str(url).map_err(|e| crate::StoreError::Database(e.to_string()))
    };
    let admin = Store::open_postgres_with(options(&url)?, 1).await?;
    crate::db::pg_admin_exec(&admin, &format!("CREATE SCHEMA {schema}")).await?;
    admin.close().await;
    let opts = options(&url)?.options([("search_path", schema.as_str())]);
    let store = Store::open_postgres_with(opts, 4).await?;
    store.migrate().await?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    Ok(TestDb {
        store,
        url: Some(url),
        _dir: None,
    })
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    N.fetch_add(1, Ordering::Relaxed) * 1_000_000_000 + nanos
}
