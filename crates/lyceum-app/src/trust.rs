//! Trust for new accounts (issue 13; the rule is `lyceum_core::trust`): reading an
//! account's trust, stamping a track record once it is met, granting and revoking trust,
//! and the creation rate limits every create path calls.
//!
//! The web fills `Actor::trusted` from the session (a stored source or a trusted role,
//! read with the session's user row). A gated use case that finds the actor untrusted
//! calls [`effective`] before refusing: it reads the facts again (one statement) and, when
//! the track record is met or the Wikimedia standing qualifies, stamps the account so the
//! next request finds it trusted in the session's columns.

use crate::{Env, Error, ErrorKind, Result};
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::trust::{TrustFacts, TrustPolicy, TrustSource};
use lyceum_core::{DomainError, UserId, limits};
use lyceum_store::Db;
use lyceum_store::repo::{audit, trust as repo, users};
use serde_json::json;

/// Everything an account creates that is rate limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creation {
    /// A new course or a rerun.
    Course,
    /// A block added in the Studio.
    Block,
    /// A file uploaded (course files, card image, organisation logo).
    Upload,
    /// A report to moderators.
    Report,
    /// A discussion post.
    Post,
    /// A fork of a course.
    Fork,
    /// A "Check my work" on a wiki task (each reads the wiki: kept gentle).
    WikiCheck,
    /// A private message (issue 15).
    Message,
}

/// The length of one rate-limit window: an hour.
pub const WINDOW_MS: i64 = 3600 * 1000;

impl Creation {
    pub fn as_str(self) -> &'static str {
        match self {
            Creation::Course => "course",
            Creation::Block => "block",
            Creation::Upload => "upload",
            Creation::Report => "report",
            Creation::Post => "post",
            Creation::Fork => "fork",
            Creation::WikiCheck => "wiki-check",
            Creation::Message => "message",
        }
    }

    /// How many an account may create per hour (docs/LIMITS.md). Untrusted accounts
    /// cannot create courses or upload at all (`can()`); their quotas for those are for
    /// the day they become trusted in the middle of a window, and for forks into their
    /// personal space.
    pub fn quota(self, trusted: bool) -> i64 {
        match (self, trusted) {
            (Creation::Course, true) => 30,
            (Creation::Course, false) => 3,
            (Creation::Block, true) => 1_000,
            (Creation::Block, false) => 100,
            (Creation::Upload, true) => 200,
            (Creation::Upload, false) => 10,
            (Creation::Report, true) => 30,
            (Creation::Report, false) => 5,
            (Creation::Post, true) => 120,
            (Creation::Post, false) => 10,
            (Creation::Fork, true) => 20,
            (Creation::Fork, false) => 2,
            (Creation::WikiCheck, true) => 120,
            (Creation::WikiCheck, false) => 60,
            // A conversation with a teacher runs to more than ten messages an hour; a
            // newcomer's messages still stop well short of a spam run.
            (Creation::Message, true) => 200,
            (Creation::Message, false) => 30,
        }
    }
}

/// Count one creation by the actor and refuse it (`RateLimited`, with the seconds until
/// the window ends) past its quota. Call it in the transaction that creates: a refusal
/// rolls the count back with everything else. Anonymous actors create nothing.
pub async fn check_rate(db: &mut impl Db, now: i64, actor: &Actor, what: Creation) -> Result<()> {
    let Some(user) = actor.user else {
        return Err(Error::forbidden("lyceum-error-login-required"));
    };
    let window = now - now.rem_euclid(WINDOW_MS);
    let count = repo::hit(db, user, what.as_str(), window).await?;
    if count > what.quota(actor.trusted) {
        let secs = ((window + WINDOW_MS - now) / 1000).max(1) as u64;
        let mut e = Error::new(
            ErrorKind::RateLimited,
            DomainError::new("lyceum-trust-error-rate").with_arg(secs.div_ceil(60).to_string()),
        );
        e.retry_after_secs = Some(secs);
        return Err(e);
    }
    Ok(())
}

