//! The database behind one small query API: `q(SQL).bind(…)` runs the same SQL on SQLite
//! and PostgreSQL (`$n` placeholders, `RETURNING`, `ON CONFLICT`) and hands back rows
//! read by column name. Every statement is counted, so tests can hold a page to a fixed
//! number of queries.
//!
//! SQLite runs in-process through rusqlite. Reads (outside transactions) go to a small
//! set of reader connections and run inline: in WAL mode readers never wait for writers,
//! and a point read takes microseconds, less than handing it to another thread would.
//! All writes and transactions go to one writer connection behind an async mutex, so
//! writers queue without blocking threads on SQLite's lock. PostgreSQL uses sqlx's pool,
//! and keeps connections between statements instead of testing them at each hand-over
//! (`PgPool`).

use crate::{Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Column, PgConnection, Postgres, Row as _, TypeInfo, ValueRef};
use std::borrow::Cow;
use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The type of a parameter; NULLs need one for PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Real,
    Text,
    Bool,
}

/// A parameter or column value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null(Ty),
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
}

/// Rust values that can be bound as parameters.
pub trait ToValue {
    fn to_value(self) -> Value;
    const TY: Ty;
}

macro_rules! to_value {
    ($($t:ty => $ty:ident, $conv:expr);* $(;)?) => {$(
        impl ToValue for $t {
            const TY: Ty = Ty::$ty;
            fn to_value(self) -> Value {
                let f: fn($t) -> Value = $conv;
                f(self)
            }
        }
    )*};
}

to_value! {
    i64 => Int, Value::Int;
    i32 => Int, |v| Value::Int(i64::from(v));
    u32 => Int, |v| Value::Int(i64::from(v));
    f64 => Real, Value::Real;
    bool => Bool, Value::Bool;
    String => Text, Value::Text;
    &str => Text, |v| Value::Text(v.to_owned());
    &String => Text, |v| Value::Text(v.clone());
}

impl<T: ToValue> ToValue for Option<T> {
    const TY: Ty = T::TY;
    fn to_value(self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null(T::TY),
        }
    }
}

/// One statement with its parameters.
#[derive(Clone, Debug)]
pub struct Query {
    sql: Cow<'static, str>,
    params: Vec<Value>,
}

/// A statement written in the code.
pub fn q(sql: &'static str) -> Query {
    Query {
        sql: Cow::Borrowed(sql),
        params: Vec::new(),
    }
}

/// A statement built at run time. Only ever from our own fragments and integers; values
/// always go in as parameters.
pub fn q_built(sql: String) -> Query {
    Query {
        sql: Cow::Owned(sql),
        params: Vec::new(),
    }
}

/// ` LIMIT n OFFSET m` for a page of a list, written into the statement (negative bounds
/// as 0). Bound as parameters, they cost PostgreSQL a plan on every run: after five runs
/// it keeps one generic plan only if that is estimated no dearer than the plans made for
/// the values, and a limit and an offset it cannot see are estimated as a tenth of the
/// rows each, so a page that walks an index in order looked dearer and was planned
/// again each time (as much planning as work for the catalog and a topic's threads). A
/// page is then a statement of its own in each connection's cache of prepared
/// statements; most views are of the first page.
pub fn page_bounds(limit: i64, offset: i64) -> String {
    format!(" LIMIT {} OFFSET {}", limit.max(0), offset.max(0))
}

impl Query {
    pub fn bind(mut self, v: impl ToValue) -> Self {
        self.params.push(v.to_value());
        self
    }

    fn is_read(&self) -> bool {
        let head = self.sql.trim_start().get(..6).unwrap_or("");
        head.eq_ignore_ascii_case("select")
    }
}

/// A result row; columns are read by name.
#[derive(Clone, Debug)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    pub fn get<T: FromValue>(&self, column: &str) -> Result<T> {
        let i = self
            .columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {column}")))?;
        self.at(i)
    }

    pub fn at<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self
            .values
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))?;
        T::from_value(v).map_err(|e| {
            StoreError::Corrupt(format!(
                "column {}: {e}",
                self.columns.get(i).map_or("?", |c| c.as_str())
            ))
        })
    }
}

/// Rust values a column can be read as.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> std::result::Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(i64::from(*b)),
            other => Err(format!("expected an integer, got {other:?}")),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            other => Err(format!("expected a number, got {other:?}")),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            other => Err(format!("expected a boolean, got {other:?}")),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, got {other:?}")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null(_) => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// Types built from a row.
