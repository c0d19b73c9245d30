//! A rerun: a course copied into a new run with new dates — its published content (new
//! block ids, the same `url_name`s, so links inside the content keep working), its files,
//! its own pages and its grading policy; none of its learners, their work or its team
//! (the person rerunning becomes the new run's instructor). The copy starts as a draft.

use super::{Created, decide, load, user_of};
use crate::{Env, Error, ErrorKind, Result};
use jiff::Timestamp;
use lyceum_core::DomainError;
use lyceum_core::course::CourseKey;
use lyceum_core::permissions::{Action, Actor, CourseRole, OrgFacts, Resource, can};
use lyceum_store::repo::course_admin::{self as repo, Settings};
use lyceum_store::repo::{audit, courses};

#[derive(Clone, Debug, Default)]
pub struct RerunInput {
    pub run: String,
    /// The new run's title; the course's own when empty.
    pub title: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub enrollment_start: Option<Timestamp>,
    pub enrollment_end: Option<Timestamp>,
}

/// Copy course `key` into a new run. Needs `Administer` on the course and `CreateCourse`
/// in its organisation.
pub async fn rerun(env: &Env, actor: &Actor, key: &str, input: &RerunInput) -> Result<Created> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let from = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::Administer, Resource::Course(&from.facts)),
        "lyceum-course-settings-error-rerun-forbidden",
    )?;
    let actor = &crate::trust::decide(
        &mut tx,
        env.now_ms(),
        actor,
        Action::CreateCourse,
        Resource::Org(&OrgFacts {
            role: from.viewer.org_role,
        }),
        "lyceum-course-settings-error-rerun-forbidden",
        "lyceum-trust-error-create",
    )
    .await?;
    crate::conduct::require(&mut tx, actor).await?;
    crate::trust::check_rate(&mut tx, env.now_ms(), actor, crate::trust::Creation::Course).await?;
    let r = &from.row;
    let new_key = CourseKey::new(&r.org_slug, &r.code, input.run.trim())
        .map_err(|e| Error::new(ErrorKind::Invalid, e))?
        .to_string();
    let title = if input.title.trim().is_empty() {
        r.title.clone()
    } else {
        input.title.clone()
    };
    let extras = repo::extras(&mut tx, from.id())
        .await?
        .ok_or_else(Error::not_found)?;
    // The new run's settings go through the same checks as a new course's.
    let checked = super::validate_settings(&super::SettingsInput {
        title,
        language: r.language.clone(),
        license: Some(r.license.clone()).filter(|l| {
            lyceum_core::course::License::parse(l)
                .is_some_and(|l| lyceum_core::course::License::ALL.contains(&l))
        }),
        start: input.start,
        end: input.end,
        enrollment_start: input.enrollment_start,
        enrollment_end: input.enrollment_end,
        effort_hours_per_week: None,
        effort_weeks: None,
        short_description: String::new(),
        about_markdown: String::new(),
        self_paced: r.self_paced,
    })
    .map_err(Error::invalid)?;
    if repo::key_exists(&mut tx, &new_key).await? {
        return Err(Error::new(
            ErrorKind::Conflict,
            DomainError::new("lyceum-newcourse-error-exists").with_arg(new_key),
        ));
    }
    let settings = Settings {
        // What the rerun keeps from the course as it is.
        license: r.license.clone(),
        effort_minutes_per_week: r.effort_minutes_per_week,
        effort_weeks: r.effort_weeks,
        short_description: r.short_description.clone(),
        overview_source: extras.overview_source.clone(),
        overview_html: r.overview_html.clone(),
        ..checked
    };
    let now = env.now_ms();
    let id = repo::create(
        &mut tx,
        &repo::NewKey {
            org: lyceum_core::OrgId(r.org_id),
            key: &new_key,
            code: &r.code,
            run: input.run.trim(),
        },
        &settings,
        me,
        now,
    )
    .await?;
    repo::copy_course_parts(&mut tx, from.id(), id).await?;
    // The published content only: a draft in progress stays with the course it is for.
    let outline = courses::load_outline(&mut tx, from.id()).await?;
    courses::insert_blocks(&mut tx, id, None, &outline, Some(me), now).await?;
    courses::set_role(&mut tx, id, me, CourseRole::Instructor, now).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "course.rerun",
            target_type: "course",
            target_id: &new_key,
            reason: "",
            details: serde_json::json!({"from": key, "title": settings.title}),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Created { id, key: new_key })
}
