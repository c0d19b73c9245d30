//! Moderation of course discussions (issue 15), which never unenrols anyone: mute a
//! person for a time or ban them from one course's discussions (they keep learning,
//! reading and submitting; they cannot post, and are told why and until when), hide,
//! delete softly and restore posts, lock threads, review held first posts, and the
//! team's discussion settings. Each action is one transaction with its moderation
//! record (so the person reads it and may appeal, as with `moderation`), its audit row
//! and its notice.

use crate::{Env, Error, Result};
use lyceum_core::permissions::{Action, Actor, CourseFacts, OrgRole, Resource, can};
use lyceum_core::{CourseId, DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::discussion_moderation::{
    self as repo, CourseActionRow, HeldPostRow, ModPostRow, ModThreadRow, MuteRow,
};
use lyceum_store::repo::discussion_settings::{self, DiscussionSettingsRow};
use lyceum_store::repo::moderation::{self as modrepo, NewAction};
use lyceum_store::repo::notifications::{self, NewNotice};
use lyceum_store::repo::{audit, courses, discussions, users};
use serde_json::json;

/// The most mutes, actions and held posts a moderation page reads.
pub const LIST_LIMIT: i64 = 200;

/// A course as its discussion moderators see it.
#[derive(Clone, Debug)]
pub struct ModCourse {
    pub id: CourseId,
    pub key: String,
    pub title: String,
    pub facts: CourseFacts,
}

fn facts_of(row: &courses::CourseRow, viewer: &courses::ViewerRow) -> CourseFacts {
    CourseFacts {
        published: row.published,
        enrollment_open: row.enrollment_open,
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    }
}

fn mod_course(row: courses::CourseRow, facts: CourseFacts) -> ModCourse {
    ModCourse {
        id: row.id(),
        key: row.course_key,
        title: row.title,
        facts,
    }
}

/// The course, if `actor` may moderate its discussions: non-members do not know it has
/// any (not found), other members are forbidden. A suspended moderator waits.
async fn moderated(
    db: &mut impl Db,
    actor: &Actor,
    found: Option<(courses::CourseRow, courses::ViewerRow)>,
) -> Result<ModCourse> {
    let (row, viewer) = found.ok_or_else(Error::not_found)?;
    let facts = facts_of(&row, &viewer);
    Error::decide(
        can(actor, Action::ModerateDiscussion, Resource::Course(&facts)),
        "lyceum-dmod-error-forbidden",
    )?;
    if actor.suspended {
        return Err(Error::forbidden("lyceum-dmod-error-suspended"));
    }
    let _ = db;
    Ok(mod_course(row, facts))
}

async fn by_key(db: &mut impl Db, actor: &Actor, key: &str) -> Result<ModCourse> {
    let found = courses::find_for_viewer(db, key, actor.user).await?;
    moderated(db, actor, found).await
}

async fn by_id(db: &mut impl Db, actor: &Actor, course: CourseId) -> Result<ModCourse> {
    let found = courses::find_for_viewer_by_id(db, course, actor.user).await?;
    moderated(db, actor, found).await
}

/// May `actor` moderate this course's discussions? (For pages deciding what to show;
/// read only.)
pub fn may_moderate(actor: &Actor, facts: &CourseFacts) -> bool {
    can(actor, Action::ModerateDiscussion, Resource::Course(facts)).allowed() && !actor.suspended
}

fn required(text: &str, limit: limits::TextLimit, key: &'static str) -> Result<String> {
    let text = limits::clean(text, limit).map_err(Error::invalid)?;
    if text.trim().is_empty() {
        return Err(Error::invalid(DomainError::new(key)));
    }
    Ok(text)
}

fn optional(text: &str, limit: limits::TextLimit) -> Result<String> {
    limits::clean(text, limit).map_err(Error::invalid)
}

// ---------------------------------------------------------------------------------
// Mutes and bans

/// A mute or a ban as pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mute {
    pub id: i64,
    pub course_key: String,
    pub username: String,
    /// None: a ban (no end).
    pub until: Option<i64>,
    pub reason: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub lifted_at: Option<i64>,
    pub lifted_by: Option<String>,
    /// In force now.
    pub active: bool,
}

