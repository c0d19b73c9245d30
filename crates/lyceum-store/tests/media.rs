//! The media store's contract, run on both backends (a local directory and a real
//! S3-protocol server, `s3s-fs`) and both databases: the same operations give the same
//! results, and the sweep never deletes a file a committed row refers to.
#![allow(clippy::unwrap_used)]

use futures_util::StreamExt;
use lyceum_core::CourseId;
use lyceum_store::media::MediaStore;
use lyceum_store::repo::{assets, courses, media as refs, orgs};
use lyceum_store::testing::{self, TestS3};
use lyceum_store::{Db, Store, media_gc, q};
use std::time::Duration;

/// A media store and what keeps it alive.
struct Media {
    m: MediaStore,
    _dir: tempfile::TempDir,
    _s3: Option<TestS3>,
}

fn local() -> Option<Media> {
    let dir = tempfile::tempdir().unwrap();
    Some(Media {
        m: MediaStore::new(dir.path().join("media")).unwrap(),
        _dir: dir,
        _s3: None,
    })
}

fn s3() -> Option<Media> {
    let server = TestS3::start()?;
    let dir = tempfile::tempdir().unwrap();
    Some(Media {
        m: server.media("site", dir.path().join("scratch")),
        _dir: dir,
        _s3: Some(server),
    })
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod local_sqlite {
            $(#[tokio::test] async fn $name() {
                let Some(m) = super::local() else { return };
                super::$name(m, super::testing::sqlite().await.unwrap().store).await
            })*
        }
        mod s3_sqlite {
            $(#[tokio::test] async fn $name() {
                let Some(m) = super::s3() else { return };
                super::$name(m, super::testing::sqlite().await.unwrap().store).await
            })*
        }
        mod s3_postgres {
            $(#[tokio::test] async fn $name() {
                let Some(m) = super::s3() else { return };
                super::$name(m, super::testing::postgres().await.unwrap().store).await
            })*
        }
        mod local_postgres {
            $(#[tokio::test] async fn $name() {
                let Some(m) = super::local() else { return };
                super::$name(m, super::testing::postgres().await.unwrap().store).await
            })*
        }
    };
}

contract!(
    stores_reads_and_lists_by_hash,
    staging_publishes_or_leaves_nothing,
    ranges_stream_the_asked_bytes,
    the_sweep_keeps_what_rows_refer_to,
    a_sweep_never_deletes_what_a_concurrent_publish_commits,
    a_crashed_operation_is_finished_by_the_sweep,
);

const HELLO: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

/// Blocking calls off the test's runtime thread, as callers make them.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

async fn course(store: &Store) -> CourseId {
    let spec: lyceum_core::course::spec::CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": "M", "run": "2026", "language": "en", "title": "Media",
        "sections": []
    }))
    .unwrap();
    let e = lyceum_core::course::spec::expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test org", "", None, 0)
        .await
        .unwrap();
    let id = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn refer(store: &Store, course: CourseId, name: &str, sha: &str) {
    let mut c = store.conn().await.unwrap();
    assets::put(&mut c, course, name, "text/plain", 1, sha, 0)
        .await
        .unwrap();
}

async fn stores_reads_and_lists_by_hash(media: Media, _store: Store) {
    let m = media.m.clone();
    blocking(move || {
        let (sha, size) = m.put(b"hello").unwrap();
        assert_eq!((sha.as_str(), size), (HELLO, 5));
        assert_eq!(m.put(b"hello").unwrap().0, HELLO, "same content, same file");
        assert_eq!(m.read(HELLO).unwrap(), b"hello");
        let (mut r, n) = m.reader(HELLO).unwrap().unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut back).unwrap();
        assert_eq!((back.as_slice(), n), (&b"hello"[..], 5));
        assert_eq!(m.stat(HELLO).unwrap().unwrap().bytes(), 5);
        assert!(m.stat(&"0".repeat(64)).unwrap().is_none());
        assert!(m.reader(&"0".repeat(64)).unwrap().is_none());
        assert_eq!(
            m.read("../../etc/passwd").unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        let (other, _) = m.put(&vec![7u8; 3 * 1024 * 1024]).unwrap();
        let listed: Vec<String> = m.list().unwrap().into_iter().map(|f| f.sha256).collect();
        let mut want = vec![HELLO.to_owned(), other];
        want.sort();
        assert_eq!(listed, want);
        m.check().unwrap();
    })
    .await;
}

