//! Who may see what, over HTTP: anonymous, an enrolled learner, another learner, course
//! staff and a site admin, for each kind of page and API call. Private things are 404
//! to those who may not know they exist.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;

const WHO: [&str; 5] = ["anonymous", "learner", "other", "staff", "admin"];

struct World {
    t: TestApp,
    clients: Vec<Client>,
    video_block: i64,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let draft = t.seed(sample_course("DRAFT", false)).await;
    let learner = t.user("learner", false).await;
    t.user("other", false).await;
    let staff = t.user("staff", false).await;
    t.user("admin", true).await;
    t.enroll(learner, course).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    t.make_staff(staff, draft, CourseRole::Staff).await;
    let mut clients = vec![t.client()];
    for name in &WHO[1..] {
        clients.push(t.login(name).await);
    }
    let detail = clients[1]
        .get(&format!("/api/v1/courses/{KEY}"))
        .await
        .json();
    let video_block = detail["outline"][0]["subsections"][0]["units"][0]["blocks"][1]["id"]
        .as_i64()
        .unwrap();
    World {
        t,
        clients,
        video_block,
    }
}

/// Expected outcome per actor: a status, with `"login"`/`"about"` for redirects.
async fn check(
    w: &mut World,
    what: &str,
    expected: [&str; 5],
    send: impl AsyncFn(&mut Client) -> Resp,
) {
    for (i, want) in expected.iter().enumerate() {
        let r = send(&mut w.clients[i]).await;
        let got = match r.status {
            StatusCode::SEE_OTHER if r.location().starts_with("/login") => "login".to_string(),
            StatusCode::SEE_OTHER if r.location().ends_with("/about") => "about".to_string(),
            s => s.as_u16().to_string(),
        };
        assert_eq!(got, *want, "{what} as {}", WHO[i]);
    }
}

#[tokio::test]
async fn pages_matrix() {
    let mut w = world().await;
    let draft = "course-v1:TESTORG+DRAFT+2026";
    check(&mut w, "about", ["200"; 5], async |c| {
        c.get(&format!("/courses/{KEY}/about")).await
    })
    .await;
    check(
        &mut w,
        "unpublished about",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&format!("/courses/{draft}/about")).await,
    )
    .await;
    check(
        &mut w,
        "courseware",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/courseware")).await,
    )
    .await;
    check(
        &mut w,
        "unit",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&unit_path("s1-1-1")).await,
    )
    .await;
    check(
        &mut w,
        "unreleased unit",
        // The enrolled learner is told when it opens (not what it holds: see pages.rs).
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&unit_path("s3-1-1")).await,
    )
    .await;
    check(
        &mut w,
        "unpublished unit",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&format!("/courses/{draft}/unit/s1-1-1")).await,
    )
    .await;
    check(
        &mut w,
        "bookmarks",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/bookmarks")).await,
    )
    .await;
    check(
        &mut w,
        "dates",
        ["login", "200", "about", "200", "200"],
        async |c| c.get(&format!("/courses/{KEY}/dates")).await,
    )
    .await;
    check(
        &mut w,
        "dashboard",
        ["login", "200", "200", "200", "200"],
        async |c| c.get("/dashboard").await,
    )
    .await;
    check(
        &mut w,
        "preferences",
        ["login", "200", "200", "200", "200"],
        async |c| c.get("/preferences").await,
    )
    .await;
    check(
        &mut w,
        "enrol in unpublished",
        ["404", "404", "404", "303", "303"],
        async |c| c.post_empty(&format!("/courses/{draft}/enroll")).await,
    )
    .await;
}

#[tokio::test]
async fn api_matrix() {
    let mut w = world().await;
    let draft = "course-v1:TESTORG+DRAFT+2026";
    check(&mut w, "api catalog", ["200"; 5], async |c| {
        c.get("/api/v1/courses").await
    })
    .await;
    check(
        &mut w,
        "api unpublished course",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&format!("/api/v1/courses/{draft}")).await,
    )
    .await;
    check(
        &mut w,
        "api my enrolments",
        ["401", "200", "200", "200", "200"],
        async |c| c.get("/api/v1/me/enrollments").await,
    )
    .await;
    check(
        &mut w,
        "api my deadlines",
        ["401", "200", "200", "200", "200"],
        async |c| c.get("/api/v1/me/deadlines").await,
    )
    .await;
    check(
        &mut w,
        "api me",
        ["401", "200", "200", "200", "200"],
        async |c| c.get("/api/v1/me").await,
    )
    .await;
    let progress = format!("/api/v1/blocks/{}/progress", w.video_block);
    let body = serde_json::json!({"ranges": [[0.0, 1.0]], "duration": 9.0, "position": 1.0});
    // Progress is the learner's own record: only someone enrolled can have one.
    check(
        &mut w,
        "api video progress",
        ["401", "200", "404", "404", "404"],
        async |c| c.post_json(&progress, body.clone()).await,
    )
    .await;
    check(
        &mut w,
        "api enrol in unpublished",
        ["404", "404", "404", "200", "200"],
        async |c| {
            c.post_empty(&format!("/api/v1/courses/{draft}/enrollment"))
                .await
        },
    )
    .await;
    check(
        &mut w,
        "api enrol",
        ["401", "200", "200", "200", "200"],
        async |c| {
            c.post_empty(&format!("/api/v1/courses/{KEY}/enrollment"))
                .await
        },
    )
    .await;
    // The admin sees unpublished courses in the catalog, learners do not.
    let ids = |r: Resp| {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(!ids(w.clients[1].get("/api/v1/courses").await).contains(&draft.to_owned()));
    assert!(ids(w.clients[4].get("/api/v1/courses").await).contains(&draft.to_owned()));
    let _ = &w.t;
}

#[tokio::test]
async fn unpublished_media_is_private() {
    let mut w = world().await;
    let draft = "course-v1:TESTORG+DRAFT+2026";
    let page = w.clients[3]
        .get(&format!("/courses/{draft}/unit/s1-1-1"))
        .await
        .body;
    let src = page.split("<source src=\"").nth(1).unwrap();
    let url = src[..src.find('"').unwrap()].to_string();
    assert!(url.starts_with(&format!("/courses/{draft}/media/")));
    check(
        &mut w,
        "unpublished media",
        ["404", "404", "404", "200", "200"],
        async |c| c.get(&url).await,
    )
    .await;
}
