//! Forks: a course's published content copied into a new draft course of one's own, in
//! an organisation where one may create courses or in one's personal space, with the
//! link to its source kept (`course_forks`, `fork_blocks`) for the attribution its
//! licence asks and for taking the source's later changes.
//!
//! Licences: only a free licence allows a fork (CC BY-SA, CC BY, CC0; never "all rights
//! reserved"). The fork starts with its source's licence; a CC BY-SA source keeps its
//! fork CC BY-SA for good (share-alike), a CC BY source lets it become CC BY-SA (never
//! CC0: the source's authors keep their credit), a CC0 source lets it carry any
//! ([`License::adaptation_licences`]). [`check_licence`] holds the settings page to it.

use crate::course_admin::{Created, decide, load, user_of};
use crate::{Env, Error, ErrorKind, Result};
use lyceum_core::course::key::{KEY_PART_MAX, is_valid_key_part};
use lyceum_core::course::{CourseKey, License};
use lyceum_core::permissions::{Action, Actor, CourseRole, OrgFacts, Resource, can};
use lyceum_core::{CourseId, DomainError, OrgId, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::course_admin::{self as repo, Settings};
use lyceum_store::repo::{audit, courses, forks, notifications, users};

/// Where a fork goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForkTarget {
    /// An organisation, by slug, where the person may create courses.
    Org(String),
    /// The person's personal space (created at their first personal fork).
    Personal,
}

/// What the person may choose; empty fields take the source's (title, code) or a free
/// run derived from the source's (`2026-fork`, `2026-fork-2`, …).
#[derive(Clone, Debug, Default)]
pub struct ForkInput {
    pub title: String,
    pub code: String,
    pub run: String,
}

/// How many `-fork-N` runs are tried before giving up.
const RUN_TRIES: usize = 50;

