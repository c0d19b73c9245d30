//! Building a [`Problem`] from capa XML, following `LoncapaProblem.__init__`:
//! `make_xml_compatible`, response and input ids, choice names, labels, and the load-time
//! checks that make Open edX refuse a problem.

use super::calc::python_strip;
use super::options::parse_options;
use super::tolerance::{DEFAULT_TOLERANCE, python_float, python_number_text};
use super::xml::{self, Element, Node};
use super::{CheckboxScheme, Choice, Input, Problem, Response, ResponseKind, Widget};
use crate::error::DomainError;
use crate::sanitize::sanitize_html;
use std::collections::BTreeSet;

/// Set on elements the layout must leave out (labels that became input labels …).
pub(crate) const DROP_ATTR: &str = "\u{1}drop";
/// Set on a multi-input response's `<label>`/`<description>`, which render as `<p>`.
pub(crate) const AS_P_ATTR: &str = "\u{1}p";

/// Response tags Lyceum grades.
const SUPPORTED: [&str; 6] = [
    "multiplechoiceresponse",
    "truefalseresponse",
    "choiceresponse",
    "optionresponse",
    "stringresponse",
    "numericalresponse",
];

/// Capa input types (`inputtypes.registry`); they are numbered within their response.
const INPUT_TAGS: [&str; 26] = [
    "textline",
    "formulaequationinput",
    "choicegroup",
    "radiogroup",
    "checkboxgroup",
    "optioninput",
    "textbox",
    "codeinput",
    "matlabinput",
    "filesubmission",
    "jsinput",
    "schematic",
    "imageinput",
    "crystallography",
    "vsepr_input",
    "chemicalequationinput",
    "drag_and_drop_input",
    "editamoleculeinput",
    "designprotein2dinput",
    "editageneinput",
    "annotationinput",
    "choicetextgroup",
    "radiotextgroup",
    "checkboxtextgroup",
    "formulainput",
    "javascriptinput",
];

pub(crate) fn is_response_tag(name: &str) -> bool {
    name.ends_with("response")
}

