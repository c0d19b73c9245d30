//! Problems for learners: what a problem shows (its inputs as Codex widgets inside the
//! author's HTML, results, hints, answers), and one submission path shared by the page
//! form and the JSON API — attempt limits, due dates with the course's grace period,
//! unknown inputs, unparsable numbers (no attempt used) and retried or doubled requests
//! (never counted twice).

use crate::courses::CourseCx;
use crate::error::{AppError, AppResult};
use crate::page::{Html, Page, escape};
use askama::Template;
use axum::http::StatusCode;
use jiff::Timestamp;
use lyceum_core::blocks::{LeafContent, ProblemContent};
use lyceum_core::capa::{
    self, AnswerValue, Answers, AttemptState, Correctness, GradeError, Problem, Segment, Widget,
};
use lyceum_core::clock::from_millis;
use lyceum_core::{BlockId, DomainError, UserId};
use lyceum_store::StoreError;
use lyceum_store::repo::learner::{self, CompletionSource};
use lyceum_store::repo::problems::{self, NewSubmission, ProblemStateRow};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One input's result, as stored with a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredResult {
    pub correctness: Correctness,
    pub earned: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

pub type Results = BTreeMap<String, StoredResult>;

fn results_of(g: &capa::Graded) -> Results {
    g.inputs
        .iter()
        .map(|(k, r)| {
            (
                k.clone(),
                StoredResult {
                    correctness: r.correctness,
                    earned: r.earned,
                    feedback: r.feedback.clone(),
                },
            )
        })
        .collect()
}

/// A learner's state on a problem, decoded.
#[derive(Clone, Debug, Default)]
pub struct LearnerProblem {
    pub attempts: i64,
    pub answers: Answers,
    pub results: Results,
    /// Raw earned/possible per the grading method.
    pub raw: Option<(f64, f64)>,
    pub seed: u64,
    pub hints_shown: usize,
}

impl LearnerProblem {
    pub fn from_row(row: &ProblemStateRow) -> LearnerProblem {
        LearnerProblem {
            attempts: row.attempts,
            answers: serde_json::from_str(&row.answers).unwrap_or_default(),
            results: serde_json::from_str(&row.results).unwrap_or_default(),
            raw: row.raw_earned.zip(row.raw_possible),
            seed: u64::try_from(row.seed).unwrap_or(1),
            hints_shown: usize::try_from(row.hints_shown).unwrap_or(0),
        }
    }
}

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

/// The moment submissions close: due (or the course end) plus the grace period.
pub fn close_date(course: &CourseCx, idx: usize) -> Option<Timestamp> {
    let due = course
        .tree()
        .due_of(idx)
        .or_else(|| course.row.end_at.map(from_millis))?;
    let grace = i64::try_from(course.row.grading().grace_period_secs).unwrap_or(0);
    Some(
        due.saturating_add(jiff::SignedDuration::from_secs(grace))
            .unwrap_or(due),
    )
}

pub fn attempt_state(
    content: &ProblemContent,
    learner: &LearnerProblem,
    past_due: bool,
    staff: bool,
) -> AttemptState {
    AttemptState {
        attempts: u32::try_from(learner.attempts).unwrap_or(u32::MAX),
        max_attempts: content.max_attempts,
        is_correct: learner.attempts > 0 && learner.raw.is_some_and(|(e, p)| e >= p),
        past_due,
        is_staff: staff,
    }
}

/// The problem block at `idx`, or 404.
pub fn problem_at(course: &CourseCx, idx: usize) -> AppResult<(&ProblemContent, Arc<Problem>)> {
    match &course.tree().node(idx).content {
        Some(Ok(LeafContent::Problem(p))) => match &p.parsed {
            Some(parsed) => Ok((p, parsed.clone())),
            None => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    }
}

// ---------- Rendering ----------

pub struct ResultBanner {
    pub kind: &'static str,
    pub text: Html,
}

pub struct HintView {
    pub label: Html,
    pub html: Html,
}

#[derive(Template)]
#[template(path = "blocks/problem.html")]
struct ProblemView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    points: Html,
    due: Option<Timestamp>,
    unsupported: Option<Html>,
    body: Html,
    form_url: String,
    key: String,
    attempts: i64,
    message: Option<Html>,
    result: Option<ResultBanner>,
    can_submit: bool,
    hint_button: Option<Html>,
    can_show_answer: bool,
    can_reset: bool,
    attempts_label: Option<Html>,
    closed: Option<Html>,
    hints: Vec<HintView>,
    solution: Option<Html>,
    /// Our "Explanation" heading, unless the author's solution opens with its own label
    /// (Open edX's `<div class="detailed-solution"><p>Explanation</p>…` convention).
    solution_heading: bool,
}

