//! Courses, their team and their block tree.

use crate::db::{Backend, Db, FromRow, Row, ToValue, page_bounds, q, q_built, row};
use crate::repo::learner::{self, UnitState};
use crate::{Result, StoreError};
use lyceum_core::course::spec::{NewBlock, NewCourse};
use lyceum_core::course::{CourseTree, NodeRow};
use lyceum_core::grading::GradingPolicy;
use lyceum_core::permissions::{CourseRole, OrgRole};
use lyceum_core::{BlockId, CourseId, OrgId, UserId, clock::from_millis};

row! {
    pub struct CourseRow {
        pub id: i64,
        pub org_id: i64,
        pub org_slug: String,
        pub org_name: String,
        pub course_key: String,
        pub code: String,
        pub run: String,
        pub title: String,
        pub short_description: String,
        pub overview_html: String,
        pub outcomes: String,
        pub language: String,
        pub license: String,
        pub effort_minutes_per_week: Option<i64>,
        pub effort_weeks: Option<i64>,
        pub start_at: Option<i64>,
        pub end_at: Option<i64>,
        pub enrollment_open: bool,
        pub published: bool,
        pub self_paced: bool,
        pub content_version: i64,
        pub grading_policy: String,
        pub status: String,
        pub enrollment_start_at: Option<i64>,
        pub enrollment_end_at: Option<i64>,
        pub card_image: Option<String>,
        pub last_reviewed_at: Option<i64>,
        // The owner of the course's organisation when it is a personal space.
        pub org_personal_user_id: Option<i64>,
        // For a fork: its source's key (now, or the last one known), title, licence,
        // authors (a JSON array of names) and whether the fork changed what it took.
        pub fork_source_key: Option<String>,
        pub fork_source_title: Option<String>,
        pub fork_source_license: Option<String>,
        pub fork_source_authors: Option<String>,
        pub fork_modified: Option<bool>,
        // How many forks the course has (Studio links to them); absent in the catalog.
        pub fork_count: Option<i64>,
        pub hidden_at: Option<i64>,
        pub hidden_reason: String,
        // Changed by every translation saved and every language published or withdrawn
        // (issue 17): what a node's translated copies of the course are kept by. Absent
        // in the catalog.
        pub translations_version: Option<i64>,
        // The course's organisation reviews courses before they are published. Absent
        // in the catalog.
        pub org_requires_review: Option<bool>,
    }
}

impl CourseRow {
    /// The course's source, when it is a fork.
    pub fn fork_source(&self) -> Option<ForkSource> {
        Some(ForkSource {
            key: self.fork_source_key.clone()?,
            title: self.fork_source_title.clone().unwrap_or_default(),
            license: self.fork_source_license.clone().unwrap_or_default(),
            authors: self
                .fork_source_authors
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default(),
            modified: self.fork_modified.unwrap_or(false),
        })
    }

    /// The course is in someone's personal space (unlisted).
    pub fn personal(&self) -> bool {
        self.org_personal_user_id.is_some()
    }

    pub fn id(&self) -> CourseId {
        CourseId(self.id)
    }

    pub fn outcomes(&self) -> Vec<String> {
        serde_json::from_str(&self.outcomes).unwrap_or_default()
    }

    /// Whether the course takes enrolments at `now` (switch, status and dates).
    pub fn enrollment_window(
        &self,
        now: jiff::Timestamp,
    ) -> lyceum_core::course::status::EnrollmentWindow {
        lyceum_core::course::status::EnrollmentWindow::of(
            self.enrollment_open,
            lyceum_core::course::CourseStatus::parse(&self.status),
            self.enrollment_start_at.map(from_millis),
            self.enrollment_end_at.map(from_millis),
            now,
        )
    }

    /// The grading policy; Lyceum's default (pass at 50 %) when none is set.
    pub fn grading(&self) -> GradingPolicy {
        serde_json::from_str(&self.grading_policy).unwrap_or_default()
    }
}

/// What a fork's pages say about its source (CC BY-SA attribution).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForkSource {
    pub key: String,
    pub title: String,
    pub license: String,
    pub authors: Vec<String>,
    /// The fork's published content differs from what it took ("changes were made").
    pub modified: bool,
}

/// A course's columns; a fork's source comes along in the same statement (joined by
/// [`FORK_JOINS`], which every statement selecting these columns adds after its join of
/// `organizations o`), so the pages that show the attribution read nothing more.
pub(crate) const COURSE_COLUMNS: &str = "c.id, c.org_id, o.slug AS org_slug, o.name AS org_name, c.course_key, c.code, c.run, c.title,
    c.short_description, c.overview_html, c.outcomes, c.language, c.license, c.effort_minutes_per_week, c.effort_weeks,
    c.start_at, c.end_at, c.enrollment_open, c.published, c.self_paced, c.content_version, c.grading_policy, c.status,
    c.enrollment_start_at, c.enrollment_end_at, c.card_image, c.last_reviewed_at, c.hidden_at, c.hidden_reason, o.personal_user_id AS org_personal_user_id,
    c.translations_version, o.requires_review AS org_requires_review, COALESCE(s.course_key, f.source_key) AS fork_source_key, f.source_title AS fork_source_title,
    f.source_license AS fork_source_license, f.source_authors AS fork_source_authors, f.modified AS fork_modified,
    (SELECT COUNT(*) FROM course_forks fc WHERE fc.source_course_id = c.id) AS fork_count";

