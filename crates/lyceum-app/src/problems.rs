//! Problems: a learner submits answers, resets them, asks for the next hint; the course
//! team rescores a problem for everyone, overrides one learner's score or gives their
//! attempts back. One submission path serves the page form, the JSON API, the demo and
//! the benchmarks — attempt limits, due dates with the course's grace period, unknown
//! inputs, unreadable numbers (no attempt used) and retried or doubled requests (never
//! counted twice). The rules are `lyceum_core::capa::attempts`; this module reads and
//! writes the store around them.

use crate::{Env, Error, Result};
use jiff::Timestamp;
use lyceum_core::blocks::problem::ProblemKind;
use lyceum_core::blocks::{GradingMethod, ProblemContent};
use lyceum_core::capa::{self, Answers, AttemptState, Correctness, GradeError, Problem, attempts};
use lyceum_core::clock::from_millis;
use lyceum_core::course::CourseTree;
use lyceum_core::permissions::{Action, Actor, CourseFacts, Decision, Resource, can};
use lyceum_core::{BlockId, CourseId, DomainError, UserId};
use lyceum_store::StoreError;
use lyceum_store::repo::courses::{self, CourseRow};
use lyceum_store::repo::problems::{self, NewSubmission, ProblemStateRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One problem of a loaded course, as one actor sees the course: what every use case
/// here works on. Built from the course's tree by [`ProblemAt::in_tree`].
#[derive(Clone)]
pub struct ProblemAt<'a> {
    pub course: CourseId,
    /// The actor's relation to the course (enrolled, role), for `can`.
    pub facts: CourseFacts,
    pub block: BlockId,
    pub content: &'a ProblemContent,
    pub problem: Arc<Problem>,
    /// When submissions close (due or course end, plus the grace period); `None`: never.
    pub closes: Option<Timestamp>,
}

impl<'a> ProblemAt<'a> {
    /// The problem at `idx` of `tree` (the content of `course`), or not found: another
    /// kind of block, or a problem whose XML could not be read.
    pub fn in_tree(
        tree: &'a CourseTree,
        idx: usize,
        course: &CourseRow,
        facts: CourseFacts,
    ) -> Result<ProblemAt<'a>> {
        let node = tree.node(idx);
        let Some(content) = node.content_of::<ProblemKind>() else {
            return Err(Error::not_found());
        };
        let problem = content.parsed.clone().ok_or_else(Error::not_found)?;
        Ok(ProblemAt {
            course: course.id(),
            facts,
            block: node.id,
            content,
            problem,
            closes: attempts::submissions_close(
                tree.due_of(idx),
                course.end_at.map(from_millis),
                course.grading().grace_period_secs,
            ),
        })
    }

    pub fn past_due(&self, now: Timestamp) -> bool {
        self.closes.is_some_and(|c| c < now)
    }

    /// Whether the actor is on the course team (staff see answers and their rules).
    fn staff(&self, actor: &Actor) -> bool {
        can(actor, Action::Grade, Resource::Course(&self.facts)).allowed()
    }

    /// Whether `answers` can be graded at all: the problem is one this platform scores,
    /// and every answer names one of its inputs.
    fn answerable(&self, answers: &Answers) -> Result<()> {
        self.unsupported()?;
        match answers.keys().find(|id| self.problem.input(id).is_none()) {
            Some(id) => Err(Error::invalid(
                DomainError::new("lyceum-error-capa-unknown-input").with_arg(id.clone()),
            )),
            None => Ok(()),
        }
    }

    fn unsupported(&self) -> Result<()> {
        match self.problem.unsupported {
            Some(_) => Err(Error::invalid(DomainError::new(
                "lyceum-error-problem-unsupported",
            ))),
            None => Ok(()),
        }
    }
}

/// The learner working on a problem: the actor, if they may work in the course's
/// content (enrolled, or on the course team). To anyone else the problem is private:
/// not found.
fn working_learner(actor: &Actor, at: &ProblemAt<'_>) -> Result<UserId> {
    match (
        actor.user,
        can(actor, Action::ViewCourseware, Resource::Course(&at.facts)),
    ) {
        (Some(user), Decision::Allow) => Ok(user),
        _ => Err(Error::not_found()),
    }
}

