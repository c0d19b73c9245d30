//! The problem editor's form: the five common problem types as Studio's simple editor
//! offers them (multiple choice, checkboxes, dropdown, text input, numerical input),
//! written as clean OLX (spec olx-and-capa.md §2.3–2.7) and read back when a problem has
//! exactly that shape — anything else opens in the OLX editor, so nothing an author wrote
//! by hand is lost by a form that cannot show it. And the OLX editor's checks, which
//! point at the line of the fault: XML syntax (roxmltree's position), the structure an
//! author most often gets wrong (a choice group with no correct choice, a numerical
//! response without its answer…), then capa's own load-time checks.

use super::xml::{escape_attr, escape_text};
use crate::error::DomainError;
use crate::limits::{self, TextLimit};

/// A question the form editor writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemType {
    MultipleChoice,
    Checkboxes,
    Dropdown,
    TextInput,
    Numerical,
}

impl ProblemType {
    pub const ALL: [ProblemType; 5] = [
        ProblemType::MultipleChoice,
        ProblemType::Checkboxes,
        ProblemType::Dropdown,
        ProblemType::TextInput,
        ProblemType::Numerical,
    ];

    /// The name forms and URLs use.
    pub fn name(self) -> &'static str {
        match self {
            ProblemType::MultipleChoice => "multiple_choice",
            ProblemType::Checkboxes => "checkboxes",
            ProblemType::Dropdown => "dropdown",
            ProblemType::TextInput => "text_input",
            ProblemType::Numerical => "numerical",
        }
    }

    pub fn parse(name: &str) -> Option<ProblemType> {
        ProblemType::ALL.into_iter().find(|t| t.name() == name)
    }

    fn tag(self) -> &'static str {
        match self {
            ProblemType::MultipleChoice => "multiplechoiceresponse",
            ProblemType::Checkboxes => "choiceresponse",
            ProblemType::Dropdown => "optionresponse",
            ProblemType::TextInput => "stringresponse",
            ProblemType::Numerical => "numericalresponse",
        }
    }

    /// Whether the question offers choices (else it has a typed answer).
    pub fn has_choices(self) -> bool {
        matches!(
            self,
            ProblemType::MultipleChoice | ProblemType::Checkboxes | ProblemType::Dropdown
        )
    }

    /// Whether exactly one choice is correct (else any number, at least one).
    pub fn single_answer(self) -> bool {
        matches!(self, ProblemType::MultipleChoice | ProblemType::Dropdown)
    }
}

/// One choice of a choice question, with the hint a learner sees after choosing it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormChoice {
    pub text: String,
    pub correct: bool,
    pub hint: String,
}

/// A problem as the form editor shows it. Texts are plain text (escaped in the OLX).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemForm {
    pub kind: ProblemType,
    /// The question (the response's `<label>`).
    pub question: String,
    /// Help under the question (`<description>`), optional.
    pub description: String,
    /// Choice questions: the choices in order.
    pub choices: Vec<FormChoice>,
    /// Text and numerical input: the answer.
    pub answer: String,
    /// Text input: other accepted answers.
    pub additional_answers: Vec<String>,
    /// Text input: accept any letter case.
    pub case_insensitive: bool,
    /// Numerical input: `0.1` (absolute) or `5%` (relative); empty = capa's default.
    pub tolerance: String,
    /// The explanation shown with the answer (`<solution>`), paragraphs separated by a
    /// blank line.
    pub explanation: String,
}

/// Longest choice, answer or hint (one line each).
const CHOICE: TextLimit = limits::ALT_TEXT;
/// Longest question, description or explanation.
const QUESTION: TextLimit = limits::RUBRIC_TEXT;
/// Most choices a question offers.
pub const MAX_CHOICES: usize = 50;

/// A fault in one field of the form: its name (`question`, `choices`, `choice_3`,
/// `answer`, `tolerance`, `explanation`) and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub error: DomainError,
}

impl ProblemForm {
    /// A new question of `kind` with empty texts (the editor fills in words in the
    /// author's language): three choices, the first one correct.
    pub fn template(kind: ProblemType) -> ProblemForm {
        let choices = if kind.has_choices() {
            (0..3)
                .map(|i| FormChoice {
                    correct: i == 0,
                    ..FormChoice::default()
                })
                .collect()
        } else {
            Vec::new()
        };
        ProblemForm {
            kind,
            question: String::new(),
            description: String::new(),
            choices,
            answer: String::new(),
            additional_answers: Vec::new(),
            case_insensitive: kind == ProblemType::TextInput,
            tolerance: String::new(),
            explanation: String::new(),
        }
    }

