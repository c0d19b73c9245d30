//! A learner's on-wiki work summed as WikiEdu's Dashboard shows it: edits, pages created
//! and edited, bytes added, references added, uploads — per wiki, and over a cohort.
//!
//! SKELETON: filled in by the wiki-task core work (issue 14).

use serde::Serialize;

/// Sums over a window. `bytes_added` counts only what edits added (positive size
/// differences); `refs_added` only edits whose text was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub edits: i64,
    pub pages_created: i64,
    pub pages_edited: i64,
    pub bytes_added: i64,
    pub refs_added: i64,
    pub uploads: i64,
}