/// The facts of an account for the rule.
fn facts_of(row: &repo::TrustRow) -> TrustFacts {
    let stored = row.trust_source.as_deref();
    TrustFacts {
        stored: stored.and_then(TrustSource::parse),
        revoked: stored == Some("revoked"),
        role: row.trusted_role,
        wiki_groups: row
            .wiki_groups
            .as_deref()
            .and_then(|g| serde_json::from_str(g).ok()),
        created_at: row.created_at,
        activity: row.activity,
    }
}

/// The actor as the store knows it now: trusted or not. A track record or Wikimedia
/// standing found to qualify is stamped on the account (`record`/`wiki`).
pub async fn effective(db: &mut impl Db, now: i64, actor: &Actor) -> Result<Actor> {
    let Some(user) = actor.user else {
        return Ok(*actor);
    };
    if actor.trusted {
        return Ok(*actor);
    }
    let Some(row) = repo::facts(db, user).await? else {
        return Ok(*actor);
    };
    let policy = crate::settings::read(db).await?.trust;
    let facts = facts_of(&row);
    let source = lyceum_core::trust::source(&policy, &facts, now);
    if let Some(s @ (TrustSource::Record | TrustSource::Wiki)) = source
        && facts.stored.is_none()
    {
        repo::stamp(db, user, s.as_str(), now).await?;
    }
    Ok(actor.with_trust(source.is_some()))
}

/// The actor, trusted, or the refusal `what` (`lyceum-trust-error-create`,
/// `lyceum-trust-error-upload`) saying what the site asks of a new account.
pub async fn require_trusted(
    db: &mut impl Db,
    now: i64,
    actor: &Actor,
    what: &'static str,
) -> Result<Actor> {
    let a = effective(db, now, actor).await?;
    if a.trusted || a.user.is_none() {
        return Ok(a);
    }
    Err(refusal(db, &a, what).await?)
}

/// One account's trust as the admin page shows it.
#[derive(Clone, Debug)]
pub struct TrustStatus {
    /// Why it is trusted, if it is.
    pub source: Option<TrustSource>,
    /// A site admin revoked it.
    pub revoked: bool,
    pub at: Option<i64>,
    pub by: Option<String>,
    pub reason: String,
    pub wiki_groups: Option<Vec<String>>,
    pub wiki_editcount: Option<i64>,
    pub activity: i64,
    pub created_at: i64,
    pub policy: TrustPolicy,
}

/// The trust of `user`, for a site admin (anyone else: not found).
pub async fn status(env: &Env, actor: &Actor, user: UserId) -> Result<TrustStatus> {
    if !can(actor, Action::Administer, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let mut c = env.store.conn().await?;
    let row = repo::facts(&mut c, user)
        .await?
        .ok_or_else(Error::not_found)?;
    let policy = crate::settings::read(&mut c).await?.trust;
    let facts = facts_of(&row);
    Ok(TrustStatus {
        source: lyceum_core::trust::source(&policy, &facts, env.now_ms()),
        revoked: facts.revoked,
        at: row.trusted_at,
        by: row.trusted_by_name,
        reason: row.trust_reason,
        wiki_groups: facts.wiki_groups,
        wiki_editcount: row.wiki_editcount,
        activity: row.activity,
        created_at: row.created_at,
        policy,
    })
}

/// May the actor grant trust to `user`: a site admin, or an admin of an organisation
/// (not a personal space) `user` belongs to.
async fn may_grant(db: &mut impl Db, actor: &Actor, user: UserId) -> Result<bool> {
    if can(actor, Action::Administer, Resource::Site).allowed() {
        return Ok(true);
    }
    let Some(me) = actor.user else {
        return Ok(false);
    };
    Ok(repo::admin_of_org_of(db, me, user).await?)
}

fn reason_of(reason: &str, required: bool) -> Result<String> {
    let r = limits::clean(reason, limits::TRUST_REASON).map_err(Error::invalid)?;
    let r = r.trim().to_owned();
    if required && r.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-trust-error-reason-required",
        )));
    }
    Ok(r)
}

