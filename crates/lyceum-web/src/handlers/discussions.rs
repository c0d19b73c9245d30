//! The Discussion tab (issue 15): a course's topics and threads (search, filters, sort,
//! paging, unread marks), starting a thread (with a server-side Markdown preview: no
//! script), a thread page (replies, comments, votes, follow, answer, and for those who
//! moderate: pin, close with a reason, edit with a reason), a learner's own posts, and the
//! team's page of course-wide topics. The work is `lyceum_app::discussions`; the JSON API
//! is `crate::api::discussions`.
//!
//! Opening a thread from a list is a small POST (it marks the thread read, then goes to
//! it), as notices are: a GET never writes.

use crate::api::discussions::{filter_of, here, page_of, sort_of, topic_name};
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::admin::{form_error, render, render_status};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::see_other;
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::get;
use lyceum_app::discussions::{
    self as uc, Author, Filter, ListQuery, MyPost, PostView, ReplyView, Sort, ThreadSummary,
    ThreadView, Topic, TopicSource,
};
use lyceum_core::clock::from_millis;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/courses/{key}/discussion", get(list))
        .route(
            "/courses/{key}/discussion/new",
            get(new_page).post(new_post),
        )
        .route("/courses/{key}/discussion/mine", get(mine))
        .route(
            "/courses/{key}/discussion/topics",
            get(topics_page).post(topics_post),
        )
        .route(
            "/courses/{key}/discussion/threads/{id}",
            get(thread_page).post(thread_post),
        )
        .route(
            "/courses/{key}/discussion/posts/{post}",
            get(edit_page).post(post_action),
        )
}

/// How a person is shown on a post: "Anonymous" to peers; those who moderate see the name
/// and that it was posted anonymously.
pub fn who(p: &Page, a: &Author) -> String {
    match (&a.username, a.anonymous) {
        (None, true) => p.text("lyceum-discussion-anonymous"),
        (None, false) => p.text("lyceum-discussion-deleted-account"),
        (Some(u), anon) => {
            let name = a.name.clone().unwrap_or_else(|| u.clone());
            if anon {
                p.text1("lyceum-discussion-anonymous-shown", name)
            } else {
                name
            }
        }
    }
}

pub(crate) fn ts(ms: i64) -> jiff::Timestamp {
    from_millis(ms)
}

/// The course for the Discussion pages: members only (others: 404, as the use cases say).
async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    courses::load(cx, key).await
}

pub struct TopicLine {
    pub key: String,
    pub name: String,
    pub unit: Option<String>,
    pub threads: i64,
    pub url: String,
    pub current: bool,
}

