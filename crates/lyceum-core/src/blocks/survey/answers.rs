//! What a learner sends, checked against the survey: every answer names a question of the
//! survey and has its type (a choice id, a list of choice ids, a number on the scale, or
//! text within its limit), and every required question is answered. Empty values (`null`,
//! `""`, `[]`) are "not answered".

use super::{LONG_ANSWER, QuestionType, RATING_MAX, RATING_MIN, SHORT_ANSWER, SurveyContent};
use crate::error::DomainError;
use crate::limits;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One stored answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A Likert point or a rating.
    Number(i64),
    /// A single choice's id, or free text.
    Text(String),
    /// Multiple choice: the chosen ids, in the survey's order.
    Choices(Vec<String>),
}

impl Answer {
    pub fn number(&self) -> Option<i64> {
        match self {
            Answer::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Answer::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The choice ids this answer picks (one for a single choice).
    pub fn chosen(&self) -> Vec<&str> {
        match self {
            Answer::Text(t) => vec![t.as_str()],
            Answer::Choices(c) => c.iter().map(String::as_str).collect(),
            Answer::Number(_) => Vec::new(),
        }
    }
}

/// Answers by question id.
pub type Answers = BTreeMap<String, Answer>;

/// Why answers were refused: per question, and the required questions left empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems {
    /// Answers that do not fit their question (or name no question), in the order sent.
    pub invalid: Vec<(String, DomainError)>,
    /// Required questions without an answer, in the survey's order.
    pub missing: Vec<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.invalid.is_empty() && self.missing.is_empty()
    }

    /// One error for the whole: the first invalid answer, else the missing questions
    /// (their ids, then how many, for the plural).
    pub fn error(&self) -> DomainError {
        match self.invalid.first() {
            Some((_, e)) => e.clone(),
            None => DomainError::new("lyceum-error-survey-missing")
                .with_arg(self.missing.join(", "))
                .with_arg(self.missing.len().to_string()),
        }
    }

    /// The message for one question, if it has a problem.
    pub fn for_question(&self, id: &str) -> Option<DomainError> {
        self.invalid
            .iter()
            .find(|(q, _)| q == id)
            .map(|(_, e)| e.clone())
            .or_else(|| {
                self.missing
                    .iter()
                    .any(|m| m == id)
                    .then(|| DomainError::new("lyceum-error-survey-required"))
            })
    }
}

