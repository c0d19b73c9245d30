//! The application state every handler receives: store, media, settings, clock, the
//! message catalog, static assets and caches. Built once at start; cheap to clone.

use crate::assets::Assets;
use crate::config::WebConfig;
use crate::courses::CourseCache;
use lyceum_core::Clock;
use lyceum_i18n::Catalog;
use lyceum_store::repo::courses::{self, CatalogFacet};
use lyceum_store::{MediaStore, Store};
use lyceum_wiki::oauth::{OAuthConfig, WikiClient};
use std::sync::Arc;
use std::time::Duration;

/// A language the interface is offered in.
#[derive(Clone, Debug)]
pub struct UiLanguage {
    pub code: String,
    pub autonym: String,
}

/// Interface languages are those with at least this share of the English messages
/// translated; the rest falls back to English message by message.
const MIN_TRANSLATED: f64 = 0.5;

pub struct AppParts {
    pub store: Store,
    pub media: MediaStore,
    pub config: WebConfig,
    pub clock: Arc<dyn Clock>,
}

pub struct OAuth {
    pub config: OAuthConfig,
    pub client: WikiClient,
}

struct Inner {
    store: Store,
    media: MediaStore,
    config: WebConfig,
    clock: Arc<dyn Clock>,
    i18n: Catalog,
    ui_languages: Vec<UiLanguage>,
    assets: Assets,
    courses: CourseCache,
    oauth: Option<OAuth>,
    /// The wikis wiki tasks are checked on, and the Action API client reading them.
    wikis: lyceum_wiki::registry::Wikis,
    sessions: crate::session::SessionCache,
    /// Whether self-service sign-up is open, as last read from the site settings (by the
    /// sign-up pages and each minute's tick), so the header can link to it without a query.
    signup_open: std::sync::atomic::AtomicBool,
    /// The site settings as last read, and when: pages that show "may be outdated" (the
    /// catalog, About pages) read them at most once a minute per process, not per request.
    settings: std::sync::RwLock<Option<(std::time::Instant, lyceum_app::settings::SiteSettings)>>,
    /// Requests counted for `/metrics`.
    http_metrics: crate::metrics::HttpMetrics,
    /// The catalog's filters as last counted, per status, with the catalog version they
    /// were counted at ([`App::catalog_facets`]).
    catalog_facets: std::sync::Mutex<Vec<KeptFacets>>,
}

/// The catalog's facets of one status, and the catalog version they were counted at.
struct KeptFacets {
    status: String,
    version: i64,
    facets: Arc<Vec<CatalogFacet>>,
}

/// How long a process trusts the site settings it read (another process may change them).
const SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone)]
pub struct App(Arc<Inner>);

impl App {
    pub fn new(parts: AppParts) -> Result<App, String> {
        // Numbers in messages are written for the language, in CLDR's default digits (Latin
        // for `ar`, as browsers write them too): one digit system per page.
        let i18n = Catalog::from_sources_with(
            crate::assets::MESSAGE_FILES.iter().copied(),
            lyceum_i18n::FormatOptions::default()
                .with_wikilinks(true)
                .with_localized_numbers(true)
                .with_digits(lyceum_i18n::Digits::Cldr),
        )
        .map_err(|e| format!("interface messages: {e}"))?;
        let total = i18n.keys("en").len().max(1) as f64;
        let mut ui_languages: Vec<UiLanguage> = i18n
            .locales()
            .into_iter()
            .filter(|code| *code == "en" || i18n.keys(code).len() as f64 / total >= MIN_TRANSLATED)
            .map(|code| UiLanguage {
                code: code.to_owned(),
                autonym: lyceum_i18n::autonym(code).unwrap_or(code).to_owned(),
            })
            .collect();
        ui_languages.sort_by(|a, b| a.code.cmp(&b.code));
        if parts
            .config
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().trim().is_empty())
        {
            // Rather than a token anyone could send, or /metrics silently closed.
            return Err(
                "metrics_token (or LYCEUM_METRICS_TOKEN) is empty: set a long random value, \
                 or remove it"
                    .into(),
            );
        }
        let oauth = match &parts.config.wikimedia {
            None => None,
            Some(w) => {
                let rest_base = url::Url::parse(&w.rest_base)
                    .map_err(|e| format!("wikimedia.rest_base: {e}"))?;
                let mut config = OAuthConfig::new(
                    rest_base,
                    w.client_id.clone(),
                    w.client_secret.clone(),
                    parts.config.oauth_redirect_uri(),
                );
                if !w.scopes.is_empty() {
                    config.scopes = w.scopes.clone();
                }
                let client = WikiClient::new(&parts.config.contact)
                    .map_err(|e| format!("wikimedia client: {e}"))?;
                Some(OAuth { config, client })
            }
        };
        let wikis = lyceum_wiki::registry::Wikis {
            api: lyceum_wiki::action::ActionApi::new(&parts.config.contact)
                .map_err(|e| format!("wiki client: {e}"))?,
            registry: parts.config.wikis.registry()?,
        };
        // SQLite's single server may trust what it read a minute ago; a server on
        // PostgreSQL once it hears the other servers' changes (`session::follow_changes`).
        let sessions_live = parts.store.backend() == lyceum_store::Backend::Sqlite;
        Ok(App(Arc::new(Inner {
            sessions: crate::session::SessionCache::new(Duration::from_secs(60), sessions_live),
            store: parts.store,
            media: parts.media,
            config: parts.config,
            clock: parts.clock,
            i18n,
            ui_languages,
            assets: Assets::build(),
            courses: CourseCache::new(256),
            oauth,
            wikis,
            signup_open: std::sync::atomic::AtomicBool::new(true),
            settings: std::sync::RwLock::new(None),
            http_metrics: crate::metrics::HttpMetrics::default(),
            catalog_facets: std::sync::Mutex::default(),
        })))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn media(&self) -> &MediaStore {
        &self.0.media
    }

