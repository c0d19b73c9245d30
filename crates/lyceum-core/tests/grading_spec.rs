//! Table tests of the course-grade rules of `shared/specs/olx-and-capa.md` §3 (and the
//! grading-policy import of §1.4) beyond the worked examples E17–E19 in
//! `grading_examples.rs`. The rounding tables were checked against numpy 2.4
//! (`numpy.around`) and Open edX's `round_away_from_zero` on CPython 3.11.
#![allow(clippy::unwrap_used)]

use lyceum_core::grading::{
    AssignmentType, GradingPolicy, SubsectionScore, course_grade, course_percent,
    subsection_percent,
};

fn t(name: &str, min_count: u32, drop_count: u32, weight: f64) -> AssignmentType {
    AssignmentType {
        name: name.to_owned(),
        short_label: None,
        min_count,
        drop_count,
        weight,
    }
}

fn sub(format: &str, earned: f64, possible: f64) -> SubsectionScore {
    SubsectionScore {
        key: format!("{format}-{earned}-{possible}"),
        format: Some(format.to_owned()),
        graded: true,
        earned,
        possible,
    }
}

fn cutoffs(c: &[(&str, f64)]) -> Vec<(String, f64)> {
    c.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect()
}

/// §3.1: `numpy.around(earned / possible, 2)`: half to even on the float, 0 when nothing
/// is possible.
#[test]
fn s3_1_subsection_percent_rounding() {
    #[rustfmt::skip]
    let table: &[(f64, f64, f64)] = &[
        (1.0, 8.0, 0.12), (3.0, 8.0, 0.38), (5.0, 8.0, 0.62), (7.0, 8.0, 0.88),
        (1.0, 200.0, 0.0), (3.0, 200.0, 0.02), (9.0, 200.0, 0.04),
        (1.0, 3.0, 0.33), (2.0, 3.0, 0.67), (1.0, 7.0, 0.14), (2.0, 7.0, 0.29),
        (0.0, 5.0, 0.0), (5.0, 5.0, 1.0), (2.5, 4.0, 0.62),
        // Binary floats: 0.135 and 0.145 are both a little off their decimal value.
        (0.125, 1.0, 0.12), (0.135, 1.0, 0.14), (0.145, 1.0, 0.14), (0.155, 1.0, 0.16),
        (0.165, 1.0, 0.16), (0.175, 1.0, 0.18), (0.185, 1.0, 0.18), (0.195, 1.0, 0.2),
        (20.0 / 3.0, 10.0, 0.67),
        (1.0, 0.0, 0.0), (0.0, 0.0, 0.0),
    ];
    for &(earned, possible, want) in table {
        assert_eq!(
            subsection_percent(earned, possible),
            want,
            "{earned}/{possible}"
        );
    }
}

/// §3.4: `round_away_from_zero(total·100 + 0.05) / 100`: from x.45 % upwards rounds up.
#[test]
fn s3_4_course_percent_rounding() {
    #[rustfmt::skip]
    let table: &[(f64, f64)] = &[
        (0.7946, 0.8), (0.7945, 0.8), (0.7944, 0.79), (0.4449, 0.45), (0.44449, 0.44),
        (0.445, 0.45), (0.005, 0.01), (0.0049, 0.01), (0.0045, 0.01), (0.0044, 0.0),
        (0.995, 1.0), (0.9949, 1.0), (0.29, 0.29), (0.5049, 0.51), (0.59449, 0.59),
        (0.595, 0.6), (1.0 / 3.0, 0.33), (2.0 / 3.0, 0.67), (0.0, 0.0), (1.0, 1.0),
        // Weights may add up to more than 1 (extra credit): nothing caps the total.
        (1.2, 1.2),
    ];
    for &(total, want) in table {
        assert_eq!(course_percent(total), want, "{total}");
    }
}

