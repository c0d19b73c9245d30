//! The authoring API (`/api/v1/courses/{id}/draft|blocks|publish|history`,
//! `/api/v1/blocks/{id}`): its stable shapes and statuses, who may call it, its bad
//! inputs, and that learners see the published course only until a publish.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::CourseRole;
use serde_json::{Value, json};

const MC: &str = r#"<problem><multiplechoiceresponse><label>Which licence do Wikipedia's texts use?</label><choicegroup type="MultipleChoice"><choice correct="true">CC BY-SA</choice><choice correct="false">All rights reserved</choice></choicegroup></multiplechoiceresponse></problem>"#;

async fn patch(c: &mut Client, path: &str, body: Value) -> Resp {
    c.request(
        Method::PATCH,
        path,
        Body::from(body.to_string()),
        Some("application/json"),
        &[],
    )
    .await
}

struct World {
    t: TestApp,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    for (name, role) in [
        ("ines", Some(CourseRole::Instructor)),
        ("ada", Some(CourseRole::Author)),
        ("tao", Some(CourseRole::Staff)),
    ] {
        let u = t.user(name, false).await;
        if let Some(r) = role {
            t.make_staff(u, course, r).await;
        }
    }
    let lea = t.user("lea", false).await;
    t.enroll(lea, course).await;
    t.user("olga", false).await;
    t.user("root", true).await;
    World { t }
}

fn draft_path() -> String {
    format!("/api/v1/courses/{KEY}/draft")
}

