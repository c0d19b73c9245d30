//! Moderation of course discussions over HTTP (issue 15): who may mute and hide (the
//! permission matrix), mutes and bans that never unenrol anyone (a muted learner keeps
//! learning and reading, cannot post, and is told why and until when), hidden posts kept
//! for the team with their reason, soft deletion and restore, locked threads, reports of
//! posts through the moderation queue, held posts reviewed, the team's settings, and
//! reasons that render inert.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::discussions::{self as d, NewPost, NewThread};
use lyceum_store::{Db, q};
use serde_json::json;

const QKEY: &str = "course-v1:TESTORG+Q1+2026";
const OTHER_KEY: &str = "course-v1:TESTORG+T202+2026";

struct World {
    t: TestApp,
    course: CourseId,
    learner: UserId,
    staff: UserId,
    /// The learner's thread and a reply of theirs in it.
    thread: i64,
    opening: i64,
    reply: i64,
}

/// The quiz course with: an enrolled learner (`lea`), a second learner who gets muted
/// (`mut`), a learner of another course (`otto`), a staff member (`sam`), a site
/// moderator (`mo`), a moderator of the organisation (`oma`) and a site admin (`root`).
/// `lea` has a thread with a reply.
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("Q1")).await;
    let other = t.seed(sample_course("T202", true)).await;
    let learner = t.user("lea", false).await;
    t.enroll(learner, course).await;
    let muted = t.user("mut", false).await;
    t.enroll(muted, course).await;
    let otto = t.user("otto", false).await;
    t.enroll(otto, other).await;
    let staff = t.user("sam", false).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
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
    let now = t.app.now_ms();
    let (thread, opening) = d::create_thread(
        &mut c,
        &NewThread {
            course,
            topic_key: "course-general",
            kind: "question",
            title: "How do I cite a source?",
            author: learner,
            anonymous: false,
            body: "I am stuck on **citations**.",
            html: "<p>I am stuck on <strong>citations</strong>.</p>",
            held: false,
            now,
        },
    )
    .await
    .unwrap();
    let reply = d::reply(
        &mut c,
        &NewPost {
            course,
            thread,
            parent: None,
            author: learner,
            anonymous: false,
            body: "Spammy reply",
            html: "<p>Spammy reply</p>",
            held: false,
            now,
        },
    )
    .await
    .unwrap();
    drop(c);
    World {
        t,
        course,
        learner,
        staff,
        thread,
        opening,
        reply,
    }
}

fn mutes_url(key: &str) -> String {
    format!("/api/v1/courses/{key}/discussions/mutes")
}

/// Every enrolment row, to show no moderation changes them.
async fn enrolments(t: &TestApp) -> Vec<(i64, i64, bool)> {
    let mut c = t.store.conn().await.unwrap();
    c.all(q(
        "SELECT user_id, course_id, active FROM enrollments ORDER BY user_id, course_id",
    ))
    .await
    .unwrap()
}