async fn staging_publishes_or_leaves_nothing(media: Media, _store: Store) {
    let m = media.m.clone();
    blocking(move || {
        let mut s = m.stage().unwrap();
        let (sha, _) = s.put(b"refused").unwrap();
        s.put(b"refused").unwrap();
        assert_eq!(s.hashes(), vec![sha.clone()]);
        assert!(!m.exists(&sha).unwrap(), "not in the store before publish");
        drop(s);
        assert!(m.list().unwrap().is_empty());

        let mut s = m.stage().unwrap();
        let (sha, _) = s.put(b"accepted").unwrap();
        s.kept();
        s.publish().unwrap();
        assert_eq!(m.read(&sha).unwrap(), b"accepted");

        let mut s = m.stage().unwrap();
        s.put(b"discarded").unwrap();
        s.kept();
        s.discard();
        assert_eq!(m.list().unwrap().len(), 1);
    })
    .await;
}

async fn ranges_stream_the_asked_bytes(media: Media, _store: Store) {
    let m = media.m.clone();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let d = data.clone();
    let (sha, _) = blocking(move || m.put(&d).unwrap()).await;
    for range in [
        None,
        Some(0..1),
        Some(1000..150_000),
        Some(199_999..200_000),
    ] {
        let o = media.m.get(&sha, range.clone()).await.unwrap().unwrap();
        assert_eq!(o.size, 200_000);
        let want = range.clone().unwrap_or(0..200_000);
        assert_eq!(o.range, want);
        let chunks: Vec<_> = o.body.collect().await;
        let got: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        assert_eq!(
            got,
            data[want.start as usize..want.end as usize],
            "{range:?}"
        );
    }
    assert!(media.m.get(&"1".repeat(64), None).await.unwrap().is_none());
}