// [`FORK_JOINS`]' text, for the constants that splice it in with `concat!`.
macro_rules! fork_joins {
    () => {
        "LEFT JOIN course_forks f ON f.course_id = c.id LEFT JOIN courses s ON s.id = f.source_course_id"
    };
}

/// The joins [`COURSE_COLUMNS`] reads a fork's source through: at most one row each (a
/// course has at most one source). As joins, not the scalar subquery per column they were:
/// PostgreSQL sets up every subquery's scan on each execution, and the course's statement
/// on a unit page cost 16 % more for it (`pgbench` of the statement alone).
pub(crate) const FORK_JOINS: &str = fork_joins!();

/// The viewer's relation to a course, read together with the course.
#[derive(Clone, Debug, Default)]
pub struct ViewerRow {
    pub enrolled: bool,
    pub role: Option<CourseRole>,
    /// The viewer's role in the course's organisation.
    pub org_role: Option<OrgRole>,
    pub last_unit_id: Option<BlockId>,
    /// The language the enrolled learner chose to read the course in (issue 17).
    pub content_lang: Option<String>,
}

fn viewer_of(r: &Row) -> Result<ViewerRow> {
    Ok(ViewerRow {
        enrolled: r.get::<Option<bool>>("enrolled")?.unwrap_or(false),
        role: r
            .get::<Option<String>>("role")?
            .as_deref()
            .and_then(CourseRole::parse),
        org_role: r
            .get::<Option<String>>("org_role")?
            .as_deref()
            .and_then(OrgRole::parse),
        last_unit_id: r.get::<Option<i64>>("last_unit_id")?.map(BlockId),
        content_lang: r.get("content_lang")?,
    })
}

// The viewer's relation to the course `c` (of organisation `o`), and the joins that read it.
macro_rules! viewer_columns {
    () => {
        "e.active AS enrolled, e.last_unit_id, e.content_lang, r.role, m.role AS org_role"
    };
}
macro_rules! viewer_joins {
    () => {
        "
                 LEFT JOIN enrollments e ON e.course_id = c.id AND e.user_id = $2
                 LEFT JOIN course_roles r ON r.course_id = c.id AND r.user_id = $2
                 LEFT JOIN org_members m ON m.org_id = c.org_id AND m.user_id = $2"
    };
}

const VIEWER_JOINS: &str = concat!(
    viewer_columns!(),
    " FROM courses c JOIN organizations o ON o.id = c.org_id ",
    fork_joins!(),
    viewer_joins!()
);

/// A course by key with the viewer's enrolment and role, in one statement.
pub async fn find_for_viewer(
    db: &mut impl Db,
    key: &str,
    viewer: Option<UserId>,
) -> Result<Option<(CourseRow, ViewerRow)>> {
    for_viewer(db, "c.course_key = $1", key, viewer).await
}

/// The course holding `block`, with the viewer's enrolment and roles, in one statement
/// (a request addressed to a block: a submission, a survey answer, a wiki check).
pub async fn find_for_viewer_of_block(
    db: &mut impl Db,
    block: BlockId,
    viewer: Option<UserId>,
) -> Result<Option<(CourseRow, ViewerRow)>> {
    let which = "c.id = (SELECT b.course_id FROM blocks b WHERE b.id = $1)";
    for_viewer(db, which, block.0, viewer).await
}

/// What a server holds of a unit page's reads between requests (PostgreSQL, issue 16):
/// a course row as of its stamp, and with it the viewer's state in one of its units as of
/// that state's stamp. SQLite's server holds nothing: it reads in-process, in microseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Held<'a> {
    /// The stamp of the course row held.
    pub course: Option<&'a str>,
    /// The unit whose state is held (by id, at the held row's content version) and the
    /// stamp it was read at (`None`: the learner never changed anything in it). Only
    /// looked at with a held course.
    pub unit: Option<(BlockId, Option<i64>)>,
}

/// What [`unit_page`] read.
#[derive(Debug)]
pub struct UnitPageRead {
    /// The course row's stamp (PostgreSQL): a server may hold the row by it.
    pub stamp: Option<String>,
    /// The course row, or `None` when the one held is current.
    pub row: Option<CourseRow>,
    pub viewer: ViewerRow,
    pub unit: UnitRead,
}

/// The viewer's state in the unit a page shows, as [`unit_page`] read it.
#[derive(Debug)]
pub enum UnitRead {
    /// The course has no block by that name.
    Missing,
    /// The state held is current.
    Held,
    /// The state, with its stamp (PostgreSQL; `None` when never stamped).
    Read {
        id: BlockId,
        state: UnitState,
        stamp: Option<i64>,
    },
}

