//! Local accounts: login, session cookie, rotation, logout, rate limiting.

use crate::support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn login_sets_a_safe_cookie_and_rotates_the_session() {
    let t = TestApp::new().await;
    t.user("ada", false).await;
    let mut c = t.client();
    // A session cookie exists already (planted by someone else, or left from before).
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

fn from(t: &TestApp, address: &str) -> Client {
    let mut c = t.client();
    c.peer = Some(format!("{address}:40000").parse().unwrap());
    c
}

async fn try_login(c: &mut Client, name: &str, password: &str) -> StatusCode {
    c.post_form("/login", &[("username", name), ("password", password)])
        .await
        .status
}

/// Forty guesses sent together: only as many as the limit get their password checked; the
/// rest are refused before, so a burst cannot outrun the count.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_sent_together_cannot_outrun_the_limit() {
    let t = TestApp::new().await;
    t.user("ida", false).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let mut c = from(&t, "203.0.113.5");
            tokio::spawn(
                async move { try_login(&mut c, "ida", &format!("guess number {i}")).await },
            )
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((checked, refused), (5, 35));
    // The right password waits too, from that address.
    let mut c = from(&t, "203.0.113.5");
    assert_eq!(
        try_login(&mut c, "ida", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The count is in the database, not in this process: a second server sees it.
    let other_server = t.another_node();
    let mut c = Client::for_router(lyceum_web::router(other_server));
    c.peer = Some("203.0.113.5:1".parse().unwrap());
    assert_eq!(
        try_login(&mut c, "ida", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Fifteen minutes later the address may try again.
    t.clock.advance(jiff::SignedDuration::from_mins(15));
    let mut c = from(&t, "203.0.113.5");
    assert_eq!(
        try_login(&mut c, "ida", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

/// Failing a learner's logins on purpose from elsewhere does not lock them out of the
/// address they log in from; guessing spread over many addresses is still bounded.
#[tokio::test]
async fn strangers_cannot_lock_a_learner_out_of_their_own_address() {
    let t = TestApp::new().await;
    t.user("lea", false).await;
    let home = "192.0.2.10";
    assert_eq!(
        try_login(&mut from(&t, home), "lea", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // A stranger from one address meets the per-address-and-account limit after five.
    let mut statuses = Vec::new();
    for i in 0..7 {
        statuses.push(try_login(&mut from(&t, "203.0.113.1"), "lea", &format!("guess {i}")).await);
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5..], [StatusCode::TOO_MANY_REQUESTS; 2]);
    // Spread over many addresses, the account takes ten guesses in all.
    let mut checked = 5;
    for a in 2..=6 {
        for i in 0..5 {
            let s = try_login(
                &mut from(&t, &format!("203.0.113.{a}")),
                "lea",
                &format!("g{a}{i}"),
            )
            .await;
            if s == StatusCode::UNAUTHORIZED {
                checked += 1;
            } else {
                assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
            }
        }
    }
    assert_eq!(checked, 10, "ten guesses per window for the account");
    // The learner logs in from home all the same, even after a typo of their own.
    assert_eq!(
        try_login(&mut from(&t, home), "lea", "my own typo").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        try_login(&mut from(&t, home), "lea", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // From an address the account has never used, the account-wide limit holds while the
    // attack runs (the documented cost).
    assert_eq!(
        try_login(&mut from(&t, "198.51.100.7"), "lea", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other accounts on the stranger's own addresses are untouched by the account limit.
    t.user("max", false).await;
    assert_eq!(
        try_login(&mut from(&t, "203.0.113.6"), "max", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

/// Behind the operator's proxy only the address the proxy appended counts: a client
/// writing its victim's address into X-Forwarded-For gains nothing by it.
#[tokio::test]
async fn forwarded_addresses_the_client_wrote_are_not_believed() {
    let t = TestApp::with(backend(), |c| c.trust_forwarded_for = true).await;
    t.user("noa", false).await;
    let proxy = "10.0.0.2";
    let via_proxy = |client_addr: &str, claimed: &str| {
        let mut c = from(&t, proxy);
        let xff = if claimed.is_empty() {
            client_addr.to_owned()
        } else {
            format!("{claimed}, {client_addr}")
        };
        c.headers.insert("x-forwarded-for", xff.parse().unwrap());
        c
    };
    // Noa logs in from home through the proxy: home becomes a known address.
    assert_eq!(
        try_login(&mut via_proxy("192.0.2.20", ""), "noa", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // A stranger claims to be at Noa's home, and to be somewhere new each time.
    for i in 0..12 {
        let claimed = if i % 2 == 0 {
            "192.0.2.20".to_owned()
        } else {
            format!("100.64.0.{i}")
        };
        try_login(&mut via_proxy("203.0.113.50", &claimed), "noa", "guess").await;
    }
    // All twelve counted against the stranger's real address: five checked, then refused.
    assert_eq!(
        try_login(
            &mut via_proxy("203.0.113.50", "192.0.2.20"),
            "noa",
            PASSWORD
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Noa's home address was never charged.
    assert_eq!(
        try_login(&mut via_proxy("192.0.2.20", ""), "noa", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}
