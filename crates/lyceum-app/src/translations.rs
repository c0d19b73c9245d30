//! One course, many languages (issue 17): the course's segments (its published content's
//! translatable text, with ids kept across edits), each language's translations and
//! where they stand, and publishing a language for learners.
//!
//! The segments are taken from the published content whenever its version moved since
//! they were last taken (lazily, by whoever reads them first), so every way content is
//! published — Studio, an import, a fork's update — is covered by one path.

use crate::course_admin::{Loaded, decide, load, user_of};
use crate::{Env, Error, Result};
use lyceum_core::DomainError;
use lyceum_core::permissions::{Action, Actor, Resource, can};
use lyceum_core::translation::{self, Piece, Refusal, Segment, SegmentState, xliff};
use lyceum_store::Db;
use lyceum_store::repo::courses::{self, CourseRow};
use lyceum_store::repo::translations as repo;
use std::collections::HashMap;

pub use lyceum_store::repo::translations::{OutdatedShows, TranslationSettings};

/// The group of the course's own segments (its title, its About page), which no block's
/// url_name can take (`@` is not allowed in them).
pub const COURSE_GROUP: &str = "@course";

/// The course's segments as they are now: taken again from its published content when it
/// changed since they were last stored.
pub async fn current_segments(db: &mut impl Db, row: &CourseRow, now: i64) -> Result<Vec<Segment>> {
    let stored = repo::segments(db, row.id()).await?;
    let mut pieces = course_pieces(row);
    // The course's own text (title, About page) changes without a new content version.
    if let Some((version, segments)) = &stored
        && *version == row.content_version
        && same_texts(&pieces, segments)
    {
        return Ok(segments.clone());
    }
    let tree = courses::load_tree(db, row.id()).await?;
    pieces.extend(tree.translatable_pieces(&row.language));
    let previous = stored.map(|(_, s)| s).unwrap_or_default();
    let segments = translation::assign_ids(&previous, &pieces);
    repo::save_segments(db, row.id(), row.content_version, &segments, now).await?;
    Ok(segments)
}

/// Whether `segments` start with the course's own pieces, unchanged.
fn same_texts(course: &[Piece], segments: &[Segment]) -> bool {
    let stored = segments
        .iter()
        .take_while(|s| s.id.starts_with(COURSE_GROUP));
    stored.clone().count() == course.len() && stored.zip(course).all(|(s, p)| s.text == p.text)
}

/// The course's own translatable text: its title, short description and About page (by
/// paragraph).
fn course_pieces(row: &CourseRow) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut texts = CourseTexts::of(row);
    texts.visit(&mut translation::collect(COURSE_GROUP, &mut pieces));
    pieces
}

/// The course's own texts: in the source language, or a translated copy.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseTexts {
    pub title: String,
    pub description: String,
    /// Sanitised HTML.
    pub about_html: String,
}

impl CourseTexts {
    fn of(row: &CourseRow) -> CourseTexts {
        CourseTexts {
            title: row.title.clone(),
            description: row.short_description.clone(),
            about_html: row.overview_html.clone(),
        }
    }