/// What a unit page reads: the course by key with the viewer's relation to it and their
/// state in its block named `unit` (see [`learner::unit_state`]), read from one snapshot
/// so the state matches the content version shown. One statement when nothing `held` has
/// changed. On PostgreSQL, what is held is not read again but checked by its stamps: the
/// course row's is its id and `xmin` (moved by any change to it, and by changes to its
/// organisation, its forks and its source: migration 0025), the unit state's is renewed
/// by a trigger on any change to it. A statement finding something held changed is
/// followed by one reading it (at most three in all, when the course changed between
/// them).
pub async fn unit_page(
    db: &mut impl Db,
    key: &str,
    viewer: UserId,
    unit: &str,
    mut held: Held<'_>,
) -> Result<Option<UnitPageRead>> {
    if db.backend() == Backend::Sqlite {
        held = Held::default();
    }
    loop {
        let Some((read, unit_changed)) = unit_page_once(db, key, viewer, unit, held).await? else {
            return Ok(None);
        };
        if held.course.is_some() && held.course != read.stamp.as_deref() {
            held = Held::default();
        } else if unit_changed {
            held.unit = None;
        } else {
            return Ok(Some(read));
        }
    }
}

async fn unit_page_once(
    db: &mut impl Db,
    key: &str,
    viewer: UserId,
    unit: &str,
    held: Held<'_>,
) -> Result<Option<(UnitPageRead, bool)>> {
    let postgres = db.backend() == Backend::Postgres;
    let (course_columns, course_joins) = match held.course {
        Some(_) => ("c.id", String::new()),
        None => (
            COURSE_COLUMNS,
            format!("JOIN organizations o ON o.id = c.org_id {FORK_JOINS}"),
        ),
    };
    // The row's id with its `xmin`: rows written by one transaction share an `xmin`, and
    // a key may name another course later.
    let stamp = if postgres {
        "c.id::text || ':' || c.xmin::text"
    } else {
        "NULL"
    };
    let held_unit = held.course.and(held.unit);
    let (unit_columns, unit_joins) = match held_unit {
        Some(_) => (
            "st.stamp AS unit_stamp".to_owned(),
            "LEFT JOIN unit_stamps st ON st.user_id = $2 AND st.unit_id = $3",
        ),
        None => (
            format!(
                "u.id AS unit_id, ({}) AS unit_state, {} AS unit_stamp",
                learner::unit_state_select(db.backend(), "$2", "u.id"),
                if postgres { "st.stamp" } else { "NULL" }
            ),
            if postgres {
                "LEFT JOIN blocks u ON u.course_id = c.id AND u.url_name = $3
                 LEFT JOIN unit_stamps st ON st.user_id = $2 AND st.unit_id = u.id"
            } else {
                "LEFT JOIN blocks u ON u.course_id = c.id AND u.url_name = $3"
            },
        ),
    };
    let sql = format!(
        "SELECT {course_columns}, {stamp} AS course_stamp, {unit_columns}, {}
         FROM courses c {course_joins}{}
                 {unit_joins}
         WHERE c.course_key = $1",
        viewer_columns!(),
        viewer_joins!()
    );
    let query = q_built(sql).bind(key).bind(viewer.0);
    let query = match held_unit {
        Some((id, _)) => query.bind(id.0),
        None => query.bind(unit),
    };
    let rows = db.rows(query).await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let unit_stamp = r.get::<Option<i64>>("unit_stamp")?;
    let (unit, unit_changed) = match held_unit {
        Some((_, stamp)) => (UnitRead::Held, stamp != unit_stamp),
        None => match r.get::<Option<i64>>("unit_id")? {
            Some(id) => (
                UnitRead::Read {
                    id: BlockId(id),
                    state: UnitState::from_json(&r.get::<String>("unit_state")?)?,
                    stamp: unit_stamp,
                },
                false,
            ),
            None => (UnitRead::Missing, false),
        },
    };
    Ok(Some((
        UnitPageRead {
            stamp: r.get("course_stamp")?,
            row: match held.course {
                Some(_) => None,
                None => Some(CourseRow::from_row(r)?),
            },
            viewer: viewer_of(r)?,
            unit,
        },
        unit_changed,
    )))
}

/// A course by id with the viewer's enrolment and roles, in one statement.
pub async fn find_for_viewer_by_id(
    db: &mut impl Db,
    course: CourseId,
    viewer: Option<UserId>,
) -> Result<Option<(CourseRow, ViewerRow)>> {
    for_viewer(db, "c.id = $1", course.0, viewer).await
}

/// The course `which` picks (by `$1`, bound to `id`) with the viewer's relation to it.
async fn for_viewer(
    db: &mut impl Db,
    which: &str,
    id: impl ToValue,
    viewer: Option<UserId>,
) -> Result<Option<(CourseRow, ViewerRow)>> {
    let rows = db
        .rows(
            q_built(format!(
                "SELECT {COURSE_COLUMNS}, {VIEWER_JOINS} WHERE {which}"
            ))
            .bind(id)
            .bind(viewer.map(|v| v.0)),
        )
        .await?;
    rows.first()
        .map(|r| Ok((CourseRow::from_row(r)?, viewer_of(r)?)))
        .transpose()
}