impl Mute {
    fn of(r: MuteRow, now: i64) -> Mute {
        Mute {
            active: r.lifted_at.is_none() && r.until_at.is_none_or(|u| u > now),
            id: r.id,
            course_key: r.course_key,
            username: r.username,
            until: r.until_at,
            reason: r.reason,
            created_by: r.created_by,
            created_at: r.created_at,
            lifted_at: r.lifted_at,
            lifted_by: r.lifted_by,
        }
    }
}

/// Mute `username` in a course's discussions until a time (`Some`), or ban them (`None`).
/// Those who moderate the course's discussions; never oneself, never a site admin, a
/// site moderator only by a site admin, the course's team only by a site admin; the
/// person must be a member (enrolled or on the team). A new mute or ban replaces the
/// one in force. Nobody is unenrolled.
pub async fn mute(
    env: &Env,
    actor: &Actor,
    course_key: &str,
    username: &str,
    until: Option<jiff::Timestamp>,
    reason: &str,
) -> Result<Mute> {
    let mut tx = env.store.begin().await?;
    let course = by_key(&mut tx, actor, course_key).await?;
    let me = actor.user.ok_or_else(Error::not_found)?;
    let reason = required(
        reason,
        limits::MODERATION_REASON,
        "lyceum-dmod-error-reason-required",
    )?;
    let now = env.now();
    let now_ms = now.as_millisecond();
    let until = match until {
        None => None,
        Some(t) => {
            let max = now
                .checked_add(jiff::SignedDuration::from_hours(
                    24 * limits::MAX_SUSPENSION_DAYS,
                ))
                .map_err(Error::internal)?;
            if t <= now || t > max {
                return Err(Error::invalid(
                    DomainError::new("lyceum-dmod-error-until-range")
                        .with_arg(limits::MAX_SUSPENSION_DAYS.to_string()),
                ));
            }
            Some(t.as_millisecond())
        }
    };
    let person = users::find_user_by_key(&mut tx, &lyceum_core::user::username_key(username))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| {
            Error::invalid(
                DomainError::new("lyceum-dmod-error-not-member").with_arg(username.trim()),
            )
        })?;
    if person.id() == me {
        return Err(Error::forbidden("lyceum-dmod-error-self"));
    }
    if person.is_admin {
        return Err(Error::forbidden("lyceum-dmod-error-admin"));
    }
    if person.is_moderator && !actor.site_admin {
        return Err(Error::forbidden("lyceum-dmod-error-moderator"));
    }
    let (_, theirs) = courses::find_for_viewer_by_id(&mut tx, course.id, Some(person.id()))
        .await?
        .ok_or_else(Error::not_found)?;
    let team = theirs.role.is_some() || theirs.org_role == Some(OrgRole::Admin);
    if team && !actor.site_admin {
        return Err(Error::forbidden("lyceum-dmod-error-team"));
    }
    if !theirs.enrolled && !team {
        return Err(Error::invalid(
            DomainError::new("lyceum-dmod-error-not-member").with_arg(person.username.clone()),
        ));
    }
    repo::lift_active(&mut tx, course.id, person.id(), me, now_ms).await?;
    let id = repo::insert_mute(&mut tx, course.id, person.id(), until, &reason, me, now_ms).await?;
    let (action, audit_action, kind) = if until.is_some() {
        ("discussion-mute", "discussion.mute", "discussion-muted")
    } else {
        ("discussion-ban", "discussion.ban", "discussion-banned")
    };
    let target_id = person.id.to_string();
    let action_id = modrepo::insert_action(
        &mut tx,
        &NewAction {
            actor: me,
            action,
            target_type: "user",
            target_id: &target_id,
            course: Some(course.id),
            user: Some(person.id()),
            subject: &course.title,
            reason: &reason,
            until,
            now: now_ms,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: audit_action,
            target_type: "user",
            target_id: &target_id,
            reason: &reason,
            details: json!({
                "username": person.username,
                "course": course.key,
                "until": until,
                "mute": id,
                "moderation_action": action_id,
            }),
            now: now_ms,
        },
    )
    .await?;
    let link = format!("/appeals/new?action={action_id}");
    notifications::notify(
        &mut tx,
        &NewNotice {
            user: person.id(),
            course: Some(course.id),
            kind,
            link: &link,
            subject: &course.title,
            now: now_ms,
        },
    )
    .await?;
    let row = repo::get_mute(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("a mute just written is gone"))?;
    tx.commit().await?;
    Ok(Mute::of(row, now_ms))
}

