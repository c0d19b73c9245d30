//! Survey blocks: questions learners answer without right or wrong — single and multiple
//! choice, Likert scales, 0–10 ratings, short and long text — anonymous or named, open
//! between two dates, editable until it closes or final on submit, optionally worth
//! participation credit, and optionally paired with a "before" survey so a report can
//! show how answers moved. Open edX's `<poll>`, `<survey>` (xblock-poll) and
//! `<poll_question>` import into this kind.
//!
//! This module is the content and its validation; [`answers`] checks what a learner
//! sends, [`report`] turns stored responses into the staff report. All pure.

pub mod answers;
pub mod report;

use super::{BlockKind, CompletionRule, Scoring};
use crate::error::DomainError;
use crate::limits::{self, TextLimit};
use crate::translation::Field;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Questions in one survey.
pub const MAX_QUESTIONS: usize = 100;
/// Choices in one choice question (the rubric's bound on options).
pub const MAX_CHOICES: usize = limits::range::OPTIONS * 2;
/// A question id or a choice id: letters, digits, `_` and `-`.
pub const MAX_ID_CHARS: usize = 64;
/// A question's text, a choice's label, the intro and the thanks.
pub const QUESTION_TEXT: TextLimit = limits::RUBRIC_TEXT;
pub const CHOICE_LABEL: TextLimit = limits::TITLE;
/// A short-text answer and a long-text answer.
pub const SHORT_ANSWER: TextLimit = limits::REASON;
pub const LONG_ANSWER: TextLimit = limits::FEEDBACK;
/// The ends of the rating scale.
pub const RATING_MIN: i64 = 0;
pub const RATING_MAX: i64 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    SingleChoice,
    MultipleChoice,
    /// Agreement on a 5- or 7-point scale; labels are the platform's messages.
    Likert,
    /// 0 to 10.
    Rating,
    ShortText,
    LongText,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::SingleChoice => "single_choice",
            QuestionType::MultipleChoice => "multiple_choice",
            QuestionType::Likert => "likert",
            QuestionType::Rating => "rating",
            QuestionType::ShortText => "short_text",
            QuestionType::LongText => "long_text",
        }
    }

    pub fn is_choice(self) -> bool {
        matches!(
            self,
            QuestionType::SingleChoice | QuestionType::MultipleChoice
        )
    }

    /// Answers are numbers on a scale (compared before and after).
    pub fn is_scale(self) -> bool {
        matches!(self, QuestionType::Likert | QuestionType::Rating)
    }

    pub fn is_text(self) -> bool {
        matches!(self, QuestionType::ShortText | QuestionType::LongText)
    }
}

/// One choice of a choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable: the value answers store.
    pub id: String,
    pub label: String,
    /// An image shown with the choice (xblock-poll's `img`, kept for export).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub img: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub img_alt: String,
}

impl Choice {
    pub fn new(id: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice {
            id: id.into(),
            label: label.into(),
            img: String::new(),
            img_alt: String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable across edits: answers and before/after pairs are keyed on it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Plain text, shown escaped.
    pub text: String,
    #[serde(default)]
    pub required: bool,
    /// For choice questions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// For Likert questions: 5 or 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u8>,
    /// An image shown with the question (xblock-survey's `img`, kept for export).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub img: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub img_alt: String,
}

impl Question {
    /// A question of `kind` without choices or image.
    pub fn new(id: impl Into<String>, kind: QuestionType, text: impl Into<String>) -> Question {
        Question {
            id: id.into(),
            kind,
            text: text.into(),
            required: false,
            choices: Vec::new(),
            points: None,
            img: String::new(),
            img_alt: String::new(),
        }
    }
}

impl Question {
    /// The numbers a scale question accepts.
    pub fn scale(&self) -> Option<(i64, i64)> {
        match self.kind {
            QuestionType::Likert => Some((1, i64::from(self.points.unwrap_or(5)))),
            QuestionType::Rating => Some((RATING_MIN, RATING_MAX)),
            _ => None,
        }
    }

    /// The message key of a Likert point's label (`lyceum-survey-likert5-3`).
    pub fn likert_key(points: u8, value: i64) -> Option<&'static str> {
        // Spelled out, so the message catalogue check sees every key in use.
        Some(match (points, value) {
            (5, 1) => "lyceum-survey-likert5-1",
            (5, 2) => "lyceum-survey-likert5-2",
            (5, 3) => "lyceum-survey-likert5-3",
            (5, 4) => "lyceum-survey-likert5-4",
            (5, 5) => "lyceum-survey-likert5-5",
            (7, 1) => "lyceum-survey-likert7-1",
            (7, 2) => "lyceum-survey-likert7-2",
            (7, 3) => "lyceum-survey-likert7-3",
            (7, 4) => "lyceum-survey-likert7-4",
            (7, 5) => "lyceum-survey-likert7-5",
            (7, 6) => "lyceum-survey-likert7-6",
            (7, 7) => "lyceum-survey-likert7-7",
            _ => return None,
        })
    }
}

/// Where an imported survey came from, so export writes the same element back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlxOrigin {
    /// `poll`, `survey` or `poll_question`.
    pub tag: String,
    /// Attributes Lyceum does not use (`xblock-family`, `private_results`, …), as written.
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SurveyContent {
    /// Shown above the questions; plain text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    pub questions: Vec<Question>,
    /// Staff see only aggregates and unattributed free text.
    #[serde(default)]
    pub anonymous: bool,
    /// Submitted answers cannot be changed; otherwise they can until the survey closes.
    #[serde(default)]
    pub final_on_submit: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<Timestamp>,
    /// Participation credit: points in the grade, all of them once submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The "before" survey this one is compared with: its url_name (or block id) in
    /// the same course.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Shown once the learner has submitted (xblock-poll's `feedback`); plain text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thanks: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub olx: Option<OlxOrigin>,
}

/// Why answering is not possible now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    NotOpen,
    Open,
    Closed,
}