pub async fn get(db: &mut impl Db, id: CourseId) -> Result<Option<CourseRow>> {
    db.optional(q_built(format!("SELECT {COURSE_COLUMNS} FROM courses c JOIN organizations o ON o.id = c.org_id {FORK_JOINS} WHERE c.id = $1")).bind(id.0)).await
}

pub async fn find_by_key(db: &mut impl Db, key: &str) -> Result<Option<CourseRow>> {
    db.optional(q_built(format!("SELECT {COURSE_COLUMNS} FROM courses c JOIN organizations o ON o.id = c.org_id {FORK_JOINS} WHERE c.course_key = $1")).bind(key)).await
}

row! {
    /// Languages and organisations of the catalog with their course counts: the filter
    /// menus and the totals, in a few rows however many courses there are.
    pub struct CatalogFacet {
        pub language: String,
        pub org_slug: String,
        pub org_name: String,
        pub org_logo: Option<String>,
        pub courses: i64,
        // Counted in a language the courses are translated into (issue 17), not
        // written in: a course counts once per language it is offered in.
        pub translated: bool,
    }
}

/// The catalog lists courses of one status: `published` (the default list) or
/// `archived`. Drafts and courses in review are never listed, not even to their team
/// (who find them on their dashboard), nor are courses in personal spaces (unlisted,
/// reachable by their link). `$1` = the status.
pub async fn catalog_facets(db: &mut impl Db, status: &str) -> Result<Vec<CatalogFacet>> {
    db.all(
        q("SELECT l.language, o.slug AS org_slug, o.name AS org_name, o.logo_sha256 AS org_logo,
             COUNT(*) AS courses, l.translated
           FROM courses c JOIN organizations o ON o.id = c.org_id
           JOIN (SELECT id AS course_id, language, FALSE AS translated FROM courses
                 UNION ALL SELECT course_id, lang, TRUE FROM course_languages WHERE published) l
             ON l.course_id = c.id
           WHERE c.published AND c.hidden_at IS NULL AND c.status = $1 AND o.personal_user_id IS NULL
           GROUP BY l.language, l.translated, o.slug, o.name, o.logo_sha256")
        .bind(status),
    )
    .await
}

/// The catalog's version: a number any change to a course or an organisation changes
/// (kept by the database's triggers), so a node may keep what it counted from the
/// catalog while the number stays the same.
pub async fn catalog_version(db: &mut impl Db) -> Result<i64> {
    db.scalar(q(
        "SELECT version FROM site_versions WHERE name = 'catalog'",
    ))
    .await
}

/// A catalog card: the course's card fields, its card image and what "may be outdated"
/// is decided on.
#[derive(Clone, Debug)]
pub struct CatalogRow {
    pub course: CourseRow,
    /// The card image's file (an asset name) and its hash.
    pub card_image: Option<(String, String)>,
    pub last_reviewed_at: Option<i64>,
    /// The last publish, or when the course was created (imported courses have no
    /// publication record).
    pub last_published_at: Option<i64>,
}

/// The catalog's statement for the filters given (a language, an organisation's slug):
/// `$1` the status, then the language and the slug when given. One page first (walking
/// `courses_catalog` in this order), then its cards' extras: the last publish, the card
/// image and, in a language, the title and description in it, for one page of rows, not
/// for all. Only the filters given are named: written as `$2 IS NULL OR …`, one
/// statement for all, PostgreSQL's generic plan could not tell that no filter was given,
/// joined every listed course to its organisation and sorted them all (1.6 ms a view at
/// 500 courses, against 0.25 ms now). The page's bounds are written in, as
/// [`page_bounds`] explains.
fn catalog_sql(lang: bool, org: bool, limit: i64, offset: i64) -> String {
    let lang_p = "$2";
    let org_p = if lang { "$3" } else { "$2" };
    let bounds = page_bounds(limit, offset);
    let lang_filter = if lang {
        format!(
            "AND (c.language = {lang_p} OR EXISTS (SELECT 1 FROM course_languages cl
               WHERE cl.course_id = c.id AND cl.lang = {lang_p} AND cl.published))"
        )
    } else {
        String::new()
    };
    let org_filter = if org {
        format!("AND o.slug = {org_p}")
    } else {
        String::new()
    };
    let (title, description, language, translated) = if lang {
        (
            "COALESCE(tt.text, c.title)",
            "COALESCE(td.text, c.short_description)",
            "CASE WHEN tt.text IS NULL THEN c.language ELSE tt.lang END",
            format!(
                "LEFT JOIN translations tt ON tt.course_id = c.id AND tt.lang = {lang_p} AND c.language <> {lang_p}
                   AND tt.segment_id = '@course.title' AND tt.source_text = c.title
                 LEFT JOIN translations td ON td.course_id = c.id AND td.lang = {lang_p} AND c.language <> {lang_p}
                   AND td.segment_id = '@course.description' AND td.source_text = c.short_description"
            ),
        )
    } else {
        (
            "c.title",
            "c.short_description",
            "c.language",
            String::new(),
        )
    };
    format!(
        "SELECT c.id, c.org_id, c.org_slug, c.org_name, c.course_key, c.code, c.run,
            {title} AS title, {description} AS short_description,
            '' AS overview_html, '[]' AS outcomes, {language} AS language,
            c.license, c.effort_minutes_per_week, c.effort_weeks,
            c.start_at, c.end_at, c.enrollment_open, c.published, c.self_paced, c.content_version, '' AS grading_policy, c.status,
            c.enrollment_start_at, c.enrollment_end_at, c.card_image, c.last_reviewed_at, c.hidden_at, c.hidden_reason, a.sha256 AS card_sha256,
            NULL AS org_personal_user_id, NULL AS fork_source_key, NULL AS fork_source_title, NULL AS fork_source_license,
            NULL AS fork_source_authors, NULL AS fork_modified, NULL AS fork_count, NULL AS translations_version, NULL AS org_requires_review,
            COALESCE((SELECT MAX(p.published_at) FROM course_publications p WHERE p.course_id = c.id), c.created_at) AS last_published_at
         FROM (SELECT c.id, c.org_id, o.slug AS org_slug, o.name AS org_name, c.course_key, c.code, c.run, c.title,
                 c.short_description, c.language, c.license, c.effort_minutes_per_week, c.effort_weeks,
                 c.start_at, c.end_at, c.enrollment_open, c.published, c.self_paced, c.content_version, c.status,
                 c.enrollment_start_at, c.enrollment_end_at, c.card_image, c.last_reviewed_at, c.hidden_at, c.hidden_reason, c.created_at
               FROM courses c JOIN organizations o ON o.id = c.org_id
               WHERE c.published AND c.hidden_at IS NULL AND c.status = $1 AND o.personal_user_id IS NULL
                 {lang_filter} {org_filter}
               ORDER BY c.start_at DESC NULLS LAST, c.title, c.id{bounds}) c
         LEFT JOIN assets a ON a.course_id = c.id AND a.name = c.card_image
         {translated}
         ORDER BY c.start_at DESC NULLS LAST, c.title, c.id"
    )
}

