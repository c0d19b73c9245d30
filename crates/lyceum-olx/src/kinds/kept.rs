//! Blocks Lyceum cannot run, kept as raw OLX (`olx` kind): every tag no kind reads, and
//! every block whose definition is missing, does not parse or makes no valid content.
//! Export writes them back as they came.

use super::{ExportLeaf, Leaf, OlxKind};
use crate::export::{check_tag, pointer};
use crate::import::{Def, Importer};
use crate::xml::is_pointer;
use lyceum_core::blocks::olx::Olx;
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::blocks::{LeafContent, OlxContent};
use lyceum_core::error::DomainError;

/// Read by no tag: the importer falls back to it.
pub(super) const OLX: OlxKind = OlxKind {
    kind: Olx::KIND,
    tags: &[],
    import,
    export,
    title: None,
    filename_is_content: false,
};

/// Never chosen by tag; a block read as kept is simply not supported.
fn import(_: &mut Importer<'_>, _: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    Err(String::new())
}

/// A block kept as OLX with its pointer children inlined; `error` says why it is kept.
pub(crate) fn keep(
    im: &mut Importer<'_>,
    def: &Def<'_, '_>,
    tag: &str,
    error: String,
) -> LeafContent {
    Olx::into_leaf(OlxContent {
        tag: tag.to_owned(),
        xml: im.kept_xml(def),
        error,
        source_path: def.path.clone(),
    })
}

/// A block whose definition could not be loaded, kept as the text that was there.
pub(crate) fn unloaded(tag: String, xml: String, error: String, source_path: &str) -> LeafContent {
    Olx::into_leaf(OlxContent {
        tag,
        xml,
        error,
        source_path: source_path.to_owned(),
    })
}

/// Whether `content` is a kept block (which has no release date of its own).
pub(crate) fn is_kept(content: &LeafContent) -> bool {
    content.kind() == OLX.kind
}

fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let olx = leaf.content::<Olx>()?;
    olx_element(leaf, &olx)
}

/// Kept OLX goes back as it came: inline in the vertical, byte for byte, when it is an
/// element that reads back as this same block. Otherwise the text is written verbatim
/// to `TAG/NAME.xml` behind a pointer:
/// - text that does not parse (an error block holding a broken file) cannot sit inside
///   the vertical without breaking the vertical itself;
/// - an element without this block's `url_name` would get a made-up name on import (from
///   its display_name or a hash), losing the block's identity;
/// - an element that looks like a pointer (`url_name` alone) would be read as one;
/// - a block that came from a file of its own goes back to one.
fn olx_element(leaf: &mut ExportLeaf<'_>, olx: &OlxContent) -> Result<String, DomainError> {
    let name = &leaf.block.url_name;
    let parsed_tag = match roxmltree::Document::parse(&olx.xml) {
        Ok(doc) if !olx.xml.trim_start().starts_with("<?xml") => {
            let root = doc.root_element();
            // A block that had a file of its own in the imported course (`lti/NAME.xml`)
            // gets one again, so the layout — and the source path staff see — survives.
            let own_file = olx.source_path.starts_with(&format!("{}/", olx.tag));
            if root.attribute("url_name") == Some(name.as_str()) && !is_pointer(root) && !own_file {
                return Ok(olx.xml.clone());
            }
            Some(qualified_name(root, &olx.xml))
        }
        _ => None,
    };
    let tag = parsed_tag.unwrap_or_else(|| olx.tag.clone());
    check_tag(&tag)?;
    leaf.add_file(&tag, "xml", olx.xml.clone())?;
    Ok(pointer(&tag, name))
}

/// The element's tag as written (with its prefix, if any).
fn qualified_name(node: roxmltree::Node<'_, '_>, text: &str) -> String {
    let start = node.range().start + 1;
    text.get(start..)
        .and_then(|rest| {
            rest.find(|c: char| c.is_whitespace() || c == '/' || c == '>')
                .map(|end| rest[..end].to_owned())
        })
        .unwrap_or_else(|| node.tag_name().name().to_owned())
}
