//! Open edX's polls and surveys ↔ Lyceum's survey blocks:
//! - `<poll>` (xblock-poll): one question (`question`), its choices (`answers`, a JSON
//!   list of `[key, {label, img, img_alt}]`), `feedback` shown after voting and
//!   `max_submissions` (1: final on submit);
//! - `<survey>` (xblock-poll's survey): several questions (`questions`, `[key, {label,
//!   img, img_alt}]`) all answered on one scale of choices (`answers`, `[key, label]`);
//! - `<poll_question>` (the older XModule): its text as children, `<answer id>` choices,
//!   `reset` (the vote may be changed).
//!
//! Every question is single choice and required, as those blocks ask. Attributes Lyceum
//! does not use (`xblock-family`, `private_results`, `block_name`, …) are kept and
//! written back. A survey that the element cannot express (other question types, dates,
//! anonymity, credit, a before survey) is written with its whole content in a
//! `lyceum_survey` attribute, which Lyceum reads back first and Open edX keeps; a survey
//! with no such element at all becomes `<lyceum_survey>`.

use super::{ExportLeaf, Leaf, OlxKind};
use crate::export::open_tag;
use crate::import::{Attrs, Importer};
use crate::xml::{elements, escape_text};
use lyceum_core::blocks::survey::{
    Choice, OlxOrigin, Question, QuestionType, Survey, SurveyContent,
};
use lyceum_core::blocks::{BlockKind, LeafContent, Registered};
use lyceum_core::error::DomainError;
use roxmltree::Node;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) const OLX: OlxKind = OlxKind {
    kind: Survey::KIND,
    tags: &["poll", "survey", "poll_question", LYCEUM_TAG],
    import,
    export,
    title: None,
    filename_is_content: false,
};

/// The element of a survey Open edX has no block for.
const LYCEUM_TAG: &str = "lyceum_survey";
/// The attribute holding the whole content, when the element cannot express it.
const CONTENT_ATTR: &str = "lyceum_survey";

/// Attributes read into the content (or the block); the rest is kept as written.
const MAPPED: [&str; 9] = [
    "url_name",
    "display_name",
    "question",
    "questions",
    "answers",
    "feedback",
    "max_submissions",
    "reset",
    CONTENT_ATTR,
];

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A JSON-valued attribute, whether the importer already decoded it or not.
fn json_attr(attrs: &Attrs, name: &str) -> Option<Value> {
    match attrs.get(name)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        v => Some(v.clone()),
    }
}

/// `[[key, {label, img, img_alt}] | [key, label], …]` as choices.
fn choices(v: &Value, what: &str) -> Result<Vec<Choice>, String> {
    let items = v
        .as_array()
        .ok_or_else(|| format!("{what} is not a list"))?;
    items
        .iter()
        .map(|item| {
            let pair = item.as_array().filter(|p| p.len() == 2);
            let Some([key, details]) = pair.map(|p| [&p[0], &p[1]]) else {
                return Err(format!("{what}: an entry is not [key, details]"));
            };
            let key = text_of(key);
            Ok(match details {
                Value::Object(o) => Choice {
                    id: key,
                    label: o.get("label").map(text_of).unwrap_or_default(),
                    img: o.get("img").map(text_of).unwrap_or_default(),
                    img_alt: o.get("img_alt").map(text_of).unwrap_or_default(),
                },
                other => Choice::new(key, text_of(other)),
            })
        })
        .collect()
}

/// `<poll_question>`'s text: its content without the `<answer>` elements.
fn poll_question_text(node: Node<'_, '_>) -> String {
    let mut parts = Vec::new();
    for d in node.descendants() {
        if d.is_text() && !d.ancestors().any(|a| a.has_tag_name("answer")) {
            let t = d.text().unwrap_or_default().trim();
            if !t.is_empty() {
                parts.push(t.to_owned());
            }
        }
    }
    parts.join(" ")
}

fn single(id: &str, text: String, choices: Vec<Choice>) -> Question {
    let mut q = Question::new(id, QuestionType::SingleChoice, text);
    q.required = true;
    q.choices = choices;
    q
}

/// A survey block from its element; `Err` (kept as OLX, reported) when it has no usable
/// question or does not make a valid survey.
fn import(_: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let c = read(leaf.def.node, &leaf.def.attrs)?;
    Survey::into_leaf(c).validate().map_err(|e| e.to_string())
}

/// Inline in the unit, as Studio writes xblock-poll's blocks.
fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let c = leaf.content::<Survey>()?;
    Ok(write(leaf.name(), &leaf.block.title, &c))
}