/// One page of the catalog (courses of `status`), newest start first, optionally
/// filtered. Rows carry the card fields only (no overview). Filtered by a language,
/// the courses published in it come too, with their title and description in it where
/// translated from the source as it is now (and `language` then that language).
pub async fn catalog(
    db: &mut impl Db,
    status: &str,
    language: Option<&str>,
    org: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<CatalogRow>> {
    let mut query = q_built(catalog_sql(
        language.is_some(),
        org.is_some(),
        limit,
        offset,
    ))
    .bind(status);
    if let Some(l) = language {
        query = query.bind(l);
    }
    if let Some(o) = org {
        query = query.bind(o);
    }
    let rows = db.rows(query).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let image: Option<String> = r.get("card_image")?;
        let sha: Option<String> = r.get("card_sha256")?;
        out.push(CatalogRow {
            course: CourseRow::from_row(r)?,
            card_image: image.zip(sha),
            last_reviewed_at: r.get("last_reviewed_at")?,
            last_published_at: r.get("last_published_at")?,
        });
    }
    Ok(out)
}

/// Create a course with its outline; `Conflict` if the key exists.
pub async fn create(
    db: &mut impl Db,
    org: OrgId,
    course: &NewCourse,
    now: i64,
) -> Result<CourseId> {
    let outcomes =
        serde_json::to_string(&course.outcomes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id: i64 = db
        .scalar(
            q("INSERT INTO courses (org_id, course_key, code, run, title, short_description, overview_source, overview_html, outcomes,
                  language, license, effort_minutes_per_week, effort_weeks, start_at, end_at, published, self_paced, created_at, updated_at, grading_policy, status)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19,
                       CASE WHEN $16 THEN 'published' ELSE 'draft' END) RETURNING id")
            .bind(org.0)
            .bind(course.key.to_string())
            .bind(&course.key.code)
            .bind(&course.key.run)
            .bind(&course.title)
            .bind(&course.short_description)
            .bind(&course.overview_source)
            .bind(&course.overview_html)
            .bind(outcomes)
            .bind(&course.language)
            .bind(course.license.id())
            .bind(course.effort.map(|e| i64::from(e.minutes_per_week)))
            .bind(course.effort.map(|e| i64::from(e.weeks)))
            .bind(course.start.map(|t| t.as_millisecond()))
            .bind(course.end.map(|t| t.as_millisecond()))
            .bind(course.published)
            .bind(course.self_paced)
            .bind(now)
            .bind(serde_json::to_string(&course.grading).map_err(|e| StoreError::Corrupt(e.to_string()))?),
        )
        .await?;
    Ok(CourseId(id))
}

