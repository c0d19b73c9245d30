//! Failed-login limits: counters in fixed windows, one row per bucket, taken with one atomic
//! upsert each, so the limits hold across processes and under any concurrency.
//!
//! A login first *reserves* a slot in every bucket that applies to it (before the password
//! is checked); a failure keeps its slots, a success hands them back. Which buckets apply
//! and their limits are the web layer's policy; here a bucket is an opaque key.
//!
//! Atomicity: SQLite runs every transaction on its one writer, one at a time. PostgreSQL's
//! `INSERT … ON CONFLICT DO UPDATE … WHERE` locks the bucket's row and evaluates the `WHERE`
//! on its latest version, so two transactions can never both take the last slot; a
//! transaction that reserves several buckets holds their rows until it ends, and callers
//! name buckets in one fixed order of kinds, so two reservations never wait on each other
//! in a cycle.

use crate::Result;
use crate::db::{Db, q};
use lyceum_core::UserId;

/// A bucket to take a slot in, and how many slots a window has.
#[derive(Clone, Debug)]
pub struct Bucket {
    pub key: String,
    pub limit: i64,
}

/// A slot taken: which bucket, in which window (so a release never touches a later one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub key: String,
    pub window_start: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    Granted(Vec<Slot>),
    /// A bucket is full; it has room again at this time (ms). Nothing is taken: the caller
    /// must roll back the transaction, which hands back the slots taken before the full one.
    Limited {
        until: i64,
    },
}

/// Take one slot in each bucket, in the order given, or none at all. Run it in a
/// transaction and commit only `Granted`; roll back on `Limited`.
pub async fn reserve(
    db: &mut impl Db,
    buckets: &[Bucket],
    now: i64,
    window_ms: i64,
) -> Result<Reservation> {
    let expired = now - window_ms;
    let mut slots = Vec::with_capacity(buckets.len());
    for b in buckets {
        let taken: Option<(i64,)> = db
            .optional(
                q(
                    "INSERT INTO login_limits (bucket, attempts, window_start) VALUES ($1, 1, $2)
                   ON CONFLICT (bucket) DO UPDATE SET
                     attempts = CASE WHEN login_limits.window_start <= $3 THEN 1
                                     ELSE login_limits.attempts + 1 END,
                     window_start = CASE WHEN login_limits.window_start <= $3 THEN $2
                                         ELSE login_limits.window_start END
                   WHERE login_limits.window_start <= $3 OR login_limits.attempts < $4
                   RETURNING window_start",
                )
                .bind(&b.key)
                .bind(now)
                .bind(expired)
                .bind(b.limit),
            )
            .await?;
        match taken {
            Some((window_start,)) => slots.push(Slot {
                key: b.key.clone(),
                window_start,
            }),
            None => {
                let start: i64 = db
                    .scalar(
                        q("SELECT window_start FROM login_limits WHERE bucket = $1").bind(&b.key),
                    )
                    .await?;
                return Ok(Reservation::Limited {
                    until: start + window_ms,
                });
            }
        }
    }
    Ok(Reservation::Granted(slots))
}

/// Hand slots back (the attempt succeeded). A slot of a window that has since ended is
/// left alone.
pub async fn release(db: &mut impl Db, slots: &[Slot]) -> Result<()> {
    for s in slots {
        db.exec(
            q("UPDATE login_limits SET attempts = attempts - 1
               WHERE bucket = $1 AND window_start = $2 AND attempts > 0")
            .bind(&s.key)
            .bind(s.window_start),
        )
        .await?;
    }
    Ok(())
}

/// Forget a bucket's count (e.g. a person's own typos once they have logged in).
pub async fn clear(db: &mut impl Db, key: &str) -> Result<()> {
    db.exec(q("DELETE FROM login_limits WHERE bucket = $1").bind(key))
        .await?;
    Ok(())
}

/// The attempts counted in a bucket's current window (for tests and diagnostics).
pub async fn attempts(db: &mut impl Db, key: &str, now: i64, window_ms: i64) -> Result<i64> {
    let row: Option<(i64,)> = db
        .optional(
            q("SELECT attempts FROM login_limits WHERE bucket = $1 AND window_start > $2")
                .bind(key)
                .bind(now - window_ms),
        )
        .await?;
    Ok(row.map_or(0, |(n,)| n))
}

/// Has the account with this username key logged in from this address since `since`?
pub async fn is_trusted(
    db: &mut impl Db,
    username_key: &str,
    address_hash: &str,
    since: i64,
) -> Result<bool> {
    let n: i64 = db
        .scalar(
            q(
                "SELECT COUNT(*) FROM login_trusted_addresses t JOIN users u ON u.id = t.user_id
               WHERE u.username_key = $1 AND t.address_hash = $2 AND t.last_success_at > $3",
            )
            .bind(username_key)
            .bind(address_hash)
            .bind(since),
        )
        .await?;
    Ok(n > 0)
}

/// Remember that `user` logged in from this address now.
pub async fn trust(db: &mut impl Db, user: UserId, address_hash: &str, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO login_trusted_addresses (user_id, address_hash, last_success_at)
           VALUES ($1, $2, $3)
           ON CONFLICT (user_id, address_hash) DO UPDATE SET last_success_at = excluded.last_success_at")
        .bind(user.0)
        .bind(address_hash)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Buckets whose key starts with this count in one-hour windows (sign-ups, password-reset
/// requests: `lyceum_app::accounts`); the login sweep leaves them to [`sweep_hourly`].
pub const HOURLY_PREFIX: &str = "hourly:";

/// Delete login counters whose window ended before `windows_before` and trusted addresses
/// last used before `trusted_before`; the number of rows removed.
pub async fn sweep(db: &mut impl Db, windows_before: i64, trusted_before: i64) -> Result<u64> {
    let a = db
        .exec(
            q("DELETE FROM login_limits WHERE window_start <= $1 AND bucket NOT LIKE 'hourly:%'")
                .bind(windows_before),
        )
        .await?;
    let b = db
        .exec(
            q("DELETE FROM login_trusted_addresses WHERE last_success_at <= $1")
                .bind(trusted_before),
        )
        .await?;
    Ok(a + b)
}

/// Delete the one-hour counters ([`HOURLY_PREFIX`]) whose window started before `before`.
pub async fn sweep_hourly(db: &mut impl Db, before: i64) -> Result<u64> {
    db.exec(
        q("DELETE FROM login_limits WHERE window_start <= $1 AND bucket LIKE 'hourly:%'")
            .bind(before),
    )
    .await
}
