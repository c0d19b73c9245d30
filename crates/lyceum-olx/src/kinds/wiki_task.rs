//! Wiki tasks ↔ `<lyceum_wiki_task>`: Open edX has no such block, so the element carries
//! the whole content as JSON in its `content` attribute (Open edX keeps an element it does
//! not know, and Lyceum reads it back as it was).

use super::{ExportLeaf, Leaf, OlxKind};
use crate::export::open_tag;
use crate::import::Importer;
use lyceum_core::blocks::wiki_task::{WikiTask, WikiTaskContent};
use lyceum_core::blocks::{BlockKind, LeafContent, Registered};
use lyceum_core::error::DomainError;
use serde_json::Value;

pub(super) const OLX: OlxKind = OlxKind {
    kind: WikiTask::KIND,
    tags: &[TAG],
    import,
    export,
    title: None,
    filename_is_content: false,
};

const TAG: &str = "lyceum_wiki_task";

fn import(_: &mut Importer<'_>, leaf: &Leaf<'_, '_, '_>) -> Result<LeafContent, String> {
    let content: WikiTaskContent = match leaf.def.attrs.get("content") {
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| format!("content: {e}"))?,
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("content: {e}"))?,
        None => return Err("no content".to_owned()),
    };
    WikiTask::into_leaf(content)
        .validate()
        .map_err(|e| e.to_string())
}

fn export(leaf: &mut ExportLeaf<'_>) -> Result<String, DomainError> {
    let c = leaf.content::<WikiTask>()?;
    let mut attrs = vec![("url_name", leaf.block.url_name.clone())];
    if !leaf.block.title.is_empty() {
        attrs.push(("display_name", leaf.block.title.clone()));
    }
    attrs.push(("content", serde_json::to_string(&c).unwrap_or_default()));
    Ok(format!("{}/>", open_tag(TAG, &attrs)))
}
