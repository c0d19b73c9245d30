//! Turns error responses into pages (or JSON under `/api/`) in the user's language, and
//! gives every request an id that 500 pages show and logs record.

use crate::error::{ConductRedirect, ErrorInfo, LoginRedirect};
use crate::page::{Page, PageSeed, SeedSlot, error_page};
use crate::state::App;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;
use std::sync::{Arc, Mutex};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView {
    p: Page,
    title: String,
    message: String,
    severity: &'static str,
    request_id: Option<String>,
}

pub async fn render(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let slot: SeedSlot = Arc::new(Mutex::new(PageSeed::default()));
    req.extensions_mut().insert(slot.clone());
    let uri = req.uri().clone();
    // Only what choosing a language needs, should this request fail (values are shared
    // buffers, so this costs no copies).
    let mut headers = axum::http::HeaderMap::new();
    for name in [header::ACCEPT_LANGUAGE, header::COOKIE] {
        for v in req.headers().get_all(&name) {
            headers.append(name.clone(), v.clone());
        }
    }
    // Where a person sent to the code of conduct comes back to: this page, or for a
    // form's POST the page the form was on (its Referer, on this site only).
    let back = if req.method() == axum::http::Method::GET {
        uri.path_and_query().map(|p| p.as_str().to_owned())
    } else {
        req.headers()
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| url::Url::parse(r).ok())
            .filter(|u| {
                req.headers()
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .is_some_and(|h| {
                        u.host_str()
                            .is_some_and(|uh| h.split(':').next() == Some(uh))
                    })
            })
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            })
    };
    let res = next.run(req).await;
    let Some(info) = res.extensions().get::<ErrorInfo>().cloned() else {
        return res;
    };
    let status = res.status();
    // Only failed requests need an id: it ties the 500 page to the log line.
    let request_id = format!("{:016x}", rand::rng().next_u64());
    if let Some(detail) = &info.internal {
        tracing::error!(request_id = %request_id, path = %uri.path(), %detail, "request failed");
    }
    let seed = slot.lock().map(|s| s.clone()).unwrap_or_default();
    let page = error_page(&app, &uri, &headers, seed);
    let args = crate::page::message_args(&app, &page.lang, info.key, &info.args);
    let message = app.i18n().text(&page.lang, info.key, &args);

    if uri.path().starts_with("/api/") {
        let mut body = serde_json::json!({ "error": { "code": info.key, "message": message } });
        // A muted or banned person is told why and until when, as fields too (issue 15).
        let (reason, until) = match (info.key, info.args.as_slice()) {
            ("lyceum-discussion-error-muted", [until, reason, ..]) => {
                (Some(reason.clone()), Some(until.clone()))
            }
            ("lyceum-discussion-error-banned", [reason, ..]) => (Some(reason.clone()), None),
            _ => (None, None),
        };
        if let Some(reason) = reason {
            body["error"]["reason"] = serde_json::json!(reason);
            body["error"]["until"] = serde_json::json!(until);
            body["reason"] = serde_json::json!(reason);
            body["until"] = serde_json::json!(until);
        }
        let mut r = (status, axum::Json(body)).into_response();
        copy_header(&res, &mut r, header::RETRY_AFTER);
        return r;
    }
    if res.extensions().get::<ConductRedirect>().is_some() {
        let next = back.unwrap_or_else(|| "/".to_owned());
        let to = format!(
            "/code-of-conduct?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        return Redirect::to(&to).into_response();
    }
    if let Some(LoginRedirect(return_to)) = res.extensions().get::<LoginRedirect>() {
        let to = format!(
            "/login?return_to={}",
            url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
        );
        return Redirect::to(&to).into_response();
    }
    let severity = if status.is_server_error() {
        "error"
    } else if status == StatusCode::NOT_FOUND {
        "notice"
    } else {
        "warning"
    };
    let view = ErrorView {
        title: page.text(info.title_key),
        message,
        severity,
        request_id: status.is_server_error().then(|| request_id.clone()),
        p: page,
    };
    let mut r = match view.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => status.into_response(),
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    copy_header(&res, &mut r, header::RETRY_AFTER);
    r
}

fn copy_header(from: &Response, to: &mut Response, name: header::HeaderName) {
    if let Some(v) = from.headers().get(&name) {
        to.headers_mut().insert(name, v.clone());
    }
}

/// A handler that panicked: an internal error like any other, so the request gets the
/// 500 page (or JSON) and the log line with its id, and the server goes on serving.
pub fn panicked(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    crate::error::AppError::Internal(format!("panic: {message}")).into_response()
}

/// Unknown paths: a 404 page like any other.
pub async fn not_found() -> Response {
    crate::error::AppError::NotFound.into_response()
}
