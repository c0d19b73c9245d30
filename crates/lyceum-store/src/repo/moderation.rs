//! Reports, appeals and moderators' actions: the moderation queue, hidden content, site
//! moderators and suspensions.

use crate::Result;
use crate::db::{Db, q, row};
use lyceum_core::{BlockId, CourseId, OrgId, UserId};

#[derive(Clone, Debug)]
pub struct NewReport<'a> {
    /// `report` or `appeal`.
    pub kind: &'a str,
    pub reporter: UserId,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub course: Option<CourseId>,
    pub org: Option<OrgId>,
    pub block: Option<BlockId>,
    pub user: Option<UserId>,
    pub action: Option<i64>,
    pub reason: &'a str,
    pub text: &'a str,
    pub now: i64,
}

pub async fn insert_report(db: &mut impl Db, r: &NewReport<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO reports (kind, reporter_id, target_type, target_id, course_id, org_id, block_id, user_id,
                                action_id, reason, text, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
        .bind(r.kind)
        .bind(r.reporter.0)
        .bind(r.target_type)
        .bind(r.target_id)
        .bind(r.course.map(|c| c.0))
        .bind(r.org.map(|o| o.0))
        .bind(r.block.map(|b| b.0))
        .bind(r.user.map(|u| u.0))
        .bind(r.action)
        .bind(r.reason)
        .bind(r.text)
        .bind(r.now),
    )
    .await
}

/// Does `reporter` already have an open report (or appeal) about this target?
pub async fn has_open_report(
    db: &mut impl Db,
    reporter: UserId,
    kind: &str,
    target_type: &str,
    target_id: &str,
) -> Result<bool> {
    let n: i64 = db
        .scalar(
            q("SELECT COUNT(*) FROM reports WHERE reporter_id = $1 AND kind = $2 AND target_type = $3
                 AND target_id = $4 AND status = 'open'")
            .bind(reporter.0)
            .bind(kind)
            .bind(target_type)
            .bind(target_id),
        )
        .await?;
    Ok(n > 0)
}

row! {
    /// A report or an appeal, with what the queue shows about its target.
    pub struct ReportRow {
        pub id: i64,
        pub kind: String,
        pub reporter_id: Option<i64>,
        pub reporter_username: Option<String>,
        pub target_type: String,
        pub target_id: String,
        pub course_id: Option<i64>,
        pub org_id: Option<i64>,
        pub block_id: Option<i64>,
        pub user_id: Option<i64>,
        pub action_id: Option<i64>,
        pub reason: String,
        pub text: String,
        pub status: String,
        pub resolution: String,
        pub resolved_by_username: Option<String>,
        pub resolved_at: Option<i64>,
        pub created_at: i64,
        pub course_key: Option<String>,
        pub course_title: Option<String>,
        pub course_hidden_at: Option<i64>,
        pub block_title: Option<String>,
        pub block_url_name: Option<String>,
        pub block_kind: Option<String>,
        pub block_hidden_at: Option<i64>,
        pub user_username: Option<String>,
        pub user_display_name: Option<String>,
        pub user_blocked_at: Option<i64>,
        pub user_suspended_until: Option<i64>,
        // A reported discussion post: its text, thread and state.
        pub post_body: Option<String>,
        pub post_thread_id: Option<i64>,
        pub post_thread_title: Option<String>,
        pub post_hidden_at: Option<i64>,
        pub post_deleted_at: Option<i64>,
    }
}

const REPORT_SELECT: &str = "SELECT r.id, r.kind, r.reporter_id, rp.username AS reporter_username, r.target_type,
    r.target_id, r.course_id, r.org_id, r.block_id, r.user_id, r.action_id, r.reason, r.text, r.status,
    r.resolution, rb.username AS resolved_by_username, r.resolved_at, r.created_at,
    c.course_key, c.title AS course_title, c.hidden_at AS course_hidden_at,
    b.title AS block_title, b.url_name AS block_url_name, b.kind AS block_kind, b.hidden_at AS block_hidden_at,
    t.username AS user_username, t.display_name AS user_display_name, t.blocked_at AS user_blocked_at,
    t.suspended_until AS user_suspended_until,
    dp.body AS post_body, dp.thread_id AS post_thread_id, dt.title AS post_thread_title,
    dp.hidden_at AS post_hidden_at, dp.deleted_at AS post_deleted_at
    FROM reports r
    LEFT JOIN users rp ON rp.id = r.reporter_id
    LEFT JOIN users rb ON rb.id = r.resolved_by
    LEFT JOIN courses c ON c.id = r.course_id
    LEFT JOIN blocks b ON b.id = r.block_id
    LEFT JOIN users t ON t.id = r.user_id
    LEFT JOIN discussion_posts dp
      ON dp.id = (CASE WHEN r.target_type = 'post' THEN CAST(r.target_id AS BIGINT) END)
    LEFT JOIN discussion_threads dt ON dt.id = dp.thread_id";

pub async fn get_report(db: &mut impl Db, id: i64) -> Result<Option<ReportRow>> {
    db.optional(crate::db::q_built(format!("{REPORT_SELECT} WHERE r.id = $1")).bind(id))
        .await
}

/// The queue: reports and appeals of one state (`open`, or `closed` for resolved and
/// dismissed ones), everything for site moderators (`all`), else only those routed to
/// an organisation where `user` is a moderator or admin. Oldest open first; newest
/// closed first. One statement.
pub async fn queue(
    db: &mut impl Db,
    open: bool,
    all: bool,
    user: UserId,
    limit: i64,
) -> Result<Vec<ReportRow>> {
    let order = if open {
        "r.created_at, r.id"
    } else {
        "r.resolved_at DESC, r.id DESC"
    };
    db.all(
        crate::db::q_built(format!(
            "{REPORT_SELECT}
             WHERE (r.status = 'open') = $1
               AND ($2 OR r.org_id IN (SELECT m.org_id FROM org_members m
                                       WHERE m.user_id = $3 AND m.role IN ('admin', 'moderator')))
             ORDER BY {order} LIMIT $4"
        ))
        .bind(open)
        .bind(all)
        .bind(user.0)
        .bind(limit),
    )
    .await
}

/// The open reports about a course's discussion posts (for those who moderate its
/// discussions), oldest first: one statement.
pub async fn course_post_reports(
    db: &mut impl Db,
    course: CourseId,
    limit: i64,
) -> Result<Vec<ReportRow>> {
    db.all(
        crate::db::q_built(format!(
            "{REPORT_SELECT}
             WHERE r.course_id = $1 AND r.target_type = 'post' AND r.status = 'open'
             ORDER BY r.created_at, r.id LIMIT $2"
        ))
        .bind(course.0)
        .bind(limit),
    )
    .await
}

/// Close every open report and appeal about a target; how many there were.
pub async fn resolve_target(
    db: &mut impl Db,
    target_type: &str,
    target_id: &str,
    status: &str,
    resolution: &str,
    by: UserId,
    now: i64,
) -> Result<u64> {
    db.exec(
        q(
            "UPDATE reports SET status = $3, resolution = $4, resolved_by = $5, resolved_at = $6
           WHERE target_type = $1 AND target_id = $2 AND status = 'open'",
        )
        .bind(target_type)
        .bind(target_id)
        .bind(status)
        .bind(resolution)
        .bind(by.0)
        .bind(now),
    )
    .await
}

#[derive(Clone, Debug)]
pub struct NewAction<'a> {
    pub actor: UserId,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub course: Option<CourseId>,
    pub user: Option<UserId>,
    pub subject: &'a str,
    pub reason: &'a str,
    pub until: Option<i64>,
    pub now: i64,
}

