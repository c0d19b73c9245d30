//! Private messages between members of a course (issue 15): sending, a person's
//! conversations (one per other person), one conversation paged, read markers, and
//! blocks (a person who blocked another gets no messages from them).

use crate::Result;
use crate::db::{Db, q, q_built, row};
use lyceum_core::{CourseId, UserId};

row! {
    /// A course both people belong to (an active enrolment or a team role), with what
    /// decides whether they may write to each other there: whether the first person
    /// (`a`) and the second (`b`) are on its team, and whether it lets learners write
    /// to each other (its discussion settings).
    pub struct SharedCourseRow {
        pub id: i64,
        pub course_key: String,
        pub title: String,
        pub a_staff: bool,
        pub b_staff: bool,
        pub learner_messages: bool,
    }
}

/// The courses `a` and `b` both belong to, by title: one statement.
pub async fn shared_courses(
    db: &mut impl Db,
    a: UserId,
    b: UserId,
) -> Result<Vec<SharedCourseRow>> {
    db.all(
        q("SELECT c.id, c.course_key, c.title,
                  EXISTS (SELECT 1 FROM course_roles r WHERE r.course_id = c.id AND r.user_id = $1) AS a_staff,
                  EXISTS (SELECT 1 FROM course_roles r WHERE r.course_id = c.id AND r.user_id = $2) AS b_staff,
                  COALESCE(ds.learner_messages, TRUE) AS learner_messages
           FROM courses c LEFT JOIN discussion_settings ds ON ds.course_id = c.id
           WHERE c.id IN (SELECT course_id FROM enrollments WHERE user_id = $1 AND active
                          UNION SELECT course_id FROM course_roles WHERE user_id = $1)
             AND c.id IN (SELECT course_id FROM enrollments WHERE user_id = $2 AND active
                          UNION SELECT course_id FROM course_roles WHERE user_id = $2)
           ORDER BY c.title, c.id")
        .bind(a.0)
        .bind(b.0),
    )
    .await
}

#[derive(Clone, Debug)]
pub struct NewMessage<'a> {
    pub course: CourseId,
    pub sender: UserId,
    pub recipient: UserId,
    /// Markdown as written, and its sanitised HTML.
    pub body: &'a str,
    pub html: &'a str,
    pub now: i64,
}

pub async fn insert(db: &mut impl Db, m: &NewMessage<'_>) -> Result<i64> {
    db.scalar(
        q(
            "INSERT INTO messages (course_id, sender_id, recipient_id, body, html, created_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(m.course.0)
        .bind(m.sender.0)
        .bind(m.recipient.0)
        .bind(m.body)
        .bind(m.html)
        .bind(m.now),
    )
    .await
}

row! {
    pub struct MessageRow {
        pub id: i64,
        pub course_id: i64,
        pub course_key: String,
        pub course_title: String,
        pub sender_id: Option<i64>,
        pub recipient_id: Option<i64>,
        pub body: String,
        pub html: String,
        pub created_at: i64,
        pub read_at: Option<i64>,
    }
}

const MESSAGE_COLUMNS: &str = "m.id, m.course_id, c.course_key, c.title AS course_title, m.sender_id, m.recipient_id, m.body, m.html, m.created_at, m.read_at";

/// One message (hidden ones too: a report reads it).
pub async fn get(db: &mut impl Db, id: i64) -> Result<Option<MessageRow>> {
    db.optional(
        q_built(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN courses c ON c.id = m.course_id WHERE m.id = $1"
        ))
        .bind(id),
    )
    .await
}

/// The messages between `user` and `other`, newest first: at most `limit`, older than
/// the message `before` when paging back. Hidden messages are left out.
pub async fn conversation(
    db: &mut impl Db,
    user: UserId,
    other: UserId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageRow>> {
    db.all(
        q_built(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN courses c ON c.id = m.course_id
             WHERE ((m.sender_id = $1 AND m.recipient_id = $2) OR (m.sender_id = $2 AND m.recipient_id = $1))
               AND m.hidden_at IS NULL AND ($3 IS NULL OR m.id < $3)
             ORDER BY m.id DESC LIMIT $4"
        ))
        .bind(user.0)
        .bind(other.0)
        .bind(before)
        .bind(limit),
    )
    .await
}

row! {
    /// One conversation in a person's list: the other person, the latest message, and
    /// how many of theirs are unread.
    pub struct ConversationRow {
        pub other_id: i64,
        pub username: String,
        pub display_name: String,
        pub last_id: i64,
        pub last_at: i64,
        pub last_body: String,
        pub last_from_me: bool,
        pub unread: i64,
    }
}

