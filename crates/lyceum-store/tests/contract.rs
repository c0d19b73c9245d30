//! The repository contract: every test runs against SQLite and against PostgreSQL, each on
//! a fresh database of its own.
#![allow(clippy::unwrap_used)]

use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::CourseRole;
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::drafts::{self, DraftWrite, NewRevision};
use lyceum_store::repo::login_limits::{self, Bucket, Reservation};
use lyceum_store::repo::{
    assets, calendar, courses, learner, media, notifications, open_responses as ors, orgs, pages,
    problems, sessions, surveys, users,
};
use lyceum_store::{Backend, Db, MediaStore, Store, StoreError, media_gc, testing};

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
    a_catalog_page_is_planned_once,
    learner_unit_state_in_one_row,
    viewer_facts_come_with_the_course,
    enrolment_lifecycle,
    completions_are_idempotent,
    video_progress_and_bookmarks,
    assets_replace_by_name,
    dropped_transactions_leave_nothing,
    problem_submissions_count_once,
    graded_submissions_are_all_or_nothing,
    scores_overrides_and_resets,
    gradebook_learners_search_and_log,
    grading_policy_round_trips,
    course_pages_replace_list_and_find,
    reimport_syncs_the_outline_by_url_name,
    open_response_versions_are_kept_and_race_safe,
    peer_reviews_go_to_the_least_reviewed_response,
    grading_locks_belong_to_one_grader,
    notifications_count_and_read,
    one_notice_to_many_people_in_one_statement,
    every_media_column_is_a_known_reference,
    media_references_of_every_kind,
    released_files_go_unless_still_referred_to,
    the_media_sweep_keeps_what_rows_refer_to,
    login_limits_hold_under_concurrency,
    login_limits_take_all_buckets_or_none,
    calendar_feeds_reset_and_find_their_owner,
    courses_taught_with_their_roles,
    survey_responses_once_each_with_report_rows,
    drafts_lie_over_the_published_course_until_published,
    discarding_a_draft_drops_only_what_was_never_published,
    revisions_are_listed_newest_first_with_their_authors,
    learner_work_counts_each_learner_once,
    lists_go_in_as_one_parameter,
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
    let staff = user(&store, "Staff").await;
    let mut c = store.conn().await.unwrap();
    courses::set_role(&mut c, draft, staff, CourseRole::Staff, NOW)
        .await
        .unwrap();
    let ids = |rows: Vec<courses::CatalogRow>| {
        rows.into_iter().map(|r| r.course.id()).collect::<Vec<_>>()
    };
    // Published courses only, whoever asks: drafts are found on their team's dashboard.
    assert_eq!(
        ids(courses::catalog(&mut c, "published", None, None, 100, 0)
            .await
            .unwrap()),
        vec![public]
    );
    assert!(
        courses::catalog(&mut c, "draft", None, None, 100, 0)
            .await
            .unwrap()
            .is_empty(),
        "the catalog never lists drafts"
    );
    courses::set_published(&mut c, draft, true, NOW)
        .await
        .unwrap();
    assert_eq!(
        courses::catalog(&mut c, "published", None, None, 100, 0)
            .await
            .unwrap()
            .len(),
        2
    );
    // Archived courses leave the default list and have one of their own.
    lyceum_store::repo::course_admin::set_status(&mut c, draft, "archived", true, NOW)
        .await
        .unwrap();
    assert_eq!(
        ids(courses::catalog(&mut c, "published", None, None, 100, 0)
            .await
            .unwrap()),
        vec![public]
    );
    assert_eq!(
        ids(courses::catalog(&mut c, "archived", None, None, 100, 0)
            .await
            .unwrap()),
        vec![draft]
    );
}

async fn catalog_pages_filters_and_facets(store: Store) {
    course(&store, "P1", true).await;
    course(&store, "P2", true).await;
    course(&store, "P3", true).await;
    course(&store, "HIDDEN", false).await;
    let mut c = store.conn().await.unwrap();
    let facets = courses::catalog_facets(&mut c, "published").await.unwrap();
    assert_eq!(facets.len(), 1);
    assert_eq!(
        (
            facets[0].language.as_str(),
            facets[0].org_slug.as_str(),
            facets[0].courses
        ),
        ("fr", "TESTORG", 3)
    );
    let page1 = courses::catalog(&mut c, "published", None, None, 2, 0)
        .await
        .unwrap();
    let page2 = courses::catalog(&mut c, "published", None, None, 2, 2)
        .await
        .unwrap();
    assert_eq!((page1.len(), page2.len()), (2, 1));
    assert!(
        page1[0].course.overview_html.is_empty(),
        "cards do not carry the overview"
    );
    assert_eq!(
        courses::catalog(&mut c, "published", Some("fr"), Some("TESTORG"), 10, 0)
            .await
            .unwrap()
            .len(),
        3
    );
    // Each filter alone, and paging with both: the statement differs by the filters
    // given, and so do the places of the limit and the offset.
    for (lang, org, limit, offset, n) in [
        (Some("fr"), None, 10, 0, 3),
        (None, Some("TESTORG"), 10, 0, 3),
        (Some("fr"), Some("TESTORG"), 2, 2, 1),
        (Some("fr"), None, 2, 0, 2),
        (None, Some("TESTORG"), 1, 1, 1),
    ] {
        assert_eq!(
            courses::catalog(&mut c, "published", lang, org, limit, offset)
                .await
                .unwrap()
                .len(),
            n,
            "{lang:?} {org:?} limit {limit} offset {offset}"
        );
    }
    assert!(
        courses::catalog(&mut c, "published", Some("en"), None, 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        courses::catalog(&mut c, "published", None, Some("OTHER"), 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

/// PostgreSQL plans a prepared statement for its values five times, then keeps one
/// generic plan only if that is estimated no dearer. The catalog's page walked the
/// catalog index either way, but with its bounds as parameters the generic plan was
/// estimated dearer and every view was planned again: as much planning as work. With the
/// bounds written in, a connection plans the first page's statement once and keeps it.
async fn a_catalog_page_is_planned_once(store: Store) {
    if store.backend() != Backend::Postgres {
        return; // SQLite prepares a statement once and has no plans to choose between.
    }
    for code in ["G1", "G2", "G3", "G4"] {
        course(&store, code, true).await;
    }
    let mut c = store.conn().await.unwrap();
    for _ in 0..10 {
        let page = courses::catalog(&mut c, "published", None, None, 25, 0)
            .await
            .unwrap();
        assert_eq!(page.len(), 4);
    }
    let plans: Vec<(i64, i64)> = c
        .all(lyceum_store::q(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements
             WHERE statement LIKE '%courses c JOIN organizations o%LIMIT 25 OFFSET 0%'
               AND statement NOT LIKE '%pg_prepared_statements%'",
        ))
        .await
        .unwrap();
    assert_eq!(
        plans.len(),
        1,
        "one statement for the first page: {plans:?}"
    );
    let (generic, custom) = plans[0];
    assert!(
        generic >= 5 && custom <= 5,
        "planned for its values on every run after the fifth: {plans:?}"
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

/// Record `blocks` complete for `user` in `course`, as seeing them does.
async fn complete(c: &mut lyceum_store::Conn, user: UserId, course: CourseId, blocks: &[BlockId]) {
    learner::record_completions(
        c,
        user,
        course,
        blocks,
        learner::CompletionSource::View,
        NOW,
    )
    .await
    .unwrap();
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
    complete(&mut c, u, a, &blocks[..1]).await;
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

    // The unit page reads the same state with the course, in its one statement.
    let key = courses::get(&mut c, a).await.unwrap().unwrap().course_key;
    let url_name = t.node(unit).url_name.clone();
    let nothing = courses::Held::default();
    let before = store.query_count();
    let read = courses::unit_page(&mut c, &key, u, &url_name, nothing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.query_count(), before + 1);
    assert_eq!(read.row.as_ref().unwrap().id(), a);
    let courses::UnitRead::Read {
        id,
        state: with_course,
        stamp,
    } = read.unit
    else {
        panic!("the unit is found by its name: {:?}", read.unit)
    };
    assert_eq!(id, unit_id);
    assert_eq!(with_course.completed, s.completed);
    assert_eq!(with_course.bookmarked, s.bookmarked);
    assert_eq!(with_course.positions, s.positions);
    let none = courses::unit_page(&mut c, &key, u, "no-such-unit", nothing)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(none.unit, courses::UnitRead::Missing));
    assert!(
        courses::unit_page(&mut c, "course-v1:NO+SUCH+RUN", u, &url_name, nothing)
            .await
            .unwrap()
            .is_none()
    );
    if store.backend() == Backend::Sqlite {
        // One server, reading in-process: nothing is held, nothing stamped.
        assert!(read.stamp.is_none() && stamp.is_none());
        return;
    }

    // PostgreSQL: a server holding the row and the state checks them by their stamps,
    // in one statement that reads neither while they hold.
    let course_stamp = read.stamp.clone().expect("a course row has a stamp");
    let holding = |unit_stamp| courses::Held {
        course: Some(&course_stamp),
        unit: Some((unit_id, unit_stamp)),
    };
    let before = store.query_count();
    let again = courses::unit_page(&mut c, &key, u, &url_name, holding(stamp))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.query_count(), before + 1);
    assert!(again.row.is_none() && matches!(again.unit, courses::UnitRead::Held));
    assert_eq!(again.stamp.as_deref(), Some(course_stamp.as_str()));
    // The viewer's relation is read each time, never held.
    assert!(!again.viewer.enrolled);
    learner::enroll(&mut c, u, a, NOW).await.unwrap();
    let enrolled = courses::unit_page(&mut c, &key, u, &url_name, holding(stamp))
        .await
        .unwrap()
        .unwrap();
    assert!(enrolled.viewer.enrolled && enrolled.row.is_none());

    // Each change to the state moves its stamp: read again, in a second statement.
    let mut held_stamp = stamp;
    for change in 0..5 {
        match change {
            0 => complete(&mut c, u, a, &blocks[1..2]).await,
            1 => learner::remove_completion(&mut c, u, blocks[1])
                .await
                .unwrap(),
            2 => learner::remove_bookmark(&mut c, u, unit_id).await.unwrap(),
            3 => learner::save_video_progress(&mut c, u, blocks[1], "[]", 10.0, 7.0, NOW)
                .await
                .unwrap(),
            _ => complete(&mut c, u, a, &[unit_id]).await,
        }
        let before = store.query_count();
        let read = courses::unit_page(&mut c, &key, u, &url_name, holding(held_stamp))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.query_count(), before + 2, "change {change}");
        assert!(read.row.is_none(), "the course row still holds");
        let courses::UnitRead::Read { state, stamp, .. } = read.unit else {
            panic!("change {change} is read: {:?}", read.unit)
        };
        assert_eq!(
            state,
            learner::unit_state(&mut c, u, unit_id).await.unwrap()
        );
        assert_ne!(stamp, held_stamp, "change {change}");
        held_stamp = stamp;
    }
    // What changes nothing stamps nothing: a completion already there.
    complete(&mut c, u, a, &[unit_id]).await;
    let same = courses::unit_page(&mut c, &key, u, &url_name, holding(held_stamp))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(same.unit, courses::UnitRead::Held));
    // Another learner's work, or this learner's in another unit, leaves the stamp alone.
    let other = user(&store, "Other").await;
    complete(&mut c, other, a, &blocks[..1]).await;
    let second_unit = t.node(t.units()[1]).id;
    learner::add_bookmark(&mut c, u, a, second_unit, NOW)
        .await
        .unwrap();
    let same = courses::unit_page(&mut c, &key, u, &url_name, holding(held_stamp))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(same.unit, courses::UnitRead::Held));

    // Any change to the course row, its organisation, or its forks moves the course's
    // stamp: everything is read again.
    let moved = |read: &courses::UnitPageRead| {
        read.row.is_some() && read.stamp.as_deref() != Some(course_stamp.as_str())
    };
    c.exec(lyceum_store::q("UPDATE courses SET title = 'Renamed' WHERE id = $1").bind(a.0))
        .await
        .unwrap();
    let read = courses::unit_page(&mut c, &key, u, &url_name, holding(held_stamp))
        .await
        .unwrap()
        .unwrap();
    assert!(moved(&read));
    assert_eq!(read.row.as_ref().unwrap().title, "Renamed");
    assert!(matches!(read.unit, courses::UnitRead::Read { .. }));
    let course_stamp = read.stamp.clone().unwrap();
    let holding_course = courses::Held {
        course: Some(&course_stamp),
        unit: None,
    };
    c.exec(lyceum_store::q(
        "UPDATE organizations SET name = 'Renamed org' WHERE id = (SELECT org_id FROM courses WHERE id = $1)",
    ).bind(a.0))
    .await
    .unwrap();
    let read = courses::unit_page(&mut c, &key, u, &url_name, holding_course)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.row.as_ref().unwrap().org_name, "Renamed org");
    let course_stamp = read.stamp.clone().unwrap();
    let holding_course = courses::Held {
        course: Some(&course_stamp),
        unit: None,
    };
    let fork = course(&store, "USFORK", true).await;
    c.exec(lyceum_store::q(
        "INSERT INTO course_forks (course_id, source_course_id, source_key, source_title, source_license, forked_version, synced_version, forked_at)
         VALUES ($1, $2, 'k', 't', 'CC-BY-SA-4.0', 1, 1, $3)",
    ).bind(fork.0).bind(a.0).bind(NOW))
    .await
    .unwrap();
    let read = courses::unit_page(&mut c, &key, u, &url_name, holding_course)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        read.row.as_ref().unwrap().fork_count,
        Some(1),
        "its forks are counted again"
    );
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

