//! `/admin/audit`: the audit log, newest first, paged, filtered by actor, target type and
//! target — each entry as a sentence in the viewer's language (`SENTENCES`, with a
//! generic one for actions this build has no sentence for). The same entries as
//! JSON are `GET /api/v1/admin/audit` (`crate::api::admin`).

use super::{NavLink, nav, render, require_admin};
use crate::error::AppResult;
use crate::page::{Cx, Page, Piece};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use lyceum_core::UserId;
use lyceum_core::limits;
use lyceum_core::user::username_key;
use lyceum_store::Db;
use lyceum_store::repo::audit::{self, EntryRow};
use lyceum_store::repo::users;
use serde::Deserialize;
use std::collections::HashMap;

pub const PER_PAGE: i64 = 50;

/// The target types entries have; the filter offers these.
pub const TARGET_TYPES: [(&str, &str); 4] = [
    ("user", "lyceum-audit-type-user"),
    ("org", "lyceum-audit-type-org"),
    ("course", "lyceum-audit-type-course"),
    ("site", "lyceum-audit-type-site"),
];

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    /// The actor's username.
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub target_type: String,
    /// A username (for people), an organisation's slug, a course key or a setting.
    #[serde(default)]
    pub target: String,
    /// Entries older than this id (the next page).
    pub before: Option<i64>,
}

/// What a query asks for, resolved: `None` when it names someone who does not exist
/// (then nothing matches).
pub struct Resolved {
    pub actor: Option<UserId>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}

/// Turn usernames in the query into ids: at most one statement.
pub async fn resolve(db: &mut impl Db, q: &AuditQuery) -> AppResult<Option<Resolved>> {
    let actor_name = limits::search_terms(&q.actor);
    let target = limits::search_terms(&q.target);
    let target_type = TARGET_TYPES
        .iter()
        .find(|(t, _)| *t == q.target_type)
        .map(|(t, _)| (*t).to_owned());
    let mut keys = Vec::new();
    if !actor_name.is_empty() {
        keys.push(username_key(&actor_name));
    }
    let user_target = target_type.as_deref() == Some("user") && !target.is_empty();
    if user_target {
        keys.push(username_key(&target));
    }
    let found: HashMap<String, i64> = if keys.is_empty() {
        HashMap::new()
    } else {
        users::ids_by_keys(db, &keys).await?.into_iter().collect()
    };
    let actor = if actor_name.is_empty() {
        None
    } else {
        match found.get(&username_key(&actor_name)) {
            Some(id) => Some(UserId(*id)),
            None => return Ok(None),
        }
    };
    let target_id = if target.is_empty() {
        None
    } else if user_target {
        match found.get(&username_key(&target)) {
            Some(id) => Some(id.to_string()),
            None => return Ok(None),
        }
    } else {
        Some(target)
    };
    Ok(Some(Resolved {
        actor,
        target_type,
        target_id,
    }))
}

/// One page of entries (newest first) and the id to continue from, if there are more.
pub async fn entries(
    db: &mut impl Db,
    r: &Resolved,
    before: Option<i64>,
    limit: i64,
) -> AppResult<(Vec<EntryRow>, Option<i64>)> {
    let mut rows = audit::list(
        db,
        &audit::Filter {
            actor: r.actor,
            target_type: r.target_type.as_deref(),
            target_id: r.target_id.as_deref(),
            before,
        },
        limit + 1,
    )
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|e| e.id)
    } else {
        None
    };
    Ok((rows, next))
}

