//! Site and organisation administration without HTTP: organisations (create, edit, logo,
//! people), people (block ending sessions, unblock, grants, the last administrator) and
//! the audit row each action writes — on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use lyceum_app::orgs::{self, NewOrg, OrgEdit};
use lyceum_app::{Env, ErrorKind, users as admin_users};
use lyceum_core::permissions::{Actor, OrgRole};
use lyceum_core::{FixedClock, UserId};
use lyceum_store::repo::{audit, orgs as org_repo, sessions, users};
use lyceum_store::{Db, MediaStore, Store, testing};
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
    site_admins_create_and_edit_organisations,
    organisation_admins_edit_but_do_not_rename,
    logos_are_checked_before_anything_is_stored,
    people_join_change_role_and_leave,
    blocking_ends_sessions_and_unblocking_restores,
    grants_and_the_last_admin,
);

struct World {
    env: Env,
    root: Actor,
    _media: tempfile::TempDir,
}

async fn world(store: Store) -> World {
    let media = tempfile::tempdir().unwrap();
    let env = Env {
        store,
        media: MediaStore::new(media.path()).unwrap(),
        clock: Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap())),
    };
    let root = user(&env, "Root", true).await;
    World {
        env,
        root: Actor::user(root, true),
        _media: media,
    }
}

async fn user(env: &Env, name: &str, admin: bool) -> UserId {
    let mut c = env.store.conn().await.unwrap();
    users::create_user(&mut c, name, &name.to_lowercase(), name, admin, 0)
        .await
        .unwrap()
}

async fn log(env: &Env) -> Vec<audit::EntryRow> {
    let mut c = env.store.conn().await.unwrap();
    audit::list(&mut c, &audit::Filter::default(), 100)
        .await
        .unwrap()
}