/// Whether a solution starts with a one-line label paragraph of its own.
fn labels_itself(solution: &str) -> bool {
    let Some(rest) = solution
        .trim_start()
        .strip_prefix(r#"<div class="detailed-solution">"#)
    else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix("<p>") else {
        return false;
    };
    rest.find("</p>")
        .is_some_and(|end| !rest[..end].contains('<') && rest[..end].trim().chars().count() <= 40)
}

/// What the page knows beyond the stored state: answers just typed that could not be
/// graded, and the message why; or that the learner asked to see the answer.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    pub answers: Option<Answers>,
    pub message: Option<Html>,
    pub show_answer: bool,
    /// Inputs a refused submission left empty: marked as needing an answer.
    pub missing: Vec<String>,
}

pub struct RenderInput<'a> {
    pub course: &'a CourseCx,
    pub idx: usize,
    pub learner: &'a LearnerProblem,
    pub tracking: bool,
    pub staff: bool,
    pub overlay: Overlay,
    pub now: Timestamp,
}

/// Points as shown: at most two decimals (the message formats them for the language).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn render(p: &Page, r: RenderInput<'_>) -> Html {
    let course = r.course;
    let node = course.tree().node(r.idx);
    let id = node.id.0;
    let Ok((content, problem)) = problem_at(course, r.idx) else {
        return Html(String::new());
    };
    let graded = course
        .tree()
        .subsection_of(r.idx)
        .is_some_and(|s| course.tree().node(s).settings.graded);
    let (_, possible) = content.possible();
    let points = p.t1(
        if graded {
            "lyceum-problem-points-graded"
        } else {
            "lyceum-problem-points-ungraded"
        },
        round2(possible),
    );
    let close = close_date(course, r.idx);
    let past_due = close.is_some_and(|c| c < r.now);
    let state = attempt_state(content, r.learner, past_due, r.staff);
    let show_correctness =
        capa::may_show_correctness(content.show_correctness(), &state, close.is_some());
    let answer_allowed = show_correctness && capa::may_show_answer(content.show_answer(), &state);
    let show_answer = answer_allowed && r.overlay.show_answer;
    let seed = r.learner.seed;
    let answers = r.overlay.answers.as_ref().unwrap_or(&r.learner.answers);
    // Results belong to the stored answers; answers just typed have none yet.
    let results = if r.overlay.answers.is_some() || !show_correctness {
        None
    } else {
        Some(&r.learner.results)
    };
    let correct = show_answer.then(|| capa::correct_answers(&problem));

    let mut body = String::new();
    for segment in capa::layout(&problem, seed) {
        match segment {
            Segment::Html(h) => body.push_str(&h),
            Segment::Input(input_id) => widget(
                p,
                &problem,
                &input_id,
                seed,
                answers,
                results,
                correct.as_ref(),
                r.overlay.missing.contains(&input_id),
                &mut body,
            ),
        }
    }
    // Open edX's `/static/…` and course links in the problem's own HTML.
    let body = course.author_html(p, &body);
    let unsupported = problem
        .unsupported_notice()
        .map(|e| p.t1(e.key.0, e.args.first().cloned().unwrap_or_default()));
    let closed = capa::is_closed(&state);
    let max = content.max_attempts;
    let attempts_label = r.tracking.then(|| match max {
        Some(m) => p.t2(
            "lyceum-problem-attempts-of",
            r.learner.attempts,
            i64::from(m),
        ),
        None if r.learner.attempts > 0 => p.t1("lyceum-problem-attempts", r.learner.attempts),
        None => Html(String::new()),
    });
    let closed_text = if !r.tracking {
        None
    } else if past_due {
        Some(p.t("lyceum-problem-closed-past-due"))
    } else if closed {
        Some(p.t("lyceum-problem-closed-attempts"))
    } else {
        None
    };
    let result = match (
        r.learner.attempts > 0 && r.overlay.answers.is_none(),
        show_correctness,
        r.learner.raw,
    ) {
        (true, true, Some((e, pp))) => {
            let (we, wp) = capa::weighted(e, pp, content.weight);
            let (kind, key) = if e >= pp && pp > 0.0 {
                ("success", "lyceum-problem-result-correct")
            } else if e > 0.0 {
                ("warning", "lyceum-problem-result-partial")
            } else {
                ("error", "lyceum-problem-result-incorrect")
            };
            Some(ResultBanner {
                kind,
                text: p.t2(key, round2(we), round2(wp)),
            })
        }
        (true, false, _) => Some(ResultBanner {
            kind: "notice",
            text: p.t("lyceum-problem-result-hidden"),
        }),
        _ => None,
    };
    let shown_hints = r.learner.hints_shown.min(problem.hints.len());
    let hints = problem.hints[..shown_hints]
        .iter()
        .enumerate()
        .map(|(i, h)| HintView {
            label: p.t2("lyceum-problem-hint-label", i + 1, problem.hints.len()),
            html: course.author_html(p, h),
        })
        .collect();
    let hint_button = (r.tracking && !problem.hints.is_empty()).then(|| {
        let next = if shown_hints >= problem.hints.len() {
            1
        } else {
            shown_hints + 1
        };
        p.t2("lyceum-problem-hint-button", next, problem.hints.len())
    });
    let solution = show_answer
        .then(|| capa::solution_html_for(&problem, seed))
        .flatten();
    ProblemView {
        p,
        id,
        title: &node.title,
        points,
        due: course.tree().due_of(r.idx),
        unsupported,
        body,
        form_url: course.url(&format!("problem/{id}")),
        key: new_key(),
        attempts: r.learner.attempts,
        message: r.overlay.message.clone(),
        result,
        can_submit: r.tracking && !closed,
        hint_button,
        can_show_answer: r.tracking && answer_allowed && !show_answer,
        can_reset: r.tracking && content.show_reset_button && !closed && r.learner.attempts > 0,
        attempts_label,
        closed: closed_text,
        hints,
        solution_heading: solution.as_deref().is_some_and(|h| !labels_itself(h)),
        solution: solution.map(|s| course.author_html(p, &s)),
    }
    .render()
    .map(Html)
    .unwrap_or_else(|e| {
        tracing::error!(block = id, error = %e, "rendering a problem failed");
        Html(String::new())
    })
}

