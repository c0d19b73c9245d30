//! The HTTP side of login: code-for-token exchange and the profile read, with errors mapped faithfully.

use super::profile::parse_profile;
use super::{OAuthConfig, OAuthError, Profile, Secret};
use reqwest::StatusCode;
use serde::Deserialize;
use std::time::Duration;

/// Bodies beyond this are not an OAuth answer; reading them would only cost memory.
const MAX_BODY: usize = 64 * 1024;

/// An HTTP client for the wiki's OAuth endpoints.
///
/// Redirects are off: a token or profile endpoint that redirects is misconfigured, and following
/// it could send the client secret elsewhere. Timeouts bound how long a login page can hang.
#[derive(Debug, Clone)]
pub struct WikiClient {
    http: reqwest::Client,
}

/// The league/oauth2-server token answer; `refresh_token` and `expires_in` are not needed.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
}

/// league/oauth2-server's error JSON.
#[derive(Deserialize, Default)]
struct ProviderError {
    error: Option<String>,
    error_description: Option<String>,
    hint: Option<String>,
}

impl ProviderError {
    fn detail(&self, status: StatusCode) -> String {
        let mut out = format!(
            "HTTP {} {}",
            status.as_u16(),
            self.error.as_deref().unwrap_or("(no error code)")
        );
        for part in [&self.error_description, &self.hint].into_iter().flatten() {
            out.push_str(": ");
            out.push_str(part);
        }
        out
    }
}

impl WikiClient {
    /// A client with a 5 s connect and 15 s total timeout.
    ///
    /// `user_agent_contact` is how Wikimedia operators can reach us (a URL or email address);
    /// their User-Agent policy requires one, and requests without it may be blocked.
    pub fn new(user_agent_contact: &str) -> Result<Self, OAuthError> {
        Self::with_timeouts(
            user_agent_contact,
            Duration::from_secs(5),
            Duration::from_secs(15),
        )
    }

    /// Like [`WikiClient::new`] with explicit timeouts (tests use short ones).
    pub fn with_timeouts(
        user_agent_contact: &str,
        connect: Duration,
        total: Duration,
    ) -> Result<Self, OAuthError> {
        let contact = user_agent_contact.trim();
        if contact.is_empty() || contact.chars().any(char::is_control) {
            return Err(OAuthError::Config(
                "the User-Agent contact must be a non-empty single line".to_owned(),
            ));
        }
        // Format from https://meta.wikimedia.org/wiki/User-Agent_policy:
        // <client>/<version> (<contact>) <library>/<version>.
        let user_agent = format!(
            "Lyceum/{} ({contact}) reqwest/0.13",
            env!("CARGO_PKG_VERSION")
        );

        // reqwest is built without a bundled crypto provider (to avoid aws-lc-rs); ring is
        // installed as the process default. This fails harmlessly if one is already installed.
        crate::install_tls_provider();

        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect)
            .timeout(total)
            .build()
            .map_err(|e| OAuthError::Config(format!("building the HTTP client: {e}")))?;
        Ok(Self { http })
    }

    /// The underlying client, for other reads from the wikis (same User-Agent and timeouts).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Exchanges the code for a token, reads the profile with it and drops the token.
    ///
    /// Call [`super::check_callback`] first; `pkce_verifier` is the one stored with the state.
    pub async fn complete_login(
        &self,
        cfg: &OAuthConfig,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<Profile, OAuthError> {
        let token = self.exchange_code(cfg, code, pkce_verifier).await?;
        self.fetch_profile(cfg, &token).await
    }

    async fn exchange_code(
        &self,
        cfg: &OAuthConfig,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<Secret, OAuthError> {
        if code.is_empty() {
            return Err(OAuthError::InvalidResponse(
                "empty authorization code".into(),
            ));
        }
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", cfg.redirect_uri.as_str()),
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.expose()),
            ("code_verifier", pkce_verifier),
        ];
        let response = self
            .http
            .post(cfg.endpoint(&["oauth2", "access_token"]))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| transport_error("token request", e))?;
        let status = response.status();
        let body = read_body(response, "token response").await?;

        if status == StatusCode::OK {
            let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
                OAuthError::InvalidResponse(format!(
                    "token response is not JSON ({e}): {}",
                    snippet(&body)
                ))
            })?;
            if let Some(kind) = token.token_type.as_deref()
                && !kind.eq_ignore_ascii_case("bearer")
            {
                return Err(OAuthError::InvalidResponse(format!(
                    "unexpected token_type {kind:?}"
                )));
            }
            return match token.access_token {
                Some(access) if !access.is_empty() => Ok(Secret::new(access)),
                _ => Err(OAuthError::InvalidResponse(
                    "token response without access_token".into(),
                )),
            };
        }
        if let Some(err) = unavailable(status) {
            return Err(err);
        }

        let error: ProviderError = serde_json::from_slice(&body).unwrap_or_default();
        let detail = error.detail(status);
        match (status, error.error.as_deref()) {
            (StatusCode::UNAUTHORIZED, _) | (_, Some("invalid_client")) => {
                tracing::warn!(%detail, "wiki rejected our client credentials");
                Err(OAuthError::ClientRejected)
            }
            (_, Some("invalid_request" | "invalid_grant")) => Err(OAuthError::CodeRejected(detail)),
            // The consumer is not allowed this grant or scope: a registration problem.
            (_, Some("unauthorized_client" | "unsupported_grant_type" | "invalid_scope")) => {
                tracing::warn!(%detail, "wiki refused our token request");
                Err(OAuthError::ClientRejected)
            }
            _ => Err(OAuthError::InvalidResponse(format!(
                "token endpoint: {detail}: {}",
                snippet(&body)
            ))),
        }
    }

    async fn fetch_profile(
        &self,
        cfg: &OAuthConfig,
        token: &Secret,
    ) -> Result<Profile, OAuthError> {
        let response = self
            .http
            .get(cfg.endpoint(&["oauth2", "resource", "profile"]))
            .header(reqwest::header::ACCEPT, "application/json")
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| transport_error("profile request", e))?;
        let status = response.status();
        let body = read_body(response, "profile").await?;

        if status == StatusCode::OK {
            return parse_profile(&body);
        }
        if let Some(err) = unavailable(status) {
            return Err(err);
        }
        // Includes 401: the token was issued a moment ago, so a refusal is not our doing.
        let error: ProviderError = serde_json::from_slice(&body).unwrap_or_default();
        Err(OAuthError::InvalidResponse(format!(
            "profile endpoint: {}",
            error.detail(status)
        )))
    }
}

