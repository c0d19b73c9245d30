//! Due dates where learners look (Dates tab, outline, dashboard, JSON API, calendar feed),
//! the course team's dashboard, units that are not open yet, leaving a course, and the
//! time-zone menu.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::learner::{self, CompletionSource};

const DKEY: &str = "course-v1:TESTORG+DUE+2026";
const MC: &str = r#"<problem><multiplechoiceresponse><label>Which?</label><choicegroup type="MultipleChoice"><choice correct="true">A</choice><choice correct="false">B</choice></choicegroup></multiplechoiceresponse></problem>"#;

/// Now is 2026-11-21 12:00 UTC. Quiz 1 is due in 10 days; the essay (its own date) in 3;
/// Quiz 0 was missed 20 days ago; Quiz 9 is in a section not released yet; the staff-only
/// unit is hidden for good.
fn deadline_course() -> serde_json::Value {
    serde_json::json!({
        "org": "TESTORG", "code": "DUE", "run": "2026", "language": "en",
        "title": "Deadlines 101", "short_description": "", "overview": "",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "grading": {"types": [{"name": "Homework", "min_count": 3, "weight": 1.0}], "cutoffs": {"Pass": 0.5}},
        "sections": [
            {"title": "Week 1", "subsections": [
                {"title": "Quiz 1", "graded": true, "format": "Homework", "due": "2026-12-01T00:00:00Z", "units": [
                    {"title": "Questions", "blocks": [{"kind": "problem", "title": "Licence", "xml": MC}]},
                    {"title": "Essay unit", "blocks": [{
                        "kind": "open_response", "title": "Mission statement", "prompts": ["Write."],
                        "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}],
                        "due": "2026-11-24T18:00:00Z"
                    }]}
                ]},
                {"title": "Reading", "units": [{"title": "Read", "blocks": [{"kind": "text", "markdown": "Text"}]}]}
            ]},
            {"title": "Week 0", "subsections": [
                {"title": "Quiz 0", "graded": true, "format": "Homework", "due": "2026-11-01T00:00:00Z", "units": [
                    {"title": "Old questions", "blocks": [{"kind": "problem", "xml": MC}]}
                ]},
                {"title": "Staff notes", "release": "9999-01-01T00:00:00Z", "units": [
                    {"title": "Hidden unit", "blocks": [{"kind": "text", "markdown": "Staff only"}]}
                ]}
            ]},
            {"title": "Later", "release": "2027-01-01T00:00:00Z", "subsections": [
                {"title": "Quiz 9", "graded": true, "format": "Homework", "due": "2027-02-01T00:00:00Z", "units": [
                    {"title": "Future questions", "blocks": [{"kind": "problem", "xml": MC}]}
                ]}
            ]}
        ]
    })
}

async fn setup() -> (TestApp, CourseId, UserId) {
    let t = TestApp::new().await;
    let course = t.seed(deadline_course()).await;
    let u = t.user("dana", false).await;
    t.enroll(u, course).await;
    (t, course, u)
}

