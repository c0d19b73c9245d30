//! Length limits and number ranges (docs/LIMITS.md): over-long and hostile input sent to
//! the web forms and the JSON API is refused with a clear message or normalised, and
//! nothing stored is corrupted.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::blocks::LeafContent;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId};
use lyceum_store::repo::{courses, open_responses as repo, users};
use serde_json::json;

fn course() -> serde_json::Value {
    json!({
        "org": "TESTORG", "code": "T101", "run": "2026", "language": "en",
        "title": "Limits", "short_description": "", "overview": "",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "sections": [{"title": "Week 1", "subsections": [{"title": "Essays", "units": [
            {"title": "Essay unit", "blocks": [{
                "kind": "open_response", "title": "Essay", "prompts": ["Why?"],
                "text": "optional",
                "files": {"requirement": "optional", "allowed": ["pdf", "png"], "max_mb": 1, "max_files": 3},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]}
        ]}]}]
    })
}

struct World {
    t: TestApp,
    course: CourseId,
    block: i64,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let block = t.block_ids(course).await["s1-1-1-1"];
    let ines = t.user("ines", false).await;
    t.make_staff(ines, course, CourseRole::Instructor).await;
    let lina = t.user("lina", false).await;
    t.enroll(lina, course).await;
    World { t, course, block }
}

async fn upload(c: &mut Client, block: i64, name: &str, alt: &str, bytes: &[u8]) -> Resp {
    let boundary = "lyceumLimitsBoundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n")
            .as_bytes(),
    );
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
        &format!("/api/v1/open-responses/{block}/attachments"),
        Body::from(body),
        Some(&format!("multipart/form-data; boundary={boundary}")),
        &[],
    )
    .await
}

#[tokio::test]
async fn attachment_names_are_made_safe_and_alt_text_is_bounded() {
    let w = world().await;
    let mut lina = w.t.login("lina").await;
    // Five million characters with a bidi override and controls: stored as a safe name
    // of at most 255 bytes that keeps its extension.
    // (A control character in the header is refused by the form parser itself.)
    let hostile = format!("cv\u{202e}fdp\u{2066}{}.pdf", "a".repeat(5_000_000));
    let r = upload(&mut lina, w.block, &hostile, "", b"%PDF-1.4 x\n").await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        &r.body[..r.body.len().min(500)]
    );
    let stored = {
        let mut c = w.t.store.conn().await.unwrap();
        repo::draft_attachments(
            &mut c,
            lyceum_core::UserId(lina_user(&w.t).await),
            BlockId(w.block),
        )
        .await
        .unwrap()
    };
    assert_eq!(stored.len(), 1);
    let name = &stored[0].file_name;
    assert!(name.len() <= 255, "{}", name.len());
    assert!(
        name.starts_with("cvfdpaaa") && name.ends_with(".pdf"),
        "{name}"
    );
    assert!(!name.chars().any(|c| c.is_control() || c == '\u{202e}'));
    // The learner's page stays small.
    let page = lina
        .get("/courses/course-v1:TESTORG+T101+2026/unit/s1-1-1")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.len() < 200_000, "{} bytes", page.body.len());

    // Alt text over 1,000 characters: refused with the limit, nothing stored.
    let long_alt = "x".repeat(1_001);
    let r = upload(&mut lina, w.block, "chart.png", &long_alt, b"\x89PNG\r\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("is too long"), "{}", r.body);
    assert!(r.body.contains("1,000 characters"), "{}", r.body);
    let mut c = w.t.store.conn().await.unwrap();
    let n = repo::draft_attachments(
        &mut c,
        lyceum_core::UserId(lina_user(&w.t).await),
        BlockId(w.block),
    )
    .await
    .unwrap()
    .len();
    assert_eq!(n, 1, "nothing more stored");
}

async fn lina_user(t: &TestApp) -> i64 {
    let mut c = t.store.conn().await.unwrap();
    users::find_user_by_key(&mut c, "lina")
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn stored_content(
    t: &TestApp,
    course: CourseId,
) -> (
    String,
    lyceum_core::blocks::open_response::OpenResponseContent,
) {
    let mut c = t.store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, course).await.unwrap();
    for &u in tree.units() {
        for &l in tree.children(u) {
            let n = tree.node(l);
            if let Some(Ok(LeafContent::OpenResponse(o))) = &n.content {
                return (n.title.clone(), o.clone());
            }
        }
    }
    panic!("no open response");
}

