//! Grading a submission the way Open edX's responsetypes do (`get_score` of each
//! response, `CorrectMap.get_npoints`, `LoncapaProblem.calculate_score`), with the
//! extended-hint feedback of `get_extended_hints`.

use super::calc::{self, CalcError, Num, num_eq, num_lt, python_strip};
use super::parse::{ChoiceDetail, Detail, NumericalDetail, OptionDetail, StringDetail, join_hints};
use super::pyre::PyRegex;
use super::tolerance::{self, BadTolerance, Tolerance, python_float};
use super::{
    AnswerValue, Answers, Correctness, GradeError, Graded, InputResult, Problem, Response,
    ResponseKind, Widget,
};
use crate::error::DomainError;
use std::collections::{BTreeMap, BTreeSet};

struct Mark {
    correctness: Correctness,
    npoints: Option<f64>,
    feedback: Option<String>,
}

impl Mark {
    fn new(correctness: Correctness) -> Mark {
        Mark {
            correctness,
            npoints: None,
            feedback: None,
        }
    }

    fn points(mut self, npoints: f64) -> Mark {
        self.npoints = Some(npoints);
        self
    }

    /// `CorrectMap.get_npoints`: `npoints` when set, else 1 for (partially) correct.
    fn earned(&self) -> f64 {
        match (self.npoints, self.correctness) {
            (Some(n), _) => n,
            (None, Correctness::Incorrect) => 0.0,
            (None, _) => 1.0,
        }
    }
}

fn problem_error(key: &'static str) -> GradeError {
    GradeError::Problem(DomainError::new(key))
}

/// `round_away_from_zero(x, 2)` of capa's responsetypes.
fn round_half_up_2(x: f64) -> f64 {
    if x >= 0.0 {
        (x * 100.0 + 0.5).floor() / 100.0
    } else {
        (x * 100.0 - 0.5).ceil() / 100.0
    }
}

/// Grade a submission. Inputs without an answer are graded as Open edX grades a missing
/// answer (incorrect, no error). The first error in document order stops grading.
pub fn grade(problem: &Problem, answers: &Answers) -> Result<Graded, GradeError> {
    if problem.unsupported.is_some() {
        return Err(GradeError::Unsupported);
    }
    if let Some(unknown) = answers.keys().find(|k| problem.input(k).is_none()) {
        return Err(GradeError::UnknownInput(unknown.clone()));
    }
    let mut ordered: Vec<(String, Mark)> = Vec::new();
    for response in &problem.responses {
        ordered.extend(grade_response(response, answers)?);
    }
    // calculate_score sums in correct-map order, i.e. document order.
    let mut earned = 0.0;
    let mut inputs = BTreeMap::new();
    for (id, mark) in ordered {
        earned += mark.earned();
        inputs.insert(
            id,
            InputResult {
                correctness: mark.correctness,
                earned: mark.earned(),
                feedback: mark.feedback,
            },
        );
    }
    Ok(Graded {
        inputs,
        earned,
        possible: max_score(problem),
    })
}

/// The raw possible score: Σ `points` of every input (spec §2.2). For an unsupported
/// problem this is what Open edX would count as possible.
pub fn max_score(problem: &Problem) -> f64 {
    problem
        .responses
        .iter()
        .map(|r| r.inputs.iter().map(|i| i.points).sum::<f64>())
        .sum()
}

/// `weighted_score` (spec §2.9): without a weight, or with nothing possible, the raw
/// score; else scaled so that `possible == weight`.
pub fn weighted(earned: f64, possible: f64, weight: Option<f64>) -> (f64, f64) {
    match weight {
        Some(w) if possible != 0.0 => (earned * w / possible, w),
        _ => (earned, possible),
    }
}

