//! A course in Lyceum's model → an Open edX OLX `.tar.gz` laid out as Studio exports it
//! (spec `olx-and-capa.md` §1), which Open edX and Lyceum's own importer read back.
//!
//! Layout, below the one top directory `course/`:
//! - `course.xml` → `course/RUN.xml` → `chapter/`, `sequential/`, `vertical/` (one file per
//!   section, subsection, unit; children as pointer tags);
//! - leaves: `html/NAME.xml` + `html/NAME.html`, `problem/NAME.xml`, `video/NAME.xml`
//!   (pointers in the vertical); discussions, open response assessments and kept OLX
//!   inline in the vertical;
//! - `policies/RUN/policy.json`, `policies/RUN/grading_policy.json`,
//!   `policies/assets.json`, `assets/assets.xml`;
//! - `about/`, `info/`, `tabs/` pages; `static/` assets.
//!
//! The output is deterministic: the same course gives the same bytes (fixed entry order,
//! mtime 0, mode 0644, owner 0), so exports can be compared and cached.

use crate::kinds::{self, ExportLeaf};
use crate::xml::escape_attr;
use crate::{CoursePage, PageKind};
use flate2::Compression;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use lyceum_core::blocks::MediaRef;
use lyceum_core::course::StructureSettings;
use lyceum_core::course::spec::{NewBlock, NewCourse};
use lyceum_core::error::DomainError;
use lyceum_core::media::content_type_for;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read, Write};
use std::path::PathBuf;

/// What to export: the stored course, its outline (sections at the top, as stored), its
/// pages and its assets.
pub struct ExportCourse<'a> {
    pub course: &'a NewCourse,
    pub blocks: &'a [NewBlock],
    pub pages: &'a [CoursePage],
    pub assets: &'a [ExportAsset],
}

/// One asset of the course: written to `static/NAME`, streamed from `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportAsset {
    pub name: String,
    /// The file on disk (the media store's copy) for [`export`]; for [`export_from`],
    /// whatever its opener understands (Lyceum's media store: the file's SHA-256).
    pub path: PathBuf,
}

/// The archive's one top directory, as in Studio's exports.
const ROOT: &str = "course";

/// Open edX's default course tabs, in the order every Open edX release accepts:
/// Studio validates "courseware first" (newest), "course_info then courseware" (after
/// swapping a leading courseware/course_info pair) or "courseware then course_info" (old).
const DEFAULT_TABS: [(&str, &str); 6] = [
    ("courseware", "Course"),
    ("course_info", "Home"),
    ("textbooks", "Textbooks"),
    ("discussion", "Discussion"),
    ("wiki", "Wiki"),
    ("progress", "Progress"),
];