/// Lift a mute or ban before it ends (the record stays): those who moderate the course's
/// discussions; the person is told.
pub async fn lift(
    env: &Env,
    actor: &Actor,
    course_key: &str,
    mute_id: i64,
    reason: &str,
) -> Result<Mute> {
    let mut tx = env.store.begin().await?;
    let course = by_key(&mut tx, actor, course_key).await?;
    let me = actor.user.ok_or_else(Error::not_found)?;
    let reason = optional(reason, limits::MODERATION_REASON)?;
    let m = repo::get_mute(&mut tx, mute_id)
        .await?
        .filter(|m| m.course_id == course.id.0)
        .ok_or_else(Error::not_found)?;
    let now = env.now_ms();
    if !repo::lift_mute(&mut tx, m.id, me, now).await? {
        return Err(Error::conflict("lyceum-dmod-error-not-muted"));
    }
    let target_id = m.user_id.to_string();
    let action_id = modrepo::insert_action(
        &mut tx,
        &NewAction {
            actor: me,
            action: "discussion-unmute",
            target_type: "user",
            target_id: &target_id,
            course: Some(course.id),
            user: Some(UserId(m.user_id)),
            subject: &course.title,
            reason: &reason,
            until: None,
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "discussion.unmute",
            target_type: "user",
            target_id: &target_id,
            reason: &reason,
            details: json!({
                "username": m.username,
                "course": course.key,
                "mute": m.id,
                "moderation_action": action_id,
            }),
            now,
        },
    )
    .await?;
    let link = format!("/courses/{}/discussion", course.key);
    notifications::notify(
        &mut tx,
        &NewNotice {
            user: UserId(m.user_id),
            course: Some(course.id),
            kind: "discussion-unmuted",
            link: &link,
            subject: &course.title,
            now,
        },
    )
    .await?;
    let row = repo::get_mute(&mut tx, m.id)
        .await?
        .ok_or_else(|| Error::internal("a mute just lifted is gone"))?;
    tx.commit().await?;
    Ok(Mute::of(row, now))
}

/// A course's discussion moderation page: its mutes and bans (current and past), the
/// latest actions, the posts waiting for review and the open reports about its posts.
#[derive(Clone, Debug)]
pub struct Overview {
    pub course: ModCourse,
    pub mutes: Vec<Mute>,
    pub actions: Vec<CourseActionRow>,
    pub held: i64,
    pub reports: Vec<modrepo::ReportRow>,
}

/// The course's mutes and bans, newest first.
pub async fn mutes(env: &Env, actor: &Actor, course_key: &str) -> Result<(ModCourse, Vec<Mute>)> {
    let mut c = env.store.conn().await?;
    let course = by_key(&mut c, actor, course_key).await?;
    let now = env.now_ms();
    let rows = repo::course_mutes(&mut c, course.id, LIST_LIMIT).await?;
    Ok((course, rows.into_iter().map(|r| Mute::of(r, now)).collect()))
}

/// Everything the course's moderation page shows: a fixed number of statements.
pub async fn overview(env: &Env, actor: &Actor, course_key: &str) -> Result<Overview> {
    let mut c = env.store.conn().await?;
    let course = by_key(&mut c, actor, course_key).await?;
    let now = env.now_ms();
    let mutes = repo::course_mutes(&mut c, course.id, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|r| Mute::of(r, now))
        .collect();
    let actions = repo::course_actions(&mut c, course.id, LIST_LIMIT).await?;
    let held = repo::held_count(&mut c, course.id).await?;
    let reports = modrepo::course_post_reports(&mut c, course.id, LIST_LIMIT).await?;
    Ok(Overview {
        course,
        mutes,
        actions,
        held,
        reports,
    })
}

