//! Which due dates a learner has: one rule shared by the Dates tab, the outline, the
//! dashboard, the JSON API and the calendar feed, so they can never disagree.
//!
//! - Due dates are inherited down the tree as in Open edX: a problem or open response
//!   without a date of its own is due with its subsection.
//! - A subsection with a due date is one deadline when it is graded or holds work that
//!   inherits the date; work with a date of its own (different from its subsection's) is a
//!   deadline of its own. An open response's date is its submission deadline.
//! - Only released content counts: a learner never learns of unreleased (or staff-only)
//!   work from its due date.
//! - A deadline is complete when every piece of work it covers is submitted (a graded
//!   subsection with no work in it: when all its units are complete).

use crate::course::tree::{CourseTree, NodeKind, Visibility};
use crate::ids::BlockId;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineKind {
    Subsection,
    /// A block of this kind (its `BlockKind::KIND`) that takes due dates.
    Block(&'static str),
}

impl DeadlineKind {
    /// The name used in the JSON API: `subsection`, or the block's kind.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Subsection => "subsection",
            DeadlineKind::Block(kind) => kind,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The subsection, problem or open response (an index into the tree).
    pub node: usize,
    pub kind: DeadlineKind,
    pub due: Timestamp,
    pub complete: bool,
}

impl Deadline {
    /// Past due once the moment has come: submissions at or after it are refused.
    pub fn past_due(&self, now: Timestamp) -> bool {
        self.due <= now
    }
}

/// How a deadline stands for the learner, for "past due" / "due in N days".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueStatus {
    Complete,
    PastDue,
    /// Due later on the learner's current calendar day.
    Today,
    /// Due N calendar days from today in the learner's zone (N ≥ 1).
    InDays(i64),
}

/// Work that a due date applies to: problems and open responses.
fn kind_of_work(tree: &CourseTree, leaf: usize) -> Option<DeadlineKind> {
    match &tree.node(leaf).content {
        Some(Ok(c)) if c.takes_due_date() => c.registered_kind().map(DeadlineKind::Block),
        _ => None,
    }
}

/// Every due date the viewer has in the released part of the course, earliest first
/// (ties in reading order).
pub fn deadlines(
    tree: &CourseTree,
    vis: &Visibility,
    completed: &HashSet<BlockId>,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    for &s in tree.sections() {
        if !tree.is_visible(s, vis) {
            continue;
        }
        for &ss in tree.children(s) {
            if !tree.is_visible(ss, vis) {
                continue;
            }
            let sub_due = tree.node(ss).settings.due;
            let units: Vec<usize> = tree
                .children(ss)
                .iter()
                .copied()
                .filter(|&u| tree.node(u).kind == NodeKind::Unit && tree.is_visible(u, vis))
                .collect();
            let mut covered = Vec::new();
            let mut own = Vec::new();
            for &u in &units {
                for &leaf in tree.children(u) {
                    let Some(kind) = kind_of_work(tree, leaf) else {
                        continue;
                    };
                    match tree.due_of(leaf) {
                        Some(d) if Some(d) == sub_due => covered.push(leaf),
                        Some(d) => own.push((leaf, kind, d)),
                        None => {}
                    }
                }
            }
            if let Some(due) = sub_due
                && (tree.node(ss).settings.graded || !covered.is_empty())
            {
                let complete = if covered.is_empty() {
                    !units.is_empty() && units.iter().all(|&u| tree.is_unit_complete(u, completed))
                } else {
                    covered
                        .iter()
                        .all(|&l| completed.contains(&tree.node(l).id))
                };
                out.push(Deadline {
                    node: ss,
                    kind: DeadlineKind::Subsection,
                    due,
                    complete,
                });
            }
            for (leaf, kind, due) in own {
                out.push(Deadline {
                    node: leaf,
                    kind,
                    due,
                    complete: completed.contains(&tree.node(leaf).id),
                });
            }
        }
    }
    // Stable: equal dates keep reading order.
    out.sort_by_key(|d| d.due);
    out
}

/// The deadlines worth a reminder: not complete, and not missed more than `grace` ago
/// (a recently missed one is still shown, as past due).
pub fn pending(list: &[Deadline], now: Timestamp, grace: SignedDuration) -> Vec<Deadline> {
    let from = now.saturating_sub(grace).unwrap_or(now);
    list.iter()
        .filter(|d| !d.complete && d.due > from)
        .cloned()
        .collect()
}

