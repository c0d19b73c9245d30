//! The repository contract: every test runs against SQLite and against PostgreSQL, each on
//! a fresh database of its own.
#![allow(clippy::unwrap_used)]

use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::{assets, courses, learner, orgs, sessions, users};
use lyceum_store::{Store, StoreError, testing};

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
    users_are_unique_case_insensitively,
    passwords_and_preferences,
    wikimedia_accounts_follow_renames,
    sessions_join_their_user_and_expire,
    organisations_upsert_by_slug,
    course_outline_round_trips,
    catalog_hides_unpublished_courses,
    catalog_pages_filters_and_facets,
    learner_unit_state_in_one_row,
    viewer_facts_come_with_the_course,
    enrolment_lifecycle,
    completions_are_idempotent,
    video_progress_and_bookmarks,
    assets_replace_by_name,
    dropped_transactions_leave_nothing,
);

const NOW: i64 = 1_790_000_000_000;

async fn user(store: &Store, name: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, name, &name.to_lowercase(), "", false, NOW)
        .await
        .unwrap()
}

fn spec(code: &str, published: bool) -> CourseSpec {
    serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": code, "run": "2026", "language": "fr",
        "title": format!("Cours {code}"), "short_description": "Court", "overview": "Long *texte*",
        "outcomes": ["Un", "Deux"], "effort_hours_per_week": 2, "effort_weeks": 3,
        "start": "2026-01-01T00:00:00Z", "published": published,
        "sections": [
            {"title": "S1", "subsections": [{"title": "SS1", "units": [
                {"title": "U1", "blocks": [{"kind": "text", "markdown": "Bonjour"}, {"kind": "text", "html": "<p>Salut</p>"}]},
                {"title": "U2", "blocks": [{"kind": "text", "markdown": "Deux"}]}
            ]}]},
            {"title": "S2", "release": "2030-01-01T00:00:00Z", "subsections": [{"title": "SS2", "units": [
                {"title": "U3", "blocks": [{"kind": "text", "markdown": "Trois"}]}
            ]}]}
        ]
    }))
    .unwrap()
}

async fn course(store: &Store, code: &str, published: bool) -> CourseId {
    let e = expand(spec(code, published), &mut |_| None).unwrap();
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

async fn users_are_unique_case_insensitively(store: Store) {
    let mut c = store.conn().await.unwrap();
    let ada = users::create_user(&mut c, "Ada", "ada", "Ada L.", false, NOW)
        .await
        .unwrap();
    let err = users::create_user(&mut c, "ADA", "ada", "", false, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    let found = users::find_user_by_key(&mut c, "ada")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id(), ada);
    assert_eq!(found.shown_name(), "Ada L.");
    assert_eq!(users::count_users(&mut c).await.unwrap(), 1);
    let many = users::get_users(&mut c, &[ada, UserId(999)]).await.unwrap();
    assert_eq!(many.len(), 1);
}

async fn passwords_and_preferences(store: Store) {
    let id = user(&store, "Bea").await;
    let mut c = store.conn().await.unwrap();
    assert!(
        users::find_password_hash(&mut c, "bea")
            .await
            .unwrap()
            .is_none()
    );
    users::set_password_hash(&mut c, id, "hash1", NOW)
        .await
        .unwrap();
    users::set_password_hash(&mut c, id, "hash2", NOW)
        .await
        .unwrap();
    assert_eq!(
        users::find_password_hash(&mut c, "bea").await.unwrap(),
        Some((id, "hash2".to_string()))
    );
    users::update_preferences(&mut c, id, "Béatrice", Some("ar"), Some("Africa/Cairo"))
        .await
        .unwrap();
    users::set_admin(&mut c, id, true).await.unwrap();
    let u = users::get_user(&mut c, id).await.unwrap().unwrap();
    assert_eq!(
        (
            u.display_name.as_str(),
            u.language.as_deref(),
            u.time_zone.as_deref(),
            u.is_admin
        ),
        ("Béatrice", Some("ar"), Some("Africa/Cairo"), true)
    );
}

async fn wikimedia_accounts_follow_renames(store: Store) {
    let id = user(&store, "Learner1").await;
    let mut c = store.conn().await.unwrap();
    users::insert_wikimedia_account(&mut c, 12345678, id, "Learner1", Some(NOW - 1000), NOW)
        .await
        .unwrap();
    assert!(matches!(
        users::insert_wikimedia_account(&mut c, 12345678, id, "X", None, NOW).await,
        Err(StoreError::Conflict)
    ));
    users::refresh_wikimedia_account(&mut c, 12345678, "Learner One", None, NOW + 1)
        .await
        .unwrap();
    let a = users::find_wikimedia_account(&mut c, 12345678)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.user_id, a.username.as_str(), a.registered_at),
        (id.0, "Learner One", None)
    );
    assert_eq!(
        users::find_wikimedia_account_of_user(&mut c, id)
            .await
            .unwrap()
            .unwrap()
            .central_id,
        12345678
    );
    users::rename_user(&mut c, id, "Learner One", "learner one")
        .await
        .unwrap();
    assert!(
        users::find_user_by_key(&mut c, "learner one")
            .await
            .unwrap()
            .is_some()
    );
}