/// The correct answers for "Show answer": choice values, the option text, the first
/// text answer, the numerical answer as written.
pub fn correct_answers(problem: &Problem) -> BTreeMap<String, AnswerValue> {
    let mut out = BTreeMap::new();
    for response in &problem.responses {
        match (&response.detail, response.inputs.first()) {
            (Detail::Choice(c), Some(input)) => {
                let value = match (&input.widget, c.correct.as_slice()) {
                    (Widget::Radio { .. }, [one])
                        if !matches!(response.kind, ResponseKind::TrueFalse) =>
                    {
                        AnswerValue::One(one.clone())
                    }
                    _ => AnswerValue::Many(c.correct.clone()),
                };
                out.insert(input.id.clone(), value);
            }
            (Detail::Option(o), _) => {
                for (input, correct) in response.inputs.iter().zip(&o.correct) {
                    if let Some(c) = correct {
                        out.insert(input.id.clone(), AnswerValue::One(c.clone()));
                    }
                }
            }
            (Detail::String(s), Some(input)) => {
                if let Some(first) = s.answers.first() {
                    out.insert(input.id.clone(), AnswerValue::One(first.clone()));
                }
            }
            (Detail::Numerical(n), Some(input)) => {
                out.insert(input.id.clone(), AnswerValue::One(n.answer.clone()));
            }
            _ => {}
        }
    }
    out
}

fn grade_response(
    response: &Response,
    answers: &Answers,
) -> Result<Vec<(String, Mark)>, GradeError> {
    let max: f64 = response.inputs.iter().map(|i| i.points).sum();
    let Some(first) = response.inputs.first() else {
        return Ok(Vec::new());
    };
    let id = first.id.clone();
    let answer = answers.get(&id);
    let mark = match (&response.detail, &response.kind) {
        (Detail::Choice(c), ResponseKind::MultipleChoice { .. }) => multiple_choice(c, answer)?,
        (Detail::Choice(c), ResponseKind::TrueFalse) => true_false(c, answer),
        (Detail::Choice(c), _) => checkbox(c, answer, max)?,
        (Detail::Option(o), _) => return Ok(option(o, response, answers)),
        (Detail::String(s), _) => string(s, answer, &id)?,
        (Detail::Numerical(n), _) => numerical(n, response, answer, &id)?,
        (Detail::Unsupported, _) => return Err(GradeError::Unsupported),
    };
    Ok(vec![(id, mark)])
}

fn check_credit(c: &ChoiceDetail, allowed: &[&str]) -> Result<(), GradeError> {
    if c.credit.len() > 1 {
        return Err(problem_error("lyceum-error-capa-partial-credit-multiple"));
    }
    if let Some(style) = c.credit.first()
        && !allowed.contains(&style.as_str())
    {
        return Err(GradeError::Problem(
            DomainError::new("lyceum-error-capa-partial-credit").with_arg(style.clone()),
        ));
    }
    Ok(())
}

fn multiple_choice(c: &ChoiceDetail, answer: Option<&AnswerValue>) -> Result<Mark, GradeError> {
    check_credit(c, &["points", "false"])?;
    let value = match answer {
        Some(AnswerValue::One(v)) => Some(v.as_str()),
        _ => None,
    };
    let points = c.credit.first().is_some_and(|s| s == "points");
    let mut mark = match value {
        Some(v) if c.correct.iter().any(|x| x == v) => Mark::new(Correctness::Correct),
        Some(v) if points && c.partial.iter().any(|(n, _)| n == v) => {
            let credit = c.partial.iter().find(|(n, _)| n == v).map_or(0.5, |p| p.1);
            Mark::new(Correctness::PartiallyCorrect).points(credit)
        }
        _ => Mark::new(Correctness::Incorrect),
    };
    let shown = match answer {
        Some(AnswerValue::One(v)) => Some(v.as_str()),
        Some(AnswerValue::Many(v)) => v.first().map(String::as_str),
        None => None,
    };
    if let Some(v) = shown {
        mark.feedback = c
            .hints
            .iter()
            .find(|h| h.name == v)
            .and_then(|h| h.first.clone());
    }
    Ok(mark)
}

fn as_list(answer: Option<&AnswerValue>) -> Vec<String> {
    match answer {
        None => Vec::new(),
        Some(AnswerValue::One(v)) => vec![v.clone()],
        Some(AnswerValue::Many(v)) => v.clone(),
    }
}

