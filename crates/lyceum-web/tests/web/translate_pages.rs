//! One course, many languages (issue 17) in the browser: the translator's pages (the
//! per-language table, the side-by-side editor with its filters, search and per-part
//! progress), the course's translation settings (publishing threshold, what learners see
//! of outdated translations), and what learners see of a partial or outdated language.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_store::{Db, q};
use serde_json::{Value, json};

const PAGES: &str = "/courses/course-v1:TESTORG+TR1+2026/translate";
const API: &str = "/api/v1/courses/course-v1:TESTORG+TR1+2026/translations";
const UNIT: &str = "/courses/course-v1:TESTORG+TR1+2026/unit/s1-1-1";

async fn site() -> (TestApp, lyceum_core::CourseId) {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("TR1")).await;
    for (name, role) in [
        ("tina", Some(CourseRole::Translator)),
        ("arun", Some(CourseRole::Author)),
        ("sam", Some(CourseRole::Staff)),
        ("lea", None),
    ] {
        let u = t.user(name, false).await;
        match role {
            Some(role) => t.make_staff(u, course, role).await,
            None => t.enroll(u, course).await,
        }
    }
    (t, course)
}

fn id_of(list: &Value, source: &str) -> String {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no segment with source {source:?}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_translator_works_side_by_side_in_the_browser() {
    let (t, _) = site().await;
    // Only those who translate the course see its translation pages.
    let mut anon = t.client();
    assert_ne!(anon.get(PAGES).await.status, StatusCode::OK);
    let mut lea = t.login("lea").await;
    assert_eq!(lea.get(PAGES).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        lea.post_form(PAGES, &[("lang", "fr")]).await.status,
        StatusCode::FORBIDDEN
    );

    let mut tina = t.login("tina").await;
    let r = tina.get(PAGES).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("No language yet"), "{}", r.body);
    // The course's header leads translators here.
    assert!(tina.get(UNIT).await.body.contains(PAGES));

    // Adding a language opens its editor; the course's own language cannot be one.
    let r = tina.post_form(PAGES, &[("lang", "en")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose another language"), "{}", r.body);
    let r = tina.post_form(PAGES, &[("lang", "fr")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("{PAGES}/fr"));
    let r = tina.get(PAGES).await;
    assert!(r.body.contains("français"), "the table lists it");
    assert!(r.body.contains("Not published"));

    let editor = tina.get(&format!("{PAGES}/fr")).await;
    assert_eq!(editor.status, StatusCode::OK, "{}", editor.body);
    assert!(editor.body.contains("Translating into français"));
    assert!(editor.body.contains("Quiz one"), "the source");
    assert!(editor.body.contains("part=s1-1-1"), "per-part progress");

    // "Save and next" saves and comes back to the next segment, with the filters.
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let unit_title = id_of(&list, "Quiz one");
    let back = format!("{PAGES}/fr?state=untranslated");
    let r = tina
        .post_form(
            &format!("{PAGES}/fr/segments/{unit_title}?return={}", enc(&back)),
            &[("text", "Quiz un"), ("next", "s1-1-1-1.title")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("{back}&notice=translation-saved#seg-s1-1-1-1.title")
    );
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let saved = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == unit_title.as_str())
        .unwrap();
    assert_eq!(saved["translation"], "Quiz un");
    assert_eq!(saved["state"], "translated");

    // A refused translation comes back with the reason and what was typed; nothing saved.
    let r = tina
        .post_form(
            &format!("{PAGES}/fr/segments/@course.title?return={}", enc(&back)),
            &[("text", "<b>Quiz</b>, cours")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("remove the markup"), "{}", r.body);
    assert!(
        r.body.contains("&#60;b&#62;Quiz&#60;/b&#62;, cours"),
        "kept"
    );
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    assert!(list[0]["translation"].is_null());
    // The return address is the editor's own, never elsewhere.
    let r = tina
        .post_form(
            &format!("{PAGES}/fr/segments/@course.title?return=https://evil.example/"),
            &[("text", "Quiz, cours TR1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with(&format!("{PAGES}/fr?")));

    // Filters and search.
    let r = tina
        .get(&format!("{PAGES}/fr?state=translated-or-not"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "an unknown filter shows all");
    let r = tina.get(&format!("{PAGES}/fr?state=outdated")).await;
    assert!(r.body.contains("Nothing to show"));
    // (An untranslated segment on the first page of 25.)
    let closed = format!("id=\"seg-{}\"", id_of(&list, "HW one"));
    let r = tina.get(&format!("{PAGES}/fr?state=untranslated")).await;
    assert!(!r.body.contains(&format!("id=\"seg-{unit_title}\"")));
    assert!(r.body.contains(&closed));
    let r = tina.get(&format!("{PAGES}/fr?q=quiz+UN")).await;
    assert!(
        r.body.contains(&format!("id=\"seg-{unit_title}\"")),
        "search: the translation"
    );
    assert!(!r.body.contains(&closed));
    let r = tina.get(&format!("{PAGES}/fr?part=s1-1-1")).await;
    assert!(r.body.contains("Which licence"));
    assert!(!r.body.contains("id=\"seg-@course.title\""));
    // A translator does not publish, nor change the course's settings.
    let r = tina
        .post_form(&format!("{PAGES}/fr/publish"), &[("published", "1")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = tina
        .post_form(
            &format!("{PAGES}/settings"),
            &[("outdated_shows", "source"), ("publish_threshold", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_course_decides_when_a_language_is_published_and_what_learners_see() {
    let (t, course) = site().await;
    let mut tina = t.login("tina").await;
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let total = list.as_array().unwrap().len();
    for (source, fr) in [
        ("Quiz one", "Quiz un"),
        (
            "Which licence do Wikipedia's texts use?",
            "Quelle licence utilisent les textes de Wikipédia ?",
        ),
    ] {
        let r = tina
            .put_json(
                &format!("{API}/fr/segments/{}", id_of(&list, source)),
                json!({"text": fr}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    // Publishing from a threshold: refused below it, with where the language stands.
    let mut arun = t.login("arun").await;
    let r = arun
        .post_form(
            &format!("{PAGES}/settings"),
            &[
                ("outdated_shows", "translation"),
                ("publish_threshold", "50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = arun
        .post_form(&format!("{PAGES}/fr/publish"), &[("published", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let percent = 2 * 100 / total;
    assert!(
        r.body
            .contains(&format!("This language is {percent}% translated")),
        "{}",
        r.body
    );
    assert_eq!(
        arun.post_empty(&format!("{API}/fr/publish")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the API too"
    );
    for bad in ["101", "-1", "half"] {
        let r = arun
            .post_form(
                &format!("{PAGES}/settings"),
                &[
                    ("outdated_shows", "translation"),
                    ("publish_threshold", bad),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.body.contains("from 0 to 100"), "{bad}");
    }
    let r = arun
        .post_form(
            &format!("{PAGES}/settings"),
            &[("outdated_shows", "translation"), ("publish_threshold", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = arun
        .post_form(&format!("{PAGES}/fr/publish"), &[("published", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        arun.get(r.location())
            .await
            .body
            .contains("learners can read the course in it")
    );

    // Published: the catalog lists the course under French too (once in all), and its
    // About page lists its languages.
    let mut anon = t.client();
    let all = anon.get("/").await.body;
    assert_eq!(all.matches(">Quiz course TR1<").count(), 1, "{all}");
    assert!(
        all.contains("value=\"fr\""),
        "French among the catalog's languages"
    );
    let fr = anon.get("/?language=fr").await;
    assert!(
        fr.body
            .contains("/courses/course-v1:TESTORG+TR1+2026/about?content_lang=fr"),
        "{}",
        fr.body
    );
    assert!(!anon.get("/?language=de").await.body.contains("TR1"));
    let about = anon
        .get("/courses/course-v1:TESTORG+TR1+2026/about?content_lang=fr")
        .await;
    assert!(about.body.contains("about-languages"), "{}", about.body);
    assert!(about.body.contains("hreflang=\"en\""));
    assert!(
        about
            .body
            .contains("<strong lang=\"fr\" dir=\"ltr\">français</strong>")
    );

    // A learner reading French: what is not translated is in English, marked as such,
    // and the page says so.
    let mut lea = t.login("lea").await;
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert!(page.body.contains("Quelle licence"));
    assert!(
        page.body
            .contains("Parts of this page are not translated yet")
    );
    assert!(
        page.body
            .contains("<span lang=\"en\" dir=\"ltr\">CC BY-SA 4.0</span>"),
        "untranslated text keeps its language: {}",
        page.body
    );
    assert!(page.body.contains(&format!("{UNIT}?content_lang=en")));
    assert!(!page.body.contains("translated from an earlier version"));

    // The learner keeps French; the course's staff see it on their record.
    let r = lea
        .put_json(
            "/api/v1/me/courses/course-v1:TESTORG+TR1+2026/content-language",
            json!({"lang": "fr"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut c = t.store.conn().await.unwrap();
    let lea_id: i64 = c
        .scalar(q("SELECT id FROM users WHERE username = 'lea'"))
        .await
        .unwrap();
    drop(c);
    let mut sam = t.login("sam").await;
    let record = sam
        .get(&format!(
            "/courses/course-v1:TESTORG+TR1+2026/instructor/learners/{lea_id}"
        ))
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert!(
        record.body.contains("Reads the course in français"),
        "{}",
        record.body
    );

    // The author edits the unit's title: the French one is outdated, shown with a notice…
    let mut c = t.store.conn().await.unwrap();
    c.exec(
        q("UPDATE blocks SET title = 'Quiz one, revised' WHERE course_id = $1 AND url_name = 's1-1-1'")
            .bind(course.0),
    )
    .await
    .unwrap();
    c.exec(
        q("UPDATE courses SET content_version = content_version + 1 WHERE id = $1").bind(course.0),
    )
    .await
    .unwrap();
    drop(c);
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert!(page.body.contains("Quiz un"));
    assert!(page.body.contains("translated from an earlier version"));
    let table = tina.get(API).await.json();
    assert_eq!(table[0]["outdated"], 1, "{table}");
    let editor = tina.get(&format!("{PAGES}/fr?state=outdated")).await;
    assert!(
        editor
            .body
            .contains("The source changed since it was translated")
    );
    assert!(editor.body.contains("<ins>"), "the source's diff");
    assert!(editor.body.contains("Quiz un"), "the previous translation");
    // …or, if the course prefers, the source instead.
    let r = arun
        .post_form(
            &format!("{PAGES}/settings"),
            &[("outdated_shows", "source"), ("publish_threshold", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert!(!page.body.contains("Quiz un"), "{}", page.body);
    assert!(page.body.contains("Quiz one, revised"));
    assert!(!page.body.contains("translated from an earlier version"));

    // Withdrawn: learners read the source again; the translations are kept.
    let r = arun
        .post_form(&format!("{PAGES}/fr/publish"), &[("published", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = lea.get(&format!("{UNIT}?content_lang=fr")).await;
    assert!(page.body.contains("Which licence"));
    assert_eq!(tina.get(API).await.json()[0]["translated"], 1);
}

/// Post `bytes` as the editor's XLIFF file form does.
async fn upload_xliff(c: &mut Client, path: &str, bytes: &[u8]) -> Resp {
    let boundary = "----LyceumXliffBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fr.xlf\"\r\nContent-Type: application/xliff+xml\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.request(
        axum::http::Method::POST,
        path,
        axum::body::Body::from(body),
        Some(&ct),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_translator_exchanges_a_file_from_the_editor() {
    let (t, _) = site().await;
    let mut tina = t.login("tina").await;
    let editor = tina.get(&format!("{PAGES}/fr")).await;
    let download = format!("{API}/fr.xlf");
    assert!(editor.body.contains(&download), "the editor links the file");
    let xml = tina.get(&download).await.body;
    let upload = format!("{PAGES}/fr/xliff");

    // A file that loses a unit's place is refused, each problem at its line.
    let bad = xml.replacen("<unit id=\"@course.title\">", "<unit id=\"no-such\">", 1);
    let r = upload_xliff(&mut tina, &upload, bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("nothing was saved"), "{}", r.body);
    assert!(r.body.contains("Line "), "{}", r.body);

    // Translated offline and imported: saved.
    let good = xml.replacen(
        "<source>Quiz course TR1</source>",
        "<source>Quiz course TR1</source>\n        <target>Quiz, cours TR1</target>",
        1,
    );
    assert_ne!(good, xml);
    let r = upload_xliff(&mut tina, &upload, good.as_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    assert_eq!(list[0]["translation"], "Quiz, cours TR1");
}
