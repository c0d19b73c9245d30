//! A GET never writes: every main page and API read, for a learner, the course team and an
//! admin, leaves the database as it was — even when a score has just become final with
//! time (it is recorded by the hourly job, not by whoever looks first) and when staff open
//! a response to grade (the lock is taken by "Start grading" or the first save), or a
//! learner opens a unit for the first time (the page reports it was seen by a POST).
//! Starting a Wikimedia login is checked in `oauth.rs` (it needs the stand-in provider).

use crate::support::*;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::open_responses as repo;
use serde_json::json;

fn course() -> serde_json::Value {
    json!({
        "org": "TESTORG", "code": "T101", "run": "2026", "language": "en",
        "title": "Peer essays", "short_description": "", "overview": "",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "grading": {"types": [{"name": "Homework", "min_count": 1, "weight": 1.0}], "cutoffs": {"Pass": 0.5}},
        "sections": [{"title": "Week 1", "subsections": [{"title": "Essays", "graded": true, "format": "Homework", "units": [
            {"title": "Essay unit", "blocks": [{
                "kind": "open_response", "title": "Peer essay", "prompts": ["Why?"],
                "steps": ["peer"],
                "peer": {"must_grade": 1, "graded_by": 2, "fallback_days": 3, "fallback": "drop"},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]}
        ]}]}]
    })
}

/// GET `path` and check that nothing was written (transactions begun or statements other
/// than reads), whatever the answer.
async fn reads_only(t: &TestApp, c: &mut Client, path: &str) {
    let before = t.store.write_count();
    let r = c.get(path).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "GET {path}: {}\n{}",
        r.status,
        r.body
    );
    assert_eq!(
        t.store.write_count(),
        before,
        "GET {path} wrote to the database"
    );
}

