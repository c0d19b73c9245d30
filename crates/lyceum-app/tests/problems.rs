//! The problem use cases without HTTP: submitting (limits, due dates, retries, refusals
//! that store nothing), resetting, hints, and the course team's rescoring, overrides and
//! attempt resets with their log entries — on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};
use lyceum_app::problems::{self, ProblemAt, Submission};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::capa::{AnswerValue, Answers};
use lyceum_core::clock::FixedClock;
use lyceum_core::course::CourseTree;
use lyceum_core::course::spec::{CourseSpec, expand};
use lyceum_core::permissions::{Actor, CourseFacts, CourseRole};
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::courses::{self, CourseRow};
use lyceum_store::repo::{learner, orgs, problems as repo, users};
use lyceum_store::{MediaStore, Store, testing};
use std::sync::Arc;

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::sqlite().await.unwrap().store).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::testing::postgres().await.unwrap().store).await })*
        }
    };
}

both_backends!(
    submissions_count_once_and_refusals_store_nothing,
    closed_problems_refuse_past_due_and_out_of_attempts,
    resets_and_hints_follow_the_problems_settings,
    only_those_in_the_course_may_work_on_it,
    rescoring_regrades_everyone_in_one_logged_transaction,
    overrides_and_attempt_resets_are_checked_and_logged,
);

const NOW: &str = "2026-03-01T10:00:00Z";
const DUE: &str = "2026-03-02T10:00:00Z";

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    _media: tempfile::TempDir,
    course: CourseRow,
    tree: CourseTree,
    learner: UserId,
    stranger: UserId,
    ta: UserId,
}

impl World {
    fn facts(&self, user: UserId) -> CourseFacts {
        CourseFacts {
            published: true,
            enrollment_open: true,
            enrolled: user == self.learner,
            role: (user == self.ta).then_some(CourseRole::Staff),
            org_role: None,
            hidden: false,
        }
    }

    /// The problem with this title, as `user` sees the course.
    fn problem(&self, title: &str, user: UserId) -> ProblemAt<'_> {
        let idx = (0..self.tree.len())
            .find(|&i| self.tree.node(i).title == title)
            .unwrap();
        ProblemAt::in_tree(&self.tree, idx, &self.course, self.facts(user)).unwrap()
    }

    fn input(&self, title: &str, n: usize) -> String {
        self.problem(title, self.learner)
            .problem
            .inputs()
            .nth(n)
            .unwrap()
            .id
            .clone()
    }

    fn answers(&self, title: &str, values: &[&str]) -> Answers {
        values
            .iter()
            .enumerate()
            .map(|(n, v)| (self.input(title, n), AnswerValue::One((*v).to_owned())))
            .collect()
    }

    fn sub(&self, answers: Answers) -> Submission<'static> {
        Submission {
            answers,
            key: None,
            expected_attempt: None,
            at: self.env.now(),
        }
    }
}

fn actor(u: UserId) -> Actor {
    Actor::user(u, false)
}

async fn world(store: Store) -> World {
    let spec: CourseSpec = serde_json::from_value(serde_json::json!({
        "org": "TESTORG", "code": "PROB", "run": "2026", "language": "en",
        "title": "Problems", "short_description": "", "overview": "", "published": true,
        "grading": {"types": [{"name": "Quiz", "min_count": 1, "weight": 1.0}], "cutoffs": {"Pass": 0.6}, "grace_period_hours": 2},
        "sections": [{"title": "S", "subsections": [{"title": "Q", "graded": true, "format": "Quiz", "due": DUE, "units": [
            {"title": "U", "blocks": [
                {"kind": "problem", "title": "Capital", "max_attempts": 2,
                 "xml": "<problem><stringresponse answer=\"Paris\"><textline/></stringresponse><demandhint><hint>France</hint><hint>Seine</hint></demandhint></problem>"},
                {"kind": "problem", "title": "Two parts", "weight": 4, "show_reset_button": true, "rerandomize": "onreset",
                 "xml": "<problem><stringresponse answer=\"a\"><textline/></stringresponse><numericalresponse answer=\"3.14\"><responseparam type=\"tolerance\" default=\"0.01\"/><formulaequationinput/></numericalresponse></problem>"}
            ]}
        ]}]}]
    }))
    .unwrap();
    let e = expand(spec, &mut |_| None).unwrap();
    let now: Timestamp = NOW.parse().unwrap();
    let ms = now.as_millisecond();
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "TESTORG", "Test org", "", None, ms)
        .await
        .unwrap();
    let id = courses::create(&mut tx, org, &e.course, ms).await.unwrap();
    courses::insert_blocks(&mut tx, id, None, &e.blocks, None, ms)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let learner_id = users::create_user(&mut c, "learner", "learner", "", false, ms)
        .await
        .unwrap();
    let stranger = users::create_user(&mut c, "stranger", "stranger", "", false, ms)
        .await
        .unwrap();
    let ta = users::create_user(&mut c, "ta", "ta", "", false, ms)
        .await
        .unwrap();
    learner::enroll(&mut c, learner_id, id, ms).await.unwrap();
    courses::set_role(&mut c, id, ta, CourseRole::Staff, ms)
        .await
        .unwrap();
    let course = courses::get(&mut c, id).await.unwrap().unwrap();
    let tree = courses::load_tree(&mut c, id).await.unwrap();
    drop(c);
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(now));
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        _media: media,
        course,
        tree,
        learner: learner_id,
        stranger,
        ta,
    }
}

