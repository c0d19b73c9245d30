//! A course's team: instructors (everything), authors (content) and staff (grading and
//! learners). Adding, changing and removing members is `ManageTeam`; a course always
//! keeps at least one instructor.

use super::{decide, load, user_of};
use crate::{Env, Error, ErrorKind, Result};
use lyceum_core::permissions::{Action, Actor, CourseRole, Resource, can};
use lyceum_core::user::username_key;
use lyceum_core::{DomainError, UserId};
use lyceum_store::repo::course_admin::{self as repo, MemberRow};
use lyceum_store::repo::{audit, courses, users};

/// A member as the team page and the API show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user: UserId,
    pub username: String,
    pub display_name: String,
    pub role: CourseRole,
}

impl Member {
    fn of(r: &MemberRow) -> Option<Member> {
        Some(Member {
            user: UserId(r.user_id),
            username: r.username.clone(),
            display_name: r.display_name.clone(),
            role: r.role()?,
        })
    }
}

/// Whether the change added someone or changed a role (or changed nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Changed,
    Unchanged,
}

/// Parse a role as clients send it; an unknown role is `Invalid` (422).
pub fn parse_role(s: &str) -> Result<CourseRole> {
    CourseRole::parse(s.trim()).ok_or_else(|| {
        Error::invalid(DomainError::new("lyceum-team-error-role").with_arg(s.trim()))
    })
}

/// The team of a course, instructors first: for anyone on it (or who runs it).
pub async fn list(env: &Env, actor: &Actor, key: &str) -> Result<Vec<Member>> {
    let mut c = env.store.conn().await?;
    let course = load(&mut c, key, actor, env.now()).await?;
    decide(
        can(
            actor,
            Action::ViewUnreleased,
            Resource::Course(&course.facts),
        ),
        "lyceum-team-error-forbidden",
    )?;
    Ok(repo::team(&mut c, course.id())
        .await?
        .iter()
        .filter_map(Member::of)
        .collect())
}

fn unknown_user(name: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        DomainError::new("lyceum-team-error-unknown-user").with_arg(name),
    )
}

/// Put `username` on the team with `role`, or change their role. Refuses to demote the
/// last instructor.
pub async fn set_member(
    env: &Env,
    actor: &Actor,
    key: &str,
    username: &str,
    role: CourseRole,
) -> Result<(Member, Outcome)> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::ManageTeam, Resource::Course(&course.facts)),
        "lyceum-team-error-forbidden",
    )?;
    let name = username.trim();
    let user = users::find_user_by_key(&mut tx, &username_key(name))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| unknown_user(name))?;
    let before = repo::role_of(&mut tx, course.id(), user.id()).await?;
    if before == Some(role) {
        return Ok((member(&user, role), Outcome::Unchanged));
    }
    if before == Some(CourseRole::Instructor)
        && repo::count_instructors(&mut tx, course.id()).await? <= 1
    {
        return Err(Error::conflict("lyceum-team-error-last-instructor"));
    }
    let now = env.now_ms();
    courses::set_role(&mut tx, course.id(), user.id(), role, now).await?;
    let (action, outcome) = match before {
        None => ("course.team.add", Outcome::Added),
        Some(_) => ("course.team.change", Outcome::Changed),
    };
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action,
            target_type: "course",
            target_id: key,
            reason: "",
            details: serde_json::json!({
                "user": user.username,
                "user_id": user.id,
                "role": role.as_str(),
                "old_role": before.map(CourseRole::as_str),
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((member(&user, role), outcome))
}

fn member(u: &users::UserRow, role: CourseRole) -> Member {
    Member {
        user: u.id(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role,
    }
}

/// Take `username` off the team. `NotFound` when they are not on it; refuses to remove
/// the last instructor.
pub async fn remove_member(env: &Env, actor: &Actor, key: &str, username: &str) -> Result<()> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    decide(
        can(actor, Action::ManageTeam, Resource::Course(&course.facts)),
        "lyceum-team-error-forbidden",
    )?;
    let name = username.trim();
    let user = users::find_user_by_key(&mut tx, &username_key(name))
        .await?
        .ok_or_else(|| unknown_user(name))?;
    let Some(before) = repo::role_of(&mut tx, course.id(), user.id()).await? else {
        return Err(Error::new(
            ErrorKind::NotFound,
            DomainError::new("lyceum-team-error-not-member").with_arg(name),
        ));
    };
    if before == CourseRole::Instructor && repo::count_instructors(&mut tx, course.id()).await? <= 1
    {
        return Err(Error::conflict("lyceum-team-error-last-instructor"));
    }
    courses::remove_role(&mut tx, course.id(), user.id()).await?;
    let now = env.now_ms();
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "course.team.remove",
            target_type: "course",
            target_id: key,
            reason: "",
            details: serde_json::json!({
                "user": user.username,
                "user_id": user.id,
                "old_role": before.as_str(),
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