async fn the_sweep_keeps_what_rows_refer_to(media: Media, store: Store) {
    let c = course(&store).await;
    let m = media.m.clone();
    let (asset, orphan) = blocking(move || {
        (
            m.put(b"an asset").unwrap().0,
            m.put(b"nothing refers to me").unwrap().0,
        )
    })
    .await;
    refer(&store, c, "a.txt", &asset).await;
    // Young files wait for the grace period.
    let r = media_gc::sweep(&store, &media.m).await.unwrap();
    assert_eq!((r.young, r.kept), (1, 1), "{r:?}");
    assert!(r.removed.is_empty());
    let r = media_gc::sweep_with(&store, &media.m, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(r.removed.len(), 1, "{r:?}");
    assert_eq!(
        (r.removed[0].name.as_str(), r.bytes()),
        (orphan.as_str(), 20)
    );
    assert_eq!(r.kept, 1);
    assert!(!media.m.exists(&orphan).unwrap());
    assert!(media.m.exists(&asset).unwrap());
    // Released after its row goes.
    let mut conn = store.conn().await.unwrap();
    conn.exec(q("DELETE FROM assets")).await.unwrap();
    drop(conn);
    let removed = media_gc::release(&store, &media.m, [asset.clone()])
        .await
        .unwrap();
    assert_eq!(removed.len(), 1);
    assert!(!media.m.exists(&asset).unwrap());
    let mut conn = store.conn().await.unwrap();
    let (left,): (i64,) = conn
        .one(q("SELECT COUNT(*) FROM media_deletions"))
        .await
        .unwrap();
    assert_eq!(left, 0, "no candidate outlives its sweep");
}

/// The race of issue 16: a sweep finds an old unreferenced file and decides to delete it
/// while another node commits a row referring to the same content and publishes it. The
/// sweep here runs its steps by hand, holding its transaction open while the other
/// operation tries to commit; whatever the order, the committed row's file is there.
async fn a_sweep_never_deletes_what_a_concurrent_publish_commits(media: Media, store: Store) {
    let c = course(&store).await;
    let m = media.m.clone();
    let sha = blocking(move || m.put(b"shared content").unwrap().0).await;
    let seen = blocking({
        let m = media.m.clone();
        let sha = sha.clone();
        move || m.stat(&sha).unwrap().unwrap()
    })
    .await;

    // The sweep: candidate recorded, then locked, no reference found.
    let mut conn = store.conn().await.unwrap();
    refs::mark_deletion_candidates(&mut conn, std::slice::from_ref(&sha), 1)
        .await
        .unwrap();
    drop(conn);
    let mut sweep = store.begin().await.unwrap();
    let locked = refs::lock_deletion_candidates(&mut sweep, std::slice::from_ref(&sha))
        .await
        .unwrap();
    assert_eq!(locked, vec![sha.clone()]);
    assert!(
        refs::referenced_among(&mut sweep, &locked)
            .await
            .unwrap()
            .is_empty()
    );

    // Meanwhile another operation uploads the same content and commits a row for it.
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let op = {
        let (store, m, sha) = (store.clone(), media.m.clone(), sha.clone());
        tokio::spawn(async move {
            let mut staged = blocking(move || {
                let mut s = m.stage().unwrap();
                s.put(b"shared content").unwrap();
                s
            })
            .await;
            ready_tx.send(()).unwrap();
            let mut tx = store.begin().await.unwrap();
            assets::put(&mut tx, c, "shared.txt", "text/plain", 14, &sha, 0)
                .await
                .unwrap();
            staged.committing(&mut tx).await.unwrap();
            tx.commit().await.unwrap();
            blocking(move || staged.publish().unwrap()).await;
        })
    };
    ready_rx.await.unwrap();
    // Give the operation every chance to commit and publish ahead of the sweep's delete:
    // it must instead wait for the sweep's transaction (on SQLite for the one writer, on
    // PostgreSQL for the candidate row it claims). Without the claim it finishes here and
    // the delete below takes its file. (A timeout, not a sleep: the test passes either
    // way when the protocol holds; it only makes the wrong order likely when it does not.)
    let mut op = op;
    let finished_early = tokio::time::timeout(Duration::from_secs(1), &mut op)
        .await
        .is_ok();
    if finished_early {
        assert!(
            media.m.is_local(),
            "a publish on S3 must wait for the sweep holding its candidate"
        );
    }
    // The sweep deletes the object it decided on and commits.
    let m = media.m.clone();
    blocking(move || m.remove_files(&[seen]).unwrap()).await;
    refs::clear_deletion_candidates(&mut sweep, &locked)
        .await
        .unwrap();
    sweep.commit().await.unwrap();
    if !finished_early {
        op.await.unwrap();
    }
    let m = media.m.clone();
    let s = sha.clone();
    assert_eq!(
        blocking(move || m.read(&s)).await.unwrap(),
        b"shared content",
        "the committed row's file is there"
    );
    // And a full sweep now keeps it.
    let r = media_gc::sweep_with(&store, &media.m, Duration::ZERO)
        .await
        .unwrap();
    assert!(r.removed.is_empty(), "{r:?}");
}

async fn a_crashed_operation_is_finished_by_the_sweep(media: Media, store: Store) {
    let c = course(&store).await;
    // Committed, then the process stopped before publishing (the area is kept: dropped
    // after `kept`, as a failed publish or a cancelled request leaves it).
    let m = media.m.clone();
    let (crashed, recovered, dropped) = blocking(move || {
        let mut s = m.stage().unwrap();
        let a = s.put(b"committed, not moved").unwrap().0;
        let b = s.put(b"never committed").unwrap().0;
        s.kept();
        (s, a, b)
    })
    .await;
    refer(&store, c, "b.txt", &recovered).await;
    blocking(move || drop(crashed)).await;
    let r = media_gc::sweep(&store, &media.m).await.unwrap();
    assert_eq!(r.recovered, vec![recovered.clone()], "{r:?}");
    assert_eq!(r.removed.len(), 1, "{r:?}");
    assert!(r.removed[0].name.ends_with(&dropped), "{r:?}");
    let m = media.m.clone();
    let rec = recovered.clone();
    assert_eq!(
        blocking(move || m.read(&rec)).await.unwrap(),
        b"committed, not moved"
    );
    assert!(!media.m.exists(&dropped).unwrap());

    // An operation still running is left alone, on S3 until it is older than the stale
    // threshold.
    let m = media.m.clone();
    let running = blocking(move || {
        let mut s = m.stage().unwrap();
        s.put(b"uploading").unwrap();
        s
    })
    .await;
    let r = media_gc::sweep(&store, &media.m).await.unwrap();
    assert!(r.recovered.is_empty() && r.removed.is_empty(), "{r:?}");
    blocking(move || std::mem::forget(running)).await;
    if !media.m.is_local() {
        // The process died (no drop ran): only age tells.
        let r =
            media_gc::sweep_with_times(&store, &media.m, Duration::from_secs(3600), Duration::ZERO)
                .await
                .unwrap();
        assert_eq!(r.removed.len(), 1, "{r:?}");
        assert!(r.removed[0].name.starts_with("staging/"), "{r:?}");
    }
}
