//! In-app notices to one user ("you have feedback", "your response was returned"), read
//! on the notifications page and counted in the header; email goes out when configured.

use crate::Result;
use crate::db::{Db, Elem, ints, list_rows, q, q_built, row};
use lyceum_core::{CourseId, UserId};

row! {
    pub struct NoticeRow {
        pub id: i64,
        pub user_id: i64,
        pub course_id: Option<i64>,
        pub kind: String,
        pub link: String,
        pub subject: String,
        pub created_at: i64,
        pub read_at: Option<i64>,
        pub course_title: Option<String>,
    }
}

#[derive(Clone, Debug)]
pub struct NewNotice<'a> {
    pub user: UserId,
    pub course: Option<CourseId>,
    /// Message key suffix: `feedback`, `returned`, `reviews-needed`.
    pub kind: &'a str,
    pub link: &'a str,
    /// What the notice is about (an assignment's title).
    pub subject: &'a str,
    pub now: i64,
}

pub async fn notify(db: &mut impl Db, n: &NewNotice<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO notifications (user_id, course_id, kind, link, subject, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(n.user.0)
            .bind(n.course.map(|c| c.0))
            .bind(n.kind)
            .bind(n.link)
            .bind(n.subject)
            .bind(n.now),
    )
    .await
}

/// The same notice to many people, in one statement (a reply to a thread with hundreds
/// of followers costs one insert, not hundreds); none: nothing is written.
pub async fn notify_many(
    db: &mut impl Db,
    users: &[UserId],
    course: Option<CourseId>,
    kind: &str,
    link: &str,
    subject: &str,
    now: i64,
) -> Result<u64> {
    insert_many(db, users, course, kind, link, subject, now, None).await
}

/// As [`notify_many`], but not to those who already have an unread notice of `kind`
/// whose link starts with `group` (a thread's page): a busy thread leaves one notice,
/// leading to the first reply not yet seen, rather than one per reply.
#[allow(clippy::too_many_arguments)]
pub async fn notify_many_once(
    db: &mut impl Db,
    users: &[UserId],
    course: Option<CourseId>,
    kind: &str,
    link: &str,
    subject: &str,
    now: i64,
    group: &str,
) -> Result<u64> {
    insert_many(db, users, course, kind, link, subject, now, Some(group)).await
}

#[allow(clippy::too_many_arguments)]
async fn insert_many(
    db: &mut impl Db,
    users: &[UserId],
    course: Option<CourseId>,
    kind: &str,
    link: &str,
    subject: &str,
    now: i64,
    group: Option<&str>,
) -> Result<u64> {
    if users.is_empty() {
        return Ok(0);
    }
    // The ids go in as one list parameter, so the statement's text is the same whoever
    // is told (and is prepared once).
    let who = list_rows(db.backend(), "$6", Elem::Int);
    let unless = if group.is_some() {
        " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id
             AND n.read_at IS NULL AND n.kind = $2 AND substr(n.link, 1, length($7)) = $7)"
    } else {
        ""
    };
    let mut query = q_built(format!(
        "INSERT INTO notifications (user_id, course_id, kind, link, subject, created_at)
         SELECT u.id, $1, $2, $3, $4, $5 FROM users u WHERE u.id IN ({who}){unless}"
    ))
    .bind(course.map(|c| c.0))
    .bind(kind)
    .bind(link)
    .bind(subject)
    .bind(now)
    .bind(ints(users.iter().map(|u| u.0)));
    if let Some(g) = group {
        query = query.bind(g);
    }
    db.exec(query).await
}

pub async fn unread_count(db: &mut impl Db, user: UserId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL").bind(user.0),
    )
    .await
}

/// A user's latest notices, newest first.
pub async fn recent(db: &mut impl Db, user: UserId, limit: i64) -> Result<Vec<NoticeRow>> {
    db.all(
        q("SELECT n.id, n.user_id, n.course_id, n.kind, n.link, n.subject, n.created_at, n.read_at,
                  c.title AS course_title
           FROM notifications n LEFT JOIN courses c ON c.id = n.course_id
           WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2")
        .bind(user.0)
        .bind(limit),
    )
    .await
}

/// Mark one of `user`'s notices read (opening it); returns its link, `None` when the user
/// has no such notice.
pub async fn open(db: &mut impl Db, user: UserId, id: i64, now: i64) -> Result<Option<String>> {
    let rows: Vec<(String,)> = db
        .all(
            q("UPDATE notifications SET read_at = COALESCE(read_at, $3)
               WHERE id = $1 AND user_id = $2 RETURNING link")
            .bind(id)
            .bind(user.0)
            .bind(now),
        )
        .await?;
    Ok(rows.into_iter().next().map(|(link,)| link))
}

pub async fn mark_all_read(db: &mut impl Db, user: UserId, now: i64) -> Result<u64> {
    db.exec(
        q("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.0)
            .bind(now),
    )
    .await
}

/// Mark read `user`'s notices that lead to `page` or into it (`page#…`): reading a
/// thread settles its notices.
pub async fn mark_read_about(db: &mut impl Db, user: UserId, page: &str, now: i64) -> Result<u64> {
    db.exec(
        q(
            "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND read_at IS NULL
           AND (link = $2 OR substr(link, 1, length($2) + 1) = $2 || '#')",
        )
        .bind(user.0)
        .bind(page)
        .bind(now),
    )
    .await
}

/// Notices not yet emailed (oldest first), with the recipient's id: the mailer's work.
pub async fn unemailed(db: &mut impl Db, limit: i64) -> Result<Vec<NoticeRow>> {
    db.all(
        q("SELECT n.id, n.user_id, n.course_id, n.kind, n.link, n.subject, n.created_at, n.read_at,
                  c.title AS course_title
           FROM notifications n LEFT JOIN courses c ON c.id = n.course_id
           WHERE n.emailed_at IS NULL ORDER BY n.id LIMIT $1")
        .bind(limit),
    )
    .await
}

pub async fn mark_emailed(db: &mut impl Db, id: i64, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE notifications SET emailed_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now),
    )
    .await?;
    Ok(())
}
