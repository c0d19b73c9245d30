//! Background work as jobs (`lyceum_app::jobs`), without HTTP, on SQLite and PostgreSQL:
//! the sweeps; periodic work enqueued once per slot however many nodes schedule it; retries
//! with backoff on the injected clock, then `failed` with the error; a node that dies
//! mid-job (its lease runs out) and whose late completion is ignored; and, on PostgreSQL,
//! several nodes on their own connections claiming hundreds of jobs at once, each run once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lyceum_app::jobs::{self, JobCx, Outcome, Registry, Scheduler, Worker, kind};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::permissions::Actor;
use lyceum_core::{FixedClock, UserId};
use lyceum_store::repo::jobs as repo;
use lyceum_store::repo::sessions;
use lyceum_store::{Db, MediaStore, Store, testing};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NOW_MS: i64 = 1_795_000_000_000;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                let db = super::testing::sqlite().await.unwrap();
                super::$name(db.store.clone(), None).await
            })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let db = super::testing::postgres().await.unwrap();
                super::$name(db.store.clone(), db.url.clone()).await
            })*
        }
    };
}

both!(
    expired_sessions_go_live_ones_stay,
    periodic_work_is_one_job_per_slot_whatever_the_nodes,
    failures_retry_with_backoff_then_fail_with_the_error,
    panics_and_unknown_kinds_fail_the_job_not_the_worker,
    a_dead_nodes_job_is_taken_again_and_its_late_completion_ignored,
    admins_see_the_queue_and_retry_a_failed_job,
    the_sweep_prunes_old_finished_jobs,
    long_jobs_renew_their_lease_and_stop_when_it_is_lost,
);

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    _media: tempfile::TempDir,
}

fn world(store: Store) -> World {
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(lyceum_core::clock::from_millis(NOW_MS)));
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        _media: media,
    }
}

/// Another node: its own connections to the same database (PostgreSQL), or the same
/// store (SQLite: one file, one writer), with the same clock.
async fn node(w: &World, url: &Option<String>) -> Env {
    let store = match url {
        Some(url) => Store::open(url).await.unwrap(),
        None => w.env.store.clone(),
    };
    Env {
        store,
        ..w.env.clone()
    }
}

fn secs(n: i64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(n)
}

async fn row(env: &Env, id: i64) -> repo::JobRow {
    let mut c = env.store.conn().await.unwrap();
    repo::get(&mut c, id).await.unwrap().unwrap()
}

async fn expired_sessions_go_live_ones_stay(store: Store, _: Option<String>) {
    let w = world(store);
    let env = &w.env;
    let mut c = env.store.conn().await.unwrap();
    sessions::create(&mut c, "old", None, "{}", NOW_MS - 10, NOW_MS - 1)
        .await
        .unwrap();
    sessions::create(&mut c, "live", None, "{}", NOW_MS - 10, NOW_MS + 60_000)
        .await
        .unwrap();
    drop(c);

    let swept = jobs::sweep(env).await;
    assert_eq!(swept.sessions, Some(1));
    assert_eq!(swept.login_limits, Some(0));
    assert_eq!(swept.jobs, Some(0));
    let media = swept.media.unwrap();
    assert!(media.removed.is_empty() && media.recovered.is_empty());

    let mut c = env.store.conn().await.unwrap();
    assert!(
        sessions::load(&mut c, "old", NOW_MS)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sessions::load(&mut c, "live", NOW_MS)
            .await
            .unwrap()
            .is_some()
    );
    drop(c);
    // An hour later the other one has expired too: the hourly sweep job removes it.
    w.clock.advance(jiff::SignedDuration::from_hours(1));
    jobs::enqueue(env, kind::SWEEP, &serde_json::json!({}), None)
        .await
        .unwrap();
    let worker = Worker::new(env.clone(), Arc::new(Registry::with_sweeps()), "n1");
    let ran = worker.drain().await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, Outcome::Done);
    let mut c = env.store.conn().await.unwrap();
    assert!(
        sessions::load(&mut c, "live", w.env.now_ms())
            .await
            .unwrap()
            .is_none()
    );
}

