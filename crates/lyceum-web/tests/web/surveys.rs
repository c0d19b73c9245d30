//! Surveys over HTTP: the JSON API's stable shapes and statuses, the learner's form
//! without script (refusals in the reader's language, typed answers kept), and the
//! course team's report as JSON, CSV and a page with SVG charts (mirrored in Arabic).

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::blocks::survey::{Choice, Question, QuestionType, Survey, SurveyContent};
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::course::spec::{CourseSpec, NewBlock, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::{courses, orgs};
use serde_json::{Value, json};

const SKEY: &str = "course-v1:TESTORG+SURV+2026";

fn likert(id: &str, text: &str) -> Question {
    let mut q = Question::new(id, QuestionType::Likert, text);
    q.required = true;
    q.points = Some(5);
    q
}

fn before() -> SurveyContent {
    SurveyContent {
        questions: vec![likert("confidence", "I can edit an article")],
        ..SurveyContent::default()
    }
}

fn after(anonymous: bool) -> SurveyContent {
    let mut reason = Question::new("reason", QuestionType::SingleChoice, "Why did you finish?");
    reason.required = true;
    reason.choices = vec![
        Choice::new("cert", "Certificate"),
        Choice::new("job", "For work"),
    ];
    let mut tools = Question::new("tools", QuestionType::MultipleChoice, "Tools you used");
    tools.choices = vec![
        Choice::new("ve", "VisualEditor"),
        Choice::new("src", "Source editor"),
    ];
    SurveyContent {
        questions: vec![
            likert("confidence", "I can edit an article"),
            Question::new("recommend", QuestionType::Rating, "Would you recommend it?"),
            reason,
            tools,
            Question::new("useful", QuestionType::LongText, "What was most useful?"),
        ],
        anonymous,
        final_on_submit: true,
        before: Some("survey-before".into()),
        weight: Some(2.0),
        closes: Some("2026-12-01T00:00:00Z".parse().unwrap()),
        ..SurveyContent::default()
    }
}

fn survey_block(url_name: &str, title: &str, c: SurveyContent) -> NewBlock {
    let c = Survey::into_leaf(Survey::validate(c).unwrap());
    NewBlock {
        kind: Survey::KIND.to_owned(),
        url_name: url_name.to_owned(),
        title: title.to_owned(),
        release_at: None,
        content: c.encode(),
        children: Vec::new(),
    }
}

struct Surveys {
    course: CourseId,
    before: i64,
    after: i64,
}

async fn seed(t: &TestApp, anonymous: bool) -> Surveys {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "TESTORG", "code": "SURV", "run": "2026", "language": "en",
        "title": "Survey course", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "Start", "subsections": [{"title": "Week 1", "units": [
            {"title": "Before", "blocks": [{"kind": "text", "markdown": "Welcome"}]},
            {"title": "After", "blocks": [{"kind": "text", "markdown": "Goodbye"}]}
        ]}]}]
    }))
    .unwrap();
    let mut e = expand(spec, &mut |_| None).unwrap();
    let units = &mut e.blocks[0].children[0].children;
    units[0]
        .children
        .push(survey_block("survey-before", "Confidence before", before()));
    units[1].children.push(survey_block(
        "survey-after",
        "Pilot survey",
        after(anonymous),
    ));
    let mut tx = t.store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test Organisation", "", None, 0)
        .await
        .unwrap();
    let course = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, course, None, &e.blocks, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ids = t.block_ids(course).await;
    Surveys {
        course,
        before: ids["survey-before"],
        after: ids["survey-after"],
    }
}

async fn put(c: &mut Client, path: &str, body: Value) -> Resp {
    c.request(
        Method::PUT,
        path,
        Body::from(body.to_string()),
        Some("application/json"),
        &[],
    )
    .await
}

async fn learner(t: &TestApp, s: &Surveys, name: &str) -> (UserId, Client) {
    let u = t.user(name, false).await;
    t.enroll(u, s.course).await;
    (u, t.login(name).await)
}