/// The id of the draft block titled `title`.
fn id_of(draft: &Value, title: &str) -> i64 {
    draft["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["title"] == title)
        .unwrap_or_else(|| panic!("no {title} in {draft}"))["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_draft_lists_every_block_with_its_authoring_content() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let r = ada.get(&draft_path()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["course_id"], KEY);
    assert_eq!(d["status"], "published");
    assert_eq!(d["changes"], 0);
    let blocks = d["blocks"].as_array().unwrap();
    let first = &blocks[0];
    assert_eq!(
        (&first["kind"], &first["parent"], &first["position"]),
        (&json!("section"), &Value::Null, &json!(0))
    );
    // Every block comes after its parent.
    let mut seen = std::collections::HashSet::new();
    for b in blocks {
        if let Some(p) = b["parent"].as_i64() {
            assert!(seen.contains(&p), "{b} before its parent");
        }
        seen.insert(b["id"].as_i64().unwrap());
    }
    let text = blocks
        .iter()
        .find(|b| b["kind"] == "text")
        .expect("a text block");
    assert_eq!(text["content"], json!({"markdown": "Read **this**."}));
    assert_eq!(text["revision"], text["published_revision"]);
    // The staff-only future section has its date.
    let future = blocks
        .iter()
        .find(|b| b["title"] == "Future section")
        .unwrap();
    assert_eq!(future["release_at"], "2030-01-01T00:00:00Z");
    assert_eq!(future["staff_only"], false);
}

#[tokio::test]
async fn who_may_use_the_authoring_api() {
    let w = world().await;
    let mut anon = w.t.client();
    assert_eq!(
        anon.get(&draft_path()).await.status,
        StatusCode::UNAUTHORIZED
    );
    for (who, status) in [
        ("lea", StatusCode::NOT_FOUND),
        ("olga", StatusCode::NOT_FOUND),
        ("tao", StatusCode::FORBIDDEN),
        ("ada", StatusCode::OK),
        ("ines", StatusCode::OK),
        ("root", StatusCode::OK),
    ] {
        let mut c = w.t.login(who).await;
        assert_eq!(c.get(&draft_path()).await.status, status, "{who} draft");
        let unit = id_of(
            &w.t.login("ada").await.get(&draft_path()).await.json(),
            "Second unit",
        );
        let r = c
            .post_json(
                &format!("/api/v1/courses/{KEY}/blocks"),
                json!({"parent": unit, "kind": "text", "title": "By {who}", "content": {"markdown": "x"}}),
            )
            .await;
        let want = if status == StatusCode::OK {
            StatusCode::CREATED
        } else {
            status
        };
        assert_eq!(r.status, want, "{who} add: {}", r.body);
        let r = c
            .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
            .await;
        assert_eq!(r.status, status, "{who} publish: {}", r.body);
    }
    // Unknown courses are not found, for anyone.
    let mut ada = w.t.login("ada").await;
    assert_eq!(
        ada.get("/api/v1/courses/course-v1:NO+SUCH+COURSE/draft")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn learners_see_the_published_version_until_publish() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let mut lea = w.t.login("lea").await;
    let d = ada.get(&draft_path()).await.json();
    let sub = id_of(&d, "Sub 1.2");
    let r = ada
        .post_json(
            &format!("/api/v1/courses/{KEY}/blocks"),
            json!({"parent": sub, "kind": "unit", "title": "Licensing quiz"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let unit = r.json()["id"].as_i64().unwrap();
    let r = ada
        .post_json(
            &format!("/api/v1/courses/{KEY}/blocks"),
            json!({"parent": unit, "kind": "text", "title": "", "content": {"markdown": "Texts are **free**."}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = ada
        .post_json(
            &format!("/api/v1/courses/{KEY}/blocks"),
            json!({"parent": unit, "kind": "problem", "title": "Licence", "content": {"olx": MC, "weight": 2, "max_attempts": 1}, "position": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let problem = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["revision"], 1);

    let d = ada.get(&draft_path()).await.json();
    let unit_name = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == unit)
        .unwrap()["url_name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(unit_name.len(), 32, "Studio-style name");
    let learner_view = |body: &str| body.contains("Licensing quiz");
    let r = lea.get(&format!("/api/v1/courses/{KEY}")).await;
    assert!(!learner_view(&r.body), "draft leaked to a learner");
    assert_eq!(
        lea.get(&format!("/courses/{KEY}/unit/{unit_name}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(d["changes"], 3);
    let p = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == problem)
        .unwrap()
        .clone();
    assert_eq!(p["position"], 0, "placed first in its unit");
    assert_eq!(p["content"]["olx"], MC);
    assert_eq!(p["content"]["weight"], 2.0);
    assert_eq!(p["published_revision"], 0);

    let r = ada
        .post_json(
            &format!("/api/v1/courses/{KEY}/publish"),
            json!({"summary": "A quiz on licences"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "published");
    assert_eq!(r.json()["changed"], 3);
    let r = lea.get(&format!("/api/v1/courses/{KEY}")).await;
    assert!(learner_view(&r.body), "published: {}", r.body);

    // Edit the problem: the learner keeps the published version until the next publish.
    let r = patch(
        &mut ada,
        &format!("/api/v1/blocks/{problem}"),
        json!({"content": {"olx": MC.replace("Which licence", "What licence")}, "base_revision": 1, "summary": "Wording"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"id": problem, "revision": 2}));
    let page = lea.get(&format!("/courses/{KEY}/unit/{unit_name}")).await;
    assert!(page.body.contains("Which licence"), "{}", page.body);
    ada.post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    let page = lea.get(&format!("/courses/{KEY}/unit/{unit_name}")).await;
    assert!(page.body.contains("What licence"));

    // The history names the author of each revision.
    let h = ada.get(&format!("/api/v1/courses/{KEY}/history")).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    let h = h.json();
    assert_eq!(h["revisions"][0]["block_id"], problem);
    assert_eq!(h["revisions"][0]["author"], "ada");
    assert_eq!(h["revisions"][0]["summary"], "Wording");
    assert_eq!(h["publications"][1]["summary"], "A quiz on licences");
    let bh = ada.get(&format!("/api/v1/blocks/{problem}/history")).await;
    assert_eq!(bh.json()["revisions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn stale_edits_are_refused_and_nothing_is_overwritten() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let mut ines = w.t.login("ines").await;
    let d = ada.get(&draft_path()).await.json();
    let unit = id_of(&d, "Second unit");
    let r = patch(
        &mut ada,
        &format!("/api/v1/blocks/{unit}"),
        json!({"title": "Ada's title", "base_revision": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = patch(
        &mut ines,
        &format!("/api/v1/blocks/{unit}"),
        json!({"title": "Ines's title", "base_revision": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-studio-stale");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains('2'));
    let d = ada.get(&draft_path()).await.json();
    assert_eq!(id_of(&d, "Ada's title"), unit);
}

#[tokio::test]
async fn bad_inputs_get_clear_errors_and_change_nothing() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let d = ada.get(&draft_path()).await.json();
    let unit = id_of(&d, "Second unit");
    let section = id_of(&d, "First section");
    let blocks = format!("/api/v1/courses/{KEY}/blocks");
    for (body, status, code) in [
        (
            json!({"parent": unit, "kind": "problem", "title": "Q", "content": {"olx": "<problem>\n<choiceresponse>\n</problem>"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-capa-xml",
        ),
        (
            json!({"parent": unit, "kind": "problem", "title": "Q"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-studio-content-required",
        ),
        (
            json!({"parent": unit, "kind": "poll", "title": "Q"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-block-kind-unknown",
        ),
        (
            json!({"parent": null, "kind": "unit", "title": "Loose"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-studio-placement",
        ),
        (
            json!({"parent": section, "kind": "text", "title": "T"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-studio-placement",
        ),
        (
            json!({"parent": 999999, "kind": "unit", "title": "T"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-studio-parent",
        ),
        (
            json!({"parent": unit, "kind": "text", "title": "T", "content": {"markdown": 5}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-text-authoring",
        ),
        (
            json!({"parent": unit, "kind": "text", "title": "x".repeat(201)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-input-too-long",
        ),
        (
            json!({"parent": unit, "kind": "text", "title": "T", "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "lyceum-error-bad-form",
        ),
        (
            json!({"kind": "text"}),
            StatusCode::BAD_REQUEST,
            "lyceum-error-bad-form",
        ),
    ] {
        let r = ada.post_json(&blocks, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], code, "{body}");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    // The XML error names the line.
    let r = ada
        .post_json(
            &blocks,
            json!({"parent": unit, "kind": "problem", "title": "Q", "content": {"olx": "<problem>\n<choiceresponse>\n</problem>"}}),
        )
        .await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("3:"),
        "{}",
        r.body
    );
    let r = patch(
        &mut ada,
        &format!("/api/v1/blocks/{unit}"),
        json!({"release_at": "next tuesday"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sub = id_of(&d, "Sub 1.1");
    let r = patch(
        &mut ada,
        &format!("/api/v1/blocks/{sub}"),
        json!({"release_at": "2027-01-01T00:00:00Z", "content": {"graded": true, "due": "2026-12-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"]["code"],
        "lyceum-error-studio-due-before-release"
    );
    assert_eq!(
        patch(&mut ada, "/api/v1/blocks/999999", json!({"title": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.get(&draft_path()).await.json()["changes"],
        0,
        "nothing written"
    );
    // Arabic readers get the message in Arabic.
    let mut ar = w.t.login("ada").await;
    set_accept_language(&mut ar, "ar");
    let r = ar
        .post_json(
            &blocks,
            json!({"parent": null, "kind": "unit", "title": "Loose"}),
        )
        .await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("الأقسام"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn moving_deleting_duplicating_and_restoring() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let d = ada.get(&draft_path()).await.json();
    let second = id_of(&d, "Second unit");
    let sub12 = id_of(&d, "Sub 1.2");
    let r = patch(
        &mut ada,
        &format!("/api/v1/blocks/{second}"),
        json!({"parent": sub12, "position": 0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = ada.get(&draft_path()).await.json();
    let under: Vec<&str> = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["parent"] == sub12)
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(under, ["Second unit", "Third unit"]);
    let r = ada
        .post_empty(&format!("/api/v1/blocks/{second}/duplicate"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let copy = r.json()["id"].as_i64().unwrap();
    assert_ne!(copy, second);
    let r = ada.delete(&format!("/api/v1/blocks/{copy}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let d = ada.get(&draft_path()).await.json();
    assert!(
        d["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == copy)
    );
    let r = ada
        .post_json(
            &format!("/api/v1/blocks/{copy}/restore"),
            json!({"revision": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = ada
        .post_empty(&format!("/api/v1/courses/{KEY}/discard"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let d = ada.get(&draft_path()).await.json();
    assert_eq!(d["changes"], 0);
    let r = ada
        .get(&format!("/api/v1/courses/{KEY}/history?before=nonsense"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_describes_the_authoring_api() {
    let w = world().await;
    let doc = w.t.client().get("/api/v1/openapi.json").await.json();
    for (path, method) in [
        ("/api/v1/courses/{course_id}/draft", "get"),
        ("/api/v1/courses/{course_id}/blocks", "post"),
        ("/api/v1/blocks/{block_id}", "patch"),
        ("/api/v1/blocks/{block_id}", "delete"),
        ("/api/v1/courses/{course_id}/publish", "post"),
        ("/api/v1/courses/{course_id}/history", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not described"
        );
    }
    assert!(doc["components"]["schemas"]["NewBlockBody"].is_object());
    assert!(doc["components"]["schemas"]["BlockPatchBody"].is_object());
}
