//! Lyceum's wiki tasks (issue 14) ↔ `<wiki_task>`, an element of Lyceum's own: Open edX
//! has no such block, so its importer keeps the element as XML it does not know, and a
//! course going back and forth loses nothing. Written inline in the unit:
//!
//! ```xml
//! <wiki_task url_name="draft" display_name="Your first draft" wiki="fr.wikipedia.org"
//!            graded="true" weight="2" due="2026-05-01T12:00:00Z"
//!            window_from="enrolment" until_due="true">
//!   <instructions format="markdown">Write a draft with **one** reference.</instructions>
//!   <criteria>{"type":"edit","title_pattern":"User:{username}/*","must_contain":["&lt;ref"]}</criteria>
//!   <prefill title="User:{username}/Brouillon" summary="Mon brouillon"/>
//! </wiki_task>
//! ```
//!
//! The scalar settings are attributes (`due` and `weight` mean what they mean on any Open
//! edX block); the criteria are their JSON, as the course API gives them, in one child
//! (three kinds of criteria with their own fields would otherwise need an element
//! vocabulary of their own for nothing); the instructions are the author's Markdown
//! (`format="markdown"`) or sanitised HTML (`format="html"`), as text.

use super::{ExportLeaf, Leaf, OlxKind};
use crate::export::{date, open_tag};
use crate::import::{Importer, attr_bool, attr_f64, attr_string, parse_date};
use crate::xml::{elements, escape_text};
use lyceum_core::blocks::wiki_task::{
    Criteria, Prefill, WikiTask, WikiTaskContent, Window, WindowStart,
};
use lyceum_core::blocks::{BlockKind, LeafContent, Registered};
use lyceum_core::error::DomainError;
use roxmltree::Node;

pub(super) const OLX: OlxKind = OlxKind {
    kind: WikiTask::KIND,
    tags: &[TAG, WHOLE_TAG],
    import,
    export,
    title: None,
    filename_is_content: false,
};

const TAG: &str = "wiki_task";
/// The element an early build of issue 14 wrote: the whole content as JSON in its
/// `content` attribute. Read, never written.
const WHOLE_TAG: &str = "lyceum_wiki_task";

/// `<wiki_task>` → a wiki task; `Err` (kept as OLX, reported) when it lacks its wiki or
/// criteria or does not make a valid task.
fn import(im: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let def = leaf.def;
    let mut c = read(def.node, &def.attrs)?;
    // Its own due date only when it differs from the subsection's (as problems do).
    let own = if def.node.has_tag_name(WHOLE_TAG) {
        attr_content_due(&def.attrs)
    } else {
        im.date_value(def.attrs.get("due"), &def.path)
    };
    let parent_due = leaf
        .parent
        .0
        .get("due")
        .and_then(|v| v.as_str().and_then(parse_date));
    c.due = own.filter(|d| Some(*d) != parent_due);
    WikiTask::into_leaf(c).validate().map_err(|e| e.to_string())
}

/// The due date inside a `<lyceum_wiki_task>`'s content.
fn attr_content_due(attrs: &crate::import::Attrs) -> Option<jiff::Timestamp> {
    let content = match attrs.get("content")? {
        serde_json::Value::String(s) => serde_json::from_str(s).ok()?,
        v => v.clone(),
    };
    content.get("due")?.as_str().and_then(parse_date)
}

/// Inline in the unit.
fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let c = leaf.content::<WikiTask>()?;
    Ok(write(leaf.name(), &leaf.block.title, &c))
}

/// All the text inside an element (entities and CDATA sections read as text).
fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