struct Scenario<'a> {
    name: &'a str,
    types: Vec<AssignmentType>,
    cutoffs: Vec<(String, f64)>,
    subsections: Vec<SubsectionScore>,
    type_percents: Vec<f64>,
    percent: f64,
    letter: Option<&'a str>,
    passed: bool,
}

/// §3.2–§3.5 end to end.
#[test]
fn s3_course_grade_scenarios() {
    let abc = cutoffs(&[("A", 0.9), ("B", 0.8), ("C", 0.6)]);
    let mut hidden = sub("Homework", 5.0, 5.0);
    hidden.graded = false;
    let scenarios = vec![
        Scenario {
            name: "more subsections than min_count: all count",
            types: vec![t("Homework", 1, 0, 1.0)],
            cutoffs: abc.clone(),
            subsections: vec![
                sub("Homework", 1.0, 1.0),
                sub("Homework", 1.0, 2.0),
                sub("Homework", 0.0, 1.0),
            ],
            type_percents: vec![0.5],
            percent: 0.5,
            letter: None,
            passed: false,
        },
        Scenario {
            name: "padding zeros are dropped first",
            types: vec![t("Homework", 4, 2, 1.0)],
            cutoffs: abc.clone(),
            subsections: vec![sub("Homework", 4.0, 5.0), sub("Homework", 3.0, 5.0)],
            type_percents: vec![0.7],
            percent: 0.7,
            letter: Some("C"),
            passed: true,
        },
        Scenario {
            name: "everything dropped: 0",
            types: vec![t("Homework", 2, 2, 1.0)],
            cutoffs: abc.clone(),
            subsections: vec![sub("Homework", 1.0, 1.0), sub("Homework", 1.0, 1.0)],
            type_percents: vec![0.0],
            percent: 0.0,
            letter: None,
            passed: false,
        },
        Scenario {
            name: "the mean of rounded subsection percents",
            types: vec![t("Homework", 3, 0, 1.0)],
            cutoffs: abc.clone(),
            subsections: vec![
                sub("Homework", 1.0, 3.0),
                sub("Homework", 1.0, 3.0),
                sub("Homework", 0.34, 1.0),
            ],
            type_percents: vec![1.0 / 3.0],
            percent: 0.33,
            letter: None,
            passed: false,
        },
        Scenario {
            name: "x.45 % rounds up: 0.5945 passes a 0.6 cutoff",
            types: vec![t("Lab", 1, 0, 0.55), t("Exam", 1, 0, 0.45)],
            cutoffs: cutoffs(&[("Pass", 0.6)]),
            subsections: vec![sub("Lab", 59.0, 100.0), sub("Exam", 60.0, 100.0)],
            type_percents: vec![0.59, 0.6],
            percent: 0.6,
            letter: Some("Pass"),
            passed: true,
        },
        Scenario {
            name: "0.5944 does not",
            types: vec![t("Lab", 1, 0, 0.56), t("Exam", 1, 0, 0.44)],
            cutoffs: cutoffs(&[("Pass", 0.6)]),
            subsections: vec![sub("Lab", 59.0, 100.0), sub("Exam", 60.0, 100.0)],
            type_percents: vec![0.59, 0.6],
            percent: 0.59,
            letter: None,
            passed: false,
        },
        Scenario {
            name: "extra credit above 100 %",
            types: vec![t("Lab", 1, 0, 0.6), t("Exam", 1, 0, 0.6)],
            cutoffs: abc.clone(),
            subsections: vec![sub("Lab", 1.0, 1.0), sub("Exam", 2.0, 2.0)],
            type_percents: vec![1.0, 1.0],
            percent: 1.2,
            letter: Some("A"),
            passed: true,
        },
        Scenario {
            name: "formats match exactly; ungraded and empty subsections are left out",
            types: vec![t("Homework", 1, 0, 1.0)],
            cutoffs: abc.clone(),
            subsections: vec![
                sub("Homework ", 1.0, 1.0),
                sub("homework", 1.0, 1.0),
                sub("Homework", 0.0, 0.0),
                hidden,
                sub("Homework", 4.0, 5.0),
            ],
            type_percents: vec![0.8],
            percent: 0.8,
            letter: Some("B"),
            passed: true,
        },
        Scenario {
            name: "no cutoffs: no letter, never passed",
            types: vec![t("Homework", 1, 0, 1.0)],
            cutoffs: Vec::new(),
            subsections: vec![sub("Homework", 1.0, 1.0)],
            type_percents: vec![1.0],
            percent: 1.0,
            letter: None,
            passed: false,
        },
        Scenario {
            name: "a cutoff exactly reached",
            types: vec![t("Homework", 1, 0, 1.0)],
            cutoffs: abc.clone(),
            subsections: vec![sub("Homework", 9.0, 10.0)],
            type_percents: vec![0.9],
            percent: 0.9,
            letter: Some("A"),
            passed: true,
        },
        Scenario {
            name: "no types: 0",
            types: Vec::new(),
            cutoffs: abc,
            subsections: vec![sub("Homework", 1.0, 1.0)],
            type_percents: Vec::new(),
            percent: 0.0,
            letter: None,
            passed: false,
        },
    ];
    for s in scenarios {
        let policy = GradingPolicy {
            types: s.types,
            cutoffs: s.cutoffs,
            grace_period_secs: 0,
        };
        let g = course_grade(&policy, &s.subsections);
        let got: Vec<f64> = g.types.iter().map(|t| t.percent).collect();
        assert_eq!(got, s.type_percents, "{}", s.name);
        assert_eq!(g.percent, s.percent, "{}", s.name);
        assert_eq!(g.letter.as_deref(), s.letter, "{}", s.name);
        assert_eq!(g.passed, s.passed, "{}", s.name);
    }
}

