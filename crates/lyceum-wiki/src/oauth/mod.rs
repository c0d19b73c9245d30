//! Wikimedia OAuth 2.0 login: building the authorize redirect, checking the callback, reading the profile.
//!
//! The flow is the authorization-code grant of Extension:OAuth on Meta-Wiki, as a confidential
//! client that also sends S256 PKCE and a session-bound `state`. Tokens are used once to read the
//! profile and then dropped: the login only needs the identity.

mod client;
mod error;
mod pkce;
mod profile;

use serde::Deserialize;
use std::fmt;

pub use client::WikiClient;
pub use error::OAuthError;
pub use pkce::{constant_time_eq, pkce_challenge, random_token};
pub use profile::{Profile, parse_mw_timestamp};

/// The scope a login-only consumer asks for when the configuration names none.
pub const DEFAULT_SCOPE: &str = "mwoauth-authonly";

/// A credential that must never reach logs: `Debug` prints `[redacted]`.
// No `PartialEq`: comparing secrets should be a deliberate, constant-time `constant_time_eq`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that has to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One registered OAuth 2.0 consumer on a central wiki.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// The wiki's REST entry point, e.g. `https://meta.wikimedia.org/w/rest.php`.
    pub rest_base: url::Url,
    pub client_id: String,
    pub client_secret: Secret,
    /// Exactly the callback registered with the consumer: Extension:OAuth compares strings.
    pub redirect_uri: String,
    /// Sent space-separated; grants the consumer was not approved for are dropped by the wiki.
    pub scopes: Vec<String>,
}

/// Where to send the browser, and what to keep in the session until the callback.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub url: String,
    /// Store in the session; compare with [`check_callback`].
    pub state: String,
    /// Store in the session; pass to [`WikiClient::complete_login`].
    pub pkce_verifier: String,
}