fn topic_lines(
    cx: &Cx,
    course: &CourseCx,
    topics: &[Topic],
    current: Option<&str>,
) -> Vec<TopicLine> {
    topics
        .iter()
        .map(|t| TopicLine {
            key: t.key.clone(),
            name: topic_name(cx, t),
            unit: match t.source {
                TopicSource::Unit { .. } if !t.name.is_empty() => Some(t.unit_title.clone()),
                _ => None,
            },
            threads: t.threads,
            url: format!("{}?topic={}", course.url("discussion"), enc(&t.key)),
            current: current == Some(t.key.as_str()),
        })
        .collect()
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub struct ThreadLine {
    pub at: jiff::Timestamp,
    pub t: ThreadSummary,
    pub author: String,
    pub open_url: String,
    pub topic: String,
}

#[derive(Deserialize, Default)]
pub struct ListQs {
    topic: Option<String>,
    q: Option<String>,
    filter: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

pub struct Choice {
    pub value: &'static str,
    pub label_key: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "discussion/list.html")]
struct ListView {
    p: Page,
    title: String,
    head: CourseHead,
    base: String,
    topics: Vec<TopicLine>,
    topic: String,
    topic_name: Option<String>,
    q: String,
    filters: Vec<Choice>,
    sorts: Vec<Choice>,
    threads: Vec<ThreadLine>,
    prev_url: Option<String>,
    next_url: Option<String>,
    new_url: String,
    mine_url: String,
    topics_url: Option<String>,
    muted: Option<uc::Muted>,
}

pub async fn list(
    cx: Cx,
    Path(key): Path<String>,
    Query(qs): Query<ListQs>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let h = here(&cx, &course);
    let env = cx.app.env();
    let topics = uc::topics(&env, &h).await?;
    let filter = filter_of(qs.filter.as_deref())?;
    let sort = sort_of(qs.sort.as_deref())?;
    let page = page_of(qs.page.as_deref());
    let topic = qs.topic.clone().unwrap_or_default();
    let q = qs.q.clone().unwrap_or_default();
    let list = uc::threads(
        &env,
        &h,
        &ListQuery {
            topic: Some(topic.as_str()).filter(|t| !t.is_empty()),
            words: &q,
            filter,
            sort,
            page,
        },
    )
    .await?;
    let base = course.url("discussion");
    let names: std::collections::HashMap<&str, String> = topics
        .iter()
        .map(|t| (t.key.as_str(), topic_name(&cx, t)))
        .collect();
    let threads = list
        .threads
        .into_iter()
        .map(|t| ThreadLine {
            at: ts(t.last_activity_at),
            author: who(&cx.page, &t.author),
            open_url: course.url(&format!("discussion/threads/{}", t.id)),
            topic: names.get(t.topic_key.as_str()).cloned().unwrap_or_default(),
            t,
        })
        .collect();
    let link = |page: i64| {
        let mut u = format!("{base}?page={page}");
        for (k, v) in [
            ("topic", &topic),
            ("q", &q),
            ("filter", qs.filter.as_ref().unwrap_or(&String::new())),
            ("sort", qs.sort.as_ref().unwrap_or(&String::new())),
        ] {
            if !v.is_empty() {
                u.push_str(&format!("&{k}={}", enc(v)));
            }
        }
        u
    };
    let moderates = can_moderate(&cx, &course);
    let view = ListView {
        title: cx.page.text("lyceum-discussion-tab"),
        head: head(&cx, &course, "discussion"),
        topics: topic_lines(&cx, &course, &topics, Some(topic.as_str())),
        topic_name: names.get(topic.as_str()).cloned(),
        filters: [
            ("", "lyceum-discussion-filter-all", Filter::All),
            (
                "unanswered",
                "lyceum-discussion-filter-unanswered",
                Filter::Unanswered,
            ),
            ("unread", "lyceum-discussion-filter-unread", Filter::Unread),
            (
                "following",
                "lyceum-discussion-filter-following",
                Filter::Following,
            ),
            ("mine", "lyceum-discussion-filter-mine", Filter::Mine),
        ]
        .into_iter()
        .map(|(value, label_key, f)| Choice {
            value,
            label_key,
            selected: f == filter,
        })
        .collect(),
        sorts: [
            ("recent", "lyceum-discussion-sort-recent", Sort::Recent),
            ("votes", "lyceum-discussion-sort-votes", Sort::Votes),
        ]
        .into_iter()
        .map(|(value, label_key, s)| Choice {
            value,
            label_key,
            selected: s == sort,
        })
        .collect(),
        threads,
        prev_url: (list.page > 1).then(|| link(list.page - 1)),
        next_url: list.has_more.then(|| link(list.page + 1)),
        new_url: if topic.is_empty() {
            course.url("discussion/new")
        } else {
            format!("{}?topic={}", course.url("discussion/new"), enc(&topic))
        },
        mine_url: course.url("discussion/mine"),
        topics_url: moderates.then(|| course.url("discussion/topics")),
        muted: uc::my_mute(&env, &h).await?,
        topic,
        q,
        base,
        p: cx.page.clone(),
    };
    render(&view)
}

fn can_moderate(cx: &Cx, course: &CourseCx) -> bool {
    lyceum_core::permissions::can(
        &cx.actor(),
        lyceum_core::permissions::Action::ModerateDiscussion,
        lyceum_core::permissions::Resource::Course(&course.facts),
    )
    .allowed()
}

// ---------------------------------------------------------------------------------------
// A new thread
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "discussion/new.html")]
struct NewView {
    p: Page,
    title: String,
    head: CourseHead,
    action: String,
    back: String,
    topics: Vec<TopicLine>,
    kind: String,
    subject: String,
    body: String,
    anonymous: bool,
    allow_anonymous: bool,
    preview: Option<Html>,
    error: Option<Html>,
}

