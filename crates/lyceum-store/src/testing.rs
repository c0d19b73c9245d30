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

/// The environment variable naming the `s3s-fs` binary (scripts/setup.sh sets it).
pub const S3FS_VAR: &str = "LYCEUM_TEST_S3FS";

const S3_KEY: &str = "lyceum-test";
const S3_SECRET: &str = "lyceum-test-secret";

/// A real S3-protocol server (`s3s-fs`) on a loopback port, with a bucket, for one test;
/// stopped when dropped.
pub struct TestS3 {
    child: std::process::Child,
    pub endpoint: String,
    pub bucket: String,
    root: tempfile::TempDir,
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3fs_binary() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var(S3FS_VAR) {
        return Some(p.into());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("s3s-fs"))
            .find(|p| p.is_file())
    })
}

impl TestS3 {
    /// Start a server, or `None` (with a loud message) when `s3s-fs` is not installed
    /// here; in CI (`CI=true`) a missing server fails the test instead.
    pub fn start() -> Option<TestS3> {
        let Some(bin) = s3fs_binary() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "{S3FS_VAR} is not set and s3s-fs is not on PATH: scripts/setup.sh installs it"
                );
            }
            eprintln!(
                "\n*** SKIPPED: no S3 test server. Set {S3FS_VAR} (scripts/setup.sh installs s3s-fs) to run the S3 media tests. ***\n"
            );
            return None;
        };
        let root = tempfile::tempdir().expect("a temporary directory");
        let bucket = "media".to_owned();
        std::fs::create_dir(root.path().join(&bucket)).expect("the bucket's directory");
        for _ in 0..20 {
            // A free port: bound, read, released; s3s-fs takes it (another process may
            // win it in between: then s3s-fs exits and we try another).
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = std::process::Command::new(&bin)
                .arg("--host")
                .arg("127.0.0.1")
                .arg("--port")
                .arg(port.to_string())
                .arg("--access-key")
                .arg(S3_KEY)
                .arg("--secret-key")
                .arg(S3_SECRET)
                .arg(root.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            // Ready once it accepts connections (or gone, if the port was taken).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            let ready = loop {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break true;
                }
                if child.try_wait().ok().flatten().is_some() || std::time::Instant::now() > deadline
                {
                    break false;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            };
            if ready {
                return Some(TestS3 {
                    child,
                    endpoint: format!("http://127.0.0.1:{port}"),
                    bucket,
                    root,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("s3s-fs did not start");
    }

    /// `object_store` settings that reach this server (what the `AWS_*` variables of a
    /// child process say).
    pub fn config(&self) -> Vec<(String, String)> {
        self.env()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    }

    /// The `AWS_*` environment of a `lyceum` child process using this server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", S3_KEY),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ALLOW_HTTP", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    pub fn url(&self) -> String {
        format!("s3://{}", self.bucket)
    }

    /// A media store on this server's bucket, under `prefix` (tests sharing a server use
    /// their own), with scratch space in `scratch`.
    pub fn media(&self, prefix: &str, scratch: std::path::PathBuf) -> crate::MediaStore {
        let url = if prefix.is_empty() {
            self.url()
        } else {
            format!("{}/{prefix}", self.url())
        };
        crate::MediaStore::s3(&url, scratch, &self.config()).expect("an S3 media store")
    }

    /// Where the server keeps the bucket's objects (tests age or inspect them).
    pub fn root(&self) -> &std::path::Path {
        self.root.path()
    }
}

/// A media store for a test: S3 (on its own server) when `LYCEUM_TEST_MEDIA=s3`, a
/// temporary directory otherwise. Keep the guard as long as the store.
pub fn media_from_env() -> (crate::MediaStore, MediaGuard) {
    if std::env::var("LYCEUM_TEST_MEDIA").is_ok_and(|v| v == "s3")
        && let Some(s3) = s3_media()
    {
        return s3;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let media = crate::MediaStore::new(dir.path().join("media")).expect("a media directory");
    (
        media,
        MediaGuard {
            _dir: dir,
            _s3: None,
        },
    )
}

/// A media store on an S3 server of its own, whatever `LYCEUM_TEST_MEDIA` says (for
/// tests of what only a bucket does), or `None` when `s3s-fs` is not installed here
/// (see [`TestS3::start`]).
pub fn s3_media() -> Option<(crate::MediaStore, MediaGuard)> {
    let server = TestS3::start()?;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let media = server.media("", dir.path().join("scratch"));
    Some((
        media,
        MediaGuard {
            _dir: dir,
            _s3: Some(server),
        },
    ))
}

/// Keeps a test's media (its directory, its S3 server) alive.
pub struct MediaGuard {
    _dir: tempfile::TempDir,
    _s3: Option<TestS3>,
}

impl MediaGuard {
    /// Stop the S3 server behind the store (a bucket that went away); false for a
    /// local store.
    pub fn stop_s3(&mut self) -> bool {
        match &mut self._s3 {
            Some(s) => {
                let _ = s.child.kill();
                let _ = s.child.wait();
                true
            }
            None => false,
        }
    }
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