pub async fn insert_action(db: &mut impl Db, a: &NewAction<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO moderation_actions (actor_id, action, target_type, target_id, course_id, user_id,
                                           subject, reason, until_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
        .bind(a.actor.0)
        .bind(a.action)
        .bind(a.target_type)
        .bind(a.target_id)
        .bind(a.course.map(|c| c.0))
        .bind(a.user.map(|u| u.0))
        .bind(a.subject)
        .bind(a.reason)
        .bind(a.until)
        .bind(a.now),
    )
    .await
}

row! {
    /// One moderator's action, as its notice shows it.
    pub struct ActionRow {
        pub id: i64,
        pub actor_id: Option<i64>,
        pub action: String,
        pub target_type: String,
        pub target_id: String,
        pub course_id: Option<i64>,
        pub user_id: Option<i64>,
        pub subject: String,
        pub reason: String,
        pub until_at: Option<i64>,
        pub created_at: i64,
        pub course_key: Option<String>,
        pub course_title: Option<String>,
        // The viewer's role on the action's course, if any.
        pub viewer_role: Option<String>,
        // The viewer's open appeal against this action, if any.
        pub open_appeal: Option<i64>,
    }
}

/// An action with what `viewer` needs to know about it (their role on its course, their
/// open appeal): one statement.
pub async fn get_action(db: &mut impl Db, id: i64, viewer: UserId) -> Result<Option<ActionRow>> {
    db.optional(
        q("SELECT a.id, a.actor_id, a.action, a.target_type, a.target_id, a.course_id, a.user_id, a.subject,
                  a.reason, a.until_at, a.created_at, c.course_key, c.title AS course_title,
                  cr.role AS viewer_role,
                  (SELECT MIN(p.id) FROM reports p WHERE p.action_id = a.id AND p.reporter_id = $2
                     AND p.status = 'open') AS open_appeal
           FROM moderation_actions a
           LEFT JOIN courses c ON c.id = a.course_id
           LEFT JOIN course_roles cr ON cr.course_id = a.course_id AND cr.user_id = $2
           WHERE a.id = $1")
        .bind(id)
        .bind(viewer.0),
    )
    .await
}

/// Hide a course (with who, when and why) or show it again.
pub async fn set_course_hidden(
    db: &mut impl Db,
    course: CourseId,
    hidden: Option<(UserId, i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE courses SET hidden_at = $2, hidden_by = $3, hidden_reason = $4 WHERE id = $1")
            .bind(course.0)
            .bind(hidden.map(|h| h.1))
            .bind(hidden.map(|h| h.0.0))
            .bind(hidden.map_or("", |h| h.2)),
    )
    .await?;
    Ok(())
}

/// Hide a block (and so everything below it) or show it again. The caller moves the
/// course's content version on, so cached trees are reloaded.
pub async fn set_block_hidden(
    db: &mut impl Db,
    block: BlockId,
    hidden: Option<(UserId, i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE blocks SET hidden_at = $2, hidden_by = $3, hidden_reason = $4 WHERE id = $1")
            .bind(block.0)
            .bind(hidden.map(|h| h.1))
            .bind(hidden.map(|h| h.0.0))
            .bind(hidden.map_or("", |h| h.2)),
    )
    .await?;
    Ok(())
}

row! {
    /// A block as reports see it: its course, and whether it is live and hidden.
    pub struct ReportedBlockRow {
        pub id: i64,
        pub course_id: i64,
        pub course_key: String,
        pub title: String,
        pub kind: String,
        pub url_name: String,
        pub live: bool,
        pub hidden_at: Option<i64>,
        pub hidden_reason: String,
    }
}

pub async fn block(db: &mut impl Db, block: BlockId) -> Result<Option<ReportedBlockRow>> {
    db.optional(
        q("SELECT b.id, b.course_id, c.course_key, b.title, b.kind, b.url_name, b.live, b.hidden_at, b.hidden_reason
           FROM blocks b JOIN courses c ON c.id = b.course_id WHERE b.id = $1")
        .bind(block.0),
    )
    .await
}

pub async fn set_moderator(db: &mut impl Db, user: UserId, on: bool) -> Result<()> {
    db.exec(
        q("UPDATE users SET is_moderator = $2 WHERE id = $1")
            .bind(user.0)
            .bind(on),
    )
    .await?;
    Ok(())
}

/// Suspend a person until a time (with the reason), or lift it.
pub async fn set_suspended(
    db: &mut impl Db,
    user: UserId,
    until: Option<(i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET suspended_until = $2, suspended_reason = $3 WHERE id = $1")
            .bind(user.0)
            .bind(until.map(|u| u.0))
            .bind(until.map_or("", |u| u.1)),
    )
    .await?;
    Ok(())
}

row! {
    /// A person's public page: who they are and what they publish.
    pub struct PublicCourseRow {
        pub course_key: String,
        pub title: String,
        pub role: String,
    }
}

/// The published, shown courses a person teaches or writes: one statement.
pub async fn public_courses_of(db: &mut impl Db, user: UserId) -> Result<Vec<PublicCourseRow>> {
    db.all(
        q("SELECT c.course_key, c.title, r.role FROM course_roles r JOIN courses c ON c.id = r.course_id
           WHERE r.user_id = $1 AND r.role IN ('instructor', 'author') AND c.published AND c.hidden_at IS NULL
           ORDER BY c.title, c.course_key")
        .bind(user.0),
    )
    .await
}

/// In how many organisations `user` moderates (as moderator or admin).
pub async fn orgs_moderated(db: &mut impl Db, user: UserId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM org_members WHERE user_id = $1 AND role IN ('admin', 'moderator')")
            .bind(user.0),
    )
    .await
}

/// The latest action of a kind on a target (the one a hidden course's banner appeals).
pub async fn latest_action(
    db: &mut impl Db,
    target_type: &str,
    target_id: &str,
    action: &str,
) -> Result<Option<i64>> {
    db.scalar(
        q("SELECT MAX(id) FROM moderation_actions WHERE target_type = $1 AND target_id = $2 AND action = $3")
            .bind(target_type)
            .bind(target_id)
            .bind(action),
    )
    .await
}
