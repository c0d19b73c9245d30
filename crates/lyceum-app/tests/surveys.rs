//! Survey use cases without HTTP: who may answer, what is stored with a response
//! (completion, participation credit), when answers are refused, and the report with its
//! before/after pairs — on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

use lyceum_app::surveys::{self, CourseRef};
use lyceum_app::{Env, ErrorKind};
use lyceum_core::blocks::survey::{Choice, Question, QuestionType, Survey, SurveyContent};
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::course::spec::{CourseSpec, NewBlock, expand};
use lyceum_core::course::{CourseTree, Visibility};
use lyceum_core::permissions::{Actor, CourseFacts, CourseRole};
use lyceum_core::{BlockId, CourseId, FixedClock, UserId};
use lyceum_store::repo::{courses, learner, orgs, problems, users};
use lyceum_store::{MediaStore, Store, testing};
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
    learners_answer_and_complete_with_credit,
    refused_answers_store_nothing,
    reports_are_for_staff_and_pair_before_and_after,
);

const T0: &str = "2026-03-01T12:00:00Z";

fn likert(id: &str) -> Question {
    let mut q = Question::new(id, QuestionType::Likert, format!("Confident about {id}?"));
    q.required = true;
    q.points = Some(5);
    q
}

fn before_survey() -> SurveyContent {
    SurveyContent {
        questions: vec![likert("edit"), likert("cite")],
        ..SurveyContent::default()
    }
}

fn after_survey() -> SurveyContent {
    let mut reason = Question::new("reason", QuestionType::SingleChoice, "Why did you finish?");
    reason.choices = vec![
        Choice::new("cert", "Certificate"),
        Choice::new("job", "Work"),
    ];
    reason.required = true;
    let mut useful = Question::new("useful", QuestionType::LongText, "Most useful?");
    useful.required = false;
    SurveyContent {
        questions: vec![
            likert("edit"),
            likert("cite"),
            Question::new("recommend", QuestionType::Rating, "Recommend 0-10?"),
            reason,
            useful,
        ],
        before: Some("before".into()),
        final_on_submit: true,
        weight: Some(3.0),
        closes: Some("2026-04-01T00:00:00Z".parse().unwrap()),
        ..SurveyContent::default()
    }
}

fn leaf(url_name: &str, c: SurveyContent) -> NewBlock {
    let c = Survey::into_leaf(Survey::validate(c).unwrap());
    NewBlock {
        kind: c.kind().to_owned(),
        url_name: url_name.to_owned(),
        title: url_name.to_owned(),
        release_at: None,
        content: c.encode(),
        children: Vec::new(),
    }
}

struct World {
    env: Env,
    clock: Arc<FixedClock>,
    course: CourseId,
    tree: CourseTree,
    before: BlockId,
    after: BlockId,
    _media: tempfile::TempDir,
}

async fn world(store: Store) -> World {
    let spec: CourseSpec = serde_json::from_value(json!({
        "org": "WIKI", "code": "SURV", "run": "2026", "language": "en",
        "title": "Surveys", "short_description": "", "overview": "", "published": true,
        "sections": [{"title": "S", "subsections": [{"title": "SS", "units": [
            {"title": "U", "blocks": [{"kind": "text", "markdown": "Hi"}]}
        ]}]}]
    }))
    .unwrap();
    let mut e = expand(spec, &mut |_| None).unwrap();
    let unit = &mut e.blocks[0].children[0].children[0];
    unit.children.push(leaf("before", before_survey()));
    unit.children.push(leaf("after", after_survey()));
    let mut tx = store.begin().await.unwrap();
    let org = orgs::upsert(&mut tx, "WIKI", "Wiki", "", None, 0)
        .await
        .unwrap();
    let course = courses::create(&mut tx, org, &e.course, 0).await.unwrap();
    courses::insert_blocks(&mut tx, course, None, &e.blocks, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.conn().await.unwrap();
    let tree = courses::load_tree(&mut c, course).await.unwrap();
    drop(c);
    let id = |n: &str| tree.node(tree.find_url_name(n).unwrap()).id;
    let (before, after) = (id("before"), id("after"));
    let media = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(T0.parse().unwrap()));
    World {
        env: Env {
            store,
            media: MediaStore::new(media.path()).unwrap(),
            clock: clock.clone(),
        },
        clock,
        course,
        tree,
        before,
        after,
        _media: media,
    }
}

