//! The open-response workflow: from what has happened to a submission (reviews given and
//! received, self and staff assessments, excuses, time), where it stands, what is left for
//! whom, and its score. One pure function, [`status`], so the learner's page, the staff
//! queue and the grade all read the same answer and nothing is stored that could go stale.
//!
//! The rules fix Open edX's known frustrations: a learner is never stuck waiting for peers
//! (the author's fallback drops the requirement or sends the response to staff after D days,
//! and staff can excuse), and a response can be revised after feedback even when a peer
//! step exists (every version is its own submission with its own workflow).

pub mod rules;

use crate::blocks::open_response::{Aggregate, FallbackAction, OpenResponseContent, Points, Step};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// What has happened to one submission.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub submitted_at: Timestamp,
    pub now: Timestamp,
    /// Peer reviews this learner has completed for this assignment (any version).
    pub reviews_given: u32,
    /// Peer reviews of this submission that count (not cancelled), oldest first.
    pub peer: Vec<Points>,
    pub self_review: Option<Points>,
    /// The latest staff assessment.
    pub staff: Option<Points>,
    /// Staff excused the learner from the peer step.
    pub peer_excused: bool,
    /// Staff returned the submission for revision.
    pub returned: bool,
}

/// Where a submission stands; the first thing left to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The learner must review peers' responses.
    PeerReview,
    /// The learner must assess their own response.
    SelfReview,
    /// Waiting for peers to review this response.
    WaitingForPeers,
    /// Waiting for the teaching team.
    WaitingForStaff,
    /// Assessed: the score is final.
    Done,
    /// Returned by staff for revision.
    Returned,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::PeerReview => "peer_review",
            Stage::SelfReview => "self_review",
            Stage::WaitingForPeers => "waiting_for_peers",
            Stage::WaitingForStaff => "waiting_for_staff",
            Stage::Done => "done",
            Stage::Returned => "returned",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    /// The learner's turn.
    Todo,
    /// Others' turn (peers, staff).
    Waiting,
    /// Not needed any more (excused, fallback, staff graded first).
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepStatus {
    pub step: Step,
    pub state: StepState,
}

/// The score of a submission: points per criterion and their sum, raw (on the rubric's
/// scale), and which step it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub source: Step,
    pub criteria: BTreeMap<String, f64>,
    pub earned: f64,
    pub possible: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Status {
    pub stage: Stage,
    pub steps: Vec<StepStatus>,
    /// Reviews the learner still has to give.
    pub reviews_to_give: u32,
    /// Reviews this response still needs.
    pub reviews_to_receive: u32,
    /// The peer requirement was dropped by the fallback or an excuse.
    pub peer_requirement_dropped: bool,
    /// The fallback (or a missing score) sent the response to the staff queue.
    pub needs_staff: bool,
    /// Waiting for peer reviews for more than [`PEER_STUCK_AFTER`].
    pub peer_stuck: bool,
    /// Set once the score is final.
    pub score: Option<Score>,
}

/// How long a response may wait for peer reviews before the staff queue calls it stuck.
pub const PEER_STUCK_AFTER: SignedDuration = SignedDuration::from_hours(48);

