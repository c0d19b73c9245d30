//! Reports, the moderation queue and moderators' actions over HTTP: the JSON API
//! (`/api/v1/reports`, `/api/v1/moderation/queue`, `/api/v1/moderation/actions`) with its
//! permission matrix and bad bodies, and the pages (report form, queue, notice and
//! appeal, people's pages, hidden-content banners) without script.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::UserId;
use lyceum_core::permissions::CourseRole;
use lyceum_store::{Db, q};
use serde_json::json;

struct World {
    t: TestApp,
    course: lyceum_core::CourseId,
    unit: i64,
    instructor: UserId,
    learner: UserId,
}

/// The sample course; an instructor, an enrolled learner, another person, a site
/// moderator, an organisation moderator of TESTORG and a site admin.
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let instructor = t.user("ines", false).await;
    t.make_staff(instructor, course, CourseRole::Instructor)
        .await;
    let learner = t.user("lea", false).await;
    t.enroll(learner, course).await;
    t.user("otto", false).await;
    let mo = t.user("mo", false).await;
    let oma = t.user("oma", false).await;
    t.user("root", true).await;
    let mut c = t.store.conn().await.unwrap();
    c.exec(q("UPDATE users SET is_moderator = TRUE WHERE id = $1").bind(mo.0))
        .await
        .unwrap();
    c.exec(
        q("INSERT INTO org_members (org_id, user_id, role, created_at)
           SELECT id, $1, 'moderator', 0 FROM organizations WHERE slug = 'TESTORG'")
        .bind(oma.0),
    )
    .await
    .unwrap();
    drop(c);
    let unit = t.block_ids(course).await["s1-1-2"];
    World {
        t,
        course,
        unit,
        instructor,
        learner,
    }
}

fn report(kind: &str, id: serde_json::Value, reason: &str) -> serde_json::Value {
    json!({"target": {"type": kind, "id": id}, "reason": reason, "text": "Please look"})
}

