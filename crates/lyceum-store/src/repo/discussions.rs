//! Course discussions (issue 15): course-wide topics, threads and their posts (the
//! opening post, replies, comments on replies), votes, follows, read marks, answers, pins,
//! closing, and search. Counts (`reply_count`, `vote_count`) are kept on the rows by every
//! write here, and the search index is written in the same transaction as the post.
//!
//! What a reader sees is decided by [`Viewer`]: those who moderate see everything (hidden,
//! deleted and held rows, flagged as such); everyone else sees neither hidden nor deleted
//! rows, and held rows only when they are their own. A deleted or hidden reply goes with
//! its comments for them (no placeholder: a gap reads better on a phone than a tombstone,
//! and a comment without its reply misleads).

use crate::Result;
use crate::db::{Backend, Db, page_bounds, q, q_built, row};
use lyceum_core::{CourseId, UserId};

/// Who reads, for what they may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub user: Option<UserId>,
    /// Moderates the course's discussions: sees hidden, deleted and held rows.
    pub moderates: bool,
}

impl Viewer {
    /// The viewer's id as the statements' second parameter (0: nobody).
    fn bind(&self, q: crate::db::Query) -> crate::db::Query {
        q.bind(self.user.map_or(0, |u| u.0))
    }
}
/// What of a table aliased `a` (a thread or a post) `v` may see, as SQL. The viewer's id
/// is always the statement's second parameter (`$2`, bound by [`Viewer::bind`]), so the
/// text is the same for everyone and each statement is prepared once, not per person.
fn visible(v: &Viewer, a: &str) -> String {
    if v.moderates {
        format!("(TRUE OR {a}.author_id = $2)")
    } else {
        format!(
            "({a}.hidden_at IS NULL AND {a}.deleted_at IS NULL AND ({a}.held_at IS NULL OR {a}.author_id = $2))"
        )
    }
}

// ---------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------

row! {
    pub struct TopicRow {
        pub id: i64,
        pub topic_key: String,
        pub name: String,
        pub position: i64,
    }
}

/// A course's course-wide topics, in their order.
pub async fn topics(db: &mut impl Db, course: CourseId) -> Result<Vec<TopicRow>> {
    db.all(
        q("SELECT id, topic_key, name, position FROM discussion_topics
           WHERE course_id = $1 ORDER BY position, id")
        .bind(course.0),
    )
    .await
}

/// Add a course-wide topic at the end; `None` when the key is taken.
pub async fn create_topic(
    db: &mut impl Db,
    course: CourseId,
    key: &str,
    name: &str,
    now: i64,
) -> Result<Option<i64>> {
    let rows: Vec<(i64,)> = db
        .all(
            q("INSERT INTO discussion_topics (course_id, topic_key, name, position, created_at)
               VALUES ($1, $2, $3,
                       (SELECT COALESCE(MAX(position), 0) + 1 FROM discussion_topics WHERE course_id = $1), $4)
               ON CONFLICT (course_id, topic_key) DO NOTHING RETURNING id")
            .bind(course.0)
            .bind(key)
            .bind(name)
            .bind(now),
        )
        .await?;
    Ok(rows.into_iter().next().map(|(id,)| id))
}

pub async fn rename_topic(db: &mut impl Db, course: CourseId, id: i64, name: &str) -> Result<bool> {
    Ok(db
        .exec(
            q("UPDATE discussion_topics SET name = $3 WHERE course_id = $1 AND id = $2")
                .bind(course.0)
                .bind(id)
                .bind(name),
        )
        .await?
        > 0)
}

/// Set the topics' order: `ids` first to last (ids of other courses are ignored).
pub async fn reorder_topics(db: &mut impl Db, course: CourseId, ids: &[i64]) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        db.exec(
            q("UPDATE discussion_topics SET position = $3 WHERE course_id = $1 AND id = $2")
                .bind(course.0)
                .bind(*id)
                .bind(i as i64 + 1),
        )
        .await?;
    }
    Ok(())
}

