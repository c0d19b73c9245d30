//! Open edX course exports (OLX) in and out of Lyceum.
//!
//! Three layers, each usable alone:
//! - [`archive`] reads a `.tar.gz` or a directory from a stranger safely: it streams,
//!   refuses unsafe paths, links and device files, and caps sizes and file counts. Files
//!   under `static/` go straight to a [`BlobSink`] (a media staging area), the rest is kept in
//!   memory (small XML, JSON and HTML).
//! - [`import`] turns those files into Lyceum's course model ([`Imported`]) following
//!   Open edX's own importer (spec: `olx-and-capa.md` §1), with a [`Report`] of what could
//!   not be used. Nothing is dropped: blocks Lyceum cannot run are kept as raw OLX.
//!   Each block kind's mapping, both ways, is one module of `kinds/`, found through
//!   one registry by OLX tag (import) and by Lyceum kind (export).
//! - [`export`] writes a course in that same model as an OLX `.tar.gz` that Open edX and
//!   Lyceum import again.
//!
//! No database and no I/O beyond the archive: the caller stores the result.

pub mod archive;
pub mod export;
pub mod import;
mod kinds;
mod xml;

use lyceum_core::course::spec::{NewBlock, NewCourse};
use serde::Serialize;
use std::collections::BTreeMap;

/// Caps on what an archive may hold; an archive over any of them is refused whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sum of the uncompressed sizes of all files.
    pub max_total_bytes: u64,
    pub max_files: u64,
    /// Any one file under `static/`.
    pub max_file_bytes: u64,
    /// Any one file outside `static/` (XML, JSON, HTML), which is held in memory.
    pub max_text_file_bytes: u64,
}

impl Default for Limits {
    /// Generous for real courses (the Open edX demo course: 780 files, 12 MB; large
    /// video-heavy courses reach a few GB only when videos are uploaded, which OLX
    /// exports do not carry), small enough that an archive bomb is stopped early.
    fn default() -> Self {
        Limits {
            max_total_bytes: 2 * 1024 * 1024 * 1024,
            max_files: 20_000,
            max_file_bytes: 1024 * 1024 * 1024,
            max_text_file_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Where the bytes of `static/` files go as they are read: a staging area of the media
/// store, whose files join the store only if the import is committed.
pub trait BlobSink {
    /// Store one file; returns its SHA-256 (hex) and size.
    fn put(&mut self, reader: &mut dyn std::io::Read) -> std::io::Result<(String, u64)>;
}

/// The files of one OLX course, read by [`archive`].
#[derive(Debug, Default)]
pub struct OlxFiles {
    /// Every file outside `static/`, and the subtitle files (`.srt`, `.vtt`, `.sjson`) of
    /// `static/` too, by path relative to the course root (`course.xml`, `html/x.html`,
    /// `static/intro-en.srt`), with `/` separators.
    pub text: BTreeMap<String, Vec<u8>>,
    /// Every file under `static/`, stored in the sink.
    pub statics: Vec<StaticFile>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticFile {
    /// Path below `static/` (`images/a b.png`).
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// A page of a course outside its outline: About texts, course info (handouts,
/// updates) and static tabs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoursePage {
    pub kind: PageKind,
    /// The OLX slug (`overview`, `handouts`, `syllabus`).
    pub slug: String,
    /// Tab name for static tabs; empty otherwise.
    pub title: String,
    /// The file's text, as written (HTML for most; the sanitised form is made on display).
    pub content: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// `about/SLUG.html`
    About,
    /// `info/SLUG.html` (and `info/updates.items.json`, kept as JSON text)
    Info,
    /// `tabs/SLUG.html`, listed in the course policy's `tabs`
    Tab,
}

impl PageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::About => "about",
            PageKind::Info => "info",
            PageKind::Tab => "tab",
        }
    }

    pub fn parse(s: &str) -> Option<PageKind> {
        match s {
            "about" => Some(PageKind::About),
            "info" => Some(PageKind::Info),
            "tab" => Some(PageKind::Tab),
            _ => None,
        }
    }
}

/// An asset of the imported course whose bytes are already in the sink.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportedAsset {
    /// Normalised as Open edX does (`images/a b.png` → `images_a_b.png`).
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: u64,
}

/// A course ready to store.
#[derive(Debug)]
pub struct Imported {
    pub course: NewCourse,
    /// Sections with their subsections, units and blocks; every block's `url_name` is its
    /// OLX `url_name` (renamed only if two kinds share one, see the report).
    pub blocks: Vec<NewBlock>,
    pub pages: Vec<CoursePage>,
    pub assets: Vec<ImportedAsset>,
    /// Files made during import (subtitles converted to WebVTT), not yet in the sink.
    pub generated: Vec<lyceum_core::course::spec::NewAsset>,
    pub report: Report,
}

/// What an import found that it could not use as is. Every entry names the file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub issues: Vec<Issue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub kind: IssueKind,
    /// Path in the archive (`vertical/abc.xml`, `static/feedback.js`).
    pub path: String,
    /// Technical detail for staff: the tag, the XML error, the missing name.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// A block kind Lyceum cannot run; kept as OLX.
    Unsupported,
    /// A file the course refers to is not in the archive.
    MissingFile,
    /// A file could not be parsed; the block is kept as an error block.
    ParseError,
    /// A value was unusable and a default was used (a date, a policy, a licence).
    InvalidValue,
    /// Content deliberately not imported (Studio drafts).
    Skipped,
    /// A block was renamed because its `url_name` was taken by another kind.
    Renamed,
}

impl Report {
    pub fn push(&mut self, kind: IssueKind, path: impl Into<String>, detail: impl Into<String>) {
        self.issues.push(Issue {
            kind,
            path: path.into(),
            detail: detail.into(),
        });
    }

    pub fn count(&self, kind: IssueKind) -> usize {
        self.issues.iter().filter(|i| i.kind == kind).count()
    }
}