/// Trust an account at once (`user.trust`, audited with the reason). Site admins, and
/// admins of an organisation the person belongs to (to anyone else the person's trust
/// is not theirs to change: not found).
pub async fn grant(env: &Env, actor: &Actor, user: UserId, reason: &str) -> Result<()> {
    let reason = reason_of(reason, true)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    if !may_grant(&mut tx, actor, user).await? {
        return Err(Error::not_found());
    }
    let u = users::get_user(&mut tx, user)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(Error::not_found)?;
    repo::set_source(&mut tx, user, Some("grant"), actor.user, &reason, now).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "user.trust",
            target_type: "user",
            target_id: &user.0.to_string(),
            reason: &reason,
            details: json!({ "username": u.username, "previous": u.trust_source }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revoke an account's trust (`user.untrust`, site admins only): its Wikimedia
/// standing and track record no longer trust it until it is granted again. Roles still
/// do (remove the role to take those away).
pub async fn revoke(env: &Env, actor: &Actor, user: UserId, reason: &str) -> Result<()> {
    if !can(actor, Action::Administer, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let reason = reason_of(reason, true)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let u = users::get_user(&mut tx, user)
        .await?
        .ok_or_else(Error::not_found)?;
    repo::set_source(&mut tx, user, Some("revoked"), actor.user, &reason, now).await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: "user.untrust",
            target_type: "user",
            target_id: &user.0.to_string(),
            reason: &reason,
            details: json!({ "username": u.username, "previous": u.trust_source }),
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Store the Wikimedia standing read at login (groups and edit count from the home
/// wiki's Action API), and stamp the account trusted when the groups qualify. Never
/// fails a login: the caller logs an error and goes on.
pub async fn record_wiki_standing(
    env: &Env,
    user: UserId,
    standing: &lyceum_core::trust::WikiStanding,
) -> Result<()> {
    let now = env.now_ms();
    let groups = serde_json::to_string(&standing.groups).map_err(Error::internal)?;
    let mut tx = env.store.begin().await?;
    repo::set_wiki_standing(&mut tx, user, &groups, standing.editcount, now).await?;
    if lyceum_core::trust::wiki_trusted(&standing.groups) {
        repo::stamp(&mut tx, user, TrustSource::Wiki.as_str(), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Forget rate-limit windows that ended over a day ago (the hourly sweep does it too,
/// in `jobs::sweep_login_limits`).
pub async fn sweep(env: &Env) -> Result<u64> {
    let mut c = env.store.conn().await?;
    Ok(repo::sweep(&mut c, env.now_ms() - 24 * 3600 * 1000).await?)
}

/// The refusal of an untrusted actor (`what`: `lyceum-trust-error-create` or
/// `lyceum-trust-error-upload`), saying what the site asks of a new account and how far
/// the person is.
pub async fn refusal(db: &mut impl Db, actor: &Actor, what: &'static str) -> Result<Error> {
    let policy = crate::settings::read(db).await?.trust;
    let activity = match actor.user {
        Some(u) => repo::facts(db, u).await?.map_or(0, |r| r.activity),
        None => 0,
    };
    Ok(Error::new(
        ErrorKind::Forbidden,
        policy.refusal(what, activity),
    ))
}

/// `can()` for an action trust gates (`CreateCourse`, `Upload`): when the actor as the
/// session knows it is refused, its trust is read again from the store (stamping a met
/// track record); when trust is then all that is missing, the refusal is `trust_key`'s,
/// saying what a new account needs; otherwise `forbidden_key` (or not found). Answers
/// the actor with its trust as found, for the rest of the use case.
pub async fn decide(
    db: &mut impl Db,
    now: i64,
    actor: &Actor,
    action: Action,
    resource: Resource<'_>,
    forbidden_key: &'static str,
    trust_key: &'static str,
) -> Result<Actor> {
    if can(actor, action, resource).allowed() {
        return Ok(*actor);
    }
    let a = effective(db, now, actor).await?;
    let d = can(&a, action, resource);
    if !d.allowed() && !a.trusted && can(&a.with_trust(true), action, resource).allowed() {
        return Err(refusal(db, &a, trust_key).await?);
    }
    Error::decide(d, forbidden_key)?;
    Ok(a)
}

/// Run a save's validation with the author's links treated as their trust says
/// (`lyceum_core::sanitize::Links`): an untrusted author's external links get
/// `rel="nofollow ugc"` and are capped.
pub fn with_links_of<T>(actor: &Actor, f: impl FnOnce() -> T) -> T {
    lyceum_core::sanitize::with_links(lyceum_core::sanitize::Links::of(actor.trusted), f)
}
