//! Video and subtitle files: byte ranges, caching, downloads, and watch progress.

use crate::support::*;
use axum::http::StatusCode;

async fn media_url(c: &mut Client, ext: &str) -> String {
    let page = c.get(&unit_path("s1-1-1")).await.body;
    let at = page.find(&format!(".{ext}\"")).unwrap();
    let start = page[..at].rfind('"').unwrap() + 1;
    page[start..at + ext.len() + 1].to_string()
}

#[tokio::test]
async fn videos_are_served_in_ranges_with_long_caching() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("m", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("m").await;
    let url = media_url(&mut c, "webm").await;
    let full = c.get(&url).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(full.header("content-type"), "video/webm");
    assert_eq!(
        full.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(full.header("accept-ranges"), "bytes");
    assert_eq!(full.bytes, sample_media("intro.webm").unwrap());
    let part = c.get_with(&url, &[("range", "bytes=10-19")]).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.header("content-range"),
        format!("bytes 10-19/{}", full.bytes.len())
    );
    assert_eq!(part.bytes, &full.bytes[10..20]);
    let dl = c.get(&format!("{url}?download=1")).await;
    assert_eq!(
        dl.header("content-disposition"),
        "attachment; filename=\"intro.webm\""
    );
    // A stale or forged hash is not served.
    let wrong = url
        .replace("/media/", "/media/000000000000")
        .replacen("000000000000", "", 0);
    let parts: Vec<&str> = url.rsplitn(3, '/').collect();
    let forged = format!("{}/ffffffffffff/{}", parts[2], parts[0]);
    assert_eq!(c.get(&forged).await.status, StatusCode::NOT_FOUND);
    let _ = wrong;
}

#[tokio::test]
async fn subtitles_are_webvtt_even_when_the_author_gave_srt() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("s", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("s").await;
    let page = c.get(&unit_path("s1-1-1")).await.body;
    let at = page.find("intro.fr.vtt\"").unwrap();
    let start = page[..at].rfind('"').unwrap() + 1;
    let url = &page[start..at + "intro.fr.vtt".len()];
    let r = c.get(url).await;
    assert_eq!(r.header("content-type"), "text/vtt; charset=utf-8");
    assert!(
        r.body
            .starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nBienvenue dans le cours."),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn watching_ninety_percent_completes_the_video_and_the_unit() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("w", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("w").await;
    let detail = c.get(&format!("/api/v1/courses/{KEY}")).await.json();
    let video = detail["outline"][0]["subsections"][0]["units"][0]["blocks"][1]["id"]
        .as_i64()
        .unwrap();
    let url = format!("/api/v1/blocks/{video}/progress");
    c.get(&unit_path("s1-1-1")).await;
    let r = c
        .post_json(
            &url,
            serde_json::json!({"ranges": [[0.0, 4.0]], "duration": 9.0, "position": 4.0}),
        )
        .await;
    assert_eq!(
        r.json(),
        serde_json::json!({"watched_fraction": 0.444, "complete": false})
    );
    // The same seconds again do not count twice.
    let r = c
        .post_json(
            &url,
            serde_json::json!({"ranges": [[0.0, 4.0]], "duration": 9.0}),
        )
        .await;
    assert_eq!(r.json()["complete"], false);
    let r = c
        .post_json(
            &url,
            serde_json::json!({"ranges": [[4.0, 8.2]], "duration": 9.0, "position": 8.2}),
        )
        .await;
    assert_eq!(r.json()["complete"], true);
    let page = c.get(&unit_path("s1-1-1")).await.body;
    assert!(
        page.contains("You completed this unit"),
        "text seen + video watched"
    );
    assert!(
        page.contains(r#"data-position="8.2""#),
        "resume from where playback stopped"
    );
    for bad in [
        serde_json::json!({"ranges": [], "duration": -1.0}),
        serde_json::json!({"ranges": [], "duration": 1e12}),
        serde_json::json!({"duration": 9.0}),
    ] {
        assert_eq!(c.post_json(&url, bad).await.status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        c.post_json(
            "/api/v1/blocks/999999/progress",
            serde_json::json!({"ranges": [], "duration": 9.0})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

/// With `media_signed_urls` a bucket's files are not streamed through the node: the
/// node checks who asks, then redirects to a short-lived presigned URL that nobody may
/// cache, and that URL alone fetches the bytes from the object store.
#[tokio::test]
async fn signed_urls_redirect_to_the_bucket_after_the_permission_check() {
    let Some(t) = TestApp::with_s3(|c| c.media_signed_urls = true).await else {
        return;
    };
    let course = t.seed_sample().await;
    let u = t.user("sig", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("sig").await;
    let url = media_url(&mut c, "webm").await;
    let r = c.get(&url).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("cache-control"), "private, no-store");
    let location = r.header("location").to_string();
    assert!(
        location.starts_with("http://127.0.0.1:"),
        "a URL of the object store: {location}"
    );
    let fetched = reqwest::get(&location).await.unwrap();
    assert_eq!(fetched.status(), reqwest::StatusCode::OK);
    assert_eq!(
        fetched.bytes().await.unwrap().to_vec(),
        sample_media("intro.webm").unwrap()
    );

    // The URL comes only after the permission check: once the course is a draft again,
    // someone not on its team gets a 404, not a URL.
    let mut db = t.store.conn().await.unwrap();
    lyceum_store::repo::courses::set_published(&mut db, course, false, 0)
        .await
        .unwrap();
    drop(db);
    t.user("outsider", false).await;
    let mut o = t.login("outsider").await;
    let r = o.get(&url).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.headers.get("location").is_none());
}

/// `/readyz` on a bucket: ready while the object store answers; once it is gone, 503
/// naming the media (the database is still fine), and the node stays alive.
#[tokio::test]
async fn readiness_on_s3_names_a_bucket_that_went_away() {
    let Some(mut t) = TestApp::with_s3(|_| {}).await else {
        return;
    };
    let r = t.client().get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json(),
        serde_json::json!({"status": "ready", "database": "ok", "media": "ok"})
    );
    assert!(t.media_guard.stop_s3());
    let r = t.client().get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["database"], "ok");
    assert_eq!(r.json()["media"], "unavailable");
    assert_eq!(t.client().get("/healthz").await.status, StatusCode::OK);
}