#[tokio::test]
async fn reports_over_the_api() {
    let w = world().await;
    let mut anon = w.t.client();
    let r = anon
        .post_json("/api/v1/reports", report("course", json!(KEY), "spam"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut lea = w.t.login("lea").await;
    let r = lea
        .post_json("/api/v1/reports", report("course", json!(KEY), "spam"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["id"].as_i64().unwrap() > 0);
    // Once per person and target while open.
    let r = lea
        .post_json("/api/v1/reports", report("course", json!(KEY), "other"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A block by number or string; a person by username.
    for (kind, id) in [("block", json!(w.unit)), ("user", json!("ines"))] {
        let r = lea
            .post_json("/api/v1/reports", report(kind, id, "harassment"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{kind}: {}", r.body);
    }
    let mut otto = w.t.login("otto").await;
    let r = otto
        .post_json(
            "/api/v1/reports",
            report("block", json!(w.unit.to_string()), "copyright"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // What one cannot see is not found: the unit released in 2030, unknown things.
    let secret = w.t.block_ids(w.course).await["s3-1-1"];
    for (kind, id) in [
        ("block", json!(secret)),
        ("block", json!(999_999)),
        ("course", json!("course-v1:NO+SUCH+2026")),
        ("user", json!("nobody")),
    ] {
        let r = otto
            .post_json("/api/v1/reports", report(kind, id.clone(), "spam"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{kind} {id}");
    }
    // Oneself: refused.
    let r = otto
        .post_json("/api/v1/reports", report("user", json!("otto"), "spam"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad bodies: clear 400s and 422s.
    let long = "x".repeat(5_001);
    for (body, status) in [
        (
            json!({"target": {"type": "course", "id": KEY}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"target": {"type": "widget", "id": "1"}, "reason": "spam"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"target": {"type": "block", "id": "abc"}, "reason": "spam"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"target": {"type": "block", "id": [1]}, "reason": "spam"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"target": {"type": "course", "id": KEY}, "reason": "spam", "extra": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"target": {"type": "user", "id": "lea"}, "reason": "boring"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"target": {"type": "user", "id": "lea"}, "reason": "spam", "text": long}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = otto.post_json("/api/v1/reports", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[tokio::test]
async fn the_queue_is_for_moderators() {
    let w = world().await;
    let mut lea = w.t.login("lea").await;
    lea.post_json("/api/v1/reports", report("course", json!(KEY), "spam"))
        .await;
    lea.post_json("/api/v1/reports", report("user", json!("otto"), "spam"))
        .await;
    let mut otto = w.t.login("otto").await;
    otto.post_json(
        "/api/v1/reports",
        report("course", json!(KEY), "misinformation"),
    )
    .await;
    // Anonymous 401; logged in without a queue 403 (instructors and learners alike).
    let r = w.t.client().get("/api/v1/moderation/queue").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for who in ["lea", "ines"] {
        let r = w.t.login(who).await.get("/api/v1/moderation/queue").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // Site moderators see everything, grouped per target with the count.
    let mut mo = w.t.login("mo").await;
    let q = mo.get("/api/v1/moderation/queue").await.json();
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["target"], json!({"type": "course", "id": KEY}));
    assert_eq!(items[0]["report_count"], 2);
    assert_eq!(items[0]["link"], format!("/courses/{KEY}/about"));
    assert_eq!(items[1]["target"], json!({"type": "user", "id": "otto"}));
    // The organisation's moderator sees its course, not people.
    let q =
        w.t.login("oma")
            .await
            .get("/api/v1/moderation/queue")
            .await
            .json();
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["target"]["type"], "course");
    // Closed reports are a filter; a wrong one is a 400.
    let q = mo
        .get("/api/v1/moderation/queue?status=closed")
        .await
        .json();
    assert!(q["items"].as_array().unwrap().is_empty());
    let r = mo.get("/api/v1/moderation/queue?status=all").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The page: the same people.
    assert_eq!(mo.get("/moderation").await.status, StatusCode::OK);
    let mut oma = w.t.login("oma").await;
    assert_eq!(oma.get("/moderation").await.status, StatusCode::OK);
    // The organisation's page links its moderators to the queue, not its learners.
    assert!(
        oma.get("/orgs/TESTORG")
            .await
            .body
            .contains("href=\"/moderation\"")
    );
    assert!(
        !lea.get("/orgs/TESTORG")
            .await
            .body
            .contains("href=\"/moderation\"")
    );
    assert_eq!(lea.get("/moderation").await.status, StatusCode::FORBIDDEN);
    let r = w.t.client().get("/moderation").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
}

fn action(target: serde_json::Value, action: &str, reason: &str) -> serde_json::Value {
    json!({"target": target, "action": action, "reason": reason})
}

#[tokio::test]
async fn hiding_a_unit_over_the_api_hides_it_from_learners_only() {
    let w = world().await;
    let mut lea = w.t.login("lea").await;
    let report_id = lea
        .post_json("/api/v1/reports", report("block", json!(w.unit), "spam"))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(lea.get(&unit_path("s1-1-2")).await.status, StatusCode::OK);
    let target = json!({"type": "block", "id": w.unit});
    // The permission matrix: anonymous 401; learners, the course's own instructor and
    // other people 403; site and organisation moderators and admins may.
    let r =
        w.t.client()
            .post_json(
                "/api/v1/moderation/actions",
                action(target.clone(), "hide", "x"),
            )
            .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for who in ["lea", "ines", "otto"] {
        let r =
            w.t.login(who)
                .await
                .post_json(
                    "/api/v1/moderation/actions",
                    action(target.clone(), "hide", "x"),
                )
                .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // Bad bodies.
    let mut mo = w.t.login("mo").await;
    for (body, status) in [
        (
            json!({"target": target, "action": "hide"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            action(target.clone(), "delete", "x"),
            StatusCode::BAD_REQUEST,
        ),
        (
            action(target.clone(), "hide", "  "),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            action(target.clone(), "block", "x"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"target": target, "action": "hide", "reason": "x", "report": 99_999}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"target": {"type": "user", "id": "lea"}, "action": "suspend", "reason": "x", "until": "next week"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"target": {"type": "user", "id": "lea"}, "action": "suspend", "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"target": {"type": "user", "id": "lea"}, "action": "suspend", "reason": "x", "until": "2020-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = mo
            .post_json("/api/v1/moderation/actions", body.clone())
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            json!({"report": report_id, "target": target, "action": "hide", "reason": "Advertising"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["resolved"], 1);
    let action_id = r.json()["id"].as_i64().unwrap();
    // Gone for the learner: the unit, the outline, the neighbours' links.
    assert_eq!(
        lea.get(&unit_path("s1-1-2")).await.status,
        StatusCode::NOT_FOUND
    );
    let outline = lea.get(&format!("/courses/{KEY}/courseware")).await.body;
    assert!(!outline.contains("Second unit"));
    let first = lea.get(&unit_path("s1-1-1")).await.body;
    assert!(!first.contains("s1-1-2"));
    // There for the team, with the banner and the reason.
    let mut ines = w.t.login("ines").await;
    let page = ines.get(&unit_path("s1-1-2")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hidden by a moderator"));
    assert!(page.body.contains("Advertising"));
    // The instructor was notified, with the way to appeal.
    let notices = ines.get("/api/v1/me/notifications").await.json();
    assert!(
        notices
            .to_string()
            .contains(&format!("/appeals/new?action={action_id}"))
    );
    // Hiding again conflicts; showing it again restores it for learners.
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            action(target.clone(), "hide", "x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            action(target, "unhide", "Fixed"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(lea.get(&unit_path("s1-1-2")).await.status, StatusCode::OK);
    // The audit log says it in words.
    let audit = w.t.login("root").await.get("/admin/audit").await.body;
    assert!(audit.contains("hid "), "{audit}");
}

#[tokio::test]
async fn people_are_suspended_and_blocked_by_site_moderators_only() {
    let w = world().await;
    let lea = json!({"type": "user", "id": "lea"});
    let mut oma = w.t.login("oma").await;
    let r = oma
        .post_json(
            "/api/v1/moderation/actions",
            action(lea.clone(), "warn", "x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut mo = w.t.login("mo").await;
    // A moderator never acts on an admin or another moderator, nor on themself.
    for who in ["root", "mo"] {
        let r = mo
            .post_json(
                "/api/v1/moderation/actions",
                action(json!({"type": "user", "id": who}), "block", "x"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // Suspended: the instructor may no longer publish, still reads and edits.
    let ines = json!({"type": "user", "id": "ines"});
    let mut ines_client = w.t.login("ines").await;
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            json!({"target": ines, "action": "suspend", "reason": "Spam courses", "until": "2026-12-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = ines_client
        .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        ines_client
            .get(&format!("/courses/{KEY}/courseware"))
            .await
            .status,
        StatusCode::OK
    );
    // Blocked: the learner's session ends at once.
    let mut lea_client = w.t.login("lea").await;
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            action(lea, "block", "Spam bot"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = lea_client.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut c = w.t.store.conn().await.unwrap();
    let u = lyceum_store::repo::users::get_user(&mut c, w.learner)
        .await
        .unwrap()
        .unwrap();
    assert!(u.blocked_at.is_some());
    let u = lyceum_store::repo::users::get_user(&mut c, w.instructor)
        .await
        .unwrap()
        .unwrap();
    assert!(u.suspended_until.is_some());
}

#[tokio::test]
async fn a_hidden_course_is_gone_for_learners_and_there_for_its_team() {
    let w = world().await;
    let mut mo = w.t.login("mo").await;
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            action(
                json!({"type": "course", "id": KEY}),
                "hide",
                "Copied from a book",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let action_id = r.json()["id"].as_i64().unwrap();
    let mut anon = w.t.client();
    assert!(!anon.get("/").await.body.contains("Sample course T101"));
    assert_eq!(
        anon.get(&format!("/courses/{KEY}/about")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut lea = w.t.login("lea").await;
    assert_eq!(
        lea.get(&format!("/courses/{KEY}/courseware")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(lea.get("/dashboard").await.status, StatusCode::OK);
    let mut ines = w.t.login("ines").await;
    let about = ines.get(&format!("/courses/{KEY}/about")).await;
    assert_eq!(about.status, StatusCode::OK);
    assert!(about.body.contains("Copied from a book"));
    let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
    assert!(
        about
            .body
            .contains(&format!("/appeals/new?target=course&#38;id={encoded}"))
    );
    // The banner's link finds the decision; the instructor appeals it, once.
    let page = ines
        .get(&format!("/appeals/new?target=course&id={encoded}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Copied from a book"));
    let r = ines
        .post_form(
            "/appeals",
            &[("action", &action_id.to_string()), ("text", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ines
        .post_form(
            "/appeals",
            &[("action", &action_id.to_string()), ("text", "We wrote it")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("notice=appealed"));
    let r = ines
        .post_form(
            "/appeals",
            &[("action", &action_id.to_string()), ("text", "Again")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Others never see the notice.
    for who in ["lea", "otto"] {
        let r =
            w.t.login(who)
                .await
                .get(&format!("/appeals/new?action={action_id}"))
                .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
    }
    // The appeal is in the site moderators' queue; the organisation's do not see it.
    let q = mo.get("/api/v1/moderation/queue").await.json();
    assert_eq!(q["items"][0]["reports"][0]["kind"], "appeal");
    assert_eq!(q["items"][0]["reports"][0]["action"], action_id);
    let q =
        w.t.login("oma")
            .await
            .get("/api/v1/moderation/queue")
            .await
            .json();
    assert!(q["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_pages_work_without_script() {
    let w = world().await;
    let mut lea = w.t.login("lea").await;
    // The About page and the unit offer "Report"; the form lists the reasons.
    let about = lea.get(&format!("/courses/{KEY}/about")).await.body;
    assert!(about.contains("/report?type=course"));
    let unit = lea.get(&unit_path("s1-1-2")).await.body;
    assert!(unit.contains(&format!("/report?type=block&#38;id={}", w.unit)));
    let form = lea.get(&format!("/report?type=block&id={}", w.unit)).await;
    assert_eq!(form.status, StatusCode::OK);
    for reason in ["spam", "harassment", "copyright", "misinformation", "other"] {
        assert!(
            form.body.contains(&format!("value=\"{reason}\"")),
            "{reason}"
        );
    }
    // A block without a title of its own is named "(untitled)", not empty quotes.
    let mut c = w.t.store.conn().await.unwrap();
    let title: String = c
        .scalar(q("SELECT title FROM blocks WHERE id = $1").bind(w.unit))
        .await
        .unwrap();
    c.exec(q("UPDATE blocks SET title = '' WHERE id = $1").bind(w.unit))
        .await
        .unwrap();
    let form = lea.get(&format!("/report?type=block&id={}", w.unit)).await;
    assert!(form.body.contains("(untitled)"), "{}", form.body);
    c.exec(
        q("UPDATE blocks SET title = $2 WHERE id = $1")
            .bind(w.unit)
            .bind(title),
    )
    .await
    .unwrap();
    drop(c);
    // A bad post keeps what was typed.
    let unit_id = w.unit.to_string();
    let r = lea
        .post_form(
            "/report",
            &[
                ("type", "block"),
                ("id", &unit_id),
                ("reason", ""),
                ("text", "Ads in the text"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Ads in the text"));
    let r = lea
        .post_form(
            "/report",
            &[
                ("type", "block"),
                ("id", &unit_id),
                ("reason", "spam"),
                ("text", "Ads in the text"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("notice=reported"));
    assert_eq!(
        w.t.client().get("/report?type=course&id=x").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        lea.get("/report?type=block&id=999999").await.status,
        StatusCode::NOT_FOUND
    );
    // The queue shows it with its action form; a missing reason re-renders the queue.
    let mut mo = w.t.login("mo").await;
    let queue = mo.get("/moderation").await.body;
    assert!(queue.contains("Second unit"));
    assert!(queue.contains("Ads in the text"));
    assert!(queue.contains("name=\"reason\""));
    let r = mo
        .post_form(
            "/moderation/act",
            &[
                ("target_type", "block"),
                ("target_id", &unit_id),
                ("action", "hide"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give a reason"));
    let r = mo
        .post_form(
            "/moderation/act",
            &[
                ("target_type", "block"),
                ("target_id", &unit_id),
                ("action", "hide"),
                ("reason", "Advertising"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        lea.get(&unit_path("s1-1-2")).await.status,
        StatusCode::NOT_FOUND
    );
    let closed = mo.get("/moderation?status=closed").await.body;
    assert!(closed.contains("Advertising"));
    // Suspension from the page, with a date.
    let r = mo
        .post_form(
            "/moderation/act",
            &[
                ("target_type", "user"),
                ("target_id", "otto"),
                ("action", "suspend"),
                ("reason", "Spam"),
                ("until", "2026-12-24"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The moderator sees the suspension on the person's page and lifts it there.
    let page = mo.get("/people/otto").await.body;
    assert!(page.contains("/people/otto/unsuspend"));
    assert!(!lea.get("/people/otto").await.body.contains("/unsuspend"));
    let r = lea
        .post_form("/people/otto/unsuspend", &[("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = mo
        .post_form("/people/otto/unsuspend", &[("reason", "Mistake")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!mo.get("/people/otto").await.body.contains("/unsuspend"));
    // A person's public page: name, published courses, a report link; nothing private.
    let page = lea.get("/people/ines").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sample course T101"));
    assert!(page.body.contains("/report?type=user&#38;id=ines"));
    assert!(!page.body.contains("@"));
    assert_eq!(
        lea.get("/people/nobody").await.status,
        StatusCode::NOT_FOUND
    );
    // The site admin grants the site moderator role on the user page.
    let mut root = w.t.login("root").await;
    assert!(
        root.get("/admin/users/otto")
            .await
            .body
            .contains("/admin/users/otto/moderator")
    );
    let r = root
        .post_form(
            "/admin/users/otto/moderator",
            &[("on", "1"), ("reason", "helps")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = mo
        .post_form("/admin/users/lea/moderator", &[("on", "1"), ("reason", "")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut otto = w.t.login("otto").await;
    let home = otto.get("/").await.body;
    assert!(home.contains("href=\"/moderation\""));
    assert_eq!(
        otto.get("/api/v1/moderation/queue").await.status,
        StatusCode::OK
    );
}

/// The moderation pages read only, and the queue costs the same statements with 2 reports
/// or 40.
#[tokio::test]
async fn moderation_pages_never_write_and_do_not_grow_with_the_queue() {
    use lyceum_app::moderation::{self as uc, Target};
    use lyceum_core::permissions::Actor;
    let w = world().await;
    let env = w.t.app.env();
    let mut reporters = Vec::new();
    for i in 0..8 {
        reporters.push(w.t.user(&format!("r{i}"), false).await);
    }
    let mut people = Vec::new();
    for i in 0..5 {
        people.push(format!("p{i}"));
        w.t.user(&format!("p{i}"), false).await;
    }
    let file = |n: usize| {
        let mut out = Vec::new();
        for k in 0..n {
            let reporter = reporters[k % reporters.len()];
            let target = if k % 2 == 0 {
                Target::User(people[k % people.len()].clone())
            } else {
                Target::Block(lyceum_core::BlockId(w.unit))
            };
            out.push((reporter, target));
        }
        out
    };
    let mut mo = w.t.login("mo").await;
    // The session is cached after the first request.
    mo.get("/moderation").await;
    let mut counts = Vec::new();
    for n in [2, 40] {
        for (reporter, target) in file(n) {
            // Duplicates (same reporter and target) are refused: fine, the queue still grows.
            let _ = uc::report(&env, &Actor::user(reporter, false), &target, "spam", "x").await;
        }
        let before = w.t.queries();
        mo.get("/moderation").await;
        let page = w.t.queries() - before;
        let before = w.t.queries();
        mo.get("/api/v1/moderation/queue").await;
        counts.push((page, w.t.queries() - before));
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for the queue page and API"
    );
    // Every GET reads only, for moderators, the people affected and learners.
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            action(json!({"type": "block", "id": w.unit}), "hide", "Spam"),
        )
        .await;
    let action_id = r.json()["id"].as_i64().unwrap();
    let ines = w.t.login("ines").await;
    let lea = w.t.login("lea").await;
    let unit_id = w.unit.to_string();
    let first = w.t.block_ids(w.course).await["s1-1-1"];
    let reads: [(usize, String); 9] = [
        (0, "/moderation".into()),
        (0, "/moderation?status=closed".into()),
        (0, "/api/v1/moderation/queue".into()),
        (1, format!("/appeals/new?action={action_id}")),
        (1, format!("/appeals/new?target=block&id={unit_id}")),
        (1, unit_path("s1-1-2")),
        (2, format!("/report?type=block&id={first}")),
        (2, "/report?type=user&id=ines".into()),
        (2, "/people/ines".into()),
    ];
    let mut clients = [mo, ines, lea];
    for (who, path) in reads {
        let before = w.t.store.write_count();
        let r = clients[who].get(&path).await;
        assert!(r.status.is_success(), "GET {path}: {}", r.status);
        assert_eq!(w.t.store.write_count(), before, "GET {path} wrote");
    }
}

/// A problem a moderator hid on its own (its unit stays) takes no more answers from
/// learners, through the page's form or the API; its team may still try it.
#[tokio::test]
async fn a_hidden_problem_takes_no_answers_from_learners() {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("Q101")).await;
    let learner = t.user("lea", false).await;
    t.enroll(learner, course).await;
    let teacher = t.user("ines", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let mo = t.user("mo", false).await;
    let mut c = t.store.conn().await.unwrap();
    c.exec(q("UPDATE users SET is_moderator = TRUE WHERE id = $1").bind(mo.0))
        .await
        .unwrap();
    drop(c);
    let ids = t.block_ids(course).await;
    let (hidden, other) = (ids["s1-1-1-1"], ids["s1-1-1-4"]);
    let submit = |block: i64, input: &str, answer: &str| {
        (
            format!("/api/v1/problems/{block}/submit"),
            json!({"answers": {format!("{input}_2_1"): answer}}),
        )
    };
    let r = t
        .login("mo")
        .await
        .post_json(
            "/api/v1/moderation/actions",
            action(json!({"type": "block", "id": hidden}), "hide", "Spam"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut lea = t.login("lea").await;
    let (path, body) = submit(hidden, "s1-1-1-1", "choice_1");
    assert_eq!(
        lea.post_json(&path, body).await.status,
        StatusCode::NOT_FOUND
    );
    // The rest of the unit still takes answers.
    let (path, body) = submit(other, "s1-1-1-4", "WD");
    assert_eq!(lea.post_json(&path, body).await.status, StatusCode::OK);
    // The team still sees and tries the hidden problem.
    let (path, body) = submit(hidden, "s1-1-1-1", "choice_1");
    let r = t.login("ines").await.post_json(&path, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