/// `user`'s conversations, latest first: one statement whatever their number.
pub async fn conversations(
    db: &mut impl Db,
    user: UserId,
    limit: i64,
) -> Result<Vec<ConversationRow>> {
    db.all(
        q("SELECT g.other_id, u.username, u.display_name, g.last_id, lm.created_at AS last_at,
                  lm.body AS last_body, (lm.sender_id = $1) AS last_from_me, g.unread
           FROM (SELECT CASE WHEN m.sender_id = $1 THEN m.recipient_id ELSE m.sender_id END AS other_id,
                        MAX(m.id) AS last_id,
                        COUNT(CASE WHEN m.recipient_id = $1 AND m.read_at IS NULL THEN 1 END) AS unread
                 FROM messages m
                 WHERE (m.sender_id = $1 OR m.recipient_id = $1) AND m.hidden_at IS NULL
                 GROUP BY CASE WHEN m.sender_id = $1 THEN m.recipient_id ELSE m.sender_id END) g
           JOIN users u ON u.id = g.other_id
           JOIN messages lm ON lm.id = g.last_id
           ORDER BY g.last_id DESC LIMIT $2")
        .bind(user.0)
        .bind(limit),
    )
    .await
}

/// Mark what `other` sent `user` read; how many were unread.
pub async fn mark_read(db: &mut impl Db, user: UserId, other: UserId, now: i64) -> Result<u64> {
    db.exec(
        q("UPDATE messages SET read_at = $3
           WHERE recipient_id = $1 AND sender_id = $2 AND read_at IS NULL")
        .bind(user.0)
        .bind(other.0)
        .bind(now),
    )
    .await
}

/// Messages `user` has not read yet.
pub async fn unread_count(db: &mut impl Db, user: UserId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM messages WHERE recipient_id = $1 AND read_at IS NULL AND hidden_at IS NULL")
            .bind(user.0),
    )
    .await
}

/// Whether `user` blocked `other`.
pub async fn blocked(db: &mut impl Db, user: UserId, other: UserId) -> Result<bool> {
    let n: i64 = db
        .scalar(
            q("SELECT COUNT(*) FROM message_blocks WHERE user_id = $1 AND blocked_id = $2")
                .bind(user.0)
                .bind(other.0),
        )
        .await?;
    Ok(n > 0)
}

/// `user` blocks `other` (again: no change).
pub async fn block(db: &mut impl Db, user: UserId, other: UserId, now: i64) -> Result<()> {
    db.exec(
        q(
            "INSERT INTO message_blocks (user_id, blocked_id, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, blocked_id) DO NOTHING",
        )
        .bind(user.0)
        .bind(other.0)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// `user` unblocks `other`; whether there was a block.
pub async fn unblock(db: &mut impl Db, user: UserId, other: UserId) -> Result<bool> {
    Ok(db
        .exec(
            q("DELETE FROM message_blocks WHERE user_id = $1 AND blocked_id = $2")
                .bind(user.0)
                .bind(other.0),
        )
        .await?
        > 0)
}

row! {
    pub struct BlockedRow {
        pub user_id: i64,
        pub username: String,
        pub display_name: String,
        pub created_at: i64,
    }
}

/// The people `user` blocked, most recent first.
pub async fn blocks_of(db: &mut impl Db, user: UserId) -> Result<Vec<BlockedRow>> {
    db.all(
        q(
            "SELECT b.blocked_id AS user_id, u.username, u.display_name, b.created_at
           FROM message_blocks b JOIN users u ON u.id = b.blocked_id
           WHERE b.user_id = $1 ORDER BY b.created_at DESC, u.username",
        )
        .bind(user.0),
    )
    .await
}

row! {
    /// A member of the team of a course someone is enrolled in: whom they can write to.
    pub struct TeamContactRow {
        pub username: String,
        pub display_name: String,
        pub role: String,
        pub course_key: String,
        pub course_title: String,
    }
}

/// The teams of the courses `user` is enrolled in (not `user`), by course and name:
/// one statement.
pub async fn team_contacts(
    db: &mut impl Db,
    user: UserId,
    limit: i64,
) -> Result<Vec<TeamContactRow>> {
    db.all(
        q(
            "SELECT u.username, u.display_name, r.role, c.course_key, c.title AS course_title
           FROM enrollments e
           JOIN courses c ON c.id = e.course_id
           JOIN course_roles r ON r.course_id = e.course_id
           JOIN users u ON u.id = r.user_id
           WHERE e.user_id = $1 AND e.active AND r.user_id <> $1 AND u.deleted_at IS NULL
           ORDER BY c.title, c.id, u.username LIMIT $2",
        )
        .bind(user.0)
        .bind(limit),
    )
    .await
}
