//! Translating a course in the browser (issue 17), for its translators and those who
//! write it:
//! - `/courses/{key}/translate`: the per-language table (each language's share
//!   translated and outdated, its last activity, whether learners see it), adding a
//!   language, publishing one, and the course's translation settings;
//! - `/courses/{key}/translate/{lang}`: the segments side by side — the source, the
//!   translation, and for an outdated one the earlier source's diff — with filters
//!   (untranslated, outdated, all), search, and each part of the course's progress.
//!   Each segment is a form ("Save and next"); the page's script saves them in the
//!   background with Ctrl+Enter and moves on.
//!
//! The same use cases (`lyceum_app::translations`) as the API.

use crate::courses::{self, CourseCx};
use crate::error::{AppError, AppResult};
use crate::handlers::catalog::content_dir;
use crate::handlers::course_admin::{message, rendered, shown_in_form, status_of, studio_head};
use crate::handlers::courseware::{CourseHead, head};
use crate::handlers::studio::StudioHead;
use crate::handlers::studio::StudioTab;
use crate::handlers::studio::history::{Diff, word_diff};
use crate::handlers::{see_other, with_notice};
use crate::page::{Cx, Html, Page};
use crate::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use lyceum_app::translations::{
    self as uc, LanguageStatus, OutdatedShows, SegmentView, StateFilter, TranslationSettings,
};
use lyceum_core::clock::from_millis;
use lyceum_core::course::NodeKind;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_core::translation::SegmentState;
use serde::Deserialize;
use std::collections::HashMap;

/// Segments on one page of the editor.
const PAGE_SIZE: usize = 25;

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/courses/{key}/translate",
            get(languages_page).post(add_language),
        )
        .route("/courses/{key}/translate/settings", post(save_settings))
        .route("/courses/{key}/translate/{lang}", get(segments_page))
        .route("/courses/{key}/translate/{lang}/publish", post(publish))
        .route(
            "/courses/{key}/translate/{lang}/segments/{segment}",
            post(save_segment),
        )
        .route(
            "/courses/{key}/translate/{lang}/subtitles",
            post(import_subtitles).layer(axum::extract::DefaultBodyLimit::max(
                lyceum_core::translation::xliff::MAX_FILE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/courses/{key}/translate/{lang}/xliff",
            post(import_file).layer(axum::extract::DefaultBodyLimit::max(
                lyceum_core::translation::xliff::MAX_FILE_BYTES + 64 * 1024,
            )),
        )
}

/// The course for a translation page: 404 to those who do not see it, 403 to those
/// who may not translate it.
async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    cx.require_user()?;
    let course = courses::load(cx, key).await?;
    courses::decide(
        can(
            &cx.actor(),
            Action::Translate,
            Resource::Course(&course.facts),
        ),
        cx,
        "lyceum-translate-error-forbidden",
    )?;
    Ok(course)
}

/// The top of a translation page: Studio's header for those who write the course, the
/// course's own for its translators.
async fn chrome(cx: &Cx, course: &CourseCx) -> AppResult<(Option<StudioHead>, CourseHead)> {
    let studio = studio_head(cx, course.key(), StudioTab::Translations).await?;
    Ok((studio, head(cx, course, "translate")))
}

// --- The per-language table -------------------------------------------------------

pub struct LanguageLine {
    pub code: String,
    pub name: String,
    pub dir: &'static str,
    pub translated: usize,
    pub outdated: usize,
    pub segments: usize,
    pub translated_percent: u8,
    pub outdated_percent: u8,
    pub published: bool,
    pub last_activity: Option<Timestamp>,
    pub translate_url: String,
    pub publish_url: String,
    /// Below the course's threshold: publishing is refused.
    pub below_threshold: bool,
}

#[derive(Template)]
#[template(path = "translate/languages.html")]
struct LanguagesView {
    p: Page,
    title: String,
    studio: Option<StudioHead>,
    head: CourseHead,
    /// The source language's name, marked as in it.
    source_label: Html,
    segments: usize,
    lines: Vec<LanguageLine>,
    /// Languages to add: every known one but the source and the course's targets.
    add_choices: Vec<(&'static str, &'static str)>,
    may_publish: bool,
    settings: TranslationSettings,
    error: Option<Html>,
    add_lang: String,
    add_url: String,
    settings_url: String,
}

