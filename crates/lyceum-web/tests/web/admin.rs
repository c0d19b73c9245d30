//! Site administration and organisations over HTTP: who may open each page and send each
//! form (anonymous, learner, admin of another organisation, organisation admin, site
//! admin), bad input re-shown with what was typed and nothing stored, blocking, grants,
//! the audit log page and its JSON API, the settings.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::OrgRole;
use lyceum_store::Db;
use lyceum_store::repo::{audit, orgs, users};
use std::io::Write;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-tiny-logo";

/// A site with the test course (organisation TESTORG), a second organisation OTHER, and
/// people: `root` (site admin), `boss` (admin of TESTORG), `rival` (admin of OTHER),
/// `ann` (a learner).
async fn site() -> TestApp {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.user("root", true).await;
    let boss = t.user("boss", false).await;
    let rival = t.user("rival", false).await;
    t.user("ann", false).await;
    let mut c = t.store.conn().await.unwrap();
    let other = orgs::upsert(&mut c, "OTHER", "Other Org", "", None, 0)
        .await
        .unwrap();
    let test = orgs::find_by_slug(&mut c, "TESTORG")
        .await
        .unwrap()
        .unwrap();
    orgs::set_member(&mut c, lyceum_core::OrgId(test.id), boss, OrgRole::Admin, 0)
        .await
        .unwrap();
    orgs::set_member(&mut c, other, rival, OrgRole::Admin, 0)
        .await
        .unwrap();
    t
}

async fn audit_rows(t: &TestApp) -> Vec<audit::EntryRow> {
    let mut c = t.store.conn().await.unwrap();
    audit::list(&mut c, &audit::Filter::default(), 500)
        .await
        .unwrap()
}

