//! `/admin/settings`: the site settings (`lyceum_app::settings`), one form.

use super::{NavLink, form_error, nav, render, render_status, require_admin};
use crate::error::AppResult;
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use askama::Template;
use axum::Form;
use axum::response::Response;
use lyceum_app::settings::{self as app, MAX_REVIEW_INTERVAL_DAYS, SettingsInput};
use lyceum_core::limits;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsView {
    p: Page,
    title: String,
    nav: Vec<NavLink>,
    signup_enabled: bool,
    review_interval_days: String,
    max_days: u32,
    reason: String,
    reason_max: usize,
    error: Option<Html>,
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    signup_enabled: Option<String>,
    #[serde(default)]
    review_interval_days: String,
    #[serde(default)]
    reason: String,
}

fn view(cx: &Cx, signup: bool, days: String, reason: String, error: Option<Html>) -> SettingsView {
    SettingsView {
        title: cx.page.text("lyceum-admin-settings-title"),
        nav: nav("/admin/settings"),
        signup_enabled: signup,
        review_interval_days: days,
        max_days: MAX_REVIEW_INTERVAL_DAYS,
        reason,
        reason_max: limits::REASON.max_chars,
        error,
        p: cx.page.clone(),
    }
}

pub async fn page(cx: Cx) -> AppResult<Response> {
    require_admin(&cx)?;
    let s = app::load(&cx.app.env()).await?;
    render(&view(
        &cx,
        s.signup_enabled,
        s.review_interval_days.to_string(),
        String::new(),
        None,
    ))
}

pub async fn save(cx: Cx, Form(f): Form<SettingsForm>) -> AppResult<Response> {
    require_admin(&cx)?;
    let signup = f.signup_enabled.is_some();
    let result = app::update(
        &cx.app.env(),
        &cx.actor(),
        &SettingsInput {
            signup_enabled: signup,
            review_interval_days: &f.review_interval_days,
        },
        &f.reason,
    )
    .await;
    cx.app.forget_settings();
    match result {
        Ok(_) => Ok(see_other(&with_notice("/admin/settings", "saved"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            render_status(
                status,
                &view(&cx, signup, f.review_interval_days, f.reason, Some(message)),
            )
        }
    }
}
