//! Studio's course pages and API over HTTP: creating a course (page and `POST
//! /api/v1/courses`), its settings (dates checked, input kept, preview, card image), a
//! rerun, its team (page and API, with a permission matrix over eight roles), review, the
//! catalog by status and the About page's upkeep facts and enrolment dates.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use lyceum_core::CourseId;
use lyceum_core::permissions::CourseRole;
use lyceum_store::repo::{course_admin, courses, orgs};
use lyceum_store::{Db, q};
use serde_json::json;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A `multipart/form-data` body as a browser sends the course forms.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----lyceumcourseadmin";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"card_image\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    let (ct, body) = multipart(fields, file);
    c.request(Method::POST, path, Body::from(body), Some(&ct), &[])
        .await
}

async fn put_json(c: &mut Client, path: &str, v: serde_json::Value) -> Resp {
    c.request(
        Method::PUT,
        path,
        Body::from(v.to_string()),
        Some("application/json"),
        &[],
    )
    .await
}

async fn org_member(t: &TestApp, org: &str, user: lyceum_core::UserId, role: &str) {
    let mut c = t.store.conn().await.unwrap();
    let o = match orgs::find_by_slug(&mut c, org).await.unwrap() {
        Some(o) => o.id,
        None => orgs::upsert(&mut c, org, org, "", None, 0).await.unwrap().0,
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

async fn course_row(t: &TestApp, key: &str) -> Option<courses::CourseRow> {
    let mut c = t.store.conn().await.unwrap();
    courses::find_by_key(&mut c, key).await.unwrap()
}

async fn set_status(t: &TestApp, id: CourseId, status: &str, published: bool) {
    let mut c = t.store.conn().await.unwrap();
    course_admin::set_status(&mut c, id, status, published, 0)
        .await
        .unwrap();
}

/// Form fields to change, as (name, value).
type Fields<'a> = &'a [(&'a str, &'a str)];

const NEW_KEY: &str = "course-v1:TESTORG+NEW1+2027";

fn new_course_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("org", "TESTORG"),
        ("code", "NEW1"),
        ("run", "2027"),
        ("title", "Écrire sur Wikipédia"),
        ("language", "fr"),
        ("license", "CC-BY-SA-4.0"),
        ("pacing", "self"),
        ("about", "Un **cours**."),
        ("action", "create"),
    ];
    for (k, v) in extra {
        f.retain(|(n, _)| n != k);
        f.push((k, v));
    }
    f
}

