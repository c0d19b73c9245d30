//! Whether a submission answers every input: Open edX's problem only accepts a submission
//! once the learner has answered, and a submission with an input left empty is not
//! graded and uses no attempt (issue 10, defect 1).
//!
//! What counts as empty, per input type:
//! - a radio group (`choicegroup`, `radiogroup`): no choice selected;
//! - a checkbox group (`checkboxgroup`): no box ticked. capa grades an empty checkbox
//!   selection as incorrect whatever the partial-credit scheme (spec §2.4,
//!   `test_grade_with_no_checkbox_selected`), so treating it as unanswered never refuses
//!   an answer that could earn anything;
//! - a dropdown (`optioninput`): no option chosen (the empty placeholder);
//! - a text field (`textline`, `formulaequationinput`): nothing but white space, which
//!   capa trims away and grades as incorrect (§2.6, §2.7).
//!
//! Inputs of response types Lyceum does not grade are never asked for.

use super::{AnswerValue, Answers, Input, Problem, Widget};

/// Whether `value` answers `input` at all.
pub fn is_answered(input: &Input, value: Option<&AnswerValue>) -> bool {
    let Some(value) = value else {
        return matches!(input.widget, Widget::Other { .. });
    };
    match (&input.widget, value) {
        (Widget::Other { .. }, _) => true,
        (Widget::Text { .. }, AnswerValue::One(v)) => !v.trim().is_empty(),
        (Widget::Radio { .. } | Widget::Select { .. }, AnswerValue::One(v)) => !v.is_empty(),
        // Any non-empty value: what it is (a choice that exists, a list for a field that
        // takes one string) is for grading to judge, with its own message.
        (_, AnswerValue::Many(vs)) => vs.iter().any(|v| !v.trim().is_empty()),
        (Widget::Checkbox { .. }, AnswerValue::One(v)) => !v.trim().is_empty(),
    }
}

/// The inputs the answers leave empty, in document order, with their 1-based position
/// among the problem's inputs (to name them to the learner). Empty when the answer set is
/// complete.
pub fn missing_inputs<'a>(problem: &'a Problem, answers: &Answers) -> Vec<(usize, &'a Input)> {
    problem
        .inputs()
        .enumerate()
        .filter(|(_, input)| !is_answered(input, answers.get(&input.id)))
        .map(|(i, input)| (i + 1, input))
        .collect()
}