/// The course team member acting on `learner`'s record, or not found.
fn grader(actor: &Actor, at: &ProblemAt<'_>, learner: UserId) -> Result<UserId> {
    let record = Resource::LearnerRecord {
        course: &at.facts,
        learner,
    };
    match (actor.user, can(actor, Action::Grade, record)) {
        (Some(staff), Decision::Allow) => Ok(staff),
        _ => Err(Error::not_found()),
    }
}

/// One input's result, as stored with a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredResult {
    pub correctness: Correctness,
    pub earned: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

pub type Results = BTreeMap<String, StoredResult>;

fn results_of(g: &capa::Graded) -> Results {
    g.inputs
        .iter()
        .map(|(k, r)| {
            (
                k.clone(),
                StoredResult {
                    correctness: r.correctness,
                    earned: r.earned,
                    feedback: r.feedback.clone(),
                },
            )
        })
        .collect()
}

/// A learner's state on a problem, decoded.
#[derive(Clone, Debug, Default)]
pub struct LearnerProblem {
    pub attempts: i64,
    pub answers: Answers,
    pub results: Results,
    /// Raw earned/possible per the grading method.
    pub raw: Option<(f64, f64)>,
    pub seed: u64,
    pub hints_shown: usize,
}

impl LearnerProblem {
    pub fn from_row(row: &ProblemStateRow) -> LearnerProblem {
        LearnerProblem {
            attempts: row.attempts,
            answers: serde_json::from_str(&row.answers).unwrap_or_default(),
            results: serde_json::from_str(&row.results).unwrap_or_default(),
            raw: row.raw_earned.zip(row.raw_possible),
            seed: u64::try_from(row.seed).unwrap_or(1),
            hints_shown: usize::try_from(row.hints_shown).unwrap_or(0),
        }
    }

    /// The state of a learner who has not worked on the problem yet: their seed.
    pub fn fresh(content: &ProblemContent, user: UserId, block: BlockId) -> LearnerProblem {
        LearnerProblem {
            seed: attempts::seed_for(content, Some(user), block),
            ..LearnerProblem::default()
        }
    }

    /// Where the learner stands for the show and closing rules.
    pub fn attempt_state(
        &self,
        content: &ProblemContent,
        past_due: bool,
        staff: bool,
    ) -> AttemptState {
        attempts::attempt_state(content, self.attempts, self.raw, past_due, staff)
    }
}

/// The learner's state on a problem (with their seed when there is none yet).
pub async fn learner_state(env: &Env, at: &ProblemAt<'_>, user: UserId) -> Result<LearnerProblem> {
    let mut c = env.store.conn().await?;
    Ok(match problems::state(&mut c, user, at.block).await? {
        Some(r) => LearnerProblem::from_row(&r),
        None => LearnerProblem::fresh(at.content, user, at.block),
    })
}

// ---------- Submitting ----------

/// One learner's answers to one problem, from the page form, the API or the demo.
pub struct Submission<'a> {
    pub answers: Answers,
    /// An idempotency key (form field or `Idempotency-Key` header).
    pub key: Option<&'a str>,
    /// The attempts the form was rendered with, to catch a second tab submitting stale work.
    pub expected_attempt: Option<i64>,
    /// When it was submitted (due dates are checked against it).
    pub at: Timestamp,
}

/// What a submission returns to the page or the API.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Per-input results, or `None` when the problem hides correctness for now.
    pub results: Option<Results>,
    /// Weighted points of this submission, and possible.
    pub earned: f64,
    pub possible: f64,
    pub attempts: i64,
    pub max_attempts: Option<u32>,
    /// The same submission had been recorded already (a retry or a second click).
    pub duplicate: bool,
}

/// A stored submission reported back: its results, shown or not.
struct Reported<'a> {
    results: &'a str,
    raw_earned: f64,
    raw_possible: f64,
    attempts: i64,
    show_correctness: bool,
    duplicate: bool,
}