/// Fork course `source_key` (which the actor sees and whose licence allows adaptations)
/// into `target`, checked in this order: the source (404 unseen), the licence (403), the
/// target (unknown organisation: 422; no right to create there: 403), the title, code and
/// run (422), the key being free when chosen (409). The copy is a draft whose instructor
/// is the person forking; the source's instructors are told.
pub async fn fork(
    env: &Env,
    actor: &Actor,
    source_key: &str,
    target: &ForkTarget,
    input: &ForkInput,
) -> Result<Created> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let from = load(&mut tx, source_key, actor, env.now()).await?;
    let licence = License::parse(&from.row.license).unwrap_or(License::AllRightsReserved);
    decide(
        can(
            actor,
            Action::Fork,
            Resource::ForkSource {
                course: &from.facts,
                adaptable: licence.allows_adaptation(),
            },
        ),
        "lyceum-fork-error-licence",
    )?;
    let now = env.now_ms();
    let (org_id, org_slug, actor) = match target {
        ForkTarget::Org(slug) => {
            let slug = slug.trim();
            let Some(o) = repo::org_with_role(&mut tx, slug, me).await? else {
                return Err(Error::invalid(
                    DomainError::new("lyceum-newcourse-error-org-unknown").with_arg(slug),
                ));
            };
            // Trust for new accounts (issue 13): `CreateCourse` needs a trusted account,
            // and the refusal says what a new one needs.
            let a = crate::trust::decide(
                &mut tx,
                now,
                actor,
                Action::CreateCourse,
                Resource::Org(&OrgFacts { role: o.role() }),
                "lyceum-newcourse-error-forbidden",
                "lyceum-trust-error-create",
            )
            .await?;
            (o.id(), o.slug, a)
        }
        ForkTarget::Personal => {
            // A personal space is no role: only a trusted account forks into it.
            let a = crate::trust::require_trusted(&mut tx, now, actor, "lyceum-trust-error-create")
                .await?;
            let (id, slug) = personal_space_in(&mut tx, me, now).await?;
            (id, slug, a)
        }
    };
    let actor = &actor;
    crate::conduct::require(&mut tx, actor).await?;
    crate::trust::check_rate(&mut tx, now, actor, crate::trust::Creation::Fork).await?;
    let r = &from.row;
    let title = if input.title.trim().is_empty() {
        r.title.clone()
    } else {
        limits::clean(&input.title, limits::COURSE_TITLE)
            .map_err(Error::invalid)?
            .trim()
            .to_owned()
    };
    let code = match input.code.trim() {
        "" => r.code.clone(),
        c => c.to_owned(),
    };
    let (run, key) = match input.run.trim() {
        "" => free_run(&mut tx, &org_slug, &code, &r.run).await?,
        run => {
            let key = CourseKey::new(&org_slug, &code, run)
                .map_err(Error::invalid)?
                .to_string();
            if repo::key_exists(&mut tx, &key).await? {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    DomainError::new("lyceum-newcourse-error-exists").with_arg(key),
                ));
            }
            (run.to_owned(), key)
        }
    };
    let extras = repo::extras(&mut tx, from.id())
        .await?
        .ok_or_else(Error::not_found)?;
    let fork_licence = licence.adaptation_licences()[0];
    // What a fork keeps of its source's settings: what it is about and how it runs, not
    // its dates (the fork's team sets its own).
    let settings = Settings {
        title: title.clone(),
        language: r.language.clone(),
        license: fork_licence.id().to_owned(),
        start_at: None,
        end_at: None,
        enrollment_start_at: None,
        enrollment_end_at: None,
        effort_minutes_per_week: r.effort_minutes_per_week,
        effort_weeks: r.effort_weeks,
        short_description: r.short_description.clone(),
        overview_source: extras.overview_source.clone(),
        overview_html: r.overview_html.clone(),
        self_paced: r.self_paced,
    };
    let id = match repo::create(
        &mut tx,
        &repo::NewKey {
            org: org_id,
            key: &key,
            code: &code,
            run: &run,
        },
        &settings,
        me,
        now,
    )
    .await
    {
        Err(lyceum_store::StoreError::Conflict) => {
            return Err(Error::new(
                ErrorKind::Conflict,
                DomainError::new("lyceum-newcourse-error-exists").with_arg(key),
            ));
        }
        other => other?,
    };
    repo::copy_course_parts(&mut tx, from.id(), id).await?;
    let blocks = forks::copy_published_blocks(&mut tx, from.id(), id, me, now).await?;
    courses::set_role(&mut tx, id, me, CourseRole::Instructor, now).await?;
    let authors = source_authors(&mut tx, &from.row).await?;
    forks::record(
        &mut tx,
        &forks::NewFork {
            course: id,
            source: from.id(),
            source_key,
            source_title: &r.title,
            source_license: licence.id(),
            source_authors: &authors,
            version: r.content_version,
            by: me,
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "course.fork",
            target_type: "course",
            target_id: &key,
            reason: "",
            details: serde_json::json!({
                "from": source_key,
                "version": r.content_version,
                "title": title,
                "org": org_slug,
                "license": fork_licence.id(),
                "blocks": blocks,
            }),
            now,
        },
    )
    .await?;
    // The source's list of its forks (Studio), where its team sees what forks changed.
    let link = format!("/courses/{source_key}/studio/forks");
    for u in repo::instructors(&mut tx, from.id()).await? {
        if u == me {
            continue;
        }
        notifications::notify(
            &mut tx,
            &notifications::NewNotice {
                user: u,
                course: Some(from.id()),
                kind: "forked",
                link: &link,
                subject: &title,
                now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Created { id, key })
}

/// The source's authors as its attribution names them: the people in its published
/// history, then (for a fork of a fork) the authors its own source credited whom the
/// history no longer names; its instructors when its history names nobody.
async fn source_authors(db: &mut impl Db, source: &courses::CourseRow) -> Result<Vec<String>> {
    let mut names = forks::authors(db, source.id()).await?;
    if let Some(up) = source.fork_source() {
        for a in up.authors {
            if !names.contains(&a) {
                names.push(a);
            }
        }
    }
    if names.is_empty() {
        for u in repo::team(db, source.id()).await? {
            if u.role == "instructor" {
                names.push(u.shown_name().to_owned());
            }
        }
    }
    Ok(names)
}

/// The first free run among `RUN-fork`, `RUN-fork-2`, … for `org` and `code`.
async fn free_run(db: &mut impl Db, org: &str, code: &str, run: &str) -> Result<(String, String)> {
    let base = format!("{run}-fork");
    let max = KEY_PART_MAX;
    for n in 1..=RUN_TRIES {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let mut candidate = base.clone();
        candidate.truncate(max.saturating_sub(suffix.len()));
        candidate.push_str(&suffix);
        let key = CourseKey::new(org, code, &candidate)
            .map_err(Error::invalid)?
            .to_string();
        if !repo::key_exists(db, &key).await? {
            return Ok((candidate, key));
        }
    }
    Err(Error::new(
        ErrorKind::Conflict,
        DomainError::new("lyceum-newcourse-error-exists").with_arg(base),
    ))
}

/// The slug of a person's personal space: `~` and their username's ASCII letters and
/// digits, or `~u<ID>` when that is empty or taken.
pub fn personal_slug(username: &str, user: UserId) -> String {
    let cleaned: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .take(KEY_PART_MAX - 1)
        .collect();
    let slug = format!("~{cleaned}");
    if cleaned.is_empty() || !is_valid_key_part(&slug) {
        format!("~u{}", user.0)
    } else {
        slug
    }
}

/// The person's personal space, created on first use (they are its admin): its id and
/// slug.
async fn personal_space_in(db: &mut impl Db, me: UserId, now: i64) -> Result<(OrgId, String)> {
    if let Some(found) = forks::personal_space(db, me).await? {
        return Ok(found);
    }
    let user = users::get_user(db, me)
        .await?
        .ok_or_else(Error::not_found)?;
    let mut slug = personal_slug(&user.username, me);
    if forks::slug_taken(db, &slug).await? {
        slug = format!("~u{}", me.0);
    }
    let name = if user.display_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.display_name.clone()
    };
    let id = forks::create_personal_space(db, me, &slug, &name, now).await?;
    Ok((id, slug))
}

