//! A course's files without HTTP, on SQLite and PostgreSQL: uploads are checked (name,
//! type, size, subtitles) before anything is stored, accepted ones are listed and their
//! file is in the media store, and only the course's editors may list or upload.
#![allow(clippy::unwrap_used)]

use lyceum_app::{Env, ErrorKind, course_files};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{FixedClock, UserId};
use lyceum_store::repo::{courses, learner, orgs, users};
use lyceum_store::{MediaStore, Store, testing};
use serde_json::json;
use std::sync::Arc;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::sqlite().await.unwrap().store).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::postgres().await.unwrap().store).await })*
        }
    };
}

both!(uploads_are_checked_listed_and_kept_to_editors);

const KEY: &str = "course-v1:WIKI+FILES+2026";

async fn user(store: &Store, name: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, name, name, "", false, 0)
        .await
        .unwrap()
}

async fn uploads_are_checked_listed_and_kept_to_editors(store: Store) {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "FILES", "run": "2026", "language": "en",
        "title": "Files", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S1", "subsections": [{"title": "SS1", "units": [
            {"title": "U1", "blocks": [{"kind": "text", "markdown": "Hello"}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    let id = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ada = user(&store, "Ada").await;
    let tao = user(&store, "Tao").await;
    let lea = user(&store, "Lea").await;
    {
        let mut c = store.conn().await.unwrap();
        courses::set_role(&mut c, id, ada, CourseRole::Author, 0)
            .await
            .unwrap();
        courses::set_role(&mut c, id, tao, CourseRole::Staff, 0)
            .await
            .unwrap();
        learner::enroll(&mut c, lea, id, 0).await.unwrap();
    }
    let media = tempfile::tempdir().unwrap();
    let env = Env {
        store,
        media: MediaStore::new(media.path()).unwrap(),
        clock: Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap())),
    };
    let (ada, tao, lea) = (
        Actor::user(ada, false),
        Actor::user(tao, false),
        Actor::user(lea, false),
    );

    // Refused before anything is stored.
    for (name, bytes) in [
        ("run.exe", &b"MZ"[..]),
        ("logo.svg", &b"<svg/>"[..]),
        ("bad.vtt", &b"WEBVTT\n\nno cue here\n"[..]),
        ("bad.srt", &b"\xff\xfe not utf-8"[..]),
        ("empty.pdf", &b""[..]),
    ] {
        let e = course_files::upload(&env, &ada, KEY, name, bytes)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{name}");
    }
    assert!(
        env.media.list().unwrap().is_empty(),
        "a refused file was kept"
    );
    assert!(
        course_files::list(&env, &ada, KEY)
            .await
            .unwrap()
            .1
            .is_empty()
    );

    // Accepted: normalised name, type from the extension, the file in the store.
    let name = course_files::upload(&env, &ada, KEY, "Brain green.png", b"\x89PNG\r\n\x1a\n")
        .await
        .unwrap();
    assert_eq!(name, "Brain_green.png");
    let (_, files) = course_files::list(&env, &ada, KEY).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].content_type.as_str(), files[0].size),
        ("image/png", 8)
    );
    assert!(env.media.exists(&files[0].sha256).unwrap());

    // Only editors: staff are refused, learners do not see it exists.
    let e = course_files::list(&env, &tao, KEY).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = course_files::upload(&env, &lea, KEY, "x.png", b"\x89PNG")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}
