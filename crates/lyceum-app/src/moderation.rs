//! Governance once anyone can publish: people report courses, units and people; site and
//! organisation moderators work a queue of reports and appeals and act on it (hide and
//! show content, warn, suspend, block, dismiss). Every action is one transaction with its
//! audit row; it closes the reports about its target and tells the person affected why
//! and how to appeal.

use crate::{Env, Error, Result};
use lyceum_core::course::Visibility;
use lyceum_core::permissions::{
    Action, Actor, CourseFacts, CourseRole, PersonFacts, Resource, can,
};
use lyceum_core::{BlockId, CourseId, DomainError, OrgId, UserId, clock::from_millis, limits};
use lyceum_store::repo::moderation::{self as repo, ActionRow, NewAction, NewReport, ReportRow};
use lyceum_store::repo::notifications::{self, NewNotice};
use lyceum_store::repo::users::UserRow;
use lyceum_store::repo::{admin, audit, course_admin, courses, users};
use lyceum_store::{Db, Tx};
use serde_json::json;

/// What a report or an action is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A course, by its key.
    Course(String),
    /// A block (a unit, a section, a component), by its id.
    Block(BlockId),
    /// A person, by username.
    User(String),
    /// A post in a course's discussions, by its id (issue 15).
    Post(i64),
}

impl Target {
    pub fn type_name(&self) -> &'static str {
        match self {
            Target::Course(_) => "course",
            Target::Block(_) => "block",
            Target::User(_) => "user",
            Target::Post(_) => "post",
        }
    }

    /// From the API's `{"type", "id"}`: a course key, a numeric block id, a username.
    pub fn parse(kind: &str, id: &str) -> Result<Target> {
        match kind {
            "course" => Ok(Target::Course(id.trim().to_owned())),
            "block" => id
                .trim()
                .parse::<i64>()
                .map(|b| Target::Block(BlockId(b)))
                .map_err(|_| Error::malformed("lyceum-report-error-block-id")),
            "user" => Ok(Target::User(id.trim().to_owned())),
            "post" => id
                .trim()
                .parse::<i64>()
                .map(Target::Post)
                .map_err(|_| Error::malformed("lyceum-report-error-post-id")),
            _ => Err(Error::malformed("lyceum-report-error-target-type")),
        }
    }
}

/// Why something is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Spam,
    Harassment,
    Copyright,
    Misinformation,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::Spam,
        Reason::Harassment,
        Reason::Copyright,
        Reason::Misinformation,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Spam => "spam",
            Reason::Harassment => "harassment",
            Reason::Copyright => "copyright",
            Reason::Misinformation => "misinformation",
            Reason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a moderator does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModAction {
    Hide,
    Unhide,
    Warn,
    Suspend,
    Block,
    Dismiss,
}

impl ModAction {
    pub const ALL: [ModAction; 6] = [
        ModAction::Hide,
        ModAction::Unhide,
        ModAction::Warn,
        ModAction::Suspend,
        ModAction::Block,
        ModAction::Dismiss,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModAction::Hide => "hide",
            ModAction::Unhide => "unhide",
            ModAction::Warn => "warn",
            ModAction::Suspend => "suspend",
            ModAction::Block => "block",
            ModAction::Dismiss => "dismiss",
        }
    }

    pub fn parse(s: &str) -> Option<ModAction> {
        ModAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The actions that make sense on a kind of target.
    pub fn applies_to(self, target_type: &str) -> bool {
        match self {
            ModAction::Hide | ModAction::Unhide => {
                matches!(target_type, "course" | "block" | "post")
            }
            ModAction::Suspend | ModAction::Block => target_type == "user",
            ModAction::Warn | ModAction::Dismiss => true,
        }
    }
}

/// A target found and checked: what is stored about it, and the facts `can` decides on.
struct Found {
    target_type: &'static str,
    /// The stored id: course key, block id, user id.
    target_id: String,
    /// The public id (the API's): course key, block id, username.
    public_id: String,
    title: String,
    course: Option<courses::CourseRow>,
    block: Option<repo::ReportedBlockRow>,
    user: Option<UserRow>,
    facts: Option<CourseFacts>,
    person: Option<PersonFacts>,
    /// A discussion post (its author is `user`, to be told).
    post: Option<lyceum_store::repo::discussion_moderation::ModPostRow>,
}