async fn languages_view(
    cx: &Cx,
    course: &CourseCx,
    error: Option<Html>,
    add_lang: String,
) -> AppResult<LanguagesView> {
    let env = cx.app.env();
    let key = course.key();
    let langs = uc::languages(&env, &cx.actor(), key).await?;
    let settings = uc::settings(&env, &cx.actor(), key).await?;
    let (studio, head) = chrome(cx, course).await?;
    let segments = match langs.first() {
        Some(l) => l.segments,
        None => uc::segment_count(&env, &cx.actor(), key).await?,
    };
    let add_choices = lyceum_i18n::languages()
        .into_iter()
        .filter(|(code, _)| {
            !code.eq_ignore_ascii_case(&course.source_language)
                && !langs.iter().any(|l| l.lang.eq_ignore_ascii_case(code))
        })
        .collect();
    let lines = langs
        .into_iter()
        .map(|l| language_line(course, &settings, l))
        .collect();
    Ok(LanguagesView {
        title: cx.page.text("lyceum-translate-title"),
        studio,
        head,
        source_label: language_label(&course.source_language),
        segments,
        lines,
        add_choices,
        may_publish: can(
            &cx.actor(),
            Action::PublishTranslation,
            Resource::Course(&course.facts),
        )
        .allowed(),
        settings,
        error,
        add_lang,
        add_url: course.url("translate"),
        settings_url: course.url("translate/settings"),
        p: cx.page.clone(),
    })
}

/// A language's name in itself, marked as in it (for a sentence in another language).
fn language_label(code: &str) -> Html {
    Html(format!(
        "<bdi lang=\"{}\" dir=\"{}\">{}</bdi>",
        crate::page::escape(code),
        content_dir(code),
        crate::page::escape(&crate::format::language_name(code))
    ))
}

fn language_line(
    course: &CourseCx,
    settings: &TranslationSettings,
    l: LanguageStatus,
) -> LanguageLine {
    LanguageLine {
        name: crate::format::language_name(&l.lang),
        dir: content_dir(&l.lang),
        translated_percent: l.percent_translated(),
        outdated_percent: l.percent_outdated(),
        below_threshold: l.percent_translated() < settings.publish_threshold,
        translated: l.translated,
        outdated: l.outdated,
        segments: l.segments,
        published: l.published,
        last_activity: l.last_activity.map(from_millis),
        translate_url: course.url(&format!("translate/{}", l.lang)),
        publish_url: course.url(&format!("translate/{}/publish", l.lang)),
        code: l.lang,
    }
}

pub async fn languages_page(cx: Cx, Path(key): Path<String>) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let v = languages_view(&cx, &course, None, String::new()).await?;
    rendered(v, StatusCode::OK)
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Start translating into a language (`lang`): it becomes one of the course's target
/// languages, unpublished, and its editor opens.
pub async fn add_language(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let f = form(&body);
    let lang = f.get("lang").map(|s| s.trim()).unwrap_or_default();
    match uc::add_language(&cx.app.env(), &cx.actor(), &key, lang).await {
        Ok(lang) => Ok(see_other(&course.url(&format!("translate/{lang}")))),
        Err(e) if shown_in_form(&e) => {
            let msg = message(&cx.page, &e.error);
            let v = languages_view(&cx, &course, Some(msg), lang.to_owned()).await?;
            rendered(v, status_of(&e))
        }
        Err(e) => Err(e.into()),
    }
}

