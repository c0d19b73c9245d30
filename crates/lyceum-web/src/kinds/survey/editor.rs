//! The survey's form editor: the questions (ids kept, so stored answers still match),
//! their type, text, choices one per line, whether they are required and a Likert
//! scale's points; adding, removing and moving questions are steps of the form (submit
//! buttons that re-render it, so they work without script); anonymity, whether answers
//! stay editable after submitting, the closing date (UTC) and the paired "before" survey.

use crate::kinds::{EditorCtx, EditorForm, FieldError, FieldErrors};
use askama::Template;
use lyceum_core::DomainError;
use lyceum_core::blocks::BlockKind;
use lyceum_core::blocks::survey::{
    CHOICE_LABEL, Choice, MAX_QUESTIONS, QUESTION_TEXT, Question, QuestionType, Survey,
    SurveyContent,
};
use lyceum_core::limits;
use serde_json::Value;
use std::collections::HashSet;

/// Every question type, in the order the select shows them.
const TYPES: [QuestionType; 6] = [
    QuestionType::SingleChoice,
    QuestionType::MultipleChoice,
    QuestionType::Likert,
    QuestionType::Rating,
    QuestionType::ShortText,
    QuestionType::LongText,
];

/// The fields of one question of the form.
const QUESTION_FIELDS: [&str; 6] = ["id", "type", "text", "choices", "required", "points"];

/// One question as the form holds it.
#[derive(Clone, Debug, Default)]
pub(super) struct Row {
    id: String,
    kind: String,
    text: String,
    choices: String,
    required: bool,
    points: String,
}

fn type_label(t: &QuestionType) -> String {
    // Written out, so the message checker sees every key.
    match t {
        QuestionType::SingleChoice => "lyceum-editor-survey-type-single-choice",
        QuestionType::MultipleChoice => "lyceum-editor-survey-type-multiple-choice",
        QuestionType::Likert => "lyceum-editor-survey-type-likert",
        QuestionType::Rating => "lyceum-editor-survey-type-rating",
        QuestionType::ShortText => "lyceum-editor-survey-type-short-text",
        QuestionType::LongText => "lyceum-editor-survey-type-long-text",
    }
    .to_owned()
}

fn parse_type(s: &str) -> Option<QuestionType> {
    serde_json::from_value(Value::String(s.to_owned())).ok()
}

fn count(form: &EditorForm) -> usize {
    form.get("questions")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_QUESTIONS + 1)
}

fn rows(form: &EditorForm) -> Vec<Row> {
    (0..count(form))
        .map(|i| Row {
            id: form.get(&format!("q{i}_id")).trim().to_owned(),
            kind: form.get(&format!("q{i}_type")).to_owned(),
            text: form.get(&format!("q{i}_text")).to_owned(),
            choices: form.get(&format!("q{i}_choices")).to_owned(),
            required: form.checked(&format!("q{i}_required")),
            points: form.get(&format!("q{i}_points")).to_owned(),
        })
        .collect()
}

fn put_rows(form: &mut EditorForm, rows: &[Row]) {
    for i in 0..count(form) {
        for f in QUESTION_FIELDS {
            form.remove(&format!("q{i}_{f}"));
        }
    }
    for (i, r) in rows.iter().enumerate() {
        form.set(&format!("q{i}_id"), &r.id);
        form.set(&format!("q{i}_type"), &r.kind);
        form.set(&format!("q{i}_text"), &r.text);
        form.set(&format!("q{i}_choices"), &r.choices);
        if r.required {
            form.set(&format!("q{i}_required"), "on");
        }
        form.set(&format!("q{i}_points"), &r.points);
    }
    form.set("questions", &rows.len().to_string());
}

