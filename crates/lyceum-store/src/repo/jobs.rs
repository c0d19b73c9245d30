//! The job table: background work any node may run, each job taken by one node at a time.
//!
//! A node *claims* a job by moving it to `running` under a lease (its node id and an expiry
//! time) in one statement; on PostgreSQL the row is picked with `FOR UPDATE SKIP LOCKED`,
//! so concurrent claims never wait for each other nor take the same job. SQLite has one
//! writer, so the same statement without the locking clause is atomic there. A claim takes
//! a queued job that is due, or a running job whose lease ran out (its node died): that is
//! how nothing is lost.
//!
//! Completion, failure and lease renewal are *fenced*: they apply only while the job is
//! still running under the same owner and attempt. A node that lost its lease (and whose
//! job was claimed again) cannot mark it done or failed.

use crate::Result;
use crate::db::{Backend, Db, q, row};

row! {
    pub struct JobRow {
        pub id: i64,
        pub kind: String,
        pub dedupe_key: Option<String>,
        pub payload: String,
        pub state: String,
        pub attempts: i64,
        pub max_attempts: i64,
        pub failures: i64,
        pub run_after: i64,
        pub lease_owner: Option<String>,
        pub lease_until: Option<i64>,
        pub last_error: Option<String>,
        pub created_at: i64,
        pub started_at: Option<i64>,
        pub finished_at: Option<i64>,
    }
}

/// A job to add.
#[derive(Clone, Debug)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    /// At most one job ever has this key (e.g. the slot of a periodic job).
    pub dedupe_key: Option<&'a str>,
    /// A JSON value.
    pub payload: &'a str,
    pub max_attempts: i64,
    /// Not run before this time (ms).
    pub run_after: i64,
}

/// Add a job; `None` when a job with its dedupe key already exists (nothing is added).
pub async fn enqueue(db: &mut impl Db, job: &NewJob<'_>, now: i64) -> Result<Option<i64>> {
    let id: Option<(i64,)> = db
        .optional(
            q(
                "INSERT INTO jobs (kind, dedupe_key, payload, max_attempts, run_after, created_at)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (dedupe_key) DO NOTHING
               RETURNING id",
            )
            .bind(job.kind)
            .bind(job.dedupe_key)
            .bind(job.payload)
            .bind(job.max_attempts.max(1))
            .bind(job.run_after)
            .bind(now),
        )
        .await?;
    Ok(id.map(|(id,)| id))
}