    pub fn config(&self) -> &WebConfig {
        &self.0.config
    }

    /// What use cases run against (`lyceum-app`): the same store, media store and clock.
    pub fn env(&self) -> lyceum_app::Env {
        lyceum_app::Env {
            store: self.0.store.clone(),
            media: self.0.media.clone(),
            clock: self.0.clock.clone(),
        }
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.0.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.0.clock.now().as_millisecond()
    }

    pub fn i18n(&self) -> &Catalog {
        &self.0.i18n
    }

    pub fn ui_languages(&self) -> &[UiLanguage] {
        &self.0.ui_languages
    }

    pub fn is_ui_language(&self, code: &str) -> bool {
        self.0.ui_languages.iter().any(|l| l.code == code)
    }

    pub fn assets(&self) -> &Assets {
        &self.0.assets
    }

    pub fn courses(&self) -> &CourseCache {
        &self.0.courses
    }

    pub fn oauth(&self) -> Option<&OAuth> {
        self.0.oauth.as_ref()
    }

    /// The wikis wiki tasks are done on, and the client that reads them.
    pub fn wikis(&self) -> &lyceum_wiki::registry::Wikis {
        &self.0.wikis
    }

    /// Is sign-up open, as last read (see `Inner::signup_open`)?
    pub fn signup_open(&self) -> bool {
        self.0
            .signup_open
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The site settings, read at most once a minute (see `Inner::settings`).
    pub async fn settings(&self) -> lyceum_app::Result<lyceum_app::settings::SiteSettings> {
        if let Ok(guard) = self.0.settings.read()
            && let Some((at, s)) = *guard
            && at.elapsed() < SETTINGS_TTL
        {
            return Ok(s);
        }
        let s = lyceum_app::settings::load(&self.env()).await?;
        if let Ok(mut guard) = self.0.settings.write() {
            *guard = Some((std::time::Instant::now(), s));
        }
        Ok(s)
    }

    /// The catalog's languages and organisations with their course counts (courses of
    /// `status`). Counting reads every listed course, so the counts are kept while the
    /// catalog version (one indexed read, changed by the database on any course or
    /// organisation change, on whichever node) stays the same.
    pub async fn catalog_facets(
        &self,
        db: &mut impl lyceum_store::Db,
        status: &str,
    ) -> lyceum_store::Result<Arc<Vec<CatalogFacet>>> {
        let version = courses::catalog_version(db).await?;
        let lock = || {
            self.0
                .catalog_facets
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        if let Some(k) = lock()
            .iter()
            .find(|k| k.status == status && k.version == version)
        {
            return Ok(k.facets.clone());
        }
        let facets = Arc::new(courses::catalog_facets(db, status).await?);
        let mut kept = lock();
        // Other statuses' counts stay only if counted at this version too.
        kept.retain(|k| k.status != status && k.version == version);
        kept.push(KeptFacets {
            status: status.to_owned(),
            version,
            facets: facets.clone(),
        });
        Ok(facets)
    }

    /// Forget the settings read, after this process changed them.
    pub fn forget_settings(&self) {
        if let Ok(mut guard) = self.0.settings.write() {
            *guard = None;
        }
    }

    pub fn remember_signup_open(&self, open: bool) {
        self.0
            .signup_open
            .store(open, std::sync::atomic::Ordering::Relaxed);
    }

    /// The requests counted so far, for `/metrics`.
    pub fn http_metrics(&self) -> &crate::metrics::HttpMetrics {
        &self.0.http_metrics
    }

    pub fn sessions(&self) -> &crate::session::SessionCache {
        &self.0.sessions
    }
}
