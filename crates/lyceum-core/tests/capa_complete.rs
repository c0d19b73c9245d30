//! Table tests of "is this answer set complete" (`capa::missing_inputs`): a submission
//! with any input left empty is not graded and uses no attempt (issue 10, defect 1).
#![allow(clippy::unwrap_used)]

use lyceum_core::capa::{self, AnswerValue, Answers};

const RADIO: &str = r#"<problem><multiplechoiceresponse><choicegroup type="MultipleChoice">
<choice correct="false">A</choice><choice correct="true">B</choice></choicegroup></multiplechoiceresponse></problem>"#;

const CHECKBOX: &str = r#"<problem><choiceresponse><checkboxgroup>
<choice correct="true">A</choice><choice correct="false">B</choice></checkboxgroup></choiceresponse></problem>"#;

/// Four dropdowns in one question, as in the issue's example.
const FOUR_MENUS: &str = r#"<problem><optionresponse>
<p>One <optioninput options="('a','b')" correct="a"/> two <optioninput options="('a','b')" correct="b"/>
three <optioninput options="('a','b')" correct="a"/> four <optioninput options="('a','b')" correct="b"/></p>
</optionresponse></problem>"#;

const TEXT: &str =
    r#"<problem><stringresponse answer="Paris"><textline/></stringresponse></problem>"#;

const NUMBER: &str = r#"<problem><numericalresponse answer="4"><formulaequationinput/></numericalresponse></problem>"#;

/// Two questions in one problem: a text field and a radio group.
const TWO_QUESTIONS: &str = r#"<problem>
<stringresponse answer="Paris"><textline/></stringresponse>
<multiplechoiceresponse><choicegroup type="MultipleChoice">
<choice correct="true">A</choice><choice correct="false">B</choice></choicegroup></multiplechoiceresponse>
</problem>"#;

/// A question Lyceum does not grade never holds a submission back (it is refused as
/// unsupported elsewhere).
const CUSTOM: &str =
    r#"<problem><customresponse cfn="check"><textline/></customresponse></problem>"#;

fn one(v: &str) -> AnswerValue {
    AnswerValue::One(v.to_owned())
}

fn many(v: &[&str]) -> AnswerValue {
    AnswerValue::Many(v.iter().map(|s| (*s).to_owned()).collect())
}

fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn which_inputs_are_missing() {
    // (label, problem, answers, positions of the inputs left empty)
    let table: Vec<(&str, &str, Answers, Vec<usize>)> = vec![
        ("radio: nothing sent", RADIO, answers(&[]), vec![1]),
        (
            "radio: empty value",
            RADIO,
            answers(&[("1_2_1", one(""))]),
            vec![1],
        ),
        (
            "radio: a choice",
            RADIO,
            answers(&[("1_2_1", one("choice_1"))]),
            vec![],
        ),
        // An unknown choice is an answer: grading judges it (incorrect), as Open edX does.
        (
            "radio: unknown choice",
            RADIO,
            answers(&[("1_2_1", one("choice_9"))]),
            vec![],
        ),
        ("checkbox: nothing sent", CHECKBOX, answers(&[]), vec![1]),
        (
            "checkbox: empty list",
            CHECKBOX,
            answers(&[("1_2_1", many(&[]))]),
            vec![1],
        ),
        (
            "checkbox: list of blanks",
            CHECKBOX,
            answers(&[("1_2_1", many(&["", " "]))]),
            vec![1],
        ),
        (
            "checkbox: one box",
            CHECKBOX,
            answers(&[("1_2_1", many(&["choice_1"]))]),
            vec![],
        ),
        (
            "checkbox: a lone string",
            CHECKBOX,
            answers(&[("1_2_1", one("choice_0"))]),
            vec![],
        ),
        (
            "dropdowns: none",
            FOUR_MENUS,
            answers(&[]),
            vec![1, 2, 3, 4],
        ),
        (
            "dropdowns: one of four",
            FOUR_MENUS,
            answers(&[("1_2_1", one("a")), ("1_2_2", one("")), ("1_2_3", one(""))]),
            vec![2, 3, 4],
        ),
        (
            "dropdowns: all four",
            FOUR_MENUS,
            answers(&[
                ("1_2_1", one("a")),
                ("1_2_2", one("a")),
                ("1_2_3", one("b")),
                ("1_2_4", one("b")),
            ]),
            vec![],
        ),
        ("text: nothing sent", TEXT, answers(&[]), vec![1]),
        ("text: empty", TEXT, answers(&[("1_2_1", one(""))]), vec![1]),
        (
            "text: white space only",
            TEXT,
            answers(&[("1_2_1", one(" \t\n\u{a0}"))]),
            vec![1],
        ),
        (
            "text: a word",
            TEXT,
            answers(&[("1_2_1", one(" paris "))]),
            vec![],
        ),
        (
            "number: empty",
            NUMBER,
            answers(&[("1_2_1", one("  "))]),
            vec![1],
        ),
        // Unreadable numbers are answers; grading refuses them with their own message.
        (
            "number: unreadable",
            NUMBER,
            answers(&[("1_2_1", one("abc"))]),
            vec![],
        ),
        (
            "number: zero",
            NUMBER,
            answers(&[("1_2_1", one("0"))]),
            vec![],
        ),
        (
            "two questions: text answered, choice missing",
            TWO_QUESTIONS,
            answers(&[("1_2_1", one("Paris"))]),
            vec![2],
        ),
        (
            "two questions: choice answered, text blank",
            TWO_QUESTIONS,
            answers(&[("1_2_1", one("")), ("1_3_1", one("choice_0"))]),
            vec![1],
        ),
        ("unsupported question", CUSTOM, answers(&[]), vec![]),
    ];
    for (label, xml, answers, want) in table {
        let problem = capa::parse("1", xml).unwrap();
        let got: Vec<usize> = capa::missing_inputs(&problem, &answers)
            .into_iter()
            .map(|(pos, _)| pos)
            .collect();
        assert_eq!(got, want, "{label}");
    }
}

#[test]
fn missing_inputs_are_named_by_their_ids() {
    let problem = capa::parse("1", TWO_QUESTIONS).unwrap();
    let ids: Vec<&str> = capa::missing_inputs(&problem, &Answers::new())
        .into_iter()
        .map(|(_, i)| i.id.as_str())
        .collect();
    assert_eq!(ids, ["1_2_1", "1_3_1"]);
}
