//! One learner's scores gathered over a course tree: each problem's points (a staff
//! override wins, else the stored score scaled to the problem's weight), subsection
//! totals, and the course grade. Computed on every read from the stored scores, so a
//! changed score, weight, policy or rescored answer is reflected at once.

use super::{CourseGrade, GradingPolicy, SubsectionScore, course_grade, subsection_percent};
use crate::blocks::Scoring;
use crate::capa;
use crate::course::{CourseTree, NodeKind, Visibility};
use crate::ids::BlockId;
use std::collections::HashMap;

/// A stored problem score: raw earned and raw possible points, and attempts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawScore {
    pub earned: f64,
    pub possible: f64,
    pub attempts: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProblemGrade {
    pub node: usize,
    pub block: BlockId,
    /// Weighted points.
    pub earned: f64,
    pub possible: f64,
    pub attempts: i64,
    pub overridden: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SubsectionGrade {
    pub node: usize,
    pub graded: bool,
    pub format: Option<String>,
    pub earned: f64,
    pub possible: f64,
    /// Rounded as Open edX does (half to even, two decimals).
    pub percent: f64,
    pub problems: Vec<ProblemGrade>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LearnerGrade {
    pub subsections: Vec<SubsectionGrade>,
    pub course: CourseGrade,
}

/// The points of one scored block for one learner.
pub fn problem_points(
    scoring: Scoring,
    raw: Option<&RawScore>,
    override_points: Option<f64>,
) -> (f64, f64) {
    let (_, weighted_possible) = capa::weighted(0.0, scoring.raw_possible, scoring.weight);
    match (override_points, raw) {
        (Some(points), _) => (
            points.clamp(0.0, weighted_possible.max(points)),
            weighted_possible,
        ),
        // Scores keep the possible points they were given until rescored, as in Open edX.
        (None, Some(r)) => capa::weighted(r.earned, r.possible, scoring.weight),
        (None, None) => capa::weighted(0.0, scoring.raw_possible, scoring.weight),
    }
}

/// Subsection totals and the course grade. Content the learner cannot see yet does not
/// count (as Open edX hides unreleased blocks from grading); problems this platform
/// cannot grade are left out rather than counted as zero.
pub fn learner_grade(
    tree: &CourseTree,
    vis: &Visibility,
    policy: &GradingPolicy,
    raw: &HashMap<BlockId, RawScore>,
    overrides: &HashMap<BlockId, f64>,
) -> LearnerGrade {
    let mut subsections = Vec::new();
    for &s in tree.sections() {
        if !tree.is_visible(s, vis) {
            continue;
        }
        for &ss in tree.children(s) {
            if tree.node(ss).kind != NodeKind::Subsection || !tree.is_visible(ss, vis) {
                continue;
            }
            let mut problems = Vec::new();
            for &u in tree.children(ss) {
                if !tree.is_visible(u, vis) {
                    continue;
                }
                for &leaf in tree.children(u) {
                    let node = tree.node(leaf);
                    let Some(scoring) = node
                        .content
                        .as_ref()
                        .and_then(|c| c.as_ref().ok()?.scoring())
                    else {
                        continue;
                    };
                    let r = raw.get(&node.id);
                    let o = overrides.get(&node.id).copied();
                    let (earned, possible) = problem_points(scoring, r, o);
                    problems.push(ProblemGrade {
                        node: leaf,
                        block: node.id,
                        earned,
                        possible,
                        attempts: r.map_or(0, |r| r.attempts),
                        overridden: o.is_some(),
                    });
                }
            }
            let earned: f64 = problems.iter().map(|p| p.earned).sum();
            let possible: f64 = problems.iter().map(|p| p.possible).sum();
            let settings = &tree.node(ss).settings;
            subsections.push(SubsectionGrade {
                node: ss,
                graded: settings.graded,
                format: settings.format.clone(),
                earned,
                possible,
                percent: subsection_percent(earned, possible),
                problems,
            });
        }
    }
    let scores: Vec<SubsectionScore> = subsections
        .iter()
        .map(|s| SubsectionScore {
            key: tree.node(s.node).url_name.clone(),
            format: s.format.clone(),
            graded: s.graded,
            earned: s.earned,
            possible: s.possible,
        })
        .collect();
    let course = course_grade(policy, &scores);
    LearnerGrade {
        subsections,
        course,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::NodeRow;
    use crate::grading::AssignmentType;

    fn problem(xml: &str, weight: Option<f64>) -> String {
        let mut c = crate::blocks::ProblemContent::new(xml);
        c.weight = weight;
        serde_json::to_string(&c).unwrap()
    }

    const TWO_INPUTS: &str = r#"<problem><optionresponse><optioninput options="('a','b')" correct="a"/><optioninput options="('a','b')" correct="a"/></optionresponse></problem>"#;
    const ONE_INPUT: &str =
        r#"<problem><stringresponse answer="x"><textline/></stringresponse></problem>"#;
    const PYTHON: &str = r#"<problem><script type="loncapa/python">x = 1</script><customresponse cfn="f"><textline/></customresponse></problem>"#;

    fn row(
        id: i64,
        parent: Option<i64>,
        pos: i64,
        kind: &str,
        content: String,
        release: Option<&str>,
    ) -> NodeRow {
        NodeRow {
            id: BlockId(id),
            parent_id: parent.map(BlockId),
            position: pos,
            kind: kind.into(),
            url_name: format!("b{id}"),
            title: format!("B{id}"),
            release_at: release.map(|r| r.parse().unwrap()),
            content,
        }
    }

    fn tree() -> CourseTree {
        let graded = |f: &str| format!(r#"{{"graded":true,"format":"{f}"}}"#);
        CourseTree::build(vec![
            row(1, None, 0, "section", "{}".into(), None),
            row(11, Some(1), 0, "subsection", graded("Homework"), None),
            row(111, Some(11), 0, "unit", "{}".into(), None),
            row(
                1111,
                Some(111),
                0,
                "problem",
                problem(TWO_INPUTS, None),
                None,
            ),
            row(
                1112,
                Some(111),
                1,
                "problem",
                problem(ONE_INPUT, Some(10.0)),
                None,
            ),
            row(1113, Some(111), 2, "problem", problem(PYTHON, None), None),
            row(12, Some(1), 1, "subsection", "{}".into(), None),
            row(121, Some(12), 0, "unit", "{}".into(), None),
            row(
                1211,
                Some(121),
                0,
                "problem",
                problem(ONE_INPUT, None),
                None,
            ),
            row(
                2,
                None,
                1,
                "section",
                "{}".into(),
                Some("2030-01-01T00:00:00Z"),
            ),
            row(21, Some(2), 0, "subsection", graded("Homework"), None),
            row(211, Some(21), 0, "unit", "{}".into(), None),
            row(
                2111,
                Some(211),
                0,
                "problem",
                problem(ONE_INPUT, None),
                None,
            ),
        ])
    }

    fn policy() -> GradingPolicy {
        GradingPolicy {
            types: vec![AssignmentType {
                name: "Homework".into(),
                short_label: Some("HW".into()),
                min_count: 2,
                drop_count: 0,
                weight: 1.0,
            }],
            cutoffs: vec![("Pass".into(), 0.5)],
            grace_period_secs: 0,
        }
    }

    fn vis() -> Visibility {
        Visibility {
            now: "2026-11-21T00:00:00Z".parse().unwrap(),
            course_start: None,
            see_unreleased: false,
        }
    }

    #[test]
    fn weighted_scores_overrides_and_visibility() {
        let t = tree();
        let mut raw = HashMap::new();
        raw.insert(
            BlockId(1111),
            RawScore {
                earned: 1.0,
                possible: 2.0,
                attempts: 1,
            },
        );
        raw.insert(
            BlockId(1112),
            RawScore {
                earned: 1.0,
                possible: 1.0,
                attempts: 2,
            },
        );
        let g = learner_grade(&t, &vis(), &policy(), &raw, &HashMap::new());
        assert_eq!(
            g.subsections.len(),
            2,
            "the 2030 section does not count yet"
        );
        let hw = &g.subsections[0];
        // 1/2 raw + 10/10 weighted; the Python problem is left out.
        assert_eq!((hw.earned, hw.possible), (11.0, 12.0));
        assert_eq!(hw.percent, 0.92);
        assert_eq!(hw.problems.len(), 2);
        assert!(!g.subsections[1].graded);
        // Homework: [0.92, padded 0] → 0.46, below Pass.
        assert_eq!(g.course.percent, 0.46);
        assert!(!g.course.passed);

        let mut overrides = HashMap::new();
        overrides.insert(BlockId(1111), 2.0);
        let g = learner_grade(&t, &vis(), &policy(), &raw, &overrides);
        assert_eq!(
            (
                g.subsections[0].earned,
                g.subsections[0].problems[0].overridden
            ),
            (12.0, true)
        );
        assert_eq!(g.course.percent, 0.5);
        assert!(g.course.passed);
    }

    #[test]
    fn unattempted_problems_count_their_possible_points() {
        let g = learner_grade(&tree(), &vis(), &policy(), &HashMap::new(), &HashMap::new());
        assert_eq!(
            (g.subsections[0].earned, g.subsections[0].possible),
            (0.0, 12.0)
        );
        assert_eq!(g.course.percent, 0.0);
        assert_eq!(g.course.letter, None);
    }
}