pub trait FromRow: Sized {
    fn from_row(r: &Row) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(r: &Row) -> Result<Self> {
                Ok(($(r.at::<$t>($i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);

/// Declare a row struct read by column name: `row! { pub struct X { pub a: i64, … } }`.
macro_rules! row {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $(pub $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        $vis struct $name { $(pub $field: $ty),* }

        impl $crate::db::FromRow for $name {
            fn from_row(r: &$crate::db::Row) -> $crate::Result<Self> {
                Ok(Self { $($field: r.get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use row;

/// Anything repository functions can run statements on: a connection or a transaction.
pub trait Db: Send {
    fn backend(&self) -> Backend;
    fn rows(&mut self, q: Query) -> impl Future<Output = Result<Vec<Row>>> + Send;
    /// A statement that returns no rows; the number of rows it changed.
    fn exec(&mut self, q: Query) -> impl Future<Output = Result<u64>> + Send;

    fn all<T: FromRow + Send>(&mut self, q: Query) -> impl Future<Output = Result<Vec<T>>> + Send
    where
        Self: Sized,
    {
        async move { self.rows(q).await?.iter().map(T::from_row).collect() }
    }

    fn optional<T: FromRow + Send>(
        &mut self,
        q: Query,
    ) -> impl Future<Output = Result<Option<T>>> + Send
    where
        Self: Sized,
    {
        async move { self.rows(q).await?.first().map(T::from_row).transpose() }
    }

    fn one<T: FromRow + Send>(&mut self, q: Query) -> impl Future<Output = Result<T>> + Send
    where
        Self: Sized,
    {
        async move {
            self.optional(q)
                .await?
                .ok_or_else(|| StoreError::Corrupt("expected a row".into()))
        }
    }

    /// The first column of the first row.
    fn scalar<T: FromValue + Send>(&mut self, q: Query) -> impl Future<Output = Result<T>> + Send
    where
        Self: Sized,
    {
        async move {
            self.rows(q)
                .await?
                .first()
                .ok_or_else(|| StoreError::Corrupt("expected a row".into()))?
                .at(0)
        }
    }
}

// ---- SQLite ----

type SqliteConn = rusqlite::Connection;

struct SqlitePool {
    readers: Vec<Mutex<SqliteConn>>,
    writer: Arc<tokio::sync::Mutex<SqliteConn>>,
    /// How statements queue for the writer, for monitoring (`Store::pool_stats`).
    writer_queue: WriterQueue,
    /// Stopped when the pool is dropped.
    _checkpointer: Checkpointer,
}

/// The log length (pages) past which each commit asks the checkpointer for a round: a
/// megabyte. Small rounds keep each `fsync` short (a round every few seconds, of tens of
/// megabytes, stalled the disk under the writer in measurements; see PERFORMANCE.md).
const CHECKPOINT_PAGES: i32 = 256;

/// The log length (pages) at which the writer checkpoints by itself, only if the
/// checkpointer falls far behind (SQLite's own default is 1,000).
const WRITER_CHECKPOINT_PAGES: i32 = 20_000;

/// How long an idle checkpointer sleeps before looking again without being asked.
const CHECKPOINT_IDLE: Duration = Duration::from_secs(1);

/// Copies the write-ahead log back into the database file on a thread and connection of
/// its own, so that no request waits for it. Left to SQLite, the transaction whose commit
/// takes the log past 1,000 pages does the copy, with two `fsync`s, while holding the
/// single writer: under a stream of submissions every write queued behind it (the
/// submissions' p99). A passive checkpoint never blocks the writer or readers; what it
/// cannot copy yet (a reader still needs the old pages) it copies on a later round.
struct Checkpointer {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Start the checkpointer of the database at `path`, and have `writer`'s commits call
    /// it once the log is long enough.
    fn start(path: &Path, writer: &mut SqliteConn) -> Result<Checkpointer> {
        let conn = open_sqlite_conn(path)?;
        // It copies frames through a buffer of its own: no page cache to keep.
        conn.execute_batch("PRAGMA cache_size = -64")
            .map_err(sqlite_err)?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        // Held during each round, by the thread or by the writer: past its threshold the
        // writer waits for the round under way instead of finding the checkpoint busy,
        // so that the log restarts however busy the thread is.
        let round = Arc::new(Mutex::new(()));
        let in_round = round.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    let _round = in_round.lock().unwrap_or_else(|e| e.into_inner());
                    // With nothing new in the log this reads its header and returns.
                    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %e, "checkpointing SQLite's log failed");
                    }
                    drop(_round);
                    std::thread::park_timeout(CHECKPOINT_IDLE);
                }
            })
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let checkpointer = thread.thread().clone();
        // Replaces SQLite's automatic checkpoint on this connection.
        writer
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
                if pages >= WRITER_CHECKPOINT_PAGES {
                    let _round = round.lock().unwrap_or_else(|e| e.into_inner());
                    // Never an error: the hook runs once the transaction has committed, and
                    // its caller would take an error for a failed commit. Busy (another
                    // process checkpointing): the next commit tries again.
                    if let Err(e) = wal.checkpoint()
                        && e.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseBusy)
                    {
                        tracing::warn!(error = %e, "checkpointing SQLite's log failed");
                    }
                } else if pages >= CHECKPOINT_PAGES {
                    // A flag set when the thread is busy: no system call.
                    checkpointer.unpark();
                }
                Ok(())
            }))
            .map_err(sqlite_err)?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// Tasks waiting for SQLite's writer now, and how often and how long they waited in all:
/// the one place where SQLite's writes contend. Only a wait is counted, so an uncontended
/// write costs nothing more than before.
#[derive(Default)]
struct WriterQueue {
    waiting: AtomicU64,
    waits: AtomicU64,
    wait_micros: AtomicU64,
}

/// One task in the writer's queue; leaves it when dropped, whether it got the writer or
/// gave up (its request was cancelled).
struct InQueue<'a> {
    queue: &'a WriterQueue,
    since: std::time::Instant,
}

impl<'a> InQueue<'a> {
    fn join(queue: &'a WriterQueue) -> Self {
        queue.waiting.fetch_add(1, Ordering::Relaxed);
        queue.waits.fetch_add(1, Ordering::Relaxed);
        InQueue {
            queue,
            since: std::time::Instant::now(),
        }
    }
}

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        let waited = u64::try_from(self.since.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.queue.wait_micros.fetch_add(waited, Ordering::Relaxed);
        self.queue.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

fn open_sqlite_conn(path: &Path) -> Result<SqliteConn> {
    let c = SqliteConn::open(path).map_err(sqlite_err)?;
    // WAL with NORMAL is durable against application crashes and only loses the last
    // transactions on power loss; FULL would cost an fsync per commit. No memory map: a
    // connection that finds the log changed since its last read drops its cache, and with
    // a map it also unmaps and refaults it (a TLB shootdown each time), which took an
    // eighth of the CPU under a stream of submissions, and reads were no faster with it.
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0;",
    )
    .map_err(sqlite_err)?;
    c.busy_timeout(Duration::from_secs(5)).map_err(sqlite_err)?;
    // Plans must not depend on bound values: otherwise SQLite marks every cached statement
    // with a join as expired when its bindings are cleared, and re-parses it on each use.
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(sqlite_err)?;
    c.set_prepared_statement_cache_capacity(256);
    Ok(c)
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == ErrorCode::ConstraintViolation
                && matches!(f.extended_code, 2067 | 1555) =>
        {
            StoreError::Conflict
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Busy
        }
        _ => StoreError::Database(e.to_string()),
    }
}

/// SQLite reads `$1` as a *named* parameter, numbered by first appearance; `?1` is the
/// parameter with that number, which is what the SQL means.
fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// A statement's SQLite text and column names, worked out once per SQL text and thread.
#[derive(Clone)]
struct Prepared {
    sql: Arc<str>,
    columns: Option<Arc<[String]>>,
}

thread_local! {
    static PREPARED: std::cell::RefCell<std::collections::HashMap<Arc<str>, Prepared>> = std::cell::RefCell::new(std::collections::HashMap::new());
}

fn prepared(sql: &str) -> Prepared {
    PREPARED.with(|p| {
        let mut map = p.borrow_mut();
        if let Some(hit) = map.get(sql) {
            return hit.clone();
        }
        // A bound, should statements built at run time ever vary without one.
        if map.len() >= 1024 {
            map.clear();
        }
        let entry = Prepared {
            sql: Arc::from(sqlite_placeholders(sql)),
            columns: None,
        };
        map.insert(Arc::from(sql), entry.clone());
        entry
    })
}

fn remember_columns(sql: &str, columns: &Arc<[String]>) {
    PREPARED.with(|p| {
        if let Some(e) = p.borrow_mut().get_mut(sql) {
            e.columns = Some(columns.clone());
        }
    });
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null(_) => V::Null,
            Value::Int(i) => V::Integer(*i),
            Value::Real(f) => V::Real(*f),
            Value::Text(s) => V::Text(s.as_bytes()),
            Value::Bool(b) => V::Integer(i64::from(*b)),
        }))
    }
}