fn new_org<'a>(slug: &'a str, name: &'a str) -> NewOrg<'a> {
    NewOrg {
        slug,
        name,
        description: "Learning together",
        website: "https://example.org",
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-tiny-logo";

async fn site_admins_create_and_edit_organisations(store: Store) {
    let w = world(store).await;
    orgs::create(&w.env, &w.root, &new_org("WikiEdu", "Wiki Education"))
        .await
        .unwrap();
    // Taken in any case, bad slugs, empty and long names: refused, nothing written.
    for (slug, name, key) in [
        ("wikiedu", "Again", "lyceum-org-error-slug-taken"),
        ("bad slug", "X", "lyceum-org-error-slug"),
        ("", "X", "lyceum-org-error-slug"),
        ("Fine", "   ", "lyceum-org-error-name-required"),
    ] {
        let e = orgs::create(&w.env, &w.root, &new_org(slug, name))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.error.key.0),
            (ErrorKind::Invalid, key),
            "{slug:?}"
        );
    }
    let long = "n".repeat(101);
    let e = orgs::create(&w.env, &w.root, &new_org("Long", &long))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-input-too-long");
    let learner = Actor::user(user(&w.env, "Ann", false).await, false);
    for who in [Actor::ANONYMOUS, learner] {
        let e = orgs::create(&w.env, &who, &new_org("Mine", "Mine"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
    orgs::update(
        &w.env,
        &w.root,
        "WikiEdu",
        &OrgEdit {
            name: Some("Wiki Education Foundation"),
            requires_review: Some(true),
            description: "New text",
            website: "",
        },
    )
    .await
    .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let (o, _) = org_repo::detail_by_slug(&mut c, "WikiEdu", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.name, "Wiki Education Foundation");
    assert!(o.requires_review);
    assert_eq!(o.website, None);
    let rows = log(&w.env).await;
    assert_eq!(
        rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["org.update", "org.create"]
    );
    let d: serde_json::Value = serde_json::from_str(&rows[0].details).unwrap();
    assert_eq!(d["name"]["old"], "Wiki Education");
    assert_eq!(d["requires_review"]["new"], true);
    assert_eq!(rows[0].target_id, "WikiEdu");
}

async fn organisation_admins_edit_but_do_not_rename(store: Store) {
    let w = world(store).await;
    let org = orgs::create(&w.env, &w.root, &new_org("A", "Org A"))
        .await
        .unwrap();
    orgs::create(&w.env, &w.root, &new_org("B", "Org B"))
        .await
        .unwrap();
    let boss = user(&w.env, "Boss", false).await;
    orgs::add_member(&w.env, &w.root, "A", "boss", OrgRole::Admin)
        .await
        .unwrap();
    let boss = Actor::user(boss, false);
    let edit = |name| OrgEdit {
        name,
        requires_review: None,
        description: "Ours",
        website: "http://a.example",
    };
    orgs::update(&w.env, &boss, "A", &edit(None)).await.unwrap();
    let e = orgs::update(&w.env, &boss, "A", &edit(Some("Renamed")))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = orgs::update(&w.env, &boss, "B", &edit(None))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Forbidden,
        "admin of another organisation"
    );
    let e = orgs::update(
        &w.env,
        &boss,
        "A",
        &OrgEdit {
            website: "ftp://x",
            ..edit(None)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-org-error-website");
    let mut c = w.env.store.conn().await.unwrap();
    let o = org_repo::detail(&mut c, org).await.unwrap().unwrap();
    assert_eq!((o.name.as_str(), o.description.as_str()), ("Org A", "Ours"));
}

async fn logos_are_checked_before_anything_is_stored(store: Store) {
    let w = world(store).await;
    orgs::create(&w.env, &w.root, &new_org("A", "Org A"))
        .await
        .unwrap();
    let before = std::fs::read_dir(w.env.media.local_root().unwrap())
        .unwrap()
        .count();
    let big = [PNG, &vec![0u8; orgs::LOGO_MAX_BYTES]].concat();
    for (bytes, key) in [
        (
            &b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"[..],
            "lyceum-org-error-logo-type",
        ),
        (&big[..], "lyceum-org-error-logo-size"),
        (b"", "lyceum-org-error-logo-missing"),
    ] {
        let e = orgs::set_logo(&w.env, &w.root, "A", bytes)
            .await
            .unwrap_err();
        assert_eq!(e.error.key.0, key);
    }
    let learner = Actor::user(user(&w.env, "Ann", false).await, false);
    let e = orgs::set_logo(&w.env, &learner, "A", PNG)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert_eq!(
        std::fs::read_dir(w.env.media.local_root().unwrap())
            .unwrap()
            .count(),
        before
    );
    assert!(log(&w.env).await.iter().all(|r| r.action == "org.create"));

    orgs::set_logo(&w.env, &w.root, "A", PNG).await.unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let (o, _) = org_repo::detail_by_slug(&mut c, "A", None)
        .await
        .unwrap()
        .unwrap();
    let first = o.logo_sha256.clone().unwrap();
    assert_eq!(o.logo_content_type.as_deref(), Some("image/png"));
    assert!(w.env.media.exists(&first).unwrap());
    // A new logo replaces the old one, whose file goes.
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"jfif-logo"].concat();
    orgs::set_logo(&w.env, &w.root, "A", &jpeg).await.unwrap();
    assert!(!w.env.media.exists(&first).unwrap());
    orgs::remove_logo(&w.env, &w.root, "A").await.unwrap();
    let (o, _) = org_repo::detail_by_slug(&mut c, "A", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.logo_sha256, None);
    let actions: Vec<String> = log(&w.env).await.into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            "org.logo.remove",
            "org.logo.set",
            "org.logo.set",
            "org.create"
        ]
    );
}

async fn people_join_change_role_and_leave(store: Store) {
    let w = world(store).await;
    orgs::create(&w.env, &w.root, &new_org("A", "Org A"))
        .await
        .unwrap();
    orgs::create(&w.env, &w.root, &new_org("B", "Org B"))
        .await
        .unwrap();
    let boss = Actor::user(user(&w.env, "Boss", false).await, false);
    let other_boss = Actor::user(user(&w.env, "Other", false).await, false);
    let ann = user(&w.env, "Ann", false).await;
    orgs::add_member(&w.env, &w.root, "A", "Boss", OrgRole::Admin)
        .await
        .unwrap();
    orgs::add_member(&w.env, &w.root, "B", "other", OrgRole::Admin)
        .await
        .unwrap();
    orgs::add_member(&w.env, &boss, "A", " ann ", OrgRole::Creator)
        .await
        .unwrap();
    let e = orgs::add_member(&w.env, &boss, "A", "ann", OrgRole::Member)
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-org-error-already-member");
    let e = orgs::add_member(&w.env, &boss, "A", "nobody", OrgRole::Member)
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-org-error-no-such-user");
    let e = orgs::add_member(&w.env, &other_boss, "A", "other", OrgRole::Admin)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = orgs::add_member(
        &w.env,
        &Actor::user(ann, false),
        "A",
        "other",
        OrgRole::Admin,
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Forbidden,
        "a creator does not manage people"
    );
    orgs::set_member_role(&w.env, &boss, "A", "ann", OrgRole::Reviewer)
        .await
        .unwrap();
    let (_, people) = orgs::members(&w.env, &boss, "A").await.unwrap();
    assert_eq!(
        people
            .iter()
            .map(|m| (m.username.as_str(), m.role.as_str()))
            .collect::<Vec<_>>(),
        [("Boss", "admin"), ("Ann", "reviewer")]
    );
    orgs::remove_member(&w.env, &boss, "A", "ann")
        .await
        .unwrap();
    let e = orgs::remove_member(&w.env, &boss, "A", "ann")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let rows = log(&w.env).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        &actions[..3],
        ["org.member.remove", "org.member.role", "org.member.add"]
    );
    let d: serde_json::Value = serde_json::from_str(&rows[1].details).unwrap();
    assert_eq!(
        (d["old"].as_str(), d["new"].as_str()),
        (Some("creator"), Some("reviewer"))
    );
    assert_eq!(rows[1].actor_id, boss.user.map(|u| u.0));
}

