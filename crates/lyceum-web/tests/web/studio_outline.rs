//! Studio's pages over HTTP: the outline editor and its actions (each a form that works
//! without script), publish / discard / preview, history with diffs and restore; who
//! may use them; bad input re-rendered in place; fixed query budgets; GETs that write
//! nothing.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_app::authoring::{self, BlockPatch};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{BlockId, CourseId, UserId};
use serde_json::json;

const STUDIO: &str = "/courses/course-v1:TESTORG+T101+2026/studio";

struct World {
    t: TestApp,
    course: CourseId,
    author: UserId,
    ids: std::collections::HashMap<String, i64>,
}

/// The sample course with a team (instructor, author, staff), an enrolled learner and a
/// site admin.
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let instructor = t.user("teacher", false).await;
    t.make_staff(instructor, course, CourseRole::Instructor)
        .await;
    let author = t.user("writer", false).await;
    t.make_staff(author, course, CourseRole::Author).await;
    let ta = t.user("assistant", false).await;
    t.make_staff(ta, course, CourseRole::Staff).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    t.user("root", true).await;
    let ids = t.block_ids(course).await;
    World {
        t,
        course,
        author,
        ids,
    }
}

fn studio(rest: &str) -> String {
    if rest.is_empty() {
        STUDIO.to_owned()
    } else {
        format!("{STUDIO}/{rest}")
    }
}

/// Sections, subsections and units of the draft, as the JSON-free outline shows them: the
/// titles in page order.
fn titles_in_order(body: &str, titles: &[&str]) -> bool {
    let mut at = 0;
    for t in titles {
        match body[at..].find(&format!(">{t}<")) {
            Some(i) => at += i + 1,
            None => return false,
        }
    }
    true
}

