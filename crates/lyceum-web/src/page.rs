//! What every page knows about its request: the viewer, their language (and its
//! direction), their time zone, and helpers the templates use to show messages, icons
//! and dates. `Cx` is the extractor handlers take to get all of it with one query.

use crate::error::AppError;
use crate::session::{self, Session};
use crate::state::App;
use askama::filters::HtmlSafe;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use lyceum_core::UserId;
use lyceum_core::permissions::Actor;
use lyceum_i18n::{Arg, Direction};
use lyceum_store::repo::users::UserRow;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Already-escaped HTML that templates print as is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(pub String);

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl HtmlSafe for Html {}

/// The logged-in user as pages show them.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub id: UserId,
    pub name: String,
    pub is_admin: bool,
    pub can_create_courses: bool,
    /// Trusted (`lyceum_core::trust`): a stored trust (grant, Wikimedia standing, track
    /// record) or a trusted role, from the session's columns.
    pub trusted: bool,
    /// A site moderator (the header links to the moderation queue).
    pub is_moderator: bool,
    /// Suspended by a moderator now: no publishing or creating courses.
    pub suspended: bool,
}

/// Language and user, shared with the error renderer so error pages match the page
/// that failed, without loading the session twice.
#[derive(Clone, Debug, Default)]
pub struct PageSeed {
    pub lang: Option<String>,
    pub viewer: Option<Viewer>,
}

pub type SeedSlot = Arc<Mutex<PageSeed>>;

#[derive(Clone)]
pub struct Page {
    pub app: App,
    /// Interface language (a MediaWiki code, `qqx` shows message keys).
    pub lang: String,
    pub bcp47: String,
    pub rtl: bool,
    pub viewer: Option<Viewer>,
    /// Path and query of this request, for "come back here" links.
    pub path: String,
    pub tz: TimeZone,
    pub tz_name: String,
    /// No stored or detected zone: times are in UTC and the browser may re-render them.
    pub tz_fallback: bool,
    /// A one-off notice to show (a message key from a fixed list).
    pub notice: Option<&'static str>,
    /// The viewer's unread notifications (0 on error pages and for visitors).
    pub unread: i64,
}

