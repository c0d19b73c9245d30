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