/// §1.4: a missing `GRADER` or `GRADE_CUTOFFS` takes Open edX's default; present but empty
/// ones are kept empty; a `weight` left out is 0 (`grader_from_conf`).
#[test]
fn s1_4_grading_policy_json_edges() {
    let (p, w) = GradingPolicy::from_edx_json(r#"{"GRADER": [], "GRADE_CUTOFFS": {}}"#);
    assert!(w.is_empty(), "{w:?}");
    assert!(p.types.is_empty() && p.cutoffs.is_empty());
    let (p, _) = GradingPolicy::from_edx_json(r#"{"GRADE_CUTOFFS": {"A": 0.9}}"#);
    assert_eq!(p.types.len(), 4);
    assert_eq!(p.cutoffs, cutoffs(&[("A", 0.9)]));
    let (p, _) = GradingPolicy::from_edx_json(
        r#"{"GRADER": [{"type": "HW", "min_count": 2, "drop_count": 1}]}"#,
    );
    assert_eq!(p.types, vec![t("HW", 2, 1, 0.0)]);
    assert_eq!(p.cutoffs, cutoffs(&[("Pass", 0.5)]));
    // Cutoffs are sorted by value, highest first.
    let (p, _) =
        GradingPolicy::from_edx_json(r#"{"GRADE_CUTOFFS": {"C": 0.6, "A": 0.9, "B": 0.8}}"#);
    assert_eq!(p.cutoffs, cutoffs(&[("A", 0.9), ("B", 0.8), ("C", 0.6)]));
    // The lowest non-zero cutoff is the pass mark, whatever its name.
    let policy = GradingPolicy {
        types: vec![t("HW", 1, 0, 1.0)],
        cutoffs: cutoffs(&[("Pass", 0.7), ("Distinction", 0.9), ("Fail", 0.0)]),
        grace_period_secs: 0,
    };
    let g = course_grade(&policy, &[sub("HW", 6.0, 10.0)]);
    assert_eq!((g.letter.as_deref(), g.passed), (Some("Fail"), false));
    let g = course_grade(&policy, &[sub("HW", 7.0, 10.0)]);
    assert_eq!((g.letter.as_deref(), g.passed), (Some("Pass"), true));
}