async fn log_actions(w: &World, user: UserId) -> Vec<String> {
    let mut c = w.env.store.conn().await.unwrap();
    repo::actions_for(&mut c, w.course.id(), user)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

async fn submissions(w: &World, user: UserId, block: BlockId) -> usize {
    let mut c = w.env.store.conn().await.unwrap();
    repo::submissions_of(&mut c, user, block)
        .await
        .unwrap()
        .len()
}

async fn submissions_count_once_and_refusals_store_nothing(store: Store) {
    let w = world(store).await;
    let me = actor(w.learner);
    let p = w.problem("Two parts", w.learner);

    // Refused before anything is stored: an empty part, an unknown input, a number
    // written with a decimal comma.
    let mut half = w.answers("Two parts", &["a"]);
    half.insert(w.input("Two parts", 1), AnswerValue::One(String::new()));
    let e = problems::submit(&w.env, &me, &p, w.sub(half))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.error.key.0, "lyceum-error-problem-incomplete");
    assert_eq!(e.error.args, vec!["1", "2", "2"]);
    let mut unknown = w.answers("Two parts", &["a", "3.14"]);
    unknown.insert("nope_2_1".into(), AnswerValue::One("x".into()));
    let e = problems::submit(&w.env, &me, &p, w.sub(unknown))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-error-capa-unknown-input")
    );
    let comma = w.answers("Two parts", &["a", "3,14"]);
    let e = problems::submit(&w.env, &me, &p, w.sub(comma))
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-capa-numerical-comma");
    assert_eq!(
        submissions(&w, w.learner, p.block).await,
        0,
        "nothing stored"
    );

    // Graded: half right, weighted to 4 points; the problem completes.
    let first = w.answers("Two parts", &["a", "3"]);
    let o = problems::submit(&w.env, &me, &p, w.sub(first.clone()))
        .await
        .unwrap();
    assert_eq!(
        (o.earned, o.possible, o.attempts, o.duplicate),
        (2.0, 4.0, 1, false)
    );
    assert!(o.results.is_some(), "correctness shown");
    let mut c = w.env.store.conn().await.unwrap();
    let done = learner::unit_state(&mut c, w.learner, w.tree.node(w.tree.units()[0]).id)
        .await
        .unwrap()
        .completed;
    drop(c);
    assert!(done.contains(&p.block), "submitting completes the problem");

    // The same answers again (a double click): what is stored, no attempt.
    let again = problems::submit(&w.env, &me, &p, w.sub(first))
        .await
        .unwrap();
    assert_eq!((again.attempts, again.duplicate), (1, true));

    // A retried request with its key answers the first result, whatever it carries.
    let right = w.answers("Two parts", &["a", "3.14"]);
    let keyed = Submission {
        key: Some("k-1"),
        ..w.sub(right.clone())
    };
    let o = problems::submit(&w.env, &me, &p, keyed).await.unwrap();
    assert_eq!((o.earned, o.attempts, o.duplicate), (4.0, 2, false));
    let retry = Submission {
        key: Some("k-1"),
        ..w.sub(w.answers("Two parts", &["b", "0"]))
    };
    let o = problems::submit(&w.env, &me, &p, retry).await.unwrap();
    assert_eq!((o.earned, o.attempts, o.duplicate), (4.0, 2, true));

    // A form shown before the last attempt: stale, refused.
    let stale = Submission {
        expected_attempt: Some(1),
        ..w.sub(w.answers("Two parts", &["b", "1"]))
    };
    let e = problems::submit(&w.env, &me, &p, stale).await.unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-error-problem-stale")
    );
    assert_eq!(submissions(&w, w.learner, p.block).await, 2);
}