    /// The one walk of the course's own fields, to list them and to translate them.
    fn visit(&mut self, visit: &mut dyn FnMut(translation::Field<'_>, &mut String)) {
        visit(translation::Field::text("title"), &mut self.title);
        visit(
            translation::Field::text("description"),
            &mut self.description,
        );
        translation::html::visit_paragraphs(&mut self.about_html, "about", visit);
    }

    /// The course's own texts in a language: `segments` are the course's own (those in
    /// [`COURSE_GROUP`], first in [`current_segments`]), `translate` gives a segment's
    /// translation; the source's text stays where there is none.
    pub fn translated(
        row: &CourseRow,
        segments: &[Segment],
        translate: impl FnMut(&str, &Segment) -> Option<String>,
    ) -> CourseTexts {
        let mut texts = CourseTexts::of(row);
        let mut apply = translation::Apply::new(segments, translate);
        texts.visit(&mut |f, t| apply.visit(COURSE_GROUP, f, t));
        texts
    }
}

/// Where a language stands, for the per-language table.
#[derive(Clone, Debug, PartialEq)]
pub struct LanguageStatus {
    pub lang: String,
    pub segments: usize,
    pub translated: usize,
    pub outdated: usize,
    pub published: bool,
    /// The last translation saved in it (ms).
    pub last_activity: Option<i64>,
}

/// A course's target languages with their progress. Those who translate the course see
/// every language; everyone else who sees the course sees the published ones.
pub async fn languages(env: &Env, actor: &Actor, key: &str) -> Result<Vec<LanguageStatus>> {
    let mut c = env.store.conn().await?;
    let course = load(&mut c, key, actor, env.now()).await?;
    let translates = can(actor, Action::Translate, Resource::Course(&course.facts)).allowed();
    let mut out = statuses(&mut c, &course.row, env.now_ms()).await?;
    out.retain(|l| translates || l.published);
    Ok(out)
}

/// Every target language of the course with its progress, by code.
async fn statuses(db: &mut impl Db, row: &CourseRow, now: i64) -> Result<Vec<LanguageStatus>> {
    let segments = current_segments(db, row, now).await?;
    let source: HashMap<&str, &str> = segments
        .iter()
        .map(|s| (s.id.as_str(), s.text.as_str()))
        .collect();
    let mut out: Vec<LanguageStatus> = repo::languages(db, row.id())
        .await?
        .into_iter()
        .map(|l| LanguageStatus {
            lang: l.lang,
            segments: segments.len(),
            translated: 0,
            outdated: 0,
            published: l.published,
            last_activity: None,
        })
        .collect();
    for t in repo::of_course(db, row.id()).await? {
        let Some(status) = out.iter_mut().find(|l| l.lang == t.lang) else {
            continue;
        };
        let Some(now) = source.get(t.segment_id.as_str()) else {
            continue;
        };
        match SegmentState::of(now, Some(&t.source_text)) {
            SegmentState::Outdated => status.outdated += 1,
            _ => status.translated += 1,
        }
        status.last_activity = status.last_activity.max(Some(t.updated_at));
    }
    Ok(out)
}

impl LanguageStatus {
    /// The share of segments translated from the source as it is now, in whole percent
    /// (rounded down, so 100 means every one).
    pub fn percent_translated(&self) -> u8 {
        percent(self.translated, self.segments)
    }