/// How a deadline stands at `now`, counting days on the learner's calendar in `tz`: a
/// quiz due at 09:00 tomorrow is "due in 1 day" even if it is 23:00 now.
pub fn status(d: &Deadline, now: Timestamp, tz: &TimeZone) -> DueStatus {
    if d.complete {
        return DueStatus::Complete;
    }
    if d.past_due(now) {
        return DueStatus::PastDue;
    }
    let today = now.to_zoned(tz.clone()).date();
    let day = d.due.to_zoned(tz.clone()).date();
    let days = i64::from(today.until(day).map_or(0, |span| span.get_days()));
    if days <= 0 {
        DueStatus::Today
    } else {
        DueStatus::InDays(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::NodeRow;

    const PROBLEM: &str = r#"{"xml":"<problem><multiplechoiceresponse><choicegroup><choice correct=\"true\">a</choice></choicegroup></multiplechoiceresponse></problem>"}"#;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    struct B {
        id: i64,
        parent: Option<i64>,
        kind: &'static str,
        release: Option<&'static str>,
        content: String,
    }

    fn b(id: i64, parent: Option<i64>, kind: &'static str) -> B {
        B {
            id,
            parent,
            kind,
            release: None,
            content: match kind {
                "problem" => PROBLEM.to_owned(),
                "text" => r#"{"format":"markdown","source":"x","html":"<p>x</p>"}"#.to_owned(),
                "open_response" => open_response(None),
                _ => "{}".to_owned(),
            },
        }
    }

    fn open_response(due: Option<&str>) -> String {
        let mut c = serde_json::to_value(
            crate::blocks::open_response::OpenResponseContent::staff_graded("<p>Write.</p>", "Q"),
        )
        .unwrap();
        if let Some(d) = due {
            c["due"] = serde_json::json!(d);
        }
        c.to_string()
    }

    fn problem_due(due: &str) -> String {
        let mut c: serde_json::Value = serde_json::from_str(PROBLEM).unwrap();
        c["due"] = serde_json::json!(due);
        c.to_string()
    }

    fn sub(id: i64, parent: i64, graded: bool, due: Option<&str>) -> B {
        let mut s = serde_json::json!({});
        if graded {
            s["graded"] = true.into();
        }
        if let Some(d) = due {
            s["due"] = d.into();
        }
        B {
            content: s.to_string(),
            ..b(id, Some(parent), "subsection")
        }
    }

    fn tree(blocks: Vec<B>) -> CourseTree {
        CourseTree::build(
            blocks
                .into_iter()
                .enumerate()
                .map(|(pos, b)| NodeRow {
                    id: BlockId(b.id),
                    parent_id: b.parent.map(BlockId),
                    position: pos as i64,
                    kind: b.kind.to_owned(),
                    url_name: format!("b{}", b.id),
                    title: format!("Block {}", b.id),
                    release_at: b.release.map(ts),
                    content: b.content,
                })
                .collect(),
        )
    }

    fn learner(now: &str) -> Visibility {
        Visibility {
            now: ts(now),
            course_start: Some(ts("2026-01-01T00:00:00Z")),
            see_unreleased: false,
        }
    }

    /// (block id, kind, due, complete) of a deadline.
    type Row = (i64, DeadlineKind, Timestamp, bool);

    fn list(t: &CourseTree, now: &str, done: &[i64]) -> Vec<Row> {
        let done: HashSet<BlockId> = done.iter().copied().map(BlockId).collect();
        deadlines(t, &learner(now), &done)
            .into_iter()
            .map(|d| (t.node(d.node).id.0, d.kind, d.due, d.complete))
            .collect()
    }

    /// A case: its name, the course, the completed blocks, the expected deadlines.
    type Case = (
        &'static str,
        Vec<B>,
        &'static [i64],
        Vec<(i64, DeadlineKind, &'static str, bool)>,
    );

    use DeadlineKind::Subsection as S;
    const P: DeadlineKind = DeadlineKind::Block("problem");
    #[allow(non_upper_case_globals)]
    const Or: DeadlineKind = DeadlineKind::Block("open_response");

    #[test]
    fn which_due_dates_a_learner_has() {
        let d1 = "2026-12-01T00:00:00Z";
        let d2 = "2026-12-10T12:00:00Z";
        let d3 = "2026-11-25T08:00:00Z";
        let cases: Vec<Case> = vec![
            (
                "a graded subsection's date is inherited by its problems: one deadline",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, true, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "problem"),
                    b(1112, Some(111), "problem"),
                ],
                &[],
                vec![(11, S, d1, false)],
            ),
            (
                "complete once every problem it covers is submitted",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, true, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "problem"),
                    b(1112, Some(111), "problem"),
                ],
                &[1111, 1112],
                vec![(11, S, d1, true)],
            ),
            (
                "marking a unit done does not complete its problems' deadline",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, true, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "problem"),
                ],
                &[111],
                vec![(11, S, d1, false)],
            ),
            (
                "work with a date of its own is its own deadline, in date order",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, true, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "problem"),
                    B {
                        content: problem_due(d2),
                        ..b(1112, Some(111), "problem")
                    },
                    B {
                        content: open_response(Some(d3)),
                        ..b(1113, Some(111), "open_response")
                    },
                ],
                &[1113],
                vec![
                    (1113, Or, d3, true),
                    (11, S, d1, false),
                    (1112, P, d2, false),
                ],
            ),
            (
                "an open response is due with its ungraded subsection",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, false, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "open_response"),
                ],
                &[],
                vec![(11, S, d1, false)],
            ),
            (
                "an ungraded subsection with a date but no work has no deadline",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, false, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "text"),
                ],
                &[],
                vec![],
            ),
            (
                "a graded subsection without problems completes with its units",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, true, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "text"),
                ],
                &[1111],
                vec![(11, S, d1, true)],
            ),
            (
                "a problem dated in an undated subsection",
                vec![
                    b(1, None, "section"),
                    sub(11, 1, false, None),
                    b(111, Some(11), "unit"),
                    B {
                        content: problem_due(d2),
                        ..b(1111, Some(111), "problem")
                    },
                    b(1112, Some(111), "problem"),
                ],
                &[],
                vec![(1111, P, d2, false)],
            ),
            (
                "unreleased sections, subsections and units are not listed",
                vec![
                    B {
                        release: Some("2027-01-01T00:00:00Z"),
                        ..b(1, None, "section")
                    },
                    sub(11, 1, true, Some(d1)),
                    b(111, Some(11), "unit"),
                    b(1111, Some(111), "problem"),
                    b(2, None, "section"),
                    B {
                        release: Some("9999-01-01T00:00:00Z"),
                        ..sub(21, 2, true, Some(d1))
                    },
                    b(211, Some(21), "unit"),
                    sub(22, 2, false, None),
                    B {
                        release: Some("2027-01-01T00:00:00Z"),
                        ..b(221, Some(22), "unit")
                    },
                    B {
                        content: problem_due(d2),
                        ..b(2211, Some(221), "problem")
                    },
                ],
                &[],
                vec![],
            ),
        ];
        for (name, blocks, done, want) in cases {
            let t = tree(blocks);
            let got = list(&t, "2026-11-21T00:00:00Z", done);
            let want: Vec<Row> = want
                .into_iter()
                .map(|(id, k, d, c)| (id, k, ts(d), c))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn staff_see_unreleased_due_dates() {
        let t = tree(vec![
            B {
                release: Some("2027-01-01T00:00:00Z"),
                ..b(1, None, "section")
            },
            sub(11, 1, true, Some("2027-02-01T00:00:00Z")),
            b(111, Some(11), "unit"),
            b(1111, Some(111), "problem"),
        ]);
        let vis = Visibility {
            see_unreleased: true,
            ..learner("2026-11-21T00:00:00Z")
        };
        assert_eq!(deadlines(&t, &vis, &HashSet::new()).len(), 1);
    }

    fn d(due: &str, complete: bool) -> Deadline {
        Deadline {
            node: 0,
            kind: DeadlineKind::Block("problem"),
            due: ts(due),
            complete,
        }
    }

    #[test]
    fn status_counts_days_on_the_learners_calendar() {
        let utc = TimeZone::UTC;
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let la = TimeZone::get("America/Los_Angeles").unwrap();
        let now = ts("2026-11-21T22:00:00Z");
        let cases = [
            ("2026-11-21T23:00:00Z", false, &utc, DueStatus::Today),
            ("2026-11-22T01:00:00Z", false, &utc, DueStatus::InDays(1)),
            // 07:00 and 10:00 on the 22nd/23rd in Tokyo: already the 22nd there now.
            ("2026-11-22T01:00:00Z", false, &tokyo, DueStatus::Today),
            ("2026-11-23T01:00:00Z", false, &tokyo, DueStatus::InDays(1)),
            // 14:00 on the 21st in Los Angeles now; due 17:00 on the 22nd there.
            ("2026-11-23T01:00:00Z", false, &la, DueStatus::InDays(1)),
            ("2026-12-01T00:00:00Z", false, &utc, DueStatus::InDays(10)),
            ("2026-11-21T22:00:00Z", false, &utc, DueStatus::PastDue),
            ("2026-11-01T00:00:00Z", false, &utc, DueStatus::PastDue),
            ("2026-11-01T00:00:00Z", true, &utc, DueStatus::Complete),
            ("2026-12-01T00:00:00Z", true, &utc, DueStatus::Complete),
        ];
        for (due, complete, tz, want) in cases {
            assert_eq!(status(&d(due, complete), now, tz), want, "{due} in {tz:?}");
        }
    }

    #[test]
    fn pending_drops_complete_and_long_missed_deadlines() {
        let now = ts("2026-11-21T00:00:00Z");
        let list = [
            d("2026-11-01T00:00:00Z", false),
            d("2026-11-18T00:00:00Z", false),
            d("2026-11-25T00:00:00Z", true),
            d("2026-11-26T00:00:00Z", false),
        ];
        let got: Vec<String> = pending(&list, now, SignedDuration::from_hours(7 * 24))
            .iter()
            .map(|d| d.due.to_string())
            .collect();
        assert_eq!(got, ["2026-11-18T00:00:00Z", "2026-11-26T00:00:00Z"]);
    }
}