/// Whether `licence` may be given to course `course`: any free licence for a course
/// that is no fork; for a fork, one its source's licence allows adaptations to carry.
pub async fn check_licence(db: &mut impl Db, course: CourseId, licence: &str) -> Result<()> {
    let Some(f) = forks::of_course(db, course).await? else {
        return Ok(());
    };
    let source = License::parse(&f.source_license).unwrap_or(License::AllRightsReserved);
    let allowed = source.adaptation_licences();
    if License::parse(licence).is_some_and(|l| allowed.contains(&l)) {
        Ok(())
    } else {
        Err(Error::invalid(
            DomainError::new("lyceum-fork-error-licence-change")
                .with_arg(source.short_name())
                .with_arg(
                    allowed
                        .iter()
                        .map(|l| l.short_name())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
        ))
    }
}

/// The licences a course's settings may offer: all free ones, or for a fork those its
/// source's licence allows.
pub async fn licence_choices(env: &Env, course: CourseId) -> Result<Vec<License>> {
    let mut c = env.store.conn().await?;
    Ok(match forks::of_course(&mut c, course).await? {
        Some(f) => License::parse(&f.source_license)
            .unwrap_or(License::AllRightsReserved)
            .adaptation_licences()
            .to_vec(),
        None => License::ALL.to_vec(),
    })
}

/// After a fork publishes (in the publishing transaction): whether it now differs from
/// what it took from its source. Nothing for a course that is no fork.
pub async fn after_publish(db: &mut impl Db, course: CourseId) -> Result<()> {
    forks::recompute_modified(db, course).await?;
    Ok(())
}

/// Move a course out of its personal space into an organisation where the person may
/// create courses (they must run the course: `Administer`). Its key becomes
/// `course-v1:ORG+CODE+RUN` in the organisation; the old key stays an alias, so links to
/// it keep working. Refused for a course not in a personal space (422), into an unknown
/// organisation or a personal space (422), without the right to create there (403), or
/// when the new key is taken (409). Returns the new key.
pub async fn move_to_org(env: &Env, actor: &Actor, key: &str, org: &str) -> Result<String> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::Administer, Resource::Course(&course.facts)),
        "lyceum-fork-error-move-forbidden",
    )?;
    if !course.row.personal() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-fork-error-move-not-personal",
        )));
    }
    let slug = org.trim();
    let Some(o) = repo::org_with_role(&mut tx, slug, me).await? else {
        return Err(Error::invalid(
            DomainError::new("lyceum-newcourse-error-org-unknown").with_arg(slug),
        ));
    };
    if o.personal {
        return Err(Error::invalid(
            DomainError::new("lyceum-newcourse-error-org-unknown").with_arg(slug),
        ));
    }
    // Moving a course into an organisation creates one there: the same gate as a new
    // course, trust included (issue 13).
    crate::trust::decide(
        &mut tx,
        env.now_ms(),
        actor,
        Action::CreateCourse,
        Resource::Org(&OrgFacts { role: o.role() }),
        "lyceum-newcourse-error-forbidden",
        "lyceum-trust-error-create",
    )
    .await?;
    let new_key = CourseKey::new(&o.slug, &course.row.code, &course.row.run)
        .map_err(Error::invalid)?
        .to_string();
    if repo::key_exists(&mut tx, &new_key).await? {
        return Err(Error::new(
            ErrorKind::Conflict,
            DomainError::new("lyceum-newcourse-error-exists").with_arg(new_key),
        ));
    }
    let now = env.now_ms();
    forks::move_course(&mut tx, course.id(), key, o.id(), &new_key, now).await?;
    // Pages cached under the old key's content go stale.
    courses::bump_content_version(&mut tx, course.id(), now).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "course.move",
            target_type: "course",
            target_id: &new_key,
            reason: "",
            details: serde_json::json!({"from": key, "org": o.slug}),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new_key)
}

/// The key now of a course that used to have `old_key` (moved out of a personal space).
pub async fn moved_to(env: &Env, old_key: &str) -> Result<Option<String>> {
    let mut c = env.store.conn().await?;
    Ok(forks::alias_target(&mut c, old_key).await?)
}
