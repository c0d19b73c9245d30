//! Log in with Wikimedia: the whole OAuth 2.0 + PKCE flow against the stand-in provider,
//! which speaks Extension:OAuth's endpoints and JSON shapes.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_store::repo::users;
use lyceum_web::WikimediaLogin;
use lyceum_wiki::oauth::Secret;
use lyceum_wiki::standin::{Mode, Standin, StandinConfig, StandinUser};

const CALLBACK: &str = "http://lyceum.test/auth/wikimedia/callback";

async fn setup() -> (TestApp, Standin) {
    setup_with(None).await
}

/// The stand-in provider, and a site whose home wiki's Action API is `home_wiki_api`.
async fn setup_with(home_wiki_api: Option<String>) -> (TestApp, Standin) {
    let mut fresh = StandinUser::new(777, "Fresh");
    fresh.groups = vec!["*".into(), "user".into()];
    fresh.editcount = 3;
    let mut suppressed = StandinUser::new(99, "Hidden");
    suppressed.suppressed = true;
    let mut learner = StandinUser::new(12345678, "Learner1");
    learner.registered = Some("20190301123456".into());
    let users = vec![
        learner,
        StandinUser::new(0, "NoCentral"),
        suppressed,
        StandinUser::new(555, "ada"),
        fresh,
    ];
    let standin = Standin::start(StandinConfig {
        client_id: "lyceum-test".into(),
        client_secret: "s3cret".into(),
        redirect_uri: CALLBACK.into(),
        users,
    })
    .await
    .unwrap();
    let base = standin.base.to_string();
    let t = TestApp::with(backend(), |c| {
        c.wikimedia = Some(WikimediaLogin {
            rest_base: base,
            client_id: "lyceum-test".into(),
            client_secret: Secret::new("s3cret"),
            scopes: vec![],
            home_wiki_api,
        });
    })
    .await;
    (t, standin)
}

/// The stored trust source, wiki groups and edit count of a local username.
async fn standing(t: &TestApp, key: &str) -> (Option<String>, Option<i64>) {
    let mut db = t.store.conn().await.unwrap();
    let u = users::find_user_by_key(&mut db, key)
        .await
        .unwrap()
        .unwrap();
    let f = lyceum_store::repo::trust::facts(&mut db, u.id())
        .await
        .unwrap()
        .unwrap();
    (f.trust_source, f.wiki_editcount)
}

/// Issue 13: the Wikimedia standing read at login trusts an autoconfirmed account.
#[tokio::test]
async fn a_wikimedia_login_brings_its_standing() {
    let (t, _standin) = setup().await;
    let mut c = t.client();
    let callback = consent(&mut c, Some(12345678)).await;
    assert_eq!(c.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        standing(&t, "learner1").await,
        (Some("wiki".into()), Some(0))
    );
    let mut c = t.client();
    let callback = consent(&mut c, Some(777)).await;
    assert_eq!(c.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        standing(&t, "fresh").await,
        (None, Some(3)),
        "not autoconfirmed"
    );
}

#[tokio::test]
async fn a_home_wiki_that_is_down_never_fails_a_login() {
    // Nothing listens on the discard port.
    let (t, _standin) = setup_with(Some("http://127.0.0.1:9/w/api.php".into())).await;
    let mut c = t.client();
    let callback = consent(&mut c, Some(12345678)).await;
    let r = c.get(&callback).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboard");
    assert_eq!(standing(&t, "learner1").await, (None, None));
}

/// Start login on the site, consent on the provider as `user` (or cancel), and return
/// the callback path the provider redirects the browser to.
async fn consent(c: &mut Client, user: Option<i64>) -> String {
    let start = c.get("/auth/wikimedia?return_to=/dashboard").await;
    consent_to(c, start, user).await
}

/// Consent on the provider to the round trip `start` (the site's redirect) began.
async fn consent_to(c: &mut Client, start: Resp, user: Option<i64>) -> String {
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let authorize = url::Url::parse(start.location()).unwrap();
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], CALLBACK, "exact redirect_uri");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["scope"], "mwoauth-authonly");
    let lang = c
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .map_or("en", |v| v.to_str().unwrap());
    assert_eq!(
        q["ui_locales"], lang,
        "the consent page in the reader's language"
    );
    assert!(q["state"].len() >= 43);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(authorize.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200, "consent page");
    let mut form: Vec<(String, String)> = q.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    match user {
        Some(u) => {
            form.push(("user".into(), u.to_string()));
            form.push(("decision".into(), "allow".into()));
        }
        None => form.push(("decision".into(), "cancel".into())),
    }
    let approve = authorize.join("approve").unwrap();
    let r = http.post(approve).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 302, "{:?}", r.text().await);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with(CALLBACK), "{loc}");
    loc.trim_start_matches("http://lyceum.test").to_owned()
}

