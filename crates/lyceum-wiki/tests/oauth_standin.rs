//! The real login client against the stand-in provider, over HTTP on 127.0.0.1.

// The helpers below are test code too; clippy's allow-unwrap-in-tests only covers #[test] fns.
#![allow(clippy::unwrap_used)]

use lyceum_core::FixedClock;
use lyceum_wiki::oauth::{
    CallbackParams, OAuthConfig, OAuthError, Profile, Secret, WikiClient, check_callback,
    random_token,
};
use lyceum_wiki::standin::{Mode, Standin, StandinConfig, StandinUser};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;

const CLIENT_ID: &str = "0123456789abcdef0123456789abcdef";
const CLIENT_SECRET: &str = "fedcba9876543210fedcba9876543210fedcba98";
// Never contacted: the test reads the Location header instead of following it.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/wikimedia/callback";
const CONTACT: &str = "https://lyceum.example/contact; ops@lyceum.example";

const LEARNER: i64 = 3;
const SUPPRESSED: i64 = 7;
const BLOCKED: i64 = 9;
const NO_CENTRAL: i64 = 0;

fn standin_config() -> StandinConfig {
    let mut learner = StandinUser::new(LEARNER, "Learner1");
    learner.email = Some("learner1@example.test".into());
    learner.realname = Some("Learner One".into());
    learner.editcount = 42;
    let mut suppressed = StandinUser::new(SUPPRESSED, "Hidden");
    suppressed.suppressed = true;
    suppressed.blocked = true;
    let mut blocked = StandinUser::new(BLOCKED, "Blocked editor");
    blocked.blocked = true;
    blocked.registered = None;
    StandinConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_uri: REDIRECT_URI.into(),
        users: vec![
            learner,
            suppressed,
            blocked,
            StandinUser::new(NO_CENTRAL, "LocalOnly"),
        ],
    }
}

fn oauth_config(standin: &Standin) -> OAuthConfig {
    OAuthConfig::new(
        standin.base.clone(),
        CLIENT_ID,
        Secret::new(CLIENT_SECRET),
        REDIRECT_URI,
    )
}

struct Env {
    standin: Standin,
    cfg: OAuthConfig,
    wiki: WikiClient,
}

async fn env() -> Env {
    let standin = Standin::start(standin_config()).await.unwrap();
    let cfg = oauth_config(&standin);
    Env {
        standin,
        cfg,
        wiki: WikiClient::new(CONTACT).unwrap(),
    }
}

/// Reads `<input type="hidden" name=".." value="..">` fields from the consent page.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    page.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\" value=\"").unwrap();
            let (value, _) = rest.split_once('"').unwrap();
            (name.to_owned(), unescape(value))
        })
        .collect()
}

/// A browser visiting the authorize URL and pressing a button; returns the approve response.
async fn consent(env: &Env, auth_url: &str, user: i64, decision: &str) -> reqwest::Response {
    let browser = env.wiki.http();
    let page = browser.get(auth_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("action=\"/w/rest.php/oauth2/approve\""),
        "{page}"
    );
    let mut form = hidden_fields(&page);
    form.push(("user".into(), user.to_string()));
    form.push(("decision".into(), decision.into()));
    let approve = env.standin.base.join("rest.php/oauth2/approve").unwrap();
    browser.post(approve).form(&form).send().await.unwrap()
}

/// The query of the callback the provider redirected to.
fn callback_from(response: &reqwest::Response) -> CallbackParams {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap();
    let url = url::Url::parse(location).unwrap();
    assert_eq!(
        format!("{}://{}{}", url.scheme(), url.authority(), url.path()),
        REDIRECT_URI
    );
    let mut params = CallbackParams::default();
    for (k, v) in url.query_pairs().into_owned() {
        match k.as_str() {
            "code" => params.code = Some(v),
            "state" => params.state = Some(v),
            "error" => params.error = Some(v),
            "error_description" => params.error_description = Some(v),
            _ => {}
        }
    }
    params
}

/// Consent as `user`, check the callback; returns (code, verifier).
async fn authorize(env: &Env, user: i64) -> (String, String) {
    let req = env.cfg.authorization_request(Some("en"));
    let response = consent(env, &req.url, user, "allow").await;
    let code = check_callback(&req.state, &callback_from(&response)).unwrap();
    (code, req.pkce_verifier)
}

async fn login(env: &Env, user: i64) -> Result<Profile, OAuthError> {
    let (code, verifier) = authorize(env, user).await;
    env.wiki.complete_login(&env.cfg, &code, &verifier).await
}

