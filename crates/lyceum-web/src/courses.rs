//! Loading a course for a request: the course row and the viewer's relation to it in one
//! query, the permission check, and the content tree from a cache keyed on the course's
//! content version — so a unit page costs the same few queries in a course of 5 units
//! or 5,000.

use crate::course_pages::CoursePages;
use crate::error::{AppError, AppResult};
use crate::page::Cx;
use lyceum_app::translations::{COURSE_GROUP, CourseTexts, current_segments};
use lyceum_core::blocks::MediaRef;
use lyceum_core::course::{CourseKey, CourseTree, Visibility};
use lyceum_core::olx_links::{CourseLinks, rewrite_course_links};
use lyceum_core::permissions::{Action, Actor, CourseFacts, Decision, Resource, can};
use lyceum_core::translation::Segment;
use lyceum_core::{BlockId, CourseId, UserId, clock::from_millis};
use lyceum_store::repo::assets::{self, AssetRow};
use lyceum_store::repo::courses::{self, CourseRow, ViewerRow};
use lyceum_store::repo::translations::{self, OutdatedShows};
use lyceum_store::repo::{learner, pages};
use lyceum_store::{Result, Store};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// A course's content as of one version: its tree, its assets by name, its own pages.
pub struct CachedCourse {
    pub version: i64,
    pub tree: CourseTree,
    pub assets: Arc<HashMap<String, AssetRow>>,
    pub pages: Arc<CoursePages>,
    /// A translated copy (issue 17): what it was made from and what it lacks.
    pub translation: Option<Translation>,
}

/// What a translated copy of a course was made at, and where it shows the source or an
/// outdated translation.
pub struct Translation {
    /// The course's translations version it was made at.
    pub version: i64,
    /// The course's own texts in its language.
    pub texts: CourseTexts,
    /// Blocks (by url_name; [`COURSE_GROUP`] for the course's own texts) showing some of
    /// the source's text, untranslated…
    pub untranslated: HashSet<String>,
    /// …or a translation made from an earlier text of the source.
    pub outdated: HashSet<String>,
}

impl Translation {
    /// Whether any of `url_names` (a unit's blocks) shows the source's text
    /// (`untranslated`) and any an outdated translation.
    pub fn gaps<'a>(&self, url_names: impl IntoIterator<Item = &'a str>) -> (bool, bool) {
        url_names.into_iter().fold((false, false), |(u, o), n| {
            (
                u || self.untranslated.contains(n),
                o || self.outdated.contains(n),
            )
        })
    }
}

impl CachedCourse {
    /// Content showing `tree` (a draft, a preview) with this content's files and no
    /// pages of its own, at `version`.
    pub fn showing(&self, version: i64, tree: CourseTree) -> CachedCourse {
        CachedCourse {
            version,
            tree,
            assets: self.assets.clone(),
            pages: Arc::default(),
            translation: None,
        }
    }

    /// The URL a learner's browser fetches a media reference from. Asset URLs carry the
    /// file's hash, so they can be cached for a year and change when the file does.
    pub fn media_url(&self, course_key: &str, media: &MediaRef) -> Option<String> {
        match media {
            MediaRef::Url(u) => Some(u.clone()),
            MediaRef::Asset(name) => self.assets.get(name).map(|a| asset_url(course_key, a)),
        }
    }
}

pub fn asset_url(course_key: &str, a: &AssetRow) -> String {
    format!(
        "/courses/{course_key}/media/{}/{}",
        &a.sha256[..12.min(a.sha256.len())],
        a.name
    )
}

pub struct CourseCache {
    entries: RwLock<HashMap<CourseId, Arc<CachedCourse>>>,
    capacity: usize,
    /// Translated copies by course and language (issue 17), and each translated course's
    /// published languages, both kept while the versions they were made at hold.
    translated: RwLock<HashMap<(CourseId, String), Arc<CachedCourse>>>,
    languages: RwLock<HashMap<CourseId, (i64, Languages)>>,
    /// On PostgreSQL, what unit pages read, kept by their stamps (issue 16): see
    /// [`courses::Held`].
    rows: RwLock<HashMap<String, HeldRow>>,
    units: RwLock<HashMap<(UserId, BlockId), HeldUnit>>,
}