/// Publish (`published=1`) or withdraw a language.
pub async fn publish(
    cx: Cx,
    Path((key, lang)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let published = form(&body).get("published").map(String::as_str) == Some("1");
    match uc::publish(&cx.app.env(), &cx.actor(), &key, &lang, published).await {
        Ok(()) => {
            let notice = if published {
                "translation-published"
            } else {
                "translation-withdrawn"
            };
            Ok(see_other(&with_notice(&course.url("translate"), notice)))
        }
        Err(e) if shown_in_form(&e) => {
            let msg = message(&cx.page, &e.error);
            let v = languages_view(&cx, &course, Some(msg), String::new()).await?;
            rendered(v, status_of(&e))
        }
        Err(e) => Err(e.into()),
    }
}

/// What learners see of outdated translations, and the publishing threshold.
pub async fn save_settings(
    cx: Cx,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let f = form(&body);
    let outdated_shows = f
        .get("outdated_shows")
        .and_then(|s| OutdatedShows::parse(s))
        .ok_or_else(|| AppError::bad_request("lyceum-error-bad-form"))?;
    let threshold = f.get("publish_threshold").map_or("0", |s| s.trim());
    let threshold = if threshold.is_empty() { "0" } else { threshold };
    let result = match threshold.parse::<u8>() {
        Ok(publish_threshold) => {
            let settings = TranslationSettings {
                outdated_shows,
                publish_threshold,
            };
            uc::set_settings(&cx.app.env(), &cx.actor(), &key, settings).await
        }
        Err(_) => Err(lyceum_app::Error::invalid(lyceum_core::DomainError::new(
            "lyceum-translate-error-threshold-range",
        ))),
    };
    match result {
        Ok(()) => Ok(see_other(&with_notice(
            &course.url("translate"),
            "translation-settings-saved",
        ))),
        Err(e) if shown_in_form(&e) => {
            let msg = message(&cx.page, &e.error);
            let v = languages_view(&cx, &course, Some(msg), String::new()).await?;
            rendered(v, status_of(&e))
        }
        Err(e) => Err(e.into()),
    }
}

// --- A language's segments --------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SegmentsQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub q: String,
    /// A part of the course (a unit's or a section's url_name, `@course`).
    #[serde(default)]
    pub part: String,
    #[serde(default)]
    pub page: Option<usize>,
}

/// A part of the course in the progress list: the course's own texts, a section or
/// subsection (its title), or a unit (its title and blocks).
pub struct PartLine {
    pub label: String,
    /// The label is the course's text (in its language), not a message.
    pub content: bool,
    pub depth: u8,
    pub translated: usize,
    pub outdated: usize,
    pub total: usize,
    pub url: String,
    pub current: bool,
}

pub struct SegmentLine {
    pub id: String,
    /// The source, as HTML to show (escaped when it is plain text).
    pub source: Html,
    pub html: bool,
    pub text: String,
    pub state: &'static str,
    pub state_key: &'static str,
    /// When outdated: the source's changes since the translation was made.
    pub diff: Option<Diff>,
    pub author: Option<String>,
    pub updated_at: Option<Timestamp>,
    pub action: String,
    pub next: Option<String>,
    pub error: Option<Html>,
}

pub struct FilterLink {
    pub label_key: &'static str,
    pub count: usize,
    pub url: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "translate/segments.html")]
struct SegmentsView {
    p: Page,
    title: String,
    studio: Option<StudioHead>,
    head: CourseHead,
    lang: String,
    lang_name: String,
    lang_dir: &'static str,
    source_code: String,
    source_dir: &'static str,
    filters: Vec<FilterLink>,
    parts: Vec<PartLine>,
    segments: Vec<SegmentLine>,
    q: String,
    state: String,
    part: String,
    search_url: String,
    back_url: String,
    /// The page shown (from 1) and how many there are.
    page: usize,
    pages: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
    translated_percent: u8,
    published: bool,
    error: Option<Html>,
    /// A refused file's problems, each at its line.
    file_problems: Vec<Html>,
    download_url: String,
    import_url: String,
    /// Videos whose cues are segments, by url_name with their titles, and where their
    /// subtitle files in this language are imported.
    videos: Vec<(String, String)>,
    subtitles_url: String,
}

impl SegmentsQuery {
    fn filter(&self) -> StateFilter {
        StateFilter::parse(&self.state).unwrap_or(StateFilter::All)
    }

    /// The editor's URL with these filters and `page`.
    fn url(&self, base: &str, page: usize) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.state.is_empty() && self.state != "all" {
            q.append_pair("state", &self.state);
        }
        if !self.q.is_empty() {
            q.append_pair("q", &self.q);
        }
        if !self.part.is_empty() {
            q.append_pair("part", &self.part);
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{q}")
        }
    }
}

/// The part of the course a segment belongs to: the unit of its block, or the section
/// or subsection it titles; [`uc::COURSE_GROUP`] for the course's own texts.
fn part_of(course: &CourseCx, segment_id: &str) -> (String, Option<usize>) {
    if segment_id.starts_with(uc::COURSE_GROUP) {
        return (uc::COURSE_GROUP.to_owned(), None);
    }
    let tree = course.tree();
    // The block's url_name is the id's longest prefix before a dot that names one.
    let mut end = segment_id.len();
    while let Some(dot) = segment_id[..end].rfind('.') {
        if let Some(idx) = tree.find_url_name(&segment_id[..dot]) {
            let part = std::iter::once(idx)
                .chain(tree.ancestors(idx).iter().rev().copied())
                .find(|&i| tree.node(i).kind != NodeKind::Leaf)
                .unwrap_or(idx);
            return (tree.node(part).url_name.clone(), Some(part));
        }
        end = dot;
    }
    (String::new(), None)
}