fn outcome(content: &ProblemContent, r: Reported<'_>) -> Outcome {
    let (earned, possible) = capa::weighted(r.raw_earned, r.raw_possible, content.weight);
    Outcome {
        results: r
            .show_correctness
            .then(|| serde_json::from_str(r.results).unwrap_or_default()),
        earned,
        possible,
        attempts: r.attempts,
        max_attempts: content.max_attempts,
        duplicate: r.duplicate,
    }
}

fn stale() -> Error {
    Error::conflict(attempts::Refusal::Stale.key())
}

/// The author's "Check" in the editor's preview: `answers` graded against the problem
/// as it is (the draft), as a learner's first attempt would be, storing nothing. The
/// same refusals as a submission (an empty input, an unreadable number).
pub fn check_only(at: &ProblemAt<'_>, answers: &Answers, seed: u64) -> Result<LearnerProblem> {
    let g = grade(at, answers)?;
    Ok(LearnerProblem {
        attempts: 1,
        answers: answers.clone(),
        results: results_of(&g),
        raw: Some((g.earned, g.possible)),
        seed,
        hints_shown: 0,
    })
}

/// Grade `answers`, or say why they cannot be: nothing is stored either way.
fn grade(at: &ProblemAt<'_>, answers: &Answers) -> Result<capa::Graded> {
    // Open edX takes a submission only once every input is answered: an empty one is
    // not graded and uses no attempt, and the learner is told which are missing.
    let missing = capa::missing_inputs(&at.problem, answers);
    if !missing.is_empty() {
        return Err(Error::invalid(attempts::incomplete_error(
            at.problem.inputs().count(),
            &missing,
        )));
    }
    capa::grade(&at.problem, answers).map_err(|e| match e {
        GradeError::StudentInput { key, args, .. } => {
            Error::invalid(attempts::clearer_number_error(key, args))
        }
        e @ (GradeError::UnknownInput(_) | GradeError::InvalidAnswer(_)) => {
            Error::invalid(e.message())
        }
        GradeError::Problem(e) => {
            tracing::warn!(block = at.block.0, error = ?e, "a problem could not grade an answer");
            Error::invalid(e)
        }
        GradeError::Unsupported => {
            Error::invalid(DomainError::new("lyceum-error-problem-unsupported"))
        }
    })
}

/// Submit the actor's answers to a problem of a course they work in (enrolled or on the
/// team; to anyone else it is not found). A retried request (same key) or the same
/// answers again answer what is stored without using an attempt; a stale form, past
/// due or no attempts left are conflicts; an empty input, an unknown input or an
/// unreadable number is invalid — none of these store anything.
pub async fn submit(
    env: &Env,
    actor: &Actor,
    at: &ProblemAt<'_>,
    sub: Submission<'_>,
) -> Result<Outcome> {
    let user = working_learner(actor, at)?;
    let staff = at.staff(actor);
    let Submission {
        answers,
        key,
        expected_attempt,
        at: now,
    } = sub;
    let (content, block) = (at.content, at.block);
    at.answerable(&answers)?;
    let mut c = env.store.conn().await?;
    // The state and the last submission from one snapshot: a submission another tab
    // commits after it takes the number this request takes too, and the unique
    // constraint refuses one of them.
    let (state_row, last) = problems::state_and_last(&mut c, user, block).await?;
    let learner = state_row
        .map(|r| LearnerProblem::from_row(&r))
        .unwrap_or_default();
    let state = learner.attempt_state(content, at.past_due(now), staff);
    let show_correctness =
        capa::may_show_correctness(content.show_correctness(), &state, at.closes.is_some());
    let answers_json = serde_json::to_string(&answers).map_err(Error::internal)?;
    let stored = |s: &problems::SubmissionRow, attempts: i64| {
        outcome(
            content,
            Reported {
                results: &s.results,
                raw_earned: s.raw_earned,
                raw_possible: s.raw_possible,
                attempts,
                show_correctness,
                duplicate: true,
            },
        )
    };

    if let Some(s) = repeated(
        &mut c,
        user,
        block,
        key,
        &learner,
        last.as_ref(),
        &answers_json,
    )
    .await?
    {
        return Ok(stored(&s, learner.attempts));
    }
    if let Some(refused) = attempts::refusal(&state, expected_attempt) {
        return Err(Error::conflict(refused.key()));
    }
    let graded = grade(at, &answers)?;
    let results = serde_json::to_string(&results_of(&graded)).map_err(Error::internal)?;
    let attempt = learner.attempts + 1;
    let score = score_after(&mut c, content, user, block, graded.earned).await?;
    drop(c);
    let seed = learner
        .seed
        .max(attempts::seed_for(content, Some(user), block));
    let new = NewSubmission {
        user,
        block,
        course: at.course,
        seq: last.as_ref().map_or(1, |l| l.attempt + 1),
        attempts: attempt,
        answers: &answers_json,
        results: &results,
        raw_earned: graded.earned,
        raw_possible: graded.possible,
        score,
        idempotency_key: key,
        seed: i64::try_from(seed).unwrap_or(1),
        now: now.as_millisecond(),
    };
    if let Some((first, attempts)) = record(env, &new).await? {
        return Ok(stored(&first, attempts));
    }
    let after = AttemptState {
        attempts: u32::try_from(attempt).unwrap_or(u32::MAX),
        is_correct: graded.earned >= graded.possible,
        ..state
    };
    Ok(outcome(
        content,
        Reported {
            results: &results,
            raw_earned: graded.earned,
            raw_possible: graded.possible,
            attempts: attempt,
            show_correctness: capa::may_show_correctness(
                content.show_correctness(),
                &after,
                at.closes.is_some(),
            ),
            duplicate: false,
        },
    ))
}

