//! `Store::pool_stats`, what `/metrics` reports of the database: connections by state
//! and, on SQLite, the queue for its one writer.
#![allow(clippy::unwrap_used)]

use lyceum_store::{Backend, testing};

/// A transaction holds SQLite's writer; a second one waits for it, is seen waiting, and
/// once through is counted as a wait.
#[tokio::test]
async fn sqlite_counts_who_waits_for_the_writer() {
    let db = testing::sqlite().await.unwrap();
    let store = db.store.clone();
    let s = store.pool_stats();
    assert_eq!(s.backend, Backend::Sqlite);
    assert!(s.max >= 1);
    assert_eq!((s.open, s.idle), (s.max, s.max), "no reader in use: {s:?}");
    let w = s.writer.unwrap();
    assert!(!w.busy);
    assert_eq!((w.waiting, w.waits), (0, 0));

    let first = store.begin().await.unwrap();
    let w = store.pool_stats().writer.unwrap();
    assert!(w.busy);
    assert_eq!(w.waits, 0, "an uncontended write does not wait");
    let other = store.clone();
    let second = tokio::spawn(async move { other.begin().await.unwrap().commit().await });
    // The test's runtime has one thread: the second transaction runs while this yields.
    while store.pool_stats().writer.unwrap().waiting == 0 {
        tokio::task::yield_now().await;
    }
    first.commit().await.unwrap();
    second.await.unwrap().unwrap();
    let w = store.pool_stats().writer.unwrap();
    assert!(!w.busy);
    assert_eq!((w.waiting, w.waits), (0, 1));
    assert!(w.wait_seconds >= 0.0);
}

/// PostgreSQL: the pool's connections, idle or in use, and its maximum (the test harness
/// opens at most 4); there is no separate writer.
#[tokio::test]
async fn postgres_reports_its_pool() {
    let db = testing::postgres().await.unwrap();
    let store = db.store.clone();
    let s = store.pool_stats();
    assert_eq!(s.backend, Backend::Postgres);
    assert_eq!(s.max, 4);
    assert!(s.writer.is_none());
    let held = store.conn().await.unwrap();
    let s = store.pool_stats();
    assert!(s.open >= 1 && s.open <= s.max, "{s:?}");
    assert!(s.open - s.idle >= 1, "the held connection is in use: {s:?}");
    drop(held);
}