/// Lists of ids and of names are bound as one parameter (`db::list_rows`): the same rows
/// come back for none, one and a thousand, names with quotes and non-ASCII letters
/// included, and a multi-row insert from a list writes each row once.
async fn lists_go_in_as_one_parameter(store: Store) {
    let names = ["O'Brien", "Zoë", "مكتبة", "plain", "a\"b"];
    let mut ids = Vec::new();
    for n in names {
        ids.push(user(&store, n).await);
    }
    let mut c = store.conn().await.unwrap();
    assert!(users::get_users(&mut c, &[]).await.unwrap().is_empty());
    let one = users::get_users(&mut c, &ids[1..2]).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].username, "Zoë");
    // A thousand ids, most of them of nobody, and one twice.
    let mut many: Vec<UserId> = (1_000_000..1_001_000).map(UserId).collect();
    many.extend(&ids);
    many.push(ids[0]);
    let mut found: Vec<i64> = users::get_users(&mut c, &many)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    found.sort_unstable();
    let mut want: Vec<i64> = ids.iter().map(|u| u.0).collect();
    want.sort_unstable();
    assert_eq!(found, want);
    let keys: Vec<String> = names
        .iter()
        .map(|n| n.to_lowercase())
        .chain(["nobody".to_owned(), "o''brien".to_owned()])
        .collect();
    let mut by_key = users::ids_by_keys(&mut c, &keys).await.unwrap();
    by_key.sort();
    let mut expected: Vec<(String, i64)> = names
        .iter()
        .zip(&ids)
        .map(|(n, u)| (n.to_lowercase(), u.0))
        .collect();
    expected.sort();
    assert_eq!(by_key, expected);
    // Completions from a list: each block once, whatever repeats.
    let a = course(&store, "LST", true).await;
    let tree = courses::load_tree(&mut c, a).await.unwrap();
    let leaves: Vec<BlockId> = tree
        .children(tree.units()[0])
        .iter()
        .map(|&i| tree.node(i).id)
        .collect();
    let mut twice = leaves.clone();
    twice.extend(&leaves);
    learner::record_completions(
        &mut c,
        ids[2],
        a,
        &twice,
        learner::CompletionSource::View,
        NOW,
    )
    .await
    .unwrap();
    let mut done = learner::completed_in_course(&mut c, ids[2], a)
        .await
        .unwrap();
    done.sort();
    assert_eq!(done, leaves);
}

/// A second store on a PostgreSQL test database's schema, with a single connection, so
/// that every statement reuses the one before's connection.
async fn one_connection(db: &testing::TestDb) -> Store {
    let url = db.url.as_deref().unwrap();
    let opts = std::str::FromStr::from_str(url).unwrap();
    Store::open_postgres_with(opts, 1).await.unwrap()
}

/// PostgreSQL connections are kept between uses rather than tested on every hand-over:
/// a transaction dropped without commit is rolled back before its connection is used
/// again, and a statement abandoned half-way (a cancelled request) does not leave its
/// answer for the next user of the connection.
#[tokio::test]
async fn postgres_connections_are_handed_on_clean() {
    let db = testing::postgres().await.unwrap();
    let store = one_connection(&db).await;
    {
        let mut tx = store.begin().await.unwrap();
        users::create_user(&mut tx, "Dropped", "dropped", "", false, NOW)
            .await
            .unwrap();
    }
    // The next user of the only connection: outside any transaction, so this commits.
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, "Kept", "kept", "", false, NOW)
        .await
        .unwrap();
    drop(c);
    let mut other = db.store.conn().await.unwrap();
    assert!(
        users::find_user_by_key(&mut other, "dropped")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::find_user_by_key(&mut other, "kept")
            .await
            .unwrap()
            .is_some()
    );
    // A statement cancelled while the server works on it.
    let slow = async {
        let mut c = store.conn().await.unwrap();
        c.rows(lyceum_store::q(
            "SELECT CAST(7 AS BIGINT) AS n FROM pg_sleep(0.3)",
        ))
        .await
    };
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(50), slow)
            .await
            .is_err()
    );
    let mut c = store.conn().await.unwrap();
    let n: i64 = c
        .scalar(lyceum_store::q("SELECT CAST(42 AS BIGINT)"))
        .await
        .unwrap();
    assert_eq!(n, 42);
    // A committed transaction hands its connection on too.
    drop(c);
    let mut tx = store.begin().await.unwrap();
    users::create_user(&mut tx, "Committed", "committed", "", false, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        users::find_user_by_key(&mut other, "committed")
            .await
            .unwrap()
            .is_some()
    );
    store.close().await;
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