async fn post_row(t: &TestApp, post: i64) -> (Option<i64>, String, Option<i64>) {
    let mut c = t.store.conn().await.unwrap();
    c.one(
        q("SELECT hidden_at, hidden_reason, deleted_at FROM discussion_posts WHERE id = $1")
            .bind(post),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn who_may_mute_and_ban() {
    let w = world().await;
    let before = enrolments(&w.t).await;
    let body =
        json!({"username": "mut", "until": "2026-11-25T00:00:00Z", "reason": "Rude replies"});
    // Anonymous and members of other courses: the course's discussions do not exist.
    let mut anon = w.t.client();
    assert_eq!(
        anon.post_json(&mutes_url(QKEY), body.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let mut otto = w.t.login("otto").await;
    assert_eq!(
        otto.post_json(&mutes_url(QKEY), body.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        otto.get(&mutes_url(QKEY)).await.status,
        StatusCode::NOT_FOUND
    );
    // Learners, a muted one too: forbidden.
    let r =
        w.t.login("root")
            .await
            .post_json(
                &mutes_url(QKEY),
                json!({"username": "lea", "until": "2026-11-30", "reason": "Heated"}),
            )
            .await;
    assert_eq!(r.status, StatusCode::CREATED);
    for who in ["lea", "mut"] {
        let mut c = w.t.login(who).await;
        let r = c.post_json(&mutes_url(QKEY), body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert_eq!(c.get(&mutes_url(QKEY)).await.status, StatusCode::FORBIDDEN);
    }
    // Staff, site moderators, the organisation's moderators and site admins: 201, the
    // mute in the body; a new one replaces the one in force.
    for who in ["sam", "mo", "oma", "root"] {
        let mut c = w.t.login(who).await;
        let r = c.post_json(&mutes_url(QKEY), body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{who}: {}", r.body);
        let m = r.json();
        assert!(m["id"].as_i64().unwrap() > 0);
        assert_eq!(m["username"], "mut");
        assert_eq!(m["until"], "2026-11-25T00:00:00Z");
        assert_eq!(m["reason"], "Rude replies");
        assert_eq!(m["kind"], "mute");
        assert_eq!(m["active"], true);
        let list = c.get(&mutes_url(QKEY)).await;
        assert_eq!(list.status, StatusCode::OK);
        let active: Vec<_> = list.json()["mutes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["active"] == true && m["username"] == "mut")
            .cloned()
            .collect();
        assert_eq!(active.len(), 1, "{who}: one in force");
        assert_eq!(active[0]["created_by"], who);
    }
    // A date alone is midnight UTC; no `until` is a ban.
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_json(
            &mutes_url(QKEY),
            json!({"username": "lea", "until": "2026-12-01", "reason": "Cool down"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["until"], "2026-12-01T00:00:00Z");
    let r = sam
        .post_json(
            &mutes_url(QKEY),
            json!({"username": "lea", "reason": "Spam after warnings"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["until"], serde_json::Value::Null);
    assert_eq!(r.json()["kind"], "ban");
    // Never oneself, never the team, never a site admin; only members; a reason; an end
    // in the future; a readable date.
    for (who, body, want) in [
        (
            "sam",
            json!({"username": "sam", "reason": "x"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "mo",
            json!({"username": "sam", "reason": "x"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "mo",
            json!({"username": "root", "reason": "x"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "sam",
            json!({"username": "mo", "reason": "x"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "sam",
            json!({"username": "otto", "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "sam",
            json!({"username": "nobody", "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "sam",
            json!({"username": "mut", "reason": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "sam",
            json!({"username": "mut", "until": "2026-01-01", "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "sam",
            json!({"username": "mut", "until": "next week", "reason": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "sam",
            json!({"username": "mut", "reason": "x", "extra": 1}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let mut c = w.t.login(who).await;
        let r = c.post_json(&mutes_url(QKEY), body.clone()).await;
        assert_eq!(r.status, want, "{who} {body}: {}", r.body);
    }
    // A site admin may mute a site moderator who takes part in the course.
    let mo = {
        let mut c = w.t.store.conn().await.unwrap();
        let id: i64 = c
            .scalar(q("SELECT id FROM users WHERE username = 'mo'"))
            .await
            .unwrap();
        UserId(id)
    };
    w.t.enroll(mo, w.course).await;
    let mut root = w.t.login("root").await;
    let r = root
        .post_json(
            &mutes_url(QKEY),
            json!({"username": "mo", "reason": "x", "until": "2026-11-30"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Nobody was unenrolled or enrolled by any of it (mo's own enrolment aside).
    let after: Vec<_> = enrolments(&w.t)
        .await
        .into_iter()
        .filter(|(u, _, _)| *u != mo.0)
        .collect();
    assert_eq!(before, after);
}

#[tokio::test]
async fn lifting_keeps_the_record_and_tells_the_person() {
    let w = world().await;
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_json(
            &mutes_url(QKEY),
            json!({"username": "mut", "reason": "Flooding"}),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let mut lea = w.t.login("lea").await;
    assert_eq!(
        lea.post_empty(&format!("{}/{id}/lift", mutes_url(QKEY)))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = sam
        .post_json(
            &format!("{}/{id}/lift", mutes_url(QKEY)),
            json!({"reason": "Apologised"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["active"], false);
    assert_eq!(r.json()["lifted_by"], "sam");
    // Twice: nothing in force any more.
    assert_eq!(
        sam.delete(&format!("{}/{id}", mutes_url(QKEY)))
            .await
            .status,
        StatusCode::CONFLICT
    );
    // The record stays, with who and why.
    let list = sam.get(&mutes_url(QKEY)).await.json();
    assert_eq!(list["mutes"][0]["reason"], "Flooding");
    assert_eq!(list["mutes"][0]["created_by"], "sam");
    assert!(list["mutes"][0]["lifted_at"].is_string());
    // Told: banned, then free again.
    let mut muted = w.t.login("mut").await;
    let n = muted.get("/api/v1/me/notifications").await;
    assert!(n.body.contains("discussion-banned"), "{}", n.body);
    assert!(n.body.contains("discussion-unmuted"), "{}", n.body);
    // A mute of another course is not found through this one.
    assert_eq!(
        sam.post_empty(&format!("{}/{}/lift", mutes_url(OTHER_KEY), id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The audit log has both.
    let mut c = w.t.store.conn().await.unwrap();
    let n: i64 = c
        .scalar(q(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('discussion.ban', 'discussion.unmute')",
        ))
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn who_may_hide_a_post() {
    let w = world().await;
    let before = enrolments(&w.t).await;
    let hide = format!("/api/v1/posts/{}/hide", w.reply);
    let unhide = format!("/api/v1/posts/{}/unhide", w.reply);
    let reason = json!({"reason": "Off topic"});
    // `mut` is muted: a muted learner moderates no more than any learner.
    let r =
        w.t.login("sam")
            .await
            .post_json(
                &mutes_url(QKEY),
                json!({"username": "mut", "until": "2026-11-30", "reason": "Heated"}),
            )
            .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mut anon = w.t.client();
    assert_eq!(
        anon.post_json(&hide, reason.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let mut otto = w.t.login("otto").await;
    assert_eq!(
        otto.post_json(&hide, reason.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    for who in ["lea", "mut"] {
        let mut c = w.t.login(who).await;
        assert_eq!(
            c.post_json(&hide, reason.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(post_row(&w.t, w.reply).await.0, None);
    for who in ["sam", "mo", "oma", "root"] {
        let mut c = w.t.login(who).await;
        let r = c.post_json(&hide, reason.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.body);
        assert_eq!(r.json()["thread"], w.thread);
        let (hidden, why, _) = post_row(&w.t, w.reply).await;
        assert!(hidden.is_some());
        assert_eq!(why, "Off topic");
        // Twice: a conflict; a hide needs its reason.
        assert_eq!(
            c.post_json(&hide, reason.clone()).await.status,
            StatusCode::CONFLICT
        );
        let r = c.post_json(&unhide, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.body);
        assert_eq!(post_row(&w.t, w.reply).await.0, None);
        assert_eq!(
            c.post_json(&hide, json!({"reason": ""})).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        w.t.login("sam")
            .await
            .post_json("/api/v1/posts/999999/hide", reason.clone())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The author was told (with the way to appeal), once per hide.
    let mut c = w.t.store.conn().await.unwrap();
    let n: i64 = c
        .scalar(
            q("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'discussion-post-hidden'")
                .bind(w.learner.0),
        )
        .await
        .unwrap();
    assert_eq!(n, 4);
    drop(c);
    assert_eq!(before, enrolments(&w.t).await);
}

#[tokio::test]
async fn hiding_the_opening_post_hides_the_thread_and_locking_stops_replies() {
    let w = world().await;
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_json(
            &format!("/api/v1/posts/{}/hide", w.opening),
            json!({"reason": "Personal data"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut c = w.t.store.conn().await.unwrap();
    let (hidden, why): (Option<i64>, String) = c
        .one(
            q("SELECT hidden_at, hidden_reason FROM discussion_threads WHERE id = $1")
                .bind(w.thread),
        )
        .await
        .unwrap();
    assert!(hidden.is_some());
    assert_eq!(why, "Personal data");
    drop(c);
    // Lock with a reason; learners may not; twice is a conflict; unlock.
    let lock = format!("/api/v1/threads/{}/lock", w.thread);
    let mut lea = w.t.login("lea").await;
    assert_eq!(
        lea.post_json(&lock, json!({"reason": "Done"})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        sam.post_json(&lock, json!({})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        sam.post_json(&lock, json!({"reason": "Answered"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        sam.post_json(&lock, json!({"reason": "Answered"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let mut c = w.t.store.conn().await.unwrap();
    let (closed, why): (Option<i64>, String) = c
        .one(
            q("SELECT closed_at, close_reason FROM discussion_threads WHERE id = $1")
                .bind(w.thread),
        )
        .await
        .unwrap();
    assert!(closed.is_some());
    assert_eq!(why, "Answered");
    drop(c);
    // Locked: learners cannot reply (the opening post is hidden, so show it first).
    sam.post_json(&format!("/api/v1/posts/{}/unhide", w.opening), json!({}))
        .await;
    let r = lea
        .post_json(
            &format!("/api/v1/threads/{}/replies", w.thread),
            json!({"body": "One more thing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        sam.post_empty(&format!("/api/v1/threads/{}/unlock", w.thread))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn soft_delete_and_restore() {
    let w = world().await;
    let mut sam = w.t.login("sam").await;
    let del = format!("/api/v1/posts/{}/delete", w.reply);
    let restore = format!("/api/v1/posts/{}/restore", w.reply);
    assert_eq!(
        sam.post_json(&restore, json!({})).await.status,
        StatusCode::CONFLICT
    );
    let mut lea = w.t.login("lea").await;
    assert_eq!(
        lea.post_json(&del, json!({"reason": "mine"})).await.status,
        StatusCode::FORBIDDEN,
        "learners delete their own posts through the discussions API, not this one"
    );
    let r = sam.post_json(&del, json!({"reason": "Spam"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(post_row(&w.t, w.reply).await.2.is_some());
    let mut c = w.t.store.conn().await.unwrap();
    let (count, body): (i64, String) = c
        .one(
            q("SELECT t.reply_count, p.body FROM discussion_threads t JOIN discussion_posts p ON p.thread_id = t.id
               WHERE p.id = $1")
            .bind(w.reply),
        )
        .await
        .unwrap();
    assert_eq!(count, 0, "a deleted reply leaves the count");
    assert_eq!(body, "Spammy reply", "kept");
    drop(c);
    assert_eq!(
        sam.post_json(&del, json!({"reason": "Spam"})).await.status,
        StatusCode::CONFLICT
    );
    let r = sam.post_json(&restore, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(post_row(&w.t, w.reply).await.2.is_none());
    let mut c = w.t.store.conn().await.unwrap();
    let count: i64 = c
        .scalar(q("SELECT reply_count FROM discussion_threads WHERE id = $1").bind(w.thread))
        .await
        .unwrap();
    assert_eq!(count, 1, "restored, counted again");
    let n: i64 = c
        .scalar(q(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('discussion.post.delete', 'discussion.post.restore')",
        ))
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn a_reported_post_reaches_the_queue_and_is_hidden_from_it() {
    let w = world().await;
    let mut mut_ = w.t.login("mut").await;
    let report =
        json!({"target": {"type": "post", "id": w.reply}, "reason": "spam", "text": "Ads"});
    let r = mut_.post_json("/api/v1/reports", report.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Those who are not members do not see the post to report it.
    let mut otto = w.t.login("otto").await;
    assert_eq!(
        otto.post_json("/api/v1/reports", report.clone())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The site's queue: the post's thread and excerpt, and a link to it.
    let mut mo = w.t.login("mo").await;
    let qj = mo.get("/api/v1/moderation/queue").await.json();
    let item = &qj["items"][0];
    assert_eq!(item["target"]["type"], "post");
    assert_eq!(item["target"]["id"], w.reply.to_string());
    assert!(
        item["title"].as_str().unwrap().contains("Spammy reply"),
        "{item}"
    );
    assert_eq!(
        item["link"],
        format!(
            "/courses/{QKEY}/discussion/threads/{}#post-{}",
            w.thread, w.reply
        )
    );
    // The course's staff see it on the course's moderation page.
    let mut sam = w.t.login("sam").await;
    let page = sam
        .get(&format!("/courses/{QKEY}/discussion/moderation"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Spammy reply"), "{}", page.body);
    assert!(page.body.contains("Ads"));
    // Hide from the queue: the post is hidden, the report closed, the author told.
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            json!({"target": {"type": "post", "id": w.reply}, "action": "hide", "reason": "Advertising"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["resolved"], 1);
    let (hidden, why, _) = post_row(&w.t, w.reply).await;
    assert!(hidden.is_some());
    assert_eq!(why, "Advertising");
    let qj = mo.get("/api/v1/moderation/queue").await.json();
    assert_eq!(qj["items"].as_array().unwrap().len(), 0);
    // Suspending a post makes no sense.
    let r = mo
        .post_json(
            "/api/v1/moderation/actions",
            json!({"target": {"type": "post", "id": w.reply}, "action": "block", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The author reads why and may appeal.
    let mut lea = w.t.login("lea").await;
    let n = lea.get("/api/v1/me/notifications").await.json();
    let link = n["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|x| x["link"].as_str().filter(|l| l.starts_with("/appeals/")))
        .unwrap()
        .to_owned();
    let page = lea.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Advertising"));
    assert!(page.body.contains(r#"action="/appeals""#));
}

#[tokio::test]
async fn held_posts_are_approved_or_rejected() {
    let w = world().await;
    let mut c = w.t.store.conn().await.unwrap();
    let held = d::reply(
        &mut c,
        &NewPost {
            course: w.course,
            thread: w.thread,
            parent: None,
            author: w.learner,
            anonymous: false,
            body: "First words",
            html: "<p>First words</p>",
            held: true,
            now: w.t.app.now_ms(),
        },
    )
    .await
    .unwrap();
    let held2 = d::reply(
        &mut c,
        &NewPost {
            course: w.course,
            thread: w.thread,
            parent: None,
            author: w.learner,
            anonymous: false,
            body: "Buy now",
            html: "<p>Buy now</p>",
            held: true,
            now: w.t.app.now_ms(),
        },
    )
    .await
    .unwrap();
    drop(c);
    let review = format!("/courses/{QKEY}/discussion/review");
    let mut lea = w.t.login("lea").await;
    assert_eq!(lea.get(&review).await.status, StatusCode::FORBIDDEN);
    let mut otto = w.t.login("otto").await;
    assert_eq!(otto.get(&review).await.status, StatusCode::NOT_FOUND);
    let mut sam = w.t.login("sam").await;
    let page = sam.get(&review).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("First words") && page.body.contains("Buy now"));
    let api = sam
        .get(&format!("/api/v1/courses/{QKEY}/discussions/held"))
        .await;
    assert_eq!(api.json()["posts"].as_array().unwrap().len(), 2);
    let r = sam
        .post_form(&format!("{review}/{held}/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = sam
        .post_form(
            &format!("{review}/{held2}/reject"),
            &[("reason", "Advertising")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut c = w.t.store.conn().await.unwrap();
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = c
        .all(
            q("SELECT id, held_at, deleted_at FROM discussion_posts WHERE id IN ($1, $2) ORDER BY id")
                .bind(held)
                .bind(held2),
        )
        .await
        .unwrap();
    assert_eq!(rows[0].1, None, "approved: released");
    assert_eq!(rows[0].2, None);
    assert!(rows[1].2.is_some(), "rejected: deleted softly");
    let told: Vec<(String,)> = c
        .all(q("SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id").bind(w.learner.0))
        .await
        .unwrap();
    assert!(told.contains(&("discussion-post-approved".to_owned(),)));
    assert!(told.contains(&("discussion-post-rejected".to_owned(),)));
    drop(c);
    // Nothing left to review; approving again is a conflict.
    assert_eq!(
        sam.post_empty(&format!("/api/v1/posts/{held}/approve"))
            .await
            .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn the_team_sets_the_discussion_settings() {
    let w = world().await;
    let url = format!("/courses/{QKEY}/discussion/settings");
    let mut lea = w.t.login("lea").await;
    assert_eq!(lea.get(&url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        lea.post_form(&url, &[("allow_anonymous", "on")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut sam = w.t.login("sam").await;
    let page = sam.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"name="hold_first_posts""#));
    let r = sam
        .post_form(
            &url,
            &[("allow_anonymous", "on"), ("hold_first_posts", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s = sam
        .get(&format!("/api/v1/courses/{QKEY}/discussions/settings"))
        .await
        .json();
    assert_eq!(
        s,
        json!({"allow_anonymous": true, "learner_messages": false, "hold_first_posts": true})
    );
    // An outside moderator moderates but does not set the course up.
    let mut mo = w.t.login("mo").await;
    let r = mo
        .request(
            axum::http::Method::PUT,
            &format!("/api/v1/courses/{QKEY}/discussions/settings"),
            axum::body::Body::from(
                json!({"allow_anonymous": false, "learner_messages": true, "hold_first_posts": false})
                    .to_string(),
            ),
            Some("application/json"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The Discussion tab leads those who moderate to the moderation page.
    let tab = format!("/courses/{QKEY}/discussion");
    let link = format!(r#"href="/courses/{QKEY}/discussion/moderation""#);
    assert!(sam.get(&tab).await.body.contains(&link));
    assert!(!lea.get(&tab).await.body.contains(&link));
    // The team's navigation leads there.
    let nav = sam
        .get(&format!("/courses/{QKEY}/discussion/moderation"))
        .await;
    assert!(
        nav.body
            .contains(&format!("/courses/{QKEY}/discussion/settings"))
    );
    let _ = w.staff;
}

#[tokio::test]
async fn the_moderation_page_mutes_lifts_and_renders_reasons_inert() {
    let w = world().await;
    let page = format!("/courses/{QKEY}/discussion/moderation");
    let mut anon = w.t.client();
    let r = anon.get(&page).await;
    assert_ne!(r.status, StatusCode::OK);
    let mut otto = w.t.login("otto").await;
    assert_eq!(otto.get(&page).await.status, StatusCode::NOT_FOUND);
    let mut lea = w.t.login("lea").await;
    assert_eq!(lea.get(&page).await.status, StatusCode::FORBIDDEN);
    let payload = r#"<script>alert(1)</script><img src=x onerror=alert(2)>"#;
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_form(
            &format!("{page}/mutes"),
            &[
                ("username", "mut"),
                ("kind", "mute"),
                ("until", "2026-11-28"),
                ("reason", payload),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A mute without an end date on the form: said so, typed text kept.
    let r = sam
        .post_form(
            &format!("{page}/mutes"),
            &[
                ("username", "lea"),
                ("kind", "mute"),
                ("reason", "Calm down"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Calm down"));
    // Hide a post with a hostile reason too.
    let r = sam
        .post_form(
            &format!("{page}/posts/{}/hide", w.reply),
            &[("reason", payload), ("back", "/evil//x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = sam.get(&page).await.body;
    assert!(!body.contains("<script>alert(1)"), "{body}");
    assert!(!body.contains("<img src=x"));
    assert!(body.contains("&#60;script&#62;alert(1)"), "{body}");
    // The muted person's notice shows the reason, escaped, and the end.
    let mut muted = w.t.login("mut").await;
    let n = muted.get("/api/v1/me/notifications").await.body;
    let v: serde_json::Value = serde_json::from_str(&n).unwrap();
    let link = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|x| x["link"].as_str().filter(|l| l.starts_with("/appeals/")))
        .unwrap()
        .to_owned();
    let notice = muted.get(&link).await;
    assert_eq!(notice.status, StatusCode::OK);
    assert!(!notice.body.contains("<script>alert(1)"));
    assert!(notice.body.contains("&#60;script&#62;"));
    assert!(notice.body.contains("2026-11-28"), "{}", notice.body);
    // Lift from the page.
    let mut c = w.t.store.conn().await.unwrap();
    let id: i64 = c
        .scalar(q("SELECT MAX(id) FROM discussion_mutes"))
        .await
        .unwrap();
    drop(c);
    let r = sam.post_form(&format!("{page}/mutes/{id}/lift"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = sam.get(&mutes_url(QKEY)).await.json();
    assert_eq!(list["mutes"][0]["active"], false);
}

fn new_thread(title: &str) -> serde_json::Value {
    json!({"topic": "course-general", "type": "discussion", "title": title, "body": "Hello all"})
}

#[tokio::test]
async fn a_muted_learner_keeps_learning_and_reading_but_cannot_post_until_the_end() {
    let w = world().await;
    let before = enrolments(&w.t).await;
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_json(
            &mutes_url(QKEY),
            json!({"username": "mut", "until": "2026-11-23T12:00:00Z", "reason": "Insults in replies"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut muted = w.t.login("mut").await;
    // Learning goes on: the course, a problem, the discussions to read.
    assert_eq!(
        muted
            .get(&format!("/courses/{QKEY}/courseware"))
            .await
            .status,
        StatusCode::OK
    );
    let ids = w.t.block_ids(w.course).await;
    let r = muted
        .post_json(
            &format!("/api/v1/problems/{}/submit", ids["s1-1-1-1"]),
            json!({"answers": {"s1-1-1-1_2_1": "choice_1"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let threads = format!("/api/v1/courses/{QKEY}/discussions/threads");
    assert_eq!(muted.get(&threads).await.status, StatusCode::OK);
    assert_eq!(
        muted
            .get(&format!("/api/v1/threads/{}", w.thread))
            .await
            .status,
        StatusCode::OK
    );
    // Posting: 403 with the reason and the end.
    let r = muted.post_json(&threads, new_thread("Let me speak")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let e = r.json();
    assert_eq!(e["error"]["reason"], "Insults in replies", "{e}");
    assert!(
        e["error"]["until"]
            .as_str()
            .is_some_and(|u| u.starts_with("2026-11-23T12:00")),
        "{e}"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Insults in replies")
    );
    let r = muted
        .post_json(
            &format!("/api/v1/threads/{}/replies", w.thread),
            json!({"body": "Me too"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Others post as before.
    let mut lea = w.t.login("lea").await;
    assert_eq!(
        lea.post_json(&threads, new_thread("Still here"))
            .await
            .status,
        StatusCode::CREATED
    );
    // When the mute ends, posting comes back by itself.
    w.t.clock.advance(jiff::SignedDuration::from_hours(48));
    let mut muted = w.t.login("mut").await;
    let r = muted.post_json(&threads, new_thread("I am back")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["id"].as_i64().is_some());
    assert_eq!(before, enrolments(&w.t).await, "nobody was unenrolled");
}

#[tokio::test]
async fn a_ban_has_no_end_until_it_is_lifted() {
    let w = world().await;
    let before = enrolments(&w.t).await;
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_json(
            &mutes_url(QKEY),
            json!({"username": "mut", "reason": "Spam"}),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let threads = format!("/api/v1/courses/{QKEY}/discussions/threads");
    let mut muted = w.t.login("mut").await;
    let r = muted.post_json(&threads, new_thread("Buy")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["reason"], "Spam");
    assert_eq!(r.json()["error"]["until"], serde_json::Value::Null);
    // A year later, still banned; still learning.
    w.t.clock
        .advance(jiff::SignedDuration::from_hours(24 * 400));
    let mut muted = w.t.login("mut").await;
    assert_eq!(
        muted.post_json(&threads, new_thread("Buy")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        muted
            .get(&format!("/courses/{QKEY}/courseware"))
            .await
            .status,
        StatusCode::OK
    );
    // Lifted: posting again.
    let mut sam = w.t.login("sam").await;
    assert_eq!(
        sam.delete(&format!("{}/{id}", mutes_url(QKEY)))
            .await
            .status,
        StatusCode::OK
    );
    let r = muted.post_json(&threads, new_thread("Sorry")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(before, enrolments(&w.t).await);
}

#[tokio::test]
async fn hidden_posts_are_gone_for_learners_and_kept_for_the_team() {
    let w = world().await;
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_json(
            &format!("/api/v1/posts/{}/hide", w.reply),
            json!({"reason": "Rude <b>words</b>"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let thread = format!("/api/v1/threads/{}", w.thread);
    for who in ["lea", "mut"] {
        let mut c = w.t.login(who).await;
        let t = c.get(&thread).await;
        assert_eq!(t.status, StatusCode::OK);
        assert!(
            !t.body.contains("Spammy reply"),
            "{who} must not read a hidden post: {}",
            t.body
        );
    }
    let t = sam.get(&thread).await.json();
    let reply = t["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == w.reply)
        .unwrap()
        .clone();
    assert_eq!(reply["hidden"], true);
    assert_eq!(reply["body"], "Spammy reply");
    // The reason is kept for the team (and shown, escaped, on the moderation page).
    let page = sam
        .get(&format!("/courses/{QKEY}/discussion/moderation"))
        .await
        .body;
    assert!(page.contains("Rude &#60;b&#62;words&#60;/b&#62;"), "{page}");
    // A hidden opening post takes its thread away from learners, not from the team.
    sam.post_json(
        &format!("/api/v1/posts/{}/hide", w.opening),
        json!({"reason": "Personal data"}),
    )
    .await;
    let mut muted = w.t.login("mut").await;
    assert_eq!(muted.get(&thread).await.status, StatusCode::NOT_FOUND);
    assert_eq!(sam.get(&thread).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_thread_page_offers_moderation_to_the_team_and_reporting_to_learners() {
    let w = world().await;
    let page = format!("/courses/{QKEY}/discussion/threads/{}", w.thread);
    let hide_form = format!(
        r#"action="/courses/{QKEY}/discussion/moderation/posts/{}/hide""#,
        w.reply
    );
    // A learner (not the author): a report link back to the post, no moderation forms.
    let mut muted = w.t.login("mut").await;
    let r = muted.get(&page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains(&hide_form));
    assert!(r.body.contains("/report?type=post&#38;id="), "{}", r.body);
    let report = format!(
        "/report?type=post&id={}&back={}",
        w.reply,
        url::form_urlencoded::byte_serialize(format!("{page}#post-{}", w.reply).as_bytes())
            .collect::<String>()
    );
    let form = muted.get(&report).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let r = muted
        .post_form(
            "/report",
            &[
                ("type", "post"),
                ("id", &w.reply.to_string()),
                ("reason", "harassment"),
                ("text", "Mean"),
                ("back", &format!("{page}#post-{}", w.reply)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with(&page), "{}", r.location());
    // The team: the buttons; hiding from the page comes back to the post.
    let mut sam = w.t.login("sam").await;
    let r = sam.get(&page).await;
    assert!(r.body.contains(&hide_form), "{}", r.body);
    assert!(r.body.contains(&format!(
        r#"action="/courses/{QKEY}/discussion/moderation/threads/{}/lock""#,
        w.thread
    )));
    let r = sam
        .post_form(
            &format!(
                "/courses/{QKEY}/discussion/moderation/posts/{}/hide",
                w.reply
            ),
            &[
                ("reason", "Insulting"),
                ("back", &format!("{page}#post-{}", w.reply)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with(&page), "{}", r.location());
    // Kept for the team with its reason; gone for learners.
    let r = sam.get(&page).await;
    assert!(r.body.contains("Spammy reply"));
    assert!(r.body.contains("Insulting"));
    assert!(r.body.contains(&format!(
        r#"action="/courses/{QKEY}/discussion/moderation/posts/{}/unhide""#,
        w.reply
    )));
    let r = muted.get(&page).await;
    assert!(!r.body.contains("Spammy reply"));
    assert!(!r.body.contains("Insulting"));
}

#[tokio::test]
async fn a_new_accounts_first_post_waits_for_review_where_the_course_holds_them() {
    let w = world().await;
    let newbie = w.t.newcomer("newbie").await;
    w.t.enroll(newbie, w.course).await;
    {
        let mut c = w.t.store.conn().await.unwrap();
        lyceum_store::repo::trust::accept_conduct(&mut c, newbie, "default", 0)
            .await
            .unwrap();
    }
    let mut sam = w.t.login("sam").await;
    let r = sam
        .post_form(
            &format!("/courses/{QKEY}/discussion/settings"),
            &[("hold_first_posts", "on"), ("learner_messages", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut nb = w.t.login("newbie").await;
    let threads = format!("/api/v1/courses/{QKEY}/discussions/threads");
    let r = nb
        .post_json(&threads, new_thread("My first question"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let thread = r.json()["id"].as_i64().unwrap();
    // Others do not see it yet; the team reviews it.
    let mut lea = w.t.login("lea").await;
    assert!(!lea.get(&threads).await.body.contains("My first question"));
    let review = format!("/courses/{QKEY}/discussion/review");
    let page = sam.get(&review).await;
    assert!(page.body.contains("My first question"), "{}", page.body);
    let held = sam
        .get(&format!("/api/v1/courses/{QKEY}/discussions/held"))
        .await
        .json();
    let post = held["posts"][0]["id"].as_i64().unwrap();
    assert_eq!(held["posts"][0]["thread"], thread);
    assert_eq!(held["posts"][0]["author"], "newbie");
    let r = sam
        .post_form(&format!("{review}/{post}/approve"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(lea.get(&threads).await.body.contains("My first question"));
    assert!(!sam.get(&review).await.body.contains("My first question"));
}

#[tokio::test]
async fn the_moderation_pages_issue_a_fixed_number_of_statements() {
    let w = world().await;
    let mut sam = w.t.login("sam").await;
    let page = format!("/courses/{QKEY}/discussion/moderation");
    let review = format!("/courses/{QKEY}/discussion/review");
    let count = |t: &TestApp| t.queries();
    // Warm the course cache, then count.
    sam.get(&page).await;
    sam.get(&review).await;
    let measure = async |c: &mut Client, url: &str| {
        let before = count(&w.t);
        let r = c.get(url).await;
        assert_eq!(r.status, StatusCode::OK);
        count(&w.t) - before
    };
    let small = (
        measure(&mut sam, &page).await,
        measure(&mut sam, &review).await,
    );
    // Many more mutes, actions, reports and held posts.
    {
        let mut c = w.t.store.conn().await.unwrap();
        let now = w.t.app.now_ms();
        for i in 0..30 {
            lyceum_store::repo::discussion_moderation::insert_mute(
                &mut c,
                w.course,
                w.learner,
                Some(now + 1000 + i),
                "again",
                w.staff,
                now,
            )
            .await
            .unwrap();
            d::reply(
                &mut c,
                &NewPost {
                    course: w.course,
                    thread: w.thread,
                    parent: None,
                    author: w.learner,
                    anonymous: false,
                    body: "held",
                    html: "<p>held</p>",
                    held: true,
                    now,
                },
            )
            .await
            .unwrap();
        }
    }
    let large = (
        measure(&mut sam, &page).await,
        measure(&mut sam, &review).await,
    );
    assert_eq!(small, large);
}
