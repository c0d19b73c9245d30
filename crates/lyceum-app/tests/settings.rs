//! Site settings without HTTP: defaults, typed reading, validation, who may change them and
//! the audit rows a change writes — on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use lyceum_app::settings::{self, SettingsInput, SiteSettings};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::FixedClock;
use lyceum_core::permissions::Actor;
use lyceum_store::repo::{audit, users};
use lyceum_store::{MediaStore, Store, testing};
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
    defaults_apply_until_set,
    admins_change_settings_with_audit_rows,
    bad_values_and_non_admins_change_nothing,
);

fn env(store: Store) -> (Env, tempfile::TempDir) {
    let media = tempfile::tempdir().unwrap();
    let env = Env {
        store,
        media: MediaStore::new(media.path()).unwrap(),
        clock: Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap())),
    };
    (env, media)
}

async fn admin(env: &Env) -> Actor {
    let mut c = env.store.conn().await.unwrap();
    let id = users::create_user(&mut c, "Root", "root", "Root", true, 0)
        .await
        .unwrap();
    Actor::user(id, true)
}

async fn log(env: &Env) -> Vec<audit::EntryRow> {
    let mut c = env.store.conn().await.unwrap();
    audit::list(&mut c, &audit::Filter::default(), 100)
        .await
        .unwrap()
}

async fn defaults_apply_until_set(store: Store) {
    let (env, _m) = env(store);
    assert_eq!(settings::load(&env).await.unwrap(), SiteSettings::default());
    assert!(settings::signup_enabled(&env).await.unwrap());
    assert_eq!(
        settings::review_interval(&env).await.unwrap(),
        jiff::SignedDuration::from_hours(365 * 24)
    );
}

async fn admins_change_settings_with_audit_rows(store: Store) {
    let (env, _m) = env(store);
    let root = admin(&env).await;
    let s = settings::update(
        &env,
        &root,
        &SettingsInput {
            signup_enabled: false,
            review_interval_days: " 30 ",
        },
        "spam wave",
    )
    .await
    .unwrap();
    assert_eq!(
        s,
        SiteSettings {
            signup_enabled: false,
            review_interval_days: 30,
            trust: Default::default(),
        }
    );
    assert!(!settings::signup_enabled(&env).await.unwrap());
    assert_eq!(
        settings::review_interval(&env).await.unwrap(),
        jiff::SignedDuration::from_hours(30 * 24)
    );
    let rows = log(&env).await;
    assert_eq!(rows.len(), 2, "one row per changed setting");
    for r in &rows {
        assert_eq!(r.action, "site.setting");
        assert_eq!(r.target_type, "site");
        assert_eq!(r.reason, "spam wave");
        assert_eq!(r.actor_id, root.user.map(|u| u.0));
    }
    let interval = rows
        .iter()
        .find(|r| r.target_id == "review_interval_days")
        .unwrap();
    let d: serde_json::Value = serde_json::from_str(&interval.details).unwrap();
    assert_eq!(d["old"], 365);
    assert_eq!(d["new"], 30);

    // Saving the same values again writes no row; changing one writes one.
    settings::set_signup_enabled(&env, &root, false, "")
        .await
        .unwrap();
    assert_eq!(log(&env).await.len(), 2);
    settings::set_review_interval_days(&env, &root, 0, "")
        .await
        .unwrap();
    assert!(settings::review_interval(&env).await.unwrap().is_zero());
    assert_eq!(log(&env).await.len(), 3);
    assert!(!settings::signup_enabled(&env).await.unwrap());
}

async fn bad_values_and_non_admins_change_nothing(store: Store) {
    let (env, _m) = env(store);
    let root = admin(&env).await;
    for bad in ["", "x", "-1", "3651", "1.5"] {
        let e = settings::update(
            &env,
            &root,
            &SettingsInput {
                signup_enabled: false,
                review_interval_days: bad,
            },
            "",
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{bad:?}");
        assert_eq!(e.error.key.0, "lyceum-error-number-range");
    }
    let e = settings::update(
        &env,
        &root,
        &SettingsInput {
            signup_enabled: false,
            review_interval_days: "10",
        },
        &"r".repeat(501),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let mut c = env.store.conn().await.unwrap();
    let learner = users::create_user(&mut c, "Ann", "ann", "Ann", false, 0)
        .await
        .unwrap();
    drop(c);
    for who in [Actor::ANONYMOUS, Actor::user(learner, false)] {
        let e = settings::set_signup_enabled(&env, &who, false, "")
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
    assert_eq!(settings::load(&env).await.unwrap(), SiteSettings::default());
    assert!(log(&env).await.is_empty());
}