    /// Normalise the texts (limits, hostile characters, surrounding space), drop empty
    /// choice rows, and check the question makes sense: every fault, by field.
    pub fn clean(mut self) -> Result<ProblemForm, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fix =
            |field: &str, text: &mut String, limit: TextLimit| match limits::clean(text, limit) {
                Ok(t) => *text = t.trim().to_owned(),
                Err(e) => errors.push(FieldError {
                    field: field.to_owned(),
                    error: e,
                }),
            };
        fix("question", &mut self.question, QUESTION);
        fix("description", &mut self.description, QUESTION);
        fix("explanation", &mut self.explanation, QUESTION);
        fix("answer", &mut self.answer, CHOICE);
        fix("tolerance", &mut self.tolerance, limits::SHORT_LABEL);
        for (i, c) in self.choices.iter_mut().enumerate() {
            fix(&format!("choice_{i}"), &mut c.text, CHOICE);
            fix(&format!("choice_{i}_hint"), &mut c.hint, CHOICE);
        }
        for a in &mut self.additional_answers {
            fix("additional_answers", a, CHOICE);
        }
        self.choices.retain(|c| !c.text.is_empty());
        self.additional_answers.retain(|a| !a.is_empty());
        let fault = |errors: &mut Vec<FieldError>, field: &str, key: &'static str| {
            errors.push(FieldError {
                field: field.to_owned(),
                error: DomainError::new(key),
            })
        };
        if self.question.is_empty() {
            fault(
                &mut errors,
                "question",
                "lyceum-editor-problem-question-required",
            );
        }
        if self.kind.has_choices() {
            let correct = self.choices.iter().filter(|c| c.correct).count();
            if self.choices.len() < 2 {
                fault(&mut errors, "choices", "lyceum-editor-problem-two-choices");
            } else if self.choices.len() > MAX_CHOICES {
                errors.push(FieldError {
                    field: "choices".into(),
                    error: limits::out_of_range(
                        &self.choices.len().to_string(),
                        "2",
                        &MAX_CHOICES.to_string(),
                    ),
                });
            } else if self.kind.single_answer() && correct != 1 {
                fault(&mut errors, "choices", "lyceum-editor-problem-one-correct");
            } else if correct == 0 {
                fault(&mut errors, "choices", "lyceum-editor-problem-some-correct");
            }
            if self.kind == ProblemType::Dropdown {
                let mut seen = std::collections::HashSet::new();
                if self.choices.iter().any(|c| !seen.insert(c.text.as_str())) {
                    fault(&mut errors, "choices", "lyceum-editor-problem-same-option");
                }
            }
        } else if self.answer.is_empty() {
            fault(
                &mut errors,
                "answer",
                "lyceum-editor-problem-answer-required",
            );
        }
        if self.kind == ProblemType::Numerical {
            if !self.answer.is_empty() && self.answer.replace(',', ".").parse::<f64>().is_err() {
                fault(&mut errors, "answer", "lyceum-editor-problem-number");
            } else {
                self.answer = self.answer.replace(',', ".");
            }
            let t = self.tolerance.trim_end_matches('%').replace(',', ".");
            if !self.tolerance.is_empty() && t.parse::<f64>().map_or(true, |v| v < 0.0) {
                fault(
                    &mut errors,
                    "tolerance",
                    "lyceum-editor-problem-tolerance-invalid",
                );
            } else {
                self.tolerance = self.tolerance.replace(',', ".");
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// The problem as OLX: one response of the form's type, indented so that every
    /// element starts its own line (diffs and error lines stay readable).
    pub fn to_olx(&self) -> String {
        let mut o = String::from("<problem>\n");
        let tag = self.kind.tag();
        o.push_str("  <");
        o.push_str(tag);
        match self.kind {
            ProblemType::TextInput => {
                attr(&mut o, "answer", &self.answer);
                if self.case_insensitive {
                    attr(&mut o, "type", "ci");
                }
            }
            ProblemType::Numerical => attr(&mut o, "answer", &self.answer),
            _ => {}
        }
        o.push_str(">\n");
        element(&mut o, 4, "label", &self.question);
        if !self.description.is_empty() {
            element(&mut o, 4, "description", &self.description);
        }
        match self.kind {
            ProblemType::MultipleChoice | ProblemType::Checkboxes => {
                let (group, hint_open) = if self.kind == ProblemType::MultipleChoice {
                    (r#"choicegroup type="MultipleChoice""#, "<choicehint>")
                } else {
                    ("checkboxgroup", r#"<choicehint selected="true">"#)
                };
                o.push_str(&format!("    <{group}>\n"));
                for c in &self.choices {
                    o.push_str(&format!(r#"      <choice correct="{}">"#, c.correct));
                    escape_text(&c.text, &mut o);
                    if !c.hint.is_empty() {
                        o.push_str(hint_open);
                        escape_text(&c.hint, &mut o);
                        o.push_str("</choicehint>");
                    }
                    o.push_str("</choice>\n");
                }
                let close = group.split(' ').next().unwrap_or(group);
                o.push_str(&format!("    </{close}>\n"));
            }
            ProblemType::Dropdown => {
                o.push_str("    <optioninput>\n");
                for c in &self.choices {
                    o.push_str(&format!(
                        r#"      <option correct="{}">"#,
                        if c.correct { "True" } else { "False" }
                    ));
                    escape_text(&c.text, &mut o);
                    if !c.hint.is_empty() {
                        o.push_str("<optionhint>");
                        escape_text(&c.hint, &mut o);
                        o.push_str("</optionhint>");
                    }
                    o.push_str("</option>\n");
                }
                o.push_str("    </optioninput>\n");
            }
            ProblemType::TextInput => {
                for a in &self.additional_answers {
                    o.push_str("    <additional_answer");
                    attr(&mut o, "answer", a);
                    o.push_str("/>\n");
                }
                o.push_str("    <textline size=\"20\"/>\n");
            }
            ProblemType::Numerical => {
                if !self.tolerance.is_empty() {
                    o.push_str("    <responseparam type=\"tolerance\"");
                    attr(&mut o, "default", &self.tolerance);
                    o.push_str("/>\n");
                }
                o.push_str("    <formulaequationinput/>\n");
            }
        }
        let paragraphs = paragraphs(&self.explanation);
        if !paragraphs.is_empty() {
            o.push_str("    <solution>\n      <div class=\"detailed-solution\">\n");
            for p in paragraphs {
                element(&mut o, 8, "p", &p);
            }
            o.push_str("      </div>\n    </solution>\n");
        }
        o.push_str("  </");
        o.push_str(tag);
        o.push_str(">\n</problem>");
        o
    }

    /// The form for a problem written in the form's shape (as [`to_olx`](Self::to_olx)
    /// writes it, whatever the spacing); `None` for anything else, which the OLX editor
    /// shows instead.
    pub fn from_olx(xml: &str) -> Option<ProblemForm> {
        let doc = roxmltree::Document::parse_with_options(
            xml,
            roxmltree::ParsingOptions {
                allow_dtd: false,
                nodes_limit: 10_000,
                ..Default::default()
            },
        )
        .ok()?;
        let root = doc.root_element();
        if root.tag_name().name() != "problem" || root.attributes().len() != 0 {
            return None;
        }
        let [response] = elements(root)?[..] else {
            return None;
        };
        let kind = ProblemType::ALL
            .into_iter()
            .find(|t| t.tag() == response.tag_name().name())?;
        let mut form = ProblemForm::template(kind);
        form.choices.clear();
        form.case_insensitive = false;
        let allowed: &[&str] = match kind {
            ProblemType::TextInput => &["answer", "type"],
            ProblemType::Numerical => &["answer"],
            _ => &[],
        };
        for a in response.attributes() {
            if !allowed.contains(&a.name()) {
                return None;
            }
        }
        if kind == ProblemType::TextInput {
            match response.attribute("type") {
                None => {}
                Some("ci") => form.case_insensitive = true,
                Some(_) => return None,
            }
        }
        if matches!(kind, ProblemType::TextInput | ProblemType::Numerical) {
            form.answer = response.attribute("answer")?.to_owned();
        }
        let children = elements(response)?;
        let mut rest = children.as_slice();
        fn take<'a, 'i>(
            rest: &mut &[roxmltree::Node<'a, 'i>],
            name: &str,
        ) -> Option<roxmltree::Node<'a, 'i>> {
            match rest.first() {
                Some(n) if n.tag_name().name() == name => {
                    let n = *n;
                    *rest = &rest[1..];
                    Some(n)
                }
                _ => None,
            }
        }
        form.question = plain_text(take(&mut rest, "label")?)?;
        if let Some(d) = take(&mut rest, "description") {
            form.description = plain_text(d)?;
        }
        match kind {
            ProblemType::MultipleChoice | ProblemType::Checkboxes => {
                let (group, hint_attrs): (&str, &[(&str, &str)]) =
                    if kind == ProblemType::MultipleChoice {
                        ("choicegroup", &[])
                    } else {
                        ("checkboxgroup", &[("selected", "true")])
                    };
                let g = take(&mut rest, group)?;
                let expected_attrs: &[(&str, &str)] = if kind == ProblemType::MultipleChoice {
                    &[("type", "MultipleChoice")]
                } else {
                    &[]
                };
                if !has_attrs(g, expected_attrs) {
                    return None;
                }
                for c in elements(g)? {
                    if c.tag_name().name() != "choice" || c.attributes().len() != 1 {
                        return None;
                    }
                    let correct = match c.attribute("correct")? {
                        "true" => true,
                        "false" => false,
                        _ => return None,
                    };
                    let (text, hint) = text_and_hint(c, "choicehint", hint_attrs)?;
                    form.choices.push(FormChoice {
                        text,
                        correct,
                        hint,
                    });
                }
            }
            ProblemType::Dropdown => {
                let g = take(&mut rest, "optioninput")?;
                if g.attributes().len() != 0 {
                    return None;
                }
                for c in elements(g)? {
                    if c.tag_name().name() != "option" || c.attributes().len() != 1 {
                        return None;
                    }
                    let correct = match c.attribute("correct")? {
                        "True" | "true" => true,
                        "False" | "false" => false,
                        _ => return None,
                    };
                    let (text, hint) = text_and_hint(c, "optionhint", &[])?;
                    form.choices.push(FormChoice {
                        text,
                        correct,
                        hint,
                    });
                }
            }
            ProblemType::TextInput => {
                while let Some(a) = take(&mut rest, "additional_answer") {
                    if a.attributes().len() != 1 || !elements(a)?.is_empty() {
                        return None;
                    }
                    form.additional_answers
                        .push(a.attribute("answer")?.to_owned());
                }
                let t = take(&mut rest, "textline")?;
                if t.attributes().any(|a| a.name() != "size") || !elements(t)?.is_empty() {
                    return None;
                }
            }
            ProblemType::Numerical => {
                if let Some(p) = take(&mut rest, "responseparam") {
                    if p.attribute("type") != Some("tolerance") || p.attributes().len() != 2 {
                        return None;
                    }
                    form.tolerance = p.attribute("default")?.to_owned();
                }
                let input = take(&mut rest, "formulaequationinput")
                    .or_else(|| take(&mut rest, "textline"))?;
                if input.attributes().any(|a| a.name() != "size") || !elements(input)?.is_empty() {
                    return None;
                }
            }
        }
        if let Some(s) = take(&mut rest, "solution") {
            let [div] = elements(s)?[..] else {
                return None;
            };
            if div.tag_name().name() != "div" || !has_attrs(div, &[("class", "detailed-solution")])
            {
                return None;
            }
            let mut paras = Vec::new();
            for p in elements(div)? {
                if p.tag_name().name() != "p" || p.attributes().len() != 0 {
                    return None;
                }
                paras.push(plain_text(p)?);
            }
            form.explanation = paras.join("\n\n");
        }
        rest.is_empty().then_some(form)
    }
}

fn attr(o: &mut String, name: &str, value: &str) {
    o.push(' ');
    o.push_str(name);
    o.push_str("=\"");
    // A newline in an attribute would be read back as a space.
    escape_attr(&value.replace(['\n', '\r'], " "), o);
    o.push('"');
}

fn element(o: &mut String, indent: usize, name: &str, text: &str) {
    o.push_str(&" ".repeat(indent));
    o.push('<');
    o.push_str(name);
    o.push('>');
    escape_text(text, o);
    o.push_str("</");
    o.push_str(name);
    o.push_str(">\n");
}

/// Paragraphs separated by blank lines, each trimmed.
fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The child elements of `node`, if everything else in it is blank text.
fn elements<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> Option<Vec<roxmltree::Node<'a, 'i>>> {
    let mut out = Vec::new();
    for c in node.children() {
        if c.is_element() {
            out.push(c);
        } else if c.is_text() {
            if !c.text().unwrap_or("").trim().is_empty() {
                return None;
            }
        } else if !c.is_comment() {
            return None;
        }
    }
    Some(out)
}

/// The text of an element holding text only.
fn plain_text(node: roxmltree::Node<'_, '_>) -> Option<String> {
    if node.attributes().len() != 0 || node.children().any(|c| c.is_element()) {
        return None;
    }
    Some(
        node.children()
            .filter_map(|c| c.text())
            .collect::<String>()
            .trim()
            .to_owned(),
    )
}

fn has_attrs(node: roxmltree::Node<'_, '_>, expected: &[(&str, &str)]) -> bool {
    node.attributes().len() == expected.len()
        && expected.iter().all(|(k, v)| node.attribute(*k) == Some(*v))
}

/// A choice's text and its one hint element (`hint_tag` with `hint_attrs`), if any.
fn text_and_hint(
    node: roxmltree::Node<'_, '_>,
    hint_tag: &str,
    hint_attrs: &[(&str, &str)],
) -> Option<(String, String)> {
    let mut text = String::new();
    let mut hint = None;
    for c in node.children() {
        if c.is_text() {
            if hint.is_some() && !c.text().unwrap_or("").trim().is_empty() {
                return None;
            }
            text.push_str(c.text().unwrap_or(""));
        } else if c.is_element() {
            if hint.is_some() || c.tag_name().name() != hint_tag || !has_attrs(c, hint_attrs) {
                return None;
            }
            hint = Some(plain_text_any_attrs(c)?);
        }
    }
    Some((text.trim().to_owned(), hint.unwrap_or_default()))
}

fn plain_text_any_attrs(node: roxmltree::Node<'_, '_>) -> Option<String> {
    if node.children().any(|c| c.is_element()) {
        return None;
    }
    Some(
        node.children()
            .filter_map(|c| c.text())
            .collect::<String>()
            .trim()
            .to_owned(),
    )
}

/// A fault in problem OLX, at a line (1-based) when it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct OlxError {
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub error: DomainError,
}

impl OlxError {
    fn at(pos: roxmltree::TextPos, error: DomainError) -> OlxError {
        OlxError {
            line: Some(pos.row),
            column: Some(pos.col),
            error,
        }
    }
}

/// Check problem OLX an author wrote: XML syntax, then the structure of the responses
/// the form types use, then capa's own checks; each fault with its line where the
/// document has one.
pub fn check_olx(xml: &str) -> Result<(), OlxError> {
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: 50_000,
            ..Default::default()
        },
    )
    .map_err(|e| {
        let pos = e.pos();
        let error = match e {
            roxmltree::Error::DtdDetected => DomainError::new("lyceum-error-capa-dtd"),
            roxmltree::Error::NodesLimitReached => DomainError::new("lyceum-error-capa-too-large"),
            other => DomainError::new("lyceum-editor-olx-syntax").with_arg(syntax_detail(&other)),
        };
        OlxError::at(pos, error)
    })?;
    let line_of = |n: roxmltree::Node<'_, '_>| doc.text_pos_at(n.range().start);
    let root = doc.root_element();
    if root.tag_name().name() != "problem" {
        return Err(OlxError::at(
            line_of(root),
            DomainError::new("lyceum-editor-olx-root").with_arg(root.tag_name().name()),
        ));
    }
    let missing = |n: roxmltree::Node<'_, '_>, attr: &str| {
        OlxError::at(
            line_of(n),
            DomainError::new("lyceum-error-capa-missing-attribute")
                .with_arg(n.tag_name().name())
                .with_arg(attr),
        )
    };
    for n in root.descendants().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        match name {
            "choicegroup" | "checkboxgroup" | "radiogroup" => {
                let choices: Vec<_> = n
                    .children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "choice")
                    .collect();
                if choices.is_empty() {
                    return Err(OlxError::at(
                        line_of(n),
                        DomainError::new("lyceum-editor-olx-no-choices").with_arg(name),
                    ));
                }
                for c in &choices {
                    if c.attribute("correct").is_none() {
                        return Err(missing(*c, "correct"));
                    }
                }
                let in_checkboxes = n
                    .parent_element()
                    .is_some_and(|p| p.tag_name().name() == "choiceresponse");
                let any_correct = choices.iter().any(|c| {
                    c.attribute("correct")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                });
                let any_partial = choices.iter().any(|c| {
                    c.attribute("correct")
                        .is_some_and(|v| v.eq_ignore_ascii_case("partial"))
                });
                if !in_checkboxes && !any_correct && !any_partial {
                    return Err(OlxError::at(
                        line_of(n),
                        DomainError::new("lyceum-editor-olx-no-correct").with_arg(name),
                    ));
                }
            }
            "optioninput" => {
                let options: Vec<_> = n
                    .children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "option")
                    .collect();
                if options.is_empty() {
                    if n.attribute("options").is_none() {
                        return Err(missing(n, "options"));
                    }
                    if n.attribute("correct").is_none() {
                        return Err(missing(n, "correct"));
                    }
                } else {
                    let correct = options
                        .iter()
                        .filter(|o| {
                            o.attribute("correct")
                                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                        })
                        .count();
                    if correct == 0 {
                        return Err(OlxError::at(
                            line_of(n),
                            DomainError::new("lyceum-editor-olx-no-correct").with_arg(name),
                        ));
                    }
                    if correct > 1 {
                        return Err(OlxError::at(
                            line_of(n),
                            DomainError::new("lyceum-editor-olx-many-correct").with_arg(name),
                        ));
                    }
                }
            }
            "numericalresponse" | "stringresponse" if n.attribute("answer").is_none() => {
                return Err(missing(n, "answer"));
            }
            "additional_answer"
                if n.attribute("answer").is_none() && n.text().unwrap_or("").trim().is_empty() =>
            {
                return Err(missing(n, "answer"));
            }
            _ => {}
        }
        if super::parse::is_response_tag(name)
            && matches!(
                name,
                "multiplechoiceresponse"
                    | "choiceresponse"
                    | "optionresponse"
                    | "stringresponse"
                    | "numericalresponse"
            )
            && !n
                .descendants()
                .any(|d| d.is_element() && super::parse::is_input_tag(d.tag_name().name()))
        {
            return Err(OlxError::at(
                line_of(n),
                DomainError::new("lyceum-error-capa-no-input").with_arg(name),
            ));
        }
    }
    // Capa's own checks; their faults name an element, whose first occurrence is the
    // best line there is.
    super::parse("problem", xml).map(|_| ()).map_err(|error| {
        let named = error.args.first().cloned().unwrap_or_default();
        let at = root
            .descendants()
            .find(|n| n.is_element() && n.tag_name().name() == named);
        match at {
            Some(n) => OlxError::at(line_of(n), error),
            None => OlxError {
                line: None,
                column: None,
                error,
            },
        }
    })
}

