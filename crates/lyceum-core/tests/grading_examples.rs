//! The course-grade examples E17–E19 of `shared/specs/olx-and-capa.md` §4 and edge cases.
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

fn sub(key: &str, format: &str, earned: f64, possible: f64) -> SubsectionScore {
    SubsectionScore {
        key: key.to_owned(),
        format: Some(format.to_owned()),
        graded: true,
        earned,
        possible,
    }
}

fn cutoffs(c: &[(&str, f64)]) -> Vec<(String, f64)> {
    c.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect()
}

fn e17_policy() -> GradingPolicy {
    GradingPolicy {
        types: vec![t("Homework", 3, 1, 0.5), t("Final Exam", 1, 0, 0.5)],
        cutoffs: cutoffs(&[("A", 0.8), ("B", 0.7), ("C", 0.6)]),
        grace_period_secs: 0,
    }
}

#[test]
fn e17_course_grade() {
    let policy = e17_policy();
    policy.validate().unwrap();
    let subs = [
        sub("hw1", "Homework", 2.0, 2.0),
        sub("hw2", "Homework", 1.0, 3.0),
        sub("final", "Final Exam", 9.0, 10.0),
    ];
    let g = course_grade(&policy, &subs);
    let hw = &g.types[0];
    assert_eq!(
        hw.scores,
        vec![
            (Some("hw1".into()), 1.0, false),
            (Some("hw2".into()), 0.33, false),
            (None, 0.0, true)
        ]
    );
    assert!((hw.percent - 0.665).abs() < 1e-12);
    assert_eq!(g.percent, 0.78);
    assert_eq!(g.letter.as_deref(), Some("B"));
    assert!(g.passed);

    let subs = [
        sub("hw1", "Homework", 2.0, 2.0),
        sub("hw2", "Homework", 1.0, 3.0),
        sub("final", "Final Exam", 93.0, 100.0),
    ];
    let g = course_grade(&policy, &subs);
    assert_eq!(g.percent, 0.8);
    assert_eq!(g.letter.as_deref(), Some("A"));
}

#[test]
fn e18_rounding_edges() {
    assert_eq!(subsection_percent(1.0, 8.0), 0.12);
    assert_eq!(subsection_percent(3.0, 8.0), 0.38);
    assert_eq!(subsection_percent(5.0, 8.0), 0.62);
    assert_eq!(subsection_percent(1.0, 3.0), 0.33);
    assert_eq!(subsection_percent(1.0, 0.0), 0.0);
    assert_eq!(course_percent(0.7946), 0.8);
    assert_eq!(course_percent(0.7944), 0.79);
    assert_eq!(course_percent(0.7945), 0.8);
    assert_eq!(course_percent(0.0), 0.0);
    assert_eq!(course_percent(1.0), 1.0);
}

const DEMO_POLICY: &str = r#"{
    "GRADER": [
        {"drop_count": 0, "min_count": 1, "short_label": "Basic", "type": "Basic Assessment Tools", "weight": 0.3},
        {"drop_count": 0, "min_count": 1, "short_label": "Intermediate", "type": "Intermediate Assessment Tools", "weight": 0.35},
        {"drop_count": 0, "min_count": 1, "short_label": "Advanced", "type": "Advanced Assessment Tools", "weight": 0.35}
    ],
    "GRADE_CUTOFFS": {"Pass": 0.5}
}"#;

#[test]
fn e19_demo_course_policy() {
    let (policy, warnings) = GradingPolicy::from_edx_json(DEMO_POLICY);
    assert!(warnings.is_empty(), "{warnings:?}");
    policy.validate().unwrap();
    assert_eq!(policy.types.len(), 3);
    assert_eq!(policy.types[1].short_label.as_deref(), Some("Intermediate"));
    assert_eq!(policy.cutoffs, cutoffs(&[("Pass", 0.5)]));

    let basic_only = [sub("s1", "Basic Assessment Tools", 4.0, 4.0)];
    let g = course_grade(&policy, &basic_only);
    assert_eq!(g.percent, 0.3);
    assert_eq!(g.letter, None);
    assert!(!g.passed);

    let two = [
        sub("s1", "Basic Assessment Tools", 4.0, 4.0),
        sub("s2", "Intermediate Assessment Tools", 3.0, 5.0),
    ];
    let g = course_grade(&policy, &two);
    assert_eq!(g.percent, 0.51);
    assert_eq!(g.letter.as_deref(), Some("Pass"));
    assert!(g.passed);

    // Round trip through Open edX's format.
    let (back, warnings) = GradingPolicy::from_edx_json(&policy.to_edx_json());
    assert!(warnings.is_empty());
    assert_eq!(back, policy);
}