fn sqlite_rows(c: &SqliteConn, q: &Query) -> Result<Vec<Row>> {
    let p = prepared(&q.sql);
    let mut stmt = c.prepare_cached(&p.sql).map_err(sqlite_err)?;
    let columns: Arc<[String]> = match p.columns {
        Some(cols) => cols,
        None => {
            let cols: Arc<[String]> = stmt.column_names().map(str::to_owned).collect();
            remember_columns(&q.sql, &cols);
            cols
        }
    };
    let n = columns.len();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(q.params.iter()))
        .map_err(sqlite_err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sqlite_err)? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            use rusqlite::types::ValueRef as V;
            values.push(match r.get_ref(i).map_err(sqlite_err)? {
                V::Null => Value::Null(Ty::Text),
                V::Integer(v) => Value::Int(v),
                V::Real(v) => Value::Real(v),
                V::Text(t) | V::Blob(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            });
        }
        out.push(Row {
            columns: columns.clone(),
            values,
        });
    }
    Ok(out)
}

fn sqlite_exec(c: &SqliteConn, q: &Query) -> Result<u64> {
    let mut stmt = c
        .prepare_cached(&prepared(&q.sql).sql)
        .map_err(sqlite_err)?;
    Ok(stmt
        .execute(rusqlite::params_from_iter(q.params.iter()))
        .map_err(sqlite_err)? as u64)
}

impl SqlitePool {
    /// The writer connection, in turn (`tokio`'s mutex is first come, first served).
    async fn writer_in_turn(&self) -> tokio::sync::OwnedMutexGuard<SqliteConn> {
        if let Ok(free) = self.writer.clone().try_lock_owned() {
            return free;
        }
        let _queued = InQueue::join(&self.writer_queue);
        self.writer.clone().lock_owned().await
    }

    /// Run a read on a free reader connection, inline.
    fn read(&self, q: &Query) -> Result<Vec<Row>> {
        // Each thread starts at a reader of its own, so the runtime's worker threads do
        // not contend for one connection's mutex; others are tried when that one is busy.
        thread_local! {
            static SLOT: usize = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
        }
        static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);
        let n = self.readers.len();
        let start = SLOT.with(|s| *s);
        for k in 0..n {
            if let Ok(c) = self.readers[(start + k) % n].try_lock() {
                return sqlite_rows(&c, q);
            }
        }
        let c = self.readers[start % n]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        sqlite_rows(&c, q)
    }
}

// ---- PostgreSQL ----

fn pg_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut => StoreError::Busy,
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Database(e.to_string()),
    }
}

fn pg_query(q: &Query) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(q.sql.as_ref()));
    for v in &q.params {
        query = match v {
            Value::Int(i) => query.bind(*i),
            Value::Real(f) => query.bind(*f),
            Value::Text(s) => query.bind(s.as_str()),
            Value::Bool(b) => query.bind(*b),
            Value::Null(Ty::Int) => query.bind(None::<i64>),
            Value::Null(Ty::Real) => query.bind(None::<f64>),
            Value::Null(Ty::Text) => query.bind(None::<&str>),
            Value::Null(Ty::Bool) => query.bind(None::<bool>),
        };
    }
    query
}

