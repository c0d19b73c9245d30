//! Open edX "capa" problems: parsing the `<problem>` XML, grading answers exactly as Open
//! edX does (edx-platform `xmodule/capa`), show-answer rules, and the problem body as a
//! sequence of HTML and input slots for rendering.
//!
//! The rules and their sources are in `shared/specs/olx-and-capa.md` §2. Problems that
//! need Open edX's Python sandbox (scripts, `customresponse`, `formularesponse`, …) parse
//! into an [`Problem::unsupported`] problem that renders its text and scores nothing.

pub mod attempts;
mod calc;
mod complete;
pub mod form;
mod grade;
mod layout;
mod options;
mod parse;
mod pyre;
mod random;
mod show;
mod tolerance;
pub(crate) mod xml;

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use complete::{is_answered, missing_inputs};
pub use grade::{correct_answers, grade, max_score, weighted};
pub use layout::{Segment, choices_in_order, layout, solution_html_for};
pub use parse::parse;
pub use show::{
    AttemptState, ShowAnswer, ShowCorrectness, is_closed, may_show_answer, may_show_correctness,
};

/// A parsed capa problem. Built from the `<problem>` XML (its settings attributes are
/// handled by the caller).
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The problem id (PID); input ids derive from it.
    pub url_name: String,
    /// Every response element in document order, supported or not.
    pub responses: Vec<Response>,
    /// Why this problem cannot be graded here: `python-script`, or the tag of the first
    /// response type Lyceum does not grade (`customresponse`, `formularesponse`, …).
    /// Such problems render their text, show a "not supported" notice and score nothing.
    pub unsupported: Option<String>,
    /// The `<demandhint>` hints, as sanitised HTML, in order.
    pub hints: Vec<String>,
    /// All `<solution>` bodies (sanitised HTML), shown with the answer. With an answer
    /// pool use [`solution_html_for`], which keeps only the explanation of the shown choice.
    pub solution_html: Option<String>,
    /// Some multiple-choice question shuffles its choices (the order depends on the seed).
    pub has_shuffle: bool,
    /// Some multiple-choice question shows a random subset of its choices.
    pub has_answer_pool: bool,
    pub(crate) body: xml::Element,
    pub(crate) solutions: Vec<parse::Solution>,
}

impl Problem {
    /// The notice to show instead of the inputs of an unsupported problem.
    pub fn unsupported_notice(&self) -> Option<DomainError> {
        self.unsupported
            .as_ref()
            .map(|reason| DomainError::new("lyceum-capa-unsupported").with_arg(reason.clone()))
    }

    /// Every input of the problem, in document order.
    pub fn inputs(&self) -> impl Iterator<Item = &Input> {
        self.responses.iter().flat_map(|r| r.inputs.iter())
    }

    /// The input with this id.
    pub fn input(&self, id: &str) -> Option<&Input> {
        self.inputs().find(|i| i.id == id)
    }
}

/// One question (response element) of a problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// 1-based position among the problem's responses (the `k` of `PID_k`).
    pub index: usize,
    pub kind: ResponseKind,
    pub inputs: Vec<Input>,
    /// The `partial_credit` attribute as written (`None` when absent).
    pub partial_credit: Option<String>,
    pub(crate) detail: parse::Detail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckboxScheme {
    AllOrNothing,
    Edc,
    Halves,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ResponseKind {
    /// `multiplechoiceresponse`; `partial` = `partial_credit="points"`.
    MultipleChoice { partial: bool },
    /// `truefalseresponse`: correct iff exactly the correct choices are selected.
    TrueFalse,
    /// `choiceresponse` (checkboxes, or a radiogroup graded like checkboxes). An invalid
    /// `partial_credit` shows as `AllOrNothing` here and fails at grading, like Open edX.
    Checkbox { scheme: CheckboxScheme },
    /// `optionresponse` (dropdowns).
    Option,
    /// `stringresponse`.
    String {
        case_insensitive: bool,
        regexp: bool,
    },
    /// `numericalresponse`: the answer as written (a number, an expression or a range),
    /// the tolerance attribute if any, and the partial-credit styles.
    Numerical {
        answer: String,
        tolerance: Option<String>,
        close: bool,
        list: bool,
    },
    /// A response type Lyceum does not grade (its tag).
    Unsupported { tag: String },
}

/// One answer field of a question.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// `{PID}_{k+1}_{m}`, the key of the answer (spec §2.1).
    pub id: String,
    /// The `points` attribute (default 1): what the input adds to the possible score.
    pub points: f64,
    pub widget: Widget,
    /// The question text for this input (sanitised HTML), for accessibility.
    pub label: Option<String>,
    /// Extra description of the question (sanitised HTML).
    pub description: Option<String>,
    /// A dropdown's option labels, by position, where a translated copy shows other text
    /// than its options (which stay the values answers are given and checked as); empty
    /// where the options show as they are.
    pub option_labels: Vec<String>,
}

