//! Content imported from Open edX as learners and staff see it: kept OLX blocks,
//! discussions, YouTube-only videos, `/static/` and course links rewritten at render time,
//! `jump_to_id`, the course's own tabs and Course info page, and "all rights reserved".

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::blocks::{
    DiscussionContent, LeafContent, MediaRef, OlxContent, SubtitleTrack, VideoContent, VideoSource,
    video::CueData,
};
use lyceum_core::course::spec::{CourseSpec, NewBlock, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::{assets, courses, orgs, pages};

const IKEY: &str = "course-v1:TESTORG+IMP+2026";

const LTI_XML: &str =
    r#"<lti launch_url="https://tool.example/launch?a=1&amp;b=2" display_name="Quiz tool"/>"#;
const PY_XML: &str = r#"<problem><script type="loncapa/python">x = 1 < 2</script><customresponse cfn="check"/></problem>"#;

fn unit_url(unit: &str) -> String {
    format!("/courses/{IKEY}/unit/{unit}")
}

fn leaf(url_name: &str, title: &str, content: LeafContent) -> NewBlock {
    let content = content.validate().unwrap();
    NewBlock {
        kind: content.kind().to_owned(),
        url_name: url_name.to_owned(),
        title: title.to_owned(),
        release_at: None,
        content: content.encode(),
        children: Vec::new(),
    }
}

fn olx(tag: &str, xml: &str, error: &str, source_path: &str) -> LeafContent {
    LeafContent::Olx(OlxContent {
        tag: tag.into(),
        xml: xml.into(),
        error: error.into(),
        source_path: source_path.into(),
    })
}

fn video(sources: Vec<VideoSource>, tracks: Vec<SubtitleTrack>) -> VideoContent {
    VideoContent {
        sources,
        tracks,
        poster: None,
        download_video: true,
        download_tracks: true,
        duration_secs: None,
        youtube_id: Some("dQw4w9WgXcQ".into()),
        edx_video_id: None,
        start_secs: None,
        end_secs: None,
        commons: Default::default(),
    }
}

/// Bytes of the course's assets.
fn asset_bytes(name: &str) -> Vec<u8> {
    format!("bytes of {name}").into_bytes()
}

const ASSETS: [(&str, &str); 4] = [
    ("Brain_green.png", "image/png"),
    ("images_a_b.png", "image/png"),
    ("yt.en.vtt", "text/vtt; charset=utf-8"),
    ("clip.webm", "video/webm"),
];

/// A course as an Open edX import leaves it: a unit with a text that links to
/// `/static/` files and other blocks, kept OLX blocks, a discussion and a YouTube video;
/// a unit with a video clip; a unit with a problem; a section not released yet; static
/// tabs and course info pages.
async fn imported(t: &TestApp, license: &str) -> CourseId {
    let spec: CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": "IMP", "run": "2026", "language": "en", "license": license,
        "title": "Imported course", "start": "2026-01-01T00:00:00Z", "published": true,
        "sections": [
            {"title": "Week 1", "subsections": [{"title": "Lesson 1", "units": [
                {"title": "Kept blocks", "blocks": [{"kind": "text", "html": concat!(
                    r#"<p><img src="/static/Brain green.png" alt="brain"> "#,
                    r#"<a href="/static/images/a b.png?v=2">picture</a> "#,
                    r#"<a href="/jump_to_id/disc1">discuss</a> <a href="/course/">home</a> "#,
                    r#"<a href="/course/progress">progress</a> <a href="/static/missing.pdf">missing</a> "#,
                    r#"<a href="/static/notes.pdf?raw">raw</a> see /static/unquoted.png</p>"#)}]},
                {"title": "Clip", "blocks": [{"kind": "text", "markdown": "A clip."}]},
                {"title": "Quiz", "blocks": [{"kind": "problem", "xml": concat!(
                    r#"<problem><p><img src="/static/Brain green.png" alt="q"/></p><stringresponse answer="yes">"#,
                    r#"<label>Yes?</label><textline/></stringresponse>"#,
                    r#"<solution><p><a href="/jump_to_id/s1-1-2">See the clip</a></p></solution></problem>"#)}]},
                {"title": "Plain", "blocks": [{"kind": "text", "markdown": "Plain text."}]}
            ]}]},
            {"title": "Later", "release": "2030-01-01T00:00:00Z", "subsections": [{"title": "Lesson 2", "units": [
                {"title": "Secret", "blocks": [{"kind": "text", "markdown": "Not yet."}]}
            ]}]}
        ]
    }))
    .unwrap();
    let mut e = expand(spec, &mut |_| None).unwrap();
    let units = &mut e.blocks[0].children[0].children;
    let cues = vec![
        CueData {
            start_ms: 0,
            end_ms: 4000,
            text: "Welcome.".into(),
        },
        CueData {
            start_ms: 4000,
            end_ms: 9000,
            text: "Volunteers & <wikis>.".into(),
        },
    ];
    let track = SubtitleTrack {
        lang: "en".into(),
        media: MediaRef::Asset("yt.en.vtt".into()),
        cues,
        generated: false,
    };
    units[0].children.extend([
        leaf(
            "lti1",
            "Quiz tool",
            olx("lti_consumer", LTI_XML, "", "vertical/v1.xml"),
        ),
        leaf(
            "py1",
            "Python check",
            olx(
                "problem",
                PY_XML,
                "customresponse needs a Python sandbox",
                "problem/py1.xml",
            ),
        ),
        leaf(
            "gdoc",
            "",
            olx("google-document", "<google-document/>", "", ""),
        ),
        leaf(
            "broken1",
            "",
            olx(
                "html",
                "<html filename=\"gone\"/>",
                "html/gone.html: missing file",
                "html/b.xml",
            ),
        ),
        leaf(
            "disc1",
            "Talk about it",
            LeafContent::Discussion(DiscussionContent {
                discussion_id: "d-42".into(),
                category: "Week 1".into(),
                target: "Your first edit".into(),
            }),
        ),
        leaf(
            "yt1",
            "Welcome video",
            LeafContent::Video(video(Vec::new(), vec![track])),
        ),
    ]);
    let mut clip = video(
        vec![VideoSource {
            media: MediaRef::Asset("clip.webm".into()),
            mime: "video/webm".into(),
        }],
        Vec::new(),
    );
    clip.youtube_id = None;
    clip.start_secs = Some(10.0);
    clip.end_secs = Some(20.5);
    units[1]
        .children
        .push(leaf("clip1", "Clip", LeafContent::Video(clip)));

    let mut tx = t.store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test Organisation", "", None, 0)
        .await
        .unwrap();
    let id = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, 0)
        .await
        .unwrap();
    for (name, ct) in ASSETS {
        let (sha, size) = t.media.put(&asset_bytes(name)).unwrap();
        assets::put(&mut tx, id, name, ct, size as i64, &sha, 0)
            .await
            .unwrap();
    }
    let page = |kind, slug, title, content| pages::NewPage {
        kind,
        slug,
        title,
        content,
    };
    pages::replace_all(
        &mut tx,
        id,
        &[
            page("about", "overview", "", "<p>About text</p>"),
            page(
                "tab",
                "syllabus",
                "Syllabus",
                r#"<p>Week one: editing.</p><script>alert(1)</script><img src="/static/Brain green.png" onerror="x()">"#,
            ),
            page("tab", "resources", "Resources", "<p>Links.</p>"),
            page(
                "info",
                "handouts",
                "",
                r#"<ol><li><a href="/static/images/a b.png">Cheat sheet</a></li></ol>"#,
            ),
            page("info", "updates", "", "<p>Old-style updates</p>"),
            page(
                "info",
                "updates.items.json",
                "",
                r#"[{"id": 1, "date": "January 5, 2026", "content": "<p>Welcome aboard!</p>"},
                    {"id": 2, "date": "March 2, 2026", "content": "<p>Week two is open.<script>x()</script></p>"},
                    {"id": 3, "date": "April 1, 2026", "content": "<p>Withdrawn</p>", "status": "deleted"}]"#,
            ),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

struct Site {
    t: TestApp,
    course: CourseId,
    ids: std::collections::HashMap<String, i64>,
}

async fn site() -> Site {
    let t = TestApp::new().await;
    let course = imported(&t, "CC-BY-SA-4.0").await;
    let ids = t.block_ids(course).await;
    for (name, staff) in [("learner", false), ("staffer", false), ("visitor", false)] {
        let u = t.user(name, staff).await;
        match name {
            "learner" => t.enroll(u, course).await,
            "staffer" => t.make_staff(u, course, CourseRole::Staff).await,
            _ => {}
        }
    }
    Site { t, course, ids }
}

/// The HTML of one block (a `<section>` or a `<figure>`) on a unit page.
fn block(page: &str, id: i64) -> &str {
    let start = page
        .find(&format!(r#"id="block-{id}""#))
        .unwrap_or_else(|| panic!("block {id} not on the page"));
    let rest = &page[start..];
    let end = ["</section>", "</figure>"]
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

async fn asset_url(t: &TestApp, course: CourseId, name: &str) -> String {
    let mut c = t.store.conn().await.unwrap();
    let a = assets::find(&mut c, course, name).await.unwrap().unwrap();
    format!("/courses/{IKEY}/media/{}/{name}", &a.sha256[..12])
}

#[tokio::test]
async fn learners_see_what_a_kept_block_is_but_not_its_xml() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let r = c.get(&unit_url("s1-1-1")).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = &r.body;
    let lti = block(body, s.ids["lti1"]);
    assert!(lti.contains("Quiz tool"), "{lti}");
    assert!(
        lti.contains("This part of the course is an external learning tool (LTI), which is not available on Lyceum yet."),
        "{lti}"
    );
    assert!(lti.contains("does not count towards your progress"));
    assert!(lti.contains(r#"cdx-message--notice" lang="en" dir="ltr""#));
    assert!(
        block(body, s.ids["py1"])
            .contains("a problem graded by a program, or written in a form Lyceum cannot grade")
    );
    assert!(
        block(body, s.ids["gdoc"]).contains("an activity of type “google-document”"),
        "unknown tags are named"
    );
    let broken = block(body, s.ids["broken1"]);
    assert!(broken.contains("could not be loaded"), "{broken}");
    assert!(broken.contains("cdx-message--error"));
    for secret in [
        "launch_url",
        "&#60;lti",
        "<lti",
        "loncapa",
        "Python sandbox",
        "vertical/v1.xml",
        "kept-olx",
    ] {
        assert!(!body.contains(secret), "learners do not see {secret}");
    }
    // Kept blocks and the discussion do not hold the unit back: the text and the YouTube
    // link count when seen.
    assert!(body.contains("You completed this unit"), "{body}");
}

#[tokio::test]
async fn staff_see_the_kept_xml_escaped_with_where_it_came_from() {
    let s = site().await;
    let mut c = s.t.login("staffer").await;
    let body = c.get(&unit_url("s1-1-1")).await.body;
    let lti = block(&body, s.ids["lti1"]);
    assert!(lti.contains(r#"<details class="kept-olx""#), "{lti}");
    assert!(lti.contains("Details for the course team"));
    assert!(
        lti.contains("<code dir=\"ltr\">lti_consumer</code>"),
        "{lti}"
    );
    assert!(lti.contains("<code dir=\"ltr\">vertical/v1.xml</code>"));
    assert!(
        lti.contains(r#"<pre class="kept-olx__xml" dir="ltr" tabindex="0"><code>&#60;lti launch_url=&#34;https://tool.example/launch?a=1&#38;amp;b=2&#34; display_name=&#34;Quiz tool&#34;/&#62;</code></pre>"#),
        "{lti}"
    );
    assert!(!body.contains("<lti "), "never raw");
    let py = block(&body, s.ids["py1"]);
    assert!(py.contains("customresponse needs a Python sandbox"), "{py}");
    assert!(py.contains("x = 1 &#60; 2"));
    assert!(
        block(&body, s.ids["disc1"]).contains("d-42"),
        "staff see the discussion id"
    );
}

#[tokio::test]
async fn a_discussion_shows_its_topic_inline() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let body = c.get(&unit_url("s1-1-1")).await.body;
    let d = block(&body, s.ids["disc1"]);
    assert!(d.contains("Talk about it"));
    assert!(d.contains(r#"<dd lang="en" dir="ltr">Week 1</dd>"#), "{d}");
    assert!(
        d.contains(r#"<span lang="en" dir="ltr">Your first edit</span>"#),
        "{d}"
    );
    // Issue 15: the unit's topic, inline, with a question form.
    assert!(d.contains("Ask a question"), "{d}");
    assert!(d.contains("discussion?topic=d-42"), "{d}");
    assert!(!d.contains("Discussion id: d-42"), "the id is for staff");
    let ar = c
        .get(&format!("{}?uselang=ar", unit_url("s1-1-1")))
        .await
        .body;
    let d = block(&ar, s.ids["disc1"]);
    assert!(
        d.contains(r#"class="side-card" lang="ar" dir="rtl""#),
        "{d}"
    );
    assert!(d.contains("اطرح سؤالًا"));
}

#[tokio::test]
async fn a_youtube_video_is_a_link_with_its_transcript_not_a_player() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let body = c.get(&unit_url("s1-1-1")).await.body;
    let v = block(&body, s.ids["yt1"]);
    assert!(v.contains("Welcome video"));
    assert!(
        v.contains(r#"href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="noopener""#),
        "{v}"
    );
    assert!(v.contains("Watch on YouTube"));
    assert!(!v.contains("<video"), "no player");
    assert!(!body.contains("<iframe"), "nothing embedded");
    assert!(
        !body.contains("youtube.com/embed")
            && !body.contains("ytimg")
            && !body.contains("youtube-nocookie"),
        "no request to Google on page load"
    );
    // The transcript: each line opens the video at that moment; the subtitles download.
    assert!(
        v.contains(r#"<a class="cue" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=4s" rel="noopener"><time>0:04</time><span>Volunteers &#38; &#60;wikis&#62;.</span></a>"#),
        "{v}"
    );
    let vtt = asset_url(&s.t, s.course, "yt.en.vtt").await;
    assert!(v.contains(&format!("{vtt}?download=1")), "{v}");
    assert!(!v.contains("data-progress-url"), "nothing to track here");
}

#[tokio::test]
async fn a_clip_plays_only_its_part_of_the_file() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let body = c.get(&unit_url("s1-1-2")).await.body;
    let v = block(&body, s.ids["clip1"]);
    let url = asset_url(&s.t, s.course, "clip.webm").await;
    assert!(
        v.contains(&format!(
            r#"<source src="{url}#t=10,20.5" type="video/webm">"#
        )),
        "{v}"
    );
    assert!(
        v.contains(r#"data-clip-start="10" data-clip-end="20.5""#),
        "{v}"
    );
    assert!(
        v.contains(&format!(r#"href="{url}?download=1""#)),
        "downloads are whole files"
    );
}

#[tokio::test]
async fn static_and_course_links_point_into_the_course() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let body = c.get(&unit_url("s1-1-1")).await.body;
    let text = block(&body, s.ids["s1-1-1-1"]);
    let brain = asset_url(&s.t, s.course, "Brain_green.png").await;
    let picture = asset_url(&s.t, s.course, "images_a_b.png").await;
    for want in [
        format!(r#"<img src="{brain}" alt="brain">"#),
        format!(r#"href="{picture}?v=2""#),
        format!(r#"href="/courses/{IKEY}/jump_to_id/disc1""#),
        format!(r#"href="/courses/{IKEY}/courseware""#),
        format!(r#"href="/courses/{IKEY}/progress""#),
        format!(r#"href="/courses/{IKEY}/media/missing/missing.pdf""#),
        r#"href="/static/notes.pdf?raw""#.to_owned(),
        "see /static/unquoted.png".to_owned(),
    ] {
        assert!(text.contains(&want), "{want} in {text}");
    }
    assert_eq!(c.get(&brain).await.bytes, asset_bytes("Brain_green.png"));
    let missing = c
        .get(&format!("/courses/{IKEY}/media/missing/missing.pdf"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "a clean 404");

    // In a problem's own HTML and its solution too.
    let body = c.get(&unit_url("s1-1-3")).await.body;
    let quiz = block(&body, s.ids["s1-1-3-1"]);
    assert!(quiz.contains(&format!(r#"src="{brain}""#)), "{quiz}");
    assert!(!quiz.contains("/static/"), "{quiz}");
}

#[tokio::test]
async fn jump_to_id_leads_to_the_unit_that_shows_the_block() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let jump = |id: &str| format!("/courses/{IKEY}/jump_to_id/{id}");
    for (id, to) in [
        (
            "disc1",
            format!("{}#block-{}", unit_url("s1-1-1"), s.ids["disc1"]),
        ),
        (
            "s1-1-3-1",
            format!("{}#block-{}", unit_url("s1-1-3"), s.ids["s1-1-3-1"]),
        ),
        ("s1-1-2", unit_url("s1-1-2")),
        ("s1-1", unit_url("s1-1-1")),
        ("s1", unit_url("s1-1-1")),
    ] {
        let r = c.get(&jump(id)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{id}");
        assert_eq!(r.location(), to, "{id}");
    }
    for hidden in ["nope", "s2", "s2-1-1", "s2-1-1-1"] {
        let r = c.get(&jump(hidden)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{hidden}");
        assert!(r.body.contains("<html"), "the 404 page");
    }
    // The course team sees unreleased content, so its links work for them.
    let mut staff = s.t.login("staffer").await;
    let r = staff.get(&jump("s2")).await;
    assert_eq!(r.location(), unit_url("s2-1-1"));
    // Not enrolled: the same as the unit page (to the About page).
    let mut v = s.t.login("visitor").await;
    let unit = v.get(&unit_url("s1-1-1")).await;
    let r = v.get(&jump("disc1")).await;
    assert_eq!((r.status, r.location()), (unit.status, unit.location()));
    assert_eq!(r.location(), format!("/courses/{IKEY}/about"));
}

#[tokio::test]
async fn static_tabs_are_course_tabs_sanitised_and_link_rewritten() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let unit = c.get(&unit_url("s1-1-1")).await.body;
    let tabs = &unit[unit.find("course-tabs").unwrap()..];
    let tabs = &tabs[..tabs.find("</nav>").unwrap()];
    let about = tabs.find("/about").unwrap();
    let syllabus = tabs
        .find(&format!(r#"<a href="/courses/{IKEY}/pages/syllabus"><span lang="en" dir="ltr">Syllabus</span></a>"#))
        .unwrap_or_else(|| panic!("{tabs}"));
    let resources = tabs.find("Resources").unwrap();
    assert!(
        about < syllabus && syllabus < resources,
        "after the built-in tabs, in order"
    );
    assert!(tabs.contains(&format!(
        r#"<a href="/courses/{IKEY}/info">Course info</a>"#
    )));

    let r = c.get(&format!("/courses/{IKEY}/pages/syllabus")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<title>Syllabus – "), "{}", r.body);
    assert!(r.body.contains("<p>Week one: editing.</p>"));
    assert!(
        r.body.contains(
            r#"<a href="/courses/course-v1:TESTORG+IMP+2026/pages/syllabus" aria-current="page">"#
        ),
        "the current tab"
    );
    let brain = asset_url(&s.t, s.course, "Brain_green.png").await;
    assert!(
        r.body.contains(&format!(r#"<img src="{brain}">"#)),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("alert(1)") && !r.body.contains("onerror"),
        "sanitised"
    );
    assert_eq!(
        c.get(&format!("/courses/{IKEY}/pages/nope")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&format!("/courses/{IKEY}/pages/overview"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "about pages are not tabs"
    );
    // Open edX's URL of a static tab, where imported `/course/SLUG` links lead.
    let r = c.get(&format!("/courses/{IKEY}/syllabus")).await;
    assert_eq!(r.location(), format!("/courses/{IKEY}/pages/syllabus"));
    assert_eq!(
        c.get(&format!("/courses/{IKEY}/wiki")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn course_info_shows_updates_newest_first_and_handouts() {
    let s = site().await;
    let mut c = s.t.login("learner").await;
    let r = c.get(&format!("/courses/{IKEY}/info")).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = &r.body;
    let second = body.find("Week two is open.").unwrap();
    let first = body.find("Welcome aboard!").unwrap();
    assert!(second < first, "newest first");
    assert!(
        body.contains(r#"<time datetime="2026-03-02">March 2, 2026</time>"#),
        "{body}"
    );
    assert!(!body.contains("Withdrawn"), "deleted updates stay hidden");
    assert!(!body.contains("x()"), "sanitised");
    assert!(
        !body.contains("Old-style updates"),
        "the list replaces the old page"
    );
    let picture = asset_url(&s.t, s.course, "images_a_b.png").await;
    assert!(body.contains(&format!(r#"<a href="{picture}""#)), "{body}");
    assert!(body.contains("Handouts"));
    assert!(
        body.contains(r#"<a href="/courses/course-v1:TESTORG+IMP+2026/info" aria-current="page">"#)
    );
    let ar = c
        .get(&format!("/courses/{IKEY}/info?uselang=ar"))
        .await
        .body;
    assert!(ar.contains("معلومات الدورة"));
}

#[tokio::test]
async fn a_bad_updates_list_shows_nothing_but_the_rest_of_the_page() {
    let t = TestApp::new().await;
    let course = imported(&t, "CC-BY-SA-4.0").await;
    let mut tx = t.store.begin().await.unwrap();
    pages::replace_all(
        &mut tx,
        course,
        &[
            pages::NewPage {
                kind: "info",
                slug: "updates.items.json",
                title: "",
                content: "[{not json",
            },
            pages::NewPage {
                kind: "info",
                slug: "handouts",
                title: "",
                content: "<p>Slides</p>",
            },
        ],
    )
    .await
    .unwrap();
    courses::bump_content_version(&mut tx, course, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let u = t.user("l", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("l").await;
    let r = c.get(&format!("/courses/{IKEY}/info")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<p>Slides</p>"));
    assert!(!r.body.contains("Updates"));
    assert!(
        !r.body.contains("pages/syllabus"),
        "the tabs went with the new version"
    );
    // No info pages at all: no tab, and no page.
    let mut tx = t.store.begin().await.unwrap();
    pages::replace_all(&mut tx, course, &[]).await.unwrap();
    courses::bump_content_version(&mut tx, course, 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        c.get(&format!("/courses/{IKEY}/info")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !c.get(&unit_url("s1-1-1"))
            .await
            .body
            .contains("Course info")
    );
}

#[tokio::test]
async fn course_pages_follow_the_courseware_rule() {
    let s = site().await;
    for path in ["pages/syllabus", "info", "syllabus"] {
        let url = format!("/courses/{IKEY}/{path}");
        // Signed in, not enrolled: sent to the About page, like the courseware.
        let mut v = s.t.login("visitor").await;
        let r = v.get(&url).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), format!("/courses/{IKEY}/about"), "{path}");
        // Anonymous: whatever the courseware does for them.
        let mut anon = s.t.client();
        let courseware = anon.get(&format!("/courses/{IKEY}/courseware")).await;
        let r = anon.get(&url).await;
        assert_eq!(r.status, courseware.status, "{path}");
        assert!(!r.body.contains("Week one"), "{path}");
        // The course team sees them without enrolling.
        let mut staff = s.t.login("staffer").await;
        let r = staff.get(&url).await;
        assert!(
            r.status.is_success() || r.status == StatusCode::SEE_OTHER,
            "{path}"
        );
    }
    // An unpublished course's pages are as hidden as the course.
    let t = TestApp::new().await;
    let course = imported(&t, "CC-BY-SA-4.0").await;
    let mut c = t.store.conn().await.unwrap();
    lyceum_store::Db::exec(
        &mut c,
        lyceum_store::q("UPDATE courses SET published = FALSE WHERE id = $1").bind(course.0),
    )
    .await
    .unwrap();
    let u: UserId = t.user("x", false).await;
    t.enroll(u, course).await;
    let mut x = t.login("x").await;
    assert_eq!(
        x.get(&format!("/courses/{IKEY}/pages/syllabus"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn tabs_add_no_query_to_a_unit_page() {
    let t = TestApp::new().await;
    let imported_course = imported(&t, "CC-BY-SA-4.0").await;
    let plain = t.seed(big_course("PLAIN", 5)).await;
    let u = t.user("q", false).await;
    t.enroll(u, imported_course).await;
    t.enroll(u, plain).await;
    let mut c = t.login("q").await;
    let mut count = async |path: &str| {
        assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
        let before = t.queries();
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        (t.queries() - before, r.body)
    };
    let (with_tabs, body) = count(&unit_url("s1-1-4")).await;
    assert!(body.contains("pages/syllabus"));
    let (without, _) = count("/courses/course-v1:TESTORG+PLAIN+2026/unit/s1-1-2").await;
    assert_eq!(
        with_tabs, without,
        "the tab list comes with the cached course"
    );
    let (page, _) = count(&format!("/courses/{IKEY}/pages/syllabus")).await;
    let (info, _) = count(&format!("/courses/{IKEY}/info")).await;
    let (dates, _) = count(&format!("/courses/{IKEY}/dates")).await;
    assert!(page <= dates && info <= dates, "{page} {info} {dates}");
}

#[tokio::test]
async fn all_rights_reserved_is_said_without_a_licence_link() {
    let t = TestApp::new().await;
    let course = imported(&t, "all-rights-reserved").await;
    let u = t.user("l", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("l").await;
    let about = c.get(&format!("/courses/{IKEY}/about")).await.body;
    assert!(about.contains("<dd>All rights reserved</dd>"), "{about}");
    assert!(!about.contains(r#"rel="license""#), "no deed to link to");
    assert!(
        about.contains("All rights to the course content are reserved, unless otherwise noted.")
    );
    let unit = c.get(&unit_url("s1-1-4")).await.body;
    assert!(unit.contains("All rights to the course content are reserved"));
    assert!(!unit.contains(r#"rel="license""#));
    let fr = c
        .get(&format!("/courses/{IKEY}/about?uselang=fr"))
        .await
        .body;
    assert!(fr.contains("Tous droits réservés"));
    // A free licence is still linked.
    let t = TestApp::new().await;
    t.seed_sample().await;
    let about = t.client().get(&format!("/courses/{KEY}/about")).await.body;
    assert!(about.contains(r#"<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>"#));
}