/// The ids of the required questions named by a "missing" error (see [`Problems::error`]).
pub fn missing_ids(e: &DomainError) -> Vec<String> {
    if e.key.0 != "lyceum-error-survey-missing" {
        return Vec::new();
    }
    e.args
        .first()
        .map(|a| a.split(", ").map(str::to_owned).collect())
        .unwrap_or_default()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn type_error(id: &str) -> DomainError {
    DomainError::new("lyceum-error-survey-answer-type").with_arg(id)
}

/// Check and normalise answers as sent (JSON values by question id).
pub fn check(
    c: &SurveyContent,
    sent: &serde_json::Map<String, Value>,
) -> Result<Answers, Problems> {
    let mut problems = Problems::default();
    let mut out = Answers::new();
    for (id, value) in sent {
        let Some(q) = c.question(id) else {
            problems.invalid.push((
                id.clone(),
                DomainError::new("lyceum-error-survey-unknown-question").with_arg(id),
            ));
            continue;
        };
        if is_empty(value) {
            continue;
        }
        let answer = match q.kind {
            QuestionType::SingleChoice => match value {
                Value::String(s) => {
                    let s = s.trim();
                    if q.choices.iter().any(|ch| ch.id == s) {
                        Ok(Answer::Text(s.to_owned()))
                    } else {
                        Err(DomainError::new("lyceum-error-survey-unknown-choice")
                            .with_arg(id)
                            .with_arg(s))
                    }
                }
                _ => Err(type_error(id)),
            },
            QuestionType::MultipleChoice => match value {
                Value::Array(items) => {
                    let mut picked = Vec::new();
                    let mut bad = None;
                    for item in items {
                        match item.as_str().map(str::trim) {
                            Some(s) if q.choices.iter().any(|ch| ch.id == s) => {
                                picked.push(s.to_owned())
                            }
                            Some(s) => {
                                bad = Some(
                                    DomainError::new("lyceum-error-survey-unknown-choice")
                                        .with_arg(id)
                                        .with_arg(s),
                                );
                                break;
                            }
                            None => {
                                bad = Some(type_error(id));
                                break;
                            }
                        }
                    }
                    match bad {
                        Some(e) => Err(e),
                        None => {
                            // The survey's order, each once.
                            let ordered = q
                                .choices
                                .iter()
                                .filter(|ch| picked.contains(&ch.id))
                                .map(|ch| ch.id.clone())
                                .collect();
                            Ok(Answer::Choices(ordered))
                        }
                    }
                }
                _ => Err(type_error(id)),
            },
            QuestionType::Likert | QuestionType::Rating => {
                let (min, max) = q.scale().unwrap_or((RATING_MIN, RATING_MAX));
                let n = match value {
                    Value::Number(n) => n.as_i64().or_else(|| {
                        n.as_f64()
                            .filter(|f| f.fract() == 0.0 && f.abs() < 1e9)
                            .map(|f| f as i64)
                    }),
                    // Form fields arrive as text.
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match n {
                    None => Err(type_error(id)),
                    Some(n) if n < min || n > max => {
                        Err(DomainError::new("lyceum-error-survey-out-of-range")
                            .with_arg(id)
                            .with_arg(min.to_string())
                            .with_arg(max.to_string()))
                    }
                    Some(n) => Ok(Answer::Number(n)),
                }
            }
            QuestionType::ShortText | QuestionType::LongText => match value {
                Value::String(s) => {
                    let limit = if q.kind == QuestionType::ShortText {
                        SHORT_ANSWER
                    } else {
                        LONG_ANSWER
                    };
                    limits::clean(s, limit).map(|t| Answer::Text(t.trim().to_owned()))
                }
                _ => Err(type_error(id)),
            },
        };
        match answer {
            Ok(Answer::Text(t)) if t.is_empty() => {}
            Ok(a) => {
                out.insert(id.clone(), a);
            }
            Err(e) => problems.invalid.push((id.clone(), e)),
        }
    }
    problems.missing = c
        .questions
        .iter()
        .filter(|q| q.required && !out.contains_key(&q.id))
        .filter(|q| !problems.invalid.iter().any(|(id, _)| *id == q.id))
        .map(|q| q.id.clone())
        .collect();
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::survey::tests::sample;
    use serde_json::json;

    fn run(v: Value) -> Result<Answers, Problems> {
        check(&sample(), v.as_object().unwrap())
    }

    #[test]
    fn good_answers_are_normalised() {
        let a = run(json!({
            "role": "ed", "tools": ["cx", "va", "cx"], "confident": 4,
            "recommend": "10", "useful": "  The practice  "
        }))
        .unwrap();
        assert_eq!(a["role"], Answer::Text("ed".into()));
        assert_eq!(a["tools"], Answer::Choices(vec!["va".into(), "cx".into()]));
        assert_eq!(a["confident"], Answer::Number(4));
        assert_eq!(a["recommend"], Answer::Number(10));
        assert_eq!(a["useful"], Answer::Text("The practice".into()));
        // Stored form round-trips.
        let back: Answers = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn empty_values_count_as_unanswered() {
        let a = run(
            json!({"role": "lib", "confident": 3, "tools": [], "useful": "  ", "recommend": null}),
        )
        .unwrap();
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn each_kind_of_bad_answer_has_its_message() {
        let cases = [
            (
                json!({"nope": 1}),
                "nope",
                "lyceum-error-survey-unknown-question",
            ),
            (
                json!({"role": "zz"}),
                "role",
                "lyceum-error-survey-unknown-choice",
            ),
            (
                json!({"role": 2}),
                "role",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"role": ["lib"]}),
                "role",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"tools": "va"}),
                "tools",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"tools": ["va", "zz"]}),
                "tools",
                "lyceum-error-survey-unknown-choice",
            ),
            (
                json!({"tools": [1]}),
                "tools",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"confident": 6}),
                "confident",
                "lyceum-error-survey-out-of-range",
            ),
            (
                json!({"confident": 0}),
                "confident",
                "lyceum-error-survey-out-of-range",
            ),
            (
                json!({"confident": 2.5}),
                "confident",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"confident": "many"}),
                "confident",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"recommend": 11}),
                "recommend",
                "lyceum-error-survey-out-of-range",
            ),
            (
                json!({"recommend": -1}),
                "recommend",
                "lyceum-error-survey-out-of-range",
            ),
            (
                json!({"useful": 3}),
                "useful",
                "lyceum-error-survey-answer-type",
            ),
            (
                json!({"useful": "x".repeat(20_001)}),
                "useful",
                "lyceum-error-input-too-long",
            ),
        ];
        for (sent, id, key) in cases {
            let p = run(sent.clone()).unwrap_err();
            assert_eq!(p.invalid.len(), 1, "{sent}");
            assert_eq!(p.invalid[0].0, id, "{sent}");
            assert_eq!(p.invalid[0].1.key.0, key, "{sent}");
            assert_eq!(p.error().key.0, key);
            assert_eq!(p.for_question(id).unwrap().key.0, key);
        }
    }

    #[test]
    fn missing_required_answers_are_named() {
        let p = run(json!({"tools": ["va"]})).unwrap_err();
        assert_eq!(p.missing, vec!["role", "confident"]);
        let e = p.error();
        assert_eq!(e.key.0, "lyceum-error-survey-missing");
        assert_eq!(e.args, vec!["role, confident".to_owned(), "2".to_owned()]);
        assert_eq!(missing_ids(&e), vec!["role", "confident"]);
        assert_eq!(
            p.for_question("role").unwrap().key.0,
            "lyceum-error-survey-required"
        );
        assert_eq!(p.for_question("tools"), None);
        // A required question with a bad answer is reported once, as bad.
        let p = run(json!({"role": "zz", "confident": 2})).unwrap_err();
        assert!(p.missing.is_empty());
        assert_eq!(p.invalid.len(), 1);
    }
}