impl OAuthConfig {
    /// A configuration asking for [`DEFAULT_SCOPE`] only.
    pub fn new(
        rest_base: url::Url,
        client_id: impl Into<String>,
        client_secret: Secret,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            rest_base,
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            scopes: vec![DEFAULT_SCOPE.to_owned()],
        }
    }

    /// Builds the authorize URL with a fresh `state` and PKCE verifier.
    ///
    /// `ui_locale` becomes `ui_locales`, which the wiki maps to `uselang` so the consent page
    /// speaks the learner's language.
    pub fn authorization_request(&self, ui_locale: Option<&str>) -> AuthorizationRequest {
        let state = random_token();
        let pkce_verifier = random_token();
        let challenge = pkce_challenge(&pkce_verifier);
        let scope = if self.scopes.is_empty() {
            DEFAULT_SCOPE.to_owned()
        } else {
            self.scopes.join(" ")
        };

        let mut url = self.endpoint(&["oauth2", "authorize"]);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("scope", &scope)
                .append_pair("state", &state)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(locale) = ui_locale.map(str::trim).filter(|l| !l.is_empty()) {
                query.append_pair("ui_locales", locale);
            }
        }

        AuthorizationRequest {
            url: url.into(),
            state,
            pkce_verifier,
        }
    }

    /// `{rest_base}/a/b`, whether or not `rest_base` ends in a slash.
    ///
    /// `Url::join` would replace the last segment (`rest.php`) instead of appending to it.
    pub(crate) fn endpoint(&self, segments: &[&str]) -> url::Url {
        let mut url = self.rest_base.clone();
        url.set_query(None);
        url.set_fragment(None);
        // Only cannot-be-a-base URLs (`mailto:`…) refuse segments; no http(s) URL does. Such a
        // base is left as is and the request to it fails, rather than panicking here.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

/// The query string the wiki sends the browser back with.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The error a callback reports, if any. Errors come without a usable `state` (a declined
/// consent on Extension:OAuth carries none), so they cannot be tied to a login this browser
/// started: a caller shows them and does nothing else — nothing is created, no one is logged
/// in or out, and the pending login is left as it was (a link from another site must not be
/// able to cancel a login in progress).
pub fn callback_error(params: &CallbackParams) -> Option<OAuthError> {
    let error = params.error.as_deref()?;
    let detail = match params.error_description.as_deref() {
        Some(description) => format!("{error}: {description}"),
        None => error.to_owned(),
    };
    Some(match error {
        // Extension:OAuth answers Cancel on its consent form with `unauthorized_client`, a
        // translated description and no `state` (`ClientApprovalDenyException`, REL1_39 and
        // master alike); RFC 6749 providers say `access_denied`. Either way, the person
        // declined. Nothing else sends `unauthorized_client` back to us: a client the wiki
        // does not know or has not approved gets the wiki's error page, never a redirect.
        "access_denied" | "unauthorized_client" => {
            tracing::info!(%detail, "Wikimedia login declined");
            OAuthError::Denied
        }
        "server_error" | "temporarily_unavailable" => OAuthError::ProviderUnavailable(detail),
        // Our registration or request is wrong; nothing the learner can fix.
        "invalid_client" | "invalid_scope" | "unsupported_response_type" => {
            tracing::warn!(%detail, "wiki refused our authorization request");
            OAuthError::ClientRejected
        }
        _ => OAuthError::InvalidResponse(format!("callback error {detail}")),
    })
}

/// Validates the callback before any network call and returns the authorization code.
///
/// An `error` is reported first ([`callback_error`]): a learner who pressed Cancel should
/// see "you declined", and no action follows from an error, so a forged one can do no harm.
/// A code is accepted only with the `state` this session issued, compared in constant time.
pub fn check_callback(expected_state: &str, params: &CallbackParams) -> Result<String, OAuthError> {
    if let Some(e) = callback_error(params) {
        return Err(e);
    }

    // An empty expected state means the session lost it; never let "" match "".
    let state_ok = match params.state.as_deref() {
        Some(state) => !expected_state.is_empty() && constant_time_eq(state, expected_state),
        None => false,
    };
    if !state_ok {
        return Err(OAuthError::StateMismatch);
    }

    match params.code.as_deref() {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(OAuthError::InvalidResponse(
            "callback without a code".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> OAuthConfig {
        OAuthConfig::new(
            url::Url::parse("https://meta.wikimedia.org/w/rest.php").unwrap(),
            "abc123",
            Secret::new("s3cret"),
            "https://lyceum.example/auth/callback",
        )
    }

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(secret.expose(), "hunter2");
        let dump = format!("{:?}", config());
        assert!(dump.contains("[redacted]"));
        assert!(!dump.contains("s3cret"));
    }

    #[test]
    fn authorize_url_has_every_parameter() {
        let mut cfg = config();
        cfg.scopes = vec!["mwoauth-authonlyprivate".into(), "basic".into()];
        let req = cfg.authorization_request(Some("fr"));
        let url = url::Url::parse(&req.url).unwrap();
        assert_eq!(url.path(), "/w/rest.php/oauth2/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "abc123");
        assert_eq!(q["redirect_uri"], "https://lyceum.example/auth/callback");
        assert_eq!(q["scope"], "mwoauth-authonlyprivate basic");
        assert_eq!(q["state"], req.state);
        assert_eq!(q["code_challenge"], pkce_challenge(&req.pkce_verifier));
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["ui_locales"], "fr");
        assert!(req.state.len() >= 43);
        assert!((43..=128).contains(&req.pkce_verifier.len()));
    }

    #[test]
    fn authorize_url_defaults() {
        let mut cfg = config();
        cfg.rest_base = url::Url::parse("https://meta.wikimedia.org/w/rest.php/").unwrap();
        cfg.scopes.clear();
        let req = cfg.authorization_request(None);
        let url = url::Url::parse(&req.url).unwrap();
        assert_eq!(url.path(), "/w/rest.php/oauth2/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["scope"], DEFAULT_SCOPE);
        assert!(!q.contains_key("ui_locales"));
        let other = cfg.authorization_request(None);
        assert_ne!(other.state, req.state);
        assert_ne!(other.pkce_verifier, req.pkce_verifier);
    }

    fn params(code: Option<&str>, state: Option<&str>, error: Option<&str>) -> CallbackParams {
        CallbackParams {
            code: code.map(Into::into),
            state: state.map(Into::into),
            error: error.map(Into::into),
            error_description: None,
        }
    }

    #[test]
    fn callback_checks() {
        assert_eq!(
            check_callback("st", &params(Some("c"), Some("st"), None)).unwrap(),
            "c"
        );
        assert!(matches!(
            check_callback("st", &params(Some("c"), Some("sX"), None)),
            Err(OAuthError::StateMismatch)
        ));
        assert!(matches!(
            check_callback("st", &params(Some("c"), None, None)),
            Err(OAuthError::StateMismatch)
        ));
        assert!(matches!(
            check_callback("", &params(Some("c"), Some(""), None)),
            Err(OAuthError::StateMismatch)
        ));
        assert!(matches!(
            check_callback("st", &params(None, Some("st"), None)),
            Err(OAuthError::InvalidResponse(_))
        ));
        assert!(matches!(
            check_callback("st", &params(Some(""), Some("st"), None)),
            Err(OAuthError::InvalidResponse(_))
        ));
        assert!(matches!(
            check_callback("st", &params(None, Some("st"), Some("access_denied"))),
            Err(OAuthError::Denied)
        ));
        assert!(matches!(
            check_callback("st", &params(None, None, Some("access_denied"))),
            Err(OAuthError::Denied)
        ));
        assert!(matches!(
            check_callback(
                "st",
                &params(None, Some("st"), Some("temporarily_unavailable"))
            ),
            Err(OAuthError::ProviderUnavailable(_))
        ));
        assert!(matches!(
            check_callback("st", &params(None, Some("st"), Some("invalid_scope"))),
            Err(OAuthError::ClientRejected)
        ));
    }
}
