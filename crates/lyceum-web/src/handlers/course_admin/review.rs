//! Review: the queue of courses waiting for the viewer's review (`/review`) and one
//! course's review page (`/courses/{key}/review`): its status, a link to preview it, the
//! history of decisions and comments, and the reviewer's form (approve, send back with a
//! comment, comment; "mark as reviewed" for a published course).

use super::{message, rendered, shown_in_form, status_label, status_of};
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::instructor::{NavLink, nav};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_app::course_admin::review::{self as uc, Decision};
use lyceum_core::clock::from_millis;
use lyceum_core::course::CourseStatus;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_store::repo::course_admin as repo;

pub struct HistoryEntry {
    pub at: Timestamp,
    pub who: String,
    pub decision_key: &'static str,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "course_admin/review.html")]
struct ReviewView {
    p: Page,
    title: String,
    studio: Option<crate::handlers::studio::StudioHead>,
    head: CourseHead,
    nav: Vec<NavLink>,
    status: &'static str,
    status_key: &'static str,
    last_reviewed: Option<Timestamp>,
    in_review: bool,
    published: bool,
    can_review: bool,
    history: Vec<HistoryEntry>,
    preview_url: String,
    form_url: String,
    comment: String,
    error: Option<Html>,
    comment_max: usize,
}

fn decision_key(d: &str) -> &'static str {
    match d {
        "submit" => "lyceum-review-decision-submit",
        "approve" => "lyceum-review-decision-approve",
        "send_back" => "lyceum-review-decision-send-back",
        "comment" => "lyceum-review-decision-comment",
        "reviewed" => "lyceum-review-decision-reviewed",
        _ => "lyceum-review-decision-other",
    }
}

/// The review page's course: for its reviewers and its team; 404 to anyone else.
async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    cx.require_user()?;
    if !course.on_team(cx) {
        return Err(AppError::NotFound);
    }
    Ok(course)
}

async fn view(
    cx: &Cx,
    course: &CourseCx,
    comment: String,
    error: Option<Html>,
) -> AppResult<ReviewView> {
    let mut c = cx.app.store().conn().await?;
    let rows = repo::reviews(&mut c, course.id()).await?;
    let extras = repo::extras(&mut c, course.id())
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    let p = &cx.page;
    let status = CourseStatus::parse(&course.row.status).unwrap_or(CourseStatus::Draft);
    let studio =
        super::studio_head(cx, course.key(), crate::handlers::studio::StudioTab::None).await?;
    Ok(ReviewView {
        studio,
        title: p.text("lyceum-review-course-title"),
        head: head(cx, course, "instructor"),
        nav: nav(course, "review"),
        status: status.as_str(),
        status_key: status_label(status),
        last_reviewed: extras.last_reviewed_at.map(from_millis),
        in_review: status == CourseStatus::Review,
        published: status == CourseStatus::Published,
        can_review: can(&cx.actor(), Action::Review, Resource::Course(&course.facts)).allowed(),
        history: rows
            .iter()
            .map(|r| HistoryEntry {
                at: from_millis(r.created_at),
                who: r.username.clone().unwrap_or_else(|| "–".to_owned()),
                decision_key: decision_key(&r.decision),
                comment: r.comment.clone(),
            })
            .collect(),
        preview_url: course.url("courseware"),
        form_url: course.url("review"),
        comment,
        error,
        comment_max: lyceum_core::limits::REVIEW_COMMENT.max_chars,
        p: p.clone(),
    })
}

pub async fn page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let v = view(&cx, &course, String::new(), None).await?;
    rendered(v, StatusCode::OK)
}

/// A reviewer's decision: `decision` (approve, send_back, comment, reviewed) and
/// `comment`.
pub async fn decide(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let mut decision = String::new();
    let mut comment = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "decision" => decision = v.into_owned(),
            "comment" => comment = v.into_owned(),
            _ => {}
        }
    }
    let Some(d) = Decision::parse(&decision) else {
        return Err(AppError::bad_request("lyceum-error-bad-form"));
    };
    match uc::decide_review(&cx.app.env(), &cx.actor(), &key, d, &comment).await {
        Ok(_) => {
            let notice = match d {
                Decision::Approve => "review-approved",
                Decision::SendBack => "review-sent-back",
                Decision::Comment => "review-commented",
                Decision::MarkReviewed => "review-marked",
            };
            Ok(see_other(&with_notice(&course.url("review"), notice)))
        }
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            let msg = message(&cx.page, &e.error);
            let v = view(&cx, &course, comment, Some(msg)).await?;
            rendered(v, status)
        }
        Err(e) => Err(e.into()),
    }
}

pub struct QueueEntry {
    pub title: String,
    pub language: String,
    pub dir: &'static str,
    pub org_name: String,
    pub submitted: Timestamp,
    pub instructors: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "course_admin/queue.html")]
struct QueueView {
    p: Page,
    title: String,
    entries: Vec<QueueEntry>,
}

/// `/review`: the courses waiting for the viewer's review. For site admins and the
/// admins and reviewers of organisations; 404 to everyone else.
pub async fn queue(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let admin = cx.actor().site_admin;
    let mut c = cx.app.store().conn().await?;
    if !admin && !repo::reviews_somewhere(&mut c, user).await? {
        return Err(AppError::NotFound);
    }
    let rows = repo::review_queue(&mut c, user, admin).await?;
    let ids: Vec<lyceum_core::CourseId> =
        rows.iter().map(|r| lyceum_core::CourseId(r.id)).collect();
    let teams = repo::teams_of(&mut c, &ids).await?;
    drop(c);
    let p = &cx.page;
    let entries = rows
        .iter()
        .map(|r| QueueEntry {
            title: r.title.clone(),
            dir: crate::handlers::catalog::content_dir(&r.language),
            language: r.language.clone(),
            org_name: r.org_name.clone(),
            submitted: from_millis(r.submitted_at.unwrap_or(r.updated_at)),
            instructors: teams
                .iter()
                .filter(|(c, _)| *c == r.id)
                .map(|(_, m)| m.shown_name().to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            url: format!("/courses/{}/review", r.course_key),
        })
        .collect();
    let view = QueueView {
        title: p.text("lyceum-review-queue-title"),
        entries,
        p: p.clone(),
    };
    rendered(view, StatusCode::OK)
}
