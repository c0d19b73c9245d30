//! One course, many languages (issue 17): a video's cues as segments, the subtitles a
//! published language makes from them, served as WebVTT to those who may see the video,
//! and an uploaded track that wins over them.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_store::{Db, q};
use serde_json::{Value, json};

const API: &str = "/api/v1/courses/course-v1:TESTORG+T101+2026/translations";

struct Site {
    t: TestApp,
    /// The video's block id and url_name.
    video: (i64, String),
    /// The unit holding it.
    unit: i64,
}

/// The sample course, its video subtitled in English only unless `french_file`.
async fn site(french_file: bool) -> Site {
    let t = TestApp::new().await;
    let mut spec = sample_course("T101", true);
    if !french_file {
        let video = &mut spec["sections"][0]["subsections"][0]["units"][0]["blocks"][1];
        video["transcripts"] = json!({"en": "intro.en.vtt"});
    }
    let course = t.seed(spec).await;
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
    let ids = t.block_ids(course).await;
    let mut tina = t.login("tina").await;
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let first = cue(&list, "Welcome to the course.");
    let url_name = first["id"]
        .as_str()
        .unwrap()
        .strip_suffix(".cue.1")
        .unwrap()
        .to_owned();
    Site {
        t,
        video: (ids[&url_name], url_name),
        unit: ids["s1-1-1"],
    }
}

fn cue<'a>(list: &'a Value, source: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no segment {source:?} in {list}"))
}