impl World {
    async fn learner(&self, name: &str) -> UserId {
        let mut c = self.env.store.conn().await.unwrap();
        let u = users::create_user(&mut c, name, &name.to_lowercase(), "", false, 0)
            .await
            .unwrap();
        learner::enroll(&mut c, u, self.course, 0).await.unwrap();
        u
    }

    fn vis(&self) -> Visibility {
        Visibility {
            now: self.env.now(),
            course_start: None,
            see_unreleased: false,
        }
    }

    fn as_<'a>(
        &'a self,
        user: Option<UserId>,
        enrolled: bool,
        role: Option<CourseRole>,
        vis: &'a Visibility,
    ) -> CourseRef<'a> {
        CourseRef {
            id: self.course,
            tree: &self.tree,
            vis,
            facts: CourseFacts {
                published: true,
                enrollment_open: true,
                enrolled,
                role,
                org_role: None,
                hidden: false,
            },
            actor: Actor {
                user,
                ..Actor::ANONYMOUS
            },
        }
    }
}

fn answers(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

async fn learners_answer_and_complete_with_credit(store: Store) {
    let w = world(store).await;
    let ana = w.learner("Ana").await;
    let vis = w.vis();
    let me = w.as_(Some(ana), true, None, &vis);
    let v = surveys::view(&w.env, &me, w.before).await.unwrap();
    assert!(v.response.is_none() && v.may_answer.is_ok());

    // Editable: answered, then changed; the first submission time is kept.
    let first = surveys::save(
        &w.env,
        &me,
        w.before,
        &answers(json!({"edit": 2, "cite": 3})),
    )
    .await
    .unwrap();
    w.clock.advance(jiff::SignedDuration::from_mins(5));
    let second = surveys::save(
        &w.env,
        &me,
        w.before,
        &answers(json!({"edit": 3, "cite": 3})),
    )
    .await
    .unwrap();
    assert_eq!(second.submitted_at, first.submitted_at);
    assert!(second.updated_at > first.updated_at);
    let v = surveys::view(&w.env, &me, w.before).await.unwrap();
    assert_eq!(v.response.unwrap().answers["edit"].number(), Some(3));

    // Final on submit, with credit: once, completed and scored.
    let sent = answers(
        json!({"edit": 4, "cite": 4, "recommend": 9, "reason": "cert", "useful": "Citations"}),
    );
    surveys::save(&w.env, &me, w.after, &sent).await.unwrap();
    let again = surveys::save(&w.env, &me, w.after, &sent)
        .await
        .unwrap_err();
    assert_eq!(
        (again.kind, again.error.key.0),
        (ErrorKind::Conflict, "lyceum-error-survey-final")
    );
    let mut c = w.env.store.conn().await.unwrap();
    let done = learner::completed_in_course(&mut c, ana, w.course)
        .await
        .unwrap();
    assert!(
        done.contains(&w.before) && done.contains(&w.after),
        "{done:?}"
    );
    let scores = problems::scores_of(&mut c, ana, w.course).await.unwrap();
    assert_eq!(scores, vec![(w.after, 1.0, 1.0, 1)]);
    let unit = surveys::responses_in(&w.env, ana, &[w.before, w.after])
        .await
        .unwrap();
    assert_eq!(unit.len(), 2);

    // Not enrolled, or anonymous: the survey does not exist for them.
    let ben = {
        users::create_user(&mut c, "Ben", "ben", "", false, 0)
            .await
            .unwrap()
    };
    drop(c);
    for who in [
        w.as_(Some(ben), false, None, &vis),
        w.as_(None, false, None, &vis),
    ] {
        let e = surveys::view(&w.env, &who, w.before).await.err().unwrap();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = surveys::save(
            &w.env,
            &who,
            w.before,
            &answers(json!({"edit": 1, "cite": 1})),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
    // A block that is not a survey is not found either.
    let text = w.tree.node(w.tree.children(w.tree.units()[0])[0]).id;
    assert_eq!(
        surveys::view(&w.env, &me, text).await.err().unwrap().kind,
        ErrorKind::NotFound
    );

    // After the close date: a conflict, nothing stored.
    let cleo = w.learner("Cleo").await;
    w.clock.set("2026-04-02T00:00:00Z".parse().unwrap());
    let late = w.as_(Some(cleo), true, None, &vis);
    let e = surveys::save(&w.env, &late, w.after, &sent)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Conflict, "lyceum-error-survey-closed")
    );
    assert!(
        surveys::view(&w.env, &late, w.after)
            .await
            .unwrap()
            .response
            .is_none()
    );
}

async fn refused_answers_store_nothing(store: Store) {
    let w = world(store).await;
    let ana = w.learner("Ana").await;
    let vis = w.vis();
    let me = w.as_(Some(ana), true, None, &vis);
    let e = surveys::save(&w.env, &me, w.after, &answers(json!({"edit": 4})))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.error.key.0),
        (ErrorKind::Invalid, "lyceum-error-survey-missing")
    );
    assert_eq!(
        lyceum_core::blocks::survey::answers::missing_ids(&e.error),
        ["cite", "reason"]
    );
    for bad in [
        json!({"nope": 1}),
        json!({"edit": 9}),
        json!({"reason": "other"}),
        json!({"edit": "x"}),
    ] {
        let e = surveys::save(&w.env, &me, w.before, &answers(bad))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
    }
    assert!(
        surveys::view(&w.env, &me, w.before)
            .await
            .unwrap()
            .response
            .is_none()
    );
    let mut c = w.env.store.conn().await.unwrap();
    assert!(
        learner::completed_in_course(&mut c, ana, w.course)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn reports_are_for_staff_and_pair_before_and_after(store: Store) {
    let w = world(store).await;
    let vis = w.vis();
    // (before edit, after edit) per learner; the last one answers only before.
    let plan = [(1, 3), (2, 2), (4, 3), (2, 5), (3, 4), (1, 0)];
    for (i, (b, a)) in plan.iter().enumerate() {
        let u = w.learner(&format!("L{i}")).await;
        let me = w.as_(Some(u), true, None, &vis);
        surveys::save(
            &w.env,
            &me,
            w.before,
            &answers(json!({"edit": b, "cite": 2})),
        )
        .await
        .unwrap();
        if *a > 0 {
            let sent = json!({"edit": a, "cite": 2, "recommend": 8, "reason": "job", "useful": format!("note {i}")});
            surveys::save(&w.env, &me, w.after, &answers(sent))
                .await
                .unwrap();
        }
    }
    let _idle = w.learner("Idle").await;
    let staff_vis = Visibility {
        see_unreleased: true,
        ..vis
    };
    let staff_user = w.learner("Staff").await;
    let staff = w.as_(Some(staff_user), false, Some(CourseRole::Staff), &staff_vis);
    let r = surveys::report(&w.env, &staff, w.after).await.unwrap();
    assert_eq!(r.before.map(|b| b.0), Some(w.before));
    // 8 enrolled (six learners, Idle, and Staff's own enrolment), five responses.
    assert_eq!((r.report.responses, r.report.enrolled), (5, 8));
    let edit = &r.report.questions[0];
    let p = edit.paired.clone().unwrap();
    assert_eq!(
        (p.learners, p.improved, p.same, p.declined),
        (5, Some(3), Some(1), Some(1))
    );
    assert_eq!((p.mean_before, p.mean_after), (Some(2.4), Some(3.4)));
    let useful = &r.report.questions[4];
    assert_eq!(useful.texts.len(), 5);
    assert_eq!(useful.texts[0].name.as_deref(), Some("L0"));
    // Learners and strangers: no report.
    let l = w.as_(Some(staff_user), true, None, &vis);
    assert_eq!(
        surveys::report(&w.env, &l, w.after)
            .await
            .err()
            .unwrap()
            .kind,
        ErrorKind::NotFound
    );
    let all = surveys::surveys_in(&staff);
    assert_eq!(
        all.iter().map(|s| s.block).collect::<Vec<_>>(),
        [w.before, w.after]
    );
}
