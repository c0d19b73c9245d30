//! Forks in the browser: the "Fork this course" form (`/courses/{key}/fork`), and the
//! attribution a fork's pages carry (the About page and every courseware footer), as CC
//! BY-SA 4.0 §3(a) asks: the source's title linked to it, its authors, its licence linked
//! to the deed, and "Changes were made." once the fork differs. The JSON API's route is in
//! `api::forks`, merged here.

use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::course_admin::{message, rendered, shown_in_form, status_of};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page, Piece, escape};
use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use lyceum_app::forks::{self as uc, ForkInput, ForkTarget};
use lyceum_core::course::License;
use lyceum_core::limits;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_store::repo::courses::ForkSource;

pub fn routes() -> Router<crate::state::App> {
    Router::new()
        .route("/courses/{key}/fork", get(form_page).post(submit))
        .route("/courses/{key}/move", get(move_page).post(move_submit))
        .merge(crate::api::forks::routes())
}

/// How many of the source's authors a footer names before "and N others".
const AUTHORS_SHOWN: usize = 3;

fn licence_link(l: License) -> Html {
    if l.url().is_empty() {
        Html(escape(l.short_name()))
    } else {
        Html(format!(
            r#"<a rel="license" href="{}">{}</a>"#,
            l.url(),
            escape(l.short_name())
        ))
    }
}

/// The attribution line of a fork: "Adapted from SOURCE by AUTHORS, under LICENCE."
/// (plus "Changes were made." once it differs). `about_url` is the fork's About page,
/// where the full list of authors is; `short` names only the first few.
pub fn attribution(p: &Page, src: &ForkSource, about_url: &str, short: bool) -> Html {
    let title = format!("<bdi>{}</bdi>", escape(&src.title));
    let source = if src.key.is_empty() {
        Html(title)
    } else {
        Html(format!(
            r#"<a class="fork-source" href="/courses/{}/about">{title}</a>"#,
            escape(&src.key)
        ))
    };
    let licence = License::parse(&src.license).unwrap_or(License::AllRightsReserved);
    let names = |list: &[String]| {
        list.iter()
            .map(|a| format!("<bdi>{}</bdi>", escape(a)))
            .collect::<Vec<_>>()
            .join(&escape(&p.text("lyceum-list-separator")))
    };
    let mut out = if src.authors.is_empty() {
        p.t2(
            "lyceum-fork-attribution-no-authors",
            source,
            licence_link(licence),
        )
        .0
    } else {
        let authors = if short && src.authors.len() > AUTHORS_SHOWN + 1 {
            let more = src.authors.len() - AUTHORS_SHOWN;
            let others = format!(
                r#"<a href="{}#source-authors">{}</a>"#,
                escape(about_url),
                p.t1("lyceum-fork-authors-others", more).0
            );
            p.tn(
                "lyceum-fork-authors-and",
                &[
                    Piece::Html(names(&src.authors[..AUTHORS_SHOWN])),
                    Piece::Html(others),
                ],
            )
            .0
        } else {
            names(&src.authors)
        };
        p.t3(
            "lyceum-fork-attribution",
            source,
            Html(authors),
            licence_link(licence),
        )
        .0
    };
    if src.modified {
        out.push(' ');
        out.push_str(&p.t("lyceum-fork-changed").0);
    }
    Html(out)
}

// --- The fork form -------------------------------------------------------------------------

pub struct TargetChoice {
    /// The organisation's slug; empty for the personal space.
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "course/fork.html")]
struct ForkView {
    p: Page,
    title: String,
    course_title: String,
    about_url: String,
    licence: Html,
    share_alike: bool,
    /// The licence allows adaptations (otherwise the page explains why there is no form).
    allowed: bool,
    targets: Vec<TargetChoice>,
    new_title: String,
    code: String,
    run: String,
    run_placeholder: String,
    error: Option<Html>,
    form_url: String,
    key_max: usize,
    title_max: usize,
}

