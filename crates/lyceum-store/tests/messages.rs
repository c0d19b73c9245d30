//! The repository contract of private messages, announcements and notification settings
//! (issue 15), on SQLite and on PostgreSQL, each test on a fresh database.
#![allow(clippy::unwrap_used)]

use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::announcements::{self, Audience, NewAnnouncement};
use lyceum_store::repo::messages::{self, NewMessage};
use lyceum_store::repo::notifications::{self, NewNotice};
use lyceum_store::repo::{
    courses, discussion_settings, learner, notification_settings, orgs, users,
};
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
    members_share_courses_with_their_roles_and_settings,
    conversations_group_by_person_latest_first_with_unread,
    a_conversation_pages_back_and_marks_read,
    blocks_are_per_person_and_idempotent,
    audiences_count_and_notify_in_one_statement,
    announcements_list_newest_first_and_delete_softly,
    notification_settings_steer_the_mail_queue,
);

const NOW: i64 = 1_790_000_000_000;

async fn user(store: &Store, name: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, name, &name.to_lowercase(), "", false, NOW)
        .await
        .unwrap()
}

async fn course(store: &Store, code: &str) -> CourseId {
    let spec: CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": code, "run": "2026", "language": "en",
        "title": format!("Course {code}"), "start": "2026-01-01T00:00:00Z", "published": true,
        "sections": [{"title": "S1", "subsections": [{"title": "SS1", "units": [
            {"title": "U1", "blocks": [{"kind": "text", "markdown": "One"}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test org", "", None, NOW)
        .await
        .unwrap();
    let id = courses::create(&mut tx, org, &e.course, NOW).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn send(
    store: &Store,
    course: CourseId,
    from: UserId,
    to: UserId,
    body: &str,
    at: i64,
) -> i64 {
    let mut c = store.conn().await.unwrap();
    messages::insert(
        &mut c,
        &NewMessage {
            course,
            sender: from,
            recipient: to,
            body,
            html: &format!("<p>{body}</p>"),
            now: at,
        },
    )
    .await
    .unwrap()
}

async fn members_share_courses_with_their_roles_and_settings(store: Store) {
    let (ana, ben, tom, zoe) = (
        user(&store, "ana").await,
        user(&store, "ben").await,
        user(&store, "tom").await,
        user(&store, "zoe").await,
    );
    let a = course(&store, "A").await;
    let b = course(&store, "B").await;
    let mut c = store.conn().await.unwrap();
    learner::enroll(&mut c, ana, a, NOW).await.unwrap();
    learner::enroll(&mut c, ben, a, NOW).await.unwrap();
    learner::enroll(&mut c, ana, b, NOW).await.unwrap();
    courses::set_role(&mut c, a, tom, CourseRole::Staff, NOW)
        .await
        .unwrap();
    // Zoe left course A: no longer a member.
    learner::enroll(&mut c, zoe, a, NOW).await.unwrap();
    learner::unenroll(&mut c, zoe, a, NOW).await.unwrap();

    let shared = messages::shared_courses(&mut c, ana, ben).await.unwrap();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].id, a.0);
    assert!(!shared[0].a_staff && !shared[0].b_staff && shared[0].learner_messages);
    let with_staff = messages::shared_courses(&mut c, ana, tom).await.unwrap();
    assert_eq!(with_staff.len(), 1);
    assert!(!with_staff[0].a_staff && with_staff[0].b_staff);
    assert!(
        messages::shared_courses(&mut c, ana, zoe)
            .await
            .unwrap()
            .is_empty()
    );

    discussion_settings::set_settings(
        &mut c,
        a,
        &discussion_settings::DiscussionSettingsRow {
            learner_messages: false,
            ..Default::default()
        },
        NOW,
    )
    .await
    .unwrap();
    let shared = messages::shared_courses(&mut c, ana, ben).await.unwrap();
    assert!(!shared[0].learner_messages);
    // The team of Ana's courses, for her to write to.
    let team = messages::team_contacts(&mut c, ana, 10).await.unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].username, "tom");
    assert_eq!(team[0].role, "staff");
}

async fn conversations_group_by_person_latest_first_with_unread(store: Store) {
    let (ana, ben, cat) = (
        user(&store, "ana").await,
        user(&store, "ben").await,
        user(&store, "cat").await,
    );
    let a = course(&store, "A").await;
    send(&store, a, ben, ana, "hello ana", NOW).await;
    send(&store, a, ben, ana, "are you there", NOW + 1).await;
    send(&store, a, ana, cat, "hi cat", NOW + 2).await;
    send(&store, a, cat, ana, "hi back", NOW + 3).await;
    let mut c = store.conn().await.unwrap();
    let list = messages::conversations(&mut c, ana, 10).await.unwrap();
    assert_eq!(
        list.iter().map(|r| r.username.as_str()).collect::<Vec<_>>(),
        ["cat", "ben"]
    );
    assert_eq!(list[0].last_body, "hi back");
    assert!(!list[0].last_from_me);
    assert_eq!(list[0].unread, 1);
    assert_eq!(list[1].unread, 2);
    assert_eq!(messages::unread_count(&mut c, ana).await.unwrap(), 3);
    // Ben's side: one conversation, nothing unread (he wrote both).
    let bens = messages::conversations(&mut c, ben, 10).await.unwrap();
    assert_eq!(bens.len(), 1);
    assert!(bens[0].last_from_me);
    assert_eq!(bens[0].unread, 0);
}

async fn a_conversation_pages_back_and_marks_read(store: Store) {
    let (ana, ben) = (user(&store, "ana").await, user(&store, "ben").await);
    let a = course(&store, "A").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(send(&store, a, ben, ana, &format!("m{i}"), NOW + i).await);
    }
    let mut c = store.conn().await.unwrap();
    let page = messages::conversation(&mut c, ana, ben, None, 3)
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["m4", "m3", "m2"]
    );
    assert_eq!(page[0].course_key, "course-v1:TESTORG+A+2026");
    let older = messages::conversation(&mut c, ana, ben, Some(page[2].id), 3)
        .await
        .unwrap();
    assert_eq!(
        older.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["m1", "m0"]
    );
    // Only what Ben sent Ana is marked, once.
    assert_eq!(
        messages::mark_read(&mut c, ana, ben, NOW + 10)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        messages::mark_read(&mut c, ana, ben, NOW + 11)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        messages::mark_read(&mut c, ben, ana, NOW + 11)
            .await
            .unwrap(),
        0
    );
    let m = messages::get(&mut c, ids[0]).await.unwrap().unwrap();
    assert_eq!(m.read_at, Some(NOW + 10));
    assert_eq!(m.recipient_id, Some(ana.0));
}

async fn blocks_are_per_person_and_idempotent(store: Store) {
    let (ana, ben) = (user(&store, "ana").await, user(&store, "ben").await);
    let mut c = store.conn().await.unwrap();
    assert!(!messages::blocked(&mut c, ana, ben).await.unwrap());
    messages::block(&mut c, ana, ben, NOW).await.unwrap();
    messages::block(&mut c, ana, ben, NOW + 1).await.unwrap();
    assert!(messages::blocked(&mut c, ana, ben).await.unwrap());
    assert!(!messages::blocked(&mut c, ben, ana).await.unwrap());
    let list = messages::blocks_of(&mut c, ana).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].username, "ben");
    assert!(messages::unblock(&mut c, ana, ben).await.unwrap());
    assert!(!messages::unblock(&mut c, ana, ben).await.unwrap());
    assert!(!messages::blocked(&mut c, ana, ben).await.unwrap());
}