#[derive(Deserialize, Default)]
pub struct NewQs {
    topic: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    action: String,
    /// Where the form was (a unit page asks inline): back there after posting.
    #[serde(default)]
    back: String,
}

async fn new_view(cx: &Cx, course: &CourseCx, f: &NewForm) -> AppResult<NewView> {
    let h = here(cx, course);
    let env = cx.app.env();
    let topics = uc::topics(&env, &h).await?;
    let mut c = cx.app.store().conn().await?;
    let settings = lyceum_store::repo::discussion_settings::settings(&mut c, course.id()).await?;
    drop(c);
    let selected = if f.topic.is_empty() {
        topics.first().map(|t| t.key.clone()).unwrap_or_default()
    } else {
        f.topic.clone()
    };
    Ok(NewView {
        title: cx.page.text("lyceum-discussion-new-title"),
        head: head(cx, course, "discussion"),
        action: course.url("discussion/new"),
        back: crate::handlers::safe_return_to(Some(f.back.as_str()).filter(|b| !b.is_empty())),
        topics: topic_lines(cx, course, &topics, Some(selected.as_str())),
        kind: if f.kind == "discussion" {
            "discussion"
        } else {
            "question"
        }
        .to_owned(),
        subject: f.title.clone(),
        body: f.body.clone(),
        anonymous: f.anonymous.is_some(),
        allow_anonymous: settings.allow_anonymous,
        preview: None,
        error: None,
        p: cx.page.clone(),
    })
}

pub async fn new_page(
    cx: Cx,
    Path(key): Path<String>,
    Query(qs): Query<NewQs>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    cx.require_user().map_err(|_| AppError::NotFound)?;
    let f = NewForm {
        topic: qs.topic.unwrap_or_default(),
        ..Default::default()
    };
    let mut view = new_view(&cx, &course, &f).await?;
    view.back = String::new();
    render(&view)
}

pub async fn new_post(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let h = here(&cx, &course);
    let mut view = new_view(&cx, &course, &f).await?;
    if f.action == "preview" {
        match uc::preview(&h, &f.body) {
            Ok(html) => view.preview = Some(Html(html)),
            Err(e) => view.error = Some(form_error(&cx.page, e)?.1),
        }
        return render(&view);
    }
    let created = uc::create_thread(
        &cx.app.env(),
        &h,
        &uc::NewThreadIn {
            topic: &f.topic,
            kind: &f.kind,
            title: &f.title,
            body: &f.body,
            anonymous: f.anonymous.is_some(),
        },
    )
    .await;
    match created {
        Ok(c) => {
            let to = course.url(&format!("discussion/threads/{}", c.thread));
            Ok(see_other(&if c.held {
                crate::handlers::with_notice(&to, "discussion-held")
            } else {
                to
            }))
        }
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            render_status(status, &view)
        }
    }
}

// ---------------------------------------------------------------------------------------
// A thread
// ---------------------------------------------------------------------------------------

pub struct PostLine {
    pub v: PostView,
    pub author: String,
    pub at: jiff::Timestamp,
    /// Sanitised when it was saved.
    pub html: Html,
}

pub struct ReplyLine {
    pub post: PostLine,
    pub comments: Vec<PostLine>,
}

#[derive(Template)]
#[template(path = "discussion/thread.html")]
struct ThreadPage {
    p: Page,
    title: String,
    head: CourseHead,
    muted: Option<uc::Muted>,
    v: ThreadView,
    opening: PostLine,
    replies: Vec<ReplyLine>,
    topic_name: String,
    topic_url: String,
    action: String,
    posts_url: String,
    back_url: String,
    prev_url: Option<String>,
    next_url: Option<String>,
    allow_anonymous: bool,
    /// The reply being written (kept after a refusal or a preview).
    body: String,
    reply_parent: Option<i64>,
    preview: Option<Html>,
    error: Option<Html>,
}

#[derive(Deserialize, Default)]
pub struct PageQs {
    page: Option<String>,
}

fn line(p: &Page, v: PostView) -> PostLine {
    PostLine {
        author: who(p, &v.author),
        at: ts(v.created_at),
        html: Html(v.html.clone()),
        v,
    }
}