/// Delete a course-wide topic when no thread (of any state) is in it; false otherwise.
pub async fn delete_topic_if_empty(db: &mut impl Db, course: CourseId, id: i64) -> Result<bool> {
    Ok(db
        .exec(
            q("DELETE FROM discussion_topics WHERE course_id = $1 AND id = $2
               AND NOT EXISTS (SELECT 1 FROM discussion_threads t
                               WHERE t.course_id = $1 AND t.topic_key = discussion_topics.topic_key)")
            .bind(course.0)
            .bind(id),
        )
        .await?
        > 0)
}

/// Threads per topic key that `viewer` may see.
pub async fn counts_by_topic(
    db: &mut impl Db,
    course: CourseId,
    viewer: &Viewer,
) -> Result<Vec<(String, i64)>> {
    let sql = format!(
        "SELECT t.topic_key, COUNT(*) AS n FROM discussion_threads t
         WHERE t.course_id = $1 AND {} GROUP BY t.topic_key",
        visible(viewer, "t")
    );
    db.all(viewer.bind(q_built(sql).bind(course.0))).await
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

pub struct NewThread<'a> {
    pub course: CourseId,
    pub topic_key: &'a str,
    /// `question` or `discussion`.
    pub kind: &'a str,
    pub title: &'a str,
    pub author: UserId,
    pub anonymous: bool,
    pub body: &'a str,
    pub html: &'a str,
    /// Held for review (a first post where the course holds them).
    pub held: bool,
    pub now: i64,
}

/// Create a thread with its opening post; the author follows it. Returns (thread, post).
pub async fn create_thread(db: &mut impl Db, t: &NewThread<'_>) -> Result<(i64, i64)> {
    let held = t.held.then_some(t.now);
    let thread: i64 = db
        .scalar(
            q("INSERT INTO discussion_threads (course_id, topic_key, kind, title, author_id, anonymous,
                   last_activity_at, created_at, held_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id")
            .bind(t.course.0)
            .bind(t.topic_key)
            .bind(t.kind)
            .bind(t.title)
            .bind(t.author.0)
            .bind(t.anonymous)
            .bind(t.now)
            .bind(held),
        )
        .await?;
    let post: i64 = db
        .scalar(
            q("INSERT INTO discussion_posts (thread_id, course_id, parent_id, depth, author_id, anonymous,
                   body, html, created_at, held_at)
               VALUES ($1, $2, NULL, 0, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(thread)
            .bind(t.course.0)
            .bind(t.author.0)
            .bind(t.anonymous)
            .bind(t.body)
            .bind(t.html)
            .bind(t.now)
            .bind(held),
        )
        .await?;
    index_post(db, t.course, post, t.title, t.body).await?;
    set_follow(db, thread, t.author, true, t.now).await?;
    Ok((thread, post))
}

row! {
    /// A thread as lists and its page show it, with the viewer's marks.
    pub struct ThreadRow {
        pub id: i64,
        pub course_id: i64,
        pub topic_key: String,
        pub kind: String,
        pub title: String,
        pub author_id: Option<i64>,
        pub author_username: Option<String>,
        pub author_name: Option<String>,
        pub anonymous: bool,
        pub pinned_at: Option<i64>,
        pub closed_at: Option<i64>,
        pub close_reason: String,
        pub answer_post_id: Option<i64>,
        pub reply_count: i64,
        pub vote_count: i64,
        pub last_activity_at: i64,
        pub created_at: i64,
        pub hidden_at: Option<i64>,
        pub hidden_reason: String,
        pub deleted_at: Option<i64>,
        pub held_at: Option<i64>,
        pub following: bool,
        pub unread: bool,
    }
}

const THREAD_COLUMNS: &str = "t.id, t.course_id, t.topic_key, t.kind, t.title, t.author_id,
    u.username AS author_username, u.display_name AS author_name, t.anonymous, t.pinned_at,
    t.closed_at, t.close_reason, t.answer_post_id, t.reply_count, t.vote_count,
    t.last_activity_at, t.created_at, t.hidden_at, t.hidden_reason, t.deleted_at, t.held_at,
    EXISTS (SELECT 1 FROM discussion_follows f WHERE f.thread_id = t.id AND f.user_id = $2) AS following,
    NOT EXISTS (SELECT 1 FROM discussion_reads r WHERE r.thread_id = t.id AND r.user_id = $2
                AND r.read_at >= t.last_activity_at) AS unread";

/// Which threads a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    /// Questions without a marked answer.
    Unanswered,
    Unread,
    Following,
    /// The viewer's own threads.
    Mine,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Pinned first, then the latest activity.
    #[default]
    Recent,
    /// Pinned first, then the most votes.
    Votes,
}

pub struct ThreadQuery<'a> {
    pub course: CourseId,
    pub topic: Option<&'a str>,
    /// Words to search for (any language); empty: no search.
    pub words: &'a str,
    pub filter: Filter,
    pub sort: Sort,
    pub offset: i64,
    pub limit: i64,
}

/// A page of threads `viewer` may see. One statement, whatever the filters.
pub async fn threads(
    db: &mut impl Db,
    viewer: &Viewer,
    tq: &ThreadQuery<'_>,
) -> Result<Vec<ThreadRow>> {
    // The page is chosen first (an index gives the order) and only its rows are then
    // joined to their authors and to the viewer's follow and read marks: the cost is the
    // page's, not the topic's.
    let mut sql = format!(
        "SELECT t.* FROM discussion_threads t WHERE t.course_id = $1 AND {}",
        visible(viewer, "t")
    );
    let mut n = 2;
    let mut binds: Vec<String> = Vec::new();
    if let Some(topic) = tq.topic {
        n += 1;
        sql.push_str(&format!(" AND t.topic_key = ${n}"));
        binds.push(topic.to_owned());
    }
    match tq.filter {
        Filter::All => {}
        Filter::Unanswered => {
            sql.push_str(" AND t.kind = 'question' AND t.answer_post_id IS NULL AND t.closed_at IS NULL")
        }
        Filter::Unread => sql.push_str(
            " AND NOT EXISTS (SELECT 1 FROM discussion_reads r WHERE r.thread_id = t.id
               AND r.user_id = $2 AND r.read_at >= t.last_activity_at)",
        ),
        Filter::Following => sql.push_str(
            " AND EXISTS (SELECT 1 FROM discussion_follows f WHERE f.thread_id = t.id AND f.user_id = $2)",
        ),
        Filter::Mine => sql.push_str(" AND t.author_id = $2"),
    }
    let search = search_query(db.backend(), tq.words);
    match search {
        Search::None => {}
        Search::Nothing => return Ok(Vec::new()),
        Search::Match(m) => {
            n += 1;
            let posts_visible = visible(viewer, "p");
            let matching = match db.backend() {
                Backend::Sqlite => format!(
                    "SELECT rowid FROM discussion_search WHERE discussion_search MATCH ${n}"
                ),
                Backend::Postgres => format!(
                    "SELECT s.post_id FROM discussion_search s WHERE s.course_id = $1
                     AND s.doc @@ plainto_tsquery('simple', ${n})"
                ),
            };
            sql.push_str(&format!(
                " AND t.id IN (SELECT p.thread_id FROM discussion_posts p WHERE p.course_id = $1
                   AND p.id IN ({matching}) AND {posts_visible})"
            ));
            binds.push(m);
        }
    }
    let order = match tq.sort {
        Sort::Recent => " ORDER BY (t.pinned_at IS NULL), t.last_activity_at DESC, t.id DESC",
        Sort::Votes => {
            " ORDER BY (t.pinned_at IS NULL), t.vote_count DESC, t.last_activity_at DESC, t.id DESC"
        }
    };
    sql.push_str(order);
    sql.push_str(&page_bounds(tq.limit, tq.offset));
    let sql = format!(
        "SELECT {THREAD_COLUMNS} FROM ({sql}) t LEFT JOIN users u ON u.id = t.author_id{order}"
    );
    let mut query = viewer.bind(q_built(sql).bind(tq.course.0));
    for b in binds {
        query = query.bind(b);
    }
    db.all(query).await
}

