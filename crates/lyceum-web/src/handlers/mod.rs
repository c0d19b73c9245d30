//! Page handlers, one module per area.

pub mod about;
pub mod account;
pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod calendar;
pub mod catalog;
pub mod conduct;
pub mod content_language;
pub mod course_admin;
pub mod courseware;
pub mod dashboard;
pub mod discussion_moderation;
pub mod discussions;
pub mod errors;
pub mod forks;
pub mod instructor;
pub mod media;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod oauth;
pub mod olx;
pub mod orgs;
pub mod pages;
pub mod progress;
pub mod studio;
pub mod translate;

use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};

/// A redirect after a form post (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Only local paths are acceptable destinations: never `//evil.example` or `https://…`.
pub fn safe_return_to(candidate: Option<&str>) -> String {
    match candidate {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Add `notice=NAME` to a local URL (before its `#fragment`, if any).
pub fn with_notice(path: &str, notice: &str) -> String {
    with_param(path, "notice", notice)
}

/// Add `name=value` to a local URL's query (before its `#fragment`, if any).
pub fn with_param(path: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match path.split_once('#') {
        Some((b, f)) => (b, format!("#{f}")),
        None => (path, String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{name}={value}{fragment}")
}

/// `name` as a download's file name: ASCII letters, digits and `-_.~` kept, anything
/// else `_` (no quoting, no path, no header injection).
pub fn safe_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.~".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Make `r` a private download named `filename` (see [`safe_filename`]): its type, an
/// attachment disposition, and no caching anywhere.
pub fn download(mut r: Response, content_type: &'static str, filename: &str) -> Response {
    let name = safe_filename(filename);
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

pub fn html_response(body: String) -> Response {
    let mut r = axum::response::Html(body).into_response();
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_local_only() {
        assert_eq!(safe_return_to(Some("/courses/x")), "/courses/x");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "/a\nb",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
        assert_eq!(with_notice("/a?b=1", "saved"), "/a?b=1&notice=saved");
    }
}
