//! `/admin/orgs`: every organisation, and the form that creates one.

use super::{NavLink, form_error, nav, render, render_status, require_admin};
use crate::error::AppResult;
use crate::handlers::orgs::logo_url;
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::Form;
use axum::response::Response;
use lyceum_app::orgs::{self as app, NewOrg};
use lyceum_core::course::key::KEY_PART_MAX;
use lyceum_core::limits;
use lyceum_store::repo::orgs as repo;
use serde::Deserialize;

pub struct OrgLine {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub edit_url: String,
    pub logo: Option<String>,
    pub courses: i64,
    pub members: i64,
    pub requires_review: bool,
    pub personal: bool,
}

/// `?personal=1` lists people's personal spaces too (hidden by default).
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    personal: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
}

#[derive(Template)]
#[template(path = "admin/orgs.html")]
struct OrgsView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    orgs: Vec<OrgLine>,
    form: CreateForm,
    error: Option<Html>,
    slug_max: usize,
    name_max: usize,
    description_max: usize,
    url_max: usize,
    /// Personal spaces are listed; how many there are.
    show_personal: bool,
    personal_count: usize,
}

async fn view(
    cx: &Cx,
    form: CreateForm,
    error: Option<Html>,
    show_personal: bool,
) -> AppResult<OrgsView> {
    let rows = {
        let mut c = cx.app.store().conn().await?;
        repo::summaries(&mut c).await?
    };
    let personal_count = rows.iter().filter(|o| o.personal).count();
    Ok(OrgsView {
        title: cx.page.text("lyceum-admin-orgs-title"),
        nav: nav("/admin/orgs"),
        orgs: rows
            .into_iter()
            .filter(|o| show_personal || !o.personal)
            .map(|o| OrgLine {
                url: format!("/orgs/{}", o.slug),
                edit_url: format!("/orgs/{}/edit", o.slug),
                logo: o.logo_sha256.as_deref().map(|h| logo_url(&o.slug, h)),
                name: o.name,
                slug: o.slug,
                courses: o.courses,
                members: o.members,
                requires_review: o.requires_review,
                personal: o.personal,
            })
            .collect(),
        form,
        error,
        slug_max: KEY_PART_MAX,
        name_max: limits::ORG_NAME.max_chars,
        description_max: limits::ORG_DESCRIPTION.max_chars,
        url_max: limits::URL.max_chars,
        show_personal,
        personal_count,
        p: cx.page.clone(),
    })
}

pub async fn list(
    cx: Cx,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> AppResult<Response> {
    require_admin(&cx)?;
    let personal = q.personal.as_deref() == Some("1");
    render(&view(&cx, CreateForm::default(), None, personal).await?)
}

pub async fn create(cx: Cx, Form(f): Form<CreateForm>) -> AppResult<Response> {
    require_admin(&cx)?;
    let result = app::create(
        &cx.app.env(),
        &cx.actor(),
        &NewOrg {
            slug: &f.slug,
            name: &f.name,
            description: &f.description,
            website: &f.website,
        },
    )
    .await;
    match result {
        Ok(_) => Ok(see_other(&with_notice(
            &format!("/orgs/{}", f.slug.trim()),
            "saved",
        ))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            render_status(status, &view(&cx, f, Some(message), false).await?)
        }
    }
}
