//! Every route of the site, in one place.

use crate::handlers::notifications;
use crate::handlers::olx as course_olx;
use crate::handlers::{
    about, account, calendar, catalog, courseware, dashboard, errors, instructor, media, oauth,
    pages, progress,
};
use crate::state::App;
use crate::{api, assets, kinds, security};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

pub fn router(app: App) -> Router {
    router_with(app, Router::new())
}

/// The site's router with `extra` routes served under the same middleware as every page
/// (error pages, panic containment, security headers): for tests that need a route the
/// site does not have, such as one that panics.
pub fn router_with(app: App, extra: Router<App>) -> Router {
    // Course archives are far larger than axum's default body limit; the import handlers
    // count the bytes themselves and stop at the configured cap (plus the form around it).
    let upload_limit = DefaultBodyLimit::max(
        usize::try_from(
            app.config()
                .import
                .max_upload_bytes()
                .saturating_add(1024 * 1024),
        )
        .unwrap_or(usize::MAX),
    );
    let pages = Router::new()
        .route("/", get(catalog::index))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/auth/wikimedia", get(oauth::start))
        .route("/auth/wikimedia/callback", get(oauth::callback))
        .route(
            "/preferences",
            get(account::preferences_page).post(account::save_preferences),
        )
        .route("/preferences/calendar", post(calendar::reset))
        .route(
            "/preferences/notifications",
            post(account::save_notifications),
        )
        .route("/calendar/{file}", get(calendar::feed))
        .route("/language", post(account::set_language))
        .route("/dashboard", get(dashboard::page))
        .route("/courses/{key}", get(courseware::root))
        .route("/courses/{key}/about", get(about::page))
        .route("/courses/{key}/enroll", post(about::enroll))
        .route("/courses/{key}/unenroll", post(about::unenroll))
        .route("/courses/{key}/courseware", get(courseware::outline))
        .route("/courses/{key}/unit/{unit}", get(courseware::unit))
        .route(
            "/courses/{key}/unit/{unit}/bookmark",
            post(courseware::bookmark),
        )
        .route(
            "/courses/{key}/unit/{unit}/done",
            post(courseware::mark_done),
        )
        .route("/courses/{key}/unit/{unit}/seen", post(courseware::seen))
        .route("/notifications", get(notifications::page))
        .route("/notifications/read", post(notifications::read_all))
        .route("/notifications/{id}/open", post(notifications::open))
        .route("/courses/{key}/progress", get(progress::progress))
        .route(
            "/courses/{key}/instructor",
            get(
                |axum::extract::Path(key): axum::extract::Path<String>| async move {
                    crate::handlers::see_other(&format!("/courses/{key}/instructor/gradebook"))
                },
            ),
        )
        .route(
            "/courses/{key}/instructor/gradebook",
            get(instructor::gradebook::page),
        )
        .route(
            "/courses/{key}/instructor/learners/{learner}",
            get(instructor::learners::page),
        )
        .route(
            "/courses/{key}/instructor/learners/{learner}/problems/{block}",
            post(instructor::learners::action),
        )
        .route(
            "/courses/{key}/instructor/grading",
            get(instructor::grading_policy::page).post(instructor::grading_policy::save),
        )
        .route(
            "/courses/{key}/instructor/grades.csv",
            get(instructor::gradebook::grades_csv),
        )
        .route("/courses/{key}/instructor/olx", get(course_olx::team_page))
        .route(
            "/courses/{key}/instructor/import",
            post(course_olx::reimport).layer(upload_limit),
        )
        .route(
            "/import",
            get(course_olx::import_page)
                .post(course_olx::import)
                .layer(upload_limit),
        )
        .route("/courses/{key}/bookmarks", get(courseware::bookmarks))
        .route("/courses/{key}/dates", get(courseware::dates))
        .route("/courses/{key}/info", get(pages::info))
        .route("/courses/{key}/pages/{slug}", get(pages::tab))
        .route(
            "/courses/{key}/jump_to_id/{url_name}",
            get(courseware::jump_to_id),
        )
        // Open edX's static tab URLs (`/course/SLUG` links in imported content); every
        // other page of a course has a route of its own, which takes precedence.
        .route("/courses/{key}/{slug}", get(pages::tab_by_edx_path))
        .route("/api/v1/openapi.json", get(api::openapi::document))
        .route("/api/v1/courses", get(api::courses::catalog))
        .route("/api/v1/courses/{course_id}", get(api::courses::detail))
        .route(
            "/api/v1/courses/{course_id}/enrollment",
            post(api::courses::enroll).delete(api::courses::unenroll),
        )
        .route("/api/v1/me", get(api::courses::me))
        .route("/api/v1/me/enrollments", get(api::courses::my_enrollments))
        .route("/api/v1/me/deadlines", get(api::courses::my_deadlines))
        .route(
            "/api/v1/me/courses/{course_id}/progress",
            get(api::grades::my_progress),
        )
        .route(
            "/api/v1/me/notifications",
            get(api::notifications::my_notifications),
        )
        .route(
            "/api/v1/me/notifications/read",
            post(api::notifications::read_notifications),
        )
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(crate::metrics::page))
        .merge(api::studio::routes())
        .merge(api::upstream::routes())
        .merge(api::translations::routes())
        .merge(crate::editors::routes())
        // Every block kind's pages, API and staff tools, in their route families.
        .merge(kinds::routes())
        // Creating courses, their settings, team and review (pages and API).
        .merge(crate::handlers::course_admin::routes())
        .merge(crate::handlers::forks::routes())
        .merge(crate::handlers::content_language::routes())
        .merge(crate::handlers::translate::routes())
        // Site administration and organisations' pages.
        .merge(crate::handlers::admin::routes())
        .merge(crate::handlers::studio::routes())
        // Sign-up, verification, password reset and account deletion.
        .merge(crate::handlers::accounts::routes())
        // Reports, the moderation queue, appeals and people's pages (pages and API).
        .merge(crate::handlers::moderation::routes())
        // Discussion moderation (issue 15): mutes and bans, hidden and deleted posts,
        // locked threads, held posts and the course's discussion settings.
        .merge(crate::handlers::discussion_moderation::routes())
        // The code of conduct (issue 13: trust).
        .merge(crate::handlers::conduct::routes())
        // Course discussions (issue 15): the Discussion tab's pages and the JSON API.
        .merge(api::discussions::routes())
        .merge(crate::handlers::discussions::routes())
        // Private messages and course announcements (issue 15; pages and API).
        .merge(crate::handlers::messages::routes())
        .merge(crate::handlers::announcements::routes())
        .fallback(errors::not_found)
        .layer(CompressionLayer::new());

    // Media and static files are already compressed (or must keep byte ranges intact).
    let files = Router::new()
        .merge(kinds::file_routes())
        .route("/static/{name}", get(assets::serve))
        .route("/courses/{key}/media/{hash}/{name}", get(media::serve))
        .route(
            "/courses/{key}/instructor/export.tar.gz",
            get(course_olx::export),
        );

    pages
        .merge(files)
        .merge(extra)
        .layer(from_fn(security::csrf))
        // Inside `render`: a panicking handler becomes an internal error that `render`
        // logs with the request id and shows as the 500 page in the user's language.
        .layer(CatchPanicLayer::custom(errors::panicked))
        .layer(from_fn_with_state(app.clone(), errors::render))
        .layer(from_fn(security::headers))
        // Outermost: counts what the client gets, under the route's template.
        .layer(from_fn_with_state(
            app.clone(),
            crate::metrics::http::record,
        ))
        .with_state(app)
}

/// Readiness, for load balancers: the database answers and the media store takes a file.
/// 200 `{"status": "ready", "database": "ok", "media": "ok"}`, or 503 naming what failed.
async fn ready(State(app): State<App>) -> Response {
    let database = app.store().ping().await;
    let media = app.media().clone();
    let media = tokio::task::spawn_blocking(move || media.check())
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
    if let Err(e) = &database {
        tracing::error!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &media {
        tracing::error!(error = %e, "readiness: media store unusable");
    }
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let ready = database.is_ok() && media.is_ok();
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        axum::Json(serde_json::json!({
            "status": if ready { "ready" } else { "unavailable" },
            "database": word(database.is_ok()),
            "media": word(media.is_ok()),
        })),
    )
        .into_response()
}

/// Liveness, for load balancers and orchestrators: the process answers requests. It asks
/// nothing of the database or the media store (that is `/readyz`), so an outage of either
/// does not get every node restarted.
async fn health() -> Response {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"status": "ok"})),
    )
        .into_response()
}
