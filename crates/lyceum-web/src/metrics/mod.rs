//! `GET /metrics`: the site's figures for Prometheus (requests, latency, database,
//! process), shown only to whoever may see the traffic they reveal.
//!
//! Adding a family is one call on the `Exposition` in `render`:
//! `e.family(NAME, Kind::Gauge, HELP).sample(&[("label", value)], n);`

mod exposition;
pub mod http;
mod process;

pub use exposition::{CONTENT_TYPE, Exposition, Kind};
pub use http::HttpMetrics;

use crate::error::AppError;
use crate::state::App;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lyceum_store::Backend;
use std::net::SocketAddr;

/// The metrics, or the site's 404 page to anyone not allowed to see them (as though
/// the path did not exist).
pub async fn page(State(app): State<App>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let token = app.config().metrics_token.as_ref().map(|t| t.expose());
    if !allowed(token, req.headers(), peer) {
        return AppError::NotFound.into_response();
    }
    let mut res = render(&app).await.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// With a token configured: only requests bearing it. Without: only requests from this
/// machine that no proxy forwarded (a reverse proxy on the same machine connects from
/// loopback too, but says whom it forwards for).
fn allowed(token: Option<&str>, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
    match token {
        Some(token) => headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(bearer)
            .any(|given| same_secret(given, token)),
        None => {
            let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|h| headers.contains_key(*h));
            !proxied && peer.is_some_and(|p| p.ip().to_canonical().is_loopback())
        }
    }
}

/// The token of an `Authorization: Bearer …` value (the scheme is case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Compares digests, so the time taken tells nothing of where the values differ, nor of
/// the token's length.
fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::{Digest as _, Sha256};
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Every family, in the order an operator reads them.
pub async fn render(app: &App) -> String {
    let mut e = Exposition::default();
    e.family(
        "lyceum_build_info",
        Kind::Gauge,
        "The running version of Lyceum (always 1).",
    )
    .sample(&[("version", env!("CARGO_PKG_VERSION"))], 1u8);

    app.http_metrics().write(&mut e);
    database(app, &mut e);

    jobs(app, &mut e).await;

    process::write(&mut e);
    e.finish()
}

/// Background jobs: the shared table's queue by kind and state, and the failed attempts
/// by kind, so any node's scrape shows the whole site's queue. Kinds come from the code, so
/// the labels stay bounded. A failed read is logged and the families left out: the rest of
/// a scrape must not depend on the database answering.
async fn jobs(app: &App, e: &mut Exposition) {
    let rows = match lyceum_app::jobs::queue_stats(&app.env()).await {
        Ok(rows) => rows,
        Err(err) => {
            tracing::warn!(error = %err, "metrics: reading the job queue failed");
            return;
        }
    };
    let mut f = e.family(
        "lyceum_jobs",
        Kind::Gauge,
        "Background jobs in the shared table, by kind and state (queued, running, done, failed).",
    );
    for r in &rows {
        f.sample(&[("kind", &r.kind), ("state", &r.state)], r.count);
    }
    let mut failures = std::collections::BTreeMap::<&str, i64>::new();
    for r in &rows {
        *failures.entry(r.kind.as_str()).or_default() += r.failed_attempts;
    }
    let mut f = e.family(
        "lyceum_job_failed_attempts",
        Kind::Gauge,
        "Attempts that failed (an error, a panic, a node that stopped) of the jobs still in the table, by kind.",
    );
    for (kind, n) in failures {
        f.sample(&[("kind", kind)], n);
    }
}

/// The database's connections and statements; no statement is run to read them.
fn database(app: &App, e: &mut Exposition) {
    let store = app.store();
    let stats = store.pool_stats();
    let backend = match stats.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let in_use = stats.open.saturating_sub(stats.idle);
    e.family(
        "lyceum_db_pool_connections",
        Kind::Gauge,
        "Database connections open, by state (SQLite: its reader connections).",
    )
    .sample(&[("backend", backend), ("state", "idle")], stats.idle)
    .sample(&[("backend", backend), ("state", "in_use")], in_use);
    e.family(
        "lyceum_db_pool_max_connections",
        Kind::Gauge,
        "The most database connections the pool opens (SQLite: its reader connections).",
    )
    .sample(&[("backend", backend)], stats.max);
    e.family(
        "lyceum_db_queries_total",
        Kind::Counter,
        "Database statements run, transactions' BEGIN and COMMIT included.",
    )
    .sample(&[("backend", backend)], store.query_count());
    e.family(
        "lyceum_db_writes_total",
        Kind::Counter,
        "Database transactions begun and statements other than reads.",
    )
    .sample(&[("backend", backend)], store.write_count());
    if let Some(w) = stats.writer {
        e.family(
            "lyceum_db_sqlite_writer_busy",
            Kind::Gauge,
            "Whether SQLite's single writer connection is held now (1) or free (0).",
        )
        .sample(&[], w.busy);
        e.family(
            "lyceum_db_sqlite_writer_waiting",
            Kind::Gauge,
            "Tasks waiting for SQLite's writer connection now.",
        )
        .sample(&[], w.waiting);
        e.family(
            "lyceum_db_sqlite_writer_waits_total",
            Kind::Counter,
            "Times a write found SQLite's writer connection held and waited for it.",
        )
        .sample(&[], w.waits);
        e.family(
            "lyceum_db_sqlite_writer_wait_seconds_total",
            Kind::Counter,
            "Time writes spent waiting for SQLite's writer connection, in seconds.",
        )
        .sample(&[], w.wait_seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn who_may_read_the_metrics() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let local6: SocketAddr = "[::1]:5000".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let remote: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let none = headers(&[]);
        // No token: this machine only, and not through a proxy.
        assert!(allowed(None, &none, Some(local)));
        assert!(allowed(None, &none, Some(local6)));
        assert!(allowed(None, &none, Some(mapped)));
        assert!(!allowed(None, &none, Some(remote)));
        assert!(!allowed(None, &none, None));
        for h in ["forwarded", "x-forwarded-for", "x-real-ip"] {
            assert!(!allowed(
                None,
                &headers(&[(h, "for=192.0.2.7")]),
                Some(local)
            ));
        }
        // A token: its bearer from anywhere, nobody else (this machine neither).
        let t = Some("s3cret-token");
        assert!(!allowed(t, &none, Some(local)));
        assert!(allowed(
            t,
            &headers(&[("authorization", "Bearer s3cret-token")]),
            Some(remote)
        ));
        assert!(allowed(
            t,
            &headers(&[("authorization", "bearer  s3cret-token ")]),
            None
        ));
        for wrong in [
            "Bearer s3cret-toke",
            "Bearer s3cret-token2",
            "Basic s3cret-token",
            "s3cret-token",
            "Bearer ",
        ] {
            assert!(
                !allowed(t, &headers(&[("authorization", wrong)]), Some(local)),
                "{wrong}"
            );
        }
    }
}