/// One thread as `viewer` may see it.
pub async fn thread(db: &mut impl Db, viewer: &Viewer, id: i64) -> Result<Option<ThreadRow>> {
    let sql = format!(
        "SELECT {} FROM discussion_threads t LEFT JOIN users u ON u.id = t.author_id
         WHERE t.id = $1 AND {}",
        THREAD_COLUMNS,
        visible(viewer, "t")
    );
    db.optional(viewer.bind(q_built(sql).bind(id))).await
}

/// The key of the course a thread is in (whatever the thread's state): where a request
/// for it goes.
pub async fn course_key_of_thread(db: &mut impl Db, id: i64) -> Result<Option<String>> {
    let rows: Vec<(String,)> = db
        .all(
            q(
                "SELECT c.course_key FROM discussion_threads t JOIN courses c ON c.id = t.course_id
               WHERE t.id = $1",
            )
            .bind(id),
        )
        .await?;
    Ok(rows.into_iter().next().map(|(k,)| k))
}

/// The thread a post is in, and its course's key.
pub async fn thread_and_course_key_of_post(
    db: &mut impl Db,
    post: i64,
) -> Result<Option<(i64, String)>> {
    let rows: Vec<(i64, String)> = db
        .all(
            q("SELECT p.thread_id, c.course_key FROM discussion_posts p
               JOIN courses c ON c.id = p.course_id WHERE p.id = $1")
            .bind(post),
        )
        .await?;
    Ok(rows.into_iter().next())
}

/// Recount a thread's visible replies and comments (after a write that changed which
/// are visible: a delete, a held post approved).
pub async fn recount(db: &mut impl Db, thread: i64) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET reply_count = (
               SELECT COUNT(*) FROM discussion_posts p WHERE p.thread_id = $1 AND p.depth > 0
               AND p.hidden_at IS NULL AND p.deleted_at IS NULL AND p.held_at IS NULL)
           WHERE id = $1")
        .bind(thread),
    )
    .await?;
    Ok(())
}

