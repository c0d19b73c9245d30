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
// The XLIFF exchange's own.
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::response::IntoResponse;
use lyceum_app::translations::XliffProblem;
use lyceum_core::translation::xliff;

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
        // `{lang}.xlf`: the router takes no parameter with a suffix in one segment, so the
        // handlers read the file name and answer 404 without `.xlf`.
        .route(
            "/api/v1/courses/{course_id}/translations/{file}",
            get(export_xliff)
                .put(import_xliff)
                .layer(DefaultBodyLimit::max(xliff::MAX_FILE_BYTES + 1)),
        )
        .route(
            "/api/v1/me/courses/{course_id}/content-language",
            put(content_language),
        )
}

/// The translation API's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(languages, segments, put_segment, publish, unpublish, content_language, export_xliff, import_xliff),
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

// ---------- XLIFF 2.0 exchange ----------

/// The language of an XLIFF file's name (`fr.xlf`); anything else is no such file.
fn xlf_language(file: &str) -> AppResult<&str> {
    file.strip_suffix(".xlf")
        .filter(|l| !l.is_empty())
        .ok_or(AppError::NotFound)
}

/// A language's segments as an XLIFF 2.0 file, for offline tools and machine translation:
/// one unit per segment (its id the segment's), HTML elements as inline codes (`pc`,
/// `ph`) with their tags in `originalData`. A translation made from the source as it is
/// now is `translated`; an outdated one `initial` with `subState="lyceum:outdated"` and
/// a note; an untranslated segment has no target. For the course's translators and
/// those who write it.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/translations/{lang}.xlf",
    params(("course_id" = String, Path, description = "The course's key"),
        ("lang" = String, Path, description = "The target language (BCP 47)")),
    responses((status = 200, description = "The XLIFF 2.0 file (`application/xliff+xml`), as an attachment", body = String, content_type = "application/xliff+xml"),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not a translator of the course, nor on its writing team"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 422, description = "Not a language code, or the course's own language")),
    tag = "translations")]
pub async fn export_xliff(
    cx: Cx,
    Path((course_id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    cx.require_user()?;
    let lang = xlf_language(&file)?;
    let f = uc::export_xliff(&cx.app.env(), &cx.actor(), &course_id, lang).await?;
    Ok(crate::handlers::download(
        f.xml.into_response(),
        "application/xliff+xml; charset=utf-8",
        &f.file_name,
    ))
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct XliffImportJson {
    /// Translations saved (new, changed, or an outdated one confirmed).
    pub saved: usize,
    /// Targets that are the stored translation already (an outdated one sent back
    /// `initial` stays outdated).
    pub unchanged: usize,
    /// Units without a target.
    pub skipped: usize,
}

/// One problem of a refused file.
#[derive(Serialize, ToSchema)]
pub struct XliffProblemJson {
    /// 1-based.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// The message key of the problem.
    pub code: String,
    /// `Line 12: …`, in the caller's language.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct XliffRefusedError {
    /// `lyceum-translate-xliff-refused`.
    pub code: String,
    pub message: String,
    /// Every problem (the first 200), in file order.
    pub problems: Vec<XliffProblemJson>,
}

#[derive(Serialize, ToSchema)]
pub struct XliffRefusedJson {
    pub error: XliffRefusedError,
}

/// The most problems listed in one answer (the message counts them all).
const MAX_PROBLEMS_LISTED: usize = 200;

/// Read back a language's XLIFF 2.0 file (as exported, translated offline); the body is
/// the file itself, whatever its content type. Everything is checked before anything is
/// saved: the XML, XLIFF 2, `trgLang` (this language) and `srcLang` (the course's), the
/// course, every unit's id, every target's inline codes (the source's, each once; the
/// tags put back are the source's own, never the file's `originalData`), then each
/// translation as for one segment (placeholders kept…). Any problem, and nothing is
/// saved: 422 with every problem and its line. Otherwise every target is saved in one
/// transaction, except those equal to the stored translation that say nothing new
/// (state `initial`, or the same source); units without a target are skipped. A target
/// whose `<source>` is not the segment's source now is saved as made from that source,
/// so it shows as outdated.
#[utoipa::path(put, path = "/api/v1/courses/{course_id}/translations/{lang}.xlf",
    params(("course_id" = String, Path, description = "The course's key"),
        ("lang" = String, Path, description = "The target language (BCP 47)")),
    request_body(content = String, content_type = "application/xliff+xml", description = "An XLIFF 2.0 file (at most 8 MB)"),
    responses((status = 200, body = XliffImportJson),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not a translator of the course, nor on its writing team"),
        (status = 404, description = "No such course, or not visible to the caller"),
        (status = 413, description = "The file is too large"),
        (status = 422, body = XliffRefusedJson, description = "Refused, nothing saved: every problem with its line (or: not a language code, the course's own language)")),
    tag = "translations")]
pub async fn import_xliff(
    cx: Cx,
    Path((course_id, file)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    cx.require_user()?;
    let lang = xlf_language(&file)?;
    let too_large = || AppError::Invalid {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        error: uc::xliff_too_large(),
    };
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::bad_request("lyceum-error-bad-form")
        }
    })?;
    if body.len() > xliff::MAX_FILE_BYTES {
        return Err(too_large());
    }
    match uc::import_xliff(&cx.app.env(), &cx.actor(), &course_id, lang, &body).await? {
        Ok(r) => Ok(json(
            StatusCode::OK,
            XliffImportJson {
                saved: r.saved,
                unchanged: r.unchanged,
                skipped: r.skipped,
            },
        )),
        Err(problems) => Ok(refused(&cx, &problems)),
    }
}

/// 422 with every problem of a refused file, each `Line n: …` in the caller's language.
fn refused(cx: &Cx, problems: &[XliffProblem]) -> Response {
    use lyceum_i18n::Arg;
    let i18n = cx.app.i18n();
    let lang = &cx.page.lang;
    let listed = problems
        .iter()
        .take(MAX_PROBLEMS_LISTED)
        .map(|p| {
            let args: Vec<Arg<'_>> = p.error.args.iter().map(|a| Arg::from(a.clone())).collect();
            let what = i18n.text(lang, p.error.key.0, &args);
            XliffProblemJson {
                line: p.line,
                column: p.column,
                code: p.error.key.0.to_owned(),
                message: i18n.text(
                    lang,
                    "lyceum-translate-xliff-at-line",
                    &[Arg::Int(p.line.into()), Arg::from(what)],
                ),
            }
        })
        .collect();
    let count = i64::try_from(problems.len()).unwrap_or(i64::MAX);
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        XliffRefusedJson {
            error: XliffRefusedError {
                code: "lyceum-translate-xliff-refused".to_owned(),
                message: i18n.text(lang, "lyceum-translate-xliff-refused", &[Arg::Int(count)]),
                problems: listed,
            },
        },
    )
}