async fn thread_view(cx: &Cx, course: &CourseCx, id: i64, page: i64) -> AppResult<ThreadPage> {
    let h = here(cx, course);
    let v = uc::thread(&cx.app.env(), &h, id, page).await?;
    let allow_anonymous = {
        let mut c = cx.app.store().conn().await?;
        lyceum_store::repo::discussion_settings::settings(&mut c, course.id())
            .await?
            .allow_anonymous
    };
    let p = &cx.page;
    let base = course.url(&format!("discussion/threads/{id}"));
    let (topic_name, topic_url) = match &v.topic {
        Some(t) => (
            crate::api::discussions::topic_name(cx, t),
            format!("{}?topic={}", course.url("discussion"), enc(&t.key)),
        ),
        None => (String::new(), course.url("discussion")),
    };
    Ok(ThreadPage {
        muted: v.muted.clone(),
        title: v.thread.title.clone(),
        head: head(cx, course, "discussion"),
        opening: line(p, v.opening.clone()),
        replies: v
            .replies
            .iter()
            .cloned()
            .map(|r: ReplyView| ReplyLine {
                post: line(p, r.post),
                comments: r.comments.into_iter().map(|c| line(p, c)).collect(),
            })
            .collect(),
        topic_name,
        topic_url,
        action: base.clone(),
        posts_url: course.url("discussion/posts"),
        back_url: course.url("discussion"),
        prev_url: (v.page > 1).then(|| format!("{base}?page={}", v.page - 1)),
        next_url: (v.page < v.pages).then(|| format!("{base}?page={}", v.page + 1)),
        allow_anonymous,
        body: String::new(),
        reply_parent: None,
        preview: None,
        error: None,
        v,
        p: p.clone(),
    })
}

pub async fn thread_page(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    Query(qs): Query<PageQs>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let view = thread_view(&cx, &course, id, page_of(qs.page.as_deref())).await?;
    render(&view)
}

#[derive(Deserialize, Default)]
pub struct ThreadForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    anonymous: Option<String>,
    #[serde(default)]
    reason: String,
}

/// The thread's actions: `open` (mark read and go), `reply` (or `preview`), `follow`,
/// `pin`, `unpin`, `close`, `reopen`.
pub async fn thread_post(
    cx: Cx,
    Path((key, id)): Path<(String, i64)>,
    Form(f): Form<ThreadForm>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let h = here(&cx, &course);
    let env = cx.app.env();
    let back = course.url(&format!("discussion/threads/{id}"));
    let parent = f.parent.as_deref().and_then(|p| p.parse::<i64>().ok());
    let done = match f.action.as_str() {
        "open" => uc::mark_read(&env, &h, id).await.map(|_| back.clone()),
        "follow" => uc::follow(&env, &h, id).await.map(|_| back.clone()),
        "pin" | "unpin" => uc::pin(&env, &h, id, f.action == "pin")
            .await
            .map(|_| back.clone()),
        "close" => uc::close(&env, &h, id, &f.reason)
            .await
            .map(|_| back.clone()),
        "reopen" => uc::reopen(&env, &h, id).await.map(|_| back.clone()),
        "preview" => {
            let mut view = thread_view(&cx, &course, id, 1).await?;
            match uc::preview(&h, &f.body) {
                Ok(html) => view.preview = Some(Html(html)),
                Err(e) => view.error = Some(form_error(&cx.page, e)?.1),
            }
            view.body = f.body;
            view.reply_parent = parent;
            return render(&view);
        }
        "reply" => uc::reply(&env, &h, id, &f.body, parent, f.anonymous.is_some())
            .await
            .map(|c| {
                let to = format!("{back}#post-{}", c.post);
                if c.held {
                    crate::handlers::with_notice(&to, "discussion-held")
                } else {
                    to
                }
            }),
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    match done {
        Ok(to) => Ok(see_other(&to)),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            let mut view = thread_view(&cx, &course, id, 1).await?;
            view.error = Some(message);
            view.body = f.body;
            view.reply_parent = parent;
            render_status(status, &view)
        }
    }
}

// ---------------------------------------------------------------------------------------
// A post: vote, answer, delete, edit
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "discussion/edit.html")]
struct EditView {
    p: Page,
    title: String,
    head: CourseHead,
    action: String,
    back: String,
    is_opening: bool,
    own: bool,
    subject: String,
    body: String,
    reason: String,
    error: Option<Html>,
}

