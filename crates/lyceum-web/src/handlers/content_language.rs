//! A learner's choice of the language a course is read in (issue 17): the switcher on
//! a course's pages posts here.

use crate::error::AppResult;
use crate::handlers::{safe_return_to, see_other, with_param};
use crate::page::Cx;
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::post;
use lyceum_app::ErrorKind;
use lyceum_app::translations as uc;

pub fn routes() -> Router<crate::state::App> {
    Router::new().route("/courses/{key}/content-language", post(choose))
}

/// Read the course in `lang` from now on, and go back to `next`. An enrolled learner's
/// choice is kept (every page of the course then shows it); anyone else gets the page
/// in that language (`?content_lang=`), for as long as they follow its links.
pub async fn choose(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let lang = field("lang").unwrap_or_default();
    let next = without_param(&safe_return_to(field("next")), "content_lang");
    if cx.user().is_some() {
        match uc::choose_language(&cx.app.env(), &cx.actor(), &key, lang).await {
            Ok(_) => return Ok(see_other(&next)),
            // Not enrolled: nothing to keep it with; the page in that language then.
            Err(e) if e.kind == ErrorKind::Forbidden => {}
            Err(e) => return Err(e.into()),
        }
    }
    let lang = uc::normalise_language(lang).unwrap_or_default();
    Ok(see_other(&with_param(&next, "content_lang", &lang)))
}

/// `path` without the query parameter `name`.
pub fn without_param(path: &str, name: &str) -> String {
    let (rest, fragment) = match path.split_once('#') {
        Some((r, f)) => (r, format!("#{f}")),
        None => (path, String::new()),
    };
    let Some((base, query)) = rest.split_once('?') else {
        return path.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(name))
        .collect();
    if kept.is_empty() {
        format!("{base}{fragment}")
    } else {
        format!("{base}?{}{fragment}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parameter_goes_and_the_rest_stays() {
        assert_eq!(without_param("/a?content_lang=fr", "content_lang"), "/a");
        assert_eq!(
            without_param("/a?x=1&content_lang=fr&y=2#b", "content_lang"),
            "/a?x=1&y=2#b"
        );
        assert_eq!(without_param("/a#b", "content_lang"), "/a#b");
    }
}