/// Notices a redirect may ask for with `?notice=`; anything else is ignored.
const NOTICES: &[(&str, &str)] = &[
    ("enrolled", "lyceum-notice-enrolled"),
    ("unenrolled", "lyceum-notice-unenrolled"),
    ("saved", "lyceum-notice-saved"),
    ("job-retried", "lyceum-jobs-notice-retried"),
    ("conduct-accepted", "lyceum-conduct-notice-accepted"),
    ("reported", "lyceum-report-notice-sent"),
    ("moderated", "lyceum-mod-notice-done"),
    ("appealed", "lyceum-mod-notice-appealed"),
    ("discussion-held", "lyceum-discussion-notice-held"),
    ("logged-out", "lyceum-notice-logged-out"),
    ("signed-up", "lyceum-account-notice-signed-up"),
    ("account-verify-sent", "lyceum-account-notice-verify-sent"),
    ("account-verified", "lyceum-account-notice-verified"),
    (
        "account-password-changed",
        "lyceum-account-notice-password-changed",
    ),
    (
        "account-password-reset",
        "lyceum-account-notice-password-reset",
    ),
    (
        "account-wikimedia-linked",
        "lyceum-account-notice-wikimedia-linked",
    ),
    (
        "account-wikimedia-unlinked",
        "lyceum-account-notice-wikimedia-unlinked",
    ),
    ("account-deleted", "lyceum-account-notice-deleted"),
    ("bookmarked", "lyceum-notice-bookmarked"),
    ("unbookmarked", "lyceum-notice-unbookmarked"),
    ("marked-done", "lyceum-notice-marked-done"),
    ("marked-not-done", "lyceum-notice-marked-not-done"),
    ("score-overridden", "lyceum-notice-score-overridden"),
    ("override-removed", "lyceum-notice-override-removed"),
    ("attempts-reset", "lyceum-notice-attempts-reset"),
    ("rubric-copied", "lyceum-notice-rubric-copied"),
    ("course-created", "lyceum-newcourse-notice-created"),
    (
        "course-rerun-created",
        "lyceum-newcourse-notice-rerun-created",
    ),
    ("course-forked", "lyceum-fork-notice-created"),
    ("course-moved", "lyceum-fork-notice-moved"),
    (
        "course-settings-saved",
        "lyceum-course-settings-notice-saved",
    ),
    ("course-archived", "lyceum-course-settings-notice-archived"),
    ("course-reopened", "lyceum-course-settings-notice-reopened"),
    ("team-added", "lyceum-team-notice-added"),
    ("translation-saved", "lyceum-translate-notice-saved"),
    ("translation-imported", "lyceum-translate-notice-imported"),
    ("translation-published", "lyceum-translate-notice-published"),
    ("translation-withdrawn", "lyceum-translate-notice-withdrawn"),
    (
        "translation-settings-saved",
        "lyceum-translate-notice-settings",
    ),
    ("team-changed", "lyceum-team-notice-changed"),
    ("team-removed", "lyceum-team-notice-removed"),
    ("review-approved", "lyceum-review-notice-approved"),
    ("review-sent-back", "lyceum-review-notice-sent-back"),
    ("review-commented", "lyceum-review-notice-commented"),
    ("review-marked", "lyceum-review-notice-marked"),
    ("or-draft-saved", "lyceum-or-notice-draft-saved"),
    ("or-submitted", "lyceum-or-notice-submitted"),
    ("or-file-added", "lyceum-or-notice-file-added"),
    ("or-file-removed", "lyceum-or-notice-file-removed"),
    ("or-self-reviewed", "lyceum-or-notice-self-reviewed"),
    ("or-review-saved", "lyceum-or-notice-review-saved"),
    ("calendar-reset", "lyceum-notice-calendar-reset"),
    // Messages and announcements (issue 15).
    ("message-sent", "lyceum-message-notice-sent"),
    ("message-read", "lyceum-message-notice-read"),
    ("message-blocked", "lyceum-message-notice-blocked"),
    ("message-unblocked", "lyceum-message-notice-unblocked"),
    ("announcement-posted", "lyceum-announcement-notice-posted"),
    ("announcement-deleted", "lyceum-announcement-notice-deleted"),
    (
        "notifications-saved",
        "lyceum-notification-settings-notice-saved",
    ),
];

