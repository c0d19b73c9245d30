//! Course announcements (issue 15): written by the team, listed on the course home, and
//! sent as one notice per learner of an audience — every learner, those who have not
//! started, or a given set (those who have not passed, decided from their grades by the
//! caller) — in one `INSERT … SELECT`, whatever the cohort's size.

use crate::Result;
use crate::db::{Backend, Db, Elem, Query, ints, list_rows, q, q_built, row};
use lyceum_core::{CourseId, UserId};

/// Which of a course's learners (active enrolments, not on its team, accounts not
/// deleted) an announcement goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience<'a> {
    All,
    /// No unit visited, nothing completed, no problem tried.
    NotStarted,
    /// These learners (ids from our own rows).
    Among(&'a [UserId]),
}

/// The `FROM … WHERE` naming the audience's learners as `e.user_id`; `$1` is the course,
/// and the ids of [`Audience::Among`] are the list parameter `ids` (bound by
/// [`bind_audience`]).
fn audience_sql(backend: Backend, audience: Audience<'_>, ids: &str) -> String {
    let extra = match audience {
        Audience::All => String::new(),
        Audience::NotStarted => " AND e.last_unit_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM completions x WHERE x.user_id = e.user_id AND x.course_id = e.course_id)
            AND NOT EXISTS (SELECT 1 FROM problem_states s WHERE s.user_id = e.user_id AND s.course_id = e.course_id)"
            .to_owned(),
        Audience::Among([]) => " AND 1 = 0".to_owned(),
        Audience::Among(_) => format!(" AND e.user_id IN ({})", list_rows(backend, ids, Elem::Int)),
    };
    format!(
        "FROM enrollments e JOIN users u ON u.id = e.user_id
         WHERE e.course_id = $1 AND e.active AND u.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM course_roles r WHERE r.course_id = e.course_id AND r.user_id = e.user_id){extra}"
    )
}

/// Bind the ids of an [`Audience::Among`] (the next parameter), if the SQL names them.
fn bind_audience(q: Query, audience: Audience<'_>) -> Query {
    match audience {
        Audience::Among(users) if !users.is_empty() => q.bind(ints(users.iter().map(|u| u.0))),
        _ => q,
    }
}

/// Every learner of the course (as [`Audience::All`] counts them), by id.
pub async fn learners(db: &mut impl Db, course: CourseId) -> Result<Vec<UserId>> {
    let rows: Vec<(i64,)> = db
        .all(
            q_built(format!(
                "SELECT e.user_id {} ORDER BY e.user_id",
                audience_sql(db.backend(), Audience::All, "$2")
            ))
            .bind(course.0),
        )
        .await?;
    Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
}

/// How many learners an audience has: one statement.
pub async fn count_audience(
    db: &mut impl Db,
    course: CourseId,
    audience: Audience<'_>,
) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) {}",
        audience_sql(db.backend(), audience, "$2")
    );
    db.scalar(bind_audience(q_built(sql).bind(course.0), audience))
        .await
}

/// One notice per learner of the audience, in one statement; how many were written.
pub async fn notify_audience(
    db: &mut impl Db,
    course: CourseId,
    audience: Audience<'_>,
    kind: &str,
    link: &str,
    subject: &str,
    now: i64,
) -> Result<u64> {
    let query = q_built(format!(
        "INSERT INTO notifications (user_id, course_id, kind, link, subject, created_at)
             SELECT e.user_id, e.course_id, $2, $3, $4, $5 {}",
        audience_sql(db.backend(), audience, "$6")
    ))
    .bind(course.0)
    .bind(kind)
    .bind(link)
    .bind(subject)
    .bind(now);
    db.exec(bind_audience(query, audience)).await
}

#[derive(Clone, Debug)]
pub struct NewAnnouncement<'a> {
    pub course: CourseId,
    pub author: UserId,
    pub title: &'a str,
    pub body: &'a str,
    pub html: &'a str,
    /// `all`, `not-started`, `not-passed`.
    pub audience: &'a str,
    pub now: i64,
}

pub async fn insert(db: &mut impl Db, a: &NewAnnouncement<'_>) -> Result<i64> {
    db.scalar(
        q("INSERT INTO announcements (course_id, author_id, title, body, html, audience, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(a.course.0)
        .bind(a.author.0)
        .bind(a.title)
        .bind(a.body)
        .bind(a.html)
        .bind(a.audience)
        .bind(a.now),
    )
    .await
}

/// How many learners an announcement was sent to.
pub async fn set_recipients(db: &mut impl Db, id: i64, recipients: i64) -> Result<()> {
    db.exec(
        q("UPDATE announcements SET recipients = $2 WHERE id = $1")
            .bind(id)
            .bind(recipients),
    )
    .await?;
    Ok(())
}

row! {
    pub struct AnnouncementRow {
        pub id: i64,
        pub course_id: i64,
        pub title: String,
        pub body: String,
        pub html: String,
        pub audience: String,
        pub recipients: i64,
        pub created_at: i64,
        pub author_username: Option<String>,
        pub author_display_name: Option<String>,
    }
}

/// A course's announcements not deleted, newest first.
pub async fn list(db: &mut impl Db, course: CourseId, limit: i64) -> Result<Vec<AnnouncementRow>> {
    db.all(
        q("SELECT a.id, a.course_id, a.title, a.body, a.html, a.audience, a.recipients, a.created_at,
                  u.username AS author_username, u.display_name AS author_display_name
           FROM announcements a LEFT JOIN users u ON u.id = a.author_id
           WHERE a.course_id = $1 AND a.deleted_at IS NULL
           ORDER BY a.created_at DESC, a.id DESC LIMIT $2")
        .bind(course.0)
        .bind(limit),
    )
    .await
}

/// Delete an announcement softly (kept for the record); whether it was there.
pub async fn delete(db: &mut impl Db, course: CourseId, id: i64, now: i64) -> Result<bool> {
    Ok(db
        .exec(
            q("UPDATE announcements SET deleted_at = $3
               WHERE id = $1 AND course_id = $2 AND deleted_at IS NULL")
            .bind(id)
            .bind(course.0)
            .bind(now),
        )
        .await?
        > 0)
}