async fn sessions_join_their_user_and_expire(store: Store) {
    let id = user(&store, "Cy").await;
    let mut c = store.conn().await.unwrap();
    sessions::create(&mut c, "anon", None, "{}", NOW, NOW + 1000)
        .await
        .unwrap();
    sessions::create(&mut c, "known", Some(id), r#"{"a":1}"#, NOW, NOW + 1000)
        .await
        .unwrap();
    let anon = sessions::load(&mut c, "anon", NOW).await.unwrap().unwrap();
    assert!(anon.user.is_none());
    let known = sessions::load(&mut c, "known", NOW).await.unwrap().unwrap();
    assert_eq!(known.user.unwrap().username, "Cy");
    assert_eq!(known.data, r#"{"a":1}"#);
    sessions::update_data(&mut c, "known", r#"{"b":2}"#)
        .await
        .unwrap();
    assert_eq!(
        sessions::load(&mut c, "known", NOW)
            .await
            .unwrap()
            .unwrap()
            .data,
        r#"{"b":2}"#
    );
    assert!(
        sessions::load(&mut c, "known", NOW + 1000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    sessions::extend(&mut c, "known", NOW + 5000).await.unwrap();
    assert!(
        sessions::load(&mut c, "known", NOW + 1000)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        sessions::delete_expired(&mut c, NOW + 2000).await.unwrap(),
        1
    );
    sessions::delete(&mut c, "known").await.unwrap();
    assert!(
        sessions::load(&mut c, "known", NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn organisations_upsert_by_slug(store: Store) {
    let mut c = store.conn().await.unwrap();
    let a = orgs::upsert(&mut c, "ORG", "Name", "", None, NOW)
        .await
        .unwrap();
    let b = orgs::upsert(
        &mut c,
        "ORG",
        "New name",
        "Desc",
        Some("https://example.org"),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(a, b);
    let all = orgs::list(&mut c).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "New name");
    assert_eq!(
        orgs::find_by_slug(&mut c, "ORG")
            .await
            .unwrap()
            .unwrap()
            .website
            .as_deref(),
        Some("https://example.org")
    );
}

async fn course_outline_round_trips(store: Store) {
    let id = course(&store, "C1", true).await;
    let mut c = store.conn().await.unwrap();
    let row = courses::get(&mut c, id).await.unwrap().unwrap();
    assert_eq!(row.course_key, "course-v1:TESTORG+C1+2026");
    assert_eq!(row.outcomes(), vec!["Un", "Deux"]);
    assert_eq!(
        (row.effort_minutes_per_week, row.effort_weeks),
        (Some(120), Some(3))
    );
    assert!(row.overview_html.contains("<em>texte</em>"));
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    assert!(tree.problems.is_empty());
    let titles: Vec<_> = tree
        .units()
        .iter()
        .map(|&u| tree.node(u).title.clone())
        .collect();
    assert_eq!(titles, vec!["U1", "U2", "U3"]);
    let u1 = tree.units()[0];
    assert_eq!(tree.children(u1).len(), 2);
    assert_eq!(
        tree.node(tree.sections()[1])
            .release_at
            .map(|t| t.to_string()),
        Some("2030-01-01T00:00:00Z".into())
    );
    // Same key again is a conflict, and nothing of the second attempt remains.
    let e = expand(spec("C1", true), &mut |_| None).unwrap();
    let org = orgs::find_by_slug(&mut c, "TESTORG")
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        courses::create(&mut c, lyceum_core::OrgId(org.id), &e.course, NOW).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(courses::count_courses(&mut c).await.unwrap(), 1);
    let v1 = courses::content_version(&mut c, id).await.unwrap().unwrap();
    courses::bump_content_version(&mut c, id, NOW)
        .await
        .unwrap();
    assert_eq!(
        courses::content_version(&mut c, id).await.unwrap(),
        Some(v1 + 1)
    );
}

async fn catalog_hides_unpublished_courses(store: Store) {
    let public = course(&store, "PUB", true).await;
    let draft = course(&store, "DRAFT", false).await;
    let learner = user(&store, "Learner").await;
    let staff = user(&store, "Staff").await;
    let mut c = store.conn().await.unwrap();
    courses::set_role(&mut c, draft, staff, CourseRole::Staff, NOW)
        .await
        .unwrap();
    let ids = |rows: Vec<courses::CourseRow>| rows.into_iter().map(|r| r.id()).collect::<Vec<_>>();
    assert_eq!(
        ids(courses::catalog(&mut c, None, false, None, None, 100, 0)
            .await
            .unwrap()),
        vec![public]
    );
    assert_eq!(
        ids(
            courses::catalog(&mut c, Some(learner), false, None, None, 100, 0)
                .await
                .unwrap()
        ),
        vec![public]
    );
    assert_eq!(
        courses::catalog(&mut c, Some(staff), false, None, None, 100, 0)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        courses::catalog(&mut c, Some(learner), true, None, None, 100, 0)
            .await
            .unwrap()
            .len(),
        2
    );
    courses::set_published(&mut c, draft, true, NOW)
        .await
        .unwrap();
    assert_eq!(
        courses::catalog(&mut c, None, false, None, None, 100, 0)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn catalog_pages_filters_and_facets(store: Store) {
    course(&store, "P1", true).await;
    course(&store, "P2", true).await;
    course(&store, "P3", true).await;
    course(&store, "HIDDEN", false).await;
    let mut c = store.conn().await.unwrap();
    let facets = courses::catalog_facets(&mut c, None, false).await.unwrap();
    assert_eq!(facets.len(), 1);
    assert_eq!(
        (
            facets[0].language.as_str(),
            facets[0].org_slug.as_str(),
            facets[0].courses
        ),
        ("fr", "TESTORG", 3)
    );
    let page1 = courses::catalog(&mut c, None, false, None, None, 2, 0)
        .await
        .unwrap();
    let page2 = courses::catalog(&mut c, None, false, None, None, 2, 2)
        .await
        .unwrap();
    assert_eq!((page1.len(), page2.len()), (2, 1));
    assert!(
        page1[0].overview_html.is_empty(),
        "cards do not carry the overview"
    );
    assert_eq!(
        courses::catalog(&mut c, None, false, Some("fr"), Some("TESTORG"), 10, 0)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        courses::catalog(&mut c, None, false, Some("en"), None, 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        courses::catalog(&mut c, None, false, None, Some("OTHER"), 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn viewer_facts_come_with_the_course(store: Store) {
    let id = course(&store, "V", true).await;
    let learner = user(&store, "L").await;
    let staff = user(&store, "S").await;
    let mut c = store.conn().await.unwrap();
    let key = "course-v1:TESTORG+V+2026";
    let (row, v) = courses::find_for_viewer(&mut c, key, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.id(), id);
    assert!(!v.enrolled && v.role.is_none());
    learner::enroll(&mut c, learner, id, NOW).await.unwrap();
    courses::set_role(&mut c, id, staff, CourseRole::Instructor, NOW)
        .await
        .unwrap();
    assert!(
        courses::find_for_viewer(&mut c, key, Some(learner))
            .await
            .unwrap()
            .unwrap()
            .1
            .enrolled
    );
    assert_eq!(
        courses::find_for_viewer(&mut c, key, Some(staff))
            .await
            .unwrap()
            .unwrap()
            .1
            .role,
        Some(CourseRole::Instructor)
    );
    courses::remove_role(&mut c, id, staff).await.unwrap();
    assert_eq!(
        courses::find_for_viewer(&mut c, key, Some(staff))
            .await
            .unwrap()
            .unwrap()
            .1
            .role,
        None
    );
    assert!(
        courses::find_for_viewer(&mut c, "course-v1:X+Y+Z", None)
            .await
            .unwrap()
            .is_none()
    );
}

async fn enrolment_lifecycle(store: Store) {
    let a = course(&store, "A", true).await;
    let b = course(&store, "B", true).await;
    let u = user(&store, "E").await;
    let mut c = store.conn().await.unwrap();
    learner::enroll(&mut c, u, a, NOW).await.unwrap();
    learner::enroll(&mut c, u, a, NOW).await.unwrap();
    learner::enroll(&mut c, u, b, NOW + 1).await.unwrap();
    let list = learner::enrollments_of(&mut c, u).await.unwrap();
    assert_eq!(
        list.iter().map(|e| e.course.id()).collect::<Vec<_>>(),
        vec![b, a]
    );
    let tree = courses::load_tree(&mut c, a).await.unwrap();
    let unit = tree.node(tree.units()[1]).id;
    learner::set_last_unit(&mut c, u, a, unit).await.unwrap();
    learner::set_last_unit(&mut c, u, a, unit).await.unwrap();
    assert!(learner::unenroll(&mut c, u, a, NOW).await.unwrap());
    assert!(
        !learner::unenroll(&mut c, u, a, NOW).await.unwrap(),
        "second unenrol changes nothing"
    );
    assert_eq!(learner::enrollments_of(&mut c, u).await.unwrap().len(), 1);
    learner::enroll(&mut c, u, a, NOW + 2).await.unwrap();
    let again = learner::enrollments_of(&mut c, u).await.unwrap();
    assert_eq!(again[0].course.id(), a);
    assert_eq!(
        again[0].last_unit_id,
        Some(unit.0),
        "re-enrolling keeps the place"
    );
}

async fn completions_are_idempotent(store: Store) {
    let a = course(&store, "CA", true).await;
    let b = course(&store, "CB", true).await;
    let u = user(&store, "Comp").await;
    let mut c = store.conn().await.unwrap();
    let ta = courses::load_tree(&mut c, a).await.unwrap();
    let tb = courses::load_tree(&mut c, b).await.unwrap();
    let leaves: Vec<BlockId> = ta
        .children(ta.units()[0])
        .iter()
        .map(|&i| ta.node(i).id)
        .collect();
    learner::record_completions(&mut c, u, a, &leaves, learner::CompletionSource::View, NOW)
        .await
        .unwrap();
    learner::record_completions(&mut c, u, a, &leaves, learner::CompletionSource::View, NOW)
        .await
        .unwrap();
    learner::record_completions(&mut c, u, a, &[], learner::CompletionSource::View, NOW)
        .await
        .unwrap();
    learner::record_completions(
        &mut c,
        u,
        b,
        &[tb.node(tb.units()[0]).id],
        learner::CompletionSource::Manual,
        NOW,
    )
    .await
    .unwrap();
    let mut done = learner::completed_in_course(&mut c, u, a).await.unwrap();
    done.sort();
    assert_eq!(done, leaves);
    assert_eq!(
        learner::completed_everywhere(&mut c, u)
            .await
            .unwrap()
            .len(),
        3
    );
    learner::remove_completion(&mut c, u, leaves[0])
        .await
        .unwrap();
    assert_eq!(
        learner::completed_in_course(&mut c, u, a)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn video_progress_and_bookmarks(store: Store) {
    let a = course(&store, "VB", true).await;
    let u = user(&store, "Vid").await;
    let mut c = store.conn().await.unwrap();
    let t = courses::load_tree(&mut c, a).await.unwrap();
    let (u1, u2) = (t.node(t.units()[0]).id, t.node(t.units()[1]).id);
    assert!(
        learner::video_progress(&mut c, u, u1)
            .await
            .unwrap()
            .is_none()
    );
    learner::save_video_progress(&mut c, u, u1, "[[0.0,5.0]]", 20.0, 5.0, NOW)
        .await
        .unwrap();
    learner::save_video_progress(&mut c, u, u1, "[[0.0,9.5]]", 20.0, 9.5, NOW)
        .await
        .unwrap();
    let p = learner::video_progress(&mut c, u, u1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.ranges.as_str(), p.duration, p.position),
        ("[[0.0,9.5]]", 20.0, 9.5)
    );
    learner::add_bookmark(&mut c, u, a, u1, NOW).await.unwrap();
    learner::add_bookmark(&mut c, u, a, u2, NOW + 1)
        .await
        .unwrap();
    learner::add_bookmark(&mut c, u, a, u2, NOW + 2)
        .await
        .unwrap();
    assert_eq!(
        learner::bookmarks_in_course(&mut c, u, a).await.unwrap(),
        vec![(u2, NOW + 1), (u1, NOW)]
    );
    assert!(learner::is_bookmarked(&mut c, u, u1).await.unwrap());
    learner::remove_bookmark(&mut c, u, u1).await.unwrap();
    assert!(!learner::is_bookmarked(&mut c, u, u1).await.unwrap());
}

async fn learner_unit_state_in_one_row(store: Store) {
    let a = course(&store, "US", true).await;
    let u = user(&store, "Us").await;
    let mut c = store.conn().await.unwrap();
    let t = courses::load_tree(&mut c, a).await.unwrap();
    let unit = t.units()[0];
    let blocks: Vec<BlockId> = t.children(unit).iter().map(|&b| t.node(b).id).collect();
    let unit_id = t.node(unit).id;
    let empty = learner::unit_state(&mut c, u, unit_id).await.unwrap();
    assert!(empty.completed.is_empty() && !empty.bookmarked && empty.positions.is_empty());
    learner::record_completions(
        &mut c,
        u,
        a,
        &blocks[..1],
        learner::CompletionSource::View,
        NOW,
    )
    .await
    .unwrap();
    learner::add_bookmark(&mut c, u, a, unit_id, NOW)
        .await
        .unwrap();
    learner::save_video_progress(&mut c, u, blocks[1], "[]", 10.0, 4.5, NOW)
        .await
        .unwrap();
    let s = learner::unit_state(&mut c, u, unit_id).await.unwrap();
    assert_eq!(s.completed, [blocks[0]].into_iter().collect());
    assert!(s.bookmarked);
    assert_eq!(s.positions.get(&blocks[1]), Some(&4.5));
    let before = store.query_count();
    learner::unit_state(&mut c, u, unit_id).await.unwrap();
    assert_eq!(store.query_count(), before + 1);
}

async fn assets_replace_by_name(store: Store) {
    let a = course(&store, "AS", true).await;
    let mut c = store.conn().await.unwrap();
    assets::put(
        &mut c,
        a,
        "intro.webm",
        "video/webm",
        10,
        &"a".repeat(64),
        NOW,
    )
    .await
    .unwrap();
    assets::put(
        &mut c,
        a,
        "intro.webm",
        "video/webm",
        20,
        &"b".repeat(64),
        NOW,
    )
    .await
    .unwrap();
    let row = assets::find(&mut c, a, "intro.webm")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.size, row.sha256.as_str()),
        (20, "b".repeat(64).as_str())
    );
    assert!(assets::find(&mut c, a, "other").await.unwrap().is_none());
    assert_eq!(assets::list(&mut c, a).await.unwrap().len(), 1);
}

async fn dropped_transactions_leave_nothing(store: Store) {
    {
        let mut tx = store.begin().await.unwrap();
        users::create_user(&mut tx, "Ghost", "ghost", "", false, NOW)
            .await
            .unwrap();
        // Dropped without commit.
    }
    let mut c = store.conn().await.unwrap();
    assert!(
        users::find_user_by_key(&mut c, "ghost")
            .await
            .unwrap()
            .is_none()
    );
    let before = store.query_count();
    users::count_users(&mut c).await.unwrap();
    assert_eq!(
        store.query_count(),
        before + 1,
        "every statement is counted"
    );
}

#[tokio::test]
async fn ping_works_on_both_backends() {
    testing::sqlite().await.unwrap().store.ping().await.unwrap();
    testing::postgres()
        .await
        .unwrap()
        .store
        .ping()
        .await
        .unwrap();
}