/// A course row as of its stamp, and when it was read: a row is read again after
/// [`HELD_ROW_FOR`] whatever its stamp (a transaction id, which PostgreSQL reuses after
/// 2^32 transactions).
struct HeldRow {
    stamp: String,
    row: Arc<CourseRow>,
    read_at: std::time::Instant,
}

const HELD_ROW_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// A learner's state in a unit as of its stamp.
struct HeldUnit {
    stamp: Option<i64>,
    state: learner::UnitState,
}

/// How many learners' unit states a server keeps (a few hundred bytes each).
const HELD_UNITS: usize = 8192;

/// Insert into a map of at most `capacity` entries, dropping an arbitrary one to make
/// room: anything dropped is one cheap read away.
fn insert_bounded<K: std::hash::Hash + Eq + Clone, V>(
    map: &RwLock<HashMap<K, V>>,
    capacity: usize,
    key: K,
    value: V,
) {
    let mut map = map.write().unwrap_or_else(|e| e.into_inner());
    if map.len() >= capacity
        && !map.contains_key(&key)
        && let Some(k) = map.keys().next().cloned()
    {
        map.remove(&k);
    }
    map.insert(key, value);
}

/// A course's published languages besides its own, by code.
pub type Languages = Arc<Vec<String>>;

impl CourseCache {
    pub fn new(capacity: usize) -> CourseCache {
        CourseCache {
            entries: RwLock::new(HashMap::new()),
            capacity,
            translated: RwLock::new(HashMap::new()),
            languages: RwLock::new(HashMap::new()),
            rows: RwLock::new(HashMap::new()),
            units: RwLock::new(HashMap::new()),
        }
    }