#[tokio::test]
async fn happy_path() {
    let mut env = env().await;
    env.cfg.scopes = vec!["mwoauth-authonlyprivate".into()];
    let req = env.cfg.authorization_request(Some("fr"));

    let url = url::Url::parse(&req.url).unwrap();
    assert_eq!(url.path(), "/w/rest.php/oauth2/authorize");
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["redirect_uri"], REDIRECT_URI);
    assert_eq!(query["code_challenge_method"], "S256");

    let response = consent(&env, &req.url, LEARNER, "allow").await;
    let seen = env.standin.last_authorize().unwrap();
    assert_eq!(seen.scope.as_deref(), Some("mwoauth-authonlyprivate"));
    assert_eq!(seen.ui_locales.as_deref(), Some("fr"));
    assert_eq!(seen.code_challenge_method.as_deref(), Some("S256"));

    let params = callback_from(&response);
    assert_eq!(params.state.as_deref(), Some(req.state.as_str()));
    let code = check_callback(&req.state, &params).unwrap();
    let profile = env
        .wiki
        .complete_login(&env.cfg, &code, &req.pkce_verifier)
        .await
        .unwrap();

    assert_eq!(profile.central_id, LEARNER);
    assert_eq!(profile.username, "Learner1");
    assert_eq!(
        profile.registered.unwrap().to_string(),
        "2026-11-21T11:09:59Z"
    );
    assert_eq!(profile.editcount, Some(42));
    assert_eq!(profile.groups, ["*", "user", "autoconfirmed"]);
    assert!(!profile.blocked);
    assert!(profile.confirmed_email);
    assert_eq!(profile.email.as_deref(), Some("learner1@example.test"));
    assert_eq!(profile.realname.as_deref(), Some("Learner One"));
    assert_eq!(env.standin.tokens_issued(), 1);

    let agent = env.standin.last_user_agent().unwrap();
    assert!(agent.starts_with("Lyceum/"), "{agent}");
    assert!(agent.contains(CONTACT), "{agent}");
}

#[tokio::test]
async fn auth_only_scope_hides_private_fields() {
    let env = env().await;
    let profile = login(&env, LEARNER).await.unwrap();
    assert_eq!(profile.central_id, LEARNER);
    assert!(profile.confirmed_email);
    assert_eq!(profile.email, None);
    assert_eq!(profile.realname, None);
    let seen = env.standin.last_authorize().unwrap();
    assert_eq!(seen.scope.as_deref(), Some("mwoauth-authonly"));
}

#[tokio::test]
async fn wrong_pkce_verifier_is_rejected() {
    let env = env().await;
    let (code, _) = authorize(&env, LEARNER).await;
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &random_token())
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::CodeRejected(ref d) if d.contains("code_verifier")),
        "{err:?}"
    );
    assert_eq!(env.standin.tokens_issued(), 0);

    // A verifier outside RFC 7636's alphabet/length is refused as a malformed request.
    let (code, _) = authorize(&env, LEARNER).await;
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, "short")
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::CodeRejected(_)), "{err:?}");
}

#[tokio::test]
async fn code_reuse_is_rejected() {
    let env = env().await;
    let (code, verifier) = authorize(&env, LEARNER).await;
    env.wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap();
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::CodeRejected(ref d) if d.contains("revoked")),
        "{err:?}"
    );
    assert_eq!(err.message_key(), "lyceum-oauth-error-code");
    assert_eq!(env.standin.tokens_issued(), 1);
}

#[tokio::test]
async fn expired_code_is_rejected() {
    let clock = Arc::new(FixedClock::new(jiff::Timestamp::now()));
    let standin = Standin::start_with_clock(standin_config(), clock.clone())
        .await
        .unwrap();
    let env = Env {
        cfg: oauth_config(&standin),
        standin,
        wiki: WikiClient::new(CONTACT).unwrap(),
    };
    let (code, verifier) = authorize(&env, LEARNER).await;
    clock.advance(jiff::SignedDuration::from_mins(11));
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::CodeRejected(ref d) if d.contains("expired")),
        "{err:?}"
    );
}

#[tokio::test]
async fn state_mismatch() {
    let env = env().await;
    let req = env.cfg.authorization_request(None);
    let response = consent(&env, &req.url, LEARNER, "allow").await;
    let params = callback_from(&response);
    let other = env.cfg.authorization_request(None);
    let err = check_callback(&other.state, &params).unwrap_err();
    assert!(matches!(err, OAuthError::StateMismatch));
    assert_eq!(err.message_key(), "lyceum-oauth-error-state");

    let mut forged = params.clone();
    forged.state = None;
    assert!(matches!(
        check_callback(&req.state, &forged),
        Err(OAuthError::StateMismatch)
    ));
}

