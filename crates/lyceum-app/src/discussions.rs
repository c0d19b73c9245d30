//! Course discussions (issue 15): topics (course-wide ones set by the team, and one per
//! unit with a discussion block), threads (questions and discussions), replies and
//! comments, votes, follows, read marks, answers, pins and closing, search, a learner's
//! own posts, and the counts the course outline shows.
//!
//! Every use case asks `can(actor, Discuss | ModerateDiscussion, course)`: those who are
//! not members of the course get `NotFound` for every read and write. Writing also needs an
//! account that is not suspended and not muted or banned from the course's discussions
//! (`Forbidden`, the message saying why and until when). New accounts post under the
//! trust rules: tighter rates, capped `nofollow ugc` links, and — where the course holds
//! first posts — their first post waits for review (`held_at`; `discussion_moderation`
//! approves it).
//!
//! Anonymous posts show "Anonymous" to peers; those who moderate see who wrote them.
//! Replies tell the thread's followers, `@mentions` of course members tell them, and
//! marking an answer tells its author (in-app notices; the mailer sends them on).

use crate::surveys::CourseRef;
use crate::trust::Creation;
use crate::{Env, Error, ErrorKind, Result};
use lyceum_core::blocks::discussion::Discussion;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::sanitize::{Links, try_markdown_to_html, with_links};
use lyceum_core::{BlockId, CourseId, DomainError, UserId};
use lyceum_store::Db;
use lyceum_store::repo::discussion_settings;
use lyceum_store::repo::discussions::{self as repo, PostRow, ThreadRow, Viewer};
pub use lyceum_store::repo::discussions::{Filter, Sort};
use lyceum_store::repo::{audit, notifications};
use std::collections::HashMap;

/// The course-wide topic every course has until its team sets its own.
pub const GENERAL: &str = "course-general";
/// Threads per page of a list, replies per page of a thread.
pub const THREADS_PER_PAGE: i64 = 20;
pub const REPLIES_PER_PAGE: i64 = 25;
pub const TITLE_MAX_CHARS: usize = 200;
pub const BODY_MAX_CHARS: usize = 20_000;
pub const REASON_MAX_CHARS: usize = 500;
pub const TOPIC_NAME_MAX_CHARS: usize = 100;
/// Mentions that notify per post (more are shown as written, without notices).
pub const MENTIONS_MAX: usize = 10;

/// The course as the discussion use cases take it: as loaded for the actor, with its key
/// (for the links of notices).
pub struct Here<'a> {
    pub course: CourseRef<'a>,
    pub key: &'a str,
}

/// Where a topic comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicSource {
    /// Set by the team (or the default "General" when it has set none: `id` none).
    Course { id: Option<i64> },
    /// A unit's discussion block.
    Unit { unit: BlockId, block: BlockId },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    pub key: String,
    /// Its name; empty for the default course-wide topic (the page says "General").
    pub name: String,
    pub source: TopicSource,
    /// The unit's title (unit topics).
    pub unit_title: String,
    pub threads: i64,
}

/// A person as a post shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    /// None: anonymous to this viewer (or an account deleted since).
    pub username: Option<String>,
    pub name: Option<String>,
    /// Posted anonymously (moderators see who; others see "Anonymous").
    pub anonymous: bool,
    pub is_viewer: bool,
}

#[derive(Clone, Debug)]
pub struct ThreadSummary {
    pub id: i64,
    pub topic_key: String,
    pub kind: String,
    pub title: String,
    pub author: Author,
    pub pinned: bool,
    pub closed: bool,
    pub close_reason: String,
    pub answered: bool,
    pub reply_count: i64,
    pub vote_count: i64,
    pub last_activity_at: i64,
    pub created_at: i64,
    pub following: bool,
    pub unread: bool,
    /// States only those who moderate (and, for held, the author) see.
    pub held: bool,
    pub hidden: bool,
    pub hidden_reason: String,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub struct PostView {
    pub id: i64,
    pub parent: Option<i64>,
    pub depth: i64,
    pub author: Author,
    pub body: String,
    /// Sanitised when saved.
    pub html: String,
    pub vote_count: i64,
    pub voted: bool,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// Edited by someone else than its author (staff): the reason is shown.
    pub edited_by_staff: bool,
    pub edit_reason: String,
    pub held: bool,
    pub hidden: bool,
    pub hidden_reason: String,
    pub deleted: bool,
    pub is_answer: bool,
    /// What the viewer may do with it.
    pub may_edit: bool,
    pub may_delete: bool,
    pub may_mark_answer: bool,
}

/// A reply with its comments.
#[derive(Clone, Debug)]
pub struct ReplyView {
    pub post: PostView,
    pub comments: Vec<PostView>,
}

#[derive(Clone, Debug)]
pub struct ThreadView {
    pub thread: ThreadSummary,
    pub opening: PostView,
    pub replies: Vec<ReplyView>,
    pub page: i64,
    pub pages: i64,
    pub moderates: bool,
    /// The viewer may reply: not closed (or they moderate), not muted or banned, not
    /// suspended.
    pub may_reply: bool,
    /// Why the viewer may not post here now, if muted or banned.
    pub muted: Option<Muted>,
    /// The topic it is in, if the viewer can see it.
    pub topic: Option<Topic>,
}

/// Why a member may not post in a course's discussions now: muted until a time, or
/// banned (`until` none), with the reason the team gave. The pages say so before anyone
/// writes, in the words the refusal of a post uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Muted {
    pub until: Option<i64>,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct ThreadList {
    pub threads: Vec<ThreadSummary>,
    pub page: i64,
    pub has_more: bool,
}

pub struct ListQuery<'a> {
    pub topic: Option<&'a str>,
    pub words: &'a str,
    pub filter: Filter,
    pub sort: Sort,
    /// From 1.
    pub page: i64,
}

