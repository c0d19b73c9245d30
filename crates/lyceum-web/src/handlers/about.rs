//! A course's About page, and enrolling or unenrolling from it.

use crate::courses::{self, CourseCx, decide};
use crate::error::{AppError, AppResult};
use crate::format;
use crate::handlers::catalog::{content_dir, effort_of};
use crate::handlers::{html_response, see_other, with_notice};
use crate::page::{Cx, Html, Page, escape};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use jiff::Timestamp;
use lyceum_core::clock::from_millis;
use lyceum_core::course::License;
use lyceum_core::course::status::EnrollmentWindow;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_store::repo::learner;

pub struct SyllabusEntry {
    pub title: String,
    /// Shown when the section is not yet open.
    pub release: Option<Timestamp>,
}

#[derive(Template)]
#[template(path = "course/about.html")]
struct AboutView {
    p: Page,
    title: String,
    org_name: String,
    code: String,
    language: String,
    language_name: String,
    content_dir: &'static str,
    /// Every language the course is offered in (its own first), with the page in each:
    /// empty when it has no published translation (issue 17).
    languages: Vec<(crate::handlers::courseware::LanguageChoice, String)>,
    short_description: String,
    overview_html: Html,
    outcomes: Vec<String>,
    syllabus: Vec<SyllabusEntry>,
    effort: Option<String>,
    effort_total: Option<String>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    license_name: Html,
    /// Empty when the licence has no deed (all rights reserved).
    license_url: &'static str,
    license_footer: Html,
    enrolled: bool,
    can_enroll: bool,
    needs_login: bool,
    on_team: bool,
    courseware_url: String,
    enroll_url: String,
    unenroll_url: String,
    /// The card image's URL.
    image_url: Option<String>,
    /// The course's instructors, by name.
    maintainers: Vec<String>,
    last_reviewed: Option<Timestamp>,
    status_key: &'static str,
    status: &'static str,
    may_be_outdated: bool,
    /// Why enrolment is closed, when it is closed by its dates.
    enrollment_note: Option<Html>,
    /// A fork's attribution, with every author of its source.
    attribution: Option<Html>,
    /// "Fork this course": the form's URL when the viewer may fork it…
    fork_url: Option<String>,
    /// …a log-in link for the anonymous…
    fork_needs_login: bool,
    /// …or the line saying the licence does not allow adaptations.
    fork_forbidden: bool,
    /// Hidden by a moderator (only its team and moderators see it): the banner.
    hidden: Option<crate::handlers::moderation::HiddenBanner>,
    /// "Report this course", for those who may.
    report_url: Option<String>,
}

pub fn license_of(course: &CourseCx) -> License {
    License::parse(&course.row.license).unwrap_or_default()
}

/// The licence's name as shown: a free licence's own name, or "All rights reserved".
fn license_name(p: &Page, l: License) -> Html {
    match l {
        License::AllRightsReserved => p.t("lyceum-license-all-rights-reserved"),
        _ => Html(escape(l.short_name())),
    }
}

/// The name of a course's organisation as pages show it: a personal space is "NAME's
/// space" in the viewer's language (the organisation row stores the person's name).
pub fn org_name(p: &Page, row: &lyceum_store::repo::courses::CourseRow) -> String {
    if row.personal() {
        p.text1("lyceum-fork-personal-space", p.bdi(&row.org_name))
    } else {
        row.org_name.clone()
    }
}

/// The footer of a course's pages: its licence and, for a fork, the attribution of its
/// source (its first authors, the rest on the About page).
pub fn course_footer(p: &Page, row: &lyceum_store::repo::courses::CourseRow) -> Html {
    let mut h = license_footer(p, License::parse(&row.license).unwrap_or_default()).0;
    if let Some(src) = row.fork_source() {
        h.push(' ');
        h.push_str(
            &crate::handlers::forks::attribution(
                p,
                &src,
                &format!("/courses/{}/about", row.course_key),
                true,
            )
            .0,
        );
    }
    Html(h)
}

/// The footer line of a course's pages: its licence, linked to the licence's deed.
pub fn license_footer(p: &Page, l: License) -> Html {
    match l {
        License::AllRightsReserved => p.t("lyceum-footer-course-all-rights-reserved"),
        _ => p.t1(
            "lyceum-footer-course-license",
            Html(format!(
                r#"<a rel="license" href="{}">{}</a>"#,
                l.url(),
                escape(l.short_name())
            )),
        ),
    }
}