async fn closed_problems_refuse_past_due_and_out_of_attempts(store: Store) {
    let w = world(store).await;
    let me = actor(w.learner);
    let p = w.problem("Capital", w.learner);
    let wrong = |v: &str| w.sub(w.answers("Capital", &[v]));
    problems::submit(&w.env, &me, &p, wrong("Lyon"))
        .await
        .unwrap();
    problems::submit(&w.env, &me, &p, wrong("Nice"))
        .await
        .unwrap();
    let e = problems::submit(&w.env, &me, &p, wrong("Paris"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-error-problem-no-attempts")
    );

    // Due at 10:00 with two hours' grace: open at 11:59, closed at 12:01.
    let p = w.problem("Two parts", w.learner);
    let due: Timestamp = DUE.parse().unwrap();
    let answers = w.answers("Two parts", &["a", "3.14"]);
    let late = Submission {
        at: due + SignedDuration::from_mins(121),
        ..w.sub(answers.clone())
    };
    let e = problems::submit(&w.env, &me, &p, late).await.unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-error-problem-past-due")
    );
    assert_eq!(submissions(&w, w.learner, p.block).await, 0);
    let in_grace = Submission {
        at: due + SignedDuration::from_mins(119),
        ..w.sub(answers)
    };
    let o = problems::submit(&w.env, &me, &p, in_grace).await.unwrap();
    assert_eq!(o.attempts, 1);
}

async fn resets_and_hints_follow_the_problems_settings(store: Store) {
    let w = world(store).await;
    let me = actor(w.learner);

    // Hints one at a time, then from the first again.
    let capital = w.problem("Capital", w.learner);
    let mut shown = Vec::new();
    for _ in 0..3 {
        shown.push(problems::next_hint(&w.env, &me, &capital).await.unwrap());
    }
    assert_eq!(shown, vec![1, 2, 1]);
    let state = problems::learner_state(&w.env, &capital, w.learner)
        .await
        .unwrap();
    assert_eq!(state.hints_shown, 1);
    let two = w.problem("Two parts", w.learner);
    let e = problems::next_hint(&w.env, &me, &two).await.unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Malformed, "lyceum-error-bad-form"),
        "no hints to show"
    );

    // No reset button, or nothing to reset: refused.
    let e = problems::reset(&w.env, &me, &capital).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    let e = problems::reset(&w.env, &me, &two).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed, "nothing submitted yet");

    // A reset clears the answers and keeps the attempts used.
    problems::submit(
        &w.env,
        &me,
        &two,
        w.sub(w.answers("Two parts", &["a", "3"])),
    )
    .await
    .unwrap();
    problems::reset(&w.env, &me, &two).await.unwrap();
    let state = problems::learner_state(&w.env, &two, w.learner)
        .await
        .unwrap();
    assert!(state.answers.is_empty(), "answers cleared");
    assert_eq!(state.attempts, 1, "attempts stay used");
    assert!(state.seed < 1000);
}

