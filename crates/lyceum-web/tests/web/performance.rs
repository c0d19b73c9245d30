//! Budgets that are properties, not timings: the number of SQL queries a page issues
//! does not grow with the course, and a unit page with its CSS and JS stays small.

use crate::support::*;
use axum::http::StatusCode;
use std::io::Write;

async fn queries_for(t: &TestApp, c: &mut Client, path: &str) -> u64 {
    // Warm the course cache, then count.
    assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
    let before = t.queries();
    assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
    t.queries() - before
}

#[tokio::test]
async fn query_counts_do_not_grow_with_course_size() {
    let t = TestApp::new().await;
    let small = t.seed(big_course("SMALL", 5)).await;
    let big = t.seed(big_course("BIG", 2000)).await;
    let u = t.user("q", false).await;
    t.enroll(u, small).await;
    t.enroll(u, big).await;
    let mut c = t.login("q").await;
    for page in ["courseware", "unit/s1-1-3", "dates", "bookmarks", "about"] {
        let s = queries_for(
            &t,
            &mut c,
            &format!("/courses/course-v1:TESTORG+SMALL+2026/{page}"),
        )
        .await;
        let b = queries_for(
            &t,
            &mut c,
            &format!("/courses/course-v1:TESTORG+BIG+2026/{page}"),
        )
        .await;
        assert_eq!(
            s, b,
            "{page}: {s} queries in a 5-unit course, {b} in a 2000-unit one"
        );
        assert!(b <= 6, "{page}: {b} queries");
    }
    // A unit's first view costs what a second look costs: the page only reads (its
    // script reports that it was seen, by a POST of its own).
    for key in ["SMALL", "BIG"] {
        let unit = format!("/courses/course-v1:TESTORG+{key}+2026/unit/s1-1-2");
        let before = t.queries();
        assert_eq!(c.get(&unit).await.status, StatusCode::OK);
        let first = t.queries() - before;
        let again = queries_for(&t, &mut c, &unit).await;
        println!("{key}: unit page {first} statements on first view, {again} after");
        assert_eq!(first, again, "{key}: the first view of a unit wrote");
        // One statement: the course row with the enrolment and the unit's own state; on
        // PostgreSQL without the session listener (these tests), the session too.
        let budget = match backend() {
            lyceum_store::Backend::Sqlite => 1,
            lyceum_store::Backend::Postgres => 2,
        };
        assert!(again <= budget, "{key}: unit page {again} statements");
    }
    // Enrolments with progress, courses taught, organisations; on PostgreSQL, whose
    // sessions are not cached, the session too.
    let dash = queries_for(&t, &mut c, "/dashboard").await;
    let budget = match backend() {
        lyceum_store::Backend::Sqlite => 4,
        lyceum_store::Backend::Postgres => 5,
    };
    assert!(dash <= budget, "dashboard: {dash}");
    let api = queries_for(&t, &mut c, "/api/v1/courses/course-v1:TESTORG+BIG+2026").await;
    assert!(api <= 4, "api detail: {api}");
    let cat = queries_for(&t, &mut c, "/").await;
    assert!(cat <= 3, "catalog: {cat}");
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

#[tokio::test]
async fn a_unit_page_with_its_css_and_js_weighs_under_30_kb_compressed() {
    let t = TestApp::new().await;
    let course = t.seed_sample().await;
    let u = t.user("w", false).await;
    t.enroll(u, course).await;
    let mut c = t.login("w").await;
    for lang in ["en", "ar"] {
        let r = c
            .get_with(
                &format!("{}?uselang={lang}", unit_path("s1-1-1")),
                &[("accept-encoding", "gzip")],
            )
            .await;
        assert_eq!(r.header("content-encoding"), "gzip", "pages are compressed");
        let html = r.bytes.len();
        let page = c
            .get(&format!("{}?uselang={lang}", unit_path("s1-1-1")))
            .await
            .body;
        let mut assets = 0;
        for needle in ["<link rel=\"stylesheet\" href=\"", "<script src=\""] {
            let url = page.split(needle).nth(1).unwrap();
            let url = &url[..url.find('"').unwrap()];
            let a = c.get_with(url, &[("accept-encoding", "gzip")]).await;
            assert_eq!(a.status, StatusCode::OK);
            assert!(a.header("cache-control").contains("immutable"));
            assert_eq!(a.header("content-encoding"), "gzip");
            assert!(a.bytes.len() < gzip_len(&c.get(url).await.bytes) + 100);
            assets += a.bytes.len();
        }
        let total = html + assets;
        println!("{lang}: unit page {html} B + CSS/JS {assets} B = {total} B compressed");
        assert!(total <= 30 * 1024, "{lang}: {total} bytes");
    }
}

/// A course with one staff-graded open response, and `n` learners who submitted to it.
async fn open_response_course(t: &TestApp, code: &str, n: usize) -> String {
    let course = t
        .seed(serde_json::json!({
            "org": "TESTORG", "code": code, "run": "2026", "language": "en",
            "title": "Essays", "short_description": "", "overview": "", "published": true,
            "sections": [{"title": "S", "subsections": [{"title": "Essays", "units": [
                {"title": "Mission", "blocks": [{
                    "kind": "open_response", "title": "Mission statement", "prompts": ["Write."],
                    "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
                }]}
            ]}]}]
        }))
        .await;
    let key = format!("course-v1:TESTORG+{code}+2026");
    let block = t.block_ids(course).await["s1-1-1-1"];
    for i in 0..n {
        let u = t.user(&format!("{code}-learner-{i}"), false).await;
        t.enroll(u, course).await;
        lyceum_web::open_responses::submit_as(
            &t.app,
            &key,
            lyceum_core::BlockId(block),
            u,
            "My text.",
        )
        .await
        .unwrap();
    }
    let teacher = t.user(&format!("{code}-teacher"), false).await;
    t.make_staff(
        teacher,
        course,
        lyceum_core::permissions::CourseRole::Instructor,
    )
    .await;
    key
}

#[tokio::test]
async fn the_grading_queue_does_not_grow_with_the_number_of_responses() {
    let t = TestApp::new().await;
    let few = open_response_course(&t, "FEW", 2).await;
    let many = open_response_course(&t, "MANY", 40).await;
    for (path, budget) in [
        ("instructor/open-responses?filter=all", 8),
        ("courseware", 8),
    ] {
        let mut c = t.login("FEW-teacher").await;
        let s = queries_for(&t, &mut c, &format!("/courses/{few}/{path}")).await;
        let mut c = t.login("MANY-teacher").await;
        let b = queries_for(&t, &mut c, &format!("/courses/{many}/{path}")).await;
        assert_eq!(s, b, "{path}: {s} queries for 2 responses, {b} for 40");
        assert!(b <= budget, "{path}: {b} queries");
    }
    let mut c = t.login("MANY-teacher").await;
    let api = queries_for(
        &t,
        &mut c,
        &format!("/api/v1/courses/{many}/open-responses/queue?filter=all"),
    )
    .await;
    assert!(api <= 9, "queue API: {api} queries");
}

/// The dashboard's due dates and the courses someone teaches come from the course cache
/// and one statement each: as many queries for one course as for six.
#[tokio::test]
async fn the_dashboard_does_not_grow_with_courses_taken_or_taught() {
    let t = TestApp::new().await;
    let mut counts = Vec::new();
    for (name, n) in [("one", 1), ("six", 6)] {
        let u = t.user(name, false).await;
        for i in 0..n {
            let mut spec = graded_course(&format!("{name}{i}"), 20);
            spec["sections"][0]["subsections"][0]["due"] = "2026-12-01T00:00:00Z".into();
            let taken = t.seed(spec).await;
            t.enroll(u, taken).await;
            // Each taught course has an essay with a response waiting for the team.
            let mut spec = big_course(&format!("{name}T{i}"), 10);
            spec["sections"][0]["subsections"][0]["units"][0]["blocks"] = serde_json::json!([{
                "kind": "open_response", "title": "Essay", "prompts": ["Why?"],
                "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
            }]);
            let taught = t.seed(spec).await;
            t.make_staff(u, taught, lyceum_core::permissions::CourseRole::Instructor)
                .await;
            let writer = t.user(&format!("{name}W{i}"), false).await;
            t.enroll(writer, taught).await;
            let essay = t.block_ids(taught).await["s1-1-1-1"];
            let r = t
                .login(&format!("{name}W{i}"))
                .await
                .post_json(
                    &format!("/api/v1/open-responses/{essay}/submit"),
                    serde_json::json!({"text": "Because."}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let mut c = t.login(name).await;
        let page = c.get("/dashboard").await.body;
        assert!(page.contains("Coming up") && page.contains("Courses you teach"));
        assert_eq!(
            page.matches("1 response waiting for you").count(),
            n,
            "{page}"
        );
        counts.push(queries_for(&t, &mut c, "/dashboard").await);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    // Five for the courses and due dates, three for the waiting responses of every
    // course taught together (submissions, their assessments, reviews given).
    assert!(counts[1] <= 8, "dashboard: {counts:?}");
}

/// A fork's upstream page and API, its source's forks page and "What they changed" cost
/// the same few statements for a 5-unit course and a 300-unit one, every block changed in
/// the source; and none of them writes.
#[tokio::test]
async fn upstream_pages_do_not_grow_with_course_size() {
    use lyceum_app::forks::{ForkInput, ForkTarget};
    use lyceum_core::permissions::{Actor, CourseRole};
    let t = TestApp::new().await;
    let owner = t.user("q", false).await;
    let forker = t.volunteer("f").await;
    let mut counts = Vec::new();
    for (code, units) in [("SMALL", 5), ("BIG", 300)] {
        let source = t.seed(big_course(code, units)).await;
        t.make_staff(owner, source, CourseRole::Instructor).await;
        let key = format!("course-v1:TESTORG+{code}+2026");
        let env = t.app.env();
        let fork = lyceum_app::forks::fork(
            &env,
            &Actor::user(forker, false),
            &key,
            &ForkTarget::Personal,
            &ForkInput::default(),
        )
        .await
        .unwrap();
        // The fork publishes (so its source's team may compare it), then the source
        // changes every text and publishes.
        lyceum_app::authoring::publish(&env, &Actor::user(forker, false), fork.id, "")
            .await
            .unwrap();
        let mut db = t.store.conn().await.unwrap();
        use lyceum_store::Db;
        db.exec(
            lyceum_store::q(
                "INSERT INTO block_drafts (block_id, course_id, parent_id, position, title, release_at, content, revision, deleted, updated_at)
                 SELECT id, course_id, parent_id, position, title, release_at, REPLACE(content, 'Text', 'Changed text'), revision + 1, FALSE, 0
                 FROM blocks WHERE course_id = $1 AND kind = 'text'",
            )
            .bind(source.0),
        )
        .await
        .unwrap();
        db.exec(
            lyceum_store::q(
                "INSERT INTO block_revisions (block_id, revision, author_id, title, content, comment, created_at)
                 SELECT block_id, revision, $2, title, content, '', 0 FROM block_drafts WHERE course_id = $1",
            )
            .bind(source.0)
            .bind(owner.0),
        )
        .await
        .unwrap();
        drop(db);
        lyceum_app::authoring::publish(&env, &Actor::user(owner, false), source, "")
            .await
            .unwrap();
        let mut f = t.login("f").await;
        let mut q = t.login("q").await;
        let up = f
            .get(&format!("/api/v1/courses/{}/upstream", fork.key))
            .await
            .json();
        assert_eq!(up["changes"].as_array().unwrap().len(), units, "{code}");
        let writes = t.store.write_count();
        let page = queries_for(
            &t,
            &mut f,
            &format!("/courses/{}/studio/upstream", fork.key),
        )
        .await;
        let api = queries_for(
            &t,
            &mut f,
            &format!("/api/v1/courses/{}/upstream", fork.key),
        )
        .await;
        let forks = queries_for(&t, &mut q, &format!("/courses/{key}/studio/forks")).await;
        let changed = queries_for(&t, &mut q, &format!("/courses/{}/fork-changes", fork.key)).await;
        assert_eq!(t.store.write_count(), writes, "a GET wrote");
        counts.push((page, api, forks, changed));
    }
    println!("upstream page, API, forks page, what they changed: {counts:?}");
    assert_eq!(counts[0], counts[1], "{counts:?}");
    let (page, api, forks, changed) = counts[1];
    // The course by key, then with the actor's rights, the draft, the fork's record, the
    // source's published blocks, the links, the revisions last taken (+ the session on
    // PostgreSQL).
    assert!(page <= 8, "upstream page: {page}");
    assert!(api <= 8, "upstream API: {api}");
    // The course and rights and its draft (Studio's header), its forks (+ the session on
    // PostgreSQL).
    assert!(forks <= 6, "forks page: {forks}");
    // The fork by key, with the viewer's rights, its record, its published blocks, its
    // links, the source revisions it took.
    assert!(changed <= 7, "what they changed: {changed}");
}

/// The catalog's filters count every listed course, so a node counts them once per change
/// to the catalog, not per view; a change made anywhere (here: by another node, or a
/// statement outside the application) is seen on the next view of every node.
#[tokio::test]
async fn the_catalog_counts_its_filters_once_per_change_on_every_node() {
    let t = TestApp::new().await;
    for n in 0..30 {
        t.seed(sample_course(&format!("C{n:02}"), true)).await;
    }
    let mut c = t.client();
    let first = {
        let before = t.queries();
        assert_eq!(c.get("/").await.status, StatusCode::OK);
        t.queries() - before
    };
    let again = queries_for(&t, &mut c, "/").await;
    assert!(
        again < first,
        "a second view counts nothing again ({again} statements, the first {first})"
    );

    // A second node on the same database, with its own caches.
    let other = t.another_node();
    let mut on_other = Client::for_router(lyceum_web::router(other));
    let b = on_other.get("/").await.body;
    // The language menu of the interface offers Arabic too: the catalog's filter is a
    // second such option.
    let arabic = r#"<option value="ar" lang="ar">العربية</option>"#;
    assert_eq!(b.matches(arabic).count(), 1, "{b}");
    // Another node (here: a statement) moves a course to Arabic.
    let mut db = t.store.conn().await.unwrap();
    lyceum_store::Db::exec(
        &mut db,
        lyceum_store::q("UPDATE courses SET language = 'ar' WHERE code = 'C07'"),
    )
    .await
    .unwrap();
    drop(db);
    for (node, client) in [("this node", &mut c), ("the other node", &mut on_other)] {
        let b = client.get("/").await.body;
        assert!(
            b.matches(arabic).count() == 2,
            "{node} offers the new language: {b}"
        );
        let b = client.get("/?language=ar").await.body;
        assert!(b.contains("C07"), "{node} lists the course under it: {b}");
        assert!(!b.contains("C08"), "{b}");
    }
}

/// A unit page in a published translation (issue 17) keeps the source's budget: the
/// course's languages and its translated copy are kept by the node while the versions
/// they were made at hold.
#[tokio::test]
async fn a_translated_unit_page_costs_what_the_source_costs() {
    let t = TestApp::new().await;
    let course = t.seed(big_course("TRB", 300)).await;
    let writer = t.user("w", false).await;
    t.make_staff(writer, course, lyceum_core::permissions::CourseRole::Author)
        .await;
    let learner = t.user("q", false).await;
    t.enroll(learner, course).await;
    let api = "/api/v1/courses/course-v1:TESTORG+TRB+2026/translations";
    let mut w = t.login("w").await;
    let list = w.get(&format!("{api}/fr/segments")).await.json();
    for s in list.as_array().unwrap().iter().take(40) {
        let text = format!("(fr) {}", s["source"].as_str().unwrap());
        let r = w
            .put_json(
                &format!("{api}/fr/segments/{}", s["id"].as_str().unwrap()),
                serde_json::json!({ "text": text }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(
        w.post_empty(&format!("{api}/fr/publish")).await.status,
        StatusCode::OK
    );
    let mut c = t.login("q").await;
    let unit = "/courses/course-v1:TESTORG+TRB+2026/unit/s1-1-2";
    let source = queries_for(&t, &mut c, unit).await;
    let french = queries_for(&t, &mut c, &format!("{unit}?content_lang=fr")).await;
    assert!(
        c.get(&format!("{unit}?content_lang=fr"))
            .await
            .body
            .contains("(fr) "),
        "the page is in French"
    );
    assert_eq!(
        source, french,
        "{source} statements in the source, {french} in French"
    );
}