pub async fn page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    let p = &cx.page;
    let actor = cx.actor();
    let enroll = can(&actor, Action::Enroll, Resource::Course(&course.facts));
    let tree = course.tree();
    let now = cx.app.now();
    let syllabus = tree
        .sections()
        .iter()
        .map(|&s| {
            let n = tree.node(s);
            let release = n.effective_release.filter(|r| *r > now);
            SyllabusEntry {
                title: n.title.clone(),
                release,
            }
        })
        .collect();
    let license = license_of(&course);
    let row = &course.row;
    let effort = effort_of(row);
    let mut c = cx.app.store().conn().await?;
    let team = lyceum_store::repo::course_admin::team(&mut c, course.id()).await?;
    let extras = lyceum_store::repo::course_admin::extras(&mut c, course.id()).await?;
    let interval = cx.app.settings().await?.review_interval();
    drop(c);
    let status = lyceum_core::course::CourseStatus::parse(&row.status)
        .unwrap_or(lyceum_core::course::CourseStatus::Draft);
    let enrollment_note = match row.enrollment_window(now) {
        EnrollmentWindow::NotYet(t) => {
            Some(p.t1("lyceum-course-settings-enrollment-opens", p.date(t)))
        }
        EnrollmentWindow::Ended(t) => {
            Some(p.t1("lyceum-course-settings-enrollment-ended", p.date(t)))
        }
        _ => None,
    };
    let fork = can(
        &actor,
        Action::Fork,
        Resource::ForkSource {
            course: &course.facts,
            adaptable: license.allows_adaptation(),
        },
    );
    let fork_shown = row.published;
    let view = AboutView {
        attribution: row
            .fork_source()
            .map(|src| crate::handlers::forks::attribution(p, &src, &course.url("about"), false)),
        fork_url: (fork_shown && fork.allowed()).then(|| course.url("fork")),
        fork_needs_login: fork_shown && fork == lyceum_core::permissions::Decision::NeedLogin,
        fork_forbidden: fork_shown
            && fork == lyceum_core::permissions::Decision::Forbidden
            && !license.allows_adaptation(),
        title: row.title.clone(),
        org_name: org_name(p, row),
        code: row.code.clone(),
        language_name: format::language_name(&row.language),
        content_dir: content_dir(&row.language),
        languages: crate::handlers::courseware::language_choices(&course)
            .into_iter()
            .map(|l| {
                let url = format!("{}?content_lang={}", course.url("about"), l.code);
                (l, url)
            })
            .collect(),
        language: row.language.clone(),
        short_description: row.short_description.clone(),
        overview_html: Html(row.overview_html.clone()),
        outcomes: row.outcomes(),
        syllabus,
        effort: effort.map(|e| format::effort(p, e)),
        effort_total: effort.map(|e| format::effort_total(p, e)),
        start: row.start_at.map(from_millis),
        end: row.end_at.map(from_millis),
        license_name: license_name(p, license),
        license_url: license.url(),
        license_footer: course_footer(p, row),
        enrolled: course.facts.enrolled,
        can_enroll: enroll.allowed(),
        needs_login: enroll == lyceum_core::permissions::Decision::NeedLogin,
        on_team: course.on_team(&cx),
        courseware_url: course.url("courseware"),
        enroll_url: course.url("enroll"),
        unenroll_url: course.url("unenroll"),
        image_url: row
            .card_image
            .as_deref()
            .and_then(|name| course.content.assets.get(name))
            .map(|a| courses::asset_url(course.key(), a)),
        maintainers: team
            .iter()
            .filter(|m| m.role.as_str() == "instructor")
            .map(|m| m.shown_name().to_owned())
            .collect(),
        last_reviewed: row.last_reviewed_at.map(from_millis),
        status_key: crate::handlers::course_admin::status_label(status),
        status: status.as_str(),
        may_be_outdated: lyceum_app::course_admin::may_be_outdated(
            &row.status,
            row.last_reviewed_at,
            extras.and_then(|e| e.last_published_at),
            now,
            interval,
        ),
        enrollment_note,
        hidden: crate::handlers::moderation::course_banner(&course),
        report_url: crate::handlers::moderation::may_report(&cx, &course).then(|| {
            crate::handlers::moderation::report_url("course", course.key(), &course.url("about"))
        }),
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// Enrol the viewer (idempotent). Shared by the page and the JSON API.
pub async fn enroll_viewer(cx: &Cx, course: &CourseCx) -> AppResult<()> {
    decide(
        can(&cx.actor(), Action::Enroll, Resource::Course(&course.facts)),
        cx,
        "lyceum-error-enrollment-closed",
    )?;
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    learner::enroll(&mut c, user, course.id(), cx.app.now_ms()).await?;
    Ok(())
}

/// Unenrol the viewer; their progress is kept for if they come back.
pub async fn unenroll_viewer(cx: &Cx, course: &CourseCx) -> AppResult<bool> {
    decide(
        can(
            &cx.actor(),
            Action::Unenroll,
            Resource::Course(&course.facts),
        ),
        cx,
        "lyceum-error-forbidden",
    )?;
    let user = cx.require_user()?.id();
    let mut c = cx.app.store().conn().await?;
    Ok(learner::unenroll(&mut c, user, course.id(), cx.app.now_ms()).await?)
}

pub async fn enroll(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    if cx.user().is_none() {
        return Err(AppError::LoginRequired {
            return_to: course.url("about"),
        });
    }
    enroll_viewer(&cx, &course).await?;
    Ok(see_other(&with_notice(
        &course.url("courseware"),
        "enrolled",
    )))
}

#[derive(Template)]
#[template(path = "course/unenroll.html")]
struct UnenrollView {
    p: Page,
    title: String,
    course_title: String,
    language: String,
    content_dir: &'static str,
    unenroll_url: String,
    about_url: String,
}

/// Leaving takes a confirmation: the About page's button opens it in place (no script
/// needed); a post without it gets a page asking, and changes nothing.
pub async fn unenroll(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = courses::load(&cx, &key).await?;
    if cx.user().is_none() {
        return Err(AppError::LoginRequired {
            return_to: course.url("about"),
        });
    }
    let confirmed = url::form_urlencoded::parse(&body).any(|(k, v)| k == "confirm" && v == "yes");
    if !confirmed {
        decide(
            can(
                &cx.actor(),
                Action::Unenroll,
                Resource::Course(&course.facts),
            ),
            &cx,
            "lyceum-error-forbidden",
        )?;
        let view = UnenrollView {
            title: cx.page.text("lyceum-unenroll-confirm-title"),
            course_title: course.row.title.clone(),
            content_dir: content_dir(&course.row.language),
            language: course.row.language.clone(),
            unenroll_url: course.url("unenroll"),
            about_url: course.url("about"),
            p: cx.page.clone(),
        };
        return Ok(html_response(view.render().map_err(AppError::internal)?));
    }
    unenroll_viewer(&cx, &course).await?;
    Ok(see_other(&with_notice(&course.url("about"), "unenrolled")))
}