fn noop_registry() -> Registry {
    let mut r = Registry::with_sweeps();
    r.every("tick", Duration::from_secs(60), |_| async { Ok(()) });
    r
}

async fn periodic_work_is_one_job_per_slot_whatever_the_nodes(store: Store, url: Option<String>) {
    let w = world(store);
    let registry = noop_registry();
    assert_eq!(
        registry.periodic(),
        vec![
            (kind::MEDIA_SWEEP, Duration::from_secs(3600)),
            (kind::SWEEP, Duration::from_secs(3600)),
            ("tick", Duration::from_secs(60)),
        ]
    );
    // Five nodes schedule at the same moment, all at once.
    let mut nodes = Vec::new();
    for _ in 0..5 {
        nodes.push(node(&w, &url).await);
    }
    let registry = Arc::new(registry);
    let ticks = nodes.iter().cloned().map(|env| {
        let registry = registry.clone();
        async move { Scheduler::new().tick(&env, &registry).await.unwrap() }
    });
    let added: usize = join_all(ticks).await.into_iter().sum();
    assert_eq!(added, 3, "one job per periodic kind");
    let keys = |env: Env| async move {
        let mut c = env.store.conn().await.unwrap();
        let mut keys: Vec<(String, String)> = c
            .all(lyceum_store::q(
                "SELECT kind, dedupe_key FROM jobs ORDER BY id",
            ))
            .await
            .unwrap();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(w.env.clone()).await,
        vec![
            (
                "media-sweep".to_owned(),
                "media-sweep:2026-11-18T11".to_owned()
            ),
            ("sweep".to_owned(), "sweep:2026-11-18T11".to_owned()),
            ("tick".to_owned(), "tick:2026-11-18T11:06".to_owned()),
        ]
    );
    // A node that keeps ticking in the same minute adds nothing (and asks nothing).
    let mut one = Scheduler::new();
    assert_eq!(one.tick(&nodes[0], &registry).await.unwrap(), 0);
    let before = nodes[0].store.query_count();
    assert_eq!(one.tick(&nodes[0], &registry).await.unwrap(), 0);
    assert_eq!(nodes[0].store.query_count(), before);
    // A minute later: one more of the minute's kind, whichever node comes first.
    w.clock.advance(secs(60));
    let ticks = nodes.iter().cloned().map(|env| {
        let registry = registry.clone();
        async move { Scheduler::new().tick(&env, &registry).await.unwrap() }
    });
    assert_eq!(join_all(ticks).await.into_iter().sum::<usize>(), 1);
    assert_eq!(keys(w.env.clone()).await.len(), 4);
}

/// Run futures side by side (the test's own small `join_all`).
async fn join_all<F: std::future::Future + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn failures_retry_with_backoff_then_fail_with_the_error(store: Store, _: Option<String>) {
    let w = world(store);
    let calls = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    let seen = calls.clone();
    registry.on("flaky", move |cx: JobCx| {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            Err(format!("the wiki said no (attempt {})", cx.attempt))
        }
    });
    let worker = Worker::new(w.env.clone(), Arc::new(registry), "n1");
    let id = jobs::enqueue(&w.env, "flaky", &serde_json::json!({"x": 1}), None)
        .await
        .unwrap()
        .unwrap();
    // Waits of 30 s, 1, 2 and 4 minutes between the five attempts.
    for (attempt, wait) in [(1, 30), (2, 60), (3, 120), (4, 240)] {
        let ran = worker.drain().await.unwrap();
        assert_eq!(ran.len(), 1, "attempt {attempt}");
        assert_eq!(ran[0].attempt, attempt);
        let at = w.env.now_ms() + wait * 1000;
        assert_eq!(
            ran[0].outcome,
            Outcome::Retry {
                at,
                error: format!("the wiki said no (attempt {attempt})")
            }
        );
        let r = row(&w.env, id).await;
        assert_eq!((r.state.as_str(), r.run_after), ("queued", at));
        // Not a moment before its time.
        w.clock.advance(secs(wait - 1));
        assert!(worker.drain().await.unwrap().is_empty());
        w.clock.advance(secs(1));
    }
    let ran = worker.drain().await.unwrap();
    assert_eq!(
        ran[0].outcome,
        Outcome::Failed {
            error: "the wiki said no (attempt 5)".to_owned()
        }
    );
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    let r = row(&w.env, id).await;
    assert_eq!(r.state, "failed");
    assert_eq!((r.attempts, r.max_attempts, r.failures), (5, 5, 5));
    assert_eq!(
        r.last_error.as_deref(),
        Some("the wiki said no (attempt 5)")
    );
    assert_eq!(r.finished_at, Some(w.env.now_ms()));
    assert_eq!(r.lease_owner, None);
    // Failed stays failed: an hour later nothing runs.
    w.clock.advance(jiff::SignedDuration::from_hours(1));
    assert!(worker.drain().await.unwrap().is_empty());
    let stats = jobs::queue_stats(&w.env).await.unwrap();
    assert_eq!(
        stats,
        vec![jobs::JobCount {
            kind: "flaky".to_owned(),
            state: "failed".to_owned(),
            count: 1,
            failed_attempts: 5,
        }]
    );
}