impl Found {
    fn resource(&self) -> Resource<'_> {
        match (&self.facts, &self.person) {
            (Some(f), _) => Resource::Course(f),
            (None, Some(p)) => Resource::Person(p),
            (None, None) => Resource::Site,
        }
    }

    fn course_id(&self) -> Option<CourseId> {
        self.course.as_ref().map(|c| c.id())
    }

    fn org_id(&self) -> Option<OrgId> {
        self.course.as_ref().map(|c| OrgId(c.org_id))
    }
}

/// Find a target as `actor` may see it: anything they may not see is not found (a
/// learner learns nothing of unpublished courses, unreleased or hidden units).
async fn find(tx: &mut impl Db, env: &Env, actor: &Actor, target: &Target) -> Result<Found> {
    let course_of = |row: &courses::CourseRow, viewer: &courses::ViewerRow| CourseFacts {
        published: row.published,
        enrollment_open: row.enrollment_open,
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    };
    match target {
        Target::Course(key) => {
            let (row, viewer) = courses::find_for_viewer(tx, key, actor.user)
                .await?
                .ok_or_else(Error::not_found)?;
            let facts = course_of(&row, &viewer);
            if !can(actor, Action::View, Resource::Course(&facts)).allowed() {
                return Err(Error::not_found());
            }
            Ok(Found {
                target_type: "course",
                target_id: row.course_key.clone(),
                public_id: row.course_key.clone(),
                title: row.title.clone(),
                course: Some(row),
                block: None,
                user: None,
                facts: Some(facts),
                person: None,
                post: None,
            })
        }
        Target::Block(id) => {
            let block = repo::block(tx, *id).await?.ok_or_else(Error::not_found)?;
            let (row, viewer) = courses::find_for_viewer(tx, &block.course_key, actor.user)
                .await?
                .ok_or_else(Error::not_found)?;
            let facts = course_of(&row, &viewer);
            if !can(actor, Action::View, Resource::Course(&facts)).allowed() {
                return Err(Error::not_found());
            }
            // Learners see live, released, shown blocks only; the team and moderators
            // see the rest (drafts included).
            let see_unreleased =
                can(actor, Action::ViewUnreleased, Resource::Course(&facts)).allowed();
            if !see_unreleased {
                let tree = courses::load_tree(tx, row.id()).await?;
                let vis = Visibility {
                    now: env.now(),
                    course_start: row.start_at.map(from_millis),
                    see_unreleased,
                };
                let shown =
                    block.live && tree.index_of(*id).is_some_and(|i| tree.is_visible(i, &vis));
                if !shown {
                    return Err(Error::not_found());
                }
            }
            Ok(Found {
                target_type: "block",
                target_id: block.id.to_string(),
                public_id: block.id.to_string(),
                title: block.title.clone(),
                course: Some(row),
                block: Some(block),
                user: None,
                facts: Some(facts),
                person: None,
                post: None,
            })
        }
        Target::User(name) => {
            let u = users::find_user_by_key(tx, &lyceum_core::user::username_key(name))
                .await?
                .filter(|u| u.deleted_at.is_none())
                .ok_or_else(Error::not_found)?;
            Ok(Found {
                target_type: "user",
                target_id: u.id.to_string(),
                public_id: u.username.clone(),
                title: u.shown_name().to_owned(),
                person: Some(PersonFacts {
                    user: u.id(),
                    site_admin: u.is_admin,
                    moderator: u.is_moderator,
                }),
                course: None,
                block: None,
                user: Some(u),
                facts: None,
                post: None,
            })
        }
        Target::Post(id) => {
            use lyceum_store::repo::discussion_moderation as dmod;
            let post = dmod::post(tx, *id).await?.ok_or_else(Error::not_found)?;
            let (row, viewer) =
                courses::find_for_viewer_by_id(tx, CourseId(post.course_id), actor.user)
                    .await?
                    .ok_or_else(Error::not_found)?;
            let facts = course_of(&row, &viewer);
            // A course's discussions exist for its members and moderators only; a post
            // hidden, deleted or held is there for those who moderate them.
            if !can(actor, Action::Discuss, Resource::Course(&facts)).allowed() {
                return Err(Error::not_found());
            }
            let withheld =
                post.hidden_at.is_some() || post.deleted_at.is_some() || post.held_at.is_some();
            if withheld
                && !can(actor, Action::ModerateDiscussion, Resource::Course(&facts)).allowed()
            {
                return Err(Error::not_found());
            }
            let author = match post.author_id {
                Some(a) => users::get_user(tx, UserId(a)).await?,
                None => None,
            };
            Ok(Found {
                target_type: "post",
                target_id: post.id.to_string(),
                public_id: post.id.to_string(),
                title: post.thread_title.clone(),
                course: Some(row),
                block: None,
                user: author,
                facts: Some(facts),
                person: None,
                post: Some(post),
            })
        }
    }
}