impl Page {
    pub fn dir(&self) -> &'static str {
        if self.rtl { "rtl" } else { "ltr" }
    }

    /// The CLDR numbering system of this page's numbers, for times the browser re-renders.
    pub fn numbering_system(&self) -> &'static str {
        self.app.i18n().numbering_system(&self.lang)
    }

    pub fn css_url(&self) -> &str {
        if self.rtl {
            &self.app.assets().css_rtl
        } else {
            &self.app.assets().css_ltr
        }
    }

    pub fn js_url(&self) -> &str {
        &self.app.assets().js
    }

    /// The translation pages' own style and script (issue 17).
    pub fn translate_assets(&self) -> (&str, &str) {
        let a = self.app.assets();
        (&a.translate_css, &a.translate_js)
    }

    pub fn favicon_url(&self) -> &str {
        &self.app.assets().favicon
    }

    /// Is self-service sign-up open (the header's "Create account" link)?
    pub fn signup_open(&self) -> bool {
        self.app.signup_open()
    }

    /// What to call a person in a record (who graded, who wrote a revision): their shown
    /// name, or "deleted user" for the tombstone of a deleted account, whose name is gone.
    pub fn person_name(&self, u: &lyceum_store::repo::users::UserRow) -> String {
        if u.deleted_at.is_some() {
            self.text("lyceum-account-deleted-user")
        } else {
            u.shown_name().to_owned()
        }
    }

    /// Does the site send mail (password reset links)?
    pub fn mails(&self) -> bool {
        self.app.config().email.is_some()
    }

    pub fn site_name(&self) -> &str {
        &self.app.config().site_name
    }

    pub fn actor(&self) -> Actor {
        match &self.viewer {
            Some(v) => Actor::user(v.id, v.is_admin)
                .with_course_creation(v.can_create_courses)
                .with_moderation(v.is_moderator)
                .with_suspension(v.suspended)
                .with_trust(v.trusted),
            None => Actor::ANONYMOUS,
        }
    }

    pub fn languages(&self) -> &[crate::state::UiLanguage] {
        self.app.ui_languages()
    }

    /// Render a message. Arguments that are already HTML (a date, a link) go in as
    /// placeholders and are put back after rendering, so they are not escaped twice.
    fn render(&self, key: &str, args: &[Piece], html: bool) -> String {
        if self.lang == "qqx" {
            return format!("({key})");
        }
        let plain: Vec<Arg<'_>> = args
            .iter()
            .enumerate()
            .map(|(i, a)| match a {
                Piece::Arg(a) => a.clone(),
                Piece::Isolated(s) if !html => Arg::from(isolate_text(s)),
                Piece::Html(_) | Piece::Isolated(_) => Arg::from(format!("\u{E000}{i}\u{E001}")),
            })
            .collect();
        let mut out = if html {
            self.app.i18n().html(&self.lang, key, &plain)
        } else {
            self.app.i18n().text(&self.lang, key, &plain)
        };
        for (i, a) in args.iter().enumerate() {
            let with = match a {
                Piece::Html(h) if html => h.clone(),
                Piece::Html(h) => lyceum_core::sanitize::strip_tags(h),
                Piece::Isolated(s) if html => format!("<bdi>{}</bdi>", escape(s)),
                _ => continue,
            };
            out = out.replace(&format!("\u{E000}{i}\u{E001}"), &with);
        }
        out
    }

    /// A message as HTML (arguments escaped).
    pub fn t(&self, key: &str) -> Html {
        Html(self.render(key, &[], true))
    }

    pub fn t1(&self, key: &str, a: impl ToArg) -> Html {
        Html(self.render(key, &[a.piece()], true))
    }

    pub fn t2(&self, key: &str, a: impl ToArg, b: impl ToArg) -> Html {
        Html(self.render(key, &[a.piece(), b.piece()], true))
    }

    pub fn t3(&self, key: &str, a: impl ToArg, b: impl ToArg, c: impl ToArg) -> Html {
        Html(self.render(key, &[a.piece(), b.piece(), c.piece()], true))
    }

    pub fn tn(&self, key: &str, args: &[Piece]) -> Html {
        Html(self.render(key, args, true))
    }

    /// A message as plain text, for attributes and titles (the template escapes it).
    pub fn text(&self, key: &str) -> String {
        self.render(key, &[], false)
    }

    pub fn text1(&self, key: &str, a: impl ToArg) -> String {
        self.render(key, &[a.piece()], false)
    }

    pub fn text2(&self, key: &str, a: impl ToArg, b: impl ToArg) -> String {
        self.render(key, &[a.piece(), b.piece()], false)
    }

    /// Author or user content for a message argument, isolated ([`Piece::Isolated`]).
    pub fn bdi<'a>(&self, s: &'a str) -> Isolated<'a> {
        Isolated(s)
    }

    pub fn icon(&self, name: &str) -> Html {
        Html(format!(
            r#"<span class="icon">{}</span>"#,
            self.app.assets().icon(name, self.rtl)
        ))
    }

    /// A date in the viewer's zone and language, machine-readable too.
    pub fn date(&self, t: impl AsTimestamp) -> Html {
        let t = t.ts();
        let text = crate::format::date(self, &t);
        self.time_element(&t, &text, "date")
    }

    /// Date and time of day, with the zone's abbreviation.
    pub fn datetime(&self, t: impl AsTimestamp) -> Html {
        let t = t.ts();
        let text = crate::format::datetime(self, &t);
        self.time_element(&t, &text, "datetime")
    }

    fn time_element(&self, t: &Timestamp, text: &str, kind: &str) -> Html {
        Html(format!(
            r#"<time datetime="{}" data-local="{kind}">{}</time>"#,
            t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            escape(text)
        ))
    }

    /// Current path, URL-encoded for a `return_to` query parameter.
    pub fn return_to(&self) -> String {
        url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect()
    }
}

/// Messages whose arguments after the first two are one list of numbers (the positions
/// of empty inputs): they are passed as separate arguments and shown as one list.
const NUMBER_LIST_MESSAGES: &[&str] = &["lyceum-error-problem-incomplete"];