/// A fresh idempotency key for a form: a resubmitted form carries the same one.
fn new_key() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn status(p: &Page, out: &mut String, r: Option<&StoredResult>) {
    let Some(r) = r else { return };
    let (class, key, icon) = match r.correctness {
        Correctness::Correct => ("correct", "lyceum-problem-input-correct", "Check"),
        Correctness::PartiallyCorrect => {
            ("partially-correct", "lyceum-problem-input-partial", "Alert")
        }
        Correctness::Incorrect => ("incorrect", "lyceum-problem-input-incorrect", "Close"),
    };
    out.push_str(&format!(
        r#"<span class="problem__status problem__status--{class}" lang="{}" dir="{}">{}{}</span>"#,
        p.bcp47,
        p.dir(),
        p.icon(icon),
        p.t(key)
    ));
    if let Some(f) = &r.feedback {
        out.push_str(&format!(r#"<div class="problem__feedback">{f}</div>"#));
    }
}

#[allow(clippy::too_many_arguments)]
fn widget(
    p: &Page,
    problem: &Problem,
    input_id: &str,
    seed: u64,
    answers: &Answers,
    results: Option<&Results>,
    correct: Option<&BTreeMap<String, AnswerValue>>,
    missing: bool,
    out: &mut String,
) {
    let Some(input) = problem.input(input_id) else {
        return;
    };
    let name = escape(input_id);
    let result = results.and_then(|r| r.get(input_id));
    // The question of a one-input response is shown (as Open edX does); inputs sharing a
    // response have their question in the text and a short accessible name each.
    let alone = problem
        .responses
        .iter()
        .find(|r| r.inputs.iter().any(|i| i.id == input_id))
        .is_some_and(|r| r.inputs.len() == 1);
    let (shown_label, aria_label) = match &input.label {
        Some(l) if alone => (Some(l.as_str()), String::new()),
        Some(l) => (
            None,
            format!(
                r#" aria-label="{}""#,
                escape(&lyceum_core::sanitize::strip_tags(l))
            ),
        ),
        None => (None, String::new()),
    };
    let desc_id = format!("{name}-description");
    let missing_id = format!("{name}-missing");
    let described = match (input.description.is_some(), missing) {
        (true, true) => format!(r#" aria-describedby="{missing_id} {desc_id}""#),
        (true, false) => format!(r#" aria-describedby="{desc_id}""#),
        (false, true) => format!(r#" aria-describedby="{missing_id}""#),
        (false, false) => String::new(),
    };
    // A refused submission left this input empty: say so beside it.
    let missing_note = if missing {
        format!(
            r#"<span class="problem__missing" id="{missing_id}">{}{}</span>"#,
            p.icon("Alert"),
            p.t("lyceum-problem-input-missing")
        )
    } else {
        String::new()
    };
    let invalid = if missing {
        r#" aria-invalid="true""#
    } else {
        ""
    };
    let description = input
        .description
        .as_deref()
        .map(|d| format!(r#"<div class="problem__description" id="{desc_id}">{d}</div>"#))
        .unwrap_or_default();
    let selected: Vec<&str> = match answers.get(input_id) {
        Some(AnswerValue::One(v)) => vec![v.as_str()],
        Some(AnswerValue::Many(vs)) => vs.iter().map(String::as_str).collect(),
        None => Vec::new(),
    };
    let correct_values: Vec<&str> = match correct.and_then(|c| c.get(input_id)) {
        Some(AnswerValue::One(v)) => vec![v.as_str()],
        Some(AnswerValue::Many(vs)) => vs.iter().map(String::as_str).collect(),
        None => Vec::new(),
    };
    let answer_is = |out: &mut String| {
        if let Some(v) = correct_values.first() {
            out.push_str(&format!(
                r#"<span class="problem__answer">{}{}</span>"#,
                p.icon("Check"),
                p.t1("lyceum-problem-answer-is", v.to_string())
            ));
        }
    };
    match &input.widget {
        Widget::Radio { .. } | Widget::Checkbox { .. } => {
            let (kind, ty) = if matches!(input.widget, Widget::Radio { .. }) {
                ("radio", "radio")
            } else {
                ("checkbox", "checkbox")
            };
            out.push_str(&format!(
                r#"<fieldset class="problem__input"{aria_label}{described}>"#
            ));
            if let Some(l) = shown_label {
                out.push_str(&format!(r#"<legend class="problem__label">{l}</legend>"#));
            }
            out.push_str(&description);
            out.push_str(&missing_note);
            for (i, c) in capa::choices_in_order(problem, input_id, seed)
                .iter()
                .enumerate()
            {
                let cid = format!("{name}-{i}");
                let checked = if selected.contains(&c.value.as_str()) {
                    " checked"
                } else {
                    ""
                };
                let mark = if correct_values.contains(&c.value.as_str()) {
                    format!(
                        r#" <span class="problem__answer">{}{}</span>"#,
                        p.icon("Check"),
                        p.t("lyceum-problem-correct-answer")
                    )
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    r#"<div class="cdx-{kind}"><div class="cdx-{kind}__wrapper"><input id="{cid}" class="cdx-{kind}__input" type="{ty}" name="{name}" value="{}"{checked}><span class="cdx-{kind}__icon"></span><div class="cdx-{kind}__label cdx-label"><label for="{cid}" class="cdx-label__label"><span class="cdx-label__label__text">{}</span></label>{mark}</div></div></div>"#,
                    escape(&c.value),
                    c.html
                ));
            }
            status(p, out, result);
            out.push_str("</fieldset>");
        }
        Widget::Select { options } => {
            let field_id = format!("{name}-field");
            out.push_str(r#"<div class="problem__input">"#);
            if let Some(l) = shown_label {
                out.push_str(&format!(
                    r#"<label class="problem__label" for="{field_id}">{l}</label>"#
                ));
            }
            out.push_str(&description);
            out.push_str(&format!(r#"<select id="{field_id}" class="cdx-select" name="{name}"{aria_label}{described}{invalid}><option value="">{}</option>"#, p.t("lyceum-problem-select-option")));
            for o in options {
                let sel = if selected.contains(&o.as_str()) {
                    " selected"
                } else {
                    ""
                };
                out.push_str(&format!(
                    r#"<option value="{0}"{sel}>{0}</option>"#,
                    escape(o)
                ));
            }
            out.push_str("</select>");
            out.push_str(&missing_note);
            status(p, out, result);
            answer_is(out);
            out.push_str("</div>");
        }
        Widget::Text { size, numeric } => {
            let field_id = format!("{name}-field");
            let value = selected.first().copied().unwrap_or("");
            let mode = if *numeric {
                r#" inputmode="decimal""#
            } else {
                ""
            };
            let size = size
                .map(|s| format!(r#" size="{}""#, s.min(60)))
                .unwrap_or_default();
            // Without a question of its own, a text field sits inside the author's sentence.
            let (open, close) = if shown_label.is_some() || !description.is_empty() {
                ("<div class=\"problem__input\">", "</div>")
            } else {
                ("<span class=\"problem__input\">", "</span>")
            };
            out.push_str(open);
            if let Some(l) = shown_label {
                out.push_str(&format!(
                    r#"<label class="problem__label" for="{field_id}">{l}</label>"#
                ));
            }
            out.push_str(&description);
            out.push_str(&format!(
                r#"<span class="cdx-text-input"><input id="{field_id}" class="cdx-text-input__input" type="text" name="{name}" value="{}"{size}{mode}{aria_label}{described}{invalid} autocomplete="off" spellcheck="false"></span>"#,
                escape(value)
            ));
            out.push_str(&missing_note);
            status(p, out, result);
            answer_is(out);
            out.push_str(close);
        }
        Widget::Other { .. } => {}
    }
}

// ---------- Submitting ----------

/// What a submission returns to the page or the API.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Per-input results, or `None` when the problem hides correctness for now.
    pub results: Option<Results>,
    /// Weighted points of this submission, and possible.
    pub earned: f64,
    pub possible: f64,
    pub attempts: i64,
    pub max_attempts: Option<u32>,
    /// The same submission had been recorded already (a retry or a second click).
    pub duplicate: bool,
}

/// Parse answers from a form body: repeated keys (checkboxes) become lists. Only input
/// ids of the problem are answers; other fields (action, key) are ignored.
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

fn outcome_from(
    content: &ProblemContent,
    results: &str,
    raw_earned: f64,
    raw_possible: f64,
    attempts: i64,
    show_correctness: bool,
    duplicate: bool,
) -> Outcome {
    let (earned, possible) = capa::weighted(raw_earned, raw_possible, content.weight);
    Outcome {
        results: show_correctness.then(|| serde_json::from_str(results).unwrap_or_default()),
        earned,
        possible,
        attempts,
        max_attempts: content.max_attempts,
        duplicate,
    }
}

/// One learner's answers to one problem, from the page form or the API.
pub struct Submission<'a> {
    pub user: UserId,
    /// On the course team (past-due and attempt rules still apply, as in Open edX).
    pub staff: bool,
    pub answers: Answers,
    /// An idempotency key (form field or `Idempotency-Key` header).
    pub key: Option<&'a str>,
    /// The attempts the form was rendered with, to catch a second tab submitting stale work.
    pub expected_attempt: Option<i64>,
    /// When it was submitted (due dates are checked against it).
    pub at: Timestamp,
}

/// Submit answers to the problem at `idx` of a course the viewer can see.
pub async fn submit(
    app: &crate::state::App,
    course: &CourseCx,
    idx: usize,
    sub: Submission<'_>,
) -> AppResult<Outcome> {
    let Submission {
        user,
        staff,
        answers,
        key,
        expected_attempt,
        at: now,
    } = sub;
    let (content, problem) = problem_at(course, idx)?;
    if problem.unsupported.is_some() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-problem-unsupported",
        )));
    }
    for id in answers.keys() {
        if problem.input(id).is_none() {
            return Err(AppError::invalid(
                DomainError::new("lyceum-error-capa-unknown-input").with_arg(id.clone()),
            ));
        }
    }
    let block = course.tree().node(idx).id;
    let close = close_date(course, idx);
    let past_due = close.is_some_and(|c| c < now);
    let mut c = app.store().conn().await?;
    // The last submission first, then the state: a submission committed in between shows
    // in the state but not in `last`, so this request takes the same number as it and
    // the unique constraint refuses one of them. (Read the other way round, a racing tab
    // could pass with the next number and an attempt count that misses the other one.)
    let last = problems::last_submission(&mut c, user, block).await?;
    let learner = problems::state(&mut c, user, block)
        .await?
        .map(|r| LearnerProblem::from_row(&r))
        .unwrap_or_default();
    let state = attempt_state(content, &learner, past_due, staff);
    let show_correctness =
        capa::may_show_correctness(content.show_correctness(), &state, close.is_some());
    let answers_json = serde_json::to_string(&answers).map_err(AppError::internal)?;

    // A retried request (same key) or the same answers again: what is stored, no attempt.
    if let Some(k) = key
        && let Some(s) = problems::submission_by_key(&mut c, user, block, k).await?
    {
        return Ok(outcome_from(
            content,
            &s.results,
            s.raw_earned,
            s.raw_possible,
            learner.attempts,
            show_correctness,
            true,
        ));
    }
    if learner.attempts > 0
        && let Some(l) = &last
        && l.answers == answers_json
    {
        return Ok(outcome_from(
            content,
            &l.results,
            l.raw_earned,
            l.raw_possible,
            learner.attempts,
            show_correctness,
            true,
        ));
    }
    if expected_attempt.is_some_and(|e| e != learner.attempts) {
        return Err(AppError::Invalid {
            status: StatusCode::CONFLICT,
            error: DomainError::new("lyceum-error-problem-stale"),
        });
    }
    if past_due {
        return Err(AppError::Invalid {
            status: StatusCode::CONFLICT,
            error: DomainError::new("lyceum-error-problem-past-due"),
        });
    }
    if capa::is_closed(&state) {
        return Err(AppError::Invalid {
            status: StatusCode::CONFLICT,
            error: DomainError::new("lyceum-error-problem-no-attempts"),
        });
    }
    // Open edX takes a submission only once every input is answered: an empty one is
    // not graded and uses no attempt, and the learner is told which are missing.
    let missing = capa::missing_inputs(&problem, &answers);
    if !missing.is_empty() {
        return Err(AppError::invalid(incomplete_error(
            problem.inputs().count(),
            &missing,
        )));
    }
    let graded = match capa::grade(&problem, &answers) {
        Ok(g) => g,
        Err(GradeError::StudentInput { key, args, .. }) => {
            return Err(AppError::invalid(clearer_number_error(key, args)));
        }
        Err(e @ (GradeError::UnknownInput(_) | GradeError::InvalidAnswer(_))) => {
            return Err(AppError::invalid(e.message()));
        }
        Err(GradeError::Problem(e)) => {
            tracing::warn!(block = block.0, error = ?e, "a problem could not grade an answer");
            return Err(AppError::invalid(e));
        }
        Err(GradeError::Unsupported) => {
            return Err(AppError::invalid(DomainError::new(
                "lyceum-error-problem-unsupported",
            )));
        }
    };
    let results = serde_json::to_string(&results_of(&graded)).map_err(AppError::internal)?;
    let attempt = learner.attempts + 1;
    let score = match content.grading_method {
        lyceum_core::blocks::GradingMethod::LastScore => graded.earned,
        method => {
            let mut all: Vec<f64> = problems::submissions_of(&mut c, user, block)
                .await?
                .iter()
                .map(|s| s.raw_earned)
                .collect();
            all.push(graded.earned);
            method.pick(&all).unwrap_or(graded.earned)
        }
    };
    drop(c);
    let seed = i64::try_from(learner.seed.max(seed_for(content, Some(user), block))).unwrap_or(1);
    let mut tx = app.store().begin().await?;
    let recorded = problems::record_submission(
        &mut tx,
        &NewSubmission {
            user,
            block,
            course: course.id(),
            seq: last.as_ref().map_or(1, |l| l.attempt + 1),
            attempts: attempt,
            answers: &answers_json,
            results: &results,
            raw_earned: graded.earned,
            raw_possible: graded.possible,
            score,
            idempotency_key: key,
            seed,
            now: now.as_millisecond(),
        },
    )
    .await;
    match recorded {
        Ok(()) => {}
        // Another request recorded this attempt (or this key) first: report that one.
        Err(StoreError::Conflict) => {
            drop(tx);
            let mut c = app.store().conn().await?;
            let mine = match key {
                Some(k) => problems::submission_by_key(&mut c, user, block, k).await?,
                None => problems::last_submission(&mut c, user, block).await?,
            };
            let attempts = problems::state(&mut c, user, block)
                .await?
                .map_or(attempt, |s| s.attempts);
            // The same answers (a double click): what is stored. Different answers from
            // another tab: refused, as the learner should see the newer result first.
            return match mine {
                Some(s) if key.is_some() || s.answers == answers_json => Ok(outcome_from(
                    content,
                    &s.results,
                    s.raw_earned,
                    s.raw_possible,
                    attempts,
                    show_correctness,
                    true,
                )),
                _ => Err(AppError::Invalid {
                    status: StatusCode::CONFLICT,
                    error: DomainError::new("lyceum-error-problem-stale"),
                }),
            };
        }
        Err(e) => return Err(e.into()),
    }
    learner::record_completions(
        &mut tx,
        user,
        course.id(),
        &[block],
        CompletionSource::Submit,
        now.as_millisecond(),
    )
    .await?;
    tx.commit().await?;
    let after = AttemptState {
        attempts: u32::try_from(attempt).unwrap_or(u32::MAX),
        is_correct: graded.earned >= graded.possible,
        ..state
    };
    let show_correctness =
        capa::may_show_correctness(content.show_correctness(), &after, close.is_some());
    Ok(outcome_from(
        content,
        &results,
        graded.earned,
        graded.possible,
        attempt,
        show_correctness,
        false,
    ))
}

/// The message for a submission with inputs left empty: with one input, "answer it";
/// with several, how many are missing and which: their 1-based positions, one argument
/// each, shown as one list (`page::message_args`).
fn incomplete_error(inputs: usize, missing: &[(usize, &capa::Input)]) -> DomainError {
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
fn clearer_number_error(key: &'static str, args: Vec<String>) -> DomainError {
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

/// Learner state for a problem (with a fresh seed when there is none yet).
pub async fn learner_state(
    app: &crate::state::App,
    content: &ProblemContent,
    user: UserId,
    block: BlockId,
) -> AppResult<LearnerProblem> {
    let mut c = app.store().conn().await?;
    Ok(match problems::state(&mut c, user, block).await? {
        Some(r) => LearnerProblem::from_row(&r),
        None => LearnerProblem {
            seed: seed_for(content, Some(user), block),
            ..LearnerProblem::default()
        },
    })
}

/// What rescoring a problem changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RescoreSummary {
    pub learners: usize,
    /// Learners whose score changed.
    pub changed: usize,
    /// Submissions that can no longer be graded (an input was removed): left as scored.
    pub skipped: usize,
}

/// Grade every stored submission of the problem at `idx` again with the problem as it is
/// now (after its answer was corrected), and set each learner's score from them by the
/// problem's grading method. One transaction: every grade is right afterwards, or none
/// changed.
pub async fn rescore(
    app: &crate::state::App,
    course: &CourseCx,
    idx: usize,
    staff: UserId,
) -> AppResult<RescoreSummary> {
    let (content, problem) = problem_at(course, idx)?;
    if problem.unsupported.is_some() {
        return Err(AppError::invalid(DomainError::new(
            "lyceum-error-problem-unsupported",
        )));
    }
    let block = course.tree().node(idx).id;
    let now = app.now_ms();
    let mut tx = app.store().begin().await?;
    let all = problems::submissions_for_block(&mut tx, block).await?;
    let mut summary = RescoreSummary::default();
    let mut i = 0;
    while i < all.len() {
        let user = all[i].user_id;
        let end = all[i..]
            .iter()
            .position(|s| s.user_id != user)
            .map_or(all.len(), |n| i + n);
        let mine = &all[i..end];
        i = end;
        summary.learners += 1;
        let mut rescored = Vec::new();
        let mut earned_all = Vec::new();
        let mut last = None;
        for s in mine {
            let answers: Answers = serde_json::from_str(&s.answers).unwrap_or_default();
            match capa::grade(&problem, &answers) {
                Ok(g) => {
                    let results =
                        serde_json::to_string(&results_of(&g)).map_err(AppError::internal)?;
                    earned_all.push(g.earned);
                    last = Some((results.clone(), g.possible));
                    rescored.push((s.id, results, g.earned, g.possible));
                }
                Err(_) => {
                    summary.skipped += 1;
                    earned_all.push(s.raw_earned);
                    last = Some((s.results.clone(), s.raw_possible));
                }
            }
        }
        let Some((results, possible)) = last else {
            continue;
        };
        let score = content.grading_method.pick(&earned_all).unwrap_or(0.0);
        let user = UserId(user);
        let before = problems::state(&mut tx, user, block).await?;
        if before
            .as_ref()
            .is_none_or(|b| b.raw_earned != Some(score) || b.raw_possible != Some(possible))
        {
            summary.changed += 1;
        }
        problems::store_rescore(
            &mut tx,
            &problems::Rescored {
                user,
                block,
                submissions: rescored,
                results: &results,
                score,
                possible,
                now,
            },
        )
        .await?;
    }
    let detail = serde_json::json!({"learners": summary.learners, "changed": summary.changed, "skipped": summary.skipped}).to_string();
    problems::log_action(
        &mut tx,
        &problems::GradeAction {
            course: course.id(),
            user: None,
            block: Some(block),
            staff,
            action: "rescore",
            detail: &detail,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// An answer as a person reads it: choice labels instead of `choice_N`.
pub fn answer_text(problem: &Problem, input_id: &str, value: &AnswerValue) -> String {
    let label = |v: &str| -> String {
        match problem.input(input_id).map(|i| &i.widget) {
            Some(Widget::Radio { choices } | Widget::Checkbox { choices }) => choices
                .iter()
                .find(|c| c.value == v)
                .map(|c| lyceum_core::sanitize::strip_tags(&c.html).trim().to_owned())
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
    use super::labels_itself;

    #[test]
    fn solutions_with_their_own_label_get_no_second_heading() {
        assert!(labels_itself(
            r#"<div class="detailed-solution"><p>Explanation</p><p>Because.</p></div>"#
        ));
        assert!(labels_itself(
            "\n<div class=\"detailed-solution\">\n  <p>Explication</p><p>Parce que.</p></div>"
        ));
        assert!(!labels_itself(
            r#"<div class="detailed-solution"><p>CC BY-SA 4.0 is the licence of Wikipedia's texts since 2023, and of most of Commons.</p></div>"#
        ));
        assert!(!labels_itself(
            r#"<div class="detailed-solution"><p><strong>Yes</strong></p></div>"#
        ));
        assert!(!labels_itself("<p>Explanation</p>"));
    }
}
