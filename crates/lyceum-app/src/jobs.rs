//! The periodic work of a running site as use cases, without HTTP: `lyceum serve` runs
//! [`sweep`] every hour. (Mailing notices and settling open-response scores stay with the
//! web's minute tick for now: they render mail with the web's settings and messages, and
//! settle through the open-response code.)

use crate::accounts::{LOGIN_TRUST_MS, LOGIN_WINDOW_MS};
use crate::{Env, Result};
use lyceum_store::media_gc::{self, SweepReport};
use lyceum_store::repo::{login_limits, sessions};

/// Delete sessions that expired; returns how many.
pub async fn sweep_sessions(env: &Env) -> Result<u64> {
    let mut c = env.store.conn().await?;
    Ok(sessions::delete_expired(&mut c, env.now_ms()).await?)
}

/// Remove ended login-limit windows and addresses not used for a login in 90 days, and
/// ended creation rate-limit windows.
pub async fn sweep_login_limits(env: &Env) -> Result<u64> {
    let now = env.now_ms();
    let mut c = env.store.conn().await?;
    let logins = login_limits::sweep(&mut c, now - LOGIN_WINDOW_MS, now - LOGIN_TRUST_MS).await?;
    // Sign-up and password-reset counters (hourly windows), and mailed links a day after
    // they expired.
    let hourly =
        login_limits::sweep_hourly(&mut c, now - crate::accounts::SIGNUP_WINDOW_MS).await?;
    let links = lyceum_store::repo::accounts::sweep_tokens(&mut c, now - 24 * 3600 * 1000).await?;
    // Creation rate-limit windows (`crate::trust::check_rate`) a day after they ended.
    let creations = lyceum_store::repo::trust::sweep(&mut c, now - 24 * 3600 * 1000).await?;
    Ok(logins + hourly + links + creations)
}

/// Remove media files nothing refers to and finish interrupted moves (see
/// `lyceum_store::media_gc` for why this never removes a file a committed row refers to).
pub async fn sweep_media(env: &Env) -> Result<SweepReport> {
    Ok(media_gc::sweep(&env.store, &env.media).await?)
}

/// What [`sweep`] did; `None` for a part that failed (logged).
#[derive(Debug, Default)]
pub struct Swept {
    pub sessions: Option<u64>,
    pub login_limits: Option<u64>,
    pub media: Option<SweepReport>,
}

/// The hourly sweeps, each on its own: one failing (logged) does not stop the others.
pub async fn sweep(env: &Env) -> Swept {
    fn logged<T>(what: &str, r: Result<T>) -> Option<T> {
        r.map_err(|e| tracing::warn!(error = %e, detail = ?e.detail, "sweeping {what} failed"))
            .ok()
    }
    let sessions = logged("expired sessions", sweep_sessions(env).await);
    let login_limits = logged("login limits", sweep_login_limits(env).await);
    let media = logged("the media directory", sweep_media(env).await);
    if let Some(r) = &media
        && !(r.removed.is_empty() && r.recovered.is_empty())
    {
        tracing::info!(
            removed = r.removed.len(),
            bytes = r.bytes(),
            recovered = r.recovered.len(),
            "media sweep"
        );
    }
    Swept {
        sessions,
        login_limits,
        media,
    }
}