/// What a post created: its ids, and whether it waits for review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Created {
    pub thread: i64,
    pub post: i64,
    pub held: bool,
}

pub struct NewThreadIn<'a> {
    pub topic: &'a str,
    /// `question` or `discussion`.
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub anonymous: bool,
}

// ---------------------------------------------------------------------------------------
// Who may
// ---------------------------------------------------------------------------------------

/// The actor as a member of the course's discussions.
#[derive(Clone, Copy, Debug)]
struct Member {
    user: UserId,
    moderates: bool,
}

impl Member {
    fn viewer(self) -> Viewer {
        Viewer {
            user: Some(self.user),
            moderates: self.moderates,
        }
    }
}

fn member(here: &Here<'_>) -> Result<Member> {
    let c = &here.course;
    let Some(user) = c.actor.user else {
        return Err(Error::not_found());
    };
    if !can(&c.actor, Action::Discuss, Resource::Course(&c.facts)).allowed() {
        return Err(Error::not_found());
    }
    let moderates = can(
        &c.actor,
        Action::ModerateDiscussion,
        Resource::Course(&c.facts),
    )
    .allowed();
    Ok(Member { user, moderates })
}

/// Whether the actor may read this course's discussions (not found otherwise): the
/// check the write routes make before reading a body, without any statement.
pub fn require_member(here: &Here<'_>) -> Result<()> {
    member(here).map(|_| ())
}

/// A member who may write now: not suspended, not muted or banned here.
async fn writer(db: &mut impl Db, here: &Here<'_>, now: i64) -> Result<Member> {
    let m = member(here)?;
    if here.course.actor.suspended {
        return Err(Error::forbidden("lyceum-discussion-error-suspended"));
    }
    if let Some(mute) = muted(db, here, &m, now).await? {
        let e = match mute.until {
            Some(until) => DomainError::new("lyceum-discussion-error-muted")
                .with_arg(iso(until))
                .with_arg(mute.reason),
            None => DomainError::new("lyceum-discussion-error-banned").with_arg(mute.reason),
        };
        return Err(Error::new(ErrorKind::Forbidden, e));
    }
    Ok(m)
}

async fn muted(db: &mut impl Db, here: &Here<'_>, m: &Member, now: i64) -> Result<Option<Muted>> {
    Ok(
        discussion_settings::active_mute(db, here.course.id, m.user, now)
            .await?
            .map(|r| Muted {
                until: r.until_at,
                reason: r.reason,
            }),
    )
}

/// Whether the actor is muted or banned in this course's discussions now (for the
/// pages' banner).
pub async fn my_mute(env: &Env, here: &Here<'_>) -> Result<Option<Muted>> {
    let m = member(here)?;
    let mut c = env.store.conn().await?;
    muted(&mut c, here, &m, env.now_ms()).await
}

fn moderator(here: &Here<'_>) -> Result<Member> {
    let m = member(here)?;
    if !m.moderates {
        return Err(Error::forbidden("lyceum-discussion-error-not-staff"));
    }
    Ok(m)
}

/// The audit row of a staff action on a thread or a post (pin, close, reopen, an edit of
/// someone else's post), beside those the moderation queue writes: the audit page shows
/// who did it, why, and — for an edit — what the post said before.
#[allow(clippy::too_many_arguments)]
async fn audit_staff(
    db: &mut impl Db,
    here: &Here<'_>,
    m: &Member,
    action: &str,
    target: (&str, i64),
    title: &str,
    reason: &str,
    extra: serde_json::Value,
    now: i64,
) -> Result<()> {
    let (target_type, id) = target;
    let mut details = serde_json::json!({"course": here.key, "title": title});
    if let (Some(d), serde_json::Value::Object(more)) = (details.as_object_mut(), extra) {
        d.extend(more);
    }
    audit::record(
        db,
        &audit::NewEntry {
            actor: Some(m.user),
            action,
            target_type,
            target_id: &id.to_string(),
            reason,
            details,
            now,
        },
    )
    .await?;
    Ok(())
}