async fn audiences_count_and_notify_in_one_statement(store: Store) {
    let a = course(&store, "A").await;
    let other = course(&store, "B").await;
    let (fresh, busy, done, staff, gone) = (
        user(&store, "fresh").await,
        user(&store, "busy").await,
        user(&store, "done").await,
        user(&store, "staff").await,
        user(&store, "gone").await,
    );
    let mut c = store.conn().await.unwrap();
    for u in [fresh, busy, done, staff, gone] {
        learner::enroll(&mut c, u, a, NOW).await.unwrap();
    }
    learner::enroll(&mut c, fresh, other, NOW).await.unwrap();
    courses::set_role(&mut c, a, staff, CourseRole::Staff, NOW)
        .await
        .unwrap();
    learner::unenroll(&mut c, gone, a, NOW).await.unwrap();
    let tree = courses::load_tree(&mut c, a).await.unwrap();
    let unit = (0..tree.len())
        .map(|i| tree.node(i).id)
        .find(|_| true)
        .unwrap();
    learner::set_last_unit(&mut c, busy, a, unit).await.unwrap();
    learner::record_completions(
        &mut c,
        done,
        a,
        &[BlockId(unit.0)],
        learner::CompletionSource::Manual,
        NOW,
    )
    .await
    .unwrap();

    let mut all = announcements::learners(&mut c, a).await.unwrap();
    all.sort_by_key(|u| u.0);
    let mut want = vec![fresh, busy, done];
    want.sort_by_key(|u| u.0);
    assert_eq!(all, want, "active learners, not the team");
    assert_eq!(
        announcements::count_audience(&mut c, a, Audience::All)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        announcements::count_audience(&mut c, a, Audience::NotStarted)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        announcements::count_audience(&mut c, a, Audience::Among(&[done, staff]))
            .await
            .unwrap(),
        1,
        "only learners of the set"
    );
    assert_eq!(
        announcements::count_audience(&mut c, a, Audience::Among(&[]))
            .await
            .unwrap(),
        0
    );
    let before = store.query_count();
    let n = announcements::notify_audience(
        &mut c,
        a,
        Audience::NotStarted,
        "announcement",
        "/x",
        "Hi",
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(store.query_count() - before, 1);
    assert_eq!(n, 1);
    let got = notifications::recent(&mut c, fresh, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, "announcement");
    assert_eq!(got[0].course_id, Some(a.0));
    assert!(
        notifications::recent(&mut c, busy, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn announcements_list_newest_first_and_delete_softly(store: Store) {
    let a = course(&store, "A").await;
    let b = course(&store, "B").await;
    let t = user(&store, "teacher").await;
    let mut c = store.conn().await.unwrap();
    let mut ids = Vec::new();
    for (i, title) in ["First", "Second"].into_iter().enumerate() {
        ids.push(
            announcements::insert(
                &mut c,
                &NewAnnouncement {
                    course: a,
                    author: t,
                    title,
                    body: "Body",
                    html: "<p>Body</p>",
                    audience: "all",
                    now: NOW + i as i64,
                },
            )
            .await
            .unwrap(),
        );
    }
    announcements::set_recipients(&mut c, ids[1], 7)
        .await
        .unwrap();
    let list = announcements::list(&mut c, a, 10).await.unwrap();
    assert_eq!(
        list.iter().map(|x| x.title.as_str()).collect::<Vec<_>>(),
        ["Second", "First"]
    );
    assert_eq!(list[0].recipients, 7);
    assert_eq!(list[0].author_username.as_deref(), Some("teacher"));
    // Another course's id is not this course's announcement.
    assert!(!announcements::delete(&mut c, b, ids[0], NOW).await.unwrap());
    assert!(announcements::delete(&mut c, a, ids[0], NOW).await.unwrap());
    assert!(!announcements::delete(&mut c, a, ids[0], NOW).await.unwrap());
    let list = announcements::list(&mut c, a, 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "Second");
}

async fn notification_settings_steer_the_mail_queue(store: Store) {
    let (now_p, app_p, daily_p) = (
        user(&store, "now").await,
        user(&store, "app").await,
        user(&store, "daily").await,
    );
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        notification_settings::email(&mut c, now_p).await.unwrap(),
        "now"
    );
    notification_settings::set_email(&mut c, app_p, "app", NOW)
        .await
        .unwrap();
    notification_settings::set_email(&mut c, daily_p, "daily", NOW)
        .await
        .unwrap();
    notification_settings::set_email(&mut c, daily_p, "daily", NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        notification_settings::email(&mut c, daily_p).await.unwrap(),
        "daily"
    );
    for u in [now_p, app_p, daily_p, daily_p] {
        notifications::notify(
            &mut c,
            &NewNotice {
                user: u,
                course: None,
                kind: "message",
                link: "/messages/x",
                subject: "X",
                now: NOW,
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(
        notification_settings::skip_app_only(&mut c, NOW)
            .await
            .unwrap(),
        1
    );
    let at_once = notification_settings::unemailed_now(&mut c, 10)
        .await
        .unwrap();
    assert_eq!(
        at_once.iter().map(|n| n.user_id).collect::<Vec<_>>(),
        [now_p.0]
    );
    assert_eq!(
        notification_settings::digests_due(&mut c, NOW, 10)
            .await
            .unwrap(),
        [daily_p]
    );
    let mine = notification_settings::unemailed_of(&mut c, daily_p, 10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    notification_settings::digest_sent(&mut c, daily_p, mine[1].id, NOW)
        .await
        .unwrap();
    assert!(
        notification_settings::unemailed_of(&mut c, daily_p, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A new notice waits a day for the next digest.
    notifications::notify(
        &mut c,
        &NewNotice {
            user: daily_p,
            course: None,
            kind: "message",
            link: "/messages/x",
            subject: "Y",
            now: NOW + 1000,
        },
    )
    .await
    .unwrap();
    assert!(
        notification_settings::digests_due(&mut c, NOW + 1000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let day = notification_settings::DIGEST_EVERY_MS;
    assert_eq!(
        notification_settings::digests_due(&mut c, NOW + day, 10)
            .await
            .unwrap(),
        [daily_p]
    );
}
