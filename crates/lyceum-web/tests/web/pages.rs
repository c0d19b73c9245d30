//! Catalog, About, enrolment, courseware, dashboard: what a learner does.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;

#[tokio::test]
async fn catalog_lists_published_courses_with_their_card_facts() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.seed(sample_course("DRAFT1", false)).await;
    let mut c = t.client();
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Sample course T101"));
    assert!(
        r.body.contains("Test Organisation · T101"),
        "organisation and code"
    );
    assert!(r.body.contains("A course for tests"), "short description");
    assert!(
        r.body.contains(r#"datetime="2026-09-01T00:00:00Z""#),
        "start date"
    );
    assert!(r.body.contains("2 hours per week for 6 weeks"), "effort");
    assert!(
        r.body.contains(&format!("/courses/{KEY}/about")),
        "learn more link"
    );
    assert!(
        !r.body.contains("DRAFT1"),
        "unpublished courses are invisible"
    );
    assert!(r.body.contains("1 course"));
}

#[tokio::test]
async fn catalog_filters_by_language_and_organisation() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    let mut fr = sample_course("FR1", true);
    fr["language"] = "fr".into();
    fr["org"] = "OTHERORG".into();
    t.seed(fr).await;
    let mut c = t.client();
    let all = c.get("/").await.body;
    assert!(all.contains("Sample course T101") && all.contains("Sample course FR1"));
    let only_fr = c.get("/?language=fr").await.body;
    assert!(!only_fr.contains("Sample course T101") && only_fr.contains("Sample course FR1"));
    let by_org = c.get("/?org=TESTORG").await.body;
    assert!(by_org.contains("Sample course T101") && !by_org.contains("Sample course FR1"));
    let none = c.get("/?language=de").await.body;
    assert!(none.contains("No course matches"));
    // The filter offers the languages present, by their own names.
    assert!(
        all.contains(r#"<option value="fr" lang="fr">français</option>"#),
        "{all}"
    );
}

