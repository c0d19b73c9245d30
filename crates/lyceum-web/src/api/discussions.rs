//! Course discussions over JSON (issue 15): a course's topics and threads, a thread with
//! its replies, starting a thread, replying, and voting, marking an answer and following.
//! The same use cases as the pages (`lyceum_app::discussions`); every read and write of a
//! course the caller is not a member of is 404.

use super::{json, time};
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use lyceum_app::discussions::{
    self as uc, Author, Filter, Here, ListQuery, PostView, Sort, ThreadSummary, Topic, TopicSource,
};
use lyceum_app::surveys::CourseRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/courses/{course_id}/discussions/topics",
            get(topics),
        )
        .route(
            "/api/v1/courses/{course_id}/discussions/threads",
            get(threads).post(create_thread),
        )
        .route("/api/v1/threads/{thread_id}", get(thread))
        .route("/api/v1/threads/{thread_id}/replies", post(reply))
        .route("/api/v1/threads/{thread_id}/read", post(read))
        .route("/api/v1/posts/{post_id}/vote", post(vote))
        .route("/api/v1/posts/{post_id}/answer", post(answer))
        .route("/api/v1/posts/{post_id}/follow", post(follow))
}

#[derive(OpenApi)]
#[openapi(
    paths(topics, threads, create_thread, thread, reply, read, vote, answer, follow),
    tags((name = "discussions", description = "Course discussions: topics, threads, replies, votes, answers"))
)]
pub struct DiscussionDoc;

/// The course as the discussion use cases take it.
pub fn here<'a>(cx: &Cx, course: &'a CourseCx) -> Here<'a> {
    Here {
        course: CourseRef {
            id: course.id(),
            tree: course.tree(),
            vis: &course.vis,
            facts: course.facts,
            actor: cx.actor(),
        },
        key: course.key(),
    }
}

/// The course a thread is in, loaded for the viewer (404 when there is none they may see).
pub async fn course_of_thread(cx: &Cx, thread: i64) -> AppResult<CourseCx> {
    let mut c = cx.app.store().conn().await?;
    let key = lyceum_store::repo::discussions::course_key_of_thread(&mut c, thread)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    courses::load(cx, &key).await
}

/// The course and thread a post is in.
pub async fn course_of_post(cx: &Cx, post: i64) -> AppResult<(CourseCx, i64)> {
    let mut c = cx.app.store().conn().await?;
    let (thread, key) =
        lyceum_store::repo::discussions::thread_and_course_key_of_post(&mut c, post)
            .await?
            .ok_or(AppError::NotFound)?;
    drop(c);
    Ok((courses::load(cx, &key).await?, thread))
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    b.map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))
}

#[derive(Serialize, ToSchema)]
pub struct TopicJson {
    /// The topic's key (what threads name as their `topic`).
    pub id: String,
    pub key: String,
    /// Its name (for the default course-wide topic, "General" in the caller's language).
    pub name: String,
    /// `course` (set by the team) or `unit` (a unit's discussion block).
    pub kind: String,
    /// The unit's title (unit topics).
    pub unit: Option<String>,
    /// The unit page (unit topics).
    pub unit_url: Option<String>,
    /// Threads the caller can see in it.
    pub threads: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TopicsJson {
    pub topics: Vec<TopicJson>,
}

pub fn topic_name(cx: &Cx, t: &Topic) -> String {
    if !t.name.is_empty() {
        t.name.clone()
    } else if let TopicSource::Unit { .. } = t.source {
        t.unit_title.clone()
    } else {
        cx.page.text("lyceum-discussion-topic-general")
    }
}

/// The course's topics: course-wide ones, then one per unit with a discussion block.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/discussions/topics", params(("course_id" = String, Path)),
    responses((status = 200, body = TopicsJson), (status = 404, description = "No such course, or the caller is not a member")),
    tag = "discussions")]
pub async fn topics(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &course_id).await?;
    let list = uc::topics(&cx.app.env(), &here(&cx, &course)).await?;
    let tree = course.tree();
    let topics = list
        .iter()
        .map(|t| {
            let unit = match t.source {
                TopicSource::Unit { unit, .. } => tree.index_of(unit),
                TopicSource::Course { .. } => None,
            };
            TopicJson {
                id: t.key.clone(),
                key: t.key.clone(),
                name: topic_name(&cx, t),
                kind: if unit.is_some() { "unit" } else { "course" }.to_owned(),
                unit: unit.map(|u| tree.node(u).title.clone()),
                unit_url: unit.map(|u| course.url(&format!("unit/{}", tree.node(u).url_name))),
                threads: t.threads,
            }
        })
        .collect();
    Ok(json(StatusCode::OK, TopicsJson { topics }))
}