/// Arguments of an error message (stored as strings by the domain) as message arguments.
/// Text stays text (it may be what a person typed); for the messages that take counts and
/// a list of numbers, the counts are numbers and the list is written with the language's
/// digits and separator, like every other number on the page.
pub fn message_args(app: &App, lang: &str, key: &str, args: &[String]) -> Vec<Arg<'static>> {
    if !NUMBER_LIST_MESSAGES.contains(&key) || args.len() < 3 {
        return args.iter().map(|a| Arg::from(a.clone())).collect();
    }
    let number = |s: &String| {
        s.parse::<i64>()
            .map_or_else(|_| Arg::from(s.clone()), Arg::Int)
    };
    let sep = app.i18n().text(lang, "lyceum-list-separator", &[]);
    let list: Vec<String> = args[2..]
        .iter()
        .map(|s| match s.parse::<i64>() {
            Ok(n) => app.i18n().number(lang, n as f64),
            Err(_) => s.clone(),
        })
        .collect();
    vec![
        number(&args[0]),
        number(&args[1]),
        Arg::from(list.join(&sep)),
    ]
}

/// A message argument: text (escaped when rendered) or HTML we produced ourselves.
#[derive(Clone, Debug)]
pub enum Piece {
    Arg(Arg<'static>),
    Html(String),
    /// Author or user content (a title, a name): isolated from the sentence around it, so
    /// an English title in an Arabic message (or the reverse) keeps its order. `<bdi>` in
    /// HTML, FSI … PDI in plain text.
    Isolated(String),
}

/// Author or user content isolated in plain text (FSI … PDI), as [`Piece::Isolated`]
/// renders it outside HTML.
pub fn isolate_text(s: &str) -> String {
    format!("\u{2068}{s}\u{2069}")
}

/// Author or user content as a message argument; see [`Piece::Isolated`].
pub struct Isolated<'a>(pub &'a str);

impl ToArg for Isolated<'_> {
    fn piece(&self) -> Piece {
        Piece::Isolated(self.0.to_owned())
    }
}

/// Message arguments from template values (askama passes most of them by reference).
pub trait ToArg {
    fn piece(&self) -> Piece;
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn piece(&self) -> Piece {
        (**self).piece()
    }
}
impl ToArg for str {
    fn piece(&self) -> Piece {
        Piece::Arg(Arg::from(self.to_owned()))
    }
}
impl ToArg for String {
    fn piece(&self) -> Piece {
        Piece::Arg(Arg::from(self.clone()))
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t { fn piece(&self) -> Piece { Piece::Arg(Arg::from(*self as i64)) } }
    )*};
}
int_arg!(i64, i32, u32, u8, usize, u64);
impl ToArg for f64 {
    fn piece(&self) -> Piece {
        Piece::Arg(Arg::from(*self))
    }
}
impl ToArg for Html {
    fn piece(&self) -> Piece {
        Piece::Html(self.0.clone())
    }
}

/// Timestamps from template values, by value or reference.
pub trait AsTimestamp {
    fn ts(&self) -> Timestamp;
}
impl AsTimestamp for Timestamp {
    fn ts(&self) -> Timestamp {
        *self
    }
}
impl<T: AsTimestamp + ?Sized> AsTimestamp for &T {
    fn ts(&self) -> Timestamp {
        (**self).ts()
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Everything a handler needs about the request: the app, the session, the page.
pub struct Cx {
    pub app: App,
    pub session: Option<Session>,
    pub page: Page,
}

impl Cx {
    pub fn user(&self) -> Option<&UserRow> {
        self.session.as_ref().and_then(|s| s.user.as_ref())
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user().map(UserRow::id)
    }

    pub fn actor(&self) -> Actor {
        self.page.actor()
    }

    /// The logged-in user, or a redirect to the login page that comes back here.
    pub fn require_user(&self) -> Result<&UserRow, AppError> {
        self.user().ok_or_else(|| AppError::LoginRequired {
            return_to: self.page.path.clone(),
        })
    }
}

/// Pick the interface language: `?uselang=` → the user's stored preference → the
/// `lang` cookie (anonymous visitors' choice) → `Accept-Language` → English.
pub fn choose_language(
    app: &App,
    uri: &Uri,
    headers: &HeaderMap,
    user: Option<&UserRow>,
) -> String {
    if let Some(q) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            if k == "uselang" {
                let v = v.to_ascii_lowercase();
                if v == "qqx" || app.is_ui_language(&v) {
                    return v;
                }
            }
        }
    }
    if let Some(l) = user.and_then(|u| u.language.as_deref())
        && app.is_ui_language(l)
    {
        return l.to_owned();
    }
    if let Some(l) = session::read_cookie(headers, "lang")
        && app.is_ui_language(l)
    {
        return l.to_owned();
    }
    if let Some(al) = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    {
        let codes: Vec<&str> = app.ui_languages().iter().map(|l| l.code.as_str()).collect();
        if let Some(l) = lyceum_i18n::negotiate(al, &codes) {
            return l;
        }
    }
    "en".to_owned()
}