#[allow(clippy::too_many_arguments)]
async fn segments_view(
    cx: &Cx,
    course: &CourseCx,
    lang: &str,
    query: &SegmentsQuery,
    failed: Option<(String, String, Html)>,
) -> AppResult<SegmentsView> {
    let env = cx.app.env();
    let key = course.key();
    let all = uc::segments(&env, &cx.actor(), key, lang, StateFilter::All).await?;
    let lang = uc::normalise_language(lang).unwrap_or_else(|| lang.to_owned());
    let base = course.url(&format!("translate/{lang}"));
    let published = course.languages.contains(&lang);
    // Progress by part, in reading order.
    let mut parts: Vec<PartLine> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut part_of_segment: Vec<String> = Vec::with_capacity(all.len());
    let tree = course.tree();
    for s in &all {
        let (key, node) = part_of(course, &s.id);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            let (label, content, depth) = match node {
                Some(n) => (
                    tree.node(n).title.clone(),
                    true,
                    u8::try_from(tree.ancestors(n).len()).unwrap_or(3),
                ),
                None => (cx.page.text("lyceum-translate-part-course"), false, 0),
            };
            parts.push(PartLine {
                url: SegmentsQuery {
                    part: key.clone(),
                    ..Default::default()
                }
                .url(&base, 1),
                current: key == query.part,
                label,
                content,
                depth,
                translated: 0,
                outdated: 0,
                total: 0,
            });
            parts.len() - 1
        });
        let p = &mut parts[i];
        p.total += 1;
        match s.state {
            SegmentState::Translated => p.translated += 1,
            SegmentState::Outdated => p.outdated += 1,
            SegmentState::Untranslated => {}
        }
        part_of_segment.push(key);
    }
    let count = |f: StateFilter| {
        all.iter()
            .zip(&part_of_segment)
            .filter(|(s, part)| in_part(query, part) && matches_search(query, s))
            .filter(|(s, _)| keeps(f, s))
            .count()
    };
    let filters = [
        (StateFilter::All, "all", "lyceum-translate-filter-all"),
        (
            StateFilter::Untranslated,
            "untranslated",
            "lyceum-translate-filter-untranslated",
        ),
        (
            StateFilter::Outdated,
            "outdated",
            "lyceum-translate-filter-outdated",
        ),
    ]
    .into_iter()
    .map(|(f, name, label_key)| FilterLink {
        label_key,
        count: count(f),
        url: SegmentsQuery {
            state: name.to_owned(),
            ..query.clone()
        }
        .url(&base, 1),
        current: query.filter() == f,
    })
    .collect();
    let filter = query.filter();
    let chosen: Vec<(&SegmentView, &String)> = all
        .iter()
        .zip(&part_of_segment)
        .filter(|(s, part)| in_part(query, part) && matches_search(query, s) && keeps(filter, s))
        .collect();
    let shown = chosen.len();
    let pages = shown.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let here = query.url(&base, page);
    let window = &chosen[(page - 1) * PAGE_SIZE..(page * PAGE_SIZE).min(shown)];
    let translated = all
        .iter()
        .filter(|s| s.state == SegmentState::Translated)
        .count();
    let p = &cx.page;
    let segments = window
        .iter()
        .enumerate()
        .map(|(i, (s, _))| {
            let failed_here = failed.as_ref().filter(|(id, _, _)| *id == s.id);
            SegmentLine {
                id: s.id.clone(),
                source: if s.html {
                    Html(s.source.clone())
                } else {
                    Html(crate::page::escape(&s.source))
                },
                html: s.html,
                text: match failed_here {
                    Some((_, typed, _)) => typed.clone(),
                    None => s.translation.clone().unwrap_or_default(),
                },
                state: s.state.as_str(),
                state_key: match s.state {
                    SegmentState::Untranslated => "lyceum-translate-state-untranslated",
                    SegmentState::Translated => "lyceum-translate-state-translated",
                    SegmentState::Outdated => "lyceum-translate-state-outdated",
                },
                diff: s
                    .translated_from
                    .as_deref()
                    .map(|from| word_diff(from, &s.source)),
                author: s.author.clone(),
                updated_at: s.updated_at.map(from_millis),
                action: course.url(&format!(
                    "translate/{lang}/segments/{}",
                    utf8_percent(&s.id)
                )),
                next: window.get(i + 1).map(|(n, _)| n.id.clone()),
                error: failed_here.map(|(_, _, e)| e.clone()),
            }
        })
        .collect();
    let (studio, head) = chrome(cx, course).await?;
    let error = failed
        .as_ref()
        .and_then(|(id, _, e)| (!window.iter().any(|(s, _)| s.id == *id)).then(|| e.clone()));
    Ok(SegmentsView {
        title: p.text1(
            "lyceum-translate-editor-title",
            crate::format::language_name(&lang),
        ),
        studio,
        head,
        lang_name: crate::format::language_name(&lang),
        lang_dir: content_dir(&lang),
        source_code: course.source_language.clone(),
        source_dir: content_dir(&course.source_language),
        filters,
        parts,
        segments,
        q: query.q.clone(),
        state: query.state.clone(),
        part: query.part.clone(),
        search_url: base.clone(),
        back_url: course.url("translate"),
        prev_url: (page > 1).then(|| query.url(&base, page - 1)),
        next_url: (page < pages).then(|| query.url(&base, page + 1)),
        page,
        pages,
        translated_percent: u8::try_from(translated * 100 / all.len().max(1)).unwrap_or(100),
        published,
        error,
        file_problems: Vec::new(),
        download_url: format!("/api/v1/courses/{key}/translations/{lang}.xlf"),
        import_url: course.url(&format!("translate/{lang}/xliff")),
        videos: videos_of(course, &all),
        subtitles_url: course.url(&format!("translate/{lang}/subtitles")),
        lang,
        p: p.clone(),
    }
    .with_here(here))
}

