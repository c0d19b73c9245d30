//! What Lyceum knows of a learner's work on the wikis, as read through the Action API
//! (`lyceum_wiki::action` produces these, `lyceum_store::repo::wiki` keeps them, the wiki
//! task kind judges them). Pure data: no I/O.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One edit, as `list=usercontribs` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WikiEdit {
    pub revid: i64,
    /// 0 for a page's first revision.
    pub parentid: i64,
    pub pageid: i64,
    pub ns: i64,
    pub title: String,
    pub timestamp: Timestamp,
    /// The page's size in bytes after the edit.
    pub size: i64,
    /// The change from the parent revision (equal to `size` for a new page).
    pub sizediff: i64,
    /// The edit created the page.
    pub new: bool,
    pub tags: Vec<String>,
}

impl WikiEdit {
    /// Reverted by a later edit (MediaWiki 1.36+ tags the reverted edits `mw-reverted`).
    pub fn reverted(&self) -> bool {
        self.tags.iter().any(|t| t == "mw-reverted")
    }
}

/// One upload, as `list=logevents&letype=upload` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WikiUpload {
    pub logid: i64,
    /// `File:…`
    pub title: String,
    pub timestamp: Timestamp,
}

/// What a file page holds, for upload criteria (`prop=categories|templates`). Names
/// without their namespace prefix, as MediaWiki normalises them (first letter upper
/// case, underscores as spaces).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub title: String,
    pub categories: Vec<String>,
    pub templates: Vec<String>,
    /// The file page no longer exists (deleted).
    pub missing: bool,
}

/// A revision's content and its parent's, for criteria that read the text (must contain,
/// references added, Wikidata statements). `content` is `None` when the revision was
/// deleted or its text hidden.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionText {
    pub revid: i64,
    /// `wikitext`, `json`, `wikibase-item`…
    pub content_model: String,
    pub content: Option<String>,
    /// `None` for a page's first revision (or a parent that cannot be read).
    pub parent_content: Option<String>,
}