#[tokio::test]
async fn the_api_answers_learners_and_refuses_as_documented() {
    let t = TestApp::new().await;
    let s = seed(&t, false).await;
    let get_path = format!("/api/v1/surveys/{}", s.after);
    let put_path = format!("/api/v1/surveys/{}/response", s.after);

    // Anonymous: 401 as other learner calls; not enrolled: 404.
    assert_eq!(
        t.client().get(&get_path).await.status,
        StatusCode::UNAUTHORIZED
    );
    t.user("stranger", false).await;
    let mut stranger = t.login("stranger").await;
    assert_eq!(stranger.get(&get_path).await.status, StatusCode::NOT_FOUND);
    let r = put(
        &mut stranger,
        &put_path,
        json!({"answers": {"reason": "cert"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let (_, mut ana) = learner(&t, &s, "ana").await;
    let r = ana.get(&get_path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["response"], Value::Null);
    assert_eq!(v["settings"]["anonymous"], false);
    assert_eq!(v["settings"]["editable"], false);
    assert_eq!(v["closed"], false);
    let qs = v["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 5);
    assert_eq!(qs[0]["id"], "confidence");
    assert_eq!(qs[0]["type"], "likert");
    assert_eq!(qs[0]["required"], true);
    assert_eq!(qs[0]["options"].as_array().unwrap().len(), 5);
    assert_eq!(qs[0]["options"][4]["label"], "Strongly agree");
    assert_eq!(qs[1]["type"], "rating");
    assert_eq!(qs[1]["options"].as_array().unwrap().len(), 11);
    assert_eq!(
        qs[2]["options"][1],
        json!({"id": "job", "label": "For work"})
    );
    assert_eq!(qs[4]["type"], "long_text");

    // Missing required answers: 422 naming them.
    let r = put(&mut ana, &put_path, json!({"answers": {"tools": ["ve"]}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v = r.json();
    assert_eq!(v["missing"], json!(["confidence", "reason"]));
    assert_eq!(v["error"]["code"], "lyceum-error-survey-missing");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("confidence, reason")
    );
    // Unknown ids, wrong types, unknown options, out of range: 422, nothing stored.
    for bad in [
        json!({"confidence": 3, "reason": "cert", "nope": 1}),
        json!({"confidence": "high", "reason": "cert"}),
        json!({"confidence": 3, "reason": "other"}),
        json!({"confidence": 3, "reason": "cert", "tools": "ve"}),
        json!({"confidence": 3, "reason": "cert", "recommend": 11}),
    ] {
        let r = put(&mut ana, &put_path, json!({ "answers": bad })).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let r = put(&mut ana, &put_path, json!({"nothing": 1})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(ana.get(&get_path).await.json()["response"], Value::Null);

    let answers = json!({"confidence": 4, "recommend": 9, "reason": "job", "tools": ["src", "ve"], "useful": "The practice"});
    let r = put(&mut ana, &put_path, json!({ "answers": answers })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["response"]["answers"]["tools"], json!(["ve", "src"]));
    assert_eq!(v["response"]["answers"]["confidence"], 4);
    assert_eq!(v["response"]["submitted_at"], "2026-11-21T12:00:00Z");
    assert_eq!(v["can_answer"], false);
    // Final on submit: a second submission is a conflict.
    let r = put(&mut ana, &put_path, json!({ "answers": answers })).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Completion and participation credit count on the progress API.
    let r = ana
        .get(&format!("/api/v1/me/courses/{SKEY}/progress"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&s.after.to_string()), "{}", r.body);

    // The "before" survey is editable: answered twice.
    let bpath = format!("/api/v1/surveys/{}/response", s.before);
    for n in [2, 3] {
        let r = put(&mut ana, &bpath, json!({"answers": {"confidence": n}})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // After the close date: 409.
    let (_, mut ben) = learner(&t, &s, "ben").await;
    t.clock.set("2026-12-02T00:00:00Z".parse().unwrap());
    let r = put(&mut ben, &put_path, json!({ "answers": answers })).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-survey-closed");
    assert_eq!(ben.get(&get_path).await.json()["closed"], true);

    // The course outline names the kind.
    let r = ana.get(&format!("/api/v1/courses/{SKEY}")).await;
    assert!(r.body.contains("\"kind\":\"survey\""), "{}", r.body);
}

#[tokio::test]
async fn the_form_works_without_script_and_keeps_what_was_typed() {
    let t = TestApp::new().await;
    let s = seed(&t, false).await;
    let (_, mut ana) = learner(&t, &s, "ana").await;
    let unit = format!("/courses/{SKEY}/unit/{}", {
        let mut c = t.store.conn().await.unwrap();
        let tree = courses::load_tree(&mut c, s.course).await.unwrap();
        let idx = tree.index_of(lyceum_core::BlockId(s.after)).unwrap();
        tree.node(tree.unit_of(idx).unwrap()).url_name.clone()
    });
    let page = ana.get(&unit).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"q.confidence\""), "{}", page.body);
    assert!(page.body.contains("Strongly disagree"));
    let action = format!("/courses/{SKEY}/survey/{}", s.after);
    assert!(page.body.contains(&action));

    // Refused in French, with what was typed kept and the missing question marked.
    let r = ana
        .post_form_with(
            &format!("{action}?uselang=fr"),
            &[
                ("q.recommend", "7"),
                ("q.useful", "Les exercices <b>pratiques</b>"),
                ("q.tools", "ve"),
            ],
            &[("accept-language", "fr")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("Veuillez répondre aux questions obligatoires"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Cette question demande une réponse"));
    assert!(
        r.body
            .contains("Les exercices &#60;b&#62;pratiques&#60;/b&#62;"),
        "typed text kept, escaped: {}",
        r.body
    );
    assert!(r.body.contains("value=\"7\" checked"));
    assert!(r.body.contains("value=\"ve\" checked"));

    let r = ana
        .post_form(
            &action,
            &[
                ("q.confidence", "5"),
                ("q.reason", "cert"),
                ("q.tools", "ve"),
                ("q.tools", "src"),
                ("q.recommend", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with(&format!("#block-{}", s.after)));
    let page = ana.get(&unit).await;
    assert!(page.body.contains("Submitted"), "{}", page.body);
    assert!(page.body.contains("Your answers are final"));
    assert!(page.body.contains("value=\"5\" checked"));
    assert!(!page.body.contains("Submit answers"));
    // Arabic: the form in Arabic, the labels of the scale too.
    let page = ana.get_with(&unit, &[("accept-language", "ar")]).await;
    assert!(page.body.contains("أوافق بشدة"), "{}", page.body);
}

#[tokio::test]
async fn reports_are_for_the_course_team_with_pairs_charts_and_csv() {
    let t = TestApp::new().await;
    let s = seed(&t, false).await;
    // (before, after) confidence per learner.
    let plan = [(2, 4), (3, 3), (4, 2), (1, 5), (2, 3), (3, 5)];
    for (i, (b, a)) in plan.iter().enumerate() {
        let (_, mut c) = learner(&t, &s, &format!("learner{i}")).await;
        let r = put(
            &mut c,
            &format!("/api/v1/surveys/{}/response", s.before),
            json!({"answers": {"confidence": b}}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let answers = json!({"confidence": a, "recommend": 8, "reason": if i % 2 == 0 {"cert"} else {"job"}, "useful": format!("Note {i}")});
        let r = put(
            &mut c,
            &format!("/api/v1/surveys/{}/response", s.after),
            json!({ "answers": answers }),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    learner(&t, &s, "idle").await;
    let report = format!("/api/v1/courses/{SKEY}/surveys/{}/report", s.after);
    // Learners and strangers: 404.
    let mut l = t.login("learner0").await;
    assert_eq!(l.get(&report).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        l.get(&format!("{report}.csv")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        l.get(&format!("/courses/{SKEY}/instructor/surveys/{}", s.after))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let staff = t.user("teacher", false).await;
    t.make_staff(staff, s.course, CourseRole::Staff).await;
    let mut teacher = t.login("teacher").await;
    let r = teacher.get(&report).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["responses"].as_i64(), v["enrolled"].as_i64()),
        (Some(6), Some(7))
    );
    let conf = &v["questions"][0];
    assert_eq!(conf["id"], "confidence");
    assert_eq!(conf["options"][4]["count"], 2);
    let p = &conf["paired"];
    assert_eq!(
        (&p["learners"], &p["improved"], &p["same"], &p["declined"]),
        (&json!(6), &json!(4), &json!(1), &json!(1))
    );
    assert_eq!(p["mean_before"], 2.5);
    assert_eq!(p["mean_after"], 3.67);
    let reason = &v["questions"][2];
    assert_eq!(
        reason["options"][0],
        json!({"value": "cert", "label": "Certificate", "count": 3, "percent": 50.0})
    );
    assert!(reason.get("paired").is_none());
    assert_eq!(v["questions"][4]["texts"][0]["name"], "learner0");

    let csv = teacher.get(&format!("{report}.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.body
            .contains("confidence,paired,I can edit an article,improved,,4,,false"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .contains("reason,single_choice,Why did you finish?,cert,Certificate,3,50,false")
    );

    // The staff pages: listed in the instructor navigation, charts readable without
    // script, mirrored in Arabic.
    let list = teacher
        .get(&format!("/courses/{SKEY}/instructor/surveys"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Pilot survey") && list.body.contains("Confidence before"));
    let gradebook = teacher
        .get(&format!("/courses/{SKEY}/instructor/gradebook"))
        .await;
    assert!(
        gradebook
            .body
            .contains(&format!("/courses/{SKEY}/instructor/surveys\""))
    );
    let page = teacher
        .get(&format!("/courses/{SKEY}/instructor/surveys/{}", s.after))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(page.body.contains("direction=\"ltr\""));
    assert!(
        page.body
            .contains("Of 6 learners who answered both surveys, 66.7 % improved."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Note 3"));
    let ar = teacher
        .get_with(
            &format!("/courses/{SKEY}/instructor/surveys/{}", s.after),
            &[("accept-language", "ar")],
        )
        .await;
    assert!(ar.body.contains("direction=\"rtl\""));
    assert!(ar.body.contains("قبل وبعد"));
}

#[tokio::test]
async fn anonymous_reports_withhold_small_groups_and_names() {
    let t = TestApp::new().await;
    let s = seed(&t, true).await;
    for i in 0..4 {
        let (_, mut c) = learner(&t, &s, &format!("learner{i}")).await;
        put(
            &mut c,
            &format!("/api/v1/surveys/{}/response", s.before),
            json!({"answers": {"confidence": 2}}),
        )
        .await;
        let r = put(&mut c, &format!("/api/v1/surveys/{}/response", s.after),
            json!({"answers": {"confidence": 4, "reason": "cert", "useful": format!("Secret {i}")}})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let staff = t.user("teacher", false).await;
    t.make_staff(staff, s.course, CourseRole::Instructor).await;
    let mut teacher = t.login("teacher").await;
    let report = format!("/api/v1/courses/{SKEY}/surveys/{}/report", s.after);
    let v = teacher.get(&report).await.json();
    assert_eq!(v["anonymous"], true);
    assert_eq!(v["responses"], 4);
    let conf = &v["questions"][0];
    assert_eq!(conf["suppressed"], true);
    assert_eq!(conf["options"][3]["count"], Value::Null);
    assert_eq!(conf["paired"]["suppressed"], true);
    assert_eq!(conf["paired"]["improved"], Value::Null);
    assert_eq!(v["questions"][4]["texts"], json!([]));
    let page = teacher
        .get(&format!("/courses/{SKEY}/instructor/surveys/{}", s.after))
        .await;
    assert!(!page.body.contains("Secret"));
    assert!(!page.body.contains("learner0"));

    // A fifth response: counts and comments show, without names.
    let (_, mut c) = learner(&t, &s, "learner4").await;
    put(
        &mut c,
        &format!("/api/v1/surveys/{}/response", s.after),
        json!({"answers": {"confidence": 5, "reason": "job", "useful": "Secret 4"}}),
    )
    .await;
    let v = teacher.get(&report).await.json();
    assert_eq!(v["questions"][0]["options"][3]["count"], 4);
    let texts = v["questions"][4]["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 5);
    assert!(texts.iter().all(|t| t.get("name").is_none()));
    let csv = teacher.get(&format!("{report}.csv")).await;
    assert!(
        (0..5).all(|i| !csv.body.contains(&format!("learner{i}"))),
        "{}",
        csv.body
    );
}
