//! Scoring speed: parsing a capa problem, grading one submission of each input kind, and
//! computing a learner's course grade over 200 graded problems (what the Progress page
//! and every gradebook row do on each request).
//!
//!   cargo bench -p lyceum-bench --bench scoring
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use lyceum_core::BlockId;
use lyceum_core::blocks::ProblemContent;
use lyceum_core::capa::{self, AnswerValue, Answers};
use lyceum_core::course::{CourseTree, NodeRow, Visibility};
use lyceum_core::grading::learner::{RawScore, learner_grade};
use lyceum_core::grading::{AssignmentType, GradingPolicy};
use std::collections::HashMap;
use std::hint::black_box;

const KINDS: [(&str, &str, &str); 5] = [
    (
        "single select",
        r#"<problem><multiplechoiceresponse><label>Which licence?</label><choicegroup type="MultipleChoice" shuffle="true">
<choice correct="false">CC0<choicehint>Wikidata's.</choicehint></choice><choice correct="true">CC BY-SA 4.0</choice><choice correct="false">GFDL only</choice>
<choice correct="false">All rights reserved</choice></choicegroup></multiplechoiceresponse>
<demandhint><hint>Share-alike.</hint></demandhint><solution><p>CC BY-SA 4.0.</p></solution></problem>"#,
        "choice_1",
    ),
    (
        "multi select EDC",
        r#"<problem><choiceresponse partial_credit="EDC"><label>Wikimedia projects?</label><checkboxgroup>
<choice correct="true">Wikidata</choice><choice correct="false">OpenStreetMap</choice><choice correct="true">Wikisource</choice>
<choice correct="false">Fandom</choice><choice correct="true">Wiktionary</choice></checkboxgroup></choiceresponse></problem>"#,
        "choice_0,choice_2",
    ),
    (
        "dropdown",
        r#"<problem><optionresponse><label>Wikidata's licence</label><optioninput options="('CC0','CC BY-SA','GFDL')" correct="CC0"/></optionresponse></problem>"#,
        "CC0",
    ),
    (
        "text regexp",
        r#"<problem><stringresponse answer="Bistro" type="ci regexp"><label>Where to ask?</label><additional_answer answer="^bistrot?( de wikidata)?$"/><textline/></stringresponse></problem>"#,
        "  Bistrot de Wikidata ",
    ),
    (
        "number",
        r#"<problem><numericalresponse answer="25000/31"><label>Words per article?</label><responseparam type="tolerance" default="5%"/><formulaequationinput/></numericalresponse></problem>"#,
        "806.5",
    ),
];

fn answers(p: &capa::Problem, value: &str) -> Answers {
    let input = p.inputs().next().unwrap();
    let v = match input.widget {
        capa::Widget::Checkbox { .. } => {
            AnswerValue::Many(value.split(',').map(str::to_owned).collect())
        }
        _ => AnswerValue::One(value.to_owned()),
    };
    [(input.id.clone(), v)].into_iter().collect()
}

fn parse_and_grade(c: &mut Criterion) {
    for (name, xml, value) in KINDS {
        c.bench_function(&format!("parse {name}"), |b| {
            b.iter(|| capa::parse("p1", black_box(xml)).unwrap())
        });
        let p = capa::parse("p1", xml).unwrap();
        let a = answers(&p, value);
        let g = capa::grade(&p, &a).unwrap();
        assert!(g.earned > 0.0, "{name}: the benchmark answer must score");
        c.bench_function(&format!("grade {name}"), |b| {
            b.iter(|| capa::grade(black_box(&p), black_box(&a)).unwrap())
        });
    }
}

/// 20 graded subsections of 10 problems, one learner with a score on each.
fn course(problems: usize) -> (CourseTree, HashMap<BlockId, RawScore>) {
    let mut rows = Vec::new();
    let mut raw = HashMap::new();
    let mut next = 1;
    let mut id = || {
        next += 1;
        BlockId(next)
    };
    let section = id();
    rows.push(NodeRow {
        id: section,
        parent_id: None,
        position: 0,
        kind: "section".into(),
        url_name: "s".into(),
        title: "S".into(),
        release_at: None,
        content: "{}".into(),
    });
    for s in 0..problems.div_ceil(10) {
        let sub = id();
        rows.push(NodeRow {
            id: sub,
            parent_id: Some(section),
            position: s as i64,
            kind: "subsection".into(),
            url_name: format!("ss{s}"),
            title: format!("Quiz {s}"),
            release_at: None,
            content: r#"{"graded":true,"format":"Homework"}"#.into(),
        });
        let unit = id();
        rows.push(NodeRow {
            id: unit,
            parent_id: Some(sub),
            position: 0,
            kind: "unit".into(),
            url_name: format!("u{s}"),
            title: "U".into(),
            release_at: None,
            content: "{}".into(),
        });
        for k in 0..10.min(problems - s * 10) {
            let b = id();
            let (_, xml, _) = KINDS[k % KINDS.len()];
            let content = serde_json::to_string(&ProblemContent::new(xml)).unwrap();
            rows.push(NodeRow {
                id: b,
                parent_id: Some(unit),
                position: k as i64,
                kind: "problem".into(),
                url_name: format!("p{s}_{k}"),
                title: String::new(),
                release_at: None,
                content,
            });
            raw.insert(
                b,
                RawScore {
                    earned: (k % 2) as f64,
                    possible: 1.0,
                    attempts: 1,
                },
            );
        }
    }
    (CourseTree::build(rows), raw)
}

fn course_grade(c: &mut Criterion) {
    let (tree, raw) = course(200);
    let policy = GradingPolicy {
        types: vec![AssignmentType {
            name: "Homework".into(),
            short_label: Some("HW".into()),
            min_count: 20,
            drop_count: 2,
            weight: 1.0,
        }],
        cutoffs: vec![("A".into(), 0.9), ("Pass".into(), 0.5)],
        grace_period_secs: 0,
    };
    let vis = Visibility {
        now: "2026-11-21T00:00:00Z".parse().unwrap(),
        course_start: None,
        see_unreleased: false,
    };
    let none = HashMap::new();
    let g = learner_grade(&tree, &vis, &policy, &raw, &none);
    assert_eq!(g.subsections.len(), 20);
    c.bench_function("course grade, 200 problems", |b| {
        b.iter(|| learner_grade(black_box(&tree), &vis, &policy, black_box(&raw), &none))
    });
}

criterion_group!(benches, parse_and_grade, course_grade);
criterion_main!(benches);
