//! Wiki tasks over HTTP: the JSON API's stable shapes and statuses (private to the course,
//! 401 for anonymous posts, 429 on rapid checks), "Check my work" as a form without
//! script, the course team's dashboard (JSON, CSV escaped against formulas, pages) and the
//! learner's own page, and the kind's name in the course API's outline.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::UserId;
use lyceum_core::permissions::CourseRole;
use serde_json::{Value, json};

const WKEY: &str = "course-v1:TESTORG+WIKI+2026";

/// A course with a graded edit task on `wiki` and an upload task, one unit each.
fn wiki_course(wiki: &str) -> Value {
    json!({
        "org": "TESTORG", "code": "WIKI", "run": "2026", "language": "en",
        "title": "Editing basics", "short_description": "", "overview": "", "published": true,
        "start": "2026-01-01T00:00:00Z",
        "sections": [{"title": "Practice", "subsections": [{"title": "Drafts", "units": [
            {"title": "Your first draft", "blocks": [
                {"kind": "text", "markdown": "Drafts live in your user space."},
                {"kind": "wiki_task", "title": "A draft with a reference", "wiki": wiki,
                 "graded": true,
                 "instructions": "<p>Write a draft with a reference.</p>",
                 "criteria": {"type": "edit", "title_pattern": "User:{username}/*", "must_contain": ["<ref"]},
                 "prefill": {"title": "User:{username}/Draft", "summary": "My first draft"}}
            ]},
            {"title": "Upload", "blocks": [
                {"kind": "wiki_task", "title": "Upload an image", "wiki": wiki,
                 "criteria": {"type": "upload"}}
            ]}
        ]}]}]
    })
}

struct Fixture {
    t: TestApp,
    task: i64,
    learner: UserId,
}

/// The course on a wiki named `localwiki` at `url` (unreachable by default), a learner
/// enrolled and linked to the wiki account `Learner1` (user id `central`), an
/// instructor, and a stranger.
async fn fixture_at(url: &str, central: i64) -> Fixture {
    fixture_with(url, central, false).await
}

/// With `login`, the site offers Wikimedia login (so Preferences can link an account).
async fn fixture_with(url: &str, central: i64, login: bool) -> Fixture {
    let url = url.to_owned();
    let t = TestApp::with(backend(), move |c| {
        if login {
            c.wikimedia = Some(lyceum_web::WikimediaLogin {
                rest_base: "http://127.0.0.1:9/w/rest.php".into(),
                client_id: "lyceum-test".into(),
                client_secret: lyceum_wiki::oauth::Secret::new("s3cret"),
                scopes: vec![],
                home_wiki_api: None,
            });
        }
        c.wikis.wikimedia = false;
        c.wikis.sites = vec![lyceum_web::WikiSite {
            name: "localwiki".into(),
            url,
        }];
    })
    .await;
    let course = t.seed(wiki_course("localwiki")).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, course, CourseRole::Instructor).await;
    t.user("stranger", false).await;
    {
        let mut c = t.store.conn().await.unwrap();
        lyceum_store::repo::users::insert_wikimedia_account(
            &mut c, central, learner, "Learner1", None, 0,
        )
        .await
        .unwrap();
    }
    let ids = t.block_ids(course).await;
    Fixture {
        task: ids["s1-1-1-2"],
        t,
        learner,
    }
}

async fn fixture() -> Fixture {
    // Nothing listens on port 9 of the loopback: the wiki cannot be reached.
    fixture_at("http://127.0.0.1:9", 3).await
}

fn wiki_api(task: i64) -> String {
    format!("/api/v1/wiki-tasks/{task}")
}

