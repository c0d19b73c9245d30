//! Background work as jobs in a table every node shares (issue 16): mail, digests, score
//! settling, the sweeps and the wiki sync each run once, whichever node takes them.
//!
//! - Each node's [`Scheduler`] *enqueues* periodic work, naming the period's slot in the
//!   job's dedupe key (`mail:2026-12-07T02:13`), so however many nodes run, a slot is one
//!   job.
//! - Each node's [`Worker`] claims due jobs (`lyceum_store::repo::jobs::claim`) under a
//!   lease it renews while the job runs, and runs the handler registered for the job's
//!   kind in a [`Registry`]. A node that dies leaves its lease to run out; another node
//!   then takes the job again. A late completion from the node that lost the lease is
//!   ignored (the store fences it by owner and attempt).
//! - A failure (an error or a panic) sends the job back to the queue after a backoff
//!   ([`backoff_ms`]) until its attempts are spent; then it stays `failed` with its error,
//!   for site administrators to see ([`overview`]) and run again ([`retry_now`]).
//!
//! The sweeps (sessions, login limits, old jobs, media) are here; handlers that need the
//! web's settings and templates (mail, digests, settling, the wiki sync) are registered by
//! `lyceum_web::jobs`.

use crate::accounts::{LOGIN_TRUST_MS, LOGIN_WINDOW_MS};
use crate::{Env, Error, Result};
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_store::media_gc::{self, SweepReport};
use lyceum_store::repo::jobs::{self as repo, NewJob};
use lyceum_store::repo::{audit, login_limits, sessions};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use lyceum_store::repo::jobs::JobRow;

/// The kinds of background work a site runs.
pub mod kind {
    /// Expired sessions, ended login-limit windows, old finished jobs (hourly).
    pub const SWEEP: &str = "sweep";
    /// Media files nothing refers to (hourly).
    pub const MEDIA_SWEEP: &str = "media-sweep";
    /// Notices mailed to people who want them at once (each minute).
    pub const MAIL: &str = "mail";
    /// The daily digests due (each minute).
    pub const DIGESTS: &str = "digests";
    /// Open-response scores that time made final (hourly).
    pub const SETTLE: &str = "settle-open-responses";
    /// Learners' work on the wikis read and their tasks checked (every 15 minutes).
    pub const WIKI_SYNC: &str = "wiki-sync";
}

/// Attempts a job gets before it stays failed.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long a claim holds before another node may take the job; renewed every third of it
/// while the job runs.
pub const LEASE: Duration = Duration::from_secs(5 * 60);
/// How long finished jobs are kept (for the admin page) before the sweep deletes them.
pub const DONE_KEPT_MS: i64 = 3 * 24 * 3600 * 1000;
pub const FAILED_KEPT_MS: i64 = 30 * 24 * 3600 * 1000;

/// The wait before attempt `attempt + 1` after attempt `attempt` (1, 2, …) failed:
/// 30 s, 1 min, 2 min … at most an hour.
pub fn backoff_ms(attempt: i64) -> i64 {
    let doublings = attempt.clamp(1, 20) - 1;
    (30_000_i64 << doublings).min(3_600_000)
}

/// The dedupe key of a periodic job's slot at `now`: the kind and the slot's start, to the
/// hour for periods of whole hours, else to the minute (`mail:2026-12-07T02:13`).
pub fn slot_key(kind: &str, every: Duration, now: jiff::Timestamp) -> String {
    let every_ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX).max(1);
    let ms = now.as_millisecond();
    let start = lyceum_core::clock::from_millis(ms - ms.rem_euclid(every_ms));
    let format = if every_ms % 3_600_000 == 0 {
        "%Y-%m-%dT%H"
    } else {
        "%Y-%m-%dT%H:%M"
    };
    format!("{kind}:{}", start.strftime(format))
}

// ---- Handlers ----

/// What a handler is given: the job and the environment to run it in.
#[derive(Clone)]
pub struct JobCx {
    pub env: Env,
    pub id: i64,
    pub kind: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub payload: serde_json::Value,
}

/// A handler's answer: `Err` with the text admins will read.
pub type JobResult = std::result::Result<(), String>;
pub type JobFuture = Pin<Box<dyn Future<Output = JobResult> + Send>>;
type Handler = Arc<dyn Fn(JobCx) -> JobFuture + Send + Sync>;