async fn view(
    cx: &Cx,
    course: &CourseCx,
    pairs: &[(String, String)],
    error: Option<Html>,
) -> AppResult<ForkView> {
    let f = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let p = &cx.page;
    cx.require_user()?;
    let orgs = lyceum_app::course_admin::creatable_orgs(&cx.app.env(), &cx.actor()).await?;
    let chosen = f("org");
    let mut targets: Vec<TargetChoice> = orgs
        .iter()
        .map(|o| TargetChoice {
            value: o.slug.clone(),
            label: o.name.clone(),
            selected: chosen.as_deref() == Some(o.slug.as_str()),
        })
        .collect();
    let personal_selected = chosen.as_deref() == Some("") || chosen.is_none();
    targets.push(TargetChoice {
        value: String::new(),
        label: p.text("lyceum-fork-target-personal"),
        selected: false,
    });
    if !targets.iter().any(|t| t.selected) {
        // Nothing chosen yet: the first organisation, or the personal space.
        let first = if personal_selected && chosen.is_some() {
            targets.len() - 1
        } else {
            0
        };
        targets[first].selected = true;
    }
    let licence = License::parse(&course.row.license).unwrap_or(License::AllRightsReserved);
    Ok(ForkView {
        title: p.text1("lyceum-fork-page-title", p.bdi(&course.row.title)),
        course_title: course.row.title.clone(),
        about_url: course.url("about"),
        licence: licence_link(licence),
        share_alike: licence == License::CcBySa40,
        allowed: licence.allows_adaptation(),
        targets,
        new_title: f("title").unwrap_or_else(|| course.row.title.clone()),
        code: f("code").unwrap_or_else(|| course.row.code.clone()),
        run: f("run").unwrap_or_default(),
        run_placeholder: format!("{}-fork", course.row.run),
        error,
        form_url: course.url("fork"),
        key_max: lyceum_core::course::key::KEY_PART_MAX,
        title_max: limits::COURSE_TITLE.max_chars,
        p: p.clone(),
    })
}

async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    cx.require_user()?;
    courses::load(cx, key).await
}

pub async fn form_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let v = view(&cx, &course, &[], None).await?;
    let status = if v.allowed {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    rendered(v, status)
}

pub async fn submit(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let f = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let target = match f("org").trim() {
        "" => ForkTarget::Personal,
        slug => ForkTarget::Org(slug.to_owned()),
    };
    let input = ForkInput {
        title: f("title"),
        code: f("code"),
        run: f("run"),
    };
    match uc::fork(&cx.app.env(), &cx.actor(), &key, &target, &input).await {
        Ok(created) => Ok(see_other(&with_notice(
            &format!("/courses/{}/studio", created.key),
            "course-forked",
        ))),
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            let v = view(&cx, &course, &pairs, Some(message(&cx.page, &e.error))).await?;
            rendered(v, status)
        }
        Err(e) => Err(AppError::from(e)),
    }
}

// --- Moving a personal course into an organisation -----------------------------------------

#[derive(Template)]
#[template(path = "course/move.html")]
struct MoveView {
    p: Page,
    title: String,
    course_title: String,
    settings_url: String,
    targets: Vec<TargetChoice>,
    error: Option<Html>,
    form_url: String,
}

/// The course, for someone who runs it (others: 404 or 403 as `can` says).
async fn load_movable(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    cx.require_user()?;
    let course = courses::load(cx, key).await?;
    crate::courses::decide(
        can(
            &cx.actor(),
            Action::Administer,
            Resource::Course(&course.facts),
        ),
        cx,
        "lyceum-fork-error-move-forbidden",
    )?;
    Ok(course)
}

async fn move_view(
    cx: &Cx,
    course: &CourseCx,
    chosen: Option<&str>,
    error: Option<Html>,
) -> AppResult<MoveView> {
    let p = &cx.page;
    let orgs = lyceum_app::course_admin::creatable_orgs(&cx.app.env(), &cx.actor()).await?;
    let mut targets: Vec<TargetChoice> = orgs
        .into_iter()
        .filter(|o| o.id != course.row.org_id)
        .map(|o| TargetChoice {
            selected: chosen == Some(o.slug.as_str()),
            value: o.slug,
            label: o.name,
        })
        .collect();
    if let Some(first) = targets.first_mut()
        && chosen.is_none()
    {
        first.selected = true;
    }
    Ok(MoveView {
        title: p.text1("lyceum-fork-move-title", p.bdi(&course.row.title)),
        course_title: course.row.title.clone(),
        settings_url: course.url("settings"),
        targets,
        error,
        form_url: course.url("move"),
        p: p.clone(),
    })
}

pub async fn move_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load_movable(&cx, &key).await?;
    if !course.row.personal() {
        return Err(AppError::NotFound);
    }
    rendered(move_view(&cx, &course, None, None).await?, StatusCode::OK)
}

pub async fn move_submit(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load_movable(&cx, &key).await?;
    let org = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "org")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    match uc::move_to_org(&cx.app.env(), &cx.actor(), &key, &org).await {
        Ok(new_key) => Ok(see_other(&with_notice(
            &format!("/courses/{new_key}/settings"),
            "course-moved",
        ))),
        Err(e) if shown_in_form(&e) => {
            let status = status_of(&e);
            let v = move_view(&cx, &course, Some(&org), Some(message(&cx.page, &e.error))).await?;
            rendered(v, status)
        }
        Err(e) => Err(AppError::from(e)),
    }
}
