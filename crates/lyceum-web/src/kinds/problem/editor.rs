//! The problem editor: a form for the five common problem types (written as clean OLX by
//! `lyceum_core::capa::form`) or, for anything else, the OLX itself with its faults shown
//! at their line; and the problem's settings (weight, attempts, show answer, reset,
//! randomisation). Problems that fit the form open in it; others open as OLX.

use crate::kinds::{EditorCtx, EditorForm, FieldError, FieldErrors};
use crate::page::Page;
use askama::Template;
use lyceum_core::DomainError;
use lyceum_core::capa::form::{FormChoice, ProblemForm, ProblemType, check_olx};
use lyceum_core::limits::{self, range};
use serde_json::{Value, json};

/// `showanswer` values the settings offer, with their labels.
const SHOW_ANSWER: [(&str, &str); 8] = [
    ("finished", "lyceum-editor-showanswer-finished"),
    ("always", "lyceum-editor-showanswer-always"),
    ("answered", "lyceum-editor-showanswer-answered"),
    ("attempted", "lyceum-editor-showanswer-attempted"),
    ("closed", "lyceum-editor-showanswer-closed"),
    ("past_due", "lyceum-editor-showanswer-past-due"),
    (
        "correct_or_past_due",
        "lyceum-editor-showanswer-correct-or-past-due",
    ),
    ("never", "lyceum-editor-showanswer-never"),
];

const RERANDOMIZE: [(&str, &str); 4] = [
    ("never", "lyceum-editor-rerandomize-never"),
    ("per_student", "lyceum-editor-rerandomize-per-student"),
    ("always", "lyceum-editor-rerandomize-always"),
    ("onreset", "lyceum-editor-rerandomize-onreset"),
];

pub const TYPES: [(&str, &str); 5] = [
    ("multiple_choice", "lyceum-editor-problem-multiple-choice"),
    ("checkboxes", "lyceum-editor-problem-checkboxes"),
    ("dropdown", "lyceum-editor-problem-dropdown"),
    ("text_input", "lyceum-editor-problem-text-input"),
    ("numerical", "lyceum-editor-problem-numerical"),
];

/// Spare choice rows under the last one, to add choices without script.
const SPARE_ROWS: usize = 2;

/// A new problem of type `variant`, in the author's language.
pub fn template(p: &Page, variant: &str) -> Option<Value> {
    let kind = ProblemType::parse(variant)?;
    let mut f = ProblemForm::template(kind);
    f.question = p.text("lyceum-editor-problem-template-question");
    for (i, c) in f.choices.iter_mut().enumerate() {
        c.text = p.text1("lyceum-editor-problem-template-choice", (i + 1) as i64);
    }
    match kind {
        ProblemType::TextInput => f.answer = p.text("lyceum-editor-problem-template-answer"),
        ProblemType::Numerical => f.answer = "42".into(),
        _ => {}
    }
    Some(json!({ "olx": f.to_olx() }))
}

fn put_form(f: &ProblemForm, out: &mut EditorForm) {
    out.set("mode", "form");
    out.set("ptype", f.kind.name());
    out.set("question", &f.question);
    out.set("description", &f.description);
    let mut i = 0;
    while out.has(&format!("choice_{i}_text")) {
        for s in ["text", "hint", "correct"] {
            out.remove(&format!("choice_{i}_{s}"));
        }
        i += 1;
    }
    for (i, c) in f.choices.iter().enumerate() {
        out.set(&format!("choice_{i}_text"), &c.text);
        out.set(&format!("choice_{i}_hint"), &c.hint);
        if c.correct {
            out.set(&format!("choice_{i}_correct"), "on");
        }
    }
    out.set("answer", &f.answer);
    out.set("additional", &f.additional_answers.join("\n"));
    if f.case_insensitive {
        out.set("ci", "on");
    } else {
        out.remove("ci");
    }
    out.set("tolerance", &f.tolerance);
    out.set("explanation", &f.explanation);
}

/// The form as typed (not yet checked).
fn typed_form(form: &EditorForm) -> ProblemForm {
    let kind = ProblemType::parse(form.get("ptype")).unwrap_or(ProblemType::MultipleChoice);
    let mut f = ProblemForm::template(kind);
    f.choices = (0..)
        .take_while(|i| form.has(&format!("choice_{i}_text")))
        .map(|i| FormChoice {
            text: form.get(&format!("choice_{i}_text")).to_owned(),
            correct: form.checked(&format!("choice_{i}_correct")),
            hint: form.get(&format!("choice_{i}_hint")).to_owned(),
        })
        .collect();
    f.question = form.get("question").to_owned();
    f.description = form.get("description").to_owned();
    f.answer = form.get("answer").to_owned();
    f.additional_answers = form
        .get("additional")
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    f.case_insensitive = form.checked("ci");
    f.tolerance = form.get("tolerance").to_owned();
    f.explanation = form.get("explanation").to_owned();
    f
}

