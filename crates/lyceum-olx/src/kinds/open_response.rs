//! Open edX's open response assessment (`<openassessment>`, read and written as edx-ora2's
//! `openassessment/xblock/utils/xml.py` does) ↔ Lyceum's open-response blocks, so that an
//! assignment survives a round trip through either platform.
//!
//! What has no equivalent: the learner-training step is kept as written (in `olx_attrs`)
//! and written back; the steps' own start and due dates are dropped (the steps then follow
//! the submission dates); an optional staff step is dropped (staff can always override).

use super::{ExportLeaf, Leaf, OlxKind};
use crate::IssueKind;
use crate::export::{date, open_tag};
use crate::import::Importer;
use crate::import::{Attrs, attr_bool, attr_f64, attr_string, parse_date};
use crate::xml::{self, element_text, elements, escape_text, inner_text};
use lyceum_core::blocks::LeafContent;
use lyceum_core::blocks::open_response::{
    Aggregate, Criterion, FallbackAction, FileRules, OpenResponse, OpenResponseContent,
    PeerFallback, PeerRules, Requirement, Rubric, RubricOption, Step, WIKILEARN_SCALE,
};
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::error::DomainError;
use roxmltree::Node;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) const OLX: OlxKind = OlxKind {
    kind: OpenResponse::KIND,
    tags: &["openassessment"],
    import,
    export,
    title: Some(title),
    filename_is_content: false,
};

/// `<openassessment>` → an open-response block; `Err` (kept as OLX) when it has no
/// rubric or does not make a valid assignment.
fn import(im: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let def = leaf.def;
    let read = read(def.node, def.text, &def.attrs)?;
    let content = OpenResponse::into_leaf(read.content)
        .validate()
        .map_err(|e| e.to_string())?;
    if let Some(c) = OpenResponse::of(&content) {
        for p in &c.prompts {
            im.linking.push((def.path.clone(), p.clone()));
        }
    }
    for note in read.notes {
        im.report.push(
            IssueKind::Unsupported,
            &def.path,
            format!("<openassessment>: {note}"),
        );
    }
    Ok(content)
}

/// Inline in the unit, as Studio writes open response assessments.
fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let content = leaf.content::<OpenResponse>()?;
    Ok(write(leaf.name(), &leaf.block.title, &content))
}

/// The WikiLearn scale's labels as Open edX shows them (it needs a label on every option;
/// Lyceum shows its own message in the reader's language instead).
const WIKILEARN_LABELS: [&str; 4] = ["Poor", "Needs improvement", "Good", "Excellent"];

/// The `olx_attrs` key holding the learner-training step (`<assessment
/// name="student-training">`) as written; export puts it back before the peer step.
pub(crate) const TRAINING_KEY: &str = "student-training";

/// Attributes of `<openassessment>` read into the block or its content; all others are
/// kept in `olx_attrs` and written back.
const MAPPED: [&str; 21] = [
    LYCEUM_EXPECTED_MINUTES,
    LYCEUM_RESUBMISSION,
    LYCEUM_MAX_FILE_MB,
    LYCEUM_MAX_FILES,
    LYCEUM_PEER_FALLBACK,
    LYCEUM_OVERALL_FEEDBACK,
    "url_name",
    "display_name",
    "start",
    "visible_to_staff_only",
    "submission_start",
    "submission_due",
    "text_response",
    "file_upload_response",
    "allow_file_upload",
    "file_upload_type",
    "white_listed_file_types",
    "allow_multiple_files",
    "show_rubric_during_response",
    "prompts_type",
    "weight",
];

/// Settings Lyceum has and ORA does not, written by Lyceum's export as attributes of their
/// own (Open edX keeps attributes it does not know, and writes them back).
const LYCEUM_EXPECTED_MINUTES: &str = "lyceum_expected_minutes";
const LYCEUM_RESUBMISSION: &str = "lyceum_allow_resubmission";
const LYCEUM_MAX_FILE_MB: &str = "lyceum_max_file_mb";
const LYCEUM_MAX_FILES: &str = "lyceum_max_files";
/// `none`, or `DAYS:drop_requirement` / `DAYS:to_staff`.
const LYCEUM_PEER_FALLBACK: &str = "lyceum_peer_fallback";
const LYCEUM_OVERALL_FEEDBACK: &str = "lyceum_overall_feedback";

