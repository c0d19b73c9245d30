//! The survey and video blocks' form editors in the Studio's block editor
//! (`/courses/{key}/studio/block/{block}`): created from the unit's menu, edited through
//! their fields (steps that are not saves re-render the form), bad input refused by field
//! with what was typed kept.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::CourseRole;
use serde_json::{Value, json};

async fn author() -> (TestApp, Client) {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let ada = t.user("ada", false).await;
    t.make_staff(ada, course, CourseRole::Author).await;
    let c = t.login("ada").await;
    (t, c)
}

async fn draft(c: &mut Client) -> Value {
    let r = c.get(&format!("/api/v1/courses/{KEY}/draft")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn content(d: &Value, id: i64) -> Value {
    d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("no block {id} in {d}"))["content"]
        .clone()
}

fn id_of(d: &Value, title: &str) -> i64 {
    d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["title"] == title)
        .unwrap_or_else(|| panic!("no {title} in {d}"))["id"]
        .as_i64()
        .unwrap()
}

fn block_page(block: i64) -> String {
    format!("/courses/{KEY}/studio/block/{block}")
}

async fn add(c: &mut Client, unit: i64, entry: &str) -> i64 {
    let r = c
        .post_form(
            &format!("/courses/{KEY}/studio/unit/{unit}/add"),
            &[("entry", entry)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_survey_is_built_and_edited_through_its_form() {
    let (_t, mut ada) = author().await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Second unit");
    let menu = ada.get(&format!("/courses/{KEY}/studio/unit/{unit}")).await;
    assert!(menu.body.contains("value=\"survey:\""), "{}", menu.body);
    let survey = add(&mut ada, unit, "survey:").await;

    // The form, read back from the stored content: no JSON field.
    let page = ada.get(&block_page(survey)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("How useful was this unit?"),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"q0_text\""));
    assert!(!page.body.contains("name=\"content\""));

    // "Add a question" is a step: the form comes back with a new row, nothing saved.
    let r = ada
        .post_form(
            &block_page(survey),
            &[
                ("questions", "1"),
                ("q0_id", "q1"),
                ("q0_type", "rating"),
                ("q0_text", "How useful was this unit?"),
                ("step", "add_question"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("name=\"q1_text\""), "{}", r.body);
    assert!(r.body.contains("value=\"q2\""), "{}", r.body);
    assert_eq!(
        content(&draft(&mut ada).await, survey)["questions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Saving: the first question reworded (its id stays), a choice question added
    // before it, settings set.
    let r = ada
        .post_form(
            &block_page(survey),
            &[
                ("questions", "2"),
                ("q0_id", "q2"),
                ("q0_type", "single_choice"),
                ("q0_text", "Your role?"),
                ("q0_choices", "Librarian\nEditor\n\n"),
                ("q0_required", "on"),
                ("q1_id", "q1"),
                ("q1_type", "likert"),
                ("q1_points", "7"),
                ("q1_text", "This unit was useful"),
                ("anonymous", "on"),
                ("closes", "2030-01-31T12:00"),
                ("before", "pre-survey"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = content(&draft(&mut ada).await, survey);
    assert_eq!(
        c["questions"],
        json!([
            {"id": "q2", "type": "single_choice", "text": "Your role?", "required": true,
             "choices": [{"id": "c1", "label": "Librarian"}, {"id": "c2", "label": "Editor"}]},
            {"id": "q1", "type": "likert", "text": "This unit was useful", "required": false,
             "points": 7}
        ])
    );
    assert_eq!(c["anonymous"], true);
    assert_eq!(c["final_on_submit"], true, "not editable after submitting");
    assert_eq!(c["closes"], "2030-01-31T12:00:00Z");
    assert_eq!(c["before"], "pre-survey");

    // The saved form shows it back; a choice keeps its id when the list is reordered.
    let page = ada.get(&block_page(survey)).await;
    assert!(page.body.contains("This unit was useful"));
    assert!(page.body.contains("2030-01-31T12:00"));
    let r = ada
        .post_form(
            &block_page(survey),
            &[
                ("questions", "1"),
                ("q0_id", "q2"),
                ("q0_type", "single_choice"),
                ("q0_text", "Your role?"),
                ("q0_choices", "Editor\nTeacher\nLibrarian"),
                ("editable", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = content(&draft(&mut ada).await, survey);
    let ids: Vec<&str> = c["questions"][0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c2", "c3", "c1"]);
    assert_eq!(c["final_on_submit"], false);
    assert!(c.get("closes").is_none());

    // Bad input: an empty question text is refused at its field, what was typed is kept
    // and the draft is unchanged.
    let r = ada
        .post_form(
            &block_page(survey),
            &[
                ("questions", "2"),
                ("q0_id", "q2"),
                ("q0_type", "single_choice"),
                ("q0_text", "Your role, reworded?"),
                ("q0_choices", "Only one"),
                ("q1_id", ""),
                ("q1_type", "short_text"),
                ("q1_text", "   "),
                ("closes", "next week"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = r.body.replace("&#8220;", "“").replace("&#8221;", "”");
    assert!(body.contains("has no text"), "{}", body);
    assert!(body.contains("needs between 2 and 40 choices"), "{}", body);
    assert!(
        body.contains("Write the date as YYYY-MM-DD HH:MM."),
        "{}",
        body
    );
    assert!(r.body.contains("Your role, reworded?"));
    assert!(r.body.contains("next week"));
    assert_eq!(content(&draft(&mut ada).await, survey), c);
}

#[tokio::test]
async fn a_commons_video_plays_from_commons_with_its_attribution_under_the_player() {
    let (_t, mut ada) = author().await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Unit with video");
    let video = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["parent"] == unit && b["kind"] == "video")
        .unwrap_or_else(|| panic!("no video in {d}"))["id"]
        .as_i64()
        .unwrap();
    let commons = json!({
        "sources": [],
        "commons_file": "File:Wiki Loves Earth.webm",
        "attribution_author": "Ada Lovelace",
        "attribution_license": "CC BY-SA 4.0",
        "attribution_url": "https://commons.wikimedia.org/wiki/File:Wiki_Loves_Earth.webm"
    });
    let r = ada
        .request(
            Method::PATCH,
            &format!("/api/v1/blocks/{video}"),
            Body::from(json!({"content": commons}).to_string()),
            Some("application/json"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        content(&draft(&mut ada).await, video)["commons_file"],
        "File:Wiki Loves Earth.webm"
    );

    // The draft's learner view (the unit editor's preview): nothing is fetched here.
    let page = ada.get(&format!("/courses/{KEY}/studio/unit/{unit}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "src=\"https://commons.wikimedia.org/wiki/Special:FilePath/Wiki_Loves_Earth.webm\""
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("via Wikimedia Commons"), "{}", page.body);
    assert!(page.body.contains("Ada Lovelace"));
    assert!(
        page.body
            .contains("href=\"https://commons.wikimedia.org/wiki/File:Wiki_Loves_Earth.webm\"")
    );

    // Bad fields are refused and nothing changes.
    for bad in [
        json!({"sources": [], "commons_file": "Example.webm"}),
        json!({"sources": [], "commons_file": "File:x.webm", "attribution_url": "http://x.org/"}),
    ] {
        let r = ada
            .request(
                Method::PATCH,
                &format!("/api/v1/blocks/{video}"),
                Body::from(json!({"content": bad}).to_string()),
                Some("application/json"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    assert_eq!(
        content(&draft(&mut ada).await, video)["attribution_author"],
        "Ada Lovelace"
    );
}
