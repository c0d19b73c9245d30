//! Running courses as use cases, without HTTP, on SQLite and PostgreSQL: creating a
//! course (rights, duplicates, bad input), its settings (dates checked), reruns (content
//! copied with new ids, no learners), its team (the last instructor stays), review
//! (approve, send back, notices, audit) and archiving.
#![allow(clippy::unwrap_used)]

use lyceum_app::course_admin::rerun::{RerunInput, rerun};
use lyceum_app::course_admin::review::{self, Decision};
use lyceum_app::course_admin::team::{self, Outcome};
use lyceum_app::course_admin::{self as uc, NewCourseInput, SettingsInput};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::course::{CourseStatus, StatusChange};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{CourseId, FixedClock, OrgId, UserId};
use lyceum_store::repo::{assets, audit, course_admin as repo, courses, learner, orgs, users};
use lyceum_store::{Db, MediaStore, Store, q, testing};
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

both!(
    creating_a_course_takes_rights_and_good_input,
    settings_check_their_dates_and_keep_the_course_on_refusal,
    card_images_are_checked_before_anything_is_stored,
    a_rerun_copies_published_content_not_learners,
    the_team_keeps_an_instructor,
    review_approves_or_sends_back_with_notices_and_audit,
    archive_and_reopen,
);

const T0: &str = "2026-11-21T12:00:00Z";

struct World {
    env: Env,
    org: OrgId,
    /// Org admin, org creator, org member with a site grant, plain member, outsider, site admin.
    admin: UserId,
    creator: UserId,
    granted: UserId,
    member: UserId,
    outsider: UserId,
    root: UserId,
    _media: tempfile::TempDir,
}

/// A person who works on courses: they accepted the code of conduct.
async fn user(store: &Store, name: &str, admin: bool) -> UserId {
    let mut c = store.conn().await.unwrap();
    let id = users::create_user(&mut c, name, &name.to_lowercase(), "", admin, 0)
        .await
        .unwrap();
    lyceum_store::repo::trust::accept_conduct(&mut c, id, "default", 0)
        .await
        .unwrap();
    id
}

async fn member(store: &Store, org: OrgId, user: UserId, role: &str) {
    let mut c = store.conn().await.unwrap();
    c.exec(
        q("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, 0)")
            .bind(org.0)
            .bind(user.0)
            .bind(role),
    )
    .await
    .unwrap();
}

async fn world(store: Store) -> World {
    let org = {
        let mut c = store.conn().await.unwrap();
        orgs::upsert(&mut c, "WIKI", "Wiki Education", "", None, 0)
            .await
            .unwrap()
    };
    let admin = user(&store, "Admin", false).await;
    let creator = user(&store, "Creator", false).await;
    let granted = user(&store, "Granted", false).await;
    let plain = user(&store, "Member", false).await;
    let outsider = user(&store, "Outsider", false).await;
    let root = user(&store, "Root", true).await;
    member(&store, org, admin, "admin").await;
    member(&store, org, creator, "creator").await;
    member(&store, org, granted, "member").await;
    member(&store, org, plain, "member").await;
    let media = tempfile::tempdir().unwrap();
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: Arc::new(FixedClock::new(T0.parse().unwrap())),
        },
        org,
        admin,
        creator,
        granted,
        member: plain,
        outsider,
        root,
        _media: media,
    }
}

fn actor(u: UserId) -> Actor {
    Actor::user(u, false)
}

fn input(org: &str, code: &str, run: &str, title: &str) -> NewCourseInput {
    NewCourseInput {
        org: org.into(),
        code: code.into(),
        run: run.into(),
        settings: SettingsInput {
            title: title.into(),
            language: "fr".into(),
            license: None,
            self_paced: true,
            ..SettingsInput::default()
        },
    }
}

