//! An open response's settings: the old settings page now sends people who may edit the
//! course to the Studio's block editor (which saves into the draft, never the live
//! block) and stays a read-only view for the rest of the course team; every setting goes
//! through the block editor's form (steps, fallback, WikiLearn scale, own options),
//! errors keep what was typed, and a rubric is copied from another open response.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::blocks::LeafContent;
use lyceum_core::blocks::open_response::{
    Aggregate, FallbackAction, OpenResponseContent, Step, WIKILEARN_SCALE,
};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId};
use lyceum_store::repo::courses;

const OR_KEY: &str = "course-v1:TESTORG+OR1+2026";

fn course() -> serde_json::Value {
    serde_json::json!({
        "org": "TESTORG", "code": "OR1", "run": "2026", "language": "en",
        "title": "Open responses", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S", "subsections": [{"title": "Assignments", "units": [
            {"title": "Mission", "blocks": [{
                "kind": "open_response", "title": "Mission statement",
                "prompts": ["Write a *mission statement*."],
                "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
            }]},
            {"title": "Plan", "blocks": [{
                "kind": "open_response", "title": "Outreach plan",
                "prompts": ["Write a plan."], "steps": ["peer", "self"],
                "criteria": [
                    {"name": "reach", "label": "Reach", "feedback": "required",
                     "options": [{"name": "low", "label": "Low", "points": 0}, {"name": "high", "label": "High", "points": 5}]},
                    {"name": "sources", "label": "Sources", "scale": "wikilearn"}
                ]
            }]}
        ]}]}]
    })
}

async fn content(
    t: &TestApp,
    course: CourseId,
    title: &str,
) -> (BlockId, String, OpenResponseContent) {
    let mut c = t.store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, course).await.unwrap();
    for &u in tree.units() {
        for &l in tree.children(u) {
            let n = tree.node(l);
            if let Some(Ok(LeafContent::OpenResponse(o))) = &n.content
                && (n.title == title || o.prompts[0].contains(title))
            {
                return (n.id, n.title.clone(), o.clone());
            }
        }
    }
    panic!("no open response {title}");
}

async fn setup() -> (TestApp, CourseId) {
    let t = TestApp::new().await;
    let course = t.seed(course()).await;
    let learner = t.user("lina", false).await;
    t.enroll(learner, course).await;
    let ta = t.user("tara", false).await;
    t.make_staff(ta, course, CourseRole::Staff).await;
    let ines = t.user("ines", false).await;
    t.make_staff(ines, course, CourseRole::Instructor).await;
    (t, course)
}

fn editor_url(block: BlockId) -> String {
    format!("/courses/{OR_KEY}/studio/block/{}", block.0)
}

/// The block's title and content in the course's draft.
async fn draft(c: &mut Client, block: BlockId) -> (String, OpenResponseContent) {
    let r = c.get(&format!("/api/v1/courses/{OR_KEY}/draft")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d: serde_json::Value = r.json();
    let b = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == block.0)
        .unwrap()
        .clone();
    (
        b["title"].as_str().unwrap().to_owned(),
        serde_json::from_value(b["content"].clone()).unwrap(),
    )
}

fn settings_url(block: BlockId) -> String {
    format!(
        "/courses/{OR_KEY}/instructor/open-responses/{}/settings",
        block.0
    )
}

