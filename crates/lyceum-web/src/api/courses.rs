//! Catalog, course detail with outline, enrolment, "my enrolments", video progress.

use super::{json, time, timestamp};
use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::about::{enroll_viewer, unenroll_viewer};
use crate::handlers::catalog::effort_of;
use crate::handlers::courseware::{ProgressReport, record_video_progress};
use crate::handlers::dashboard::enrollments_with_progress;
use crate::page::Cx;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_core::BlockId;
use lyceum_core::course::License;
use lyceum_core::course::tree::percent;
use lyceum_store::repo::courses::CourseRow;
use lyceum_store::repo::learner;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct Organization {
    /// Short code, as in course ids.
    pub slug: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct EffortJson {
    pub hours_per_week: f64,
    pub weeks: u32,
}

#[derive(Serialize, ToSchema)]
pub struct LicenseJson {
    /// SPDX identifier, e.g. `CC-BY-SA-4.0`.
    pub id: &'static str,
    pub name: &'static str,
    pub url: &'static str,
}

/// A course as the catalog lists it.
#[derive(Serialize, ToSchema)]
pub struct CourseSummary {
    /// `course-v1:ORG+CODE+RUN`, as on Open edX.
    pub id: String,
    pub organization: Organization,
    pub code: String,
    pub run: String,
    pub title: String,
    pub short_description: String,
    /// Language code of the course content.
    pub language: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub effort: Option<EffortJson>,
    pub license: LicenseJson,
    pub published: bool,
    pub enrollment_open: bool,
    pub about_url: String,
}

fn summary(r: &CourseRow) -> CourseSummary {
    let l = License::parse(&r.license).unwrap_or_default();
    CourseSummary {
        id: r.course_key.clone(),
        organization: Organization {
            slug: r.org_slug.clone(),
            name: r.org_name.clone(),
        },
        code: r.code.clone(),
        run: r.run.clone(),
        title: r.title.clone(),
        short_description: r.short_description.clone(),
        language: r.language.clone(),
        start: time(r.start_at),
        end: time(r.end_at),
        effort: effort_of(r).map(|e| EffortJson {
            hours_per_week: f64::from(e.minutes_per_week) / 60.0,
            weeks: e.weeks,
        }),
        license: LicenseJson {
            id: l.id(),
            name: l.short_name(),
            url: l.url(),
        },
        published: r.published,
        enrollment_open: r.enrollment_open,
        about_url: format!("/courses/{}/about", r.course_key),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CatalogParams {
    /// Only courses in this language.
    language: Option<String>,
    /// Only courses of this organisation (its slug).
    org: Option<String>,
    /// `published` (the default) or `archived`.
    status: Option<String>,
    /// Page number, from 1.
    page: Option<usize>,
    /// Courses per page (default 100, at most 1000).
    per_page: Option<usize>,
}

/// The catalog: published courses (or, with `status=archived`, archived ones). Drafts
/// and courses in review are never listed.
#[utoipa::path(get, path = "/api/v1/courses", params(CatalogParams), responses((status = 200, body = Vec<CourseSummary>)), tag = "courses")]
pub async fn catalog(cx: Cx, Query(q): Query<CatalogParams>) -> AppResult<Response> {
    let per_page = q.per_page.unwrap_or(100).clamp(1, 1000);
    let offset = (q.page.unwrap_or(1).max(1) - 1).saturating_mul(per_page);
    let mut c = cx.app.store().conn().await?;
    let status = match q.status.as_deref() {
        None | Some("published") => "published",
        Some("archived") => "archived",
        Some(_) => return Err(AppError::bad_request("lyceum-error-bad-form")),
    };
    let rows = lyceum_store::repo::courses::catalog(
        &mut c,
        status,
        q.language.as_deref(),
        q.org.as_deref(),
        per_page as i64,
        offset as i64,
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        rows.iter().map(|r| summary(&r.course)).collect::<Vec<_>>(),
    ))
}

/// A leaf block of a unit.
#[derive(Serialize, ToSchema)]
pub struct BlockJson {
    pub id: i64,
    pub url_name: String,
    /// `text`, `video`, … (kinds this server does not know are passed through).
    pub kind: String,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnitJson {
    pub id: i64,
    pub url_name: String,
    pub title: String,
    pub url: String,
    /// For an enrolled caller: whether they completed the unit.
    pub completed: Option<bool>,
    pub blocks: Vec<BlockJson>,
}

#[derive(Serialize, ToSchema)]
pub struct SubsectionJson {
    pub id: i64,
    pub url_name: String,
    pub title: String,
    pub release: Option<String>,
    pub units: Vec<UnitJson>,
}

#[derive(Serialize, ToSchema)]
pub struct SectionJson {
    pub id: i64,
    pub url_name: String,
    pub title: String,
    pub release: Option<String>,
    pub subsections: Vec<SubsectionJson>,
}

/// A course's About information and the outline the caller may see.
#[derive(Serialize, ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: CourseSummary,
    /// Sanitised HTML.
    pub overview_html: String,
    pub outcomes: Vec<String>,
    /// `null` for anonymous callers.
    pub enrolled: Option<bool>,
    pub outline: Vec<SectionJson>,
    /// For a fork: the course it was adapted from (`null` otherwise).
    pub adapted_from: Option<AdaptedFromJson>,
    /// The language the titles, outline and About text are in: `?lang=` when the course
    /// is published in it, else the caller's content language (`language` is the one
    /// the course is written in).
    pub content_language: String,
    /// Every language the course can be read in: its own first, then its published
    /// translations.
    pub languages: Vec<String>,
}

/// A fork's source, as its attribution names it.
#[derive(Serialize, ToSchema)]
pub struct AdaptedFromJson {
    /// The source's key (now, or the last known one if it was deleted).
    pub id: String,
    /// Its title when the fork last took from it.
    pub title: String,
    pub license: LicenseJson,
    /// Its authors' shown names, from its history, the most prolific first.
    pub authors: Vec<String>,
    /// The fork's published content differs from what it took ("changes were made").
    pub changed: bool,
}

fn adapted_from(r: &CourseRow) -> Option<AdaptedFromJson> {
    let src = r.fork_source()?;
    let l = License::parse(&src.license).unwrap_or(License::AllRightsReserved);
    Some(AdaptedFromJson {
        id: src.key,
        title: src.title,
        license: LicenseJson {
            id: l.id(),
            name: l.short_name(),
            url: l.url(),
        },
        authors: src.authors,
        changed: src.modified,
    })
}

fn outline(course: &CourseCx, done: Option<&HashSet<BlockId>>) -> Vec<SectionJson> {
    let tree = course.tree();
    let vis = &course.vis;
    let ts = |t: Option<jiff::Timestamp>| time(t.map(|t| t.as_millisecond()));
    tree.sections()
        .iter()
        .filter(|&&s| tree.is_visible(s, vis))
        .map(|&s| {
            let n = tree.node(s);
            SectionJson {
                id: n.id.0,
                url_name: n.url_name.clone(),
                title: n.title.clone(),
                release: ts(n.release_at),
                subsections: tree
                    .children(s)
                    .iter()
                    .filter(|&&ss| tree.is_visible(ss, vis))
                    .map(|&ss| {
                        let n = tree.node(ss);
                        SubsectionJson {
                            id: n.id.0,
                            url_name: n.url_name.clone(),
                            title: n.title.clone(),
                            release: ts(n.release_at),
                            units: tree
                                .children(ss)
                                .iter()
                                .filter(|&&u| tree.is_visible(u, vis))
                                .map(|&u| {
                                    let n = tree.node(u);
                                    UnitJson {
                                        id: n.id.0,
                                        url_name: n.url_name.clone(),
                                        title: n.title.clone(),
                                        url: course.url(&format!("unit/{}", n.url_name)),
                                        completed: done.map(|d| tree.is_unit_complete(u, d)),
                                        blocks: tree
                                            .children(u)
                                            .iter()
                                            .map(|&b| {
                                                let n = tree.node(b);
                                                let kind = match &n.content {
                                                    Some(Ok(c)) => c.kind().to_owned(),
                                                    _ => "error".to_owned(),
                                                };
                                                BlockJson {
                                                    id: n.id.0,
                                                    url_name: n.url_name.clone(),
                                                    kind,
                                                    title: n.title.clone(),
                                                }
                                            })
                                            .collect(),
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// About and outline of one course. Unpublished courses are 404 except for their team.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}", params(("course_id" = String, Path, description = "course-v1:ORG+CODE+RUN")),
    responses((status = 200, body = CourseDetail), (status = 404, description = "No such course, or not visible to the caller")), tag = "courses")]
pub async fn detail(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &course_id).await?;
    let done = match (cx.user_id(), course.facts.enrolled) {
        (Some(u), true) => {
            let mut c = cx.app.store().conn().await?;
            Some(
                learner::completed_in_course(&mut c, u, course.id())
                    .await?
                    .into_iter()
                    .collect::<HashSet<_>>(),
            )
        }
        _ => None,
    };
    let mut languages = vec![course.source_language.clone()];
    languages.extend(course.languages.iter().cloned());
    let mut about = summary(&course.row);
    about.language = course.source_language.clone();
    let body = CourseDetail {
        course: about,
        content_language: course.row.language.clone(),
        languages,
        overview_html: course.row.overview_html.clone(),
        outcomes: course.row.outcomes(),
        enrolled: cx.user().map(|_| course.facts.enrolled),
        outline: outline(&course, done.as_ref()),
        adapted_from: adapted_from(&course.row),
    };
    Ok(json(StatusCode::OK, body))
}

#[derive(Serialize, ToSchema)]
pub struct EnrollmentStatus {
    pub course_id: String,
    pub enrolled: bool,
}

/// Enrol the caller (idempotent).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/enrollment", params(("course_id" = String, Path)),
    responses((status = 200, body = EnrollmentStatus), (status = 401, description = "Not logged in"), (status = 403, description = "Enrolment closed"), (status = 404)), tag = "enrollment")]
pub async fn enroll(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &course_id).await?;
    enroll_viewer(&cx, &course).await?;
    Ok(json(
        StatusCode::OK,
        EnrollmentStatus {
            course_id: course.row.course_key.clone(),
            enrolled: true,
        },
    ))
}

/// Unenrol the caller (idempotent; progress is kept for a later return).
#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/enrollment", params(("course_id" = String, Path)),
    responses((status = 200, body = EnrollmentStatus), (status = 401), (status = 404)), tag = "enrollment")]
pub async fn unenroll(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &course_id).await?;
    unenroll_viewer(&cx, &course).await?;
    Ok(json(
        StatusCode::OK,
        EnrollmentStatus {
            course_id: course.row.course_key.clone(),
            enrolled: false,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ProgressJson {
    pub completed_units: usize,
    pub total_units: usize,
    pub percent: u8,
}

#[derive(Serialize, ToSchema)]
pub struct Enrollment {
    pub course: CourseSummary,
    pub enrolled_at: Option<String>,
    pub progress: ProgressJson,
    /// Where "Resume" leads: the last unit seen, else the first not completed.
    pub resume_url: Option<String>,
}

/// The caller's active enrolments with their progress.
#[utoipa::path(get, path = "/api/v1/me/enrollments", responses((status = 200, body = Vec<Enrollment>), (status = 401)), tag = "enrollment")]
pub async fn my_enrollments(cx: Cx) -> AppResult<Response> {
    let list = enrollments_with_progress(&cx).await?;
    let body: Vec<Enrollment> = list
        .into_iter()
        .map(|(row, p)| Enrollment {
            resume_url: p
                .resume
                .map(|u| format!("/courses/{}/unit/{u}", row.course.course_key)),
            enrolled_at: time(Some(row.enrolled_at)),
            progress: ProgressJson {
                completed_units: p.done,
                total_units: p.total,
                percent: percent(p.done, p.total),
            },
            course: summary(&row.course),
        })
        .collect();
    Ok(json(StatusCode::OK, body))
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineJson {
    /// The course id, e.g. `course-v1:WMF+T101+2026`.
    pub course_key: String,
    pub course_title: String,
    /// The subsection, problem or open response that is due.
    pub block_id: i64,
    pub title: String,
    /// `subsection` (a graded subsection and the work in it that shares its date),
    /// `problem` or `open_response` (work with a due date of its own).
    #[schema(example = "subsection")]
    pub kind: &'static str,
    /// RFC 3339, UTC.
    #[schema(example = "2026-12-01T00:00:00Z")]
    pub due: String,
    /// Where the work is (site-relative).
    pub url: String,
    /// The date has passed: the work can no longer be submitted.
    pub past_due: bool,
}

/// The caller's upcoming due dates across the courses they are enrolled in, earliest
/// first: released work not yet submitted, including work missed in the last seven days
/// (with `past_due`).
#[utoipa::path(get, path = "/api/v1/me/deadlines", responses((status = 200, body = Vec<DeadlineJson>), (status = 401)), tag = "progress")]
pub async fn my_deadlines(cx: Cx) -> AppResult<Response> {
    let list = enrollments_with_progress(&cx).await?;
    let now = cx.app.now();
    let body: Vec<DeadlineJson> =
        crate::deadlines::pending(list.into_iter().flat_map(|(_, p)| p.deadlines), now)
            .into_iter()
            .map(|d| DeadlineJson {
                past_due: d.past_due(now),
                due: timestamp(d.due),
                kind: d.kind.as_str(),
                course_key: d.course_key,
                course_title: d.course_title,
                block_id: d.block.0,
                title: d.title,
                url: d.url,
            })
            .collect();
    Ok(json(StatusCode::OK, body))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    pub is_admin: bool,
}

/// The logged-in caller.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), tag = "account")]
pub async fn me(cx: Cx) -> AppResult<Response> {
    let u = cx.require_user()?;
    Ok(json(
        StatusCode::OK,
        Me {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            language: u.language.clone(),
            time_zone: u.time_zone.clone(),
            is_admin: u.is_admin,
        },
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressBody {
    /// Played ranges in seconds, `[[start, end], …]`.
    pub ranges: Vec<(f64, f64)>,
    /// Length of the video in seconds.
    pub duration: f64,
    /// Where playback is now, for resuming.
    #[serde(default)]
    pub position: f64,
}

#[derive(Serialize, ToSchema)]
pub struct VideoProgress {
    pub watched_fraction: f64,
    /// 90 % watched: the video counts as complete.
    pub complete: bool,
}

/// Report what part of a video the caller played (sent by the player).
#[utoipa::path(post, path = "/api/v1/blocks/{block_id}/progress", params(("block_id" = i64, Path)), request_body = ProgressBody,
    responses((status = 200, body = VideoProgress), (status = 400), (status = 401), (status = 404)), tag = "progress")]
pub async fn video_progress(
    cx: Cx,
    Path(block_id): Path<i64>,
    body: Result<Json<ProgressBody>, axum::extract::rejection::JsonRejection>,
) -> AppResult<Response> {
    let Json(b) = body.map_err(|_| AppError::bad_request("lyceum-error-bad-progress"))?;
    let report = ProgressReport {
        ranges: b.ranges,
        duration: b.duration,
        position: b.position,
    };
    let (fraction, complete) = record_video_progress(&cx, BlockId(block_id), &report).await?;
    Ok(json(
        StatusCode::OK,
        VideoProgress {
            watched_fraction: (fraction * 1000.0).round() / 1000.0,
            complete,
        },
    ))
}
