//! Problems over HTTP: scoring every input kind through the JSON API and the page form,
//! answers that persist, attempt limits, due dates with grace, bad input that uses no
//! attempt, and double submits that never count twice.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::UserId;
use lyceum_store::repo::problems;
use serde_json::json;
use std::collections::HashMap;

struct Quiz {
    t: TestApp,
    ids: HashMap<String, i64>,
    learner: UserId,
    course: lyceum_core::CourseId,
    c: Client,
}

async fn quiz() -> Quiz {
    let t = TestApp::new().await;
    let course = t.seed(quiz_course("Q101")).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    let ids = t.block_ids(course).await;
    let c = t.login("learner").await;
    Quiz {
        t,
        ids,
        learner,
        course,
        c,
    }
}

impl Quiz {
    fn submit_url(&self, problem: &str) -> String {
        format!("/api/v1/problems/{}/submit", self.ids[problem])
    }

    async fn submit(&mut self, problem: &str, answers: serde_json::Value) -> Resp {
        let url = self.submit_url(problem);
        self.c.post_json(&url, json!({ "answers": answers })).await
    }

    async fn attempts(&self, problem: &str) -> (i64, usize) {
        let mut c = self.t.store.conn().await.unwrap();
        let block = lyceum_core::BlockId(self.ids[problem]);
        let state = problems::state(&mut c, self.learner, block)
            .await
            .unwrap()
            .map_or(0, |s| s.attempts);
        (
            state,
            problems::submissions_of(&mut c, self.learner, block)
                .await
                .unwrap()
                .len(),
        )
    }
}

