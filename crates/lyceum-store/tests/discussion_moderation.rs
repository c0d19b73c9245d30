//! The discussion moderation and settings repository contract (issue 15), on SQLite and
//! on PostgreSQL: settings and their defaults, mutes and bans (which one is in force),
//! hiding, soft deletion, locking and held posts.
#![allow(clippy::unwrap_used)]

use lyceum_core::{CourseId, UserId};
use lyceum_store::repo::discussion_moderation as dm;
use lyceum_store::repo::discussion_settings::{self as ds, DiscussionSettingsRow};
use lyceum_store::repo::discussions::{self as d, NewPost, NewThread, Viewer};
use lyceum_store::repo::{moderation, orgs, users};
use lyceum_store::{Store, testing};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::sqlite().await.unwrap().store).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::postgres().await.unwrap().store).await })*
        }
    };
}

contract!(
    settings_default_and_upsert,
    active_mute_prefers_bans_then_the_latest_end,
    mutes_are_listed_with_who_and_why_and_lifted_not_deleted,
    posts_hide_delete_lock_and_release,
    reports_about_posts_show_the_post,
);

const NOW: i64 = 1_790_000_000_000;
const HOUR: i64 = 3_600_000;

async fn user(store: &Store, name: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, name, &name.to_lowercase(), "", false, NOW)
        .await
        .unwrap()
}

