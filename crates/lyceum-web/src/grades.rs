//! Learners' grades in a course, computed on every read from their stored scores, staff
//! overrides and the course's grading policy — a fixed number of statements whatever the
//! course size, and never stale: a changed score, override, weight, policy or rescored
//! answer shows in the next page.

use crate::courses::CourseCx;
use crate::error::AppResult;
use lyceum_core::course::{CourseTree, Visibility};
use lyceum_core::grading::GradingPolicy;
use lyceum_core::grading::learner::{LearnerGrade, RawScore, learner_grade};
use lyceum_core::{BlockId, UserId};
use lyceum_store::repo::{learner, problems};
use std::collections::{HashMap, HashSet};

pub struct Report {
    pub grade: LearnerGrade,
    /// Units completed and units visible.
    pub completion: (usize, usize),
    /// Problems with a staff override: the reason.
    pub override_reasons: HashMap<BlockId, String>,
}

/// What the learner sees: released content only (also when staff look at it for them).
pub fn learner_visibility(course: &CourseCx) -> Visibility {
    Visibility {
        see_unreleased: false,
        ..course.vis
    }
}

/// One learner's grade and completion: three statements.
pub async fn report(app: &crate::state::App, course: &CourseCx, user: UserId) -> AppResult<Report> {
    let mut c = app.store().conn().await?;
    let scores = problems::scores_of(&mut c, user, course.id()).await?;
    let overrides = problems::overrides(&mut c, course.id(), Some(&[user])).await?;
    let done: HashSet<BlockId> = learner::completed_in_course(&mut c, user, course.id())
        .await?
        .into_iter()
        .collect();
    drop(c);
    let raw: HashMap<BlockId, RawScore> = scores
        .into_iter()
        .map(|(b, e, p, a)| {
            (
                b,
                RawScore {
                    earned: e,
                    possible: p,
                    attempts: a,
                },
            )
        })
        .collect();
    let override_reasons = overrides
        .iter()
        .map(|o| (BlockId(o.block_id), o.reason.clone()))
        .collect();
    let overrides: HashMap<BlockId, f64> = overrides
        .into_iter()
        .map(|o| (BlockId(o.block_id), o.earned))
        .collect();
    let vis = learner_visibility(course);
    let grade = learner_grade(course.tree(), &vis, &course.row.grading(), &raw, &overrides);
    Ok(Report {
        grade,
        completion: course.tree().progress(&vis, &done),
        override_reasons,
    })
}

/// Several learners' grades (a gradebook page or an export): two statements.
pub async fn grades_of(
    app: &crate::state::App,
    course: &CourseCx,
    users: &[UserId],
) -> AppResult<HashMap<UserId, LearnerGrade>> {
    let mut c = app.store().conn().await?;
    let scores = problems::scores_of_learners(&mut c, course.id(), users).await?;
    let overrides = problems::overrides(&mut c, course.id(), Some(users)).await?;
    drop(c);
    let mut raw: HashMap<UserId, HashMap<BlockId, RawScore>> = HashMap::new();
    for (u, (b, e, p, a)) in scores {
        raw.entry(u).or_default().insert(
            b,
            RawScore {
                earned: e,
                possible: p,
                attempts: a,
            },
        );
    }
    let mut over: HashMap<UserId, HashMap<BlockId, f64>> = HashMap::new();
    for o in overrides {
        over.entry(UserId(o.user_id))
            .or_default()
            .insert(BlockId(o.block_id), o.earned);
    }
    let vis = learner_visibility(course);
    let policy = course.row.grading();
    let empty_raw = HashMap::new();
    let empty_over = HashMap::new();
    Ok(users
        .iter()
        .map(|u| {
            (
                *u,
                learner_grade(
                    course.tree(),
                    &vis,
                    &policy,
                    raw.get(u).unwrap_or(&empty_raw),
                    over.get(u).unwrap_or(&empty_over),
                ),
            )
        })
        .collect())
}

/// The lowest passing share of the policy (the smallest positive cutoff).
pub fn pass_mark(policy: &GradingPolicy) -> Option<f64> {
    policy
        .cutoffs
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| *c > 0.0)
        .min_by(f64::total_cmp)
}

/// A subsection's label in charts and tables: the type's short label and its number
/// among the type's subsections ("Q 2"), as Open edX labels them.
pub fn labels(
    tree: &CourseTree,
    grade: &LearnerGrade,
    policy: &GradingPolicy,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for t in &policy.types {
        let short = t.short_label.clone().unwrap_or_else(|| t.name.clone());
        let mut n = 0;
        for s in grade
            .subsections
            .iter()
            .filter(|s| s.graded && s.format.as_deref() == Some(t.name.as_str()))
        {
            n += 1;
            out.insert(tree.node(s.node).url_name.clone(), format!("{short} {n}"));
        }
    }
    out
}

/// Points for display: at most two decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A share (0..=1) as a whole percent.
pub fn whole_percent(share: f64) -> i64 {
    if share.is_finite() {
        (share * 100.0).round() as i64
    } else {
        0
    }
}
