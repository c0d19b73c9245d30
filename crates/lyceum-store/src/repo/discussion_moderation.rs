//! Moderation of course discussions (issue 15): mutes and bans from one course's
//! discussions (kept when lifted, for the record), hiding, soft deletion and locking of
//! posts and threads, and the review of posts held for review. Reading whether a person
//! is muted now is `discussion_settings::active_mute`.

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::{CourseId, UserId};

/// Record a mute (`until` set) or a ban (`until` none); answers its id.
pub async fn insert_mute(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
    until: Option<i64>,
    reason: &str,
    by: UserId,
    now: i64,
) -> Result<i64> {
    db.scalar(
        q("INSERT INTO discussion_mutes (course_id, user_id, until_at, reason, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(course.0)
        .bind(user.0)
        .bind(until)
        .bind(reason)
        .bind(by.0)
        .bind(now),
    )
    .await
}

/// Lift one mute or ban (kept, with who lifted it and when); whether it was in force.
pub async fn lift_mute(db: &mut impl Db, id: i64, by: UserId, now: i64) -> Result<bool> {
    Ok(db
        .exec(
            q("UPDATE discussion_mutes SET lifted_at = $3, lifted_by = $2
               WHERE id = $1 AND lifted_at IS NULL AND (until_at IS NULL OR until_at > $3)")
            .bind(id)
            .bind(by.0)
            .bind(now),
        )
        .await?
        > 0)
}

/// Lift every mute and ban of a person in a course still in force (a new decision
/// replaces them); how many.
pub async fn lift_active(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
    by: UserId,
    now: i64,
) -> Result<u64> {
    db.exec(
        q("UPDATE discussion_mutes SET lifted_at = $4, lifted_by = $3
           WHERE course_id = $1 AND user_id = $2 AND lifted_at IS NULL
             AND (until_at IS NULL OR until_at > $4)")
        .bind(course.0)
        .bind(user.0)
        .bind(by.0)
        .bind(now),
    )
    .await
}

row! {
    /// A mute or a ban, with the names of the people involved.
    pub struct MuteRow {
        pub id: i64,
        pub course_id: i64,
        pub course_key: String,
        pub user_id: i64,
        pub username: String,
        pub until_at: Option<i64>,
        pub reason: String,
        pub created_by: Option<String>,
        pub created_at: i64,
        pub lifted_at: Option<i64>,
        pub lifted_by: Option<String>,
    }
}

const MUTE_SELECT: &str =
    "SELECT m.id, m.course_id, c.course_key, m.user_id, u.username, m.until_at, m.reason,
    cb.username AS created_by, m.created_at, m.lifted_at, lb.username AS lifted_by
    FROM discussion_mutes m
    JOIN courses c ON c.id = m.course_id
    JOIN users u ON u.id = m.user_id
    LEFT JOIN users cb ON cb.id = m.created_by
    LEFT JOIN users lb ON lb.id = m.lifted_by";

pub async fn get_mute(db: &mut impl Db, id: i64) -> Result<Option<MuteRow>> {
    db.optional(crate::db::q_built(format!("{MUTE_SELECT} WHERE m.id = $1")).bind(id))
        .await
}

/// A course's mutes and bans, current and past, newest first: one statement.
pub async fn course_mutes(db: &mut impl Db, course: CourseId, limit: i64) -> Result<Vec<MuteRow>> {
    db.all(
        crate::db::q_built(format!(
            "{MUTE_SELECT} WHERE m.course_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
        ))
        .bind(course.0)
        .bind(limit),
    )
    .await
}

/// A person's mutes and bans in every course, newest first: one statement.
pub async fn mutes_of(db: &mut impl Db, user: UserId, limit: i64) -> Result<Vec<MuteRow>> {
    db.all(
        crate::db::q_built(format!(
            "{MUTE_SELECT} WHERE m.user_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
        ))
        .bind(user.0)
        .bind(limit),
    )
    .await
}

row! {
    /// A post as moderation sees it: its thread, its course, its author and its state.
    pub struct ModPostRow {
        pub id: i64,
        pub thread_id: i64,
        pub course_id: i64,
        pub depth: i64,
        pub author_id: Option<i64>,
        pub body: String,
        pub created_at: i64,
        pub hidden_at: Option<i64>,
        pub hidden_reason: String,
        pub deleted_at: Option<i64>,
        pub held_at: Option<i64>,
        pub thread_title: String,
    }
}

const POST_SELECT: &str =
    "SELECT p.id, p.thread_id, p.course_id, p.depth, p.author_id, p.body, p.created_at,
    p.hidden_at, p.hidden_reason, p.deleted_at, p.held_at, t.title AS thread_title
    FROM discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id";

pub async fn post(db: &mut impl Db, id: i64) -> Result<Option<ModPostRow>> {
    db.optional(crate::db::q_built(format!("{POST_SELECT} WHERE p.id = $1")).bind(id))
        .await
}

row! {
    /// A thread as moderation sees it.
    pub struct ModThreadRow {
        pub id: i64,
        pub course_id: i64,
        pub title: String,
        pub author_id: Option<i64>,
        pub closed_at: Option<i64>,
        pub close_reason: String,
        pub hidden_at: Option<i64>,
        pub deleted_at: Option<i64>,
        pub held_at: Option<i64>,
        // The opening post's id.
        pub first_post_id: Option<i64>,
    }
}

pub async fn thread(db: &mut impl Db, id: i64) -> Result<Option<ModThreadRow>> {
    db.optional(
        q("SELECT t.id, t.course_id, t.title, t.author_id, t.closed_at, t.close_reason, t.hidden_at,
                  t.deleted_at, t.held_at,
                  (SELECT MIN(p.id) FROM discussion_posts p WHERE p.thread_id = t.id AND p.depth = 0)
                    AS first_post_id
           FROM discussion_threads t WHERE t.id = $1")
        .bind(id),
    )
    .await
}

/// Hide a post (who, when, why) or show it again.
pub async fn set_post_hidden(
    db: &mut impl Db,
    post: i64,
    hidden: Option<(UserId, i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE discussion_posts SET hidden_at = $2, hidden_by = $3, hidden_reason = $4 WHERE id = $1")
            .bind(post)
            .bind(hidden.map(|h| h.1))
            .bind(hidden.map(|h| h.0.0))
            .bind(hidden.map_or("", |h| h.2)),
    )
    .await?;
    Ok(())
}

/// Hide a thread (its opening post is hidden with it) or show it again.
pub async fn set_thread_hidden(
    db: &mut impl Db,
    thread: i64,
    hidden: Option<(UserId, i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET hidden_at = $2, hidden_by = $3, hidden_reason = $4 WHERE id = $1")
            .bind(thread)
            .bind(hidden.map(|h| h.1))
            .bind(hidden.map(|h| h.0.0))
            .bind(hidden.map_or("", |h| h.2)),
    )
    .await?;
    Ok(())
}

/// Delete a post softly (who, when) or restore it.
pub async fn set_post_deleted(
    db: &mut impl Db,
    post: i64,
    deleted: Option<(UserId, i64)>,
) -> Result<()> {
    db.exec(
        q("UPDATE discussion_posts SET deleted_at = $2, deleted_by = $3 WHERE id = $1")
            .bind(post)
            .bind(deleted.map(|d| d.1))
            .bind(deleted.map(|d| d.0.0)),
    )
    .await?;
    Ok(())
}

/// Delete a thread softly or restore it.
pub async fn set_thread_deleted(
    db: &mut impl Db,
    thread: i64,
    deleted: Option<(UserId, i64)>,
) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET deleted_at = $2, deleted_by = $3 WHERE id = $1")
            .bind(thread)
            .bind(deleted.map(|d| d.1))
            .bind(deleted.map(|d| d.0.0)),
    )
    .await?;
    Ok(())
}

/// Lock a thread (no new replies; who, when, why) or open it again.
pub async fn set_thread_closed(
    db: &mut impl Db,
    thread: i64,
    closed: Option<(UserId, i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET closed_at = $2, closed_by = $3, close_reason = $4 WHERE id = $1")
            .bind(thread)
            .bind(closed.map(|c| c.1))
            .bind(closed.map(|c| c.0.0))
            .bind(closed.map_or("", |c| c.2)),
    )
    .await?;
    Ok(())
}

row! {
    /// A post waiting for review, with its thread and author.
    pub struct HeldPostRow {
        pub id: i64,
        pub thread_id: i64,
        pub depth: i64,
        pub thread_title: String,
        pub author_id: Option<i64>,
        pub author_username: Option<String>,
        pub body: String,
        pub html: String,
        pub held_at: i64,
    }
}

/// A course's posts held for review (not deleted), oldest first: one statement.
pub async fn held_posts(
    db: &mut impl Db,
    course: CourseId,
    limit: i64,
) -> Result<Vec<HeldPostRow>> {
    db.all(
        q(
            "SELECT p.id, p.thread_id, p.depth, t.title AS thread_title, p.author_id,
                  u.username AS author_username, p.body, p.html, p.held_at
           FROM discussion_posts p
           JOIN discussion_threads t ON t.id = p.thread_id
           LEFT JOIN users u ON u.id = p.author_id
           WHERE p.course_id = $1 AND p.held_at IS NOT NULL AND p.deleted_at IS NULL
           ORDER BY p.held_at, p.id LIMIT $2",
        )
        .bind(course.0)
        .bind(limit),
    )
    .await
}

/// How many posts of a course wait for review.
pub async fn held_count(db: &mut impl Db, course: CourseId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM discussion_posts
           WHERE course_id = $1 AND held_at IS NOT NULL AND deleted_at IS NULL")
        .bind(course.0),
    )
    .await
}

/// Release a held post (and its thread, when it is the opening post) for everyone to
/// read; the thread's activity moves to `now`.
pub async fn release_post(db: &mut impl Db, post: &ModPostRow, now: i64) -> Result<()> {
    db.exec(q("UPDATE discussion_posts SET held_at = NULL WHERE id = $1").bind(post.id))
        .await?;
    if post.depth == 0 {
        db.exec(
            q("UPDATE discussion_threads SET held_at = NULL, last_activity_at = $2 WHERE id = $1")
                .bind(post.thread_id)
                .bind(now),
        )
        .await?;
    } else {
        db.exec(
            q("UPDATE discussion_threads SET last_activity_at = $2 WHERE id = $1")
                .bind(post.thread_id)
                .bind(now),
        )
        .await?;
    }
    Ok(())
}

row! {
    /// One moderation action in a course's discussions, for its moderation page.
    pub struct CourseActionRow {
        pub id: i64,
        pub actor: Option<String>,
        pub action: String,
        pub target_type: String,
        pub target_id: String,
        pub username: Option<String>,
        pub subject: String,
        pub reason: String,
        pub until_at: Option<i64>,
        pub created_at: i64,
    }
}

/// The latest moderation actions on a course's discussions (posts, threads, mutes):
/// one statement.
pub async fn course_actions(
    db: &mut impl Db,
    course: CourseId,
    limit: i64,
) -> Result<Vec<CourseActionRow>> {
    db.all(
        q(
            "SELECT a.id, ac.username AS actor, a.action, a.target_type, a.target_id, u.username,
                  a.subject, a.reason, a.until_at, a.created_at
           FROM moderation_actions a
           LEFT JOIN users ac ON ac.id = a.actor_id
           LEFT JOIN users u ON u.id = a.user_id
           WHERE a.course_id = $1
             AND (a.target_type IN ('post', 'thread')
                  OR a.action IN ('discussion-mute', 'discussion-ban', 'discussion-unmute'))
           ORDER BY a.created_at DESC, a.id DESC LIMIT $2",
        )
        .bind(course.0)
        .bind(limit),
    )
    .await
}
