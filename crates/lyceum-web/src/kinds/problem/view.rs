//! Problems for learners: what a problem shows (its inputs as Codex widgets inside the
//! author's HTML, results, hints, answers). Submitting and the other actions are use
//! cases of `lyceum_app::problems`; their rules are `lyceum_core::capa::attempts`.

use crate::courses::CourseCx;
use crate::error::AppResult;
use crate::page::{Html, Page, escape};
use askama::Template;
use jiff::Timestamp;
use lyceum_core::blocks::problem::ProblemKind;
use lyceum_core::blocks::{ProblemContent, Registered};
use lyceum_core::capa::{
    self, AnswerValue, Answers, Correctness, Problem, Segment, Widget, attempts,
};
use rand::RngCore;
use std::collections::BTreeMap;

pub use lyceum_app::problems::{LearnerProblem, ProblemAt, Results, StoredResult};
pub use lyceum_core::capa::attempts::seed_for;

/// The content of the problem block at `idx` (also one whose XML could not be read), if
/// it is a problem.
pub fn content_at(course: &CourseCx, idx: usize) -> Option<&ProblemContent> {
    match &course.tree().node(idx).content {
        Some(Ok(leaf)) => ProblemKind::of(leaf),
        _ => None,
    }
}

/// The problem block at `idx` as the viewer sees the course, or 404.
pub fn problem_at(course: &CourseCx, idx: usize) -> AppResult<ProblemAt<'_>> {
    Ok(ProblemAt::in_tree(
        course.tree(),
        idx,
        &course.row,
        course.facts,
    )?)
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
    /// The editor's preview: the form checks answers here, storing nothing.
    pub preview_url: Option<String>,
}

