//! "My courses": every course the learner is enrolled in, with completion and a Resume
//! link to where they left off. A fixed number of queries however many courses.

use crate::error::{AppError, AppResult};
use crate::handlers::catalog::content_dir;
use crate::handlers::html_response;
use crate::page::{Cx, Page};
use askama::Template;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::clock::from_millis;
use lyceum_core::course::{Visibility, tree::percent};
use lyceum_core::permissions::{Action, CourseFacts, Resource, can};
use lyceum_core::{BlockId, CourseId};
use lyceum_store::repo::learner::{self, EnrollmentRow};
use std::collections::{HashMap, HashSet};

pub struct DashboardItem {
    pub title: String,
    pub org_name: String,
    pub code: String,
    pub language: String,
    pub dir: &'static str,
    pub outline_url: String,
    pub resume_url: Option<String>,
    pub started: bool,
    pub percent: u8,
    pub done: usize,
    pub total: usize,
    pub starts: Option<Timestamp>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardView {
    p: Page,
    title: String,
    items: Vec<DashboardItem>,
}

/// Progress of one enrolment: (done, total, resume unit url_name).
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub resume: Option<String>,
}

/// Enrolments with their progress, shared by the page and the JSON API.
pub async fn enrollments_with_progress(cx: &Cx) -> AppResult<Vec<(EnrollmentRow, Progress)>> {
    let user = cx.require_user()?.id();
    let (rows, completed) = {
        let mut c = cx.app.store().conn().await?;
        (
            learner::enrollments_of(&mut c, user).await?,
            learner::completed_everywhere(&mut c, user).await?,
        )
    };
    let mut by_course: HashMap<CourseId, HashSet<BlockId>> = HashMap::new();
    for (course, block) in completed {
        by_course.entry(course).or_default().insert(block);
    }
    let now = cx.app.now();
    let empty = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        let course = &row.course;
        let content = cx
            .app
            .courses()
            .get(cx.app.store(), course.id(), course.content_version)
            .await?;
        let facts = CourseFacts {
            published: course.published,
            enrollment_open: course.enrollment_open,
            enrolled: true,
            role: None,
        };
        // A course unpublished after enrolment stays listed but shows no content.
        let see = can(
            &cx.actor(),
            Action::ViewCourseware,
            Resource::Course(&facts),
        )
        .allowed();
        let vis = Visibility {
            now,
            course_start: course.start_at.map(from_millis),
            see_unreleased: false,
        };
        let tree = &content.tree;
        let done_set = by_course.get(&course.id()).unwrap_or(&empty);
        let (done, total) = if see {
            tree.progress(&vis, done_set)
        } else {
            (0, 0)
        };
        let visible = tree.visible_units(&vis);
        let last = row
            .last_unit_id
            .map(BlockId)
            .and_then(|id| tree.index_of(id))
            .filter(|u| visible.contains(u));
        let resume = last
            .or_else(|| {
                visible
                    .iter()
                    .copied()
                    .find(|&u| !tree.is_unit_complete(u, done_set))
            })
            .or(visible.first().copied())
            .filter(|_| see)
            .map(|u| tree.node(u).url_name.clone());
        out.push((
            row,
            Progress {
                done,
                total,
                resume,
            },
        ));
    }
    Ok(out)
}

pub async fn page(cx: Cx) -> AppResult<Response> {
    let list = enrollments_with_progress(&cx).await?;
    let items = list
        .into_iter()
        .map(|(row, prog)| {
            let c = &row.course;
            let base = format!("/courses/{}", c.course_key);
            DashboardItem {
                title: c.title.clone(),
                org_name: c.org_name.clone(),
                code: c.code.clone(),
                dir: content_dir(&c.language),
                language: c.language.clone(),
                outline_url: format!("{base}/courseware"),
                resume_url: prog.resume.map(|u| format!("{base}/unit/{u}")),
                started: row.last_unit_id.is_some(),
                percent: percent(prog.done, prog.total),
                done: prog.done,
                total: prog.total,
                starts: c.start_at.map(from_millis).filter(|s| *s > cx.app.now()),
            }
        })
        .collect();
    let view = DashboardView {
        title: cx.page.text("lyceum-dashboard-title"),
        items,
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}
