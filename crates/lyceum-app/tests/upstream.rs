//! Upstream sync without HTTP, on SQLite and PostgreSQL: a fork sees the source's
//! published changes (never its draft), pulls the ones it chooses into its draft with the
//! source's authors credited, settles conflicts by keeping its own or merging, refuses
//! unknown ids whole; a closed or deleted source offers nothing; the source's team sees
//! its forks and what they changed; permissions.
#![allow(clippy::unwrap_used)]

use lyceum_app::authoring::{self, BlockPatch, NewBlockInput};
use lyceum_app::forks::{self, ForkInput, ForkTarget};
use lyceum_app::upstream::{self, Resolution, SourceState};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::course::upstream::ChangeKind;
use lyceum_core::permissions::{Actor, CourseRole};
use lyceum_core::{BlockId, CourseId, FixedClock, UserId};
use lyceum_store::repo::{courses, drafts, learner, orgs, users};
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
    only_published_source_changes_count_and_a_pull_credits_their_authors,
    additions_and_removals_are_pulled_into_place,
    conflicts_are_kept_merged_or_taken,
    unknown_ids_refuse_the_whole_pull,
    who_may_sync,
    a_closed_or_deleted_source_offers_nothing,
    the_source_team_sees_its_forks_and_what_they_changed,
);

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    source: CourseId,
    fork: CourseId,
    /// Instructor and author of the source.
    ines: Actor,
    ada: Actor,
    /// Instructor and staff of the fork.
    fiona: Actor,
    tao: Actor,
    learner: Actor,
    _media: tempfile::TempDir,
}

/// People who work on courses: they accepted the code of conduct (issue 13).
async fn user(store: &Store, name: &str) -> UserId {
    let mut c = store.conn().await.unwrap();
    let id = users::create_user(&mut c, name, name, "", false, 0)
        .await
        .unwrap();
    lyceum_store::repo::trust::accept_conduct(&mut c, id, "default", 0)
        .await
        .unwrap();
    id
}