/// Cancel on the consent form comes back as Extension:OAuth sends it: `unauthorized_client`
/// with the wiki's translated message twice and no `state`, encoded by PHP's
/// `http_build_query`. The client reads it as the person declining.
#[tokio::test]
async fn consent_declined_as_extension_oauth_answers() {
    let env = env().await;
    let req = env.cfg.authorization_request(None);
    let response = consent(&env, &req.url, LEARNER, "cancel").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        location,
        format!(
            "{REDIRECT_URI}?error=unauthorized_client\
             &error_description=The+user+declined+to+authorize+the+application.\
             &message=The+user+declined+to+authorize+the+application."
        )
    );
    let params = callback_from(&response);
    assert_eq!(params.error.as_deref(), Some("unauthorized_client"));
    assert_eq!(
        (params.code.as_deref(), params.state.as_deref()),
        (None, None)
    );
    let err = check_callback(&req.state, &params).unwrap_err();
    assert!(matches!(err, OAuthError::Denied), "{err:?}");
    assert_eq!(err.message_key(), "lyceum-oauth-error-denied");

    // The description is in the person's language (here French), percent-encoded byte by
    // byte as PHP's urlencode does.
    let req = env.cfg.authorization_request(Some("fr"));
    let response = consent(&env, &req.url, LEARNER, "cancel").await;
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        location
            .contains("&error_description=L%E2%80%99utilisateur+a+refus%C3%A9+d%E2%80%99autoriser"),
        "{location}"
    );
    let params = callback_from(&response);
    assert!(matches!(
        check_callback(&req.state, &params),
        Err(OAuthError::Denied)
    ));
    // A standard provider's `access_denied` means the same.
    let standard = CallbackParams {
        error: Some("access_denied".into()),
        state: Some(req.state.clone()),
        ..CallbackParams::default()
    };
    assert!(matches!(
        check_callback(&req.state, &standard),
        Err(OAuthError::Denied)
    ));
}

#[tokio::test]
async fn redirect_uri_mismatch_shows_error_page() {
    let mut env = env().await;
    env.cfg.redirect_uri = "http://127.0.0.1:9/elsewhere".into();
    let req = env.cfg.authorization_request(None);
    let response = env.wiki.http().get(&req.url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(reqwest::header::LOCATION).is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("Application Connection Error"), "{page}");
    assert!(!page.contains("<form"));

    // An unknown client gets the same page.
    let mut unknown = env.cfg.clone();
    unknown.redirect_uri = REDIRECT_URI.into();
    unknown.client_id = "nope".into();
    let req = unknown.authorization_request(None);
    let page = env.wiki.http().get(&req.url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Application Connection Error")
    );

    // A code obtained properly cannot be redeemed with another redirect_uri.
    env.cfg.redirect_uri = REDIRECT_URI.into();
    let (code, verifier) = authorize(&env, LEARNER).await;
    env.cfg.redirect_uri = "http://127.0.0.1:9/elsewhere".into();
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::ClientRejected), "{err:?}");
}

#[tokio::test]
async fn wrong_client_secret() {
    let mut env = env().await;
    let (code, verifier) = authorize(&env, LEARNER).await;
    env.cfg.client_secret = Secret::new("not-the-secret");
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::ClientRejected), "{err:?}");
    assert_eq!(err.message_key(), "lyceum-oauth-error-client");
}

#[tokio::test]
async fn suppressed_user_is_refused() {
    let env = env().await;
    let err = login(&env, SUPPRESSED).await.unwrap_err();
    assert!(matches!(err, OAuthError::Suppressed), "{err:?}");
    assert_eq!(err.message_key(), "lyceum-oauth-error-suppressed");
}

#[tokio::test]
async fn account_without_central_id_is_refused() {
    let env = env().await;
    let err = login(&env, NO_CENTRAL).await.unwrap_err();
    assert!(matches!(err, OAuthError::NoCentralId), "{err:?}");
    assert_eq!(err.message_key(), "lyceum-oauth-error-no-central-id");
}

#[tokio::test]
async fn blocked_user_may_log_in() {
    let env = env().await;
    let profile = login(&env, BLOCKED).await.unwrap();
    assert!(profile.blocked);
    assert_eq!(profile.username, "Blocked editor");
    assert_eq!(profile.registered, None);
}