impl SurveyContent {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Where `now` stands between the open and close dates.
    pub fn window(&self, now: Timestamp) -> Window {
        if self.opens.is_some_and(|o| now < o) {
            Window::NotOpen
        } else if self.closes.is_some_and(|c| now >= c) {
            Window::Closed
        } else {
            Window::Open
        }
    }

    /// The participation credit, when there is any.
    pub fn credit(&self) -> Option<f64> {
        self.weight.filter(|w| *w > 0.0)
    }

    /// Whether a learner who has (or has not) submitted may send answers at `now`;
    /// `Err` is the message key of the reason (all conflicts: the state moved on).
    pub fn may_answer(&self, now: Timestamp, submitted: bool) -> Result<(), DomainError> {
        match self.window(now) {
            Window::NotOpen => Err(DomainError::new("lyceum-error-survey-not-open")),
            Window::Closed => Err(DomainError::new("lyceum-error-survey-closed")),
            Window::Open if submitted && self.final_on_submit => {
                Err(DomainError::new("lyceum-error-survey-final"))
            }
            Window::Open => Ok(()),
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn content_error(what: impl Into<String>) -> DomainError {
    DomainError::new("lyceum-error-survey-content").with_arg(what)
}

pub struct Survey;

impl BlockKind for Survey {
    const KIND: &'static str = "survey";
    type Content = SurveyContent;

    fn validate(mut c: SurveyContent) -> Result<SurveyContent, DomainError> {
        c.intro = limits::clean(&c.intro, QUESTION_TEXT)?;
        c.thanks = limits::clean(&c.thanks, QUESTION_TEXT)?;
        if c.questions.is_empty() {
            return Err(DomainError::new("lyceum-error-survey-no-questions"));
        }
        if c.questions.len() > MAX_QUESTIONS {
            return Err(content_error(format!(
                "more than {MAX_QUESTIONS} questions"
            )));
        }
        let mut ids = HashSet::new();
        for q in &mut c.questions {
            q.id = q.id.trim().to_owned();
            if !valid_id(&q.id) {
                return Err(DomainError::new("lyceum-error-survey-question-id").with_arg(&q.id));
            }
            if !ids.insert(q.id.clone()) {
                return Err(DomainError::new("lyceum-error-survey-duplicate-id").with_arg(&q.id));
            }
            q.text = limits::clean(&q.text, QUESTION_TEXT)?;
            q.img_alt = limits::clean(&q.img_alt, limits::ALT_TEXT)?;
            limits::check(&q.img, limits::ALT_TEXT)?;
            if q.text.trim().is_empty() {
                return Err(DomainError::new("lyceum-error-survey-question-text").with_arg(&q.id));
            }
            match q.kind {
                QuestionType::SingleChoice | QuestionType::MultipleChoice => {
                    if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
                        return Err(DomainError::new("lyceum-error-survey-choices").with_arg(&q.id));
                    }
                    let mut seen = HashSet::new();
                    for ch in &mut q.choices {
                        ch.id = ch.id.trim().to_owned();
                        if !valid_id(&ch.id) {
                            return Err(DomainError::new("lyceum-error-survey-question-id")
                                .with_arg(&ch.id));
                        }
                        if !seen.insert(ch.id.clone()) {
                            return Err(DomainError::new("lyceum-error-survey-duplicate-id")
                                .with_arg(&ch.id));
                        }
                        ch.label = limits::clean(&ch.label, CHOICE_LABEL)?;
                        ch.img_alt = limits::clean(&ch.img_alt, limits::ALT_TEXT)?;
                        limits::check(&ch.img, limits::ALT_TEXT)?;
                        if ch.label.is_empty() {
                            ch.label = ch.id.clone();
                        }
                    }
                    q.points = None;
                }
                QuestionType::Likert => {
                    let p = q.points.unwrap_or(5);
                    if p != 5 && p != 7 {
                        return Err(
                            DomainError::new("lyceum-error-survey-likert-points").with_arg(&q.id)
                        );
                    }
                    q.points = Some(p);
                    q.choices.clear();
                }
                QuestionType::Rating | QuestionType::ShortText | QuestionType::LongText => {
                    q.points = None;
                    q.choices.clear();
                }
            }
        }
        if let (Some(o), Some(cl)) = (c.opens, c.closes)
            && cl <= o
        {
            return Err(DomainError::new("lyceum-error-survey-dates"));
        }
        if let Some(w) = c.weight
            && !(w.is_finite() && (0.0..=limits::range::WEIGHT).contains(&w))
        {
            return Err(DomainError::new("lyceum-error-survey-weight")
                .with_arg(limits::range::WEIGHT.to_string()));
        }
        if let Some(b) = &mut c.before {
            *b = b.trim().to_owned();
            if b.is_empty() {
                c.before = None;
            } else {
                limits::check(b, limits::TITLE)?;
            }
        }
        Ok(c)
    }

    fn completion(_: &SurveyContent) -> Option<CompletionRule> {
        Some(CompletionRule::Submitted)
    }

    /// Participation credit counts like a problem worth `weight` points: one raw point,
    /// earned in full on submitting.
    fn scoring(c: &SurveyContent) -> Option<Scoring> {
        c.credit().map(|w| Scoring {
            raw_possible: 1.0,
            weight: Some(w),
        })
    }

    /// The introduction, each question and choice (by their ids, never the ids
    /// themselves: answers are stored by id, so a translated survey's answers count
    /// alike), image descriptions, and the thank-you text. All plain text.
    fn translatable(c: &mut SurveyContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        visit(Field::text("intro"), &mut c.intro);
        for q in &mut c.questions {
            let name = format!("q.{}", q.id);
            visit(Field::text(&name), &mut q.text);
            visit(Field::text(&format!("{name}.alt")), &mut q.img_alt);
            for choice in &mut q.choices {
                let choice_name = format!("{name}.choice.{}", choice.id);
                visit(Field::text(&choice_name), &mut choice.label);
                visit(
                    Field::text(&format!("{choice_name}.alt")),
                    &mut choice.img_alt,
                );
            }
        }
        visit(Field::text("thanks"), &mut c.thanks);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> SurveyContent {
        SurveyContent {
            questions: vec![
                Question {
                    id: "role".into(),
                    kind: QuestionType::SingleChoice,
                    text: "Your role?".into(),
                    required: true,
                    choices: vec![Choice::new("lib", "Librarian"), Choice::new("ed", "Editor")],
                    points: None,
                    img: String::new(),
                    img_alt: String::new(),
                },
                Question {
                    id: "tools".into(),
                    kind: QuestionType::MultipleChoice,
                    text: "Tools used?".into(),
                    required: false,
                    choices: vec![
                        Choice::new("va", "VisualEditor"),
                        Choice::new("src", "Source"),
                        Choice::new("cx", "Content translation"),
                    ],
                    points: None,
                    img: String::new(),
                    img_alt: String::new(),
                },
                Question {
                    id: "confident".into(),
                    kind: QuestionType::Likert,
                    text: "I feel confident".into(),
                    required: true,
                    choices: vec![],
                    points: Some(5),
                    img: String::new(),
                    img_alt: String::new(),
                },
                Question {
                    id: "recommend".into(),
                    kind: QuestionType::Rating,
                    text: "Recommend?".into(),
                    required: false,
                    choices: vec![],
                    points: None,
                    img: String::new(),
                    img_alt: String::new(),
                },
                Question {
                    id: "useful".into(),
                    kind: QuestionType::LongText,
                    text: "Most useful?".into(),
                    required: false,
                    choices: vec![],
                    points: None,
                    img: String::new(),
                    img_alt: String::new(),
                },
            ],
            ..SurveyContent::default()
        }
    }

    #[test]
    fn valid_content_is_normalised() {
        let mut c = sample();
        c.questions[2].points = None;
        c.questions[3].choices = vec![Choice::new("x", "y")];
        c.questions[0].choices[0].label = String::new();
        c.before = Some("  ".into());
        let v = Survey::validate(c).unwrap();
        assert_eq!(v.questions[2].points, Some(5));
        assert!(v.questions[3].choices.is_empty());
        assert_eq!(v.questions[0].choices[0].label, "lib");
        assert_eq!(v.before, None);
        assert_eq!(Survey::completion(&v), Some(CompletionRule::Submitted));
    }

    #[test]
    fn broken_content_is_refused_with_its_key() {
        type Edit = Box<dyn Fn(&mut SurveyContent)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "lyceum-error-survey-no-questions",
                Box::new(|c| c.questions.clear()),
            ),
            (
                "lyceum-error-survey-duplicate-id",
                Box::new(|c| c.questions[1].id = "role".into()),
            ),
            (
                "lyceum-error-survey-question-id",
                Box::new(|c| c.questions[1].id = "a b".into()),
            ),
            (
                "lyceum-error-survey-question-id",
                Box::new(|c| c.questions[1].id = String::new()),
            ),
            (
                "lyceum-error-survey-question-text",
                Box::new(|c| c.questions[1].text = " ".into()),
            ),
            (
                "lyceum-error-survey-choices",
                Box::new(|c| c.questions[0].choices.truncate(1)),
            ),
            (
                "lyceum-error-survey-duplicate-id",
                Box::new(|c| c.questions[0].choices[1].id = "lib".into()),
            ),
            (
                "lyceum-error-survey-likert-points",
                Box::new(|c| c.questions[2].points = Some(4)),
            ),
            (
                "lyceum-error-survey-weight",
                Box::new(|c| c.weight = Some(-1.0)),
            ),
            (
                "lyceum-error-survey-weight",
                Box::new(|c| c.weight = Some(f64::NAN)),
            ),
            (
                "lyceum-error-input-too-long",
                Box::new(|c| c.questions[0].text = "x".repeat(5000)),
            ),
            (
                "lyceum-error-survey-dates",
                Box::new(|c| {
                    c.opens = Some("2026-02-01T00:00:00Z".parse().unwrap());
                    c.closes = Some("2026-01-01T00:00:00Z".parse().unwrap());
                }),
            ),
        ];
        for (key, edit) in cases {
            let mut c = sample();
            edit(&mut c);
            assert_eq!(Survey::validate(c).unwrap_err().key.0, key);
        }
    }

    #[test]
    fn the_window_and_finality_decide_who_may_answer() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let mut c = sample();
        c.opens = Some(t("2026-01-10T00:00:00Z"));
        c.closes = Some(t("2026-01-20T00:00:00Z"));
        let cases = [
            (
                "2026-01-09T00:00:00Z",
                false,
                false,
                Some("lyceum-error-survey-not-open"),
            ),
            ("2026-01-10T00:00:00Z", false, false, None),
            ("2026-01-15T00:00:00Z", true, false, None),
            (
                "2026-01-15T00:00:00Z",
                true,
                true,
                Some("lyceum-error-survey-final"),
            ),
            ("2026-01-15T00:00:00Z", false, true, None),
            (
                "2026-01-20T00:00:00Z",
                false,
                false,
                Some("lyceum-error-survey-closed"),
            ),
        ];
        for (now, submitted, fin, want) in cases {
            c.final_on_submit = fin;
            let got = c.may_answer(t(now), submitted).err().map(|e| e.key.0);
            assert_eq!(got, want, "{now} submitted={submitted} final={fin}");
        }
    }

    #[test]
    fn credit_scores_one_raw_point_at_the_weight() {
        let mut c = sample();
        assert_eq!(Survey::scoring(&c), None);
        c.weight = Some(0.0);
        assert_eq!(Survey::scoring(&c), None);
        c.weight = Some(2.0);
        assert_eq!(
            Survey::scoring(&c),
            Some(Scoring {
                raw_possible: 1.0,
                weight: Some(2.0)
            })
        );
    }

    #[test]
    fn likert_labels_are_messages() {
        assert_eq!(Question::likert_key(5, 1), Some("lyceum-survey-likert5-1"));
        assert_eq!(Question::likert_key(7, 7), Some("lyceum-survey-likert7-7"));
        assert_eq!(Question::likert_key(5, 6), None);
    }
}
