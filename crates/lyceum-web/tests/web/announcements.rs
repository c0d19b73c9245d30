//! Course announcements (issue 15): who may post (those who teach), audiences picking
//! the right learners (not started; not passed, from real submissions), one notice per
//! recipient in a bounded number of statements, script payloads inert on the course
//! home, soft deletion; and notices by e-mail as each person chose — in the app only, at
//! once, or in one daily digest.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_store::repo::{notification_settings, notifications, users};
use lyceum_web::mailer::{self, EmailConfig};
use serde_json::json;

const G: &str = "course-v1:TESTORG+ANN+2026";

/// A graded course: one graded subsection of two one-point problems, passing at 50 %.
fn course_spec(code: &str) -> serde_json::Value {
    let xml = r#"<problem><stringresponse answer="yes" type="ci"><label>Yes?</label><textline/></stringresponse></problem>"#;
    json!({"org": "TESTORG", "code": code, "run": "2026", "language": "en", "title": format!("Announced {code}"),
    "start": "2026-01-01T00:00:00Z", "published": true,
    "grading": {"types": [{"name": "Homework", "short_label": "HW", "min_count": 1, "drop_count": 0, "weight": 1.0}], "cutoffs": {"Pass": 0.5}},
    "sections": [{"title": "Part", "subsections": [
        {"title": "Quiz", "graded": true, "format": "Homework", "units": [{"title": "Questions", "blocks": [
            {"kind": "problem", "xml": xml}, {"kind": "problem", "xml": xml}]}]},
        {"title": "Reading", "units": [{"title": "Read", "blocks": [{"kind": "text", "markdown": "Read"}]}]}
    ]}]})
}

struct World {
    t: TestApp,
    course: lyceum_core::CourseId,
}