#[test]
fn no_graded_subsections() {
    let g = course_grade(&e17_policy(), &[]);
    assert_eq!(g.percent, 0.0);
    assert_eq!(g.letter, None);
    assert!(!g.passed);
    assert_eq!(g.types[0].scores.len(), 3);
    let g = course_grade(&GradingPolicy::default(), &[sub("x", "Homework", 1.0, 1.0)]);
    assert_eq!((g.percent, g.passed), (0.0, false));
}

#[test]
fn ungraded_empty_and_unmatched_subsections_are_left_out() {
    let policy = GradingPolicy {
        types: vec![t("Homework", 1, 0, 1.0)],
        cutoffs: cutoffs(&[("Pass", 0.5)]),
        grace_period_secs: 0,
    };
    let mut ungraded = sub("a", "Homework", 0.0, 5.0);
    ungraded.graded = false;
    let mut no_format = sub("b", "", 5.0, 5.0);
    no_format.format = None;
    let subs = [
        ungraded,
        sub("empty", "Homework", 0.0, 0.0),
        no_format,
        sub("other", "homework", 1.0, 1.0),
        sub("real", "Homework", 3.0, 4.0),
    ];
    let g = course_grade(&policy, &subs);
    assert_eq!(g.types[0].scores, vec![(Some("real".into()), 0.75, false)]);
    assert_eq!(g.percent, 0.75);
}

#[test]
fn zero_weights_and_more_drops_than_entries() {
    let policy = GradingPolicy {
        types: vec![t("Lab", 2, 5, 0.0), t("Quiz", 1, 0, 0.7)],
        cutoffs: cutoffs(&[("Pass", 0.6)]),
        grace_period_secs: 0,
    };
    let subs = [sub("l1", "Lab", 1.0, 1.0), sub("q1", "Quiz", 1.0, 1.0)];
    let g = course_grade(&policy, &subs);
    // Every lab dropped: the type scores 0 (and weighs nothing anyway).
    assert_eq!(g.types[0].percent, 0.0);
    assert!(g.types[0].scores.iter().all(|s| s.2));
    assert_eq!(g.percent, 0.7);
    assert!(g.passed);
    assert!(
        policy.validate().is_err(),
        "drop_count above min_count is refused when editing"
    );
}

#[test]
fn drops_take_the_later_of_equal_scores() {
    let policy = GradingPolicy {
        types: vec![t("HW", 3, 1, 1.0)],
        cutoffs: cutoffs(&[("Pass", 0.5)]),
        grace_period_secs: 0,
    };
    let subs = [
        sub("a", "HW", 1.0, 2.0),
        sub("b", "HW", 1.0, 2.0),
        sub("c", "HW", 2.0, 2.0),
    ];
    let g = course_grade(&policy, &subs);
    let dropped: Vec<bool> = g.types[0].scores.iter().map(|s| s.2).collect();
    assert_eq!(dropped, [false, true, false]);
    assert_eq!(g.percent, 0.75);
}