pub fn fields(content: &Value) -> EditorForm {
    let mut out = EditorForm::default();
    let olx = content.get("olx").and_then(Value::as_str).unwrap_or("");
    out.set("olx", olx);
    match ProblemForm::from_olx(olx) {
        Some(f) => put_form(&f, &mut out),
        None => out.set("mode", "advanced"),
    }
    let num = |k: &str| match content.get(k) {
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    out.set("weight", &num("weight"));
    out.set("max_attempts", &num("max_attempts"));
    out.set(
        "showanswer",
        content
            .get("showanswer")
            .and_then(Value::as_str)
            .unwrap_or("finished"),
    );
    out.set(
        "rerandomize",
        content
            .get("rerandomize")
            .and_then(Value::as_str)
            .unwrap_or("never"),
    );
    if content.get("show_reset_button") == Some(&Value::Bool(true)) {
        out.set("show_reset_button", "on");
    }
    out
}

/// The problem's content from the editor: its OLX (from the form, or as written) and its
/// settings; what the editor does not show (due date, grading method…) is kept.
pub fn read(form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let olx = if form.get("mode") == "advanced" {
        let olx = form.get("olx").replace("\r\n", "\n");
        if let Err(e) = check_olx(&olx) {
            errors.push(FieldError::at("olx", e.error, e.line));
        }
        olx
    } else {
        match typed_form(form).clean() {
            Ok(f) => f.to_olx(),
            Err(faults) => {
                errors.extend(
                    faults
                        .into_iter()
                        .map(|f| FieldError::at(&f.field, f.error, None)),
                );
                String::new()
            }
        }
    };
    let mut out = match old {
        Value::Object(_) => old.clone(),
        _ => json!({}),
    };
    out["olx"] = Value::String(olx);
    match form.get("weight").trim() {
        "" => {
            out.as_object_mut().map(|o| o.remove("weight"));
        }
        w => match w.replace(',', ".").parse::<f64>() {
            Ok(_) => match limits::decimal(w, 0.0, range::WEIGHT) {
                Ok(v) => out["weight"] = json!(v),
                Err(e) => errors.push(FieldError::at("weight", e, None)),
            },
            Err(_) => errors.push(FieldError::at(
                "weight",
                DomainError::new("lyceum-error-problem-weight"),
                None,
            )),
        },
    }
    match form.get("max_attempts").trim() {
        "" => {
            out.as_object_mut().map(|o| o.remove("max_attempts"));
        }
        n => match limits::whole(n, 1, range::ATTEMPTS) {
            Ok(v) => out["max_attempts"] = json!(v),
            Err(e) => errors.push(FieldError::at("max_attempts", e, None)),
        },
    }
    let showanswer = form.get("showanswer");
    let known = SHOW_ANSWER.iter().any(|(v, _)| *v == showanswer)
        || old.get("showanswer").and_then(Value::as_str) == Some(showanswer);
    if known && !showanswer.is_empty() {
        out["showanswer"] = json!(showanswer);
    }
    let rerandomize = form.get("rerandomize");
    if RERANDOMIZE.iter().any(|(v, _)| *v == rerandomize)
        || old.get("rerandomize").and_then(Value::as_str) == Some(rerandomize)
    {
        if rerandomize == "never" {
            out.as_object_mut().map(|o| o.remove("rerandomize"));
        } else if !rerandomize.is_empty() {
            out["rerandomize"] = json!(rerandomize);
        }
    }
    out["show_reset_button"] = json!(form.checked("show_reset_button"));
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// "Edit as OLX", "Back to the form" and "Change type".
pub fn step(form: EditorForm, action: &str) -> (EditorForm, FieldErrors) {
    let mut form = form;
    match action {
        "to_advanced" => {
            let f = typed_form(&form);
            let olx = match f.clone().clean() {
                Ok(clean) => clean.to_olx(),
                // Write what there is: the author fixes it in the OLX.
                Err(_) => f.to_olx(),
            };
            form.set("olx", &olx);
            form.set("mode", "advanced");
            (form, Vec::new())
        }
        "to_form" => match ProblemForm::from_olx(form.get("olx")) {
            Some(f) => {
                put_form(&f, &mut form);
                (form, Vec::new())
            }
            None => (
                form,
                vec![FieldError::at(
                    "olx",
                    DomainError::new("lyceum-editor-problem-not-a-form"),
                    None,
                )],
            ),
        },
        "retype" => {
            // A choice type needs choices: start the rows the type shows.
            let kind = ProblemType::parse(form.get("ptype")).unwrap_or(ProblemType::MultipleChoice);
            if kind.has_choices() && !form.has("choice_0_text") {
                for i in 0..3 {
                    form.set(&format!("choice_{i}_text"), "");
                }
            }
            (form, Vec::new())
        }
        _ => (form, Vec::new()),
    }
}

pub struct ChoiceRow {
    pub i: usize,
    pub text: String,
    pub hint: String,
    pub correct: bool,
}

/// Lines of the OLX around a fault, numbered, the faulty one marked.
pub struct ListingLine {
    pub number: u32,
    pub text: String,
    pub fault: bool,
}

#[derive(Template)]
#[template(path = "editors/kinds/problem.html")]
struct ProblemEditor<'a> {
    cx: &'a EditorCtx<'a>,
    f: &'a EditorForm,
    advanced: bool,
    ptype: &'a str,
    choice_type: bool,
    types: [(&'static str, &'static str); 5],
    rows: Vec<ChoiceRow>,
    listing: Vec<ListingLine>,
    show_answer: Vec<(String, String)>,
    rerandomize: Vec<(String, String)>,
}

fn options(
    p: &Page,
    known: &[(&'static str, &'static str)],
    current: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = known
        .iter()
        .map(|(v, k)| ((*v).to_owned(), p.text(k)))
        .collect();
    // A value imported from Open edX that the list does not offer stays selectable.
    if !current.is_empty() && !known.iter().any(|(v, _)| *v == current) {
        out.push((current.to_owned(), current.to_owned()));
    }
    out
}

pub fn render(cx: &EditorCtx<'_>, f: &EditorForm) -> askama::Result<String> {
    let advanced = f.get("mode") == "advanced";
    let ptype = ProblemType::parse(f.get("ptype")).unwrap_or(ProblemType::MultipleChoice);
    let mut rows: Vec<ChoiceRow> = (0..)
        .take_while(|i| f.has(&format!("choice_{i}_text")))
        .map(|i| ChoiceRow {
            i,
            text: f.get(&format!("choice_{i}_text")).to_owned(),
            hint: f.get(&format!("choice_{i}_hint")).to_owned(),
            correct: f.checked(&format!("choice_{i}_correct")),
        })
        .collect();
    for _ in 0..SPARE_ROWS {
        let i = rows.len();
        rows.push(ChoiceRow {
            i,
            text: String::new(),
            hint: String::new(),
            correct: false,
        });
    }
    let listing = match cx.error_line("olx") {
        Some(line) if advanced => f
            .get("olx")
            .lines()
            .enumerate()
            .map(|(n, t)| (n as u32 + 1, t))
            .filter(|(n, _)| n.abs_diff(line) <= 2)
            .map(|(number, text)| ListingLine {
                number,
                text: text.to_owned(),
                fault: number == line,
            })
            .collect(),
        _ => Vec::new(),
    };
    ProblemEditor {
        cx,
        f,
        advanced,
        ptype: ptype.name(),
        choice_type: ptype.has_choices(),
        types: TYPES,
        rows,
        listing,
        show_answer: options(cx.p, &SHOW_ANSWER, f.get("showanswer")),
        rerandomize: options(cx.p, &RERANDOMIZE, f.get("rerandomize")),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_the_editor_fields() {
        for (name, _) in TYPES {
            let mut f = ProblemForm::template(ProblemType::parse(name).unwrap());
            f.question = "Q?".into();
            for (i, c) in f.choices.iter_mut().enumerate() {
                c.text = format!("choice {i}");
                c.hint = if i == 1 { "why".into() } else { String::new() };
            }
            if !f.kind.has_choices() {
                f.answer = "12".into();
            }
            let content =
                json!({ "olx": f.to_olx(), "weight": 2.0, "due": "2030-01-01T00:00:00Z" });
            let fields = fields(&content);
            assert_eq!(fields.get("mode"), "form", "{name}");
            assert_eq!(fields.get("ptype"), name);
            let back = read(&fields, &content).unwrap();
            assert_eq!(back["olx"], content["olx"], "{name}");
            assert_eq!(back["weight"], json!(2.0));
            assert_eq!(back["due"], content["due"], "unshown settings are kept");
        }
    }

    #[test]
    fn bad_olx_names_its_line_and_other_shapes_open_as_olx() {
        let content = json!({ "olx": "<problem>\n<p>Intro</p>\n<numericalresponse>\n<formulaequationinput/>\n</numericalresponse>\n</problem>" });
        let f = fields(&content);
        assert_eq!(f.get("mode"), "advanced");
        let e = read(&f, &content).unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].line), ("olx", Some(3)));
        let (_, e) = step(f, "to_form");
        assert_eq!(e[0].error.key.0, "lyceum-editor-problem-not-a-form");
    }
}