/// The zone the browser reported (the script stores it in the `tz` cookie).
pub fn browser_zone(headers: &HeaderMap) -> Option<String> {
    session::read_cookie(headers, "tz").map(|v| {
        url::form_urlencoded::parse(format!("v={v}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .next()
            .unwrap_or_default()
    })
}

fn choose_time_zone(headers: &HeaderMap, user: Option<&UserRow>) -> (TimeZone, String, bool) {
    let cookie = browser_zone(headers);
    for name in [user.and_then(|u| u.time_zone.clone()), cookie]
        .into_iter()
        .flatten()
    {
        if let Ok(tz) = TimeZone::get(&name) {
            return (tz, name, false);
        }
    }
    (TimeZone::UTC, "UTC".to_owned(), true)
}

pub fn build_page(app: &App, uri: &Uri, headers: &HeaderMap, user: Option<&UserRow>) -> Page {
    let lang = choose_language(app, uri, headers, user);
    let rtl = lang != "qqx" && lyceum_i18n::direction(&lang) == Direction::Rtl;
    let (tz, tz_name, tz_fallback) = choose_time_zone(headers, user);
    let notice = uri
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "notice")
                .map(|(_, v)| v.into_owned())
        })
        .and_then(|n| NOTICES.iter().find(|(k, _)| *k == n).map(|(_, key)| *key));
    Page {
        app: app.clone(),
        bcp47: if lang == "qqx" {
            "en".to_owned()
        } else {
            lyceum_i18n::bcp47(&lang)
        },
        lang,
        rtl,
        viewer: user.map(|u| Viewer {
            id: u.id(),
            name: u.shown_name().to_owned(),
            is_admin: u.is_admin,
            can_create_courses: u.can_create_courses,
            trusted: u.trust_source.as_deref().is_some_and(|s| s != "revoked"),
            is_moderator: u.is_moderator,
            suspended: u.suspended_at(app.now_ms()),
        }),
        path: uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        tz,
        tz_name,
        tz_fallback,
        notice,
        unread: 0,
    }
}

impl FromRequestParts<App> for Cx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let session = session::load(app, &parts.headers).await?;
        let user = session.as_ref().and_then(|s| s.user.as_ref());
        let mut page = build_page(app, &parts.uri, &parts.headers, user);
        // The header's notification count came with the session.
        page.unread = session.as_ref().map_or(0, |s| s.unread);
        if let Some(v) = page.viewer.as_mut() {
            v.trusted |= session.as_ref().is_some_and(|s| s.trusted_role);
        }
        if let Some(slot) = parts.extensions.get::<SeedSlot>()
            && let Ok(mut seed) = slot.lock()
        {
            seed.lang = Some(page.lang.clone());
            seed.viewer = page.viewer.clone();
        }
        Ok(Cx {
            app: app.clone(),
            session,
            page,
        })
    }
}

/// A page for an error response: the language and viewer the failed handler had already
/// worked out, or a fresh choice from the request when it failed before that.
pub fn error_page(app: &App, uri: &Uri, headers: &HeaderMap, seed: PageSeed) -> Page {
    let mut page = build_page(app, uri, headers, None);
    if let Some(lang) = seed.lang {
        page.rtl = lang != "qqx" && lyceum_i18n::direction(&lang) == Direction::Rtl;
        page.bcp47 = if lang == "qqx" {
            "en".to_owned()
        } else {
            lyceum_i18n::bcp47(&lang)
        };
        page.lang = lang;
    }
    page.viewer = seed.viewer;
    page.notice = None;
    page
}
