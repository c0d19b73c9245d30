//! Local accounts: login, session cookie, rotation, logout, rate limiting.

use crate::support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn login_sets_a_safe_cookie_and_rotates_the_session() {
    let t = TestApp::new().await;
    t.user("ada", false).await;
    let mut c = t.client();
    // An anonymous session exists already (as during an OAuth round trip).
    c.cookies.insert("lyceum_session".into(), "x".repeat(43));
    let before = c.session_cookie().cloned();
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "Ada"),
                ("password", PASSWORD),
                ("return_to", "/dashboard"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboard");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("lyceum_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http site");
    assert_ne!(
        c.session_cookie(),
        before.as_ref(),
        "a new session id at login"
    );
    assert!(c.get("/dashboard").await.body.contains("My courses"));
}

#[tokio::test]
async fn https_sites_use_secure_host_cookies() {
    let t = TestApp::with(backend(), |c| {
        c.public_url = "https://learn.example.org".into()
    })
    .await;
    t.user("sec", false).await;
    let mut c = t.client();
    let r = c
        .post_form("/login", &[("username", "sec"), ("password", PASSWORD)])
        .await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-lyceum_session="))
        .expect("host-prefixed cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_without_saying_which_part_was_wrong() {
    let t = TestApp::new().await;
    t.user("bea", false).await;
    let mut c = t.client();
    let wrong_pw = c
        .post_form(
            "/login",
            &[("username", "bea"), ("password", "nope nope nope")],
        )
        .await;
    let no_user = c
        .post_form("/login", &[("username", "nobody"), ("password", PASSWORD)])
        .await;
    for r in [&wrong_pw, &no_user] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("The username or password is incorrect."));
        assert!(c.session_cookie().is_none());
    }
    assert!(
        wrong_pw.body.contains(r#"value="bea""#),
        "the username is kept in the form"
    );
}

#[tokio::test]
async fn repeated_failures_are_rate_limited() {
    let t = TestApp::new().await;
    t.user("cy", false).await;
    let mut c = t.client();
    for _ in 0..5 {
        assert_eq!(
            c.post_form(
                "/login",
                &[("username", "cy"), ("password", "guess guess guess")]
            )
            .await
            .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = c
        .post_form("/login", &[("username", "cy"), ("password", PASSWORD)])
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(r.body.contains("Too many failed login attempts"));
    assert!(r.header("retry-after").parse::<u64>().unwrap() > 0);
    // Other accounts are not affected.
    t.user("dee", false).await;
    assert_eq!(
        c.post_form("/login", &[("username", "dee"), ("password", PASSWORD)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let t = TestApp::new().await;
    t.user("eve", false).await;
    let mut c = t.login("eve").await;
    let stolen = c.cookies.clone();
    let r = c.post_empty("/logout").await;
    assert_eq!(r.location(), "/?notice=logged-out");
    assert!(c.session_cookie().is_none(), "cookie cleared");
    // A copy of the old cookie no longer works.
    let mut thief = t.client();
    thief.cookies = stolen;
    let r = thief.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?return_to=%2Fdashboard"));
}

#[tokio::test]
async fn pages_needing_login_send_visitors_to_log_in_and_back() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.user("fay", false).await;
    let mut c = t.client();
    let r = c.get(&format!("/courses/{KEY}/courseware")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let login = r.location().to_owned();
    assert!(login.starts_with("/login?return_to="));
    assert!(c.get(&login).await.body.contains(&format!(
        r#"name="return_to" value="/courses/{KEY}/courseware""#
    )));
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "fay"),
                ("password", PASSWORD),
                ("return_to", &format!("/courses/{KEY}/courseware")),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/courses/{KEY}/courseware"));
    // Open redirects are not possible.
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "fay"),
                ("password", PASSWORD),
                ("return_to", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn usernames_and_passwords_are_validated_on_creation() {
    let t = TestApp::new().await;
    let store = &t.store;
    for (name, pw, key) in [
        ("", PASSWORD, "lyceum-error-username-empty"),
        ("a@b", PASSWORD, "lyceum-error-username-invalid"),
        ("ok", "short", "lyceum-error-password-short"),
    ] {
        let err = lyceum_web::create_local_user(store, name, "", pw, false, 0)
            .await
            .unwrap_err();
        assert!(lyceum_web::describe_error(&err).len() > 5, "{key}");
        assert!(
            matches!(err, lyceum_web::AppError::Invalid { ref error, .. } if error.key.0 == key),
            "{err:?}"
        );
    }
    lyceum_web::create_local_user(store, "Gus", "", PASSWORD, false, 0)
        .await
        .unwrap();
    let dup = lyceum_web::create_local_user(store, "gus", "", PASSWORD, false, 0)
        .await
        .unwrap_err();
    assert_eq!(
        lyceum_web::describe_error(&dup),
        "The username \"gus\" is already taken."
    );
}
