//! Cross-site request forgery, security headers, hostile input.

use crate::support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("ann", false).await;
    let mut c = t.login("ann").await;
    let enroll = format!("/courses/{KEY}/enroll");
    let r = c
        .post_form_with(&enroll, &[], &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("came from another website"));
    let r = c
        .post_form_with(&enroll, &[], &[("sec-fetch-site", "same-site")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a sibling subdomain is not this site"
    );
    // Older browsers without Fetch Metadata: the Origin decides.
    let r = c
        .request(
            axum::http::Method::POST,
            &enroll,
            axum::body::Body::empty(),
            None,
            &[
                ("sec-fetch-site", "none"),
                ("origin", "https://evil.example"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "sec-fetch-site none is a user navigation"
    );
    let mut db = t.store.conn().await.unwrap();
    lyceum_store::repo::learner::unenroll(&mut db, u, course, 0)
        .await
        .unwrap();
    let mut old = t.login("ann").await;
    let r = old
        .request(
            axum::http::Method::POST,
            &enroll,
            axum::body::Body::empty(),
            None,
            &[("sec-fetch-site", ""), ("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        !c.get("/dashboard").await.body.contains("Sample course"),
        "not enrolled by the forged requests"
    );
    let r = old
        .request(
            axum::http::Method::POST,
            &enroll,
            axum::body::Body::empty(),
            None,
            &[("sec-fetch-site", ""), ("origin", "http://lyceum.test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "same origin passes");
}

#[tokio::test]
async fn api_clients_without_browser_headers_are_not_blocked() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.user("bot", false).await;
    let mut c = t.login("bot").await;
    // Like curl: no Sec-Fetch-Site, no Origin.
    let r = c
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/courses/{KEY}/enrollment"),
            axum::body::Body::empty(),
            None,
            &[("sec-fetch-site", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["enrolled"], true);
    let r = c
        .request(
            axum::http::Method::DELETE,
            &format!("/api/v1/courses/{KEY}/enrollment"),
            axum::body::Body::empty(),
            None,
            &[("sec-fetch-site", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn every_page_carries_security_headers() {
    let t = TestApp::new().await;
    let r = t.client().get("/").await;
    let csp = r.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(r.header("x-frame-options"), "DENY");
    assert!(!r.body.contains("<script>"), "no inline script");
    assert!(!r.body.contains(" style="), "no inline styles (CSP)");
}

#[tokio::test]
async fn author_html_is_sanitised_and_titles_escaped() {
    let t = TestApp::new().await;
    let mut spec = sample_course("XSS", true);
    spec["title"] = "<script>alert(1)</script> & co".into();
    spec["sections"][0]["subsections"][0]["units"][1]["blocks"][0] = serde_json::json!({"kind": "text", "html": "<p onclick=\"x()\">Hi<script>alert(2)</script><img src=x onerror=alert(3)></p>"});
    let course = t.seed(spec).await;
    let u = t.user("xss", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("xss").await;
    let cat = c.get("/").await.body;
    assert!(
        cat.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; co"),
        "title escaped"
    );
    assert!(!cat.contains("<script>alert"));
    let unit = c
        .get("/courses/course-v1:TESTORG+XSS+2026/unit/s1-1-2")
        .await
        .body;
    assert!(unit.contains("<p>Hi<img src=\"x\"></p>"), "{unit}");
    assert!(!unit.contains("onclick") && !unit.contains("onerror") && !unit.contains("alert(2)"));
}

#[tokio::test]
async fn malformed_requests_get_clear_errors_and_change_nothing() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.user("mal", false).await;
    let mut c = t.login("mal").await;
    let r = c
        .post_form(
            &format!("{}/done", unit_path("s1-1-1")),
            &[("wrong", "field")],
        )
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY
            || r.status == StatusCode::BAD_REQUEST
            || r.status == StatusCode::SEE_OTHER,
        "{}",
        r.status
    );
    let r = c
        .post_form("/language", &[("lang", "xx-nonsense"), ("return_to", "/")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("is not a valid language code"));
    let r = c
        .post_json(
            "/api/v1/blocks/1/progress",
            serde_json::json!({"ranges": "nope"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-bad-progress");
}

/// Every state-changing route of the site and its API (method, path as in `routes.rs`).
const STATE_CHANGING: &[(&str, &str)] = &[
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/preferences"),
    ("POST", "/preferences/calendar"),
    ("POST", "/language"),
    ("POST", "/courses/{key}/enroll"),
    ("POST", "/courses/{key}/unenroll"),
    ("POST", "/courses/{key}/unit/{unit}/bookmark"),
    ("POST", "/courses/{key}/unit/{unit}/done"),
    ("POST", "/courses/{key}/unit/{unit}/seen"),
    ("POST", "/courses/{key}/problem/{block}"),
    ("POST", "/courses/{key}/open-response/{block}"),
    ("POST", "/courses/{key}/survey/{block}"),
    ("POST", "/courses/{key}/open-response/{block}/files"),
    ("POST", "/courses/{key}/open-response/{block}/peer-review"),
    (
        "POST",
        "/courses/{key}/open-response/{block}/peer-review/next",
    ),
    ("POST", "/notifications/read"),
    ("POST", "/courses/{key}/fork"),
    ("POST", "/api/v1/courses/{course_id}/fork"),
    (
        "PUT",
        "/api/v1/courses/{course_id}/translations/{lang}/segments/{segment_id}",
    ),
    (
        "POST",
        "/api/v1/courses/{course_id}/translations/{lang}/publish",
    ),
    (
        "DELETE",
        "/api/v1/courses/{course_id}/translations/{lang}/publish",
    ),
    ("PUT", "/api/v1/courses/{course_id}/translations/{file}"),
    ("PUT", "/api/v1/me/courses/{course_id}/content-language"),
    ("POST", "/courses/{key}/content-language"),
    ("POST", "/courses/{key}/translate"),
    ("POST", "/courses/{key}/translate/settings"),
    ("POST", "/courses/{key}/translate/{lang}/publish"),
    ("POST", "/courses/{key}/translate/{lang}/segments/{segment}"),
    ("POST", "/courses/{key}/translate/{lang}/subtitles"),
    ("POST", "/courses/{key}/translate/{lang}/xliff"),
    ("POST", "/courses/{key}/move"),
    ("POST", "/api/v1/courses/{course_id}/move"),
    ("POST", "/notifications/{id}/open"),
    (
        "POST",
        "/courses/{key}/instructor/learners/{learner}/problems/{block}",
    ),
    ("POST", "/courses/{key}/instructor/problems/{block}/rescore"),
    ("POST", "/courses/{key}/instructor/grading"),
    (
        "POST",
        "/courses/{key}/instructor/open-responses/{block}/settings",
    ),
    (
        "POST",
        "/courses/{key}/instructor/open-responses/{block}/copy-rubric",
    ),
    ("POST", "/courses/{key}/instructor/submissions/{id}/lock"),
    ("POST", "/courses/{key}/instructor/submissions/{id}/assess"),
    ("POST", "/courses/{key}/instructor/submissions/{id}/return"),
    ("POST", "/courses/{key}/instructor/submissions/{id}/excuse"),
    (
        "POST",
        "/courses/{key}/instructor/submissions/{id}/cancel-assessment",
    ),
    ("POST", "/courses/{key}/instructor/submissions/{id}/release"),
    ("POST", "/courses/{key}/instructor/import"),
    ("POST", "/import"),
    ("POST", "/api/v1/courses/{course_id}/enrollment"),
    ("DELETE", "/api/v1/courses/{course_id}/enrollment"),
    ("POST", "/api/v1/problems/{block_id}/submit"),
    ("POST", "/api/v1/blocks/{block_id}/progress"),
    ("PUT", "/api/v1/open-responses/{block_id}/draft"),
    ("PUT", "/api/v1/surveys/{block_id}/response"),
    ("POST", "/courses/{key}/wiki-task/{block}/check"),
    ("POST", "/api/v1/wiki-tasks/{block_id}/check"),
    (
        "POST",
        "/courses/{key}/instructor/wiki-activity/{username}/confirm",
    ),
    ("POST", "/api/v1/open-responses/{block_id}/submit"),
    ("POST", "/api/v1/open-responses/{block_id}/attachments"),
    (
        "DELETE",
        "/api/v1/open-responses/{block_id}/attachments/{id}",
    ),
    ("POST", "/api/v1/open-responses/{block_id}/peer-review"),
    ("POST", "/api/v1/open-responses/{block_id}/peer-review/next"),
    ("POST", "/api/v1/open-responses/{block_id}/self-review"),
    (
        "POST",
        "/api/v1/open-responses/assessments/{assessment_id}/cancel",
    ),
    ("POST", "/api/v1/submissions/{submission_id}/lock"),
    ("DELETE", "/api/v1/submissions/{submission_id}/lock"),
    (
        "POST",
        "/api/v1/submissions/{submission_id}/staff-assessment",
    ),
    ("POST", "/api/v1/submissions/{submission_id}/return"),
    ("POST", "/api/v1/submissions/{submission_id}/peer-excuse"),
    ("POST", "/api/v1/me/notifications/read"),
    ("POST", "/courses/new"),
    ("POST", "/courses/about-preview"),
    ("POST", "/courses/{key}/settings"),
    ("POST", "/courses/{key}/status"),
    ("POST", "/courses/{key}/rerun"),
    ("POST", "/courses/{key}/team"),
    ("POST", "/courses/{key}/team/remove"),
    ("POST", "/courses/{key}/review"),
    ("POST", "/api/v1/courses"),
    ("PUT", "/api/v1/courses/{course_id}/team/{username}"),
    ("DELETE", "/api/v1/courses/{course_id}/team/{username}"),
    ("POST", "/signup"),
    ("POST", "/api/v1/accounts"),
    ("POST", "/email/verify/{token}"),
    ("POST", "/preferences/email/resend"),
    ("POST", "/password/reset"),
    ("POST", "/password/reset/{token}"),
    ("POST", "/preferences/password"),
    ("POST", "/preferences/wikimedia/link"),
    ("POST", "/preferences/wikimedia/unlink"),
    ("POST", "/preferences/delete"),
    ("POST", "/admin/users/{username}/delete"),
    ("POST", "/api/v1/courses/{course_id}/blocks"),
    ("POST", "/api/v1/courses/{course_id}/publish"),
    ("POST", "/api/v1/courses/{course_id}/discard"),
    ("PATCH", "/api/v1/blocks/{block_id}"),
    ("DELETE", "/api/v1/blocks/{block_id}"),
    ("POST", "/api/v1/blocks/{block_id}/restore"),
    ("POST", "/api/v1/blocks/{block_id}/duplicate"),
    ("POST", "/courses/{key}/studio/unit/{unit}/add"),
    ("POST", "/courses/{key}/studio/unit/{unit}/rename"),
    ("POST", "/courses/{key}/studio/block/{block}"),
    ("POST", "/courses/{key}/studio/block/{block}/preview"),
    ("POST", "/courses/{key}/studio/block/{block}/autosave"),
    ("POST", "/courses/{key}/studio/block/{block}/move"),
    ("POST", "/courses/{key}/studio/block/{block}/duplicate"),
    ("POST", "/courses/{key}/studio/block/{block}/delete"),
    ("POST", "/courses/{key}/problem/{block}/check"),
    ("POST", "/courses/{key}/studio/files"),
    ("POST", "/admin/orgs"),
    ("POST", "/admin/users/{username}/block"),
    ("POST", "/admin/users/{username}/unblock"),
    ("POST", "/admin/users/{username}/admin"),
    ("POST", "/admin/users/{username}/creator"),
    ("POST", "/admin/users/{username}/trust"),
    ("POST", "/admin/users/{username}/untrust"),
    ("POST", "/code-of-conduct"),
    ("POST", "/api/v1/users/{username}/trust"),
    ("POST", "/admin/settings"),
    ("POST", "/admin/jobs/{id}/retry"),
    ("POST", "/orgs/{slug}/edit"),
    ("POST", "/orgs/{slug}/logo"),
    ("POST", "/orgs/{slug}/logo/remove"),
    ("POST", "/orgs/{slug}/people"),
    ("POST", "/orgs/{slug}/people/{username}/role"),
    ("POST", "/orgs/{slug}/people/{username}/remove"),
    ("POST", "/orgs/{slug}/people/{username}/trust"),
    ("POST", "/courses/{key}/studio/outline/add"),
    ("POST", "/courses/{key}/studio/outline/{block}/rename"),
    ("POST", "/courses/{key}/studio/outline/{block}/move"),
    ("POST", "/courses/{key}/studio/outline/{block}/settings"),
    ("POST", "/courses/{key}/studio/outline/{block}/duplicate"),
    ("POST", "/courses/{key}/studio/outline/{block}/delete"),
    ("POST", "/courses/{key}/studio/publish"),
    ("POST", "/courses/{key}/studio/discard"),
    (
        "POST",
        "/courses/{key}/studio/history/{block}/{revision}/restore",
    ),
    // Upstream sync (`api/upstream.rs`, `handlers/studio/upstream.rs`).
    ("POST", "/api/v1/courses/{course_id}/upstream/pull"),
    ("POST", "/api/v1/courses/{course_id}/upstream/resolve"),
    ("POST", "/courses/{key}/studio/upstream/pull"),
    ("POST", "/courses/{key}/studio/upstream/{block}/resolve"),
    // Moderation: reports, the queue's actions, appeals, the site moderator grant.
    ("POST", "/report"),
    ("POST", "/moderation/act"),
    ("POST", "/appeals"),
    ("POST", "/admin/users/{username}/moderator"),
    ("POST", "/people/{username}/unsuspend"),
    ("POST", "/api/v1/reports"),
    ("POST", "/api/v1/moderation/actions"),
    // Discussion moderation (issue 15: `handlers/discussion_moderation.rs`,
    // `api/discussion_moderation.rs`).
    ("POST", "/courses/{key}/discussion/moderation/mutes"),
    (
        "POST",
        "/courses/{key}/discussion/moderation/mutes/{id}/lift",
    ),
    (
        "POST",
        "/courses/{key}/discussion/moderation/posts/{post}/{action}",
    ),
    (
        "POST",
        "/courses/{key}/discussion/moderation/threads/{thread}/{action}",
    ),
    (
        "POST",
        "/courses/{key}/discussion/moderation/reports/{post}/dismiss",
    ),
    ("POST", "/courses/{key}/discussion/review/{post}/{decision}"),
    ("POST", "/courses/{key}/discussion/settings"),
    ("POST", "/api/v1/courses/{course_id}/discussions/mutes"),
    (
        "POST",
        "/api/v1/courses/{course_id}/discussions/mutes/{id}/lift",
    ),
    (
        "DELETE",
        "/api/v1/courses/{course_id}/discussions/mutes/{id}",
    ),
    ("PUT", "/api/v1/courses/{course_id}/discussions/settings"),
    ("POST", "/api/v1/posts/{post_id}/hide"),
    ("POST", "/api/v1/posts/{post_id}/unhide"),
    ("POST", "/api/v1/posts/{post_id}/delete"),
    ("POST", "/api/v1/posts/{post_id}/restore"),
    ("POST", "/api/v1/posts/{post_id}/approve"),
    ("POST", "/api/v1/posts/{post_id}/reject"),
    ("POST", "/api/v1/threads/{thread_id}/lock"),
    ("POST", "/api/v1/threads/{thread_id}/unlock"),
    // Course discussions (issue 15).
    ("POST", "/api/v1/courses/{course_id}/discussions/threads"),
    ("POST", "/api/v1/threads/{thread_id}/replies"),
    ("POST", "/api/v1/threads/{thread_id}/read"),
    ("POST", "/api/v1/posts/{post_id}/vote"),
    ("POST", "/api/v1/posts/{post_id}/answer"),
    ("POST", "/api/v1/posts/{post_id}/follow"),
    ("POST", "/courses/{key}/discussion/new"),
    ("POST", "/courses/{key}/discussion/topics"),
    ("POST", "/courses/{key}/discussion/threads/{id}"),
    ("POST", "/courses/{key}/discussion/posts/{post}"),
    // Messages, announcements and notification settings (issue 15).
    ("POST", "/messages/{username}"),
    ("POST", "/messages/{username}/read"),
    ("POST", "/messages/{username}/block"),
    ("POST", "/messages/{username}/unblock"),
    ("POST", "/messages/{username}/report/{id}"),
    ("POST", "/api/v1/messages"),
    ("POST", "/api/v1/messages/{username}/read"),
    ("POST", "/api/v1/messages/blocks"),
    ("DELETE", "/api/v1/messages/blocks/{username}"),
    ("POST", "/api/v1/messages/blocks/{username}/unblock"),
    ("POST", "/api/v1/messages/unblock"),
    ("POST", "/api/v1/messages/reports"),
    ("POST", "/courses/{key}/instructor/announcements"),
    (
        "POST",
        "/courses/{key}/instructor/announcements/{id}/delete",
    ),
    ("POST", "/api/v1/courses/{course_id}/announcements"),
    ("DELETE", "/api/v1/courses/{course_id}/announcements/{id}"),
    ("POST", "/preferences/notifications"),
];

/// The (method, path) of every route in `routes.rs` and the kinds' modules that is not a GET.
fn state_changing_routes_in_the_router() -> Vec<(String, String)> {
    // Every source file of the crate: `routes.rs`, the block kinds' modules (merged in by
    // the kind registry) and the areas that keep their routes beside their handlers.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // One source per file: a route's chunk ends with its file, never runs into the next.
    let mut sources = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut found = Vec::new();
    for chunk in sources.iter().flat_map(|s| s.split(".route(").skip(1)) {
        // Only the call's own arguments: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = chunk
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(chunk.len(), |(i, _)| i);
        let chunk = &chunk[..end];
        let Some(path) = chunk.split('"').nth(1) else {
            continue;
        };
        for method in ["post", "put", "delete", "patch"] {
            let call = format!("{method}(");
            let used = chunk.match_indices(&call).any(|(i, _)| {
                !chunk[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if used {
                found.push((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    found.sort();
    found
}

/// Everything stored: every row of every table, as text, sorted per table.
async fn database_snapshot(t: &TestApp) -> Vec<(String, Vec<String>)> {
    use lyceum_store::{Backend, Db, q, q_built};
    let mut c = t.store.conn().await.unwrap();
    let tables: Vec<(String,)> = match t.store.backend() {
        Backend::Sqlite => c
            .all(q(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            ))
            .await
            .unwrap(),
        Backend::Postgres => c
            .all(q(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
                    WHERE table_schema = current_schema() ORDER BY 1",
            ))
            .await
            .unwrap(),
    };
    let mut out = Vec::new();
    for (table,) in tables {
        let rows = c
            .rows(q_built(format!("SELECT * FROM {table}")))
            .await
            .unwrap();
        let mut rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
        rows.sort();
        out.push((table, rows));
    }
    out
}

/// A browser carrying a session cookie, sent by another site to every state-changing route
/// (by Fetch Metadata, or only by `Origin` in older browsers): each is refused before its
/// handler runs, and nothing stored changes.
#[tokio::test]
async fn cross_site_requests_to_every_state_changing_route_are_refused() {
    let mut table: Vec<(String, String)> = STATE_CHANGING
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    table.sort();
    assert_eq!(
        state_changing_routes_in_the_router(),
        table,
        "a state-changing route was added or removed: list it in STATE_CHANGING"
    );

    let t = TestApp::new().await;
    let course = t.seed(quiz_course("T101")).await;
    let other = t.seed(sample_course("OTHER", true)).await;
    let ids = t.block_ids(course).await;
    // The most powerful cookie there is: a site admin who teaches and studies the course.
    let root = t.user("root", true).await;
    t.enroll(root, course).await;
    t.make_staff(
        root,
        course,
        lyceum_core::permissions::CourseRole::Instructor,
    )
    .await;
    let mut c = t.login("root").await;
    let problem = ids["s1-1-1-1"];
    let fill = |p: &str| {
        p.replace("{key}", KEY)
            .replace("{course_id}", KEY)
            .replace("{unit}", "s1-1-1")
            .replace("{block}", &problem.to_string())
            .replace("{block_id}", &problem.to_string())
            .replace("{learner}", &root.0.to_string())
            .replace("{id}", "1")
            .replace("{submission_id}", "1")
            .replace("{assessment_id}", "1")
            .replace("{token}", "forged-token")
            .replace("{username}", "root")
            .replace("{slug}", "TESTORG")
    };
    let form = "display_name=Forged&language=fr&lang=fr&return_to=%2F&username=root\
                &password=correct+horse+battery&s1-1-1-1_2_1=CC0&action=submit";
    let json = serde_json::json!({
        "text": "forged", "answers": {"s1-1-1-1_2_1": "forged"},
        "ranges": [[0.0, 1.0]], "duration": 9.0, "position": 1.0,
        "criteria": {}, "overall_feedback": "forged", "note": "forged"
    })
    .to_string();
    let before = database_snapshot(&t).await;
    let senders: [&[(&str, &str)]; 4] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("sec-fetch-site", ""), ("origin", "https://evil.example")],
        &[("sec-fetch-site", ""), ("origin", "null")],
    ];
    for (method, template) in STATE_CHANGING {
        let path = fill(template);
        let api = path.starts_with("/api/");
        for extra in senders {
            let (body, content_type) = if api {
                (json.clone(), "application/json")
            } else {
                (form.to_owned(), "application/x-www-form-urlencoded")
            };
            let r = c
                .request(
                    axum::http::Method::from_bytes(method.as_bytes()).unwrap(),
                    &path,
                    axum::body::Body::from(body),
                    Some(content_type),
                    extra,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path} {extra:?}");
            if api {
                assert_eq!(r.json()["error"]["code"], "lyceum-error-csrf", "{path}");
            } else {
                assert!(r.body.contains("came from another website"), "{path}");
            }
            assert!(
                r.set_cookies().is_empty(),
                "{method} {path}: no cookie changes"
            );
        }
    }
    assert_eq!(
        database_snapshot(&t).await,
        before,
        "nothing stored changed"
    );
    assert!(
        c.get("/dashboard").await.body.contains("Quiz course T101"),
        "still logged in"
    );

    // The snapshot does see changes: the same request from this site enrols.
    let r = c
        .post_empty(&format!(
            "/api/v1/courses/{}/enrollment",
            "course-v1:TESTORG+OTHER+2026"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(database_snapshot(&t).await, before);
    let _ = other;
}
