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

/// The URL of a new, empty database of its own on the test PostgreSQL server (not a
/// schema): for tools that work on whole databases, such as `pg_dump` and `pg_restore`.
pub async fn postgres_database() -> Result<String> {
    let url = std::env::var(POSTGRES_URL_VAR)
        .unwrap_or_else(|_| panic!("{POSTGRES_URL_VAR} is not set: start PostgreSQL with scripts/test-postgres.sh (the README's test command does this)"));
    let name = format!("t_{}_{}", std::process::id(), next_id());
    let opts =
        PgConnectOptions::from_str(&url).map_err(|e| crate::StoreError::Database(e.to_string()))?;
    let admin = Store::open_postgres_with(opts, 1).await?;
    crate::db::pg_admin_exec(&admin, &format!("CREATE DATABASE {name}")).await?;
    admin.close().await;
    Ok(with_database(&url, &name))
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let host_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_end..].find('/') {
        Some(i) => &base[..host_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_gets_another_database() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://u@h:5/a", "b"),
            "postgres://u@h:5/b"
        );
        assert_eq!(
            with_database("postgres://u@h:5/a?sslmode=disable", "b"),
            "postgres://u@h:5/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "b"), "postgres://u@h/b");
    }
}
