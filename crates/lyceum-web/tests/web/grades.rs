//! Grades over HTTP: the Progress page and API agree with Open edX's arithmetic, and stay
//! right when staff override a score, change the policy or rescore a corrected problem;
//! the gradebook, its exports and every learner record are private to the course team.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::courses;
use serde_json::json;
use std::collections::HashMap;

struct World {
    t: TestApp,
    course: CourseId,
    ids: HashMap<String, i64>,
    learner: UserId,
}

/// The learner has answered HW one (3.75 of 5), nothing of HW two, and the exam's
/// 10-point dropdown.
async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("Q101")).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    let ta = t.user("ta", false).await;
    t.make_staff(ta, course, CourseRole::Staff).await;
    let ids = t.block_ids(course).await;
    let mut c = t.login("learner").await;
    for (problem, answer) in [
        ("s1-1-1-1", json!("choice_1")),
        ("s1-1-1-2", json!(["choice_0"])),
        ("s1-1-1-3", json!("3.14")),
        ("s1-1-1-4", json!("WD")),
        ("s1-1-1-5", json!("GFDL")),
        ("s2-1-1-1", json!("CC0")),
    ] {
        let r = c
            .post_json(
                &format!("/api/v1/problems/{}/submit", ids[problem]),
                json!({"answers": {format!("{problem}_2_1"): answer}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{problem}: {}", r.body);
    }
    World {
        t,
        course,
        ids,
        learner,
    }
}

async fn progress(c: &mut Client) -> serde_json::Value {
    let r = c
        .get(&format!("/api/v1/me/courses/{QUIZ_KEY}/progress"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn subsection<'a>(p: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    p["subsections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn grades_follow_scores_overrides_policy_and_rescoring() {
    let w = world().await;
    let mut me = w.t.login("learner").await;
    let p = progress(&mut me).await;
    // HW one 3.75/5 = 75 %, HW two 0 %: Homework 37.5 %. Exam 10/11 = 91 %. Total
    // 0.5 × 0.375 + 0.5 × 0.91 = 0.6425 → 64 %: Pass, not A.
    assert_eq!(
        (
            subsection(&p, "s1-1")["earned"].as_f64(),
            subsection(&p, "s1-1")["possible"].as_f64(),
            subsection(&p, "s1-1")["percent"].as_f64()
        ),
        (Some(3.75), Some(5.0), Some(75.0))
    );
    assert_eq!(subsection(&p, "s1-1")["label"], "HW 1");
    assert_eq!(subsection(&p, "s2-1")["percent"], 91.0);
    assert_eq!(subsection(&p, "s2-2")["graded"], false);
    assert_eq!(
        (
            p["percent"].as_f64(),
            p["letter_grade"].as_str(),
            p["passed"].as_bool()
        ),
        (Some(64.0), Some("Pass"), Some(true)),
        "{p}"
    );
    assert_eq!(p["assignment_types"][0]["percent"], 37.5);

    // Staff give full marks on the closed HW two, with a reason.
    let mut ta = w.t.login("ta").await;
    let action = format!(
        "/courses/{QUIZ_KEY}/instructor/learners/{}/problems/{}",
        w.learner.0, w.ids["s1-2-1-1"]
    );
    let r = ta
        .post_form(
            &action,
            &[("action", "override"), ("points", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    assert!(r.body.contains("Give a reason"));
    let r = ta
        .post_form(
            &action,
            &[("action", "override"), ("points", "2"), ("reason", "late")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "at most the points possible"
    );
    let r = ta
        .post_form(
            &action,
            &[
                ("action", "override"),
                ("points", "1"),
                ("reason", "Submitted by email on time"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Homework (0.75 + 1) / 2 → 0.4375 + 0.455 = 0.8925 → 89 %.
    let p = progress(&mut me).await;
    assert_eq!(p["percent"], 89.0);
    assert_eq!(subsection(&p, "s1-2")["problems"][0]["overridden"], true);
    let page = me.get(&format!("/courses/{QUIZ_KEY}/progress")).await.body;
    assert!(
        page.contains("adjusted by the course team") && page.contains("Current grade: 89% (Pass)"),
        "the learner sees it"
    );
    let detail = ta
        .get(&format!(
            "/courses/{QUIZ_KEY}/instructor/learners/{}",
            w.learner.0
        ))
        .await
        .body;
    assert!(
        detail.contains("Submitted by email on time"),
        "reason recorded"
    );
    assert!(detail.contains("set the score of"), "and logged");

    // The instructor lowers the A cutoff: the letter changes at once. (TAs may not.)
    let mut teacher = w.t.login("teacher").await;
    let grading = format!("/courses/{QUIZ_KEY}/instructor/grading");
    let mut form = policy_form(&mut teacher, &grading).await;
    set(&mut form, "cutoff_value_0", "85");
    assert_eq!(
        ta.post_form(&grading, &as_refs(&form)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = teacher.post_form(&grading, &as_refs(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(progress(&mut me).await["letter_grade"], "A");

    // The dropdown's answer was wrong: corrected to GFDL. Scores keep until rescored, as
    // in Open edX; rescoring fixes every learner's grade.
    correct_dropdown(&w.t, w.course, w.ids["s1-1-1-5"]).await;
    assert_eq!(subsection(&progress(&mut me).await, "s1-1")["earned"], 3.75);
    let r = ta
        .post_empty(&format!(
            "/courses/{QUIZ_KEY}/instructor/problems/{}/rescore",
            w.ids["s1-1-1-5"]
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = ta.get(r.location()).await.body;
    assert!(
        page.contains("rescored for 1 learner; 1 score changed"),
        "{page}"
    );
    let p = progress(&mut me).await;
    // HW one 4.75/5 = 95 %: Homework 0.975 → 0.4875 + 0.455 = 0.9425 → 94 %.
    assert_eq!(
        (
            subsection(&p, "s1-1")["earned"].as_f64(),
            p["percent"].as_f64()
        ),
        (Some(4.75), Some(94.0))
    );
    let unit = me
        .get(&format!("/courses/{QUIZ_KEY}/unit/s1-1-1"))
        .await
        .body;
    assert!(
        unit.contains("Correct (1/1 point)"),
        "the problem shows the new result"
    );

    // A graded subsection made ungraded in the policy form leaves the grade.
    set(
        &mut form,
        "format_{HW2}"
            .replace(
                "{HW2}",
                &subsection_id(&w.t, w.course, "s1-2").await.to_string(),
            )
            .as_str(),
        "",
    );
    set(&mut form, "type_min_0", "1");
    assert_eq!(
        teacher.post_form(&grading, &as_refs(&form)).await.status,
        StatusCode::SEE_OTHER
    );
    let p = progress(&mut me).await;
    assert_eq!(subsection(&p, "s1-2")["graded"], false);
    // Homework is now HW one alone (95 %): 0.475 + 0.455 = 0.93 → 93 %.
    assert_eq!(p["percent"], 93.0);
}

async fn subsection_id(t: &TestApp, course: CourseId, url_name: &str) -> i64 {
    t.block_ids(course).await[url_name]
}

/// Change the dropdown's correct answer, as an author would.
async fn correct_dropdown(t: &TestApp, course: CourseId, block: i64) {
    let mut c = t.store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, course).await.unwrap();
    let node = tree.node(tree.index_of(BlockId(block)).unwrap());
    let Some(Ok(lyceum_core::blocks::LeafContent::Problem(p))) = &node.content else {
        panic!("not a problem")
    };
    let mut p = p.clone();
    p.xml = p.xml.replace(r#"correct="CC0""#, r#"correct="GFDL""#);
    p.parsed = None;
    courses::update_block(
        &mut c,
        node.id,
        &node.title,
        &serde_json::to_string(&p).unwrap(),
        None,
        0,
    )
    .await
    .unwrap();
    courses::bump_content_version(&mut c, course, 0)
        .await
        .unwrap();
}

/// The grading form's fields as currently filled in.
async fn policy_form(c: &mut Client, url: &str) -> Vec<(String, String)> {
    let page = c.get(url).await.body;
    let mut out = Vec::new();
    let mut rest = page.as_str();
    while let Some(i) = rest.find("name=\"") {
        rest = &rest[i + 6..];
        let name = &rest[..rest.find('"').unwrap()];
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        if name.starts_with("format_") {
            // A select: the selected option.
            let select_end = rest.find("</select>").unwrap();
            let options = &rest[..select_end];
            let value = options
                .split("<option")
                .find(|o| o.contains(" selected"))
                .and_then(|o| o.split('"').nth(1))
                .unwrap_or("");
            out.push((name.to_owned(), value.to_owned()));
        } else if let Some(v) = tag.find("value=\"") {
            let v = &tag[v + 7..];
            out.push((name.to_owned(), v[..v.find('"').unwrap()].to_owned()));
        } else {
            out.push((name.to_owned(), String::new()));
        }
    }
    out
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    let slot = form
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    slot.1 = value.to_owned();
}

fn as_refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn progress_page_draws_charts_and_mirrors_them_in_arabic() {
    let w = world().await;
    let mut me = w.t.login("learner").await;
    let page = me.get(&format!("/courses/{QUIZ_KEY}/progress")).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(
        b.contains(r#"id="grade-chart""#)
            && b.contains(r#"id="type-chart-0""#)
            && b.contains(r#"id="type-chart-1""#)
    );
    assert!(b.contains(r#"direction="ltr""#));
    assert!(
        b.contains(">HW 1</text>") && b.contains(">HW 2</text>") && b.contains(">Pass</text>"),
        "labels and cutoffs"
    );
    assert!(b.contains("Current grade: 64% (Pass)") && b.contains("You are passing this course."));
    assert!(b.contains("3.75 of 5 points (75%)"), "subsection scores");
    assert!(
        b.contains("0/1</span> <span class=\"muted\">not attempted"),
        "unanswered problems"
    );
    assert!(b.contains("Practice (ungraded)"));
    assert!(b.contains("<svg class=\"chart\""), "drawn on the server");
    set_accept_language(&mut me, "ar");
    let ar = me.get(&format!("/courses/{QUIZ_KEY}/progress")).await.body;
    assert!(
        ar.contains(r#"dir="rtl""#) && ar.contains(r#"direction="rtl""#),
        "the charts mirror"
    );
}

#[tokio::test]
async fn gradebook_search_filters_and_exports() {
    let w = world().await;
    for name in ["-cmd", "zed", "amy"] {
        let u = w.t.user(name, false).await;
        w.t.enroll(u, w.course).await;
    }
    let mut ta = w.t.login("ta").await;
    let gb = format!("/courses/{QUIZ_KEY}/instructor/gradebook");
    let page = ta.get(&gb).await.body;
    assert!(
        page.contains("Showing 1–4 of 4 learners"),
        "staff are not listed as learners"
    );
    assert!(
        page.contains(">HW 1</th>") && page.contains(">HW 2</th>") && page.contains(">Exam 1</th>")
    );
    assert!(page.contains("64%"));
    let found = ta.get(&format!("{gb}?q=LEARN")).await.body;
    assert!(found.contains("Showing 1–1 of 1 learner") && found.contains(">learner</a>"));
    let passing = ta.get(&format!("{gb}?status=passing")).await.body;
    assert!(passing.contains("of 1 learner") && passing.contains(">learner</a>"));
    let failing = ta.get(&format!("{gb}?status=failing")).await.body;
    assert!(failing.contains("of 3 learners") && !failing.contains(">learner</a>"));
    let exam = ta.get(&format!("{gb}?type=Exam")).await.body;
    assert!(exam.contains(">Exam 1</th>") && !exam.contains(">HW 1</th>"));

    let csv = ta
        .get(&format!("/courses/{QUIZ_KEY}/instructor/grades.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").contains("attachment"));
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "user_id,username,grade,letter_grade,passed,HW 1,HW 2,Exam 1,HW (avg),Exam (avg)"
    );
    assert!(
        lines.contains(
            &format!(
                "{},learner,0.64,Pass,true,0.75,0,0.91,0.38,0.91",
                w.learner.0
            )
            .as_str()
        ),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains(",\"'-cmd\",")),
        "formula-like names are defused: {lines:?}"
    );

    let answers = ta
        .get(&format!("/courses/{QUIZ_KEY}/instructor/answers.csv"))
        .await
        .body;
    assert!(
        answers.contains("s1-1-1-1_2_1,choice_1,CC BY-SA 4.0,correct,1,1"),
        "{answers}"
    );
    assert!(
        answers.contains(r#"s1-1-1-2_2_1,"[""choice_0""]",Wikidata,partially-correct,0.75,1"#),
        "{answers}"
    );
}

#[tokio::test]
async fn grades_and_answers_are_private() {
    let w = world().await;
    let other_course = w.t.seed(quiz_course("Q202")).await;
    let other_staff = w.t.user("otherstaff", false).await;
    w.t.make_staff(other_staff, other_course, CourseRole::Instructor)
        .await;
    let other = w.t.user("other", false).await;
    w.t.enroll(other, w.course).await;
    w.t.user("admin", true).await;
    let who = ["anonymous", "other", "otherstaff", "learner", "ta", "admin"];
    let mut clients = vec![w.t.client()];
    for n in &who[1..] {
        clients.push(w.t.login(n).await);
    }
    let l = w.learner.0;
    let block = w.ids["s1-1-1-1"];
    // (what, method+path, expected per `who`)
    let cases: Vec<(&str, String, [u16; 6])> = vec![
        (
            "someone's progress",
            format!("GET /courses/{QUIZ_KEY}/progress?learner={l}"),
            [404, 404, 404, 200, 200, 200],
        ),
        (
            "gradebook",
            format!("GET /courses/{QUIZ_KEY}/instructor/gradebook"),
            [404, 404, 404, 404, 200, 200],
        ),
        (
            "instructor root",
            format!("GET /courses/{QUIZ_KEY}/instructor"),
            [303, 303, 303, 303, 303, 303],
        ),
        (
            "learner detail",
            format!("GET /courses/{QUIZ_KEY}/instructor/learners/{l}"),
            [404, 404, 404, 404, 200, 200],
        ),
        (
            "grades csv",
            format!("GET /courses/{QUIZ_KEY}/instructor/grades.csv"),
            [404, 404, 404, 404, 200, 200],
        ),
        (
            "answers csv",
            format!("GET /courses/{QUIZ_KEY}/instructor/answers.csv"),
            [404, 404, 404, 404, 200, 200],
        ),
        (
            "problems",
            format!("GET /courses/{QUIZ_KEY}/instructor/problems"),
            [404, 404, 404, 404, 200, 200],
        ),
        (
            "policy",
            format!("GET /courses/{QUIZ_KEY}/instructor/grading"),
            [404, 404, 404, 404, 200, 200],
        ),
        (
            "override",
            format!("POST /courses/{QUIZ_KEY}/instructor/learners/{l}/problems/{block}"),
            [404, 404, 404, 404, 400, 400],
        ),
        (
            "rescore",
            format!("POST /courses/{QUIZ_KEY}/instructor/problems/{block}/rescore"),
            [404, 404, 404, 404, 303, 303],
        ),
        (
            "my progress API",
            format!("GET /api/v1/me/courses/{QUIZ_KEY}/progress"),
            [401, 200, 404, 200, 200, 200],
        ),
    ];
    for (what, req, expected) in &cases {
        let (method, path) = req.split_once(' ').unwrap();
        for (i, want) in expected.iter().enumerate() {
            let r = if method == "GET" {
                clients[i].get(path).await
            } else {
                clients[i].post_empty(path).await
            };
            assert_eq!(
                r.status.as_u16(),
                *want,
                "{what} as {}: {}",
                who[i],
                &r.body[..r.body.len().min(200)]
            );
            if *want == 404 {
                assert!(
                    !r.body.contains("learner") || !r.body.contains("64%"),
                    "{what} as {}: nothing leaks",
                    who[i]
                );
            }
        }
    }
    // The instructor link goes to the gradebook, which is itself private.
    let r = clients[0]
        .get(&format!("/courses/{QUIZ_KEY}/instructor"))
        .await;
    assert!(r.location().ends_with("/instructor/gradebook"));
    // The API progress of "other" (enrolled, nothing answered) is theirs, not the learner's.
    let theirs = clients[1]
        .get(&format!("/api/v1/me/courses/{QUIZ_KEY}/progress"))
        .await
        .json();
    assert_eq!(theirs["percent"], 0.0);
    // Staff of another course cannot reach this course's learner through theirs either.
    let r = clients[2]
        .get(&format!(
            "/courses/course-v1:TESTORG+Q202+2026/instructor/learners/{l}"
        ))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "not a learner of that course"
    );
    // The Instructor tab shows for the team only.
    let tab = |body: &str| body.contains("/instructor/gradebook\">Instructor<");
    assert!(!tab(&clients[3]
        .get(&format!("/courses/{QUIZ_KEY}/courseware"))
        .await
        .body));
    assert!(tab(&clients[4]
        .get(&format!("/courses/{QUIZ_KEY}/courseware"))
        .await
        .body));
}

#[tokio::test]
async fn progress_costs_the_same_queries_in_any_course_size() {
    let t = TestApp::new().await;
    let small = t.seed(graded_course("G10", 10)).await;
    let big = t.seed(graded_course("G200", 200)).await;
    let u = t.user("learner", false).await;
    t.enroll(u, small).await;
    t.enroll(u, big).await;
    let mut c = t.login("learner").await;
    for (course, key) in [
        (small, "course-v1:TESTORG+G10+2026"),
        (big, "course-v1:TESTORG+G200+2026"),
    ] {
        let ids = t.block_ids(course).await;
        for b in ["s1-1-1-1", "s1-1-1-2"] {
            c.post_json(
                &format!("/api/v1/problems/{}/submit", ids[b]),
                json!({"answers": {format!("{b}_2_1"): "yes"}}),
            )
            .await;
        }
        let _ = key;
    }
    let mut counts = Vec::new();
    for key in ["course-v1:TESTORG+G10+2026", "course-v1:TESTORG+G200+2026"] {
        let mut per = Vec::new();
        for path in [
            format!("/courses/{key}/progress"),
            format!("/api/v1/me/courses/{key}/progress"),
        ] {
            assert_eq!(c.get(&path).await.status, StatusCode::OK, "{path}");
            let before = t.queries();
            let r = c.get(&path).await;
            assert_eq!(r.status, StatusCode::OK);
            per.push(t.queries() - before);
        }
        counts.push(per);
    }
    assert_eq!(counts[0], counts[1], "10 problems vs 200: {counts:?}");
    assert!(counts[1].iter().all(|&n| n <= 6), "{counts:?}");
    // And the grade is right in the big one: 2 of 200, lowest of 20 quizzes dropped.
    let p = c
        .get("/api/v1/me/courses/course-v1:TESTORG+G200+2026/progress")
        .await
        .json();
    assert_eq!(
        p["assignment_types"][0]["percent"],
        round(0.2 / 19.0 * 100.0)
    );
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Issue 10, defect 6: every number the platform formats on an Arabic page (percentages,
/// scores, counts, attempts, dates, chart labels) is written in one digit system, CLDR's
/// default for Arabic (Latin digits). Before, `{{formatnum:}}` wrote Arabic-Indic digits
/// beside Latin counts and dates.
#[tokio::test]
async fn an_arabic_page_writes_every_number_in_one_digit_system() {
    let w = world().await;
    let mut me = w.t.login("learner").await;
    set_accept_language(&mut me, "ar");
    let native =
        |c: char| ('\u{660}'..='\u{669}').contains(&c) || ('\u{6F0}'..='\u{6F9}').contains(&c);
    for (path, formatted) in [
        // The grade and subsection scores, chart labels and values.
        (
            format!("/courses/{QUIZ_KEY}/progress"),
            vec!["64%", "3.75", ">HW 1</text>"],
        ),
        // Completion percentage and unit counts.
        (format!("/courses/{QUIZ_KEY}/courseware"), vec!["%"]),
        // Points, attempts ("1 من أصل 2"), results.
        (format!("/courses/{QUIZ_KEY}/unit/s1-1-1"), vec!["1 من أصل"]),
        // Dates: day and year.
        (format!("/courses/{QUIZ_KEY}/dates"), vec!["2026"]),
    ] {
        let page = me.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let body = &page.body;
        assert!(body.contains(r#"lang="ar""#), "{path} is in Arabic");
        let odd: String = body.chars().filter(|&c| native(c)).collect();
        assert!(
            odd.is_empty(),
            "{path}: digits of another system ({odd}): {body}"
        );
        for want in formatted {
            assert!(
                body.contains(want),
                "{path}: {want} in Latin digits: {body}"
            );
        }
    }
    // The French page writes numbers its own way (decimal comma), also in one system.
    set_accept_language(&mut me, "fr");
    let fr = me.get(&format!("/courses/{QUIZ_KEY}/progress")).await.body;
    assert!(fr.contains("3,75"), "{fr}");
}
