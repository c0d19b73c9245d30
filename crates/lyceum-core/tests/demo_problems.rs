//! The 29 problems of the Open edX demo course (copied to `tests/capa/`, see its README):
//! every one parses, the supported ones grade the spec's demo examples, and the others
//! say why they are not supported.
#![allow(clippy::unwrap_used)]

use lyceum_core::capa::{self, AnswerValue, Answers, Correctness, Problem, Segment};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/capa")
}

fn load(url_name: &str) -> Problem {
    let xml = std::fs::read_to_string(dir().join(format!("{url_name}.xml"))).unwrap();
    capa::parse(url_name, &xml).unwrap()
}

fn one(v: &str) -> AnswerValue {
    AnswerValue::One(v.to_owned())
}

fn many(v: &[&str]) -> AnswerValue {
    AnswerValue::Many(v.iter().map(|s| (*s).to_owned()).collect())
}

fn grade(p: &Problem, pairs: &[(String, AnswerValue)]) -> (f64, f64) {
    let answers: Answers = pairs.iter().cloned().collect();
    let g = capa::grade(p, &answers).unwrap();
    (g.earned, g.possible)
}

const UNSUPPORTED: [(&str, &str); 10] = [
    ("0d127d7942ec4be7a464eabafb286d02", "python-script"),
    ("10d6abada29b45df87f3bd9a9af86e72", "imageresponse"),
    ("29fb15ec7b5f462cab0a8216108df8dc", "annotationresponse"),
    ("53083a812536472ba8ea8182ee354363", "python-script"),
    ("58f6371c54254596ac91699557af449c", "python-script"),
    ("720cac326b684155b4845d32af4aeef0", "python-script"),
    ("7c95e593b148415e97ac02811c7daf1b", "python-script"),
    ("ced178178f4440e08f15a408ea14cbf1", "formularesponse"),
    ("dc37b89aade5444fbb1ecdaa0d22d180", "schematicresponse"),
    ("eb57b81093d048df975c957d005b1f74", "python-script"),
];

#[test]
fn all_29_parse_and_lay_out() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".xml").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 29, "the demo course has 29 problems");
    for name in &names {
        let p = load(name);
        let expected = UNSUPPORTED.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
        assert_eq!(p.unsupported.as_deref(), expected, "{name}");
        let segments = capa::layout(&p, 1);
        let placed: BTreeSet<&str> = segments
            .iter()
            .filter_map(|s| match s {
                Segment::Input(id) => Some(id.as_str()),
                Segment::Html(_) => None,
            })
            .collect();
        if p.unsupported.is_some() {
            assert!(placed.is_empty(), "{name}");
            assert!(matches!(
                capa::grade(&p, &Answers::new()),
                Err(capa::GradeError::Unsupported)
            ));
            assert!(p.unsupported_notice().is_some());
        } else {
            let ids: BTreeSet<&str> = p.inputs().map(|i| i.id.as_str()).collect();
            assert_eq!(placed, ids, "{name}: every input is placed once");
            assert!(!ids.is_empty(), "{name}");
            // Nothing answered: nothing earned, full possible.
            let g = capa::grade(&p, &Answers::new()).unwrap();
            assert_eq!(g.earned, 0.0, "{name}");
            assert_eq!(g.possible, capa::max_score(&p), "{name}");
            // The correct answers score full marks.
            let correct: Answers = capa::correct_answers(&p).into_iter().collect();
            let g = capa::grade(&p, &correct).unwrap();
            if name != "7071a317a0744a37924ef5dea17d47e1" {
                assert_eq!(
                    g.earned, g.possible,
                    "{name}: correct answers score full marks"
                );
            }
        }
        for s in &segments {
            if let Segment::Html(h) = s {
                assert!(!h.contains("<script") && !h.contains("onclick"), "{name}");
            }
        }
    }
}

#[test]
fn e6_demo_checkboxes() {
    let p = load("0135258373e648f2b57a80ae06bade61");
    let id = "0135258373e648f2b57a80ae06bade61_2_1".to_owned();
    assert_eq!(
        grade(
            &p,
            &[(id.clone(), many(&["choice_1", "choice_3", "choice_4"]))]
        ),
        (1.0, 1.0)
    );
    assert_eq!(
        grade(&p, &[(id.clone(), many(&["choice_1", "choice_3"]))]),
        (0.0, 1.0)
    );
    // Extended hints: the unselected true choices explain themselves.
    let answers: Answers = [(id.clone(), many(&["choice_1", "choice_3"]))]
        .into_iter()
        .collect();
    let g = capa::grade(&p, &answers).unwrap();
    let feedback = g.inputs[&id].feedback.clone().unwrap();
    assert!(feedback.contains("Pluto"), "{feedback}");
    let input = &p.responses[0].inputs[0];
    assert!(input.label.as_deref().unwrap().contains("fun facts"));
    assert_eq!(
        input.description.as_deref(),
        Some("There are 3 correct answers.")
    );
    assert!(p.solution_html.as_deref().unwrap().contains("Oxford"));
}

