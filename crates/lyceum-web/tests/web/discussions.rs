//! Course discussions over HTTP (issue 15): the JSON API's flows, who may read and write
//! (members only; everyone else gets 404), muted people told why and until when, script
//! payloads kept inert, and pages whose statement counts do not grow with the posts.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, UserId};
use lyceum_store::{Db, q};
use serde_json::json;

const OTHER: &str = "course-v1:TESTORG+OTHER+2026";

fn api(rest: &str) -> String {
    format!("/api/v1/courses/{KEY}/discussions/{rest}")
}

/// The sample course with a discussion block in its first unit, and another course.
async fn setup() -> (TestApp, CourseId, CourseId) {
    let t = TestApp::new().await;
    let mut spec = sample_course("T101", true);
    spec["sections"][0]["subsections"][0]["units"][0]["blocks"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kind": "discussion", "discussion_id": "unit-one-talk", "target": "Talk about the video"}));
    let course = t.seed(spec).await;
    let other = t.seed(sample_course("OTHER", true)).await;
    (t, course, other)
}

async fn learner(t: &TestApp, name: &str, course: CourseId) -> (UserId, Client) {
    // Trusted (a Wikimedia volunteer): the tests post more than a new account may in an hour.
    let u = t.volunteer(name).await;
    t.enroll(u, course).await;
    (u, t.login(name).await)
}

async fn mute(t: &TestApp, course: CourseId, user: UserId, until: Option<i64>, reason: &str) {
    let mut c = t.store.conn().await.unwrap();
    c.exec(
        q(
            "INSERT INTO discussion_mutes (course_id, user_id, until_at, reason, created_at)
           VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(course.0)
        .bind(user.0)
        .bind(until)
        .bind(reason),
    )
    .await
    .unwrap();
}

async fn new_thread(c: &mut Client, title: &str, body: &str) -> i64 {
    let r = c
        .post_json(
            &api("threads"),
            json!({"topic": "course-general", "type": "question", "title": title, "body": body}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn new_reply(c: &mut Client, thread: i64, body: &str, parent: Option<i64>) -> i64 {
    let mut b = json!({"body": body});
    if let Some(p) = parent {
        b["parent"] = json!(p);
    }
    let r = c
        .post_json(&format!("/api/v1/threads/{thread}/replies"), b)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn notices(t: &TestApp, user: UserId) -> Vec<String> {
    let mut c = t.store.conn().await.unwrap();
    let rows: Vec<(String,)> = c
        .all(q("SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id").bind(user.0))
        .await
        .unwrap();
    rows.into_iter().map(|(k,)| k).collect()
}

/// A busy thread leaves a follower one unread notice (leading to the first reply they
/// have not seen), not one per reply; reading the thread settles it, and the next reply
/// tells them again.
#[tokio::test]
async fn a_busy_thread_leaves_one_notice_until_it_is_read() {
    let (t, course, _) = setup().await;
    let (ana, mut a) = learner(&t, "Ana", course).await;
    let (_, mut b) = learner(&t, "Bo", course).await;
    let thread = new_thread(&mut a, "Which licence?", "For the photos.").await;
    let first = new_reply(&mut b, thread, "CC BY-SA 4.0.", None).await;
    new_reply(&mut b, thread, "Or CC0 for data.", None).await;
    new_reply(&mut b, thread, "See Commons' licensing page.", None).await;
    assert_eq!(notices(&t, ana).await, ["discussion-reply"]);
    let mut c = t.store.conn().await.unwrap();
    let links: Vec<(String, Option<i64>)> = c
        .all(q("SELECT link, read_at FROM notifications WHERE user_id = $1").bind(ana.0))
        .await
        .unwrap();
    assert!(
        links[0]
            .0
            .ends_with(&format!("/discussion/threads/{thread}#post-{first}")),
        "{links:?}"
    );
    assert_eq!(links[0].1, None);

    let r = a
        .post_empty(&format!("/api/v1/threads/{thread}/read"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let unread: i64 = c
        .scalar(
            q("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                .bind(ana.0),
        )
        .await
        .unwrap();
    assert_eq!(unread, 0, "reading the thread settles its notice");
    new_reply(&mut b, thread, "One more thought.", None).await;
    assert_eq!(
        notices(&t, ana).await,
        ["discussion-reply", "discussion-reply"]
    );
    // A mention is personal: told even while the thread's reply notice is unread.
    new_reply(&mut b, thread, "@Ana, does that answer it?", None).await;
    assert_eq!(
        notices(&t, ana).await,
        ["discussion-reply", "discussion-reply", "discussion-mention"]
    );
}

#[tokio::test]
async fn ask_reply_comment_vote_answer_and_follow() {
    let (t, course, _) = setup().await;
    let (ana, mut a) = learner(&t, "Ana", course).await;
    let (bo, mut b) = learner(&t, "Bo", course).await;

    let topics = a.get(&api("topics")).await;
    assert_eq!(topics.status, StatusCode::OK, "{}", topics.body);
    let list = topics.json()["topics"].as_array().unwrap().clone();
    let keys: Vec<&str> = list.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(keys, ["course-general", "unit-one-talk"]);
    assert_eq!(list[0]["name"], "General");
    assert_eq!(list[1]["kind"], "unit");
    assert_eq!(list[1]["name"], "Talk about the video");

    let thread = new_thread(&mut a, "How do I cite?", "Which **template**? cc @Bo").await;
    assert_eq!(notices(&t, bo).await, ["discussion-mention"]);
    let reply = new_reply(&mut b, thread, "Use {{cite web}}.", None).await;
    let comment = new_reply(&mut a, thread, "Thanks!", Some(reply)).await;
    // The asker follows and is told of the reply; the replier is not told of their own.
    assert_eq!(notices(&t, ana).await, ["discussion-reply"]);

    let r = a.post_empty(&format!("/api/v1/posts/{reply}/vote")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"voted": true, "vote_count": 1}));
    let r = b.post_empty(&format!("/api/v1/posts/{reply}/answer")).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the asker: {}",
        r.body
    );
    let r = a.post_empty(&format!("/api/v1/posts/{reply}/answer")).await;
    assert_eq!(r.json(), json!({"answer": true}));
    // Bo follows since replying: told of Ana's comment, then of the answer.
    assert_eq!(
        notices(&t, bo).await,
        [
            "discussion-mention",
            "discussion-reply",
            "discussion-answer"
        ]
    );
    let r = a
        .post_empty(&format!("/api/v1/posts/{comment}/answer"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a comment is no answer"
    );

    let r = b.get(&format!("/api/v1/threads/{thread}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["title"], "How do I cite?");
    assert_eq!(v["type"], "question");
    assert_eq!(v["answered"], true);
    assert_eq!(v["reply_count"], 2);
    assert!(
        v["html"]
            .as_str()
            .unwrap()
            .contains("<strong>template</strong>")
    );
    assert!(v["html"].as_str().unwrap().contains("href=\"/people/Bo\""));
    assert_eq!(v["replies"][0]["id"], reply);
    assert_eq!(v["replies"][0]["is_answer"], true);
    assert_eq!(v["replies"][0]["comments"][0]["id"], comment);
    assert_eq!(v["replies"][0]["author"]["username"], "Bo");

    // Following is a toggle; Bo follows since replying.
    let r = b.post_empty(&format!("/api/v1/posts/{reply}/follow")).await;
    assert_eq!(r.json(), json!({"following": false}));
    let r = b.post_empty(&format!("/api/v1/posts/{reply}/follow")).await;
    assert_eq!(r.json(), json!({"following": true}));

    // Lists: filters and search.
    let r = b.get(&api("threads?filter=unanswered")).await;
    assert_eq!(r.json()["threads"].as_array().unwrap().len(), 0);
    let r = b.get(&api("threads?q=cite")).await;
    assert_eq!(r.json()["threads"][0]["id"], thread);
    let r = b.get(&api("threads?topic=unit-one-talk")).await;
    assert_eq!(r.json()["threads"].as_array().unwrap().len(), 0);
    let r = b.get(&api("threads?filter=nonsense")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = a.get(&api("threads?filter=unread")).await;
    assert_eq!(r.json()["threads"][0]["unread"], true);
    let r = a
        .post_empty(&format!("/api/v1/threads/{thread}/read"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = a.get(&api("threads?filter=unread")).await;
    assert_eq!(r.json()["threads"].as_array().unwrap().len(), 0);

    // A thread in the unit's topic.
    let r = a
        .post_json(
            &api("threads"),
            json!({"topic": "unit-one-talk", "type": "discussion", "title": "Nice video", "body": "Loved it"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = b.get(&api("topics")).await;
    assert_eq!(r.json()["topics"][1]["threads"], 1);
    let r = a
        .post_json(
            &api("threads"),
            json!({"topic": "no-such-topic", "type": "discussion", "title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .post_json(
            &api("threads"),
            json!({"topic": "course-general", "type": "discussion", "title": "x", "body": "y", "anonymous": true}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "anonymous not allowed here"
    );
}

#[tokio::test]
async fn anonymous_posts_hide_the_name_from_peers_not_from_staff() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let (_, mut b) = learner(&t, "Bo", course).await;
    let staff = t.user("Teacher", false).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    let mut s = t.login("Teacher").await;
    let mut c = t.store.conn().await.unwrap();
    lyceum_store::repo::discussion_settings::set_settings(
        &mut c,
        course,
        &lyceum_store::repo::discussion_settings::DiscussionSettingsRow {
            allow_anonymous: true,
            ..Default::default()
        },
        0,
    )
    .await
    .unwrap();
    let r = a
        .post_json(
            &api("threads"),
            json!({"topic": "course-general", "type": "question", "title": "Shy", "body": "Hello", "anonymous": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let peer = b.get(&format!("/api/v1/threads/{id}")).await.json();
    assert_eq!(peer["author"]["username"], json!(null));
    assert_eq!(peer["author"]["anonymous"], true);
    assert!(!b.get(&api("threads")).await.body.contains("Ana"));
    let team = s.get(&format!("/api/v1/threads/{id}")).await.json();
    assert_eq!(team["author"]["username"], "Ana");
    let own = a.get(&format!("/api/v1/threads/{id}")).await.json();
    assert_eq!(own["author"]["username"], "Ana");
}

/// Who may do what, for every kind of person.
#[tokio::test]
async fn permission_matrix() {
    let (t, course, other) = setup().await;
    let (_, mut asker) = learner(&t, "Asker", course).await;
    let thread = new_thread(&mut asker, "Question", "Body").await;
    let opening = asker.get(&format!("/api/v1/threads/{thread}")).await.json()["post"]
        .as_i64()
        .unwrap();
    let (_, mut replier) = learner(&t, "Replier", course).await;
    let reply = new_reply(&mut replier, thread, "An answer", None).await;

    // Everyone else.
    let (_, learner_c) = learner(&t, "Learner", course).await;
    let (_, outsider) = learner(&t, "Outsider", other).await;
    let (muted_id, muted) = learner(&t, "Muted", course).await;
    mute(
        &t,
        course,
        muted_id,
        Some(t.app.now_ms() + 86_400_000),
        "Spam",
    )
    .await;
    let staff = t.user("Staff", false).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    let staff_c = t.login("Staff").await;
    let moderator = t.user("Moderator", false).await;
    {
        let mut c = t.store.conn().await.unwrap();
        c.exec(q("UPDATE users SET is_moderator = TRUE WHERE id = $1").bind(moderator.0))
            .await
            .unwrap();
    }
    let mod_c = t.login("Moderator").await;
    t.user("Admin", true).await;
    let admin_c = t.login("Admin").await;
    let nobody = t.client();

    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let nf = StatusCode::NOT_FOUND;
    let forbidden = StatusCode::FORBIDDEN;
    // (who, read, post, reply, vote, answer)
    let people: Vec<(&str, Client, [StatusCode; 5])> = vec![
        ("anonymous", nobody, [nf, nf, nf, nf, nf]),
        ("learner", learner_c, [ok, created, created, ok, forbidden]),
        ("other course's learner", outsider, [nf, nf, nf, nf, nf]),
        (
            "muted learner",
            muted,
            [ok, forbidden, forbidden, forbidden, forbidden],
        ),
        ("staff", staff_c, [ok, created, created, ok, ok]),
        ("site moderator", mod_c, [ok, created, created, ok, ok]),
        ("admin", admin_c, [ok, created, created, ok, ok]),
    ];
    for (who, mut c, want) in people {
        let got = [
            c.get(&format!("/api/v1/threads/{thread}")).await.status,
            c.post_json(
                &api("threads"),
                json!({"topic": "course-general", "type": "discussion", "title": "T", "body": "B"}),
            )
            .await
            .status,
            c.post_json(
                &format!("/api/v1/threads/{thread}/replies"),
                json!({"body": "me too"}),
            )
            .await
            .status,
            c.post_empty(&format!("/api/v1/posts/{opening}/vote"))
                .await
                .status,
            c.post_empty(&format!("/api/v1/posts/{reply}/answer"))
                .await
                .status,
        ];
        assert_eq!(got, want, "{who}: read, post, reply, vote, answer");
        // Lists follow reads.
        let topics = c.get(&api("topics")).await.status;
        let threads = c.get(&api("threads")).await.status;
        assert_eq!([topics, threads], [want[0], want[0]], "{who}: lists");
    }
}

#[tokio::test]
async fn not_enrolled_is_404_for_every_read_and_write() {
    let (t, course, other) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let thread = new_thread(&mut a, "Q", "B").await;
    let reply = new_reply(&mut a, thread, "R", None).await;
    let (_, mut out) = learner(&t, "Out", other).await;
    for r in [
        out.get(&api("topics")).await,
        out.get(&api("threads")).await,
        out.get(&api("threads?q=Q")).await,
        out.get(&format!("/api/v1/threads/{thread}")).await,
        out.post_json(
            &api("threads"),
            json!({"type": "question", "title": "x", "body": "y"}),
        )
        .await,
        out.post_json(&api("threads"), json!({"garbage": true}))
            .await,
        out.post_json(
            &format!("/api/v1/threads/{thread}/replies"),
            json!({"body": "x"}),
        )
        .await,
        out.post_empty(&format!("/api/v1/threads/{thread}/read"))
            .await,
        out.post_empty(&format!("/api/v1/posts/{reply}/vote")).await,
        out.post_empty(&format!("/api/v1/posts/{reply}/answer"))
            .await,
        out.post_empty(&format!("/api/v1/posts/{reply}/follow"))
            .await,
        out.get(&format!("/courses/{KEY}/discussion")).await,
        out.get(&format!("/courses/{KEY}/discussion/threads/{thread}"))
            .await,
        out.get(&format!("/courses/{KEY}/discussion/mine")).await,
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
    // The other course's own discussions work for them.
    let r = out
        .get(&format!("/api/v1/courses/{OTHER}/discussions/threads"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_muted_learner_is_told_why_and_until_when() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let thread = new_thread(&mut a, "Q", "B").await;
    let (m, mut muted) = learner(&t, "Muted", course).await;
    let until = t.app.now_ms() + 3 * 86_400_000;
    mute(&t, course, m, Some(until), "Off-topic posts").await;
    let r = muted
        .post_json(
            &format!("/api/v1/threads/{thread}/replies"),
            json!({"body": "hello"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let v = r.json();
    assert_eq!(v["error"]["code"], "lyceum-discussion-error-muted");
    assert_eq!(v["error"]["reason"], "Off-topic posts");
    assert_eq!(v["error"]["until"], "2026-11-24T12:00:00Z");
    assert_eq!(v["reason"], "Off-topic posts");
    assert_eq!(v["until"], "2026-11-24T12:00:00Z");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Off-topic posts")
    );
    // They still read, and the pages say why they cannot post before they try: the
    // thread offers no reply form.
    assert_eq!(
        muted.get(&format!("/api/v1/threads/{thread}")).await.status,
        StatusCode::OK
    );
    for page in [
        format!("/courses/{KEY}/discussion"),
        format!("/courses/{KEY}/discussion/threads/{thread}"),
    ] {
        let r = muted.get(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
        assert!(
            r.body.contains("cdx-message--warning"),
            "{page}: {}",
            r.body
        );
        assert!(r.body.contains("Off-topic posts"), "{page}");
        assert!(
            r.body.contains("2026-11-24T12:00"),
            "{page}: the end, as a time element"
        );
    }
    let r = muted
        .get(&format!("/courses/{KEY}/discussion/threads/{thread}"))
        .await;
    assert!(
        !r.body.contains("name=\"body\""),
        "no reply form: {}",
        r.body
    );
    let r = a
        .get(&format!("/courses/{KEY}/discussion/threads/{thread}"))
        .await;
    assert!(!r.body.contains("cdx-message--warning") && r.body.contains("name=\"body\""));
    // A ban has no end.
    let (b, mut banned) = learner(&t, "Banned", course).await;
    mute(&t, course, b, None, "Harassment").await;
    let r = banned
        .post_json(
            &api("threads"),
            json!({"type": "question", "title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let v = r.json();
    assert_eq!(v["error"]["code"], "lyceum-discussion-error-banned");
    assert_eq!(v["reason"], "Harassment");
    assert_eq!(v["until"], json!(null));
    // An expired mute no longer holds.
    let (e, mut expired) = learner(&t, "Expired", course).await;
    mute(&t, course, e, Some(t.app.now_ms() - 1), "Old").await;
    new_reply(&mut expired, thread, "back", None).await;
}

pub const PAYLOAD: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

#[tokio::test]
async fn script_payloads_stay_inert() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let staff = t.user("Teacher", false).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    let mut s = t.login("Teacher").await;
    let r = s
        .post_form(
            &format!("/courses/{KEY}/discussion/topics"),
            &[("action", "add"), ("name", PAYLOAD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let topic = s.get(&api("topics")).await.json()["topics"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = a
        .post_json(
            &api("threads"),
            json!({"topic": topic, "type": "question", "title": PAYLOAD, "body": PAYLOAD}),
        )
        .await;
    let thread = r.json()["id"].as_i64().unwrap();
    new_reply(&mut a, thread, PAYLOAD, None).await;
    let v = a.get(&format!("/api/v1/threads/{thread}")).await.json();
    assert!(!v["html"].as_str().unwrap().contains("<script"));
    assert!(
        !v["replies"][0]["html"]
            .as_str()
            .unwrap()
            .contains("onerror")
    );
    for path in [
        format!("/courses/{KEY}/discussion"),
        format!("/courses/{KEY}/discussion?topic={topic}"),
        format!("/courses/{KEY}/discussion?q=alert"),
        format!("/courses/{KEY}/discussion/threads/{thread}"),
        format!("/courses/{KEY}/discussion/mine"),
        format!("/courses/{KEY}/discussion/new"),
        format!("/courses/{KEY}/discussion/topics"),
        format!("/courses/{KEY}/unit/s1-1-1"),
    ] {
        let c = if path.ends_with("/topics") {
            &mut s
        } else {
            &mut a
        };
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(!r.body.contains("<script>alert"), "{path}");
        assert!(!r.body.contains("<img src=x onerror"), "{path}");
        assert!(!r.body.contains("<img src=\"x\" onerror"), "{path}");
    }
}

/// The thread page and the topic list issue the same number of statements with 3 posts
/// and with 60.
#[tokio::test]
async fn statement_counts_do_not_grow_with_posts() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let (_, mut b) = learner(&t, "Bo", course).await;
    let small = new_thread(&mut a, "Small", "B").await;
    let r = new_reply(&mut b, small, "r", None).await;
    new_reply(&mut a, small, "c", Some(r)).await;
    let big = new_thread(&mut a, "Big", "B").await;
    for i in 0..30 {
        let r = new_reply(&mut b, big, &format!("reply {i}"), None).await;
        new_reply(&mut a, big, &format!("comment {i}"), Some(r)).await;
        a.post_empty(&format!("/api/v1/posts/{r}/vote")).await;
    }
    async fn count(t: &TestApp, c: &mut Client, path: &str) -> u64 {
        assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
        let before = t.queries();
        assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
        t.queries() - before
    }
    let page = |id: i64| format!("/courses/{KEY}/discussion/threads/{id}");
    let api_thread = |id: i64| format!("/api/v1/threads/{id}");
    assert_eq!(
        count(&t, &mut b, &page(small)).await,
        count(&t, &mut b, &page(big)).await
    );
    assert_eq!(
        count(&t, &mut b, &api_thread(small)).await,
        count(&t, &mut b, &api_thread(big)).await
    );
    let list = format!("/courses/{KEY}/discussion");
    let before = count(&t, &mut b, &list).await;
    for i in 0..25 {
        new_thread(&mut a, &format!("More {i}"), "x").await;
    }
    assert_eq!(count(&t, &mut b, &list).await, before);
    let api_list = api("threads");
    let n = count(&t, &mut b, &api_list).await;
    assert!(n <= 8, "{n} statements for the thread list");
}

#[tokio::test]
async fn ask_in_a_unit_answer_and_mark_it_on_the_pages() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let staff = t.user("Teacher", false).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    let mut s = t.login("Teacher").await;
    let unit = format!("/courses/{KEY}/unit/s1-1-1");
    let r = a.get(&unit).await;
    assert!(r.body.contains("Talk about the video"), "{}", r.body);
    assert!(r.body.contains(&format!("/courses/{KEY}/discussion/new")));
    // Ask from the unit.
    let r = a
        .post_form(
            &format!("/courses/{KEY}/discussion/new"),
            &[
                ("topic", "unit-one-talk"),
                ("kind", "question"),
                ("title", "Where is the transcript?"),
                ("body", "I cannot find it."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let thread_url = r.location().to_owned();
    let id: i64 = thread_url.rsplit('/').next().unwrap().parse().unwrap();
    assert!(a.get(&unit).await.body.contains("Where is the transcript?"));
    // The outline counts the unit's threads.
    let r = a.get(&format!("/courses/{KEY}/courseware")).await;
    assert!(r.body.contains("1 thread"), "{}", r.body);
    // Staff answer; the asker marks it.
    let r = s
        .post_form(
            &thread_url,
            &[("action", "reply"), ("body", "Under the video.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let reply = a.get(&format!("/api/v1/threads/{id}")).await.json()["replies"][0]["id"]
        .as_i64()
        .unwrap();
    let posts = format!("/courses/{KEY}/discussion/posts/{reply}");
    let r = a.post_form(&posts, &[("action", "answer")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&thread_url).await;
    assert!(page.body.contains("discussion__post--answer"));
    // Staff edit with a reason, shown on the post; close with a reason.
    let opening = a.get(&format!("/api/v1/threads/{id}")).await.json()["post"]
        .as_i64()
        .unwrap();
    let edit = format!("/courses/{KEY}/discussion/posts/{opening}");
    assert_eq!(s.get(&edit).await.status, StatusCode::OK);
    let r = s
        .post_form(
            &edit,
            &[
                ("action", "edit"),
                ("title", "Where is the transcript?"),
                ("body", "I cannot find it!"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    let r = s
        .post_form(
            &edit,
            &[
                ("action", "edit"),
                ("title", "Where is the transcript?"),
                ("body", "I cannot find it!"),
                ("reason", "Typo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s
        .post_form(&thread_url, &[("action", "close"), ("reason", "Answered")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = a.get(&thread_url).await;
    assert!(
        page.body.contains("Edited by staff: <bdi>Typo</bdi>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("This thread is closed: <bdi>Answered</bdi>")
    );
    let r = a
        .post_form(&thread_url, &[("action", "reply"), ("body", "one more")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Staff actions are in the audit log: who, why, and what the post said before.
    let r = s.post_form(&thread_url, &[("action", "pin")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut c = t.store.conn().await.unwrap();
    let audit: Vec<(String, String, String)> = c
        .all(q("SELECT action, reason, details FROM audit_log WHERE action LIKE 'discussion.%' ORDER BY id"))
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "discussion.post.edit",
            "discussion.thread.lock",
            "discussion.thread.pin"
        ]
    );
    assert_eq!(audit[0].1, "Typo");
    let before: serde_json::Value = serde_json::from_str(&audit[0].2).unwrap();
    assert_eq!(before["course"], KEY);
    assert!(before["before"].is_string(), "{before}");
    assert_eq!(audit[1].1, "Answered");
    // A learner cannot pin or close.
    let r = a.post_form(&thread_url, &[("action", "pin")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Preview renders without storing.
    let before = t.store.write_count();
    let r = a
        .post_form(
            &format!("/courses/{KEY}/discussion/new"),
            &[
                ("action", "preview"),
                ("title", "x"),
                ("body", "**bold** <script>x</script>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<strong>bold</strong>"));
    assert!(!r.body.contains("<script>x"));
    assert_eq!(t.store.write_count(), before);
}

#[tokio::test]
async fn pages_never_write_on_get_and_read_right_to_left() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let thread = new_thread(&mut a, "سؤال عن المصادر", "كيف أضيف مرجعًا؟").await;
    new_reply(&mut a, thread, "بالقالب", None).await;
    let staff = t.user("Teacher", false).await;
    t.make_staff(staff, course, CourseRole::Staff).await;
    let mut s = t.login("Teacher").await;
    let paths = [
        format!("/courses/{KEY}/discussion"),
        format!("/courses/{KEY}/discussion?filter=unread&sort=votes&q=مرجعًا"),
        format!("/courses/{KEY}/discussion/threads/{thread}"),
        format!("/courses/{KEY}/discussion/new"),
        format!("/courses/{KEY}/discussion/mine"),
        format!("/courses/{KEY}/courseware"),
        format!("/courses/{KEY}/unit/s1-1-1"),
    ];
    for path in &paths {
        for c in [&mut a, &mut s] {
            assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
            let before = t.store.write_count();
            let r = c.get_with(path, &[("accept-language", "ar")]).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(r.body.contains("dir=\"rtl\""), "{path}");
            assert_eq!(t.store.write_count(), before, "GET {path} wrote");
        }
    }
    let r = s.get(&format!("/courses/{KEY}/discussion/topics")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        a.get(&format!("/courses/{KEY}/discussion/topics"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The search found the Arabic thread.
    let r = a
        .get(&format!("/courses/{KEY}/discussion?q={}", enc("مرجعًا")))
        .await;
    assert!(r.body.contains("سؤال عن المصادر"));
    // Opening a thread from the list marks it read (a POST).
    let r = a
        .post_form(
            &format!("/courses/{KEY}/discussion/threads/{thread}"),
            &[("action", "open")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = a.get(&api("threads?filter=unread")).await;
    assert_eq!(r.json()["threads"].as_array().unwrap().len(), 0);
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where the course holds first posts, a new account's first post waits for review:
/// its author sees it (marked), others do not; once approved, later posts go out at once.
#[tokio::test]
async fn a_new_accounts_first_post_waits_where_the_course_holds_them() {
    let (t, course, _) = setup().await;
    {
        let mut c = t.store.conn().await.unwrap();
        lyceum_store::repo::discussion_settings::set_settings(
            &mut c,
            course,
            &lyceum_store::repo::discussion_settings::DiscussionSettingsRow {
                hold_first_posts: true,
                ..Default::default()
            },
            0,
        )
        .await
        .unwrap();
    }
    let (_, mut old) = learner(&t, "Old", course).await;
    let fresh = t.newcomer("Fresh").await;
    t.enroll(fresh, course).await;
    let mut f = t.login("Fresh").await;
    let r = f
        .post_json(
            &api("threads"),
            json!({"topic": "course-general", "type": "question", "title": "Held?", "body": "First"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["held"], true);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        f.get(&format!("/api/v1/threads/{id}")).await.json()["held"],
        true
    );
    assert_eq!(
        old.get(&format!("/api/v1/threads/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(old.get(&api("threads")).await.json()["threads"], json!([]));
    // The page tells the author it waits.
    let r = f
        .post_form(
            &format!("/courses/{KEY}/discussion/new"),
            &[("kind", "question"), ("title", "Again"), ("body", "Second")],
        )
        .await;
    assert!(
        r.location().contains("notice=discussion-held"),
        "{}",
        r.location()
    );
    // Approved (what the review queue does): visible, and the next post is not held.
    {
        let mut c = t.store.conn().await.unwrap();
        c.exec(q("UPDATE discussion_posts SET held_at = NULL WHERE thread_id = $1").bind(id))
            .await
            .unwrap();
        c.exec(q("UPDATE discussion_threads SET held_at = NULL WHERE id = $1").bind(id))
            .await
            .unwrap();
    }
    assert_eq!(
        old.get(&format!("/api/v1/threads/{id}")).await.status,
        StatusCode::OK
    );
    let r = f
        .post_json(
            &format!("/api/v1/threads/{id}/replies"),
            json!({"body": "more"}),
        )
        .await;
    assert_eq!(r.json()["held"], false);
}

#[tokio::test]
async fn a_suspended_member_reads_but_does_not_write() {
    let (t, course, _) = setup().await;
    let (_, mut a) = learner(&t, "Ana", course).await;
    let thread = new_thread(&mut a, "Q", "B").await;
    let (s, mut sus) = learner(&t, "Sus", course).await;
    {
        let mut c = t.store.conn().await.unwrap();
        lyceum_store::repo::moderation::set_suspended(
            &mut c,
            s,
            Some((t.app.now_ms() + 86_400_000, "spam")),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        sus.get(&format!("/api/v1/threads/{thread}")).await.status,
        StatusCode::OK
    );
    let r = sus
        .post_json(
            &format!("/api/v1/threads/{thread}/replies"),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["error"]["code"],
        "lyceum-discussion-error-suspended"
    );
}
