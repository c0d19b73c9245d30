//! The rules around a learner's attempts at a problem, as Open edX applies them: which
//! seed shuffles use and when a reset draws a new one, how hints come, when submitting
//! is open (the due date plus the course's grace period, attempts left, no stale tab),
//! what a refused submission is told, how answers arrive from a form or the API, and
//! the limits on a score set by hand. Pure: the use cases in `lyceum-app` apply them.

use super::{AnswerValue, Answers, AttemptState, Input, Problem, Widget};
use crate::blocks::ProblemContent;
use crate::error::DomainError;
use crate::ids::{BlockId, UserId};
use crate::limits;
use jiff::{SignedDuration, Timestamp};

/// The seed shuffles use: the same for everyone unless the problem randomizes per learner
/// (then a stable hash of learner and problem, Open edX's "per_student" bins).
pub fn seed_for(content: &ProblemContent, user: Option<UserId>, block: BlockId) -> u64 {
    match user {
        Some(u) if content.per_learner_seed() => {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in format!("{}:{}", u.0, block.0).bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            h % 1000
        }
        _ => 1,
    }
}

/// Whether resetting a problem draws a new seed: `rerandomize` is `always`, `onreset`,
/// `true` or empty (Open edX's spellings of "on reset"); otherwise the order is kept.
pub fn reset_draws_anew(content: &ProblemContent) -> bool {
    matches!(
        content.rerandomize.as_deref(),
        Some("always" | "onreset" | "true" | "")
    )
}

/// The seed after a reset: `draw` (a number below 1000) when the problem rerandomizes on
/// reset, the current seed otherwise.
pub fn seed_after_reset(content: &ProblemContent, current: u64, draw: impl FnOnce() -> u64) -> u64 {
    if reset_draws_anew(content) {
        draw() % 1000
    } else {
        current
    }
}

/// Whether the learner may reset their answers: the author offers the button and there
/// is something to reset.
pub fn may_reset(content: &ProblemContent, attempts: i64) -> bool {
    content.show_reset_button && attempts > 0
}

/// How many hints show after asking for the next one, with `shown` showing now and
/// `total` written: hints come one at a time and then start over, as in Open edX.
/// `None` when the problem has no hints.
pub fn next_hint(shown: usize, total: usize) -> Option<usize> {
    match total {
        0 => None,
        _ if shown >= total => Some(1),
        _ => Some(shown + 1),
    }
}

/// The moment submissions close: the due date (or, without one, the course end) plus the
/// grace period. `None`: never.
pub fn submissions_close(
    due: Option<Timestamp>,
    course_end: Option<Timestamp>,
    grace_period_secs: u64,
) -> Option<Timestamp> {
    let due = due.or(course_end)?;
    let grace = i64::try_from(grace_period_secs).unwrap_or(0);
    Some(
        due.saturating_add(SignedDuration::from_secs(grace))
            .unwrap_or(due),
    )
}

/// Where a learner stands for the show-answer, show-correctness and closing rules.
pub fn attempt_state(
    content: &ProblemContent,
    attempts: i64,
    raw: Option<(f64, f64)>,
    past_due: bool,
    staff: bool,
) -> AttemptState {
    AttemptState {
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        max_attempts: content.max_attempts,
        is_correct: attempts > 0 && raw.is_some_and(|(e, p)| e >= p),
        past_due,
        is_staff: staff,
    }
}

/// Why a new submission is refused before it is graded (nothing is stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The form was shown with fewer attempts than are recorded now: another tab
    /// submitted since.
    Stale,
    /// The close date has passed.
    PastDue,
    /// Every attempt is used.
    NoAttempts,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Stale => "lyceum-error-problem-stale",
            Refusal::PastDue => "lyceum-error-problem-past-due",
            Refusal::NoAttempts => "lyceum-error-problem-no-attempts",
        }
    }
}

