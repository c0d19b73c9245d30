//! Upstream sync over HTTP: `GET /api/v1/courses/{id}/upstream`, `…/upstream/pull`,
//! `…/upstream/resolve`, the fork's Studio page of its source's changes (without
//! script), the source's page of its forks and a fork's "What they changed"; shapes,
//! statuses, bad inputs and who may call them.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_app::forks::{ForkInput, ForkTarget};
use lyceum_core::permissions::{Actor, CourseRole};
use serde_json::{Value, json};

struct World {
    t: TestApp,
    /// The fork's key (in Fiona's personal space).
    fork: String,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    for (name, role) in [
        ("ines", CourseRole::Instructor),
        ("ada", CourseRole::Author),
    ] {
        let u = t.user(name, false).await;
        t.make_staff(u, course, role).await;
    }
    // The volunteer who forks into a personal space: autoconfirmed on the home wiki.
    let fiona = t.volunteer("fiona").await;
    let created = lyceum_app::forks::fork(
        &t.app.env(),
        &Actor::user(fiona, false),
        KEY,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap();
    let tao = t.user("tao", false).await;
    t.make_staff(tao, created.id, CourseRole::Staff).await;
    let lea = t.user("lea", false).await;
    t.enroll(lea, course).await;
    t.user("olga", false).await;
    World {
        t,
        fork: created.key,
    }
}

async fn patch(c: &mut Client, path: &str, body: Value) -> Resp {
    c.request(
        Method::PATCH,
        path,
        Body::from(body.to_string()),
        Some("application/json"),
        &[],
    )
    .await
}

/// The id of the text block reading `markdown` in `key`'s draft.
async fn text_id(c: &mut Client, key: &str, markdown: &str) -> i64 {
    let d = c.get(&format!("/api/v1/courses/{key}/draft")).await.json();
    d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["content"]["markdown"] == markdown)
        .unwrap_or_else(|| panic!("no {markdown} in {d}"))["id"]
        .as_i64()
        .unwrap()
}