#[tokio::test]
async fn only_the_team_sees_the_settings_and_editors_are_sent_to_the_block_editor() {
    let (t, course) = setup().await;
    let (block, _, before) = content(&t, course, "Mission statement").await;
    let mut lina = t.login("lina").await;
    assert_eq!(
        lina.get(&settings_url(block)).await.status,
        StatusCode::NOT_FOUND
    );
    let r = lina
        .post_form(&settings_url(block), &[("title", "Hacked")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A teaching assistant may not edit: the settings stay readable here.
    let mut tara = t.login("tara").await;
    let r = tara.get(&settings_url(block)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("You can read these settings"), "{}", r.body);

    // An instructor is sent to the block editor, which saves into the draft.
    let mut ines = t.login("ines").await;
    let r = ines.get(&settings_url(block)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), editor_url(block));
    assert_eq!(ines.get(&editor_url(block)).await.status, StatusCode::OK);

    // A post from an old copy of the page writes nothing, for anyone on the team.
    for c in [&mut tara, &mut ines] {
        let r = c
            .post_form(
                &settings_url(block),
                &[("title", "Changed"), ("steps", "staff")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), editor_url(block));
    }
    let (_, title, after) = content(&t, course, "Mission statement").await;
    assert_eq!(
        (title.as_str(), &after),
        ("Mission statement", &before),
        "nothing changed"
    );
    assert_eq!(draft(&mut ines, block).await.0, "Mission statement");
}

#[tokio::test]
async fn every_setting_goes_through_the_block_editor_into_the_draft() {
    let (t, course) = setup().await;
    let (block, _, before) = content(&t, course, "Mission statement").await;
    let mut ines = t.login("ines").await;
    let r = ines.get(&editor_url(block)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("WikiLearn scale"), "{}", r.body);
    assert!(
        r.body.contains("value=\"clarity\""),
        "the criterion keeps its name"
    );

    let r = ines
        .post_form(
            &editor_url(block),
            &[
                ("title", "Mission statement, revised"),
                ("prompt_0", "<p>Write it <script>alert(1)</script>well.</p>"),
                ("prompt_1", "<p>Name the partner.</p>"),
                ("expected_minutes", "25"),
                ("show_rubric", "on"),
                ("text", "required"),
                ("files", "optional"),
                ("files_allowed", "pdf, .PNG"),
                ("files_max_mb", "4"),
                ("files_max_count", "2"),
                ("steps", "peer,self,staff"),
                ("must_grade", "3"),
                ("graded_by", "2"),
                ("fallback_days", "4"),
                ("fallback_action", "drop"),
                ("aggregate", "mean"),
                ("allow_resubmission", "on"),
                ("weight", "6"),
                ("overall_feedback", "required"),
                ("feedback_prompt", "One thing to improve?"),
                ("c0_name", "clarity"),
                ("c0_label", "Clarity"),
                ("c0_feedback", "required"),
                ("c0_scale", "wikilearn"),
                ("c1_name", ""),
                ("c1_label", "Sources"),
                ("c1_feedback", "none"),
                ("c1_scale", "custom"),
                (
                    "c1_options",
                    "0 | None | No source at all\n2 | Some\n4 | Many | Reliable and cited",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("?notice=saved"), "{}", r.location());
    // Learners still see the published block; the draft has every setting.
    let (_, live_title, live) = content(&t, course, "Mission statement").await;
    assert_eq!((live_title.as_str(), &live), ("Mission statement", &before));
    let (title, c) = draft(&mut ines, block).await;
    assert_eq!(title, "Mission statement, revised");
    assert_eq!(
        c.prompts,
        ["<p>Write it well.</p>", "<p>Name the partner.</p>"],
        "sanitised"
    );
    assert_eq!(c.expected_minutes, Some(25));
    assert_eq!(c.steps, [Step::Peer, Step::SelfReview, Step::Staff]);
    assert_eq!((c.peer.must_grade, c.peer.graded_by), (3, 2));
    let fb = c.peer.fallback.unwrap();
    assert_eq!(
        (fb.after_days, fb.action),
        (4, FallbackAction::DropRequirement)
    );
    assert_eq!(c.aggregate, Aggregate::Mean);
    assert_eq!(c.weight, Some(6.0));
    let files = c.files.clone().unwrap();
    assert_eq!(
        (files.allowed, files.max_mb, files.max_files),
        (vec!["pdf".to_owned(), "png".to_owned()], 4, 2)
    );
    assert_eq!(c.rubric.criteria[0].name, "clarity");
    assert_eq!(
        c.rubric.criteria[0]
            .options
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        WIKILEARN_SCALE
    );
    let sources = &c.rubric.criteria[1];
    assert_eq!(
        sources
            .options
            .iter()
            .map(|o| (o.points, o.label.as_str()))
            .collect::<Vec<_>>(),
        [(0, "None"), (2, "Some"), (4, "Many")]
    );
    assert_eq!(sources.options[2].explanation, "Reliable and cited");
    assert_eq!(c.rubric.max_points(), 7);
    assert_ne!(c, before);
    // The editor shows the new values.
    let r = ines.get(r.location()).await;
    assert!(
        r.body.contains("value=\"Mission statement, revised\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("4 | Many | Reliable and cited"));
}

#[tokio::test]
async fn a_bad_option_line_is_refused_and_what_was_typed_stays() {
    let (t, course) = setup().await;
    let (block, _, before) = content(&t, course, "Mission statement").await;
    let mut ines = t.login("ines").await;
    let r = ines
        .post_form(
            &editor_url(block),
            &[
                ("title", "Mission statement"),
                ("prompt_0", "<p>Write.</p>"),
                ("text", "required"),
                ("files", "none"),
                ("steps", "staff"),
                ("c0_name", "clarity"),
                ("c0_label", "Clarity"),
                ("c0_feedback", "optional"),
                ("c0_scale", "custom"),
                ("c0_options", "three | Lots"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("this option line is not"), "{}", r.body);
    assert!(
        r.body.contains("three | Lots"),
        "the typed options are kept"
    );
    let (_, _, after) = content(&t, course, "Mission statement").await;
    assert_eq!(after, before, "nothing stored");
    assert_eq!(draft(&mut ines, block).await.1, before, "nor in the draft");
}

#[tokio::test]
async fn a_rubric_is_copied_from_another_open_response() {
    let (t, course) = setup().await;
    let (mission, _, _) = content(&t, course, "Mission statement").await;
    let (plan, _, plan_content) = content(&t, course, "Outreach plan").await;
    let mut ines = t.login("ines").await;
    let r = ines
        .post_form(
            &format!(
                "/courses/{OR_KEY}/instructor/open-responses/{}/copy-rubric",
                mission.0
            ),
            &[("from", &plan.0.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, _, c) = content(&t, course, "Mission statement").await;
    assert_eq!(c.rubric, plan_content.rubric);
    assert_eq!(c.steps, [Step::Staff], "only the rubric is copied");
    // A block of another kind or course is not a source.
    let r = ines
        .post_form(
            &format!(
                "/courses/{OR_KEY}/instructor/open-responses/{}/copy-rubric",
                mission.0
            ),
            &[("from", "999999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
