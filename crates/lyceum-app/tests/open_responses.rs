//! Open-response use cases without HTTP: what each one stores, who it tells, what it
//! writes to the audit log, and what it refuses — on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used)]

use lyceum_app::open_responses::{self as uc, CourseRef, StaffOutcome, Viewer};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::blocks::open_response::AssessmentInput;
use lyceum_core::clock::FixedClock;
use lyceum_core::course::CourseTree;
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::open_response::Stage;
use lyceum_core::permissions::{Actor, CourseFacts, CourseRole};
use lyceum_core::{BlockId, CourseId, UserId};
use lyceum_store::repo::{courses, learner, notifications, orgs, problems, users};
use lyceum_store::{MediaStore, Store, testing};
use std::collections::HashMap;
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
    submitting_completes_refuses_twice_and_tells_idle_reviewers,
    drafts_and_files_follow_the_authors_rules,
    peer_and_self_review_move_the_workflow,
    staff_actions_settle_tell_and_log_once_each,
    a_second_grader_changes_nothing,
    the_queue_and_its_filters,
    who_sees_a_submission,
);

const T0: &str = "2026-10-01T12:00:00Z";

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    course: CourseId,
    tree: CourseTree,
    staff_only: BlockId,
    peer: BlockId,
    people: HashMap<&'static str, UserId>,
    _media: tempfile::TempDir,
}

impl World {
    fn course(&self) -> CourseRef<'_> {
        CourseRef {
            id: self.course,
            key: "course-v1:TESTORG+OR1+2026",
            tree: &self.tree,
        }
    }

    fn at(&self, block: BlockId) -> uc::Assignment<'_> {
        self.course().assignment_of(block).unwrap()
    }

    fn u(&self, name: &str) -> UserId {
        self.people[name]
    }

    async fn unread(&self, name: &str) -> i64 {
        let mut c = self.env.store.conn().await.unwrap();
        notifications::unread_count(&mut c, self.u(name))
            .await
            .unwrap()
    }

    async fn log(&self) -> Vec<(String, String)> {
        let mut c = self.env.store.conn().await.unwrap();
        let mut rows = problems::actions_in_course(&mut c, self.course, 100)
            .await
            .unwrap();
        rows.reverse();
        rows.into_iter().map(|r| (r.action, r.detail)).collect()
    }
}