pub async fn set_published(
    db: &mut impl Db,
    course: CourseId,
    published: bool,
    now: i64,
) -> Result<()> {
    db.exec(
        q("UPDATE courses SET published = $2, updated_at = $3,
             status = CASE WHEN $2 THEN (CASE WHEN status = 'archived' THEN status ELSE 'published' END) ELSE 'draft' END
           WHERE id = $1")
            .bind(course.0)
            .bind(published)
            .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn set_grading_policy(
    db: &mut impl Db,
    course: CourseId,
    policy: &GradingPolicy,
    now: i64,
) -> Result<()> {
    let json = serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    db.exec(
        q("UPDATE courses SET grading_policy = $2, updated_at = $3 WHERE id = $1")
            .bind(course.0)
            .bind(json)
            .bind(now),
    )
    .await?;
    Ok(())
}

/// Replace a block's content (and title), keeping a revision with its author. The caller
/// bumps the course's content version in the same transaction.
pub async fn update_block(
    db: &mut impl Db,
    block: BlockId,
    title: &str,
    content: &str,
    author: Option<UserId>,
    now: i64,
) -> Result<()> {
    let revision: i64 = db.scalar(q("UPDATE blocks SET title = $2, content = $3, revision = revision + 1, updated_at = $4 WHERE id = $1 RETURNING revision").bind(block.0).bind(title).bind(content).bind(now)).await?;
    db.exec(
        q("INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at) VALUES ($1, $2, $3, $4, $5, '', $6)")
            .bind(block.0)
            .bind(revision)
            .bind(author.map(|a| a.0))
            .bind(title)
            .bind(content)
            .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn set_enrollment_open(db: &mut impl Db, course: CourseId, open: bool) -> Result<()> {
    db.exec(
        q("UPDATE courses SET enrollment_open = $2 WHERE id = $1")
            .bind(course.0)
            .bind(open),
    )
    .await?;
    Ok(())
}

/// Content changed: caches keyed on the version are stale from now on.
pub async fn bump_content_version(db: &mut impl Db, course: CourseId, now: i64) -> Result<()> {
    db.exec(q("UPDATE courses SET content_version = content_version + 1, updated_at = $2 WHERE id = $1").bind(course.0).bind(now)).await?;
    Ok(())
}

/// Replace a course's settings (everything `create` sets except its key, organisation and
/// publication), as a re-import does.
pub async fn update_settings(
    db: &mut impl Db,
    course: CourseId,
    c: &NewCourse,
    now: i64,
) -> Result<()> {
    let outcomes =
        serde_json::to_string(&c.outcomes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let grading =
        serde_json::to_string(&c.grading).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    db.exec(
        q("UPDATE courses SET title = $2, short_description = $3, overview_source = $4, overview_html = $5, outcomes = $6,
              language = $7, license = $8, effort_minutes_per_week = $9, effort_weeks = $10, start_at = $11, end_at = $12,
              self_paced = $13, grading_policy = $14, updated_at = $15
           WHERE id = $1")
        .bind(course.0)
        .bind(&c.title)
        .bind(&c.short_description)
        .bind(&c.overview_source)
        .bind(&c.overview_html)
        .bind(outcomes)
        .bind(&c.language)
        .bind(c.license.id())
        .bind(c.effort.map(|e| i64::from(e.minutes_per_week)))
        .bind(c.effort.map(|e| i64::from(e.weeks)))
        .bind(c.start.map(|t| t.as_millisecond()))
        .bind(c.end.map(|t| t.as_millisecond()))
        .bind(c.self_paced)
        .bind(grading)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// What [`sync_outline`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Make a course's outline exactly `blocks`, matching blocks by `url_name`: a block that
/// still exists keeps its id (and so every learner's state on it), moves to its new place
/// and gets a new revision only if its title or content changed; new blocks are inserted;
/// blocks no longer in the outline are deleted with their learner state. The caller runs
/// this in a transaction and bumps the content version.
pub async fn sync_outline(
    db: &mut impl Db,
    course: CourseId,
    blocks: &[NewBlock],
    author: Option<UserId>,
    now: i64,
) -> Result<SyncCounts> {
    // Blocks are matched by name: a name used twice would move one stored block into two
    // places (or under itself), so such an outline is refused before anything is written.
    let mut names = std::collections::HashSet::new();
    let mut walk: Vec<&NewBlock> = blocks.iter().collect();
    while let Some(b) = walk.pop() {
        if !names.insert(b.url_name.as_str()) {
            return Err(StoreError::Conflict);
        }
        walk.extend(&b.children);
    }
    let existing: Vec<BlockRow> = db.all(q("SELECT id, parent_id, position, kind, url_name, title, release_at, content, CASE WHEN hidden_at IS NULL THEN NULL ELSE hidden_reason END AS hidden_reason FROM blocks WHERE course_id = $1").bind(course.0)).await?;
    let by_name: std::collections::HashMap<&str, &BlockRow> =
        existing.iter().map(|r| (r.url_name.as_str(), r)).collect();
    let mut counts = SyncCounts::default();
    let mut kept = std::collections::HashSet::new();
    let mut stack: Vec<(Option<i64>, usize, &NewBlock)> = blocks
        .iter()
        .enumerate()
        .rev()
        .map(|(i, b)| (None, i, b))
        .collect();
    while let Some((parent, position, b)) = stack.pop() {
        let id = match by_name.get(b.url_name.as_str()) {
            Some(&r) => {
                let id = r.id;
                kept.insert(id);
                let release = b.release_at.map(|t| t.as_millisecond());
                let same = r.kind == b.kind && r.title == b.title && r.content == b.content;
                let placed = r.parent_id == parent
                    && r.position == position as i64
                    && r.release_at == release;
                if same && placed {
                    // Nothing to write: an unchanged re-import costs no statement per block.
                    counts.unchanged += 1;
                } else if same {
                    counts.unchanged += 1;
                    db.exec(
                        q("UPDATE blocks SET parent_id = $2, position = $3, release_at = $4 WHERE id = $1")
                            .bind(id)
                            .bind(parent)
                            .bind(position as i64)
                            .bind(b.release_at.map(|t| t.as_millisecond())),
                    )
                    .await?;
                } else {
                    counts.changed += 1;
                    let revision: i64 = db
                        .scalar(
                            q("UPDATE blocks SET parent_id = $2, position = $3, release_at = $4, kind = $5, title = $6, content = $7,
                                  revision = revision + 1, updated_at = $8 WHERE id = $1 RETURNING revision")
                            .bind(id)
                            .bind(parent)
                            .bind(position as i64)
                            .bind(b.release_at.map(|t| t.as_millisecond()))
                            .bind(&b.kind)
                            .bind(&b.title)
                            .bind(&b.content)
                            .bind(now),
                        )
                        .await?;
                    db.exec(
                        q("INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at) VALUES ($1, $2, $3, $4, $5, 'import', $6)")
                            .bind(id)
                            .bind(revision)
                            .bind(author.map(|a| a.0))
                            .bind(&b.title)
                            .bind(&b.content)
                            .bind(now),
                    )
                    .await?;
                }
                id
            }
            None => {
                counts.added += 1;
                let ids = insert_blocks(
                    db,
                    course,
                    parent.map(BlockId),
                    std::slice::from_ref(&NewBlock {
                        children: Vec::new(),
                        ..b.clone()
                    }),
                    author,
                    now,
                )
                .await?;
                let id = ids
                    .first()
                    .map(|b| b.0)
                    .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))?;
                // insert_blocks numbers a lone block 0: put it in its place.
                db.exec(
                    q("UPDATE blocks SET position = $2 WHERE id = $1")
                        .bind(id)
                        .bind(position as i64),
                )
                .await?;
                kept.insert(id);
                id
            }
        };
        for (i, child) in b.children.iter().enumerate().rev() {
            stack.push((Some(id), i, child));
        }
    }
    // Kept blocks were re-parented above, so deleting a removed block cascades only into
    // blocks that are removed too.
    for r in &existing {
        if !kept.contains(&r.id) {
            counts.removed += 1;
            db.exec(q("DELETE FROM blocks WHERE id = $1").bind(r.id))
                .await?;
        }
    }
    Ok(counts)
}

/// Insert an outline under `parent` (or at the top), each block with its first revision.
pub async fn insert_blocks(
    db: &mut impl Db,
    course: CourseId,
    parent: Option<BlockId>,
    blocks: &[NewBlock],
    author: Option<UserId>,
    now: i64,
) -> Result<Vec<BlockId>> {
    // Depth-first with an explicit stack: async recursion would need boxing.
    let mut stack: Vec<(Option<BlockId>, usize, &NewBlock)> = blocks
        .iter()
        .enumerate()
        .rev()
        .map(|(i, b)| (parent, i, b))
        .collect();
    let mut top = Vec::new();
    while let Some((parent_id, position, b)) = stack.pop() {
        let id: i64 = db
            .scalar(
                q("INSERT INTO blocks (course_id, parent_id, position, kind, url_name, title, release_at, content, revision, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) RETURNING id")
                .bind(course.0)
                .bind(parent_id.map(|p| p.0))
                .bind(position as i64)
                .bind(&b.kind)
                .bind(&b.url_name)
                .bind(&b.title)
                .bind(b.release_at.map(|t| t.as_millisecond()))
                .bind(&b.content)
                .bind(now),
            )
            .await?;
        db.exec(
            q("INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at) VALUES ($1, 1, $2, $3, $4, '', $5)")
                .bind(id)
                .bind(author.map(|a| a.0))
                .bind(&b.title)
                .bind(&b.content)
                .bind(now),
        )
        .await?;
        if parent_id == parent {
            top.push(BlockId(id));
        }
        for (i, child) in b.children.iter().enumerate().rev() {
            stack.push((Some(BlockId(id)), i, child));
        }
    }
    Ok(top)
}

row! {
    struct BlockRow {
        pub id: i64,
        pub parent_id: Option<i64>,
        pub position: i64,
        pub kind: String,
        pub url_name: String,
        pub title: String,
        pub release_at: Option<i64>,
        pub content: String,
        // Hidden by a moderator: the reason (NULL when shown).
        pub hidden_reason: Option<String>,
    }
}

/// A course's outline as stored (content undecoded), sections at the top, every list in
/// position order: what export writes.
pub async fn load_outline(db: &mut impl Db, course: CourseId) -> Result<Vec<NewBlock>> {
    let mut rows: Vec<BlockRow> = db.all(q("SELECT id, parent_id, position, kind, url_name, title, release_at, content, CASE WHEN hidden_at IS NULL THEN NULL ELSE hidden_reason END AS hidden_reason FROM blocks WHERE course_id = $1 AND live").bind(course.0)).await?;
    rows.sort_by_key(|r| (r.parent_id, r.position, r.id));
    let mut children: std::collections::HashMap<Option<i64>, Vec<&BlockRow>> =
        std::collections::HashMap::new();
    for r in &rows {
        children.entry(r.parent_id).or_default().push(r);
    }
    fn build(
        parent: Option<i64>,
        children: &std::collections::HashMap<Option<i64>, Vec<&BlockRow>>,
        depth: usize,
    ) -> Vec<NewBlock> {
        if depth > 16 {
            return Vec::new();
        }
        children
            .get(&parent)
            .map(|list| {
                list.iter()
                    .map(|r| NewBlock {
                        kind: r.kind.clone(),
                        url_name: r.url_name.clone(),
                        title: r.title.clone(),
                        release_at: r.release_at.map(from_millis),
                        content: r.content.clone(),
                        children: build(Some(r.id), children, depth + 1),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    Ok(build(None, &children, 0))
}

/// Every block of a course, for building its tree: one statement whatever the size.
pub async fn load_tree(db: &mut impl Db, course: CourseId) -> Result<CourseTree> {
    let rows: Vec<BlockRow> = db.all(q("SELECT id, parent_id, position, kind, url_name, title, release_at, content, CASE WHEN hidden_at IS NULL THEN NULL ELSE hidden_reason END AS hidden_reason FROM blocks WHERE course_id = $1 AND live").bind(course.0)).await?;
    let hidden: Vec<(BlockId, String)> = rows
        .iter()
        .filter_map(|r| Some((BlockId(r.id), r.hidden_reason.clone()?)))
        .collect();
    let mut tree = CourseTree::build(
        rows.into_iter()
            .map(|r| NodeRow {
                id: BlockId(r.id),
                parent_id: r.parent_id.map(BlockId),
                position: r.position,
                kind: r.kind,
                url_name: r.url_name,
                title: r.title,
                release_at: r.release_at.map(from_millis),
                content: r.content,
            })
            .collect(),
    );
    tree.hide(&hidden);
    Ok(tree)
}

pub async fn content_version(db: &mut impl Db, course: CourseId) -> Result<Option<i64>> {
    Ok(db
        .optional::<(i64,)>(q("SELECT content_version FROM courses WHERE id = $1").bind(course.0))
        .await?
        .map(|(v,)| v))
}

pub async fn set_role(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
    role: CourseRole,
    now: i64,
) -> Result<()> {
    db.exec(
        q("INSERT INTO course_roles (course_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (course_id, user_id) DO UPDATE SET role = excluded.role")
        .bind(course.0)
        .bind(user.0)
        .bind(role.as_str())
        .bind(now),
    )
    .await?;
    Ok(())
}

pub async fn remove_role(db: &mut impl Db, course: CourseId, user: UserId) -> Result<()> {
    db.exec(
        q("DELETE FROM course_roles WHERE course_id = $1 AND user_id = $2")
            .bind(course.0)
            .bind(user.0),
    )
    .await?;
    Ok(())
}

pub async fn count_courses(db: &mut impl Db) -> Result<i64> {
    db.scalar(q("SELECT COUNT(*) FROM courses")).await
}

/// The courses a user is on the team of, with their role, by title: one statement.
pub async fn teaching_of(db: &mut impl Db, user: UserId) -> Result<Vec<(CourseRow, CourseRole)>> {
    let rows = db
        .rows(
            q_built(format!(
                "SELECT {COURSE_COLUMNS}, r.role
                 FROM course_roles r JOIN courses c ON c.id = r.course_id JOIN organizations o ON o.id = c.org_id {FORK_JOINS}
                 WHERE r.user_id = $1
                 ORDER BY c.title, c.id"
            ))
            .bind(user.0),
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let role: String = r.get("role")?;
        // A role this build does not know gives no staff tools.
        if let Some(role) = CourseRole::parse(&role) {
            out.push((CourseRow::from_row(r)?, role));
        }
    }
    Ok(out)
}