fn required(text: &str, limit: limits::TextLimit, key: &'static str) -> Result<String> {
    let text = limits::clean(text, limit).map_err(Error::invalid)?;
    if text.trim().is_empty() {
        return Err(Error::invalid(DomainError::new(key)));
    }
    Ok(text)
}

/// May this person file another report now? One open report per person and target, and
/// the site's creation quota for reports (`trust::check_rate`: tighter for new accounts).
async fn report_rate_allowed(
    tx: &mut Tx,
    env: &Env,
    actor: &Actor,
    reporter: UserId,
    target_type: &str,
    target_id: &str,
) -> Result<()> {
    if repo::has_open_report(tx, reporter, "report", target_type, target_id).await? {
        return Err(Error::conflict("lyceum-report-error-already"));
    }
    crate::trust::check_rate(tx, env.now_ms(), actor, crate::trust::Creation::Report).await
}

/// What a report form shows about its target.
#[derive(Clone, Debug)]
pub struct ReportTarget {
    pub target_type: &'static str,
    /// The API's id: course key, block id, username.
    pub id: String,
    pub title: String,
    /// The course it belongs to (course and block targets).
    pub course_key: Option<String>,
    pub course_title: Option<String>,
}

/// The target of a report form, if the actor may report it (read only: the form's GET).
pub async fn report_target(env: &Env, actor: &Actor, target: &Target) -> Result<ReportTarget> {
    let mut c = env.store.conn().await?;
    let found = find(&mut c, env, actor, target).await?;
    Error::decide(
        can(actor, Action::Report, found.resource()),
        "lyceum-report-error-forbidden",
    )?;
    Ok(ReportTarget {
        target_type: found.target_type,
        id: found.public_id.clone(),
        title: found.title.clone(),
        course_key: found.course.as_ref().map(|c| c.course_key.clone()),
        course_title: found.course.as_ref().map(|c| c.title.clone()),
    })
}

