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
    trust_days: String,
    trust_activity: String,
    max_trust_days: u32,
    max_trust_activity: u32,
    conduct_text: String,
    conduct_max: usize,
    reason: String,
    reason_max: usize,
    error: Option<Html>,
}

/// The fields of the trust and code-of-conduct part of the form, as typed.
struct TrustFields {
    days: String,
    activity: String,
    conduct: String,
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    signup_enabled: Option<String>,
    #[serde(default)]
    review_interval_days: String,
    /// Absent (an older form, a script): unchanged.
    trust_min_account_days: Option<String>,
    trust_min_activity: Option<String>,
    conduct_text: Option<String>,
    #[serde(default)]
    reason: String,
}

fn view(
    cx: &Cx,
    signup: bool,
    days: String,
    trust: TrustFields,
    reason: String,
    error: Option<Html>,
) -> SettingsView {
    SettingsView {
        trust_days: trust.days,
        trust_activity: trust.activity,
        max_trust_days: lyceum_core::trust::MAX_MIN_ACCOUNT_DAYS,
        max_trust_activity: lyceum_core::trust::MAX_MIN_ACTIVITY,
        conduct_text: trust.conduct,
        conduct_max: limits::CONDUCT_TEXT.max_chars,
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
    let conduct = {
        let mut c = cx.app.store().conn().await?;
        lyceum_app::conduct::text(&mut c).await?.unwrap_or_default()
    };
    render(&view(
        &cx,
        s.signup_enabled,
        s.review_interval_days.to_string(),
        TrustFields {
            days: s.trust.min_account_days.to_string(),
            activity: s.trust.min_activity.to_string(),
            conduct,
        },
        String::new(),
        None,
    ))
}

pub async fn save(cx: Cx, Form(f): Form<SettingsForm>) -> AppResult<Response> {
    require_admin(&cx)?;
    let signup = f.signup_enabled.is_some();
    let env = cx.app.env();
    let actor = cx.actor();
    let current = app::load(&env).await?;
    let f = SettingsForm {
        trust_min_account_days: Some(
            f.trust_min_account_days
                .unwrap_or_else(|| current.trust.min_account_days.to_string()),
        ),
        trust_min_activity: Some(
            f.trust_min_activity
                .unwrap_or_else(|| current.trust.min_activity.to_string()),
        ),
        ..f
    };
    let conduct_sent = f.conduct_text.is_some();
    let conduct = match f.conduct_text.clone() {
        Some(t) => t,
        None => {
            let mut c = cx.app.store().conn().await?;
            lyceum_app::conduct::text(&mut c).await?.unwrap_or_default()
        }
    };
    let days_text = f.trust_min_account_days.clone().unwrap_or_default();
    let activity_text = f.trust_min_activity.clone().unwrap_or_default();
    // Every field is checked before anything is saved, so a refusal changes nothing.
    let checked =
        lyceum_core::limits::whole(&days_text, 0, lyceum_core::trust::MAX_MIN_ACCOUNT_DAYS)
            .and_then(|_| {
                lyceum_core::limits::whole(&activity_text, 0, lyceum_core::trust::MAX_MIN_ACTIVITY)
            })
            .and_then(|_| limits::clean(&conduct, limits::CONDUCT_TEXT))
            .and_then(|md| lyceum_core::sanitize::try_markdown_to_html(&md))
            .map_err(lyceum_app::Error::invalid);
    let result = match checked {
        Err(e) => Err(e),
        Ok(_) => match app::update(
            &env,
            &actor,
            &SettingsInput {
                signup_enabled: signup,
                review_interval_days: &f.review_interval_days,
            },
            &f.reason,
        )
        .await
        {
            Ok(_) => {
                match app::set_trust_thresholds(&env, &actor, &days_text, &activity_text, &f.reason)
                    .await
                {
                    Ok(_) if conduct_sent => {
                        lyceum_app::conduct::set_text(&env, &actor, &conduct, &f.reason).await
                    }
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        },
    };
    cx.app.forget_settings();
    match result {
        Ok(_) => Ok(see_other(&with_notice("/admin/settings", "saved"))),
        Err(e) => {
            let (status, message) = form_error(&cx.page, e)?;
            render_status(
                status,
                &view(
                    &cx,
                    signup,
                    f.review_interval_days,
                    TrustFields {
                        days: days_text,
                        activity: activity_text,
                        conduct,
                    },
                    f.reason,
                    Some(message),
                ),
            )
        }
    }
}
