//! Running a course as its team and reviewers do: the settings a course has beyond its
//! content (enrolment dates, card image, About source, status), its team with names, its
//! review history and the review queue, and the copy a rerun starts from.

use crate::db::{Db, Elem, ints, list_rows, q, q_built, row};
use crate::{Result, StoreError};
use lyceum_core::permissions::{CourseRole, OrgRole};
use lyceum_core::{CourseId, OrgId, UserId};

row! {
    /// An organisation as the course-creation form offers it, with the viewer's role there.
    pub struct OrgChoiceRow {
        pub id: i64,
        pub slug: String,
        pub name: String,
        pub requires_review: bool,
        pub role: Option<String>,
        // Someone's personal space (it holds their forks).
        pub personal: bool,
    }
}

impl OrgChoiceRow {
    pub fn id(&self) -> OrgId {
        OrgId(self.id)
    }

    pub fn role(&self) -> Option<OrgRole> {
        self.role.as_deref().and_then(OrgRole::parse)
    }
}

/// Every organisation with `user`'s role in it (none where they have none), by name: one
/// statement.
pub async fn orgs_with_role(db: &mut impl Db, user: UserId) -> Result<Vec<OrgChoiceRow>> {
    db.all(
        q("SELECT o.id, o.slug, o.name, o.requires_review, m.role, o.personal_user_id IS NOT NULL AS personal
           FROM organizations o LEFT JOIN org_members m ON m.org_id = o.id AND m.user_id = $1
           ORDER BY o.name, o.slug")
        .bind(user.0),
    )
    .await
}

/// One organisation by slug with `user`'s role in it.
pub async fn org_with_role(
    db: &mut impl Db,
    slug: &str,
    user: UserId,
) -> Result<Option<OrgChoiceRow>> {
    db.optional(
        q("SELECT o.id, o.slug, o.name, o.requires_review, m.role, o.personal_user_id IS NOT NULL AS personal
           FROM organizations o LEFT JOIN org_members m ON m.org_id = o.id AND m.user_id = $2
           WHERE o.slug = $1")
        .bind(slug)
        .bind(user.0),
    )
    .await
}

row! {
    /// What a course has beyond [`super::courses::CourseRow`]: the settings form's extra
    /// fields and what the About page says about its upkeep.
    pub struct CourseExtras {
        pub overview_source: String,
        pub enrollment_start_at: Option<i64>,
        pub enrollment_end_at: Option<i64>,
        pub card_image: Option<String>,
        pub last_reviewed_at: Option<i64>,
        pub last_published_at: Option<i64>,
        pub created_by: Option<i64>,
        pub requires_review: bool,
    }
}

/// A course's extras. `last_published_at` is its last publish, or when it was created for
/// a course never published through Studio (imported, seeded): "may be outdated" counts
/// from there.
pub async fn extras(db: &mut impl Db, course: CourseId) -> Result<Option<CourseExtras>> {
    db.optional(
        q("SELECT c.overview_source, c.enrollment_start_at, c.enrollment_end_at, c.card_image, c.last_reviewed_at,
                  COALESCE((SELECT MAX(p.published_at) FROM course_publications p WHERE p.course_id = c.id), c.created_at) AS last_published_at,
                  c.created_by, o.requires_review
           FROM courses c JOIN organizations o ON o.id = c.org_id WHERE c.id = $1")
        .bind(course.0),
    )
    .await
}

/// A course's settings as its team edits them (not its key, organisation or status).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub title: String,
    pub language: String,
    pub license: String,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub enrollment_start_at: Option<i64>,
    pub enrollment_end_at: Option<i64>,
    pub effort_minutes_per_week: Option<i64>,
    pub effort_weeks: Option<i64>,
    pub short_description: String,
    pub overview_source: String,
    pub overview_html: String,
    pub self_paced: bool,
}

/// Where a new course lives: its organisation and key (`course-v1:ORG+CODE+RUN`).
#[derive(Clone, Copy, Debug)]
pub struct NewKey<'a> {
    pub org: OrgId,
    pub key: &'a str,
    pub code: &'a str,
    pub run: &'a str,
}

/// A new course: no outline, status draft (unpublished), created by `creator`.
pub async fn create(
    db: &mut impl Db,
    id: &NewKey<'_>,
    s: &Settings,
    creator: UserId,
    now: i64,
) -> Result<CourseId> {
    let id: i64 = db
        .scalar(
            q("INSERT INTO courses (org_id, course_key, code, run, title, short_description, overview_source, overview_html,
                  language, license, effort_minutes_per_week, effort_weeks, start_at, end_at, enrollment_start_at, enrollment_end_at,
                  published, status, self_paced, created_by, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, FALSE, 'draft', $17, $18, $19, $19)
               RETURNING id")
            .bind(id.org.0)
            .bind(id.key)
            .bind(id.code)
            .bind(id.run)
            .bind(&s.title)
            .bind(&s.short_description)
            .bind(&s.overview_source)
            .bind(&s.overview_html)
            .bind(&s.language)
            .bind(&s.license)
            .bind(s.effort_minutes_per_week)
            .bind(s.effort_weeks)
            .bind(s.start_at)
            .bind(s.end_at)
            .bind(s.enrollment_start_at)
            .bind(s.enrollment_end_at)
            .bind(s.self_paced)
            .bind(creator.0)
            .bind(now),
        )
        .await?;
    Ok(CourseId(id))
}

pub async fn key_exists(db: &mut impl Db, key: &str) -> Result<bool> {
    let n: i64 = db
        .scalar(q("SELECT COUNT(*) FROM courses WHERE course_key = $1").bind(key))
        .await?;
    Ok(n > 0)
}

pub async fn update_settings(
    db: &mut impl Db,
    course: CourseId,
    s: &Settings,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE courses SET title = $2, short_description = $3, overview_source = $4, overview_html = $5, language = $6,
              license = $7, effort_minutes_per_week = $8, effort_weeks = $9, start_at = $10, end_at = $11,
              enrollment_start_at = $12, enrollment_end_at = $13, self_paced = $14, updated_at = $15
           WHERE id = $1")
        .bind(course.0)
        .bind(&s.title)
        .bind(&s.short_description)
        .bind(&s.overview_source)
        .bind(&s.overview_html)
        .bind(&s.language)
        .bind(&s.license)
        .bind(s.effort_minutes_per_week)
        .bind(s.effort_weeks)
        .bind(s.start_at)
        .bind(s.end_at)
        .bind(s.enrollment_start_at)
        .bind(s.enrollment_end_at)
        .bind(s.self_paced)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// The card image: one of the course's files, by name (`None` removes it).
pub async fn set_card_image(
    db: &mut impl Db,
    course: CourseId,
    name: Option<&str>,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE courses SET card_image = $2, updated_at = $3 WHERE id = $1")
            .bind(course.0)
            .bind(name)
            .bind(now),
    )
    .await?;
    Ok(())
}

row! {
    /// A member of a course's team.
    pub struct MemberRow {
        pub user_id: i64,
        pub username: String,
        pub display_name: String,
        pub role: String,
        pub created_at: i64,
    }
}

impl MemberRow {
    pub fn role(&self) -> Option<CourseRole> {
        CourseRole::parse(&self.role)
    }

    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// A course's team, instructors first, then by username: one statement.
pub async fn team(db: &mut impl Db, course: CourseId) -> Result<Vec<MemberRow>> {
    db.all(
        q("SELECT r.user_id, u.username, u.display_name, r.role, r.created_at
           FROM course_roles r JOIN users u ON u.id = r.user_id
           WHERE r.course_id = $1
           ORDER BY CASE r.role WHEN 'instructor' THEN 0 WHEN 'author' THEN 1 ELSE 2 END, u.username")
        .bind(course.0),
    )
    .await
}

/// The teams of several courses at once (the review queue): one statement.
pub async fn teams_of(db: &mut impl Db, courses: &[CourseId]) -> Result<Vec<(i64, MemberRow)>> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let list = list_rows(db.backend(), "$1", Elem::Int);
    let rows = db
        .rows(
            q_built(format!(
                "SELECT r.course_id, r.user_id, u.username, u.display_name, r.role, r.created_at
             FROM course_roles r JOIN users u ON u.id = r.user_id
             WHERE r.course_id IN ({list}) AND r.role = 'instructor'
             ORDER BY u.username"
            ))
            .bind(ints(courses.iter().map(|c| c.0))),
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        use crate::db::FromRow;
        out.push((r.get("course_id")?, MemberRow::from_row(r)?));
    }
    Ok(out)
}

/// One member's role, if they are on the team.
pub async fn role_of(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
) -> Result<Option<CourseRole>> {
    Ok(db
        .optional::<(String,)>(
            q("SELECT role FROM course_roles WHERE course_id = $1 AND user_id = $2")
                .bind(course.0)
                .bind(user.0),
        )
        .await?
        .and_then(|(r,)| CourseRole::parse(&r)))
}

pub async fn count_instructors(db: &mut impl Db, course: CourseId) -> Result<i64> {
    db.scalar(
        q("SELECT COUNT(*) FROM course_roles WHERE course_id = $1 AND role = 'instructor'")
            .bind(course.0),
    )
    .await
}

/// The instructors' ids (who hears of a review decision).
pub async fn instructors(db: &mut impl Db, course: CourseId) -> Result<Vec<UserId>> {
    Ok(db
        .all::<(i64,)>(
            q("SELECT user_id FROM course_roles WHERE course_id = $1 AND role = 'instructor' ORDER BY user_id")
                .bind(course.0),
        )
        .await?
        .into_iter()
        .map(|(u,)| UserId(u))
        .collect())
}

/// Set a course's status and the `published` flag learners' queries read with it.
pub async fn set_status(
    db: &mut impl Db,
    course: CourseId,
    status: &str,
    published: bool,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE courses SET status = $2, published = $3, updated_at = $4 WHERE id = $1")
            .bind(course.0)
            .bind(status)
            .bind(published)
            .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn set_last_reviewed(db: &mut impl Db, course: CourseId, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE courses SET last_reviewed_at = $2 WHERE id = $1")
            .bind(course.0)
            .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn add_review(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
    decision: &str,
    comment: &str,
    now: i64,
) -> Result<i64> {
    db.scalar(
        q("INSERT INTO course_reviews (course_id, user_id, decision, comment, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(course.0)
            .bind(user.0)
            .bind(decision)
            .bind(comment)
            .bind(now),
    )
    .await
}

row! {
    pub struct ReviewRow {
        pub id: i64,
        pub user_id: Option<i64>,
        pub username: Option<String>,
        pub decision: String,
        pub comment: String,
        pub created_at: i64,
    }
}

/// A course's review history, newest first: one statement.
pub async fn reviews(db: &mut impl Db, course: CourseId) -> Result<Vec<ReviewRow>> {
    db.all(
        q(
            "SELECT v.id, v.user_id, u.username, v.decision, v.comment, v.created_at
           FROM course_reviews v LEFT JOIN users u ON u.id = v.user_id
           WHERE v.course_id = $1 ORDER BY v.created_at DESC, v.id DESC LIMIT 200",
        )
        .bind(course.0),
    )
    .await
}

row! {
    /// A course waiting for review.
    pub struct QueueRow {
        pub id: i64,
        pub course_key: String,
        pub title: String,
        pub language: String,
        pub org_slug: String,
        pub org_name: String,
        pub updated_at: i64,
        pub submitted_at: Option<i64>,
    }
}

/// Courses in review that `viewer` may review: in organisations where they are an admin
/// or a reviewer, or every one for a site admin; longest waiting first. One statement.
pub async fn review_queue(
    db: &mut impl Db,
    viewer: UserId,
    site_admin: bool,
) -> Result<Vec<QueueRow>> {
    db.all(
        q("SELECT c.id, c.course_key, c.title, c.language, o.slug AS org_slug, o.name AS org_name, c.updated_at,
                  (SELECT MAX(v.created_at) FROM course_reviews v WHERE v.course_id = c.id AND v.decision = 'submit') AS submitted_at
           FROM courses c JOIN organizations o ON o.id = c.org_id
           WHERE c.status = 'review'
             AND ($2 OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = c.org_id AND m.user_id = $1 AND m.role IN ('admin', 'reviewer')))
           ORDER BY submitted_at, c.updated_at, c.id LIMIT 500")
        .bind(viewer.0)
        .bind(site_admin),
    )
    .await
}

/// Whether `user` reviews for some organisation (admin or reviewer there).
pub async fn reviews_somewhere(db: &mut impl Db, user: UserId) -> Result<bool> {
    let n: i64 = db
        .scalar(
            q("SELECT COUNT(*) FROM org_members WHERE user_id = $1 AND role IN ('admin', 'reviewer')")
                .bind(user.0),
        )
        .await?;
    Ok(n > 0)
}

/// Copy what belongs to a course besides its blocks and learners into `to`: its files, its
/// own pages (About texts, info, tabs) and its grading policy and outcomes.
pub async fn copy_course_parts(db: &mut impl Db, from: CourseId, to: CourseId) -> Result<()> {
    db.exec(
        q("INSERT INTO assets (course_id, name, content_type, size, sha256, created_at)
           SELECT $2, name, content_type, size, sha256, created_at FROM assets WHERE course_id = $1")
        .bind(from.0)
        .bind(to.0),
    )
    .await?;
    db.exec(
        q(
            "INSERT INTO course_pages (course_id, kind, slug, title, content, position)
           SELECT $2, kind, slug, title, content, position FROM course_pages WHERE course_id = $1",
        )
        .bind(from.0)
        .bind(to.0),
    )
    .await?;
    let updated = db
        .exec(
            q("UPDATE courses SET grading_policy = (SELECT f.grading_policy FROM courses f WHERE f.id = $1),
                  outcomes = (SELECT f.outcomes FROM courses f WHERE f.id = $1),
                  card_image = (SELECT f.card_image FROM courses f WHERE f.id = $1)
               WHERE id = $2")
            .bind(from.0)
            .bind(to.0),
        )
        .await?;
    if updated != 1 {
        return Err(StoreError::Corrupt("rerun target missing".into()));
    }
    Ok(())
}