async fn course(store: &Store, code: &str) -> CourseId {
    let spec: lyceum_core::course::spec::CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": code, "run": "2026", "language": "fr",
        "title": format!("Cours {code}"), "published": true, "sections": []
    }))
    .unwrap();
    let e = lyceum_core::course::spec::expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test org", "", None, NOW)
        .await
        .unwrap();
    let id = lyceum_store::repo::courses::create(&mut tx, org, &e.course, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn settings_default_and_upsert(store: Store) {
    let c1 = course(&store, "S1").await;
    let c2 = course(&store, "S2").await;
    let mut c = store.conn().await.unwrap();
    let s = ds::settings(&mut c, c1).await.unwrap();
    assert!(!s.allow_anonymous && s.learner_messages && !s.hold_first_posts);
    let want = DiscussionSettingsRow {
        allow_anonymous: true,
        learner_messages: false,
        hold_first_posts: true,
    };
    ds::set_settings(&mut c, c1, &want, NOW).await.unwrap();
    let got = ds::settings(&mut c, c1).await.unwrap();
    assert!(got.allow_anonymous && !got.learner_messages && got.hold_first_posts);
    // Upsert: a second write replaces the first.
    ds::set_settings(
        &mut c,
        c1,
        &DiscussionSettingsRow {
            allow_anonymous: false,
            ..want
        },
        NOW + 1,
    )
    .await
    .unwrap();
    let got = ds::settings(&mut c, c1).await.unwrap();
    assert!(!got.allow_anonymous && got.hold_first_posts);
    // Another course keeps the defaults.
    let other = ds::settings(&mut c, c2).await.unwrap();
    assert!(!other.allow_anonymous && other.learner_messages && !other.hold_first_posts);
}

async fn active_mute_prefers_bans_then_the_latest_end(store: Store) {
    let c1 = course(&store, "M1").await;
    let c2 = course(&store, "M2").await;
    let ana = user(&store, "Ana").await;
    let staff = user(&store, "Staff").await;
    let mut c = store.conn().await.unwrap();
    assert!(
        ds::active_mute(&mut c, c1, ana, NOW)
            .await
            .unwrap()
            .is_none()
    );
    // An expired mute is ignored.
    dm::insert_mute(&mut c, c1, ana, Some(NOW - 1), "old", staff, NOW - HOUR)
        .await
        .unwrap();
    assert!(
        ds::active_mute(&mut c, c1, ana, NOW)
            .await
            .unwrap()
            .is_none()
    );
    let short = dm::insert_mute(&mut c, c1, ana, Some(NOW + HOUR), "short", staff, NOW)
        .await
        .unwrap();
    let long = dm::insert_mute(&mut c, c1, ana, Some(NOW + 5 * HOUR), "long", staff, NOW)
        .await
        .unwrap();
    let m = ds::active_mute(&mut c, c1, ana, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((m.id, m.reason.as_str()), (long, "long"));
    // Exactly at its end a mute is over.
    assert!(
        ds::active_mute(&mut c, c1, ana, NOW + 5 * HOUR)
            .await
            .unwrap()
            .is_none()
    );
    // A ban wins over any mute.
    let ban = dm::insert_mute(&mut c, c1, ana, None, "ban", staff, NOW)
        .await
        .unwrap();
    let m = ds::active_mute(&mut c, c1, ana, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((m.id, m.until_at), (ban, None));
    assert!(
        ds::active_mute(&mut c, c1, ana, NOW + 1000 * HOUR)
            .await
            .unwrap()
            .is_some(),
        "a ban has no end"
    );
    // Lifted: ignored; the mutes still in force come back.
    assert!(dm::lift_mute(&mut c, ban, staff, NOW + 1).await.unwrap());
    assert!(
        !dm::lift_mute(&mut c, ban, staff, NOW + 2).await.unwrap(),
        "lifted once"
    );
    let m = ds::active_mute(&mut c, c1, ana, NOW + 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.id, long);
    // Lifting everything in force leaves nothing; another course was never concerned.
    assert_eq!(
        dm::lift_active(&mut c, c1, ana, staff, NOW + 3)
            .await
            .unwrap(),
        2
    );
    assert!(
        ds::active_mute(&mut c, c1, ana, NOW + 3)
            .await
            .unwrap()
            .is_none()
    );
    let _ = short;
    dm::insert_mute(&mut c, c2, staff, None, "other course", ana, NOW)
        .await
        .unwrap();
    assert!(
        ds::active_mute(&mut c, c1, staff, NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn mutes_are_listed_with_who_and_why_and_lifted_not_deleted(store: Store) {
    let c1 = course(&store, "L1").await;
    let ana = user(&store, "Ana").await;
    let bo = user(&store, "Bo").await;
    let staff = user(&store, "Staff").await;
    let mut c = store.conn().await.unwrap();
    let m1 = dm::insert_mute(&mut c, c1, ana, Some(NOW + HOUR), "rude", staff, NOW)
        .await
        .unwrap();
    let m2 = dm::insert_mute(&mut c, c1, bo, None, "spam", staff, NOW + 1)
        .await
        .unwrap();
    dm::lift_mute(&mut c, m1, staff, NOW + 2).await.unwrap();
    let all = dm::course_mutes(&mut c, c1, 50).await.unwrap();
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m2, m1]);
    let lifted = &all[1];
    assert_eq!(lifted.username, "Ana");
    assert_eq!(lifted.reason, "rude");
    assert_eq!(lifted.created_by.as_deref(), Some("Staff"));
    assert_eq!(lifted.lifted_at, Some(NOW + 2));
    assert_eq!(lifted.lifted_by.as_deref(), Some("Staff"));
    assert_eq!(all[0].until_at, None);
    let mine = dm::mutes_of(&mut c, bo, 50).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].course_key, "course-v1:TESTORG+L1+2026");
    assert_eq!(
        dm::get_mute(&mut c, m2).await.unwrap().unwrap().reason,
        "spam"
    );
}

async fn posts_hide_delete_lock_and_release(store: Store) {
    let c1 = course(&store, "P1").await;
    let ana = user(&store, "Ana").await;
    let staff = user(&store, "Staff").await;
    let mut c = store.conn().await.unwrap();
    let (thread, opening) = d::create_thread(
        &mut c,
        &NewThread {
            course: c1,
            topic_key: "course-general",
            kind: "question",
            title: "Une question",
            author: ana,
            anonymous: false,
            body: "Bonjour",
            html: "<p>Bonjour</p>",
            held: false,
            now: NOW,
        },
    )
    .await
    .unwrap();
    let reply = d::reply(
        &mut c,
        &NewPost {
            course: c1,
            thread,
            parent: None,
            author: ana,
            anonymous: false,
            body: "Une réponse",
            html: "<p>Une réponse</p>",
            held: true,
            now: NOW + 1,
        },
    )
    .await
    .unwrap();
    let p = dm::post(&mut c, reply).await.unwrap().unwrap();
    assert_eq!(
        (p.thread_id, p.depth, p.held_at),
        (thread, 1, Some(NOW + 1))
    );
    assert_eq!(p.thread_title, "Une question");
    // Held: in the review queue.
    let held = dm::held_posts(&mut c, c1, 10).await.unwrap();
    assert_eq!(held.iter().map(|h| h.id).collect::<Vec<_>>(), vec![reply]);
    assert_eq!(held[0].author_username.as_deref(), Some("Ana"));
    assert_eq!(dm::held_count(&mut c, c1).await.unwrap(), 1);
    dm::release_post(&mut c, &p, NOW + 10).await.unwrap();
    d::recount(&mut c, thread).await.unwrap();
    assert_eq!(dm::held_count(&mut c, c1).await.unwrap(), 0);
    let learner = Viewer {
        user: Some(staff),
        moderates: false,
    };
    assert!(d::post(&mut c, &learner, reply).await.unwrap().is_some());
    // Hidden: kept with the reason; gone for learners.
    dm::set_post_hidden(&mut c, reply, Some((staff, NOW + 20, "off topic")))
        .await
        .unwrap();
    let p = dm::post(&mut c, reply).await.unwrap().unwrap();
    assert_eq!(
        (p.hidden_at, p.hidden_reason.as_str()),
        (Some(NOW + 20), "off topic")
    );
    assert!(d::post(&mut c, &learner, reply).await.unwrap().is_none());
    dm::set_post_hidden(&mut c, reply, None).await.unwrap();
    let p = dm::post(&mut c, reply).await.unwrap().unwrap();
    assert_eq!((p.hidden_at, p.hidden_reason.as_str()), (None, ""));
    // The opening post takes the thread with it.
    dm::set_thread_hidden(&mut c, thread, Some((staff, NOW + 30, "spam")))
        .await
        .unwrap();
    assert!(
        dm::thread(&mut c, thread)
            .await
            .unwrap()
            .unwrap()
            .hidden_at
            .is_some()
    );
    dm::set_thread_hidden(&mut c, thread, None).await.unwrap();
    dm::set_post_deleted(&mut c, opening, Some((staff, NOW + 40)))
        .await
        .unwrap();
    dm::set_thread_deleted(&mut c, thread, Some((staff, NOW + 40)))
        .await
        .unwrap();
    let t = dm::thread(&mut c, thread).await.unwrap().unwrap();
    assert_eq!(
        (t.deleted_at, t.first_post_id),
        (Some(NOW + 40), Some(opening))
    );
    dm::set_post_deleted(&mut c, opening, None).await.unwrap();
    dm::set_thread_deleted(&mut c, thread, None).await.unwrap();
    assert!(
        dm::thread(&mut c, thread)
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_none()
    );
    // Locking keeps the reason.
    dm::set_thread_closed(&mut c, thread, Some((staff, NOW + 50, "settled")))
        .await
        .unwrap();
    let t = dm::thread(&mut c, thread).await.unwrap().unwrap();
    assert_eq!(
        (t.closed_at, t.close_reason.as_str()),
        (Some(NOW + 50), "settled")
    );
    dm::set_thread_closed(&mut c, thread, None).await.unwrap();
    assert!(
        dm::thread(&mut c, thread)
            .await
            .unwrap()
            .unwrap()
            .closed_at
            .is_none()
    );
    // The course's moderation log lists discussion actions only.
    for (action, target_type) in [
        ("hide", "post"),
        ("discussion-mute", "user"),
        ("hide", "course"),
    ] {
        moderation::insert_action(
            &mut c,
            &moderation::NewAction {
                actor: staff,
                action,
                target_type,
                target_id: "1",
                course: Some(c1),
                user: Some(ana),
                subject: "Une question",
                reason: "why",
                until: None,
                now: NOW,
            },
        )
        .await
        .unwrap();
    }
    let log = dm::course_actions(&mut c, c1, 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|a| a.actor.as_deref() == Some("Staff")));
}

async fn reports_about_posts_show_the_post(store: Store) {
    let c1 = course(&store, "R1").await;
    let ana = user(&store, "Ana").await;
    let bo = user(&store, "Bo").await;
    let mut c = store.conn().await.unwrap();
    let (thread, post) = d::create_thread(
        &mut c,
        &NewThread {
            course: c1,
            topic_key: "course-general",
            kind: "discussion",
            title: "Sujet",
            author: ana,
            anonymous: false,
            body: "Texte signalé",
            html: "<p>Texte signalé</p>",
            held: false,
            now: NOW,
        },
    )
    .await
    .unwrap();
    let id = post.to_string();
    // A report about a course sits beside it: its non-numeric id must not break the join.
    for (target_type, target_id) in [
        ("course", "course-v1:TESTORG+R1+2026"),
        ("post", id.as_str()),
    ] {
        moderation::insert_report(
            &mut c,
            &moderation::NewReport {
                kind: "report",
                reporter: bo,
                target_type,
                target_id,
                course: Some(c1),
                org: None,
                block: None,
                user: Some(ana),
                action: None,
                reason: "spam",
                text: "",
                now: NOW,
            },
        )
        .await
        .unwrap();
    }
    let rows = moderation::course_post_reports(&mut c, c1, 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].post_body.as_deref(), Some("Texte signalé"));
    assert_eq!(rows[0].post_thread_id, Some(thread));
    assert_eq!(rows[0].post_thread_title.as_deref(), Some("Sujet"));
    let q = moderation::queue(&mut c, true, true, bo, 10).await.unwrap();
    assert_eq!(q.len(), 2);
}
