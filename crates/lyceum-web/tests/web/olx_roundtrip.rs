//! A course exported from the instructor page and uploaded again unchanged: the page
//! reports nothing changed, for an Open edX course imported here and for a course made
//! on this site (Markdown texts, a video with a poster and subtitles, outcomes).

use crate::olx::{DEMO_KEY, course_id, demo_course, upload};
use crate::support::*;
use axum::http::StatusCode;
use lyceum_core::CourseId;
use lyceum_core::permissions::CourseRole;
use lyceum_store::repo::courses;

/// Export `key` as its instructor, upload the archive again, and return the result page.
async fn export_and_reimport(t: &TestApp, id: CourseId, key: &str) -> String {
    let teacher = t.user("teacher", false).await;
    t.make_staff(teacher, id, CourseRole::Instructor).await;
    let mut tc = t.login("teacher").await;
    let archive = tc
        .get(&format!("/courses/{key}/instructor/export.tar.gz"))
        .await;
    assert_eq!(archive.status, StatusCode::OK);
    let r = upload(
        &mut tc,
        &format!("/courses/{key}/instructor/import"),
        &[],
        &archive.bytes,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("already existed and was updated in place"));
    r.body
}

async fn block_count(t: &TestApp, id: CourseId) -> usize {
    let mut c = t.store.conn().await.unwrap();
    courses::load_tree(&mut c, id).await.unwrap().len()
}

#[tokio::test]
async fn the_open_edx_demo_course_reimported_from_its_export_changes_nothing() {
    let t = TestApp::new().await;
    t.user("admin", true).await;
    let mut admin = t.login("admin").await;
    let r = upload(&mut admin, "/import", &[], &demo_course()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = course_id(&t, DEMO_KEY).await.unwrap();
    let before = t.block_ids(id).await;

    let body = export_and_reimport(&t, id, DEMO_KEY).await;
    let total = block_count(&t, id).await;
    for want in [
        "0 added".to_owned(),
        "0 changed".to_owned(),
        format!("{total} unchanged"),
        "0 removed".to_owned(),
    ] {
        assert!(body.contains(&want), "{want}: {body}");
    }
    assert_eq!(t.block_ids(id).await, before);
}

#[tokio::test]
async fn a_course_made_here_reimported_from_its_export_changes_nothing() {
    let t = TestApp::new().await;
    let id = t.seed_sample().await;
    let mut c = t.store.conn().await.unwrap();
    let row = courses::get(&mut c, id).await.unwrap().unwrap();
    drop(c);

    let body = export_and_reimport(&t, id, KEY).await;
    let total = block_count(&t, id).await;
    for want in [
        "0 added".to_owned(),
        "0 changed".to_owned(),
        format!("{total} unchanged"),
        "0 removed".to_owned(),
    ] {
        assert!(body.contains(&want), "{want}: {body}");
    }
    // The course's own settings too.
    let mut c = t.store.conn().await.unwrap();
    let after = courses::get(&mut c, id).await.unwrap().unwrap();
    assert_eq!(after.outcomes(), ["One thing", "Another"]);
    assert_eq!(
        (
            &after.title,
            &after.short_description,
            &after.overview_html,
            after.effort_minutes_per_week,
            after.effort_weeks,
            after.start_at,
            after.end_at,
            &after.license,
            after.published,
        ),
        (
            &row.title,
            &row.short_description,
            &row.overview_html,
            row.effort_minutes_per_week,
            row.effort_weeks,
            row.start_at,
            row.end_at,
            &row.license,
            row.published,
        )
    );
}
