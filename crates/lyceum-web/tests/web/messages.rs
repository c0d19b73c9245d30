//! Private messages (issue 15): who may write to whom (learner↔staff always, learners
//! among themselves where the course allows, members only, never past a block, never
//! while suspended), script payloads inert, notices, pages that read only, block,
//! unblock, report, and the pages in Arabic.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_store::repo::{discussion_settings, moderation, notifications};
use serde_json::json;

struct World {
    t: TestApp,
    course: lyceum_core::CourseId,
}

/// A course with two learners (ana, ben), a teaching assistant (tom), and zed, who is
/// enrolled in another course only.
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let other = t.seed(sample_course("T202", true)).await;
    for (name, c) in [("ana", course), ("ben", course), ("zed", other)] {
        let u = t.user(name, false).await;
        t.enroll(u, c).await;
    }
    let tom = t.user("tom", false).await;
    t.make_staff(tom, course, CourseRole::Staff).await;
    World { t, course }
}

async fn send(c: &mut Client, to: &str, body: &str) -> Resp {
    c.post_json(
        "/api/v1/messages",
        json!({"to": to, "course": KEY, "body": body}),
    )
    .await
}

fn code(r: &Resp) -> String {
    r.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn notices_of(t: &TestApp, name: &str) -> Vec<notifications::NoticeRow> {
    let mut c = t.store.conn().await.unwrap();
    let u = lyceum_store::repo::users::find_user_by_key(&mut c, name)
        .await
        .unwrap()
        .unwrap();
    notifications::recent(&mut c, u.id(), 50).await.unwrap()
}

#[tokio::test]
async fn who_may_write_to_whom() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    let mut tom = t.login("tom").await;
    let mut zed = t.login("zed").await;

    // Learner → staff and staff → learner: always.
    let r = send(&mut ana, "tom", "Hello, I have a question").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["id"].as_i64().is_some());
    assert_eq!(
        send(&mut tom, "ana", "Ask away").await.status,
        StatusCode::CREATED
    );
    // The recipient is told, with a link to the conversation.
    let n = notices_of(t, "tom").await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, "message");
    assert_eq!(n[0].link, "/messages/ana");

    // Learner → learner: allowed by default, refused where the course says no.
    assert_eq!(
        send(&mut ana, "ben", "Hi Ben").await.status,
        StatusCode::CREATED
    );
    {
        let mut c = t.store.conn().await.unwrap();
        discussion_settings::set_settings(
            &mut c,
            w.course,
            &discussion_settings::DiscussionSettingsRow {
                learner_messages: false,
                ..Default::default()
            },
            0,
        )
        .await
        .unwrap();
    }
    let r = send(&mut ana, "ben", "Hi again").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(code(&r), "lyceum-message-error-learners");
    assert_eq!(
        send(&mut ana, "tom", "Still fine").await.status,
        StatusCode::CREATED
    );

    // Not a member of the course, either way: not found. Nobody: not found.
    assert_eq!(
        send(&mut zed, "ana", "Hi").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&mut ana, "zed", "Hi").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&mut ana, "nobody", "Hi").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        zed.get("/api/v1/messages/ana").await.status,
        StatusCode::NOT_FOUND
    );
    // Anonymous: log in first.
    let r = t
        .client()
        .post_json(
            "/api/v1/messages",
            json!({"to": "tom", "course": KEY, "body": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Empty and to oneself: refused.
    assert_eq!(
        send(&mut ana, "tom", "   ").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(&mut ana, "ana", "me").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Unknown fields: bad request.
    let r = ana
        .post_json(
            "/api/v1/messages",
            json!({"to": "tom", "course": KEY, "body": "x", "cc": "ben"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_block_stops_delivery_without_saying_more() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    let mut tom = t.login("tom").await;
    let r = tom
        .post_json("/api/v1/messages/blocks", json!({"username": "ana"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send(&mut ana, "tom", "Please answer").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(code(&r), "lyceum-message-error-undeliverable");
    assert!(!r.body.contains("block"), "{}", r.body);
    assert!(notices_of(t, "tom").await.is_empty());
    assert_eq!(
        tom.get("/api/v1/messages").await.json()["conversations"],
        json!([])
    );
    // Tom still writes to Ana; the block is his.
    assert_eq!(
        send(&mut tom, "ana", "Hello").await.status,
        StatusCode::CREATED
    );
    let blocks = tom.get("/api/v1/messages/blocks").await.json();
    assert_eq!(blocks[0]["username"], "ana");
    // Unblocked (DELETE, or the POST form): delivered again.
    assert_eq!(
        tom.delete("/api/v1/messages/blocks/ana").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&mut ana, "tom", "Thanks").await.status,
        StatusCode::CREATED
    );
    // … and by name in the body.
    tom.post_json("/api/v1/messages/blocks", json!({"username": "ana"}))
        .await;
    assert_eq!(
        send(&mut ana, "tom", "Blocked again").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        tom.post_json("/api/v1/messages/unblock", json!({"username": "ana"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&mut ana, "tom", "Thanks again").await.status,
        StatusCode::CREATED
    );
    // The pages: block from the conversation, unblock from the list.
    assert_eq!(
        tom.post_form("/messages/ana/block", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let list = tom.get("/messages").await;
    assert!(list.body.contains("/messages/ana/unblock"), "{}", list.body);
    assert_eq!(
        tom.post_form("/messages/ana/unblock", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&mut ana, "tom", "Again").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn suspended_people_cannot_write() {
    let w = world().await;
    let t = &w.t;
    {
        let mut c = t.store.conn().await.unwrap();
        let ana = lyceum_store::repo::users::find_user_by_key(&mut c, "ana")
            .await
            .unwrap()
            .unwrap();
        moderation::set_suspended(
            &mut c,
            ana.id(),
            Some((t.app.now_ms() + 86_400_000, "spam")),
        )
        .await
        .unwrap();
    }
    let mut ana = t.login("ana").await;
    let r = send(&mut ana, "tom", "Let me write").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(code(&r), "lyceum-message-error-suspended");
    // The page says so instead of offering the form.
    let r = ana.get("/messages/tom").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("name=\"body\""), "{}", r.body);
    assert!(r.body.contains("suspended"), "{}", r.body);
}

#[tokio::test]
async fn script_payloads_are_inert_and_untrusted_links_nofollow() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)> \"><svg onload=alert(4)>\n\nSee [x](javascript:alert(3)) and [site](https://example.org).";
    assert_eq!(
        send(&mut ana, "tom", payload).await.status,
        StatusCode::CREATED
    );
    let mut tom = t.login("tom").await;
    for body in [
        tom.get("/messages/ana").await.body,
        tom.get("/messages").await.body,
    ] {
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(!body.contains("onerror=alert(2)>"), "{body}");
        assert!(!body.contains("<svg onload"), "{body}");
        assert!(!body.contains("href=\"javascript:"), "{body}");
    }
    let page = tom.get("/messages/ana").await.body;
    assert!(
        page.contains("rel=\"noopener noreferrer nofollow ugc\""),
        "{page}"
    );
    let api = tom.get("/api/v1/messages/ana").await.json();
    let html = api["messages"][0]["html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:")
    );
    // The notice's subject is the sender's name, shown escaped.
    let r = tom.get("/notifications").await;
    assert!(r.body.contains("sent you a private message"), "{}", r.body);
}

#[tokio::test]
async fn conversations_list_read_and_reply_on_the_pages() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    for i in 0..3 {
        send(&mut ana, "tom", &format!("Question {i}")).await;
    }
    let mut tom = t.login("tom").await;
    let api = tom.get("/api/v1/messages").await.json();
    assert_eq!(api["unread"], 3);
    assert_eq!(api["conversations"][0]["username"], "ana");
    assert_eq!(api["conversations"][0]["unread"], 3);
    assert_eq!(api["conversations"][0]["snippet"], "Question 2");

    // The pages only read (a GET never writes), and show what is unread.
    for path in ["/messages", "/messages/ana"] {
        let before = t.store.write_count();
        let r = tom.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(t.store.write_count(), before, "GET {path} wrote");
    }
    let page = tom.get("/messages/ana").await.body;
    assert!(page.contains("action=\"/messages/ana/read\""), "{page}");
    assert!(page.contains("Question 0") && page.contains("Question 2"));
    // Marking read is a POST.
    let r = tom.post_form("/messages/ana/read", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(tom.get("/api/v1/messages").await.json()["unread"], 0);

    // A reply from the page's form (the course is the one they share).
    send(&mut ana, "tom", "One more").await;
    let r = tom
        .post_form("/messages/ana", &[("course", KEY), ("body", "**Sure**")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/messages/ana"));
    // Replying read what Ana wrote.
    assert_eq!(tom.get("/api/v1/messages").await.json()["unread"], 0);
    let conv = ana.get("/api/v1/messages/tom").await.json();
    assert_eq!(conv["messages"][0]["from"], "tom");
    assert_eq!(
        conv["messages"][0]["html"],
        "<p><strong>Sure</strong></p>\n"
    );
    assert_eq!(conv["courses"][0]["id"], KEY);
    // The API marks read too.
    let r = ana.post_empty("/api/v1/messages/tom/read").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["marked"], 1);
    // An empty reply keeps the page with the error.
    let r = tom
        .post_form("/messages/ana", &[("course", KEY), ("body", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Write a message first"), "{}", r.body);

    // The staff's learner page links to the conversation.
    let mut c = t.store.conn().await.unwrap();
    let ana_id = lyceum_store::repo::users::find_user_by_key(&mut c, "ana")
        .await
        .unwrap()
        .unwrap()
        .id;
    drop(c);
    let r = tom
        .get(&format!("/courses/{KEY}/instructor/learners/{ana_id}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("/messages/ana?course="), "{}", r.body);
    // Learners find their course's team on the messages page.
    let r = ana.get("/messages").await;
    assert!(r.body.contains("/messages/tom?course="), "{}", r.body);
}

#[tokio::test]
async fn conversations_page_back() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    // Written straight to the store: the API's hourly quota is not what is tested here.
    let mut db = t.store.conn().await.unwrap();
    let ana_id = lyceum_store::repo::users::find_user_by_key(&mut db, "ana")
        .await
        .unwrap()
        .unwrap()
        .id();
    let tom_id = lyceum_store::repo::users::find_user_by_key(&mut db, "tom")
        .await
        .unwrap()
        .unwrap()
        .id();
    for i in 0..55 {
        lyceum_store::repo::messages::insert(
            &mut db,
            &lyceum_store::repo::messages::NewMessage {
                course: w.course,
                sender: ana_id,
                recipient: tom_id,
                body: &format!("n{i}"),
                html: &format!("<p>n{i}</p>"),
                now: i,
            },
        )
        .await
        .unwrap();
    }
    drop(db);
    let _ = &mut ana;
    let mut tom = t.login("tom").await;
    let first = tom.get("/api/v1/messages/ana").await.json();
    assert_eq!(first["messages"].as_array().unwrap().len(), 50);
    let older = first["older"].as_i64().unwrap();
    let rest = tom
        .get(&format!("/api/v1/messages/ana?before={older}"))
        .await
        .json();
    assert_eq!(rest["messages"].as_array().unwrap().len(), 5);
    assert_eq!(rest["messages"][4]["body"], "n0");
    assert!(rest["older"].is_null());
    let page = tom.get("/messages/ana").await.body;
    assert!(page.contains(&format!("/messages/ana?before={older}")));
}

#[tokio::test]
async fn a_received_message_is_reported_as_its_sender_with_the_message_quoted() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    let id = send(&mut ana, "ben", "You are an idiot").await.json()["id"]
        .as_i64()
        .unwrap();
    let mut ben = t.login("ben").await;
    // Only the recipient reports it.
    let r = ana
        .post_json(
            "/api/v1/messages/reports",
            json!({"message": id, "reason": "harassment"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The report form shows the message; the POST files it.
    let r = ben.get(&format!("/messages/ana/report/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("You are an idiot"));
    let r = ben
        .post_json(
            "/api/v1/messages/reports",
            json!({"message": id, "reason": "harassment", "text": "Insult"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Once is enough: a second report of the same person waits for the first.
    let r = ben
        .post_form(
            &format!("/messages/ana/report/{id}"),
            &[("reason", "harassment"), ("text", "Again")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Tom reports through the page's form.
    let mut tom = t.login("tom").await;
    let id2 = send(&mut ana, "tom", "Spam spam spam").await.json()["id"]
        .as_i64()
        .unwrap();
    let r = tom
        .post_form(
            &format!("/messages/ana/report/{id2}"),
            &[("reason", "spam"), ("text", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("notice=reported"));
    t.user("root", true).await;
    let mut mods = t.login("root").await;
    let q = mods.get("/api/v1/moderation/queue").await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    let body = q.body;
    assert!(body.contains("\"user\"") && body.contains("ana"), "{body}");
    assert!(
        body.contains("Insult") && body.contains("> You are an idiot"),
        "{body}"
    );
}

#[tokio::test]
async fn the_pages_work_in_arabic() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    send(&mut ana, "tom", "مرحبا").await;
    for path in ["/messages?uselang=ar", "/messages/tom?uselang=ar"] {
        let r = ana.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("dir=\"rtl\""), "{path}");
        assert!(r.body.contains("الرسائل"), "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn a_new_account_sends_a_few_dozen_messages_an_hour() {
    let w = world().await;
    let t = &w.t;
    let mut ana = t.login("ana").await;
    let quota = lyceum_app::trust::Creation::Message.quota(false);
    for i in 0..quota {
        let r = send(&mut ana, "tom", &format!("m{i}")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{i}: {}", r.body);
    }
    let r = send(&mut ana, "tom", "one too many").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(!r.header("retry-after").is_empty());
    // The refused message left nothing behind.
    let conv = t
        .login("tom")
        .await
        .get("/api/v1/messages/ana")
        .await
        .json();
    assert_eq!(conv["messages"].as_array().unwrap().len() as i64, quota);
}
