//! Text blocks: Markdown or HTML written by authors, stored with its sanitised rendering.

use super::{BlockKind, CompletionRule};
use crate::error::DomainError;
use crate::sanitize::{try_markdown_to_html, try_sanitize_html};
use crate::translation::Field;
use crate::translation::html::visit_paragraphs;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    Markdown,
    Html,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextContent {
    pub format: TextFormat,
    /// What the author wrote, kept for editing and export.
    pub source: String,
    /// Sanitised HTML shown to learners; always derived from `source` on save.
    #[serde(default)]
    pub html: String,
}

impl TextContent {
    pub fn markdown(source: impl Into<String>) -> Self {
        Self {
            format: TextFormat::Markdown,
            source: source.into(),
            html: String::new(),
        }
    }

    pub fn html(source: impl Into<String>) -> Self {
        Self {
            format: TextFormat::Html,
            source: source.into(),
            html: String::new(),
        }
    }
}

pub struct Text;

/// Large enough for a long chapter; small enough that one block cannot bloat a page.
const MAX_SOURCE_BYTES: usize = 512 * 1024;

impl BlockKind for Text {
    const KIND: &'static str = "text";
    type Content = TextContent;

    fn validate(mut c: TextContent) -> Result<TextContent, DomainError> {
        if c.source.len() > MAX_SOURCE_BYTES {
            return Err(DomainError::new("lyceum-error-text-too-long"));
        }
        // Never trust a rendering that came with the input; refuse nesting too deep to
        // render in reasonable time.
        c.html = match c.format {
            TextFormat::Markdown => try_markdown_to_html(&c.source)?,
            TextFormat::Html => try_sanitize_html(&c.source)?,
        };
        Ok(c)
    }

    fn completion(_: &TextContent) -> Option<CompletionRule> {
        Some(CompletionRule::OnView)
    }

    fn blank() -> Option<serde_json::Value> {
        Some(serde_json::json!({ "markdown": "" }))
    }

    /// `{"markdown": "…"}` or `{"html": "…"}` (the stored shape is taken too).
    fn from_authoring(value: serde_json::Value) -> Result<TextContent, DomainError> {
        let text = |v: &serde_json::Value| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| DomainError::new("lyceum-error-text-authoring"))
        };
        match &value {
            serde_json::Value::Object(o)
                if o.contains_key("markdown") && !o.contains_key("html") =>
            {
                Ok(TextContent::markdown(text(&o["markdown"])?))
            }
            serde_json::Value::Object(o)
                if o.contains_key("html")
                    && !o.contains_key("format")
                    && !o.contains_key("markdown") =>
            {
                Ok(TextContent::html(text(&o["html"])?))
            }
            serde_json::Value::Object(o) if o.contains_key("format") => {
                serde_json::from_value(value)
                    .map_err(|_| DomainError::new("lyceum-error-text-authoring"))
            }
            _ => Err(DomainError::new("lyceum-error-text-authoring")),
        }
    }

    fn to_authoring(c: &TextContent) -> serde_json::Value {
        match c.format {
            TextFormat::Markdown => serde_json::json!({ "markdown": c.source }),
            TextFormat::Html => serde_json::json!({ "html": c.source }),
        }
    }

    /// Each paragraph, heading, list item and table cell of the rendered HTML, as inline
    /// HTML: a change to one paragraph outdates one segment. A translated copy changes
    /// the rendering only (`source` stays the author's, for editing).
    fn translatable(c: &mut TextContent, visit: &mut dyn FnMut(Field<'_>, &mut String)) {
        visit_paragraphs(&mut c.html, "p", visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_send_markdown_or_html() {
        let md = Text::from_authoring(serde_json::json!({"markdown": "*hi*"})).unwrap();
        assert_eq!(md, TextContent::markdown("*hi*"));
        assert_eq!(
            Text::to_authoring(&md),
            serde_json::json!({"markdown": "*hi*"})
        );
        let html = Text::from_authoring(serde_json::json!({"html": "<p>x</p>"})).unwrap();
        assert_eq!(html.format, TextFormat::Html);
        assert_eq!(
            Text::to_authoring(&html),
            serde_json::json!({"html": "<p>x</p>"})
        );
        for bad in [
            serde_json::json!("text"),
            serde_json::json!({"markdown": 3}),
            serde_json::json!({"markdown": "a", "html": "b"}),
            serde_json::json!({}),
        ] {
            assert_eq!(
                Text::from_authoring(bad.clone()).unwrap_err().key.0,
                "lyceum-error-text-authoring",
                "{bad}"
            );
        }
    }

    #[test]
    fn supplied_html_is_ignored_and_rebuilt() {
        let mut c = TextContent::html("<p>ok</p><script>x</script>");
        c.html = "<script>evil()</script>".into();
        let v = Text::validate(c).unwrap();
        assert_eq!(v.html, "<p>ok</p>");
    }

    #[test]
    fn deeply_nested_text_is_refused() {
        let deep = crate::sanitize::MAX_NESTING + 1;
        for c in [
            TextContent::html("<div>".repeat(deep)),
            TextContent::markdown(format!("{}x", "> ".repeat(deep))),
            TextContent::markdown(format!("{}x", "<blockquote>".repeat(deep))),
        ] {
            assert_eq!(
                Text::validate(c).unwrap_err().key.0,
                "lyceum-error-content-too-deep"
            );
        }
        let ok = Text::validate(TextContent::markdown("- a\n  - b\n\n> c")).unwrap();
        assert!(ok.html.contains("<blockquote>"), "{}", ok.html);
    }

    #[test]
    fn oversized_text_is_refused() {
        let c = TextContent::markdown("a".repeat(MAX_SOURCE_BYTES + 1));
        assert_eq!(
            Text::validate(c).unwrap_err().key.0,
            "lyceum-error-text-too-long"
        );
    }
}