async fn panics_and_unknown_kinds_fail_the_job_not_the_worker(store: Store, _: Option<String>) {
    let w = world(store);
    let mut registry = Registry::new();
    registry.on("boom", |cx: JobCx| async move {
        if cx.attempt == 1 {
            panic!("a bug in the handler");
        }
        Ok(())
    });
    let worker = Worker::new(w.env.clone(), Arc::new(registry), "n1");
    let boom = jobs::enqueue(&w.env, "boom", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    let unknown = jobs::enqueue(&w.env, "from-a-newer-node", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    let ran = worker.drain().await.unwrap();
    assert_eq!(ran.len(), 2);
    let by_id: HashMap<i64, Outcome> = ran.into_iter().map(|r| (r.id, r.outcome)).collect();
    assert_eq!(
        by_id[&boom],
        Outcome::Retry {
            at: w.env.now_ms() + 30_000,
            error: "the job panicked: a bug in the handler".to_owned()
        }
    );
    assert_eq!(
        by_id[&unknown],
        Outcome::Failed {
            error: "no handler for jobs of kind \"from-a-newer-node\" on this node".to_owned()
        }
    );
    // The same worker runs the retry, which works.
    w.clock.advance(secs(30));
    let ran = worker.drain().await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!((ran[0].id, &ran[0].outcome), (boom, &Outcome::Done));
    let r = row(&w.env, boom).await;
    assert_eq!((r.state.as_str(), r.attempts, r.failures), ("done", 2, 1));
}

async fn a_dead_nodes_job_is_taken_again_and_its_late_completion_ignored(
    store: Store,
    url: Option<String>,
) {
    let w = world(store);
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    let seen = runs.clone();
    registry.on("work", move |_| {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let registry = Arc::new(registry);
    let a = Worker::new(node(&w, &url).await, registry.clone(), "node-a");
    let b = Worker::new(node(&w, &url).await, registry.clone(), "node-b");
    let id = jobs::enqueue(&w.env, "work", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    // Node A claims the job and is killed (`kill -9`): it never runs nor completes it.
    let claimed = a.claim().await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.attempts), (id, 1));
    assert_eq!(claimed.lease_owner.as_deref(), Some("node-a"));
    // While A's lease holds, nobody else takes it.
    assert!(b.drain().await.unwrap().is_empty());
    w.clock.advance(secs(jobs::LEASE.as_secs() as i64 - 1));
    assert!(b.drain().await.unwrap().is_empty());
    // Once it ran out, B takes the job and runs it.
    w.clock.advance(secs(1));
    let ran = b.drain().await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!((ran[0].id, ran[0].attempt), (id, 2));
    assert_eq!(ran[0].outcome, Outcome::Done);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let r = row(&w.env, id).await;
    assert_eq!((r.state.as_str(), r.attempts, r.failures), ("done", 2, 1));
    assert_eq!(
        r.last_error.as_deref(),
        Some("the node running it stopped (node-a)")
    );
    // A comes back late: its completion, failure and renewal change nothing.
    let now = w.env.now_ms();
    let mut c = w.env.store.conn().await.unwrap();
    assert!(!repo::complete(&mut c, id, "node-a", 1, now).await.unwrap());
    assert!(
        !repo::fail(&mut c, id, "node-a", 1, "late", Some(now), now)
            .await
            .unwrap()
    );
    assert!(!repo::renew(&mut c, id, "node-a", 1, now + 1).await.unwrap());
    drop(c);
    let r2 = row(&w.env, id).await;
    assert_eq!(
        (r2.state, r2.finished_at, r2.last_error),
        (r.state, r.finished_at, r.last_error)
    );

    // A job whose node dies on its last attempt fails (it is not taken again forever).
    let last = jobs::enqueue(&w.env, "work", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    c.exec(lyceum_store::q("UPDATE jobs SET max_attempts = 1 WHERE id = $1").bind(last))
        .await
        .unwrap();
    drop(c);
    assert_eq!(a.claim().await.unwrap().unwrap().id, last);
    w.clock.advance(secs(jobs::LEASE.as_secs() as i64));
    assert!(b.drain().await.unwrap().is_empty());
    let mut c = w.env.store.conn().await.unwrap();
    assert_eq!(
        repo::fail_abandoned(&mut c, w.env.now_ms()).await.unwrap(),
        1
    );
    drop(c);
    let r = row(&w.env, last).await;
    assert_eq!((r.state.as_str(), r.failures), ("failed", 1));
}

async fn admin(env: &Env, name: &str, is_admin: bool) -> Actor {
    let mut c = env.store.conn().await.unwrap();
    let id: UserId = lyceum_store::repo::users::create_user(
        &mut c,
        name,
        &name.to_lowercase(),
        name,
        is_admin,
        0,
    )
    .await
    .unwrap();
    Actor::user(id, is_admin)
}

async fn admins_see_the_queue_and_retry_a_failed_job(store: Store, _: Option<String>) {
    let w = world(store);
    let root = admin(&w.env, "Root", true).await;
    let ann = admin(&w.env, "Ann", false).await;
    let fail = Arc::new(AtomicUsize::new(1));
    let mut registry = Registry::new();
    let failing = fail.clone();
    registry.on("report", move |_| {
        let failing = failing.clone();
        async move {
            if failing.load(Ordering::SeqCst) == 1 {
                Err("disk full".to_owned())
            } else {
                Ok(())
            }
        }
    });
    let worker = Worker::new(w.env.clone(), Arc::new(registry), "n1");
    let id = jobs::enqueue(&w.env, "report", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    c.exec(lyceum_store::q("UPDATE jobs SET max_attempts = 2 WHERE id = $1").bind(id))
        .await
        .unwrap();
    drop(c);
    worker.drain().await.unwrap();
    // Waiting for a retry.
    let o = jobs::overview(&w.env, &root).await.unwrap();
    assert_eq!(o.retrying.len(), 1);
    assert_eq!(o.retrying[0].run_after, w.env.now_ms() + 30_000);
    assert!(o.failed.is_empty() && o.running.is_empty());
    w.clock.advance(secs(30));
    worker.drain().await.unwrap();
    let o = jobs::overview(&w.env, &root).await.unwrap();
    assert_eq!(o.counts.len(), 1);
    assert_eq!(
        o.counts[0],
        jobs::KindCounts {
            kind: "report".to_owned(),
            failed: 1,
            ..Default::default()
        }
    );
    assert_eq!(o.failed[0].last_error.as_deref(), Some("disk full"));
    // Only site administrators see or retry (to others it does not exist).
    assert_eq!(
        jobs::overview(&w.env, &ann).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        jobs::retry_now(&w.env, &ann, id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    // The cause fixed, the administrator retries: fresh attempts, due now, audited.
    fail.store(0, Ordering::SeqCst);
    jobs::retry_now(&w.env, &root, id).await.unwrap();
    let r = row(&w.env, id).await;
    assert_eq!(
        (r.state.as_str(), r.attempts, r.run_after),
        ("queued", 0, w.env.now_ms())
    );
    // A queued job may be hurried again.
    jobs::retry_now(&w.env, &root, id).await.unwrap();
    let ran = worker.drain().await.unwrap();
    assert_eq!(ran[0].outcome, Outcome::Done);
    assert_eq!(
        jobs::retry_now(&w.env, &root, id).await.unwrap_err().kind,
        ErrorKind::Conflict
    );
    assert_eq!(
        jobs::retry_now(&w.env, &root, id + 1000)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    let mut c = w.env.store.conn().await.unwrap();
    let log = lyceum_store::repo::audit::list(&mut c, &Default::default(), 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|e| e.action == "job.retry" && e.target_id == id.to_string())
    );
}

async fn the_sweep_prunes_old_finished_jobs(store: Store, _: Option<String>) {
    let w = world(store);
    let mut registry = Registry::with_sweeps();
    registry.on("ok", |_| async { Ok(()) });
    registry.on("bad", |_| async { Err("no".to_owned()) });
    let worker = Worker::new(w.env.clone(), Arc::new(registry), "n1");
    let mut c = w.env.store.conn().await.unwrap();
    for k in ["ok", "bad"] {
        repo::enqueue(
            &mut c,
            &repo::NewJob {
                kind: k,
                dedupe_key: None,
                payload: "{}",
                max_attempts: 1,
                run_after: NOW_MS,
            },
            NOW_MS,
        )
        .await
        .unwrap();
    }
    drop(c);
    assert_eq!(worker.drain().await.unwrap().len(), 2);
    let states = |env: Env| async move {
        let mut c = env.store.conn().await.unwrap();
        let rows: Vec<(String, String)> = c
            .all(lyceum_store::q(
                "SELECT kind, state FROM jobs WHERE kind IN ('ok', 'bad') ORDER BY kind",
            ))
            .await
            .unwrap();
        rows
    };
    // Three days on, the done one goes; the failed one stays for a month.
    w.clock
        .advance(jiff::SignedDuration::from_hours(72) + secs(1));
    assert_eq!(jobs::sweep_jobs(&w.env).await.unwrap(), 1);
    assert_eq!(
        states(w.env.clone()).await,
        vec![("bad".to_owned(), "failed".to_owned())]
    );
    w.clock.advance(jiff::SignedDuration::from_hours(27 * 24));
    jobs::enqueue(&w.env, kind::SWEEP, &serde_json::json!({}), None)
        .await
        .unwrap();
    assert_eq!(worker.drain().await.unwrap()[0].outcome, Outcome::Done);
    assert!(states(w.env.clone()).await.is_empty());
}

async fn long_jobs_renew_their_lease_and_stop_when_it_is_lost(store: Store, url: Option<String>) {
    let w = world(store);
    let lease = Duration::from_millis(60);
    let finished = Arc::new(AtomicUsize::new(0));
    let renewed_to = Arc::new(Mutex::new(None));
    let mut registry = Registry::new();
    let (clock, seen) = (w.clock.clone(), renewed_to.clone());
    // Runs past several heartbeats: the lease moves with the clock.
    registry.on("long", move |cx: JobCx| {
        let (clock, seen) = (clock.clone(), seen.clone());
        async move {
            clock.advance(secs(1));
            let want = cx.env.now_ms() + 60;
            for _ in 0..200 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                let mut c = cx.env.store.conn().await.unwrap();
                let r = repo::get(&mut c, cx.id).await.unwrap().unwrap();
                if r.lease_until == Some(want) {
                    *seen.lock().unwrap() = r.lease_until;
                    break;
                }
            }
            Ok(())
        }
    });
    // Stalls past its lease while another node takes the job: the next heartbeat finds it
    // gone and the handler is stopped before it finishes.
    let (done, b_env) = (finished.clone(), node(&w, &url).await);
    let stopped = Arc::new(AtomicUsize::new(0));
    let dropped = stopped.clone();
    registry.on("stalls", move |_| {
        let (done, b_env, dropped) = (done.clone(), b_env.clone(), dropped.clone());
        async move {
            let _guard = OnDrop(dropped);
            // Node B, an hour on by its own clock (A's heartbeats would otherwise keep
            // moving the lease with the shared test clock), finds the lease run out.
            let later = b_env.now_ms() + 3_600_000;
            let mut c = b_env.store.conn().await.unwrap();
            let taken = repo::claim(&mut c, "node-b", later, later + 60_000)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(taken.attempts, 2);
            drop(c);
            tokio::time::sleep(Duration::from_secs(3)).await;
            done.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let a = Worker::new(w.env.clone(), Arc::new(registry), "node-a").lease(lease);
    let long = jobs::enqueue(&w.env, "long", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    let ran = a.run_one().await.unwrap().unwrap();
    assert_eq!((ran.id, ran.outcome), (long, Outcome::Done));
    assert_eq!(
        *renewed_to.lock().unwrap(),
        Some(w.env.now_ms() + 60),
        "renewed"
    );

    let stalls = jobs::enqueue(&w.env, "stalls", &serde_json::json!({}), None)
        .await
        .unwrap()
        .unwrap();
    let ran = a.run_one().await.unwrap().unwrap();
    assert_eq!((ran.id, ran.outcome), (stalls, Outcome::Lost));
    for _ in 0..100 {
        if stopped.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stopped.load(Ordering::SeqCst), 1, "the handler was dropped");
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "the handler was stopped"
    );
    let r = row(&w.env, stalls).await;
    assert_eq!(
        (r.state.as_str(), r.lease_owner.as_deref(), r.attempts),
        ("running", Some("node-b"), 2)
    );
}

/// Counts up when dropped: a handler's future dropped before it finished was stopped.
struct OnDrop(Arc<AtomicUsize>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Several nodes, each with its own connections and two workers, claim 300 jobs at once:
/// every job runs exactly once (counted by the handler) and ends done on its first attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_nodes_run_each_job_exactly_once() {
    let db = testing::postgres().await.unwrap();
    let w = world(db.store.clone());
    const JOBS: i64 = 300;
    // Which nodes ran each job.
    let counts: Arc<Mutex<HashMap<i64, Vec<String>>>> = Arc::default();
    let registry = |node: String| {
        let mut registry = Registry::new();
        let seen = counts.clone();
        registry.on("count", move |cx: JobCx| {
            let (seen, node) = (seen.clone(), node.clone());
            async move {
                let n = cx.payload["n"].as_i64().ok_or("no n")?;
                // Long enough that every node is claiming while others run jobs.
                tokio::time::sleep(Duration::from_millis(5)).await;
                seen.lock().unwrap().entry(n).or_default().push(node);
                Ok(())
            }
        });
        Arc::new(registry)
    };
    for n in 0..JOBS {
        jobs::enqueue(&w.env, "count", &serde_json::json!({ "n": n }), None)
            .await
            .unwrap();
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut nodes = Vec::new();
    for i in 0..4 {
        let env = node(&w, &db.url).await;
        let name = format!("node-{i}");
        let worker = Worker::new(env, registry(name.clone()), name)
            .concurrency(2)
            .poll(Duration::from_millis(20));
        nodes.push(tokio::spawn(
            worker.run(stopped.clone(), Arc::new(tokio::sync::Notify::new())),
        ));
    }
    let finished = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let total: usize = counts.lock().unwrap().values().map(Vec::len).sum();
            if total >= JOBS as usize {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    stop.send(true).unwrap();
    for n in nodes {
        n.await.unwrap();
    }
    assert!(finished.is_ok(), "the nodes did not finish in time");
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), JOBS as usize);
    assert!(counts.values().all(|nodes| nodes.len() == 1), "{counts:?}");
    let mut c = w.env.store.conn().await.unwrap();
    let rows: Vec<(String, i64, i64)> = c
        .all(lyceum_store::q(
            "SELECT state, COUNT(*), MAX(attempts) FROM jobs GROUP BY state",
        ))
        .await
        .unwrap();
    assert_eq!(rows, vec![("done".to_owned(), JOBS, 1)]);
    // The nodes shared the work.
    let mut nodes: Vec<&String> = counts.values().flatten().collect();
    nodes.sort();
    nodes.dedup();
    assert!(nodes.len() >= 2, "{nodes:?}");
}