async fn submit_all(t: &TestApp, course: CourseId, user: UserId, names: &[&str]) {
    let ids = t.block_ids(course).await;
    let blocks: Vec<BlockId> = names.iter().map(|n| BlockId(ids[*n])).collect();
    let mut c = t.store.conn().await.unwrap();
    learner::record_completions(&mut c, user, course, &blocks, CompletionSource::Submit, 0)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_dates_tab_lists_every_due_date_with_how_it_stands() {
    let (t, _, _) = setup().await;
    let mut c = t.login("dana").await;
    let page = c.get(&format!("/courses/{DKEY}/dates")).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("Assignment due"), "{b}");
    assert!(b.contains(r#"datetime="2026-12-01T00:00:00Z""#));
    assert!(b.contains("Due in 10 days"), "{b}");
    // The essay has a date of its own: its own row, linked to it.
    assert!(b.contains("Open response due"));
    assert!(b.contains("Mission statement"));
    assert!(b.contains("Due in 3 days"));
    assert!(b.contains("#block-"));
    assert!(b.contains("Quiz 0") && b.contains("Past due"));
    // Nothing of unreleased or staff-only content.
    assert!(!b.contains("Quiz 9") && !b.contains("2027-02-01"));
    assert!(!b.contains("Staff notes") && !b.contains("9999"));

    // Days count on the learner's calendar: at 23:30 in Tokyo on the 21st (14:30 UTC) the
    // essay (03:00 on the 25th there) is 4 days away; in UTC it is 3.
    t.clock.set("2026-11-21T14:30:00Z".parse().unwrap());
    let r = c
        .post_form(
            "/preferences",
            &[
                ("display_name", ""),
                ("language", ""),
                ("time_zone", "Asia/Tokyo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let b = c.get(&format!("/courses/{DKEY}/dates")).await.body;
    assert!(b.contains("Due in 4 days"), "{b}");
    assert!(b.contains("Asia/Tokyo"));

    // Plural-aware in every language.
    let ar = c
        .get(&format!("/courses/{DKEY}/dates?uselang=ar"))
        .await
        .body;
    assert!(ar.contains("الموعد بعد"), "{ar}");
    let fr = c
        .get(&format!("/courses/{DKEY}/dates?uselang=fr"))
        .await
        .body;
    assert!(fr.contains("À rendre dans"), "{fr}");
}

#[tokio::test]
async fn submitted_work_is_complete_on_the_dates_tab() {
    let (t, course, u) = setup().await;
    submit_all(&t, course, u, &["s1-1-1-1"]).await;
    let mut c = t.login("dana").await;
    let b = c.get(&format!("/courses/{DKEY}/dates")).await.body;
    assert!(b.contains("Completed"), "{b}");
    assert!(b.contains("Due in 3 days"), "the essay is still to do");
}

#[tokio::test]
async fn the_outline_shows_due_dates_per_subsection() {
    let (t, _, _) = setup().await;
    let mut c = t.login("dana").await;
    let b = c.get(&format!("/courses/{DKEY}/courseware")).await.body;
    let quiz1 = &b[b.find("Quiz 1").unwrap()..b.find("Reading").unwrap()];
    assert!(quiz1.contains("outline__due"), "{quiz1}");
    assert!(quiz1.contains(r#"datetime="2026-12-01T00:00:00Z""#));
    assert!(quiz1.contains("Due in 10 days"));
    assert!(quiz1.contains("Mission statement"));
    let reading = &b[b.find("Reading").unwrap()..b.find("Quiz 0").unwrap()];
    assert!(
        !reading.contains("outline__due"),
        "no due date, nothing shown"
    );
}

#[tokio::test]
async fn the_dashboard_shows_the_next_deadlines_across_courses() {
    let (t, course, u) = setup().await;
    let other = t.seed(quiz_course("Q2")).await;
    t.enroll(u, other).await;
    let mut c = t.login("dana").await;
    let b = c.get("/dashboard").await.body;
    assert!(b.contains("Coming up"), "{b}");
    let list = &b[b.find("due-list").unwrap()..b.find("</ul>").unwrap()];
    // Earliest first, across courses; missed long ago or complete: not listed.
    let essay = list.find("Mission statement").unwrap();
    let quiz1 = list.find("Quiz 1").unwrap();
    let hw = list.find("HW one").unwrap();
    assert!(essay < quiz1 && quiz1 < hw, "{list}");
    assert!(list.contains("Deadlines 101") && list.contains("Quiz course Q2"));
    assert!(
        !list.contains("Quiz 0") && !list.contains("HW two"),
        "{list}"
    );
    // Submitting the response (as the page does) meets its deadline.
    let essay = t.block_ids(course).await["s1-1-2-1"];
    lyceum_web::open_responses::submit_as(&t.app, DKEY, BlockId(essay), u, "Our mission.")
        .await
        .unwrap();
    let b = c.get("/dashboard").await.body;
    assert!(!b.contains("Mission statement"), "submitted: no reminder");
}

#[tokio::test]
async fn the_api_lists_upcoming_due_dates() {
    let (t, course, u) = setup().await;
    let mut c = t.login("dana").await;
    let r = c.get("/api/v1/me/deadlines").await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let items = j.as_array().unwrap();
    assert_eq!(items.len(), 2, "{j}");
    assert_eq!(items[0]["kind"], "open_response");
    assert_eq!(items[0]["title"], "Mission statement");
    assert_eq!(items[0]["due"], "2026-11-24T18:00:00Z");
    assert_eq!(items[1]["kind"], "subsection");
    assert_eq!(items[1]["title"], "Quiz 1");
    assert_eq!(items[1]["course_key"], DKEY);
    assert_eq!(items[1]["course_title"], "Deadlines 101");
    assert_eq!(items[1]["due"], "2026-12-01T00:00:00Z");
    assert_eq!(items[1]["past_due"], false);
    assert_eq!(
        items[1]["url"],
        format!("/courses/{DKEY}/unit/s1-1-1"),
        "the subsection's first unit"
    );
    let ids = t.block_ids(course).await;
    assert_eq!(items[1]["block_id"], ids["s1-1"]);

    // Two days after the essay's date it is still listed, as past due; a week later not.
    t.clock.set("2026-11-26T18:00:00Z".parse().unwrap());
    let j = c.get("/api/v1/me/deadlines").await.json();
    assert_eq!(j[0]["title"], "Mission statement");
    assert_eq!(j[0]["past_due"], true);
    t.clock.set("2026-12-02T18:00:00Z".parse().unwrap());
    let j = c.get("/api/v1/me/deadlines").await.json();
    assert_eq!(j.as_array().unwrap().len(), 1);
    assert_eq!(j[0]["title"], "Quiz 1");
    submit_all(&t, course, u, &["s1-1-1-1"]).await;
    assert_eq!(
        c.get("/api/v1/me/deadlines").await.json(),
        serde_json::json!([])
    );

    assert_eq!(
        t.client().get("/api/v1/me/deadlines").await.status,
        StatusCode::UNAUTHORIZED
    );
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/me/deadlines"]["get"].is_object());
    assert!(doc["components"]["schemas"]["DeadlineJson"]["properties"]["past_due"].is_object());
}

fn feed_path(prefs: &str) -> String {
    let at = prefs
        .find("http://lyceum.test/calendar/")
        .expect("feed URL shown");
    let url = &prefs[at..];
    let url = &url[..url.find('"').unwrap()];
    url.trim_start_matches("http://lyceum.test").to_owned()
}

#[tokio::test]
async fn each_learner_has_a_private_calendar_feed_they_can_reset() {
    let (t, _, _) = setup().await;
    let mut c = t.login("dana").await;
    let prefs = c.get("/preferences").await.body;
    assert!(prefs.contains("Create my calendar address"));
    assert!(!prefs.contains("/calendar/"), "a GET creates nothing");

    let r = c.post_form("/preferences/calendar", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/preferences?notice=calendar-reset#calendar");
    let prefs = c.get("/preferences").await.body;
    let path = feed_path(&prefs);
    assert!(prefs.contains("Reset the address"));
    // One tap subscribes from a phone: the same address as a webcal: link.
    assert!(
        prefs.contains(&format!(r#"href="webcal://lyceum.test{path}""#)),
        "{prefs}"
    );
    assert!(prefs.contains("Subscribe in my calendar app"));

    // Calendar apps fetch it without a session.
    let mut app = t.client();
    let r = app.get(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "text/calendar; charset=utf-8");
    let ics = &r.body;
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{ics}"
    );
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF only");
    for l in ics.split("\r\n") {
        assert!(l.len() <= 75, "folded: {l}");
    }
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 3, "{ics}");
    assert!(ics.contains("DTSTART:20261201T000000Z\r\n"));
    assert!(ics.contains("DTSTART:20261124T180000Z\r\n"));
    assert!(
        ics.contains("DTSTART:20261101T000000Z\r\n"),
        "missed ones stay in the calendar"
    );
    assert!(ics.contains("SUMMARY:Due: Quiz 1\r\n"));
    assert!(ics.contains("DTSTAMP:20261121T120000Z\r\n"));
    assert!(ics.contains("@lyceum.test\r\n"), "UID per event");
    assert_eq!(ics.matches("UID:deadline-").count(), 3);
    assert!(!ics.contains("Quiz 9"), "unreleased work stays unknown");

    // Resetting invalidates the old address.
    c.post_form("/preferences/calendar", &[]).await;
    let new_path = feed_path(&c.get("/preferences").await.body);
    assert_ne!(new_path, path);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&new_path).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/calendar/not-a-token.ics").await.status,
        StatusCode::NOT_FOUND
    );
    // Only its owner can make one.
    let r = t.client().post_form("/preferences/calendar", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
}

#[tokio::test]
async fn the_course_team_sees_the_courses_it_teaches() {
    let t = TestApp::new().await;
    let course = t.seed(deadline_course()).await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let mut c = t.login("teacher").await;
    let b = c.get("/dashboard").await.body;
    assert!(b.contains("Courses you teach"), "{b}");
    assert!(b.contains("Deadlines 101"));
    assert!(b.contains("Instructor"));
    assert!(b.contains(&format!(r#"href="/courses/{DKEY}/instructor/gradebook""#)));
    assert!(b.contains(&format!(
        r#"href="/courses/{DKEY}/instructor/open-responses""#
    )));
    assert!(!b.contains("Import a course"), "a site tool");
    assert!(!b.contains("Site administration"));

    let admin = t.user("root", true).await;
    let _ = admin;
    let b = t.login("root").await.get("/dashboard").await.body;
    assert!(b.contains(r#"href="/import""#), "{b}");
    // An administrator who teaches nothing gets the site's tools under their own heading,
    // not an empty "Courses you teach".
    assert!(b.contains("Site administration"), "{b}");
    assert!(!b.contains("Courses you teach"), "{b}");
    assert!(b.contains("Courses you take"), "{b}");

    let learner = t.user("lea", false).await;
    t.enroll(learner, course).await;
    let b = t.login("lea").await.get("/dashboard").await.body;
    assert!(!b.contains("Courses you teach"));
}

#[tokio::test]
async fn the_course_team_sees_the_responses_waiting_for_it() {
    let (t, course, _) = setup().await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let queue = format!(r#"href="/courses/{DKEY}/instructor/open-responses""#);
    // Nothing waiting yet: no count, only the queue among the tools.
    let b = t.login("teacher").await.get("/dashboard").await.body;
    assert!(!b.contains("waiting for you"), "{b}");
    assert_eq!(b.matches(&queue).count(), 1, "{b}");

    let essay = t.block_ids(course).await["s1-1-2-1"];
    for name in ["dana", "eli"] {
        if name != "dana" {
            let u = t.user(name, false).await;
            t.enroll(u, course).await;
        }
        let r = t
            .login(name)
            .await
            .post_json(
                &format!("/api/v1/open-responses/{essay}/submit"),
                serde_json::json!({"text": "Our mission."}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mut c = t.login("teacher").await;
    let b = c.get("/dashboard").await.body;
    assert!(b.contains("2 responses waiting for you"), "{b}");
    assert_eq!(
        b.matches(&queue).count(),
        2,
        "the count links to the queue: {b}"
    );
    // The same number the queue shows under "Waiting for staff".
    let q = c
        .get(&format!("/courses/{DKEY}/instructor/open-responses"))
        .await
        .body;
    assert!(q.contains("Waiting for staff (2)"), "{q}");
    let b = c.get("/dashboard?uselang=ar").await.body;
    assert!(
        b.contains("2 إجابتان بانتظارك") || b.contains("إجابتان بانتظارك"),
        "{b}"
    );
    // Learners see no such thing.
    let b = t.login("eli").await.get("/dashboard").await.body;
    assert!(!b.contains("waiting for you"));
}

#[tokio::test]
async fn the_catalog_says_started_for_a_course_under_way() {
    let (t, _, _) = setup().await;
    let mut later = deadline_course();
    later["code"] = "LATER".into();
    later["title"] = "Later 101".into();
    later["start"] = "2027-03-01T00:00:00Z".into();
    t.seed(later).await;
    let b = t.client().get("/").await.body;
    // Now is 2026-11-21: one course began on 1 September, the other begins in March.
    assert!(b.contains("Started <time"), "{b}");
    assert!(b.contains("Starts <time"), "{b}");
    assert_eq!(b.matches("Started <time").count(), 1, "{b}");
    let fr = t.client().get("/?uselang=fr").await.body;
    assert!(fr.contains("A commencé le <time"), "{fr}");
}

#[tokio::test]
async fn an_unreleased_unit_says_when_it_opens_without_showing_it() {
    let (t, _, _) = setup().await;
    let mut c = t.login("dana").await;
    let r = c.get(&format!("/courses/{DKEY}/unit/s3-1-1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Not open yet"));
    assert!(r.body.contains(r#"datetime="2027-01-01T00:00:00Z""#));
    assert!(!r.body.contains("Future questions") && !r.body.contains("Which?"));
    // Staff-only content and unknown units stay unknown.
    let r = c.get(&format!("/courses/{DKEY}/unit/s2-2-1")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.get(&format!("/courses/{DKEY}/unit/nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Someone who may not see the course's content learns nothing.
    let _ = t.user("stranger", false).await;
    let r = t
        .login("stranger")
        .await
        .get(&format!("/courses/{DKEY}/unit/s3-1-1"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/courses/{DKEY}/about"));
    let hidden = t.seed(sample_course("HID", false)).await;
    let _ = hidden;
    let r = c
        .get("/courses/course-v1:TESTORG+HID+2026/unit/s3-1-1")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unenrolling_asks_for_confirmation_first() {
    let (t, _, _) = setup().await;
    let mut c = t.login("dana").await;
    let about = c.get(&format!("/courses/{DKEY}/about")).await.body;
    assert!(about.contains("<details class=\"confirm\">"), "{about}");
    assert!(about.contains(r#"name="confirm" value="yes""#));

    // A bare post (the old one-click form) asks and changes nothing.
    let r = c.post_empty(&format!("/courses/{DKEY}/unenroll")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Leave this course?"));
    assert!(r.body.contains("Deadlines 101"));
    assert!(c.get("/dashboard").await.body.contains("Deadlines 101"));

    let r = c
        .post_form(&format!("/courses/{DKEY}/unenroll"), &[("confirm", "yes")])
        .await;
    assert_eq!(
        r.location(),
        format!("/courses/{DKEY}/about?notice=unenrolled")
    );
    assert!(!c.get("/dashboard").await.body.contains("Deadlines 101"));
}

#[tokio::test]
async fn the_time_zone_menu_is_grouped_canonical_and_puts_the_browsers_zone_first() {
    let t = TestApp::new().await;
    let _ = t.user("zed", false).await;
    let mut c = t.login("zed").await;
    c.cookies.insert("tz".into(), "America/Sao_Paulo".into());
    let b = c.get("/preferences").await.body;
    let select = &b[b.find(r#"<select id="time_zone""#).unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(select.contains(r#"<optgroup label="Asia">"#), "{select}");
    assert!(select.contains(r#"<optgroup label="Europe">"#));
    assert!(select.contains("Kolkata (UTC+05:30)"));
    assert!(select.contains("Argentina / Buenos Aires (UTC-03:00)"));
    assert!(!select.contains("Calcutta") && !select.contains("US/Eastern"));
    assert!(!select.contains("Europe/Kiev") && select.contains("Europe/Kyiv"));
    let options = select.matches("<option").count();
    assert!(options < 430, "{options} options");
    // The browser's zone comes first, right after "automatic".
    let first = select.find("<optgroup").unwrap();
    assert!(select[first..].starts_with(r#"<optgroup label="Suggested">"#));
    let sao = select.find("America/Sao_Paulo").unwrap();
    let africa = select.find(r#"label="Africa""#).unwrap();
    assert!(sao < africa);

    // A zone saved earlier under an old alias stays selected.
    let r = c
        .post_form(
            "/preferences",
            &[
                ("display_name", ""),
                ("language", ""),
                ("time_zone", "Asia/Calcutta"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let b = c.get("/preferences").await.body;
    let select = &b[b.find(r#"<select id="time_zone""#).unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(
        select.contains(r#"<option value="Asia/Calcutta" selected>"#),
        "{select}"
    );
    assert_eq!(select.matches(" selected>").count(), 1, "{select}");
}
