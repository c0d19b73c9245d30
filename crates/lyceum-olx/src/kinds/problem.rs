//! Open edX's capa `<problem>` ↔ problem blocks: the capa XML kept as written, its
//! settings (fields in Open edX, `capa_block.py`) read from and written to the root
//! element's attributes.

use super::{ExportLeaf, Leaf, OlxKind};
use crate::IssueKind;
use crate::export::{date, pointer};
use crate::import::{Importer, attr_bool, attr_f64, attr_string, parse_date, rewrite_c4x};
use crate::xml::{self, escape_attr};
use lyceum_core::blocks::problem::ProblemKind;
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::blocks::{GradingMethod, LeafContent, ProblemContent};
use lyceum_core::error::DomainError;
use serde_json::Value;
use std::ops::Range;

pub(super) const OLX: OlxKind = OlxKind {
    kind: ProblemKind::KIND,
    tags: &["problem"],
    import,
    export,
    title: None,
    filename_is_content: false,
};

/// Problem settings that live in fields, not in the capa XML (`capa_block.py`).
const IMPORTED_SETTINGS: [&str; 16] = [
    "display_name",
    "weight",
    "max_attempts",
    "showanswer",
    "show_correctness",
    "rerandomize",
    "show_reset_button",
    "attempts_before_showanswer_button",
    "grading_method",
    "due",
    "start",
    "graded",
    "graceperiod",
    "url_name",
    "visible_to_staff_only",
    "group_access",
];

/// Problem settings written as attributes of `<problem>` (spec §2.8), in this order.
const EXPORTED_SETTINGS: [&str; 10] = [
    "display_name",
    "weight",
    "max_attempts",
    "showanswer",
    "attempts_before_showanswer_button",
    "show_correctness",
    "show_reset_button",
    "rerandomize",
    "grading_method",
    "due",
];

fn import(im: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let (def, inh, parent) = (leaf.def, leaf.inherited, leaf.parent);
    // Settings: the problem's own attributes and policy, over inherited values.
    let mut settings = inh.0.clone();
    for (k, v) in &def.attrs {
        settings.insert(k.clone(), v.clone());
    }
    let xml = rewrite_c4x(&xml::without_attrs(def.node, def.text, &IMPORTED_SETTINGS));
    im.linking.push((def.path.clone(), xml.clone()));
    let mut p = ProblemContent::new(xml);
    p.weight = attr_f64(&settings, "weight");
    p.max_attempts = attr_f64(&settings, "max_attempts")
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n as u32);
    p.showanswer = attr_string(&settings, "showanswer").filter(|s| !s.is_empty());
    p.attempts_before_showanswer_button =
        attr_f64(&settings, "attempts_before_showanswer_button").map(|n| n as u32);
    p.show_correctness = attr_string(&settings, "show_correctness").filter(|s| !s.is_empty());
    p.show_reset_button = attr_bool(&settings, "show_reset_button").unwrap_or(false);
    p.rerandomize = match settings.get("rerandomize") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(v) => v.as_str().map(str::to_owned),
    };
    p.grading_method = match attr_string(&settings, "grading_method").as_deref() {
        Some("first_score") => GradingMethod::FirstScore,
        Some("highest_score") => GradingMethod::HighestScore,
        Some("average_score") => GradingMethod::AverageScore,
        _ => GradingMethod::LastScore,
    };
    // Its own due date only when it differs from the subsection's.
    let own = im.date_value(inh.0.get("due"), &def.path);
    let parent_due = parent
        .0
        .get("due")
        .and_then(|v| v.as_str().and_then(parse_date));
    p.due = own.filter(|d| Some(*d) != parent_due);
    p.parse(&def.url_name).map_err(|e| e.to_string())?;
    if let Some(why) = p.parsed.as_ref().and_then(|x| x.unsupported.clone()) {
        im.report.push(
            IssueKind::Unsupported,
            &def.path,
            format!("<problem> shown without grading: {why}"),
        );
    }
    p.parsed = None;
    Ok(ProblemKind::into_leaf(p))
}

fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let problem = leaf.content::<ProblemKind>()?;
    let xml = problem_xml(&leaf.block.title, &problem);
    leaf.add_file("problem", "xml", xml)?;
    Ok(pointer("problem", leaf.name()))
}

/// The problem's capa XML with its settings as attributes of the root element. Only the
/// root's start tag changes: a setting already there is replaced in place, one that is
/// now unset is removed (the stored settings are the truth), new ones are appended.
fn problem_xml(title: &str, p: &ProblemContent) -> String {
    let method = match p.grading_method {
        GradingMethod::LastScore => None,
        GradingMethod::FirstScore => Some("first_score"),
        GradingMethod::HighestScore => Some("highest_score"),
        GradingMethod::AverageScore => Some("average_score"),
    };
    let values: [Option<String>; 10] = [
        (!title.is_empty()).then(|| title.to_owned()),
        p.weight.map(|w| w.to_string()),
        p.max_attempts.map(|n| n.to_string()),
        p.showanswer.clone(),
        p.attempts_before_showanswer_button.map(|n| n.to_string()),
        p.show_correctness.clone(),
        p.show_reset_button.then(|| "true".to_owned()),
        p.rerandomize.clone(),
        method.map(str::to_owned),
        p.due.map(date),
    ];
    let settings: Vec<(&str, Option<String>)> = EXPORTED_SETTINGS.into_iter().zip(values).collect();
    set_root_attributes(&p.xml, &settings)
}

/// Edit the attributes of the root element of `xml` textually, so every other byte stays
/// as the author wrote it. XML that does not parse (stored problems always do: they are
/// parsed when saved) is returned unchanged rather than guessed at.
fn set_root_attributes(xml: &str, settings: &[(&str, Option<String>)]) -> String {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return xml.to_owned();
    };
    let root = doc.root_element();
    let start = root.range().start;
    let name_end = xml
        .get(start + 1..)
        .and_then(|rest| rest.find(|c: char| c.is_whitespace() || c == '/' || c == '>'))
        .map_or(xml.len(), |i| start + 1 + i);
    let mut insert_at = name_end;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for attr in root.attributes() {
        let range = attr.range();
        insert_at = insert_at.max(range.end);
        if attr.namespace().is_some() {
            continue;
        }
        let Some((name, value)) = settings.iter().find(|(n, _)| *n == attr.name()) else {
            continue;
        };
        match value {
            Some(v) => edits.push((range, format!("{name}=\"{}\"", escape_attr(v)))),
            None => {
                let before = &xml[..range.start];
                let space = before.len() - before.trim_end().len();
                edits.push((range.start - space..range.end, String::new()));
            }
        }
    }
    let mut added = String::new();
    for (name, value) in settings {
        let present = root
            .attributes()
            .any(|a| a.namespace().is_none() && a.name() == *name);
        if let (Some(v), false) = (value, present) {
            added.push_str(&format!(" {name}=\"{}\"", escape_attr(v)));
        }
    }
    if !added.is_empty() {
        edits.push((insert_at..insert_at, added));
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(xml.len() + 256);
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(&xml[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&xml[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_attributes_are_edited_in_place() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- c -->\n<problem display_name='Old' \n  showanswer=\"always\" markdown=\"x\">\n<p>a</p></problem>\n";
        let out = set_root_attributes(
            xml,
            &[
                ("display_name", Some("New \"one\" & <b>".to_owned())),
                ("showanswer", None),
                ("weight", Some("2".to_owned())),
            ],
        );
        assert_eq!(
            out,
            "<?xml version=\"1.0\"?>\n<!-- c -->\n<problem display_name=\"New &quot;one&quot; &amp; &lt;b&gt;\" markdown=\"x\" weight=\"2\">\n<p>a</p></problem>\n"
        );
        assert_eq!(
            set_root_attributes("<problem/>", &[("weight", Some("1".to_owned()))]),
            "<problem weight=\"1\"/>"
        );
        assert_eq!(
            set_root_attributes("<problem\n/>", &[("weight", Some("1".to_owned()))]),
            "<problem weight=\"1\"\n/>"
        );
        assert_eq!(set_root_attributes("<problem", &[]), "<problem");
    }
}
