//! Reports, the moderation queue and moderators' actions without HTTP, on SQLite and
//! PostgreSQL: who may report and act on what, hidden content gone for learners and kept
//! for the team, suspensions, blocks, notices and appeals, and bad inputs.
#![allow(clippy::unwrap_used)]

use lyceum_app::moderation::{self, Decision, ModAction, QueueFilter, Target};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::course::Visibility;
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{BlockId, CourseId, FixedClock, UserId};
use lyceum_store::repo::{audit, courses, learner, notifications, orgs, sessions, users};
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
    reports_are_for_what_one_can_see,
    hiding_a_unit_removes_it_for_learners_only,
    hiding_a_course_and_appealing,
    people_are_warned_suspended_and_blocked_by_the_right_people,
    organisation_moderators_see_their_organisation_only,
    bad_actions_are_refused,
);

const KEY: &str = "course-v1:WIKI+MOD+2026";

struct World {
    env: Env,
    course: CourseId,
    unit2: BlockId,
    draft_unit: BlockId,
    instructor: Actor,
    learner: Actor,
    other: Actor,
    moderator: Actor,
    org_moderator: Actor,
    admin: Actor,
    _media: tempfile::TempDir,
}

async fn user(store: &Store, name: &str, admin: bool) -> UserId {
    let mut c = store.conn().await.unwrap();
    users::create_user(&mut c, name, &name.to_lowercase(), "", admin, 0)
        .await
        .unwrap()
}

async fn world(store: Store) -> World {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "MOD", "run": "2026", "language": "en",
        "title": "Moderated", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S1", "subsections": [{"title": "SS1", "units": [
            {"title": "U1", "blocks": [{"kind": "text", "markdown": "Hello"}]},
            {"title": "U2", "blocks": [{"kind": "text", "markdown": "Spam spam"}]}
        ]}, {"title": "SS2", "release": "2030-01-01T00:00:00Z", "units": [
            {"title": "U3", "blocks": [{"kind": "text", "markdown": "Later"}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    let id = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let instructor = user(&store, "Ines", false).await;
    let learner_id = user(&store, "Lea", false).await;
    let other = user(&store, "Otto", false).await;
    let moderator = user(&store, "Mo", false).await;
    let org_moderator = user(&store, "Oma", false).await;
    let admin = user(&store, "Root", true).await;
    let mut c = store.conn().await.unwrap();
    courses::set_role(&mut c, id, instructor, CourseRole::Instructor, 0)
        .await
        .unwrap();
    learner::enroll(&mut c, learner_id, id, 0).await.unwrap();
    c.exec(q("UPDATE users SET is_moderator = TRUE WHERE id = $1").bind(moderator.0))
        .await
        .unwrap();
    c.exec(
        q("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, 'moderator', 0)")
            .bind(org.0)
            .bind(org_moderator.0),
    )
    .await
    .unwrap();
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    let unit = |title: &str| {
        tree.units()
            .iter()
            .map(|&u| tree.node(u))
            .find(|n| n.title == title)
            .unwrap()
            .id
    };
    let (unit2, draft_unit) = (unit("U2"), unit("U3"));
    drop(c);
    let media = tempfile::tempdir().unwrap();
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap())),
        },
        course: id,
        unit2,
        draft_unit,
        instructor: Actor::user(instructor, false),
        learner: Actor::user(learner_id, false),
        other: Actor::user(other, false),
        moderator: Actor::user(moderator, false).with_moderation(true),
        org_moderator: Actor::user(org_moderator, false),
        admin: Actor::user(admin, true),
        _media: media,
    }
}

fn decide<'a>(target: Target, action: ModAction, reason: &'a str) -> Decision<'a> {
    Decision {
        report: None,
        target,
        action,
        reason,
        until: None,
    }
}

