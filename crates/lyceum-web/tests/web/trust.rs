//! Trust for new accounts and the code of conduct over HTTP (issue 13): the page and its
//! acceptance, the redirect there from a refused publish (and the API's 403), the gates
//! on creating and uploading, 429 with Retry-After, `rel="nofollow ugc"` in rendered
//! pages, and trusting people from the admin user page and an organisation's people page.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::UserId;
use lyceum_core::permissions::CourseRole;
use lyceum_store::Db;
use lyceum_store::repo::{audit, users};
use serde_json::json;

/// The sample course, whose organisation is `owner`'s personal space: `owner` is its
/// instructor, which is no trusted role.
async fn personal_course(t: &TestApp, owner: UserId) -> lyceum_core::CourseId {
    let course = t.seed_sample().await;
    t.make_staff(owner, course, CourseRole::Instructor).await;
    let mut c = t.store.conn().await.unwrap();
    c.exec(
        lyceum_store::q("UPDATE organizations SET personal_user_id = $1 WHERE slug = 'TESTORG'")
            .bind(owner.0),
    )
    .await
    .unwrap();
    c.exec(
        lyceum_store::q(
            "INSERT INTO org_members (org_id, user_id, role, created_at)
             SELECT id, $1, 'admin', 0 FROM organizations WHERE slug = 'TESTORG'",
        )
        .bind(owner.0),
    )
    .await
    .unwrap();
    course
}

