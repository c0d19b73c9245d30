//! One course, many languages (issue 17): the translation API — the per-language table,
//! a language's segments, saving translations, publishing — with its permissions, its
//! checks, and outdated segments after the source changes.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_store::{Db, q};
use serde_json::{Value, json};

const API: &str = "/api/v1/courses/course-v1:TESTORG+TR1+2026/translations";

struct Site {
    t: TestApp,
    course: lyceum_core::CourseId,
}

async fn site() -> Site {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("TR1")).await;
    for (name, role) in [
        ("tina", Some(CourseRole::Translator)),
        ("arun", Some(CourseRole::Author)),
        ("sam", Some(CourseRole::Staff)),
        ("lea", None),
        ("olga", None),
    ] {
        let u = t.user(name, false).await;
        match role {
            Some(role) => t.make_staff(u, course, role).await,
            None if name == "lea" => t.enroll(u, course).await,
            None => {}
        }
    }
    Site { t, course }
}

fn segment<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no segment {id} in {list}"))
}

fn with_source<'a>(list: &'a Value, source: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no segment with source {source:?}"))
}

#[tokio::test]
async fn a_translator_translates_segments_and_an_author_publishes_the_language() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;

    // Nothing yet: no target language.
    let r = tina.get(API).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!([]));

    // The course's segments: its title first, then the outline and the blocks' text;
    // never a problem's machine values.
    let r = tina.get(&format!("{API}/fr/segments")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    let all = list.as_array().unwrap();
    assert_eq!(all[0]["id"], "@course.title");
    assert_eq!(all[0]["source"], "Quiz course TR1");
    assert!(all.iter().all(|s| s["state"] == "untranslated"));
    let label = with_source(&list, "Which licence do Wikipedia's texts use?");
    assert_eq!(label["html"], true);
    assert!(with_source(&list, "CC BY-SA 4.0")["id"].is_string());
    // (A checkbox's choice text is shown, and translated; its value is its position.)
    assert!(with_source(&list, "Wikidata")["id"].is_string());
    // (A dropdown's option is shown, and translated as its label; its value stays the
    // source's option, see translations_dropdown.rs.)
    assert_eq!(with_source(&list, "GFDL")["id"], "s1-1-1-5.option.3");
    for value in ["3.14", "1%", "WD", "CC0','CC BY-SA"] {
        assert!(
            all.iter()
                .all(|s| !s["source"].as_str().unwrap().contains(value)),
            "{value}: answers checked against are not segments"
        );
    }
    assert!(all.iter().any(|s| s["source"] == "Quiz one"), "unit titles");

    // Saved, then found translated.
    let title = format!("{API}/fr/segments/@course.title");
    let r = tina
        .put_json(&title, json!({"text": "Quiz, cours TR1"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "translated");
    let label_id = label["id"].as_str().unwrap().to_owned();
    let r = tina
        .put_json(
            &format!("{API}/fr/segments/{label_id}"),
            json!({"text": "Quelle licence utilisent les textes de Wikipédia ?"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = tina.get(API).await;
    let fr = &r.json()[0];
    assert_eq!(fr["lang"], "fr");
    assert_eq!(fr["translated"], 2);
    assert_eq!(fr["outdated"], 0);
    assert_eq!(fr["published"], false);
    assert_eq!(fr["segments"].as_u64().unwrap() as usize, all.len());
    assert!(fr["last_activity"].is_string());

    let r = tina
        .get(&format!("{API}/fr/segments?state=untranslated"))
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), all.len() - 2);
    let r = tina.get(&format!("{API}/fr/segments?state=all")).await;
    assert_eq!(
        segment(&r.json(), "@course.title")["translation"],
        "Quiz, cours TR1"
    );
    let r = tina.get(&format!("{API}/fr/segments?state=nonsense")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Learners do not see an unpublished language.
    let mut lea = s.t.login("lea").await;
    assert_eq!(lea.get(API).await.json(), json!([]));

    // Translators do not publish; those who write the course do.
    let publish = format!("{API}/fr/publish");
    assert_eq!(
        tina.post_empty(&publish).await.status,
        StatusCode::FORBIDDEN
    );
    let mut arun = s.t.login("arun").await;
    let r = arun.post_empty(&publish).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"lang": "fr", "published": true}));
    let r = lea.get(API).await;
    assert_eq!(r.json()[0]["lang"], "fr");
    assert_eq!(r.json()[0]["published"], true);
    // Withdrawn: gone for learners, kept for translators.
    assert_eq!(arun.delete(&publish).await.status, StatusCode::OK);
    assert_eq!(lea.get(API).await.json(), json!([]));
    assert_eq!(tina.get(API).await.json()[0]["translated"], 2);
}

#[tokio::test]
async fn only_translators_and_writers_translate() {
    let s = site().await;
    let put = format!("{API}/fr/segments/@course.title");
    let body = json!({"text": "Titre"});
    let mut anon = s.t.client();
    assert_eq!(
        anon.put_json(&put, body.clone()).await.status,
        StatusCode::UNAUTHORIZED
    );
    for who in ["lea", "olga", "sam"] {
        let mut c = s.t.login(who).await;
        let r = c.put_json(&put, body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert_eq!(
            c.get(&format!("{API}/fr/segments")).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            c.post_empty(&format!("{API}/fr/publish")).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let mut arun = s.t.login("arun").await;
    assert_eq!(arun.put_json(&put, body).await.status, StatusCode::OK);
    // An unknown course is 404 whoever asks.
    let mut tina = s.t.login("tina").await;
    let r = tina
        .get("/api/v1/courses/course-v1:NO+SUCH+RUN/translations/fr/segments")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_translations_are_refused_with_what_is_wrong_and_nothing_is_stored() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    set_accept_language(&mut tina, "fr");
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    // A segment with markup: its elements must stay.
    let hint = with_source(&list, "Think of share-alike.")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let label = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"].as_str().unwrap_or("").contains("<"))
        .map(|s| s["id"].as_str().unwrap().to_owned());
    let url = |id: &str| format!("{API}/fr/segments/{id}");
    let cases = [
        (
            url(&hint),
            json!({"text": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "vide",
        ),
        (
            url(&hint),
            json!({"text": "Pensez <b>partage</b>"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "balisage",
        ),
        (
            url("no.such.segment"),
            json!({"text": "x"}),
            StatusCode::NOT_FOUND,
            "",
        ),
        (url(&hint), json!({"txt": "x"}), StatusCode::BAD_REQUEST, ""),
        (
            format!(
                "/api/v1/courses/course-v1:TESTORG+TR1+2026/translations/french/segments/{hint}"
            ),
            json!({"text": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "french",
        ),
        (
            format!("/api/v1/courses/course-v1:TESTORG+TR1+2026/translations/en/segments/{hint}"),
            json!({"text": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "en",
        ),
    ];
    for (path, body, status, says) in cases {
        let r = tina.put_json(&path, body.clone()).await;
        assert_eq!(r.status, status, "{path} {body}: {}", r.body);
        assert!(r.body.contains(says), "{path}: {}", r.body);
    }
    if let Some(label) = label {
        let r = tina
            .put_json(&url(&label), json!({"text": "sans balises"}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    // Nothing was stored: no language appeared.
    assert_eq!(tina.get(API).await.json(), json!([]));
}

#[tokio::test]
async fn a_changed_source_outdates_its_translation_and_only_that_one() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let unit = with_source(&list, "Quiz one")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (id, text) in [
        ("@course.title", "Quiz, cours TR1"),
        (unit.as_str(), "Quiz un"),
    ] {
        let r = tina
            .put_json(&format!("{API}/fr/segments/{id}"), json!({"text": text}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // The author renames the course.
    let mut c = s.t.store.conn().await.unwrap();
    c.exec(
        q("UPDATE courses SET title = 'Quiz course TR1, revised' WHERE id = $1").bind(s.course.0),
    )
    .await
    .unwrap();
    drop(c);

    let r = tina.get(&format!("{API}/fr/segments?state=outdated")).await;
    let outdated = r.json();
    assert_eq!(outdated.as_array().unwrap().len(), 1, "{outdated}");
    let title = &outdated[0];
    assert_eq!(title["id"], "@course.title", "the id survived the edit");
    assert_eq!(title["source"], "Quiz course TR1, revised");
    assert_eq!(title["translation"], "Quiz, cours TR1");
    assert_eq!(title["translated_from"], "Quiz course TR1");
    let fr = &tina.get(API).await.json()[0];
    assert_eq!(
        (fr["translated"].as_u64(), fr["outdated"].as_u64()),
        (Some(1), Some(1))
    );
    // Saved again from the new source: up to date.
    let r = tina
        .put_json(
            &format!("{API}/fr/segments/@course.title"),
            json!({"text": "Quiz, cours TR1, révisé"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let fr = &tina.get(API).await.json()[0];
    assert_eq!(
        (fr["translated"].as_u64(), fr["outdated"].as_u64()),
        (Some(2), Some(0))
    );
}

/// The detail API's unit titles, in outline order.
fn unit_titles(detail: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for s in detail["outline"].as_array().unwrap() {
        for ss in s["subsections"].as_array().unwrap() {
            for u in ss["units"].as_array().unwrap() {
                out.push(u["title"].as_str().unwrap().to_owned());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_learner_reads_a_published_language_and_answers_count_as_in_the_source() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    for (source, fr) in [
        ("Quiz course TR1", "Quiz, cours TR1"),
        ("Quiz one", "Quiz un"),
        (
            "Which licence do Wikipedia's texts use?",
            "Quelle licence utilisent les textes de Wikipédia ?",
        ),
        ("All rights reserved", "Tous droits réservés"),
    ] {
        let id = with_source(&list, source)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = tina
            .put_json(&format!("{API}/fr/segments/{id}"), json!({"text": fr}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let detail = "/api/v1/courses/course-v1:TESTORG+TR1+2026";
    let mut lea = s.t.login("lea").await;
    // Not published yet: the source, whatever is asked.
    let d = lea.get(&format!("{detail}?lang=fr")).await.json();
    assert_eq!(d["content_language"], "en");
    assert_eq!(d["title"], "Quiz course TR1");

    let mut arun = s.t.login("arun").await;
    assert_eq!(
        arun.post_empty(&format!("{API}/fr/publish")).await.status,
        StatusCode::OK
    );
    let d = lea.get(&format!("{detail}?lang=fr")).await.json();
    assert_eq!(d["content_language"], "fr");
    assert_eq!(d["language"], "en", "the language it is written in");
    assert_eq!(d["languages"], json!(["en", "fr"]));
    assert_eq!(d["title"], "Quiz, cours TR1");
    let titles = unit_titles(&d);
    assert_eq!(titles[0], "Quiz un");
    assert_eq!(titles[1], "Closed quiz", "untranslated: the source's text");
    // Asked for the source, or for a language it is not published in: the source.
    for lang in ["en", "de"] {
        let d = lea.get(&format!("{detail}?lang={lang}")).await.json();
        assert_eq!(d["content_language"], "en", "{lang}");
        assert_eq!(unit_titles(&d)[0], "Quiz one");
    }

    // The unit page in French: the problem's text translated, its inputs as in English.
    let ids = s.t.block_ids(s.course).await;
    let unit = "/courses/course-v1:TESTORG+TR1+2026/unit/s1-1-1";
    let page = lea.get(&format!("{unit}?content_lang=fr")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Quelle licence utilisent les textes de Wikipédia ?")
    );
    assert!(page.body.contains("Tous droits réservés"));
    assert!(
        page.body.contains("CC BY-SA 4.0"),
        "untranslated choice: source text"
    );
    assert!(page.body.contains("s1-1-1-1_2_1"), "the input keeps its id");
    let english = lea.get(unit).await;
    assert!(english.body.contains("Which licence do Wikipedia"));
    // Answered in French: scored as in English.
    let r = lea
        .post_json(
            &format!("/api/v1/problems/{}/submit", ids["s1-1-1-1"]),
            json!({"answers": {"s1-1-1-1_2_1": "choice_1"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["earned"].as_f64(), Some(1.0));

    // The learner's choice is kept: French without asking.
    let choose = "/api/v1/me/courses/course-v1:TESTORG+TR1+2026/content-language";
    let r = lea.put_json(choose, json!({"lang": "fr"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(lea.get(unit).await.body.contains("Quelle licence"));
    assert_eq!(lea.get(detail).await.json()["content_language"], "fr");
    // …and asking for the source still shows the source.
    assert!(
        lea.get(&format!("{unit}?content_lang=en"))
            .await
            .body
            .contains("Which licence")
    );
    let r = lea.put_json(choose, json!({"lang": "de"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut olga = s.t.login("olga").await;
    let r = olga.put_json(choose, json!({"lang": "fr"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not enrolled: {}", r.body);
    // Back to the source.
    assert_eq!(
        lea.put_json(choose, json!({"lang": "en"})).await.status,
        StatusCode::OK
    );
    assert!(lea.get(unit).await.body.contains("Which licence"));
}

#[tokio::test]
async fn the_switcher_keeps_a_learners_choice_and_shows_others_the_page_in_that_language() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let list = tina.get(&format!("{API}/ar/segments")).await.json();
    let id = with_source(&list, "Quiz one")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = tina
        .put_json(
            &format!("{API}/ar/segments/{id}"),
            json!({"text": "الاختبار الأول"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let unit = "/courses/course-v1:TESTORG+TR1+2026/unit/s1-1-1";
    let mut lea = s.t.login("lea").await;
    assert!(
        !lea.get(unit).await.body.contains("course-languages"),
        "no switcher before a language is published"
    );
    let mut arun = s.t.login("arun").await;
    assert_eq!(
        arun.post_empty(&format!("{API}/ar/publish")).await.status,
        StatusCode::OK
    );

    let page = lea.get(unit).await.body;
    assert!(page.contains(r#"class="course-languages""#));
    assert!(page.contains(r#"value="ar" lang="ar" dir="rtl""#), "{page}");
    let action = "/courses/course-v1:TESTORG+TR1+2026/content-language";
    let r = lea
        .post_form(
            action,
            &[("lang", "ar"), ("next", &format!("{unit}?content_lang=en"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        unit,
        "the asked language does not stick to the link"
    );
    let page = lea.get(unit).await.body;
    assert!(
        page.contains("الاختبار الأول"),
        "kept: the unit's title in Arabic"
    );
    assert!(page.contains(r#"lang="ar" dir="rtl""#));

    // A visitor who may read the course (not enrolled, on the team): the page in Arabic.
    let mut sam = s.t.login("sam").await;
    let r = sam
        .post_form(action, &[("lang", "ar"), ("next", unit)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("{unit}?content_lang=ar"));
    // Never somewhere else.
    let r = sam
        .post_form(action, &[("lang", "ar"), ("next", "https://evil.example/")])
        .await;
    assert!(
        r.location().starts_with("/?content_lang=ar"),
        "{}",
        r.location()
    );
}
