//! "My courses": the courses a person teaches, with their staff tools; every course they
//! are enrolled in, with completion and a Resume link; and their next due dates across
//! courses. A fixed number of queries however many courses.

use crate::deadlines::{self, DueItem, DueLine};
use crate::error::{AppError, AppResult};
use crate::handlers::catalog::content_dir;
use crate::handlers::html_response;
use crate::kinds::open_response::assignment as open_responses;
use crate::page::{Cx, Page};
use crate::state::App;
use askama::Template;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::clock::from_millis;
use lyceum_core::course::{Visibility, tree::percent};
use lyceum_core::permissions::{Action, Actor, CourseFacts, CourseRole, Resource, can};
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::courses;
use lyceum_store::repo::learner::{self, EnrollmentRow};
use std::collections::{HashMap, HashSet};

pub struct DashboardItem {
    pub title: String,
    pub org_name: String,
    pub code: String,
    pub language: String,
    pub dir: &'static str,
    pub outline_url: String,
    pub dates_url: String,
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
    teaching: Vec<TeachingItem>,
    deadlines: Vec<DueLine>,
    /// Site admins get the site's own tools.
    admin: bool,
    /// May create a course in some organisation.
    can_create: bool,
    /// The organisations the viewer belongs to: (name, page, "create a course" link when
    /// their role allows it).
    orgs: Vec<OrgItem>,
}

pub struct OrgItem {
    pub name: String,
    pub url: String,
    pub role_key: String,
    pub create_url: Option<String>,
}

/// Progress of one enrolment: (done, total, resume unit url_name), and its due dates.
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub resume: Option<String>,
    /// Every due date the learner has in the course (released content only).
    pub deadlines: Vec<DueItem>,
}

/// Enrolments with their progress, shared by the page and the JSON API.
pub async fn enrollments_with_progress(cx: &Cx) -> AppResult<Vec<(EnrollmentRow, Progress)>> {
    let user = cx.require_user()?.id();
    progress_of(&cx.app, user, &cx.actor()).await
}

/// `user`'s enrolments with their progress and due dates, as `actor` may see them: two
/// statements, and the course trees from the cache.
pub async fn progress_of(
    app: &App,
    user: UserId,
    actor: &Actor,
) -> AppResult<Vec<(EnrollmentRow, Progress)>> {
    let (rows, completed) = {
        let mut c = app.store().conn().await?;
        (
            learner::enrollments_of(&mut c, user).await?,
            learner::completed_everywhere(&mut c, user).await?,
        )
    };
    let mut by_course: HashMap<CourseId, HashSet<BlockId>> = HashMap::new();
    for (course, block) in completed {
        by_course.entry(course).or_default().insert(block);
    }
    let now = app.now();
    let empty = HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        let course = &row.course;
        let content = app
            .courses()
            .get(app.store(), course.id(), course.content_version)
            .await?;
        let facts = CourseFacts {
            published: course.published,
            enrollment_open: course.enrollment_open,
            enrolled: true,
            role: None,
            org_role: None,
            hidden: course.hidden_at.is_some(),
        };
        // A course unpublished after enrolment stays listed but shows no content.
        let see = can(actor, Action::ViewCourseware, Resource::Course(&facts)).allowed();
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
        let deadlines = if see {
            deadlines::of_course(course, tree, &vis, done_set)
        } else {
            Vec::new()
        };
        out.push((
            row,
            Progress {
                done,
                total,
                resume,
                deadlines,
            },
        ));
    }
    Ok(out)
}

