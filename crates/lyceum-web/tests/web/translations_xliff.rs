//! One course, many languages (issue 17): a language exported as an XLIFF 2.0 file,
//! translated offline and imported back — HTML markup as inline codes both ways, every
//! problem of a bad file refused with its line and nothing saved, outdated translations,
//! and who may do it.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::permissions::CourseRole;
use lyceum_store::{Db, q};
use serde_json::{Value, json};

const COURSE: &str = "course-v1:TESTORG+XL1+2026";
const API: &str = "/api/v1/courses/course-v1:TESTORG+XL1+2026/translations";

struct Site {
    t: TestApp,
    course: lyceum_core::CourseId,
}

async fn site() -> Site {
    let t = TestApp::new().await;
    let course = t
        .seed(json!({
            "org": "TESTORG", "code": "XL1", "run": "2026", "language": "en",
            "title": "Exchange course XL1", "short_description": "Files for translators",
            "overview": "Learn with others.", "start": "2026-09-01T00:00:00Z", "published": true,
            "sections": [{"title": "Week one", "subsections": [{"title": "Basics", "units": [
                {"title": "Reading", "blocks": [{"kind": "text", "markdown":
                    "Read [the guide](https://example.org/guide?a=1&b=2) and **sign** it.  \nThen wait.\n\nHello {name}, welcome & enjoy."}]}
            ]}]}]
        }))
        .await;
    for (name, role) in [
        ("tina", Some(CourseRole::Translator)),
        ("arun", Some(CourseRole::Author)),
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

async fn put_xml(c: &mut Client, path: &str, body: impl Into<Body>) -> Resp {
    c.request(
        Method::PUT,
        path,
        body.into(),
        Some("application/xliff+xml"),
        &[],
    )
    .await
}

/// The segment whose source starts with `start`.
fn segment<'a>(list: &'a Value, start: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"].as_str().unwrap().starts_with(start))
        .unwrap_or_else(|| panic!("no segment starting {start:?} in {list}"))
}

fn id_of(list: &Value, start: &str) -> String {
    segment(list, start)["id"].as_str().unwrap().to_owned()
}

/// The inline XML of a unit's `<source>` in an exported file.
fn source_xml(xml: &str, unit: &str) -> String {
    let at = xml
        .find(&format!("<unit id=\"{unit}\">"))
        .unwrap_or_else(|| panic!("no unit {unit}"));
    let start = at + xml[at..].find("<source>").unwrap() + "<source>".len();
    let end = start + xml[start..].find("</source>").unwrap();
    xml[start..end].to_owned()
}

/// `xml` with a target (inline XML) given to the unit, on a line of its own.
fn with_target(xml: &str, unit: &str, target: &str) -> String {
    let at = xml.find(&format!("<unit id=\"{unit}\">")).unwrap();
    let end = at + xml[at..].find("</source>").unwrap() + "</source>".len();
    format!(
        "{}\n        <target>{target}</target>{}",
        &xml[..end],
        &xml[end..]
    )
}

/// The 1-based line where `needle` starts in `xml`.
fn line_of(xml: &str, needle: &str) -> u64 {
    let at = xml
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the file"));
    xml[..at].matches('\n').count() as u64 + 1
}

async fn export(c: &mut Client, lang: &str) -> String {
    let r = c.get(&format!("{API}/{lang}.xlf")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn segments(c: &mut Client, lang: &str) -> Value {
    let r = c.get(&format!("{API}/{lang}/segments")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn an_exported_file_translated_offline_comes_back_translated() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let r = tina.get(&format!("{API}/fr.xlf")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        "application/xliff+xml; charset=utf-8"
    );
    assert_eq!(
        r.header("content-disposition"),
        "attachment; filename=\"XL1-fr.xlf\""
    );
    let xml = r.body;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(xml.contains(
        r#"<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="fr">"#
    ));
    assert!(xml.contains(&format!(r#"original="{COURSE}""#)));
    assert!(xml.contains(
        "<unit id=\"@course.title\">\n      <segment state=\"initial\">\n        <source>Exchange course XL1</source>\n      </segment>"
    ));
    assert!(!xml.contains("<target>"), "nothing translated yet");

    let list = segments(&mut tina, "fr").await;
    let read = segment(&list, "Read ").clone();
    let read_id = read["id"].as_str().unwrap();
    // The paragraph's markup is inline codes, its tags in originalData, never text.
    let source = source_xml(&xml, read_id);
    assert!(
        source.starts_with("Read <pc id=\"1\" dataRefStart=\"d1\" dataRefEnd=\"d2\" type=\"link\">the guide</pc> and <pc id=\"2\""),
        "{source}"
    );
    assert!(source.contains("<ph id=\"3\""), "the line break: {source}");
    assert!(
        xml.contains("<data id=\"d1\">&lt;a href=\"https://example.org/guide?a=1&amp;amp;b=2\"")
    );

    // Translated offline: the words change, the codes stay.
    let fr = |t: &str| {
        t.replace("Read ", "Lisez ")
            .replace("the guide", "le guide")
            .replace(" and ", " et ")
            .replace(">sign<", ">signez<")
            .replace(" it.", "-le.")
            .replace("Then wait.", "Puis attendez.")
    };
    let edited = with_target(&xml, "@course.title", "Cours d’échange « XL1 » &amp; co");
    let edited = with_target(&edited, read_id, &fr(&source));
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), edited.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let units = xml.matches("<unit ").count();
    assert_eq!(
        r.json(),
        json!({"saved": 2, "unchanged": 0, "skipped": units - 2})
    );

    let list = segments(&mut tina, "fr").await;
    let title = segment(&list, "Exchange course");
    assert_eq!(title["translation"], "Cours d’échange « XL1 » & co");
    assert_eq!(title["state"], "translated");
    // Rebuilt with the source's own tags, byte for byte.
    let read = segment(&list, "Read ");
    assert_eq!(read["state"], "translated");
    assert_eq!(
        read["translation"].as_str().unwrap(),
        fr(read["source"].as_str().unwrap())
    );
    assert!(
        read["translation"]
            .as_str()
            .unwrap()
            .contains("<strong>signez</strong>-le.<br>")
    );

    // Exported again: translated; the same file imported again changes nothing.
    let again = export(&mut tina, "fr").await;
    assert!(again.contains(
        "<segment state=\"translated\">\n        <source>Exchange course XL1</source>\n        <target>Cours d’échange « XL1 » &amp; co</target>"
    ));
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), again).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["saved"], 0);
    assert_eq!(r.json()["unchanged"], 2);
}

#[tokio::test]
async fn markup_round_trips_through_the_file_in_the_translations_order() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let list = segments(&mut tina, "ar").await;
    let read = segment(&list, "Read ");
    let id = read["id"].as_str().unwrap().to_owned();
    let source = read["source"].as_str().unwrap().to_owned();
    // The translation puts the emphasis before the link (Arabic word order).
    let (link, rest) = source["Read ".len()..].split_once(" and ").unwrap();
    let strong = "<strong>sign</strong>";
    let tail = rest.strip_prefix(strong).unwrap().replace(" it.", "");
    let ar = format!(
        "{} ثم اقرأ {} &amp; انتظر{tail}",
        strong.replace("sign", "وقّع"),
        link.replace("the guide", "الدليل")
    );
    let r = tina
        .put_json(&format!("{API}/ar/segments/{id}"), json!({"text": ar}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let xml = export(&mut tina, "ar").await;
    let at = xml.find(&format!("<unit id=\"{id}\">")).unwrap();
    let target = &xml[at..][xml[at..].find("<target>").unwrap()..];
    assert!(
        target.starts_with("<target><pc id=\"2\""),
        "the source's code ids, in the translation's order: {target}"
    );
    assert!(target.contains("&amp; انتظر"));
    // Untouched, it is unchanged.
    let r = put_xml(&mut tina, &format!("{API}/ar.xlf"), xml.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["unchanged"], 1);
    assert_eq!(r.json()["saved"], 0);
    let list = segments(&mut tina, "ar").await;
    assert_eq!(segment(&list, "Read ")["translation"], ar.as_str());
    // A word changed offline: saved, every tag where the translation put it.
    let edited = xml.replacen("انتظر", "انتظروا", 1);
    let r = put_xml(&mut tina, &format!("{API}/ar.xlf"), edited).await;
    assert_eq!(r.json()["saved"], 1, "{}", r.body);
    let list = segments(&mut tina, "ar").await;
    assert_eq!(
        segment(&list, "Read ")["translation"],
        ar.replacen("انتظر", "انتظروا", 1).as_str()
    );
}

#[tokio::test]
async fn a_bad_file_is_refused_with_every_problem_at_its_line_and_nothing_is_saved() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let xml = export(&mut tina, "fr").await;
    let list = segments(&mut tina, "fr").await;
    let read_id = id_of(&list, "Read ");
    let hello_id = id_of(&list, "Hello ");
    let source = source_xml(&xml, &read_id);

    // A valid target, and three bad ones: a unit that is no segment, a line break lost,
    // a placeholder lost.
    let edited = with_target(&xml, "@course.title", "Cours d’échange XL1");
    let unknown_unit = "<unit id=\"no.such.segment\">";
    let edited = edited.replacen("<unit id=\"@course.description\">", unknown_unit, 1);
    let no_break = source
        .replace("the guide", "le guide")
        .split("<ph ")
        .next()
        .unwrap()
        .to_owned();
    let edited = with_target(&edited, &read_id, &no_break);
    let edited = with_target(&edited, &hello_id, "Bonjour, bienvenue &amp; profitez.");
    let lines = [
        (
            line_of(&edited, unknown_unit),
            "lyceum-translate-xliff-unknown-segment",
        ),
        (
            line_of(&edited, &format!("<target>{no_break}")),
            "lyceum-translate-xliff-missing-code",
        ),
        (
            line_of(&edited, "<target>Bonjour"),
            "lyceum-translate-error-placeholder",
        ),
    ];
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), edited.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let error = &r.json()["error"];
    assert_eq!(error["code"], "lyceum-translate-xliff-refused");
    assert!(
        error["message"].as_str().unwrap().contains("3 problems"),
        "{error}"
    );
    let problems = error["problems"].as_array().unwrap();
    let found: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["code"].as_str().unwrap()))
        .collect();
    assert_eq!(found, lines, "{error}");
    for p in problems {
        let line = p["line"].as_u64().unwrap();
        assert!(
            p["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("Line {line}: ")),
            "{p}"
        );
    }
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("no.such.segment")
    );
    assert!(problems[2]["message"].as_str().unwrap().contains("{name}"));

    // Nothing saved, not even the valid target; no language added.
    assert!(
        segments(&mut tina, "fr")
            .await
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "untranslated")
    );
    assert_eq!(tina.get(API).await.json(), json!([]));

    // Into another language than the address's, in the translator's language.
    set_accept_language(&mut tina, "fr");
    let de =
        with_target(&xml, "@course.title", "Austausch").replace("trgLang=\"fr\"", "trgLang=\"de\"");
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), de).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = &r.json()["error"]["problems"][0];
    assert_eq!(p["line"], 2);
    assert_eq!(p["code"], "lyceum-translate-xliff-target-language");
    assert!(
        p["message"].as_str().unwrap().starts_with("Ligne 2 : "),
        "{p}"
    );
    // Not XML, not XLIFF 2, another course's file.
    for (body, line, code) in [
        ("<xliff>\n<file>\n</xliff>".to_owned(), 3, "lyceum-translate-xliff-not-xml"),
        (
            "<?xml version=\"1.0\"?>\n<xliff version=\"1.2\" xmlns=\"urn:oasis:names:tc:xliff:document:1.2\"/>".to_owned(),
            2,
            "lyceum-translate-xliff-not-xliff",
        ),
        (
            xml.replace(COURSE, "course-v1:OTHER+X+2026"),
            3,
            "lyceum-translate-xliff-other-course",
        ),
        ("\u{0}\u{ff}".to_owned(), 1, "lyceum-translate-xliff-not-xml"),
    ] {
        let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let p = &r.json()["error"]["problems"][0];
        assert_eq!((p["line"].as_u64(), p["code"].as_str()), (Some(line), Some(code)), "{p}");
    }
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), vec![b'<', 0xff, 0xfe]).await;
    assert_eq!(
        r.json()["error"]["problems"][0]["code"],
        "lyceum-translate-xliff-not-utf8"
    );
    // Too large: refused before it is read.
    let huge = format!("{}{}", xml, " ".repeat(9 * 1024 * 1024));
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(
        r.json()["error"]["code"],
        "lyceum-translate-xliff-too-large"
    );
    // No `.xlf`: no such file; the course's own language is not a target.
    assert_eq!(
        tina.get(&format!("{API}/fr.xml")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        tina.get(&format!("{API}/fr")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        tina.get(&format!("{API}/en.xlf")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(tina.get(API).await.json(), json!([]), "still nothing saved");
}

#[tokio::test]
async fn an_outdated_translation_sent_back_untouched_stays_outdated() {
    let s = site().await;
    let mut tina = s.t.login("tina").await;
    let before = export(&mut tina, "fr").await;
    let r = tina
        .put_json(
            &format!("{API}/fr/segments/@course.title"),
            json!({"text": "Cours d’échange XL1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The author renames the course.
    let mut c = s.t.store.conn().await.unwrap();
    c.exec(
        q("UPDATE courses SET title = 'Exchange course XL1, revised' WHERE id = $1")
            .bind(s.course.0),
    )
    .await
    .unwrap();
    drop(c);

    let xml = export(&mut tina, "fr").await;
    let unit = &xml[xml.find("<unit id=\"@course.title\">").unwrap()..];
    let unit = &unit[..unit.find("</unit>").unwrap()];
    assert!(
        unit.contains("<segment state=\"initial\" subState=\"lyceum:outdated\">"),
        "{unit}"
    );
    assert!(
        unit.contains("earlier source text: Exchange course XL1</note>"),
        "{unit}"
    );
    assert!(unit.contains("<target>Cours d’échange XL1</target>"));

    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), xml.clone()).await;
    assert_eq!(r.json()["unchanged"], 1, "{}", r.body);
    let outdated = tina
        .get(&format!("{API}/fr/segments?state=outdated"))
        .await
        .json();
    assert_eq!(outdated[0]["id"], "@course.title", "{outdated}");

    // A file translated from the old source: saved, and outdated still.
    let old = with_target(&before, "@course.title", "Cours d’échange XL1 !");
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), old).await;
    assert_eq!(r.json()["saved"], 1, "{}", r.body);
    let outdated = tina
        .get(&format!("{API}/fr/segments?state=outdated"))
        .await
        .json();
    assert_eq!(outdated[0]["translation"], "Cours d’échange XL1 !");
    assert_eq!(outdated[0]["translated_from"], "Exchange course XL1");

    // Confirmed as it is: translated from the source as it is now.
    let xml = export(&mut tina, "fr").await;
    let confirmed = xml.replacen(
        "<segment state=\"initial\" subState=\"lyceum:outdated\">",
        "<segment state=\"translated\">",
        1,
    );
    let r = put_xml(&mut tina, &format!("{API}/fr.xlf"), confirmed).await;
    assert_eq!(r.json()["saved"], 1, "{}", r.body);
    let list = segments(&mut tina, "fr").await;
    let title = segment(&list, "Exchange course");
    assert_eq!(title["state"], "translated");
    assert_eq!(title["translation"], "Cours d’échange XL1 !");
}

#[tokio::test]
async fn only_translators_and_writers_exchange_files() {
    let s = site().await;
    let file = format!("{API}/fr.xlf");
    let mut tina = s.t.login("tina").await;
    let xml = export(&mut tina, "fr").await;
    let body = with_target(&xml, "@course.title", "Cours d’échange XL1");

    let mut anon = s.t.client();
    assert_eq!(anon.get(&file).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        put_xml(&mut anon, &file, body.clone()).await.status,
        StatusCode::UNAUTHORIZED
    );
    for who in ["lea", "olga"] {
        let mut c = s.t.login(who).await;
        assert_eq!(c.get(&file).await.status, StatusCode::FORBIDDEN, "{who}");
        let r = put_xml(&mut c, &file, body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
    }
    assert_eq!(tina.get(API).await.json(), json!([]), "nothing saved");
    let unknown = "/api/v1/courses/course-v1:NO+SUCH+RUN/translations/fr.xlf";
    assert_eq!(tina.get(unknown).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        put_xml(&mut tina, unknown, body.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    // Documented at its stable address.
    let doc = anon.get("/api/v1/openapi.json").await.json();
    let path = &doc["paths"]["/api/v1/courses/{course_id}/translations/{lang}.xlf"];
    assert!(path["get"].is_object() && path["put"].is_object(), "{path}");
    // Those who write the course may too.
    let mut arun = s.t.login("arun").await;
    let r = put_xml(&mut arun, &file, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["saved"], 1);
}
