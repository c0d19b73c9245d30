//! Forks over HTTP: `POST /api/v1/courses/{course_id}/fork` (201, and 400, 401, 403,
//! 404, 409, 422), the "Fork this course" button and form (log-in link, licence line,
//! errors re-rendered with input kept, redirect to Studio), the attribution on a fork's
//! About page and unit footers ("Changes were made." once it differs), and personal
//! spaces kept out of the catalog and the admin's default list of organisations.

use crate::support::*;
use axum::http::StatusCode;
use lyceum_store::repo::{courses, orgs};
use lyceum_store::{Db, q};
use serde_json::json;

const OTHER_ORG: &str = "OTHERORG";

async fn org_member(t: &TestApp, org: &str, user: lyceum_core::UserId, role: &str) {
    let mut c = t.store.conn().await.unwrap();
    let o = match orgs::find_by_slug(&mut c, org).await.unwrap() {
        Some(o) => o.id,
        None => {
            orgs::upsert(&mut c, org, "Other Organisation", "", None, 0)
                .await
                .unwrap()
                .0
        }
    };
    c.exec(
        q("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, 0)")
            .bind(o)
            .bind(user.0)
            .bind(role),
    )
    .await
    .unwrap();
}

async fn set_license(t: &TestApp, key: &str, license: &str) {
    let mut c = t.store.conn().await.unwrap();
    c.exec(
        q("UPDATE courses SET license = $2 WHERE course_key = $1")
            .bind(key)
            .bind(license),
    )
    .await
    .unwrap();
}

fn fork_path(key: &str) -> String {
    format!("/api/v1/courses/{key}/fork")
}

/// The sample course (CC BY-SA) and Carla, who may create courses in OTHERORG.
async fn world() -> TestApp {
    let t = TestApp::new().await;
    t.seed_sample().await;
    let carla = t.user("carla", false).await;
    org_member(&t, OTHER_ORG, carla, "creator").await;
    // Mo, a member only, forks into his personal space: a Wikimedia volunteer
    // (autoconfirmed), so his account is trusted (issue 13).
    let mo = t.volunteer("mo").await;
    org_member(&t, OTHER_ORG, mo, "member").await;
    t
}