async fn only_those_in_the_course_may_work_on_it(store: Store) {
    let w = world(store).await;
    let answers = w.answers("Capital", &["Paris"]);
    for who in [Actor::ANONYMOUS, actor(w.stranger)] {
        let p = w.problem("Capital", who.user.unwrap_or(UserId(0)));
        let e = problems::submit(&w.env, &who, &p, w.sub(answers.clone()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{who:?}");
        let e = problems::next_hint(&w.env, &who, &p).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{who:?}");
    }
    // The course team may try problems; its rules (answers for staff) apply.
    let p = w.problem("Capital", w.ta);
    let o = problems::submit(&w.env, &actor(w.ta), &p, w.sub(answers))
        .await
        .unwrap();
    assert_eq!(o.attempts, 1);
}

async fn rescoring_regrades_everyone_in_one_logged_transaction(store: Store) {
    let w = world(store).await;
    let me = actor(w.learner);
    let p = w.problem("Capital", w.learner);
    problems::submit(&w.env, &me, &p, w.sub(w.answers("Capital", &["Lyon"])))
        .await
        .unwrap();

    // Learners may not rescore; to them the tool is not there.
    let e = problems::rescore(&w.env, &me, &p).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);

    // The author corrects the answer to Lyon: the stored submission is right now.
    let mut corrected = p.content.clone();
    corrected.xml = corrected.xml.replace("Paris", "Lyon");
    corrected.parsed = None;
    corrected
        .parse(&w.tree.node(w.tree.index_of(p.block).unwrap()).url_name)
        .unwrap();
    let ta_view = ProblemAt {
        facts: w.facts(w.ta),
        content: &corrected,
        problem: corrected.parsed.clone().unwrap(),
        ..p.clone()
    };
    w.clock.advance(SignedDuration::from_mins(5));
    let s = problems::rescore(&w.env, &actor(w.ta), &ta_view)
        .await
        .unwrap();
    assert_eq!((s.learners, s.changed, s.skipped), (1, 1, 0));
    let state = problems::learner_state(&w.env, &ta_view, w.learner)
        .await
        .unwrap();
    assert_eq!(state.raw, Some((1.0, 1.0)));
    assert_eq!(log_actions(&w, w.learner).await, vec!["rescore"]);
    // Again: nothing changes.
    let s = problems::rescore(&w.env, &actor(w.ta), &ta_view)
        .await
        .unwrap();
    assert_eq!((s.learners, s.changed), (1, 0));
}

async fn overrides_and_attempt_resets_are_checked_and_logged(store: Store) {
    let w = world(store).await;
    let me = actor(w.learner);
    let ta = actor(w.ta);
    let p = w.problem("Two parts", w.learner);
    problems::submit(&w.env, &me, &p, w.sub(w.answers("Two parts", &["b", "0"])))
        .await
        .unwrap();
    let staff_view = w.problem("Two parts", w.ta);

    // Out of range or without a reason: refused with the message, nothing stored.
    let e = problems::override_score(&w.env, &ta, &staff_view, w.learner, "5", "why")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0, e.error.args.clone()),
        (
            ErrorKind::Invalid,
            "lyceum-error-override-points",
            vec!["4".to_owned()]
        )
    );
    let e = problems::override_score(&w.env, &ta, &staff_view, w.learner, "3", " ")
        .await
        .unwrap_err();
    assert_eq!(e.error.key.0, "lyceum-error-override-reason");
    // A learner cannot override, not even their own score.
    let e = problems::override_score(&w.env, &me, &p, w.learner, "4", "mine")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(log_actions(&w, w.learner).await.is_empty());

    let points =
        problems::override_score(&w.env, &ta, &staff_view, w.learner, "3,5", "Sent by email")
            .await
            .unwrap();
    assert_eq!(points, 3.5);
    let mut c = w.env.store.conn().await.unwrap();
    let o = repo::overrides(&mut c, w.course.id(), Some(&[w.learner]))
        .await
        .unwrap();
    drop(c);
    assert_eq!((o[0].earned, o[0].reason.as_str()), (3.5, "Sent by email"));

    assert!(
        problems::remove_override(&w.env, &ta, &staff_view, w.learner)
            .await
            .unwrap()
    );
    assert!(
        !problems::remove_override(&w.env, &ta, &staff_view, w.learner)
            .await
            .unwrap()
    );
    assert!(
        problems::reset_attempts(&w.env, &ta, &staff_view, w.learner)
            .await
            .unwrap()
    );
    let state = problems::learner_state(&w.env, &p, w.learner)
        .await
        .unwrap();
    assert_eq!(state.attempts, 0, "attempts given back");
    // Only what happened is logged (the second removal found nothing), newest first.
    assert_eq!(
        log_actions(&w, w.learner).await,
        vec!["reset-attempts", "remove-override", "override"]
    );
    // Someone else's learner record: a stranger is no learner of the team's to touch,
    // and the stranger cannot touch anyone's.
    let e = problems::reset_attempts(
        &w.env,
        &actor(w.stranger),
        &w.problem("Two parts", w.stranger),
        w.learner,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}
