//! Open edX course archives on the site: site administrators import them, course teams
//! export their course and update it in place from an export.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use lyceum_core::course::NodeKind;
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId};
use lyceum_store::repo::{courses, problems};
use serde_json::json;
use std::io::{Read, Write};
use std::path::Path;
use tar::{Builder, EntryType, Header};

pub(crate) const SMALL_KEY: &str = "course-v1:SMALLORG+S101+2026";
pub(crate) const DEMO_KEY: &str = "course-v1:OpenedX+DemoX+DemoCourse";

/// A regular-file header whose name bytes are written as given: `Header::set_path`
/// refuses `..`, and the point here is an archive that carries one.
fn raw_header(name: &str, size: u64) -> Header {
    let mut h = Header::new_gnu();
    let field = &mut h.as_old_mut().name;
    field.fill(0);
    field[..name.len()].copy_from_slice(name.as_bytes());
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(EntryType::Regular);
    h.set_cksum();
    h
}

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The files of a small course: one unit with a text (whose image is missing from the
/// archive), a problem and an LTI tool Lyceum keeps as OLX. `title` changes the course
/// title, `org` its organisation.
pub(crate) fn small_files(org: &str, title: &str) -> Vec<(String, Vec<u8>)> {
    [
        (
            "course.xml".to_owned(),
            format!(r#"<course url_name="2026" org="{org}" course="S101"/>"#),
        ),
        (
            "course/2026.xml".into(),
            format!(
                r#"<course display_name="{title}" language="en"><chapter url_name="ch1"/></course>"#
            ),
        ),
        (
            "policies/2026/policy.json".into(),
            r#"{"course/2026": {"start": "2026-01-01T00:00:00Z"}}"#.into(),
        ),
        (
            "chapter/ch1.xml".into(),
            r#"<chapter display_name="Week one"><sequential url_name="seq1"/></chapter>"#.into(),
        ),
        (
            "sequential/seq1.xml".into(),
            r#"<sequential display_name="Lesson one"><vertical url_name="v1"/></sequential>"#
                .into(),
        ),
        (
            "vertical/v1.xml".into(),
            r#"<vertical display_name="First unit"><html url_name="h1"/><problem url_name="p1"/><lti url_name="tool1" launch_url="https://tool.example/launch"/></vertical>"#.into(),
        ),
        (
            "html/h1.xml".into(),
            r#"<html filename="h1" display_name="Welcome"/>"#.into(),
        ),
        (
            "html/h1.html".into(),
            r#"<p>Welcome to the small course.</p><img src="/static/missing.png" alt="A picture">"#
                .into(),
        ),
        (
            "problem/p1.xml".into(),
            r#"<problem display_name="Yes or no"><stringresponse answer="yes" type="ci"><label>Say yes</label><textline/></stringresponse></problem>"#.into(),
        ),
        ("static/notes.txt".into(), "Course notes".into()),
    ]
    .into_iter()
    .map(|(p, t)| (p, t.into_bytes()))
    .collect()
}

/// A tar of `files` under a `course/` folder, as Studio packs them.
pub(crate) fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = Builder::new(Vec::new());
    for (path, bytes) in files {
        b.append(
            &raw_header(&format!("course/{path}"), bytes.len() as u64),
            bytes.as_slice(),
        )
        .unwrap();
    }
    b.into_inner().unwrap()
}

pub(crate) fn small_course() -> Vec<u8> {
    gzip(&tar_of(&small_files("SMALLORG", "Small OLX course")))
}

/// The Open edX demo course (`tests/fixtures/olx/demo-course`) packed as Studio would.
pub(crate) fn demo_course() -> Vec<u8> {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/olx/demo-course"
    ));
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                files.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    gzip(&tar_of(&files))
}

/// A `multipart/form-data` body as a browser sends the import form.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----LyceumTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    if let Some((filename, bytes)) = file {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"{filename}\"\r\nContent-Type: application/gzip\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn upload(
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    archive: &[u8],
) -> Resp {
    let (ct, body) = multipart(fields, Some(("course.tar.gz", archive)));
    c.request(Method::POST, path, Body::from(body), Some(&ct), &[])
        .await
}