async fn course(store: &Store, code: &str, published: bool) -> (CourseId, Vec<i64>) {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": code, "run": "2026", "language": "en",
        "title": format!("Editing {code}"), "short_description": "", "overview": "", "published": published,
        "sections": [{"title": "S1", "subsections": [{"title": "SS1", "units": [
            {"title": "U1", "blocks": [{"kind": "text", "markdown": "Hello"}]},
            {"title": "U2", "blocks": [{"kind": "text", "markdown": "Second"}]}
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
    let ids: Vec<i64> = tx
        .rows(q("SELECT id FROM blocks WHERE course_id = $1 ORDER BY id").bind(id.0))
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64>("id").unwrap())
        .collect();
    tx.commit().await.unwrap();
    (id, ids)
}

/// The source course, and its fork made by the fork operation into Fiona's personal
/// space (a draft with blocks of its own linked to the source's).
async fn world(store: Store) -> World {
    let (source, _) = course(&store, "EDIT", true).await;
    let mut people = Vec::new();
    for name in ["Ines", "Ada", "Fiona", "Tao", "Lea"] {
        people.push(Actor::user(user(&store, name).await, false));
    }
    {
        let mut c = store.conn().await.unwrap();
        courses::set_role(
            &mut c,
            source,
            people[0].user.unwrap(),
            CourseRole::Instructor,
            0,
        )
        .await
        .unwrap();
        courses::set_role(
            &mut c,
            source,
            people[1].user.unwrap(),
            CourseRole::Author,
            0,
        )
        .await
        .unwrap();
        // Fiona, the volunteer who forks, is autoconfirmed on the home wiki: her account
        // is trusted to fork into a personal space (issue 13).
        let fiona = people[2].user.unwrap();
        lyceum_store::repo::trust::set_wiki_standing(
            &mut c,
            fiona,
            r#"["*","user","autoconfirmed"]"#,
            50,
            0,
        )
        .await
        .unwrap();
        lyceum_store::repo::trust::stamp(&mut c, fiona, "wiki", 0)
            .await
            .unwrap();
    }
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap()));
    let env = Env {
        store,
        media: MediaStore::new(media.path()).unwrap(),
        clock: clock.clone(),
    };
    let fork = forks::fork(
        &env,
        &people[2],
        "course-v1:WIKI+EDIT+2026",
        &ForkTarget::Personal,
        &ForkInput::default(),
    )
    .await
    .unwrap()
    .id;
    {
        let mut c = env.store.conn().await.unwrap();
        courses::set_role(&mut c, fork, people[3].user.unwrap(), CourseRole::Staff, 0)
            .await
            .unwrap();
        learner::enroll(&mut c, people[4].user.unwrap(), fork, 0)
            .await
            .unwrap();
    }
    World {
        env,
        clock,
        source,
        fork,
        ines: people[0],
        ada: people[1],
        fiona: people[2],
        tao: people[3],
        learner: people[4],
        _media: media,
    }
}

impl World {
    /// The block titled `title` (a unit) and its first child (its text), in `course`'s draft.
    async fn unit(&self, course: CourseId, title: &str) -> (BlockId, BlockId) {
        let who = if course == self.source {
            &self.ines
        } else {
            &self.fiona
        };
        let d = authoring::draft(&self.env, who, course).await.unwrap();
        let unit = d.blocks.iter().find(|b| b.title == title).unwrap().block();
        (unit, d.children(Some(unit))[0].block())
    }

    async fn edit(&self, who: &Actor, block: BlockId, markdown: &str) {
        self.clock.advance(jiff::SignedDuration::from_mins(1));
        authoring::update_block(
            &self.env,
            who,
            block,
            BlockPatch {
                content: Some(json!({ "markdown": markdown })),
                ..BlockPatch::default()
            },
        )
        .await
        .unwrap();
    }

    async fn publish_source(&self) {
        authoring::publish(&self.env, &self.ines, self.source, "")
            .await
            .unwrap();
    }

    async fn content(&self, block: BlockId) -> String {
        let mut c = self.env.store.conn().await.unwrap();
        drafts::get(&mut c, block).await.unwrap().unwrap().1.content
    }
}

async fn only_published_source_changes_count_and_a_pull_credits_their_authors(store: Store) {
    let w = world(store).await;
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert_eq!(up.state, SourceState::Open);
    assert!(up.changes.is_empty(), "{:?}", up.changes);
    let (_, src_text) = w.unit(w.source, "U1").await;
    let (_, fork_text) = w.unit(w.fork, "U1").await;
    w.edit(&w.ada, src_text, "Hello, world").await;
    // The source's draft is not the fork's business.
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert!(up.changes.is_empty());
    w.publish_source().await;
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert_eq!(up.changes.len(), 1);
    let c = &up.changes[0];
    assert_eq!(c.change.kind, ChangeKind::Changed);
    assert_eq!(c.id(), src_text.0);
    assert_eq!(c.change.fork_block, Some(fork_text.0));
    assert!(!c.change.conflict);
    assert!(c.base.as_ref().unwrap().content.contains("Hello\""));
    assert!(c.theirs.as_ref().unwrap().content.contains("Hello, world"));
    assert!(c.mine.as_ref().unwrap().content.contains("Hello\""));
    assert_eq!(up.source_version(), Some(2));

    let pulled = upstream::pull(&w.env, &w.fiona, w.fork, &[src_text.0])
        .await
        .unwrap();
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].fork_block, fork_text);
    assert_eq!(pulled[0].revision, 2);
    // Into the fork's draft, not to its learners.
    assert!(w.content(fork_text).await.contains("Hello, world"));
    let mut c = w.env.store.conn().await.unwrap();
    let live: String = c
        .scalar(q("SELECT content FROM blocks WHERE id = $1").bind(fork_text.0))
        .await
        .unwrap();
    assert!(live.contains("Hello\""), "{live}");
    // The history credits Ada, with the source's revision named.
    let history = drafts::block_history(&mut c, fork_text).await.unwrap();
    assert_eq!(history[0].author_username.as_deref(), Some("Ada"));
    assert_eq!(history[0].comment, "lyceum:pulled:2");
    let (synced, authors): (i64, String) = c
        .one(
            q("SELECT synced_version, source_authors FROM course_forks WHERE course_id = $1")
                .bind(w.fork.0),
        )
        .await
        .unwrap();
    assert_eq!(synced, 2);
    assert!(authors.contains("Ada"), "{authors}");
    let audited: i64 = c
        .scalar(q(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'course.upstream-pull'",
        ))
        .await
        .unwrap();
    assert_eq!(audited, 1);
    drop(c);
    // Taken: nothing left to show.
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert!(up.changes.is_empty(), "{:?}", up.changes);
}