#[test]
fn e8_demo_dropdown() {
    let p = load("c89f56c74a3a424dbffb665d4643b42f");
    let id = "c89f56c74a3a424dbffb665d4643b42f_2_1".to_owned();
    assert_eq!(grade(&p, &[(id.clone(), one("Canberra"))]), (1.0, 1.0));
    assert_eq!(grade(&p, &[(id.clone(), one("Sydney"))]), (0.0, 1.0));
    match &p.responses[0].inputs[0].widget {
        capa::Widget::Select { options } => {
            assert_eq!(options, &["Sydney", "Canberra", "Melbourne"])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn e14_demo_numerical_partial_list() {
    let name = "9f898b5307d841fcb03f5ee4eb206a9a";
    let p = load(name);
    let id = format!("{name}_2_1");
    assert_eq!(grade(&p, &[(id.clone(), one("2"))]), (1.0, 1.0));
    assert_eq!(grade(&p, &[(id.clone(), one("1"))]), (0.5, 1.0));
    assert_eq!(grade(&p, &[(id.clone(), one("3"))]), (0.0, 1.0));
    let answers: Answers = [(id.clone(), one("1"))].into_iter().collect();
    assert_eq!(
        capa::grade(&p, &answers).unwrap().inputs[&id].correctness,
        Correctness::PartiallyCorrect
    );
    assert_eq!(p.hints.len(), 3);
}

#[test]
fn demo_dropdown_table_has_eight_inputs() {
    let name = "85f3f7f9b72548af880975112f27817c";
    let p = load(name);
    let ids: Vec<String> = p.inputs().map(|i| i.id.clone()).collect();
    let expected: Vec<String> = (2..=9).map(|k| format!("{name}_{k}_1")).collect();
    assert_eq!(ids, expected);
    let answers = [
        "Albert Einstein",
        "Germany",
        "Dmitri Mendeleev",
        "Russia",
        "Sir Isaac Newton",
        "England",
        "Jonas Salk",
        "USA",
    ];
    let pairs: Vec<(String, AnswerValue)> = ids
        .iter()
        .cloned()
        .zip(answers.iter().map(|a| one(a)))
        .collect();
    assert_eq!(grade(&p, &pairs), (8.0, 8.0));
    let mut wrong = pairs.clone();
    wrong[1].1 = one("USA");
    assert_eq!(grade(&p, &wrong), (7.0, 8.0));
    // The dropdowns stay in their table cells.
    let html: String = capa::layout(&p, 1)
        .iter()
        .map(|s| match s {
            Segment::Html(h) => h.clone(),
            Segment::Input(id) => format!("[{id}]"),
        })
        .collect();
    assert!(
        html.contains(&format!("<td>\n        <div>\n          [{name}_2_1]")),
        "{html}"
    );
}

#[test]
fn demo_text_and_numbers() {
    let cases: [(&str, &str, f64); 9] = [
        ("3b8100660f3947c198e0a9b35f7c6cf6", "604", 1.0),
        ("3b8100660f3947c198e0a9b35f7c6cf6", "606", 0.0),
        ("3b8100660f3947c198e0a9b35f7c6cf6", "120*5", 1.0),
        ("330956aa9c304a0a8e944d3caac15494", "Bubble", 1.0),
        ("330956aa9c304a0a8e944d3caac15494", "bubbles", 0.0),
        ("3e5a945f54374fc7ababadc080660f2d", "sleepy", 1.0),
        ("3e5a945f54374fc7ababadc080660f2d", "Snow White", 0.0),
        ("7071a317a0744a37924ef5dea17d47e1", "Anything at all", 1.0),
        ("861cd64b013d1addc68f", "12", 1.0),
    ];
    for (name, answer, earned) in cases {
        let p = load(name);
        assert_eq!(
            grade(&p, &[(format!("{name}_2_1"), one(answer))]).0,
            earned,
            "{name} {answer}"
        );
    }
    let reflective = load("7071a317a0744a37924ef5dea17d47e1");
    assert_eq!(
        grade(
            &reflective,
            &[("7071a317a0744a37924ef5dea17d47e1_2_1".to_owned(), one(""))]
        )
        .0,
        0.0
    );
}

#[test]
fn demo_multiple_choice_feedback() {
    let name = "b20c43dfbd874a729762ab44a1dfc282";
    let p = load(name);
    let id = format!("{name}_2_1");
    let answers: Answers = [(id.clone(), one("choice_1"))].into_iter().collect();
    let g = capa::grade(&p, &answers).unwrap();
    assert_eq!(g.earned, 1.0);
    assert!(
        g.inputs[&id]
            .feedback
            .as_deref()
            .unwrap()
            .starts_with("Correct!")
    );
    assert_eq!(
        p.responses[0].inputs[0].label.as_deref(),
        Some("In what year did the SS Pendleton sink?")
    );
}
