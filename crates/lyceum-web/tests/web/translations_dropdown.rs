//! One course, many languages (issue 17), for dropdowns: an option's text is both what
//! shows and the value answers are checked against, so a translation is the option's
//! label only — the menu submits the source's option, and scores as in the source.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use serde_json::{Value, json};

const API: &str = "/api/v1/courses/course-v1:TESTORG+DD1+2026/translations";
const UNIT: &str = "/courses/course-v1:TESTORG+DD1+2026/unit/s1-1-1";

/// The attribute form, with an escaped apostrophe in an option.
const ATTRIBUTE_FORM: &str = r#"<problem><optionresponse><label>Who signs the agreement?</label><optioninput options="('The board','it\'s the chair','Nobody')" correct="it's the chair"/></optionresponse></problem>"#;

/// The element form, with a hint on an option.
const ELEMENT_FORM: &str = r#"<problem><optionresponse><label>Which paper comes first?</label><optioninput>
<option correct="False">Memo &amp; letter<optionhint>Too informal for a partner.</optionhint></option>
<option correct="True">Memorandum of understanding</option></optioninput></optionresponse></problem>"#;

fn course() -> Value {
    json!({"org": "TESTORG", "code": "DD1", "run": "2026", "language": "en", "title": "Dropdowns DD1",
    "start": "2026-01-01T00:00:00Z", "published": true,
    "grading": {"types": [{"name": "Homework", "short_label": "HW", "min_count": 1, "drop_count": 0, "weight": 1.0}], "cutoffs": {"Pass": 0.5}},
    "sections": [{"title": "Partners", "subsections": [
        {"title": "Quiz", "graded": true, "format": "Homework", "units": [{"title": "Paperwork", "blocks": [
            {"kind": "problem", "xml": ATTRIBUTE_FORM},
            {"kind": "problem", "xml": ELEMENT_FORM, "showanswer": "always"}]}]}
    ]}]})
}

/// The segments of a problem's options, as `(id, source, html)`, in order.
fn options_of(list: &Value, block: &str) -> Vec<(String, String, bool)> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{block}.option."))
        })
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["source"].as_str().unwrap().to_owned(),
                s["html"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn dropdown_options_are_translated_as_labels_and_answers_score_as_in_the_source() {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let (tina, arun, lea) = (
        t.user("tina", false).await,
        t.user("arun", false).await,
        t.user("lea", false).await,
    );
    t.make_staff(tina, course, CourseRole::Translator).await;
    t.make_staff(arun, course, CourseRole::Author).await;
    t.enroll(lea, course).await;

    // Each option is a plain-text segment of its own, in order; its hint one in HTML.
    let mut tina = t.login("tina").await;
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let first = options_of(&list, "s1-1-1-1");
    let second = options_of(&list, "s1-1-1-2");
    let texts = |o: &[(String, String, bool)]| -> Vec<String> {
        o.iter().map(|(_, text, _)| text.clone()).collect()
    };
    assert_eq!(texts(&first), ["The board", "it's the chair", "Nobody"]);
    assert_eq!(
        texts(&second),
        ["Memo & letter", "Memorandum of understanding"]
    );
    assert!(first.iter().chain(&second).all(|(_, _, html)| !html));
    assert_eq!(first[1].0, "s1-1-1-1.option.2");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["source"] == "Too informal for a partner."),
        "an option's hint is text to translate"
    );
    let hint = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "Too informal for a partner.")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (id, fr) in [
        (&first[0].0, "Le conseil"),
        (&first[1].0, "c'est la présidente"),
        (&second[0].0, "Note & lettre"),
        (&second[1].0, "Protocole d'accord"),
        (&hint, "Trop familier pour un partenaire."),
    ] {
        let r = tina
            .put_json(&format!("{API}/fr/segments/{id}"), json!({"text": fr}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {}", r.body);
    }
    let mut arun = t.login("arun").await;
    let r = arun.post_empty(&format!("{API}/fr/publish")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // In French: French labels, the source's options as values.
    let mut lea = t.login("lea").await;
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert_eq!(page.status, StatusCode::OK);
    for option in [
        r#"<option value="The board">Le conseil</option>"#,
        r#"<option value="it&#39;s the chair">c&#39;est la présidente</option>"#,
        r#"<option value="Nobody">Nobody</option>"#,
        r#"<option value="Memo &amp; letter">Note &amp; lettre</option>"#,
        r#"<option value="Memorandum of understanding">Protocole d&#39;accord</option>"#,
    ] {
        assert!(page.body.contains(option), "{option}");
    }
    // The answer shown is the option's label.
    let ids = t.block_ids(course).await;
    let shown = lea
        .get(&format!("{UNIT}?content_lang=fr&show={}", ids["s1-1-1-2"]))
        .await;
    assert!(
        shown.body.contains("Protocole d&#39;accord"),
        "{}",
        shown.body
    );
    // In English, the options as they are.
    let english = lea.get(UNIT).await;
    assert!(
        english
            .body
            .contains(r#"<option value="it&#39;s the chair">it&#39;s the chair</option>"#)
    );
    assert!(!english.body.contains("Le conseil"));

    // The source's option, submitted from the French page: full credit.
    let submit = |block: &str| format!("/api/v1/problems/{}/submit", ids[block]);
    let r = lea
        .post_json(
            &submit("s1-1-1-1"),
            json!({"answers": {"s1-1-1-1_2_1": "it's the chair"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["earned"].as_f64(), Some(1.0), "{}", r.body);
    // A label is not a value: it scores nothing.
    let r = lea
        .post_json(
            &submit("s1-1-1-2"),
            json!({"answers": {"s1-1-1-2_2_1": "Protocole d'accord"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["earned"].as_f64(), Some(0.0), "{}", r.body);
    let r = lea
        .post_json(
            &submit("s1-1-1-2"),
            json!({"answers": {"s1-1-1-2_2_1": "Memorandum of understanding"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["earned"].as_f64(), Some(1.0), "{}", r.body);

    // The learner's own answer shows back selected, under its French label.
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert!(
        page.body.contains(
            r#"<option value="it&#39;s the chair" selected>c&#39;est la présidente</option>"#
        ),
        "{}",
        page.body
    );

    // Answered on the French page's form: the same value, the same score; the option's
    // hint is feedback in French.
    let r = lea
        .post_form(
            &format!(
                "/courses/course-v1:TESTORG+DD1+2026/problem/{}?content_lang=fr",
                ids["s1-1-1-2"]
            ),
            &[("action", "submit"), ("s1-1-1-2_2_1", "Memo & letter")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert!(page.body.contains("Trop familier pour un partenaire."));
}