    pub fn percent_outdated(&self) -> u8 {
        percent(self.outdated, self.segments)
    }
}

fn percent(part: usize, whole: usize) -> u8 {
    if whole == 0 {
        return 0;
    }
    u8::try_from(part.min(whole) * 100 / whole).unwrap_or(100)
}

/// The course's translation settings, for those who translate it.
pub async fn settings(env: &Env, actor: &Actor, key: &str) -> Result<TranslationSettings> {
    let mut c = env.store.conn().await?;
    let course = load_for(&mut c, env, actor, key, Action::Translate).await?;
    Ok(repo::settings(&mut c, course.row.id()).await?)
}

/// Change how the course offers its translations: those who write it.
pub async fn set_settings(
    env: &Env,
    actor: &Actor,
    key: &str,
    settings: TranslationSettings,
) -> Result<()> {
    user_of(actor)?;
    if settings.publish_threshold > 100 {
        return Err(Error::invalid(DomainError::new(
            "lyceum-translate-error-threshold-range",
        )));
    }
    let mut tx = env.store.begin().await?;
    let course = load_for(&mut tx, env, actor, key, Action::PublishTranslation).await?;
    repo::set_settings(&mut tx, course.row.id(), settings, env.now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// Which segments a translator asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateFilter {
    All,
    Untranslated,
    Outdated,
}

impl StateFilter {
    pub fn parse(s: &str) -> Option<StateFilter> {
        match s {
            "all" => Some(StateFilter::All),
            "untranslated" => Some(StateFilter::Untranslated),
            "outdated" => Some(StateFilter::Outdated),
            _ => None,
        }
    }
}

/// One segment as a translator works on it.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentView {
    pub id: String,
    pub source: String,
    pub html: bool,
    pub translation: Option<String>,
    pub state: SegmentState,
    /// When outdated: the source text the translation was made from (for the diff).
    pub translated_from: Option<String>,
    pub author: Option<String>,
    pub updated_at: Option<i64>,
}

/// A language's segments in reading order, filtered by state. For those who translate
/// the course (404 to those who do not see it, 403 to others).
pub async fn segments(
    env: &Env,
    actor: &Actor,
    key: &str,
    lang: &str,
    filter: StateFilter,
) -> Result<Vec<SegmentView>> {
    let mut c = env.store.conn().await?;
    let course = load_for(&mut c, env, actor, key, Action::Translate).await?;
    let lang = target_language(&course.row, lang)?;
    let segments = current_segments(&mut c, &course.row, env.now_ms()).await?;
    let mut done: HashMap<String, repo::TranslationRow> =
        repo::of_language(&mut c, course.row.id(), &lang)
            .await?
            .into_iter()
            .map(|t| (t.segment_id.clone(), t))
            .collect();
    Ok(segments
        .into_iter()
        .map(|s| {
            let t = done.remove(&s.id);
            let state = SegmentState::of(&s.text, t.as_ref().map(|t| t.source_text.as_str()));
            SegmentView {
                translated_from: t
                    .as_ref()
                    .filter(|_| state == SegmentState::Outdated)
                    .map(|t| t.source_text.clone()),
                author: t.as_ref().and_then(|t| t.author_name.clone()),
                updated_at: t.as_ref().map(|t| t.updated_at),
                translation: t.map(|t| t.text),
                id: s.id,
                source: s.text,
                html: s.html,
                state,
            }
        })
        .filter(|v| match filter {
            StateFilter::All => true,
            StateFilter::Untranslated => v.state == SegmentState::Untranslated,
            StateFilter::Outdated => v.state == SegmentState::Outdated,
        })
        .collect())
}

/// Save a translation of one segment, made from its source as it is now. Checked: the
/// segment exists (404), the text keeps the source's markup and placeholders (422, with
/// what is wrong). The language becomes one of the course's target languages.
pub async fn put(
    env: &Env,
    actor: &Actor,
    key: &str,
    lang: &str,
    segment_id: &str,
    text: &str,
) -> Result<SegmentView> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load_for(&mut tx, env, actor, key, Action::Translate).await?;
    let lang = target_language(&course.row, lang)?;
    let now = env.now_ms();
    let segments = current_segments(&mut tx, &course.row, now).await?;
    let Some(source) = segments.into_iter().find(|s| s.id == segment_id) else {
        return Err(Error::not_found());
    };
    let text = text.trim();
    translation::check(&source, text).map_err(|r| Error::invalid(refusal(&r)))?;
    repo::add_language(&mut tx, course.row.id(), &lang, now).await?;
    repo::put(
        &mut tx,
        course.row.id(),
        &lang,
        &source.id,
        text,
        &source.text,
        me,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SegmentView {
        id: source.id,
        html: source.html,
        source: source.text,
        translation: Some(text.to_owned()),
        state: SegmentState::Translated,
        translated_from: None,
        author: None,
        updated_at: Some(now),
    })
}

/// Make `lang` one of the course's target languages (unpublished), for its translators
/// and those who write it. Returns the language as kept.
pub async fn add_language(env: &Env, actor: &Actor, key: &str, lang: &str) -> Result<String> {
    user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load_for(&mut tx, env, actor, key, Action::Translate).await?;
    let lang = target_language(&course.row, lang)?;
    repo::add_language(&mut tx, course.row.id(), &lang, env.now_ms()).await?;
    tx.commit().await?;
    Ok(lang)
}