fn multipart(file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----LyceumAdminBoundary";
    let mut body = Vec::new();
    if let Some((name, bytes)) = file {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_logo(c: &mut Client, slug: &str, name: &str, bytes: &[u8]) -> Resp {
    let (ct, body) = multipart(Some((name, bytes)));
    c.request(
        Method::POST,
        &format!("/orgs/{slug}/logo"),
        Body::from(body),
        Some(&ct),
        &[],
    )
    .await
}

const ADMIN_PAGES: &[&str] = &[
    "/admin",
    "/admin/orgs",
    "/admin/users",
    "/admin/users?q=an",
    "/admin/users/ann",
    "/admin/courses",
    "/admin/courses?status=published&org=TESTORG&q=t101",
    "/admin/audit",
    "/admin/audit?actor=root&target_type=user&target=ann",
    "/admin/settings",
    "/admin/jobs",
];

#[tokio::test]
async fn admin_pages_and_forms_are_for_site_admins_only() {
    let t = site().await;
    let mut anon = t.client();
    for path in ADMIN_PAGES {
        let r = anon.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/login?return_to="), "{path}");
    }
    assert_eq!(
        anon.get("/api/v1/admin/audit").await.status,
        StatusCode::UNAUTHORIZED
    );
    for who in ["ann", "boss", "rival"] {
        let mut c = t.login(who).await;
        for path in ADMIN_PAGES {
            assert_eq!(
                c.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{who} {path}"
            );
        }
        assert_eq!(
            c.get("/api/v1/admin/audit").await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert!(!c.get("/dashboard").await.body.contains(r#"href="/admin""#));
        let posts: &[(&str, &[(&str, &str)])] = &[
            ("/admin/orgs", &[("slug", "Mine"), ("name", "Mine")]),
            ("/admin/users/ann/block", &[("reason", "x")]),
            ("/admin/users/ann/unblock", &[("reason", "x")]),
            ("/admin/users/ann/admin", &[("on", "1")]),
            ("/admin/users/ann/creator", &[("on", "1")]),
            (
                "/admin/settings",
                &[("review_interval_days", "1"), ("reason", "x")],
            ),
            ("/admin/jobs/1/retry", &[]),
        ];
        for (path, form) in posts {
            let r = c.post_form(path, form).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} POST {path}");
        }
    }
    assert!(audit_rows(&t).await.is_empty(), "nothing was done");
    let mut c = t.store.conn().await.unwrap();
    let ann = users::find_user_by_key(&mut c, "ann")
        .await
        .unwrap()
        .unwrap();
    assert!(!ann.is_admin && !ann.can_create_courses && ann.blocked_at.is_none());
    drop(c);

    let mut root = t.login("root").await;
    for path in ADMIN_PAGES {
        let r = root.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        for section in [
            "/admin/orgs",
            "/admin/users",
            "/admin/audit",
            "/admin/settings",
            "/admin/jobs",
        ] {
            assert!(
                r.body.contains(&format!("href=\"{section}\"")),
                "{path} nav"
            );
        }
    }
    let r = root.get("/admin/courses").await;
    assert!(r.body.contains(r#"href="/import""#), "import linked");
    assert!(r.body.contains(&format!("/courses/{KEY}/studio")));
    assert!(r.body.contains(&format!("/courses/{KEY}/team")));
    // The header and the dashboard lead admins here.
    assert!(root.get("/").await.body.contains(r#"href="/admin""#));
    assert!(
        root.get("/dashboard")
            .await
            .body
            .contains(r#"href="/admin""#)
    );
    // In Arabic, right to left.
    let r = root.get("/admin/orgs?uselang=ar").await;
    assert!(r.body.contains(r#"dir="rtl""#) && r.body.contains("المنظمات"));
}

#[tokio::test]
async fn organisations_are_created_with_checked_input() {
    let t = site().await;
    let mut root = t.login("root").await;
    let r = root
        .post_form(
            "/admin/orgs",
            &[
                ("slug", "WikiEdu"),
                ("name", "Wiki Education"),
                ("description", "Teaching with Wikipedia.\n\nSince 2010."),
                ("website", "https://wikiedu.org"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/orgs/WikiEdu"));
    let page = t.client().get("/orgs/WikiEdu").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Wiki Education") && page.body.contains("Since 2010."));
    assert!(page.body.contains(r#"href="https://wikiedu.org""#));
    assert!(
        !page.body.contains("/orgs/WikiEdu/edit"),
        "visitors get no edit link"
    );

    let long = "n".repeat(101);
    let cases: [(&str, &str, &str, &str); 6] = [
        ("wikiedu", "Again", "", "already used"),
        ("bad slug", "Bad", "", "cannot be an organisation code"),
        ("", "No code", "", "cannot be an organisation code"),
        ("Empty", "   ", "", "Give the organisation a name"),
        ("Long", &long, "", "is too long"),
        ("Web", "Web", "javascript:alert(1)", "is not a web address"),
    ];
    for (slug, name, website, says) in cases {
        let r = root
            .post_form(
                "/admin/orgs",
                &[("slug", slug), ("name", name), ("website", website)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{slug:?}");
        assert!(r.body.contains(says), "{slug:?}: {says}");
        // What was typed is shown again.
        if !slug.is_empty() {
            assert!(
                r.body.contains(&format!("value=\"{slug}\"")),
                "{slug:?} kept"
            );
        }
    }
    let mut c = t.store.conn().await.unwrap();
    let all = orgs::list(&mut c).await.unwrap();
    assert_eq!(all.len(), 3, "only WikiEdu was added");
    let created: Vec<String> = audit_rows(&t).await.into_iter().map(|r| r.action).collect();
    assert_eq!(created, ["org.create"]);
}

#[tokio::test]
async fn organisation_admins_edit_their_organisation_only() {
    let t = site().await;
    let mut boss = t.login("boss").await;
    let page = boss.get("/orgs/TESTORG").await.body;
    assert!(page.contains("/orgs/TESTORG/edit") && page.contains("/orgs/TESTORG/people"));
    assert!(page.contains("/courses/new?org=TESTORG"), "create a course");
    let dash = boss.get("/dashboard").await.body;
    assert!(dash.contains(r#"href="/orgs/TESTORG""#) && dash.contains("Create a course"));
    let form = boss.get("/orgs/TESTORG/edit").await.body;
    assert!(
        !form.contains(r#"name="name""#),
        "no renaming for organisation admins"
    );
    let r = boss
        .post_form(
            "/orgs/TESTORG/edit",
            &[
                ("description", "We teach."),
                ("website", "https://test.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A forged rename is refused, and what was typed is kept.
    let r = boss
        .post_form(
            "/orgs/TESTORG/edit",
            &[("name", "Renamed"), ("description", "Kept text")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Only site administrators") && r.body.contains("Kept text"));
    let r = boss
        .post_form("/orgs/TESTORG/edit", &[("website", "not a url")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another organisation's admin, a learner: no such page; a visitor logs in.
    for who in ["rival", "ann"] {
        let mut c = t.login(who).await;
        assert_eq!(
            c.get("/orgs/TESTORG/edit").await.status,
            StatusCode::NOT_FOUND
        );
        let r = c
            .post_form("/orgs/TESTORG/edit", &[("description", "Hacked")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
        assert_eq!(
            c.get("/orgs/TESTORG/people").await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !c.get("/orgs/TESTORG")
                .await
                .body
                .contains("/orgs/TESTORG/edit")
        );
    }
    let r = t.client().get("/orgs/TESTORG/edit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.client().get("/orgs/NOPE").await.status,
        StatusCode::NOT_FOUND
    );

    // A site admin renames and turns review on.
    let mut root = t.login("root").await;
    assert!(
        root.get("/orgs/TESTORG/edit")
            .await
            .body
            .contains(r#"name="name""#)
    );
    let r = root
        .post_form(
            "/orgs/TESTORG/edit",
            &[
                ("name", "Test Org Renamed"),
                ("review_field", "1"),
                ("requires_review", "1"),
                ("description", "We teach."),
                ("website", "https://test.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut c = t.store.conn().await.unwrap();
    let (o, _) = orgs::detail_by_slug(&mut c, "TESTORG", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (o.name.as_str(), o.description.as_str(), o.requires_review),
        ("Test Org Renamed", "We teach.", true)
    );
    let actions: Vec<String> = audit_rows(&t).await.into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["org.update", "org.update"]);
}

#[tokio::test]
async fn logos_are_checked_stored_and_served() {
    let t = site().await;
    let mut boss = t.login("boss").await;
    let before = media_snapshot(&t);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let r = upload_logo(&mut boss, "TESTORG", "logo.png", svg).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("PNG, JPEG or WebP"));
    let big = [PNG, &vec![0u8; 1024 * 1024]].concat();
    let r = upload_logo(&mut boss, "TESTORG", "big.png", &big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("too large"), "{}", r.body);
    let (ct, body) = multipart(None);
    let r = boss
        .request(
            Method::POST,
            "/orgs/TESTORG/logo",
            Body::from(body),
            Some(&ct),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut rival = t.login("rival").await;
    let r = upload_logo(&mut rival, "TESTORG", "logo.png", PNG).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(media_snapshot(&t), before, "nothing stored on refusal");
    assert!(audit_rows(&t).await.is_empty());

    let r = upload_logo(&mut boss, "TESTORG", "logo.png", PNG).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.client().get("/orgs/TESTORG").await.body;
    let src = page
        .split("src=\"")
        .find_map(|s| {
            s.split('"')
                .next()
                .filter(|u| u.starts_with("/orgs/TESTORG/logo/"))
        })
        .expect("the logo is shown")
        .to_owned();
    let r = t.client().get(&src).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "image/png");
    assert_eq!(r.bytes, PNG);
    assert_eq!(
        t.client()
            .get("/orgs/TESTORG/logo/000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = boss.post_form("/orgs/TESTORG/logo/remove", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.client().get(&src).await.status, StatusCode::NOT_FOUND);
    let actions: Vec<String> = audit_rows(&t).await.into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["org.logo.remove", "org.logo.set"]);
}

#[tokio::test]
async fn organisation_admins_manage_their_people() {
    let t = site().await;
    let mut boss = t.login("boss").await;
    let r = boss
        .post_form(
            "/orgs/TESTORG/people",
            &[("username", "Ann"), ("role", "creator")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = boss.get("/orgs/TESTORG/people").await.body;
    assert!(page.contains("ann") && page.contains(r#"<option value="creator" selected>"#));
    for (form, status, says) in [
        (
            &[("username", "nobody"), ("role", "member")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "There is no user named",
        ),
        (
            &[("username", "ann"), ("role", "member")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "already belongs",
        ),
        (
            &[("username", ""), ("role", "member")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Type the username",
        ),
        (
            &[("username", "root"), ("role", "owner")],
            StatusCode::BAD_REQUEST,
            "Unknown role",
        ),
    ] {
        let r = boss.post_form("/orgs/TESTORG/people", form).await;
        assert_eq!(r.status, status, "{form:?}");
        assert!(r.body.contains(says), "{form:?}");
    }
    let r = boss
        .post_form("/orgs/TESTORG/people/ann/role", &[("role", "reviewer")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Another organisation's admin cannot touch these people.
    let mut rival = t.login("rival").await;
    for (path, form) in [
        (
            "/orgs/TESTORG/people",
            &[("username", "rival"), ("role", "admin")][..],
        ),
        ("/orgs/TESTORG/people/ann/role", &[("role", "admin")][..]),
        ("/orgs/TESTORG/people/ann/remove", &[][..]),
    ] {
        assert_eq!(
            rival.post_form(path, form).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Ann, now a reviewer, sees the organisation on her dashboard but no People.
    let mut ann = t.login("ann").await;
    assert!(ann.get("/dashboard").await.body.contains("Reviewer"));
    assert_eq!(
        ann.get("/orgs/TESTORG/people").await.status,
        StatusCode::NOT_FOUND
    );
    let r = boss.post_form("/orgs/TESTORG/people/ann/remove", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !boss
            .get("/orgs/TESTORG/people")
            .await
            .body
            .contains("/people/ann/")
    );
    let actions: Vec<String> = audit_rows(&t).await.into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        ["org.member.remove", "org.member.role", "org.member.add"]
    );
}

#[tokio::test]
async fn blocked_people_lose_their_sessions_and_are_told_at_login() {
    let t = site().await;
    let mut ann = t.login("ann").await;
    assert_eq!(ann.get("/dashboard").await.status, StatusCode::OK);
    let mut root = t.login("root").await;
    let r = root
        .post_form("/admin/users/ann/block", &[("reason", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give a reason"));
    let r = root
        .post_form("/admin/users/root/block", &[("reason", "test")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cannot block yourself"));
    let r = root
        .post_form("/admin/users/ann/block", &[("reason", "Spam links")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Her session is gone at once.
    let r = ann.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut c = t.store.conn().await.unwrap();
    let ann_id = users::find_user_by_key(&mut c, "ann")
        .await
        .unwrap()
        .unwrap()
        .id;
    let left: i64 = c
        .scalar(lyceum_store::q("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(ann_id))
        .await
        .unwrap();
    assert_eq!(left, 0, "her session rows are deleted");
    drop(c);
    // The right password: told the account is blocked; the wrong one: the usual message.
    let mut again = t.client();
    let r = again
        .post_form(
            "/login",
            &[
                ("username", "ann"),
                ("password", PASSWORD),
                ("return_to", "/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("This account is blocked"), "{}", r.body);
    assert_eq!(
        again.get("/dashboard").await.status,
        StatusCode::SEE_OTHER,
        "no session"
    );
    let r = again
        .post_form(
            "/login",
            &[
                ("username", "ann"),
                ("password", "wrong password!"),
                ("return_to", "/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!r.body.contains("This account is blocked"));
    let page = root.get("/admin/users/ann").await.body;
    assert!(page.contains("Blocked since") && page.contains("Spam links"));
    assert!(
        page.contains("blocked <bdi>ann</bdi>"),
        "the history names the action"
    );
    let r = root
        .post_form("/admin/users/ann/unblock", &[("reason", "Appeal")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    t.login("ann").await;
}

#[tokio::test]
async fn grants_and_the_last_administrator() {
    let t = site().await;
    let mut root = t.login("root").await;
    let r = root
        .post_form("/admin/users/root/admin", &[("on", "0")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("You are the last site administrator"));
    let r = root
        .post_form(
            "/admin/users/ann/creator",
            &[("on", "1"), ("reason", "Runs a workshop")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = root
        .post_form("/admin/users/ann/admin", &[("on", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Ann's own session sees the new rights at once.
    let mut ann = t.login("ann").await;
    assert_eq!(ann.get("/admin").await.status, StatusCode::OK);
    // Two administrators: root may step down.
    let r = root
        .post_form("/admin/users/root/admin", &[("on", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(root.get("/admin").await.status, StatusCode::NOT_FOUND);
    let mut c = t.store.conn().await.unwrap();
    let a = users::find_user_by_key(&mut c, "ann")
        .await
        .unwrap()
        .unwrap();
    assert!(a.is_admin && a.can_create_courses);
    let actions: Vec<String> = audit_rows(&t).await.into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            "user.admin.revoke",
            "user.admin.grant",
            "user.creator.grant"
        ]
    );
    assert_eq!(audit_rows(&t).await[2].reason, "Runs a workshop");
    assert_eq!(
        ann.get("/admin/users/nobody").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn user_search_is_paged_in_a_fixed_number_of_statements() {
    let t = site().await;
    let mut c = t.store.conn().await.unwrap();
    let ann = users::find_user_by_key(&mut c, "ann")
        .await
        .unwrap()
        .unwrap()
        .id();
    users::set_email(&mut c, ann, Some("ann@example.org"))
        .await
        .unwrap();
    drop(c);
    let mut root = t.login("root").await;
    let r = root.get("/admin/users?q=EXAMPLE.org").await;
    assert!(r.body.contains("/admin/users/ann") && !r.body.contains("/admin/users/boss"));
    let count = |t: &TestApp| t.queries();
    root.get("/admin/users").await;
    let before = count(&t);
    root.get("/admin/users").await;
    let few = count(&t) - before;
    for i in 0..60 {
        t.user(&format!("user{i:02}"), false).await;
    }
    let before = count(&t);
    let r = root.get("/admin/users").await;
    assert_eq!(
        count(&t) - before,
        few,
        "as many statements for 64 people as for 4"
    );
    assert!(r.body.contains("of 64") && r.body.contains("page=2"));
    let r = root.get("/admin/users?page=2").await;
    assert!(r.body.contains("/admin/users/user59"));
    let before = count(&t);
    root.get("/admin/users/ann").await;
    assert!(count(&t) - before <= 7, "user page: {}", count(&t) - before);
}

#[tokio::test]
async fn the_audit_log_page_and_api() {
    let t = site().await;
    let mut root = t.login("root").await;
    root.post_form("/admin/users/ann/block", &[("reason", "Spam")])
        .await;
    root.post_form("/admin/users/ann/unblock", &[("reason", "Appeal")])
        .await;
    let mut boss = t.login("boss").await;
    boss.post_form(
        "/orgs/TESTORG/people",
        &[("username", "ann"), ("role", "member")],
    )
    .await;
    let page = root.get("/admin/audit").await.body;
    assert!(
        page.contains("added <bdi>ann</bdi> to <bdi>TESTORG</bdi> as <bdi>Member</bdi>"),
        "{page}"
    );
    assert!(page.contains("unblocked <bdi>ann</bdi>") && page.contains("Appeal"));
    assert!(page.contains(r#"href="/admin/users/boss""#), "who, linked");
    let page = root.get("/admin/audit?actor=boss").await.body;
    assert!(page.contains("added") && !page.contains("unblocked"));
    let page = root
        .get("/admin/audit?target_type=user&target=ann")
        .await
        .body;
    assert!(page.contains("unblocked") && !page.contains("added"));
    let page = root.get("/admin/audit?actor=ghost").await.body;
    assert!(page.contains("No user has that username"));

    let j = root.get("/api/v1/admin/audit?limit=2").await.json();
    let entries = j["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "org.member.add");
    assert_eq!(entries[0]["actor"], "boss");
    assert_eq!(entries[0]["details"]["new"], "member");
    assert_eq!(entries[1]["reason"], "Appeal");
    let next = j["next_before"].as_i64().unwrap();
    let j = root
        .get(&format!("/api/v1/admin/audit?limit=2&before={next}"))
        .await
        .json();
    assert_eq!(j["entries"][0]["action"], "user.block");
    assert!(j["next_before"].is_null());
    let j = root
        .get("/api/v1/admin/audit?target_type=org&target=TESTORG")
        .await
        .json();
    assert_eq!(j["entries"].as_array().unwrap().len(), 1);
    // Documented.
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/admin/audit"]["get"].is_object());
    // An action this build has no sentence for (another part's, or a newer version's).
    let mut c = t.store.conn().await.unwrap();
    audit::record(
        &mut c,
        &audit::NewEntry {
            actor: None,
            action: "course.frobnicate",
            target_type: "course",
            target_id: KEY,
            reason: "",
            details: serde_json::json!({}),
            now: 1,
        },
    )
    .await
    .unwrap();
    drop(c);
    let page = root.get("/admin/audit?target_type=course").await.body;
    assert!(
        page.contains("<bdi>course.frobnicate</bdi>") && page.contains("The system"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"/courses/{KEY}/about\"")));
}

#[tokio::test]
async fn site_settings_are_validated_and_audited() {
    let t = site().await;
    let mut root = t.login("root").await;
    let page = root.get("/admin/settings").await.body;
    assert!(page.contains(r#"name="signup_enabled" value="1" checked"#));
    assert!(page.contains(r#"value="365""#));
    for bad in ["-1", "abc", "3651", ""] {
        let r = root
            .post_form(
                "/admin/settings",
                &[("review_interval_days", bad), ("reason", "typed")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(r.body.contains("typed"), "the reason is kept");
        assert!(
            !r.body.contains(r#"value="1" checked"#),
            "the unticked box is kept"
        );
    }
    assert!(audit_rows(&t).await.is_empty());
    let r = root
        .post_form(
            "/admin/settings",
            &[("review_interval_days", "90"), ("reason", "Spam wave")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s = lyceum_app::settings::load(&t.app.env()).await.unwrap();
    assert!(!s.signup_enabled);
    assert_eq!(s.review_interval_days, 90);
    let rows = audit_rows(&t).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.action == "site.setting" && r.reason == "Spam wave")
    );
    let page = root.get("/admin/audit").await.body;
    assert!(page.contains("changed the setting <bdi>review_interval_days</bdi> from <bdi>365</bdi> to <bdi>90</bdi>"), "{page}");
}
