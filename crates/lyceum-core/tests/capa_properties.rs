//! Property tests: numerical answers never panic the grader, checkbox schemes stay within
//! the possible score, problem XML never panics the parser.
#![allow(clippy::unwrap_used)]

use lyceum_core::capa::{self, AnswerValue, Answers, GradeError};
use proptest::prelude::*;

const CALC_CHARS: &[char] = &[
    '0', '1', '2', '9', '.', 'e', 'E', '+', '-', '*', '/', '^', '|', '(', ')', '%', ' ', 'i', 'j',
    'p', 's', 'q', 'r', 't', 'n', 'a', 'c', 'o', 'l', 'g', 'x', 'f', '{', '}', '_', '\'', ',',
];

fn calc_input() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CALC_CHARS), 0..60)
        .prop_map(|v| v.into_iter().collect())
}

const NUMERICAL: &str = r#"<problem><numericalresponse answer="[1, 5)" partial_credit="close"><textline/></numericalresponse>
<numericalresponse answer="3.5" partial_credit="close,list"><responseparam type="tolerance" default="5%"/><responseparam partial_answers="2,sqrt(2)"/><textline/></numericalresponse></problem>"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn calculator_never_panics(input in calc_input(), words in prop::sample::select(vec!["sin(", "sqrt(", "fact(", "arccos(", "ln(", "abs(", "pi", "e", "1e308", "||", "^-"])) {
        let p = capa::parse("p", NUMERICAL).unwrap();
        for text in [input.clone(), format!("{words}{input}"), format!("{input}{words}{input}")] {
            let answers: Answers = [
                ("p_2_1".to_owned(), AnswerValue::One(text.clone())),
                ("p_3_1".to_owned(), AnswerValue::One(text.clone())),
            ].into_iter().collect();
            match capa::grade(&p, &answers) {
                Ok(g) => prop_assert!(g.earned >= 0.0 && g.earned <= g.possible),
                Err(GradeError::StudentInput { .. }) => {}
                Err(other) => prop_assert!(false, "{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn checkbox_scores_stay_within_bounds(
        flags in prop::collection::vec(any::<bool>(), 1..8),
        picks in prop::collection::vec(any::<bool>(), 8),
        scheme in prop::sample::select(vec!["", "edc", "halves", "false"]),
        points in 1u32..4,
    ) {
        let choices: String = flags.iter().map(|f| format!("<choice correct=\"{f}\">x</choice>")).collect();
        let attr = if scheme.is_empty() { String::new() } else { format!("partial_credit=\"{scheme}\"") };
        let xml = format!("<problem><choiceresponse {attr}><checkboxgroup points=\"{points}\">{choices}</checkboxgroup></choiceresponse></problem>");
        let p = capa::parse("1", &xml).unwrap();
        let selected: Vec<String> = (0..flags.len()).filter(|i| picks[*i]).map(|i| format!("choice_{i}")).collect();
        let all_right = (0..flags.len()).all(|i| picks[i] == flags[i]);
        let answers: Answers = [("1_2_1".to_owned(), AnswerValue::Many(selected.clone()))].into_iter().collect();
        let g = capa::grade(&p, &answers).unwrap();
        prop_assert!(g.earned >= 0.0 && g.earned <= g.possible, "{g:?}");
        prop_assert_eq!(g.possible, f64::from(points));
        if all_right && !selected.is_empty() {
            prop_assert!(g.earned > 0.0);
        }
    }

    #[test]
    fn parser_never_panics(body in "[<>/a-z =\"'&;!\\[\\]-]{0,80}", tag in prop::sample::select(vec!["choicegroup", "optioninput", "textline", "stringresponse", "solution"])) {
        let xml = format!("<problem><{tag}>{body}</{tag}></problem>");
        let _ = capa::parse("1", &xml).map(|p| capa::layout(&p, 3));
    }
}