async fn session_count(env: &Env, user: UserId) -> i64 {
    let mut c = env.store.conn().await.unwrap();
    c.scalar(lyceum_store::q("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user.0))
        .await
        .unwrap()
}

async fn blocking_ends_sessions_and_unblocking_restores(store: Store) {
    let w = world(store).await;
    let ann = user(&w.env, "Ann", false).await;
    let mut c = w.env.store.conn().await.unwrap();
    for id in ["s1", "s2"] {
        sessions::create(&mut c, id, Some(ann), "{}", 0, i64::MAX / 2)
            .await
            .unwrap();
    }
    drop(c);
    let e = admin_users::block(&w.env, &w.root, ann, "  ")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-admin-error-reason-required");
    let e = admin_users::block(&w.env, &w.root, w.root.user.unwrap(), "oops")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-admin-error-block-self");
    let e = admin_users::block(&w.env, &Actor::user(ann, false), ann, "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(session_count(&w.env, ann).await, 2);
    assert!(!admin_users::is_blocked(&w.env, ann).await.unwrap());

    assert_eq!(
        admin_users::block(&w.env, &w.root, ann, "Spam")
            .await
            .unwrap(),
        2
    );
    assert_eq!(session_count(&w.env, ann).await, 0);
    assert!(admin_users::is_blocked(&w.env, ann).await.unwrap());
    let e = admin_users::block(&w.env, &w.root, ann, "Again")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let e = admin_users::unblock(&w.env, &w.root, ann, "")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-admin-error-reason-required");
    admin_users::unblock(&w.env, &w.root, ann, "Appeal accepted")
        .await
        .unwrap();
    assert!(!admin_users::is_blocked(&w.env, ann).await.unwrap());
    let rows = log(&w.env).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].action.as_str(), rows[0].reason.as_str()),
        ("user.unblock", "Appeal accepted")
    );
    assert_eq!(
        (rows[1].action.as_str(), rows[1].reason.as_str()),
        ("user.block", "Spam")
    );
    assert_eq!(rows[1].target_type, "user");
    assert_eq!(rows[1].target_id, ann.0.to_string());
    let d: serde_json::Value = serde_json::from_str(&rows[1].details).unwrap();
    assert_eq!(d["sessions_ended"], 2);
}

async fn grants_and_the_last_admin(store: Store) {
    let w = world(store).await;
    let root = w.root.user.unwrap();
    let ann = user(&w.env, "Ann", false).await;
    // The only administrator cannot step down.
    let e = admin_users::set_site_admin(&w.env, &w.root, root, false, "")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-admin-error-last-admin")
    );
    admin_users::set_site_admin(&w.env, &w.root, ann, true, "Helps")
        .await
        .unwrap();
    // Now there are two: stepping down is fine.
    admin_users::set_site_admin(&w.env, &w.root, root, false, "")
        .await
        .unwrap();
    let ann_admin = Actor::user(ann, true);
    let e = admin_users::set_site_admin(&w.env, &ann_admin, ann, false, "")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-admin-error-last-admin");
    admin_users::set_course_creation(&w.env, &ann_admin, root, true, "")
        .await
        .unwrap();
    // Unchanged values write nothing.
    admin_users::set_course_creation(&w.env, &ann_admin, root, true, "")
        .await
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let r = users::get_user(&mut c, root).await.unwrap().unwrap();
    assert!(r.can_create_courses && !r.is_admin);
    let e = admin_users::set_course_creation(&w.env, &Actor::user(root, false), ann, false, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let actions: Vec<String> = log(&w.env).await.into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            "user.creator.grant",
            "user.admin.revoke",
            "user.admin.grant"
        ]
    );
}
