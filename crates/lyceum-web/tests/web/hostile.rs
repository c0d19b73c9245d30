//! What must not take the site down: course archives whose structure contains itself or
//! nests without end (refused with a 4xx naming the problem, the site still answering),
//! and a handler that panics (a 500 page with a logged request id, and the next request
//! served as usual).

use crate::olx::{SMALL_KEY, course_id, gzip, small_files, tar_of, upload, with_small_course};
use crate::support::*;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::{Arc, Mutex};

/// The small course with `vertical/v1.xml` replaced.
fn small_with_unit(unit_xml: &str) -> Vec<u8> {
    let mut files = small_files("SMALLORG", "Small OLX course");
    for (path, bytes) in &mut files {
        if path == "vertical/v1.xml" {
            *bytes = unit_xml.as_bytes().to_vec();
        }
    }
    gzip(&tar_of(&files))
}

/// The unit lists itself among its children.
fn cyclic_course() -> Vec<u8> {
    small_with_unit(
        r#"<vertical display_name="First unit"><html url_name="h1"/><vertical url_name="v1"/></vertical>"#,
    )
}

/// Fifty thousand verticals, each inside the previous one.
fn deep_course() -> Vec<u8> {
    let depth = 50_000;
    let mut xml = String::from(r#"<vertical display_name="First unit">"#);
    xml.push_str(&"<vertical>".repeat(depth));
    xml.push_str(r#"<html url_name="h2" display_name="Bottom">deep</html>"#);
    xml.push_str(&"</vertical>".repeat(depth));
    xml.push_str("</vertical>");
    small_with_unit(&xml)
}

#[tokio::test]
async fn an_admin_import_of_a_cyclic_or_too_deep_archive_is_refused_and_the_site_stays_up() {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    set_accept_language(&mut admin, "fr");

    let r = upload(&mut admin, "/import", &[], &cyclic_course()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(
            "La structure du cours se contient elle-même, le cours ne peut donc pas être importé : vertical &quot;v1&quot; → vertical &quot;v1&quot;."
        ),
        "{}",
        r.body
    );
    assert!(course_id(&t, SMALL_KEY).await.is_none(), "nothing created");

    let r = upload(&mut admin, "/import", &[], &deep_course()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("La structure du cours est imbriquée sur plus de 64 niveaux"),
        "{}",
        r.body
    );
    assert!(course_id(&t, SMALL_KEY).await.is_none(), "nothing created");

    // Still serving, and a good archive imports.
    assert_eq!(admin.get("/import").await.status, StatusCode::OK);
    let r = upload(
        &mut admin,
        "/import",
        &[],
        &gzip(&tar_of(&small_files("SMALLORG", "Small OLX course"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn an_instructor_reimport_of_a_cyclic_archive_is_refused_and_changes_nothing() {
    let (t, _admin, id) = with_small_course().await;
    let teacher = t.user("teacher", false).await;
    t.make_staff(
        teacher,
        id,
        lyceum_core::permissions::CourseRole::Instructor,
    )
    .await;
    let mut tc = t.login("teacher").await;
    let before = t.block_ids(id).await;
    let path = format!("/courses/{SMALL_KEY}/instructor/import");

    let r = upload(&mut tc, &path, &[], &cyclic_course()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(
            "The course structure contains itself, so the course cannot be imported: vertical &quot;v1&quot; → vertical &quot;v1&quot;."
        ),
        "{}",
        r.body
    );
    let r = upload(&mut tc, &path, &[], &deep_course()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("The course structure is nested more than 64 levels deep"),
        "{}",
        r.body
    );
    assert_eq!(t.block_ids(id).await, before, "the course is as it was");
    let unit = tc.get(&format!("/courses/{SMALL_KEY}/unit/v1")).await;
    assert_eq!(unit.status, StatusCode::OK);
    assert!(unit.body.contains("Welcome to the small course."));
}

/// Everything the site logs while the guard lives, as text.
fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_panicking_handler_gets_a_500_page_and_the_site_goes_on() {
    async fn broken() -> &'static str {
        panic!("the handler broke")
    }
    // A formatted message: the payload is a `String`, not a `&str`.
    async fn broken_api() -> &'static str {
        let n = 7;
        panic!("broke with {n}")
    }
    let t = TestApp::new().await.with_routes(
        Router::new()
            .route("/test-panic", get(broken))
            .route("/api/v1/test-panic", get(broken_api)),
    );
    // The test runtime runs on this thread, so the site logs here.
    let (logs, _guard) = capture_logs();
    let mut c = t.client();
    set_accept_language(&mut c, "fr");

    let r = c.get("/test-panic").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        r.body.contains("<h1>Une erreur s’est produite</h1>"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("the handler broke"),
        "internal text stays out"
    );
    let id = r
        .body
        .split("Référence de l’erreur")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .map(|id| id.trim_start_matches([':', ' ', '\u{a0}', '\u{202f}']))
        .unwrap_or_else(|| panic!("a request id on the page: {}", r.body))
        .to_owned();
    assert_eq!(id.len(), 16, "{id}");
    let logged = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let line = logged
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("the request id is logged: {logged}"));
    assert!(line.contains("panic: the handler broke"), "{line}");
    assert!(line.contains("/test-panic"), "{line}");

    // Under /api/, the error as JSON.
    let r = c.get("/api/v1/test-panic").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.json()["error"]["code"], "lyceum-error-internal");

    // The next requests are served as usual.
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
}

/// The panic layer only works if panics unwind: the profiles the site is built with must
/// not abort on panic.
#[test]
fn no_build_profile_aborts_on_panic() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    for line in manifest.lines() {
        let line = line.trim();
        assert!(
            !(line.starts_with("panic") && line.contains("abort")),
            "the workspace sets {line:?}"
        );
    }
}

/// The small course with a text nested twenty thousand deep and a title of 300 characters
/// holding a right-to-left override.
fn hostile_content_course() -> Vec<u8> {
    let title = format!("Small\u{202e} {}", "T".repeat(300));
    let mut files = small_files("SMALLORG", &title);
    for (path, bytes) in &mut files {
        if path == "html/h1.html" {
            let n = 20_000;
            *bytes = format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n)).into_bytes();
        }
    }
    gzip(&tar_of(&files))
}