/// A course with two graded problems in one unit.
async fn problem_course(store: &Store) -> (CourseId, BlockId, BlockId) {
    let spec: CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": "PROB", "run": "2026", "language": "en",
        "title": "Problems", "short_description": "", "overview": "", "published": true,
        "grading": {"types": [{"name": "Quiz", "min_count": 1, "weight": 1.0}], "cutoffs": {"Pass": 0.6}, "grace_period_hours": 2},
        "sections": [{"title": "S", "subsections": [{"title": "Q", "graded": true, "format": "Quiz", "units": [
            {"title": "U", "blocks": [
                {"kind": "problem", "xml": "<problem><stringresponse answer=\"a\"><textline/></stringresponse></problem>"},
                {"kind": "problem", "xml": "<problem><stringresponse answer=\"b\"><textline/></stringresponse></problem>", "weight": 4}
            ]}
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
    let mut c = store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    let unit = tree.units()[0];
    let leaves = tree.children(unit);
    (id, tree.node(leaves[0]).id, tree.node(leaves[1]).id)
}

fn submission<'a>(
    user: UserId,
    block: BlockId,
    course: CourseId,
    seq: i64,
    attempts: i64,
    earned: f64,
    key: Option<&'a str>,
) -> problems::NewSubmission<'a> {
    problems::NewSubmission {
        user,
        block,
        course,
        seq,
        attempts,
        answers: "{}",
        results: "{}",
        raw_earned: earned,
        raw_possible: 1.0,
        score: earned,
        idempotency_key: key,
        seed: 1,
        now: NOW + seq,
    }
}

async fn graded_submissions_are_all_or_nothing(store: Store) {
    let (course, p1, _) = problem_course(&store).await;
    let u = user(&store, "Noor").await;
    let mut c = store.conn().await.unwrap();
    let (state, last) = problems::state_and_last(&mut c, u, p1).await.unwrap();
    assert!(state.is_none() && last.is_none());
    problems::record_graded(&store, &submission(u, p1, course, 1, 1, 0.0, Some("k1")))
        .await
        .unwrap();
    let (state, last) = problems::state_and_last(&mut c, u, p1).await.unwrap();
    assert_eq!(state.unwrap().attempts, 1);
    assert_eq!(last.unwrap().attempt, 1);
    assert_eq!(
        learner::completed_in_course(&mut c, u, course)
            .await
            .unwrap(),
        vec![p1]
    );
    // The same number again, or the same key: refused, and neither the state nor the
    // submissions change.
    for (seq, key) in [(1, None), (2, Some("k1"))] {
        let e = problems::record_graded(&store, &submission(u, p1, course, seq, 5, 1.0, key))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict), "{e:?}");
    }
    let (state, last) = problems::state_and_last(&mut c, u, p1).await.unwrap();
    let state = state.unwrap();
    assert_eq!((state.attempts, state.raw_earned), (1, Some(0.0)));
    assert_eq!(last.unwrap().attempt, 1);
    problems::record_graded(&store, &submission(u, p1, course, 2, 2, 1.0, None))
        .await
        .unwrap();
    let (state, last) = problems::state_and_last(&mut c, u, p1).await.unwrap();
    assert_eq!(state.unwrap().attempts, 2);
    let last = last.unwrap();
    assert_eq!((last.attempt, last.raw_earned), (2, 1.0));
    // Another learner's work is not theirs.
    let other = user(&store, "Ines").await;
    let (state, last) = problems::state_and_last(&mut c, other, p1).await.unwrap();
    assert!(state.is_none() && last.is_none());
}

async fn problem_submissions_count_once(store: Store) {
    let (course, p1, _) = problem_course(&store).await;
    let u = user(&store, "Sam").await;
    let mut tx = store.begin().await.unwrap();
    problems::record_submission(&mut tx, &submission(u, p1, course, 1, 1, 0.0, Some("k1")))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A second request for the same submission number, or with the same key, is refused
    // and leaves nothing behind.
    for (seq, key) in [(1, None), (2, Some("k1"))] {
        let mut tx = store.begin().await.unwrap();
        let e = problems::record_submission(&mut tx, &submission(u, p1, course, seq, 2, 1.0, key))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict), "{e:?}");
        drop(tx);
    }
    let mut c = store.conn().await.unwrap();
    let state = problems::state(&mut c, u, p1).await.unwrap().unwrap();
    assert_eq!((state.attempts, state.raw_earned), (1, Some(0.0)));
    assert_eq!(
        problems::submissions_of(&mut c, u, p1).await.unwrap().len(),
        1
    );
    assert_eq!(
        problems::submission_by_key(&mut c, u, p1, "k1")
            .await
            .unwrap()
            .unwrap()
            .attempt,
        1
    );
    assert!(
        problems::submission_by_key(&mut c, u, p1, "other")
            .await
            .unwrap()
            .is_none()
    );
    // Submissions without a key never collide on it.
    problems::record_submission(&mut c, &submission(u, p1, course, 2, 2, 1.0, None))
        .await
        .unwrap();
    problems::record_submission(&mut c, &submission(u, p1, course, 3, 3, 1.0, None))
        .await
        .unwrap();
    assert_eq!(
        problems::last_submission(&mut c, u, p1)
            .await
            .unwrap()
            .unwrap()
            .attempt,
        3
    );
    assert_eq!(
        problems::state(&mut c, u, p1)
            .await
            .unwrap()
            .unwrap()
            .attempts,
        3
    );
}