async fn audit_actions(env: &Env) -> Vec<String> {
    let mut c = env.store.conn().await.unwrap();
    audit::list(&mut c, &audit::Filter::default(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn notices(env: &Env, user: UserId) -> Vec<(String, String, String)> {
    let mut c = env.store.conn().await.unwrap();
    notifications::recent(&mut c, user, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.kind, n.subject, n.link))
        .collect()
}

async fn reports_are_for_what_one_can_see(store: Store) {
    let w = world(store).await;
    let course = Target::Course(KEY.into());
    // Anonymous: refused; a learner reports the course, once.
    let e = moderation::report(&w.env, &Actor::ANONYMOUS, &course, "spam", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    moderation::report(&w.env, &w.learner, &course, "spam", "Ads everywhere")
        .await
        .unwrap();
    let e = moderation::report(&w.env, &w.learner, &course, "other", "again")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    // A unit they can see; not one that is not released yet, nor an unknown one.
    moderation::report(&w.env, &w.other, &Target::Block(w.unit2), "copyright", "")
        .await
        .unwrap();
    for hidden in [Target::Block(w.draft_unit), Target::Block(BlockId(999_999))] {
        let e = moderation::report(&w.env, &w.other, &hidden, "spam", "")
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{hidden:?}");
    }
    // The team sees the unreleased unit, so may report it.
    moderation::report(
        &w.env,
        &w.instructor,
        &Target::Block(w.draft_unit),
        "other",
        "x",
    )
    .await
    .unwrap();
    // People: anyone else, not oneself; unknown people are not found.
    moderation::report(
        &w.env,
        &w.learner,
        &Target::User("ines".into()),
        "harassment",
        "",
    )
    .await
    .unwrap();
    let e = moderation::report(&w.env, &w.learner, &Target::User("Lea".into()), "spam", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = moderation::report(
        &w.env,
        &w.learner,
        &Target::User("nobody".into()),
        "spam",
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // Bad reasons and text too long.
    let e = moderation::report(&w.env, &w.other, &course, "boring", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let e = moderation::report(&w.env, &w.other, &course, "spam", &"x".repeat(5_001))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    // At most the creation quota for reports an hour (tighter for a new account); the
    // refusals say when to try again and store nothing.
    let quota = lyceum_app::trust::Creation::Report.quota(w.other.trusted);
    let mut filed = 0;
    for i in 0..quota + 5 {
        let name = format!("p{i}");
        user(&w.env.store, &name, false).await;
        match moderation::report(&w.env, &w.other, &Target::User(name), "spam", "").await {
            Ok(_) => {
                assert_eq!(filed, i, "report {i} after a refusal");
                filed += 1;
            }
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::RateLimited, "report {i}");
                assert!(e.retry_after_secs.is_some_and(|s| s > 0));
            }
        }
    }
    assert!(filed > 0 && filed <= quota, "{filed} of {quota}");
    // The site moderator's queue groups by target; the course's reports are one item.
    let q = moderation::queue(&w.env, &w.moderator, QueueFilter::default())
        .await
        .unwrap();
    let item = q.iter().find(|i| i.target_type == "course").unwrap();
    assert_eq!(
        (item.target_id.as_str(), item.title.as_str()),
        (KEY, "Moderated")
    );
    assert_eq!(item.reports.len(), 1);
    assert_eq!(item.reports[0].text, "Ads everywhere");
    // Nobody else has a queue.
    for a in [w.learner, w.instructor, Actor::ANONYMOUS] {
        let e = moderation::queue(&w.env, &a, QueueFilter::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{a:?}");
    }
}

async fn hiding_a_unit_removes_it_for_learners_only(store: Store) {
    let w = world(store).await;
    let unit = Target::Block(w.unit2);
    let report = moderation::report(&w.env, &w.learner, &unit, "spam", "ads")
        .await
        .unwrap();
    let version_before = {
        let mut c = w.env.store.conn().await.unwrap();
        courses::content_version(&mut c, w.course)
            .await
            .unwrap()
            .unwrap()
    };
    // Learners and the course's own team do not moderate it.
    for a in [w.learner, w.instructor] {
        let e = moderation::act(&w.env, &a, &decide(unit.clone(), ModAction::Hide, "spam"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{a:?}");
    }
    let out = moderation::act(
        &w.env,
        &w.moderator,
        &Decision {
            report: Some(report),
            ..decide(unit.clone(), ModAction::Hide, "Advertising")
        },
    )
    .await
    .unwrap();
    assert_eq!(out.resolved, 1);
    let mut c = w.env.store.conn().await.unwrap();
    // The content version moved on (cached trees reload), and the tree hides the unit
    // from learners while the team sees it with the reason.
    assert!(
        courses::content_version(&mut c, w.course)
            .await
            .unwrap()
            .unwrap()
            > version_before
    );
    let tree = courses::load_tree(&mut c, w.course).await.unwrap();
    let idx = tree.index_of(w.unit2).unwrap();
    let learner = Visibility {
        now: w.env.now(),
        course_start: None,
        see_unreleased: false,
    };
    assert!(!tree.is_visible(idx, &learner));
    assert!(tree.is_visible(
        idx,
        &Visibility {
            see_unreleased: true,
            ..learner
        }
    ));
    assert_eq!(tree.node(idx).hidden_reason.as_deref(), Some("Advertising"));
    drop(c);
    // Reporting it again: it is gone for learners.
    let e = moderation::report(&w.env, &w.other, &unit, "spam", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // The instructor is told, with the appeal link; the report is closed.
    let n = notices(&w.env, w.instructor.user.unwrap()).await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].0, "mod-hidden");
    assert_eq!(n[0].1, "U2");
    assert!(n[0].2.starts_with("/appeals/new?action="));
    let q = moderation::queue(&w.env, &w.moderator, QueueFilter { closed: true })
        .await
        .unwrap();
    assert_eq!(q[0].reports[0].status, "resolved");
    assert!(q[0].hidden);
    // Hiding twice conflicts; showing it again works.
    let e = moderation::act(
        &w.env,
        &w.moderator,
        &decide(unit.clone(), ModAction::Hide, "x"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    moderation::act(
        &w.env,
        &w.moderator,
        &decide(unit, ModAction::Unhide, "Fixed"),
    )
    .await
    .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, w.course).await.unwrap();
    assert!(tree.is_visible(tree.index_of(w.unit2).unwrap(), &learner));
    assert!(
        audit_actions(&w.env)
            .await
            .starts_with(&["moderation.unhide".to_owned(), "moderation.hide".to_owned()])
    );
}

async fn hiding_a_course_and_appealing(store: Store) {
    let w = world(store).await;
    let course = Target::Course(KEY.into());
    let out = moderation::act(
        &w.env,
        &w.org_moderator,
        &decide(course.clone(), ModAction::Hide, "Copied from a book"),
    )
    .await
    .unwrap();
    let action = out.action_id.unwrap();
    // Gone for learners (even enrolled ones) and visitors; the team still reports on it.
    let e = moderation::report(&w.env, &w.learner, &course, "spam", "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    moderation::report(&w.env, &w.instructor, &course, "other", "we fixed it")
        .await
        .unwrap();
    // The notice: for the instructor and the site moderators, nobody else.
    let n = moderation::notice(&w.env, &w.instructor, action)
        .await
        .unwrap();
    assert!(n.may_appeal);
    assert_eq!(n.action.reason, "Copied from a book");
    moderation::notice(&w.env, &w.moderator, action)
        .await
        .unwrap();
    for a in [w.learner, w.other, Actor::ANONYMOUS] {
        let e = moderation::notice(&w.env, &a, action).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{a:?}");
        let e = moderation::appeal(&w.env, &a, action, "please")
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{a:?}");
    }
    let e = moderation::appeal(&w.env, &w.instructor, action, "  ")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    let appeal = moderation::appeal(&w.env, &w.instructor, action, "We wrote it ourselves")
        .await
        .unwrap();
    let e = moderation::appeal(&w.env, &w.instructor, action, "again")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(
        !moderation::notice(&w.env, &w.instructor, action)
            .await
            .unwrap()
            .may_appeal
    );
    // Appeals go to the site's moderators, not the organisation's.
    let site = moderation::queue(&w.env, &w.moderator, QueueFilter::default())
        .await
        .unwrap();
    let item = site.iter().find(|i| i.target_type == "course").unwrap();
    let a = item.reports.iter().find(|r| r.kind == "appeal").unwrap();
    assert_eq!((a.id, a.action), (appeal, Some(action)));
    let org = moderation::queue(&w.env, &w.org_moderator, QueueFilter::default())
        .await
        .unwrap();
    assert!(
        org.iter()
            .all(|i| i.reports.iter().all(|r| r.kind != "appeal"))
    );
    // The site moderator grants it: the course shows again, the appeal is closed.
    moderation::act(
        &w.env,
        &w.moderator,
        &Decision {
            report: Some(appeal),
            ..decide(course, ModAction::Unhide, "Appeal granted")
        },
    )
    .await
    .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    let row = courses::find_by_key(&mut c, KEY).await.unwrap().unwrap();
    assert!(row.hidden_at.is_none());
    let kinds: Vec<String> = notices(&w.env, w.instructor.user.unwrap())
        .await
        .into_iter()
        .map(|n| n.0)
        .collect();
    assert_eq!(kinds, ["mod-unhidden", "mod-hidden"]);
}

async fn people_are_warned_suspended_and_blocked_by_the_right_people(store: Store) {
    let w = world(store).await;
    let lea = Target::User("Lea".into());
    let until = "2026-03-08T12:00:00Z".parse().unwrap();
    // Organisation moderators act on content, not on people.
    let e = moderation::act(
        &w.env,
        &w.org_moderator,
        &decide(lea.clone(), ModAction::Warn, "x"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    moderation::act(
        &w.env,
        &w.moderator,
        &decide(lea.clone(), ModAction::Warn, "Be kind"),
    )
    .await
    .unwrap();
    // A suspension needs a date in the future, at most a year ahead.
    for bad in [
        None,
        Some("2026-02-01T00:00:00Z"),
        Some("2028-01-01T00:00:00Z"),
    ] {
        let e = moderation::act(
            &w.env,
            &w.moderator,
            &Decision {
                until: bad.map(|b| b.parse().unwrap()),
                ..decide(lea.clone(), ModAction::Suspend, "Spamming")
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{bad:?}");
    }
    let out = moderation::act(
        &w.env,
        &w.moderator,
        &Decision {
            until: Some(until),
            ..decide(lea.clone(), ModAction::Suspend, "Spamming")
        },
    )
    .await
    .unwrap();
    assert_eq!(out.person, w.learner.user);
    let mut c = w.env.store.conn().await.unwrap();
    let row = users::get_user(&mut c, w.learner.user.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(row.suspended_at(w.env.now_ms()));
    assert!(!row.suspended_at(until.as_millisecond()));
    // Lifting it: moderators only, with a reason; once.
    let e = moderation::lift_suspension(&w.env, &w.org_moderator, "Lea", "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = moderation::lift_suspension(&w.env, &w.moderator, "Lea", " ")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    moderation::lift_suspension(&w.env, &w.moderator, "Lea", "Appeal granted")
        .await
        .unwrap();
    let e = moderation::lift_suspension(&w.env, &w.moderator, "Lea", "again")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let row = users::get_user(&mut c, w.learner.user.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!row.suspended_at(w.env.now_ms()));
    // Moderators never act on admins or other moderators; admins act on moderators.
    for (who, target) in [(w.moderator, "Root"), (w.moderator, "Mo")] {
        let e = moderation::act(
            &w.env,
            &who,
            &decide(Target::User(target.into()), ModAction::Block, "x"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{target}");
    }
    moderation::act(
        &w.env,
        &w.admin,
        &decide(Target::User("Mo".into()), ModAction::Warn, "Careful"),
    )
    .await
    .unwrap();
    // Blocking ends the person's sessions; they are told (by mail when configured).
    sessions::create(
        &mut c,
        "h",
        Some(w.learner.user.unwrap()),
        "{}",
        0,
        i64::MAX,
    )
    .await
    .unwrap();
    drop(c);
    moderation::act(
        &w.env,
        &w.moderator,
        &decide(lea.clone(), ModAction::Block, "Spam bot"),
    )
    .await
    .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    assert!(sessions::load(&mut c, "h", 1).await.unwrap().is_none());
    let kinds: Vec<String> = notices(&w.env, w.learner.user.unwrap())
        .await
        .into_iter()
        .map(|n| n.0)
        .collect();
    assert_eq!(
        kinds,
        [
            "mod-blocked",
            "mod-unsuspended",
            "mod-suspended",
            "mod-warned"
        ]
    );
    let e = moderation::act(
        &w.env,
        &w.moderator,
        &decide(lea, ModAction::Block, "again"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let log = audit_actions(&w.env).await;
    for a in [
        "moderation.warn",
        "moderation.suspend",
        "moderation.unsuspend",
        "moderation.block",
    ] {
        assert!(log.iter().any(|l| l == a), "{a}");
    }
}

async fn organisation_moderators_see_their_organisation_only(store: Store) {
    let w = world(store).await;
    moderation::report(&w.env, &w.learner, &Target::Course(KEY.into()), "spam", "")
        .await
        .unwrap();
    moderation::report(&w.env, &w.learner, &Target::User("Otto".into()), "spam", "")
        .await
        .unwrap();
    let org = moderation::queue(&w.env, &w.org_moderator, QueueFilter::default())
        .await
        .unwrap();
    assert_eq!(org.len(), 1);
    assert_eq!(org[0].target_type, "course");
    let site = moderation::queue(&w.env, &w.moderator, QueueFilter::default())
        .await
        .unwrap();
    assert_eq!(site.len(), 2);
    // Dismissing closes the course's reports without a notice.
    let out = moderation::act(
        &w.env,
        &w.org_moderator,
        &decide(Target::Course(KEY.into()), ModAction::Dismiss, "Not spam"),
    )
    .await
    .unwrap();
    assert_eq!((out.action_id, out.resolved), (None, 1));
    assert!(notices(&w.env, w.instructor.user.unwrap()).await.is_empty());
    let closed = moderation::queue(&w.env, &w.org_moderator, QueueFilter { closed: true })
        .await
        .unwrap();
    assert_eq!(closed[0].reports[0].status, "dismissed");
}

async fn bad_actions_are_refused(store: Store) {
    let w = world(store).await;
    let course = Target::Course(KEY.into());
    let cases: [(Decision<'_>, ErrorKind); 4] = [
        (
            decide(course.clone(), ModAction::Hide, "   "),
            ErrorKind::Invalid,
        ),
        (
            decide(course.clone(), ModAction::Suspend, "x"),
            ErrorKind::Invalid,
        ),
        (
            decide(Target::User("Lea".into()), ModAction::Hide, "x"),
            ErrorKind::Invalid,
        ),
        (
            Decision {
                report: Some(987_654),
                ..decide(course.clone(), ModAction::Dismiss, "x")
            },
            ErrorKind::NotFound,
        ),
    ];
    for (d, kind) in cases {
        let e = moderation::act(&w.env, &w.moderator, &d).await.unwrap_err();
        assert_eq!(e.kind, kind, "{d:?}");
    }
    // A report about something else than the target.
    let r = moderation::report(&w.env, &w.learner, &Target::User("Otto".into()), "spam", "")
        .await
        .unwrap();
    let e = moderation::act(
        &w.env,
        &w.moderator,
        &Decision {
            report: Some(r),
            ..decide(course, ModAction::Dismiss, "x")
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(audit_actions(&w.env).await.is_empty());
    // Site moderators are granted by site admins only, with an audit row.
    let lea = w.learner.user.unwrap();
    let e = moderation::set_site_moderator(&w.env, &w.moderator, lea, true, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    moderation::set_site_moderator(&w.env, &w.admin, lea, true, "helps")
        .await
        .unwrap();
    let mut c = w.env.store.conn().await.unwrap();
    assert!(
        users::get_user(&mut c, lea)
            .await
            .unwrap()
            .unwrap()
            .is_moderator
    );
    assert_eq!(audit_actions(&w.env).await, ["user.moderator.grant"]);
}
