//! Self-service accounts over HTTP: the sign-up page and `POST /api/v1/accounts` (the
//! setting, bad input in the user's language, the per-address limit), verification and
//! reset links mailed through sendmail and spent by a POST, change of password, and
//! deletion by the owner and by a site admin.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_store::repo::{audit, settings, users};
use lyceum_store::{Db, q};
use lyceum_web::mailer::EmailConfig;
use std::path::Path;

const NEW_PW: &str = "a brand new passphrase";

fn from(c: &mut Client, ip: &str) {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    c.peer = Some(std::net::SocketAddr::new(ip, 4000));
}

/// A sendmail stand-in that appends each message to `mail.out`.
fn fake_sendmail(dir: &Path) -> String {
    let script = dir.join("sendmail");
    let out = dir.join("mail.out");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat >> '{0}'\necho '--END--' >> '{0}'\n",
            out.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

async fn with_mail() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let sendmail = fake_sendmail(dir.path());
    let t = TestApp::with(backend(), |c| {
        c.email = Some(EmailConfig {
            sendmail,
            from: "Lyceum <learn@lyceum.test>".into(),
        })
    })
    .await;
    (t, dir)
}

/// The token of the last link to `path` (`email/verify`, `password/reset`) mailed.
fn last_link(dir: &Path, path: &str) -> String {
    let out = std::fs::read_to_string(dir.join("mail.out")).unwrap_or_default();
    let prefix = format!("http://lyceum.test/{path}/");
    let line = out
        .lines()
        .rfind(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {path} link mailed: {out}"));
    line[prefix.len()..].trim().to_owned()
}

fn mails(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("mail.out"))
        .unwrap_or_default()
        .matches("--END--")
        .count()
}

async fn signup(c: &mut Client, name: &str, pw: &str, email: &str) -> Resp {
    c.post_form(
        "/signup",
        &[
            ("username", name),
            ("password", pw),
            ("password2", pw),
            ("email", email),
            ("return_to", "/dashboard"),
        ],
    )
    .await
}