/// A survey from `<poll>`, `<survey>`, `<poll_question>` or `<lyceum_survey>`; `Err`
/// (kept as OLX) when it has no usable question.
fn read(node: Node<'_, '_>, attrs: &Attrs) -> Result<SurveyContent, String> {
    if let Some(v) = attrs.get(CONTENT_ATTR) {
        let json = text_of(v);
        return serde_json::from_str(&json).map_err(|e| format!("{CONTENT_ATTR}: {e}"));
    }
    let tag = node.tag_name().name();
    let get = |name: &str| attrs.get(name).map(text_of).unwrap_or_default();
    let mut c = SurveyContent {
        thanks: get("feedback"),
        ..SurveyContent::default()
    };
    match tag {
        "poll" => {
            let answers = json_attr(attrs, "answers").ok_or("no answers")?;
            c.questions = vec![single(
                "question",
                get("question"),
                choices(&answers, "answers")?,
            )];
            // xblock-poll: 1 vote (the default), or 0 for as many as the learner likes.
            c.final_on_submit = attrs
                .get("max_submissions")
                .is_none_or(|v| text_of(v).trim() == "1");
        }
        "survey" => {
            let answers = choices(&json_attr(attrs, "answers").ok_or("no answers")?, "answers")?;
            let questions = choices(
                &json_attr(attrs, "questions").ok_or("no questions")?,
                "questions",
            )?;
            c.questions = questions
                .into_iter()
                .map(|q| {
                    let mut s = single(&q.id, q.label, answers.clone());
                    s.img = q.img;
                    s.img_alt = q.img_alt;
                    s
                })
                .collect();
            c.final_on_submit = attrs
                .get("max_submissions")
                .is_none_or(|v| text_of(v).trim() == "1");
        }
        "poll_question" => {
            let choices = elements(node)
                .filter(|e| e.has_tag_name("answer"))
                .map(|a| {
                    Choice::new(
                        a.attribute("id").unwrap_or_default(),
                        a.text().unwrap_or_default().trim(),
                    )
                })
                .collect();
            c.questions = vec![single("question", poll_question_text(node), choices)];
            c.final_on_submit = attrs
                .get("reset")
                .is_none_or(|v| !text_of(v).trim().eq_ignore_ascii_case("true"));
        }
        _ => return Err(format!("<{tag}> without its {CONTENT_ATTR} content")),
    }
    if c.questions.iter().any(|q| q.text.trim().is_empty()) {
        return Err("a question without text".to_owned());
    }
    let kept: BTreeMap<String, String> = attrs
        .iter()
        .filter(|(k, _)| !MAPPED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    c.olx = Some(OlxOrigin {
        tag: tag.to_owned(),
        attrs: kept,
    });
    Ok(c)
}

fn choice_json(ch: &Choice) -> Value {
    json!([ch.id, {"img": ch.img, "img_alt": ch.img_alt, "label": ch.label}])
}

/// The element's own attributes (and children) for `tag`, if the content fits it.
/// An element's own attributes and its children.
type Shape = (Vec<(&'static str, String)>, Vec<String>);

fn shape(tag: &str, c: &SurveyContent) -> Option<Shape> {
    let all_single = c
        .questions
        .iter()
        .all(|q| q.kind == QuestionType::SingleChoice);
    if !all_single || c.questions.is_empty() {
        return None;
    }
    let pretty = |v: Value| serde_json::to_string_pretty(&v).unwrap_or_default();
    let votes = if c.final_on_submit { "1" } else { "0" }.to_owned();
    match tag {
        "poll" if c.questions.len() == 1 => {
            let q = &c.questions[0];
            let answers = Value::Array(q.choices.iter().map(choice_json).collect());
            let mut a = vec![("question", q.text.clone()), ("answers", pretty(answers))];
            a.push(("feedback", c.thanks.clone()));
            a.push(("max_submissions", votes));
            Some((a, Vec::new()))
        }
        "survey" => {
            let first = &c.questions[0].choices;
            if c.questions.iter().any(|q| q.choices != *first) {
                return None;
            }
            let answers = Value::Array(first.iter().map(|ch| json!([ch.id, ch.label])).collect());
            let questions = Value::Array(
                c.questions
                    .iter()
                    .map(|q| json!([q.id, {"img": q.img, "img_alt": q.img_alt, "label": q.text}]))
                    .collect(),
            );
            let a = vec![
                ("answers", pretty(answers)),
                ("questions", pretty(questions)),
                ("feedback", c.thanks.clone()),
                ("max_submissions", votes),
            ];
            Some((a, Vec::new()))
        }
        "poll_question" if c.questions.len() == 1 => {
            let q = &c.questions[0];
            let mut children = vec![format!("<p>{}</p>", escape_text(&q.text))];
            children.extend(q.choices.iter().map(|ch| {
                format!(
                    "{}>{}</answer>",
                    open_tag("answer", &[("id", ch.id.clone())]),
                    escape_text(&ch.label)
                )
            }));
            let reset = if c.final_on_submit { "false" } else { "true" };
            Some((vec![("reset", reset.to_owned())], children))
        }
        _ => None,
    }
}

fn element(tag: &str, attrs: &[(&str, String)], children: &[String]) -> String {
    let mut s = open_tag(tag, attrs);
    if children.is_empty() {
        s.push_str("/>");
    } else {
        s.push('>');
        for ch in children {
            s.push_str(ch);
        }
        s.push_str(&format!("</{tag}>"));
    }
    s
}

/// The survey as one element, inline in its unit: the element it came from when the
/// content still fits it (a survey made in Lyceum: `<poll>` for one choice question,
/// `<survey>` for several on one scale), with the whole content alongside whenever
/// reading the element alone would not give it back.
fn write(url_name: &str, title: &str, c: &SurveyContent) -> String {
    let origin = c.olx.clone().unwrap_or_default();
    let candidates: Vec<&str> = if origin.tag.is_empty() {
        vec!["poll", "survey"]
    } else {
        vec![origin.tag.as_str()]
    };
    let fitted = candidates
        .into_iter()
        .find_map(|t| shape(t, c).map(|s| (t, s)));
    let (tag, own, children) = match fitted {
        Some((t, (own, children))) => (t.to_owned(), own, children),
        None => (LYCEUM_TAG.to_owned(), Vec::new(), Vec::new()),
    };
    let mut attrs: Vec<(&str, String)> = vec![("url_name", url_name.to_owned())];
    if !title.is_empty() {
        attrs.push(("display_name", title.to_owned()));
    }
    let own_names: Vec<&str> = own.iter().map(|(k, _)| *k).collect();
    attrs.extend(own);
    for (k, v) in &origin.attrs {
        if !own_names.contains(&k.as_str()) && !MAPPED.contains(&k.as_str()) {
            attrs.push((k.as_str(), v.clone()));
        }
    }
    let plain = element(&tag, &attrs, &children);
    if reads_back(&plain, c) {
        return plain;
    }
    // Where it came from stays as it was, so it can go back there once it fits again.
    attrs.push((CONTENT_ATTR, serde_json::to_string(c).unwrap_or_default()));
    element(&tag, &attrs, &children)
}

/// Whether reading `xml` gives `c` back (apart from where it came from).
fn reads_back(xml: &str, c: &SurveyContent) -> bool {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return false;
    };
    let root = doc.root_element();
    let attrs: Attrs = root
        .attributes()
        .map(|a| {
            let v = serde_json::from_str::<Value>(a.value())
                .unwrap_or_else(|_| Value::String(a.value().to_owned()));
            (a.name().to_owned(), v)
        })
        .collect();
    match read(root, &attrs) {
        Ok(mut back) => {
            back.olx = None;
            let mut want = c.clone();
            want.olx = None;
            back == want
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs_of(node: Node<'_, '_>) -> Attrs {
        node.attributes()
            .map(|a| {
                let v = serde_json::from_str::<Value>(a.value())
                    .unwrap_or_else(|_| Value::String(a.value().to_owned()));
                (a.name().to_owned(), v)
            })
            .collect()
    }

    fn parse(xml: &str) -> SurveyContent {
        let doc = roxmltree::Document::parse(xml).unwrap();
        read(doc.root_element(), &attrs_of(doc.root_element())).unwrap()
    }

    #[test]
    fn poll_question_reads_its_text_and_answers() {
        let c = parse(
            r#"<poll_question url_name="p" display_name="Vote" reset="true"><p>Is <b>this</b> useful?</p><answer id="yes">Yes</answer><answer id="no">No</answer></poll_question>"#,
        );
        assert_eq!(c.questions[0].text, "Is this useful?");
        assert_eq!(c.questions[0].choices.len(), 2);
        assert!(!c.final_on_submit);
        let back = parse(&write("p", "Vote", &c));
        assert_eq!(back, c);
    }

    #[test]
    fn native_surveys_carry_their_content() {
        let mut c = parse(
            r#"<poll url_name="p" question="Q?" answers='[["a",{"label":"A"}],["b",{"label":"B"}]]'/>"#,
        );
        // Still a poll, with a setting a poll has not: the element and the content.
        c.anonymous = true;
        let xml = write("p", "", &c);
        assert!(xml.starts_with("<poll "), "{xml}");
        assert!(xml.contains(CONTENT_ATTR));
        assert_eq!(parse(&xml), c);
        // No longer a poll: Lyceum's own element.
        c.questions
            .push(Question::new("why", QuestionType::LongText, "Why?"));
        let xml = write("p", "", &c);
        assert!(xml.starts_with("<lyceum_survey "), "{xml}");
        assert_eq!(parse(&xml), c);
        c.olx = None;
        let xml = write("p", "", &c);
        assert!(xml.starts_with("<lyceum_survey "), "{xml}");
        assert_eq!(parse(&xml), c);
    }
}