/// The form's fields for stored authoring content.
pub(super) fn fields(content: &Value) -> EditorForm {
    let c: SurveyContent = serde_json::from_value(content.clone()).unwrap_or_default();
    let mut f = EditorForm::default();
    f.set("intro", &c.intro);
    f.set("thanks", &c.thanks);
    if c.anonymous {
        f.set("anonymous", "on");
    }
    if !c.final_on_submit {
        f.set("editable", "on");
    }
    f.set(
        "closes",
        &c.closes.map_or(String::new(), |t| {
            t.to_zoned(jiff::tz::TimeZone::UTC)
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        }),
    );
    f.set("before", c.before.as_deref().unwrap_or(""));
    let rows: Vec<Row> = c
        .questions
        .iter()
        .map(|q| Row {
            id: q.id.clone(),
            kind: q.kind.as_str().to_owned(),
            text: q.text.clone(),
            choices: q
                .choices
                .iter()
                .map(|c| c.label.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            required: q.required,
            points: q.points.map_or(String::new(), |p| p.to_string()),
        })
        .collect();
    put_rows(&mut f, &rows);
    f
}

/// A question id not used yet: `q1`, `q2`…
fn fresh_id(prefix: &str, used: &HashSet<String>) -> String {
    (1..)
        .map(|k| format!("{prefix}{k}"))
        .find(|id| !used.contains(id))
        .unwrap_or_default()
}

/// Adding, removing or moving a question.
pub(super) fn step(mut form: EditorForm, action: &str) -> (EditorForm, FieldErrors) {
    let mut list = rows(&form);
    let at = |p: &str| {
        action
            .strip_prefix(p)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&i| i < list.len())
    };
    if action == "add_question" {
        if list.len() < MAX_QUESTIONS {
            let used: HashSet<String> = list.iter().map(|r| r.id.clone()).collect();
            list.push(Row {
                id: fresh_id("q", &used),
                kind: QuestionType::ShortText.as_str().to_owned(),
                ..Row::default()
            });
        }
    } else if let Some(i) = at("remove_") {
        list.remove(i);
    } else if let Some(i) = at("up_").filter(|&i| i > 0) {
        list.swap(i, i - 1);
    } else if let Some(i) = at("down_").filter(|&i| i + 1 < list.len()) {
        list.swap(i, i + 1);
    }
    put_rows(&mut form, &list);
    (form, Vec::new())
}

/// The survey from the form, with faults by field. `old` keeps what the form does not
/// show (opening date, credit, images, the OLX origin) and the choices' ids.
pub(super) fn read(form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
    let old: SurveyContent = serde_json::from_value(old.clone()).unwrap_or_default();
    let mut out = old.clone();
    let mut errors = Vec::new();
    let mut text = |name: &str, limit| match limits::clean(form.get(name), limit) {
        Ok(v) => v.trim().to_owned(),
        Err(e) => {
            errors.push(FieldError::at(name, e, None));
            String::new()
        }
    };
    out.intro = text("intro", QUESTION_TEXT);
    out.thanks = text("thanks", QUESTION_TEXT);
    let before = text("before", limits::TITLE);
    out.before = (!before.is_empty()).then_some(before);
    out.anonymous = form.checked("anonymous");
    out.final_on_submit = !form.checked("editable");
    out.closes = None;
    let closes = form.get("closes").trim();
    if !closes.is_empty() {
        match closes
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        {
            Some(z) => out.closes = Some(z.timestamp()),
            None => errors.push(FieldError::at(
                "closes",
                DomainError::new("lyceum-editor-survey-bad-date"),
                None,
            )),
        }
    }
    let list = rows(form);
    if list.is_empty() {
        errors.push(FieldError::at(
            "",
            DomainError::new("lyceum-error-survey-no-questions"),
            None,
        ));
    }
    out.questions = Vec::new();
    let used_ids: HashSet<String> = list.iter().map(|r| r.id.clone()).collect();
    let mut seen = HashSet::new();
    for (i, r) in list.iter().enumerate() {
        let field = |f: &str| format!("q{i}_{f}");
        let id = if r.id.is_empty() || !seen.insert(r.id.clone()) {
            // A row without an id (or a copy): a new question.
            let mut all = used_ids.clone();
            all.extend(seen.iter().cloned());
            let id = fresh_id("q", &all);
            seen.insert(id.clone());
            id
        } else {
            r.id.clone()
        };
        let was = old.questions.iter().find(|q| q.id == id);
        let Some(kind) = parse_type(&r.kind) else {
            errors.push(FieldError::at(
                &field("type"),
                DomainError::new("lyceum-editor-survey-bad-type"),
                None,
            ));
            continue;
        };
        let qtext = match limits::clean(&r.text, QUESTION_TEXT) {
            Ok(t) if t.trim().is_empty() => {
                errors.push(FieldError::at(
                    &field("text"),
                    DomainError::new("lyceum-error-survey-question-text").with_arg(&id),
                    None,
                ));
                String::new()
            }
            Ok(t) => t.trim().to_owned(),
            Err(e) => {
                errors.push(FieldError::at(&field("text"), e, None));
                String::new()
            }
        };
        let mut q = Question::new(id.clone(), kind, qtext);
        q.required = r.required;
        if let Some(w) = was {
            q.img = w.img.clone();
            q.img_alt = w.img_alt.clone();
        }
        if kind.is_choice() {
            let old_choices: &[Choice] = was.map_or(&[], |w| w.choices.as_slice());
            let old_ids: HashSet<String> = old_choices.iter().map(|c| c.id.clone()).collect();
            let mut taken: HashSet<String> = HashSet::new();
            for line in r.choices.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let label = match limits::clean(line, CHOICE_LABEL) {
                    Ok(l) => l,
                    Err(e) => {
                        errors.push(FieldError::at(&field("choices"), e, None));
                        break;
                    }
                };
                // A choice keeps its id while its label stays, so answers still match.
                let choice = match old_choices
                    .iter()
                    .find(|c| c.label == label && !taken.contains(&c.id))
                {
                    Some(c) => c.clone(),
                    None => {
                        let mut all = old_ids.clone();
                        all.extend(taken.iter().cloned());
                        Choice::new(fresh_id("c", &all), label)
                    }
                };
                taken.insert(choice.id.clone());
                q.choices.push(choice);
            }
            if q.choices.len() < 2 || q.choices.len() > lyceum_core::blocks::survey::MAX_CHOICES {
                errors.push(FieldError::at(
                    &field("choices"),
                    DomainError::new("lyceum-error-survey-choices").with_arg(&id),
                    None,
                ));
            }
        }
        if kind == QuestionType::Likert {
            q.points = Some(if r.points.trim() == "7" { 7 } else { 5 });
        }
        out.questions.push(q);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match Survey::validate(out) {
        Ok(c) => Ok(serde_json::to_value(c).unwrap_or_default()),
        Err(e) => Err(vec![FieldError::at("", e, None)]),
    }
}

