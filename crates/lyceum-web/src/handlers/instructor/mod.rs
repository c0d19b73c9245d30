//! The course team's course-wide tools, one module each: the gradebook (learners ×
//! assignments, search, filters, grades.csv), one learner's record (scores, overrides,
//! attempt resets) and the grading policy. Block kinds add their own tools (the problem
//! list, the open-response queue) through `kinds::staff_tools`. Only the course team (and
//! site admins) may use them; to anyone else they do not exist (404). This module loads
//! a course for them and draws their navigation and grading log.

pub mod gradebook;
pub mod grading_policy;
pub mod learners;

use crate::courses::{self, CourseCx, decide};
use crate::error::AppResult;
use crate::grades::round2;
use crate::page::{Cx, Html, Page, Piece};
use jiff::Timestamp;
use lyceum_core::BlockId;
use lyceum_core::clock::from_millis;
use lyceum_core::course::CourseTree;
use lyceum_core::permissions::{Action, Resource, can};
use lyceum_store::repo::problems::ActionRow;
use std::collections::HashMap;

/// A course whose grades the viewer may see and change, or 404.
pub(crate) async fn load(cx: &Cx, key: &str) -> AppResult<CourseCx> {
    let course = courses::load(cx, key).await?;
    decide(
        can(&cx.actor(), Action::Grade, Resource::Course(&course.facts)),
        cx,
        "lyceum-error-forbidden",
    )?;
    Ok(course)
}

pub struct NavLink {
    pub label_key: &'static str,
    pub url: String,
    pub current: bool,
}

pub(crate) fn nav(course: &CourseCx, current: &str) -> Vec<NavLink> {
    let tools = [
        ("gradebook", "lyceum-instructor-gradebook"),
        ("grading", "lyceum-instructor-grading"),
        ("announcements", "lyceum-announcement-nav"),
    ];
    // The block kinds' tools (the problem list, open responses' grading queue…) before
    // course-wide ones.
    let kind_tools = crate::kinds::staff_tools().map(|t| (t.path, t.label_key));
    let allowed = |a: Action| can(&course.actor, a, Resource::Course(&course.facts)).allowed();
    // An author writes the course but has no business with its learners' grades.
    let grades = allowed(Action::Grade);
    let mut links: Vec<NavLink> = tools
        .into_iter()
        .chain(kind_tools)
        .filter(|_| grades)
        .chain([("olx", "lyceum-instructor-olx")])
        .map(|(path, key)| NavLink {
            label_key: key,
            url: course.url(&format!("instructor/{path}")),
            current: path == current,
        })
        .collect();
    // The course's own settings and team, for those who may change them.
    let course_tools = [
        ("settings", "lyceum-course-settings-nav", Action::Edit),
        ("team", "lyceum-team-nav", Action::ManageTeam),
        ("review", "lyceum-review-nav", Action::ViewUnreleased),
    ];
    for (path, key, action) in course_tools {
        if allowed(action) {
            links.push(NavLink {
                label_key: key,
                url: course.url(path),
                current: path == current,
            });
        }
    }
    // Discussion moderation (issue 15): mutes, reports, held posts; the settings for
    // those who teach the course.
    if lyceum_app::discussion_moderation::may_moderate(&course.actor, &course.facts) {
        links.push(NavLink {
            label_key: "lyceum-dmod-nav",
            url: course.url("discussion/moderation"),
            current: current == "discussion-moderation",
        });
        if allowed(Action::Grade) {
            links.push(NavLink {
                label_key: "lyceum-dmod-settings-nav",
                url: course.url("discussion/settings"),
                current: current == "discussion-settings",
            });
        }
    }
    links
}

/// A problem's title as staff read it in lists and logs: its own, or its unit's.
pub(crate) fn problem_title(tree: &CourseTree, idx: usize) -> String {
    let n = tree.node(idx);
    if n.title.is_empty() {
        tree.parent(idx)
            .map(|u| tree.node(u).title.clone())
            .unwrap_or_default()
    } else {
        n.title.clone()
    }
}

/// A number in a form or a CSV: at most two decimals, none when whole.
pub(crate) fn number_text(x: f64) -> String {
    let r = round2(x);
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        r.to_string()
    }
}

/// One entry of the grading log, in words.
pub struct ActionLine {
    pub at: Timestamp,
    pub staff: String,
    pub text: Html,
}

pub(crate) fn action_line(
    p: &Page,
    course: &CourseCx,
    a: &ActionRow,
    staff: &HashMap<i64, String>,
) -> ActionLine {
    let tree = course.tree();
    let problem = a
        .block_id
        .and_then(|b| tree.index_of(BlockId(b)))
        .map(|i| problem_title(tree, i))
        .unwrap_or_default();
    let detail: serde_json::Value = serde_json::from_str(&a.detail).unwrap_or_default();
    let num = |k: &str| {
        detail
            .get(k)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0)
    };
    let text = match a.action.as_str() {
        "override" => p.tn(
            "lyceum-instructor-log-override",
            &[
                Piece::Isolated(problem.to_owned()),
                Piece::Arg(num("points").into()),
                Piece::Arg(
                    detail
                        .get("reason")
                        .and_then(|r| r.as_str())
                        .unwrap_or_default()
                        .to_owned()
                        .into(),
                ),
            ],
        ),
        "remove-override" => p.t1("lyceum-instructor-log-remove-override", p.bdi(&problem)),
        "reset-attempts" => p.t1("lyceum-instructor-log-reset-attempts", p.bdi(&problem)),
        "rescore" => p.tn(
            "lyceum-instructor-log-rescore",
            &[
                Piece::Isolated(problem.to_owned()),
                Piece::Arg((num("learners") as i64).into()),
                Piece::Arg((num("changed") as i64).into()),
            ],
        ),
        "policy" => p.t("lyceum-instructor-log-policy"),
        // Open responses log their note or reason as plain text. Titles and notes are
        // isolated: an English title in an Arabic sentence keeps its order.
        "or-staff-assessment" => p.t1("lyceum-instructor-log-or-graded", p.bdi(&problem)),
        "or-peer-review-added" => p.t1("lyceum-instructor-log-or-peer-added", p.bdi(&problem)),
        "or-returned" => p.t2(
            "lyceum-instructor-log-or-returned",
            p.bdi(&problem),
            p.bdi(&a.detail),
        ),
        "or-assessment-cancelled" => p.t2(
            "lyceum-instructor-log-or-cancelled",
            p.bdi(&problem),
            p.bdi(&a.detail),
        ),
        "or-peer-excused" => p.t1("lyceum-instructor-log-or-excused", p.bdi(&problem)),
        "or-peer-unexcused" => p.t1("lyceum-instructor-log-or-unexcused", p.bdi(&problem)),
        // An action a newer version logs: said in words, never by its internal name.
        _ => p.t1("lyceum-instructor-log-other", p.bdi(&problem)),
    };
    ActionLine {
        at: from_millis(a.created_at),
        staff: a
            .staff_id
            .and_then(|s| staff.get(&s).cloned())
            .unwrap_or_else(|| "–".to_owned()),
        text,
    }
}