/// A retried request (same key) or the same answers as the last submission again: the
/// stored submission, so that no attempt is used.
async fn repeated(
    c: &mut lyceum_store::Conn,
    user: UserId,
    block: BlockId,
    key: Option<&str>,
    learner: &LearnerProblem,
    last: Option<&problems::SubmissionRow>,
    answers_json: &str,
) -> Result<Option<problems::SubmissionRow>> {
    if let Some(k) = key
        && let Some(s) = problems::submission_by_key(c, user, block, k).await?
    {
        return Ok(Some(s));
    }
    Ok(last
        .filter(|l| learner.attempts > 0 && l.answers == answers_json)
        .cloned())
}

/// The learner's score once an attempt earning `earned` (raw) is added, by the problem's
/// grading method: the last attempt's, or the first, the best or the mean of all.
async fn score_after(
    c: &mut lyceum_store::Conn,
    content: &ProblemContent,
    user: UserId,
    block: BlockId,
    earned: f64,
) -> Result<f64> {
    Ok(match content.grading_method {
        GradingMethod::LastScore => earned,
        method => {
            let mut all: Vec<f64> = problems::submissions_of(c, user, block)
                .await?
                .iter()
                .map(|s| s.raw_earned)
                .collect();
            all.push(earned);
            method.pick(&all).unwrap_or(earned)
        }
    })
}