async fn audit_actions(store: &Store) -> Vec<String> {
    let mut c = store.conn().await.unwrap();
    let mut v: Vec<String> = audit::list(&mut c, &audit::Filter::default(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    v.reverse();
    v
}

async fn creating_a_course_takes_rights_and_good_input(store: Store) {
    let w = world(store).await;
    let env = &w.env;
    // Who may: org admin, org creator, a member with the site grant, a site admin.
    for (u, grant, code) in [
        (w.admin, false, "A1"),
        (w.creator, false, "C1"),
        (w.granted, true, "G1"),
        (w.root, false, "R1"),
    ] {
        let a = Actor::user(u, u == w.root).with_course_creation(grant);
        let c = uc::create(env, &a, &input("WIKI", code, "2027", "Un cours"))
            .await
            .unwrap();
        assert_eq!(c.key, format!("course-v1:WIKI+{code}+2027"));
        let mut db = env.store.conn().await.unwrap();
        let row = courses::find_by_key(&mut db, &c.key)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.status.as_str(), row.published, row.license.as_str()),
            ("draft", false, "CC-BY-SA-4.0")
        );
        assert_eq!(
            repo::role_of(&mut db, c.id, u).await.unwrap(),
            Some(CourseRole::Instructor),
            "the creator is the instructor"
        );
        let extras = repo::extras(&mut db, c.id).await.unwrap().unwrap();
        assert_eq!(extras.created_by, Some(u.0));
    }
    // Who may not: a plain member, a member without the grant, an outsider with the grant.
    for a in [
        actor(w.member),
        actor(w.granted),
        actor(w.outsider).with_course_creation(true),
    ] {
        let e = uc::create(env, &a, &input("WIKI", "X1", "2027", "Non"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{a:?}");
    }
    assert_eq!(
        uc::create(env, &Actor::ANONYMOUS, &input("WIKI", "X1", "2027", "Non"))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    // Duplicates, unknown organisation, bad key parts, bad settings.
    let a = actor(w.admin);
    let dup = uc::create(env, &a, &input("WIKI", "A1", "2027", "Encore"))
        .await
        .unwrap_err();
    assert_eq!(dup.kind, ErrorKind::Conflict);
    assert_eq!(dup.error.key.0, "lyceum-newcourse-error-exists");
    let e = uc::create(env, &a, &input("NOPE", "A2", "2027", "T"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-newcourse-error-org-unknown")
    );
    for (code, run) in [
        ("A B", "2027"),
        ("A1", "20:27"),
        ("", "2027"),
        ("A1", &"9".repeat(65) as &str),
    ] {
        let e = uc::create(env, &a, &input("WIKI", code, run, "T"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed, "{code:?} {run:?}");
    }
    let mut bad = input("WIKI", "B1", "2027", "T");
    bad.settings.language = "xx-nope".into();
    assert_eq!(
        uc::create(env, &a, &bad).await.unwrap_err().error.key.0,
        "lyceum-course-settings-error-language"
    );
    let mut bad = input("WIKI", "B1", "2027", "T");
    bad.settings.license = Some("all-rights-reserved".into());
    assert_eq!(
        uc::create(env, &a, &bad).await.unwrap_err().error.key.0,
        "lyceum-course-settings-error-license"
    );
    let long = "x".repeat(201);
    let e = uc::create(env, &a, &input("WIKI", "B1", "2027", &long))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-error-input-too-long")
    );
    let e = uc::create(env, &a, &input("WIKI", "B1", "2027", "  "))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-course-settings-error-title-empty");
    let mut c = env.store.conn().await.unwrap();
    assert_eq!(courses::count_courses(&mut c).await.unwrap(), 4);
    assert_eq!(
        audit_actions(&env.store).await,
        vec!["course.create"; 4],
        "one audit row per course, none for refusals"
    );
}

async fn created(w: &World, code: &str) -> (CourseId, String) {
    let c = uc::create(
        &w.env,
        &actor(w.admin),
        &input("WIKI", code, "2027", "Cours"),
    )
    .await
    .unwrap();
    (c.id, c.key)
}

fn at(s: &str) -> Option<jiff::Timestamp> {
    Some(s.parse().unwrap())
}

async fn settings_check_their_dates_and_keep_the_course_on_refusal(store: Store) {
    let w = world(store).await;
    let (id, key) = created(&w, "S1").await;
    let a = actor(w.admin);
    let good = SettingsInput {
        title: "Nouveau titre".into(),
        language: "ar".into(),
        license: Some("CC0-1.0".into()),
        start: at("2027-01-10T00:00:00Z"),
        end: at("2027-03-10T00:00:00Z"),
        enrollment_start: at("2026-12-01T00:00:00Z"),
        enrollment_end: at("2027-01-20T00:00:00Z"),
        effort_hours_per_week: Some(2.5),
        effort_weeks: Some(8),
        short_description: "Court".into(),
        about_markdown: "# Bienvenue\n\n<script>alert(1)</script>\n\n**gras**".into(),
        self_paced: false,
    };
    uc::update_settings(&w.env, &a, &key, &good).await.unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let row = courses::get(&mut c, id).await.unwrap().unwrap();
    assert_eq!(
        (
            row.title.as_str(),
            row.language.as_str(),
            row.license.as_str()
        ),
        ("Nouveau titre", "ar", "CC0-1.0")
    );
    assert_eq!(
        (
            row.effort_minutes_per_week,
            row.effort_weeks,
            row.self_paced
        ),
        (Some(150), Some(8), false)
    );
    assert!(row.overview_html.contains("<strong>gras</strong>"));
    assert!(!row.overview_html.contains("<script"), "sanitised");
    drop(c);
    let bad = [
        (
            SettingsInput {
                end: at("2027-01-01T00:00:00Z"),
                ..good.clone()
            },
            "lyceum-course-settings-error-end-before-start",
        ),
        (
            SettingsInput {
                enrollment_end: at("2026-11-01T00:00:00Z"),
                ..good.clone()
            },
            "lyceum-course-settings-error-enrollment-end-before-start",
        ),
        (
            SettingsInput {
                enrollment_start: at("2027-04-01T00:00:00Z"),
                enrollment_end: None,
                ..good.clone()
            },
            "lyceum-course-settings-error-enrollment-after-end",
        ),
        (
            SettingsInput {
                effort_weeks: None,
                ..good.clone()
            },
            "lyceum-course-settings-error-effort",
        ),
        (
            SettingsInput {
                effort_hours_per_week: Some(500.0),
                ..good.clone()
            },
            "lyceum-course-settings-error-effort",
        ),
    ];
    for (input, key_) in bad {
        let e = uc::update_settings(&w.env, &a, &key, &input)
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.error.key.0), (ErrorKind::Invalid, key_));
    }
    let mut c = w.env.store.conn().await.unwrap();
    assert_eq!(
        courses::get(&mut c, id).await.unwrap().unwrap().end_at,
        Some(at("2027-03-10T00:00:00Z").unwrap().as_millisecond()),
        "refused settings change nothing"
    );
    drop(c);
    // Authors edit settings; staff and outsiders do not (and outsiders cannot see a draft).
    let author = user(&w.env.store, "Author", false).await;
    let staff = user(&w.env.store, "Staff", false).await;
    team::set_member(&w.env, &a, &key, "Author", CourseRole::Author)
        .await
        .unwrap();
    team::set_member(&w.env, &a, &key, "Staff", CourseRole::Staff)
        .await
        .unwrap();
    uc::update_settings(&w.env, &actor(author), &key, &good)
        .await
        .unwrap();
    assert_eq!(
        uc::update_settings(&w.env, &actor(staff), &key, &good)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        uc::update_settings(&w.env, &actor(w.outsider), &key, &good)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    let actions = audit_actions(&w.env.store).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "course.settings").count(),
        2
    );
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn card_images_are_checked_before_anything_is_stored(store: Store) {
    let w = world(store).await;
    let (id, key) = created(&w, "I1").await;
    let a = actor(w.admin);
    let e = uc::set_card_image(&w.env, &a, &key, Some(b"<svg onload=alert(1)>"))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-course-settings-error-image-type");
    let big = [PNG, &vec![0u8; lyceum_core::limits::CARD_IMAGE_BYTES]].concat();
    let e = uc::set_card_image(&w.env, &a, &key, Some(&big))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-course-settings-error-image-size");
    let mut c = w.env.store.conn().await.unwrap();
    assert!(assets::list(&mut c, id).await.unwrap().is_empty());
    assert!(w.env.media.list().unwrap().is_empty(), "no file stored");
    drop(c);
    uc::set_card_image(&w.env, &a, &key, Some(PNG))
        .await
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let row = courses::get(&mut c, id).await.unwrap().unwrap();
    assert_eq!(row.card_image.as_deref(), Some("course-card.png"));
    let asset = assets::find(&mut c, id, "course-card.png")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(asset.content_type, "image/png");
    assert!(w.env.media.stat(&asset.sha256).unwrap().is_some());
    drop(c);
    // Staff may not.
    let staff = user(&w.env.store, "Staff", false).await;
    team::set_member(&w.env, &a, &key, "staff", CourseRole::Staff)
        .await
        .unwrap();
    assert_eq!(
        uc::set_card_image(&w.env, &actor(staff), &key, None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
}

async fn a_rerun_copies_published_content_not_learners(store: Store) {
    let w = world(store).await;
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "R101", "run": "2026", "language": "en",
        "title": "Original", "overview": "About *it*", "published": true,
        "sections": [{"title": "S", "subsections": [{"title": "SS", "units": [
            {"title": "U", "blocks": [{"kind": "text", "markdown": "Hello"}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = w.env.store.begin().await.unwrap();
    let from = courses::create(&mut tx, w.org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, from, None, &e.blocks, None, 0)
        .await
        .unwrap();
    let (sha, size) = w.env.media.put(PNG).unwrap();
    assets::put(&mut tx, from, "pic.png", "image/png", size as i64, &sha, 0)
        .await
        .unwrap();
    courses::set_role(&mut tx, from, w.creator, CourseRole::Instructor, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let learner_id = user(&w.env.store, "Learner", false).await;
    let mut c = w.env.store.conn().await.unwrap();
    learner::enroll(&mut c, learner_id, from, 0).await.unwrap();
    drop(c);
    let key = "course-v1:WIKI+R101+2026";
    let input = RerunInput {
        run: "2027".into(),
        title: String::new(),
        start: at("2027-01-01T00:00:00Z"),
        end: at("2027-06-01T00:00:00Z"),
        ..RerunInput::default()
    };
    // A member who may not create courses there, and an outsider, may not.
    assert_eq!(
        rerun(&w.env, &actor(w.member), key, &input)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    // The org admin reruns (runs the course and may create in the organisation).
    let made = rerun(&w.env, &actor(w.admin), key, &input).await.unwrap();
    assert_eq!(made.key, "course-v1:WIKI+R101+2027");
    let mut c = w.env.store.conn().await.unwrap();
    let row = courses::get(&mut c, made.id).await.unwrap().unwrap();
    assert_eq!(
        (row.title.as_str(), row.status.as_str(), row.published),
        ("Original", "draft", false)
    );
    assert_eq!(
        row.start_at,
        Some(at("2027-01-01T00:00:00Z").unwrap().as_millisecond())
    );
    assert!(row.overview_html.contains("<em>it</em>"));
    let old = courses::load_tree(&mut c, from).await.unwrap();
    let new = courses::load_tree(&mut c, made.id).await.unwrap();
    assert_eq!(old.len(), new.len());
    for i in 0..old.len() {
        let (o, n) = (
            old.node(i),
            new.node(new.find_url_name(&old.node(i).url_name).unwrap()),
        );
        assert_ne!(o.id, n.id, "new ids");
        assert_eq!((&o.title, &o.kind), (&n.title, &n.kind), "same content");
    }
    assert_eq!(assets::list(&mut c, made.id).await.unwrap().len(), 1);
    let team_rows = repo::team(&mut c, made.id).await.unwrap();
    assert_eq!(
        team_rows
            .iter()
            .map(|m| (m.user_id, m.role.as_str()))
            .collect::<Vec<_>>(),
        vec![(w.admin.0, "instructor")],
        "the person rerunning is the team"
    );
    assert!(
        learner::enrollments_of(&mut c, learner_id)
            .await
            .unwrap()
            .iter()
            .all(|e| e.course.id != made.id.0),
        "no learners copied"
    );
    drop(c);
    // The same run again is a conflict; a bad run is refused.
    assert_eq!(
        rerun(&w.env, &actor(w.admin), key, &input)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    let bad = RerunInput {
        run: "20 27".into(),
        ..input.clone()
    };
    assert_eq!(
        rerun(&w.env, &actor(w.admin), key, &bad)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Invalid
    );
    assert!(
        audit_actions(&w.env.store)
            .await
            .contains(&"course.rerun".to_owned())
    );
}

async fn the_team_keeps_an_instructor(store: Store) {
    let w = world(store).await;
    let (_, key) = created(&w, "T1").await;
    let a = actor(w.admin);
    let bob = user(&w.env.store, "Bob", false).await;
    let (m, o) = team::set_member(&w.env, &a, &key, "bob", CourseRole::Author)
        .await
        .unwrap();
    assert_eq!(
        (m.user, m.role, o),
        (bob, CourseRole::Author, Outcome::Added)
    );
    let (_, o) = team::set_member(&w.env, &a, &key, "Bob", CourseRole::Staff)
        .await
        .unwrap();
    assert_eq!(o, Outcome::Changed);
    let (_, o) = team::set_member(&w.env, &a, &key, "Bob", CourseRole::Staff)
        .await
        .unwrap();
    assert_eq!(o, Outcome::Unchanged);
    // The last instructor can be neither demoted nor removed.
    let e = team::set_member(&w.env, &a, &key, "Admin", CourseRole::Author)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-team-error-last-instructor")
    );
    let e = team::remove_member(&w.env, &a, &key, "Admin")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    // With a second instructor, the first may go.
    team::set_member(&w.env, &a, &key, "Bob", CourseRole::Instructor)
        .await
        .unwrap();
    team::remove_member(&w.env, &a, &key, "Admin")
        .await
        .unwrap();
    // Unknown people, roles, non-members.
    let bob_a = actor(bob);
    let e = team::set_member(&w.env, &bob_a, &key, "nobody", CourseRole::Staff)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::NotFound, "lyceum-team-error-unknown-user")
    );
    assert_eq!(
        team::parse_role("owner").unwrap_err().kind,
        ErrorKind::Invalid
    );
    let e = team::remove_member(&w.env, &bob_a, &key, "Outsider")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-team-error-not-member");
    // Staff and authors may not manage the team; outsiders do not see the draft.
    team::set_member(&w.env, &bob_a, &key, "Member", CourseRole::Author)
        .await
        .unwrap();
    assert_eq!(
        team::set_member(&w.env, &actor(w.member), &key, "Creator", CourseRole::Staff)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        team::set_member(
            &w.env,
            &actor(w.outsider),
            &key,
            "Creator",
            CourseRole::Staff
        )
        .await
        .unwrap_err()
        .kind,
        ErrorKind::NotFound
    );
    let list = team::list(&w.env, &actor(w.member), &key).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|m| (m.username.as_str(), m.role))
            .collect::<Vec<_>>(),
        vec![
            ("Bob", CourseRole::Instructor),
            ("Member", CourseRole::Author)
        ]
    );
    let actions = audit_actions(&w.env.store).await;
    assert_eq!(
        actions,
        vec![
            "course.create",
            "course.team.add",
            "course.team.change",
            "course.team.change",
            "course.team.remove",
            "course.team.add",
        ]
    );
}

async fn set_status(store: &Store, id: CourseId, status: CourseStatus) {
    let mut c = store.conn().await.unwrap();
    repo::set_status(&mut c, id, status.as_str(), status.visible_to_learners(), 0)
        .await
        .unwrap();
}

async fn notices(store: &Store, u: UserId) -> Vec<String> {
    let mut c = store.conn().await.unwrap();
    lyceum_store::repo::notifications::recent(&mut c, u, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

async fn review_approves_or_sends_back_with_notices_and_audit(store: Store) {
    let w = world(store).await;
    let reviewer = user(&w.env.store, "Reviewer", false).await;
    member(&w.env.store, w.org, reviewer, "reviewer").await;
    // The creator's course, submitted for review (the lead's publish does this).
    let c = uc::create(
        &w.env,
        &actor(w.creator),
        &input("WIKI", "V1", "2027", "À relire"),
    )
    .await
    .unwrap();
    set_status(&w.env.store, c.id, CourseStatus::Review).await;
    let rv = actor(reviewer);
    // The queue: the reviewer's and the site admin's, not a member's.
    let mut db = w.env.store.conn().await.unwrap();
    assert_eq!(
        repo::review_queue(&mut db, reviewer, false)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        repo::review_queue(&mut db, w.root, true)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        repo::review_queue(&mut db, w.member, false)
            .await
            .unwrap()
            .is_empty()
    );
    drop(db);
    // Sending back needs a comment; the creator (instructor) may not review.
    let e = review::decide_review(&w.env, &rv, &c.key, Decision::SendBack, "  ")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-review-error-comment-required");
    assert_eq!(
        review::decide_review(&w.env, &actor(w.creator), &c.key, Decision::Approve, "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    let after = review::decide_review(&w.env, &rv, &c.key, Decision::SendBack, "Add sources")
        .await
        .unwrap();
    assert_eq!(after, CourseStatus::Draft);
    assert_eq!(
        notices(&w.env.store, w.creator).await,
        vec!["review-sent-back"]
    );
    // Approving a draft is refused; submitted again, it is approved and published.
    assert_eq!(
        review::decide_review(&w.env, &rv, &c.key, Decision::Approve, "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    set_status(&w.env.store, c.id, CourseStatus::Review).await;
    let after = review::decide_review(&w.env, &rv, &c.key, Decision::Approve, "Good")
        .await
        .unwrap();
    assert_eq!(after, CourseStatus::Published);
    let mut db = w.env.store.conn().await.unwrap();
    let row = courses::get(&mut db, c.id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.published), ("published", true));
    assert_eq!(row.last_reviewed_at, Some(w.env.now_ms()));
    let history = repo::reviews(&mut db, c.id).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| (h.decision.as_str(), h.comment.as_str()))
            .collect::<Vec<_>>(),
        vec![("approve", "Good"), ("send_back", "Add sources")]
    );
    drop(db);
    assert_eq!(
        notices(&w.env.store, w.creator).await,
        vec!["review-approved", "review-sent-back"]
    );
    // Published: "mark as reviewed" and comments; approving again is refused.
    review::decide_review(&w.env, &rv, &c.key, Decision::MarkReviewed, "")
        .await
        .unwrap();
    review::decide_review(&w.env, &rv, &c.key, Decision::Comment, "Still fine")
        .await
        .unwrap();
    assert_eq!(
        review::decide_review(&w.env, &rv, &c.key, Decision::Approve, "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    let actions = audit_actions(&w.env.store).await;
    assert_eq!(
        actions,
        vec![
            "course.create",
            "course.review.send_back",
            "course.review.approve",
            "course.review.reviewed",
            "course.review.comment",
        ]
    );
}

async fn archive_and_reopen(store: Store) {
    let w = world(store).await;
    let (id, key) = created(&w, "Z1").await;
    set_status(&w.env.store, id, CourseStatus::Published).await;
    let learner_id = user(&w.env.store, "Learner", false).await;
    let mut c = w.env.store.conn().await.unwrap();
    learner::enroll(&mut c, learner_id, id, 0).await.unwrap();
    drop(c);
    // A learner may not archive; a draft cannot be archived.
    assert_eq!(
        review::change_status(&w.env, &actor(learner_id), &key, StatusChange::Archive, "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    let a = actor(w.admin);
    let s = review::change_status(&w.env, &a, &key, StatusChange::Archive, "Old")
        .await
        .unwrap();
    assert_eq!(s, CourseStatus::Archived);
    let mut c = w.env.store.conn().await.unwrap();
    let row = courses::get(&mut c, id).await.unwrap().unwrap();
    assert!(row.published, "still readable for its learners");
    assert!(
        !row.enrollment_window(w.env.now()).is_open(),
        "no new enrolments"
    );
    drop(c);
    assert_eq!(
        review::change_status(&w.env, &a, &key, StatusChange::Archive, "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    let s = review::change_status(&w.env, &a, &key, StatusChange::Reopen, "")
        .await
        .unwrap();
    assert_eq!(s, CourseStatus::Published);
    let actions = audit_actions(&w.env.store).await;
    assert_eq!(
        actions,
        vec!["course.create", "course.archive", "course.reopen"]
    );
}