fn true_false(c: &ChoiceDetail, answer: Option<&AnswerValue>) -> Mark {
    let given: BTreeSet<String> = as_list(answer).into_iter().collect();
    let correct: BTreeSet<String> = c.correct.iter().cloned().collect();
    Mark::new(if given == correct {
        Correctness::Correct
    } else {
        Correctness::Incorrect
    })
}

fn checkbox(c: &ChoiceDetail, answer: Option<&AnswerValue>, max: f64) -> Result<Mark, GradeError> {
    let list = as_list(answer);
    // "When a student leaves all the boxes unmarked, edX throws an error": always 0.
    let mut mark = if list.is_empty() {
        Mark::new(Correctness::Incorrect)
    } else {
        checkbox_score(c, &list, max)?
    };
    mark.feedback = checkbox_feedback(c, answer);
    Ok(mark)
}

fn checkbox_score(c: &ChoiceDetail, list: &[String], max: f64) -> Result<Mark, GradeError> {
    let selected: BTreeSet<&str> = list.iter().map(String::as_str).collect();
    let correct: BTreeSet<&str> = c.correct.iter().map(String::as_str).collect();
    let incorrect: BTreeSet<&str> = c.incorrect.iter().map(String::as_str).collect();
    let all: BTreeSet<&str> = correct.union(&incorrect).copied().collect();
    let not_selected: BTreeSet<&str> = all.difference(&selected).copied().collect();
    check_credit(c, &["edc", "halves", "false"])?;
    match c.credit.first().map(String::as_str) {
        Some("edc") => {
            let good = selected.intersection(&correct).count()
                + not_selected.intersection(&incorrect).count();
            if all.is_empty() {
                return Err(problem_error("lyceum-error-capa-no-choices"));
            }
            let grade = round_half_up_2(max * good as f64 / all.len() as f64);
            Ok(if good == all.len() {
                Mark::new(Correctness::Correct)
            } else if good > 0 {
                Mark::new(Correctness::PartiallyCorrect).points(grade)
            } else {
                Mark::new(Correctness::Incorrect).points(0.0)
            })
        }
        Some("halves") => {
            let errors = selected.intersection(&incorrect).count()
                + not_selected.intersection(&correct).count();
            let n = all.len();
            Ok(match errors {
                0 => Mark::new(Correctness::Correct).points(max),
                1 if n > 2 => {
                    Mark::new(Correctness::PartiallyCorrect).points(round_half_up_2(max / 2.0))
                }
                2 if n > 4 => {
                    Mark::new(Correctness::PartiallyCorrect).points(round_half_up_2(max / 4.0))
                }
                _ => Mark::new(Correctness::Incorrect),
            })
        }
        _ => Ok(if selected == correct {
            Mark::new(Correctness::Correct)
        } else {
            Mark::new(Correctness::Incorrect)
        }),
    }
}

fn checkbox_feedback(c: &ChoiceDetail, answer: Option<&AnswerValue>) -> Option<String> {
    let answer = answer?;
    // A single string is iterated (compound hints) or searched (choice hints) as Python does.
    let names: Vec<String> = match answer {
        AnswerValue::Many(v) => v.clone(),
        AnswerValue::One(s) => s.chars().map(|ch| ch.to_string()).collect(),
    };
    let letters: BTreeSet<String> = names
        .iter()
        .filter_map(|n| c.hints.iter().find(|h| &h.name == n))
        .map(|h| h.letter.clone())
        .collect();
    if let Some((_, text)) = c.compound.iter().find(|(sel, _)| *sel == letters) {
        return (!text.is_empty()).then(|| text.clone());
    }
    let is_selected = |name: &str| match answer {
        AnswerValue::Many(v) => v.iter().any(|x| x == name),
        AnswerValue::One(s) => s.contains(name),
    };
    let mut texts = Vec::new();
    for h in &c.hints {
        if is_selected(&h.name) {
            texts.extend(h.selected.iter().cloned());
        } else {
            texts.extend(h.unselected.iter().cloned());
        }
    }
    join_hints(&texts)
}