/// Store a graded submission and complete the problem, in one transaction. `None`: it is
/// stored. When another request recorded this attempt (or this key) first, that one is
/// the answer if it carries the same answers (a double click), with the attempts now
/// used; different answers from another tab are refused as stale, as the learner should
/// see the newer result first.
async fn record(
    env: &Env,
    new: &NewSubmission<'_>,
) -> Result<Option<(problems::SubmissionRow, i64)>> {
    match problems::record_graded(&env.store, new).await {
        Ok(()) => Ok(None),
        Err(StoreError::Conflict) => {
            let mut c = env.store.conn().await?;
            let first = match new.idempotency_key {
                Some(k) => problems::submission_by_key(&mut c, new.user, new.block, k).await?,
                None => problems::last_submission(&mut c, new.user, new.block).await?,
            };
            let attempts = problems::state(&mut c, new.user, new.block)
                .await?
                .map_or(new.attempts, |s| s.attempts);
            match first {
                Some(s) if new.idempotency_key.is_some() || s.answers == new.answers => {
                    Ok(Some((s, attempts)))
                }
                _ => Err(stale()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Submit `answers` as `user` to the problem `block` of the course `course_key`, at
/// `at`, exactly as the page form would (limits and due dates included): how the demo
/// and the benchmarks seed learners' work. Returns the weighted (earned, possible).
pub async fn submit_as_learner(
    env: &Env,
    course_key: &str,
    block: BlockId,
    user: UserId,
    answers: Answers,
    at: Timestamp,
) -> Result<(f64, f64)> {
    let mut c = env.store.conn().await?;
    let (row, viewer) = courses::find_for_viewer(&mut c, course_key, Some(user))
        .await?
        .ok_or_else(Error::not_found)?;
    let tree = courses::load_tree(&mut c, row.id()).await?;
    drop(c);
    let facts = CourseFacts {
        published: row.published,
        enrollment_open: row.enrollment_open,
        enrolled: viewer.enrolled,
        role: viewer.role,
        org_role: viewer.org_role,
        hidden: row.hidden_at.is_some(),
    };
    let idx = tree.index_of(block).ok_or_else(Error::not_found)?;
    let problem = ProblemAt::in_tree(&tree, idx, &row, facts)?;
    let sub = Submission {
        answers,
        key: None,
        expected_attempt: None,
        at,
    };
    let o = submit(env, &Actor::user(user, false), &problem, sub).await?;
    Ok((o.earned, o.possible))
}

// ---------- The learner's other actions ----------

/// Clear the actor's answers so they can try again (their attempts stay used). A problem
/// that rerandomizes on reset gets a new draw; others keep their order. Refused as a
/// malformed request when the problem offers no reset or there is nothing to reset.
pub async fn reset(env: &Env, actor: &Actor, at: &ProblemAt<'_>) -> Result<()> {
    let user = working_learner(actor, at)?;
    let learner = learner_state(env, at, user).await?;
    if !attempts::may_reset(at.content, learner.attempts) {
        return Err(Error::malformed("lyceum-error-bad-form"));
    }
    let seed =
        attempts::seed_after_reset(
            at.content,
            learner.seed,
            || u64::from(rand::random::<u16>()),
        );
    let mut c = env.store.conn().await?;
    problems::reset_answers(
        &mut c,
        user,
        at.block,
        i64::try_from(seed).unwrap_or(1),
        env.now_ms(),
    )
    .await?;
    Ok(())
}

/// Show the actor the next hint (after the last, the first again). Refused as a
/// malformed request when the problem has no hints. Returns how many hints show now.
pub async fn next_hint(env: &Env, actor: &Actor, at: &ProblemAt<'_>) -> Result<usize> {
    let user = working_learner(actor, at)?;
    let learner = learner_state(env, at, user).await?;
    let shown = attempts::next_hint(learner.hints_shown, at.problem.hints.len())
        .ok_or_else(|| Error::malformed("lyceum-error-bad-form"))?;
    let mut c = env.store.conn().await?;
    problems::show_hint(
        &mut c,
        user,
        at.block,
        at.course,
        i64::try_from(learner.seed).unwrap_or(1),
        i64::try_from(shown).unwrap_or(1),
        env.now_ms(),
    )
    .await?;
    Ok(shown)
}

// ---------- The course team's actions ----------

/// What rescoring a problem changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RescoreSummary {
    pub learners: usize,
    /// Learners whose score changed.
    pub changed: usize,
    /// Submissions that can no longer be graded (an input was removed): left as scored.
    pub skipped: usize,
}

/// Grade every stored submission of the problem again as it is now (after its answer was
/// corrected), and set each learner's score from them by the problem's grading method.
/// One transaction with its log entry: every grade is right afterwards, or none changed.
/// For the course team; to anyone else the problem's records are not found.
pub async fn rescore(env: &Env, actor: &Actor, at: &ProblemAt<'_>) -> Result<RescoreSummary> {
    let staff = match (
        actor.user,
        can(actor, Action::Grade, Resource::Course(&at.facts)),
    ) {
        (Some(staff), Decision::Allow) => staff,
        _ => return Err(Error::not_found()),
    };
    at.unsupported()?;
    let block = at.block;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let all = problems::submissions_for_block(&mut tx, block).await?;
    let mut summary = RescoreSummary::default();
    // Submissions come ordered by learner: one run of them per learner.
    for mine in all.chunk_by(|a, b| a.user_id == b.user_id) {
        let user = UserId(mine[0].user_id);
        summary.learners += 1;
        let mut rescored = Vec::new();
        let mut earned_all = Vec::new();
        let mut last = None;
        for s in mine {
            let answers: Answers = serde_json::from_str(&s.answers).unwrap_or_default();
            match capa::grade(&at.problem, &answers) {
                Ok(g) => {
                    let results =
                        serde_json::to_string(&results_of(&g)).map_err(Error::internal)?;
                    earned_all.push(g.earned);
                    last = Some((results.clone(), g.possible));
                    rescored.push((s.id, results, g.earned, g.possible));
                }
                Err(_) => {
                    summary.skipped += 1;
                    earned_all.push(s.raw_earned);
                    last = Some((s.results.clone(), s.raw_possible));
                }
            }
        }
        let Some((results, possible)) = last else {
            continue;
        };
        let score = at.content.grading_method.pick(&earned_all).unwrap_or(0.0);
        let before = problems::state(&mut tx, user, block).await?;
        if before
            .as_ref()
            .is_none_or(|b| b.raw_earned != Some(score) || b.raw_possible != Some(possible))
        {
            summary.changed += 1;
        }
        problems::store_rescore(
            &mut tx,
            &problems::Rescored {
                user,
                block,
                submissions: rescored,
                results: &results,
                score,
                possible,
                now,
            },
        )
        .await?;
    }
    let detail = serde_json::json!({"learners": summary.learners, "changed": summary.changed, "skipped": summary.skipped}).to_string();
    log(&mut tx, at, None, staff, "rescore", &detail, now).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Set `learner`'s score on the problem by hand: `points` as typed (0 to what the
/// problem is worth, a decimal comma is fine) and a reason, both checked by
/// `capa::attempts::check_override` — a refusal is invalid, with the message to show.
/// Logged with the points and the reason. Returns the points set.
pub async fn override_score(
    env: &Env,
    actor: &Actor,
    at: &ProblemAt<'_>,
    learner: UserId,
    points: &str,
    reason: &str,
) -> Result<f64> {
    let staff = grader(actor, at, learner)?;
    let (_, possible) = at.content.possible();
    let (points, reason) =
        attempts::check_override(points, reason, possible).map_err(Error::invalid)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    problems::set_override(
        &mut tx,
        &problems::NewOverride {
            user: learner,
            block: at.block,
            course: at.course,
            earned: points,
            reason: &reason,
            staff,
            now,
        },
    )
    .await?;
    let detail = serde_json::json!({"points": points, "reason": reason}).to_string();
    log(&mut tx, at, Some(learner), staff, "override", &detail, now).await?;
    tx.commit().await?;
    Ok(points)
}

/// Remove `learner`'s override on the problem: their own score counts again. Logged when
/// there was one; returns whether there was.
pub async fn remove_override(
    env: &Env,
    actor: &Actor,
    at: &ProblemAt<'_>,
    learner: UserId,
) -> Result<bool> {
    let staff = grader(actor, at, learner)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let removed = problems::remove_override(&mut tx, learner, at.block).await? > 0;
    if removed {
        log(
            &mut tx,
            at,
            Some(learner),
            staff,
            "remove-override",
            "{}",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(removed)
}

/// Give `learner` their attempts on the problem back (answers and score stay until they
/// submit again). Logged when there was anything to reset; returns whether there was.
pub async fn reset_attempts(
    env: &Env,
    actor: &Actor,
    at: &ProblemAt<'_>,
    learner: UserId,
) -> Result<bool> {
    let staff = grader(actor, at, learner)?;
    let now = env.now_ms();
    let mut tx = env.store.begin().await?;
    let reset = problems::reset_attempts(&mut tx, learner, at.block, now).await? > 0;
    if reset {
        log(
            &mut tx,
            at,
            Some(learner),
            staff,
            "reset-attempts",
            "{}",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(reset)
}

/// The course's grading log entry for an action on this problem.
async fn log(
    tx: &mut lyceum_store::Tx,
    at: &ProblemAt<'_>,
    learner: Option<UserId>,
    staff: UserId,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    problems::log_action(
        tx,
        &problems::GradeAction {
            course: at.course,
            user: learner,
            block: Some(at.block),
            staff,
            action,
            detail,
            now,
        },
    )
    .await?;
    Ok(())
}
