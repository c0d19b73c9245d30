//! Account use cases without HTTP, on SQLite and PostgreSQL: sign-up (setting, policy,
//! rate limit, no grants), e-mail verification, password reset (single use, expiry,
//! sessions ended), change of password, Wikimedia linking, and deletion — what is erased
//! and what is kept, table by table.
#![allow(clippy::unwrap_used)]

use lyceum_app::accounts::{self, Confirmation, SIGNUPS_PER_ADDRESS, SignUp, WikimediaIdentity};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{FixedClock, UserId};
use lyceum_store::repo::accounts::{ERASED, KEPT};
use lyceum_store::repo::{audit, courses, learner, notifications, orgs, sessions, settings, users};
use lyceum_store::{Db, MediaStore, Store, q, q_built, testing};
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
    sign_up_follows_the_setting_the_policy_and_the_limit,
    verification_links_are_single_use_and_prove_one_address,
    password_reset_links_are_single_use_expire_and_end_sessions,
    changing_the_password_needs_the_current_one_and_ends_other_sessions,
    wikimedia_links_refuse_another_owner_and_unlink_keeps_a_login,
    deletion_erases_personal_data_and_keeps_authorship,
);

const PW: &str = "correct horse battery";

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    _media: tempfile::TempDir,
}

fn world(store: Store) -> World {
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap()));
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        _media: media,
    }
}

fn signup<'a>(name: &'a str, email: Option<&'a str>, address: &'a str) -> SignUp<'a> {
    SignUp {
        username: name,
        password: PW,
        email,
        address,
        language: Some("fr"),
    }
}

fn hours(h: i64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_hours(h)
}

async fn session(w: &World, id: &str, user: UserId) {
    let mut c = w.env.store.conn().await.unwrap();
    let now = w.env.now_ms();
    sessions::create(&mut c, id, Some(user), "{}", now, now + 3_600_000_000)
        .await
        .unwrap();
}

