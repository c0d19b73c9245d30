//! Discussion blocks: where the unit's conversation will be (a card for now).

use super::{
    AddEntry, BlockCtx, BlockState, EditorCtx, EditorForm, FieldError, FieldErrors, WebKind,
};
use crate::page::Page;
use askama::Template;
use lyceum_core::blocks::DiscussionContent;
use lyceum_core::blocks::discussion::Discussion;
use serde_json::Value;

pub struct DiscussionBlock;

impl WebKind for DiscussionBlock {
    fn kind(&self) -> &'static str {
        <Discussion as lyceum_core::blocks::BlockKind>::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-discussion"
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, _: &BlockState) -> askama::Result<String> {
        let (p, course) = (ctx.p, ctx.course);
        let node = course.tree().node(idx);
        let Some(d) = node.content_of::<Discussion>() else {
            return Ok(String::new());
        };
        DiscussionView {
            p,
            id: node.id.0,
            title: &node.title,
            content_lang: &course.row.language,
            content_dir: crate::handlers::catalog::content_dir(&course.row.language),
            category: d.category.trim(),
            target: d.target.trim(),
            staff_id: discussion_staff_id(d, ctx.staff),
        }
        .render()
    }

    fn add_entries(&self) -> &'static [AddEntry] {
        &[AddEntry {
            variant: "",
            label_key: "lyceum-editor-add-discussion",
            icon: "SpeechBubbles",
        }]
    }

    fn editor_fields(&self, content: &Value) -> EditorForm {
        let mut f = EditorForm::default();
        for k in ["target", "category"] {
            f.set(k, content.get(k).and_then(Value::as_str).unwrap_or(""));
        }
        f
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        DiscussionEditor {
            cx,
            target: form.get("target"),
            category: form.get("category"),
        }
        .render()
    }

    /// The topic's name and category; its id stays (a forum keys its posts on it).
    fn read_editor(&self, form: &EditorForm, old: &Value) -> Result<Value, FieldErrors> {
        let mut out = old.clone();
        if !out.is_object() {
            out = serde_json::json!({});
        }
        let mut errors = Vec::new();
        for k in ["target", "category"] {
            match lyceum_core::limits::clean(form.get(k), lyceum_core::limits::TITLE) {
                Ok(v) => out[k] = Value::String(v.trim().to_owned()),
                Err(e) => errors.push(FieldError::at(k, e, None)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "editors/kinds/discussion.html")]
struct DiscussionEditor<'a> {
    cx: &'a EditorCtx<'a>,
    target: &'a str,
    category: &'a str,
}

#[derive(Template)]
#[template(path = "blocks/discussion.html")]
struct DiscussionView<'a> {
    p: &'a Page,
    id: i64,
    title: &'a str,
    content_lang: &'a str,
    content_dir: &'static str,
    category: &'a str,
    target: &'a str,
    staff_id: Option<&'a str>,
}

fn discussion_staff_id(d: &DiscussionContent, staff: bool) -> Option<&str> {
    (staff && !d.discussion_id.is_empty()).then_some(d.discussion_id.as_str())
}