    /// The languages `course` is published in, as of its translations version `version`
    /// (one statement when not kept).
    pub async fn published_languages(
        &self,
        store: &Store,
        course: CourseId,
        version: i64,
    ) -> Result<Languages> {
        if let Some((v, langs)) = self
            .languages
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&course)
            && *v == version
        {
            return Ok(langs.clone());
        }
        let mut conn = store.conn().await?;
        let langs = Arc::new(translations::published_languages(&mut conn, course).await?);
        let mut map = self.languages.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity && !map.contains_key(&course) {
            map.clear();
        }
        map.insert(course, (version, langs.clone()));
        Ok(langs)
    }

    /// `source` (the course's content) in `lang`: its segments' translations put in, the
    /// source's text where there is none. Made when the content or the translations
    /// changed since the copy kept (a few statements), else shared.
    pub async fn translated(
        &self,
        app: &crate::state::App,
        row: &CourseRow,
        source: &Arc<CachedCourse>,
        lang: &str,
    ) -> AppResult<Arc<CachedCourse>> {
        let version = row.translations_version.unwrap_or(0);
        let key = (row.id(), lang.to_owned());
        if let Some(c) = self
            .translated
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && c.version == source.version
            && c.translation.as_ref().is_some_and(|t| t.version == version)
        {
            return Ok(c.clone());
        }
        let mut conn = app.store().conn().await?;
        let segments = current_segments(&mut conn, row, app.now_ms()).await?;
        let texts: HashMap<String, (String, String)> =
            translations::of_language(&mut conn, row.id(), lang)
                .await?
                .into_iter()
                .map(|t| (t.segment_id, (t.text, t.source_text)))
                .collect();
        let settings = translations::settings(&mut conn, row.id()).await?;
        drop(conn);
        let (own, blocks): (Vec<_>, Vec<_>) = segments
            .into_iter()
            .partition(|s| s.id.starts_with(COURSE_GROUP));
        let mut untranslated = HashSet::new();
        let mut outdated = HashSet::new();
        let source_dir = lyceum_i18n::direction(&row.language);
        // The source's language and direction on what shows the source: screen readers
        // read it in its language, and its direction holds inside the other's.
        let mark = |s: &Segment| -> Option<String> {
            if s.html {
                Some(format!(
                    "<span lang=\"{}\" dir=\"{}\">{}</span>",
                    crate::page::escape(&row.language),
                    source_dir.as_str(),
                    s.text
                ))
            } else if source_dir != lyceum_i18n::direction(lang) {
                // Plain text takes no element: Unicode's isolates keep its direction.
                Some(lyceum_core::translation::isolated(
                    &s.text,
                    source_dir.as_str() == "rtl",
                ))
            } else {
                None
            }
        };
        let mut translate = |owner: &str, s: &Segment| match texts.get(&s.id) {
            Some((text, from)) if *from == s.text => Some(text.clone()),
            Some((text, _)) if settings.outdated_shows == OutdatedShows::Translation => {
                outdated.insert(owner.to_owned());
                Some(text.clone())
            }
            _ => {
                untranslated.insert(owner.to_owned());
                mark(s)
            }
        };
        let tree = source
            .tree
            .translated(&row.language, lang, &blocks, &mut translate);
        let own_texts = CourseTexts::translated(row, &own, &mut translate);
        let copy = Arc::new(CachedCourse {
            version: source.version,
            tree,
            assets: source.assets.clone(),
            pages: source.pages.clone(),
            translation: Some(Translation {
                version,
                texts: own_texts,
                untranslated,
                outdated,
            }),
        });
        insert_bounded(&self.translated, self.capacity, key, copy.clone());
        Ok(copy)
    }

    /// How many courses are kept.
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The content of `course` at `version`, loading it (three queries) when the cache has
    /// an older version or none, and keeping it.
    pub async fn get(
        &self,
        store: &Store,
        course: CourseId,
        version: i64,
    ) -> Result<Arc<CachedCourse>> {
        self.get_keeping(store, course, version, true).await
    }

    /// Like [`get`](Self::get), but a course loaded here is not kept: for background work
    /// that walks many courses once (settling every course's open responses), which
    /// would otherwise push the courses learners are reading out of the cache and hold
    /// up to its capacity in memory on whichever node ran the job.
    pub async fn get_passing(
        &self,
        store: &Store,
        course: CourseId,
        version: i64,
    ) -> Result<Arc<CachedCourse>> {
        self.get_keeping(store, course, version, false).await
    }

    async fn get_keeping(
        &self,
        store: &Store,
        course: CourseId,
        version: i64,
        keep: bool,
    ) -> Result<Arc<CachedCourse>> {
        if let Some(c) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&course)
            && c.version == version
        {
            return Ok(c.clone());
        }
        let mut conn = store.conn().await?;
        let tree = courses::load_tree(&mut conn, course).await?;
        let assets = assets::list(&mut conn, course)
            .await?
            .into_iter()
            .map(|a| (a.name.clone(), a))
            .collect();
        let pages = CoursePages::from_rows(pages::list(&mut conn, course).await?);
        let loaded = Arc::new(CachedCourse {
            version,
            tree,
            assets: Arc::new(assets),
            pages: Arc::new(pages),
            translation: None,
        });
        if !keep {
            return Ok(loaded);
        }
        insert_bounded(&self.entries, self.capacity, course, loaded.clone());
        Ok(loaded)
    }

    /// What a unit page reads (see [`courses::unit_page`]): on PostgreSQL, the course row
    /// and the learner's state in the unit are kept here, and read again only when their
    /// stamps say they changed.
    pub async fn unit_page(
        &self,
        store: &Store,
        key: &str,
        user: UserId,
        unit: &str,
    ) -> Result<Option<(Arc<CourseRow>, ViewerRow, UnitPrefetch)>> {
        let holding = store.backend() == lyceum_store::Backend::Postgres;
        let row = match holding {
            true => self
                .rows
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(key)
                .filter(|h| h.read_at.elapsed() < HELD_ROW_FOR)
                .map(|h| (h.stamp.clone(), h.row.clone())),
            false => None,
        };
        // The unit's id, from the content the held row names (kept here, usually).
        let unit_id = match &row {
            Some((_, row)) => {
                let content = self.get(store, row.id(), row.content_version).await?;
                content
                    .tree
                    .find_url_name(unit)
                    .map(|i| content.tree.node(i).id)
            }
            None => None,
        };
        let held_unit = unit_id.and_then(|id| {
            self.units
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&(user, id))
                .map(|h| (id, h.stamp, h.state.clone()))
        });
        let held = courses::Held {
            course: row.as_ref().map(|(stamp, _)| stamp.as_str()),
            unit: held_unit.as_ref().map(|(id, stamp, _)| (*id, *stamp)),
        };
        let mut conn = store.conn().await?;
        let Some(read) = courses::unit_page(&mut conn, key, user, unit, held).await? else {
            return Ok(None);
        };
        drop(conn);
        let row = match (read.row, row) {
            (Some(fresh), _) => {
                let fresh = Arc::new(fresh);
                if let Some(stamp) = read.stamp.filter(|_| holding) {
                    let held = HeldRow {
                        stamp,
                        row: fresh.clone(),
                        read_at: std::time::Instant::now(),
                    };
                    insert_bounded(&self.rows, self.capacity, key.to_owned(), held);
                }
                fresh
            }
            (None, Some((_, held))) => held,
            (None, None) => unreachable!("a row is read unless one is held"),
        };
        let unit = match read.unit {
            courses::UnitRead::Missing => None,
            courses::UnitRead::Held => held_unit.map(|(id, _, state)| (id, state)),
            courses::UnitRead::Read { id, state, stamp } => {
                if holding {
                    let held = HeldUnit {
                        stamp,
                        state: state.clone(),
                    };
                    insert_bounded(&self.units, HELD_UNITS, (user, id), held);
                }
                Some((id, state))
            }
        };
        Ok(Some((row, read.viewer, unit)))
    }
}