/// The sentence of each action (`lyceum-audit-action-` and the action with dots as
/// dashes). Arguments: $1 the target; for `site.setting` $2 and $3 the old and new
/// values; for `org.member.*` $2 the person and $3 their new role. An action missing
/// here is shown with `lyceum-audit-action-unknown` (its name and its target).
const SENTENCES: &[(&str, &str)] = &[
    ("site.setting", "lyceum-audit-action-site-setting"),
    ("org.create", "lyceum-audit-action-org-create"),
    ("org.update", "lyceum-audit-action-org-update"),
    ("org.logo.set", "lyceum-audit-action-org-logo-set"),
    ("org.logo.remove", "lyceum-audit-action-org-logo-remove"),
    ("org.member.add", "lyceum-audit-action-org-member-add"),
    ("org.member.role", "lyceum-audit-action-org-member-role"),
    ("org.member.remove", "lyceum-audit-action-org-member-remove"),
    ("user.block", "lyceum-audit-action-user-block"),
    ("user.unblock", "lyceum-audit-action-user-unblock"),
    ("user.admin.grant", "lyceum-audit-action-user-admin-grant"),
    ("user.admin.revoke", "lyceum-audit-action-user-admin-revoke"),
    (
        "user.creator.grant",
        "lyceum-audit-action-user-creator-grant",
    ),
    (
        "user.creator.revoke",
        "lyceum-audit-action-user-creator-revoke",
    ),
    // Trust for new accounts (`lyceum_app::trust`).
    ("user.trust", "lyceum-trust-audit-trust"),
    ("user.untrust", "lyceum-trust-audit-untrust"),
    // Deletion (`lyceum_app::accounts::delete_account`): the target is the tombstone.
    ("user.delete", "lyceum-account-audit-user-delete"),
    // Courses: creation, settings and team (`lyceum_app::course_admin`), publishing
    // (`lyceum_app::authoring`), review and status.
    ("course.create", "lyceum-audit-action-course-create"),
    ("course.settings", "lyceum-audit-action-course-settings"),
    ("course.card_image", "lyceum-audit-action-course-card-image"),
    ("course.rerun", "lyceum-audit-action-course-rerun"),
    // Forks (`lyceum_app::forks`): the target is the fork, `from` its source.
    ("course.fork", "lyceum-fork-audit"),
    ("course.move", "lyceum-fork-audit-move"),
    ("course.publish", "lyceum-audit-action-course-publish"),
    (
        "course.submit-review",
        "lyceum-audit-action-course-submit-review",
    ),
    (
        "course.discard-draft",
        "lyceum-audit-action-course-discard-draft",
    ),
    ("course.team.add", "lyceum-audit-action-course-team-add"),
    (
        "course.team.change",
        "lyceum-audit-action-course-team-change",
    ),
    (
        "course.team.remove",
        "lyceum-audit-action-course-team-remove",
    ),
    (
        "course.review.approve",
        "lyceum-audit-action-course-review-approve",
    ),
    (
        "course.review.send_back",
        "lyceum-audit-action-course-review-send-back",
    ),
    (
        "course.review.comment",
        "lyceum-audit-action-course-review-comment",
    ),
    (
        "course.review.reviewed",
        "lyceum-audit-action-course-review-reviewed",
    ),
    ("course.archive", "lyceum-audit-action-course-archive"),
    ("course.reopen", "lyceum-audit-action-course-reopen"),
    // Upstream sync (`lyceum_app::upstream`).
    ("course.upstream-pull", "lyceum-upstream-audit-pull"),
    ("course.upstream-resolve", "lyceum-upstream-audit-resolve"),
    // Moderation (`lyceum_app::moderation`): the target is a course key, a block id or a
    // user id; appeals name the moderation action.
    ("moderation.hide", "lyceum-mod-audit-hide"),
    ("moderation.unhide", "lyceum-mod-audit-unhide"),
    ("moderation.warn", "lyceum-mod-audit-warn"),
    ("moderation.suspend", "lyceum-mod-audit-suspend"),
    ("moderation.unsuspend", "lyceum-mod-audit-unsuspend"),
    ("moderation.block", "lyceum-mod-audit-block"),
    ("moderation.dismiss", "lyceum-mod-audit-dismiss"),
    ("moderation.appeal", "lyceum-mod-audit-appeal"),
    ("user.moderator.grant", "lyceum-mod-audit-moderator-grant"),
    ("user.moderator.revoke", "lyceum-mod-audit-moderator-revoke"),
    // Discussion moderation (`lyceum_app::discussion_moderation`): the target is the
    // person muted, the post or thread, or the course (settings).
    ("discussion.mute", "lyceum-dmod-audit-mute"),
    ("discussion.ban", "lyceum-dmod-audit-ban"),
    ("discussion.unmute", "lyceum-dmod-audit-unmute"),
    ("discussion.post.hide", "lyceum-dmod-audit-post-hide"),
    ("discussion.post.unhide", "lyceum-dmod-audit-post-unhide"),
    ("discussion.post.delete", "lyceum-dmod-audit-post-delete"),
    ("discussion.post.restore", "lyceum-dmod-audit-post-restore"),
    ("discussion.post.approve", "lyceum-dmod-audit-post-approve"),
    ("discussion.post.reject", "lyceum-dmod-audit-post-reject"),
    ("discussion.thread.lock", "lyceum-dmod-audit-thread-lock"),
    (
        "discussion.thread.unlock",
        "lyceum-dmod-audit-thread-unlock",
    ),
    ("discussion.thread.pin", "lyceum-dmod-audit-thread-pin"),
    ("discussion.thread.unpin", "lyceum-dmod-audit-thread-unpin"),
    ("discussion.post.edit", "lyceum-dmod-audit-post-edit"),
    ("discussion.settings", "lyceum-dmod-audit-settings"),
    // Wiki tasks (`lyceum_app::wiki_tasks::confirm`): the target is the learner.
    ("wikitask.confirm", "lyceum-wikitask-notice-audit-confirm"),
    // Background jobs (`lyceum_app::jobs::retry_now`): the target is the job's id.
    ("job.retry", "lyceum-jobs-audit-retry"),
    (
        "wikitask.unconfirm",
        "lyceum-wikitask-notice-audit-unconfirm",
    ),
];

fn sentence_key(action: &str) -> Option<&'static str> {
    SENTENCES
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, k)| *k)
}