/// A person's own mutes and bans (every course), newest first: for their own page.
pub async fn my_mutes(env: &Env, actor: &Actor) -> Result<Vec<Mute>> {
    let me = actor.user.ok_or_else(Error::not_found)?;
    let mut c = env.store.conn().await?;
    let now = env.now_ms();
    Ok(repo::mutes_of(&mut c, me, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|r| Mute::of(r, now))
        .collect())
}

// ---------------------------------------------------------------------------------
// Posts and threads

/// What a moderator does to a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostAction {
    Hide,
    Unhide,
    Delete,
    Restore,
}

impl PostAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PostAction::Hide => "hide",
            PostAction::Unhide => "unhide",
            PostAction::Delete => "delete",
            PostAction::Restore => "restore",
        }
    }

    pub fn parse(s: &str) -> Option<PostAction> {
        [
            PostAction::Hide,
            PostAction::Unhide,
            PostAction::Delete,
            PostAction::Restore,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// What a moderation action on a post or a thread did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// The moderation record (its notice: `/appeals/new?action=ID`).
    pub action_id: i64,
    pub course_key: String,
    pub thread_id: i64,
    /// Open reports about the post it closed.
    pub resolved: u64,
}

/// Record one action on a post or thread: the moderation record, the audit row and,
/// for the author when it takes something away, a notice with the way to appeal.
#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut lyceum_store::Tx,
    me: UserId,
    course: &ModCourse,
    action: &str,
    target_type: &str,
    target_id: i64,
    author: Option<i64>,
    subject: &str,
    reason: &str,
    notice: Option<&str>,
    now: i64,
) -> Result<i64> {
    let id = target_id.to_string();
    let action_id = modrepo::insert_action(
        tx,
        &NewAction {
            actor: me,
            action,
            target_type,
            target_id: &id,
            course: Some(course.id),
            user: author.map(UserId),
            subject,
            reason,
            until: None,
            now,
        },
    )
    .await?;
    let audit_action = format!("discussion.{target_type}.{action}");
    audit::record(
        tx,
        &audit::NewEntry {
            actor: Some(me),
            action: &audit_action,
            target_type,
            target_id: &id,
            reason,
            details: json!({
                "course": course.key,
                "title": subject,
                "author": author,
                "moderation_action": action_id,
            }),
            now,
        },
    )
    .await?;
    if let (Some(kind), Some(author)) = (notice, author.filter(|a| *a != me.0)) {
        let link = format!("/appeals/new?action={action_id}");
        notifications::notify(
            tx,
            &NewNotice {
                user: UserId(author),
                course: Some(course.id),
                kind,
                link: &link,
                subject,
                now,
            },
        )
        .await?;
    }
    Ok(action_id)
}