/// A course as one request sees it.
pub struct CourseCx {
    pub row: Arc<CourseRow>,
    pub viewer: ViewerRow,
    pub facts: CourseFacts,
    pub content: Arc<CachedCourse>,
    pub vis: Visibility,
    /// Who the course was loaded for (what the course team's navigation offers them).
    pub actor: Actor,
    /// The languages the course is published in besides its own (issue 17).
    pub languages: Languages,
    /// The language the course is written in. `row.language` is the language shown:
    /// this one, or a published translation's the viewer reads it in.
    pub source_language: String,
    /// On a unit page of a translated course: the course in each published language
    /// (shared copies), for kinds that offer what the other languages have (a video, its
    /// subtitles in every language). Empty elsewhere.
    pub in_languages: Vec<(String, Arc<CachedCourse>)>,
}

impl CourseCx {
    pub fn id(&self) -> CourseId {
        self.row.id()
    }

    pub fn key(&self) -> &str {
        &self.row.course_key
    }

    pub fn tree(&self) -> &CourseTree {
        &self.content.tree
    }

    /// Whether the viewer is on the course team (or a site admin): who sees unreleased
    /// content, as `can` decides it.
    pub fn on_team(&self, cx: &Cx) -> bool {
        can(
            &cx.actor(),
            Action::ViewUnreleased,
            Resource::Course(&self.facts),
        )
        .allowed()
    }

    pub fn url(&self, rest: &str) -> String {
        format!("/courses/{}/{rest}", self.row.course_key)
    }