pub async fn set_pinned(db: &mut impl Db, thread: i64, pinned: bool, now: i64) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET pinned_at = $2 WHERE id = $1")
            .bind(thread)
            .bind(pinned.then_some(now)),
    )
    .await?;
    Ok(())
}

/// Close a thread (no new replies) with the reason shown, or reopen it (`None`).
pub async fn set_closed(
    db: &mut impl Db,
    thread: i64,
    closed: Option<(UserId, &str)>,
    now: i64,
) -> Result<()> {
    match closed {
        Some((by, reason)) => db.exec(
            q("UPDATE discussion_threads SET closed_at = $2, closed_by = $3, close_reason = $4 WHERE id = $1")
                .bind(thread)
                .bind(now)
                .bind(by.0)
                .bind(reason),
        ),
        None => db.exec(
            q("UPDATE discussion_threads SET closed_at = NULL, closed_by = NULL, close_reason = '' WHERE id = $1")
                .bind(thread),
        ),
    }
    .await?;
    Ok(())
}

/// Mark `post` the thread's answer, or none.
pub async fn set_answer(db: &mut impl Db, thread: i64, post: Option<i64>) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET answer_post_id = $2 WHERE id = $1")
            .bind(thread)
            .bind(post),
    )
    .await?;
    Ok(())
}