struct Entry {
    handler: Handler,
    /// Periodic work: enqueued once per slot of this length.
    every: Option<Duration>,
}

/// The handlers a node runs, by kind, and which kinds are periodic.
#[derive(Default)]
pub struct Registry {
    kinds: HashMap<&'static str, Entry>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The sweeps this crate does on its own: [`kind::SWEEP`] and [`kind::MEDIA_SWEEP`],
    /// hourly.
    pub fn with_sweeps() -> Registry {
        let mut r = Registry::new();
        let hour = Duration::from_secs(3600);
        r.every(
            kind::SWEEP,
            hour,
            |cx| async move { sweep_job(&cx.env).await },
        );
        r.every(kind::MEDIA_SWEEP, hour, |cx| async move {
            let report = sweep_media(&cx.env).await.map_err(|e| e.to_string())?;
            log_media(&report);
            Ok(())
        });
        r
    }

    /// Run jobs of `kind` with `f` (jobs enqueued with [`enqueue`]).
    pub fn on<F, Fut>(&mut self, kind: &'static str, f: F) -> &mut Registry
    where
        F: Fn(JobCx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        self.insert(kind, f, None)
    }

    /// Run jobs of `kind` with `f`, and have the scheduler enqueue one each `every`.
    pub fn every<F, Fut>(&mut self, kind: &'static str, every: Duration, f: F) -> &mut Registry
    where
        F: Fn(JobCx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        self.insert(kind, f, Some(every))
    }

    fn insert<F, Fut>(&mut self, kind: &'static str, f: F, every: Option<Duration>) -> &mut Registry
    where
        F: Fn(JobCx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |cx| Box::pin(f(cx)));
        self.kinds.insert(kind, Entry { handler, every });
        self
    }

    /// The kinds registered, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.kinds.keys().copied().collect();
        k.sort_unstable();
        k
    }

    /// The periodic kinds and their periods.
    pub fn periodic(&self) -> Vec<(&'static str, Duration)> {
        let mut p: Vec<_> = self
            .kinds
            .iter()
            .filter_map(|(k, e)| e.every.map(|d| (*k, d)))
            .collect();
        p.sort_unstable();
        p
    }
}

// ---- Enqueueing ----

/// Add a job of `kind`, due now, with `payload`; `None` when `dedupe` names a job that
/// already exists.
pub async fn enqueue(
    env: &Env,
    kind: &str,
    payload: &serde_json::Value,
    dedupe: Option<&str>,
) -> Result<Option<i64>> {
    let now = env.now_ms();
    let mut c = env.store.conn().await?;
    Ok(repo::enqueue(
        &mut c,
        &NewJob {
            kind,
            dedupe_key: dedupe,
            payload: &payload.to_string(),
            max_attempts: MAX_ATTEMPTS,
            run_after: now,
        },
        now,
    )
    .await?)
}

/// A node's scheduler: enqueues each periodic kind's current slot. It remembers the slots
/// it already enqueued, so a tick costs a statement only when a new slot begins.
#[derive(Default)]
pub struct Scheduler {
    done: HashMap<&'static str, String>,
}

impl Scheduler {
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// Enqueue the current slot of each periodic kind not enqueued yet by this scheduler;
    /// answers how many jobs were added (a slot another node enqueued adds none).
    pub async fn tick(&mut self, env: &Env, registry: &Registry) -> Result<usize> {
        let now = env.now();
        let mut added = 0;
        for (kind, every) in registry.periodic() {
            let key = slot_key(kind, every, now);
            if self.done.get(kind) == Some(&key) {
                continue;
            }
            if enqueue(env, kind, &serde_json::json!({}), Some(&key))
                .await?
                .is_some()
            {
                added += 1;
            }
            self.done.insert(kind, key);
        }
        Ok(added)
    }
}

// ---- Running ----

/// This process's name in leases: host name, process id and a random suffix (a restarted
/// process with a recycled pid is still another owner).
pub fn node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    let suffix: u32 = rand::random();
    format!("{host}-{}-{:06x}", std::process::id(), suffix & 0xff_ffff)
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Failed; queued again for this time (ms).
    Retry {
        at: i64,
        error: String,
    },
    /// Failed with no attempts left (or not runnable at all): stays failed.
    Failed {
        error: String,
    },
    /// The lease was lost (another node took the job): nothing recorded.
    Lost,
}