/// A course the person teaches, with links to their staff tools.
pub struct TeachingItem {
    pub title: String,
    pub org_name: String,
    pub code: String,
    pub language: String,
    pub dir: &'static str,
    pub role_key: &'static str,
    /// The course's status when it is not simply published (draft, in review, archived).
    pub status_key: Option<&'static str>,
    pub outline_url: String,
    /// (message key, url) of each staff tool the role may use.
    pub tools: Vec<(&'static str, String)>,
    /// Responses waiting for the teaching team, and the grading queue's URL (when any).
    pub waiting: Option<(usize, String)>,
}

/// How many due dates the dashboard shows.
const NEXT_DEADLINES: usize = 5;

/// Courses `user` teaches with the tools `actor` may use in each, and the responses
/// waiting for them: one statement for the courses, the course trees from the cache (to
/// offer the grading queue only where there is one), and three for the waiting work of all
/// those courses together (none when no course has an open response).
async fn teaching(cx: &Cx, user: UserId) -> AppResult<Vec<TeachingItem>> {
    let rows = {
        let mut c = cx.app.store().conn().await?;
        courses::teaching_of(&mut c, user).await?
    };
    let mut graded = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for (course, role) in rows {
        let facts = CourseFacts {
            published: course.published,
            enrollment_open: course.enrollment_open,
            enrolled: false,
            role: Some(role),
            org_role: None,
            hidden: course.hidden_at.is_some(),
        };
        let base = format!("/courses/{}", course.course_key);
        let mut tools = Vec::new();
        let mut queue_url = None;
        if can(&cx.actor(), Action::Grade, Resource::Course(&facts)).allowed() {
            tools.push((
                "lyceum-instructor-gradebook",
                format!("{base}/instructor/gradebook"),
            ));
            let content = cx
                .app
                .courses()
                .get(cx.app.store(), course.id(), course.content_version)
                .await?;
            if open_responses::has_open_responses(&content.tree) {
                let url = format!("{base}/instructor/open-responses");
                tools.push(("lyceum-or-staff-queue-title", url.clone()));
                queue_url = Some(url);
                graded.push((course.id(), content));
            }
        }
        if can(&cx.actor(), Action::Edit, Resource::Course(&facts)).allowed() {
            tools.insert(
                0,
                ("lyceum-studio-edit-in-studio", format!("{base}/studio")),
            );
            tools.push((
                "lyceum-dashboard-tool-olx",
                format!("{base}/instructor/olx"),
            ));
            tools.push(("lyceum-course-settings-nav", format!("{base}/settings")));
        }
        if can(&cx.actor(), Action::ManageTeam, Resource::Course(&facts)).allowed() {
            tools.push(("lyceum-team-nav", format!("{base}/team")));
        }
        // Issue 17: its translations, for its translators and writers.
        if can(&cx.actor(), Action::Translate, Resource::Course(&facts)).allowed() {
            tools.push((
                "lyceum-studio-nav-translations",
                format!("{base}/translate"),
            ));
        }
        let status = lyceum_core::course::CourseStatus::parse(&course.status);
        out.push((
            course.id(),
            queue_url,
            TeachingItem {
                title: course.title.clone(),
                org_name: course.org_name.clone(),
                code: course.code.clone(),
                dir: content_dir(&course.language),
                language: course.language.clone(),
                role_key: match role {
                    CourseRole::Instructor => "lyceum-dashboard-role-instructor",
                    CourseRole::Author => "lyceum-dashboard-role-author",
                    CourseRole::Staff => "lyceum-dashboard-role-staff",
                    CourseRole::Translator => "lyceum-dashboard-role-translator",
                },
                status_key: status
                    .filter(|s| *s != lyceum_core::course::CourseStatus::Published)
                    .map(crate::handlers::course_admin::status_label),
                outline_url: format!("{base}/courseware"),
                tools,
                waiting: None,
            },
        ));
    }
    let waiting = open_responses::waiting_in_courses(&cx.app, &graded).await?;
    Ok(out
        .into_iter()
        .map(|(id, queue_url, mut item)| {
            item.waiting = queue_url
                .zip(waiting.get(&id).copied())
                .filter(|(_, n)| *n > 0)
                .map(|(url, n)| (n, url));
            item
        })
        .collect())
}

pub async fn page(cx: Cx) -> AppResult<Response> {
    let user = cx.require_user()?.id();
    let list = enrollments_with_progress(&cx).await?;
    let teaching = teaching(&cx, user).await?;
    let now = cx.app.now();
    let mut next = deadlines::pending(
        list.iter()
            .flat_map(|(_, prog)| prog.deadlines.iter().cloned()),
        now,
    );
    next.truncate(NEXT_DEADLINES);
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
                dates_url: format!("{base}/dates"),
                resume_url: prog.resume.map(|u| format!("{base}/unit/{u}")),
                started: row.last_unit_id.is_some(),
                percent: percent(prog.done, prog.total),
                done: prog.done,
                total: prog.total,
                starts: c.start_at.map(from_millis).filter(|s| *s > now),
            }
        })
        .collect();
    let memberships = {
        let mut c = cx.app.store().conn().await?;
        lyceum_store::repo::orgs::memberships(&mut c, user).await?
    };
    let actor = cx.actor();
    let orgs = memberships
        .into_iter()
        .map(|m| {
            let facts = lyceum_core::permissions::OrgFacts {
                role: lyceum_core::permissions::OrgRole::parse(&m.role),
            };
            OrgItem {
                url: format!("/orgs/{}", m.slug),
                role_key: format!("lyceum-org-role-{}", m.role),
                create_url: can(&actor, Action::CreateCourse, Resource::Org(&facts))
                    .allowed()
                    .then(|| format!("/courses/new?org={}", m.slug)),
                name: m.name,
            }
        })
        .collect::<Vec<OrgItem>>();
    let admin = can(&actor, Action::Administer, Resource::Site).allowed();
    // From the memberships already read: no statement of its own.
    let can_create = admin || orgs.iter().any(|o| o.create_url.is_some());
    let view = DashboardView {
        orgs,
        title: cx.page.text("lyceum-dashboard-title"),
        items,
        teaching,
        deadlines: deadlines::lines(&cx.page, next),
        admin,
        can_create,
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}
