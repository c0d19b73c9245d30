//! Translating a course through the API (issue 17): the per-language table, a language's
//! segments, saving a segment's translation, and publishing a language. The same use
//! cases (`lyceum_app::translations`) as the translator's pages.

use super::{json, time};
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use crate::state::App;
use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use lyceum_app::translations::{self as uc, SegmentView, StateFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/courses/{course_id}/translations", get(languages))
        .route(
            "/api/v1/courses/{course_id}/translations/{lang}/segments",
            get(segments),
        )
        .route(
            "/api/v1/courses/{course_id}/translations/{lang}/segments/{segment_id}",
            put(put_segment),
        )
        .route(
            "/api/v1/courses/{course_id}/translations/{lang}/publish",
            post(publish).delete(unpublish),
        )
        .route(
            "/api/v1/me/courses/{course_id}/content-language",
            put(content_language),
        )
}

/// The translation API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(languages, segments, put_segment, publish, unpublish, content_language),
    tags((name = "translations", description = "One course, many languages: segments, translations, published languages"))
)]
pub struct TranslationsDoc;

/// A target language of a course and how far its translation is.
#[derive(Serialize, ToSchema)]
pub struct LanguageJson {
    /// BCP 47 code (`fr`, `pt-BR`).
    pub lang: String,
    /// The course's segments (the same for every language).
    pub segments: usize,
    /// Translated from the source as it is now.
    pub translated: usize,
    /// Translated from an earlier text of the source.
    pub outdated: usize,
    /// Offered to learners.
    pub published: bool,
    /// When a translation was last saved in it (RFC 3339), if ever.
    pub last_activity: Option<String>,
}

/// The course's target languages. Those who translate the course see every one; others
/// who see the course see the published ones.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/translations",
    params(("course_id" = String, Path, description = "The course's key")),
    responses((status = 200, body = [LanguageJson]),
        (status = 404, description = "No such course, or not visible to the caller")),
    tag = "translations")]
pub async fn languages(cx: Cx, Path(course_id): Path<String>) -> AppResult<Response> {
    let langs = uc::languages(&cx.app.env(), &cx.actor(), &course_id).await?;
    let body: Vec<LanguageJson> = langs
        .into_iter()
        .map(|l| LanguageJson {
            lang: l.lang,
            segments: l.segments,
            translated: l.translated,
            outdated: l.outdated,
            published: l.published,
            last_activity: time(l.last_activity),
        })
        .collect();
    Ok(json(StatusCode::OK, body))
}

#[derive(Deserialize, IntoParams)]
pub struct SegmentsQuery {
    /// `untranslated`, `outdated` or `all` (the default).
    pub state: Option<String>,
}

/// One segment of the course with its translation in a language.
#[derive(Serialize, ToSchema)]
pub struct SegmentJson {
    /// Stable across edits of the source: `{block}.{field}`, numbered in lists.
    pub id: String,
    /// The source text now (inline HTML when `html`).
    pub source: String,
    pub translation: Option<String>,
    /// `untranslated`, `translated` or `outdated`.
    pub state: String,
    /// The text is inline HTML: a translation keeps its elements.
    pub html: bool,
    /// When outdated: the source text the translation was made from.
    pub translated_from: Option<String>,
}

impl From<SegmentView> for SegmentJson {
    fn from(v: SegmentView) -> Self {
        SegmentJson {
            id: v.id,
            source: v.source,
            translation: v.translation,
            state: v.state.as_str().to_owned(),
            html: v.html,
            translated_from: v.translated_from,
        }
    }
}

/// A language's segments in reading order: the course title and About page, then the
/// outline's titles and each block's text. For the course's translators and those who
/// write it.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/translations/{lang}/segments",
    params(("course_id" = String, Path, description = "The course's key"),
        ("lang" = String, Path, description = "The target language (BCP 47)"),
        SegmentsQuery),
    responses((status = 200, body = [SegmentJson]),
        (status = 400, description = "Unknown state filter"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not a translator of the course, nor on its writing team"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 422, description = "Not a language code, or the course's own language")),
    tag = "translations")]