#[tokio::test]
async fn the_fork_api_answers_as_documented() {
    let t = world().await;
    // Anonymous: 401.
    let r = t
        .client()
        .post_json(&fork_path(KEY), json!({"org": OTHER_ORG}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let mut carla = t.login("carla").await;
    // Bad bodies: 400.
    for bad in [
        json!({"org": 5}),
        json!({"org": OTHER_ORG, "colour": "red"}),
        json!([1]),
    ] {
        let r = carla.post_json(&fork_path(KEY), bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    // An unknown organisation or a bad run: 422.
    let r = carla
        .post_json(&fork_path(KEY), json!({"org": "NOWHERE"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = carla
        .post_json(
            &fork_path(KEY),
            json!({"org": OTHER_ORG, "run": "no spaces"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // A course that does not exist or that the caller may not see: 404.
    t.seed(sample_course("HIDDEN", false)).await;
    for key in ["course-v1:TESTORG+HIDDEN+2026", "course-v1:TESTORG+NOPE+1"] {
        let r = carla
            .post_json(&fork_path(key), json!({"org": OTHER_ORG}))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{key}: {}", r.body);
    }
    // No right to create courses there: 403.
    let mut mo = t.login("mo").await;
    let r = mo
        .post_json(&fork_path(KEY), json!({"org": OTHER_ORG}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = carla
        .post_json(&fork_path(KEY), json!({"org": "TESTORG"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Forked: 201 with the new key, a draft whose instructor is Carla.
    let r = carla
        .post_json(&fork_path(KEY), json!({"org": OTHER_ORG}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["id"], "course-v1:OTHERORG+T101+2026-fork");
    // A chosen key that is taken: 409.
    let r = carla
        .post_json(
            &fork_path(KEY),
            json!({"org": OTHER_ORG, "run": "2026-fork"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // `null`: the personal space, made on first use.
    let r = mo.post_json(&fork_path(KEY), json!({"org": null})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["id"], "course-v1:~mo+T101+2026-fork");
    // The licence does not allow it: 403, whoever asks.
    set_license(&t, KEY, "all-rights-reserved").await;
    let r = carla
        .post_json(&fork_path(KEY), json!({"org": OTHER_ORG}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("licence"), "{}", r.body);
    // Documented.
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/courses/{course_id}/fork"]["post"].is_object());
}

#[tokio::test]
async fn the_about_page_offers_a_fork_as_the_licence_allows() {
    let t = world().await;
    let about = format!("/courses/{KEY}/about");
    let r = t.client().get(&about).await;
    assert!(r.body.contains("Log in to fork this course"), "anonymous");
    assert!(!r.body.contains(&format!("/courses/{KEY}/fork\"")));
    let mut carla = t.login("carla").await;
    let r = carla.get(&about).await;
    assert!(r.body.contains(&format!("href=\"/courses/{KEY}/fork\"")));
    assert!(r.body.contains("Fork this course"));
    set_license(&t, KEY, "all-rights-reserved").await;
    let r = carla.get(&about).await;
    assert!(!r.body.contains("Fork this course"));
    assert!(r.body.contains("does not allow adaptations"));
    let r = carla.get(&format!("/courses/{KEY}/fork")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains(&format!("action=\"/courses/{KEY}/fork\"")));
}

#[tokio::test]
async fn the_fork_form_works_without_script_and_keeps_input() {
    let t = world().await;
    let form = format!("/courses/{KEY}/fork");
    // Anonymous: to the log-in page, and back here after.
    let r = t.client().get(&form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    let mut carla = t.login("carla").await;
    let r = carla.get(&form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for want in [
        "Other Organisation",
        "My personal space",
        "value=\"OTHERORG\" checked",
        "Sample course T101",
        "CC BY-SA 4.0",
    ] {
        assert!(r.body.contains(want), "{want}");
    }
    assert!(!r.body.contains("value=\"TESTORG\""), "no right there");
    // A bad run comes back with what was typed.
    let r = carla
        .post_form(
            &form,
            &[
                ("org", OTHER_ORG),
                ("title", "Mon adaptation"),
                ("code", "T101"),
                ("run", "bad run"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"Mon adaptation\""));
    assert!(r.body.contains("value=\"bad run\""));
    assert!(r.body.contains("role=\"alert\""));
    // Forked: to the fork's Studio outline with a notice.
    let r = carla
        .post_form(
            &form,
            &[
                ("org", OTHER_ORG),
                ("title", "Mon adaptation"),
                ("code", "T101"),
                ("run", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        "/courses/course-v1:OTHERORG+T101+2026-fork/studio?notice=course-forked"
    );
    let r = carla.get(r.location()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Your fork was created"));
    // Into the personal space: empty `org`.
    let r = carla
        .post_form(
            &form,
            &[("org", ""), ("title", ""), ("code", ""), ("run", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location()
            .starts_with("/courses/course-v1:~carla+T101+2026-fork/")
    );
}

/// Publish a fork as its instructor through the API.
async fn publish(c: &mut Client, key: &str) {
    let r = c
        .post_json(&format!("/api/v1/courses/{key}/publish"), json!({}))
        .await;
    assert!(
        r.status.is_success(),
        "publish {key}: {} {}",
        r.status,
        r.body
    );
}

#[tokio::test]
async fn a_fork_credits_its_source_on_every_page() {
    let t = world().await;
    // The source's history names its authors.
    let author = t.user("ines", false).await;
    {
        let mut c = t.store.conn().await.unwrap();
        c.exec(q("UPDATE users SET display_name = 'Ines Ndiaye' WHERE id = $1").bind(author.0))
            .await
            .unwrap();
        c.exec(
            q("UPDATE block_revisions SET author_id = $1 WHERE block_id IN (SELECT id FROM blocks WHERE course_id = (SELECT id FROM courses WHERE course_key = $2))")
                .bind(author.0)
                .bind(KEY),
        )
        .await
        .unwrap();
    }
    let source_id = {
        let mut c = t.store.conn().await.unwrap();
        courses::find_by_key(&mut c, KEY)
            .await
            .unwrap()
            .unwrap()
            .id()
    };
    t.make_staff(
        author,
        source_id,
        lyceum_core::permissions::CourseRole::Instructor,
    )
    .await;
    let mut carla = t.login("carla").await;
    let r = carla
        .post_json(&fork_path(KEY), json!({"org": OTHER_ORG}))
        .await;
    let fork = r.json()["id"].as_str().unwrap().to_owned();
    publish(&mut carla, &fork).await;
    // The source's instructor is told, with a link to the source's forks.
    let r = t.login("ines").await.get("/notifications").await;
    assert!(
        r.body.contains("Your course was forked into") && r.body.contains("Sample course T101"),
        "{}",
        r.body
    );
    let about = t.client().get(&format!("/courses/{fork}/about")).await;
    assert_eq!(about.status, StatusCode::OK);
    for want in [
        "Adapted from",
        &format!("href=\"/courses/{KEY}/about\""),
        "Sample course T101",
        "Ines Ndiaye",
        "href=\"https://creativecommons.org/licenses/by-sa/4.0/\"",
    ] {
        assert!(about.body.contains(want), "about page: {want}");
    }
    assert!(!about.body.contains("Changes were made."));
    // A unit's footer says the same.
    let learner = t.user("lea", false).await;
    let fork_id = {
        let mut c = t.store.conn().await.unwrap();
        courses::find_by_key(&mut c, &fork)
            .await
            .unwrap()
            .unwrap()
            .id()
    };
    t.enroll(learner, fork_id).await;
    let mut lea = t.login("lea").await;
    let unit = format!("/courses/{fork}/unit/s1-1-2");
    let r = lea.get(&unit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let footer = r
        .body
        .split("<footer class=\"site-footer\"")
        .nth(1)
        .unwrap();
    assert!(footer.contains("Adapted from"), "{footer}");
    assert!(footer.contains(&format!("/courses/{KEY}/about")));
    assert!(footer.contains("Ines Ndiaye"));
    // Once the fork changes and publishes, "Changes were made."
    let draft = carla
        .get(&format!("/api/v1/courses/{fork}/draft"))
        .await
        .json();
    let block = draft["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["title"] == "Second unit")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = carla
        .request(
            axum::http::Method::PATCH,
            &format!("/api/v1/blocks/{block}"),
            axum::body::Body::from(json!({"title": "Second unit, adapted"}).to_string()),
            Some("application/json"),
            &[],
        )
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    publish(&mut carla, &fork).await;
    let about = t.client().get(&format!("/courses/{fork}/about")).await;
    assert!(about.body.contains("Changes were made."));
    let r = lea.get(&unit).await;
    assert!(r.body.contains("Changes were made."));
    // The API says the same.
    let d = t
        .client()
        .get(&format!("/api/v1/courses/{fork}"))
        .await
        .json();
    assert_eq!(d["adapted_from"]["id"], KEY);
    assert_eq!(d["adapted_from"]["title"], "Sample course T101");
    assert_eq!(d["adapted_from"]["license"]["id"], "CC-BY-SA-4.0");
    assert_eq!(d["adapted_from"]["authors"], json!(["Ines Ndiaye"]));
    assert_eq!(d["adapted_from"]["changed"], true);
    let d = t
        .client()
        .get(&format!("/api/v1/courses/{KEY}"))
        .await
        .json();
    assert!(d["adapted_from"].is_null());
    // The source is no fork: no attribution there.
    let r = t.client().get(&format!("/courses/{KEY}/about")).await;
    assert!(!r.body.contains("Adapted from"));
}

#[tokio::test]
async fn personal_spaces_are_unlisted() {
    let t = world().await;
    let mut mo = t.login("mo").await;
    let r = mo.post_json(&fork_path(KEY), json!({"org": null})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fork = r.json()["id"].as_str().unwrap().to_owned();
    // Studio names the space the same way.
    let studio = mo.get(&format!("/courses/{fork}/studio")).await;
    assert!(
        studio
            .body
            .contains("\u{2068}mo\u{2069}&#39;s space · T101"),
        "{}",
        studio.body
    );
    publish(&mut mo, &fork).await;
    // Reachable by its link, named as the person's space.
    let about = t.client().get(&format!("/courses/{fork}/about")).await;
    assert_eq!(about.status, StatusCode::OK);
    assert!(
        about.body.contains("\u{2068}mo\u{2069}&#39;s space"),
        "{}",
        about.body
    );
    // Not in the catalog (pages and API) nor its organisation filter.
    let catalog = t.client().get("/").await;
    assert!(catalog.body.contains("Sample course T101"));
    assert!(
        !catalog.body.contains(&fork),
        "catalog lists a personal course"
    );
    assert!(!catalog.body.contains("~mo"));
    let api = t.client().get("/api/v1/courses").await;
    assert!(!api.body.contains(&fork));
    // The admin's list of organisations hides personal spaces unless asked.
    t.user("root", true).await;
    let mut root = t.login("root").await;
    let r = root.get("/admin/orgs").await;
    assert!(r.body.contains("OTHERORG"));
    assert!(!r.body.contains("~mo"));
    assert!(r.body.contains("/admin/orgs?personal=1"));
    let r = root.get("/admin/orgs?personal=1").await;
    assert!(r.body.contains("~mo"));
    assert!(r.body.contains("Personal space"));
}

#[tokio::test]
async fn a_personal_course_moves_and_its_old_links_follow() {
    let t = world().await;
    let mut mo = t.login("mo").await;
    let r = mo.post_json(&fork_path(KEY), json!({"org": null})).await;
    let old = r.json()["id"].as_str().unwrap().to_owned();
    // The settings page offers the move and says the course is unlisted.
    let r = mo.get(&format!("/courses/{old}/settings")).await;
    assert!(
        r.body.contains(&format!("href=\"/courses/{old}/move\"")),
        "{}",
        r.body
    );
    assert!(r.body.contains("not listed in the catalog"));
    // Mo may create courses nowhere: the page says so; the API refuses.
    let r = mo.get(&format!("/courses/{old}/move")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("You may not create courses in any organisation yet")
    );
    let r = mo
        .post_json(
            &format!("/api/v1/courses/{old}/move"),
            json!({"org": OTHER_ORG}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = mo
        .post_json(
            &format!("/api/v1/courses/{old}/move"),
            json!({"organisation": OTHER_ORG}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Someone else: the course is a draft they do not see.
    let mut carla = t.login("carla").await;
    let r = carla
        .post_json(
            &format!("/api/v1/courses/{old}/move"),
            json!({"org": OTHER_ORG}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Made a creator there, Mo moves it with the form.
    {
        let mut c = t.store.conn().await.unwrap();
        c.exec(q("UPDATE org_members SET role = 'creator' WHERE user_id = (SELECT id FROM users WHERE username = 'mo')"))
            .await
            .unwrap();
    }
    let r = mo.get(&format!("/courses/{old}/move")).await;
    assert!(r.body.contains("value=\"OTHERORG\" checked"));
    let r = mo
        .post_form(&format!("/courses/{old}/move"), &[("org", "NOWHERE")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\""));
    let r = mo
        .post_form(&format!("/courses/{old}/move"), &[("org", OTHER_ORG)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new = "course-v1:OTHERORG+T101+2026-fork";
    assert_eq!(
        r.location(),
        format!("/courses/{new}/settings?notice=course-moved")
    );
    // Old links lead to the course where it is now.
    let r = mo.get(&format!("/courses/{old}/settings")).await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.location(), format!("/courses/{new}/settings"));
    let r = mo.get(&format!("/courses/{old}/about")).await;
    assert_eq!(r.location(), format!("/courses/{new}/about"));
    let r = mo.get(&format!("/api/v1/courses/{old}")).await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.location(), format!("/api/v1/courses/{new}"));
    // A key nobody had is still a 404.
    let r = mo.get("/courses/course-v1:~mo+NOPE+1/about").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Not personal any more: no move page.
    let r = mo.get(&format!("/courses/{new}/move")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
