//! Course announcements (issue 15): those who teach a course (`Action::Grade`:
//! instructors, staff, the organisation's admins — the people who work with its learners
//! and see their grades, which the "not passed" audience reveals) post a title and a
//! Markdown body to its learners: all of them, those who have not started, or those
//! who have not passed. It shows on the course home and reaches each learner as a notice
//! (e-mailed as their settings say), all written in one transaction whose statements do
//! not grow with the cohort: the notices are one `INSERT … SELECT`, and "not passed" is
//! decided from every learner's grade computed from two statements of scores.

use crate::{Env, Error, Result};
use lyceum_core::clock::from_millis;
use lyceum_core::course::Visibility;
use lyceum_core::grading::learner::{RawScore, learner_grade};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Decision, Resource, can};
use lyceum_core::sanitize::{Links, try_markdown_to_html, with_links};
use lyceum_core::{BlockId, CourseId, DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::announcements::{self as repo, AnnouncementRow, Audience, NewAnnouncement};
use lyceum_store::repo::{courses, problems};
use std::collections::HashMap;

/// Who an announcement goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    All,
    NotStarted,
    NotPassed,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::All, Target::NotStarted, Target::NotPassed];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::All => "all",
            Target::NotStarted => "not-started",
            Target::NotPassed => "not-passed",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The longest body (Markdown).
pub const BODY: limits::TextLimit = limits::FEEDBACK;
/// Announcements a course's pages list.
pub const SHOWN: i64 = 50;

/// A course the actor may see, with the facts `can` decides on.
async fn course(
    db: &mut impl Db,
    actor: &Actor,
    key: &str,
) -> Result<(courses::CourseRow, CourseFacts)> {
    let (row, viewer) = courses::find_for_viewer(db, key, actor.user)
        .await?
        .ok_or_else(Error::not_found)?;
    let facts = CourseFacts {
        published: row.published,
        enrollment_open: row.enrollment_open,
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    };
    if !can(actor, Action::View, Resource::Course(&facts)).allowed() {
        return Err(Error::not_found());
    }
    Ok((row, facts))
}

/// A course the actor teaches (`Action::Grade`); to its other members (learners,
/// authors) it is forbidden, to anyone outside it not found.
async fn taught(db: &mut impl Db, actor: &Actor, key: &str) -> Result<courses::CourseRow> {
    let (row, facts) = course(db, actor, key).await?;
    let decision = match can(actor, Action::Grade, Resource::Course(&facts)) {
        // Grades hide their existence from learners; announcements are no secret to
        // the course's members, who are told plainly that posting is not theirs.
        Decision::NotFound
            if can(actor, Action::ViewCourseware, Resource::Course(&facts)).allowed() =>
        {
            Decision::Forbidden
        }
        d => d,
    };
    Error::decide(decision, "lyceum-announcement-error-forbidden")?;
    Ok(row)
}

/// The learners who have not passed: every learner's grade, from two statements.
async fn not_passed(db: &mut impl Db, env: &Env, row: &courses::CourseRow) -> Result<Vec<UserId>> {
    let learners = repo::learners(db, row.id()).await?;
    if learners.is_empty() {
        return Ok(learners);
    }
    let tree = courses::load_tree(db, row.id()).await?;
    let scores = problems::scores_of_learners(db, row.id(), &learners).await?;
    let overrides = problems::overrides(db, row.id(), None).await?;
    let mut raw: HashMap<UserId, HashMap<BlockId, RawScore>> = HashMap::new();
    for (u, (b, earned, possible, attempts)) in scores {
        raw.entry(u).or_default().insert(
            b,
            RawScore {
                earned,
                possible,
                attempts,
            },
        );
    }
    let mut over: HashMap<UserId, HashMap<BlockId, f64>> = HashMap::new();
    for o in overrides {
        over.entry(UserId(o.user_id))
            .or_default()
            .insert(BlockId(o.block_id), o.earned);
    }
    // What learners see: released content only (as the Progress page grades).
    let vis = Visibility {
        now: env.now(),
        course_start: row.start_at.map(from_millis),
        see_unreleased: false,
    };
    let policy = row.grading();
    let (empty_raw, empty_over) = (HashMap::new(), HashMap::new());
    Ok(learners
        .into_iter()
        .filter(|u| {
            !learner_grade(
                &tree,
                &vis,
                &policy,
                raw.get(u).unwrap_or(&empty_raw),
                over.get(u).unwrap_or(&empty_over),
            )
            .course
            .passed
        })
        .collect())
}