/// ORA's `image` upload type, and `pdf-and-image` without the PDF.
const IMAGE_TYPES: [&str; 4] = ["png", "jpg", "jpeg", "gif"];

/// Open edX's flexible peer grading: after 7 days, a response with at least one peer
/// review is graded on the reviews it has.
const FLEXIBLE: PeerFallback = PeerFallback {
    after_days: 7,
    action: FallbackAction::DropRequirement,
};

/// Most files a learner may attach when ORA allows several.
const MULTIPLE_FILES: u32 = 20;

/// What [`read`] made of an `<openassessment>`.
pub(crate) struct Read {
    pub content: OpenResponseContent,
    /// Parts of the element Lyceum does not run, for the import report.
    pub notes: Vec<String>,
}

/// The block's title when it has no `display_name`: ORA's `<title>`.
fn title(node: Node<'_, '_>) -> Option<String> {
    child(node, "title")
        .map(|t| text(t).trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Map an `<openassessment>` element (`attrs`: its attributes with policy overrides).
/// `Err` says why it cannot be mapped; the caller then keeps it as OLX. The result is not
/// yet validated.
fn read(node: Node<'_, '_>, source: &str, attrs: &Attrs) -> Result<Read, String> {
    let rubric_node = child(node, "rubric").ok_or("no <rubric>")?;
    let mut criteria = Vec::new();
    for c in elements(rubric_node).filter(|c| c.has_tag_name("criterion")) {
        criteria.push(criterion(c)?);
    }
    if criteria.is_empty() {
        return Err("no rubric criteria".to_owned());
    }
    let rubric = Rubric {
        criteria,
        // Open edX always shows the overall feedback box, never requires it.
        overall_feedback: setting(attrs, LYCEUM_OVERALL_FEEDBACK)
            .map_or(Requirement::Optional, |v| Requirement::from_olx(&v)),
        feedback_prompt: child_text(rubric_node, "feedbackprompt"),
        feedback_default_text: child_text(rubric_node, "feedback_default_text"),
    };

    let html = setting(attrs, "prompts_type").as_deref() == Some("html");
    let prompt = |p: Node<'_, '_>| {
        if html && elements(p).next().is_some() {
            // HTML written as markup rather than escaped: take it as written.
            inner_text(p, source).trim().to_owned()
        } else if html {
            text(p).trim().to_owned()
        } else {
            text_to_html(&text(p))
        }
    };
    let prompts: Vec<String> = match child(node, "prompts") {
        Some(list) => elements(list)
            .filter(|p| p.has_tag_name("prompt"))
            .filter_map(|p| child(p, "description"))
            .map(prompt)
            .collect(),
        // Before `<prompts>`: one `<prompt>`, in the rubric (or on the element itself).
        None => child(node, "prompt")
            .or_else(|| child(rubric_node, "prompt"))
            .map(prompt)
            .into_iter()
            .collect(),
    };
    let prompts = prompts.into_iter().filter(|p| !p.is_empty()).collect();

    let mut steps = Vec::new();
    let mut staff = false;
    let mut peer = PeerRules::default();
    let mut aggregate = Aggregate::Median;
    let mut olx_attrs = BTreeMap::new();
    let mut notes = Vec::new();
    let list = child(node, "assessments").ok_or("no <assessments>")?;
    for a in elements(list).filter(|a| a.has_tag_name("assessment")) {
        match a.attribute("name").unwrap_or_default() {
            "peer-assessment" => {
                let number = |name: &str| {
                    a.attribute(name)
                        .and_then(|v| v.trim().parse::<u32>().ok())
                        .ok_or_else(|| format!("peer-assessment {name} missing or not a number"))
                };
                peer = PeerRules {
                    must_grade: number("must_grade")?,
                    graded_by: number("must_be_graded_by")?,
                    fallback: ora_bool(a.attribute("enable_flexible_grading")).then_some(FLEXIBLE),
                };
                if a.attribute("grading_strategy").map(str::trim) == Some("mean") {
                    aggregate = Aggregate::Mean;
                }
                steps.push(Step::Peer);
            }
            "self-assessment" => steps.push(Step::SelfReview),
            // Only a required staff step is a step: staff may override a grade anyway
            // (in Open edX as in Lyceum).
            "staff-assessment" => staff |= ora_bool(a.attribute("required")),
            "student-training" => {
                olx_attrs.insert(TRAINING_KEY.to_owned(), element_text(a, source).to_owned());
                notes.push("learner training step not run by Lyceum; kept for export".to_owned());
            }
            other => return Err(format!("assessment step {other:?} has no equivalent")),
        }
    }
    if let Some(v) = setting(attrs, LYCEUM_PEER_FALLBACK) {
        peer.fallback = parse_fallback(&v);
    }
    // Open edX requires the staff step to be last; Lyceum too.
    if staff {
        steps.push(Step::Staff);
    }
    if steps.is_empty() {
        return Err("no peer, self or required staff assessment step".to_owned());
    }

    let explicit_files = setting(attrs, "file_upload_response");
    let file_requirement = match explicit_files.as_deref() {
        Some(v) => Requirement::from_olx(v),
        // Older ORA (edx-ora2's `file_upload_response` property): uploads are optional
        // when they are allowed at all.
        None if attr_bool(attrs, "allow_file_upload") == Some(true)
            || setting(attrs, "file_upload_type").is_some() =>
        {
            Requirement::Optional
        }
        None => Requirement::None,
    };
    let text_requirement = match setting(attrs, "text_response").as_deref() {
        Some(v) => Requirement::from_olx(v),
        // No text asked for is written as no attribute; an ORA with neither attribute
        // predates file uploads and asks for text.
        None if explicit_files.is_some() && file_requirement.asked() => Requirement::None,
        None => Requirement::Required,
    };
    let files = file_requirement.asked().then(|| {
        let image = IMAGE_TYPES.map(String::from).to_vec();
        let allowed = match setting(attrs, "file_upload_type").as_deref() {
            Some("pdf-and-image") => std::iter::once("pdf".to_owned()).chain(image).collect(),
            Some("custom") => setting(attrs, "white_listed_file_types")
                .unwrap_or_default()
                .split(',')
                .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect(),
            _ => image,
        };
        let number = |name: &str| {
            setting(attrs, name)
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|n| *n > 0)
        };
        FileRules {
            requirement: file_requirement,
            allowed,
            max_mb: number(LYCEUM_MAX_FILE_MB).unwrap_or(10),
            // ORA's default is to allow several.
            max_files: number(LYCEUM_MAX_FILES).unwrap_or(
                if attr_bool(attrs, "allow_multiple_files").unwrap_or(true) {
                    MULTIPLE_FILES
                } else {
                    1
                },
            ),
        }
    });

    for a in node.attributes() {
        if a.namespace().is_none() && !MAPPED.contains(&a.name()) {
            olx_attrs.insert(a.name().to_owned(), a.value().to_owned());
        }
    }
    // Set in policy.json rather than on the element.
    for (name, value) in attrs {
        if !MAPPED.contains(&name.as_str()) && !node.attributes().any(|a| a.name() == name) {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            olx_attrs.insert(name.clone(), value);
        }
    }

    let date = |name: &str| setting(attrs, name).and_then(|d| parse_date(&d));
    Ok(Read {
        content: OpenResponseContent {
            prompts,
            text: text_requirement,
            files,
            rubric,
            show_rubric_while_writing: attr_bool(attrs, "show_rubric_during_response")
                .unwrap_or(false),
            expected_minutes: setting(attrs, LYCEUM_EXPECTED_MINUTES)
                .and_then(|v| v.parse::<u32>().ok()),
            steps,
            peer,
            aggregate,
            // Open edX has no revision after feedback.
            allow_resubmission: attr_bool(attrs, LYCEUM_RESUBMISSION).unwrap_or(false),
            weight: attr_f64(attrs, "weight"),
            submission_start: date("submission_start"),
            due: date("submission_due"),
            olx_attrs,
        },
        notes,
    })
}

fn criterion(c: Node<'_, '_>) -> Result<Criterion, String> {
    let name = child_text(c, "name");
    if name.is_empty() {
        return Err("a rubric criterion without a name".to_owned());
    }
    let mut options = Vec::new();
    for o in elements(c).filter(|o| o.has_tag_name("option")) {
        let points = o
            .attribute("points")
            .and_then(|p| p.trim().parse::<u32>().ok())
            .ok_or_else(|| {
                format!(
                    "criterion {name:?}: option points {:?} not a whole number of points",
                    o.attribute("points").unwrap_or_default()
                )
            })?;
        let option_name = child_text(o, "name");
        let mut label = label_or_name(o, &option_name);
        // The WikiLearn scale as exported: back to the preset, labelled in the
        // reader's language.
        if let Some(i) = WIKILEARN_SCALE.iter().position(|n| *n == option_name)
            && WIKILEARN_LABELS[i] == label
        {
            label.clear();
        }
        options.push(RubricOption {
            name: option_name,
            label,
            points,
            explanation: child_text(o, "explanation"),
        });
    }
    Ok(Criterion {
        label: label_or_name(c, &name),
        prompt: child_text(c, "prompt"),
        feedback: Requirement::from_olx(c.attribute("feedback").unwrap_or_default()),
        options,
        name,
    })
}

/// `<label>`, else the name (as Open edX reads older rubrics).
fn label_or_name(node: Node<'_, '_>, name: &str) -> String {
    Some(child_text(node, "label"))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| name.to_owned())
}

