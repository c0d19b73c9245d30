//! Open edX's `<discussion>` ↔ discussion blocks (inline in the unit, as Studio writes
//! them).

use super::{ExportLeaf, Leaf, OlxKind};
use crate::export::open_tag;
use crate::import::{Importer, attr_string};
use lyceum_core::blocks::discussion::Discussion;
use lyceum_core::blocks::{BlockKind, Registered};
use lyceum_core::blocks::{DiscussionContent, LeafContent};
use lyceum_core::course::spec::NewBlock;
use lyceum_core::error::DomainError;

pub(super) const OLX: OlxKind = OlxKind {
    kind: Discussion::KIND,
    tags: &["discussion"],
    import,
    export,
    title: None,
    filename_is_content: false,
};

fn import(_: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let attrs = &leaf.def.attrs;
    Ok(Discussion::into_leaf(DiscussionContent {
        discussion_id: attr_string(attrs, "discussion_id").unwrap_or_default(),
        category: attr_string(attrs, "discussion_category").unwrap_or_default(),
        target: attr_string(attrs, "discussion_target").unwrap_or_default(),
    }))
}

fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let d = leaf.content::<Discussion>()?;
    Ok(discussion_xml(leaf.block, &d))
}

fn discussion_xml(block: &NewBlock, d: &DiscussionContent) -> String {
    let mut attrs = vec![("url_name", block.url_name.clone())];
    if !d.discussion_id.is_empty() {
        attrs.push(("discussion_id", d.discussion_id.clone()));
    }
    // Always written, even empty: with `url_name` alone the element would be a pointer.
    attrs.push(("discussion_category", d.category.clone()));
    attrs.push(("discussion_target", d.target.clone()));
    if !block.title.is_empty() {
        attrs.push(("display_name", block.title.clone()));
    }
    format!("{}/>", open_tag("discussion", &attrs))
}
