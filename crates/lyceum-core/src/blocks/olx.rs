//! Blocks kept from an Open edX course that Lyceum cannot run (yet): custom Python or
//! JavaScript problems, LTI tools, drag-and-drop, polls, unknown XBlocks — and blocks whose
//! definition could not be read at all. Nothing of a course is dropped on import: the raw
//! OLX is stored, learners see that the activity is not available here, staff see what it
//! was, and export writes the XML back unchanged.

use super::{BlockKind, CompletionRule};
use crate::error::DomainError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlxContent {
    /// The element's tag (`lti`, `drag-and-drop-v2`, `problem` …).
    pub tag: String,
    /// The block's definition exactly as it was imported (an element, or for a file
    /// that could not be parsed, the file's text).
    pub xml: String,
    /// Why it is kept rather than run: empty for a kind Lyceum does not have; otherwise a
    /// technical message for staff (an XML syntax error, a missing file, an unsupported
    /// response type).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// Where it came from in the archive, for staff.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_path: String,
}

pub struct Olx;

/// Generous: a library_content block carries its problems inline.
const MAX_XML_BYTES: usize = 2 * 1024 * 1024;

impl BlockKind for Olx {
    const KIND: &'static str = "olx";
    type Content = OlxContent;

    fn validate(c: OlxContent) -> Result<OlxContent, DomainError> {
        if c.xml.len() > MAX_XML_BYTES {
            return Err(DomainError::new("lyceum-error-olx-block-too-large").with_arg(c.tag));
        }
        if c.tag.is_empty() {
            return Err(DomainError::new("lyceum-error-block-content").with_arg("tag"));
        }
        Ok(c)
    }

    fn completion(_: &OlxContent) -> Option<CompletionRule> {
        // Learners cannot do it here, so it must not hold back their completion.
        None
    }
}
