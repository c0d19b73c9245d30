//! What site administrators read and change across the whole site: people found by name
//! or address, a person's accounts and places, blocking and grants, and every course.
//! Each list is one or two statements whatever the site's size.

use crate::Result;
use crate::db::{Db, q, q_built, row};
use crate::repo::users::{USER_COLUMNS, UserRow};
use lyceum_core::UserId;

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased.
fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

const USER_SEARCH: &str = "u.deleted_at IS NULL AND ($1 IS NULL OR u.username_key LIKE $1 ESCAPE '\\'
    OR LOWER(u.display_name) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(u.email, '')) LIKE $1 ESCAPE '\\')";

/// One page of people whose username, display name or e-mail contains `text` (any case),
/// by username, and how many match in all: two statements.
pub async fn search_users(
    db: &mut impl Db,
    text: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserRow>, i64)> {
    let pattern = text.filter(|t| !t.is_empty()).map(like_pattern);
    let columns = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = db
        .all(
            q_built(format!(
                "SELECT {columns} FROM users u WHERE {USER_SEARCH}
                 ORDER BY u.username_key LIMIT $2 OFFSET $3"
            ))
            .bind(pattern.as_deref())
            .bind(limit)
            .bind(offset),
        )
        .await?;
    let total = db
        .scalar(
            q_built(format!("SELECT COUNT(*) FROM users u WHERE {USER_SEARCH}"))
                .bind(pattern.as_deref()),
        )
        .await?;
    Ok((rows, total))
}

row! {
    /// What an administrator sees about one person besides their row.
    pub struct UserFacts {
        pub blocked_reason: String,
        pub has_password: bool,
        pub wikimedia_username: Option<String>,
    }
}

/// A user's row and the facts of their page header, in one statement.
pub async fn user_by_key(
    db: &mut impl Db,
    username_key: &str,
) -> Result<Option<(UserRow, UserFacts)>> {
    let columns = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = db
        .rows(
            q_built(format!(
                "SELECT {columns}, u.blocked_reason,
                        EXISTS (SELECT 1 FROM local_credentials l WHERE l.user_id = u.id) AS has_password,
                        (SELECT w.username FROM wikimedia_accounts w WHERE w.user_id = u.id) AS wikimedia_username
                 FROM users u WHERE u.username_key = $1 AND u.deleted_at IS NULL"
            ))
            .bind(username_key),
        )
        .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    Ok(Some((
        crate::db::FromRow::from_row(r)?,
        crate::db::FromRow::from_row(r)?,
    )))
}

row! {
    /// A course someone is on the team of, with their role.
    pub struct TaughtRow {
        pub course_key: String,
        pub title: String,
        pub role: String,
    }
}

pub async fn courses_taught(db: &mut impl Db, user: UserId) -> Result<Vec<TaughtRow>> {
    db.all(
        q("SELECT c.course_key, c.title, r.role FROM course_roles r JOIN courses c ON c.id = r.course_id
           WHERE r.user_id = $1 ORDER BY c.title, c.course_key")
        .bind(user.0),
    )
    .await
}

/// Block (with the reason) or unblock a user.
pub async fn set_blocked(
    db: &mut impl Db,
    user: UserId,
    blocked: Option<(i64, &str)>,
) -> Result<()> {
    db.exec(
        q("UPDATE users SET blocked_at = $2, blocked_reason = $3 WHERE id = $1")
            .bind(user.0)
            .bind(blocked.map(|b| b.0))
            .bind(blocked.map_or("", |b| b.1)),
    )
    .await?;
    Ok(())
}

/// End every session of a user; how many there were.
pub async fn delete_sessions_of(db: &mut impl Db, user: UserId) -> Result<u64> {
    db.exec(q("DELETE FROM sessions WHERE user_id = $1").bind(user.0))
        .await
}

pub async fn set_course_creation(db: &mut impl Db, user: UserId, allowed: bool) -> Result<()> {
    db.exec(
        q("UPDATE users SET can_create_courses = $2 WHERE id = $1")
            .bind(user.0)
            .bind(allowed),
    )
    .await?;
    Ok(())
}

/// Site administrators who can still act (not blocked, not deleted).
pub async fn count_active_admins(db: &mut impl Db) -> Result<i64> {
    db.scalar(q(
        "SELECT COUNT(*) FROM users WHERE is_admin AND blocked_at IS NULL AND deleted_at IS NULL",
    ))
    .await
}

row! {
    /// A course in the site-wide list.
    pub struct AdminCourseRow {
        pub id: i64,
        pub course_key: String,
        pub title: String,
        pub language: String,
        pub status: String,
        pub org_slug: String,
        pub org_name: String,
        pub start_at: Option<i64>,
        pub learners: i64,
    }
}

/// Filters of the site-wide course list; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct CourseFilter<'a> {
    pub org: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Contained in the title or the course key (any case).
    pub text: Option<&'a str>,
}

const COURSE_FILTER: &str = "($1 IS NULL OR o.slug = $1) AND ($2 IS NULL OR c.status = $2)
    AND ($3 IS NULL OR LOWER(c.title) LIKE $3 ESCAPE '\\' OR LOWER(c.course_key) LIKE $3 ESCAPE '\\')";

/// One page of every course on the site (all statuses), by title, and the total: two
/// statements.
pub async fn courses(
    db: &mut impl Db,
    f: &CourseFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AdminCourseRow>, i64)> {
    let pattern = f.text.filter(|t| !t.is_empty()).map(like_pattern);
    let rows = db
        .all(
            q_built(format!(
                "SELECT c.id, c.course_key, c.title, c.language, c.status, o.slug AS org_slug, o.name AS org_name, c.start_at,
                        (SELECT COUNT(*) FROM enrollments e WHERE e.course_id = c.id AND e.active) AS learners
                 FROM courses c JOIN organizations o ON o.id = c.org_id WHERE {COURSE_FILTER}
                 ORDER BY LOWER(c.title), c.course_key LIMIT $4 OFFSET $5"
            ))
            .bind(f.org)
            .bind(f.status)
            .bind(pattern.as_deref())
            .bind(limit)
            .bind(offset),
        )
        .await?;
    let total = db
        .scalar(
            q_built(format!(
                "SELECT COUNT(*) FROM courses c JOIN organizations o ON o.id = c.org_id WHERE {COURSE_FILTER}"
            ))
            .bind(f.org)
            .bind(f.status)
            .bind(pattern.as_deref()),
        )
        .await?;
    Ok((rows, total))
}

row! {
    /// A published course of an organisation, for its page.
    pub struct OrgCourseRow {
        pub course_key: String,
        pub title: String,
        pub language: String,
        pub short_description: String,
        pub status: String,
    }
}

/// An organisation's courses: published ones for everyone, all of them for `all`
/// (its admins and reviewers, site admins), by title.
pub async fn org_courses(
    db: &mut impl Db,
    org: lyceum_core::OrgId,
    all: bool,
) -> Result<Vec<OrgCourseRow>> {
    db.all(
        q(
            "SELECT c.course_key, c.title, c.language, c.short_description, c.status FROM courses c
           WHERE c.org_id = $1 AND ((c.published AND c.hidden_at IS NULL) OR $2) ORDER BY LOWER(c.title), c.course_key",
        )
        .bind(org.0)
        .bind(all),
    )
    .await
}