impl SegmentsView {
    /// Forms come back to `here` (with their filters and page).
    fn with_here(mut self, here: String) -> Self {
        for s in &mut self.segments {
            s.action = format!(
                "{}?return={}",
                s.action,
                url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
            );
        }
        self
    }
}

/// The videos whose cues are among `all` (segments `{url_name}.cue.{n}`), in reading
/// order, with their titles (or their unit's).
fn videos_of(course: &CourseCx, all: &[SegmentView]) -> Vec<(String, String)> {
    let tree = course.tree();
    let mut out: Vec<(String, String)> = Vec::new();
    for s in all {
        let Some((url_name, _)) = s.id.rsplit_once(".cue.") else {
            continue;
        };
        if out.last().is_some_and(|(u, _)| u == url_name) {
            continue;
        }
        let Some(idx) = tree.find_url_name(url_name) else {
            continue;
        };
        let mut title = tree.node(idx).title.clone();
        if title.is_empty()
            && let Some(unit) = tree.parent(idx)
        {
            title = tree.node(unit).title.clone();
        }
        out.push((url_name.to_owned(), title));
    }
    out
}

fn in_part(query: &SegmentsQuery, part: &str) -> bool {
    query.part.is_empty() || query.part == part
}

fn keeps(filter: StateFilter, s: &SegmentView) -> bool {
    match filter {
        StateFilter::All => true,
        StateFilter::Untranslated => s.state == SegmentState::Untranslated,
        StateFilter::Outdated => s.state == SegmentState::Outdated,
    }
}

/// Search: the source or the translation contains the words, in any case.
fn matches_search(query: &SegmentsQuery, s: &SegmentView) -> bool {
    let q = query.q.trim();
    if q.is_empty() {
        return true;
    }
    let q = q.to_lowercase();
    s.source.to_lowercase().contains(&q)
        || s.translation
            .as_deref()
            .is_some_and(|t| t.to_lowercase().contains(&q))
        || s.id == query.q.trim()
}

