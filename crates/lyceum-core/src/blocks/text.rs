//! Text blocks: Markdown or HTML written by authors, stored with its sanitised rendering.

use super::{BlockKind, CompletionRule};
use crate::error::DomainError;
use crate::sanitize::{try_markdown_to_html, try_sanitize_html};
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