/// The HTML of one block on a unit page.
pub fn block_html(page: &str, block: i64) -> &str {
    let start = page
        .find(&format!(r#"id="block-{block}""#))
        .unwrap_or_else(|| panic!("block {block} not on the page"));
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

fn id(problem: &str) -> String {
    format!("{problem}_2_1")
}

#[tokio::test]
async fn every_input_kind_is_scored_like_open_edx() {
    let mut q = quiz().await;
    // (problem, answer, correctness, earned, possible)
    let cases = [
        ("s1-1-1-1", json!("choice_1"), "correct", 1.0, 1.0),
        (
            "s1-1-1-2",
            json!(["choice_0"]),
            "partially-correct",
            0.75,
            1.0,
        ),
        ("s1-1-1-3", json!(" 3.15 "), "correct", 1.0, 1.0),
        ("s1-1-1-4", json!("  wikidata"), "correct", 1.0, 1.0),
        ("s1-1-1-5", json!("GFDL"), "incorrect", 0.0, 1.0),
        ("s2-1-1-1", json!(["CC0"]), "correct", 10.0, 10.0),
    ];
    for (problem, answer, correctness, earned, possible) in cases {
        let r = q.submit(problem, json!({ id(problem): answer })).await;
        assert_eq!(r.status, StatusCode::OK, "{problem}: {}", r.body);
        let j = r.json();
        assert_eq!(
            j["results"][id(problem)]["correctness"],
            correctness,
            "{problem}: {j}"
        );
        assert_eq!(
            (j["earned"].as_f64(), j["possible"].as_f64()),
            (Some(earned), Some(possible)),
            "{problem}"
        );
        assert_eq!(j["attempts_used"], 1);
        assert_eq!(j["duplicate"], false);
    }
    // A checkbox answer as a lone string is a list of one; choice feedback comes back.
    let r = q
        .submit("s1-1-1-1", json!({ id("s1-1-1-1"): "choice_0" }))
        .await
        .json();
    assert_eq!(r["results"][id("s1-1-1-1")]["correctness"], "incorrect");
    assert!(
        r["results"][id("s1-1-1-1")]["feedback"]
            .as_str()
            .unwrap()
            .contains("Wikidata"),
        "{r}"
    );
    assert_eq!(
        (r["attempts_used"].as_i64(), r["max_attempts"].as_i64()),
        (Some(2), Some(2))
    );

    // Correctness hidden by the author: the score is not revealed either.
    let r = q
        .submit("s2-1-1-2", json!({ id("s2-1-1-2"): "Wikidata" }))
        .await
        .json();
    assert_eq!(
        (
            r["results"].is_null(),
            r["earned"].is_null(),
            r["possible"].as_f64()
        ),
        (true, true, Some(1.0)),
        "{r}"
    );

    // The answers are kept and shown again, on this device or another.
    let mut other_device = q.t.login("learner").await;
    let page = other_device
        .get(&format!("/courses/{QUIZ_KEY}/unit/s1-1-1"))
        .await
        .body;
    assert!(
        page.contains(r#"value="choice_0" checked"#),
        "the last radio answer is checked"
    );
    assert!(page.contains(r#"value=" 3.15 ""#), "the number as typed");
    assert!(
        page.contains("Partially correct (0.75/1 point)"),
        "EDC partial credit shown"
    );
    assert!(page.contains("You have used 2 of 2 attempts"));
    assert!(page.contains("1 point possible (graded)"));
    // Each question is shown, tied to its input.
    assert!(
        block_html(&page, q.ids["s1-1-1-1"])
            .contains(r#"<legend class="problem__label">Which licence do Wikipedia"#)
    );
    let numerical = block_html(&page, q.ids["s1-1-1-3"]);
    assert!(
        numerical.contains(
            r#"<label class="problem__label" for="s1-1-1-3_2_1-field">Pi to two decimals</label>"#
        ),
        "{numerical}"
    );
    assert!(
        numerical.contains(r#"id="s1-1-1-3_2_1-field""#)
            && numerical.contains(r#"inputmode="decimal""#)
    );
    let practice = other_device
        .get(&format!("/courses/{QUIZ_KEY}/unit/s2-2-1"))
        .await
        .body;
    assert!(practice.contains("1 point possible (ungraded)"));
    let hidden = other_device
        .get(&format!("/courses/{QUIZ_KEY}/unit/s2-1-1"))
        .await
        .body;
    assert!(
        hidden.contains("Results will be shown after the due date"),
        "hidden correctness on the page too"
    );
}

#[tokio::test]
async fn attempts_run_out_and_nothing_more_is_stored() {
    let mut q = quiz().await;
    for answer in ["choice_0", "choice_2"] {
        assert_eq!(
            q.submit("s1-1-1-1", json!({ id("s1-1-1-1"): answer }))
                .await
                .status,
            StatusCode::OK
        );
    }
    let r = q
        .submit("s1-1-1-1", json!({ id("s1-1-1-1"): "choice_1" }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.json()["error"]["code"],
        "lyceum-error-problem-no-attempts"
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not recorded")
    );
    assert_eq!(q.attempts("s1-1-1-1").await, (2, 2));
    // The page says so, offers no Submit, and shows the answer ("attempted").
    let page =
        q.c.get(&format!("/courses/{QUIZ_KEY}/unit/s1-1-1"))
            .await
            .body;
    let block = block_html(&page, q.ids["s1-1-1-1"]);
    assert!(block.contains("You have used all your attempts"));
    assert!(
        !block.contains(r#"name="action" value="submit""#),
        "no Submit button"
    );
    assert!(
        block.contains(r#"name="action" value="show""#),
        "show answer allowed after an attempt"
    );
}

#[tokio::test]
async fn due_dates_close_problems_after_the_grace_period() {
    let mut q = quiz().await;
    // HW two was due 2026-11-01: with 24 h of grace it closed on 11-02.
    let r = q
        .submit("s1-2-1-1", json!({ id("s1-2-1-1"): "Wikidata" }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-problem-past-due");
    assert_eq!(q.attempts("s1-2-1-1").await, (0, 0), "nothing stored");
    let page =
        q.c.get(&format!("/courses/{QUIZ_KEY}/unit/s1-2-1"))
            .await
            .body;
    assert!(page.contains("past its due date"));
    // HW one is due 12-01 00:00: still open an hour after, in the grace period…
    q.t.clock.set("2026-12-01T01:00:00Z".parse().unwrap());
    q.c = q.t.login("learner").await;
    assert_eq!(
        q.submit("s1-1-1-4", json!({ id("s1-1-1-4"): "WD" }))
            .await
            .status,
        StatusCode::OK
    );
    // …and closed once it is over, through the page form too.
    q.t.clock.set("2026-12-02T00:00:01Z".parse().unwrap());
    q.c = q.t.login("learner").await;
    assert_eq!(
        q.submit("s1-1-1-4", json!({ id("s1-1-1-4"): "x" }))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let url = format!("/courses/{QUIZ_KEY}/problem/{}", q.ids["s1-1-1-4"]);
    let r =
        q.c.post_form(
            &url,
            &[
                ("action", "submit"),
                (&id("s1-1-1-4"), "y"),
                ("attempt", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("past its due date"),
        "the page explains why"
    );
    assert_eq!(q.attempts("s1-1-1-4").await, (1, 1));
    // A problem without a due date closes with the course's end.
    q.t.clock.set("2027-07-02T00:00:00Z".parse().unwrap());
    q.c = q.t.login("learner").await;
    assert_eq!(
        q.submit("s2-1-1-1", json!({ id("s2-1-1-1"): "CC0" }))
            .await
            .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn bad_input_uses_no_attempt() {
    let mut q = quiz().await;
    // An input the problem does not have: 422, whatever else is in the request.
    let r = q
        .submit(
            "s1-1-1-3",
            json!({ id("s1-1-1-3"): "3.14", "s1-1-1-3_9_1": "1" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-capa-unknown-input");
    // Another problem's input id is unknown here too.
    assert_eq!(
        q.submit("s1-1-1-3", json!({ id("s1-1-1-4"): "x" }))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A number that cannot be read: the learner is told, the attempt does not count.
    for typed in ["three", "3,14", "1e", "nan"] {
        let r = q.submit("s1-1-1-3", json!({ id("s1-1-1-3"): typed })).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed}: {}",
            r.body
        );
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(typed),
            "{typed}: the message quotes it: {}",
            r.body
        );
    }
    // Decimal commas and other digits get a message that says what to change.
    let r = q
        .submit("s1-1-1-3", json!({ id("s1-1-1-3"): "3,14" }))
        .await
        .json();
    assert_eq!(r["error"]["code"], "lyceum-error-capa-numerical-comma");
    let r = q
        .submit("s1-1-1-3", json!({ id("s1-1-1-3"): "٣٫١٤" }))
        .await
        .json();
    assert_eq!(r["error"]["code"], "lyceum-error-capa-numerical-digits");
    // A list for a text input, malformed JSON.
    assert_eq!(
        q.submit("s1-1-1-3", json!({ id("s1-1-1-3"): ["1", "2"] }))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let url = q.submit_url("s1-1-1-3");
    assert_eq!(
        q.c.post_json(&url, json!({"answer": 1})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(q.attempts("s1-1-1-3").await, (0, 0));
    // The page form keeps what was typed and explains, in the learner's language.
    set_accept_language(&mut q.c, "fr");
    let form = format!("/courses/{QUIZ_KEY}/problem/{}", q.ids["s1-1-1-3"]);
    let r =
        q.c.post_form(
            &form,
            &[
                ("action", "submit"),
                (&id("s1-1-1-3"), "trois"),
                ("attempt", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"value="trois""#));
    assert!(r.body.contains("cdx-message--error"));
    assert_eq!(q.attempts("s1-1-1-3").await, (0, 0));
    // Nonexistent problems, and blocks that are not problems.
    assert_eq!(
        q.c.post_json("/api/v1/problems/999999/submit", json!({"answers": {}}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let unit = format!("/api/v1/problems/{}/submit", q.ids["s1-1-1"]);
    assert_eq!(
        q.c.post_json(&unit, json!({"answers": {}})).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn double_submits_never_count_twice() {
    let mut q = quiz().await;
    let url = q.submit_url("s1-1-1-4");
    let body = json!({"answers": { id("s1-1-1-4"): "nope" }});
    // A retried request with the same key: the stored result, no second attempt.
    let first =
        q.c.post_json_with(&url, body.clone(), &[("idempotency-key", "abc-1")])
            .await
            .json();
    let again =
        q.c.post_json_with(&url, body.clone(), &[("idempotency-key", "abc-1")])
            .await
            .json();
    assert_eq!(
        (first["duplicate"].as_bool(), again["duplicate"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(again["attempts_used"], 1);
    // Even with other answers: the key identifies the request.
    let other =
        q.c.post_json_with(
            &url,
            json!({"answers": { id("s1-1-1-4"): "WD" }}),
            &[("idempotency-key", "abc-1")],
        )
        .await
        .json();
    assert_eq!(
        (
            other["duplicate"].as_bool(),
            other["results"][id("s1-1-1-4")]["correctness"].as_str()
        ),
        (Some(true), Some("incorrect"))
    );
    // The same answers again without a key (a double click): not counted either.
    assert_eq!(
        q.c.post_json(&url, body.clone()).await.json()["duplicate"],
        true
    );
    assert_eq!(q.attempts("s1-1-1-4").await, (1, 1));
    // A second tab that still shows attempt 0 sends other answers: refused, not counted.
    let stale =
        q.c.post_json(
            &url,
            json!({"answers": { id("s1-1-1-4"): "WD" }, "expected_attempts": 0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["error"]["code"], "lyceum-error-problem-stale");
    assert_eq!(q.attempts("s1-1-1-4").await, (1, 1));

    // Two tabs submitting different answers at the same moment: one attempt counts, the
    // other is refused. Raced a dozen times to catch interleavings.
    let url2 = q.submit_url("s1-1-1-2");
    let mut a = q.t.login("learner").await;
    let mut b = q.t.login("learner").await;
    let choice = |k: usize| format!("choice_{}", k % 4);
    for round in 0..12usize {
        let (ra, rb) = tokio::join!(
            a.post_json(&url2, json!({"answers": { id("s1-1-1-2"): [choice(round)] }, "expected_attempts": round})),
            b.post_json(&url2, json!({"answers": { id("s1-1-1-2"): [choice(round + 1), choice(round + 2)] }, "expected_attempts": round})),
        );
        let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            ra.body,
            rb.body
        );
        let n = i64::try_from(round).unwrap() + 1;
        assert_eq!(
            q.attempts("s1-1-1-2").await,
            (n, usize::try_from(n).unwrap()),
            "round {round}"
        );
    }

    // The page form: a resubmitted form (same key) is one attempt.
    let form = format!("/courses/{QUIZ_KEY}/problem/{}", q.ids["s1-1-1-5"]);
    let fields = [
        ("action", "submit"),
        ("key", "form-key-1"),
        ("attempt", "0"),
        (&*id("s1-1-1-5"), "CC0"),
    ];
    for _ in 0..2 {
        let r = q.c.post_form(&form, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(
            r.location()
                .ends_with(&format!("/unit/s1-1-1#block-{}", q.ids["s1-1-1-5"]))
        );
    }
    assert_eq!(q.attempts("s1-1-1-5").await, (1, 1));
}

#[tokio::test]
async fn hints_reset_and_show_answer() {
    let mut q = quiz().await;
    let unit = format!("/courses/{QUIZ_KEY}/unit/s1-1-1");
    let form = |b: &str| format!("/courses/{QUIZ_KEY}/problem/{}", q.ids[b]);
    let (mc, dd) = (form("s1-1-1-1"), form("s1-1-1-5"));
    let page = q.c.get(&unit).await.body;
    assert!(page.contains("Hint (1 of 2)"));
    assert!(!page.contains("Think of share-alike"));
    q.c.post_form(&mc, &[("action", "hint")]).await;
    let page = q.c.get(&unit).await.body;
    assert!(
        page.contains("Think of share-alike") && !page.contains("It is a Creative Commons licence")
    );
    q.c.post_form(&mc, &[("action", "hint")]).await;
    assert!(
        q.c.get(&unit)
            .await
            .body
            .contains("It is a Creative Commons licence"),
        "hints come one at a time"
    );
    // No answer before an attempt ("attempted"); asking anyway shows nothing.
    assert!(
        !q.c.get(&format!("{unit}?show={}", q.ids["s1-1-1-1"]))
            .await
            .body
            .contains("since 2023")
    );
    q.submit("s1-1-1-1", json!({ id("s1-1-1-1"): "choice_0" }))
        .await;
    let r = q.c.post_form(&mc, &[("action", "show")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = q.c.get(r.location()).await.body;
    assert!(
        shown.contains("since 2023") && shown.contains("Correct answer"),
        "explanation and marked answer"
    );
    // Reset clears the answers, keeps the attempts (Open edX's Reset).
    q.submit("s1-1-1-5", json!({ id("s1-1-1-5"): "GFDL" }))
        .await;
    assert!(
        q.c.get(&unit)
            .await
            .body
            .contains(r#"<option value="GFDL" selected>"#)
    );
    assert_eq!(
        q.c.post_form(&dd, &[("action", "reset")]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = q.c.get(&unit).await.body;
    assert!(!page.contains(r#"<option value="GFDL" selected>"#));
    assert_eq!(q.attempts("s1-1-1-5").await, (1, 1));
    // Not enrolled: no submitting.
    q.t.user("visitor", false).await;
    let mut v = q.t.login("visitor").await;
    let url = q.submit_url("s1-1-1-4");
    assert_eq!(
        v.post_json(&url, json!({"answers": {}})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        q.t.client()
            .post_json(&url, json!({"answers": {}}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// Four dropdowns in one question, as in the issue.
const FOUR_MENUS: &str = r#"<problem><optionresponse><p>Wikipedia <optioninput options="('is','is not')" correct="is"/> free to read; Wikidata <optioninput options="('is','is not')" correct="is"/> CC0; Commons <optioninput options="('is','is not')" correct="is"/> a media archive; Fandom <optioninput options="('is','is not')" correct="is not"/> a Wikimedia project.</p></optionresponse></problem>"#;

const MENUS_KEY: &str = "course-v1:TESTORG+M101+2026";

#[tokio::test]
async fn empty_answers_are_not_graded_and_use_no_attempt() {
    let mut q = quiz().await;
    // Nothing chosen, nothing ticked, nothing typed, no option: through the JSON API…
    let cases = [
        ("s1-1-1-1", json!({})),
        ("s1-1-1-1", json!({ id("s1-1-1-1"): "" })),
        ("s1-1-1-2", json!({ id("s1-1-1-2"): [] })),
        ("s1-1-1-3", json!({ id("s1-1-1-3"): "  " })),
        ("s1-1-1-4", json!({ id("s1-1-1-4"): "" })),
        ("s1-1-1-5", json!({ id("s1-1-1-5"): "" })),
    ];
    for (problem, answers) in cases {
        let r = q.submit(problem, answers.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{problem} {answers}: {}",
            r.body
        );
        assert_eq!(
            r.json()["error"]["code"],
            "lyceum-error-problem-incomplete-one",
            "{problem}"
        );
        assert_eq!(q.attempts(problem).await, (0, 0), "{problem}: no attempt");
    }
    // …and through the page form, which says so in the learner's language and marks the
    // question; the problem with two attempts still has both.
    set_accept_language(&mut q.c, "fr");
    let form = format!("/courses/{QUIZ_KEY}/problem/{}", q.ids["s1-1-1-1"]);
    let r =
        q.c.post_form(&form, &[("action", "submit"), ("attempt", "0")])
            .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let block = block_html(&r.body, q.ids["s1-1-1-1"]);
    assert!(
        block.contains("aucune tentative n’a été utilisée"),
        "{block}"
    );
    assert!(block.contains("problem__missing") && block.contains("Sans réponse"));
    assert!(!block.contains("Incorrect"), "not graded: {block}");
    assert_eq!(q.attempts("s1-1-1-1").await, (0, 0));
    // A real answer counts; an empty one afterwards still does not.
    let r = q
        .submit("s1-1-1-1", json!({ id("s1-1-1-1"): "choice_0" }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = q.submit("s1-1-1-1", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(q.attempts("s1-1-1-1").await, (1, 1));

    // A dropdown problem with one of four menus chosen is not graded: the learner is told
    // which parts are missing, in their language.
    let course = q
        .t
        .seed(json!({
            "org": "TESTORG", "code": "M101", "run": "2026", "language": "en",
            "title": "Menus", "short_description": "", "overview": "",
            "start": "2026-09-01T00:00:00Z", "published": true,
            "sections": [{"title": "S", "subsections": [{"title": "SS", "units": [
                {"title": "U", "blocks": [{"kind": "problem", "xml": FOUR_MENUS, "max_attempts": 2}]}
            ]}]}]
        }))
        .await;
    q.t.enroll(q.learner, course).await;
    let ids = q.t.block_ids(course).await;
    let url = format!("/api/v1/problems/{}/submit", ids["s1-1-1-1"]);
    set_accept_language(&mut q.c, "en");
    let r =
        q.c.post_json(&url, json!({"answers": {"s1-1-1-1_2_1": "is"}}))
            .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    assert_eq!(j["error"]["code"], "lyceum-error-problem-incomplete");
    let message = j["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("3 answers are missing out of 4 (parts 2, 3, 4)"),
        "{message}"
    );
    set_accept_language(&mut q.c, "ar");
    let r =
        q.c.post_json(
            &url,
            json!({"answers": {"s1-1-1-1_2_1": "is", "s1-1-1-1_2_2": "is", "s1-1-1-1_2_3": "is"}}),
        )
        .await;
    let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("الجزء 4"), "{message}");
    // The page form marks exactly the menus left empty.
    let form = format!("/courses/{MENUS_KEY}/problem/{}", ids["s1-1-1-1"]);
    let r =
        q.c.post_form(
            &form,
            &[
                ("action", "submit"),
                ("attempt", "0"),
                ("s1-1-1-1_2_1", "is"),
                ("s1-1-1-1_2_2", ""),
                ("s1-1-1-1_2_3", "is not"),
                ("s1-1-1-1_2_4", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body.matches(r#"aria-invalid="true""#).count(), 2);
    assert!(r.body.contains(r#"id="s1-1-1-1_2_2-missing""#));
    assert!(r.body.contains(r#"id="s1-1-1-1_2_4-missing""#));
    let mut c = q.t.store.conn().await.unwrap();
    let block = lyceum_core::BlockId(ids["s1-1-1-1"]);
    assert!(
        problems::state(&mut c, q.learner, block)
            .await
            .unwrap()
            .is_none()
    );
    drop(c);
    // All four answered: graded, one attempt.
    let r =
        q.c.post_json(
            &url,
            json!({"answers": {"s1-1-1-1_2_1": "is", "s1-1-1-1_2_2": "is", "s1-1-1-1_2_3": "is", "s1-1-1-1_2_4": "is"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["earned"], 3.0);
    assert_eq!(r.json()["attempts_used"], 1);
}

#[tokio::test]
async fn mark_as_done_is_for_reading_and_video_units_only() {
    let mut q = quiz().await;
    let unit = format!("/courses/{QUIZ_KEY}/unit/s1-1-1");
    // No button on a unit of problems, and the POST is refused with a clear message.
    let page = q.c.get(&unit).await.body;
    assert!(!page.contains("Mark as done"), "{page}");
    let r =
        q.c.post_form(&format!("{unit}/done"), &[("done", "1")])
            .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("cannot be marked as done"), "{}", r.body);
    let page = q.c.get(&unit).await.body;
    assert!(!page.contains("You completed this unit"));
    // A completion recorded by hand before this rule existed no longer counts.
    let mut c = q.t.store.conn().await.unwrap();
    let course = q.course;
    lyceum_store::repo::learner::record_completions(
        &mut c,
        q.learner,
        course,
        &[lyceum_core::BlockId(q.ids["s1-1-1"])],
        lyceum_store::repo::learner::CompletionSource::Manual,
        0,
    )
    .await
    .unwrap();
    drop(c);
    let page = q.c.get(&unit).await.body;
    assert!(!page.contains("You completed this unit"));
    let progress =
        q.c.get(&format!("/api/v1/me/courses/{QUIZ_KEY}/progress"))
            .await
            .json();
    assert_eq!(progress["completed_units"], 0, "{progress}");
    // Answered, every problem: complete.
    for (p, a) in [
        ("s1-1-1-1", json!("choice_1")),
        ("s1-1-1-2", json!(["choice_0"])),
        ("s1-1-1-3", json!("3.14")),
        ("s1-1-1-4", json!("wikidata")),
        ("s1-1-1-5", json!("CC0")),
    ] {
        assert_eq!(
            q.submit(p, json!({ id(p): a })).await.status,
            StatusCode::OK
        );
    }
    let page = q.c.get(&unit).await.body;
    assert!(page.contains("You completed this unit"));
}