#[tokio::test]
async fn deep_author_content_and_hostile_titles_are_reported_and_the_course_imported() {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let r = upload(&mut admin, "/import", &[], &hostile_content_course()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(
            "&#60;html&#62;: url_name &#34;h1&#34;: content nests more than 100 levels deep"
        ),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("display_name of url_name &#34;2026&#34; cut to 200 characters"),
        "{}",
        r.body
    );
    let mut c = t.store.conn().await.unwrap();
    let course = lyceum_store::repo::courses::find_by_key(&mut c, SMALL_KEY)
        .await
        .unwrap()
        .expect("imported");
    assert_eq!(course.title, format!("Small {}", "T".repeat(194)));
}

/// The organisation code has one limit, the course key part's: the input box says it and
/// the form refuses more, in the person's language, before anything is imported.
#[tokio::test]
async fn the_organisation_code_has_one_documented_limit() {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let page = admin.get("/import").await;
    assert!(
        page.body.contains(r#"name="org" value="" maxlength="64""#),
        "{}",
        page.body
    );
    set_accept_language(&mut admin, "fr");
    let good = gzip(&tar_of(&small_files("SMALLORG", "Small OLX course")));
    let long = "O".repeat(65);
    let r = upload(&mut admin, "/import", &[("org", long.as_str())], &good).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("est trop long"), "{}", r.body);
    assert!(r.body.contains("64"), "{}", r.body);
    assert!(course_id(&t, SMALL_KEY).await.is_none());
    // At the limit, the code is used.
    let at = "O".repeat(64);
    let r = upload(&mut admin, "/import", &[("org", at.as_str())], &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut c = t.store.conn().await.unwrap();
    let key = format!("course-v1:{at}+S101+2026");
    assert!(
        lyceum_store::repo::courses::find_by_key(&mut c, &key)
            .await
            .unwrap()
            .is_some()
    );
}
