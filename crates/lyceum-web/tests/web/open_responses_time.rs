//! Scores that time makes final: when the peer fallback drops the requirement, the score
//! reaches the grade without anyone opening a page (the hourly settling), and the learner
//! is told once.

use crate::support::*;
use axum::http::{Method, StatusCode};
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

async fn unread(c: &mut Client) -> serde_json::Value {
    let r = c.get("/api/v1/me/notifications").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn the_fallback_makes_a_score_final_and_the_learner_is_told_once() {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let block = t.block_ids(course).await["s1-1-1-1"];
    let mut clients = Vec::new();
    for name in ["ana", "ben"] {
        let u = t.user(name, false).await;
        t.enroll(u, course).await;
        let mut c = t.login(name).await;
        let r = c
            .request(
                Method::PUT,
                &format!("/api/v1/open-responses/{block}/draft"),
                axum::body::Body::from(json!({"text": format!("{name}'s essay")}).to_string()),
                Some("application/json"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = c
            .post_json(
                &format!("/api/v1/open-responses/{block}/submit"),
                json!({"text": format!("{name}'s essay")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        clients.push(c);
    }
    // Each reviews the other: one review each, two needed.
    for c in &mut clients {
        let next = c
            .post_empty(&format!("/api/v1/open-responses/{block}/peer-review/next"))
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
        assert_eq!(r.json()["stage"], "waiting_for_peers");
    }
    let progress = format!("/api/v1/me/courses/{KEY}/progress");
    let earned = |v: serde_json::Value| v["subsections"][0]["problems"][0]["earned"].clone();
    assert_eq!(earned(clients[0].get(&progress).await.json()), json!(0.0));
    let before = unread(&mut clients[0]).await["unread"].as_i64().unwrap();

    // Three days later, with nobody looking, the hourly settling finds the score final:
    // here on a node of its own, which reads the course without keeping it (the job walks
    // every course; its node's cache is for the courses learners read).
    t.clock
        .advance(jiff::SignedDuration::from_hours(3 * 24 + 1));
    let node = t.another_node();
    let settled = lyceum_web::open_responses::settle_all(&node).await.unwrap();
    assert!(settled > 0);
    assert!(node.courses().is_empty());
    assert_eq!(earned(clients[0].get(&progress).await.json()), json!(2.0));
    let n = unread(&mut clients[0]).await;
    assert_eq!(n["unread"].as_i64().unwrap(), before + 1, "{n}");
    assert_eq!(n["notifications"][0]["kind"], "feedback");
    assert_eq!(n["notifications"][0]["course_title"], "Peer essays");
    assert!(
        n["notifications"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Peer essay")
    );
    // Told once: settling again, or the learner's own page, adds nothing.
    lyceum_web::open_responses::settle_all(&t.app)
        .await
        .unwrap();
    let r = clients[0]
        .get(&format!("/api/v1/open-responses/{block}/me"))
        .await;
    assert_eq!(r.json()["stage"], "done", "{}", r.body);
    assert_eq!(
        unread(&mut clients[0]).await["unread"].as_i64().unwrap(),
        before + 1
    );
}