#[tokio::test]
async fn staff_numbers_are_range_checked_and_names_cleaned() {
    let w = world().await;
    let mut ines = w.t.login("ines").await;
    let url = format!("/courses/{KEY}/studio/block/{}", w.block);
    let (_, before) = stored_content(&w.t, w.course).await;
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![
            ("title", "Essay"),
            ("prompt_0", "<p>Why?</p>"),
            ("text", "required"),
            ("files", "none"),
            ("steps", "peer,staff"),
            ("must_grade", "1"),
            ("graded_by", "1"),
            ("c0_name", "ideas"),
            ("c0_label", "Ideas"),
            ("c0_feedback", "optional"),
            ("c0_scale", "custom"),
            ("c0_options", "0 | Weak\n2 | Strong"),
            ("step", "save"),
        ];
        for (k, v) in extra {
            f.retain(|(name, _)| name != k);
            f.push((k, v));
        }
        f
    };
    let refused: &[(&[(&str, &str)], &str)] = &[
        (
            &[("c0_options", "4294967295 | Huge\n2 | Strong")],
            "“4294967295” cannot be used here: enter a number from 0 to 1,000.",
        ),
        (
            &[("weight", "1e308")],
            "cannot be used here: enter a number from 0 to 1,000.",
        ),
        (&[("must_grade", "999")], "“999” cannot be used here"),
        (
            &[("fallback_days", "100000")],
            "“100000” cannot be used here",
        ),
    ];
    for (extra, message) in refused {
        let r = ines.post_form(&url, &form(extra)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{extra:?}");
        assert!(r.body.contains(message), "{extra:?}: {}", r.body);
        let (_, after) = stored_content(&w.t, w.course).await;
        assert_eq!(after, before, "nothing stored for {extra:?}");
    }
    // In the person's language.
    let r = ines
        .post_form(
            &format!("{url}?uselang=fr"),
            &form(&[("c0_options", "4294967295 | Huge\n2 | Strong")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("« 4294967295 » ne convient pas ici"),
        "{}",
        r.body
    );
    let long_title = "T".repeat(201);
    let r = ines
        .post_form(
            &url,
            &form(&[])
                .into_iter()
                .map(|(k, v)| {
                    if k == "title" {
                        (k, long_title.as_str())
                    } else {
                        (k, v)
                    }
                })
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("is too long: at most 200 characters"),
        "{}",
        r.body
    );

    // Hostile characters are stripped from names; the total never wraps.
    let r = ines
        .post_form(
            &url,
            &form(&[
                ("title", "Essay \u{202e}txt.exe"),
                ("c0_label", "Ide\u{2066}as\u{7}"),
                ("c0_options", "1000 | Top\n0 | None"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Saved into the draft: published, learners see it.
    let r = ines
        .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (title, c) = stored_content(&w.t, w.course).await;
    assert_eq!(title, "Essay txt.exe");
    assert_eq!(c.rubric.criteria[0].label, "Ideas");
    assert_eq!(c.rubric.max_points(), 1000);

    // The grading policy: a count of four billion subsections is refused.
    let grading = format!("/courses/{KEY}/instructor/grading");
    let r = ines
        .post_form(
            &grading,
            &[
                ("type_name_0", "Homework"),
                ("type_weight_0", "100"),
                ("type_min_0", "4294967295"),
                ("type_drop_0", "0"),
                ("cutoff_name_0", "Pass"),
                ("cutoff_value_0", "50"),
                ("grace_hours", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("cannot be used here"), "{}", r.body);
}

#[tokio::test]
async fn an_override_error_shows_at_the_form_with_the_input_kept() {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("Q101")).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let ids = t.block_ids(course).await;
    let block = ids["s1-2-1-1"];
    let mut ta = t.login("teacher").await;
    let action = format!(
        "/courses/{QUIZ_KEY}/instructor/learners/{}/problems/{block}",
        learner.0
    );
    let long = "r".repeat(501);
    let r = ta
        .post_form(
            &action,
            &[("action", "override"), ("points", "1"), ("reason", &long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The form posts to its own anchor, so the answer opens where the person looked, and
    // the message is inside that form, with the field focused and the input kept.
    let form_start = r
        .body
        .find(&format!(r#"id="override-{block}""#))
        .expect("the form has an anchor");
    let form = &r.body[form_start..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains("is too long: at most 500 characters"),
        "{form}"
    );
    assert!(form.contains("autofocus"), "{form}");
    assert!(form.contains(&format!(r#"value="{long}""#)), "{form}");
    assert!(
        r.body
            .contains(&format!(r##"action="{action}#override-{block}""##))
    );
    // Hostile reasons are cleaned; the override is stored.
    let r = ta
        .post_form(
            &action,
            &[
                ("action", "override"),
                ("points", "1"),
                ("reason", "late\u{202e} work"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = ta.get(r.location()).await.body;
    assert!(page.contains("late work"), "{page}");
}

#[tokio::test]
async fn display_names_lose_bidi_overrides() {
    let t = TestApp::new().await;
    let ada = t.user("ada", false).await;
    let mut c = t.login("ada").await;
    let r = c
        .post_form(
            "/preferences",
            &[
                ("display_name", "Ada \u{202e}ecalevoL"),
                ("language", "en"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut db = t.store.conn().await.unwrap();
    let u = users::get_user(&mut db, ada).await.unwrap().unwrap();
    assert_eq!(u.display_name, "Ada ecalevoL");
}

#[tokio::test]
async fn response_text_loses_control_characters_but_keeps_its_lines() {
    let w = world().await;
    let mut lina = w.t.login("lina").await;
    let r = lina
        .request(
            Method::PUT,
            &format!("/api/v1/open-responses/{}/draft", w.block),
            Body::from(
                json!({"text": "line\u{0} one\u{1b}[31m\nline two \u{2067}عربي\u{2069}"})
                    .to_string(),
            ),
            Some("application/json"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = lina
        .post_json(
            &format!("/api/v1/open-responses/{}/submit", w.block),
            json!({"text": "final\u{0}\ntext\u{9b}"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut c = w.t.store.conn().await.unwrap();
    let s = repo::submissions_of(
        &mut c,
        lyceum_core::UserId(lina_user(&w.t).await),
        BlockId(w.block),
    )
    .await
    .unwrap();
    assert_eq!(s[0].text, "final\ntext");
}

/// A prompt nested deeper than author content may be (docs/LIMITS.md) is refused before
/// the sanitiser parses it, in the author's language, and nothing is stored.
#[tokio::test]
async fn a_deeply_nested_prompt_is_refused_in_the_authors_language() {
    let w = world().await;
    let mut ines = w.t.login("ines").await;
    let url = format!("/courses/{KEY}/studio/block/{}?uselang=fr", w.block);
    let (_, before) = stored_content(&w.t, w.course).await;
    let deep = format!("{}Why?", "<blockquote>".repeat(150));
    let form: Vec<(&str, &str)> = vec![
        ("title", "Essay"),
        ("prompt_0", deep.as_str()),
        ("text", "required"),
        ("files", "none"),
        ("steps", "peer,staff"),
        ("must_grade", "1"),
        ("graded_by", "1"),
        ("c0_name", "ideas"),
        ("c0_label", "Ideas"),
        ("c0_feedback", "optional"),
        ("c0_scale", "custom"),
        ("c0_options", "0 | Weak\n2 | Strong"),
        ("step", "save"),
    ];
    let r = ines.post_form(&url, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Ce contenu s’imbrique sur plus de 100 niveaux"),
        "{}",
        r.body
    );
    let (_, after) = stored_content(&w.t, w.course).await;
    assert_eq!(after, before, "nothing stored");
    // The same prompt, nested as deep as real prompts are, is saved.
    let shallow = format!("{}Why?", "<blockquote>".repeat(3));
    let form: Vec<(&str, &str)> = form
        .into_iter()
        .map(|(k, v)| {
            if k == "prompt_0" {
                (k, shallow.as_str())
            } else {
                (k, v)
            }
        })
        .collect();
    let r = ines.post_form(&url, &form).await;
    assert!(
        r.status.is_redirection() || r.status == StatusCode::OK,
        "{}",
        r.status
    );
    // Saved into the draft: learners see it once it is published.
    let r = ines
        .post_empty(&format!("/api/v1/courses/{KEY}/publish"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, after) = stored_content(&w.t, w.course).await;
    assert_ne!(after, before, "stored");
}
