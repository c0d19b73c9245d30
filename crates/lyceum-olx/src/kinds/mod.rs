//! Each block kind's OLX mapping, import and export side by side, one module per kind,
//! and the ONE registry that the importer and the exporter dispatch through: an OLX tag
//! names the kind that reads it, a Lyceum kind names the module that writes it back.
//! Nothing else in this crate knows the list of kinds.
//!
//! Adding a kind: a module here with its `OLX` description, and one line in [`KINDS`].
//! A tag no kind reads is kept as raw OLX ([`kept`]); a stored kind no module writes
//! (one written by a newer Lyceum) is left out of the export.

mod discussion;
mod html;
pub(crate) mod kept;
mod open_response;
mod problem;
mod survey;
mod video;
mod wiki_task;

use crate::export::Files;
use crate::import::{Def, Importer, Inherited};
use lyceum_core::blocks::{BlockKind, LeafContent};
use lyceum_core::course::spec::NewBlock;
use lyceum_core::error::DomainError;
use roxmltree::Node;

/// Every kind's OLX mapping: one line per kind.
static KINDS: &[OlxKind] = &[
    html::OLX,
    problem::OLX,
    video::OLX,
    open_response::OLX,
    discussion::OLX,
    survey::OLX,
    wiki_task::OLX,
    kept::OLX,
];

/// How one Lyceum block kind reads from and writes to OLX.
pub(crate) struct OlxKind {
    /// The Lyceum kind (`blocks.kind`) this module writes back.
    pub kind: &'static str,
    /// The OLX tags read as this kind.
    pub tags: &'static [&'static str],
    /// Read one block's definition. `Err(why)` keeps the block as raw OLX with `why`
    /// reported (an empty `why`: simply not supported).
    pub import: fn(&mut Importer<'_>, &Leaf<'_, '_, '_>) -> Result<LeafContent, String>,
    /// Write one block: the element the unit holds (inline, or a pointer to the files
    /// it adds).
    pub export: fn(&mut ExportLeaf<'_>) -> Result<String, DomainError>,
    /// A title read from the block's own XML when it has no `display_name`.
    pub title: Option<fn(Node<'_, '_>) -> Option<String>>,
    /// Whether `filename=` names this kind's own content file (Open edX's html) rather
    /// than a legacy definition file `TAG/FILENAME.xml`.
    pub filename_is_content: bool,
}

/// The kind that reads the OLX tag `tag`, if any.
pub(crate) fn for_tag(tag: &str) -> Option<&'static OlxKind> {
    KINDS.iter().find(|k| k.tags.contains(&tag))
}

/// The module that writes the Lyceum kind `kind`, if any.
pub(crate) fn for_kind(kind: &str) -> Option<&'static OlxKind> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// A leaf block being imported: its definition and the settings it inherits.
pub(crate) struct Leaf<'l, 'a, 'i> {
    pub def: &'l Def<'a, 'i>,
    /// The settings in effect at the block (its parent's, overridden by its own).
    pub inherited: &'l Inherited,
    /// The settings in effect at its parent (the unit).
    pub parent: &'l Inherited,
}

/// A leaf block being exported, with the archive's files it may add to.
pub(crate) struct ExportLeaf<'a> {
    pub block: &'a NewBlock,
    /// The block's `url_name` as a path below its kind's directory (`a:b` → `a/b`).
    pub path: &'a str,
    pub files: &'a mut Files,
}

impl ExportLeaf<'_> {
    /// The block's stored content as kind `K` reads it; undecodable content is an error,
    /// as everywhere content is read.
    pub fn content<K: BlockKind>(&self) -> Result<K::Content, DomainError> {
        serde_json::from_str(&self.block.content)
            .map_err(|e| DomainError::new("lyceum-error-block-content").with_arg(e.to_string()))
    }

    pub fn name(&self) -> &str {
        &self.block.url_name
    }

    /// Add the file `DIR/PATH.EXT` of this block.
    pub fn add_file(
        &mut self,
        dir: &str,
        ext: &str,
        body: impl Into<Vec<u8>>,
    ) -> Result<(), DomainError> {
        let path = format!("{dir}/{}.{ext}", self.path);
        self.files.add(path, body, &self.block.url_name)
    }
}