/// An entry as pages show it.
pub struct AuditLine {
    pub who: Option<String>,
    pub who_url: Option<String>,
    pub sentence: crate::page::Html,
    pub target: String,
    pub target_url: Option<String>,
    pub when: jiff::Timestamp,
    pub reason: String,
    pub details: Vec<(String, String)>,
}

fn detail_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

fn role_text(p: &Page, role: Option<&str>) -> String {
    match role {
        Some(r @ ("admin" | "reviewer" | "creator" | "member" | "moderator")) => {
            p.text(&format!("lyceum-org-role-{r}"))
        }
        Some(other) => other.to_owned(),
        None => String::new(),
    }
}

/// The entries as lines: user targets are named in one statement for the whole page.
pub async fn lines(cx: &Cx, rows: Vec<EntryRow>) -> AppResult<Vec<AuditLine>> {
    let ids: Vec<UserId> = rows
        .iter()
        .filter(|e| e.target_type == "user")
        .filter_map(|e| e.target_id.parse().ok().map(UserId))
        .collect();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        let mut c = cx.app.store().conn().await?;
        users::get_users(&mut c, &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect()
    };
    let p = &cx.page;
    let user_url = |name: &str| {
        let enc: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        format!("/admin/users/{enc}")
    };
    Ok(rows
        .into_iter()
        .map(|e| {
            let details: serde_json::Value =
                serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null);
            let (target, target_url) = match e.target_type.as_str() {
                "user" => match e
                    .target_id
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| names.get(&id))
                {
                    Some(n) => (n.clone(), Some(user_url(n))),
                    None => (
                        details["username"]
                            .as_str()
                            .unwrap_or(&e.target_id)
                            .to_owned(),
                        None,
                    ),
                },
                "org" => (e.target_id.clone(), Some(format!("/orgs/{}", e.target_id))),
                "course" => (
                    e.target_id.clone(),
                    Some(format!("/courses/{}/about", e.target_id)),
                ),
                "site" => (e.target_id.clone(), Some("/admin/settings".to_owned())),
                "job" => (
                    format!("#{}", e.target_id),
                    Some(format!("/admin/jobs#job-{}", e.target_id)),
                ),
                _ => (e.target_id.clone(), None),
            };
            let sentence = if let Some(key) = sentence_key(&e.action) {
                let (second, third) = match e.action.as_str() {
                    "site.setting" => (detail_text(&details["old"]), detail_text(&details["new"])),
                    "course.fork" | "course.move" => (detail_text(&details["from"]), String::new()),
                    a if a.starts_with("org.member.") => (
                        details["user"].as_str().unwrap_or_default().to_owned(),
                        role_text(p, details["new"].as_str()),
                    ),
                    _ => (String::new(), String::new()),
                };
                p.tn(
                    key,
                    &[
                        Piece::Isolated(target.clone()),
                        Piece::Isolated(second),
                        Piece::Isolated(third),
                    ],
                )
            } else {
                p.tn(
                    "lyceum-audit-action-unknown",
                    &[
                        Piece::Isolated(e.action.clone()),
                        Piece::Isolated(target.clone()),
                    ],
                )
            };
            let details = match details {
                serde_json::Value::Object(m) => {
                    m.into_iter().map(|(k, v)| (k, detail_text(&v))).collect()
                }
                _ => Vec::new(),
            };
            AuditLine {
                who_url: e.actor_username.as_deref().map(user_url),
                who: e.actor_username,
                sentence,
                target,
                target_url,
                when: lyceum_core::clock::from_millis(e.created_at),
                reason: e.reason,
                details,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    q: AuditQuery,
    types: Vec<(&'static str, &'static str)>,
    entries: Vec<AuditLine>,
    /// The filter names someone who does not exist.
    unknown: bool,
    next_url: Option<String>,
    first_url: Option<String>,
}

pub async fn page(cx: Cx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    require_admin(&cx)?;
    let (rows, next, unknown) = {
        let mut c = cx.app.store().conn().await?;
        match resolve(&mut c, &q).await? {
            Some(r) => {
                let (rows, next) = entries(&mut c, &r, q.before, PER_PAGE).await?;
                (rows, next, false)
            }
            None => (Vec::new(), None, true),
        }
    };
    let params = [
        ("actor", q.actor.as_str()),
        ("target_type", q.target_type.as_str()),
        ("target", q.target.as_str()),
    ];
    let url = |before: Option<i64>| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            s.append_pair(k, v);
        }
        if let Some(b) = before {
            s.append_pair("before", &b.to_string());
        }
        let qs = s.finish();
        if qs.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{qs}")
        }
    };
    let entries = lines(&cx, rows).await?;
    render(&AuditView {
        title: cx.page.text("lyceum-audit-title"),
        nav: nav("/admin/audit"),
        types: TARGET_TYPES.to_vec(),
        entries,
        unknown,
        next_url: next.map(|b| url(Some(b))),
        first_url: q.before.map(|_| url(None)),
        q,
        p: cx.page.clone(),
    })
}

pub use crate::api::admin::audit as api;