async fn edit(c: &mut Client, block: i64, markdown: &str) {
    let r = patch(
        c,
        &format!("/api/v1/blocks/{block}"),
        json!({"content": {"markdown": markdown}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn publish(c: &mut Client, key: &str) {
    let r = c
        .post_json(&format!("/api/v1/courses/{key}/publish"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

impl World {
    fn api(&self, rest: &str) -> String {
        format!("/api/v1/courses/{}/upstream{rest}", self.fork)
    }

    fn page(&self, rest: &str) -> String {
        format!("/courses/{}/studio/upstream{rest}", self.fork)
    }

    /// Ada changes the source's "Two" and publishes; the ids of that text in the source
    /// and in the fork.
    async fn source_changes(&self, to: &str) -> (i64, i64) {
        let mut ada = self.t.login("ada").await;
        let mut fiona = self.t.login("fiona").await;
        let src = text_id(&mut ada, KEY, "Two").await;
        let mine = text_id(&mut fiona, &self.fork, "Two").await;
        edit(&mut ada, src, to).await;
        publish(&mut ada, KEY).await;
        (src, mine)
    }
}

#[tokio::test]
async fn the_api_lists_the_source_changes_and_pulls_them_into_the_draft() {
    let w = world().await;
    let mut fiona = w.t.login("fiona").await;
    let r = fiona.get(&w.api("")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let up = r.json();
    assert_eq!(up["source"]["course_id"], KEY);
    assert_eq!(up["source"]["state"], "open");
    assert_eq!(up["changes"], json!([]));
    // The source's draft is not the fork's business: only once published.
    let mut ada = w.t.login("ada").await;
    let src = text_id(&mut ada, KEY, "Read **this**.").await;
    edit(&mut ada, src, "Read **this** first.").await;
    assert_eq!(fiona.get(&w.api("")).await.json()["changes"], json!([]));
    publish(&mut ada, KEY).await;
    let up = fiona.get(&w.api("")).await.json();
    assert_eq!(
        up["source"]["version"],
        up["synced_version"].as_i64().unwrap() + 1
    );
    let c = &up["changes"][0];
    assert_eq!(c["id"], src);
    assert_eq!(c["change"], "changed");
    assert_eq!(c["kind"], "text");
    assert_eq!(c["conflict"], false);
    assert_eq!(c["base"]["text"], "Read **this**.");
    assert_eq!(c["theirs"]["text"], "Read **this** first.");
    assert_eq!(c["mine"]["text"], "Read **this**.");
    let mine = c["block"].as_i64().unwrap();
    assert_ne!(mine, src);
    // Pulled by the fork's id.
    let r = fiona
        .post_json(&w.api("/pull"), json!({"blocks": [mine]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pulled = r.json();
    assert_eq!(pulled["pulled"][0]["id"], src);
    assert_eq!(pulled["pulled"][0]["block"], mine);
    assert_eq!(pulled["pulled"][0]["change"], "changed");
    assert_eq!(fiona.get(&w.api("")).await.json()["changes"], json!([]));
    let d = fiona
        .get(&format!("/api/v1/courses/{}/draft", w.fork))
        .await
        .json();
    let block = d["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == mine)
        .unwrap();
    assert_eq!(block["content"]["markdown"], "Read **this** first.");
    assert_eq!(block["changed"], true, "in the draft, not yet published");
    // The history credits Ada, translated.
    let h = fiona
        .get(&format!("/courses/{}/studio/history", w.fork))
        .await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(h.body.contains("Taken from the source"), "{}", h.body);
    assert!(h.body.contains("ada"), "{}", h.body);
}

#[tokio::test]
async fn bad_pulls_are_refused_whole_and_only_the_forks_writers_may_pull() {
    let w = world().await;
    let (src, mine) = w.source_changes("Two, changed").await;
    let mut fiona = w.t.login("fiona").await;
    let r = fiona
        .post_json(&w.api("/pull"), json!({"blocks": [src, 987654321]}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("987654321"), "{}", r.body);
    assert_eq!(
        fiona.get(&w.api("")).await.json()["changes"][0]["block"],
        mine,
        "nothing applied"
    );
    let r = fiona
        .post_json(&w.api("/pull"), json!({"blocks": []}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = fiona
        .post_json(&w.api("/pull"), json!({"blocks": "all"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = fiona
        .post_json(&w.api("/pull"), json!({"blocks": [src], "extra": 1}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A course that is no fork: 409 saying so.
    let mut ines = w.t.login("ines").await;
    let r = ines.get(&format!("/api/v1/courses/{KEY}/upstream")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("not a fork"), "{}", r.body);
    let r = ines
        .post_json(
            &format!("/api/v1/courses/{KEY}/upstream/pull"),
            json!({"blocks": [src]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Who may: the fork's writers only.
    let mut anon = w.t.client();
    assert_eq!(anon.get(&w.api("")).await.status, StatusCode::UNAUTHORIZED);
    for (who, status) in [
        ("ines", StatusCode::NOT_FOUND),
        ("lea", StatusCode::NOT_FOUND),
        ("olga", StatusCode::NOT_FOUND),
        ("tao", StatusCode::FORBIDDEN),
    ] {
        let mut c = w.t.login(who).await;
        assert_eq!(c.get(&w.api("")).await.status, status, "{who}");
        let r = c.post_json(&w.api("/pull"), json!({"blocks": [src]})).await;
        assert_eq!(r.status, status, "{who} pull");
        let r = c
            .post_json(
                &w.api("/resolve"),
                json!({"block": src, "resolution": "keep-mine"}),
            )
            .await;
        assert_eq!(r.status, status, "{who} resolve");
        let r = c.get(&w.page("")).await;
        assert_eq!(r.status, status, "{who} page");
    }
    assert_eq!(
        fiona.get(&w.api("")).await.json()["changes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn conflicts_are_settled_through_the_api() {
    let w = world().await;
    let mut fiona = w.t.login("fiona").await;
    let mut ada = w.t.login("ada").await;
    let mine = text_id(&mut fiona, &w.fork, "Two").await;
    let src = text_id(&mut ada, KEY, "Two").await;
    edit(&mut fiona, mine, "Two, ours").await;
    edit(&mut ada, src, "Two, theirs").await;
    publish(&mut ada, KEY).await;
    let c = &fiona.get(&w.api("")).await.json()["changes"][0];
    assert_eq!(c["conflict"], true);
    assert_eq!(c["mine"]["text"], "Two, ours");
    let r = fiona
        .post_json(
            &w.api("/resolve"),
            json!({"block": src, "resolution": "keep-mine"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["revision"], Value::Null);
    assert_eq!(fiona.get(&w.api("")).await.json()["changes"], json!([]));
    // Again, merged.
    edit(&mut ada, src, "Two, theirs again").await;
    publish(&mut ada, KEY).await;
    edit(&mut fiona, mine, "Two, ours again").await;
    for (body, status) in [
        (
            json!({"block": src, "resolution": "merged"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"block": src, "resolution": "both"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"block": 42, "resolution": "keep-mine"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = fiona.post_json(&w.api("/resolve"), body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let r = fiona
        .post_json(
            &w.api("/resolve"),
            json!({"block": mine, "resolution": "merged", "text": "Two, both"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["revision"].as_i64().unwrap() > 1);
    assert_eq!(text_id(&mut fiona, &w.fork, "Two, both").await, mine);
}

#[tokio::test]
async fn the_studio_page_pulls_and_settles_without_script() {
    let w = world().await;
    let mut fiona = w.t.login("fiona").await;
    let mine_other = text_id(&mut fiona, &w.fork, "Three").await;
    edit(&mut fiona, mine_other, "Three, ours").await;
    let (src, mine) = w.source_changes("Two, improved").await;
    let mut ada = w.t.login("ada").await;
    let src_other = text_id(&mut ada, KEY, "Three").await;
    edit(&mut ada, src_other, "Three, theirs").await;
    publish(&mut ada, KEY).await;
    // The outline says so.
    let o = fiona.get(&format!("/courses/{}/studio", w.fork)).await;
    assert_eq!(o.status, StatusCode::OK);
    assert!(
        o.body.contains("2 changes in the source since you forked"),
        "{}",
        o.body
    );
    let r = fiona.get(&w.page("")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Changes in the source"));
    assert!(r.body.contains("<ins>"), "a diff: {}", r.body);
    assert!(r.body.contains(&format!("value=\"{src}\"")));
    assert!(r.body.contains("Changed on both sides"));
    assert!(r.body.contains("Three, ours"), "mine in the merge box");
    // Arabic renders too.
    let ar = fiona.get(&w.page("?uselang=ar")).await;
    assert_eq!(ar.status, StatusCode::OK);
    assert!(ar.body.contains("dir=\"rtl\""));
    // An unknown id: the page again with the message, nothing applied.
    let r = fiona
        .post_form(&w.page("/pull"), &[("blocks", "987654321")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("987654321"));
    let r = fiona.post_form(&w.page("/pull"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose at least one change"));
    let r = fiona
        .post_form(&w.page("/pull"), &[("blocks", &src.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = fiona.get(r.location()).await;
    assert!(done.body.contains("One change was taken"), "{}", done.body);
    assert_eq!(
        text_id(&mut fiona, &w.fork, "Two, improved").await,
        mine,
        "in the fork's draft"
    );
    // The conflict: a merged version.
    let r = fiona
        .post_form(
            &w.page(&format!("/{src_other}/resolve")),
            &[("choice", "merged"), ("title", ""), ("text", "Three, both")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        text_id(&mut fiona, &w.fork, "Three, both").await,
        mine_other
    );
    let r = fiona
        .post_form(
            &w.page(&format!("/{src_other}/resolve")),
            &[("choice", "mine")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no longer a change"
    );
    let r = fiona
        .post_form(
            &w.page(&format!("/{src_other}/resolve")),
            &[("choice", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let done = fiona.get(&w.page("")).await;
    assert!(
        done.body.contains("Nothing new in the source"),
        "{}",
        done.body
    );
}

#[tokio::test]
async fn the_source_team_sees_its_forks_and_what_they_changed() {
    let w = world().await;
    let mut ines = w.t.login("ines").await;
    let o = ines
        .get("/courses/course-v1:TESTORG+T101+2026/studio")
        .await;
    assert!(o.body.contains("One fork of this course"), "{}", o.body);
    let forks = format!("/courses/{KEY}/studio/forks");
    let r = ines.get(&forks).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Personal space"));
    assert!(r.body.contains("fiona"));
    // Unpublished and personal: only that it exists.
    assert!(r.body.contains("An unpublished fork"), "{}", r.body);
    assert!(!r.body.contains(&w.fork));
    let changes = format!("/courses/{}/fork-changes", w.fork);
    assert_eq!(ines.get(&changes).await.status, StatusCode::NOT_FOUND);
    // The fork improves a text and publishes.
    let mut fiona = w.t.login("fiona").await;
    let mine = text_id(&mut fiona, &w.fork, "Two").await;
    edit(&mut fiona, mine, "Two, clearer").await;
    publish(&mut fiona, &w.fork).await;
    let r = ines.get(&forks).await;
    assert!(r.body.contains(&w.fork), "{}", r.body);
    assert!(r.body.contains("What they changed"));
    let r = ines.get(&changes).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("clearer"), "{}", r.body);
    assert!(r.body.contains("<ins>"));
    let ar = ines.get(&format!("{changes}?uselang=ar")).await;
    assert_eq!(ar.status, StatusCode::OK);
    // The source's team only; anonymous visitors log in first.
    for (who, status) in [
        ("lea", StatusCode::NOT_FOUND),
        ("tao", StatusCode::NOT_FOUND),
    ] {
        let mut c = w.t.login(who).await;
        assert_eq!(c.get(&forks).await.status, status, "{who}");
    }
    let mut anon = w.t.client();
    assert_eq!(anon.get(&changes).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        ines.get("/courses/course-v1:TESTORG+T101+2026/fork-changes")
            .await
            .status,
        StatusCode::CONFLICT,
        "the source is no fork"
    );
}