impl WikiClient {
    /// One user's standing on a wiki, from its Action API (`api_url`, e.g.
    /// `https://en.wikipedia.org/w/api.php`): the raw answer of
    /// `action=query&list=users&ususers=NAME&usprop=groups|editcount|registration`
    /// (JSON, formatversion 2), for `lyceum_core::trust::parse_wiki_standing`.
    pub async fn user_standing(
        &self,
        api_url: &str,
        username: &str,
    ) -> Result<serde_json::Value, OAuthError> {
        let url = reqwest::Url::parse_with_params(
            api_url,
            &[
                ("action", "query"),
                ("list", "users"),
                ("ususers", username),
                ("usprop", "groups|editcount|registration"),
                ("format", "json"),
                ("formatversion", "2"),
            ],
        )
        .map_err(|e| OAuthError::InvalidResponse(format!("home wiki API address: {e}")))?;
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| transport_error("user standing request", e))?;
        let status = response.status();
        if let Some(err) = unavailable(status) {
            return Err(err);
        }
        let body = read_body(response, "user standing").await?;
        if status != StatusCode::OK {
            return Err(OAuthError::InvalidResponse(format!(
                "user standing: HTTP {status}: {}",
                snippet(&body)
            )));
        }
        serde_json::from_slice(&body)
            .map_err(|e| OAuthError::InvalidResponse(format!("user standing is not JSON ({e})")))
    }
}

/// 5xx and 429 mean "try again later", whatever the body says.
fn unavailable(status: StatusCode) -> Option<OAuthError> {
    (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
        .then(|| OAuthError::ProviderUnavailable(format!("HTTP {status}")))
}

/// Connection refused, DNS failure, timeout, reset: the wiki is unreachable from here.
fn transport_error(what: &str, e: reqwest::Error) -> OAuthError {
    let kind = if e.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    OAuthError::ProviderUnavailable(format!("{what} {kind}: {e}"))
}

/// Reads at most [`MAX_BODY`] bytes.
async fn read_body(mut response: reqwest::Response, what: &str) -> Result<Vec<u8>, OAuthError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(what, e))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(OAuthError::InvalidResponse(format!(
                "{what} larger than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The start of a body for a log line.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}
