//! The Studio's unit and block editors (`/courses/{key}/studio/unit|block/…`) and the
//! problem preview's Check: building a unit through the forms, the problem editor's form
//! and OLX with line-precise errors, stale saves shown side by side, who may edit, and
//! that reading and checking write nothing.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use serde_json::{Value, json};

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

async fn draft(c: &mut Client) -> Value {
    let r = c.get(&format!("/api/v1/courses/{KEY}/draft")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn block(d: &Value, id: i64) -> &Value {
    d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("no block {id} in {d}"))
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

fn children(d: &Value, parent: i64) -> Vec<i64> {
    let mut v: Vec<(i64, i64)> = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["parent"] == parent)
        .map(|b| (b["position"].as_i64().unwrap(), b["id"].as_i64().unwrap()))
        .collect();
    v.sort();
    v.into_iter().map(|(_, id)| id).collect()
}

/// Text as the page shows it, with askama's escapes undone.
fn unescape(html: &str) -> String {
    html.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

fn unit_page(unit: i64) -> String {
    format!("/courses/{KEY}/studio/unit/{unit}")
}

fn block_page(block: i64) -> String {
    format!("/courses/{KEY}/studio/block/{block}")
}

/// Add a block from the unit's menu; the id of the block whose editor it opened.
async fn add(c: &mut Client, unit: i64, entry: &str) -> i64 {
    let r = c
        .post_form(&format!("{}/add", unit_page(unit)), &[("entry", entry)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{}", r.location()))
}

#[tokio::test]
async fn an_author_builds_a_unit_with_text_and_a_problem_through_the_forms() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Second unit");

    let page = ada.get(&unit_page(unit)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The block's learner view as a preview, the kinds' menu, the neighbouring units.
    assert!(page.body.contains("<p>Two</p>"), "{}", page.body);
    for entry in [
        "text:",
        "discussion:",
        "problem:multiple_choice",
        "problem:checkboxes",
        "problem:dropdown",
        "problem:text_input",
        "problem:numerical",
    ] {
        assert!(page.body.contains(&format!("value=\"{entry}\"")), "{entry}");
    }
    assert!(page.body.contains("Unit with video"), "previous unit");
    assert!(page.body.contains("Third unit"), "next unit");

    // A text block: blank, then written in Markdown.
    let text = add(&mut ada, unit, "text:").await;
    let editor = ada.get(&block_page(text)).await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(editor.body.contains("name=\"source\""), "{}", editor.body);
    assert!(editor.body.contains("data-autosave-url"), "text autosaves");
    let r = ada
        .post_form(
            &block_page(text),
            &[
                ("title", "Welcome"),
                ("format", "markdown"),
                ("source", "Hello *world*"),
                ("summary", "First words"),
                ("base_revision", "1"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = draft(&mut ada).await;
    assert_eq!(
        block(&d, text)["content"],
        json!({"markdown": "Hello *world*"})
    );
    assert_eq!(block(&d, text)["title"], "Welcome");
    assert_eq!(block(&d, text)["revision"], 2);

    // "Preview" shows the text as typed and stores nothing.
    let before = w.t.store.write_count();
    let r = ada
        .post_form(
            &block_page(text),
            &[
                ("format", "html"),
                ("source", "<p>Shown <script>x()</script>here</p>"),
                ("base_revision", "2"),
                ("step", "preview"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<p>Shown here</p>"), "{}", r.body);
    assert!(!r.body.contains("<script>x()"), "sanitised");
    assert_eq!(w.t.store.write_count(), before, "a preview wrote");
    let r = ada
        .post_form(
            &format!("{}/preview", block_page(text)),
            &[("format", "markdown"), ("source", "# Title")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<h1>Title</h1>"), "{}", r.body);
    assert_eq!(w.t.store.write_count(), before, "the live preview wrote");

    // A multiple-choice problem from its template, then written through the form.
    let problem = add(&mut ada, unit, "problem:multiple_choice").await;
    let editor = ada.get(&block_page(problem)).await;
    assert!(
        editor.body.contains(r#"name="mode" value="form""#),
        "{}",
        editor.body
    );
    assert!(editor.body.contains("Write your question here"));
    let r = ada
        .post_form(
            &block_page(problem),
            &[
                ("title", "Licences"),
                ("mode", "form"),
                ("ptype", "multiple_choice"),
                ("question", "Which licence do Wikipedia's texts use?"),
                ("choice_0_text", "All rights reserved"),
                ("choice_0_hint", "No: anyone may reuse them."),
                ("choice_1_text", "CC BY-SA"),
                ("choice_1_correct", "on"),
                ("choice_2_text", ""),
                ("explanation", "Wikipedia's texts are CC BY-SA."),
                ("weight", "2"),
                ("max_attempts", "3"),
                ("showanswer", "always"),
                ("rerandomize", "never"),
                ("base_revision", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = draft(&mut ada).await;
    let content = &block(&d, problem)["content"];
    let olx = content["olx"].as_str().unwrap();
    assert!(
        olx.contains(r#"<choice correct="true">CC BY-SA</choice>"#),
        "{olx}"
    );
    assert!(olx.contains("<choicehint>No: anyone may reuse them.</choicehint>"));
    assert_eq!(
        (
            &content["weight"],
            &content["max_attempts"],
            &content["showanswer"]
        ),
        (&json!(2.0), &json!(3), &json!("always"))
    );
    assert_eq!(children(&d, unit)[1..], [text, problem]);

    // The unit shows both, in order; the problem moves up, is duplicated, then deleted.
    let page = ada.get(&unit_page(unit)).await;
    assert!(page.body.contains("Hello <em>world</em>"), "{}", page.body);
    assert!(page.body.contains("Which licence do Wikipedia"));
    let r = ada
        .post_form(&format!("{}/move", block_page(problem)), &[("dir", "up")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = draft(&mut ada).await;
    assert_eq!(children(&d, unit)[1..], [problem, text]);
    let r = ada
        .post_form(&format!("{}/duplicate", block_page(problem)), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = draft(&mut ada).await;
    let list = children(&d, unit);
    assert_eq!(list.len(), 4);
    assert_eq!(block(&d, list[2])["content"], block(&d, problem)["content"]);
    let confirm = ada.get(&format!("{}/delete", block_page(list[2]))).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.body.contains("No learner has work"),
        "{}",
        confirm.body
    );
    let r = ada
        .post_form(
            &format!("{}/delete", block_page(list[2])),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = draft(&mut ada).await;
    assert_eq!(children(&d, unit).len(), 3);

    // Bad form input is shown with what was typed.
    let r = ada
        .post_form(
            &block_page(problem),
            &[
                ("mode", "form"),
                ("ptype", "checkboxes"),
                ("question", "Pick the free licences"),
                ("choice_0_text", "CC BY-SA"),
                ("choice_1_text", "CC0"),
                ("base_revision", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Mark at least one choice as correct."),
        "{}",
        r.body
    );
    assert!(r.body.contains("Pick the free licences"));
}

#[tokio::test]
async fn every_problem_type_opens_in_the_form_and_saves_back() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Third unit");
    for ty in [
        "multiple_choice",
        "checkboxes",
        "dropdown",
        "text_input",
        "numerical",
    ] {
        let id = add(&mut ada, unit, &format!("problem:{ty}")).await;
        let page = ada.get(&block_page(id)).await;
        assert!(page.body.contains(r#"name="mode" value="form""#), "{ty}");
        assert!(
            page.body
                .contains(&format!(r#"<option value="{ty}" selected>"#)),
            "{ty}: {}",
            page.body
        );
        let before = block(&draft(&mut ada).await, id)["content"]["olx"].clone();
        // Sending back the fields as the page has them keeps the OLX as it was.
        let mut fields: Vec<(String, String)> = vec![
            ("mode".into(), "form".into()),
            ("ptype".into(), ty.into()),
            ("question".into(), "Write your question here".into()),
            ("base_revision".into(), "1".into()),
        ];
        match ty {
            "text_input" => {
                fields.push(("answer".into(), "answer".into()));
                fields.push(("ci".into(), "on".into()));
            }
            "numerical" => fields.push(("answer".into(), "42".into())),
            _ => {
                for i in 0..3 {
                    fields.push((format!("choice_{i}_text"), format!("Choice {}", i + 1)));
                }
                fields.push(("choice_0_correct".into(), "on".into()));
            }
        }
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = ada.post_form(&block_page(id), &refs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{ty}: {}", r.body);
        let after = block(&draft(&mut ada).await, id)["content"]["olx"].clone();
        assert_eq!(after, before, "{ty}");
    }
}

#[tokio::test]
async fn bad_olx_names_its_line_and_keeps_the_text() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let unit = id_of(&draft(&mut ada).await, "Second unit");
    let id = add(&mut ada, unit, "problem:numerical").await;
    // Switching to OLX writes the form's OLX into the OLX editor.
    let r = ada
        .post_form(
            &block_page(id),
            &[
                ("mode", "form"),
                ("ptype", "numerical"),
                ("question", "How many?"),
                ("answer", "4"),
                ("step", "to_advanced"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(r#"name="mode" value="advanced""#),
        "{}",
        r.body
    );
    assert!(
        unescape(&r.body).contains(r#"<numericalresponse answer="4">"#),
        "{}",
        r.body
    );
    let bad = "<problem>\n  <p>Count.</p>\n  <numericalresponse>\n    <formulaequationinput/>\n  </numericalresponse>\n</problem>";
    let before = w.t.store.write_count();
    let r = ada
        .post_form(
            &block_page(id),
            &[("mode", "advanced"), ("olx", bad), ("base_revision", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Line 3:"), "{}", r.body);
    assert!(
        r.body.contains("editor-listing__fault"),
        "the line is marked"
    );
    assert!(
        unescape(&r.body).contains("  <p>Count.</p>\n  <numericalresponse>"),
        "the text is kept"
    );
    assert_eq!(w.t.store.write_count(), before);
    // A syntax error too.
    let r = ada
        .post_form(
            &block_page(id),
            &[
                ("mode", "advanced"),
                ("olx", "<problem>\n<p>open\n</problem>"),
                ("base_revision", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Line 3:"), "{}", r.body);
    // OLX the form cannot show stays in the OLX editor.
    let r = ada
        .post_form(
            &block_page(id),
            &[("mode", "advanced"), ("olx", bad), ("step", "to_form")],
        )
        .await;
    assert!(r.body.contains("the form cannot show"), "{}", r.body);
}

#[tokio::test]
async fn checking_an_answer_in_the_preview_grades_the_draft_and_stores_nothing() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let unit = id_of(&draft(&mut ada).await, "Second unit");
    let id = add(&mut ada, unit, "problem:numerical").await;
    let d = draft(&mut ada).await;
    let url_name = block(&d, id)["url_name"].as_str().unwrap().to_owned();
    let input = format!("{url_name}_2_1");
    let page = ada.get(&block_page(id)).await;
    let check = format!("/courses/{KEY}/problem/{id}/check");
    assert!(
        page.body.contains(&check),
        "the preview checks: {}",
        page.body
    );
    let before = w.t.store.write_count();
    let r = ada.post_form(&check, &[(input.as_str(), "42")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("cdx-message--success"), "{}", r.body);
    let r = ada.post_form(&check, &[(input.as_str(), "41")]).await;
    assert!(r.body.contains("cdx-message--error"), "{}", r.body);
    let r = ada.post_form(&check, &[(input.as_str(), "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.t.store.write_count(), before, "checking wrote");
    // Learners and staff cannot use it.
    let mut lea = w.t.login("lea").await;
    assert_eq!(
        lea.post_form(&check, &[(input.as_str(), "42")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_stale_save_shows_both_versions_and_keeps_the_typed_text() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let mut ines = w.t.login("ines").await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Fourth unit");
    let text = children(&d, unit)[0];
    let base = block(&d, text)["revision"].as_i64().unwrap().to_string();
    let r = ines
        .post_form(
            &block_page(text),
            &[
                ("format", "markdown"),
                ("source", "Four\nby Ines"),
                ("base_revision", &base),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = ada
        .post_form(
            &block_page(text),
            &[
                ("format", "markdown"),
                ("source", "Four\nby Ada, typed with care"),
                ("base_revision", &base),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Their version"), "{}", r.body);
    assert!(r.body.contains("Your version"));
    assert!(r.body.contains("by Ines"), "theirs shown");
    // What Ada typed is still in the form, now based on the current revision.
    assert!(
        r.body.contains(">Four\nby Ada, typed with care</textarea>"),
        "{}",
        r.body
    );
    let current = block(&draft(&mut ada).await, text)["revision"]
        .as_i64()
        .unwrap();
    assert!(
        r.body
            .contains(&format!(r#"name="base_revision" value="{current}""#))
    );
    assert_eq!(
        block(&draft(&mut ada).await, text)["content"],
        json!({"markdown": "Four\nby Ines"}),
        "nothing overwritten"
    );
    // The autosave's answer to the same: a 409 with the current revision.
    let r = ada
        .post_form(
            &format!("{}/autosave", block_page(text)),
            &[
                ("format", "markdown"),
                ("source", "Four by Ada"),
                ("base_revision", &base),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["revision"], current);
    let r = ada
        .post_form(
            &format!("{}/autosave", block_page(text)),
            &[
                ("format", "markdown"),
                ("source", "Four by Ada"),
                ("base_revision", &current.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["revision"], current + 1);
}

#[tokio::test]
async fn who_may_use_the_editors() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let d = draft(&mut ada).await;
    let unit = id_of(&d, "Second unit");
    let text = children(&d, unit)[0];
    let pages = [
        unit_page(unit),
        block_page(text),
        format!("{}/delete", block_page(text)),
    ];
    let mut anon = w.t.client();
    for page in &pages {
        assert_eq!(
            anon.get(page).await.status,
            StatusCode::NOT_FOUND,
            "anon {page}"
        );
    }
    for (who, status) in [
        ("lea", StatusCode::NOT_FOUND),
        ("olga", StatusCode::NOT_FOUND),
        ("tao", StatusCode::FORBIDDEN),
        ("ada", StatusCode::OK),
        ("ines", StatusCode::OK),
        ("root", StatusCode::OK),
    ] {
        let mut c = w.t.login(who).await;
        for page in &pages {
            assert_eq!(c.get(page).await.status, status, "{who} {page}");
        }
        if status != StatusCode::OK {
            let before = w.t.store.write_count();
            let r = c
                .post_form(&format!("{}/add", unit_page(unit)), &[("entry", "text:")])
                .await;
            assert_eq!(r.status, status, "{who} add");
            let r = c
                .post_form(
                    &block_page(text),
                    &[
                        ("format", "markdown"),
                        ("source", "x"),
                        ("base_revision", "1"),
                    ],
                )
                .await;
            assert_eq!(r.status, status, "{who} save");
            assert_eq!(w.t.store.write_count(), before, "{who} wrote");
        }
    }
    // A unit id that is not a unit, an entry the menu does not offer.
    assert_eq!(
        ada.get(&unit_page(text)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.get(&block_page(unit)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = ada
        .post_form(
            &format!("{}/add", unit_page(unit)),
            &[("entry", "problem:essay")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_editors_read_only_and_in_a_fixed_number_of_statements() {
    let t = TestApp::new().await;
    let small = t.seed(sample_course("T101", true)).await;
    let big = t.seed(big_course("BIG", 300)).await;
    let ada = t.user("ada", false).await;
    t.make_staff(ada, small, CourseRole::Author).await;
    t.make_staff(ada, big, CourseRole::Author).await;
    let mut c = t.login("ada").await;
    let mut cost = Vec::new();
    for key in [KEY.to_owned(), "course-v1:TESTORG+BIG+2026".to_owned()] {
        let d = c.get(&format!("/api/v1/courses/{key}/draft")).await.json();
        let unit = d["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["kind"] == "unit")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let leaf = children(&d, unit)[0];
        for path in [
            format!("/courses/{key}/studio/unit/{unit}"),
            format!("/courses/{key}/studio/block/{leaf}"),
            format!("/courses/{key}/studio/block/{leaf}/delete"),
        ] {
            // Warm the course cache, then count.
            c.get(&path).await;
            let (q, writes) = (t.queries(), t.store.write_count());
            let r = c.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
            assert_eq!(t.store.write_count(), writes, "GET {path} wrote");
            cost.push(t.queries() - q);
        }
    }
    assert_eq!(
        cost[..3],
        cost[3..],
        "statements per page, small vs 300 units"
    );
    assert!(cost.iter().all(|&n| n <= 10), "{cost:?}");
}

#[tokio::test]
async fn the_editors_work_in_arabic() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let unit = id_of(&draft(&mut ada).await, "Second unit");
    let id = add(&mut ada, unit, "problem:checkboxes").await;
    let page = ada.get(&format!("{}?uselang=ar", unit_page(unit))).await;
    assert!(page.body.contains(r#"dir="rtl""#), "{}", page.body);
    assert!(page.body.contains("إضافة كتلة"));
    let page = ada.get(&format!("{}?uselang=ar", block_page(id))).await;
    assert!(page.body.contains("مربعات اختيار"), "{}", page.body);
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----lyceumeditorsboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, name: &str, bytes: &[u8]) -> Resp {
    let (ct, body) = multipart(name, bytes);
    c.request(
        axum::http::Method::POST,
        &format!("/courses/{KEY}/studio/files"),
        axum::body::Body::from(body),
        Some(&ct),
        &[],
    )
    .await
}

#[tokio::test]
async fn files_are_listed_and_uploads_checked_before_anything_is_stored() {
    let w = world().await;
    let mut ada = w.t.login("ada").await;
    let files = format!("/courses/{KEY}/studio/files");
    let page = ada.get(&files).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("/static/intro.webm"), "{}", page.body);
    assert!(page.body.contains("png, jpg"), "allowed types listed");

    // Refused: a type not allowed, an SVG, bad subtitles, an empty file. Nothing stored.
    let (media, writes) = (media_snapshot(&w.t), w.t.store.write_count());
    for (name, bytes, message) in [
        ("tool.exe", &b"MZ"[..], "cannot be uploaded"),
        ("logo.svg", &b"<svg/>"[..], "cannot be uploaded"),
        ("broken.vtt", &b"WEBVTT\n\nnot a cue line\n"[..], ""),
        ("empty.png", &b""[..], "not empty"),
    ] {
        let r = upload(&mut ada, name, bytes).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        assert!(r.body.contains(message), "{name}: {}", r.body);
    }
    assert_eq!(media_snapshot(&w.t), media, "a refused upload left a file");
    assert_eq!(w.t.store.write_count(), writes, "a refused upload wrote");

    // Accepted: named as Open edX names assets, listed with its path.
    let r = upload(&mut ada, "Brain green.png", b"\x89PNG\r\n\x1a\nbytes").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = ada.get(&files).await;
    assert!(
        page.body.contains("/static/Brain_green.png"),
        "{}",
        page.body
    );
    let r = upload(
        &mut ada,
        "talk.fr.srt",
        "1\n00:00:00,000 --> 00:00:02,000\nBonjour\n".as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Who may: the team's authors only.
    let mut anon = w.t.client();
    assert_eq!(anon.get(&files).await.status, StatusCode::NOT_FOUND);
    for (who, status) in [
        ("lea", StatusCode::NOT_FOUND),
        ("tao", StatusCode::FORBIDDEN),
        ("ines", StatusCode::OK),
    ] {
        let mut c = w.t.login(who).await;
        assert_eq!(c.get(&files).await.status, status, "{who}");
        if status != StatusCode::OK {
            let r = upload(&mut c, "x.png", b"\x89PNG").await;
            assert_eq!(r.status, status, "{who} upload");
        }
    }
}