fn pg_value(row: &sqlx::postgres::PgRow, i: usize) -> Result<Value> {
    let raw = row.try_get_raw(i).map_err(pg_err)?;
    let null = raw.is_null();
    let info = raw.type_info();
    let get = |r: sqlx::Result<Value>| r.map_err(pg_err);
    Ok(match info.name() {
        "INT8" if null => Value::Null(Ty::Int),
        "INT8" => get(row.try_get::<i64, _>(i).map(Value::Int))?,
        "INT4" if null => Value::Null(Ty::Int),
        "INT4" => get(row.try_get::<i32, _>(i).map(|v| Value::Int(i64::from(v))))?,
        "INT2" if null => Value::Null(Ty::Int),
        "INT2" => get(row.try_get::<i16, _>(i).map(|v| Value::Int(i64::from(v))))?,
        "FLOAT8" if null => Value::Null(Ty::Real),
        "FLOAT8" => get(row.try_get::<f64, _>(i).map(Value::Real))?,
        "FLOAT4" if null => Value::Null(Ty::Real),
        "FLOAT4" => get(row.try_get::<f32, _>(i).map(|v| Value::Real(f64::from(v))))?,
        "BOOL" if null => Value::Null(Ty::Bool),
        "BOOL" => get(row.try_get::<bool, _>(i).map(Value::Bool))?,
        _ if null => Value::Null(Ty::Text),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "UNKNOWN" => {
            get(row.try_get::<String, _>(i).map(Value::Text))?
        }
        other => {
            return Err(StoreError::Corrupt(format!(
                "unsupported column type {other}: cast it in SQL"
            )));
        }
    })
}

fn pg_rows(rows: Vec<sqlx::postgres::PgRow>) -> Result<Vec<Row>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let columns: Arc<[String]> = first
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    rows.iter()
        .map(|r| {
            Ok(Row {
                columns: columns.clone(),
                values: (0..columns.len())
                    .map(|i| pg_value(r, i))
                    .collect::<Result<_>>()?,
            })
        })
        .collect()
}

/// sqlx's pool, and the connections this process keeps between statements.
///
/// sqlx tests a pooled connection with a round trip when it hands it out, and again when
/// it is given back (in a task of its own): three round trips for a statement that needs
/// one, and on a unit page (three statements) more time than the statements. So a
/// connection taken from sqlx is kept here while unused (`spare`), given back to the
/// next user untested after a clean use, and tested only when it sat unused for a
/// while. One that failed, was abandoned mid-statement (a cancelled request) or inside a
/// transaction goes back to sqlx instead, which tests it and rolls it back or closes it.
/// The permits (one per connection) make waiting for a connection first come, first
/// served and bounded ([`ACQUIRE_TIMEOUT`]), and mean that whoever holds one finds a
/// spare connection or gets one from sqlx at once.
struct PgPool {
    pool: sqlx::PgPool,
    permits: Arc<tokio::sync::Semaphore>,
    /// Most recently used last; each with the time it was put back.
    spare: Mutex<Vec<(PoolConnection<Postgres>, Instant)>>,
}

/// A spare connection unused this long is tested (one round trip) before it is used.
const TEST_IF_IDLE: Duration = Duration::from_secs(1);
/// A spare connection unused this long goes back to sqlx, whose idle timeout closes it.
const RETURN_IF_IDLE: Duration = Duration::from_secs(60);

impl PgPool {
    fn spare(&self) -> std::sync::MutexGuard<'_, Vec<(PoolConnection<Postgres>, Instant)>> {
        self.spare.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A PostgreSQL connection held by one `Conn` or `Tx`; given back when dropped.
struct PgHeld {
    conn: Option<PoolConnection<Postgres>>,
    pool: Arc<PgPool>,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    /// A statement was sent and its answer not read (the request was cancelled).
    busy: bool,
    /// An error that may have left the connection unusable (anything but one the
    /// server reported for a statement).
    broken: bool,
    /// `BEGIN` sent, and neither `COMMIT` nor `ROLLBACK` since.
    in_tx: bool,
}

impl PgHeld {
    async fn take(pool: &Arc<PgPool>) -> Result<PgHeld> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, pool.permits.clone().acquire_owned())
            .await
            .map_err(|_| StoreError::Busy)?
            .map_err(|_| StoreError::Database("the pool is closed".into()))?;
        let conn = loop {
            let spare = pool.spare().pop();
            match spare {
                Some((c, at)) if at.elapsed() < TEST_IF_IDLE => break c,
                // Unused for a while: the server may have closed it meanwhile.
                Some((mut c, _)) => match sqlx::Connection::ping(&mut *c).await {
                    Ok(()) => break c,
                    Err(_) => c.close_on_drop(),
                },
                // With a permit, sqlx has a connection for us (or may open one).
                None => break pool.pool.acquire().await.map_err(pg_err)?,
            }
        };
        Ok(PgHeld {
            conn: Some(conn),
            pool: pool.clone(),
            permit: Some(permit),
            busy: false,
            broken: false,
            in_tx: false,
        })
    }

    fn conn(&mut self) -> Result<&mut PgConnection> {
        match &mut self.conn {
            Some(c) => Ok(&mut **c),
            None => Err(StoreError::Corrupt("connection already given back".into())),
        }
    }

    fn failed(&mut self, e: sqlx::Error) -> StoreError {
        if !matches!(e, sqlx::Error::Database(_)) {
            self.broken = true;
        }
        pg_err(e)
    }

    async fn rows(&mut self, q: &Query) -> Result<Vec<Row>> {
        self.busy = true;
        let r = pg_query(q).fetch_all(self.conn()?).await;
        self.busy = false;
        pg_rows(r.map_err(|e| self.failed(e))?)
    }

    async fn exec(&mut self, q: &Query) -> Result<u64> {
        self.busy = true;
        let r = pg_query(q).execute(self.conn()?).await;
        self.busy = false;
        Ok(r.map_err(|e| self.failed(e))?.rows_affected())
    }

    /// Statements in the simple protocol (no parameters), such as `BEGIN` or a migration.
    async fn batch(&mut self, sql: &str) -> Result<()> {
        self.busy = true;
        let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(self.conn()?)
            .await;
        self.busy = false;
        r.map(|_| ()).map_err(|e| self.failed(e))
    }
}