/// Where a submission stands and its score.
pub fn status(c: &OpenResponseContent, f: &Facts) -> Status {
    let possible = f64::from(c.rubric.max_points());
    let waited = f.now.duration_since(f.submitted_at);
    let fallback = c
        .peer
        .fallback
        .filter(|fb| waited >= SignedDuration::from_hours(i64::from(fb.after_days) * 24));
    let peer_step = c.has_step(Step::Peer);
    let received = f.peer.len() as u32;
    let give_satisfied =
        f.reviews_given >= c.peer.must_grade || f.peer_excused || fallback.is_some();
    let receive_satisfied = received >= c.peer.graded_by || f.peer_excused || fallback.is_some();
    let peer_requirement_dropped =
        peer_step && received < c.peer.graded_by && (f.peer_excused || fallback.is_some());
    let fallback_to_staff = peer_step
        && received < c.peer.graded_by
        && !f.peer_excused
        && fallback.is_some_and(|fb| fb.action == FallbackAction::ToStaff);

    let mut steps = Vec::new();
    let mut learner_todo = None;
    for &step in &c.steps {
        let state = match step {
            Step::Peer => {
                if !give_satisfied {
                    learner_todo.get_or_insert(Stage::PeerReview);
                    StepState::Todo
                } else if !receive_satisfied {
                    StepState::Waiting
                } else if peer_requirement_dropped && received == 0 {
                    StepState::Skipped
                } else {
                    StepState::Done
                }
            }
            Step::SelfReview => {
                if f.self_review.is_some() {
                    StepState::Done
                } else {
                    learner_todo.get_or_insert(Stage::SelfReview);
                    StepState::Todo
                }
            }
            Step::Staff => {
                if f.staff.is_some() {
                    StepState::Done
                } else {
                    StepState::Waiting
                }
            }
        };
        steps.push(StepStatus { step, state });
    }

    // The score: staff's wins; then peers' (once the requirement is met or dropped); then
    // the learner's own, when it is the only assessment there is.
    // Points of criteria the rubric no longer has (an author edited it) do not count.
    let current = |points: &Points| -> Points {
        points
            .iter()
            .filter(|(k, _)| c.rubric.criterion(k).is_some())
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    let from = |source: Step, points: &Points| {
        let points = current(points);
        Score {
            source,
            criteria: points
                .iter()
                .map(|(k, v)| (k.clone(), f64::from(*v)))
                .collect(),
            earned: points.values().map(|&p| f64::from(p)).sum(),
            possible,
        }
    };
    let staff_step = c.has_step(Step::Staff);
    let learner_done = learner_todo.is_none();
    let mut needs_staff = fallback_to_staff;
    let score = if let Some(staff) = &f.staff {
        Some(from(Step::Staff, staff))
    } else if staff_step || fallback_to_staff || !learner_done || (peer_step && !receive_satisfied)
    {
        None
    } else if peer_step && received > 0 {
        let peer: Vec<Points> = f.peer.iter().map(current).collect();
        Some(aggregate(c.aggregate, &peer, possible))
    } else if let (true, Some(own)) = (c.has_step(Step::SelfReview), &f.self_review) {
        Some(from(Step::SelfReview, own))
    } else {
        // The peer requirement dropped with no review and no self step: staff decide.
        needs_staff = true;
        None
    };
    if f.staff.is_some() {
        for s in &mut steps {
            if s.state != StepState::Done {
                s.state = StepState::Skipped;
            }
        }
    }

    let stage = if f.returned {
        Stage::Returned
    } else if score.is_some() {
        Stage::Done
    } else if let Some(todo) = learner_todo {
        todo
    } else if peer_step && !receive_satisfied {
        Stage::WaitingForPeers
    } else {
        Stage::WaitingForStaff
    };
    let waiting_staff = stage == Stage::WaitingForStaff;
    Status {
        stage,
        steps,
        reviews_to_give: if peer_step && !give_satisfied {
            c.peer.must_grade.saturating_sub(f.reviews_given)
        } else {
            0
        },
        reviews_to_receive: if peer_step && !receive_satisfied {
            c.peer.graded_by - received
        } else {
            0
        },
        peer_requirement_dropped,
        needs_staff: (needs_staff || waiting_staff) && score.is_none() && !f.returned,
        peer_stuck: peer_step
            && !receive_satisfied
            && score.is_none()
            && waited >= PEER_STUCK_AFTER,
        score,
    }
}

/// Peer scores combined per criterion and summed.
pub fn aggregate(rule: Aggregate, reviews: &[Points], possible: f64) -> Score {
    let mut per: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in reviews {
        for (k, v) in r {
            per.entry(k.clone()).or_default().push(*v);
        }
    }
    let criteria: BTreeMap<String, f64> = per
        .into_iter()
        .map(|(k, mut v)| {
            let x = match rule {
                Aggregate::Median => median(&mut v),
                Aggregate::Mean => v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64,
            };
            (k, x)
        })
        .collect();
    Score {
        source: Step::Peer,
        earned: criteria.values().sum(),
        criteria,
        possible,
    }
}

/// Open edX's median (`openassessment.assessment.models.base.Assessment.get_median_score`):
/// the middle score, or of two middle scores their mean rounded up.
fn median(v: &mut [u32]) -> f64 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        f64::from((v[n / 2 - 1] + v[n / 2]).div_ceil(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::open_response::{PeerFallback, wikilearn_scale};

    fn content(steps: &[Step]) -> OpenResponseContent {
        let mut c = OpenResponseContent::staff_graded("<p>Why?</p>", "Clarity");
        c.rubric
            .criteria
            .push(crate::blocks::open_response::Criterion {
                name: "sources".into(),
                label: "Sources".into(),
                prompt: String::new(),
                feedback: crate::blocks::open_response::Requirement::None,
                options: wikilearn_scale(),
            });
        c.steps = steps.to_vec();
        c.peer.must_grade = 2;
        c.peer.graded_by = 2;
        c.peer.fallback = Some(PeerFallback {
            after_days: 3,
            action: FallbackAction::DropRequirement,
        });
        c
    }

    fn pts(q: u32, s: u32) -> Points {
        Points::from([("quality".into(), q), ("sources".into(), s)])
    }

    fn at(days: i64) -> Facts {
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        Facts {
            submitted_at: t0,
            now: t0 + SignedDuration::from_hours(24 * days),
            ..Facts::default()
        }
    }

    #[test]
    fn staff_only_waits_for_staff_then_scores() {
        let c = content(&[Step::Staff]);
        let mut f = at(0);
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::WaitingForStaff);
        assert!(s.needs_staff);
        assert_eq!(s.score, None);
        f.staff = Some(pts(3, 2));
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::Done);
        let score = s.score.unwrap();
        assert_eq!(
            (score.earned, score.possible, score.source),
            (5.0, 6.0, Step::Staff)
        );
    }

    #[test]
    fn peer_then_self_in_order() {
        let c = content(&[Step::Peer, Step::SelfReview]);
        let mut f = at(0);
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::PeerReview);
        assert_eq!(s.reviews_to_give, 2);
        assert_eq!(s.steps[1].state, StepState::Todo);
        f.reviews_given = 2;
        assert_eq!(status(&c, &f).stage, Stage::SelfReview);
        f.self_review = Some(pts(3, 3));
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::WaitingForPeers);
        assert_eq!(s.reviews_to_receive, 2);
        assert!(!s.needs_staff);
        f.peer = vec![pts(1, 3)];
        assert_eq!(status(&c, &f).reviews_to_receive, 1);
        f.peer.push(pts(2, 0));
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::Done);
        // Median of 1 and 2 is 2 (rounded up); of 3 and 0 is 2 (1.5 rounded up).
        let score = s.score.unwrap();
        assert_eq!(score.source, Step::Peer);
        assert_eq!(score.criteria["quality"], 2.0);
        assert_eq!(score.criteria["sources"], 2.0);
        assert_eq!(score.earned, 4.0);
    }

    #[test]
    fn mean_aggregation() {
        let mut c = content(&[Step::Peer]);
        c.aggregate = Aggregate::Mean;
        let mut f = at(0);
        f.reviews_given = 2;
        f.peer = vec![pts(1, 3), pts(2, 0)];
        let score = status(&c, &f).score.unwrap();
        assert_eq!(score.earned, 3.0);
        assert_eq!(score.criteria["quality"], 1.5);
    }

    #[test]
    fn criteria_removed_from_the_rubric_stop_counting() {
        let mut c = content(&[Step::Staff]);
        let mut f = at(0);
        f.staff = Some(pts(3, 2));
        c.rubric.criteria.truncate(1);
        let score = status(&c, &f).score.unwrap();
        assert_eq!((score.earned, score.possible), (3.0, 3.0));
        assert!(!score.criteria.contains_key("sources"));
    }

    #[test]
    fn median_as_open_edx() {
        assert_eq!(median(&mut [3]), 3.0);
        assert_eq!(median(&mut [0, 3, 1]), 1.0);
        assert_eq!(median(&mut [1, 2]), 2.0);
        assert_eq!(median(&mut [2, 2]), 2.0);
        assert_eq!(median(&mut [0, 1, 2, 3]), 2.0);
        assert_eq!(median(&mut [0, 0, 1, 3]), 1.0);
    }

    #[test]
    fn a_small_course_never_stays_stuck() {
        let mut c = content(&[Step::Peer]);
        let mut f = at(1);
        f.reviews_given = 0; // nobody else has submitted
        assert_eq!(status(&c, &f).stage, Stage::PeerReview);
        f.now = at(3).now;
        // The fallback drops both sides of the requirement; one review received counts.
        f.peer = vec![pts(2, 1)];
        let s = status(&c, &f);
        assert!(s.peer_requirement_dropped);
        assert_eq!(s.stage, Stage::Done);
        assert_eq!(s.score.unwrap().earned, 3.0);
        // No review at all and no other step: staff decide.
        f.peer.clear();
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::WaitingForStaff);
        assert!(s.needs_staff);
        // Or the author sends it to staff after D days.
        c.peer.fallback = Some(PeerFallback {
            after_days: 3,
            action: FallbackAction::ToStaff,
        });
        f.peer = vec![pts(2, 1)];
        let s = status(&c, &f);
        assert!(s.needs_staff);
        assert_eq!(s.stage, Stage::WaitingForStaff);
        f.staff = Some(pts(3, 3));
        assert_eq!(status(&c, &f).score.unwrap().source, Step::Staff);
    }

    #[test]
    fn peer_stuck_is_flagged_before_the_fallback() {
        let mut c = content(&[Step::Peer]);
        c.peer.fallback = None;
        let mut f = at(2);
        f.reviews_given = 2;
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::WaitingForPeers);
        assert!(s.peer_stuck);
        assert!(!status(&c, &at(1)).peer_stuck);
    }

    #[test]
    fn excused_learner_gets_the_self_score() {
        let c = content(&[Step::Peer, Step::SelfReview]);
        let mut f = at(0);
        f.peer_excused = true;
        assert_eq!(status(&c, &f).stage, Stage::SelfReview);
        f.self_review = Some(pts(1, 1));
        let s = status(&c, &f);
        assert_eq!(s.steps[0].state, StepState::Skipped);
        assert_eq!(s.score.unwrap().source, Step::SelfReview);
    }

    #[test]
    fn staff_grade_overrides_everything_and_returning_wins() {
        let c = content(&[Step::Peer, Step::SelfReview, Step::Staff]);
        let mut f = at(0);
        f.staff = Some(pts(0, 1));
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::Done);
        assert!(s.steps[..2].iter().all(|x| x.state == StepState::Skipped));
        f.returned = true;
        let s = status(&c, &f);
        assert_eq!(s.stage, Stage::Returned);
        assert!(!s.needs_staff);
    }
}
