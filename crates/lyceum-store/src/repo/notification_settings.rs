//! How each person wants their notices (issue 15): in the app only (`app`), by e-mail at
//! once (`now`, the default: no row), or in a daily digest (`daily`); and the mailer's
//! queries that honour it.

use crate::Result;
use crate::db::{Db, q};
use crate::repo::notifications::NoticeRow;
use lyceum_core::UserId;

/// A day, the digest's period.
pub const DIGEST_EVERY_MS: i64 = 24 * 3600 * 1000;

/// A person's choice: `app`, `now` or `daily` (`now` when they made none).
pub async fn email(db: &mut impl Db, user: UserId) -> Result<String> {
    Ok(db
        .optional::<(String,)>(
            q("SELECT email FROM notification_settings WHERE user_id = $1").bind(user.0),
        )
        .await?
        .map_or_else(|| "now".to_owned(), |(e,)| e))
}

/// Set a person's choice (`app`, `now`, `daily`: the caller checked it).
pub async fn set_email(db: &mut impl Db, user: UserId, email: &str, now: i64) -> Result<()> {
    db.exec(
        q("INSERT INTO notification_settings (user_id, email, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at")
        .bind(user.0)
        .bind(email)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Settle the notices of people who want no e-mail: marked as mailed without a mail, so
/// the queue does not grow. How many.
pub async fn skip_app_only(db: &mut impl Db, now: i64) -> Result<u64> {
    db.exec(
        q("UPDATE notifications SET emailed_at = $1
           WHERE emailed_at IS NULL
             AND user_id IN (SELECT user_id FROM notification_settings WHERE email = 'app')")
        .bind(now),
    )
    .await
}

/// Notices not yet mailed of people who want them at once (oldest first).
pub async fn unemailed_now(db: &mut impl Db, limit: i64) -> Result<Vec<NoticeRow>> {
    db.all(
        q("SELECT n.id, n.user_id, n.course_id, n.kind, n.link, n.subject, n.created_at, n.read_at,
                  c.title AS course_title
           FROM notifications n LEFT JOIN courses c ON c.id = n.course_id
           LEFT JOIN notification_settings s ON s.user_id = n.user_id
           WHERE n.emailed_at IS NULL AND COALESCE(s.email, 'now') = 'now'
           ORDER BY n.id LIMIT $1")
        .bind(limit),
    )
    .await
}

/// People on the daily digest whose last digest is a day old (or who never had one)
/// and who have notices not yet mailed.
pub async fn digests_due(db: &mut impl Db, now: i64, limit: i64) -> Result<Vec<UserId>> {
    let rows: Vec<(i64,)> = db
        .all(
            q("SELECT s.user_id FROM notification_settings s
               WHERE s.email = 'daily' AND (s.digest_sent_at IS NULL OR s.digest_sent_at <= $1)
                 AND EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = s.user_id AND n.emailed_at IS NULL)
               ORDER BY s.user_id LIMIT $2")
            .bind(now - DIGEST_EVERY_MS)
            .bind(limit),
        )
        .await?;
    Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
}

/// A person's notices not yet mailed, oldest first.
pub async fn unemailed_of(db: &mut impl Db, user: UserId, limit: i64) -> Result<Vec<NoticeRow>> {
    db.all(
        q("SELECT n.id, n.user_id, n.course_id, n.kind, n.link, n.subject, n.created_at, n.read_at,
                  c.title AS course_title
           FROM notifications n LEFT JOIN courses c ON c.id = n.course_id
           WHERE n.user_id = $1 AND n.emailed_at IS NULL
           ORDER BY n.id LIMIT $2")
        .bind(user.0)
        .bind(limit),
    )
    .await
}

/// A digest went out (or was settled without an address): its notices up to `last_id`
/// are mailed, and the next digest waits a day.
pub async fn digest_sent(db: &mut impl Db, user: UserId, last_id: i64, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE notifications SET emailed_at = $3
           WHERE user_id = $1 AND id <= $2 AND emailed_at IS NULL")
        .bind(user.0)
        .bind(last_id)
        .bind(now),
    )
    .await?;
    db.exec(
        q("UPDATE notification_settings SET digest_sent_at = $2 WHERE user_id = $1")
            .bind(user.0)
            .bind(now),
    )
    .await?;
    Ok(())
}