async fn additions_and_removals_are_pulled_into_place(store: Store) {
    let w = world(store).await;
    let (src_u1, _) = w.unit(w.source, "U1").await;
    let (src_u2, _) = w.unit(w.source, "U2").await;
    let (fork_u2, _) = w.unit(w.fork, "U2").await;
    let d = authoring::draft(&w.env, &w.ines, w.source).await.unwrap();
    let ss1 = BlockId(d.get(src_u1).unwrap().parent_id.unwrap());
    // A new unit with a text between U1 and U2, and U2 removed.
    let new_unit = authoring::add_block(
        &w.env,
        &w.ada,
        w.source,
        NewBlockInput {
            parent: Some(ss1),
            kind: "unit".into(),
            title: "U1b".into(),
            position: Some(1),
            ..NewBlockInput::default()
        },
    )
    .await
    .unwrap()
    .block;
    let new_text = authoring::add_block(
        &w.env,
        &w.ada,
        w.source,
        NewBlockInput {
            parent: Some(new_unit),
            kind: "text".into(),
            content: Some(json!({"markdown": "Inserted"})),
            ..NewBlockInput::default()
        },
    )
    .await
    .unwrap()
    .block;
    authoring::delete_block(&w.env, &w.ines, src_u2, false)
        .await
        .unwrap();
    w.publish_source().await;
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    let kinds: Vec<(ChangeKind, i64)> =
        up.changes.iter().map(|c| (c.change.kind, c.id())).collect();
    assert_eq!(
        kinds,
        vec![
            (ChangeKind::Added, new_unit.0),
            (ChangeKind::Removed, src_u2.0)
        ],
        "the new text comes with its unit; U2's text goes with U2"
    );
    assert_eq!(up.changes[0].descendants, 1);
    // Named by the source id for the addition, the fork id for the removal.
    let pulled = upstream::pull(&w.env, &w.fiona, w.fork, &[new_unit.0, fork_u2.0])
        .await
        .unwrap();
    assert_eq!(pulled.len(), 2);
    let d = authoring::draft(&w.env, &w.fiona, w.fork).await.unwrap();
    let fork_u1 = d.blocks.iter().find(|b| b.title == "U1").unwrap();
    let units: Vec<&str> = d
        .children(fork_u1.parent_id.map(BlockId))
        .iter()
        .map(|b| b.title.as_str())
        .collect();
    assert_eq!(units, ["U1", "U1b"]);
    let added = d.blocks.iter().find(|b| b.title == "U1b").unwrap();
    assert_eq!(added.id, pulled[0].fork_block.0);
    assert_ne!(
        added.id, new_unit.0,
        "the fork's blocks have ids of their own"
    );
    let text = d.children(Some(added.block()))[0];
    assert!(text.content.contains("Inserted"));
    assert!(d.removed.iter().any(|b| b.id == fork_u2.0));
    // The added blocks are linked: a later source edit of the text shows as a change.
    w.edit(&w.ada, new_text, "Inserted, then edited").await;
    w.publish_source().await;
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert_eq!(up.changes.len(), 1);
    assert_eq!(up.changes[0].change.fork_block, Some(text.id));
    assert!(!up.changes[0].change.conflict);
}