async fn world(store: Store) -> World {
    let spec: CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": "OR1", "run": "2026", "language": "en",
        "title": "Essays", "short_description": "Write", "overview": "Write.",
        "start": "2026-09-01T00:00:00Z", "published": true,
        "sections": [{"title": "Week 1", "subsections": [{"title": "Essays", "due": "2026-10-10T00:00:00Z", "units": [
            {"title": "Mission", "blocks": [{
                "kind": "open_response", "title": "Mission statement",
                "prompts": ["Write a mission statement."], "text": "optional",
                "files": {"requirement": "optional", "allowed": ["pdf", "png"], "max_files": 1},
                "criteria": [{"name": "clarity", "label": "Clarity", "scale": "wikilearn"}]
            }]},
            {"title": "Peers", "blocks": [{
                "kind": "open_response", "title": "Peer essay", "prompts": ["Why?"],
                "steps": ["peer", "self", "staff"], "peer": {"must_grade": 1, "graded_by": 1},
                "criteria": [{"name": "ideas", "label": "Ideas", "scale": "wikilearn"}]
            }]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let now = T0.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test org", "", None, now)
        .await
        .unwrap();
    let course = courses::create(&mut tx, org, &e.course, now).await.unwrap();
    courses::insert_blocks(&mut tx, course, None, &e.blocks, None, now)
        .await
        .unwrap();
    let mut people = HashMap::new();
    for name in ["alice", "bob", "carol", "teacher", "ta"] {
        let id = users::create_user(&mut tx, name, name, "", false, now)
            .await
            .unwrap();
        people.insert(name, id);
    }
    for name in ["alice", "bob", "carol"] {
        learner::enroll(&mut tx, people[name], course, now)
            .await
            .unwrap();
    }
    courses::set_role(
        &mut tx,
        course,
        people["teacher"],
        CourseRole::Instructor,
        now,
    )
    .await
    .unwrap();
    courses::set_role(&mut tx, course, people["ta"], CourseRole::Staff, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, course).await.unwrap();
    drop(c);
    let blocks: Vec<BlockId> = (0..tree.len())
        .filter(|&i| uc::content_at(&tree, i).is_some())
        .map(|i| tree.node(i).id)
        .collect();
    let media_dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(T0.parse().unwrap()));
    World {
        env: Env {
            store,
            media: MediaStore::new(media_dir.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        course,
        tree,
        staff_only: blocks[0],
        peer: blocks[1],
        people,
        _media: media_dir,
    }
}

fn review(criterion: &str, option: &str) -> AssessmentInput {
    AssessmentInput {
        criteria: [(criterion.to_owned(), option.to_owned())].into(),
        ..AssessmentInput::default()
    }
}

async fn submitting_completes_refuses_twice_and_tells_idle_reviewers(store: Store) {
    let w = world(store).await;
    let (alice, bob) = (w.u("alice"), w.u("bob"));
    let peer = w.at(w.peer);
    // Alice submits first: nobody is waiting for something to review yet.
    let done = uc::submit(&w.env, &peer, alice, "  Because.  ")
        .await
        .unwrap();
    assert_eq!(done.value.text, "Because.");
    assert!(done.told.is_empty());
    // Submitting completes the block.
    let mut c = w.env.store.conn().await.unwrap();
    let completed = learner::completed_in_course(&mut c, alice, w.course)
        .await
        .unwrap();
    drop(c);
    assert!(completed.contains(&w.peer), "{completed:?}");
    // A second submission while the first is being assessed is refused, nothing stored.
    let err = uc::submit(&w.env, &peer, alice, "Again").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(err.error.key.0, "lyceum-error-or-locked-response");
    // Alice asks for a review, finds none, and is told when Bob submits.
    assert!(uc::next_peer(&w.env, &peer, alice).await.unwrap().is_none());
    let done = uc::submit(&w.env, &peer, bob, "Why not.").await.unwrap();
    assert_eq!(done.told, vec![alice]);
    assert_eq!(w.unread("alice").await, 1);
    // After the due date nothing is accepted: a conflict, the draft kept.
    w.clock.set("2026-10-11T00:00:00Z".parse().unwrap());
    let mission = w.at(w.staff_only);
    uc::save_draft(&w.env, &mission, bob, "Late draft")
        .await
        .unwrap();
    let err = uc::submit(&w.env, &mission, bob, "Late").await.unwrap_err();
    assert_eq!(
        (err.kind, err.error.key.0),
        (ErrorKind::Conflict, "lyceum-error-or-past-due")
    );
    let st = uc::learner_state(&w.env, &mission, bob).await.unwrap();
    assert!(st.versions.is_empty());
    assert_eq!(st.draft.unwrap().0, "Late draft");
    assert_eq!(st.closed.unwrap().key.0, "lyceum-error-or-past-due");
}

async fn drafts_and_files_follow_the_authors_rules(store: Store) {
    let w = world(store).await;
    let alice = w.u("alice");
    let a = w.at(w.staff_only);
    let (sha, size) = w.env.media.put(b"%PDF-1.4 notes").unwrap();
    let up = |name: &'static str, alt: &'static str| uc::Upload {
        file_name: name,
        alt,
        content_type: "application/octet-stream",
        size,
        sha256: Box::leak(sha.clone().into_boxed_str()),
    };
    let refused = |e: lyceum_app::Error| (e.kind, e.error.key.0);
    assert_eq!(
        refused(
            uc::add_attachment(&w.env, &a, alice, &up("x.exe", ""), None)
                .await
                .unwrap_err()
        ),
        (ErrorKind::Invalid, "lyceum-error-or-file-type")
    );
    assert_eq!(
        refused(
            uc::add_attachment(&w.env, &a, alice, &up("map.png", " "), None)
                .await
                .unwrap_err()
        ),
        (ErrorKind::Invalid, "lyceum-error-or-alt-required")
    );
    let file = uc::add_attachment(&w.env, &a, alice, &up("notes.pdf", ""), None)
        .await
        .unwrap();
    assert_eq!(file.file_name, "notes.pdf");
    // One file at most on this assignment.
    assert_eq!(
        refused(
            uc::add_attachment(&w.env, &a, alice, &up("more.pdf", ""), None)
                .await
                .unwrap_err()
        ),
        (ErrorKind::Invalid, "lyceum-error-or-too-many-files")
    );
    // Text is optional here: the file alone is a response.
    let done = uc::submit(&w.env, &a, alice, "").await.unwrap();
    let st = uc::learner_state(&w.env, &a, alice).await.unwrap();
    assert_eq!(st.versions[0].files.len(), 1);
    assert_eq!(st.versions[0].row.id, done.value.id);
    // Submitted files are not removable, and a submitted response is locked.
    let err = uc::remove_attachment(&w.env, &a, alice, file.id)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = uc::save_draft(&w.env, &a, alice, "More").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    // An empty response is refused.
    let bob = w.u("bob");
    let err = uc::submit(&w.env, &a, bob, "   ").await.unwrap_err();
    assert_eq!(refused(err), (ErrorKind::Invalid, "lyceum-error-or-empty"));
}

async fn peer_and_self_review_move_the_workflow(store: Store) {
    let w = world(store).await;
    let (alice, bob) = (w.u("alice"), w.u("bob"));
    let a = w.at(w.peer);
    // Reviewing before submitting is a conflict.
    let err = uc::next_peer(&w.env, &a, alice).await.unwrap_err();
    assert_eq!(err.error.key.0, "lyceum-error-or-submit-first");
    let alice_sub = uc::submit(&w.env, &a, alice, "Alice's essay")
        .await
        .unwrap()
        .value;
    let bob_sub = uc::submit(&w.env, &a, bob, "Bob's essay")
        .await
        .unwrap()
        .value;
    // Alice is given Bob's response, and the same one until she reviews it.
    let task = uc::next_peer(&w.env, &a, alice).await.unwrap().unwrap();
    assert_eq!(task.submission.id, bob_sub.id);
    let again = uc::current_peer(&w.env, &a, alice).await.unwrap().unwrap();
    assert_eq!(again.submission.id, bob_sub.id);
    // A review of a response she was not given does not exist for her.
    let err = uc::peer_review(
        &w.env,
        &a,
        alice,
        alice_sub.id,
        &review("ideas", "wikilearn-good"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    // A review that does not fit the rubric stores nothing.
    let err = uc::peer_review(&w.env, &a, alice, bob_sub.id, &review("ideas", "brilliant"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    let done = uc::peer_review(
        &w.env,
        &a,
        alice,
        bob_sub.id,
        &review("ideas", "wikilearn-good"),
    )
    .await
    .unwrap();
    assert_eq!(done.told, vec![bob, alice]);
    // Alice gave her review: her own assessment is next, while peers review her.
    assert_eq!(done.value.stage, Stage::SelfReview);
    let err = uc::peer_review(
        &w.env,
        &a,
        alice,
        bob_sub.id,
        &review("ideas", "wikilearn-good"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error.key.0, "lyceum-error-or-already-reviewed");
    // Bob reviews Alice; Alice still has to assess herself.
    uc::next_peer(&w.env, &a, bob).await.unwrap().unwrap();
    let done = uc::peer_review(
        &w.env,
        &a,
        bob,
        alice_sub.id,
        &review("ideas", "wikilearn-excellent"),
    )
    .await
    .unwrap();
    assert_eq!(done.told, vec![alice, bob]);
    let st = uc::learner_state(&w.env, &a, alice).await.unwrap();
    assert_eq!(st.current().unwrap().status.stage, Stage::SelfReview);
    let done = uc::self_review(&w.env, &a, alice, &review("ideas", "wikilearn-good"))
        .await
        .unwrap();
    assert_eq!(done.value.stage, Stage::WaitingForStaff);
    let err = uc::self_review(&w.env, &a, alice, &review("ideas", "wikilearn-good"))
        .await
        .unwrap_err();
    assert_eq!(err.error.key.0, "lyceum-error-or-not-your-turn");
    // The staff-only assignment has no peer or self step: those do not exist there.
    let m = w.at(w.staff_only);
    assert_eq!(
        uc::next_peer(&w.env, &m, alice).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        uc::self_review(&w.env, &m, alice, &review("clarity", "wikilearn-good"))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

async fn staff_actions_settle_tell_and_log_once_each(store: Store) {
    let w = world(store).await;
    let (alice, teacher) = (w.u("alice"), w.u("teacher"));
    let a = w.at(w.staff_only);
    let s = uc::submit(&w.env, &a, alice, "Draft one")
        .await
        .unwrap()
        .value;
    // Returning needs a note; with one, the learner is told and the log says why.
    let err = uc::return_for_revision(&w.env, &a, teacher, s.id, "  ")
        .await
        .unwrap_err();
    assert_eq!(err.error.key.0, "lyceum-or-staff-error-note-required");
    let done = uc::return_for_revision(&w.env, &a, teacher, s.id, "Add sources.")
        .await
        .unwrap();
    assert_eq!(done.value.unwrap().stage, Stage::Returned);
    assert_eq!(done.told, vec![alice]);
    assert_eq!(w.unread("alice").await, 1);
    // The revision is version 2; grading it records the score and tells Alice once.
    let s2 = uc::submit(&w.env, &a, alice, "Draft two, with sources")
        .await
        .unwrap()
        .value;
    assert_eq!(s2.version, 2);
    let done = uc::staff_assess(
        &w.env,
        &a,
        teacher,
        s2.id,
        &review("clarity", "wikilearn-excellent"),
        false,
    )
    .await
    .unwrap();
    let StaffOutcome::Graded(status) = done.value else {
        panic!("not graded")
    };
    assert_eq!(status.stage, Stage::Done);
    assert_eq!(w.unread("alice").await, 2);
    let mut c = w.env.store.conn().await.unwrap();
    let st = problems::state(&mut c, alice, w.staff_only)
        .await
        .unwrap()
        .unwrap();
    drop(c);
    assert_eq!((st.raw_earned, st.attempts), (Some(3.0), 2));
    // Cancelling the assessment needs a reason; it stops counting, and the log says so.
    let mut c = w.env.store.conn().await.unwrap();
    let assessment = lyceum_store::repo::open_responses::assessments_of(&mut c, &[s2.id])
        .await
        .unwrap()[0]
        .id;
    drop(c);
    let err = uc::cancel_assessment(&w.env, &a, teacher, assessment, "")
        .await
        .unwrap_err();
    assert_eq!(err.error.key.0, "lyceum-or-staff-error-reason-required");
    let done = uc::cancel_assessment(&w.env, &a, teacher, assessment, "Wrong learner")
        .await
        .unwrap();
    assert_eq!(done.value.stage, Stage::WaitingForStaff);
    let err = uc::cancel_assessment(&w.env, &a, teacher, assessment, "Again")
        .await
        .unwrap_err();
    assert_eq!(err.error.key.0, "lyceum-error-or-already-cancelled");
    assert_eq!(
        w.log().await,
        [
            ("or-returned".to_owned(), "Add sources.".to_owned()),
            ("or-staff-assessment".to_owned(), String::new()),
            (
                "or-assessment-cancelled".to_owned(),
                "Wrong learner".to_owned()
            ),
        ]
    );
    // Excusing from a peer step that does not exist is not found.
    let err = uc::excuse_peer(&w.env, &a, teacher, s2.id, true)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

async fn a_second_grader_changes_nothing(store: Store) {
    let w = world(store).await;
    let (alice, teacher, ta) = (w.u("alice"), w.u("teacher"), w.u("ta"));
    let a = w.at(w.staff_only);
    let s = uc::submit(&w.env, &a, alice, "Essay").await.unwrap().value;
    assert!(uc::lock(&w.env, s.id, teacher).await.unwrap().is_ok());
    assert_eq!(
        uc::lock_state(&w.env, s.id, teacher).await.unwrap(),
        uc::LockState::Mine
    );
    assert_eq!(
        uc::lock_state(&w.env, s.id, ta).await.unwrap(),
        uc::LockState::Other("teacher".into())
    );
    // The TA's assessment is kept as their draft, not stored.
    let input = review("clarity", "wikilearn-good");
    let done = uc::staff_assess(&w.env, &a, ta, s.id, &input, false)
        .await
        .unwrap();
    assert!(matches!(done.value, StaffOutcome::Locked(ref n) if n == "teacher"));
    assert!(done.told.is_empty());
    let ret = uc::return_for_revision(&w.env, &a, ta, s.id, "Again")
        .await
        .unwrap();
    assert_eq!(ret.value.unwrap_err(), "teacher");
    let course = w.course();
    let rows = uc::queue(&w.env, course, None).await.unwrap();
    assert_eq!(rows[0].locked_by.as_deref(), Some("teacher"));
    assert_eq!(rows[0].status.stage, Stage::WaitingForStaff);
    let facts = CourseFacts {
        published: true,
        enrollment_open: true,
        enrolled: false,
        role: Some(CourseRole::Staff),
        org_role: None,
        hidden: false,
    };
    let access = uc::submission_access(&w.env, s.id, ta).await.unwrap();
    let viewer = access.viewer(&Actor::user(ta, false), &facts).unwrap();
    let d = uc::details(&w.env, &a, viewer, ta, access.submission)
        .await
        .unwrap();
    assert_eq!(d.grader_draft, Some(input));
    assert_eq!(d.locked_by.as_deref(), Some("teacher"));
    assert!(w.log().await.is_empty());
    // Once the teacher lets go, the lock expires for nobody else to wait on.
    uc::unlock(&w.env, s.id, teacher).await.unwrap();
    assert_eq!(
        uc::lock_state(&w.env, s.id, ta).await.unwrap(),
        uc::LockState::Free
    );
    // A lock lasts 30 minutes.
    assert!(uc::lock(&w.env, s.id, teacher).await.unwrap().is_ok());
    w.clock.advance(jiff::SignedDuration::from_mins(31));
    assert_eq!(
        uc::lock_state(&w.env, s.id, ta).await.unwrap(),
        uc::LockState::Free
    );
}

async fn the_queue_and_its_filters(store: Store) {
    use lyceum_core::open_response::rules::QueueFilter as F;
    let w = world(store).await;
    let (alice, bob, teacher) = (w.u("alice"), w.u("bob"), w.u("teacher"));
    let m = w.at(w.staff_only);
    let p = w.at(w.peer);
    let s = uc::submit(&w.env, &m, alice, "One").await.unwrap().value;
    let two = uc::submit(&w.env, &m, bob, "Two").await.unwrap();
    assert!(two.told.is_empty(), "no peer step: nobody to tell");
    let first = uc::submit(&w.env, &p, alice, "Peer one").await.unwrap();
    assert!(first.told.is_empty(), "nobody waits to review yet");
    uc::return_for_revision(&w.env, &m, teacher, s.id, "Again")
        .await
        .unwrap()
        .value
        .unwrap();
    let rows = uc::queue(&w.env, w.course(), None).await.unwrap();
    let count = |f: F| rows.iter().filter(|r| r.is(f)).count();
    assert_eq!(
        F::ALL.map(count),
        // waiting, peer stuck, resubmitted, returned, done, all
        [1, 0, 0, 1, 0, 3]
    );
    let only = uc::queue(&w.env, w.course(), Some(w.peer)).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].learner, "alice");
    // Two days later Alice's peer essay is stuck waiting for reviews.
    w.clock.advance(jiff::SignedDuration::from_hours(49));
    let rows = uc::queue(&w.env, w.course(), None).await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.is(F::PeerStuck)).count(), 1);
    let waiting = uc::waiting_in_courses(&w.env, &[(w.course, &w.tree)])
        .await
        .unwrap();
    assert_eq!(waiting.get(&w.course), Some(&1));
    // Settling records nothing when no score became final.
    let settled = uc::settle_course(&w.env, w.course()).await.unwrap();
    assert_eq!(settled.value, 3);
    assert!(settled.told.is_empty());
}

async fn who_sees_a_submission(store: Store) {
    let w = world(store).await;
    let (alice, bob, carol, ta) = (w.u("alice"), w.u("bob"), w.u("carol"), w.u("ta"));
    let p = w.at(w.peer);
    let s = uc::submit(&w.env, &p, alice, "Mine").await.unwrap().value;
    let second = uc::submit(&w.env, &p, bob, "Bob's").await.unwrap();
    assert_eq!(second.told, vec![alice]);
    uc::next_peer(&w.env, &p, bob).await.unwrap().unwrap();
    let facts = |enrolled: bool, role: Option<CourseRole>| CourseFacts {
        published: true,
        enrollment_open: true,
        enrolled,
        role,
        org_role: None,
        hidden: false,
    };
    let viewer = |user: UserId, f: CourseFacts| {
        let env = w.env.clone();
        async move {
            let access = uc::submission_access(&env, s.id, user).await.unwrap();
            access
                .viewer(&Actor::user(user, false), &f)
                .map_err(|e| e.kind)
        }
    };
    assert_eq!(viewer(alice, facts(true, None)).await, Ok(Viewer::Learner));
    assert_eq!(viewer(bob, facts(true, None)).await, Ok(Viewer::Peer));
    assert_eq!(
        viewer(carol, facts(true, None)).await,
        Err(ErrorKind::NotFound)
    );
    assert_eq!(
        viewer(ta, facts(false, Some(CourseRole::Staff))).await,
        Ok(Viewer::Staff)
    );
    // A peer sees the response only.
    let access = uc::submission_access(&w.env, s.id, bob).await.unwrap();
    let d = uc::details(&w.env, &p, Viewer::Peer, bob, access.submission)
        .await
        .unwrap();
    assert!(d.versions.is_empty() && d.learner.is_none() && d.names.is_empty());
    assert_eq!(d.version.row.text, "Mine");
}
