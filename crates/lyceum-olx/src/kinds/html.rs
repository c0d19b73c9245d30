//! Open edX's `<html>` ↔ text blocks: the body in `html/NAME.html` (or inline), a
//! Markdown source kept in [`MARKDOWN_ATTR`] for Lyceum to read back as Markdown.

use super::{ExportLeaf, Leaf, OlxKind};
use crate::IssueKind;
use crate::export::{open_tag, pointer};
use crate::import::{Importer, markdown_is_tame, rewrite_c4x, text_of};
use crate::xml::inner_text;
use lyceum_core::blocks::text::Text;
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::blocks::{LeafContent, TextContent, TextFormat};
use lyceum_core::error::DomainError;
use lyceum_core::sanitize::markdown_to_html;

pub(super) const OLX: OlxKind = OlxKind {
    kind: Text::KIND,
    tags: &["html"],
    import,
    export,
    title: None,
    filename_is_content: true,
};

/// Attribute for what Lyceum has and Open edX does not: a text's Markdown source. Open
/// edX keeps unknown attributes as they are (`xml_attributes`) and writes them back, so
/// it survives a trip through Studio too.
const MARKDOWN_ATTR: &str = "lyceum_markdown";

fn import(im: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let def = leaf.def;
    let body = match def.node.attribute("filename") {
        Some(f) => {
            let dir = def
                .url_name
                .replace(':', "/")
                .rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
                .unwrap_or_default();
            let candidates = [
                format!("html/{dir}{f}.html"),
                format!("html/{f}.html"),
                format!("html/{dir}{f}"),
                format!("html/{f}"),
                format!("html/{f}.html.html"),
            ];
            match candidates
                .iter()
                .find_map(|c| text_of(im.files, c).map(|t| (c, t)))
            {
                Some((c, t)) => {
                    im.linking.push((c.clone(), t.to_owned()));
                    t.to_owned()
                }
                None => {
                    im.report
                        .push(IssueKind::MissingFile, &def.path, format!("html/{f}.html"));
                    return Err(format!("missing file html/{f}.html"));
                }
            }
        }
        None => {
            let t = inner_text(def.node, def.text).to_owned();
            im.linking.push((def.path.clone(), t.clone()));
            t
        }
    };
    // Lyceum's own export keeps a Markdown text's source beside its rendering: a text
    // whose rendering is still what that source gives comes back as Markdown.
    if let Some(md) = def.node.attribute(MARKDOWN_ATTR)
        && markdown_is_tame(md)
        && lyceum_core::sanitize::markdown_to_html(md) == body
    {
        return Ok(Text::into_leaf(TextContent::markdown(md)));
    }
    Ok(Text::into_leaf(TextContent::html(rewrite_c4x(&body))))
}

fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let text = leaf.content::<Text>()?;
    let body = match text.format {
        TextFormat::Html => text.source.clone(),
        // Open edX has no Markdown: the rendering learners see is exported.
        TextFormat::Markdown if text.html.is_empty() => markdown_to_html(&text.source),
        TextFormat::Markdown => text.html.clone(),
    };
    // `filename` is relative to the directory of the `.xml` file (edx:
    // `html_block.py` `definition_to_xml`), so for `a:b` it is `b`.
    let filename = leaf.path.rsplit('/').next().unwrap_or(leaf.path).to_owned();
    let mut attrs = vec![("filename", filename)];
    if !leaf.block.title.is_empty() {
        attrs.push(("display_name", leaf.block.title.clone()));
    }
    if text.format == TextFormat::Markdown {
        // The author's Markdown, for Lyceum to import again as Markdown. Open edX
        // keeps attributes it does not know and writes them back on export.
        attrs.push((MARKDOWN_ATTR, text.source));
    }
    leaf.add_file("html", "xml", format!("{}/>\n", open_tag("html", &attrs)))?;
    leaf.add_file("html", "html", body)?;
    Ok(pointer("html", leaf.name()))
}
