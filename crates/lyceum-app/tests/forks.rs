//! Forks without HTTP, on SQLite and PostgreSQL: the licence and the target organisation
//! decide; the fork copies the published content (not the source's draft) with ids of
//! its own, the source's history and authors; personal spaces; the fork's licence;
//! "changes were made" after the fork publishes; a fork of a fork names its direct source.
#![allow(clippy::unwrap_used)]

use lyceum_app::authoring::{self, BlockPatch};
use lyceum_app::course_admin::{self as uc, SettingsInput};
use lyceum_app::forks::{self, ForkInput, ForkTarget};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{BlockId, CourseId, FixedClock, OrgId, UserId};
use lyceum_store::repo::{audit, courses, drafts, forks as repo, notifications, orgs, users};
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
    who_may_fork_and_where,
    a_fork_copies_published_content_history_and_authors,
    personal_spaces_are_made_once_and_owned,
    a_fork_keeps_a_licence_its_source_allows,
    changes_were_made_once_the_fork_differs,
    a_fork_of_a_fork_names_its_direct_source,
    a_personal_course_moves_into_an_organisation,
);

const SOURCE: &str = "course-v1:WIKI+CP101+2026";

struct World {
    env: Env,
    source: CourseId,
    /// Instructor of the source (wrote it), a creator in OTHER, a plain member of
    /// OTHER, an outsider, a learner.
    ines: Actor,
    carla: Actor,
    mo: Actor,
    olga: Actor,
    other: OrgId,
    _media: tempfile::TempDir,
}

