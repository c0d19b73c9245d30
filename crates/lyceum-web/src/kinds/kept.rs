//! Kept Open edX blocks (`olx`): content Lyceum cannot run, kept verbatim so nothing is
//! lost. Learners learn what it is and that it does not hold them back; staff also see
//! where it came from, why it is kept, and its OLX.

use super::{BlockCtx, BlockState, EditorCtx, EditorForm, FieldErrors, WebKind};
use crate::page::{Html, Page};
use askama::Template;
use lyceum_core::blocks::OlxContent;
use lyceum_core::blocks::olx::Olx;
use serde_json::Value;

pub struct KeptBlock;

impl WebKind for KeptBlock {
    fn kind(&self) -> &'static str {
        <Olx as lyceum_core::blocks::BlockKind>::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-olx"
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, _: &BlockState) -> askama::Result<String> {
        let node = ctx.course.tree().node(idx);
        let Some(o) = node.content_of::<Olx>() else {
            return Ok(String::new());
        };
        olx(ctx.p, node.id.0, &node.title, o, ctx.staff)
    }

    /// Kept content is shown, not edited: Lyceum cannot run it, and changing OLX it
    /// does not understand could break it for the Open edX it came from.
    fn editable(&self) -> bool {
        false
    }

    fn editor_fields(&self, content: &Value) -> EditorForm {
        let mut f = EditorForm::default();
        for k in ["tag", "xml"] {
            f.set(k, content.get(k).and_then(Value::as_str).unwrap_or(""));
        }
        f
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        KeptEditor {
            cx,
            tag: form.get("tag"),
            xml: form.get("xml"),
        }
        .render()
    }

    fn read_editor(&self, _form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
        Ok(old.clone())
    }

    fn editor_text(&self, content: &Value) -> String {
        content
            .get("xml")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    }
}

#[derive(Template)]
#[template(path = "editors/kinds/olx.html")]
struct KeptEditor<'a> {
    cx: &'a EditorCtx<'a>,
    tag: &'a str,
    xml: &'a str,
}

/// What staff see of a kept Open edX block.
struct OlxStaffView<'a> {
    tag: &'a str,
    source_path: &'a str,
    error: &'a str,
    xml: &'a str,
}

#[derive(Template)]
#[template(path = "blocks/olx.html")]
struct OlxView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    notice: Html,
    broken: bool,
    staff: Option<OlxStaffView<'a>>,
}

/// What a kept Open edX block is, in words a learner understands (a message key).
fn olx_kind_key(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "lti" | "lti_consumer" => "lyceum-olx-kind-lti",
        "drag-and-drop-v2" => "lyceum-olx-kind-drag-and-drop",
        "poll" | "poll_question" => "lyceum-olx-kind-poll",
        "survey" => "lyceum-olx-kind-survey",
        "openassessment" => "lyceum-olx-kind-openassessment",
        "library_content" => "lyceum-olx-kind-library-content",
        // Kept problems are those Lyceum cannot grade: Python-checked, or an unknown form.
        "problem" => "lyceum-olx-kind-problem",
        "annotatable" => "lyceum-olx-kind-annotatable",
        "word_cloud" => "lyceum-olx-kind-word-cloud",
        "edx_sga" | "staffgradedxblock" => "lyceum-olx-kind-staff-graded",
        "done" => "lyceum-olx-kind-done",
        "split_test" => "lyceum-olx-kind-split-test",
        "conditional" => "lyceum-olx-kind-conditional",
        _ => return None,
    })
}

/// A kept block: learners learn what it is and that it does not hold them back; staff
/// also see where it came from, why it is kept, and its OLX.
fn olx(p: &Page, id: i64, title: &str, o: &OlxContent, staff: bool) -> askama::Result<String> {
    // A block of a kind Lyceum runs (html, video…) that failed to load is not an
    // "activity": say it could not be loaded.
    let broken = olx_kind_key(&o.tag).is_none() && !o.error.is_empty();
    let notice = match olx_kind_key(&o.tag) {
        _ if broken => p.t("lyceum-block-broken"),
        Some(key) => p.t1("lyceum-olx-notice", p.t(key)),
        None => p.t1(
            "lyceum-olx-notice",
            p.t1("lyceum-olx-kind-other", o.tag.as_str()),
        ),
    };
    OlxView {
        p,
        id,
        title,
        notice,
        broken,
        staff: staff.then_some(OlxStaffView {
            tag: &o.tag,
            source_path: &o.source_path,
            error: &o.error,
            xml: &o.xml,
        }),
    }
    .render()
}