async fn translate_and_publish(s: &Site, lang: &str, cues: &[(u32, &str)]) {
    let mut tina = s.t.login("tina").await;
    for (n, text) in cues {
        let r = tina
            .put_json(
                &format!("{API}/{lang}/segments/{}.cue.{n}", s.video.1),
                json!({ "text": text }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let mut arun = s.t.login("arun").await;
    let r = arun.post_empty(&format!("{API}/{lang}/publish")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn translated_cues_make_subtitles_in_every_published_language() {
    let s = site(false).await;
    let (id, url_name) = s.video.clone();

    // The English cues are segments, in time order, after the video's title.
    let mut tina = s.t.login("tina").await;
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .filter(|i| i.starts_with(&url_name))
        .collect();
    let (first, second) = (format!("{url_name}.cue.1"), format!("{url_name}.cue.2"));
    assert_eq!(ids, [format!("{url_name}.title"), first, second.clone()]);
    let second_cue = cue(&list, "Libraries & museums <3 volunteers.");
    assert_eq!(second_cue["id"], second.as_str());
    assert_eq!(second_cue["html"], false);

    translate_and_publish(
        &s,
        "fr",
        &[(
            2,
            "Bibliothèques & musées <3 bénévoles.\n\n--> 00:00:00.000 --> 99:00:00.000",
        )],
    )
    .await;

    // Read in French: a French track, on by default, and its transcript open.
    let vtt = format!("/courses/{KEY}/video/{id}/subtitles/fr.vtt");
    let mut lea = s.t.login("lea").await;
    let page = lea
        .get(&format!("{}?content_lang=fr", unit_path("s1-1-1")))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(
        b.contains(&format!(
            r#"<track kind="subtitles" src="{vtt}" srclang="fr" label="français" default>"#
        )),
        "{b}"
    );
    assert!(
        b.contains(r#"srclang="en""#),
        "the English file is still offered"
    );
    assert!(b.contains(&format!("{vtt}?download=1")), "and downloadable");
    assert!(b.contains("Bibliothèques &#38; musées &#60;3 bénévoles."));
    let open = b.find("<details class=\"transcript\" open>").unwrap();
    assert!(b[open..].contains(r#"<ol lang="fr""#));

    // The WebVTT: the English cue where none is translated; no cue or markup smuggled in.
    let r = lea.get(&vtt).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "text/vtt; charset=utf-8");
    assert_eq!(
        r.body,
        "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to the course.\n\n\
         00:00:04.000 --> 00:00:09.000\nBibliothèques &amp; musées &lt;3 bénévoles.\n\
         --&gt; 00:00:00.000 --&gt; 99:00:00.000\n"
    );
    let r = lea.get(&format!("{vtt}?download=1")).await;
    assert!(r.header("content-disposition").starts_with("attachment"));

    // Read in English, the French subtitles are offered too.
    let b = lea.get(&unit_path("s1-1-1")).await.body;
    assert!(b.contains(&format!(r#"src="{vtt}" srclang="fr""#)), "{b}");
    assert!(
        !b.contains(" default>"),
        "the viewer reads the video's language"
    );

    // Only for those who may see the video; only made tracks of published languages.
    let mut olga = s.t.login("olga").await;
    assert_eq!(olga.get(&vtt).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.t.client().get(&vtt).await.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/courses/{KEY}/video/{id}/subtitles/de.vtt"),
        format!("/courses/{KEY}/video/{id}/subtitles/en.vtt"),
        format!("/courses/{KEY}/video/{id}/subtitles/fr"),
        format!("/courses/{KEY}/video/{}/subtitles/fr.vtt", id + 1000),
        format!("/courses/{KEY}/video/{}/subtitles/fr.vtt", s.unit),
        format!("/courses/course-v1:NO+SUCH+RUN/video/{id}/subtitles/fr.vtt"),
    ] {
        assert_eq!(lea.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let mut arun = s.t.login("arun").await;
    assert_eq!(
        arun.delete(&format!("{API}/fr/publish")).await.status,
        StatusCode::OK
    );
    assert_eq!(lea.get(&vtt).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_uploaded_track_wins_over_translated_cues() {
    let s = site(true).await;
    let (id, _) = s.video.clone();
    translate_and_publish(&s, "fr", &[(1, "Bienvenue, autrement.")]).await;
    let mut lea = s.t.login("lea").await;
    let b = lea
        .get(&format!("{}?content_lang=fr", unit_path("s1-1-1")))
        .await
        .body;
    assert_eq!(b.matches(r#"srclang="fr""#).count(), 1, "{b}");
    assert!(b.contains("intro.fr.vtt"));
    assert!(!b.contains("Bienvenue, autrement."));
    let vtt = format!("/courses/{KEY}/video/{id}/subtitles/fr.vtt");
    assert_eq!(lea.get(&vtt).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn segments_taken_before_cues_were_segments_gain_them_and_keep_their_ids() {
    let s = site(false).await;
    let (_, url_name) = s.video.clone();
    let title = format!("{url_name}.title");
    let mut tina = s.t.login("tina").await;
    let r = tina
        .put_json(
            &format!("{API}/fr/segments/{title}"),
            json!({"text": "Vidéo traduite"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids = |list: Value| -> Vec<String> {
        let all = list.as_array().unwrap().iter();
        all.map(|s| s["id"].as_str().unwrap().to_owned()).collect()
    };
    let now = ids(tina.get(&format!("{API}/fr/segments")).await.json());
    // A course's segments as they were stored before a video's cues were segments.
    let cue = format!("{url_name}.cue.");
    let mut c = s.t.store.conn().await.unwrap();
    let stored: String = c
        .scalar(q("SELECT segments FROM course_segments"))
        .await
        .unwrap();
    let mut older: Vec<Value> = serde_json::from_str(&stored).unwrap();
    older.retain(|s| !s["id"].as_str().unwrap().starts_with(&cue));
    assert_eq!(older.len() + 2, now.len());
    c.exec(
        q("UPDATE course_segments SET segments = $1").bind(serde_json::to_string(&older).unwrap()),
    )
    .await
    .unwrap();
    // Meanwhile what follows the video's cues still lines up: the unit's next title.
    let mut arun = s.t.login("arun").await;
    let second = format!("{API}/fr/segments/s1-1-2.title");
    assert_eq!(
        tina.put_json(&second, json!({"text": "Deuxième unité"}))
            .await
            .status,
        StatusCode::OK
    );
    arun.post_empty(&format!("{API}/fr/publish")).await;
    let mut lea = s.t.login("lea").await;
    let page = lea
        .get(&format!("{}?content_lang=fr", unit_path("s1-1-1")))
        .await;
    assert!(page.body.contains("Vidéo traduite"), "{}", page.body);
    let next = lea
        .get(&format!("{}?content_lang=fr", unit_path("s1-1-2")))
        .await;
    assert!(next.body.contains("Deuxième unité"), "{}", next.body);
    // The migration has them taken again: the same ids, the cues' among them.
    c.exec(q(include_str!(
        "../../../lyceum-store/migrations/sqlite/0024_segments_again.sql"
    )))
    .await
    .unwrap();
    let again = tina
        .get(&format!("{API}/fr/segments?state=all"))
        .await
        .json();
    let kept = again.as_array().unwrap().iter().find(|s| s["id"] == title);
    assert_eq!(kept.unwrap()["translation"], "Vidéo traduite");
    assert_eq!(ids(again), now);
}

/// Post a subtitle file for `block` as the translator editor's form does.
async fn upload_subtitles(c: &mut Client, block: &str, bytes: &str) -> Resp {
    let boundary = "----LyceumSubtitlesBoundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"block\"\r\n\r\n{block}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fr.srt\"\r\n\
         Content-Type: application/x-subrip\r\n\r\n{bytes}\r\n--{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.request(
        axum::http::Method::POST,
        &format!("/courses/{KEY}/translate/fr/subtitles"),
        axum::body::Body::from(body),
        Some(&ct),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_translator_imports_a_subtitle_file_as_the_cues_translations() {
    let s = site(false).await;
    let (_, url_name) = s.video.clone();
    let mut tina = s.t.login("tina").await;
    let editor = tina.get(&format!("/courses/{KEY}/translate/fr")).await;
    assert!(
        editor.body.contains(&format!(
            r#"<option value="{url_name}">Intro video</option>"#
        )),
        "{}",
        editor.body
    );
    let translations = |list: Value| -> Vec<Value> {
        let all = list.as_array().unwrap().iter();
        all.filter(|s| s["id"].as_str().unwrap().contains(".cue."))
            .map(|s| s["translation"].clone())
            .collect()
    };

    // A file that does not parse is refused at its line; one of another video, as such.
    let r = upload_subtitles(&mut tina, &url_name, "1\n00:00:00,000 --> later\nOups\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("malformed at line 2"), "{}", r.body);
    let elsewhere = "1\n01:00:00,000 --> 01:00:04,000\nAilleurs\n";
    let r = upload_subtitles(&mut tina, &url_name, elsewhere).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("is it the file of this video?"));
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    assert!(
        translations(list).iter().all(Value::is_null),
        "nothing saved"
    );

    // Cut differently from the source: each cue takes the one it overlaps most.
    let srt = "1\n00:00:00,500 --> 00:00:03,000\nBienvenue\n\n\
               2\n00:00:03,000 --> 00:00:03,900\ndans le cours.\n\n\
               3\n00:00:04,100 --> 00:00:09,000\nLes bibliothèques &amp; les musées aiment les bénévoles.\n";
    let r = upload_subtitles(&mut tina, &url_name, srt).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = tina.get(&format!("{API}/fr/segments")).await.json();
    assert_eq!(
        translations(list),
        [
            json!("Bienvenue"),
            json!("Les bibliothèques & les musées aiment les bénévoles.")
        ]
    );

    // Learners do not.
    let mut lea = s.t.login("lea").await;
    let r = upload_subtitles(&mut lea, &url_name, srt).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
}