#[test]
fn cutoff_ties_and_zero_cutoffs() {
    let policy = GradingPolicy {
        types: vec![t("HW", 1, 0, 1.0)],
        cutoffs: cutoffs(&[("First", 0.5), ("Second", 0.5), ("Zero", 0.0)]),
        grace_period_secs: 0,
    };
    let g = course_grade(&policy, &[sub("a", "HW", 1.0, 2.0)]);
    assert_eq!(g.letter.as_deref(), Some("First"));
    assert!(g.passed);
    let g = course_grade(&policy, &[sub("a", "HW", 1.0, 4.0)]);
    assert_eq!(g.letter.as_deref(), Some("Zero"));
    assert!(!g.passed, "a zero cutoff is not the pass mark");
    let only_zero = GradingPolicy {
        cutoffs: cutoffs(&[("Zero", 0.0)]),
        ..policy
    };
    assert!(!course_grade(&only_zero, &[sub("a", "HW", 1.0, 1.0)]).passed);
    // Ties keep the document order of the JSON object.
    let (p, _) =
        GradingPolicy::from_edx_json(r#"{"GRADE_CUTOFFS": {"B": 0.6, "A": 0.6, "C": 0.9}}"#);
    assert_eq!(p.cutoffs, cutoffs(&[("C", 0.9), ("B", 0.6), ("A", 0.6)]));
}

#[test]
fn edx_json_defaults_and_old_entries() {
    let (p, warnings) = GradingPolicy::from_edx_json("");
    assert!(warnings.is_empty());
    assert_eq!(
        p.types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Homework", "Lab", "Midterm Exam", "Final Exam"]
    );
    assert_eq!(
        (
            p.types[0].min_count,
            p.types[0].drop_count,
            p.types[0].weight
        ),
        (12, 2, 0.15)
    );
    assert_eq!(p.types[0].short_label.as_deref(), Some("HW"));
    assert_eq!(p.cutoffs, cutoffs(&[("Pass", 0.5)]));

    let (p, warnings) = GradingPolicy::from_edx_json("{not json");
    assert_eq!(p.types.len(), 4);
    assert_eq!(warnings.len(), 1);

    let old = r#"{"GRADER": [
        {"type": "Midterm", "name": "Midterm Exam", "short_label": "Midterm", "weight": 0.3},
        {"type": "Homework", "min_count": 2, "weight": 0.7, "bogus": 1},
        {"min_count": 1}
    ], "GRADE_CUTOFFS": {"A": 0.9, "B": 0.8}}"#;
    let (p, warnings) = GradingPolicy::from_edx_json(old);
    assert_eq!(p.types.len(), 2);
    assert_eq!((p.types[0].min_count, p.types[0].drop_count), (1, 0));
    assert_eq!((p.types[1].min_count, p.types[1].drop_count), (2, 0));
    assert_eq!(p.cutoffs, cutoffs(&[("A", 0.9), ("B", 0.8)]));
    let joined = warnings.join("\n");
    for needle in [
        "single-section",
        "'name'",
        "'bogus'",
        "no drop_count",
        "no type",
    ] {
        assert!(joined.contains(needle), "{needle} in {joined}");
    }
}

#[test]
fn validation_rules() {
    let ok = e17_policy();
    assert!(ok.validate().is_ok());
    assert!(GradingPolicy::default().validate().is_ok());
    let bad = |f: &dyn Fn(&mut GradingPolicy)| {
        let mut p = e17_policy();
        f(&mut p);
        p.validate().unwrap_err().key.0
    };
    assert_eq!(
        bad(&|p| p.types[0].name = " ".into()),
        "lyceum-error-grading-type-name"
    );
    assert_eq!(
        bad(&|p| p.types[1].name = "Homework".into()),
        "lyceum-error-grading-type-duplicate"
    );
    assert_eq!(
        bad(&|p| p.types[0].weight = -0.1),
        "lyceum-error-grading-weight"
    );
    assert_eq!(
        bad(&|p| p.types[0].weight = f64::NAN),
        "lyceum-error-grading-weight"
    );
    assert_eq!(
        bad(&|p| p.types[0].min_count = 0),
        "lyceum-error-grading-min-count"
    );
    assert_eq!(
        bad(&|p| p.types[0].drop_count = 4),
        "lyceum-error-grading-drop-count"
    );
    assert_eq!(
        bad(&|p| p.cutoffs = cutoffs(&[
            ("A", 0.9),
            ("B", 0.8),
            ("C", 0.7),
            ("D", 0.6),
            ("E", 0.5),
            ("F", 0.4)
        ])),
        "lyceum-error-grading-cutoff-count"
    );
    assert_eq!(
        bad(&|p| p.cutoffs = cutoffs(&[("A", 0.0)])),
        "lyceum-error-grading-cutoff-value"
    );
    assert_eq!(
        bad(&|p| p.cutoffs = cutoffs(&[("A", 1.2)])),
        "lyceum-error-grading-cutoff-value"
    );
    assert_eq!(
        bad(&|p| p.cutoffs = cutoffs(&[("A", 0.9), ("A", 0.8)])),
        "lyceum-error-grading-cutoff-duplicate"
    );
    assert_eq!(
        bad(&|p| p.cutoffs = cutoffs(&[("", 0.9)])),
        "lyceum-error-grading-cutoff-name"
    );
}
