//! Open responses in HTML: the block on the unit page, drafts and submitting (a refused
//! submit keeps the text), peer review without names, attached files only for those
//! who may see them, and the notifications page.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::notifications;
use std::collections::HashMap;

const OR_KEY: &str = "course-v1:TESTORG+OR101+2026";

fn course() -> serde_json::Value {
    serde_json::json!({
        "org": "TESTORG", "code": "OR101", "run": "2026", "language": "en",
        "title": "Writing for Wikipedia", "short_description": "Open responses",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "sections": [{"title": "Week 1", "subsections": [{"title": "Assignments", "units": [
            {"title": "Mission", "blocks": [{
                "kind": "open_response", "title": "Mission statement",
                "prompts": ["Write a *mission statement* for your partnership."],
                "expected_minutes": 30,
                "allow_resubmission": false,
                "files": {"requirement": "optional", "allowed": ["pdf", "png"], "max_mb": 1, "max_files": 2},
                "criteria": [
                    {"name": "clarity", "label": "Clarity", "scale": "wikilearn"},
                    {"name": "ideas", "label": "Ideas", "options": [
                        {"name": "weak", "label": "Weak", "points": 0},
                        {"name": "strong", "label": "Strong", "points": 4, "explanation": "Original and precise."}
                    ]}
                ]
            }]},
            {"title": "Peer", "blocks": [{
                "kind": "open_response", "title": "Reflection",
                "prompts": ["What did you learn?"],
                "steps": ["peer", "staff"],
                "peer": {"must_grade": 1, "graded_by": 1},
                "criteria": [{"name": "depth", "label": "Depth", "scale": "wikilearn"}]
            }]},
            {"title": "Self", "blocks": [{
                "kind": "open_response", "title": "Looking back",
                "prompts": ["How did it go?"],
                "steps": ["self"],
                "criteria": [{"name": "honesty", "label": "Honesty", "scale": "wikilearn", "feedback": "required"}]
            }]}
        ]}]}]
    })
}

struct World {
    t: TestApp,
    course: CourseId,
    ids: HashMap<String, i64>,
    users: HashMap<String, UserId>,
}

async fn world(learners: &[&str]) -> World {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let mut users = HashMap::new();
    for name in learners {
        let u = t.user(name, false).await;
        t.enroll(u, course).await;
        users.insert((*name).to_owned(), u);
    }
    let ids = t.block_ids(course).await;
    World {
        t,
        course,
        ids,
        users,
    }
}

fn unit(name: &str) -> String {
    format!("/courses/{OR_KEY}/unit/{name}")
}

fn action(block: i64) -> String {
    format!("/courses/{OR_KEY}/open-response/{block}")
}

#[tokio::test]
async fn the_block_shows_prompt_rubric_time_and_form() {
    let w = world(&["lina"]).await;
    let mut c = w.t.login("lina").await;
    let r = c.get(&unit("s1-1-1")).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("Mission statement"), "{b}");
    assert!(b.contains("<em>mission statement</em>"), "the prompt: {b}");
    assert!(b.contains("About 30 minutes"), "{b}");
    assert!(b.contains("<details class=\"or-rubric\">"), "{b}");
    assert!(b.contains("Clarity") && b.contains("Original and precise."));
    assert!(
        b.contains("Needs improvement"),
        "preset options are named: {b}"
    );
    assert!(b.contains("name=\"text\""), "the writing form: {b}");
    assert!(
        b.contains("Save draft")
            && b.contains("After you submit, you cannot change your response.")
    );
    assert!(b.contains("multipart/form-data") && b.contains("Accepted: pdf, png"));
    assert!(b.contains("1. Staff grading"), "{b}");
    // Visitors are asked to log in first.
    let r = w.t.client().get(&unit("s1-1-1")).await;
    assert!(r.location().starts_with("/login"), "{}", r.location());
}