/// How many segments the course has now (for those who translate it).
pub async fn segment_count(env: &Env, actor: &Actor, key: &str) -> Result<usize> {
    let mut c = env.store.conn().await?;
    let course = load_for(&mut c, env, actor, key, Action::Translate).await?;
    Ok(current_segments(&mut c, &course.row, env.now_ms())
        .await?
        .len())
}

/// Publish (`true`) or withdraw a language for the course's learners: those who write
/// the course. Publishing makes it a target language if it was not one.
pub async fn publish(
    env: &Env,
    actor: &Actor,
    key: &str,
    lang: &str,
    published: bool,
) -> Result<()> {
    user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load_for(&mut tx, env, actor, key, Action::PublishTranslation).await?;
    let lang = target_language(&course.row, lang)?;
    let now = env.now_ms();
    if published {
        repo::add_language(&mut tx, course.row.id(), &lang, now).await?;
        let threshold = repo::settings(&mut tx, course.row.id())
            .await?
            .publish_threshold;
        if threshold > 0 {
            let status = statuses(&mut tx, &course.row, now).await?;
            let done = status
                .iter()
                .find(|l| l.lang == lang)
                .map_or(0, LanguageStatus::percent_translated);
            if done < threshold {
                return Err(Error::invalid(
                    DomainError::new("lyceum-translate-error-threshold")
                        .with_arg(done.to_string())
                        .with_arg(threshold.to_string()),
                ));
            }
        }
    }
    if !repo::set_published(&mut tx, course.row.id(), &lang, published, now).await? {
        return Err(Error::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// Keep the language an enrolled learner reads the course in: its own or a published
/// one (422 otherwise; 403 when not enrolled). Returns the language kept.
pub async fn choose_language(env: &Env, actor: &Actor, key: &str, lang: &str) -> Result<String> {
    let me = user_of(actor)?;
    let mut tx = env.store.begin().await?;
    let course = load(&mut tx, key, actor, env.now()).await?;
    let unknown =
        || Error::invalid(DomainError::new("lyceum-translate-error-not-offered").with_arg(lang));
    let lang = normalise_language(lang).ok_or_else(unknown)?;
    let source = lang.eq_ignore_ascii_case(&course.row.language);
    if !source
        && !repo::published_languages(&mut tx, course.row.id())
            .await?
            .contains(&lang)
    {
        return Err(unknown());
    }
    let kept = if source { None } else { Some(lang.as_str()) };
    if !repo::set_content_language(&mut tx, me, course.row.id(), kept).await? {
        return Err(Error::forbidden("lyceum-error-enroll-first"));
    }
    tx.commit().await?;
    Ok(if source { course.row.language } else { lang })
}

/// The course as `actor` sees it, if they may take `action` on it.
async fn load_for(
    db: &mut impl Db,
    env: &Env,
    actor: &Actor,
    key: &str,
    action: Action,
) -> Result<Loaded> {
    let course = load(db, key, actor, env.now()).await?;
    decide(
        can(actor, action, Resource::Course(&course.facts)),
        "lyceum-translate-error-forbidden",
    )?;
    Ok(course)
}

/// A language code a course may be translated into: a BCP 47 tag (`fr`, `pt-BR`,
/// `zh-Hant`), not the course's own language. Returned in its usual case.
pub fn target_language(row: &CourseRow, lang: &str) -> Result<String> {
    let lang = normalise_language(lang).ok_or_else(|| {
        Error::invalid(DomainError::new("lyceum-translate-error-language").with_arg(lang))
    })?;
    if lang.eq_ignore_ascii_case(&row.language) {
        return Err(Error::invalid(
            DomainError::new("lyceum-translate-error-source-language").with_arg(lang),
        ));
    }
    Ok(lang)
}

/// `lang` as a BCP 47 tag in its usual case (`pt-br` → `pt-BR`), if it is one.
pub fn normalise_language(lang: &str) -> Option<String> {
    let mut parts = lang.split('-');
    let primary = parts.next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = primary.to_ascii_lowercase();
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        match part.len() {
            2 if part.bytes().all(|b| b.is_ascii_alphabetic()) => {
                out.push_str(&part.to_ascii_uppercase())
            }
            4 => {
                let mut c = part.chars();
                out.extend(c.next().map(|f| f.to_ascii_uppercase()));
                out.push_str(&c.as_str().to_ascii_lowercase());
            }
            _ => out.push_str(&part.to_ascii_lowercase()),
        }
    }
    (out.len() <= 35).then_some(out)
}

// ---------- XLIFF 2.0: a language as a file, for offline tools ----------

/// A language of a course as an XLIFF 2.0 file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XliffFile {
    /// `{course code}-{lang}.xlf`.
    pub file_name: String,
    pub xml: String,
}

/// A language's segments as an XLIFF 2.0 file for offline tools and machine translation
/// (see [`xliff::write`] for how states and markup are written). For those who translate
/// the course, like [`segments`].
pub async fn export_xliff(env: &Env, actor: &Actor, key: &str, lang: &str) -> Result<XliffFile> {
    let mut c = env.store.conn().await?;
    let course = load_for(&mut c, env, actor, key, Action::Translate).await?;
    let lang = target_language(&course.row, lang)?;
    let segments = current_segments(&mut c, &course.row, env.now_ms()).await?;
    let done: HashMap<String, repo::TranslationRow> =
        repo::of_language(&mut c, course.row.id(), &lang)
            .await?
            .into_iter()
            .map(|t| (t.segment_id.clone(), t))
            .collect();
    let entries: Vec<xliff::Entry<'_>> = segments
        .iter()
        .map(|s| {
            let t = done.get(&s.id);
            xliff::Entry {
                segment: s,
                translation: t.map(|t| t.text.as_str()),
                outdated_from: t
                    .map(|t| t.source_text.as_str())
                    .filter(|from| *from != s.text),
            }
        })
        .collect();
    Ok(XliffFile {
        file_name: format!("{}-{lang}.xlf", course.row.code),
        xml: xliff::write(
            &course.row.language,
            &lang,
            &course.row.course_key,
            &entries,
        ),
    })
}

/// What reading back an XLIFF file did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Translations saved: new, changed, or an outdated one confirmed (its state no
    /// longer `initial`).
    pub saved: usize,
    /// Targets that are the translation already stored and say nothing new about it: the
    /// same state, or `initial` (an outdated translation sent back untouched stays
    /// outdated).
    pub unchanged: usize,
    /// Units without a target.
    pub skipped: usize,
}

