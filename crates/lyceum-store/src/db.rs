//! Pools, connections and transactions for either backend, and the `run!` macro that
//! expands one query body for both, counting queries so tests can assert that a page's
//! query count does not grow with course size.

use crate::Result;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database: a pool for one backend. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    queries: Arc<AtomicU64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a request waits for a free connection before the caller answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Open (creating if needed) a SQLite database file in WAL mode.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with NORMAL is durable against application crashes and only loses the
            // last transactions on power loss; FULL would cost an fsync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("cache_size", "-16000")
            .pragma("temp_store", "memory");
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = SqlitePoolOptions::new()
            .max_connections((threads * 4) as u32)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            queries: Arc::default(),
        })
    }

    pub async fn open_postgres(url: &str) -> Result<Store> {
        let opts = PgConnectOptions::from_str(url)?;
        Self::open_postgres_with(opts, 16).await
    }

    pub async fn open_postgres_with(opts: PgConnectOptions, max_connections: u32) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            queries: Arc::default(),
        })
    }

    /// `postgres://…` / `postgresql://…` or `sqlite://PATH` / a plain file path.
    pub async fn open(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url).await
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Self::open_sqlite(Path::new(path)).await
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATOR.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATOR.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn conn(&self) -> Result<Conn> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => ConnInner::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => ConnInner::Postgres(p.acquire().await?),
        };
        Ok(Conn {
            inner,
            queries: self.queries.clone(),
        })
    }

    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin().await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        self.queries.fetch_add(1, Ordering::Relaxed);
        Ok(Tx {
            inner,
            queries: self.queries.clone(),
        })
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> Result<()> {
        let mut c = self.conn().await?;
        let _: i64 = run!(&mut c, |x| sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
            .fetch_one(x)
            .await)?;
        Ok(())
    }

    /// Statements run so far through this store (all clones share the count).
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

enum ConnInner {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A pooled connection; each statement commits on its own.
pub struct Conn {
    inner: ConnInner,
    queries: Arc<AtomicU64>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A transaction: nothing is visible to others until `commit`; dropped = rolled back.
pub struct Tx {
    inner: TxInner,
    queries: Arc<AtomicU64>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A borrowed raw connection of either backend.
pub enum Raw<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// Anything repository functions can run statements on.
pub trait Db: Send {
    fn raw(&mut self) -> Raw<'_>;
    fn count_query(&self);
    fn backend(&self) -> Backend;
}

/// Many rows as one JSON array of arrays, in one result row. sqlx hands every SQLite row
/// from its worker thread to the caller through a channel, one wake-up each; a page that
/// needs a learner's thousand completions reads them as one row instead.
pub(crate) fn json_rows(backend: Backend, exprs: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_group_array(json_array({exprs}))"),
        Backend::Postgres => format!("COALESCE(json_agg(json_build_array({exprs}))::text, '[]')"),
    }
}

/// One column of many rows as a JSON array, in one result row (per group).
pub(crate) fn json_list(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_group_array({expr})"),
        Backend::Postgres => format!("COALESCE(json_agg({expr})::text, '[]')"),
    }
}

impl Db for Conn {
    fn backend(&self) -> Backend {
        match self.inner {
            ConnInner::Sqlite(_) => Backend::Sqlite,
            ConnInner::Postgres(_) => Backend::Postgres,
        }
    }

    fn raw(&mut self) -> Raw<'_> {
        match &mut self.inner {
            ConnInner::Sqlite(c) => Raw::Sqlite(c),
            ConnInner::Postgres(c) => Raw::Postgres(c),
        }
    }

    fn count_query(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }
}

impl Db for Tx {
    fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    fn raw(&mut self) -> Raw<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Raw::Sqlite(t),
            TxInner::Postgres(t) => Raw::Postgres(t),
        }
    }

    fn count_query(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }
}

/// Run one statement on whichever backend `$db` is: the body is expanded once per
/// backend, with `$c` bound to that backend's connection.
macro_rules! run {
    ($db:expr, |$c:ident| $body:expr) => {{
        $crate::db::Db::count_query(&*$db);
        match $crate::db::Db::raw(&mut *$db) {
            $crate::db::Raw::Sqlite($c) => $body,
            $crate::db::Raw::Postgres($c) => $body,
        }
    }};
}
pub(crate) use run;
