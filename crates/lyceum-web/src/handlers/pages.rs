//! A course's own pages: its static tabs and the Course info tab (handouts and updates),
//! imported from Open edX. Seen by whoever may see the courseware; read from the course's
//! cached content, so they cost the same queries as any courseware page.

use crate::courses::CourseCx;
use crate::error::{AppError, AppResult};
use crate::format;
use crate::handlers::courseware::{CourseHead, head, load_courseware};
use crate::handlers::html_response;
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;

#[derive(Template)]
#[template(path = "course/page.html")]
struct PageView {
    p: Page,
    title: String,
    head: CourseHead,
    html: Html,
}

pub struct UpdateView {
    /// `YYYY-MM-DD` for `<time datetime>`, when the date could be read.
    pub iso: Option<String>,
    pub date: String,
    pub html: Html,
}

#[derive(Template)]
#[template(path = "course/info.html")]
struct InfoView {
    p: Page,
    title: String,
    head: CourseHead,
    updates: Vec<UpdateView>,
    updates_html: Option<Html>,
    handouts: Option<Html>,
}

fn rewritten(p: &Page, course: &CourseCx, html: &str) -> Html {
    course.author_html(p, html)
}

/// `/courses/{key}/pages/{slug}`: one static tab.
pub async fn tab(cx: Cx, Path((key, slug)): Path<(String, String)>) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let page = course.content.pages.tab(&slug).ok_or(AppError::NotFound)?;
    let view = PageView {
        title: page.title.clone(),
        head: head(&cx, &course, &format!("page:{slug}")),
        html: rewritten(&cx.page, &course, &page.html),
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}

/// `/courses/{key}/{slug}`: where Open edX serves static tabs, and so where imported
/// `/course/SLUG` links lead.
pub async fn tab_by_edx_path(
    cx: Cx,
    Path((key, slug)): Path<(String, String)>,
) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    course.content.pages.tab(&slug).ok_or(AppError::NotFound)?;
    Ok(crate::handlers::see_other(
        &course.url(&format!("pages/{slug}")),
    ))
}

/// `/courses/{key}/info`: the course's updates, newest first, and its handouts.
pub async fn info(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = match load_courseware(&cx, &key).await? {
        Ok(c) => c,
        Err(redirect) => return Ok(redirect),
    };
    let pages = &course.content.pages;
    if !pages.has_info() {
        return Err(AppError::NotFound);
    }
    let p = &cx.page;
    let updates = pages
        .updates
        .iter()
        .map(|u| UpdateView {
            iso: u.date.map(|d| d.to_string()),
            date: match u.date {
                Some(d) => format::civil_date(p, d),
                None => u.date_text.clone(),
            },
            html: rewritten(&cx.page, &course, &u.html),
        })
        .collect::<Vec<_>>();
    let view = InfoView {
        title: p.text("lyceum-tab-info"),
        head: head(&cx, &course, "info"),
        // The list replaces the old single page of updates when it has any.
        updates_html: pages
            .updates_html
            .as_deref()
            .filter(|_| updates.is_empty())
            .map(|h| rewritten(&cx.page, &course, h)),
        updates,
        handouts: pages
            .handouts
            .as_deref()
            .map(|h| rewritten(&cx.page, &course, h)),
        p: cx.page.clone(),
    };
    Ok(html_response(view.render().map_err(AppError::internal)?))
}