#[tokio::test]
async fn no_get_writes_on_the_main_pages() {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let block = t.block_ids(course).await["s1-1-1-1"];
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    t.user("root", true).await;
    let mut learners: Vec<(UserId, Client)> = Vec::new();
    for name in ["ana", "ben"] {
        let u = t.user(name, false).await;
        t.enroll(u, course).await;
        let mut c = t.login(name).await;
        let r = c
            .post_json(
                &format!("/api/v1/open-responses/{block}/submit"),
                json!({"text": format!("{name}'s essay")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        learners.push((u, c));
    }
    // Each reviews the other: one review each, two needed; the fallback drops the second
    // after three days.
    for (_, c) in &mut learners {
        let next = c
            .request(
                Method::POST,
                &format!("/api/v1/open-responses/{block}/peer-review/next"),
                axum::body::Body::empty(),
                None,
                &[],
            )
            .await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);
        let id = next.json()["submission_id"].clone();
        let r = c
            .post_json(
                &format!("/api/v1/open-responses/{block}/peer-review"),
                json!({"submission_id": id, "criteria": {"ideas": "wikilearn-good"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let (ana, mut ana_c) = learners.remove(0);
    let submission = {
        let mut c = t.store.conn().await.unwrap();
        repo::submissions_of(&mut c, ana, BlockId(block))
            .await
            .unwrap()[0]
            .id
    };
    let mut staff = t.login("teacher").await;
    let mut admin = t.login("root").await;
    // Time makes Ana's score final: nobody has recorded it yet.
    t.clock
        .advance(jiff::SignedDuration::from_hours(3 * 24 + 1));
    // One write a GET may cause, the session's own bookkeeping: its sliding expiry,
    // renewed at most once a day (three days passed). Done here, before counting. A
    // learner's first view of a unit is counted: it is recorded by the page's POST.
    for c in [&mut ana_c, &mut staff, &mut admin] {
        c.get("/").await;
    }
    // Ana's private calendar feed is made by a POST; reading it is a GET like any other.
    ana_c.post_form("/preferences/calendar", &[]).await;
    let prefs = ana_c.get("/preferences").await.body;
    let feed = {
        let at = prefs
            .find("http://lyceum.test/calendar/")
            .expect("feed URL shown");
        let url = &prefs[at..];
        url[..url.find('"').unwrap()]
            .trim_start_matches("http://lyceum.test")
            .to_owned()
    };
    let css = {
        let at = prefs.find("/static/").expect("stylesheet");
        let url = &prefs[at..];
        url[..url.find('"').unwrap()].to_owned()
    };

    let c = format!("/courses/{KEY}");
    let unit = t.block_ids(course).await["s1-1-1"];
    let learner_pages = [
        "/".to_owned(),
        "/dashboard".to_owned(),
        "/notifications".to_owned(),
        "/preferences".to_owned(),
        c.clone(),
        format!("{c}/about"),
        format!("{c}/courseware"),
        format!("{c}/unit/s1-1-1"),
        format!("{c}/open-response/{block}/peer-review"),
        format!("{c}/progress"),
        format!("{c}/dates"),
        format!("{c}/bookmarks"),
        format!("{c}/jump_to_id/s1-1-1"),
        feed.clone(),
        css.clone(),
        "/healthz".to_owned(),
        "/api/v1/me".to_owned(),
        "/api/v1/me/deadlines".to_owned(),
        "/api/v1/me/enrollments".to_owned(),
        "/api/v1/courses".to_owned(),
        format!("/api/v1/courses/{KEY}"),
        format!("/api/v1/me/courses/{KEY}/progress"),
        format!("/api/v1/open-responses/{block}/me"),
        format!("/api/v1/open-responses/{block}/peer-review/next"),
        "/api/v1/me/notifications".to_owned(),
        // Course discussions (issue 15).
        format!("{c}/discussion"),
        format!("{c}/discussion?filter=unread&q=word"),
        format!("{c}/discussion/new"),
        format!("{c}/discussion/mine"),
        format!("/api/v1/courses/{KEY}/discussions/topics"),
        format!("/api/v1/courses/{KEY}/discussions/threads"),
    ];
    for path in &learner_pages {
        reads_only(&t, &mut ana_c, path).await;
    }
    let staff_pages = [
        format!("{c}/discussion/topics"),
        c.clone(),
        format!("{c}/courseware"),
        format!("{c}/unit/s1-1-1"),
        format!("{c}/instructor/gradebook"),
        format!("{c}/instructor/learners/{}", ana.0),
        format!("{c}/instructor/problems"),
        format!("{c}/instructor/grading"),
        format!("{c}/instructor/open-responses"),
        format!("{c}/instructor/open-responses?block={block}&filter=all"),
        format!("{c}/instructor/submissions/{submission}"),
        format!("{c}/instructor/open-responses/{block}/settings"),
        format!("{c}/instructor/open-responses/{block}/scores.csv"),
        format!("{c}/instructor/open-responses/{block}/responses.zip"),
        format!("{c}/instructor/grades.csv"),
        format!("{c}/instructor/answers.csv"),
        format!("{c}/instructor/olx"),
        format!("{c}/studio"),
        format!("{c}/studio/history"),
        format!("{c}/studio/forks"),
        format!("{c}/studio/history/{block}"),
        format!("{c}/studio/history/{block}/1"),
        format!("{c}/studio/outline/{unit}/delete"),
        format!("{c}/studio/outline/{unit}/move"),
        format!("{c}/studio/discard"),
        format!("{c}/studio/preview"),
        format!("{c}/studio/preview/unit/s1-1-1"),
        format!("{c}/progress?learner={}", ana.0),
        format!("/api/v1/courses/{KEY}/open-responses/queue"),
        format!("/api/v1/submissions/{submission}"),
    ];
    for path in &staff_pages {
        reads_only(&t, &mut staff, path).await;
    }
    for path in [
        "/import",
        "/dashboard",
        "/",
        "/admin",
        "/admin/orgs",
        "/admin/users",
        "/admin/users/ana",
        "/admin/courses",
        "/admin/audit",
        "/admin/settings",
        "/admin/jobs",
        "/api/v1/admin/audit",
        "/orgs/TESTORG",
        "/orgs/TESTORG/edit",
        "/orgs/TESTORG/people",
    ] {
        reads_only(&t, &mut admin, path).await;
    }
    let mut visitor = t.client();
    for path in [
        "/".to_owned(),
        "/login".to_owned(),
        format!("{c}/about"),
        format!("{c}/courseware"),
        "/api/v1/courses".to_owned(),
        "/api/v1/openapi.json".to_owned(),
    ] {
        reads_only(&t, &mut visitor, &path).await;
    }

    // The pages showed the score as final, but the grade waits for the job that records
    // it (no page did it on the way).
    let progress = format!("/api/v1/me/courses/{KEY}/progress");
    let earned = |v: serde_json::Value| v["subsections"][0]["problems"][0]["earned"].clone();
    assert_eq!(earned(ana_c.get(&progress).await.json()), json!(0.0));
    let ran = lyceum_web::jobs::run_now(&t.app, lyceum_app::jobs::kind::SETTLE)
        .await
        .unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, lyceum_app::jobs::Outcome::Done);
    assert_eq!(earned(ana_c.get(&progress).await.json()), json!(2.0));
}

#[tokio::test]
async fn the_grading_lock_is_taken_by_a_post_not_by_opening_the_page() {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let block = t.block_ids(course).await["s1-1-1-1"];
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let ana = t.user("ana", false).await;
    t.enroll(ana, course).await;
    let mut ana_c = t.login("ana").await;
    let r = ana_c
        .post_json(
            &format!("/api/v1/open-responses/{block}/submit"),
            json!({"text": "An essay"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let submission = {
        let mut c = t.store.conn().await.unwrap();
        repo::submissions_of(&mut c, ana, BlockId(block))
            .await
            .unwrap()[0]
            .id
    };
    let page = format!("/courses/{KEY}/instructor/submissions/{submission}");
    let mut staff = t.login("teacher").await;
    // A link from anywhere opens the page: nobody holds the lock afterwards.
    let r = staff.get(&page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&format!(r#"action="{page}/lock""#)),
        "{}",
        r.body
    );
    let holder = |t: &TestApp| {
        let store = t.store.clone();
        let now = t.app.now_ms();
        async move {
            let mut c = store.conn().await.unwrap();
            repo::lock_holder(&mut c, submission, now).await.unwrap()
        }
    };
    assert_eq!(holder(&t).await, None);
    // A cross-site POST is refused; the page's own button takes it.
    let r = staff
        .post_form_with(
            &format!("{page}/lock"),
            &[],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(holder(&t).await, None);
    let r = staff.post_form(&format!("{page}/lock"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(holder(&t).await, Some(teacher.0));
    // The learner cannot take it (the response does not exist for them).
    let r = ana_c.post_form(&format!("{page}/lock"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Opening a reading unit records nothing; the page's own POST (sent by the site script
/// when the page is shown) completes its reading and makes it where "Resume" leads —
/// once, for enrolled learners only, and never from another site.
#[tokio::test]
async fn a_unit_is_recorded_as_seen_by_its_post_not_by_opening_it() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let ana = t.user("ana", false).await;
    t.enroll(ana, course).await;
    t.user("ben", false).await;
    let mut ana_c = t.login("ana").await;
    let mut ben_c = t.login("ben").await;
    let progress = |v: serde_json::Value| {
        (
            v[0]["progress"]["completed_units"].clone(),
            v[0]["resume_url"].clone(),
        )
    };
    let unit = unit_path("s1-2-1");
    let seen = format!("{unit}/seen");
    ana_c.get("/").await;

    // First view: the page reads, and says where it reports being seen.
    reads_only(&t, &mut ana_c, &unit).await;
    let page = ana_c.get(&unit).await;
    assert!(
        page.body.contains(&format!(r#"data-seen-url="{seen}""#)),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-seen-show"), "{}", page.body);
    assert!(page.body.contains("data-seen-hide"), "{}", page.body);
    assert_eq!(
        progress(ana_c.get("/api/v1/me/enrollments").await.json()),
        (json!(0), json!(unit_path("s1-1-1")))
    );

    // From another site: refused, nothing recorded.
    let r = ana_c
        .request(
            Method::POST,
            &seen,
            axum::body::Body::empty(),
            None,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        progress(ana_c.get("/api/v1/me/enrollments").await.json()),
        (json!(0), json!(unit_path("s1-1-1")))
    );

    // The page's report: complete, and "Resume" leads here.
    let r = ana_c.post_empty(&seen).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        progress(ana_c.get("/api/v1/me/enrollments").await.json()),
        (json!(1), json!(unit))
    );
    let page = ana_c.get(&unit).await;
    assert!(
        page.body.contains(r#"<span class="done" role="status">"#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("data-seen-show"), "{}", page.body);

    // Again (a reload, the back button): nothing more to write.
    let before = t.store.write_count();
    let r = ana_c.post_empty(&seen).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(t.store.write_count(), before, "a repeated report wrote");

    // A video unit: its text completes, the video waits to be watched.
    let r = ana_c.post_empty(&unit_path("s1-1-1/seen")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        progress(ana_c.get("/api/v1/me/enrollments").await.json()),
        (json!(1), json!(unit_path("s1-1-1")))
    );

    // Someone not enrolled, a visitor: no-op. An unknown or unreleased unit: 404.
    let before = t.store.write_count();
    assert_eq!(ben_c.post_empty(&seen).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.client().post_empty(&seen).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.store.write_count(),
        before,
        "a report by a non-learner wrote"
    );
    for u in ["nowhere", "s3-1-1"] {
        let r = ana_c.post_empty(&unit_path(&format!("{u}/seen"))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{u}");
    }
}

/// Without script nothing reports a view: "Mark as done" still completes a reading unit
/// and makes it where "Resume" leads.
#[tokio::test]
async fn without_script_mark_as_done_completes_and_sets_where_to_resume() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let ana = t.user("ana", false).await;
    t.enroll(ana, course).await;
    let mut c = t.login("ana").await;
    let unit = unit_path("s1-2-1");
    let page = c.get(&unit).await.body;
    assert!(page.contains("Mark as done"), "{page}");
    let r = c.post_form(&format!("{unit}/done"), &[("done", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = c.get("/api/v1/me/enrollments").await.json();
    assert_eq!(mine[0]["progress"]["completed_units"], json!(1));
    assert_eq!(mine[0]["resume_url"], json!(unit));
}