pub(crate) async fn course_id(t: &TestApp, key: &str) -> Option<CourseId> {
    let mut c = t.store.conn().await.unwrap();
    courses::find_by_key(&mut c, key)
        .await
        .unwrap()
        .map(|r| r.id())
}

/// Uploads never outlive their request.
pub(crate) fn assert_no_temp_files(t: &TestApp) {
    let left: Vec<_> = std::fs::read_dir(t.media.temp_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// The entries of a `.tar.gz`, by path.
pub(crate) fn untar(gz: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut a = tar::Archive::new(GzDecoder::new(gz));
    let mut out = std::collections::BTreeMap::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        out.insert(path, bytes);
    }
    out
}

/// An admin, logged in; the small course imported and published.
pub(crate) async fn with_small_course() -> (TestApp, Client, CourseId) {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let r = upload(&mut admin, "/import", &[("publish", "1")], &small_course()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = course_id(&t, SMALL_KEY).await.expect("the course exists");
    (t, admin, id)
}

#[tokio::test]
async fn the_import_page_is_for_site_administrators_only() {
    let t = TestApp::new().await;
    let r = t.client().get("/import").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?return_to=%2Fimport");
    let r = upload(&mut t.client(), "/import", &[], &small_course()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous upload");
    assert!(r.location().starts_with("/login"));

    t.user("learner", false).await;
    let mut learner = t.login("learner").await;
    assert_eq!(learner.get("/import").await.status, StatusCode::NOT_FOUND);
    let r = upload(&mut learner, "/import", &[], &small_course()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(course_id(&t, SMALL_KEY).await.is_none());
    assert!(!learner.get("/").await.body.contains(r#"href="/import""#));

    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    assert!(
        admin.get("/").await.body.contains(r#"href="/import""#),
        "the catalog links to it"
    );
    let page = admin.get("/import").await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        r#"enctype="multipart/form-data""#,
        r#"type="file" name="archive" accept=".tar.gz,.tgz,.tar"#,
        r#"name="org""#,
        r#"type="checkbox" name="publish""#,
        // The limits, in human units.
        "At most 2 GB once unpacked, 20,000 files, and 1 GB for any one file.",
        "kept as they are",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let ar = admin.get("/import?uselang=ar").await.body;
    // CLDR's default digits for Arabic (Latin), as every other number on the page.
    assert!(
        ar.contains("20,000 ملف"),
        "Arabic plural, CLDR digits: {ar}"
    );
    assert!(!ar.contains('٠'), "one digit system: {ar}");
}

#[tokio::test]
async fn an_admin_imports_the_demo_course_and_its_units_render() {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let r = upload(&mut admin, "/import", &[], &demo_course()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = &r.body;
    for want in [
        "The course <a href=\"/courses/course-v1:OpenedX+DemoX+DemoCourse/courseware\" lang=\"en\" dir=\"ltr\">Open edX Demo Course</a> was imported.",
        r#"<code class="import-code" dir="ltr">course-v1:OpenedX+DemoX+DemoCourse</code>"#,
        "6 sections",
        "17 subsections",
        "58 units",
        "110 files",
        // Kept blocks by their Open edX tag.
        r#"<code class="import-code" dir="ltr">drag-and-drop-v2</code> × 1"#,
        r#"<code class="import-code" dir="ltr">lti</code> × 2"#,
        // Notes grouped by kind, each with its file and detail.
        "Files missing from the archive (",
        r#"<span class="import-issues__detail"><code dir="ltr">static/feedback.js</code></span>"#,
        r#"<code dir="ltr">html/043493f197854f74a2659f467b45b84d.html</code>"#,
        "Not run by Lyceum (",
        r#"<span class="import-issues__detail"><code dir="ltr">&#60;drag-and-drop-v2&#62;</code></span>"#,
    ] {
        assert!(body.contains(want), "{want}");
    }
    assert!(!body.contains("Changes to the outline"), "a new course");
    assert_no_temp_files(&t);

    let id = course_id(&t, DEMO_KEY).await.unwrap();
    let mut c = t.store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    let row = courses::get(&mut c, id).await.unwrap().unwrap();
    drop(c);
    assert!(!row.published, "not published unless asked");
    let units: Vec<String> = (0..tree.len())
        .filter(|&i| tree.node(i).kind == NodeKind::Unit)
        .map(|i| tree.node(i).url_name.clone())
        .collect();
    assert_eq!(units.len(), 58);
    for u in &units {
        let r = admin.get(&format!("/courses/{DEMO_KEY}/unit/{u}")).await;
        assert_eq!(r.status, StatusCode::OK, "unit {u}");
    }
    // The importer is on the course team.
    let r = admin
        .get(&format!("/courses/{DEMO_KEY}/instructor/olx"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_archives_are_refused_on_the_form_and_create_nothing() {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let good = small_course();
    let mut dotdot = tar_of(&small_files("SMALLORG", "Small"));
    // Replace the end-of-archive blocks with one more entry, then end again.
    dotdot.truncate(dotdot.len() - 1024);
    let mut b = Builder::new(dotdot);
    b.append(&raw_header("../evil.xml", 4), &b"evil"[..])
        .unwrap();
    let dotdot = gzip(&b.into_inner().unwrap());
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "The archive ends too early",
        ),
        (
            "not gzip",
            b"<html>not an archive at all</html>".repeat(20),
            "This file is not a course export.",
        ),
        (
            "../ path",
            dotdot,
            "The archive contains a file name that is not allowed: \"../evil.xml\".",
        ),
    ];
    for (what, bytes, message) in cases {
        let r = upload(&mut admin, "/import", &[("org", "")], &bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(r.body.contains(message), "{what}: {}", r.body);
        assert!(r.body.contains(r#"role="alert""#), "{what}");
        assert!(
            r.body.contains(r#"enctype="multipart/form-data""#),
            "{what}: the form again"
        );
        assert!(course_id(&t, SMALL_KEY).await.is_none(), "{what}");
        assert_no_temp_files(&t);
    }
    // In the reader's language.
    admin
        .headers
        .insert("accept-language", "fr".parse().unwrap());
    let r = upload(&mut admin, "/import", &[], b"plain text").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Ce fichier n’est pas un export de cours"),
        "{}",
        r.body
    );
    // No file at all.
    let (ct, body) = multipart(&[("org", "")], None);
    let r = admin
        .request(Method::POST, "/import", Body::from(body), Some(&ct), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A bad organisation override.
    admin.headers.remove("accept-language");
    let r = upload(&mut admin, "/import", &[("org", "bad org!")], &good).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("is not a valid course id part"),
        "{}",
        r.body
    );
    assert!(course_id(&t, SMALL_KEY).await.is_none());
    assert_no_temp_files(&t);
}

#[tokio::test]
async fn uploads_over_the_limit_are_stopped() {
    let t = TestApp::with(backend(), |c| {
        c.import.max_total_mb = 1;
        c.import.max_files = 10;
    })
    .await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    assert!(
        admin
            .get("/import")
            .await
            .body
            .contains("At most 1 MB once unpacked, 10 files, and 1 GB for any one file.")
    );
    let big = vec![0x1f; 3 * 1024 * 1024];
    let r = upload(&mut admin, "/import", &[], &big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("The file is larger than 1 MB, the most this site accepts."),
        "{}",
        r.body
    );
    assert_no_temp_files(&t);
}

#[tokio::test]
async fn an_admin_import_of_an_existing_key_updates_it_in_place() {
    let (t, mut admin, id) = with_small_course().await;
    let again = gzip(&tar_of(&small_files(
        "SMALLORG",
        "Small OLX course, second run",
    )));
    let r = upload(&mut admin, "/import", &[], &again).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("already existed and was updated in place"));
    assert!(r.body.contains("Changes to the outline"));
    assert_eq!(course_id(&t, SMALL_KEY).await, Some(id));
    // The organisation override gives a new course.
    let r = upload(&mut admin, "/import", &[("org", "OTHERORG")], &again).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("course-v1:OTHERORG+S101+2026"));
    assert!(
        course_id(&t, "course-v1:OTHERORG+S101+2026")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn the_course_team_exports_and_reimports_with_learner_work_kept() {
    let (t, mut admin, id) = with_small_course().await;
    let body = admin
        .get(&format!("/courses/{SMALL_KEY}/unit/v1"))
        .await
        .body;
    assert!(body.contains("Welcome to the small course."));

    // The instructor's page.
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, id, CourseRole::Instructor).await;
    let mut tc = t.login("teacher").await;
    let page = tc
        .get(&format!("/courses/{SMALL_KEY}/instructor/gradebook"))
        .await
        .body;
    assert!(
        page.contains(&format!(
            r#"href="/courses/{SMALL_KEY}/instructor/olx">Import and export</a>"#
        )),
        "in the instructor navigation"
    );
    let page = tc
        .get(&format!("/courses/{SMALL_KEY}/instructor/olx"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("instructor/export.tar.gz"));
    assert!(page.body.contains(r#"enctype="multipart/form-data""#));
    assert!(
        page.body
            .contains("learners keep their progress and answers on blocks that still exist")
    );
    assert!(page.body.contains("lyceum import --org"));

    // A learner works through the course.
    let learner = t.user("learner", false).await;
    t.enroll(learner, id).await;
    let mut lc = t.login("learner").await;
    let ids = t.block_ids(id).await;
    let r = lc
        .post_json(
            &format!("/api/v1/problems/{}/submit", ids["p1"]),
            json!({"answers": {"p1_2_1": "Yes"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The unit holds a problem: it completes once that is answered and the unit is seen
    // ("mark as done" is for reading and video units only).
    let unit = lc.get(&format!("/courses/{SMALL_KEY}/unit/v1")).await.body;
    assert!(unit.contains("You completed this unit"), "{unit}");

    // Export: a gzip'd OLX course naming this course.
    let r = tc
        .get(&format!("/courses/{SMALL_KEY}/instructor/export.tar.gz"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/gzip");
    assert_eq!(
        r.header("content-disposition"),
        r#"attachment; filename="SMALLORG-S101-2026.tar.gz""#
    );
    assert_eq!(r.header("content-encoding"), "", "not compressed twice");
    let files = untar(&r.bytes);
    let course_xml = String::from_utf8(files["course/course.xml"].clone()).unwrap();
    for want in [
        r#"url_name="2026""#,
        r#"org="SMALLORG""#,
        r#"course="S101""#,
    ] {
        assert!(course_xml.contains(want), "{course_xml}");
    }
    assert!(files.contains_key("course/static/notes.txt"));
    assert_no_temp_files(&t);

    // Re-import it: nothing changes, and the learner's work is still there.
    let r = upload(
        &mut tc,
        &format!("/courses/{SMALL_KEY}/instructor/import"),
        &[],
        &r.bytes,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("already existed and was updated in place"));
    let total = ids.len();
    for want in [
        "0 added".to_owned(),
        "0 changed".to_owned(),
        format!("{total} unchanged"),
        "0 removed".to_owned(),
    ] {
        assert!(r.body.contains(&want), "{want}: {}", r.body);
    }
    assert_eq!(t.block_ids(id).await, ids, "blocks keep their ids");
    assert_no_temp_files(&t);

    // A changed export: the text is edited, the problem stays.
    let mut changed = small_files("SMALLORG", "Small OLX course");
    for (path, bytes) in &mut changed {
        if path == "html/h1.html" {
            *bytes = b"<p>Welcome, edited in Studio.</p>".to_vec();
        }
    }
    let r = upload(
        &mut tc,
        &format!("/courses/{SMALL_KEY}/instructor/import"),
        &[],
        &gzip(&tar_of(&changed)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("1 changed"), "{}", r.body);
    let mut c = t.store.conn().await.unwrap();
    let state = problems::state(&mut c, learner, BlockId(ids["p1"]))
        .await
        .unwrap()
        .expect("the learner's answer is kept");
    assert_eq!(state.attempts, 1);
    drop(c);
    let unit = lc.get(&format!("/courses/{SMALL_KEY}/unit/v1")).await.body;
    assert!(unit.contains("Welcome, edited in Studio."));
    assert!(
        unit.contains("You completed this unit"),
        "completion is kept"
    );
}

#[tokio::test]
async fn only_the_course_team_exports_and_only_instructors_reimport() {
    let (t, _admin, id) = with_small_course().await;
    let export = format!("/courses/{SMALL_KEY}/instructor/export.tar.gz");
    let reimport = format!("/courses/{SMALL_KEY}/instructor/import");
    let page = format!("/courses/{SMALL_KEY}/instructor/olx");

    let learner = t.user("learner", false).await;
    t.enroll(learner, id).await;
    let mut lc = t.login("learner").await;
    assert_eq!(lc.get(&export).await.status, StatusCode::NOT_FOUND);
    assert_eq!(lc.get(&page).await.status, StatusCode::NOT_FOUND);
    let r = upload(&mut lc, &reimport, &[], &small_course()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.client().get(&export).await.status,
        StatusCode::NOT_FOUND,
        "anonymous"
    );

    // Staff (teaching assistants) export but do not re-import.
    let ta = t.user("ta", false).await;
    t.make_staff(ta, id, CourseRole::Staff).await;
    let mut tac = t.login("ta").await;
    assert_eq!(tac.get(&export).await.status, StatusCode::OK);
    let body = tac.get(&page).await.body;
    assert!(body.contains("Only the course's instructors can update it"));
    assert!(!body.contains(r#"enctype="multipart/form-data""#));
    let r = upload(&mut tac, &reimport, &[], &small_course()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_no_temp_files(&t);
}

#[tokio::test]
async fn another_courses_archive_is_refused_on_reimport() {
    let (t, mut admin, id) = with_small_course().await;
    let before = t.block_ids(id).await;
    let other = gzip(&tar_of(&small_files("OTHERORG", "Someone else's copy")));
    let r = upload(
        &mut admin,
        &format!("/courses/{SMALL_KEY}/instructor/import"),
        &[],
        &other,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(
            "This archive holds the course course-v1:OTHERORG+S101+2026, not this course (course-v1:SMALLORG+S101+2026)"
        ),
        "{}",
        r.body
    );
    assert!(
        course_id(&t, "course-v1:OTHERORG+S101+2026")
            .await
            .is_none()
    );
    assert_eq!(t.block_ids(id).await, before);
    // Nor can the form's organisation field be used to get around it.
    let r = upload(
        &mut admin,
        &format!("/courses/{SMALL_KEY}/instructor/import"),
        &[("org", "SMALLORG")],
        &other,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_no_temp_files(&t);
}

/// `n` bytes that do not compress.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// The small course with more files under `static/`, placed before the course's XML so
/// they are read (and, before the fix, stored) before anything refuses the archive.
fn small_with_statics(org: &str, statics: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut files = statics;
    files.extend(small_files(org, "Small OLX course"));
    gzip(&tar_of(&files))
}

#[tokio::test]
async fn refused_imports_leave_the_media_directory_as_it_was() {
    let t = TestApp::with(backend(), |c| c.import.max_total_mb = 4).await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let r = upload(&mut admin, "/import", &[("publish", "1")], &small_course()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = course_id(&t, SMALL_KEY).await.unwrap();
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, id, CourseRole::Instructor).await;
    let mut tc = t.login("teacher").await;
    let reimport = format!("/courses/{SMALL_KEY}/instructor/import");
    let before = media_snapshot(&t);
    assert_eq!(t.media.list().unwrap().len(), 1, "the course's notes.txt");

    // Another course's archive on this course's re-import: its files were read first.
    let other = small_with_statics(
        "OTHERORG",
        vec![("static/other.bin".into(), noise(300_000, 1))],
    );
    let r = upload(&mut tc, &reimport, &[], &other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("not this course"), "{}", r.body);
    assert_eq!(media_snapshot(&t), before, "wrong course key");

    // Over the size limit: each file passes, the total does not.
    let over = small_with_statics(
        "SMALLORG",
        (0..5)
            .map(|i| (format!("static/part{i}.bin"), noise(1024 * 1024, i)))
            .collect(),
    );
    for (who, path) in [(&mut admin, "/import"), (&mut tc, reimport.as_str())] {
        let r = upload(who, path, &[], &over).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert_eq!(media_snapshot(&t), before, "over the size limit on {path}");
    }

    // A gzip bomb: a few KB that unpack to more than the limit, file after file.
    let bomb = small_with_statics(
        "SMALLORG",
        (0..4u8)
            .map(|i| (format!("static/zeros{i}.bin"), vec![i; 1536 * 1024]))
            .collect(),
    );
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    for (who, path) in [(&mut admin, "/import"), (&mut tc, reimport.as_str())] {
        let r = upload(who, path, &[], &bomb).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert_eq!(media_snapshot(&t), before, "gzip bomb on {path}");
    }

    // Files read, then a course that does not parse.
    let mut broken = vec![("static/fine.bin".to_owned(), noise(10_000, 9))];
    broken.extend(small_files("SMALLORG", "Small").into_iter().map(|(p, b)| {
        if p == "course/2026.xml" {
            (p, b"<course display_name=".to_vec())
        } else {
            (p, b)
        }
    }));
    let r = upload(&mut tc, &reimport, &[], &gzip(&tar_of(&broken))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(media_snapshot(&t), before, "a course that does not parse");
    assert_no_temp_files(&t);
}

#[tokio::test]
async fn a_reimport_releases_the_files_it_replaces() {
    let (t, mut admin, id) = with_small_course().await;
    let sha_of = async |name: &str| {
        let mut c = t.store.conn().await.unwrap();
        lyceum_store::repo::assets::find(&mut c, id, name)
            .await
            .unwrap()
            .map(|a| a.sha256)
    };
    let old = sha_of("notes.txt").await.unwrap();
    // Unchanged: the file stays.
    let r = upload(&mut admin, "/import", &[], &small_course()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // `read` blocks (on S3 it waits for the bucket): not on the test's runtime thread.
    let (m, o) = (t.media.clone(), old.clone());
    let bytes = tokio::task::spawn_blocking(move || m.read(&o))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, b"Course notes");
    // New notes under the same name: the old file goes, the new one is there.
    let files: Vec<(String, Vec<u8>)> = small_files("SMALLORG", "Small OLX course")
        .into_iter()
        .map(|(p, b)| {
            if p == "static/notes.txt" {
                (p, b"Revised notes".to_vec())
            } else {
                (p, b)
            }
        })
        .collect();
    let r = upload(&mut admin, "/import", &[], &gzip(&tar_of(&files))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new = sha_of("notes.txt").await.unwrap();
    assert_ne!(new, old);
    let (m, n) = (t.media.clone(), new.clone());
    let bytes = tokio::task::spawn_blocking(move || m.read(&n))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, b"Revised notes");
    assert!(
        !t.media.exists(&old).unwrap(),
        "the replaced file is removed"
    );
    let stored: Vec<String> = t
        .media
        .list()
        .unwrap()
        .into_iter()
        .map(|f| f.sha256)
        .collect();
    assert_eq!(stored, vec![new]);
    let staging = t.media.staging_leftovers().unwrap();
    assert_eq!(staging, 0, "no staging area is left");
}