/// RFC 3339 in UTC (what the API and the muted message show).
pub fn iso(ms: i64) -> String {
    lyceum_core::clock::from_millis(ms)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

// ---------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------

/// The unit topics the actor can see: the discussion blocks of released, live units.
fn unit_topics(c: &CourseRef<'_>) -> Vec<Topic> {
    let tree = c.tree;
    let mut out = Vec::new();
    for &u in tree.units() {
        if !tree.is_visible(u, c.vis) {
            continue;
        }
        for &b in tree.children(u) {
            let node = tree.node(b);
            let Some(d) = node.content_of::<Discussion>() else {
                continue;
            };
            if !tree.is_visible(b, c.vis) {
                continue;
            }
            out.push(Topic {
                key: unit_topic_key(d, &node.url_name),
                name: d.target.trim().to_owned(),
                source: TopicSource::Unit {
                    unit: tree.node(u).id,
                    block: node.id,
                },
                unit_title: tree.node(u).title.clone(),
                threads: 0,
            });
        }
    }
    out
}

/// A discussion block's topic key: its `discussion_id`, else its own url name.
pub fn unit_topic_key(d: &lyceum_core::blocks::DiscussionContent, url_name: &str) -> String {
    let id = d.discussion_id.trim();
    if id.is_empty() {
        url_name.to_owned()
    } else {
        id.to_owned()
    }
}

async fn all_topics(db: &mut impl Db, c: &CourseRef<'_>) -> Result<Vec<Topic>> {
    let stored = repo::topics(db, c.id).await?;
    let mut out: Vec<Topic> = if stored.is_empty() {
        vec![Topic {
            key: GENERAL.to_owned(),
            name: String::new(),
            source: TopicSource::Course { id: None },
            unit_title: String::new(),
            threads: 0,
        }]
    } else {
        stored
            .into_iter()
            .map(|t| Topic {
                key: t.topic_key,
                name: t.name,
                source: TopicSource::Course { id: Some(t.id) },
                unit_title: String::new(),
                threads: 0,
            })
            .collect()
    };
    out.extend(unit_topics(c));
    Ok(out)
}

/// The course's topics the actor can see (course-wide first, then the units' in course
/// order), with how many threads each has.
pub async fn topics(env: &Env, here: &Here<'_>) -> Result<Vec<Topic>> {
    let m = member(here)?;
    let mut c = env.store.conn().await?;
    let mut topics = all_topics(&mut c, &here.course).await?;
    let counts: HashMap<String, i64> = repo::counts_by_topic(&mut c, here.course.id, &m.viewer())
        .await?
        .into_iter()
        .collect();
    for t in &mut topics {
        t.threads = counts.get(&t.key).copied().unwrap_or(0);
    }
    Ok(topics)
}

/// Threads per unit topic key, for the course outline (empty for those who may not read
/// the discussions).
pub async fn outline_counts(env: &Env, here: &Here<'_>) -> Result<HashMap<String, i64>> {
    let Ok(m) = member(here) else {
        return Ok(HashMap::new());
    };
    let mut c = env.store.conn().await?;
    Ok(repo::counts_by_topic(&mut c, here.course.id, &m.viewer())
        .await?
        .into_iter()
        .collect())
}

fn topic_name(name: &str) -> Result<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-discussion-error-topic-name",
        )));
    }
    if name.chars().count() > TOPIC_NAME_MAX_CHARS {
        return Err(Error::invalid(
            DomainError::new("lyceum-discussion-error-too-long")
                .with_arg(TOPIC_NAME_MAX_CHARS.to_string()),
        ));
    }
    Ok(name)
}

/// Add a course-wide topic (the team). A course that had only the default "General"
/// keeps it as a topic of its own, so its threads stay where they are.
pub async fn add_topic(env: &Env, here: &Here<'_>, name: &str) -> Result<String> {
    moderator(here)?;
    let name = topic_name(name)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let course = here.course.id;
    if repo::topics(&mut tx, course).await?.is_empty() {
        repo::create_topic(&mut tx, course, GENERAL, "General", now).await?;
    }
    let mut key = format!("topic-{}", now.rem_euclid(1_000_000_000));
    let mut n = 0;
    while repo::create_topic(&mut tx, course, &key, &name, now)
        .await?
        .is_none()
    {
        n += 1;
        key = format!("topic-{}-{n}", now.rem_euclid(1_000_000_000));
    }
    tx.commit().await?;
    Ok(key)
}

pub async fn rename_topic(env: &Env, here: &Here<'_>, id: i64, name: &str) -> Result<()> {
    moderator(here)?;
    let name = topic_name(name)?;
    let mut c = env.store.conn().await?;
    if !repo::rename_topic(&mut c, here.course.id, id, &name).await? {
        return Err(Error::not_found());
    }
    Ok(())
}