#[tokio::test]
async fn provider_down() {
    // A port that was just free and is now closed: connection refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut env = env().await;
    env.cfg.rest_base = url::Url::parse(&format!("http://127.0.0.1:{port}/w/rest.php")).unwrap();
    let err = env
        .wiki
        .complete_login(&env.cfg, "some-code", &random_token())
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::ProviderUnavailable(_)), "{err:?}");
    assert_eq!(err.message_key(), "lyceum-oauth-error-unavailable");
}

#[tokio::test]
async fn stopped_standin_is_unavailable() {
    let env = env().await;
    let (code, verifier) = authorize(&env, LEARNER).await;
    let Env { standin, cfg, wiki } = env;
    standin.shutdown().await;
    let err = wiki
        .complete_login(&cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::ProviderUnavailable(_)), "{err:?}");
}

#[tokio::test]
async fn token_server_error() {
    let env = env().await;
    let (code, verifier) = authorize(&env, LEARNER).await;
    env.standin.set_mode(Mode::TokenServerError);
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::ProviderUnavailable(ref d) if d.contains("500")),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_token_endpoint_times_out() {
    let mut env = env().await;
    env.wiki =
        WikiClient::with_timeouts(CONTACT, Duration::from_secs(1), Duration::from_millis(200))
            .unwrap();
    let (code, verifier) = authorize(&env, LEARNER).await;
    env.standin
        .set_mode(Mode::SlowToken(Duration::from_secs(3)));
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OAuthError::ProviderUnavailable(ref d) if d.contains("timed out")),
        "{err:?}"
    );
}

#[tokio::test]
async fn garbage_answers() {
    let env = env().await;
    let (code, verifier) = authorize(&env, LEARNER).await;
    env.standin.set_mode(Mode::TokenGarbage);
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidResponse(_)), "{err:?}");
    assert_eq!(err.message_key(), "lyceum-oauth-error-invalid-response");

    env.standin.set_mode(Mode::ProfileGarbage);
    let err = env
        .wiki
        .complete_login(&env.cfg, &code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuthError::InvalidResponse(_)), "{err:?}");
    assert_eq!(env.standin.tokens_issued(), 1);

    env.standin.set_mode(Mode::ProfileUnauthorized);
    let err = login(&env, LEARNER).await.unwrap_err();
    assert!(
        matches!(err, OAuthError::InvalidResponse(ref d) if d.contains("401")),
        "{err:?}"
    );
}

#[tokio::test]
async fn rename_keeps_central_id() {
    let env = env().await;
    let before = login(&env, LEARNER).await.unwrap();
    env.standin.rename(LEARNER, "Learner Renamed");
    let after = login(&env, LEARNER).await.unwrap();
    assert_eq!(before.central_id, after.central_id);
    assert_eq!(before.username, "Learner1");
    assert_eq!(after.username, "Learner Renamed");
}

/// The wire shapes themselves, read without the client: Basic credentials, `sub` as a
/// string, league's 401 for a bad token, and the scopes endpoint.
#[tokio::test]
async fn raw_endpoint_shapes() {
    let env = env().await;
    let http = env.wiki.http();
    let (code, verifier) = authorize(&env, LEARNER).await;
    let token: serde_json::Value = http
        .post(
            env.standin
                .base
                .join("rest.php/oauth2/access_token")
                .unwrap(),
        )
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 14400);
    assert!(
        token["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("def502")
    );
    let access = token["access_token"].as_str().unwrap();

    let profile_url = env
        .standin
        .base
        .join("rest.php/oauth2/resource/profile")
        .unwrap();
    let profile: serde_json::Value = http
        .get(profile_url.clone())
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["sub"], "3");
    assert_eq!(profile["registered"], "20261121110959");
    assert_eq!(profile["email_verified"], true);
    assert_eq!(profile["grants"], serde_json::json!(["mwoauth-authonly"]));
    assert!(profile.get("email").is_none());

    let denied = http
        .get(profile_url)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    let denied: serde_json::Value = denied.json().await.unwrap();
    assert_eq!(denied["error"], "access_denied");

    let scopes: serde_json::Value = http
        .get(
            env.standin
                .base
                .join("rest.php/oauth2/resource/scopes")
                .unwrap(),
        )
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        scopes["scopes"]
            .as_array()
            .unwrap()
            .contains(&"mwoauth-authonly".into())
    );
}