/// People who work on courses: they accepted the code of conduct (issue 13).
async fn user(store: &Store, name: &str, display: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    let id = users::create_user(&mut c, name, &name.to_lowercase(), display, false, 0)
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

async fn world(store: Store, license: &str) -> World {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "CP101", "run": "2026", "language": "en",
        "title": "Core content policies", "overview": "About *it*", "published": true,
        "license": license,
        "sections": [{"title": "S1", "subsections": [{"title": "SS1", "units": [
            {"title": "U1", "blocks": [{"kind": "text", "markdown": "Hello"}]},
            {"title": "U2", "blocks": [{"kind": "text", "markdown": "Again"}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let ines = user(&store, "Ines", "Ines Ndiaye").await;
    let carla = user(&store, "Carla", "").await;
    let mo = user(&store, "Mo", "").await;
    let olga = user(&store, "Olga", "Olga O.").await;
    let mut tx = store.begin().await.unwrap();
    let wiki = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    let other = orgs::upsert(&mut tx, "OTHER", "Other", "", None, 0)
        .await
        .unwrap();
    let id = courses::create(&mut tx, wiki, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, Some(ines), 0)
        .await
        .unwrap();
    courses::set_role(&mut tx, id, ines, CourseRole::Instructor, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    member(&store, other, carla, "creator").await;
    member(&store, other, mo, "member").await;
    // Olga is a Wikimedia volunteer in no organisation: autoconfirmed on the home wiki,
    // which trusts her account to fork into a personal space (issue 13).
    let mut c = store.conn().await.unwrap();
    lyceum_store::repo::trust::set_wiki_standing(
        &mut c,
        olga,
        r#"["*","user","autoconfirmed"]"#,
        120,
        0,
    )
    .await
    .unwrap();
    lyceum_store::repo::trust::stamp(&mut c, olga, "wiki", 0)
        .await
        .unwrap();
    drop(c);
    let media = tempfile::tempdir().unwrap();
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: Arc::new(FixedClock::new("2026-11-21T12:00:00Z".parse().unwrap())),
        },
        source: id,
        ines: Actor::user(ines, false),
        carla: Actor::user(carla, false),
        mo: Actor::user(mo, false),
        olga: Actor::user(olga, false),
        other,
        _media: media,
    }
}

fn to(org: &str) -> ForkTarget {
    ForkTarget::Org(org.into())
}

async fn block_by_title(env: &Env, actor: &Actor, course: CourseId, title: &str) -> BlockId {
    authoring::draft(env, actor, course)
        .await
        .unwrap()
        .blocks
        .iter()
        .find(|b| b.title == title)
        .unwrap_or_else(|| panic!("no block {title}"))
        .block()
}

async fn edit(env: &Env, actor: &Actor, block: BlockId, title: &str) {
    authoring::update_block(
        env,
        actor,
        block,
        BlockPatch {
            title: Some(title.into()),
            summary: "Better title".into(),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap();
}

async fn who_may_fork_and_where(store: Store) {
    let w = world(store, "CC-BY-SA-4.0").await;
    let env = &w.env;
    let none = ForkInput::default();
    // Anonymous: log in first.
    let e = forks::fork(env, &Actor::ANONYMOUS, SOURCE, &to("OTHER"), &none)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    // An unknown course, or one the actor may not see, does not exist.
    let e = forks::fork(env, &w.carla, "course-v1:WIKI+NOPE+1", &to("OTHER"), &none)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // A plain member of OTHER may not create courses there; an unknown organisation is
    // bad input; the outsider's right to create lies in no organisation.
    let e = forks::fork(env, &w.mo, SOURCE, &to("OTHER"), &none)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Forbidden, "lyceum-newcourse-error-forbidden")
    );
    let e = forks::fork(env, &w.carla, SOURCE, &to("NOWHERE"), &none)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let e = forks::fork(env, &w.olga, SOURCE, &to("WIKI"), &none)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    // A bad run or title is refused before anything is written.
    let bad = ForkInput {
        run: "20 27".into(),
        ..ForkInput::default()
    };
    let e = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &bad)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let long = ForkInput {
        title: "x".repeat(lyceum_core::limits::COURSE_TITLE.max_chars + 1),
        ..ForkInput::default()
    };
    let e = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &long)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let mut c = env.store.conn().await.unwrap();
    let n: i64 = c.scalar(q("SELECT COUNT(*) FROM courses")).await.unwrap();
    assert_eq!(n, 1, "nothing written on refusal");
    drop(c);
    // The creator forks: automatic runs, then a chosen one; a taken one conflicts.
    let a = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &none)
        .await
        .unwrap();
    assert_eq!(a.key, "course-v1:OTHER+CP101+2026-fork");
    let b = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &none)
        .await
        .unwrap();
    assert_eq!(b.key, "course-v1:OTHER+CP101+2026-fork-2");
    let chosen = ForkInput {
        title: "Politiques de contenu".into(),
        code: "PC".into(),
        run: "2027".into(),
    };
    let c3 = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &chosen)
        .await
        .unwrap();
    assert_eq!(c3.key, "course-v1:OTHER+PC+2027");
    let e = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &chosen)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    // A fork is a draft whose only team member is the person forking.
    let mut c = env.store.conn().await.unwrap();
    let row = courses::get(&mut c, c3.id).await.unwrap().unwrap();
    assert_eq!(
        (row.title.as_str(), row.status.as_str(), row.published),
        ("Politiques de contenu", "draft", false)
    );
    let team = lyceum_store::repo::course_admin::team(&mut c, c3.id)
        .await
        .unwrap();
    assert_eq!(
        team.iter()
            .map(|m| (m.user_id, m.role.as_str()))
            .collect::<Vec<_>>(),
        vec![(w.carla.user.unwrap().0, "instructor")]
    );
    // An unpublished source is invisible to those outside its team.
    c.exec(
        q("UPDATE courses SET published = FALSE, status = 'draft' WHERE id = $1").bind(w.source.0),
    )
    .await
    .unwrap();
    drop(c);
    let e = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &none)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

async fn a_fork_copies_published_content_history_and_authors(store: Store) {
    let w = world(store, "CC-BY-SA-4.0").await;
    let env = &w.env;
    // Olga, an author of the source, improves U1 and it is published; then Ines starts a
    // draft change of U2 that is not published.
    {
        let mut c = env.store.conn().await.unwrap();
        courses::set_role(
            &mut c,
            w.source,
            w.olga.user.unwrap(),
            CourseRole::Author,
            0,
        )
        .await
        .unwrap();
    }
    let u1 = block_by_title(env, &w.ines, w.source, "U1").await;
    edit(env, &w.olga, u1, "U1, better").await;
    authoring::publish(env, &w.ines, w.source, "Olga's title")
        .await
        .unwrap();
    let u2 = block_by_title(env, &w.ines, w.source, "U2").await;
    edit(env, &w.ines, u2, "U2 draft only").await;
    let made = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &ForkInput::default())
        .await
        .unwrap();
    let mut c = env.store.conn().await.unwrap();
    let source_tree = courses::load_tree(&mut c, w.source).await.unwrap();
    let fork_tree = courses::load_tree(&mut c, made.id).await.unwrap();
    assert_eq!(source_tree.len(), fork_tree.len());
    for i in 0..source_tree.len() {
        let s = source_tree.node(i);
        let f = fork_tree.node(fork_tree.find_url_name(&s.url_name).unwrap());
        assert_ne!(s.id, f.id, "ids of its own");
        assert_eq!((&s.title, &s.kind), (&f.title, &f.kind));
    }
    let titles: Vec<&str> = (0..fork_tree.len())
        .map(|i| fork_tree.node(i).title.as_str())
        .collect();
    assert!(titles.contains(&"U1, better"), "published change copied");
    assert!(titles.contains(&"U2"), "{titles:?}");
    assert!(
        !titles.contains(&"U2 draft only"),
        "the source's draft is not copied"
    );
    // The fork block's history continues the source's: Ines's revision 1, Olga's 2.
    let map = repo::blocks(&mut c, made.id).await.unwrap();
    assert_eq!(map.len(), fork_tree.len());
    let fu1 = map.iter().find(|m| m.source_block_id == u1.0).unwrap();
    assert_eq!((fu1.source_revision, fu1.revision), (2, 2));
    let history = drafts::block_history(&mut c, BlockId(fu1.block_id))
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| (r.revision, r.author_username.clone().unwrap_or_default()))
            .collect::<Vec<_>>(),
        vec![(2, "Olga".to_owned()), (1, "Ines".to_owned())]
    );
    assert_eq!(history[0].comment, "Better title");
    let fu2 = map.iter().find(|m| m.source_block_id == u2.0).unwrap();
    assert_eq!(fu2.revision, 1, "the draft revision 2 of U2 is not taken");
    // The record of the source.
    let f = repo::of_course(&mut c, made.id).await.unwrap().unwrap();
    let source_row = courses::get(&mut c, w.source).await.unwrap().unwrap();
    assert_eq!(f.source_course_id, Some(w.source.0));
    assert_eq!(f.source_key, SOURCE);
    assert_eq!(f.source_title, "Core content policies");
    assert_eq!(f.source_license, "CC-BY-SA-4.0");
    assert_eq!(
        (f.forked_version, f.synced_version),
        (source_row.content_version, source_row.content_version)
    );
    assert_eq!(
        f.authors(),
        vec!["Ines Ndiaye".to_owned(), "Olga O.".to_owned()]
    );
    assert!(!f.modified);
    // The fork row comes with the course row, for the attribution.
    let fork_row = courses::get(&mut c, made.id).await.unwrap().unwrap();
    let src = fork_row.fork_source().unwrap();
    assert_eq!(
        (src.key.as_str(), src.title.as_str()),
        (SOURCE, "Core content policies")
    );
    assert_eq!(src.authors.len(), 2);
    assert!(source_row.fork_source().is_none());
    assert_eq!(fork_row.license, "CC-BY-SA-4.0");
    assert!(fork_row.overview_html.contains("<em>it</em>"));
    // One audit row; the source's instructor is told, the forker is not.
    let entries = audit::list(&mut c, &audit::Filter::default(), 10)
        .await
        .unwrap();
    let forks: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "course.fork")
        .collect();
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].target_id, made.key);
    let notices = notifications::recent(&mut c, w.ines.user.unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(
        notices.iter().filter(|n| n.kind == "forked").count(),
        1,
        "{notices:?}"
    );
    assert!(
        notifications::recent(&mut c, w.carla.user.unwrap(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn personal_spaces_are_made_once_and_owned(store: Store) {
    let w = world(store, "CC-BY-4.0").await;
    let env = &w.env;
    // Olga belongs to no organisation: she forks into her personal space.
    let a = forks::fork(
        env,
        &w.olga,
        SOURCE,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap();
    assert_eq!(a.key, "course-v1:~Olga+CP101+2026-fork");
    let b = forks::fork(
        env,
        &w.olga,
        SOURCE,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        b.key, "course-v1:~Olga+CP101+2026-fork-2",
        "the same space again"
    );
    let mut c = env.store.conn().await.unwrap();
    let (space, slug) = repo::personal_space(&mut c, w.olga.user.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(slug, "~Olga");
    assert_eq!(
        orgs::member_role(&mut c, space, w.olga.user.unwrap())
            .await
            .unwrap(),
        Some(lyceum_core::permissions::OrgRole::Admin)
    );
    let row = courses::get(&mut c, a.id).await.unwrap().unwrap();
    assert!(row.personal());
    assert_eq!(
        row.license, "CC-BY-4.0",
        "a CC BY source's fork stays CC BY"
    );
    drop(c);
    // Nobody else may create courses in someone's personal space.
    let e = forks::fork(env, &w.carla, SOURCE, &to("~Olga"), &ForkInput::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    // A personal space holds forks: no course from scratch there, and the new-course
    // form does not offer it.
    let e = uc::create(
        env,
        &w.olga,
        &lyceum_app::course_admin::NewCourseInput {
            org: "~Olga".into(),
            code: "NEW".into(),
            run: "1".into(),
            settings: settings("CC-BY-SA-4.0"),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(uc::creatable_orgs(env, &w.olga).await.unwrap().is_empty());
    // Slugs are ASCII and valid key parts whatever the username.
    assert_eq!(forks::personal_slug("Zoë Ü", UserId(7)), "~Zo");
    assert_eq!(forks::personal_slug("Ωμέγα", UserId(7)), "~u7");
    assert!(lyceum_core::course::key::is_valid_key_part(
        &forks::personal_slug(&"a".repeat(200), UserId(1))
    ));
}

fn settings(license: &str) -> SettingsInput {
    SettingsInput {
        title: "Fork".into(),
        language: "en".into(),
        license: Some(license.into()),
        self_paced: true,
        ..SettingsInput::default()
    }
}

async fn a_fork_keeps_a_licence_its_source_allows(store: Store) {
    let w = world(store, "CC-BY-SA-4.0").await;
    let env = &w.env;
    let made = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &ForkInput::default())
        .await
        .unwrap();
    // CC BY-SA is share-alike: the fork may not become CC BY or CC0.
    for l in ["CC-BY-4.0", "CC0-1.0"] {
        let e = uc::update_settings(env, &w.carla, &made.key, &settings(l))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.error.key.0),
            (ErrorKind::Invalid, "lyceum-fork-error-licence-change")
        );
    }
    uc::update_settings(env, &w.carla, &made.key, &settings("CC-BY-SA-4.0"))
        .await
        .unwrap();
    assert_eq!(
        forks::licence_choices(env, made.id).await.unwrap(),
        vec![lyceum_core::course::License::CcBySa40]
    );
    // A course that is no fork keeps every free licence.
    uc::update_settings(env, &w.ines, SOURCE, &settings("CC0-1.0"))
        .await
        .unwrap();
    // All rights reserved: no fork at all, not even by its own instructor.
    let mut c = env.store.conn().await.unwrap();
    c.exec(q("UPDATE courses SET license = 'all-rights-reserved' WHERE id = $1").bind(w.source.0))
        .await
        .unwrap();
    drop(c);
    for who in [&w.carla, &w.ines] {
        let e = forks::fork(env, who, SOURCE, &to("OTHER"), &ForkInput::default())
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.error.key.0),
            (ErrorKind::Forbidden, "lyceum-fork-error-licence")
        );
    }
}

async fn modified(env: &Env, course: CourseId) -> bool {
    let mut c = env.store.conn().await.unwrap();
    repo::of_course(&mut c, course)
        .await
        .unwrap()
        .unwrap()
        .modified
}

async fn changes_were_made_once_the_fork_differs(store: Store) {
    let w = world(store, "CC-BY-SA-4.0").await;
    let env = &w.env;
    let made = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &ForkInput::default())
        .await
        .unwrap();
    // Published as it was taken: no changes.
    authoring::publish(env, &w.carla, made.id, "")
        .await
        .unwrap();
    assert!(!modified(env, made.id).await);
    // A draft change is not a change until published.
    let u1 = block_by_title(env, &w.carla, made.id, "U1").await;
    edit(env, &w.carla, u1, "U1 adapted").await;
    assert!(!modified(env, made.id).await);
    authoring::publish(env, &w.carla, made.id, "")
        .await
        .unwrap();
    assert!(modified(env, made.id).await);
    // Restoring the source's revision is no change any more.
    authoring::restore(env, &w.carla, u1, 1).await.unwrap();
    let mut c = env.store.conn().await.unwrap();
    c.exec(q("UPDATE fork_blocks SET revision = 3 WHERE block_id = $1").bind(u1.0))
        .await
        .unwrap();
    drop(c);
    authoring::publish(env, &w.carla, made.id, "")
        .await
        .unwrap();
    assert!(
        !modified(env, made.id).await,
        "restored revision 3 is what was taken"
    );
    // A block of the source removed from the fork is a change.
    let u2 = block_by_title(env, &w.carla, made.id, "U2").await;
    authoring::delete_block(env, &w.carla, u2, true)
        .await
        .unwrap();
    authoring::publish(env, &w.carla, made.id, "")
        .await
        .unwrap();
    assert!(modified(env, made.id).await);
}

async fn a_fork_of_a_fork_names_its_direct_source(store: Store) {
    let w = world(store, "CC0-1.0").await;
    let env = &w.env;
    let first = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &ForkInput::default())
        .await
        .unwrap();
    authoring::publish(env, &w.carla, first.id, "")
        .await
        .unwrap();
    let second = forks::fork(
        env,
        &w.olga,
        &first.key,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap();
    let mut c = env.store.conn().await.unwrap();
    let f = repo::of_course(&mut c, second.id).await.unwrap().unwrap();
    assert_eq!(f.source_course_id, Some(first.id.0));
    assert_eq!(f.source_key, first.key);
    // The authors of the first source are still credited (their revisions came along).
    assert_eq!(f.authors(), vec!["Ines Ndiaye".to_owned()]);
    // Each fork maps to its direct source's blocks.
    let first_blocks = repo::blocks(&mut c, first.id).await.unwrap();
    let second_blocks = repo::blocks(&mut c, second.id).await.unwrap();
    for b in &second_blocks {
        assert!(first_blocks.iter().any(|f| f.block_id == b.source_block_id));
    }
    let _ = w.other;
    let _ = w.mo;
}

async fn a_personal_course_moves_into_an_organisation(store: Store) {
    let w = world(store, "CC-BY-SA-4.0").await;
    let env = &w.env;
    let personal = forks::fork(
        env,
        &w.olga,
        SOURCE,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap();
    // Olga may not create courses in OTHER yet; an unknown organisation is bad input.
    let e = forks::move_to_org(env, &w.olga, &personal.key, "OTHER")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = forks::move_to_org(env, &w.olga, &personal.key, "NOWHERE")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    // Someone else does not even see the draft.
    let e = forks::move_to_org(env, &w.carla, &personal.key, "OTHER")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    member(&env.store, w.other, w.olga.user.unwrap(), "creator").await;
    // The key it would take is taken: a conflict, nothing changes.
    let taken = forks::fork(env, &w.carla, SOURCE, &to("OTHER"), &ForkInput::default())
        .await
        .unwrap();
    assert_eq!(taken.key, "course-v1:OTHER+CP101+2026-fork");
    let e = forks::move_to_org(env, &w.olga, &personal.key, "OTHER")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let second = forks::fork(
        env,
        &w.olga,
        SOURCE,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap();
    let moved = forks::move_to_org(env, &w.olga, &second.key, "OTHER")
        .await
        .unwrap();
    assert_eq!(moved, "course-v1:OTHER+CP101+2026-fork-2");
    let mut c = env.store.conn().await.unwrap();
    let row = courses::find_by_key(&mut c, &moved).await.unwrap().unwrap();
    assert_eq!(row.id(), second.id);
    assert!(!row.personal());
    assert!(row.fork_source().is_some(), "still a fork");
    drop(c);
    assert_eq!(
        forks::moved_to(env, &second.key).await.unwrap(),
        Some(moved.clone())
    );
    assert_eq!(forks::moved_to(env, SOURCE).await.unwrap(), None);
    // A course in an organisation does not move again this way.
    let e = forks::move_to_org(env, &w.olga, &moved, "OTHER")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let mut c = env.store.conn().await.unwrap();
    let entries = audit::list(&mut c, &audit::Filter::default(), 20)
        .await
        .unwrap();
    assert_eq!(
        entries.iter().filter(|e| e.action == "course.move").count(),
        1
    );
}
