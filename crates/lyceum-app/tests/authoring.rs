//! Authoring without HTTP, on SQLite and PostgreSQL: the draft is invisible to learners
//! until a publish makes all of it live at once; blocks keep their ids; stale saves are
//! refused; deleting learners' work needs confirmation and loses nothing; history and
//! restore; permissions.
#![allow(clippy::unwrap_used)]

use lyceum_app::authoring::{self, BlockPatch, NewBlockInput};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::course::{CourseStatus, CourseTree};
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
    learners_see_the_published_version_until_publish,
    who_may_edit,
    stale_saves_are_refused,
    deleting_learners_work_needs_confirmation_and_keeps_it,
    reorder_and_move_keep_the_outline_consistent,
    discard_returns_to_the_published_course,
    duplicate_copies_a_subtree_with_new_ids,
    dates_are_checked,
    history_and_restore,
    organisations_that_review_hold_the_first_publication,
);

const MC: &str = r#"<problem><multiplechoiceresponse><label>Pick B</label><choicegroup type="MultipleChoice"><choice correct="false">A</choice><choice correct="true">B</choice></choicegroup></multiplechoiceresponse></problem>"#;
const MC2: &str = r#"<problem><multiplechoiceresponse><label>Pick A</label><choicegroup type="MultipleChoice"><choice correct="true">A</choice><choice correct="false">B</choice></choicegroup></multiplechoiceresponse></problem>"#;

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    course: CourseId,
    instructor: Actor,
    author: Actor,
    staff: Actor,
    learner: Actor,
    _media: tempfile::TempDir,
}

/// A person who works on courses: they accepted the code of conduct.
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

async fn world_with(store: Store, review: bool) -> World {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "EDIT", "run": "2026", "language": "en",
        "title": "Editing", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S1", "subsections": [{"title": "SS1", "units": [
            {"title": "U1", "blocks": [{"kind": "text", "markdown": "Hello"}]},
            {"title": "U2", "blocks": [{"kind": "problem", "xml": MC}]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    tx.exec(
        q("UPDATE organizations SET requires_review = $2 WHERE id = $1")
            .bind(org.0)
            .bind(review),
    )
    .await
    .unwrap();
    let mut course = e.course.clone();
    course.published = !review;
    let id = courses::create(&mut tx, org, &course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut people = Vec::new();
    for (name, role) in [
        ("Ines", Some(CourseRole::Instructor)),
        ("Ada", Some(CourseRole::Author)),
        ("Tao", Some(CourseRole::Staff)),
        ("Lea", None),
    ] {
        let u = user(&store, name).await;
        let mut c = store.conn().await.unwrap();
        match role {
            Some(r) => courses::set_role(&mut c, id, u, r, 0).await.unwrap(),
            None => learner::enroll(&mut c, u, id, 0).await.unwrap(),
        }
        people.push(Actor::user(u, false));
    }
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new("2026-03-01T12:00:00Z".parse().unwrap()));
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        course: id,
        instructor: people[0],
        author: people[1],
        staff: people[2],
        learner: people[3],
        _media: media,
    }
}

async fn world(store: Store) -> World {
    world_with(store, false).await
}

impl World {
    /// What learners see.
    async fn published(&self) -> CourseTree {
        let mut c = self.env.store.conn().await.unwrap();
        courses::load_tree(&mut c, self.course).await.unwrap()
    }

    async fn draft(&self) -> authoring::Draft {
        authoring::draft(&self.env, &self.author, self.course)
            .await
            .unwrap()
    }

    /// A block of the draft by title.
    async fn id(&self, title: &str) -> BlockId {
        self.draft()
            .await
            .blocks
            .iter()
            .find(|b| b.title == title)
            .unwrap_or_else(|| panic!("no block {title}"))
            .block()
    }

    async fn problem(&self) -> BlockId {
        self.draft()
            .await
            .blocks
            .iter()
            .find(|b| b.kind == "problem")
            .unwrap()
            .block()
    }

    async fn add(&self, parent: Option<BlockId>, kind: &str, title: &str) -> BlockId {
        authoring::add_block(
            &self.env,
            &self.author,
            self.course,
            NewBlockInput {
                parent,
                kind: kind.into(),
                title: title.into(),
                ..NewBlockInput::default()
            },
        )
        .await
        .unwrap()
        .block
    }