/// A segment id in a path (ids are ASCII, but a url_name may hold `%`-worthy bytes).
fn utf8_percent(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub async fn segments_page(
    cx: Cx,
    Path((key, lang)): Path<(String, String)>,
    Query(query): Query<SegmentsQuery>,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let v = segments_view(&cx, &course, &lang, &query, None).await?;
    rendered(v, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    #[serde(default)]
    pub r#return: String,
}

/// Save one segment's translation (`text`) and go back to the editor, at the next
/// segment (`next`) when there is one.
pub async fn save_segment(
    cx: Cx,
    Path((key, lang, segment)): Path<(String, String, String)>,
    Query(ret): Query<ReturnQuery>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let f = form(&body);
    let text = f.get("text").cloned().unwrap_or_default();
    let base = course.url(&format!("translate/{lang}"));
    let back = if ret.r#return.starts_with(&base) {
        ret.r#return.clone()
    } else {
        base.clone()
    };
    match uc::put(&cx.app.env(), &cx.actor(), &key, &lang, &segment, &text).await {
        Ok(_) => {
            let anchor = match f.get("next").filter(|n| !n.is_empty()) {
                Some(next) => format!("#seg-{next}"),
                None => format!("#seg-{segment}"),
            };
            Ok(see_other(&format!(
                "{}{anchor}",
                crate::handlers::with_notice(&back, "translation-saved")
            )))
        }
        Err(e) if shown_in_form(&e) => {
            let msg = message(&cx.page, &e.error);
            // The editor's filters, read as its page reads them.
            let query = back
                .parse::<axum::http::Uri>()
                .ok()
                .and_then(|u| Query::<SegmentsQuery>::try_from_uri(&u).ok())
                .map(|Query(q)| q)
                .unwrap_or_default();
            let v = segments_view(&cx, &course, &lang, &query, Some((segment, text, msg))).await?;
            rendered(v, status_of(&e))
        }
        Err(e) => Err(e.into()),
    }
}

/// A multipart form's fields by name (the last of a name wins).
async fn multipart_fields(
    mut form: axum::extract::Multipart,
) -> AppResult<HashMap<String, Vec<u8>>> {
    let bad = |_| AppError::bad_request("lyceum-error-bad-form");
    let mut out = HashMap::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        out.insert(name, field.bytes().await.map_err(bad)?.to_vec());
    }
    Ok(out)
}

/// The answer to a file's import: back to the editor when it was saved; else the editor
/// again with what was wrong, each problem (`each` puts it in words) in a list.
async fn import_answer<R, P>(
    cx: &Cx,
    course: &CourseCx,
    lang: &str,
    result: lyceum_app::Result<Result<R, Vec<P>>>,
    each: impl Fn(&Page, &P) -> Html,
) -> AppResult<Response> {
    let p = &cx.page;
    let (error, problems) = match result {
        Ok(Ok(_)) => {
            return Ok(see_other(&with_notice(
                &course.url(&format!("translate/{lang}")),
                "translation-imported",
            )));
        }
        Ok(Err(problems)) => (
            p.t1("lyceum-translate-xliff-refused", problems.len()),
            problems.iter().take(200).map(|f| each(p, f)).collect(),
        ),
        Err(e) if shown_in_form(&e) => (message(p, &e.error), Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut v = segments_view(cx, course, lang, &SegmentsQuery::default(), None).await?;
    v.error = Some(error);
    v.file_problems = problems;
    rendered(v, StatusCode::UNPROCESSABLE_ENTITY)
}

/// Import a subtitle file (`file`, WebVTT or SRT) for a video (`block`, its url_name):
/// its cues become the translations of the video's cues they overlap most in time;
/// refused at its line when it does not parse, and nothing saved when a text is refused.
pub async fn import_subtitles(
    cx: Cx,
    Path((key, lang)): Path<(String, String)>,
    form: axum::extract::Multipart,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let fields = multipart_fields(form).await?;
    let body = fields.get("file").map_or(&[][..], Vec::as_slice);
    let block = String::from_utf8_lossy(fields.get("block").map_or(&[][..], Vec::as_slice));
    let result = uc::import_subtitles(&cx.app.env(), &cx.actor(), &key, &lang, &block, body).await;
    import_answer(&cx, &course, &lang, result, |p, f| {
        let at = crate::format::clock_time(f.start_ms);
        p.t2("lyceum-translate-subtitles-cue", at, message(p, &f.error))
    })
    .await
}

/// Import a translated XLIFF file (`file`): every unit checked first, and either all
/// saved or nothing, with each problem at its line.
pub async fn import_file(
    cx: Cx,
    Path((key, lang)): Path<(String, String)>,
    form: axum::extract::Multipart,
) -> AppResult<Response> {
    let course = load(&cx, &key).await?;
    let fields = multipart_fields(form).await?;
    let body = fields.get("file").map_or(&[][..], Vec::as_slice);
    let result = uc::import_xliff(&cx.app.env(), &cx.actor(), &key, &lang, body).await;
    import_answer(&cx, &course, &lang, result, |p, f| {
        p.t2(
            "lyceum-translate-xliff-at-line",
            f.line,
            message(p, &f.error),
        )
    })
    .await
}
