//! The course team's side of open responses over HTTP: the queue and its filters, the
//! grading page with its lock (a second grader's work is kept, nothing stored), returning
//! for revision, cancelling a peer review, the ZIP and CSV downloads, and the count on the
//! course page — all private to the course team.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::open_responses as repo;
use serde_json::json;
use std::collections::HashMap;

fn or_course() -> serde_json::Value {
    json!({
        "org": "TESTORG", "code": "T101", "run": "2026", "language": "en",
        "title": "Open responses", "short_description": "Essays", "overview": "Write.",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "sections": [{"title": "Week 1", "subsections": [{"title": "Essays", "units": [
            {"title": "Mission unit", "blocks": [{
                "kind": "open_response", "title": "Mission statement",
                "prompts": ["Write a *mission statement*."],
                "text": "optional",
                "files": {"requirement": "optional", "allowed": ["pdf", "txt"]},
                "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
            }]},
            {"title": "Peer unit", "blocks": [{
                "kind": "open_response", "title": "Peer essay", "prompts": ["Why?"],
                "steps": ["peer", "staff"], "peer": {"must_grade": 1, "graded_by": 1},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]}
        ]}]}]
    })
}

struct World {
    t: TestApp,
    course: CourseId,
    mission: i64,
    peer: i64,
    alice: UserId,
    bob: UserId,
    /// Submission ids: alice's and bob's mission statements.
    alice_mission: i64,
    bob_mission: i64,
}

const PDF: &[u8] = b"%PDF-1.4 a small file\n";

/// Alice (with a file) and Bob have submitted their mission statements; Alice her
/// peer essay (she still has to review a peer).
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed(or_course()).await;
    let ids: HashMap<String, i64> = t.block_ids(course).await;
    let mission = ids["s1-1-1-1"];
    let peer = ids["s1-1-2-1"];
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let ta = t.user("ta", false).await;
    t.make_staff(ta, course, CourseRole::Staff).await;
    let alice = t.user("alice", false).await;
    let bob = t.user("bob", false).await;
    for u in [alice, bob] {
        t.enroll(u, course).await;
    }
    // Alice's file, in her draft, moves to her submission.
    let (sha, size) = t.media.put(PDF).unwrap();
    let mut c = t.store.conn().await.unwrap();
    repo::add_attachment(
        &mut c,
        &repo::NewAttachment {
            user: alice,
            block: BlockId(mission),
            course,
            file_name: "notes.pdf",
            alt: "",
            content_type: "application/pdf",
            size: size as i64,
            sha256: &sha,
            now: 0,
        },
    )
    .await
    .unwrap();
    drop(c);
    let submit = |who: UserId, block: i64, text: &'static str| {
        let app = t.app.clone();
        async move {
            lyceum_web::open_responses::submit_as(&app, KEY, BlockId(block), who, text)
                .await
                .unwrap()
                .id
        }
    };
    let alice_mission = submit(alice, mission, "Our mission:\nfree <knowledge> for all").await;
    let bob_mission = submit(bob, mission, "Bob's mission").await;
    submit(alice, peer, "Because.").await;
    World {
        t,
        course,
        mission,
        peer,
        alice,
        bob,
        alice_mission,
        bob_mission,
    }
}

fn queue(rest: &str) -> String {
    format!("/courses/{KEY}/instructor/open-responses{rest}")
}

fn submission(id: i64, rest: &str) -> String {
    format!("/courses/{KEY}/instructor/submissions/{id}{rest}")
}

async fn assessments(t: &TestApp, id: i64) -> Vec<repo::AssessmentRow> {
    let mut c = t.store.conn().await.unwrap();
    repo::assessments_of(&mut c, &[id]).await.unwrap()
}