/// A problem of an XLIFF file, at its place (1-based; column 0 when unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XliffProblem {
    pub line: u32,
    pub column: u32,
    pub error: DomainError,
}

impl XliffProblem {
    fn at(at: xliff::Pos, error: DomainError) -> XliffProblem {
        XliffProblem {
            line: at.line,
            column: at.column,
            error,
        }
    }
}

/// The start of importing a file into a language: who imports, in one transaction,
/// the course (for those who translate it) and the language; a file over the size
/// limit is refused before it is read.
struct Importing {
    me: lyceum_core::UserId,
    tx: lyceum_store::Tx,
    course: Loaded,
    lang: String,
}

impl Importing {
    async fn start(
        env: &Env,
        actor: &Actor,
        key: &str,
        lang: &str,
        body: &[u8],
    ) -> Result<Importing> {
        let me = user_of(actor)?;
        let mut tx = env.store.begin().await?;
        let course = load_for(&mut tx, env, actor, key, Action::Translate).await?;
        let lang = target_language(&course.row, lang)?;
        if body.len() > xliff::MAX_FILE_BYTES {
            return Err(Error::invalid(xliff_too_large()));
        }
        Ok(Importing {
            me,
            tx,
            course,
            lang,
        })
    }
}

/// Read back an XLIFF 2.0 file of a language (as [`export_xliff`] writes it, translated
/// offline). Everything is checked before anything is saved: the file (XML, XLIFF 2), its
/// languages (`trgLang` the language asked, `srcLang` the course's), its course, every
/// unit's id (a segment of the course), every target's codes (the source's, once each)
/// and the target rebuilt with the source's own tags ([`translation::check`], as for one
/// segment). Any problem, and nothing is saved: `Ok(Err(problems))`, each at its line,
/// in file order. Otherwise the targets are saved in one transaction, each made from the
/// file's `<source>`: the source as it is now, or (when the file's differs) the file's,
/// so the translation shows as outdated. For those who translate the course.
pub async fn import_xliff(
    env: &Env,
    actor: &Actor,
    key: &str,
    lang: &str,
    body: &[u8],
) -> Result<std::result::Result<ImportReport, Vec<XliffProblem>>> {
    let Importing {
        me,
        mut tx,
        course,
        lang,
    } = Importing::start(env, actor, key, lang, body).await?;
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            let (line, column) = place_of(body, e.valid_up_to());
            return Ok(Err(vec![XliffProblem {
                line,
                column,
                error: DomainError::new("lyceum-translate-xliff-not-utf8"),
            }]));
        }
    };
    let doc = match xliff::parse(text) {
        Ok(doc) => doc,
        Err(errors) => {
            return Ok(Err(errors
                .into_iter()
                .map(|e| XliffProblem::at(e.at, fault(&e.fault)))
                .collect()));
        }
    };
    let mut problems = Vec::new();
    if normalise_language(&doc.trg_lang).as_deref() != Some(lang.as_str()) {
        problems.push(XliffProblem::at(
            doc.at,
            DomainError::new("lyceum-translate-xliff-target-language")
                .with_arg(doc.trg_lang.clone())
                .with_arg(lang.clone()),
        ));
    }
    // `en-US` for a course in `en` is the same source.
    let primary =
        |l: &str| normalise_language(l).map(|l| l.split('-').next().unwrap_or_default().to_owned());
    if primary(&doc.src_lang).is_none() || primary(&doc.src_lang) != primary(&course.row.language) {
        problems.push(XliffProblem::at(
            doc.at,
            DomainError::new("lyceum-translate-xliff-source-language")
                .with_arg(doc.src_lang.clone())
                .with_arg(course.row.language.clone()),
        ));
    }
    for f in &doc.files {
        if let Some(original) = &f.original
            && *original != course.row.course_key
        {
            problems.push(XliffProblem::at(
                f.at,
                DomainError::new("lyceum-translate-xliff-other-course")
                    .with_arg(original.clone())
                    .with_arg(course.row.course_key.clone()),
            ));
        }
    }
    let now = env.now_ms();
    let segments = current_segments(&mut tx, &course.row, now).await?;
    let by_id: HashMap<&str, &Segment> = segments.iter().map(|s| (s.id.as_str(), s)).collect();
    let stored: HashMap<String, repo::TranslationRow> =
        repo::of_language(&mut tx, course.row.id(), &lang)
            .await?
            .into_iter()
            .map(|t| (t.segment_id.clone(), t))
            .collect();
    let mut report = ImportReport::default();
    let mut writes: Vec<(&str, String, String)> = Vec::new();
    for unit in &doc.units {
        let Some(&source) = by_id.get(unit.id.as_str()) else {
            problems.push(XliffProblem::at(
                unit.at,
                DomainError::new("lyceum-translate-xliff-unknown-segment")
                    .with_arg(unit.id.clone()),
            ));
            continue;
        };
        let Some(target) = &unit.target else {
            report.skipped += 1;
            continue;
        };
        // The source the target was made from: the segment's now, or the file's.
        let from = if xliff::same(&unit.source, &xliff::source_content(source)) {
            source.text.clone()
        } else {
            xliff::rebuild_loosely(source, &unit.source)
        };
        if let Some(t) = stored.get(&unit.id)
            && xliff::target_content(source, &t.text)
                .is_some_and(|c| xliff::same(&c, &target.content))
            && (target.state == xliff::State::Initial || t.source_text == from)
        {
            report.unchanged += 1;
            continue;
        }
        let text = match xliff::rebuild(source, &target.content, target.at) {
            Ok(text) => text,
            Err(errors) => {
                problems.extend(
                    errors
                        .into_iter()
                        .map(|e| XliffProblem::at(e.at, fault(&e.fault))),
                );
                continue;
            }
        };
        let text = text.trim();
        if let Err(r) = translation::check(source, text) {
            problems.push(XliffProblem::at(target.at, refusal(&r)));
            continue;
        }
        writes.push((&source.id, text.to_owned(), from));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| (p.line, p.column));
        return Ok(Err(problems));
    }
    if !writes.is_empty() {
        repo::add_language(&mut tx, course.row.id(), &lang, now).await?;
        for (id, text, from) in &writes {
            repo::put(&mut tx, course.row.id(), &lang, id, text, from, me, now).await?;
        }
    }
    tx.commit().await?;
    report.saved = writes.len();
    Ok(Ok(report))
}

