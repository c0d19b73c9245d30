//! Importing, re-importing and exporting courses as use cases, without HTTP: what is
//! stored, what is refused, and that a refused import stores nothing.
#![allow(clippy::unwrap_used)]

use lyceum_app::courses::{self, Archive};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::{CourseId, FixedClock};
use lyceum_store::repo::courses as course_rows;
use lyceum_store::{MediaStore, testing};
use std::path::Path;
use std::sync::Arc;

const KEY: &str = "course-v1:APPORG+A101+2026";

struct World {
    env: Env,
    _db: testing::TestDb,
    _media: tempfile::TempDir,
}

async fn world() -> World {
    let db = testing::sqlite().await.unwrap();
    let media = tempfile::tempdir().unwrap();
    let env = Env {
        store: db.store.clone(),
        media: MediaStore::new(media.path()).unwrap(),
        clock: Arc::new(FixedClock::new("2026-11-21T12:00:00Z".parse().unwrap())),
    };
    World {
        env,
        _db: db,
        _media: media,
    }
}

/// A small course in a directory: one unit with a text (and its image), a problem and
/// an LTI tool kept as OLX.
fn course_dir(org: &str, title: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "course.xml".to_owned(),
            format!(r#"<course url_name="2026" org="{org}" course="A101"/>"#),
        ),
        (
            "course/2026.xml".to_owned(),
            format!(r#"<course display_name="{title}" language="fr"><chapter url_name="ch1"/></course>"#),
        ),
        (
            "chapter/ch1.xml".to_owned(),
            r#"<chapter display_name="One"><sequential url_name="s1"/></chapter>"#.to_owned(),
        ),
        (
            "sequential/s1.xml".to_owned(),
            r#"<sequential display_name="Lesson"><vertical url_name="v1"/></sequential>"#
                .to_owned(),
        ),
        (
            "vertical/v1.xml".to_owned(),
            r#"<vertical display_name="Unit"><html url_name="h1">&lt;p&gt;&lt;img src="/static/pic.png"&gt;&lt;/p&gt;</html><problem url_name="p1" display_name="Q"><multiplechoiceresponse><choicegroup><choice correct="true">A</choice><choice correct="false">B</choice></choicegroup></multiplechoiceresponse></problem><lti url_name="t1" launch_url="https://tool.example/"/></vertical>"#.to_owned(),
        ),
        ("static/pic.png".to_owned(), "not really a png".to_owned()),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn archive(source: &Path) -> Archive {
    Archive {
        source: source.to_path_buf(),
        ..Default::default()
    }
}

async fn title_of(env: &Env, id: CourseId) -> String {
    let mut c = env.store.conn().await.unwrap();
    course_rows::get(&mut c, id).await.unwrap().unwrap().title
}

#[tokio::test]
async fn import_creates_then_updates_in_place() {
    let w = world().await;
    let dir = course_dir("APPORG", "First");
    let s = courses::import(&w.env, archive(dir.path()), None, false)
        .await
        .unwrap();
    assert!(s.created);
    assert_eq!(s.course_key, KEY);
    assert_eq!((s.title.as_str(), s.language.as_str()), ("First", "fr"));
    assert_eq!((s.sections, s.subsections, s.units), (1, 1, 1));
    assert_eq!(s.blocks.get("text"), Some(&1));
    assert_eq!(s.blocks.get("problem"), Some(&1));
    assert_eq!(s.kept.get("lti"), Some(&1));
    assert_eq!(s.assets, 1);
    assert!(s.url_names.contains_key("p1"));
    assert_eq!(
        courses::find(&w.env, KEY).await.unwrap(),
        Some(CourseId(s.course_id))
    );
    assert_eq!(
        w.env.media.list().unwrap().len(),
        1,
        "the image joined the media store"
    );

    // The same key again: the course is updated, its blocks keep their ids.
    let again = course_dir("APPORG", "Second");
    let u = courses::import(&w.env, archive(again.path()), None, false)
        .await
        .unwrap();
    assert!(!u.created);
    assert_eq!(u.course_id, s.course_id);
    assert_eq!(u.url_names["p1"], s.url_names["p1"]);
    assert_eq!((u.outline.added, u.outline.removed), (0, 0));
    assert_eq!(title_of(&w.env, CourseId(s.course_id)).await, "Second");
}

#[tokio::test]
async fn reimport_refuses_another_course_and_stores_nothing() {
    let w = world().await;
    let dir = course_dir("APPORG", "Mine");
    let s = courses::import(&w.env, archive(dir.path()), None, false)
        .await
        .unwrap();
    let other = course_dir("OTHERORG", "Theirs");
    let e = courses::reimport(&w.env, KEY, archive(other.path()), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.error.key.0, "lyceum-error-olx-other-course");
    assert_eq!(
        courses::find(&w.env, "course-v1:OTHERORG+A101+2026")
            .await
            .unwrap(),
        None
    );
    assert_eq!(title_of(&w.env, CourseId(s.course_id)).await, "Mine");

    // An organisation given with a re-import is ignored: only this course, under its key.
    let same = course_dir("APPORG", "Renamed");
    let mut a = archive(same.path());
    a.org = Some("OTHERORG".to_owned());
    let u = courses::reimport(&w.env, KEY, a, None).await.unwrap();
    assert!(!u.created);
    assert_eq!(title_of(&w.env, CourseId(s.course_id)).await, "Renamed");
}

#[tokio::test]
async fn a_broken_archive_is_invalid_and_leaves_no_file() {
    let w = world().await;
    let dir = course_dir("APPORG", "Broken");
    std::fs::write(dir.path().join("course.xml"), "<course").unwrap();
    let e = courses::import(&w.env, archive(dir.path()), None, false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.error.key.0, "lyceum-error-olx-course-xml");
    assert!(
        w.env.media.list().unwrap().is_empty(),
        "staged files were dropped"
    );
    assert_eq!(courses::find(&w.env, KEY).await.unwrap(), None);
}

#[tokio::test]
async fn export_reads_back_as_the_same_course() {
    let w = world().await;
    let dir = course_dir("APPORG", "Round trip");
    let s = courses::import(&w.env, archive(dir.path()), None, false)
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("course.tar.gz");
    courses::export(
        &w.env,
        CourseId(s.course_id),
        std::fs::File::create(&file).unwrap(),
    )
    .await
    .unwrap();

    let elsewhere = world().await;
    let copy = courses::import(&elsewhere.env, archive(&file), None, false)
        .await
        .unwrap();
    assert!(copy.created);
    assert_eq!(copy.course_key, KEY);
    assert_eq!(copy.blocks, s.blocks);
    assert_eq!(copy.kept, s.kept);
    assert_eq!(copy.assets, s.assets);
    assert_eq!(
        copy.url_names.keys().collect::<Vec<_>>(),
        s.url_names.keys().collect::<Vec<_>>()
    );

    let e = courses::export(&w.env, CourseId(9999), std::io::sink())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(courses::archive_name(KEY), "APPORG-A101-2026.tar.gz");
}