/// Hide or show, delete softly or restore a post (a thread's opening post takes its
/// thread with it). Those who moderate the course's discussions; hiding and deleting
/// need a reason, which the author and the team read. Hidden and deleted posts are kept.
pub async fn act_on_post(
    env: &Env,
    actor: &Actor,
    post_id: i64,
    action: PostAction,
    reason: &str,
) -> Result<Done> {
    // Anonymous visitors do not know a course's discussions exist.
    let me = actor.user.ok_or_else(Error::not_found)?;
    let mut tx = env.store.begin().await?;
    let post = repo::post(&mut tx, post_id)
        .await?
        .ok_or_else(Error::not_found)?;
    let course = by_id(&mut tx, actor, CourseId(post.course_id)).await?;
    let reason = match action {
        PostAction::Hide | PostAction::Delete => required(
            reason,
            limits::MODERATION_REASON,
            "lyceum-dmod-error-reason-required",
        )?,
        PostAction::Unhide | PostAction::Restore => optional(reason, limits::MODERATION_REASON)?,
    };
    let now = env.now_ms();
    let opening = post.depth == 0;
    match action {
        PostAction::Hide | PostAction::Unhide => {
            let hide = action == PostAction::Hide;
            if hide == post.hidden_at.is_some() {
                return Err(Error::conflict(if hide {
                    "lyceum-dmod-error-already-hidden"
                } else {
                    "lyceum-dmod-error-not-hidden"
                }));
            }
            let by = hide.then_some((me, now, reason.as_str()));
            repo::set_post_hidden(&mut tx, post.id, by).await?;
            if opening {
                repo::set_thread_hidden(&mut tx, post.thread_id, by).await?;
            } else {
                discussions::recount(&mut tx, post.thread_id).await?;
            }
        }
        PostAction::Delete | PostAction::Restore => {
            let delete = action == PostAction::Delete;
            if delete == post.deleted_at.is_some() {
                return Err(Error::conflict(if delete {
                    "lyceum-dmod-error-already-deleted"
                } else {
                    "lyceum-dmod-error-not-deleted"
                }));
            }
            if delete {
                // Out of the search index, off the answer, out of the counts.
                discussions::delete_post(&mut tx, post.id, me, now).await?;
            } else {
                repo::set_post_deleted(&mut tx, post.id, None).await?;
                if opening {
                    repo::set_thread_deleted(&mut tx, post.thread_id, None).await?;
                } else {
                    discussions::recount(&mut tx, post.thread_id).await?;
                }
                discussions::reindex_post(&mut tx, post.id).await?;
            }
        }
    }
    let notice = match action {
        PostAction::Hide => Some("discussion-post-hidden"),
        PostAction::Delete => Some("discussion-post-deleted"),
        _ => None,
    };
    let action_id = record(
        &mut tx,
        me,
        &course,
        action.as_str(),
        "post",
        post.id,
        post.author_id,
        &post.thread_title,
        &reason,
        notice,
        now,
    )
    .await?;
    // Hiding or deleting settles the reports about the post.
    let resolved = if matches!(action, PostAction::Hide | PostAction::Delete) {
        modrepo::resolve_target(
            &mut tx,
            "post",
            &post.id.to_string(),
            "resolved",
            &format!("{}: {reason}", action.as_str()),
            me,
            now,
        )
        .await?
    } else {
        0
    };
    tx.commit().await?;
    Ok(Done {
        action_id,
        course_key: course.key,
        thread_id: post.thread_id,
        resolved,
    })
}