/// A cue of a video that a subtitle file could not translate: when it starts (ms), and
/// why.
#[derive(Clone, Debug, PartialEq)]
pub struct CueProblem {
    pub start_ms: u64,
    pub error: DomainError,
}

/// Import a subtitle file (WebVTT or SRT) in `lang` for the video `block` (its
/// url_name): each of the video's cues takes, as its translation, the text of the
/// file's cue that overlaps it most in time. A file that does not parse is refused at
/// its line; otherwise every text is checked first, and either all are saved or none.
/// For those who translate the course.
pub async fn import_subtitles(
    env: &Env,
    actor: &Actor,
    key: &str,
    lang: &str,
    block: &str,
    body: &[u8],
) -> Result<std::result::Result<ImportReport, Vec<CueProblem>>> {
    use lyceum_core::blocks::video::{Video, overlapping};
    let Importing {
        me,
        mut tx,
        course,
        lang,
    } = Importing::start(env, actor, key, lang, body).await?;
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::invalid(DomainError::new("lyceum-files-error-subtitles-utf8")))?;
    let file = lyceum_core::subtitles::parse(text).map_err(Error::invalid)?;
    let now = env.now_ms();
    let segments = current_segments(&mut tx, &course.row, now).await?;
    let tree = courses::load_tree(&mut tx, course.row.id()).await?;
    let video = tree
        .find_url_name(block)
        .and_then(|i| tree.node(i).content_of::<Video>())
        .ok_or_else(Error::not_found)?;
    // The cues that are segments, in the order the segments were taken.
    let source: Vec<_> = video
        .source_track(&course.row.language)
        .map(|i| &video.tracks[i].cues[..])
        .unwrap_or_default()
        .iter()
        .filter(|c| !c.text.trim().is_empty())
        .cloned()
        .collect();
    let group = format!("{block}.cue");
    let ids: Vec<&Segment> = segments.iter().filter(|s| s.group() == group).collect();
    if source.is_empty() || ids.len() != source.len() {
        return Err(Error::not_found());
    }
    let matched = overlapping(&source, &file);
    if matched.iter().all(Option::is_none) {
        return Err(Error::invalid(DomainError::new(
            "lyceum-translate-subtitles-no-overlap",
        )));
    }
    let mut report = ImportReport::default();
    let mut problems = Vec::new();
    let mut writes = Vec::new();
    for ((segment, cue), found) in ids.iter().zip(&source).zip(matched) {
        let Some(text) = found.map(|i| file[i].text.trim()).filter(|t| !t.is_empty()) else {
            report.skipped += 1;
            continue;
        };
        match translation::check(segment, text) {
            Ok(()) => writes.push((segment, text)),
            Err(r) => problems.push(CueProblem {
                start_ms: cue.start_ms,
                error: refusal(&r),
            }),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    repo::add_language(&mut tx, course.row.id(), &lang, now).await?;
    for (segment, text) in &writes {
        repo::put(
            &mut tx,
            course.row.id(),
            &lang,
            &segment.id,
            text,
            &segment.text,
            me,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    report.saved = writes.len();
    Ok(Ok(report))
}

/// A file over [`xliff::MAX_FILE_BYTES`].
pub fn xliff_too_large() -> DomainError {
    DomainError::new("lyceum-translate-xliff-too-large")
        .with_arg((xliff::MAX_FILE_BYTES / (1024 * 1024)).to_string())
}

/// Line and column (1-based, in characters) of byte `at` of `body`.
fn place_of(body: &[u8], at: usize) -> (u32, u32) {
    let before = &body[..at.min(body.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |n| n + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// What is wrong with an XLIFF file, in the translator's language.
fn fault(f: &xliff::Fault) -> DomainError {
    use xliff::Fault as F;
    let with = |key, arg: &str| DomainError::new(key).with_arg(arg);
    match f {
        F::NotXml(m) => with("lyceum-translate-xliff-not-xml", m),
        F::NotXliff => DomainError::new("lyceum-translate-xliff-not-xliff"),
        F::NoSourceLanguage => DomainError::new("lyceum-translate-xliff-no-source-language"),
        F::NoTargetLanguage => DomainError::new("lyceum-translate-xliff-no-target-language"),
        F::UnitWithoutId => DomainError::new("lyceum-translate-xliff-unit-without-id"),
        F::DuplicateUnit(id) => with("lyceum-translate-xliff-duplicate-unit", id),
        F::NoSegment(id) => with("lyceum-translate-xliff-no-segment", id),
        F::NoSource(id) => with("lyceum-translate-xliff-no-source", id),
        F::State(s) => with("lyceum-translate-xliff-state", s),
        F::IncompleteTarget(id) => with("lyceum-translate-xliff-incomplete-target", id),
        F::UnexpectedElement(name) => with("lyceum-translate-xliff-unexpected-element", name),
        F::CodeWithoutId => DomainError::new("lyceum-translate-xliff-code-without-id"),
        F::TooDeep => with(
            "lyceum-translate-xliff-too-deep",
            &xliff::MAX_CODE_DEPTH.to_string(),
        ),
        F::UnknownCode(id) => with("lyceum-translate-xliff-unknown-code", id),
        F::MissingCode(id) => with("lyceum-translate-xliff-missing-code", id),
        F::DuplicateCode(id) => with("lyceum-translate-xliff-duplicate-code", id),
    }
}

/// What is wrong with a translation, in the translator's language.
fn refusal(r: &Refusal) -> DomainError {
    match r {
        Refusal::Empty => DomainError::new("lyceum-translate-error-empty"),
        Refusal::TooLong => DomainError::new("lyceum-translate-error-too-long")
            .with_arg(translation::MAX_SEGMENT_BYTES.to_string()),
        Refusal::Markup { source, .. } => DomainError::new("lyceum-translate-error-markup")
            .with_arg(if source.is_empty() {
                "—".to_owned()
            } else {
                source.join(", ")
            }),
        Refusal::MarkupInText => DomainError::new("lyceum-translate-error-markup-in-text"),
        Refusal::Placeholder(p) => {
            DomainError::new("lyceum-translate-error-placeholder").with_arg(p.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_checked_and_put_in_their_usual_case() {
        assert_eq!(normalise_language("fr").as_deref(), Some("fr"));
        assert_eq!(normalise_language("PT-br").as_deref(), Some("pt-BR"));
        assert_eq!(normalise_language("zh-hant").as_deref(), Some("zh-Hant"));
        assert_eq!(normalise_language("ast").as_deref(), Some("ast"));
        for bad in ["", "f", "french", "fr_FR", "fr-", "<b>", "fr-toolongtag1"] {
            assert_eq!(normalise_language(bad), None, "{bad}");
        }
    }
}