#[tokio::test]
async fn create_a_course_with_the_page() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    let creator = t.user("creator", false).await;
    org_member(&t, "TESTORG", creator, "creator").await;
    t.user("learner", false).await;
    // Anonymous: log in first; a learner who may create nowhere: refused with a reason.
    let r = t.client().get("/courses/new").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
    let mut l = t.login("learner").await;
    let r = l.get("/courses/new").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("cannot create courses yet"), "{}", r.body);
    assert!(!l.get("/dashboard").await.body.contains("/courses/new"));

    let mut c = t.login("creator").await;
    assert!(
        c.get("/dashboard")
            .await
            .body
            .contains("href=\"/courses/new\"")
    );
    let r = c.get("/courses/new?org=TESTORG").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<option value=\"TESTORG\" selected>"));
    assert!(r.body.contains("value=\"CC0-1.0\""));
    // Preview without script: the form comes back with the rendering and the input.
    let r = post_multipart(
        &mut c,
        "/courses/new",
        &new_course_fields(&[("action", "preview"), ("about", "# Titre\n\n*en ligne*")]),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<em>en ligne</em>"), "{}", r.body);
    assert!(r.body.contains("value=\"Écrire sur Wikipédia\""));
    assert!(
        course_row(&t, NEW_KEY).await.is_none(),
        "a preview stores nothing"
    );
    // Bad input comes back with what was typed.
    let bad: [(Fields<'_>, StatusCode, &str); 5] = [
        (
            &[("code", "NEW 1")],
            StatusCode::BAD_REQUEST,
            "not a valid course id part",
        ),
        (
            &[("end", "2027-01-01T00:00"), ("start", "2027-02-01T00:00")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "must end after it starts",
        ),
        (
            &[("start", "someday")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a date",
        ),
        (
            &[("effort_hours", "3")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "hours per week",
        ),
        (
            &[("title", "")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "needs a title",
        ),
    ];
    for (extra, status, text) in bad {
        let r = post_multipart(&mut c, "/courses/new", &new_course_fields(extra), None).await;
        assert_eq!(r.status, status, "{extra:?}: {}", r.body);
        assert!(r.body.contains(text), "{extra:?}: {}", r.body);
        assert!(r.body.contains("Un **cours**."), "the About text is kept");
    }
    let r = post_multipart(
        &mut c,
        "/courses/new",
        &new_course_fields(&[]),
        Some(("x.svg", b"<svg/>")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("PNG, JPEG, GIF or WebP"));
    assert!(course_row(&t, NEW_KEY).await.is_none());
    // Created, with its card image.
    let r = post_multipart(
        &mut c,
        "/courses/new",
        &new_course_fields(&[]),
        Some(("card.png", PNG)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("/courses/{NEW_KEY}/settings?notice=course-created")
    );
    let row = course_row(&t, NEW_KEY).await.unwrap();
    assert_eq!((row.status.as_str(), row.published), ("draft", false));
    assert_eq!(row.card_image.as_deref(), Some("course-card.png"));
    // The same key again: a conflict, said in the form.
    let r = post_multipart(&mut c, "/courses/new", &new_course_fields(&[]), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("exists already"));
    // A draft is not in the catalog, even for its team; the dashboard lists it.
    assert!(!c.get("/").await.body.contains("Écrire sur Wikipédia"));
    let dash = c.get("/dashboard").await.body;
    assert!(
        dash.contains("Écrire sur Wikipédia") && dash.contains(">Draft<"),
        "{dash}"
    );
    // A learner cannot see the draft at all.
    assert_eq!(
        l.get(&format!("/courses/{NEW_KEY}/about")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn create_a_course_with_the_api() {
    let t = TestApp::new().await;
    t.seed_sample().await;
    t.user("root", true).await;
    t.user("learner", false).await;
    let good = json!({"org": "TESTORG", "code": "API1", "run": "2027", "title": "Par l’API", "language": "fr"});
    let r = t.client().post_json("/api/v1/courses", good.clone()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut l = t.login("learner").await;
    let r = l.post_json("/api/v1/courses", good.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["error"]["code"],
        "lyceum-newcourse-error-forbidden"
    );
    let mut c = t.login("root").await;
    let r = c.post_json("/api/v1/courses", good.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json(), json!({"id": "course-v1:TESTORG+API1+2027"}));
    let row = course_row(&t, "course-v1:TESTORG+API1+2027").await.unwrap();
    assert_eq!(
        (row.license.as_str(), row.status.as_str()),
        ("CC-BY-SA-4.0", "draft")
    );
    let with = |k: &str, v: serde_json::Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let cases = [
        (
            good.clone(),
            StatusCode::CONFLICT,
            "lyceum-newcourse-error-exists",
        ),
        (
            with("org", json!("NOPE")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-newcourse-error-org-unknown",
        ),
        (
            with("code", json!("A+B")),
            StatusCode::BAD_REQUEST,
            "lyceum-error-course-key",
        ),
        (
            with("run", json!("")),
            StatusCode::BAD_REQUEST,
            "lyceum-error-course-key",
        ),
        (
            with("language", json!("klingon")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-course-settings-error-language",
        ),
        (
            with("license", json!("GPL")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-course-settings-error-license",
        ),
        (
            with("title", json!("t".repeat(201))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lyceum-error-input-too-long",
        ),
        (
            with("surprise", json!(1)),
            StatusCode::BAD_REQUEST,
            "lyceum-error-bad-form",
        ),
        (
            json!({"org": "TESTORG"}),
            StatusCode::BAD_REQUEST,
            "lyceum-error-bad-form",
        ),
    ];
    for (body, status, code) in cases {
        let r = c.post_json("/api/v1/courses", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], code, "{body}");
    }
    let r = c
        .post_json(
            "/api/v1/courses",
            with("license", json!("CC0-1.0"))
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("code".into(), json!("API2"));
                    serde_json::Value::Object(o)
                })
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Documented.
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/courses"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/courses/{course_id}/team/{username}"]["put"].is_object());
    assert!(doc["components"]["schemas"]["CreateCourseBody"].is_object());
}

#[tokio::test]
async fn settings_check_dates_keep_input_and_show_on_the_about_page() {
    let t = TestApp::new().await;
    let id = t.seed_sample().await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, id, CourseRole::Instructor).await;
    let staff = t.user("assistant", false).await;
    t.make_staff(staff, id, CourseRole::Staff).await;
    let mut c = t.login("teacher").await;
    let url = format!("/courses/{KEY}/settings");
    let r = c.get(&url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("value=\"Sample course T101\""));
    assert!(
        r.body.contains(&format!("href=\"/courses/{KEY}/team\"")),
        "nav has the team"
    );
    let fields = |extra: &[(&'static str, &'static str)]| {
        let mut f = vec![
            ("title", "Renamed course"),
            ("language", "en"),
            ("license", "CC-BY-4.0"),
            ("pacing", "instructor"),
            ("start", "2026-09-01T00:00"),
            ("end", "2027-06-30T00:00"),
            ("short_description", "Short"),
            ("about", "New **about**"),
            ("action", "save"),
        ];
        for (k, v) in extra {
            f.retain(|(n, _)| n != k);
            f.push((k, v));
        }
        f
    };
    let r = post_multipart(
        &mut c,
        &url,
        &fields(&[
            ("enrollment_start", "2026-12-01T00:00"),
            ("enrollment_end", "2026-11-01T00:00"),
        ]),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enrolment must close after it opens"));
    assert!(r.body.contains("value=\"Renamed course\""), "input kept");
    assert!(r.body.contains("value=\"2026-11-01T00:00\""));
    assert_eq!(
        course_row(&t, KEY).await.unwrap().title,
        "Sample course T101"
    );
    let r = post_multipart(&mut c, &url, &fields(&[("end", "2026-08-01T00:00")]), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("must end after it starts"));
    // Saved: enrolment opens in the future, so the About page says when.
    let r = post_multipart(
        &mut c,
        &url,
        &fields(&[("enrollment_start", "2026-12-01T00:00")]),
        Some(("c.png", PNG)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let row = course_row(&t, KEY).await.unwrap();
    assert_eq!(
        (row.title.as_str(), row.license.as_str(), row.self_paced),
        ("Renamed course", "CC-BY-4.0", false)
    );
    assert!(row.overview_html.contains("<strong>about</strong>"));
    t.user("learner", false).await;
    let mut l = t.login("learner").await;
    let about = l.get(&format!("/courses/{KEY}/about")).await.body;
    assert!(about.contains("Enrolment opens on"), "{about}");
    assert!(about.contains("Maintained by") && about.contains("teacher"));
    assert!(
        about.contains("/media/") && about.contains("course-card.png"),
        "card image"
    );
    let r = l.post_form(&format!("/courses/{KEY}/enroll"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "enrolment not open yet");
    let r = l
        .post_empty(&format!("/api/v1/courses/{KEY}/enrollment"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The preview endpoint (the script's): rendered, sanitised, for people logged in.
    let r = c
        .post_form(
            "/courses/about-preview",
            &[("markdown", "*hi* <script>x</script>")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<em>hi</em>") && !r.body.contains("<script"));
    assert_eq!(
        t.client()
            .post_form("/courses/about-preview", &[("markdown", "x")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Staff may not change settings; learners do not see the page.
    let mut s = t.login("assistant").await;
    assert_eq!(s.get(&url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(l.get(&url).await.status, StatusCode::FORBIDDEN);
    // Arabic, right to left.
    let r = c.get(&format!("{url}?uselang=ar")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("dir=\"rtl\"") && r.body.contains("إعدادات المساق"));
}

/// Who is who in the permission matrix, on the published sample course (TESTORG).
async fn matrix_world(t: &TestApp) -> CourseId {
    let id = t.seed_sample().await;
    for (name, admin) in [
        ("learner", false),
        ("author", false),
        ("staff", false),
        ("instructor", false),
        ("orgadmin", false),
        ("otheradmin", false),
        ("root", true),
        ("target", false),
    ] {
        t.user(name, admin).await;
    }
    let mut c = t.store.conn().await.unwrap();
    let id_of = |n: &str| lyceum_core::user::username_key(n);
    let mut uid = std::collections::HashMap::new();
    for n in [
        "learner",
        "author",
        "staff",
        "instructor",
        "orgadmin",
        "otheradmin",
        "target",
    ] {
        let u = lyceum_store::repo::users::find_user_by_key(&mut c, &id_of(n))
            .await
            .unwrap()
            .unwrap();
        uid.insert(n, u.id());
    }
    drop(c);
    t.enroll(uid["learner"], id).await;
    t.make_staff(uid["author"], id, CourseRole::Author).await;
    t.make_staff(uid["staff"], id, CourseRole::Staff).await;
    t.make_staff(uid["instructor"], id, CourseRole::Instructor)
        .await;
    org_member(t, "TESTORG", uid["orgadmin"], "admin").await;
    org_member(t, "OTHERORG", uid["otheradmin"], "admin").await;
    id
}

#[tokio::test]
async fn team_api_permission_matrix() {
    let t = TestApp::new().await;
    let id = matrix_world(&t).await;
    let put = format!("/api/v1/courses/{KEY}/team/target");
    // Published course: who may manage its team.
    let expect = [
        ("learner", StatusCode::FORBIDDEN),
        ("author", StatusCode::FORBIDDEN),
        ("staff", StatusCode::FORBIDDEN),
        ("otheradmin", StatusCode::FORBIDDEN),
        ("instructor", StatusCode::CREATED),
        ("orgadmin", StatusCode::CREATED),
        ("root", StatusCode::CREATED),
    ];
    let r = put_json(&mut t.client(), &put, json!({"role": "staff"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for (who, status) in expect {
        let mut c = t.login(who).await;
        let r = put_json(&mut c, &put, json!({"role": "staff"})).await;
        assert_eq!(r.status, status, "{who}: {}", r.body);
        if status == StatusCode::CREATED {
            assert_eq!(r.json()["role"], "staff");
            // Take them off again for the next role.
            let r = c.delete(&put).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{who}");
        }
    }
    // A draft: invisible to learners and other organisations' admins (404).
    set_status(&t, id, "draft", false).await;
    for (who, status) in [
        ("learner", StatusCode::NOT_FOUND),
        ("otheradmin", StatusCode::NOT_FOUND),
        ("author", StatusCode::FORBIDDEN),
        ("instructor", StatusCode::CREATED),
    ] {
        let mut c = t.login(who).await;
        let r = put_json(&mut c, &put, json!({"role": "author"})).await;
        assert_eq!(r.status, status, "draft, {who}: {}", r.body);
    }
    let mut c = t.login("instructor").await;
    // Role changes answer 200; bad roles 422; unknown people 404; bad JSON 400.
    let r = put_json(&mut c, &put, json!({"role": "instructor"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = put_json(&mut c, &put, json!({"role": "owner"})).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("lyceum-team-error-role")
        )
    );
    let r = put_json(
        &mut c,
        &format!("/api/v1/courses/{KEY}/team/ghost"),
        json!({"role": "staff"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .request(
            Method::PUT,
            &put,
            Body::from("{"),
            Some("application/json"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .delete(&format!("/api/v1/courses/{KEY}/team/learner"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not on the team");
    let r = put_json(
        &mut c,
        "/api/v1/courses/course-v1:NO+SUCH+COURSE/team/target",
        json!({"role": "staff"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The list.
    let r = c.get(&format!("/api/v1/courses/{KEY}/team")).await;
    assert_eq!(r.status, StatusCode::OK);
    let names: Vec<(String, String)> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("instructor".into(), "instructor".into()),
            ("target".into(), "instructor".into()),
            ("author".into(), "author".into()),
            ("staff".into(), "staff".into())
        ]
    );
    // The last instructor stays.
    assert_eq!(c.delete(&put).await.status, StatusCode::NO_CONTENT);
    let r = c
        .delete(&format!("/api/v1/courses/{KEY}/team/instructor"))
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("lyceum-team-error-last-instructor")
        )
    );
    let r = put_json(
        &mut c,
        &format!("/api/v1/courses/{KEY}/team/instructor"),
        json!({"role": "author"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Audit rows, in order.
    let mut db = t.store.conn().await.unwrap();
    let rows = lyceum_store::repo::audit::list(&mut db, &Default::default(), 100)
        .await
        .unwrap();
    assert!(rows.iter().any(|r| r.action == "course.team.add"));
    assert!(rows.iter().any(|r| r.action == "course.team.change"));
    assert!(rows.iter().any(|r| r.action == "course.team.remove"));
}

#[tokio::test]
async fn team_page_adds_changes_and_removes() {
    let t = TestApp::new().await;
    matrix_world(&t).await;
    let url = format!("/courses/{KEY}/team");
    // The team sees it; learners and outsiders get 404; anonymous logs in.
    for (who, status) in [
        ("learner", StatusCode::NOT_FOUND),
        ("otheradmin", StatusCode::NOT_FOUND),
        ("staff", StatusCode::OK),
        ("author", StatusCode::OK),
    ] {
        let mut c = t.login(who).await;
        let r = c.get(&url).await;
        assert_eq!(r.status, status, "{who}");
        if status == StatusCode::OK {
            assert!(
                !r.body.contains(&format!("action=\"{url}/remove\"")),
                "{who} cannot manage"
            );
        }
    }
    let mut c = t.login("instructor").await;
    let r = c.get(&url).await;
    assert!(r.body.contains(&format!("action=\"{url}/remove\"")));
    let r = c
        .post_form(&url, &[("username", "ghost"), ("role", "staff")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("There is no user named"), "{}", r.body);
    assert!(r.body.contains("value=\"ghost\""), "input kept");
    let r = c
        .post_form(&url, &[("username", "target"), ("role", "author")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(c.get(&url).await.body.contains("target"));
    let r = c
        .post_form(&url, &[("username", "target"), ("role", "boss")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_form(&format!("{url}/remove"), &[("username", "instructor")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("at least one instructor"));
    let r = c
        .post_form(&format!("{url}/remove"), &[("username", "target")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Staff cannot change the team by posting either.
    let mut s = t.login("staff").await;
    let r = s
        .post_form(&url, &[("username", "target"), ("role", "instructor")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c.get(&format!("{url}?uselang=ar")).await;
    assert!(r.body.contains("dir=\"rtl\"") && r.body.contains("فريق المساق"));
}

#[tokio::test]
async fn review_queue_approve_and_send_back() {
    let t = TestApp::new().await;
    let id = matrix_world(&t).await;
    set_status(&t, id, "review", false).await;
    let reviewer = t.user("reviewer", false).await;
    org_member(&t, "TESTORG", reviewer, "reviewer").await;
    // The queue: for reviewers, not for the team's authors or learners.
    let mut r = t.login("reviewer").await;
    let q = r.get("/review").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.body.contains("Sample course T101") && q.body.contains("instructor"),
        "{}",
        q.body
    );
    assert_eq!(
        t.login("author").await.get("/review").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.login("otheradmin").await.get("/review").await.status,
        StatusCode::OK
    );
    assert!(
        !t.login("otheradmin")
            .await
            .get("/review")
            .await
            .body
            .contains("Sample course T101")
    );
    let url = format!("/courses/{KEY}/review");
    let page = r.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"approve\"") && page.body.contains("value=\"send_back\""));
    // The team sees the page (history) without the reviewer's buttons; learners do not.
    let mut i = t.login("instructor").await;
    let team_view = i.get(&url).await;
    assert_eq!(team_view.status, StatusCode::OK);
    assert!(!team_view.body.contains("value=\"approve\""));
    assert_eq!(
        t.login("learner").await.get(&url).await.status,
        StatusCode::NOT_FOUND
    );
    let resp = i.post_form(&url, &[("decision", "approve")]).await;
    assert_eq!(
        resp.status,
        StatusCode::FORBIDDEN,
        "the team cannot approve its own course"
    );
    // Sending back needs a comment.
    let resp = r
        .post_form(&url, &[("decision", "send_back"), ("comment", "")])
        .await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.body.contains("Write a comment"));
    let resp = r
        .post_form(
            &url,
            &[("decision", "send_back"), ("comment", "Cite sources")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(course_row(&t, KEY).await.unwrap().status, "draft");
    let notes = i.get("/notifications").await.body;
    assert!(notes.contains("was sent back"), "{notes}");
    assert!(i.get(&url).await.body.contains("Cite sources"));
    // Submitted again, approved: published and in the catalog.
    set_status(&t, id, "review", false).await;
    let resp = r
        .post_form(&url, &[("decision", "approve"), ("comment", "")])
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let row = course_row(&t, KEY).await.unwrap();
    assert_eq!((row.status.as_str(), row.published), ("published", true));
    assert!(
        t.client()
            .get("/")
            .await
            .body
            .contains("Sample course T101")
    );
    assert!(i.get("/notifications").await.body.contains("was approved"));
    let resp = r.post_form(&url, &[("decision", "approve")]).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    let resp = r.post_form(&url, &[("decision", "reviewed")]).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let resp = r
        .post_form(&url, &[("decision", "delete-everything")])
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    let about = t.client().get(&format!("/courses/{KEY}/about")).await.body;
    assert!(about.contains("Last reviewed"), "{about}");
}

#[tokio::test]
async fn catalog_lists_published_courses_archived_on_request_and_marks_outdated() {
    let t = TestApp::new().await;
    let id = matrix_world(&t).await;
    let draft = t.seed(sample_course("DRAFT", false)).await;
    let _ = draft;
    // Drafts never show, not even to a site admin or the team.
    for who in ["root", "instructor"] {
        let body = t.login(who).await.get("/").await.body;
        assert!(
            body.contains("Sample course T101") && !body.contains("Sample course DRAFT"),
            "{who}"
        );
    }
    // Archive through the settings page's status form (the instructor runs the course).
    let mut i = t.login("instructor").await;
    let r = i
        .post_form(
            &format!("/courses/{KEY}/status"),
            &[("change", "archive"), ("reason", "Old")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        !t.client()
            .get("/")
            .await
            .body
            .contains("Sample course T101")
    );
    let archived = t.client().get("/?status=archived").await.body;
    assert!(archived.contains("Sample course T101"), "{archived}");
    let api = t
        .client()
        .get("/api/v1/courses?status=archived")
        .await
        .json();
    assert_eq!(api.as_array().unwrap().len(), 1);
    assert_eq!(
        t.client().get("/api/v1/courses?status=draft").await.status,
        StatusCode::BAD_REQUEST
    );
    // Archived: learners keep reading, nobody new enrols.
    let mut l = t.login("learner").await;
    assert_eq!(
        l.get(&format!("/courses/{KEY}/courseware")).await.status,
        StatusCode::OK
    );
    t.user("newcomer", false).await;
    let mut n = t.login("newcomer").await;
    assert_eq!(
        n.post_form(&format!("/courses/{KEY}/enroll"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Reopened; not reviewed for longer than the site's interval: "may be outdated".
    let r = i
        .post_form(&format!("/courses/{KEY}/status"), &[("change", "reopen")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let now_ms = NOW.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let mut c = t.store.conn().await.unwrap();
    c.exec(
        q("UPDATE courses SET created_at = $2 WHERE id = $1")
            .bind(id.0)
            .bind(now_ms),
    )
    .await
    .unwrap();
    drop(c);
    assert!(!t.client().get("/").await.body.contains("May be outdated"));
    let mut c = t.store.conn().await.unwrap();
    lyceum_store::repo::settings::set(&mut c, "review_interval_days", "1", 0)
        .await
        .unwrap();
    c.exec(q("UPDATE courses SET created_at = 0 WHERE id = $1").bind(id.0))
        .await
        .unwrap();
    drop(c);
    assert!(t.client().get("/").await.body.contains("May be outdated"));
    assert!(
        t.client()
            .get(&format!("/courses/{KEY}/about"))
            .await
            .body
            .contains("May be outdated")
    );
    // A learner may not archive.
    assert_eq!(
        l.post_form(&format!("/courses/{KEY}/status"), &[("change", "archive")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn rerun_copies_the_course_into_a_new_draft() {
    let t = TestApp::new().await;
    let id = matrix_world(&t).await;
    let url = format!("/courses/{KEY}/rerun");
    // An instructor without course creation in the organisation may not; its admin may.
    assert_eq!(
        t.login("instructor").await.get(&url).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.login("learner").await.get(&url).await.status,
        StatusCode::FORBIDDEN
    );
    let mut a = t.login("orgadmin").await;
    assert_eq!(a.get(&url).await.status, StatusCode::OK);
    let r = a.post_form(&url, &[("run", "2026"), ("title", "")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the course's own run");
    let r = a
        .post_form(&url, &[("run", "bad run"), ("title", "Keep me")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"Keep me\""));
    let r = a
        .post_form(
            &url,
            &[
                ("run", "2027"),
                ("title", "Second run"),
                ("start", "2027-09-01T00:00"),
                ("end", "2027-08-01T00:00"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .post_form(
            &url,
            &[
                ("run", "2027"),
                ("title", "Second run"),
                ("start", "2027-09-01T00:00"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_key = "course-v1:TESTORG+T101+2027";
    let row = course_row(&t, new_key).await.unwrap();
    assert_eq!(
        (row.title.as_str(), row.status.as_str()),
        ("Second run", "draft")
    );
    let mut c = t.store.conn().await.unwrap();
    let old = courses::load_tree(&mut c, id).await.unwrap();
    let new = courses::load_tree(&mut c, row.id()).await.unwrap();
    assert_eq!(old.len(), new.len());
    assert_eq!(
        lyceum_store::repo::assets::list(&mut c, row.id())
            .await
            .unwrap()
            .len(),
        lyceum_store::repo::assets::list(&mut c, id)
            .await
            .unwrap()
            .len()
    );
    let team = course_admin::team(&mut c, row.id()).await.unwrap();
    assert_eq!(
        team.iter().map(|m| m.username.as_str()).collect::<Vec<_>>(),
        vec!["orgadmin"]
    );
    // The copy's units open for its team.
    drop(c);
    assert_eq!(
        a.get(&format!("/courses/{new_key}/unit/s1-1-2"))
            .await
            .status,
        StatusCode::OK
    );
}
