//! A local stand-in for Extension:OAuth's OAuth 2.0 endpoints, for tests and demo runs.
//!
//! It serves `/w/rest.php/oauth2/{authorize,access_token,resource/profile,resource/scopes}` with
//! the status codes and JSON shapes of the real extension (league/oauth2-server errors
//! included), so the client runs unchanged against it and against meta.wikimedia.org. Instead of
//! Special:UserLogin and Special:OAuth/approve it shows one plain HTML consent page where the
//! tester picks a configured user; that form posts to `/w/rest.php/oauth2/approve`.
//!
//! Simplifications: the only registered grants are [`REGISTERED_GRANTS`]; `#default` or no
//! `scope` means `mwoauth-authonly`; `rights` is a token list; tokens are opaque random strings
//! (the real access token is a JWT, which clients must treat as opaque anyway).

mod handlers;
mod html;

use lyceum_core::{Clock, SystemClock};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The grants the stand-in's consumer is approved for; other requested scopes are dropped.
pub const REGISTERED_GRANTS: [&str; 3] = ["mwoauth-authonly", "mwoauth-authonlyprivate", "basic"];

/// A wiki account the consent page offers.
#[derive(Debug, Clone)]
pub struct StandinUser {
    /// Sent as `sub`; 0 imitates an account without a central id.
    pub central_id: i64,
    pub username: String,
    /// MediaWiki timestamp `YYYYMMDDHHMMSS`; `None` is sent as `null`.
    pub registered: Option<String>,
    /// A confirmed address; `None` gives `confirmed_email: false` and `email: ""`.
    pub email: Option<String>,
    pub realname: Option<String>,
    pub blocked: bool,
    /// Hidden user: the profile is only `{"sub": …, "blocked": true}`.
    pub suppressed: bool,
    pub editcount: i64,
    pub groups: Vec<String>,
}

impl StandinUser {
    /// An ordinary registered user with no email.
    pub fn new(central_id: i64, username: impl Into<String>) -> Self {
        Self {
            central_id,
            username: username.into(),
            registered: Some("20261121110959".to_owned()),
            email: None,
            realname: None,
            blocked: false,
            suppressed: false,
            editcount: 0,
            groups: vec!["*".into(), "user".into(), "autoconfirmed".into()],
        }
    }
}

/// The one consumer the stand-in knows, and its users.
#[derive(Debug, Clone)]
pub struct StandinConfig {
    pub client_id: String,
    pub client_secret: String,
    /// The registered callback; authorize and token requests must use exactly this.
    pub redirect_uri: String,
    pub users: Vec<StandinUser>,
}

/// How the provider misbehaves, to test the client's error mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// The token endpoint answers 500 (MediaWiki REST's JSON error).
    TokenServerError,
    /// The token endpoint answers 200 with an HTML page.
    TokenGarbage,
    /// The profile endpoint answers 200 with an HTML page.
    ProfileGarbage,
    /// The profile endpoint refuses every token with league's 401 `access_denied`.
    ProfileUnauthorized,
    /// The token endpoint waits this long before answering normally.
    SlowToken(Duration),
}

/// What the last authorize request asked for, so tests can check what the client sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeSeen {
    pub scope: Option<String>,
    pub ui_locales: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// A running stand-in. Dropping it (or [`Standin::shutdown`]) stops the server.
pub struct Standin {
    /// `http://127.0.0.1:PORT/w/rest.php`, the value for `OAuthConfig::rest_base`.
    pub base: url::Url,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

pub(crate) struct Shared {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) redirect_uri: String,
    pub(crate) clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) users: Vec<StandinUser>,
    pub(crate) mode: Mode,
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) tokens: HashMap<String, TokenGrant>,
    pub(crate) tokens_issued: usize,
    pub(crate) last_authorize: Option<AuthorizeSeen>,
    pub(crate) last_user_agent: Option<String>,
}

pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) central_id: i64,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) expires: jiff::Timestamp,
    pub(crate) used: bool,
}

#[derive(Clone)]
pub(crate) struct TokenGrant {
    pub(crate) central_id: i64,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires: jiff::Timestamp,
}

impl Shared {
    /// The state lock; a panic in another handler must not wedge the whole test server.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Standin {
    /// Starts on 127.0.0.1 with a free port, on the system clock.
    pub async fn start(cfg: StandinConfig) -> std::io::Result<Standin> {
        Self::start_with_clock(cfg, Arc::new(SystemClock)).await
    }

    /// Starts with an injected clock, so tests can expire codes and tokens without sleeping.
    pub async fn start_with_clock(
        cfg: StandinConfig,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Standin> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let base = url::Url::parse(&format!("http://{addr}/w/rest.php"))
            .map_err(|e| std::io::Error::other(format!("stand-in base URL: {e}")))?;

        let shared = Arc::new(Shared {
            client_id: cfg.client_id,
            client_secret: cfg.client_secret,
            redirect_uri: cfg.redirect_uri,
            clock,
            state: Mutex::new(State {
                users: cfg.users,
                ..State::default()
            }),
        });

        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, handlers::router(shared.clone()))
            .with_graceful_shutdown(async {
                // A dropped sender means the same as a sent signal: stop.
                let _ = stopped.await;
            });
        let task = tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::warn!(error = %e, "OAuth stand-in stopped with an error");
            }
        });

        Ok(Standin {
            base,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Switches how the provider answers from now on.
    pub fn set_mode(&self, m: Mode) {
        self.shared.state().mode = m;
    }

    /// Imitates a global rename: same central id, new user name.
    pub fn rename(&self, central_id: i64, new_name: &str) {
        let mut state = self.shared.state();
        for user in state
            .users
            .iter_mut()
            .filter(|u| u.central_id == central_id)
        {
            user.username = new_name.to_owned();
        }
    }

    /// How many access tokens have been handed out.
    pub fn tokens_issued(&self) -> usize {
        self.shared.state().tokens_issued
    }

    /// The parameters of the last valid authorize request.
    pub fn last_authorize(&self) -> Option<AuthorizeSeen> {
        self.shared.state().last_authorize.clone()
    }

    /// The User-Agent of the last token request.
    pub fn last_user_agent(&self) -> Option<String> {
        self.shared.state().last_user_agent.clone()
    }

    /// Stops accepting connections and waits for open requests to finish (including a
    /// [`Mode::SlowToken`] delay in progress).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for Standin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Standin")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}