fn option(o: &OptionDetail, response: &Response, answers: &Answers) -> Vec<(String, Mark)> {
    let mut out = Vec::new();
    for (i, input) in response.inputs.iter().enumerate() {
        let correct = o.correct.get(i).cloned().flatten();
        let given = match answers.get(&input.id) {
            Some(AnswerValue::One(v)) => Some(v.as_str()),
            _ => None,
        };
        let mut mark = match (given, correct.as_deref()) {
            (Some(g), Some(c)) if g == c => Mark::new(Correctness::Correct),
            _ => Mark::new(Correctness::Incorrect),
        };
        if let Some(g) = given {
            mark.feedback = o
                .hints
                .get(i)
                .and_then(|hs| hs.iter().find(|(text, _)| text == g))
                .and_then(|(_, hint)| hint.clone());
        }
        out.push((input.id.clone(), mark));
    }
    out
}

/// `StringResponse.check_string`.
fn check_string(s: &StringDetail, expected: &[String], given: &str) -> Result<bool, GradeError> {
    if given.is_empty() {
        return Ok(false);
    }
    if !s.backward && s.regexp {
        let regexp_error = |e: String| {
            GradeError::Problem(DomainError::new("lyceum-error-capa-regexp").with_arg(e))
        };
        let pattern = format!("^{}$", expected.join("|"));
        return PyRegex::new(&pattern, s.ci)
            .map_err(regexp_error)?
            .search(given)
            .map_err(regexp_error);
    }
    if s.ci {
        let g = given.to_lowercase();
        Ok(expected.iter().any(|e| e.to_lowercase() == g))
    } else {
        Ok(expected.iter().any(|e| e == given))
    }
}

/// `StringResponse.match_hint_node`: a bad pattern simply does not match.
fn match_hint(answer: &str, given: &str, regexp: bool, ci: bool) -> bool {
    if answer.is_empty() {
        return false;
    }
    if regexp {
        return PyRegex::new(&format!("^{answer}$"), ci)
            .ok()
            .and_then(|re| re.search(given).ok())
            .unwrap_or(false);
    }
    if ci {
        answer.to_lowercase() == given.to_lowercase()
    } else {
        answer == given
    }
}

fn string(s: &StringDetail, answer: Option<&AnswerValue>, id: &str) -> Result<Mark, GradeError> {
    let raw = match answer {
        None => return Ok(Mark::new(Correctness::Incorrect)),
        Some(AnswerValue::Many(_)) => return Err(GradeError::InvalidAnswer(id.to_owned())),
        Some(AnswerValue::One(v)) => v.as_str(),
    };
    let correct = check_string(s, &s.answers, python_strip(raw))?;
    let mut mark = Mark::new(if correct {
        Correctness::Correct
    } else {
        Correctness::Incorrect
    });
    mark.feedback = string_feedback(s, raw);
    Ok(mark)
}

fn string_feedback(s: &StringDetail, raw: &str) -> Option<String> {
    if check_string(s, std::slice::from_ref(&s.primary), raw).unwrap_or(false) {
        return s.correct_hint.clone();
    }
    if let Some((_, hint)) = s
        .additional
        .iter()
        .find(|(a, _)| match_hint(a, raw, s.regexp, s.ci))
    {
        return hint.clone();
    }
    if let Some((_, hint)) = s
        .equal_hints
        .iter()
        .find(|(a, _)| match_hint(a, raw, false, s.ci))
    {
        return hint.clone();
    }
    s.regexp_hints
        .iter()
        .find(|(a, _)| match_hint(a, raw, true, s.ci))
        .and_then(|(_, hint)| hint.clone())
}