/// One attempt run by a worker.
#[derive(Clone, Debug)]
pub struct Ran {
    pub id: i64,
    pub kind: String,
    pub attempt: i64,
    pub outcome: Outcome,
}

/// How a node runs jobs: its id in leases, the handlers, how many jobs at once.
#[derive(Clone)]
pub struct Worker {
    env: Env,
    registry: Arc<Registry>,
    node: Arc<str>,
    concurrency: usize,
    lease: Duration,
    poll: Duration,
    grace: Duration,
}

/// Aborts a spawned handler when the attempt running it is dropped (shutdown, lost lease).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn panic_text(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            format!("the job panicked: {msg}")
        }
        Err(e) => format!("the job was cancelled: {e}"),
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Worker {
    pub fn new(env: Env, registry: Arc<Registry>, node: impl Into<String>) -> Worker {
        Worker {
            env,
            registry,
            node: Arc::from(node.into()),
            concurrency: 2,
            lease: LEASE,
            poll: Duration::from_secs(2),
            grace: Duration::from_secs(20),
        }
    }

    /// How many jobs run at once on this node (at least 1).
    pub fn concurrency(mut self, n: usize) -> Worker {
        self.concurrency = n.max(1);
        self
    }

    /// How long a claim holds without renewal.
    pub fn lease(mut self, lease: Duration) -> Worker {
        self.lease = lease;
        self
    }

    /// How long an idle worker waits before looking for due jobs again.
    pub fn poll(mut self, poll: Duration) -> Worker {
        self.poll = poll;
        self
    }

    /// How long shutdown waits for running jobs before leaving them to their leases.
    pub fn grace(mut self, grace: Duration) -> Worker {
        self.grace = grace;
        self
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Claim one due job for this node, if any.
    pub async fn claim(&self) -> Result<Option<JobRow>> {
        let now = self.env.now_ms();
        let mut c = self.env.store.conn().await?;
        Ok(repo::claim(&mut c, &self.node, now, now + ms(self.lease)).await?)
    }

    /// Claim one due job and run it here; `None` when nothing is due.
    pub async fn run_one(&self) -> Result<Option<Ran>> {
        match self.claim().await? {
            Some(job) => Ok(Some(self.execute(job).await)),
            None => Ok(None),
        }
    }

    /// Run due jobs one after another until none is due (tests, the command line).
    pub async fn drain(&self) -> Result<Vec<Ran>> {
        let mut ran = Vec::new();
        while let Some(r) = self.run_one().await? {
            ran.push(r);
        }
        Ok(ran)
    }

    /// Run a claimed job: its handler in a task of its own (a panic is a failure, not a
    /// dead worker), its lease renewed while it runs, then its outcome recorded — fenced,
    /// so a job another node took meanwhile is left to that node.
    pub async fn execute(&self, job: JobRow) -> Ran {
        let outcome = match self.attempt(&job).await {
            Attempt::Finished(Ok(())) => self.record_done(&job).await,
            Attempt::Finished(Err(error)) => self.record_failure(&job, error, true).await,
            Attempt::Unrunnable(error) => self.record_failure(&job, error, false).await,
            Attempt::Lost => Outcome::Lost,
        };
        match &outcome {
            Outcome::Done => tracing::debug!(job = job.id, kind = %job.kind, "job done"),
            Outcome::Retry { error, .. } => {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed; it will be retried")
            }
            Outcome::Failed { error } => {
                tracing::error!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, "job failed")
            }
            Outcome::Lost => {
                tracing::warn!(job = job.id, kind = %job.kind, "job's lease was lost to another node")
            }
        }
        Ran {
            id: job.id,
            kind: job.kind,
            attempt: job.attempts,
            outcome,
        }
    }

    async fn attempt(&self, job: &JobRow) -> Attempt {
        let Some(entry) = self.registry.kinds.get(job.kind.as_str()) else {
            return Attempt::Unrunnable(format!(
                "no handler for jobs of kind \"{}\" on this node",
                job.kind
            ));
        };
        let payload = match serde_json::from_str(&job.payload) {
            Ok(p) => p,
            Err(e) => return Attempt::Unrunnable(format!("the job's payload is not JSON: {e}")),
        };
        let cx = JobCx {
            env: self.env.clone(),
            id: job.id,
            kind: job.kind.clone(),
            attempt: job.attempts,
            payload,
        };
        let mut task = AbortOnDrop(tokio::spawn((entry.handler)(cx)));
        let mut beat = tokio::time::interval((self.lease / 3).max(Duration::from_millis(10)));
        beat.tick().await;
        loop {
            tokio::select! {
                r = &mut task.0 => {
                    return Attempt::Finished(r.unwrap_or_else(|e| Err(panic_text(e))));
                }
                _ = beat.tick() => {
                    let until = self.env.now_ms() + ms(self.lease);
                    let renewed = async {
                        let mut c = self.env.store.conn().await?;
                        repo::renew(&mut c, job.id, &self.node, job.attempts, until).await
                    };
                    match renewed.await {
                        Ok(true) => {}
                        // Another node has it now: stop working on it (the guard aborts).
                        Ok(false) => return Attempt::Lost,
                        Err(e) => tracing::warn!(job = job.id, error = %e, "renewing a job's lease failed"),
                    }
                }
            }
        }
    }

    async fn record_done(&self, job: &JobRow) -> Outcome {
        let now = self.env.now_ms();
        let done = async {
            let mut c = self.env.store.conn().await?;
            repo::complete(&mut c, job.id, &self.node, job.attempts, now).await
        };
        match done.await {
            Ok(true) => Outcome::Done,
            Ok(false) => Outcome::Lost,
            Err(e) => {
                // The lease will run out and the job run again: handlers are idempotent.
                tracing::error!(job = job.id, error = %e, "recording a job as done failed");
                Outcome::Lost
            }
        }
    }

    async fn record_failure(&self, job: &JobRow, error: String, retry: bool) -> Outcome {
        let now = self.env.now_ms();
        let retry_at =
            (retry && job.attempts < job.max_attempts).then(|| now + backoff_ms(job.attempts));
        let failed = async {
            let mut c = self.env.store.conn().await?;
            repo::fail(
                &mut c,
                job.id,
                &self.node,
                job.attempts,
                &error,
                retry_at,
                now,
            )
            .await
        };
        match failed.await {
            Ok(true) => match retry_at {
                Some(at) => Outcome::Retry { at, error },
                None => Outcome::Failed { error },
            },
            Ok(false) => Outcome::Lost,
            Err(e) => {
                tracing::error!(job = job.id, error = %e, "recording a job's failure failed");
                Outcome::Lost
            }
        }
    }

    /// The node's loop: claim and run due jobs, up to `concurrency` at once, until
    /// `shutdown` turns true; then claim no more and wait (at most the grace period) for
    /// the running ones. Jobs still running after that are left to their leases: nothing
    /// half-done is released as if it had not started. `wake` makes it look for jobs at
    /// once (the scheduler just enqueued some).
    pub async fn run(
        self,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
        wake: Arc<tokio::sync::Notify>,
    ) {
        let mut running = tokio::task::JoinSet::new();
        let mut last_reap: Option<tokio::time::Instant> = None;
        tracing::info!(node = %self.node, concurrency = self.concurrency, "job worker started");
        while !*shutdown.borrow() {
            if last_reap.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                last_reap = Some(tokio::time::Instant::now());
                let reaped = async {
                    let mut c = self.env.store.conn().await?;
                    repo::fail_abandoned(&mut c, self.env.now_ms()).await
                };
                match reaped.await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(
                        jobs = n,
                        "jobs whose node stopped on their last attempt failed"
                    ),
                    Err(e) => tracing::warn!(error = %e, "failing abandoned jobs failed"),
                }
            }
            while running.len() < self.concurrency {
                match self.claim().await {
                    Ok(Some(job)) => {
                        let w = self.clone();
                        running.spawn(async move { w.execute(job).await });
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming a job failed");
                        break;
                    }
                }
            }
            tokio::select! {
                // A dropped sender means nobody can stop us any more: stop now.
                r = shutdown.changed() => if r.is_err() { break },
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
        let waited = tokio::time::timeout(self.grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if waited.is_err() {
            tracing::warn!(
                jobs = running.len(),
                "jobs still running at shutdown are left to their leases"
            );
            running.abort_all();
        }
        tracing::info!(node = %self.node, "job worker stopped");
    }
}

enum Attempt {
    Finished(JobResult),
    /// Not run at all (an unknown kind, a bad payload): fails for good.
    Unrunnable(String),
    Lost,
}

// ---- Seeing and retrying (site administrators) ----

/// Jobs of one kind by state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindCounts {
    pub kind: String,
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// What the admin page shows.
#[derive(Clone, Debug)]
pub struct Overview {
    pub counts: Vec<KindCounts>,
    pub running: Vec<JobRow>,
    /// Queued after a failure, waiting for their next attempt.
    pub retrying: Vec<JobRow>,
    /// The latest jobs that failed for good.
    pub failed: Vec<JobRow>,
}

/// How many of each list the overview shows.
pub const OVERVIEW_LIMIT: i64 = 50;

fn require_site_admin(actor: &Actor) -> Result<()> {
    if can(actor, Action::Administer, Resource::Site).allowed() {
        Ok(())
    } else {
        Err(Error::not_found())
    }
}

pub async fn overview(env: &Env, actor: &Actor) -> Result<Overview> {
    require_site_admin(actor)?;
    let mut c = env.store.conn().await?;
    let mut counts: Vec<KindCounts> = Vec::new();
    for r in repo::counts(&mut c).await? {
        if counts.last().is_none_or(|k| k.kind != r.kind) {
            counts.push(KindCounts {
                kind: r.kind.clone(),
                ..KindCounts::default()
            });
        }
        if let Some(k) = counts.last_mut() {
            match r.state.as_str() {
                "queued" => k.queued = r.jobs,
                "running" => k.running = r.jobs,
                "done" => k.done = r.jobs,
                _ => k.failed = r.jobs,
            }
        }
    }
    Ok(Overview {
        counts,
        running: repo::running(&mut c, OVERVIEW_LIMIT).await?,
        retrying: repo::retrying(&mut c, OVERVIEW_LIMIT).await?,
        failed: repo::failed(&mut c, OVERVIEW_LIMIT).await?,
    })
}

/// Run a failed job again now, with fresh attempts (or a job waiting for a retry at once),
/// with an audit entry. Conflict when the job is neither any more (another administrator
/// or a worker got there first).
pub async fn retry_now(env: &Env, actor: &Actor, id: i64) -> Result<()> {
    require_site_admin(actor)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let job = repo::get(&mut tx, id).await?.ok_or_else(Error::not_found)?;
    if !repo::retry_now(&mut tx, id, now).await? {
        return Err(Error::conflict("lyceum-jobs-error-not-retryable"));
    }
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "job.retry",
            target_type: "job",
            target_id: &id.to_string(),
            reason: "",
            details: serde_json::json!({
                "kind": job.kind,
                "state": job.state,
                "error": job.last_error,
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Jobs of a kind in a state, and the failed attempts among them (from the table, so
/// the finished jobs the sweep deleted no longer count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobCount {
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub count: i64,
    /// Attempts of these jobs that failed (errors, panics, nodes that stopped).
    pub failed_attempts: i64,
}

/// The queue for metrics: jobs by kind and state, with their failed attempts. Summed over
/// states, `failed_attempts` is a kind's failures; `count` of state `failed` its jobs
/// that failed for good.
pub async fn queue_stats(env: &Env) -> Result<Vec<JobCount>> {
    let mut c = env.store.conn().await?;
    Ok(repo::counts(&mut c)
        .await?
        .into_iter()
        .map(|r| JobCount {
            kind: r.kind,
            state: r.state,
            count: r.jobs,
            failed_attempts: r.failures,
        })
        .collect())
}

// ---- The sweeps ----

/// Delete sessions that expired; returns how many.
pub async fn sweep_sessions(env: &Env) -> Result<u64> {
    let mut c = env.store.conn().await?;
    Ok(sessions::delete_expired(&mut c, env.now_ms()).await?)
}

/// Remove ended login-limit windows and addresses not used for a login in 90 days, and
/// ended creation rate-limit windows.
pub async fn sweep_login_limits(env: &Env) -> Result<u64> {
    let now = env.now_ms();
    let mut c = env.store.conn().await?;
    let logins = login_limits::sweep(&mut c, now - LOGIN_WINDOW_MS, now - LOGIN_TRUST_MS).await?;
    // Sign-up and password-reset counters (hourly windows), and mailed links a day after
    // they expired.
    let hourly =
        login_limits::sweep_hourly(&mut c, now - crate::accounts::SIGNUP_WINDOW_MS).await?;
    let links = lyceum_store::repo::accounts::sweep_tokens(&mut c, now - 24 * 3600 * 1000).await?;
    // Creation rate-limit windows (`crate::trust::check_rate`) a day after they ended.
    let creations = lyceum_store::repo::trust::sweep(&mut c, now - 24 * 3600 * 1000).await?;
    Ok(logins + hourly + links + creations)
}

/// Delete finished jobs: done ones after [`DONE_KEPT_MS`], failed ones after
/// [`FAILED_KEPT_MS`]; returns how many.
pub async fn sweep_jobs(env: &Env) -> Result<u64> {
    let now = env.now_ms();
    let mut c = env.store.conn().await?;
    Ok(repo::prune(&mut c, now - DONE_KEPT_MS, now - FAILED_KEPT_MS).await?)
}

/// Remove media files nothing refers to and finish interrupted moves (see
/// `lyceum_store::media_gc` for why this never removes a file a committed row refers to).
pub async fn sweep_media(env: &Env) -> Result<SweepReport> {
    Ok(media_gc::sweep(&env.store, &env.media).await?)
}

fn log_media(r: &SweepReport) {
    if !(r.removed.is_empty() && r.recovered.is_empty()) {
        tracing::info!(
            removed = r.removed.len(),
            bytes = r.bytes(),
            recovered = r.recovered.len(),
            "media sweep"
        );
    }
}

/// The [`kind::SWEEP`] job: each part on its own (one failing does not stop the others);
/// any failure fails the job, which runs all parts again later (each is idempotent).
async fn sweep_job(env: &Env) -> JobResult {
    let errors: Vec<String> = [
        ("expired sessions", sweep_sessions(env).await),
        ("login limits", sweep_login_limits(env).await),
        ("finished jobs", sweep_jobs(env).await),
    ]
    .into_iter()
    .filter_map(|(what, r)| r.err().map(|e| format!("sweeping {what}: {e}")))
    .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// What [`sweep`] did; `None` for a part that failed (logged).
#[derive(Debug, Default)]
pub struct Swept {
    pub sessions: Option<u64>,
    pub login_limits: Option<u64>,
    pub jobs: Option<u64>,
    pub media: Option<SweepReport>,
}

/// Every sweep at once, here and now, each on its own: one failing (logged) does not stop
/// the others. (A running site runs them as the hourly jobs [`kind::SWEEP`] and
/// [`kind::MEDIA_SWEEP`].)
pub async fn sweep(env: &Env) -> Swept {
    fn logged<T>(what: &str, r: Result<T>) -> Option<T> {
        r.map_err(|e| tracing::warn!(error = %e, detail = ?e.detail, "sweeping {what} failed"))
            .ok()
    }
    let sessions = logged("expired sessions", sweep_sessions(env).await);
    let login_limits = logged("login limits", sweep_login_limits(env).await);
    let jobs = logged("finished jobs", sweep_jobs(env).await);
    let media = logged("the media directory", sweep_media(env).await);
    if let Some(r) = &media {
        log_media(r);
    }
    Swept {
        sessions,
        login_limits,
        jobs,
        media,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        let table = [
            (1, 30_000),
            (2, 60_000),
            (3, 120_000),
            (7, 1_920_000),
            (8, 3_600_000),
            (40, 3_600_000),
            (0, 30_000),
        ];
        for (attempt, wait) in table {
            assert_eq!(backoff_ms(attempt), wait, "attempt {attempt}");
        }
    }

    #[test]
    fn slots_name_the_period_they_start() {
        let t: jiff::Timestamp = "2026-12-07T02:13:59.900Z".parse().unwrap_or_default();
        let minute = Duration::from_secs(60);
        let hour = Duration::from_secs(3600);
        let quarter = Duration::from_secs(15 * 60);
        assert_eq!(slot_key("mail", minute, t), "mail:2026-12-07T02:13");
        assert_eq!(slot_key("sweep", hour, t), "sweep:2026-12-07T02");
        assert_eq!(
            slot_key("wiki-sync", quarter, t),
            "wiki-sync:2026-12-07T02:00"
        );
        let t: jiff::Timestamp = "2026-12-07T02:15:00Z".parse().unwrap_or_default();
        assert_eq!(
            slot_key("wiki-sync", quarter, t),
            "wiki-sync:2026-12-07T02:15"
        );
    }
}