impl Drop for PgHeld {
    fn drop(&mut self) {
        let Some(mut c) = self.conn.take() else {
            return;
        };
        if self.in_tx {
            // Never hand on a connection inside a transaction: roll it back first (the
            // transaction was dropped, not committed), or close it.
            let permit = self.permit.take();
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(async move {
                        if sqlx::raw_sql("ROLLBACK").execute(&mut *c).await.is_err() {
                            c.close_on_drop();
                        }
                        drop(c);
                        drop(permit);
                    });
                }
                Err(_) => c.close_on_drop(),
            }
            return;
        }
        if self.busy || self.broken {
            // sqlx tests it (reading what a cancelled statement left) or closes it.
            return;
        }
        let mut spare = self.pool.spare();
        let stale = spare
            .first()
            .is_some_and(|(_, at)| at.elapsed() > RETURN_IF_IDLE);
        let old = stale.then(|| spare.remove(0));
        spare.push((c, Instant::now()));
        drop(spare);
        // Given back to sqlx (outside the lock: that spawns its test).
        drop(old);
    }
}

// ---- The store ----

#[derive(Clone)]
enum Pool {
    Sqlite(Arc<SqlitePool>),
    Postgres(Arc<PgPool>),
}

/// The database: connections to one backend. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    counts: Arc<Counts>,
}

/// Statements run through a store and all its clones, connections and transactions.
#[derive(Default)]
struct Counts {
    queries: AtomicU64,
    /// Transactions begun and statements other than reads.
    writes: AtomicU64,
}

impl Counts {
    fn statement(&self, q: &Query) {
        self.queries.fetch_add(1, Ordering::Relaxed);
        if !q.is_read() {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

/// A channel listened to ([`Store::listen`]). Notifications are `SCHEMA PAYLOAD`: only
/// those of this store's schema are heard (one database may hold several sites, or
/// the tests' stores).
pub struct Listener {
    l: sqlx::postgres::PgListener,
    schema: String,
}

/// What a [`Listener`] heard.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// A notification's payload.
    Message(String),
    /// The connection was lost and is back (listening again): notifications sent
    /// meanwhile are lost.
    Reconnected,
}

impl Listener {
    /// The next notification; `Heard::Reconnected` after a lost connection was made
    /// again; an error when it cannot be (call again to retry).
    pub async fn recv(&mut self) -> Result<Heard> {
        loop {
            let Some(n) = self.l.try_recv().await.map_err(pg_err)? else {
                return Ok(Heard::Reconnected);
            };
            if let Some((schema, payload)) = n.payload().split_once(' ')
                && schema == self.schema
            {
                return Ok(Heard::Message(payload.to_owned()));
            }
        }
    }
}

/// A snapshot of a store's connections (`Store::pool_stats`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolStats {
    pub backend: Backend,
    /// Connections open: PostgreSQL's pooled connections (idle ones included), or SQLite's
    /// reader connections (all opened at start).
    pub open: u32,
    /// Of those, the ones not running a statement or transaction now.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
    /// SQLite's single writer connection (`None` on PostgreSQL, whose writes share the pool).
    pub writer: Option<WriterStats>,
}

/// SQLite's writer: every transaction and write statement takes it in turn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WriterStats {
    /// Held now (by a transaction or a write statement).
    pub busy: bool,
    /// Tasks waiting for it now.
    pub waiting: u64,
    /// Times a task found it held and had to wait, since the store opened.
    pub waits: u64,
    /// Seconds spent waiting in all, since the store opened.
    pub wait_seconds: f64,
}

/// The connections each process keeps to PostgreSQL unless told otherwise. Fewer gave
/// submissions a better tail in some load tests and a worse one in others
/// (docs/PERFORMANCE.md); a small pool also lets a few slow statements hold every request up.
pub const DEFAULT_PG_POOL: u32 = 16;