/// Move a course-wide topic one place up (`-1`) or down (`1`).
pub async fn move_topic(env: &Env, here: &Here<'_>, id: i64, by: i64) -> Result<()> {
    moderator(here)?;
    let mut tx = env.store.begin().await?;
    let mut ids: Vec<i64> = repo::topics(&mut tx, here.course.id)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let Some(i) = ids.iter().position(|&t| t == id) else {
        return Err(Error::not_found());
    };
    let j = i as i64 + by;
    if j >= 0 && (j as usize) < ids.len() {
        ids.swap(i, j as usize);
        repo::reorder_topics(&mut tx, here.course.id, &ids).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Delete a course-wide topic with no threads (one with threads: `Conflict`).
pub async fn delete_topic(env: &Env, here: &Here<'_>, id: i64) -> Result<()> {
    moderator(here)?;
    let mut c = env.store.conn().await?;
    if !repo::delete_topic_if_empty(&mut c, here.course.id, id).await? {
        return Err(Error::conflict("lyceum-discussion-error-topic-not-empty"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

fn author(
    m: &Member,
    id: Option<i64>,
    username: Option<String>,
    name: Option<String>,
    anonymous: bool,
) -> Author {
    let is_viewer = id == Some(m.user.0);
    let shown = !anonymous || m.moderates || is_viewer;
    Author {
        username: if shown { username } else { None },
        name: if shown {
            name.filter(|n| !n.trim().is_empty())
        } else {
            None
        },
        anonymous,
        is_viewer,
    }
}

fn summary(m: &Member, t: ThreadRow) -> ThreadSummary {
    ThreadSummary {
        author: author(
            m,
            t.author_id,
            t.author_username,
            t.author_name,
            t.anonymous,
        ),
        id: t.id,
        topic_key: t.topic_key,
        kind: t.kind,
        title: t.title,
        pinned: t.pinned_at.is_some(),
        closed: t.closed_at.is_some(),
        close_reason: t.close_reason,
        answered: t.answer_post_id.is_some(),
        reply_count: t.reply_count,
        vote_count: t.vote_count,
        last_activity_at: t.last_activity_at,
        created_at: t.created_at,
        following: t.following,
        unread: t.unread,
        held: t.held_at.is_some(),
        hidden: t.hidden_at.is_some(),
        hidden_reason: if m.moderates {
            t.hidden_reason
        } else {
            String::new()
        },
        deleted: t.deleted_at.is_some(),
    }
}

/// A page of the course's threads (a topic's, matching words, filtered, sorted).
pub async fn threads(env: &Env, here: &Here<'_>, lq: &ListQuery<'_>) -> Result<ThreadList> {
    let m = member(here)?;
    let page = lq.page.max(1);
    let mut c = env.store.conn().await?;
    let mut rows = repo::threads(
        &mut c,
        &m.viewer(),
        &repo::ThreadQuery {
            course: here.course.id,
            topic: lq.topic.filter(|t| !t.is_empty()),
            words: lq.words,
            filter: lq.filter,
            sort: lq.sort,
            offset: (page - 1) * THREADS_PER_PAGE,
            limit: THREADS_PER_PAGE + 1,
        },
    )
    .await?;
    let has_more = rows.len() as i64 > THREADS_PER_PAGE;
    rows.truncate(THREADS_PER_PAGE as usize);
    Ok(ThreadList {
        threads: rows.into_iter().map(|t| summary(&m, t)).collect(),
        page,
        has_more,
    })
}

fn post_view(m: &Member, t: &ThreadRow, asker: bool, p: PostRow) -> PostView {
    let own = p.author_id == Some(m.user.0);
    let is_answer = t.answer_post_id == Some(p.id);
    PostView {
        author: author(
            m,
            p.author_id,
            p.author_username,
            p.author_name,
            p.anonymous,
        ),
        edited_by_staff: p.edited_by.is_some() && p.edited_by != p.author_id,
        may_edit: (own || m.moderates) && p.deleted_at.is_none(),
        may_delete: own && p.deleted_at.is_none(),
        may_mark_answer: p.depth == 1 && t.kind == "question" && (asker || m.moderates),
        id: p.id,
        parent: p.parent_id,
        depth: p.depth,
        body: p.body,
        html: p.html,
        vote_count: p.vote_count,
        voted: p.voted,
        created_at: p.created_at,
        edited_at: p.edited_at,
        edit_reason: p.edit_reason,
        held: p.held_at.is_some(),
        hidden: p.hidden_at.is_some(),
        hidden_reason: if m.moderates {
            p.hidden_reason
        } else {
            String::new()
        },
        deleted: p.deleted_at.is_some(),
        is_answer,
    }
}

/// A thread with a page of its replies (each with its comments). Five statements,
/// whatever the number of posts.
pub async fn thread(env: &Env, here: &Here<'_>, id: i64, page: i64) -> Result<ThreadView> {
    let m = member(here)?;
    let mut c = env.store.conn().await?;
    let t = repo::thread(&mut c, &m.viewer(), id)
        .await?
        .filter(|t| t.course_id == here.course.id.0)
        .ok_or_else(Error::not_found)?;
    let page = page.max(1);
    let posts = repo::posts_page(
        &mut c,
        &m.viewer(),
        id,
        (page - 1) * REPLIES_PER_PAGE,
        REPLIES_PER_PAGE,
    )
    .await?;
    let topics = all_topics(&mut c, &here.course).await?;
    let muted = muted(&mut c, here, &m, env.now_ms()).await?;
    drop(c);
    let asker = t.author_id == Some(m.user.0);
    let mut opening = None;
    let mut replies: Vec<ReplyView> = Vec::new();
    let mut comments: HashMap<i64, Vec<PostView>> = HashMap::new();
    for p in posts {
        let v = post_view(&m, &t, asker, p);
        match (v.depth, v.parent) {
            (0, _) => opening = Some(v),
            (2, Some(parent)) => comments.entry(parent).or_default().push(v),
            _ => replies.push(ReplyView {
                post: v,
                comments: Vec::new(),
            }),
        }
    }
    for r in &mut replies {
        r.comments = comments.remove(&r.post.id).unwrap_or_default();
    }
    let opening =
        opening.ok_or_else(|| Error::internal(format!("thread {id}: no opening post")))?;
    let pages = (t.reply_count.max(replies.len() as i64) + REPLIES_PER_PAGE - 1) / REPLIES_PER_PAGE;
    let topic = topics.into_iter().find(|tp| tp.key == t.topic_key);
    let closed = t.closed_at.is_some();
    Ok(ThreadView {
        may_reply: (!closed || m.moderates) && muted.is_none() && !here.course.actor.suspended,
        muted,
        thread: summary(&m, t),
        opening,
        replies,
        page,
        pages: pages.max(1),
        moderates: m.moderates,
        topic,
    })
}

/// The person has read the thread (opening it marks it; a POST, never the GET).
pub async fn mark_read(env: &Env, here: &Here<'_>, id: i64) -> Result<()> {
    let m = member(here)?;
    let mut c = env.store.conn().await?;
    visible_thread(&mut c, here, &m, id).await?;
    let now = env.now_ms();
    repo::mark_read(&mut c, id, m.user, now).await?;
    // Its notices too: the next reply tells them again.
    notifications::mark_read_about(&mut c, m.user, &thread_link(here, id, None), now).await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct MyPost {
    pub id: i64,
    pub thread: i64,
    pub title: String,
    pub is_thread: bool,
    pub body: String,
    pub created_at: i64,
    pub held: bool,
    pub hidden: bool,
}

/// The actor's own posts in the course, newest first (a page, and whether more follow).
pub async fn my_posts(env: &Env, here: &Here<'_>, page: i64) -> Result<(Vec<MyPost>, bool)> {
    let m = member(here)?;
    let page = page.max(1);
    let mut c = env.store.conn().await?;
    let mut rows = repo::posts_by(
        &mut c,
        here.course.id,
        m.user,
        (page - 1) * THREADS_PER_PAGE,
        THREADS_PER_PAGE + 1,
    )
    .await?;
    let more = rows.len() as i64 > THREADS_PER_PAGE;
    rows.truncate(THREADS_PER_PAGE as usize);
    Ok((
        rows.into_iter()
            .map(|r| MyPost {
                id: r.id,
                thread: r.thread_id,
                title: r.title,
                is_thread: r.depth == 0,
                body: r.body,
                created_at: r.created_at,
                held: r.held_at.is_some(),
                hidden: r.hidden_at.is_some(),
            })
            .collect(),
        more,
    ))
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

fn text_in(s: &str, max: usize, empty_key: &'static str) -> Result<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Error::invalid(DomainError::new(empty_key)));
    }
    if s.chars().count() > max {
        return Err(Error::invalid(
            DomainError::new("lyceum-discussion-error-too-long").with_arg(max.to_string()),
        ));
    }
    Ok(s.to_owned())
}

/// Markdown as the author's trust allows (capped `nofollow ugc` links for new accounts),
/// with the course members it mentions made links to their public pages.
fn render(body: &str, trusted: bool, mentioned: &[(UserId, String)]) -> Result<String> {
    let html =
        with_links(Links::of(trusted), || try_markdown_to_html(body)).map_err(Error::invalid)?;
    Ok(link_mentions(&html, mentioned))
}

/// The `@names` written in a text (lower-cased keys, at most [`MENTIONS_MAX`]).
pub fn mentions_in(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('@') {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + 1..];
        // Not an e-mail address's @.
        if before.is_some_and(|c| c.is_alphanumeric()) {
            continue;
        }
        let name: String = rest.chars().take_while(|&c| is_name_char(c)).collect();
        let name = name.trim_end_matches(['.', '-']);
        if !name.is_empty() {
            let key = lyceum_core::user::username_key(name);
            if !out.contains(&key) {
                out.push(key);
            }
        }
        if out.len() >= MENTIONS_MAX {
            break;
        }
    }
    out
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// `@name` in the text of sanitised HTML (not in tags, links or code) as a link to the
/// member's public page. Only names of real members are replaced, with our own markup.
pub fn link_mentions(html: &str, members: &[(UserId, String)]) -> String {
    if members.is_empty() || !html.contains('@') {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut skip_depth = 0usize;
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < html.len() {
        if bytes[i] == b'<' {
            let end = html[i..].find('>').map_or(html.len(), |e| i + e + 1);
            let tag = &html[i..end];
            let lower = tag.to_ascii_lowercase();
            if lower.starts_with("<a ")
                || lower.starts_with("<a>")
                || lower.starts_with("<code")
                || lower.starts_with("<pre")
            {
                skip_depth += 1;
            } else if (lower.starts_with("</a")
                || lower.starts_with("</code")
                || lower.starts_with("</pre"))
                && skip_depth > 0
            {
                skip_depth -= 1;
            }
            out.push_str(tag);
            i = end;
            continue;
        }
        let ch = html[i..].chars().next().unwrap_or(' ');
        if ch == '@' && skip_depth == 0 {
            let before = html[..i].chars().next_back();
            if !before.is_some_and(|c| c.is_alphanumeric()) {
                let name: String = html[i + 1..]
                    .chars()
                    .take_while(|&c| is_name_char(c))
                    .collect();
                let name = name.trim_end_matches(['.', '-']);
                let key = lyceum_core::user::username_key(name);
                if let Some((_, username)) = members
                    .iter()
                    .find(|(_, u)| lyceum_core::user::username_key(u) == key)
                {
                    // Name characters only: nothing in it is markup.
                    let href = url_path_segment(username);
                    out.push_str(&format!(
                        "<a class=\"lyceum-mention\" href=\"/people/{href}\">@{name}</a>"
                    ));
                    i += 1 + name.len();
                    continue;
                }
            }
        }
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn url_path_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a new post by the actor waits for review: the course holds first posts, the
/// account is not trusted, and nothing of theirs is visible in the course yet.
async fn held(db: &mut impl Db, here: &Here<'_>, m: &Member, trusted: bool) -> Result<bool> {
    if m.moderates || trusted {
        return Ok(false);
    }
    if !discussion_settings::settings(db, here.course.id)
        .await?
        .hold_first_posts
    {
        return Ok(false);
    }
    Ok(!repo::has_visible_post(db, here.course.id, m.user).await?)
}

fn thread_link(here: &Here<'_>, thread: i64, post: Option<i64>) -> String {
    thread_link_of(here.key, thread, post)
}

fn thread_link_of(course_key: &str, thread: i64, post: Option<i64>) -> String {
    match post {
        Some(p) => format!("/courses/{course_key}/discussion/threads/{thread}#post-{p}"),
        None => format!("/courses/{course_key}/discussion/threads/{thread}"),
    }
}

/// Tell a thread's followers, but `skip`, of its new reply `post` — once per thread
/// until they have seen it: who has an unread notice of the thread's replies is not told
/// again (it already leads them to the first reply they have not seen).
pub(crate) async fn tell_followers(
    db: &mut impl Db,
    course: (CourseId, &str),
    thread: i64,
    post: i64,
    title: &str,
    skip: &[UserId],
    now: i64,
) -> Result<()> {
    let (course_id, key) = course;
    let told: Vec<UserId> = repo::followers(db, thread)
        .await?
        .into_iter()
        .filter(|u| !skip.contains(u))
        .collect();
    let page = thread_link_of(key, thread, None);
    notifications::notify_many_once(
        db,
        &told,
        Some(course_id),
        "discussion-reply",
        &thread_link_of(key, thread, Some(post)),
        title,
        now,
        &format!("{page}#"),
    )
    .await?;
    Ok(())
}

/// Tell the members mentioned (not the author, not those told otherwise already).
async fn notify_all(
    db: &mut impl Db,
    here: &Here<'_>,
    users: &[UserId],
    kind: &str,
    link: &str,
    subject: &str,
    now: i64,
) -> Result<()> {
    notifications::notify_many(db, users, Some(here.course.id), kind, link, subject, now).await?;
    Ok(())
}

/// Start a thread in a topic the actor can see.
pub async fn create_thread(env: &Env, here: &Here<'_>, input: &NewThreadIn<'_>) -> Result<Created> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let m = writer(&mut tx, here, now).await?;
    let kind = match input.kind {
        "question" | "discussion" => input.kind,
        _ => {
            return Err(Error::invalid(DomainError::new(
                "lyceum-discussion-error-kind",
            )));
        }
    };
    let title = text_in(
        input.title,
        TITLE_MAX_CHARS,
        "lyceum-discussion-error-title",
    )?;
    let body = text_in(input.body, BODY_MAX_CHARS, "lyceum-discussion-error-body")?;
    let topics = all_topics(&mut tx, &here.course).await?;
    let topic = if input.topic.trim().is_empty() {
        topics
            .first()
            .map(|t| t.key.clone())
            .unwrap_or_else(|| GENERAL.to_owned())
    } else {
        topics
            .iter()
            .find(|t| t.key == input.topic)
            .map(|t| t.key.clone())
            .ok_or_else(|| Error::invalid(DomainError::new("lyceum-discussion-error-topic")))?
    };
    if input.anonymous
        && !discussion_settings::settings(&mut tx, here.course.id)
            .await?
            .allow_anonymous
    {
        return Err(Error::invalid(DomainError::new(
            "lyceum-discussion-error-anonymous",
        )));
    }
    crate::trust::check_rate(&mut tx, now, &here.course.actor, Creation::Post).await?;
    let actor = crate::trust::effective(&mut tx, now, &here.course.actor).await?;
    let mentioned = repo::members_named(&mut tx, here.course.id, &mentions_in(&body)).await?;
    let html = render(&body, actor.trusted, &mentioned)?;
    let is_held = held(&mut tx, here, &m, actor.trusted).await?;
    let (thread, post) = repo::create_thread(
        &mut tx,
        &repo::NewThread {
            course: here.course.id,
            topic_key: &topic,
            kind,
            title: &title,
            author: m.user,
            anonymous: input.anonymous,
            body: &body,
            html: &html,
            held: is_held,
            now,
        },
    )
    .await?;
    if !is_held {
        let told: Vec<UserId> = mentioned
            .iter()
            .map(|(u, _)| *u)
            .filter(|&u| u != m.user)
            .collect();
        let link = thread_link(here, thread, None);
        notify_all(
            &mut tx,
            here,
            &told,
            "discussion-mention",
            &link,
            &title,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Created {
        thread,
        post,
        held: is_held,
    })
}

/// The thread `id` of this course if the member can see it.
async fn visible_thread(
    db: &mut impl Db,
    here: &Here<'_>,
    m: &Member,
    id: i64,
) -> Result<ThreadRow> {
    repo::thread(db, &m.viewer(), id)
        .await?
        .filter(|t| t.course_id == here.course.id.0)
        .ok_or_else(Error::not_found)
}

/// The post `id` of this course if the member can see it (and its thread).
async fn visible_post(
    db: &mut impl Db,
    here: &Here<'_>,
    m: &Member,
    id: i64,
) -> Result<(PostRow, ThreadRow)> {
    let p = repo::post(db, &m.viewer(), id)
        .await?
        .ok_or_else(Error::not_found)?;
    let t = visible_thread(db, here, m, p.thread_id).await?;
    Ok((p, t))
}

/// Reply to a thread, or comment on a reply (`parent`).
pub async fn reply(
    env: &Env,
    here: &Here<'_>,
    thread: i64,
    body: &str,
    parent: Option<i64>,
    anonymous: bool,
) -> Result<Created> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let m = writer(&mut tx, here, now).await?;
    let t = visible_thread(&mut tx, here, &m, thread).await?;
    if t.closed_at.is_some() && !m.moderates {
        return Err(Error::conflict("lyceum-discussion-error-closed"));
    }
    let body = text_in(body, BODY_MAX_CHARS, "lyceum-discussion-error-body")?;
    if let Some(parent) = parent {
        let p = repo::post(&mut tx, &m.viewer(), parent).await?;
        if !p.is_some_and(|p| p.thread_id == thread && p.depth == 1) {
            return Err(Error::invalid(DomainError::new(
                "lyceum-discussion-error-parent",
            )));
        }
    }
    if anonymous
        && !discussion_settings::settings(&mut tx, here.course.id)
            .await?
            .allow_anonymous
    {
        return Err(Error::invalid(DomainError::new(
            "lyceum-discussion-error-anonymous",
        )));
    }
    crate::trust::check_rate(&mut tx, now, &here.course.actor, Creation::Post).await?;
    let actor = crate::trust::effective(&mut tx, now, &here.course.actor).await?;
    let mentioned = repo::members_named(&mut tx, here.course.id, &mentions_in(&body)).await?;
    let html = render(&body, actor.trusted, &mentioned)?;
    let is_held = held(&mut tx, here, &m, actor.trusted).await?;
    let post = repo::reply(
        &mut tx,
        &repo::NewPost {
            course: here.course.id,
            thread,
            parent,
            author: m.user,
            anonymous,
            body: &body,
            html: &html,
            held: is_held,
            now,
        },
    )
    .await?;
    if !is_held {
        // A mention is personal: those mentioned are told so, even when an unread notice
        // of the thread's replies would keep them from being told of this reply.
        let mut told: Vec<UserId> = mentioned
            .iter()
            .map(|(u, _)| *u)
            .filter(|u| *u != m.user)
            .collect();
        let link = thread_link(here, thread, Some(post));
        notify_all(
            &mut tx,
            here,
            &told,
            "discussion-mention",
            &link,
            &t.title,
            now,
        )
        .await?;
        told.push(m.user);
        tell_followers(
            &mut tx,
            (here.course.id, here.key),
            thread,
            post,
            &t.title,
            &told,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Created {
        thread,
        post,
        held: is_held,
    })
}

/// Edit a post: its author, or those who moderate with a reason (shown with the post).
/// An opening post's thread title may change with it.
pub async fn edit_post(
    env: &Env,
    here: &Here<'_>,
    post: i64,
    body: &str,
    title: Option<&str>,
    reason: &str,
) -> Result<()> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let m = writer(&mut tx, here, now).await?;
    let (p, t) = visible_post(&mut tx, here, &m, post).await?;
    let own = p.author_id == Some(m.user.0);
    if p.deleted_at.is_some() {
        return Err(Error::not_found());
    }
    if !own && !m.moderates {
        return Err(Error::forbidden("lyceum-discussion-error-not-yours"));
    }
    let reason = reason.trim();
    if !own && reason.is_empty() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-discussion-error-reason",
        )));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(Error::invalid(
            DomainError::new("lyceum-discussion-error-too-long")
                .with_arg(REASON_MAX_CHARS.to_string()),
        ));
    }
    let body = text_in(body, BODY_MAX_CHARS, "lyceum-discussion-error-body")?;
    let title = match title.filter(|_| p.depth == 0) {
        Some(t) => Some(text_in(
            t,
            TITLE_MAX_CHARS,
            "lyceum-discussion-error-title",
        )?),
        None => None,
    };
    // Links follow the author's trust, not the editor's.
    let trusted = if own {
        crate::trust::effective(&mut tx, now, &here.course.actor)
            .await?
            .trusted
    } else {
        m.moderates
    };
    let mentioned = repo::members_named(&mut tx, here.course.id, &mentions_in(&body)).await?;
    let html = render(&body, trusted, &mentioned)?;
    repo::edit_post(
        &mut tx,
        &repo::Edit {
            post,
            body: &body,
            html: &html,
            title: title.as_deref(),
            by: m.user,
            reason: if own { "" } else { reason },
            now,
        },
    )
    .await?;
    if !own {
        let before = serde_json::json!({"author": p.author_id, "before": p.body, "title_before": (p.depth == 0).then_some(&t.title)});
        audit_staff(
            &mut tx,
            here,
            &m,
            "discussion.post.edit",
            ("post", post),
            &t.title,
            reason,
            before,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The author deletes their own post (softly: moderators can still see and restore it).
/// An opening post takes its thread with it.
pub async fn delete_own_post(env: &Env, here: &Here<'_>, post: i64) -> Result<i64> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let m = member(here)?;
    let (p, t) = visible_post(&mut tx, here, &m, post).await?;
    if p.author_id != Some(m.user.0) || p.deleted_at.is_some() {
        return Err(Error::forbidden("lyceum-discussion-error-not-yours"));
    }
    repo::delete_post(&mut tx, post, m.user, now).await?;
    tx.commit().await?;
    Ok(t.id)
}

/// Vote for a post or take the vote back: (voted now, its count).
pub async fn vote(env: &Env, here: &Here<'_>, post: i64) -> Result<(bool, i64)> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let m = writer(&mut tx, here, now).await?;
    let (p, _) = visible_post(&mut tx, here, &m, post).await?;
    if p.deleted_at.is_some() {
        return Err(Error::not_found());
    }
    let out = repo::toggle_vote(&mut tx, post, m.user, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// Mark a reply as the question's answer, or unmark it when it is: the asker or those who
/// moderate. The answer's author is told.
pub async fn mark_answer(env: &Env, here: &Here<'_>, post: i64) -> Result<bool> {
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let m = writer(&mut tx, here, now).await?;
    let (p, t) = visible_post(&mut tx, here, &m, post).await?;
    if t.author_id != Some(m.user.0) && !m.moderates {
        return Err(Error::forbidden("lyceum-discussion-error-not-asker"));
    }
    if t.kind != "question" || p.depth != 1 || p.deleted_at.is_some() {
        return Err(Error::invalid(DomainError::new(
            "lyceum-discussion-error-not-answerable",
        )));
    }
    let marked = t.answer_post_id != Some(post);
    repo::set_answer(&mut tx, t.id, marked.then_some(post)).await?;
    if marked && let Some(a) = p.author_id.filter(|&a| a != m.user.0) {
        let link = thread_link(here, t.id, Some(post));
        notify_all(
            &mut tx,
            here,
            &[UserId(a)],
            "discussion-answer",
            &link,
            &t.title,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(marked)
}

/// Follow the thread (of a post) or stop: whether the actor follows it now.
pub async fn follow(env: &Env, here: &Here<'_>, thread: i64) -> Result<bool> {
    let m = member(here)?;
    let mut tx = env.store.begin().await?;
    visible_thread(&mut tx, here, &m, thread).await?;
    let now = repo::toggle_follow(&mut tx, thread, m.user, env.now_ms()).await?;
    tx.commit().await?;
    Ok(now)
}

/// The thread a post of this course is in, if the actor can see it.
pub async fn thread_of_post(env: &Env, here: &Here<'_>, post: i64) -> Result<i64> {
    let m = member(here)?;
    let mut c = env.store.conn().await?;
    Ok(visible_post(&mut c, here, &m, post).await?.1.id)
}

/// Pin a thread at the top of its lists, or unpin it (those who moderate).
pub async fn pin(env: &Env, here: &Here<'_>, thread: i64, pinned: bool) -> Result<()> {
    change_thread(env, here, thread, ThreadChange::Pin(pinned)).await
}

/// Close a thread to new replies, with the reason shown on it.
pub async fn close(env: &Env, here: &Here<'_>, thread: i64, reason: &str) -> Result<()> {
    moderator(here)?;
    let reason = text_in(reason, REASON_MAX_CHARS, "lyceum-discussion-error-reason")?;
    change_thread(env, here, thread, ThreadChange::Close(&reason)).await
}

pub async fn reopen(env: &Env, here: &Here<'_>, thread: i64) -> Result<()> {
    change_thread(env, here, thread, ThreadChange::Reopen).await
}

enum ThreadChange<'a> {
    Pin(bool),
    Close(&'a str),
    Reopen,
}

/// A staff change to a thread, with its audit row. Closing is the moderation queue's
/// "lock" by another door, so it writes the same audit line. A change that changes
/// nothing (pinning a pinned thread, reopening an open one) records nothing.
async fn change_thread(
    env: &Env,
    here: &Here<'_>,
    thread: i64,
    change: ThreadChange<'_>,
) -> Result<()> {
    let m = moderator(here)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let t = visible_thread(&mut tx, here, &m, thread).await?;
    let (action, reason) = match change {
        ThreadChange::Pin(pinned) => {
            if t.pinned_at.is_some() == pinned {
                return Ok(());
            }
            repo::set_pinned(&mut tx, thread, pinned, now).await?;
            let action = if pinned {
                "discussion.thread.pin"
            } else {
                "discussion.thread.unpin"
            };
            (action, "")
        }
        ThreadChange::Close(reason) => {
            repo::set_closed(&mut tx, thread, Some((m.user, reason)), now).await?;
            ("discussion.thread.lock", reason)
        }
        ThreadChange::Reopen => {
            if t.closed_at.is_none() {
                return Ok(());
            }
            repo::set_closed(&mut tx, thread, None, now).await?;
            ("discussion.thread.unlock", "")
        }
    };
    let target = ("thread", thread);
    let none = serde_json::Value::Null;
    audit_staff(
        &mut tx, here, &m, action, target, &t.title, reason, none, now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Markdown as it would be shown (the preview of the form), without saving anything.
pub fn preview(here: &Here<'_>, body: &str) -> Result<String> {
    member(here)?;
    let body = text_in(body, BODY_MAX_CHARS, "lyceum-discussion-error-body")?;
    with_links(Links::of(here.course.actor.trusted), || {
        try_markdown_to_html(&body)
    })
    .map_err(Error::invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_names_after_an_at_not_addresses() {
        assert_eq!(
            mentions_in("hi @Ana and @bo_b. mail x@y.org"),
            vec!["ana", "bo_b"]
        );
        assert_eq!(mentions_in("@سارة مرحبا"), vec!["سارة"]);
        assert!(mentions_in("no one").is_empty());
    }

    #[test]
    fn mention_links_only_members_and_only_in_text() {
        let members = vec![(UserId(1), "Ana".to_owned())];
        let html = "<p>hi @Ana, <a href=\"https://x.org/@Ana\">@Ana</a> <code>@Ana</code> @Bob</p>";
        let out = link_mentions(html, &members);
        assert_eq!(
            out,
            "<p>hi <a class=\"lyceum-mention\" href=\"/people/Ana\">@Ana</a>, <a href=\"https://x.org/@Ana\">@Ana</a> <code>@Ana</code> @Bob</p>"
        );
    }
}