/// The content an element holds (its due date aside, which needs the importer's date
/// reading and the parent's dates).
fn read(node: Node<'_, '_>, attrs: &crate::import::Attrs) -> Result<WikiTaskContent, String> {
    if node.has_tag_name(WHOLE_TAG) {
        let mut c: WikiTaskContent = match attrs.get("content") {
            Some(serde_json::Value::String(s)) => serde_json::from_str(s),
            Some(v) => serde_json::from_value(v.clone()),
            None => return Err("no content".to_owned()),
        }
        .map_err(|e| format!("content: {e}"))?;
        c.due = None;
        return Ok(c);
    }
    let wiki = attr_string(attrs, "wiki").ok_or("no wiki")?;
    let child = |name: &str| elements(node).find(|e| e.has_tag_name(name));
    let criteria = child("criteria").ok_or("no <criteria>")?;
    let criteria: Criteria = serde_json::from_str(text_of(criteria).trim())
        .map_err(|e| format!("<criteria> is not criteria: {e}"))?;
    let (mut instructions, mut instructions_markdown) = (String::new(), String::new());
    if let Some(i) = child("instructions") {
        match i.attribute("format").unwrap_or("html") {
            "markdown" => instructions_markdown = text_of(i),
            "html" => instructions = text_of(i),
            other => return Err(format!("instructions in format {other:?}")),
        }
    }
    let from = match attr_string(attrs, "window_from").as_deref() {
        None | Some("enrolment") => WindowStart::Enrolment,
        Some("unit_opened") => WindowStart::UnitOpened,
        Some(other) => return Err(format!("window_from {other:?}")),
    };
    let prefill = child("prefill").map_or_else(Prefill::default, |p| Prefill {
        title: p.attribute("title").unwrap_or_default().to_owned(),
        summary: p.attribute("summary").unwrap_or_default().to_owned(),
    });
    Ok(WikiTaskContent {
        wiki,
        instructions,
        instructions_markdown,
        criteria,
        window: Window {
            from,
            until_due: attr_bool(attrs, "until_due").unwrap_or(true),
        },
        prefill,
        graded: attr_bool(attrs, "graded").unwrap_or(false),
        weight: attr_f64(attrs, "weight"),
        due: None,
    })
}