/// One question as the template shows it.
struct View<'a> {
    i: usize,
    n: usize,
    id: &'a str,
    kind: &'a str,
    text: &'a str,
    choices: &'a str,
    required: bool,
    points: &'a str,
}

#[derive(Template)]
#[template(path = "editors/kinds/survey.html")]
struct SurveyEditor<'a> {
    cx: &'a EditorCtx<'a>,
    form: &'a EditorForm,
    questions: Vec<View<'a>>,
    types: Vec<(&'static str, String)>,
}

pub(super) fn render(cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
    let n = count(form);
    let questions = (0..n)
        .map(|i| View {
            i,
            n,
            id: form.get(&format!("q{i}_id")),
            kind: form.get(&format!("q{i}_type")),
            text: form.get(&format!("q{i}_text")),
            choices: form.get(&format!("q{i}_choices")),
            required: form.checked(&format!("q{i}_required")),
            points: form.get(&format!("q{i}_points")),
        })
        .collect();
    SurveyEditor {
        cx,
        form,
        questions,
        types: TYPES.iter().map(|t| (t.as_str(), type_label(t))).collect(),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        serde_json::json!({"questions": [
            {"id": "role", "type": "single_choice", "text": "Your role?", "required": true,
             "choices": [{"id": "lib", "label": "Librarian"}, {"id": "ed", "label": "Editor"}]},
            {"id": "agree", "type": "likert", "text": "I agree", "points": 7}
        ], "anonymous": true})
    }

    #[test]
    fn the_form_reads_back_what_it_shows_and_keeps_choice_ids() {
        let old = sample();
        let mut f = fields(&old);
        f.set("q0_choices", "Editor\nTeacher\nLibrarian");
        let c: SurveyContent = serde_json::from_value(read(&f, &old).unwrap()).unwrap();
        let ids: Vec<&str> = c.questions[0]
            .choices
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, ["ed", "c1", "lib"]);
        assert_eq!(c.questions[1].points, Some(7));
        assert!(c.anonymous);
        assert!(!c.final_on_submit);
    }

    #[test]
    fn steps_add_move_and_remove_questions_with_their_ids() {
        let (f, _) = step(fields(&sample()), "add_question");
        assert_eq!(f.get("q2_id"), "q1");
        let (f, _) = step(f, "up_2");
        assert_eq!(f.get("q1_id"), "q1");
        assert_eq!(f.get("q2_id"), "agree");
        let (f, _) = step(f, "remove_0");
        assert_eq!(f.get("questions"), "2");
        assert_eq!(f.get("q0_id"), "q1");
    }

    #[test]
    fn faults_name_their_field() {
        let old = sample();
        let mut f = fields(&old);
        f.set("q1_text", "  ");
        f.set("closes", "tomorrow");
        let errors = read(&f, &old).unwrap_err();
        let at: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(at, ["closes", "q1_text"]);
    }
}