/// fresh (enrolled, nothing done), passer (both answers right), trier (one wrong
/// answer: started, not passed), the teacher (staff) and an author (writes, does not teach).
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed(course_spec("ANN")).await;
    for name in ["fresh", "passer", "trier"] {
        let u = t.user(name, false).await;
        t.enroll(u, course).await;
    }
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Staff).await;
    let author = t.user("author", false).await;
    t.make_staff(author, course, CourseRole::Author).await;
    t.user("outsider", false).await;
    let ids = t.block_ids(course).await;
    for (who, answer) in [("passer", "yes"), ("trier", "no")] {
        let mut c = t.login(who).await;
        for b in ["s1-1-1-1", "s1-1-1-2"] {
            let r = c
                .post_json(
                    &format!("/api/v1/problems/{}/submit", ids[b]),
                    json!({"answers": {format!("{b}_2_1"): answer}}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{who} {b}: {}", r.body);
        }
    }
    World { t, course }
}

async fn notices(t: &TestApp, name: &str) -> Vec<notifications::NoticeRow> {
    let mut c = t.store.conn().await.unwrap();
    let u = users::find_user_by_key(&mut c, name)
        .await
        .unwrap()
        .unwrap();
    notifications::recent(&mut c, u.id(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "announcement")
        .collect()
}

async fn post(c: &mut Client, title: &str, audience: &str) -> Resp {
    c.post_json(
        &format!("/api/v1/courses/{G}/announcements"),
        json!({"title": title, "body": "Read *this*", "audience": audience}),
    )
    .await
}

#[tokio::test]
async fn only_those_who_teach_post_announcements() {
    let w = world().await;
    let t = &w.t;
    let mut learner = t.login("fresh").await;
    let r = post(&mut learner, "Hi", "all").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut author = t.login("author").await;
    assert_eq!(
        post(&mut author, "Hi", "all").await.status,
        StatusCode::FORBIDDEN
    );
    let mut outsider = t.login("outsider").await;
    assert_eq!(
        post(&mut outsider, "Hi", "all").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider
            .get(&format!("/api/v1/courses/{G}/announcements"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = t
        .client()
        .post_json(
            &format!("/api/v1/courses/{G}/announcements"),
            json!({"title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The staff page does not exist for learners.
    let page = format!("/courses/{G}/instructor/announcements");
    assert_eq!(learner.get(&page).await.status, StatusCode::NOT_FOUND);
    let mut teacher = t.login("teacher").await;
    let r = teacher.get(&page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Bad input.
    assert_eq!(
        post(&mut teacher, "Hi", "friends").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post(&mut teacher, " ", "all").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = post(&mut teacher, "Welcome", "all").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["recipients"], 3);
    // Learners read them (API and course home); the list is newest first.
    post(&mut teacher, "Week two", "all").await;
    let list = learner
        .get(&format!("/api/v1/courses/{G}/announcements"))
        .await
        .json();
    assert_eq!(list[0]["title"], "Week two");
    assert_eq!(list[1]["title"], "Welcome");
    assert_eq!(list[1]["html"], "<p>Read <em>this</em></p>\n");
    let home = learner.get(&format!("/courses/{G}/courseware")).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Week two") && home.body.contains("Welcome"));
    // Deleted softly: gone from the home and the list.
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(
        learner
            .delete(&format!("/api/v1/courses/{G}/announcements/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = teacher
        .post_form(
            &format!("/courses/{G}/instructor/announcements/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = learner.get(&format!("/courses/{G}/courseware")).await;
    assert!(!home.body.contains("Week two"));
    assert_eq!(
        teacher
            .delete(&format!("/api/v1/courses/{G}/announcements/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn audiences_pick_the_right_learners() {
    let w = world().await;
    let t = &w.t;
    let mut teacher = t.login("teacher").await;
    let sizes = teacher
        .get(&format!("/api/v1/courses/{G}/announcements/audiences"))
        .await
        .json();
    assert_eq!(sizes, json!({"all": 3, "not_started": 1, "not_passed": 2}));
    // The page shows each audience's size beside it.
    let page = teacher
        .get(&format!("/courses/{G}/instructor/announcements"))
        .await
        .body;
    assert!(
        page.contains("3 learners now")
            && page.contains("2 learners now")
            && page.contains("1 learner now"),
        "{page}"
    );

    let r = post(&mut teacher, "Get going", "not-started").await;
    assert_eq!(r.json()["recipients"], 1);
    assert_eq!(notices(t, "fresh").await.len(), 1);
    assert!(notices(t, "passer").await.is_empty());
    assert!(notices(t, "trier").await.is_empty());

    let r = post(&mut teacher, "Keep trying", "not-passed").await;
    assert_eq!(r.json()["recipients"], 2);
    assert_eq!(notices(t, "fresh").await.len(), 2);
    assert_eq!(notices(t, "trier").await.len(), 1);
    assert!(notices(t, "passer").await.is_empty());
    assert!(
        notices(t, "teacher").await.is_empty(),
        "the team is not an audience"
    );

    let n = &notices(t, "trier").await[0];
    assert_eq!(n.subject, "Keep trying");
    assert!(
        n.link
            .starts_with(&format!("/courses/{G}/courseware#announcement-"))
    );
    assert_eq!(n.course_id, Some(w.course.0));
    // Through the form too.
    let r = teacher
        .post_form(
            &format!("/courses/{G}/instructor/announcements"),
            &[("title", "All hands"), ("body", "Hi"), ("audience", "all")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(notices(t, "passer").await.len(), 1);
}

#[tokio::test]
async fn script_payloads_are_inert_in_announcements() {
    let w = world().await;
    let t = &w.t;
    let mut teacher = t.login("teacher").await;
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let r = teacher
        .post_json(
            &format!("/api/v1/courses/{G}/announcements"),
            json!({"title": payload, "body": format!("{payload} [x](javascript:alert(3))")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut learner = t.login("fresh").await;
    for body in [
        learner.get(&format!("/courses/{G}/courseware")).await.body,
        learner.get("/notifications").await.body,
        teacher
            .get(&format!("/courses/{G}/instructor/announcements"))
            .await
            .body,
    ] {
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(!body.contains("onerror=alert(2)>"), "{body}");
        assert!(!body.contains("href=\"javascript:"), "{body}");
    }
    assert!(
        learner
            .get(&format!("/courses/{G}/courseware"))
            .await
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
    );
}

#[tokio::test]
async fn sending_to_a_big_cohort_costs_the_same_statements() {
    let t = TestApp::new().await;
    let small = t.seed(course_spec("S")).await;
    let big = t.seed(course_spec("B")).await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, small, CourseRole::Staff).await;
    t.make_staff(teacher, big, CourseRole::Staff).await;
    for i in 0..60 {
        let u = t.user(&format!("learner{i}"), false).await;
        if i < 3 {
            t.enroll(u, small).await;
        }
        t.enroll(u, big).await;
    }
    let mut c = t.login("teacher").await;
    // A first announcement settles what a first write does once (the account's trust).
    let r = c
        .post_json(
            "/api/v1/courses/course-v1:TESTORG+S+2026/announcements",
            json!({"title": "Warm", "body": "Up"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut counts = Vec::new();
    for (key, want) in [
        ("course-v1:TESTORG+S+2026", 3),
        ("course-v1:TESTORG+B+2026", 60),
    ] {
        for audience in ["all", "not-started", "not-passed"] {
            let before = t.queries();
            let r = c
                .post_json(
                    &format!("/api/v1/courses/{key}/announcements"),
                    json!({"title": "Hello", "body": "Hi", "audience": audience}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            assert_eq!(r.json()["recipients"], want, "{key} {audience}");
            counts.push((audience, t.queries() - before));
        }
    }
    assert_eq!(
        counts[0..3],
        counts[3..6],
        "statements for 3 and 60 learners"
    );
    assert!(counts.iter().all(|(_, n)| *n <= 20), "{counts:?}");
}

/// A sendmail stand-in that appends each message to `mail.out`.
fn fake_sendmail(dir: &std::path::Path) -> String {
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

fn mails(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("mail.out"))
        .unwrap_or_default()
        .split("--END--\n")
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn e_mail_follows_each_persons_choice_and_the_digest_groups_notices() {
    let dir = tempfile::tempdir().unwrap();
    let sendmail = fake_sendmail(dir.path());
    let t = TestApp::with(backend(), |c| {
        c.email = Some(EmailConfig {
            sendmail,
            from: "learn@lyceum.test".into(),
        })
    })
    .await;
    let course = t.seed(course_spec("ANN")).await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Staff).await;
    for name in ["atonce", "apponly", "daily"] {
        let u = t.user(name, false).await;
        t.enroll(u, course).await;
        let mut c = t.store.conn().await.unwrap();
        users::set_email(&mut c, u, Some(&format!("{name}@example.org")))
            .await
            .unwrap();
    }
    // Each chooses on the preferences page (at once is the default).
    for (name, choice) in [("apponly", "app"), ("daily", "daily")] {
        let mut c = t.login(name).await;
        let r = c
            .post_form("/preferences/notifications", &[("email", choice)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = c.get("/preferences").await.body;
        assert!(
            page.contains(&format!("value=\"{choice}\" checked")),
            "{page}"
        );
    }
    let mut c = t.login("daily").await;
    assert_eq!(
        c.post_form("/preferences/notifications", &[("email", "weekly")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let mut teacher = t.login("teacher").await;
    for title in ["First news", "Second news"] {
        assert_eq!(
            post(&mut teacher, title, "all").await.status,
            StatusCode::CREATED
        );
    }
    // At once: one mail per notice, to the one who wants them at once.
    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 2);
    let sent = mails(dir.path());
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|m| m.contains("To: atonce@example.org")));
    // In the app only: never mailed, and settled so the queue does not grow.
    let mut db = t.store.conn().await.unwrap();
    let apponly = users::find_user_by_key(&mut db, "apponly")
        .await
        .unwrap()
        .unwrap();
    assert!(
        notification_settings::unemailed_of(&mut db, apponly.id(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        notifications::unread_count(&mut db, apponly.id())
            .await
            .unwrap(),
        2
    );
    drop(db);
    // The daily digest: one mail with both notices, once.
    assert_eq!(mailer::send_digests(&t.app).await.unwrap(), 1);
    let sent = mails(dir.path());
    assert_eq!(sent.len(), 3);
    let digest = &sent[2];
    assert!(digest.contains("To: daily@example.org"), "{digest}");
    assert!(
        digest.contains("First news") && digest.contains("Second news"),
        "{digest}"
    );
    assert!(digest.contains("daily digest"), "{digest}");
    assert_eq!(mailer::send_digests(&t.app).await.unwrap(), 0);
    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 0);
    // A new notice waits for the next day.
    post(&mut teacher, "Third news", "all").await;
    assert_eq!(mailer::send_pending(&t.app).await.unwrap(), 1);
    assert_eq!(mailer::send_digests(&t.app).await.unwrap(), 0);
    t.clock.advance(jiff::SignedDuration::from_hours(24));
    assert_eq!(mailer::send_digests(&t.app).await.unwrap(), 1);
    let sent = mails(dir.path());
    assert!(sent.last().unwrap().contains("Third news"));
    assert!(!sent.last().unwrap().contains("First news"));
}

#[tokio::test]
async fn the_announcements_page_works_in_arabic() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let r = teacher
        .get(&format!("/courses/{G}/instructor/announcements?uselang=ar"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("dir=\"rtl\"") && r.body.contains("الإعلانات"));
    let r = teacher.get("/preferences?uselang=ar").await;
    assert!(r.body.contains("ملخص يومي"), "{}", r.body);
}