#[derive(Serialize, ToSchema)]
pub struct AuthorJson {
    /// Null when anonymous to the caller (or the account is gone).
    pub username: Option<String>,
    pub name: Option<String>,
    pub anonymous: bool,
}

fn author_json(a: &Author) -> AuthorJson {
    AuthorJson {
        username: a.username.clone(),
        name: a.name.clone().or_else(|| a.username.clone()),
        anonymous: a.anonymous,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadJson {
    pub id: i64,
    pub topic: String,
    /// `question` or `discussion`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub author: AuthorJson,
    pub pinned: bool,
    pub closed: bool,
    pub close_reason: String,
    pub answered: bool,
    pub reply_count: i64,
    pub vote_count: i64,
    pub following: bool,
    pub unread: bool,
    /// Waiting for review (shown to its author and those who moderate).
    pub held: bool,
    pub hidden: bool,
    pub deleted: bool,
    pub last_activity_at: Option<String>,
    pub created_at: Option<String>,
}

fn thread_json(t: &ThreadSummary) -> ThreadJson {
    ThreadJson {
        id: t.id,
        topic: t.topic_key.clone(),
        kind: t.kind.clone(),
        title: t.title.clone(),
        author: author_json(&t.author),
        pinned: t.pinned,
        closed: t.closed,
        close_reason: t.close_reason.clone(),
        answered: t.answered,
        reply_count: t.reply_count,
        vote_count: t.vote_count,
        following: t.following,
        unread: t.unread,
        held: t.held,
        hidden: t.hidden,
        deleted: t.deleted,
        last_activity_at: time(Some(t.last_activity_at)),
        created_at: time(Some(t.created_at)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadsJson {
    pub threads: Vec<ThreadJson>,
    pub page: i64,
    pub has_more: bool,
}

#[derive(Deserialize, IntoParams)]
pub struct ThreadsQuery {
    /// A topic key.
    pub topic: Option<String>,
    /// Words to search for.
    pub q: Option<String>,
    /// `unanswered`, `unread`, `following` or `mine`.
    pub filter: Option<String>,
    /// `recent` (default) or `votes`.
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<String>,
}

pub fn filter_of(s: Option<&str>) -> AppResult<Filter> {
    Ok(match s.unwrap_or("") {
        "" | "all" => Filter::All,
        "unanswered" => Filter::Unanswered,
        "unread" => Filter::Unread,
        "following" => Filter::Following,
        "mine" => Filter::Mine,
        _ => return Err(AppError::bad_request("lyceum-discussion-error-filter")),
    })
}

pub fn sort_of(s: Option<&str>) -> AppResult<Sort> {
    Ok(match s.unwrap_or("") {
        "" | "recent" => Sort::Recent,
        "votes" => Sort::Votes,
        _ => return Err(AppError::bad_request("lyceum-discussion-error-filter")),
    })
}

pub fn page_of(s: Option<&str>) -> i64 {
    s.and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000)
}

/// A page of a course's threads (20 a page), pinned first.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/discussions/threads", params(("course_id" = String, Path), ThreadsQuery),
    responses((status = 200, body = ThreadsJson), (status = 400, description = "Unknown filter or sort"), (status = 404)),
    tag = "discussions")]
pub async fn threads(
    cx: Cx,
    Path(course_id): Path<String>,
    Query(qs): Query<ThreadsQuery>,
) -> AppResult<Response> {
    let course = courses::load(&cx, &course_id).await?;
    let list = uc::threads(
        &cx.app.env(),
        &here(&cx, &course),
        &ListQuery {
            topic: qs.topic.as_deref(),
            words: qs.q.as_deref().unwrap_or(""),
            filter: filter_of(qs.filter.as_deref())?,
            sort: sort_of(qs.sort.as_deref())?,
            page: page_of(qs.page.as_deref()),
        },
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        ThreadsJson {
            threads: list.threads.iter().map(thread_json).collect(),
            page: list.page,
            has_more: list.has_more,
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewThreadBody {
    /// A topic key (empty: the first course-wide topic).
    #[serde(default)]
    pub topic: String,
    /// `question` or `discussion`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Anonymous to peers (where the course allows it).
    #[serde(default)]
    pub anonymous: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    pub id: i64,
    /// The post's id (for a thread, its opening post).
    pub post: i64,
    /// Waiting for review before others see it.
    pub held: bool,
}

/// Start a thread: a question or a discussion in a topic.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/discussions/threads", params(("course_id" = String, Path)), request_body = NewThreadBody,
    responses((status = 201, body = CreatedJson), (status = 400), (status = 403, description = "Suspended, muted (with `reason` and `until`) or banned (with `reason`)"),
        (status = 404, description = "Not a member of the course"), (status = 422, description = "Empty or too long, unknown topic or type, anonymous not allowed"), (status = 429)),
    tag = "discussions")]
pub async fn create_thread(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<NewThreadBody>, JsonRejection>,
) -> AppResult<Response> {
    let course = courses::load(&cx, &course_id).await?;
    let h = here(&cx, &course);
    // A non-member's malformed body is still a 404: membership first.
    uc::require_member(&h)?;
    let b = body(b)?;
    let created = uc::create_thread(
        &cx.app.env(),
        &h,
        &uc::NewThreadIn {
            topic: &b.topic,
            kind: &b.kind,
            title: &b.title,
            body: &b.body,
            anonymous: b.anonymous,
        },
    )
    .await?;
    Ok(json(
        StatusCode::CREATED,
        CreatedJson {
            id: created.thread,
            post: created.post,
            held: created.held,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PostJson {
    pub id: i64,
    /// The reply a comment is on.
    pub parent: Option<i64>,
    pub author: AuthorJson,
    /// Markdown as written.
    pub body: String,
    /// Sanitised HTML.
    pub html: String,
    pub vote_count: i64,
    pub voted: bool,
    pub is_answer: bool,
    pub created_at: Option<String>,
    pub edited_at: Option<String>,
    /// Why someone who moderates edited it.
    pub edit_reason: Option<String>,
    pub held: bool,
    pub hidden: bool,
    pub deleted: bool,
    #[schema(no_recursion)]
    pub comments: Vec<PostJson>,
}

fn post_json(p: &PostView, comments: Vec<PostJson>) -> PostJson {
    PostJson {
        id: p.id,
        parent: p.parent,
        author: author_json(&p.author),
        body: p.body.clone(),
        html: p.html.clone(),
        vote_count: p.vote_count,
        voted: p.voted,
        is_answer: p.is_answer,
        created_at: time(Some(p.created_at)),
        edited_at: time(p.edited_at),
        edit_reason: p.edited_by_staff.then(|| p.edit_reason.clone()),
        held: p.held,
        hidden: p.hidden,
        deleted: p.deleted,
        comments,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThreadPageJson {
    #[serde(flatten)]
    pub thread: ThreadJson,
    /// The opening post's id.
    pub post: i64,
    pub body: String,
    pub html: String,
    pub voted: bool,
    pub edited_at: Option<String>,
    pub edit_reason: Option<String>,
    /// A page of replies (25), oldest first, each with its comments.
    pub replies: Vec<PostJson>,
    pub page: i64,
    pub pages: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    pub page: Option<String>,
}

/// A thread with its opening post and a page of replies.
#[utoipa::path(get, path = "/api/v1/threads/{thread_id}", params(("thread_id" = i64, Path), PageQuery),
    responses((status = 200, body = ThreadPageJson), (status = 404)), tag = "discussions")]
pub async fn thread(
    cx: Cx,
    Path(thread_id): Path<i64>,
    Query(qs): Query<PageQuery>,
) -> AppResult<Response> {
    let course = course_of_thread(&cx, thread_id).await?;
    let v = uc::thread(
        &cx.app.env(),
        &here(&cx, &course),
        thread_id,
        page_of(qs.page.as_deref()),
    )
    .await?;
    let replies = v
        .replies
        .iter()
        .map(|r| {
            post_json(
                &r.post,
                r.comments
                    .iter()
                    .map(|c| post_json(c, Vec::new()))
                    .collect(),
            )
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        ThreadPageJson {
            thread: thread_json(&v.thread),
            post: v.opening.id,
            body: v.opening.body.clone(),
            html: v.opening.html.clone(),
            voted: v.opening.voted,
            edited_at: time(v.opening.edited_at),
            edit_reason: v
                .opening
                .edited_by_staff
                .then(|| v.opening.edit_reason.clone()),
            replies,
            page: v.page,
            pages: v.pages,
        },
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// Markdown.
    pub body: String,
    /// A reply's id: comment on it.
    #[serde(default)]
    pub parent: Option<i64>,
    #[serde(default)]
    pub anonymous: bool,
}

/// Reply to a thread, or comment on one of its replies.
#[utoipa::path(post, path = "/api/v1/threads/{thread_id}/replies", params(("thread_id" = i64, Path)), request_body = ReplyBody,
    responses((status = 201, body = CreatedJson), (status = 403, description = "Suspended, muted or banned"), (status = 404), (status = 409, description = "Closed"), (status = 422), (status = 429)),
    tag = "discussions")]
pub async fn reply(
    cx: Cx,
    Path(thread_id): Path<i64>,
    b: Result<Json<ReplyBody>, JsonRejection>,
) -> AppResult<Response> {
    let course = course_of_thread(&cx, thread_id).await?;
    let h = here(&cx, &course);
    uc::require_member(&h)?;
    let b = body(b)?;
    let created = uc::reply(&cx.app.env(), &h, thread_id, &b.body, b.parent, b.anonymous).await?;
    Ok(json(
        StatusCode::CREATED,
        CreatedJson {
            id: created.post,
            post: created.post,
            held: created.held,
        },
    ))
}

/// Mark a thread read.
#[utoipa::path(post, path = "/api/v1/threads/{thread_id}/read", params(("thread_id" = i64, Path)),
    responses((status = 200), (status = 404)), tag = "discussions")]
pub async fn read(cx: Cx, Path(thread_id): Path<i64>) -> AppResult<Response> {
    let course = course_of_thread(&cx, thread_id).await?;
    uc::mark_read(&cx.app.env(), &here(&cx, &course), thread_id).await?;
    Ok(json(StatusCode::OK, serde_json::json!({"read": true})))
}

#[derive(Serialize, ToSchema)]
pub struct VoteJson {
    pub voted: bool,
    pub vote_count: i64,
}

/// Vote for a post, or take the vote back.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/vote", params(("post_id" = i64, Path)),
    responses((status = 200, body = VoteJson), (status = 403), (status = 404)), tag = "discussions")]
pub async fn vote(cx: Cx, Path(post_id): Path<i64>) -> AppResult<Response> {
    let (course, _) = course_of_post(&cx, post_id).await?;
    let (voted, vote_count) = uc::vote(&cx.app.env(), &here(&cx, &course), post_id).await?;
    Ok(json(StatusCode::OK, VoteJson { voted, vote_count }))
}

#[derive(Serialize, ToSchema)]
pub struct AnswerJson {
    /// Whether the post is the answer now (marking the answer again unmarks it).
    pub answer: bool,
}

/// Mark a reply as the question's answer (the asker, or those who moderate), or unmark it.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/answer", params(("post_id" = i64, Path)),
    responses((status = 200, body = AnswerJson), (status = 403, description = "Not the asker nor staff"), (status = 404), (status = 422, description = "Not a reply to a question")),
    tag = "discussions")]
pub async fn answer(cx: Cx, Path(post_id): Path<i64>) -> AppResult<Response> {
    let (course, _) = course_of_post(&cx, post_id).await?;
    let answer = uc::mark_answer(&cx.app.env(), &here(&cx, &course), post_id).await?;
    Ok(json(StatusCode::OK, AnswerJson { answer }))
}

#[derive(Serialize, ToSchema)]
pub struct FollowJson {
    pub following: bool,
}

/// Follow the thread a post is in (told of its replies), or stop following it.
#[utoipa::path(post, path = "/api/v1/posts/{post_id}/follow", params(("post_id" = i64, Path)),
    responses((status = 200, body = FollowJson), (status = 404)), tag = "discussions")]
pub async fn follow(cx: Cx, Path(post_id): Path<i64>) -> AppResult<Response> {
    let (course, thread) = course_of_post(&cx, post_id).await?;
    let h = here(&cx, &course);
    uc::thread_of_post(&cx.app.env(), &h, post_id).await?;
    let following = uc::follow(&cx.app.env(), &h, thread).await?;
    Ok(json(StatusCode::OK, FollowJson { following }))
}