async fn scores_overrides_and_resets(store: Store) {
    let (course, p1, p2) = problem_course(&store).await;
    let (a, b) = (user(&store, "Ann").await, user(&store, "Bob").await);
    let staff = user(&store, "Tia").await;
    let mut c = store.conn().await.unwrap();
    problems::record_submission(&mut c, &submission(a, p1, course, 1, 1, 1.0, None))
        .await
        .unwrap();
    problems::record_submission(&mut c, &submission(b, p2, course, 1, 1, 0.0, None))
        .await
        .unwrap();
    // A hint alone gives a state without a score: not in the scores.
    problems::show_hint(&mut c, a, p2, course, 7, 1, NOW)
        .await
        .unwrap();
    assert_eq!(
        problems::state(&mut c, a, p2)
            .await
            .unwrap()
            .unwrap()
            .hints_shown,
        1
    );
    assert_eq!(
        problems::scores_of(&mut c, a, course).await.unwrap(),
        vec![(p1, 1.0, 1.0, 1)]
    );
    let mut both = problems::scores_of_learners(&mut c, course, &[a, b])
        .await
        .unwrap();
    both.sort_by_key(|(u, _)| u.0);
    assert_eq!(both, vec![(a, (p1, 1.0, 1.0, 1)), (b, (p2, 0.0, 1.0, 1))]);
    assert!(
        problems::scores_of_learners(&mut c, course, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let stats = problems::problem_stats(&mut c, course).await.unwrap();
    assert_eq!(stats.len(), 2);

    problems::set_override(
        &mut c,
        &problems::NewOverride {
            user: b,
            block: p2,
            course,
            earned: 3.5,
            reason: "regraded by hand",
            staff,
            now: NOW,
        },
    )
    .await
    .unwrap();
    problems::set_override(
        &mut c,
        &problems::NewOverride {
            user: b,
            block: p2,
            course,
            earned: 4.0,
            reason: "full marks",
            staff,
            now: NOW + 1,
        },
    )
    .await
    .unwrap();
    let o = problems::overrides(&mut c, course, Some(&[b]))
        .await
        .unwrap();
    assert_eq!(
        (o.len(), o[0].earned, o[0].reason.as_str(), o[0].staff_id),
        (1, 4.0, "full marks", Some(staff.0))
    );
    assert!(
        problems::overrides(&mut c, course, Some(&[a]))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        problems::overrides(&mut c, course, None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(problems::remove_override(&mut c, b, p2).await.unwrap(), 1);
    assert_eq!(problems::remove_override(&mut c, b, p2).await.unwrap(), 0);

    // Staff give attempts back: the history stays, numbering continues.
    assert_eq!(
        problems::reset_attempts(&mut c, a, p1, NOW).await.unwrap(),
        1
    );
    let s = problems::state(&mut c, a, p1).await.unwrap().unwrap();
    assert_eq!((s.attempts, s.raw_earned), (0, Some(1.0)));
    problems::record_submission(&mut c, &submission(a, p1, course, 2, 1, 0.0, None))
        .await
        .unwrap();
    assert_eq!(
        problems::submissions_of(&mut c, a, p1).await.unwrap().len(),
        2
    );
    // The learner's Reset clears answers, keeps attempts and score.
    problems::reset_answers(&mut c, a, p1, 42, NOW)
        .await
        .unwrap();
    let s = problems::state(&mut c, a, p1).await.unwrap().unwrap();
    assert_eq!((s.answers.as_str(), s.attempts, s.seed), ("{}", 1, 42));

    // Rescoring rewrites every submission and the score.
    let subs = problems::submissions_for_block(&mut c, p1).await.unwrap();
    assert_eq!(subs.len(), 2);
    problems::store_rescore(
        &mut c,
        &problems::Rescored {
            user: a,
            block: p1,
            submissions: subs
                .iter()
                .map(|s| (s.id, r#"{"x":1}"#.to_owned(), 1.0, 2.0))
                .collect(),
            results: r#"{"x":1}"#,
            score: 1.0,
            possible: 2.0,
            now: NOW,
        },
    )
    .await
    .unwrap();
    assert!(
        problems::submissions_in_course(&mut c, course)
            .await
            .unwrap()
            .iter()
            .filter(|s| s.block_id == p1.0)
            .all(|s| s.raw_possible == 2.0)
    );
    let s = problems::state(&mut c, a, p1).await.unwrap().unwrap();
    assert_eq!(
        (s.raw_earned, s.raw_possible, s.results.as_str()),
        (Some(1.0), Some(2.0), r#"{"x":1}"#)
    );
    let unit = courses::load_tree(&mut c, course).await.unwrap();
    let unit_id = unit.node(unit.units()[0]).id;
    assert_eq!(
        problems::states_in_unit(&mut c, a, unit_id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn gradebook_learners_search_and_log(store: Store) {
    let (course, p1, _) = problem_course(&store).await;
    let staff = user(&store, "Staff").await;
    let mut ids = Vec::new();
    for name in ["Zoe", "ada_l", "Adam", "Bea%"] {
        let u = user(&store, name).await;
        let mut c = store.conn().await.unwrap();
        learner::enroll(&mut c, u, course, NOW).await.unwrap();
        ids.push(u);
    }
    let mut c = store.conn().await.unwrap();
    learner::unenroll(&mut c, ids[0], course, NOW)
        .await
        .unwrap();
    let names =
        |rows: Vec<problems::LearnerRow>| rows.into_iter().map(|r| r.username).collect::<Vec<_>>();
    let (rows, total) = problems::learners(&mut c, course, None, 2, 0)
        .await
        .unwrap();
    assert_eq!(
        (names(rows), total),
        (vec!["ada_l".to_owned(), "Adam".to_owned()], 3)
    );
    let (rows, _) = problems::learners(&mut c, course, None, 2, 2)
        .await
        .unwrap();
    assert_eq!(names(rows), vec!["Bea%"]);
    // Case-insensitive; `_` and `%` are literal.
    let (rows, total) = problems::learners(&mut c, course, Some("ADA"), 10, 0)
        .await
        .unwrap();
    assert_eq!(
        (names(rows), total),
        (vec!["ada_l".to_owned(), "Adam".to_owned()], 2)
    );
    assert_eq!(
        names(
            problems::learners(&mut c, course, Some("a_"), 10, 0)
                .await
                .unwrap()
                .0
        ),
        vec!["ada_l"]
    );
    assert_eq!(
        names(
            problems::learners(&mut c, course, Some("%"), 10, 0)
                .await
                .unwrap()
                .0
        ),
        vec!["Bea%"]
    );
    // The escape character itself is literal too: unescaped, `\` would turn the
    // closing `%` into a literal one and find "Bea%".
    assert_eq!(
        names(
            problems::learners(&mut c, course, Some("\\"), 10, 0)
                .await
                .unwrap()
                .0
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        problems::learners(&mut c, course, Some("zoe"), 10, 0)
            .await
            .unwrap()
            .1,
        0,
        "unenrolled learners are not listed"
    );

    problems::log_action(
        &mut c,
        &problems::GradeAction {
            course,
            user: Some(ids[1]),
            block: Some(p1),
            staff,
            action: "override",
            detail: "3",
            now: NOW,
        },
    )
    .await
    .unwrap();
    problems::log_action(
        &mut c,
        &problems::GradeAction {
            course,
            user: None,
            block: Some(p1),
            staff,
            action: "rescore",
            detail: "all",
            now: NOW + 1,
        },
    )
    .await
    .unwrap();
    problems::log_action(
        &mut c,
        &problems::GradeAction {
            course,
            user: Some(ids[2]),
            block: Some(p1),
            staff,
            action: "reset-attempts",
            detail: "",
            now: NOW + 2,
        },
    )
    .await
    .unwrap();
    let mine: Vec<String> = problems::actions_for(&mut c, course, ids[1])
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        mine,
        vec!["rescore", "override"],
        "newest first, course-wide actions included"
    );
    assert_eq!(
        problems::actions_in_course(&mut c, course, 2)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn grading_policy_round_trips(store: Store) {
    let (course, _, _) = problem_course(&store).await;
    let mut c = store.conn().await.unwrap();
    let row = courses::get(&mut c, course).await.unwrap().unwrap();
    let mut policy = row.grading();
    assert_eq!(policy.types[0].name, "Quiz");
    assert_eq!(policy.grace_period_secs, 7200);
    policy.cutoffs = vec![("A".into(), 0.9), ("Pass".into(), 0.5)];
    courses::set_grading_policy(&mut c, course, &policy, NOW)
        .await
        .unwrap();
    assert_eq!(
        courses::get(&mut c, course)
            .await
            .unwrap()
            .unwrap()
            .grading(),
        policy
    );
}

async fn course_pages_replace_list_and_find(store: Store) {
    let a = course(&store, "PG", true).await;
    let b = course(&store, "PG2", true).await;
    let page = |kind, slug, title, content| pages::NewPage {
        kind,
        slug,
        title,
        content,
    };
    let mut c = store.conn().await.unwrap();
    assert!(pages::list(&mut c, a).await.unwrap().is_empty());
    pages::replace_all(
        &mut c,
        a,
        &[
            page("tab", "syllabus", "Syllabus", "<p>Week 1</p>"),
            page("info", "updates", "", "<ol><li>Hi</li></ol>"),
            page("about", "overview", "", "<p>Über</p>"),
            page("tab", "faq", "FAQ", "<p>Q?</p>"),
            page("info", "handouts", "", "<ul></ul>"),
        ],
    )
    .await
    .unwrap();
    pages::replace_all(&mut c, b, &[page("tab", "syllabus", "Other", "x")])
        .await
        .unwrap();
    let listed: Vec<(String, String, i64)> = pages::list(&mut c, a)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.kind, p.slug, p.position))
        .collect();
    let want = [
        ("about", "overview", 2),
        ("info", "updates", 1),
        ("info", "handouts", 4),
        ("tab", "syllabus", 0),
        ("tab", "faq", 3),
    ];
    assert_eq!(
        listed,
        want.map(|(k, s, p)| (k.to_owned(), s.to_owned(), p)),
        "by kind, then in the order given"
    );
    let found = pages::find(&mut c, a, "tab", "syllabus")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            found.course_id,
            found.title.as_str(),
            found.content.as_str()
        ),
        (a.0, "Syllabus", "<p>Week 1</p>")
    );
    assert!(
        pages::find(&mut c, a, "info", "syllabus")
            .await
            .unwrap()
            .is_none()
    );
    // Replacing drops what is no longer there and leaves other courses alone.
    pages::replace_all(&mut c, a, &[page("tab", "faq", "FAQ 2", "<p>A</p>")])
        .await
        .unwrap();
    let after = pages::list(&mut c, a).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].title.as_str(), after[0].position), ("FAQ 2", 0));
    assert_eq!(pages::list(&mut c, b).await.unwrap()[0].title, "Other");
    // Two pages of one kind cannot share a slug.
    let dup = pages::replace_all(
        &mut c,
        a,
        &[page("tab", "x", "", ""), page("tab", "x", "", "")],
    )
    .await;
    assert!(dup.is_err());
    // Pages go with their course.
    lyceum_store::Db::exec(
        &mut c,
        lyceum_store::q("DELETE FROM courses WHERE id = $1").bind(b.0),
    )
    .await
    .unwrap();
    assert!(pages::list(&mut c, b).await.unwrap().is_empty());
}

/// A re-import: blocks matched by url_name keep their ids and learners' state, move and
/// change in place (with a revision), new ones appear, missing ones go with their state.
async fn reimport_syncs_the_outline_by_url_name(store: Store) {
    let id = course(&store, "RI", true).await;
    let u = user(&store, "Reimp").await;
    let mut c = store.conn().await.unwrap();
    let before = courses::load_tree(&mut c, id).await.unwrap();
    let names = |t: &lyceum_core::course::CourseTree| {
        (0..t.len())
            .map(|i| (t.node(i).url_name.clone(), t.node(i).id))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let old = names(&before);
    // The learner finished the first unit's blocks and the third unit's.
    let done: Vec<BlockId> = ["s1-1-1-1", "s1-1-1-2", "s2-1-1-1"]
        .iter()
        .map(|n| old[*n])
        .collect();
    learner::record_completions(&mut c, u, id, &done, learner::CompletionSource::View, NOW)
        .await
        .unwrap();

    // New outline: U2's block changed, U1 moved after U2, U3 (and its block) removed, a
    // new unit added.
    let mut outline = courses::load_outline(&mut c, id).await.unwrap();
    assert_eq!(outline.len(), 2);
    assert_eq!(
        outline[0].children[0].children[1].children[0].url_name,
        "s1-1-2-1"
    );
    let units = &mut outline[0].children[0].children;
    units.swap(0, 1);
    units[0].children[0].content =
        r#"{"format":"html","source":"<p>Changed</p>","html":"<p>Changed</p>"}"#.into();
    let mut fresh = units[1].clone();
    fresh.url_name = "new-unit".into();
    fresh.children[0].url_name = "new-block".into();
    fresh.children.truncate(1);
    units.push(fresh);
    outline.truncate(1);
    drop(c);

    let mut tx = store.begin().await.unwrap();
    let counts = courses::sync_outline(&mut tx, id, &outline, Some(u), NOW + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        counts,
        courses::SyncCounts {
            added: 2,
            changed: 1,
            unchanged: 6,
            removed: 4
        }
    );

    let mut c = store.conn().await.unwrap();
    let after = courses::load_tree(&mut c, id).await.unwrap();
    let new = names(&after);
    for kept in [
        "s1", "s1-1", "s1-1-1", "s1-1-1-1", "s1-1-1-2", "s1-1-2", "s1-1-2-1",
    ] {
        assert_eq!(new[kept], old[kept], "{kept} keeps its id");
    }
    assert!(!new.contains_key("s2") && !new.contains_key("s2-1-1-1"));
    let order: Vec<_> = after
        .units()
        .iter()
        .map(|&i| after.node(i).url_name.clone())
        .collect();
    assert_eq!(order, ["s1-1-2", "s1-1-1", "new-unit"]);
    let mut left = learner::completed_in_course(&mut c, u, id).await.unwrap();
    left.sort();
    assert_eq!(
        left,
        vec![old["s1-1-1-1"], old["s1-1-1-2"]],
        "state of kept blocks stays, of removed ones goes"
    );
    // The same outline again changes nothing.
    drop(c);
    let mut tx = store.begin().await.unwrap();
    let again = courses::sync_outline(&mut tx, id, &outline, Some(u), NOW + 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        again,
        courses::SyncCounts {
            added: 0,
            changed: 0,
            unchanged: 9,
            removed: 0
        }
    );

    // A name used twice (here a unit inside itself) would put one block in two places:
    // refused, and nothing changes.
    let mut looped = outline.clone();
    let unit = looped[0].children[0].children[0].clone();
    looped[0].children[0].children[0].children.push(unit);
    let mut tx = store.begin().await.unwrap();
    let r = courses::sync_outline(&mut tx, id, &looped, Some(u), NOW + 3).await;
    assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
    drop(tx);
    let mut c = store.conn().await.unwrap();
    let unchanged = courses::load_tree(&mut c, id).await.unwrap();
    assert_eq!(names(&unchanged), new);
    assert!(unchanged.problems.is_empty());
}

async fn open_response_versions_are_kept_and_race_safe(store: Store) {
    let (course, block, _) = problem_course(&store).await;
    let u = user(&store, "Writer").await;
    let mut c = store.conn().await.unwrap();
    ors::save_draft(&mut c, u, block, course, "first draft", NOW)
        .await
        .unwrap();
    ors::save_draft(&mut c, u, block, course, "second draft", NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        ors::draft(&mut c, u, block).await.unwrap(),
        Some(("second draft".to_owned(), NOW + 1))
    );
    let file = ors::add_attachment(
        &mut c,
        &ors::NewAttachment {
            user: u,
            block,
            course,
            file_name: "plan.pdf",
            alt: "",
            content_type: "application/pdf",
            size: 3,
            sha256: "abc",
            now: NOW,
        },
    )
    .await
    .unwrap();
    drop(c);

    let mut tx = store.begin().await.unwrap();
    let v1 = ors::submit(&mut tx, u, block, course, 1, "version one", NOW + 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    // The draft is gone and its file belongs to the submission.
    assert_eq!(ors::draft(&mut c, u, block).await.unwrap(), None);
    assert!(
        ors::draft_attachments(&mut c, u, block)
            .await
            .unwrap()
            .is_empty()
    );
    let files = ors::submitted_attachments(&mut c, u, block).await.unwrap();
    assert_eq!((files[0].id, files[0].submission_id), (file, Some(v1)));
    // Submitted files cannot be removed.
    assert_eq!(
        ors::remove_draft_attachment(&mut c, u, file).await.unwrap(),
        0
    );
    drop(c);

    // A second submit racing for version 1 is refused whole: nothing of it is stored.
    let mut tx = store.begin().await.unwrap();
    let err = ors::submit(&mut tx, u, block, course, 1, "racing", NOW + 3)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let v2 = ors::submit(&mut tx, u, block, course, 2, "version two", NOW + 4)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    let all = ors::submissions_of(&mut c, u, block).await.unwrap();
    let states: Vec<(i64, &str, &str)> = all
        .iter()
        .map(|s| (s.version, s.text.as_str(), s.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            (1, "version one", ors::SUPERSEDED),
            (2, "version two", ors::ACTIVE)
        ]
    );
    let queue = ors::current_in_course(&mut c, course, None).await.unwrap();
    assert_eq!(queue.iter().map(|s| s.id).collect::<Vec<_>>(), [v2]);
    // The same for several courses at once (the dashboard), and nothing for none.
    drop(c);
    let other = self::course(&store, "OTHER", true).await;
    let mut c = store.conn().await.unwrap();
    let many = ors::current_in_courses(&mut c, &[other, course])
        .await
        .unwrap();
    assert_eq!(many.iter().map(|s| s.id).collect::<Vec<_>>(), [v2]);
    assert!(
        ors::current_in_courses(&mut c, &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        ors::current_in_courses(&mut c, &[other])
            .await
            .unwrap()
            .is_empty()
    );
    // Returning is refused for a superseded version.
    assert_eq!(
        ors::set_state(&mut c, v1, ors::RETURNED, "no", NOW)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        ors::set_state(&mut c, v2, ors::RETURNED, "add sources", NOW)
            .await
            .unwrap(),
        1
    );
    let s = ors::submission(&mut c, v2).await.unwrap().unwrap();
    assert_eq!(
        (s.state.as_str(), s.return_note.as_str()),
        (ors::RETURNED, "add sources")
    );

    // The final score lands in the one score table grades read.
    ors::record_score(&mut c, u, block, course, (5.0, 9.0), 2, NOW)
        .await
        .unwrap();
    let scores = problems::scores_of(&mut c, u, course).await.unwrap();
    assert_eq!(scores, [(block, 5.0, 9.0, 2)]);
}

async fn peer_reviews_go_to_the_least_reviewed_response(store: Store) {
    let (course, block, _) = problem_course(&store).await;
    let (a, b, c_) = (
        user(&store, "Ana").await,
        user(&store, "Bo").await,
        user(&store, "Cy").await,
    );
    let mut ids = Vec::new();
    for (i, u) in [a, b, c_].into_iter().enumerate() {
        let mut tx = store.begin().await.unwrap();
        ids.push(
            ors::submit(&mut tx, u, block, course, 1, "text", NOW + i as i64)
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    let mut c = store.conn().await.unwrap();
    // Ana gets the oldest response that is not hers: Bo's.
    assert_eq!(
        ors::next_for_review(&mut c, a, block).await.unwrap(),
        Some(ids[1])
    );
    ors::assign(&mut c, ids[1], a, block, NOW).await.unwrap();
    assert_eq!(
        ors::open_assignment(&mut c, a, block).await.unwrap(),
        Some(ids[1])
    );
    // Cy gets Ana's (no review yet) rather than Bo's (one under way).
    assert_eq!(
        ors::next_for_review(&mut c, c_, block).await.unwrap(),
        Some(ids[0])
    );
    assert!(ors::is_assigned(&mut c, ids[1], a).await.unwrap());
    assert!(!ors::is_assigned(&mut c, ids[1], c_).await.unwrap());
    // Bo is idle (nothing assigned); Ana is not.
    assert_eq!(
        ors::idle_reviewers(&mut c, block, c_, 1).await.unwrap(),
        [b.0]
    );

    let review = ors::NewAssessment {
        submission: ids[1],
        block,
        assessor: a,
        step: "peer",
        by_staff: false,
        options: r#"{"q":"good"}"#,
        points: r#"{"q":2}"#,
        earned: 2.0,
        criterion_feedback: "{}",
        overall_feedback: "fine",
        now: NOW,
    };
    assert_eq!(
        ors::complete_assignment(&mut c, ids[1], a, NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ors::complete_assignment(&mut c, ids[1], a, NOW)
            .await
            .unwrap(),
        0,
        "done once"
    );
    let r = ors::add_assessment(&mut c, &review).await.unwrap();
    assert_eq!(ors::reviews_given(&mut c, a, block).await.unwrap(), 1);
    assert_eq!(
        ors::reviews_given_in_course(&mut c, course).await.unwrap(),
        [(a.0, block.0, 1)]
    );
    assert_eq!(
        ors::reviews_given_in_courses(&mut c, &[course])
            .await
            .unwrap(),
        [(a.0, block.0, 1)]
    );
    assert!(
        ors::reviews_given_in_courses(&mut c, &[])
            .await
            .unwrap()
            .is_empty()
    );
    // Ana's next is Cy's; never Bo's again.
    assert_eq!(ors::open_assignment(&mut c, a, block).await.unwrap(), None);
    assert_eq!(
        ors::next_for_review(&mut c, a, block).await.unwrap(),
        Some(ids[2])
    );
    // A cancelled review stops counting but is kept.
    assert_eq!(
        ors::cancel_assessment(&mut c, r, b, "careless", NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ors::cancel_assessment(&mut c, r, b, "again", NOW)
            .await
            .unwrap(),
        0
    );
    assert_eq!(ors::reviews_given(&mut c, a, block).await.unwrap(), 0);
    let kept = ors::assessments_of(&mut c, &[ids[1]]).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].cancel_reason, "careless");
    assert!(kept[0].cancelled_at.is_some());
    assert!(
        ors::set_peer_excused(&mut c, ids[0], true, NOW)
            .await
            .unwrap()
            == 1
    );
    assert!(
        ors::submission(&mut c, ids[0])
            .await
            .unwrap()
            .unwrap()
            .peer_excused
    );
}

async fn grading_locks_belong_to_one_grader(store: Store) {
    let (course, block, _) = problem_course(&store).await;
    let (l, s1, s2) = (
        user(&store, "Lea").await,
        user(&store, "Sia").await,
        user(&store, "Tom").await,
    );
    let mut tx = store.begin().await.unwrap();
    let id = ors::submit(&mut tx, l, block, course, 1, "text", NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        ors::lock(&mut c, id, s1, NOW, NOW + 1000).await.unwrap(),
        (s1.0, NOW + 1000)
    );
    // Another grader cannot take it while it lasts; the holder can renew it.
    assert_eq!(
        ors::lock(&mut c, id, s2, NOW + 10, NOW + 2000)
            .await
            .unwrap(),
        (s1.0, NOW + 1000)
    );
    assert_eq!(
        ors::lock(&mut c, id, s1, NOW + 20, NOW + 3000)
            .await
            .unwrap(),
        (s1.0, NOW + 3000)
    );
    assert_eq!(
        ors::lock_holder(&mut c, id, NOW + 2999).await.unwrap(),
        Some(s1.0)
    );
    assert_eq!(
        ors::locks_in_course(&mut c, course, NOW).await.unwrap(),
        [(id, s1.0)]
    );
    // Once it expires, it is free.
    assert_eq!(
        ors::lock_holder(&mut c, id, NOW + 3000).await.unwrap(),
        None
    );
    assert_eq!(
        ors::lock(&mut c, id, s2, NOW + 3000, NOW + 4000)
            .await
            .unwrap(),
        (s2.0, NOW + 4000)
    );
    ors::unlock(&mut c, id, s1).await.unwrap();
    assert_eq!(
        ors::lock_holder(&mut c, id, NOW + 3001).await.unwrap(),
        Some(s2.0),
        "only the holder unlocks"
    );
    ors::unlock(&mut c, id, s2).await.unwrap();
    assert_eq!(
        ors::lock_holder(&mut c, id, NOW + 3001).await.unwrap(),
        None
    );
    // A grader's unsaved work is kept per grader.
    ors::save_grader_draft(&mut c, id, s1, "{\"a\":1}", NOW)
        .await
        .unwrap();
    ors::save_grader_draft(&mut c, id, s1, "{\"a\":2}", NOW)
        .await
        .unwrap();
    assert_eq!(
        ors::grader_draft(&mut c, id, s1).await.unwrap().as_deref(),
        Some("{\"a\":2}")
    );
    assert_eq!(ors::grader_draft(&mut c, id, s2).await.unwrap(), None);
    ors::delete_grader_draft(&mut c, id, s1).await.unwrap();
    assert_eq!(ors::grader_draft(&mut c, id, s1).await.unwrap(), None);
}

async fn one_notice_to_many_people_in_one_statement(store: Store) {
    let (course, _, _) = problem_course(&store).await;
    let a = user(&store, "Ama").await;
    let b = user(&store, "Bea").await;
    let other = user(&store, "Cyd").await;
    let mut c = store.conn().await.unwrap();
    let none = notifications::notify_many(
        &mut c,
        &[],
        Some(course),
        "discussion-reply",
        "/x",
        "T",
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(none, 0);
    let n = notifications::notify_many(
        &mut c,
        &[a, b],
        Some(course),
        "discussion-reply",
        "/courses/x/discussion/threads/1",
        "A thread",
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    for u in [a, b] {
        assert_eq!(notifications::unread_count(&mut c, u).await.unwrap(), 1);
        let got = notifications::recent(&mut c, u, 5).await.unwrap();
        assert_eq!(got[0].kind, "discussion-reply");
        assert_eq!(got[0].subject, "A thread");
        assert_eq!(got[0].course_id, Some(course.0));
    }
    assert_eq!(notifications::unread_count(&mut c, other).await.unwrap(), 0);
}

async fn notifications_count_and_read(store: Store) {
    let (course, _, _) = problem_course(&store).await;
    let u = user(&store, "Noa").await;
    let mut c = store.conn().await.unwrap();
    for (i, kind) in ["feedback", "returned"].into_iter().enumerate() {
        notifications::notify(
            &mut c,
            &notifications::NewNotice {
                user: u,
                course: Some(course),
                kind,
                link: "/courses/x/unit/y",
                subject: "Mission statement",
                now: NOW + i as i64,
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(notifications::unread_count(&mut c, u).await.unwrap(), 2);
    let recent = notifications::recent(&mut c, u, 10).await.unwrap();
    assert_eq!(
        recent.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(),
        ["returned", "feedback"]
    );
    assert_eq!(notifications::unemailed(&mut c, 10).await.unwrap().len(), 2);
    notifications::mark_emailed(&mut c, recent[0].id, NOW)
        .await
        .unwrap();
    assert_eq!(notifications::unemailed(&mut c, 10).await.unwrap().len(), 1);
    assert_eq!(
        notifications::mark_all_read(&mut c, u, NOW).await.unwrap(),
        2
    );
    assert_eq!(notifications::unread_count(&mut c, u).await.unwrap(), 0);
}

// --- Media references -------------------------------------------------------------------

/// A table that gains a column holding a media file's hash must be in the one list the
/// media sweep reads, or the sweep would delete files it refers to.
async fn every_media_column_is_a_known_reference(store: Store) {
    let mut c = store.conn().await.unwrap();
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND (p.name LIKE '%sha256%' OR p.name LIKE '%media%') ORDER BY 1, 2"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
             WHERE table_schema = current_schema() AND (column_name LIKE '%sha256%' OR column_name LIKE '%media%') ORDER BY 1, 2"
        }
    };
    let found: Vec<(String, String)> = c.all(lyceum_store::q(sql)).await.unwrap();
    let mut known: Vec<(String, String)> = media::MEDIA_REFERENCES
        .iter()
        .map(|r| (r.table.to_owned(), r.column.to_owned()))
        .collect();
    known.sort();
    assert_eq!(found, known);
}

fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

async fn attach(store: &Store, u: UserId, block: BlockId, course: CourseId, sha: &str) -> i64 {
    let mut c = store.conn().await.unwrap();
    ors::add_attachment(
        &mut c,
        &ors::NewAttachment {
            user: u,
            block,
            course,
            file_name: "plan.pdf",
            alt: "",
            content_type: "application/pdf",
            size: 3,
            sha256: sha,
            now: NOW,
        },
    )
    .await
    .unwrap()
}

async fn media_references_of_every_kind(store: Store) {
    let (first, block, _) = problem_course(&store).await;
    let second = course(&store, "MEDIA2", true).await;
    let u = user(&store, "Writer").await;
    let mut c = store.conn().await.unwrap();
    assets::put(&mut c, first, "a.png", "image/png", 1, &hash(1), NOW)
        .await
        .unwrap();
    assets::put(&mut c, first, "b.vtt", "text/vtt", 1, &hash(2), NOW)
        .await
        .unwrap();
    assets::put(&mut c, second, "same.png", "image/png", 1, &hash(1), NOW)
        .await
        .unwrap();
    drop(c);
    let file = attach(&store, u, block, first, &hash(3)).await;
    let mut c = store.conn().await.unwrap();
    let asked: Vec<String> = (1..=4).map(hash).collect();
    let found = media::referenced_among(&mut c, &asked).await.unwrap();
    assert_eq!(found, [hash(1), hash(2), hash(3)].into_iter().collect());
    assert_eq!(
        media::course_hashes(&mut c, first).await.unwrap(),
        [hash(1), hash(2), hash(3)].into_iter().collect()
    );
    assert_eq!(
        media::course_hashes(&mut c, second).await.unwrap(),
        [hash(1)].into_iter().collect()
    );
    // A submitted file still refers to its content.
    drop(c);
    let mut tx = store.begin().await.unwrap();
    ors::submit(&mut tx, u, block, first, 1, "done", NOW + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    assert!(
        media::referenced_among(&mut c, &[hash(3)])
            .await
            .unwrap()
            .contains(&hash(3))
    );
    assert_eq!(
        ors::remove_draft_attachment(&mut c, u, file).await.unwrap(),
        0,
        "a submitted file is not the draft's"
    );
    // A replaced asset no longer refers to its old content.
    assets::put(&mut c, first, "b.vtt", "text/vtt", 1, &hash(5), NOW)
        .await
        .unwrap();
    let found = media::referenced_among(&mut c, &asked).await.unwrap();
    assert_eq!(found, [hash(1), hash(3)].into_iter().collect());
    // More hashes than one statement takes are asked in several.
    let many: Vec<String> = (0..1200u32)
        .map(|i| format!("{i:064x}"))
        .chain([hash(1)])
        .collect();
    assert_eq!(
        media::referenced_among(&mut c, &many).await.unwrap(),
        [hash(1)].into_iter().collect()
    );
    assert!(
        media::referenced_among(&mut c, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn released_files_go_unless_still_referred_to(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let m = MediaStore::new(dir.path()).unwrap();
    let (first, block, _) = problem_course(&store).await;
    let u = user(&store, "Writer").await;
    let v = user(&store, "Other").await;
    let (shared, _) = m.put(b"shared notes").unwrap();
    let (own, _) = m.put(b"my own notes").unwrap();
    let a = attach(&store, u, block, first, &shared).await;
    attach(&store, v, block, first, &shared).await;
    let b = attach(&store, u, block, first, &own).await;
    let mut c = store.conn().await.unwrap();
    ors::remove_draft_attachment(&mut c, u, a).await.unwrap();
    ors::remove_draft_attachment(&mut c, u, b).await.unwrap();
    drop(c);
    let removed = media_gc::release(&store, &m, [shared.clone(), own.clone()])
        .await
        .unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].name, own);
    assert_eq!(removed[0].bytes, 12);
    assert!(!m.exists(&own).unwrap());
    assert_eq!(m.read(&shared).unwrap(), b"shared notes");
    // Releasing a file that is gone already, or was never there, does nothing.
    assert!(
        media_gc::release(&store, &m, [own, hash(9)])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_media_sweep_keeps_what_rows_refer_to(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let m = MediaStore::new(dir.path()).unwrap();
    let (first, block, _) = problem_course(&store).await;
    let u = user(&store, "Writer").await;
    let (asset, _) = m.put(b"an asset").unwrap();
    let (file, _) = m.put(b"a learner's file").unwrap();
    let (orphan, _) = m.put(b"nothing refers to me").unwrap();
    let mut c = store.conn().await.unwrap();
    assets::put(&mut c, first, "a.txt", "text/plain", 8, &asset, NOW)
        .await
        .unwrap();
    drop(c);
    attach(&store, u, block, first, &file).await;
    // An operation that committed and crashed before moving its file into the store, and
    // one still running (its file is referred to by nothing yet).
    let mut crashed = m.stage().unwrap();
    let (recovered, _) = crashed.put(b"committed, not moved").unwrap();
    let (dropped, _) = crashed.put(b"never committed").unwrap();
    crashed.kept();
    let mut c = store.conn().await.unwrap();
    assets::put(&mut c, first, "b.txt", "text/plain", 20, &recovered, NOW)
        .await
        .unwrap();
    drop(c);
    drop(crashed);
    let mut running = m.stage().unwrap();
    let (in_flight, _) = running.put(b"uploading").unwrap();

    // Young files wait for the grace period.
    let r = media_gc::sweep(&store, &m).await.unwrap();
    assert!(m.exists(&orphan).unwrap());
    assert_eq!(r.young, 1, "{r:?}");
    assert_eq!(r.recovered, vec![recovered.clone()]);
    assert_eq!(r.removed.len(), 1, "{r:?}");
    assert!(r.removed[0].name.ends_with(&dropped), "{r:?}");
    assert_eq!(m.read(&recovered).unwrap(), b"committed, not moved");
    assert!(!m.exists(&dropped).unwrap());

    let r = media_gc::sweep_with(&store, &m, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        r.removed
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        vec![orphan.as_str()]
    );
    assert_eq!(r.bytes(), 20);
    assert_eq!(r.kept, 3);
    assert!(!m.exists(&orphan).unwrap());
    for kept in [&asset, &file, &recovered] {
        assert!(m.exists(kept).unwrap());
    }
    // The running operation finishes after the sweep: its file arrives whole.
    let mut c = store.conn().await.unwrap();
    assets::put(&mut c, first, "c.txt", "text/plain", 9, &in_flight, NOW)
        .await
        .unwrap();
    drop(c);
    running.kept();
    running.publish().unwrap();
    assert_eq!(m.read(&in_flight).unwrap(), b"uploading");
    let r = media_gc::sweep_with(&store, &m, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert!(r.removed.is_empty(), "{r:?}");
    assert_eq!(r.kept, 4);
}

/// Forty logins at once for one bucket of five: exactly five get a slot, on both backends.
async fn login_limits_hold_under_concurrency(store: Store) {
    const WINDOW: i64 = 15 * 60 * 1000;
    let bucket = vec![Bucket {
        key: "pair:one".into(),
        limit: 5,
    }];
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            let bucket = bucket.clone();
            tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                let r = login_limits::reserve(&mut tx, &bucket, NOW, WINDOW)
                    .await
                    .unwrap();
                if matches!(r, Reservation::Granted(_)) {
                    tx.commit().await.unwrap();
                }
                r
            })
        })
        .collect();
    let mut granted = Vec::new();
    let mut limited = 0;
    for t in tasks {
        match t.await.unwrap() {
            Reservation::Granted(slots) => granted.push(slots),
            Reservation::Limited { until } => {
                assert_eq!(until, NOW + WINDOW);
                limited += 1;
            }
        }
    }
    assert_eq!((granted.len(), limited), (5, 35));
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        login_limits::attempts(&mut c, "pair:one", NOW, WINDOW)
            .await
            .unwrap(),
        5
    );
    // A success hands its slot back: one more attempt fits, then the bucket is full again.
    login_limits::release(&mut c, &granted[0]).await.unwrap();
    let again = login_limits::reserve(&mut c, &bucket, NOW + 1, WINDOW)
        .await
        .unwrap();
    assert!(matches!(again, Reservation::Granted(_)), "{again:?}");
    let full = login_limits::reserve(&mut c, &bucket, NOW + 2, WINDOW)
        .await
        .unwrap();
    assert_eq!(
        full,
        Reservation::Limited {
            until: NOW + WINDOW
        }
    );
    // The next window starts afresh, and a release from the old one does not touch it.
    let later = NOW + WINDOW;
    assert!(matches!(
        login_limits::reserve(&mut c, &bucket, later, WINDOW)
            .await
            .unwrap(),
        Reservation::Granted(_)
    ));
    login_limits::release(&mut c, &granted[1]).await.unwrap();
    assert_eq!(
        login_limits::attempts(&mut c, "pair:one", later, WINDOW)
            .await
            .unwrap(),
        1
    );
    // Ended windows are swept.
    assert_eq!(
        login_limits::sweep(&mut c, later + WINDOW, 0)
            .await
            .unwrap(),
        1
    );
}

/// A reservation that meets a full bucket takes nothing from the others; trusted addresses
/// are remembered per user and forgotten when old.
async fn login_limits_take_all_buckets_or_none(store: Store) {
    const WINDOW: i64 = 60_000;
    let small = |key: &str, limit| Bucket {
        key: key.into(),
        limit,
    };
    let both = [small("a", 5), small("b", 1)];
    {
        let mut tx = store.begin().await.unwrap();
        let r = login_limits::reserve(&mut tx, &both, NOW, WINDOW)
            .await
            .unwrap();
        assert!(matches!(r, Reservation::Granted(ref s) if s.len() == 2));
        tx.commit().await.unwrap();
    }
    {
        let mut tx = store.begin().await.unwrap();
        let r = login_limits::reserve(&mut tx, &both, NOW + 10, WINDOW)
            .await
            .unwrap();
        assert_eq!(
            r,
            Reservation::Limited {
                until: NOW + WINDOW
            }
        );
        // Rolled back by dropping the transaction.
    }
    let mut c = store.conn().await.unwrap();
    assert_eq!(
        login_limits::attempts(&mut c, "a", NOW + 10, WINDOW)
            .await
            .unwrap(),
        1,
        "the refused attempt took nothing"
    );
    login_limits::clear(&mut c, "b").await.unwrap();
    assert_eq!(
        login_limits::attempts(&mut c, "b", NOW, WINDOW)
            .await
            .unwrap(),
        0
    );

    let ada = user(&store, "Ada").await;
    assert!(
        !login_limits::is_trusted(&mut c, "ada", "ip:h", 0)
            .await
            .unwrap()
    );
    login_limits::trust(&mut c, ada, "ip:h", NOW).await.unwrap();
    login_limits::trust(&mut c, ada, "ip:h", NOW + 5)
        .await
        .unwrap();
    assert!(
        login_limits::is_trusted(&mut c, "ada", "ip:h", NOW)
            .await
            .unwrap()
    );
    assert!(
        !login_limits::is_trusted(&mut c, "ada", "ip:other", 0)
            .await
            .unwrap()
    );
    assert!(
        !login_limits::is_trusted(&mut c, "bob", "ip:h", 0)
            .await
            .unwrap()
    );
    assert!(
        !login_limits::is_trusted(&mut c, "ada", "ip:h", NOW + 5)
            .await
            .unwrap()
    );
    login_limits::sweep(&mut c, 0, NOW + 5).await.unwrap();
    assert!(
        !login_limits::is_trusted(&mut c, "ada", "ip:h", 0)
            .await
            .unwrap()
    );
}

async fn calendar_feeds_reset_and_find_their_owner(store: Store) {
    let a = user(&store, "Feeder").await;
    let b = user(&store, "Other").await;
    let mut c = store.conn().await.unwrap();
    assert_eq!(calendar::feed_token(&mut c, a).await.unwrap(), None);
    calendar::set_feed_token(&mut c, a, "token-one", NOW)
        .await
        .unwrap();
    assert_eq!(
        calendar::feed_token(&mut c, a).await.unwrap().as_deref(),
        Some("token-one")
    );
    let owner = calendar::user_of_feed(&mut c, "token-one")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.id(), a);
    assert_eq!(owner.username, "Feeder");
    // A reset replaces the token: the old one finds nobody.
    calendar::set_feed_token(&mut c, a, "token-two", NOW + 1)
        .await
        .unwrap();
    assert!(
        calendar::user_of_feed(&mut c, "token-one")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        calendar::user_of_feed(&mut c, "token-two")
            .await
            .unwrap()
            .unwrap()
            .id(),
        a
    );
    // Tokens are unique across users.
    assert!(
        calendar::set_feed_token(&mut c, b, "token-two", NOW)
            .await
            .is_err()
    );
    assert_eq!(calendar::feed_token(&mut c, b).await.unwrap(), None);
}

async fn courses_taught_with_their_roles(store: Store) {
    let t = user(&store, "Teacher").await;
    let x = course(&store, "X1", true).await;
    let y = course(&store, "Y1", false).await;
    let _z = course(&store, "Z1", true).await;
    let mut c = store.conn().await.unwrap();
    assert!(courses::teaching_of(&mut c, t).await.unwrap().is_empty());
    courses::set_role(&mut c, y, t, CourseRole::Staff, NOW)
        .await
        .unwrap();
    courses::set_role(&mut c, x, t, CourseRole::Instructor, NOW)
        .await
        .unwrap();
    let got: Vec<(i64, CourseRole)> = courses::teaching_of(&mut c, t)
        .await
        .unwrap()
        .into_iter()
        .map(|(row, role)| (row.id, role))
        .collect();
    let mut got = got;
    got.sort_by_key(|(id, _)| *id);
    let mut want = vec![(x.0, CourseRole::Instructor), (y.0, CourseRole::Staff)];
    want.sort_by_key(|(id, _)| *id);
    assert_eq!(got, want);
}

async fn survey_responses_once_each_with_report_rows(store: Store) {
    let (course, block, other) = problem_course(&store).await;
    let ana = user(&store, "Ana").await;
    let ben = user(&store, "Ben").await;
    let mut c = store.conn().await.unwrap();
    learner::enroll(&mut c, ana, course, NOW).await.unwrap();
    learner::enroll(&mut c, ben, course, NOW).await.unwrap();
    learner::unenroll(&mut c, ben, course, NOW).await.unwrap();
    assert_eq!(surveys::enrolled_count(&mut c, course).await.unwrap(), 1);
    assert!(
        surveys::response(&mut c, ana, block)
            .await
            .unwrap()
            .is_none()
    );
    let first = surveys::NewResponse {
        user: ana,
        block,
        course,
        answers: r#"{"q":3}"#,
        now: NOW,
    };
    // A final response is stored once: a second insert changes nothing.
    assert!(surveys::insert(&mut c, &first).await.unwrap());
    let again = surveys::NewResponse {
        answers: r#"{"q":5}"#,
        now: NOW + 5,
        ..first
    };
    assert!(!surveys::insert(&mut c, &again).await.unwrap());
    let r = surveys::response(&mut c, ana, block)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.answers.as_str(), r.submitted_at), (r#"{"q":3}"#, NOW));
    // An editable one is replaced, keeping when it was first submitted.
    surveys::upsert(&mut c, &again).await.unwrap();
    let r = surveys::response(&mut c, ana, block)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.answers.as_str(), r.submitted_at, r.updated_at),
        (r#"{"q":5}"#, NOW, NOW + 5)
    );
    surveys::upsert(
        &mut c,
        &surveys::NewResponse {
            user: ben,
            block,
            course,
            answers: "{}",
            now: NOW + 1,
        },
    )
    .await
    .unwrap();
    surveys::upsert(
        &mut c,
        &surveys::NewResponse {
            user: ana,
            block: other,
            course,
            answers: "{}",
            now: NOW + 2,
        },
    )
    .await
    .unwrap();
    let mine = surveys::responses_in(&mut c, ana, &[block, other])
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    assert!(
        surveys::responses_in(&mut c, ana, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let rows = surveys::for_report(&mut c, block).await.unwrap();
    let seen: Vec<(i64, &str, bool)> = rows
        .iter()
        .map(|r| (r.user_id, r.username.as_str(), r.enrolled))
        .collect();
    assert_eq!(seen, vec![(ana.0, "Ana", true), (ben.0, "Ben", false)]);
    // Participation credit lands in the score table grades read.
    surveys::record_credit(&mut c, ana, block, course, NOW)
        .await
        .unwrap();
    surveys::record_credit(&mut c, ana, block, course, NOW + 1)
        .await
        .unwrap();
    let scores = problems::scores_of(&mut c, ana, course).await.unwrap();
    assert_eq!(scores, vec![(block, 1.0, 1.0, 1)]);
}

/// The draft's state of one block, by title.
fn draft_row<'a>(rows: &'a [drafts::DraftRow], title: &str) -> &'a drafts::DraftRow {
    rows.iter()
        .find(|r| r.title == title)
        .unwrap_or_else(|| panic!("no {title}"))
}

fn write_of(r: &drafts::DraftRow, course: CourseId) -> DraftWrite<'_> {
    DraftWrite {
        block: r.block(),
        course,
        parent: r.parent_id.map(BlockId),
        position: r.position,
        title: &r.title,
        release_at: r.release_at,
        content: &r.content,
        revision: r.revision,
        deleted: r.deleted,
    }
}

async fn drafts_lie_over_the_published_course_until_published(store: Store) {
    let id = course(&store, "DRAFT", true).await;
    let mut c = store.conn().await.unwrap();
    let rows = drafts::load(&mut c, id).await.unwrap();
    assert_eq!(rows.len(), 11);
    assert!(
        rows.iter()
            .all(|r| r.live && !r.changed && r.published_revision == r.revision)
    );
    assert_eq!(drafts::count_changes(&mut c, id).await.unwrap(), 0);
    let version = courses::content_version(&mut c, id).await.unwrap().unwrap();
    drop(c);

    // Rename U1, remove U2, add a unit under SS1: in one transaction, as a use case would.
    let mut tx = store.begin().await.unwrap();
    let u1 = draft_row(&rows, "U1").clone();
    let u2 = draft_row(&rows, "U2").clone();
    let ss1 = draft_row(&rows, "SS1").block();
    drafts::put(
        &mut tx,
        &DraftWrite {
            title: "U1 renamed",
            revision: 2,
            ..write_of(&u1, id)
        },
        NOW,
    )
    .await
    .unwrap();
    drafts::put(
        &mut tx,
        &DraftWrite {
            deleted: true,
            ..write_of(&u2, id)
        },
        NOW,
    )
    .await
    .unwrap();
    // A removal takes the unit's blocks with it (the use case marks the whole subtree).
    for child in rows.iter().filter(|r| r.parent_id == Some(u2.id)) {
        drafts::put(
            &mut tx,
            &DraftWrite {
                deleted: true,
                ..write_of(child, id)
            },
            NOW,
        )
        .await
        .unwrap();
    }
    let new = drafts::insert_new(&mut tx, id, "unit", "fresh", "U new", "{}", NOW)
        .await
        .unwrap();
    drafts::put(
        &mut tx,
        &DraftWrite {
            block: new,
            course: id,
            parent: Some(ss1),
            position: 2,
            title: "U new",
            release_at: None,
            content: "{}",
            revision: 1,
            deleted: false,
        },
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    // Learners see the published course, untouched.
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    assert!(tree.index_of(new).is_none());
    assert_eq!(tree.node(tree.index_of(u1.block()).unwrap()).title, "U1");
    assert!(tree.index_of(u2.block()).is_some());
    let draft = drafts::load(&mut c, id).await.unwrap();
    assert_eq!(drafts::count_changes(&mut c, id).await.unwrap(), 4);
    assert_eq!(draft_row(&draft, "U1 renamed").published_revision, 1);
    assert!(draft_row(&draft, "U2").deleted);
    let fresh = draft_row(&draft, "U new");
    assert!(!fresh.live && fresh.changed && fresh.published_revision == 0);
    let (course_of, got) = drafts::get(&mut c, new).await.unwrap().unwrap();
    assert_eq!((course_of, got.title.as_str()), (id, "U new"));
    drop(c);

    let mut tx = store.begin().await.unwrap();
    let (v, changed) = drafts::publish(&mut tx, id, None, "Spring", NOW + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((v, changed), (version + 1, 4));
    let mut c = store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    assert!(
        tree.index_of(new).is_some(),
        "the new unit is live with the same id"
    );
    assert!(
        tree.index_of(u2.block()).is_none(),
        "the removed unit is gone for learners"
    );
    assert_eq!(
        tree.node(tree.index_of(u1.block()).unwrap()).title,
        "U1 renamed"
    );
    assert!(tree.problems.is_empty());
    assert_eq!(drafts::count_changes(&mut c, id).await.unwrap(), 0);
    // The removed unit stays stored (not live): its history and learners' work with it.
    let (_, gone) = drafts::get(&mut c, u2.block()).await.unwrap().unwrap();
    assert!(!gone.live && !gone.changed);
    let pubs = drafts::publications(&mut c, id, 10).await.unwrap();
    assert_eq!(
        (
            pubs[0].version,
            pubs[0].changed_blocks,
            pubs[0].summary.as_str()
        ),
        (v, 4, "Spring")
    );
}

async fn discarding_a_draft_drops_only_what_was_never_published(store: Store) {
    let id = course(&store, "DISC", true).await;
    let mut c = store.conn().await.unwrap();
    let rows = drafts::load(&mut c, id).await.unwrap();
    let u1 = draft_row(&rows, "U1").clone();
    drafts::put(
        &mut c,
        &DraftWrite {
            title: "Changed",
            revision: 2,
            ..write_of(&u1, id)
        },
        NOW,
    )
    .await
    .unwrap();
    let new = drafts::insert_new(&mut c, id, "unit", "n", "New", "{}", NOW)
        .await
        .unwrap();
    drafts::put(
        &mut c,
        &DraftWrite {
            block: new,
            course: id,
            parent: u1.parent_id.map(BlockId),
            position: 5,
            title: "New",
            release_at: None,
            content: "{}",
            revision: 1,
            deleted: false,
        },
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(drafts::discard(&mut c, id).await.unwrap(), 2);
    assert!(drafts::get(&mut c, new).await.unwrap().is_none());
    let after = drafts::load(&mut c, id).await.unwrap();
    assert_eq!(after.len(), rows.len());
    assert_eq!(draft_row(&after, "U1").revision, 1);
}

async fn revisions_are_listed_newest_first_with_their_authors(store: Store) {
    let id = course(&store, "REVS", true).await;
    let ada = user(&store, "Ada").await;
    let mut c = store.conn().await.unwrap();
    let rows = drafts::load(&mut c, id).await.unwrap();
    let u1 = draft_row(&rows, "U1").block();
    for (n, at) in [(2, NOW + 10), (3, NOW + 20)] {
        drafts::add_revision(
            &mut c,
            &NewRevision {
                block: u1,
                revision: n,
                author: Some(ada),
                title: "U1",
                content: "{}",
                release_at: None,
                comment: "edit",
            },
            at,
        )
        .await
        .unwrap();
    }
    assert_eq!(drafts::last_revision(&mut c, u1).await.unwrap(), 3);
    let h = drafts::block_history(&mut c, u1).await.unwrap();
    let numbers: Vec<i64> = h.iter().map(|r| r.revision).collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(h[0].author_username.as_deref(), Some("Ada"));
    assert_eq!(h[2].author_username, None, "imported without an author");
    // The course's history pages by cursor, newest first, without gaps or repeats.
    let all = drafts::course_history(&mut c, id, None, 100).await.unwrap();
    assert_eq!(all.len(), 13);
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = drafts::course_history(&mut c, id, before, 5).await.unwrap();
        let Some(last) = page.last() else { break };
        before = Some((last.created_at, last.block_id, last.revision));
        paged.extend(page.iter().map(|r| (r.block_id, r.revision)));
    }
    let expected: Vec<(i64, i64)> = all.iter().map(|r| (r.block_id, r.revision)).collect();
    assert_eq!(paged, expected);
    assert_eq!(all[0].revision, 3);
    assert!(drafts::revision(&mut c, u1, 2).await.unwrap().is_some());
    assert!(drafts::revision(&mut c, u1, 9).await.unwrap().is_none());
}

async fn learner_work_counts_each_learner_once(store: Store) {
    let id = course(&store, "WORK", true).await;
    let (a, b) = (user(&store, "A").await, user(&store, "B").await);
    let mut c = store.conn().await.unwrap();
    let rows = drafts::load(&mut c, id).await.unwrap();
    let blocks: Vec<BlockId> = rows
        .iter()
        .filter(|r| r.kind == "text")
        .map(|r| r.block())
        .collect();
    assert_eq!(
        drafts::learner_work(&mut c, &blocks).await.unwrap(),
        drafts::LearnerWork::default()
    );
    for (u, block) in [(a, blocks[0]), (a, blocks[1]), (b, blocks[1])] {
        c.exec(
            lyceum_store::q("INSERT INTO score_overrides (user_id, block_id, course_id, earned, reason, staff_id, created_at) VALUES ($1, $2, $3, 1, 'x', NULL, 0)")
                .bind(u.0)
                .bind(block.0)
                .bind(id.0),
        )
        .await
        .unwrap();
    }
    let w = drafts::learner_work(&mut c, &blocks).await.unwrap();
    assert_eq!((w.learners, w.scored), (2, 2));
    let w = drafts::learner_work(&mut c, &blocks[..1]).await.unwrap();
    assert_eq!((w.learners, w.scored), (1, 1));
    assert_eq!(
        drafts::learner_work(&mut c, &[]).await.unwrap(),
        drafts::LearnerWork::default()
    );
}