async fn edit_view(cx: &Cx, course: &CourseCx, thread: i64, post: i64) -> AppResult<EditView> {
    let v = uc::thread(&cx.app.env(), &here(cx, course), thread, 1).await?;
    // The post is the opening one or among the thread's pages: find it (one page read
    // at most beyond the thread's first).
    let mut found = None;
    if v.opening.id == post {
        found = Some(v.opening.clone());
    }
    let mut page = 1;
    let mut cur = v.clone();
    while found.is_none() {
        for r in &cur.replies {
            if r.post.id == post {
                found = Some(r.post.clone());
            }
            for c in &r.comments {
                if c.id == post {
                    found = Some(c.clone());
                }
            }
        }
        if found.is_some() || page >= cur.pages {
            break;
        }
        page += 1;
        cur = uc::thread(&cx.app.env(), &here(cx, course), thread, page).await?;
    }
    let post_v = found.filter(|p| p.may_edit).ok_or(AppError::NotFound)?;
    Ok(EditView {
        title: cx.page.text("lyceum-discussion-edit-title"),
        head: head(cx, course, "discussion"),
        action: course.url(&format!("discussion/posts/{post}")),
        back: course.url(&format!("discussion/threads/{thread}")),
        is_opening: post_v.depth == 0,
        own: post_v.author.is_viewer,
        subject: v.thread.title.clone(),
        body: post_v.body.clone(),
        reason: String::new(),
        error: None,
        p: cx.page.clone(),
    })
}

pub async fn edit_page(cx: Cx, Path((key, post)): Path<(String, i64)>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let thread = uc::thread_of_post(&cx.app.env(), &here(&cx, &course), post).await?;
    let view = edit_view(&cx, &course, thread, post).await?;
    render(&view)
}

#[derive(Deserialize, Default)]
pub struct PostForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    reason: String,
}

/// A post's actions: `vote`, `answer`, `delete`, `edit`.
pub async fn post_action(
    cx: Cx,
    Path((key, post)): Path<(String, i64)>,
    Form(f): Form<PostForm>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let h = here(&cx, &course);
    let env = cx.app.env();
    let thread = uc::thread_of_post(&env, &h, post).await?;
    let back = course.url(&format!("discussion/threads/{thread}"));
    let anchor = format!("{back}#post-{post}");
    let done = match f.action.as_str() {
        "vote" => uc::vote(&env, &h, post).await.map(|_| anchor),
        "answer" => uc::mark_answer(&env, &h, post).await.map(|_| anchor),
        "delete" => match uc::delete_own_post(&env, &h, post).await {
            // An opening post takes its thread: back to the list then.
            Ok(_) if uc::thread(&env, &h, thread, 1).await.is_err() => Ok(course.url("discussion")),
            Ok(_) => Ok(back.clone()),
            Err(e) => Err(e),
        },
        "edit" => {
            match uc::edit_post(&env, &h, post, &f.body, f.title.as_deref(), &f.reason).await {
                Ok(()) => Ok(anchor),
                Err(e) => {
                    let (status, message) = form_error(&cx.page, e)?;
                    let mut view = edit_view(&cx, &course, thread, post).await?;
                    view.error = Some(message);
                    view.body = f.body;
                    view.reason = f.reason;
                    if let Some(t) = f.title {
                        view.subject = t;
                    }
                    return render_status(status, &view);
                }
            }
        }
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    match done {
        Ok(to) => Ok(see_other(&to)),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            let mut view = thread_view(&cx, &course, thread, 1).await?;
            view.error = Some(message);
            render_status(status, &view)
        }
    }
}

// ---------------------------------------------------------------------------------------
// My posts
// ---------------------------------------------------------------------------------------

pub struct MineLine {
    pub post: MyPost,
    pub at: jiff::Timestamp,
    pub title: String,
    pub is_thread: bool,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "discussion/mine.html")]
struct MineView {
    p: Page,
    title: String,
    head: CourseHead,
    posts: Vec<(MineLine, String)>,
    back_url: String,
    prev_url: Option<String>,
    next_url: Option<String>,
}

