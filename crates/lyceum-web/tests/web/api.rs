//! The JSON API: stable paths, the OpenAPI document, session-cookie authentication.

use crate::support::*;
use axum::http::StatusCode;

#[tokio::test]
async fn openapi_document_describes_the_stable_paths() {
    let t = TestApp::new().await;
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/courses",
        "/api/v1/courses/{course_id}",
        "/api/v1/me/enrollments",
        "/api/v1/courses/{course_id}/enrollment",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    assert!(paths["/api/v1/courses/{course_id}/enrollment"]["post"].is_object());
    assert!(paths["/api/v1/courses/{course_id}/enrollment"]["delete"].is_object());
    assert!(doc["components"]["schemas"]["CourseDetail"].is_object());
}

#[tokio::test]
async fn catalog_and_course_detail() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    let mut c = t.client();
    let list = c.get("/api/v1/courses?language=en").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let course = &list[0];
    assert_eq!(course["id"], KEY);
    assert_eq!(course["organization"]["slug"], "TESTORG");
    assert_eq!(course["effort"]["hours_per_week"], 2.0);
    assert_eq!(course["license"]["id"], "CC-BY-SA-4.0");
    assert_eq!(course["start"], "2026-09-01T00:00:00Z");
    assert_eq!(
        c.get("/api/v1/courses?language=fr")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let d = c.get(&format!("/api/v1/courses/{KEY}")).await.json();
    assert_eq!(d["enrolled"], serde_json::Value::Null, "anonymous");
    assert_eq!(
        d["outline"].as_array().unwrap().len(),
        2,
        "the unreleased section is not listed"
    );
    let unit = &d["outline"][0]["subsections"][0]["units"][0];
    assert_eq!(unit["url_name"], "s1-1-1");
    let kinds: Vec<_> = unit["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "video"]);
    assert!(unit["blocks"][0]["id"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn enrolment_through_the_api_with_the_login_cookie() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.user("api", false).await;
    let mut c = t.client();
    assert_eq!(
        c.post_empty(&format!("/api/v1/courses/{KEY}/enrollment"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = c
        .post_form("/login", &[("username", "api"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c
        .post_empty(&format!("/api/v1/courses/{KEY}/enrollment"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({"course_id": KEY, "enrolled": true})
    );
    assert_eq!(
        c.post_empty(&format!("/api/v1/courses/{KEY}/enrollment"))
            .await
            .status,
        StatusCode::OK,
        "idempotent"
    );
    // The unit page and the report its script sends when it is shown.
    c.get(&unit_path("s1-1-2")).await;
    c.post_empty(&format!("{}/seen", unit_path("s1-1-2"))).await;
    let mine = c.get("/api/v1/me/enrollments").await.json();
    assert_eq!(mine[0]["course"]["id"], KEY);
    assert_eq!(mine[0]["progress"]["completed_units"], 1);
    assert_eq!(mine[0]["progress"]["total_units"], 4);
    assert_eq!(mine[0]["progress"]["percent"], 25);
    assert_eq!(mine[0]["resume_url"], unit_path("s1-1-2"));
    let d = c.get(&format!("/api/v1/courses/{KEY}")).await.json();
    assert_eq!(d["enrolled"], true);
    assert_eq!(
        d["outline"][0]["subsections"][0]["units"][1]["completed"],
        true
    );
    let r = c.delete(&format!("/api/v1/courses/{KEY}/enrollment")).await;
    assert_eq!(r.json()["enrolled"], false);
    assert_eq!(
        c.get("/api/v1/me/enrollments")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        c.get("/api/v1/courses/course-v1:NO+SUCH+COURSE")
            .await
            .json()["error"]["code"],
        "lyceum-error-not-found"
    );
}

/// `/healthz` says the process is alive and nothing more: it asks nothing of the
/// database, so a database outage makes nodes unready (`/readyz`), not restarted.
#[tokio::test]
async fn health_check() {
    let t = TestApp::new().await;
    let before = t.queries();
    let r = t.client().get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
    assert_eq!(t.queries(), before, "no statement");
    // A closed pool (PostgreSQL's can be closed; SQLite's cannot): alive, not ready.
    if t.store.backend() == lyceum_store::Backend::Postgres {
        t.store.close().await;
        assert_eq!(
            t.client().get("/readyz").await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let r = t.client().get("/healthz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["status"], "ok");
    }
}

/// `/readyz`: ready while the database answers and the media store takes a file; a media
/// volume that went away makes the node unready (503, naming it), not silently recreated.
#[tokio::test]
async fn readiness_names_what_is_missing() {
    let t = TestApp::new().await;
    let r = t.client().get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "ready", "database": "ok", "media": "ok"})
    );
    // A bucket that goes away: media::readiness_on_s3_names_a_bucket_that_went_away.
    let Some(root) = t.media.local_root().map(|r| r.to_path_buf()) else {
        return;
    };
    std::fs::remove_dir_all(&root).unwrap();
    let r = t.client().get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["database"], "ok");
    assert_eq!(r.json()["media"], "unavailable");
    assert!(!root.exists(), "the check does not recreate the store");
    // Alive all the same: a load balancer restarts only what /healthz fails.
    assert_eq!(t.client().get("/healthz").await.status, StatusCode::OK);
}
