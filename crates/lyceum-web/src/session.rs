//! Server-side sessions: the cookie holds a random id, the database holds its SHA-256 and
//! the session's user and data. The id is replaced at every login (no fixation), the
//! cookie is HttpOnly and SameSite=Lax, and Secure (with the `__Host-` prefix) over https.

use crate::state::App;
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use lyceum_core::UserId;
use lyceum_store::repo::sessions::{self, SessionRow};
use lyceum_store::repo::users::UserRow;
use lyceum_store::{Db, Result};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a logged-in session lasts without use.
pub const LOGIN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// A session without a user, should a caller start one: short. The site itself starts none
/// (a Wikimedia login in progress travels in a signed cookie of its own).
pub const ANONYMOUS_TTL_MS: i64 = 3600 * 1000;

/// What a session carries besides its user: nothing today (a login in progress travels
/// in its own signed cookie, so that starting one writes nothing); rows written by older
/// versions with more are read as empty.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SessionData {}

/// An OAuth login in progress, in a signed HttpOnly cookie of its own: `state` binds the
/// callback to this browser, and the PKCE verifier is sent only to this site.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingOAuth {
    pub state: String,
    pub verifier: String,
    pub return_to: String,
    pub started_at: i64,
    /// Set when a logged-in user links their Wikimedia account from Preferences: the
    /// callback attaches the identity to this user instead of logging in.
    #[serde(default)]
    pub link_user: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id_hash: String,
    pub user: Option<UserRow>,
    /// Unread notifications of the user (cached with the session; dropped from the cache
    /// when a notice arrives or is read).
    pub unread: i64,
    /// The user holds a trusted role (read with the session).
    pub trusted_role: bool,
}

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-lyceum_session"
    } else {
        "lyceum_session"
    }
}

pub fn hash_id(id: &str) -> String {
    format!("{:x}", Sha256::digest(id.as_bytes()))
}

pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The value of one cookie from the request's Cookie headers.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    secure: bool,
    http_only: bool,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// Sessions recently read from the database, by id hash, so most requests of a
/// logged-in user need no session query.
///
/// Every session or user write made here drops the affected entries. On SQLite this
/// process is the only writer, so that is exact. On PostgreSQL other servers write too:
/// the database announces every change to a session, an account, its notifications or
/// its roles on the channel [`CHANGES_CHANNEL`] (triggers, so no write can forget to), and
/// [`follow_changes`] drops the entries each announcement names. The cache serves only
/// while that listener is connected ([`SessionCache::set_live`]): a lost connection may
/// have lost announcements, so the cache is emptied and bypassed until it is back.
pub struct SessionCache {
    ttl: Duration,
    inner: Mutex<Entries>,
    /// Bumped by every invalidation, which records the new value: a row read from the
    /// database is served only if nothing it carries was invalidated after its read
    /// began, so a concurrent request can never put back what a write made stale.
    epoch: std::sync::atomic::AtomicU64,
    /// Whether invalidations reach this cache: always on SQLite; on PostgreSQL while the
    /// listener is connected.
    live: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Entries {
    /// By id hash: when it was read, the epoch it was read at, the row.
    map: HashMap<String, (Instant, u64, SessionRow)>,
    /// Sessions and users changed, with the epoch of the change: an entry read at an
    /// earlier epoch is stale. (Recorded rather than searched for, so that forgetting a
    /// user costs the same however many sessions are kept: a notice to 10,000 learners
    /// is 10,000 announcements.)
    forgotten_sessions: HashMap<String, u64>,
    forgotten_users: HashMap<UserId, u64>,
    /// The epoch of the last time everything was forgotten (records of changes included):
    /// a read that began before it is stale.
    cleared_at: u64,
}

impl Entries {
    /// Forget everything, at `epoch` (a new one).
    fn clear(&mut self, epoch: u64) {
        self.map.clear();
        self.forgotten_sessions.clear();
        self.forgotten_users.clear();
        self.cleared_at = epoch;
    }

    /// Whether `row`, read at `read_epoch`, was changed since it was read began.
    fn stale(&self, row: &SessionRow, read_epoch: u64) -> bool {
        let after = |changed: Option<&u64>| changed.is_some_and(|&at| at > read_epoch);
        self.cleared_at > read_epoch
            || after(self.forgotten_sessions.get(&row.id_hash))
            || row
                .user
                .as_ref()
                .is_some_and(|u| after(self.forgotten_users.get(&u.id())))
    }
}

/// The PostgreSQL channel on which the database announces changes to sessions
/// (`s:ID_HASH`) and to what a session carries of its user (`u:USER_ID`).
pub const CHANGES_CHANNEL: &str = "lyceum_sessions";

/// Entries kept at most (and sessions or users remembered as changed): about 5 MiB of
/// sessions, the people active within the time-to-live on a busy node. When full, the
/// entries past their time-to-live go; if that is not enough, the cache starts over.
const SESSION_CACHE_MAX: usize = 10_000;

impl SessionCache {
    /// A cache that serves at once (`live`) or only once [`set_live`](Self::set_live)
    /// says invalidations arrive.
    pub fn new(ttl: Duration, live: bool) -> SessionCache {
        SessionCache {
            ttl,
            inner: Mutex::default(),
            epoch: std::sync::atomic::AtomicU64::new(0),
            live: std::sync::atomic::AtomicBool::new(live),
        }
    }

