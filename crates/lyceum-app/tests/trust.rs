//! Trust for new accounts and the code of conduct (issue 13), as use cases without HTTP,
//! on SQLite and PostgreSQL: the track record with the clock and the site's thresholds,
//! grants and revocations (who may, audit), roles (and personal spaces, which are no
//! role), the Wikimedia standing read at login, the creation rate limits, the links of
//! untrusted authors, and the code of conduct before publishing.
#![allow(clippy::unwrap_used)]

use lyceum_app::authoring::{self, NewBlockInput};
use lyceum_app::course_admin::{self as uc, NewCourseInput, SettingsInput};
use lyceum_app::trust::{self, Creation};
use lyceum_app::{Env, ErrorKind, conduct, settings};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::trust::WikiStanding;
use lyceum_core::{BlockId, CourseId, FixedClock, OrgId, UserId};
use lyceum_store::repo::{audit, courses, orgs, users};
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
    a_new_account_waits_for_its_track_record,
    the_site_sets_the_track_record,
    grants_and_revocations_are_audited_and_limited,
    roles_trust_and_personal_spaces_do_not,
    wiki_standing_trusts_at_login,
    creation_is_rate_limited_by_trust,
    untrusted_authors_links_are_nofollow_ugc_and_capped,
    uploads_wait_for_trust,
    the_code_of_conduct_is_accepted_once_before_publishing,
    a_newcomer_forks_once_trusted_and_accepted,
);

const T0: &str = "2026-11-21T12:00:00Z";

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    org: OrgId,
    /// Admin of the organisation, and a site admin.
    org_admin: UserId,
    root: UserId,
    _media: tempfile::TempDir,
}

impl World {
    fn now(&self) -> i64 {
        self.env.now_ms()
    }

    fn advance_days(&self, days: i64) {
        self.clock
            .advance(jiff::SignedDuration::from_hours(24 * days));
    }
}

async fn user_at(
    store: &Store,
    name: &str,
    admin: bool,
    created_at: i64,
    accepted: bool,
) -> UserId {
    let mut c = store.conn().await.unwrap();
    let id = users::create_user(&mut c, name, &name.to_lowercase(), "", admin, created_at)
        .await
        .unwrap();
    if accepted {
        lyceum_store::repo::trust::accept_conduct(&mut c, id, "default", created_at)
            .await
            .unwrap();
    }
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

/// The personal space of `user` (an organisation of one, as forks make them): its
/// owner is its admin, which is no trusted role.
async fn personal_space(store: &Store, user: UserId, slug: &str) -> OrgId {
    let mut c = store.conn().await.unwrap();
    let org = orgs::upsert(&mut c, slug, slug, "", None, 0).await.unwrap();
    c.exec(
        q("UPDATE organizations SET personal_user_id = $2 WHERE id = $1")
            .bind(org.0)
            .bind(user.0),
    )
    .await
    .unwrap();
    drop(c);
    member(store, org, user, "admin").await;
    org
}

async fn world(store: Store) -> World {
    let clock = Arc::new(FixedClock::new(T0.parse().unwrap()));
    let org = {
        let mut c = store.conn().await.unwrap();
        orgs::upsert(&mut c, "WIKI", "Wiki Education", "", None, 0)
            .await
            .unwrap()
    };
    let org_admin = user_at(&store, "OrgAdmin", false, 0, true).await;
    let root = user_at(&store, "Root", true, 0, true).await;
    member(&store, org, org_admin, "admin").await;
    let media = tempfile::tempdir().unwrap();
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        org,
        org_admin,
        root,
        _media: media,
    }
}

fn new_course(org: &str, code: &str) -> NewCourseInput {
    NewCourseInput {
        org: org.into(),
        code: code.into(),
        run: "2027".into(),
        settings: SettingsInput {
            title: "Mon cours".into(),
            language: "fr".into(),
            license: None,
            self_paced: true,
            ..SettingsInput::default()
        },
    }
}