async fn live_sessions(w: &World, user: UserId) -> i64 {
    let mut c = w.env.store.conn().await.unwrap();
    c.scalar(q("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user.0))
        .await
        .unwrap()
}

async fn user(w: &World, id: UserId) -> users::UserRow {
    let mut c = w.env.store.conn().await.unwrap();
    users::get_user(&mut c, id).await.unwrap().unwrap()
}

async fn password_ok(w: &World, name: &str, pw: &str) -> bool {
    let mut c = w.env.store.conn().await.unwrap();
    let h = users::find_password_hash(&mut c, name).await.unwrap();
    accounts::verify_password(pw.to_owned(), h.map(|(_, h)| h)).await
}

async fn sign_up_follows_the_setting_the_policy_and_the_limit(store: Store) {
    let w = world(store);
    let made = accounts::sign_up(
        &w.env,
        &signup("Ada", Some(" ada@example.org "), "1.2.3.4"),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(made.username, "Ada");
    assert!(
        made.verification.is_none(),
        "no mail configured: nothing to verify"
    );
    let row = user(&w, made.user).await;
    assert_eq!(
        row.email.as_deref(),
        Some("ada@example.org"),
        "kept, unverified"
    );
    assert!(row.email_verified_at.is_none());
    assert_eq!(row.language.as_deref(), Some("fr"));
    assert!(
        !row.is_admin && !row.can_create_courses,
        "a new account has no grant"
    );
    assert!(password_ok(&w, "ada", PW).await);

    // Bad input: the rule that failed, nothing stored.
    let cases: &[(SignUp, ErrorKind, &str)] = &[
        (
            signup("ada", None, "9.9.9.9"),
            ErrorKind::Conflict,
            "lyceum-error-username-taken",
        ),
        (
            signup("", None, "9.9.9.9"),
            ErrorKind::Invalid,
            "lyceum-error-username-empty",
        ),
        (
            signup("a/b", None, "9.9.9.9"),
            ErrorKind::Invalid,
            "lyceum-error-username-invalid",
        ),
        (
            signup("Deleted-User-7", None, "9.9.9.9"),
            ErrorKind::Invalid,
            "lyceum-signup-error-username-reserved",
        ),
        (
            SignUp {
                password: "short",
                ..signup("bea", None, "9.9.9.9")
            },
            ErrorKind::Invalid,
            "lyceum-error-password-short",
        ),
        (
            SignUp {
                password: "qwertyuiop",
                ..signup("bea", None, "9.9.9.9")
            },
            ErrorKind::Invalid,
            "lyceum-password-error-common",
        ),
        (
            SignUp {
                password: "i am beatrice!",
                ..signup("beatrice", None, "9.9.9.9")
            },
            ErrorKind::Invalid,
            "lyceum-password-error-has-username",
        ),
        (
            signup("bea", Some("not an address"), "9.9.9.9"),
            ErrorKind::Invalid,
            "lyceum-error-email",
        ),
    ];
    for (input, kind, key) in cases {
        let e = accounts::sign_up(&w.env, input, false).await.unwrap_err();
        assert_eq!((e.kind, e.error.key.0), (*kind, *key), "{input:?}");
    }
    let mut c = w.env.store.conn().await.unwrap();
    assert_eq!(users::count_users(&mut c).await.unwrap(), 1);
    drop(c);

    // Five accounts an hour per address (the one above counts); refusals did not count.
    for i in 1..SIGNUPS_PER_ADDRESS {
        let name = format!("learner{i}");
        accounts::sign_up(&w.env, &signup(&name, None, "1.2.3.4"), false)
            .await
            .unwrap()
            .unwrap();
    }
    let limited = accounts::sign_up(&w.env, &signup("onemore", None, "1.2.3.4"), false)
        .await
        .unwrap();
    let wait = limited.unwrap_err().0;
    assert!(wait > 0 && wait <= 3600, "{wait}");
    // Another address is not limited; an hour later this one is not either.
    accounts::sign_up(&w.env, &signup("elsewhere", None, "5.6.7.8"), false)
        .await
        .unwrap()
        .unwrap();
    w.clock.advance(hours(1));
    accounts::sign_up(&w.env, &signup("onemore", None, "1.2.3.4"), false)
        .await
        .unwrap()
        .unwrap();

    // Closed by the site setting.
    let mut c = w.env.store.conn().await.unwrap();
    settings::set(&mut c, accounts::SIGNUP_SETTING, "false", 0)
        .await
        .unwrap();
    drop(c);
    assert!(!accounts::signup_enabled(&w.env).await.unwrap());
    let e = accounts::sign_up(&w.env, &signup("late", None, "7.7.7.7"), false)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Forbidden, "lyceum-signup-error-closed")
    );
}

async fn verification_links_are_single_use_and_prove_one_address(store: Store) {
    let w = world(store);
    let made = accounts::sign_up(
        &w.env,
        &signup("ada", Some("ada@example.org"), "1.1.1.1"),
        true,
    )
    .await
    .unwrap()
    .unwrap();
    let link = made.verification.unwrap();
    assert_eq!(link.email, "ada@example.org");
    assert_eq!(link.language.as_deref(), Some("fr"));
    // Only a hash is stored.
    let mut c = w.env.store.conn().await.unwrap();
    let stored: i64 = c
        .scalar(q("SELECT COUNT(*) FROM account_tokens WHERE token_hash = $1").bind(&link.token))
        .await
        .unwrap();
    assert_eq!(stored, 0);
    drop(c);

    // "Resend" voids the first link.
    let again = accounts::resend_verification(&w.env, made.user)
        .await
        .unwrap();
    assert_ne!(again.token, link.token);
    assert_eq!(
        accounts::verify_email(&w.env, &link.token)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        accounts::verify_email(&w.env, &again.token).await.unwrap(),
        made.user
    );
    assert!(user(&w, made.user).await.email_verified_at.is_some());
    // Single use; nothing left to verify.
    assert_eq!(
        accounts::verify_email(&w.env, &again.token)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        accounts::resend_verification(&w.env, made.user)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    assert_eq!(
        accounts::verify_email(&w.env, "garbage")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );

    // A new address is unverified; a link to the old one proves nothing.
    let l1 = accounts::set_email(&w.env, made.user, "ada@new.example", true)
        .await
        .unwrap()
        .unwrap();
    assert!(user(&w, made.user).await.email_verified_at.is_none());
    assert!(
        accounts::set_email(&w.env, made.user, "ada@new.example", true)
            .await
            .unwrap()
            .is_none(),
        "same address: nothing sent"
    );
    let l2 = accounts::set_email(&w.env, made.user, "ada@other.example", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        accounts::verify_email(&w.env, &l1.token)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    // Links expire after a week.
    w.clock.advance(hours(7 * 24 + 1));
    assert_eq!(
        accounts::verify_email(&w.env, &l2.token)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    // Without mail: the address is kept, no link.
    assert!(
        accounts::set_email(&w.env, made.user, "ada@plain.example", false)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        user(&w, made.user).await.email.as_deref(),
        Some("ada@plain.example")
    );
    // Resending is capped at three an hour.
    w.clock.advance(hours(2));
    for _ in 0..3 {
        accounts::resend_verification(&w.env, made.user)
            .await
            .unwrap();
    }
    assert_eq!(
        accounts::resend_verification(&w.env, made.user)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
}

async fn verified(w: &World, name: &str, email: &str) -> UserId {
    let made = accounts::sign_up(&w.env, &signup(name, Some(email), "3.3.3.3"), true)
        .await
        .unwrap()
        .unwrap();
    accounts::verify_email(&w.env, &made.verification.unwrap().token)
        .await
        .unwrap();
    made.user
}

async fn password_reset_links_are_single_use_expire_and_end_sessions(store: Store) {
    let w = world(store);
    let ada = verified(&w, "ada", "ada@example.org").await;
    let unverified = accounts::sign_up(
        &w.env,
        &signup("bea", Some("bea@example.org"), "3.3.3.3"),
        true,
    )
    .await
    .unwrap()
    .unwrap()
    .user;
    session(&w, "s1", ada).await;
    session(&w, "s2", ada).await;

    // The same answer for an unknown name, an unverified address and a real account.
    assert!(
        accounts::request_password_reset(&w.env, "nobody", "8.8.8.8")
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
    assert!(
        accounts::request_password_reset(&w.env, "bea", "8.8.8.8")
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
    let by_email = accounts::request_password_reset(&w.env, "ADA@example.org", "8.8.8.8")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.len(), 1);
    let links = accounts::request_password_reset(&w.env, "Ada", "8.8.8.8")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(links.len(), 1);
    let link = &links[0];
    assert_eq!((link.user, link.email.as_str()), (ada, "ada@example.org"));
    // The newer link voided the older.
    assert_eq!(
        accounts::reset_link_account(&w.env, &by_email[0].token)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        accounts::reset_link_account(&w.env, &link.token)
            .await
            .unwrap()
            .id(),
        ada
    );

    // A refused password leaves the link usable.
    let e = accounts::reset_password(&w.env, &link.token, "password123")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-password-error-common");
    accounts::reset_password(&w.env, &link.token, "a brand new passphrase")
        .await
        .unwrap();
    assert!(password_ok(&w, "ada", "a brand new passphrase").await);
    assert_eq!(live_sessions(&w, ada).await, 0, "every session ended");
    // Single use.
    assert_eq!(
        accounts::reset_password(&w.env, &link.token, "another new passphrase")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    // Expires after an hour.
    let late = accounts::request_password_reset(&w.env, "ada", "8.8.8.8")
        .await
        .unwrap()
        .unwrap();
    w.clock.advance(jiff::SignedDuration::from_mins(61));
    assert_eq!(
        accounts::reset_password(&w.env, &late[0].token, "another new passphrase")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    // At most three mails an hour per account, silently; ten requests an hour per address.
    for _ in 0..3 {
        assert_eq!(
            accounts::request_password_reset(&w.env, "ada", "6.6.6.6")
                .await
                .unwrap()
                .unwrap()
                .len(),
            1
        );
    }
    assert!(
        accounts::request_password_reset(&w.env, "ada", "6.6.6.6")
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
    for _ in 4..10 {
        accounts::request_password_reset(&w.env, "nobody", "6.6.6.6")
            .await
            .unwrap()
            .unwrap();
    }
    assert!(
        accounts::request_password_reset(&w.env, "nobody", "6.6.6.6")
            .await
            .unwrap()
            .is_err()
    );
    let _ = unverified;
}

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(store: Store) {
    let w = world(store);
    let ada = accounts::sign_up(&w.env, &signup("ada", None, "1.1.1.1"), false)
        .await
        .unwrap()
        .unwrap()
        .user;
    session(&w, "mine", ada).await;
    session(&w, "phone", ada).await;
    let e = accounts::change_password(
        &w.env,
        ada,
        "wrong password",
        "a brand new passphrase",
        Some("mine"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-account-error-current-password")
    );
    let e = accounts::change_password(&w.env, ada, PW, "tooshort", Some("mine"))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-password-short");
    let e = accounts::change_password(&w.env, ada, PW, PW, Some("mine"))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-password-error-unchanged");
    assert_eq!(live_sessions(&w, ada).await, 2, "refusals end nothing");
    accounts::change_password(&w.env, ada, PW, "a brand new passphrase", Some("mine"))
        .await
        .unwrap();
    assert!(password_ok(&w, "ada", "a brand new passphrase").await);
    let mut c = w.env.store.conn().await.unwrap();
    let left: Vec<(String,)> = c
        .all(q("SELECT id_hash FROM sessions WHERE user_id = $1").bind(ada.0))
        .await
        .unwrap();
    assert_eq!(left, vec![("mine".to_owned(),)]);
}

async fn wikimedia_links_refuse_another_owner_and_unlink_keeps_a_login(store: Store) {
    let w = world(store);
    let ada = accounts::sign_up(&w.env, &signup("ada", None, "1.1.1.1"), false)
        .await
        .unwrap()
        .unwrap()
        .user;
    let bea = accounts::sign_up(&w.env, &signup("bea", None, "1.1.1.1"), false)
        .await
        .unwrap()
        .unwrap()
        .user;
    let wiki = WikimediaIdentity {
        central_id: 555,
        username: "Ada (WMF)",
        registered_at: None,
    };
    accounts::link_wikimedia(&w.env, ada, &wiki).await.unwrap();
    accounts::link_wikimedia(&w.env, ada, &wiki).await.unwrap(); // again: no change
    let e = accounts::link_wikimedia(&w.env, bea, &wiki)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-account-error-wikimedia-taken")
    );
    let other = WikimediaIdentity {
        central_id: 777,
        ..wiki
    };
    assert_eq!(
        accounts::link_wikimedia(&w.env, ada, &other)
            .await
            .unwrap_err()
            .error
            .key
            .0,
        "lyceum-account-error-wikimedia-already"
    );
    // Unlinking keeps the password.
    accounts::unlink_wikimedia(&w.env, ada).await.unwrap();
    assert_eq!(
        accounts::unlink_wikimedia(&w.env, ada)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );

    // A Wikimedia-only account cannot unlink its only login; it can add a password.
    let mut tx = w.env.store.begin().await.unwrap();
    let wikionly = users::create_user(&mut tx, "Wiki Only", "wiki only", "", false, 0)
        .await
        .unwrap();
    users::insert_wikimedia_account(&mut tx, 999, wikionly, "Wiki Only", None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let e = accounts::unlink_wikimedia(&w.env, wikionly)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-account-error-last-login")
    );
    let e = accounts::add_local_password(&w.env, wikionly, "wiki only", None)
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-password-short");
    accounts::add_local_password(&w.env, wikionly, "my own passphrase", None)
        .await
        .unwrap();
    assert!(password_ok(&w, "wiki only", "my own passphrase").await);
    assert_eq!(
        accounts::add_local_password(&w.env, wikionly, "my own passphrase", None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Conflict
    );
    accounts::unlink_wikimedia(&w.env, wikionly).await.unwrap();
}

async fn count(c: &mut impl Db, table: &str, column: &str, user: UserId) -> i64 {
    c.scalar(q_built(format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1")).bind(user.0))
        .await
        .unwrap()
}

async fn deletion_erases_personal_data_and_keeps_authorship(store: Store) {
    let w = world(store);
    let ada = accounts::sign_up(
        &w.env,
        &signup("ada", Some("ada@example.org"), "1.1.1.1"),
        true,
    )
    .await
    .unwrap()
    .unwrap()
    .user;
    let admin = accounts::sign_up(&w.env, &signup("root", None, "1.1.1.1"), false)
        .await
        .unwrap()
        .unwrap()
        .user;
    let bea = accounts::sign_up(&w.env, &signup("bea", None, "1.1.1.1"), false)
        .await
        .unwrap()
        .unwrap()
        .user;
    // Ada authored a course, studies it, and left traces in many tables.
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "DEL", "run": "2026", "language": "en",
        "title": "Deletion", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S", "subsections": [{"title": "SS", "units": [
            {"title": "U", "blocks": [{"kind": "text", "markdown": "Written by Ada"}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = w.env.store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    let course = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    let blocks = courses::insert_blocks(&mut tx, course, None, &e.blocks, Some(ada), 0)
        .await
        .unwrap();
    let block = *blocks.last().unwrap();
    learner::enroll(&mut tx, ada, course, 0).await.unwrap();
    learner::enroll(&mut tx, bea, course, 0).await.unwrap();
    courses::set_role(&mut tx, course, ada, CourseRole::Author, 0)
        .await
        .unwrap();
    for (sql, who) in [
        (
            "INSERT INTO bookmarks (user_id, block_id, course_id, created_at) VALUES ($1, $2, $3, 0)",
            ada,
        ),
        (
            "INSERT INTO bookmarks (user_id, block_id, course_id, created_at) VALUES ($1, $2, $3, 0)",
            bea,
        ),
        (
            "INSERT INTO completions (user_id, block_id, course_id, source, completed_at) VALUES ($1, $2, $3, 'seen', 0)",
            ada,
        ),
        (
            "INSERT INTO problem_states (user_id, block_id, course_id, answers, updated_at) VALUES ($1, $2, $3, '{\"a\": \"private\"}', 0)",
            ada,
        ),
        (
            "INSERT INTO survey_responses (user_id, block_id, course_id, answers, submitted_at, updated_at) VALUES ($1, $2, $3, '{}', 0, 0)",
            ada,
        ),
        (
            "INSERT INTO or_drafts (user_id, block_id, course_id, text, updated_at) VALUES ($1, $2, $3, 'my essay', 0)",
            ada,
        ),
    ] {
        tx.exec(q(sql).bind(who.0).bind(block.0).bind(course.0))
            .await
            .unwrap();
    }
    tx.exec(q("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, 'creator', 0)").bind(org.0).bind(ada.0)).await.unwrap();
    tx.exec(
        q("INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, 'tok', 0)")
            .bind(ada.0),
    )
    .await
    .unwrap();
    users::insert_wikimedia_account(&mut tx, 42, ada, "Ada", None, 0)
        .await
        .unwrap();
    notifications::notify(
        &mut tx,
        &notifications::NewNotice {
            user: ada,
            course: Some(course),
            kind: "feedback",
            link: "/",
            subject: "x",
            now: 0,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    session(&w, "ada-session", ada).await;

    // Nobody else may delete Ada; a wrong confirmation deletes nothing.
    let e = accounts::delete_account(&w.env, &Actor::user(bea, false), ada, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = accounts::delete_own_account(&w.env, ada, Confirmation::Password("wrong"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-account-error-delete-confirm")
    );
    let e = accounts::delete_own_account(&w.env, ada, Confirmation::Username("ada"))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Invalid,
        "an account with a password confirms with it"
    );
    assert_eq!(user(&w, ada).await.username, "ada");

    // An admin deletes, with a reason.
    let name = accounts::delete_account(&w.env, &Actor::user(admin, true), ada, "Asked by e-mail")
        .await
        .unwrap();
    assert_eq!(name, format!("deleted-user-{}", ada.0));
    let row = user(&w, ada).await;
    assert_eq!(row.username, name);
    assert_eq!(
        (
            row.display_name.as_str(),
            row.email.as_deref(),
            row.language.as_deref()
        ),
        ("", None, None)
    );
    assert!(row.deleted_at.is_some() && !row.is_admin && !row.can_create_courses);
    let mut c = w.env.store.conn().await.unwrap();
    for (table, column) in ERASED {
        assert_eq!(
            count(&mut c, table, column, ada).await,
            0,
            "{table}.{column} erased"
        );
    }
    // Kept: authorship, and other people's data.
    assert!(
        count(&mut c, "block_revisions", "author_id", ada).await > 0,
        "authorship kept"
    );
    assert_eq!(count(&mut c, "bookmarks", "user_id", bea).await, 1);
    assert_eq!(count(&mut c, "enrollments", "user_id", bea).await, 1);
    for (table, column) in KEPT {
        // Every kept column exists (the query runs) and the erased list never names it.
        count(&mut c, table, column, ada).await;
        assert!(!ERASED.contains(&(table, column)));
    }
    let log = audit::list(
        &mut c,
        &audit::Filter {
            target_type: Some("user"),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].action.as_str(),
            log[0].reason.as_str(),
            log[0].actor_id
        ),
        ("user.delete", "Asked by e-mail", Some(admin.0))
    );
    assert!(
        !log[0].details.contains("ada@"),
        "the log does not undo the erasure"
    );
    assert!(
        users::find_password_hash(&mut c, "ada")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::find_wikimedia_account(&mut c, 42)
            .await
            .unwrap()
            .is_none(),
        "the wiki account can sign up anew"
    );
    drop(c);
    // Gone is gone; the name is free again.
    assert_eq!(
        accounts::delete_account(&w.env, &Actor::user(admin, true), ada, "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    accounts::sign_up(&w.env, &signup("ada", None, "2.2.2.2"), false)
        .await
        .unwrap()
        .unwrap();

    // Self-service: a password account confirms with the password.
    accounts::delete_own_account(&w.env, bea, Confirmation::Password(PW))
        .await
        .unwrap();
    assert!(user(&w, bea).await.deleted_at.is_some());
}