pub async fn mine(
    cx: Cx,
    Path(key): Path<String>,
    Query(qs): Query<PageQs>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let page = page_of(qs.page.as_deref());
    let (posts, more) = uc::my_posts(&cx.app.env(), &here(&cx, &course), page).await?;
    let base = course.url("discussion/mine");
    let view = MineView {
        title: cx.page.text("lyceum-discussion-mine-title"),
        head: head(&cx, &course, "discussion"),
        posts: posts
            .into_iter()
            .map(|p| {
                let url = course.url(&format!("discussion/threads/{}#post-{}", p.thread, p.id));
                let excerpt: String = p.body.chars().take(200).collect();
                (
                    MineLine {
                        at: ts(p.created_at),
                        title: p.title.clone(),
                        is_thread: p.is_thread,
                        excerpt,
                        post: p,
                    },
                    url,
                )
            })
            .collect(),
        back_url: course.url("discussion"),
        prev_url: (page > 1).then(|| format!("{base}?page={}", page - 1)),
        next_url: more.then(|| format!("{base}?page={}", page + 1)),
        p: cx.page.clone(),
    };
    render(&view)
}

// ---------------------------------------------------------------------------------------
// Course-wide topics (the team)
// ---------------------------------------------------------------------------------------

pub struct TeamTopic {
    pub id: i64,
    pub name: String,
    pub threads: i64,
}

#[derive(Template)]
#[template(path = "discussion/topics.html")]
struct TopicsView {
    p: Page,
    title: String,
    head: CourseHead,
    action: String,
    back_url: String,
    topics: Vec<TeamTopic>,
    units: Vec<TopicLine>,
    error: Option<Html>,
}

async fn topics_view(cx: &Cx, course: &CourseCx) -> AppResult<TopicsView> {
    if !can_moderate(cx, course) {
        return Err(
            if here(cx, course).course.actor.user.is_some()
                && lyceum_core::permissions::can(
                    &cx.actor(),
                    lyceum_core::permissions::Action::Discuss,
                    lyceum_core::permissions::Resource::Course(&course.facts),
                )
                .allowed()
            {
                AppError::Forbidden("lyceum-discussion-error-not-staff")
            } else {
                AppError::NotFound
            },
        );
    }
    let topics = uc::topics(&cx.app.env(), &here(cx, course)).await?;
    let (course_wide, units): (Vec<&Topic>, Vec<&Topic>) = topics
        .iter()
        .partition(|t| matches!(t.source, TopicSource::Course { .. }));
    let units: Vec<Topic> = units.into_iter().cloned().collect();
    Ok(TopicsView {
        title: cx.page.text("lyceum-discussion-topics-title"),
        head: head(cx, course, "discussion"),
        action: course.url("discussion/topics"),
        back_url: course.url("discussion"),
        topics: course_wide
            .into_iter()
            .filter_map(|t| match t.source {
                TopicSource::Course { id: Some(id) } => Some(TeamTopic {
                    id,
                    name: t.name.clone(),
                    threads: t.threads,
                }),
                _ => None,
            })
            .collect(),
        units: topic_lines(cx, course, &units, None),
        error: None,
        p: cx.page.clone(),
    })
}

pub async fn topics_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let view = topics_view(&cx, &course).await?;
    render(&view)
}

#[derive(Deserialize, Default)]
pub struct TopicForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: String,
}

pub async fn topics_post(
    cx: Cx,
    Path(key): Path<String>,
    Form(f): Form<TopicForm>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let mut view = topics_view(&cx, &course).await?;
    let h = here(&cx, &course);
    let env = cx.app.env();
    let id = f.id.unwrap_or(0);
    let done = match f.action.as_str() {
        "add" => uc::add_topic(&env, &h, &f.name).await.map(|_| ()),
        "rename" => uc::rename_topic(&env, &h, id, &f.name).await,
        "up" => uc::move_topic(&env, &h, id, -1).await,
        "down" => uc::move_topic(&env, &h, id, 1).await,
        "delete" => uc::delete_topic(&env, &h, id).await,
        _ => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    match done {
        Ok(()) => Ok(see_other(&course.url("discussion/topics"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            view.error = Some(message);
            render_status(status, &view)
        }
    }
}