/// Claim one job for `owner` until `lease_until`: the queued job due longest, or a running
/// job whose lease ran out with attempts left (the attempt lost is counted as a failure).
/// The job comes back `running`, its attempts counted up by one.
pub async fn claim(
    db: &mut impl Db,
    owner: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<JobRow>> {
    // `$1` owner, `$2` now, `$3` lease expiry. The CASEs read the row as it was before this
    // claim: a running row is one whose node stopped.
    // The same statement on both; PostgreSQL's claimers skip each other's rows (SQLite
    // has one writer at a time, and no row locks).
    macro_rules! claim {
        ($lock:literal) => {
            concat!(
                "UPDATE jobs SET
                   failures = failures + CASE WHEN state = 'running' THEN 1 ELSE 0 END,
                   last_error = CASE WHEN state = 'running'
                     THEN 'the node running it stopped (' || COALESCE(lease_owner, '?') || ')'
                     ELSE last_error END,
                   state = 'running', attempts = attempts + 1,
                   lease_owner = $1, lease_until = $3, started_at = $2
                 WHERE id = (
                   SELECT id FROM jobs
                   WHERE (state = 'queued' AND run_after <= $2)
                      OR (state = 'running' AND lease_until <= $2 AND attempts < max_attempts)
                   ORDER BY run_after, id
                   LIMIT 1",
                $lock,
                ")
                 RETURNING id, kind, dedupe_key, payload, state, attempts, max_attempts, failures,
                   run_after, lease_owner, lease_until, last_error, created_at, started_at, finished_at"
            )
        };
    }
    let sql = match db.backend() {
        Backend::Postgres => claim!(" FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim!(""),
    };
    db.optional(q(sql).bind(owner).bind(now).bind(lease_until))
        .await
}

/// Running jobs whose lease ran out with no attempts left (their node died on the last
/// one) become `failed`; the number of jobs so marked.
pub async fn fail_abandoned(db: &mut impl Db, now: i64) -> Result<u64> {
    db.exec(
        q(
            "UPDATE jobs SET state = 'failed', failures = failures + 1, finished_at = $1,
             last_error = 'the node running it stopped (' || COALESCE(lease_owner, '?') || ')',
             lease_owner = NULL, lease_until = NULL
           WHERE state = 'running' AND lease_until <= $1 AND attempts >= max_attempts",
        )
        .bind(now),
    )
    .await
}

/// Hold the lease longer; false when the job is no longer this attempt's (its lease ran
/// out and another node took it, or an admin changed it).
pub async fn renew(
    db: &mut impl Db,
    id: i64,
    owner: &str,
    attempt: i64,
    lease_until: i64,
) -> Result<bool> {
    let n = db
        .exec(
            q("UPDATE jobs SET lease_until = $4
               WHERE id = $1 AND state = 'running' AND lease_owner = $2 AND attempts = $3")
            .bind(id)
            .bind(owner)
            .bind(attempt)
            .bind(lease_until),
        )
        .await?;
    Ok(n == 1)
}

/// Mark this attempt's job done; false (nothing changed) when it is no longer this
/// attempt's.
pub async fn complete(
    db: &mut impl Db,
    id: i64,
    owner: &str,
    attempt: i64,
    now: i64,
) -> Result<bool> {
    let n = db
        .exec(
            q("UPDATE jobs SET state = 'done', finished_at = $4, lease_owner = NULL, lease_until = NULL
               WHERE id = $1 AND state = 'running' AND lease_owner = $2 AND attempts = $3")
            .bind(id)
            .bind(owner)
            .bind(attempt)
            .bind(now),
        )
        .await?;
    Ok(n == 1)
}

/// Record this attempt's failure: back to the queue until `retry_at` when given, else
/// `failed` for good. False (nothing changed) when the job is no longer this attempt's.
pub async fn fail(
    db: &mut impl Db,
    id: i64,
    owner: &str,
    attempt: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<bool> {
    let n = db
        .exec(
            q("UPDATE jobs SET
                 state = CASE WHEN $5 IS NULL THEN 'failed' ELSE 'queued' END,
                 run_after = COALESCE($5, run_after),
                 finished_at = CASE WHEN $5 IS NULL THEN $6 ELSE NULL END,
                 failures = failures + 1, last_error = $4,
                 lease_owner = NULL, lease_until = NULL
               WHERE id = $1 AND state = 'running' AND lease_owner = $2 AND attempts = $3")
            .bind(id)
            .bind(owner)
            .bind(attempt)
            .bind(error)
            .bind(retry_at)
            .bind(now),
        )
        .await?;
    Ok(n == 1)
}

/// Run a failed job again now with its attempts renewed, or a queued one waiting for a
/// retry at once; false when it is neither (done, running, or gone).
pub async fn retry_now(db: &mut impl Db, id: i64, now: i64) -> Result<bool> {
    let n = db
        .exec(
            q("UPDATE jobs SET
                 attempts = CASE WHEN state = 'failed' THEN 0 ELSE attempts END,
                 state = 'queued', run_after = $2, finished_at = NULL
               WHERE id = $1 AND state IN ('failed', 'queued')")
            .bind(id)
            .bind(now),
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(db: &mut impl Db, id: i64) -> Result<Option<JobRow>> {
    db.optional(q("SELECT id, kind, dedupe_key, payload, state, attempts, max_attempts, failures, run_after, lease_owner, lease_until, last_error, created_at, started_at, finished_at FROM jobs WHERE id = $1").bind(id))
        .await
}

row! {
    /// How many jobs of a kind are in a state, and the failed attempts among them.
    pub struct CountRow {
        pub kind: String,
        pub state: String,
        pub jobs: i64,
        pub failures: i64,
    }
}

pub async fn counts(db: &mut impl Db) -> Result<Vec<CountRow>> {
    db.all(q(
        "SELECT kind, state, COUNT(*) AS jobs, CAST(COALESCE(SUM(failures), 0) AS BIGINT) AS failures
         FROM jobs GROUP BY kind, state ORDER BY kind, state",
    ))
    .await
}

/// The jobs running now, the longest running first.
pub async fn running(db: &mut impl Db, limit: i64) -> Result<Vec<JobRow>> {
    db.all(
        q("SELECT id, kind, dedupe_key, payload, state, attempts, max_attempts, failures, run_after, lease_owner, lease_until, last_error, created_at, started_at, finished_at
           FROM jobs WHERE state = 'running' ORDER BY started_at, id LIMIT $1")
        .bind(limit),
    )
    .await
}

/// The jobs that failed for good, the latest first.
pub async fn failed(db: &mut impl Db, limit: i64) -> Result<Vec<JobRow>> {
    db.all(
        q("SELECT id, kind, dedupe_key, payload, state, attempts, max_attempts, failures, run_after, lease_owner, lease_until, last_error, created_at, started_at, finished_at
           FROM jobs WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT $1")
        .bind(limit),
    )
    .await
}

/// Queued jobs that failed before and wait for their next attempt, the soonest first.
pub async fn retrying(db: &mut impl Db, limit: i64) -> Result<Vec<JobRow>> {
    db.all(
        q("SELECT id, kind, dedupe_key, payload, state, attempts, max_attempts, failures, run_after, lease_owner, lease_until, last_error, created_at, started_at, finished_at
           FROM jobs WHERE state = 'queued' AND attempts > 0 ORDER BY run_after, id LIMIT $1")
        .bind(limit),
    )
    .await
}

/// Delete done jobs finished before `done_before` and failed ones finished before
/// `failed_before`; the number deleted.
pub async fn prune(db: &mut impl Db, done_before: i64, failed_before: i64) -> Result<u64> {
    db.exec(
        q(
            "DELETE FROM jobs WHERE (state = 'done' AND finished_at < $1)
                              OR (state = 'failed' AND finished_at < $2)",
        )
        .bind(done_before)
        .bind(failed_before),
    )
    .await
}