/// Report something to the moderators. Answers the report's id. Anyone logged in, about
/// anything they can see (anything else is not found); not about themselves.
pub async fn report(
    env: &Env,
    actor: &Actor,
    target: &Target,
    reason: &str,
    text: &str,
) -> Result<i64> {
    let Some(reporter) = actor.user else {
        return Err(Error::forbidden("lyceum-report-error-login"));
    };
    let reason = Reason::parse(reason)
        .ok_or_else(|| Error::invalid(DomainError::new("lyceum-report-error-reason")))?;
    let text = limits::clean(text, limits::REPORT_TEXT).map_err(Error::invalid)?;
    let mut tx = env.store.begin().await?;
    let found = find(&mut tx, env, actor, target).await?;
    Error::decide(
        can(actor, Action::Report, found.resource()),
        "lyceum-report-error-forbidden",
    )?;
    report_rate_allowed(
        &mut tx,
        env,
        actor,
        reporter,
        found.target_type,
        &found.target_id,
    )
    .await?;
    let id = repo::insert_report(
        &mut tx,
        &NewReport {
            kind: "report",
            reporter,
            target_type: found.target_type,
            target_id: &found.target_id,
            course: found.course_id(),
            org: found.org_id(),
            block: found.block.as_ref().map(|b| BlockId(b.id)),
            user: found.user.as_ref().map(UserRow::id),
            action: None,
            reason: reason.as_str(),
            text: &text,
            now: env.now_ms(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One report or appeal in the queue.
#[derive(Clone, Debug)]
pub struct QueueReport {
    pub id: i64,
    /// `report` or `appeal`.
    pub kind: String,
    pub reporter: Option<String>,
    pub reason: String,
    pub text: String,
    pub status: String,
    pub resolution: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
    pub created_at: i64,
    /// The action an appeal is about.
    pub action: Option<i64>,
}

/// Everything reported about one target.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub target_type: String,
    /// The API's id: course key, block id, username.
    pub target_id: String,
    pub title: String,
    pub course_key: Option<String>,
    pub course_title: Option<String>,
    /// Where the target is seen: a course's About page, a unit, a person's page.
    pub link: Option<String>,
    /// Hidden (content), blocked or suspended (people) now.
    pub hidden: bool,
    pub blocked: bool,
    pub suspended: bool,
    pub reports: Vec<QueueReport>,
}

/// `open` (the default) or `closed` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub closed: bool,
}

/// The most reports a queue page reads.
pub const QUEUE_LIMIT: i64 = 500;

/// The queue as this moderator may act on it: everything for site moderators, the
/// reports routed to their organisations for organisation moderators and admins;
/// grouped by target (oldest report first), each with its reports. Anyone else: forbidden.
/// A fixed number of statements whatever the size.
pub async fn queue(env: &Env, actor: &Actor, filter: QueueFilter) -> Result<Vec<QueueItem>> {
    let Some(user) = actor.user else {
        return Err(Error::forbidden("lyceum-mod-error-forbidden"));
    };
    let mut c = env.store.conn().await?;
    let all = can(actor, Action::Moderate, Resource::Site).allowed();
    if !all && repo::orgs_moderated(&mut c, user).await? == 0 {
        return Err(Error::forbidden("lyceum-mod-error-forbidden"));
    }
    let rows = repo::queue(&mut c, !filter.closed, all, user, QUEUE_LIMIT).await?;
    let now = env.now_ms();
    let mut items: Vec<QueueItem> = Vec::new();
    let mut index: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for r in rows {
        let key = (r.target_type.clone(), r.target_id.clone());
        let at = match index.get(&key) {
            Some(&i) => i,
            None => {
                items.push(item_of(&r, now));
                index.insert(key, items.len() - 1);
                items.len() - 1
            }
        };
        items[at].reports.push(QueueReport {
            id: r.id,
            kind: r.kind,
            reporter: r.reporter_username,
            reason: r.reason,
            text: r.text,
            status: r.status,
            resolution: r.resolution,
            resolved_by: r.resolved_by_username,
            resolved_at: r.resolved_at,
            created_at: r.created_at,
            action: r.action_id,
        });
    }
    Ok(items)
}

/// A report as the queue shows its target (for pages listing reports of their own).
pub fn queue_item(r: &ReportRow, now: i64) -> QueueItem {
    item_of(r, now)
}

/// How much of a reported post the queue shows.
pub const POST_EXCERPT_CHARS: usize = 200;

fn item_of(r: &ReportRow, now: i64) -> QueueItem {
    let (target_id, title, link, hidden) = match r.target_type.as_str() {
        "user" => {
            let name = r.user_username.clone().unwrap_or_default();
            let shown = r
                .user_display_name
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| name.clone());
            (name.clone(), shown, Some(format!("/people/{name}")), false)
        }
        "post" => {
            let excerpt: String = r
                .post_body
                .as_deref()
                .unwrap_or_default()
                .chars()
                .take(POST_EXCERPT_CHARS)
                .collect();
            let title = match r.post_thread_title.as_deref() {
                Some(t) if excerpt.is_empty() => t.to_owned(),
                Some(t) => format!("{t} — {excerpt}"),
                None => excerpt,
            };
            let link = match (&r.course_key, r.post_thread_id) {
                (Some(k), Some(t)) => Some(format!(
                    "/courses/{k}/discussion/threads/{t}#post-{}",
                    r.target_id
                )),
                _ => None,
            };
            (
                r.target_id.clone(),
                title,
                link,
                r.post_hidden_at.is_some() || r.post_deleted_at.is_some(),
            )
        }
        "block" => {
            let link = match (&r.course_key, &r.block_url_name, r.block_kind.as_deref()) {
                (Some(k), Some(u), Some("unit")) => Some(format!("/courses/{k}/unit/{u}")),
                (Some(k), _, _) => Some(format!("/courses/{k}/courseware")),
                _ => None,
            };
            (
                r.target_id.clone(),
                r.block_title.clone().unwrap_or_default(),
                link,
                r.block_hidden_at.is_some(),
            )
        }
        _ => (
            r.target_id.clone(),
            r.course_title.clone().unwrap_or_default(),
            r.course_key.as_ref().map(|k| format!("/courses/{k}/about")),
            r.course_hidden_at.is_some(),
        ),
    };
    QueueItem {
        target_type: r.target_type.clone(),
        target_id,
        title,
        course_key: r.course_key.clone(),
        course_title: r.course_title.clone(),
        link,
        hidden,
        blocked: r.target_type == "user" && r.user_blocked_at.is_some(),
        suspended: r.target_type == "user" && r.user_suspended_until.is_some_and(|t| t > now),
        reports: Vec::new(),
    }
}

/// A moderator's decision.
#[derive(Clone, Debug)]
pub struct Decision<'a> {
    /// The report (or appeal) acted on, if any: it must be about `target`.
    pub report: Option<i64>,
    pub target: Target,
    pub action: ModAction,
    pub reason: &'a str,
    /// Suspensions: until when (required, in the future, at most a year ahead).
    pub until: Option<jiff::Timestamp>,
}