    fn on(&self) -> bool {
        !self.ttl.is_zero() && self.live.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, id_hash: &str, now_ms: i64) -> Option<SessionRow> {
        if !self.on() {
            return None;
        }
        let e = self.lock();
        let (at, read_epoch, row) = e.map.get(id_hash)?;
        (!e.stale(row, *read_epoch) && at.elapsed() < self.ttl && row.expires_at > now_ms)
            .then(|| row.clone())
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn put(&self, row: &SessionRow, epoch_before_read: u64) {
        if !self.on() {
            return;
        }
        let mut e = self.lock();
        // Changed while it was read: what was read may be the old state.
        if e.stale(row, epoch_before_read) {
            return;
        }
        if e.map.len() >= SESSION_CACHE_MAX {
            let ttl = self.ttl;
            e.map.retain(|_, (at, _, _)| at.elapsed() < ttl);
            if e.map.len() >= SESSION_CACHE_MAX {
                e.clear(self.next_epoch());
            }
        }
        e.map.insert(
            row.id_hash.clone(),
            (Instant::now(), epoch_before_read, row.clone()),
        );
    }

    /// Call after the write that made the entry stale.
    pub fn forget(&self, id_hash: &str) {
        let mut e = self.lock();
        let epoch = self.next_epoch();
        e.map.remove(id_hash);
        if e.forgotten_sessions.len() >= SESSION_CACHE_MAX {
            e.clear(epoch);
        }
        e.forgotten_sessions.insert(id_hash.to_owned(), epoch);
    }

    /// A new epoch (the lock is held).
    fn next_epoch(&self) -> u64 {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }

    /// A user's account changed (name, language, time zone, notifications, roles): drop
    /// their sessions. Call after the write that changed the account.
    pub fn forget_user(&self, user: UserId) {
        let mut e = self.lock();
        let epoch = self.next_epoch();
        if e.forgotten_users.len() >= SESSION_CACHE_MAX {
            e.clear(epoch);
        }
        e.forgotten_users.insert(user, epoch);
    }

    /// Whether the cache serves: on SQLite always, on PostgreSQL while its listener hears
    /// the other servers' changes.
    pub fn is_live(&self) -> bool {
        self.on()
    }

    /// Forget everything, and serve from the cache again only if `live`.
    pub fn set_live(&self, live: bool) {
        let mut e = self.lock();
        let epoch = self.next_epoch();
        self.live.store(live, std::sync::atomic::Ordering::SeqCst);
        e.clear(epoch);
    }

    /// An announcement on [`CHANGES_CHANNEL`]: drop what it names. Anything else (a
    /// newer version's announcement) empties the cache, to be safe.
    pub fn heard(&self, payload: &str) {
        match payload.split_once(':') {
            Some(("s", hash)) => self.forget(hash),
            Some(("u", id)) if let Ok(id) = id.parse() => self.forget_user(UserId(id)),
            _ => self.set_live(self.live.load(std::sync::atomic::Ordering::SeqCst)),
        }
    }
}

/// Keep `app`'s session cache in step with the other servers on one PostgreSQL: listen
/// on [`CHANGES_CHANNEL`] and drop what each announcement names; while the listener is
/// not connected, the cache is off (see [`SessionCache`]). Runs until the process ends;
/// returns at once on SQLite.
pub async fn follow_changes(app: App) {
    let mut listener = loop {
        match app.store().listen(CHANGES_CHANNEL).await {
            Ok(Some(l)) => break l,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "listening for session changes failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    app.sessions().set_live(true);
    loop {
        match listener.recv().await {
            Ok(lyceum_store::Heard::Message(payload)) => app.sessions().heard(&payload),
            // Reconnected: what was said meanwhile is lost, so start over.
            Ok(lyceum_store::Heard::Reconnected) => app.sessions().set_live(true),
            Err(e) => {
                app.sessions().set_live(false);
                tracing::warn!(error = %e, "the session-change listener lost its connection; the session cache is off until it is back");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Load the request's session, if its cookie names a live one: from the cache, or with
/// one statement.
pub async fn load(app: &App, headers: &HeaderMap) -> Result<Option<Session>> {
    let Some(id) = read_cookie(headers, cookie_name(app.config().secure_cookies())) else {
        return Ok(None);
    };
    // Ids are 43 base64url characters; anything else is not ours and costs no query.
    if id.len() != 43
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    let now = app.now_ms();
    let id_hash = hash_id(id);
    let row = match app.sessions().get(&id_hash, now) {
        Some(row) => row,
        None => {
            let epoch = app.sessions().epoch();
            let mut c = app.store().conn().await?;
            let Some(mut row) = sessions::load(&mut c, &id_hash, now).await? else {
                return Ok(None);
            };
            // Sliding expiry for logged-in sessions, written at most once a day.
            if row.user.is_some() && row.expires_at - now < LOGIN_TTL_MS - 24 * 3600 * 1000 {
                row.expires_at = now + LOGIN_TTL_MS;
                sessions::extend(&mut c, &row.id_hash, row.expires_at).await?;
            }
            app.sessions().put(&row, epoch);
            row
        }
    };
    Ok(Some(Session {
        id_hash: row.id_hash,
        user: row.user,
        unread: row.unread,
        trusted_role: row.trusted_role,
    }))
}

/// Start a new session (replacing `old`, if any) and return its Set-Cookie header.
pub async fn start(
    app: &App,
    db: &mut impl Db,
    old: Option<&Session>,
    user: Option<UserId>,
    data: &SessionData,
) -> Result<HeaderValue> {
    if let Some(old) = old {
        sessions::delete(db, &old.id_hash).await?;
        app.sessions().forget(&old.id_hash);
    }
    let id = new_id();
    let now = app.now_ms();
    let ttl = if user.is_some() {
        LOGIN_TTL_MS
    } else {
        ANONYMOUS_TTL_MS
    };
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".to_owned());
    sessions::create(db, &hash_id(&id), user, &json, now, now + ttl).await?;
    let secure = app.config().secure_cookies();
    Ok(set_cookie(
        cookie_name(secure),
        &id,
        ttl / 1000,
        secure,
        true,
    ))
}

pub fn clear(app: &App) -> HeaderValue {
    let secure = app.config().secure_cookies();
    set_cookie(cookie_name(secure), "", 0, secure, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; lyceum_session=abc; tz=Africa%2FCairo"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("lang=ar"));
        assert_eq!(read_cookie(&h, "lyceum_session"), Some("abc"));
        assert_eq!(read_cookie(&h, "lang"), Some("ar"));
        assert_eq!(read_cookie(&h, "nope"), None);
    }

    #[test]
    fn ids_are_long_and_distinct() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(hash_id("x").len(), 64);
    }

    fn row(id: &str, user: i64) -> SessionRow {
        let user = lyceum_store::repo::users::UserRow {
            id: user,
            username: "u".into(),
            display_name: String::new(),
            email: None,
            is_admin: false,
            language: None,
            time_zone: None,
            created_at: 0,
            last_login_at: None,
            can_create_courses: false,
            blocked_at: None,
            deleted_at: None,
            email_verified_at: None,
            trust_source: None,
            conduct_accepted_at: None,
            is_moderator: false,
            suspended_until: None,
        };
        SessionRow {
            id_hash: id.into(),
            data: "{}".into(),
            expires_at: 1_000,
            user: Some(user),
            unread: 0,
            trusted_role: false,
        }
    }

    #[test]
    fn the_cache_never_keeps_what_a_write_made_stale() {
        let cache = SessionCache::new(Duration::from_secs(60), true);
        let e = cache.epoch();
        cache.put(&row("a", 1), e);
        assert!(cache.get("a", 0).is_some());
        assert!(
            cache.get("a", 1_000).is_none(),
            "expired sessions are not served"
        );
        cache.forget_user(UserId(1));
        assert!(cache.get("a", 0).is_none());
        // A read that started before an invalidation of what it read must not be cached
        // after it; one of another session's does not matter.
        let before = cache.epoch();
        cache.forget("a");
        cache.put(&row("a", 1), before);
        assert!(cache.get("a", 0).is_none());
        let before = cache.epoch();
        cache.forget("b");
        cache.put(&row("a", 1), before);
        assert!(cache.get("a", 0).is_some());
        // A user changed after their session was read: stale; read again: served.
        let e = cache.epoch();
        cache.put(&row("c", 2), e);
        cache.heard("u:2");
        assert!(cache.get("c", 0).is_none());
        let e = cache.epoch();
        cache.put(&row("c", 2), e);
        assert!(cache.get("c", 0).is_some());
        cache.heard("s:c");
        assert!(cache.get("c", 0).is_none());
        // Not live (PostgreSQL without its listener): nothing is served.
        let off = SessionCache::new(Duration::from_secs(60), false);
        off.put(&row("a", 1), off.epoch());
        assert!(off.get("a", 0).is_none());
        off.set_live(true);
        off.put(&row("a", 1), off.epoch());
        assert!(off.get("a", 0).is_some());
        off.set_live(false);
        assert!(off.get("a", 0).is_none(), "losing the listener empties it");
        // A read begun before the cache was emptied is not kept after (its change's record
        // went with the rest).
        let before = off.epoch();
        off.set_live(true);
        off.put(&row("a", 1), before);
        assert!(off.get("a", 0).is_none());
    }

    #[test]
    fn cookie_attributes() {
        let c = set_cookie("__Host-lyceum_session", "v", 60, true, true);
        assert_eq!(
            c.to_str().unwrap(),
            "__Host-lyceum_session=v; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure"
        );
    }
}
