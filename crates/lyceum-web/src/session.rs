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
/// logged-in user need no session query. Exact only while this process is the sole
/// writer of sessions and users, so it is on for SQLite and off (TTL 0) for PostgreSQL,
/// where other servers may log a user out; every session or user write made here
/// drops the affected entries.
pub struct SessionCache {
    ttl: Duration,
    map: Mutex<HashMap<String, (Instant, SessionRow)>>,
    /// Bumped by every invalidation. A row read from the database is cached only if no
    /// invalidation happened while it was being read, so a concurrent request can never
    /// put back what a write has just made stale.
    epoch: std::sync::atomic::AtomicU64,
}

/// Entries kept at most; past that the cache starts over rather than grow.
const SESSION_CACHE_MAX: usize = 50_000;

impl SessionCache {
    pub fn new(ttl: Duration) -> SessionCache {
        SessionCache {
            ttl,
            map: Mutex::new(HashMap::new()),
            epoch: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn get(&self, id_hash: &str, now_ms: i64) -> Option<SessionRow> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id_hash)
            .filter(|(at, row)| at.elapsed() < self.ttl && row.expires_at > now_ms)
            .map(|(_, row)| row.clone())
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn put(&self, row: &SessionRow, epoch_before_read: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch() != epoch_before_read {
            return;
        }
        if map.len() >= SESSION_CACHE_MAX {
            map.clear();
        }
        map.insert(row.id_hash.clone(), (Instant::now(), row.clone()));
    }

    /// Call after the write that made the entry stale.
    pub fn forget(&self, id_hash: &str) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        map.remove(id_hash);
    }

    /// A user's account changed (name, language, time zone): drop their sessions.
    /// Call after the write that changed the account.
    pub fn forget_user(&self, user: UserId) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        map.retain(|_, (_, row)| row.user.as_ref().is_none_or(|u| u.id() != user));
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
        let cache = SessionCache::new(Duration::from_secs(60));
        let e = cache.epoch();
        cache.put(&row("a", 1), e);
        assert!(cache.get("a", 0).is_some());
        assert!(
            cache.get("a", 1_000).is_none(),
            "expired sessions are not served"
        );
        cache.forget_user(UserId(1));
        assert!(cache.get("a", 0).is_none());
        // A read that started before an invalidation must not be cached after it.
        let before = cache.epoch();
        cache.forget("b");
        cache.put(&row("a", 1), before);
        assert!(cache.get("a", 0).is_none());
        // Off for PostgreSQL.
        let off = SessionCache::new(Duration::ZERO);
        off.put(&row("a", 1), off.epoch());
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