pub async fn segments(
    cx: Cx,
    Path((course_id, lang)): Path<(String, String)>,
    Query(q): Query<SegmentsQuery>,
) -> AppResult<Response> {
    cx.require_user()?;
    let filter = match q.state.as_deref() {
        None => StateFilter::All,
        Some(s) => StateFilter::parse(s)
            .ok_or_else(|| AppError::bad_request("lyceum-translate-error-state"))?,
    };
    let list = uc::segments(&cx.app.env(), &cx.actor(), &course_id, &lang, filter).await?;
    let body: Vec<SegmentJson> = list.into_iter().map(SegmentJson::from).collect();
    Ok(json(StatusCode::OK, body))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationBody {
    /// The translation: plain text, or inline HTML with the source's elements.
    pub text: String,
}

/// Save the translation of one segment, made from its source as it is now (an outdated
/// translation saved again is up to date).
#[utoipa::path(put, path = "/api/v1/courses/{course_id}/translations/{lang}/segments/{segment_id}",
    params(("course_id" = String, Path, description = "The course's key"),
        ("lang" = String, Path, description = "The target language (BCP 47)"),
        ("segment_id" = String, Path, description = "The segment's id")),
    request_body = TranslationBody,
    responses((status = 200, body = SegmentJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not a translator of the course, nor on its writing team"),
        (status = 404, description = "No such course or segment"),
        (status = 422, description = "Empty, too long, markup or a placeholder of the source lost, or not a language")),
    tag = "translations")]
pub async fn put_segment(
    cx: Cx,
    Path((course_id, lang, segment_id)): Path<(String, String, String)>,
    b: Result<Json<TranslationBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = b
        .map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let saved = uc::put(
        &cx.app.env(),
        &cx.actor(),
        &course_id,
        &lang,
        &segment_id,
        &b.text,
    )
    .await?;
    Ok(json(StatusCode::OK, SegmentJson::from(saved)))
}

#[derive(Serialize, ToSchema)]
pub struct PublishedJson {
    pub lang: String,
    pub published: bool,
}

/// Publish a language for the course's learners (those who write the course).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/translations/{lang}/publish",
    params(("course_id" = String, Path, description = "The course's key"),
        ("lang" = String, Path, description = "The language (BCP 47)")),
    responses((status = 200, body = PublishedJson),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Does not write the course"),
        (status = 404, description = "No such course"),
        (status = 422, description = "Not a language code, or the course's own language")),
    tag = "translations")]
pub async fn publish(
    cx: Cx,
    Path((course_id, lang)): Path<(String, String)>,
) -> AppResult<Response> {
    set_published(cx, course_id, lang, true).await
}

/// Withdraw a language from the course's learners (its translations are kept).
#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/translations/{lang}/publish",
    params(("course_id" = String, Path, description = "The course's key"),
        ("lang" = String, Path, description = "The language (BCP 47)")),
    responses((status = 200, body = PublishedJson),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Does not write the course"),
        (status = 404, description = "No such course, or not one of its languages")),
    tag = "translations")]
pub async fn unpublish(
    cx: Cx,
    Path((course_id, lang)): Path<(String, String)>,
) -> AppResult<Response> {
    set_published(cx, course_id, lang, false).await
}

async fn set_published(
    cx: Cx,
    course_id: String,
    lang: String,
    published: bool,
) -> AppResult<Response> {
    cx.require_user()?;
    uc::publish(&cx.app.env(), &cx.actor(), &course_id, &lang, published).await?;
    let lang = lyceum_app::translations::normalise_language(&lang).unwrap_or(lang);
    Ok(json(StatusCode::OK, PublishedJson { lang, published }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentLanguageBody {
    /// The course's own language or one it is published in (BCP 47).
    pub lang: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContentLanguageJson {
    pub course_id: String,
    pub lang: String,
}

/// Keep the language the caller reads a course in (enrolled learners). Pages and the
/// course API show it when no `content_lang` or `lang` is asked for.
#[utoipa::path(put, path = "/api/v1/me/courses/{course_id}/content-language",
    params(("course_id" = String, Path, description = "The course's key")),
    request_body = ContentLanguageBody,
    responses((status = 200, body = ContentLanguageJson),
        (status = 400, description = "Not JSON, or unknown fields"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not enrolled"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 422, description = "The course is not offered in this language")),
    tag = "translations")]
pub async fn content_language(
    cx: Cx,
    Path(course_id): Path<String>,
    b: Result<Json<ContentLanguageBody>, JsonRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let b = b
        .map(|Json(x)| x)
        .map_err(|_| AppError::bad_request("lyceum-error-bad-form"))?;
    let lang = uc::choose_language(&cx.app.env(), &cx.actor(), &course_id, &b.lang).await?;
    Ok(json(
        StatusCode::OK,
        ContentLanguageJson { course_id, lang },
    ))
}