    /// Author HTML with Open edX's course-relative links (`/static/…`, `/course/…`,
    /// `/jump_to_id/…`) pointing into this course; borrowed when it has none.
    pub fn rewrite_links<'h>(&self, html: &'h str) -> Cow<'h, str> {
        rewrite_course_links(html, self)
    }

    /// Author HTML as a page shows it: links pointing into this course, and tables in a
    /// box that scrolls sideways (so a wide table never widens the page on a phone).
    pub fn author_html(&self, p: &crate::page::Page, html: &str) -> crate::page::Html {
        let linked = self.rewrite_links(html);
        let label = p.text("lyceum-table-region-label");
        crate::page::Html(lyceum_core::sanitize::scrollable_tables(&linked, &label).into_owned())
    }
}

impl CourseLinks for CourseCx {
    fn course_page(&self, rest: &str) -> String {
        if rest.is_empty() {
            self.url("courseware")
        } else {
            self.url(rest)
        }
    }

    fn jump_to_id(&self, id: &str) -> String {
        self.url(&format!("jump_to_id/{id}"))
    }

    fn asset(&self, name: &str) -> Option<String> {
        self.content
            .assets
            .get(name)
            .map(|a| asset_url(self.key(), a))
    }

    fn missing_asset(&self, name: &str) -> String {
        // Not a hash: the media route answers 404 for it.
        self.url(&format!("media/missing/{name}"))
    }
}

pub fn decide(decision: Decision, cx: &Cx, forbidden_key: &'static str) -> AppResult<()> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::NotFound => Err(AppError::NotFound),
        Decision::Forbidden => Err(AppError::Forbidden(forbidden_key)),
        Decision::NeedLogin => Err(AppError::LoginRequired {
            return_to: cx.page.path.clone(),
        }),
    }
}

/// Load a course the viewer may see; anything else is a 404, including unpublished
/// courses of other teams and malformed keys.
pub async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    Ok(load_with(cx, By::Key(key)).await?.0)
}

/// The learner's state in a course's unit, read with the course: see [`load_with_unit`].
pub type UnitPrefetch = Option<(BlockId, learner::UnitState)>;

/// A course by key, as [`load`], with the signed-in viewer's state in its block named
/// `unit` (`None` for a visitor, or when the course has no such block), read in the same
/// statement: a unit page then costs one statement for the course and the learner.
pub async fn load_with_unit(cx: &Cx, key: &str, unit: &str) -> AppResult<(CourseCx, UnitPrefetch)> {
    load_with(cx, By::Unit { key, unit }).await
}

async fn load_with(cx: &Cx, by: By<'_>) -> AppResult<(CourseCx, UnitPrefetch)> {
    let (course, unit) = match load_unit_by(&cx.app, by, cx.user_id(), cx.actor(), true).await {
        // A course moved out of a personal space: its old links lead to it (one lookup,
        // on a miss only).
        Err(AppError::NotFound)
            if let Some(key) = by.key()
                && key.parse::<CourseKey>().is_ok() =>
        {
            return Err(
                match lyceum_app::forks::moved_to(&cx.app.env(), key).await? {
                    Some(now) => AppError::Moved(moved_path(&cx.page.path, key, &now)),
                    None => AppError::NotFound,
                },
            );
        }
        other => other?,
    };
    let unit_page = matches!(by, By::Unit { .. });
    let course = localise(cx, viewable(cx, course)?, None, unit_page).await?;
    Ok((course, unit))
}

/// A course by key, as [`load`], shown in `lang` whatever its viewer reads it in: 404
/// unless it is the course's own language or a published one.
pub async fn load_in(cx: &Cx, key: &str, lang: &str) -> AppResult<CourseCx> {
    let course = load_by(&cx.app, By::Key(key), cx.user_id(), cx.actor(), true).await?;
    let course = localise(cx, viewable(cx, course)?, Some(lang), false).await?;
    if !course.row.language.eq_ignore_ascii_case(lang) {
        return Err(AppError::NotFound);
    }
    Ok(course)
}