async fn first_unit(t: &TestApp, course: lyceum_core::CourseId) -> (i64, String) {
    let mut c = t.store.conn().await.unwrap();
    c.optional(
        lyceum_store::q(
            "SELECT id, url_name FROM blocks WHERE course_id = $1 AND kind = 'unit' ORDER BY id LIMIT 1",
        )
        .bind(course.0),
    )
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test]
async fn the_code_of_conduct_is_read_by_anyone_and_accepted_once() {
    let t = TestApp::new().await;
    t.newcomer("nina").await;
    let mut anon = t.client();
    let r = anon.get("/").await;
    assert!(r.body.contains(r#"href="/code-of-conduct""#), "footer link");
    let r = anon.get("/code-of-conduct").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("https://meta.wikimedia.org/wiki/Universal_Code_of_Conduct")
    );
    assert!(
        r.body
            .contains("https://foundation.wikimedia.org/wiki/Policy:Friendly_space_policy")
    );
    assert!(r.body.contains("/login?return_to=%2Fcode-of-conduct"));
    assert!(!r.body.contains(r#"action="/code-of-conduct""#));
    let r = anon.get("/code-of-conduct?uselang=ar").await;
    assert!(r.body.contains("مدونة السلوك العالمية"), "translated");
    // Accepting needs a login.
    let r = anon.post_form("/code-of-conduct", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());

    let mut nina = t.login("nina").await;
    let r = nina.get("/code-of-conduct?next=%2Fdashboard").await;
    assert!(r.body.contains(r#"action="/code-of-conduct""#));
    assert!(r.body.contains(r#"name="next" value="/dashboard""#));
    // `next` is a path on this site only.
    let r = nina
        .get("/code-of-conduct?next=https%3A%2F%2Fevil.example%2F")
        .await;
    assert!(
        !r.body.contains(r#"name="next" value="https"#),
        "no way back to another site"
    );
    let r = nina
        .post_form("/code-of-conduct", &[("next", "/dashboard")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboard?notice=conduct-accepted");
    let r = nina.get("/code-of-conduct").await;
    assert!(
        !r.body.contains(r#"action="/code-of-conduct""#),
        "accepted once"
    );
    assert!(r.body.contains("You accepted the code of conduct on"));
    let mut c = t.store.conn().await.unwrap();
    let u = users::find_user_by_key(&mut c, "nina")
        .await
        .unwrap()
        .unwrap();
    let (first, version) = lyceum_store::repo::trust::conduct_acceptance(&mut c, u.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version, "default");
    drop(c);
    let r = nina
        .post_form("/code-of-conduct", &[("next", "//evil.example")])
        .await;
    assert_eq!(
        r.location(),
        "/?notice=conduct-accepted",
        "never to another site"
    );
    let mut c = t.store.conn().await.unwrap();
    let (again, _) = lyceum_store::repo::trust::conduct_acceptance(&mut c, u.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, first, "the first acceptance stands");
}

#[tokio::test]
async fn publishing_sends_a_newcomer_to_the_code_of_conduct_then_works() {
    let t = TestApp::new().await;
    let nina = t.newcomer("nina").await;
    let course = t.seed_sample().await;
    t.make_staff(nina, course, CourseRole::Author).await;
    let mut c = t.login("nina").await;
    // The API answers 403 with a message saying what to do.
    let r = c
        .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "lyceum-conduct-required");
    // The Studio's form goes to the code of conduct, and back to the page it was on.
    let studio = format!("/courses/{KEY}/studio");
    let r = c
        .post_form_with(
            &format!("{studio}/publish"),
            &[("summary", "First run")],
            &[("referer", &format!("http://lyceum.test{studio}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let next: String = url::form_urlencoded::byte_serialize(studio.as_bytes()).collect();
    assert_eq!(r.location(), format!("/code-of-conduct?next={next}"));
    let page = c.get(r.location()).await;
    assert!(page.body.contains("Before you publish, create or report"));
    let r = c.post_form("/code-of-conduct", &[("next", &studio)]).await;
    assert_eq!(r.location(), format!("{studio}?notice=conduct-accepted"));
    let r = c
        .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A referer on another site is not followed back.
    let other = t.newcomer("omar").await;
    t.make_staff(other, course, CourseRole::Author).await;
    let mut o = t.login("omar").await;
    let r = o
        .post_form_with(
            &format!("{studio}/publish"),
            &[("summary", "x")],
            &[("referer", "https://evil.example/x")],
        )
        .await;
    assert_eq!(r.location(), "/code-of-conduct?next=%2F");
}

#[tokio::test]
async fn new_accounts_cannot_create_courses_or_upload_until_trusted() {
    let t = TestApp::new().await;
    let nina = t.newcomer("nina").await;
    t.user("root", true).await;
    personal_course(&t, nina).await;
    let mut c = t.login("nina").await;
    c.post_form("/code-of-conduct", &[]).await;
    // Forking into a personal space is how an account without a role creates a course.
    let fork = format!("/api/v1/courses/{KEY}/fork");
    let r = c.post_json(&fork, json!({"org": null})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-trust-error-create");
    let msg = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(msg.contains("after 4 days and 10 activities"), "{msg}");
    // A course file: refused, nothing stored.
    let boundary = "----LyceumTrustBoundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let files = format!("/courses/{KEY}/studio/files");
    let r = c
        .request(
            Method::POST,
            &files,
            Body::from(body.clone()),
            Some(&ct),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.body.contains("New accounts can upload files after"),
        "{}",
        r.body
    );
    let page = c.get(&files).await;
    assert!(!page.body.contains("notes.txt"));
    // Trusted by a site admin: both work at once.
    let mut root = t.login("root").await;
    let r = root
        .post_form("/admin/users/nina/trust", &[("reason", "Known volunteer")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .request(Method::POST, &files, Body::from(body), Some(&ct), &[])
        .await;
    assert!(
        r.status.is_redirection() || r.status == StatusCode::OK,
        "{}",
        r.body
    );
    assert!(c.get(&files).await.body.contains("notes.txt"));
    let r = c.post_json(&fork, json!({"org": null})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn too_many_creations_answer_429_with_retry_after() {
    let t = TestApp::new().await;
    let ada = t.user("ada", false).await;
    t.user("root", true).await;
    // Ada may create courses (a site grant) and has created her hour's worth already.
    let mut c = t.store.conn().await.unwrap();
    c.exec(lyceum_store::q("UPDATE users SET can_create_courses = TRUE WHERE id = $1").bind(ada.0))
        .await
        .unwrap();
    drop(c);
    t.seed_sample().await;
    let mut c = t.store.conn().await.unwrap();
    c.exec(
        lyceum_store::q(
            "INSERT INTO org_members (org_id, user_id, role, created_at)
             SELECT id, $1, 'member', 0 FROM organizations WHERE slug = 'TESTORG'",
        )
        .bind(ada.0),
    )
    .await
    .unwrap();
    let now = t.app.now_ms();
    let window = now - now.rem_euclid(lyceum_app::trust::WINDOW_MS);
    for _ in 0..lyceum_app::trust::Creation::Course.quota(true) {
        lyceum_store::repo::trust::hit(&mut c, ada, "course", window)
            .await
            .unwrap();
    }
    drop(c);
    let mut a = t.login("ada").await;
    let r = a
        .post_json(
            "/api/v1/courses",
            json!({"org": "TESTORG", "code": "R1", "run": "2027", "title": "One more", "language": "en"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let secs: u64 = r.header("retry-after").parse().unwrap();
    assert!(secs > 0 && secs <= 3600);
    assert_eq!(r.json()["error"]["code"], "lyceum-trust-error-rate");
    // The page says so in the person's language.
    let r = a
        .post_json(
            "/api/v1/courses?uselang=fr",
            json!({"org": "TESTORG", "code": "R1", "run": "2027", "title": "One more", "language": "en"}),
        )
        .await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Vous avez créé beaucoup")
    );
    let mut c = t.store.conn().await.unwrap();
    let n: i64 = c
        .scalar(lyceum_store::q(
            "SELECT COUNT(*) FROM courses WHERE course_key LIKE '%R1%'",
        ))
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing created");
}

#[tokio::test]
async fn untrusted_authors_links_are_nofollow_ugc_in_the_page() {
    let t = TestApp::new().await;
    let nina = t.newcomer("nina").await;
    let course = personal_course(&t, nina).await;
    let (unit, url_name) = first_unit(&t, course).await;
    let mut c = t.login("nina").await;
    c.post_form("/code-of-conduct", &[]).await;
    let r = c
        .post_json(
            &format!("/api/v1/courses/{KEY}/blocks"),
            json!({"parent": unit, "kind": "text", "title": "", "content": {"markdown": "See [the wiki](https://wiki.example/)."}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let max = lyceum_core::limits::UNTRUSTED_EXTERNAL_LINKS;
    let many: String = (0..=max)
        .map(|i| format!("[l{i}](https://wiki.example/{i}) "))
        .collect();
    let r = c
        .post_json(
            &format!("/api/v1/courses/{KEY}/blocks"),
            json!({"parent": unit, "kind": "text", "title": "", "content": {"markdown": many}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-trust-error-links");
    let r = c
        .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let learner = t.user("lea", false).await;
    t.enroll(learner, course).await;
    let mut l = t.login("lea").await;
    let page = l.get(&unit_path(&url_name)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            r#"<a href="https://wiki.example/" rel="noopener noreferrer nofollow ugc">the wiki</a>"#
        ),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn admins_and_organisation_admins_trust_people() {
    let t = TestApp::new().await;
    t.user("root", true).await;
    let olu = t.user("olu", false).await;
    let nina = t.newcomer("nina").await;
    let stranger = t.newcomer("stranger").await;
    let course = t.seed_sample().await;
    let _ = course;
    let mut c = t.store.conn().await.unwrap();
    for (u, role) in [(olu, "admin"), (nina, "member")] {
        c.exec(
            lyceum_store::q(
                "INSERT INTO org_members (org_id, user_id, role, created_at)
                 SELECT id, $1, $2, 0 FROM organizations WHERE slug = 'TESTORG'",
            )
            .bind(u.0)
            .bind(role),
        )
        .await
        .unwrap();
    }
    drop(c);
    let mut root = t.login("root").await;
    let page = root.get("/admin/users/nina").await;
    assert!(
        page.body.contains("Not trusted yet: a new account."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Account age: 0 days (needs 4); activities: 0 (needs 10).")
    );
    assert!(page.body.contains(r#"action="/admin/users/nina/trust""#));
    let r = root
        .post_form("/admin/users/nina/trust", &[("reason", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The organisation's admin sees who is new, and trusts one of their own.
    let mut o = t.login("olu").await;
    let people = o.get("/orgs/TESTORG/people").await;
    assert!(people.body.contains("New account"), "{}", people.body);
    assert!(
        people
            .body
            .contains(r#"action="/orgs/TESTORG/people/nina/trust""#)
    );
    let r = o
        .post_form(
            "/orgs/TESTORG/people/nina/trust",
            &[("reason", "Our coordinator")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let people = o.get("/orgs/TESTORG/people").await;
    assert!(
        !people
            .body
            .contains(r#"action="/orgs/TESTORG/people/nina/trust""#)
    );
    // Not someone outside the organisation, nor from the admin pages.
    let r = o
        .post_form("/orgs/TESTORG/people/stranger/trust", &[("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = o
        .post_form("/admin/users/stranger/trust", &[("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut n = t.login("nina").await;
    let r = n
        .post_form("/admin/users/nina/untrust", &[("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The site admin sees why, revokes, and the audit log says so.
    let page = root.get("/admin/users/nina").await;
    assert!(page.body.contains("Trusted by an admin."));
    assert!(page.body.contains("Our coordinator"));
    assert!(page.body.contains(r#"action="/admin/users/nina/untrust""#));
    let r = root
        .post_form("/admin/users/nina/untrust", &[("reason", "Spam")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = root.get("/admin/users/nina").await;
    assert!(page.body.contains("Trust revoked by a site admin."));
    let audit_page = root.get("/admin/audit").await;
    assert!(
        audit_page.body.contains("trusted <bdi>nina</bdi>"),
        "{}",
        audit_page.body
    );
    assert!(
        audit_page
            .body
            .contains("revoked the trust of <bdi>nina</bdi>")
    );
    let mut c = t.store.conn().await.unwrap();
    let rows = audit::list(&mut c, &audit::Filter::default(), 50)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"user.trust") && actions.contains(&"user.untrust"));
    let _ = stranger;
    // The page works in Arabic.
    let page = root.get("/admin/users/nina?uselang=ar").await;
    assert!(page.body.contains("سحب مدير الموقع الثقة."));
}

#[tokio::test]
async fn the_settings_page_sets_the_trust_thresholds_and_the_code_of_conduct() {
    let t = TestApp::new().await;
    t.user("root", true).await;
    let mut root = t.login("root").await;
    let page = root.get("/admin/settings").await;
    assert!(
        page.body
            .contains(r#"name="trust_min_account_days" value="4""#)
    );
    assert!(
        page.body
            .contains(r#"name="trust_min_activity" value="10""#)
    );
    let r = root
        .post_form(
            "/admin/settings",
            &[
                ("review_interval_days", "365"),
                ("signup_enabled", "1"),
                ("trust_min_account_days", "400"),
                ("trust_min_activity", "3"),
                ("conduct_text", "Be *kind*."),
                ("reason", "typed"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Be *kind*."), "the text typed is kept");
    let r = root
        .post_form(
            "/admin/settings",
            &[
                ("review_interval_days", "365"),
                ("signup_enabled", "1"),
                ("trust_min_account_days", "7"),
                ("trust_min_activity", "3"),
                ("conduct_text", "Be *kind*."),
                ("reason", "Our community's words"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let s = lyceum_app::settings::load(&t.app.env()).await.unwrap();
    assert_eq!((s.trust.min_account_days, s.trust.min_activity), (7, 3));
    let page = t.client().get("/code-of-conduct").await;
    assert!(page.body.contains("Be <em>kind</em>."), "{}", page.body);
    assert!(!page.body.contains("Universal_Code_of_Conduct"));
    // Emptied, the default comes back.
    root.post_form(
        "/admin/settings",
        &[
            ("review_interval_days", "365"),
            ("signup_enabled", "1"),
            ("conduct_text", ""),
            ("reason", "back to Wikimedia's"),
        ],
    )
    .await;
    let page = t.client().get("/code-of-conduct").await;
    assert!(page.body.contains("Universal_Code_of_Conduct"));
}

#[tokio::test]
async fn the_api_trusts_and_revokes() {
    let t = TestApp::new().await;
    t.user("root", true).await;
    t.newcomer("nina").await;
    let mut anon = t.client();
    let r = anon
        .post_json(
            "/api/v1/users/nina/trust",
            json!({"trusted": true, "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut n = t.login("nina").await;
    let r = n
        .post_json(
            "/api/v1/users/nina/trust",
            json!({"trusted": true, "reason": "me"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut root = t.login("root").await;
    for (body, status) in [
        (json!({"trusted": true}), StatusCode::BAD_REQUEST),
        (
            json!({"trusted": true, "reason": "x", "extra": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"trusted": true, "reason": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"trusted": true, "reason": "x".repeat(501)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = root
            .post_json("/api/v1/users/nina/trust", body.clone())
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let r = root
        .post_json(
            "/api/v1/users/nobody/trust",
            json!({"trusted": true, "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = root
        .post_json(
            "/api/v1/users/nina/trust",
            json!({"trusted": true, "reason": "Known"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"username": "nina", "trusted": true}));
    let r = root
        .post_json(
            "/api/v1/users/nina/trust",
            json!({"trusted": false, "reason": "Spam"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = anon.get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/users/{username}/trust"]["post"].is_object());
    assert!(doc["components"]["schemas"]["TrustBody"].is_object());
}
