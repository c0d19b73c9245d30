//! Open responses over the JSON API: drafts and submitting, staff grading with the lock,
//! returning for revision, peer and self review with the fallback, privacy of responses
//! and files, due dates, rubric validation in the caller's language, attachments and
//! notifications.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, UserId};
use serde_json::{Value, json};
use std::collections::HashMap;

fn or_course() -> Value {
    json!({
        "org": "TESTORG", "code": "T101", "run": "2026", "language": "en",
        "title": "Open responses API", "short_description": "Essays", "overview": "Write.",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "grading": {
            "types": [{"name": "Homework", "min_count": 1, "weight": 1.0}],
            "cutoffs": {"Pass": 0.5}
        },
        "sections": [{"title": "Week 1", "subsections": [{"title": "Essays", "graded": true, "format": "Homework", "units": [
            {"title": "Essay unit", "blocks": [{
                "kind": "open_response", "title": "Essay",
                "prompts": ["Write an *essay*."],
                "weight": 10,
                "files": {"requirement": "optional", "allowed": ["pdf", "png", "txt"], "max_mb": 1, "max_files": 3},
                "criteria": [
                    {"name": "clarity", "label": "Clarity", "scale": "wikilearn"},
                    {"name": "sources", "label": "Sources", "feedback": "required", "options": [
                        {"name": "none", "label": "None", "points": 0},
                        {"name": "some", "label": "Some", "points": 1},
                        {"name": "many", "label": "Many", "points": 2}
                    ]}
                ]
            }]},
            {"title": "Peer unit", "blocks": [{
                "kind": "open_response", "title": "Peer essay", "prompts": ["Why?"],
                "steps": ["peer", "self"],
                "peer": {"must_grade": 1, "graded_by": 1, "fallback_days": 3, "fallback": "drop"},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]},
            {"title": "Solo drop unit", "blocks": [{
                "kind": "open_response", "title": "Solo drop", "prompts": ["Alone?"],
                "steps": ["peer", "self"],
                "peer": {"must_grade": 1, "graded_by": 1, "fallback_days": 3, "fallback": "drop"},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]},
            {"title": "Solo staff unit", "blocks": [{
                "kind": "open_response", "title": "Solo staff", "prompts": ["Alone again?"],
                "steps": ["peer"],
                "peer": {"must_grade": 1, "graded_by": 1, "fallback_days": 2, "fallback": "staff"},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]},
            {"title": "Late unit", "blocks": [{
                "kind": "open_response", "title": "Closed essay", "prompts": ["Too late."],
                "due": "2026-11-01T00:00:00Z",
                "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
            }]}
        ]}]}]
    })
}

struct World {
    t: TestApp,
    course: CourseId,
    essay: i64,
    peer: i64,
    solo_drop: i64,
    solo_staff: i64,
    late: i64,
    users: HashMap<&'static str, UserId>,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed(or_course()).await;
    let ids = t.block_ids(course).await;
    let mut users = HashMap::new();
    for (name, role) in [
        ("teacher", Some(CourseRole::Instructor)),
        ("assistant", Some(CourseRole::Staff)),
        ("alicelearner", None),
        ("bobthewriter", None),
        ("carolreader", None),
        ("davesolo", None),
        ("erinsolo", None),
    ] {
        let id = t.user(name, false).await;
        match role {
            Some(r) => t.make_staff(id, course, r).await,
            None => t.enroll(id, course).await,
        }
        users.insert(name, id);
    }
    t.user("outsider", false).await;
    World {
        course,
        essay: ids["s1-1-1-1"],
        peer: ids["s1-1-2-1"],
        solo_drop: ids["s1-1-3-1"],
        solo_staff: ids["s1-1-4-1"],
        late: ids["s1-1-5-1"],
        users,
        t,
    }
}

fn or(block: i64, rest: &str) -> String {
    format!("/api/v1/open-responses/{block}/{rest}")
}

fn sub(id: i64, rest: &str) -> String {
    if rest.is_empty() {
        format!("/api/v1/submissions/{id}")
    } else {
        format!("/api/v1/submissions/{id}/{rest}")
    }
}

fn queue(rest: &str) -> String {
    format!("/api/v1/courses/{KEY}/open-responses/queue{rest}")
}

async fn put_json(c: &mut Client, path: &str, body: Value) -> Resp {
    c.request(
        Method::PUT,
        path,
        Body::from(body.to_string()),
        Some("application/json"),
        &[],
    )
    .await
}

async fn upload(c: &mut Client, block: i64, name: &str, alt: Option<&str>, bytes: &[u8]) -> Resp {
    let boundary = "lyceumTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    if let Some(alt) = alt {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.request(
        Method::POST,
        &or(block, "attachments"),
        Body::from(body),
        Some(&format!("multipart/form-data; boundary={boundary}")),
        &[],
    )
    .await
}

/// Every file under the media directory (the scratch folder included).
fn media_files(t: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() { count(&p) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(t.media.temp_dir().parent().unwrap())
}

async fn submit(c: &mut Client, block: i64, text: &str) -> i64 {
    let r = c
        .post_json(&or(block, "submit"), json!({"text": text}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn me(c: &mut Client, block: i64) -> Value {
    let r = c.get(&or(block, "me")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn good_review() -> Value {
    json!({
        "criteria": {"clarity": "wikilearn-good", "sources": "some"},
        "criterion_feedback": {"sources": "Cite more."},
        "overall_feedback": "Nice work."
    })
}

#[tokio::test]
async fn every_open_response_path_is_documented() {
    let t = TestApp::new().await;
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    for (p, method) in [
        ("/api/v1/open-responses/{block_id}/me", "get"),
        ("/api/v1/open-responses/{block_id}/draft", "put"),
        ("/api/v1/open-responses/{block_id}/submit", "post"),
        ("/api/v1/open-responses/{block_id}/attachments", "post"),
        (
            "/api/v1/open-responses/{block_id}/attachments/{id}",
            "delete",
        ),
        ("/api/v1/open-responses/attachments/{id}", "get"),
        ("/api/v1/open-responses/{block_id}/peer-review/next", "get"),
        ("/api/v1/open-responses/{block_id}/peer-review/next", "post"),
        ("/api/v1/open-responses/{block_id}/peer-review", "post"),
        ("/api/v1/open-responses/{block_id}/self-review", "post"),
        ("/api/v1/courses/{course_id}/open-responses/queue", "get"),
        ("/api/v1/submissions/{submission_id}", "get"),
        ("/api/v1/submissions/{submission_id}/lock", "post"),
        ("/api/v1/submissions/{submission_id}/lock", "delete"),
        (
            "/api/v1/submissions/{submission_id}/staff-assessment",
            "post",
        ),
        ("/api/v1/submissions/{submission_id}/return", "post"),
        ("/api/v1/submissions/{submission_id}/peer-excuse", "post"),
        (
            "/api/v1/open-responses/assessments/{assessment_id}/cancel",
            "post",
        ),
        ("/api/v1/me/notifications", "get"),
        ("/api/v1/me/notifications/read", "post"),
    ] {
        assert!(paths[p][method].is_object(), "{method} {p}");
        assert_eq!(paths[p][method]["tags"][0], "open-responses", "{p}");
    }
    for s in [
        "LearnerStatusJson",
        "SubmissionViewJson",
        "QueueJson",
        "StaffAssessmentBody",
    ] {
        assert!(doc["components"]["schemas"][s].is_object(), "{s}");
    }
}

#[tokio::test]
async fn staff_graded_flow_with_revision() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    // Draft: saved, read back.
    let r = put_json(
        &mut alice,
        &or(w.essay, "draft"),
        json!({"text": "first try"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["saved_at"], NOW);
    let m = me(&mut alice, w.essay).await;
    assert_eq!(m["draft"]["text"], "first try");
    assert_eq!(m["can_write"], true);
    assert_eq!(m["stage"], "not_submitted");
    assert_eq!(m["assignment"]["title"], "Essay");
    assert!(
        m["assignment"]["prompts"][0]
            .as_str()
            .unwrap()
            .contains("<em>essay</em>")
    );
    assert_eq!(m["assignment"]["weight"], 10.0);
    let clarity = &m["assignment"]["rubric"]["criteria"][0];
    assert_eq!(clarity["options"][2]["name"], "wikilearn-good");
    assert_eq!(
        clarity["options"][2]["label"], "Good",
        "preset labels are filled in"
    );
    assert_eq!(
        m["assignment"]["rubric"]["criteria"][1]["options"][1]["label"],
        "Some"
    );

    // Submit; then it is locked.
    let id = submit(&mut alice, w.essay, "My essay").await;
    let again = alice
        .post_json(&or(w.essay, "submit"), json!({"text": "again"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let draft = put_json(&mut alice, &or(w.essay, "draft"), json!({"text": "x"})).await;
    assert_eq!(draft.status, StatusCode::CONFLICT, "{}", draft.body);
    let m = me(&mut alice, w.essay).await;
    assert_eq!(m["stage"], "waiting_for_staff");
    assert_eq!(m["can_write"], false);
    assert_eq!(m["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(m["submissions"][0]["text"], "My essay");
    assert!(m["score"].is_null());

    // The queue shows it, waiting.
    let mut teacher = w.t.login("teacher").await;
    let q = teacher.get(&queue("?filter=waiting")).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    let q = q.json();
    assert_eq!(q["counts"]["waiting"], 1);
    let row = &q["rows"][0];
    assert_eq!(row["submission_id"], id);
    assert_eq!(row["block_id"], w.essay);
    assert_eq!(row["assignment_title"], "Essay");
    assert_eq!(row["learner"]["username"], "alicelearner");
    assert_eq!(row["learner"]["id"], w.users["alicelearner"].0);
    assert_eq!(row["stage"], "waiting_for_staff");
    assert_eq!(row["needs_staff"], true);
    let only = teacher
        .get(&queue(&format!("?filter=all&block_id={}", w.peer)))
        .await
        .json();
    assert_eq!(only["rows"].as_array().unwrap().len(), 0);
    assert_eq!(
        teacher.get(&queue("?filter=nonsense")).await.status,
        StatusCode::BAD_REQUEST
    );

    // Staff assessment with the WikiLearn scale.
    let r = teacher
        .post_json(&sub(id, "staff-assessment"), good_review())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["stage"], "done");
    let m = me(&mut alice, w.essay).await;
    assert_eq!(m["stage"], "done");
    assert_eq!(m["score"]["earned"], 3.0);
    assert_eq!(m["score"]["possible"], 5.0);
    assert_eq!(m["score"]["criteria"]["clarity"], 2.0);
    assert_eq!(m["score"]["source"], "staff");
    let a = &m["submissions"][0]["assessments"][0];
    assert_eq!(a["assessor"], "staff");
    assert!(a.get("assessor_id").is_none());
    assert_eq!(a["overall_feedback"], "Nice work.");
    assert_eq!(a["criteria"][0]["option_label"], "Good");
    assert_eq!(a["criteria"][1]["feedback"], "Cite more.");
    assert_eq!(a["criteria"][1]["points"], 1);

    // The grade: 3 of 5 raw, scaled to the weight of 10.
    let p = alice
        .get(&format!("/api/v1/me/courses/{KEY}/progress"))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let p = p.json();
    let problem = p["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["problems"].as_array().unwrap().iter())
        .find(|x| x["block_id"] == w.essay)
        .cloned()
        .unwrap_or_else(|| panic!("essay not in progress: {p}"));
    assert_eq!(problem["earned"], 6.0);
    assert_eq!(problem["possible"], 10.0);

    // Returned for revision: the learner writes again; both versions are listed.
    let r = teacher
        .post_json(&sub(id, "return"), json!({"note": "Add sources."}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stage"], "returned");
    let m = me(&mut alice, w.essay).await;
    assert_eq!(m["stage"], "returned");
    assert_eq!(m["return_note"], "Add sources.");
    assert_eq!(m["can_write"], true);
    let r = alice
        .post_json(&or(w.essay, "submit"), json!({"text": "Revised essay"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    let m = me(&mut alice, w.essay).await;
    let versions: Vec<i64> = m["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2]);
    assert_eq!(m["submissions"][1]["text"], "Revised essay");
    assert_eq!(m["stage"], "waiting_for_staff");
    let q = teacher.get(&queue("?filter=resubmitted")).await.json();
    assert_eq!(q["rows"][0]["version"], 2, "{q}");
    // The team sees every version.
    let v = teacher.get(&sub(id, "")).await.json();
    assert_eq!(v["viewer"], "staff");
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    assert_eq!(v["learner"]["username"], "alicelearner");
    assert_eq!(
        v["submission"]["assessments"][0]["assessor_id"],
        w.users["teacher"].0
    );
    assert_eq!(v["submission"]["assessments"][0]["assessor"], "teacher");
}

#[tokio::test]
async fn submissions_and_the_queue_are_private() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let id = submit(&mut alice, w.essay, "Mine only").await;
    let own = alice.get(&sub(id, "")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.json()["viewer"], "learner");
    for who in ["bobthewriter", "outsider"] {
        let mut c = w.t.login(who).await;
        assert_eq!(c.get(&sub(id, "")).await.status, StatusCode::NOT_FOUND);
        let q = c.get(&queue("")).await.status;
        assert!(
            q == StatusCode::NOT_FOUND || q == StatusCode::FORBIDDEN,
            "{who}: {q}"
        );
        assert_eq!(
            c.post_json(&sub(id, "staff-assessment"), good_review())
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            c.post_empty(&sub(id, "lock")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        w.t.client().get(&sub(id, "")).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The outsider is not enrolled: the assignment does not exist for them.
    let mut out = w.t.login("outsider").await;
    assert_eq!(
        out.get(&or(w.essay, "me")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn peer_flow_fallback_excuse_and_cancel() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let mut bob = w.t.login("bobthewriter").await;
    let mut carol = w.t.login("carolreader").await;
    let mut teacher = w.t.login("teacher").await;
    let mut dave = w.t.login("davesolo").await;
    // Not submitted: nothing to review yet.
    let r = dave.get(&or(w.peer, "peer-review/next")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = dave.post_empty(&or(w.peer, "peer-review/next")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let a_id = submit(&mut alice, w.peer, "Because of reasons.").await;
    let b_id = submit(&mut bob, w.peer, "Because I said so.").await;
    let c_id = submit(&mut carol, w.peer, "Because why not.").await;
    let m = me(&mut alice, w.peer).await;
    assert_eq!(m["stage"], "peer_review");
    assert_eq!(m["reviews_to_give"], 1);
    assert_eq!(m["reviews_to_receive"], 1);

    // Looking gives nothing (a GET never writes); asking gives Alice Bob's response,
    // anonymously, and looking again shows the same one.
    let r = alice.get(&or(w.peer, "peer-review/next")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = alice.post_empty(&or(w.peer, "peer-review/next")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let again = alice.get(&or(w.peer, "peer-review/next")).await;
    assert_eq!(again.json()["submission_id"], r.json()["submission_id"]);
    let task = r.json();
    assert_eq!(task["submission_id"], b_id);
    assert_eq!(task["text"], "Because I said so.");
    assert!(!r.body.contains("bobthewriter"), "{}", r.body);
    let seen = alice.get(&sub(b_id, "")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.json()["viewer"], "peer");
    assert!(!seen.body.contains("bobthewriter"), "{}", seen.body);
    assert!(
        !seen
            .body
            .contains(&format!("\"user_id\":{}", w.users["bobthewriter"].0)),
        "{}",
        seen.body
    );
    assert!(seen.json().get("learner").is_none());
    // Carol was not given Bob's response.
    assert_eq!(
        carol.get(&sub(b_id, "")).await.status,
        StatusCode::NOT_FOUND
    );

    let review = |id: i64, option: &str| json!({"submission_id": id, "criteria": {"ideas": option}, "overall_feedback": "Thanks."});
    let r = alice
        .post_json(
            &or(w.peer, "peer-review"),
            review(b_id, "wikilearn-excellent"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let st = r.json();
    assert_eq!(st["stage"], "self_review");
    assert_eq!(st["reviews_to_give"], 0);
    // Twice: refused.
    let r = alice
        .post_json(&or(w.peer, "peer-review"), review(b_id, "wikilearn-good"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // Bob reviews Alice.
    let t = bob.post_empty(&or(w.peer, "peer-review/next")).await.json();
    assert_eq!(t["submission_id"], a_id);
    let r = bob
        .post_json(&or(w.peer, "peer-review"), review(a_id, "wikilearn-good"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Alice assesses herself: her peer score is final.
    let r = alice
        .post_json(
            &or(w.peer, "self-review"),
            json!({"criteria": {"ideas": "wikilearn-excellent"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json();
    assert_eq!(m["stage"], "done", "{m}");
    assert_eq!(m["score"]["source"], "peer");
    assert_eq!(m["score"]["earned"], 2.0);
    let peer_review = m["submissions"][0]["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["step"] == "peer")
        .cloned()
        .unwrap();
    assert_eq!(peer_review["assessor"], "peer");
    assert!(!m.to_string().contains("bobthewriter"));

    // Staff cancel Bob's careless review: it stops counting.
    let v = teacher.get(&sub(a_id, "")).await.json();
    let bobs = v["submission"]["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["assessor_id"] == w.users["bobthewriter"].0)
        .cloned()
        .unwrap();
    assert_eq!(bobs["assessor"], "bobthewriter");
    let r = teacher
        .post_json(
            &format!("/api/v1/open-responses/assessments/{}/cancel", bobs["id"]),
            json!({"reason": "Careless"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let st = r.json();
    assert_eq!(st["stage"], "waiting_for_peers");
    assert_eq!(st["reviews_to_receive"], 1);
    assert!(st["score"].is_null());
    let v = teacher.get(&sub(a_id, "")).await.json();
    let cancelled = v["submission"]["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == bobs["id"])
        .cloned()
        .unwrap();
    assert!(cancelled["cancelled_at"].is_string());
    assert_eq!(cancelled["cancel_reason"], "Careless");
    let m = me(&mut alice, w.peer).await;
    assert_eq!(m["stage"], "waiting_for_peers");
    assert!(
        m["submissions"][0]["assessments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != bobs["id"]),
        "cancelled reviews are not shown to the learner"
    );

    // Staff add a peer review themselves.
    let r = teacher
        .post_json(
            &sub(a_id, "staff-assessment"),
            json!({"criteria": {"ideas": "wikilearn-excellent"}, "as_peer": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let st = r.json();
    assert_eq!(st["stage"], "done");
    assert_eq!(st["score"]["source"], "peer");
    assert_eq!(st["score"]["earned"], 3.0);

    // Carol has reviewed no one: staff excuse her from the peer step.
    assert_eq!(me(&mut carol, w.peer).await["stage"], "peer_review");
    let r = teacher
        .post_json(&sub(c_id, "peer-excuse"), json!({"excused": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stage"], "self_review");
    let m = me(&mut carol, w.peer).await;
    assert_eq!(m["stage"], "self_review");
    assert_eq!(m["reviews_to_give"], 0);
}

#[tokio::test]
async fn a_lone_learner_is_not_stuck() {
    let w = world().await;
    let mut dave = w.t.login("davesolo").await;
    let mut erin = w.t.login("erinsolo").await;
    let mut teacher = w.t.login("teacher").await;
    submit(&mut dave, w.solo_drop, "Alone.").await;
    let e_id = submit(&mut erin, w.solo_staff, "Alone too.").await;
    let r = dave.post_empty(&or(w.solo_drop, "peer-review/next")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(me(&mut dave, w.solo_drop).await["stage"], "peer_review");
    assert_eq!(me(&mut erin, w.solo_staff).await["stage"], "peer_review");
    let q = teacher.get(&queue("?filter=waiting")).await.json();
    assert_eq!(q["counts"]["waiting"], 0, "{q}");

    w.t.clock
        .advance(jiff::SignedDuration::from_hours(3 * 24 + 1));
    // The requirement dropped: Dave assesses himself and his own score counts.
    let m = me(&mut dave, w.solo_drop).await;
    assert_eq!(m["stage"], "self_review", "{m}");
    let r = dave
        .post_json(
            &or(w.solo_drop, "self-review"),
            json!({"criteria": {"ideas": "wikilearn-good"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json();
    assert_eq!(m["stage"], "done");
    assert_eq!(m["score"]["source"], "self");
    assert_eq!(m["score"]["earned"], 2.0);
    // Erin's response went to the staff queue.
    let m = me(&mut erin, w.solo_staff).await;
    assert_eq!(m["stage"], "waiting_for_staff", "{m}");
    let q = teacher.get(&queue("?filter=waiting")).await.json();
    assert_eq!(q["counts"]["waiting"], 1, "{q}");
    assert_eq!(q["rows"][0]["submission_id"], e_id);
    assert_eq!(q["rows"][0]["reviews_received"], 0);
    assert_eq!(q["rows"][0]["reviews_needed"], 1);
}

#[tokio::test]
async fn a_second_grader_meets_the_lock() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let id = submit(&mut alice, w.essay, "Grade me once.").await;
    let mut teacher = w.t.login("teacher").await;
    let mut ta = w.t.login("assistant").await;
    let r = teacher.post_empty(&sub(id, "lock")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["locked_until"].is_string());
    let r = ta.post_empty(&sub(id, "lock")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("teacher")
    );
    let q = ta.get(&queue("")).await.json();
    assert_eq!(q["rows"][0]["locked_by"], "teacher");

    let r = ta
        .post_json(&sub(id, "staff-assessment"), good_review())
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let body = r.json();
    assert_eq!(body["error"]["code"], "lyceum-error-or-locked");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("teacher")
    );
    assert_eq!(body["draft"]["criteria"]["clarity"], "wikilearn-good");
    // Nothing graded.
    let m = me(&mut alice, w.essay).await;
    assert_eq!(m["stage"], "waiting_for_staff");
    assert!(
        m["submissions"][0]["assessments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let v = teacher.get(&sub(id, "")).await.json();
    assert!(
        v["submission"]["assessments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        v.get("locked_by").is_none(),
        "the holder is not told about themselves"
    );
    assert!(v.get("grader_draft").is_none());
    // The assistant's work is kept for them.
    let v = ta.get(&sub(id, "")).await.json();
    assert_eq!(v["locked_by"], "teacher");
    assert_eq!(v["grader_draft"]["criteria"]["sources"], "some");
    assert_eq!(v["grader_draft"]["overall_feedback"], "Nice work.");
    // Once let go, the assistant grades.
    assert_eq!(
        teacher.delete(&sub(id, "lock")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = ta
        .post_json(&sub(id, "staff-assessment"), good_review())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = ta.get(&sub(id, "")).await.json();
    assert!(v.get("grader_draft").is_none());
}

#[tokio::test]
async fn due_dates_and_rubric_validation() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let r = alice
        .post_json(&or(w.late, "submit"), json!({"text": "Late!"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-or-past-due");
    let m = me(&mut alice, w.late).await;
    assert!(m["submissions"].as_array().unwrap().is_empty());
    assert_eq!(m["closed"]["code"], "lyceum-error-or-past-due");
    assert_eq!(m["can_write"], false);
    assert_eq!(m["assignment"]["due"], "2026-11-01T00:00:00Z");

    // Empty response: refused.
    let r = alice
        .post_json(&or(w.essay, "submit"), json!({"text": "  "}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let id = submit(&mut alice, w.essay, "Judge me.").await;
    let mut ta = w.t.login("assistant").await;
    for (review, code) in [
        (
            json!({"criteria": {"clarity": "brilliant", "sources": "some"}, "criterion_feedback": {"sources": "ok"}}),
            "lyceum-error-or-unknown-option",
        ),
        (
            json!({"criteria": {"sources": "some"}, "criterion_feedback": {"sources": "ok"}}),
            "lyceum-error-or-criterion-missing",
        ),
        (
            json!({"criteria": {"clarity": "wikilearn-good", "sources": "some"}}),
            "lyceum-error-or-feedback-required",
        ),
        (
            json!({"criteria": {"clarity": "wikilearn-good", "sources": "some", "ghost": "x"}, "criterion_feedback": {"sources": "ok"}}),
            "lyceum-error-or-unknown-criterion",
        ),
    ] {
        let r = ta.post_json(&sub(id, "staff-assessment"), review).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["code"], code);
    }
    // In the grader's language.
    set_accept_language(&mut ta, "fr");
    let r = ta
        .post_json(
            &sub(id, "staff-assessment"),
            json!({"criteria": {"clarity": "brilliant", "sources": "some"}, "criterion_feedback": {"sources": "ok"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"]["message"],
        "« brilliant » n’est pas une option de « Clarity »."
    );
    // French labels of the preset scale.
    set_accept_language(&mut alice, "fr");
    let m = me(&mut alice, w.essay).await;
    assert_eq!(
        m["assignment"]["rubric"]["criteria"][0]["options"][2]["label"],
        "Bien"
    );
    // Nothing was stored.
    let m = me(&mut alice, w.essay).await;
    assert!(
        m["submissions"][0]["assessments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(m["stage"], "waiting_for_staff");
}

#[tokio::test]
async fn attachments_are_checked_stored_and_private() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let before = media_files(&w.t);
    let r = upload(&mut alice, w.essay, "run.exe", None, b"MZ evil").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-or-file-type");
    let big = vec![b'a'; 1024 * 1024 + 10];
    let r = upload(&mut alice, w.essay, "big.pdf", None, &big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-or-file-too-large");
    let r = upload(&mut alice, w.essay, "pic.png", None, b"\x89PNG....").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-or-alt-required");
    let r = upload(&mut alice, w.essay, "pic.png", Some("  "), b"\x89PNG....").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(media_files(&w.t), before, "nothing stored");
    assert!(
        me(&mut alice, w.essay).await["draft"]["files"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Allowed files go into the draft; one is removed again.
    let pdf = b"%PDF-1.4 my notes\n";
    let r = upload(&mut alice, w.essay, "notes.pdf", None, pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let file = r.json();
    assert_eq!(file["file_name"], "notes.pdf");
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(file["size"], pdf.len());
    let file_id = file["id"].as_i64().unwrap();
    let r = upload(
        &mut alice,
        w.essay,
        "chart.png",
        Some("A bar chart"),
        b"\x89PNG....",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let png_id = r.json()["id"].as_i64().unwrap();
    let m = me(&mut alice, w.essay).await;
    assert_eq!(m["draft"]["files"].as_array().unwrap().len(), 2);
    assert_eq!(m["draft"]["files"][1]["alt"], "A bar chart");
    let r = alice
        .delete(&or(w.essay, &format!("attachments/{png_id}")))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let mut bob = w.t.login("bobthewriter").await;
    assert_eq!(
        bob.delete(&or(w.essay, &format!("attachments/{file_id}")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Submitting moves the draft's file to the submission.
    let r = alice
        .post_json(&or(w.essay, "submit"), json!({"text": "See the notes."}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json();
    assert_eq!(s["files"].as_array().unwrap().len(), 1);
    assert_eq!(s["files"][0]["id"], file_id);
    let m = me(&mut alice, w.essay).await;
    assert!(m["draft"]["files"].as_array().unwrap().is_empty());
    assert_eq!(m["submissions"][0]["files"][0]["id"], file_id);

    // Downloads: the learner and staff; nobody else.
    let url = format!("/api/v1/open-responses/attachments/{file_id}");
    let mut teacher = w.t.login("teacher").await;
    let r = teacher.get(&url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.bytes, pdf);
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(r.header("content-disposition").starts_with("attachment"));
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(alice.get(&url).await.status, StatusCode::OK);
    assert_eq!(bob.get(&url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.t.login("outsider").await.get(&url).await.status,
        StatusCode::NOT_FOUND
    );
}

/// A file removed from a draft leaves the media directory, unless another row refers to
/// the same content; a refused upload never enters it.
#[tokio::test]
async fn a_deleted_attachment_takes_its_file_unless_shared() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let mut bob = w.t.login("bobthewriter").await;
    let before = media_snapshot(&w.t);
    let pdf = b"%PDF-1.4 shared notes\n";
    let r = upload(&mut alice, w.essay, "notes.pdf", None, pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = r.json()["id"].as_i64().unwrap();
    let r = upload(&mut bob, w.essay, "mine.pdf", None, pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = r.json()["id"].as_i64().unwrap();
    let r = upload(&mut alice, w.essay, "own.pdf", None, b"%PDF-1.4 alone").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own = r.json()["id"].as_i64().unwrap();
    assert_eq!(w.t.media.list().unwrap().len(), 2, "one file per content");

    let r = alice
        .delete(&or(w.essay, &format!("attachments/{own}")))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(w.t.media.list().unwrap().len(), 1, "its file is gone");
    let r = alice
        .delete(&or(w.essay, &format!("attachments/{a}")))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Bob's draft refers to the same bytes: they stay, and he can still read them.
    let r = bob
        .get(&format!("/api/v1/open-responses/attachments/{b}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.bytes, pdf);
    let r = bob.delete(&or(w.essay, &format!("attachments/{b}"))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Folders of the store may stay; no file does.
    let files = |m: std::collections::BTreeMap<String, Option<Vec<u8>>>| {
        m.into_iter()
            .filter(|(_, b)| b.is_some())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        files(media_snapshot(&w.t)),
        files(before),
        "nothing is left behind"
    );

    // Too many files: refused after the file was received; nothing is kept.
    for i in 0..5 {
        let r = upload(
            &mut alice,
            w.essay,
            &format!("n{i}.pdf"),
            None,
            format!("%PDF-1.4 {i}").as_bytes(),
        )
        .await;
        if r.status != StatusCode::CREATED {
            assert_eq!(r.json()["error"]["code"], "lyceum-error-or-too-many-files");
            let files = w.t.media.list().unwrap().len();
            assert_eq!(files, i, "the refused file is not kept");
            let staging = w.t.media.staging_leftovers().unwrap();
            assert_eq!(staging, 0);
            return;
        }
    }
    panic!("the block allows at most a few files");
}

/// A re-import that removes an open-response block removes its learners' files with it
/// (their rows go with the block).
#[tokio::test]
async fn a_reimport_that_removes_a_block_removes_its_files() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let r = upload(
        &mut alice,
        w.essay,
        "notes.pdf",
        None,
        b"%PDF-1.4 essay notes",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sha = |id: i64| {
        let store = w.t.store.clone();
        async move {
            let mut c = store.conn().await.unwrap();
            lyceum_store::repo::open_responses::attachment(&mut c, id)
                .await
                .unwrap()
                .unwrap()
                .sha256
        }
    };
    let essay_file = sha(r.json()["id"].as_i64().unwrap()).await;
    assert!(w.t.media.exists(&essay_file).unwrap());

    // The same course, without the essay's unit.
    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &str); 5] = [
        (
            "course.xml",
            r#"<course url_name="2026" org="TESTORG" course="T101"/>"#,
        ),
        (
            "course/2026.xml",
            r#"<course display_name="Open responses API" language="en"><chapter url_name="ch1"/></course>"#,
        ),
        (
            "chapter/ch1.xml",
            r#"<chapter display_name="Week 1"><sequential url_name="seq1"/></chapter>"#,
        ),
        (
            "sequential/seq1.xml",
            r#"<sequential display_name="Essays"><vertical url_name="v1"/></sequential>"#,
        ),
        (
            "vertical/v1.xml",
            r#"<vertical display_name="Text"><html url_name="h1">&lt;p&gt;Hi&lt;/p&gt;</html></vertical>"#,
        ),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let archive = lyceum_app::courses::Archive {
        source: dir.path().to_path_buf(),
        ..Default::default()
    };
    let summary = lyceum_app::courses::import(&w.t.app.env(), archive, None, false)
        .await
        .unwrap();
    assert!(!summary.created);
    assert!(summary.outline.removed > 0);
    assert!(
        !w.t.media.exists(&essay_file).unwrap(),
        "the removed block's file is gone"
    );
    assert!(w.t.media.list().unwrap().is_empty());
}

#[tokio::test]
async fn notifications_of_feedback_and_returns() {
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let id = submit(&mut alice, w.essay, "Tell me.").await;
    let n = alice.get("/api/v1/me/notifications").await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.body);
    assert_eq!(n.json()["unread"], 0);
    let mut teacher = w.t.login("teacher").await;
    let r = teacher
        .post_json(&sub(id, "staff-assessment"), good_review())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let n = alice.get("/api/v1/me/notifications").await.json();
    assert_eq!(n["unread"], 1);
    assert_eq!(n["notifications"][0]["kind"], "feedback");
    assert_eq!(n["notifications"][0]["subject"], "Essay");
    assert_eq!(
        n["notifications"][0]["message"],
        "You have new feedback on “Essay”"
    );
    assert_eq!(n["notifications"][0]["read"], false);
    let r = teacher
        .post_json(&sub(id, "return"), json!({"note": "Again."}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let n = alice.get("/api/v1/me/notifications").await.json();
    assert_eq!(n["unread"], 2);
    assert_eq!(n["notifications"][0]["kind"], "returned");
    let r = alice.post_empty("/api/v1/me/notifications/read").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let n = alice.get("/api/v1/me/notifications").await.json();
    assert_eq!(n["unread"], 0);
    assert_eq!(n["notifications"][0]["read"], true);
    // Only one's own.
    let n = teacher.get("/api/v1/me/notifications").await.json();
    assert!(n["notifications"].as_array().unwrap().is_empty());
    assert_eq!(
        w.t.client().get("/api/v1/me/notifications").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn returning_follows_the_same_rules_as_the_page() {
    // One use case for both doors: a note is required, and while another grader holds
    // the lock nothing is returned.
    let w = world().await;
    let mut alice = w.t.login("alicelearner").await;
    let id = submit(&mut alice, w.essay, "Return me later.").await;
    let mut teacher = w.t.login("teacher").await;
    let mut ta = w.t.login("assistant").await;
    let r = ta
        .post_json(&sub(id, "return"), json!({"note": "  "}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.json()["error"]["code"],
        "lyceum-or-staff-error-note-required"
    );
    assert_eq!(
        teacher.post_empty(&sub(id, "lock")).await.status,
        StatusCode::OK
    );
    let r = ta
        .post_json(&sub(id, "return"), json!({"note": "Add sources."}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("teacher")
    );
    assert_eq!(me(&mut alice, w.essay).await["stage"], "waiting_for_staff");
    let r = teacher
        .post_json(&sub(id, "return"), json!({"note": "Add sources."}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stage"], "returned");
}
