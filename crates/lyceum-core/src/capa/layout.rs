//! The problem body for rendering: the author's HTML with the capa-only elements taken
//! out (`_extract_html`), cut where the inputs go, and the choice order and solutions that
//! depend on the problem seed (`do_shuffle`, `do_answer_pool`).

use super::parse::{AS_P_ATTR, ChoiceDetail, DROP_ATTR, Detail, is_input_tag, is_response_tag};
use super::random::PyRandom;
use super::xml::{Element, Node, close_tag, escape_text, open_tag};
use super::{Choice, Problem, Widget};
use crate::sanitize::sanitize_html;
use std::collections::BTreeMap;

/// A piece of the problem body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Sanitised HTML; the fragments of one layout concatenate to balanced HTML.
    Html(String),
    /// The place of the input with this id.
    Input(String),
}

/// Removed with everything inside (`html_problem_semantics`, hints, solutions).
const DROPPED: [&str; 20] = [
    "additional_answer",
    "codeparam",
    "responseparam",
    "answer",
    "script",
    "hintgroup",
    "openendedparam",
    "openendedrubric",
    "solution",
    "solutionset",
    "demandhint",
    "targetedfeedbackset",
    "choicehint",
    "optionhint",
    "correcthint",
    "compoundhint",
    "stringequalhint",
    "regexphint",
    "numericalhint",
    "stringhint",
];

const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

/// The problem body as HTML fragments and input slots, in document order. Inputs of an
/// unsupported problem are left out (its text is still shown). The choice order inside a
/// radio or checkbox input comes from [`choices_in_order`] with the same seed.
pub fn layout(problem: &Problem, seed: u64) -> Vec<Segment> {
    // The seed only changes choice order and pooled solutions, which live outside the
    // body; it is taken here so that callers pass one seed everywhere.
    let _ = seed;
    let mut html = String::new();
    let mut inputs = Vec::new();
    write(
        &problem.body,
        true,
        problem.unsupported.is_none(),
        &mut html,
        &mut inputs,
    );
    let clean = sanitize_html(&html);
    let mut out = Vec::new();
    let mut rest = clean.as_str();
    while let Some(start) = rest.find(MARK_OPEN) {
        let Some(len) = rest[start..].find(MARK_CLOSE) else {
            break;
        };
        let end = start + len;
        if start > 0 {
            out.push(Segment::Html(rest[..start].to_owned()));
        }
        let index: Option<usize> = rest[start + MARK_OPEN.len_utf8()..end].parse().ok();
        if let Some(id) = index.and_then(|i| inputs.get(i)) {
            out.push(Segment::Input(String::clone(id)));
        }
        rest = &rest[end + MARK_CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Segment::Html(rest.to_owned()));
    }
    out
}

fn write(e: &Element, root: bool, with_inputs: bool, out: &mut String, inputs: &mut Vec<String>) {
    if e.attr(DROP_ATTR).is_some() || DROPPED.contains(&e.name.as_str()) {
        return;
    }
    if is_input_tag(&e.name) {
        if with_inputs && let Some(id) = e.attr("id") {
            out.push(MARK_OPEN);
            out.push_str(&inputs.len().to_string());
            out.push(MARK_CLOSE);
            inputs.push(id.to_owned());
        }
        return;
    }
    let (name, attrs): (&str, &[(String, String)]) = if root && e.name == "problem" {
        ("div", &[])
    } else if e.name == "text" || e.name == "math" || e.name == "clarification" {
        ("span", &[])
    } else if e.attr(AS_P_ATTR).is_some() {
        ("p", &[])
    } else if is_response_tag(&e.name) {
        ("div", &[])
    } else {
        (e.name.as_str(), &e.attrs)
    };
    let attrs: Vec<(String, String)> = attrs
        .iter()
        .filter(|(k, _)| !k.starts_with('\u{1}'))
        .cloned()
        .collect();
    if e.name == "clarification" {
        out.push_str(" <small>(");
    }
    open_tag(name, &attrs, out);
    for child in &e.children {
        match child {
            Node::Text(t) => {
                let clean: String = t
                    .chars()
                    .filter(|&c| c != MARK_OPEN && c != MARK_CLOSE)
                    .collect();
                escape_text(&clean, out);
            }
            Node::Element(inner) => write(inner, false, with_inputs, out, inputs),
        }
    }
    close_tag(name, out);
    if e.name == "clarification" {
        out.push_str(")</small>");
    }
}

struct Shown {
    /// Input id → indices of the choicegroup's child elements, in display order.
    orders: BTreeMap<String, Vec<usize>>,
    /// Solution set → the explanation id of the correct choice the pool shows.
    pooled: BTreeMap<usize, Option<String>>,
}