/// The task as one element, inline in its unit.
fn write(url_name: &str, title: &str, c: &WikiTaskContent) -> String {
    let mut attrs: Vec<(&str, String)> = vec![("url_name", url_name.to_owned())];
    if !title.is_empty() {
        attrs.push(("display_name", title.to_owned()));
    }
    attrs.push(("wiki", c.wiki.clone()));
    attrs.push(("graded", c.graded.to_string()));
    if let Some(w) = c.weight {
        attrs.push(("weight", w.to_string()));
    }
    if let Some(d) = c.due {
        attrs.push(("due", date(d)));
    }
    let from = match c.window.from {
        WindowStart::Enrolment => "enrolment",
        WindowStart::UnitOpened => "unit_opened",
    };
    attrs.push(("window_from", from.to_owned()));
    attrs.push(("until_due", c.window.until_due.to_string()));
    let mut s = open_tag(TAG, &attrs);
    s.push_str(">\n");
    let (format, instructions) = if c.instructions_markdown.is_empty() {
        ("html", &c.instructions)
    } else {
        ("markdown", &c.instructions_markdown)
    };
    if !instructions.is_empty() {
        s.push_str(&format!(
            "  {}>{}</instructions>\n",
            open_tag("instructions", &[("format", format.to_owned())]),
            escape_text(instructions)
        ));
    }
    let criteria = serde_json::to_string(&c.criteria).unwrap_or_default();
    s.push_str(&format!(
        "  <criteria>{}</criteria>\n",
        escape_text(&criteria)
    ));
    if c.prefill != Prefill::default() {
        s.push_str(&format!(
            "  {}/>\n",
            open_tag(
                "prefill",
                &[
                    ("title", c.prefill.title.clone()),
                    ("summary", c.prefill.summary.clone()),
                ]
            )
        ));
    }
    s.push_str(&format!("</{TAG}>"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use lyceum_core::blocks::wiki_task::{
        EditCriteria, PageRule, UploadCriteria, WikidataCriteria,
    };
    use serde_json::Value;

    fn attrs_of(node: Node<'_, '_>) -> crate::import::Attrs {
        node.attributes()
            .map(|a| {
                let v = serde_json::from_str::<Value>(a.value())
                    .unwrap_or_else(|_| Value::String(a.value().to_owned()));
                (a.name().to_owned(), v)
            })
            .collect()
    }

    fn parse(xml: &str) -> Result<WikiTaskContent, String> {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let root = doc.root_element();
        let mut c = read(root, &attrs_of(root))?;
        c.due = root.attribute("due").and_then(parse_date);
        Ok(c)
    }

    fn task(criteria: Criteria) -> WikiTaskContent {
        WikiTaskContent {
            wiki: "fr.wikipedia.org".into(),
            instructions: String::new(),
            instructions_markdown: String::new(),
            criteria,
            window: Window::default(),
            prefill: Prefill::default(),
            graded: false,
            weight: None,
            due: None,
        }
    }

    #[test]
    fn every_kind_of_task_reads_back_as_written() {
        let mut edit = task(Criteria::Edit(EditCriteria {
            namespaces: vec![2, 118],
            title_pattern: "User:{username}/*".into(),
            page: PageRule::Created,
            min_bytes: 500,
            must_contain: vec!["<ref".into(), "{{Infobox \"x\" & y".into()],
            tag: "visualeditor".into(),
            min_edits: 2,
        }));
        edit.instructions_markdown = "Write **one** draft.\n\n- with a <ref>\n- & more".into();
        edit.graded = true;
        edit.weight = Some(2.5);
        edit.due = Some("2026-05-01T12:00:00Z".parse().unwrap());
        edit.window = Window {
            from: WindowStart::UnitOpened,
            until_due: false,
        };
        edit.prefill = Prefill {
            title: "User:{username}/Brouillon".into(),
            summary: "Mon « brouillon »".into(),
        };
        let mut upload = task(Criteria::Upload(UploadCriteria {
            category: "Maps of France".into(),
            licence_template: "Cc-by-sa-4.0".into(),
            min_uploads: 3,
        }));
        upload.wiki = "commons.wikimedia.org".into();
        upload.instructions = "<p>Upload <em>a map</em></p>".into();
        let mut wikidata = task(Criteria::Wikidata(WikidataCriteria {
            property: "P31".into(),
            with_reference: true,
            min_edits: 1,
        }));
        wikidata.wiki = "www.wikidata.org".into();
        for c in [edit, upload, wikidata] {
            let xml = write("t1", "A \"task\"", &c);
            assert!(xml.starts_with("<wiki_task url_name=\"t1\""), "{xml}");
            assert_eq!(parse(&xml).unwrap(), c, "{xml}");
        }
    }

    #[test]
    fn elements_missing_what_a_task_needs_are_refused() {
        for (xml, why) in [
            (
                r#"<wiki_task url_name="a"><criteria>{"type":"edit"}</criteria></wiki_task>"#,
                "wiki",
            ),
            (r#"<wiki_task url_name="a" wiki="x.org"/>"#, "<criteria>"),
            (
                r#"<wiki_task url_name="a" wiki="x.org"><criteria>{"type":"poem"}</criteria></wiki_task>"#,
                "not criteria",
            ),
            (
                r#"<wiki_task url_name="a" wiki="x.org" window_from="later"><criteria>{"type":"edit"}</criteria></wiki_task>"#,
                "window_from",
            ),
            (
                r#"<wiki_task url_name="a" wiki="x.org"><instructions format="rtf">x</instructions><criteria>{"type":"edit"}</criteria></wiki_task>"#,
                "format",
            ),
        ] {
            let e = parse(xml).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        // Hand-written: defaults fill in, CDATA reads as text.
        let c = parse(
            r#"<wiki_task wiki="en.wikipedia.org"><instructions><![CDATA[<p>Go</p>]]></instructions><criteria><![CDATA[{"type":"wikidata","property":"P569"}]]></criteria></wiki_task>"#,
        )
        .unwrap();
        assert_eq!(c.instructions, "<p>Go</p>");
        assert_eq!(c.window, Window::default());
        assert!(!c.graded);
    }

    #[test]
    fn the_early_whole_content_element_is_read() {
        let c = task(Criteria::Wikidata(WikidataCriteria {
            property: "P31".into(),
            with_reference: false,
            min_edits: 1,
        }));
        let xml = format!(
            "{}/>",
            open_tag(
                WHOLE_TAG,
                &[
                    ("url_name", "x".into()),
                    ("content", serde_json::to_string(&c).unwrap())
                ]
            )
        );
        assert_eq!(parse(&xml).unwrap(), c);
        assert!(parse("<lyceum_wiki_task url_name=\"x\"/>").is_err());
    }
}