/// How long a request waits for a PostgreSQL connection before the caller answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Open (creating if needed) a SQLite database file in WAL mode.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let path = path.to_path_buf();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = tokio::task::spawn_blocking(move || -> Result<SqlitePool> {
            // The writer first: it switches the file to WAL before readers open it.
            let mut writer = open_sqlite_conn(&path)?;
            let checkpointer = Checkpointer::start(&path, &mut writer)?;
            let readers = (0..threads * 2)
                .map(|_| open_sqlite_conn(&path).map(Mutex::new))
                .collect::<Result<_>>()?;
            Ok(SqlitePool {
                readers,
                writer: Arc::new(tokio::sync::Mutex::new(writer)),
                writer_queue: WriterQueue::default(),
                _checkpointer: checkpointer,
            })
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))??;
        Ok(Store {
            pool: Pool::Sqlite(Arc::new(pool)),
            counts: Arc::default(),
        })
    }

    pub async fn open_postgres(url: &str) -> Result<Store> {
        Self::open_postgres_pooled(url, DEFAULT_PG_POOL).await
    }

    /// `open_postgres` with a pool of `max_connections` (`lyceum serve --database-pool`).
    pub async fn open_postgres_pooled(url: &str, max_connections: u32) -> Result<Store> {
        let opts = PgConnectOptions::from_str(url).map_err(pg_err)?;
        Self::open_postgres_with(opts, max_connections).await
    }

    pub async fn open_postgres_with(opts: PgConnectOptions, max_connections: u32) -> Result<Store> {
        // Room for every statement a busy site runs (sqlx's default keeps 100 per
        // connection): an evicted statement is parsed and planned again on its next use.
        let opts = opts.statement_cache_capacity(256);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(opts)
            .await
            .map_err(pg_err)?;
        let permits = usize::try_from(max_connections).unwrap_or(usize::MAX);
        Ok(Store {
            pool: Pool::Postgres(Arc::new(PgPool {
                pool,
                permits: Arc::new(tokio::sync::Semaphore::new(permits)),
                spare: Mutex::new(Vec::new()),
            })),
            counts: Arc::default(),
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
        crate::migrate::run(self).await
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn conn(&self) -> Result<Conn> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => ConnInner::Sqlite(p.clone()),
            Pool::Postgres(p) => ConnInner::Postgres(PgHeld::take(p).await?),
        };
        Ok(Conn {
            inner,
            counts: self.counts.clone(),
        })
    }

    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => {
                let guard = p.writer_in_turn().await;
                // IMMEDIATE: take the write lock now, so a transaction never fails half-way
                // on a lock another process holds.
                guard.execute_batch("BEGIN IMMEDIATE").map_err(sqlite_err)?;
                TxInner::Sqlite(Some(guard))
            }
            Pool::Postgres(p) => {
                let mut held = PgHeld::take(p).await?;
                held.in_tx = true;
                held.batch("BEGIN").await?;
                TxInner::Postgres(held)
            }
        };
        self.counts.queries.fetch_add(1, Ordering::Relaxed);
        self.counts.writes.fetch_add(1, Ordering::Relaxed);
        Ok(Tx {
            inner,
            counts: self.counts.clone(),
        })
    }

    /// Statements run so far through this store (all clones share the count).
    pub fn query_count(&self) -> u64 {
        self.counts.queries.load(Ordering::Relaxed)
    }

    /// Transactions begun and statements other than reads run so far (all clones share the
    /// count): a page that only reads leaves it unchanged.
    pub fn write_count(&self) -> u64 {
        self.counts.writes.load(Ordering::Relaxed)
    }

    /// What the connections are doing now, for monitoring. Reads only counters and lock
    /// states: no statement, no waiting, so a scrape works while the database is busy.
    pub fn pool_stats(&self) -> PoolStats {
        match &self.pool {
            Pool::Sqlite(p) => {
                // A reader another thread holds is in use; one taken here is free, and
                // is let go at once (a read arriving meanwhile tries the next reader).
                let idle = p.readers.iter().filter(|r| r.try_lock().is_ok()).count();
                let readers = u32::try_from(p.readers.len()).unwrap_or(u32::MAX);
                let q = &p.writer_queue;
                PoolStats {
                    backend: Backend::Sqlite,
                    open: readers,
                    idle: u32::try_from(idle).unwrap_or(u32::MAX),
                    max: readers,
                    writer: Some(WriterStats {
                        busy: p.writer.try_lock().is_err(),
                        waiting: q.waiting.load(Ordering::Relaxed),
                        waits: q.waits.load(Ordering::Relaxed),
                        wait_seconds: q.wait_micros.load(Ordering::Relaxed) as f64 / 1e6,
                    }),
                }
            }
            Pool::Postgres(p) => PoolStats {
                backend: Backend::Postgres,
                open: p.pool.size(),
                // sqlx's idle connections, and the ones this store keeps between
                // statements (in use to sqlx, idle to us).
                idle: u32::try_from(p.pool.num_idle() + p.spare().len()).unwrap_or(u32::MAX),
                max: p.pool.options().get_max_connections(),
                writer: None,
            },
        }
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> Result<()> {
        let mut c = self.conn().await?;
        let _: i64 = c.scalar(q("SELECT CAST(1 AS BIGINT)")).await?;
        Ok(())
    }

    /// SQLite only: copy the database to a new file `dest` as one consistent snapshot,
    /// with SQLite's online backup API, while the site keeps serving (readers are not
    /// blocked; writers are not either, in WAL mode). The copy is a single self-contained
    /// file (rollback journal, not WAL). Returns the media hashes the copy refers to, read
    /// from the copy itself, so the caller knows exactly which files the snapshot needs.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<std::collections::BTreeSet<String>> {
        let Pool::Sqlite(p) = &self.pool else {
            return Err(StoreError::Database(
                "the online backup is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        };
        let (p, dest) = (p.clone(), dest.to_path_buf());
        tokio::task::spawn_blocking(move || -> Result<_> {
            let mut out = SqliteConn::open(&dest).map_err(sqlite_err)?;
            {
                let source = p.readers[0].lock().unwrap_or_else(|e| e.into_inner());
                let backup =
                    rusqlite::backup::Backup::new(&source, &mut out).map_err(sqlite_err)?;
                // Every page in one step: the copy is of one read snapshot. (Copying in
                // slices would restart whenever the site writes meanwhile.)
                loop {
                    match backup.step(-1).map_err(sqlite_err)? {
                        rusqlite::backup::StepResult::Done => break,
                        _ => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
            out.execute_batch("PRAGMA journal_mode = DELETE")
                .map_err(sqlite_err)?;
            let sql = crate::repo::media::all_hashes_sql();
            let mut stmt = out.prepare(&sql).map_err(sqlite_err)?;
            let hashes = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(sqlite_err)?
                .collect::<std::result::Result<_, _>>()
                .map_err(sqlite_err)?;
            Ok(hashes)
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }

    /// Notifications on a PostgreSQL channel (`LISTEN`), on a connection of their own
    /// (outside the pool, so it never takes one from requests); `None` on SQLite, where
    /// one process is the only writer.
    pub async fn listen(&self, channel: &str) -> Result<Option<Listener>> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(None);
        };
        let own = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with((*p.pool.connect_options()).clone());
        let mut l = sqlx::postgres::PgListener::connect_with(&own)
            .await
            .map_err(pg_err)?;
        l.listen(channel).await.map_err(pg_err)?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&mut l)
            .await
            .map_err(pg_err)?;
        Ok(Some(Listener { l, schema }))
    }

    pub async fn close(&self) {
        if let Pool::Postgres(p) = &self.pool {
            // Spare connections go back to sqlx first, which waits for every one.
            let spare = std::mem::take(&mut *p.spare());
            drop(spare);
            p.pool.close().await;
        }
    }

    /// Run a batch of statements (a migration) in one transaction.
    pub(crate) async fn exec_batch_in_tx(&self, tx: &mut Tx, sql: &str) -> Result<()> {
        match &mut tx.inner {
            TxInner::Sqlite(Some(c)) => c.execute_batch(sql).map_err(sqlite_err),
            TxInner::Sqlite(None) => {
                Err(StoreError::Corrupt("transaction already finished".into()))
            }
            TxInner::Postgres(t) => t.batch(sql).await,
        }
    }
}

enum ConnInner {
    Sqlite(Arc<SqlitePool>),
    Postgres(PgHeld),
}

/// A connection; each statement commits on its own.
pub struct Conn {
    inner: ConnInner,
    counts: Arc<Counts>,
}

enum TxInner {
    /// `None` once committed or rolled back.
    Sqlite(Option<tokio::sync::OwnedMutexGuard<SqliteConn>>),
    /// Given back (and, if not committed, rolled back) when dropped.
    Postgres(PgHeld),
}

/// A transaction: nothing is visible to others until `commit`; dropped = rolled back.
pub struct Tx {
    inner: TxInner,
    counts: Arc<Counts>,
}

impl Tx {
    pub async fn commit(mut self) -> Result<()> {
        self.counts.queries.fetch_add(1, Ordering::Relaxed);
        match &mut self.inner {
            TxInner::Sqlite(guard) => match guard.take() {
                Some(c) => c.execute_batch("COMMIT").map_err(sqlite_err),
                None => Ok(()),
            },
            TxInner::Postgres(t) => {
                t.batch("COMMIT").await?;
                t.in_tx = false;
                Ok(())
            }
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let TxInner::Sqlite(Some(c)) = &mut self.inner {
            // Not committed: undo, before the writer is handed to the next transaction.
            if let Err(e) = c.execute_batch("ROLLBACK") {
                tracing::error!(error = %e, "rolling back a SQLite transaction failed");
            }
        }
    }
}

impl Db for Conn {
    fn backend(&self) -> Backend {
        match self.inner {
            ConnInner::Sqlite(_) => Backend::Sqlite,
            ConnInner::Postgres(_) => Backend::Postgres,
        }
    }

    fn rows(&mut self, q: Query) -> impl Future<Output = Result<Vec<Row>>> + Send {
        self.counts.statement(&q);
        async move {
            match &mut self.inner {
                ConnInner::Sqlite(p) if q.is_read() => p.read(&q),
                ConnInner::Sqlite(p) => {
                    let w = p.writer_in_turn().await;
                    sqlite_rows(&w, &q)
                }
                ConnInner::Postgres(c) => c.rows(&q).await,
            }
        }
    }

    fn exec(&mut self, q: Query) -> impl Future<Output = Result<u64>> + Send {
        self.counts.statement(&q);
        async move {
            match &mut self.inner {
                ConnInner::Sqlite(p) => {
                    let w = p.writer_in_turn().await;
                    sqlite_exec(&w, &q)
                }
                ConnInner::Postgres(c) => c.exec(&q).await,
            }
        }
    }
}

impl Db for Tx {
    fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    fn rows(&mut self, q: Query) -> impl Future<Output = Result<Vec<Row>>> + Send {
        self.counts.statement(&q);
        async move {
            match &mut self.inner {
                TxInner::Sqlite(Some(c)) => sqlite_rows(c, &q),
                TxInner::Sqlite(None) => {
                    Err(StoreError::Corrupt("transaction already finished".into()))
                }
                TxInner::Postgres(t) => t.rows(&q).await,
            }
        }
    }

    fn exec(&mut self, q: Query) -> impl Future<Output = Result<u64>> + Send {
        self.counts.statement(&q);
        async move {
            match &mut self.inner {
                TxInner::Sqlite(Some(c)) => sqlite_exec(c, &q),
                TxInner::Sqlite(None) => {
                    Err(StoreError::Corrupt("transaction already finished".into()))
                }
                TxInner::Postgres(t) => t.exec(&q).await,
            }
        }
    }
}

/// Many rows as one JSON array of arrays, in one result row: a page that needs a
/// learner's thousand completions reads them as one value instead of a thousand rows.
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

/// What a list parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Elem {
    Int,
    Text,
}

/// A list bound as one parameter: the rows of the JSON array in `param` (`"$3"`), as a
/// `SELECT` of one column named `value`, for `x IN ({})` or `INSERT … SELECT … FROM ({}) l`.
/// Bind the list with [`ints`] or [`texts`]. The statement's text is then the same however
/// long the list is: PostgreSQL prepares it once and SQLite's statement cache keeps it.
/// (Lists spliced into the text made every list a statement of its own, parsed and
/// planned each time, pushing the hot statements out of both caches.)
pub(crate) fn list_rows(backend: Backend, param: &str, elem: Elem) -> String {
    match (backend, elem) {
        (Backend::Sqlite, _) => format!("SELECT value FROM json_each({param})"),
        (Backend::Postgres, Elem::Int) => {
            format!("SELECT value::bigint AS value FROM jsonb_array_elements_text({param}::jsonb)")
        }
        (Backend::Postgres, Elem::Text) => {
            format!("SELECT value FROM jsonb_array_elements_text({param}::jsonb)")
        }
    }
}

/// Integers as the JSON array a [`list_rows`] parameter takes.
pub(crate) fn ints(items: impl IntoIterator<Item = i64>) -> String {
    let mut out = String::from("[");
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&v.to_string());
    }
    out.push(']');
    out
}

/// Strings as the JSON array a [`list_rows`] parameter takes.
pub(crate) fn texts<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// Raw access for the test harness (creating a PostgreSQL schema per test).
#[cfg(feature = "testing")]
pub(crate) async fn pg_admin_exec(store: &Store, sql: &str) -> Result<()> {
    match &store.pool {
        Pool::Postgres(p) => PgHeld::take(p).await?.batch(sql).await,
        Pool::Sqlite(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_placeholders_become_numbered_for_sqlite() {
        assert_eq!(
            sqlite_placeholders("SELECT $2, $1, $10 WHERE a = $1"),
            "SELECT ?2, ?1, ?10 WHERE a = ?1"
        );
        assert_eq!(&*prepared("SELECT 1").sql, "SELECT 1");
    }

    #[test]
    fn reads_are_told_from_writes() {
        assert!(q("  select 1").is_read());
        assert!(!q("INSERT INTO x VALUES (1) RETURNING id").is_read());
        assert!(!q("UPDATE x SET a = 1").is_read());
    }

    /// A SQLite store in a new directory, with a table `t (v TEXT)`.
    async fn store_with_table() -> (tempfile::TempDir, std::path::PathBuf, Store) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let store = Store::open_sqlite(&path).await.unwrap();
        let mut c = store.conn().await.unwrap();
        c.exec(q("CREATE TABLE t (v TEXT NOT NULL)")).await.unwrap();
        (dir, path, store)
    }

    /// `commits` transactions of `rows` 4 KB rows each into `t`, calling `after` once each
    /// has committed.
    async fn write_rows(store: &Store, commits: usize, rows: usize, mut after: impl FnMut()) {
        for _ in 0..commits {
            let mut tx = store.begin().await.unwrap();
            for _ in 0..rows {
                tx.exec(q("INSERT INTO t (v) VALUES ($1)").bind("x".repeat(4000)))
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
            after();
        }
    }

    /// The log reaches the database file without the writer's help: the writer only
    /// checkpoints past 20,000 pages, and 3 MB of rows are far fewer.
    #[tokio::test]
    async fn the_checkpointer_copies_the_log_into_the_database() {
        let (_dir, path, store) = store_with_table().await;
        let mut c = store.conn().await.unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        write_rows(&store, 30, 25, || ()).await;
        let mut size = before;
        for _ in 0..100 {
            size = std::fs::metadata(&path).unwrap().len();
            if size >= 3_000_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            size >= 3_000_000,
            "the database file stayed at {size} bytes"
        );
        let n: i64 = c.scalar(q("SELECT count(*) FROM t")).await.unwrap();
        assert_eq!(n, 750);
    }

    /// Past the writer's own checkpoint threshold every commit also checkpoints, while the
    /// checkpointer is mostly at work: a checkpoint that finds it busy must not fail the
    /// commit (which has happened by then), and the log must restart, not grow on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_never_fail_on_the_checkpoint_and_the_log_restarts() {
        let (_dir, path, store) = store_with_table().await;
        let mut c = store.conn().await.unwrap();
        let wal = path.with_extension("sqlite3-wal");
        let limit = u64::try_from(WRITER_CHECKPOINT_PAGES).unwrap() * 4096;
        let mut largest = 0;
        // 240 MB in all, three times what the log may hold.
        write_rows(&store, 1000, 60, || {
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        })
        .await;
        let n: i64 = c.scalar(q("SELECT count(*) FROM t")).await.unwrap();
        assert_eq!(n, 60_000);
        // A commit may end past the threshold, and a frame is also a 24-byte header.
        assert!(largest < limit * 3 / 2, "the log grew to {largest} bytes");
    }
}