/// What an action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The action's notice (none for dismissals).
    pub action_id: Option<i64>,
    /// Reports and appeals it closed.
    pub resolved: u64,
    /// A person whose sessions callers must forget (suspended or blocked).
    pub person: Option<UserId>,
}

/// Act on a target: hide or show content, warn, suspend or block a person, dismiss the
/// reports. One transaction: the change, the action's record, its audit row, the reports
/// it closes and the notice to the person affected (the course's instructors and authors
/// for content).
pub async fn act(env: &Env, actor: &Actor, d: &Decision<'_>) -> Result<Outcome> {
    let Some(moderator) = actor.user else {
        return Err(Error::forbidden("lyceum-mod-error-forbidden"));
    };
    let reason = required(
        d.reason,
        limits::MODERATION_REASON,
        "lyceum-mod-error-reason-required",
    )?;
    let now = env.now();
    let until = match (d.action, d.until) {
        (ModAction::Suspend, None) => {
            return Err(Error::invalid(DomainError::new(
                "lyceum-mod-error-until-required",
            )));
        }
        (ModAction::Suspend, Some(t)) => {
            let max = now
                .checked_add(jiff::SignedDuration::from_hours(
                    24 * limits::MAX_SUSPENSION_DAYS,
                ))
                .map_err(Error::internal)?;
            if t <= now || t > max {
                return Err(Error::invalid(
                    DomainError::new("lyceum-mod-error-until-range")
                        .with_arg(limits::MAX_SUSPENSION_DAYS.to_string()),
                ));
            }
            Some(t.as_millisecond())
        }
        (_, _) => None,
    };
    let mut tx = env.store.begin().await?;
    let found = find(&mut tx, env, actor, &d.target).await?;
    // A post is moderated by those who moderate the course's discussions: its team as
    // well as the moderators.
    let needed = if found.post.is_some() {
        Action::ModerateDiscussion
    } else {
        Action::Moderate
    };
    Error::decide(
        can(actor, needed, found.resource()),
        "lyceum-mod-error-forbidden",
    )?;
    if !d.action.applies_to(found.target_type) {
        return Err(Error::invalid(DomainError::new(
            "lyceum-mod-error-action-target",
        )));
    }
    if let Some(id) = d.report {
        let r = repo::get_report(&mut tx, id)
            .await?
            .ok_or_else(Error::not_found)?;
        if r.target_type != found.target_type || r.target_id != found.target_id {
            return Err(Error::invalid(DomainError::new(
                "lyceum-mod-error-report-target",
            )));
        }
        if r.status != "open" {
            return Err(Error::conflict("lyceum-mod-error-report-closed"));
        }
    }
    let now_ms = now.as_millisecond();
    let mut person = None;
    match d.action {
        ModAction::Hide | ModAction::Unhide => {
            let hide = d.action == ModAction::Hide;
            let hidden_now = match (&found.block, &found.course) {
                _ if found.post.is_some() => {
                    found.post.as_ref().is_some_and(|p| p.hidden_at.is_some())
                }
                (Some(b), _) => b.hidden_at.is_some(),
                (None, Some(c)) => c.hidden_at.is_some(),
                _ => false,
            };
            if hide == hidden_now {
                return Err(Error::conflict(if hide {
                    "lyceum-mod-error-already-hidden"
                } else {
                    "lyceum-mod-error-not-hidden"
                }));
            }
            let by = hide.then_some((moderator, now_ms, reason.as_str()));
            match (&found.block, &found.course) {
                _ if found.post.is_some() => {
                    use lyceum_store::repo::discussion_moderation as dmod;
                    if let Some(p) = &found.post {
                        dmod::set_post_hidden(&mut tx, p.id, by).await?;
                        if p.depth == 0 {
                            dmod::set_thread_hidden(&mut tx, p.thread_id, by).await?;
                        } else {
                            lyceum_store::repo::discussions::recount(&mut tx, p.thread_id).await?;
                        }
                    }
                }
                (Some(b), Some(c)) => {
                    repo::set_block_hidden(&mut tx, BlockId(b.id), by).await?;
                    // Cached trees are keyed on the content version: move it on.
                    courses::bump_content_version(&mut tx, c.id(), now_ms).await?;
                }
                (None, Some(c)) => repo::set_course_hidden(&mut tx, c.id(), by).await?,
                _ => return Err(Error::internal("a hidden target without a course")),
            }
        }
        ModAction::Suspend => {
            let u = found.user.as_ref().ok_or_else(Error::not_found)?;
            repo::set_suspended(&mut tx, u.id(), until.map(|t| (t, reason.as_str()))).await?;
            person = Some(u.id());
        }
        ModAction::Block => {
            let u = found.user.as_ref().ok_or_else(Error::not_found)?;
            if u.blocked_at.is_some() {
                return Err(Error::conflict("lyceum-admin-error-already-blocked"));
            }
            admin::set_blocked(&mut tx, u.id(), Some((now_ms, reason.as_str()))).await?;
            admin::delete_sessions_of(&mut tx, u.id()).await?;
            person = Some(u.id());
        }
        ModAction::Warn | ModAction::Dismiss => {}
    }
    let action_id = if d.action == ModAction::Dismiss {
        None
    } else {
        Some(
            repo::insert_action(
                &mut tx,
                &NewAction {
                    actor: moderator,
                    action: d.action.as_str(),
                    target_type: found.target_type,
                    target_id: &found.target_id,
                    course: found.course_id(),
                    user: found.user.as_ref().map(UserRow::id),
                    subject: &found.title,
                    reason: &reason,
                    until,
                    now: now_ms,
                },
            )
            .await?,
        )
    };
    let (status, resolution) = match d.action {
        ModAction::Dismiss => ("dismissed", format!("dismiss: {reason}")),
        a => ("resolved", format!("{}: {reason}", a.as_str())),
    };
    let resolved = repo::resolve_target(
        &mut tx,
        found.target_type,
        &found.target_id,
        status,
        &resolution,
        moderator,
        now_ms,
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(moderator),
            action: audit_action(d.action),
            target_type: found.target_type,
            target_id: &found.target_id,
            reason: &reason,
            details: json!({
                "title": found.title,
                "report": d.report,
                "until": until,
                "resolved": resolved,
                "moderation_action": action_id,
            }),
            now: now_ms,
        },
    )
    .await?;
    if let Some(id) = action_id {
        let link = format!("/appeals/new?action={id}");
        let (kind, subject) = match d.action {
            ModAction::Hide => ("mod-hidden", found.title.as_str()),
            ModAction::Unhide => ("mod-unhidden", found.title.as_str()),
            ModAction::Warn => ("mod-warned", reason.as_str()),
            ModAction::Suspend => ("mod-suspended", reason.as_str()),
            ModAction::Block => ("mod-blocked", reason.as_str()),
            ModAction::Dismiss => ("", ""),
        };
        for user in affected(&mut tx, &found).await? {
            notifications::notify(
                &mut tx,
                &NewNotice {
                    user,
                    course: found.course_id(),
                    kind,
                    link: &link,
                    subject,
                    now: now_ms,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Outcome {
        action_id,
        resolved,
        person,
    })
}

fn audit_action(a: ModAction) -> &'static str {
    match a {
        ModAction::Hide => "moderation.hide",
        ModAction::Unhide => "moderation.unhide",
        ModAction::Warn => "moderation.warn",
        ModAction::Suspend => "moderation.suspend",
        ModAction::Block => "moderation.block",
        ModAction::Dismiss => "moderation.dismiss",
    }
}

/// Who an action is told to: the person, or the course's instructors and authors.
async fn affected(tx: &mut Tx, found: &Found) -> Result<Vec<UserId>> {
    if let Some(u) = &found.user {
        return Ok(vec![u.id()]);
    }
    let Some(course) = found.course_id() else {
        return Ok(Vec::new());
    };
    Ok(course_admin::team(tx, course)
        .await?
        .into_iter()
        .filter(|m| matches!(m.role(), Some(CourseRole::Instructor | CourseRole::Author)))
        .map(|m| UserId(m.user_id))
        .collect())
}

/// An action as its notice shows it, with whether the viewer may appeal it.
#[derive(Clone, Debug)]
pub struct Notice {
    pub action: ActionRow,
    /// The viewer is the person affected (or on the course's team) and has no open
    /// appeal against it.
    pub may_appeal: bool,
    /// The viewer's open appeal, if any.
    pub open_appeal: Option<i64>,
}

/// Whether `actor` is affected by an action: the person acted on, or an instructor or
/// author of the course whose content it was.
fn is_affected(actor: &Actor, a: &ActionRow) -> bool {
    let Some(me) = actor.user else { return false };
    match a.target_type.as_str() {
        // People, and the authors of discussion posts and threads.
        "user" | "post" | "thread" => a.user_id == Some(me.0),
        _ => matches!(a.viewer_role.as_deref(), Some("instructor" | "author")),
    }
}

/// An action that gives back (showing, lifting, approving): nothing to appeal.
fn undoes(action: &str) -> bool {
    matches!(
        action,
        "unhide" | "unsuspend" | "discussion-unmute" | "restore" | "unlock" | "approve"
    )
}

/// The notice of an action: for the people affected and the site's moderators; anyone
/// else does not know it exists.
pub async fn notice(env: &Env, actor: &Actor, action: i64) -> Result<Notice> {
    let me = actor.user.ok_or_else(Error::not_found)?;
    let mut c = env.store.conn().await?;
    let a = repo::get_action(&mut c, action, me)
        .await?
        .ok_or_else(Error::not_found)?;
    let affected = is_affected(actor, &a);
    if !affected && !can(actor, Action::Moderate, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let open_appeal = a.open_appeal;
    Ok(Notice {
        may_appeal: affected && open_appeal.is_none() && !undoes(&a.action),
        open_appeal,
        action: a,
    })
}

/// The action that hid a course or block, for the banner's appeal link: the notice of
/// the latest `hide` on it, if the actor may read it.
pub async fn hiding_action(env: &Env, actor: &Actor, target_type: &str, id: &str) -> Result<i64> {
    if !matches!(target_type, "course" | "block") {
        return Err(Error::not_found());
    }
    let mut c = env.store.conn().await?;
    let action = repo::latest_action(&mut c, target_type, id, "hide")
        .await?
        .ok_or_else(Error::not_found)?;
    drop(c);
    // The notice decides who may see it.
    notice(env, actor, action).await?;
    Ok(action)
}

/// Appeal an action: files an `appeal` into the queue, linked to the action and routed to
/// the site's moderators (not the organisation's, whoever acted). The people affected
/// only; one open appeal per person and action.
pub async fn appeal(env: &Env, actor: &Actor, action: i64, text: &str) -> Result<i64> {
    let me = actor.user.ok_or_else(Error::not_found)?;
    let text = required(
        text,
        limits::APPEAL_TEXT,
        "lyceum-mod-error-appeal-required",
    )?;
    let mut tx = env.store.begin().await?;
    let a = repo::get_action(&mut tx, action, me)
        .await?
        .ok_or_else(Error::not_found)?;
    if !is_affected(actor, &a) {
        return Err(Error::not_found());
    }
    if undoes(&a.action) {
        return Err(Error::invalid(DomainError::new(
            "lyceum-mod-error-appeal-unhide",
        )));
    }
    if a.open_appeal.is_some() {
        return Err(Error::conflict("lyceum-mod-error-appeal-open"));
    }
    let id = repo::insert_report(
        &mut tx,
        &NewReport {
            kind: "appeal",
            reporter: me,
            target_type: &a.target_type,
            target_id: &a.target_id,
            course: a.course_id.map(CourseId),
            org: None,
            block: (a.target_type == "block")
                .then(|| a.target_id.parse().ok().map(BlockId))
                .flatten(),
            user: a.user_id.map(UserId),
            action: Some(a.id),
            reason: "appeal",
            text: &text,
            now: env.now_ms(),
        },
    )
    .await?;
    let action_id = a.id.to_string();
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(me),
            action: "moderation.appeal",
            target_type: "moderation",
            target_id: &action_id,
            reason: "",
            details: json!({ "appeal": id, "action": a.action, "title": a.subject }),
            now: env.now_ms(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Grant or remove the site moderator role (site admins only).
pub async fn set_site_moderator(
    env: &Env,
    actor: &Actor,
    user: UserId,
    on: bool,
    reason: &str,
) -> Result<()> {
    if !can(actor, Action::Administer, Resource::Site).allowed() {
        return Err(Error::not_found());
    }
    let reason = limits::clean(reason, limits::REASON).map_err(Error::invalid)?;
    let mut tx = env.store.begin().await?;
    let u = users::get_user(&mut tx, user)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(Error::not_found)?;
    if u.is_moderator == on {
        return Ok(());
    }
    repo::set_moderator(&mut tx, user, on).await?;
    let id = u.id.to_string();
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: actor.user,
            action: if on {
                "user.moderator.grant"
            } else {
                "user.moderator.revoke"
            },
            target_type: "user",
            target_id: &id,
            reason: &reason,
            details: json!({ "username": u.username }),
            now: env.now_ms(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Lift a person's suspension before it ends (a mistake, an appeal granted): site
/// moderators and admins, with a reason, audited, and the person told.
pub async fn lift_suspension(
    env: &Env,
    actor: &Actor,
    username: &str,
    reason: &str,
) -> Result<UserId> {
    let moderator = actor
        .user
        .ok_or_else(|| Error::forbidden("lyceum-mod-error-forbidden"))?;
    let reason = required(
        reason,
        limits::MODERATION_REASON,
        "lyceum-mod-error-reason-required",
    )?;
    let mut tx = env.store.begin().await?;
    let found = find(&mut tx, env, actor, &Target::User(username.to_owned())).await?;
    Error::decide(
        can(actor, Action::Moderate, found.resource()),
        "lyceum-mod-error-forbidden",
    )?;
    let u = found.user.as_ref().ok_or_else(Error::not_found)?;
    let now = env.now_ms();
    if !u.suspended_at(now) {
        return Err(Error::conflict("lyceum-mod-error-not-suspended"));
    }
    repo::set_suspended(&mut tx, u.id(), None).await?;
    let action_id = repo::insert_action(
        &mut tx,
        &NewAction {
            actor: moderator,
            action: "unsuspend",
            target_type: "user",
            target_id: &found.target_id,
            course: None,
            user: Some(u.id()),
            subject: &found.title,
            reason: &reason,
            until: None,
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &audit::NewEntry {
            actor: Some(moderator),
            action: "moderation.unsuspend",
            target_type: "user",
            target_id: &found.target_id,
            reason: &reason,
            details: json!({ "username": u.username, "moderation_action": action_id }),
            now,
        },
    )
    .await?;
    let link = format!("/appeals/new?action={action_id}");
    notifications::notify(
        &mut tx,
        &NewNotice {
            user: u.id(),
            course: None,
            kind: "mod-unsuspended",
            link: &link,
            subject: &reason,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(u.id())
}

/// A person's public page: their shown name and the published courses they teach or
/// write. Deleted and blocked accounts have none.
#[derive(Clone, Debug)]
pub struct Person {
    pub username: String,
    pub name: String,
    pub courses: Vec<repo::PublicCourseRow>,
    pub may_report: bool,
    /// For those who may moderate the person: suspended until (when now).
    pub moderated: Option<Option<i64>>,
}

pub async fn person(env: &Env, actor: &Actor, username: &str) -> Result<Person> {
    let mut c = env.store.conn().await?;
    let u = users::find_user_by_key(&mut c, &lyceum_core::user::username_key(username))
        .await?
        .filter(|u| u.deleted_at.is_none() && u.blocked_at.is_none())
        .ok_or_else(Error::not_found)?;
    let facts = PersonFacts {
        user: u.id(),
        site_admin: u.is_admin,
        moderator: u.is_moderator,
    };
    let courses = repo::public_courses_of(&mut c, u.id()).await?;
    Ok(Person {
        username: u.username.clone(),
        name: u.shown_name().to_owned(),
        courses,
        may_report: can(actor, Action::Report, Resource::Person(&facts)).allowed(),
        moderated: can(actor, Action::Moderate, Resource::Person(&facts))
            .allowed()
            .then(|| u.suspended_until.filter(|t| *t > env.now_ms())),
    })
}