pub async fn set_title(db: &mut impl Db, thread: i64, title: &str) -> Result<()> {
    db.exec(
        q("UPDATE discussion_threads SET title = $2 WHERE id = $1")
            .bind(thread)
            .bind(title),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Posts
// ---------------------------------------------------------------------------------------

pub struct NewPost<'a> {
    pub course: CourseId,
    pub thread: i64,
    /// The reply a comment is on (depth 2); `None`: a reply (depth 1).
    pub parent: Option<i64>,
    pub author: UserId,
    pub anonymous: bool,
    pub body: &'a str,
    pub html: &'a str,
    pub held: bool,
    pub now: i64,
}

/// Add a reply or a comment; the thread's activity and count move unless it is held, and
/// the author follows the thread.
pub async fn reply(db: &mut impl Db, p: &NewPost<'_>) -> Result<i64> {
    let held = p.held.then_some(p.now);
    let id: i64 = db
        .scalar(
            q("INSERT INTO discussion_posts (thread_id, course_id, parent_id, depth, author_id, anonymous,
                   body, html, created_at, held_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(p.thread)
            .bind(p.course.0)
            .bind(p.parent)
            .bind(if p.parent.is_some() { 2_i64 } else { 1 })
            .bind(p.author.0)
            .bind(p.anonymous)
            .bind(p.body)
            .bind(p.html)
            .bind(p.now)
            .bind(held),
        )
        .await?;
    if !p.held {
        db.exec(
            q("UPDATE discussion_threads SET reply_count = reply_count + 1, last_activity_at = $2 WHERE id = $1")
                .bind(p.thread)
                .bind(p.now),
        )
        .await?;
    }
    index_post(db, p.course, id, "", p.body).await?;
    set_follow(db, p.thread, p.author, true, p.now).await?;
    Ok(id)
}

row! {
    /// A post as a thread page shows it, with the viewer's vote.
    pub struct PostRow {
        pub id: i64,
        pub thread_id: i64,
        pub parent_id: Option<i64>,
        pub depth: i64,
        pub author_id: Option<i64>,
        pub author_username: Option<String>,
        pub author_name: Option<String>,
        pub anonymous: bool,
        pub body: String,
        pub html: String,
        pub vote_count: i64,
        pub created_at: i64,
        pub edited_at: Option<i64>,
        pub edited_by: Option<i64>,
        pub edit_reason: String,
        pub hidden_at: Option<i64>,
        pub hidden_reason: String,
        pub deleted_at: Option<i64>,
        pub held_at: Option<i64>,
        pub voted: bool,
    }
}

const POST_COLUMNS: &str = "p.id, p.thread_id, p.parent_id, p.depth, p.author_id,
    u.username AS author_username, u.display_name AS author_name, p.anonymous, p.body, p.html,
    p.vote_count, p.created_at, p.edited_at, p.edited_by, p.edit_reason, p.hidden_at,
    p.hidden_reason, p.deleted_at, p.held_at,
    EXISTS (SELECT 1 FROM discussion_votes v WHERE v.post_id = p.id AND v.user_id = $2) AS voted";

/// One post (whatever its depth) as `viewer` may see it.
pub async fn post(db: &mut impl Db, viewer: &Viewer, id: i64) -> Result<Option<PostRow>> {
    let sql = format!(
        "SELECT {} FROM discussion_posts p LEFT JOIN users u ON u.id = p.author_id
         WHERE p.id = $1 AND {}",
        POST_COLUMNS,
        visible(viewer, "p")
    );
    db.optional(viewer.bind(q_built(sql).bind(id))).await
}

/// A thread's opening post, a page of its replies (oldest first; the answer first when
/// `answer_first`), and every comment on those replies — in one statement.
pub async fn posts_page(
    db: &mut impl Db,
    viewer: &Viewer,
    thread: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<PostRow>> {
    let vis = visible(viewer, "p");
    let vis_r = visible(viewer, "r");
    let page = format!(
        "SELECT r.id FROM discussion_posts r WHERE r.thread_id = $1 AND r.depth = 1 AND {vis_r}
         ORDER BY r.created_at, r.id LIMIT $3 OFFSET $4"
    );
    let sql = format!(
        "SELECT {} FROM discussion_posts p LEFT JOIN users u ON u.id = p.author_id
         WHERE p.thread_id = $1 AND {vis} AND (p.depth = 0 OR p.id IN ({page}) OR p.parent_id IN ({page}))
         ORDER BY p.depth = 0 DESC, p.created_at, p.id",
        POST_COLUMNS
    );
    db.all(
        viewer
            .bind(q_built(sql).bind(thread))
            .bind(limit.max(0))
            .bind(offset.max(0)),
    )
    .await
}

row! {
    /// A person's own post, with its thread's title.
    pub struct MyPostRow {
        pub id: i64,
        pub thread_id: i64,
        pub title: String,
        pub depth: i64,
        pub body: String,
        pub created_at: i64,
        pub held_at: Option<i64>,
        pub hidden_at: Option<i64>,
    }
}

/// A person's own posts in a course (in any state but deleted), newest first.
pub async fn posts_by(
    db: &mut impl Db,
    course: CourseId,
    user: UserId,
    offset: i64,
    limit: i64,
) -> Result<Vec<MyPostRow>> {
    db.all(
        q("SELECT p.id, p.thread_id, t.title, p.depth, p.body, p.created_at, p.held_at, p.hidden_at
           FROM discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id
           WHERE p.author_id = $1 AND p.course_id = $2 AND p.deleted_at IS NULL AND t.deleted_at IS NULL
           ORDER BY p.created_at DESC, p.id DESC LIMIT $3 OFFSET $4")
        .bind(user.0)
        .bind(course.0)
        .bind(limit)
        .bind(offset),
    )
    .await
}

/// Whether `user` has a post in `course` that others can see (not held, hidden or
/// deleted): one who has is past "first posts wait for review".
pub async fn has_visible_post(db: &mut impl Db, course: CourseId, user: UserId) -> Result<bool> {
    db.scalar(
        q(
            "SELECT EXISTS (SELECT 1 FROM discussion_posts WHERE author_id = $1 AND course_id = $2
               AND held_at IS NULL AND hidden_at IS NULL AND deleted_at IS NULL)",
        )
        .bind(user.0)
        .bind(course.0),
    )
    .await
}

/// Replace a post's text (and for an opening post, its thread's title); `by` and the
/// reason are shown when someone else edited it.
pub struct Edit<'a> {
    pub post: i64,
    pub body: &'a str,
    pub html: &'a str,
    /// The thread's new title (opening posts only).
    pub title: Option<&'a str>,
    pub by: UserId,
    pub reason: &'a str,
    pub now: i64,
}

pub async fn edit_post(db: &mut impl Db, e: &Edit<'_>) -> Result<()> {
    let thread: i64 = db
        .scalar(
            q("UPDATE discussion_posts SET body = $2, html = $3, edited_at = $4, edited_by = $5, edit_reason = $6
               WHERE id = $1 RETURNING thread_id")
            .bind(e.post)
            .bind(e.body)
            .bind(e.html)
            .bind(e.now)
            .bind(e.by.0)
            .bind(e.reason),
        )
        .await?;
    if let Some(t) = e.title {
        set_title(db, thread, t).await?;
    }
    reindex_post(db, e.post).await
}

/// Delete a post softly (kept, restorable by moderators). An opening post takes its thread
/// with it. The post leaves the search index.
pub async fn delete_post(db: &mut impl Db, post: i64, by: UserId, now: i64) -> Result<()> {
    let (thread, depth): (i64, i64) = db
        .one(
            q(
                "UPDATE discussion_posts SET deleted_at = $2, deleted_by = $3 WHERE id = $1
               RETURNING thread_id, depth",
            )
            .bind(post)
            .bind(now)
            .bind(by.0),
        )
        .await?;
    unindex_post(db, post).await?;
    if depth == 0 {
        db.exec(
            q("UPDATE discussion_threads SET deleted_at = $2, deleted_by = $3 WHERE id = $1")
                .bind(thread)
                .bind(now)
                .bind(by.0),
        )
        .await?;
    } else {
        db.exec(
            q("UPDATE discussion_threads SET answer_post_id = NULL WHERE id = $1 AND answer_post_id = $2")
                .bind(thread)
                .bind(post),
        )
        .await?;
        recount(db, thread).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Votes, follows, reads
// ---------------------------------------------------------------------------------------

/// Vote for a post, or take the vote back; returns (voted now, the post's count).
pub async fn toggle_vote(
    db: &mut impl Db,
    post: i64,
    user: UserId,
    now: i64,
) -> Result<(bool, i64)> {
    let added = db
        .exec(
            q(
                "INSERT INTO discussion_votes (post_id, user_id, created_at) VALUES ($1, $2, $3)
               ON CONFLICT (post_id, user_id) DO NOTHING",
            )
            .bind(post)
            .bind(user.0)
            .bind(now),
        )
        .await?
        > 0;
    if !added {
        db.exec(
            q("DELETE FROM discussion_votes WHERE post_id = $1 AND user_id = $2")
                .bind(post)
                .bind(user.0),
        )
        .await?;
    }
    let delta: i64 = if added { 1 } else { -1 };
    let (count, thread, depth): (i64, i64, i64) = db
        .one(
            q(
                "UPDATE discussion_posts SET vote_count = vote_count + $2 WHERE id = $1
               RETURNING vote_count, thread_id, depth",
            )
            .bind(post)
            .bind(delta),
        )
        .await?;
    if depth == 0 {
        db.exec(
            q("UPDATE discussion_threads SET vote_count = $2 WHERE id = $1")
                .bind(thread)
                .bind(count),
        )
        .await?;
    }
    Ok((added, count))
}

/// Follow a thread or stop following it.
pub async fn set_follow(
    db: &mut impl Db,
    thread: i64,
    user: UserId,
    follow: bool,
    now: i64,
) -> Result<()> {
    if follow {
        db.exec(
            q("INSERT INTO discussion_follows (thread_id, user_id, created_at) VALUES ($1, $2, $3)
               ON CONFLICT (thread_id, user_id) DO NOTHING")
            .bind(thread)
            .bind(user.0)
            .bind(now),
        )
        .await?;
    } else {
        db.exec(
            q("DELETE FROM discussion_follows WHERE thread_id = $1 AND user_id = $2")
                .bind(thread)
                .bind(user.0),
        )
        .await?;
    }
    Ok(())
}

/// Toggle following; returns whether the user follows the thread now.
pub async fn toggle_follow(db: &mut impl Db, thread: i64, user: UserId, now: i64) -> Result<bool> {
    let removed = db
        .exec(
            q("DELETE FROM discussion_follows WHERE thread_id = $1 AND user_id = $2")
                .bind(thread)
                .bind(user.0),
        )
        .await?
        > 0;
    if !removed {
        set_follow(db, thread, user, true, now).await?;
    }
    Ok(!removed)
}

/// Those following a thread (to tell of a reply).
pub async fn followers(db: &mut impl Db, thread: i64) -> Result<Vec<UserId>> {
    let rows: Vec<(i64,)> = db
        .all(
            q("SELECT user_id FROM discussion_follows WHERE thread_id = $1 ORDER BY user_id")
                .bind(thread),
        )
        .await?;
    Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
}

/// The person has read the thread as it is `now`.
pub async fn mark_read(db: &mut impl Db, thread: i64, user: UserId, now: i64) -> Result<()> {
    db.exec(
        q(
            "INSERT INTO discussion_reads (thread_id, user_id, read_at) VALUES ($1, $2, $3)
           ON CONFLICT (thread_id, user_id) DO UPDATE SET read_at = excluded.read_at",
        )
        .bind(thread)
        .bind(user.0)
        .bind(now),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Mentions
// ---------------------------------------------------------------------------------------

/// Of `usernames` (lower-cased keys), the members of the course (enrolled or on its team),
/// as (id, username).
pub async fn members_named(
    db: &mut impl Db,
    course: CourseId,
    keys: &[String],
) -> Result<Vec<(UserId, String)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // The names as one list parameter: the same statement however many are named.
    let sql = format!(
        "SELECT u.id, u.username FROM users u WHERE u.username_key IN ({})
         AND (EXISTS (SELECT 1 FROM enrollments e WHERE e.user_id = u.id AND e.course_id = $1 AND e.active)
              OR EXISTS (SELECT 1 FROM course_roles r WHERE r.user_id = u.id AND r.course_id = $1))",
        crate::db::list_rows(db.backend(), "$2", crate::db::Elem::Text)
    );
    let query = q_built(sql).bind(course.0).bind(crate::db::texts(keys));
    let rows: Vec<(i64, String)> = db.all(query).await?;
    Ok(rows.into_iter().map(|(i, n)| (UserId(i), n)).collect())
}

// ---------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------

enum Search {
    None,
    /// Words were given but none is a word: nothing matches.
    Nothing,
    Match(String),
}

/// The words of a query as the backend's search takes them. SQLite: every word a quoted
/// FTS5 string (quotes doubled), so no user text is ever FTS syntax; PostgreSQL:
/// `plainto_tsquery` takes the text as plain words.
fn search_query(backend: Backend, words: &str) -> Search {
    let ws: Vec<&str> = words
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .take(12)
        .collect();
    if words.trim().is_empty() {
        return Search::None;
    }
    if ws.is_empty() {
        return Search::Nothing;
    }
    match backend {
        Backend::Sqlite => Search::Match(
            ws.iter()
                .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Backend::Postgres => Search::Match(ws.join(" ")),
    }
}

async fn index_post(
    db: &mut impl Db,
    course: CourseId,
    post: i64,
    title: &str,
    body: &str,
) -> Result<()> {
    match db.backend() {
        Backend::Sqlite => {
            db.exec(
                q("INSERT INTO discussion_search (rowid, title, body) VALUES ($1, $2, $3)")
                    .bind(post)
                    .bind(title)
                    .bind(body),
            )
            .await?
        }
        Backend::Postgres => {
            db.exec(
                q("INSERT INTO discussion_search (post_id, course_id, doc)
                   VALUES ($1, $2, to_tsvector('simple', $3 || ' ' || $4))
                   ON CONFLICT (post_id) DO UPDATE SET doc = excluded.doc")
                .bind(post)
                .bind(course.0)
                .bind(title)
                .bind(body),
            )
            .await?
        }
    };
    Ok(())
}

async fn unindex_post(db: &mut impl Db, post: i64) -> Result<()> {
    match db.backend() {
        Backend::Sqlite => {
            db.exec(q("DELETE FROM discussion_search WHERE rowid = $1").bind(post))
                .await?
        }
        Backend::Postgres => {
            db.exec(q("DELETE FROM discussion_search WHERE post_id = $1").bind(post))
                .await?
        }
    };
    Ok(())
}

/// Put a post back in the search index (a moderator restored or approved it), with its
/// thread's title for an opening post.
pub async fn reindex_post(db: &mut impl Db, post: i64) -> Result<()> {
    let (course, body, title): (i64, String, String) = db
        .one(
            q("SELECT p.course_id, p.body, CASE WHEN p.depth = 0 THEN t.title ELSE '' END AS title
               FROM discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id WHERE p.id = $1")
            .bind(post),
        )
        .await?;
    unindex_post(db, post).await?;
    index_post(db, CourseId(course), post, &title, &body).await
}