/// A published course in `org` with `units` units of one text block each; answers the
/// course, its first unit and its blocks' ids.
async fn seed(w: &World, org: OrgId, code: &str, units: usize) -> (CourseId, BlockId, Vec<i64>) {
    let units: Vec<_> = (0..units)
        .map(|i| json!({"title": format!("U{i}"), "blocks": [{"kind": "text", "markdown": "Hello"}]}))
        .collect();
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": code, "run": "2026", "language": "en",
        "title": code, "published": true,
        "sections": [{"title": "S", "subsections": [{"title": "SS", "units": units}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = w.env.store.begin().await.unwrap();
    let id = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, 0)
        .await
        .unwrap();
    let unit: i64 = tx
        .scalar(q("SELECT MIN(id) FROM blocks WHERE course_id = $1 AND kind = 'unit'").bind(id.0))
        .await
        .unwrap();
    let texts: Vec<(i64,)> = tx
        .all(
            q("SELECT id FROM blocks WHERE course_id = $1 AND kind = 'text' ORDER BY id")
                .bind(id.0),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (id, BlockId(unit), texts.into_iter().map(|(b,)| b).collect())
}

/// `n` activities for `user`: units completed in a course of `n` units.
async fn activities(w: &World, user: UserId, n: usize) {
    let (course, _, blocks) = seed(w, w.org, &format!("ACT{}", user.0), n).await;
    let mut c = w.env.store.conn().await.unwrap();
    for b in blocks {
        c.exec(
            q("INSERT INTO completions (user_id, block_id, course_id, source, completed_at) VALUES ($1, $2, $3, 'view', 0)")
                .bind(user.0)
                .bind(b)
                .bind(course.0),
        )
        .await
        .unwrap();
    }
}

const SOURCE: &str = "course-v1:WIKI+SRC+2026";

/// Fork the published course `SOURCE` into the actor's personal space: the one way an
/// account without a role creates a course (a personal space takes no course from
/// scratch).
async fn fork_personal(w: &World, a: &Actor) -> lyceum_app::Result<uc::Created> {
    use lyceum_app::forks::{self, ForkInput, ForkTarget};
    forks::fork(
        &w.env,
        a,
        SOURCE,
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
}

async fn stored_source(w: &World, user: UserId) -> Option<String> {
    let mut c = w.env.store.conn().await.unwrap();
    users::get_user(&mut c, user)
        .await
        .unwrap()
        .unwrap()
        .trust_source
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

async fn a_new_account_waits_for_its_track_record(store: Store) {
    let w = world(store).await;
    seed(&w, w.org, "SRC", 1).await;
    let newbie = user_at(&w.env.store, "Newbie", false, w.now(), true).await;
    let a = Actor::user(newbie, false);
    // Day 0, no activity: refused, and told what it takes.
    let e = fork_personal(&w, &a).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert_eq!(e.error.key.0, "lyceum-trust-error-create");
    assert_eq!(e.error.args, ["4", "10", "0"]);
    // Ten activities but three days old: still refused.
    activities(&w, newbie, 10).await;
    w.advance_days(3);
    let e = fork_personal(&w, &a).await.unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-trust-error-create");
    assert_eq!(e.error.args, ["4", "10", "10"]);
    assert_eq!(
        stored_source(&w, newbie).await,
        None,
        "a refusal stamps nothing"
    );
    // Four days: the record is met; the account is stamped and the course created.
    w.advance_days(1);
    let c = fork_personal(&w, &a).await.unwrap();
    assert!(c.key.starts_with("course-v1:~Newbie+SRC+"), "{}", c.key);
    assert_eq!(stored_source(&w, newbie).await.as_deref(), Some("record"));
    // From now on one column says so, even if the activity were gone.
    let mut conn = w.env.store.conn().await.unwrap();
    conn.exec(q("DELETE FROM completions WHERE user_id = $1").bind(newbie.0))
        .await
        .unwrap();
    drop(conn);
    let again = trust::effective(&mut w.env.store.conn().await.unwrap(), w.now(), &a)
        .await
        .unwrap();
    assert!(again.trusted);
}

async fn the_site_sets_the_track_record(store: Store) {
    let w = world(store).await;
    seed(&w, w.org, "SRC", 1).await;
    let root = Actor::user(w.root, true);
    // Only site admins, and only numbers in range.
    let e = settings::set_trust_thresholds(&w.env, &Actor::user(w.org_admin, false), "1", "0", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    for (days, acts) in [("-1", "0"), ("366", "0"), ("1", "10001"), ("x", "1")] {
        let e = settings::set_trust_thresholds(&w.env, &root, days, acts, "")
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{days} {acts}");
    }
    let s = settings::set_trust_thresholds(&w.env, &root, "1", "0", "fewer spammers lately")
        .await
        .unwrap();
    assert_eq!((s.trust.min_account_days, s.trust.min_activity), (1, 0));
    assert_eq!(
        audit_actions(&w.env.store).await,
        ["site.setting", "site.setting"]
    );
    let newbie = user_at(&w.env.store, "Newbie", false, w.now(), true).await;
    let a = Actor::user(newbie, false);
    let e = fork_personal(&w, &a).await.unwrap_err();
    assert_eq!(e.error.args, ["1", "0", "0"]);
    w.advance_days(1);
    fork_personal(&w, &a).await.unwrap();
}

async fn grants_and_revocations_are_audited_and_limited(store: Store) {
    let w = world(store).await;
    seed(&w, w.org, "SRC", 1).await;
    let inside = user_at(&w.env.store, "Inside", false, w.now(), true).await;
    let outside = user_at(&w.env.store, "Outside", false, w.now(), true).await;
    member(&w.env.store, w.org, inside, "member").await;
    let org_admin = Actor::user(w.org_admin, false).with_trust(true);
    let root = Actor::user(w.root, true);
    // A reason is required.
    let e = trust::grant(&w.env, &org_admin, inside, "  ")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-trust-error-reason-required")
    );
    // An organisation's admin trusts its people, not anyone else's.
    let e = trust::grant(&w.env, &org_admin, outside, "I know them")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = trust::grant(&w.env, &Actor::user(inside, false), inside, "me")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "nobody trusts themselves");
    trust::grant(&w.env, &org_admin, inside, "Our volunteer coordinator")
        .await
        .unwrap();
    assert_eq!(stored_source(&w, inside).await.as_deref(), Some("grant"));
    let status = trust::status(&w.env, &root, inside).await.unwrap();
    assert_eq!(status.source, Some(lyceum_core::trust::TrustSource::Grant));
    assert_eq!(status.by.as_deref(), Some("OrgAdmin"));
    assert_eq!(status.reason, "Our volunteer coordinator");
    assert_eq!(
        trust::status(&w.env, &org_admin, inside)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound,
        "the trust page is the site admins'"
    );
    // Trusted at once: a fork in their own space.
    fork_personal(&w, &Actor::user(inside, false))
        .await
        .unwrap();
    // Revoking is for site admins; afterwards neither record nor wiki trusts again.
    assert_eq!(
        trust::revoke(&w.env, &org_admin, inside, "no")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    trust::revoke(&w.env, &root, inside, "Spam in the course")
        .await
        .unwrap();
    activities(&w, inside, 10).await;
    w.advance_days(30);
    trust::record_wiki_standing(
        &w.env,
        inside,
        &WikiStanding {
            groups: vec!["autoconfirmed".into()],
            editcount: 500,
        },
    )
    .await
    .unwrap();
    let e = fork_personal(&w, &Actor::user(inside, false))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-trust-error-create");
    assert_eq!(stored_source(&w, inside).await.as_deref(), Some("revoked"));
    let status = trust::status(&w.env, &root, inside).await.unwrap();
    assert!(status.revoked && status.source.is_none());
    // Granted again, it holds.
    trust::grant(&w.env, &root, inside, "Cleaned up")
        .await
        .unwrap();
    fork_personal(&w, &Actor::user(inside, false))
        .await
        .unwrap();
    let actions = audit_actions(&w.env.store).await;
    let trust_actions: Vec<&str> = actions
        .iter()
        .map(String::as_str)
        .filter(|a| a.starts_with("user."))
        .collect();
    assert_eq!(trust_actions, ["user.trust", "user.untrust", "user.trust"]);
}

async fn roles_trust_and_personal_spaces_do_not(store: Store) {
    let w = world(store).await;
    let now = w.now();
    let check = async |u: UserId| {
        trust::effective(
            &mut w.env.store.conn().await.unwrap(),
            now,
            &Actor::user(u, false),
        )
        .await
        .unwrap()
        .trusted
    };
    assert!(check(w.org_admin).await, "an organisation's admin");
    let reviewer = user_at(&w.env.store, "Reviewer", false, now, true).await;
    member(&w.env.store, w.org, reviewer, "reviewer").await;
    assert!(check(reviewer).await);
    let plain = user_at(&w.env.store, "Plain", false, now, true).await;
    member(&w.env.store, w.org, plain, "member").await;
    assert!(!check(plain).await, "a plain member");
    let (course, _, _) = seed(&w, w.org, "T1", 1).await;
    let staff = user_at(&w.env.store, "Staff", false, now, true).await;
    let mut c = w.env.store.conn().await.unwrap();
    courses::set_role(&mut c, course, staff, CourseRole::Staff, 0)
        .await
        .unwrap();
    drop(c);
    assert!(check(staff).await, "a course team");
    // A personal space makes its owner admin of it, and instructor of its courses: no trust.
    let loner = user_at(&w.env.store, "Loner", false, now, true).await;
    let space = personal_space(&w.env.store, loner, "loner").await;
    let (own, _, _) = seed(&w, space, "L1", 1).await;
    let mut c = w.env.store.conn().await.unwrap();
    courses::set_role(&mut c, own, loner, CourseRole::Instructor, 0)
        .await
        .unwrap();
    drop(c);
    assert!(!check(loner).await);
    // The session's column agrees.
    let mut c = w.env.store.conn().await.unwrap();
    for (u, want) in [
        (w.org_admin, true),
        (staff, true),
        (loner, false),
        (plain, false),
    ] {
        let f = lyceum_store::repo::trust::facts(&mut c, u)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.trusted_role, want, "{u:?}");
    }
}

async fn wiki_standing_trusts_at_login(store: Store) {
    let w = world(store).await;
    let fresh = user_at(&w.env.store, "Fresh", false, w.now(), true).await;
    let editor = user_at(&w.env.store, "Editor", false, w.now(), true).await;
    trust::record_wiki_standing(
        &w.env,
        fresh,
        &WikiStanding {
            groups: vec!["*".into(), "user".into()],
            editcount: 2,
        },
    )
    .await
    .unwrap();
    trust::record_wiki_standing(
        &w.env,
        editor,
        &WikiStanding {
            groups: vec!["*".into(), "user".into(), "autoconfirmed".into()],
            editcount: 1234,
        },
    )
    .await
    .unwrap();
    assert_eq!(stored_source(&w, fresh).await, None);
    assert_eq!(stored_source(&w, editor).await.as_deref(), Some("wiki"));
    let root = Actor::user(w.root, true);
    let s = trust::status(&w.env, &root, editor).await.unwrap();
    assert_eq!(s.source, Some(lyceum_core::trust::TrustSource::Wiki));
    assert_eq!(s.wiki_editcount, Some(1234));
    assert_eq!(
        s.wiki_groups.unwrap(),
        ["*", "user", "autoconfirmed"].map(String::from)
    );
    let s = trust::status(&w.env, &root, fresh).await.unwrap();
    assert_eq!(s.source, None);
    assert_eq!(s.wiki_editcount, Some(2));
}

async fn creation_is_rate_limited_by_trust(store: Store) {
    let w = world(store).await;
    let newbie = user_at(&w.env.store, "Newbie", false, w.now(), true).await;
    let untrusted = Actor::user(newbie, false);
    let trusted = Actor::user(w.org_admin, false).with_trust(true);
    let quota = Creation::Report.quota(false);
    assert!(Creation::Report.quota(true) > quota);
    for (actor, q) in [(untrusted, quota), (trusted, Creation::Report.quota(true))] {
        let mut c = w.env.store.conn().await.unwrap();
        for _ in 0..q {
            trust::check_rate(&mut c, w.now(), &actor, Creation::Report)
                .await
                .unwrap();
        }
        let e = trust::check_rate(&mut c, w.now(), &actor, Creation::Report)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.error.key.0, "lyceum-trust-error-rate");
        let secs = e.retry_after_secs.unwrap();
        assert!(secs > 0 && secs <= 3600, "{secs}");
        // Another kind of creation has its own count.
        trust::check_rate(&mut c, w.now(), &actor, Creation::Post)
            .await
            .unwrap();
    }
    // The next window starts afresh.
    w.clock.advance(jiff::SignedDuration::from_hours(1));
    let mut c = w.env.store.conn().await.unwrap();
    trust::check_rate(&mut c, w.now(), &untrusted, Creation::Report)
        .await
        .unwrap();
    assert!(
        trust::check_rate(&mut c, w.now(), &Actor::ANONYMOUS, Creation::Report)
            .await
            .is_err()
    );
    drop(c);
    w.advance_days(2);
    assert!(trust::sweep(&w.env).await.unwrap() >= 3);
    // Course creation counts too: a trusted creator's 31st course in an hour waits.
    let creator = Actor::user(w.org_admin, false).with_trust(true);
    for i in 0..Creation::Course.quota(true) {
        uc::create(&w.env, &creator, &new_course("WIKI", &format!("Q{i}")))
            .await
            .unwrap();
    }
    let e = uc::create(&w.env, &creator, &new_course("WIKI", "QX"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
}

async fn untrusted_authors_links_are_nofollow_ugc_and_capped(store: Store) {
    let w = world(store).await;
    let newbie = user_at(&w.env.store, "Newbie", false, w.now(), true).await;
    let space = personal_space(&w.env.store, newbie, "nb").await;
    let (course, unit, _) = seed(&w, space, "NB1", 1).await;
    let mut c = w.env.store.conn().await.unwrap();
    courses::set_role(&mut c, course, newbie, CourseRole::Author, 0)
        .await
        .unwrap();
    drop(c);
    let text = |md: String| NewBlockInput {
        parent: Some(unit),
        kind: "text".into(),
        title: String::new(),
        content: Some(json!({ "markdown": md })),
        ..NewBlockInput::default()
    };
    let a = Actor::user(newbie, false);
    let saved = authoring::add_block(
        &w.env,
        &a,
        course,
        text("See [this](https://example.org/)".into()),
    )
    .await
    .unwrap();
    let store = w.env.store.clone();
    let stored = async |b: BlockId| {
        let mut c = store.conn().await.unwrap();
        let (content,): (String,) = c
            .optional(q("SELECT content FROM block_drafts WHERE block_id = $1").bind(b.0))
            .await
            .unwrap()
            .unwrap();
        content
    };
    let html = stored(saved.block).await;
    assert!(
        html.contains(r#"rel=\"noopener noreferrer nofollow ugc\""#),
        "{html}"
    );
    let max = lyceum_core::limits::UNTRUSTED_EXTERNAL_LINKS;
    let many: String = (0..=max)
        .map(|i| format!("[l{i}](https://example.org/{i}) "))
        .collect();
    let e = authoring::add_block(&w.env, &a, course, text(many.clone()))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-trust-error-links")
    );
    // The About page too.
    let settings = SettingsInput {
        title: "NB1".into(),
        language: "en".into(),
        self_paced: true,
        about_markdown: many.clone(),
        ..SettingsInput::default()
    };
    let key = "course-v1:WIKI+NB1+2026";
    let e = uc::update_settings(&w.env, &a, key, &settings)
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-trust-error-links");
    // Trusted, the same text is saved and its links are followed.
    trust::grant(&w.env, &Actor::user(w.root, true), newbie, "known editor")
        .await
        .unwrap();
    let saved = authoring::add_block(&w.env, &a, course, text(many))
        .await
        .unwrap();
    let html = stored(saved.block).await;
    assert!(!html.contains("nofollow"), "{html}");
    uc::update_settings(&w.env, &a, key, &settings)
        .await
        .unwrap();
}

async fn uploads_wait_for_trust(store: Store) {
    let w = world(store).await;
    let newbie = user_at(&w.env.store, "Newbie", false, w.now(), true).await;
    let space = personal_space(&w.env.store, newbie, "nb").await;
    let (course, _, _) = seed(&w, space, "NB1", 1).await;
    let mut c = w.env.store.conn().await.unwrap();
    courses::set_role(&mut c, course, newbie, CourseRole::Instructor, 0)
        .await
        .unwrap();
    drop(c);
    let a = Actor::user(newbie, false);
    let key = "course-v1:WIKI+NB1+2026";
    let e = lyceum_app::course_files::upload(&w.env, &a, key, "notes.txt", b"hello")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Forbidden, "lyceum-trust-error-upload")
    );
    let mut c = w.env.store.conn().await.unwrap();
    let (n,): (i64,) = c
        .optional(q("SELECT COUNT(*) FROM assets WHERE course_id = $1").bind(course.0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0, "nothing stored");
    drop(c);
    trust::grant(&w.env, &Actor::user(w.root, true), newbie, "ok")
        .await
        .unwrap();
    lyceum_app::course_files::upload(&w.env, &a, key, "notes.txt", b"hello")
        .await
        .unwrap();
}

async fn the_code_of_conduct_is_accepted_once_before_publishing(store: Store) {
    let w = world(store).await;
    let author = user_at(&w.env.store, "Author", false, 0, false).await;
    let (course, _, _) = seed(&w, w.org, "C1", 1).await;
    let mut c = w.env.store.conn().await.unwrap();
    courses::set_role(&mut c, course, author, CourseRole::Author, 0)
        .await
        .unwrap();
    drop(c);
    let a = Actor::user(author, false);
    let e = authoring::publish(&w.env, &a, course, "")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::ConductRequired, "lyceum-conduct-required")
    );
    assert_eq!(conduct::accepted_at(&w.env, &a).await.unwrap(), None);
    let at = conduct::accept(&w.env, &a).await.unwrap();
    assert_eq!(at, w.now());
    authoring::publish(&w.env, &a, course, "").await.unwrap();
    // Once: accepting again keeps the first time and version.
    w.advance_days(1);
    assert_eq!(conduct::accept(&w.env, &a).await.unwrap(), at);
    let mut c = w.env.store.conn().await.unwrap();
    let (when, version) = lyceum_store::repo::trust::conduct_acceptance(&mut c, author)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((when, version.as_str()), (at, conduct::DEFAULT_VERSION));
    drop(c);
    // The site's own text: site admins only; later acceptances record its version.
    assert_eq!(
        conduct::set_text(&w.env, &a, "Be nice.", "")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    let root = Actor::user(w.root, true);
    conduct::set_text(&w.env, &root, "Be **nice**.", "our own words")
        .await
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    assert_eq!(
        conduct::text(&mut c).await.unwrap().as_deref(),
        Some("Be **nice**.")
    );
    drop(c);
    let other = user_at(&w.env.store, "Other", false, 0, false).await;
    conduct::accept(&w.env, &Actor::user(other, false))
        .await
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let (_, v) = lyceum_store::repo::trust::conduct_acceptance(&mut c, other)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v, conduct::version(Some("Be **nice**.")));
    assert_ne!(v, conduct::DEFAULT_VERSION);
    drop(c);
    // Creating a course asks for it too.
    let creator = user_at(&w.env.store, "Creator", false, 0, false).await;
    member(&w.env.store, w.org, creator, "creator").await;
    let e = uc::create(
        &w.env,
        &Actor::user(creator, false),
        &new_course("WIKI", "CC"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConductRequired);
}

async fn a_newcomer_forks_once_trusted_and_accepted(store: Store) {
    use lyceum_app::forks::{self, ForkInput, ForkTarget};
    let w = world(store).await;
    seed(&w, w.org, "SRC", 1).await;
    let source = SOURCE;
    let newbie = user_at(&w.env.store, "Newbie", false, w.now(), false).await;
    let a = Actor::user(newbie, false);
    let fork = async || {
        forks::fork(
            &w.env,
            &a,
            source,
            &ForkTarget::Personal,
            &ForkInput::default(),
        )
        .await
    };
    // Untrusted: no fork, not even into a personal space, and the reason says when.
    let e = fork().await.unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Forbidden, "lyceum-trust-error-create")
    );
    // Trusted (a Wikimedia volunteer), the code of conduct comes first.
    trust::record_wiki_standing(
        &w.env,
        newbie,
        &WikiStanding {
            groups: vec!["autoconfirmed".into()],
            editcount: 40,
        },
    )
    .await
    .unwrap();
    assert_eq!(fork().await.unwrap_err().kind, ErrorKind::ConductRequired);
    conduct::accept(&w.env, &a).await.unwrap();
    let created = fork().await.unwrap();
    assert!(
        created.key.starts_with("course-v1:~Newbie+SRC+"),
        "{}",
        created.key
    );
    // Forks are rate limited like everything else an account creates.
    for _ in 1..Creation::Fork.quota(true) {
        fork().await.unwrap();
    }
    assert_eq!(fork().await.unwrap_err().kind, ErrorKind::RateLimited);
}