#[tokio::test]
async fn a_draft_is_kept_and_a_submission_locks_the_response() {
    let w = world(&["lina"]).await;
    let block = w.ids["s1-1-1-1"];
    let mut c = w.t.login("lina").await;
    let r = c
        .post_form(
            &action(block),
            &[("action", "save"), ("text", "First line\nsecond <line>")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("notice=or-draft-saved"));
    assert!(r.location().ends_with(&format!("#block-{block}")));
    let b = c.get(&unit("s1-1-1")).await.body;
    assert!(b.contains("First line\nsecond &#60;line&#62;"), "{b}");
    assert!(b.contains("Draft saved"), "{b}");

    let r = c
        .post_form(
            &action(block),
            &[
                ("action", "submit"),
                ("text", "Final <b>text</b>\nwith a break"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = c.get(&unit("s1-1-1")).await.body;
    assert!(!b.contains("name=\"text\""), "locked: {b}");
    assert!(b.contains("Your submission"));
    assert!(
        b.contains("Final &lt;b&gt;text&lt;/b&gt;<br>\nwith a break"),
        "escaped, line breaks kept: {b}"
    );
    assert!(b.contains("1. Staff grading — <span class=\"or-steps__state\">waiting"));
    assert!(b.contains("waiting for the teaching team"));
    // A second submit is refused.
    let r = c
        .post_form(&action(block), &[("action", "submit"), ("text", "again")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_refused_submit_keeps_the_text_and_speaks_the_learners_language() {
    let w = world(&["lina"]).await;
    let block = w.ids["s1-1-1-1"];
    let mut c = w.t.login("lina").await;
    let long = format!("Mon texte {}", "x".repeat(100_000));
    let r = c
        .post_form(
            &format!("{}?uselang=fr", action(block)),
            &[("action", "submit"), ("text", &long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Votre réponse est trop longue"),
        "{}",
        &r.body[..2000.min(r.body.len())]
    );
    assert!(r.body.contains(&long), "the text is kept");
    // Nothing was submitted.
    let b = c.get(&unit("s1-1-1")).await.body;
    assert!(b.contains("name=\"text\""));
}

#[tokio::test]
async fn peer_review_never_shows_the_authors_name() {
    let w = world(&["alice_author", "bob"]).await;
    let block = w.ids["s1-1-2-1"];
    let mut alice = w.t.login("alice_author").await;
    let r = alice
        .post_form(
            &action(block),
            &[("action", "submit"), ("text", "Alice learned a lot")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = alice.get(&unit("s1-1-2")).await.body;
    assert!(
        b.contains("Peer review — <span class=\"or-steps__state\">0 of 1 review given"),
        "{b}"
    );
    assert!(b.contains("/peer-review"));

    let mut bob = w.t.login("bob").await;
    let peer = format!("/courses/{OR_KEY}/open-response/{block}/peer-review");
    // Before submitting, no reviewing.
    let r = bob.get(&peer).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    bob.post_form(
        &action(block),
        &[("action", "submit"), ("text", "Bob's view")],
    )
    .await;
    // Opening the page gives nothing (a GET never writes): a button asks for a response.
    let r = bob.get(&peer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("Alice learned a lot"), "{}", r.body);
    assert!(
        r.body.contains(&format!(r#"action="{peer}/next""#)),
        "{}",
        r.body
    );
    let r = bob.post_form(&format!("{peer}/next"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), peer);
    let r = bob.get(&peer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Alice learned a lot"), "{}", r.body);
    assert!(!r.body.contains("alice_author"), "anonymous: {}", r.body);
    let sub = r
        .body
        .split("name=\"submission\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    // A missing option: refused, the feedback kept.
    let r = bob
        .post_form(
            &peer,
            &[("submission", &sub), ("overall_feedback", "Nice work")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Please choose an option for “Depth”"));
    assert!(r.body.contains("Nice work"));
    let r = bob
        .post_form(
            &peer,
            &[
                ("submission", &sub),
                ("criterion.depth", "wikilearn-good"),
                ("overall_feedback", "Nice work"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = bob.get(&peer).await;
    assert!(
        r.body.contains("You have given all required reviews"),
        "{}",
        r.body
    );
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----lyceumtestboundary";
    let mut body = Vec::new();
    for (name, file, data) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, block: i64, fields: &[(&str, Option<&str>, &[u8])]) -> Resp {
    let (ct, body) = multipart(fields);
    c.request(
        Method::POST,
        &format!("{}/files", action(block)),
        Body::from(body),
        Some(&ct),
        &[],
    )
    .await
}

#[tokio::test]
async fn files_go_to_their_owner_assigned_peers_and_staff_only() {
    let w = world(&["lina", "carol"]).await;
    let teacher = w.t.user("teacher", false).await;
    w.t.make_staff(teacher, w.course, CourseRole::Staff).await;
    let block = w.ids["s1-1-1-1"];
    let mut lina = w.t.login("lina").await;
    // A refused type keeps the text typed beside it.
    let r = upload(
        &mut lina,
        block,
        &[
            ("text", None, b"Kept text"),
            ("alt", None, b""),
            ("file", Some("run.exe"), b"MZ"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("not accepted here") && r.body.contains("Kept text"));
    // An image needs alt text.
    let r = upload(
        &mut lina,
        block,
        &[("alt", None, b""), ("file", Some("p.png"), b"\x89PNG")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(
        &mut lina,
        block,
        &[
            ("text", None, b"My essay"),
            ("alt", None, b""),
            ("file", Some("essay é.pdf"), b"%PDF-1.4 essay"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = lina.get(&unit("s1-1-1")).await.body;
    assert!(b.contains("My essay"), "the text came along: {b}");
    let url = format!(
        "/courses/{OR_KEY}/open-response/files/{}",
        b.split("/open-response/files/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
    );
    let r = lina.get(&url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, b"%PDF-1.4 essay");
    assert!(r.header("content-disposition").starts_with("attachment;"));
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(r.header("content-type"), "application/pdf");
    let mut carol = w.t.login("carol").await;
    assert_eq!(carol.get(&url).await.status, StatusCode::NOT_FOUND);
    let mut staff = w.t.login("teacher").await;
    assert_eq!(staff.get(&url).await.status, StatusCode::OK);
    // Staff see the link to the queue on the unit page.
    let b = staff.get(&unit("s1-1-1")).await.body;
    assert!(b.contains(&format!("instructor/open-responses?block={block}")));
    // Removing the file.
    let id = url.rsplit('/').next().unwrap();
    let r = lina
        .post_form(&action(block), &[("text", "My essay"), ("remove_file", id)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(lina.get(&url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notifications_are_listed_counted_and_marked_read() {
    let w = world(&["lina", "omar"]).await;
    let lina = w.users["lina"];
    {
        let mut c = w.t.store.conn().await.unwrap();
        for kind in ["feedback", "returned"] {
            notifications::notify(
                &mut c,
                &notifications::NewNotice {
                    user: lina,
                    course: Some(w.course),
                    kind,
                    link: "/courses/x/unit/u1#block-3",
                    subject: "Mission statement",
                    now: 1,
                },
            )
            .await
            .unwrap();
        }
    }
    let mut c = w.t.login("lina").await;
    let r = c.get("/notifications").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("You have new feedback on “<bdi>Mission statement</bdi>”"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Your response to “<bdi>Mission statement</bdi>” was returned for revision")
    );
    // Each names its course, and opening one is a POST that marks it read.
    assert_eq!(r.body.matches("Course: <bdi>").count(), 2, "{}", r.body);
    assert!(r.body.contains("2 unread"), "the header counts them");
    let ids: Vec<i64> = {
        let mut c = w.t.store.conn().await.unwrap();
        notifications::recent(&mut c, lina, 10)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect()
    };
    for id in &ids {
        assert!(
            r.body
                .contains(&format!("action=\"/notifications/{id}/open\""))
        );
    }
    let r = c
        .post_form(&format!("/notifications/{}/open", ids[0]), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/courses/x/unit/u1#block-3");
    let r = c.get("/notifications").await;
    assert!(r.body.contains("1 unread"), "{}", r.body);
    assert!(
        r.body.contains("href=\"/courses/x/unit/u1#block-3\""),
        "a read notice is a plain link"
    );
    // Someone else's notice does not exist for this user.
    let mut other = w.t.login("omar").await;
    let r = other
        .post_form(&format!("/notifications/{}/open", ids[1]), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.post_form("/notifications/read", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.get("/notifications").await;
    assert!(!r.body.contains("unread"), "{}", r.body);
    // Visitors are asked to log in.
    let r = w.t.client().get("/notifications").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn results_show_each_criterion_the_feedback_and_the_score() {
    let w = world(&["lina"]).await;
    let teacher = w.t.user("teacher", false).await;
    w.t.make_staff(teacher, w.course, CourseRole::Staff).await;
    let block = lyceum_core::BlockId(w.ids["s1-1-1-1"]);
    let s = lyceum_web::open_responses::submit_as(
        &w.t.app,
        OR_KEY,
        block,
        w.users["lina"],
        "My mission",
    )
    .await
    .unwrap();
    let mut input = lyceum_core::blocks::open_response::AssessmentInput::default();
    input
        .criteria
        .insert("clarity".into(), "wikilearn-good".into());
    input.criteria.insert("ideas".into(), "strong".into());
    input
        .criterion_feedback
        .insert("clarity".into(), "Shorter sentences help.".into());
    input.overall_feedback = "Well done overall.".into();
    lyceum_web::open_responses::assess_as(&w.t.app, OR_KEY, block, teacher, s.id, &input)
        .await
        .unwrap();
    let mut c = w.t.login("lina").await;
    let b = c.get(&unit("s1-1-1")).await.body;
    assert!(b.contains("6 / 7 points"), "{b}");
    assert!(b.contains(">Good</strong>") && b.contains("2 / 3 points"));
    assert!(b.contains("Shorter sentences help.") && b.contains("Well done overall."));
    assert!(b.contains(">Staff</h4>"));
    assert!(!b.contains("name=\"text\""), "no resubmission here");
    assert!(b.contains("1. Staff grading — <span class=\"or-steps__state\">done"));
    // The learner was told.
    let r = c.get("/notifications").await;
    assert!(
        r.body
            .contains("You have new feedback on “<bdi>Mission statement</bdi>”"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn self_review_then_revise_and_resubmit() {
    let w = world(&["lina"]).await;
    let block = w.ids["s1-1-3-1"];
    let mut c = w.t.login("lina").await;
    c.post_form(
        &action(block),
        &[("action", "submit"), ("text", "It went well")],
    )
    .await;
    let b = c.get(&unit("s1-1-3")).await.body;
    assert!(b.contains("Assess your own response"), "{b}");
    assert!(b.contains("1. Self review — <span class=\"or-steps__state\">to do"));
    // Feedback is required here: refused, the choice kept.
    let r = c
        .post_form(
            &action(block),
            &[
                ("action", "self-review"),
                ("criterion.honesty", "wikilearn-good"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Please write feedback for “Honesty”"));
    assert!(r.body.contains("value=\"wikilearn-good\" checked"));
    let r = c
        .post_form(
            &action(block),
            &[
                ("action", "self-review"),
                ("criterion.honesty", "wikilearn-good"),
                ("feedback.honesty", "I was candid."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = c.get(&unit("s1-1-3")).await.body;
    assert!(
        b.contains("2 / 3 points") && b.contains("I was candid."),
        "{b}"
    );
    assert!(b.contains(">Self</h4>"));
    // Resubmission is allowed: the form waits behind "Revise and resubmit", prefilled.
    assert!(b.contains("Revise and resubmit"));
    assert!(b.contains(">It went well</textarea>"), "{b}");
    c.post_form(
        &action(block),
        &[("action", "submit"), ("text", "It went better")],
    )
    .await;
    let b = c.get(&unit("s1-1-3")).await.body;
    assert!(
        b.contains("version 2") && b.contains("<details class=\"or-version or-version--old\">")
    );
}

#[tokio::test]
async fn someone_not_enrolled_finds_no_response_to_write_on_page_or_api() {
    // The same answer on both doors: a course's work is private to its learners and team
    // (`Action::Respond`), so a post from elsewhere is 404, and nothing is stored.
    let w = world(&["lina"]).await;
    let otto = w.t.user("otto", false).await;
    let block = w.ids["s1-1-1-1"];
    let mut c = w.t.login("otto").await;
    let r = c
        .post_form(&action(block), &[("action", "save"), ("text", "Mine?")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = c
        .post_json(
            &format!("/api/v1/open-responses/{block}/submit"),
            serde_json::json!({"text": "Mine?"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let mut db = w.t.store.conn().await.unwrap();
    let block = lyceum_core::BlockId(block);
    let draft = lyceum_store::repo::open_responses::draft(&mut db, otto, block)
        .await
        .unwrap();
    assert_eq!(draft, None);
    let stored = lyceum_store::repo::open_responses::submissions_of(&mut db, otto, block)
        .await
        .unwrap();
    assert!(stored.is_empty());
}