/// Whether a new submission may be graded, checked in this order: a stale form, past
/// due, no attempts left. (A retried or repeated submission is answered from what is
/// stored before this is asked.)
pub fn refusal(state: &AttemptState, expected_attempts: Option<i64>) -> Option<Refusal> {
    if expected_attempts.is_some_and(|e| e != i64::from(state.attempts)) {
        Some(Refusal::Stale)
    } else if state.past_due {
        Some(Refusal::PastDue)
    } else if super::is_closed(state) {
        Some(Refusal::NoAttempts)
    } else {
        None
    }
}

/// The message for a submission with inputs left empty: with one input, "answer it";
/// with several, how many are missing and which: their 1-based positions, one argument
/// each, shown as one list.
pub fn incomplete_error(inputs: usize, missing: &[(usize, &Input)]) -> DomainError {
    if inputs <= 1 {
        return DomainError::new("lyceum-error-problem-incomplete-one");
    }
    let mut e = DomainError::new("lyceum-error-problem-incomplete")
        .with_arg(missing.len().to_string())
        .with_arg(inputs.to_string());
    e.args.extend(missing.iter().map(|(n, _)| n.to_string()));
    e
}

/// Open edX answers "3,14" with "Invalid math syntax"; learners who write decimals
/// with a comma, or in their own digits, are told what to change instead.
pub fn clearer_number_error(key: &'static str, args: Vec<String>) -> DomainError {
    let typed = args.first().map(String::as_str).unwrap_or_default();
    let key = match key {
        "lyceum-error-capa-numerical-syntax" | "lyceum-error-capa-numerical-input"
            if typed.chars().any(|c| c.is_numeric() && !c.is_ascii_digit()) =>
        {
            "lyceum-error-capa-numerical-digits"
        }
        "lyceum-error-capa-numerical-syntax"
            if typed.contains(',') && typed.chars().any(|c| c.is_ascii_digit()) =>
        {
            "lyceum-error-capa-numerical-comma"
        }
        other => other,
    };
    let mut e = DomainError::new(key);
    e.args = args;
    e
}

/// A score staff set by hand, and why: points between 0 and what the problem is worth
/// (a decimal comma is fine), and a reason that is not empty. The points are checked
/// first, then the reason.
pub fn check_override(
    points: &str,
    reason: &str,
    possible: f64,
) -> Result<(f64, String), DomainError> {
    let points = points
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0 && *x <= possible + 1e-9)
        .ok_or_else(|| {
            DomainError::new("lyceum-error-override-points")
                .with_arg(((possible * 100.0).round() / 100.0).to_string())
        })?;
    let reason = limits::clean(reason.trim(), limits::REASON)?;
    if reason.is_empty() {
        return Err(DomainError::new("lyceum-error-override-reason"));
    }
    Ok((points, reason))
}

/// Answers from a form body: repeated keys (checkboxes) become lists. Only input ids of
/// the problem are answers; other fields (action, key) are ignored.
pub fn answers_from_form(problem: &Problem, pairs: &[(String, String)]) -> Answers {
    let mut out = Answers::new();
    for input in problem.inputs() {
        let values: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| *k == input.id)
            .map(|(_, v)| v.clone())
            .collect();
        match (&input.widget, values.len()) {
            (Widget::Checkbox { .. }, _) => {
                out.insert(input.id.clone(), AnswerValue::Many(values));
            }
            (_, 0) => {}
            (_, _) => {
                out.insert(
                    input.id.clone(),
                    AnswerValue::One(values.into_iter().next().unwrap_or_default()),
                );
            }
        }
    }
    out
}

/// Answers from the JSON API in the shape their inputs take: a lone string for a checkbox
/// input is a list of one, a one-element list for any other input is its string.
pub fn normalize_answers(problem: &Problem, answers: Answers) -> Answers {
    answers
        .into_iter()
        .map(|(id, v)| {
            let checkbox = problem
                .input(&id)
                .is_some_and(|i| matches!(i.widget, Widget::Checkbox { .. }));
            let v = match (checkbox, v) {
                (true, AnswerValue::One(s)) => AnswerValue::Many(vec![s]),
                (false, AnswerValue::Many(mut l)) if l.len() == 1 => AnswerValue::One(l.remove(0)),
                (_, v) => v,
            };
            (id, v)
        })
        .collect()
}