#[tokio::test]
async fn about_page_shows_what_a_learner_needs_to_decide() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    let mut c = t.client();
    let r = c.get(&format!("/courses/{KEY}/about")).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("Learn <em>everything</em>."), "overview");
    assert!(b.contains("<li>One thing</li>"), "outcomes");
    assert!(
        b.contains("Expected effort")
            && b.contains("2 hours per week for 6 weeks")
            && b.contains("About 12 hours in all")
    );
    assert!(
        b.contains(r#"rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/""#)
            && b.contains("CC BY-SA 4.0")
    );
    assert!(
        b.contains("Future section") && b.contains("Available from"),
        "syllabus shows what is coming"
    );
    assert!(
        b.contains("Log in to enroll"),
        "anonymous visitors are asked to log in"
    );
    assert!(b.contains(r#"<link rel="license""#));
}

#[tokio::test]
async fn unknown_malformed_and_unpublished_courses_are_404() {
    let t = TestApp::new().await;
    t.seed(sample_course("DRAFT1", false)).await;
    let mut c = t.client();
    for path in [
        "/courses/course-v1:X+Y+Z/about",
        "/courses/nonsense/about",
        "/courses/course-v1:TESTORG+DRAFT1+2026/about",
        "/no/such/page",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.body.contains("Page not found"),
            "{path}: a page in the user's language"
        );
    }
}

#[tokio::test]
async fn enrol_read_and_resume() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    t.user("ada", false).await;
    let mut c = t.login("ada").await;

    // Not enrolled: the courseware sends the learner to the About page.
    let r = c.get(&format!("/courses/{KEY}/courseware")).await;
    assert_eq!(
        (r.status, r.location()),
        (
            StatusCode::SEE_OTHER,
            format!("/courses/{KEY}/about").as_str()
        )
    );
    assert!(
        c.get(&format!("/courses/{KEY}/about"))
            .await
            .body
            .contains("Enroll now")
    );

    let r = c.post_empty(&format!("/courses/{KEY}/enroll")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        format!("/courses/{KEY}/courseware?notice=enrolled")
    );
    let outline = c.get(r.location()).await;
    assert!(outline.body.contains("You are enrolled"));
    assert!(
        outline.body.contains("0% complete (0 of 4 units)"),
        "the future unit does not count"
    );
    assert!(
        !outline.body.contains("Secret unit"),
        "unreleased content is hidden from learners"
    );
    assert!(outline.body.contains("Start course"));

    // Reading a text-only unit completes it; a unit with a video waits for the video.
    // Opening the page only reads; its script reports that it was shown.
    let second = c.get(&unit_path("s1-1-2")).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second.body.contains(r#"hidden data-seen-show"#),
        "complete once seen: {}",
        second.body
    );
    assert!(
        c.get(&format!("/courses/{KEY}/courseware"))
            .await
            .body
            .contains("0% complete (0 of 4 units)"),
        "opening a unit records nothing"
    );
    let seen = |u: &str| format!("{}/seen", unit_path(u));
    let r = c.post_empty(&seen("s1-1-2")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let second = c.get(&unit_path("s1-1-2")).await;
    assert!(
        second.body.contains(r#"<span class="done" role="status">"#)
            && second.body.contains("You completed this unit")
    );
    let first = c.get(&unit_path("s1-1-1")).await;
    assert_eq!(
        c.post_empty(&seen("s1-1-1")).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        !first.body.contains("You completed this unit"),
        "video not watched yet"
    );
    assert!(first.body.contains("Mark as done"));

    let dash = c.get("/dashboard").await.body;
    assert!(dash.contains("Sample course T101"));
    assert!(dash.contains("25% complete (1 of 4 units)"), "{dash}");
    assert!(
        dash.contains(&format!(r#"href="/courses/{KEY}/unit/s1-1-1""#)),
        "resume where the learner left off"
    );
    assert!(dash.contains("Resume course"));

    // Leaving keeps progress for a return.
    let r = c
        .post_form(&format!("/courses/{KEY}/unenroll"), &[("confirm", "yes")])
        .await;
    assert_eq!(
        r.location(),
        format!("/courses/{KEY}/about?notice=unenrolled")
    );
    assert!(
        !c.get("/dashboard")
            .await
            .body
            .contains("Sample course T101")
    );
    c.post_empty(&format!("/courses/{KEY}/enroll")).await;
    assert!(c.get("/dashboard").await.body.contains("25% complete"));
    let _ = course;
}

#[tokio::test]
async fn navigation_crosses_subsection_and_section_boundaries() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("nav", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("nav").await;
    let last_of_sub = c.get(&unit_path("s1-1-2")).await.body;
    assert!(last_of_sub.contains(&format!(r#"href="{}" rel="prev""#, unit_path("s1-1-1"))));
    assert!(
        last_of_sub.contains(&format!(r#"href="{}" rel="next""#, unit_path("s1-2-1"))),
        "into the next subsection"
    );
    let last_of_section = c.get(&unit_path("s1-2-1")).await.body;
    assert!(
        last_of_section.contains(&format!(r#"href="{}" rel="next""#, unit_path("s2-1-1"))),
        "into the next section"
    );
    let last = c.get(&unit_path("s2-1-1")).await.body;
    assert!(
        !last.contains(r#"rel="next""#),
        "the unreleased section is not offered"
    );
    assert!(last.contains("Back to the course outline"));
    assert!(
        last.contains("First section") || last.contains("Second section"),
        "breadcrumbs"
    );
    // An unreleased unit tells an enrolled learner when it opens, and nothing else.
    let early = c.get(&unit_path("s3-1-1")).await;
    assert_eq!(early.status, StatusCode::OK);
    assert!(early.body.contains("Not open yet"));
    assert!(early.body.contains(r#"datetime="2030-01-01T00:00:00Z""#));
    assert!(!early.body.contains("Secret unit") && !early.body.contains("Not yet</p>"));
    assert!(
        !early.body.contains(r#"rel="prev""#),
        "no way into unreleased content"
    );
    assert_eq!(
        c.get(&unit_path("nope")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_see_unreleased_content_with_a_notice() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let s = t.user("staff", false).await;
    t.make_staff(s, course, CourseRole::Staff).await;
    let mut c = t.login("staff").await;
    let outline = c.get(&format!("/courses/{KEY}/courseware")).await;
    assert_eq!(outline.status, StatusCode::OK);
    assert!(outline.body.contains("Future section") && outline.body.contains("Available from"));
    let secret = c.get(&unit_path("s3-1-1")).await;
    assert_eq!(secret.status, StatusCode::OK);
    assert!(secret.body.contains("not yet released to learners"));
}

#[tokio::test]
async fn unit_page_has_video_with_tracks_transcript_and_downloads() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("vid", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("vid").await;
    let b = c.get(&unit_path("s1-1-1")).await.body;
    assert!(b.contains("<video controls preload=\"metadata\""));
    assert!(b.contains(r#"type="video/webm""#) && b.contains(r#"type="video/mp4""#));
    assert!(
        b.contains(r#"<track kind="subtitles""#)
            && b.contains(r#"srclang="en""#)
            && b.contains(r#"srclang="fr""#)
    );
    assert!(
        b.contains("intro.fr.vtt"),
        "the SRT file was converted to WebVTT"
    );
    assert!(
        b.contains("Video (WebM)")
            && b.contains("Video (MP4)")
            && b.contains("Subtitles: français"),
        "download links"
    );
    assert!(b.contains("?download=1"));
    assert!(b.contains(r#"data-start="4000""#), "transcript");
    assert!(
        b.contains("Libraries &#38; museums &#60;3 volunteers."),
        "transcript text, escaped: {b}"
    );
    assert!(b.contains(r#"data-progress-url="/api/v1/blocks/"#));
    assert!(b.contains("poster="));
}

#[tokio::test]
async fn bookmarks_and_mark_done() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("bm", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("bm").await;
    let r = c
        .post_form(
            &format!("{}/bookmark", unit_path("s1-2-1")),
            &[("action", "add")],
        )
        .await;
    assert_eq!(
        r.location(),
        format!("{}?notice=bookmarked", unit_path("s1-2-1"))
    );
    let page = c.get(r.location()).await.body;
    assert!(page.contains(r#"aria-pressed="true""#));
    let list = c.get(&format!("/courses/{KEY}/bookmarks")).await.body;
    assert!(list.contains("Third unit") && list.contains("First section › Sub 1.2"));
    c.post_form(
        &format!("{}/bookmark", unit_path("s1-2-1")),
        &[("action", "remove")],
    )
    .await;
    assert!(
        c.get(&format!("/courses/{KEY}/bookmarks"))
            .await
            .body
            .contains("You have no bookmarks")
    );
    assert_eq!(
        c.post_form(
            &format!("{}/bookmark", unit_path("s1-2-1")),
            &[("action", "explode")]
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let r = c
        .post_form(&format!("{}/done", unit_path("s1-1-1")), &[("done", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&unit_path("s1-1-1")).await.body;
    assert!(page.contains("You completed this unit") && page.contains("Mark as not done"));
    c.post_form(&format!("{}/done", unit_path("s1-1-1")), &[("done", "0")])
        .await;
    assert!(
        c.get(&unit_path("s1-1-1"))
            .await
            .body
            .contains("Mark as done")
    );
}

#[tokio::test]
async fn dates_are_shown_in_the_learners_time_zone() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("cairo", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("cairo").await;
    let r = c
        .post_form(
            "/preferences",
            &[
                ("display_name", "Nour"),
                ("language", ""),
                ("time_zone", "Africa/Cairo"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/preferences?notice=saved");
    let dates = c.get(&format!("/courses/{KEY}/dates")).await.body;
    // 2026-09-01T00:00Z is 03:00 in Cairo (EEST); 2030-01-01T00:00Z is 02:00 (EET).
    assert!(dates.contains("September 1, 2026 at 03:00"), "{dates}");
    assert!(dates.contains("January 1, 2030 at 02:00") && dates.contains("Future section"));
    assert!(dates.contains("Africa/Cairo"));
    // Without a stored zone, the browser's (cookie set by the page's script) is used.
    let mut anon = t.login("cairo").await;
    let mut c2 = t.client();
    c2.cookies = std::mem::take(&mut anon.cookies);
    c2.post_form(
        "/preferences",
        &[("display_name", ""), ("language", ""), ("time_zone", "")],
    )
    .await;
    c2.cookies.insert("tz".into(), "Asia%2FTokyo".into());
    let dates = c2.get(&format!("/courses/{KEY}/dates")).await.body;
    assert!(dates.contains("September 1, 2026 at 09:00 JST"), "{dates}");
}

#[tokio::test]
async fn preferences_reject_bad_input_without_changing_anything() {
    let t = TestApp::new().await;
    t.user("pref", false).await;
    let mut c = t.login("pref").await;
    c.post_form(
        "/preferences",
        &[
            ("display_name", "Good Name"),
            ("language", "fr"),
            ("time_zone", "Europe/Paris"),
        ],
    )
    .await;
    let r = c
        .post_form(
            "/preferences",
            &[
                ("display_name", "Other"),
                ("language", ""),
                ("time_zone", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Mars/Olympus"), "{}", r.body);
    let page = c.get("/preferences").await.body;
    assert!(page.contains(r#"value="Good Name""#), "nothing was changed");
}

/// Every icon a template or handler asks for (`icon("…")`) is one the build bundles: an
/// unknown name renders nothing, silently (a button with a gap where its icon should be).
#[tokio::test]
async fn every_icon_the_pages_use_is_bundled() {
    let t = TestApp::new().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    let mut stack = vec![root.join("templates"), root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for (i, _) in text.match_indices("icon(\"") {
                let rest = &text[i + 6..];
                let Some(end) = rest.find('"') else { continue };
                let name = &rest[..end];
                if name.chars().all(|c| c.is_ascii_alphanumeric()) && !t.app.assets().has_icon(name)
                {
                    missing.push(format!("{name} ({})", path.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "icons not bundled: {missing:?}");
}