impl Input {
    /// A dropdown's options as `(value, label)`: what is submitted and what shows.
    pub fn labelled_options(&self) -> Vec<(&str, &str)> {
        let Widget::Select { options } = &self.widget else {
            return Vec::new();
        };
        options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let label = self.option_labels.get(i).unwrap_or(o);
                (o.as_str(), label.as_str())
            })
            .collect()
    }

    /// What shows for the answer `value`: a dropdown option's label, else the value.
    pub fn answer_label<'a>(&'a self, value: &'a str) -> &'a str {
        self.labelled_options()
            .into_iter()
            .find(|(v, _)| *v == value)
            .map_or(value, |(_, label)| label)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Widget {
    /// One choice; the value is the choice name (§2.3).
    Radio { choices: Vec<Choice> },
    /// Any number of choices; the value is the list of choice names.
    Checkbox { choices: Vec<Choice> },
    /// A dropdown; the value is the option text.
    Select { options: Vec<String> },
    /// A text field (`numeric` for numerical responses).
    Text { size: Option<u32>, numeric: bool },
    /// An input of an unsupported response (its tag); never rendered as a field.
    Other { tag: String },
}

/// A choice of a radio or checkbox input, in document order.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The submitted value (`choice_0`, `choice_foil`, …).
    pub value: String,
    /// The choice label (sanitised HTML).
    pub html: String,
    /// `fixed="true"`: kept in place when the choices are shuffled.
    pub fixed: bool,
    /// Feedback shown after grading when this choice was selected.
    pub feedback: Option<String>,
    /// Checkboxes only: feedback shown when this choice was left unselected.
    pub feedback_unselected: Option<String>,
}

/// A submitted answer: one string, or the selected values of a checkbox input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    One(String),
    Many(Vec<String>),
}

/// Answers keyed by input id.
pub type Answers = BTreeMap<String, AnswerValue>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Correctness {
    Correct,
    PartiallyCorrect,
    Incorrect,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InputResult {
    pub correctness: Correctness,
    /// `npoints` if the grader set it, else 1 when (partially) correct, else 0 (§2.2).
    pub earned: f64,
    /// Extended-hint feedback for this answer (sanitised HTML).
    pub feedback: Option<String>,
}

/// The result of grading a submission: raw scores, before the problem weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Graded {
    pub inputs: BTreeMap<String, InputResult>,
    pub earned: f64,
    pub possible: f64,
}

/// Why a submission could not be graded. In every case the attempt does not count.
#[derive(Clone, Debug, PartialEq)]
pub enum GradeError {
    /// Unparsable numerical input etc.: shown to the learner (§2.7, §2.8).
    StudentInput {
        input_id: String,
        key: &'static str,
        args: Vec<String>,
    },
    /// An answer names an input the problem does not have: the caller answers 422.
    UnknownInput(String),
    /// An answer has the wrong shape for its input (a list for a text field): 422.
    InvalidAnswer(String),
    /// The problem itself is broken (bad regex, two schemes, bad staff answer …).
    Problem(DomainError),
    /// The problem needs features Lyceum does not have ([`Problem::unsupported`]).
    Unsupported,
}

impl GradeError {
    /// The message to show, as a key and its arguments.
    pub fn message(&self) -> DomainError {
        match self {
            GradeError::StudentInput { key, args, .. } => {
                let mut e = DomainError::new(key);
                e.args = args.clone();
                e
            }
            GradeError::UnknownInput(id) => {
                DomainError::new("lyceum-error-capa-unknown-input").with_arg(id.clone())
            }
            GradeError::InvalidAnswer(id) => {
                DomainError::new("lyceum-error-capa-invalid-answer").with_arg(id.clone())
            }
            GradeError::Problem(e) => e.clone(),
            GradeError::Unsupported => DomainError::new("lyceum-capa-unsupported"),
        }
    }
}