async fn conflicts_are_kept_merged_or_taken(store: Store) {
    let w = world(store).await;
    let (_, src_text) = w.unit(w.source, "U1").await;
    let (_, fork_text) = w.unit(w.fork, "U1").await;
    w.edit(&w.ada, src_text, "Source one").await;
    w.publish_source().await;
    w.edit(&w.fiona, fork_text, "Fork one").await;
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert!(up.changes[0].change.conflict);
    assert!(
        up.changes[0]
            .mine
            .as_ref()
            .unwrap()
            .content
            .contains("Fork one")
    );

    // Keep mine: the change is seen, the fork's text stays.
    upstream::resolve(&w.env, &w.fiona, w.fork, fork_text.0, Resolution::KeepMine)
        .await
        .unwrap();
    assert!(w.content(fork_text).await.contains("Fork one"));
    assert!(
        upstream::changes(&w.env, &w.fiona, w.fork)
            .await
            .unwrap()
            .changes
            .is_empty()
    );

    // Both again; this time a merged version.
    w.edit(&w.ada, src_text, "Source two").await;
    w.publish_source().await;
    w.edit(&w.fiona, fork_text, "Fork two").await;
    let c = &upstream::changes(&w.env, &w.fiona, w.fork)
        .await
        .unwrap()
        .changes[0];
    assert!(c.change.conflict);
    let text = upstream::editable_text("text", &c.mine.as_ref().unwrap().content);
    assert_eq!(text, "Fork two");
    let merged = upstream::content_from_text(
        "text",
        &c.mine.as_ref().unwrap().content,
        "Fork and source two",
    )
    .unwrap();
    let rev = upstream::resolve(
        &w.env,
        &w.fiona,
        w.fork,
        src_text.0,
        Resolution::Merged {
            title: String::new(),
            content: merged,
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert!(w.content(fork_text).await.contains("Fork and source two"));
    let mut db = w.env.store.conn().await.unwrap();
    let history = drafts::block_history(&mut db, fork_text).await.unwrap();
    drop(db);
    assert_eq!(history[0].revision, rev);
    assert!(history[0].comment.starts_with("lyceum:merged:"));
    assert_eq!(
        history[1].comment, "lyceum:pulled:3",
        "the source's revision is credited first"
    );
    assert_eq!(history[1].author_username.as_deref(), Some("Ada"));
    assert!(
        upstream::changes(&w.env, &w.fiona, w.fork)
            .await
            .unwrap()
            .changes
            .is_empty()
    );

    // Pulling a conflicted block takes the source's; the fork's text stays in history.
    w.edit(&w.ada, src_text, "Source three").await;
    w.publish_source().await;
    w.edit(&w.fiona, fork_text, "Fork three").await;
    upstream::pull(&w.env, &w.fiona, w.fork, &[fork_text.0])
        .await
        .unwrap();
    assert!(w.content(fork_text).await.contains("Source three"));
    let mut db = w.env.store.conn().await.unwrap();
    let history = drafts::block_history(&mut db, fork_text).await.unwrap();
    assert!(history[1].content.contains("Fork three"));

    // Added and moved blocks have nothing to keep or merge; a bad merged content is refused.
    let e = upstream::resolve(&w.env, &w.fiona, w.fork, 123_456_789, Resolution::KeepMine)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(upstream::content_from_text("problem", "{}", "not json").is_err());
}

async fn unknown_ids_refuse_the_whole_pull(store: Store) {
    let w = world(store).await;
    let (_, src_text) = w.unit(w.source, "U1").await;
    let (_, fork_text) = w.unit(w.fork, "U1").await;
    w.edit(&w.ada, src_text, "Changed").await;
    w.publish_source().await;
    let e = upstream::pull(&w.env, &w.fiona, w.fork, &[src_text.0, 987_654_321])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.error.key.0, "lyceum-upstream-error-unknown");
    assert_eq!(e.error.args, vec!["987654321".to_owned()]);
    assert!(
        w.content(fork_text).await.contains("Hello"),
        "nothing applied"
    );
    assert_eq!(
        upstream::changes(&w.env, &w.fiona, w.fork)
            .await
            .unwrap()
            .changes
            .len(),
        1
    );
    let e = upstream::pull(&w.env, &w.fiona, w.fork, &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    // A block that did not change is no change either.
    let (src_u2, _) = w.unit(w.source, "U2").await;
    let e = upstream::pull(&w.env, &w.fiona, w.fork, &[src_u2.0])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
}

async fn who_may_sync(store: Store) {
    let w = world(store).await;
    let (_, src_text) = w.unit(w.source, "U1").await;
    w.edit(&w.ada, src_text, "Changed").await;
    w.publish_source().await;
    // A learner of the unpublished fork, and the source's team, do not see its draft.
    for who in [&w.learner, &w.ines] {
        let e = upstream::changes(&w.env, who, w.fork).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = upstream::pull(&w.env, who, w.fork, &[src_text.0])
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
    // The fork's teaching assistants see it and may not change it.
    for e in [
        upstream::changes(&w.env, &w.tao, w.fork).await.unwrap_err(),
        upstream::pull(&w.env, &w.tao, w.fork, &[src_text.0])
            .await
            .unwrap_err(),
        upstream::resolve(&w.env, &w.tao, w.fork, src_text.0, Resolution::KeepMine)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }
    let anonymous = Actor::ANONYMOUS;
    let e = upstream::changes(&w.env, &anonymous, w.fork)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // A course that is no fork: a conflict, saying so.
    let e = upstream::changes(&w.env, &w.ines, w.source)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.error.key.0, "lyceum-upstream-error-not-fork");
}

async fn a_closed_or_deleted_source_offers_nothing(store: Store) {
    let w = world(store).await;
    let (_, src_text) = w.unit(w.source, "U1").await;
    w.edit(&w.ada, src_text, "Changed").await;
    w.publish_source().await;
    let mut c = w.env.store.conn().await.unwrap();
    c.exec(q("UPDATE courses SET license = 'all-rights-reserved' WHERE id = $1").bind(w.source.0))
        .await
        .unwrap();
    drop(c);
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert_eq!(up.state, SourceState::Closed);
    assert!(up.changes.is_empty());
    let e = upstream::pull(&w.env, &w.fiona, w.fork, &[src_text.0])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.error.key.0, "lyceum-upstream-error-source-closed");
    let mut c = w.env.store.conn().await.unwrap();
    c.exec(q("DELETE FROM courses WHERE id = $1").bind(w.source.0))
        .await
        .unwrap();
    drop(c);
    let up = upstream::changes(&w.env, &w.fiona, w.fork).await.unwrap();
    assert_eq!(up.state, SourceState::Deleted);
    assert_eq!(
        up.source_key(),
        "course-v1:WIKI+EDIT+2026",
        "the key as forked"
    );
    let e = upstream::pull(&w.env, &w.fiona, w.fork, &[src_text.0])
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-upstream-error-source-deleted");
}

async fn the_source_team_sees_its_forks_and_what_they_changed(store: Store) {
    let w = world(store).await;
    let (_, lines) = upstream::forks(&w.env, &w.ines, w.source).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].row.course_id, w.fork.0);
    assert!(!lines[0].visible, "an unpublished fork is the fork team's");
    // Not the source's team: not theirs to list.
    let e = upstream::forks(&w.env, &w.learner, w.source)
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden));
    let e = upstream::fork_changes(&w.env, &w.ines, w.fork)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // The fork improves a text and publishes.
    let (_, fork_text) = w.unit(w.fork, "U1").await;
    w.edit(&w.fiona, fork_text, "Hello, improved").await;
    authoring::publish(&w.env, &w.fiona, w.fork, "")
        .await
        .unwrap();
    let (_, lines) = upstream::forks(&w.env, &w.ines, w.source).await.unwrap();
    assert!(lines[0].visible);
    let (_, _, diffs) = upstream::fork_changes(&w.env, &w.ines, w.fork)
        .await
        .unwrap();
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(diffs[0].kind, "changed");
    assert!(diffs[0].base.as_ref().unwrap().content.contains("Hello\""));
    assert!(diffs[0].fork.as_ref().unwrap().content.contains("improved"));
    // The count comes with the course row (Studio's outline links to the forks).
    let mut db = w.env.store.conn().await.unwrap();
    let (row, _) = courses::find_for_viewer_by_id(&mut db, w.source, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.fork_count, Some(1));
}