#[tokio::test]
async fn who_may_use_studio() {
    let w = world().await;
    let unit = "preview/unit/s1-1-1";
    let block = w.ids["s1-1-1"];
    let pages = [
        studio(""),
        studio("history"),
        studio(&format!("history/{block}")),
        studio(unit),
        studio("discard"),
        studio(&format!("outline/{block}/delete")),
        studio(&format!("outline/{block}/move")),
    ];
    let mut anon = w.t.client();
    for page in &pages {
        let r = anon.get(page).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous {page}");
        assert!(r.location().starts_with("/login?return_to="), "{page}");
    }
    let cases = [
        ("learner", StatusCode::NOT_FOUND),
        ("assistant", StatusCode::FORBIDDEN),
        ("writer", StatusCode::OK),
        ("teacher", StatusCode::OK),
        ("root", StatusCode::OK),
    ];
    for (who, status) in cases {
        let mut c = w.t.login(who).await;
        for page in &pages {
            let r = c.get(page).await;
            assert_eq!(r.status, status, "{who} GET {page}: {}", r.body);
            if status != StatusCode::OK {
                assert!(!r.body.contains("Unit with video"), "{who} {page}");
            }
        }
        // Every action is refused the same way, and changes nothing.
        let before = w.t.store.write_count();
        for (path, fields) in [
            (
                studio("outline/add"),
                vec![("kind", "section"), ("title", "Forged")],
            ),
            (
                studio(&format!("outline/{block}/rename")),
                vec![("title", "Forged")],
            ),
            (studio("publish"), vec![("summary", "")]),
            (studio("discard"), vec![("confirm", "1")]),
        ] {
            let r = c.post_form(&path, &fields).await;
            if status == StatusCode::OK {
                continue;
            }
            assert_eq!(r.status, status, "{who} POST {path}");
        }
        if status != StatusCode::OK {
            assert_eq!(w.t.store.write_count(), before, "{who} wrote");
        }
    }
    // Staff of another course, and a course that does not exist.
    let mut c = w.t.login("writer").await;
    assert_eq!(
        c.get("/courses/course-v1:TESTORG+NOPE+2026/studio")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/courses/not-a-key/studio").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_outline_editor_adds_renames_moves_duplicates_and_deletes() {
    let w = world().await;
    let mut c = w.t.login("writer").await;
    let page = c.get(STUDIO).await;
    assert_eq!(page.status, StatusCode::OK);
    for s in [
        "First section",
        "Sub 1.1",
        "Unit with video",
        "Future section",
    ] {
        assert!(page.body.contains(s), "{s}");
    }
    assert!(page.body.contains("Learners see the latest version"));
    assert!(
        page.body
            .contains(&format!("/studio/unit/{}", w.ids["s1-1-1"])),
        "units link to the unit editor"
    );

    // Add a section at the end, a subsection in it, a unit in that.
    let r = c
        .post_form(
            &studio("outline/add"),
            &[("kind", "section"), ("title", "Appendix")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let anchor = r.location().rsplit_once("#b-").unwrap().1.to_owned();
    let section: i64 = anchor.parse().unwrap();
    let r = c
        .post_form(
            &studio("outline/add"),
            &[
                ("kind", "subsection"),
                ("parent", &section.to_string()),
                ("title", "Extras"),
            ],
        )
        .await;
    let sub: i64 = r.location().rsplit_once("#b-").unwrap().1.parse().unwrap();
    let r = c
        .post_form(
            &studio("outline/add"),
            &[
                ("kind", "unit"),
                ("parent", &sub.to_string()),
                ("title", "Glossary"),
            ],
        )
        .await;
    let unit: i64 = r.location().rsplit_once("#b-").unwrap().1.parse().unwrap();
    // And a unit right after "Unit with video".
    let first_unit = w.ids["s1-1-1"].to_string();
    let sub11 = w.ids["s1-1"].to_string();
    let r = c
        .post_form(
            &studio("outline/add"),
            &[
                ("kind", "unit"),
                ("parent", &sub11),
                ("after", &first_unit),
                ("title", "Inserted"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = c.get(STUDIO).await.body;
    assert!(titles_in_order(
        &body,
        &[
            "Unit with video",
            "Inserted",
            "Second unit",
            "Appendix",
            "Extras",
            "Glossary"
        ]
    ));
    assert!(body.contains("4 unpublished changes") || body.contains("unpublished changes"));
    assert!(body.contains(">New<"), "new rows are marked");

    // Rename.
    let r = c
        .post_form(
            &studio(&format!("outline/{unit}/rename")),
            &[("title", "Word list")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with(&format!("#b-{unit}")));
    // Move "Second unit" up: it comes before "Inserted".
    let second = w.ids["s1-1-2"];
    c.post_form(
        &studio(&format!("outline/{second}/move")),
        &[("direction", "up")],
    )
    .await;
    let body = c.get(STUDIO).await.body;
    assert!(titles_in_order(
        &body,
        &["Unit with video", "Second unit", "Inserted", "Word list"]
    ));
    // Move "Word list" into Sub 1.2, then down (it is last: nothing happens).
    let sub12 = w.ids["s1-2"].to_string();
    let r = c
        .post_form(
            &studio(&format!("outline/{unit}/move")),
            &[("parent", &sub12)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_form(
            &studio(&format!("outline/{unit}/move")),
            &[("direction", "down")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = c.get(STUDIO).await.body;
    assert!(titles_in_order(
        &body,
        &["Sub 1.2", "Third unit", "Word list", "Second section"]
    ));
    // The move page lists the places a unit may go.
    let mv = c.get(&studio(&format!("outline/{unit}/move"))).await;
    assert_eq!(mv.status, StatusCode::OK);
    assert!(mv.body.contains("First section › Sub 1.1"));
    assert!(!mv.body.contains("› Sub 1.2<"), "not its own parent");

    // Duplicate a subsection: a copy with its units right after it.
    let r = c
        .post_form(
            &studio(&format!("outline/{}/duplicate", w.ids["s1-2"])),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = c.get(STUDIO).await.body;
    assert_eq!(
        body.matches(">Third unit<").count(),
        2,
        "copied with its unit"
    );

    // Delete: a confirmation page first, then the POST with confirm.
    let page = c
        .get(&studio(&format!("outline/{}/delete", w.ids["s2"])))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Second section"));
    assert!(page.body.contains("No learner has work here"));
    let r = c
        .post_form(&studio(&format!("outline/{}/delete", w.ids["s2"])), &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "no confirm: back to the page"
    );
    assert!(r.location().ends_with("/delete"));
    let r = c
        .post_form(
            &studio(&format!("outline/{}/delete", w.ids["s2"])),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = c.get(r.location()).await.body;
    assert!(body.contains("Deleted. Learners see it until the next publish"));
    assert!(!titles_in_order(&body, &["Sub 2.1"]) || body.contains("Deleted, until"));
    assert!(body.contains("Deleted, until the next publish"));
}

#[tokio::test]
async fn settings_release_due_grading_and_hiding() {
    let w = world().await;
    let mut c = w.t.login("teacher").await;
    let sub = w.ids["s1-1"];
    let r = c
        .post_form(
            &studio(&format!("outline/{sub}/settings")),
            &[
                ("release", "2026-10-01T09:00"),
                ("format", ""),
                ("due", "2026-12-01T17:00"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = c.get(STUDIO).await.body;
    assert!(body.contains("value=\"2026-10-01T09:00\""));
    assert!(body.contains("value=\"2026-12-01T17:00\""));
    assert!(body.contains(">Changed<"));

    // Due before release: refused, shown at the row with what was typed.
    let r = c
        .post_form(
            &studio(&format!("outline/{sub}/settings")),
            &[("release", "2026-10-01T09:00"), ("due", "2026-09-15T17:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The due date is before the release date"));
    assert!(
        r.body.contains("value=\"2026-09-15T17:00\""),
        "typed value kept"
    );
    assert!(
        r.body
            .contains("<details class=\"studio-menu\" lang=\"en\" dir=\"ltr\" open>")
    );
    // Not a date.
    let r = c
        .post_form(
            &studio(&format!("outline/{sub}/settings")),
            &[("release", "next tuesday")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The release date is not a date"));
    assert!(r.body.contains("value=\"next tuesday\""));
    // An assignment type the policy does not have.
    let r = c
        .post_form(
            &studio(&format!("outline/{sub}/settings")),
            &[("format", "Bogus")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Hide a unit from learners.
    let unit = w.ids["s1-1-2"];
    let r = c
        .post_form(
            &studio(&format!("outline/{unit}/settings")),
            &[("release", ""), ("staff_only", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = c.get(STUDIO).await.body;
    assert!(body.contains("Hidden from learners</span>"));
}

#[tokio::test]
async fn bad_input_is_shown_in_place_and_changes_nothing() {
    let w = world().await;
    let mut c = w.t.login("writer").await;
    let unit = w.ids["s1-1-1"];
    let before = c.get(STUDIO).await.body;
    // Empty title.
    let r = c
        .post_form(
            &studio(&format!("outline/{unit}/rename")),
            &[("title", "   ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give it a title."));
    let r = c
        .post_form(
            &studio("outline/add"),
            &[("kind", "section"), ("title", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give it a title."));
    // Too long a title keeps what was typed.
    let long = "x".repeat(300);
    let r = c
        .post_form(
            &studio("outline/add"),
            &[
                ("kind", "subsection"),
                ("parent", &w.ids["s1"].to_string()),
                ("title", &long),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(&long), "typed title kept");
    // A unit cannot go under a section, nor a section be moved into anything.
    let r = c
        .post_form(
            &studio(&format!("outline/{unit}/move")),
            &[("parent", &w.ids["s2"].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("That does not fit there"));
    let r = c
        .post_form(
            &studio(&format!("outline/{}/move", w.ids["s2"])),
            &[("parent", &w.ids["s1-1"].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A unit under a subsection of another course, or a leaf: refused.
    let r = c
        .post_form(
            &studio("outline/add"),
            &[
                ("kind", "unit"),
                ("parent", &w.ids["s1-1-1-1"].to_string()),
                ("title", "X"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a leaf is no parent");
    let r = c
        .post_form(&studio("outline/add"), &[("kind", "text"), ("title", "X")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Stale and foreign ids.
    for bad in ["999999", "abc", &w.ids["s1-1-1-1"].to_string()] {
        let r = c
            .post_form(&studio(&format!("outline/{bad}/rename")), &[("title", "Y")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(
            c.get(&studio(&format!("outline/{bad}/delete")))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    let r = c
        .post_form(
            &studio("outline/add"),
            &[
                ("kind", "unit"),
                ("parent", &w.ids["s1-1"].to_string()),
                ("after", "999999"),
                ("title", "X"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(c.get(STUDIO).await.body, before, "nothing changed");
}

#[tokio::test]
async fn learners_see_changes_only_after_publish_and_preview_shows_the_draft() {
    let w = world().await;
    let mut author = w.t.login("writer").await;
    let mut learner = w.t.login("learner").await;
    let unit = w.ids["s1-1-2"];
    let text = w.ids["s1-1-2-1"];
    let actor = Actor::user(w.author, false);
    authoring::update_block(
        &w.t.app.env(),
        &actor,
        BlockId(text),
        BlockPatch {
            content: Some(json!({"markdown": "Draft words"})),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    author
        .post_form(
            &studio(&format!("outline/{unit}/rename")),
            &[("title", "Renamed unit")],
        )
        .await;
    let outline = "/courses/course-v1:TESTORG+T101+2026/courseware";
    let learner_unit = "/courses/course-v1:TESTORG+T101+2026/unit/s1-1-2";
    assert!(learner.get(outline).await.body.contains("Second unit"));
    assert!(!learner.get(learner_unit).await.body.contains("Draft words"));

    // The preview: the draft, with its banner, for the author only.
    let r = author.get(&studio("preview")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("/studio/preview/unit/s1-1-1"));
    let before = w.t.store.write_count();
    let p = author.get(&studio("preview/unit/s1-1-2")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Preview of unpublished changes"));
    assert!(p.body.contains("Draft words"));
    assert!(p.body.contains("Renamed unit"));
    assert!(p.body.contains("/studio/preview/unit/s1-1-1"), "navigation");
    // The unreleased section is previewed too, saying when it opens.
    let p = author.get(&studio("preview/unit/s3-1-1")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Learners will see this unit from"));
    assert_eq!(w.t.store.write_count(), before, "the preview wrote");
    assert_eq!(
        learner.get(&studio("preview/unit/s1-1-2")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        author.get(&studio("preview/unit/nope")).await.status,
        StatusCode::NOT_FOUND
    );

    // Publish with a summary.
    let r = author
        .post_form(&studio("publish"), &[("summary", "Better words")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let done = author.get(r.location()).await;
    assert!(done.body.contains("Published: learners now see version"));
    assert!(done.body.contains("Learners see the latest version"));
    assert!(learner.get(outline).await.body.contains("Renamed unit"));
    assert!(learner.get(learner_unit).await.body.contains("Draft words"));
    // Again: nothing to publish.
    let r = author.post_form(&studio("publish"), &[]).await;
    assert!(
        author
            .get(r.location())
            .await
            .body
            .contains("There was nothing to publish")
    );
    // The history lists the publication with its summary.
    let h = author.get(&studio("history")).await.body;
    assert!(h.contains("Better words"));
}

#[tokio::test]
async fn discard_needs_confirmation_and_returns_to_the_published_course() {
    let w = world().await;
    let mut c = w.t.login("teacher").await;
    let unit = w.ids["s1-1-1"];
    c.post_form(
        &studio(&format!("outline/{unit}/rename")),
        &[("title", "Throwaway")],
    )
    .await;
    let page = c.get(&studio("discard")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Throw away the unpublished change"));
    let r = c.post_form(&studio("discard"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        c.get(STUDIO).await.body.contains("Throwaway"),
        "not without confirm"
    );
    let r = c.post_form(&studio("discard"), &[("confirm", "1")]).await;
    let body = c.get(r.location()).await.body;
    assert!(body.contains("Changes discarded"));
    assert!(!body.contains("Throwaway"));
    assert!(body.contains("Unit with video"));
}

#[tokio::test]
async fn publishing_a_changed_problem_offers_a_rescore() {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("T101")).await;
    let ids = t.block_ids(course).await;
    let author = t.user("writer", false).await;
    t.make_staff(author, course, CourseRole::Instructor).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    let mut l = t.login("learner").await;
    let problem = ids["s1-1-1-1"];
    let r = l
        .post_json(
            &format!("/api/v1/problems/{problem}/submit"),
            json!({"answers": {"s1-1-1-1_2_1": "choice_0"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut c = t.login("writer").await;
    // The delete page says a learner has work with a score.
    let page = c
        .get(&studio(&format!("outline/{}/delete", ids["s1-1-1"])))
        .await;
    assert!(
        page.body
            .contains("One learner has work here, and one has a score")
    );
    assert!(page.body.contains("leaves their grades"));
    let actor = Actor::user(author, false);
    let olx = r#"<problem><multiplechoiceresponse><label>Which licence?</label><choicegroup type="MultipleChoice"><choice correct="true">CC0</choice><choice correct="false">CC BY-SA 4.0</choice></choicegroup></multiplechoiceresponse></problem>"#;
    authoring::update_block(
        &t.app.env(),
        &actor,
        BlockId(problem),
        BlockPatch {
            content: Some(json!({"olx": olx})),
            summary: "New answer key".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = c.post_form(&studio("publish"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let body = c.get(r.location()).await.body;
    assert!(
        body.contains("one learner&#39;s score may change")
            || body.contains("one learner's score may change"),
        "{body}"
    );
    assert!(body.contains(&format!("/instructor/problems/{problem}/rescore")));
    // A forged address names nothing of another course.
    let body = c
        .get(&studio("?done=published&version=2&rescore=999999:5"))
        .await
        .body;
    assert!(!body.contains("/rescore\""));
    // The diff of the problem is line by line, with the summary.
    let d = c
        .get(&studio(&format!("history/{problem}/2?compare=previous")))
        .await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.body.contains("studio-diff__line--del"));
    assert!(d.body.contains("studio-diff__line--ins"));
    assert!(d.body.contains("New answer key"));
}

#[tokio::test]
async fn history_diff_and_restore() {
    let w = world().await;
    let mut c = w.t.login("writer").await;
    let text = w.ids["s1-1-1-1"];
    let actor = Actor::user(w.author, false);
    for words in ["Read **that** now.", "Read **that** later."] {
        authoring::update_block(
            &w.t.app.env(),
            &actor,
            BlockId(text),
            BlockPatch {
                content: Some(json!({"markdown": words})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let h = c.get(&studio("history")).await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(h.body.contains("writer"));
    assert!(h.body.contains("2 edits"), "grouped: {}", h.body);
    let b = c.get(&studio(&format!("history/{text}"))).await;
    assert_eq!(b.status, StatusCode::OK);
    assert!(b.body.contains("Current draft"));
    assert!(b.body.contains("Learners see this"));
    assert!(b.body.contains("Restore this version"));
    // Word diff: the changed word only.
    let revisions: Vec<i64> = {
        let (_, _, revs) = authoring::block_history(&w.t.app.env(), &actor, BlockId(text))
            .await
            .unwrap();
        revs.iter().map(|r| r.revision).collect()
    };
    let newest = revisions[0];
    let d = c
        .get(&studio(&format!(
            "history/{text}/{newest}?compare=previous"
        )))
        .await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(
        d.body
            .contains("<del><span class=\"visually-hidden\">[Removed: </span>now."),
        "{}",
        d.body
    );
    assert!(
        d.body
            .contains("<ins><span class=\"visually-hidden\">[Added: </span>later.")
    );
    let v = c.get(&studio(&format!("history/{text}/{newest}"))).await;
    assert!(v.body.contains("Read **that** later."));
    for bad in ["999", "x"] {
        assert_eq!(
            c.get(&studio(&format!("history/{text}/{bad}")))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        c.get(&studio("history/999999")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&studio("history?before=garbage")).await.status,
        StatusCode::NOT_FOUND
    );
    // Restore the oldest: a new revision with its words.
    let oldest = *revisions.last().unwrap();
    let r = c
        .post_form(&studio(&format!("history/{text}/{oldest}/restore")), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = c.get(r.location()).await.body;
    assert!(b.contains("Restored as a new revision"));
    assert!(b.contains(&format!("Restored revision {oldest}")));
    let p = c.get(&studio("preview/unit/s1-1-1")).await.body;
    assert!(p.contains("<strong>this</strong>"));
    // A block of another course is not found here.
    let other = w.t.seed(sample_course("OTHER", true)).await;
    let foreign = w.t.block_ids(other).await["s1-1-1-1"];
    assert_eq!(
        c.get(&studio(&format!("history/{foreign}"))).await.status,
        StatusCode::NOT_FOUND
    );
    // A restored deleted block comes back in the outline.
    let unit = w.ids["s2-1-1"];
    c.post_form(
        &studio(&format!("outline/{unit}/delete")),
        &[("confirm", "1")],
    )
    .await;
    let body = c.get(STUDIO).await.body;
    assert!(
        !body.contains(&format!("id=\"b-{unit}\"")),
        "not in the outline"
    );
    assert!(
        body.contains("Deleted, until the next publish"),
        "listed as deleted"
    );
    let r = c
        .post_form(&studio(&format!("history/{unit}/1/restore")), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        c.get(STUDIO)
            .await
            .body
            .contains(&format!("id=\"b-{unit}\""))
    );
}

#[tokio::test]
async fn studio_pages_write_nothing_and_keep_fixed_query_counts() {
    let t = TestApp::new().await;
    let small = t.seed(big_course("SMALL", 5)).await;
    let big = t.seed(big_course("BIG", 2000)).await;
    let u = t.user("writer", false).await;
    t.make_staff(u, small, CourseRole::Author).await;
    t.make_staff(u, big, CourseRole::Author).await;
    let mut c = t.login("writer").await;
    let mut counts = Vec::new();
    for key in ["SMALL", "BIG"] {
        let base = format!("/courses/course-v1:TESTORG+{key}+2026/studio");
        // Some history to page through.
        let r = c
            .post_form(
                &format!("{base}/outline/add"),
                &[("kind", "section"), ("title", "More")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut row = Vec::new();
        for page in ["", "/history", "/preview/unit/s1-1-3", "/discard"] {
            let path = format!("{base}{page}");
            assert_eq!(c.get(&path).await.status, StatusCode::OK, "{path}");
            let (q, w) = (t.queries(), t.store.write_count());
            assert_eq!(c.get(&path).await.status, StatusCode::OK, "{path}");
            assert_eq!(t.store.write_count(), w, "GET {path} wrote");
            row.push(t.queries() - q);
        }
        counts.push(row);
    }
    assert_eq!(counts[0], counts[1], "small vs 2000 units: {counts:?}");
    let budget = match backend() {
        lyceum_store::Backend::Sqlite => 0,
        lyceum_store::Backend::Postgres => 1,
    };
    assert!(counts[1][0] <= 3 + budget, "outline editor: {counts:?}");
    assert!(counts[1][1] <= 6 + budget, "history: {counts:?}");
}

#[tokio::test]
async fn studio_works_in_arabic() {
    let w = world().await;
    let mut c = w.t.login("writer").await;
    let r = c.get(&format!("{STUDIO}?uselang=ar")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("dir=\"rtl\""));
    assert!(r.body.contains("مخطط المقرر"));
    // The course's own titles keep the course's direction.
    assert!(
        r.body
            .contains("class=\"studio-outline\" lang=\"en\" dir=\"ltr\"")
    );
}

#[tokio::test]
async fn edit_in_studio_links_are_shown_to_editors_only() {
    let w = world().await;
    let outline = "/courses/course-v1:TESTORG+T101+2026/courseware";
    for (who, shown) in [
        ("writer", true),
        ("teacher", true),
        ("root", true),
        ("assistant", false),
        ("learner", false),
    ] {
        let mut c = w.t.login(who).await;
        let body = c.get(outline).await.body;
        assert_eq!(body.contains("Edit in Studio"), shown, "{who} outline");
        let dash = c.get("/dashboard").await.body;
        if who != "root" {
            assert_eq!(
                dash.contains(&format!("{STUDIO}\"")),
                shown,
                "{who} dashboard"
            );
        }
    }
    let _ = w.course;
}
