//! Text blocks: the author's sanitised HTML, with links to course files resolved.

use super::{
    AddEntry, BlockCtx, BlockState, EditorCtx, EditorForm, FieldError, FieldErrors, WebKind,
};
use crate::page::Html;
use askama::Template;
use lyceum_core::blocks::text::Text;
use serde_json::{Value, json};

pub struct TextBlock;

impl WebKind for TextBlock {
    fn kind(&self) -> &'static str {
        <Text as lyceum_core::blocks::BlockKind>::KIND
    }

    fn name_key(&self) -> &'static str {
        "lyceum-editor-kind-text"
    }

    fn render(&self, ctx: &BlockCtx<'_>, idx: usize, _: &BlockState) -> askama::Result<String> {
        let node = ctx.course.tree().node(idx);
        let Some(t) = node.content_of::<Text>() else {
            return Ok(String::new());
        };
        TextView {
            id: node.id.0,
            title: &node.title,
            html: ctx.course.author_html(ctx.p, &t.html),
        }
        .render()
    }

    fn add_entries(&self) -> &'static [AddEntry] {
        &[AddEntry {
            variant: "",
            label_key: "lyceum-editor-add-text",
            icon: "Article",
        }]
    }

    /// `{"markdown"}` or `{"html"}` as a format and a source.
    fn editor_fields(&self, content: &Value) -> EditorForm {
        let mut f = EditorForm::default();
        match content.get("html").and_then(Value::as_str) {
            Some(html) => {
                f.set("format", "html");
                f.set("source", html);
            }
            None => {
                f.set("format", "markdown");
                f.set(
                    "source",
                    content
                        .get("markdown")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                );
            }
        }
        f
    }

    fn editor(&self, cx: &EditorCtx<'_>, form: &EditorForm) -> askama::Result<String> {
        TextEditor {
            cx,
            format: form.get("format"),
            source: form.get("source"),
        }
        .render()
    }

    fn read_editor(&self, form: &EditorForm, _old: &Value) -> Result<Value, FieldErrors> {
        let source = form.get("source").replace("\r\n", "\n");
        match form.get("format") {
            "html" => Ok(json!({ "html": source })),
            "markdown" | "" => Ok(json!({ "markdown": source })),
            _ => Err(vec![FieldError::at(
                "format",
                lyceum_core::DomainError::new("lyceum-error-text-authoring"),
                None,
            )]),
        }
    }

    fn editor_text(&self, content: &Value) -> String {
        content
            .get("markdown")
            .or_else(|| content.get("html"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    }

    fn autosaves(&self) -> bool {
        true
    }
}

#[derive(Template)]
#[template(path = "editors/kinds/text.html")]
struct TextEditor<'a> {
    cx: &'a EditorCtx<'a>,
    format: &'a str,
    source: &'a str,
}

#[derive(Template)]
#[template(path = "blocks/text.html")]
struct TextView<'a> {
    id: i64,
    title: &'a str,
    html: Html,
}