/// An attribute's value, trimmed; `None` when absent or empty.
fn setting(attrs: &Attrs, name: &str) -> Option<String> {
    attr_string(attrs, name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// ORA's booleans: `True` or `true`; anything else is false.
fn ora_bool(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("True" | "true"))
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    elements(node).find(|c| c.has_tag_name(tag))
}

/// The text of the first `tag` child, trimmed; empty when there is none.
fn child_text(node: Node<'_, '_>, tag: &str) -> String {
    child(node, tag)
        .map(|c| text(c).trim().to_owned())
        .unwrap_or_default()
}

/// All the text inside an element, entities decoded.
fn text(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

/// Plain text as Open edX shows a text prompt (Django's `linebreaks`): paragraphs at
/// blank lines, `<br>` at single line breaks.
fn text_to_html(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape_html(p).replace('\n', "<br>")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The `<openassessment>` element of a block, to sit inline in its unit as Studio writes
/// it (indented for that place).
fn write(url_name: &str, title: &str, c: &OpenResponseContent) -> String {
    let mut attrs: Vec<(&str, String)> = vec![("url_name", url_name.to_owned())];
    if let Some(t) = c.submission_start {
        attrs.push(("submission_start", date(t)));
    }
    if let Some(t) = c.due {
        attrs.push(("submission_due", date(t)));
    }
    // Not asked for is no attribute (ORA's empty value).
    if c.text.asked() {
        attrs.push(("text_response", c.text.as_olx().to_owned()));
    }
    if let Some(f) = c.files.as_ref().filter(|f| f.requirement.asked()) {
        attrs.push(("file_upload_response", f.requirement.as_olx().to_owned()));
        attrs.push(("file_upload_type", "custom".to_owned()));
        attrs.push(("white_listed_file_types", f.allowed.join(",")));
        attrs.push(("allow_multiple_files", py_bool(f.max_files > 1)));
    }
    attrs.push((
        "show_rubric_during_response",
        py_bool(c.show_rubric_while_writing),
    ));
    attrs.push(("prompts_type", "html".to_owned()));
    if let Some(w) = c.weight {
        attrs.push(("weight", w.to_string()));
    }
    // What ORA has no setting for, for Lyceum to read back.
    if let Some(m) = c.expected_minutes {
        attrs.push((LYCEUM_EXPECTED_MINUTES, m.to_string()));
    }
    if c.allow_resubmission {
        attrs.push((LYCEUM_RESUBMISSION, py_bool(true)));
    }
    if let Some(f) = c.files.as_ref().filter(|f| f.requirement.asked()) {
        attrs.push((LYCEUM_MAX_FILE_MB, f.max_mb.to_string()));
        attrs.push((LYCEUM_MAX_FILES, f.max_files.to_string()));
    }
    if c.has_step(Step::Peer) && c.peer.fallback != Some(FLEXIBLE) {
        attrs.push((LYCEUM_PEER_FALLBACK, write_fallback(c.peer.fallback)));
    }
    if c.rubric.overall_feedback != Requirement::Optional {
        attrs.push((
            LYCEUM_OVERALL_FEEDBACK,
            c.rubric.overall_feedback.as_olx().to_owned(),
        ));
    }
    for (name, value) in &c.olx_attrs {
        if !MAPPED.contains(&name.as_str()) && name != TRAINING_KEY && is_attr_name(name) {
            attrs.push((name.as_str(), value.clone()));
        }
    }

    let mut out = open_tag("openassessment", &attrs);
    out.push_str(">\n");
    let mut line = |depth: usize, s: &str| {
        out.push_str(&"  ".repeat(depth + 1));
        out.push_str(s);
        out.push('\n');
    };
    line(1, &format!("<title>{}</title>", escape_text(title)));
    line(1, "<assessments>");
    for step in &c.steps {
        match step {
            Step::Peer => {
                // Open edX requires training to come before the peer step.
                if let Some(training) = c.olx_attrs.get(TRAINING_KEY).filter(|t| is_training(t)) {
                    line(2, training.trim());
                }
                let mut a = vec![
                    ("name", "peer-assessment".to_owned()),
                    ("must_grade", c.peer.must_grade.to_string()),
                    ("must_be_graded_by", c.peer.graded_by.to_string()),
                    (
                        "enable_flexible_grading",
                        py_bool(c.peer.fallback == Some(FLEXIBLE)),
                    ),
                ];
                if c.aggregate == Aggregate::Mean {
                    a.push(("grading_strategy", "mean".to_owned()));
                }
                line(2, &format!("{}/>", open_tag("assessment", &a)));
            }
            Step::SelfReview => line(2, r#"<assessment name="self-assessment"/>"#),
            Step::Staff => line(
                2,
                r#"<assessment name="staff-assessment" required="True"/>"#,
            ),
        }
    }
    line(1, "</assessments>");
    line(1, "<prompts>");
    for p in &c.prompts {
        line(2, "<prompt>");
        line(3, &format!("<description>{}</description>", escape_text(p)));
        line(2, "</prompt>");
    }
    line(1, "</prompts>");
    line(1, "<rubric>");
    for cr in &c.rubric.criteria {
        let mut a = Vec::new();
        if cr.feedback.asked() {
            a.push(("feedback", cr.feedback.as_olx().to_owned()));
        }
        line(2, &format!("{}>", open_tag("criterion", &a)));
        let label = if cr.label.is_empty() {
            &cr.name
        } else {
            &cr.label
        };
        line(3, &format!("<name>{}</name>", escape_text(&cr.name)));
        line(3, &format!("<label>{}</label>", escape_text(label)));
        line(3, &format!("<prompt>{}</prompt>", escape_text(&cr.prompt)));
        for o in &cr.options {
            line(
                3,
                &format!(
                    "{}>",
                    open_tag("option", &[("points", o.points.to_string())])
                ),
            );
            line(4, &format!("<name>{}</name>", escape_text(&o.name)));
            line(
                4,
                &format!("<label>{}</label>", escape_text(option_label(o))),
            );
            line(
                4,
                &format!("<explanation>{}</explanation>", escape_text(&o.explanation)),
            );
            line(3, "</option>");
        }
        line(2, "</criterion>");
    }
    if !c.rubric.feedback_prompt.is_empty() {
        line(
            2,
            &format!(
                "<feedbackprompt>{}</feedbackprompt>",
                escape_text(&c.rubric.feedback_prompt)
            ),
        );
    }
    if !c.rubric.feedback_default_text.is_empty() {
        line(
            2,
            &format!(
                "<feedback_default_text>{}</feedback_default_text>",
                escape_text(&c.rubric.feedback_default_text)
            ),
        );
    }
    line(1, "</rubric>");
    out.push_str("  </openassessment>");
    out
}

/// The label Open edX shows: a preset option's English label, else the label, else the
/// name (Open edX's own fallback).
fn option_label(o: &RubricOption) -> &str {
    if !o.label.is_empty() {
        return &o.label;
    }
    WIKILEARN_SCALE
        .iter()
        .position(|n| *n == o.name)
        .map_or(&o.name, |i| WIKILEARN_LABELS[i])
}

/// A peer fallback as [`LYCEUM_PEER_FALLBACK`] writes it.
fn write_fallback(f: Option<PeerFallback>) -> String {
    match f {
        None => "none".to_owned(),
        Some(f) => format!(
            "{}:{}",
            f.after_days,
            match f.action {
                FallbackAction::DropRequirement => "drop_requirement",
                FallbackAction::ToStaff => "to_staff",
            }
        ),
    }
}

fn parse_fallback(v: &str) -> Option<PeerFallback> {
    let (days, action) = v.split_once(':')?;
    Some(PeerFallback {
        after_days: days.trim().parse().ok()?,
        action: match action.trim() {
            "drop_requirement" => FallbackAction::DropRequirement,
            "to_staff" => FallbackAction::ToStaff,
            _ => return None,
        },
    })
}

/// Python's `str(bool)`, as ORA writes booleans.
fn py_bool(b: bool) -> String {
    if b { "True" } else { "False" }.to_owned()
}

/// A plain XML attribute name (no prefix), safe to write as one.
fn is_attr_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether kept text is one well-formed learner-training `<assessment>`, safe to write
/// inside `<assessments>`.
fn is_training(raw: &str) -> bool {
    xml::parse(raw.trim()).is_ok_and(|d| {
        let root = d.root_element();
        root.has_tag_name("assessment") && root.attribute("name") == Some("student-training")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_prompts_become_paragraphs() {
        assert_eq!(
            text_to_html("\n  Write <two> lines:\r\none & two\n\n\n\nThen more.\n"),
            "<p>Write &lt;two&gt; lines:<br>one &amp; two</p>\n<p>Then more.</p>"
        );
        assert_eq!(text_to_html(" \n\n "), "");
    }

    #[test]
    fn preset_labels() {
        let o = |name: &str, label: &str| RubricOption {
            name: name.into(),
            label: label.into(),
            points: 0,
            explanation: String::new(),
        };
        assert_eq!(
            option_label(&o("wikilearn-needs-improvement", "")),
            "Needs improvement"
        );
        assert_eq!(option_label(&o("wikilearn-good", "Fine")), "Fine");
        assert_eq!(option_label(&o("x", "")), "x");
        assert!(is_attr_name("leaderboard_show") && is_attr_name("xblock-family"));
        assert!(!is_attr_name("a:b") && !is_attr_name("1a") && !is_attr_name("a b"));
        assert!(is_training(
            r#"<assessment name="student-training"><example/></assessment>"#
        ));
        assert!(!is_training(r#"<assessment name="peer-assessment"/>"#));
        assert!(!is_training(
            "<assessment name=\"student-training\"></assessments>"
        ));
    }
}