/// Run `late_transforms` of every multiple-choice response in order, all drawing from one
/// generator seeded with the problem seed, as Open edX does.
fn shown(problem: &Problem, seed: u64) -> Shown {
    let mut rng = PyRandom::new(seed);
    let mut orders = BTreeMap::new();
    let mut pooled = BTreeMap::new();
    for response in &problem.responses {
        let (Detail::Choice(c), Some(input)) = (&response.detail, response.inputs.first()) else {
            continue;
        };
        if !c.shuffle && c.pool.is_none() {
            continue;
        }
        let mut order: Vec<usize> = (0..c.items.len()).collect();
        if c.shuffle {
            order = shuffle(c, &order, &mut rng);
        }
        if let Some(n) = c.pool {
            let (chosen, subset) = answer_pool(c, &order, n, &mut rng);
            if let Some(set) = c.solutionset {
                pooled.insert(set, chosen);
            }
            order = subset;
        }
        orders.insert(input.id.clone(), order);
    }
    Shown { orders, pooled }
}

/// `shuffle_choices`: fixed choices at the head and tail keep their place.
fn shuffle(c: &ChoiceDetail, items: &[usize], rng: &mut PyRandom) -> Vec<usize> {
    let (mut head, mut middle, mut tail) = (Vec::new(), Vec::new(), Vec::new());
    let mut at_head = true;
    for &item in items {
        let fixed = c.items_fixed.get(item).copied().unwrap_or(false);
        if at_head && fixed {
            head.push(item);
            continue;
        }
        at_head = false;
        if fixed {
            tail.push(item);
        } else {
            middle.push(item);
        }
    }
    rng.shuffle(&mut middle);
    head.extend(middle);
    head.extend(tail);
    head
}

/// `sample_from_answer_pool`: one correct choice and up to `n - 1` incorrect ones.
fn answer_pool(
    c: &ChoiceDetail,
    items: &[usize],
    n: i64,
    rng: &mut PyRandom,
) -> (Option<String>, Vec<usize>) {
    let (correct, mut incorrect): (Vec<usize>, Vec<usize>) = items
        .iter()
        .partition(|&&i| c.items_correct.get(i).copied().unwrap_or(false));
    if correct.is_empty() {
        return (None, items.to_vec());
    }
    // Python slicing: `incorrect[:k]` with a negative k counts from the end.
    let wanted = (n - 1).min(incorrect.len() as i64);
    let take = if wanted < 0 {
        (incorrect.len() as i64 + wanted).max(0) as usize
    } else {
        wanted as usize
    };
    let index = rng.randint(0, correct.len() - 1);
    let chosen = correct[index.min(correct.len() - 1)];
    rng.shuffle(&mut incorrect);
    let mut subset = vec![chosen];
    subset.extend(incorrect.into_iter().take(take));
    rng.shuffle(&mut subset);
    (c.items_explanation.get(chosen).cloned().flatten(), subset)
}

/// The choices of a radio or checkbox input in the order this seed shows them (shuffled,
/// or the answer-pool subset); empty for other inputs.
pub fn choices_in_order(problem: &Problem, input_id: &str, seed: u64) -> Vec<Choice> {
    let Some(input) = problem.input(input_id) else {
        return Vec::new();
    };
    let choices = match &input.widget {
        Widget::Radio { choices } | Widget::Checkbox { choices } => choices,
        _ => return Vec::new(),
    };
    let detail = problem.responses.iter().find_map(|r| match &r.detail {
        Detail::Choice(c) if r.inputs.first().is_some_and(|i| i.id == input_id) => Some(c),
        _ => None,
    });
    let Some(detail) = detail.filter(|d| d.shuffle || d.pool.is_some()) else {
        return choices.clone();
    };
    let shown = shown(problem, seed);
    let Some(order) = shown.orders.get(input_id) else {
        return choices.clone();
    };
    order
        .iter()
        .filter_map(|&item| detail.items.get(item).copied().flatten())
        .filter_map(|ci| choices.get(ci).cloned())
        .collect()
}

/// The solutions to show with the answer for this seed: like [`Problem::solution_html`],
/// but a `<solutionset>` after an answer-pool question keeps only the explanation of the
/// correct choice that was shown.
pub fn solution_html_for(problem: &Problem, seed: u64) -> Option<String> {
    let pooled = if problem.has_answer_pool {
        shown(problem, seed).pooled
    } else {
        BTreeMap::new()
    };
    let kept: String = problem
        .solutions
        .iter()
        .filter(|s| match s.set.and_then(|set| pooled.get(&set)) {
            Some(chosen) => s.explanation_id == *chosen,
            None => true,
        })
        .map(|s| format!("<div>{}</div>", s.html))
        .collect();
    (!kept.is_empty()).then_some(kept)
}