/// How many learners `target` names now (the form's preview).
pub async fn count(env: &Env, actor: &Actor, key: &str, target: Target) -> Result<i64> {
    let mut c = env.store.conn().await?;
    let row = taught(&mut c, actor, key).await?;
    count_in(&mut c, env, &row, target).await
}

async fn count_in(
    db: &mut impl Db,
    env: &Env,
    row: &courses::CourseRow,
    target: Target,
) -> Result<i64> {
    Ok(match target {
        Target::All => repo::count_audience(db, row.id(), Audience::All).await?,
        Target::NotStarted => repo::count_audience(db, row.id(), Audience::NotStarted).await?,
        Target::NotPassed => not_passed(db, env, row).await?.len() as i64,
    })
}

/// What was posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    pub id: i64,
    /// Learners it was sent to.
    pub recipients: i64,
}

/// Post an announcement to a course's learners (`audience`: `all`, `not-started`,
/// `not-passed`), each told by a notice linking to the course home.
pub async fn post(
    env: &Env,
    actor: &Actor,
    key: &str,
    title: &str,
    body: &str,
    audience: &str,
) -> Result<Posted> {
    let Some(me) = actor.user else {
        return Err(Error::forbidden("lyceum-error-login-required"));
    };
    let target = Target::parse(audience)
        .ok_or_else(|| Error::invalid(DomainError::new("lyceum-announcement-error-audience")))?;
    let title = limits::clean(title, limits::TITLE).map_err(Error::invalid)?;
    if title.trim().is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-announcement-error-title",
        )));
    }
    let body = limits::clean(body, BODY).map_err(Error::invalid)?;
    if body.trim().is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-announcement-error-body",
        )));
    }
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let row = taught(&mut tx, actor, key).await?;
    if actor.suspended {
        return Err(Error::forbidden("lyceum-announcement-error-suspended"));
    }
    let trusted = crate::trust::effective(&mut tx, now, actor).await?.trusted;
    let html =
        with_links(Links::of(trusted), || try_markdown_to_html(&body)).map_err(Error::invalid)?;
    let id = repo::insert(
        &mut tx,
        &NewAnnouncement {
            course: row.id(),
            author: me,
            title: &title,
            body: &body,
            html: &html,
            audience: target.as_str(),
            now,
        },
    )
    .await?;
    let passed_not;
    let audience = match target {
        Target::All => Audience::All,
        Target::NotStarted => Audience::NotStarted,
        Target::NotPassed => {
            passed_not = not_passed(&mut tx, env, &row).await?;
            Audience::Among(&passed_not)
        }
    };
    let link = format!("/courses/{}/courseware#announcement-{id}", row.course_key);
    let sent = repo::notify_audience(
        &mut tx,
        row.id(),
        audience,
        "announcement",
        &link,
        &title,
        now,
    )
    .await?;
    let recipients = i64::try_from(sent).unwrap_or(i64::MAX);
    repo::set_recipients(&mut tx, id, recipients).await?;
    tx.commit().await?;
    Ok(Posted { id, recipients })
}

/// A course's announcements, newest first: for its members (enrolled learners, its team,
/// moderators: those who see its courseware); empty for anyone else.
pub async fn list(env: &Env, actor: &Actor, key: &str) -> Result<Vec<AnnouncementRow>> {
    let mut c = env.store.conn().await?;
    let (row, facts) = course(&mut c, actor, key).await?;
    if !can(actor, Action::ViewCourseware, Resource::Course(&facts)).allowed() {
        return Err(Error::not_found());
    }
    Ok(repo::list(&mut c, row.id(), SHOWN).await?)
}

/// A course's announcements by id, for pages that loaded the course already (the course
/// home): the caller checked the viewer may see its courseware.
pub async fn of_course(env: &Env, course: CourseId, limit: i64) -> Result<Vec<AnnouncementRow>> {
    let mut c = env.store.conn().await?;
    Ok(repo::list(&mut c, course, limit).await?)
}

/// Delete an announcement softly; another course's, or one already deleted: not found.
pub async fn delete(env: &Env, actor: &Actor, key: &str, id: i64) -> Result<()> {
    let mut c = env.store.conn().await?;
    let row = taught(&mut c, actor, key).await?;
    if !repo::delete(&mut c, row.id(), id, env.now_ms()).await? {
        return Err(Error::not_found());
    }
    Ok(())
}