/// Points as shown: at most two decimals (the message formats them for the language).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn render(p: &Page, r: RenderInput<'_>) -> Html {
    let course = r.course;
    let node = course.tree().node(r.idx);
    let id = node.id.0;
    let Ok(at) = problem_at(course, r.idx) else {
        return Html(String::new());
    };
    let (content, problem) = (at.content, &at.problem);
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
    let past_due = at.past_due(r.now);
    let state = r.learner.attempt_state(content, past_due, r.staff);
    let show_correctness =
        capa::may_show_correctness(content.show_correctness(), &state, at.closes.is_some());
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
    let correct = show_answer.then(|| capa::correct_answers(problem));

    let mut body = String::new();
    for segment in capa::layout(problem, seed) {
        match segment {
            Segment::Html(h) => body.push_str(&h),
            Segment::Input(input_id) => widget(
                p,
                problem,
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
    let result = result_banner(
        p,
        content,
        r.learner,
        r.overlay.answers.is_none(),
        show_correctness,
    );
    let (hints, hint_button) = hint_views(p, course, &problem.hints, r.learner, r.tracking);
    let solution = show_answer
        .then(|| capa::solution_html_for(problem, seed))
        .flatten();
    ProblemView {
        p,
        id,
        title: &node.title,
        points,
        due: course.tree().due_of(r.idx),
        unsupported,
        body,
        form_url: r
            .preview_url
            .clone()
            .unwrap_or_else(|| course.url(&format!("problem/{id}"))),
        key: new_key(),
        attempts: r.learner.attempts,
        message: r.overlay.message.clone(),
        result,
        can_submit: (r.tracking || r.preview_url.is_some()) && !closed,
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

/// The result of the learner's last submission: points and how right, or that the
/// result is hidden for now. None before a first attempt, or over answers just typed.
fn result_banner(
    p: &Page,
    content: &ProblemContent,
    learner: &LearnerProblem,
    stored_answers: bool,
    show_correctness: bool,
) -> Option<ResultBanner> {
    match (
        learner.attempts > 0 && stored_answers,
        show_correctness,
        learner.raw,
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
    }
}

/// The hints the learner asked for, and the button for the next one (which starts over
/// after the last: `capa::attempts::next_hint`).
fn hint_views(
    p: &Page,
    course: &CourseCx,
    hints: &[String],
    learner: &LearnerProblem,
    tracking: bool,
) -> (Vec<HintView>, Option<Html>) {
    let shown = learner.hints_shown.min(hints.len());
    let views = hints[..shown]
        .iter()
        .enumerate()
        .map(|(i, h)| HintView {
            label: p.t2("lyceum-problem-hint-label", i + 1, hints.len()),
            html: course.author_html(p, h),
        })
        .collect();
    let button = attempts::next_hint(shown, hints.len())
        .filter(|_| tracking)
        .map(|next| p.t2("lyceum-problem-hint-button", next, hints.len()));
    (views, button)
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
    let f = Field {
        name,
        shown_label,
        aria_label,
        described,
        invalid,
        missing_note,
        description,
        selected: values(answers.get(input_id)),
        correct_values: values(correct.and_then(|c| c.get(input_id))),
        result,
    };
    match &input.widget {
        Widget::Radio { .. } => choice_field(p, problem, input_id, seed, true, &f, out),
        Widget::Checkbox { .. } => choice_field(p, problem, input_id, seed, false, &f, out),
        Widget::Select { .. } => select_field(p, input, &f, out),
        Widget::Text { size, numeric } => text_field(p, *size, *numeric, &f, out),
        Widget::Other { .. } => {}
    }
}

/// What every input's markup shares: its name, its question or accessible name, its
/// description, the note when a refused submission left it empty, what is selected,
/// what is right (when answers show) and its result.
struct Field<'a> {
    name: String,
    shown_label: Option<&'a str>,
    aria_label: String,
    described: String,
    invalid: &'static str,
    missing_note: String,
    description: String,
    selected: Vec<&'a str>,
    correct_values: Vec<&'a str>,
    result: Option<&'a StoredResult>,
}

fn values(v: Option<&AnswerValue>) -> Vec<&str> {
    match v {
        Some(AnswerValue::One(v)) => vec![v.as_str()],
        Some(AnswerValue::Many(vs)) => vs.iter().map(String::as_str).collect(),
        None => Vec::new(),
    }
}

/// "The answer is …" beside a menu (its option's label) or a text field, when answers
/// show.
fn answer_is(p: &Page, menu: Option<&capa::Input>, f: &Field<'_>, out: &mut String) {
    if let Some(v) = f.correct_values.first() {
        out.push_str(&format!(
            r#"<span class="problem__answer">{}{}</span>"#,
            p.icon("Check"),
            p.t1(
                "lyceum-problem-answer-is",
                menu.map_or(*v, |i| i.answer_label(v)).to_string()
            )
        ));
    }
}

/// Radio buttons or checkboxes, in the problem's order for this seed.
fn choice_field(
    p: &Page,
    problem: &Problem,
    input_id: &str,
    seed: u64,
    radio: bool,
    f: &Field<'_>,
    out: &mut String,
) {
    let Field {
        name,
        shown_label,
        aria_label,
        described,
        invalid: _,
        missing_note,
        description,
        selected,
        correct_values,
        result,
    } = f;
    let (kind, ty) = if radio {
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
    out.push_str(description);
    out.push_str(missing_note);
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
    status(p, out, *result);
    out.push_str("</fieldset>");
}

/// A menu of options: each shows its label (in a translated copy, the option in the
/// reader's language) and submits its value (the source's option, whatever the language).
fn select_field(p: &Page, input: &capa::Input, f: &Field<'_>, out: &mut String) {
    let Field {
        name,
        shown_label,
        aria_label,
        described,
        invalid,
        missing_note,
        description,
        selected,
        correct_values: _,
        result,
    } = f;
    let field_id = format!("{name}-field");
    out.push_str(r#"<div class="problem__input">"#);
    if let Some(l) = shown_label {
        out.push_str(&format!(
            r#"<label class="problem__label" for="{field_id}">{l}</label>"#
        ));
    }
    out.push_str(description);
    out.push_str(&format!(r#"<select id="{field_id}" class="cdx-select" name="{name}"{aria_label}{described}{invalid}><option value="">{}</option>"#, p.t("lyceum-problem-select-option")));
    for (value, label) in input.labelled_options() {
        let sel = if selected.contains(&value) {
            " selected"
        } else {
            ""
        };
        out.push_str(&format!(
            r#"<option value="{}"{sel}>{}</option>"#,
            escape(value),
            escape(label)
        ));
    }
    out.push_str("</select>");
    out.push_str(missing_note);
    status(p, out, *result);
    answer_is(p, Some(input), f, out);
    out.push_str("</div>");
}

/// A text field (numeric ones get a decimal keyboard on phones).
fn text_field(p: &Page, size: Option<u32>, numeric: bool, f: &Field<'_>, out: &mut String) {
    let Field {
        name,
        shown_label,
        aria_label,
        described,
        invalid,
        missing_note,
        description,
        selected,
        correct_values: _,
        result,
    } = f;
    let field_id = format!("{name}-field");
    let value = selected.first().copied().unwrap_or("");
    let mode = if numeric {
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
    out.push_str(description);
    out.push_str(&format!(
        r#"<span class="cdx-text-input"><input id="{field_id}" class="cdx-text-input__input" type="text" name="{name}" value="{}"{size}{mode}{aria_label}{described}{invalid} autocomplete="off" spellcheck="false"></span>"#,
        escape(value)
    ));
    out.push_str(missing_note);
    status(p, out, *result);
    answer_is(p, None, f, out);
    out.push_str(close);
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