fn student_error(id: &str, input: &str, e: CalcError) -> GradeError {
    let (key, args) = match e {
        CalcError::Syntax => ("lyceum-error-capa-numerical-syntax", vec![input.to_owned()]),
        CalcError::UnmatchedClose(prefix) => {
            ("lyceum-error-capa-numerical-parens-unopened", vec![prefix])
        }
        CalcError::Unclosed(n) => (
            "lyceum-error-capa-numerical-parens-unclosed",
            vec![n.to_string()],
        ),
        CalcError::UndefinedVariables(v) => {
            ("lyceum-error-capa-numerical-variable", vec![v.join(", ")])
        }
        CalcError::UndefinedFunctions { names, multiply } => (
            if multiply {
                "lyceum-error-capa-numerical-function-multiply"
            } else {
                "lyceum-error-capa-numerical-function"
            },
            vec![names.join(", ")],
        ),
        CalcError::Factorial => (
            "lyceum-error-capa-numerical-factorial",
            vec![input.to_owned()],
        ),
        CalcError::Value => ("lyceum-error-capa-numerical-input", vec![input.to_owned()]),
    };
    GradeError::StudentInput {
        input_id: id.to_owned(),
        key,
        args,
    }
}

fn staff(answer: &str) -> Result<Num, GradeError> {
    tolerance::staff_answer(answer).ok_or_else(|| problem_error("lyceum-error-capa-staff-answer"))
}

fn bad_tolerance(n: &NumericalDetail) -> impl Fn(BadTolerance) -> GradeError + '_ {
    move |_| {
        GradeError::Problem(
            DomainError::new("lyceum-error-capa-tolerance").with_arg(n.tolerance.clone()),
        )
    }
}