#[tokio::test]
async fn the_task_api_answers_its_stable_shape_to_the_course_only() {
    let f = fixture().await;
    let path = wiki_api(f.task);

    // Anonymous: 401 to read and to check.
    let mut anon = f.t.client();
    assert_eq!(anon.get(&path).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        anon.post_empty(&format!("{path}/check")).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Not enrolled, not staff: the task does not exist for them.
    let mut stranger = f.t.login("stranger").await;
    assert_eq!(stranger.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.post_empty(&format!("{path}/check")).await.status,
        StatusCode::NOT_FOUND
    );
    // Nor does a block that is not a task, or no block at all.
    let mut learner = f.t.login("learner").await;
    assert_eq!(
        learner.get(&wiki_api(f.task - 1)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        learner.get(&wiki_api(999_999)).await.status,
        StatusCode::NOT_FOUND
    );

    let r = learner.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["block"], f.task);
    assert_eq!(v["status"], "not_started");
    assert_eq!(v["evidence"], json!([]));
    assert!(v.get("last_checked").is_some(), "{v}");
    assert!(v.get("note").is_some(), "{v}");
    let c = &v["criteria"];
    assert_eq!(c["type"], "edit");
    assert_eq!(c["wiki"], "localwiki");
    // As the learner sees it: their wiki name in the pattern.
    assert_eq!(c["title_pattern"], "User:Learner1/*");
    assert_eq!(c["must_contain"], json!(["<ref"]));
    assert_eq!(v["wiki_username"], "Learner1");
    let link = v["wiki_url"].as_str().unwrap();
    assert!(link.starts_with("http://127.0.0.1:9/w/index.php"), "{link}");
    assert!(link.contains("Learner1"), "{link}");
    assert!(link.contains("action=edit"), "{link}");

    // The course team reads it too (their own state: not started).
    let mut teacher = f.t.login("teacher").await;
    let r = teacher.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "not_started");

    // The OpenAPI document describes the calls.
    let doc = f.t.client().get("/api/v1/openapi.json").await.json();
    for p in [
        "/api/v1/wiki-tasks/{block_id}",
        "/api/v1/wiki-tasks/{block_id}/check",
        "/api/v1/courses/{course_id}/wiki-activity",
        "/api/v1/courses/{course_id}/wiki-activity.csv",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
}

#[tokio::test]
async fn a_wiki_that_cannot_be_reached_is_a_note_and_rapid_checks_wait() {
    let f = fixture().await;
    let path = format!("{}/check", wiki_api(f.task));
    let mut learner = f.t.login("learner").await;
    // The sync job has just tried the wiki: that is not the learner's check, and does
    // not make them wait (they may have made their edit a second ago).
    sync(&f.t.app).await;
    let r = learner.post_empty(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "not_started");
    assert_eq!(v["note"], "wiki_unavailable", "{v}");
    // Checked again at once: wait.
    let r = learner.post_empty(&path).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(!r.header("retry-after").is_empty());
}

#[tokio::test]
async fn a_wiki_this_site_does_not_read_says_so() {
    let t = TestApp::with(backend(), |c| c.wikis.wikimedia = false).await;
    let course = t.seed(wiki_course("en.wikipedia.org")).await;
    let learner = t.user("learner", false).await;
    t.enroll(learner, course).await;
    let ids = t.block_ids(course).await;
    let mut c = t.login("learner").await;
    let v = c.get(&wiki_api(ids["s1-1-1-2"])).await.json();
    assert_eq!(v["note"], "wiki_not_available");
    assert_eq!(v["wiki_url"], Value::Null);
    let page = c.get(&format!("/courses/{WKEY}/unit/s1-1-1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("not available on this site"),
        "{}",
        page.body
    );
    // No link to a wiki the site does not read, and nothing to check.
    assert!(!page.body.contains("wiki-task__go"));
    assert!(!page.body.contains("/check\""));
}

#[tokio::test]
async fn check_my_work_is_a_form_that_works_without_script() {
    let f = fixture().await;
    let unit = format!("/courses/{WKEY}/unit/s1-1-1");
    let mut learner = f.t.login("learner").await;
    let page = learner.get(&unit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let action = format!("/courses/{WKEY}/wiki-task/{}/check", f.task);
    assert!(
        page.body.contains(&format!("action=\"{action}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("Check my work"));
    assert!(page.body.contains("Do it on the wiki"));
    // What counts, in plain words, with the learner's wiki name.
    assert!(
        page.body
            .contains("Create or edit a page whose title matches")
    );
    assert!(page.body.contains("User:Learner1/*"));
    assert!(page.body.contains("With at least one reference"));
    assert!(page.body.contains("Not done yet"));
    assert!(
        page.body
            .contains(&format!("/courses/{WKEY}/wiki-activity"))
    );

    let r = learner.post_form(&action, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{unit}#block-{}", f.task));
    let page = learner.get(&unit).await;
    assert!(
        page.body.contains("The wiki could not be reached"),
        "{}",
        page.body
    );
    assert!(page.body.contains("we will try again"), "{}", page.body);
    // Too soon: the page says how long to wait.
    let r = learner.post_form(&action, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());

    // Anonymous: to the login; a stranger: 404.
    let r = f.t.client().post_form(&action, &[]).await;
    assert!(
        r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNAUTHORIZED,
        "{:?}",
        r.status
    );
    let mut stranger = f.t.login("stranger").await;
    assert_eq!(
        stranger.post_form(&action, &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_learner_without_a_linked_account_is_told_where_to_link_it() {
    let f = fixture().await;
    let other = f.t.user("newbie", false).await;
    let course = {
        let mut c = f.t.store.conn().await.unwrap();
        lyceum_store::repo::courses::find_by_key(&mut c, WKEY)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    f.t.enroll(other, lyceum_core::CourseId(course)).await;
    let mut c = f.t.login("newbie").await;
    let r = c.post_empty(&format!("{}/check", wiki_api(f.task))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["note"], "no_identity");
    // This site offers no Wikimedia login: no dead link to Preferences, but who can help.
    let page = c.get(&format!("/courses/{WKEY}/unit/s1-1-1")).await;
    assert!(!page.body.contains("href=\"/preferences#wikimedia\""));
    assert!(
        page.body.contains("does not offer Wikimedia login"),
        "{}",
        page.body
    );

    // Where it does, the note links to the Preferences section that links an account.
    let f = fixture_with("http://127.0.0.1:9", 3, true).await;
    let other = f.t.user("newbie", false).await;
    let course = {
        let mut c = f.t.store.conn().await.unwrap();
        lyceum_store::repo::courses::find_by_key(&mut c, WKEY)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    f.t.enroll(other, lyceum_core::CourseId(course)).await;
    let mut c = f.t.login("newbie").await;
    let page = c.get(&format!("/courses/{WKEY}/unit/s1-1-1")).await;
    assert!(
        page.body.contains("href=\"/preferences#wikimedia\""),
        "{}",
        page.body
    );
    let prefs = c.get("/preferences").await;
    assert!(prefs.body.contains("id=\"wikimedia\""));
}

#[tokio::test]
async fn the_wiki_activity_is_for_the_course_team_with_csv_escaped() {
    let f = fixture().await;
    // A display name a spreadsheet would run as a formula.
    let course = {
        let mut c = f.t.store.conn().await.unwrap();
        lyceum_store::repo::courses::find_by_key(&mut c, WKEY)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let sly =
        lyceum_web::create_local_user(&f.t.store, "sly", "=HYPERLINK(\"x\")", PASSWORD, false, 0)
            .await
            .unwrap();
    f.t.enroll(sly, lyceum_core::CourseId(course)).await;

    let json_path = format!("/api/v1/courses/{WKEY}/wiki-activity");
    let csv_path = format!("{json_path}.csv");
    let mut learner = f.t.login("learner").await;
    assert_eq!(learner.get(&json_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(learner.get(&csv_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        f.t.client().get(&json_path).await.status,
        StatusCode::UNAUTHORIZED
    );

    let mut teacher = f.t.login("teacher").await;
    let r = teacher.get(&json_path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["course_id"], WKEY);
    let learners = v["learners"].as_array().unwrap();
    let lina = learners
        .iter()
        .find(|l| l["username"] == "learner")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(lina["wiki_username"], "Learner1");
    for k in [
        "edits",
        "pages_created",
        "pages_edited",
        "bytes_added",
        "references_added",
        "uploads",
    ] {
        assert_eq!(lina[k], 0, "{k}: {lina}");
        assert!(v["total"].get(k).is_some(), "total {k}");
    }
    assert!(lina["per_wiki"].is_array());

    let r = teacher.get(&csv_path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("text/csv"));
    let text = r.body.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "username,display_name,wiki_username,edits,pages_created,pages_edited,bytes_added,references_added,uploads,last_checked"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), learners.len());
    let sly_row = rows.iter().find(|l| l.starts_with("sly,")).unwrap();
    assert!(sly_row.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{sly_row}");
    // The staff page's CSV is the same file.
    let r = teacher
        .get(&format!("/courses/{WKEY}/instructor/wiki-activity.csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("references_added"));
}

#[tokio::test]
async fn the_dashboard_and_activity_pages_render_for_whom_they_are() {
    let f = fixture().await;
    let dash = format!("/courses/{WKEY}/instructor/wiki-activity");
    let one = format!("{dash}/learner");
    let own = format!("/courses/{WKEY}/wiki-activity");

    let mut teacher = f.t.login("teacher").await;
    let r = teacher.get(&dash).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Wiki activity"));
    assert!(r.body.contains(&format!("href=\"{one}\"")), "{}", r.body);
    assert!(r.body.contains("Learner1"));
    assert!(r.body.contains("References added"));
    // Listed in the instructor navigation.
    let gb = teacher
        .get(&format!("/courses/{WKEY}/instructor/gradebook"))
        .await;
    assert!(gb.body.contains(&format!("href=\"{dash}\"")));

    let r = teacher.get(&one).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("A draft with a reference"));
    assert!(r.body.contains("Confirm credit"));
    assert!(r.body.contains("Nothing found on the wikis yet."));
    assert_eq!(
        teacher.get(&format!("{dash}/nobody-here")).await.status,
        StatusCode::NOT_FOUND
    );

    // In Arabic, right to left.
    let r = teacher.get(&format!("{dash}?uselang=ar")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("dir=\"rtl\""));
    assert!(r.body.contains("النشاط على الويكي"));

    // The learner: their own page, not the team's.
    let mut learner = f.t.login("learner").await;
    assert_eq!(learner.get(&dash).await.status, StatusCode::NOT_FOUND);
    assert_eq!(learner.get(&one).await.status, StatusCode::NOT_FOUND);
    let r = learner.get(&own).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("My work on the wikis"));
    assert!(r.body.contains("Learner1"));
    assert!(r.body.contains("A draft with a reference"));
    assert!(r.body.contains("Upload an image"));
    // Linked from the learner's Progress page.
    let r = learner.get(&format!("/courses/{WKEY}/progress")).await;
    assert!(r.body.contains(&format!("href=\"{own}\"")), "{}", r.body);

    // Anyone else: nothing there.
    let mut stranger = f.t.login("stranger").await;
    assert_eq!(stranger.get(&own).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get(&dash).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_confirm_a_learners_credit_from_their_page() {
    let f = fixture().await;
    let one = format!("/courses/{WKEY}/instructor/wiki-activity/learner");
    let confirm = format!("{one}/confirm");
    let block = f.task.to_string();

    // Not for learners, and a form without its fields is refused.
    let mut learner = f.t.login("learner").await;
    assert_eq!(
        learner
            .post_form(&confirm, &[("block", &block), ("confirmed", "1")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut teacher = f.t.login("teacher").await;
    assert_eq!(
        teacher
            .post_form(&confirm, &[("block", &block)])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let r = teacher
        .post_form(&confirm, &[("block", &block), ("confirmed", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{one}#task-{block}"));
    let page = teacher.get(&one).await;
    assert!(
        page.body.contains("Withdraw the confirmation"),
        "{}",
        page.body
    );
    // The learner sees the confirmation on the task.
    let v = learner.get(&wiki_api(f.task)).await.json();
    assert!(v["confirmed_at"].is_string(), "{v}");
    let _ = f.learner;
}

#[tokio::test]
async fn the_course_api_outline_names_the_wiki_task_kind() {
    let f = fixture().await;
    let v =
        f.t.client()
            .get(&format!("/api/v1/courses/{WKEY}"))
            .await
            .json();
    fn kinds(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(k)) = o.get("kind") {
                    out.push(k.clone());
                }
                o.values().for_each(|x| kinds(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| kinds(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    kinds(&v["outline"], &mut found);
    assert_eq!(
        found.iter().filter(|k| *k == "wiki_task").count(),
        2,
        "{found:?}"
    );
}

#[tokio::test]
async fn opening_a_unit_with_a_task_is_recorded_once() {
    let f = fixture().await;
    let mut learner = f.t.login("learner").await;
    let seen = format!("/courses/{WKEY}/unit/s1-1-1/seen");
    assert_eq!(
        learner.post_empty(&seen).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        learner.post_empty(&seen).await.status,
        StatusCode::NO_CONTENT
    );
    let mut c = f.t.store.conn().await.unwrap();
    let rows = lyceum_store::Db::rows(
        &mut c,
        lyceum_store::q("SELECT first_at FROM unit_opens WHERE user_id = $1").bind(f.learner.0),
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
}

/// On the real MediaWiki (`lyceum_wiki::testing`): a learner makes a draft in their user
/// space with a reference, presses "Check my work", and the task is done with the edit
/// as evidence; the course team's dashboard counts the edit, the page and the reference.
/// A fresh wiki account keeps other tests' edits out of the verdict.
#[tokio::test]
async fn a_draft_made_on_a_real_mediawiki_is_checked_done_and_counted() {
    let Some(w) = lyceum_wiki::testing::mediawiki().await else {
        eprintln!("skipped: LYCEUM_TEST_NO_MEDIAWIKI=1");
        return;
    };
    let account = w.create_account("Wweb").await;
    let mut editor = w.login(&account.user, &account.password).await;
    let f = fixture_at(w.server.as_str(), editor.userid).await;
    // The learner's link names the account as the wiki does.
    {
        let mut c = f.t.store.conn().await.unwrap();
        c_exec(
            &mut c,
            "UPDATE wikimedia_accounts SET username = $2 WHERE user_id = $1",
            f.learner.0,
            &editor.user,
        )
        .await;
    }
    // The site's clock at the wiki's time: the edit is made now.
    f.t.clock.set(jiff::Timestamp::now());
    let mut learner = f.t.login("learner").await;

    // The link opens the edit form of the draft, under the learner's wiki name.
    let v = learner.get(&wiki_api(f.task)).await.json();
    let link = v["wiki_url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(w.index.as_str()), "{link}");
    assert!(link.contains("action=edit"), "{link}");

    // Nothing yet.
    let check = format!("{}/check", wiki_api(f.task));
    let v = learner.post_empty(&check).await.json();
    assert_eq!(v["status"], "not_started", "{v}");
    assert_eq!(v["note"], "nothing_found_yet", "{v}");

    let title = format!(
        "User:{}/{}",
        editor.user,
        lyceum_wiki::testing::unique("Draft")
    );
    let saved = editor
        .create(
            &title,
            "Lyceum is a learning platform.<ref>https://example.org/lyceum</ref>\n\n== References ==\n<references />",
            "Editing basics: my first draft",
            &[],
        )
        .await;
    // Past the wait between checks.
    f.t.clock
        .set(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(10));
    let r = learner
        .post_form(&format!("/courses/{WKEY}/wiki-task/{}/check", f.task), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = learner.get(&wiki_api(f.task)).await.json();
    assert_eq!(v["status"], "done", "{v}");
    let ev = &v["evidence"][0];
    assert_eq!(ev["revid"], saved.revid, "{v}");
    assert_eq!(ev["title"], saved.title);
    assert_eq!(ev["wiki"], "localwiki");
    assert!(ev["sizediff"].as_i64().unwrap() > 0);
    assert!(
        ev["url"]
            .as_str()
            .unwrap()
            .contains(&saved.revid.to_string())
    );
    assert!(v["last_checked"].is_string());
    let page = learner.get(&format!("/courses/{WKEY}/unit/s1-1-1")).await;
    assert!(
        page.body.contains("wiki-task__status--done"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("diff={}", saved.revid)));

    let mut teacher = f.t.login("teacher").await;
    let a = teacher
        .get(&format!("/api/v1/courses/{WKEY}/wiki-activity"))
        .await
        .json();
    let me = a["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["username"] == "learner")
        .unwrap()
        .clone();
    assert!(me["edits"].as_i64().unwrap() >= 1, "{a}");
    assert!(me["pages_created"].as_i64().unwrap() >= 1, "{a}");
    assert!(me["bytes_added"].as_i64().unwrap() > 0, "{a}");
    let page = teacher
        .get(&format!("/courses/{WKEY}/instructor/wiki-activity/learner"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("diff={}", saved.revid)),
        "{}",
        page.body
    );
}

async fn c_exec(c: &mut lyceum_store::Conn, sql: &'static str, id: i64, s: &str) {
    lyceum_store::Db::exec(c, lyceum_store::q(sql).bind(id).bind(s))
        .await
        .unwrap();
}

async fn statements(t: &TestApp, c: &mut Client, path: &str) -> u64 {
    assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
    let before = t.queries();
    assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
    t.queries() - before
}

/// The wiki pages read in a fixed number of statements, whatever the cohort's size.
#[tokio::test]
async fn wiki_pages_do_not_grow_with_the_cohort() {
    let f = fixture().await;
    let course = {
        let mut c = f.t.store.conn().await.unwrap();
        lyceum_store::repo::courses::find_by_key(&mut c, WKEY)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let pages_staff = [
        format!("/courses/{WKEY}/instructor/wiki-activity"),
        format!("/courses/{WKEY}/instructor/wiki-activity/learner"),
        format!("/api/v1/courses/{WKEY}/wiki-activity"),
    ];
    let pages_learner = [
        format!("/courses/{WKEY}/unit/s1-1-1"),
        format!("/courses/{WKEY}/wiki-activity"),
        wiki_api(f.task),
    ];
    let mut teacher = f.t.login("teacher").await;
    let mut learner = f.t.login("learner").await;
    let mut small = Vec::new();
    for p in &pages_staff {
        small.push(statements(&f.t, &mut teacher, p).await);
    }
    for p in &pages_learner {
        small.push(statements(&f.t, &mut learner, p).await);
    }
    for i in 0..12 {
        let u = f.t.user(&format!("more{i}"), false).await;
        f.t.enroll(u, lyceum_core::CourseId(course)).await;
        let mut c = f.t.store.conn().await.unwrap();
        lyceum_store::repo::users::insert_wikimedia_account(
            &mut c,
            1000 + i,
            u,
            &format!("More {i}"),
            None,
            0,
        )
        .await
        .unwrap();
    }
    let mut big = Vec::new();
    for p in &pages_staff {
        big.push(statements(&f.t, &mut teacher, p).await);
    }
    for p in &pages_learner {
        big.push(statements(&f.t, &mut learner, p).await);
    }
    assert_eq!(small, big, "statements per page with 1 and 13 learners");
    // On PostgreSQL, whose sessions are not cached, the session too.
    let budget = match backend() {
        lyceum_store::Backend::Sqlite => 12,
        lyceum_store::Backend::Postgres => 13,
    };
    for (n, p) in big.iter().zip(pages_staff.iter().chain(&pages_learner)) {
        assert!(*n <= budget, "{p}: {n} statements");
    }
}

/// Reading a task, the activity pages and their JSON and CSV never writes; only "Check
/// my work" (a POST) does.
#[tokio::test]
async fn no_get_on_wiki_pages_writes() {
    let f = fixture().await;
    let mut learner = f.t.login("learner").await;
    let mut teacher = f.t.login("teacher").await;
    let check = format!("{}/check", wiki_api(f.task));
    assert_eq!(learner.post_empty(&check).await.status, StatusCode::OK);
    let learner_pages = [
        format!("/courses/{WKEY}/unit/s1-1-1"),
        format!("/courses/{WKEY}/unit/s1-1-2"),
        format!("/courses/{WKEY}/wiki-activity"),
        format!("/courses/{WKEY}/progress"),
        wiki_api(f.task),
    ];
    let staff_pages = [
        format!("/courses/{WKEY}/unit/s1-1-1"),
        format!("/courses/{WKEY}/instructor/wiki-activity"),
        format!("/courses/{WKEY}/instructor/wiki-activity.csv"),
        format!("/courses/{WKEY}/instructor/wiki-activity/learner"),
        format!("/api/v1/courses/{WKEY}/wiki-activity"),
        format!("/api/v1/courses/{WKEY}/wiki-activity.csv"),
        wiki_api(f.task),
    ];
    for (c, pages) in [
        (&mut learner, &learner_pages[..]),
        (&mut teacher, &staff_pages[..]),
    ] {
        for p in pages {
            let before = f.t.store.write_count();
            let r = c.get(p).await;
            assert!(r.status.is_success(), "GET {p}: {}", r.status);
            assert_eq!(f.t.store.write_count(), before, "GET {p} wrote");
        }
    }
}

/// One wiki sync job, run here; its outcome.
async fn sync(app: &lyceum_web::App) -> lyceum_app::jobs::Outcome {
    let ran = lyceum_web::jobs::run_now(app, lyceum_app::jobs::kind::WIKI_SYNC)
        .await
        .unwrap();
    assert_eq!(ran.len(), 1, "{ran:?}");
    ran[0].outcome.clone()
}

/// The wiki sync job (`lyceum_app::jobs::kind::WIKI_SYNC`, enqueued every 15 minutes)
/// checks the tasks of enrolled learners without anyone pressing "Check my work"; a wiki
/// that cannot be reached makes it log, never fail.
#[tokio::test]
async fn the_background_sync_finds_work_done_on_the_wiki() {
    // Unreachable: the job logs and is done.
    let f = fixture().await;
    let ran = sync(&f.t.app).await;
    assert_eq!(ran, lyceum_app::jobs::Outcome::Done);

    let Some(w) = lyceum_wiki::testing::mediawiki().await else {
        eprintln!("skipped: LYCEUM_TEST_NO_MEDIAWIKI=1");
        return;
    };
    let account = w.create_account("Wsync").await;
    let mut editor = w.login(&account.user, &account.password).await;
    let f = fixture_at(w.server.as_str(), editor.userid).await;
    {
        let mut c = f.t.store.conn().await.unwrap();
        c_exec(
            &mut c,
            "UPDATE wikimedia_accounts SET username = $2 WHERE user_id = $1",
            f.learner.0,
            &editor.user,
        )
        .await;
    }
    f.t.clock.set(jiff::Timestamp::now());
    let title = format!(
        "User:{}/{}",
        editor.user,
        lyceum_wiki::testing::unique("Synced")
    );
    let saved = editor
        .create(&title, "A fact.<ref>A source</ref>", "sync", &[])
        .await;
    f.t.clock
        .set(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1));
    assert_eq!(sync(&f.t.app).await, lyceum_app::jobs::Outcome::Done);
    let mut learner = f.t.login("learner").await;
    let v = learner.get(&wiki_api(f.task)).await.json();
    assert_eq!(v["status"], "done", "{v}");
    assert_eq!(v["evidence"][0]["revid"], saved.revid);
}