/// roxmltree's description of a syntax error, without its position (the editor shows
/// the line itself).
fn syntax_detail(e: &roxmltree::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at ") {
        Some(i) if text[i + 4..].contains(':') => text[..i].to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: ProblemType) -> ProblemForm {
        let mut f = ProblemForm::template(kind);
        f.question = "Which licence do Wikipedia's texts use? <really>".into();
        f.description = "Pick one & only one".into();
        f.explanation = "Texts are CC BY-SA.\n\nMedia vary.".into();
        match kind {
            ProblemType::TextInput => {
                f.answer = "CC BY-SA".into();
                f.additional_answers = vec!["Creative Commons BY-SA".into()];
                f.case_insensitive = true;
            }
            ProblemType::Numerical => {
                f.answer = "4.0".into();
                f.tolerance = "5%".into();
            }
            _ => {
                f.choices = vec![
                    FormChoice {
                        text: "CC BY-SA".into(),
                        correct: true,
                        hint: "Right: share alike.".into(),
                    },
                    FormChoice {
                        text: "All rights \"reserved\"".into(),
                        correct: kind == ProblemType::Checkboxes,
                        hint: String::new(),
                    },
                    FormChoice {
                        text: "Public domain".into(),
                        correct: false,
                        hint: "Not quite.".into(),
                    },
                ];
            }
        }
        f
    }

    #[test]
    fn every_type_round_trips_form_olx_form() {
        for kind in ProblemType::ALL {
            let f = sample(kind).clean().unwrap();
            let olx = f.to_olx();
            let back = ProblemForm::from_olx(&olx).unwrap_or_else(|| panic!("{olx}"));
            assert_eq!(back, f, "{olx}");
            // What the form writes is a problem capa grades, with no fault.
            check_olx(&olx).unwrap_or_else(|e| panic!("{kind:?}: {e:?}\n{olx}"));
            let p = super::super::parse("p", &olx).unwrap();
            assert!(p.unsupported.is_none());
            assert_eq!(super::super::max_score(&p), 1.0, "{kind:?}");
        }
    }

    #[test]
    fn the_form_writes_studio_olx() {
        let olx = sample(ProblemType::MultipleChoice).to_olx();
        assert!(olx.starts_with("<problem>\n  <multiplechoiceresponse>\n    <label>Which licence do Wikipedia's texts use? &lt;really&gt;</label>"), "{olx}");
        assert!(olx.contains(r#"<choicegroup type="MultipleChoice">"#));
        assert!(olx.contains(
            r#"<choice correct="true">CC BY-SA<choicehint>Right: share alike.</choicehint></choice>"#
        ));
        assert!(olx.contains("<solution>\n      <div class=\"detailed-solution\">\n        <p>Texts are CC BY-SA.</p>\n        <p>Media vary.</p>"));
        let olx = sample(ProblemType::TextInput).to_olx();
        assert!(
            olx.contains(r#"<stringresponse answer="CC BY-SA" type="ci">"#),
            "{olx}"
        );
        assert!(olx.contains(r#"<additional_answer answer="Creative Commons BY-SA"/>"#));
        let olx = sample(ProblemType::Numerical).to_olx();
        assert!(
            olx.contains(r#"<responseparam type="tolerance" default="5%"/>"#),
            "{olx}"
        );
        let olx = sample(ProblemType::Dropdown).to_olx();
        assert!(
            olx.contains(r#"<option correct="True">CC BY-SA<optionhint>"#),
            "{olx}"
        );
    }

    #[test]
    fn the_form_grades_as_written() {
        use super::super::{AnswerValue, Answers, Correctness, grade};
        let f = sample(ProblemType::Numerical).clean().unwrap();
        let p = super::super::parse("p", &f.to_olx()).unwrap();
        let id = p.inputs().next().unwrap().id.clone();
        let mut a = Answers::new();
        a.insert(id.clone(), AnswerValue::One("4.1".into()));
        let g = grade(&p, &a).unwrap();
        assert_eq!(g.inputs[&id].correctness, Correctness::Correct);
        let f = sample(ProblemType::TextInput).clean().unwrap();
        let p = super::super::parse("p", &f.to_olx()).unwrap();
        let id = p.inputs().next().unwrap().id.clone();
        a.clear();
        a.insert(
            id.clone(),
            AnswerValue::One("creative commons by-sa".into()),
        );
        assert_eq!(
            grade(&p, &a).unwrap().inputs[&id].correctness,
            Correctness::Correct
        );
    }

    #[test]
    fn problems_of_other_shapes_do_not_fit_the_form() {
        for xml in [
            "<problem><p>Intro</p><multiplechoiceresponse><label>Q</label><choicegroup type=\"MultipleChoice\"><choice correct=\"true\">a</choice></choicegroup></multiplechoiceresponse></problem>",
            "<problem><multiplechoiceresponse><label>Q <b>bold</b></label><choicegroup type=\"MultipleChoice\"><choice correct=\"true\">a</choice></choicegroup></multiplechoiceresponse></problem>",
            "<problem><choiceresponse partial_credit=\"EDC\"><label>Q</label><checkboxgroup><choice correct=\"true\">a</choice></checkboxgroup></choiceresponse></problem>",
            "<problem><stringresponse answer=\"a\" type=\"regexp\"><label>Q</label><textline/></stringresponse></problem>",
            "<problem><numericalresponse answer=\"1\"><label>Q</label><formulaequationinput/></numericalresponse><numericalresponse answer=\"2\"><label>R</label><formulaequationinput/></numericalresponse></problem>",
            "<problem><customresponse><label>Q</label></customresponse></problem>",
            "not xml",
        ] {
            assert_eq!(ProblemForm::from_olx(xml), None, "{xml}");
        }
        // Spacing does not matter.
        let f = ProblemForm::from_olx("<problem><optionresponse><label>Q</label><optioninput><option correct=\"False\">a</option><option correct=\"True\">b</option></optioninput></optionresponse></problem>").unwrap();
        assert_eq!(f.kind, ProblemType::Dropdown);
        assert!(f.choices[1].correct);
    }

    #[test]
    fn the_form_is_checked_by_field() {
        let fields = |f: ProblemForm| -> Vec<(String, &'static str)> {
            f.clean()
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.error.key.0))
                .collect()
        };
        let mut f = ProblemForm::template(ProblemType::MultipleChoice);
        f.choices[0].text = "only one".into();
        assert_eq!(
            fields(f),
            [
                (
                    "question".to_owned(),
                    "lyceum-editor-problem-question-required"
                ),
                ("choices".to_owned(), "lyceum-editor-problem-two-choices")
            ]
        );
        let mut f = sample(ProblemType::MultipleChoice);
        f.choices[1].correct = true;
        assert_eq!(
            fields(f),
            [("choices".to_owned(), "lyceum-editor-problem-one-correct")]
        );
        let mut f = sample(ProblemType::Checkboxes);
        for c in &mut f.choices {
            c.correct = false;
        }
        assert_eq!(
            fields(f),
            [("choices".to_owned(), "lyceum-editor-problem-some-correct")]
        );
        let mut f = sample(ProblemType::Numerical);
        f.answer = "four".into();
        f.tolerance = "-1".into();
        assert_eq!(
            fields(f),
            [
                ("answer".to_owned(), "lyceum-editor-problem-number"),
                (
                    "tolerance".to_owned(),
                    "lyceum-editor-problem-tolerance-invalid"
                )
            ]
        );
        let mut f = sample(ProblemType::TextInput);
        f.answer = "  ".into();
        assert_eq!(
            fields(f),
            [("answer".to_owned(), "lyceum-editor-problem-answer-required")]
        );
        // Empty rows (the form's spare ones) are dropped; a decimal comma is read.
        let mut f = sample(ProblemType::Numerical);
        f.answer = "4,5".into();
        assert_eq!(f.clean().unwrap().answer, "4.5");
        let mut f = sample(ProblemType::Dropdown);
        f.choices.push(FormChoice::default());
        assert_eq!(f.clean().unwrap().choices.len(), 3);
    }

    fn line_of(xml: &str) -> (Option<u32>, &'static str) {
        let e = check_olx(xml).unwrap_err();
        (e.line, e.error.key.0)
    }

    #[test]
    fn olx_faults_point_at_their_line() {
        // Syntax: roxmltree's position.
        assert_eq!(
            line_of(
                "<problem>\n  <multiplechoiceresponse>\n    <label>Q</labl>\n  </multiplechoiceresponse>\n</problem>"
            ),
            (Some(3), "lyceum-editor-olx-syntax")
        );
        // A choice group without a correct choice: the group's line.
        assert_eq!(
            line_of(
                "<problem>\n<multiplechoiceresponse>\n<label>Q</label>\n<choicegroup type=\"MultipleChoice\">\n<choice correct=\"false\">a</choice>\n</choicegroup>\n</multiplechoiceresponse>\n</problem>"
            ),
            (Some(4), "lyceum-editor-olx-no-correct")
        );
        // A choice without `correct`.
        assert_eq!(
            line_of(
                "<problem>\n<multiplechoiceresponse>\n<choicegroup>\n<choice correct=\"true\">a</choice>\n<choice>b</choice>\n</choicegroup>\n</multiplechoiceresponse>\n</problem>"
            ),
            (Some(5), "lyceum-error-capa-missing-attribute")
        );
        // A numerical response without its answer.
        assert_eq!(
            line_of(
                "<problem>\n<p>Intro</p>\n\n<numericalresponse>\n<formulaequationinput/>\n</numericalresponse>\n</problem>"
            ),
            (Some(4), "lyceum-error-capa-missing-attribute")
        );
        // A dropdown with two correct options; a response without an input.
        assert_eq!(
            line_of(
                "<problem>\n<optionresponse>\n<optioninput>\n<option correct=\"True\">a</option>\n<option correct=\"True\">b</option>\n</optioninput>\n</optionresponse>\n</problem>"
            ),
            (Some(3), "lyceum-editor-olx-many-correct")
        );
        assert_eq!(
            line_of(
                "<problem>\n<stringresponse answer=\"x\">\n<label>Q</label>\n</stringresponse>\n</problem>"
            ),
            (Some(2), "lyceum-error-capa-no-input")
        );
        assert_eq!(
            line_of("<div>\n</div>"),
            (Some(1), "lyceum-editor-olx-root")
        );
        // Unsupported problems (Python) are not errors: they are kept and shown.
        check_olx("<problem><customresponse cfn=\"x\"><textline/></customresponse></problem>")
            .unwrap();
    }
}