/// `NumericalResponse.get_score`.
fn numerical(
    n: &NumericalDetail,
    response: &Response,
    answer: Option<&AnswerValue>,
    id: &str,
) -> Result<Mark, GradeError> {
    let raw = match answer {
        None => return Ok(Mark::new(Correctness::Incorrect)),
        Some(AnswerValue::Many(_)) => return Err(GradeError::InvalidAnswer(id.to_owned())),
        Some(AnswerValue::One(v)) => v.as_str(),
    };
    let (close, list) = match &response.kind {
        ResponseKind::Numerical { close, list, .. } => (*close, *list),
        _ => (false, false),
    };
    let credit: Vec<String> = match response.partial_credit.as_deref() {
        Some(v) if python_strip(&v.to_lowercase()) != "false" => v
            .split(',')
            .map(|w| python_strip(w).to_lowercase())
            .collect(),
        _ => Vec::new(),
    };
    if let Some(bad) = credit
        .iter()
        .find(|c| c.as_str() != "list" && c.as_str() != "close")
    {
        return Err(GradeError::Problem(
            DomainError::new("lyceum-error-capa-partial-credit").with_arg(bad.clone()),
        ));
    }
    let partial = !credit.is_empty();
    let student = calc::evaluate(raw).map_err(|e| student_error(id, raw, e))?;

    let partial_range = match &n.partial_range {
        Some(v) => Num::Float(python_float(v).ok_or_else(|| {
            GradeError::Problem(
                DomainError::new("lyceum-error-capa-partial-range").with_arg(v.clone()),
            )
        })?),
        None => Num::Int(2),
    };
    let partial_answers: Option<Vec<Num>> = match &n.partial_answers {
        Some(v) => Some(
            v.split(',')
                .map(|w| staff(python_strip(w)))
                .collect::<Result<_, _>>()?,
        ),
        None => None,
    };
    let mut partial_score = 0.5;
    let mut correctness = Correctness::Incorrect;
    let cmp_err = bad_tolerance(n);

    if let Some((lo_inc, hi_inc, lo, hi)) = &n.range {
        if student.is_complex() {
            return Err(GradeError::StudentInput {
                input_id: id.to_owned(),
                key: "lyceum-error-capa-numerical-complex-range",
                args: Vec::new(),
            });
        }
        let mut boundaries = Vec::new();
        let mut decided = false;
        for (inclusive, bound) in [(*lo_inc, lo), (*hi_inc, hi)] {
            let boundary = staff(bound)?;
            if boundary.im() != 0.0 {
                return Err(problem_error(
                    "lyceum-error-capa-staff-answer-complex-boundary",
                ));
            }
            if boundary.is_nan() {
                return Err(problem_error(
                    "lyceum-error-capa-staff-answer-empty-boundary",
                ));
            }
            boundaries.push(Num::Float(boundary.re()));
            let eps = Tolerance::Value(Num::Float(f64::EPSILON));
            if tolerance::compare(student, boundary, eps, true).map_err(&cmp_err)? {
                correctness = if inclusive {
                    Correctness::Correct
                } else {
                    Correctness::Incorrect
                };
                decided = true;
                break;
            }
        }
        if !decided {
            let (b0, b1) = (boundaries[0], boundaries[1]);
            if num_lt(b0, student) && num_lt(student, b1) {
                correctness = Correctness::Correct;
            } else if partial && close {
                let width = calc::sub(b1, b0)
                    .map_err(|_| problem_error("lyceum-error-capa-staff-answer"))?;
                let stretch = calc::mul(partial_range, width)
                    .map_err(|_| problem_error("lyceum-error-capa-staff-answer"))?;
                let lo = calc::sub(b0, stretch)
                    .map_err(|_| problem_error("lyceum-error-capa-staff-answer"))?;
                let hi = calc::add(b1, stretch)
                    .map_err(|_| problem_error("lyceum-error-capa-staff-answer"))?;
                if num_lt(lo, student) && num_lt(student, hi) {
                    correctness = Correctness::PartiallyCorrect;
                }
            }
        }
    } else {
        let correct = staff(&n.answer)?;
        let tol = n.tolerance.as_str();
        // str(partial_range * float(tol[:-1])) + "%": only its value and whether it
        // reads "0.001%" (which makes it relative) matter.
        let expanded_text;
        let expanded = if let Some(body) = tol.strip_suffix('%') {
            let f = python_float(body).ok_or_else(|| cmp_err(BadTolerance))?;
            let v = calc::mul(partial_range, Num::Float(f)).map_err(|_| cmp_err(BadTolerance))?;
            expanded_text = format!("{}%", v.re());
            Tolerance::Text(&expanded_text)
        } else {
            let f = python_float(tol).ok_or_else(|| cmp_err(BadTolerance))?;
            Tolerance::Value(
                calc::mul(partial_range, Num::Float(f)).map_err(|_| cmp_err(BadTolerance))?,
            )
        };
        let within = |value: Num, t: Tolerance<'_>| {
            tolerance::compare(student, value, t, false).map_err(&cmp_err)
        };
        if within(correct, Tolerance::Text(tol))? {
            correctness = Correctness::Correct;
        } else if !partial {
        } else if list {
            let values = partial_answers
                .ok_or_else(|| problem_error("lyceum-error-capa-partial-answers"))?;
            for value in values {
                if within(value, Tolerance::Text(tol))? {
                    correctness = Correctness::PartiallyCorrect;
                    break;
                }
                if close {
                    if within(correct, expanded)? {
                        correctness = Correctness::PartiallyCorrect;
                        break;
                    }
                    if within(value, expanded)? {
                        correctness = Correctness::PartiallyCorrect;
                        partial_score *= partial_score;
                        break;
                    }
                }
            }
        } else if close && within(correct, expanded)? {
            correctness = Correctness::PartiallyCorrect;
        }
    }

    let mut additional_index = None;
    if correctness == Correctness::Incorrect {
        for (index, additional) in n.additional.iter().enumerate() {
            let text = additional
                .as_deref()
                .ok_or_else(|| problem_error("lyceum-error-capa-staff-answer"))?;
            let value = staff(text)?;
            let as_complex = Num::Complex(student.re(), student.im());
            let equal = match student {
                Num::Int(_) => num_eq(student, value),
                _ => num_eq(as_complex, value),
            };
            if equal {
                correctness = Correctness::Correct;
                additional_index = Some(index);
                break;
            }
        }
    }
    let mut mark = Mark::new(correctness);
    if correctness == Correctness::PartiallyCorrect {
        mark = mark.points(partial_score);
    }
    if correctness == Correctness::Correct {
        mark.feedback = match additional_index {
            None => n.correct_hint.clone(),
            Some(i) => n.additional_hints.get(i).cloned().flatten(),
        };
    }
    Ok(mark)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(round_half_up_2(0.125), 0.13);
        assert_eq!(round_half_up_2(0.75), 0.75);
    }
}