/// The course in the language its viewer reads it in (issue 17): the one asked for
/// (`?content_lang=` on pages, `?lang=` in the API), else the enrolled learner's choice,
/// else the interface language, when the course is published in it; its own language
/// otherwise. A course never translated costs nothing more; a translated one, one
/// statement when its languages changed since this node last read them. `forced`: the
/// language to show, if offered, whatever the viewer asked; `every_language`: keep the
/// copies in every published language too (a unit page).
async fn localise(
    cx: &Cx,
    mut course: CourseCx,
    forced: Option<&str>,
    every_language: bool,
) -> AppResult<CourseCx> {
    let Some(version) = course.row.translations_version.filter(|v| *v > 0) else {
        return Ok(course);
    };
    let langs = cx
        .app
        .courses()
        .published_languages(cx.app.store(), course.id(), version)
        .await?;
    course.languages = langs.clone();
    if langs.is_empty() {
        return Ok(course);
    }
    if every_language {
        for lang in langs.iter() {
            let copy = cx
                .app
                .courses()
                .translated(&cx.app, &course.row, &course.content, lang)
                .await?;
            course.in_languages.push((lang.clone(), copy));
        }
    }
    let asked = query_value(&cx.page.path, "content_lang").or_else(|| {
        cx.page
            .path
            .starts_with("/api/")
            .then(|| query_value(&cx.page.path, "lang"))
            .flatten()
    });
    let offered = |l: &str| {
        let l = lyceum_app::translations::normalise_language(l)?;
        (l.eq_ignore_ascii_case(&course.source_language) || langs.contains(&l)).then_some(l)
    };
    let chosen = match forced {
        Some(lang) => offered(lang),
        None => asked
            .as_deref()
            .and_then(offered)
            .or_else(|| course.viewer.content_lang.as_deref().and_then(offered))
            .or_else(|| offered(&cx.page.bcp47)),
    };
    let Some(lang) = chosen.filter(|l| !l.eq_ignore_ascii_case(&course.source_language)) else {
        return Ok(course);
    };
    let copy = cx
        .app
        .courses()
        .translated(&cx.app, &course.row, &course.content, &lang)
        .await?;
    // The row may be shared with the server's held copy: this request's is its own.
    let row = Arc::make_mut(&mut course.row);
    if let Some(t) = copy.translation.as_ref().map(|t| &t.texts) {
        row.title = t.title.clone();
        row.short_description = t.description.clone();
        row.overview_html = t.about_html.clone();
    }
    row.language = lang;
    course.content = copy;
    Ok(course)
}

/// The value of `name` in the query of `path` (a path with its query), if any.
fn query_value(path: &str, name: &str) -> Option<String> {
    let (_, query) = path.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
}

/// `course` if the viewer may see it: 404 or 403 (`decide`) otherwise.
fn viewable(cx: &Cx, course: CourseCx) -> AppResult<CourseCx> {
    decide(
        can(&cx.actor(), Action::View, Resource::Course(&course.facts)),
        cx,
        "lyceum-error-forbidden",
    )?;
    Ok(course)
}

/// `path` with the course's old key replaced by its key now (its About page when the key
/// is not found in it as sent).
fn moved_path(path: &str, old: &str, now: &str) -> String {
    // As sent: raw, or with the key's punctuation percent-encoded.
    let encoded = old
        .replace(':', "%3A")
        .replace('+', "%2B")
        .replace('~', "%7E");
    for prefix in ["/courses/", "/api/v1/courses/"] {
        for form in [old, encoded.as_str()] {
            if let Some(rest) = path.strip_prefix(&format!("{prefix}{form}")) {
                return format!("{prefix}{now}{rest}");
            }
        }
    }
    format!("/courses/{now}/about")
}

/// The course holding `block`, as [`load`]: 404 for a block of no course, or of a course
/// the viewer may not see. One statement finds the course with the viewer's relation to it.
pub async fn load_of_block(cx: &Cx, block: BlockId) -> AppResult<CourseCx> {
    let course = load_by(&cx.app, By::Block(block), cx.user_id(), cx.actor(), true).await?;
    viewable(cx, course)
}