#[tokio::test]
async fn visitors_sign_up_on_the_page_and_are_logged_in() {
    let t = TestApp::new().await;
    let mut c = t.client();
    from(&mut c, "203.0.113.1");
    let page = c.get("/signup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("At least 10 characters"),
        "the policy is said"
    );
    assert!(
        page.body.contains("This site does not send e-mail"),
        "no verification promised"
    );
    assert!(
        c.get("/login").await.body.contains("href=\"/signup"),
        "linked from login"
    );
    assert!(
        c.get("/").await.body.contains("href=\"/signup"),
        "linked from the header"
    );

    // Bad input: the rule in the page's language, what was typed kept.
    let r = c
        .post_form(
            "/signup",
            &[
                ("username", "ada"),
                ("password", NEW_PW),
                ("password2", "other"),
                ("email", "ada@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The two passwords are not the same"));
    assert!(r.body.contains("value=\"ada\"") && r.body.contains("value=\"ada@example.org\""));
    let r = signup(&mut c, "ada", "qwertyuiop", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("one of the most common"), "{}", r.body);
    let r = c
        .post_form(
            "/signup?uselang=fr",
            &[
                ("username", "ada"),
                ("password", "short"),
                ("password2", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("au moins 10 caractères"), "{}", r.body);
    let r = signup(&mut c, "a/b", NEW_PW, "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = signup(&mut c, "ada", NEW_PW, "not-an-address").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Signed up and logged in, in a new session.
    let r = signup(&mut c, "Ada", NEW_PW, "ada@example.org").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboard?notice=signed-up");
    let prefs = c.get("/preferences").await;
    assert_eq!(prefs.status, StatusCode::OK);
    assert!(prefs.body.contains("Ada") && prefs.body.contains("value=\"ada@example.org\""));
    let mut db = t.store.conn().await.unwrap();
    let row = users::find_user_by_key(&mut db, "ada")
        .await
        .unwrap()
        .unwrap();
    assert!(
        !row.can_create_courses && !row.is_admin,
        "no grant at sign-up"
    );
    assert!(row.email_verified_at.is_none());
    drop(db);
    // A logged-in visitor is sent on; a second "Ada" is taken.
    assert_eq!(c.get("/signup").await.status, StatusCode::SEE_OTHER);
    let mut other = t.client();
    from(&mut other, "203.0.113.2");
    let r = signup(&mut other, "ADA", NEW_PW, "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("taken") || r.body.contains("ADA"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_api_creates_accounts_and_describes_its_refusals() {
    let t = TestApp::new().await;
    let mut c = t.client();
    from(&mut c, "198.51.100.7");
    let r = c
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({"username": "Bea", "password": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["username"], "Bea");
    assert!(j["id"].as_i64().unwrap() > 0);
    assert_eq!(j["verification_sent"], false);
    assert!(
        r.set_cookies().is_empty(),
        "the API creates, it does not log in"
    );
    // The new account logs in.
    let mut b = t.client();
    let r = b
        .post_form("/login", &[("username", "bea"), ("password", NEW_PW)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let cases = [
        (
            serde_json::json!({"username": "bea", "password": NEW_PW}),
            StatusCode::CONFLICT,
            "lyceum-error-username-taken",
        ),
        (
            serde_json::json!({"username": "cy", "password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-password-short",
        ),
        (
            serde_json::json!({"username": "cyrus", "password": "I am cyrus!!"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-password-error-has-username",
        ),
        (
            serde_json::json!({"username": "cy", "password": "password123"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-password-error-common",
        ),
        (
            serde_json::json!({"username": "cy", "password": NEW_PW, "email": "nope"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-email",
        ),
        (
            serde_json::json!({"username": "c{y}", "password": NEW_PW}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-username-invalid",
        ),
        (
            serde_json::json!({"username": "cy"}),
            StatusCode::BAD_REQUEST,
            "lyceum-error-bad-form",
        ),
        (
            serde_json::json!({"username": "cy", "password": NEW_PW, "admin": true}),
            StatusCode::BAD_REQUEST,
            "lyceum-error-bad-form",
        ),
    ];
    for (body, status, code) in cases {
        let r = c.post_json("/api/v1/accounts", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], code, "{body}");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = c
        .request(
            axum::http::Method::POST,
            "/api/v1/accounts",
            axum::body::Body::from("{not json"),
            Some("application/json"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // In the caller's language.
    set_accept_language(&mut c, "fr");
    let r = c
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({"username": "cy", "password": "short"}),
        )
        .await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("caractères")
    );

    // Described in the OpenAPI document.
    let doc = c.get("/api/v1/openapi.json").await.json();
    let op = &doc["paths"]["/api/v1/accounts"]["post"];
    assert!(
        op["responses"]["201"].is_object()
            && op["responses"]["403"].is_object()
            && op["responses"]["429"].is_object()
    );
    assert!(doc["components"]["schemas"]["NewAccount"]["properties"]["email"].is_object());

    // Closed: 403 with a clear message, and the page says so.
    let mut db = t.store.conn().await.unwrap();
    settings::set(&mut db, "signup_enabled", "false", 0)
        .await
        .unwrap();
    drop(db);
    set_accept_language(&mut c, "en");
    let r = c
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({"username": "late", "password": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "lyceum-signup-error-closed");
    let page = t.client().get("/signup").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Sign-up is closed") && !page.body.contains("name=\"password\""));
    let r = signup(&mut c, "late", NEW_PW, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !t.client()
            .get("/login")
            .await
            .body
            .contains("href=\"/signup"),
        "no link while closed"
    );
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_on_the_page_and_the_api() {
    let t = TestApp::new().await;
    let mut c = t.client();
    from(&mut c, "2001:db8:1:2::1");
    for i in 0..5 {
        let r = c
            .post_json(
                "/api/v1/accounts",
                serde_json::json!({"username": format!("bot{i}"), "password": NEW_PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{i}");
    }
    // The same /64, on the API and on the page.
    from(&mut c, "2001:db8:1:2:ffff::9");
    let r = c
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({"username": "bot5", "password": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!(wait > 0 && wait <= 3600);
    let r = signup(&mut c, "bot5", NEW_PW, "").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another network is not limited; an hour later this one is not either.
    from(&mut c, "2001:db8:1:3::1");
    let r = c
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({"username": "bot5", "password": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    t.clock.advance(jiff::SignedDuration::from_mins(61));
    from(&mut c, "2001:db8:1:2::1");
    let r = c
        .post_json(
            "/api/v1/accounts",
            serde_json::json!({"username": "bot6", "password": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn addresses_are_verified_by_a_mailed_link_spent_by_a_post() {
    let (t, dir) = with_mail().await;
    let mut c = t.client();
    let r = signup(&mut c, "lina", NEW_PW, "lina@example.org").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let out = std::fs::read_to_string(dir.path().join("mail.out")).unwrap();
    assert!(out.contains("To: lina@example.org\r\n"), "{out}");
    assert!(
        out.contains("Subject: [Lyceum] Confirm your e-mail address"),
        "{out}"
    );
    let token = last_link(dir.path(), "email/verify");
    let prefs = c.get("/preferences").await.body;
    assert!(prefs.contains("Not verified yet") && prefs.contains("/preferences/email/resend"));

    // Opening the link spends nothing; the button does, once.
    let page = t.client().get(&format!("/email/verify/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("action=\"/email/verify/{token}\""))
    );
    let r = c.post_empty(&format!("/email/verify/{token}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/preferences?notice=account-verified");
    assert!(c.get("/preferences").await.body.contains("Verified."));
    let again = c.post_empty(&format!("/email/verify/{token}")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("This link does not work"));
    assert_eq!(
        c.post_empty("/email/verify/forged").await.status,
        StatusCode::NOT_FOUND
    );
    // Nothing left to resend.
    assert_eq!(
        c.post_empty("/preferences/email/resend").await.status,
        StatusCode::CONFLICT
    );

    // A new address in Preferences is unverified and gets its own link; resend works.
    let r = c
        .post_form(
            "/preferences",
            &[("display_name", ""), ("email", "lina@new.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let first = last_link(dir.path(), "email/verify");
    assert_ne!(first, token);
    let r = c.post_empty("/preferences/email/resend").await;
    assert_eq!(r.location(), "/preferences?notice=account-verify-sent");
    let second = last_link(dir.path(), "email/verify");
    assert_eq!(
        c.post_empty(&format!("/email/verify/{first}")).await.status,
        StatusCode::NOT_FOUND,
        "voided by the resend"
    );
    assert_eq!(
        c.post_empty(&format!("/email/verify/{second}"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Logged out, resending needs a login.
    let r = t.client().post_empty("/preferences/email/resend").await;
    assert!(r.location().starts_with("/login"), "{r:?}");
}

#[tokio::test]
async fn passwords_are_reset_by_a_single_use_link_that_ends_every_session() {
    let (t, dir) = with_mail().await;
    let mut c = t.client();
    signup(&mut c, "lina", NEW_PW, "lina@example.org").await;
    let token = last_link(dir.path(), "email/verify");
    c.post_empty(&format!("/email/verify/{token}")).await;
    let mut phone = t.client();
    phone
        .post_form("/login", &[("username", "lina"), ("password", NEW_PW)])
        .await;
    assert_eq!(phone.get("/preferences").await.status, StatusCode::OK);

    let mut anon = t.client();
    from(&mut anon, "192.0.2.9");
    assert!(
        anon.get("/login")
            .await
            .body
            .contains("href=\"/password/reset\"")
    );
    assert_eq!(anon.get("/password/reset").await.status, StatusCode::OK);
    let before = mails(dir.path());
    let unknown = anon
        .post_form("/password/reset", &[("who", "nobody")])
        .await;
    assert_eq!(
        mails(dir.path()),
        before,
        "nothing sent for an unknown name"
    );
    let known = anon.post_form("/password/reset", &[("who", "Lina")]).await;
    assert_eq!(
        (unknown.status, known.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(unknown.body, known.body, "the same answer either way");
    assert_eq!(mails(dir.path()), before + 1);
    let token = last_link(dir.path(), "password/reset");
    let empty = anon.post_form("/password/reset", &[("who", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    let form = anon.get(&format!("/password/reset/{token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("lina") && form.body.contains("At least 10 characters"));
    let r = anon
        .post_form(
            &format!("/password/reset/{token}"),
            &[("password", "qwertyuiop"), ("password2", "qwertyuiop")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the policy holds; the link stays usable"
    );
    let r = anon
        .post_form(
            &format!("/password/reset/{token}"),
            &[
                ("password", "another passphrase"),
                ("password2", "another passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/preferences?notice=account-password-reset");
    assert_eq!(
        anon.get("/preferences").await.status,
        StatusCode::OK,
        "logged in here"
    );
    assert_ne!(
        phone.get("/preferences").await.status,
        StatusCode::OK,
        "logged out elsewhere"
    );
    assert_ne!(c.get("/preferences").await.status, StatusCode::OK);
    // Single use.
    let r = anon
        .post_form(
            &format!("/password/reset/{token}"),
            &[
                ("password", "third passphrase!"),
                ("password2", "third passphrase!"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        anon.get(&format!("/password/reset/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Expired after an hour.
    let mut other = t.client();
    from(&mut other, "192.0.2.10");
    other
        .post_form("/password/reset", &[("who", "lina@example.org")])
        .await;
    let late = last_link(dir.path(), "password/reset");
    assert_ne!(late, token);
    t.clock.advance(jiff::SignedDuration::from_mins(61));
    assert_eq!(
        other.get(&format!("/password/reset/{late}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Ten requests an hour per address (a new hour began above).
    for _ in 0..10 {
        assert_eq!(
            anon.post_form("/password/reset", &[("who", "nobody")])
                .await
                .status,
            StatusCode::OK
        );
    }
    assert_eq!(
        anon.post_form("/password/reset", &[("who", "nobody")])
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_mail_reset_is_not_offered() {
    let t = TestApp::new().await;
    let mut c = t.client();
    assert!(!c.get("/login").await.body.contains("/password/reset"));
    let page = c.get("/password/reset").await;
    assert!(page.body.contains("does not send e-mail"));
    assert_eq!(
        c.post_form("/password/reset", &[("who", "x")]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let t = TestApp::new().await;
    t.user("lina", false).await;
    let mut c = t.login("lina").await;
    let mut phone = t.login("lina").await;
    let r = c
        .post_form(
            "/preferences/password",
            &[
                ("current", "wrong password"),
                ("password", NEW_PW),
                ("password2", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The current password is not correct"));
    let r = c
        .post_form(
            "/preferences/password",
            &[
                ("current", PASSWORD),
                ("password", "1234567890"),
                ("password2", "1234567890"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        phone.get("/preferences").await.status,
        StatusCode::OK,
        "refusals end nothing"
    );
    let r = c
        .post_form(
            "/preferences/password",
            &[
                ("current", PASSWORD),
                ("password", NEW_PW),
                ("password2", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/preferences?notice=account-password-changed");
    assert_eq!(
        c.get("/preferences").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_ne!(
        phone.get("/preferences").await.status,
        StatusCode::OK,
        "the other ended"
    );
    let mut again = t.client();
    let r = again
        .post_form("/login", &[("username", "lina"), ("password", NEW_PW)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn people_delete_their_own_account() {
    let t = TestApp::new().await;
    let course = t.seed(sample_course("DEL", true)).await;
    let lina = t.user("lina", false).await;
    t.enroll(lina, course).await;
    let mut c = t.login("lina").await;
    let page = c.get("/preferences/delete").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("CC BY-SA") && page.body.contains("name=\"password\""));
    let r = c
        .post_form("/preferences/delete", &[("password", "wrong password")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("nothing was deleted"));
    let r = c
        .post_form("/preferences/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/?notice=account-deleted");
    assert_ne!(
        c.get("/preferences").await.status,
        StatusCode::OK,
        "logged out"
    );
    let mut again = t.client();
    let r = again
        .post_form("/login", &[("username", "lina"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut db = t.store.conn().await.unwrap();
    let row = users::get_user(&mut db, lina).await.unwrap().unwrap();
    assert_eq!(row.username, format!("deleted-user-{}", lina.0));
    let n: i64 = db
        .scalar(q("SELECT COUNT(*) FROM enrollments WHERE user_id = $1").bind(lina.0))
        .await
        .unwrap();
    assert_eq!(n, 0);
    // Anonymous visitors are sent to log in.
    assert_ne!(
        t.client().get("/preferences/delete").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn site_admins_delete_accounts_with_a_reason_and_nobody_else_can() {
    let t = TestApp::new().await;
    let sam = t.user("Sam Smith", false).await;
    t.user("root", true).await;
    t.user("eve", false).await;
    let mut eve = t.login("eve").await;
    assert_eq!(
        eve.get("/admin/users/Sam%20Smith/delete").await.status,
        StatusCode::NOT_FOUND
    );
    let r = eve
        .post_form(
            "/admin/users/Sam%20Smith/delete",
            &[("confirm_username", "Sam Smith"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let anon = t.client().get("/admin/users/Sam%20Smith/delete").await;
    assert!(anon.location().starts_with("/login"), "{anon:?}");

    let mut root = t.login("root").await;
    let page = root.get("/admin/users/Sam%20Smith/delete").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("name=\"reason\"")
            && page
                .body
                .contains("action=\"/admin/users/Sam%20Smith/delete\"")
    );
    assert_eq!(
        root.get("/admin/users/nobody/delete").await.status,
        StatusCode::NOT_FOUND
    );
    let r = root
        .post_form(
            "/admin/users/Sam%20Smith/delete",
            &[("confirm_username", "Sam Smith"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = root
        .post_form(
            "/admin/users/Sam%20Smith/delete",
            &[("confirm_username", "Sam"), ("reason", "Spam")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"Spam\""), "the reason is kept");
    let r = root
        .post_form(
            "/admin/users/Sam%20Smith/delete",
            &[
                ("confirm_username", "sam smith"),
                ("reason", "Spam account"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut db = t.store.conn().await.unwrap();
    let log = audit::list(
        &mut db,
        &audit::Filter {
            target_type: Some("user"),
            ..Default::default()
        },
        5,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            log[0].action.as_str(),
            log[0].reason.as_str(),
            log[0].target_id.clone()
        ),
        ("user.delete", "Spam account", sam.0.to_string())
    );
    drop(db);
    let audit_page = root.get("/admin/audit").await.body;
    assert!(
        audit_page.contains(&format!(
            "deleted the account <bdi>deleted-user-{}</bdi>",
            sam.0
        )) && audit_page.contains("Spam account"),
        "{audit_page}"
    );
    assert_eq!(
        root.get("/admin/users/Sam%20Smith/delete").await.status,
        StatusCode::NOT_FOUND,
        "gone"
    );
}