/// An answer as a person reads it: choice labels instead of `choice_N`.
pub fn answer_text(problem: &Problem, input_id: &str, value: &AnswerValue) -> String {
    let label = |v: &str| -> String {
        match problem.input(input_id).map(|i| &i.widget) {
            Some(Widget::Radio { choices } | Widget::Checkbox { choices }) => choices
                .iter()
                .find(|c| c.value == v)
                .map(|c| crate::sanitize::strip_tags(&c.html).trim().to_owned())
                .unwrap_or_else(|| v.to_owned()),
            _ => v.to_owned(),
        }
    };
    match value {
        AnswerValue::One(v) => label(v),
        AnswerValue::Many(vs) => vs.iter().map(|v| label(v)).collect::<Vec<_>>().join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(rerandomize: Option<&str>) -> ProblemContent {
        let mut c = ProblemContent::new(
            "<problem><stringresponse answer=\"a\"><textline/></stringresponse></problem>"
                .to_owned(),
        );
        c.rerandomize = rerandomize.map(str::to_owned);
        c
    }

    #[test]
    fn hints_come_one_at_a_time_and_start_over() {
        let cases = [
            // (shown, total, next)
            (0, 0, None),
            (3, 0, None),
            (0, 1, Some(1)),
            (1, 1, Some(1)),
            (0, 3, Some(1)),
            (1, 3, Some(2)),
            (2, 3, Some(3)),
            (3, 3, Some(1)),
            (7, 3, Some(1)),
        ];
        for (shown, total, want) in cases {
            assert_eq!(next_hint(shown, total), want, "{shown} of {total}");
        }
    }

    #[test]
    fn a_reset_draws_anew_only_when_the_problem_rerandomizes_on_reset() {
        let cases = [
            (None, false),
            (Some("never"), false),
            (Some("per_student"), false),
            (Some("false"), false),
            (Some("always"), true),
            (Some("onreset"), true),
            (Some("true"), true),
            (Some(""), true),
        ];
        for (setting, anew) in cases {
            let c = content(setting);
            assert_eq!(reset_draws_anew(&c), anew, "{setting:?}");
            let want = if anew { 1234 % 1000 } else { 7 };
            assert_eq!(seed_after_reset(&c, 7, || 1234), want, "{setting:?}");
        }
    }

    #[test]
    fn seeds_are_shared_unless_the_problem_randomizes_per_learner() {
        let shared = content(None);
        let mine = content(Some("per_student"));
        let (u, v, b) = (UserId(5), UserId(6), BlockId(40));
        assert_eq!(seed_for(&shared, Some(u), b), 1);
        assert_eq!(seed_for(&mine, None, b), 1, "no learner: the shared seed");
        let s = seed_for(&mine, Some(u), b);
        assert!(s < 1000);
        assert_eq!(seed_for(&mine, Some(u), b), s, "stable");
        assert!(
            (0..20).any(|i| seed_for(&mine, Some(v), BlockId(i)) != s),
            "learners and problems get different draws"
        );
    }

    #[test]
    fn resetting_needs_the_button_and_an_attempt() {
        let mut c = content(None);
        assert!(!may_reset(&c, 1));
        c.show_reset_button = true;
        assert!(!may_reset(&c, 0));
        assert!(may_reset(&c, 2));
    }

    #[test]
    fn submissions_close_after_the_due_date_and_the_grace_period() {
        let due: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        let end: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let cases = [
            (None, None, 3600, None),
            (Some(due), None, 0, Some(due)),
            (
                Some(due),
                Some(end),
                7200,
                Some("2026-03-01T14:00:00Z".parse().unwrap()),
            ),
            (
                None,
                Some(end),
                1800,
                Some("2026-06-01T00:30:00Z".parse().unwrap()),
            ),
            (Some(due), None, u64::MAX, Some(due)),
        ];
        for (d, e, grace, want) in cases {
            assert_eq!(submissions_close(d, e, grace), want, "{d:?} {e:?} {grace}");
        }
    }

    #[test]
    fn refusals_in_order_stale_past_due_no_attempts() {
        let mut c = content(None);
        c.max_attempts = Some(2);
        let cases = [
            // (attempts, past_due, expected, refusal)
            (0, false, None, None),
            (1, false, Some(1), None),
            (1, false, Some(0), Some(Refusal::Stale)),
            (1, true, Some(0), Some(Refusal::Stale)),
            (1, true, None, Some(Refusal::PastDue)),
            (2, true, None, Some(Refusal::PastDue)),
            (2, false, None, Some(Refusal::NoAttempts)),
            (2, false, Some(2), Some(Refusal::NoAttempts)),
        ];
        for (attempts, past_due, expected, want) in cases {
            let s = attempt_state(&c, attempts, Some((0.0, 1.0)), past_due, false);
            assert_eq!(
                refusal(&s, expected),
                want,
                "{attempts} {past_due} {expected:?}"
            );
        }
        c.max_attempts = None;
        let s = attempt_state(&c, 40, Some((0.0, 1.0)), false, false);
        assert_eq!(refusal(&s, None), None, "unlimited attempts");
    }

    #[test]
    fn attempt_state_is_correct_only_with_full_marks_after_an_attempt() {
        let c = content(None);
        let cases = [
            (0, Some((1.0, 1.0)), false),
            (1, None, false),
            (1, Some((0.5, 1.0)), false),
            (1, Some((1.0, 1.0)), true),
            (2, Some((0.0, 0.0)), true),
        ];
        for (attempts, raw, correct) in cases {
            assert_eq!(
                attempt_state(&c, attempts, raw, false, true).is_correct,
                correct,
                "{attempts} {raw:?}"
            );
        }
    }

    #[test]
    fn overrides_stay_within_the_points_and_need_a_reason() {
        let ok = |p: &str, r: &str| check_override(p, r, 4.0);
        let key = |res: Result<(f64, String), DomainError>| res.err().map(|e| e.key.0);
        let cases: [(&str, &str, Option<&str>); 10] = [
            ("3", "Late email", None),
            (" 2,5 ", "ok", None),
            ("0", "absent", None),
            ("4", "full", None),
            ("4.01", "too many", Some("lyceum-error-override-points")),
            ("-1", "negative", Some("lyceum-error-override-points")),
            ("NaN", "not a number", Some("lyceum-error-override-points")),
            ("", "", Some("lyceum-error-override-points")),
            ("2", "   ", Some("lyceum-error-override-reason")),
            ("2", "", Some("lyceum-error-override-reason")),
        ];
        for (p, r, want) in cases {
            assert_eq!(key(ok(p, r)), want, "{p:?} {r:?}");
        }
        assert_eq!(ok(" 2,5 ", " why ").unwrap(), (2.5, "why".to_owned()));
        let long = "x".repeat(limits::REASON.max_chars + 1);
        assert!(ok("1", &long).is_err(), "a reason past its limit");
        let e = check_override("9", "r", 2.0 / 3.0).unwrap_err();
        assert_eq!(e.args, vec!["0.67".to_owned()], "the maximum, as shown");
    }

    #[test]
    fn number_errors_say_what_to_change() {
        let cases = [
            (
                "lyceum-error-capa-numerical-syntax",
                "3,14",
                "lyceum-error-capa-numerical-comma",
            ),
            (
                "lyceum-error-capa-numerical-syntax",
                "٣٫١٤",
                "lyceum-error-capa-numerical-digits",
            ),
            (
                "lyceum-error-capa-numerical-input",
                "٣",
                "lyceum-error-capa-numerical-digits",
            ),
            (
                "lyceum-error-capa-numerical-input",
                "3,14",
                "lyceum-error-capa-numerical-input",
            ),
            (
                "lyceum-error-capa-numerical-syntax",
                "x+",
                "lyceum-error-capa-numerical-syntax",
            ),
            (
                "lyceum-error-capa-numerical-syntax",
                ",",
                "lyceum-error-capa-numerical-syntax",
            ),
        ];
        for (key, typed, want) in cases {
            let e = clearer_number_error(key, vec![typed.to_owned()]);
            assert_eq!(e.key.0, want, "{key} {typed}");
            assert_eq!(e.args, vec![typed.to_owned()]);
        }
    }

    fn three_inputs() -> Problem {
        super::super::parse(
            "q",
            r#"<problem>
<multiplechoiceresponse><choicegroup><choice correct="true">Yes</choice><choice correct="false">No</choice></choicegroup></multiplechoiceresponse>
<choiceresponse><checkboxgroup><choice correct="true">A</choice><choice correct="false">B</choice></checkboxgroup></choiceresponse>
<stringresponse answer="x"><textline/></stringresponse>
</problem>"#,
        )
        .unwrap()
    }

    #[test]
    fn empty_inputs_are_named_by_position() {
        let p = three_inputs();
        let inputs: Vec<&Input> = p.inputs().collect();
        assert_eq!(
            incomplete_error(1, &[(1, inputs[0])]).key.0,
            "lyceum-error-problem-incomplete-one"
        );
        let e = incomplete_error(3, &[(1, inputs[0]), (3, inputs[2])]);
        assert_eq!(e.key.0, "lyceum-error-problem-incomplete");
        assert_eq!(e.args, vec!["2", "3", "1", "3"]);
    }

    #[test]
    fn answers_take_their_inputs_shape() {
        let p = three_inputs();
        let ids: Vec<String> = p.inputs().map(|i| i.id.clone()).collect();
        let pairs = vec![
            (ids[0].clone(), "choice_0".to_owned()),
            (ids[1].clone(), "choice_0".to_owned()),
            (ids[1].clone(), "choice_1".to_owned()),
            ("action".to_owned(), "submit".to_owned()),
        ];
        let form = answers_from_form(&p, &pairs);
        assert_eq!(
            form.get(&ids[0]),
            Some(&AnswerValue::One("choice_0".into()))
        );
        assert_eq!(
            form.get(&ids[1]),
            Some(&AnswerValue::Many(vec![
                "choice_0".into(),
                "choice_1".into()
            ]))
        );
        assert_eq!(form.get(&ids[2]), None, "a field not sent is not an answer");
        assert_eq!(form.len(), 2, "other fields are not answers");
        let none = answers_from_form(&p, &[]);
        assert_eq!(
            none.get(&ids[1]),
            Some(&AnswerValue::Many(vec![])),
            "no box ticked"
        );

        let mut api = Answers::new();
        api.insert(ids[0].clone(), AnswerValue::Many(vec!["choice_1".into()]));
        api.insert(ids[1].clone(), AnswerValue::One("choice_0".into()));
        api.insert(
            ids[2].clone(),
            AnswerValue::Many(vec!["a".into(), "b".into()]),
        );
        let n = normalize_answers(&p, api);
        assert_eq!(n[&ids[0]], AnswerValue::One("choice_1".into()));
        assert_eq!(n[&ids[1]], AnswerValue::Many(vec!["choice_0".into()]));
        assert_eq!(
            n[&ids[2]],
            AnswerValue::Many(vec!["a".into(), "b".into()]),
            "left for grading to refuse"
        );

        assert_eq!(answer_text(&p, &ids[0], &n[&ids[0]]), "No");
        assert_eq!(
            answer_text(
                &p,
                &ids[1],
                &AnswerValue::Many(vec!["choice_0".into(), "choice_1".into()])
            ),
            "A; B"
        );
        assert_eq!(answer_text(&p, &ids[2], &AnswerValue::One("x".into())), "x");
    }
}