async fn user_count(t: &TestApp) -> i64 {
    users::count_users(&mut t.store.conn().await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_wikimedia_user_logs_in_and_is_known_by_central_id() {
    let (t, standin) = setup().await;
    let mut c = t.client();
    let callback = consent(&mut c, Some(12345678)).await;
    let anon_session = c.session_cookie().cloned();
    let r = c.get(&callback).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboard");
    assert_ne!(
        c.session_cookie(),
        anon_session.as_ref(),
        "session rotated at login"
    );
    let page = c.get("/dashboard").await.body;
    assert!(page.contains("Learner1"), "logged in under the wiki name");
    let mut db = t.store.conn().await.unwrap();
    let account = users::find_wikimedia_account(&mut db, 12345678)
        .await
        .unwrap()
        .expect("keyed on the central id");
    assert_eq!(
        account.registered_at,
        Some(
            jiff::Timestamp::from_second(1_551_443_696)
                .unwrap()
                .as_millisecond()
        ),
        "MediaWiki timestamp 20190301123456"
    );
    assert!(
        users::find_password_hash(&mut db, "learner1")
            .await
            .unwrap()
            .is_none(),
        "no local password"
    );

    // Renamed on the wikis: same account here, new name.
    standin.rename(12345678, "Learner One");
    let mut c2 = t.client();
    let callback = consent(&mut c2, Some(12345678)).await;
    c2.get(&callback).await;
    assert!(c2.get("/dashboard").await.body.contains("Learner One"));
    assert_eq!(
        user_count(&t).await,
        1,
        "no second account after the rename"
    );
}

#[tokio::test]
async fn a_local_name_clash_gets_a_distinct_handle() {
    let (t, _standin) = setup().await;
    t.user("Ada", false).await;
    let mut c = t.client();
    let cb = consent(&mut c, Some(555)).await;
    assert_eq!(c.get(&cb).await.status, StatusCode::SEE_OTHER);
    assert!(c.get("/preferences").await.body.contains("ada (2)"));
    assert_eq!(user_count(&t).await, 2);
}

/// Cancel on the wiki's consent form comes back as Extension:OAuth sends it
/// (`error=unauthorized_client`, the wiki's message, no `state`): the person sees that they
/// declined, in their language, on the login page, and nothing is created.
#[tokio::test]
async fn declining_consent_creates_nothing() {
    let (t, _standin) = setup().await;
    let mut c = t.client();
    let callback = consent(&mut c, None).await;
    assert!(callback.contains("error=unauthorized_client"), "{callback}");
    assert!(!callback.contains("state="), "{callback}");
    let r = c.get(&callback).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("You declined to log in"), "{}", r.body);
    assert!(
        !r.body.contains("not set up correctly"),
        "not shown as a broken site"
    );
    assert!(
        r.body.contains(r#"name="password""#),
        "the login page, to log in another way"
    );
    assert!(
        r.body.contains(r#"name="return_to" value="/dashboard""#),
        "still on the way to where they were going"
    );
    assert!(
        !r.body.contains("declined to authorize the application"),
        "the wiki's own text is not echoed"
    );
    assert_eq!(user_count(&t).await, 0);
    assert_eq!(
        c.get("/dashboard").await.status,
        StatusCode::SEE_OTHER,
        "not logged in"
    );

    // In French for a French reader.
    let mut fr = t.client();
    set_accept_language(&mut fr, "fr");
    let callback = consent(&mut fr, None).await;
    let r = fr.get(&callback).await;
    assert!(
        r.body.contains("Vous avez refusé de vous connecter"),
        "{}",
        r.body
    );
    assert_eq!(user_count(&t).await, 0);
}

/// A decline carries no state, so anyone can send a browser one: it must log nobody in or
/// out and leave a login in progress alone.
#[tokio::test]
async fn a_forged_decline_changes_nothing() {
    let (t, _standin) = setup().await;
    let mut c = t.client();
    let genuine = consent(&mut c, Some(12345678)).await;
    let forged = "/auth/wikimedia/callback?error=unauthorized_client\
                  &error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&message=x";
    let r = c.get(forged).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("You declined to log in"));
    assert!(
        !r.body.contains("<script>alert"),
        "provider text never shown"
    );
    assert_eq!(user_count(&t).await, 0);
    // An error with a code and the right state is still an error: no login.
    let with_code = format!("{genuine}&error=unauthorized_client");
    assert_eq!(c.get(&with_code).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(user_count(&t).await, 0);
    // The login in progress was not cancelled by either.
    let r = c.get(&genuine).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboard");
    // Nor does a forged decline log a logged-in person out.
    let r = c.get(forged).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(c.get("/dashboard").await.body.contains("Learner1"));
    // A decline from a browser that never started a login is shown the same way.
    let r = t.client().get(forged).await;
    assert!(r.body.contains("You declined to log in"));
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused() {
    let (t, _standin) = setup().await;
    let mut c = t.client();
    let callback = consent(&mut c, Some(12345678)).await;
    let forged = callback.replace("state=", "state=x");
    let r = c.get(&forged).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("This login link has expired"));
    // And the pending login is spent: the genuine callback no longer works either.
    assert_eq!(c.get(&callback).await.status, StatusCode::BAD_REQUEST);
    // A callback without any session (another browser) fails the same way.
    assert_eq!(
        t.client().get(&callback).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(user_count(&t).await, 0);
}

#[tokio::test]
async fn provider_failures_show_a_message_and_create_nothing() {
    let (t, standin) = setup().await;
    for (mode, status, text) in [
        (
            Mode::TokenServerError,
            StatusCode::BAD_GATEWAY,
            "did not answer",
        ),
        (
            Mode::TokenGarbage,
            StatusCode::BAD_GATEWAY,
            "could not understand",
        ),
        (
            Mode::ProfileGarbage,
            StatusCode::BAD_GATEWAY,
            "could not understand",
        ),
    ] {
        standin.set_mode(Mode::Normal);
        let mut c = t.client();
        let callback = consent(&mut c, Some(12345678)).await;
        standin.set_mode(mode);
        let r = c.get(&callback).await;
        assert_eq!(r.status, status);
        assert!(r.body.contains(text), "{text}: {}", r.body);
    }
    assert_eq!(user_count(&t).await, 0);
}

#[tokio::test]
async fn provider_down_is_a_clear_message() {
    let (t, standin) = setup().await;
    let mut c = t.client();
    let callback = consent(&mut c, Some(12345678)).await;
    standin.shutdown().await;
    let r = c.get(&callback).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(
        r.body
            .contains("The Wikimedia login service did not answer")
    );
    assert_eq!(user_count(&t).await, 0);
}

#[tokio::test]
async fn suppressed_and_non_global_accounts_are_refused() {
    let (t, _standin) = setup().await;
    for (user, text) in [
        (99, "cannot be used to log in here"),
        (0, "is not yet a global account"),
    ] {
        let mut c = t.client();
        let callback = consent(&mut c, Some(user)).await;
        let r = c.get(&callback).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains(text), "{user}");
    }
    assert_eq!(user_count(&t).await, 0);
}

#[tokio::test]
async fn login_page_offers_wikimedia_only_when_configured() {
    let (t, _standin) = setup().await;
    assert!(
        t.client()
            .get("/login")
            .await
            .body
            .contains("Log in with your Wikimedia account")
    );
    let plain = TestApp::new().await;
    assert!(
        !plain
            .client()
            .get("/login")
            .await
            .body
            .contains("Wikimedia account")
    );
    assert_eq!(
        plain.client().get("/auth/wikimedia").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Starting a login is a link (a GET): it stores nothing on the server, whoever follows
/// it and however often; the login in progress travels in a signed cookie of its own.
#[tokio::test]
async fn starting_a_login_writes_nothing() {
    let (t, _standin) = setup().await;
    let mut c = t.client();
    let before = t.store.write_count();
    for _ in 0..3 {
        let r = c.get("/auth/wikimedia?return_to=/dashboard").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|s| s.starts_with("lyceum_login="))
            .expect("the login in progress, in its own cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        assert!(cookie.contains("Max-Age=900"), "{cookie}");
    }
    assert_eq!(t.store.write_count(), before, "starting a login wrote");
    assert!(c.session_cookie().is_none(), "no session for a visitor");

    // A cookie changed in the browser (another place to return to) is not this site's.
    let callback = consent(&mut c, Some(12345678)).await;
    let sealed = c.cookies["lyceum_login"].clone();
    let (payload, mac) = sealed.split_once('.').unwrap();
    let mut bytes = payload.as_bytes().to_vec();
    bytes[5] = if bytes[5] == b'A' { b'B' } else { b'A' };
    c.cookies.insert(
        "lyceum_login".into(),
        format!("{}.{mac}", String::from_utf8(bytes).unwrap()),
    );
    let r = c.get(&callback).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("This login link has expired"));
    assert_eq!(user_count(&t).await, 0);
    assert!(!c.cookies.contains_key("lyceum_login"), "spent");
}

/// Preferences → "Link Wikimedia account": the round trip attaches the identity to the
/// logged-in local account; a Wikimedia account already linked elsewhere is refused;
/// unlinking keeps a login; a Wikimedia-only account adds a password, then may unlink.
#[tokio::test]
async fn local_accounts_link_and_unlink_a_wikimedia_login() {
    let (t, _standin) = setup().await;
    let local = t.user("lina", false).await;
    let mut c = t.login("lina").await;
    let prefs = c.get("/preferences").await.body;
    assert!(
        prefs.contains("action=\"/preferences/wikimedia/link\""),
        "{prefs}"
    );
    let start = c.post_empty("/preferences/wikimedia/link").await;
    let callback = consent_to(&mut c, start, Some(555)).await;
    let r = c.get(&callback).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/preferences?notice=account-wikimedia-linked");
    let mut db = t.store.conn().await.unwrap();
    let linked = users::find_wikimedia_account(&mut db, 555)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.user_id, local.0, "attached to the logged-in account");
    drop(db);
    assert_eq!(user_count(&t).await, 1, "no second account");
    // Logging in with Wikimedia now reaches the same account.
    let mut w = t.client();
    let cb = consent(&mut w, Some(555)).await;
    w.get(&cb).await;
    assert!(w.get("/preferences").await.body.contains("lina"));

    // Another account cannot take that Wikimedia account.
    t.user("omar", false).await;
    let mut o = t.login("omar").await;
    let start = o.post_empty("/preferences/wikimedia/link").await;
    let cb = consent_to(&mut o, start, Some(555)).await;
    let r = o.get(&cb).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body.contains("already linked to another account"),
        "{}",
        r.body
    );
    // A link started by one user cannot be finished by a browser logged out since.
    let start = o.post_empty("/preferences/wikimedia/link").await;
    let cb = consent_to(&mut o, start, Some(12345678)).await;
    o.post_empty("/logout").await;
    let r = o.get(&cb).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let mut db = t.store.conn().await.unwrap();
    assert!(
        users::find_wikimedia_account(&mut db, 12345678)
            .await
            .unwrap()
            .is_none()
    );
    drop(db);

    // Unlink: the password remains.
    let r = c.post_empty("/preferences/wikimedia/unlink").await;
    assert_eq!(
        r.location(),
        "/preferences?notice=account-wikimedia-unlinked"
    );
    let mut db = t.store.conn().await.unwrap();
    assert!(
        users::find_wikimedia_account(&mut db, 555)
            .await
            .unwrap()
            .is_none()
    );
    drop(db);

    // A Wikimedia-only account: cannot unlink its only login; adds a password first.
    let mut wiki = t.client();
    let cb = consent(&mut wiki, Some(12345678)).await;
    wiki.get(&cb).await;
    let prefs = wiki.get("/preferences").await.body;
    assert!(prefs.contains("Add a password"), "{prefs}");
    let r = wiki.post_empty("/preferences/wikimedia/unlink").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("only way to log in"));
    let r = wiki
        .post_form(
            "/preferences/password",
            &[
                ("password", "my own passphrase"),
                ("password2", "my own passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut pw = t.client();
    let r = pw
        .post_form(
            "/login",
            &[("username", "Learner1"), ("password", "my own passphrase")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a local login now");
    let r = wiki.post_empty("/preferences/wikimedia/unlink").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}