/// A course as `actor` (the user `user`) sees it, without checking they may: the caller
/// decides.
pub async fn load_as(
    app: &crate::state::App,
    key: &str,
    user: Option<lyceum_core::UserId>,
    actor: Actor,
) -> AppResult<CourseCx> {
    load_by(app, By::Key(key), user, actor, true).await
}

/// The course holding `block`, as [`load_as`].
pub async fn load_as_of_block(
    app: &crate::state::App,
    block: BlockId,
    user: Option<lyceum_core::UserId>,
    actor: Actor,
) -> AppResult<CourseCx> {
    load_by(app, By::Block(block), user, actor, true).await
}

/// A course for background work that walks many courses once: as [`load_as`], without
/// keeping its content in the cache (see [`CourseCache::get_passing`]).
pub async fn load_passing(
    app: &crate::state::App,
    key: &str,
    user: Option<lyceum_core::UserId>,
    actor: Actor,
) -> AppResult<CourseCx> {
    load_by(app, By::Key(key), user, actor, false).await
}

/// How a request names its course.
#[derive(Clone, Copy)]
enum By<'a> {
    Key(&'a str),
    /// By one of its blocks.
    Block(BlockId),
    /// By key, for a page of its unit `unit`: a signed-in viewer's state in it is read too.
    Unit {
        key: &'a str,
        unit: &'a str,
    },
}

impl By<'_> {
    fn key(&self) -> Option<&str> {
        match self {
            By::Key(key) | By::Unit { key, .. } => Some(key),
            By::Block(_) => None,
        }
    }
}

async fn load_by(
    app: &crate::state::App,
    by: By<'_>,
    user: Option<lyceum_core::UserId>,
    actor: Actor,
    keep: bool,
) -> AppResult<CourseCx> {
    Ok(load_unit_by(app, by, user, actor, keep).await?.0)
}

async fn load_unit_by(
    app: &crate::state::App,
    by: By<'_>,
    user: Option<lyceum_core::UserId>,
    actor: Actor,
    keep: bool,
) -> AppResult<(CourseCx, UnitPrefetch)> {
    if let Some(key) = by.key()
        && key.parse::<CourseKey>().is_err()
    {
        return Err(AppError::NotFound);
    }
    let found = match (by, user) {
        (By::Unit { key, unit }, Some(user)) => {
            app.courses()
                .unit_page(app.store(), key, user, unit)
                .await?
        }
        (By::Key(key) | By::Unit { key, .. }, _) => {
            let mut conn = app.store().conn().await?;
            courses::find_for_viewer(&mut conn, key, user)
                .await?
                .map(|(row, viewer)| (Arc::new(row), viewer, None))
        }
        (By::Block(block), _) => {
            let mut conn = app.store().conn().await?;
            courses::find_for_viewer_of_block(&mut conn, block, user)
                .await?
                .map(|(row, viewer)| (Arc::new(row), viewer, None))
        }
    };
    let (row, viewer, unit) = found.ok_or(AppError::NotFound)?;
    let facts = CourseFacts {
        published: row.published,
        // The team's switch, the status and the enrolment dates.
        enrollment_open: row.enrollment_window(app.now()).is_open(),
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    };
    let content = app
        .courses()
        .get_keeping(app.store(), row.id(), row.content_version, keep)
        .await?;
    let vis = Visibility {
        now: app.now(),
        course_start: row.start_at.map(from_millis),
        see_unreleased: can(&actor, Action::ViewUnreleased, Resource::Course(&facts)).allowed(),
    };
    Ok((
        CourseCx {
            viewer,
            facts,
            source_language: row.language.clone(),
            row,
            content,
            vis,
            actor,
            languages: Arc::default(),
            in_languages: Vec::new(),
        },
        unit,
    ))
}