/// Write `course` as a gzip'd OLX tar to `out`. Names that would not stay inside the
/// archive are refused (`lyceum-error-olx-export-name`) before anything is written; an
/// I/O failure (an asset file that cannot be read, `out` failing) is
/// `lyceum-error-olx-export-io`, after which `out` holds a partial archive.
pub fn export(course: &ExportCourse<'_>, out: impl Write) -> Result<(), DomainError> {
    export_from(course, out, &|a: &ExportAsset| {
        let file = std::fs::File::open(&a.path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        Ok((Box::new(file) as Box<dyn std::io::Read>, meta.len()))
    })
}

/// Opens an asset's bytes for the archive, with their size: what [`export_from`] reads
/// assets through (a media store that is not a directory names files its own way in
/// [`ExportAsset::path`]).
pub type OpenAsset<'a> =
    dyn Fn(&ExportAsset) -> std::io::Result<(Box<dyn std::io::Read + 'a>, u64)> + 'a;

/// [`export`], reading each asset through `open` (streamed, never whole in memory).
pub fn export_from(
    course: &ExportCourse<'_>,
    out: impl Write,
    open: &OpenAsset<'_>,
) -> Result<(), DomainError> {
    let files = text_files(course)?;
    let statics = static_files(course.assets)?;
    write_archive(&files, &statics, out, open)
}

/// Every file outside `static/`, in archive order.
fn text_files(c: &ExportCourse<'_>) -> Result<Files, DomainError> {
    let course = c.course;
    let run = &course.key.run;
    // Key parts never hold `/` or `:`, but may be `..`.
    check_name(run)?;

    let mut files = Files::default();
    files.add(
        "course.xml".to_owned(),
        format!(
            "{}/>\n",
            open_tag(
                "course",
                &[
                    ("url_name", run.clone()),
                    ("org", course.key.org.clone()),
                    ("course", course.key.code.clone()),
                ],
            )
        ),
        run,
    )?;

    // The outline first, so its files follow `course/RUN.xml` in the archive.
    let mut outline = Files::default();
    let chapters = write_outline(c.blocks, &mut outline)?;
    let mut attrs = vec![
        ("display_name", course.title.clone()),
        ("language", course.language.clone()),
    ];
    if let Some(start) = course.start {
        attrs.push(("start", date(start)));
    }
    if let Some(end) = course.end {
        attrs.push(("end", date(end)));
    }
    attrs.push(("self_paced", course.self_paced.to_string()));
    attrs.push(("license", course.license.to_olx().to_owned()));
    files.add(
        format!("course/{run}.xml"),
        element("course", &attrs, &chapters),
        run,
    )?;
    files.append(outline)?;

    let (pages, tabs) = page_files(course, c.pages)?;
    files.add(
        format!("policies/{run}/policy.json"),
        pretty_json(&policy(course, tabs)),
        run,
    )?;
    files.add(
        format!("policies/{run}/grading_policy.json"),
        course.grading.to_edx_json(),
        run,
    )?;
    files.add(
        "policies/assets.json".to_owned(),
        pretty_json(&assets_policy(c.assets)),
        run,
    )?;
    files.add("assets/assets.xml".to_owned(), "<assets/>\n", run)?;
    files.append(pages)?;
    Ok(files)
}

/// Write the files of an outline; returns the elements the course holds (pointers to
/// its chapters). Depth-first with a stack of our own rather than recursion, so no
/// stored outline, however deep, can exhaust the stack.
fn write_outline(blocks: &[NewBlock], files: &mut Files) -> Result<Vec<String>, DomainError> {
    /// A section, subsection or unit whose file is reserved and whose children are
    /// being written.
    struct Open<'b> {
        block: &'b NewBlock,
        tag: &'static str,
        attrs: Vec<(&'static str, String)>,
        slot: usize,
        elements: Vec<String>,
        next: usize,
    }
    let mut top = Vec::new();
    let mut roots = blocks.iter();
    let mut stack: Vec<Open<'_>> = Vec::new();
    loop {
        let next = match stack.last_mut() {
            Some(open) => {
                let child = open.block.children.get(open.next);
                open.next += 1;
                child
            }
            None => roots.next(),
        };
        let element = match next {
            Some(block) => match structure_tag(block) {
                None => write_leaf(block, files)?,
                Some(tag) => {
                    let attrs = structure_attrs(block, tag);
                    // The parent's file goes before its children's, so the archive
                    // reads top-down.
                    let slot = files.reserve(
                        format!("{tag}/{}.xml", name_path(&block.url_name)?),
                        &block.url_name,
                    )?;
                    stack.push(Open {
                        block,
                        tag,
                        attrs,
                        slot,
                        elements: Vec::new(),
                        next: 0,
                    });
                    continue;
                }
            },
            None => match stack.pop() {
                Some(done) => {
                    files.fill(done.slot, element(done.tag, &done.attrs, &done.elements));
                    Some(pointer(done.tag, &done.block.url_name))
                }
                None => return Ok(top),
            },
        };
        if let Some(element) = element {
            match stack.last_mut() {
                Some(parent) => parent.elements.push(element),
                None => top.push(element),
            }
        }
    }
}

/// The OLX tag of a section, subsection or unit; `None` for a leaf.
fn structure_tag(block: &NewBlock) -> Option<&'static str> {
    match block.kind.as_str() {
        "section" => Some("chapter"),
        "subsection" => Some("sequential"),
        "unit" => Some("vertical"),
        _ => None,
    }
}

/// The attributes of a section's, subsection's or unit's file.
fn structure_attrs(block: &NewBlock, tag: &str) -> Vec<(&'static str, String)> {
    let mut attrs = Vec::new();
    if !block.title.is_empty() {
        attrs.push(("display_name", block.title.clone()));
    }
    if let Some(start) = block.release_at {
        attrs.push(("start", date(start)));
    }
    if tag == "sequential" {
        // As the course tree reads it: unreadable settings are no settings.
        let settings: StructureSettings = serde_json::from_str(&block.content).unwrap_or_default();
        if settings.graded {
            attrs.push(("graded", "true".to_owned()));
        }
        if let Some(format) = settings.format {
            attrs.push(("format", format));
        }
        if let Some(due) = settings.due {
            attrs.push(("due", date(due)));
        }
    }
    attrs
}

fn write_leaf(block: &NewBlock, files: &mut Files) -> Result<Option<String>, DomainError> {
    let path = name_path(&block.url_name)?;
    // A kind written by a newer Lyceum: this build does not know what it is in OLX.
    let Some(kind) = kinds::for_kind(&block.kind) else {
        return Ok(None);
    };
    (kind.export)(&mut ExportLeaf {
        block,
        path: &path,
        files,
    })
    .map(Some)
}

/// About pages from the course's settings, then the course's pages; returns the files
/// (`about/`, `info/`, `tabs/`) and the static tabs for the policy. The settings win over
/// a page of the same name.
fn page_files(
    course: &NewCourse,
    pages: &[CoursePage],
) -> Result<(Files, Vec<Value>), DomainError> {
    let mut files = Files::default();
    if !course.overview_html.is_empty() {
        files.add_new(
            "about/overview.html".to_owned(),
            course.overview_html.as_str(),
        );
    }
    if !course.short_description.is_empty() {
        files.add_new(
            "about/short_description.html".to_owned(),
            course.short_description.as_str(),
        );
    }
    if let Some(effort) = course.effort {
        let m = effort.minutes_per_week;
        files.add_new(
            "about/effort.html".to_owned(),
            format!("{:02}:{:02}", m / 60, m % 60),
        );
        files.add_new(
            "about/duration.html".to_owned(),
            format!("{} weeks", effort.weeks),
        );
    }
    let mut tabs = Vec::new();
    for page in pages {
        check_file_name(&page.slug)?;
        let slug = &page.slug;
        let path = match page.kind {
            PageKind::About => format!("about/{slug}.html"),
            // Open edX's `DIR/SLUG.FIELD.json` form: the updates list, kept as JSON.
            PageKind::Info if slug == "updates.items.json" => format!("info/{slug}"),
            PageKind::Info => format!("info/{slug}.html"),
            PageKind::Tab => format!("tabs/{slug}.html"),
        };
        if files.add_new(path, page.content.as_str()) && page.kind == PageKind::Tab {
            let name = if page.title.is_empty() {
                slug
            } else {
                &page.title
            };
            tabs.push(json!({
                "course_staff_only": false,
                "name": name,
                "type": "static_tab",
                "url_slug": slug,
            }));
        }
    }
    Ok((files, tabs))
}

/// `policies/RUN/policy.json`. Keys are inserted in sorted order, as Studio writes them.
fn policy(course: &NewCourse, static_tabs: Vec<Value>) -> Value {
    let mut tabs: Vec<Value> = DEFAULT_TABS
        .iter()
        .map(|(kind, name)| {
            if *kind == "wiki" {
                // Lyceum has no wiki; Open edX would show an empty one.
                json!({"course_staff_only": false, "is_hidden": true, "name": name, "type": kind})
            } else {
                json!({"course_staff_only": false, "name": name, "type": kind})
            }
        })
        .collect();
    tabs.extend(static_tabs);
    let mut fields = Map::new();
    fields.insert("display_name".into(), course.title.clone().into());
    if let Some(end) = course.end {
        fields.insert("end".into(), date(end).into());
    }
    fields.insert(
        "graceperiod".into(),
        duration(course.grading.grace_period_secs).into(),
    );
    fields.insert("language".into(), course.language.clone().into());
    if !course.outcomes.is_empty() {
        // Studio's "What you'll learn" list.
        fields.insert("learning_info".into(), course.outcomes.clone().into());
    }
    fields.insert("license".into(), course.license.to_olx().into());
    fields.insert("self_paced".into(), course.self_paced.into());
    if let Some(start) = course.start {
        fields.insert("start".into(), date(start).into());
    }
    fields.insert("tabs".into(), Value::Array(tabs));
    let mut top = Map::new();
    top.insert(format!("course/{}", course.key.run), Value::Object(fields));
    Value::Object(top)
}

/// `policies/assets.json`: the fields Studio's importer reads for each asset.
fn assets_policy(assets: &[ExportAsset]) -> Value {
    let mut map = Map::new();
    let sorted: BTreeMap<&str, &ExportAsset> =
        assets.iter().map(|a| (a.name.as_str(), a)).collect();
    for name in sorted.keys() {
        // Open edX stores the bare MIME type (no charset parameter).
        let content_type = content_type_for(name)
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        map.insert(
            (*name).to_owned(),
            json!({"contentType": content_type, "displayname": name, "locked": false}),
        );
    }
    Value::Object(map)
}

/// The assets in name order, checked before anything is written.
fn static_files(assets: &[ExportAsset]) -> Result<Vec<&ExportAsset>, DomainError> {
    let mut sorted: BTreeMap<&str, &ExportAsset> = BTreeMap::new();
    for asset in assets {
        check_file_name(&asset.name)?;
        if sorted.insert(&asset.name, asset).is_some() {
            return Err(name_error(&asset.name));
        }
    }
    Ok(sorted.into_values().collect())
}

fn write_archive(
    files: &Files,
    statics: &[&ExportAsset],
    out: impl Write,
    open: &OpenAsset<'_>,
) -> Result<(), DomainError> {
    let mut tar = tar::Builder::new(GzEncoder::new(out, Compression::fast()));
    for (path, body) in &files.entries {
        let mut header = header(body.len() as u64);
        tar.append_data(&mut header, format!("{ROOT}/{path}"), body.as_slice())
            .map_err(|e| io_error(path, &e))?;
    }
    for asset in statics {
        let path = format!("static/{}", asset.name);
        let (file, len) = open(asset).map_err(|e| io_error(&path, &e))?;
        let mut header = header(len);
        let data = Exact {
            inner: file,
            left: len,
        };
        tar.append_data(&mut header, format!("{ROOT}/{path}"), data)
            .map_err(|e| io_error(&path, &e))?;
    }
    let gzip = tar.into_inner().map_err(|e| io_error("", &e))?;
    let mut out = gzip.finish().map_err(|e| io_error("", &e))?;
    out.flush().map_err(|e| io_error("", &e))
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// Reads exactly `left` bytes: the tar header already holds the size, so a file that
/// shrinks while it is read must fail the export, not corrupt the archive.
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file changed while it was exported",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn io_error(path: &str, e: &io::Error) -> DomainError {
    let detail = if path.is_empty() {
        e.to_string()
    } else {
        format!("{path}: {e}")
    };
    DomainError::new("lyceum-error-olx-export-io").with_arg(detail)
}

/// Files in the order they are added; a path added twice is refused (two blocks of one
/// kind with one `url_name`).
#[derive(Default)]
pub(crate) struct Files {
    entries: Vec<(String, Vec<u8>)>,
    seen: HashSet<String>,
}

impl Files {
    pub(crate) fn add(
        &mut self,
        path: String,
        body: impl Into<Vec<u8>>,
        name: &str,
    ) -> Result<(), DomainError> {
        if self.add_new(path, body) {
            Ok(())
        } else {
            Err(name_error(name))
        }
    }

    /// Take the next place in the archive for a file whose text comes later.
    fn reserve(&mut self, path: String, name: &str) -> Result<usize, DomainError> {
        self.add(path, Vec::new(), name)?;
        Ok(self.entries.len() - 1)
    }

    fn fill(&mut self, slot: usize, body: impl Into<Vec<u8>>) {
        if let Some(entry) = self.entries.get_mut(slot) {
            entry.1 = body.into();
        }
    }

    /// Add unless the path is taken; returns whether it was added.
    fn add_new(&mut self, path: String, body: impl Into<Vec<u8>>) -> bool {
        if !self.seen.insert(path.clone()) {
            return false;
        }
        self.entries.push((path, body.into()));
        true
    }

    fn append(&mut self, other: Files) -> Result<(), DomainError> {
        for (path, body) in other.entries {
            let taken = path.clone();
            self.add(path, body, &taken)?;
        }
        Ok(())
    }
}

fn name_error(name: &str) -> DomainError {
    DomainError::new("lyceum-error-olx-export-name").with_arg(name)
}

/// A name used as (part of) a file name must stay inside the archive: no separators, no
/// `..`, no NUL, not empty.
fn check_file_name(name: &str) -> Result<(), DomainError> {
    let bad =
        name.is_empty() || name == "." || name.contains(['/', '\\', '\0']) || name.contains("..");
    if bad { Err(name_error(name)) } else { Ok(()) }
}

/// The path of a block's file below its kind's directory: Open edX's
/// `name_to_pathname` (`a:b` → `a/b`), so every `:`-separated part must be a plain name.
fn name_path(url_name: &str) -> Result<String, DomainError> {
    check_name(url_name)?;
    Ok(url_name.replace(':', "/"))
}

fn check_name(name: &str) -> Result<(), DomainError> {
    check_file_name(name)?;
    if name.split(':').any(|part| part.is_empty() || part == ".") {
        return Err(name_error(name));
    }
    Ok(())
}

/// Directories of an export that are not block kinds.
const RESERVED_DIRS: [&str; 8] = [
    "about", "assets", "course", "drafts", "info", "policies", "static", "tabs",
];

/// A tag used as a directory name: an XML name of safe characters, not one of the
/// export's own directories.
pub(crate) fn check_tag(tag: &str) -> Result<(), DomainError> {
    let ok = !RESERVED_DIRS.contains(&tag)
        && tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !tag.contains("..");
    if ok { Ok(()) } else { Err(name_error(tag)) }
}

pub(crate) fn pointer(tag: &str, url_name: &str) -> String {
    format!("{}/>", open_tag(tag, &[("url_name", url_name.to_owned())]))
}

/// `<tag a="v" …` (not closed).
pub(crate) fn open_tag(tag: &str, attrs: &[(&str, String)]) -> String {
    let mut s = format!("<{tag}");
    for (name, value) in attrs {
        s.push(' ');
        s.push_str(name);
        s.push_str("=\"");
        s.push_str(&escape_attr(value));
        s.push('"');
    }
    s
}

/// A whole file: the element with one child per line, as Studio writes them.
pub(crate) fn element(tag: &str, attrs: &[(&str, String)], children: &[String]) -> String {
    let mut s = open_tag(tag, attrs);
    if children.is_empty() {
        s.push_str("/>\n");
        return s;
    }
    s.push_str(">\n");
    for child in children {
        s.push_str("  ");
        s.push_str(child);
        s.push('\n');
    }
    s.push_str(&format!("</{tag}>\n"));
    s
}

/// Open edX's date form (`Date.to_json`): UTC, whole seconds, `Z`.
pub(crate) fn date(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A duration as Open edX's `Timedelta` field reads it (`"1 day 2 hours 5 minutes"`;
/// `""` for none, as Studio writes a course without a grace period).
fn duration(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "day"),
        (secs % 86_400 / 3600, "hour"),
        (secs % 3600 / 60, "minute"),
        (secs % 60, "second"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| {
            if *n == 1 {
                format!("1 {unit}")
            } else {
                format!("{n} {unit}s")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `HH:MM:SS`, Open edX's `RelativeTime` (at most 23:59:59).
pub(crate) fn clock(secs: f64) -> String {
    let s = secs.round().clamp(0.0, 86_399.0) as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

pub(crate) fn media_url(media: &MediaRef) -> String {
    match media {
        MediaRef::Asset(name) => format!("/static/{name}"),
        MediaRef::Url(url) => url.clone(),
    }
}

/// A JSON list of strings as Python's `json.dumps` writes it (`["a", "b"]`).
pub(crate) fn json_list(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|s| Value::from(s.as_str()).to_string())
        .collect();
    format!("[{}]", items.join(", "))
}

/// A JSON object of strings as Python's `json.dumps` writes it (`{"en": "a.srt"}`).
pub(crate) fn json_object(pairs: &[(&str, &str)]) -> String {
    let items: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {}", Value::from(*k), Value::from(*v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// JSON indented by four spaces, as Studio writes its policy files.
fn pretty_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Writing a `Value` to a `Vec` cannot fail.
    if value.serialize(&mut serializer).is_err() {
        out.clear();
        out.extend_from_slice(value.to_string().as_bytes());
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_open_edx_timedeltas() {
        assert_eq!(duration(0), "");
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(26 * 3600), "1 day 2 hours");
        assert_eq!(duration(2 * 86_400 + 61), "2 days 1 minute 1 second");
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(0.0), "00:00:00");
        assert_eq!(clock(3725.4), "01:02:05");
        assert_eq!(clock(1e9), "23:59:59");
    }

    #[test]
    fn names() {
        assert_eq!(name_path("week:1").ok().as_deref(), Some("week/1"));
        for bad in [
            "", ".", "a/b", "a\\b", "..", "a..b", "a\0b", ":a", "a:", "a::b", "a:.:b",
        ] {
            assert!(name_path(bad).is_err(), "{bad:?}");
        }
        assert!(check_tag("drag-and-drop-v2").is_ok());
        for bad in ["", "-x", "a/b", "a:b", ".x", "a..b", "static", "policies"] {
            assert!(check_tag(bad).is_err(), "{bad:?}");
        }
    }
}