    async fn titles_under(&self, parent: BlockId) -> Vec<String> {
        self.draft()
            .await
            .children(Some(parent))
            .iter()
            .map(|b| b.title.clone())
            .collect()
    }
}

fn problem_xml(tree: &CourseTree, id: BlockId) -> String {
    let node = tree.node(tree.index_of(id).unwrap());
    let content = node.content.as_ref().unwrap().as_ref().unwrap();
    <lyceum_core::blocks::problem::ProblemKind as lyceum_core::blocks::Registered>::of(content)
        .unwrap()
        .xml
        .clone()
}

async fn learners_see_the_published_version_until_publish(store: Store) {
    let w = world(store).await;
    let before = w.published().await;
    let version = |s: &Store| {
        let s = s.clone();
        let course = w.course;
        async move {
            let mut c = s.conn().await.unwrap();
            courses::content_version(&mut c, course)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let v0 = version(&w.env.store).await;
    let u1 = w.id("U1").await;
    let text = authoring::add_block(
        &w.env,
        &w.author,
        w.course,
        NewBlockInput {
            parent: Some(u1),
            kind: "text".into(),
            title: "New".into(),
            content: Some(json!({"markdown": "*New* paragraph"})),
            position: None,
            summary: "Add an example".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(text.revision, 1);
    let problem = w.problem().await;
    let base = w.draft().await.get(problem).unwrap().revision;
    let saved = authoring::update_block(
        &w.env,
        &w.author,
        problem,
        BlockPatch {
            content: Some(json!({"olx": MC2, "weight": 2.0})),
            base_revision: Some(base),
            summary: "Answer key: A".into(),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(saved.revision, base + 1);

    // Learners still see the published course: no new block, the old answer key.
    let now = w.published().await;
    assert!(now.index_of(text.block).is_none());
    assert_eq!(problem_xml(&now, problem), problem_xml(&before, problem));
    assert_eq!(version(&w.env.store).await, v0);
    let draft = w.draft().await;
    assert_eq!(draft.changes, 2);
    assert_eq!(draft.get(problem).unwrap().published_revision, base);
    // The draft's tree shows the new state (what "Preview as learner" renders).
    let preview = draft.tree();
    assert!(preview.index_of(text.block).is_some());
    assert_eq!(problem_xml(&preview, problem), MC2);

    let p = authoring::publish(&w.env, &w.author, w.course, "Spring update")
        .await
        .unwrap();
    assert_eq!(p.version, v0 + 1);
    assert_eq!(p.changed, 2);
    assert_eq!(p.status, CourseStatus::Published);
    let after = w.published().await;
    assert!(
        after.index_of(text.block).is_some(),
        "same id after publish"
    );
    assert_eq!(problem_xml(&after, problem), MC2);
    assert_eq!(w.draft().await.changes, 0);
    // Publishing nothing changes nothing.
    let again = authoring::publish(&w.env, &w.author, w.course, "")
        .await
        .unwrap();
    assert_eq!((again.version, again.changed), (v0 + 1, 0));
    let history = authoring::history(&w.env, &w.instructor, w.course, None)
        .await
        .unwrap();
    assert_eq!(history.publications.len(), 1);
    assert_eq!(history.publications[0].summary, "Spring update");
    assert_eq!(
        history.publications[0].publisher_username.as_deref(),
        Some("Ada")
    );
}

async fn who_may_edit(store: Store) {
    let w = world(store).await;
    let u1 = w.id("U1").await;
    let input = || NewBlockInput {
        parent: Some(u1),
        kind: "text".into(),
        title: "x".into(),
        ..NewBlockInput::default()
    };
    // A learner and a stranger do not learn that a draft exists; staff see it but may
    // not write.
    for (who, kind) in [
        (w.learner, ErrorKind::NotFound),
        (Actor::ANONYMOUS, ErrorKind::NotFound),
        (Actor::user(UserId(9_999), false), ErrorKind::NotFound),
        (w.staff, ErrorKind::Forbidden),
    ] {
        let e = authoring::add_block(&w.env, &who, w.course, input())
            .await
            .unwrap_err();
        assert_eq!(e.kind, kind, "{who:?}");
        let e = authoring::publish(&w.env, &who, w.course, "")
            .await
            .unwrap_err();
        assert_eq!(e.kind, kind, "{who:?}");
        let e = authoring::draft(&w.env, &who, w.course).await.unwrap_err();
        assert_eq!(e.kind, kind, "{who:?}");
    }
    let root = Actor::user(user(&w.env.store, "Root").await, true);
    for who in [w.instructor, w.author, root] {
        authoring::add_block(&w.env, &who, w.course, input())
            .await
            .unwrap();
    }
    // Staff read the history (they see unreleased content), learners do not.
    authoring::history(&w.env, &w.staff, w.course, None)
        .await
        .unwrap();
    assert_eq!(
        authoring::history(&w.env, &w.learner, w.course, None)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

async fn stale_saves_are_refused(store: Store) {
    let w = world(store).await;
    let u1 = w.id("U1").await;
    let text = w.draft().await.children(Some(u1))[0].block();
    let base = w.draft().await.get(text).unwrap().revision;
    let patch = |md: &str| BlockPatch {
        content: Some(json!({ "markdown": md })),
        base_revision: Some(base),
        ..BlockPatch::default()
    };
    authoring::update_block(&w.env, &w.author, text, patch("Ada's words"))
        .await
        .unwrap();
    let e = authoring::update_block(&w.env, &w.instructor, text, patch("Ines's words"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.error.key.0, "lyceum-error-studio-stale");
    let kept = w.draft().await.get(text).unwrap().content.clone();
    assert!(kept.contains("Ada's words"), "{kept}");
    // Bad content is refused with the kind's message and changes nothing.
    let e = authoring::update_block(
        &w.env,
        &w.author,
        w.problem().await,
        BlockPatch {
            content: Some(json!({"olx": "<problem><choiceresponse>"})),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(w.draft().await.changes, 1);
}

async fn deleting_learners_work_needs_confirmation_and_keeps_it(store: Store) {
    let w = world(store).await;
    let problem = w.problem().await;
    let u2 = w.id("U2").await;
    // The learner has answered the problem.
    let learner = w.learner.user.unwrap();
    w.env
        .store
        .conn()
        .await
        .unwrap()
        .exec(
            q("INSERT INTO score_overrides (user_id, block_id, course_id, earned, reason, staff_id, created_at)
               VALUES ($1, $2, $3, 1, 'x', $1, 0)")
            .bind(learner.0)
            .bind(problem.0)
            .bind(w.course.0),
        )
        .await
        .unwrap();
    let impact = authoring::impact(&w.env, &w.author, u2).await.unwrap();
    assert_eq!(
        (impact.blocks, impact.work.learners, impact.work.scored),
        (2, 1, 1)
    );
    let e = authoring::delete_block(&w.env, &w.author, u2, false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(e.error.key.0, "lyceum-error-studio-delete-confirm");
    authoring::delete_block(&w.env, &w.author, u2, true)
        .await
        .unwrap();
    assert!(w.draft().await.get(u2).is_none());
    assert!(
        w.published().await.index_of(problem).is_some(),
        "until publish"
    );
    authoring::publish(&w.env, &w.author, w.course, "")
        .await
        .unwrap();
    assert!(w.published().await.index_of(problem).is_none());
    let kept: i64 = w
        .env
        .store
        .conn()
        .await
        .unwrap()
        .scalar(q("SELECT COUNT(*) FROM score_overrides WHERE block_id = $1").bind(problem.0))
        .await
        .unwrap();
    assert_eq!(kept, 1, "the learner's work stays stored");
    // Restoring the unit from its history brings it back, then its problem.
    let history = authoring::block_history(&w.env, &w.author, u2)
        .await
        .unwrap()
        .2;
    let before_delete = history
        .iter()
        .find(|r| r.comment != authoring::comment::DELETED)
        .unwrap();
    authoring::restore(&w.env, &w.author, u2, before_delete.revision)
        .await
        .unwrap();
    let history = authoring::block_history(&w.env, &w.author, problem)
        .await
        .unwrap()
        .2;
    authoring::restore(&w.env, &w.author, problem, history.last().unwrap().revision)
        .await
        .unwrap();
    authoring::publish(&w.env, &w.author, w.course, "")
        .await
        .unwrap();
    let tree = w.published().await;
    assert!(tree.index_of(u2).is_some() && tree.index_of(problem).is_some());
    // Nothing to confirm for a block without learners' work.
    let empty = w.add(Some(w.id("SS1").await), "unit", "Empty").await;
    authoring::delete_block(&w.env, &w.author, empty, false)
        .await
        .unwrap();
}

async fn reorder_and_move_keep_the_outline_consistent(store: Store) {
    let w = world(store).await;
    let ss1 = w.id("SS1").await;
    let u3 = w.add(Some(ss1), "unit", "U3").await;
    assert_eq!(w.titles_under(ss1).await, ["U1", "U2", "U3"]);
    let to = |position: usize| BlockPatch {
        position: Some(position),
        ..BlockPatch::default()
    };
    authoring::update_block(&w.env, &w.author, u3, to(0))
        .await
        .unwrap();
    assert_eq!(w.titles_under(ss1).await, ["U3", "U1", "U2"]);
    // Moving is no edit of the block: its revision stays, so an open editor is not stale.
    let rev = w.draft().await.get(u3).unwrap().revision;
    authoring::update_block(&w.env, &w.author, u3, to(99))
        .await
        .unwrap();
    assert_eq!(w.titles_under(ss1).await, ["U1", "U2", "U3"]);
    assert_eq!(w.draft().await.get(u3).unwrap().revision, rev);
    // Into another subsection.
    let s1 = w.id("S1").await;
    let ss2 = w.add(Some(s1), "subsection", "SS2").await;
    authoring::update_block(
        &w.env,
        &w.author,
        w.id("U1").await,
        BlockPatch {
            parent: Some(Some(ss2)),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(w.titles_under(ss1).await, ["U2", "U3"]);
    assert_eq!(w.titles_under(ss2).await, ["U1"]);
    let positions: Vec<i64> = w
        .draft()
        .await
        .children(Some(ss1))
        .iter()
        .map(|b| b.position)
        .collect();
    assert_eq!(positions, [0, 1]);
    // Misplacements are refused: a unit among sections, text under a subsection.
    for (parent, kind) in [(None, "unit"), (Some(ss1), "text"), (Some(ss1), "poll")] {
        let e = authoring::add_block(
            &w.env,
            &w.author,
            w.course,
            NewBlockInput {
                parent,
                kind: kind.into(),
                title: "x".into(),
                ..NewBlockInput::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{kind}");
    }
    let e = authoring::update_block(
        &w.env,
        &w.author,
        u3,
        BlockPatch {
            parent: Some(None),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    // A problem needs its question.
    let e = authoring::add_block(
        &w.env,
        &w.author,
        w.course,
        NewBlockInput {
            parent: Some(u3),
            kind: "problem".into(),
            title: "Q".into(),
            ..NewBlockInput::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-studio-content-required");
    // Published, the outline is what the draft was.
    authoring::publish(&w.env, &w.author, w.course, "")
        .await
        .unwrap();
    let tree = w.published().await;
    let ss2_idx = tree.index_of(ss2).unwrap();
    let under: Vec<String> = tree
        .children(ss2_idx)
        .iter()
        .map(|&i| tree.node(i).title.clone())
        .collect();
    assert_eq!(under, ["U1"]);
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
}

async fn discard_returns_to_the_published_course(store: Store) {
    let w = world(store).await;
    let u1 = w.id("U1").await;
    let new = w.add(Some(u1), "text", "Draft only").await;
    authoring::update_block(
        &w.env,
        &w.author,
        u1,
        BlockPatch {
            title: Some("Renamed".into()),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(w.draft().await.changes, 2);
    // Staff may not throw an author's work away.
    assert_eq!(
        authoring::discard(&w.env, &w.staff, w.course)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        authoring::discard(&w.env, &w.author, w.course)
            .await
            .unwrap(),
        2
    );
    let draft = w.draft().await;
    assert_eq!(draft.changes, 0);
    assert_eq!(draft.get(u1).unwrap().title, "U1");
    assert!(draft.get(new).is_none());
    let mut c = w.env.store.conn().await.unwrap();
    assert!(
        drafts::get(&mut c, new).await.unwrap().is_none(),
        "gone for good"
    );
}

async fn duplicate_copies_a_subtree_with_new_ids(store: Store) {
    let w = world(store).await;
    let ss1 = w.id("SS1").await;
    let u1 = w.id("U1").await;
    let copy = authoring::duplicate_block(&w.env, &w.author, u1)
        .await
        .unwrap();
    assert_ne!(copy.block, u1);
    assert_eq!(w.titles_under(ss1).await, ["U1", "U1", "U2"]);
    let draft = w.draft().await;
    let original = draft.children(Some(u1));
    let copied = draft.children(Some(copy.block));
    assert_eq!(copied.len(), 1);
    assert_ne!(copied[0].id, original[0].id);
    assert_eq!(copied[0].content, original[0].content);
    assert_ne!(copied[0].url_name, original[0].url_name);
}

async fn dates_are_checked(store: Store) {
    let w = world(store).await;
    let ss1 = w.id("SS1").await;
    authoring::update_block(
        &w.env,
        &w.author,
        ss1,
        BlockPatch {
            release_at: Some(Some("2026-05-01T00:00:00Z".parse().unwrap())),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap();
    let e = authoring::update_block(
        &w.env,
        &w.author,
        ss1,
        BlockPatch {
            content: Some(
                json!({"graded": true, "format": "Homework", "due": "2026-04-01T00:00:00Z"}),
            ),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-studio-due-before-release");
    authoring::update_block(
        &w.env,
        &w.author,
        ss1,
        BlockPatch {
            content: Some(
                json!({"graded": true, "format": "Homework", "due": "2026-06-01T00:00:00Z"}),
            ),
            ..BlockPatch::default()
        },
    )
    .await
    .unwrap();
    // Hidden from learners, and shown again.
    let u1 = w.id("U1").await;
    for (hide, expect) in [(true, true), (false, false)] {
        authoring::update_block(
            &w.env,
            &w.author,
            u1,
            BlockPatch {
                staff_only: Some(hide),
                ..BlockPatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            authoring::is_staff_only(w.draft().await.get(u1).unwrap()),
            expect
        );
    }
    w.clock.advance(jiff::SignedDuration::from_hours(1));
}

async fn history_and_restore(store: Store) {
    let w = world(store).await;
    let u1 = w.id("U1").await;
    let text = w.draft().await.children(Some(u1))[0].block();
    for (who, md) in [(w.author, "second"), (w.instructor, "third")] {
        w.clock.advance(jiff::SignedDuration::from_mins(1));
        authoring::update_block(
            &w.env,
            &who,
            text,
            BlockPatch {
                content: Some(json!({ "markdown": md })),
                summary: format!("now {md}"),
                ..BlockPatch::default()
            },
        )
        .await
        .unwrap();
    }
    let (_, row, revisions) = authoring::block_history(&w.env, &w.staff, text)
        .await
        .unwrap();
    assert_eq!(row.revision, 3);
    let who: Vec<Option<&str>> = revisions
        .iter()
        .map(|r| r.author_username.as_deref())
        .collect();
    assert_eq!(who, [Some("Ines"), Some("Ada"), None]);
    assert_eq!(revisions[0].comment, "now third");
    let history = authoring::history(&w.env, &w.instructor, w.course, None)
        .await
        .unwrap();
    assert_eq!(history.revisions[0].block_id, text.0);
    assert_eq!(history.revisions[0].revision, 3);
    // Restoring revision 1 is a new revision 4 with revision 1's text.
    let saved = authoring::restore(&w.env, &w.author, text, 1)
        .await
        .unwrap();
    assert_eq!(saved.revision, 4);
    let row = w.draft().await.get(text).unwrap().clone();
    assert!(row.content.contains("Hello"), "{}", row.content);
    let (_, _, revisions) = authoring::block_history(&w.env, &w.staff, text)
        .await
        .unwrap();
    assert_eq!(revisions[0].comment, "lyceum:restored:1");
    assert_eq!(
        authoring::restore(&w.env, &w.author, text, 99)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

async fn organisations_that_review_hold_the_first_publication(store: Store) {
    let w = world_with(store, true).await;
    let u1 = w.id("U1").await;
    w.add(Some(u1), "text", "More").await;
    let p = authoring::publish(&w.env, &w.author, w.course, "Ready for review")
        .await
        .unwrap();
    assert_eq!(p.status, CourseStatus::Review);
    let mut c = w.env.store.conn().await.unwrap();
    let row = courses::get(&mut c, w.course).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.published), ("review", false));
    // Publishing again while in review is refused; nothing went live.
    let e = authoring::publish(&w.env, &w.author, w.course, "")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(w.draft().await.changes, 1);
    // A reviewer's approval makes it live (the review pages call this).
    let mut tx = w.env.store.begin().await.unwrap();
    authoring::make_live(&mut tx, w.course, w.instructor.user, "Approved", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = courses::get(&mut c, w.course).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.published), ("published", true));
    assert_eq!(w.draft().await.changes, 0);
}