/// Lock a thread (no new replies; the reason is shown on it) or open it again: those who
/// moderate the course's discussions.
pub async fn lock_thread(
    env: &Env,
    actor: &Actor,
    thread_id: i64,
    lock: bool,
    reason: &str,
) -> Result<Done> {
    // Anonymous visitors do not know a course's discussions exist.
    let me = actor.user.ok_or_else(Error::not_found)?;
    let mut tx = env.store.begin().await?;
    let thread: ModThreadRow = repo::thread(&mut tx, thread_id)
        .await?
        .ok_or_else(Error::not_found)?;
    let course = by_id(&mut tx, actor, CourseId(thread.course_id)).await?;
    let reason = if lock {
        required(
            reason,
            limits::MODERATION_REASON,
            "lyceum-dmod-error-reason-required",
        )?
    } else {
        optional(reason, limits::MODERATION_REASON)?
    };
    if lock == thread.closed_at.is_some() {
        return Err(Error::conflict(if lock {
            "lyceum-dmod-error-already-locked"
        } else {
            "lyceum-dmod-error-not-locked"
        }));
    }
    let now = env.now_ms();
    repo::set_thread_closed(
        &mut tx,
        thread.id,
        lock.then_some((me, now, reason.as_str())),
    )
    .await?;
    let action_id = record(
        &mut tx,
        me,
        &course,
        if lock { "lock" } else { "unlock" },
        "thread",
        thread.id,
        thread.author_id,
        &thread.title,
        &reason,
        lock.then_some("discussion-thread-locked"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Done {
        action_id,
        course_key: course.key,
        thread_id: thread.id,
        resolved: 0,
    })
}

// ---------------------------------------------------------------------------------
// Held posts

/// A course's posts waiting for review.
pub async fn held(
    env: &Env,
    actor: &Actor,
    course_key: &str,
) -> Result<(ModCourse, Vec<HeldPostRow>)> {
    let mut c = env.store.conn().await?;
    let course = by_key(&mut c, actor, course_key).await?;
    let rows = repo::held_posts(&mut c, course.id, LIST_LIMIT).await?;
    Ok((course, rows))
}

/// Approve a held post: everyone reads it from now on; its author is told.
pub async fn approve(env: &Env, actor: &Actor, post_id: i64) -> Result<Done> {
    review(env, actor, post_id, true, "").await
}

/// Reject a held post: deleted softly (restorable) with the reason its author is told.
pub async fn reject(env: &Env, actor: &Actor, post_id: i64, reason: &str) -> Result<Done> {
    review(env, actor, post_id, false, reason).await
}

async fn review(
    env: &Env,
    actor: &Actor,
    post_id: i64,
    approve: bool,
    reason: &str,
) -> Result<Done> {
    // Anonymous visitors do not know a course's discussions exist.
    let me = actor.user.ok_or_else(Error::not_found)?;
    let mut tx = env.store.begin().await?;
    let post: ModPostRow = repo::post(&mut tx, post_id)
        .await?
        .ok_or_else(Error::not_found)?;
    let course = by_id(&mut tx, actor, CourseId(post.course_id)).await?;
    if post.held_at.is_none() || post.deleted_at.is_some() {
        return Err(Error::conflict("lyceum-dmod-error-not-held"));
    }
    let reason = if approve {
        optional(reason, limits::MODERATION_REASON)?
    } else {
        required(
            reason,
            limits::MODERATION_REASON,
            "lyceum-dmod-error-reason-required",
        )?
    };
    let now = env.now_ms();
    if approve {
        repo::release_post(&mut tx, &post, now).await?;
        discussions::recount(&mut tx, post.thread_id).await?;
        // A reply approved now reaches the thread's followers as any reply does.
        if post.depth > 0 {
            let mut skip = vec![me];
            skip.extend(post.author_id.map(UserId));
            crate::discussions::tell_followers(
                &mut tx,
                (course.id, &course.key),
                post.thread_id,
                post.id,
                &post.thread_title,
                &skip,
                now,
            )
            .await?;
        }
    } else {
        discussions::delete_post(&mut tx, post.id, me, now).await?;
    }
    let action_id = record(
        &mut tx,
        me,
        &course,
        if approve { "approve" } else { "reject" },
        "post",
        post.id,
        post.author_id,
        &post.thread_title,
        &reason,
        Some(if approve {
            "discussion-post-approved"
        } else {
            "discussion-post-rejected"
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Done {
        action_id,
        course_key: course.key,
        thread_id: post.thread_id,
        resolved: 0,
    })
}

// ---------------------------------------------------------------------------------
// Settings

/// A course's discussion settings, for those who moderate its discussions.
pub async fn settings(
    env: &Env,
    actor: &Actor,
    course_key: &str,
) -> Result<(ModCourse, DiscussionSettingsRow)> {
    let mut c = env.store.conn().await?;
    let course = by_key(&mut c, actor, course_key).await?;
    let s = discussion_settings::settings(&mut c, course.id).await?;
    Ok((course, s))
}

/// Change a course's discussion settings: those who teach it (instructors, staff, its
/// organisation's admins, site admins) — not moderators from outside, whose job is
/// conduct, not how a course runs. Audited with the old and new values.
pub async fn set_settings(
    env: &Env,
    actor: &Actor,
    course_key: &str,
    s: &DiscussionSettingsRow,
) -> Result<()> {
    let mut tx = env.store.begin().await?;
    let course = by_key(&mut tx, actor, course_key).await?;
    let me = actor.user.ok_or_else(Error::not_found)?;
    // Grading is what "teaches" means in `can`: instructors, staff, org admins, site
    // admins. Moderators from outside the team may moderate but not set the course up.
    if !can(actor, Action::Grade, Resource::Course(&course.facts)).allowed() {
        return Err(Error::forbidden("lyceum-dmod-error-settings-team"));
    }
    let old = discussion_settings::settings(&mut tx, course.id).await?;
    let now = env.now_ms();
    discussion_settings::set_settings(&mut tx, course.id, s, now).await?;
    let id = course.id.0.to_string();
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "discussion.settings",
            target_type: "course",
            target_id: &id,
            reason: "",
            details: json!({
                "course": course.key,
                "old": {
                    "allow_anonymous": old.allow_anonymous,
                    "learner_messages": old.learner_messages,
                    "hold_first_posts": old.hold_first_posts,
                },
                "new": {
                    "allow_anonymous": s.allow_anonymous,
                    "learner_messages": s.learner_messages,
                    "hold_first_posts": s.hold_first_posts,
                },
            }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