#[tokio::test]
async fn queue_lists_filters_and_is_private() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let r = teacher.get(&queue("")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Both mission statements wait for staff; Alice's peer essay waits for her reviews.
    assert!(r.body.contains("Waiting for staff (2)"), "{}", r.body);
    assert!(r.body.contains("All (3)"));
    // Tabs speak plainly (the filter was labelled with its internal name, "Peer-stuck").
    assert!(
        r.body.contains("Waiting for peers too long (0)"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&submission(w.alice_mission, "")));
    assert!(r.body.contains(&submission(w.bob_mission, "")));
    assert!(r.body.contains("Mission statement"));
    assert!(r.body.contains("Waiting for staff</td>"));
    // Per-assignment summary and downloads.
    assert!(
        r.body
            .contains(&queue(&format!("/{}/responses.zip", w.mission)))
    );
    let all = teacher.get(&queue("?filter=all")).await;
    assert!(
        all.body.contains("Learner must review peers"),
        "{}",
        all.body
    );
    assert!(all.body.contains("0 of 1"), "peer reviews received/needed");
    let done = teacher.get(&queue("?filter=done")).await;
    assert!(done.body.contains("No response matches this filter."));
    // The default tab says plainly that nothing waits for the team (the peer essay waits
    // for its learner's reviews), rather than speaking of filters.
    let peer_waiting = teacher
        .get(&queue(&format!("?block={}", w.peer)))
        .await
        .body;
    assert!(
        peer_waiting.contains("No response is waiting for the teaching team."),
        "{peer_waiting}"
    );
    let peer_only = teacher
        .get(&queue(&format!("?filter=all&block={}", w.peer)))
        .await;
    assert!(peer_only.body.contains("All (1)"), "{}", peer_only.body);
    assert!(!peer_only.body.contains(&submission(w.bob_mission, "")));
    // The instructor's navigation links to it.
    let gb = teacher
        .get(&format!("/courses/{KEY}/instructor/gradebook"))
        .await;
    assert!(gb.body.contains(&queue("")));

    // Learners and strangers: nothing there.
    let mut alice = w.t.login("alice").await;
    for path in [
        queue(""),
        submission(w.alice_mission, ""),
        queue(&format!("/{}/responses.zip", w.mission)),
        queue(&format!("/{}/scores.csv", w.mission)),
    ] {
        let r = alice.get(&path).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {}",
            r.status
        );
    }
    let r = alice
        .post_form(
            &submission(w.alice_mission, "/assess"),
            &[("o.clarity", "wikilearn-excellent"), ("as", "staff")],
        )
        .await;
    assert!(matches!(
        r.status,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    assert!(assessments(&w.t, w.alice_mission).await.is_empty());
    let r = w.t.client().get(&queue("")).await;
    assert_ne!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Waiting for staff ("));
}

#[tokio::test]
async fn grading_through_the_page_records_the_score() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let page = teacher.get(&submission(w.alice_mission, "")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Response by alice"));
    // The text escaped, its line break kept; the file linked; the scale in words.
    assert!(
        page.body
            .contains("Our mission:<br>\nfree &lt;knowledge&gt; for all"),
        "{}",
        page.body
    );
    assert!(page.body.contains("notes.pdf"));
    assert!(page.body.contains("/open-response/files/"));
    assert!(page.body.contains("Needs improvement"));
    assert!(!page.body.contains("Add as a peer review"), "no peer step");

    // A missing option: the page again, the feedback kept, nothing stored.
    let r = teacher
        .post_form(
            &submission(w.alice_mission, "/assess"),
            &[
                ("f.clarity", "Kept feedback"),
                ("overall", "Kept overall"),
                ("as", "staff"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Kept feedback") && r.body.contains("Kept overall"));
    assert!(r.body.contains("cdx-message--error"));
    assert!(assessments(&w.t, w.alice_mission).await.is_empty());

    let r = teacher
        .post_form(
            &submission(w.alice_mission, "/assess"),
            &[
                ("o.clarity", "wikilearn-good"),
                ("f.clarity", "Clear enough."),
                ("overall", "Well done"),
                ("as", "staff"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // On to the next response waiting: Bob's, with the notice.
    assert!(
        r.location().starts_with(&submission(w.bob_mission, "")),
        "{}",
        r.location()
    );
    assert!(r.location().contains("notice=or-graded"));
    let next = teacher.get(r.location()).await;
    assert!(next.body.contains("Grade saved."));
    let mut c = w.t.store.conn().await.unwrap();
    let st = lyceum_store::repo::problems::state(&mut c, w.alice, BlockId(w.mission))
        .await
        .unwrap()
        .expect("score recorded");
    assert_eq!((st.raw_earned, st.raw_possible), (Some(2.0), Some(3.0)));
    drop(c);
    let done = teacher.get(&queue("?filter=done")).await;
    assert!(done.body.contains("Graded (1)"));
    assert!(done.body.contains(&submission(w.alice_mission, "")));
    // The assessment shows with its grader.
    let page = teacher.get(&submission(w.alice_mission, "")).await;
    assert!(
        page.body.contains("Staff grading — teacher"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Score: 2 of 3"));

    // The scores export.
    let csv = teacher
        .get(&queue(&format!("/{}/scores.csv", w.mission)))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let mut lines = csv.body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "username,name,version,submitted_at,stage,clarity,total,possible,source"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter()
            .any(|l| l.starts_with("alice,") && l.ends_with(",done,2,2,3,staff")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|l| l.starts_with("bob,") && l.ends_with(",waiting_for_staff,,,3,")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_lock_conflict_keeps_the_second_graders_work() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let mut ta = w.t.login("ta").await;
    // Opening the response takes nothing (a GET never writes): it is free to take.
    let page = teacher.get(&submission(w.alice_mission, "")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Nobody is grading this response"),
        "{}",
        page.body
    );
    let free = ta.get(&submission(w.alice_mission, "")).await;
    assert!(free.body.contains("Start grading"), "{}", free.body);
    // "Start grading" takes it: it is the teacher's for now.
    let r = teacher
        .post_form(&submission(w.alice_mission, "/lock"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("#grade"), "{}", r.location());
    let mine = teacher.get(&submission(w.alice_mission, "")).await;
    assert!(
        mine.body.contains("You are grading this response"),
        "{}",
        mine.body
    );
    let page = ta.get(&submission(w.alice_mission, "")).await;
    assert!(
        page.body
            .contains("<bdi>teacher</bdi> is grading this response; you can read it"),
        "{}",
        page.body
    );
    let queue_page = ta.get(&queue("")).await;
    assert!(queue_page.body.contains("teacher</td>"));
    let r = ta
        .post_form(
            &submission(w.alice_mission, "/assess"),
            &[
                ("o.clarity", "wikilearn-excellent"),
                ("f.clarity", "My careful words"),
                ("overall", "Overall thoughts"),
                ("as", "staff"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body
            .contains("teacher is grading this response right now")
    );
    assert!(r.body.contains("My careful words") && r.body.contains("Overall thoughts"));
    assert!(
        r.body.contains(r#"value="wikilearn-excellent" checked"#),
        "the chosen option stays chosen"
    );
    assert!(assessments(&w.t, w.alice_mission).await.is_empty());
    // Kept as the TA's draft: it is there when they come back.
    let again = ta.get(&submission(w.alice_mission, "")).await;
    assert!(again.body.contains("My careful words"));
    // Returning is refused too while the teacher grades, the note kept.
    let r = ta
        .post_form(
            &submission(w.alice_mission, "/return"),
            &[("note", "Please add sources")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Please add sources"));
    // The teacher lets go; the TA can grade.
    let r = teacher
        .post_form(&submission(w.alice_mission, "/release"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = ta
        .post_form(
            &submission(w.alice_mission, "/assess"),
            &[("o.clarity", "wikilearn-excellent"), ("as", "staff")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(assessments(&w.t, w.alice_mission).await.len(), 1);
}

#[tokio::test]
async fn return_for_revision() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let r = teacher
        .post_form(&submission(w.bob_mission, "/return"), &[("note", "  ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Write a note telling the learner"));
    let r = teacher
        .post_form(
            &submission(w.bob_mission, "/return"),
            &[("note", "Say who benefits.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("notice=or-returned"));
    let mut c = w.t.store.conn().await.unwrap();
    let s = repo::submission(&mut c, w.bob_mission)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.state.as_str(), s.return_note.as_str()),
        ("returned", "Say who benefits.")
    );
    drop(c);
    let returned = teacher.get(&queue("?filter=returned")).await;
    assert!(returned.body.contains("Returned (1)"));
    assert!(returned.body.contains(&submission(w.bob_mission, "")));
    let page = teacher.get(&submission(w.bob_mission, "")).await;
    assert!(page.body.contains("Say who benefits."));
    let _ = w.bob;
}

#[tokio::test]
async fn cancel_a_peer_review_and_excuse() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let mut c = w.t.store.conn().await.unwrap();
    let alice_peer = repo::submissions_of(&mut c, w.alice, BlockId(w.peer))
        .await
        .unwrap()[0]
        .id;
    drop(c);
    let page = teacher.get(&submission(alice_peer, "")).await;
    assert!(page.body.contains("Add as a peer review"));
    assert!(page.body.contains("Excuse from the peer step"));
    // Staff add a review to the peer step.
    let r = teacher
        .post_form(
            &submission(alice_peer, "/assess"),
            &[("o.ideas", "wikilearn-poor"), ("as", "peer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = assessments(&w.t, alice_peer).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].step, "peer");
    let review = rows[0].id;
    let page = teacher.get(&submission(alice_peer, "")).await;
    assert!(page.body.contains("Cancel this review"), "{}", page.body);
    assert!(page.body.contains("Peer review — teacher"));
    // A reason is required.
    let id = review.to_string();
    let r = teacher
        .post_form(
            &submission(alice_peer, "/cancel-assessment"),
            &[("assessment", &id), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = teacher
        .post_form(
            &submission(alice_peer, "/cancel-assessment"),
            &[("assessment", &id), ("reason", "Careless review")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = assessments(&w.t, alice_peer).await;
    assert!(rows[0].cancelled_at.is_some());
    assert_eq!(rows[0].cancel_reason, "Careless review");
    let page = teacher.get(r.location()).await;
    assert!(page.body.contains("<del>"));
    assert!(page.body.contains("Reason: Careless review"));
    assert!(page.body.contains("The review was cancelled"));
    // Cancelling twice is refused, the page shown again.
    let r = teacher
        .post_form(
            &submission(alice_peer, "/cancel-assessment"),
            &[("assessment", &id), ("reason", "Again")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Excuse from the peer step, then undo.
    let r = teacher
        .post_form(&submission(alice_peer, "/excuse"), &[("excused", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = teacher.get(&submission(alice_peer, "")).await;
    assert!(page.body.contains("Undo the excuse from the peer step"));
    let r = teacher
        .post_form(&submission(alice_peer, "/excuse"), &[("excused", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A peer review of a course's other assignment cannot be cancelled from here.
    let r = teacher
        .post_form(
            &submission(w.alice_mission, "/cancel-assessment"),
            &[("assessment", &id), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn responses_zip_has_every_text_and_file() {
    let w = world().await;
    // Bob revises his statement: both versions are in the archive.
    let mut teacher = w.t.login("teacher").await;
    teacher
        .post_form(
            &submission(w.bob_mission, "/return"),
            &[("note", "More, please.")],
        )
        .await;
    lyceum_web::open_responses::submit_as(
        &w.t.app,
        KEY,
        BlockId(w.mission),
        w.bob,
        "Bob's mission, revised",
    )
    .await
    .unwrap();
    let r = teacher
        .get(&queue(&format!("/{}/responses.zip", w.mission)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-type"), "application/zip");
    assert!(r.header("content-disposition").contains(".zip"));
    let entries: HashMap<String, Vec<u8>> = lyceum_web::zipfile::read_stored(&r.bytes)
        .expect("a valid archive")
        .into_iter()
        .collect();
    assert_eq!(
        entries["alice/v1.txt"],
        b"Our mission:\nfree <knowledge> for all".to_vec()
    );
    assert_eq!(entries["alice/v1/notes.pdf"], PDF.to_vec());
    assert_eq!(entries["bob/v1.txt"], b"Bob's mission".to_vec());
    assert_eq!(entries["bob/v2.txt"], b"Bob's mission, revised".to_vec());
    assert_eq!(entries.len(), 4, "{:?}", entries.keys());
    // The queue calls the new version a resubmission.
    let q = teacher.get(&queue("?filter=resubmitted")).await;
    assert!(q.body.contains("v2 — resubmitted"), "{}", q.body);
    // Not an open response: 404.
    let r = teacher.get(&queue("/999999/responses.zip")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn course_page_shows_waiting_work_to_the_team() {
    let w = world().await;
    let mut teacher = w.t.login("teacher").await;
    let r = teacher.get(&format!("/courses/{KEY}/courseware")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("2 responses waiting for grading"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&queue("")));
    assert!(!r.body.contains("for peers too long"));
    // Two days on, Alice's peer essay is stuck waiting… for her own reviews only, so it
    // does not count; the learner never sees any of it.
    let mut alice = w.t.login("alice").await;
    let r = alice.get(&format!("/courses/{KEY}/courseware")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("waiting for grading"));
    let _ = w.course;
}

#[tokio::test]
async fn grading_history_speaks_words_and_names_people_by_their_display_names() {
    let w = world().await;
    {
        let mut c = w.t.store.conn().await.unwrap();
        for (user, name) in [(w.alice, "Alice Liddell")] {
            lyceum_store::repo::users::update_preferences(&mut c, user, name, None, None)
                .await
                .unwrap();
        }
        let teacher = lyceum_store::repo::users::find_user_by_key(&mut c, "teacher")
            .await
            .unwrap()
            .unwrap();
        lyceum_store::repo::users::update_preferences(
            &mut c,
            UserId(teacher.id),
            "Tess Teacher",
            None,
            None,
        )
        .await
        .unwrap();
    }
    let mut teacher = w.t.login("teacher").await;
    let r = teacher
        .post_form(
            &submission(w.alice_mission, "/assess"),
            &[("o.clarity", "wikilearn-good"), ("as", "staff")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = teacher
        .post_form(
            &submission(w.bob_mission, "/return"),
            &[("note", "Please cite a source")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = teacher
        .get(&format!("/courses/{KEY}/instructor/learners/{}", w.alice.0))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(
        b.contains("Scores of Alice Liddell"),
        "the display name: {b}"
    );
    // Names and titles are isolated, so they keep their order in a sentence of the other
    // direction (an English title in the Arabic history).
    assert!(
        b.contains("<bdi>Tess Teacher</bdi>: graded &quot;<bdi>Mission statement</bdi>&quot;")
            || b.contains("<bdi>Tess Teacher</bdi>: graded \"<bdi>Mission statement</bdi>\""),
        "{b}"
    );
    let ar = teacher
        .get(&format!(
            "/courses/{KEY}/instructor/learners/{}?uselang=ar",
            w.alice.0
        ))
        .await
        .body;
    assert!(
        ar.contains("<bdi>Tess Teacher</bdi>:") && ar.contains("«<bdi>Mission statement</bdi>»"),
        "{ar}"
    );
    assert!(!b.contains("or-staff-assessment"), "{b}");
    let page = teacher
        .get(&format!("/courses/{KEY}/instructor/learners/{}", w.bob.0))
        .await;
    assert!(
        page.body.contains(
            "returned &quot;<bdi>Mission statement</bdi>&quot; for revision (<bdi>Please cite a source</bdi>)"
        ) || page.body.contains(
            "returned \"<bdi>Mission statement</bdi>\" for revision (<bdi>Please cite a source</bdi>)"
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains("or-returned"));
    // The gradebook names Alice by her display name, her username beside it.
    let g = teacher
        .get(&format!("/courses/{KEY}/instructor/gradebook"))
        .await;
    assert!(g.body.contains(">Alice Liddell</a>"), "{}", g.body);
}