pub(crate) fn is_input_tag(name: &str) -> bool {
    INPUT_TAGS.contains(&name)
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Solution {
    pub html: String,
    pub explanation_id: Option<String>,
    /// Which `<solutionset>` (document order) holds it.
    pub set: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Detail {
    Unsupported,
    Choice(ChoiceDetail),
    Option(OptionDetail),
    String(StringDetail),
    Numerical(NumericalDetail),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChoiceHints {
    pub name: String,
    /// Multiple choice: the first `<choicehint>`.
    pub first: Option<String>,
    pub selected: Vec<String>,
    pub unselected: Vec<String>,
    /// The choice's `id` (upper case) or its letter, for compound hints.
    pub letter: String,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChoiceDetail {
    /// Names of the `correct="true"` choices, in document order.
    pub correct: Vec<String>,
    /// Checkboxes: names of the `correct="false"` choices.
    pub incorrect: Vec<String>,
    /// Multiple choice with partial credit: `correct="partial"` names and their points.
    pub partial: Vec<(String, f64)>,
    /// `partial_credit`, split, trimmed and lower-cased; empty when off.
    pub credit: Vec<String>,
    pub hints: Vec<ChoiceHints>,
    pub compound: Vec<(BTreeSet<String>, String)>,
    /// The choicegroup's child elements: the index of the choice in the widget, or `None`
    /// for another element (they take part in the shuffle all the same).
    pub items: Vec<Option<usize>>,
    /// Per item: `correct="true"` (for the answer pool).
    pub items_correct: Vec<bool>,
    /// Per item: `fixed="true"` (kept in place by the shuffle).
    pub items_fixed: Vec<bool>,
    /// Per item: its `explanation-id` (selects the solution shown with an answer pool).
    pub items_explanation: Vec<Option<String>>,
    pub shuffle: bool,
    pub pool: Option<i64>,
    /// The `<solutionset>` following the response, filtered by the answer pool.
    pub solutionset: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OptionDetail {
    /// Per input: its `correct` attribute.
    pub correct: Vec<Option<String>>,
    /// Per input: `(option text, optionhint)` of its `<option>` children.
    pub hints: Vec<Vec<(String, Option<String>)>>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StringDetail {
    pub answers: Vec<String>,
    pub backward: bool,
    pub ci: bool,
    pub regexp: bool,
    pub primary: String,
    pub correct_hint: Option<String>,
    pub additional: Vec<(String, Option<String>)>,
    pub equal_hints: Vec<(String, Option<String>)>,
    pub regexp_hints: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NumericalDetail {
    pub answer: String,
    /// `(lower inclusive, upper inclusive, lower, upper)` for `[a, b)` style answers.
    pub range: Option<(bool, bool, String, String)>,
    pub tolerance: String,
    pub additional: Vec<Option<String>>,
    pub additional_hints: Vec<Option<String>>,
    pub partial_range: Option<String>,
    pub partial_answers: Option<String>,
    pub correct_hint: Option<String>,
}

fn err(key: &'static str) -> DomainError {
    DomainError::new(key)
}

fn missing_attr(element: &str, attr: &str) -> DomainError {
    err("lyceum-error-capa-missing-attribute")
        .with_arg(element)
        .with_arg(attr)
}

/// Python's `int(text)`.
pub(crate) fn python_int(text: &str) -> Option<i64> {
    let text = python_number_text(text);
    let s = python_strip(&text);
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let b = digits.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() || !b[b.len() - 1].is_ascii_digit() {
        return None;
    }
    if b.windows(2).any(|w| w[0] == b'_' && w[1] == b'_')
        || !b.iter().all(|c| c.is_ascii_digit() || *c == b'_')
    {
        return None;
    }
    let v: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Sanitised inner HTML, `None` when empty.
fn html_of(e: &Element) -> Option<String> {
    let clean = sanitize_html(e.inner_html().trim());
    (!clean.trim().is_empty()).then_some(clean)
}

/// `get_inner_html_from_xpath`: the hint text of a hint node, `None` when blank.
fn hint_of(e: Option<&Element>) -> Option<String> {
    e.and_then(html_of)
}

// --- tree paths (document order) -------------------------------------------------------

fn paths_where(root: &Element, pred: &dyn Fn(&Element) -> bool) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<(Vec<usize>, &Element)> = vec![(Vec::new(), root)];
    while let Some((path, e)) = stack.pop() {
        if pred(e) {
            out.push(path.clone());
        }
        for (i, child) in e.children.iter().enumerate().rev() {
            if let Node::Element(c) = child {
                let mut p = path.clone();
                p.push(i);
                stack.push((p, c));
            }
        }
    }
    out
}

fn at<'a>(root: &'a Element, path: &[usize]) -> Option<&'a Element> {
    let mut e = root;
    for &i in path {
        e = match e.children.get(i) {
            Some(Node::Element(c)) => c,
            _ => return None,
        };
    }
    Some(e)
}

fn at_mut<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    let mut e = root;
    for &i in path {
        e = match e.children.get_mut(i) {
            Some(Node::Element(c)) => c,
            _ => return None,
        };
    }
    Some(e)
}

/// `make_xml_compatible`: old-style `<additional_answer>X</additional_answer>` and the
/// `<option>` form of dropdowns become attributes.
fn make_xml_compatible(root: &mut Element) -> Result<(), DomainError> {
    for path in paths_where(root, &|e| e.name == "stringresponse") {
        let Some(resp) = at_mut(root, &path) else {
            continue;
        };
        for child in resp.children.iter_mut() {
            let Node::Element(add) = child else { continue };
            if add.name != "additional_answer" || add.attr("answer").is_some_and(|a| !a.is_empty())
            {
                continue;
            }
            if let Some(text) = add.text().filter(|t| !t.is_empty()).map(str::to_owned) {
                add.set_attr("answer", text);
                add.children.remove(0);
            }
        }
    }
    for path in paths_where(root, &|e| e.name == "optioninput") {
        let Some(input) = at_mut(root, &path) else {
            continue;
        };
        let mut names = Vec::new();
        let mut correct = None;
        let mut trues = 0;
        for option in input.elements_named("option") {
            let flag = option
                .attr("correct")
                .ok_or_else(|| missing_attr("option", "correct"))?;
            let name = python_strip(option.text().unwrap_or("")).to_owned();
            if flag.to_uppercase() == "TRUE" {
                trues += 1;
                correct = Some(name.clone());
            }
            names.push(format!("'{name}'"));
        }
        if trues > 1 {
            return Err(err("lyceum-error-capa-dropdown-correct"));
        }
        if !names.is_empty() {
            input.set_attr("options", format!("({})", names.join(",")));
            if let Some(c) = correct.filter(|c| !c.is_empty()) {
                input.set_attr("correct", c);
            }
        }
    }
    Ok(())
}

fn python_script(root: &Element) -> bool {
    let is_python = |e: &Element| {
        e.name == "script"
            && !e
                .attr("type")
                .is_some_and(|t| t.contains("javascript") || t.contains("perl"))
            && !python_strip(&e.all_text()).is_empty()
    };
    is_python(root) || root.descendants().into_iter().any(is_python)
}

/// Parse a `<problem>` (its settings attributes are the caller's business). Malformed
/// XML, DTDs and problems Open edX itself refuses to load are errors.
pub fn parse(url_name: &str, xml_text: &str) -> Result<Problem, DomainError> {
    let mut root = xml::parse_document(xml_text)?;
    make_xml_compatible(&mut root)?;
    let mut unsupported = python_script(&root).then(|| "python-script".to_owned());

    let response_paths = paths_where(&root, &|e| is_response_tag(&e.name));
    for path in &response_paths {
        if let Some(resp) = at(&root, path)
            && !SUPPORTED.contains(&resp.name.as_str())
            && unsupported.is_none()
        {
            unsupported = Some(resp.name.clone());
        }
    }
    let solutionset_paths = paths_where(&root, &|e| e.name == "solutionset");

    let mut responses = Vec::new();
    for (k0, path) in response_paths.iter().enumerate() {
        let k = k0 + 1;
        let Some(resp) = at_mut(&mut root, path) else {
            continue;
        };
        resp.set_attr("id", format!("{url_name}_{k}"));
        // Input ids use the counter after it moved on (spec §2.1): PID_{k+1}_{m}.
        let input_paths = paths_where(resp, &|e| is_input_tag(&e.name));
        let mut ids = Vec::new();
        for (m0, ipath) in input_paths.iter().enumerate() {
            if ipath.is_empty() {
                continue;
            }
            if let Some(input) = at_mut(resp, ipath) {
                let id = format!("{url_name}_{}_{}", k + 1, m0 + 1);
                input.set_attr("id", id.clone());
                ids.push((ipath.clone(), id));
            }
        }
        let tag = resp.name.clone();
        let response = if unsupported.is_some() {
            unsupported_response(resp, k, &ids)
        } else {
            let following_set = following_solutionset(&root, path, &solutionset_paths);
            let Some(resp) = at_mut(&mut root, path) else {
                continue;
            };
            let mut r = parse_response(resp, k, &ids, &tag, following_set)?;
            label_inputs(&mut root, path, &ids, &mut r)?;
            r
        };
        responses.push(response);
    }

    let solutions = collect_solutions(&root);
    let solution_html = (!solutions.is_empty()).then(|| {
        solutions
            .iter()
            .map(|s| format!("<div>{}</div>", s.html))
            .collect::<String>()
    });
    let hints = if root.name == "problem" {
        root.elements_named("demandhint")
            .flat_map(|d| d.elements_named("hint"))
            .filter_map(html_of)
            .collect()
    } else {
        Vec::new()
    };
    let choice_details = responses.iter().filter_map(|r| match &r.detail {
        Detail::Choice(c) => Some(c),
        _ => None,
    });
    let (mut has_shuffle, mut has_answer_pool) = (false, false);
    for c in choice_details {
        has_shuffle |= c.shuffle;
        has_answer_pool |= c.pool.is_some();
    }
    Ok(Problem {
        url_name: url_name.to_owned(),
        responses,
        unsupported,
        hints,
        solution_html,
        has_shuffle,
        has_answer_pool,
        body: root,
        solutions,
    })
}

fn following_solutionset(root: &Element, path: &[usize], sets: &[Vec<usize>]) -> Option<usize> {
    let (&index, parent_path) = path.split_last()?;
    let parent = at(root, parent_path)?;
    for (i, child) in parent.children.iter().enumerate().skip(index + 1) {
        if let Node::Element(e) = child
            && e.name == "solutionset"
        {
            let mut p = parent_path.to_vec();
            p.push(i);
            return sets.iter().position(|s| *s == p);
        }
    }
    None
}

fn collect_solutions(root: &Element) -> Vec<Solution> {
    let mut out = Vec::new();
    let mut set_index = 0;
    let mut stack: Vec<(&Element, Option<usize>)> = vec![(root, None)];
    while let Some((e, set)) = stack.pop() {
        if e.name == "solution" {
            out.push(Solution {
                html: html_of(e).unwrap_or_default(),
                explanation_id: e.attr("explanation-id").map(str::to_owned),
                set,
            });
        }
        let set_here = if e.name == "solutionset" {
            set_index += 1;
            Some(set_index - 1)
        } else {
            set
        };
        for child in e.elements().collect::<Vec<_>>().into_iter().rev() {
            stack.push((child, set_here));
        }
    }
    out
}

fn points_of(input: &Element) -> Result<f64, DomainError> {
    let raw = input.attr("points").unwrap_or("1");
    python_int(raw)
        .map(|v| v as f64)
        .ok_or_else(|| err("lyceum-error-capa-points").with_arg(raw))
}

fn unsupported_response(resp: &Element, k: usize, ids: &[(Vec<usize>, String)]) -> Response {
    let inputs = ids
        .iter()
        .map(|(path, id)| {
            let input = at(resp, path);
            Input {
                id: id.clone(),
                points: input.and_then(|i| points_of(i).ok()).unwrap_or(1.0),
                widget: Widget::Other {
                    tag: input.map(|i| i.name.clone()).unwrap_or_default(),
                },
                label: None,
                description: None,
                option_labels: Vec::new(),
            }
        })
        .collect();
    Response {
        index: k,
        kind: ResponseKind::Unsupported {
            tag: resp.name.clone(),
        },
        inputs,
        partial_credit: resp.attr("partial_credit").map(str::to_owned),
        detail: Detail::Unsupported,
    }
}

fn check_inputs(
    resp: &Element,
    ids: &[(Vec<usize>, String)],
    allowed: &[&str],
    single: bool,
) -> Result<(), DomainError> {
    for (path, _) in ids {
        if let Some(input) = at(resp, path)
            && !allowed.contains(&input.name.as_str())
        {
            return Err(err("lyceum-error-capa-input-not-allowed")
                .with_arg(resp.name.clone())
                .with_arg(input.name.clone()));
        }
    }
    if single && ids.len() > 1 {
        return Err(err("lyceum-error-capa-too-many-inputs").with_arg(resp.name.clone()));
    }
    if single && ids.is_empty() {
        return Err(err("lyceum-error-capa-no-input").with_arg(resp.name.clone()));
    }
    Ok(())
}

/// `partial_credit`: absent or `false` is off; else comma-separated, trimmed, lower-cased.
fn credit_types(resp: &Element) -> Vec<String> {
    match resp.attr("partial_credit") {
        None => Vec::new(),
        Some(v) if python_strip(&v.to_lowercase()) == "false" => Vec::new(),
        Some(v) => v
            .split(',')
            .map(|w| python_strip(w).to_lowercase())
            .collect(),
    }
}

fn required_attr<'a>(resp: &'a Element, name: &str) -> Result<&'a str, DomainError> {
    resp.attr(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing_attr(&resp.name, name))
}

fn parse_response(
    resp: &mut Element,
    k: usize,
    ids: &[(Vec<usize>, String)],
    tag: &str,
    solutionset: Option<usize>,
) -> Result<Response, DomainError> {
    let credit = credit_types(resp);
    let partial_credit = resp.attr("partial_credit").map(str::to_owned);
    let mut inputs: Vec<Input> = Vec::new();
    for (path, id) in ids {
        let input = at(resp, path)
            .ok_or_else(|| err("lyceum-error-capa-xml").with_arg("input not found"))?;
        inputs.push(Input {
            id: id.clone(),
            points: points_of(input)?,
            widget: Widget::Other {
                tag: input.name.clone(),
            },
            label: None,
            description: None,
            option_labels: Vec::new(),
        });
    }
    let (kind, detail) = match tag {
        "multiplechoiceresponse" | "truefalseresponse" => {
            check_inputs(resp, ids, &["choicegroup"], true)?;
            let mut detail = multiple_choice(resp, &credit, solutionset)?;
            let input_el = at(resp, &ids[0].0)
                .ok_or_else(|| err("lyceum-error-capa-xml").with_arg("input not found"))?;
            inputs[0].widget = Widget::Radio {
                choices: widget_choices(input_el, &detail, false)?,
            };
            let mut index = 0;
            for item in input_el.elements() {
                if item.name == "choice" {
                    detail.items.push(Some(index));
                    index += 1;
                } else {
                    detail.items.push(None);
                }
                detail.items_correct.push(
                    item.attr("correct")
                        .is_some_and(|c| c.to_uppercase() == "TRUE"),
                );
                detail.items_fixed.push(item.attr("fixed") == Some("true"));
                detail
                    .items_explanation
                    .push(item.attr("explanation-id").map(str::to_owned));
            }
            let kind = if tag == "truefalseresponse" {
                ResponseKind::TrueFalse
            } else {
                ResponseKind::MultipleChoice {
                    partial: credit == ["points"],
                }
            };
            (kind, Detail::Choice(detail))
        }
        "choiceresponse" => {
            check_inputs(resp, ids, &["checkboxgroup", "radiogroup"], true)?;
            let detail = checkboxes(resp, &credit)?;
            let input_el = at(resp, &ids[0].0)
                .ok_or_else(|| err("lyceum-error-capa-xml").with_arg("input not found"))?;
            let choices = widget_choices(input_el, &detail, true)?;
            inputs[0].widget = if input_el.name == "radiogroup" {
                Widget::Radio { choices }
            } else {
                Widget::Checkbox { choices }
            };
            let scheme = match credit.as_slice() {
                [one] if one == "edc" => CheckboxScheme::Edc,
                [one] if one == "halves" => CheckboxScheme::Halves,
                _ => CheckboxScheme::AllOrNothing,
            };
            (ResponseKind::Checkbox { scheme }, Detail::Choice(detail))
        }
        "optionresponse" => {
            check_inputs(resp, ids, &["optioninput"], false)?;
            let mut correct = Vec::new();
            let mut hints = Vec::new();
            for (i, (path, _)) in ids.iter().enumerate() {
                let el = at(resp, path)
                    .ok_or_else(|| err("lyceum-error-capa-xml").with_arg("input not found"))?;
                let raw = el
                    .attr("options")
                    .ok_or_else(|| missing_attr("optioninput", "options"))?;
                let options = parse_options(raw)
                    .ok_or_else(|| err("lyceum-error-capa-options").with_arg(raw))?;
                inputs[i].widget = Widget::Select { options };
                correct.push(el.attr("correct").map(str::to_owned));
                hints.push(
                    el.elements_named("option")
                        .map(|o| {
                            (
                                python_strip(o.text().unwrap_or("")).to_owned(),
                                hint_of(o.first_named("optionhint")),
                            )
                        })
                        .collect(),
                );
            }
            (
                ResponseKind::Option,
                Detail::Option(OptionDetail { correct, hints }),
            )
        }
        "stringresponse" => {
            check_inputs(resp, ids, &["textline"], true)?;
            let detail = string_detail(resp)?;
            inputs[0].widget = text_widget(at(resp, &ids[0].0), false);
            (
                ResponseKind::String {
                    case_insensitive: detail.ci,
                    regexp: detail.regexp,
                },
                Detail::String(detail),
            )
        }
        "numericalresponse" => {
            check_inputs(resp, ids, &["textline", "formulaequationinput"], true)?;
            let detail = numerical_detail(resp)?;
            inputs[0].widget = text_widget(at(resp, &ids[0].0), true);
            (
                ResponseKind::Numerical {
                    answer: detail.answer.clone(),
                    tolerance: (detail.range.is_none() && detail.tolerance != DEFAULT_TOLERANCE)
                        .then(|| detail.tolerance.clone()),
                    close: credit.iter().any(|c| c == "close"),
                    list: credit.iter().any(|c| c == "list"),
                },
                Detail::Numerical(detail),
            )
        }
        _ => return Ok(unsupported_response(resp, k, ids)),
    };
    Ok(Response {
        index: k,
        kind,
        inputs,
        partial_credit,
        detail,
    })
}

fn text_widget(input: Option<&Element>, numeric: bool) -> Widget {
    Widget::Text {
        size: input
            .and_then(|i| i.attr("size"))
            .and_then(|s| python_strip(s).parse().ok()),
        numeric,
    }
}

fn choice_hints(choice: &Element, name: &str, letter: String) -> ChoiceHints {
    let mut selected = Vec::new();
    let mut unselected = Vec::new();
    for hint in choice.elements_named("choicehint") {
        let Some(text) = html_of(hint) else { continue };
        match hint.attr("selected").map(str::to_lowercase).as_deref() {
            Some("true") => selected.push(text),
            Some("false") => unselected.push(text),
            _ => {}
        }
    }
    ChoiceHints {
        name: name.to_owned(),
        first: hint_of(choice.first_named("choicehint")),
        selected,
        unselected,
        letter,
    }
}

fn correct_flag(choice: &Element) -> Result<String, DomainError> {
    choice
        .attr("correct")
        .map(str::to_uppercase)
        .ok_or_else(|| missing_attr("choice", "correct"))
}

/// `MultipleChoiceResponse.setup_response` and its late transforms' checks.
fn multiple_choice(
    resp: &mut Element,
    credit: &[String],
    solutionset: Option<usize>,
) -> Result<ChoiceDetail, DomainError> {
    // mc_setup_response: every child of each direct choicegroup is named, unnamed ones
    // numbered by one counter across the groups.
    let mut counter = 0;
    for child in resp.children.iter_mut() {
        let Node::Element(group) = child else {
            continue;
        };
        if group.name != "choicegroup" {
            continue;
        }
        for item in group.children.iter_mut() {
            let Node::Element(choice) = item else {
                continue;
            };
            let name = match choice.attr("name") {
                Some(n) => format!("choice_{n}"),
                None => {
                    counter += 1;
                    format!("choice_{}", counter - 1)
                }
            };
            choice.set_attr("name", name);
        }
    }
    let mut detail = ChoiceDetail {
        correct: Vec::new(),
        incorrect: Vec::new(),
        partial: Vec::new(),
        credit: credit.to_vec(),
        hints: Vec::new(),
        compound: Vec::new(),
        items: Vec::new(),
        items_correct: Vec::new(),
        items_fixed: Vec::new(),
        items_explanation: Vec::new(),
        shuffle: false,
        pool: None,
        solutionset,
    };
    for choice in resp
        .descendants()
        .into_iter()
        .filter(|e| e.name == "choice")
    {
        let flag = correct_flag(choice)?;
        let Some(name) = choice.attr("name") else {
            continue;
        };
        if flag == "TRUE" {
            detail.correct.push(name.to_owned());
        }
        if !credit.is_empty() && flag.to_lowercase() == "partial" {
            let raw = choice.attr("point_value").unwrap_or("0.5");
            let points = python_float(raw)
                .ok_or_else(|| err("lyceum-error-capa-point-value").with_arg(raw))?;
            detail.partial.push((name.to_owned(), points));
        }
        detail.hints.push(choice_hints(choice, name, String::new()));
    }
    // late_transforms: shuffle / answer-pool on the first matching direct choicegroup.
    let shuffled = resp
        .elements_named("choicegroup")
        .find(|g| g.attr("shuffle") == Some("true"));
    if let Some(group) = shuffled {
        if group.attr("answer-pool").is_some() {
            return Err(err("lyceum-error-capa-shuffle-and-pool"));
        }
        detail.shuffle = true;
    }
    if let Some(group) = resp
        .elements_named("choicegroup")
        .find(|g| g.attr("answer-pool").is_some())
    {
        let raw = group.attr("answer-pool").unwrap_or("0");
        if raw != "0" {
            let n = python_int(raw)
                .ok_or_else(|| err("lyceum-error-capa-answer-pool").with_arg(raw))?;
            let mut correct = 0;
            let mut incorrect = 0;
            for choice in group.elements() {
                if correct_flag(choice)? == "TRUE" {
                    correct += 1;
                } else {
                    incorrect += 1;
                }
            }
            if correct == 0 || incorrect == 0 {
                return Err(err("lyceum-error-capa-answer-pool").with_arg(raw));
            }
            detail.pool = Some(n);
        }
    }
    Ok(detail)
}

/// `ChoiceResponse.setup_response`: every `<choice>` below the response is renamed
/// `choice_0…` in document order.
fn checkboxes(resp: &mut Element, credit: &[String]) -> Result<ChoiceDetail, DomainError> {
    let paths = paths_where(resp, &|e| e.name == "choice");
    for (index, path) in paths.iter().enumerate() {
        if path.is_empty() {
            continue;
        }
        if let Some(choice) = at_mut(resp, path) {
            choice.set_attr("name", format!("choice_{index}"));
            if choice.attr("id").is_none_or(str::is_empty) {
                let letter = char::from_u32('A' as u32 + index as u32).unwrap_or('?');
                choice.set_attr("id", letter.to_string());
            }
        }
    }
    let mut detail = ChoiceDetail {
        correct: Vec::new(),
        incorrect: Vec::new(),
        partial: Vec::new(),
        credit: credit.to_vec(),
        hints: Vec::new(),
        compound: Vec::new(),
        items: Vec::new(),
        items_correct: Vec::new(),
        items_fixed: Vec::new(),
        items_explanation: Vec::new(),
        shuffle: false,
        pool: None,
        solutionset: None,
    };
    for choice in resp
        .descendants()
        .into_iter()
        .filter(|e| e.name == "choice")
    {
        let flag = correct_flag(choice)?;
        let name = choice.attr("name").unwrap_or_default();
        match flag.as_str() {
            "TRUE" => detail.correct.push(name.to_owned()),
            "FALSE" => detail.incorrect.push(name.to_owned()),
            _ => {}
        }
        let letter = choice.attr("id").unwrap_or_default().to_uppercase();
        detail.hints.push(choice_hints(choice, name, letter));
    }
    for group in resp.elements_named("checkboxgroup") {
        for hint in group.elements_named("compoundhint") {
            let selectors = hint
                .attr("value")
                .unwrap_or_default()
                .to_uppercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            let text = python_strip(hint.text().unwrap_or_default()).to_owned();
            detail.compound.push((selectors, sanitize_html(&text)));
        }
    }
    Ok(detail)
}

/// The choices of a choicegroup as the input shows them (`extract_choices`), and the
/// shuffle items of the group.
fn widget_choices(
    group: &Element,
    detail: &ChoiceDetail,
    checkbox: bool,
) -> Result<Vec<Choice>, DomainError> {
    let mut choices = Vec::new();
    for child in group.elements() {
        if child.name == "choice" {
            let value = child.attr("name").unwrap_or_default().to_owned();
            let hints = detail.hints.iter().find(|h| h.name == value);
            let mut label = String::new();
            for node in &child.children {
                match node {
                    Node::Element(e) if e.name == "choicehint" => {}
                    other => xml::write_node(other, &mut label),
                }
            }
            let (feedback, feedback_unselected) = match hints {
                Some(h) if checkbox => (join_hints(&h.selected), join_hints(&h.unselected)),
                Some(h) => (h.first.clone(), None),
                None => (None, None),
            };
            choices.push(Choice {
                value,
                html: sanitize_html(label.trim()),
                fixed: child.attr("fixed") == Some("true"),
                feedback,
                feedback_unselected,
            });
        } else if child.name != "compoundhint" {
            return Err(err("lyceum-error-capa-choicegroup-child").with_arg(child.name.clone()));
        }
    }
    Ok(choices)
}

pub(crate) fn join_hints(hints: &[String]) -> Option<String> {
    match hints {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(many.iter().map(|h| format!("<div>{h}</div>")).collect()),
    }
}

fn string_detail(resp: &Element) -> Result<StringDetail, DomainError> {
    let answer = required_attr(resp, "answer")?;
    let words: Vec<String> = resp
        .attr("type")
        .map(|t| t.to_lowercase().split(' ').map(str::to_owned).collect())
        .unwrap_or_default();
    let backward = answer.to_lowercase().contains("_or_");
    let answers: Vec<String> = if backward {
        answer
            .split("_or_")
            .map(|a| python_strip(a).to_owned())
            .collect()
    } else {
        let mut all = vec![python_strip(answer).to_owned()];
        for add in resp.elements_named("additional_answer") {
            let a = add
                .attr("answer")
                .ok_or_else(|| missing_attr("additional_answer", "answer"))?;
            all.push(python_strip(a).to_owned());
        }
        all
    };
    let pairs = |tag: &str| -> Vec<(String, Option<String>)> {
        resp.elements_named(tag)
            .map(|h| {
                (
                    python_strip(h.attr("answer").unwrap_or_default()).to_owned(),
                    hint_of(Some(h)),
                )
            })
            .collect()
    };
    Ok(StringDetail {
        answers,
        backward,
        ci: words.iter().any(|w| w == "ci"),
        regexp: words.iter().any(|w| w == "regexp"),
        primary: python_strip(answer).to_owned(),
        correct_hint: hint_of(resp.first_named("correcthint")),
        additional: resp
            .elements_named("additional_answer")
            .map(|a| {
                (
                    python_strip(a.attr("answer").unwrap_or_default()).to_owned(),
                    hint_of(a.first_named("correcthint")),
                )
            })
            .collect(),
        equal_hints: pairs("stringequalhint"),
        regexp_hints: pairs("regexphint"),
    })
}

fn numerical_detail(resp: &Element) -> Result<NumericalDetail, DomainError> {
    let answer = required_attr(resp, "answer")?.to_owned();
    let range = if (answer.starts_with('[') || answer.starts_with('('))
        && (answer.ends_with(']') || answer.ends_with(')'))
        && answer.len() >= 2
    {
        let inner = &answer[1..answer.len() - 1];
        let parts: Vec<&str> = inner.split(',').collect();
        if parts.len() < 2 {
            return Err(err("lyceum-error-capa-range-answer").with_arg(answer.clone()));
        }
        Some((
            answer.starts_with('['),
            answer.ends_with(']'),
            parts[0].to_owned(),
            parts[1].to_owned(),
        ))
    } else {
        None
    };
    let tolerance = if range.is_none() {
        resp.descendants()
            .into_iter()
            .filter(|e| e.name == "responseparam" && e.attr("type") == Some("tolerance"))
            .find_map(|e| e.attr("default"))
            .map(|t| python_strip(t).to_owned())
            .unwrap_or_else(|| DEFAULT_TOLERANCE.to_owned())
    } else {
        DEFAULT_TOLERANCE.to_owned()
    };
    let param = |attr: &str| {
        resp.elements_named("responseparam")
            .find_map(|p| p.attr(attr))
            .map(str::to_owned)
    };
    Ok(NumericalDetail {
        range,
        tolerance,
        additional: resp
            .elements_named("additional_answer")
            .map(|a| a.attr("answer").map(str::to_owned))
            .collect(),
        additional_hints: resp
            .elements_named("additional_answer")
            .map(|a| hint_of(a.first_named("correcthint")))
            .collect(),
        partial_range: param("partial_range"),
        partial_answers: param("partial_answers"),
        correct_hint: hint_of(resp.first_named("correcthint")),
        answer,
    })
}

fn mark(root: &mut Element, path: &[usize], attr: &str) {
    if let Some(e) = at_mut(root, path) {
        e.set_attr(attr, String::new());
    }
}

/// `response_a11y_data`: the question text and descriptions of the inputs; the elements
/// they came from are left out of the layout (one input) or shown as paragraphs (more).
fn label_inputs(
    root: &mut Element,
    path: &[usize],
    ids: &[(Vec<usize>, String)],
    response: &mut Response,
) -> Result<(), DomainError> {
    if ids.is_empty() {
        return Ok(());
    }
    let resp =
        at(root, path).ok_or_else(|| err("lyceum-error-capa-xml").with_arg("input not found"))?;
    let child_paths = |name: &str| -> Vec<Vec<usize>> {
        resp.children
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                Node::Element(e) if e.name == name => {
                    let mut p = path.to_vec();
                    p.push(i);
                    Some(p)
                }
                _ => None,
            })
            .collect()
    };
    let labels = child_paths("label");
    let descriptions = child_paths("description");
    if ids.len() > 1 {
        for (input, (ipath, _)) in response.inputs.iter_mut().zip(ids) {
            input.label = at(resp, ipath)
                .and_then(|i| i.attr("label"))
                .filter(|l| !l.is_empty())
                .map(escape);
        }
        for p in labels.iter().take(1).chain(descriptions.iter()) {
            mark(root, p, AS_P_ATTR);
        }
        return Ok(());
    }
    let input_el = at(resp, &ids[0].0);
    let label_attr = input_el.and_then(|i| i.attr("label")).map(str::to_owned);
    let mut label = None;
    let mut drop: Option<Vec<usize>> = None;
    if let Some(first) = labels.first() {
        label = at(root, first).and_then(html_of);
        drop = Some(first.clone());
    } else if let Some((&index, parent_path)) = path.split_last() {
        let parent = at(root, parent_path);
        let previous = parent.and_then(|p| {
            p.children[..index]
                .iter()
                .enumerate()
                .rev()
                .find_map(|(i, c)| match c {
                    Node::Element(e) => Some((i, e)),
                    Node::Text(_) => None,
                })
        });
        if let Some((i, prev)) = previous {
            let mut p = parent_path.to_vec();
            p.push(i);
            match &label_attr {
                Some(attr) if prev.name == "p" && prev.text() == Some(attr.as_str()) => {
                    label = html_of(prev);
                    drop = Some(p);
                }
                None if prev.name == "label" => {
                    label = html_of(prev);
                    drop = Some(p);
                }
                _ => {}
            }
        }
    }
    if label.is_none() {
        label = label_attr.filter(|l| !l.is_empty()).map(|l| escape(&l));
    }
    let description: Vec<String> = descriptions
        .iter()
        .filter_map(|p| at(root, p).and_then(html_of))
        .collect();
    if let Some(input) = response.inputs.first_mut() {
        input.label = label;
        input.description = (!description.is_empty()).then(|| description.join(" "));
    }
    if let Some(p) = drop {
        mark(root, &p, DROP_ATTR);
    }
    for p in &descriptions {
        mark(root, p, DROP_ATTR);
    }
    Ok(())
}

fn escape(text: &str) -> String {
    let mut out = String::new();
    xml::escape_text(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 3 "), Some(3));
        assert_eq!(python_int("-1"), Some(-1));
        assert_eq!(python_int("1_0"), Some(10));
        assert_eq!(python_int("1.5"), None);
        assert_eq!(python_int(""), None);
        assert_eq!(python_int("٣"), Some(3));
    }
}
